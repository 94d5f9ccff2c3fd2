/*
 * ext.h: parts of the runtime built on top of the server (the health
 * service) that must hear of its shutdown and go with it.  Each hands the
 * server a trpc__server_ext it keeps in its own memory: on_shutdown runs
 * first thing in trpc_server_shutdown() of a running server, on the
 * shutting-down thread, while the workers still serve calls; on_free runs
 * in trpc_server_free() once every call is gone (and may free the memory
 * holding the trpc__server_ext).  Later additions run first.
 */
#ifndef TRPC_SERVER_EXT_H
#define TRPC_SERVER_EXT_H

#include "typerpc/server.h"

typedef struct trpc__server_ext {
    void (*on_shutdown)(void *arg);
    void (*on_free)(void *arg);
    void *arg;
    struct trpc__server_ext *next; /* the server's */
} trpc__server_ext;

/* Only before trpc_server_start(), like registration. */
void trpc__server_add_ext(trpc_server *srv, trpc__server_ext *ext);

/* The server's method table (server/registry.h): filled before
 * trpc_server_start(), read-only after, so any thread may read it once the
 * server runs (server reflection lists services and files from it). */
struct trpc__registry;
const struct trpc__registry *trpc__server_registry(const trpc_server *srv);

#endif /* TRPC_SERVER_EXT_H */
