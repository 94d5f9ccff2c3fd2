/*
 * test_runtime_lb.c: client-side load balancing over a target's address
 * list (client/targets.c, client/lb.c), end to end against real typerpc
 * servers in this process, each answering "Hello NAME from ID":
 *
 *   - bad "ipv4:"/"ipv6:" lists and an unknown lb_policy are refused;
 *   - round_robin spreads 300 calls over three instances (100 +/- 10 each);
 *   - pick_first sends every call to the first address of the list, and
 *     past an address where nothing listens without a failed call;
 *   - round_robin skips an address where nothing listens (0 failed calls);
 *   - one instance stopped gracefully (GOAWAY, then its listener closes)
 *     while four threads call: 0 failed calls, and none go to it after;
 *   - pick_first: the first instance stopped gracefully under load: 0
 *     failed calls, the second takes over (not the third);
 *   - an instance stopped and started again on its port gets calls again
 *     once its backoff (short here, through the options) is over;
 *   - "ipv6:[::1]:P,..." lists, and "dns:///localhost:P" to a server that
 *     listens on both 127.0.0.1 and ::1 (each skipped when ::1 is not
 *     available);
 *   - a name with three A records (a DNS server this program runs,
 *     libevent's evdns server, named by "dns://127.0.0.1:D/pool.test:P";
 *     instances on 127.0.0.1-3, port P): round_robin spreads over all
 *     three; a record removed stops its calls after a re-resolution (the
 *     interval, short here), and added back brings them back.
 *
 * Instances killed outright (SIGKILL) are tests/lb/run.sh's: they need
 * processes.  No timing is asserted: "mid-load" is "after some calls have
 * succeeded, while the threads still call".
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
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "helloworld.trpc.h"
#include "rt_util.h"

static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req, Helloworld__HelloReply *reply,
                             void *user)
{
    size_t n = strlen(req->name) + strlen(user) + 16;
    reply->message = trpc_call_alloc(call->base, n);
    if (!reply->message) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    snprintf(reply->message, n, "Hello %s from %s", req->name, (const char *)user);
    return TRPC_STATUS_OK;
}

static const Helloworld__Greeter_Impl greeter = { .say_hello = say_hello };
static char *const ids[] = { "a", "b", "c" };

/* A server answering as id on addr ("127.0.0.1:0", or a fixed port);
 * NULL when addr cannot be listened on (::1 missing). */
static trpc_server *start_at(const char *addr, const char *id, int *port)
{
    trpc_server *srv = NULL;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(helloworld__greeter__serve(srv, &greeter, (void *)id), TRPC_OK);
    if (trpc_server_listen(srv, addr, port) != TRPC_OK) {
        trpc_server_free(srv);
        return NULL;
    }
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    return srv;
}

static void stop(trpc_server *srv)
{
    trpc_server_shutdown(srv, 5000);
    trpc_server_free(srv);
}

typedef struct three {
    trpc_server *srv[3];
    int port[3];
} three;

static void start3(three *t)
{
    for (int i = 0; i < 3; i++) {
        t->port[i] = 0;
        t->srv[i] = start_at("127.0.0.1:0", ids[i], &t->port[i]);
        assert_non_null(t->srv[i]);
    }
}

static void stop3(three *t)
{
    for (int i = 0; i < 3; i++) {
        if (t->srv[i]) {
            stop(t->srv[i]);
        }
    }
}

static trpc_channel *channel(const char *target, const char *policy)
{
    trpc_channel_opts o = TRPC_CHANNEL_OPTS(.backoff_initial_ms = 50, .backoff_max_ms = 200,
                                            .lb_policy = policy);
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, target, &o), TRPC_OK);
    return ch;
}

/* One call: the index of the instance that answered (0..2), or -1 when it
 * failed. */
static int hello(trpc_channel *ch)
{
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    req.name = "lb";
    Helloworld__HelloReply *reply = NULL;
    char *msg = NULL;
    trpc_status st = helloworld__greeter__say_hello(
        helloworld__greeter__client(ch), &req, &reply,
        &TRPC_CALL_OPTS(.timeout_ms = 20000, .message = &msg));
    if (st != TRPC_STATUS_OK) {
        print_message("call failed: %s: %s\n", trpc_status_name(st), msg ? msg : "");
        free(msg);
        return -1;
    }
    int who = -1;
    for (int i = 0; i < 3; i++) {
        char want[32];
        snprintf(want, sizeof want, "Hello lb from %s", ids[i]);
        if (strcmp(reply->message, want) == 0) {
            who = i;
        }
    }
    assert_int_not_equal(who, -1);
    helloworld__hello_reply__free_unpacked(reply, NULL);
    return who;
}

static void calls(trpc_channel *ch, int n, int count[3], int *failed)
{
    for (int i = 0; i < n; i++) {
        int who = hello(ch);
        if (who < 0) {
            (*failed)++;
        } else {
            count[who]++;
        }
    }
}

static void list3(char *buf, size_t n, const three *t, int a, int b, int c)
{
    snprintf(buf, n, "ipv4:127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d", t->port[a], t->port[b],
             t->port[c]);
}

/* A port where nothing listens (a server's, after it stopped). */
static int dead_port(void)
{
    int p = 0;
    trpc_server *srv = start_at("127.0.0.1:0", "x", &p);
    assert_non_null(srv);
    stop(srv);
    return p;
}

/* ---- the tests ---------------------------------------------------------------------- */

static void t_bad_targets(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "ipv4:",                    "ipv4:127.0.0.1:1,",    "ipv4:localhost:1",
        "ipv4:::1",                 "ipv4:127.0.0.1:99999", "ipv4:127.0.0.1:x",
        "ipv6:",                    "ipv6:127.0.0.1",       "ipv6:[::1]x",
        "ipv6:[::1]:1,,[::1]:2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        trpc_channel *ch = NULL;
        print_message("%s\n", bad[i]);
        assert_int_equal(trpc_channel_new(&ch, bad[i], NULL), TRPC_EADDR);
        assert_null(ch);
    }
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, "ipv4:127.0.0.1:1",
                                      &TRPC_CHANNEL_OPTS(.lb_policy = "random")),
                     TRPC_EINVAL);
    /* good ones: the port defaults to 443; nothing connects yet */
    static const char *const good[] = { "ipv4:127.0.0.1", "ipv4:127.0.0.1:1,10.0.0.1",
                                        "ipv6:::1", "ipv6:[::1]:5,::2,[::3]" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(trpc_channel_new(&ch, good[i],
                                          &TRPC_CHANNEL_OPTS(.lb_policy = "round_robin")),
                         TRPC_OK);
        trpc_channel_free(ch);
    }
}

static void t_round_robin_spreads(void **state)
{
    (void)state;
    three t;
    start3(&t);
    char target[128];
    list3(target, sizeof target, &t, 0, 1, 2);
    trpc_channel *ch = channel(target, "round_robin");
    int count[3] = { 0 }, failed = 0;
    calls(ch, 300, count, &failed);
    print_message("round_robin: a %d, b %d, c %d, failed %d\n", count[0], count[1], count[2],
                  failed);
    assert_int_equal(failed, 0);
    for (int i = 0; i < 3; i++) {
        assert_in_range(count[i], 90, 110);
    }
    trpc_channel_free(ch);
    stop3(&t);
}

static void t_pick_first(void **state)
{
    (void)state;
    three t;
    start3(&t);
    char target[128];
    list3(target, sizeof target, &t, 1, 0, 2); /* b first */
    trpc_channel *ch = channel(target, NULL);
    int count[3] = { 0 }, failed = 0;
    calls(ch, 300, count, &failed);
    assert_int_equal(failed, 0);
    assert_int_equal(count[1], 300);
    trpc_channel_free(ch);

    /* nothing at the first address: the second takes every call */
    snprintf(target, sizeof target, "ipv4:127.0.0.1:%d,127.0.0.1:%d", dead_port(), t.port[2]);
    ch = channel(target, "pick_first");
    memset(count, 0, sizeof count);
    calls(ch, 50, count, &failed);
    assert_int_equal(failed, 0);
    assert_int_equal(count[2], 50);
    trpc_channel_free(ch);
    stop3(&t);
}

static void t_round_robin_skips_dead(void **state)
{
    (void)state;
    three t;
    start3(&t);
    char target[128];
    snprintf(target, sizeof target, "ipv4:127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d", dead_port(),
             t.port[0], t.port[1]);
    trpc_channel *ch = channel(target, "round_robin");
    int count[3] = { 0 }, failed = 0;
    calls(ch, 100, count, &failed);
    print_message("dead, a, b: a %d, b %d, failed %d\n", count[0], count[1], failed);
    assert_int_equal(failed, 0);
    assert_in_range(count[0], 40, 60);
    assert_in_range(count[1], 40, 60);
    trpc_channel_free(ch);
    stop3(&t);
}

/* Threads calling until told to stop, counting who answered. */
typedef struct load {
    trpc_channel *ch;
    atomic_int count[3];
    atomic_int failed;
    atomic_int done;
    atomic_bool stop;
} load;

static void *load_main(void *arg)
{
    load *l = arg;
    while (!atomic_load(&l->stop)) {
        int who = hello(l->ch);
        if (who < 0) {
            atomic_fetch_add(&l->failed, 1);
        } else {
            atomic_fetch_add(&l->count[who], 1);
        }
        atomic_fetch_add(&l->done, 1);
    }
    return NULL;
}

static void wait_done(load *l, int n)
{
    while (atomic_load(&l->done) < n) {
        usleep(1000);
    }
}

static void t_graceful_stop_midload(void **state)
{
    (void)state;
    three t;
    start3(&t);
    char target[128];
    list3(target, sizeof target, &t, 0, 1, 2);
    load l = { .ch = channel(target, "round_robin") };
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, load_main, &l), 0);
    }
    wait_done(&l, 150);
    stop(t.srv[1]); /* GOAWAY, calls in flight finish, the listener closes */
    t.srv[1] = NULL;
    int after = atomic_load(&l.done);
    wait_done(&l, after + 150);
    atomic_store(&l.stop, true);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    print_message("graceful stop of b: a %d, b %d, c %d, failed %d\n",
                  atomic_load(&l.count[0]), atomic_load(&l.count[1]), atomic_load(&l.count[2]),
                  atomic_load(&l.failed));
    assert_int_equal(atomic_load(&l.failed), 0);
    assert_true(atomic_load(&l.count[1]) > 0);
    /* after: a and c only */
    int count[3] = { 0 }, failed = 0;
    calls(l.ch, 60, count, &failed);
    assert_int_equal(failed, 0);
    assert_int_equal(count[1], 0);
    assert_in_range(count[0], 20, 40);
    trpc_channel_free(l.ch);
    stop3(&t);
}

/* pick_first: the first instance stopped gracefully under load; its
 * calls move to the next address without a failure. */
static void t_pick_first_failover(void **state)
{
    (void)state;
    three t;
    start3(&t);
    char target[128];
    list3(target, sizeof target, &t, 0, 1, 2);
    load l = { .ch = channel(target, "pick_first") };
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, load_main, &l), 0);
    }
    wait_done(&l, 100);
    stop(t.srv[0]);
    t.srv[0] = NULL;
    int after = atomic_load(&l.done);
    wait_done(&l, after + 100);
    atomic_store(&l.stop, true);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    print_message("pick_first, a stopped: a %d, b %d, c %d, failed %d\n",
                  atomic_load(&l.count[0]), atomic_load(&l.count[1]), atomic_load(&l.count[2]),
                  atomic_load(&l.failed));
    assert_int_equal(atomic_load(&l.failed), 0);
    assert_true(atomic_load(&l.count[0]) > 0);
    assert_true(atomic_load(&l.count[1]) > 0);
    assert_int_equal(atomic_load(&l.count[2]), 0); /* b took over, not c */
    trpc_channel_free(l.ch);
    stop3(&t);
}

static void t_restart_rejoins(void **state)
{
    (void)state;
    three t;
    start3(&t);
    char target[128];
    list3(target, sizeof target, &t, 0, 1, 2);
    trpc_channel *ch = channel(target, "round_robin");
    int count[3] = { 0 }, failed = 0;
    calls(ch, 30, count, &failed);
    assert_int_equal(failed, 0);
    assert_in_range(count[1], 8, 12); /* +-1 while the connections come up */
    stop(t.srv[1]);
    t.srv[1] = NULL;
    memset(count, 0, sizeof count);
    calls(ch, 60, count, &failed);
    assert_int_equal(failed, 0);
    assert_int_equal(count[1], 0);
    /* b again, on its port: it gets calls once its backoff is over */
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", t.port[1]);
    t.srv[1] = start_at(addr, ids[1], NULL);
    assert_non_null(t.srv[1]);
    memset(count, 0, sizeof count);
    for (int i = 0; i < 20000 && count[1] < 10; i++) {
        calls(ch, 1, count, &failed);
        if (count[1] == 0) {
            usleep(1000);
        }
    }
    print_message("after the restart: a %d, b %d, c %d, failed %d\n", count[0], count[1],
                  count[2], failed);
    assert_int_equal(failed, 0);
    assert_int_equal(count[1], 10);
    trpc_channel_free(ch);
    stop3(&t);
}

static void t_ipv6_list(void **state)
{
    (void)state;
    int p[2] = { 0, 0 };
    trpc_server *a = start_at("[::1]:0", ids[0], &p[0]);
    if (!a) {
        skip(); /* no ::1 here */
    }
    trpc_server *b = start_at("[::1]:0", ids[1], &p[1]);
    assert_non_null(b);
    char target[128];
    snprintf(target, sizeof target, "ipv6:[::1]:%d,[::1]:%d", p[0], p[1]);
    trpc_channel *ch = channel(target, "round_robin");
    int count[3] = { 0 }, failed = 0;
    calls(ch, 40, count, &failed);
    assert_int_equal(failed, 0);
    assert_in_range(count[0], 15, 25);
    assert_in_range(count[1], 15, 25);
    trpc_channel_free(ch);
    stop(a);
    stop(b);
}

/* "unix:PATH" and the naming spec's "unix://ABSOLUTE_PATH" */
static void t_unix_targets(void **state)
{
    (void)state;
    char path[64], addr[80], target[90];
    snprintf(path, sizeof path, "/tmp/trpc-lb-%d.sock", (int)getpid());
    snprintf(addr, sizeof addr, "unix:%s", path);
    unlink(path);
    trpc_server *srv = start_at(addr, ids[2], NULL);
    assert_non_null(srv);
    int count[3] = { 0 }, failed = 0;
    for (int i = 0; i < 2; i++) {
        snprintf(target, sizeof target, i ? "unix://%s" : "unix:%s", path);
        trpc_channel *ch = channel(target, i ? "round_robin" : NULL);
        calls(ch, 5, count, &failed);
        trpc_channel_free(ch);
    }
    assert_int_equal(failed, 0);
    assert_int_equal(count[2], 10);
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, "unix://relative.sock", NULL), TRPC_EADDR);
    stop(srv);
    unlink(path);
}

static void t_dns_localhost_both(void **state)
{
    (void)state;
    int port = 0;
    trpc_server *srv = NULL;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(helloworld__greeter__serve(srv, &greeter, ids[0]), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", &port), TRPC_OK);
    char v6[32];
    snprintf(v6, sizeof v6, "[::1]:%d", port);
    bool have_v6 = trpc_server_listen(srv, v6, NULL) == TRPC_OK;
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    char target[64];
    snprintf(target, sizeof target, "dns:///localhost:%d", port);
    int count[3] = { 0 }, failed = 0;
    for (int i = 0; i < 2; i++) {
        trpc_channel *ch = channel(target, i ? "round_robin" : NULL);
        calls(ch, 10, count, &failed);
        trpc_channel_free(ch);
    }
    assert_int_equal(failed, 0);
    assert_int_equal(count[0], 20);
    if (have_v6) {
        snprintf(target, sizeof target, "ipv6:[::1]:%d", port);
        trpc_channel *ch = channel(target, NULL);
        calls(ch, 5, count, &failed);
        trpc_channel_free(ch);
        assert_int_equal(failed, 0);
    } else {
        print_message("no ::1 here: only 127.0.0.1 was tried\n");
    }
    stop(srv);
}

/* ---- a name with several A records ---------------------------------------------- */

typedef struct dns_srv {
    struct event_base *base;
    struct evdns_server_port *sp;
    int fd, port;
    pthread_t th;
    atomic_int n_a; /* pool.test: A 127.0.0.1 .. 127.0.0.<n_a> */
} dns_srv;

static dns_srv dns;

static void dns_request(struct evdns_server_request *req, void *arg)
{
    dns_srv *d = arg;
    if (req->nquestions != 1) {
        evdns_server_request_respond(req, DNS_ERR_FORMAT);
        return;
    }
    const struct evdns_server_question *q = req->questions[0];
    if (strcasecmp(q->name, "pool.test") != 0) {
        evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
        return;
    }
    if (q->type == EVDNS_TYPE_A) {
        uint32_t addrs[3] = { htonl(0x7f000001), htonl(0x7f000002), htonl(0x7f000003) };
        evdns_server_request_add_a_reply(req, q->name, atomic_load(&d->n_a), addrs, 0);
    }
    evdns_server_request_respond(req, DNS_ERR_NONE);
}

static void *dns_main(void *arg)
{
    dns_srv *d = arg;
    event_base_loop(d->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void dns_start(void)
{
    evthread_use_pthreads();
    memset(&dns, 0, sizeof dns);
    dns.fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    assert_true(dns.fd >= 0);
    assert_int_equal(bind(dns.fd, (struct sockaddr *)&sa, sizeof sa), 0);
    getsockname(dns.fd, (struct sockaddr *)&sa, &sl);
    dns.port = ntohs(sa.sin_port);
    evutil_make_socket_nonblocking(dns.fd);
    dns.base = event_base_new();
    assert_non_null(dns.base);
    dns.sp = evdns_add_server_port_with_base(dns.base, dns.fd, 0, dns_request, &dns);
    assert_non_null(dns.sp);
    assert_int_equal(pthread_create(&dns.th, NULL, dns_main, &dns), 0);
}

static void dns_close(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    dns_srv *d = arg;
    evdns_close_server_port(d->sp);
    event_base_loopbreak(d->base);
}

static void dns_stop(void)
{
    event_base_once(dns.base, -1, EV_TIMEOUT, dns_close, &dns, NULL);
    pthread_join(dns.th, NULL);
    event_base_free(dns.base);
    close(dns.fd);
}

/* Calls in batches of 30 until want(count of the batch) or about 20 s of
 * batches; returns whether want held. */
static bool batches_until(trpc_channel *ch, bool (*want)(const int count[3]))
{
    for (int i = 0; i < 2000; i++) {
        int count[3] = { 0 }, failed = 0;
        calls(ch, 30, count, &failed);
        assert_int_equal(failed, 0);
        if (want(count)) {
            return true;
        }
        usleep(10000);
    }
    return false;
}

static bool without_c(const int count[3]) { return count[2] == 0 && count[0] && count[1]; }
static bool with_c(const int count[3]) { return count[2] > 0; }

static void t_dns_round_robin(void **state)
{
    (void)state;
    three t;
    t.port[0] = 0;
    t.srv[0] = start_at("127.0.0.1:0", ids[0], &t.port[0]);
    assert_non_null(t.srv[0]);
    for (int i = 1; i < 3; i++) {
        char addr[32];
        snprintf(addr, sizeof addr, "127.0.0.%d:%d", i + 1, t.port[0]);
        t.srv[i] = start_at(addr, ids[i], NULL);
        if (!t.srv[i]) {
            for (int k = 0; k < i; k++) {
                stop(t.srv[k]);
            }
            skip(); /* 127.0.0.2-3 not usable here, or the port is taken */
        }
    }
    dns_start();
    atomic_store(&dns.n_a, 3);
    char target[128];
    snprintf(target, sizeof target, "dns://127.0.0.1:%d/pool.test:%d", dns.port, t.port[0]);
    trpc_channel_opts o = TRPC_CHANNEL_OPTS(.backoff_initial_ms = 50, .backoff_max_ms = 200,
                                            .lb_policy = "round_robin",
                                            .resolve_interval_ms = 50);
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, target, &o), TRPC_OK);
    int count[3] = { 0 }, failed = 0;
    calls(ch, 300, count, &failed);
    print_message("pool.test, 3 records: a %d, b %d, c %d, failed %d\n", count[0], count[1],
                  count[2], failed);
    assert_int_equal(failed, 0);
    for (int i = 0; i < 3; i++) {
        assert_in_range(count[i], 90, 110);
    }
    atomic_store(&dns.n_a, 2); /* 127.0.0.3 (c) leaves the name */
    assert_true(batches_until(ch, without_c));
    atomic_store(&dns.n_a, 3); /* and comes back */
    assert_true(batches_until(ch, with_c));
    trpc_channel_free(ch);

    /* pick_first (the default) on the same name: one instance takes all */
    assert_int_equal(trpc_channel_new(&ch, target, &TRPC_CHANNEL_OPTS(.lb_policy = NULL)),
                     TRPC_OK);
    memset(count, 0, sizeof count);
    calls(ch, 30, count, &failed);
    assert_int_equal(failed, 0);
    assert_true(count[0] == 30 || count[1] == 30 || count[2] == 30);
    trpc_channel_free(ch);
    dns_stop();
    stop3(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_bad_targets),
        cmocka_unit_test(t_round_robin_spreads),
        cmocka_unit_test(t_pick_first),
        cmocka_unit_test(t_round_robin_skips_dead),
        cmocka_unit_test(t_graceful_stop_midload),
        cmocka_unit_test(t_pick_first_failover),
        cmocka_unit_test(t_restart_rejoins),
        cmocka_unit_test(t_ipv6_list),
        cmocka_unit_test(t_unix_targets),
        cmocka_unit_test(t_dns_localhost_both),
        cmocka_unit_test(t_dns_round_robin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
