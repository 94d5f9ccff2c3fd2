/*
 * server/output.h: what a server call sends, by protocol: gRPC's framed
 * replies and response headers, Trailers-Only, an HTTP-level refusal, and
 * the hand-off to the web protocols (server/web.h).  The bytes' way to
 * nghttp2, the budget and the back-pressure signals are out_queue.h's.
 */
#ifndef TRPC_SERVER_OUTPUT_H
#define TRPC_SERVER_OUTPUT_H

#include "server/call_types.h"
#include "server/out_queue.h"

/* Queues msg framed (any thread).  With bounded set, refuses with
 * TRPC_EFULL a message that would take the buffered output above
 * max_send_buffer unless the buffer is empty.  Does not wake the worker.
 * TRPC_OK, TRPC_EFULL, TRPC_ENOMEM, TRPC_ETOOBIG. */
trpc_error trpc__out_write(trpc_call *c, const ProtobufCMessage *msg, bool bounded);
/* Worker: makes nghttp2 look at the output again (submits the response
 * headers the first time). */
void trpc__out_kick(trpc_call *c);
/* Worker: the status is decided (c->status, and c->rt_status says whose):
 * what is queued goes out, then the trailers; Trailers-Only when nothing
 * was sent. */
void trpc__out_respond(trpc_call *c);
/* Worker: refuses the request at the HTTP level (":status" only). */
void trpc__out_http(trpc_call *c, const char *status);

#endif
