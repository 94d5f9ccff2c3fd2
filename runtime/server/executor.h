/*
 * server/executor.h: the server's thread pool for handlers that block.
 *
 * A plain FIFO of tasks served by a fixed number of threads.  It knows
 * nothing of calls: the call layer keeps each call's notifications in
 * order and hands the pool at most one task per call at a time, so a
 * call's notifications never run concurrently nor out of order, while
 * different calls' run in parallel.
 */
#ifndef TRPC_SERVER_EXECUTOR_H
#define TRPC_SERVER_EXECUTOR_H

#include <pthread.h>
#include <stdbool.h>
#include "typerpc/common.h"

typedef struct trpc__task {
    struct trpc__task *next;
    void (*run)(struct trpc__task *t);  /* on a pool thread */
} trpc__task;

typedef struct trpc__executor trpc__executor;

/* Starts nthreads threads.  TRPC_OK, TRPC_ENOMEM or TRPC_ESYS. */
trpc_error trpc__executor_new(trpc__executor **out, unsigned nthreads);
/* Queues t; it runs once on some pool thread.  Any thread. */
void trpc__executor_submit(trpc__executor *ex, trpc__task *t);
/* Runs the tasks still queued, stops the threads and frees the pool.
 * NULL is a no-op.  Not from a pool thread. */
void trpc__executor_free(trpc__executor *ex);

#endif
