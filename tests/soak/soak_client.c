/*
 * soak_client.c: keeps a gRPC interop server (grpc.testing.TestService) busy
 * with many calls at a fixed concurrency and counts every outcome, for the
 * soak run (tests/soak/soak.sh, bench/soak.sh).
 *
 * Usage: soak_client --target HOST:PORT [--unary N] [--streams S]
 *                    [--stream-replies R] [--concurrency C] [--channels K] [--sync]
 *                    [--warmup W]
 *
 * First, with --warmup, W unary calls and W/100 streams that are not
 * measured; then N unary UnaryCall calls, then S StreamingOutputCall streams of R
 * replies each, both with C calls in flight spread over K channels (K
 * connections: a server admits 100 streams per connection by default, so
 * 1,000 concurrent calls need 10).  Every call is checked: status OK and
 * the reply sizes asked for; any other outcome is a failure, counted and
 * its first few printed.  All calls are asynchronous: a call's completion,
 * on its channel's I/O thread, starts the next one, so the concurrency stays
 * at C without a thread per call.
 *
 * Prints "PHASE unary|streams PCT" at every 10% of each phase (the soak
 * script samples the server's memory there; with --sync it waits for a line
 * on stdin at the end of each phase, so the last sample is taken before the
 * next phase starts), then a summary line;
 * exits 0 only when every call succeeded.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/testing/test.trpc.h"

#define REPLY_SIZE 64
#define MAX_CHANNELS 64

typedef struct soak {
    trpc_channel *ch[MAX_CHANNELS];
    int nch;
    long total;           /* calls in this phase */
    int replies;          /* per stream */
    atomic_long started, done, failed;
    long next_mark;       /* the next percentage mark to print (under mu) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const Grpc__Testing__SimpleRequest *ureq;
    const Grpc__Testing__StreamingOutputCallRequest *sreq;
    const char *phase;
    bool sync;            /* --sync: wait for a line on stdin after each phase */
} soak;

static void failure(soak *s, const char *what, trpc_status st, const char *msg)
{
    long n = atomic_fetch_add(&s->failed, 1);
    if (n < 5) {
        fprintf(stderr, "soak_client: %s: %s: %s\n", what, trpc_status_name(st),
                msg ? msg : "");
    }
}

/* One call has ended: prints the marks it passes, wakes main at the end. */
static void finished(soak *s)
{
    long d = atomic_fetch_add(&s->done, 1) + 1;
    pthread_mutex_lock(&s->mu);
    while (s->next_mark <= 100 && d * 100 >= s->next_mark * s->total) {
        printf("PHASE %s %ld\n", s->phase, s->next_mark);
        fflush(stdout);
        s->next_mark += 10;
    }
    if (d == s->total) {
        pthread_cond_signal(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
}

static void start_unary(soak *s, long i);
static void start_stream(soak *s, long i);

/* Starts call number i if the phase has one left, on channel i % K. */
static void start_next(soak *s, bool stream)
{
    long i = atomic_fetch_add(&s->started, 1);
    if (i >= s->total) {
        return;
    }
    if (stream) {
        start_stream(s, i);
    } else {
        start_unary(s, i);
    }
}

static void unary_done(const Grpc__Testing__TestService_UnaryCall_Result *r, void *user)
{
    soak *s = user;
    if (r->status != TRPC_STATUS_OK) {
        failure(s, "UnaryCall", r->status, r->message);
    } else if (!r->reply->payload || r->reply->payload->body.len != REPLY_SIZE) {
        failure(s, "UnaryCall", TRPC_STATUS_INTERNAL, "wrong reply size");
    }
    if (r->reply) {
        grpc__testing__simple_response__free_unpacked(r->reply, NULL);
    }
    start_next(s, false);
    finished(s);
}

static void start_unary(soak *s, long i)
{
    trpc_error rv = grpc__testing__test_service__unary_call__async(
        grpc__testing__test_service__client(s->ch[i % s->nch]), s->ureq,
        &TRPC_CALL_OPTS(.timeout_ms = 60000), unary_done, s);
    if (rv != TRPC_OK) {
        failure(s, "UnaryCall start", TRPC_STATUS_INTERNAL, trpc_strerror(rv));
        finished(s);
    }
}

/* A stream's state: the replies it got. */
typedef struct stream_state {
    soak *s;
    int got;
    bool bad;
} stream_state;

static void stream_message(Grpc__Testing__TestService_StreamingOutputCall_Stream *st,
                           Grpc__Testing__StreamingOutputCallResponse *msg, void *user)
{
    (void)st;
    stream_state *ss = user;
    if (!msg->payload || msg->payload->body.len != REPLY_SIZE) {
        ss->bad = true;
    }
    ss->got++;
    grpc__testing__streaming_output_call_response__free_unpacked(msg, NULL);
}

static void stream_status(Grpc__Testing__TestService_StreamingOutputCall_Stream *st,
                          trpc_status code, const char *message, void *user)
{
    stream_state *ss = user;
    soak *s = ss->s;
    if (code != TRPC_STATUS_OK) {
        failure(s, "StreamingOutputCall", code, message);
    } else if (ss->bad || ss->got != s->replies) {
        failure(s, "StreamingOutputCall", TRPC_STATUS_INTERNAL, "wrong replies");
    }
    free(ss);
    grpc__testing__test_service__streaming_output_call__finish(st);
    start_next(s, true);
    finished(s);
}

static void start_stream(soak *s, long i)
{
    stream_state *ss = calloc(1, sizeof *ss);
    if (!ss) {
        failure(s, "StreamingOutputCall start", TRPC_STATUS_RESOURCE_EXHAUSTED, "no memory");
        finished(s);
        return;
    }
    ss->s = s;
    Grpc__Testing__TestService_StreamingOutputCall_Stream *st;
    trpc_error rv = grpc__testing__test_service__streaming_output_call__start_async(
        &st, grpc__testing__test_service__client(s->ch[i % s->nch]), s->sreq,
        &TRPC_CALL_OPTS(.timeout_ms = 60000), stream_message, stream_status, ss);
    if (rv != TRPC_OK) {
        free(ss);
        failure(s, "StreamingOutputCall start", TRPC_STATUS_INTERNAL, trpc_strerror(rv));
        finished(s);
    }
}

/* Runs one phase: total calls, concurrency in flight; waits for the end. */
static void run_phase(soak *s, const char *phase, long total, long concurrency, bool stream)
{
    if (total <= 0) {
        return;
    }
    s->phase = phase;
    s->total = total;
    atomic_store(&s->started, 0);
    atomic_store(&s->done, 0);
    s->next_mark = 0;
    printf("PHASE %s 0\n", phase);
    fflush(stdout);
    s->next_mark = 10;
    for (long i = 0; i < concurrency && i < total; i++) {
        start_next(s, stream);
    }
    pthread_mutex_lock(&s->mu);
    while (atomic_load(&s->done) < total) {
        pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    if (s->sync) {
        /* The script samples the server at the end of the phase, before the
         * next one starts: it answers with a line once it has. */
        char line[16];
        if (!fgets(line, sizeof line, stdin)) {
            s->sync = false;
        }
    }
}

static long number(const char *flag, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 0) {
        fprintf(stderr, "soak_client: %s: not a number: %s\n", flag, v);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *target = NULL;
    long unary = 100000, streams = 1000, replies = 10, concurrency = 1000, channels = 10;
    long warmup = 0;
    bool sync = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--sync") == 0) {
            sync = true;
            continue;
        }
        if (!v) {
            fprintf(stderr, "soak_client: %s needs a value\n", a);
            return 2;
        }
        if (strcmp(a, "--target") == 0) {
            target = v;
        } else if (strcmp(a, "--unary") == 0) {
            unary = number(a, v);
        } else if (strcmp(a, "--warmup") == 0) {
            warmup = number(a, v);
        } else if (strcmp(a, "--streams") == 0) {
            streams = number(a, v);
        } else if (strcmp(a, "--stream-replies") == 0) {
            replies = number(a, v);
        } else if (strcmp(a, "--concurrency") == 0) {
            concurrency = number(a, v);
        } else if (strcmp(a, "--channels") == 0) {
            channels = number(a, v);
        } else {
            fprintf(stderr, "soak_client: unknown flag %s\n", a);
            return 2;
        }
        i++;
    }
    if (!target || channels < 1 || channels > MAX_CHANNELS || concurrency < 1 || replies > 100) {
        fprintf(stderr, "usage: soak_client --target HOST:PORT [--warmup W] [--unary N] [--streams S] "
                        "[--stream-replies R<=100] [--concurrency C] [--channels 1..64] [--sync]\n");
        return 2;
    }

    Grpc__Testing__Payload pl = GRPC__TESTING__PAYLOAD__INIT;
    static uint8_t body[REPLY_SIZE];
    pl.body.data = body;
    pl.body.len = sizeof body;
    Grpc__Testing__SimpleRequest ureq = GRPC__TESTING__SIMPLE_REQUEST__INIT;
    ureq.response_size = REPLY_SIZE;
    ureq.payload = &pl;
    Grpc__Testing__ResponseParameters rp[100], *rpp[100];
    for (long i = 0; i < replies; i++) {
        grpc__testing__response_parameters__init(&rp[i]);
        rp[i].size = REPLY_SIZE;
        rpp[i] = &rp[i];
    }
    Grpc__Testing__StreamingOutputCallRequest sreq =
        GRPC__TESTING__STREAMING_OUTPUT_CALL_REQUEST__INIT;
    sreq.n_response_parameters = (size_t)replies;
    sreq.response_parameters = rpp;

    static soak s;
    s.nch = (int)channels;
    s.sync = sync;
    s.replies = (int)replies;
    s.ureq = &ureq;
    s.sreq = &sreq;
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    for (int i = 0; i < s.nch; i++) {
        trpc_error rv = trpc_channel_new(&s.ch[i], target, NULL);
        if (rv != TRPC_OK) {
            fprintf(stderr, "soak_client: %s: %s\n", target, trpc_strerror(rv));
            return 1;
        }
    }
    /* Warm-up: the server's pools, arenas and malloc's per-thread heaps
     * reach their working size (the soak measures what follows). */
    run_phase(&s, "warmup-unary", warmup, concurrency, false);
    run_phase(&s, "warmup-streams", warmup / 100, concurrency, true);
    long failed_warmup = atomic_load(&s.failed);
    run_phase(&s, "unary", unary, concurrency, false);
    long failed_unary = atomic_load(&s.failed) - failed_warmup;
    run_phase(&s, "streams", streams, concurrency, true);
    long failed = atomic_load(&s.failed);
    for (int i = 0; i < s.nch; i++) {
        trpc_channel_free(s.ch[i]);
    }
    printf("soak_client: %ld unary calls (%ld failed), %ld streams of %ld replies (%ld failed), "
           "%ld in flight over %ld channels, after a warm-up of %ld unary calls and %ld streams "
           "(%ld failed)\n",
           unary, failed_unary, streams, replies, failed - failed_unary - failed_warmup,
           concurrency, channels, warmup, warmup / 100, failed_warmup);
    return failed == 0 ? 0 : 1;
}
