/*
 * client/conn.h: a channel's HTTP/2 connections: resolving the target's
 * name (libevent's evdns, on the I/O thread's loop, never blocking it),
 * connecting lazily (every address in turn, with a connect timeout),
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
} trpc__cconns;

/* Sets up set for target (already parsed into addr): the resolver of a
 * named target (the system's resolv.conf and hosts file, or the DNS server
 * the target names), and the TLS context when cl->o.tls.  TRPC_OK,
 * TRPC_ENOMEM, TRPC_EADDR (the DNS server cannot be used), TRPC_ETLS (a
 * TLS file cannot be used; trpc_tls_last_error() says why) or
 * TRPC_ELIBEVENT.  Runs before the I/O thread. */
trpc_error trpc__cconns_init(trpc__cconns *set, trpc__client *cl, const trpc__addr *addr,
                             const char *target);
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
