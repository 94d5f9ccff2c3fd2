/*
 * test_tls.c: TLS and mutual TLS through the public API, typerpc client
 * against typerpc server: calls over TLS (unary, large messages both ways,
 * a server stream), the verified client identity a handler reads, every
 * error a user meets (unknown CA, host name mismatch, expired certificate,
 * missing or foreign client certificate, a plaintext client on a TLS port
 * and a TLS client on a plaintext port, unreadable files, a key that does
 * not match), certificate reloading (by new config and by rewriting the
 * same files), and the handshake timeout.
 *
 * The certificates are made at start by gen-certs.sh (the openssl
 * command) in a temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "echo_impl.h"
#include "helloworld.trpc.h"
#include "rt_util.h"

static char dir[64];

static const char *cert(const char *name)
{
    static char bufs[8][128];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

/* SayHello answers with the caller's verified identity:
 * "anon" or "SUBJECT|CN|SAN,SAN". */
static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req, Helloworld__HelloReply *reply,
                             void *user)
{
    (void)req;
    (void)user;
    const trpc_peer_identity *id = trpc_call_peer_identity(call->base);
    char buf[1024] = "anon";
    if (id) {
        int n = snprintf(buf, sizeof buf, "%s|%s|", id->subject,
                         id->common_name ? id->common_name : "-");
        for (size_t i = 0; i < id->n_sans; i++) {
            n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%s", i ? "," : "", id->sans[i]);
        }
    }
    reply->message = trpc_call_strdup(call->base, buf);
    return reply->message ? TRPC_STATUS_OK : TRPC_STATUS_RESOURCE_EXHAUSTED;
}

static const Helloworld__Greeter_Impl greeter = { .say_hello = say_hello };

/* A TLS server on 127.0.0.1 with this certificate (and client CA), and
 * this handshake timeout (0: the default). */
static trpc_server *tls_server_hs(const char *crt, const char *key, const char *client_ca,
                                  int hs_ms, int *port)
{
    trpc_server *s;
    assert_int_equal(trpc_server_new(&s, &TRPC_SERVER_OPTS(.workers = 2)), TRPC_OK);
    assert_int_equal(helloworld__greeter__serve(s, &greeter, NULL), TRPC_OK);
    assert_int_equal(echo__echo__serve(s, &echo_impl, NULL), TRPC_OK);
    trpc_tls_server_config cfg = TRPC_TLS_SERVER_CONFIG(
        .cert_file = crt, .key_file = key, .client_ca_file = client_ca,
        .handshake_timeout_ms = hs_ms);
    trpc_error rv = trpc_server_listen_tls(s, "127.0.0.1:0", port, &cfg);
    if (rv != TRPC_OK) {
        fail_msg("listen_tls: %s: %s", trpc_strerror(rv), trpc_tls_last_error());
    }
    assert_int_equal(trpc_server_start(s), TRPC_OK);
    return s;
}

static trpc_server *tls_server(const char *crt, const char *key, const char *client_ca, int *port)
{
    return tls_server_hs(crt, key, client_ca, 0, port);
}

static trpc_channel *channel(const char *target, trpc_channel_opts o)
{
    o.backoff_initial_ms = 20;
    o.backoff_max_ms = 100;
    trpc_channel *c = NULL;
    trpc_error rv = trpc_channel_new(&c, target, &o);
    if (rv != TRPC_OK) {
        fail_msg("channel_new: %s: %s", trpc_strerror(rv), trpc_tls_last_error());
    }
    return c;
}

/* SayHello on ch: its status; *text the reply (or the status message),
 * malloc'd. */
static trpc_status hello(trpc_channel *ch, char **text)
{
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    req.name = "x";
    Helloworld__HelloReply *reply = NULL;
    char *msg = NULL;
    trpc_status st = helloworld__greeter__say_hello(
        helloworld__greeter__client(ch), &req, &reply,
        &TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &msg));
    if (st == TRPC_STATUS_OK) {
        *text = strdup(reply->message);
        helloworld__hello_reply__free_unpacked(reply, NULL);
        free(msg);
    } else {
        *text = msg ? msg : strdup("");
    }
    return st;
}

/* One call on a new channel: expects want and that the reply or message
 * contains needle. */
static void expect_call(const char *target, trpc_channel_opts o, trpc_status want,
                        const char *needle)
{
    trpc_channel *ch = channel(target, o);
    char *text = NULL;
    trpc_status st = hello(ch, &text);
    if (st != want || !strstr(text, needle)) {
        fail_msg("got %s \"%s\", want %s containing \"%s\"", trpc_status_name(st), text,
                 trpc_status_name(want), needle);
    }
    free(text);
    trpc_channel_free(ch);
}

static char target[64];

static const char *local(int port)
{
    snprintf(target, sizeof target, "localhost:%d", port);
    return target;
}

/* ---- TLS ---- */

static void test_tls_calls(void **state)
{
    (void)state;
    int port;
    trpc_server *s = tls_server(cert("server.pem"), cert("server.key"), NULL, &port);
    /* the host name, and the IP address SAN */
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")), TRPC_STATUS_OK,
                "anon");
    char ip[64];
    snprintf(ip, sizeof ip, "127.0.0.1:%d", port);
    expect_call(ip, TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")), TRPC_STATUS_OK, "anon");

    /* Large messages both ways (the TLS bufferevent's flow), then a server
     * stream, on one connection. */
    trpc_channel *ch = channel(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")));
    Echo__Echo_Client *echo = echo__echo__client(ch);
    size_t big = 3u << 20;
    uint8_t *payload = malloc(big);
    for (size_t i = 0; i < big; i++) {
        payload[i] = (uint8_t)(i * 7);
    }
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = big;
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo, &req, &reply, NULL), TRPC_STATUS_OK);
    assert_int_equal(reply->payload.len, big);
    assert_memory_equal(reply->payload.data, payload, big);
    echo__echo_reply__free_unpacked(reply, NULL);
    free(payload);
    Echo__EchoRequest sreq = ECHO__ECHO_REQUEST__INIT;
    sreq.count = 200;
    sreq.text = "tls";
    Echo__Echo_ServerStream_Stream *call;
    assert_int_equal(echo__echo__server_stream__start(&call, echo, &sreq, NULL), TRPC_OK);
    int n = 0;
    Echo__EchoReply *r;
    while (echo__echo__server_stream__recv(call, &r)) {
        assert_int_equal(r->index, n);
        n++;
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(echo__echo__server_stream__finish(call), TRPC_STATUS_OK);
    assert_int_equal(n, 200);
    trpc_channel_free(ch);
    trpc_server_free(s);
}

static void test_server_verification_errors(void **state)
{
    (void)state;
    int port;
    trpc_server *s = tls_server(cert("server.pem"), cert("server.key"), NULL, &port);
    /* a CA that did not issue the server's certificate */
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("other-ca.pem")),
                TRPC_STATUS_UNAVAILABLE,
                "certificate verify failed: unable to get local issuer certificate");
    /* a name the certificate does not carry */
    expect_call(local(port),
                TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem"), .tls_authority = "other.example"),
                TRPC_STATUS_UNAVAILABLE, "certificate verify failed: hostname mismatch");
    /* a plaintext client on the TLS port: refused, and the server goes on */
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls = false),
                TRPC_STATUS_UNAVAILABLE, "did not answer with HTTP/2");
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")), TRPC_STATUS_OK,
                "anon");
    trpc_server_free(s);

    s = tls_server(cert("expired.pem"), cert("expired.key"), NULL, &port);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")),
                TRPC_STATUS_UNAVAILABLE, "certificate has expired");
    trpc_server_free(s);

    s = tls_server(cert("wronghost.pem"), cert("wronghost.key"), NULL, &port);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")),
                TRPC_STATUS_UNAVAILABLE, "hostname mismatch");
    /* tls_authority: the name to verify instead of the target's */
    expect_call(local(port),
                TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem"), .tls_authority = "wrong.example"),
                TRPC_STATUS_OK, "anon");
    trpc_server_free(s);
}

static void test_tls_client_on_plaintext_port(void **state)
{
    (void)state;
    trpc_server *s;
    int port;
    assert_int_equal(trpc_server_new(&s, NULL), TRPC_OK);
    assert_int_equal(helloworld__greeter__serve(s, &greeter, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(s, "127.0.0.1:0", &port), TRPC_OK);
    assert_int_equal(trpc_server_start(s), TRPC_OK);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")),
                TRPC_STATUS_UNAVAILABLE, "TLS handshake with");
    /* the plaintext channel still works on it */
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls = false),
                TRPC_STATUS_OK, "anon");
    trpc_server_free(s);
}

/* ---- mutual TLS ---- */

static void test_mtls(void **state)
{
    (void)state;
    int port;
    trpc_server *s = tls_server(cert("server.pem"), cert("server.key"), cert("ca.pem"), &port);
    expect_call(local(port),
                TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem"),
                                  .tls_cert_file = cert("client.pem"),
                                  .tls_key_file = cert("client.key")),
                TRPC_STATUS_OK,
                "O=typerpc tests,CN=alice|alice|"
                "URI:spiffe://typerpc.test/alice,DNS:alice.typerpc.test");
    /* no client certificate: TLS 1.3's alert comes after the client's
     * handshake, with the call already sent */
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")),
                TRPC_STATUS_UNAVAILABLE, "certificate required");
    /* a client certificate from a CA the server does not trust */
    expect_call(local(port),
                TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem"),
                                  .tls_cert_file = cert("other-client.pem"),
                                  .tls_key_file = cert("other-client.key")),
                TRPC_STATUS_UNAVAILABLE, "unknown ca");
    /* and the server still serves */
    expect_call(local(port),
                TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem"),
                                  .tls_cert_file = cert("client.pem"),
                                  .tls_key_file = cert("client.key")),
                TRPC_STATUS_OK, "CN=alice");
    trpc_server_free(s);
}

/* ---- configuration errors ---- */

static void test_config_errors(void **state)
{
    (void)state;
    trpc_server *s;
    int port;
    assert_int_equal(trpc_server_new(&s, NULL), TRPC_OK);
    trpc_tls_server_config missing =
        TRPC_TLS_SERVER_CONFIG(.cert_file = cert("nope.pem"), .key_file = cert("server.key"));
    assert_int_equal(trpc_server_listen_tls(s, "127.0.0.1:0", &port, &missing), TRPC_ETLS);
    assert_non_null(strstr(trpc_tls_last_error(), "nope.pem"));
    trpc_tls_server_config mismatch =
        TRPC_TLS_SERVER_CONFIG(.cert_file = cert("server.pem"), .key_file = cert("client.key"));
    assert_int_equal(trpc_server_listen_tls(s, "127.0.0.1:0", &port, &mismatch), TRPC_ETLS);
    assert_non_null(strstr(trpc_tls_last_error(), "does not match"));
    trpc_tls_server_config nokey = TRPC_TLS_SERVER_CONFIG(.cert_file = cert("server.pem"));
    assert_int_equal(trpc_server_listen_tls(s, "127.0.0.1:0", &port, &nokey), TRPC_EINVAL);
    assert_int_equal(trpc_server_listen_tls(s, "127.0.0.1:0", &port, NULL), TRPC_EINVAL);
    /* no TLS listener: nothing to reload */
    assert_int_equal(trpc_server_reload_tls(s, NULL), TRPC_ESTATE);
    assert_int_equal(trpc_server_reload_tls(NULL, NULL), TRPC_EINVAL);
    trpc_tls_server_config bad_ca =
        TRPC_TLS_SERVER_CONFIG(.cert_file = cert("server.pem"), .key_file = cert("server.key"),
                               .client_ca_file = cert("nope-ca.pem"));
    assert_int_equal(trpc_server_listen_tls(s, "127.0.0.1:0", &port, &bad_ca), TRPC_ETLS);
    assert_non_null(strstr(trpc_tls_last_error(), "nope-ca.pem"));
    trpc_server_free(s);

    trpc_channel *ch = NULL;
    assert_int_equal(
        trpc_channel_new(&ch, "localhost:1", &TRPC_CHANNEL_OPTS(.tls_ca_file = cert("nope.pem"))),
        TRPC_ETLS);
    assert_null(ch);
    assert_non_null(strstr(trpc_tls_last_error(), "nope.pem"));
    assert_int_equal(trpc_channel_new(&ch, "localhost:1",
                                      &TRPC_CHANNEL_OPTS(.tls_cert_file = cert("client.pem"))),
                     TRPC_ETLS);
    assert_non_null(strstr(trpc_tls_last_error(), "tls_key_file"));
    assert_int_equal(trpc_channel_new(&ch, "localhost:1",
                                      &TRPC_CHANNEL_OPTS(.tls_cert_file = cert("client.pem"),
                                                         .tls_key_file = cert("server.key"))),
                     TRPC_ETLS);
    assert_non_null(strstr(trpc_tls_last_error(), "does not match"));
    assert_string_equal(trpc_strerror(TRPC_ETLS),
                        "TLS configuration failed (see trpc_tls_last_error())");
}

/* ---- reloading ---- */

static void copy_file(const char *from, const char *to)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s.tmp' && mv '%s.tmp' '%s'", from, to, to, to);
    assert_int_equal(system(cmd), 0);
}

static void test_reload(void **state)
{
    (void)state;
    char live_crt[128], live_key[128]; /* cert()'s buffers are reused */
    snprintf(live_crt, sizeof live_crt, "%s", cert("live.pem"));
    snprintf(live_key, sizeof live_key, "%s", cert("live.key"));
    copy_file(cert("server.pem"), live_crt);
    copy_file(cert("server.key"), live_key);
    int port;
    trpc_server *s = tls_server(live_crt, live_key, NULL, &port);
    trpc_channel *old = channel(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")));
    char *text;
    assert_int_equal(hello(old, &text), TRPC_STATUS_OK);
    free(text);

    /* A new configuration: the other CA's certificate. */
    trpc_tls_server_config other = TRPC_TLS_SERVER_CONFIG(
        .cert_file = cert("other-server.pem"), .key_file = cert("other-server.key"));
    assert_int_equal(trpc_server_reload_tls(s, &other), TRPC_OK);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("other-ca.pem")),
                TRPC_STATUS_OK, "anon");
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")),
                TRPC_STATUS_UNAVAILABLE, "unable to get local issuer certificate");
    /* the connection made before keeps its certificate */
    assert_int_equal(hello(old, &text), TRPC_STATUS_OK);
    free(text);

    /* A failed reload keeps what is there. */
    trpc_tls_server_config broken =
        TRPC_TLS_SERVER_CONFIG(.cert_file = cert("nope.pem"), .key_file = cert("server.key"));
    assert_int_equal(trpc_server_reload_tls(s, &broken), TRPC_ETLS);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("other-ca.pem")),
                TRPC_STATUS_OK, "anon");

    /* Back to the live files, then rotate them in place and reload them
     * (NULL: the same paths, read again). */
    trpc_tls_server_config live =
        TRPC_TLS_SERVER_CONFIG(.cert_file = live_crt, .key_file = live_key);
    assert_int_equal(trpc_server_reload_tls(s, &live), TRPC_OK);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")), TRPC_STATUS_OK,
                "anon");
    copy_file(cert("other-server.pem"), live_crt);
    copy_file(cert("other-server.key"), live_key);
    assert_int_equal(trpc_server_reload_tls(s, NULL), TRPC_OK);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("other-ca.pem")),
                TRPC_STATUS_OK, "anon");
    assert_int_equal(hello(old, &text), TRPC_STATUS_OK);
    free(text);
    trpc_channel_free(old);
    trpc_server_free(s);
}

/* ---- the handshake timeout ---- */

static void test_handshake_timeout(void **state)
{
    (void)state;
    int port;
    trpc_server *s = tls_server_hs(cert("server.pem"), cert("server.key"), NULL, 2000, &port);
    /* A client that connects and says nothing is closed (2 s here: short,
     * yet long enough for a real handshake on a loaded machine). */
    int fd = rt_connect_port(port);
    int64_t t0 = trpc_now_ms();
    assert_true(rt_read_until_closed(fd));
    assert_true(trpc_now_ms() - t0 >= 1900);
    close(fd);
    /* A plaintext HTTP/2 client is closed too, and the server goes on. */
    fd = rt_connect_port(port);
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    assert_int_equal(write(fd, preface, sizeof preface - 1), (ssize_t)(sizeof preface - 1));
    assert_true(rt_read_until_closed(fd));
    close(fd);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")), TRPC_STATUS_OK,
                "anon");
    trpc_server_free(s);

    /* A shutdown does not wait for a handshake that has not finished (the
     * default timeout, 10 s, would hold it that long). */
    trpc_server *s2;
    assert_int_equal(trpc_server_new(&s2, &TRPC_SERVER_OPTS(.workers = 1)), TRPC_OK);
    assert_int_equal(helloworld__greeter__serve(s2, &greeter, NULL), TRPC_OK);
    trpc_tls_server_config cfg =
        TRPC_TLS_SERVER_CONFIG(.cert_file = cert("server.pem"), .key_file = cert("server.key"));
    assert_int_equal(trpc_server_listen_tls(s2, "127.0.0.1:0", &port, &cfg), TRPC_OK);
    assert_int_equal(trpc_server_start(s2), TRPC_OK);
    expect_call(local(port), TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem")), TRPC_STATUS_OK,
                "anon");
    fd = rt_connect_port(port);
    echo_sleep_ms(100); /* the worker has accepted it */
    t0 = trpc_now_ms();
    assert_int_equal(trpc_server_shutdown(s2, 5000), TRPC_OK);
    assert_true(trpc_now_ms() - t0 < 9000);
    trpc_server_free(s2); /* libevent closes freed sockets in its loop, or here */
    assert_true(rt_read_until_closed(fd));
    close(fd);
}

/* TLS on a listening socket the application made (trpc_server_listen_fd_tls,
 * as under socket activation): mutual TLS works on it, bad files are
 * refused with the fd left to the caller, and a plaintext client fails. */
static void test_tls_on_fd(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    int port = ntohs(sa.sin_port);

    trpc_server *s;
    assert_int_equal(trpc_server_new(&s, NULL), TRPC_OK);
    assert_int_equal(helloworld__greeter__serve(s, &greeter, NULL), TRPC_OK);
    trpc_tls_server_config bad = TRPC_TLS_SERVER_CONFIG(.cert_file = cert("nonexistent.pem"),
                                                        .key_file = cert("server.key"));
    assert_int_equal(trpc_server_listen_fd_tls(s, fd, &bad), TRPC_ETLS);
    assert_non_null(strstr(trpc_tls_last_error(), "nonexistent.pem"));
    assert_int_equal(trpc_server_listen_fd_tls(s, fd, NULL), TRPC_EINVAL);
    assert_int_equal(trpc_server_listen_fd_tls(NULL, fd, &bad), TRPC_EINVAL);
    assert_int_equal(fcntl(fd, F_GETFD) >= 0, 1); /* still open: still ours */
    trpc_tls_server_config cfg = TRPC_TLS_SERVER_CONFIG(
        .cert_file = cert("server.pem"), .key_file = cert("server.key"),
        .client_ca_file = cert("ca.pem"));
    assert_int_equal(trpc_server_listen_fd_tls(s, fd, &cfg), TRPC_OK);
    assert_int_equal(trpc_server_start(s), TRPC_OK);
    expect_call(local(port),
                TRPC_CHANNEL_OPTS(.tls_ca_file = cert("ca.pem"),
                                  .tls_cert_file = cert("client.pem"),
                                  .tls_key_file = cert("client.key")),
                TRPC_STATUS_OK, "CN=alice");
    expect_call(local(port), TRPC_CHANNEL_OPTS(.compression = TRPC_COMPRESS_DEFAULT), TRPC_STATUS_UNAVAILABLE, "");
    trpc_server_free(s);
    close(fd); /* borrowed: the server did not close it */
}

static int make_certs(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/typerpc-tls-XXXXXX");
    if (!mkdtemp(dir)) {
        return -1;
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "'%s' '%s'", TLS_GEN_CERTS, dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int remove_certs(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_calls),
        cmocka_unit_test(test_server_verification_errors),
        cmocka_unit_test(test_tls_client_on_plaintext_port),
        cmocka_unit_test(test_mtls),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_handshake_timeout),
        cmocka_unit_test(test_tls_on_fd),
    };
    return cmocka_run_group_tests(tests, make_certs, remove_certs);
}
