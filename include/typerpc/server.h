/*
 * typerpc/server.h: the gRPC server.
 *
 * A server owns worker threads, each with its own libevent loop and its own
 * listening socket (SO_REUSEPORT for TCP), so connections spread over cores
 * and the hot path shares no locks.  A connection lives on one worker for its
 * whole life and so do its calls: handlers run on that worker's thread.
 *
 * Use: trpc_server_new(), register services (generated xxx__serve()
 * functions call trpc_server_add_service()), trpc_server_listen() one or more
 * addresses, trpc_server_start(), ... trpc_server_shutdown(), trpc_server_free().
 */
#ifndef TYPERPC_SERVER_H
#define TYPERPC_SERVER_H

#include <stdarg.h>
#include "typerpc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trpc_server trpc_server;

/* A call being served.  Owned by the library; valid from the first handler
 * invocation until the handler returns a final status, or - if it returned
 * TRPC_PENDING - until it calls trpc_call_finish(). */
typedef struct trpc_call trpc_call;

typedef struct trpc_server_opts {
    unsigned workers;               /* worker threads; 0 = one per core */
    size_t max_recv_message_size;   /* default 4 MiB; larger -> RESOURCE_EXHAUSTED */
    uint32_t max_concurrent_streams;  /* per connection; default 100 */
    uint32_t max_header_list_size;  /* bytes of request headers; default 16 KiB */
    int idle_timeout_ms;            /* GOAWAY a connection without calls for
                                       this long; 0 = never (the default) */
} trpc_server_opts;

/* Fills *opts with the defaults. */
TRPC_EXPORT void trpc_server_opts_init(trpc_server_opts *opts);

/*
 * The generic handler that generated code registers for each method.  The
 * library calls it on the call's worker thread:
 *  - TRPC_UNARY: once, in = the request, out = the reply to fill.
 *  - TRPC_SERVER_STREAMING: once, in = the request, out = the call (a writer).
 *  - TRPC_CLIENT_STREAMING: once per request message (in != NULL), then once
 *    with in == NULL when the client half-closes or the call is cancelled;
 *    out = the reply to fill.
 *  - TRPC_BIDI_STREAMING: like client streaming, out = the call (a writer).
 * A streamed request message is valid only during that invocation; a unary
 * or server-streaming request stays valid until the call ends.  The reply
 * has been initialised (descriptor->message_init) in the call's arena.
 * Return a status to finish the call (the reply, if any, is sent when it is
 * TRPC_STATUS_OK), or TRPC_PENDING: for a message of a streaming request it
 * means "go on", at the end of input it means the handler will finish the
 * call later with trpc_call_finish() from any thread.  Once the handler has
 * handed the call to another thread, every later invocation (including the
 * in == NULL one) must return TRPC_PENDING: that thread finishes the call.
 * impl and user are the pointers given to trpc_server_add_service().
 */
typedef trpc_status (*trpc_handler)(trpc_call *call, const ProtobufCMessage *in,
                                    void *out, const void *impl, void *user);

/* Creates a server in *out (opts NULL = defaults).  Nothing runs yet.
 * Errors: TRPC_EINVAL, TRPC_ENOMEM, TRPC_ELIBEVENT. */
TRPC_EXPORT int trpc_server_new(trpc_server **out, const trpc_server_opts *opts);

/* Registers svc: handlers[i] serves svc->methods[i] (NULL entries answer
 * UNIMPLEMENTED); impl and user are passed back to every handler.  svc,
 * handlers and impl are borrowed and must outlive the server (generated code
 * passes static data; handlers is copied).  Only before trpc_server_start().
 * Errors: TRPC_EINVAL, TRPC_ESTATE (already started), TRPC_EEXISTS (a
 * method path is already registered), TRPC_ENOMEM. */
TRPC_EXPORT int trpc_server_add_service(trpc_server *srv, const trpc_service *svc,
                                        const trpc_handler *handlers,
                                        const void *impl, void *user);

/* Binds and listens on addr: "host:port", "[v6addr]:port", ":port" (all
 * interfaces) or "unix:/path" (an existing socket file at path is replaced).
 * Port 0 picks a free port; the bound port is written to *port if port is
 * not NULL (0 for unix sockets).  Only before trpc_server_start().
 * Errors: TRPC_EINVAL, TRPC_EADDR, TRPC_ELISTEN, TRPC_ESTATE, TRPC_ENOMEM. */
TRPC_EXPORT int trpc_server_listen(trpc_server *srv, const char *addr, int *port);

/* Starts the workers; returns at once, the server serves in the background.
 * Errors: TRPC_ESTATE (no listener, or started before), TRPC_ESYS,
 * TRPC_ELIBEVENT, TRPC_ENOMEM. */
TRPC_EXPORT int trpc_server_start(trpc_server *srv);

/* Graceful shutdown: stops accepting, sends GOAWAY on every connection, lets
 * calls in flight finish for up to grace_ms milliseconds (< 0: forever), then
 * cancels the rest (RST_STREAM CANCEL; handlers see trpc_call_is_cancelled()).
 * Blocks until every worker has stopped, which includes waiting for handlers
 * that returned TRPC_PENDING to call trpc_call_finish().  Calling it twice,
 * or on a server never started, is harmless.  Must not be called from a
 * handler.  Returns 0. */
TRPC_EXPORT int trpc_server_shutdown(trpc_server *srv, int grace_ms);

/* Shuts down (grace 0) if still running, then frees everything and removes
 * unix socket files it created.  NULL is a no-op. */
TRPC_EXPORT void trpc_server_free(trpc_server *srv);

/* ---- inside a handler ---------------------------------------------------- */
/* Unless said otherwise these are for the thread that currently owns the call
 * (the worker during a handler invocation, then whoever finishes it). */

/* The arena allocator of the call: memory for the reply's strings, bytes,
 * repeated fields and sub-messages; all freed in one step when the call
 * ends.  Never NULL. */
TRPC_EXPORT ProtobufCAllocator *trpc_call_allocator(trpc_call *call);
/* n bytes from the call's arena (16-byte aligned), NULL if out of memory. */
TRPC_EXPORT void *trpc_call_alloc(trpc_call *call, size_t n);
/* A copy of s in the call's arena, NULL if out of memory. */
TRPC_EXPORT char *trpc_call_strdup(trpc_call *call, const char *s);

/* The method being served, e.g. "/pkg.Service/Method". */
TRPC_EXPORT const char *trpc_call_path(const trpc_call *call);
/* The client's custom metadata; valid while the call is. */
TRPC_EXPORT const trpc_metadata *trpc_call_metadata(const trpc_call *call);
/* The call's deadline on the trpc_now_ms() clock, or INT64_MAX if the client
 * sent none. */
TRPC_EXPORT int64_t trpc_call_deadline(const trpc_call *call);
/* True once the client cancelled, the deadline passed, the connection broke
 * or the server cancelled the call at shutdown.  Thread-safe. */
TRPC_EXPORT bool trpc_call_is_cancelled(const trpc_call *call);

/* A pointer the handler keeps with the call (per-call state for streams). */
TRPC_EXPORT void trpc_call_set_data(trpc_call *call, void *data);
TRPC_EXPORT void *trpc_call_data(const trpc_call *call);

/* Adds response header metadata; only before the first message is sent.
 * Errors: as trpc_metadata_add(), TRPC_ESTATE if headers are already sent. */
TRPC_EXPORT int trpc_call_add_header(trpc_call *call, const char *key,
                                     const void *value, size_t len);
/* Adds trailer metadata, sent with the status.  Errors: as
 * trpc_metadata_add(), TRPC_ECLOSED once the call is finished. */
TRPC_EXPORT int trpc_call_add_trailer(trpc_call *call, const char *key,
                                      const void *value, size_t len);

/* Sets the status message (printf-style, UTF-8, sent percent-encoded as
 * grpc-message) and returns code, so a handler can write
 * `return trpc_call_error(call, TRPC_STATUS_NOT_FOUND, "no user %s", id);`. */
TRPC_EXPORT trpc_status trpc_call_error(trpc_call *call, trpc_status code,
                                        const char *fmt, ...) TRPC_PRINTF(3, 4);

/* Queues one message of a server or bidi stream.  Thread-safe: may be called
 * from any thread while the call is held (for example after the handler
 * returned TRPC_PENDING).  The message is serialized before it returns and
 * leaves as HTTP/2 flow control allows.  On any thread but the call's
 * worker it waits while 4 MiB or more are already queued (back-pressure);
 * on the worker (inside a handler) it never waits and buffers without
 * limit.
 * Errors: TRPC_EINVAL (NULL or wrong message type for the method, or a
 * unary/client-streaming method), TRPC_ECLOSED (call finished, cancelled or
 * its connection lost), TRPC_ENOMEM. */
TRPC_EXPORT int trpc_call_send(trpc_call *call, const ProtobufCMessage *msg);

/* Finishes a call whose handler returned TRPC_PENDING, with status code
 * (and the message set by trpc_call_error(), if any); for unary and client
 * streaming methods the reply given to the handler is sent first when code
 * is TRPC_STATUS_OK.  Thread-safe: any thread, exactly once.  After it
 * returns the call must not be touched.  If the call was cancelled meanwhile
 * nothing is sent and the call is only released. */
TRPC_EXPORT void trpc_call_finish(trpc_call *call, trpc_status code);

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_SERVER_H */
