/*
 * worker.c: one worker of the server (see worker.h).
 *
 * The worker's thread runs its libevent loop; everything of its
 * connections and calls happens there.  Other threads reach it through its
 * op queue: ops on a call (a reply queued, __finish, an executor task
 * returned) and the shutdown request.
 *
 * Shutdown.  Listeners take what is queued and shut down (connects are
 * refused), and every connection gets the two-step GOAWAY of RFC 9113 6.8:
 * first a shutdown notice (last stream id 2^31-1: "stop opening streams"),
 * then, NOTICE_MS later, the real GOAWAY with the last stream id processed
 * (nghttp2 then refuses new streams).  Streams a peer opened before it saw
 * the notice are served normally instead of being ignored above the final
 * GOAWAY's last stream id.  Calls in flight may finish until the grace timer
 * fires, the rest are reset with CANCEL; connections with nothing left close
 * with a lingering close; the worker stops when it has no connection and no
 * call left (held calls included: their owners finish them).
 *
 *   step        event                          next        (flags)
 *   serving     shutdown flag from the queue   noticed     stopping: listeners
 *                                                          drained and shut, GOAWAY
 *                                                          notice sent
 *   noticed     NOTICE_MS passed (or grace 0)  goaway      final_goaway: the real
 *                                                          GOAWAY on every connection
 *   goaway      the grace ran out              cancelling  calls left reset (CANCEL)
 *   any of them no connection, no live call    stopped     the loop breaks
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "base/thread.h"
#include "h2/timer.h"
#include "server/worker.h"

/* Time between the shutdown notice and the final GOAWAY: more than a
 * round trip on the networks a server is reached over (at most the grace
 * period). */
#define NOTICE_MS 100

enum { FLAG_SHUTDOWN = 1 };

static void check_done(void *arg)
{
    trpc__worker *w = arg;
    if (w->stopping && w->conns.n == 0 && w->env.live == 0) {
        /* loopexit, not loopbreak: the callbacks already active run
         * first.  A bufferevent freed just now (a TLS one especially) may
         * hold a reference for a deferred callback; cut off there, it
         * would never be released, and event_base_free() leaks it. */
        event_base_loopexit(w->base, NULL);
    }
}

/* A connection was freed: it no longer counts toward the limit. */
static void conn_closed(void *arg)
{
    trpc__worker *w = arg;
    w->conns_closed++;
    trpc__admit_closed(&w->admit);
    check_done(w);
}

/* Takes a socket accepted on listener i. */
static void take(trpc__worker *w, size_t i, int fd, const struct sockaddr *sa, int salen)
{
    /* Counted if it was kept: it is in the set now, or it was and has
     * been freed already (each freed connection is subtracted once). */
    size_t n0 = w->conns.n;
    unsigned long closed0 = w->conns_closed;
    if (w->lis_tls && w->lis_tls[i]) {
        trpc__sconn_accept_tls(&w->conns, fd, sa, salen, w->lis_tls[i]);
    } else {
        trpc__sconn_accept(&w->conns, fd, sa, salen);
    }
    trpc__admit_opened(&w->admit,
                       (unsigned)(w->conns.n - n0) + (unsigned)(w->conns_closed - closed0));
}

/* accept() failed for a reason libevent does not retry by itself (out of
 * file descriptors, of memory): back off (server/admit.h). */
static void accept_error_cb(struct evconnlistener *l, void *arg)
{
    (void)l;
    trpc__worker *w = arg;
    trpc__admit_failed(&w->admit, EVUTIL_SOCKET_ERROR());
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    trpc__worker *w = arg;
    if (w->stopping) {
        close(fd);
        return;
    }
    trpc__admit_accepted(&w->admit);
    size_t i = 0;
    while (i + 1 < w->nlis && w->lis[i] != l) {
        i++;
    }
    take(w, i, fd, sa, salen);
}

/* Step two of the shutdown: the real GOAWAY, with the last stream id
 * nghttp2 processed, on every connection that has not had one. */
static void send_final_goaway(trpc__worker *w)
{
    if (w->final_goaway) {
        return;
    }
    w->final_goaway = true;
    evtimer_del(w->notice_ev);
    trpc__sconns_goaway(&w->conns);
}

static void notice_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__worker *w = arg;
    send_final_goaway(w);
    check_done(w);
}

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__worker *w = arg;
    send_final_goaway(w);
    trpc__sconns_cancel_calls(&w->conns);
    check_done(w);
}

/* Accepts the connections queued on listener i, then shuts its socket
 * down (begin_shutdown() says why). */
static void take_queue_and_shut(trpc__worker *w, size_t i)
{
    evutil_socket_t lfd = evconnlistener_get_fd(w->lis[i]);
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sslen = sizeof ss;
        int fd = accept(lfd, (struct sockaddr *)&ss, &sslen);
        if (fd < 0) {
            break;
        }
        evutil_make_socket_nonblocking(fd);
        evutil_make_socket_closeonexec(fd);
        take(w, i, fd, (struct sockaddr *)&ss, (int)sslen);
    }
    shutdown(lfd, SHUT_RDWR);
}

static void begin_shutdown(trpc__worker *w, int grace_ms)
{
    if (w->stopping) {
        return;
    }
    /* Stop listening now, not when the listening sockets are closed after
     * the workers: a connection the kernel completes meanwhile would sit
     * in the accept queue and be reset at that close, with a request a
     * proxy already sent on it.  So take what is queued (it gets the
     * GOAWAY below like every connection), then shut the socket down:
     * further connects are refused, and a proxy tries another server. */
    for (size_t i = 0; i < w->nlis; i++) {
        /* A socket given by fd belongs to its maker too (systemd keeps it
         * to start the service again): shutting it down would stop it
         * listening for good, and what waits in its queue is the next
         * process's.  Only stop accepting from it. */
        if (!w->lis_borrowed[i]) {
            take_queue_and_shut(w, i);
        }
        evconnlistener_free(w->lis[i]);
    }
    w->nlis = 0;
    w->stopping = true;
    trpc__sconns_stopping(&w->conns);
    /* Step one: the shutdown notice (GOAWAY, last stream id 2^31-1).  A
     * peer may be sending a new stream while it is on its way; such streams
     * are still served.  The final GOAWAY follows NOTICE_MS later (or at
     * once without a grace period: calls are cancelled anyway). */
    int notice_ms = NOTICE_MS;
    if (grace_ms >= 0 && grace_ms < notice_ms) {
        notice_ms = grace_ms;
    }
    if (notice_ms > 0) {
        trpc__sconns_notice(&w->conns);
        trpc__timer_in(w->notice_ev, notice_ms);
    } else {
        send_final_goaway(w);
    }
    if (grace_ms >= 0) {
        trpc__timer_in(w->grace_ev, grace_ms);
    }
    check_done(w);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__worker *w = arg;
    trpc__opq_item *it;
    unsigned ops;
    while ((it = trpc__opq_pop(&w->opq, &ops))) {
        trpc_call *call = (trpc_call *)((char *)it - offsetof(trpc_call, op));
        trpc__call_run_ops(call, ops);
    }
    if (trpc__opq_take_flags(&w->opq) & FLAG_SHUTDOWN) {
        begin_shutdown(w, w->grace_ms);
    }
}

static void *worker_main(void *arg)
{
    trpc__worker *w = arg;
    trpc__call_enter_worker(&w->env);
    event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

trpc_error trpc__worker_init(trpc__worker *w, const trpc__registry *reg, trpc__executor *exec,
                             const trpc__call_limits *lim, const trpc__sconn_proto *proto,
                             trpc__conn_limit *climit)
{
    memset(w, 0, sizeof *w);
    w->base = event_base_new();
    if (!w->base || trpc__h2loop_init(&w->loop, w->base) != 0 ||
        trpc__opq_init(&w->opq, w->base, wake_cb, w) != 0) {
        return TRPC_ELIBEVENT;
    }
    w->grace_ev = evtimer_new(w->base, grace_cb, w);
    w->notice_ev = evtimer_new(w->base, notice_cb, w);
    if (!w->grace_ev || !w->notice_ev ||
        trpc__admit_init(&w->admit, w->base, &w->lis, &w->nlis, climit) != 0) {
        return TRPC_ELIBEVENT;
    }
    trpc__call_env_init(&w->env);
    w->env.loop = &w->loop;
    w->env.opq = &w->opq;
    w->env.reg = reg;
    w->env.exec = exec;
    w->env.lim = lim;
    w->env.released = check_done;
    w->env.ctx = w;
    w->conns.loop = &w->loop;
    w->conns.env = &w->env;
    w->conns.proto = proto;
    w->conns.closed = conn_closed;
    w->conns.ctx = w;
    return TRPC_OK;
}

trpc_error trpc__worker_listen(trpc__worker *w, int fd, bool borrowed, trpc__tls_server *ts)
{
    struct evconnlistener **lis = realloc(w->lis, (w->nlis + 1) * sizeof *lis);
    if (!lis) {
        return TRPC_ENOMEM;
    }
    w->lis = lis;
    bool *bor = realloc(w->lis_borrowed, (w->nlis + 1) * sizeof *bor);
    if (!bor) {
        return TRPC_ENOMEM;
    }
    w->lis_borrowed = bor;
    bor[w->nlis] = borrowed;
    trpc__tls_server **lt = realloc(w->lis_tls, (w->nlis + 1) * sizeof *lt);
    if (!lt) {
        return TRPC_ENOMEM;
    }
    w->lis_tls = lt;
    lt[w->nlis] = ts;
    lis[w->nlis] = evconnlistener_new(w->base, accept_cb, w, 0, 0, fd);
    if (!lis[w->nlis]) {
        return TRPC_ELIBEVENT;
    }
    evconnlistener_set_error_cb(lis[w->nlis], accept_error_cb);
    /* evconnlistener_new() ignores the failure of its own enabling (out
     * of memory: a listener that never accepts); enabling again is a
     * no-op when it worked, and tells when it did not. */
    if (evconnlistener_enable(lis[w->nlis]) != 0) {
        evconnlistener_free(lis[w->nlis]);
        return TRPC_ELIBEVENT;
    }
    w->nlis++;
    return TRPC_OK;
}

trpc_error trpc__worker_start(trpc__worker *w)
{
    if (trpc__thread_create(&w->th, worker_main, w) != 0) {
        return TRPC_ESYS;
    }
    w->th_started = true;
    return TRPC_OK;
}

void trpc__worker_stop(trpc__worker *w, int grace_ms)
{
    if (!w->th_started) {
        return;
    }
    w->grace_ms = grace_ms;
    trpc__opq_flag(&w->opq, FLAG_SHUTDOWN);
}

void trpc__worker_join(trpc__worker *w)
{
    if (w->th_started) {
        pthread_join(w->th, NULL);
        w->th_started = false;
    }
}

void trpc__worker_fini(trpc__worker *w)
{
    for (size_t i = 0; i < w->nlis; i++) {
        evconnlistener_free(w->lis[i]);
    }
    free(w->lis);
    w->lis = NULL;
    free(w->lis_borrowed);
    w->lis_borrowed = NULL;
    free(w->lis_tls);
    w->lis_tls = NULL;
    w->nlis = 0;
    if (w->base) {
        trpc__sconns_close_all(&w->conns);
        trpc__call_env_fini(&w->env);
    }
    if (w->grace_ev) {
        event_free(w->grace_ev);
    }
    if (w->notice_ev) {
        event_free(w->notice_ev);
    }
    trpc__admit_fini(&w->admit);
    trpc__opq_fini(&w->opq);
    if (w->base) {
        trpc__h2loop_fini(&w->loop);
        event_base_free(w->base);
    }
    memset(w, 0, sizeof *w);
}
