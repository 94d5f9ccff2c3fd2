/*
 * typerpc/server.h: the gRPC server.
 *
 * A server owns worker threads, each with its own libevent loop and its own
 * listening socket (SO_REUSEPORT for TCP), so connections spread over cores
 * and the hot path shares no locks.  A connection lives on one worker for its
 * whole life and so do its calls: their notifications run on that worker's
 * thread, unless the method was put on the server's executor (a thread pool
 * for handlers that block).
 *
 * Use: trpc_server_new(), register services (generated pkg__svc__serve()
 * functions call trpc_server_add_service()), optionally
 * trpc_server_use_executor(), trpc_server_listen() one or more addresses,
 * trpc_server_start(), ... trpc_server_shutdown(), trpc_server_free().
 *
 * Generated code gives each method its own call type,
 * `struct Pkg__Svc_M_Call { trpc_call *const base; }`, and its own
 * notification types; the functions below take `call->base`.
 */
#ifndef TYPERPC_SERVER_H
#define TYPERPC_SERVER_H

#include <stdarg.h>
#include "typerpc/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trpc_server trpc_server;

/* A call being served (see "The life of a call" below). */
typedef struct trpc_call trpc_call;

/* Server options.  Fill with TRPC_SERVER_OPTS(...); a zero field means the
 * default given. */
typedef struct trpc_server_opts {
    size_t size;                      /* sizeof(trpc_server_opts) */
    unsigned workers;                 /* worker threads; 0: one per core */
    size_t max_recv_message_size;     /* 0: 4 MiB; larger requests fail with
                                         RESOURCE_EXHAUSTED */
    uint32_t max_concurrent_streams;  /* per connection; 0: 100 */
    uint32_t max_header_list_size;    /* bytes of request headers; 0: 16 KiB */
    int idle_timeout_ms;              /* GOAWAY (NO_ERROR) a connection
                                         without calls for this long, then
                                         close it; 0: 5 minutes; -1: never */
    /* Back-pressure on each call's output (reply messages the peer has not
     * taken yet: waiting for its flow-control window or the socket). */
    size_t send_high_water;           /* above it the call is not writable
                                         (trpc_call_is_writable()); the drain
                                         callback runs once it is back at or
                                         below half of it; 0: 1 MiB */
    size_t max_send_buffer;           /* a write that would take the call's
                                         buffered output above this fails with
                                         TRPC_EFULL (a message alone in an
                                         empty buffer is always accepted);
                                         0: 4 MiB; at least send_high_water */
    unsigned executor_threads;        /* threads of the executor, started only
                                         if a method uses it; 0: 4 */
    /* Keepalive (gRPC's keepalive and ping-enforcement rules). */
    int keepalive_time_ms;            /* ping a connection nothing was read
                                         from for this long (calls open or
                                         not); 0: 2 hours; -1: never */
    int keepalive_timeout_ms;         /* close it (its calls end
                                         CONNECTION_LOST) if the ping is not
                                         answered within this; 0: 20 s */
    int min_ping_interval_ms;         /* a client ping sooner than this after
                                         the previous one (with no HEADERS or
                                         DATA sent in between) is a strike;
                                         0: 5 min; -1: no minimum */
    bool permit_keepalive_without_calls; /* false (default): while no call is
                                         open, a client ping sooner than 2
                                         hours after the previous one is a
                                         strike */
    unsigned max_ping_strikes;        /* the strike after this many gets
                                         GOAWAY ENHANCE_YOUR_CALM
                                         "too_many_pings", and the connection
                                         closes (its calls end
                                         CONNECTION_LOST); 0: 2 */
    /* message compression (common.h, "message compression") */
    trpc_compression compression;     /* replies of every call, toward clients
                                         that accept it; DEFAULT (0) or NONE:
                                         uncompressed.  Requests are always
                                         accepted in identity, deflate, gzip */
    /* Connection limits (docs/runtime.md, "Limits and deadlines").  Also,
     * without an option: when accept() fails (out of file descriptors or
     * memory) a worker stops accepting for 100 ms, doubling to 1 s while it
     * keeps failing, serves the connections it has meanwhile, and writes
     * one line to stderr when such an episode begins and one when it
     * ends. */
    int handshake_timeout_ms;         /* a client must send the HTTP/2
                                         preface and its SETTINGS within this
                                         after the connection is accepted
                                         (on a TLS listener the TLS handshake
                                         comes first, within the TLS
                                         configuration's handshake timeout,
                                         and counts toward this one), or the
                                         connection is closed; 0: 10 s;
                                         -1: never */
    unsigned max_connections;         /* open connections, all listeners and
                                         workers together; at the limit the
                                         server stops accepting (new clients
                                         wait in the kernel's accept queue)
                                         until one closes; 0: three quarters
                                         of RLIMIT_NOFILE's soft limit at
                                         trpc_server_new(), at most 10000 */
    /* Memory bounds (docs/runtime.md, "Memory bounds"). */
    size_t max_buffered_bytes;        /* the budget for request messages
                                         being received, across every call
                                         and connection: a message's buffer
                                         grows as its bytes arrive, and the
                                         call whose buffer would grow past
                                         the budget ends RESOURCE_EXHAUSTED
                                         (buffers over 64 KiB may not use
                                         its last eighth, kept for small
                                         messages); while less than 64 KiB
                                         of it is left, new streams are
                                         refused (RST_STREAM REFUSED_STREAM,
                                         which clients retry).  Replies
                                         waiting for their clients have a
                                         budget of the same size: while
                                         less than 64 KiB of it is left, a
                                         call with replies queued is not
                                         writable (trpc_call_send() fails
                                         TRPC_EFULL) until its queue is
                                         empty; a reply into an empty queue
                                         always goes.  0: 256 MiB;
                                         SIZE_MAX: no limit.  (Request
                                         headers past max_header_list_size
                                         are not kept and the call ends
                                         RESOURCE_EXHAUSTED; past twice that
                                         the stream is reset,
                                         ENHANCE_YOUR_CALM, and the rest of
                                         the block is not looked at.) */
    /* The web protocols (docs/web.md): besides gRPC, every listener serves
     * gRPC-Web (application/grpc-web[-text]) and the Connect protocol
     * (application/proto and application/json, GET for NO_SIDE_EFFECTS
     * methods, application/connect+proto|json streams) to the same
     * handlers.  true: gRPC only; the others get HTTP 415 (405 for GET
     * and OPTIONS), as servers before the web protocols did. */
    bool grpc_only;
} trpc_server_opts;

#define TRPC_SERVER_OPTS(...) TRPC_OPTS_SIZED(trpc_server_opts, __VA_ARGS__)

/* ---- the life of a call --------------------------------------------------------
 *
 * Notifications.  Generated code registers, per method, up to four typed
 * notifications (the generic forms are below):
 *  - message: a request message arrived.  For unary and server-streaming
 *    methods it comes once, after the request stream ended, with the whole
 *    request; for client-streaming and bidi methods, once per message.
 *  - start (client-streaming and bidi only; optional): the call began,
 *    before any message.
 *  - end (client-streaming and bidi only; required): the client half-closed:
 *    no more request messages.
 *  - done (optional): the call is over, with why (trpc_done_reason).  It runs
 *    exactly once per call, last.
 * A call's notifications, and its timer and drain callbacks, run one at a
 * time, in order, in the call's context: its worker thread, or for a method
 * on the executor one executor thread at a time.
 *
 * Results.  message, start and end return a trpc_status: a gRPC code
 * finishes the call with it (for unary and client-streaming methods the
 * reply given to the handler is sent first when the code is OK; a message
 * set with trpc_call_error() goes as grpc-message); TRPC_PENDING means "not
 * finished yet": a streaming-input call then waits for more input, and a
 * unary, server-streaming or end handler that returns it will finish the
 * call later with the method's __finish_call (trpc_call_finish()), from any
 * thread.
 *
 * Finishing and holding.  A call is finished exactly once: by a handler's
 * status, by __finish_call, or by the runtime (client cancellation, deadline,
 * lost connection, shutdown, bad input, see trpc_done_reason).  The
 * application *holds* a call from the moment a unary, server-streaming or
 * end handler returns TRPC_PENDING, or it calls trpc_call_hold(), until it
 * calls __finish_call.  A call handle is valid until the done notification has
 * returned and, if the call is held, until the application's __finish_call,
 * whichever is later: a thread that keeps a call may always finish it,
 * even after the call ended on the wire (__finish_call then returns
 * TRPC_ECLOSED and only releases the hold).  An unheld call is gone when
 * its done notification returns.
 *
 * Memory.  Each call has an arena: the request is decoded into it (a
 * streamed request message is valid only during its notification; a unary
 * or server-streaming request until the call is finished), the reply is
 * allocated and initialised in it, and the handler allocates the reply's
 * strings, bytes and sub-messages from it (trpc_call_alloc(),
 * trpc_call_strdup(), trpc_call_allocator()).  It is freed in one step:
 * when the call is gone if the method has a done notification (per-call
 * state allocated from the arena is usable there), otherwise as soon as
 * the call is finished and not held (the reply is serialized by then), so
 * a finished call whose client reads slowly holds its serialized output
 * and nothing else.
 */

/* Why a call ended; given to the done notification. */
typedef enum trpc_done_reason {
    TRPC_DONE_FINISHED = 0,       /* the application's status was sent */
    TRPC_DONE_CANCELLED = 1,      /* the client cancelled (RST_STREAM) */
    TRPC_DONE_DEADLINE = 2,       /* the deadline passed (the client gets
                                     DEADLINE_EXCEEDED) */
    TRPC_DONE_CONNECTION_LOST = 3,/* the connection closed or broke first */
    TRPC_DONE_SHUTDOWN = 4,       /* cancelled when the shutdown grace ran out */
    TRPC_DONE_FAILED = 5          /* the runtime ended it with an error status:
                                     malformed or oversized input, or out of
                                     memory (trpc_call_status() tells which) */
} trpc_done_reason;

/* "FINISHED", "CANCELLED", ...; never NULL. */
TRPC_EXPORT const char *trpc_done_reason_name(trpc_done_reason why);

/*
 * The generic notifications generated code registers (its thunks cast to
 * the method's types).  impl and user are the pointers given to
 * trpc_server_add_service().  reply is the method's reply message,
 * allocated and initialised in the call's arena, for unary and
 * client-streaming methods, NULL for the others.
 */
typedef trpc_status (*trpc_message_fn)(trpc_call *call, const ProtobufCMessage *req,
                                       ProtobufCMessage *reply, const void *impl,
                                       void *user);
typedef trpc_status (*trpc_event_fn)(trpc_call *call, ProtobufCMessage *reply,
                                     const void *impl, void *user);
typedef void (*trpc_done_fn)(trpc_call *call, trpc_done_reason why, const void *impl,
                             void *user);

typedef struct trpc_method_handlers {
    trpc_message_fn on_message; /* NULL: the method answers UNIMPLEMENTED */
    trpc_event_fn on_start;     /* client-streaming and bidi; may be NULL */
    trpc_event_fn on_end;       /* client-streaming and bidi; required when
                                   on_message is set */
    trpc_done_fn on_done;       /* may be NULL */
} trpc_method_handlers;

/* Creates a server in *out (opts NULL = defaults).  Nothing runs yet.
 * Errors: TRPC_EINVAL, TRPC_ENOMEM, TRPC_ELIBEVENT. */
TRPC_EXPORT trpc_error trpc_server_new(trpc_server **out, const trpc_server_opts *opts);

/* Registers svc: handlers[i] serves svc->methods[i]; impl and user are
 * passed back to every notification.  svc and impl are borrowed and must
 * outlive the server (generated code passes static data); handlers is
 * copied.  Only before trpc_server_start().  Errors: TRPC_EINVAL (NULL
 * argument, or a streaming-input method with on_message but no on_end, or
 * on_start/on_end on a method that has no streaming input), TRPC_ESTATE
 * (already started), TRPC_EEXISTS (a method path is already registered),
 * TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_add_service(trpc_server *srv, const trpc_service *svc,
                                               const trpc_method_handlers *handlers,
                                               const void *impl, void *user);

/* Runs every notification of the named service ("pkg.Service") or method
 * ("/pkg.Service/Method") on the server's executor, a pool of
 * opts.executor_threads threads, so its handlers may block (a database
 * client, file I/O) without stalling the worker's other calls.  A call's
 * notifications still run one at a time and in order; streamed request
 * messages wait for the handler (the client is throttled by flow control).
 * Only after the service is registered and before trpc_server_start().
 * Errors: TRPC_EINVAL, TRPC_ENOENT (nothing registered by that name),
 * TRPC_ESTATE. */
TRPC_EXPORT trpc_error trpc_server_use_executor(trpc_server *srv, const char *name);

/* Binds and listens on addr: "host:port", "[v6addr]:port", ":port" (all
 * interfaces) or "unix:/path" (an existing socket file at path is replaced).
 * Port 0 picks a free port; the bound port is written to *port if port is
 * not NULL (0 for unix sockets).  Only before trpc_server_start().
 * Errors: TRPC_EINVAL, TRPC_EADDR, TRPC_ELISTEN, TRPC_ESTATE, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_listen(trpc_server *srv, const char *addr, int *port);

/* Starts the workers (and the executor if used); returns at once, the
 * server serves in the background.  Errors: TRPC_ESTATE (no listener, or
 * started before), TRPC_ESYS, TRPC_ELIBEVENT, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_start(trpc_server *srv);

/* Graceful shutdown: stops accepting, sends GOAWAY on every connection, lets
 * calls in flight finish for up to grace_ms milliseconds (< 0: forever), then
 * cancels the rest (RST_STREAM CANCEL; their done notifications say
 * TRPC_DONE_SHUTDOWN).  Blocks until every worker has stopped, which
 * includes waiting for held calls to be finished by their owners.  Calling
 * it twice, or on a server never started, is harmless.  Must not be called
 * from a notification.  Returns TRPC_OK. */
TRPC_EXPORT trpc_error trpc_server_shutdown(trpc_server *srv, int grace_ms);

/* Shuts down (grace 0) if still running, then frees everything and removes
 * unix socket files it created.  NULL is a no-op. */
TRPC_EXPORT void trpc_server_free(trpc_server *srv);

/* Bytes of messages the server holds now, counted against the budgets of
 * max_buffered_bytes: buffers of request messages being received plus
 * replies waiting for their clients.  For metrics and tests; 0 for NULL. */
TRPC_EXPORT size_t trpc_server_buffered_bytes(const trpc_server *srv);

/* ---- inside a call -------------------------------------------------------------
 * Unless said otherwise these are for the call's context (its notifications,
 * timer and drain callbacks) or, while the application holds the call, for
 * the one thread using it at a time. */

/* The arena allocator of the call (never NULL), and allocation from it:
 * n bytes 16-byte aligned, or a copy of s; NULL if out of memory. */
TRPC_EXPORT ProtobufCAllocator *trpc_call_allocator(trpc_call *call);
TRPC_EXPORT void *trpc_call_alloc(trpc_call *call, size_t n);
TRPC_EXPORT char *trpc_call_strdup(trpc_call *call, const char *s);

/* The method being served, e.g. "/pkg.Service/Method". */
TRPC_EXPORT const char *trpc_call_path(const trpc_call *call);
/* The peer's address as gRPC writes it: "ipv4:1.2.3.4:5678",
 * "ipv6:[::1]:5678" or "unix:/path" ("unix:" when unnamed). */
TRPC_EXPORT const char *trpc_call_peer(const trpc_call *call);
/* The client's custom metadata; valid while the call is. */
TRPC_EXPORT const trpc_metadata *trpc_call_metadata(const trpc_call *call);
/* The call's deadline on the trpc_now_ms() clock, or INT64_MAX if the client
 * sent none. */
TRPC_EXPORT int64_t trpc_call_deadline(const trpc_call *call);
/* True once the call has ended without the application's status: the
 * client cancelled, the deadline passed, the connection was lost, or the
 * server cancelled it at shutdown.  Thread-safe. */
TRPC_EXPORT bool trpc_call_is_cancelled(const trpc_call *call);
/* The status sent, once the call has ended (in the done notification);
 * TRPC_PENDING before. */
TRPC_EXPORT trpc_status trpc_call_status(const trpc_call *call);

/* A pointer the application keeps with the call (per-call state). */
TRPC_EXPORT void trpc_call_set_data(trpc_call *call, void *data);
TRPC_EXPORT void *trpc_call_data(const trpc_call *call);

/* Takes the application's hold on the call (see "Finishing and holding"):
 * its handle stays valid until the application finishes it, so another
 * thread may write to it and finish it.  Idempotent.  Errors: TRPC_ESTATE
 * if the application already finished the call. */
TRPC_EXPORT trpc_error trpc_call_hold(trpc_call *call);

/* Adds response header metadata; only before the first message is sent.
 * Errors: as trpc_metadata_add(), TRPC_ESTATE if headers are already sent. */
TRPC_EXPORT trpc_error trpc_call_add_header(trpc_call *call, const char *key,
                                            const void *value, size_t len);
/* Adds trailer metadata, sent with the status.  Errors: as
 * trpc_metadata_add(), TRPC_ECLOSED once the call is finished. */
TRPC_EXPORT trpc_error trpc_call_add_trailer(trpc_call *call, const char *key,
                                             const void *value, size_t len);

/* Chooses how this call's replies are compressed, overriding
 * trpc_server_opts.compression (TRPC_COMPRESS_DEFAULT: back to it).  The
 * replies stay uncompressed if the client did not list the algorithm in its
 * grpc-accept-encoding (not an error: gRPC lets the sender choose).
 * Before the first reply is queued (or the headers are sent) it chooses
 * the algorithm, named to the client in grpc-encoding.  After that it
 * chooses per message, as gRPC's per-message flag allows: TRPC_COMPRESS_NONE
 * sends the next replies uncompressed, the call's algorithm (or DEFAULT,
 * when that resolves to it) compresses them again.  Call it from the thread
 * that writes the replies.  Errors: TRPC_EINVAL (not a TRPC_COMPRESS_*
 * value), TRPC_ESTATE (the call is finished, or after the first reply an
 * algorithm other than the one in grpc-encoding). */
TRPC_EXPORT trpc_error trpc_call_set_compression(trpc_call *call, trpc_compression c);

/* Whether the request message being handled (in a request or message
 * notification) came compressed on the wire: gRPC's per-message flag, the
 * message then inflated per grpc-encoding.  The handler always sees the
 * message decompressed; this is for checks such as gRPC's interop
 * "expect_compressed", logging and metrics.  False outside those
 * notifications' messages. */
TRPC_EXPORT bool trpc_call_message_compressed(const trpc_call *call);

/* Sets the status message (printf-style, UTF-8, sent percent-encoded as
 * grpc-message) and returns code, so a handler can write
 * `return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "no user %s", id);`.
 * Out of memory for the message, it returns TRPC_STATUS_RESOURCE_EXHAUSTED
 * instead (the status is not sent without its message). */
TRPC_EXPORT trpc_status trpc_call_error(trpc_call *call, trpc_status code,
                                        const char *fmt, ...) TRPC_PRINTF(3, 4);
TRPC_EXPORT trpc_status trpc_call_verror(trpc_call *call, trpc_status code,
                                         const char *fmt, va_list ap) TRPC_PRINTF(3, 0);

/* Queues one reply message (of the method's output type) on a
 * server-streaming or bidi call; generated __write calls it.  Never waits,
 * from any thread.  Errors: TRPC_EINVAL (wrong type, or a method without a
 * reply stream), TRPC_ECLOSED (the call has ended or was finished),
 * TRPC_EFULL (the call's buffered output would pass max_send_buffer, or the
 * server's budget for queued replies is spent, see max_buffered_bytes: wait
 * for the drain callback or trpc_call_wait_writable(), then write again),
 * TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_call_send(trpc_call *call, const ProtobufCMessage *msg);

/* Finishes the call with code (a gRPC code, not TRPC_PENDING): for unary and
 * client-streaming methods the reply given to the handler is sent first when
 * code is OK; then the status with the message of trpc_call_error() and the
 * trailers.  Releases the application's hold.  From any thread; generated
 * __finish_call calls it.  Errors: TRPC_EINVAL (code not 0..16), TRPC_ESTATE
 * (the application finished the call before), TRPC_ECLOSED (the call had
 * already ended: nothing is sent, the hold is released). */
TRPC_EXPORT trpc_error trpc_call_finish(trpc_call *call, trpc_status code);

/* ---- back-pressure ---- */

/* Bytes of reply messages queued on the call and not yet taken by the
 * peer (thread-safe). */
TRPC_EXPORT size_t trpc_call_send_buffered(const trpc_call *call);
/* True while the buffered output is below the server's send_high_water and
 * the call can still be written to (thread-safe); while the server's budget
 * for queued replies is spent (max_buffered_bytes), only when the call has
 * nothing queued. */
TRPC_EXPORT bool trpc_call_is_writable(const trpc_call *call);

typedef void trpc_call_cb(trpc_call *call, void *arg);
/* Asks for fn(call, arg) once, in the call's context, when the call's
 * buffered output is at or below half of send_high_water (while the
 * server's budget for queued replies is spent: when it is empty; at once,
 * on the next turn of the loop, if it already is).  It does not run if the call
 * ends first (the done notification does).  One request at a time: a new
 * one replaces the previous.  From any thread.  Errors: TRPC_EINVAL,
 * TRPC_ECLOSED. */
TRPC_EXPORT trpc_error trpc_call_on_drain(trpc_call *call, trpc_call_cb *fn, void *arg);
/* Blocks until the call is writable, the call ends (TRPC_ECLOSED) or
 * timeout_ms passes (< 0: no limit; TRPC_ETIMEDOUT).  For threads that may
 * block (an executor handler, an application thread), never the worker:
 * there it returns TRPC_ESTATE. */
TRPC_EXPORT trpc_error trpc_call_wait_writable(trpc_call *call, int64_t timeout_ms);

/* ---- timers ---- */

/* A one-shot timer bound to a call: its callback runs in the call's context
 * and never after the call has ended (timers stop when it does).  Timers
 * are freed with the call; create one and start it as often as needed. */
typedef struct trpc_timer trpc_timer;

/* Creates a stopped timer in *out that will run fn(call, arg).  In the
 * call's context only.  Errors: TRPC_EINVAL, TRPC_ECLOSED, TRPC_ESTATE (not
 * in the call's context), TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_timer_new(trpc_timer **out, trpc_call *call, trpc_call_cb *fn,
                                      void *arg);
/* (Re)starts t to fire once after delay_ms (>= 0).  In the call's context.
 * Errors: TRPC_EINVAL, TRPC_ECLOSED, TRPC_ESTATE. */
TRPC_EXPORT trpc_error trpc_timer_start(trpc_timer *t, int64_t delay_ms);
/* Stops t if it is pending; harmless otherwise.  In the call's context. */
TRPC_EXPORT void trpc_timer_stop(trpc_timer *t);

/* ---- listening sockets made by someone else ---------------------------------------
 * (socket activation: systemd, inetd-style supervisors, a parent process
 * handing its sockets to the next version; typerpc/systemd.h reads
 * systemd's LISTEN_FDS for you.) */

/* Serves on fd, a listening SOCK_STREAM socket (TCP over IPv4 or IPv6, or
 * unix) someone else bound: every worker accepts from it.  The server takes
 * fd (made non-blocking and close-on-exec).  At shutdown it stops accepting
 * from it and closes fd, but does not shut the socket down (as it does its
 * own): whoever else holds the socket (systemd) keeps it listening, and the
 * connections that arrive meanwhile wait in its queue for the next process.
 * A unix socket's file is left in place.  Only before trpc_server_start().
 * Errors (fd is then still the caller's): TRPC_EINVAL (not a listening
 * stream socket of those families), TRPC_ESTATE, TRPC_ESYS, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_listen_fd(trpc_server *srv, int fd);

/* ---- CORS (docs/web.md) ----------------------------------------------------------------
 * For web pages on other origins calling the server with gRPC-Web or
 * Connect.  Without trpc_server_set_cors() no CORS headers are sent and
 * preflights (OPTIONS) get 405. */
typedef struct trpc_cors_opts {
    const char *const *allow_origins;  /* NULL-terminated list; "*" allows any origin */
    const char *const *allow_headers;  /* request headers allowed beyond the protocols' own */
    const char *const *expose_headers; /* response headers exposed beyond the protocols' own */
    int max_age_s;                     /* preflight cache time; 0 = 7200 */
    bool allow_credentials;
} trpc_cors_opts;
/* Answers CORS preflights and adds CORS headers for the listed origins.  Before
 * trpc_server_start().  Copies o.  Errors: TRPC_EINVAL, TRPC_ESTATE, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_set_cors(trpc_server *srv, const trpc_cors_opts *o);

/* ---- interceptors --------------------------------------------------------------------
 * Code that runs around every call of every service of a server, before
 * and after its handler: authentication, logging, metrics.  Both
 * callbacks run on the call's worker thread (never on the executor) and
 * must not block.  Interceptors run in the order they were added; a call
 * to a method the server does not have is answered UNIMPLEMENTED without
 * them. */
typedef struct trpc_server_interceptor {
    size_t size; /* sizeof(trpc_server_interceptor) */
    /* Before the handler hears of the call.  The call's path, metadata,
     * deadline, peer (and TLS identity) can be read; response metadata
     * added (trpc_call_add_header, trpc_call_add_trailer).  Return
     * TRPC_STATUS_OK to go on, or another status to end the call with it
     * (*message, if set, is sent as its grpc-message; it is copied): the
     * handler then hears nothing of the call, the interceptors after this
     * one do not run, and every on_done still does.  NULL: none. */
    trpc_status (*on_start)(trpc_call *call, const char **message, void *user);
    /* When the call is done (the status went out, or the call was
     * cancelled, timed out, lost or shut down), with its status and why;
     * after the handler's done notification, if it has one.  NULL: none. */
    void (*on_done)(trpc_call *call, trpc_status status, trpc_done_reason why, void *user);
    void *user;
} trpc_server_interceptor;

#define TRPC_SERVER_INTERCEPTOR(...) TRPC_OPTS_SIZED(trpc_server_interceptor, __VA_ARGS__)

/* Adds ic (copied) to the end of the server's chain.  Only before
 * trpc_server_start().  Errors: TRPC_EINVAL (NULL, or a size this library
 * does not know), TRPC_ESTATE, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_add_interceptor(trpc_server *srv,
                                                   const trpc_server_interceptor *ic);

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_SERVER_H */
