/*
 * outage_client.c: one channel making unary calls in a loop while the test
 * kills and restarts the server under it (tests/faults/outage.py).
 *
 * Usage: outage_client --target HOST:PORT --seconds N
 *
 * Calls grpc.testing.TestService/UnaryCall back to back for N seconds, each
 * with a 2 s deadline and without wait_for_ready, on one channel that is
 * never recreated (short reconnect backoff: 50 ms to 500 ms).  Prints a line
 * each time the outcome changes ("STATUS OK", "STATUS UNAVAILABLE", ...),
 * then the counts.  Exits 0 when every call ended OK or UNAVAILABLE (what
 * gRPC promises while a server is down: no other status, no hang), 1
 * otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grpc/testing/test.trpc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *target = NULL;
    double seconds = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--target") == 0) {
            target = argv[i + 1];
        } else if (strcmp(argv[i], "--seconds") == 0) {
            seconds = atof(argv[i + 1]);
        }
    }
    if (!target || seconds <= 0) {
        fprintf(stderr, "usage: outage_client --target HOST:PORT --seconds N\n");
        return 2;
    }
    trpc_channel *ch;
    trpc_error rv = trpc_channel_new(&ch, target,
                                     &TRPC_CHANNEL_OPTS(.backoff_initial_ms = 50,
                                                        .backoff_max_ms = 500));
    if (rv != TRPC_OK) {
        fprintf(stderr, "outage_client: %s: %s\n", target, trpc_strerror(rv));
        return 1;
    }
    long counts[TRPC_STATUS_UNAUTHENTICATED + 1] = { 0 };
    long other = 0;
    int last = -1;
    Grpc__Testing__SimpleRequest req = GRPC__TESTING__SIMPLE_REQUEST__INIT;
    req.response_size = 16;
    double end = now_s() + seconds;
    while (now_s() < end) {
        Grpc__Testing__SimpleResponse *reply = NULL;
        char *msg = NULL;
        trpc_status st = grpc__testing__test_service__unary_call(
            grpc__testing__test_service__client(ch), &req, &reply,
            &TRPC_CALL_OPTS(.timeout_ms = 2000, .message = &msg));
        if (st == TRPC_STATUS_OK && (!reply->payload || reply->payload->body.len != 16)) {
            st = TRPC_STATUS_DATA_LOSS; /* not a status a server sends here: counted as wrong */
        }
        if ((int)st != last) {
            printf("STATUS %s%s%s\n", trpc_status_name(st), msg ? ": " : "", msg ? msg : "");
            fflush(stdout);
            last = (int)st;
        }
        if (trpc_status_valid(st)) {
            counts[st]++;
        } else {
            other++;
        }
        if (reply) {
            grpc__testing__simple_response__free_unpacked(reply, NULL);
        }
        free(msg);
        if (st != TRPC_STATUS_OK) {
            struct timespec pause = { 0, 10 * 1000 * 1000 }; /* do not spin while down */
            nanosleep(&pause, NULL);
        }
    }
    trpc_channel_free(ch);
    long wrong = other;
    for (int s = 0; s <= TRPC_STATUS_UNAUTHENTICATED; s++) {
        if (s != TRPC_STATUS_OK && s != TRPC_STATUS_UNAVAILABLE) {
            wrong += counts[s];
        }
    }
    printf("outage_client: %ld OK, %ld UNAVAILABLE, %ld other\n", counts[TRPC_STATUS_OK],
           counts[TRPC_STATUS_UNAVAILABLE], wrong);
    return wrong == 0 ? 0 : 1;
}
