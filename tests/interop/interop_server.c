/*
 * interop_server.c: gRPC's standard interop server (grpc.testing.TestService)
 * on libtyperpc, following grpc/doc/interop-test-descriptions.md ("Server").
 *
 * Usage: interop_server [--port N | --listen HOST:PORT] [--use_tls=false]
 * (--port N listens on 127.0.0.1:N; --port 0 picks a free port).  Prints
 * "PORT <n>" once listening, serves until SIGINT or SIGTERM, then shuts down
 * gracefully and exits 0.
 *
 * Features: EmptyCall, UnaryCall and CacheableUnaryCall (payload of
 * response_size zero bytes; COMPRESSABLE only), StreamingOutputCall and
 * FullDuplexCall (one response per ResponseParameters, observing
 * interval_us: StreamingOutputCall waits on a timer of the call, holding
 * it, so the worker serves other calls meanwhile), StreamingInputCall
 * (aggregated payload size), Echo Status (response_status ends the call
 * with that code and message at once, even before the client half-closes:
 * server_ends_bidi_early), Echo Metadata
 * (x-grpc-test-echo-initial back as a header, x-grpc-test-echo-trailing-bin
 * back as a trailer), CompressedRequest (expect_compressed true on a
 * message that did not come compressed: INVALID_ARGUMENT, told by
 * trpc_call_message_compressed()), CompressedResponse (response_compressed
 * on UnaryCall, ResponseParameters.compressed per message on
 * StreamingOutputCall and FullDuplexCall: gzip, through
 * trpc_call_set_compression(); per message after the first reply).
 * HalfDuplexCall and UnimplementedCall are left NULL, so they answer
 * UNIMPLEMENTED.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "grpc/testing/test.trpc.h"

#define ECHO_INITIAL "x-grpc-test-echo-initial"
#define ECHO_TRAILING "x-grpc-test-echo-trailing-bin"

/* Per-call state of StreamingInputCall, in the call's arena. */
typedef struct input_state {
    int64_t aggregated;
} input_state;

/* Echo Metadata: copies the two test keys from the request metadata to the
 * response headers and trailers. */
static void echo_metadata(trpc_call *call)
{
    const trpc_metadata *md = trpc_call_metadata(call);
    size_t len;
    const void *v = trpc_metadata_get(md, ECHO_INITIAL, &len);
    if (v) {
        trpc_call_add_header(call, ECHO_INITIAL, v, len);
    }
    v = trpc_metadata_get(md, ECHO_TRAILING, &len);
    if (v) {
        trpc_call_add_trailer(call, ECHO_TRAILING, v, len);
    }
}

/* Echo Status: a non-zero response_status ends the call with its code. */
static bool echo_status(trpc_call *call, const Grpc__Testing__EchoStatus *es,
                        trpc_status *code)
{
    if (!es || es->code == 0) {
        return false;
    }
    *code = trpc_call_error(call, (trpc_status)es->code, "%s",
                            es->message ? es->message : "");
    return true;
}

/* A payload of size zero bytes in the call's arena, or NULL on failure. */
static Grpc__Testing__Payload *make_payload(trpc_call *call, int32_t size)
{
    Grpc__Testing__Payload *p = trpc_call_alloc(call, sizeof *p);
    if (!p || size < 0) {
        return NULL;
    }
    grpc__testing__payload__init(p);
    p->type = GRPC__TESTING__PAYLOAD_TYPE__COMPRESSABLE;
    if (size > 0) {
        p->body.data = trpc_call_alloc(call, (size_t)size);
        if (!p->body.data) {
            return NULL;
        }
        memset(p->body.data, 0, (size_t)size);
        p->body.len = (size_t)size;
    }
    return p;
}

/* FullDuplexCall's interval_us sleeps on the worker thread, holding up
 * that worker's other calls: acceptable for a test server, and no listed
 * case sets it. */
static void sleep_us(int32_t us)
{
    if (us <= 0) {
        return;
    }
    struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static trpc_status empty_call(Grpc__Testing__TestService_EmptyCall_Call *c,
                              const Grpc__Testing__Empty *req, Grpc__Testing__Empty *reply,
                              void *user)
{
    (void)req, (void)reply, (void)user;
    echo_metadata(c->base);
    return TRPC_STATUS_OK;
}

static trpc_status unary(trpc_call *call, const Grpc__Testing__SimpleRequest *req,
                         Grpc__Testing__SimpleResponse *reply)
{
    echo_metadata(call);
    trpc_status code;
    if (echo_status(call, req->response_status, &code)) {
        return code;
    }
    if (req->expect_compressed && req->expect_compressed->value &&
        !trpc_call_message_compressed(call)) {
        return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT,
                               "expected a compressed request");
    }
    bool zip = req->response_compressed && req->response_compressed->value;
    trpc_call_set_compression(call, zip ? TRPC_COMPRESS_GZIP : TRPC_COMPRESS_NONE);
    if (req->response_type != GRPC__TESTING__PAYLOAD_TYPE__COMPRESSABLE) {
        return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT,
                               "unsupported response_type %d", (int)req->response_type);
    }
    if (req->response_size < 0) {
        return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT, "negative response_size");
    }
    if (req->response_size > 0) {
        reply->payload = make_payload(call, req->response_size);
        if (!reply->payload) {
            return TRPC_STATUS_RESOURCE_EXHAUSTED;
        }
    }
    return TRPC_STATUS_OK;
}

static trpc_status unary_call(Grpc__Testing__TestService_UnaryCall_Call *c,
                              const Grpc__Testing__SimpleRequest *req,
                              Grpc__Testing__SimpleResponse *reply, void *user)
{
    (void)user;
    return unary(c->base, req, reply);
}

static trpc_status cacheable_unary_call(Grpc__Testing__TestService_CacheableUnaryCall_Call *c,
                                        const Grpc__Testing__SimpleRequest *req,
                                        Grpc__Testing__SimpleResponse *reply, void *user)
{
    (void)user;
    return unary(c->base, req, reply);
}

/* Whether a request asks for any compressed response: then gzip is chosen
 * before the first reply (it goes out in grpc-encoding), and responses not
 * to be compressed turn it off per message. */
static void choose_stream_compression(trpc_call *call,
                                      const Grpc__Testing__StreamingOutputCallRequest *req)
{
    for (size_t i = 0; i < req->n_response_parameters; i++) {
        const Grpc__Testing__ResponseParameters *rp = req->response_parameters[i];
        if (rp->compressed && rp->compressed->value) {
            trpc_call_set_compression(call, TRPC_COMPRESS_GZIP);
            return;
        }
    }
}

/* Checks one ResponseParameters and makes its response; TRPC_STATUS_OK or
 * the status to end the call with. */
static trpc_status make_response(trpc_call *call, const Grpc__Testing__ResponseParameters *rp,
                                 Grpc__Testing__StreamingOutputCallResponse *resp)
{
    /* Per message: the first reply fixed grpc-encoding (gzip when any
     * response of the request asks for compression: any_compressed()). */
    bool zip = rp->compressed && rp->compressed->value;
    trpc_error rv = trpc_call_set_compression(call, zip ? TRPC_COMPRESS_GZIP
                                                        : TRPC_COMPRESS_NONE);
    if (rv != TRPC_OK && zip) {
        return trpc_call_error(call, TRPC_STATUS_INTERNAL, "cannot compress this response: %s",
                               trpc_strerror(rv));
    }
    grpc__testing__streaming_output_call_response__init(resp);
    resp->payload = make_payload(call, rp->size);
    return resp->payload ? TRPC_STATUS_OK : TRPC_STATUS_RESOURCE_EXHAUSTED;
}

/* StreamingOutputCall: one response per ResponseParameters.  A response
 * with interval_us waits on a timer of the call (the call is held
 * meanwhile), so the worker is never put to sleep. */
typedef struct output_state {
    Grpc__Testing__TestService_StreamingOutputCall_Call *call;
    const Grpc__Testing__StreamingOutputCallRequest *req;
    size_t next;
    trpc_timer *timer;
    bool finished;
} output_state;

static void output_finish(output_state *os, trpc_status st)
{
    os->finished = true;
    grpc__testing__test_service__streaming_output_call__finish_call(os->call, st);
}

static void output_next(trpc_call *call, void *arg);

/* Writes responses from os->next on; false while it waits for a timer. */
static bool output_run(output_state *os, bool waited)
{
    trpc_call *call = os->call->base;
    while (os->next < os->req->n_response_parameters) {
        const Grpc__Testing__ResponseParameters *rp = os->req->response_parameters[os->next];
        if (rp->interval_us > 0 && !waited) {
            if (!os->timer && trpc_timer_new(&os->timer, call, output_next, os) != TRPC_OK) {
                output_finish(os, TRPC_STATUS_RESOURCE_EXHAUSTED);
                return true;
            }
            trpc_timer_start(os->timer, (rp->interval_us + 999) / 1000);
            return false;
        }
        waited = false;
        Grpc__Testing__StreamingOutputCallResponse resp;
        trpc_status st = make_response(call, rp, &resp);
        trpc_error rv = st == TRPC_STATUS_OK
                            ? grpc__testing__test_service__streaming_output_call__write(os->call,
                                                                                      &resp)
                            : TRPC_OK;
        if (st == TRPC_STATUS_OK && rv != TRPC_OK) {
            st = trpc_call_error(call, TRPC_STATUS_INTERNAL, "write: %s", trpc_strerror(rv));
        }
        if (st != TRPC_STATUS_OK) {
            output_finish(os, st);
            return true;
        }
        os->next++;
    }
    output_finish(os, TRPC_STATUS_OK);
    return true;
}

static void output_next(trpc_call *call, void *arg)
{
    (void)call;
    output_run(arg, true);
}

static trpc_status streaming_output_call(
    Grpc__Testing__TestService_StreamingOutputCall_Call *c,
    const Grpc__Testing__StreamingOutputCallRequest *req, void *user)
{
    (void)user;
    echo_metadata(c->base);
    trpc_status code;
    if (echo_status(c->base, req->response_status, &code)) {
        return code;
    }
    output_state *os = trpc_call_alloc(c->base, sizeof *os);
    if (!os) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    *os = (output_state){ c, req, 0, NULL, false };
    choose_stream_compression(c->base, req);
    trpc_call_set_data(c->base, os);
    output_run(os, false);
    return TRPC_PENDING; /* held until output_run finishes it */
}

/* A call that ended while it waited for a timer (the client cancelled, or
 * its deadline passed) is still held: finish it to release it.  Its arena
 * lives until then. */
static void streaming_output_done(Grpc__Testing__TestService_StreamingOutputCall_Call *c,
                                  trpc_done_reason why, void *user)
{
    (void)why, (void)user;
    output_state *os = trpc_call_data(c->base);
    if (os && !os->finished) {
        output_finish(os, TRPC_STATUS_CANCELLED);
    }
}

static trpc_status streaming_input_start(Grpc__Testing__TestService_StreamingInputCall_Call *c,
                                         const trpc_metadata *md,
                                         Grpc__Testing__StreamingInputCallResponse *reply,
                                         void *user)
{
    (void)md, (void)reply, (void)user;
    input_state *st = trpc_call_alloc(c->base, sizeof *st);
    if (!st) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    st->aggregated = 0;
    trpc_call_set_data(c->base, st);
    echo_metadata(c->base);
    return TRPC_PENDING;
}

static trpc_status streaming_input_call(Grpc__Testing__TestService_StreamingInputCall_Call *c,
                                        const Grpc__Testing__StreamingInputCallRequest *req,
                                        Grpc__Testing__StreamingInputCallResponse *reply,
                                        void *user)
{
    (void)reply, (void)user;
    input_state *st = trpc_call_data(c->base);
    if (req->expect_compressed && req->expect_compressed->value &&
        !trpc_call_message_compressed(c->base)) {
        return trpc_call_error(c->base, TRPC_STATUS_INVALID_ARGUMENT,
                               "expected a compressed request");
    }
    st->aggregated += req->payload ? (int64_t)req->payload->body.len : 0;
    return TRPC_PENDING;
}

static trpc_status streaming_input_end(Grpc__Testing__TestService_StreamingInputCall_Call *c,
                                       Grpc__Testing__StreamingInputCallResponse *reply,
                                       void *user)
{
    (void)user;
    input_state *st = trpc_call_data(c->base);
    reply->aggregated_payload_size = (int32_t)st->aggregated;
    return TRPC_STATUS_OK;
}

static trpc_status full_duplex_start(Grpc__Testing__TestService_FullDuplexCall_Call *c,
                                     const trpc_metadata *md, void *user)
{
    (void)md, (void)user;
    echo_metadata(c->base);
    return TRPC_PENDING;
}

static trpc_status full_duplex_call(Grpc__Testing__TestService_FullDuplexCall_Call *c,
                                    const Grpc__Testing__StreamingOutputCallRequest *req,
                                    void *user)
{
    (void)user;
    trpc_status code;
    if (echo_status(c->base, req->response_status, &code)) {
        return code;
    }
    choose_stream_compression(c->base, req);
    for (size_t i = 0; i < req->n_response_parameters; i++) {
        const Grpc__Testing__ResponseParameters *rp = req->response_parameters[i];
        sleep_us(rp->interval_us);
        Grpc__Testing__StreamingOutputCallResponse resp;
        trpc_status st = make_response(c->base, rp, &resp);
        if (st != TRPC_STATUS_OK) {
            return st;
        }
        trpc_error rv = grpc__testing__test_service__full_duplex_call__write(c, &resp);
        if (rv != TRPC_OK) {
            return trpc_call_error(c->base, TRPC_STATUS_INTERNAL, "write: %s",
                                   trpc_strerror(rv));
        }
    }
    return TRPC_PENDING; /* more input wanted */
}

static trpc_status full_duplex_end(Grpc__Testing__TestService_FullDuplexCall_Call *c, void *user)
{
    (void)c, (void)user;
    return TRPC_STATUS_OK;
}

static const Grpc__Testing__TestService_Impl test_service = {
    .empty_call = empty_call,
    .unary_call = unary_call,
    .cacheable_unary_call = cacheable_unary_call,
    .streaming_output_call = streaming_output_call,
    .streaming_output_call_done = streaming_output_done,
    .streaming_input_call = streaming_input_call,
    .streaming_input_call_start = streaming_input_start,
    .streaming_input_call_end = streaming_input_end,
    .full_duplex_call = full_duplex_call,
    .full_duplex_call_start = full_duplex_start,
    .full_duplex_call_end = full_duplex_end,
};

static void usage(void)
{
    fprintf(stderr, "usage: interop_server [--port N | --listen HOST:PORT]\n");
    exit(2);
}

/* "--name=value" or "--name value": the value, or NULL if arg is not name. */
static const char *flag(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) {
        return NULL;
    }
    if (a[n] == '=') {
        return a + n + 1;
    }
    if (a[n] == '\0') {
        if (*i + 1 >= argc) {
            usage();
        }
        return argv[++*i];
    }
    return NULL;
}

int main(int argc, char **argv)
{
    char addr[300] = "127.0.0.1:0";
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = flag(argc, argv, &i, "--port")) != NULL) {
            snprintf(addr, sizeof addr, "127.0.0.1:%s", v);
        } else if ((v = flag(argc, argv, &i, "--listen")) != NULL) {
            snprintf(addr, sizeof addr, "%s", v);
        } else if ((v = flag(argc, argv, &i, "--use_tls")) != NULL) {
            if (strcmp(v, "false") != 0) {
                fprintf(stderr, "interop_server: TLS is not supported\n");
                return 2;
            }
        } else {
            usage();
        }
    }

    /* Block the signals before any thread starts, then wait for them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    trpc_server *srv;
    trpc_error rv = trpc_server_new(&srv, NULL);
    if (rv) {
        fprintf(stderr, "interop_server: trpc_server_new: %s\n", trpc_strerror(rv));
        return 1;
    }
    int port = 0;
    if ((rv = grpc__testing__test_service__serve(srv, &test_service, NULL)) != TRPC_OK ||
        (rv = trpc_server_listen(srv, addr, &port)) != TRPC_OK ||
        (rv = trpc_server_start(srv)) != TRPC_OK) {
        fprintf(stderr, "interop_server: %s: %s\n", addr, trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    printf("PORT %d\n", port);
    fflush(stdout);

    int sig = 0;
    sigwait(&sigs, &sig);
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
    return 0;
}
