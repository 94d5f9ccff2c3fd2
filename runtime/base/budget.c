/*
 * budget.c: the shared memory budget (see budget.h).
 */
#include <stdint.h>
#include "base/budget.h"

void trpc__budget_init(trpc__budget *b, size_t max)
{
    atomic_init(&b->used, 0);
    b->max = max;
}

bool trpc__budget_take(trpc__budget *b, size_t n, bool large)
{
    size_t max = large && b->max != SIZE_MAX ? b->max - b->max / 8 : b->max;
    size_t cur = atomic_load_explicit(&b->used, memory_order_relaxed);
    do {
        if (n > max || cur > max - n) {
            return false;
        }
    } while (!atomic_compare_exchange_weak_explicit(&b->used, &cur, cur + n,
                                                    memory_order_relaxed,
                                                    memory_order_relaxed));
    return true;
}

void trpc__budget_force(trpc__budget *b, size_t n)
{
    atomic_fetch_add_explicit(&b->used, n, memory_order_relaxed);
}

void trpc__budget_give(trpc__budget *b, size_t n)
{
    atomic_fetch_sub_explicit(&b->used, n, memory_order_relaxed);
}

size_t trpc__budget_used(const trpc__budget *b)
{
    return atomic_load_explicit(&b->used, memory_order_relaxed);
}

bool trpc__budget_low(const trpc__budget *b, size_t room)
{
    size_t used = trpc__budget_used(b);
    return used > b->max || b->max - used < room;
}
