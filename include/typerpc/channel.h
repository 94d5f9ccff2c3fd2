/*
 * typerpc/channel.h: the gRPC client.
 *
 * A channel is one HTTP/2 connection to one target, shared by every call made
 * on it.  It runs its own I/O thread with a libevent loop; the functions here
 * are safe to call from any number of threads at once.  It connects lazily on
 * the first call, reconnects after a failure with exponential backoff
 * (calls made while it cannot connect fail at once with UNAVAILABLE), and
 * opens a new connection when the server sends GOAWAY.
 *
 * Blocking calls submit their work to the I/O thread and wait on a condition
 * variable; asynchronous calls run their completion callback on the I/O
 * thread (so a callback must not block, and must not call blocking functions
 * of the same channel).
 */
#ifndef TYPERPC_CHANNEL_H
#define TYPERPC_CHANNEL_H

#include "typerpc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trpc_channel trpc_channel;

typedef struct trpc_channel_opts {
    size_t max_recv_message_size;  /* default 4 MiB; larger -> RESOURCE_EXHAUSTED */
    int connect_timeout_ms;        /* default 20000 */
    int backoff_initial_ms;        /* first wait after a failed connect; default 1000 */
    int backoff_max_ms;            /* default 120000 */
    const char *authority;         /* :authority; default the target */
} trpc_channel_opts;

/* Fills *opts with the defaults. */
TRPC_EXPORT void trpc_channel_opts_init(trpc_channel_opts *opts);

/* Per-call options; every field is optional (a zeroed struct, or a NULL
 * pointer to it, means "none").  Out-fields are written when the call ends
 * (trpc_stream_finish(), before a blocking call returns, or before an async
 * callback runs) and must stay valid until then. */
typedef struct trpc_call_opts {
    int64_t timeout_ms;            /* > 0: deadline, sent as grpc-timeout */
    const trpc_metadata *metadata; /* custom metadata to send; copied */
    trpc_metadata *headers;        /* out: response headers (appended) */
    trpc_metadata *trailers;       /* out: trailers (appended) */
    char **message;                /* out: status message, malloc'd, free() it;
                                      NULL when the status has none */
    ProtobufCAllocator *allocator; /* decodes replies; NULL = malloc */
} trpc_call_opts;

/* Creates a channel to target: "host:port", "[v6addr]:port" or
 * "unix:/path".  Does not connect.  Errors: TRPC_EINVAL, TRPC_EADDR (cannot
 * be parsed), TRPC_ENOMEM, TRPC_ELIBEVENT, TRPC_ESYS. */
TRPC_EXPORT int trpc_channel_new(trpc_channel **out, const char *target,
                                 const trpc_channel_opts *opts);

/* Cancels calls still in flight (async callbacks run with CANCELLED), closes
 * the connection and joins the I/O thread.  Every trpc_stream of the channel
 * must have been finished before.  Not from an async callback.  NULL is a
 * no-op. */
TRPC_EXPORT void trpc_channel_free(trpc_channel *ch);

/* ---- unary ----------------------------------------------------------------- */

/* Calls method m (which must be TRPC_UNARY) with req and waits.  On
 * TRPC_STATUS_OK *reply is a new message of type m->output, decoded with
 * opts->allocator (free with protobuf_c_message_free_unpacked()); otherwise
 * *reply is NULL.  Library errors become statuses: a bad argument is
 * INVALID_ARGUMENT, out of memory RESOURCE_EXHAUSTED, each with a message. */
TRPC_EXPORT trpc_status trpc_channel_unary(trpc_channel *ch, const trpc_method *m,
                                           const ProtobufCMessage *req,
                                           ProtobufCMessage **reply,
                                           const trpc_call_opts *opts);

/* Any function pointer, passed through untouched (cast back before calling):
 * generated code hands its typed callback to its own thunk this way. */
typedef void (*trpc_fn)(void);

/* Completion of an async unary call, on the channel's I/O thread.  reply is
 * NULL unless code is TRPC_STATUS_OK; the callback owns it (free with
 * protobuf_c_message_free_unpacked(reply, allocator)).  message is the
 * status message or NULL, valid during the callback.  fn and user are what
 * was given to trpc_channel_unary_async(). */
typedef void (*trpc_unary_done)(trpc_status code, const char *message,
                                ProtobufCMessage *reply, trpc_fn fn, void *user);

/* Starts a unary call and returns at once; done runs exactly once if and
 * only if this returns 0 (possibly before this returns, on the I/O thread).
 * opts->message is ignored (the callback gets the message); the other
 * out-fields must stay valid until the callback.  Errors: TRPC_EINVAL,
 * TRPC_ENOMEM. */
TRPC_EXPORT int trpc_channel_unary_async(trpc_channel *ch, const trpc_method *m,
                                         const ProtobufCMessage *req,
                                         const trpc_call_opts *opts,
                                         trpc_unary_done done, trpc_fn fn,
                                         void *user);

/* ---- streams (any kind of method) ------------------------------------------- */

/* A client call with message streams in both directions; used by one thread
 * at a time per direction (one may send while another receives). */
typedef struct trpc_stream trpc_stream;

/* Starts a call of method m.  opts (and what it points to) must stay valid
 * until trpc_stream_finish().  The stream must be finished with
 * trpc_stream_finish() in every case.  Errors: TRPC_EINVAL, TRPC_ENOMEM. */
TRPC_EXPORT int trpc_stream_start(trpc_channel *ch, const trpc_method *m,
                                  const trpc_call_opts *opts, trpc_stream **out);

/* Queues a request message (of type m->input).  Waits while 4 MiB or more
 * of earlier messages are still unsent (back-pressure); otherwise returns
 * once the message is serialized.
 * Errors: TRPC_EINVAL (wrong type), TRPC_ESTATE (after close_send),
 * TRPC_ECLOSED (the call has ended: finish it to learn why), TRPC_ENOMEM. */
TRPC_EXPORT int trpc_stream_send(trpc_stream *s, const ProtobufCMessage *msg);

/* Half-closes: no more requests.  Errors: TRPC_ESTATE if already closed. */
TRPC_EXPORT int trpc_stream_close_send(trpc_stream *s);

/* Waits for the next reply.  Returns 1 and a new message in *msg (decoded
 * with opts->allocator, the caller frees it), or 0 at the end of the reply
 * stream (then call trpc_stream_finish() for the status), or TRPC_EDECODE if
 * a reply does not decode (the call is cancelled with INTERNAL). */
TRPC_EXPORT int trpc_stream_recv(trpc_stream *s, ProtobufCMessage **msg);

/* Waits for the response headers and returns them (valid until finish), or
 * NULL if the call ended without any (Trailers-Only or failure). */
TRPC_EXPORT const trpc_metadata *trpc_stream_headers(trpc_stream *s);

/* Cancels the call (RST_STREAM CANCEL); its status becomes CANCELLED unless
 * it had already ended.  Thread-safe; the stream must still be finished. */
TRPC_EXPORT void trpc_stream_cancel(trpc_stream *s);

/* Waits for the call to end, fills opts' out-fields, frees the stream and
 * returns the status.  Replies not yet received are discarded. */
TRPC_EXPORT trpc_status trpc_stream_finish(trpc_stream *s);

/* ---- async streams (event-driven programs) ----------------------------------- */

/* Callbacks of an async stream, run on the channel's I/O thread (they must
 * not block, nor make blocking calls on the same channel).  fn is the
 * matching *_fn member, passed back untouched (generated code stores its
 * typed callback there); user is the pointer given at start. */
typedef struct trpc_stream_handlers {
    /* A reply arrived, decoded with opts->allocator; the callback owns msg.
     * NULL: replies are dropped. */
    void (*on_message)(trpc_stream *s, ProtobufCMessage *msg, trpc_fn fn, void *user);
    /* The call ended (exactly once, after the last on_message); opts'
     * headers and trailers are filled; message is valid during the call. */
    void (*on_done)(trpc_stream *s, trpc_status code, const char *message, trpc_fn fn,
                    void *user);
    trpc_fn message_fn, done_fn;
} trpc_stream_handlers;

/* Starts a call whose replies and end are delivered to h (copied) instead
 * of trpc_stream_recv() (which answers TRPC_ESTATE on it).  Send,
 * close_send and cancel work as for any stream, from any thread, and never
 * wait for room when called on the I/O thread.  The stream must still be
 * released with trpc_stream_finish(), which may be called from on_done
 * (it does not wait then) or after it.  Errors: TRPC_EINVAL (no on_done),
 * TRPC_ENOMEM. */
TRPC_EXPORT int trpc_stream_start_async(trpc_channel *ch, const trpc_method *m,
                                        const trpc_call_opts *opts,
                                        const trpc_stream_handlers *h, void *user,
                                        trpc_stream **out);

/* For a call with a single reply (client streaming, or unary driven through
 * a stream): half-closes if needed, waits for the reply and the status, and
 * frees the stream like trpc_stream_finish().  On TRPC_STATUS_OK *reply is
 * the reply (the caller frees it); a missing or second reply turns OK into
 * INTERNAL.  Otherwise *reply is NULL.  On an async stream it is
 * trpc_stream_finish() with *reply NULL (the reply went to on_message). */
TRPC_EXPORT trpc_status trpc_stream_finish_unary(trpc_stream *s,
                                                 ProtobufCMessage **reply);

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_CHANNEL_H */
