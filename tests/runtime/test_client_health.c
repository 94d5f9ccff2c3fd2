/*
 * test_client_health.c: client-side health checking
 * (trpc_channel_opts.health_check_service, runtime/client/health.c) against
 * a typerpc server with trpc_health, on a one-address target (pick_first):
 * the paths the multi-instance script (tests/scaleout/health.sh) does not
 * reach.
 *
 *  - flip: calls go through while "" is SERVING; once NOT_SERVING is heard
 *    a call fails UNAVAILABLE "no healthy address: ... NOT_SERVING" at once,
 *    and a call that waits for ready is served as soon as SERVING is set
 *    again (from another thread while it waits).
 *  - deadline: NOT_SERVING from the start: a wait_for_ready call ends
 *    DEADLINE_EXCEEDED at its deadline, a plain one UNAVAILABLE.
 *  - a server without the health service (UNIMPLEMENTED): used as healthy.
 *  - no server at first: a wait_for_ready call waits through the
 *    connection's backoff and is served once one listens, SERVING.
 *  - a named service: SERVING only for that name; another name's
 *    SERVICE_UNKNOWN keeps calls away.
 *  - the Watch is the channel's own call: the channel's interceptors see
 *    only the application's calls, and the channel frees cleanly with the
 *    Watch open (ASan/LSan: nothing leaks).
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

typedef struct fixture {
    trpc_server *srv;
    trpc_health *h;
    int port;
} fixture;

static void up(fixture *f, bool health)
{
    memset(f, 0, sizeof *f);
    trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 2);
    assert_int_equal(trpc_server_new(&f->srv, &o), TRPC_OK);
    if (health) {
        assert_int_equal(trpc_health_new(&f->h, f->srv), TRPC_OK);
    }
    assert_int_equal(echo__echo__serve(f->srv, &echo_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(f->srv, "127.0.0.1:0", &f->port), TRPC_OK);
    assert_int_equal(trpc_server_start(f->srv), TRPC_OK);
}

static trpc_channel *channel(const fixture *f, const char *service,
                             const trpc_client_interceptor *const *icpt, size_t nicpt)
{
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", f->port);
    trpc_channel *ch = NULL;
    trpc_channel_opts o = TRPC_CHANNEL_OPTS(.backoff_initial_ms = 100, .backoff_max_ms = 400,
                                            .health_check_service = service,
                                            .interceptors = icpt, .ninterceptors = nicpt);
    assert_int_equal(trpc_channel_new(&ch, target, &o), TRPC_OK);
    return ch;
}

/* One Unary call; its status, and its message in msg (when given). */
static trpc_status call(trpc_channel *ch, bool wait, int64_t timeout_ms, char *msg, size_t n)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "hi";
    Echo__EchoReply *reply = NULL;
    char *m = NULL;
    trpc_call_opts o =
        TRPC_CALL_OPTS(.timeout_ms = timeout_ms, .wait_for_ready = wait, .message = &m);
    trpc_status st = echo__echo__unary(echo__echo__client(ch), &req, &reply, &o);
    if (reply) {
        echo__echo_reply__free_unpacked(reply, NULL);
    }
    if (msg) {
        snprintf(msg, n, "%s", m ? m : "");
    }
    free(m);
    return st;
}

/* Calls until one fails (the change was heard), 10 s at most. */
static trpc_status until_refused(trpc_channel *ch, char *msg, size_t n)
{
    trpc_status st = TRPC_STATUS_OK;
    for (int i = 0; i < 1000 && st == TRPC_STATUS_OK; i++) {
        st = call(ch, false, 5000, msg, n);
        if (st == TRPC_STATUS_OK) {
            echo_sleep_ms(10);
        }
    }
    return st;
}

typedef struct waiter {
    trpc_channel *ch;
    atomic_int started;
    trpc_status st;
} waiter;

static void *wait_call(void *arg)
{
    waiter *w = arg;
    atomic_store(&w->started, 1);
    w->st = call(w->ch, true, 20000, NULL, 0);
    return NULL;
}

static void test_flip(void **state)
{
    (void)state;
    fixture f;
    up(&f, true);
    trpc_channel *ch = channel(&f, "", NULL, 0);
    assert_int_equal(call(ch, false, 5000, NULL, 0), TRPC_STATUS_OK);
    assert_int_equal(trpc_health_set(f.h, "", TRPC_HEALTH_NOT_SERVING), TRPC_OK);
    char msg[256];
    assert_int_equal(until_refused(ch, msg, sizeof msg), TRPC_STATUS_UNAVAILABLE);
    assert_non_null(strstr(msg, "no healthy address"));
    assert_non_null(strstr(msg, "NOT_SERVING"));
    /* waits for ready, and is served once SERVING is heard */
    waiter w = { .ch = ch };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_call, &w), 0);
    while (!atomic_load(&w.started)) {
        echo_sleep_ms(1);
    }
    echo_sleep_ms(200);
    assert_int_equal(trpc_health_set(f.h, "", TRPC_HEALTH_SERVING), TRPC_OK);
    pthread_join(th, NULL);
    assert_int_equal(w.st, TRPC_STATUS_OK);
    assert_int_equal(call(ch, false, 5000, NULL, 0), TRPC_STATUS_OK);
    trpc_channel_free(ch);
    trpc_server_free(f.srv);
}

static void test_deadline(void **state)
{
    (void)state;
    fixture f;
    up(&f, true);
    assert_int_equal(trpc_health_set(f.h, "", TRPC_HEALTH_NOT_SERVING), TRPC_OK);
    trpc_channel *ch = channel(&f, "", NULL, 0);
    assert_int_equal(call(ch, true, 300, NULL, 0), TRPC_STATUS_DEADLINE_EXCEEDED);
    char msg[256];
    assert_int_equal(call(ch, false, 5000, msg, sizeof msg), TRPC_STATUS_UNAVAILABLE);
    assert_non_null(strstr(msg, "NOT_SERVING"));
    trpc_channel_free(ch);
    trpc_server_free(f.srv);
}

static void test_no_health_service(void **state)
{
    (void)state;
    fixture f;
    up(&f, false);
    trpc_channel *ch = channel(&f, "", NULL, 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(call(ch, false, 5000, NULL, 0), TRPC_STATUS_OK);
    }
    trpc_channel_free(ch);
    trpc_server_free(f.srv);
}

static void test_named_service(void **state)
{
    (void)state;
    fixture f;
    up(&f, true);
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_SERVING), TRPC_OK);
    trpc_channel *ch = channel(&f, "echo.Echo", NULL, 0);
    assert_int_equal(call(ch, false, 5000, NULL, 0), TRPC_STATUS_OK);
    trpc_channel *other = channel(&f, "not.There", NULL, 0);
    char msg[256];
    assert_int_equal(call(other, false, 5000, msg, sizeof msg), TRPC_STATUS_UNAVAILABLE);
    assert_non_null(strstr(msg, "SERVICE_UNKNOWN"));
    /* the service appears: calls go */
    assert_int_equal(trpc_health_set(f.h, "not.There", TRPC_HEALTH_SERVING), TRPC_OK);
    assert_int_equal(call(other, true, 10000, NULL, 0), TRPC_STATUS_OK);
    trpc_channel_free(other);
    trpc_channel_free(ch);
    trpc_server_free(f.srv);
}

/* No server yet: a wait_for_ready call waits through the connection
 * backoff and the health check, and is served once a server with health
 * SERVING listens on the port. */
static void test_wait_through_backoff(void **state)
{
    (void)state;
    fixture f;
    up(&f, true);
    int port = f.port;
    trpc_server_free(f.srv); /* the port is free again */
    trpc_channel *ch = channel(&f, "", NULL, 0);
    assert_int_equal(call(ch, false, 5000, NULL, 0), TRPC_STATUS_UNAVAILABLE);
    waiter w = { .ch = ch };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_call, &w), 0);
    while (!atomic_load(&w.started)) {
        echo_sleep_ms(1);
    }
    echo_sleep_ms(300);
    trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 2);
    assert_int_equal(trpc_server_new(&f.srv, &o), TRPC_OK);
    assert_int_equal(trpc_health_new(&f.h, f.srv), TRPC_OK);
    assert_int_equal(echo__echo__serve(f.srv, &echo_impl, NULL), TRPC_OK);
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    assert_int_equal(trpc_server_listen(f.srv, addr, NULL), TRPC_OK);
    assert_int_equal(trpc_server_start(f.srv), TRPC_OK);
    pthread_join(th, NULL);
    assert_int_equal(w.st, TRPC_STATUS_OK);
    trpc_channel_free(ch);
    trpc_server_free(f.srv);
}

static atomic_int icpt_started, icpt_done;

static trpc_status count_start(const trpc_method *m, trpc_metadata *md, int64_t deadline,
                               const char **message, void *user)
{
    (void)md;
    (void)deadline;
    (void)message;
    (void)user;
    assert_null(strstr(m->path, "grpc.health"));
    atomic_fetch_add(&icpt_started, 1);
    return TRPC_STATUS_OK;
}

static void count_done(const trpc_method *m, trpc_status status, const char *message,
                       void *user)
{
    (void)status;
    (void)message;
    (void)user;
    assert_null(strstr(m->path, "grpc.health"));
    atomic_fetch_add(&icpt_done, 1);
}

static void test_interceptors_skip_watch(void **state)
{
    (void)state;
    fixture f;
    up(&f, true);
    const trpc_client_interceptor ic =
        TRPC_CLIENT_INTERCEPTOR(.on_start = count_start, .on_done = count_done);
    const trpc_client_interceptor *icpt[] = { &ic };
    trpc_channel *ch = channel(&f, "", icpt, 1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(call(ch, false, 5000, NULL, 0), TRPC_STATUS_OK);
    }
    trpc_channel_free(ch); /* with the Watch open */
    assert_int_equal(atomic_load(&icpt_started), 5);
    assert_int_equal(atomic_load(&icpt_done), 5);
    trpc_server_free(f.srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flip),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_no_health_service),
        cmocka_unit_test(test_wait_through_backoff),
        cmocka_unit_test(test_named_service),
        cmocka_unit_test(test_interceptors_skip_watch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
