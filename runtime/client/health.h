/*
 * client/health.h: client-side health checking (gRPC's A17) of one
 * subchannel.  With trpc_channel_opts.health_check_service set, each
 * subchannel's READY connection carries a grpc.health.v1.Health/Watch
 * call for that service name, and the balancer (client/lb.c) gives new
 * calls only to subchannels whose last answer was SERVING:
 *
 *   state        event                                  next
 *   WAIT         the connection became READY           a Watch call on it
 *   WAIT/any     an answer SERVING                      SERVING
 *   WAIT/any     NOT_SERVING, SERVICE_UNKNOWN, UNKNOWN  UNHEALTHY
 *   WAIT/any     the call ends UNIMPLEMENTED            DISABLED (the server has
 *                                                       no health service: used as
 *                                                       healthy, logged once)
 *   any          the call ends otherwise, connection    UNHEALTHY, a new Watch
 *                still READY                            after a backoff (1 s x1.6,
 *                                                       at most 120 s, +-20%)
 *   any          the connection is lost or GOAWAY       WAIT (the Watch is
 *                                                       cancelled)
 *
 * A subchannel that is READY and WAITing (no answer yet) is, to the
 * balancer, still connecting: calls wait for it.  Everything here runs on
 * the channel's I/O thread.  The balancer hears of changes through
 * `changed`, always from the loop (an event), never from inside a
 * connection's or a stream's code, so it may place calls and start
 * connections there.
 */
#ifndef TRPC_CLIENT_HEALTH_H
#define TRPC_CLIENT_HEALTH_H

#include "client/conn.h"

typedef enum trpc__hc_state {
    TRPC__HC_WAIT,      /* no connection, or no answer yet on this one */
    TRPC__HC_SERVING,
    TRPC__HC_UNHEALTHY, /* NOT_SERVING, SERVICE_UNKNOWN, or the watch failed */
    TRPC__HC_DISABLED   /* the server does not implement Health: healthy */
} trpc__hc_state;

typedef struct trpc__hcheck {
    trpc__cconns *sub;
    const char *service;       /* the balancer's copy */
    trpc__hc_state state;
    trpc_stream *watch;        /* the Watch call out, or NULL */
    const void *conn;          /* the connection it runs on (see
                                  trpc__cconns_ready_conn) */
    int backoff_ms;            /* before the next Watch after a failed one */
    unsigned rng;
    bool logged;               /* "health checking disabled" said once */
    bool stopped;              /* retired: no more Watch calls */
    struct event *retry_ev;    /* the next Watch */
    char why[160];             /* why UNHEALTHY, for the calls it fails */
    void (*changed)(struct trpc__hcheck *hc);
    void *owner;
} trpc__hcheck;

/* Sets hc up for sub (sub->hc = hc; sub->changed is the balancer's, which
 * must call trpc__hcheck_update()).  TRPC_OK or TRPC_ENOMEM. */
trpc_error trpc__hcheck_init(trpc__hcheck *hc, trpc__cconns *sub, const char *service);
/* Its Watch call must be over (the channel has stopped, or
 * trpc__hcheck_stop() and the loop ran). */
void trpc__hcheck_fini(trpc__hcheck *hc);
/* The subchannel's connection may have changed: start or cancel the
 * Watch accordingly. */
void trpc__hcheck_update(trpc__hcheck *hc);
/* No more Watch calls (a retired subchannel); cancels the one out. */
void trpc__hcheck_stop(trpc__hcheck *hc);
/* May new calls go to the subchannel's READY connection? */
static inline bool trpc__hcheck_ok(const trpc__hcheck *hc)
{
    return hc->state == TRPC__HC_SERVING || hc->state == TRPC__HC_DISABLED;
}

#endif
