/*
 * compress_client.c: the typerpc side of compress_grpcio.py (typerpc
 * client -> grpcio server).  Usage:
 *   trpc_compress_client HOST:PORT COMPRESSION SIZE [MODE]
 * COMPRESSION is a trpc_compression number (0 default, 1 none, 2 deflate,
 * 3 gzip), set on the channel.  Makes one unary call echoing SIZE bytes of
 * text (mode MODE), then a bidi call of four such messages and two small
 * ones, and checks every echo.  Exit status 0 if all came back intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "echo.trpc.h"

static int check(const Echo__EchoReply *r, const uint8_t *payload, size_t n, const char *what)
{
    if (r->payload.len != n || memcmp(r->payload.data, payload, n) != 0) {
        fprintf(stderr, "compress_client: %s: the echo differs (%zu bytes back)\n", what,
                r->payload.len);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s HOST:PORT COMPRESSION SIZE [MODE]\n", argv[0]);
        return 2;
    }
    trpc_compression z = (trpc_compression)atoi(argv[2]);
    size_t n = (size_t)strtoul(argv[3], NULL, 10);
    static const char words[] = "compressible text, over and over; ";
    uint8_t *payload = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        payload[i] = (uint8_t)words[i % (sizeof words - 1)];
    }
    trpc_channel *ch;
    if (trpc_channel_new(&ch, argv[1], &TRPC_CHANNEL_OPTS(.compression = z,
                                                          .max_recv_message_size = 16u << 20)) !=
        TRPC_OK) {
        fprintf(stderr, "compress_client: cannot make the channel\n");
        return 1;
    }
    Echo__Echo_Client *echo = echo__echo__client(ch);
    int bad = 0;
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = n;
    req.mode = argc > 4 ? argv[4] : "";
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    trpc_status st = echo__echo__unary(echo, &req, &reply,
                                       &TRPC_CALL_OPTS(.timeout_ms = 30000, .message = &msg));
    if (st != TRPC_STATUS_OK) {
        fprintf(stderr, "compress_client: unary: %s: %s\n", trpc_status_name(st),
                msg ? msg : "");
        bad = 1;
    } else {
        bad |= check(reply, payload, n, "unary");
        echo__echo_reply__free_unpacked(reply, NULL);
    }
    free(msg);
    Echo__Echo_Bidi_Stream *bs;
    if (!bad && echo__echo__bidi__start(&bs, echo, &TRPC_CALL_OPTS(.timeout_ms = 30000)) ==
                    TRPC_OK) {
        for (int i = 0; i < 6 && !bad; i++) {
            req.payload.len = i < 4 ? n : 7;
            if (echo__echo__bidi__send(bs, &req) != TRPC_OK ||
                !echo__echo__bidi__recv(bs, &reply)) {
                fprintf(stderr, "compress_client: bidi message %d failed\n", i);
                bad = 1;
                break;
            }
            bad |= check(reply, payload, req.payload.len, "bidi");
            echo__echo_reply__free_unpacked(reply, NULL);
        }
        echo__echo__bidi__close_send(bs);
        while (echo__echo__bidi__recv(bs, &reply)) {
            echo__echo_reply__free_unpacked(reply, NULL);
        }
        st = echo__echo__bidi__finish(bs);
        if (st != TRPC_STATUS_OK) {
            fprintf(stderr, "compress_client: bidi: %s\n", trpc_status_name(st));
            bad = 1;
        }
    }
    trpc_channel_free(ch);
    free(payload);
    return bad;
}
