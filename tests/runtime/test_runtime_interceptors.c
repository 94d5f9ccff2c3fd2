/*
 * test_runtime_interceptors.c: server and client interceptors
 * (trpc_server_add_interceptor(), trpc_channel_opts.interceptors) as a
 * user sees them: a bearer token added by the client's chain and checked by
 * the server's, calls refused on either side (the handler, or the network,
 * never sees them), metadata added both ways, the order of a chain, the
 * done callbacks with the final status, and the API's refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo_impl.h"
#include "rt_util.h"

/* ---- the server's chain: a log, then an authenticator ---- */

typedef struct server_log {
    atomic_int started, done, done_ok, done_unauth;
    atomic_int last_why;
    char order[64]; /* which on_start ran, in order (written on the worker) */
    atomic_int norder;
    char path[128];
} server_log;

static server_log slog;

static void note_order(char c)
{
    int i = atomic_fetch_add(&slog.norder, 1);
    if (i < (int)sizeof slog.order - 1) {
        slog.order[i] = c;
    }
}

static trpc_status log_start(trpc_call *call, const char **message, void *user)
{
    (void)message;
    (void)user;
    note_order('L');
    atomic_fetch_add(&slog.started, 1);
    snprintf(slog.path, sizeof slog.path, "%s", trpc_call_path(call));
    trpc_call_add_header(call, "x-logged", "yes", 3);
    return TRPC_STATUS_OK;
}

static void log_done(trpc_call *call, trpc_status st, trpc_done_reason why, void *user)
{
    (void)call;
    (void)user;
    atomic_store(&slog.last_why, (int)why);
    if (st == TRPC_STATUS_OK) {
        atomic_fetch_add(&slog.done_ok, 1);
    } else if (st == TRPC_STATUS_UNAUTHENTICATED) {
        atomic_fetch_add(&slog.done_unauth, 1);
    }
    atomic_fetch_add(&slog.done, 1);
}

/* Wants "authorization: Bearer <user>" (user is the token). */
static trpc_status auth_start(trpc_call *call, const char **message, void *user)
{
    note_order('A');
    const trpc_metadata *md = trpc_call_metadata(call);
    char want[64];
    snprintf(want, sizeof want, "Bearer %s", (const char *)user);
    for (size_t i = 0; i < trpc_metadata_count(md); i++) {
        const char *k;
        const void *v;
        size_t n;
        trpc_metadata_at(md, i, &k, &v, &n);
        if (strcmp(k, "authorization") == 0 && n == strlen(want) && memcmp(v, want, n) == 0) {
            return TRPC_STATUS_OK;
        }
    }
    *message = "missing or wrong bearer token";
    return TRPC_STATUS_UNAUTHENTICATED;
}

static trpc_status bad_status_start(trpc_call *call, const char **message, void *user)
{
    (void)call;
    (void)message;
    (void)user;
    return (trpc_status)77; /* not a gRPC status */
}

/* ---- the client's chain: credentials, a local policy, a log ---- */

typedef struct client_log {
    atomic_int started, done;
    atomic_int last_status;
    char last_message[128];
    char last_method[128];
} client_log;

static client_log cli_log;

static trpc_status token_start(const trpc_method *m, trpc_metadata *md, int64_t deadline,
                               const char **message, void *user)
{
    (void)m;
    (void)deadline;
    (void)message;
    char v[64];
    int n = snprintf(v, sizeof v, "Bearer %s", (const char *)user);
    return trpc_metadata_add(md, "authorization", v, (size_t)n) == TRPC_OK
               ? TRPC_STATUS_OK
               : TRPC_STATUS_INTERNAL;
}

/* Refuses calls whose deadline is more than a minute away, and the
 * method Missing (a local policy: nothing reaches the network). */
static trpc_status policy_start(const trpc_method *m, trpc_metadata *md, int64_t deadline,
                                const char **message, void *user)
{
    (void)md;
    (void)user;
    atomic_fetch_add(&cli_log.started, 1);
    if (strstr(m->path, "/Missing")) {
        *message = "refused here";
        return TRPC_STATUS_PERMISSION_DENIED;
    }
    if (deadline != INT64_MAX && deadline - trpc_now_ms() > 60000) {
        *message = "deadline too far";
        return TRPC_STATUS_INVALID_ARGUMENT;
    }
    return TRPC_STATUS_OK;
}

static void clog_done(const trpc_method *m, trpc_status st, const char *msg, void *user)
{
    (void)user;
    atomic_store(&cli_log.last_status, (int)st);
    snprintf(cli_log.last_message, sizeof cli_log.last_message, "%s", msg ? msg : "");
    snprintf(cli_log.last_method, sizeof cli_log.last_method, "%s", m->path);
    atomic_fetch_add(&cli_log.done, 1);
}

/* ---- fixture ---- */

static trpc_server *server_with(const trpc_server_interceptor *a, const trpc_server_interceptor *b,
                                int *port)
{
    trpc_server *srv;
    assert_int_equal(trpc_server_new(&srv, &TRPC_SERVER_OPTS(.workers = 2)), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    if (a) {
        assert_int_equal(trpc_server_add_interceptor(srv, a), TRPC_OK);
    }
    if (b) {
        assert_int_equal(trpc_server_add_interceptor(srv, b), TRPC_OK);
    }
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    return srv;
}

static trpc_channel *channel_with(int port, const trpc_client_interceptor *const *ics, size_t n)
{
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    trpc_channel *ch;
    assert_int_equal(trpc_channel_new(&ch, target,
                                      &TRPC_CHANNEL_OPTS(.interceptors = ics, .ninterceptors = n)),
                     TRPC_OK);
    return ch;
}

static trpc_status unary(trpc_channel *ch, const char *method_mode, char **message,
                         trpc_metadata *headers)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "hi";
    req.mode = (char *)method_mode;
    Echo__EchoReply *reply = NULL;
    trpc_call_opts o = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = message, .headers = headers);
    trpc_status st = echo__echo__unary(echo__echo__client(ch), &req, &reply, &o);
    if (st == TRPC_STATUS_OK) {
        assert_string_equal(reply->text, "hi");
        echo__echo_reply__free_unpacked(reply, NULL);
    }
    return st;
}

static int setup(void **state)
{
    (void)state;
    memset(&slog, 0, sizeof slog);
    memset(&cli_log, 0, sizeof cli_log);
    echo_impl_reset();
    return 0;
}

static bool has_header(trpc_metadata *md, const char *key, const char *value)
{
    for (size_t i = 0; i < trpc_metadata_count(md); i++) {
        const char *k;
        const void *v;
        size_t n;
        trpc_metadata_at(md, i, &k, &v, &n);
        if (strcmp(k, key) == 0 && n == strlen(value) && memcmp(v, value, n) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- tests ---- */

/* The client's chain adds the token, the server's checks it: the call
 * goes through, with the log's header, and every done callback runs with
 * OK; a channel without the token is refused UNAUTHENTICATED before the
 * handler runs. */
static void test_bearer_token(void **state)
{
    (void)state;
    const trpc_server_interceptor lg =
        TRPC_SERVER_INTERCEPTOR(.on_start = log_start, .on_done = log_done);
    const trpc_server_interceptor au = TRPC_SERVER_INTERCEPTOR(.on_start = auth_start,
                                                               .user = (void *)"s3cret");
    int port;
    trpc_server *srv = server_with(&lg, &au, &port);

    const trpc_client_interceptor tok =
        TRPC_CLIENT_INTERCEPTOR(.on_start = token_start, .user = (void *)"s3cret");
    const trpc_client_interceptor cl =
        TRPC_CLIENT_INTERCEPTOR(.on_start = policy_start, .on_done = clog_done);
    const trpc_client_interceptor *good[] = { &tok, &cl };
    trpc_channel *ch = channel_with(port, good, 2);

    trpc_metadata *hdrs = NULL;
    assert_int_equal(trpc_metadata_new(&hdrs), TRPC_OK);
    char *msg = NULL;
    assert_int_equal(unary(ch, "", &msg, hdrs), TRPC_STATUS_OK);
    free(msg);
    assert_true(has_header(hdrs, "x-logged", "yes"));
    assert_int_equal(atomic_load(&echo_stats_g.started), 1);
    assert_string_equal(slog.path, "/echo.Echo/Unary");
    assert_int_equal(atomic_load(&cli_log.done), 1); /* before the call returned */
    assert_int_equal(atomic_load(&cli_log.last_status), TRPC_STATUS_OK);
    assert_string_equal(cli_log.last_method, "/echo.Echo/Unary");
    assert_true(echo_wait_counter(&slog.done_ok, 1));
    assert_int_equal(atomic_load(&slog.last_why), TRPC_DONE_FINISHED);

    /* No token: refused by the server's chain, the handler never runs. */
    const trpc_client_interceptor *none[] = { &cl };
    trpc_channel *ch2 = channel_with(port, none, 1);
    msg = NULL;
    assert_int_equal(unary(ch2, "", &msg, NULL), TRPC_STATUS_UNAUTHENTICATED);
    assert_non_null(msg);
    assert_string_equal(msg, "missing or wrong bearer token");
    free(msg);
    assert_int_equal(atomic_load(&echo_stats_g.started), 1);
    assert_int_equal(atomic_load(&cli_log.last_status), TRPC_STATUS_UNAUTHENTICATED);
    assert_string_equal(cli_log.last_message, "missing or wrong bearer token");
    assert_true(echo_wait_counter(&slog.done_unauth, 1));

    /* A wrong token too; and streaming calls go through the chain. */
    const trpc_client_interceptor bad =
        TRPC_CLIENT_INTERCEPTOR(.on_start = token_start, .user = (void *)"guess");
    const trpc_client_interceptor *wrong[] = { &bad };
    trpc_channel *ch3 = channel_with(port, wrong, 1);
    assert_int_equal(unary(ch3, "", NULL, NULL), TRPC_STATUS_UNAUTHENTICATED);

    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "s";
    req.count = 3;
    Echo__Echo_ServerStream_Stream *s = NULL;
    trpc_call_opts o = TRPC_CALL_OPTS(.timeout_ms = 10000);
    assert_int_equal(echo__echo__server_stream__start(&s, echo__echo__client(ch3), &req, &o),
                     TRPC_OK);
    Echo__EchoReply *r = NULL;
    assert_false(echo__echo__server_stream__recv(s, &r));
    assert_int_equal(echo__echo__server_stream__finish(s), TRPC_STATUS_UNAUTHENTICATED);
    s = NULL;
    assert_int_equal(echo__echo__server_stream__start(&s, echo__echo__client(ch), &req, &o),
                     TRPC_OK);
    int got = 0;
    while (echo__echo__server_stream__recv(s, &r)) {
        echo__echo_reply__free_unpacked(r, NULL);
        got++;
    }
    assert_int_equal(echo__echo__server_stream__finish(s), TRPC_STATUS_OK);
    assert_int_equal(got, 3);

    trpc_metadata_free(hdrs);
    trpc_channel_free(ch);
    trpc_channel_free(ch2);
    trpc_channel_free(ch3);
    trpc_server_free(srv);
}

/* A refusal on the client's side: nothing is sent (the server's chain
 * never hears of it), the status and message are the interceptor's, and
 * on_done still runs. */
static void test_client_refuses(void **state)
{
    (void)state;
    const trpc_server_interceptor lg =
        TRPC_SERVER_INTERCEPTOR(.on_start = log_start, .on_done = log_done);
    int port;
    trpc_server *srv = server_with(&lg, NULL, &port);
    const trpc_client_interceptor cl =
        TRPC_CLIENT_INTERCEPTOR(.on_start = policy_start, .on_done = clog_done);
    const trpc_client_interceptor *ics[] = { &cl };
    trpc_channel *ch = channel_with(port, ics, 1);

    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    trpc_call_opts o = TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg);
    assert_int_equal(echo__echo__missing(echo__echo__client(ch), &req, &reply, &o),
                     TRPC_STATUS_PERMISSION_DENIED);
    assert_string_equal(msg, "refused here");
    free(msg);
    msg = NULL;
    trpc_call_opts far = TRPC_CALL_OPTS(.timeout_ms = 3600000, .message = &msg);
    assert_int_equal(echo__echo__unary(echo__echo__client(ch), &req, &reply, &far),
                     TRPC_STATUS_INVALID_ARGUMENT);
    assert_string_equal(msg, "deadline too far");
    free(msg);
    assert_int_equal(atomic_load(&cli_log.started), 2);
    assert_int_equal(atomic_load(&cli_log.done), 2);
    assert_int_equal(atomic_load(&slog.started), 0);

    /* The channel still works for calls the policy lets through. */
    assert_int_equal(unary(ch, "", NULL, NULL), TRPC_STATUS_OK);
    assert_int_equal(atomic_load(&slog.started), 1);

    trpc_channel_free(ch);
    trpc_server_free(srv);
}

/* Order: the chain runs as added; a refusal stops the on_starts after it
 * but every on_done runs; a status that is not a gRPC status is INTERNAL. */
static void test_order_and_bad_status(void **state)
{
    (void)state;
    const trpc_server_interceptor au = TRPC_SERVER_INTERCEPTOR(.on_start = auth_start,
                                                               .on_done = log_done,
                                                               .user = (void *)"t");
    const trpc_server_interceptor lg =
        TRPC_SERVER_INTERCEPTOR(.on_start = log_start, .on_done = log_done);
    int port;
    trpc_server *srv = server_with(&au, &lg, &port);
    trpc_channel *ch = channel_with(port, NULL, 0);
    assert_int_equal(unary(ch, "", NULL, NULL), TRPC_STATUS_UNAUTHENTICATED);
    assert_true(echo_wait_counter(&slog.done, 2)); /* both on_done */
    assert_int_equal(atomic_load(&slog.norder), 1);
    assert_int_equal(slog.order[0], 'A');
    assert_int_equal(atomic_load(&slog.started), 0);
    trpc_channel_free(ch);
    trpc_server_free(srv);

    memset(&slog, 0, sizeof slog);
    const trpc_server_interceptor bad = TRPC_SERVER_INTERCEPTOR(.on_start = bad_status_start);
    srv = server_with(&lg, &bad, &port);
    ch = channel_with(port, NULL, 0);
    char *msg = NULL;
    assert_int_equal(unary(ch, "", &msg, NULL), TRPC_STATUS_INTERNAL);
    assert_non_null(strstr(msg, "interceptor"));
    free(msg);
    assert_int_equal(slog.order[0], 'L');
    assert_int_equal(atomic_load(&echo_stats_g.started), 0);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static void test_api_errors(void **state)
{
    (void)state;
    trpc_server *srv;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    const trpc_server_interceptor lg = TRPC_SERVER_INTERCEPTOR(.on_start = log_start);
    assert_int_equal(trpc_server_add_interceptor(NULL, &lg), TRPC_EINVAL);
    assert_int_equal(trpc_server_add_interceptor(srv, NULL), TRPC_EINVAL);
    trpc_server_interceptor unsized = { 0 };
    assert_int_equal(trpc_server_add_interceptor(srv, &unsized), TRPC_EINVAL);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    int port;
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", &port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    assert_int_equal(trpc_server_add_interceptor(srv, &lg), TRPC_ESTATE);
    trpc_server_free(srv);

    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, "127.0.0.1:1", &TRPC_CHANNEL_OPTS(.ninterceptors = 1)),
                     TRPC_EINVAL);
    const trpc_client_interceptor *holes[] = { NULL };
    assert_int_equal(trpc_channel_new(&ch, "127.0.0.1:1",
                                      &TRPC_CHANNEL_OPTS(.interceptors = holes,
                                                         .ninterceptors = 1)),
                     TRPC_EINVAL);
    assert_null(ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_bearer_token, setup),
        cmocka_unit_test_setup(test_client_refuses, setup),
        cmocka_unit_test_setup(test_order_and_bad_status, setup),
        cmocka_unit_test_setup(test_api_errors, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
