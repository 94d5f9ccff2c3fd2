/*
 * web_out.c: the response side of the web protocols (see web.h and
 * docs/web.md).
 *
 *  - gRPC-Web: messages framed as gRPC; the trailers are a last frame
 *    (flag 0x80) holding "name: value\r\n" lines, after which DATA ends the
 *    stream; -text responses base64 each frame (padded, so the client can
 *    decode frame by frame).  An error before any message goes out
 *    Trailers-Only: grpc-status in the one HEADERS frame.
 *  - Connect unary: the headers carry the outcome, so they wait for it:
 *    200 and the message (no prefix), or the HTTP status of Connect's table
 *    and {"code":...,"message":...} as JSON; trailers are headers named
 *    "trailer-<name>".
 *  - Connect streams: envelopes as gRPC frames; the last one (flag 0x02)
 *    is {"error":{...},"metadata":{...}} in JSON, always with HTTP 200.
 *
 * Messages are protobuf or, when the request was JSON, protobuf JSON
 * written by the codec (typerpc/json.h).  Compression as the request
 * allowed (grpc-encoding, connect-content-encoding or content-encoding).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "server/out_queue.h"
#include "server/web.h"
#include "typerpc/json.h"

#define NV(n, v, vl) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE }
#define NVS(n, v) { (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE }

/* Connect's codes by gRPC code, and the HTTP status each gets. */
static const struct {
    const char *name;
    const char *http;
} connect_codes[17] = {
    { "ok", "200" },
    { "canceled", "499" },
    { "unknown", "500" },
    { "invalid_argument", "400" },
    { "deadline_exceeded", "504" },
    { "not_found", "404" },
    { "already_exists", "409" },
    { "permission_denied", "403" },
    { "resource_exhausted", "429" },
    { "failed_precondition", "400" },
    { "aborted", "409" },
    { "out_of_range", "400" },
    { "unimplemented", "501" },
    { "internal", "500" },
    { "unavailable", "503" },
    { "data_loss", "500" },
    { "unauthenticated", "401" },
};

static unsigned code_index(trpc_status st)
{
    return (unsigned)st <= 16 ? (unsigned)st : 2;
}

static void put_prefix(uint8_t *p, uint8_t flags, size_t len)
{
    p[0] = flags;
    p[1] = (uint8_t)(len >> 24);
    p[2] = (uint8_t)(len >> 16);
    p[3] = (uint8_t)(len >> 8);
    p[4] = (uint8_t)len;
}

/* Appends a frame (flags, payload) to out as the call's protocol frames
 * it: a gRPC prefix, base64 (padded) for gRPC-Web text. */
static trpc_error frame_into(trpc_call *c, trpc__buf *out, uint8_t flags, const uint8_t *p,
                             size_t n)
{
    uint8_t pre[5];
    put_prefix(pre, flags, n);
    if (c->proto != TRPC__P_WEB_TEXT) {
        trpc_error rv = trpc__buf_append(out, pre, 5);
        return rv ? rv : trpc__buf_append(out, p, n);
    }
    trpc__buf raw = { 0 };
    trpc_error rv = trpc__buf_append(&raw, pre, 5);
    if (!rv) {
        rv = trpc__buf_append(&raw, p, n);
    }
    if (!rv) {
        rv = trpc__b64_encode(out, raw.data, raw.len);
    }
    /* trpc__b64_encode writes no padding: the frames are concatenated,
     * so each one pads (PROTOCOL-WEB.md) */
    while (!rv && out->len % 4) {
        rv = trpc__buf_append(out, "=", 1);
    }
    trpc__buf_free(&raw);
    return rv;
}

trpc_error trpc__web_out_write(trpc_call *c, const ProtobufCMessage *msg, bool bounded)
{
    /* the message's bytes */
    trpc__buf body = { 0 }, z = { 0 }, out = { 0 };
    char *js = NULL;
    const uint8_t *p;
    size_t n;
    trpc_error rv = TRPC_OK;
    if (c->json) {
        char err[160];
        trpc_json_opts o = TRPC_JSON_OPTS(.registry = NULL);
        rv = trpc_json_encode(msg, &o, &js, &n, err, sizeof err);
        p = (const uint8_t *)js;
    } else {
        n = protobuf_c_message_get_packed_size(msg);
        rv = trpc__buf_reserve(&body, n + 1);
        if (!rv) {
            body.len = protobuf_c_message_pack(msg, body.data);
        }
        p = body.data;
    }
    /* compression as gRPC chooses it: per message, when it pays */
    pthread_mutex_lock(&c->mu);
    trpc__enc enc = c->send_plain ? TRPC__ENC_IDENTITY : c->send_enc;
    c->hdrs_frozen = true;
    pthread_mutex_unlock(&c->mu);
    uint8_t flags = 0;
    if (!rv && enc != TRPC__ENC_IDENTITY && n >= TRPC__COMPRESS_MIN &&
        trpc__deflate_bytes(enc, p, n, &z) == TRPC_OK && z.len < n) {
        p = z.data;
        n = z.len;
        flags = 1;
    }
    if (!rv && c->proto == TRPC__P_CONNECT) {
        /* unary: the body is the message; content-encoding says whether
         * it was compressed (the one reply decides) */
        pthread_mutex_lock(&c->mu);
        c->send_plain = flags == 0;
        pthread_mutex_unlock(&c->mu);
        rv = trpc__out_append(c, p ? p : (const uint8_t *)"", n, bounded);
    } else if (!rv) {
        rv = frame_into(c, &out, flags, p ? p : (const uint8_t *)"", n);
        if (!rv) {
            rv = trpc__out_append(c, out.data, out.len, bounded);
        }
    }
    free(js);
    trpc__buf_free(&body);
    trpc__buf_free(&z);
    trpc__buf_free(&out);
    return rv;
}

/* ---- JSON text --------------------------------------------------------------------- */

static trpc_error json_str(trpc__buf *b, const char *s, size_t n)
{
    trpc_error rv = trpc__buf_append(b, "\"", 1);
    for (size_t i = 0; !rv && i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc[8];
        if (ch == '"' || ch == '\\') {
            esc[0] = '\\';
            esc[1] = (char)ch;
            rv = trpc__buf_append(b, esc, 2);
        } else if (ch < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", ch);
            rv = trpc__buf_append(b, esc, 6);
        } else {
            rv = trpc__buf_append(b, &s[i], 1);
        }
    }
    return rv ? rv : trpc__buf_append(b, "\"", 1);
}

static trpc_error lit(trpc__buf *b, const char *s) { return trpc__buf_append(b, s, strlen(s)); }

static const trpc__buf *status_message(const trpc_call *c)
{
    return c->rt_status ? &c->rtmsg : &c->msg;
}

/* Connect's error object: {"code":"...","message":"..."}. */
static trpc_error error_json(trpc_call *c, trpc__buf *b)
{
    const trpc__buf *m = status_message(c);
    trpc_error rv = lit(b, "{\"code\":\"");
    if (!rv) rv = lit(b, connect_codes[code_index(c->status)].name);
    if (!rv) rv = lit(b, "\"");
    if (!rv && m->len) {
        rv = lit(b, ",\"message\":");
        if (!rv) rv = json_str(b, (const char *)m->data, m->len);
    }
    return rv ? rv : lit(b, "}");
}

/* The application's trailers in wire form, unless the runtime decided the
 * status; *nv is malloc'd (the caller frees it), strings in scratch. */
static trpc_error trailers_nv(trpc_call *c, nghttp2_nv **nv, size_t *n, trpc__buf *scratch)
{
    *n = 0;
    *nv = NULL;
    size_t cap = c->rt_status ? 0 : trpc_metadata_count(&c->trls);
    if (cap == 0) {
        return TRPC_OK;
    }
    if (!(*nv = malloc(cap * sizeof **nv))) {
        return TRPC_ENOMEM;
    }
    return trpc__md_to_nv(&c->trls, *nv, n, scratch);
}

/* Connect's end-of-stream message: {"error":{...},"metadata":{...}}. */
static trpc_error end_stream_json(trpc_call *c, trpc__buf *b)
{
    nghttp2_nv *nv;
    size_t n;
    trpc__buf scratch = { 0 };
    trpc_error rv = trailers_nv(c, &nv, &n, &scratch);
    if (!rv) rv = lit(b, "{");
    if (!rv && c->status != TRPC_STATUS_OK) {
        rv = lit(b, "\"error\":");
        if (!rv) rv = error_json(c, b);
    }
    if (!rv && n > 0) {
        rv = lit(b, c->status != TRPC_STATUS_OK ? ",\"metadata\":{" : "\"metadata\":{");
        for (size_t i = 0; !rv && i < n; i++) {
            /* a key given twice: one member with both values */
            bool first = true;
            for (size_t j = 0; j < i; j++) {
                first &= !(nv[j].namelen == nv[i].namelen &&
                           memcmp(nv[j].name, nv[i].name, nv[i].namelen) == 0);
            }
            if (!first) {
                continue;
            }
            if (i > 0) rv = lit(b, ",");
            if (!rv) rv = json_str(b, (const char *)nv[i].name, nv[i].namelen);
            if (!rv) rv = lit(b, ":[");
            bool any = false;
            for (size_t j = i; !rv && j < n; j++) {
                if (nv[j].namelen == nv[i].namelen &&
                    memcmp(nv[j].name, nv[i].name, nv[i].namelen) == 0) {
                    if (any) rv = lit(b, ",");
                    if (!rv) rv = json_str(b, (const char *)nv[j].value, nv[j].valuelen);
                    any = true;
                }
            }
            if (!rv) rv = lit(b, "]");
        }
        if (!rv) rv = lit(b, "}");
    }
    if (!rv) rv = lit(b, "}");
    free(nv);
    trpc__buf_free(&scratch);
    return rv;
}

/* gRPC-Web's trailers frame payload: "grpc-status: 0\r\n..." */
static trpc_error trailer_block(trpc_call *c, trpc__buf *b)
{
    size_t cap = 2 + (c->rt_status ? 0 : trpc_metadata_count(&c->trls));
    nghttp2_nv *nv = malloc(cap * sizeof *nv);
    size_t n = 0;
    if (!nv) {
        return TRPC_ENOMEM;
    }
    trpc_error rv = trpc__out_status_nv(c, nv, &n);
    for (size_t i = 0; !rv && i < n; i++) {
        rv = trpc__buf_append(b, nv[i].name, nv[i].namelen);
        if (!rv) rv = lit(b, ": ");
        if (!rv) rv = trpc__buf_append(b, nv[i].value, nv[i].valuelen);
        if (!rv) rv = lit(b, "\r\n");
    }
    free(nv);
    return rv;
}

/* ---- headers ------------------------------------------------------------------------- */

/* The response headers of every web protocol: the status line, the
 * content-type, the encodings, the application's headers, CORS; for
 * trailers_only (gRPC-Web) the status; for Connect unary the trailers as
 * "trailer-" headers and the outcome's HTTP status. */
static trpc_error submit(trpc_call *c, const char *status, const char *ctype,
                         bool trailers_only, bool trailer_hdrs)
{
    bool user_md = !c->rt_status;
    size_t nh = user_md ? trpc_metadata_count(&c->hdrs) : 0;
    size_t nt = user_md ? trpc_metadata_count(&c->trls) : 0;
    size_t cap = 16 + nh + nt;
    nghttp2_nv *nv = malloc(cap * sizeof *nv);
    nghttp2_nv *tv = NULL;
    size_t n = 0, ntv = 0;
    trpc__buf hdrbuf = { 0 }, tscratch = { 0 }, tnames = { 0 };
    trpc_error rv = TRPC_OK;
    if (!nv) {
        return TRPC_ENOMEM;
    }
    nv[n++] = (nghttp2_nv)NVS(":status", status);
    nv[n++] = (nghttp2_nv)NVS("content-type", ctype);
    const char *e = trpc__enc_name(c->send_enc);
    switch (c->proto) {
    case TRPC__P_CONNECT:
        nv[n++] = (nghttp2_nv)NV("accept-encoding", "gzip, deflate", 13);
        if (!trailers_only && c->send_enc != TRPC__ENC_IDENTITY && !c->send_plain &&
            strcmp(status, "200") == 0) {
            nv[n++] = (nghttp2_nv)NVS("content-encoding", e);
        }
        break;
    case TRPC__P_CONNECT_STREAM:
        nv[n++] = (nghttp2_nv)NV("connect-accept-encoding", "gzip, deflate", 13);
        if (c->send_enc != TRPC__ENC_IDENTITY) {
            nv[n++] = (nghttp2_nv)NVS("connect-content-encoding", e);
        }
        break;
    default:
        nv[n++] = (nghttp2_nv)NV("grpc-accept-encoding", TRPC__ACCEPT_ENCODING,
                                 sizeof TRPC__ACCEPT_ENCODING - 1);
        if (!trailers_only && c->send_enc != TRPC__ENC_IDENTITY) {
            nv[n++] = (nghttp2_nv)NVS("grpc-encoding", e);
        }
        break;
    }
    if (user_md) {
        rv = trpc__md_to_nv(&c->hdrs, nv, &n, &hdrbuf);
    }
    if (!rv && trailer_hdrs && nt > 0) {
        /* Connect unary: the trailers are headers named trailer-<name> */
        rv = trailers_nv(c, &tv, &ntv, &tscratch);
        size_t total = 0;
        for (size_t i = 0; i < ntv; i++) {
            total += 8 + tv[i].namelen;
        }
        if (!rv) rv = trpc__buf_reserve(&tnames, total + 1);
        for (size_t i = 0; !rv && i < ntv; i++) {
            uint8_t *name = tnames.data + tnames.len;
            memcpy(name, "trailer-", 8);
            memcpy(name + 8, tv[i].name, tv[i].namelen);
            tnames.len += 8 + tv[i].namelen;
            nv[n++] = (nghttp2_nv){ name, tv[i].value, 8 + tv[i].namelen, tv[i].valuelen,
                                    NGHTTP2_NV_FLAG_NONE };
        }
    }
    if (!rv) {
        n += trpc__web_cors_nv(c, nv + n);
    }
    if (!rv && trailers_only) {
        rv = trpc__out_status_nv(c, nv, &n);
    }
    if (!rv) {
        nghttp2_data_provider prd = { .source.ptr = c, .read_callback = trpc__out_read_cb };
        int ng = nghttp2_submit_response(c->h2->ng, c->sid, nv, n, trailers_only ? NULL : &prd);
        rv = ng ? TRPC_EHTTP2 : TRPC_OK;
    }
    c->headers_sent = true;
    trpc__buf_free(&hdrbuf);
    trpc__buf_free(&tscratch);
    trpc__buf_free(&tnames);
    free(tv);
    free(nv);
    return rv;
}

trpc_error trpc__web_submit_headers(trpc_call *c, bool trailers_only)
{
    return submit(c, "200", trpc__web_ct_name(c), trailers_only, false);
}

/* ---- the end -------------------------------------------------------------------------- */

static void reset_internal(trpc_call *c)
{
    nghttp2_submit_rst_stream(c->h2->ng, NGHTTP2_FLAG_NONE, c->sid, NGHTTP2_INTERNAL_ERROR);
    trpc__h2_mark(c->h2);
}

/* Connect unary: the headers go now, with the outcome. */
static void connect_unary_respond(trpc_call *c)
{
    trpc_error rv = TRPC_OK;
    const char *status = "200";
    const char *ctype = trpc__web_ct_name(c);
    if (c->status != TRPC_STATUS_OK) {
        trpc__buf b = { 0 };
        trpc__out_discard(c);
        rv = error_json(c, &b);
        if (!rv) {
            rv = trpc__out_append(c, b.data, b.len, false);
        }
        trpc__buf_free(&b);
        status = connect_codes[code_index(c->status)].http;
        ctype = "application/json";
    }
    c->web_tail = true;
    if (rv || submit(c, status, ctype, false, true) != TRPC_OK) {
        reset_internal(c);
        return;
    }
    trpc__h2_mark(c->h2);
}

bool trpc__web_respond(trpc_call *c)
{
    if (c->proto == TRPC__P_CONNECT) {
        connect_unary_respond(c);
        return false;
    }
    if (c->proto != TRPC__P_CONNECT_STREAM && !c->headers_sent &&
        trpc__out_buffered(c) == 0) {
        /* gRPC-Web (and gRPC with JSON): Trailers-Only */
        if (c->proto == TRPC__P_GRPC) {
            /* (not reached: output.c answers gRPC itself) */
            return false;
        }
        if (submit(c, "200", trpc__web_ct_name(c), true, false) != TRPC_OK) {
            reset_internal(c);
        }
        trpc__h2_mark(c->h2);
        return false;
    }
    trpc__buf b = { 0 }, f = { 0 };
    uint8_t flags = c->proto == TRPC__P_CONNECT_STREAM ? 0x02 : 0x80;
    trpc_error rv = c->proto == TRPC__P_CONNECT_STREAM ? end_stream_json(c, &b)
                                                       : trailer_block(c, &b);
    if (!rv) {
        rv = frame_into(c, &f, flags, b.data ? b.data : (const uint8_t *)"", b.len);
    }
    if (!rv) {
        rv = trpc__out_append(c, f.data, f.len, false);
    }
    trpc__buf_free(&b);
    trpc__buf_free(&f);
    if (rv) {
        reset_internal(c);
        return false;
    }
    c->web_tail = true;
    return true; /* output.c kicks the session */
}
