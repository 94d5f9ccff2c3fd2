/*
 * ts_support.c: the helpers of ts.h.  Sockets live in /tmp, named after the
 * process id and a counter, so tests running in parallel never share one.
 */
#include <time.h>
#include <unistd.h>

#include "ts.h"

static unsigned ts_counter;

static void ts_socket_path(char *buf, size_t n, const char *what)
{
    snprintf(buf, n, "unix:/tmp/trpc-ts-%s-%ld-%u.sock", what, (long)getpid(), ts_counter++);
}

trpc_server *ts_server(void)
{
    trpc_server_opts o;
    trpc_server *srv = NULL;
    trpc_server_opts_init(&o);
    o.workers = 1;
    TS_CHECK(trpc_server_new(&srv, &o) == 0);
    return srv;
}

trpc_channel *ts_start(trpc_server *srv)
{
    char addr[128];
    trpc_channel *ch = NULL;
    ts_socket_path(addr, sizeof addr, "srv");
    TS_CHECK(trpc_server_listen(srv, addr, NULL) == 0);
    TS_CHECK(trpc_server_start(srv) == 0);
    TS_CHECK(trpc_channel_new(&ch, addr, NULL) == 0);
    return ch;
}

void ts_stop(trpc_server *srv, trpc_channel *ch)
{
    trpc_channel_free(ch);
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
}

trpc_channel *ts_dead_channel(void)
{
    char addr[128];
    trpc_channel *ch = NULL;
    ts_socket_path(addr, sizeof addr, "nobody");
    TS_CHECK(trpc_channel_new(&ch, addr, NULL) == 0);
    return ch;
}

void ts_check_get_item(trpc_server *srv)
{
    trpc_channel *ch = ts_start(srv);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    req.name = "pen";
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, NULL);
    TS_CHECK(st == TRPC_STATUS_OK);
    TS_CHECK(reply != NULL && reply->name && strcmp(reply->name, "pen") == 0);
    shop__item__free_unpacked(reply, NULL);
    ts_stop(srv, ch);
}

void ts_check_watch(trpc_server *srv, int n)
{
    trpc_channel *ch = ts_start(srv);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Shop_Watch_Call *call = NULL;
    Shop__Event *ev;
    int got = 0;
    req.name = "pen";
    TS_CHECK(shop__shop__watch__start(ch, &req, NULL, &call) == 0);
    while (shop__shop__watch__recv(call, &ev) == 1) {
        TS_CHECK(ev->what && strcmp(ev->what, "pen") == 0);
        shop__event__free_unpacked(ev, NULL);
        got++;
    }
    TS_CHECK(shop__shop__watch__finish(call) == TRPC_STATUS_OK);
    TS_CHECK(got == n);
    ts_stop(srv, ch);
}

void ts_wait_flag(volatile int *flag)
{
    for (int i = 0; i < 500 && !*flag; i++) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    TS_CHECK(*flag);
}
