/*
 * greeter_server.c — the gRPC hello-world server, in C with typerpc.
 *
 *   greeter_server [--listen HOST:PORT | --listen unix:PATH] [--workers N]
 *                  [--max-message-size BYTES] [--max-streams N]
 *                  [--idle-timeout MS] [--id NAME]
 *                  [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]
 *                  [--cors ORIGIN]...
 *
 * Serves helloworld.Greeter (helloworld.proto, the contract every gRPC
 * hello-world example uses) on 127.0.0.1:50051 by default; any gRPC
 * hello-world client in any language can call it. SayHello answers
 * "Hello " + name, as gRPC's own examples do; with --id ID it answers
 * "Hello NAME from ID", so a client behind a load balancer can tell which
 * of several instances served it (tests/scaleout counts them). Logs one line when it starts
 * (with the port actually bound, so --listen 127.0.0.1:0 is useful) and one
 * when it stops; SIGTERM or SIGINT stop it gracefully (calls in flight get
 * up to five seconds to finish).
 *
 * It also serves gRPC's standard health service, grpc.health.v1.Health,
 * with "" and "helloworld.Greeter" SERVING (grpc_health_probe, Kubernetes
 * gRPC probes), and server reflection (grpc.reflection.v1 and v1alpha:
 * grpcurl, buf curl), and runs under systemd: started by socket activation
 * (LISTEN_FDS set) it serves the sockets systemd passed and ignores
 * --listen; with NOTIFY_SOCKET set it reports READY=1 once serving and
 * STOPPING=1 when it begins to stop (a Type=notify service).  SIGUSR1
 * sets every health status NOT_SERVING (out of rotation, still serving
 * calls), SIGUSR2 back to SERVING.
 *
 * With --tls-cert and --tls-key it serves over TLS (ALPN h2) instead of
 * plaintext, on --listen or on the sockets from systemd; --tls-client-ca adds mutual TLS: clients must present a
 * certificate that CA issued, and the reply names the verified client
 * ("Hello NAME (client CN=alice)").  SIGHUP reloads the certificate files
 * (new connections use the new ones; open ones keep theirs).
 *
 * Besides gRPC, the same port serves gRPC-Web and the Connect protocol
 * (the library does by default, docs/web.md), so browsers and curl call
 * it directly:
 *   curl --http2-prior-knowledge -H 'content-type: application/json' \
 *        -d '{"name":"world"}' http://127.0.0.1:50051/helloworld.Greeter/SayHello
 * --cors ORIGIN (repeatable; "*" for any) lets pages from ORIGIN call it.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helloworld.trpc.h"

/* rpc SayHello(HelloRequest) returns (HelloReply). The call has its
 * method's own type; call->base is the runtime's call, which the trpc_call_*
 * functions take. The reply and the strings it points to live in the
 * call's arena, freed when the call ends. */
/* user is the instance's --id, or NULL. */
static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req,
                             Helloworld__HelloReply *reply, void *user)
{
    const char *id = user;
    size_t n = strlen("Hello ") + strlen(req->name) + 1;
    if (id)
        n += strlen(" from ") + strlen(id);
    /* Over mutual TLS: the client certificate's verified subject. */
    const trpc_peer_identity *peer = trpc_call_peer_identity(call->base);
    if (peer)
        n += strlen(" (client )") + strlen(peer->subject);
    reply->message = trpc_call_alloc(call->base, n);
    if (!reply->message)
        return trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    if (id)
        snprintf(reply->message, n, "Hello %s from %s", req->name, id);
    else
        snprintf(reply->message, n, "Hello %s", req->name);
    if (peer) {
        size_t len = strlen(reply->message);
        snprintf(reply->message + len, n - len, " (client %s)", peer->subject);
    }
    return TRPC_STATUS_OK;
}

static const Helloworld__Greeter_Impl greeter = { .say_hello = say_hello };

/* --token: an interceptor that wants "authorization: Bearer TOKEN" on
 * every call (user is the token) and refuses the others UNAUTHENTICATED
 * before any handler runs.  Health checks are let through: probes
 * (Kubernetes, load balancers) carry no credentials. */
static trpc_status require_token(trpc_call *call, const char **message, void *user)
{
    if (strncmp(trpc_call_path(call), "/grpc.health.v1.Health/", 23) == 0)
        return TRPC_STATUS_OK;
    const trpc_metadata *md = trpc_call_metadata(call);
    const char *token = user;
    for (size_t i = 0; i < trpc_metadata_count(md); i++) {
        const char *key;
        const void *value;
        size_t len;
        trpc_metadata_at(md, i, &key, &value, &len);
        if (strcmp(key, "authorization") == 0 && len == 7 + strlen(token) &&
            memcmp(value, "Bearer ", 7) == 0 && memcmp((const char *)value + 7, token, len - 7) == 0)
            return TRPC_STATUS_OK;
    }
    *message = "a valid bearer token is required";
    return TRPC_STATUS_UNAUTHENTICATED;
}

static int usage(FILE *out, int status)
{
    fputs("Usage: greeter_server [--listen HOST:PORT | --listen unix:PATH] [--workers N]\n"
          "                      [--max-message-size BYTES] [--max-streams N]\n"
          "                      [--idle-timeout MS] [--id NAME]\n"
          "                      [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]]\n"
          "                      [--token TOKEN] [--cors ORIGIN]...\n"
          "Serves helloworld.Greeter (default 127.0.0.1:50051; port 0 picks a free one).\n"
          "--workers N             worker threads (default: one per core)\n"
          "--max-message-size B    largest request accepted (default 4 MiB; larger ones\n"
          "                        fail with RESOURCE_EXHAUSTED)\n"
          "--max-streams N         concurrent calls per connection (default 100)\n"
          "--idle-timeout MS       close connections idle this long (default: 5 minutes)\n"
          "--id NAME               replies say \"Hello <name> from NAME\" (to tell\n"
          "                        instances apart behind a load balancer)\n"
          "--tls-cert FILE         serve TLS with this PEM certificate chain ...\n"
          "--tls-key FILE          ... and its PEM private key\n"
          "--tls-client-ca FILE    mutual TLS: require a client certificate from this CA\n"
          "--token TOKEN           require \"authorization: Bearer TOKEN\" on every call\n"
          "                        (UNAUTHENTICATED otherwise; health checks excepted)\n"
          "--cors ORIGIN           let web pages from ORIGIN call (CORS; repeatable,\n"
          "                        \"*\" for any origin)\n"
          "Serves gRPC, gRPC-Web and Connect (JSON or binary; curl) on the same port.\n"
          "Also serves grpc.health.v1.Health (\"\" and helloworld.Greeter SERVING)\n"
          "and server reflection (grpc.reflection.v1, v1alpha).\n"
          "Under systemd: serves the sockets of socket activation (LISTEN_FDS) instead\n"
          "of --listen, and sends READY=1 / STOPPING=1 to NOTIFY_SOCKET when set.\n"
          "SIGUSR1: health NOT_SERVING (out of rotation); SIGUSR2: SERVING again.\n"
          "Stops gracefully on SIGTERM or SIGINT; SIGHUP reloads the TLS files.\n",
          out);
    return status;
}

/* The value of a numeric flag, or -1 (after saying why) if it is not a
 * whole number in [min, max]. */
static long number_arg(const char *flag, const char *text, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < min || v > max) {
        fprintf(stderr, "greeter_server: bad %s '%s' (want %ld to %ld)\n", flag, text, min, max);
        return -1;
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:50051";
    const char *id = NULL;
    const char *tls_cert = NULL, *tls_key = NULL, *tls_client_ca = NULL;
    const char *token = NULL;
    const char *cors[17] = { NULL }; /* NULL-terminated */
    size_t ncors = 0;
    long workers = 0, max_message_size = 0, max_streams = 0, idle_timeout = 0;
    for (int i = 1; i < argc; i += 2) { /* every flag takes a value */
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return usage(stdout, 0);
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = v != NULL;
        if (!ok)
            fprintf(stderr, "greeter_server: '%s' needs a value\n", a);
        else if (strcmp(a, "--listen") == 0)
            listen = v;
        else if (strcmp(a, "--id") == 0)
            id = v;
        else if (strcmp(a, "--tls-cert") == 0)
            tls_cert = v;
        else if (strcmp(a, "--tls-key") == 0)
            tls_key = v;
        else if (strcmp(a, "--tls-client-ca") == 0)
            tls_client_ca = v;
        else if (strcmp(a, "--token") == 0)
            token = v;
        else if (strcmp(a, "--cors") == 0 && ncors < 16)
            cors[ncors++] = v;
        else if (strcmp(a, "--workers") == 0)
            ok = (workers = number_arg(a, v, 0, 1024)) >= 0;
        else if (strcmp(a, "--max-message-size") == 0)
            ok = (max_message_size = number_arg(a, v, 1, INT32_MAX)) >= 0;
        else if (strcmp(a, "--max-streams") == 0)
            ok = (max_streams = number_arg(a, v, 1, 1 << 20)) >= 0;
        else if (strcmp(a, "--idle-timeout") == 0)
            ok = (idle_timeout = number_arg(a, v, 1, INT32_MAX)) >= 0;
        else {
            fprintf(stderr, "greeter_server: unexpected argument '%s'\n", a);
            ok = false;
        }
        if (!ok)
            return usage(stderr, 2);
    }
    if (!tls_cert != !tls_key || (tls_client_ca && !tls_cert)) {
        fprintf(stderr, "greeter_server: TLS needs both --tls-cert and --tls-key\n");
        return usage(stderr, 2);
    }

    /* Take SIGTERM and SIGINT (and SIGUSR1/SIGUSR2, health) synchronously
     * (sigwait below): block them before any thread starts, so every
     * thread inherits the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGUSR1);
    sigaddset(&stop, SIGUSR2);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    /* A flag not given leaves its field 0: the library's default. */
    trpc_server_opts opts = TRPC_SERVER_OPTS(.workers = (unsigned)workers,
                                             .max_recv_message_size = (size_t)max_message_size,
                                             .max_concurrent_streams = (uint32_t)max_streams,
                                             .idle_timeout_ms = (int)idle_timeout);
    trpc_server *srv;
    trpc_error rv = trpc_server_new(&srv, &opts);
    if (rv != TRPC_OK) {
        fprintf(stderr, "greeter_server: %s\n", trpc_strerror(rv));
        return 1;
    }
    /* grpc.health.v1.Health: "" is SERVING from the start; the service
     * says it is too. The server owns the health service. */
    trpc_health *health;
    if ((rv = trpc_health_new(&health, srv)) != TRPC_OK ||
        (rv = trpc_health_set(health, "helloworld.Greeter", TRPC_HEALTH_SERVING)) != TRPC_OK) {
        fprintf(stderr, "greeter_server: health: %s\n", trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    /* Server reflection (grpc.reflection.v1 and v1alpha): grpcurl and
     * buf curl list, describe and call the services without the .proto. */
    if ((rv = trpc_server_add_reflection(srv)) != TRPC_OK) {
        fprintf(stderr, "greeter_server: reflection: %s\n", trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    /* Socket activation: the sockets systemd passed, if any; else --listen. */
    int port = 0, activated = 0;
    trpc_tls_server_config tls = TRPC_TLS_SERVER_CONFIG(
        .cert_file = tls_cert, .key_file = tls_key, .client_ca_file = tls_client_ca);
    if ((rv = tls_cert ? trpc_server_listen_systemd_tls(srv, &activated, &tls)
                       : trpc_server_listen_systemd(srv, &activated)) != TRPC_OK) {
        fprintf(stderr, "greeter_server: LISTEN_FDS: %s\n",
                rv == TRPC_ETLS ? trpc_tls_last_error() : trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    /* CORS: pages on these origins may call (gRPC-Web, Connect). */
    const trpc_cors_opts cors_opts = { .allow_origins = cors };
    if (ncors > 0 && (rv = trpc_server_set_cors(srv, &cors_opts)) != TRPC_OK) {
        fprintf(stderr, "greeter_server: --cors: %s\n", trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    const trpc_server_interceptor auth =
        TRPC_SERVER_INTERCEPTOR(.on_start = require_token, .user = (void *)token);
    if (token && (rv = trpc_server_add_interceptor(srv, &auth)) != TRPC_OK) {
        fprintf(stderr, "greeter_server: --token: %s\n", trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    if ((rv = helloworld__greeter__serve(srv, &greeter, (void *)id)) != TRPC_OK ||
        (activated == 0 &&
         (rv = tls_cert ? trpc_server_listen_tls(srv, listen, &port, &tls)
                        : trpc_server_listen(srv, listen, &port)) != TRPC_OK) ||
        (rv = trpc_server_start(srv)) != TRPC_OK) {
        if (rv == TRPC_ETLS) /* which file, and why */
            fprintf(stderr, "greeter_server: %s: %s\n", listen, trpc_tls_last_error());
        else
            fprintf(stderr, "greeter_server: %s: %s\n", listen, trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    /* Type=notify: tell the supervisor (nothing happens without one). */
    trpc_sd_notify("READY=1", NULL);
    if (tls_cert) /* before the "listening" line scripts wait for */
        printf("greeter_server: serving %s\n", tls_client_ca ? "mutual TLS" : "TLS");
    if (activated > 0) {
        printf("greeter_server: listening on %d socket(s) from systemd\n", activated);
    } else if (strncmp(listen, "unix:", 5) == 0) {
        printf("greeter_server: listening on %s\n", listen);
    } else {
        /* Print the bound port (port 0 picks one): HOST:PORT as given. */
        const char *colon = strrchr(listen, ':');
        int host_len = colon ? (int)(colon - listen) : (int)strlen(listen);
        printf("greeter_server: listening on %.*s:%d\n", host_len, listen, port);
    }
    fflush(stdout);

    /* SIGUSR1 takes the instance out of rotation (every status NOT_SERVING:
     * load balancers watching health move away; calls are still served),
     * SIGUSR2 puts it back; SIGHUP reloads the TLS files. */
    int sig = 0;
    while (sigwait(&stop, &sig) == 0 && (sig == SIGUSR1 || sig == SIGUSR2 || sig == SIGHUP)) {
        if (sig == SIGHUP) {
            /* Certificate rotation: read the same files again. */
            rv = tls_cert ? trpc_server_reload_tls(srv, NULL) : TRPC_OK;
            if (rv == TRPC_OK)
                printf("greeter_server: SIGHUP, TLS files %s\n", tls_cert ? "reloaded" : "unused");
            else
                printf("greeter_server: SIGHUP, reload failed (keeping the old ones): %s\n",
                       trpc_tls_last_error());
        } else {
            trpc_health_set_all(health,
                                sig == SIGUSR1 ? TRPC_HEALTH_NOT_SERVING : TRPC_HEALTH_SERVING);
            printf("greeter_server: %s\n", sig == SIGUSR1 ? "NOT_SERVING" : "SERVING");
        }
        fflush(stdout);
    }
    /* Health turns NOT_SERVING as the shutdown begins, so watchers (load
     * balancers) move away while calls in flight finish. */
    trpc_sd_notify("STOPPING=1", NULL);
    trpc_server_shutdown(srv, 5000);
    trpc_server_free(srv);
    printf("greeter_server: %s, stopped\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return 0;
}
