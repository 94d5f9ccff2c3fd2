/*
 * greeter_client.c — the gRPC hello-world client, in C with typerpc.
 *
 *   greeter_client [--target HOST:PORT | --target unix:PATH]
 *                  [--tls-ca FILE [--tls-cert FILE --tls-key FILE]]
 *                  [--authority NAME] [--lb pick_first|round_robin]
 *                  [--count N] [NAME]
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
 *
 * Several instances: a target that lists them ("ipv4:127.0.0.1:5001,
 * 127.0.0.1:5002") is balanced by the channel as --lb says (pick_first,
 * the default, or round_robin).  --count N makes N calls one after the
 * other and prints, instead of the replies, how many each instance gave
 * (the text after " from " in a reply of greeter_server --id) and how many
 * calls failed (exit status 1 if any did).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helloworld.trpc.h"

static int usage(FILE *out, int status)
{
    fputs("Usage: greeter_client [--target HOST:PORT | --target unix:PATH]\n"
          "                      [--tls-ca FILE [--tls-cert FILE --tls-key FILE]]\n"
          "                      [--authority NAME] [--token TOKEN]\n"
          "                      [--lb pick_first|round_robin] [--count N] [NAME]\n"
          "Calls helloworld.Greeter/SayHello (default target 127.0.0.1:50051, NAME world)\n"
          "and prints the reply.\n"
          "--tls-ca FILE      TLS: verify the server against this PEM CA file\n"
          "--tls-cert FILE    mutual TLS: this PEM client certificate chain ...\n"
          "--tls-key FILE     ... and its PEM private key\n"
          "--authority NAME   the server's name: :authority, and with TLS the name its\n"
          "                   certificate must carry (default: the target's host)\n"
          "--token TOKEN      send \"authorization: Bearer TOKEN\" (use it over TLS)\n"
          "--lb POLICY        load balancing over a target's addresses (e.g.\n"
          "                   ipv4:127.0.0.1:5001,127.0.0.1:5002): pick_first (default)\n"
          "                   or round_robin\n"
          "--count N          N calls; prints how many replies each instance\n"
          "                   (greeter_server --id) gave, and how many failed\n",
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

/* Instances seen by --count: the text after " from " in their replies
 * ("" for a reply without it), and how many replies each gave. */
typedef struct tally {
    char id[64];
    long n;
} tally;

/* --count: n calls, one after the other; prints each instance's count. */
static int count_replies(trpc_channel *ch, const char *name, long n)
{
    Helloworld__Greeter_Client *greeter = helloworld__greeter__client(ch);
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    req.name = (char *)name;
    tally seen[64];
    size_t nseen = 0;
    long failed = 0, other = 0;
    for (long i = 0; i < n; i++) {
        Helloworld__HelloReply *reply = NULL;
        char *message = NULL;
        trpc_status st = helloworld__greeter__say_hello(
            greeter, &req, &reply, &TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &message));
        if (st != TRPC_STATUS_OK) {
            if (failed++ < 5) /* the first few say why */
                fprintf(stderr, "greeter_client: call %ld: %s: %s\n", i + 1,
                        trpc_status_name(st), message ? message : "");
            free(message);
            continue;
        }
        const char *from = strstr(reply->message, " from ");
        const char *id = from ? from + 6 : "";
        size_t k = 0;
        while (k < nseen && strcmp(seen[k].id, id) != 0)
            k++;
        if (k == nseen && nseen < sizeof seen / sizeof seen[0]) {
            snprintf(seen[k].id, sizeof seen[k].id, "%s", id);
            seen[k].n = 0;
            nseen++;
        }
        if (k < nseen)
            seen[k].n++;
        else
            other++;
        helloworld__hello_reply__free_unpacked(reply, NULL);
    }
    for (size_t k = 0; k < nseen; k++)
        printf("%s: %ld\n", seen[k].id[0] ? seen[k].id : "(no id)", seen[k].n);
    if (other)
        printf("(more instances): %ld\n", other);
    printf("failed: %ld\n", failed);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *target = "127.0.0.1:50051";
    const char *name = "world";
    const char *tls_ca = NULL, *tls_cert = NULL, *tls_key = NULL, *authority = NULL;
    const char *token = NULL, *lb = NULL;
    long count = 0;
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
        else if (strcmp(a, "--lb") == 0 && i + 1 < argc)
            lb = argv[++i];
        else if (strcmp(a, "--count") == 0 && i + 1 < argc) {
            char *end;
            count = strtol(argv[++i], &end, 10);
            if (*end || count < 1 || count > 100000000)
                return usage(stderr, 2);
        }
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
    opts.lb_policy = lb; /* --lb: NULL is pick_first */
    trpc_channel *ch;
    trpc_error rv = trpc_channel_new(&ch, target, &opts);
    if (rv != TRPC_OK) {
        fprintf(stderr, "greeter_client: %s: %s%s%s%s\n", target, trpc_strerror(rv),
                rv == TRPC_ETLS ? ": " : "", rv == TRPC_ETLS ? trpc_tls_last_error() : "",
                rv == TRPC_EINVAL && lb ? " (--lb: pick_first or round_robin)" : "");
        return 1;
    }
    if (count > 0) {
        int st = count_replies(ch, name, count);
        trpc_channel_free(ch);
        return st;
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
