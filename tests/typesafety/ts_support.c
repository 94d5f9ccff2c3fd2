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
    trpc_server *srv = NULL;
    TS_CHECK(trpc_server_new(&srv, &TRPC_SERVER_OPTS(.workers = 1)) == TRPC_OK);
    return srv;
}

trpc_channel *ts_start(trpc_server *srv)
{
    char addr[128];
    trpc_channel *ch = NULL;
    ts_socket_path(addr, sizeof addr, "srv");
    TS_CHECK(trpc_server_listen(srv, addr, NULL) == TRPC_OK);
    TS_CHECK(trpc_server_start(srv) == TRPC_OK);
    TS_CHECK(trpc_channel_new(&ch, addr, NULL) == TRPC_OK);
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
    TS_CHECK(trpc_channel_new(&ch, addr, NULL) == TRPC_OK);
    return ch;
}

static void check_item(Shop__Item *reply, trpc_status st)
{
    TS_CHECK(st == TRPC_STATUS_OK);
    TS_CHECK(reply != NULL && reply->name && strcmp(reply->name, "pen") == 0);
    shop__item__free_unpacked(reply, NULL);
}

void ts_check_get_item(trpc_server *srv)
{
    trpc_channel *ch = ts_start(srv);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    req.name = "pen";
    trpc_status st = shop__shop__get_item(shop__shop__client(ch), &req, &reply, NULL);
    check_item(reply, st);
    ts_stop(srv, ch);
}

void ts_check_reserve(trpc_server *srv)
{
    trpc_channel *ch = ts_start(srv);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    req.name = "pen";
    trpc_status st = shop__shop__reserve(shop__shop__client(ch), &req, &reply, NULL);
    check_item(reply, st);
    ts_stop(srv, ch);
}

void ts_check_watch(trpc_server *srv, int n)
{
    trpc_channel *ch = ts_start(srv);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Shop_Watch_Stream *stream = NULL;
    Shop__Event *ev;
    int got = 0;
    req.name = "pen";
    TS_CHECK(shop__shop__watch__start(&stream, shop__shop__client(ch), &req, NULL) == TRPC_OK);
    while (shop__shop__watch__recv(stream, &ev)) {
        TS_CHECK(ev->what && strcmp(ev->what, "pen") == 0);
        shop__event__free_unpacked(ev, NULL);
        got++;
    }
    TS_CHECK(shop__shop__watch__finish(stream) == TRPC_STATUS_OK);
    TS_CHECK(got == n);
    ts_stop(srv, ch);
}

void ts_check_checkout(trpc_server *srv)
{
    trpc_channel *ch = ts_start(srv);
    Shop__Shop_Checkout_Stream *stream = NULL;
    Shop__Receipt *receipt = NULL;
    TS_CHECK(shop__shop__checkout__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
    for (int i = 1; i <= 3; i++) {
        Shop__Item item = SHOP__ITEM__INIT;
        item.price = i;
        TS_CHECK(shop__shop__checkout__send(stream, &item) == TRPC_OK);
    }
    TS_CHECK(shop__shop__checkout__finish(stream, &receipt) == TRPC_STATUS_OK);
    TS_CHECK(receipt != NULL && receipt->total == 6);
    shop__receipt__free_unpacked(receipt, NULL);
    ts_stop(srv, ch);
}

void ts_check_refund(trpc_server *srv)
{
    trpc_channel *ch = ts_start(srv);
    Shop__Shop_Refund_Stream *stream = NULL;
    Shop__Receipt *receipt = NULL;
    TS_CHECK(shop__shop__refund__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
    for (int i = 1; i <= 3; i++) {
        Shop__Item item = SHOP__ITEM__INIT;
        item.price = i;
        TS_CHECK(shop__shop__refund__send(stream, &item) == TRPC_OK);
    }
    TS_CHECK(shop__shop__refund__finish(stream, &receipt) == TRPC_STATUS_OK);
    TS_CHECK(receipt != NULL && receipt->total == 6);
    shop__receipt__free_unpacked(receipt, NULL);
    ts_stop(srv, ch);
}

static char *const words[] = { "a", "b", "c" };

void ts_check_chat(trpc_server *srv)
{
    trpc_channel *ch = ts_start(srv);
    Shop__Shop_Chat_Stream *stream = NULL;
    Shop__Event *ev;
    TS_CHECK(shop__shop__chat__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
    for (int i = 0; i < 3; i++) {
        Shop__Event out = SHOP__EVENT__INIT;
        out.what = words[i];
        TS_CHECK(shop__shop__chat__send(stream, &out) == TRPC_OK);
    }
    TS_CHECK(shop__shop__chat__close_send(stream) == TRPC_OK);
    for (int i = 0; i < 3; i++) {
        TS_CHECK(shop__shop__chat__recv(stream, &ev));
        TS_CHECK(ev->what && strcmp(ev->what, words[i]) == 0);
        shop__event__free_unpacked(ev, NULL);
    }
    TS_CHECK(!shop__shop__chat__recv(stream, &ev));
    TS_CHECK(shop__shop__chat__finish(stream) == TRPC_STATUS_OK);
    ts_stop(srv, ch);
}

void ts_check_relay(trpc_server *srv)
{
    trpc_channel *ch = ts_start(srv);
    Shop__Shop_Relay_Stream *stream = NULL;
    Shop__Event *ev;
    TS_CHECK(shop__shop__relay__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
    for (int i = 0; i < 3; i++) {
        Shop__Event out = SHOP__EVENT__INIT;
        out.what = words[i];
        TS_CHECK(shop__shop__relay__send(stream, &out) == TRPC_OK);
    }
    TS_CHECK(shop__shop__relay__close_send(stream) == TRPC_OK);
    for (int i = 0; i < 3; i++) {
        TS_CHECK(shop__shop__relay__recv(stream, &ev));
        TS_CHECK(ev->what && strcmp(ev->what, words[i]) == 0);
        shop__event__free_unpacked(ev, NULL);
    }
    TS_CHECK(!shop__shop__relay__recv(stream, &ev));
    TS_CHECK(shop__shop__relay__finish(stream) == TRPC_STATUS_OK);
    ts_stop(srv, ch);
}

void ts_check_restock(trpc_server *srv)
{
    trpc_channel *ch = ts_start(srv);
    Shop__Item item = SHOP__ITEM__INIT;
    Shop__Receipt *receipt = NULL;
    item.price = 5;
    TS_CHECK(shop__admin__restock(shop__admin__client(ch), &item, &receipt, NULL) ==
             TRPC_STATUS_OK);
    TS_CHECK(receipt != NULL && receipt->total == 5);
    shop__receipt__free_unpacked(receipt, NULL);
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
