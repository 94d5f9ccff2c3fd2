/*
 * call_api.c: what the application sees of a server call (the "inside a
 * call" part of typerpc/server.h): its arena, its request's facts, the
 * hold, headers, trailers and status message, writing with back-pressure,
 * finishing from any thread, and timers.  Thread rules are the header's;
 * what crosses threads goes through the call's mutex or atomics, and what
 * must happen on the worker is handed to call.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "base/thread.h"
#include "base/tls.h"
#include "h2/timer.h"
#include "server/call.h"
#include "server/output.h"

ProtobufCAllocator *trpc_call_allocator(trpc_call *call) { return &call->arena.pa; }

void *trpc_call_alloc(trpc_call *call, size_t n) { return trpc__arena_alloc(&call->arena, n); }

char *trpc_call_strdup(trpc_call *call, const char *s)
{
    if (!s) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *p = trpc__arena_alloc(&call->arena, n);
    if (p) {
        memcpy(p, s, n);
    }
    return p;
}

const char *trpc_call_path(const trpc_call *call)
{
    return call->path.len ? (const char *)call->path.data : "";
}

const char *trpc_call_peer(const trpc_call *call) { return call->peer; }

const trpc_peer_identity *trpc_call_peer_identity(const trpc_call *call)
{
    return call && call->ident ? &call->ident->pub : NULL;
}
const trpc_metadata *trpc_call_metadata(const trpc_call *call) { return &call->md; }
int64_t trpc_call_deadline(const trpc_call *call) { return call->deadline; }
bool trpc_call_is_cancelled(const trpc_call *call) { return atomic_load(&call->cancelled); }

trpc_status trpc_call_status(const trpc_call *call)
{
    return (trpc_status)atomic_load(&call->final);
}

void trpc_call_set_data(trpc_call *call, void *data) { call->data = data; }
void *trpc_call_data(const trpc_call *call) { return call->data; }

trpc_error trpc_call_hold(trpc_call *call)
{
    if (!call) {
        return TRPC_EINVAL;
    }
    pthread_mutex_lock(&call->mu);
    trpc_error rv = call->app_finished ? TRPC_ESTATE : TRPC_OK;
    if (rv == TRPC_OK) {
        call->hold = true;
    }
    pthread_mutex_unlock(&call->mu);
    return rv;
}

trpc_error trpc_call_add_header(trpc_call *call, const char *key, const void *value,
                                size_t len)
{
    if (!call) {
        return TRPC_EINVAL;
    }
    pthread_mutex_lock(&call->mu);
    bool frozen = call->hdrs_frozen || call->app_finished || atomic_load(&call->ended);
    pthread_mutex_unlock(&call->mu);
    if (frozen) {
        return TRPC_ESTATE;
    }
    return trpc_metadata_add(&call->hdrs, key, value, len);
}

trpc_error trpc_call_set_compression(trpc_call *call, trpc_compression c)
{
    if (!call || (unsigned)c > TRPC_COMPRESS_GZIP) {
        return TRPC_EINVAL;
    }
    trpc__enc e = trpc__enc_of(c == TRPC_COMPRESS_DEFAULT ? call->env->lim->compression : c);
    trpc_error rv = TRPC_OK;
    pthread_mutex_lock(&call->mu);
    /* Only toward a client that accepts it (its grpc-accept-encoding). */
    if (!(call->accept & TRPC__ENC_BIT(e))) {
        e = TRPC__ENC_IDENTITY;
    }
    if (call->app_finished || atomic_load(&call->ended)) {
        rv = TRPC_ESTATE;
    } else if (!call->hdrs_frozen) {
        call->send_enc = e;
        call->send_plain = false;
    } else if (e == TRPC__ENC_IDENTITY) {
        /* grpc-encoding is out: per message, the flag may still say "not
         * compressed" (gRPC's doc/compression.md). */
        call->send_plain = true;
    } else if (e == call->send_enc) {
        call->send_plain = false;
    } else {
        rv = TRPC_ESTATE; /* another algorithm than the headers named */
    }
    pthread_mutex_unlock(&call->mu);
    return rv;
}

bool trpc_call_message_compressed(const trpc_call *call)
{
    return call && call->msg_compressed;
}

trpc_error trpc_call_add_trailer(trpc_call *call, const char *key, const void *value,
                                 size_t len)
{
    if (!call) {
        return TRPC_EINVAL;
    }
    pthread_mutex_lock(&call->mu);
    bool closed = call->app_finished || atomic_load(&call->ended);
    pthread_mutex_unlock(&call->mu);
    if (closed) {
        return TRPC_ECLOSED;
    }
    return trpc_metadata_add(&call->trls, key, value, len);
}

trpc_status trpc_call_verror(trpc_call *call, trpc_status code, const char *fmt, va_list ap)
{
    if (!call || !fmt) {
        return code;
    }
    trpc__buf *b = &call->msg;
    b->len = b->off = 0;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n > 0) {
        if (trpc__buf_reserve(b, (size_t)n + 1) != TRPC_OK) {
            /* Not the status without its message: the client would take
             * the status as all there is to know. */
            return TRPC_STATUS_RESOURCE_EXHAUSTED;
        }
        vsnprintf((char *)b->data, (size_t)n + 1, fmt, ap);
        b->len = (size_t)n;
    }
    return code;
}

trpc_status trpc_call_error(trpc_call *call, trpc_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    trpc_status st = trpc_call_verror(call, code, fmt, ap);
    va_end(ap);
    return st;
}

trpc_error trpc_call_send(trpc_call *call, const ProtobufCMessage *msg)
{
    if (!call || !msg || !call->ent || msg->descriptor != call->ent->m->output ||
        trpc__kind_has_reply(call->ent->m->kind)) {
        return TRPC_EINVAL;
    }
    pthread_mutex_lock(&call->mu);
    bool closed = call->app_finished || atomic_load(&call->ended);
    pthread_mutex_unlock(&call->mu);
    if (closed) {
        return TRPC_ECLOSED;
    }
    trpc_error rv = trpc__out_write(call, msg, true);
    if (rv == TRPC_OK) {
        trpc__call_sent(call);
    }
    return rv;
}

trpc_error trpc_call_finish(trpc_call *call, trpc_status code)
{
    if (!call || !trpc_status_valid(code)) {
        return TRPC_EINVAL;
    }
    pthread_mutex_lock(&call->mu);
    if (call->app_finished) {
        pthread_mutex_unlock(&call->mu);
        return TRPC_ESTATE;
    }
    call->app_finished = true;
    call->app_status = code;
    bool ended = atomic_load(&call->ended);
    pthread_mutex_unlock(&call->mu);
    trpc__call_finished_by_app(call); /* call may be gone from here on */
    return ended ? TRPC_ECLOSED : TRPC_OK;
}

/* ---- back-pressure ---- */

size_t trpc_call_send_buffered(const trpc_call *call)
{
    return trpc__out_buffered((trpc_call *)call);
}

bool trpc_call_is_writable(const trpc_call *call)
{
    trpc_call *c = (trpc_call *)call;
    pthread_mutex_lock(&c->mu);
    bool ok = !c->app_finished && !atomic_load(&c->ended) &&
              trpc__out_writable(c, trpc__buf_avail(&c->out));
    pthread_mutex_unlock(&c->mu);
    return ok;
}

trpc_error trpc_call_on_drain(trpc_call *call, trpc_call_cb *fn, void *arg)
{
    if (!call || !fn) {
        return TRPC_EINVAL;
    }
    pthread_mutex_lock(&call->mu);
    if (call->app_finished || atomic_load(&call->ended)) {
        pthread_mutex_unlock(&call->mu);
        return TRPC_ECLOSED;
    }
    call->drain_fn = fn;
    call->drain_arg = arg;
    call->drain_used = true;
    bool now = trpc__out_drained(call, trpc__buf_avail(&call->out));
    pthread_mutex_unlock(&call->mu);
    if (now) {
        trpc__call_drain_soon(call);
    }
    return TRPC_OK;
}

trpc_error trpc_call_wait_writable(trpc_call *call, int64_t timeout_ms)
{
    if (!call) {
        return TRPC_EINVAL;
    }
    if (trpc__call_on_worker(call)) {
        return TRPC_ESTATE; /* the worker would wait for itself */
    }
    int64_t until = timeout_ms < 0 ? INT64_MAX : trpc_now_ms() + timeout_ms;
    trpc_error rv = TRPC_OK;
    pthread_mutex_lock(&call->mu);
    for (;;) {
        if (call->app_finished || atomic_load(&call->ended)) {
            rv = TRPC_ECLOSED;
            break;
        }
        if (trpc__out_writable(call, trpc__buf_avail(&call->out))) {
            break;
        }
        if (trpc__cond_wait_until(&call->room, &call->mu, until) != 0 &&
            trpc_now_ms() >= until) {
            rv = TRPC_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&call->mu);
    return rv;
}

/* ---- timers ---- */

trpc_error trpc_timer_new(trpc_timer **out, trpc_call *call, trpc_call_cb *fn, void *arg)
{
    if (!out || !call || !fn) {
        return TRPC_EINVAL;
    }
    if (!trpc__call_in_context(call)) {
        return TRPC_ESTATE;
    }
    return trpc__call_timer_new(call, fn, arg, out);
}

trpc_error trpc_timer_start(trpc_timer *t, int64_t delay_ms)
{
    if (!t || delay_ms < 0) {
        return TRPC_EINVAL;
    }
    trpc_call *c = t->call;
    if (!trpc__call_in_context(c)) {
        return TRPC_ESTATE;
    }
    pthread_mutex_lock(&c->mu);
    bool ended = atomic_load(&c->ended);
    if (!ended) {
        t->armed = true;
        t->gen++;
    }
    pthread_mutex_unlock(&c->mu);
    if (ended) {
        return TRPC_ECLOSED;
    }
    trpc__timer_in(t->ev, delay_ms);
    return TRPC_OK;
}

void trpc_timer_stop(trpc_timer *t)
{
    if (!t) {
        return;
    }
    trpc_call *c = t->call;
    pthread_mutex_lock(&c->mu);
    t->armed = false;
    t->gen++;
    pthread_mutex_unlock(&c->mu);
    /* Outside mu: from an executor thread event_del() waits for the
     * worker's callback of this timer, which takes mu. */
    event_del(t->ev);
}
