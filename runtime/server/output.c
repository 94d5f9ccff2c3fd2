/*
 * output.c: what a server call sends, by protocol (see output.h).
 *
 * gRPC's replies are framed here (compressed per message when asked) into
 * the call's byte queue (out_queue.c), its response headers submitted with
 * out_queue.c's data provider, and Trailers-Only sent when the status is
 * decided before anything else.  The web protocols (server/web.h) frame
 * and end their responses in web_out.c: this file hands them the call at
 * three points (a reply, the headers, the decided status) and keeps the
 * one thing both share above them, kicking the session (headers the first
 * time, then resuming the data provider).  So the layers run one way:
 * call.c -> output.c -> web_out.c -> out_queue.c.
 */
#include <stdlib.h>
#include <string.h>
#include "server/out_queue.h"
#include "server/output.h"
#include "server/web.h"


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
    if ((must || have + size <= c->env->lim->max_send_buffer) && trpc__out_take(c, size, must)) {
        rv = trpc__buf_append_message(&c->out, msg);
        if (rv != TRPC_OK) {
            trpc__out_give(c, size);
        }
        c->hdrs_frozen = true;
    }
    pthread_mutex_unlock(&c->mu);
    return rv;
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
        if (trpc__web_respond(c)) {
            trpc__out_kick(c); /* its status went into the queue */
        }
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
