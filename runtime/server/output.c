/*
 * output.c: the response side of a server call (see output.h).
 *
 * Replies are framed into the call's out buffer by whichever thread writes
 * them (under the call's mutex); one nghttp2 data provider per call copies
 * from it as flow control allows and, once the status is decided and the
 * buffer is empty, submits the trailers from inside the provider (EOF with
 * NO_END_STREAM, then the trailers' HEADERS carry END_STREAM).  Memory: a
 * large reply into an empty buffer takes exactly its size, and a buffer
 * emptied past BUF_KEEP is freed at once, so a call whose peer does not
 * read holds what it wrote and no more.
 *
 * Back-pressure: each time the provider takes bytes it checks two marks:
 * falling below send_high_water wakes threads waiting for room
 * (trpc_call_wait_writable()), and reaching half of it with a drain
 * request pending activates the call's drain event (the callback runs on
 * the next turn of the worker's loop, not inside nghttp2).
 *
 * The web protocols (server/web.h) frame and end their responses in
 * web_out.c: their replies come through trpc__web_out_write(), and their
 * status is queued at the end of the body (web_tail), so the provider ends
 * the stream with the DATA instead of submitting trailers.
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
#include "server/output.h"
#include "server/web.h"

#define BUF_KEEP (64u * 1024u)
/* Less than this left of the budget: calls with output queued wait. */
#define OUT_ROOM (64u * 1024u)

/* Takes n bytes of output from the budget: refused only while the budget
 * is low and not with must.  (Refusing only then keeps the promise
 * writability makes: a call found writable is refused by the budget only
 * if it turned low meanwhile, and then its drain waits for its own buffer
 * to empty, so nothing spins.  A write may pass the budget by its size.) */
static bool out_take(trpc_call *c, size_t n, bool must)
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

static void out_give(trpc_call *c, size_t n)
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
    out_give(c, trpc__buf_avail(&c->out));
    trpc__buf_reset(&c->out, BUF_KEEP);
}
#define NV(n, v, vl) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE }

/* The compressed path of trpc__out_write(): the frame is built outside the
 * mutex (deflate takes a while), then copied in.  The headers were frozen
 * before, so grpc-encoding cannot change under it. */
static trpc_error out_write_compressed(trpc_call *c, const ProtobufCMessage *msg, bool bounded,
                                       trpc__enc enc)
{
    trpc__buf f = { 0 };
    trpc_error rv = trpc__buf_append_compressed(&f, msg, enc);
    if (rv == TRPC_OK) {
        rv = trpc__out_append(c, f.data, f.len, bounded);
    }
    trpc__buf_free(&f);
    return rv;
}

trpc_error trpc__out_append(trpc_call *c, const uint8_t *p, size_t len, bool bounded)
{
    pthread_mutex_lock(&c->mu);
    size_t have = trpc__buf_avail(&c->out);
    bool must = !bounded || have == 0;
    trpc_error rv = TRPC_EFULL;
    if ((must || have + len <= c->env->lim->max_send_buffer) && out_take(c, len, must)) {
        rv = trpc__buf_append(&c->out, p, len);
        if (rv != TRPC_OK) {
            out_give(c, len);
        }
    }
    c->hdrs_frozen = true;
    pthread_mutex_unlock(&c->mu);
    return rv;
}

trpc_error trpc__out_write(trpc_call *c, const ProtobufCMessage *msg, bool bounded)
{
    if (c->proto != TRPC__P_GRPC || c->json) {
        return trpc__web_out_write(c, msg, bounded);
    }
    pthread_mutex_lock(&c->mu);
    /* send_enc is fixed from the first reply on (it goes out as
     * grpc-encoding); send_plain may turn compression off per message
     * (trpc_call_set_compression()). */
    trpc__enc enc = c->send_plain ? TRPC__ENC_IDENTITY : c->send_enc;
    if (enc != TRPC__ENC_IDENTITY) {
        c->hdrs_frozen = true;
        pthread_mutex_unlock(&c->mu);
        return out_write_compressed(c, msg, bounded, enc);
    }
    size_t size = trpc__frame_size(msg);
    size_t have = trpc__buf_avail(&c->out);
    bool must = !bounded || have == 0;
    trpc_error rv = TRPC_EFULL;
    if ((must || have + size <= c->env->lim->max_send_buffer) && out_take(c, size, must)) {
        rv = trpc__buf_append_message(&c->out, msg);
        if (rv != TRPC_OK) {
            out_give(c, size);
        }
        c->hdrs_frozen = true;
    }
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
        out_give(c, n);
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

/* The response headers; with trailers_only, the status too (one HEADERS
 * frame with END_STREAM). */
static trpc_error submit_headers(trpc_call *c, bool trailers_only)
{
    if (c->proto != TRPC__P_GRPC) {
        return trpc__web_submit_headers(c, trailers_only);
    }
    bool user_md = !c->rt_status;
    size_t cap = 6 + (user_md ? trpc_metadata_count(&c->hdrs) + trpc_metadata_count(&c->trls) : 0);
    nghttp2_nv stackv[24], *nv = cap <= 24 ? stackv : malloc(cap * sizeof *nv);
    size_t n = 0;
    trpc__buf hdrbuf = { 0 };
    trpc_error rv = TRPC_OK;
    if (!nv) {
        return TRPC_ENOMEM;
    }
    nv[n++] = (nghttp2_nv)NV(":status", "200", 3);
    if (c->json) {
        nv[n++] = (nghttp2_nv)NV("content-type", "application/grpc+json", 21);
    } else {
        nv[n++] = (nghttp2_nv)NV("content-type", "application/grpc", 16);
    }
    nv[n++] = (nghttp2_nv)NV("grpc-accept-encoding", TRPC__ACCEPT_ENCODING,
                             sizeof TRPC__ACCEPT_ENCODING - 1);
    if (!trailers_only && c->send_enc != TRPC__ENC_IDENTITY) {
        const char *e = trpc__enc_name(c->send_enc);
        nv[n++] = (nghttp2_nv)NV("grpc-encoding", e, strlen(e));
    }
    if (user_md) {
        rv = trpc__md_to_nv(&c->hdrs, nv, &n, &hdrbuf);
    }
    if (rv == TRPC_OK && trailers_only) {
        rv = trpc__out_status_nv(c, nv, &n);
    }
    if (rv == TRPC_OK) {
        nghttp2_data_provider prd = { .source.ptr = c, .read_callback = trpc__out_read_cb };
        int ng = nghttp2_submit_response(c->h2->ng, c->sid, nv, n,
                                         trailers_only ? NULL : &prd);
        rv = ng ? TRPC_EHTTP2 : TRPC_OK;
    }
    c->headers_sent = true;
    trpc__buf_free(&hdrbuf);
    if (nv != stackv) {
        free(nv);
    }
    return rv;
}

void trpc__out_kick(trpc_call *c)
{
    if (!c->h2 || (c->proto == TRPC__P_CONNECT && !c->headers_sent)) {
        return; /* Connect unary: the headers carry the status */
    }
    if (!c->headers_sent) {
        pthread_mutex_lock(&c->mu);
        c->hdrs_frozen = true;
        pthread_mutex_unlock(&c->mu);
        if (submit_headers(c, false) != TRPC_OK) {
            nghttp2_submit_rst_stream(c->h2->ng, NGHTTP2_FLAG_NONE, c->sid,
                                      NGHTTP2_INTERNAL_ERROR);
        }
    } else {
        nghttp2_session_resume_data(c->h2->ng, c->sid);
    }
    trpc__h2_mark(c->h2);
}

void trpc__out_respond(trpc_call *c)
{
    if (!c->h2) {
        return;
    }
    if (c->proto != TRPC__P_GRPC) {
        trpc__web_respond(c);
        return;
    }
    if (!c->headers_sent && trpc__out_buffered(c) == 0) {
        if (submit_headers(c, true) != TRPC_OK) {
            nghttp2_submit_rst_stream(c->h2->ng, NGHTTP2_FLAG_NONE, c->sid,
                                      NGHTTP2_INTERNAL_ERROR);
        }
        trpc__h2_mark(c->h2);
        return;
    }
    trpc__out_kick(c);
}

void trpc__out_http(trpc_call *c, const char *status)
{
    nghttp2_nv nv[5] = { NV(":status", status, 3) };
    size_t n = 1 + (c->origin.len ? trpc__web_cors_nv(c, nv + 1) : 0);
    c->headers_sent = true;
    nghttp2_submit_response(c->h2->ng, c->sid, nv, n, NULL);
    trpc__h2_mark(c->h2);
}
