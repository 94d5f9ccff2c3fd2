/*
 * test_runtime_channel.c: what a channel does before and around its calls:
 * name resolution (evdns), cancellation tokens and wait_for_ready.
 *
 * Names: "localhost:PORT" resolves through the hosts file; the other cases
 * ask a DNS server this program runs (libevent's evdns server on a UDP
 * socket, named by the target "dns://127.0.0.1:P/name:port", so nothing
 * depends on the machine's resolver or network): a name with two A
 * records, the first refusing connections, is reached through the second,
 * both A and AAAA are asked, a new connection asks again, a name that does
 * not exist fails the calls UNAVAILABLE naming it, and a lookup that never
 * answers leaves the loop running (a call's deadline fires) and is
 * cancelled when the channel is freed.
 *
 * Tokens: cancelled from another thread, a token ends a blocking unary
 * call, a bidi stream blocked in recv and async calls, all CANCELLED, and
 * the server sees each call cancelled; a call started with a cancelled
 * token fails at once without reaching the network; a token may be freed
 * while calls still use it; threads racing calls and cancellation.
 *
 * wait_for_ready: a call made while nothing listens waits and succeeds when
 * the server comes up (a call without it fails at once); it ends at its
 * deadline, or when cancelled, or when the channel is freed.
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
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "echo_impl.h"
#include "rt_util.h"

#define BIDI (&echo__echo__trpc_methods[3]) /* echo.Echo/Bidi */

static trpc_server *serve_at(const char *addr, int *port, const trpc_server_opts *o)
{
    trpc_server *srv = NULL;
    assert_int_equal(trpc_server_new(&srv, o), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, addr, port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    echo_impl_reset();
    return srv;
}

static trpc_server *serve(int *port) { return serve_at("127.0.0.1:0", port, NULL); }

static trpc_status echo_text(trpc_channel *ch, const char *text, const trpc_call_opts *o)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = (char *)text;
    Echo__EchoReply *reply = NULL;
    trpc_status st = echo__echo__unary(echo__echo__client(ch), &req, &reply, o);
    if (st == TRPC_STATUS_OK) {
        assert_string_equal(reply->text, text);
        echo__echo_reply__free_unpacked(reply, NULL);
    }
    return st;
}

/* ---- a DNS server ------------------------------------------------------------------------ */

typedef struct dns_srv {
    struct event_base *base;
    struct evdns_server_port *sp;
    int fd, port;
    pthread_t th;
    atomic_int a_queries, aaaa_queries; /* for svc.test */
    atomic_int slow_queries;
    struct evdns_server_request *held[16]; /* slow.test: never answered */
    int nheld;
} dns_srv;

static dns_srv dns;

/*   svc.test   A 127.0.0.3 (nothing listens there), 127.0.0.1; no AAAA
 *   slow.test  never answered
 *   anything else  NXDOMAIN */
static void dns_request(struct evdns_server_request *req, void *arg)
{
    dns_srv *d = arg;
    if (req->nquestions != 1) {
        evdns_server_request_respond(req, DNS_ERR_FORMAT);
        return;
    }
    const struct evdns_server_question *q = req->questions[0];
    if (strcasecmp(q->name, "svc.test") == 0) {
        if (q->type == EVDNS_TYPE_A) {
            atomic_fetch_add(&d->a_queries, 1);
            uint32_t addrs[2] = { htonl(0x7f000003), htonl(INADDR_LOOPBACK) };
            evdns_server_request_add_a_reply(req, q->name, 2, addrs, 10);
        } else if (q->type == EVDNS_TYPE_AAAA) {
            atomic_fetch_add(&d->aaaa_queries, 1);
        }
        evdns_server_request_respond(req, DNS_ERR_NONE);
    } else if (strcasecmp(q->name, "slow.test") == 0 && d->nheld < 16) {
        atomic_fetch_add(&d->slow_queries, 1);
        d->held[d->nheld++] = req;
    } else {
        evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
    }
}

static void *dns_main(void *arg)
{
    dns_srv *d = arg;
    event_base_loop(d->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static int dns_setup(void **state)
{
    (void)state;
    evthread_use_pthreads();
    memset(&dns, 0, sizeof dns);
    dns.fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    if (dns.fd < 0 || bind(dns.fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        return -1;
    }
    getsockname(dns.fd, (struct sockaddr *)&sa, &sl);
    dns.port = ntohs(sa.sin_port);
    evutil_make_socket_nonblocking(dns.fd);
    dns.base = event_base_new();
    dns.sp = evdns_add_server_port_with_base(dns.base, dns.fd, 0, dns_request, &dns);
    if (!dns.base || !dns.sp || pthread_create(&dns.th, NULL, dns_main, &dns) != 0) {
        return -1;
    }
    return 0;
}

static void dns_drop_held(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    dns_srv *d = arg;
    for (int i = 0; i < d->nheld; i++) {
        evdns_server_request_drop(d->held[i]);
    }
    d->nheld = 0;
    evdns_close_server_port(d->sp);
    event_base_loopbreak(d->base);
}

static int dns_teardown(void **state)
{
    (void)state;
    /* On the server's own thread: drop what it holds, close, stop. */
    event_base_once(dns.base, -1, EV_TIMEOUT, dns_drop_held, &dns, NULL);
    pthread_join(dns.th, NULL);
    event_base_free(dns.base);
    close(dns.fd);
    return 0;
}

static trpc_channel *dns_channel(const char *name, int port, const trpc_channel_opts *o)
{
    char target[128];
    snprintf(target, sizeof target, "dns://127.0.0.1:%d/%s:%d", dns.port, name, port);
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, target, o), TRPC_OK);
    return ch;
}

static const trpc_channel_opts fast_backoff = TRPC_CHANNEL_OPTS(.backoff_initial_ms = 20,
                                                                .backoff_max_ms = 100);

/* ---- name resolution --------------------------------------------------------------------- */

static void test_resolve_localhost(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port);
    trpc_channel *ch = rt_channel("localhost:%d", port);
    assert_int_equal(echo_text(ch, "hosts file", NULL), TRPC_STATUS_OK);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static void test_resolve_with_dns_server(void **state)
{
    (void)state;
    int port;
    /* Idle connections close after 100 ms: the next call reconnects. */
    trpc_server *srv = serve_at("127.0.0.1:0", &port,
                                &TRPC_SERVER_OPTS(.workers = 1, .idle_timeout_ms = 100));
    int a0 = atomic_load(&dns.a_queries), aaaa0 = atomic_load(&dns.aaaa_queries);
    trpc_channel *ch = dns_channel("svc.test", port, &fast_backoff);
    /* 127.0.0.3 refuses; 127.0.0.1 is the server. */
    assert_int_equal(echo_text(ch, "first", NULL), TRPC_STATUS_OK);
    assert_true(atomic_load(&dns.a_queries) > a0);
    assert_true(atomic_load(&dns.aaaa_queries) > aaaa0);
    int a1 = atomic_load(&dns.a_queries);
    echo_sleep_ms(400); /* GOAWAY for idleness; the connection closes */
    assert_int_equal(echo_text(ch, "second", NULL), TRPC_STATUS_OK);
    assert_true(atomic_load(&dns.a_queries) > a1); /* looked up again */
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static void test_resolve_no_such_name(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port);
    trpc_channel *ch = dns_channel("nope.test", port, &fast_backoff);
    for (int i = 0; i < 2; i++) { /* the lookup, then the backoff's fast failure */
        char *msg = NULL;
        assert_int_equal(echo_text(ch, "x", &TRPC_CALL_OPTS(.message = &msg)),
                         TRPC_STATUS_UNAVAILABLE);
        assert_non_null(msg);
        assert_non_null(strstr(msg, "nope.test"));
        free(msg);
    }
    assert_int_equal(atomic_load(&echo_stats_g.started), 0);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static atomic_int async_done, async_status;

static void on_unary(const Echo__Echo_Unary_Result *r, void *user)
{
    (void)user;
    atomic_store(&async_status, (int)r->status);
    atomic_fetch_add(&async_done, 1);
    if (r->reply) {
        echo__echo_reply__free_unpacked(r->reply, NULL);
    }
}

static void test_resolve_never_answered(void **state)
{
    (void)state;
    trpc_channel *ch = dns_channel("slow.test", 9, NULL);
    /* The lookup is out; the loop runs on: the deadline fires. */
    int64_t t0 = trpc_now_ms();
    assert_int_equal(echo_text(ch, "x", &TRPC_CALL_OPTS(.timeout_ms = 200)),
                     TRPC_STATUS_DEADLINE_EXCEEDED);
    /* Well before evdns itself would give up (5 s a try). */
    assert_true(trpc_now_ms() - t0 < 4500);
    assert_true(atomic_load(&dns.slow_queries) >= 1);
    /* A call waiting on the lookup when the channel goes: CANCELLED, and
     * the lookup is cancelled (ASan: nothing leaks, nothing is used after
     * it is freed). */
    atomic_store(&async_done, 0);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    assert_int_equal(echo__echo__unary__async(echo__echo__client(ch), &req, NULL, on_unary, NULL),
                     TRPC_OK);
    echo_sleep_ms(50);
    trpc_channel_free(ch);
    assert_int_equal(atomic_load(&async_done), 1);
    assert_int_equal(atomic_load(&async_status), TRPC_STATUS_CANCELLED);
}

static void test_bad_targets(void **state)
{
    (void)state;
    trpc_channel *ch = NULL;
    assert_int_equal(trpc_channel_new(&ch, "dns://nonsense/x.test:80", NULL), TRPC_EADDR);
    assert_int_equal(trpc_channel_new(&ch, "dns://127.0.0.1:53/unix:/x", NULL), TRPC_EADDR);
    assert_int_equal(trpc_channel_new(&ch, "dns://127.0.0.1:53", NULL), TRPC_EADDR);
    assert_null(ch);
}

/* ---- cancellation tokens ------------------------------------------------------------------- */

typedef struct canceller {
    trpc_cancel_token *tok;
    int after_ms;
    pthread_t th;
} canceller;

static void *cancel_main(void *arg)
{
    canceller *c = arg;
    echo_sleep_ms(c->after_ms);
    trpc_cancel_token_cancel(c->tok);
    return NULL;
}

static void cancel_later(canceller *c, trpc_cancel_token *tok, int after_ms)
{
    c->tok = tok;
    c->after_ms = after_ms;
    assert_int_equal(pthread_create(&c->th, NULL, cancel_main, c), 0);
}

static void test_token_blocking_unary(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port);
    trpc_channel *ch = rt_channel("127.0.0.1:%d", port);
    trpc_cancel_token *tok = NULL;
    assert_int_equal(trpc_cancel_token_new(&tok), TRPC_OK);
    assert_false(trpc_cancel_token_is_cancelled(tok));
    canceller c;
    cancel_later(&c, tok, 200);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "wait_cancel"; /* the server waits until the call is cancelled */
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    assert_int_equal(echo__echo__unary(echo__echo__client(ch), &req, &reply,
                                       &TRPC_CALL_OPTS(.cancel = tok, .message = &msg,
                                                       .timeout_ms = 30000)),
                     TRPC_STATUS_CANCELLED);
    free(msg);
    pthread_join(c.th, NULL);
    assert_true(trpc_cancel_token_is_cancelled(tok));
    /* The server saw RST_STREAM CANCEL. */
    assert_true(echo_wait_counter(&echo_stats_g.saw_cancel, 1));
    assert_true(echo_wait_counter(&echo_stats_g.done[TRPC_DONE_CANCELLED], 1));
    trpc_cancel_token_free(tok);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static void test_token_bidi(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port);
    trpc_channel *ch = rt_channel("127.0.0.1:%d", port);
    trpc_cancel_token *tok = NULL;
    assert_int_equal(trpc_cancel_token_new(&tok), TRPC_OK);
    Echo__Echo_Bidi_Stream *bs = NULL;
    assert_int_equal(echo__echo__bidi__start(&bs, echo__echo__client(ch),
                                             &TRPC_CALL_OPTS(.cancel = tok)),
                     TRPC_OK);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "one";
    assert_int_equal(echo__echo__bidi__send(bs, &req), TRPC_OK);
    Echo__EchoReply *r = NULL;
    assert_true(echo__echo__bidi__recv(bs, &r));
    assert_string_equal(r->text, "one");
    echo__echo_reply__free_unpacked(r, NULL);
    canceller c;
    cancel_later(&c, tok, 100);
    assert_false(echo__echo__bidi__recv(bs, &r)); /* blocked until the cancel */
    assert_int_equal(echo__echo__bidi__send(bs, &req), TRPC_ECLOSED);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_CANCELLED);
    pthread_join(c.th, NULL);
    assert_true(echo_wait_counter(&echo_stats_g.done[TRPC_DONE_CANCELLED], 1));
    trpc_cancel_token_free(tok);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static atomic_int status_count[17];
static atomic_int stream_status_done;

static void count_unary(const Echo__Echo_Unary_Result *r, void *user)
{
    (void)user;
    if ((unsigned)r->status < 17) {
        atomic_fetch_add(&status_count[r->status], 1);
    }
    if (r->reply) {
        echo__echo_reply__free_unpacked(r->reply, NULL);
    }
}

static void bidi_msg(Echo__Echo_Bidi_Stream *s, Echo__EchoReply *msg, void *user)
{
    (void)s;
    (void)user;
    echo__echo_reply__free_unpacked(msg, NULL);
}

static void bidi_status(Echo__Echo_Bidi_Stream *s, trpc_status code, const char *message,
                        void *user)
{
    (void)s;
    (void)message;
    (void)user;
    atomic_store(&stream_status_done, 1000 + (int)code);
}

static void reset_counts(void)
{
    for (int i = 0; i < 17; i++) {
        atomic_store(&status_count[i], 0);
    }
    atomic_store(&stream_status_done, 0);
}

static void test_token_async(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port);
    trpc_channel *ch = rt_channel("127.0.0.1:%d", port);
    Echo__Echo_Client *cl = echo__echo__client(ch);
    reset_counts();
    trpc_cancel_token *tok = NULL;
    assert_int_equal(trpc_cancel_token_new(&tok), TRPC_OK);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "wait_cancel";
    for (int i = 0; i < 5; i++) {
        assert_int_equal(echo__echo__unary__async(cl, &req, &TRPC_CALL_OPTS(.cancel = tok),
                                                  count_unary, NULL),
                         TRPC_OK);
    }
    Echo__Echo_Bidi_Stream *bs = NULL;
    assert_int_equal(echo__echo__bidi__start_async(&bs, cl, &TRPC_CALL_OPTS(.cancel = tok),
                                                   bidi_msg, bidi_status, NULL),
                     TRPC_OK);
    assert_true(echo_wait_counter(&echo_stats_g.started, 6));
    trpc_cancel_token_cancel(tok); /* from this thread, not the I/O thread */
    assert_true(echo_wait_counter(&status_count[TRPC_STATUS_CANCELLED], 5));
    assert_true(echo_wait_counter(&stream_status_done, 1000 + TRPC_STATUS_CANCELLED));
    assert_int_equal(atomic_load(&stream_status_done), 1000 + TRPC_STATUS_CANCELLED);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_CANCELLED);
    assert_true(echo_wait_counter(&echo_stats_g.done[TRPC_DONE_CANCELLED], 6));
    trpc_cancel_token_cancel(tok); /* twice: harmless */
    trpc_cancel_token_free(tok);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static void test_token_freed_early(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port);
    trpc_channel *ch = rt_channel("127.0.0.1:%d", port);
    Echo__Echo_Client *cl = echo__echo__client(ch);
    reset_counts();
    trpc_cancel_token *tok = NULL;
    assert_int_equal(trpc_cancel_token_new(&tok), TRPC_OK);
    Echo__Echo_Bidi_Stream *bs = NULL;
    assert_int_equal(echo__echo__bidi__start(&bs, cl, &TRPC_CALL_OPTS(.cancel = tok)), TRPC_OK);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "kept";
    for (int i = 0; i < 3; i++) {
        assert_int_equal(echo__echo__unary__async(cl, &req, &TRPC_CALL_OPTS(.cancel = tok),
                                                  count_unary, NULL),
                         TRPC_OK);
    }
    trpc_cancel_token_free(tok); /* the calls hold it until they end */
    assert_true(echo_wait_counter(&status_count[TRPC_STATUS_OK], 3));
    assert_int_equal(echo__echo__bidi__send(bs, &req), TRPC_OK);
    Echo__EchoReply *r = NULL;
    assert_true(echo__echo__bidi__recv(bs, &r));
    echo__echo_reply__free_unpacked(r, NULL);
    assert_int_equal(echo__echo__bidi__close_send(bs), TRPC_OK);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_OK);
    /* Freed, not cancelled: and a stream cancelled on its own releases it. */
    assert_int_equal(trpc_cancel_token_new(&tok), TRPC_OK);
    assert_int_equal(echo__echo__bidi__start(&bs, cl, &TRPC_CALL_OPTS(.cancel = tok)), TRPC_OK);
    trpc_cancel_token_free(tok);
    echo__echo__bidi__cancel(bs);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_CANCELLED);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static void test_token_cancelled_before(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port);
    trpc_cancel_token *tok = NULL;
    assert_int_equal(trpc_cancel_token_new(&tok), TRPC_OK);
    trpc_cancel_token_cancel(tok);
    assert_true(trpc_cancel_token_is_cancelled(tok));
    reset_counts();
    /* Nothing listens on the second: no connection is even tried. */
    trpc_channel *chs[2] = { rt_channel("127.0.0.1:%d", port), rt_channel("127.0.0.1:1") };
    for (int i = 0; i < 2; i++) {
        Echo__Echo_Client *cl = echo__echo__client(chs[i]);
        assert_int_equal(echo_text(chs[i], "x", &TRPC_CALL_OPTS(.cancel = tok)),
                         TRPC_STATUS_CANCELLED);
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        assert_int_equal(echo__echo__unary__async(cl, &req, &TRPC_CALL_OPTS(.cancel = tok),
                                                  count_unary, NULL),
                         TRPC_OK);
        assert_true(echo_wait_counter(&status_count[TRPC_STATUS_CANCELLED], i + 1));
        Echo__Echo_Bidi_Stream *bs = NULL;
        assert_int_equal(echo__echo__bidi__start(&bs, cl, &TRPC_CALL_OPTS(.cancel = tok)),
                         TRPC_OK);
        assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_CANCELLED);
    }
    echo_sleep_ms(100);
    assert_int_equal(atomic_load(&echo_stats_g.started), 0);
    trpc_channel_free(chs[0]);
    trpc_channel_free(chs[1]);
    trpc_cancel_token_free(tok);
    trpc_server_free(srv);
}

/* Threads make calls with tokens others cancel and free. */
typedef struct racer {
    trpc_channel *ch;
    int ok, cancelled;
} racer;

static void *race_main(void *arg)
{
    racer *r = arg;
    for (int i = 0; i < 40; i++) {
        trpc_cancel_token *tok = NULL;
        assert_int_equal(trpc_cancel_token_new(&tok), TRPC_OK);
        canceller c;
        cancel_later(&c, tok, i % 3);
        trpc_status st = echo_text(r->ch, "race", &TRPC_CALL_OPTS(.cancel = tok));
        r->ok += st == TRPC_STATUS_OK;
        r->cancelled += st == TRPC_STATUS_CANCELLED;
        pthread_join(c.th, NULL);
        trpc_cancel_token_free(tok);
    }
    return NULL;
}

static void test_token_race(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port);
    trpc_channel *ch = rt_channel("127.0.0.1:%d", port);
    racer rs[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        rs[i] = (racer){ ch, 0, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, race_main, &rs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(rs[i].ok + rs[i].cancelled, 40);
    }
    /* The channel still works. */
    assert_int_equal(echo_text(ch, "after", NULL), TRPC_STATUS_OK);
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

/* ---- wait_for_ready ----------------------------------------------------------------------- */

/* A port nothing listens on (for now). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    return ntohs(sa.sin_port);
}

typedef struct waiter {
    trpc_channel *ch;
    trpc_call_opts opts;
    trpc_status st;
    pthread_t th;
} waiter;

static void *wait_main(void *arg)
{
    waiter *w = arg;
    w->st = echo_text(w->ch, "ready", &w->opts);
    return NULL;
}

static void test_wait_for_ready(void **state)
{
    (void)state;
    int port = free_port();
    trpc_channel *ch = rt_channel("127.0.0.1:%d", port);
    /* Fail-fast, the default: UNAVAILABLE at once. */
    assert_int_equal(echo_text(ch, "x", NULL), TRPC_STATUS_UNAVAILABLE);
    waiter w = { ch, TRPC_CALL_OPTS(.wait_for_ready = true, .timeout_ms = 30000), -1, 0 };
    assert_int_equal(pthread_create(&w.th, NULL, wait_main, &w), 0);
    reset_counts();
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "async";
    assert_int_equal(echo__echo__unary__async(echo__echo__client(ch), &req,
                                              &TRPC_CALL_OPTS(.wait_for_ready = true),
                                              count_unary, NULL),
                     TRPC_OK);
    echo_sleep_ms(300); /* a few failed attempts and backoffs */
    assert_int_equal(atomic_load(&status_count[TRPC_STATUS_UNAVAILABLE]), 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    int got;
    trpc_server *srv = serve_at(addr, &got, NULL);
    pthread_join(w.th, NULL);
    assert_int_equal(w.st, TRPC_STATUS_OK);
    assert_true(echo_wait_counter(&status_count[TRPC_STATUS_OK], 1));
    trpc_channel_free(ch);
    trpc_server_free(srv);
}

static void test_wait_for_ready_ends(void **state)
{
    (void)state;
    int port = free_port();
    trpc_channel *ch = rt_channel("127.0.0.1:%d", port);
    /* At its deadline ... */
    assert_int_equal(echo_text(ch, "x", &TRPC_CALL_OPTS(.wait_for_ready = true,
                                                        .timeout_ms = 300)),
                     TRPC_STATUS_DEADLINE_EXCEEDED);
    /* ... when cancelled ... */
    trpc_cancel_token *tok = NULL;
    assert_int_equal(trpc_cancel_token_new(&tok), TRPC_OK);
    canceller c;
    cancel_later(&c, tok, 200);
    assert_int_equal(echo_text(ch, "x", &TRPC_CALL_OPTS(.wait_for_ready = true, .cancel = tok)),
                     TRPC_STATUS_CANCELLED);
    pthread_join(c.th, NULL);
    trpc_cancel_token_free(tok);
    /* ... and when the channel goes. */
    reset_counts();
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    assert_int_equal(echo__echo__unary__async(echo__echo__client(ch), &req,
                                              &TRPC_CALL_OPTS(.wait_for_ready = true),
                                              count_unary, NULL),
                     TRPC_OK);
    echo_sleep_ms(200);
    trpc_channel_free(ch);
    assert_int_equal(atomic_load(&status_count[TRPC_STATUS_CANCELLED]), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_localhost),
        cmocka_unit_test(test_resolve_with_dns_server),
        cmocka_unit_test(test_resolve_no_such_name),
        cmocka_unit_test(test_resolve_never_answered),
        cmocka_unit_test(test_bad_targets),
        cmocka_unit_test(test_token_blocking_unary),
        cmocka_unit_test(test_token_bidi),
        cmocka_unit_test(test_token_async),
        cmocka_unit_test(test_token_freed_early),
        cmocka_unit_test(test_token_cancelled_before),
        cmocka_unit_test(test_token_race),
        cmocka_unit_test(test_wait_for_ready),
        cmocka_unit_test(test_wait_for_ready_ends),
    };
    return cmocka_run_group_tests(tests, dns_setup, dns_teardown);
}
