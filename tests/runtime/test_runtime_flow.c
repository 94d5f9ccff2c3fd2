/*
 * test_runtime_flow.c: back-pressure and memory bounds, both sides, and the
 * client's handling of a server that ends a call early.
 *
 * Server: a client that never reads (a raw HTTP/2 client that never gives
 * DATA back to flow control) makes a handler's writes fail with TRPC_EFULL
 * once the call's bound is reached, the buffered output stays under the
 * bound, the call is not writable, and the drain callback runs when the
 * client reads; 100 unary calls with 1 MiB replies to such a client hold
 * about their replies' bytes, not several times that.
 *
 * Client: against a server that never reads (a scripted nghttp2 server
 * holding its window shut), a blocking send waits, a send on the I/O
 * thread gets TRPC_EFULL and the drain callback runs once the server
 * reads.  A server that ends a bidi or client-streaming call with its
 * trailers while the client still sends, and never resets the stream
 * (grpc-js), completes the call at once with the trailers' status; later
 * sends fail with TRPC_ECLOSED and the client resets its side.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo_impl.h"
#include "rt_util.h"

#define HIGH (64u * 1024u)      /* the server's and client's high water */
#define BOUND (256u * 1024u)    /* max_send_buffer */
#define CHUNK (32u * 1024u)

/* ---- the server's implementation ---------------------------------------------------- */

static atomic_int unary_entries;
static atomic_int efull_seen;
static atomic_size_t buffered_at_full;
static atomic_int writable_at_full;
static atomic_int written;
static atomic_int drained;
static uint8_t chunk[CHUNK];

static trpc_status unary(Echo__Echo_Unary_Call *call, const Echo__EchoRequest *req,
                         Echo__EchoReply *reply, void *user)
{
    (void)user;
    /* a reply of count bytes built in the arena */
    reply->payload.len = (size_t)req->count;
    reply->payload.data = trpc_call_alloc(call->base, reply->payload.len);
    if (!reply->payload.data) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    memset(reply->payload.data, 'r', reply->payload.len);
    atomic_fetch_add(&unary_entries, 1);
    return TRPC_STATUS_OK;
}

typedef struct flood {
    Echo__Echo_ServerStream_Call *call;
    int left;
} flood;

/* Writes until the bound says no; then waits for the drain callback. */
static void flood_more(trpc_call *base, void *arg)
{
    flood *f = arg;
    if (arg && atomic_load(&efull_seen)) {
        atomic_fetch_add(&drained, 1);
    }
    Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
    r.payload.data = chunk;
    r.payload.len = CHUNK;
    while (f->left > 0) {
        trpc_error rv = echo__echo__server_stream__write(f->call, &r);
        if (rv == TRPC_EFULL) {
            if (!atomic_load(&efull_seen)) {
                atomic_store(&buffered_at_full, trpc_call_send_buffered(base));
                atomic_store(&writable_at_full, trpc_call_is_writable(base));
                atomic_store(&efull_seen, 1);
            }
            trpc_call_on_drain(base, flood_more, f);
            return;
        }
        if (rv != TRPC_OK) {
            echo__echo__server_stream__finish_call(f->call, TRPC_STATUS_INTERNAL);
            free(f);
            return;
        }
        atomic_fetch_add(&written, 1);
        f->left--;
    }
    echo__echo__server_stream__finish_call(f->call, TRPC_STATUS_OK);
    free(f);
}

static trpc_status server_stream(Echo__Echo_ServerStream_Call *call,
                                 const Echo__EchoRequest *req, void *user)
{
    (void)user;
    flood *f = malloc(sizeof *f);
    *f = (flood){ call, req->count };
    flood_more(call->base, f);
    return TRPC_PENDING;
}

static const Echo__Echo_Impl flow_impl = { .unary = unary, .server_stream = server_stream };

static trpc_server *srv;
static int port;

static int setup_all(void **state)
{
    (void)state;
    trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 1, .send_high_water = HIGH,
                                          .max_send_buffer = BOUND);
    assert_int_equal(trpc_server_new(&srv, &o), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &flow_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", &port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    trpc_server_free(srv);
    return 0;
}

static size_t frame_request(const Echo__EchoRequest *req, uint8_t *buf)
{
    size_t n = echo__echo_request__pack(req, buf + 5);
    buf[0] = 0;
    buf[1] = (uint8_t)(n >> 24);
    buf[2] = (uint8_t)(n >> 16);
    buf[3] = (uint8_t)(n >> 8);
    buf[4] = (uint8_t)n;
    return n + 5;
}

/* ---- the server under a client that does not read ------------------------------------- */

static void test_server_client_never_reads(void **state)
{
    (void)state;
    atomic_store(&efull_seen, 0);
    atomic_store(&drained, 0);
    atomic_store(&written, 0);
    rt_rawc c;
    rt_rawc_open(&c, port, 16 * 1024, true); /* a 16 KiB window, never reopened */
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.count = 60; /* 60 x 32 KiB: far more than the bound */
    uint8_t body[64];
    size_t len = frame_request(&req, body);
    rt_rawc_stream *st = rt_rawc_request(&c, "/echo.Echo/ServerStream", body, len, true);
    for (int i = 0; i < 400 && !atomic_load(&efull_seen); i++) {
        rt_rawc_pump(&c, 25);
    }
    assert_true(atomic_load(&efull_seen));
    /* what it holds: under the bound (plus, at most, the one message a
     * write adds to an empty buffer) */
    size_t held = atomic_load(&buffered_at_full);
    assert_true(held <= BOUND);
    assert_true(held > BOUND - CHUNK - 64);
    assert_false(atomic_load(&writable_at_full));
    int before = atomic_load(&written);
    assert_true(before < 60);
    rt_rawc_pump(&c, 100); /* nothing moves while the client does not read */
    assert_int_equal(atomic_load(&written), before);
    assert_int_equal(atomic_load(&drained), 0);
    /* The client reads: the drain callback runs, the handler writes on,
     * and every message arrives. */
    size_t taken = 0;
    for (int i = 0; i < 2000 && !st->closed; i++) {
        if (st->data_bytes > taken) {
            rt_rawc_consume(&c, st, st->data_bytes - taken);
            taken = st->data_bytes;
        }
        rt_rawc_pump(&c, 10);
    }
    assert_true(st->closed);
    assert_int_equal(st->grpc_status, TRPC_STATUS_OK);
    assert_true(atomic_load(&drained) >= 1);
    assert_int_equal(atomic_load(&written), 60);
    assert_true(st->data_bytes >= 60u * CHUNK);
    rt_rawc_close(&c);
}

static void test_server_unread_unary_replies(void **state)
{
    (void)state;
    /* 100 unary calls with 1 MiB replies to a client whose window is shut:
     * each finished call keeps its serialized reply (1 MiB) and nothing
     * else of size: the request, the reply message and the 1 MiB the
     * handler allocated for it in the arena are freed once the reply is
     * serialized. */
    atomic_store(&unary_entries, 0);
    size_t base = rt_heap_in_use();
    rt_rawc c;
    rt_rawc_open(&c, port, 0, true);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.count = 1 << 20;
    uint8_t body[64];
    size_t len = frame_request(&req, body);
    for (int i = 0; i < 100; i++) {
        rt_rawc_request(&c, "/echo.Echo/Unary", body, len, true);
    }
    for (int i = 0; i < 800 && atomic_load(&unary_entries) < 100; i++) {
        rt_rawc_pump(&c, 25);
    }
    assert_int_equal(atomic_load(&unary_entries), 100);
    rt_rawc_pump(&c, 50);
    size_t held = rt_heap_in_use() - base;
    printf("100 unread 1 MiB replies hold %zu KiB\n", held / 1024);
    assert_true(held < 100u * (1u << 20) + 24u * (1u << 20));
    rt_rawc_close(&c);
}

/* ---- the client under a server that does not read -------------------------------------- */

static rt_fake fk;
static const nghttp2_nv ok_hdrs[] = { RT_NV(":status", "200"),
                                      RT_NV("content-type", "application/grpc") };
static const nghttp2_nv ok_trailers[] = { RT_NV("grpc-status", "0") };

/* Answers headers at once (the stream stays open), trailers at the end. */
static void slow_reader(rt_fake *f, nghttp2_session *s, rt_fake_stream *st, bool end)
{
    (void)f;
    if (!st->responded) {
        st->keep_open = true;
        rt_fake_reply(s, st, ok_hdrs, 2, NULL, 0, NULL, 0);
    }
    if (end) {
        rt_fake_end(s, st, ok_trailers, 1);
    }
}

typedef struct sender {
    trpc_stream *s;
    const Echo__EchoRequest *msg;
    int n;
    atomic_int sent;
} sender;

static void *send_all(void *arg)
{
    sender *sd = arg;
    for (int i = 0; i < sd->n; i++) {
        trpc_error rv = trpc_stream_send(sd->s, &sd->msg->base);
        if (rv != TRPC_OK) {
            fprintf(stderr, "send %d: %s\n", i, trpc_err_name(rv));
            break;
        }
        atomic_fetch_add(&sd->sent, 1);
    }
    trpc_stream_close_send(sd->s);
    return NULL;
}

static trpc_channel *slow_channel(void)
{
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", fk.port);
    trpc_channel *c;
    trpc_channel_opts o = TRPC_CHANNEL_OPTS(.send_high_water = HIGH, .max_send_buffer = BOUND);
    assert_int_equal(trpc_channel_new(&c, target, &o), TRPC_OK);
    return c;
}

static void test_client_blocking_send_waits(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof fk);
    fk.respond = slow_reader;
    fk.manual_window = true;
    rt_fake_start(&fk);
    trpc_channel *c = slow_channel();
    trpc_stream *s;
    char *emsg = NULL;
    assert_int_equal(trpc_stream_start(&s, c, &echo__echo__trpc_methods[3],
                                       &TRPC_CALL_OPTS(.message = &emsg)),
                     TRPC_OK);
    Echo__EchoRequest m = ECHO__ECHO_REQUEST__INIT;
    m.payload.data = chunk;
    m.payload.len = 16 * 1024;
    /* 100 x 16 KiB; the server's window (64 KiB) and the high water
     * (64 KiB) let about 9 go before the sender waits */
    sender sd = { s, &m, 100, 0 };
    pthread_t th;
    pthread_create(&th, NULL, send_all, &sd);
    /* Wait (bounded, generously: the machine may be loaded) until the
     * sender has filled the buffer past the high water; then give it time
     * to go on if it wrongly could: it must stay blocked, however long. */
    for (int i = 0; i < 3000 && trpc_stream_is_writable(s); i++) {
        echo_sleep_ms(10);
    }
    echo_sleep_ms(200);
    int sent = atomic_load(&sd.sent);
    assert_true(sent < 20);
    assert_false(trpc_stream_is_writable(s));
    assert_true(trpc_stream_send_buffered(s) >= HIGH);
    /* the server reads: the sender goes on to the end */
    atomic_store(&fk.open_window, true);
    pthread_join(th, NULL);
    trpc_status st = trpc_stream_finish(s);
    if (st != TRPC_STATUS_OK) {
        fail_msg("%s: %s", trpc_status_name(st), emsg ? emsg : "");
    }
    free(emsg);
    assert_int_equal(atomic_load(&sd.sent), 100);
    trpc_channel_free(c);
    rt_fake_stop(&fk);
}

typedef struct async_fill {
    atomic_int efull;
    atomic_size_t buffered_at_full;
    atomic_int drains;
    atomic_int sent;
    atomic_int done;
    trpc_status status;
} async_fill;

static async_fill af;

/* On the I/O thread: send until the bound says no, then wait for the
 * drain; after 60 messages, half-close. */
static void fill(trpc_stream *s, void *arg)
{
    (void)arg;
    atomic_fetch_add(&af.drains, 1);
    Echo__EchoRequest m = ECHO__ECHO_REQUEST__INIT;
    m.payload.data = chunk;
    m.payload.len = 16 * 1024;
    while (atomic_load(&af.sent) < 60) {
        trpc_error rv = trpc_stream_send(s, &m.base);
        if (rv == TRPC_EFULL) {
            if (atomic_fetch_add(&af.efull, 1) == 0) {
                atomic_store(&af.buffered_at_full, trpc_stream_send_buffered(s));
            }
            trpc_stream_on_drain(s, fill, NULL);
            return;
        }
        if (rv != TRPC_OK) {
            return;
        }
        atomic_fetch_add(&af.sent, 1);
    }
    trpc_stream_close_send(s);
}

static void on_status(Echo__Echo_Bidi_Stream *s, trpc_status code, const char *message,
                      void *user)
{
    (void)s;
    (void)message;
    (void)user;
    af.status = code;
    atomic_store(&af.done, 1);
}

static void on_message(Echo__Echo_Bidi_Stream *s, Echo__EchoReply *msg, void *user)
{
    (void)s;
    (void)user;
    echo__echo_reply__free_unpacked(msg, NULL);
}

static void test_client_async_send_efull_and_drain(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof fk);
    fk.respond = slow_reader;
    fk.manual_window = true;
    rt_fake_start(&fk);
    memset(&af, 0, sizeof af);
    trpc_channel *c = slow_channel();
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start_async(&bs, echo__echo__client(c), NULL, on_message,
                                                   on_status, NULL),
                     TRPC_OK);
    /* nothing is buffered yet: the drain callback runs at once, on the
     * I/O thread, and fills the stream */
    assert_int_equal(trpc_stream_on_drain(bs->base, fill, NULL), TRPC_OK);
    for (int i = 0; i < 2000 && !atomic_load(&af.efull); i++) {
        echo_sleep_ms(5);
    }
    assert_int_equal(atomic_load(&af.efull), 1);
    size_t held = atomic_load(&af.buffered_at_full);
    assert_true(held <= BOUND && held > BOUND - 17 * 1024);
    assert_true(atomic_load(&af.sent) < 60);
    assert_int_equal(atomic_load(&af.drains), 1);
    /* the server reads: drains, more sends, the half-close, the status */
    atomic_store(&fk.open_window, true);
    for (int i = 0; i < 4000 && !atomic_load(&af.done); i++) {
        echo_sleep_ms(5);
    }
    assert_true(atomic_load(&af.done));
    assert_int_equal(af.status, TRPC_STATUS_OK);
    assert_int_equal(atomic_load(&af.sent), 60);
    assert_true(atomic_load(&af.drains) >= 2);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_OK);
    trpc_channel_free(c);
    rt_fake_stop(&fk);
}

/* ---- a server that ends first and does not reset (grpc-js) ----------------------------- */

static const uint8_t one_reply[] = { 0, 0, 0, 0, 2, 0x18, 0x05 }; /* index = 5 */
static const nghttp2_nv abort_trailers[] = { RT_NV("grpc-status", "10"),
                                             RT_NV("grpc-message", "stop%20now") };
static const nghttp2_nv ok_trailers_md[] = { RT_NV("grpc-status", "0"), RT_NV("x-t", "1") };

/* After a request's first message: headers, one reply, trailers; never a
 * RST_STREAM, whatever the client still sends. */
static void ends_first(rt_fake *f, nghttp2_session *s, rt_fake_stream *st, bool end)
{
    (void)f;
    (void)end;
    if (st->responded || st->data_frames == 0) {
        return;
    }
    bool ok = strstr(st->path, "ClientStream") != NULL;
    rt_fake_reply(s, st, ok_hdrs, 2, one_reply, sizeof one_reply,
                  ok ? ok_trailers_md : abort_trailers, 2);
}

static void test_client_trailers_without_reset(void **state)
{
    (void)state;
    memset(&fk, 0, sizeof fk);
    fk.respond = ends_first;
    rt_fake_start(&fk);
    trpc_channel *c = rt_channel("127.0.0.1:%d", fk.port);
    Echo__Echo_Client *e = echo__echo__client(c);
    /* bidi, blocking: the deadline is only a guard (the bug this checks
     * would end the call DEADLINE_EXCEEDED after 20 s) */
    char *msg = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 20000, .message = &msg);
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, e, &opts), TRPC_OK);
    Echo__EchoRequest m = ECHO__ECHO_REQUEST__INIT;
    assert_int_equal(echo__echo__bidi__send(bs, &m), TRPC_OK);
    Echo__EchoReply *r;
    assert_true(echo__echo__bidi__recv(bs, &r));
    assert_int_equal(r->index, 5);
    echo__echo_reply__free_unpacked(r, NULL);
    assert_false(echo__echo__bidi__recv(bs, &r)); /* at the trailers */
    assert_int_equal(echo__echo__bidi__send(bs, &m), TRPC_ECLOSED);
    assert_int_equal(echo__echo__bidi__close_send(bs), TRPC_ECLOSED);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_ABORTED);
    assert_string_equal(msg, "stop now");
    free(msg);
    /* the server never reset a stream; the client reset its side with
     * NO_ERROR, so the stream is released */
    for (int i = 0; i < 400 && atomic_load(&fk.closed) < 1; i++) {
        echo_sleep_ms(5);
    }
    assert_int_equal(atomic_load(&fk.rst_frames), 0);
    assert_int_equal(atomic_load(&fk.closed), 1);
    assert_int_equal(atomic_load(&fk.closed_by_client_reset), 1);
    assert_int_equal(atomic_load(&fk.last_client_reset), NGHTTP2_NO_ERROR);

    /* async: on_status comes with the trailers */
    memset(&af, 0, sizeof af);
    af.status = TRPC_STATUS_UNKNOWN;
    assert_int_equal(echo__echo__bidi__start_async(&bs, e, &TRPC_CALL_OPTS(.timeout_ms = 20000),
                                                   on_message, on_status, NULL),
                     TRPC_OK);
    assert_int_equal(echo__echo__bidi__send(bs, &m), TRPC_OK);
    for (int i = 0; i < 4000 && !atomic_load(&af.done); i++) {
        echo_sleep_ms(5);
    }
    assert_int_equal(af.status, TRPC_STATUS_ABORTED);
    assert_int_equal(echo__echo__bidi__send(bs, &m), TRPC_ECLOSED);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_ABORTED);

    /* client streaming: the reply and OK, while the client was still
     * sending; finish_unary returns them */
    trpc_metadata *trls;
    trpc_metadata_new(&trls);
    Echo__Echo_ClientStream_Stream *cs;
    assert_int_equal(echo__echo__client_stream__start(
                         &cs, e, &TRPC_CALL_OPTS(.timeout_ms = 20000, .trailers = trls)),
                     TRPC_OK);
    assert_int_equal(echo__echo__client_stream__send(cs, &m), TRPC_OK);
    trpc_error rv = TRPC_OK;
    for (int i = 0; i < 4000 && rv == TRPC_OK; i++) {
        rv = echo__echo__client_stream__send(cs, &m);
        echo_sleep_ms(1);
    }
    assert_int_equal(rv, TRPC_ECLOSED);
    r = NULL;
    assert_int_equal(echo__echo__client_stream__finish(cs, &r), TRPC_STATUS_OK);
    assert_non_null(r);
    assert_int_equal(r->index, 5);
    echo__echo_reply__free_unpacked(r, NULL);
    assert_string_equal(trpc_metadata_get(trls, "x-t", NULL), "1");
    trpc_metadata_free(trls);
    assert_int_equal(atomic_load(&fk.rst_frames), 0);
    trpc_channel_free(c);
    rt_fake_stop(&fk);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_client_never_reads),
        cmocka_unit_test(test_server_unread_unary_replies),
        cmocka_unit_test(test_client_blocking_send_waits),
        cmocka_unit_test(test_client_async_send_efull_and_drain),
        cmocka_unit_test(test_client_trailers_without_reset),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
