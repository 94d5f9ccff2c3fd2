/*
 * inproc.h: a typerpc server serving echo.Echo (fuzz_echo.c) and
 * driven in-process on the caller's
 * thread: connections are bufferevent pairs on the first worker's loop,
 * so the real connection code (h2/conn.c, server/conn.c, server/call.c,
 * framing, decoding, handlers, output) runs without sockets or threads.
 */
#ifndef TRPC_FUZZ_INPROC_H
#define TRPC_FUZZ_INPROC_H

#include <stddef.h>
#include <stdint.h>
#include <event2/bufferevent.h>
#include "typerpc/server.h"

typedef struct inproc_server {
    trpc_server *srv;
    struct event_base *base;
    void *worker; /* trpc__worker * */
} inproc_server;

/* A server with echo.Echo registered (opts may be NULL).  TRPC_OK or the
 * error of the step that failed. */
trpc_error inproc_server_init(inproc_server *s, const trpc_server_opts *opts);
void inproc_server_fini(inproc_server *s);
/* A new connection: returns the client's end of the pair (the caller
 * writes the client's bytes into it and frees it), or NULL. */
struct bufferevent *inproc_server_connect(inproc_server *s);
/* Runs the loop until nothing is active any more (at most max_turns
 * turns).  Returns the turns taken. */
int inproc_run_until_idle(struct event_base *base, int max_turns);
/* Closes every connection of the server (their calls end). */
void inproc_server_close_all(inproc_server *s);
/* The number of open connections. */
size_t inproc_server_conns(const inproc_server *s);

#endif
