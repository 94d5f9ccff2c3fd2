/*
 * test_runtime_e2e.c: typerpc client <-> typerpc server, end to end, through
 * the (hand-written reference) generated code for echo.Echo and
 * helloworld.Greeter.  Every test is bounded in time; none asserts on
 * timing.  Servers listen on port 0 (read back) and on unix sockets in a
 * fresh temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <nghttp2/nghttp2.h>

#include "echo_impl.h"
#include "helloworld.trpc.h"
#include "rt_util.h"

static char tmpdir[64];
static trpc_server *srv;
static int port4;
static char unix_target[128];
static trpc_channel *ch; /* to 127.0.0.1:port4 */
static Echo__Echo_Client *echo; /* on ch */

#define connect_port rt_connect_port
#define read_until_closed rt_read_until_closed

static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req,
                             Helloworld__HelloReply *reply, void *user)
{
    (void)user;
    size_t n = strlen(req->name) + 16;
    reply->message = trpc_call_alloc(call->base, n);
    snprintf(reply->message, n, "Hello %s", req->name);
    return TRPC_STATUS_OK;
}

static const Helloworld__Greeter_Impl greeter_impl = { .say_hello = say_hello };

static trpc_server *new_server(unsigned workers, const trpc_server_opts *base, int *port,
                               const char *unix_path)
{
    trpc_server_opts o = base ? *base : TRPC_SERVER_OPTS();
    o.workers = workers;
    trpc_server *s = NULL;
    assert_int_equal(trpc_server_new(&s, &o), 0);
    assert_int_equal(echo__echo__serve(s, &echo_impl, NULL), 0);
    assert_int_equal(helloworld__greeter__serve(s, &greeter_impl, NULL), 0);
    if (port) {
        assert_int_equal(trpc_server_listen(s, "127.0.0.1:0", port), 0);
        assert_true(*port > 0);
    }
    if (unix_path) {
        char addr[160];
        snprintf(addr, sizeof addr, "unix:%s", unix_path);
        assert_int_equal(trpc_server_listen(s, addr, NULL), 0);
    }
    assert_int_equal(trpc_server_start(s), 0);
    return s;
}

#define new_channel rt_channel

static int setup_all(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/trpc-e2e-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        return -1;
    }
    snprintf(unix_target, sizeof unix_target, "%s/echo.sock", tmpdir);
    srv = new_server(2, NULL, &port4, unix_target);
    ch = new_channel("127.0.0.1:%d", port4);
    echo = echo__echo__client(ch);
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    trpc_channel_free(ch);
    trpc_server_free(srv);
    rmdir(tmpdir);
    return 0;
}

/* ---- unary ------------------------------------------------------------------ */

static void check_unary_on(trpc_channel *c)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "hello";
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
    trpc_status st = echo__echo__unary(echo__echo__client(c), &req, &reply, &opts);
    assert_int_equal(st, TRPC_STATUS_OK);
    assert_null(msg);
    assert_non_null(reply);
    assert_string_equal(reply->text, "hello");
    echo__echo_reply__free_unpacked(reply, NULL);
}

static void test_unary_tcp4(void **state)
{
    (void)state;
    check_unary_on(ch);
    Helloworld__HelloRequest hreq = HELLOWORLD__HELLO_REQUEST__INIT;
    hreq.name = "world";
    Helloworld__HelloReply *hrep = NULL;
    assert_int_equal(helloworld__greeter__say_hello(helloworld__greeter__client(ch), &hreq, &hrep,
                                                    NULL),
                     TRPC_STATUS_OK);
    assert_string_equal(hrep->message, "Hello world");
    helloworld__hello_reply__free_unpacked(hrep, NULL);
}

static void test_unary_unix(void **state)
{
    (void)state;
    trpc_channel *c = new_channel("unix:%s", unix_target);
    check_unary_on(c);
    trpc_channel_free(c);
}

static void test_unary_tcp6(void **state)
{
    (void)state;
    trpc_server *s = NULL;
    assert_int_equal(trpc_server_new(&s, NULL), 0);
    assert_int_equal(echo__echo__serve(s, &echo_impl, NULL), 0);
    int p = 0;
    if (trpc_server_listen(s, "[::1]:0", &p) != 0) {
        trpc_server_free(s);
        skip(); /* no IPv6 loopback here */
    }
    assert_int_equal(trpc_server_start(s), 0);
    trpc_channel *c = new_channel("[::1]:%d", p);
    check_unary_on(c);
    trpc_channel_free(c);
    trpc_server_free(s);
}

static void test_status_messages(void **state)
{
    (void)state;
    static const char *texts[] = {
        "plain",
        "  leading and trailing whitespace \t\n",
        "non-ASCII: h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x98\x80",
        "percent 100% %41 %zz end%",
        "",
    };
    for (int code = 1; code <= 16; code++) {
        const char *text = texts[code % 5];
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        req.text = (char *)text;
        req.code = code;
        Echo__EchoReply *reply = (Echo__EchoReply *)1;
        char *msg = NULL;
        trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
        trpc_status st = echo__echo__unary(echo, &req, &reply, &opts);
        assert_int_equal(st, code);
        assert_null(reply);
        if (*text) {
            if (!msg) {
                fail_msg("code %d: no message for \"%s\"", code, text);
            }
            assert_string_equal(msg, text);
        } else {
            assert_null(msg);
        }
        free(msg);
    }
}

static void test_server_api(void **state)
{
    (void)state;
    trpc_server *s = NULL;
    assert_int_equal(trpc_server_new(NULL, NULL), TRPC_EINVAL);
    assert_int_equal(trpc_server_new(&s, NULL), 0);
    assert_int_equal(trpc_server_start(s), TRPC_ESTATE); /* nothing to listen on */
    assert_int_equal(echo__echo__serve(s, &echo_impl, NULL), 0);
    assert_int_equal(echo__echo__serve(s, &echo_impl, NULL), TRPC_EEXISTS);
    static const trpc_method dup[] = {
        { "/d.D/M", &echo__echo_request__descriptor, &echo__echo_reply__descriptor, TRPC_UNARY },
        { "/d.D/M", &echo__echo_request__descriptor, &echo__echo_reply__descriptor, TRPC_UNARY },
    };
    static const trpc_service dupsvc = { "d.D", 2, dup, NULL };
    const trpc_method_handlers hs[2] = { { 0 }, { 0 } };
    assert_int_equal(trpc_server_add_service(s, &dupsvc, hs, NULL, NULL), TRPC_EEXISTS);
    assert_int_equal(trpc_server_listen(s, "nonsense", NULL), TRPC_EADDR);
    assert_int_equal(trpc_server_listen(s, "256.1.1.1:0", NULL), TRPC_EADDR);
    int p = 0;
    assert_int_equal(trpc_server_listen(s, "127.0.0.1:0", &p), 0);
    trpc_server_free(s);
    trpc_server_free(NULL);
    trpc_channel *c = NULL;
    assert_int_equal(trpc_channel_new(&c, "no-port", NULL), TRPC_EADDR);
    assert_null(c);
    trpc_channel_free(NULL);
    /* Options not made with their macro (no size) are refused, for a call
     * with INVALID_ARGUMENT before anything is sent. */
    trpc_call_opts nosize = { .timeout_ms = 5 };
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = (Echo__EchoReply *)1;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &nosize),
                     TRPC_STATUS_INVALID_ARGUMENT);
    assert_null(reply);
    Echo__Echo_Bidi_Stream *bs = NULL;
    assert_int_equal(echo__echo__bidi__start(&bs, echo, &nosize), TRPC_EINVAL);
    assert_null(bs);
    /* a handle made from a channel is the channel's address (the typed
     * handle rule) */
    assert_ptr_equal(echo->base, ch);
    assert_ptr_equal((void *)echo, (void *)ch);
}

static void test_status_out_of_range(void **state)
{
    (void)state;
    /* A handler returning a number that is no gRPC code ends its call with
     * INTERNAL and says so; the application's message is not sent. */
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "odd";
    static const int codes[] = { 42, 17, -3, 255, 257 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        req.code = codes[i];
        Echo__EchoReply *reply = NULL;
        char *msg = NULL;
        trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
        assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts), TRPC_STATUS_INTERNAL);
        assert_non_null(msg);
        assert_non_null(strstr(msg, "not a gRPC status"));
        free(msg);
    }
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(trpc_status_name(TRPC_STATUS_OK), "OK");
    assert_string_equal(trpc_status_name(TRPC_STATUS_UNAUTHENTICATED), "UNAUTHENTICATED");
    assert_int_equal(TRPC_STATUS_UNAUTHENTICATED, 16);
    assert_int_equal(TRPC_STATUS_DEADLINE_EXCEEDED, 4);
    assert_string_equal(trpc_err_name(TRPC_ENOMEM), "NOMEM");
    assert_string_equal(trpc_strerror(TRPC_OK), "success");
}

/* ---- metadata ------------------------------------------------------------------ */

static void test_metadata(void **state)
{
    (void)state;
    trpc_metadata *send, *hdrs, *trls;
    assert_int_equal(trpc_metadata_new(&send), 0);
    assert_int_equal(trpc_metadata_new(&hdrs), 0);
    assert_int_equal(trpc_metadata_new(&trls), 0);
    uint8_t bin[256];
    for (int i = 0; i < 256; i++) {
        bin[i] = (uint8_t)i;
    }
    assert_int_equal(trpc_metadata_add_str(send, "x-token", "abc 123"), 0);
    assert_int_equal(trpc_metadata_add(send, "x-blob-bin", bin, sizeof bin), 0);
    assert_int_equal(trpc_metadata_add(send, "x-one-bin", bin + 7, 1), 0);
    assert_int_equal(trpc_metadata_add(send, "x-two-bin", bin + 7, 2), 0);
    assert_int_equal(trpc_metadata_add_str(send, "x-token", "second"), 0);
    /* reserved or malformed keys and bad values are refused */
    assert_int_equal(trpc_metadata_add_str(send, "grpc-status", "0"), TRPC_EINVAL);
    assert_int_equal(trpc_metadata_add_str(send, "Upper", "x"), TRPC_EINVAL);
    assert_int_equal(trpc_metadata_add_str(send, "x-ctl", "a\nb"), TRPC_EINVAL);

    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "md";
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
        v = trpc_metadata_get(md, "x-two-bin", &n);
        assert_int_equal(n, 2);
        assert_string_equal(trpc_metadata_get(md, "x-token", NULL), "abc 123");
        int tokens = 0;
        for (size_t i = 0; i < trpc_metadata_count(md); i++) {
            const char *k;
            trpc_metadata_at(md, i, &k, NULL, NULL);
            tokens += strcmp(k, "x-token") == 0;
            assert_false(strcmp(k, "grpc-status") == 0);
            assert_false(strcmp(k, "content-type") == 0);
        }
        assert_int_equal(tokens, 2);
    }
    /* Streams see response headers before the end. */
    Echo__Echo_ServerStream_Stream *call;
    trpc_call_opts sopts = TRPC_CALL_OPTS(.metadata = send);
    req.count = 3;
    assert_int_equal(echo__echo__server_stream__start(&call, echo, &req, &sopts), 0);
    const trpc_metadata *h = trpc_stream_headers(call->base);
    assert_non_null(h);
    assert_string_equal(trpc_metadata_get(h, "x-token", NULL), "abc 123");
    assert_int_equal(echo__echo__server_stream__finish(call), TRPC_STATUS_OK);
    trpc_metadata_free(send);
    trpc_metadata_free(hdrs);
    trpc_metadata_free(trls);
}

/* ---- streaming -------------------------------------------------------------------- */

static void test_server_stream(void **state)
{
    (void)state;
    for (int deferred = 0; deferred < 2; deferred++) {
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        req.text = "s";
        req.count = 100;
        req.mode = deferred ? "defer" : "";
        Echo__Echo_ServerStream_Stream *call;
        assert_int_equal(echo__echo__server_stream__start(&call, echo, &req, NULL), 0);
        int n = 0;
        Echo__EchoReply *r;
        while (echo__echo__server_stream__recv(call, &r)) {
            assert_int_equal(r->index, n);
            assert_string_equal(r->text, "s");
            n++;
            echo__echo_reply__free_unpacked(r, NULL);
        }
        assert_int_equal(n, 100);
        assert_int_equal(echo__echo__server_stream__finish(call), TRPC_STATUS_OK);
    }
    /* messages, then an error status */
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "after two";
    req.count = 2;
    req.code = TRPC_STATUS_ABORTED;
    Echo__Echo_ServerStream_Stream *call;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
    assert_int_equal(echo__echo__server_stream__start(&call, echo, &req, &opts), 0);
    int n = 0;
    Echo__EchoReply *r;
    while (echo__echo__server_stream__recv(call, &r)) {
        n++;
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(n, 2);
    assert_int_equal(echo__echo__server_stream__finish(call), TRPC_STATUS_ABORTED);
    assert_string_equal(msg, "after two");
    free(msg);
    /* zero replies */
    req.code = 0;
    req.count = 0;
    assert_int_equal(echo__echo__server_stream__start(&call, echo, &req, NULL), 0);
    assert_false(echo__echo__server_stream__recv(call, &r));
    assert_int_equal(echo__echo__server_stream__finish(call), TRPC_STATUS_OK);
}

static void test_client_stream(void **state)
{
    (void)state;
    Echo__Echo_ClientStream_Stream *call;
    assert_int_equal(echo__echo__client_stream__start(&call, echo, NULL), 0);
    for (int i = 0; i < 50; i++) {
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        req.text = "ab";
        assert_int_equal(echo__echo__client_stream__send(call, &req), 0);
    }
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__client_stream__finish(call, &reply), TRPC_STATUS_OK);
    assert_int_equal(reply->index, 50);
    assert_int_equal(strlen(reply->text), 100);
    echo__echo_reply__free_unpacked(reply, NULL);
    /* empty request stream */
    assert_int_equal(echo__echo__client_stream__start(&call, echo, NULL), 0);
    assert_int_equal(echo__echo__client_stream__finish(call, &reply), TRPC_STATUS_OK);
    assert_int_equal(reply->index, 0);
    echo__echo_reply__free_unpacked(reply, NULL);
    /* the handler fails early */
    assert_int_equal(echo__echo__client_stream__start(&call, echo, NULL), 0);
    Echo__EchoRequest bad = ECHO__ECHO_REQUEST__INIT;
    bad.code = TRPC_STATUS_FAILED_PRECONDITION;
    bad.text = "no";
    echo__echo__client_stream__send(call, &bad);
    assert_int_equal(echo__echo__client_stream__finish(call, &reply),
                     TRPC_STATUS_FAILED_PRECONDITION);
    assert_null(reply);
}

static void test_bidi(void **state)
{
    (void)state;
    Echo__Echo_Bidi_Stream *call;
    assert_int_equal(echo__echo__bidi__start(&call, echo, NULL), 0);
    for (int i = 0; i < 20; i++) {
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        char text[16];
        snprintf(text, sizeof text, "m%d", i);
        req.text = text;
        assert_int_equal(echo__echo__bidi__send(call, &req), 0);
        Echo__EchoReply *r;
        assert_true(echo__echo__bidi__recv(call, &r));
        assert_string_equal(r->text, text);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(echo__echo__bidi__close_send(call), 0);
    Echo__EchoReply *r;
    assert_false(echo__echo__bidi__recv(call, &r));
    assert_int_equal(echo__echo__bidi__finish(call), TRPC_STATUS_OK);
}

/* ---- sizes ---------------------------------------------------------------------------- */

static void test_large_messages(void **state)
{
    (void)state;
    size_t n = 3u * 1024 * 1024 + 17;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++) {
        big[i] = (uint8_t)(i * 31);
    }
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "big";
    req.payload.data = big;
    req.payload.len = n;
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, NULL), TRPC_STATUS_OK);
    assert_int_equal(reply->payload.len, n);
    assert_memory_equal(reply->payload.data, big, n);
    echo__echo_reply__free_unpacked(reply, NULL);

    /* bidi with 1 MiB messages both ways */
    Echo__Echo_Bidi_Stream *call;
    assert_int_equal(echo__echo__bidi__start(&call, echo, NULL), 0);
    req.payload.len = 1024 * 1024;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(echo__echo__bidi__send(call, &req), 0);
    }
    echo__echo__bidi__close_send(call);
    int got = 0;
    Echo__EchoReply *r;
    while (echo__echo__bidi__recv(call, &r)) {
        assert_int_equal(r->payload.len, 1024 * 1024);
        assert_memory_equal(r->payload.data, big, 1024 * 1024);
        echo__echo_reply__free_unpacked(r, NULL);
        got++;
    }
    assert_int_equal(got, 3);
    assert_int_equal(echo__echo__bidi__finish(call), TRPC_STATUS_OK);

    /* A 10 MiB server stream read slowly: flow control throttles the
     * server; every reply arrives intact. */
    Echo__Echo_ServerStream_Stream *sc;
    req.payload.len = 256 * 1024;
    req.count = 40;
    assert_int_equal(echo__echo__server_stream__start(&sc, echo, &req, NULL), 0);
    got = 0;
    while (echo__echo__server_stream__recv(sc, &r)) {
        assert_int_equal(r->payload.len, 256 * 1024);
        assert_memory_equal(r->payload.data, big, 256 * 1024);
        echo__echo_reply__free_unpacked(r, NULL);
        if (got++ % 8 == 0) {
            echo_sleep_ms(5);
        }
    }
    assert_int_equal(got, 40);
    assert_int_equal(echo__echo__server_stream__finish(sc), TRPC_STATUS_OK);
    /* The same from a handler thread: trpc_call_send() waits for room. */
    req.mode = "defer";
    req.sleep_ms = 0;
    assert_int_equal(echo__echo__server_stream__start(&sc, echo, &req, NULL), 0);
    got = 0;
    while (echo__echo__server_stream__recv(sc, &r)) {
        assert_int_equal(r->payload.len, 256 * 1024);
        echo__echo_reply__free_unpacked(r, NULL);
        if (got++ % 8 == 0) {
            echo_sleep_ms(5);
        }
    }
    assert_int_equal(got, 40);
    assert_int_equal(echo__echo__server_stream__finish(sc), TRPC_STATUS_OK);
    req.mode = "";
    /* A 10 MiB client stream: trpc_stream_send() waits for room. */
    Echo__Echo_ClientStream_Stream *cc;
    assert_int_equal(echo__echo__client_stream__start(&cc, echo, NULL), 0);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(echo__echo__client_stream__send(cc, &req), 0);
    }
    Echo__EchoReply *sum = NULL;
    assert_int_equal(echo__echo__client_stream__finish(cc, &sum), TRPC_STATUS_OK);
    assert_int_equal(sum->index, 40);
    assert_int_equal(sum->deadline_left_ms, 40 * 256 * 1024);
    echo__echo_reply__free_unpacked(sum, NULL);
    /* Finishing without reading does not stall either. */
    assert_int_equal(echo__echo__server_stream__start(&sc, echo, &req, NULL), 0);
    assert_true(echo__echo__server_stream__recv(sc, &r));
    echo__echo_reply__free_unpacked(r, NULL);
    assert_int_equal(echo__echo__server_stream__finish(sc), TRPC_STATUS_OK);
    req.count = 0;

    /* Over the server's 4 MiB limit: RESOURCE_EXHAUSTED, connection fine. */
    free(big);
    n = 5u * 1024 * 1024;
    big = calloc(1, n);
    req.payload.data = big;
    req.payload.len = n;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts),
                     TRPC_STATUS_RESOURCE_EXHAUSTED);
    assert_non_null(msg);
    free(msg);
    check_unary_on(ch);

    /* A reply over the client's limit. */
    trpc_channel_opts co = TRPC_CHANNEL_OPTS(.max_recv_message_size = 1000);
    trpc_channel *small;
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port4);
    assert_int_equal(trpc_channel_new(&small, target, &co), 0);
    Echo__EchoRequest breq = ECHO__ECHO_REQUEST__INIT;
    breq.mode = "big";
    breq.count = 5000;
    assert_int_equal(echo__echo__unary(echo__echo__client(small), &breq, &reply, NULL),
                     TRPC_STATUS_RESOURCE_EXHAUSTED);
    breq.count = 10;
    assert_int_equal(echo__echo__unary(echo__echo__client(small), &breq, &reply, NULL), TRPC_STATUS_OK);
    echo__echo_reply__free_unpacked(reply, NULL);
    trpc_channel_free(small);
    free(big);
}

/* ---- unimplemented ------------------------------------------------------------------------ */

static void test_unimplemented(void **state)
{
    (void)state;
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
    assert_int_equal(echo__echo__missing(echo, &req, &reply, &opts),
                     TRPC_STATUS_UNIMPLEMENTED);
    assert_non_null(msg);
    free(msg);
    static const trpc_method nope[] = {
        { "/echo.Echo/Nope", &echo__echo_request__descriptor,
          &echo__echo_reply__descriptor, TRPC_UNARY },
        { "/nope.Nope/Unary", &echo__echo_request__descriptor,
          &echo__echo_reply__descriptor, TRPC_UNARY },
        { "/nope.Nope/Bidi", &echo__echo_request__descriptor,
          &echo__echo_reply__descriptor, TRPC_BIDI_STREAMING },
    };
    for (int i = 0; i < 2; i++) {
        ProtobufCMessage *r = NULL;
        assert_int_equal(trpc_channel_unary(ch, &nope[i], &req.base, &r, NULL),
                         TRPC_STATUS_UNIMPLEMENTED);
        assert_null(r);
    }
    trpc_stream *s;
    assert_int_equal(trpc_stream_start(&s, ch, &nope[2], NULL), TRPC_OK);
    trpc_stream_send(s, &req.base);
    ProtobufCMessage *m;
    assert_false(trpc_stream_recv(s, &m));
    assert_null(m);
    assert_int_equal(trpc_stream_finish(s), TRPC_STATUS_UNIMPLEMENTED);
    /* wrong message type is refused locally */
    Echo__EchoReply wrong = ECHO__ECHO_REPLY__INIT;
    ProtobufCMessage *r = NULL;
    assert_int_equal(trpc_channel_unary(ch, &echo__echo__trpc_methods[0], &wrong.base, &r,
                                        NULL),
                     TRPC_STATUS_INVALID_ARGUMENT);
}

/* ---- deadlines and cancellation ---------------------------------------------------------- */

static void test_deadline_client(void **state)
{
    (void)state;
    echo_impl_reset();
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "wait_cancel";
    Echo__EchoReply *reply = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 100);
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts),
                     TRPC_STATUS_DEADLINE_EXCEEDED);
    /* The server saw the deadline too and cancelled the handler's call. */
    assert_true(echo_wait_counter(&echo_stats_g.saw_cancel, 1));
    assert_true(echo_wait_counter(&echo_stats_g.finished_late, 1));
    /* The handler can read its deadline. */
    req.mode = "deadline";
    opts.timeout_ms = 60000;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts), TRPC_STATUS_OK);
    assert_true(reply->deadline_left_ms > 0 && reply->deadline_left_ms <= 60000);
    echo__echo_reply__free_unpacked(reply, NULL);
    opts.timeout_ms = 0;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts), TRPC_STATUS_OK);
    assert_int_equal(reply->deadline_left_ms, -1);
    echo__echo_reply__free_unpacked(reply, NULL);
    /* A streaming call times out the same way. */
    Echo__Echo_ServerStream_Stream *call;
    req.mode = "wait_cancel";
    opts.timeout_ms = 100;
    assert_int_equal(echo__echo__server_stream__start(&call, echo, &req, &opts), 0);
    Echo__EchoReply *r;
    while (echo__echo__server_stream__recv(call, &r)) {
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(echo__echo__server_stream__finish(call), TRPC_STATUS_DEADLINE_EXCEEDED);
    assert_true(echo_wait_counter(&echo_stats_g.saw_cancel, 2));
}

static void test_cancel(void **state)
{
    (void)state;
    echo_impl_reset();
    /* bidi: the handler sees end-of-input with cancelled set */
    Echo__Echo_Bidi_Stream *call;
    assert_int_equal(echo__echo__bidi__start(&call, echo, NULL), 0);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "x";
    echo__echo__bidi__send(call, &req);
    Echo__EchoReply *r;
    assert_true(echo__echo__bidi__recv(call, &r));
    echo__echo_reply__free_unpacked(r, NULL);
    echo__echo__bidi__cancel(call);
    assert_int_equal(echo__echo__bidi__finish(call), TRPC_STATUS_CANCELLED);
    assert_true(echo_wait_counter(&echo_stats_g.saw_cancel, 1));
    /* a deferred unary handler sees trpc_call_is_cancelled() */
    Echo__Echo_ServerStream_Stream *sc;
    req.mode = "wait_cancel";
    assert_int_equal(echo__echo__server_stream__start(&sc, echo, &req, NULL), 0);
    assert_true(echo__echo__server_stream__recv(sc, &r));
    echo__echo_reply__free_unpacked(r, NULL);
    echo__echo__server_stream__cancel(sc);
    assert_int_equal(echo__echo__server_stream__finish(sc), TRPC_STATUS_CANCELLED);
    assert_true(echo_wait_counter(&echo_stats_g.saw_cancel, 2));
    /* the channel still works */
    check_unary_on(ch);
}

/* ---- threads ------------------------------------------------------------------------------- */

static void test_deferred_from_thread(void **state)
{
    (void)state;
    echo_impl_reset();
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "later";
    req.mode = "defer";
    req.sleep_ms = 20;
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, NULL), TRPC_STATUS_OK);
    assert_string_equal(reply->text, "later");
    assert_int_equal(reply->index, 7);
    echo__echo_reply__free_unpacked(reply, NULL);
    req.code = TRPC_STATUS_NOT_FOUND;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
    assert_int_equal(echo__echo__unary(echo, &req, &reply, &opts),
                     TRPC_STATUS_NOT_FOUND);
    assert_string_equal(msg, "later");
    free(msg);
    assert_true(echo_wait_counter(&echo_stats_g.finished_late, 2));
}

#define NTHREADS 8
#define NCALLS 150

static void *hammer(void *arg)
{
    intptr_t id = (intptr_t)arg;
    int ok = 0;
    for (int i = 0; i < NCALLS; i++) {
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        char text[32];
        snprintf(text, sizeof text, "t%d-%d", (int)id, i);
        req.text = text;
        if (i % 10 == 0) {
            req.mode = "defer";
        }
        Echo__EchoReply *reply = NULL;
        if (echo__echo__unary(echo, &req, &reply, NULL) == TRPC_STATUS_OK &&
            strcmp(reply->text, text) == 0) {
            ok++;
        }
        echo__echo_reply__free_unpacked(reply, NULL);
    }
    return (void *)(intptr_t)ok;
}

typedef struct async_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, ok;
} async_wait;

static void on_done(const Echo__Echo_Unary_Result *r, void *user)
{
    async_wait *w = user;
    pthread_mutex_lock(&w->mu);
    w->done++;
    w->ok += r->status == TRPC_STATUS_OK && r->reply && strcmp(r->reply->text, "async") == 0 &&
             r->headers && r->trailers;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (r->reply) {
        echo__echo_reply__free_unpacked(r->reply, NULL);
    }
}

static void on_done_ignore(const Echo__Echo_Unary_Result *r, void *user)
{
    (void)user;
    echo__echo_reply__free_unpacked(r->reply, NULL);
}

static void test_concurrency(void **state)
{
    (void)state;
    pthread_t th[NTHREADS];
    for (intptr_t i = 0; i < NTHREADS; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, hammer, (void *)i), 0);
    }
    /* async calls interleaved with the blocking ones */
    async_wait w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "async";
    for (int i = 0; i < 100; i++) {
        assert_int_equal(echo__echo__unary__async(echo, &req, NULL, on_done, &w), 0);
    }
    int total = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *ok;
        pthread_join(th[i], &ok);
        total += (int)(intptr_t)ok;
    }
    assert_int_equal(total, NTHREADS * NCALLS);
    pthread_mutex_lock(&w.mu);
    while (w.done < 100) {
        pthread_cond_wait(&w.cv, &w.mu);
    }
    pthread_mutex_unlock(&w.mu);
    assert_int_equal(w.ok, 100);
}

static void test_max_concurrent_streams(void **state)
{
    (void)state;
    trpc_server_opts o = TRPC_SERVER_OPTS(.max_concurrent_streams = 2);
    int p;
    trpc_server *s = new_server(1, &o, &p, NULL);
    trpc_channel *c = new_channel("127.0.0.1:%d", p);
    check_unary_on(c); /* SETTINGS exchanged */
    async_wait w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "async";
    req.mode = "defer";
    req.sleep_ms = 10;
    for (int i = 0; i < 12; i++) {
        assert_int_equal(echo__echo__unary__async(echo__echo__client(c), &req, NULL, on_done, &w), 0);
    }
    pthread_mutex_lock(&w.mu);
    while (w.done < 12) {
        pthread_cond_wait(&w.cv, &w.mu);
    }
    pthread_mutex_unlock(&w.mu);
    /* nghttp2 queues streams beyond the peer's limit: all succeed */
    assert_int_equal(w.ok, 12);
    trpc_channel_free(c);
    trpc_server_free(s);
}

/* ---- async streams ---------------------------------------------------------------------------- */

typedef struct async_stream_state {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int messages;
    int done;
    trpc_status code;
    int ping_pong_left;   /* bidi: send the next request from on_message */
    bool finish_in_done;  /* call finish inside on_done */
    atomic_int bad;       /* checks that failed on the I/O thread */
} async_stream_state;

static void ass_wait_done(async_stream_state *st)
{
    pthread_mutex_lock(&st->mu);
    while (!st->done) {
        pthread_cond_wait(&st->cv, &st->mu);
    }
    pthread_mutex_unlock(&st->mu);
}

static void ss_on_message(Echo__Echo_ServerStream_Stream *call, Echo__EchoReply *msg, void *user)
{
    (void)call;
    async_stream_state *st = user;
    pthread_mutex_lock(&st->mu);
    if (msg->index == st->messages) {
        st->messages++;
    }
    pthread_mutex_unlock(&st->mu);
    echo__echo_reply__free_unpacked(msg, NULL);
}

static void ss_on_done(Echo__Echo_ServerStream_Stream *call, trpc_status code,
                       const char *message, void *user)
{
    (void)message;
    async_stream_state *st = user;
    if (st->finish_in_done && echo__echo__server_stream__finish(call) != code) {
        atomic_fetch_add(&st->bad, 1);
    }
    pthread_mutex_lock(&st->mu);
    st->code = code;
    st->done = 1;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static void bidi_on_message(Echo__Echo_Bidi_Stream *call, Echo__EchoReply *msg, void *user)
{
    async_stream_state *st = user;
    echo__echo_reply__free_unpacked(msg, NULL);
    pthread_mutex_lock(&st->mu);
    st->messages++;
    int left = st->ping_pong_left > 0 ? st->ping_pong_left-- : 0;
    pthread_mutex_unlock(&st->mu);
    if (left > 0) { /* on the I/O thread: send the next one */
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        req.text = "pong";
        if (echo__echo__bidi__send(call, &req) != 0) {
            atomic_fetch_add(&st->bad, 1);
        }
        if (left == 1 && echo__echo__bidi__close_send(call) != 0) {
            atomic_fetch_add(&st->bad, 1);
        }
    }
}

static void bidi_on_done(Echo__Echo_Bidi_Stream *call, trpc_status code, const char *message,
                         void *user)
{
    (void)call;
    (void)message;
    async_stream_state *st = user;
    pthread_mutex_lock(&st->mu);
    st->code = code;
    st->done = 1;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static void cs_on_message(Echo__Echo_ClientStream_Stream *call, Echo__EchoReply *msg,
                          void *user)
{
    (void)call;
    async_stream_state *st = user;
    pthread_mutex_lock(&st->mu);
    st->messages = msg->index; /* the number of requests the server counted */
    pthread_mutex_unlock(&st->mu);
    echo__echo_reply__free_unpacked(msg, NULL);
}

static void cs_on_done(Echo__Echo_ClientStream_Stream *call, trpc_status code,
                       const char *message, void *user)
{
    (void)call;
    (void)message;
    async_stream_state *st = user;
    pthread_mutex_lock(&st->mu);
    st->code = code;
    st->done = 1;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static void test_async_streams(void **state)
{
    (void)state;
    /* server stream, finished after on_done */
    async_stream_state st = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                              0, 0, TRPC_STATUS_UNKNOWN, 0, false, 0 };
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "a";
    req.count = 100;
    trpc_metadata *trls;
    trpc_metadata_new(&trls);
    trpc_call_opts opts = TRPC_CALL_OPTS(.trailers = trls, .metadata = NULL);
    Echo__Echo_ServerStream_Stream *sc;
    assert_int_equal(echo__echo__server_stream__start_async(&sc, echo, &req, &opts,
                                                            ss_on_message, ss_on_done, &st),
                     0);
    ass_wait_done(&st);
    assert_int_equal(st.messages, 100);
    assert_int_equal(st.code, TRPC_STATUS_OK);
    Echo__EchoReply *r;
    assert_false(echo__echo__server_stream__recv(sc, &r)); /* replies went to on_message */
    assert_null(r);
    assert_int_equal(echo__echo__server_stream__finish(sc), TRPC_STATUS_OK);
    /* finished from inside on_done; an error status */
    async_stream_state st2 = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                               0, 0, TRPC_STATUS_UNKNOWN, 0, true, 0 };
    req.count = 3;
    req.code = TRPC_STATUS_OUT_OF_RANGE;
    assert_int_equal(echo__echo__server_stream__start_async(&sc, echo, &req, NULL,
                                                            ss_on_message, ss_on_done, &st2),
                     0);
    ass_wait_done(&st2);
    assert_int_equal(st2.messages, 3);
    assert_int_equal(st2.code, TRPC_STATUS_OUT_OF_RANGE);
    /* bidi ping-pong driven from the I/O thread */
    async_stream_state st3 = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                               0, 0, TRPC_STATUS_UNKNOWN, 50, false, 0 };
    Echo__Echo_Bidi_Stream *bc;
    assert_int_equal(echo__echo__bidi__start_async(&bc, echo, NULL, bidi_on_message,
                                                   bidi_on_done, &st3),
                     0);
    Echo__EchoRequest ping = ECHO__ECHO_REQUEST__INIT;
    ping.text = "ping";
    assert_int_equal(echo__echo__bidi__send(bc, &ping), 0);
    ass_wait_done(&st3);
    assert_int_equal(st3.code, TRPC_STATUS_OK);
    assert_int_equal(st3.messages, 51);
    assert_int_equal(echo__echo__bidi__finish(bc), TRPC_STATUS_OK);
    /* cancelled */
    async_stream_state st4 = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                               0, 0, TRPC_STATUS_UNKNOWN, 0, false, 0 };
    assert_int_equal(echo__echo__bidi__start_async(&bc, echo, NULL, bidi_on_message,
                                                   bidi_on_done, &st4),
                     0);
    echo__echo__bidi__cancel(bc);
    ass_wait_done(&st4);
    assert_int_equal(st4.code, TRPC_STATUS_CANCELLED);
    assert_int_equal(echo__echo__bidi__finish(bc), TRPC_STATUS_CANCELLED);
    /* client stream: the reply comes to on_message */
    async_stream_state st5 = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                               0, 0, TRPC_STATUS_UNKNOWN, 0, false, 0 };
    Echo__Echo_ClientStream_Stream *cc;
    assert_int_equal(echo__echo__client_stream__start_async(&cc, echo, NULL, cs_on_message,
                                                            cs_on_done, &st5),
                     0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(echo__echo__client_stream__send(cc, &ping), 0);
    }
    assert_int_equal(echo__echo__client_stream__close_send(cc), 0);
    ass_wait_done(&st5);
    assert_int_equal(st5.code, TRPC_STATUS_OK);
    assert_int_equal(st5.messages, 5);
    r = (Echo__EchoReply *)1;
    assert_int_equal(echo__echo__client_stream__finish(cc, &r), TRPC_STATUS_OK);
    assert_null(r);
    assert_int_equal(atomic_load(&st.bad) + atomic_load(&st2.bad) + atomic_load(&st3.bad) +
                         atomic_load(&st4.bad), 0);
    trpc_metadata_free(trls);
}

static void test_idle_timeout(void **state)
{
    (void)state;
    trpc_server_opts o = TRPC_SERVER_OPTS(.idle_timeout_ms = 50);
    int p;
    trpc_server *s = new_server(1, &o, &p, NULL);
    /* a connection that never starts a call is sent away */
    int fd = connect_port(p);
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    static const uint8_t settings[] = { 0, 0, 0, 4, 0, 0, 0, 0, 0 };
    assert_true(write(fd, preface, sizeof preface - 1) > 0);
    assert_true(write(fd, settings, sizeof settings) > 0);
    assert_true(read_until_closed(fd));
    close(fd);
    /* a channel whose connection idles out reconnects on the next call */
    trpc_channel *c = new_channel("127.0.0.1:%d", p);
    check_unary_on(c);
    echo_sleep_ms(200);
    check_unary_on(c);
    trpc_channel_free(c);
    /* Calls racing the server's idle GOAWAY are retried, not failed: the
     * pauses between calls straddle the idle timeout. */
    c = new_channel("127.0.0.1:%d", p);
    int failed = 0;
    for (int i = 0; i < 120; i++) {
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        Echo__EchoReply *reply = NULL;
        char *msg = NULL;
        trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
        if (echo__echo__unary(echo__echo__client(c), &req, &reply, &opts) != TRPC_STATUS_OK) {
            fprintf(stderr, "call %d: %s\n", i, msg ? msg : "");
            failed++;
        }
        free(msg);
        echo__echo_reply__free_unpacked(reply, NULL);
        echo_sleep_ms(44 + i % 12);
    }
    assert_int_equal(failed, 0);
    trpc_channel_free(c);
    trpc_server_free(s);
}

/* ---- shutdown and reconnect ------------------------------------------------------------------- */

typedef struct bg_call {
    trpc_channel *c;
    const char *mode;
    int sleep_ms;
    trpc_status st;
} bg_call;

static void *bg_unary(void *arg)
{
    bg_call *b = arg;
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "drain";
    req.mode = (char *)b->mode;
    req.sleep_ms = b->sleep_ms;
    Echo__EchoReply *reply = NULL;
    b->st = echo__echo__unary(echo__echo__client(b->c), &req, &reply, NULL);
    echo__echo_reply__free_unpacked(reply, NULL);
    return NULL;
}

static void test_graceful_shutdown(void **state)
{
    (void)state;
    echo_impl_reset();
    int p;
    trpc_server *s = new_server(2, NULL, &p, NULL);
    trpc_channel *c = new_channel("127.0.0.1:%d", p);
    bg_call b = { c, "defer", 200, TRPC_STATUS_UNKNOWN };
    pthread_t th;
    pthread_create(&th, NULL, bg_unary, &b);
    assert_true(echo_wait_counter(&echo_stats_g.started, 1));
    /* In flight when shutdown starts: drained, not cancelled. */
    assert_int_equal(trpc_server_shutdown(s, 10000), 0);
    pthread_join(th, NULL);
    assert_int_equal(b.st, TRPC_STATUS_OK);
    /* After shutdown, calls fail UNAVAILABLE. */
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo__echo__client(c), &req, &reply, NULL), TRPC_STATUS_UNAVAILABLE);
    trpc_server_free(s);

    /* A call that outlives the grace period is cancelled. */
    echo_impl_reset();
    s = new_server(1, NULL, &p, NULL);
    trpc_channel *c2 = new_channel("127.0.0.1:%d", p);
    bg_call b2 = { c2, "wait_cancel", 0, TRPC_STATUS_OK };
    pthread_create(&th, NULL, bg_unary, &b2);
    assert_true(echo_wait_counter(&echo_stats_g.started, 1));
    assert_int_equal(trpc_server_shutdown(s, 50), 0);
    pthread_join(th, NULL);
    assert_true(b2.st == TRPC_STATUS_CANCELLED || b2.st == TRPC_STATUS_UNAVAILABLE);
    assert_int_equal(atomic_load(&echo_stats_g.saw_cancel), 1);
    trpc_server_free(s);
    trpc_channel_free(c2);
    trpc_channel_free(c);
}

static void test_unavailable_and_reconnect(void **state)
{
    (void)state;
    char path[160];
    snprintf(path, sizeof path, "%s/later.sock", tmpdir);
    trpc_channel *c = new_channel("unix:%s", path);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "hello";
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.message = &msg);
    assert_int_equal(echo__echo__unary(echo__echo__client(c), &req, &reply, &opts), TRPC_STATUS_UNAVAILABLE);
    assert_non_null(msg);
    free(msg);
    for (int round = 0; round < 2; round++) {
        trpc_server *s = new_server(1, NULL, NULL, path);
        trpc_status st = TRPC_STATUS_UNAVAILABLE;
        for (int i = 0; i < 500 && st == TRPC_STATUS_UNAVAILABLE; i++) {
            st = echo__echo__unary(echo__echo__client(c), &req, &reply, NULL);
            if (st == TRPC_STATUS_UNAVAILABLE) {
                echo_sleep_ms(10);
            }
        }
        assert_int_equal(st, TRPC_STATUS_OK);
        echo__echo_reply__free_unpacked(reply, NULL);
        trpc_server_free(s); /* the channel's connection breaks */
    }
    trpc_channel_free(c);
    /* unreachable TCP port */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    bind(fd, (struct sockaddr *)&sa, sizeof sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    int dead_port = ntohs(sa.sin_port);
    close(fd);
    c = new_channel("127.0.0.1:%d", dead_port);
    assert_int_equal(echo__echo__unary(echo__echo__client(c), &req, &reply, NULL), TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(c);
}

/* ---- bad input ------------------------------------------------------------------------------- */

static void raw_call(int p, const char *path, const char *ctype, const void *body,
                     size_t len, int *http_status, int *grpc_status)
{
    rt_raw_call(p, path, ctype, body, len, NULL, NULL, http_status, grpc_status);
}

/* A reply the client cannot decode: the method's reply type is declared
 * as EchoRequest, whose field 5 is a string, and the server's EchoReply
 * carries field 5 as a varint (deadline_left_ms, set in mode "deadline"). */
static const trpc_method reply_as_request = { "/echo.Echo/Unary", &echo__echo_request__descriptor,
                                         &echo__echo_request__descriptor, TRPC_UNARY };

static _Atomic int async_done;
static trpc_status async_status;
static char async_message[128];

static void on_undecodable(const trpc_unary_result *res, trpc_fn fn, void *user)
{
    (void)fn;
    (void)user;
    async_status = res->status;
    snprintf(async_message, sizeof async_message, "%s", res->message ? res->message : "");
    assert_null(res->reply);
    atomic_store(&async_done, 1);
}

static void check_undecodable_reply(trpc_channel *c)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "deadline";
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    ProtobufCMessage *r = NULL;
    assert_int_equal(trpc_channel_unary(c, &reply_as_request, &req.base, &r, &opts),
                     TRPC_STATUS_INTERNAL);
    assert_null(r);
    assert_non_null(msg);
    assert_string_equal(msg, "could not decode the reply message");
    free(msg);
    trpc_call_opts aopts = TRPC_CALL_OPTS(.timeout_ms = 10000);
    atomic_store(&async_done, 0);
    assert_int_equal(trpc_channel_unary_async(c, &reply_as_request, &req.base, &aopts,
                                              on_undecodable, NULL, NULL),
                     TRPC_OK);
    for (int i = 0; i < 3000 && !atomic_load(&async_done); i++) {
        usleep(10000);
    }
    assert_true(atomic_load(&async_done));
    assert_int_equal(async_status, TRPC_STATUS_INTERNAL);
    assert_string_equal(async_message, "could not decode the reply message");
}

/* The server enforces grpc-timeout by itself (this client never cancels). */
static void test_deadline_server(void **state)
{
    (void)state;
    echo_impl_reset();
    static const uint8_t wait_cancel[] = { 0, 0, 0, 0, 13, 0x2a, 11, 'w', 'a', 'i', 't', '_',
                                           'c', 'a', 'n', 'c', 'e', 'l' };
    int hs, gs;
    rt_raw_call(port4, "/echo.Echo/Unary", "application/grpc", wait_cancel,
                 sizeof wait_cancel, "grpc-timeout", "50m", &hs, &gs);
    assert_int_equal(hs, 200);
    assert_int_equal(gs, TRPC_STATUS_DEADLINE_EXCEEDED);
    assert_true(echo_wait_counter(&echo_stats_g.saw_cancel, 1));
    /* A malformed grpc-timeout fails the call INTERNAL (as grpc-go does),
     * before the handler: the client meant some deadline, and running the
     * call without one is not what it asked for (issue 12 item 6). */
    static const uint8_t deadline[] = { 0, 0, 0, 0, 10, 0x2a, 8, 'd', 'e', 'a', 'd', 'l',
                                        'i', 'n', 'e' };
    static const char *const bad[] = { "soon", "1000000000000H", "-5S", "abc", "", "5",
                                       "123456789m", "5s", " 5S" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hs = gs = -1;
        rt_raw_call(port4, "/echo.Echo/Unary", "application/grpc", deadline,
                     sizeof deadline, "grpc-timeout", bad[i], &hs, &gs);
        assert_int_equal(hs, 200);
        assert_int_equal(gs, TRPC_STATUS_INTERNAL);
    }
    /* the longest values are valid: a deadline far away, or none */
    static const char *const good[] = { "99999999H", "99999999M", "99999999S", "0001S" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        rt_raw_call(port4, "/echo.Echo/Unary", "application/grpc", deadline,
                     sizeof deadline, "grpc-timeout", good[i], &hs, &gs);
        assert_int_equal(gs, TRPC_STATUS_OK);
    }
}

/* Randomised abuse with a fixed seed: raw frames after a valid preface, and
 * random gRPC bodies on valid requests.  The server must neither crash
 * (ASan/UBSan watch) nor stop serving. */
static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static void test_random_input(void **state)
{
    (void)state;
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    static const uint8_t settings[] = { 0, 0, 0, 4, 0, 0, 0, 0, 0 };
    /* TRPC_FUZZ_ITERS=N runs longer, TRPC_FUZZ_SEED=S varies the input. */
    const char *iters_env = getenv("TRPC_FUZZ_ITERS");
    const char *seed_env = getenv("TRPC_FUZZ_SEED");
    int iters = iters_env ? atoi(iters_env) : 60;
    if (seed_env) {
        rng_state = (uint32_t)strtoul(seed_env, NULL, 10);
    }
    for (int conn = 0; conn < iters; conn++) {
        int fd = connect_port(port4);
        assert_true(write(fd, preface, sizeof preface - 1) > 0);
        assert_true(write(fd, settings, sizeof settings) > 0);
        uint8_t buf[512];
        size_t n = 0;
        int frames = 1 + (int)(rnd() % 6);
        for (int f = 0; f < frames && n + 9 + 64 < sizeof buf; f++) {
            size_t len = rnd() % 64;
            buf[n++] = 0;
            buf[n++] = 0;
            buf[n++] = (uint8_t)len;
            buf[n++] = (uint8_t)(rnd() % 10);       /* type: DATA..CONTINUATION */
            buf[n++] = (uint8_t)rnd();              /* flags */
            uint32_t sid = rnd() % 4 == 0 ? 0 : (rnd() % 8) * 2 + 1;
            buf[n++] = (uint8_t)(sid >> 24);
            buf[n++] = (uint8_t)(sid >> 16);
            buf[n++] = (uint8_t)(sid >> 8);
            buf[n++] = (uint8_t)sid;
            for (size_t i = 0; i < len; i++) {
                buf[n++] = (uint8_t)rnd();
            }
        }
        if (write(fd, buf, n) < 0) {
            /* the server may already have closed: fine */
        }
        shutdown(fd, SHUT_WR);
        read_until_closed(fd);
        close(fd);
    }
    for (int call = 0; call < iters; call++) {
        uint8_t body[64];
        size_t len = rnd() % sizeof body;
        for (size_t i = 0; i < len; i++) {
            body[i] = (uint8_t)rnd();
        }
        if (len >= 5 && rnd() % 2) {
            body[0] = 0; /* a plausible prefix, random protobuf */
            body[1] = body[2] = body[3] = 0;
            body[4] = (uint8_t)(len - 5);
        }
        static const char *paths[] = { "/echo.Echo/Unary", "/echo.Echo/Bidi",
                                       "/echo.Echo/ClientStream", "/echo.Echo/ServerStream" };
        static const char *names[] = { "grpc-timeout", "x-r-bin", "grpc-encoding",
                                       "x-plain", "te", "grpc-status" };
        static const char alphabet[] = "0123456789mSHunM+/=-_abcXYZ %\t";
        char value[24];
        size_t vl = rnd() % (sizeof value - 1);
        for (size_t i = 0; i < vl; i++) {
            value[i] = alphabet[rnd() % (sizeof alphabet - 1)];
        }
        value[vl] = 0;
        int hs, gs;
        rt_raw_call(port4, paths[rnd() % 4], "application/grpc", body, len,
                     names[rnd() % 6], value, &hs, &gs);
        /* an answer, or a reset for headers HTTP/2 itself forbids */
        assert_true((hs == 200 && gs >= 0 && gs <= 16) || (hs == 0 && gs == -1));
    }
    check_unary_on(ch);
}

static void test_bad_input(void **state)
{
    (void)state;
    /* garbage instead of the connection preface */
    int fd = connect_port(port4);
    char junk[3000];
    for (size_t i = 0; i < sizeof junk; i++) {
        junk[i] = (char)(i * 7 + 3);
    }
    assert_true(write(fd, junk, sizeof junk) > 0);
    assert_true(read_until_closed(fd));
    close(fd);
    /* a valid preface followed by a malformed frame */
    fd = connect_port(port4);
    const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    assert_true(write(fd, preface, sizeof preface - 1) > 0);
    const uint8_t bad_frame[] = { 0, 0, 3, 0x4 /* SETTINGS */, 0, 0, 0, 0, 1, 1, 2, 3 };
    assert_true(write(fd, bad_frame, sizeof bad_frame) > 0);
    assert_true(read_until_closed(fd));
    close(fd);
    /* a client that connects and goes away */
    fd = connect_port(port4);
    close(fd);

    int hs, gs;
    /* length prefix larger than the data */
    const uint8_t short_body[] = { 0, 0, 0, 0, 100, 1, 2, 3 };
    raw_call(port4, "/echo.Echo/Unary", "application/grpc", short_body, sizeof short_body,
             &hs, &gs);
    assert_int_equal(hs, 200);
    assert_int_equal(gs, TRPC_STATUS_INTERNAL);
    /* compressed flag without grpc-encoding */
    const uint8_t compressed[] = { 1, 0, 0, 0, 0 };
    raw_call(port4, "/echo.Echo/Unary", "application/grpc", compressed, sizeof compressed,
             &hs, &gs);
    assert_int_equal(gs, TRPC_STATUS_INTERNAL);
    /* protobuf that does not decode: field 5 (string) sent as a varint */
    const uint8_t undecodable[] = { 0, 0, 0, 0, 2, 0x28, 0x01 };
    raw_call(port4, "/echo.Echo/Unary", "application/grpc+proto", undecodable,
             sizeof undecodable, &hs, &gs);
    assert_int_equal(gs, TRPC_STATUS_INTERNAL);
    /* not gRPC at all */
    raw_call(port4, "/echo.Echo/Unary", "text/plain", "hi", 2, &hs, &gs);
    assert_int_equal(hs, 415);
    /* no request message for a unary method */
    raw_call(port4, "/echo.Echo/Unary", "application/grpc", "", 0, &hs, &gs);
    assert_int_equal(gs, TRPC_STATUS_INTERNAL);
    /* two request messages for a unary method */
    const uint8_t two[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    raw_call(port4, "/echo.Echo/Unary", "application/grpc", two, sizeof two, &hs, &gs);
    assert_int_equal(gs, TRPC_STATUS_INTERNAL);
    /* an empty message is a valid request */
    raw_call(port4, "/echo.Echo/Unary", "application/grpc", two, 5, &hs, &gs);
    assert_int_equal(gs, TRPC_STATUS_OK);
    /* same through the typed channel: a message the server cannot decode */
    static const trpc_method liar = { "/echo.Echo/Unary", &echo__echo_reply__descriptor,
                                      &echo__echo_reply__descriptor, TRPC_UNARY };
    Echo__EchoReply wrong = ECHO__ECHO_REPLY__INIT;
    wrong.deadline_left_ms = 5;
    ProtobufCMessage *r = NULL;
    assert_int_equal(trpc_channel_unary(ch, &liar, &wrong.base, &r, NULL),
                     TRPC_STATUS_INTERNAL);
    /* and a reply the client cannot decode: INTERNAL, saying so (not "no
     * reply message"; issue 12 item 7), blocking and async */
    check_undecodable_reply(ch);
    /* header list over the limit */
    trpc_metadata *md;
    trpc_metadata_new(&md);
    char *big = malloc(20000);
    memset(big, 'a', 19999);
    big[19999] = 0;
    trpc_metadata_add_str(md, "x-huge", big);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.metadata = md);
    char *msg = NULL;
    opts.message = &msg;
    trpc_status st = echo__echo__unary(echo, &req, &reply, &opts);
    assert_int_equal(st, TRPC_STATUS_RESOURCE_EXHAUSTED);
    assert_non_null(msg);
    free(msg);
    free(big);
    trpc_metadata_free(md);
    /* the server still serves */
    check_unary_on(ch);
}

/* ---- a misbehaving peer: client-side status mapping -------------------------------------- */

/* A deliberately odd HTTP/2 server (rt_fake) whose answer depends on the
 * :path, to check how the channel maps what real servers and proxies send
 * into gRPC statuses. */
#define FNV RT_NV

static int fake_refused;

static void fake_respond(rt_fake *fk, nghttp2_session *s, rt_fake_stream *st, bool end)
{
    static const uint8_t empty_msg[] = { 0, 0, 0, 0, 0 };
    static const uint8_t compressed_msg[] = { 1, 0, 0, 0, 0 };
    static const nghttp2_nv ok_trailers[] = { FNV("grpc-status", "0") };
    (void)fk;
    if (!end) {
        return; /* answer once the request is complete */
    }
    const char *p = st->path + 6; /* after "/fake/" */
    if (strcmp(p, "http503") == 0 || strcmp(p, "http404") == 0 ||
        strcmp(p, "http401") == 0) {
        nghttp2_nv nv[] = { { (uint8_t *)":status", (uint8_t *)p + 4, 7, 3, 0 } };
        nghttp2_submit_response(s, st->id, nv, 1, NULL);
    } else if (strcmp(p, "http502html") == 0) {
        /* What nginx answers when no upstream could take the call: an HTML
         * error page, whose first bytes must not be read as a length prefix. */
        static const char page[] = "<html><head><title>502 Bad Gateway</title></head></html>";
        nghttp2_nv nv[] = { FNV(":status", "502"), FNV("content-type", "text/html") };
        rt_fake_reply(s, st, nv, 2, (const uint8_t *)page, sizeof page - 1, NULL, 0);
    } else if (strcmp(p, "html") == 0) {
        nghttp2_nv nv[] = { FNV(":status", "200"), FNV("content-type", "text/html") };
        nghttp2_submit_response(s, st->id, nv, 2, NULL);
    } else if (strcmp(p, "nostatus") == 0) {
        nghttp2_nv nv[] = { FNV(":status", "200"), FNV("content-type", "application/grpc") };
        rt_fake_reply(s, st, nv, 2, empty_msg, 5, NULL, 0);
    } else if (strcmp(p, "trailersonly") == 0) {
        nghttp2_nv nv[] = { FNV(":status", "200"), FNV("content-type", "application/grpc"),
                            FNV("grpc-status", "5"), FNV("grpc-message", "nope%20here"),
                            FNV("x-md", "v") };
        nghttp2_submit_response(s, st->id, nv, 5, NULL);
    } else if (strcmp(p, "badstatus") == 0) {
        nghttp2_nv nv[] = { FNV(":status", "200"), FNV("content-type", "application/grpc"),
                            FNV("grpc-status", "99") };
        nghttp2_submit_response(s, st->id, nv, 3, NULL);
    } else if (strcmp(p, "refuseonce") == 0 && fake_refused++ == 0) {
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_REFUSED_STREAM);
    } else if (strcmp(p, "paddedbin") == 0 || strcmp(p, "refuseonce") == 0) {
        nghttp2_nv nv[] = { FNV(":status", "200"), FNV("content-type", "application/grpc"),
                            FNV("x-pad-bin", "AAE=") };
        rt_fake_reply(s, st, nv, 3, empty_msg, 5, ok_trailers, 1);
    } else if (strcmp(p, "compressed") == 0) {
        nghttp2_nv nv[] = { FNV(":status", "200"), FNV("content-type", "application/grpc") };
        rt_fake_reply(s, st, nv, 2, compressed_msg, 5, ok_trailers, 1);
    } else if (strcmp(p, "refused") == 0) {
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_REFUSED_STREAM);
    } else if (strcmp(p, "cancel") == 0) {
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
    } else {
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
    }
}

static trpc_status fake_call(trpc_channel *c, const char *name, char **msg,
                             trpc_metadata *hdrs, trpc_metadata *trls)
{
    char path[64];
    snprintf(path, sizeof path, "/fake/%s", name);
    trpc_method m = { path, &echo__echo_request__descriptor, &echo__echo_reply__descriptor,
                      TRPC_UNARY };
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    ProtobufCMessage *reply = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.message = msg, .headers = hdrs, .trailers = trls,
                            .timeout_ms = 20000);
    trpc_status st = trpc_channel_unary(c, &m, &req.base, &reply, &opts);
    if (reply) {
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    return st;
}

static void test_client_status_mapping(void **state)
{
    (void)state;
    static rt_fake fk;
    fk.respond = fake_respond;
    rt_fake_start(&fk);
    trpc_channel *c = new_channel("127.0.0.1:%d", fk.port);
    char *msg = NULL;
    trpc_metadata *hdrs, *trls;
    trpc_metadata_new(&hdrs);
    trpc_metadata_new(&trls);
    assert_int_equal(fake_call(c, "http503", NULL, NULL, NULL), TRPC_STATUS_UNAVAILABLE);
    assert_int_equal(fake_call(c, "http404", NULL, NULL, NULL), TRPC_STATUS_UNIMPLEMENTED);
    assert_int_equal(fake_call(c, "http401", NULL, NULL, NULL), TRPC_STATUS_UNAUTHENTICATED);
    assert_int_equal(fake_call(c, "html", NULL, NULL, NULL), TRPC_STATUS_UNKNOWN);
    assert_int_equal(fake_call(c, "http502html", NULL, NULL, NULL), TRPC_STATUS_UNAVAILABLE);
    assert_int_equal(fake_call(c, "nostatus", NULL, NULL, NULL), TRPC_STATUS_UNKNOWN);
    assert_int_equal(fake_call(c, "badstatus", NULL, NULL, NULL), TRPC_STATUS_UNKNOWN);
    assert_int_equal(fake_call(c, "trailersonly", &msg, hdrs, trls), TRPC_STATUS_NOT_FOUND);
    assert_string_equal(msg, "nope here");
    free(msg);
    assert_string_equal(trpc_metadata_get(trls, "x-md", NULL), "v"); /* Trailers-Only */
    assert_int_equal(trpc_metadata_count(hdrs), 0);
    trpc_metadata_clear(trls);
    assert_int_equal(fake_call(c, "paddedbin", NULL, hdrs, trls), TRPC_STATUS_OK);
    size_t n;
    const uint8_t *v = trpc_metadata_get(hdrs, "x-pad-bin", &n);
    assert_non_null(v);
    assert_int_equal(n, 2);
    assert_int_equal(v[1], 1);
    assert_int_equal(fake_call(c, "compressed", NULL, NULL, NULL), TRPC_STATUS_INTERNAL);
    /* refused (unprocessed): retried once, transparently */
    assert_int_equal(fake_call(c, "refuseonce", NULL, NULL, NULL), TRPC_STATUS_OK);
    assert_int_equal(fake_refused, 2);
    assert_int_equal(fake_call(c, "refused", NULL, NULL, NULL), TRPC_STATUS_UNAVAILABLE);
    assert_int_equal(fake_call(c, "cancel", NULL, NULL, NULL), TRPC_STATUS_CANCELLED);
    assert_int_equal(fake_call(c, "other", NULL, NULL, NULL), TRPC_STATUS_INTERNAL);
    trpc_channel_free(c);
    rt_fake_stop(&fk);
    trpc_metadata_free(hdrs);
    trpc_metadata_free(trls);
}

/* A deferred handler learns that its client went away; its call is released. */
static void test_client_disconnect(void **state)
{
    (void)state;
    echo_impl_reset();
    trpc_channel *c = new_channel("127.0.0.1:%d", port4);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "wait_cancel";
    assert_int_equal(echo__echo__unary__async(echo__echo__client(c), &req, NULL, on_done_ignore, NULL), 0);
    Echo__Echo_Bidi_Stream *bc;
    assert_int_equal(echo__echo__bidi__start(&bc, echo__echo__client(c), NULL), 0);
    req.mode = "";
    echo__echo__bidi__send(bc, &req);
    Echo__EchoReply *r;
    assert_true(echo__echo__bidi__recv(bc, &r));
    echo__echo_reply__free_unpacked(r, NULL);
    assert_true(echo_wait_counter(&echo_stats_g.started, 2));
    echo__echo__bidi__cancel(bc);
    assert_int_equal(echo__echo__bidi__finish(bc), TRPC_STATUS_CANCELLED);
    trpc_channel_free(c); /* the async call is cancelled, the connection closes */
    assert_true(echo_wait_counter(&echo_stats_g.saw_cancel, 2));
    assert_true(echo_wait_counter(&echo_stats_g.finished_late, 1));
    check_unary_on(ch);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]); /* e.g. test_bidi or "test_*" */
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_server_api),
        cmocka_unit_test(test_unary_tcp4),
        cmocka_unit_test(test_unary_unix),
        cmocka_unit_test(test_unary_tcp6),
        cmocka_unit_test(test_status_messages),
        cmocka_unit_test(test_status_out_of_range),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_server_stream),
        cmocka_unit_test(test_client_stream),
        cmocka_unit_test(test_bidi),
        cmocka_unit_test(test_large_messages),
        cmocka_unit_test(test_unimplemented),
        cmocka_unit_test(test_deadline_client),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_deferred_from_thread),
        cmocka_unit_test(test_concurrency),
        cmocka_unit_test(test_max_concurrent_streams),
        cmocka_unit_test(test_async_streams),
        cmocka_unit_test(test_graceful_shutdown),
        cmocka_unit_test(test_unavailable_and_reconnect),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_deadline_server),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_random_input),
        cmocka_unit_test(test_client_status_mapping),
        cmocka_unit_test(test_client_disconnect),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
