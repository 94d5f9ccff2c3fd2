/*
 * mem_server.c: the typerpc server the memory-bounds tests attack
 * (tests/hostile/hostile_server_mem.py).  Serves helloworld.Greeter (SayHello answers
 * "Hello NAME") and echo.Echo.
 *
 * Usage: trpc_mem_server [OPTION=VALUE ...]; options: max_header_list_size,
 * max_buffered_bytes, max_recv_message_size, workers.  Listens on
 * 127.0.0.1:0 and prints "PORT <n>".  Each line read from stdin is answered
 * with "BUFFERED <bytes> RSS <KiB> HWM <KiB>" (trpc_server_buffered_bytes(),
 * the process's VmRSS and its peak, VmHWM), so a test can watch the budget and the memory; EOF on
 * stdin shuts the server down.
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

/* A line of /proc/self/status (VmRSS: now, VmHWM: the peak) in KiB, or -1. */
static long status_kib(const char *field)
{
    size_t n = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0) {
            kb = strtol(line + n, NULL, 10);
        }
    }
    if (f) {
        fclose(f);
    }
    return kb;
}

int main(int argc, char **argv)
{
    trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 2);
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        unsigned long long v = eq ? strtoull(eq + 1, NULL, 10) : 0;
        size_t k = eq ? (size_t)(eq - argv[i]) : 0;
#define OPT(name) (k == sizeof #name - 1 && strncmp(argv[i], #name, k) == 0)
        if (OPT(max_header_list_size)) {
            o.max_header_list_size = (uint32_t)v;
        } else if (OPT(max_buffered_bytes)) {
            o.max_buffered_bytes = (size_t)v;
        } else if (OPT(max_recv_message_size)) {
            o.max_recv_message_size = (size_t)v;
        } else if (OPT(workers)) {
            o.workers = (unsigned)v;
        } else {
            fprintf(stderr, "mem_server: unknown option %s\n", argv[i]);
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
    int port = 0;
    if ((rv = echo__echo__serve(srv, &echo_impl, NULL)) != TRPC_OK ||
        (rv = helloworld__greeter__serve(srv, &greeter, NULL)) != TRPC_OK ||
        (rv = trpc_server_listen(srv, "127.0.0.1:0", &port)) != TRPC_OK ||
        (rv = trpc_server_start(srv)) != TRPC_OK) {
        fprintf(stderr, "mem_server: %s\n", trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    printf("PORT %d\n", port);
    fflush(stdout);
    char buf[256];
    while (fgets(buf, sizeof buf, stdin)) {
        printf("BUFFERED %zu RSS %ld HWM %ld\n", trpc_server_buffered_bytes(srv),
               status_kib("VmRSS:"), status_kib("VmHWM:"));
        fflush(stdout);
    }
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
    return 0;
}
