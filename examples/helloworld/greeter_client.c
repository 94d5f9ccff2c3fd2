/*
 * greeter_client.c — the gRPC hello-world client, in C with typerpc.
 *
 *   greeter_client [--target HOST:PORT | --target unix:PATH] [NAME]
 *
 * Calls helloworld.Greeter/SayHello on the target (default 127.0.0.1:50051)
 * with NAME (default "world") and prints the reply's message. Works against
 * any gRPC hello-world server. On failure it prints the gRPC status and its
 * message and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helloworld.trpc.h"

static int usage(FILE *out, int status)
{
    fputs("Usage: greeter_client [--target HOST:PORT | --target unix:PATH] [NAME]\n"
          "Calls helloworld.Greeter/SayHello (default target 127.0.0.1:50051, NAME world)\n"
          "and prints the reply.\n",
          out);
    return status;
}

int main(int argc, char **argv)
{
    const char *target = "127.0.0.1:50051";
    const char *name = "world";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return usage(stdout, 0);
        if (strcmp(a, "--target") == 0 && i + 1 < argc)
            target = argv[++i];
        else if (a[0] != '-' || strcmp(a, "-") == 0)
            name = a;
        else
            return usage(stderr, 2);
    }

    trpc_channel *ch;
    trpc_error rv = trpc_channel_new(&ch, target, NULL);
    if (rv != TRPC_OK) {
        fprintf(stderr, "greeter_client: %s: %s\n", target, trpc_strerror(rv));
        return 1;
    }
    /* The channel under the service's type: only Greeter's stubs take it. */
    Helloworld__Greeter_Client *greeter = helloworld__greeter__client(ch);
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    req.name = (char *)name;
    Helloworld__HelloReply *reply = NULL;
    char *message = NULL;
    trpc_status st = helloworld__greeter__say_hello(
        greeter, &req, &reply, &TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &message));
    if (st == TRPC_STATUS_OK) {
        puts(reply->message);
        helloworld__hello_reply__free_unpacked(reply, NULL);
    } else {
        fprintf(stderr, "greeter_client: %s: %s\n", trpc_status_name(st),
                message ? message : "");
    }
    free(message);
    trpc_channel_free(ch);
    return st == TRPC_STATUS_OK ? 0 : 1;
}
