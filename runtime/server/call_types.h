/*
 * server/call_types.h: the server call object, shared by the modules that
 * make up a call (output.c writes its response, call.c runs its life,
 * call_api.c is what the application sees) and by the connection above
 * them.  Only types live here; the state table is in call.c's head comment.
 *
 * Which thread touches what:
 *  - the worker thread: everything not listed below (the call's state, its
 *    wire, its request, its timers' events, the executor queue);
 *  - any thread, under mu: the output buffer, the drain request, the
 *    application's flags (hold, finished, status), the header freeze;
 *  - any thread, atomically: ended, cancelled, final;
 *  - the call's context (its notifications, timer and drain callbacks; or,
 *    while the application holds the call, the one thread using it): the
 *    arena, the reply, data, the status message, headers and trailers.
 */
#ifndef TRPC_SERVER_CALL_TYPES_H
#define TRPC_SERVER_CALL_TYPES_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <event2/event.h>
#include "typerpc/server.h"
#include "base/addr.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/compress.h"
#include "base/metadata.h"
#include "base/wire.h"
#include "h2/conn.h"
#include "h2/opq.h"
#include "server/executor.h"
#include "server/registry.h"

/* The lifecycle of a call (transitions: call.c's head comment). */
typedef enum trpc__call_state {
    TRPC__CALL_FREE = 0,   /* in the worker's pool */
    TRPC__CALL_HEADERS,    /* request headers arriving */
    TRPC__CALL_OPEN,       /* routed to a method; no status yet */
    TRPC__CALL_FINISHED,   /* status decided; the response drains */
    TRPC__CALL_CLOSED      /* the stream is gone; waiting for the done
                              notification, a task or the hold to end */
} trpc__call_state;

/* The protocol a call speaks (server/web.h), from its request's
 * content-type; gRPC is 0, so a fresh call starts as gRPC. */
typedef enum trpc__proto {
    TRPC__P_GRPC = 0,
    TRPC__P_WEB,            /* application/grpc-web[+proto|+json] */
    TRPC__P_WEB_TEXT,       /* application/grpc-web-text[+proto]: base64 */
    TRPC__P_CONNECT,        /* Connect unary: application/proto|json, or GET */
    TRPC__P_CONNECT_STREAM  /* application/connect+proto|json */
} trpc__proto;

/* What a notification is (the executor queues them). */
typedef enum trpc__notice_kind {
    TRPC__N_START,    /* on_start */
    TRPC__N_REQUEST,  /* on_message with the whole request (unary, server
                         streaming) */
    TRPC__N_MESSAGE,  /* on_message with one streamed request message */
    TRPC__N_END,      /* on_end */
    TRPC__N_TIMER,    /* a timer's callback */
    TRPC__N_DRAIN,    /* the drain callback */
    TRPC__N_DONE      /* on_done */
} trpc__notice_kind;

/* A notification waiting for a call's turn on the executor. */
typedef struct trpc__notice {
    struct trpc__notice *next;
    trpc__notice_kind kind;
    trpc_timer *timer;       /* TRPC__N_TIMER, with the start it fires for */
    unsigned gen;
    trpc_call_cb *fn;        /* TRPC__N_DRAIN */
    void *arg;
    size_t len;              /* TRPC__N_MESSAGE: the message's bytes */
    bool compressed;         /* TRPC__N_MESSAGE: it came compressed */
    uint8_t data[];
} trpc__notice;

/* The server's limits, as every call of it sees them. */
typedef struct trpc__call_limits {
    size_t max_recv_message_size;
    uint32_t max_header_list_size;
    size_t send_high_water;
    size_t max_send_buffer;
    trpc_compression compression;   /* the replies' default */
    trpc__budget *budget;           /* buffered request messages (i12-mem) */
    trpc__budget *out_budget;       /* queued replies (i12-mem) */
    const struct trpc__web_cfg *web; /* the web protocols and CORS (server/web.h) */
} trpc__call_limits;

/* What a worker gives the calls it makes. */
typedef struct trpc__call_env {
    trpc__h2loop *loop;             /* the worker's loop and base */
    trpc__opq *opq;                 /* ops from other threads */
    const trpc__registry *reg;
    trpc__executor *exec;           /* the server's pool, or NULL */
    const trpc__call_limits *lim;
    trpc_call *pool;                /* recycled call objects */
    size_t npool;
    size_t live;                    /* calls out of the pool */
    void (*released)(void *ctx);    /* a call went back to the pool */
    void *ctx;
} trpc__call_env;

struct trpc_timer {
    trpc_call *call;
    trpc_call_cb *fn;
    void *arg;
    struct event *ev;
    unsigned gen;           /* bumped by start and stop (under call->mu) */
    bool armed;             /* started and not fired nor stopped */
    trpc_timer *next;       /* the call's timers, or the spare ones */
};

struct trpc_call {
    trpc_call *base;                /* itself: generated handles are its address */
    trpc__call_env *env;
    trpc__call_state state;

    /* the stream */
    trpc__h2conn *h2;               /* NULL once the stream is gone */
    int32_t sid;
    const trpc__method_entry *ent;  /* once routed */
    char peer[TRPC__PEER_MAX];

    /* the request */
    trpc__buf path;                 /* :path, NUL-terminated */
    size_t hdr_bytes;
    bool post, ct_ok, hdr_too_big;
    bool bad_timeout;                 /* grpc-timeout was malformed */
    bool input_ended;               /* the client half-closed */
    char enc[32];                   /* grpc-encoding */
    unsigned accept;                /* grpc-accept-encoding, TRPC__ENC_BIT()s */
    trpc__buf zbuf;                 /* a compressed request message, inflated */
    /* the web protocols (server/web.h); proto and json are set by the
     * content-type header, the rest only for a web request */
    uint8_t proto;                  /* trpc__proto */
    uint8_t ct_kind;                /* which content-type to echo (web.c) */
    bool json;                      /* messages are protobuf JSON */
    bool web;                       /* not a gRPC-shaped request: web.c looks */
    bool is_get, is_options;
    bool raw_in;                    /* Connect unary: the body is the message */
    bool web_tail;                  /* the end of the body is queued: EOF ends
                                       the stream (no trailers HEADERS) */
    bool bad_input;                 /* the message could not be decoded */
    unsigned web_accept;            /* accept-encoding / connect-accept-encoding */
    char web_enc[16];               /* content-encoding (Connect unary) */
    uint8_t b64q[4];                /* grpc-web-text: an unfinished quantum */
    uint8_t nb64q;
    trpc__buf origin;               /* Origin, when CORS is on */
    trpc__buf web_get;              /* a Connect GET's message; scratch */
    bool msg_compressed;            /* the request message being handled came
                                       compressed (trpc_call_message_compressed);
                                       written only where the handler runs next */
    int64_t deadline;
    struct event *dl_ev;
    bool dl_armed;
    trpc_metadata md;
    trpc__framer fr;
    ProtobufCMessage *req;          /* unary and server streaming */
    unsigned nreq;
    size_t owed;                    /* DATA bytes not yet given back to flow control */

    /* memory */
    trpc__arena arena;              /* request, reply, the handler's allocations */
    trpc__arena scratch;            /* one streamed request message */
    bool arena_freed;               /* released once finished and unheld */
    ProtobufCMessage *reply;        /* unary and client streaming */

    /* the response (output.c); out and the drain request under mu */
    pthread_mutex_t mu;
    pthread_cond_t room;            /* writable again, or ended */
    trpc__buf out;                  /* framed replies not yet given to nghttp2 */
    trpc_call_cb *drain_fn;
    void *drain_arg;
    struct event *drain_ev;         /* runs the drain callback on the worker */
    bool drain_used;                /* drain_ev may be active (skip event_del) */
    bool hdrs_frozen;               /* a reply was queued: no more headers */
    bool headers_sent, trailers_sent;
    bool rt_status;                 /* the runtime decided the status */
    trpc__enc send_enc;             /* the replies' grpc-encoding: set under mu
                                       while !hdrs_frozen, fixed after */
    bool send_plain;                /* under mu: the next replies go uncompressed
                                       although send_enc is not identity (gRPC's
                                       per-message choice) */
    trpc_metadata hdrs, trls;
    trpc__buf msg;                  /* the application's status message */
    trpc__buf rtmsg;                /* the runtime's */
    trpc__buf nvbuf;

    /* the outcome */
    trpc_status status;
    trpc_done_reason why;
    atomic_bool ended;              /* state >= FINISHED: writes fail */
    atomic_bool cancelled;
    atomic_int final;               /* trpc_call_status() */

    /* the application (under mu) */
    bool hold;                      /* it took a hold (PENDING or trpc_call_hold) */
    bool app_finished;              /* it gave its status (returned or __finish) */
    trpc_status app_status;
    /* worker only */
    bool finish_applied;            /* its __finish reached the worker */
    int busy;                       /* entries on the stack, or a task out */
    bool done_sent;                 /* the done notification ran (or none is due) */
    bool icpt_due;                  /* the interceptors' on_done is still to run */
    void *data;
    trpc_timer *timers, *spare_timers;

    /* the executor (worker only, except the task's fields while it runs) */
    trpc__notice *nq_head, *nq_tail;
    unsigned nq_msgs;               /* TRPC__N_MESSAGE notices queued */
    bool task_out;
    trpc__task task;
    trpc__notice *task_notice;
    const ProtobufCMessage *task_msg;
    trpc_status task_status;

    trpc__opq_item op;              /* ops from other threads */
    trpc_call *cprev, *cnext;       /* the connection's calls */
    trpc_call *pnext;               /* the pool */

    /* TLS: the mutual-TLS client's identity (a reference), or NULL */
    struct trpc__tls_ident *ident;
};

/* Ops other threads post to a call (applied in this order). */
enum {
    TRPC__OP_SEND = 1,     /* replies were queued: resume the data */
    TRPC__OP_FINISH = 2,   /* the application's __finish */
    TRPC__OP_TASK = 4      /* an executor task returned */
};

static inline bool trpc__kind_has_reply(trpc_method_kind k)
{
    return k == TRPC_UNARY || k == TRPC_CLIENT_STREAMING;
}

static inline bool trpc__kind_streams_input(trpc_method_kind k)
{
    return k == TRPC_CLIENT_STREAMING || k == TRPC_BIDI_STREAMING;
}

#endif
