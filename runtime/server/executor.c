/*
 * executor.c: the server's thread pool (see executor.h): one mutex, one
 * condition variable, a singly linked FIFO.  Blocking handlers are its
 * reason to exist, so simplicity beats a lock-free queue here.
 */
#include <stdlib.h>
#include "base/thread.h"
#include "server/executor.h"

struct trpc__executor {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    trpc__task *head, *tail;
    bool stop;
    unsigned n;
    pthread_t th[];
};

static void *pool_main(void *arg)
{
    trpc__executor *ex = arg;
    pthread_mutex_lock(&ex->mu);
    for (;;) {
        while (!ex->head && !ex->stop) {
            pthread_cond_wait(&ex->cv, &ex->mu);
        }
        trpc__task *t = ex->head;
        if (!t) {
            break; /* stopping and nothing left */
        }
        ex->head = t->next;
        if (!ex->head) {
            ex->tail = NULL;
        }
        pthread_mutex_unlock(&ex->mu);
        t->run(t);
        pthread_mutex_lock(&ex->mu);
    }
    pthread_mutex_unlock(&ex->mu);
    return NULL;
}

trpc_error trpc__executor_new(trpc__executor **out, unsigned nthreads)
{
    if (nthreads == 0) {
        nthreads = 1;
    }
    trpc__executor *ex = calloc(1, sizeof *ex + nthreads * sizeof ex->th[0]);
    if (!ex) {
        return TRPC_ENOMEM;
    }
    pthread_mutex_init(&ex->mu, NULL);
    pthread_cond_init(&ex->cv, NULL);
    for (unsigned i = 0; i < nthreads; i++) {
        if (trpc__thread_create(&ex->th[i], pool_main, ex) != 0) {
            trpc__executor_free(ex);
            return TRPC_ESYS;
        }
        ex->n++;
    }
    *out = ex;
    return TRPC_OK;
}

void trpc__executor_submit(trpc__executor *ex, trpc__task *t)
{
    t->next = NULL;
    pthread_mutex_lock(&ex->mu);
    if (ex->tail) {
        ex->tail->next = t;
    } else {
        ex->head = t;
    }
    ex->tail = t;
    pthread_cond_signal(&ex->cv);
    pthread_mutex_unlock(&ex->mu);
}

void trpc__executor_free(trpc__executor *ex)
{
    if (!ex) {
        return;
    }
    pthread_mutex_lock(&ex->mu);
    ex->stop = true;
    pthread_cond_broadcast(&ex->cv);
    pthread_mutex_unlock(&ex->mu);
    for (unsigned i = 0; i < ex->n; i++) {
        pthread_join(ex->th[i], NULL);
    }
    pthread_cond_destroy(&ex->cv);
    pthread_mutex_destroy(&ex->mu);
    free(ex);
}
