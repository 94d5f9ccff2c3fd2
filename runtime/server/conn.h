/*
 * server/conn.h: the server's HTTP/2 connections on one worker: accepting
 * a socket into an nghttp2 server session (directly, or behind the
 * HTTP/1.1 bridge of server/h1.h), turning the session's callbacks
 * into call events, the idle timeout, keepalive PINGs and the enforcement
 * of the clients' PINGs, GOAWAY, and the lingering close.
 *
 * A connection set belongs to a worker; it reports to the worker only
 * through the closed hook (a connection went away: the worker checks
 * whether it may stop).
 */
#ifndef TRPC_SERVER_CONN_H
#define TRPC_SERVER_CONN_H

#include <stdbool.h>
#include <sys/socket.h>
#include "base/tls.h"
#include "server/call.h"

/* What every connection of a server is made with (read-only once built). */
typedef struct trpc__sconn_proto {
    nghttp2_session_callbacks *cbs;
    nghttp2_option *opt;
    uint32_t max_concurrent_streams;
    uint32_t max_header_list_size;
    int idle_timeout_ms;              /* 0: never */
    int handshake_timeout_ms;         /* to the client's preface and SETTINGS;
                                         0: never */
    /* keepalive and ping enforcement (gRPC's A8/A9) */
    int64_t keepalive_time_ms;        /* 0: never */
    int64_t keepalive_timeout_ms;
    int64_t min_ping_interval_ms;
    bool permit_without_calls;
    unsigned max_ping_strikes;
} trpc__sconn_proto;

/* Builds p from the server's options (defaults filled in).  TRPC_OK or
 * TRPC_ENOMEM. */
trpc_error trpc__sconn_proto_init(trpc__sconn_proto *p, const trpc_server_opts *o);
void trpc__sconn_proto_fini(trpc__sconn_proto *p);

typedef struct trpc__sconn trpc__sconn;

/* The connections of one worker. */
typedef struct trpc__sconns {
    trpc__h2loop *loop;
    trpc__call_env *env;
    const trpc__sconn_proto *proto;
    trpc__sconn *head;
    size_t n;
    bool stopping;                  /* the server shuts down: shorter linger */
    void (*closed)(void *ctx);      /* a connection was freed */
    void *ctx;
} trpc__sconns;

/* Takes an accepted socket (sa: the peer's address).  On failure the
 * socket is closed.  Its first bytes decide between HTTP/2 and HTTP/1.1
 * (server/h1.h). */
void trpc__sconn_accept(trpc__sconns *set, int fd, const struct sockaddr *sa, int salen);
/* A plaintext connection over bev (taken; e.g. one end of a
 * bufferevent_pair on the set's loop), with peer as its peer string: how
 * in-process drivers (tests/fuzz, the allocation-failure test) feed the
 * real connection code without sockets. */
void trpc__sconn_accept_bev(trpc__sconns *set, struct bufferevent *bev, const char *peer);
/* The same for a TLS listener: the connection handshakes with ts's current
 * configuration first (closed when it fails or takes longer than the
 * handshake timeout); ALPN "h2" is HTTP/2, "http/1.1" or none HTTP/1.1. */
void trpc__sconn_accept_tls(trpc__sconns *set, int fd, const struct sockaddr *sa, int salen,
                            trpc__tls_server *ts);

/* Shutdown steps, for every connection of the set: the GOAWAY notice
 * ("open no more streams"), the final GOAWAY (last stream id processed),
 * and resetting every call left (RST_STREAM CANCEL).  Setting stopping
 * shortens lingering closes in progress. */
void trpc__sconns_notice(trpc__sconns *set);
void trpc__sconns_goaway(trpc__sconns *set);
void trpc__sconns_cancel_calls(trpc__sconns *set);
void trpc__sconns_stopping(trpc__sconns *set);
/* Frees every connection (their calls end CONNECTION_LOST). */
void trpc__sconns_close_all(trpc__sconns *set);

#endif
