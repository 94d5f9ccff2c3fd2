/*
 * typerpc/channel.h: the gRPC client.
 *
 * A channel is one HTTP/2 connection to one target, shared by every call made
 * on it (or, for a target that lists several addresses, one per address,
 * with a load-balancing policy choosing for each call).  It runs its own I/O thread with a libevent loop; the functions here
 * are safe to call from any number of threads at once.  It resolves the
 * target's name asynchronously (libevent's evdns, never blocking the loop;
 * again for every new connection), connects lazily on the first call,
 * reconnects after a failure with exponential backoff (calls made while it
 * cannot connect fail at once with UNAVAILABLE unless they ask to wait for
 * ready), opens a new connection when the server sends GOAWAY, and can keep
 * connections alive with pings.
 *
 * Blocking calls submit their work to the I/O thread and wait; asynchronous
 * calls run their callbacks on the I/O thread (so a callback must not block,
 * and must not call blocking functions of the same channel).
 *
 * Generated code gives each service a client type,
 * `struct Pkg__Svc_Client { trpc_channel *const base; }`, made from a
 * channel with pkg__svc__client(ch), and each streaming method a stream
 * type, `struct Pkg__Svc_M_Stream { trpc_stream *const base; }`; the
 * functions below take `x->base`.
 */
#ifndef TYPERPC_CHANNEL_H
#define TYPERPC_CHANNEL_H

#include "typerpc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trpc_channel trpc_channel;

/* Channel options.  Fill with TRPC_CHANNEL_OPTS(...); a zero field means
 * the default given. */
typedef struct trpc_channel_opts {
    size_t size;                   /* sizeof(trpc_channel_opts) */
    size_t max_recv_message_size;  /* 0: 4 MiB; larger replies fail the call
                                      with RESOURCE_EXHAUSTED */
    int connect_timeout_ms;        /* 0: 20000 */
    int backoff_initial_ms;        /* first wait after a failed connect; 0: 1000 */
    int backoff_max_ms;            /* 0: 120000 (multiplier 1.6, jitter 0.2) */
    const char *authority;         /* :authority; NULL: the target */
    /* Back-pressure on each stream's requests. */
    size_t send_high_water;        /* a blocking send waits while this much is
                                      unsent; 0: 1 MiB */
    size_t max_send_buffer;        /* a send that cannot wait (on the I/O
                                      thread) fails with TRPC_EFULL past this;
                                      0: 4 MiB */
    size_t recv_buffer;            /* unread replies per stream before flow
                                      control holds the server back; 0: 1 MiB */
    /* Keepalive (gRPC's client keepalive).  Servers limit how often they
     * accept pings (gRPC's: once in 5 minutes by default); one that finds
     * them too frequent answers GOAWAY ENHANCE_YOUR_CALM "too_many_pings",
     * which fails that connection's calls, and the channel doubles its
     * keepalive time for new connections. */
    int keepalive_time_ms;         /* ping after this long without reading
                                      anything, while calls are open; 0:
                                      never */
    int keepalive_timeout_ms;      /* close the connection (its calls fail
                                      UNAVAILABLE) when a ping is not answered
                                      within this; 0: 20 s */
    bool keepalive_without_calls;  /* ping also when no call is open */
    /* message compression (common.h, "message compression") */
    trpc_compression compression;  /* requests of every call (a call's
                                      trpc_call_opts.compression overrides
                                      it); DEFAULT (0) or NONE: uncompressed.
                                      Replies are always accepted in
                                      identity, deflate and gzip */
    /* TLS (typerpc/tls.h).  The files are read by trpc_channel_new(). */
    bool tls;                      /* TLS, verifying the server against the
                                      system's CA store unless tls_ca_file
                                      says otherwise; implied by any tls_*
                                      field below */
    const char *tls_ca_file;       /* PEM CA certificates the server's
                                      certificate must chain to */
    const char *tls_cert_file;     /* PEM client certificate chain (mutual
                                      TLS), with ... */
    const char *tls_key_file;      /* ... its private key */
    const char *tls_authority;     /* the name the server's certificate is
                                      verified against and sent as SNI;
                                      NULL: the target's host (an IP address
                                      target is checked against IP SANs) */
    /* Interceptors (trpc_client_interceptor, below): ninterceptors
     * pointers, run in this order around every call of the channel; the
     * interceptors are copied by trpc_channel_new(). */
    const struct trpc_client_interceptor *const *interceptors;
    size_t ninterceptors;
    /* Memory bounds (docs/runtime.md, "Memory bounds"). */
    uint32_t max_header_list_size; /* bytes of one response header block
                                      (headers or trailers, counted as
                                      HTTP/2 does: name + value + 32 per
                                      field), advertised to the server; a
                                      larger one ends the call
                                      RESOURCE_EXHAUSTED and is not read
                                      further.  Informational (1xx)
                                      responses are ignored, more than 8
                                      end the call INTERNAL.  0: 16 KiB */
    /* Load balancing over the target's addresses (an "ipv4:" or "ipv6:"
     * list, or a name's records; see trpc_channel_new): "pick_first" (NULL: the default, as
     * gRPC's: the first address that connects takes every call, the next
     * is tried when it fails or sends GOAWAY) or "round_robin" (one
     * connection per address, each new call to the next one that is
     * ready; an address that fails is skipped until it connects again,
     * after its backoff, and one that sends GOAWAY gets no new calls).
     * Another name: trpc_channel_new() fails with TRPC_EINVAL.  Each
     * address has its own backoff (the fields above). */
    const char *lb_policy;
    /* A name target ("host:port", "dns:...") with lb_policy "round_robin"
     * gets one connection per address its lookup (A and AAAA) finds, and
     * is looked up again when a connection is lost (at most once a
     * second) and every resolve_interval_ms: instances that appear get
     * calls, those that vanish get none once their calls are over.
     * 0: 30000; negative: only on connection loss. */
    int resolve_interval_ms;
    /* Retries by policy (gRPC's A6; trpc_retry_policy below):
     * nretry_policies pointers, the first that matches a call's method
     * applies (copied by trpc_channel_new()). */
    const struct trpc_retry_policy *const *retry_policies;
    size_t nretry_policies;
    /* Retry throttling (A6): the channel holds retry_max_tokens tokens;
     * every attempt that fails with a retryable status takes one, every OK
     * call gives back retry_token_ratio (at most to the maximum); no call
     * is retried while half or less are left, so a failing service is not
     * stormed.  0: no throttling. */
    int retry_max_tokens;
    double retry_token_ratio;      /* 0: 0.1 */
    /* Client-side health checking (gRPC's A17, as its service config's
     * healthCheckConfig.serviceName): each connection, once up, watches
     * this service's health with grpc.health.v1.Health/Watch ("" : the
     * server as a whole) and takes calls only while the answer is SERVING;
     * NOT_SERVING or SERVICE_UNKNOWN instances get no new calls until they
     * answer SERVING again.  A server that answers UNIMPLEMENTED (no health
     * service) is used as healthy (logged once); a watch that ends
     * otherwise is tried again with backoff while the connection lives.
     * With round_robin calls go to the healthy instances in turn; with
     * pick_first to the first address, in order, that is healthy.  No
     * healthy instance: calls wait for ready, or fail UNAVAILABLE saying
     * why.  NULL: off (copied by trpc_channel_new()). */
    const char *health_check_service;
} trpc_channel_opts;

#define TRPC_CHANNEL_OPTS(...) TRPC_OPTS_SIZED(trpc_channel_opts, __VA_ARGS__)

/* A retry policy (gRPC's A6 retryPolicy): a call of a method it matches
 * that fails with one of retryable_codes before the server sent response
 * headers (a Trailers-Only answer, or a lost connection: nothing was
 * committed) is sent again,
 * to the address the load-balancing policy picks, after a random wait in
 * [0, min(initial_backoff_ms x backoff_multiplier^(n-1), max_backoff_ms)],
 * up to max_attempts attempts in all, within the call's deadline.  A
 * server's trailer grpc-retry-pushback-ms sets the wait (a negative or bad
 * value: no retry).  A call whose connection is lost before the server
 * answered (UNAVAILABLE) is retried the same way.  Only requests up to
 * 256 KiB are kept for it.  Fill with TRPC_RETRY_POLICY(...). */
typedef struct trpc_retry_policy {
    size_t size;                   /* sizeof(trpc_retry_policy) */
    const char *service;           /* "pkg.Service": its methods; NULL: every
                                      method of the channel */
    const char *method;            /* with service: only this method
                                      ("SayHello"); NULL: all of them */
    int max_attempts;              /* 2 or more (5 at most, as gRPC caps it);
                                      less: the policy is an error */
    int initial_backoff_ms;        /* 0: 100 */
    int max_backoff_ms;            /* 0: 1000 */
    double backoff_multiplier;     /* 0: 2 */
    uint32_t retryable_codes;      /* TRPC_RETRY_ON(status) | ...; none: an
                                      error */
} trpc_retry_policy;

#define TRPC_RETRY_POLICY(...) TRPC_OPTS_SIZED(trpc_retry_policy, __VA_ARGS__)
#define TRPC_RETRY_ON(status) (1u << (unsigned)(status))

/* Code that runs around every call a channel makes: adding credentials or
 * a request id to the metadata, logging, metrics, refusing calls locally.
 * Given in trpc_channel_opts.interceptors (each made with
 * TRPC_CLIENT_INTERCEPTOR(...)). */
typedef struct trpc_client_interceptor {
    size_t size; /* sizeof(trpc_client_interceptor) */
    /* Before the call is sent, on the thread that starts it.  md is the
     * call's request metadata (the call's own, copied), which it may add
     * to (trpc_metadata_add); deadline is the call's (trpc_now_ms() clock,
     * INT64_MAX: none).  Return TRPC_STATUS_OK to go on, or another status
     * to end the call with it before anything is sent (*message, if set,
     * is its message; copied): the interceptors after this one do not
     * run, every on_done does.  NULL: none. */
    trpc_status (*on_start)(const trpc_method *m, trpc_metadata *md, int64_t deadline,
                            const char **message, void *user);
    /* When the call has its status (with its message, or NULL), on the
     * channel's I/O thread: must not block.  NULL: none. */
    void (*on_done)(const trpc_method *m, trpc_status status, const char *message, void *user);
    void *user;
} trpc_client_interceptor;

#define TRPC_CLIENT_INTERCEPTOR(...) TRPC_OPTS_SIZED(trpc_client_interceptor, __VA_ARGS__)

/* Creates a channel to target: "host:port" (a numeric address, or a name
 * looked up asynchronously for A and AAAA records with the system's
 * resolv.conf and hosts file; every address is tried in turn, or, with
 * lb_policy "round_robin", each gets its own connection),
 * "[v6addr]:port", "unix:/path" (or "unix:///path"), or gRPC's DNS form
 * "dns:host:port", "dns:///host:port", "dns://SERVER/host:port" (SERVER:
 * "ip", "ip:port" or "[v6]:port", the DNS server to ask instead).  A name
 * that does not resolve fails the calls waiting for it with UNAVAILABLE.
 * gRPC's address
 * lists name several instances of a service, balanced as
 * trpc_channel_opts.lb_policy says: "ipv4:ADDR[:PORT][,ADDR[:PORT]...]"
 * and "ipv6:ADDR,[ADDR]:PORT,..." (numeric addresses; the port defaults to
 * 443; :authority defaults to the first address).  Does not connect.
 * Errors: TRPC_EINVAL (also an unknown lb_policy), TRPC_EADDR (cannot be
 * parsed), TRPC_ENOMEM, TRPC_ELIBEVENT, TRPC_ESYS. */
TRPC_EXPORT trpc_error trpc_channel_new(trpc_channel **out, const char *target,
                                        const trpc_channel_opts *opts);

/* Cancels calls still in flight (async callbacks run with CANCELLED), closes
 * the connection and joins the I/O thread.  Every trpc_stream of the channel
 * must have been finished before.  Not from an async callback.  NULL is a
 * no-op. */
TRPC_EXPORT void trpc_channel_free(trpc_channel *ch);

/* ---- cancellation from any thread ----------------------------------------------- */

/* A cancellation token: given to any number of calls through
 * trpc_call_opts.cancel (on any channels), it cancels them all when
 * cancelled, from any thread, as trpc_stream_cancel() would: a blocking call
 * returns CANCELLED, a stream's recv returns false and its finish
 * CANCELLED, async callbacks run with CANCELLED, and the server sees
 * RST_STREAM CANCEL.  A call started with a token already cancelled fails
 * at once with CANCELLED, without reaching the network.  Thread-safe;
 * reference-counted internally, so it may be freed while calls still use it.
 * Cancelling twice is harmless. */
typedef struct trpc_cancel_token trpc_cancel_token;

/* Errors: TRPC_EINVAL, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_cancel_token_new(trpc_cancel_token **out);
TRPC_EXPORT void trpc_cancel_token_cancel(trpc_cancel_token *t);
TRPC_EXPORT bool trpc_cancel_token_is_cancelled(const trpc_cancel_token *t);
/* NULL is a no-op. */
TRPC_EXPORT void trpc_cancel_token_free(trpc_cancel_token *t);

/* ---- per-call options ----------------------------------------------------------- */

/* Fill with TRPC_CALL_OPTS(...); every field is optional.  Out-fields are
 * written when the call ends (trpc_stream_finish(), before a blocking call
 * returns, or before an async callback runs) and must stay valid until then.
 * When they cannot all be written (out of memory), the call's status is
 * RESOURCE_EXHAUSTED, whatever the server said. */
typedef struct trpc_call_opts {
    size_t size;                   /* sizeof(trpc_call_opts) */
    int64_t timeout_ms;            /* > 0: deadline this long from the start,
                                      sent as grpc-timeout */
    int64_t deadline;              /* > 0 and < INT64_MAX: an absolute deadline
                                      on the trpc_now_ms() clock (pass
                                      trpc_call_deadline() of the call being
                                      served to propagate it); with timeout_ms
                                      too, the earlier applies */
    const trpc_metadata *metadata; /* custom metadata to send; copied */
    trpc_metadata *headers;        /* out: response headers (appended) */
    trpc_metadata *trailers;       /* out: trailers (appended) */
    char **message;                /* out: status message, malloc'd, free() it;
                                      NULL when the status has none */
    ProtobufCAllocator *allocator; /* decodes replies; NULL = malloc */
    trpc_cancel_token *cancel;     /* cancels the call; held until it ends */
    bool wait_for_ready;           /* while the channel cannot connect, wait
                                      (until the deadline, a cancellation or
                                      the channel's end) instead of failing
                                      with UNAVAILABLE at once */
    trpc_compression compression;  /* this call's requests; DEFAULT (0): the
                                      channel's; NONE: uncompressed */
} trpc_call_opts;

#define TRPC_CALL_OPTS(...) TRPC_OPTS_SIZED(trpc_call_opts, __VA_ARGS__)

/* ---- unary ------------------------------------------------------------------------ */

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

/* The outcome of an async unary call, valid during its callback. */
typedef struct trpc_unary_result {
    trpc_status status;
    const char *message;            /* status message, or NULL */
    ProtobufCMessage *reply;        /* NULL unless status is OK; the callback
                                       owns it (free with
                                       protobuf_c_message_free_unpacked(reply,
                                       opts->allocator)) */
    const trpc_metadata *headers;   /* response headers (never NULL) */
    const trpc_metadata *trailers;  /* trailers (never NULL) */
} trpc_unary_result;

/* Completion of an async unary call, on the channel's I/O thread.  fn and
 * user are what was given to trpc_channel_unary_async(). */
typedef void (*trpc_unary_done)(const trpc_unary_result *result, trpc_fn fn, void *user);

/* Starts a unary call and returns at once; done runs exactly once if and
 * only if this returns TRPC_OK (possibly before this returns, on the I/O
 * thread).  opts->message, headers and trailers are ignored (the result
 * carries them).  Errors: TRPC_EINVAL, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_channel_unary_async(trpc_channel *ch, const trpc_method *m,
                                                const ProtobufCMessage *req,
                                                const trpc_call_opts *opts,
                                                trpc_unary_done done, trpc_fn fn,
                                                void *user);

/* ---- streams (any kind of method) ---------------------------------------------------- */

/* A client call with message streams in both directions; used by one thread
 * at a time per direction (one may send while another receives). */
typedef struct trpc_stream trpc_stream;

/* Starts a call of method m in *out.  opts (and what it points to) must stay
 * valid until trpc_stream_finish().  The stream must be finished with
 * trpc_stream_finish() in every case.  Errors: TRPC_EINVAL, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_stream_start(trpc_stream **out, trpc_channel *ch,
                                         const trpc_method *m, const trpc_call_opts *opts);

/* Queues a request message (of type m->input).  Off the I/O thread it waits
 * while send_high_water or more is unsent (back-pressure); on the I/O thread
 * it never waits and fails with TRPC_EFULL past max_send_buffer.
 * Errors: TRPC_EINVAL (wrong type), TRPC_ESTATE (after close_send),
 * TRPC_ECLOSED (the call has ended, e.g. the server already sent its
 * status: finish it to learn it), TRPC_EFULL, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_stream_send(trpc_stream *s, const ProtobufCMessage *msg);

/* Half-closes: no more requests.  Errors: TRPC_ESTATE if already closed,
 * TRPC_ECLOSED if the call has ended. */
TRPC_EXPORT trpc_error trpc_stream_close_send(trpc_stream *s);

/* Waits for the next reply.  true: *msg is a new message (decoded with
 * opts->allocator; the caller frees it).  false: *msg is NULL, the replies
 * are over (ended, failed, or a reply did not decode, which cancels the
 * call with INTERNAL): trpc_stream_finish() tells the status.  Always false
 * on an async stream. */
TRPC_EXPORT bool trpc_stream_recv(trpc_stream *s, ProtobufCMessage **msg);

/* Waits for the response headers and returns them (valid until finish), or
 * NULL if the call ended without any (Trailers-Only or failure). */
TRPC_EXPORT const trpc_metadata *trpc_stream_headers(trpc_stream *s);

/* Cancels the call (RST_STREAM CANCEL); its status becomes CANCELLED unless
 * it had already ended.  Thread-safe; the stream must still be finished. */
TRPC_EXPORT void trpc_stream_cancel(trpc_stream *s);

/* Waits for the call to end (half-closing first if needed), fills opts'
 * out-fields, frees the stream and returns the status.  Replies not yet
 * received are discarded. */
TRPC_EXPORT trpc_status trpc_stream_finish(trpc_stream *s);

/* For a call with a single reply (client streaming): half-closes if needed,
 * waits for the reply and the status, and frees the stream like
 * trpc_stream_finish().  On TRPC_STATUS_OK *reply is the reply (the caller
 * frees it); a missing or second reply turns OK into INTERNAL.  Otherwise
 * *reply is NULL.  On an async stream it is trpc_stream_finish() with
 * *reply NULL (the reply went to on_message). */
TRPC_EXPORT trpc_status trpc_stream_finish_unary(trpc_stream *s, ProtobufCMessage **reply);

/* Bytes of request messages queued and not yet sent (thread-safe). */
TRPC_EXPORT size_t trpc_stream_send_buffered(const trpc_stream *s);
/* True while less than send_high_water is unsent and the call can still
 * send (thread-safe). */
TRPC_EXPORT bool trpc_stream_is_writable(const trpc_stream *s);

/* Per message: TRPC_COMPRESS_NONE sends the next requests of this stream
 * uncompressed, the call's algorithm (trpc_call_opts.compression, or
 * DEFAULT for the channel's) compresses them again (gRPC's per-message
 * flag; grpc-encoding went out with the request headers, so another
 * algorithm is TRPC_ESTATE).  Errors: TRPC_EINVAL, TRPC_ESTATE. */
TRPC_EXPORT trpc_error trpc_stream_set_compression(trpc_stream *s, trpc_compression c);
/* Whether the reply last returned by trpc_stream_recv() (or given to an
 * async stream's on_message, during that callback) came compressed on the
 * wire; the message itself is always decompressed.  For the thread that
 * received it. */
TRPC_EXPORT bool trpc_stream_message_compressed(const trpc_stream *s);

typedef void trpc_stream_cb(trpc_stream *s, void *arg);
/* Asks for fn(s, arg) once, on the I/O thread, when the unsent requests are
 * at or below half of send_high_water (at once if they already are).  It
 * does not run if the call ends first.  One request at a time.  From any
 * thread.  Errors: TRPC_EINVAL, TRPC_ECLOSED. */
TRPC_EXPORT trpc_error trpc_stream_on_drain(trpc_stream *s, trpc_stream_cb *fn, void *arg);

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
    void (*on_status)(trpc_stream *s, trpc_status code, const char *message, trpc_fn fn,
                      void *user);
    trpc_fn message_fn, status_fn;
} trpc_stream_handlers;

/* Starts a call in *out whose replies and end are delivered to h (copied)
 * instead of trpc_stream_recv().  Send, close_send and cancel work as for
 * any stream, from any thread.  The stream must still be released with
 * trpc_stream_finish(), which may be called from on_status (it does not
 * wait then) or after it.  Errors: TRPC_EINVAL (no on_status),
 * TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_stream_start_async(trpc_stream **out, trpc_channel *ch,
                                               const trpc_method *m,
                                               const trpc_call_opts *opts,
                                               const trpc_stream_handlers *h, void *user);

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_CHANNEL_H */
