/*
 * mem_server.c: the typerpc server the memory-bounds tests attack
 * (tests/hostile/hostile_server_mem.py).  Serves helloworld.Greeter (SayHello
 * answers "Hello NAME") and echo.Echo's ServerStream (below).
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
#include "echo.trpc.h"
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

/* echo.Echo/ServerStream for the peer that does not read: count replies
 * of the request's payload, written while the call is writable and
 * resumed by the drain callback.  Unlike the runtime tests' echo_impl it
 * finishes the call from its done notification when the client went away
 * first, so a reset stream's call is gone at once and gives its memory
 * back. */
typedef struct flood {
    Echo__Echo_ServerStream_Call *call;
    const Echo__EchoRequest *req;
    int next;
    bool finished;
} flood;

static void flood_pump(trpc_call *base, void *arg)
{
    flood *f = arg;
    while (f->next < f->req->count) {
        if (!trpc_call_is_writable(base)) {
            trpc_call_on_drain(base, flood_pump, f);
            return;
        }
        Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
        r.index = f->next;
        r.payload = f->req->payload;
        trpc_error rv = echo__echo__server_stream__write(f->call, &r);
        if (rv == TRPC_EFULL) {
            trpc_call_on_drain(base, flood_pump, f);
            return;
        }
        if (rv != TRPC_OK) {
            break;
        }
        f->next++;
    }
    f->finished = true;
    echo__echo__server_stream__finish_call(f->call, TRPC_STATUS_OK);
}

static trpc_status flood_start(Echo__Echo_ServerStream_Call *call, const Echo__EchoRequest *req,
                               void *user)
{
    (void)user;
    flood *f = trpc_call_alloc(call->base, sizeof *f);
    if (!f) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    *f = (flood){ call, req, 0, false };
    trpc_call_set_data(call->base, f);
    flood_pump(call->base, f);
    return TRPC_PENDING;
}

static void flood_done(Echo__Echo_ServerStream_Call *call, trpc_done_reason why, void *user)
{
    (void)why;
    (void)user;
    flood *f = trpc_call_data(call->base);
    if (f && !f->finished) {
        f->finished = true;
        echo__echo__server_stream__finish_call(call, TRPC_STATUS_CANCELLED); /* releases the hold */
    }
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
    static const Echo__Echo_Impl echo = { .server_stream = flood_start,
                                          .server_stream_done = flood_done };
    int port = 0;
    if ((rv = echo__echo__serve(srv, &echo, NULL)) != TRPC_OK ||
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
