/*
 * base/cancel.h: cancellation tokens (trpc_cancel_token of
 * typerpc/channel.h).  A token keeps a list of registrations, one per call
 * that uses it; cancelling the token runs each registration's callback
 * once, from the cancelling thread (the client stream layer's callback
 * posts the stream's cancel op to its I/O thread).  The token is
 * reference-counted: the application's reference (dropped by
 * trpc_cancel_token_free()) and one per registration, so it may be freed
 * while calls still use it.
 *
 * Locking: callbacks run under the token's mutex, so a registration cannot
 * be unregistered (and its owner freed) while its callback runs; owners
 * must not unregister while holding a lock their callback takes.
 */
#ifndef TRPC_BASE_CANCEL_H
#define TRPC_BASE_CANCEL_H

#include <stdbool.h>
#include "typerpc/channel.h"

typedef struct trpc__cancel_reg trpc__cancel_reg;
struct trpc__cancel_reg {
    trpc__cancel_reg *prev, *next;
    trpc_cancel_token *tok;                /* NULL: not registered */
    void (*fn)(trpc__cancel_reg *r);       /* runs once when the token is cancelled */
};

/* Takes a reference on t, and drops one (the token is freed at zero). */
void trpc__cancel_hold(trpc_cancel_token *t);
void trpc__cancel_drop(trpc_cancel_token *t);
/* Registers r (its fn set) with t, which the caller holds.  False if t is
 * cancelled already: r is not registered then. */
bool trpc__cancel_register(trpc_cancel_token *t, trpc__cancel_reg *r);
/* Unregisters r if it is registered; harmless otherwise. */
void trpc__cancel_unregister(trpc__cancel_reg *r);

#endif
