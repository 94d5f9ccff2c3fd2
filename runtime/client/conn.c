/*
 * conn.c: a channel's HTTP/2 connections (see conn.h).
 *
 *   state        event                                 next
 *   RESOLVING    the lookup answered                   CONNECTING (first address)
 *   RESOLVING    no such name, lookup failed,          freed (streams UNAVAILABLE,
 *                connect timeout                       or back to wait for ready;
 *                                                      backoff)
 *   CONNECTING   connected                             READY (waiting streams
 *                                                      submitted; keepalive armed),
 *                                                      or HANDSHAKING with TLS
 *   HANDSHAKING  handshake done with ALPN h2           READY
 *   HANDSHAKING  handshake failed, no h2, connect      freed (as a failed connect,
 *                timeout                               with OpenSSL's reason)
 *   CONNECTING   refused / timed out, no address left  freed (as a failed lookup;
 *                                                      backoff x1.6, +-20% jitter)
 *   READY        GOAWAY received                       DRAINING (new streams go
 *                                                      to a new connection)
 *   READY        socket error, EOF, protocol error,    freed (streams UNAVAILABLE)
 *                keepalive PING not acknowledged
 *   DRAINING     no stream left, or nothing to do      freed
 *
 * The name is looked up (resolve.c) for every new connection, so a name
 * that moves is followed; a connection freed while its lookup is out
 * cancels it.
 *
 * TLS: the socket connects in plaintext, then its descriptor moves to a
 * libevent bufferevent_openssl that handshakes (SNI and the name check
 * from tls_host); the connect timeout covers the handshake.  Every failure
 * says what OpenSSL or the certificate check said, so the user reads
 * "certificate verify failed: hostname mismatch" rather than "connection
 * lost".
 *
 * Streams that wait for ready (trpc_call_opts.wait_for_ready) go on the
 * set's ready_wait queue when there is no connection to try (backoff), and
 * back to it when an attempt fails; retry_ev starts the next attempt when
 * the backoff is over.  Their deadline and cancellation work as anywhere.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include "h2/timer.h"
#include "client/conn.h"

enum { RESOLVING, CONNECTING, HANDSHAKING, READY, DRAINING };

struct trpc__cconn {
    trpc__h2conn h2;           /* first: the session's user data */
    trpc__cconns *set;
    int st;
    struct event *cto_ev;      /* connect timeout (lookup and connect) */
    trpc__lookup *lookup;      /* RESOLVING: the lookup out */
    struct evutil_addrinfo *ai, *ai_next;
    bool unix_tried;
    int last_errno;
    trpc__stream_queue waiting;
    int nstreams;              /* submitted, not closed */
    char goaway[128];          /* the server's GOAWAY, when it had an error */
    bool got_frame;            /* the server has sent an HTTP/2 frame */
    trpc__cconn *next;
};

static void retry_arm(trpc__cconns *set);

static void conn_free(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
    if (c->lookup) {
        trpc__resolve_cancel(c->lookup);
    }
    for (trpc__cconn **pp = &set->head; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    if (set->cur == c) {
        set->cur = NULL;
    }
    trpc__h2conn_fini(&c->h2);
    if (c->cto_ev) {
        event_free(c->cto_ev);
    }
    if (c->ai) {
        evutil_freeaddrinfo(c->ai);
    }
    free(c);
    if (set->closed) {
        set->closed(set);
    }
}

/* Fails every stream of c (and the ones waiting for it) and frees it.
 * With requeue (a failed attempt), waiting streams that wait for ready go
 * back to the set's queue instead. */
static void conn_fail(trpc__cconn *c, trpc_status st, const char *msg, bool requeue)
{
    trpc__cconns *set = c->set;
    trpc__client *cl = set->cl;
    trpc_stream *s;
    bool requeued = false;
    while ((s = trpc__stream_unqueue(&c->waiting))) {
        if (requeue && !cl->stopping && set->repick && set->repick(set, s)) {
            continue; /* another subchannel took it */
        }
        if (requeue && s->opts.wait_for_ready && !cl->stopping) {
            trpc__stream_wait(s, &set->ready_wait);
            requeued = true;
        } else {
            trpc__stream_fail(s, st, msg);
        }
    }
    for (trpc_stream *x = cl->all, *next; x; x = next) {
        next = x->anext;
        if (x->h2 == &c->h2) {
            nghttp2_session_set_stream_user_data(c->h2.ng, x->sid, NULL);
            if (!trpc__stream_retry_lost(x, st)) {
                trpc__stream_fail(x, st, msg);
            }
        }
    }
    conn_free(c);
    if (requeued) {
        retry_arm(set);
    }
}

static void submit(trpc__cconn *c, trpc_stream *s)
{
    trpc__h2_keepalive_kick(&c->h2); /* before the HEADERS: A8 */
    if (trpc__stream_submit(s, &c->h2)) {
        c->nstreams++;
    }
}

/* Why streams of c fail when it goes away: the server's GOAWAY if it gave
 * an error, else what. */
static const char *lost_msg(const trpc__cconn *c, const char *what)
{
    return c->goaway[0] ? c->goaway : what;
}

/* ---- nghttp2 callbacks ---------------------------------------------------------- */

static int on_header_cb(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *ud)
{
    (void)flags;
    (void)ud;
    if (frame->hd.type != NGHTTP2_HEADERS) {
        return 0;
    }
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    return s ? trpc__stream_on_header(s, frame, name, namelen, value, valuelen) : 0;
}

static int on_begin_headers_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    (void)ud;
    trpc_stream *s = frame->hd.type == NGHTTP2_HEADERS
                         ? nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id)
                         : NULL;
    if (s) {
        trpc__stream_on_begin_headers(s);
    }
    return 0;
}

static void on_goaway(trpc__cconn *c, const nghttp2_goaway *ga)
{
    trpc__cconns *set = c->set;
    c->st = DRAINING;
    if (set->cur == c) {
        set->cur = NULL;
        set->goaway_at = trpc_now_ms();
        if (set->changed) {
            set->changed(set);
        }
    }
    if (ga->error_code == NGHTTP2_NO_ERROR) {
        return;
    }
    /* The debug data is the server's reason, meant for people: keep its
     * printable part. */
    char dbg[64];
    size_t n = 0;
    for (size_t i = 0; i < ga->opaque_data_len && n + 1 < sizeof dbg; i++) {
        uint8_t b = ga->opaque_data[i];
        dbg[n++] = b >= 0x20 && b < 0x7f ? (char)b : '?';
    }
    dbg[n] = 0;
    snprintf(c->goaway, sizeof c->goaway, "connection closed by the server: GOAWAY %s%s%s%s",
             nghttp2_http2_strerror(ga->error_code), n ? " (" : "", dbg, n ? ")" : "");
    if (ga->error_code == NGHTTP2_ENHANCE_YOUR_CALM && ga->opaque_data_len == 14 &&
        memcmp(ga->opaque_data, "too_many_pings", 14) == 0 && set->ka_time > 0) {
        /* A8: the server finds our keepalive too frequent; new connections
         * of this channel ping half as often. */
        set->ka_time = set->ka_time > INT_MAX / 2 ? INT_MAX : set->ka_time * 2;
    }
}

static int on_frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    trpc__cconn *c = ud;
    c->got_frame = true;
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        on_goaway(c, &frame->goaway);
        return 0;
    }
    if (frame->hd.type == NGHTTP2_PING) {
        if (frame->hd.flags & NGHTTP2_FLAG_ACK) {
            trpc__h2_ping_acked(&c->h2);
        }
        return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) {
        return 0;
    }
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (s) {
        trpc__stream_on_frame(s, frame);
    }
    return 0;
}

static int on_data_chunk_recv_cb(nghttp2_session *ng, uint8_t flags, int32_t sid,
                                 const uint8_t *data, size_t len, void *ud)
{
    (void)flags;
    (void)ud;
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, sid);
    if (!s) {
        nghttp2_session_consume(ng, sid, len);
        return 0;
    }
    trpc__stream_on_data(s, data, len);
    return 0;
}

/* The wire stream of s is over (err: how). */
static void stream_closed(trpc__cconn *c, trpc_stream *s, uint32_t err)
{
    c->nstreams--;
    trpc__h2_mark(&c->h2);
    switch (trpc__stream_retry(s, err)) {
    case TRPC__RETRY_NOW:
        if (c->set->restart) {
            c->set->restart(c->set, s);
        } else {
            trpc__cconns_start(c->set, s);
        }
        return;
    case TRPC__RETRY_LATER:
        return; /* the stream starts again by itself */
    case TRPC__RETRY_NO:
        break;
    }
    trpc__stream_on_close(s, err);
}

static int on_stream_close_cb(nghttp2_session *ng, int32_t sid, uint32_t err, void *ud)
{
    trpc__cconn *c = ud;
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, sid);
    if (!s) {
        return 0;
    }
    nghttp2_session_set_stream_user_data(ng, sid, NULL);
    stream_closed(c, s, err);
    return 0;
}

/* ---- connecting ---------------------------------------------------------------------- */

static int try_connect(trpc__cconn *c);

/* The attempt c failed (set->last_err says why): backoff, and its streams
 * fail or go back to wait for ready. */
static void attempt_failed(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
    const trpc_channel_opts *o = &set->cl->o;
    if (set->backoff_ms <= 0) {
        set->backoff_ms = o->backoff_initial_ms;
    }
    set->rng = set->rng * 1103515245u + 12345u;
    double jitter = 0.8 + 0.4 * ((set->rng >> 8) % 1000) / 1000.0;
    set->next_attempt = trpc_now_ms() + (int64_t)(set->backoff_ms * jitter);
    set->backoff_ms = (int)(set->backoff_ms * 1.6);
    if (set->backoff_ms > o->backoff_max_ms) {
        set->backoff_ms = o->backoff_max_ms;
    }
    conn_fail(c, TRPC_STATUS_UNAVAILABLE, set->last_err, true);
}

static void connect_failed(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
    snprintf(set->last_err, sizeof set->last_err, "failed to connect to %s: %s", set->target,
             c->last_errno ? strerror(c->last_errno) : "timed out");
    attempt_failed(c);
}

static void on_connected(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
    const trpc_channel_opts *o = &set->cl->o;
    evtimer_del(c->cto_ev);
    if (!set->addr.is_unix) {
        int one = 1;
        setsockopt(bufferevent_getfd(c->h2.bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (nghttp2_session_client_new3(&c->h2.ng, set->cbs, c, set->opt,
                                    &set->cl->loop.pool.mem) != 0) {
        c->last_errno = ENOMEM;
        connect_failed(c);
        return;
    }
    nghttp2_settings_entry iv[] = {
        { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 },
        { NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, o->max_header_list_size },
    };
    if (nghttp2_submit_settings(c->h2.ng, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]) != 0 ||
        nghttp2_session_set_local_window_size(c->h2.ng, NGHTTP2_FLAG_NONE, 0, 16 << 20) != 0) {
        c->last_errno = ENOMEM;
        connect_failed(c);
        return;
    }
    c->st = READY;
    set->goaway_at = 0;
    set->backoff_ms = 0;
    set->next_attempt = 0;
    /* gRPC starts the keepalive timer when the transport is ready. */
    trpc__h2_keepalive_start(&c->h2, set->ka_time, o->keepalive_timeout_ms);
    if (set->changed) {
        set->changed(set);
    }
    trpc_stream *s;
    while ((s = trpc__stream_unqueue(&c->waiting))) {
        submit(c, s);
    }
    /* The server's SETTINGS may have been read with the connect. */
    trpc__h2_read(&c->h2);
}

/* Why a plaintext connection that never saw an HTTP/2 frame failed: most
 * likely a TLS port (the server's TLS alert, or its close). */
static const char *not_h2_msg(trpc__cconn *c, char *buf, size_t n)
{
    snprintf(buf, n,
             "%s did not answer with HTTP/2: if it serves TLS, the channel needs TLS "
             "(trpc_channel_opts.tls)",
             c->set->target);
    return buf;
}

/* The TLS handshake of c failed (or settled on no "h2"): a failed
 * attempt, with the reason. */
static void handshake_failed(trpc__cconn *c, const char *why)
{
    trpc__cconns *set = c->set;
    char buf[256];
    if (!why) {
        trpc__tls_describe(c->h2.bev, buf, sizeof buf);
        why = buf[0] ? buf : "the server closed the connection";
    }
    snprintf(set->last_err, sizeof set->last_err, "TLS handshake with %s failed: %s%s",
             set->target, why,
             strstr(why, "wrong version number") || strstr(why, "packet length too long")
                 ? " (is the server serving plaintext?)"
                 : "");
    attempt_failed(c);
}

/* The TCP connection of c is up: hand its socket to OpenSSL. */
static void start_tls(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
    int fd = fcntl(bufferevent_getfd(c->h2.bev), F_DUPFD_CLOEXEC, 0);
    SSL *ssl = fd >= 0 ? trpc__tls_client_ssl(set->tls_ctx, set->tls_host) : NULL;
    struct bufferevent *bev =
        ssl ? bufferevent_openssl_socket_new(set->cl->ev, fd, ssl, BUFFEREVENT_SSL_CONNECTING,
                                             BEV_OPT_CLOSE_ON_FREE)
            : NULL;
    if (!bev) {
        SSL_free(ssl);
        if (fd >= 0) {
            close(fd);
        }
        handshake_failed(c, "out of memory");
        return;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    bufferevent_free(c->h2.bev); /* closes the original descriptor */
    c->st = HANDSHAKING;
    if (trpc__h2conn_attach(&c->h2, bev) != 0) {
        handshake_failed(c, "out of memory");
    }
}

static void hook_event(trpc__h2conn *h2, short events)
{
    trpc__cconn *c = (trpc__cconn *)h2;
    if (c->st == HANDSHAKING) {
        if (events & BEV_EVENT_CONNECTED) {
            if (!trpc__tls_alpn_h2(bufferevent_openssl_get_ssl(h2->bev))) {
                handshake_failed(c, "the server did not negotiate HTTP/2 (ALPN \"h2\")");
            } else {
                on_connected(c);
            }
        } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
            handshake_failed(c, NULL);
        }
    } else if (c->st == CONNECTING) {
        if (events & BEV_EVENT_CONNECTED) {
            if (c->set->tls_ctx) {
                start_tls(c);
            } else {
                on_connected(c);
            }
        } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
            c->last_errno = EVUTIL_SOCKET_ERROR();
            if (try_connect(c) != 0) {
                connect_failed(c);
            }
        }
    } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)) {
        const char *msg = lost_msg(c, "connection to the server lost");
        char why[256] = "", buf[320];
        if (!c->got_frame && !c->set->tls_ctx) {
            msg = not_h2_msg(c, buf, sizeof buf);
        } else if (c->set->tls_ctx && !c->goaway[0]) {
            /* e.g. the server refused our certificate after a TLS 1.3
             * handshake: "tlsv13 alert certificate required" */
            trpc__tls_describe(h2->bev, why, sizeof why);
            if (why[0]) {
                snprintf(buf, sizeof buf, "TLS error on the connection to %s: %s",
                         c->set->target, why);
                msg = buf;
            }
        }
        conn_fail(c, TRPC_STATUS_UNAVAILABLE, msg, false);
    }
}

static void hook_recv_failed(trpc__h2conn *h2, int rv)
{
    trpc__cconn *c = (trpc__cconn *)h2;
    char buf[256];
    if (!c->got_frame && !c->set->tls_ctx) {
        conn_fail(c, TRPC_STATUS_UNAVAILABLE, not_h2_msg(c, buf, sizeof buf), false);
        return;
    }
    snprintf(buf, sizeof buf, "HTTP/2 protocol error from the server: %s", nghttp2_strerror(rv));
    conn_fail((trpc__cconn *)h2, TRPC_STATUS_UNAVAILABLE, buf, false);
}

static void hook_flushed(trpc__h2conn *h2, int rv, bool done)
{
    trpc__cconn *c = (trpc__cconn *)h2;
    if (rv != 0) {
        conn_fail(c, TRPC_STATUS_UNAVAILABLE, "HTTP/2 session failed", false);
    } else if (done || (c->st == DRAINING && c->nstreams == 0)) {
        conn_fail(c, TRPC_STATUS_UNAVAILABLE, lost_msg(c, "connection closed"), false);
    }
}

/* Keepalive (A8): PINGs only while calls are open, unless the channel asks
 * for them without calls. */
static bool hook_may_ping(trpc__h2conn *h2)
{
    trpc__cconn *c = (trpc__cconn *)h2;
    return c->nstreams > 0 || c->set->cl->o.keepalive_without_calls;
}

static void hook_ping_timeout(trpc__h2conn *h2)
{
    trpc__cconn *c = (trpc__cconn *)h2;
    char buf[160];
    snprintf(buf, sizeof buf,
             "keepalive ping to %s not acknowledged within %lld ms: connection closed",
             c->set->target, (long long)h2->ka_timeout);
    conn_fail(c, TRPC_STATUS_UNAVAILABLE, buf, false);
}

static const trpc__h2hooks hooks = { hook_recv_failed, hook_event, hook_flushed, hook_may_ping,
                                     hook_ping_timeout, NULL };

static void cto_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__cconn *c = arg;
    if (c->st == RESOLVING) {
        trpc__cconns *set = c->set;
        snprintf(set->last_err, sizeof set->last_err, "cannot resolve %s: timed out",
                 set->res.host);
        attempt_failed(c);
        return;
    }
    if (c->st == HANDSHAKING) {
        handshake_failed(c, "timed out");
        return;
    }
    c->last_errno = ETIMEDOUT;
    connect_failed(c);
}

/* Starts connecting to the next address of c; -1 when none is left. */
static int try_connect(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
    if (c->h2.bev) {
        bufferevent_free(c->h2.bev);
        c->h2.bev = NULL;
    }
    for (;;) {
        struct sockaddr_un sun;
        const struct sockaddr *sa;
        socklen_t salen;
        if (set->addr.is_unix) {
            if (c->unix_tried) {
                return -1;
            }
            c->unix_tried = true;
            memset(&sun, 0, sizeof sun);
            sun.sun_family = AF_UNIX;
            strcpy(sun.sun_path, set->addr.path);
            sa = (const struct sockaddr *)&sun;
            salen = sizeof sun;
        } else {
            if (!c->ai_next) {
                return -1;
            }
            sa = c->ai_next->ai_addr;
            salen = (socklen_t)c->ai_next->ai_addrlen;
            c->ai_next = c->ai_next->ai_next;
        }
        struct bufferevent *bev =
            bufferevent_socket_new(set->cl->ev, -1, BEV_OPT_CLOSE_ON_FREE);
        if (!bev) {
            c->last_errno = ENOMEM;
            return -1;
        }
        if (trpc__h2conn_attach(&c->h2, bev) != 0) {
            c->last_errno = ENOMEM;
            bufferevent_free(bev);
            c->h2.bev = NULL;
            return -1;
        }
        if (bufferevent_socket_connect(bev, sa, (int)salen) == 0) {
            /* The connect gave bev its socket and enabled it again, not
             * checking that this worked (out of memory: it would never
             * read); enabling once more is a no-op if it did. */
            if (bufferevent_enable(bev, EV_READ | EV_WRITE) == 0) {
                return 0;
            }
            c->last_errno = ENOMEM;
            bufferevent_free(bev);
            c->h2.bev = NULL;
            return -1;
        }
        c->last_errno = EVUTIL_SOCKET_ERROR();
        bufferevent_free(bev);
        c->h2.bev = NULL;
    }
}

/* ---- resolving ---------------------------------------------------------------------------- */

/* The lookup of c answered (err: an EVUTIL_EAI_* code, or 0 with ai):
 * connect to the first address, or fail the attempt (c is gone then). */
static void on_resolved(int err, struct evutil_addrinfo *ai, void *arg)
{
    trpc__cconn *c = arg;
    trpc__cconns *set = c->set;
    c->lookup = NULL;
    if (err != 0 || !ai) {
        if (ai) {
            evutil_freeaddrinfo(ai);
        }
        snprintf(set->last_err, sizeof set->last_err, "cannot resolve %s: %s", set->res.host,
                 err ? evutil_gai_strerror(err) : "no address");
        attempt_failed(c);
        return;
    }
    c->ai = c->ai_next = ai;
    c->st = CONNECTING;
    if (try_connect(c) != 0) {
        connect_failed(c);
    }
}

/* Looks up the target's name for c (RESOLVING).  False if the attempt
 * failed at once (c is gone then). */
static bool resolve(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
    c->st = RESOLVING;
    c->lookup = trpc__resolve(&set->res, on_resolved, c);
    if (!c->lookup) {
        snprintf(set->last_err, sizeof set->last_err, "out of memory");
        attempt_failed(c);
        return false;
    }
    return true;
}

/* The connection new streams should use, starting one if needed; NULL
 * (with last_err set) while in backoff or when the attempt failed at
 * once. */
static trpc__cconn *get_conn(trpc__cconns *set)
{
    if (set->cur) {
        return set->cur;
    }
    if (trpc_now_ms() < set->next_attempt) {
        return NULL;
    }
    trpc__cconn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(set->last_err, sizeof set->last_err, "out of memory");
        set->next_attempt = trpc_now_ms() + set->cl->o.backoff_initial_ms;
        return NULL;
    }
    c->set = set;
    trpc__h2conn_init(&c->h2, &set->cl->loop, &hooks);
    c->next = set->head;
    set->head = c;
    set->cur = c;
    c->cto_ev = evtimer_new(set->cl->ev, cto_cb, c);
    if (!c->cto_ev) {
        snprintf(set->last_err, sizeof set->last_err, "out of memory");
        attempt_failed(c);
        return NULL;
    }
    trpc__timer_in(c->cto_ev, set->cl->o.connect_timeout_ms);
    if (set->addr.is_unix) {
        c->st = CONNECTING;
        if (try_connect(c) != 0) {
            connect_failed(c);
            return NULL;
        }
        return c;
    }
    return resolve(c) ? c : NULL;
}

/* ---- waiting for ready -------------------------------------------------------------------- */

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__cconns *set = arg;
    if (!set->ready_wait.head || set->cl->stopping) {
        return;
    }
    if (!get_conn(set)) {
        retry_arm(set);
        return;
    }
    /* Each goes where a new stream would: to the attempt just started. */
    trpc__stream_queue q = set->ready_wait;
    set->ready_wait.head = set->ready_wait.tail = NULL;
    trpc_stream *s;
    while ((s = trpc__stream_unqueue(&q))) {
        trpc__cconns_start(set, s);
    }
}

/* Makes sure an attempt starts when the backoff is over, for the streams
 * waiting for ready. */
static void retry_arm(trpc__cconns *set)
{
    if (!set->ready_wait.head || !set->retry_ev || set->cl->stopping ||
        evtimer_pending(set->retry_ev, NULL)) {
        return;
    }
    trpc__timer_at(set->retry_ev, set->next_attempt);
}

/* ---- the set ------------------------------------------------------------------------------ */

trpc__sub_state trpc__cconns_state(const trpc__cconns *set)
{
    if (set->cur) {
        return set->cur->st == READY ? TRPC__SUB_READY : TRPC__SUB_CONNECTING;
    }
    return trpc_now_ms() < set->next_attempt ? TRPC__SUB_BACKOFF : TRPC__SUB_IDLE;
}

const void *trpc__cconns_ready_conn(const trpc__cconns *set)
{
    return set->cur && set->cur->st == READY ? set->cur : NULL;
}

void trpc__cconns_connect(trpc__cconns *set)
{
    if (!set->cur && !set->cl->stopping && trpc_now_ms() >= set->next_attempt) {
        (void)get_conn(set);
    }
}

void trpc__cconns_start(trpc__cconns *set, trpc_stream *s)
{
    trpc__cconn *c = get_conn(set);
    if (!c) {
        if (s->opts.wait_for_ready) {
            trpc__stream_wait(s, &set->ready_wait);
            retry_arm(set);
        } else {
            trpc__stream_fail(s, TRPC_STATUS_UNAVAILABLE, set->last_err);
        }
    } else if (c->st == RESOLVING || c->st == CONNECTING || c->st == HANDSHAKING) {
        trpc__stream_wait(s, &c->waiting);
    } else {
        submit(c, s);
    }
}

void trpc__cconns_fail_all(trpc__cconns *set, trpc_status st, const char *msg)
{
    if (set->retry_ev) {
        evtimer_del(set->retry_ev);
    }
    trpc_stream *s;
    while ((s = trpc__stream_unqueue(&set->ready_wait))) {
        trpc__stream_fail(s, st, msg);
    }
    while (set->head) {
        conn_fail(set->head, st, msg, false);
    }
}

static void resolver_idle(trpc__resolver *r, void *arg)
{
    (void)r;
    trpc__cconns *set = arg;
    if (set->closed) {
        set->closed(set);
    }
}

trpc_error trpc__cconns_init(trpc__cconns *set, trpc__client *cl, const trpc__addr *addr,
                             const char *target)
{
    memset(set, 0, sizeof *set);
    set->cl = cl;
    set->addr = *addr;
    set->ka_time = cl->o.keepalive_time_ms > 0 ? cl->o.keepalive_time_ms : 0;
    set->rng = (unsigned)trpc_now_ms() ^ (unsigned)(uintptr_t)set;
    set->target = strdup(target);
    set->retry_ev = evtimer_new(cl->ev, retry_cb, set);
    if (!set->target || !set->retry_ev || nghttp2_session_callbacks_new(&set->cbs) != 0 ||
        nghttp2_option_new(&set->opt) != 0) {
        trpc__cconns_fini(set);
        return TRPC_ENOMEM;
    }
    trpc_error rv = trpc__resolver_init(&set->res, cl->ev, addr);
    if (rv != TRPC_OK) {
        trpc__cconns_fini(set);
        return rv;
    }
    set->res.idle = resolver_idle;
    set->res.idle_arg = set;
    if (cl->o.tls) {
        const trpc_channel_opts *o = &cl->o;
        set->tls_ctx = trpc__tls_client_ctx(o->tls_ca_file, o->tls_cert_file, o->tls_key_file);
        if (!set->tls_ctx) {
            trpc__cconns_fini(set);
            return TRPC_ETLS;
        }
        set->tls_host = strdup(o->tls_authority ? o->tls_authority
                               : addr->is_unix  ? "localhost"
                                                : addr->host);
        if (!set->tls_host) {
            trpc__cconns_fini(set);
            return TRPC_ENOMEM;
        }
    }
    trpc__h2_callbacks(set->cbs);
    nghttp2_session_callbacks_set_on_header_callback(set->cbs, on_header_cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(set->cbs, on_begin_headers_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(set->cbs, on_frame_recv_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(set->cbs, on_data_chunk_recv_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(set->cbs, on_stream_close_cb);
    /* grpcio sends grpc-message values with leading or trailing spaces as
     * they are; accept them rather than drop the header. */
    nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(set->opt, 1);
    /* Receive windows are opened as the application takes replies. */
    nghttp2_option_set_no_auto_window_update(set->opt, 1);
    return TRPC_OK;
}

void trpc__cconns_fini(trpc__cconns *set)
{
    set->closed = NULL;
    while (set->head) {
        conn_free(set->head);
    }
    trpc__resolver_fini(&set->res);
    if (set->retry_ev) {
        event_free(set->retry_ev);
    }
    if (set->cbs) {
        nghttp2_session_callbacks_del(set->cbs);
    }
    if (set->opt) {
        nghttp2_option_del(set->opt);
    }
    free(set->target);
    SSL_CTX_free(set->tls_ctx);
    free(set->tls_host);
    memset(set, 0, sizeof *set);
}
