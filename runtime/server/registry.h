/*
 * server/registry.h: the server's methods, sorted by path for lookup, each
 * with its handlers, the implementation and user pointers given at
 * registration, and whether its notifications run on the executor.
 * Filled before the server starts, read-only after (the workers look up
 * without locks).
 */
#ifndef TRPC_SERVER_REGISTRY_H
#define TRPC_SERVER_REGISTRY_H

#include <stdbool.h>
#include "typerpc/server.h"

typedef struct trpc__method_entry {
    const char *path;
    const trpc_method *m;
    trpc_method_handlers h;
    const void *impl;
    void *user;
    const char *service;   /* the service's full name */
    const trpc_service *svc; /* the service (its file: server reflection) */
    bool exec;             /* notifications run on the executor */
    bool no_side_effects;  /* idempotency_level = NO_SIDE_EFFECTS (Connect GET) */
} trpc__method_entry;

typedef struct trpc__registry {
    trpc__method_entry *e;
    size_t n, cap;
    size_t nexec;          /* entries with exec set */
    trpc_server_interceptor *icpt; /* the interceptors, in order */
    size_t nicpt;
} trpc__registry;

/* Checks and adds svc's methods (the rules of trpc_server_add_service()).
 * TRPC_OK, TRPC_EINVAL, TRPC_EEXISTS or TRPC_ENOMEM; nothing is added on
 * error. */
trpc_error trpc__registry_add(trpc__registry *r, const trpc_service *svc,
                              const trpc_method_handlers *handlers, const void *impl,
                              void *user);
/* Puts the service ("pkg.Svc") or method ("/pkg.Svc/M") name on the
 * executor.  TRPC_OK, TRPC_EINVAL or TRPC_ENOENT. */
trpc_error trpc__registry_use_executor(trpc__registry *r, const char *name);
/* Appends a copy of ic to the interceptors.  TRPC_OK or TRPC_ENOMEM. */
trpc_error trpc__registry_add_interceptor(trpc__registry *r, const trpc_server_interceptor *ic);
/* The entry for path, or NULL. */
const trpc__method_entry *trpc__registry_find(const trpc__registry *r, const char *path);
void trpc__registry_free(trpc__registry *r);

#endif
