/*
 * fanout_client.c — a small load client for the scale-out test.
 *
 *   fanout_client --target HOST:PORT [--threads T] (--calls N | --seconds S)
 *                 [--lb POLICY] [--backoff-ms MS] [--retry N] [--health SERVICE]
 *
 * T threads (default 8), each with its own channel, call
 * helloworld.Greeter/SayHello back to back — N calls in all, or for S
 * seconds — against a target that is normally nginx in front of several
 * greeter_server instances started with --id. Every reply must read
 * "Hello fanout from ID"; the client counts the calls each ID answered and
 * every failure (any status but OK, or a reply of another form), and prints
 *
 *   total=N ok=N failed=N ID=N ID=N ...
 *
 * at the end and, as "snapshot ...", whenever it gets SIGUSR1, so the test
 * can bracket an event (stopping an instance) with two snapshots. The first
 * few failures are printed with their status and message. Exits 0 when
 * every call succeeded, 1 otherwise, 2 on bad usage.
 *
 * Without nginx (tests/scaleout/lb.sh): the target lists the instances
 * ("ipv4:127.0.0.1:P1,127.0.0.1:P2,...") and --lb picks the channels'
 * load-balancing policy; --backoff-ms MS sets their reconnect backoff
 * (initial MS, at most 4 x MS) so an instance that comes back is tried
 * again soon; --retry N retries a call that fails UNAVAILABLE before the
 * server answered (its instance died under it, say) up to N attempts in
 * all (gRPC's retry policy, A6).  --health SERVICE turns on client-side
 * health checking of SERVICE ("" for the whole server; tests/scaleout/
 * health.sh): NOT_SERVING instances get no calls.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helloworld.trpc.h"

enum { MAX_IDS = 16, MAX_THREADS = 64, REPORTED_FAILURES = 5 };

/* The counts every thread adds to, under one mutex (calls take far longer
 * than the lock). */
static struct {
    pthread_mutex_t mu;
    long ok, failed, issued;
    int n_ids;
    char ids[MAX_IDS][64];
    long per_id[MAX_IDS];
} tally = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char *target;
static long max_calls = -1;       /* --calls; -1: run for --seconds */
static struct timespec deadline;  /* --seconds */

static int past_deadline(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline.tv_sec ||
           (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

/* Claims the next call; 0 when there are no more to make. */
static int next_call(void)
{
    int more;
    pthread_mutex_lock(&tally.mu);
    if (max_calls >= 0)
        more = tally.issued < max_calls;
    else
        more = !past_deadline();
    if (more)
        tally.issued++;
    pthread_mutex_unlock(&tally.mu);
    return more;
}

/* Counts one answer: message is the reply's text, or NULL on failure. */
static void record(const char *message, trpc_status st, const char *why)
{
    static const char prefix[] = "Hello fanout from ";
    pthread_mutex_lock(&tally.mu);
    if (message && strncmp(message, prefix, sizeof prefix - 1) == 0) {
        const char *id = message + sizeof prefix - 1;
        int i = 0;
        while (i < tally.n_ids && strcmp(tally.ids[i], id) != 0)
            i++;
        if (i == tally.n_ids && i < MAX_IDS) {
            snprintf(tally.ids[i], sizeof tally.ids[i], "%s", id);
            tally.n_ids++;
        }
        if (i < MAX_IDS) {
            tally.per_id[i]++;
            tally.ok++;
            pthread_mutex_unlock(&tally.mu);
            return;
        }
        why = "too many instance ids";
    }
    if (tally.failed++ < REPORTED_FAILURES)
        fprintf(stderr, "fanout_client: call failed: %s: %s%s%s\n", trpc_status_name(st),
                why ? why : "", message ? " reply " : "", message ? message : "");
    pthread_mutex_unlock(&tally.mu);
}

static void print_tally(const char *label)
{
    pthread_mutex_lock(&tally.mu);
    printf("%stotal=%ld ok=%ld failed=%ld", label, tally.ok + tally.failed, tally.ok,
           tally.failed);
    for (int i = 0; i < tally.n_ids; i++)
        printf(" %s=%ld", tally.ids[i], tally.per_id[i]);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&tally.mu);
}

static const char *lb_policy;
static int backoff_ms; /* 0: the default */
static int retry_attempts; /* 0: no retries */
static const char *health_service; /* NULL: no health checking */

static void *caller(void *arg)
{
    (void)arg;
    trpc_channel *ch;
    const trpc_retry_policy retry =
        TRPC_RETRY_POLICY(.max_attempts = retry_attempts,
                          .retryable_codes = TRPC_RETRY_ON(TRPC_STATUS_UNAVAILABLE));
    const trpc_retry_policy *retries[] = { &retry };
    trpc_channel_opts opts = TRPC_CHANNEL_OPTS(.lb_policy = lb_policy,
                                               .backoff_initial_ms = backoff_ms,
                                               .backoff_max_ms = 4 * backoff_ms,
                                               .health_check_service = health_service);
    if (retry_attempts) {
        opts.retry_policies = retries;
        opts.nretry_policies = 1;
    }
    trpc_error rv = trpc_channel_new(&ch, target, &opts);
    if (rv != TRPC_OK) {
        fprintf(stderr, "fanout_client: %s: %s\n", target, trpc_strerror(rv));
        while (next_call())
            record(NULL, TRPC_STATUS_UNAVAILABLE, "no channel");
        return NULL;
    }
    Helloworld__Greeter_Client *greeter = helloworld__greeter__client(ch);
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    req.name = "fanout";
    while (next_call()) {
        Helloworld__HelloReply *reply = NULL;
        char *message = NULL;
        trpc_status st = helloworld__greeter__say_hello(
            greeter, &req, &reply, &TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &message));
        if (st == TRPC_STATUS_OK) {
            record(reply->message, st, "unexpected reply");
            helloworld__hello_reply__free_unpacked(reply, NULL);
        } else {
            record(NULL, st, message);
        }
        free(message);
    }
    trpc_channel_free(ch);
    return NULL;
}

/* Prints a snapshot on every SIGUSR1 (blocked in every other thread). */
static void *snapshots(void *arg)
{
    sigset_t *set = arg;
    for (;;) {
        int sig;
        if (sigwait(set, &sig) == 0)
            print_tally("snapshot ");
    }
    return NULL;
}

static int usage(void)
{
    fputs("Usage: fanout_client --target HOST:PORT [--threads T] (--calls N | --seconds S)\n"
          "                     [--lb POLICY] [--backoff-ms MS] [--retry N]\n"
          "                     [--health SERVICE]\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    long threads = 8, seconds = -1;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        const char *a = argv[i], *v = argv[++i];
        char *end;
        long n = strtol(v, &end, 10);
        if (strcmp(a, "--target") == 0)
            target = v;
        else if (strcmp(a, "--lb") == 0)
            lb_policy = v;
        else if (strcmp(a, "--health") == 0)
            health_service = v;
        else if (*end || n < 1)
            return usage();
        else if (strcmp(a, "--threads") == 0 && n <= MAX_THREADS)
            threads = n;
        else if (strcmp(a, "--calls") == 0)
            max_calls = n;
        else if (strcmp(a, "--seconds") == 0 && n <= 600)
            seconds = n;
        else if (strcmp(a, "--backoff-ms") == 0 && n <= 100000)
            backoff_ms = (int)n;
        else if (strcmp(a, "--retry") == 0 && n >= 2 && n <= 5)
            retry_attempts = (int)n;
        else
            return usage();
    }
    if (!target || (max_calls < 0) == (seconds < 0))
        return usage();
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += seconds;

    static sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    pthread_t snap, th[MAX_THREADS];
    if (pthread_create(&snap, NULL, snapshots, &usr1) != 0) {
        fputs("fanout_client: cannot start a thread\n", stderr);
        return 1;
    }
    pthread_detach(snap);
    long started = 0;
    for (; started < threads; started++)
        if (pthread_create(&th[started], NULL, caller, NULL) != 0)
            break;
    if (started == 0) {
        fputs("fanout_client: cannot start a thread\n", stderr);
        return 1;
    }
    for (long i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    print_tally("");
    pthread_mutex_lock(&tally.mu);
    int ok = tally.failed == 0 && tally.ok > 0;
    pthread_mutex_unlock(&tally.mu);
    return ok ? 0 : 1;
}
