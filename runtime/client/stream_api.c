/*
 * stream_api.c: the trpc_stream_* functions of typerpc/channel.h, what
 * application threads do with a client call: start it, send with
 * back-pressure, half-close, receive, cancel, finish.  They work on the
 * stream's shared state under the client's mutex and post ops for the I/O
 * thread (stream.c applies them).
 */
#include <stdlib.h>
#include <string.h>
#include "base/opts.h"
#include "base/thread.h"
#include "client/stream.h"

static bool on_io_thread(const trpc__client *cl)
{
    return pthread_equal(pthread_self(), cl->io_thread);
}

trpc_error trpc_stream_start(trpc_stream **out, trpc_channel *ch, const trpc_method *m,
                             const trpc_call_opts *opts)
{
    if (!out || !ch) {
        return TRPC_EINVAL;
    }
    trpc_call_opts o;
    if (TRPC__OPTS_READ(trpc_call_opts, &o, opts) != TRPC_OK) {
        return TRPC_EINVAL;
    }
    trpc_stream *s;
    /* A channel begins with its client part (client/stream.h). */
    trpc_error rv = trpc__stream_new(&s, (trpc__client *)ch, m, &o);
    if (rv) {
        return rv;
    }
    trpc__stream_launch(s);
    *out = s;
    return TRPC_OK;
}

trpc_error trpc_stream_start_async(trpc_stream **out, trpc_channel *ch, const trpc_method *m,
                                   const trpc_call_opts *opts, const trpc_stream_handlers *h,
                                   void *user)
{
    if (!out || !ch || !h || !h->on_status) {
        return TRPC_EINVAL;
    }
    trpc_call_opts o;
    if (TRPC__OPTS_READ(trpc_call_opts, &o, opts) != TRPC_OK) {
        return TRPC_EINVAL;
    }
    o.message = NULL; /* on_status gets the message */
    trpc_stream *s;
    trpc_error rv = trpc__stream_new(&s, (trpc__client *)ch, m, &o);
    if (rv) {
        return rv;
    }
    s->async = true;
    s->h = *h;
    s->h_user = user;
    *out = s;
    trpc__stream_launch(s);
    return TRPC_OK;
}

/* Queues msg (NULL: none) and, with close, the half-close. */
static trpc_error stream_send(trpc_stream *s, const ProtobufCMessage *msg, bool close)
{
    trpc__client *cl = s->cl;
    trpc_error rv = TRPC_OK;
    bool io = on_io_thread(cl);
    /* A compressed frame is made before taking the mutex (deflate takes a
     * while), then copied in. */
    trpc__buf zf = { 0 };
    if (msg && s->send_enc != TRPC__ENC_IDENTITY && !atomic_load(&s->send_plain)) {
        rv = trpc__buf_append_compressed(&zf, msg, s->send_enc);
        if (rv) {
            trpc__buf_free(&zf);
            return rv;
        }
    }
    size_t size = !msg ? 0 : zf.len ? zf.len : trpc__frame_size(msg);
    pthread_mutex_lock(&cl->mu);
    while (msg && !io && !s->done && !s->send_closed &&
           trpc__buf_avail(&s->out) - s->wire_off >= cl->o.send_high_water) {
        pthread_cond_wait(&s->cv, &cl->mu);
    }
    size_t unsent = trpc__buf_avail(&s->out) - s->wire_off;
    if (s->send_closed) {
        rv = TRPC_ESTATE;
    } else if (s->done) {
        rv = TRPC_ECLOSED;
    } else if (msg && io && unsent > 0 && unsent + size > cl->o.max_send_buffer) {
        rv = TRPC_EFULL;
    } else {
        if (msg) {
            rv = zf.len ? trpc__buf_append(&s->out, zf.data, zf.len)
                        : trpc__buf_append_message(&s->out, msg);
        }
        if (rv == TRPC_OK) {
            s->send_closed = close;
            trpc__stream_post(s, TRPC__SOP_SEND);
        }
    }
    pthread_mutex_unlock(&cl->mu);
    trpc__buf_free(&zf);
    return rv;
}

trpc_error trpc_stream_send(trpc_stream *s, const ProtobufCMessage *msg)
{
    if (!s || !msg || msg->descriptor != s->m->input) {
        return TRPC_EINVAL;
    }
    return stream_send(s, msg, false);
}

trpc_error trpc_stream_close_send(trpc_stream *s)
{
    if (!s) {
        return TRPC_EINVAL;
    }
    return stream_send(s, NULL, true);
}

bool trpc_stream_recv(trpc_stream *s, ProtobufCMessage **msg)
{
    if (!msg) {
        return false;
    }
    *msg = NULL;
    if (!s || s->async) {
        return false;
    }
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    while (!s->qhead && !s->done) {
        pthread_cond_wait(&s->cv, &cl->mu);
    }
    trpc__rmsg *m = s->qhead;
    if (m) {
        s->qhead = m->next;
        if (!s->qhead) {
            s->qtail = NULL;
        }
        bool was_held = s->queued_bytes >= cl->o.recv_buffer;
        s->queued_bytes -= m->len + 5;
        if (was_held && s->queued_bytes < cl->o.recv_buffer && !s->done) {
            trpc__stream_post(s, TRPC__SOP_CONSUME);
        }
    }
    pthread_mutex_unlock(&cl->mu);
    if (!m) {
        return false;
    }
    s->recv_compressed = m->compressed;
    *msg = protobuf_c_message_unpack(s->m->output, s->opts.allocator, m->len, m->data);
    free(m);
    if (!*msg) {
        /* The call is over for this side: cancel it, and let finish say why. */
        pthread_mutex_lock(&cl->mu);
        s->decode_failed = true;
        if (!s->done) {
            trpc__stream_post(s, TRPC__SOP_CANCEL);
        }
        pthread_mutex_unlock(&cl->mu);
        return false;
    }
    return true;
}

const trpc_metadata *trpc_stream_headers(trpc_stream *s)
{
    if (!s) {
        return NULL;
    }
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    while (!s->headers_ready) {
        pthread_cond_wait(&s->cv, &cl->mu);
    }
    bool have = s->saw_headers;
    pthread_mutex_unlock(&cl->mu);
    return have ? &s->hdrs : NULL;
}

void trpc_stream_cancel(trpc_stream *s)
{
    if (!s) {
        return;
    }
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    if (!s->done) {
        trpc__stream_post(s, TRPC__SOP_CANCEL);
    }
    pthread_mutex_unlock(&cl->mu);
}

trpc_status trpc_stream_finish(trpc_stream *s)
{
    if (!s) {
        return TRPC_STATUS_INVALID_ARGUMENT;
    }
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    /* Replies nobody will read: drop them, and the ones still to come, so
     * flow control does not stall the call. */
    s->discard = true;
    for (trpc__rmsg *m = s->qhead, *next; m; m = next) {
        next = m->next;
        free(m);
    }
    s->qhead = s->qtail = NULL;
    s->queued_bytes = 0;
    if (!s->done) {
        unsigned ops = TRPC__SOP_CONSUME;
        if (!s->send_closed) { /* finishing before half-closing: done sending */
            s->send_closed = true;
            ops |= TRPC__SOP_SEND;
        }
        trpc__stream_post(s, ops);
    }
    while (!s->done) {
        pthread_cond_wait(&s->cv, &cl->mu);
    }
    trpc_status st = s->status;
    bool bad_reply = s->decode_failed &&
                     (st == TRPC_STATUS_OK || st == TRPC_STATUS_CANCELLED);
    pthread_mutex_unlock(&cl->mu);
    const char *msg = s->message;
    if (bad_reply) {
        st = TRPC_STATUS_INTERNAL;
        msg = trpc__bad_reply_msg(s->m);
    }
    /* Out of memory copying what the caller asked for: the call must not
     * look complete with part of it missing (tests/failmalloc). */
    bool lost = false;
    if (s->opts.message) {
        *s->opts.message = msg ? strdup(msg) : NULL;
        lost = msg && !*s->opts.message;
    }
    lost |= trpc__md_append(s->opts.headers, &s->hdrs) != TRPC_OK;
    lost |= trpc__md_append(s->opts.trailers, &s->trls) != TRPC_OK;
    trpc__stream_unref(s);
    return lost ? TRPC_STATUS_RESOURCE_EXHAUSTED : st;
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
    /* What is needed after trpc_stream_finish() frees s; read now, on the
     * caller's thread, which owns these two fields. */
    char **message = s->opts.message;
    ProtobufCAllocator *allocator = s->opts.allocator;
    stream_send(s, NULL, true);
    ProtobufCMessage *first = NULL, *extra = NULL;
    if (trpc_stream_recv(s, &first)) {
        trpc_stream_recv(s, &extra);
    }
    trpc_status st = trpc_stream_finish(s);
    if (st == TRPC_STATUS_OK && (!first || extra)) {
        st = TRPC_STATUS_INTERNAL;
        if (message) {
            free(*message);
            *message = strdup(first ? "more than one reply message for a unary call"
                              : "no reply message for a unary call");
        }
    }
    if (extra) {
        protobuf_c_message_free_unpacked(extra, allocator);
    }
    if (st != TRPC_STATUS_OK) {
        if (first) {
            protobuf_c_message_free_unpacked(first, allocator);
        }
        return st;
    }
    *reply = first;
    return st;
}

size_t trpc_stream_send_buffered(const trpc_stream *s)
{
    if (!s) {
        return 0;
    }
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    size_t n = trpc__buf_avail(&s->out) - s->wire_off;
    pthread_mutex_unlock(&cl->mu);
    return n;
}

bool trpc_stream_is_writable(const trpc_stream *s)
{
    if (!s) {
        return false;
    }
    trpc__client *cl = s->cl;
    pthread_mutex_lock(&cl->mu);
    bool ok = !s->done && !s->send_closed &&
              trpc__buf_avail(&s->out) - s->wire_off < cl->o.send_high_water;
    pthread_mutex_unlock(&cl->mu);
    return ok;
}

trpc_error trpc_stream_on_drain(trpc_stream *s, trpc_stream_cb *fn, void *arg)
{
    if (!s || !fn) {
        return TRPC_EINVAL;
    }
    trpc__client *cl = s->cl;
    trpc_error rv = TRPC_OK;
    pthread_mutex_lock(&cl->mu);
    if (s->done) {
        rv = TRPC_ECLOSED;
    } else {
        s->drain_fn = fn;
        s->drain_arg = arg;
        if (trpc__buf_avail(&s->out) - s->wire_off <= cl->o.send_high_water / 2) {
            trpc__stream_post(s, TRPC__SOP_DRAIN);
        }
    }
    pthread_mutex_unlock(&cl->mu);
    return rv;
}

trpc_error trpc_stream_set_compression(trpc_stream *s, trpc_compression c)
{
    if (!s || (unsigned)c > TRPC_COMPRESS_GZIP) {
        return TRPC_EINVAL;
    }
    trpc__enc e = trpc__enc_of(c == TRPC_COMPRESS_DEFAULT ? s->cl->o.compression : c);
    if (e == TRPC__ENC_IDENTITY) {
        atomic_store(&s->send_plain, true);
        return TRPC_OK;
    }
    if (e != s->send_enc) {
        return TRPC_ESTATE; /* grpc-encoding went out with the request headers */
    }
    atomic_store(&s->send_plain, false);
    return TRPC_OK;
}

bool trpc_stream_message_compressed(const trpc_stream *s)
{
    return s && s->recv_compressed;
}
