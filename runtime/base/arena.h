/*
 * base/arena.h: the per-call arena, a bump allocator over a list of chunks
 * exposed as a ProtobufCAllocator, so protobuf-c decodes a request into it
 * and a handler builds its reply in it.  free() is a no-op; reset keeps one
 * chunk of moderate size for the next call on a recycled call object.
 */
#ifndef TRPC_BASE_ARENA_H
#define TRPC_BASE_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct trpc__chunk trpc__chunk;
typedef struct trpc__arena {
    ProtobufCAllocator pa;  /* first member: &arena->pa is the allocator */
    trpc__chunk *head;      /* newest chunk first */
} trpc__arena;

void trpc__arena_init(trpc__arena *a);
/* n bytes, 16-byte aligned; NULL if out of memory. */
void *trpc__arena_alloc(trpc__arena *a, size_t n);
/* Frees everything allocated, keeping one chunk of moderate size to reuse. */
void trpc__arena_reset(trpc__arena *a);
void trpc__arena_free(trpc__arena *a);

#endif
