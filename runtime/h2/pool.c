/*
 * pool.c: the nghttp2 allocator (see pool.h).  Blocks up to 16 KiB are
 * rounded up to a power-of-two class and kept on that class's free list
 * (up to 1 MiB per class); larger ones go straight to malloc.  A header in
 * front of each block records its class and usable size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "h2/pool.h"

#define POOL_KEEP_BYTES (1u << 20) /* free blocks kept per class */

struct trpc__pool_hdr {
    union {
        trpc__pool_hdr *next;
        size_t cls;
    } u;
    size_t size; /* usable bytes */
};

static int pool_class(size_t n)
{
    size_t cap = 64;
    for (int c = 0; c < TRPC__POOL_CLASSES; c++, cap <<= 1) {
        if (n <= cap) {
            return c;
        }
    }
    return -1;
}

static void *pool_malloc(size_t n, void *ud)
{
    trpc__pool *pl = ud;
    int c = pool_class(n);
    trpc__pool_hdr *h;
    if (c < 0) {
        h = malloc(sizeof *h + n);
        if (!h) {
            return NULL;
        }
        h->size = n;
        h->u.cls = TRPC__POOL_CLASSES;
        return h + 1;
    }
    h = pl->free[c];
    if (h) {
        pl->free[c] = h->u.next;
        pl->nfree[c]--;
    } else {
        size_t cap = (size_t)64 << c;
        h = malloc(sizeof *h + cap);
        if (!h) {
            return NULL;
        }
        h->size = cap;
    }
    h->u.cls = (size_t)c;
    return h + 1;
}

static void pool_free(void *p, void *ud)
{
    trpc__pool *pl = ud;
    if (!p) {
        return;
    }
    trpc__pool_hdr *h = (trpc__pool_hdr *)p - 1;
    size_t c = h->u.cls;
    if (c >= TRPC__POOL_CLASSES || pl->nfree[c] >= POOL_KEEP_BYTES / ((size_t)64 << c)) {
        free(h);
        return;
    }
    h->u.next = pl->free[c];
    pl->free[c] = h;
    pl->nfree[c]++;
}

static void *pool_calloc(size_t n, size_t size, void *ud)
{
    if (size && n > SIZE_MAX / size) {
        return NULL;
    }
    void *p = pool_malloc(n * size, ud);
    if (p) {
        memset(p, 0, n * size);
    }
    return p;
}

static void *pool_realloc(void *p, size_t n, void *ud)
{
    if (!p) {
        return pool_malloc(n, ud);
    }
    trpc__pool_hdr *h = (trpc__pool_hdr *)p - 1;
    if (n <= h->size) {
        return p;
    }
    void *q = pool_malloc(n, ud);
    if (q) {
        memcpy(q, p, h->size);
        pool_free(p, ud);
    }
    return q;
}

void trpc__pool_init(trpc__pool *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->mem = (nghttp2_mem){ pl, pool_malloc, pool_free, pool_calloc, pool_realloc };
}

void trpc__pool_drain(trpc__pool *pl)
{
    for (int c = 0; c < TRPC__POOL_CLASSES; c++) {
        while (pl->free[c]) {
            trpc__pool_hdr *h = pl->free[c];
            pl->free[c] = h->u.next;
            free(h);
        }
        pl->nfree[c] = 0;
    }
}
