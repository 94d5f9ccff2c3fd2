/*
 * client/conn.h: a channel's HTTP/2 connections: connecting lazily (every
 * address of the target in turn, with a connect timeout), exponential
 * backoff after a failure, the nghttp2 client session and its callbacks,
 * GOAWAY (the connection drains: its streams finish there, new calls go to
 * a new one), and the transparent retry of streams the server refused.
 *
 * Name resolution is getaddrinfo() on the I/O thread for now; evdns
 * (asynchronous) replaces it in get_conn()/try_connect().  Keepalive pings
 * belong here too (a timer per connection, armed in on_connected()).
 */
#ifndef TRPC_CLIENT_CONN_H
#define TRPC_CLIENT_CONN_H

#include "base/addr.h"
#include "client/stream.h"

typedef struct trpc__cconn trpc__cconn;

typedef struct trpc__cconns {
    trpc__client *cl;
    trpc__addr addr;
    char *target;
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
    trpc__cconn *cur;          /* where new streams go; NULL: connect first */
    trpc__cconn *head;         /* every connection, draining ones too */
    int64_t next_attempt;      /* backoff: no connect before this */
    int backoff_ms;
    char last_err[160];
    unsigned rng;
    void (*closed)(struct trpc__cconns *set); /* a connection was freed */
} trpc__cconns;

/* Sets up set for target (already parsed into addr).  TRPC_OK or
 * TRPC_ENOMEM. */
trpc_error trpc__cconns_init(trpc__cconns *set, trpc__client *cl, const trpc__addr *addr,
                             const char *target);
/* Frees every connection (their streams must be gone). */
void trpc__cconns_fini(trpc__cconns *set);
/* Puts a begun stream on a connection: submitted, queued while it
 * connects, or failed UNAVAILABLE (backoff, no connection). */
void trpc__cconns_start(trpc__cconns *set, trpc_stream *s);
/* Fails every connection's streams with st and frees the connections. */
void trpc__cconns_fail_all(trpc__cconns *set, trpc_status st, const char *msg);

#endif
