/*
 * server/worker.h: one worker thread of the server: its event loop, its
 * listeners, its connections and calls, the queue other threads post to,
 * and its part of a graceful shutdown.
 */
#ifndef TRPC_SERVER_WORKER_H
#define TRPC_SERVER_WORKER_H

#include <pthread.h>
#include <event2/listener.h>
#include "server/admit.h"
#include "server/conn.h"

typedef struct trpc__worker {
    struct event_base *base;
    trpc__h2loop loop;
    trpc__opq opq;
    trpc__call_env env;
    trpc__sconns conns;
    pthread_t th;
    bool th_started;
    struct evconnlistener **lis;
    bool *lis_borrowed;         /* per listener: a socket given by fd */
    size_t nlis;
    trpc__tls_server **lis_tls;  /* per listener: its TLS configuration, or
                                    NULL (plaintext); NULL: all plaintext */
    struct event *grace_ev;     /* the shutdown grace ran out */
    struct event *notice_ev;    /* the final GOAWAY is due */
    bool stopping, final_goaway;
    int grace_ms;               /* written before the shutdown flag is posted */
    /* when to accept (server/admit.h): the server's connection limit and
     * the back-off after accept() fails */
    trpc__admit admit;
    unsigned long conns_closed; /* connections freed so far */
} trpc__worker;

/* Sets up w (nothing runs yet).  reg, exec and lim are the server's;
 * proto makes its connections; climit counts them server-wide (NULL: no
 * limit).  TRPC_OK or TRPC_ELIBEVENT. */
trpc_error trpc__worker_init(trpc__worker *w, const trpc__registry *reg, trpc__executor *exec,
                             const trpc__call_limits *lim, const trpc__sconn_proto *proto,
                             trpc__conn_limit *climit);
/* Listens on fd too (the fd stays the caller's).  Before start.
 * borrowed: a socket given by fd (socket activation), which outlives this
 * process: at shutdown it is only no longer accepted from, neither drained
 * nor shut down, so connections queued on it wait for the next process.
 * ts: connections accepted on fd handshake with the server's TLS
 * configuration (NULL: plaintext). */
trpc_error trpc__worker_listen(trpc__worker *w, int fd, bool borrowed, trpc__tls_server *ts);
/* Starts the thread.  TRPC_OK or TRPC_ESYS. */
trpc_error trpc__worker_start(trpc__worker *w);
/* Asks the worker to shut down with grace_ms (< 0: forever); the thread
 * ends when no connection and no call is left.  Any thread. */
void trpc__worker_stop(trpc__worker *w, int grace_ms);
/* Waits for the thread (after trpc__worker_stop()). */
void trpc__worker_join(trpc__worker *w);
/* Frees everything (the thread has ended or never started). */
void trpc__worker_fini(trpc__worker *w);

#endif
