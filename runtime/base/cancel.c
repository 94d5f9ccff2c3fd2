/*
 * cancel.c: cancellation tokens (see cancel.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include "base/cancel.h"

struct trpc_cancel_token {
    pthread_mutex_t mu;
    int refs;                   /* under mu */
    atomic_bool cancelled;
    trpc__cancel_reg *head;     /* under mu */
};

trpc_error trpc_cancel_token_new(trpc_cancel_token **out)
{
    if (!out) {
        return TRPC_EINVAL;
    }
    trpc_cancel_token *t = calloc(1, sizeof *t);
    if (!t) {
        return TRPC_ENOMEM;
    }
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        free(t);
        return TRPC_ENOMEM;
    }
    t->refs = 1;
    atomic_init(&t->cancelled, false);
    *out = t;
    return TRPC_OK;
}

static void unref_locked(trpc_cancel_token *t)
{
    int n = --t->refs;
    pthread_mutex_unlock(&t->mu);
    if (n == 0) {
        pthread_mutex_destroy(&t->mu);
        free(t);
    }
}

void trpc_cancel_token_cancel(trpc_cancel_token *t)
{
    if (!t) {
        return;
    }
    pthread_mutex_lock(&t->mu);
    if (!atomic_exchange(&t->cancelled, true)) {
        for (trpc__cancel_reg *r = t->head; r; r = r->next) {
            r->fn(r);
        }
    }
    pthread_mutex_unlock(&t->mu);
}

bool trpc_cancel_token_is_cancelled(const trpc_cancel_token *t)
{
    return t && atomic_load(&t->cancelled);
}

void trpc_cancel_token_free(trpc_cancel_token *t)
{
    if (!t) {
        return;
    }
    pthread_mutex_lock(&t->mu);
    unref_locked(t);
}

void trpc__cancel_hold(trpc_cancel_token *t)
{
    pthread_mutex_lock(&t->mu);
    t->refs++;
    pthread_mutex_unlock(&t->mu);
}

void trpc__cancel_drop(trpc_cancel_token *t)
{
    pthread_mutex_lock(&t->mu);
    unref_locked(t);
}

bool trpc__cancel_register(trpc_cancel_token *t, trpc__cancel_reg *r)
{
    pthread_mutex_lock(&t->mu);
    if (atomic_load(&t->cancelled)) {
        pthread_mutex_unlock(&t->mu);
        return false;
    }
    r->tok = t;
    r->prev = NULL;
    r->next = t->head;
    if (t->head) {
        t->head->prev = r;
    }
    t->head = r;
    pthread_mutex_unlock(&t->mu);
    return true;
}

void trpc__cancel_unregister(trpc__cancel_reg *r)
{
    trpc_cancel_token *t = r->tok;
    if (!t) {
        return;
    }
    pthread_mutex_lock(&t->mu);
    if (r->prev) {
        r->prev->next = r->next;
    } else {
        t->head = r->next;
    }
    if (r->next) {
        r->next->prev = r->prev;
    }
    r->prev = r->next = NULL;
    r->tok = NULL;
    pthread_mutex_unlock(&t->mu);
}
