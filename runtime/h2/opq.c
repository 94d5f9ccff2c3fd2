/*
 * opq.c: the cross-thread operation queue (see opq.h): a mutex-guarded
 * FIFO of items and one event activated to wake the loop.
 */
#include "h2/opq.h"

int trpc__opq_init(trpc__opq *q, struct event_base *base, event_callback_fn cb, void *arg)
{
    q->head = q->tail = NULL;
    q->flags = 0;
    if (pthread_mutex_init(&q->mu, NULL) != 0) {
        return -1;
    }
    q->wake = event_new(base, -1, 0, cb, arg);
    if (!q->wake) {
        pthread_mutex_destroy(&q->mu);
        return -1;
    }
    return 0;
}

void trpc__opq_fini(trpc__opq *q)
{
    if (q->wake) {
        event_free(q->wake);
        q->wake = NULL;
        pthread_mutex_destroy(&q->mu);
    }
}

bool trpc__opq_post_locked(trpc__opq *q, trpc__opq_item *it, unsigned ops)
{
    it->ops |= ops;
    if (it->queued) {
        return false;
    }
    it->queued = true;
    it->next = NULL;
    if (q->tail) {
        q->tail->next = it;
    } else {
        q->head = it;
    }
    q->tail = it;
    return true;
}

void trpc__opq_wake(trpc__opq *q) { event_active(q->wake, EV_READ, 0); }

bool trpc__opq_post(trpc__opq *q, trpc__opq_item *it, unsigned ops)
{
    pthread_mutex_lock(&q->mu);
    bool fresh = trpc__opq_post_locked(q, it, ops);
    pthread_mutex_unlock(&q->mu);
    trpc__opq_wake(q);
    return fresh;
}

trpc__opq_item *trpc__opq_pop(trpc__opq *q, unsigned *ops)
{
    pthread_mutex_lock(&q->mu);
    trpc__opq_item *it = q->head;
    if (it) {
        q->head = it->next;
        if (!q->head) {
            q->tail = NULL;
        }
        it->queued = false;
        *ops = it->ops;
        it->ops = 0;
    }
    pthread_mutex_unlock(&q->mu);
    return it;
}

void trpc__opq_flag(trpc__opq *q, unsigned flags)
{
    pthread_mutex_lock(&q->mu);
    q->flags |= flags;
    pthread_mutex_unlock(&q->mu);
    trpc__opq_wake(q);
}

unsigned trpc__opq_take_flags(trpc__opq *q)
{
    pthread_mutex_lock(&q->mu);
    unsigned f = q->flags;
    q->flags = 0;
    pthread_mutex_unlock(&q->mu);
    return f;
}
