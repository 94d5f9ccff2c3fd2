/*
 * server/out_queue.h: a server call's queued response bytes (out_queue.c):
 * queueing under the call's bound and the server's output budget, the
 * nghttp2 data provider that hands them to the session and ends the body,
 * the status's header fields, and the back-pressure signals (writable
 * again, drained).  Every protocol's framing (output.c, web_out.c) sits on
 * top of it.
 */
#ifndef TRPC_SERVER_OUT_QUEUE_H
#define TRPC_SERVER_OUT_QUEUE_H

#include "server/call_types.h"

/* Takes n bytes from the output budget: refused only while the budget is
 * low and not with must.  trpc__out_give() returns them. */
bool trpc__out_take(trpc_call *c, size_t n, bool must);
void trpc__out_give(trpc_call *c, size_t n);
/* Bytes queued and not yet handed to nghttp2 (any thread). */
size_t trpc__out_buffered(trpc_call *c);
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
