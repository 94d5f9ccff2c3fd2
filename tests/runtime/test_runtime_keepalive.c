/*
 * test_runtime_keepalive.c: keepalive PINGs on both sides and the server's
 * enforcement of the clients' PINGs (gRPC's doc/keepalive.md, A8, A9).
 *
 * Client: against a scripted nghttp2 server that never acknowledges PINGs,
 * a call fails UNAVAILABLE after keepalive time + timeout, long before its
 * own deadline; a server that does acknowledge sees PINGs and the call
 * lives on; with no call open the client pings only when asked to
 * (keepalive_without_calls); GOAWAY ENHANCE_YOUR_CALM "too_many_pings"
 * fails the calls with a message saying so, and the next connection pings
 * half as often.
 *
 * Server: a raw client that never reads has its connection closed after
 * keepalive time + timeout (its calls end CONNECTION_LOST); one that
 * answers keeps it.  Enforcement, counted exactly: a PING sooner than
 * min_ping_interval after the previous one is a strike, with no call open
 * the interval is two hours unless permit_keepalive_without_calls, data
 * sent by the server forgives, and the strike after max_ping_strikes gets
 * GOAWAY ENHANCE_YOUR_CALM "too_many_pings" and the connection closes.
 * End to end: a typerpc client pinging too often is told so by a typerpc
 * server, and one pinging within the server's policy is not.
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

/* ---- helpers ------------------------------------------------------------------------ */

#define BIDI (&echo__echo__trpc_methods[3]) /* echo.Echo/Bidi */

static trpc_server *serve(int *port, const trpc_server_opts *o)
{
    trpc_server *srv = NULL;
    assert_int_equal(trpc_server_new(&srv, o), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    echo_impl_reset();
    return srv;
}

static trpc_channel *channel(int port, const trpc_channel_opts *o)
{
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, target, o), TRPC_OK);
    return ch;
}

/* Waits (bounded, 10 s) until *v >= n. */
static bool wait_atomic(atomic_int *v, int n)
{
    for (int i = 0; i < 1000 && atomic_load(v) < n; i++) {
        echo_sleep_ms(10);
    }
    return atomic_load(v) >= n;
}

/* Pumps c until cond(c) holds or 10 s pass. */
static bool pump_until(rt_rawc *c, bool (*cond)(const rt_rawc *c))
{
    int64_t until = trpc_now_ms() + 10000;
    while (!cond(c) && !c->eof && trpc_now_ms() < until) {
        rt_rawc_pump(c, 50);
    }
    return cond(c);
}

static int acks_wanted;
static bool acked(const rt_rawc *c) { return c->pings_acked >= acks_wanted; }
static bool got_goaway(const rt_rawc *c) { return c->goaway; }
static bool got_eof(const rt_rawc *c) { return c->eof; }

/* Sends n PINGs one by one, each after the previous one's ACK. */
static void ping_n(rt_rawc *c, int n)
{
    for (int i = 0; i < n; i++) {
        acks_wanted = c->pings_acked + 1;
        rt_rawc_ping(c);
        assert_true(pump_until(c, acked));
    }
}

static const uint8_t empty_msg[5] = { 0, 0, 0, 0, 0 };

/* A request body: one framed EchoRequest with mode set. */
static size_t frame_request(uint8_t *buf, size_t cap, const char *mode)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = (char *)mode;
    size_t n = echo__echo_request__get_packed_size(&req);
    assert_true(n + 5 <= cap);
    buf[0] = 0;
    buf[1] = (uint8_t)(n >> 24);
    buf[2] = (uint8_t)(n >> 16);
    buf[3] = (uint8_t)(n >> 8);
    buf[4] = (uint8_t)n;
    echo__echo_request__pack(&req, buf + 5);
    return n + 5;
}

/* ---- the client: a scripted server -------------------------------------------------------- */

static rt_fake fk;

/* Never answers: the call stays open. */
static void silent(rt_fake *f, nghttp2_session *s, rt_fake_stream *st, bool end)
{
    (void)f;
    (void)s;
    (void)st;
    (void)end;
}

static const nghttp2_nv ok_hdrs[] = { RT_NV(":status", "200"),
                                      RT_NV("content-type", "application/grpc") };
static const nghttp2_nv ok_trls[] = { RT_NV("grpc-status", "0") };

/* Answers each request with one empty reply and OK. */
static void answer(rt_fake *f, nghttp2_session *s, rt_fake_stream *st, bool end)
{
    (void)f;
    if (end && !st->responded) {
        rt_fake_reply(s, st, ok_hdrs, 2, empty_msg, sizeof empty_msg, ok_trls, 1);
    }
}

static void start_fake(rt_fake_fn *respond, bool no_ping_ack, bool calm)
{
    memset(&fk, 0, sizeof fk);
    fk.respond = respond;
    fk.no_ping_ack = no_ping_ack;
    fk.calm_on_ping = calm;
    rt_fake_start(&fk);
}

static void test_client_ping_unanswered(void **state)
{
    (void)state;
    start_fake(silent, true, false);
    trpc_channel *ch = channel(fk.port, &TRPC_CHANNEL_OPTS(.keepalive_time_ms = 200,
                                                           .keepalive_timeout_ms = 300));
    Echo__Echo_Client *cl = echo__echo__client(ch);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    int64_t t0 = trpc_now_ms();
    trpc_status st = echo__echo__unary(cl, &req, &reply,
                                       &TRPC_CALL_OPTS(.timeout_ms = 60000, .message = &msg));
    int64_t took = trpc_now_ms() - t0;
    assert_int_equal(st, TRPC_STATUS_UNAVAILABLE);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "keepalive ping"));
    assert_non_null(strstr(msg, "not acknowledged within 300 ms"));
    free(msg);
    /* Not a timing assertion: only "the keepalive, not the deadline". */
    assert_true(took < 50000);
    assert_true(took >= 200 + 300 - 5);
    assert_true(atomic_load(&fk.pings) >= 1);

    /* A stream and an async call on the next connection fail alike. */
    trpc_stream *s = NULL;
    assert_int_equal(trpc_stream_start(&s, ch, BIDI,
                                       &TRPC_CALL_OPTS(.message = &msg)),
                     TRPC_OK);
    ProtobufCMessage *m = NULL;
    assert_false(trpc_stream_recv(s, &m));
    assert_int_equal(trpc_stream_finish(s), TRPC_STATUS_UNAVAILABLE);
    assert_non_null(strstr(msg, "keepalive ping"));
    free(msg);
    trpc_channel_free(ch);
    rt_fake_stop(&fk);
}

static void test_client_ping_answered(void **state)
{
    (void)state;
    start_fake(silent, false, false);
    trpc_channel *ch = channel(fk.port, &TRPC_CHANNEL_OPTS(.keepalive_time_ms = 100,
                                                           .keepalive_timeout_ms = 5000));
    trpc_stream *s = NULL;
    assert_int_equal(trpc_stream_start(&s, ch, BIDI, NULL), TRPC_OK);
    /* The server sees PINGs, acknowledges them, and the call lives on. */
    assert_true(wait_atomic(&fk.pings, 3));
    trpc_stream_cancel(s);
    assert_int_equal(trpc_stream_finish(s), TRPC_STATUS_CANCELLED);
    trpc_channel_free(ch);
    rt_fake_stop(&fk);
}

static void test_client_ping_without_calls(void **state)
{
    (void)state;
    /* By default, no call open means no PING (A8). */
    start_fake(answer, false, false);
    trpc_channel *ch = channel(fk.port, &TRPC_CHANNEL_OPTS(.keepalive_time_ms = 200));
    Echo__Echo_Client *cl = echo__echo__client(ch);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(cl, &req, &reply, NULL), TRPC_STATUS_OK);
    echo__echo_reply__free_unpacked(reply, NULL);
    echo_sleep_ms(100);
    int before = atomic_load(&fk.pings); /* 0 unless the call itself was slow */
    echo_sleep_ms(1000);
    assert_int_equal(atomic_load(&fk.pings), before);
    /* A call after the quiet time pings first (before its HEADERS). */
    assert_int_equal(echo__echo__unary(cl, &req, &reply, NULL), TRPC_STATUS_OK);
    echo__echo_reply__free_unpacked(reply, NULL);
    assert_true(wait_atomic(&fk.pings, before + 1));
    trpc_channel_free(ch);
    rt_fake_stop(&fk);

    /* keepalive_without_calls: PINGs with nothing open. */
    start_fake(answer, false, false);
    ch = channel(fk.port, &TRPC_CHANNEL_OPTS(.keepalive_time_ms = 50,
                                             .keepalive_without_calls = true));
    cl = echo__echo__client(ch);
    assert_int_equal(echo__echo__unary(cl, &req, &reply, NULL), TRPC_STATUS_OK);
    echo__echo_reply__free_unpacked(reply, NULL);
    assert_true(wait_atomic(&fk.pings, 3));
    trpc_channel_free(ch);
    rt_fake_stop(&fk);
}

static void test_client_too_many_pings(void **state)
{
    (void)state;
    /* The server answers the first PING of each connection with GOAWAY
     * ENHANCE_YOUR_CALM "too_many_pings" and closes it. */
    start_fake(silent, false, true);
    enum { KA = 150 };
    trpc_channel *ch = channel(fk.port, &TRPC_CHANNEL_OPTS(.keepalive_time_ms = KA));
    for (int i = 0; i < 2; i++) {
        char *msg = NULL;
        trpc_stream *s = NULL;
        assert_int_equal(trpc_stream_start(&s, ch, BIDI,
                                           &TRPC_CALL_OPTS(.message = &msg)),
                         TRPC_OK);
        ProtobufCMessage *m = NULL;
        assert_false(trpc_stream_recv(s, &m));
        assert_int_equal(trpc_stream_finish(s), TRPC_STATUS_UNAVAILABLE);
        assert_non_null(msg);
        assert_non_null(strstr(msg, "ENHANCE_YOUR_CALM"));
        assert_non_null(strstr(msg, "too_many_pings"));
        free(msg);
    }
    assert_int_equal(atomic_load(&fk.conns), 2);
    /* The keepalive time counts from the last byte the client read, which
     * the server wrote before: these are lower bounds whatever the load.
     * The second connection pings after twice the configured time. */
    int64_t first = atomic_load(&fk.first_ping[0]) - atomic_load(&fk.last_write[0]);
    int64_t second = atomic_load(&fk.first_ping[1]) - atomic_load(&fk.last_write[1]);
    assert_true(first >= KA - 5);
    assert_true(second >= 2 * KA - 5);
    trpc_channel_free(ch);
    rt_fake_stop(&fk);
}

/* ---- the server: keepalive --------------------------------------------------------------- */

static void test_server_closes_silent_connection(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1, .keepalive_time_ms = 200,
                                                      .keepalive_timeout_ms = 300));
    /* A call, then nothing: the client never reads (so never ACKs). */
    rt_rawc c;
    rt_rawc_open(&c, port, 65535, false);
    uint8_t body[64];
    size_t n = frame_request(body, sizeof body, "wait_cancel");
    rt_rawc_request(&c, "/echo.Echo/Unary", body, n, true);
    assert_true(echo_wait_counter(&echo_stats_g.started, 1));
    int64_t t0 = trpc_now_ms();
    assert_true(rt_read_until_closed(c.fd)); /* the server closed it */
    assert_true(trpc_now_ms() - t0 < 9000);
    assert_true(echo_wait_counter(&echo_stats_g.done[TRPC_DONE_CONNECTION_LOST], 1));
    assert_true(echo_wait_counter(&echo_stats_g.saw_cancel, 1));
    rt_rawc_close(&c);

    /* A client that answers keeps its connection, and sees the PINGs. */
    rt_rawc_open(&c, port, 65535, false);
    rt_rawc_request(&c, "/echo.Echo/Unary", body, n, true);
    int64_t until = trpc_now_ms() + 1200;
    while (trpc_now_ms() < until && !c.eof) {
        rt_rawc_pump(&c, 50);
    }
    assert_false(c.eof);
    assert_false(c.goaway);
    assert_true(c.pings_received >= 2);
    rt_rawc_close(&c);
    trpc_server_free(srv);
}

static void test_server_default_keepalive(void **state)
{
    (void)state;
    /* Defaults: 2 hours, so a silent client is left alone for a while. */
    int port;
    trpc_server *srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1));
    rt_rawc c;
    rt_rawc_open(&c, port, 65535, false);
    rt_rawc_pump(&c, 300);
    assert_int_equal(c.pings_received, 0);
    assert_false(c.eof);
    rt_rawc_close(&c);
    /* -1: never */
    trpc_server_free(srv);
    srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1, .keepalive_time_ms = -1));
    rt_rawc_open(&c, port, 65535, false);
    rt_rawc_pump(&c, 300);
    assert_int_equal(c.pings_received, 0);
    rt_rawc_close(&c);
    trpc_server_free(srv);
}

/* ---- the server: ping enforcement ---------------------------------------------------------- */

/* After the strikes allowed, the next early PING gets GOAWAY
 * ENHANCE_YOUR_CALM "too_many_pings" and the connection closes. */
static void expect_calm(rt_rawc *c)
{
    rt_rawc_ping(c);
    assert_true(pump_until(c, got_goaway));
    assert_int_equal(c->goaway_err, NGHTTP2_ENHANCE_YOUR_CALM);
    assert_string_equal(c->goaway_debug, "too_many_pings");
    assert_true(pump_until(c, got_eof));
}

static void test_enforcement_with_call(void **state)
{
    (void)state;
    /* Defaults: 5 minutes between PINGs, 2 strikes. */
    int port;
    trpc_server *srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1));
    rt_rawc c;
    rt_rawc_open(&c, port, 65535, false);
    uint8_t body[64];
    size_t n = frame_request(body, sizeof body, "wait_cancel");
    rt_rawc_request(&c, "/echo.Echo/Unary", body, n, true);
    assert_true(echo_wait_counter(&echo_stats_g.started, 1));
    ping_n(&c, 3); /* the first is fine, then two strikes */
    rt_rawc_pump(&c, 100);
    assert_false(c.goaway);
    expect_calm(&c); /* the third strike */
    /* The call ended with the connection. */
    assert_true(echo_wait_counter(&echo_stats_g.done[TRPC_DONE_CONNECTION_LOST], 1));
    rt_rawc_close(&c);
    trpc_server_free(srv);
}

static void test_enforcement_without_calls(void **state)
{
    (void)state;
    /* No minimum interval at all: with a call open any PING is fine ... */
    int port;
    trpc_server *srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1, .min_ping_interval_ms = -1,
                                                      .max_ping_strikes = 1));
    rt_rawc c;
    rt_rawc_open(&c, port, 65535, false);
    uint8_t body[64];
    size_t n = frame_request(body, sizeof body, "wait_cancel");
    rt_rawc_stream *st = rt_rawc_request(&c, "/echo.Echo/Unary", body, n, true);
    assert_true(echo_wait_counter(&echo_stats_g.started, 1));
    ping_n(&c, 10);
    assert_false(c.goaway);
    /* ... but with none, two hours apply (permit_keepalive_without_calls is
     * false): once the call is gone, the next PING (moments after the
     * last) is a strike, the one after it one too many. */
    nghttp2_submit_rst_stream(c.ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
    nghttp2_session_send(c.ng);
    assert_true(echo_wait_counter(&echo_stats_g.done[TRPC_DONE_CANCELLED], 1));
    ping_n(&c, 1);
    rt_rawc_pump(&c, 100);
    assert_false(c.goaway);
    expect_calm(&c);
    rt_rawc_close(&c);
    trpc_server_free(srv);

    /* permit_keepalive_without_calls: no call is like a call. */
    srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1, .min_ping_interval_ms = -1,
                                         .permit_keepalive_without_calls = true,
                                         .max_ping_strikes = 1));
    rt_rawc_open(&c, port, 65535, false);
    ping_n(&c, 10);
    rt_rawc_pump(&c, 100);
    assert_false(c.goaway);
    rt_rawc_close(&c);
    trpc_server_free(srv);
}

static void test_enforcement_interval_and_data(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1, .min_ping_interval_ms = 100,
                                                      .permit_keepalive_without_calls = true));
    rt_rawc c;
    rt_rawc_open(&c, port, 65535, false);
    /* PINGs at least min_ping_interval apart are never strikes. */
    for (int i = 0; i < 6; i++) {
        ping_n(&c, 1);
        echo_sleep_ms(120);
    }
    assert_false(c.goaway);
    /* Two strikes (after a fine one), then the server sends data (a call's
     * reply): forgiven. */
    ping_n(&c, 3);
    assert_false(c.goaway);
    uint8_t body[64];
    size_t n = frame_request(body, sizeof body, "");
    rt_rawc_stream *st = rt_rawc_request(&c, "/echo.Echo/Unary", body, n, true);
    while (!st->closed && !c.eof) {
        rt_rawc_pump(&c, 50);
    }
    assert_int_equal(st->grpc_status, 0);
    ping_n(&c, 3); /* fine, strike, strike */
    assert_false(c.goaway);
    expect_calm(&c);
    rt_rawc_close(&c);
    trpc_server_free(srv);
}

/* ---- typerpc client and server ------------------------------------------------------------ */

static void test_typerpc_client_told_to_calm_down(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1));
    trpc_channel *ch = channel(port, &TRPC_CHANNEL_OPTS(.keepalive_time_ms = 50));
    Echo__Echo_Client *cl = echo__echo__client(ch);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "wait_cancel";
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    assert_int_equal(echo__echo__unary(cl, &req, &reply,
                                       &TRPC_CALL_OPTS(.timeout_ms = 30000, .message = &msg)),
                     TRPC_STATUS_UNAVAILABLE);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "too_many_pings"));
    free(msg);
    assert_true(echo_wait_counter(&echo_stats_g.done[TRPC_DONE_CONNECTION_LOST], 1));
    /* The channel goes on with a new connection. */
    req.mode = "";
    req.text = "after";
    assert_int_equal(echo__echo__unary(cl, &req, &reply, NULL), TRPC_STATUS_OK);
    assert_string_equal(reply->text, "after");
    echo__echo_reply__free_unpacked(reply, NULL);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static void test_typerpc_within_policy(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port, &TRPC_SERVER_OPTS(.workers = 1, .min_ping_interval_ms = 50));
    trpc_channel *ch = channel(port, &TRPC_CHANNEL_OPTS(.keepalive_time_ms = 100,
                                                        .keepalive_timeout_ms = 5000));
    Echo__Echo_Client *cl = echo__echo__client(ch);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "defer";
    req.sleep_ms = 1000;
    req.text = "slow";
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(cl, &req, &reply, &TRPC_CALL_OPTS(.timeout_ms = 30000)),
                     TRPC_STATUS_OK);
    assert_string_equal(reply->text, "slow");
    echo__echo_reply__free_unpacked(reply, NULL);
    assert_int_equal(atomic_load(&echo_stats_g.done[TRPC_DONE_CONNECTION_LOST]), 0);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_ping_unanswered),
        cmocka_unit_test(test_client_ping_answered),
        cmocka_unit_test(test_client_ping_without_calls),
        cmocka_unit_test(test_client_too_many_pings),
        cmocka_unit_test(test_server_closes_silent_connection),
        cmocka_unit_test(test_server_default_keepalive),
        cmocka_unit_test(test_enforcement_with_call),
        cmocka_unit_test(test_enforcement_without_calls),
        cmocka_unit_test(test_enforcement_interval_and_data),
        cmocka_unit_test(test_typerpc_client_told_to_calm_down),
        cmocka_unit_test(test_typerpc_within_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
