/*
 * interop_client.c: gRPC's standard interop client on libtyperpc, following
 * grpc/doc/interop-test-descriptions.md ("Client").
 *
 * Usage: interop_client --server_host HOST --server_port PORT --test_case NAME
 *        [--server_host_override NAME] [--use_tls=false]
 * (flags take "--flag=value" or "--flag value").  NAME is one of the cases
 * below, or "all" to run every one in order (server_ends_bidi_early and
 * server_ends_client_stream_early are typerpc's own cases: see
 * tests/interop/README.md).  Exits 0 when the case passes;
 * otherwise prints why on stderr and exits 1 (2 for bad usage).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "grpc/testing/test.trpc.h"

/* The typed clients of the two services, on a channel. */
#define TS(ch) grpc__testing__test_service__client(ch)
#define US(ch) grpc__testing__unimplemented_service__client(ch)

#define ECHO_INITIAL "x-grpc-test-echo-initial"
#define ECHO_INITIAL_VALUE "test_initial_metadata_value"
#define ECHO_TRAILING "x-grpc-test-echo-trailing-bin"
static const unsigned char echo_trailing_value[3] = { 0xab, 0xab, 0xab };

static const char *current_case = "";

/* Prints why the current case failed and returns 1, so a case can end with
 * `return fail("...")`. */
static int fail(const char *fmt, ...) TRPC_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "interop_client: %s: FAILED: ", current_case);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

#define CHECK(cond, ...)                   \
    do {                                   \
        if (!(cond)) {                     \
            rc = fail(__VA_ARGS__);        \
            goto out;                      \
        }                                  \
    } while (0)

#define CHECK_STATUS(st, want, msg)                                              \
    CHECK((st) == (want), "expected %s, got %s: %s", trpc_status_name(want),     \
          trpc_status_name(st), (msg) ? (msg) : "(no message)")

/* A payload of n zero bytes (the body is malloc'd; free with free_payload). */
static Grpc__Testing__Payload *new_payload(size_t n)
{
    Grpc__Testing__Payload *p = malloc(sizeof *p);
    if (!p) {
        abort();
    }
    grpc__testing__payload__init(p);
    p->body.data = calloc(n ? n : 1, 1);
    if (!p->body.data) {
        abort();
    }
    p->body.len = n;
    return p;
}

static void free_payload(Grpc__Testing__Payload *p)
{
    if (p) {
        free(p->body.data);
        free(p);
    }
}

static bool zeros(const Grpc__Testing__Payload *p, size_t n)
{
    if (!p || p->body.len != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (p->body.data[i] != 0) {
            return false;
        }
    }
    return true;
}

static size_t payload_len(const Grpc__Testing__Payload *p)
{
    return p ? p->body.len : 0;
}

/* A StreamingOutputCallRequest asking for responses of the given sizes and
 * carrying a payload of payload_size zero bytes (< 0: no payload). */
typedef struct out_req {
    Grpc__Testing__StreamingOutputCallRequest req;
    Grpc__Testing__ResponseParameters params[4];
    Grpc__Testing__ResponseParameters *pp[4];
} out_req;

static void out_req_init(out_req *r, const int32_t *sizes, size_t n, long payload_size)
{
    grpc__testing__streaming_output_call_request__init(&r->req);
    for (size_t i = 0; i < n; i++) {
        grpc__testing__response_parameters__init(&r->params[i]);
        r->params[i].size = sizes[i];
        r->pp[i] = &r->params[i];
    }
    r->req.n_response_parameters = n;
    r->req.response_parameters = n ? r->pp : NULL;
    if (payload_size >= 0) {
        r->req.payload = new_payload((size_t)payload_size);
    }
}

static void out_req_free(out_req *r)
{
    free_payload(r->req.payload);
    r->req.payload = NULL;
}

/* ---- the cases ---- */

static int empty_unary(trpc_channel *ch)
{
    int rc = 0;
    Grpc__Testing__Empty req = GRPC__TESTING__EMPTY__INIT;
    Grpc__Testing__Empty *reply = NULL;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    trpc_status st = grpc__testing__test_service__empty_call(TS(ch), &req, &reply, &opts);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(reply != NULL, "no response");
out:
    if (reply) {
        grpc__testing__empty__free_unpacked(reply, NULL);
    }
    free(msg);
    return rc;
}

static int large_unary(trpc_channel *ch)
{
    int rc = 0;
    Grpc__Testing__SimpleRequest req = GRPC__TESTING__SIMPLE_REQUEST__INIT;
    req.response_size = 314159;
    req.payload = new_payload(271828);
    Grpc__Testing__SimpleResponse *reply = NULL;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    trpc_status st = grpc__testing__test_service__unary_call(TS(ch), &req, &reply, &opts);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(zeros(reply->payload, 314159), "response payload is %zu bytes, want 314159 zeros",
          payload_len(reply->payload));
out:
    if (reply) {
        grpc__testing__simple_response__free_unpacked(reply, NULL);
    }
    free_payload(req.payload);
    free(msg);
    return rc;
}

static int client_streaming(trpc_channel *ch)
{
    static const size_t sizes[] = { 27182, 8, 1828, 45904 };
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    Grpc__Testing__TestService_StreamingInputCall_Stream *call;
    Grpc__Testing__StreamingInputCallResponse *reply = NULL;
    trpc_error rv = grpc__testing__test_service__streaming_input_call__start(&call, TS(ch), &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    for (size_t i = 0; i < 4 && rv == 0; i++) {
        Grpc__Testing__StreamingInputCallRequest req =
            GRPC__TESTING__STREAMING_INPUT_CALL_REQUEST__INIT;
        req.payload = new_payload(sizes[i]);
        rv = grpc__testing__test_service__streaming_input_call__send(call, &req);
        free_payload(req.payload);
    }
    trpc_status st = grpc__testing__test_service__streaming_input_call__finish(call, &reply);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(rv == 0, "send: %s", trpc_strerror(rv));
    CHECK(reply->aggregated_payload_size == 74922, "aggregated_payload_size %d, want 74922",
          reply->aggregated_payload_size);
out:
    if (reply) {
        grpc__testing__streaming_input_call_response__free_unpacked(reply, NULL);
    }
    free(msg);
    return rc;
}

static int server_streaming(trpc_channel *ch)
{
    static const int32_t sizes[] = { 31415, 9, 2653, 58979 };
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    out_req r;
    out_req_init(&r, sizes, 4, -1);
    Grpc__Testing__TestService_StreamingOutputCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__streaming_output_call__start(&call, TS(ch), &r.req,
                                                                        &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    size_t n = 0;
    bool sizes_ok = true;
    Grpc__Testing__StreamingOutputCallResponse *resp;
    while (grpc__testing__test_service__streaming_output_call__recv(call, &resp)) {
        if (n >= 4 || !zeros(resp->payload, (size_t)sizes[n])) {
            sizes_ok = false;
            fprintf(stderr, "response %zu: %zu bytes\n", n, payload_len(resp->payload));
        }
        n++;
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }
    trpc_status st = grpc__testing__test_service__streaming_output_call__finish(call);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(n == 4, "%zu responses, want 4", n);
    CHECK(sizes_ok, "response sizes are not 31415, 9, 2653, 58979 zero bytes");
out:
    free(msg);
    return rc;
}

static int ping_pong(trpc_channel *ch)
{
    static const int32_t sizes[] = { 31415, 9, 2653, 58979 };
    static const long payloads[] = { 27182, 8, 1828, 45904 };
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    Grpc__Testing__TestService_FullDuplexCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__full_duplex_call__start(&call, TS(ch), &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    const char *why = NULL;
    size_t i;
    for (i = 0; i < 4 && !why; i++) {
        out_req r;
        out_req_init(&r, &sizes[i], 1, payloads[i]);
        rv = grpc__testing__test_service__full_duplex_call__send(call, &r.req);
        out_req_free(&r);
        if (rv) {
            why = "send failed";
            break;
        }
        Grpc__Testing__StreamingOutputCallResponse *resp;
        if (!grpc__testing__test_service__full_duplex_call__recv(call, &resp)) {
            why = "no response";
            break;
        }
        if (!zeros(resp->payload, (size_t)sizes[i])) {
            why = "wrong response size";
        }
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }
    if (!why) {
        grpc__testing__test_service__full_duplex_call__close_send(call);
        Grpc__Testing__StreamingOutputCallResponse *resp;
        if (grpc__testing__test_service__full_duplex_call__recv(call, &resp)) {
            grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
            why = "a fifth response";
        }
    }
    trpc_status st = grpc__testing__test_service__full_duplex_call__finish(call);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(!why, "round %zu: %s", i + 1, why);
out:
    free(msg);
    return rc;
}

static int empty_stream(trpc_channel *ch)
{
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    Grpc__Testing__TestService_FullDuplexCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__full_duplex_call__start(&call, TS(ch), &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    grpc__testing__test_service__full_duplex_call__close_send(call);
    size_t n = 0;
    Grpc__Testing__StreamingOutputCallResponse *resp;
    while (grpc__testing__test_service__full_duplex_call__recv(call, &resp)) {
        n++;
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }
    trpc_status st = grpc__testing__test_service__full_duplex_call__finish(call);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(n == 0, "%zu responses, want 0", n);
out:
    free(msg);
    return rc;
}

/* A UnaryCall, then a FullDuplexCall, each asking for status code with text;
 * both must end with exactly that status. */
static int echo_status_case(trpc_channel *ch, int code, const char *text, bool duplex)
{
    int rc = 0;
    Grpc__Testing__EchoStatus es = GRPC__TESTING__ECHO_STATUS__INIT;
    es.code = code;
    es.message = (char *)text;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);

    Grpc__Testing__SimpleRequest req = GRPC__TESTING__SIMPLE_REQUEST__INIT;
    req.response_status = &es;
    Grpc__Testing__SimpleResponse *reply = NULL;
    trpc_status st = grpc__testing__test_service__unary_call(TS(ch), &req, &reply, &opts);
    CHECK(st == (trpc_status)code, "UnaryCall: status %s, want %d", trpc_status_name(st), code);
    CHECK(msg && strcmp(msg, text) == 0, "UnaryCall: message \"%s\", want \"%s\"",
          msg ? msg : "(none)", text);
    free(msg);
    msg = NULL;

    if (duplex) {
        Grpc__Testing__TestService_FullDuplexCall_Stream *call;
        trpc_error rv = grpc__testing__test_service__full_duplex_call__start(&call, TS(ch), &opts);
        CHECK(rv == 0, "start: %s", trpc_strerror(rv));
        out_req r;
        out_req_init(&r, NULL, 0, -1);
        r.req.response_status = &es;
        grpc__testing__test_service__full_duplex_call__send(call, &r.req);
        grpc__testing__test_service__full_duplex_call__close_send(call);
        Grpc__Testing__StreamingOutputCallResponse *resp;
        while (grpc__testing__test_service__full_duplex_call__recv(call, &resp)) {
            grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
        }
        st = grpc__testing__test_service__full_duplex_call__finish(call);
        CHECK(st == (trpc_status)code, "FullDuplexCall: status %s, want %d",
              trpc_status_name(st), code);
        CHECK(msg && strcmp(msg, text) == 0, "FullDuplexCall: message \"%s\", want \"%s\"",
              msg ? msg : "(none)", text);
    }
out:
    if (reply) {
        grpc__testing__simple_response__free_unpacked(reply, NULL);
    }
    free(msg);
    return rc;
}

static int status_code_and_message(trpc_channel *ch)
{
    return echo_status_case(ch, 2, "test status message", true);
}

static int special_status_message(trpc_channel *ch)
{
    return echo_status_case(
        ch, 2, "\t\ntest with whitespace\r\nand Unicode BMP \xe2\x98\xba and non-BMP "
               "\xf0\x9f\x98\x88\t\n", false);
}

/* Checks that headers hold the echoed initial value and trailers the echoed
 * binary value; returns a reason or NULL. */
static const char *check_echoed(const trpc_metadata *headers, const trpc_metadata *trailers)
{
    size_t len;
    const char *v = trpc_metadata_get(headers, ECHO_INITIAL, &len);
    if (!v || len != strlen(ECHO_INITIAL_VALUE) || memcmp(v, ECHO_INITIAL_VALUE, len) != 0) {
        return ECHO_INITIAL " missing or wrong in the initial metadata";
    }
    v = trpc_metadata_get(trailers, ECHO_TRAILING, &len);
    if (!v || len != 3 || memcmp(v, echo_trailing_value, 3) != 0) {
        return ECHO_TRAILING " missing or wrong in the trailing metadata";
    }
    return NULL;
}

static int custom_metadata(trpc_channel *ch)
{
    int rc = 0;
    trpc_metadata *md = NULL, *headers = NULL, *trailers = NULL;
    Grpc__Testing__SimpleResponse *reply = NULL;
    char *msg = NULL;
    const char *why;
    if (trpc_metadata_new(&md) || trpc_metadata_new(&headers) ||
        trpc_metadata_new(&trailers) ||
        trpc_metadata_add_str(md, ECHO_INITIAL, ECHO_INITIAL_VALUE) ||
        trpc_metadata_add(md, ECHO_TRAILING, echo_trailing_value, 3)) {
        rc = fail("cannot build the metadata");
        goto out;
    }
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .metadata = md, .headers = headers,
                            .trailers = trailers, .message = &msg);

    Grpc__Testing__SimpleRequest req = GRPC__TESTING__SIMPLE_REQUEST__INIT;
    req.response_size = 314159;
    req.payload = new_payload(271828);
    trpc_status st = grpc__testing__test_service__unary_call(TS(ch), &req, &reply, &opts);
    free_payload(req.payload);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(zeros(reply->payload, 314159), "UnaryCall: wrong response payload");
    why = check_echoed(headers, trailers);
    CHECK(!why, "UnaryCall: %s", why);
    free(msg); /* a server may send a message with OK (grpc-js sends "OK") */
    msg = NULL;

    trpc_metadata_clear(headers);
    trpc_metadata_clear(trailers);
    Grpc__Testing__TestService_FullDuplexCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__full_duplex_call__start(&call, TS(ch), &opts);
    CHECK(rv == 0, "start: %s", trpc_strerror(rv));
    static const int32_t size = 314159;
    out_req r;
    out_req_init(&r, &size, 1, 271828);
    grpc__testing__test_service__full_duplex_call__send(call, &r.req);
    out_req_free(&r);
    grpc__testing__test_service__full_duplex_call__close_send(call);
    size_t n = 0;
    bool ok = true;
    Grpc__Testing__StreamingOutputCallResponse *resp;
    while (grpc__testing__test_service__full_duplex_call__recv(call, &resp)) {
        ok = ok && zeros(resp->payload, 314159);
        n++;
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }
    st = grpc__testing__test_service__full_duplex_call__finish(call);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(n == 1 && ok, "FullDuplexCall: %zu responses (want one of 314159 zeros)", n);
    why = check_echoed(headers, trailers);
    CHECK(!why, "FullDuplexCall: %s", why);
out:
    if (reply) {
        grpc__testing__simple_response__free_unpacked(reply, NULL);
    }
    trpc_metadata_free(md);
    trpc_metadata_free(headers);
    trpc_metadata_free(trailers);
    free(msg);
    return rc;
}

static int unimplemented(trpc_channel *ch, bool service)
{
    int rc = 0;
    Grpc__Testing__Empty req = GRPC__TESTING__EMPTY__INIT;
    Grpc__Testing__Empty *reply = NULL;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    trpc_status st =
        service
            ? grpc__testing__unimplemented_service__unimplemented_call(US(ch), &req, &reply,
                                                                             &opts)
            : grpc__testing__test_service__unimplemented_call(TS(ch), &req, &reply, &opts);
    CHECK_STATUS(st, TRPC_STATUS_UNIMPLEMENTED, msg);
out:
    if (reply) {
        grpc__testing__empty__free_unpacked(reply, NULL);
    }
    free(msg);
    return rc;
}

static int unimplemented_method(trpc_channel *ch)
{
    return unimplemented(ch, false);
}

static int unimplemented_service(trpc_channel *ch)
{
    return unimplemented(ch, true);
}

static int cancel_after_begin(trpc_channel *ch)
{
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    Grpc__Testing__TestService_StreamingInputCall_Stream *call;
    Grpc__Testing__StreamingInputCallResponse *reply = NULL;
    trpc_error rv = grpc__testing__test_service__streaming_input_call__start(&call, TS(ch), &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    grpc__testing__test_service__streaming_input_call__cancel(call);
    trpc_status st = grpc__testing__test_service__streaming_input_call__finish(call, &reply);
    CHECK_STATUS(st, TRPC_STATUS_CANCELLED, msg);
out:
    if (reply) {
        grpc__testing__streaming_input_call_response__free_unpacked(reply, NULL);
    }
    free(msg);
    return rc;
}

static int cancel_after_first_response(trpc_channel *ch)
{
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    Grpc__Testing__TestService_FullDuplexCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__full_duplex_call__start(&call, TS(ch), &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    static const int32_t size = 31415;
    out_req r;
    out_req_init(&r, &size, 1, 27182);
    rv = grpc__testing__test_service__full_duplex_call__send(call, &r.req);
    out_req_free(&r);
    Grpc__Testing__StreamingOutputCallResponse *resp = NULL;
    int got = grpc__testing__test_service__full_duplex_call__recv(call, &resp);
    bool ok = got == 1 && zeros(resp->payload, 31415);
    if (got == 1) {
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }
    grpc__testing__test_service__full_duplex_call__cancel(call);
    trpc_status st = grpc__testing__test_service__full_duplex_call__finish(call);
    CHECK(rv == 0, "send: %s", trpc_strerror(rv));
    CHECK(ok, "no first response of 31415 zero bytes (recv returned %d)", got);
    CHECK_STATUS(st, TRPC_STATUS_CANCELLED, msg);
out:
    free(msg);
    return rc;
}

static int timeout_on_sleeping_server(trpc_channel *ch)
{
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 1, .message = &msg);
    Grpc__Testing__TestService_FullDuplexCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__full_duplex_call__start(&call, TS(ch), &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    out_req r;
    out_req_init(&r, NULL, 0, 27182);
    /* The deadline may pass before the request goes out: a failed send is
     * allowed, the status is what counts. */
    grpc__testing__test_service__full_duplex_call__send(call, &r.req);
    out_req_free(&r);
    Grpc__Testing__StreamingOutputCallResponse *resp;
    while (grpc__testing__test_service__full_duplex_call__recv(call, &resp)) {
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }
    trpc_status st = grpc__testing__test_service__full_duplex_call__finish(call);
    CHECK_STATUS(st, TRPC_STATUS_DEADLINE_EXCEEDED, msg);
out:
    free(msg);
    return rc;
}

/* ---- typerpc's early-end cases (tests/interop/README.md) ----
 * The server ends a call while the client has not half-closed.  The client
 * must see the server's status at once, not at its deadline (a client that
 * waits for RST_STREAM, or for its own half-close, ends with
 * DEADLINE_EXCEEDED here), and a later send must fail cleanly. */
#define EARLY_CODE TRPC_STATUS_INVALID_ARGUMENT
#define EARLY_MESSAGE "server ends the call early"

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* FullDuplexCall: one ping-pong round, then a request whose response_status
 * (Echo Status) makes the server end the call. */
static int server_ends_bidi_early(trpc_channel *ch)
{
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    Grpc__Testing__TestService_FullDuplexCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__full_duplex_call__start(&call, TS(ch), &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    static const int32_t size = 31415;
    out_req r;
    out_req_init(&r, &size, 1, 27182);
    trpc_error rv1 = grpc__testing__test_service__full_duplex_call__send(call, &r.req);
    out_req_free(&r);
    Grpc__Testing__StreamingOutputCallResponse *resp = NULL;
    bool got1 = grpc__testing__test_service__full_duplex_call__recv(call, &resp);
    bool first_ok = got1 && zeros(resp->payload, 31415);
    if (got1) {
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }

    Grpc__Testing__EchoStatus es = GRPC__TESTING__ECHO_STATUS__INIT;
    es.code = EARLY_CODE;
    es.message = EARLY_MESSAGE;
    out_req_init(&r, NULL, 0, -1);
    r.req.response_status = &es;
    trpc_error rv2 = grpc__testing__test_service__full_duplex_call__send(call, &r.req);
    /* No close_send: the server ends the call on its own. */
    bool got2 = grpc__testing__test_service__full_duplex_call__recv(call, &resp);
    if (got2) {
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }
    long ended_ms = ms_since(&t0);
    out_req_init(&r, &size, 1, 8);
    trpc_error rv3 = grpc__testing__test_service__full_duplex_call__send(call, &r.req);
    out_req_free(&r);
    trpc_status st = grpc__testing__test_service__full_duplex_call__finish(call);

    CHECK(rv1 == 0 && rv2 == 0, "send: %s", trpc_strerror(rv1 ? rv1 : rv2));
    CHECK(first_ok, "no first response of 31415 zero bytes (recv returned %d)", (int)got1);
    CHECK(!got2, "recv after the request to end the call returned a message");
    CHECK(st == EARLY_CODE, "status %s after %ld ms, want %s: %s", trpc_status_name(st),
          ended_ms, trpc_status_name(EARLY_CODE), msg ? msg : "(no message)");
    CHECK(msg && strcmp(msg, EARLY_MESSAGE) == 0, "message \"%s\", want \"%s\"",
          msg ? msg : "(none)", EARLY_MESSAGE);
    CHECK(rv3 != 0, "a send after the call ended succeeded");
out:
    free(msg);
    return rc;
}

/* What on_status saw, for the async client stream below. */
typedef struct early_done {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    trpc_status code;
} early_done;

static void early_on_message(Grpc__Testing__TestService_StreamingInputCall_Stream *call,
                             Grpc__Testing__StreamingInputCallResponse *m, void *user)
{
    (void)call, (void)user;
    grpc__testing__streaming_input_call_response__free_unpacked(m, NULL);
}

static void early_on_status(Grpc__Testing__TestService_StreamingInputCall_Stream *call,
                            trpc_status code, const char *message, void *user)
{
    (void)call, (void)message;
    early_done *d = user;
    pthread_mutex_lock(&d->mu);
    d->done = true;
    d->code = code;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* StreamingInputCall: CompressedRequest (expect_compressed on an
 * uncompressed message) makes the server answer INVALID_ARGUMENT before the
 * client half-closes.  The async API shows the end without half-closing
 * (the blocking finish would half-close first). */
static int server_ends_client_stream_early(trpc_channel *ch)
{
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    early_done d = { .done = false };
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, NULL);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    Grpc__Testing__TestService_StreamingInputCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__streaming_input_call__start_async(
        &call, TS(ch), &opts, early_on_message, early_on_status, &d);
    if (rv) {
        rc = fail("start: %s", trpc_strerror(rv));
        goto destroy;
    }
    Grpc__Testing__BoolValue yes = GRPC__TESTING__BOOL_VALUE__INIT;
    yes.value = true;
    Grpc__Testing__StreamingInputCallRequest req =
        GRPC__TESTING__STREAMING_INPUT_CALL_REQUEST__INIT;
    req.payload = new_payload(27182);
    trpc_error rv1 = grpc__testing__test_service__streaming_input_call__send(call, &req);
    free_payload(req.payload);
    req.payload = new_payload(8);
    req.expect_compressed = &yes;
    trpc_error rv2 = grpc__testing__test_service__streaming_input_call__send(call, &req);
    free_payload(req.payload);
    pthread_mutex_lock(&d.mu);
    while (!d.done) {
        pthread_cond_wait(&d.cv, &d.mu); /* the deadline bounds this */
    }
    pthread_mutex_unlock(&d.mu);
    long ended_ms = ms_since(&t0);
    req.payload = new_payload(1828);
    req.expect_compressed = NULL;
    trpc_error rv3 = grpc__testing__test_service__streaming_input_call__send(call, &req);
    free_payload(req.payload);
    Grpc__Testing__StreamingInputCallResponse *reply = NULL;
    trpc_status st = grpc__testing__test_service__streaming_input_call__finish(call, &reply);
    if (reply) {
        grpc__testing__streaming_input_call_response__free_unpacked(reply, NULL);
    }

    CHECK(rv1 == 0, "send: %s", trpc_strerror(rv1));
    (void)rv2; /* the server may have ended the call already */
    CHECK(d.code == TRPC_STATUS_INVALID_ARGUMENT && st == d.code,
          "status %s (finish: %s) after %ld ms, want INVALID_ARGUMENT: %s",
          trpc_status_name(d.code), trpc_status_name(st), ended_ms, msg ? msg : "(no message)");
    CHECK(rv3 != 0, "a send after the call ended succeeded");
out:
    free(msg);
destroy:
    pthread_cond_destroy(&d.cv);
    pthread_mutex_destroy(&d.mu);
    return rc;
}

/* ---- compression (gRPC's client_compressed_* and server_compressed_*) ---- */

/* UnaryCall with expect_compressed (NULL: unset) sent with compression c;
 * the status, the message in *msg. */
static trpc_status compressed_unary_call(trpc_channel *ch, bool expect, trpc_compression c,
                                         Grpc__Testing__SimpleResponse **reply, char **msg)
{
    Grpc__Testing__BoolValue want = GRPC__TESTING__BOOL_VALUE__INIT;
    want.value = expect;
    Grpc__Testing__SimpleRequest req = GRPC__TESTING__SIMPLE_REQUEST__INIT;
    req.expect_compressed = &want;
    req.response_size = 314159;
    req.payload = new_payload(271828);
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = msg,
                                         .compression = c);
    trpc_status st = grpc__testing__test_service__unary_call(TS(ch), &req, reply, &opts);
    free_payload(req.payload);
    return st;
}

static int client_compressed_unary(trpc_channel *ch)
{
    int rc = 0;
    char *msg = NULL;
    Grpc__Testing__SimpleResponse *reply = NULL;
    /* the probe: expect_compressed on a message sent plain */
    trpc_status st = compressed_unary_call(ch, true, TRPC_COMPRESS_NONE, &reply, &msg);
    CHECK_STATUS(st, TRPC_STATUS_INVALID_ARGUMENT, msg);
    static const bool expect[2] = { true, false };
    for (int i = 0; i < 2; i++) {
        free(msg);
        msg = NULL;
        if (reply) {
            grpc__testing__simple_response__free_unpacked(reply, NULL);
            reply = NULL;
        }
        st = compressed_unary_call(ch, expect[i],
                                   expect[i] ? TRPC_COMPRESS_GZIP : TRPC_COMPRESS_NONE, &reply,
                                   &msg);
        CHECK_STATUS(st, TRPC_STATUS_OK, msg);
        CHECK(zeros(reply->payload, 314159), "response payload is %zu bytes, want 314159 zeros",
              payload_len(reply->payload));
    }
out:
    if (reply) {
        grpc__testing__simple_response__free_unpacked(reply, NULL);
    }
    free(msg);
    return rc;
}

/* The method with this path (the blocking stubs cannot tell whether a
 * reply came compressed; a stream on the same method can). */
static const trpc_method *test_method(const char *path)
{
    for (size_t i = 0; i < 8; i++) {
        if (strcmp(grpc__testing__test_service__trpc_methods[i].path, path) == 0) {
            return &grpc__testing__test_service__trpc_methods[i];
        }
    }
    return NULL;
}

static int server_compressed_unary(trpc_channel *ch)
{
    int rc = 0;
    const trpc_method *m = test_method("/grpc.testing.TestService/UnaryCall");
    if (!m) {
        return fail("no UnaryCall method");
    }
    for (int i = 0; i < 2 && rc == 0; i++) {
        bool zip = i == 0;
        Grpc__Testing__BoolValue want = GRPC__TESTING__BOOL_VALUE__INIT;
        want.value = zip;
        Grpc__Testing__SimpleRequest req = GRPC__TESTING__SIMPLE_REQUEST__INIT;
        req.response_compressed = &want;
        req.response_size = 314159;
        req.payload = new_payload(271828);
        char *msg = NULL;
        trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
        trpc_stream *s = NULL;
        ProtobufCMessage *got = NULL;
        bool compressed = false;
        trpc_error rv = trpc_stream_start(&s, ch, m, &opts);
        if (rv == TRPC_OK) {
            rv = trpc_stream_send(s, &req.base);
            if (rv == TRPC_OK) {
                rv = trpc_stream_close_send(s);
            }
            /* A server may answer a unary call before it reads the
             * half-close (gRPC C++ does): then the call has ended and
             * close_send says so; finish tells how it ended. */
            if (rv == TRPC_ECLOSED) {
                rv = TRPC_OK;
            }
            if (trpc_stream_recv(s, &got)) {
                compressed = trpc_stream_message_compressed(s);
            }
        }
        trpc_status st = s ? trpc_stream_finish(s) : TRPC_STATUS_INTERNAL;
        free_payload(req.payload);
        Grpc__Testing__SimpleResponse *reply = (Grpc__Testing__SimpleResponse *)got;
        if (rv != TRPC_OK) {
            rc = fail("stream: %s", trpc_strerror(rv));
        } else if (st != TRPC_STATUS_OK) {
            rc = fail("expected OK, got %s: %s", trpc_status_name(st), msg ? msg : "");
        } else if (!reply || !zeros(reply->payload, 314159)) {
            rc = fail("response payload is %zu bytes, want 314159 zeros",
                      reply ? payload_len(reply->payload) : 0);
        } else if (compressed != zip) {
            rc = fail("response_compressed %s, but the reply came %s", zip ? "true" : "false",
                      compressed ? "compressed" : "uncompressed");
        }
        if (reply) {
            grpc__testing__simple_response__free_unpacked(reply, NULL);
        }
        free(msg);
    }
    return rc;
}

static int client_compressed_streaming(trpc_channel *ch)
{
    int rc = 0;
    char *msg = NULL;
    Grpc__Testing__StreamingInputCallResponse *reply = NULL;
    Grpc__Testing__BoolValue yes = GRPC__TESTING__BOOL_VALUE__INIT, no = yes;
    yes.value = true;
    Grpc__Testing__StreamingInputCallRequest first =
        GRPC__TESTING__STREAMING_INPUT_CALL_REQUEST__INIT;
    first.expect_compressed = &yes;
    first.payload = new_payload(27182);
    Grpc__Testing__StreamingInputCallRequest second =
        GRPC__TESTING__STREAMING_INPUT_CALL_REQUEST__INIT;
    second.expect_compressed = &no;
    second.payload = new_payload(45904);
    /* the probe: expect_compressed on a message sent plain */
    trpc_call_opts plain = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg,
                                          .compression = TRPC_COMPRESS_NONE);
    Grpc__Testing__TestService_StreamingInputCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__streaming_input_call__start(&call, TS(ch),
                                                                             &plain);
    CHECK(rv == TRPC_OK, "start: %s", trpc_strerror(rv));
    grpc__testing__test_service__streaming_input_call__send(call, &first);
    trpc_status st = grpc__testing__test_service__streaming_input_call__finish(call, &reply);
    CHECK_STATUS(st, TRPC_STATUS_INVALID_ARGUMENT, msg);
    if (reply) {
        grpc__testing__streaming_input_call_response__free_unpacked(reply, NULL);
        reply = NULL;
    }
    free(msg);
    msg = NULL;
    /* the first message compressed, the second not: per message */
    trpc_call_opts zip = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg,
                                        .compression = TRPC_COMPRESS_GZIP);
    rv = grpc__testing__test_service__streaming_input_call__start(&call, TS(ch), &zip);
    CHECK(rv == TRPC_OK, "start: %s", trpc_strerror(rv));
    rv = grpc__testing__test_service__streaming_input_call__send(call, &first);
    if (rv == TRPC_OK) {
        rv = trpc_stream_set_compression(call->base, TRPC_COMPRESS_NONE);
    }
    if (rv == TRPC_OK) {
        rv = grpc__testing__test_service__streaming_input_call__send(call, &second);
    }
    st = grpc__testing__test_service__streaming_input_call__finish(call, &reply);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(rv == TRPC_OK, "send: %s", trpc_strerror(rv));
    CHECK(reply->aggregated_payload_size == 73086, "aggregated_payload_size %d, want 73086",
          reply->aggregated_payload_size);
out:
    if (reply) {
        grpc__testing__streaming_input_call_response__free_unpacked(reply, NULL);
    }
    free_payload(first.payload);
    free_payload(second.payload);
    free(msg);
    return rc;
}

static int server_compressed_streaming(trpc_channel *ch)
{
    static const int32_t sizes[] = { 31415, 92653 };
    int rc = 0;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    out_req r;
    out_req_init(&r, sizes, 2, -1);
    Grpc__Testing__BoolValue yes = GRPC__TESTING__BOOL_VALUE__INIT, no = yes;
    yes.value = true;
    r.params[0].compressed = &yes;
    r.params[1].compressed = &no;
    Grpc__Testing__TestService_StreamingOutputCall_Stream *call;
    trpc_error rv = grpc__testing__test_service__streaming_output_call__start(&call, TS(ch),
                                                                              &r.req, &opts);
    if (rv) {
        return fail("start: %s", trpc_strerror(rv));
    }
    size_t n = 0;
    bool sizes_ok = true, flags_ok = true;
    Grpc__Testing__StreamingOutputCallResponse *resp;
    while (grpc__testing__test_service__streaming_output_call__recv(call, &resp)) {
        if (n >= 2 || !zeros(resp->payload, (size_t)sizes[n])) {
            sizes_ok = false;
        } else if (trpc_stream_message_compressed(call->base) != (n == 0)) {
            flags_ok = false;
            fprintf(stderr, "response %zu came %s\n", n,
                    n == 0 ? "uncompressed" : "compressed");
        }
        n++;
        grpc__testing__streaming_output_call_response__free_unpacked(resp, NULL);
    }
    trpc_status st = grpc__testing__test_service__streaming_output_call__finish(call);
    CHECK_STATUS(st, TRPC_STATUS_OK, msg);
    CHECK(n == 2, "%zu responses, want 2", n);
    CHECK(sizes_ok, "response sizes are not 31415, 92653 zero bytes");
    CHECK(flags_ok, "want the first response compressed and the second not");
out:
    free(msg);
    return rc;
}

static const struct {
    const char *name;
    int (*run)(trpc_channel *ch);
} cases[] = {
    { "empty_unary", empty_unary },
    { "large_unary", large_unary },
    { "client_streaming", client_streaming },
    { "server_streaming", server_streaming },
    { "ping_pong", ping_pong },
    { "empty_stream", empty_stream },
    { "status_code_and_message", status_code_and_message },
    { "special_status_message", special_status_message },
    { "custom_metadata", custom_metadata },
    { "unimplemented_method", unimplemented_method },
    { "unimplemented_service", unimplemented_service },
    { "cancel_after_begin", cancel_after_begin },
    { "cancel_after_first_response", cancel_after_first_response },
    { "timeout_on_sleeping_server", timeout_on_sleeping_server },
    { "server_ends_bidi_early", server_ends_bidi_early },
    { "server_ends_client_stream_early", server_ends_client_stream_early },
    { "client_compressed_unary", client_compressed_unary },
    { "server_compressed_unary", server_compressed_unary },
    { "client_compressed_streaming", client_compressed_streaming },
    { "server_compressed_streaming", server_compressed_streaming },
};
#define N_CASES (sizeof cases / sizeof cases[0])

static void usage(void)
{
    fprintf(stderr, "usage: interop_client --server_host HOST --server_port PORT "
                    "--test_case NAME\ncases: all");
    for (size_t i = 0; i < N_CASES; i++) {
        fprintf(stderr, " %s", cases[i].name);
    }
    fputc('\n', stderr);
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
    const char *host = "127.0.0.1", *port = NULL, *test_case = NULL, *override = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = flag(argc, argv, &i, "--server_host")) != NULL) {
            host = v;
        } else if ((v = flag(argc, argv, &i, "--server_port")) != NULL) {
            port = v;
        } else if ((v = flag(argc, argv, &i, "--test_case")) != NULL) {
            test_case = v;
        } else if ((v = flag(argc, argv, &i, "--server_host_override")) != NULL) {
            override = v;
        } else if ((v = flag(argc, argv, &i, "--use_tls")) != NULL) {
            if (strcmp(v, "false") != 0) {
                fprintf(stderr, "interop_client: TLS is not supported\n");
                return 2;
            }
        } else {
            usage();
        }
    }
    if (!port || !test_case) {
        usage();
    }
    bool all = strcmp(test_case, "all") == 0;
    size_t which = N_CASES;
    for (size_t i = 0; i < N_CASES; i++) {
        if (strcmp(cases[i].name, test_case) == 0) {
            which = i;
        }
    }
    if (!all && which == N_CASES) {
        fprintf(stderr, "interop_client: unknown test case '%s'\n", test_case);
        usage();
    }

    char target[300];
    snprintf(target, sizeof target, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
    trpc_channel_opts co = TRPC_CHANNEL_OPTS(.authority = override);
    trpc_channel *ch;
    trpc_error rv = trpc_channel_new(&ch, target, &co);
    if (rv) {
        fprintf(stderr, "interop_client: %s: %s\n", target, trpc_strerror(rv));
        return 1;
    }
    int failed = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        if (all || i == which) {
            current_case = cases[i].name;
            int r = cases[i].run(ch);
            printf("%s: %s\n", cases[i].name, r ? "FAILED" : "passed");
            failed += r != 0;
        }
    }
    trpc_channel_free(ch);
    return failed ? 1 : 0;
}
