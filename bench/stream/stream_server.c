/*
 * stream_server.c — the typerpc side of the server-streaming benchmark
 * (bench/stream.sh): serves streambench.Streamer (bench/proto/streambench.proto).
 *
 *   trpc_stream_server [--listen HOST:PORT] [--workers N]
 *
 * Stream(StreamRequest{count, size}) sends count Chunk messages of size
 * bytes each, then OK.  It writes while the call is writable and waits for
 * the drain callback when it is not (the runtime's back-pressure, on the
 * call's worker: nothing blocks), so memory stays bounded by the server's
 * send_high_water however fast the client reads.  Every message points at
 * the same static bytes: the server's own cost per message is the
 * runtime's.  Prints "trpc_stream_server: listening on HOST:PORT"; stops
 * on SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streambench.trpc.h"

#define MAX_SIZE (1u << 20)
static uint8_t zeros[MAX_SIZE];

typedef struct out_state {
    Streambench__Streamer_Stream_Call *call;
    uint32_t left;
    Streambench__Chunk chunk;
    bool finished;
} out_state;

static void finish(out_state *os, trpc_status st)
{
    os->finished = true;
    streambench__streamer__stream__finish_call(os->call, st);
}

/* Writes while the call takes more; then either finishes or asks to be
 * called again once the output has drained. */
static void pump(trpc_call *call, void *arg)
{
    out_state *os = arg;
    while (os->left > 0 && trpc_call_is_writable(call)) {
        trpc_error rv = streambench__streamer__stream__write(os->call, &os->chunk);
        if (rv != TRPC_OK) {
            finish(os, rv == TRPC_ECLOSED ? TRPC_STATUS_CANCELLED : TRPC_STATUS_INTERNAL);
            return;
        }
        os->left--;
    }
    if (os->left == 0)
        finish(os, TRPC_STATUS_OK);
    else if (trpc_call_on_drain(call, pump, os) != TRPC_OK)
        finish(os, TRPC_STATUS_CANCELLED);
}

static trpc_status stream(Streambench__Streamer_Stream_Call *call,
                          const Streambench__StreamRequest *req, void *user)
{
    (void)user;
    if (req->size > MAX_SIZE)
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT, "size above %u",
                               MAX_SIZE);
    out_state *os = trpc_call_alloc(call->base, sizeof *os);
    if (!os)
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    *os = (out_state){ .call = call, .left = req->count };
    streambench__chunk__init(&os->chunk);
    os->chunk.data.len = req->size;
    os->chunk.data.data = zeros;
    trpc_call_set_data(call->base, os);
    pump(call->base, os);
    return TRPC_PENDING; /* held until pump finishes it */
}

/* A call that ended while it waited for its drain callback (the client went
 * away) is still held: finish it to release it. */
static void stream_done(Streambench__Streamer_Stream_Call *call, trpc_done_reason why, void *user)
{
    (void)why, (void)user;
    out_state *os = trpc_call_data(call->base);
    if (os && !os->finished)
        finish(os, TRPC_STATUS_CANCELLED);
}

static const Streambench__Streamer_Impl impl = { .stream = stream, .stream_done = stream_done };

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:50051";
    unsigned workers = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen = argv[++i];
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = (unsigned)strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: trpc_stream_server [--listen HOST:PORT] [--workers N]\n");
            return 2;
        }
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    trpc_server *srv;
    trpc_server_opts opts = TRPC_SERVER_OPTS(.workers = workers);
    trpc_error rv = trpc_server_new(&srv, &opts);
    int port = 0;
    if (rv == TRPC_OK && ((rv = streambench__streamer__serve(srv, &impl, NULL)) != TRPC_OK ||
                          (rv = trpc_server_listen(srv, listen, &port)) != TRPC_OK ||
                          (rv = trpc_server_start(srv)) != TRPC_OK))
        trpc_server_free(srv);
    if (rv != TRPC_OK) {
        fprintf(stderr, "trpc_stream_server: %s: %s\n", listen, trpc_strerror(rv));
        return 1;
    }
    const char *colon = strrchr(listen, ':');
    printf("trpc_stream_server: listening on %.*s:%d\n", colon ? (int)(colon - listen) : 0,
           listen, port);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    trpc_server_shutdown(srv, 5000);
    trpc_server_free(srv);
    return 0;
}
