/*
 * server/web.h: the web protocols a server call may speak besides gRPC
 * (docs/web.md): gRPC-Web (binary and base64 text) and the Connect
 * protocol (unary POST and GET, streams), with protobuf JSON through the
 * codec of typerpc/json.h, and CORS.  The call layer asks these pieces at
 * a few points: when a request header arrives that gRPC does not use, at
 * the end of the headers (preflights, GET), for each request body chunk
 * (base64 text), for each reply (framing, JSON), and when the status is
 * decided (the trailers go in the body, or into HTTP status and headers).
 * A gRPC call never enters here past one test of c->proto.
 */
#ifndef TRPC_SERVER_WEB_H
#define TRPC_SERVER_WEB_H

#include "server/call_types.h"

/* What the library keeps of trpc_server_set_cors() and the web switch;
 * immutable once the server starts. */
typedef struct trpc__web_cfg {
    bool off;               /* trpc_server_opts.grpc_only: gRPC only */
    bool cors;              /* trpc_server_set_cors() was called */
    bool any_origin;        /* "*" is among the origins */
    bool credentials;
    char **origins;         /* NULL-terminated copies */
    char *allow_headers;    /* the preflight's Access-Control-Allow-Headers */
    char *expose_headers;   /* Access-Control-Expose-Headers */
    char max_age[16];
} trpc__web_cfg;

void trpc__web_cfg_free(trpc__web_cfg *w);
/* Copies o into w (replacing what it held).  TRPC_OK, TRPC_EINVAL, TRPC_ENOMEM. */
trpc_error trpc__web_cfg_set(trpc__web_cfg *w, const trpc_cors_opts *o);

/* Marks every registry entry whose method is declared
 * `idempotency_level = NO_SIDE_EFFECTS` (from the embedded descriptors):
 * Connect serves those on GET too. */
void trpc__web_mark_idempotent(trpc__registry *r);

/* ---- the request ---- */

/* The request's content-type when it is not gRPC's: sets c->proto and
 * c->json; false when no protocol of this server takes it (415). */
bool trpc__web_content_type(trpc_call *c, const uint8_t *v, size_t len);
/* A request header gRPC does not know: true when the web protocols took it
 * (it is not metadata).  *err set to an nghttp2 error when out of memory. */
bool trpc__web_header(trpc_call *c, const uint8_t *name, size_t namelen, const uint8_t *value,
                      size_t valuelen, int *err);
/* The headers are complete and the request is not a POST: a CORS
 * preflight (204: the caller answers with trpc__web_preflight()), a
 * Connect GET made a unary request (its message in c->web_get; 0), or
 * refused (405, 415).  0 when the call goes on to routing, else the HTTP
 * status to answer with. */
int trpc__web_headers_end(trpc_call *c);
/* Answers a CORS preflight (worker). */
void trpc__web_preflight(trpc_call *c);
/* After routing: may this protocol call method e?  0, or the HTTP status
 * (405, 415) to answer with. */
int trpc__web_route_ok(trpc_call *c, const trpc__method_entry *e);
/* grpc-web-text: decodes a chunk of base64 (each chunk may end padded)
 * into out; false when it is not base64. */
bool trpc__web_unbase64(trpc_call *c, const uint8_t *p, size_t n, trpc__buf *out);

/* ---- the response ---- */

/* The content-type the response echoes. */
const char *trpc__web_ct_name(const trpc_call *c);

/* Queues msg as this protocol frames it (any thread); trpc__out_write()'s
 * contract. */
trpc_error trpc__web_out_write(trpc_call *c, const ProtobufCMessage *msg, bool bounded);
/* Submits the response headers (worker); with trailers_only the status
 * too.  The contract of output.c's submit_headers. */
trpc_error trpc__web_submit_headers(trpc_call *c, bool trailers_only);
/* The status is decided (worker): queues what ends this protocol's body
 * (gRPC-Web's trailers frame, Connect's end-stream message or error body)
 * and sets c->web_tail; Connect unary's headers go now.  True when the
 * caller must kick the session for the queued end (trpc__out_kick()). */
bool trpc__web_respond(trpc_call *c);
/* The CORS headers for c's answer into nv (room for 4). */
size_t trpc__web_cors_nv(trpc_call *c, nghttp2_nv *nv);

#endif
