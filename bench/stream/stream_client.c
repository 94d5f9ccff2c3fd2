/*
 * stream_client.c — a typerpc client for the server-streaming benchmark
 * (bench/stream.sh): reads streambench.Streamer/Stream.
 *
 *   trpc_stream_client --target HOST:PORT --count N --size B [--streams S]
 *                      [--rounds R]
 *
 * S threads (default 1) share one channel; each opens R streams (default 1)
 * one after another, asking each for N messages of B bytes, reads them all
 * with the blocking API, checks every size and the final OK.  Each stream
 * has a 60-second deadline, so a server that stalls fails the run instead
 * of hanging it.  Prints one
 * line of key=value pairs: messages (counted), wall_s, cpu_s (user + system
 * of this process), msgs_per_s, MiB_per_s and cpu_us_per_msg.
 * bench/grpcpp/stream_client.cc does the same with gRPC C++.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "streambench.trpc.h"

typedef struct reader {
    pthread_t thread;
    Streambench__Streamer_Client *client;
    uint32_t count, size;
    long rounds;
    long received;
    bool ok;
} reader;

static void *read_streams(void *arg)
{
    reader *rd = arg;
    rd->ok = true;
    Streambench__StreamRequest req = STREAMBENCH__STREAM_REQUEST__INIT;
    req.count = rd->count;
    req.size = rd->size;
    for (long round = 0; round < rd->rounds && rd->ok; round++) {
        Streambench__Streamer_Stream_Stream *s;
        trpc_error rv = streambench__streamer__stream__start(&s, rd->client, &req,
                                                             &TRPC_CALL_OPTS(.timeout_ms = 60000));
        if (rv != TRPC_OK) {
            fprintf(stderr, "trpc_stream_client: start: %s\n", trpc_strerror(rv));
            rd->ok = false;
            break;
        }
        uint32_t n = 0;
        Streambench__Chunk *chunk;
        while (streambench__streamer__stream__recv(s, &chunk)) {
            if (chunk->data.len != rd->size)
                rd->ok = false;
            streambench__chunk__free_unpacked(chunk, NULL);
            n++;
        }
        trpc_status st = streambench__streamer__stream__finish(s);
        if (st != TRPC_STATUS_OK || n != rd->count) {
            fprintf(stderr, "trpc_stream_client: %s after %u of %u messages\n",
                    trpc_status_name(st), n, rd->count);
            rd->ok = false;
        }
        rd->received += n;
    }
    return NULL;
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

int main(int argc, char **argv)
{
    const char *target = NULL;
    long count = -1, size = -1, streams = 1, rounds = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--target") == 0)
            target = v;
        else if (strcmp(a, "--count") == 0)
            count = strtol(v, NULL, 10);
        else if (strcmp(a, "--size") == 0)
            size = strtol(v, NULL, 10);
        else if (strcmp(a, "--streams") == 0)
            streams = strtol(v, NULL, 10);
        else if (strcmp(a, "--rounds") == 0)
            rounds = strtol(v, NULL, 10);
        else
            target = NULL, argc = 0;
    }
    if (argc % 2 == 0 || !target || count < 0 || count > UINT32_MAX || size < 0 ||
        size > (1 << 20) || streams < 1 || streams > 1024 || rounds < 1) {
        fputs("usage: trpc_stream_client --target HOST:PORT --count N --size B [--streams S]\n"
              "                          [--rounds R]\n",
              stderr);
        return 2;
    }
    trpc_channel *ch;
    trpc_error rv = trpc_channel_new(&ch, target, NULL);
    if (rv != TRPC_OK) {
        fprintf(stderr, "trpc_stream_client: %s: %s\n", target, trpc_strerror(rv));
        return 1;
    }
    reader *rd = calloc((size_t)streams, sizeof *rd);
    if (!rd)
        return 1;
    /* Connect first, so the counted time has no connection set-up in it. */
    reader warm = { .client = streambench__streamer__client(ch), .count = 1, .size = 1,
                    .rounds = 1 };
    read_streams(&warm);

    double t0 = now_s(), c0 = cpu_s();
    long started = 0;
    for (long i = 0; i < streams; i++) {
        rd[i] = (reader){ .client = streambench__streamer__client(ch), .count = (uint32_t)count,
                          .size = (uint32_t)size, .rounds = rounds };
        if (pthread_create(&rd[i].thread, NULL, read_streams, &rd[i]) != 0)
            break;
        started++;
    }
    long received = 0;
    bool ok = warm.ok && started == streams;
    for (long i = 0; i < started; i++) {
        pthread_join(rd[i].thread, NULL);
        received += rd[i].received;
        ok = ok && rd[i].ok;
    }
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    free(rd);
    trpc_channel_free(ch);
    if (!ok) {
        fprintf(stderr, "trpc_stream_client: failed\n");
        return 1;
    }
    printf("client=typerpc streams=%ld size=%ld messages=%ld wall_s=%.4f cpu_s=%.4f "
           "msgs_per_s=%.0f MiB_per_s=%.1f cpu_us_per_msg=%.3f\n",
           streams, size, received, wall, cpu, (double)received / wall,
           (double)received * (double)size / wall / 1048576.0, cpu * 1e6 / (double)received);
    return 0;
}
