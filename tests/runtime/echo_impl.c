/*
 * echo_impl.c: the echo.Echo implementation the runtime tests serve.
 *
 * Modes (EchoRequest.mode):
 *   ""          echo text and payload; code != 0 fails with status code and
 *               message text
 *   "metadata"  echo the request metadata back as headers and trailers
 *   "deadline"  report the time left before the call's deadline (-1: none)
 *   "defer"     return TRPC_PENDING; another thread finishes the call after
 *               sleep_ms (server streams: that thread writes the replies)
 *   "wait_cancel" another thread waits until the call is cancelled, counts
 *               it, and finishes with CANCELLED
 *   "big"       reply payload of count bytes
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

typedef struct deferred {
    trpc_call *call;
    Echo__EchoReply *reply;        /* unary: the reply to fill */
    Echo__Echo_ServerStream_Writer *out; /* server streaming */
    char *text;
    int count, code, sleep_ms;
    size_t payload_len; /* server streaming: each reply carries this many bytes */
    int wait_cancel;
} deferred;

static void *deferred_main(void *arg)
{
    deferred *d = arg;
    trpc_status st = TRPC_STATUS_OK;
    if (d->wait_cancel) {
        for (int i = 0; i < 2000 && !trpc_call_is_cancelled(d->call); i++) {
            echo_sleep_ms(5);
        }
        if (trpc_call_is_cancelled(d->call)) {
            atomic_fetch_add(&echo_stats_g.saw_cancel, 1);
        }
        st = TRPC_STATUS_CANCELLED;
    } else {
        echo_sleep_ms(d->sleep_ms);
        if (d->reply) {
            d->reply->text = trpc_call_strdup(d->call, d->text);
            d->reply->index = 7;
        }
        if (d->out) {
            uint8_t *payload = calloc(1, d->payload_len + 1);
            for (int i = 0; i < d->count && payload; i++) {
                Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
                r.text = d->text;
                r.index = i;
                r.payload.data = payload;
                r.payload.len = d->payload_len;
                if (echo__echo__server_stream__write(d->out, &r) != 0) {
                    break;
                }
            }
            free(payload);
        }
        if (d->code) {
            st = trpc_call_error(d->call, (trpc_status)d->code, "%s", d->text);
        }
    }
    atomic_fetch_add(&echo_stats_g.finished_late, 1);
    trpc_call *call = d->call;
    free(d->text);
    free(d);
    trpc_call_finish(call, st);
    return NULL;
}

static trpc_status defer_to_thread(trpc_call *call, const Echo__EchoRequest *req,
                                   Echo__EchoReply *reply,
                                   Echo__Echo_ServerStream_Writer *out, int wait_cancel)
{
    deferred *d = calloc(1, sizeof *d);
    if (!d) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    d->call = call;
    d->reply = reply;
    d->out = out;
    d->text = strdup(req->text ? req->text : "");
    d->count = req->count;
    d->code = req->code;
    d->sleep_ms = req->sleep_ms;
    d->payload_len = req->payload.len;
    d->wait_cancel = wait_cancel;
    pthread_t th;
    if (pthread_create(&th, NULL, deferred_main, d) != 0) {
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

static trpc_status do_unary(trpc_call *call, const Echo__EchoRequest *req,
                            Echo__EchoReply *reply, void *user)
{
    (void)user;
    atomic_fetch_add(&echo_stats_g.started, 1);
    if (mode_is(req, "defer")) {
        return defer_to_thread(call, req, reply, NULL, 0);
    }
    if (mode_is(req, "wait_cancel")) {
        return defer_to_thread(call, req, reply, NULL, 1);
    }
    if (mode_is(req, "metadata")) {
        echo_metadata(call);
    }
    if (mode_is(req, "deadline")) {
        int64_t d = trpc_call_deadline(call);
        reply->deadline_left_ms = d == INT64_MAX ? -1 : d - trpc_now_ms();
    }
    if (req->code) {
        /* out-of-range codes test the runtime's mapping to UNKNOWN */
        return trpc_call_error(call, (trpc_status)req->code, "%s", req->text);
    }
    reply->text = req->text; /* the request lives as long as the call */
    reply->payload = req->payload;
    if (mode_is(req, "big")) {
        reply->payload.len = (size_t)req->count;
        reply->payload.data = trpc_call_alloc(call, reply->payload.len);
        if (!reply->payload.data) {
            return TRPC_STATUS_RESOURCE_EXHAUSTED;
        }
        memset(reply->payload.data, 'x', reply->payload.len);
    }
    return TRPC_STATUS_OK;
}

static trpc_status do_server_stream(trpc_call *call, const Echo__EchoRequest *req,
                                    Echo__Echo_ServerStream_Writer *out, void *user)
{
    (void)user;
    atomic_fetch_add(&echo_stats_g.started, 1);
    if (mode_is(req, "metadata")) {
        echo_metadata(call);
    }
    if (mode_is(req, "defer")) {
        return defer_to_thread(call, req, NULL, out, 0);
    }
    if (mode_is(req, "wait_cancel")) {
        Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
        r.text = "first";
        echo__echo__server_stream__write(out, &r);
        return defer_to_thread(call, req, NULL, NULL, 1);
    }
    for (int i = 0; i < req->count; i++) {
        Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
        r.text = req->text;
        r.index = i;
        r.payload = req->payload;
        if (echo__echo__server_stream__write(out, &r) != 0) {
            return TRPC_STATUS_INTERNAL;
        }
    }
    if (req->code) {
        return trpc_call_error(call, (trpc_status)req->code, "%s", req->text);
    }
    return TRPC_STATUS_OK;
}

typedef struct cs_state {
    int n;
    size_t bytes;
    char text[256];
} cs_state;

static trpc_status do_client_stream(trpc_call *call, const Echo__EchoRequest *req,
                                    Echo__EchoReply *reply, void *user)
{
    (void)user;
    cs_state *st = trpc_call_data(call);
    if (!st) {
        atomic_fetch_add(&echo_stats_g.started, 1);
        st = trpc_call_alloc(call, sizeof *st);
        if (!st) {
            return TRPC_STATUS_RESOURCE_EXHAUSTED;
        }
        memset(st, 0, sizeof *st);
        trpc_call_set_data(call, st);
    }
    if (req) {
        atomic_fetch_add(&echo_stats_g.stream_msgs, 1);
        if (req->code) {
            return trpc_call_error(call, (trpc_status)req->code, "%s", req->text);
        }
        st->n++;
        st->bytes += req->payload.len;
        size_t have = strlen(st->text);
        if (req->text && have + strlen(req->text) < sizeof st->text) {
            strcat(st->text, req->text);
        }
        return TRPC_PENDING;
    }
    if (trpc_call_is_cancelled(call)) {
        atomic_fetch_add(&echo_stats_g.saw_cancel, 1);
        return TRPC_STATUS_CANCELLED;
    }
    reply->text = trpc_call_strdup(call, st->text);
    reply->index = st->n;
    reply->deadline_left_ms = (int64_t)st->bytes;
    return TRPC_STATUS_OK;
}

static trpc_status do_bidi(trpc_call *call, const Echo__EchoRequest *req,
                           Echo__Echo_Bidi_Writer *out, void *user)
{
    (void)user;
    if (!trpc_call_data(call)) {
        atomic_fetch_add(&echo_stats_g.started, 1);
        trpc_call_set_data(call, call);
    }
    if (!req) {
        if (trpc_call_is_cancelled(call)) {
            atomic_fetch_add(&echo_stats_g.saw_cancel, 1);
            return TRPC_STATUS_CANCELLED;
        }
        return TRPC_STATUS_OK;
    }
    atomic_fetch_add(&echo_stats_g.stream_msgs, 1);
    if (req->code) {
        return trpc_call_error(call, (trpc_status)req->code, "%s", req->text);
    }
    Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
    r.text = req->text;
    r.payload = req->payload;
    r.index = atomic_load(&echo_stats_g.stream_msgs);
    if (echo__echo__bidi__write(out, &r) != 0) {
        return TRPC_STATUS_INTERNAL;
    }
    return TRPC_PENDING;
}

const Echo__Echo_Impl echo_impl = {
    .unary = do_unary,
    .server_stream = do_server_stream,
    .client_stream = do_client_stream,
    .bidi = do_bidi,
    .missing = NULL,
};
