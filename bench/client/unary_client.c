/*
 * unary_client.c — the typerpc side of the client benchmark (bench/client.sh).
 *
 *   trpc_unary_client --target HOST:PORT --calls N
 *                     (--inflight M | --threads T) [--warmup W]
 *
 * Drives N helloworld.Greeter/SayHello calls ("world" -> "Hello world") over
 * one channel (one HTTP/2 connection), either
 *   --inflight M: async, M calls in flight at all times: each completion
 *                 (on the channel's I/O thread) starts the next call; or
 *   --threads T:  blocking, T threads calling one after another.
 * W calls (default N/10, at most 10,000) warm the connection up first and
 * are not counted.  Every reply is checked; any failure fails the run.
 * Prints one line of key=value pairs: calls, wall_s, cpu_s (user + system
 * of this whole process over the counted calls, the I/O thread included),
 * calls_per_s and cpu_us_per_call.  bench/grpcpp/unary_client.cc prints the
 * same for gRPC C++.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "helloworld.trpc.h"

static const char *const WANT = "Hello world";

typedef struct run {
    Helloworld__Greeter_Client *greeter;
    Helloworld__HelloRequest req;
    long total;          /* calls to make in this phase */
    atomic_long started; /* async: calls started */
    atomic_long done;    /* calls completed, well or not */
    atomic_long failed;  /* calls that failed or replied wrongly */
    pthread_mutex_t mu;  /* async: the main thread waits for the last call */
    pthread_cond_t cv;
} run;

static bool reply_ok(const Helloworld__HelloReply *reply)
{
    return reply && reply->message && strcmp(reply->message, WANT) == 0;
}

static void on_result(const Helloworld__Greeter_SayHello_Result *result, void *user);

/* Counts one call as completed and wakes the main thread after the last.
 * total is read before the count: once the main thread sees the last count
 * it may set up the next phase. */
static void complete_one(run *r)
{
    long total = r->total;
    if (atomic_fetch_add(&r->done, 1) + 1 == total) {
        pthread_mutex_lock(&r->mu);
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
}

/* Starts the next call if any is left; false when none is. */
static bool start_next(run *r)
{
    if (atomic_fetch_add(&r->started, 1) >= r->total)
        return false;
    if (helloworld__greeter__say_hello__async(r->greeter, &r->req, NULL, on_result, r) !=
        TRPC_OK) {
        atomic_fetch_add(&r->failed, 1);
        complete_one(r);
    }
    return true;
}

/* On the I/O thread: check the reply, start the next call, count this one. */
static void on_result(const Helloworld__Greeter_SayHello_Result *result, void *user)
{
    run *r = user;
    if (result->status != TRPC_STATUS_OK || !reply_ok(result->reply)) {
        if (atomic_fetch_add(&r->failed, 1) == 0)
            fprintf(stderr, "trpc_unary_client: call failed: %s %s\n",
                    trpc_status_name(result->status), result->message ? result->message : "");
    }
    helloworld__hello_reply__free_unpacked(result->reply, NULL);
    start_next(r);
    complete_one(r);
}

static void run_async(run *r, long inflight)
{
    atomic_store(&r->started, 0);
    atomic_store(&r->done, 0);
    for (long i = 0; i < inflight && start_next(r); i++) {
    }
    pthread_mutex_lock(&r->mu);
    while (atomic_load(&r->done) < r->total)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

typedef struct worker {
    pthread_t thread;
    run *r;
    long calls;
} worker;

static void *blocking_worker(void *arg)
{
    worker *w = arg;
    for (long i = 0; i < w->calls; i++) {
        Helloworld__HelloReply *reply = NULL;
        trpc_status st = helloworld__greeter__say_hello(w->r->greeter, &w->r->req, &reply, NULL);
        if (st != TRPC_STATUS_OK || !reply_ok(reply)) {
            if (atomic_fetch_add(&w->r->failed, 1) == 0)
                fprintf(stderr, "trpc_unary_client: call failed: %s\n", trpc_status_name(st));
        }
        helloworld__hello_reply__free_unpacked(reply, NULL);
        atomic_fetch_add(&w->r->done, 1);
    }
    return NULL;
}

static bool run_threads(run *r, long threads)
{
    worker *w = calloc((size_t)threads, sizeof *w);
    if (!w)
        return false;
    atomic_store(&r->done, 0);
    long started = 0;
    for (long i = 0; i < threads; i++) {
        w[i] = (worker){ .r = r, .calls = r->total / threads + (i < r->total % threads) };
        if (pthread_create(&w[i].thread, NULL, blocking_worker, &w[i]) != 0)
            break;
        started++;
    }
    for (long i = 0; i < started; i++)
        pthread_join(w[i].thread, NULL);
    free(w);
    return started == threads;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int usage(void)
{
    fputs("usage: trpc_unary_client --target HOST:PORT --calls N (--inflight M | --threads T)\n"
          "                         [--warmup W]\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    const char *target = NULL;
    long calls = 0, inflight = 0, threads = 0, warmup = -1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--target") == 0)
            target = v;
        else if (strcmp(a, "--calls") == 0)
            calls = strtol(v, NULL, 10);
        else if (strcmp(a, "--inflight") == 0)
            inflight = strtol(v, NULL, 10);
        else if (strcmp(a, "--threads") == 0)
            threads = strtol(v, NULL, 10);
        else if (strcmp(a, "--warmup") == 0)
            warmup = strtol(v, NULL, 10);
        else
            return usage();
    }
    if (argc % 2 == 0 || !target || calls < 1 || (inflight > 0) == (threads > 0) ||
        inflight < 0 || threads < 0)
        return usage();
    if (warmup < 0)
        warmup = calls / 10 < 10000 ? calls / 10 : 10000;

    trpc_channel *ch;
    trpc_error rv = trpc_channel_new(&ch, target, NULL);
    if (rv != TRPC_OK) {
        fprintf(stderr, "trpc_unary_client: %s: %s\n", target, trpc_strerror(rv));
        return 1;
    }
    static run r; /* static: zeroed, and the atomics need no init call */
    r.greeter = helloworld__greeter__client(ch);
    helloworld__hello_request__init(&r.req);
    r.req.name = "world";
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);

    bool ok = true;
    double t0 = 0, c0 = 0;
    for (int phase = 0; phase < 2 && ok; phase++) { /* 0: warm-up, 1: counted */
        r.total = phase == 0 ? warmup : calls;
        if (r.total == 0)
            continue;
        if (phase == 1) {
            t0 = now_s();
            c0 = cpu_s();
        }
        if (inflight > 0)
            run_async(&r, inflight);
        else
            ok = run_threads(&r, threads);
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    long failed = atomic_load(&r.failed);
    trpc_channel_free(ch);
    if (!ok || failed > 0) {
        fprintf(stderr, "trpc_unary_client: %ld of %ld calls failed\n", failed, calls + warmup);
        return 1;
    }
    printf("client=typerpc mode=%s conc=%ld calls=%ld wall_s=%.4f cpu_s=%.4f calls_per_s=%.0f "
           "cpu_us_per_call=%.2f\n",
           inflight > 0 ? "inflight" : "threads", inflight > 0 ? inflight : threads, calls, wall,
           cpu, (double)calls / wall, cpu * 1e6 / (double)calls);
    return 0;
}
