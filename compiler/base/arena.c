/*
 * arena.c — the compiler's allocator.
 *
 * Every node of the model lives as long as the compilation, so the compiler
 * allocates from chunks it frees all at once. This keeps the parser and the
 * resolver free of ownership bookkeeping and makes a large file cheap: one
 * malloc per 64 KiB chunk, not one per node.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

#define ARENA_CHUNK_SIZE (64 * 1024)
#define ARENA_ALIGN 16

typedef struct Chunk {
    struct Chunk *next;
    size_t size;
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} Chunk;

typedef struct Cleanup {
    struct Cleanup *next;
    void (*fn)(void *);
    void *arg;
} Cleanup;

struct Arena {
    Chunk *head;
    Cleanup *cleanups;  /* run by arena_free, newest first */
};

static void *xmalloc(size_t size)
{
    void *p = malloc(size);
    if (!p) {
        fputs("typerpc: out of memory\n", stderr);
        abort();
    }
    return p;
}

Arena *arena_new(void)
{
    Arena *arena = xmalloc(sizeof *arena);
    arena->head = NULL;
    arena->cleanups = NULL;
    return arena;
}

void arena_free(Arena *arena)
{
    if (!arena)
        return;
    for (Cleanup *c = arena->cleanups; c; c = c->next)
        c->fn(c->arg);
    Chunk *chunk = arena->head;
    while (chunk) {
        Chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    free(arena);
}

void *arena_alloc(Arena *arena, size_t size)
{
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    Chunk *chunk = arena->head;
    if (!chunk || chunk->size - chunk->used < size) {
        /* Big requests get a chunk of their own, linked behind the current one
         * so the current chunk's free space is not wasted. */
        size_t chunk_size = size > ARENA_CHUNK_SIZE / 4 ? size : ARENA_CHUNK_SIZE;
        Chunk *fresh = xmalloc(sizeof *fresh + chunk_size);
        fresh->size = chunk_size;
        fresh->used = 0;
        if (chunk && chunk_size != ARENA_CHUNK_SIZE) {
            fresh->next = chunk->next;
            chunk->next = fresh;
        } else {
            fresh->next = chunk;
            arena->head = fresh;
        }
        chunk = fresh;
    }
    void *p = chunk->data + chunk->used;
    chunk->used += size;
    memset(p, 0, size);
    return p;
}

void arena_on_free(Arena *arena, void (*fn)(void *), void *arg)
{
    Cleanup *c = arena_alloc(arena, sizeof *c);
    c->fn = fn;
    c->arg = arg;
    c->next = arena->cleanups;
    arena->cleanups = c;
}

char *arena_strndup(Arena *arena, const char *s, size_t n)
{
    char *p = arena_alloc(arena, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(Arena *arena, const char *s)
{
    return arena_strndup(arena, s, strlen(s));
}

char *arena_printf(Arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return arena_strdup(arena, "");
    char *p = arena_alloc(arena, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void vec_grow_(Arena *arena, void **items, size_t *cap, size_t len, size_t elem_size)
{
    size_t new_cap = *cap ? *cap * 2 : 4;
    void *fresh = arena_alloc(arena, new_cap * elem_size);
    if (len)
        memcpy(fresh, *items, len * elem_size);
    *items = fresh;
    *cap = new_cap;
}
