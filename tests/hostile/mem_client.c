/*
 * mem_client.c: the typerpc client a hostile server attacks
 * (tests/hostile/hostile_client_mem.py).
 *
 * Usage: trpc_mem_client PORT [MAX_HEADER_LIST_SIZE]: one SayHello call to
 * 127.0.0.1:PORT (10 s deadline), then prints "STATUS <name> <message>"
 * and "RSS_GROWTH <KiB>": how far the peak VmRSS (VmHWM) rose above
 * VmRSS before the call (the
 * client's memory bound under attack).  Exits 0 whatever the status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "helloworld.trpc.h"

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
    if (argc < 2) {
        fprintf(stderr, "usage: trpc_mem_client PORT [MAX_HEADER_LIST_SIZE]\n");
        return 2;
    }
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%s", argv[1]);
    trpc_channel_opts opts = TRPC_CHANNEL_OPTS(
        .max_header_list_size = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 0);
    trpc_channel *ch;
    trpc_error rv = trpc_channel_new(&ch, target, &opts);
    if (rv != TRPC_OK) {
        fprintf(stderr, "mem_client: %s\n", trpc_strerror(rv));
        return 1;
    }
    long before = status_kib("VmRSS:");
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    req.name = "memory";
    Helloworld__HelloReply *reply = NULL;
    char *message = NULL;
    trpc_status st = helloworld__greeter__say_hello(
        helloworld__greeter__client(ch), &req, &reply,
        &TRPC_CALL_OPTS(.timeout_ms = 10000, .message = &message));
    long after = status_kib("VmHWM:");
    printf("STATUS %s %s\n", trpc_status_name(st),
           st == TRPC_STATUS_OK ? reply->message : message ? message : "");
    printf("RSS_GROWTH %ld\n", after - before);
    if (reply) {
        helloworld__hello_reply__free_unpacked(reply, NULL);
    }
    free(message);
    trpc_channel_free(ch);
    return 0;
}
