/*
 * inproc.c: the in-process server of inproc.h.  It uses the runtime's
 * internal seams server/inproc.h (the unstarted server's first worker)
 * and trpc__sconn_accept_bev() (a connection over a bufferevent), and
 * otherwise only what an application does (trpc_server_new, the generated
 * echo__echo__serve).
 */
#include <event2/event.h>
#include "server/inproc.h"
#include "fuzz_echo.h"
#include "inproc.h"

trpc_error inproc_server_init(inproc_server *s, const trpc_server_opts *opts)
{
    trpc_server_opts o = opts ? *opts : TRPC_SERVER_OPTS(.workers = 1);
    o.workers = 1;
    s->srv = NULL;
    trpc_error rv = trpc_server_new(&s->srv, &o);
    if (rv != TRPC_OK) {
        return rv;
    }
    rv = echo__echo__serve(s->srv, &fuzz_echo_impl, NULL);
    if (rv != TRPC_OK) {
        trpc_server_free(s->srv);
        s->srv = NULL;
        return rv;
    }
    trpc__worker *w = trpc__server_inproc_worker(s->srv);
    trpc__call_enter_worker(&w->env);
    s->worker = w;
    s->base = w->base;
    return TRPC_OK;
}

void inproc_server_fini(inproc_server *s)
{
    if (s->srv) {
        inproc_server_close_all(s);
        trpc_server_free(s->srv);
    }
    s->srv = NULL;
}

struct bufferevent *inproc_server_connect(inproc_server *s)
{
    trpc__worker *w = s->worker;
    struct bufferevent *pair[2];
    if (bufferevent_pair_new(s->base, BEV_OPT_CLOSE_ON_FREE, pair) != 0) {
        return NULL;
    }
    trpc__sconn_accept_bev(&w->conns, pair[0], "inproc:fuzz");
    return pair[1];
}

int inproc_run_until_idle(struct event_base *base, int max_turns)
{
    int turns = 0;
    while (turns < max_turns) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        turns++;
        if (event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE) == 0) {
            break;
        }
    }
    return turns;
}

void inproc_server_close_all(inproc_server *s)
{
    trpc__worker *w = s->worker;
    trpc__sconns_close_all(&w->conns);
    inproc_run_until_idle(s->base, 64);
}

size_t inproc_server_conns(const inproc_server *s)
{
    const trpc__worker *w = s->worker;
    return w->conns.n;
}
