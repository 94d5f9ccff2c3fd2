/*
 * test_runtime_health.c: grpc.health.v1.Health (typerpc/health.h) through
 * a typerpc client (the runtime's own generated health client code) and
 * systemd's protocols (typerpc/systemd.h).
 *
 * Health: Check of "" (SERVING from the start), of a set service and of an
 * unknown one (NOT_FOUND); Watch sends the current status at once,
 * SERVICE_UNKNOWN for an unknown service and then its first status, each
 * change once (setting the same status again sends nothing), a status set
 * from many threads; many concurrent watchers all see a change; a watcher
 * that cancels is dropped (the server then shuts down with no grace to
 * spare: a leaked hold would stall it); at shutdown every watcher sees
 * NOT_SERVING and its call ends OK, Check then answers NOT_SERVING on an
 * open connection, and trpc_health_set fails with TRPC_ESTATE.  API errors:
 * a second health service, one added after start, bad statuses.
 *
 * systemd: trpc_server_listen_fd on a socket bound here (and refusal of a
 * non-listening one); trpc_server_listen_systemd with LISTEN_FDS/LISTEN_PID
 * pointing at a socket moved to fd 3 (and the variables unset after), with
 * them for another pid (ignored); trpc_sd_notify to a datagram socket this
 * test owns, by path and in the abstract namespace, and without
 * NOTIFY_SOCKET.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "echo_impl.h"
#include "rt_util.h"
#include "grpc/health/v1/health.trpc.h"

typedef Grpc__Health__V1__HealthCheckRequest hreq;
typedef Grpc__Health__V1__HealthCheckResponse hresp;
typedef Grpc__Health__V1__Health_Watch_Stream hwatch;

typedef struct fixture {
    trpc_server *srv;
    trpc_health *h;
    int port;
    trpc_channel *ch;
} fixture;

static void fixture_up(fixture *f)
{
    memset(f, 0, sizeof *f);
    trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 2);
    assert_int_equal(trpc_server_new(&f->srv, &o), TRPC_OK);
    assert_int_equal(trpc_health_new(&f->h, f->srv), TRPC_OK);
    assert_int_equal(echo__echo__serve(f->srv, &echo_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(f->srv, "127.0.0.1:0", &f->port), TRPC_OK);
    assert_int_equal(trpc_server_start(f->srv), TRPC_OK);
    f->ch = rt_channel("127.0.0.1:%d", f->port);
}

static void fixture_down(fixture *f)
{
    trpc_channel_free(f->ch);
    trpc_server_free(f->srv);
}

/* Check of service: the status, or -(gRPC code) when the call failed. */
static int check(trpc_channel *ch, const char *service)
{
    hreq req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = (char *)service;
    hresp *reply = NULL;
    trpc_call_opts o = TRPC_CALL_OPTS(.timeout_ms = 10000);
    trpc_status st =
        grpc__health__v1__health__check(grpc__health__v1__health__client(ch), &req, &reply, &o);
    if (st != TRPC_STATUS_OK) {
        return -(int)st;
    }
    int v = (int)reply->status;
    grpc__health__v1__health_check_response__free_unpacked(reply, NULL);
    return v;
}

static hwatch *watch(trpc_channel *ch, const char *service)
{
    hreq req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = (char *)service;
    hwatch *s = NULL;
    trpc_call_opts o = TRPC_CALL_OPTS(.timeout_ms = 30000);
    assert_int_equal(
        grpc__health__v1__health__watch__start(&s, grpc__health__v1__health__client(ch), &req, &o),
        TRPC_OK);
    return s;
}

/* The next status a watch gets, or -1 when the stream ended. */
static int next_status(hwatch *s)
{
    hresp *m = NULL;
    if (!grpc__health__v1__health__watch__recv(s, &m)) {
        return -1;
    }
    int v = (int)m->status;
    grpc__health__v1__health_check_response__free_unpacked(m, NULL);
    return v;
}

static void test_check(void **state)
{
    (void)state;
    fixture f;
    fixture_up(&f);
    assert_int_equal(check(f.ch, ""), TRPC_HEALTH_SERVING);
    assert_int_equal(check(f.ch, "echo.Echo"), -TRPC_STATUS_NOT_FOUND);
    assert_int_equal(trpc_health_get(f.h, "echo.Echo"), TRPC_HEALTH_SERVICE_UNKNOWN);
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_NOT_SERVING), TRPC_OK);
    assert_int_equal(check(f.ch, "echo.Echo"), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_SERVING), TRPC_OK);
    assert_int_equal(check(f.ch, "echo.Echo"), TRPC_HEALTH_SERVING);
    assert_int_equal(trpc_health_get(f.h, "echo.Echo"), TRPC_HEALTH_SERVING);
    assert_int_equal(trpc_health_set(f.h, "", TRPC_HEALTH_UNKNOWN), TRPC_OK);
    assert_int_equal(check(f.ch, ""), TRPC_HEALTH_UNKNOWN);
    assert_int_equal(trpc_health_set_all(f.h, TRPC_HEALTH_NOT_SERVING), TRPC_OK);
    assert_int_equal(check(f.ch, ""), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(check(f.ch, "echo.Echo"), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(check(f.ch, "other.Svc"), -TRPC_STATUS_NOT_FOUND);
    /* Bad arguments. */
    assert_int_equal(trpc_health_set(f.h, "x", TRPC_HEALTH_SERVICE_UNKNOWN), TRPC_EINVAL);
    assert_int_equal(trpc_health_set(f.h, "x", (trpc_health_status)7), TRPC_EINVAL);
    assert_int_equal(trpc_health_set(f.h, NULL, TRPC_HEALTH_SERVING), TRPC_EINVAL);
    assert_int_equal(trpc_health_set(NULL, "x", TRPC_HEALTH_SERVING), TRPC_EINVAL);
    assert_int_equal(trpc_health_get(NULL, "x"), TRPC_HEALTH_SERVICE_UNKNOWN);
    assert_string_equal(trpc_health_status_name(TRPC_HEALTH_NOT_SERVING), "NOT_SERVING");
    fixture_down(&f);
}

static void test_api_errors(void **state)
{
    (void)state;
    trpc_server *srv = NULL;
    trpc_health *h = NULL, *h2 = NULL;
    assert_int_equal(trpc_health_new(&h, NULL), TRPC_EINVAL);
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(trpc_health_new(NULL, srv), TRPC_EINVAL);
    assert_int_equal(trpc_health_new(&h, srv), TRPC_OK);
    assert_int_equal(trpc_health_new(&h2, srv), TRPC_EEXISTS);
    assert_null(h2);
    /* A server freed without ever starting frees its health service. */
    trpc_server_free(srv);

    int port = 0;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", &port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    assert_int_equal(trpc_health_new(&h2, srv), TRPC_ESTATE);
    trpc_server_free(srv);
}

static void test_watch_changes(void **state)
{
    (void)state;
    fixture f;
    fixture_up(&f);
    hwatch *all = watch(f.ch, "");
    hwatch *echo = watch(f.ch, "echo.Echo");
    assert_int_equal(next_status(all), TRPC_HEALTH_SERVING);
    assert_int_equal(next_status(echo), TRPC_HEALTH_SERVICE_UNKNOWN);
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_SERVING), TRPC_OK);
    assert_int_equal(next_status(echo), TRPC_HEALTH_SERVING);
    /* The same status again is no change: the next message is the flip. */
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_SERVING), TRPC_OK);
    assert_int_equal(check(f.ch, "echo.Echo"), TRPC_HEALTH_SERVING); /* a round trip */
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_NOT_SERVING), TRPC_OK);
    assert_int_equal(next_status(echo), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(trpc_health_set(f.h, "", TRPC_HEALTH_NOT_SERVING), TRPC_OK);
    assert_int_equal(next_status(all), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(trpc_health_set(f.h, "", TRPC_HEALTH_SERVING), TRPC_OK);
    assert_int_equal(next_status(all), TRPC_HEALTH_SERVING);

    /* Shutdown: every watcher sees NOT_SERVING ("echo.Echo" already was:
     * it sees only the end), then its stream ends OK; statuses are frozen. */
    trpc_health_shutdown(f.h);
    assert_int_equal(next_status(all), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(next_status(all), -1);
    assert_int_equal(grpc__health__v1__health__watch__finish(all), TRPC_STATUS_OK);
    assert_int_equal(next_status(echo), -1);
    assert_int_equal(grpc__health__v1__health__watch__finish(echo), TRPC_STATUS_OK);
    assert_int_equal(trpc_health_set(f.h, "", TRPC_HEALTH_SERVING), TRPC_ESTATE);
    assert_int_equal(trpc_health_set_all(f.h, TRPC_HEALTH_SERVING), TRPC_ESTATE);
    assert_int_equal(check(f.ch, ""), TRPC_HEALTH_NOT_SERVING);
    /* A watch that starts now gets the status and ends at once. */
    hwatch *late = watch(f.ch, "");
    assert_int_equal(next_status(late), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(next_status(late), -1);
    assert_int_equal(grpc__health__v1__health__watch__finish(late), TRPC_STATUS_OK);
    fixture_down(&f);
}

/* Many watchers, statuses set from several threads: each watcher ends up
 * with the final status, never sees the same status twice in a row, and
 * all end at server shutdown. */
enum { NWATCH = 40, NSETTERS = 4, NFLIPS = 200 };

typedef struct setter_arg {
    trpc_health *h;
    int id;
} setter_arg;

static void *setter(void *arg)
{
    setter_arg *a = arg;
    for (int i = 0; i < NFLIPS; i++) {
        trpc_health_status st = (i + a->id) % 2 ? TRPC_HEALTH_SERVING : TRPC_HEALTH_NOT_SERVING;
        assert_int_equal(trpc_health_set(a->h, "echo.Echo", st), TRPC_OK);
    }
    return NULL;
}

typedef struct shutdown_arg {
    trpc_server *srv;
} shutdown_arg;

static void *shut_down(void *arg)
{
    shutdown_arg *a = arg;
    trpc_server_shutdown(a->srv, -1); /* forever: watches must end by themselves */
    return NULL;
}

static void test_many_watchers(void **state)
{
    (void)state;
    fixture f;
    fixture_up(&f);
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_SERVING), TRPC_OK);
    hwatch *w[NWATCH];
    int lasts[NWATCH];
    for (int i = 0; i < NWATCH; i++) {
        w[i] = watch(f.ch, "echo.Echo");
        assert_int_equal(next_status(w[i]), TRPC_HEALTH_SERVING);
    }
    pthread_t th[NSETTERS];
    setter_arg sa[NSETTERS];
    for (int i = 0; i < NSETTERS; i++) {
        sa[i] = (setter_arg){ f.h, i };
        assert_int_equal(pthread_create(&th[i], NULL, setter, &sa[i]), 0);
    }
    for (int i = 0; i < NSETTERS; i++) {
        pthread_join(th[i], NULL);
    }
    /* Settle on NOT_SERVING, different from where every watcher started. */
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_SERVING), TRPC_OK);
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_NOT_SERVING), TRPC_OK);
    for (int i = 0; i < NWATCH; i++) {
        int last = TRPC_HEALTH_SERVING, v;
        do {
            v = next_status(w[i]);
            assert_int_not_equal(v, -1);
            assert_int_not_equal(v, last); /* changes only */
            last = v;
        } while (v != TRPC_HEALTH_NOT_SERVING);
        lasts[i] = last;
    }
    /* Cancel half; the server must still shut down at once with an
     * unlimited grace (the other half end by the health service). */
    for (int i = 0; i < NWATCH; i += 2) {
        grpc__health__v1__health__watch__cancel(w[i]);
        assert_int_equal(grpc__health__v1__health__watch__finish(w[i]), TRPC_STATUS_CANCELLED);
    }
    assert_int_equal(check(f.ch, "echo.Echo"), TRPC_HEALTH_NOT_SERVING);
    shutdown_arg a = { f.srv };
    pthread_t sd;
    assert_int_equal(pthread_create(&sd, NULL, shut_down, &a), 0);
    for (int i = 1; i < NWATCH; i += 2) {
        /* What flips were still queued, alternating, ending NOT_SERVING. */
        int v;
        while ((v = next_status(w[i])) != -1) {
            assert_int_not_equal(v, lasts[i]);
            lasts[i] = v;
        }
        assert_int_equal(lasts[i], TRPC_HEALTH_NOT_SERVING);
        assert_int_equal(grpc__health__v1__health__watch__finish(w[i]), TRPC_STATUS_OK);
    }
    pthread_join(sd, NULL);
    fixture_down(&f);
}

/* trpc_server_shutdown flips statuses and ends watches before GOAWAY. */
static void test_shutdown_flips(void **state)
{
    (void)state;
    fixture f;
    fixture_up(&f);
    assert_int_equal(trpc_health_set(f.h, "echo.Echo", TRPC_HEALTH_SERVING), TRPC_OK);
    hwatch *w = watch(f.ch, "echo.Echo");
    hwatch *u = watch(f.ch, "no.Such");
    assert_int_equal(next_status(w), TRPC_HEALTH_SERVING);
    assert_int_equal(next_status(u), TRPC_HEALTH_SERVICE_UNKNOWN);
    shutdown_arg a = { f.srv };
    pthread_t sd;
    assert_int_equal(pthread_create(&sd, NULL, shut_down, &a), 0);
    assert_int_equal(next_status(w), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(next_status(w), -1);
    assert_int_equal(grpc__health__v1__health__watch__finish(w), TRPC_STATUS_OK);
    assert_int_equal(next_status(u), -1);
    assert_int_equal(grpc__health__v1__health__watch__finish(u), TRPC_STATUS_OK);
    pthread_join(sd, NULL);
    assert_int_equal(trpc_health_get(f.h, "echo.Echo"), TRPC_HEALTH_NOT_SERVING);
    assert_int_equal(trpc_health_get(f.h, ""), TRPC_HEALTH_NOT_SERVING);
    fixture_down(&f);
}

/* ---- systemd ------------------------------------------------------------------------------- */

static int tcp_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t sl = sizeof sin;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

static void expect_echo(int port)
{
    trpc_channel *ch = rt_channel("127.0.0.1:%d", port);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "activated";
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo__echo__client(ch), &req, &reply, NULL),
                     TRPC_STATUS_OK);
    assert_string_equal(reply->text, "activated");
    echo__echo_reply__free_unpacked(reply, NULL);
    trpc_channel_free(ch);
}

static void test_listen_fd(void **state)
{
    (void)state;
    trpc_server *srv = NULL;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    /* Not a listening stream socket. */
    int notl = socket(AF_INET, SOCK_STREAM, 0);
    int dgram = socket(AF_INET, SOCK_DGRAM, 0);
    assert_int_equal(trpc_server_listen_fd(srv, notl), TRPC_EINVAL);
    assert_int_equal(trpc_server_listen_fd(srv, dgram), TRPC_EINVAL);
    assert_int_equal(trpc_server_listen_fd(srv, -1), TRPC_EINVAL);
    close(notl);
    close(dgram);
    int port = 0;
    int fd = tcp_listener(&port);
    int kept = dup(fd); /* the copy systemd keeps */
    assert_true(kept >= 0);
    assert_int_equal(trpc_server_listen_fd(srv, fd), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    assert_int_equal(trpc_server_listen_fd(srv, fd), TRPC_ESTATE);
    expect_echo(port);
    trpc_server_free(srv); /* closes fd, and only that */
    assert_int_equal(fcntl(fd, F_GETFD), -1);

    /* The socket was not shut down: it still listens, a connection made
     * between two servers waits in its queue, and the next server (a
     * restarted service) given the socket serves it. */
    int queued = rt_connect_port(port);
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen_fd(srv, kept), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    uint8_t head[9];
    /* The server's first frame on it, once the client's preface has said
     * HTTP/2 (its first bytes decide between HTTP/2 and HTTP/1.1):
     * SETTINGS (type 4). */
    static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    assert_int_equal(send(queued, preface, sizeof preface - 1, 0), (ssize_t)sizeof preface - 1);
    assert_int_equal(recv(queued, head, sizeof head, MSG_WAITALL), (ssize_t)sizeof head);
    assert_int_equal(head[3], 4);
    close(queued);
    expect_echo(port);
    trpc_server_free(srv);
}

static void test_listen_systemd(void **state)
{
    (void)state;
    char buf[32];
    /* The listener at fd 3, as systemd passes it, before anything else
     * (the server's own event loops) can take fd 3. */
    int port = 0;
    int fd = tcp_listener(&port);
    int saved3 = fd == 3 ? -1 : dup(3); /* whatever the runner had there */
    if (fd != 3) {
        assert_int_equal(dup2(fd, 3), 3);
        close(fd);
    }
    trpc_server *srv = NULL;
    int n = -1;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    /* Not activated. */
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    assert_int_equal(trpc_server_listen_systemd(srv, &n), TRPC_OK);
    assert_int_equal(n, 0);
    /* For another process: left alone. */
    snprintf(buf, sizeof buf, "%ld", (long)getpid() + 1);
    setenv("LISTEN_PID", buf, 1);
    setenv("LISTEN_FDS", "1", 1);
    assert_int_equal(trpc_server_listen_systemd(srv, &n), TRPC_OK);
    assert_int_equal(n, 0);
    assert_non_null(getenv("LISTEN_FDS"));
    /* Ours. */
    snprintf(buf, sizeof buf, "%ld", (long)getpid());
    setenv("LISTEN_PID", buf, 1);
    setenv("LISTEN_FDS", "1", 1);
    setenv("LISTEN_FDNAMES", "grpc", 1);
    assert_int_equal(trpc_server_listen_systemd(srv, &n), TRPC_OK);
    assert_int_equal(n, 1);
    assert_null(getenv("LISTEN_PID"));
    assert_null(getenv("LISTEN_FDS"));
    assert_null(getenv("LISTEN_FDNAMES"));
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    expect_echo(port);
    trpc_server_free(srv); /* closes fd 3 */
    assert_int_equal(fcntl(3, F_GETFD), -1);
    if (saved3 >= 0) {
        dup2(saved3, 3);
        close(saved3);
    }
    /* A malformed count is an error, and the variables go all the same. */
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    setenv("LISTEN_PID", buf, 1);
    setenv("LISTEN_FDS", "one", 1);
    assert_int_equal(trpc_server_listen_systemd(srv, &n), TRPC_EINVAL);
    assert_int_equal(n, 0);
    assert_null(getenv("LISTEN_FDS"));
    trpc_server_free(srv);
}

/* A datagram socket bound at name (abstract when it starts with '@'). */
static int notify_socket(const char *name)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    size_t len = strlen(name);
    memcpy(sun.sun_path, name, len);
    if (name[0] == '@') {
        sun.sun_path[0] = '\0';
    } else {
        unlink(name);
        len++;
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&sun,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)),
                     0);
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void expect_datagram(int fd, const char *want)
{
    char got[256];
    ssize_t n = recv(fd, got, sizeof got - 1, 0);
    assert_true(n >= 0);
    got[n] = '\0';
    assert_string_equal(got, want);
}

static void test_sd_notify(void **state)
{
    (void)state;
    bool sent = true;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(trpc_sd_notify("READY=1", &sent), TRPC_OK);
    assert_false(sent);
    assert_int_equal(trpc_sd_notify("", NULL), TRPC_EINVAL);
    assert_int_equal(trpc_sd_notify(NULL, NULL), TRPC_EINVAL);

    char path[64];
    snprintf(path, sizeof path, "/tmp/trpc-notify-%ld", (long)getpid());
    int fd = notify_socket(path);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(trpc_sd_notify("READY=1", &sent), TRPC_OK);
    assert_true(sent);
    expect_datagram(fd, "READY=1");
    assert_int_equal(trpc_sd_notify("STOPPING=1\nSTATUS=bye", NULL), TRPC_OK);
    expect_datagram(fd, "STOPPING=1\nSTATUS=bye");
    close(fd);
    unlink(path);
    /* Nobody listens there any more. */
    assert_int_equal(trpc_sd_notify("READY=1", NULL), TRPC_ESYS);

    char abs[64];
    snprintf(abs, sizeof abs, "@trpc-notify-%ld", (long)getpid());
    fd = notify_socket(abs);
    setenv("NOTIFY_SOCKET", abs, 1);
    assert_int_equal(trpc_sd_notify("READY=1", &sent), TRPC_OK);
    assert_true(sent);
    expect_datagram(fd, "READY=1");
    close(fd);

    setenv("NOTIFY_SOCKET", "relative/path", 1);
    assert_int_equal(trpc_sd_notify("READY=1", NULL), TRPC_EINVAL);
    unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First, while fd 3 is nobody's yet (later it is a libevent epoll
         * fd of the client's loop), as in a process systemd starts. */
        cmocka_unit_test(test_listen_systemd),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_watch_changes),
        cmocka_unit_test(test_many_watchers),
        cmocka_unit_test(test_shutdown_flips),
        cmocka_unit_test(test_listen_fd),
        cmocka_unit_test(test_sd_notify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
