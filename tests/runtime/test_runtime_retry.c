/*
 * test_runtime_retry.c: retries by policy (gRPC's A6; client/retry.c and
 * the retry path of client/stream.c), against typerpc servers in this
 * process whose SayHello fails its first calls with a chosen status (a
 * Trailers-Only answer, as gRPC servers send errors):
 *
 *   - a call that fails UNAVAILABLE twice succeeds on its third attempt;
 *     with more failures it ends after max_attempts attempts;
 *   - a status not in retryable_codes is not retried; a policy for another
 *     method does not apply, one for the whole service does;
 *   - the server's grpc-retry-pushback-ms: negative stops retrying, a
 *     number is waited;
 *   - the throttle: with max_tokens 4, retries stop once half the tokens
 *     are gone, and OK calls give tokens back;
 *   - with round_robin over two instances, one always failing UNAVAILABLE,
 *     every call succeeds (its retry goes to the other);
 *   - calls lost with their connection (a peer that drops every
 *     connection) are retried too: none fails with the policy, some
 *     without;
 *   - bad policies are refused by trpc_channel_new().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "helloworld.trpc.h"
#include "rt_util.h"

typedef struct behaviour {
    atomic_int calls;
    atomic_int fail_first;   /* this many calls fail ... */
    trpc_status code;        /* ... with this */
    const char *pushback;    /* and this grpc-retry-pushback-ms, if set */
} behaviour;

static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req, Helloworld__HelloReply *reply,
                             void *user)
{
    (void)req;
    behaviour *b = user;
    int n = atomic_fetch_add(&b->calls, 1) + 1;
    if (n <= atomic_load(&b->fail_first)) {
        if (b->pushback) {
            trpc_call_add_trailer(call->base, "grpc-retry-pushback-ms", b->pushback,
                                  strlen(b->pushback));
        }
        return trpc_call_error(call->base, b->code, "failure %d", n);
    }
    reply->message = "ok";
    return TRPC_STATUS_OK;
}

static const Helloworld__Greeter_Impl greeter = { .say_hello = say_hello };

static trpc_server *start(behaviour *b, int *port)
{
    trpc_server *srv = NULL;
    *port = 0;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(helloworld__greeter__serve(srv, &greeter, b), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    return srv;
}

static void stop(trpc_server *srv)
{
    trpc_server_shutdown(srv, 5000);
    trpc_server_free(srv);
}

static trpc_channel *channel(const char *target, const trpc_retry_policy *p, int max_tokens,
                             const char *lb)
{
    const trpc_retry_policy *ps[] = { p };
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, target,
                                      &TRPC_CHANNEL_OPTS(.retry_policies = ps,
                                                         .nretry_policies = p ? 1 : 0,
                                                         .retry_max_tokens = max_tokens,
                                                         .retry_token_ratio = 1,
                                                         .lb_policy = lb)),
                     TRPC_OK);
    return ch;
}

static trpc_status hello(trpc_channel *ch)
{
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    req.name = "retry";
    Helloworld__HelloReply *reply = NULL;
    trpc_status st = helloworld__greeter__say_hello(helloworld__greeter__client(ch), &req, &reply,
                                                    &TRPC_CALL_OPTS(.timeout_ms = 20000));
    if (reply) {
        helloworld__hello_reply__free_unpacked(reply, NULL);
    }
    return st;
}

static const trpc_retry_policy unavailable3 = TRPC_RETRY_POLICY(
    .max_attempts = 3, .initial_backoff_ms = 5, .max_backoff_ms = 20,
    .backoff_multiplier = 2, .retryable_codes = TRPC_RETRY_ON(TRPC_STATUS_UNAVAILABLE));

static void one_server(behaviour *b, const trpc_retry_policy *p, int max_tokens, int ncalls,
                       trpc_status want, int want_server_calls)
{
    int port;
    trpc_server *srv = start(b, &port);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    trpc_channel *ch = channel(target, p, max_tokens, NULL);
    for (int i = 0; i < ncalls; i++) {
        assert_int_equal(hello(ch), want);
    }
    assert_int_equal(atomic_load(&b->calls), want_server_calls);
    trpc_channel_free(ch);
    stop(srv);
}

static void t_retry_succeeds(void **state)
{
    (void)state;
    behaviour b = { .fail_first = 2, .code = TRPC_STATUS_UNAVAILABLE };
    one_server(&b, &unavailable3, 0, 1, TRPC_STATUS_OK, 3);
}

static void t_attempts_used_up(void **state)
{
    (void)state;
    behaviour b = { .fail_first = 100, .code = TRPC_STATUS_UNAVAILABLE };
    one_server(&b, &unavailable3, 0, 1, TRPC_STATUS_UNAVAILABLE, 3);
    /* no policy: one attempt */
    behaviour b2 = { .fail_first = 100, .code = TRPC_STATUS_UNAVAILABLE };
    one_server(&b2, NULL, 0, 1, TRPC_STATUS_UNAVAILABLE, 1);
}

static void t_not_retryable(void **state)
{
    (void)state;
    behaviour b = { .fail_first = 1, .code = TRPC_STATUS_INTERNAL };
    one_server(&b, &unavailable3, 0, 1, TRPC_STATUS_INTERNAL, 1);
}

static void t_policy_scope(void **state)
{
    (void)state;
    trpc_retry_policy other = unavailable3;
    other.service = "helloworld.Greeter";
    other.method = "SayGoodbye";
    behaviour b = { .fail_first = 1, .code = TRPC_STATUS_UNAVAILABLE };
    one_server(&b, &other, 0, 1, TRPC_STATUS_UNAVAILABLE, 1);
    trpc_retry_policy svc = unavailable3;
    svc.service = "helloworld.Greeter";
    behaviour b2 = { .fail_first = 1, .code = TRPC_STATUS_UNAVAILABLE };
    one_server(&b2, &svc, 0, 1, TRPC_STATUS_OK, 2);
    trpc_retry_policy meth = svc;
    meth.method = "SayHello";
    behaviour b3 = { .fail_first = 1, .code = TRPC_STATUS_UNAVAILABLE };
    one_server(&b3, &meth, 0, 1, TRPC_STATUS_OK, 2);
}

static void t_pushback(void **state)
{
    (void)state;
    behaviour b = { .fail_first = 1, .code = TRPC_STATUS_UNAVAILABLE, .pushback = "-1" };
    one_server(&b, &unavailable3, 0, 1, TRPC_STATUS_UNAVAILABLE, 1);
    behaviour b2 = { .fail_first = 1, .code = TRPC_STATUS_UNAVAILABLE, .pushback = "x" };
    one_server(&b2, &unavailable3, 0, 1, TRPC_STATUS_UNAVAILABLE, 1);
    behaviour b3 = { .fail_first = 2, .code = TRPC_STATUS_UNAVAILABLE, .pushback = "10" };
    one_server(&b3, &unavailable3, 0, 1, TRPC_STATUS_OK, 3);
}

static void t_throttle(void **state)
{
    (void)state;
    trpc_retry_policy five = unavailable3;
    five.max_attempts = 5;
    /* tokens 4: the first failure leaves 3 (> 2: retried), the second 2
     * (throttled); the next call's failure leaves 1: not retried */
    behaviour b = { .fail_first = 100, .code = TRPC_STATUS_UNAVAILABLE };
    one_server(&b, &five, 4, 2, TRPC_STATUS_UNAVAILABLE, 3);

    /* OK calls give tokens back (ratio 1) */
    behaviour b2 = { .fail_first = 2, .code = TRPC_STATUS_UNAVAILABLE };
    int port;
    trpc_server *srv = start(&b2, &port);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    trpc_channel *ch = channel(target, &five, 4, NULL);
    /* fails (tokens 3: retried), fails (tokens 2: throttled) */
    assert_int_equal(hello(ch), TRPC_STATUS_UNAVAILABLE);
    assert_int_equal(atomic_load(&b2.calls), 2);
    /* two OK calls: tokens 4 */
    assert_int_equal(hello(ch), TRPC_STATUS_OK);
    assert_int_equal(hello(ch), TRPC_STATUS_OK);
    /* one failure (tokens 3): retried, and the retry succeeds */
    atomic_store(&b2.fail_first, 5);
    assert_int_equal(hello(ch), TRPC_STATUS_OK);
    assert_int_equal(atomic_load(&b2.calls), 6);
    trpc_channel_free(ch);
    stop(srv);
}

static void t_round_robin_retry_elsewhere(void **state)
{
    (void)state;
    behaviour bad = { .fail_first = 1000000, .code = TRPC_STATUS_UNAVAILABLE };
    behaviour good = { 0 };
    int p1, p2;
    trpc_server *s1 = start(&bad, &p1), *s2 = start(&good, &p2);
    char target[96];
    snprintf(target, sizeof target, "ipv4:127.0.0.1:%d,127.0.0.1:%d", p1, p2);
    trpc_channel *ch = channel(target, &unavailable3, 0, "round_robin");
    int failed = 0;
    for (int i = 0; i < 100; i++) {
        failed += hello(ch) != TRPC_STATUS_OK;
    }
    print_message("round_robin with retries: bad answered %d, good %d, failed %d\n",
                  atomic_load(&bad.calls), atomic_load(&good.calls), failed);
    assert_int_equal(failed, 0);
    assert_int_equal(atomic_load(&good.calls), 100);
    assert_true(atomic_load(&bad.calls) > 0);
    trpc_channel_free(ch);
    stop(s1);
    stop(s2);
}

/* A peer that accepts connections and closes each once a call has come
 * on it: every call sent there is lost with its connection. */
typedef struct dropper {
    int lfd, port;
    pthread_t th;
    atomic_bool stop;
    atomic_int dropped;
} dropper;

static void *dropper_main(void *arg)
{
    dropper *d = arg;
    while (!atomic_load(&d->stop)) {
        int fd = accept(d->lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        /* the preface, SETTINGS and WINDOW_UPDATE are some 60 bytes; a
         * call's HEADERS and DATA come after: drop once one is here */
        char buf[4096];
        size_t got = 0;
        struct timeval tv = { 1, 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        for (ssize_t n; got < 120 && (n = read(fd, buf, sizeof buf)) > 0;) {
            got += (size_t)n;
        }
        if (got >= 120) {
            atomic_fetch_add(&d->dropped, 1);
        }
        close(fd);
    }
    return NULL;
}

static void dropper_start(dropper *d)
{
    memset(d, 0, sizeof *d);
    d->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(d->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(d->lfd, 16), 0);
    getsockname(d->lfd, (struct sockaddr *)&sa, &sl);
    d->port = ntohs(sa.sin_port);
    struct timeval tv = { 0, 100000 }; /* accept() wakes to see stop */
    setsockopt(d->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(pthread_create(&d->th, NULL, dropper_main, d), 0);
}

static void dropper_stop(dropper *d)
{
    atomic_store(&d->stop, true);
    pthread_join(d->th, NULL);
    close(d->lfd);
}

/* Calls lost with their connection (UNAVAILABLE, nothing committed) are
 * retried too: with round_robin over a peer that drops every connection
 * and a good server, no call fails with the policy, and some do without. */
static int lost_run(const trpc_retry_policy *p, int *dropped)
{
    dropper d;
    dropper_start(&d);
    behaviour good = { 0 };
    int port;
    trpc_server *srv = start(&good, &port);
    char target[96];
    snprintf(target, sizeof target, "ipv4:127.0.0.1:%d,127.0.0.1:%d", d.port, port);
    trpc_channel *ch = channel(target, p, 0, "round_robin");
    int failed = 0;
    for (int i = 0; i < 40; i++) {
        failed += hello(ch) != TRPC_STATUS_OK;
    }
    trpc_channel_free(ch);
    stop(srv);
    dropper_stop(&d);
    *dropped = atomic_load(&d.dropped);
    return failed;
}

static void t_retry_connection_lost(void **state)
{
    (void)state;
    int dropped;
    int failed = lost_run(&unavailable3, &dropped);
    print_message("with the policy: %d calls failed, %d connections dropped\n", failed,
                  dropped);
    assert_int_equal(failed, 0);
    assert_true(dropped > 0);
    failed = lost_run(NULL, &dropped);
    print_message("without: %d calls failed, %d connections dropped\n", failed, dropped);
    assert_true(failed > 0);
}

static void t_bad_policies(void **state)
{
    (void)state;
    trpc_retry_policy bad[] = {
        TRPC_RETRY_POLICY(.max_attempts = 1,
                          .retryable_codes = TRPC_RETRY_ON(TRPC_STATUS_UNAVAILABLE)),
        TRPC_RETRY_POLICY(.max_attempts = 3),
        TRPC_RETRY_POLICY(.max_attempts = 3, .method = "SayHello",
                          .retryable_codes = TRPC_RETRY_ON(TRPC_STATUS_UNAVAILABLE)),
        TRPC_RETRY_POLICY(.max_attempts = 3, .initial_backoff_ms = -1,
                          .retryable_codes = TRPC_RETRY_ON(TRPC_STATUS_UNAVAILABLE)),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const trpc_retry_policy *ps[] = { &bad[i] };
        trpc_channel *ch = NULL;
        assert_int_equal(trpc_channel_new(&ch, "127.0.0.1:1",
                                          &TRPC_CHANNEL_OPTS(.retry_policies = ps,
                                                             .nretry_policies = 1)),
                         TRPC_EINVAL);
    }
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, "127.0.0.1:1",
                                      &TRPC_CHANNEL_OPTS(.nretry_policies = 1)),
                     TRPC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_retry_succeeds),
        cmocka_unit_test(t_attempts_used_up),
        cmocka_unit_test(t_not_retryable),
        cmocka_unit_test(t_policy_scope),
        cmocka_unit_test(t_pushback),
        cmocka_unit_test(t_throttle),
        cmocka_unit_test(t_round_robin_retry_elsewhere),
        cmocka_unit_test(t_retry_connection_lost),
        cmocka_unit_test(t_bad_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
