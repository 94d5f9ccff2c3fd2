/*
 * greeter_client.c — the gRPC hello-world client, in C with typerpc.
 *
 *   greeter_client [--target HOST:PORT | --target unix:PATH]
 *                  [--tls-ca FILE [--tls-cert FILE --tls-key FILE]]
 *                  [--authority NAME] [NAME]
 *
 * Calls helloworld.Greeter/SayHello on the target (default 127.0.0.1:50051)
 * with NAME (default "world") and prints the reply's message. Works against
 * any gRPC hello-world server. On failure it prints the gRPC status and its
 * message and exits 1.
 *
 * --tls-ca makes the call over TLS, verifying the server's certificate
 * against that CA file and the target's host name (or --authority NAME,
 * which is also sent as :authority); --tls-cert and --tls-key present a
 * client certificate (mutual TLS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helloworld.trpc.h"

static int usage(FILE *out, int status)
{
    fputs("Usage: greeter_client [--target HOST:PORT | --target unix:PATH]\n"
          "                      [--tls-ca FILE [--tls-cert FILE --tls-key FILE]]\n"
          "                      [--authority NAME] [--token TOKEN] [NAME]\n"
          "Calls helloworld.Greeter/SayHello (default target 127.0.0.1:50051, NAME world)\n"
          "and prints the reply.\n"
          "--tls-ca FILE      TLS: verify the server against this PEM CA file\n"
          "--tls-cert FILE    mutual TLS: this PEM client certificate chain ...\n"
          "--tls-key FILE     ... and its PEM private key\n"
          "--authority NAME   the server's name: :authority, and with TLS the name its\n"
          "                   certificate must carry (default: the target's host)\n"
          "--token TOKEN      send \"authorization: Bearer TOKEN\" (use it over TLS)\n",
          out);
    return status;
}

/* Adds "authorization: Bearer TOKEN" (user is the token) to a call. */
static trpc_status add_token(const trpc_method *m, trpc_metadata *md, int64_t deadline,
                             const char **message, void *user)
{
    (void)m;
    (void)deadline;
    (void)message;
    char value[512];
    int n = snprintf(value, sizeof value, "Bearer %s", (const char *)user);
    if (n < 0 || (size_t)n >= sizeof value)
        return TRPC_STATUS_INVALID_ARGUMENT; /* the call ends with it, unsent */
    return trpc_metadata_add(md, "authorization", value, (size_t)n) == TRPC_OK
               ? TRPC_STATUS_OK
               : TRPC_STATUS_RESOURCE_EXHAUSTED;
}

int main(int argc, char **argv)
{
    const char *target = "127.0.0.1:50051";
    const char *name = "world";
    const char *tls_ca = NULL, *tls_cert = NULL, *tls_key = NULL, *authority = NULL;
    const char *token = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return usage(stdout, 0);
        if (strcmp(a, "--target") == 0 && i + 1 < argc)
            target = argv[++i];
        else if (strcmp(a, "--tls-ca") == 0 && i + 1 < argc)
            tls_ca = argv[++i];
        else if (strcmp(a, "--tls-cert") == 0 && i + 1 < argc)
            tls_cert = argv[++i];
        else if (strcmp(a, "--tls-key") == 0 && i + 1 < argc)
            tls_key = argv[++i];
        else if (strcmp(a, "--authority") == 0 && i + 1 < argc)
            authority = argv[++i];
        else if (strcmp(a, "--token") == 0 && i + 1 < argc)
            token = argv[++i];
        else if (a[0] != '-' || strcmp(a, "-") == 0)
            name = a;
        else
            return usage(stderr, 2);
    }

    if ((tls_cert || tls_key) && !tls_ca) {
        fprintf(stderr, "greeter_client: --tls-cert and --tls-key need --tls-ca\n");
        return usage(stderr, 2);
    }
    /* Any tls_* field makes the channel use TLS; NULL ones are defaults. */
    /* --token: every call of the channel carries it, added by an
     * interceptor (it could as well fetch and refresh a token). */
    const trpc_client_interceptor bearer =
        TRPC_CLIENT_INTERCEPTOR(.on_start = add_token, .user = (void *)token);
    const trpc_client_interceptor *chain[] = { &bearer };
    trpc_channel_opts opts = TRPC_CHANNEL_OPTS(
        .authority = authority, .tls_ca_file = tls_ca, .tls_cert_file = tls_cert,
        .tls_key_file = tls_key, .tls_authority = tls_ca ? authority : NULL,
        .interceptors = chain, .ninterceptors = token ? 1 : 0);
    trpc_channel *ch;
    trpc_error rv = trpc_channel_new(&ch, target, &opts);
    if (rv != TRPC_OK) {
        fprintf(stderr, "greeter_client: %s: %s%s%s\n", target, trpc_strerror(rv),
                rv == TRPC_ETLS ? ": " : "", rv == TRPC_ETLS ? trpc_tls_last_error() : "");
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
