/*
 * channel.c: the gRPC client.
 *
 * A channel runs one I/O thread with a libevent loop that owns every HTTP/2
 * connection (an nghttp2 client session over a bufferevent) and every wire
 * detail of its calls.  User threads never touch a session: they queue ops
 * (start, send, cancel) on the channel under its mutex and wake the loop with
 * event_active(); what flows back (reply messages, headers, the final status)
 * is handed over under the same mutex and announced with the stream's
 * condition variable.  Reply messages cross as raw bytes and are decoded by
 * the receiving thread, so decoding cost stays with the caller.
 *
 * Connections.  The first call connects (lazily); when a connect fails, calls
 * fail UNAVAILABLE and the next attempt waits an exponential backoff with
 * jitter (gRPC's connection-backoff: x1.6, 20% jitter, capped).  A GOAWAY
 * makes the connection draining: its streams finish there, new calls open a
 * new connection.  A lost connection fails its calls with UNAVAILABLE.
 *
 * Lifetime.  A stream has two references: the user's (dropped by
 * trpc_stream_finish(); async calls have none) and the I/O thread's (dropped
 * once the stream is closed on the wire or was never sent).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include "internal.h"

#define OUTBUF_HIGH (1u << 20)
/* Flow control on receive: DATA is acknowledged (WINDOW_UPDATE) as it
 * arrives while less than this many bytes of complete replies wait in a
 * stream's queue; beyond it, acknowledgement waits until the application
 * takes replies, so a slow reader throttles a fast server. */
#define RECV_HOLD (1u << 20)
/* trpc_stream_send() waits while this much is buffered and unsent. */
#define SEND_HIGH (4u << 20)
/* Request bytes kept after sending, until the server answers, so a stream
 * the server refused unprocessed (REFUSED_STREAM, e.g. after GOAWAY) can be
 * sent again once on a fresh connection (gRPC's transparent retry). */
#define RETAIN_MAX (256u * 1024u)

typedef struct cconn cconn;
typedef struct rmsg {
    struct rmsg *next;
    size_t len;
    uint8_t data[];
} rmsg;

enum { OP_START = 1, OP_SEND = 2, OP_CANCEL = 4, OP_CONSUME = 8 };
enum { CONNECTING, READY, DRAINING };

struct trpc_stream {
    trpc_channel *ch;
    const trpc_method *m;
    trpc_call_opts opts;  /* copy; the out-pointers belong to the user */
    /* shared, under ch->mu */
    trpc__buf out;
    size_t wire_off;     /* retained bytes already given to nghttp2 */
    bool retain;         /* keep sent bytes for a transparent retry */
    bool close_send, done, headers_ready, cancel_req;
    trpc_status status;
    char *message;
    rmsg *qhead, *qtail;
    size_t queued_bytes; /* wire bytes of the replies in the queue */
    bool discard;        /* finishing: drop replies instead of queueing */
    pthread_cond_t cv;
    int refs;
    unsigned ops;
    bool queued;
    trpc_stream *opnext;
    /* I/O thread only */
    cconn *c;
    int32_t sid;
    bool submitted, released, closed_wire, retried;
    size_t nnv_base;     /* request headers without grpc-timeout */
    size_t owed;         /* DATA bytes received but not yet acknowledged */
    int64_t deadline;
    struct event *dl_ev;
    trpc__framer fr;
    int http_status;
    bool have_status, ct_ok, saw_headers;
    trpc_status grpc_status;
    char *grpc_message;
    trpc_metadata hdrs, trls;
    trpc_metadata sendmd; /* copy of opts.metadata until submitted */
    nghttp2_nv *nva;
    size_t nnv;
    trpc__buf nvbuf;
    char timeout_val[16];
    trpc_stream *anext, *aprev; /* the channel's live streams */
    trpc_stream *pnext;         /* waiting for a connection */
    trpc_unary_done cb;
    trpc_fn cb_fn;
    void *cb_user;
    bool async;                /* replies go to h, not to the queue */
    trpc_stream_handlers h;
    void *h_user;
};

struct cconn {
    trpc_channel *ch;
    struct bufferevent *bev;
    nghttp2_session *ng;
    struct event *cto_ev;
    int st;
    struct addrinfo *ai, *ai_next;
    trpc_stream *pending, *pending_tail;
    cconn *next;
    int nstreams;
    bool dirty;
    int last_errno;
};

struct trpc_channel {
    trpc__addr addr;
    char *target;
    char *authority;
    trpc_channel_opts o;
    struct event_base *base;
    pthread_t th;
    bool th_started;
    struct event *wake;
    nghttp2_session_callbacks *cbs;
    nghttp2_option *ngopt;
    pthread_mutex_t mu;
    trpc_stream *opq_head, *opq_tail;
    bool stop_req;
    /* I/O thread only */
    cconn *cur;
    cconn *conns;
    int64_t next_attempt;
    int backoff_ms;
    char last_err[160];
    trpc_stream *all;
    bool stopping;
    unsigned rng;
};

void trpc_channel_opts_init(trpc_channel_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_recv_message_size = TRPC__DEFAULT_MAX_MSG;
    o->connect_timeout_ms = 20000;
    o->backoff_initial_ms = 1000;
    o->backoff_max_ms = 120000;
}

/* ---- streams: shared state ---------------------------------------------------- */

static void stream_free(trpc_stream *s)
{
    for (rmsg *m = s->qhead, *n; m; m = n) {
        n = m->next;
        free(m);
    }
    trpc__buf_free(&s->out);
    trpc__buf_free(&s->fr.body);
    trpc__buf_free(&s->nvbuf);
    trpc__md_fini(&s->hdrs);
    trpc__md_fini(&s->trls);
    trpc__md_fini(&s->sendmd);
    free(s->nva);
    free(s->message);
    free(s->grpc_message);
    pthread_cond_destroy(&s->cv);
    free(s);
}

static void stream_unref(trpc_stream *s)
{
    trpc_channel *ch = s->ch;
    pthread_mutex_lock(&ch->mu);
    int n = --s->refs;
    pthread_mutex_unlock(&ch->mu);
    if (n == 0) {
        stream_free(s);
    }
}

static void post_op(trpc_stream *s, unsigned op)
{
    /* ch->mu held */
    trpc_channel *ch = s->ch;
    s->ops |= op;
    if (!s->queued) {
        s->queued = true;
        s->refs++; /* the queue's reference */
        s->opnext = NULL;
        if (ch->opq_tail) {
            ch->opq_tail->opnext = s;
        } else {
            ch->opq_head = s;
        }
        ch->opq_tail = s;
    }
}

/* ---- I/O thread: completion --------------------------------------------------- */

static void conn_mark(cconn *c) { if (c) c->dirty = true; }

/* Records the final status (once) and wakes the waiters; runs an async
 * callback. */
static void complete(trpc_stream *s, trpc_status st, const char *msg)
{
    trpc_channel *ch = s->ch;
    if (s->async && !s->done) {
        /* Fill the out-metadata before done is visible: trpc_stream_finish()
         * on another thread may run as soon as it is. */
        if (s->opts.headers) {
            trpc__md_append(s->opts.headers, &s->hdrs);
        }
        if (s->opts.trailers) {
            trpc__md_append(s->opts.trailers, &s->trls);
        }
        s->opts.headers = s->opts.trailers = NULL;
    }
    pthread_mutex_lock(&ch->mu);
    if (s->done) {
        pthread_mutex_unlock(&ch->mu);
        return;
    }
    s->done = true;
    s->headers_ready = true;
    s->status = st;
    s->message = msg && *msg ? strdup(msg) : NULL;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&ch->mu);
    if (s->dl_ev) {
        evtimer_del(s->dl_ev);
    }
    if (s->async) {
        s->h.on_done(s, st, s->message, s->h.done_fn, s->h_user);
        return;
    }
    if (!s->cb) {
        return;
    }
    /* Async unary: decode the reply here, on the I/O thread. */
    ProtobufCMessage *reply = NULL;
    trpc_status code = st;
    const char *text = s->message;
    if (code == TRPC_STATUS_OK) {
        if (!s->qhead || s->qhead->next) {
            code = TRPC_STATUS_INTERNAL;
            text = s->qhead ? "more than one reply message for a unary call"
                            : "no reply message for a unary call";
        } else {
            reply = protobuf_c_message_unpack(s->m->output, s->opts.allocator,
                                              s->qhead->len, s->qhead->data);
            if (!reply) {
                code = TRPC_STATUS_INTERNAL;
                text = "cannot decode the reply message";
            }
        }
    }
    if (s->opts.headers) {
        trpc__md_append(s->opts.headers, &s->hdrs);
    }
    if (s->opts.trailers) {
        trpc__md_append(s->opts.trailers, &s->trls);
    }
    trpc_unary_done cb = s->cb;
    s->cb = NULL;
    cb(code, text, reply, s->cb_fn, s->cb_user);
}

static void completef(trpc_stream *s, trpc_status st, const char *fmt, ...)
    TRPC_PRINTF(3, 4);
static void completef(trpc_stream *s, trpc_status st, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    complete(s, st, buf);
}

/* The I/O thread is done with s. */
static void io_release(trpc_stream *s)
{
    trpc_channel *ch = s->ch;
    if (s->released) {
        return;
    }
    s->released = true;
    if (s->dl_ev) {
        event_free(s->dl_ev);
        s->dl_ev = NULL;
    }
    if (s->aprev) {
        s->aprev->anext = s->anext;
    } else if (ch->all == s) {
        ch->all = s->anext;
    }
    if (s->anext) {
        s->anext->aprev = s->aprev;
    }
    s->anext = s->aprev = NULL;
    stream_unref(s);
}

/* Ends a call from this side: status, RST_STREAM if it is on the wire. */
static void abort_stream(trpc_stream *s, trpc_status st, const char *msg)
{
    complete(s, st, msg);
    if (s->submitted && s->c && !s->closed_wire) {
        nghttp2_submit_rst_stream(s->c->ng, NGHTTP2_FLAG_NONE, s->sid, NGHTTP2_CANCEL);
        conn_mark(s->c);
    } else if (!s->submitted) {
        /* still waiting for a connection: unlink it */
        cconn *c = s->c;
        if (c) {
            trpc_stream **pp = &c->pending;
            c->pending_tail = NULL;
            while (*pp) {
                if (*pp == s) {
                    *pp = s->pnext;
                    continue;
                }
                c->pending_tail = *pp;
                pp = &(*pp)->pnext;
            }
            s->c = NULL;
        }
        io_release(s);
    }
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg);
static void channel_flush(trpc_channel *ch);

/* ---- I/O thread: nghttp2 callbacks -------------------------------------------- */

static ssize_t send_cb(nghttp2_session *ng, const uint8_t *data, size_t len,
                       int flags, void *ud)
{
    (void)ng;
    (void)flags;
    cconn *c = ud;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(out) >= OUTBUF_HIGH) {
        return NGHTTP2_ERR_WOULDBLOCK;
    }
    if (evbuffer_add(out, data, len) != 0) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return (ssize_t)len;
}

static ssize_t data_read_cb(nghttp2_session *ng, int32_t sid, uint8_t *buf,
                            size_t len, uint32_t *flags, nghttp2_data_source *src,
                            void *ud)
{
    (void)ng;
    (void)sid;
    (void)ud;
    trpc_stream *s = src->ptr;
    trpc_channel *ch = s->ch;
    pthread_mutex_lock(&ch->mu);
    if (s->retain && s->wire_off + len > RETAIN_MAX) {
        s->retain = false; /* too much to keep: no retry for this one */
        s->out.off += s->wire_off;
        s->wire_off = 0;
    }
    size_t avail = trpc__buf_avail(&s->out) - s->wire_off;
    size_t n = avail < len ? avail : len;
    if (n) {
        memcpy(buf, s->out.data + s->out.off + s->wire_off, n);
        if (s->retain) {
            s->wire_off += n;
        } else {
            s->out.off += n;
            if (s->out.off == s->out.len) {
                s->out.off = s->out.len = 0;
            }
        }
        if (avail >= SEND_HIGH && avail - n < SEND_HIGH) {
            pthread_cond_broadcast(&s->cv); /* a sender may wait for room */
        }
    }
    bool eof = avail == n && s->close_send;
    pthread_mutex_unlock(&ch->mu);
    if (eof) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return (ssize_t)n;
    }
    return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
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
    if (frame->hd.type != NGHTTP2_HEADERS) {
        return 0;
    }
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (!s || s->done) {
        return 0; /* ended here already: finish may be reading the metadata */
    }
    bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (is(name, namelen, ":status")) {
        int v = 0;
        for (size_t i = 0; i < valuelen && i < 3; i++) {
            v = v * 10 + (value[i] - '0');
        }
        s->http_status = v;
    } else if (is(name, namelen, "content-type")) {
        s->ct_ok = trpc__is_grpc_content_type(value, valuelen);
    } else if (is(name, namelen, "grpc-status")) {
        int v = 0;
        bool ok = valuelen > 0 && valuelen <= 3;
        for (size_t i = 0; ok && i < valuelen; i++) {
            ok = value[i] >= '0' && value[i] <= '9';
            v = v * 10 + (value[i] - '0');
        }
        s->have_status = true;
        s->grpc_status = ok && v <= 16 ? (trpc_status)v : TRPC_STATUS_UNKNOWN;
    } else if (is(name, namelen, "grpc-message")) {
        free(s->grpc_message);
        s->grpc_message = trpc__pct_decode(value, valuelen);
    } else if (!trpc__md_reserved((const char *)name, namelen)) {
        trpc__md_add_wire(end || frame->headers.cat == NGHTTP2_HCAT_HEADERS ? &s->trls
                                                                             : &s->hdrs,
                          name, namelen, value, valuelen);
    }
    return 0;
}

static int on_frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    cconn *c = ud;
    trpc_channel *ch = c->ch;
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        c->st = DRAINING;
        if (ch->cur == c) {
            ch->cur = NULL;
        }
        return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS ||
        frame->headers.cat != NGHTTP2_HCAT_RESPONSE) {
        return 0;
    }
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (!s) {
        return 0;
    }
    s->saw_headers = !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
    pthread_mutex_lock(&ch->mu);
    if (s->retain) { /* processed: nothing to retry any more */
        s->retain = false;
        s->out.off += s->wire_off;
        s->wire_off = 0;
    }
    if (s->saw_headers) {
        s->headers_ready = true;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&ch->mu);
    return 0;
}

static int on_data_chunk_recv_cb(nghttp2_session *ng, uint8_t flags, int32_t sid,
                                 const uint8_t *data, size_t len, void *ud)
{
    (void)flags;
    (void)ud;
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, sid);
    if (!s || s->done) {
        nghttp2_session_consume(ng, sid, len);
        return 0;
    }
    /* A response that is not gRPC (a proxy's HTTP error page, say) carries
     * no length-prefixed messages: drop its body, and let the end of the
     * stream map the HTTP status to a gRPC status (PROTOCOL-HTTP2.md). */
    if (s->http_status != 200 || !s->ct_ok) {
        nghttp2_session_consume(ng, sid, len);
        return 0;
    }
    trpc_channel *ch = s->ch;
    size_t max = ch->o.max_recv_message_size;
    pthread_mutex_lock(&ch->mu);
    bool hold = s->queued_bytes >= RECV_HOLD && !s->discard && !s->async;
    pthread_mutex_unlock(&ch->mu);
    if (hold) {
        s->owed += len;
    } else {
        nghttp2_session_consume(ng, sid, len + s->owed);
        s->owed = 0;
    }
    while (len > 0 && !s->done) {
        trpc__frame_ev ev = trpc__framer_feed(&s->fr, &data, &len, max);
        if (ev == TRPC__FRAME_MESSAGE) {
            if (s->fr.hdr[0] & 1) {
                abort_stream(s, TRPC_STATUS_INTERNAL,
                             "compressed reply message without a supported grpc-encoding");
                break;
            }
            if (s->async) {
                ProtobufCMessage *msg = NULL;
                if (s->h.on_message) {
                    msg = protobuf_c_message_unpack(s->m->output, s->opts.allocator,
                                                    s->fr.msg_len,
                                                    s->fr.body.data ? s->fr.body.data
                                                                    : (const uint8_t *)"");
                    if (!msg) {
                        abort_stream(s, TRPC_STATUS_INTERNAL, "cannot decode a reply message");
                        break;
                    }
                }
                trpc__framer_next(&s->fr);
                if (msg) {
                    s->h.on_message(s, msg, s->h.message_fn, s->h_user);
                }
                continue;
            }
            rmsg *m = malloc(sizeof *m + s->fr.msg_len);
            if (!m) {
                abort_stream(s, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
                break;
            }
            m->next = NULL;
            m->len = s->fr.msg_len;
            if (m->len) {
                memcpy(m->data, s->fr.body.data, m->len);
            }
            trpc__framer_next(&s->fr);
            pthread_mutex_lock(&ch->mu);
            if (s->discard) {
                free(m);
            } else {
                if (s->qtail) {
                    s->qtail->next = m;
                } else {
                    s->qhead = m;
                }
                s->qtail = m;
                s->queued_bytes += m->len + 5;
                pthread_cond_broadcast(&s->cv);
            }
            pthread_mutex_unlock(&ch->mu);
        } else if (ev == TRPC__FRAME_TOO_BIG) {
            char buf[96];
            snprintf(buf, sizeof buf, "received message larger than max (%u vs. %zu)",
                     (unsigned)s->fr.msg_len, max);
            abort_stream(s, TRPC_STATUS_RESOURCE_EXHAUSTED, buf);
        } else if (ev == TRPC__FRAME_NOMEM) {
            abort_stream(s, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        }
    }
    return 0;
}

static void detach(trpc_stream *s)
{
    if (s->c) {
        s->c->nstreams--;
        conn_mark(s->c);
        s->c = NULL;
    }
    s->closed_wire = true;
}

static cconn *get_conn(trpc_channel *ch);
static void submit(trpc_stream *s, cconn *c);

/* The server refused s without processing it: send it again, once, on the
 * channel's current (or a new) connection.  False if it cannot be. */
static bool retry(trpc_stream *s)
{
    trpc_channel *ch = s->ch;
    pthread_mutex_lock(&ch->mu);
    bool ok = s->retain;
    if (ok) {
        s->wire_off = 0; /* everything goes out again */
    }
    pthread_mutex_unlock(&ch->mu);
    if (!ok) {
        return false;
    }
    s->retried = true;
    detach(s);
    s->closed_wire = false;
    s->submitted = false;
    s->sid = 0;
    s->http_status = 0;
    s->ct_ok = s->saw_headers = false;
    trpc__framer_next(&s->fr);
    trpc_metadata_clear(&s->hdrs);
    trpc_metadata_clear(&s->trls);
    cconn *c = get_conn(ch);
    if (!c) {
        complete(s, TRPC_STATUS_UNAVAILABLE, ch->last_err);
        io_release(s);
        return true;
    }
    if (c->st == CONNECTING) {
        s->c = c;
        s->pnext = NULL;
        if (c->pending_tail) {
            c->pending_tail->pnext = s;
        } else {
            c->pending = s;
        }
        c->pending_tail = s;
    } else {
        submit(s, c);
    }
    return true;
}

static int on_stream_close_cb(nghttp2_session *ng, int32_t sid, uint32_t err, void *ud)
{
    (void)ud;
    trpc_stream *s = nghttp2_session_get_stream_user_data(ng, sid);
    if (!s) {
        return 0;
    }
    if (s->owed) {
        nghttp2_session_consume_connection(ng, s->owed);
        s->owed = 0;
    }
    if (err == NGHTTP2_REFUSED_STREAM && !s->have_status && !s->done && !s->retried &&
        !s->ch->stopping && retry(s)) {
        return 0;
    }
    if (s->have_status) {
        complete(s, s->grpc_status, s->grpc_message);
    } else if (err == NGHTTP2_REFUSED_STREAM) {
        complete(s, TRPC_STATUS_UNAVAILABLE, "stream refused by the server (GOAWAY)");
    } else if (err == NGHTTP2_CANCEL) {
        complete(s, TRPC_STATUS_CANCELLED, "stream cancelled by the server");
    } else if (err != NGHTTP2_NO_ERROR) {
        completef(s, TRPC_STATUS_INTERNAL, "stream reset by the server: %s",
                  nghttp2_http2_strerror(err));
    } else if (s->http_status != 200) {
        completef(s, trpc__http_to_grpc(s->http_status),
                  "HTTP status %d without grpc-status", s->http_status);
    } else if (!s->ct_ok) {
        complete(s, TRPC_STATUS_UNKNOWN, "response is not application/grpc");
    } else {
        complete(s, TRPC_STATUS_UNKNOWN, "response ended without grpc-status");
    }
    detach(s);
    io_release(s);
    return 0;
}

/* ---- I/O thread: connections --------------------------------------------------- */

static void conn_free(cconn *c)
{
    trpc_channel *ch = c->ch;
    for (cconn **pp = &ch->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    if (ch->cur == c) {
        ch->cur = NULL;
    }
    if (c->ng) {
        nghttp2_session_del(c->ng);
    }
    if (c->bev) {
        bufferevent_free(c->bev);
    }
    if (c->cto_ev) {
        event_free(c->cto_ev);
    }
    if (c->ai) {
        freeaddrinfo(c->ai);
    }
    free(c);
}

/* Fails every stream of c (and the ones waiting for it) and frees it. */
static void conn_fail(cconn *c, trpc_status st, const char *msg)
{
    trpc_channel *ch = c->ch;
    while (c->pending) {
        trpc_stream *s = c->pending;
        c->pending = s->pnext;
        s->c = NULL;
        complete(s, st, msg);
        io_release(s);
    }
    c->pending_tail = NULL;
    for (trpc_stream *s = ch->all, *next; s; s = next) {
        next = s->anext;
        if (s->c == c && s->submitted) {
            nghttp2_session_set_stream_user_data(c->ng, s->sid, NULL);
            complete(s, st, msg);
            detach(s);
            io_release(s);
        }
    }
    conn_free(c);
}

static void submit(trpc_stream *s, cconn *c)
{
    s->nnv = s->nnv_base;
    if (s->deadline != INT64_MAX) {
        int64_t left = s->deadline - trpc_now_ms();
        size_t n = trpc__timeout_format(left, s->timeout_val);
        s->nva[s->nnv++] = (nghttp2_nv){ (uint8_t *)"grpc-timeout", (uint8_t *)s->timeout_val,
                                         12, n, NGHTTP2_NV_FLAG_NONE };
    }
    nghttp2_data_provider prd = { .source.ptr = s, .read_callback = data_read_cb };
    /* nva stays (pointing into sendmd and nvbuf) for a transparent retry. */
    int32_t sid = nghttp2_submit_request(c->ng, NULL, s->nva, s->nnv, &prd, s);
    if (sid < 0) {
        completef(s, TRPC_STATUS_UNAVAILABLE, "cannot start a stream: %s",
                  nghttp2_strerror(sid));
        s->c = NULL;
        io_release(s);
        return;
    }
    s->sid = sid;
    s->c = c;
    s->submitted = true;
    c->nstreams++;
    c->dirty = true;
}

static void readcb(struct bufferevent *bev, void *arg)
{
    cconn *c = arg;
    trpc_channel *ch = c->ch;
    if (!c->ng) {
        /* The server's SETTINGS can be read in the same loop iteration as
         * the connect completes, before eventcb saw CONNECTED: keep the
         * bytes; on_connected() comes back for them. */
        return;
    }
    int rv = trpc__h2_feed(c->ng, bufferevent_get_input(bev));
    if (rv < 0) {
        char buf[128];
        snprintf(buf, sizeof buf, "HTTP/2 protocol error from the server: %s",
                 nghttp2_strerror(rv));
        conn_fail(c, TRPC_STATUS_UNAVAILABLE, buf);
        channel_flush(ch);
        return;
    }
    c->dirty = true;
    channel_flush(ch);
}

static void writecb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    cconn *c = arg;
    c->dirty = true;
    channel_flush(c->ch);
}

static int try_connect(cconn *c);

static void connect_failed(cconn *c)
{
    trpc_channel *ch = c->ch;
    int64_t now = trpc_now_ms();
    if (ch->backoff_ms <= 0) {
        ch->backoff_ms = ch->o.backoff_initial_ms;
    }
    ch->rng = ch->rng * 1103515245u + 12345u;
    double jitter = 0.8 + 0.4 * ((ch->rng >> 8) % 1000) / 1000.0;
    ch->next_attempt = now + (int64_t)(ch->backoff_ms * jitter);
    ch->backoff_ms = (int)(ch->backoff_ms * 1.6);
    if (ch->backoff_ms > ch->o.backoff_max_ms) {
        ch->backoff_ms = ch->o.backoff_max_ms;
    }
    snprintf(ch->last_err, sizeof ch->last_err, "failed to connect to %s: %s",
             ch->target, c->last_errno ? strerror(c->last_errno) : "timed out");
    conn_fail(c, TRPC_STATUS_UNAVAILABLE, ch->last_err);
}

static void on_connected(cconn *c)
{
    trpc_channel *ch = c->ch;
    evtimer_del(c->cto_ev);
    if (!ch->addr.is_unix) {
        int one = 1;
        setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (nghttp2_session_client_new2(&c->ng, ch->cbs, c, ch->ngopt) != 0) {
        c->last_errno = ENOMEM;
        connect_failed(c);
        return;
    }
    nghttp2_settings_entry iv[] = {
        { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 },
    };
    nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, 2);
    nghttp2_session_set_local_window_size(c->ng, NGHTTP2_FLAG_NONE, 0, 16 << 20);
    c->st = READY;
    ch->backoff_ms = 0;
    ch->next_attempt = 0;
    while (c->pending) {
        trpc_stream *s = c->pending;
        c->pending = s->pnext;
        submit(s, c);
    }
    c->pending_tail = NULL;
    c->dirty = true;
    if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0) {
        readcb(c->bev, c);
    }
}

static void eventcb(struct bufferevent *bev, short events, void *arg)
{
    (void)bev;
    cconn *c = arg;
    trpc_channel *ch = c->ch;
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
    channel_flush(ch);
}

static void cto_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    cconn *c = arg;
    trpc_channel *ch = c->ch;
    c->last_errno = ETIMEDOUT;
    connect_failed(c);
    channel_flush(ch);
}

/* Starts connecting to the next address of c; -1 when none is left. */
static int try_connect(cconn *c)
{
    trpc_channel *ch = c->ch;
    if (c->bev) {
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
    for (;;) {
        struct sockaddr_un sun;
        const struct sockaddr *sa;
        socklen_t salen;
        if (ch->addr.is_unix) {
            if (c->ai_next == (struct addrinfo *)1) {
                return -1;
            }
            c->ai_next = (struct addrinfo *)1; /* one attempt */
            memset(&sun, 0, sizeof sun);
            sun.sun_family = AF_UNIX;
            strcpy(sun.sun_path, ch->addr.path);
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
        c->bev = bufferevent_socket_new(ch->base, -1, BEV_OPT_CLOSE_ON_FREE);
        if (!c->bev) {
            c->last_errno = ENOMEM;
            return -1;
        }
        bufferevent_setcb(c->bev, readcb, writecb, eventcb, c);
        if (bufferevent_socket_connect(c->bev, sa, (int)salen) == 0) {
            bufferevent_enable(c->bev, EV_READ | EV_WRITE);
            return 0;
        }
        c->last_errno = EVUTIL_SOCKET_ERROR();
        bufferevent_free(c->bev);
        c->bev = NULL;
    }
}

/* The connection new calls should use, connecting if needed; NULL (with
 * last_err set) while in backoff or when the connection cannot start. */
static cconn *get_conn(trpc_channel *ch)
{
    if (ch->cur) {
        return ch->cur;
    }
    if (trpc_now_ms() < ch->next_attempt) {
        return NULL;
    }
    cconn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(ch->last_err, sizeof ch->last_err, "out of memory");
        return NULL;
    }
    c->ch = ch;
    c->st = CONNECTING;
    c->next = ch->conns;
    ch->conns = c;
    c->cto_ev = evtimer_new(ch->base, cto_cb, c);
    if (!ch->addr.is_unix) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC };
        int rv = getaddrinfo(ch->addr.host[0] ? ch->addr.host : "localhost",
                             ch->addr.port, &hints, &c->ai);
        if (rv != 0) {
            snprintf(ch->last_err, sizeof ch->last_err, "cannot resolve %s: %s",
                     ch->target, gai_strerror(rv));
            c->ai = NULL;
            conn_free(c);
            return NULL;
        }
        c->ai_next = c->ai;
    }
    if (!c->cto_ev || try_connect(c) != 0) {
        snprintf(ch->last_err, sizeof ch->last_err, "failed to connect to %s: %s",
                 ch->target, strerror(c->last_errno ? c->last_errno : ENOMEM));
        conn_free(c);
        ch->next_attempt = trpc_now_ms() + ch->o.backoff_initial_ms;
        return NULL;
    }
    int ms = ch->o.connect_timeout_ms;
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evtimer_add(c->cto_ev, &tv);
    ch->cur = c;
    return c;
}

static void channel_flush(trpc_channel *ch)
{
    for (cconn *c = ch->conns, *next; c; c = next) {
        next = c->next;
        if (!c->dirty || !c->ng) {
            continue;
        }
        c->dirty = false;
        if (nghttp2_session_send(c->ng) != 0) {
            conn_fail(c, TRPC_STATUS_UNAVAILABLE, "HTTP/2 session failed");
            continue;
        }
        bool idle = c->st == DRAINING && c->nstreams == 0;
        if (idle || (!nghttp2_session_want_read(c->ng) && !nghttp2_session_want_write(c->ng))) {
            conn_fail(c, TRPC_STATUS_UNAVAILABLE, "connection closed");
        }
    }
    if (ch->stopping && !ch->all && !ch->conns) {
        event_base_loopbreak(ch->base);
    }
}

/* ---- I/O thread: ops ------------------------------------------------------------- */

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc_stream *s = arg;
    trpc_channel *ch = s->ch;
    abort_stream(s, TRPC_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded");
    channel_flush(ch);
}

static void op_start(trpc_channel *ch, trpc_stream *s)
{
    s->anext = ch->all;
    if (ch->all) {
        ch->all->aprev = s;
    }
    ch->all = s;
    if (ch->stopping) {
        abort_stream(s, TRPC_STATUS_CANCELLED, "channel closed");
        return;
    }
    if (s->deadline != INT64_MAX) {
        int64_t left = s->deadline - trpc_now_ms();
        if (left <= 0) {
            abort_stream(s, TRPC_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded");
            return;
        }
        s->dl_ev = evtimer_new(ch->base, deadline_cb, s);
        struct timeval tv = { (time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000 };
        if (s->dl_ev) {
            evtimer_add(s->dl_ev, &tv);
        }
    }
    cconn *c = get_conn(ch);
    if (!c) {
        abort_stream(s, TRPC_STATUS_UNAVAILABLE, ch->last_err);
        return;
    }
    if (c->st == CONNECTING) {
        s->c = c;
        s->pnext = NULL;
        if (c->pending_tail) {
            c->pending_tail->pnext = s;
        } else {
            c->pending = s;
        }
        c->pending_tail = s;
    } else {
        submit(s, c);
    }
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc_channel *ch = arg;
    for (;;) {
        pthread_mutex_lock(&ch->mu);
        trpc_stream *s = ch->opq_head;
        unsigned ops = 0;
        if (s) {
            ch->opq_head = s->opnext;
            if (!ch->opq_head) {
                ch->opq_tail = NULL;
            }
            s->queued = false;
            ops = s->ops;
            s->ops = 0;
        }
        pthread_mutex_unlock(&ch->mu);
        if (!s) {
            break;
        }
        if (ops & OP_START) {
            op_start(ch, s);
        }
        if ((ops & OP_SEND) && s->submitted && s->c && !s->closed_wire) {
            nghttp2_session_resume_data(s->c->ng, s->sid);
            conn_mark(s->c);
        }
        if ((ops & OP_CONSUME) && s->owed && s->c && !s->closed_wire) {
            nghttp2_session_consume(s->c->ng, s->sid, s->owed);
            s->owed = 0;
            conn_mark(s->c);
        }
        if (ops & OP_CANCEL) {
            abort_stream(s, TRPC_STATUS_CANCELLED, "Cancelled");
        }
        stream_unref(s); /* the queue's reference */
    }
    pthread_mutex_lock(&ch->mu);
    bool stop = ch->stop_req;
    pthread_mutex_unlock(&ch->mu);
    if (stop && !ch->stopping) {
        ch->stopping = true;
        for (trpc_stream *s = ch->all, *next; s; s = next) {
            next = s->anext;
            abort_stream(s, TRPC_STATUS_CANCELLED, "channel closed");
        }
        while (ch->conns) {
            conn_fail(ch->conns, TRPC_STATUS_CANCELLED, "channel closed");
        }
    }
    channel_flush(ch);
}

static void *io_main(void *arg)
{
    trpc_channel *ch = arg;
    event_base_loop(ch->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* ---- public API --------------------------------------------------------------------- */

int trpc_channel_new(trpc_channel **out, const char *target, const trpc_channel_opts *opts)
{
    if (!out || !target) {
        return TRPC_EINVAL;
    }
    if (trpc__libevent_threads() != 0) {
        return TRPC_ELIBEVENT;
    }
    trpc__addr a;
    int rv = trpc__addr_parse(target, &a);
    if (rv) {
        return rv;
    }
    trpc_channel *ch = calloc(1, sizeof *ch);
    if (!ch) {
        return TRPC_ENOMEM;
    }
    ch->addr = a;
    if (opts) {
        ch->o = *opts;
    } else {
        trpc_channel_opts_init(&ch->o);
    }
    if (!ch->o.max_recv_message_size) ch->o.max_recv_message_size = TRPC__DEFAULT_MAX_MSG;
    if (ch->o.connect_timeout_ms <= 0) ch->o.connect_timeout_ms = 20000;
    if (ch->o.backoff_initial_ms <= 0) ch->o.backoff_initial_ms = 1000;
    if (ch->o.backoff_max_ms < ch->o.backoff_initial_ms) ch->o.backoff_max_ms = 120000;
    ch->rng = (unsigned)trpc_now_ms() ^ (unsigned)(uintptr_t)ch;
    pthread_mutex_init(&ch->mu, NULL);
    rv = TRPC_ENOMEM;
    ch->target = strdup(target);
    ch->authority = strdup(ch->o.authority ? ch->o.authority
                                           : a.is_unix ? "localhost" : target);
    if (!ch->target || !ch->authority) {
        goto err;
    }
    ch->o.authority = NULL;
    if (nghttp2_session_callbacks_new(&ch->cbs) != 0 || nghttp2_option_new(&ch->ngopt) != 0) {
        goto err;
    }
    /* grpcio sends grpc-message values with leading or trailing spaces
     * as they are; accept them rather than drop the header. */
    nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(ch->ngopt, 1);
    /* Receive windows are opened as the application takes replies. */
    nghttp2_option_set_no_auto_window_update(ch->ngopt, 1);
    nghttp2_session_callbacks_set_send_callback(ch->cbs, send_cb);
    nghttp2_session_callbacks_set_on_header_callback(ch->cbs, on_header_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(ch->cbs, on_frame_recv_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(ch->cbs, on_data_chunk_recv_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(ch->cbs, on_stream_close_cb);
    rv = TRPC_ELIBEVENT;
    ch->base = event_base_new();
    if (!ch->base || !(ch->wake = event_new(ch->base, -1, 0, wake_cb, ch))) {
        goto err;
    }
    if (trpc__thread_create(&ch->th, io_main, ch) != 0) {
        rv = TRPC_ESYS;
        goto err;
    }
    ch->th_started = true;
    *out = ch;
    return 0;
err:
    trpc_channel_free(ch);
    return rv;
}

void trpc_channel_free(trpc_channel *ch)
{
    if (!ch) {
        return;
    }
    if (ch->th_started) {
        pthread_mutex_lock(&ch->mu);
        ch->stop_req = true;
        pthread_mutex_unlock(&ch->mu);
        event_active(ch->wake, EV_READ, 0);
        pthread_join(ch->th, NULL);
    }
    while (ch->conns) {
        conn_free(ch->conns);
    }
    if (ch->wake) {
        event_free(ch->wake);
    }
    if (ch->base) {
        event_base_free(ch->base);
    }
    if (ch->cbs) {
        nghttp2_session_callbacks_del(ch->cbs);
    }
    if (ch->ngopt) {
        nghttp2_option_del(ch->ngopt);
    }
    pthread_mutex_destroy(&ch->mu);
    free(ch->target);
    free(ch->authority);
    free(ch);
}

#define NVS(n, v) (nghttp2_nv){ (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE }

static int stream_new(trpc_channel *ch, const trpc_method *m, const trpc_call_opts *opts,
                      trpc_stream **out)
{
    if (!ch || !m || !m->path || !m->input || !m->output || !out) {
        return TRPC_EINVAL;
    }
    trpc_stream *s = calloc(1, sizeof *s);
    if (!s) {
        return TRPC_ENOMEM;
    }
    s->ch = ch;
    s->m = m;
    if (opts) {
        s->opts = *opts;
    }
    pthread_cond_init(&s->cv, NULL);
    trpc__md_init(&s->hdrs);
    trpc__md_init(&s->trls);
    trpc__md_init(&s->sendmd);
    if (trpc__md_append(&s->sendmd, s->opts.metadata) != 0) {
        stream_free(s);
        return TRPC_ENOMEM;
    }
    s->deadline = s->opts.timeout_ms > 0 ? trpc_now_ms() + s->opts.timeout_ms : INT64_MAX;
    size_t cap = 8 + trpc_metadata_count(s->opts.metadata);
    s->nva = malloc(cap * sizeof *s->nva);
    if (!s->nva) {
        stream_free(s);
        return TRPC_ENOMEM;
    }
    s->nva[s->nnv++] = NVS(":method", "POST");
    s->nva[s->nnv++] = NVS(":scheme", "http");
    s->nva[s->nnv++] = NVS(":path", m->path);
    s->nva[s->nnv++] = NVS(":authority", ch->authority);
    s->nva[s->nnv++] = NVS("content-type", "application/grpc");
    s->nva[s->nnv++] = NVS("te", "trailers");
    s->nva[s->nnv++] = NVS("user-agent", TRPC__USER_AGENT);
    if (trpc__md_to_nv(&s->sendmd, s->nva, &s->nnv, &s->nvbuf) != 0) {
        stream_free(s);
        return TRPC_ENOMEM;
    }
    s->nnv_base = s->nnv;
    s->retain = true;
    s->refs = 2; /* the user's and the I/O thread's */
    *out = s;
    return 0;
}

static void launch(trpc_stream *s)
{
    trpc_channel *ch = s->ch;
    pthread_mutex_lock(&ch->mu);
    post_op(s, OP_START);
    pthread_mutex_unlock(&ch->mu);
    event_active(ch->wake, EV_READ, 0);
}

int trpc_stream_start(trpc_channel *ch, const trpc_method *m, const trpc_call_opts *opts,
                      trpc_stream **out)
{
    trpc_stream *s;
    int rv = stream_new(ch, m, opts, &s);
    if (rv) {
        return rv;
    }
    launch(s);
    *out = s;
    return 0;
}

int trpc_stream_start_async(trpc_channel *ch, const trpc_method *m,
                            const trpc_call_opts *opts, const trpc_stream_handlers *h,
                            void *user, trpc_stream **out)
{
    if (!h || !h->on_done) {
        return TRPC_EINVAL;
    }
    trpc_stream *s;
    int rv = stream_new(ch, m, opts, &s);
    if (rv) {
        return rv;
    }
    s->async = true;
    s->h = *h;
    s->h_user = user;
    s->opts.message = NULL; /* on_done gets the message */
    *out = s;
    launch(s);
    return 0;
}

static int stream_send(trpc_stream *s, const ProtobufCMessage *msg, bool close)
{
    trpc_channel *ch = s->ch;
    int rv = 0;
    pthread_mutex_lock(&ch->mu);
    bool io_thread = pthread_equal(pthread_self(), ch->th);
    while (msg && !io_thread && !s->done && !s->close_send &&
           trpc__buf_avail(&s->out) - s->wire_off >= SEND_HIGH) {
        pthread_cond_wait(&s->cv, &ch->mu);
    }
    if (s->close_send) {
        rv = TRPC_ESTATE;
    } else if (s->done) {
        rv = TRPC_ECLOSED;
    } else {
        if (msg) {
            rv = trpc__buf_append_message(&s->out, msg);
        }
        if (rv == 0) {
            s->close_send = close;
            post_op(s, OP_SEND);
        }
    }
    pthread_mutex_unlock(&ch->mu);
    if (rv == 0) {
        event_active(ch->wake, EV_READ, 0);
    }
    return rv;
}

int trpc_stream_send(trpc_stream *s, const ProtobufCMessage *msg)
{
    if (!s || !msg || msg->descriptor != s->m->input) {
        return TRPC_EINVAL;
    }
    return stream_send(s, msg, false);
}

int trpc_stream_close_send(trpc_stream *s)
{
    if (!s) {
        return TRPC_EINVAL;
    }
    int rv = stream_send(s, NULL, true);
    return rv == TRPC_ECLOSED ? 0 : rv;
}

int trpc_stream_recv(trpc_stream *s, ProtobufCMessage **msg)
{
    if (!s || !msg) {
        return TRPC_EINVAL;
    }
    if (s->async) {
        return TRPC_ESTATE;
    }
    trpc_channel *ch = s->ch;
    pthread_mutex_lock(&ch->mu);
    while (!s->qhead && !s->done) {
        pthread_cond_wait(&s->cv, &ch->mu);
    }
    rmsg *m = s->qhead;
    bool wake = false;
    if (m) {
        s->qhead = m->next;
        if (!s->qhead) {
            s->qtail = NULL;
        }
        bool was_held = s->queued_bytes >= RECV_HOLD;
        s->queued_bytes -= m->len + 5;
        if (was_held && s->queued_bytes < RECV_HOLD && !s->done) {
            post_op(s, OP_CONSUME);
            wake = true;
        }
    }
    pthread_mutex_unlock(&ch->mu);
    if (wake) {
        event_active(ch->wake, EV_READ, 0);
    }
    if (!m) {
        return 0;
    }
    *msg = protobuf_c_message_unpack(s->m->output, s->opts.allocator, m->len, m->data);
    free(m);
    if (!*msg) {
        /* Record the status before the cancel op can. */
        pthread_mutex_lock(&ch->mu);
        if (!s->done) {
            s->cancel_req = true;
            post_op(s, OP_CANCEL);
        }
        pthread_mutex_unlock(&ch->mu);
        event_active(ch->wake, EV_READ, 0);
        return TRPC_EDECODE;
    }
    return 1;
}

const trpc_metadata *trpc_stream_headers(trpc_stream *s)
{
    if (!s) {
        return NULL;
    }
    trpc_channel *ch = s->ch;
    pthread_mutex_lock(&ch->mu);
    while (!s->headers_ready) {
        pthread_cond_wait(&s->cv, &ch->mu);
    }
    bool have = s->saw_headers;
    pthread_mutex_unlock(&ch->mu);
    return have ? &s->hdrs : NULL;
}

void trpc_stream_cancel(trpc_stream *s)
{
    if (!s) {
        return;
    }
    trpc_channel *ch = s->ch;
    pthread_mutex_lock(&ch->mu);
    bool post = !s->done;
    if (post) {
        post_op(s, OP_CANCEL);
    }
    pthread_mutex_unlock(&ch->mu);
    if (post) {
        event_active(ch->wake, EV_READ, 0);
    }
}

trpc_status trpc_stream_finish(trpc_stream *s)
{
    if (!s) {
        return TRPC_STATUS_INVALID_ARGUMENT;
    }
    trpc_channel *ch = s->ch;
    pthread_mutex_lock(&ch->mu);
    /* Replies nobody will read: drop them, and the ones still to come, so
     * flow control does not stall the call. */
    s->discard = true;
    for (rmsg *m = s->qhead, *next; m; m = next) {
        next = m->next;
        free(m);
    }
    s->qhead = s->qtail = NULL;
    s->queued_bytes = 0;
    if (!s->done) {
        /* Finishing before half-closing: the caller is done sending. */
        if (!s->close_send) {
            s->close_send = true;
            post_op(s, OP_SEND);
        }
        post_op(s, OP_CONSUME);
        pthread_mutex_unlock(&ch->mu);
        event_active(ch->wake, EV_READ, 0);
        pthread_mutex_lock(&ch->mu);
    }
    while (!s->done) {
        pthread_cond_wait(&s->cv, &ch->mu);
    }
    trpc_status st = s->status;
    bool decode_failed = s->cancel_req && st == TRPC_STATUS_CANCELLED;
    pthread_mutex_unlock(&ch->mu);
    const char *msg = s->message;
    if (decode_failed) {
        st = TRPC_STATUS_INTERNAL;
        msg = "cannot decode a reply message";
    }
    if (s->opts.message) {
        *s->opts.message = msg ? strdup(msg) : NULL;
    }
    if (s->opts.headers) {
        trpc__md_append(s->opts.headers, &s->hdrs);
    }
    if (s->opts.trailers) {
        trpc__md_append(s->opts.trailers, &s->trls);
    }
    stream_unref(s);
    return st;
}

static trpc_status fail_arg(const trpc_call_opts *opts, trpc_status st, const char *msg)
{
    if (opts && opts->message) {
        *opts->message = strdup(msg);
    }
    return st;
}

trpc_status trpc_stream_finish_unary(trpc_stream *s, ProtobufCMessage **reply)
{
    if (!s || !reply) {
        return TRPC_STATUS_INVALID_ARGUMENT;
    }
    *reply = NULL;
    if (s->async) {
        return trpc_stream_finish(s); /* the reply went to on_message */
    }
    trpc_call_opts opts = s->opts;
    stream_send(s, NULL, true);
    ProtobufCMessage *first = NULL, *extra = NULL;
    if (trpc_stream_recv(s, &first) == 1) {
        trpc_stream_recv(s, &extra);
    }
    trpc_status st = trpc_stream_finish(s);
    if (st == TRPC_STATUS_OK && (!first || extra)) {
        st = TRPC_STATUS_INTERNAL;
        if (opts.message) {
            free(*opts.message);
            *opts.message = strdup(first ? "more than one reply message for a unary call"
                                         : "no reply message for a unary call");
        }
    }
    if (extra) {
        protobuf_c_message_free_unpacked(extra, opts.allocator);
    }
    if (st != TRPC_STATUS_OK) {
        if (first) {
            protobuf_c_message_free_unpacked(first, opts.allocator);
        }
        return st;
    }
    *reply = first;
    return st;
}

trpc_status trpc_channel_unary(trpc_channel *ch, const trpc_method *m,
                               const ProtobufCMessage *req, ProtobufCMessage **reply,
                               const trpc_call_opts *opts)
{
    if (!reply || !req || !m || req->descriptor != m->input) {
        return fail_arg(opts, TRPC_STATUS_INVALID_ARGUMENT, "invalid argument");
    }
    *reply = NULL;
    trpc_stream *s;
    int rv = trpc_stream_start(ch, m, opts, &s);
    if (rv) {
        return fail_arg(opts, rv == TRPC_ENOMEM ? TRPC_STATUS_RESOURCE_EXHAUSTED
                                                : TRPC_STATUS_INVALID_ARGUMENT,
                        trpc_strerror(rv));
    }
    stream_send(s, req, true);
    return trpc_stream_finish_unary(s, reply);
}

int trpc_channel_unary_async(trpc_channel *ch, const trpc_method *m,
                             const ProtobufCMessage *req, const trpc_call_opts *opts,
                             trpc_unary_done done, trpc_fn fn, void *user)
{
    if (!req || !m || !done || req->descriptor != m->input) {
        return TRPC_EINVAL;
    }
    trpc_stream *s;
    int rv = stream_new(ch, m, opts, &s);
    if (rv) {
        return rv;
    }
    s->opts.message = NULL;
    s->cb = done;
    s->cb_fn = fn;
    s->cb_user = user;
    s->refs = 1; /* the I/O thread's only */
    rv = trpc__buf_append_message(&s->out, req);
    if (rv) {
        stream_free(s);
        return rv;
    }
    s->close_send = true;
    launch(s);
    return 0;
}
