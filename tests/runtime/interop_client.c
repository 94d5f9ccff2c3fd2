/*
 * interop_client.c: typerpc client -> grpcio server.  Run by
 * interop_grpcio_server.py with the server's address as argv[1]; the Python
 * side implements the same request-driven behaviours as echo_impl.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo_impl.h"
#include "helloworld.trpc.h"

static const char *target;
static trpc_channel *ch;
static Echo__Echo_Client *echo;

static int setup(void **state)
{
    (void)state;
    if (trpc_channel_new(&ch, target, NULL) != TRPC_OK) {
        return -1;
    }
    echo = echo__echo__client(ch);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    trpc_channel_free(ch);
    return 0;
}

static void test_unary(void **state)
{
    (void)state;
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "hi";
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, NULL), TRPC_STATUS_OK);
    assert_string_equal(reply->text, "hi");
    echo__echo_reply__free_unpacked(reply, NULL);
    Helloworld__HelloRequest hreq = HELLOWORLD__HELLO_REQUEST__INIT;
    hreq.name = "typerpc";
    Helloworld__HelloReply *hrep = NULL;
    assert_int_equal(helloworld__greeter__say_hello(helloworld__greeter__client(ch), &hreq, &hrep,
                                                    NULL),
                     TRPC_STATUS_OK);
    assert_string_equal(hrep->message, "Hello typerpc");
    helloworld__hello_reply__free_unpacked(hrep, NULL);
}

static void test_status(void **state)
{
    (void)state;
    static const char *texts[] = {
        "plain",
        "  leading and trailing whitespace \t\n",
        "non-ASCII: h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x98\x80",
        "100% %41 done",
    };
    for (int code = 1; code <= 16; code++) {
        const char *text = texts[code % 4];
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        req.text = (char *)text;
        req.code = code;
        Echo__EchoReply *reply = NULL;
        char *msg = NULL;
        trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
        assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts), code);
        assert_non_null(msg);
        assert_string_equal(msg, text);
        free(msg);
    }
}

static void test_metadata(void **state)
{
    (void)state;
    trpc_metadata *send, *hdrs, *trls;
    trpc_metadata_new(&send);
    trpc_metadata_new(&hdrs);
    trpc_metadata_new(&trls);
    uint8_t bin[256];
    for (int i = 0; i < 256; i++) {
        bin[i] = (uint8_t)i;
    }
    trpc_metadata_add_str(send, "x-token", "abc 123");
    trpc_metadata_add(send, "x-blob-bin", bin, sizeof bin);
    trpc_metadata_add(send, "x-one-bin", bin + 7, 1);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "metadata";
    Echo__EchoReply *reply = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.metadata = send, .headers = hdrs, .trailers = trls);
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts), TRPC_STATUS_OK);
    echo__echo_reply__free_unpacked(reply, NULL);
    for (int pass = 0; pass < 2; pass++) {
        trpc_metadata *md = pass ? trls : hdrs;
        size_t n;
        const uint8_t *v = trpc_metadata_get(md, "x-blob-bin", &n);
        assert_non_null(v);
        assert_int_equal(n, 256);
        assert_memory_equal(v, bin, 256);
        v = trpc_metadata_get(md, "x-one-bin", &n);
        assert_int_equal(n, 1);
        assert_int_equal(v[0], 7);
        assert_string_equal(trpc_metadata_get(md, "x-token", NULL), "abc 123");
    }
    trpc_metadata_free(send);
    trpc_metadata_free(hdrs);
    trpc_metadata_free(trls);
}

static void test_streams(void **state)
{
    (void)state;
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "s";
    req.count = 100;
    Echo__Echo_ServerStream_Stream *sc;
    assert_int_equal(echo__echo__server_stream__start(&sc, echo, &req, NULL), 0);
    int n = 0;
    Echo__EchoReply *r;
    while (echo__echo__server_stream__recv(sc, &r)) {
        assert_int_equal(r->index, n++);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(n, 100);
    assert_int_equal(echo__echo__server_stream__finish(sc), TRPC_STATUS_OK);

    Echo__Echo_ClientStream_Stream *cc;
    assert_int_equal(echo__echo__client_stream__start(&cc, echo, NULL), 0);
    for (int i = 0; i < 50; i++) {
        Echo__EchoRequest m = ECHO__ECHO_REQUEST__INIT;
        m.text = "ab";
        assert_int_equal(echo__echo__client_stream__send(cc, &m), 0);
    }
    assert_int_equal(echo__echo__client_stream__finish(cc, &r), TRPC_STATUS_OK);
    assert_int_equal(r->index, 50);
    assert_int_equal(strlen(r->text), 100);
    echo__echo_reply__free_unpacked(r, NULL);

    Echo__Echo_Bidi_Stream *bc;
    assert_int_equal(echo__echo__bidi__start(&bc, echo, NULL), 0);
    for (int i = 0; i < 20; i++) {
        Echo__EchoRequest m = ECHO__ECHO_REQUEST__INIT;
        char text[16];
        snprintf(text, sizeof text, "m%d", i);
        m.text = text;
        assert_int_equal(echo__echo__bidi__send(bc, &m), 0);
        assert_true(echo__echo__bidi__recv(bc, &r)); /* ping-pong */
        assert_string_equal(r->text, text);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    echo__echo__bidi__close_send(bc);
    assert_false(echo__echo__bidi__recv(bc, &r));
    assert_int_equal(echo__echo__bidi__finish(bc), TRPC_STATUS_OK);
}

static void test_large(void **state)
{
    (void)state;
    size_t n = 3u * 1024 * 1024 + 5;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++) {
        big[i] = (uint8_t)(i * 13);
    }
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = big;
    req.payload.len = n;
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, NULL), TRPC_STATUS_OK);
    assert_int_equal(reply->payload.len, n);
    assert_memory_equal(reply->payload.data, big, n);
    echo__echo_reply__free_unpacked(reply, NULL);
    Echo__EchoRequest breq = ECHO__ECHO_REQUEST__INIT;
    breq.mode = "big";
    breq.count = 2 << 20;
    assert_int_equal(echo__echo__unary(echo, &breq, &reply, NULL), TRPC_STATUS_OK);
    assert_int_equal(reply->payload.len, 2 << 20);
    echo__echo_reply__free_unpacked(reply, NULL);
    /* over grpcio's 4 MiB receive limit */
    free(big);
    big = calloc(1, 5u << 20);
    req.payload.data = big;
    req.payload.len = 5u << 20;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, NULL),
                     TRPC_STATUS_RESOURCE_EXHAUSTED);
    /* over typerpc's 4 MiB receive limit */
    breq.count = 5 << 20;
    assert_int_equal(echo__echo__unary(echo, &breq, &reply, NULL),
                     TRPC_STATUS_RESOURCE_EXHAUSTED);
    free(big);
}

static int server_cancel_count(void)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "stats";
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, NULL), TRPC_STATUS_OK);
    int n = reply->index;
    echo__echo_reply__free_unpacked(reply, NULL);
    return n;
}

static void wait_server_cancels(int n)
{
    for (int i = 0; i < 1000 && server_cancel_count() < n; i++) {
        echo_sleep_ms(10);
    }
    int got = server_cancel_count();
    if (got < n) {
        fail_msg("the server saw %d cancellations, expected %d", got, n);
    }
}

static void test_deadline_and_cancel(void **state)
{
    (void)state;
    int base = server_cancel_count();
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "wait_cancel";
    Echo__EchoReply *reply = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 200);
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts),
                     TRPC_STATUS_DEADLINE_EXCEEDED);
    wait_server_cancels(base + 1); /* grpcio saw the deadline too */
    req.mode = "deadline";
    opts.timeout_ms = 30000;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts), TRPC_STATUS_OK);
    assert_true(reply->deadline_left_ms > 0 && reply->deadline_left_ms <= 30000);
    echo__echo_reply__free_unpacked(reply, NULL);

    /* cancel after the first response */
    Echo__Echo_ServerStream_Stream *sc;
    req.mode = "wait_cancel";
    assert_int_equal(echo__echo__server_stream__start(&sc, echo, &req, NULL), 0);
    Echo__EchoReply *r;
    assert_true(echo__echo__server_stream__recv(sc, &r));
    assert_string_equal(r->text, "first");
    echo__echo_reply__free_unpacked(r, NULL);
    echo__echo__server_stream__cancel(sc);
    assert_int_equal(echo__echo__server_stream__finish(sc), TRPC_STATUS_CANCELLED);
    wait_server_cancels(base + 2);
    /* cancel right after begin */
    Echo__Echo_Bidi_Stream *bc;
    assert_int_equal(echo__echo__bidi__start(&bc, echo, NULL), 0);
    echo__echo__bidi__cancel(bc);
    assert_int_equal(echo__echo__bidi__finish(bc), TRPC_STATUS_CANCELLED);
}

/* The server ends a bidi call while the client still sends (it has not
 * half-closed): the call completes with the server's status as soon as the
 * trailers arrive, and later sends fail with TRPC_ECLOSED. */
static void test_server_ends_first(void **state)
{
    (void)state;
    Echo__Echo_Bidi_Stream *bc;
    assert_int_equal(echo__echo__bidi__start(&bc, echo, NULL), TRPC_OK);
    Echo__EchoRequest m = ECHO__ECHO_REQUEST__INIT;
    m.text = "one";
    assert_int_equal(echo__echo__bidi__send(bc, &m), TRPC_OK);
    Echo__EchoReply *r;
    assert_true(echo__echo__bidi__recv(bc, &r));
    echo__echo_reply__free_unpacked(r, NULL);
    m.code = TRPC_STATUS_ABORTED;
    m.text = "enough";
    assert_int_equal(echo__echo__bidi__send(bc, &m), TRPC_OK);
    assert_false(echo__echo__bidi__recv(bc, &r)); /* returns at the trailers */
    trpc_error rv = TRPC_OK;
    for (int i = 0; i < 1000 && rv == TRPC_OK; i++) {
        m.code = 0;
        rv = echo__echo__bidi__send(bc, &m);
    }
    assert_int_equal(rv, TRPC_ECLOSED);
    assert_int_equal(echo__echo__bidi__finish(bc), TRPC_STATUS_ABORTED);
}

static void test_unimplemented(void **state)
{
    (void)state;
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__missing(echo, &req, &reply, NULL),
                     TRPC_STATUS_UNIMPLEMENTED);
    static const trpc_method nope = { "/nope.Nope/X", &echo__echo_request__descriptor,
                                      &echo__echo_reply__descriptor, TRPC_UNARY };
    ProtobufCMessage *r = NULL;
    assert_int_equal(trpc_channel_unary(ch, &nope, &req.base, &r, NULL),
                     TRPC_STATUS_UNIMPLEMENTED);
}

static void *hammer(void *arg)
{
    (void)arg;
    int ok = 0;
    for (int i = 0; i < 50; i++) {
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        char text[16];
        snprintf(text, sizeof text, "%d", i);
        req.text = text;
        Echo__EchoReply *reply = NULL;
        if (echo__echo__unary(echo, &req, &reply, NULL) == TRPC_STATUS_OK &&
            strcmp(reply->text, text) == 0) {
            ok++;
        }
        echo__echo_reply__free_unpacked(reply, NULL);
    }
    return (void *)(intptr_t)ok;
}

static void test_concurrency(void **state)
{
    (void)state;
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        pthread_create(&th[i], NULL, hammer, NULL);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        void *ok;
        pthread_join(th[i], &ok);
        total += (int)(intptr_t)ok;
    }
    assert_int_equal(total, 400);
}

/* gRPC's server enforces its ping policy (5 minutes between PINGs, 2
 * strikes): a typerpc client pinging every 100 ms during a call is told
 * off (GOAWAY ENHANCE_YOUR_CALM "too_many_pings"), the call fails
 * UNAVAILABLE with a message saying so, and the channel carries on with a
 * new connection. */
static void test_keepalive_too_many_pings(void **state)
{
    (void)state;
    trpc_channel *kc = NULL;
    assert_int_equal(trpc_channel_new(&kc, target,
                                      &TRPC_CHANNEL_OPTS(.keepalive_time_ms = 100)),
                     TRPC_OK);
    Echo__Echo_Client *kecho = echo__echo__client(kc);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "wait_cancel";
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    assert_int_equal(echo__echo__unary(kecho, &req, &reply,
                                       &TRPC_CALL_OPTS(.timeout_ms = 30000, .message = &msg)),
                     TRPC_STATUS_UNAVAILABLE);
    /* gRPC core fails the call itself ("Too many pings") as it sends the
     * GOAWAY; had the GOAWAY come first, ours would say "GOAWAY
     * ENHANCE_YOUR_CALM (too_many_pings)". */
    assert_non_null(msg);
    assert_true(strstr(msg, "Too many pings") || strstr(msg, "too_many_pings"));
    free(msg);
    req.mode = "";
    req.text = "again";
    assert_int_equal(echo__echo__unary(kecho, &req, &reply, NULL), TRPC_STATUS_OK);
    assert_string_equal(reply->text, "again");
    echo__echo_reply__free_unpacked(reply, NULL);
    trpc_channel_free(kc);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HOST:PORT [TEST-FILTER]\n", argv[0]);
        return 2;
    }
    target = argv[1];
    if (argc > 2) {
        cmocka_set_test_filter(argv[2]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unary),        cmocka_unit_test(test_status),
        cmocka_unit_test(test_metadata),     cmocka_unit_test(test_streams),
        cmocka_unit_test(test_large),        cmocka_unit_test(test_deadline_and_cancel),
        cmocka_unit_test(test_unimplemented), cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_server_ends_first), cmocka_unit_test(test_keepalive_too_many_pings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
