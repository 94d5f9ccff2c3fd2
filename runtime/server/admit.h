/*
 * server/admit.h: when a worker accepts connections.  Two reasons to stop
 * for a while, each with its own way back:
 *
 *  - full: the server holds max_connections connections (counted across
 *    all workers).  Every worker stops accepting; the kernel's accept queue
 *    holds new clients (and past its length, refuses them) until a
 *    connection closes.  The worker that closes one looks at once; a
 *    stopped worker also looks every FULL_POLL_MS, since the connection
 *    that closed may have been another worker's.
 *  - failing: accept() failed for want of resources (EMFILE, ENFILE,
 *    ENOBUFS, ENOMEM; any other error too).  Accepting again at once would
 *    spin: the connection is still queued, the listening socket stays
 *    readable, and accept() fails again.  The worker stops accepting for a
 *    back-off that doubles from 100 ms to 1 s while the failures go on, and
 *    writes one log line when an episode begins and one when it ends (the
 *    first accept that works), whatever the number of failures in between.
 *
 * Connections already accepted are served all along.
 */
#ifndef TRPC_SERVER_ADMIT_H
#define TRPC_SERVER_ADMIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <event2/event.h>
#include <event2/listener.h>

/* The server-wide count of open connections, and its limit. */
typedef struct trpc__conn_limit {
    atomic_uint open;
    unsigned max;
} trpc__conn_limit;

typedef struct trpc__admit {
    struct evconnlistener ***lis;   /* the worker's listeners ... */
    size_t *nlis;                   /* ... and how many */
    trpc__conn_limit *limit;        /* NULL: no limit */
    struct event *ev;               /* the back-off or the full poll ends */
    unsigned paused;                /* ADMIT_FULL | ADMIT_FAILING */
    int backoff_ms;                 /* > 0 while an accept episode lasts */
    unsigned long failures;         /* in this episode */
    int64_t since;                  /* when it began (trpc_now_ms()) */
    int64_t retry_at;               /* when the back-off ends */
    bool stopped;                   /* shutdown: listeners never touched */
} trpc__admit;

/* Sets a up for the listeners *lis[0 .. *nlis) of a worker on base.
 * Returns 0 or -1 (no timer). */
int trpc__admit_init(trpc__admit *a, struct event_base *base, struct evconnlistener ***lis,
                     size_t *nlis, trpc__conn_limit *limit);
void trpc__admit_fini(trpc__admit *a);
/* accept() failed with errno err (the listener's error callback). */
void trpc__admit_failed(trpc__admit *a, int err);
/* n connections were opened (accepted and kept) / one was freed. */
void trpc__admit_opened(trpc__admit *a, unsigned n);
void trpc__admit_closed(trpc__admit *a);
/* An accept() worked: the end of a failing episode, if one was going on. */
void trpc__admit_accepted(trpc__admit *a);
/* The listeners are going away (shutdown): stop the timer; a is not used
 * again but for trpc__admit_closed() and trpc__admit_fini(). */
void trpc__admit_stop(trpc__admit *a);

#endif
