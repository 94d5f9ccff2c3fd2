/*
 * stream.c: a client call on its channel's I/O thread, and the state it
 * shares with application threads.
 *
 * The I/O thread's view (trpc__stream_state):
 *
 *   state     event                                    next      what happens
 *   NEW       start op: channel closing, deadline      RELEASED  CANCELLED or
 *             already passed, token already cancelled            DEADLINE_EXCEEDED
 *   NEW       its connection is resolving/connecting   WAITING   queued on it
 *   NEW       its connection is ready                  OPEN      request submitted
 *   NEW       no connection (backoff, failed attempt)  RELEASED  UNAVAILABLE
 *   NEW       the same, with wait_for_ready            WAITING   queued on the channel
 *                                                                until the next attempt
 *   WAITING   the connection is ready                  OPEN      request submitted
 *   WAITING   the attempt failed, wait_for_ready       WAITING   back on the channel's
 *                                                                queue
 *   WAITING   the attempt failed; cancel; deadline     RELEASED  the status says which
 *   OPEN      END_STREAM from the server               ENDED     status from the trailers
 *             while still sending                                at once; RST_STREAM
 *                                                                (NO_ERROR) stops the rest
 *   OPEN      cancel, deadline, bad reply              ENDED     RST_STREAM(CANCEL)
 *   OPEN      the stream closes                        RELEASED  status from trailers, or
 *                                                                from the reset or HTTP
 *   OPEN      refused unprocessed (REFUSED_STREAM)     NEW       sent again once
 *                                                                (transparent retry)
 *   OPEN      Trailers-Only answer its retry policy    OPEN      RST_STREAM(NO_ERROR) if
 *             retries (retry.c)                                  still sending; then:
 *   OPEN      ... the stream closes                    WAITING   on the client's retry
 *                                                                queue for the backoff
 *   OPEN      the connection fails, the policy         WAITING   the same
 *             retries UNAVAILABLE, nothing committed
 *   WAITING   (retry queue) the backoff is over        NEW       to the load balancer
 *   OPEN      the connection fails                     RELEASED  UNAVAILABLE
 *   ENDED     the stream closes, or the connection     RELEASED
 *             fails
 *
 * The outcome (done, status, message) is decided once, on the I/O thread,
 * under the client's mutex, and wakes every waiter; from then on sends fail
 * with TRPC_ECLOSED.  The status comes as soon as it is known: a server
 * that ends the call (trailers with END_STREAM) while the client still
 * sends completes it at once, whether or not it also resets the stream
 * (grpc-js does not), and the client resets its side so the stream is
 * released.
 *
 * Back-pressure.  Requests are framed into the stream's buffer by the
 * sending thread; the data provider hands them to nghttp2 as the server's
 * window allows.  A sender off the I/O thread waits while send_high_water
 * or more is unsent; on the I/O thread a send past max_send_buffer fails
 * with TRPC_EFULL.  The drain request runs on the I/O thread once the
 * unsent bytes are down to half of send_high_water.  Receiving: DATA is
 * given back to flow control as it arrives while less than recv_buffer of
 * unread replies waits in the stream; beyond, as the application takes
 * them, so a slow reader holds the server back.
 *
 * Transparent retry: the request bytes stay in the buffer after they are
 * sent (up to RETAIN_MAX) until the response headers arrive, so a stream
 * the server refused unprocessed (REFUSED_STREAM, e.g. above a GOAWAY's
 * last stream id) can be sent again, once, on another connection.  The
 * same bytes serve retries by policy (gRPC's A6, decided by retry.c): an
 * attempt that ends before response headers (Trailers-Only, or its
 * connection lost) is not committed, and may be sent again after a
 * backoff, to whatever address the load balancer picks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/thread.h"
#include "h2/timer.h"
#include "client/retry.h"
#include "client/stream.h"

#define RETAIN_MAX (256u * 1024u)

/* ---- the client ----------------------------------------------------------------- */

int trpc__client_init(trpc__client *cl, struct event_base *base, event_callback_fn wake,
                      void *arg)
{
    cl->ev = base;
    cl->all = NULL;
    cl->stopping = false;
    if (pthread_mutex_init(&cl->mu, NULL) != 0) {
        return -1;
    }
    if (trpc__h2loop_init(&cl->loop, base) != 0 || trpc__opq_init(&cl->opq, base, wake, arg) != 0) {
        trpc__h2loop_fini(&cl->loop);
        pthread_mutex_destroy(&cl->mu);
        return -1;
    }
    return 0;
}

void trpc__client_fini(trpc__client *cl)
{
    trpc__opq_fini(&cl->opq);
    trpc__h2loop_fini(&cl->loop);
    pthread_mutex_destroy(&cl->mu);
}

/* ---- references ------------------------------------------------------------------------ */

void trpc__stream_free(trpc_stream *s)
{
    for (trpc__rmsg *m = s->qhead, *n; m; m = n) {
        n = m->next;
        free(m);
    }
    trpc__buf_free(&s->out);
    trpc__buf_free(&s->fr.body);
    trpc__buf_free(&s->zbuf);
    trpc__buf_free(&s->nvbuf);
    trpc__md_fini(&s->hdrs);
    trpc__md_fini(&s->trls);
    trpc__md_fini(&s->sendmd);
    free(s->nva);
    free(s->message);
    free(s->refused_msg);
    free(s->grpc_message);
    if (s->dl_ev) {
        event_free(s->dl_ev);
    }
    if (s->retry_ev) {
        event_free(s->retry_ev);
    }
    pthread_cond_destroy(&s->cv);
    free(s);
}

void trpc__stream_unref(trpc_stream *s)
{
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    int n = --s->refs;
    pthread_mutex_unlock(&cl->mu);
    if (n == 0) {
        trpc__stream_free(s);
    }
}

void trpc__stream_post(trpc_stream *s, unsigned ops)
{
    if (trpc__opq_post(&s->cl->opq, &s->op, ops)) {
        s->refs++; /* the queue's */
    }
}

/* The token of s was cancelled (any thread; the token's mutex held).  s
 * has begun (it registers in trpc__stream_begin()) and is not released
 * (release() unregisters it, waiting for this to return). */
static void token_cancelled(trpc__cancel_reg *r)
{
    trpc_stream *s = (trpc_stream *)((char *)r - offsetof(trpc_stream, creg));
    pthread_mutex_lock(&s->cl->mu);
    if (!s->done) {
        trpc__stream_post(s, TRPC__SOP_CANCEL);
    }
    pthread_mutex_unlock(&s->cl->mu);
}

void trpc__stream_launch(trpc_stream *s)
{
    if (s->opts.cancel) {
        /* Held from here, registered by the start op (on the I/O thread,
         * so no cancel op can come before the start), dropped on release. */
        trpc__cancel_hold(s->opts.cancel);
    }
    pthread_mutex_lock(&s->cl->mu);
    trpc__stream_post(s, TRPC__SOP_START);
    pthread_mutex_unlock(&s->cl->mu);
}

/* ---- making one -------------------------------------------------------------------------- */

#define NVS(n, v) (nghttp2_nv){ (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE }

static trpc_error stream_new(trpc_stream **out, trpc__client *cl, const trpc_method *m,
                             const trpc_call_opts *opts, bool internal)
{
    if (!m || !m->path || !m->input || !m->output ||
        (unsigned)opts->compression > TRPC_COMPRESS_GZIP) {
        return TRPC_EINVAL;
    }
    trpc_stream *s = calloc(1, sizeof *s);
    if (!s) {
        return TRPC_ENOMEM;
    }
    s->base = s;
    s->cl = cl;
    s->m = m;
    s->opts = *opts;
    s->internal = internal;
    s->send_enc = trpc__enc_of(opts->compression != TRPC_COMPRESS_DEFAULT ? opts->compression
                                                                          : cl->o.compression);
    if (trpc__cond_init(&s->cv) != 0) {
        free(s);
        return TRPC_ENOMEM;
    }
    trpc__md_init(&s->hdrs);
    trpc__md_init(&s->trls);
    trpc__md_init(&s->sendmd);
    if (trpc__md_append(&s->sendmd, s->opts.metadata) != TRPC_OK) {
        trpc__stream_free(s);
        return TRPC_ENOMEM;
    }
    s->pushback = -1;
    s->deadline = INT64_MAX;
    if (s->opts.timeout_ms > 0) {
        s->deadline = trpc_now_ms() + s->opts.timeout_ms;
    }
    if (s->opts.deadline > 0 && s->opts.deadline < s->deadline) {
        s->deadline = s->opts.deadline;
    }
    /* The interceptors' on_start, in order: they may add to the request
     * metadata; a refusal ends the call at its start op (stream_begin), so
     * it completes as every call does, with nothing sent. */
    for (size_t i = 0; i < cl->nicpt && !internal; i++) {
        const trpc_client_interceptor *ic = &cl->icpt[i];
        if (!ic->on_start) {
            continue;
        }
        const char *msg = NULL;
        trpc_status st = ic->on_start(m, &s->sendmd, s->deadline, &msg, ic->user);
        if (st != TRPC_STATUS_OK) {
            bool valid = trpc_status_valid(st);
            s->refused = valid ? st : TRPC_STATUS_INTERNAL;
            s->refused_msg = strdup(valid ? (msg ? msg : "") : "an interceptor returned a status "
                                                               "that is not a gRPC status");
            break;
        }
    }
    size_t cap = 10 + trpc_metadata_count(&s->sendmd);
    s->nva = malloc(cap * sizeof *s->nva);
    if (!s->nva) {
        trpc__stream_free(s);
        return TRPC_ENOMEM;
    }
    s->nva[s->nnv++] = NVS(":method", "POST");
    s->nva[s->nnv++] = NVS(":scheme", cl->o.tls ? "https" : "http");
    s->nva[s->nnv++] = NVS(":path", m->path);
    s->nva[s->nnv++] = NVS(":authority", cl->authority);
    s->nva[s->nnv++] = NVS("content-type", "application/grpc");
    s->nva[s->nnv++] = NVS("te", "trailers");
    s->nva[s->nnv++] = NVS("user-agent", TRPC__USER_AGENT);
    s->nva[s->nnv++] = NVS("grpc-accept-encoding", TRPC__ACCEPT_ENCODING);
    if (s->send_enc != TRPC__ENC_IDENTITY) {
        /* Sent without knowing what the server accepts, as gRPC clients
         * do: one that does not support it answers UNIMPLEMENTED. */
        s->nva[s->nnv++] = NVS("grpc-encoding", trpc__enc_name(s->send_enc));
    }
    if (trpc__md_to_nv(&s->sendmd, s->nva, &s->nnv, &s->nvbuf) != TRPC_OK) {
        trpc__stream_free(s);
        return TRPC_ENOMEM;
    }
    s->nnv_base = s->nnv;
    s->retain = true;
    s->refs = internal ? 1 : 2; /* the application's and the I/O thread's */
    s->state = TRPC__STREAM_NEW;
    *out = s;
    return TRPC_OK;
}

trpc_error trpc__stream_new(trpc_stream **out, trpc__client *cl, const trpc_method *m,
                            const trpc_call_opts *opts)
{
    return stream_new(out, cl, m, opts, false);
}

trpc_error trpc__stream_new_internal(trpc_stream **out, trpc__client *cl, const trpc_method *m,
                                     const trpc_call_opts *opts)
{
    return stream_new(out, cl, m, opts, true);
}

/* ---- the outcome ------------------------------------------------------------------------ */

static void async_unary_done(trpc_stream *s)
{
    /* Decoded here, on the I/O thread: the result goes to the callback. */
    trpc_unary_result r = { s->status, s->message, NULL, &s->hdrs, &s->trls };
    if (r.status == TRPC_STATUS_OK) {
        if (!s->qhead || s->qhead->next) {
            r.status = TRPC_STATUS_INTERNAL;
            r.message = s->qhead ? "more than one reply message for a unary call"
                                 : "no reply message for a unary call";
        } else {
            r.reply = protobuf_c_message_unpack(s->m->output, s->opts.allocator,
                                                s->qhead->len, s->qhead->data);
            if (!r.reply) {
                r.status = TRPC_STATUS_INTERNAL;
                r.message = "could not decode the reply message";
            }
        }
    }
    trpc_unary_done cb = s->unary_cb;
    s->unary_cb = NULL;
    cb(&r, s->unary_fn, s->unary_user);
}

/* Records the outcome (once), wakes the waiters, runs the async callback. */
static void complete(trpc_stream *s, trpc_status st, const char *msg)
{
    trpc__client *cl = s->cl;
    bool lost = false; /* out of memory: part of the outcome is missing */
    if (s->async && !s->done) {
        /* Fill the out-metadata before done is visible: trpc_stream_finish()
         * on another thread may run as soon as it is. */
        lost |= trpc__md_append(s->opts.headers, &s->hdrs) != TRPC_OK;
        lost |= trpc__md_append(s->opts.trailers, &s->trls) != TRPC_OK;
        s->opts.headers = s->opts.trailers = NULL;
    }
    pthread_mutex_lock(&cl->mu);
    if (s->done || s->completing) {
        pthread_mutex_unlock(&cl->mu);
        return;
    }
    s->completing = true;
    pthread_mutex_unlock(&cl->mu);
    char *copy = msg && *msg ? strdup(msg) : NULL;
    if ((msg && *msg && !copy) || lost || s->msg_lost) {
        /* A call must not look complete with part of its outcome (the
         * status message, metadata) lost to a failed allocation. */
        st = TRPC_STATUS_RESOURCE_EXHAUSTED;
        if (!copy) {
            msg = NULL;
        }
    }
    /* The interceptors hear of the outcome before the caller does (a
     * blocking call returns after them), and outside the lock: they may
     * start calls of their own. */
    for (size_t i = 0; i < cl->nicpt && !s->internal; i++) {
        if (cl->icpt[i].on_done) {
            cl->icpt[i].on_done(s->m, st, msg && *msg ? msg : NULL, cl->icpt[i].user);
        }
    }
    pthread_mutex_lock(&cl->mu);
    s->done = true;
    s->headers_ready = true;
    s->status = st;
    s->message = copy;
    s->drain_fn = NULL;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&cl->mu);
    if (s->dl_ev) {
        evtimer_del(s->dl_ev);
    }
    if (s->async) {
        s->h.on_status(s, st, s->message, s->h.status_fn, s->h_user);
    } else if (s->unary_cb) {
        async_unary_done(s);
    }
}

static void completef(trpc_stream *s, trpc_status st, const char *fmt, ...) TRPC_PRINTF(3, 4);
static void completef(trpc_stream *s, trpc_status st, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    complete(s, st, buf);
}

/* The status of a response that ended without a reset: its trailers'
 * grpc-status, or what HTTP says when there is none. */
static void complete_from_response(trpc_stream *s)
{
    if (s->have_status) {
        complete(s, s->grpc_status, s->grpc_message);
    } else if (s->http_status != 200) {
        completef(s, trpc__http_to_grpc(s->http_status), "HTTP status %d without grpc-status",
                  s->http_status);
    } else if (!s->ct_ok) {
        complete(s, TRPC_STATUS_UNKNOWN, "response is not application/grpc");
    } else {
        complete(s, TRPC_STATUS_UNKNOWN, "response ended without grpc-status");
    }
}

/* The I/O thread is done with s. */
static void release(trpc_stream *s)
{
    trpc__client *cl = s->cl;
    if (s->state == TRPC__STREAM_RELEASED) {
        return;
    }
    s->state = TRPC__STREAM_RELEASED;
    s->h2 = NULL;
    if (s->dl_ev) {
        evtimer_del(s->dl_ev);
    }
    if (s->retry_ev) {
        evtimer_del(s->retry_ev);
    }
    if (s->aprev) {
        s->aprev->anext = s->anext;
    } else if (cl->all == s) {
        cl->all = s->anext;
    }
    if (s->anext) {
        s->anext->aprev = s->aprev;
    }
    s->anext = s->aprev = NULL;
    /* s->opts is not written here: the caller's thread reads it until the
     * call is finished (trpc_stream_finish_unary), and the RELEASED state
     * above already keeps the token from being dropped twice. */
    if (s->opts.cancel) {
        trpc__cancel_unregister(&s->creg); /* waits for a callback running */
        trpc__cancel_drop(s->opts.cancel);
    }
    trpc__stream_unref(s);
    cl->released(cl);
}

/* ---- waiting for a connection ---------------------------------------------------------- */

void trpc__stream_wait(trpc_stream *s, trpc__stream_queue *q)
{
    s->state = TRPC__STREAM_WAITING;
    s->waitq = q;
    s->qnext = NULL;
    if (q->tail) {
        q->tail->qnext = s;
    } else {
        q->head = s;
    }
    q->tail = s;
}

trpc_stream *trpc__stream_unqueue(trpc__stream_queue *q)
{
    trpc_stream *s = q->head;
    if (s) {
        q->head = s->qnext;
        if (!q->head) {
            q->tail = NULL;
        }
        s->qnext = NULL;
        s->waitq = NULL;
        s->state = TRPC__STREAM_NEW;
    }
    return s;
}

static void leave_queue(trpc_stream *s)
{
    trpc__stream_queue *q = s->waitq;
    trpc_stream *prev = NULL;
    for (trpc_stream *x = q->head; x; prev = x, x = x->qnext) {
        if (x == s) {
            if (prev) {
                prev->qnext = s->qnext;
            } else {
                q->head = s->qnext;
            }
            if (q->tail == s) {
                q->tail = prev;
            }
            break;
        }
    }
    s->qnext = NULL;
    s->waitq = NULL;
}

/* ---- ending from this side --------------------------------------------------------------- */

void trpc__stream_abort(trpc_stream *s, trpc_status st, const char *msg)
{
    complete(s, st, msg);
    switch (s->state) {
    case TRPC__STREAM_OPEN:
        nghttp2_submit_rst_stream(s->h2->ng, NGHTTP2_FLAG_NONE, s->sid, NGHTTP2_CANCEL);
        trpc__h2_mark(s->h2);
        s->state = TRPC__STREAM_ENDED;
        break;
    case TRPC__STREAM_WAITING:
        leave_queue(s);
        release(s);
        break;
    case TRPC__STREAM_NEW:
        release(s);
        break;
    case TRPC__STREAM_ENDED:
    case TRPC__STREAM_RELEASED:
        break;
    }
}

void trpc__stream_fail(trpc_stream *s, trpc_status st, const char *msg)
{
    complete(s, st, msg);
    if (s->state == TRPC__STREAM_WAITING) {
        leave_queue(s);
    }
    release(s);
}

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__stream_abort(arg, TRPC_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded");
}

bool trpc__stream_begin(trpc_stream *s)
{
    trpc__client *cl = s->cl;
    s->anext = cl->all;
    if (cl->all) {
        cl->all->aprev = s;
    }
    cl->all = s;
    if (cl->stopping) {
        trpc__stream_abort(s, TRPC_STATUS_CANCELLED, "channel closed");
        return false;
    }
    if (s->refused != TRPC_STATUS_OK) {
        trpc__stream_abort(s, s->refused, s->refused_msg);
        return false;
    }
    if (s->opts.cancel) {
        s->creg.fn = token_cancelled;
        if (!trpc__cancel_register(s->opts.cancel, &s->creg)) {
            /* cancelled before the call could start: no connection */
            trpc__stream_abort(s, TRPC_STATUS_CANCELLED, "Cancelled");
            return false;
        }
    }
    if (s->deadline != INT64_MAX) {
        if (s->deadline <= trpc_now_ms()) {
            trpc__stream_abort(s, TRPC_STATUS_DEADLINE_EXCEEDED, "Deadline Exceeded");
            return false;
        }
        s->dl_ev = evtimer_new(cl->ev, deadline_cb, s);
        if (s->dl_ev) {
            trpc__timer_at(s->dl_ev, s->deadline);
        }
    }
    return true;
}

/* ---- sending ---------------------------------------------------------------------------- */

static ssize_t data_read_cb(nghttp2_session *ng, int32_t sid, uint8_t *buf, size_t len,
                            uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    (void)ng;
    (void)sid;
    (void)ud;
    trpc_stream *s = src->ptr;
    trpc__client *cl = s->cl;
    size_t high = cl->o.send_high_water;
    pthread_mutex_lock(&cl->mu);
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
                trpc__buf_reset(&s->out, 64u * 1024u);
            }
        }
    }
    size_t left = avail - n;
    if (avail >= high && left < high) {
        pthread_cond_broadcast(&s->cv); /* a sender may wait for room */
    }
    if (s->drain_fn && avail > high / 2 && left <= high / 2) {
        trpc__stream_post(s, TRPC__SOP_DRAIN);
    }
    bool eof = left == 0 && s->send_closed;
    pthread_mutex_unlock(&cl->mu);
    if (eof) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return (ssize_t)n;
    }
    return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
}

bool trpc__stream_submit(trpc_stream *s, trpc__h2conn *h2)
{
    s->nnv = s->nnv_base;
    if (s->deadline != INT64_MAX) {
        size_t n = trpc__timeout_format(s->deadline - trpc_now_ms(), s->timeout_val);
        s->nva[s->nnv++] = (nghttp2_nv){ (uint8_t *)"grpc-timeout", (uint8_t *)s->timeout_val,
                                         12, n, NGHTTP2_NV_FLAG_NONE };
    }
    nghttp2_data_provider prd = { .source.ptr = s, .read_callback = data_read_cb };
    /* nva stays (pointing into sendmd and nvbuf) for a transparent retry. */
    int32_t sid = nghttp2_submit_request(h2->ng, NULL, s->nva, s->nnv, &prd, s);
    if (sid < 0) {
        completef(s, TRPC_STATUS_UNAVAILABLE, "cannot start a stream: %s", nghttp2_strerror(sid));
        release(s);
        return false;
    }
    s->sid = sid;
    s->h2 = h2;
    s->state = TRPC__STREAM_OPEN;
    trpc__h2_mark(h2);
    return true;
}

/* ---- receiving ---------------------------------------------------------------------------- */

/* At most this many informational (1xx) responses before the real one:
 * gRPC servers send none; more is a peer stalling the call. */
#define MAX_INFORMATIONAL 8

void trpc__stream_on_begin_headers(trpc_stream *s)
{
    s->hblock_bytes = 0;
    s->hblock_info = false;
}

/* Memory bounds: every block is counted as RFC 7541 counts a header list
 * (name, value, 32 bytes each); the block that passes the channel's limit
 * ends the call RESOURCE_EXHAUSTED, as gRPC's clients do, and nghttp2
 * skips the rest of it (an HPACK bomb costs neither memory nor time).
 * Informational blocks are ignored, and too many end the call. */
static int header_bounds(trpc_stream *s, const uint8_t *name, size_t namelen,
                         const uint8_t *value, size_t valuelen)
{
    uint32_t max = s->cl->o.max_header_list_size;
    s->hblock_bytes += namelen + valuelen + 32;
    if (s->hblock_bytes > max) {
        if (!s->done) {
            char buf[96];
            snprintf(buf, sizeof buf, "response headers larger than %u bytes", (unsigned)max);
            trpc__stream_abort(s, TRPC_STATUS_RESOURCE_EXHAUSTED, buf);
        }
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    if (trpc__is(name, namelen, ":status") && valuelen == 3 && value[0] == '1') {
        s->hblock_info = true;
        if (++s->ninfo > MAX_INFORMATIONAL) {
            if (!s->done) {
                trpc__stream_abort(s, TRPC_STATUS_INTERNAL,
                                   "too many informational (1xx) responses");
            }
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
    }
    return 0;
}

int trpc__stream_on_header(trpc_stream *s, const nghttp2_frame *frame, const uint8_t *name,
                           size_t namelen, const uint8_t *value, size_t valuelen)
{
    int rv = header_bounds(s, name, namelen, value, valuelen);
    if (rv != 0 || s->hblock_info) {
        return rv;
    }
    if (s->done) {
        return 0; /* ended here already: finish may be reading the metadata */
    }
    bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (trpc__is(name, namelen, ":status")) {
        int v = 0;
        for (size_t i = 0; i < valuelen && i < 3; i++) {
            v = v * 10 + (value[i] - '0');
        }
        s->http_status = v;
    } else if (trpc__is(name, namelen, "content-type")) {
        s->ct_ok = trpc__is_grpc_content_type(value, valuelen);
    } else if (trpc__is(name, namelen, "grpc-status")) {
        s->have_status = true;
        s->grpc_status = trpc__status_parse(value, valuelen);
    } else if (trpc__is(name, namelen, "grpc-message")) {
        free(s->grpc_message);
        s->grpc_message = trpc__pct_decode(value, valuelen);
        s->msg_lost = !s->grpc_message; /* out of memory */
    } else if (trpc__is(name, namelen, "grpc-retry-pushback-ms")) {
        /* A6: a non-negative integer is the wait before a retry; anything
         * else means "do not retry" */
        int64_t v = valuelen && valuelen <= 9 ? 0 : -2;
        for (size_t i = 0; i < valuelen && v >= 0; i++) {
            v = value[i] >= '0' && value[i] <= '9' ? v * 10 + (value[i] - '0') : -2;
        }
        s->pushback = v;
        trpc__md_add_wire(&s->trls, name, namelen, value, valuelen);
    } else if (trpc__is(name, namelen, "grpc-encoding")) {
        size_t n = valuelen < sizeof s->renc - 1 ? valuelen : sizeof s->renc - 1;
        memcpy(s->renc, value, n);
        s->renc[n] = 0;
    } else if (!trpc__md_reserved((const char *)name, namelen)) {
        bool trailer = end || frame->headers.cat == NGHTTP2_HCAT_HEADERS;
        trpc__md_add_wire(trailer ? &s->trls : &s->hdrs, name, namelen, value, valuelen);
    }
    return 0;
}

/* A Trailers-Only answer ended the attempt on the wire: if the call's
 * retry policy wants another attempt (and the request is still all here),
 * marks s for it (trpc__stream_retry() does it when the wire stream
 * closes, which our RST_STREAM hastens) and returns true; otherwise drops
 * the kept request. */
static bool policy_retry(trpc_stream *s)
{
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    bool kept = s->retain;
    pthread_mutex_unlock(&cl->mu);
    int64_t delay = kept && !cl->stopping && !s->done ? trpc__retry_delay(cl, s) : -1;
    if (delay < 0) {
        pthread_mutex_lock(&cl->mu);
        if (s->retain) {
            s->retain = false;
            s->out.off += s->wire_off;
            s->wire_off = 0;
        }
        pthread_mutex_unlock(&cl->mu);
        return false;
    }
    s->policy_retry = true;
    s->retry_delay = delay;
    if (!nghttp2_session_get_stream_local_close(s->h2->ng, s->sid)) {
        nghttp2_submit_rst_stream(s->h2->ng, NGHTTP2_FLAG_NONE, s->sid, NGHTTP2_NO_ERROR);
        trpc__h2_mark(s->h2);
    }
    return true;
}

void trpc__stream_on_frame(trpc_stream *s, const nghttp2_frame *frame)
{
    trpc__client *cl = s->cl;
    bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (frame->hd.type == NGHTTP2_HEADERS && s->hblock_info) {
        return; /* an informational (1xx) response: the real one follows */
    }
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_RESPONSE) {
        s->saw_headers = !end;
        pthread_mutex_lock(&cl->mu);
        /* Response headers commit the call (A6): nothing to retry any
         * more.  A Trailers-Only answer (end) may still be retried by
         * policy: decided below. */
        if (s->retain && !end) {
            s->retain = false;
            s->out.off += s->wire_off;
            s->wire_off = 0;
        }
        if (s->saw_headers) {
            s->headers_ready = true;
            pthread_cond_broadcast(&s->cv);
        }
        pthread_mutex_unlock(&cl->mu);
    }
    if (!end || s->state != TRPC__STREAM_OPEN) {
        return;
    }
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_RESPONSE &&
        policy_retry(s)) {
        return; /* the attempt is over; its stream's close retries it */
    }
    if (s->have_status && s->grpc_status == TRPC_STATUS_OK) {
        trpc__retry_success(cl);
    }
    /* The server ended the call: its status stands now.  If this side is
     * still open (the client has not half-closed, or its requests are not
     * all out), nghttp2 would keep the stream open waiting for us; reset
     * our side so it is released (RFC 9113 8.1: the response is complete). */
    complete_from_response(s);
    if (!nghttp2_session_get_stream_local_close(s->h2->ng, s->sid)) {
        nghttp2_submit_rst_stream(s->h2->ng, NGHTTP2_FLAG_NONE, s->sid, NGHTTP2_NO_ERROR);
        trpc__h2_mark(s->h2);
    }
    s->state = TRPC__STREAM_ENDED;
}

/* The reply in s->fr.body has the compressed flag: inflates it into
 * s->zbuf per the response's grpc-encoding (*body and *len then point
 * there).  False if the call was ended for it (gRPC's doc/compression.md:
 * no or identity encoding is INTERNAL, one not supported UNIMPLEMENTED). */
static bool inflate_reply(trpc_stream *s, const uint8_t **body, size_t *len, size_t max)
{
    trpc__enc e = trpc__enc_parse((const uint8_t *)s->renc, strlen(s->renc));
    trpc_error rv = e == TRPC__ENC_IDENTITY ? TRPC_EINVAL
                    : e == TRPC__ENC_OTHER  ? TRPC_ENOENT
                                            : trpc__inflate(e, *body, *len, max, &s->zbuf);
    char buf[128];
    switch (rv) {
    case TRPC_OK:
        *body = s->zbuf.data ? s->zbuf.data : (const uint8_t *)"";
        *len = s->zbuf.len;
        return true;
    case TRPC_EINVAL:
        trpc__stream_abort(s, TRPC_STATUS_INTERNAL,
                           "compressed reply message without grpc-encoding");
        break;
    case TRPC_ENOENT:
        snprintf(buf, sizeof buf, "reply compression \"%s\" is not supported", s->renc);
        trpc__stream_abort(s, TRPC_STATUS_UNIMPLEMENTED, buf);
        break;
    case TRPC_ETOOBIG:
        snprintf(buf, sizeof buf, "received message larger than max when decompressed (max %zu)",
                 max);
        trpc__stream_abort(s, TRPC_STATUS_RESOURCE_EXHAUSTED, buf);
        break;
    case TRPC_EDECODE:
        snprintf(buf, sizeof buf, "cannot decompress a reply message (%s)", s->renc);
        trpc__stream_abort(s, TRPC_STATUS_INTERNAL, buf);
        break;
    default:
        trpc__stream_abort(s, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        break;
    }
    return false;
}

void trpc__stream_on_data(trpc_stream *s, const uint8_t *data, size_t len)
{
    nghttp2_session *ng = s->h2->ng;
    if (s->done) {
        nghttp2_session_consume(ng, s->sid, len);
        return;
    }
    /* A response that is not gRPC (a proxy's HTTP error page, say) carries
     * no length-prefixed messages: drop its body, and let the end of the
     * stream map the HTTP status to a gRPC status (PROTOCOL-HTTP2.md). */
    if (s->http_status != 200 || !s->ct_ok) {
        nghttp2_session_consume(ng, s->sid, len);
        return;
    }
    trpc__client *cl = s->cl;
    size_t max = cl->o.max_recv_message_size;
    pthread_mutex_lock(&cl->mu);
    bool hold = s->queued_bytes >= cl->o.recv_buffer && !s->discard && !s->async;
    pthread_mutex_unlock(&cl->mu);
    if (hold) {
        s->owed += len;
    } else {
        nghttp2_session_consume(ng, s->sid, len + s->owed);
        s->owed = 0;
    }
    while (len > 0 && !s->done) {
        trpc__frame_ev ev = trpc__framer_feed(&s->fr, &data, &len, max);
        if (ev == TRPC__FRAME_MESSAGE) {
            const uint8_t *body = s->fr.body.data ? s->fr.body.data : (const uint8_t *)"";
            size_t blen = s->fr.msg_len;
            bool compressed = s->fr.hdr[0] & 1;
            if (compressed && !inflate_reply(s, &body, &blen, max)) {
                break;
            }
            if (s->async) {
                ProtobufCMessage *msg = NULL;
                if (s->h.on_message) {
                    msg = protobuf_c_message_unpack(s->m->output, s->opts.allocator,
                                                    blen, body);
                    if (!msg) {
                        trpc__stream_abort(s, TRPC_STATUS_INTERNAL,
                                           trpc__bad_reply_msg(s->m));
                        break;
                    }
                }
                trpc__framer_next(&s->fr);
                if (msg) {
                    s->recv_compressed = compressed; /* on_message runs here */
                    s->h.on_message(s, msg, s->h.message_fn, s->h_user);
                }
                continue;
            }
            trpc__rmsg *m = malloc(sizeof *m + blen);
            if (!m) {
                trpc__stream_abort(s, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
                break;
            }
            m->next = NULL;
            m->len = blen;
            m->compressed = compressed;
            if (m->len) {
                memcpy(m->data, body, m->len);
            }
            trpc__framer_next(&s->fr);
            pthread_mutex_lock(&cl->mu);
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
            pthread_mutex_unlock(&cl->mu);
        } else if (ev == TRPC__FRAME_TOO_BIG) {
            char buf[96];
            snprintf(buf, sizeof buf, "received message larger than max (%u vs. %zu)",
                     (unsigned)s->fr.msg_len, max);
            trpc__stream_abort(s, TRPC_STATUS_RESOURCE_EXHAUSTED, buf);
        } else if (ev == TRPC__FRAME_NOMEM) {
            trpc__stream_abort(s, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        } else {
            break;
        }
    }
}

/* ---- the end of the wire stream ---------------------------------------------------------- */

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc_stream *s = arg;
    leave_queue(s);
    s->state = TRPC__STREAM_NEW;
    s->cl->restart(s->cl, s);
}

trpc__retry_kind trpc__stream_retry(trpc_stream *s, uint32_t err)
{
    bool policy = s->policy_retry;
    s->policy_retry = false;
    if (s->done || s->state != TRPC__STREAM_OPEN || s->cl->stopping || s->internal) {
        return TRPC__RETRY_NO;
    }
    if (!policy && (err != NGHTTP2_REFUSED_STREAM || s->have_status || s->retried)) {
        return TRPC__RETRY_NO;
    }
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    bool ok = s->retain;
    if (ok) {
        s->wire_off = 0; /* everything goes out again */
    }
    pthread_mutex_unlock(&cl->mu);
    if (!ok || (policy && !s->retry_ev && !(s->retry_ev = evtimer_new(cl->ev, retry_cb, s)))) {
        return TRPC__RETRY_NO; /* ends with the status the attempt had */
    }
    if (s->owed) {
        nghttp2_session_consume_connection(s->h2->ng, s->owed);
        s->owed = 0;
    }
    s->retried = s->retried || !policy;
    s->state = TRPC__STREAM_NEW;
    s->h2 = NULL;
    s->sid = 0;
    s->http_status = 0;
    s->ct_ok = s->saw_headers = s->have_status = false;
    s->ninfo = 0;
    s->pushback = -1;
    free(s->grpc_message);
    s->grpc_message = NULL;
    s->msg_lost = false;
    s->renc[0] = 0;
    trpc__framer_next(&s->fr);
    trpc_metadata_clear(&s->hdrs);
    trpc_metadata_clear(&s->trls);
    if (!policy) {
        return TRPC__RETRY_NOW;
    }
    /* waits (cancellable, with its deadline) on the client's queue */
    trpc__stream_wait(s, &cl->retry_wait);
    trpc__timer_in(s->retry_ev, s->retry_delay);
    return TRPC__RETRY_LATER;
}

bool trpc__stream_retry_lost(trpc_stream *s, trpc_status st)
{
    trpc__client *cl = s->cl;
    if (s->state != TRPC__STREAM_OPEN || s->done || cl->stopping || !cl->nretry || s->internal) {
        return false;
    }
    pthread_mutex_lock(&cl->mu);
    bool kept = s->retain; /* dropped when response headers came */
    pthread_mutex_unlock(&cl->mu);
    if (!kept) {
        return false;
    }
    /* decided as if the attempt had ended with st */
    s->have_status = true;
    s->grpc_status = st;
    int64_t delay = trpc__retry_delay(cl, s);
    s->have_status = false;
    if (delay < 0) {
        return false;
    }
    s->policy_retry = true;
    s->retry_delay = delay;
    return trpc__stream_retry(s, NGHTTP2_NO_ERROR) == TRPC__RETRY_LATER;
}

void trpc__stream_on_close(trpc_stream *s, uint32_t err)
{
    if (s->owed && s->h2) {
        nghttp2_session_consume_connection(s->h2->ng, s->owed);
        s->owed = 0;
    }
    if (s->state == TRPC__STREAM_OPEN) {
        if (s->have_status) {
            complete(s, s->grpc_status, s->grpc_message);
        } else if (err == NGHTTP2_REFUSED_STREAM) {
            complete(s, TRPC_STATUS_UNAVAILABLE, "stream refused by the server (GOAWAY)");
        } else if (err == NGHTTP2_CANCEL) {
            complete(s, TRPC_STATUS_CANCELLED, "stream cancelled by the server");
        } else if (err != NGHTTP2_NO_ERROR) {
            completef(s, TRPC_STATUS_INTERNAL, "stream reset by the server: %s",
                      nghttp2_http2_strerror(err));
        } else {
            complete_from_response(s);
        }
    }
    release(s);
}

/* ---- ops ------------------------------------------------------------------------------------ */

static void run_drain(trpc_stream *s)
{
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    trpc_stream_cb *fn = NULL;
    void *arg = NULL;
    if (s->drain_fn && !s->done &&
        trpc__buf_avail(&s->out) - s->wire_off <= cl->o.send_high_water / 2) {
        fn = s->drain_fn;
        arg = s->drain_arg;
        s->drain_fn = NULL;
    }
    pthread_mutex_unlock(&cl->mu);
    if (fn) {
        fn(s, arg);
    }
}

void trpc__stream_run_ops(trpc_stream *s, unsigned ops)
{
    bool open = s->state == TRPC__STREAM_OPEN;
    if ((ops & TRPC__SOP_SEND) && open) {
        nghttp2_session_resume_data(s->h2->ng, s->sid);
        trpc__h2_mark(s->h2);
    }
    if ((ops & TRPC__SOP_CONSUME) && open && s->owed) {
        nghttp2_session_consume(s->h2->ng, s->sid, s->owed);
        s->owed = 0;
        trpc__h2_mark(s->h2);
    }
    if (ops & TRPC__SOP_DRAIN) {
        run_drain(s);
    }
    if (ops & TRPC__SOP_CANCEL) {
        pthread_mutex_lock(&s->cl->mu);
        bool bad_reply = s->decode_failed;
        pthread_mutex_unlock(&s->cl->mu);
        if (bad_reply) {
            trpc__stream_abort(s, TRPC_STATUS_INTERNAL, trpc__bad_reply_msg(s->m));
        } else {
            trpc__stream_abort(s, TRPC_STATUS_CANCELLED, "Cancelled");
        }
    }
}
