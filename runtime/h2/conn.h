/*
 * h2/conn.h: what the server's and the client's HTTP/2 connections share.
 *
 * A trpc__h2conn is one nghttp2 session over one bufferevent, on one event
 * loop (a trpc__h2loop: a server worker's, a channel's I/O thread's).  This
 * layer reads (hands received bytes to nghttp2), writes (nghttp2's send
 * callback appends to the socket's output, refusing past 1 MiB so a slow
 * peer stalls its own frames and nothing else), and flushes: code above
 * that submits frames (a call's reply, a stream's RST) marks its connection,
 * and the loop flushes every marked connection once, on the next turn of
 * the loop, so frames submitted together leave in one write and nothing
 * above calls back up to send.  Reading flushes its own connection at once.
 *
 * It reports upward only through the hooks its owner gives it (a protocol
 * error on input, a socket event, the result of each flush, a keepalive
 * PING left unanswered); a hook may free the connection, after which this
 * layer does not touch it.
 *
 * Keepalive (gRPC's A8 and A9, the same mechanism on both sides): once
 * started, a connection that has read nothing for keepalive time sends a
 * PING, if the owner's may_ping hook agrees (a client with no call open
 * does not); the time is measured from the last read, never from the last
 * PING sent.  Reading only counts (no clock read on the hot path); the
 * timer looks at the count every quarter of keepalive time, so the PING
 * goes between 1 and 1.25 keepalive times after the last read, never
 * sooner.
 * When the ACK does not come within keepalive timeout the ping_timeout
 * hook runs (the owner closes the connection).  The owner reports each
 * PING ACK it receives (trpc__h2_ping_acked()) and kicks the timer when a
 * call starts on a connection that stopped pinging for want of calls
 * (trpc__h2_keepalive_kick()): if it has been quiet for keepalive time
 * already, the PING goes at once, ahead of the call's HEADERS.  The
 * owner embeds the trpc__h2conn as its first member and gives the session
 * the owner as user data, so nghttp2 callbacks of either layer find it.
 */
#ifndef TRPC_H2_CONN_H
#define TRPC_H2_CONN_H

#include <stdbool.h>
#include <nghttp2/nghttp2.h>
#include <event2/event.h>
#include <event2/bufferevent.h>
#include "h2/pool.h"

typedef struct trpc__h2conn trpc__h2conn;

/* The per-loop part: the marked connections, the event that flushes them,
 * and the nghttp2 allocator of the loop's sessions. */
typedef struct trpc__h2loop {
    struct event_base *base;
    struct event *flush_ev;
    trpc__h2conn *dirty;   /* marked connections (doubly linked) */
    trpc__h2conn *reading; /* the connection being read: it flushes after */
    bool flush_pending;    /* flush_ev is active */
    trpc__pool pool;
} trpc__h2loop;

int trpc__h2loop_init(trpc__h2loop *loop, struct event_base *base);
/* Every connection of the loop must be finalised before. */
void trpc__h2loop_fini(trpc__h2loop *loop);

typedef struct trpc__h2hooks {
    /* nghttp2 refused received bytes (rv: its error code): a protocol
     * error or out of memory.  The unread input was dropped. */
    void (*recv_failed)(trpc__h2conn *c, int rv);
    /* The bufferevent reported events (BEV_EVENT_CONNECTED, EOF, ERROR,
     * TIMEOUT). */
    void (*event)(trpc__h2conn *c, short events);
    /* After each flush: rv is nghttp2_session_send()'s result; done is
     * true when rv is 0 and the session wants neither to read nor to write
     * and the socket's output is empty (the connection has nothing left). */
    void (*flushed)(trpc__h2conn *c, int rv, bool done);
    /* Keepalive: may a PING be sent now?  (NULL: always.) */
    bool (*may_ping)(trpc__h2conn *c);
    /* Keepalive: the PING was not acknowledged in time. */
    void (*ping_timeout)(trpc__h2conn *c);
    /* Bytes arrived before the owner made the session (NULL: they wait).
     * The server looks at them to tell HTTP/2 from HTTP/1.1; it may make
     * the session and read (trpc__h2_read()) from here, or free c. */
    void (*unready)(trpc__h2conn *c);
} trpc__h2hooks;

struct trpc__h2conn {
    trpc__h2loop *loop;
    const trpc__h2hooks *hooks;
    struct bufferevent *bev;   /* NULL until attached */
    nghttp2_session *ng;       /* NULL until the owner creates it: input
                                  waits in the bufferevent meanwhile */
    bool dirty;                /* on the loop's marked list */
    bool closing;              /* input is discarded, nothing is sent */
    trpc__h2conn *dprev, *dnext;
    uint32_t reads;            /* reads so far (wrapping) */
    /* keepalive (off while ka_time is 0) */
    struct event *ka_ev;
    int64_t ka_time, ka_timeout;
    uint32_t ka_reads;         /* reads when the timer last looked ... */
    int64_t ka_quiet_since;    /* ... and when it last saw them change */
    bool ping_out;             /* a keepalive PING awaits its ACK */
    bool ka_idle;              /* stopped: may_ping said no; a kick restarts */
};

/* Installs the shared send callback into cbs. */
void trpc__h2_callbacks(nghttp2_session_callbacks *cbs);

void trpc__h2conn_init(trpc__h2conn *c, trpc__h2loop *loop, const trpc__h2hooks *hooks);
/* Takes bev (freed with the connection) and starts reading and writing.
 * Returns 0, or -1 when bev cannot be enabled (libevent out of memory: it
 * would never read); c holds bev all the same. */
int trpc__h2conn_attach(trpc__h2conn *c, struct bufferevent *bev);
/* Frees the session and the bufferevent (closing the socket). */
void trpc__h2conn_fini(trpc__h2conn *c);

/* Asks for a flush on the next turn of the loop. */
void trpc__h2_mark(trpc__h2conn *c);
/* Flushes now: nghttp2 writes what it has queued, then the flushed hook
 * runs (and may free c). */
void trpc__h2_flush(trpc__h2conn *c);
/* Hands the input already buffered to the session (after creating it),
 * then flushes.  May free c through a hook. */
void trpc__h2_read(trpc__h2conn *c);

/* Starts keepalive on c (its session made): PING after time_ms without
 * reading, fail after timeout_ms without the ACK.  time_ms <= 0: off.
 * Returns 0, or -1 when the timer cannot be made (keepalive stays off). */
int trpc__h2_keepalive_start(trpc__h2conn *c, int64_t time_ms, int64_t timeout_ms);
/* A call started on c: restarts a keepalive that may_ping had stopped. */
void trpc__h2_keepalive_kick(trpc__h2conn *c);
/* A PING ACK arrived on c. */
void trpc__h2_ping_acked(trpc__h2conn *c);

#endif
