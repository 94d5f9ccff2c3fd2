/*
 * base/budget.h: a memory budget shared by threads (a server's budget for
 * buffered request messages, across all its calls and connections).
 *
 * Holders take bytes before they allocate them and give them back when
 * they free them; a take that would go past the maximum fails, and the
 * holder does without (the call that wanted the room ends
 * RESOURCE_EXHAUSTED), so the process stops growing instead.  One atomic
 * counter, no lock: takes race with each other only through the
 * compare-and-swap.
 */
#ifndef TRPC_BASE_BUDGET_H
#define TRPC_BASE_BUDGET_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct trpc__budget {
    _Atomic size_t used;
    size_t max; /* SIZE_MAX: unlimited (still counted) */
} trpc__budget;

void trpc__budget_init(trpc__budget *b, size_t max);
/* Takes n bytes: false (nothing taken) if that would pass the maximum, or
 * for a large holder, seven eighths of it: the last eighth is kept for
 * small holders, so a few large ones cannot starve many small ones. */
bool trpc__budget_take(trpc__budget *b, size_t n, bool large);
/* Takes n bytes even past the maximum (what must be held anyway). */
void trpc__budget_force(trpc__budget *b, size_t n);
/* Gives back n bytes taken before. */
void trpc__budget_give(trpc__budget *b, size_t n);
/* Bytes taken now. */
size_t trpc__budget_used(const trpc__budget *b);
/* True if less than room bytes are left. */
bool trpc__budget_low(const trpc__budget *b, size_t room);

#endif
