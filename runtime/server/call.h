/*
 * server/call.h: the life of a server call, as the connection above it
 * drives it (request headers, data, end of input, the response's end sent,
 * the stream's close) and as the worker drives it (ops from other threads,
 * shutdown), plus what the public call API needs (context checks, holds,
 * finishing, timers).  The state table is in call.c.
 */
#ifndef TRPC_SERVER_CALL_H
#define TRPC_SERVER_CALL_H

#include "server/call_types.h"

/* Why a stream closed, as the connection saw it. */
typedef enum trpc__close_cause {
    TRPC__CLOSE_STREAM,     /* closed by HTTP/2 (both ends done, or RST_STREAM) */
    TRPC__CLOSE_CONNECTION  /* the connection went away under it */
} trpc__close_cause;

/* ---- the worker's pool of call objects ---- */

/* Prepares env (the caller fills loop, opq, reg, exec, lim, released, ctx
 * around it). */
void trpc__call_env_init(trpc__call_env *env);
/* Frees the pooled call objects (no call may be live). */
void trpc__call_env_fini(trpc__call_env *env);
/* Marks the calling thread as env's worker. */
void trpc__call_enter_worker(trpc__call_env *env);

/* A call for stream sid of connection h2 (peer as trpc__peer_format()
 * wrote it); NULL if out of memory. */
trpc_call *trpc__call_new(trpc__call_env *env, trpc__h2conn *h2, int32_t sid,
                          const char *peer);

/* ---- driven by the connection (worker thread, inside nghttp2 callbacks) ---- */

/* One request header.  0, or an nghttp2 error to fail the session. */
int trpc__call_on_header(trpc_call *c, const uint8_t *name, size_t namelen,
                         const uint8_t *value, size_t valuelen);
/* The request headers are complete: route, start. */
void trpc__call_on_headers_end(trpc_call *c);
/* DATA bytes of the request. */
void trpc__call_on_data(trpc_call *c, const uint8_t *data, size_t len);
/* The client half-closed. */
void trpc__call_on_input_end(trpc_call *c);
/* The response's last HEADERS (END_STREAM) went out. */
void trpc__call_on_end_sent(trpc_call *c);
/* The stream is gone; the connection has unlinked c.  c may be recycled
 * before this returns. */
void trpc__call_on_close(trpc_call *c, trpc__close_cause cause);

/* ---- driven by the worker ---- */

/* Applies ops posted to c's op item by other threads. */
void trpc__call_run_ops(trpc_call *c, unsigned ops);
/* The shutdown grace ran out: reset the stream (RST_STREAM CANCEL). */
void trpc__call_cancel_for_shutdown(trpc_call *c);

/* ---- for the public API (call_api.c) ---- */

/* True on the thread that is c's context now (its worker, or the executor
 * thread running its notification). */
bool trpc__call_in_context(const trpc_call *c);
/* True on c's worker thread. */
bool trpc__call_on_worker(const trpc_call *c);
/* Replies were queued by a thread: get them moving. */
void trpc__call_sent(trpc_call *c);
/* The application's __finish (status already recorded under mu). */
void trpc__call_finished_by_app(trpc_call *c);
/* A stopped timer of c in *out that will run fn(c, arg).  TRPC_OK,
 * TRPC_ECLOSED (the call has ended) or TRPC_ENOMEM. */
trpc_error trpc__call_timer_new(trpc_call *c, trpc_call_cb *fn, void *arg, trpc_timer **out);
/* Asks for the drain callback check on the worker's next turn. */
void trpc__call_drain_soon(trpc_call *c);

#endif
