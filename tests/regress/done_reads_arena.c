/*
 * done_reads_arena.c — reproducer: per-call state allocated from the
 * call's arena, read in the method's done notification.
 *
 * typerpc/server.h says the arena "is freed in one step when the call is
 * gone" and that "an unheld call is gone when its done notification
 * returns", so state from trpc_call_alloc() should still be readable in
 * done.  The runtime (runtime/server/call.c, free_memory()) releases the
 * arena as soon as the call is finished and not held, before the stream
 * closes and done runs; a chunk of it is freed outright, so done reads
 * freed memory (AddressSanitizer: heap-use-after-free).  Branch v2-rt
 * keeps the arena of a method with a done notification until the call is
 * gone, and documents it in server.h; this program passes there.
 *
 * The handler keeps its state in the first arena chunk and then allocates
 * a reply large enough to need a second one (trpc__arena_reset() keeps one
 * chunk and frees the other).  Exits 0 when done sees its state intact.
 * The examples keep such state in malloc'd memory meanwhile.
 */
#include <stdio.h>
#include <string.h>

#include "helloworld.trpc.h"

typedef struct state {
    char tag[32];
} state;

static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req,
                             Helloworld__HelloReply *reply, void *user)
{
    (void)user;
    state *s = trpc_call_alloc(call->base, sizeof *s);
    if (!s)
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    snprintf(s->tag, sizeof s->tag, "state of %s", req->name);
    trpc_call_set_data(call->base, s);
    enum { BIG = 8192 }; /* more than the arena's first chunk holds */
    reply->message = trpc_call_alloc(call->base, BIG);
    if (!reply->message)
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    memset(reply->message, 'x', BIG - 1);
    reply->message[BIG - 1] = 0;
    return TRPC_STATUS_OK;
}

static int done_calls, done_ok;

static void say_hello_done(Helloworld__Greeter_SayHello_Call *call, trpc_done_reason why,
                           void *user)
{
    (void)user;
    const state *s = trpc_call_data(call->base);
    done_calls++;
    done_ok = why == TRPC_DONE_FINISHED && s && strcmp(s->tag, "state of arena") == 0;
}

static const Helloworld__Greeter_Impl impl = {
    .say_hello = say_hello,
    .say_hello_done = say_hello_done,
};

int main(void)
{
    trpc_server *srv;
    int port = 0;
    if (trpc_server_new(&srv, &TRPC_SERVER_OPTS(.workers = 1)) != TRPC_OK)
        return 2;
    if (helloworld__greeter__serve(srv, &impl, NULL) != TRPC_OK ||
        trpc_server_listen(srv, "127.0.0.1:0", &port) != TRPC_OK ||
        trpc_server_start(srv) != TRPC_OK) {
        trpc_server_free(srv);
        return 2;
    }
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    trpc_channel *ch;
    if (trpc_channel_new(&ch, target, NULL) != TRPC_OK) {
        trpc_server_free(srv);
        return 2;
    }
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    req.name = "arena";
    Helloworld__HelloReply *reply = NULL;
    trpc_status st = helloworld__greeter__say_hello(helloworld__greeter__client(ch), &req, &reply,
                                                    &TRPC_CALL_OPTS(.timeout_ms = 10000));
    if (reply)
        helloworld__hello_reply__free_unpacked(reply, NULL);
    trpc_channel_free(ch);
    /* Shutdown waits for the workers, so done has run. */
    trpc_server_shutdown(srv, 5000);
    trpc_server_free(srv);
    printf("call: %s; done ran %d time(s) and %s its state\n", trpc_status_name(st),
           done_calls, done_ok ? "saw" : "did not see");
    return st == TRPC_STATUS_OK && done_calls == 1 && done_ok ? 0 : 1;
}
