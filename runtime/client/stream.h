/*
 * client/stream.h: a client call (trpc_stream) and the part of a channel
 * every stream shares (trpc__client).  The stream's state table is in
 * stream.c.
 *
 * Threads.  A stream lives on its channel's I/O thread (everything under
 * "I/O thread" below), and is used by application threads through the
 * shared part, guarded by the client's mutex: the request buffer, the
 * reply queue, the outcome.  Application threads never touch a session:
 * they post ops to the client's queue and the I/O thread applies them.
 *
 * Lifetime.  References: the application's (dropped by
 * trpc_stream_finish(); an async unary call has none), the I/O thread's
 * (dropped when it is done with the stream: RELEASED), and the op queue's
 * while the stream waits in it.  A stream started with a cancel token holds
 * it from launch until RELEASED, and is registered with it (the token's
 * callback posts the cancel op) from its start op until then.
 */
#ifndef TRPC_CLIENT_STREAM_H
#define TRPC_CLIENT_STREAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include "typerpc/channel.h"
#include "base/buf.h"
#include "base/cancel.h"
#include "base/compress.h"
#include "base/metadata.h"
#include "base/wire.h"
#include "h2/conn.h"
#include "h2/opq.h"

typedef struct trpc__stream_queue {
    trpc_stream *head, *tail;
} trpc__stream_queue;

/* What a channel's streams share; the first member of every trpc_channel
 * (whose own first member, base, is the channel itself). */
typedef struct trpc__client {
    trpc_channel *base;             /* the channel: generated handles are its address */
    pthread_mutex_t mu;             /* the streams' shared state */
    struct event_base *ev;
    trpc__h2loop loop;
    trpc__opq opq;                  /* ops to the I/O thread */
    pthread_t io_thread;
    trpc_channel_opts o;            /* with the defaults filled in */
    char *authority;
    trpc_stream *all;               /* streams the I/O thread holds (I/O thread) */
    bool stopping;                  /* the channel is being freed (I/O thread) */
    void (*released)(struct trpc__client *cl); /* a stream left `all` */
    trpc_client_interceptor *icpt;  /* o.interceptors, copied */
    size_t nicpt;
    /* retries by policy (client/retry.c; I/O thread but for the copy) */
    trpc_retry_policy *retry;       /* o.retry_policies, copied */
    size_t nretry;
    double retry_tokens;            /* the throttle's (o.retry_max_tokens) */
    unsigned retry_rng;
    trpc__stream_queue retry_wait;  /* streams waiting out a retry backoff */
    /* Starts a stream again (a retry whose backoff is over): where a new
     * stream goes (the channel's load balancer). */
    void (*restart)(struct trpc__client *cl, trpc_stream *s);
} trpc__client;

/* The I/O thread's view of a stream (transitions: stream.c). */
typedef enum trpc__stream_state {
    TRPC__STREAM_NEW = 0,  /* created; its start op is on the way */
    TRPC__STREAM_WAITING,  /* queued on a connection that is connecting */
    TRPC__STREAM_OPEN,     /* on the wire, no status yet */
    TRPC__STREAM_ENDED,    /* status known, the wire stream still closing */
    TRPC__STREAM_RELEASED  /* the I/O thread is done with it */
} trpc__stream_state;

/* Ops application threads post to a stream (applied in this order). */
enum {
    TRPC__SOP_START = 1,
    TRPC__SOP_SEND = 2,     /* requests were queued: resume the data */
    TRPC__SOP_CONSUME = 4,  /* replies were taken: open the window */
    TRPC__SOP_DRAIN = 8,    /* check the drain request */
    TRPC__SOP_CANCEL = 16
};

typedef struct trpc__rmsg {
    struct trpc__rmsg *next;
    size_t len;
    bool compressed;                /* it came compressed */
    uint8_t data[];
} trpc__rmsg;

struct trpc_stream {
    trpc_stream *base;              /* itself: generated handles are its address */
    trpc__client *cl;
    const trpc_method *m;
    trpc_call_opts opts;            /* a copy; the out-pointers are the caller's */
    trpc__enc send_enc;             /* the requests' grpc-encoding (fixed) */
    atomic_bool send_plain;         /* the next requests go uncompressed anyway
                                       (trpc_stream_set_compression()) */
    bool recv_compressed;           /* the reply last handed out came compressed
                                       (for the thread that received it) */

    /* shared, under cl->mu */
    trpc__buf out;                  /* framed requests not yet sent */
    size_t wire_off;                /* retained bytes already handed to nghttp2 */
    bool retain;                    /* keep sent bytes for a transparent retry */
    bool send_closed;               /* half-close asked for */
    bool done;                      /* the outcome is known */
    bool headers_ready;
    bool decode_failed;             /* a reply did not decode */
    trpc_status status;
    char *message;
    bool completing;                /* complete() claimed it (under mu) */
    trpc_status refused;            /* an interceptor's status (OK: none) */
    char *refused_msg;
    trpc__rmsg *qhead, *qtail;      /* replies not yet received */
    size_t queued_bytes;
    bool discard;                   /* finishing: drop replies */
    trpc_stream_cb *drain_fn;
    void *drain_arg;
    pthread_cond_t cv;
    int refs;
    trpc__opq_item op;
    trpc__cancel_reg creg;          /* on opts.cancel (its own mutex) */

    /* I/O thread */
    trpc__stream_state state;
    trpc__h2conn *h2;               /* OPEN and ENDED */
    int32_t sid;
    trpc__stream_queue *waitq;      /* WAITING: the queue it is on */
    trpc_stream *qnext;
    bool retried;                   /* transparently (REFUSED_STREAM) */
    int attempts;                   /* by policy: attempts made so far */
    bool policy_retry;              /* the attempt on the wire is to be
                                       retried when its stream closes */
    int64_t retry_delay;            /* ... after this long (ms) */
    int64_t pushback;               /* grpc-retry-pushback-ms: -1 none,
                                       -2 "do not retry" */
    struct event *retry_ev;         /* the backoff is over */
    size_t nnv_base;                /* request headers without grpc-timeout */
    size_t owed;                    /* DATA bytes not yet given back to flow control */
    int64_t deadline;
    struct event *dl_ev;
    trpc__framer fr;
    char renc[32];                  /* the response's grpc-encoding */
    trpc__buf zbuf;                 /* a compressed reply, inflated */
    int http_status;
    bool have_status, ct_ok, saw_headers;
    trpc_status grpc_status;
    char *grpc_message;
    bool msg_lost;                  /* grpc-message not kept: out of memory */
    trpc_metadata hdrs, trls;
    trpc_metadata sendmd;           /* opts.metadata, copied */
    nghttp2_nv *nva;
    size_t nnv;
    trpc__buf nvbuf;
    char timeout_val[16];
    trpc_stream *anext, *aprev;     /* the client's `all` */
    /* an async unary call */
    trpc_unary_done unary_cb;
    trpc_fn unary_fn;
    void *unary_user;
    /* an async stream */
    bool async;
    trpc_stream_handlers h;
    void *h_user;
    /* i13-health: the channel's own call on one subchannel (a health
     * check, client/health.c): no interceptors, no retry (it must stay on
     * its connection), only the I/O thread's reference */
    bool internal;
    /* memory bounds (i12-mem): the response header block being read */
    size_t hblock_bytes;            /* its size so far (RFC 7541's count) */
    bool hblock_info;               /* an informational (1xx) one: ignored */
    unsigned ninfo;                 /* informational blocks so far */
};

/* ---- the client ---- */

/* Sets up cl's mutex, loop and op queue on base (wake runs the ops).
 * Returns 0 or -1. */
int trpc__client_init(trpc__client *cl, struct event_base *base, event_callback_fn wake,
                      void *arg);
void trpc__client_fini(trpc__client *cl);

/* ---- streams: made and started by the public API ---- */

/* A new stream of method m on cl (opts already checked: the caller copies
 * it).  TRPC_OK, TRPC_EINVAL or TRPC_ENOMEM. */
trpc_error trpc__stream_new(trpc_stream **out, trpc__client *cl, const trpc_method *m,
                            const trpc_call_opts *opts);
/* The same for a call the channel makes itself on the I/O thread
 * (client/health.c): s->internal (see there), begun with
 * trpc__stream_begin() and placed by the caller, never launched. */
trpc_error trpc__stream_new_internal(trpc_stream **out, trpc__client *cl, const trpc_method *m,
                                     const trpc_call_opts *opts);
/* Frees a stream that was never launched. */
void trpc__stream_free(trpc_stream *s);
/* Posts the start op (holding the cancel token, if any): the I/O thread
 * takes it from here. */
void trpc__stream_launch(trpc_stream *s);
/* Posts ops (cl->mu held); counts the queue's reference. */
void trpc__stream_post(trpc_stream *s, unsigned ops);
/* Drops a reference (cl->mu not held); frees at zero. */
void trpc__stream_unref(trpc_stream *s);

/* ---- the I/O thread: ops and deadlines ---- */

/* The start op: links s into cl->all, registers it with its cancel token
 * and arms its deadline.  False if s ended at once (channel closing, token
 * cancelled, deadline passed). */
bool trpc__stream_begin(trpc_stream *s);
/* Applies the ops other than START. */
void trpc__stream_run_ops(trpc_stream *s, unsigned ops);
/* Ends s from this side with st (RST_STREAM CANCEL when on the wire). */
void trpc__stream_abort(trpc_stream *s, trpc_status st, const char *msg);

/* ---- the I/O thread: driven by a connection ---- */

/* Queues s (NEW) on a connection that is connecting. */
void trpc__stream_wait(trpc_stream *s, trpc__stream_queue *q);
/* Takes the first stream of q (it is NEW again), or NULL. */
trpc_stream *trpc__stream_unqueue(trpc__stream_queue *q);
/* Puts s on the wire of h2: OPEN; or ends it UNAVAILABLE if nghttp2
 * refuses.  True if it is open. */
bool trpc__stream_submit(trpc_stream *s, trpc__h2conn *h2);
/* A response header block (headers, trailers, or an informational 1xx)
 * begins. */
void trpc__stream_on_begin_headers(trpc_stream *s);
/* A header field of a response HEADERS frame.  Returns 0, or
 * NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE when s was ended for the block
 * (larger than the channel's max_header_list_size, or one informational
 * block too many): nghttp2 then skips the rest of it. */
int trpc__stream_on_header(trpc_stream *s, const nghttp2_frame *frame, const uint8_t *name,
                           size_t namelen, const uint8_t *value, size_t valuelen);
/* A HEADERS or DATA frame arrived complete (END_STREAM in its flags). */
void trpc__stream_on_frame(trpc_stream *s, const nghttp2_frame *frame);
void trpc__stream_on_data(trpc_stream *s, const uint8_t *data, size_t len);
/* What becomes of a stream whose wire stream closed (trpc__stream_retry). */
typedef enum trpc__retry_kind {
    TRPC__RETRY_NO,    /* it ends: trpc__stream_on_close() */
    TRPC__RETRY_NOW,   /* NEW again, detached: start it again at once */
    TRPC__RETRY_LATER  /* detached and waiting out its backoff (cl->restart
                          starts it again) */
} trpc__retry_kind;
/* The server refused s unprocessed (REFUSED_STREAM: NOW, once), or its
 * retry policy asked for another attempt (LATER)? */
trpc__retry_kind trpc__stream_retry(trpc_stream *s, uint32_t err);
/* The connection of s (OPEN) is failing with st: true if its retry
 * policy takes it (nothing committed, st retryable, ...): then it is
 * detached and waiting out its backoff, as trpc__stream_retry()'s LATER. */
bool trpc__stream_retry_lost(trpc_stream *s, trpc_status st);
/* The wire stream closed with err: ends s if it had not ended, releases
 * it. */
void trpc__stream_on_close(trpc_stream *s, uint32_t err);
/* Ends and releases s because its connection failed or never came. */
void trpc__stream_fail(trpc_stream *s, trpc_status st, const char *msg);

/* The status message of a call whose reply message could not be decoded
 * (INTERNAL): "the reply message" for methods with one reply, "a reply
 * message" for server-streaming and bidi ones. */
static inline const char *trpc__bad_reply_msg(const trpc_method *m)
{
    return m->kind == TRPC_UNARY || m->kind == TRPC_CLIENT_STREAMING
               ? "could not decode the reply message"
               : "could not decode a reply message";
}

#endif
