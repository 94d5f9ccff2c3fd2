/*
 * conn.c: the HTTP/2 connection parts both sides share (see conn.h).
 *
 * Reading peeks at the bufferevent's chained input in place (no copy into
 * a flat buffer) and feeds nghttp2 chunk by chunk.  Writing is nghttp2's
 * send callback: append to the socket's output while it holds less than
 * OUTBUF_HIGH, otherwise NGHTTP2_ERR_WOULDBLOCK; the bufferevent's write
 * callback (output drained) flushes again.
 */
#include <event2/buffer.h>
#include "h2/timer.h"
#include "h2/conn.h"

/* Stop asking nghttp2 for frames while this much waits for the socket. */
#define OUTBUF_HIGH (1u << 20)

static void flush_cb(evutil_socket_t fd, short what, void *arg);

int trpc__h2loop_init(trpc__h2loop *loop, struct event_base *base)
{
    loop->base = base;
    loop->dirty = NULL;
    loop->reading = NULL;
    loop->flush_pending = false;
    trpc__pool_init(&loop->pool);
    loop->flush_ev = event_new(base, -1, 0, flush_cb, loop);
    return loop->flush_ev ? 0 : -1;
}

void trpc__h2loop_fini(trpc__h2loop *loop)
{
    if (loop->flush_ev) {
        event_free(loop->flush_ev);
        loop->flush_ev = NULL;
    }
    trpc__pool_drain(&loop->pool);
}

static ssize_t send_cb(nghttp2_session *ng, const uint8_t *data, size_t len, int flags,
                       void *ud)
{
    (void)ng;
    (void)flags;
    trpc__h2conn *c = ud;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(out) >= OUTBUF_HIGH) {
        return NGHTTP2_ERR_WOULDBLOCK;
    }
    if (evbuffer_add(out, data, len) != 0) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return (ssize_t)len;
}

void trpc__h2_callbacks(nghttp2_session_callbacks *cbs)
{
    nghttp2_session_callbacks_set_send_callback(cbs, send_cb);
}

static void unmark(trpc__h2conn *c)
{
    if (!c->dirty) {
        return;
    }
    if (c->dprev) {
        c->dprev->dnext = c->dnext;
    } else {
        c->loop->dirty = c->dnext;
    }
    if (c->dnext) {
        c->dnext->dprev = c->dprev;
    }
    c->dprev = c->dnext = NULL;
    c->dirty = false;
}

void trpc__h2_mark(trpc__h2conn *c)
{
    trpc__h2loop *loop = c->loop;
    if (loop->reading == c) {
        return; /* reading it: it is flushed right after */
    }
    if (!c->dirty) {
        c->dirty = true;
        c->dprev = NULL;
        c->dnext = loop->dirty;
        if (loop->dirty) {
            loop->dirty->dprev = c;
        }
        loop->dirty = c;
    }
    if (!loop->flush_pending) {
        loop->flush_pending = true;
        event_active(loop->flush_ev, EV_TIMEOUT, 0);
    }
}

void trpc__h2_flush(trpc__h2conn *c)
{
    unmark(c);
    if (!c->ng || c->closing) {
        return;
    }
    int rv = nghttp2_session_send(c->ng);
    size_t out = evbuffer_get_length(bufferevent_get_output(c->bev));
    if (out > 0) {
        /* Normally a no-op (the write event is pending already): the
         * socket bufferevent arms it from a callback on its output, which
         * libevent does not check it could register (out of memory in
         * bufferevent_socket_new() leaves a connection that never
         * writes; tests/failmalloc). */
        bufferevent_enable(c->bev, EV_WRITE);
    }
    bool done = rv == 0 && !nghttp2_session_want_read(c->ng) &&
                !nghttp2_session_want_write(c->ng) && out == 0;
    c->hooks->flushed(c, rv, done);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__h2loop *loop = arg;
    loop->flush_pending = false;
    /* A flush may mark connections again (frames submitted from nghttp2's
     * callbacks); they are flushed in this same pass.  Each flush unmarks
     * its connection first, and finalising one unmarks it too, so a hook
     * that frees a connection leaves the list consistent. */
    while (loop->dirty) {
        trpc__h2_flush(loop->dirty);
    }
}

/* Feeds everything in `in` to the session, draining what it took: 0, or the
 * nghttp2 error (negative) that stopped it. */
static int feed(nghttp2_session *ng, struct evbuffer *in)
{
    while (evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec v[8];
        int nv = evbuffer_peek(in, -1, NULL, v, 8);
        size_t used = 0;
        for (int i = 0; i < nv && i < 8; i++) {
            ssize_t rv = nghttp2_session_mem_recv(ng, v[i].iov_base, v[i].iov_len);
            if (rv < 0) {
                evbuffer_drain(in, used);
                return (int)rv;
            }
            used += v[i].iov_len;
        }
        evbuffer_drain(in, used);
    }
    return 0;
}

void trpc__h2_read(trpc__h2conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    if (c->closing) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    if (!c->ng) {
        /* the owner creates the session, then comes back */
        if (c->hooks->unready) {
            c->hooks->unready(c);
        }
        return;
    }
    c->reads++;
    c->loop->reading = c;
    int rv = feed(c->ng, in);
    c->loop->reading = NULL;
    if (rv < 0) {
        evbuffer_drain(in, evbuffer_get_length(in));
        c->hooks->recv_failed(c, rv);
        return;
    }
    trpc__h2_flush(c);
}

static void readcb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    trpc__h2_read(arg);
}

static void writecb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    trpc__h2_flush(arg);
}

static void eventcb(struct bufferevent *bev, short events, void *arg)
{
    (void)bev;
    trpc__h2conn *c = arg;
    c->hooks->event(c, events);
}

void trpc__h2conn_init(trpc__h2conn *c, trpc__h2loop *loop, const trpc__h2hooks *hooks)
{
    c->loop = loop;
    c->hooks = hooks;
    c->bev = NULL;
    c->ng = NULL;
    c->dirty = c->closing = false;
    c->dprev = c->dnext = NULL;
    c->reads = c->ka_reads = 0;
    c->ka_quiet_since = 0;
    c->ka_ev = NULL;
    c->ka_time = c->ka_timeout = 0;
    c->ping_out = c->ka_idle = false;
}

int trpc__h2conn_attach(trpc__h2conn *c, struct bufferevent *bev)
{
    c->bev = bev;
    bufferevent_setcb(bev, readcb, writecb, eventcb, c);
    return bufferevent_enable(bev, EV_READ | EV_WRITE);
}

void trpc__h2conn_fini(trpc__h2conn *c)
{
    unmark(c);
    if (c->ka_ev) {
        event_free(c->ka_ev);
        c->ka_ev = NULL;
    }
    if (c->ng) {
        nghttp2_session_del(c->ng);
        c->ng = NULL;
    }
    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
}

/* ---- keepalive ------------------------------------------------------------------------- */

/* How long c has read nothing, as far as the count tells (never more than
 * it really has). */
static int64_t quiet_for(trpc__h2conn *c, int64_t now)
{
    if (c->reads != c->ka_reads) {
        c->ka_reads = c->reads;
        c->ka_quiet_since = now; /* some read came since the last look */
    }
    return now - c->ka_quiet_since;
}

/* Looks again after what is left of keepalive time, at most a quarter of
 * it away. */
static void ka_arm(trpc__h2conn *c, int64_t quiet)
{
    int64_t tick = c->ka_time / 4 > 0 ? c->ka_time / 4 : 1;
    int64_t left = c->ka_time - quiet;
    trpc__timer_in(c->ka_ev, left < tick ? left : tick);
}

static void send_ping(trpc__h2conn *c)
{
    if (nghttp2_submit_ping(c->ng, NGHTTP2_FLAG_NONE, NULL) != 0) {
        ka_arm(c, 0); /* out of memory: try again later */
        return;
    }
    c->ping_out = true;
    trpc__h2_mark(c);
    trpc__timer_in(c->ka_ev, c->ka_timeout);
}

static void ka_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__h2conn *c = arg;
    if (c->closing || !c->ng) {
        return;
    }
    if (c->ping_out) {
        c->ping_out = false;
        c->hooks->ping_timeout(c); /* may free c */
        return;
    }
    int64_t quiet = quiet_for(c, trpc_now_ms());
    if (quiet < c->ka_time) {
        ka_arm(c, quiet);
    } else if (c->hooks->may_ping && !c->hooks->may_ping(c)) {
        c->ka_idle = true; /* until a call starts (trpc__h2_keepalive_kick) */
    } else {
        send_ping(c);
    }
}

int trpc__h2_keepalive_start(trpc__h2conn *c, int64_t time_ms, int64_t timeout_ms)
{
    if (time_ms <= 0) {
        return 0;
    }
    if (!c->ka_ev) {
        c->ka_ev = evtimer_new(c->loop->base, ka_cb, c);
        if (!c->ka_ev) {
            return -1;
        }
    }
    c->ka_time = time_ms;
    c->ka_timeout = timeout_ms;
    c->ping_out = c->ka_idle = false;
    c->ka_reads = c->reads;
    c->ka_quiet_since = trpc_now_ms();
    ka_arm(c, 0);
    return 0;
}

void trpc__h2_keepalive_kick(trpc__h2conn *c)
{
    if (!c->ka_idle || c->closing || !c->ng) {
        return;
    }
    c->ka_idle = false;
    int64_t quiet = quiet_for(c, trpc_now_ms());
    if (quiet >= c->ka_time) {
        send_ping(c); /* A8: a PING ahead of the new call's HEADERS */
    } else {
        ka_arm(c, quiet);
    }
}

void trpc__h2_ping_acked(trpc__h2conn *c)
{
    if (!c->ping_out) {
        return;
    }
    c->ping_out = false;
    ka_arm(c, quiet_for(c, trpc_now_ms())); /* the ACK was read: 0 */
}
