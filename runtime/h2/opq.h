/*
 * h2/opq.h: the cross-thread operation queue of an event loop.
 *
 * Threads other than the loop's (an application thread finishing a held
 * call, a blocking client call, an executor thread) never touch a session:
 * they record what they want as op bits on an item (a call, a stream) and
 * queue the item; the loop wakes (event_active(), which libevent makes
 * safe from any thread) and applies the ops.  An item is queued at most
 * once; bits posted while it waits are merged, and its owner applies them
 * in a fixed order, so a later op never overtakes an earlier one.  Queue
 * flags carry requests for the loop itself (shutdown, stop).
 */
#ifndef TRPC_H2_OPQ_H
#define TRPC_H2_OPQ_H

#include <pthread.h>
#include <stdbool.h>
#include <event2/event.h>

typedef struct trpc__opq_item {
    struct trpc__opq_item *next;
    unsigned ops;   /* pending op bits (under the queue's mutex) */
    bool queued;
} trpc__opq_item;

typedef struct trpc__opq {
    pthread_mutex_t mu;
    trpc__opq_item *head, *tail;
    unsigned flags;     /* loop-level requests */
    struct event *wake;
} trpc__opq;

/* Sets up q on base; cb(arg) runs on the loop when ops are posted.
 * Returns 0 or -1. */
int trpc__opq_init(trpc__opq *q, struct event_base *base, event_callback_fn cb, void *arg);
void trpc__opq_fini(trpc__opq *q);
/* Adds ops to it and queues it unless it is queued already, then wakes the
 * loop.  From any thread.  Returns true if it was not queued before (its
 * owner may count the queue's reference). */
bool trpc__opq_post(trpc__opq *q, trpc__opq_item *it, unsigned ops);
/* Same as trpc__opq_post(), for a caller that already holds q->mu; the
 * caller wakes the loop with trpc__opq_wake() after unlocking. */
bool trpc__opq_post_locked(trpc__opq *q, trpc__opq_item *it, unsigned ops);
void trpc__opq_wake(trpc__opq *q);
/* Takes the next item off the queue with its ops (cleared on the item);
 * NULL when the queue is empty.  The loop's thread only. */
trpc__opq_item *trpc__opq_pop(trpc__opq *q, unsigned *ops);
/* Raises loop-level flags and wakes the loop; takes (and clears) them. */
void trpc__opq_flag(trpc__opq *q, unsigned flags);
unsigned trpc__opq_take_flags(trpc__opq *q);

#endif
