/*
 * client/conn.h: a channel's HTTP/2 connections to one address (a
 * subchannel; client/lb.c holds one per address of the target and picks
 * among them): resolving its name (libevent's evdns, on the I/O thread's
 * loop, never blocking it), connecting lazily (every address in turn,
 * with a connect timeout),
 * exponential backoff after a failure, calls that wait for ready through
 * it, the nghttp2 client session and its callbacks, keepalive PINGs,
 * GOAWAY (the connection drains: its streams finish there, new calls go to
 * a new one; "too_many_pings" doubles the keepalive time), and the
 * transparent retry of streams the server refused.
 */
#ifndef TRPC_CLIENT_CONN_H
#define TRPC_CLIENT_CONN_H

#include "base/addr.h"
#include "base/tls.h"
#include "client/resolve.h"
#include "client/stream.h"

typedef struct trpc__cconn trpc__cconn;

typedef struct trpc__cconns {
    trpc__client *cl;
    trpc__addr addr;
    char *target;
    trpc__resolver res;        /* looks the target's name up */
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
    trpc__cconn *cur;          /* where new streams go; NULL: connect first */
    trpc__cconn *head;         /* every connection, draining ones too */
    int64_t next_attempt;      /* backoff: no connect before this */
    int backoff_ms;
    int64_t ka_time;           /* keepalive time of new connections (0: off;
                                  doubled by GOAWAY "too_many_pings") */
    trpc__stream_queue ready_wait; /* wait_for_ready streams during backoff */
    struct event *retry_ev;    /* the backoff is over: connect for them */
    char last_err[320];
    unsigned rng;
    void (*closed)(struct trpc__cconns *set); /* a connection was freed, or
                                                 the last lookup let go */
    /* TLS (cl->o.tls): the context and the name the server is verified as */
    SSL_CTX *tls_ctx;
    char *tls_host;
    /* Set by the load balancer (client/lb.c) when the channel has several
     * of these, one per address (a subchannel each); NULL: alone. */
    void *owner;
    int64_t goaway_at;         /* when the last GOAWAY came (0: none since
                                  the last connect): the instance is
                                  probably going away */
    /* A stream waiting on an attempt that failed: true if it was placed
     * on another subchannel instead of failing here. */
    bool (*repick)(struct trpc__cconns *set, trpc_stream *s);
    /* A stream the server refused (REFUSED_STREAM, or above GOAWAY's last
     * id) starts again: where a new stream would go. */
    void (*restart)(struct trpc__cconns *set, trpc_stream *s);
    /* i13-health: a connection became READY, or the one new streams went
     * to stopped taking them (GOAWAY); NULL: nobody listens.  Called from
     * the connection's own code: must not free anything of set. */
    void (*changed)(struct trpc__cconns *set);
    struct trpc__hcheck *hc;   /* its health check (client/health.h), when
                                  the channel checks health; the balancer's */
} trpc__cconns;

/* What a set (a subchannel) can do for a new stream now. */
typedef enum trpc__sub_state {
    TRPC__SUB_IDLE,       /* no connection; one may be started */
    TRPC__SUB_CONNECTING, /* resolving, connecting or handshaking */
    TRPC__SUB_READY,      /* a connection takes streams */
    TRPC__SUB_BACKOFF     /* the last attempt failed; none before next_attempt */
} trpc__sub_state;

/* Sets up set for target (already parsed into addr): the resolver of a
 * named target (the system's resolv.conf and hosts file, or the DNS server
 * the target names), and the TLS context when cl->o.tls.  TRPC_OK,
 * TRPC_ENOMEM, TRPC_EADDR (the DNS server cannot be used), TRPC_ETLS (a
 * TLS file cannot be used; trpc_tls_last_error() says why) or
 * TRPC_ELIBEVENT.  Runs before the I/O thread. */
trpc_error trpc__cconns_init(trpc__cconns *set, trpc__client *cl, const trpc__addr *addr,
                             const char *target);
/* The state of set's connection (see trpc__sub_state). */
trpc__sub_state trpc__cconns_state(const trpc__cconns *set);
/* The READY connection new streams go to, as an opaque identity (to
 * tell whether a stream runs on it: trpc_stream.h2 is its address), or
 * NULL. */
const void *trpc__cconns_ready_conn(const trpc__cconns *set);
/* Starts a connection when set is IDLE (round_robin connects every
 * address, not only the one a call goes to). */
void trpc__cconns_connect(trpc__cconns *set);
/* Frees every connection (their streams must be gone). */
void trpc__cconns_fini(trpc__cconns *set);
/* Puts a begun stream on a connection: submitted, queued while it
 * resolves or connects, or, with no connection (backoff, a failed
 * attempt), queued until the next attempt when it waits for ready and
 * failed UNAVAILABLE otherwise. */
void trpc__cconns_start(trpc__cconns *set, trpc_stream *s);
/* Fails every connection's streams (and those waiting for ready) with st
 * and frees the connections (their lookups are cancelled: the loop must
 * run until res.pending is 0). */
void trpc__cconns_fail_all(trpc__cconns *set, trpc_status st, const char *msg);

#endif
