/*
 * out_queue.c: a server call's response bytes on their way to nghttp2 (see
 * out_queue.h), whatever the protocol that framed them.
 *
 * Replies are queued in the call's out buffer by whichever thread writes
 * them (under the call's mutex); one nghttp2 data provider per call copies
 * from it as flow control allows and, once the status is decided and the
 * buffer is empty, ends the body: gRPC submits the trailers from inside the
 * provider (EOF with NO_END_STREAM, then the trailers' HEADERS carry
 * END_STREAM); the web protocols put their status at the end of the body
 * (web_tail), so the DATA ends the stream.  Memory: a large reply into an
 * empty buffer takes exactly its size, and a buffer emptied past BUF_KEEP
 * is freed at once, so a call whose peer does not read holds what it wrote
 * and no more.
 *
 * Back-pressure: each time the provider takes bytes it checks two marks:
 * falling below send_high_water wakes threads waiting for room
 * (trpc_call_wait_writable()), and reaching half of it with a drain
 * request pending activates the call's drain event (the callback runs on
 * the next turn of the worker's loop, not inside nghttp2).
 *
 * The server's output budget (i12-mem, docs/runtime.md "Memory bounds"):
 * every byte queued in out is taken from it (a budget of its own, so
 * peers that do not read cannot make the server refuse new streams), and
 * given back as the provider takes it.  A bounded write that does not
 * fit is refused (TRPC_EFULL) unless the call's buffer is empty: a message
 * alone is always accepted, as is a unary reply, so every call can make
 * progress one message at a time.  While the budget is low a call with
 * output queued is not writable, and its drain waits until its buffer is
 * empty (the provider signals that too), so a handler that waits for
 * writability is called back when its own peer has read.
 */
#include <stdlib.h>
#include <string.h>
#include "server/out_queue.h"

#define BUF_KEEP (64u * 1024u)
/* Less than this left of the budget: calls with output queued wait. */
#define OUT_ROOM (64u * 1024u)
#define NV(n, v, vl) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE }

/* Takes n bytes of output from the budget: refused only while the budget
 * is low and not with must.  (Refusing only then keeps the promise
 * writability makes: a call found writable is refused by the budget only
 * if it turned low meanwhile, and then its drain waits for its own buffer
 * to empty, so nothing spins.  A write may pass the budget by its size.) */
bool trpc__out_take(trpc_call *c, size_t n, bool must)
{
    trpc__budget *b = c->env->lim->out_budget;
    if (!b) {
        return true;
    }
    if (!must && trpc__budget_low(b, OUT_ROOM)) {
        return false;
    }
    trpc__budget_force(b, n);
    return true;
}

void trpc__out_give(trpc_call *c, size_t n)
{
    if (c->env->lim->out_budget && n > 0) {
        trpc__budget_give(c->env->lim->out_budget, n);
    }
}

static bool budget_low(const trpc_call *c)
{
    return c->env->lim->out_budget && trpc__budget_low(c->env->lim->out_budget, OUT_ROOM);
}

bool trpc__out_writable(const trpc_call *c, size_t avail)
{
    return avail == 0 || (avail < c->env->lim->send_high_water && !budget_low(c));
}

bool trpc__out_drained(const trpc_call *c, size_t avail)
{
    return avail == 0 || (avail <= c->env->lim->send_high_water / 2 && !budget_low(c));
}

void trpc__out_release(trpc_call *c)
{
    trpc__out_give(c, trpc__buf_avail(&c->out));
    trpc__buf_reset(&c->out, BUF_KEEP);
}
trpc_error trpc__out_append(trpc_call *c, const uint8_t *p, size_t len, bool bounded)
{
    pthread_mutex_lock(&c->mu);
    size_t have = trpc__buf_avail(&c->out);
    bool must = !bounded || have == 0;
    trpc_error rv = TRPC_EFULL;
    if ((must || have + len <= c->env->lim->max_send_buffer) && trpc__out_take(c, len, must)) {
        rv = trpc__buf_append(&c->out, p, len);
        if (rv != TRPC_OK) {
            trpc__out_give(c, len);
        }
    }
    c->hdrs_frozen = true;
    pthread_mutex_unlock(&c->mu);
    return rv;
}

size_t trpc__out_buffered(trpc_call *c)
{
    pthread_mutex_lock(&c->mu);
    size_t n = trpc__buf_avail(&c->out);
    pthread_mutex_unlock(&c->mu);
    return n;
}

void trpc__out_discard(trpc_call *c)
{
    pthread_mutex_lock(&c->mu);
    trpc__out_release(c);
    pthread_cond_broadcast(&c->room);
    pthread_mutex_unlock(&c->mu);
}

void trpc__out_reset(trpc_call *c, uint32_t code)
{
    if (c->h2) {
        nghttp2_submit_rst_stream(c->h2->ng, NGHTTP2_FLAG_NONE, c->sid, code);
        trpc__h2_mark(c->h2);
    }
}

/* Builds the status part of trailers into nv: grpc-status, the
 * application's trailers (unless the runtime decided the status: the
 * application may still be writing them on another thread), grpc-message.
 * Strings live in c->nvbuf. */
trpc_error trpc__out_status_nv(trpc_call *c, nghttp2_nv *nv, size_t *n)
{
    const char *code = trpc__status_text(c->status);
    nv[(*n)++] = (nghttp2_nv)NV("grpc-status", code, strlen(code));
    c->nvbuf.len = c->nvbuf.off = 0;
    const trpc__buf *m = c->rt_status ? &c->rtmsg : &c->msg;
    if (m->len > 0 && trpc__pct_encode(&c->nvbuf, (const char *)m->data)) {
        return TRPC_ENOMEM;
    }
    size_t msglen = c->nvbuf.len;
    /* md_to_nv reserves (and may move) nvbuf before it appends, so the
     * message's pointer is taken after. */
    trpc_error rv = c->rt_status ? TRPC_OK : trpc__md_to_nv(&c->trls, nv, n, &c->nvbuf);
    if (rv) {
        return rv;
    }
    if (msglen > 0) {
        nv[(*n)++] = (nghttp2_nv)NV("grpc-message", c->nvbuf.data, msglen);
    }
    return TRPC_OK;
}

/* Submits the trailers (the status); false when they cannot be (out of
 * memory), and the stream must be reset instead. */
static bool submit_trailers(trpc_call *c)
{
    size_t cap = 2 + (c->rt_status ? 0 : trpc_metadata_count(&c->trls));
    nghttp2_nv stackv[16], *nv = cap <= 16 ? stackv : malloc(cap * sizeof *nv);
    size_t n = 0;
    bool ok = nv && trpc__out_status_nv(c, nv, &n) == TRPC_OK &&
              nghttp2_submit_trailer(c->h2->ng, c->sid, nv, n) == 0;
    if (nv != stackv) {
        free(nv);
    }
    return ok;
}

ssize_t trpc__out_read_cb(nghttp2_session *ng, int32_t sid, uint8_t *buf, size_t len,
                          uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    (void)ng;
    (void)sid;
    (void)ud;
    trpc_call *c = src->ptr;
    size_t high = c->env->lim->send_high_water;
    pthread_mutex_lock(&c->mu);
    size_t avail = trpc__buf_avail(&c->out);
    size_t n = avail < len ? avail : len;
    if (n > 0) {
        memcpy(buf, c->out.data + c->out.off, n);
        c->out.off += n;
        trpc__out_give(c, n);
        if (c->out.off == c->out.len) {
            trpc__buf_reset(&c->out, BUF_KEEP);
        }
    }
    size_t left = avail - n;
    /* emptied: writable again even while the budget is low */
    bool emptied = avail > 0 && left == 0;
    if ((avail >= high && left < high) || emptied) {
        pthread_cond_broadcast(&c->room);
    }
    bool drain = c->drain_fn && ((avail > high / 2 && left <= high / 2) || emptied);
    pthread_mutex_unlock(&c->mu);
    if (drain) {
        event_active(c->drain_ev, EV_TIMEOUT, 0);
    }
    if (left == 0 && c->web_tail) {
        /* a web protocol: the status went in the body; DATA ends the stream */
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return (ssize_t)n;
    }
    if (left == 0 && c->state >= TRPC__CALL_FINISHED && c->proto == TRPC__P_GRPC) {
        if (!submit_trailers(c)) {
            /* Ending the DATA without them would leave the stream open
             * for good (tests/failmalloc): nghttp2 resets it
             * (INTERNAL_ERROR) instead. */
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        return (ssize_t)n;
    }
    return n > 0 ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
}
