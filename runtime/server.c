/*
 * server.c: the gRPC server.
 *
 * Threads.  Each worker owns a libevent event_base, its own listener (one
 * SO_REUSEPORT socket per worker for TCP, so the kernel spreads connections;
 * for a unix socket all workers watch the one listening fd and whoever
 * accepts first wins), its connections and their calls.  Nothing on that path
 * is shared, so nothing is locked, with two exceptions that let a handler
 * finish its call from another thread: the worker's op queue (a mutex and an
 * event activated with event_active()) and a call's output buffer (a mutex,
 * taken once per message).
 *
 * A call.  nghttp2 reports a request's headers, DATA and end of stream; the
 * call collects them, frames and decodes messages into its arena and invokes
 * the method's handler (see trpc_handler in typerpc/server.h for when).  The
 * response goes out through one nghttp2 data provider that reads the call's
 * output buffer and, once the status is known and the buffer empty, submits
 * the trailers; a call that fails before sending anything answers
 * Trailers-Only.  Calls are reference-counted: one reference for the HTTP/2
 * stream and one for the handler from its first invocation until it returns
 * a final status or calls trpc_call_finish().  Released calls go back to a
 * per-worker free list with their arena, buffers and metadata kept, so a
 * steady flow of calls does not allocate.
 *
 * Shutdown.  Listeners take what is queued and shut down (connects are
 * refused), and every connection gets the two-step GOAWAY of RFC 9113 6.8:
 * first a shutdown notice (last stream id 2^31-1: "stop
 * opening streams"), then, NOTICE_MS later, the real GOAWAY with the last
 * stream id processed (nghttp2 then refuses new streams).  Streams a peer
 * opened before it saw the notice are served normally instead of being
 * ignored above the final GOAWAY's last stream id.  Calls in flight may
 * finish until the grace timer fires, the rest are reset with CANCEL;
 * connections with nothing left close with a lingering close (also while
 * stopping, with a shorter timeout); a worker stops when it has no
 * connection and no call left.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include "internal.h"

#define CALL_CACHE_MAX 1024
#define OUTBUF_HIGH (1u << 20) /* stop asking nghttp2 for frames above this */
#define BUF_KEEP (64u * 1024u)
/* trpc_call_send() from a thread other than the worker waits while this
 * much is buffered and unsent (the worker itself never waits). */
#define SEND_HIGH (4u << 20)

typedef struct entry {
    const char *path;
    const trpc_method *m;
    trpc_handler h;
    const void *impl;
    void *user;
} entry;

typedef struct lsock {
    int *fds;     /* TCP: one per worker; unix: fds[0] shared */
    int nfds;
    bool is_unix;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} lsock;

typedef struct worker worker;
typedef struct conn conn;

enum { OP_SEND = 1, OP_FINISH = 2 };

struct trpc_call {
    worker *w;
    conn *c;            /* NULL once the stream is gone */
    int32_t sid;
    const entry *ent;
    trpc__arena arena;   /* request, reply, handler allocations */
    trpc__arena scratch; /* one streamed request message at a time */
    trpc__framer fr;
    pthread_mutex_t mu;  /* guards out */
    pthread_cond_t room; /* out drained below SEND_HIGH, or the call closed */
    trpc__buf out;       /* framed response messages not yet given to nghttp2 */
    trpc_metadata md, hdrs, trls;
    trpc__buf msg;       /* status message, NUL-terminated when len > 0 */
    trpc__buf rtmsg;     /* same, when the runtime failed the call */
    bool rt_fail;        /* status decided by the runtime, not the handler */
    trpc__buf nvbuf;
    const char *path;
    size_t hdr_bytes;
    bool post, ct_ok, hdr_too_big;
    char enc[32];
    int64_t deadline;
    struct event *dl_ev;
    atomic_bool cancelled;
    atomic_bool closed;  /* no more messages can be sent */
    int refs;
    bool app_ref, app_done, started, input_done, end_delivered;
    bool finished, headers_sent;
    trpc_status status;
    ProtobufCMessage *req;
    unsigned nreq;
    ProtobufCMessage *reply;
    void *data;
    /* op queue (guarded by the worker's mutex) */
    trpc_call *opnext;
    bool queued;
    unsigned ops;
    trpc_status op_status;
    trpc_call *cprev, *cnext; /* the connection's calls */
    trpc_call *fnext;         /* free list */
};

struct conn {
    worker *w;
    struct bufferevent *bev;
    nghttp2_session *ng;
    struct event *idle_ev; /* armed while the connection has no call */
    struct event *linger_ev; /* lingering close: give up waiting for EOF */
    bool lingering;
    conn *prev, *next;
    trpc_call *calls;
    bool dirty;
    bool goaway;
};

/* A per-worker free-list allocator handed to nghttp2 (nghttp2_mem), so its
 * per-stream objects (stream state, header copies, frame items) are
 * recycled instead of malloc'd for every call.  Single-threaded: only the
 * worker's sessions use it. */
#define POOL_CLASSES 9 /* 64 B .. 16 KiB */
#define POOL_KEEP_BYTES (1u << 20) /* free blocks kept per class */
typedef struct pool_hdr {
    union {
        struct pool_hdr *next;
        size_t cls;
    } u;
    size_t size; /* usable bytes */
} pool_hdr;

typedef struct pool {
    pool_hdr *free[POOL_CLASSES];
    size_t nfree[POOL_CLASSES];
} pool;

struct worker {
    trpc_server *srv;
    pool mempool;
    nghttp2_mem ngmem;
    struct event_base *base;
    pthread_t th;
    bool th_started;
    struct evconnlistener **lis;
    size_t nlis;
    struct event *wake;
    struct event *grace_ev;
    struct event *notice_ev; /* shutdown notice sent: final GOAWAY due */
    bool final_goaway;       /* the final GOAWAY went to every connection */
    pthread_mutex_t mu;
    trpc_call *opq_head, *opq_tail;
    bool shutdown_req;
    int grace_ms;
    bool stopping;
    conn *conns;
    size_t nconns;
    trpc_call *free_calls;
    size_t nfree;
    size_t live_calls;
};

struct trpc_server {
    trpc_server_opts o;
    entry *ents;
    size_t nents, capents;
    lsock *ls;
    size_t nls;
    worker *w;
    unsigned nw;
    int state; /* 0 new, 1 started, 2 stopped */
    nghttp2_session_callbacks *cbs;
    nghttp2_option *ngopt;
};

/* ---- the nghttp2 allocator ------------------------------------------------ */

static int pool_class(size_t n)
{
    size_t cap = 64;
    for (int c = 0; c < POOL_CLASSES; c++, cap <<= 1) {
        if (n <= cap) {
            return c;
        }
    }
    return -1;
}

static void *pool_malloc(size_t n, void *ud)
{
    pool *pl = ud;
    int c = pool_class(n);
    pool_hdr *h;
    if (c < 0) {
        h = malloc(sizeof *h + n);
        if (!h) {
            return NULL;
        }
        h->size = n;
        h->u.cls = POOL_CLASSES;
        return h + 1;
    }
    h = pl->free[c];
    if (h) {
        pl->free[c] = h->u.next;
        pl->nfree[c]--;
    } else {
        size_t cap = (size_t)64 << c;
        h = malloc(sizeof *h + cap);
        if (!h) {
            return NULL;
        }
        h->size = cap;
    }
    h->u.cls = (size_t)c;
    return h + 1;
}

static void pool_free(void *p, void *ud)
{
    pool *pl = ud;
    if (!p) {
        return;
    }
    pool_hdr *h = (pool_hdr *)p - 1;
    size_t c = h->u.cls;
    if (c >= POOL_CLASSES || pl->nfree[c] >= POOL_KEEP_BYTES / ((size_t)64 << c)) {
        free(h);
        return;
    }
    h->u.next = pl->free[c];
    pl->free[c] = h;
    pl->nfree[c]++;
}

static void *pool_calloc(size_t n, size_t size, void *ud)
{
    if (size && n > SIZE_MAX / size) {
        return NULL;
    }
    void *p = pool_malloc(n * size, ud);
    if (p) {
        memset(p, 0, n * size);
    }
    return p;
}

static void *pool_realloc(void *p, size_t n, void *ud)
{
    if (!p) {
        return pool_malloc(n, ud);
    }
    pool_hdr *h = (pool_hdr *)p - 1;
    if (n <= h->size) {
        return p;
    }
    void *q = pool_malloc(n, ud);
    if (q) {
        memcpy(q, p, h->size);
        pool_free(p, ud);
    }
    return q;
}

static void pool_drain(pool *pl)
{
    for (int c = 0; c < POOL_CLASSES; c++) {
        while (pl->free[c]) {
            pool_hdr *h = pl->free[c];
            pl->free[c] = h->u.next;
            free(h);
        }
        pl->nfree[c] = 0;
    }
}

/* ---- options and registration ------------------------------------------ */

void trpc_server_opts_init(trpc_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_recv_message_size = TRPC__DEFAULT_MAX_MSG;
    o->max_concurrent_streams = 100;
    o->max_header_list_size = 16 * 1024;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

int trpc_server_add_service(trpc_server *srv, const trpc_service *svc,
                            const trpc_handler *handlers, const void *impl,
                            void *user)
{
    if (!srv || !svc || !handlers || (svc->n_methods && !svc->methods)) {
        return TRPC_EINVAL;
    }
    if (srv->state != 0) {
        return TRPC_ESTATE;
    }
    for (size_t i = 0; i < svc->n_methods; i++) {
        const trpc_method *m = &svc->methods[i];
        if (!m->path || !m->input || !m->output) {
            return TRPC_EINVAL;
        }
        for (size_t j = 0; j < srv->nents; j++) {
            if (strcmp(srv->ents[j].path, m->path) == 0) {
                return TRPC_EEXISTS;
            }
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(svc->methods[j].path, m->path) == 0) {
                return TRPC_EEXISTS;
            }
        }
    }
    if (srv->nents + svc->n_methods > srv->capents) {
        size_t cap = (srv->nents + svc->n_methods) * 2;
        entry *e = realloc(srv->ents, cap * sizeof *e);
        if (!e) {
            return TRPC_ENOMEM;
        }
        srv->ents = e;
        srv->capents = cap;
    }
    for (size_t i = 0; i < svc->n_methods; i++) {
        srv->ents[srv->nents++] = (entry){ svc->methods[i].path, &svc->methods[i],
                                           handlers[i], impl, user };
    }
    qsort(srv->ents, srv->nents, sizeof *srv->ents, entry_cmp);
    return 0;
}

static const entry *lookup(const trpc_server *srv, const char *path)
{
    entry key = { .path = path };
    return bsearch(&key, srv->ents, srv->nents, sizeof key, entry_cmp);
}

/* ---- call objects ---------------------------------------------------------- */

static void call_destroy(trpc_call *call)
{
    trpc__arena_free(&call->arena);
    trpc__arena_free(&call->scratch);
    trpc__buf_free(&call->fr.body);
    trpc__buf_free(&call->out);
    trpc__buf_free(&call->msg);
    trpc__buf_free(&call->rtmsg);
    trpc__buf_free(&call->nvbuf);
    trpc__md_fini(&call->md);
    trpc__md_fini(&call->hdrs);
    trpc__md_fini(&call->trls);
    if (call->dl_ev) {
        event_free(call->dl_ev);
    }
    pthread_cond_destroy(&call->room);
    pthread_mutex_destroy(&call->mu);
    free(call);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg);
static void worker_flush(worker *w);

static trpc_call *call_get(worker *w)
{
    trpc_call *call = w->free_calls;
    if (call) {
        w->free_calls = call->fnext;
        w->nfree--;
    } else {
        call = calloc(1, sizeof *call);
        if (!call) {
            return NULL;
        }
        if (pthread_mutex_init(&call->mu, NULL) != 0) {
            free(call);
            return NULL;
        }
        pthread_cond_init(&call->room, NULL);
        call->dl_ev = evtimer_new(w->base, deadline_cb, call);
        if (!call->dl_ev) {
            pthread_cond_destroy(&call->room);
            pthread_mutex_destroy(&call->mu);
            free(call);
            return NULL;
        }
        trpc__arena_init(&call->arena);
        trpc__arena_init(&call->scratch);
        trpc__md_init(&call->md);
        trpc__md_init(&call->hdrs);
        trpc__md_init(&call->trls);
        call->w = w;
    }
    call->c = NULL;
    call->sid = 0;
    call->ent = NULL;
    call->path = NULL;
    call->hdr_bytes = 0;
    call->post = call->ct_ok = call->hdr_too_big = false;
    call->enc[0] = 0;
    call->deadline = INT64_MAX;
    atomic_store(&call->cancelled, false);
    atomic_store(&call->closed, false);
    call->refs = 1;
    call->app_ref = call->app_done = call->started = false;
    call->input_done = call->end_delivered = false;
    call->finished = call->headers_sent = false;
    call->rt_fail = false;
    call->status = TRPC_STATUS_OK;
    call->req = call->reply = NULL;
    call->nreq = 0;
    call->data = NULL;
    call->opnext = NULL;
    call->queued = false;
    call->ops = 0;
    call->cprev = call->cnext = NULL;
    trpc__framer_next(&call->fr);
    w->live_calls++;
    return call;
}

static void check_done(worker *w);

static void call_unref(trpc_call *call)
{
    if (--call->refs > 0) {
        return;
    }
    worker *w = call->w;
    evtimer_del(call->dl_ev);
    trpc__arena_reset(&call->arena);
    trpc__arena_reset(&call->scratch);
    trpc__buf_reset(&call->fr.body, BUF_KEEP);
    trpc__buf_reset(&call->out, BUF_KEEP);
    trpc__buf_reset(&call->msg, BUF_KEEP);
    trpc__buf_reset(&call->rtmsg, BUF_KEEP);
    trpc__buf_reset(&call->nvbuf, BUF_KEEP);
    trpc_metadata_clear(&call->md);
    trpc_metadata_clear(&call->hdrs);
    trpc_metadata_clear(&call->trls);
    w->live_calls--;
    if (w->nfree < CALL_CACHE_MAX) {
        call->fnext = w->free_calls;
        w->free_calls = call;
        w->nfree++;
    } else {
        call_destroy(call);
    }
    check_done(w);
}

/* No more messages can be sent; wakes a sender waiting for room. */
static void set_closed(trpc_call *call)
{
    pthread_mutex_lock(&call->mu);
    atomic_store(&call->closed, true);
    pthread_cond_broadcast(&call->room);
    pthread_mutex_unlock(&call->mu);
}

static bool kind_has_reply(trpc_method_kind k)
{
    return k == TRPC_UNARY || k == TRPC_CLIENT_STREAMING;
}

static bool kind_streams_input(trpc_method_kind k)
{
    return k == TRPC_CLIENT_STREAMING || k == TRPC_BIDI_STREAMING;
}

static void set_message(trpc__buf *b, const char *fmt, va_list ap) TRPC_PRINTF(2, 0);
static void set_message(trpc__buf *b, const char *fmt, va_list ap)
{
    b->len = b->off = 0;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0 || trpc__buf_reserve(b, (size_t)n + 1)) {
        return;
    }
    vsnprintf((char *)b->data, (size_t)n + 1, fmt, ap);
    b->len = (size_t)n;
}

/* A failure found by the worker (deadline, bad input, ...).  The handler may
 * own the call on another thread and be writing its own message, headers or
 * trailers right now, so the runtime's message lives in its own buffer and
 * the user's metadata is left out while the handler holds the call. */
static void set_rt_message(trpc_call *call, const char *fmt, ...) TRPC_PRINTF(2, 3);
static void set_rt_message(trpc_call *call, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_message(&call->rtmsg, fmt, ap);
    va_end(ap);
    call->rt_fail = true;
}

static bool user_md_readable(const trpc_call *call)
{
    return !(call->rt_fail && call->app_ref);
}

/* ---- response ------------------------------------------------------------------ */

#define NV(n, v, vl) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE }

static void mark_dirty(trpc_call *call)
{
    if (call->c) {
        call->c->dirty = true;
    }
}

/* Builds the status part of trailers into nv (grpc-status, grpc-message, the
 * user's trailers).  Strings live in call->nvbuf. */
static int status_nv(trpc_call *call, nghttp2_nv *nv, size_t *n, char *code)
{
    snprintf(code, 8, "%d", (int)call->status);
    nv[(*n)++] = (nghttp2_nv)NV("grpc-status", code, strlen(code));
    call->nvbuf.len = call->nvbuf.off = 0;
    const trpc__buf *m = call->rt_fail ? &call->rtmsg : &call->msg;
    if (m->len > 0) {
        if (trpc__pct_encode(&call->nvbuf, (const char *)m->data)) {
            return TRPC_ENOMEM;
        }
    }
    size_t msglen = call->nvbuf.len;
    /* md_to_nv reserves (and may move) nvbuf before it appends. */
    int rv = user_md_readable(call) ? trpc__md_to_nv(&call->trls, nv, n, &call->nvbuf) : 0;
    if (rv) {
        return rv;
    }
    if (msglen > 0) {
        nv[(*n)++] = (nghttp2_nv)NV("grpc-message", call->nvbuf.data, msglen);
    }
    return 0;
}

static void submit_trailers(trpc_call *call)
{
    size_t cap = 3 + trpc_metadata_count(&call->trls);
    nghttp2_nv stackv[16], *nv = cap <= 16 ? stackv : malloc(cap * sizeof *nv);
    char code[8];
    size_t n = 0;
    if (!nv) {
        nghttp2_submit_rst_stream(call->c->ng, NGHTTP2_FLAG_NONE, call->sid,
                                  NGHTTP2_INTERNAL_ERROR);
        return;
    }
    /* The message must be encoded after the metadata has been reserved. */
    if (status_nv(call, nv, &n, code) == 0) {
        nghttp2_submit_trailer(call->c->ng, call->sid, nv, n);
    } else {
        nghttp2_submit_rst_stream(call->c->ng, NGHTTP2_FLAG_NONE, call->sid,
                                  NGHTTP2_INTERNAL_ERROR);
    }
    if (nv != stackv) {
        free(nv);
    }
}

static ssize_t data_read_cb(nghttp2_session *ng, int32_t sid, uint8_t *buf,
                            size_t len, uint32_t *flags, nghttp2_data_source *src,
                            void *ud)
{
    (void)ng;
    (void)sid;
    (void)ud;
    trpc_call *call = src->ptr;
    pthread_mutex_lock(&call->mu);
    size_t avail = trpc__buf_avail(&call->out);
    size_t n = avail < len ? avail : len;
    if (n > 0) {
        memcpy(buf, call->out.data + call->out.off, n);
        call->out.off += n;
        if (call->out.off == call->out.len) {
            call->out.off = call->out.len = 0;
        }
        if (avail >= SEND_HIGH && avail - n < SEND_HIGH) {
            pthread_cond_broadcast(&call->room);
        }
    }
    avail -= n;
    pthread_mutex_unlock(&call->mu);
    if (avail == 0 && call->finished) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        submit_trailers(call);
        return (ssize_t)n;
    }
    if (n == 0) {
        return NGHTTP2_ERR_DEFERRED;
    }
    return (ssize_t)n;
}

static int submit_headers(trpc_call *call, bool trailers_only)
{
    size_t cap = 6 + trpc_metadata_count(&call->hdrs) + trpc_metadata_count(&call->trls);
    nghttp2_nv stackv[24], *nv = cap <= 24 ? stackv : malloc(cap * sizeof *nv);
    char code[8];
    size_t n = 0;
    trpc__buf hdrbuf = { 0 };
    int rv = 0;
    if (!nv) {
        return TRPC_ENOMEM;
    }
    nv[n++] = (nghttp2_nv)NV(":status", "200", 3);
    nv[n++] = (nghttp2_nv)NV("content-type", "application/grpc", 16);
    nv[n++] = (nghttp2_nv)NV("grpc-accept-encoding", "identity", 8);
    rv = user_md_readable(call) ? trpc__md_to_nv(&call->hdrs, nv, &n, &hdrbuf) : 0;
    if (rv == 0 && trailers_only) {
        rv = status_nv(call, nv, &n, code);
    }
    if (rv == 0) {
        nghttp2_data_provider prd = { .source.ptr = call, .read_callback = data_read_cb };
        rv = nghttp2_submit_response(call->c->ng, call->sid, nv, n,
                                     trailers_only ? NULL : &prd);
        rv = rv ? TRPC_EHTTP2 : 0;
    }
    call->headers_sent = true;
    trpc__buf_free(&hdrbuf);
    if (nv != stackv) {
        free(nv);
    }
    return rv;
}

/* Makes nghttp2 look at the call's output again (worker thread only). */
static void kick(trpc_call *call)
{
    if (!call->c) {
        return;
    }
    if (!call->headers_sent) {
        if (submit_headers(call, false)) {
            nghttp2_submit_rst_stream(call->c->ng, NGHTTP2_FLAG_NONE, call->sid,
                                      NGHTTP2_INTERNAL_ERROR);
        }
    } else {
        nghttp2_session_resume_data(call->c->ng, call->sid);
    }
    mark_dirty(call);
}

/* Decides the call's status and puts it on the wire (worker thread). */
static void finish_wire(trpc_call *call, trpc_status st)
{
    if (call->finished) {
        return;
    }
    if ((int)st < 0 || (int)st > 16) {
        st = TRPC_STATUS_UNKNOWN;
    }
    call->finished = true;
    set_closed(call);
    call->status = st;
    evtimer_del(call->dl_ev);
    if (!call->c) {
        return;
    }
    if (st == TRPC_STATUS_OK && call->ent && kind_has_reply(call->ent->m->kind) &&
        call->reply) {
        pthread_mutex_lock(&call->mu);
        int rv = trpc__buf_append_message(&call->out, call->reply);
        pthread_mutex_unlock(&call->mu);
        if (rv) {
            call->status = TRPC_STATUS_INTERNAL;
            set_rt_message(call, "cannot serialize the reply: %s", trpc_strerror(rv));
        }
    }
    if (!call->headers_sent && trpc__buf_avail(&call->out) == 0) {
        if (submit_headers(call, true)) {
            nghttp2_submit_rst_stream(call->c->ng, NGHTTP2_FLAG_NONE, call->sid,
                                      NGHTTP2_INTERNAL_ERROR);
        }
        mark_dirty(call);
    } else {
        kick(call);
    }
}

static void fail_call(trpc_call *call, trpc_status st, const char *fmt, ...)
    TRPC_PRINTF(3, 4);

static void notify_end(trpc_call *call);

/* The runtime ends a call with an error: the handler, if it is reading a
 * request stream, is told (end of input, cancelled). */
static void fail_call(trpc_call *call, trpc_status st, const char *fmt, ...)
{
    if (call->finished) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    set_message(&call->rtmsg, fmt, ap);
    va_end(ap);
    call->rt_fail = true;
    atomic_store(&call->cancelled, true);
    finish_wire(call, st);
    notify_end(call);
}

static void respond_http(trpc_call *call, const char *status)
{
    nghttp2_nv nv[] = { NV(":status", status, 3) };
    call->finished = true;
    set_closed(call);
    call->headers_sent = true;
    nghttp2_submit_response(call->c->ng, call->sid, nv, 1, NULL);
    mark_dirty(call);
}

/* ---- handler invocation ---------------------------------------------------------- */

static void app_release(trpc_call *call)
{
    if (call->app_ref) {
        call->app_ref = false;
        call->app_done = true;
        call_unref(call);
    }
}

/* Invokes the handler; msg is a request message or NULL at the end of a
 * request stream.  May release the call: the caller must hold a reference
 * of its own (the stream's) or not touch the call afterwards. */
static void invoke(trpc_call *call, const ProtobufCMessage *msg)
{
    if (!call->app_ref) {
        if (call->app_done) {
            return;
        }
        call->app_ref = true;
        call->refs++;
    }
    trpc_method_kind k = call->ent->m->kind;
    void *out = kind_has_reply(k) ? (void *)call->reply : (void *)call;
    trpc_status st = call->ent->h(call, msg, out, call->ent->impl, call->ent->user);
    if (st == TRPC_PENDING) {
        return; /* more input wanted, or the handler finishes later */
    }
    if (!call->app_ref) {
        return; /* released meanwhile (defensive: cannot happen today) */
    }
    finish_wire(call, st);
    app_release(call);
}

/* Tells a handler reading a request stream that input ended (cancelled). */
static void notify_end(trpc_call *call)
{
    if (call->app_ref && call->ent && kind_streams_input(call->ent->m->kind) &&
        !call->end_delivered) {
        call->end_delivered = true;
        invoke(call, NULL);
    }
}

/* ---- request processing -------------------------------------------------------- */

static void start_call(trpc_call *call)
{
    trpc_server *srv = call->w->srv;
    if (!call->post) {
        respond_http(call, "405");
        return;
    }
    if (!call->ct_ok) {
        respond_http(call, "415");
        return;
    }
    call->started = true;
    if (call->hdr_too_big) {
        fail_call(call, TRPC_STATUS_RESOURCE_EXHAUSTED,
                  "request headers larger than %u bytes",
                  (unsigned)srv->o.max_header_list_size);
        return;
    }
    const entry *e = call->path ? lookup(srv, call->path) : NULL;
    if (!e || !e->h) {
        fail_call(call, TRPC_STATUS_UNIMPLEMENTED, "%s: %s",
                  e ? "method not implemented" : "unknown method",
                  call->path ? call->path : "(no :path)");
        return;
    }
    call->ent = e;
    if (kind_has_reply(e->m->kind)) {
        call->reply = trpc__arena_alloc(&call->arena, e->m->output->sizeof_message);
        if (!call->reply) {
            fail_call(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
            return;
        }
        e->m->output->message_init(call->reply);
    }
    if (call->deadline != INT64_MAX) {
        int64_t left = call->deadline - trpc_now_ms();
        if (left < 0) {
            left = 0;
        }
        struct timeval tv = { (time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000 };
        evtimer_add(call->dl_ev, &tv);
    }
}

static void on_message(trpc_call *call)
{
    const uint8_t *data = call->fr.body.data;
    size_t len = call->fr.msg_len;
    if (call->fr.hdr[0] & 1) {
        if (!call->enc[0] || strcmp(call->enc, "identity") == 0) {
            fail_call(call, TRPC_STATUS_INTERNAL,
                      "compressed message without grpc-encoding");
        } else {
            fail_call(call, TRPC_STATUS_UNIMPLEMENTED,
                      "message compression \"%s\" is not supported", call->enc);
        }
        return;
    }
    const trpc_method *m = call->ent->m;
    if (!kind_streams_input(m->kind)) {
        if (call->nreq > 0) {
            fail_call(call, TRPC_STATUS_INTERNAL,
                      "more than one request message for %s", call->path);
            return;
        }
        call->req = protobuf_c_message_unpack(m->input, &call->arena.pa, len,
                                              data ? data : (const uint8_t *)"");
        if (!call->req) {
            fail_call(call, TRPC_STATUS_INTERNAL, "cannot decode the request message");
            return;
        }
        call->nreq++;
        return;
    }
    if (call->end_delivered || !call->ent) {
        return;
    }
    ProtobufCMessage *msg = protobuf_c_message_unpack(m->input, &call->scratch.pa,
                                                      len, data ? data : (const uint8_t *)"");
    if (!msg) {
        fail_call(call, TRPC_STATUS_INTERNAL, "cannot decode the request message");
        return;
    }
    invoke(call, msg);
    trpc__arena_reset(&call->scratch);
}

static void on_input_end(trpc_call *call)
{
    if (call->input_done) {
        return;
    }
    call->input_done = true;
    if (!call->started || call->finished) {
        return;
    }
    if (trpc__framer_partial(&call->fr)) {
        fail_call(call, TRPC_STATUS_INTERNAL, "request stream ended inside a message");
        return;
    }
    if (!kind_streams_input(call->ent->m->kind)) {
        if (call->nreq != 1) {
            fail_call(call, TRPC_STATUS_INTERNAL, "missing request message for %s",
                      call->path);
            return;
        }
        invoke(call, call->req);
    } else if (!call->end_delivered) {
        call->end_delivered = true;
        invoke(call, NULL);
    }
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc_call *call = arg;
    worker *w = call->w;
    call->refs++;
    fail_call(call, TRPC_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded");
    call_unref(call);
    worker_flush(w);
}

/* ---- nghttp2 callbacks ---------------------------------------------------------- */

static ssize_t send_cb(nghttp2_session *ng, const uint8_t *data, size_t len,
                       int flags, void *ud)
{
    (void)ng;
    (void)flags;
    conn *c = ud;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(out) >= OUTBUF_HIGH) {
        return NGHTTP2_ERR_WOULDBLOCK;
    }
    if (evbuffer_add(out, data, len) != 0) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return (ssize_t)len;
}

static int on_begin_headers_cb(nghttp2_session *ng, const nghttp2_frame *frame,
                               void *ud)
{
    conn *c = ud;
    if (frame->hd.type != NGHTTP2_HEADERS ||
        frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
        return 0;
    }
    trpc_call *call = call_get(c->w);
    if (!call) {
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    call->c = c;
    call->sid = frame->hd.stream_id;
    call->cnext = c->calls;
    if (c->calls) {
        c->calls->cprev = call;
    }
    c->calls = call;
    if (c->idle_ev) {
        evtimer_del(c->idle_ev);
    }
    nghttp2_session_set_stream_user_data(ng, call->sid, call);
    return 0;
}

static bool is(const uint8_t *p, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

static int on_header_cb(nghttp2_session *ng, const nghttp2_frame *frame,
                        const uint8_t *name, size_t namelen, const uint8_t *value,
                        size_t valuelen, uint8_t flags, void *ud)
{
    (void)flags;
    (void)ud;
    if (frame->hd.type != NGHTTP2_HEADERS ||
        frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
        return 0; /* request trailers carry nothing gRPC uses */
    }
    trpc_call *call = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (!call || call->hdr_too_big) {
        return 0;
    }
    call->hdr_bytes += namelen + valuelen + 32;
    if (call->hdr_bytes > call->w->srv->o.max_header_list_size) {
        call->hdr_too_big = true;
        return 0;
    }
    if (namelen > 0 && name[0] == ':') {
        if (is(name, namelen, ":method")) {
            call->post = is(value, valuelen, "POST");
        } else if (is(name, namelen, ":path")) {
            char *p = trpc__arena_alloc(&call->arena, valuelen + 1);
            if (!p) {
                return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
            }
            memcpy(p, value, valuelen);
            p[valuelen] = 0;
            call->path = p;
        }
    } else if (is(name, namelen, "content-type")) {
        call->ct_ok = trpc__is_grpc_content_type(value, valuelen);
    } else if (is(name, namelen, "grpc-timeout")) {
        int64_t ms;
        if (trpc__timeout_parse(value, valuelen, &ms) == 0) {
            call->deadline = trpc_now_ms() + ms;
        }
    } else if (is(name, namelen, "grpc-encoding")) {
        size_t n = valuelen < sizeof call->enc - 1 ? valuelen : sizeof call->enc - 1;
        memcpy(call->enc, value, n);
        call->enc[n] = 0;
    } else if (!trpc__md_reserved((const char *)name, namelen)) {
        if (trpc__md_add_wire(&call->md, name, namelen, value, valuelen) == TRPC_ENOMEM) {
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
    }
    return 0;
}

static int on_frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    (void)ud;
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) {
        return 0;
    }
    trpc_call *call = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (!call) {
        return 0;
    }
    call->refs++;
    if (frame->hd.type == NGHTTP2_HEADERS &&
        frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        start_call(call);
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
        on_input_end(call);
    }
    call_unref(call);
    return 0;
}

static int on_data_chunk_recv_cb(nghttp2_session *ng, uint8_t flags, int32_t sid,
                                 const uint8_t *data, size_t len, void *ud)
{
    (void)flags;
    (void)ud;
    trpc_call *call = nghttp2_session_get_stream_user_data(ng, sid);
    if (!call || !call->started || call->finished) {
        return 0;
    }
    size_t max = call->w->srv->o.max_recv_message_size;
    call->refs++;
    while (len > 0 && !call->finished) {
        trpc__frame_ev ev = trpc__framer_feed(&call->fr, &data, &len, max);
        if (ev == TRPC__FRAME_MESSAGE) {
            on_message(call);
            trpc__framer_next(&call->fr);
        } else if (ev == TRPC__FRAME_TOO_BIG) {
            fail_call(call, TRPC_STATUS_RESOURCE_EXHAUSTED,
                      "received message larger than max (%u vs. %zu)",
                      (unsigned)call->fr.msg_len, max);
        } else if (ev == TRPC__FRAME_NOMEM) {
            fail_call(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        }
    }
    /* A zero-length message completes without consuming bytes. */
    if (!call->finished && call->fr.hdr_len == 5 && call->fr.msg_len == 0) {
        on_message(call);
        trpc__framer_next(&call->fr);
    }
    call_unref(call);
    return 0;
}

static void idle_arm(conn *c)
{
    int ms = c->w->srv->o.idle_timeout_ms;
    if (c->idle_ev && ms > 0 && !c->calls) {
        struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
        evtimer_add(c->idle_ev, &tv);
    }
}

static void idle_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn *c = arg;
    if (!c->calls && !c->goaway) {
        nghttp2_submit_goaway(c->ng, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(c->ng),
                              NGHTTP2_NO_ERROR, NULL, 0);
        c->goaway = true;
        c->dirty = true;
        worker_flush(c->w);
    }
}

static void detach(trpc_call *call)
{
    conn *c = call->c;
    if (!c) {
        return;
    }
    if (call->cprev) {
        call->cprev->cnext = call->cnext;
    } else {
        c->calls = call->cnext;
    }
    if (call->cnext) {
        call->cnext->cprev = call->cprev;
    }
    call->cprev = call->cnext = NULL;
    call->c = NULL;
    idle_arm(c);
    set_closed(call);
    if (!call->finished) {
        atomic_store(&call->cancelled, true);
        call->finished = true;
        evtimer_del(call->dl_ev);
    }
    notify_end(call);
}

static int on_stream_close_cb(nghttp2_session *ng, int32_t sid, uint32_t error_code,
                              void *ud)
{
    (void)error_code;
    (void)ud;
    trpc_call *call = nghttp2_session_get_stream_user_data(ng, sid);
    if (!call) {
        return 0;
    }
    nghttp2_session_set_stream_user_data(ng, sid, NULL);
    detach(call);
    call_unref(call);
    return 0;
}

static int on_frame_send_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    (void)ud;
    /* Response complete while the client still sends: stop it (RFC 9113 8.1). */
    if (frame->hd.type == NGHTTP2_HEADERS && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        trpc_call *call = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
        if (call && !call->input_done) {
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, frame->hd.stream_id,
                                      NGHTTP2_NO_ERROR);
        }
    }
    return 0;
}

/* ---- connections ------------------------------------------------------------------ */

static void conn_close(conn *c)
{
    worker *w = c->w;
    while (c->calls) {
        trpc_call *call = c->calls;
        nghttp2_session_set_stream_user_data(c->ng, call->sid, NULL);
        detach(call);
        call_unref(call);
    }
    nghttp2_session_del(c->ng);
    bufferevent_free(c->bev);
    if (c->idle_ev) {
        event_free(c->idle_ev);
    }
    if (c->linger_ev) {
        event_free(c->linger_ev);
    }
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        w->conns = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    w->nconns--;
    free(c);
    check_done(w);
}

/* Lingering close timeouts: normally, and while the server stops (shorter,
 * as the worker waits for it; peers that read the GOAWAY close sooner). */
#define LINGER_MS 1000
#define STOP_LINGER_MS 250
/* Time between the shutdown notice and the final GOAWAY: more than a
 * round trip on the networks a server is reached over (at most the grace
 * period). */
#define NOTICE_MS 100

static void linger_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn *c = arg;
    worker *w = c->w;
    conn_close(c);
    worker_flush(w);
}

/* Sends what nghttp2 has queued; closes the connection when it is done.
 * Returns false if c was freed. */
static bool conn_flush(conn *c)
{
    c->dirty = false;
    if (c->lingering) {
        return true;
    }
    if (nghttp2_session_send(c->ng) != 0) {
        conn_close(c);
        return false;
    }
    if (!nghttp2_session_want_read(c->ng) && !nghttp2_session_want_write(c->ng) &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        /* Lingering close: closing with unread input makes the kernel send
         * RST, which can destroy our GOAWAY before the client reads it (and
         * it would then fail a request it could have retried).  So shut
         * down our side, discard what still comes, and close at the
         * client's EOF or after a second (STOP_LINGER_MS when the server
         * stops: a proxy that sent a request as we finished must see our
         * GOAWAY and FIN, not a reset). */
        c->linger_ev = evtimer_new(c->w->base, linger_cb, c);
        if (!c->linger_ev) {
            conn_close(c);
            return false;
        }
        c->lingering = true;
        shutdown(bufferevent_getfd(c->bev), SHUT_WR);
        int ms = c->w->stopping ? STOP_LINGER_MS : LINGER_MS;
        struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
        evtimer_add(c->linger_ev, &tv);
        return true;
    }
    return true;
}

static void worker_flush(worker *w)
{
    for (conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        if (c->dirty) {
            conn_flush(c);
        }
    }
}

static void readcb(struct bufferevent *bev, void *arg)
{
    conn *c = arg;
    worker *w = c->w;
    struct evbuffer *in = bufferevent_get_input(bev);
    if (c->lingering) {
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    if (trpc__h2_feed(c->ng, in) < 0) {
        /* Garbage or a protocol violation: nghttp2 queued GOAWAY when it
         * could; send it and drop the connection. */
        evbuffer_drain(in, evbuffer_get_length(in));
        nghttp2_session_terminate_session(c->ng, NGHTTP2_PROTOCOL_ERROR);
        c->dirty = true;
        worker_flush(w);
        return;
    }
    c->dirty = true;
    worker_flush(w);
}

static void writecb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn *c = arg;
    worker *w = c->w;
    c->dirty = true;
    worker_flush(w);
}

static void eventcb(struct bufferevent *bev, short events, void *arg)
{
    (void)bev;
    conn *c = arg;
    if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        worker *w = c->w;
        conn_close(c);
        worker_flush(w);
    }
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
    (void)l;
    (void)salen;
    worker *w = arg;
    trpc_server *srv = w->srv;
    if (w->stopping) {
        close(fd);
        return;
    }
    if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->w = w;
    c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
        close(fd);
        free(c);
        return;
    }
    if (nghttp2_session_server_new3(&c->ng, srv->cbs, c, srv->ngopt, &w->ngmem) != 0) {
        bufferevent_free(c->bev);
        free(c);
        return;
    }
    nghttp2_settings_entry iv[] = {
        { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, srv->o.max_concurrent_streams },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 },
        { NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, srv->o.max_header_list_size },
    };
    nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, 3);
    nghttp2_session_set_local_window_size(c->ng, NGHTTP2_FLAG_NONE, 0, 16 << 20);
    c->next = w->conns;
    if (w->conns) {
        w->conns->prev = c;
    }
    w->conns = c;
    w->nconns++;
    bufferevent_setcb(c->bev, readcb, writecb, eventcb, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (srv->o.idle_timeout_ms > 0) {
        c->idle_ev = evtimer_new(w->base, idle_cb, c);
        idle_arm(c);
    }
    c->dirty = true;
    worker_flush(w);
}

/* ---- worker ------------------------------------------------------------------------ */

static void check_done(worker *w)
{
    if (w->stopping && w->nconns == 0 && w->live_calls == 0) {
        event_base_loopbreak(w->base);
    }
}

/* Step two of the shutdown: the real GOAWAY, with the last stream id
 * nghttp2 processed, on every connection that has not had one. */
static void send_final_goaway(worker *w)
{
    if (w->final_goaway) {
        return;
    }
    w->final_goaway = true;
    evtimer_del(w->notice_ev);
    for (conn *c = w->conns; c; c = c->next) {
        if (c->lingering || c->goaway) {
            continue;
        }
        nghttp2_submit_goaway(c->ng, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(c->ng),
                              NGHTTP2_NO_ERROR, NULL, 0);
        c->goaway = true;
        c->dirty = true;
    }
}

static void notice_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    worker *w = arg;
    send_final_goaway(w);
    worker_flush(w);
    check_done(w);
}

static void grace_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    worker *w = arg;
    send_final_goaway(w);
    for (conn *c = w->conns; c; c = c->next) {
        for (trpc_call *call = c->calls; call; call = call->cnext) {
            nghttp2_submit_rst_stream(c->ng, NGHTTP2_FLAG_NONE, call->sid,
                                      NGHTTP2_CANCEL);
        }
        c->dirty = true;
    }
    worker_flush(w);
    check_done(w);
}

static void begin_shutdown(worker *w, int grace_ms)
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
            accept_cb(w->lis[i], fd, (struct sockaddr *)&ss, (int)sslen, w);
        }
        shutdown(lfd, SHUT_RDWR);
    }
    w->stopping = true;
    for (size_t i = 0; i < w->nlis; i++) {
        evconnlistener_free(w->lis[i]);
    }
    w->nlis = 0;
    /* Step one: the shutdown notice (GOAWAY, last stream id 2^31-1).  A
     * peer may be sending a new stream while it is on its way; such streams
     * are still served.  The final GOAWAY follows NOTICE_MS later (or at
     * once without a grace period: calls are cancelled anyway). */
    int notice_ms = NOTICE_MS;
    if (grace_ms >= 0 && grace_ms < notice_ms) {
        notice_ms = grace_ms;
    }
    for (conn *c = w->conns; c; c = c->next) {
        if (c->lingering) {
            /* Nothing left to say to this one: shorten its linger. */
            struct timeval tv = { 0, STOP_LINGER_MS * 1000 };
            evtimer_add(c->linger_ev, &tv);
            continue;
        }
        if (!c->goaway && notice_ms > 0) {
            nghttp2_submit_shutdown_notice(c->ng);
            c->dirty = true;
        }
    }
    if (notice_ms > 0) {
        struct timeval tv = { notice_ms / 1000, (notice_ms % 1000) * 1000 };
        evtimer_add(w->notice_ev, &tv);
    } else {
        send_final_goaway(w);
    }
    if (grace_ms >= 0) {
        struct timeval tv = { grace_ms / 1000, (grace_ms % 1000) * 1000 };
        evtimer_add(w->grace_ev, &tv);
    }
    worker_flush(w);
    check_done(w);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    worker *w = arg;
    for (;;) {
        /* Dequeue one call and its ops in one critical section, so a call
         * is never processed after an op that released it. */
        pthread_mutex_lock(&w->mu);
        trpc_call *call = w->opq_head;
        unsigned ops = 0;
        trpc_status st = TRPC_STATUS_OK;
        if (call) {
            w->opq_head = call->opnext;
            if (!w->opq_head) {
                w->opq_tail = NULL;
            }
            call->queued = false;
            ops = call->ops;
            st = call->op_status;
            call->ops = 0;
        }
        pthread_mutex_unlock(&w->mu);
        if (!call) {
            break;
        }
        if ((ops & OP_SEND) && !call->finished) {
            kick(call);
        }
        if (ops & OP_FINISH) {
            finish_wire(call, st);
            app_release(call);
        }
    }
    pthread_mutex_lock(&w->mu);
    bool shut = w->shutdown_req;
    int grace = w->grace_ms;
    pthread_mutex_unlock(&w->mu);
    if (shut) {
        begin_shutdown(w, grace);
    }
    worker_flush(w);
}

static void post_op(trpc_call *call, unsigned op, trpc_status st)
{
    worker *w = call->w;
    pthread_mutex_lock(&w->mu);
    call->ops |= op;
    if (op == OP_FINISH) {
        call->op_status = st;
    }
    if (!call->queued) {
        call->queued = true;
        call->opnext = NULL;
        if (w->opq_tail) {
            w->opq_tail->opnext = call;
        } else {
            w->opq_head = call;
        }
        w->opq_tail = call;
    }
    pthread_mutex_unlock(&w->mu);
    event_active(w->wake, EV_READ, 0);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* ---- server lifecycle -------------------------------------------------------------- */

int trpc_server_new(trpc_server **out, const trpc_server_opts *opts)
{
    if (!out) {
        return TRPC_EINVAL;
    }
    if (trpc__libevent_threads() != 0) {
        return TRPC_ELIBEVENT;
    }
    trpc_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        return TRPC_ENOMEM;
    }
    int rv = TRPC_ENOMEM;
    if (opts) {
        srv->o = *opts;
    } else {
        trpc_server_opts_init(&srv->o);
    }
    if (srv->o.max_recv_message_size == 0) {
        srv->o.max_recv_message_size = TRPC__DEFAULT_MAX_MSG;
    }
    if (srv->o.max_concurrent_streams == 0) {
        srv->o.max_concurrent_streams = 100;
    }
    if (srv->o.max_header_list_size == 0) {
        srv->o.max_header_list_size = 16 * 1024;
    }
    srv->nw = srv->o.workers;
    if (srv->nw == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        srv->nw = n > 0 ? (unsigned)n : 1;
    }
    if (nghttp2_session_callbacks_new(&srv->cbs) != 0 ||
        nghttp2_option_new(&srv->ngopt) != 0) {
        goto err;
    }
    nghttp2_session_callbacks_set_send_callback(srv->cbs, send_cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(srv->cbs, on_begin_headers_cb);
    nghttp2_session_callbacks_set_on_header_callback(srv->cbs, on_header_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(srv->cbs, on_frame_recv_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(srv->cbs, on_data_chunk_recv_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(srv->cbs, on_stream_close_cb);
    nghttp2_session_callbacks_set_on_frame_send_callback(srv->cbs, on_frame_send_cb);
    /* Peers (grpcio among them) send grpc-message values with leading or
     * trailing spaces; accept them rather than drop the header. */
    nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(srv->ngopt, 1);
    srv->w = calloc(srv->nw, sizeof *srv->w);
    if (!srv->w) {
        goto err;
    }
    for (unsigned i = 0; i < srv->nw; i++) {
        worker *w = &srv->w[i];
        w->srv = srv;
        w->ngmem = (nghttp2_mem){ &w->mempool, pool_malloc, pool_free, pool_calloc,
                                  pool_realloc };
        pthread_mutex_init(&w->mu, NULL);
        w->base = event_base_new();
        if (!w->base) {
            rv = TRPC_ELIBEVENT;
            goto err;
        }
        w->wake = event_new(w->base, -1, 0, wake_cb, w);
        w->grace_ev = evtimer_new(w->base, grace_cb, w);
        w->notice_ev = evtimer_new(w->base, notice_cb, w);
        if (!w->wake || !w->grace_ev || !w->notice_ev) {
            rv = TRPC_ELIBEVENT;
            goto err;
        }
    }
    *out = srv;
    return 0;
err:
    trpc_server_free(srv);
    return rv;
}

static int bind_tcp(const trpc__addr *a, int port, struct addrinfo *ai, int *fdout)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return TRPC_ELISTEN;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (ai->ai_family == AF_INET6 && !a->host[0]) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    struct sockaddr_storage ss;
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (ss.ss_family == AF_INET) {
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    } else {
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    }
    if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return TRPC_ELISTEN;
    }
    *fdout = fd;
    return 0;
}

int trpc_server_listen(trpc_server *srv, const char *addr, int *port)
{
    if (!srv || !addr) {
        return TRPC_EINVAL;
    }
    if (srv->state != 0) {
        return TRPC_ESTATE;
    }
    trpc__addr a;
    int rv = trpc__addr_parse(addr, &a);
    if (rv) {
        return rv;
    }
    lsock *ls = realloc(srv->ls, (srv->nls + 1) * sizeof *ls);
    if (!ls) {
        return TRPC_ENOMEM;
    }
    srv->ls = ls;
    lsock *l = &ls[srv->nls];
    memset(l, 0, sizeof *l);
    l->fds = calloc(srv->nw, sizeof *l->fds);
    if (!l->fds) {
        return TRPC_ENOMEM;
    }
    if (a.is_unix) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        strcpy(sun.sun_path, a.path);
        unlink(a.path);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 ||
            listen(fd, 1024) != 0) {
            if (fd >= 0) {
                close(fd);
            }
            free(l->fds);
            return TRPC_ELISTEN;
        }
        l->is_unix = true;
        strcpy(l->path, a.path);
        l->fds[0] = fd;
        l->nfds = 1;
        if (port) {
            *port = 0;
        }
        srv->nls++;
        return 0;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
    struct addrinfo *res = NULL;
    const char *host = a.host[0] ? a.host : "::";
    if (getaddrinfo(host, a.port, &hints, &res) != 0) {
        if (a.host[0] || getaddrinfo("0.0.0.0", a.port, &hints, &res) != 0) {
            free(l->fds);
            return TRPC_EADDR;
        }
    }
    int p = atoi(a.port);
    rv = TRPC_ELISTEN;
    for (struct addrinfo *ai = res; ai && l->nfds == 0; ai = ai->ai_next) {
        if (bind_tcp(&a, p, ai, &l->fds[0]) != 0) {
            continue;
        }
        l->nfds = 1;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getsockname(l->fds[0], (struct sockaddr *)&ss, &sl);
        int bound = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                   : ((struct sockaddr_in6 *)&ss)->sin6_port);
        rv = 0;
        for (unsigned i = 1; i < srv->nw && rv == 0; i++) {
            rv = bind_tcp(&a, bound, ai, &l->fds[i]);
            if (rv == 0) {
                l->nfds++;
            }
        }
        if (rv == 0 && port) {
            *port = bound;
        }
    }
    freeaddrinfo(res);
    if (rv != 0) {
        for (int i = 0; i < l->nfds; i++) {
            close(l->fds[i]);
        }
        free(l->fds);
        return rv;
    }
    srv->nls++;
    return 0;
}

int trpc_server_start(trpc_server *srv)
{
    if (!srv) {
        return TRPC_EINVAL;
    }
    if (srv->state != 0 || srv->nls == 0) {
        return TRPC_ESTATE;
    }
    for (unsigned i = 0; i < srv->nw; i++) {
        worker *w = &srv->w[i];
        w->lis = calloc(srv->nls, sizeof *w->lis);
        if (!w->lis) {
            return TRPC_ENOMEM;
        }
        for (size_t j = 0; j < srv->nls; j++) {
            lsock *l = &srv->ls[j];
            int fd = l->is_unix ? l->fds[0] : l->fds[i];
            w->lis[w->nlis] = evconnlistener_new(w->base, accept_cb, w, 0, 0, fd);
            if (!w->lis[w->nlis]) {
                return TRPC_ELIBEVENT;
            }
            w->nlis++;
        }
    }
    srv->state = 1;
    for (unsigned i = 0; i < srv->nw; i++) {
        if (trpc__thread_create(&srv->w[i].th, worker_main, &srv->w[i]) != 0) {
            trpc_server_shutdown(srv, 0);
            return TRPC_ESYS;
        }
        srv->w[i].th_started = true;
    }
    return 0;
}

int trpc_server_shutdown(trpc_server *srv, int grace_ms)
{
    if (!srv || srv->state != 1) {
        return 0;
    }
    for (unsigned i = 0; i < srv->nw; i++) {
        worker *w = &srv->w[i];
        if (!w->th_started) {
            continue;
        }
        pthread_mutex_lock(&w->mu);
        w->shutdown_req = true;
        w->grace_ms = grace_ms;
        pthread_mutex_unlock(&w->mu);
        event_active(w->wake, EV_READ, 0);
    }
    for (unsigned i = 0; i < srv->nw; i++) {
        if (srv->w[i].th_started) {
            pthread_join(srv->w[i].th, NULL);
            srv->w[i].th_started = false;
        }
    }
    /* Stop the kernel from completing connections nobody will accept:
     * clients get "connection refused" (UNAVAILABLE) instead of a hang. */
    for (size_t i = 0; i < srv->nls; i++) {
        for (int j = 0; j < srv->ls[i].nfds; j++) {
            close(srv->ls[i].fds[j]);
        }
        srv->ls[i].nfds = 0;
        if (srv->ls[i].is_unix) {
            unlink(srv->ls[i].path);
            srv->ls[i].is_unix = false;
        }
    }
    srv->state = 2;
    return 0;
}

void trpc_server_free(trpc_server *srv)
{
    if (!srv) {
        return;
    }
    trpc_server_shutdown(srv, 0);
    for (unsigned i = 0; srv->w && i < srv->nw; i++) {
        worker *w = &srv->w[i];
        for (size_t j = 0; j < w->nlis; j++) {
            evconnlistener_free(w->lis[j]);
        }
        free(w->lis);
        while (w->conns) {
            conn_close(w->conns);
        }
        while (w->free_calls) {
            trpc_call *c = w->free_calls;
            w->free_calls = c->fnext;
            call_destroy(c);
        }
        if (w->wake) {
            event_free(w->wake);
        }
        if (w->grace_ev) {
            event_free(w->grace_ev);
        }
        if (w->notice_ev) {
            event_free(w->notice_ev);
        }
        if (w->base) {
            event_base_free(w->base);
        }
        pool_drain(&w->mempool);
        pthread_mutex_destroy(&w->mu);
    }
    free(srv->w);
    for (size_t i = 0; i < srv->nls; i++) {
        for (int j = 0; j < srv->ls[i].nfds; j++) {
            close(srv->ls[i].fds[j]);
        }
        if (srv->ls[i].is_unix) {
            unlink(srv->ls[i].path);
        }
        free(srv->ls[i].fds);
    }
    free(srv->ls);
    free(srv->ents);
    nghttp2_session_callbacks_del(srv->cbs);
    nghttp2_option_del(srv->ngopt);
    free(srv);
}

/* ---- the handler's view of a call ---------------------------------------------------- */

ProtobufCAllocator *trpc_call_allocator(trpc_call *call) { return &call->arena.pa; }

void *trpc_call_alloc(trpc_call *call, size_t n) { return trpc__arena_alloc(&call->arena, n); }

char *trpc_call_strdup(trpc_call *call, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = trpc__arena_alloc(&call->arena, n);
    if (p) {
        memcpy(p, s, n);
    }
    return p;
}

const char *trpc_call_path(const trpc_call *call) { return call->path ? call->path : ""; }
const trpc_metadata *trpc_call_metadata(const trpc_call *call) { return &call->md; }
int64_t trpc_call_deadline(const trpc_call *call) { return call->deadline; }
bool trpc_call_is_cancelled(const trpc_call *call) { return atomic_load(&call->cancelled); }
void trpc_call_set_data(trpc_call *call, void *data) { call->data = data; }
void *trpc_call_data(const trpc_call *call) { return call->data; }

int trpc_call_add_header(trpc_call *call, const char *key, const void *value, size_t len)
{
    if (!call) {
        return TRPC_EINVAL;
    }
    if (call->headers_sent) {
        return TRPC_ESTATE;
    }
    return trpc_metadata_add(&call->hdrs, key, value, len);
}

int trpc_call_add_trailer(trpc_call *call, const char *key, const void *value, size_t len)
{
    if (!call) {
        return TRPC_EINVAL;
    }
    if (atomic_load(&call->closed)) {
        return TRPC_ECLOSED;
    }
    return trpc_metadata_add(&call->trls, key, value, len);
}

trpc_status trpc_call_error(trpc_call *call, trpc_status code, const char *fmt, ...)
{
    if (call && fmt) {
        va_list ap;
        va_start(ap, fmt);
        set_message(&call->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int trpc_call_send(trpc_call *call, const ProtobufCMessage *msg)
{
    if (!call || !msg || !call->ent || msg->descriptor != call->ent->m->output ||
        kind_has_reply(call->ent->m->kind)) {
        return TRPC_EINVAL;
    }
    if (atomic_load(&call->closed)) {
        return TRPC_ECLOSED;
    }
    bool on_worker = pthread_equal(pthread_self(), call->w->th);
    pthread_mutex_lock(&call->mu);
    while (!on_worker && !atomic_load(&call->closed) &&
           trpc__buf_avail(&call->out) >= SEND_HIGH) {
        pthread_cond_wait(&call->room, &call->mu);
    }
    int rv = atomic_load(&call->closed) ? TRPC_ECLOSED
                                        : trpc__buf_append_message(&call->out, msg);
    pthread_mutex_unlock(&call->mu);
    if (rv) {
        return rv;
    }
    if (on_worker) {
        kick(call);
    } else {
        post_op(call, OP_SEND, TRPC_STATUS_OK);
    }
    return 0;
}

void trpc_call_finish(trpc_call *call, trpc_status code)
{
    if (call) {
        post_op(call, OP_FINISH, code);
    }
}
