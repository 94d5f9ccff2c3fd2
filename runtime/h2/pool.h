/*
 * h2/pool.h: a free-list allocator handed to nghttp2 (an nghttp2_mem), so
 * its per-stream objects (stream state, header copies, frame items) are
 * recycled instead of malloc'd for every call.  One pool per event loop:
 * single-threaded, only that loop's sessions use it.
 */
#ifndef TRPC_H2_POOL_H
#define TRPC_H2_POOL_H

#include <stddef.h>
#include <nghttp2/nghttp2.h>

#define TRPC__POOL_CLASSES 9 /* 64 B .. 16 KiB */

typedef struct trpc__pool_hdr trpc__pool_hdr;
typedef struct trpc__pool {
    trpc__pool_hdr *free[TRPC__POOL_CLASSES];
    size_t nfree[TRPC__POOL_CLASSES];
    nghttp2_mem mem; /* what nghttp2_session_*_new3() takes */
} trpc__pool;

void trpc__pool_init(trpc__pool *pl);
/* Frees the blocks kept for reuse (sessions using the pool must be gone). */
void trpc__pool_drain(trpc__pool *pl);

#endif
