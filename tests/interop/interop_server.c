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
 * interval_us), StreamingInputCall (aggregated payload size), Echo Status
 * (response_status ends the call with that code and message at once, even
 * before the client half-closes: server_ends_bidi_early), Echo Metadata
 * (x-grpc-test-echo-initial back as a header, x-grpc-test-echo-trailing-bin
 * back as a trailer), CompressedRequest (expect_compressed: INVALID_ARGUMENT,
 * since typerpc never receives compressed messages).  HalfDuplexCall and
 * UnimplementedCall are left NULL, so they answer UNIMPLEMENTED.
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

/* Per-call state of the streaming handlers, in the call's arena. */
typedef struct stream_state {
    bool metadata_echoed;
    int64_t aggregated;
} stream_state;

static stream_state *state_of(trpc_call *call)
{
    stream_state *st = trpc_call_data(call);
    if (!st) {
        st = trpc_call_alloc(call, sizeof *st);
        if (st) {
            memset(st, 0, sizeof *st);
            trpc_call_set_data(call, st);
        }
    }
    return st;
}

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

/* interval_us sleeps on the worker thread, holding up that worker's other
 * calls: acceptable for a test server, and no listed case sets it. */
static void sleep_us(int32_t us)
{
    if (us <= 0) {
        return;
    }
    struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static trpc_status empty_call(trpc_call *call, const Grpc__Testing__Empty *req,
                              Grpc__Testing__Empty *reply, void *user)
{
    (void)req, (void)reply, (void)user;
    echo_metadata(call);
    return TRPC_STATUS_OK;
}

static trpc_status unary_call(trpc_call *call, const Grpc__Testing__SimpleRequest *req,
                              Grpc__Testing__SimpleResponse *reply, void *user)
{
    (void)user;
    echo_metadata(call);
    trpc_status code;
    if (echo_status(call, req->response_status, &code)) {
        return code;
    }
    if (req->expect_compressed && req->expect_compressed->value) {
        return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT,
                               "expected a compressed request");
    }
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

/* Writes one response per ResponseParameters of req through send. */
typedef int send_fn(void *out, const Grpc__Testing__StreamingOutputCallResponse *msg);

static trpc_status stream_responses(trpc_call *call,
                                    const Grpc__Testing__StreamingOutputCallRequest *req,
                                    void *out, send_fn *send)
{
    trpc_status code;
    if (echo_status(call, req->response_status, &code)) {
        return code;
    }
    for (size_t i = 0; i < req->n_response_parameters; i++) {
        const Grpc__Testing__ResponseParameters *rp = req->response_parameters[i];
        if (rp->compressed && rp->compressed->value) {
            return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT,
                                   "compressed responses are not supported");
        }
        sleep_us(rp->interval_us);
        Grpc__Testing__StreamingOutputCallResponse resp =
            GRPC__TESTING__STREAMING_OUTPUT_CALL_RESPONSE__INIT;
        resp.payload = make_payload(call, rp->size);
        if (!resp.payload) {
            return TRPC_STATUS_RESOURCE_EXHAUSTED;
        }
        int rv = send(out, &resp);
        if (rv) {
            return trpc_call_error(call, TRPC_STATUS_INTERNAL, "send: %s", trpc_strerror(rv));
        }
    }
    return TRPC_STATUS_OK;
}

static int send_output(void *out, const Grpc__Testing__StreamingOutputCallResponse *msg)
{
    return grpc__testing__test_service__streaming_output_call__write(
        (Grpc__Testing__TestService_StreamingOutputCall_Writer *)out, msg);
}

static int send_duplex(void *out, const Grpc__Testing__StreamingOutputCallResponse *msg)
{
    return grpc__testing__test_service__full_duplex_call__write(
        (Grpc__Testing__TestService_FullDuplexCall_Writer *)out, msg);
}

static trpc_status streaming_output_call(
    trpc_call *call, const Grpc__Testing__StreamingOutputCallRequest *req,
    Grpc__Testing__TestService_StreamingOutputCall_Writer *out, void *user)
{
    (void)user;
    echo_metadata(call);
    return stream_responses(call, req, out, send_output);
}

static trpc_status streaming_input_call(trpc_call *call,
                                        const Grpc__Testing__StreamingInputCallRequest *req,
                                        Grpc__Testing__StreamingInputCallResponse *reply,
                                        void *user)
{
    (void)user;
    stream_state *st = state_of(call);
    if (!st) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    if (!st->metadata_echoed) {
        st->metadata_echoed = true;
        echo_metadata(call);
    }
    if (req) {
        if (req->expect_compressed && req->expect_compressed->value) {
            return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT,
                                   "expected a compressed request");
        }
        st->aggregated += req->payload ? (int64_t)req->payload->body.len : 0;
        return TRPC_PENDING;
    }
    if (trpc_call_is_cancelled(call)) {
        return TRPC_STATUS_CANCELLED;
    }
    reply->aggregated_payload_size = (int32_t)st->aggregated;
    return TRPC_STATUS_OK;
}

static trpc_status full_duplex_call(trpc_call *call,
                                    const Grpc__Testing__StreamingOutputCallRequest *req,
                                    Grpc__Testing__TestService_FullDuplexCall_Writer *out,
                                    void *user)
{
    (void)user;
    stream_state *st = state_of(call);
    if (!st) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    if (!st->metadata_echoed) {
        st->metadata_echoed = true;
        echo_metadata(call);
    }
    if (!req) {
        return trpc_call_is_cancelled(call) ? TRPC_STATUS_CANCELLED : TRPC_STATUS_OK;
    }
    trpc_status code = stream_responses(call, req, out, send_duplex);
    return code == TRPC_STATUS_OK ? TRPC_PENDING : code;
}

static const Grpc__Testing__TestService_Impl test_service = {
    .empty_call = empty_call,
    .unary_call = unary_call,
    .cacheable_unary_call = unary_call,
    .streaming_output_call = streaming_output_call,
    .streaming_input_call = streaming_input_call,
    .full_duplex_call = full_duplex_call,
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
    int rv = trpc_server_new(&srv, NULL);
    if (rv) {
        fprintf(stderr, "interop_server: trpc_server_new: %s\n", trpc_strerror(rv));
        return 1;
    }
    int port = 0;
    if ((rv = grpc__testing__test_service__serve(srv, &test_service, NULL)) != 0 ||
        (rv = trpc_server_listen(srv, addr, &port)) != 0 ||
        (rv = trpc_server_start(srv)) != 0) {
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
