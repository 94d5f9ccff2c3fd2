/*
 * fuzz_server_input.c — libFuzzer target for the server's network path.
 *
 * The input is the byte stream a client sends on a connection, from the
 * HTTP/2 client preface on.  It goes into one end of a bufferevent pair
 * whose other end is a real server connection (server/conn.c over
 * h2/conn.c: the nghttp2 session, gRPC framing, decompression, protobuf-c
 * decoding into echo.Echo's handlers, their replies, trailers and
 * RST_STREAMs), on the worker loop of a server that is never started: the
 * target runs that loop itself until nothing is left to do, on this
 * thread, so a run is deterministic.  The input is written in pieces of
 * 4096 bytes, the loop running between them, so frames straddle reads as
 * they do on a socket.  Whatever
 * the server writes back is drained and dropped.  Then the client end goes
 * away (EOF) and every connection left is closed, ending its calls.
 *
 * Any crash, sanitizer report or leak is a bug: no client may cause one.
 * With TRPC_FUZZ_DUMP=FILE set, the server's bytes are written to FILE
 * (to check what a seed makes the server answer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include "inproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define PIECE 4096
#define MAX_TURNS 4096

static inproc_server server;
static FILE *dump; /* TRPC_FUZZ_DUMP=FILE: the server's bytes go there */

static void drain_cb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    if (dump) {
        evbuffer_write_atmost(in, fileno(dump), -1);
    }
    evbuffer_drain(in, evbuffer_get_length(in));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Small limits, so the fuzzer reaches them with small inputs. */
    trpc_server_opts o = TRPC_SERVER_OPTS(.max_recv_message_size = 64 * 1024,
                                          .max_concurrent_streams = 16,
                                          .max_header_list_size = 8 * 1024,
                                          .send_high_water = 16 * 1024,
                                          .max_send_buffer = 64 * 1024);
    /* CORS on, so preflights and Origin reach server/web.c's CORS code */
    static const char *const origins[] = { "https://a.example", NULL };
    const trpc_cors_opts cors = { .allow_origins = origins };
    if (inproc_server_init(&server, &o) != TRPC_OK ||
        trpc_server_set_cors(server.srv, &cors) != TRPC_OK) {
        abort();
    }
    const char *d = getenv("TRPC_FUZZ_DUMP");
    if (d && !(dump = fopen(d, "wb"))) {
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bufferevent *client = inproc_server_connect(&server);
    if (!client) {
        abort();
    }
    bufferevent_setcb(client, drain_cb, NULL, NULL, NULL);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    inproc_run_until_idle(server.base, MAX_TURNS);
    for (size_t off = 0; off < size && inproc_server_conns(&server) > 0; off += PIECE) {
        size_t n = size - off < PIECE ? size - off : PIECE;
        bufferevent_write(client, data + off, n);
        inproc_run_until_idle(server.base, MAX_TURNS);
    }
    /* The client goes away: the server sees EOF. */
    bufferevent_free(client);
    inproc_run_until_idle(server.base, MAX_TURNS);
    inproc_server_close_all(&server);
    return 0;
}
