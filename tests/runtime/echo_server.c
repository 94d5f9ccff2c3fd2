/*
 * echo_server.c: serves echo.Echo and helloworld.Greeter for the grpcio
 * interop tests.  Usage: trpc_echo_server [ADDR [OPTION=VALUE ...]] (ADDR
 * default 127.0.0.1:0; options: the keepalive fields of trpc_server_opts,
 * keepalive_time_ms, keepalive_timeout_ms, min_ping_interval_ms,
 * permit_keepalive_without_calls, max_ping_strikes; compression, 0..3 as
 * trpc_compression; max_recv_message_size; workers, idle_timeout_ms,
 * handshake_timeout_ms, max_connections; grpc_only; cors=ORIGIN, repeatable,
 * for tests/protocols).  Prints "PORT <n>"
 * once listening, serves until stdin reaches EOF, then shuts down
 * gracefully.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "echo_impl.h"
#include "helloworld.trpc.h"

static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req,
                             Helloworld__HelloReply *reply, void *user)
{
    (void)user;
    size_t n = strlen(req->name) + 16;
    reply->message = trpc_call_alloc(call->base, n);
    if (!reply->message) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    snprintf(reply->message, n, "Hello %s", req->name);
    return TRPC_STATUS_OK;
}

int main(int argc, char **argv)
{
    const char *addr = argc > 1 ? argv[1] : "127.0.0.1:0";
    trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 0);
    const char *cors[9] = { NULL };
    size_t ncors = 0;
    for (int i = 2; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        long v = eq ? strtol(eq + 1, NULL, 10) : 0;
        size_t k = eq ? (size_t)(eq - argv[i]) : 0;
#define OPT(name) (k == sizeof #name - 1 && strncmp(argv[i], #name, k) == 0)
        if (OPT(keepalive_time_ms)) {
            o.keepalive_time_ms = (int)v;
        } else if (OPT(keepalive_timeout_ms)) {
            o.keepalive_timeout_ms = (int)v;
        } else if (OPT(min_ping_interval_ms)) {
            o.min_ping_interval_ms = (int)v;
        } else if (OPT(permit_keepalive_without_calls)) {
            o.permit_keepalive_without_calls = v != 0;
        } else if (OPT(max_ping_strikes)) {
            o.max_ping_strikes = (unsigned)v;
        } else if (OPT(compression)) {
            o.compression = (trpc_compression)v;
        } else if (OPT(max_recv_message_size)) {
            o.max_recv_message_size = (size_t)v;
        } else if (OPT(workers)) { /* connection limits (conn_limits.py) */
            o.workers = (unsigned)v;
        } else if (OPT(idle_timeout_ms)) {
            o.idle_timeout_ms = (int)v;
        } else if (OPT(handshake_timeout_ms)) {
            o.handshake_timeout_ms = (int)v;
        } else if (OPT(max_connections)) {
            o.max_connections = (unsigned)v;
        } else if (OPT(grpc_only)) {
            o.grpc_only = v != 0;
        } else if (OPT(cors) && ncors < 8) {
            cors[ncors++] = eq + 1;
        } else {
            fprintf(stderr, "echo_server: unknown option %s\n", argv[i]);
            return 2;
        }
#undef OPT
    }
    trpc_server *srv;
    trpc_error rv = trpc_server_new(&srv, &o);
    if (rv) {
        fprintf(stderr, "trpc_server_new: %s\n", trpc_strerror(rv));
        return 1;
    }
    static const Helloworld__Greeter_Impl greeter = { .say_hello = say_hello };
    static const char *const expose[] = { "x-echo-exposed", NULL };
    static const char *const allow[] = { "x-echo-allowed", NULL };
    const trpc_cors_opts co = { .allow_origins = cors, .allow_headers = allow,
                                .expose_headers = expose, .max_age_s = 600 };
    if (ncors > 0 && (rv = trpc_server_set_cors(srv, &co)) != TRPC_OK) {
        fprintf(stderr, "trpc_server_set_cors: %s\n", trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    int port = 0;
    if ((rv = echo__echo__serve(srv, &echo_impl, NULL)) != TRPC_OK ||
        (rv = helloworld__greeter__serve(srv, &greeter, NULL)) != TRPC_OK ||
        (rv = trpc_server_listen(srv, addr, &port)) != TRPC_OK ||
        (rv = trpc_server_start(srv)) != TRPC_OK) {
        fprintf(stderr, "echo_server: %s: %s\n", addr, trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    printf("PORT %d\n", port);
    fflush(stdout);
    char buf[256];
    while (fgets(buf, sizeof buf, stdin)) {
    }
    trpc_server_shutdown(srv, 2000);
    trpc_server_free(srv);
    return 0;
}
