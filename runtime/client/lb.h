/*
 * client/lb.h: client-side load balancing.  A channel has one subchannel
 * (client/conn.h's trpc__cconns: its own connections, backoff and
 * wait-for-ready queue) per address of its target, and a policy that
 * picks the subchannel each new call goes to:
 *
 *   pick_first   (the default, as gRPC's) the first address, in the
 *                target's order, that connects takes every call; another
 *                is tried only when it fails or goes away.
 *   round_robin  every address is connected; each new call goes to the
 *                next READY subchannel in turn; one that fails (in
 *                backoff) or sent GOAWAY is skipped until it connects
 *                again.
 *
 * Where the addresses come from: an "ipv4:"/"ipv6:" list
 * (client/targets.h) gives them at once.  A name with round_robin is
 * resolved by the balancer (client/resolve.h: A and AAAA), one subchannel
 * per address found; it is looked up again when a connection is lost and
 * every resolve_interval_ms, subchannels of new addresses are added and
 * those of vanished ones retired (no new calls; freed when their calls
 * are over).  Any other target is one subchannel, which looks a name up
 * for each new connection and tries its addresses in turn.
 *
 * Health checking (trpc_channel_opts.health_check_service; client/health.h):
 * every subchannel's READY connection watches the service's health, and a
 * subchannel is picked only once it answered SERVING (or its server has no
 * health service); one waiting for the answer counts as connecting (calls
 * wait for it, on `hwait`), one NOT_SERVING as unusable.  With pick_first
 * the first address in order that is READY and healthy takes the calls: a
 * NOT_SERVING one is passed over as a failed one would be, and taken again
 * when it is SERVING.  No healthy subchannel: a call waits for ready or
 * fails UNAVAILABLE with the health check's reason.
 *
 * A call waiting on an attempt that fails moves to another subchannel
 * (READY, connecting, or idle) instead of failing; one the server refused
 * (REFUSED_STREAM, GOAWAY) starts again through the policy.  Only when no
 * subchannel can take it does it fail UNAVAILABLE (or wait for ready).
 */
#ifndef TRPC_CLIENT_LB_H
#define TRPC_CLIENT_LB_H

#include "client/conn.h"
#include "client/targets.h"

typedef enum trpc__lb_policy { TRPC__LB_PICK_FIRST, TRPC__LB_ROUND_ROBIN } trpc__lb_policy;

typedef struct trpc__lb {
    trpc__client *cl;
    trpc__lb_policy policy;
    size_t n;
    trpc__cconns **sub;            /* n subchannels, in the target's (or the
                                      lookup's) order */
    trpc__cconns **retired;        /* nretired: no longer resolved, still
                                      holding calls or lookups */
    size_t nretired;
    size_t next;                   /* round_robin: where the next pick starts */
    void (*closed)(struct trpc__lb *lb); /* a connection or lookup let go */
    /* A name the balancer resolves itself (round_robin; dns true). */
    bool dns;
    trpc__addr addr;               /* the target's, for each address's port */
    trpc__resolver res;
    trpc__lookup *lookup;          /* the lookup out */
    bool resolved;                 /* a lookup has answered with addresses */
    int64_t last_lookup;           /* when the last lookup started */
    int64_t next_lookup;           /* when resolve_ev fires, while pending */
    trpc__stream_queue pending;    /* streams waiting for the first answer */
    struct event *resolve_ev;      /* the next lookup */
    char last_err[320];
    struct event *reap_ev;         /* frees retired subchannels from the loop */
    /* i13-health: client-side health checking (client/health.h) */
    char *health_service;          /* the service name watched; NULL: off */
    trpc__stream_queue hwait;      /* calls waiting for a healthy subchannel */
    struct event *health_ev;       /* (activated) health checks follow their
                                      connections, hwait is placed again */
    struct event *hwait_ev;        /* (timer) the same when a backoff ends */
    int64_t hwait_at;              /* ... at this time, while pending */
} trpc__lb;

/* Parses a policy name ("pick_first", "round_robin"; NULL or "": pick_first).
 * -1 when unknown. */
int trpc__lb_policy_parse(const char *name);
/* Sets up a subchannel for each address of t (or the resolver of a name
 * the balancer resolves).  Errors as trpc__cconns_init(); runs before the
 * I/O thread. */
trpc_error trpc__lb_init(trpc__lb *lb, trpc__client *cl, const trpc__targets *t,
                         trpc__lb_policy policy);
void trpc__lb_fini(trpc__lb *lb);
/* Puts a begun stream on the subchannel the policy picks. */
void trpc__lb_start(trpc__lb *lb, trpc_stream *s);
/* Fails every subchannel's streams (see trpc__cconns_fail_all), and those
 * waiting for a lookup; cancels the lookup (the loop must run until
 * trpc__lb_idle()). */
void trpc__lb_fail_all(trpc__lb *lb, trpc_status st, const char *msg);
/* No connection and no lookup is left on any subchannel, nor here. */
bool trpc__lb_idle(const trpc__lb *lb);

#endif
