/*
 * conn.c: a channel's HTTP/2 connections (see conn.h).
 *
 *   state        event                                 next
 *   CONNECTING   connected                             READY (waiting streams
 *                                                      submitted)
 *   CONNECTING   refused / timed out, no address left  freed (streams UNAVAILABLE;
 *                                                      backoff x1.6, +-20% jitter)
 *   READY        GOAWAY received                       DRAINING (new streams go
 *                                                      to a new connection)
 *   READY        socket error, EOF, protocol error     freed (streams UNAVAILABLE)
 *   DRAINING     no stream left, or nothing to do      freed
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include "h2/timer.h"
#include "client/conn.h"

enum { CONNECTING, READY, DRAINING };

struct trpc__cconn {
    trpc__h2conn h2;           /* first: the session's user data */
    trpc__cconns *set;
    int st;
    struct event *cto_ev;      /* connect timeout */
    struct addrinfo *ai, *ai_next;
    bool unix_tried;
    int last_errno;
    trpc__stream_queue waiting;
    int nstreams;              /* submitted, not closed */
    trpc__cconn *next;
};

static void conn_free(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
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
        freeaddrinfo(c->ai);
    }
    free(c);
    if (set->closed) {
        set->closed(set);
    }
}

/* Fails every stream of c (and the ones waiting for it) and frees it. */
static void conn_fail(trpc__cconn *c, trpc_status st, const char *msg)
{
    trpc__client *cl = c->set->cl;
    trpc_stream *s;
    while ((s = trpc__stream_unqueue(&c->waiting))) {
        trpc__stream_fail(s, st, msg);
    }
    for (trpc_stream *x = cl->all, *next; x; x = next) {
        next = x->anext;
        if (x->h2 == &c->h2) {
            nghttp2_session_set_stream_user_data(c->h2.ng, x->sid, NULL);
            trpc__stream_fail(x, st, msg);
        }
    }
    conn_free(c);
}

static void submit(trpc__cconn *c, trpc_stream *s)
{
    if (trpc__stream_submit(s, &c->h2)) {
        c->nstreams++;
    }
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
    if (s) {
        trpc__stream_on_header(s, frame, name, namelen, value, valuelen);
    }
    return 0;
}

static int on_frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    trpc__cconn *c = ud;
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        c->st = DRAINING;
        if (c->set->cur == c) {
            c->set->cur = NULL;
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

static trpc__cconn *get_conn(trpc__cconns *set);

static int on_stream_close_cb(nghttp2_session *ng, int32_t sid, uint32_t err, void *ud)
{
    trpc__cconn *c = ud;
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, sid);
    if (!s) {
        return 0;
    }
    nghttp2_session_set_stream_user_data(ng, sid, NULL);
    c->nstreams--;
    trpc__h2_mark(&c->h2);
    if (trpc__stream_retry(s, err)) {
        trpc__cconns_start(c->set, s);
        return 0;
    }
    trpc__stream_on_close(s, err);
    return 0;
}

/* ---- connecting ---------------------------------------------------------------------- */

static int try_connect(trpc__cconn *c);

static void connect_failed(trpc__cconn *c)
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
    snprintf(set->last_err, sizeof set->last_err, "failed to connect to %s: %s", set->target,
             c->last_errno ? strerror(c->last_errno) : "timed out");
    conn_fail(c, TRPC_STATUS_UNAVAILABLE, set->last_err);
}

static void on_connected(trpc__cconn *c)
{
    trpc__cconns *set = c->set;
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
    };
    nghttp2_submit_settings(c->h2.ng, NGHTTP2_FLAG_NONE, iv, 2);
    nghttp2_session_set_local_window_size(c->h2.ng, NGHTTP2_FLAG_NONE, 0, 16 << 20);
    c->st = READY;
    set->backoff_ms = 0;
    set->next_attempt = 0;
    trpc_stream *s;
    while ((s = trpc__stream_unqueue(&c->waiting))) {
        submit(c, s);
    }
    /* The server's SETTINGS may have been read with the connect. */
    trpc__h2_read(&c->h2);
}

static void hook_event(trpc__h2conn *h2, short events)
{
    trpc__cconn *c = (trpc__cconn *)h2;
    if (c->st == CONNECTING) {
        if (events & BEV_EVENT_CONNECTED) {
            on_connected(c);
        } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
            c->last_errno = EVUTIL_SOCKET_ERROR();
            if (try_connect(c) != 0) {
                connect_failed(c);
            }
        }
    } else if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT)) {
        conn_fail(c, TRPC_STATUS_UNAVAILABLE, "connection to the server lost");
    }
}

static void hook_recv_failed(trpc__h2conn *h2, int rv)
{
    char buf[128];
    snprintf(buf, sizeof buf, "HTTP/2 protocol error from the server: %s", nghttp2_strerror(rv));
    conn_fail((trpc__cconn *)h2, TRPC_STATUS_UNAVAILABLE, buf);
}

static void hook_flushed(trpc__h2conn *h2, int rv, bool done)
{
    trpc__cconn *c = (trpc__cconn *)h2;
    if (rv != 0) {
        conn_fail(c, TRPC_STATUS_UNAVAILABLE, "HTTP/2 session failed");
    } else if (done || (c->st == DRAINING && c->nstreams == 0)) {
        conn_fail(c, TRPC_STATUS_UNAVAILABLE, "connection closed");
    }
}

static const trpc__h2hooks hooks = { hook_recv_failed, hook_event, hook_flushed };

static void cto_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__cconn *c = arg;
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
            salen = c->ai_next->ai_addrlen;
            c->ai_next = c->ai_next->ai_next;
        }
        struct bufferevent *bev =
            bufferevent_socket_new(set->cl->ev, -1, BEV_OPT_CLOSE_ON_FREE);
        if (!bev) {
            c->last_errno = ENOMEM;
            return -1;
        }
        trpc__h2conn_attach(&c->h2, bev);
        if (bufferevent_socket_connect(bev, sa, (int)salen) == 0) {
            return 0;
        }
        c->last_errno = EVUTIL_SOCKET_ERROR();
        bufferevent_free(bev);
        c->h2.bev = NULL;
    }
}

/* The connection new streams should use, connecting if needed; NULL (with
 * last_err set) while in backoff or when the connection cannot start. */
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
        return NULL;
    }
    c->set = set;
    c->st = CONNECTING;
    trpc__h2conn_init(&c->h2, &set->cl->loop, &hooks);
    c->next = set->head;
    set->head = c;
    c->cto_ev = evtimer_new(set->cl->ev, cto_cb, c);
    if (!set->addr.is_unix) {
        /* Blocking resolution on the I/O thread (numeric addresses and
         * /etc/hosts answer at once); evdns takes its place. */
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
        int rv = getaddrinfo(set->addr.host[0] ? set->addr.host : "localhost", set->addr.port,
                             &hints, &c->ai);
        if (rv != 0) {
            snprintf(set->last_err, sizeof set->last_err, "cannot resolve %s: %s", set->target,
                     gai_strerror(rv));
            c->ai = NULL;
            conn_free(c);
            return NULL;
        }
        c->ai_next = c->ai;
    }
    if (!c->cto_ev || try_connect(c) != 0) {
        snprintf(set->last_err, sizeof set->last_err, "failed to connect to %s: %s",
                 set->target, strerror(c->last_errno ? c->last_errno : ENOMEM));
        conn_free(c);
        set->next_attempt = trpc_now_ms() + set->cl->o.backoff_initial_ms;
        return NULL;
    }
    trpc__timer_in(c->cto_ev, set->cl->o.connect_timeout_ms);
    set->cur = c;
    return c;
}

void trpc__cconns_start(trpc__cconns *set, trpc_stream *s)
{
    trpc__cconn *c = get_conn(set);
    if (!c) {
        trpc__stream_fail(s, TRPC_STATUS_UNAVAILABLE, set->last_err);
    } else if (c->st == CONNECTING) {
        trpc__stream_wait(s, &c->waiting);
    } else {
        submit(c, s);
    }
}

void trpc__cconns_fail_all(trpc__cconns *set, trpc_status st, const char *msg)
{
    while (set->head) {
        conn_fail(set->head, st, msg);
    }
}

trpc_error trpc__cconns_init(trpc__cconns *set, trpc__client *cl, const trpc__addr *addr,
                             const char *target)
{
    memset(set, 0, sizeof *set);
    set->cl = cl;
    set->addr = *addr;
    set->rng = (unsigned)trpc_now_ms() ^ (unsigned)(uintptr_t)set;
    set->target = strdup(target);
    if (!set->target || nghttp2_session_callbacks_new(&set->cbs) != 0 ||
        nghttp2_option_new(&set->opt) != 0) {
        trpc__cconns_fini(set);
        return TRPC_ENOMEM;
    }
    trpc__h2_callbacks(set->cbs);
    nghttp2_session_callbacks_set_on_header_callback(set->cbs, on_header_cb);
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
    if (set->cbs) {
        nghttp2_session_callbacks_del(set->cbs);
    }
    if (set->opt) {
        nghttp2_option_del(set->opt);
    }
    free(set->target);
    memset(set, 0, sizeof *set);
}
