/*
 * failmalloc.c — whole gRPC call scenarios with the Nth allocation failing.
 *
 * nghttp2's failmalloc tests are the model: run a scenario once counting
 * allocations, then once for every N (or every Kth N) from 1 up to that
 * count with allocation N failing, and require each run to end cleanly:
 * every function returns an error or a status (a call that reports OK must
 * carry the right replies), nothing crashes, nothing leaks (each run is a
 * forked child under ASan/LSan, which checks for leaks at its exit), and
 * nothing hangs (the parent kills a run that outlasts RUN_LIMIT_S).
 *
 * The scenario, in one process over loopback TCP: a server (one worker)
 * serving echo.Echo (tests/fuzz/fuzz_echo.c: handlers answer at once) and
 * a channel making calls: "unary" one unary call; "full" four unary
 * calls (plain; with request metadata, a -bin value among it, echoed as
 * headers and trailers; gzip-compressed both ways; failed by the server
 * with a status and message),
 * a server stream (3 replies), a client stream and a bidi stream (2
 * requests each; the bidi handlers run on the server's executor thread);
 * then the channel is freed and the server shut down and freed.  "h1": the
 * same server, and two unary calls over HTTP/1.1 on one keep-alive
 * connection from a plain socket (the server's HTTP/1.1 bridge,
 * runtime/server/h1.c: its parser, its nghttp2 client session and the pair
 * into the server connection), the second with Connection: close.
 *
 * Allocations counted and failed:
 *   - typerpc's own (the runtime, and the generated code: malloc, calloc,
 *     realloc, strdup), through the linker's --wrap (tests/failmalloc/
 *     CMakeLists.txt): a seam of the test program alone, nothing in the
 *     library changes or slows down.  That covers nghttp2's session memory
 *     too: sessions allocate through the runtime's nghttp2_mem (h2/pool.c);
 *   - libevent's (event_set_mem_functions(), before any other libevent
 *     call: event bases, events, evbuffers, bufferevents, locks);
 *   - protobuf-c's decoding of replies (the calls' allocator option; the
 *     server decodes into its call arenas, which are typerpc's).
 * Not counted: allocations inside libnghttp2 through its default allocator
 * (session callbacks and options objects), zlib's, libc's own.
 *
 * Usage: failmalloc SCENARIO [STRIDE [FIRST [LAST]]]   (SCENARIO: unary,
 * full or h1; every STRIDE-th N, default 1, from FIRST to LAST).  Exits 0 when
 * every run ended cleanly.  With FAILMALLOC_TRACE set, each run prints the
 * stack of the allocation it fails (to find the code a problem is in).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <execinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include "echo.trpc.h"
#include "fuzz_echo.h"

#define RUN_LIMIT_S 60
#define CALL_TIMEOUT_MS 20000

/* ---- the failing allocator -------------------------------------------------------------- */

static atomic_long allocs;
static long fail_at; /* 0: never */
static atomic_int failed; /* the failure happened */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static bool trace; /* FAILMALLOC_TRACE set: print where the failure is */

static bool fail_now(void)
{
    long n = atomic_fetch_add(&allocs, 1) + 1;
    if (n == fail_at) {
        atomic_store(&failed, 1);
        if (trace) {
            fprintf(stderr, "failmalloc: allocation %ld fails here:\n", n);
            void *pcs[32];
            backtrace_symbols_fd(pcs, backtrace(pcs, 32), 2);
        }
        return true;
    }
    return false;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return fail_now() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return fail_now() ? NULL : __real_realloc(p, n); }

char *__wrap_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = __wrap_malloc(n);
    if (d) {
        memcpy(d, s, n);
    }
    return d;
}

static void *pb_alloc(void *ud, size_t n)
{
    (void)ud;
    return __wrap_malloc(n);
}

static void pb_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

static ProtobufCAllocator pb_allocator = { pb_alloc, pb_free, NULL };

/* ---- the scenario (in the child) -------------------------------------------------------- */

/* A run's outcome, written to the parent through a pipe. */
typedef struct outcome {
    long allocs;
    int setup_failed;   /* the server or channel could not be made */
    int calls, calls_ok; /* calls_ok: ended as they do without failures */
    int bad;            /* a wrong result: OK with wrong replies, a bad status */
    char what[200];
} outcome;

static outcome out;

static void bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bad(const char *fmt, ...)
{
    out.bad++;
    if (!out.what[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out.what, sizeof out.what, fmt, ap);
        va_end(ap);
    }
}

/* Counts a call that ended with st (expect: the status it has when
 * nothing fails). */
static void check_status(const char *call, trpc_status st, const char *msg, trpc_status expect)
{
    if (trace) {
        fprintf(stderr, "failmalloc: %s: status %d %s\n", call, (int)st, msg ? msg : "");
    }
    out.calls++;
    if ((unsigned)st > 16) {
        bad("%s: status %d out of range", call, (int)st);
    } else if (st == expect) {
        out.calls_ok++;
    } else if (st == TRPC_STATUS_DEADLINE_EXCEEDED) {
        /* An allocation failure lost an event: the call only ended at
         * its deadline (20 s; nothing else here takes a tenth of that). */
        bad("%s: hung until its deadline (status %d)", call, (int)st);
    }
}

/* A unary call.  mode "metadata": with request metadata (a -bin value
 * among it), which the server echoes as headers and trailers; code != 0:
 * the server fails it with that status and a message. */
static void unary_call(trpc_channel *ch, const char *mode, int code)
{
    /* gzip: long enough to be compressed both ways (over 256 bytes). */
    static const char long_text[] =
        "hello hello hello hello hello hello hello hello hello hello hello hello "
        "hello hello hello hello hello hello hello hello hello hello hello hello "
        "hello hello hello hello hello hello hello hello hello hello hello hello "
        "hello hello hello hello hello hello hello hello hello hello hello hello";
    bool gzip = strcmp(mode, "gzip") == 0;
    const char *text = gzip ? long_text : "hello";
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = (char *)text;
    req.mode = (char *)mode;
    req.code = code;
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    trpc_metadata *md = NULL, *trailers = NULL;
    if (strcmp(mode, "metadata") == 0) {
        /* Failures here are the test's allocations failing: fine, the
         * call goes without (NULL is no metadata). */
        if (trpc_metadata_new(&md) == TRPC_OK) {
            trpc_metadata_add_str(md, "x-user", "alice");
            trpc_metadata_add(md, "x-trace-bin", "\x00\xff\x10", 3);
        }
        trpc_metadata_new(&trailers);
    }
    trpc_call_opts o = TRPC_CALL_OPTS(.timeout_ms = CALL_TIMEOUT_MS, .allocator = &pb_allocator,
                                      .message = &msg, .metadata = md, .trailers = trailers,
                                      .compression = gzip ? TRPC_COMPRESS_GZIP
                                                          : TRPC_COMPRESS_DEFAULT);
    trpc_status st = echo__echo__unary(echo__echo__client(ch), &req, &reply, &o);
    check_status("unary", st, msg, (trpc_status)code);
    if (code != 0 && st == TRPC_STATUS_OK) {
        bad("unary: OK where the server failed the call with %d", code);
    }
    if (code != 0 && st == (trpc_status)code && (!msg || strcmp(msg, "hello") != 0)) {
        bad("unary: status %d with message \"%s\", not \"hello\"", code, msg ? msg : "(none)");
    }
    if (st == TRPC_STATUS_OK && (!reply || !reply->text || strcmp(reply->text, text) != 0)) {
        bad("unary: OK with a wrong reply");
    }
    size_t n = 0;
    const void *v = trailers && md && trpc_metadata_count(md) == 2
                        ? trpc_metadata_get(trailers, "x-trace-bin", &n)
                        : NULL;
    if (st == TRPC_STATUS_OK && trailers && md && trpc_metadata_count(md) == 2 &&
        (!v || n != 3 || memcmp(v, "\x00\xff\x10", 3) != 0)) {
        bad("unary: OK without the -bin trailer echoed");
    }
    free(msg);
    trpc_metadata_free(md);
    trpc_metadata_free(trailers);
    if (reply) {
        protobuf_c_message_free_unpacked(&reply->base, &pb_allocator);
    }
}

/* A streaming call of method index m: sends nreq requests, receives every
 * reply; expect replies on OK (-1: a single reply, whose index counts the
 * requests the server got; bidi: one per request sent). */
static void stream_call(trpc_channel *ch, int m, int nreq, int expect)
{
    static const char *const names[] = { "unary", "server_stream", "client_stream", "bidi" };
    const char *name = names[m];
    char *msg = NULL;
    trpc_call_opts o = TRPC_CALL_OPTS(.timeout_ms = CALL_TIMEOUT_MS, .allocator = &pb_allocator,
                                      .message = &msg);
    trpc_stream *s;
    trpc_error rv = trpc_stream_start(&s, ch, &echo__echo__trpc_methods[m], &o);
    if (rv != TRPC_OK) {
        out.calls++;
        if (rv != TRPC_ENOMEM) {
            bad("%s: trpc_stream_start: error %d", name, (int)rv);
        }
        return;
    }
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "s";
    req.count = 3;
    /* A send may fail (TRPC_ENOMEM, reported): the call goes on with the
     * requests sent, and its replies must match those. */
    int sent = 0;
    for (int i = 0; i < nreq; i++) {
        trpc_error se = trpc_stream_send(s, &req.base);
        if (se != TRPC_OK) {
            if (se != TRPC_ENOMEM && se != TRPC_ECLOSED) {
                bad("%s: trpc_stream_send: error %d", name, (int)se);
            }
            break;
        }
        sent++;
    }
    if (m == 3) {
        expect = sent; /* bidi echoes each request */
    }
    trpc_stream_close_send(s);
    if (expect < 0) {
        ProtobufCMessage *reply = NULL;
        trpc_status st = trpc_stream_finish_unary(s, &reply);
        check_status(name, st, msg, TRPC_STATUS_OK);
        free(msg);
        if (st == TRPC_STATUS_OK &&
            (!reply || ((Echo__EchoReply *)reply)->index != sent)) {
            bad("%s: OK with a wrong reply (index %d)", name,
                reply ? ((Echo__EchoReply *)reply)->index : -1);
        }
        if (reply) {
            protobuf_c_message_free_unpacked(reply, &pb_allocator);
        }
        return;
    }
    int got = 0;
    ProtobufCMessage *rep;
    while (trpc_stream_recv(s, &rep)) {
        got++;
        protobuf_c_message_free_unpacked(rep, &pb_allocator);
    }
    trpc_status st = trpc_stream_finish(s);
    check_status(name, st, msg, TRPC_STATUS_OK);
    free(msg);
    if (st == TRPC_STATUS_OK && got != expect) {
        bad("%s: OK with %d replies", name, got);
    }
}

/* The first n-byte needle in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *needle, size_t n)
{
    for (; p && end - p >= (ptrdiff_t)n; p++) {
        if (memcmp(p, needle, n) == 0) {
            return p;
        }
    }
    return NULL;
}

/* The HTTP/1.1 calls (scenario "h1"): a gRPC-framed EchoRequest{text:
 * "h1"} POSTed twice on one connection, the second with Connection:
 * close; the replies read until the server closes.  A call is OK when its
 * response is 200 with the echo and grpc-status 0 in the chunked
 * trailers; a connection that fails or closes early fails it cleanly. */
static void h1_calls(int port)
{
    static const char body[] = "\x00\x00\x00\x00\x04\x0a\x02h1";
    static const char echo[] = "\x00\x00\x00\x00\x04\x0a\x02h1\r\n0\r\ngrpc-status: 0\r\n\r\n";
    char req[1024];
    int n = 0;
    for (int i = 0; i < 2; i++) {
        n += snprintf(req + n, sizeof req - (size_t)n,
                      "POST /echo.Echo/Unary HTTP/1.1\r\nHost: x\r\n"
                      "content-type: application/grpc\r\nte: trailers\r\n%s"
                      "content-length: %zu\r\n\r\n",
                      i ? "connection: close\r\n" : "", sizeof body - 1);
        memcpy(req + n, body, sizeof body - 1);
        n += (int)(sizeof body - 1);
    }
    out.calls += 2;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = { CALL_TIMEOUT_MS / 1000, 0 };
    if (fd < 0) {
        return;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        close(fd);
        return;
    }
    char got[8192];
    size_t len = 0;
    for (;;) {
        ssize_t r = recv(fd, got + len, sizeof got - 1 - len, 0);
        if (r < 0 && errno == EAGAIN) {
            bad("h1: no close within %d ms", CALL_TIMEOUT_MS);
            break;
        }
        if (r <= 0 || len + (size_t)r >= sizeof got - 1) {
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    got[len] = 0;
    /* Each OK response: the status line, its headers, then the echo
     * chunk and the trailers. */
    const char *p = got, *end = got + len;
    for (int i = 0; i < 2; i++) {
        const char *st = find(p, end, "HTTP/1.1 ", 9);
        if (!st || (size_t)(end - st) < 13 || memcmp(st, "HTTP/1.1 200 ", 13) != 0) {
            break; /* closed early, or a 5xx: the server failed it cleanly */
        }
        const char *e = find(st, end, echo, sizeof echo - 1);
        const char *next = find(st + 1, end, "HTTP/1.1 ", 9);
        if (!e || (next && e > next)) {
            if (find(st, next ? next : end, "grpc-status: 0", 14)) {
                bad("h1: grpc-status 0 without the echo");
            }
            break;
        }
        out.calls_ok++;
        p = e + sizeof echo - 1;
    }
    if (trace) {
        fprintf(stderr, "failmalloc: h1: %d of 2 OK\n", out.calls_ok);
    }
}

static void scenario(bool full, bool h1)
{
    trpc_server *srv = NULL;
    trpc_server_opts so = TRPC_SERVER_OPTS(.workers = 1, .executor_threads = 1);
    if (trpc_server_new(&srv, &so) != TRPC_OK) {
        out.setup_failed = 1;
        return;
    }
    int port = 0;
    trpc_channel *ch = NULL;
    char target[64];
    if (echo__echo__serve(srv, &fuzz_echo_impl, NULL) != TRPC_OK ||
        (full && trpc_server_use_executor(srv, "/echo.Echo/Bidi") != TRPC_OK) ||
        trpc_server_listen(srv, "127.0.0.1:0", &port) != TRPC_OK ||
        trpc_server_start(srv) != TRPC_OK) {
        out.setup_failed = 1;
        goto done;
    }
    if (h1) {
        h1_calls(port);
        goto done;
    }
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    trpc_channel_opts co = TRPC_CHANNEL_OPTS(.backoff_initial_ms = 50);
    if (trpc_channel_new(&ch, target, &co) != TRPC_OK) {
        out.setup_failed = 1;
        goto done;
    }
    unary_call(ch, "", 0);
    if (full) {
        unary_call(ch, "metadata", 0);
        unary_call(ch, "gzip", 0);
        unary_call(ch, "", TRPC_STATUS_NOT_FOUND);
        stream_call(ch, 1, 1, 3);
        stream_call(ch, 2, 2, -1);
        stream_call(ch, 3, 2, 2);
    }
done:
    trpc_channel_free(ch);
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
}

static void *ev_malloc(size_t n) { return __wrap_malloc(n); }
static void *ev_realloc(void *p, size_t n) { return __wrap_realloc(p, n); }
static void ev_free(void *p) { free(p); }

/* The child: one run with allocation n failing (0: none). */
static void child(long n, bool full, bool h1, int fd)
{
    /* Before anything else touches libevent. */
    event_set_mem_functions(ev_malloc, ev_realloc, ev_free);
    alarm(RUN_LIMIT_S + 5); /* the parent kills first; this is a backstop */
    fail_at = n;
    scenario(full, h1);
    out.allocs = atomic_load(&allocs);
    if (write(fd, &out, sizeof out) != (ssize_t)sizeof out) {
        _exit(3);
    }
    close(fd);
    exit(0); /* exit, not _exit: LeakSanitizer checks here */
}

/* ---- the parent ------------------------------------------------------------------------ */

typedef struct result {
    int status;     /* waitpid's, or -1: killed (hung) */
    bool have_out;
    outcome out;
} result;

static result run(long n, bool full, bool h1)
{
    result r = { 0 };
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(p[0]);
        child(n, full, h1, p[1]);
    }
    close(p[1]);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        pid_t w = waitpid(pid, &r.status, WNOHANG);
        if (w == pid) {
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > RUN_LIMIT_S) {
            kill(pid, SIGKILL);
            waitpid(pid, &r.status, 0);
            r.status = -1;
            break;
        }
        struct timespec d = { 0, 2 * 1000 * 1000 };
        nanosleep(&d, NULL);
    }
    r.have_out = read(p[0], &r.out, sizeof r.out) == (ssize_t)sizeof r.out;
    close(p[0]);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 5 ||
        (strcmp(argv[1], "unary") != 0 && strcmp(argv[1], "full") != 0 &&
         strcmp(argv[1], "h1") != 0)) {
        fprintf(stderr, "usage: %s unary|full|h1 [STRIDE [FIRST [LAST]]]\n", argv[0]);
        return 2;
    }
    bool full = strcmp(argv[1], "full") == 0;
    bool h1 = strcmp(argv[1], "h1") == 0;
    long stride = argc >= 3 ? atol(argv[2]) : 1;
    if (stride < 1) {
        stride = 1;
    }
    long first = argc >= 4 ? atol(argv[3]) : 1;
    long last = argc >= 5 ? atol(argv[4]) : 0;
    trace = getenv("FAILMALLOC_TRACE") != NULL;
    result base = run(0, full, h1);
    if (base.status != 0 || !base.have_out || base.out.bad || base.out.setup_failed ||
        base.out.calls_ok != base.out.calls) {
        fprintf(stderr, "failmalloc %s: the run without failures did not succeed (status %d: %s)\n",
                argv[1], base.status, base.have_out ? base.out.what : "no outcome");
        return 1;
    }
    long total = base.out.allocs;
    printf("failmalloc %s: %ld allocations without failures, %d calls OK; failing every %ld%s\n",
           argv[1], total, base.out.calls, stride, stride == 1 ? "" : " (a stride)");
    if (last > 0 && last < total) {
        total = last;
    }
    long runs = 0, problems = 0, setup_failed = 0, some_failed = 0, all_ok = 0;
    for (long n = first < 1 ? 1 : first; n <= total; n += stride) {
        result r = run(n, full, h1);
        runs++;
        const char *why = NULL;
        char buf[300];
        if (r.status == -1) {
            why = "hung (killed)";
        } else if (WIFSIGNALED(r.status)) {
            snprintf(buf, sizeof buf, "killed by signal %d", WTERMSIG(r.status));
            why = buf;
        } else if (WEXITSTATUS(r.status) != 0) {
            snprintf(buf, sizeof buf, "exit status %d (a sanitizer report above: %s)",
                     WEXITSTATUS(r.status), r.have_out ? "after the scenario, e.g. a leak" : "a crash");
            why = buf;
        } else if (!r.have_out) {
            why = "no outcome";
        } else if (r.out.bad) {
            why = r.out.what;
        }
        if (why) {
            problems++;
            printf("  N=%ld: %s\n", n, why);
            continue;
        }
        if (r.out.setup_failed) {
            setup_failed++;
        } else if (r.out.calls_ok < r.out.calls) {
            some_failed++;
        } else {
            all_ok++;
        }
    }
    printf("failmalloc %s: %ld runs: %ld ended cleanly with the server or channel not made, "
           "%ld with calls failing cleanly, %ld with every call OK (the failure absorbed); "
           "%ld problems\n",
           argv[1], runs, setup_failed, some_failed, all_ok, problems);
    return problems ? 1 : 0;
}
