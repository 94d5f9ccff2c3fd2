/*
 * client/resolve.h: looking up a channel target's name without blocking
 * its loop.  A name is asked with libevent's evdns (evdns_getaddrinfo(): A
 * and AAAA together, the hosts file first), on the channel's own
 * evdns_base: the system's resolv.conf, or the DNS server the target names
 * ("dns://SERVER/host:port").  A numeric address is parsed, never looked
 * up.
 *
 * Every answer comes from the loop, never inside trpc__resolve() (even one
 * libevent gives at once, or a numeric address), so the caller never sees
 * its own state change under it.  A lookup may be cancelled until its
 * answer comes; libevent still calls back later for a cancelled one, so
 * the lookup's memory stays with the resolver until then: `pending` counts
 * lookups out, cancelled ones included, and the idle hook says when it
 * drops to zero (the channel's loop must run until then).
 */
#ifndef TRPC_CLIENT_RESOLVE_H
#define TRPC_CLIENT_RESOLVE_H

#include <event2/event.h>
#include <event2/util.h>
#include "base/addr.h"

typedef struct trpc__resolver {
    struct event_base *ev;
    struct evdns_base *dns;   /* NULL: a numeric address, nothing to ask */
    char host[256];
    char port[16];
    int pending;              /* lookups out, cancelled ones included */
    void (*idle)(struct trpc__resolver *r, void *arg); /* pending fell to 0 */
    void *idle_arg;
} trpc__resolver;

/* The answer: err is 0 (ai: the addresses, the callee's to free with
 * evutil_freeaddrinfo()) or an EVUTIL_EAI_* code (ai NULL). */
typedef void trpc__resolved_fn(int err, struct evutil_addrinfo *ai, void *arg);
typedef struct trpc__lookup trpc__lookup;

/* Sets up r for a's host and port on the loop ev (before the loop runs).
 * TRPC_OK, TRPC_EADDR (the named DNS server is not an address),
 * TRPC_ELIBEVENT. */
trpc_error trpc__resolver_init(trpc__resolver *r, struct event_base *ev, const trpc__addr *a);
/* After the loop: no lookup may be pending. */
void trpc__resolver_fini(trpc__resolver *r);
/* Starts a lookup; fn(err, ai, arg) runs once, later, on the loop, unless
 * the lookup is cancelled first.  NULL when out of memory. */
trpc__lookup *trpc__resolve(trpc__resolver *r, trpc__resolved_fn *fn, void *arg);
/* fn will not run; l is freed when libevent lets go of it. */
void trpc__resolve_cancel(trpc__lookup *l);

#endif
