/*
 * fuzz_client_response.c — libFuzzer target for the channel's response
 * path (client/conn.c, client/stream.c, client/unary.c over h2/conn.c:
 * the nghttp2 client session, response headers, gRPC framing,
 * decompression, reply decoding, trailers, status and message parsing,
 * GOAWAY and RST_STREAM handling).
 *
 * The first input byte picks the call (mod 5): 0 unary, 1 server
 * streaming, 2 client streaming, 3 bidi (each with trpc_stream_*), 4 unary
 * with trpc_channel_unary_async.  The rest is what the server sends.
 * For each input a channel to a unix socket this target listens on makes
 * that call; a thread of the target accepts the connection, reads until
 * the request's HEADERS (stream 1) has arrived, writes the input as the
 * server's bytes and shuts its sending side (EOF); a second connection
 * (the channel retrying a stream the input refused) is closed at once.
 * The call ends: every reply is received, the call finished, the channel
 * freed.  The channel runs on its
 * own I/O thread, as in an application: runs are deterministic up to how
 * the kernel splits the bytes into reads.
 *
 * Any crash, sanitizer report, leak or hang (the call has a 10 s deadline;
 * libFuzzer's -timeout catches the rest) is a bug: no server may cause one.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "echo.trpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int lfd = -1;
static int wake[2]; /* a byte in it: the fake server stops */
static bool verbose; /* TRPC_FUZZ_VERBOSE set: print each call's end */
static char dir[64];
static char target[128];

static void cleanup(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/s", dir);
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/trpc-fuzz-XXXXXX");
    if (!mkdtemp(dir)) {
        abort();
    }
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/s", dir);
    snprintf(target, sizeof target, "unix:%s", sun.sun_path);
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof sun) != 0 || listen(lfd, 8) != 0) {
        abort();
    }
    if (pipe(wake) != 0) {
        abort();
    }
    atexit(cleanup);
    verbose = getenv("TRPC_FUZZ_VERBOSE") != NULL;
    return 0;
}

/* Reads the client's bytes on fd until the HEADERS of stream 1 is in (or
 * 2 s pass, or the client closes). */
static void await_request(int fd)
{
    static const size_t preface = 24;
    uint8_t buf[16384];
    size_t have = 0, at = preface;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 2000) <= 0) {
            return;
        }
        if (have == sizeof buf) {
            return;
        }
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n <= 0) {
            return;
        }
        have += (size_t)n;
        while (at + 9 <= have) {
            size_t len = (size_t)buf[at] << 16 | (size_t)buf[at + 1] << 8 | buf[at + 2];
            uint8_t type = buf[at + 3];
            uint32_t sid = ((uint32_t)buf[at + 5] << 24 | (uint32_t)buf[at + 6] << 16 |
                            (uint32_t)buf[at + 7] << 8 | buf[at + 8]) & 0x7fffffffu;
            if (at + 9 + len > have) {
                break;
            }
            at += 9 + len;
            if (type == 1 && sid == 1) {
                return;
            }
        }
    }
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        /* MSG_NOSIGNAL: the channel may have closed already. */
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            return; /* the client closed: fine */
        }
        p += k;
        n -= (size_t)k;
    }
}

/* Closes connections waiting to be accepted (a previous input's). */
static void drop_backlog(void)
{
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    while (poll(&p, 1, 0) > 0) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            return;
        }
        close(fd);
    }
}

/* The fake server, on its own thread while the call runs: the first
 * connection gets the input; any later one (the channel retrying a stream
 * the input's GOAWAY or REFUSED_STREAM refused) is closed at once. */
typedef struct fake {
    const uint8_t *data;
    size_t size;
    atomic_bool stop;
} fake;

static void *fake_server(void *arg)
{
    fake *f = arg;
    int first = -1;
    while (!atomic_load(&f->stop)) {
        struct pollfd p[2] = { { .fd = lfd, .events = POLLIN }, { .fd = wake[0], .events = POLLIN } };
        if (poll(p, 2, 1000) <= 0 || !(p[0].revents & POLLIN)) {
            continue;
        }
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        if (first >= 0) {
            close(fd);
            continue;
        }
        first = fd;
        await_request(fd);
        write_all(fd, f->data, f->size);
        shutdown(fd, SHUT_WR);
    }
    if (first >= 0) {
        close(first);
    }
    return NULL;
}

/* ---- the async unary call ---- */

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
} waiter;

static void report(unsigned kind, trpc_status st, const char *msg)
{
    if (verbose) {
        fprintf(stderr, "fuzz_client_response: kind %u: status %d %s\n", kind, (int)st,
                msg ? msg : "");
    }
}

static void unary_done(const trpc_unary_result *r, trpc_fn fn, void *user)
{
    (void)fn;
    waiter *w = user;
    report(4, r->status, r->message);
    if (r->reply) {
        protobuf_c_message_free_unpacked(r->reply, NULL);
    }
    (void)trpc_metadata_count(r->headers);
    (void)trpc_metadata_count(r->trailers);
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    unsigned kind = data[0] % 5;
    data++;
    size--;
    drop_backlog();
    trpc_channel *ch;
    trpc_channel_opts co = TRPC_CHANNEL_OPTS(.connect_timeout_ms = 5000);
    if (trpc_channel_new(&ch, target, &co) != TRPC_OK) {
        abort();
    }
    trpc_metadata *headers = NULL, *trailers = NULL;
    trpc_metadata_new(&headers);
    trpc_metadata_new(&trailers);
    char *message = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 10000, .headers = headers,
                                         .trailers = trailers, .message = &message);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "fuzz";
    req.count = 3;
    waiter w = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false };
    trpc_stream *s = NULL;
    if (kind == 4) {
        trpc_call_opts ao = TRPC_CALL_OPTS(.timeout_ms = 10000);
        if (trpc_channel_unary_async(ch, &echo__echo__trpc_methods[0], &req.base, &ao,
                                     unary_done, NULL, &w) != TRPC_OK) {
            abort();
        }
    } else {
        if (trpc_stream_start(&s, ch, &echo__echo__trpc_methods[kind], &opts) != TRPC_OK) {
            abort();
        }
        int nreq = kind >= 2 ? 2 : 1;
        for (int i = 0; i < nreq; i++) {
            if (trpc_stream_send(s, &req.base) != TRPC_OK) {
                break;
            }
        }
        trpc_stream_close_send(s);
    }
    fake f = { data, size, false };
    pthread_t th;
    if (pthread_create(&th, NULL, fake_server, &f) != 0) {
        abort();
    }
    if (kind == 4) {
        pthread_mutex_lock(&w.mu);
        while (!w.done) {
            pthread_cond_wait(&w.cv, &w.mu);
        }
        pthread_mutex_unlock(&w.mu);
    } else if (kind == 2) {
        ProtobufCMessage *reply = NULL;
        trpc_status st = trpc_stream_finish_unary(s, &reply);
        report(kind, st, message);
        if (reply) {
            protobuf_c_message_free_unpacked(reply, NULL);
        }
    } else {
        ProtobufCMessage *msg;
        while (trpc_stream_recv(s, &msg)) {
            protobuf_c_message_free_unpacked(msg, NULL);
        }
        (void)trpc_stream_headers(s);
        trpc_status st = trpc_stream_finish(s);
        report(kind, st, message);
    }
    atomic_store(&f.stop, true);
    if (write(wake[1], "", 1) != 1) {
        abort();
    }
    pthread_join(th, NULL);
    char b;
    if (read(wake[0], &b, 1) != 1) {
        abort();
    }
    trpc_channel_free(ch);
    free(message);
    trpc_metadata_free(headers);
    trpc_metadata_free(trailers);
    return 0;
}
