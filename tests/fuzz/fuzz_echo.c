/*
 * fuzz_echo.c: the echo.Echo implementation of fuzz_echo.h.  Small on
 * purpose: it exists to drive the server's output path (headers, messages,
 * trailers, error statuses, metadata) from whatever the input decodes to.
 */
#include <string.h>
#include "fuzz_echo.h"

static bool mode_is(const Echo__EchoRequest *req, const char *m)
{
    return req->mode && strcmp(req->mode, m) == 0;
}

static void echo_metadata(trpc_call *call)
{
    const trpc_metadata *md = trpc_call_metadata(call);
    for (size_t i = 0; i < trpc_metadata_count(md); i++) {
        const char *k;
        const void *v;
        size_t n;
        if (trpc_metadata_at(md, i, &k, &v, &n) == TRPC_OK) {
            trpc_call_add_header(call, k, v, n);
            trpc_call_add_trailer(call, k, v, n);
        }
    }
}

/* The status a request asks for (code, message text), or OK. */
static trpc_status asked_status(trpc_call *call, const Echo__EchoRequest *req)
{
    if (req->code == 0) {
        return TRPC_STATUS_OK;
    }
    trpc_status st = (trpc_status)((unsigned)req->code % 17u);
    if (st == TRPC_STATUS_OK) {
        st = TRPC_STATUS_UNKNOWN;
    }
    return trpc_call_error(call, st, "%s", req->text ? req->text : "");
}

static void fill(Echo__EchoReply *r, const Echo__EchoRequest *req, int index)
{
    r->text = req->text;
    r->payload = req->payload;
    r->index = index;
}

static trpc_status unary(Echo__Echo_Unary_Call *call, const Echo__EchoRequest *req,
                         Echo__EchoReply *reply, void *user)
{
    (void)user;
    if (mode_is(req, "metadata")) {
        echo_metadata(call->base);
    } else if (mode_is(req, "gzip")) {
        trpc_call_set_compression(call->base, TRPC_COMPRESS_GZIP);
    }
    fill(reply, req, 0);
    return asked_status(call->base, req);
}

static trpc_status server_stream(Echo__Echo_ServerStream_Call *call,
                                 const Echo__EchoRequest *req, void *user)
{
    (void)user;
    if (mode_is(req, "metadata")) {
        echo_metadata(call->base);
    }
    int n = req->count < 0 ? 0 : req->count > 4 ? 4 : req->count;
    for (int i = 0; i < n; i++) {
        Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
        fill(&r, req, i);
        if (echo__echo__server_stream__write(call, &r) != TRPC_OK) {
            break;
        }
    }
    return asked_status(call->base, req);
}

static trpc_status client_stream(Echo__Echo_ClientStream_Call *call,
                                 const Echo__EchoRequest *req, Echo__EchoReply *reply,
                                 void *user)
{
    (void)user;
    trpc_status st = asked_status(call->base, req);
    if (st != TRPC_STATUS_OK) {
        return st;
    }
    /* Keep the last request's text: copied, the request is gone after. */
    reply->text = req->text ? trpc_call_strdup(call->base, req->text) : NULL;
    reply->index++;
    return TRPC_PENDING;
}

static trpc_status client_stream_end(Echo__Echo_ClientStream_Call *call, Echo__EchoReply *reply,
                                     void *user)
{
    (void)call;
    (void)reply;
    (void)user;
    return TRPC_STATUS_OK;
}

static trpc_status bidi(Echo__Echo_Bidi_Call *call, const Echo__EchoRequest *req, void *user)
{
    (void)user;
    trpc_status st = asked_status(call->base, req);
    if (st != TRPC_STATUS_OK) {
        return st;
    }
    Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
    fill(&r, req, 0);
    echo__echo__bidi__write(call, &r);
    return TRPC_PENDING;
}

static trpc_status bidi_end(Echo__Echo_Bidi_Call *call, void *user)
{
    (void)call;
    (void)user;
    return TRPC_STATUS_OK;
}

const Echo__Echo_Impl fuzz_echo_impl = {
    .unary = unary,
    .server_stream = server_stream,
    .client_stream = client_stream,
    .client_stream_end = client_stream_end,
    .bidi = bidi,
    .bidi_end = bidi_end,
};
