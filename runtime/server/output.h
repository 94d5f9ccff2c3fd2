/*
 * server/output.h: the response side of a server call: queueing framed
 * replies under the call's bound, the response headers, the nghttp2 data
 * provider that hands queued bytes to the session, the trailers, and the
 * back-pressure signals (writable again, drained).
 */
#ifndef TRPC_SERVER_OUTPUT_H
#define TRPC_SERVER_OUTPUT_H

#include "server/call_types.h"

/* Queues msg framed (any thread).  With bounded set, refuses with
 * TRPC_EFULL a message that would take the buffered output above
 * max_send_buffer unless the buffer is empty.  Does not wake the worker.
 * TRPC_OK, TRPC_EFULL, TRPC_ENOMEM, TRPC_ETOOBIG. */
trpc_error trpc__out_write(trpc_call *c, const ProtobufCMessage *msg, bool bounded);
/* Bytes queued and not yet handed to nghttp2 (any thread). */
size_t trpc__out_buffered(trpc_call *c);
/* Worker: makes nghttp2 look at the output again (submits the response
 * headers the first time). */
void trpc__out_kick(trpc_call *c);
/* Worker: the status is decided (c->status, and c->rt_status says whose):
 * what is queued goes out, then the trailers; Trailers-Only when nothing
 * was sent. */
void trpc__out_respond(trpc_call *c);
/* Worker: refuses the request at the HTTP level (":status" only). */
void trpc__out_http(trpc_call *c, const char *status);
/* Memory bounds (i12-mem), under c->mu: may the call write (avail: its
 * queued bytes)?  Has it drained enough for its drain callback?  Both
 * follow send_high_water and, while the server's budget is low, hold a
 * call with output queued until it is empty. */
bool trpc__out_writable(const trpc_call *c, size_t avail);
bool trpc__out_drained(const trpc_call *c, size_t avail);
/* Drops the queued output and gives its bytes back to the budget (c->mu
 * held, or the call no longer shared). */
void trpc__out_release(trpc_call *c);
/* Drops replies not yet handed to nghttp2 (any thread). */
void trpc__out_discard(trpc_call *c);
/* Queues the bytes at p (any thread) under trpc__out_write()'s rules. */
trpc_error trpc__out_append(trpc_call *c, const uint8_t *p, size_t len, bool bounded);
/* The status's header fields (grpc-status, the application's trailers
 * unless the runtime decided, grpc-message) into nv; strings in c->nvbuf. */
trpc_error trpc__out_status_nv(trpc_call *c, nghttp2_nv *nv, size_t *n);
/* The data provider's callback: hands queued bytes to nghttp2, then ends
 * the body (trailers, or EOF for the web protocols). */
ssize_t trpc__out_read_cb(nghttp2_session *ng, int32_t sid, uint8_t *buf, size_t len,
                          uint32_t *flags, nghttp2_data_source *src, void *ud);
/* Worker: resets the stream with an HTTP/2 error code. */
void trpc__out_reset(trpc_call *c, uint32_t code);

#endif
