/*
 * arena.c: the per-call arena (see arena.h).  Reset drops every chunk but
 * one of moderate size, which the next call on the recycled call object
 * reuses, so a steady stream of small calls allocates nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <stdalign.h>
#include "base/arena.h"

#define ARENA_MIN_CHUNK 4096u
#define ARENA_KEEP_MAX (256u * 1024u)

struct trpc__chunk {
    trpc__chunk *next;
    size_t cap, used;
    alignas(16) unsigned char data[];
};

static void *arena_pa_alloc(void *ud, size_t n) { return trpc__arena_alloc(ud, n); }
static void arena_pa_free(void *ud, void *p) { (void)ud; (void)p; }

void trpc__arena_init(trpc__arena *a)
{
    a->pa.alloc = arena_pa_alloc;
    a->pa.free = arena_pa_free;
    a->pa.allocator_data = a;
    a->head = NULL;
}

void *trpc__arena_alloc(trpc__arena *a, size_t n)
{
    n = (n + 15u) & ~(size_t)15u;
    if (n == 0) {
        n = 16;
    }
    trpc__chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = c ? c->cap * 2 : ARENA_MIN_CHUNK;
        if (cap < n) {
            cap = n;
        }
        if (cap > SIZE_MAX - sizeof *c) {
            return NULL;
        }
        c = malloc(sizeof *c + cap);
        if (!c) {
            return NULL;
        }
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

void trpc__arena_reset(trpc__arena *a)
{
    trpc__chunk *keep = NULL;
    for (trpc__chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        if (!keep && c->cap <= ARENA_KEEP_MAX) {
            keep = c;
        } else {
            free(c);
        }
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
}

void trpc__arena_free(trpc__arena *a)
{
    for (trpc__chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    a->head = NULL;
}
