/*
 * echo_impl.c: the echo.Echo implementation the runtime tests serve.
 *
 * Modes (EchoRequest.mode):
 *   ""          echo text and payload; code != 0 fails with status code and
 *               message text
 *   "metadata"  echo the request metadata back as headers and trailers
 *   "deadline"  report the time left before the call's deadline (-1: none)
 *   "defer"     return TRPC_PENDING (the call is held); another thread
 *               finishes it after sleep_ms (server streams: that thread
 *               writes the replies, waiting for room when the peer is slow)
 *   "wait_cancel" another thread waits until the call is cancelled, counts
 *               it, and finishes it (which then only releases the hold)
 *   "big"       reply payload of count bytes
 *   "identity", "deflate", "gzip" (unary) the reply's compression, set
 *               with trpc_call_set_compression()
 * Every method counts its done notifications by reason; a streaming call
 * that ends without the application's status counts as saw_cancel.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "echo_impl.h"

echo_stats echo_stats_g;

void echo_impl_reset(void)
{
    atomic_store(&echo_stats_g.started, 0);
    atomic_store(&echo_stats_g.saw_cancel, 0);
    atomic_store(&echo_stats_g.finished_late, 0);
    atomic_store(&echo_stats_g.stream_msgs, 0);
    atomic_store(&echo_stats_g.late_closed, 0);
    for (int i = 0; i < 6; i++) {
        atomic_store(&echo_stats_g.done[i], 0);
    }
}

void echo_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int echo_wait_counter(atomic_int *counter, int n)
{
    for (int i = 0; i < 2000; i++) {
        if (atomic_load(counter) >= n) {
            return 1;
        }
        echo_sleep_ms(5);
    }
    return 0;
}

/* A held call finished by a thread of its own. */
typedef struct deferred {
    Echo__Echo_Unary_Call *ucall;        /* unary */
    Echo__EchoReply *reply;
    Echo__Echo_ServerStream_Call *scall; /* server streaming */
    char *text;
    int count, code, sleep_ms;
    size_t payload_len; /* server streaming: each reply carries this many bytes */
    int wait_cancel;
} deferred;

static trpc_call *deferred_base(const deferred *d)
{
    return d->ucall ? d->ucall->base : d->scall->base;
}

static void *deferred_main(void *arg)
{
    deferred *d = arg;
    trpc_call *call = deferred_base(d);
    trpc_status st = TRPC_STATUS_OK;
    if (d->wait_cancel) {
        for (int i = 0; i < 2000 && !trpc_call_is_cancelled(call); i++) {
            echo_sleep_ms(5);
        }
        if (trpc_call_is_cancelled(call)) {
            atomic_fetch_add(&echo_stats_g.saw_cancel, 1);
        }
        st = TRPC_STATUS_CANCELLED;
    } else {
        echo_sleep_ms(d->sleep_ms);
        if (d->reply) {
            d->reply->text = trpc_call_strdup(call, d->text);
            d->reply->index = 7;
        }
        if (d->scall) {
            uint8_t *payload = calloc(1, d->payload_len + 1);
            for (int i = 0; i < d->count && payload; i++) {
                Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
                r.text = d->text;
                r.index = i;
                r.payload.data = payload;
                r.payload.len = d->payload_len;
                trpc_error rv;
                /* A thread that may block waits for room instead of
                 * failing with TRPC_EFULL. */
                while ((rv = echo__echo__server_stream__write(d->scall, &r)) == TRPC_EFULL &&
                       trpc_call_wait_writable(call, -1) == TRPC_OK) {
                }
                if (rv != TRPC_OK) {
                    break;
                }
            }
            free(payload);
        }
        if (d->code) {
            st = trpc_call_error(call, (trpc_status)d->code, "%s", d->text);
        }
    }
    atomic_fetch_add(&echo_stats_g.finished_late, 1);
    free(d->text);
    trpc_error rv = d->ucall ? echo__echo__unary__finish_call(d->ucall, st)
                             : echo__echo__server_stream__finish_call(d->scall, st);
    if (rv == TRPC_ECLOSED) {
        atomic_fetch_add(&echo_stats_g.late_closed, 1);
    }
    free(d);
    return NULL;
}

static trpc_status defer_to_thread(deferred *d, const Echo__EchoRequest *req, int wait_cancel)
{
    d->text = strdup(req->text ? req->text : "");
    d->count = req->count;
    d->code = req->code;
    d->sleep_ms = req->sleep_ms;
    d->payload_len = req->payload.len;
    d->wait_cancel = wait_cancel;
    pthread_t th;
    if (!d->text || pthread_create(&th, NULL, deferred_main, d) != 0) {
        free(d->text);
        free(d);
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    pthread_detach(th);
    return TRPC_PENDING;
}

static void echo_metadata(trpc_call *call)
{
    const trpc_metadata *md = trpc_call_metadata(call);
    for (size_t i = 0; i < trpc_metadata_count(md); i++) {
        const char *k;
        const void *v;
        size_t n;
        trpc_metadata_at(md, i, &k, &v, &n);
        if (strcmp(k, "user-agent") == 0) {
            continue;
        }
        trpc_call_add_header(call, k, v, n);
        trpc_call_add_trailer(call, k, v, n);
    }
}

static bool mode_is(const Echo__EchoRequest *req, const char *m)
{
    return req->mode && strcmp(req->mode, m) == 0;
}

static void count_done(trpc_done_reason why, bool streaming)
{
    if ((unsigned)why < 6) {
        atomic_fetch_add(&echo_stats_g.done[why], 1);
    }
    if (streaming && why != TRPC_DONE_FINISHED && why != TRPC_DONE_FAILED) {
        atomic_fetch_add(&echo_stats_g.saw_cancel, 1);
    }
}

/* ---- unary ---- */

static trpc_status do_unary(Echo__Echo_Unary_Call *call, const Echo__EchoRequest *req,
                            Echo__EchoReply *reply, void *user)
{
    (void)user;
    atomic_fetch_add(&echo_stats_g.started, 1);
    if (mode_is(req, "defer") || mode_is(req, "wait_cancel")) {
        deferred *d = calloc(1, sizeof *d);
        if (!d) {
            return TRPC_STATUS_RESOURCE_EXHAUSTED;
        }
        d->ucall = call;
        d->reply = reply;
        return defer_to_thread(d, req, mode_is(req, "wait_cancel"));
    }
    if (mode_is(req, "metadata")) {
        echo_metadata(call->base);
    }
    if (mode_is(req, "identity") || mode_is(req, "deflate") || mode_is(req, "gzip")) {
        trpc_compression z = mode_is(req, "gzip")      ? TRPC_COMPRESS_GZIP
                             : mode_is(req, "deflate") ? TRPC_COMPRESS_DEFLATE
                                                       : TRPC_COMPRESS_NONE;
        if (trpc_call_set_compression(call->base, z) != TRPC_OK) {
            return trpc_call_error(call->base, TRPC_STATUS_INTERNAL, "set_compression failed");
        }
    }
    if (mode_is(req, "deadline")) {
        int64_t dl = trpc_call_deadline(call->base);
        reply->deadline_left_ms = dl == INT64_MAX ? -1 : dl - trpc_now_ms();
    }
    if (req->code) {
        /* out-of-range codes test the runtime's mapping to INTERNAL */
        return trpc_call_error(call->base, (trpc_status)req->code, "%s", req->text);
    }
    reply->text = req->text; /* the request lives until the call is finished */
    reply->payload = req->payload;
    if (mode_is(req, "big")) {
        reply->payload.len = (size_t)req->count;
        reply->payload.data = trpc_call_alloc(call->base, reply->payload.len);
        if (!reply->payload.data) {
            return TRPC_STATUS_RESOURCE_EXHAUSTED;
        }
        memset(reply->payload.data, 'x', reply->payload.len);
    }
    return TRPC_STATUS_OK;
}

static void unary_done(Echo__Echo_Unary_Call *call, trpc_done_reason why, void *user)
{
    (void)call;
    (void)user;
    count_done(why, false);
}

/* ---- server streaming ---- */

/* Streaming on the worker the v2 way: write while the call is writable,
 * then ask for the drain callback and go on from there, holding the call
 * (returning PENDING) meanwhile.  Memory stays under the call's bound
 * whatever the client's pace. */
typedef struct ss_state {
    Echo__Echo_ServerStream_Call *call;
    const Echo__EchoRequest *req;
    int next;
} ss_state;

/* Writes what it may; finishes the call at the end.  True once finished. */
static bool ss_pump(ss_state *s)
{
    trpc_call *base = s->call->base;
    while (s->next < s->req->count) {
        if (!trpc_call_is_writable(base)) {
            return false;
        }
        Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
        r.text = s->req->text;
        r.index = s->next;
        r.payload = s->req->payload;
        trpc_error rv = echo__echo__server_stream__write(s->call, &r);
        if (rv != TRPC_OK) {
            echo__echo__server_stream__finish_call(
                s->call, trpc_call_error(base, TRPC_STATUS_INTERNAL, "write %d: %s", s->next,
                                         trpc_strerror(rv)));
            return true;
        }
        s->next++;
    }
    trpc_status st = TRPC_STATUS_OK;
    if (s->req->code) {
        st = trpc_call_error(base, (trpc_status)s->req->code, "%s", s->req->text);
    }
    echo__echo__server_stream__finish_call(s->call, st);
    return true;
}

static void ss_drained(trpc_call *base, void *arg)
{
    ss_state *s = arg;
    if (!ss_pump(s)) {
        trpc_call_on_drain(base, ss_drained, s);
    }
}

static trpc_status do_server_stream(Echo__Echo_ServerStream_Call *call,
                                    const Echo__EchoRequest *req, void *user)
{
    (void)user;
    atomic_fetch_add(&echo_stats_g.started, 1);
    if (mode_is(req, "metadata")) {
        echo_metadata(call->base);
    }
    if (mode_is(req, "defer") || mode_is(req, "wait_cancel")) {
        if (mode_is(req, "wait_cancel")) {
            Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
            r.text = "first";
            echo__echo__server_stream__write(call, &r);
        }
        deferred *d = calloc(1, sizeof *d);
        if (!d) {
            return TRPC_STATUS_RESOURCE_EXHAUSTED;
        }
        d->scall = call;
        return defer_to_thread(d, req, mode_is(req, "wait_cancel"));
    }
    ss_state *s = trpc_call_alloc(call->base, sizeof *s);
    if (!s) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    *s = (ss_state){ call, req, 0 };
    if (!ss_pump(s)) {
        trpc_call_on_drain(call->base, ss_drained, s);
    }
    return TRPC_PENDING; /* finished by ss_pump, now or from the drain callback */
}

static void server_stream_done(Echo__Echo_ServerStream_Call *call, trpc_done_reason why,
                               void *user)
{
    (void)call;
    (void)user;
    count_done(why, false);
}

/* ---- client streaming ---- */

typedef struct cs_state {
    int n;
    size_t bytes;
    char text[256];
} cs_state;

static trpc_status client_stream_start(Echo__Echo_ClientStream_Call *call,
                                       const trpc_metadata *md, Echo__EchoReply *reply,
                                       void *user)
{
    (void)md;
    (void)reply;
    (void)user;
    atomic_fetch_add(&echo_stats_g.started, 1);
    cs_state *st = trpc_call_alloc(call->base, sizeof *st);
    if (!st) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    memset(st, 0, sizeof *st);
    trpc_call_set_data(call->base, st);
    return TRPC_PENDING;
}

static trpc_status do_client_stream(Echo__Echo_ClientStream_Call *call,
                                    const Echo__EchoRequest *req, Echo__EchoReply *reply,
                                    void *user)
{
    (void)reply;
    (void)user;
    cs_state *st = trpc_call_data(call->base);
    atomic_fetch_add(&echo_stats_g.stream_msgs, 1);
    if (req->code) {
        return trpc_call_error(call->base, (trpc_status)req->code, "%s", req->text);
    }
    st->n++;
    st->bytes += req->payload.len;
    size_t have = strlen(st->text);
    if (req->text && have + strlen(req->text) < sizeof st->text) {
        strcat(st->text, req->text);
    }
    return TRPC_PENDING;
}

static trpc_status client_stream_end(Echo__Echo_ClientStream_Call *call, Echo__EchoReply *reply,
                                     void *user)
{
    (void)user;
    cs_state *st = trpc_call_data(call->base);
    reply->text = trpc_call_strdup(call->base, st->text);
    reply->index = st->n;
    reply->deadline_left_ms = (int64_t)st->bytes;
    return TRPC_STATUS_OK;
}

static void client_stream_done(Echo__Echo_ClientStream_Call *call, trpc_done_reason why,
                               void *user)
{
    (void)call;
    (void)user;
    count_done(why, true);
}

/* ---- bidi ---- */

static trpc_status bidi_start(Echo__Echo_Bidi_Call *call, const trpc_metadata *md, void *user)
{
    (void)call;
    (void)md;
    (void)user;
    atomic_fetch_add(&echo_stats_g.started, 1);
    return TRPC_PENDING;
}

static trpc_status do_bidi(Echo__Echo_Bidi_Call *call, const Echo__EchoRequest *req, void *user)
{
    (void)user;
    atomic_fetch_add(&echo_stats_g.stream_msgs, 1);
    if (req->code) {
        return trpc_call_error(call->base, (trpc_status)req->code, "%s", req->text);
    }
    Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
    r.text = req->text;
    r.payload = req->payload;
    r.index = atomic_load(&echo_stats_g.stream_msgs);
    trpc_error rv = echo__echo__bidi__write(call, &r);
    if (rv != TRPC_OK) {
        return trpc_call_error(call->base, TRPC_STATUS_INTERNAL, "write: %s", trpc_strerror(rv));
    }
    return TRPC_PENDING;
}

static trpc_status bidi_end(Echo__Echo_Bidi_Call *call, void *user)
{
    (void)call;
    (void)user;
    return TRPC_STATUS_OK;
}

static void bidi_done(Echo__Echo_Bidi_Call *call, trpc_done_reason why, void *user)
{
    (void)call;
    (void)user;
    count_done(why, true);
}

const Echo__Echo_Impl echo_impl = {
    .unary = do_unary,
    .unary_done = unary_done,
    .server_stream = do_server_stream,
    .server_stream_done = server_stream_done,
    .client_stream = do_client_stream,
    .client_stream_start = client_stream_start,
    .client_stream_end = client_stream_end,
    .client_stream_done = client_stream_done,
    .bidi = do_bidi,
    .bidi_start = bidi_start,
    .bidi_end = bidi_end,
    .bidi_done = bidi_done,
    .missing = NULL,
};
