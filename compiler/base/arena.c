/*
 * arena.c — the compiler's allocator.
 *
 * Every node of the model lives as long as the compilation, so the compiler
 * allocates from chunks it frees all at once. This keeps the parser and the
 * resolver free of ownership bookkeeping and makes a large file cheap: one
 * malloc per chunk, not one per node.
 *
 * Chunks start at 64 KiB and double up to 1 MiB, so a small file costs
 * little and a large one few chunks. On a large file, touching fresh memory
 * page by page costs as much as a good part of the parsing (each first
 * touch is a page fault, dear in a virtual machine), so where the kernel
 * offers it a new chunk's pages are faulted in with one call
 * (MADV_POPULATE_WRITE, Linux 5.14) instead of one fault per page;
 * mem_prefault does the same for the big hash tables and output buffers of
 * the other stages.
 */
#define _DEFAULT_SOURCE /* madvise, MADV_POPULATE_WRITE under _POSIX_C_SOURCE */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compiler.h"

#define ARENA_CHUNK_MIN (64 * 1024)
#define ARENA_CHUNK_MAX (1024 * 1024)
/* Nodes hold pointers, 64-bit integers and doubles, nothing more strictly
 * aligned; strings need no alignment at all. Every byte saved is memory
 * the process never has to fault in. */
#define ARENA_ALIGN 8

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
    Cleanup *cleanups; /* run by arena_free, newest first */
    size_t next_size;  /* the size of the next regular chunk */
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
    arena->next_size = ARENA_CHUNK_MIN;
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

void mem_prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    static long page;
    if (n < 16 * 4096)
        return; /* small: most of it lies in pages already touched */
    if (!page)
        page = sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)p + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t end = ((uintptr_t)p + n) & ~(uintptr_t)(page - 1);
    if (page > 0 && end > start)
        (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
    (void)p;
    (void)n;
#endif
}

/* size bytes at a multiple of align (1 or ARENA_ALIGN), not zeroed. Chunk
 * sizes are multiples of ARENA_ALIGN, so aligning `used` stays in bounds. */
static void *alloc_raw(Arena *arena, size_t size, size_t align)
{
    Chunk *chunk = arena->head;
    if (chunk)
        chunk->used = (chunk->used + align - 1) & ~(align - 1);
    if (!chunk || chunk->size - chunk->used < size) {
        /* Big requests get a chunk of their own, linked behind the current one
         * so the current chunk's free space is not wasted. */
        bool own = size > arena->next_size / 4;
        size_t chunk_size = own ? (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1)
                                : arena->next_size - sizeof(Chunk);
        Chunk *fresh = xmalloc(sizeof *fresh + chunk_size);
        fresh->size = chunk_size;
        fresh->used = 0;
        if (own) {
            fresh->next = chunk ? chunk->next : NULL;
            if (chunk)
                chunk->next = fresh;
            else
                arena->head = fresh;
        } else {
            mem_prefault(fresh, sizeof *fresh + chunk_size);
            fresh->next = chunk;
            arena->head = fresh;
            if (arena->next_size < ARENA_CHUNK_MAX)
                arena->next_size *= 2;
        }
        chunk = fresh;
    }
    void *p = chunk->data + chunk->used;
    chunk->used += size;
    return p;
}

void *arena_alloc(Arena *arena, size_t size)
{
    return memset(alloc_raw(arena, size, ARENA_ALIGN), 0, size);
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
    char *p = alloc_raw(arena, n + 1, 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(Arena *arena, const char *s)
{
    return arena_strndup(arena, s, strlen(s));
}

/* Whether every conversion in fmt is %s or %%: the formats that build
 * names and declarations, nearly all the generators use. */
static bool strings_only(const char *fmt)
{
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 2, '%'))
        if (p[1] != 's' && p[1] != '%')
            return false;
    return true;
}

/* vsnprintf for a strings_only format: the text, with each %s replaced by
 * its argument, into out (room bytes, truncated and NUL-terminated as
 * vsnprintf does); returns the full length. A concatenation needs none of
 * printf's machinery, which cost more than the rest of generating. */
static int format_strings(char *out, size_t room, const char *fmt, va_list ap)
{
    size_t n = 0;
    for (const char *f = fmt; *f;) {
        const char *s = f;
        size_t len;
        if (f[0] == '%') {
            s = f[1] == 's' ? va_arg(ap, const char *) : "%";
            len = strlen(s);
            f += 2;
        } else {
            len = strcspn(f, "%");
            f += len;
        }
        if (n + len < room)
            memcpy(out + n, s, len);
        else if (n < room)
            memcpy(out + n, s, room - 1 - n);
        n += len;
    }
    if (room)
        out[n < room ? n : room - 1] = '\0';
    return n > INT_MAX ? -1 : (int)n;
}

TRPC_PRINTF(3, 0)
static int format(char *out, size_t room, const char *fmt, va_list ap)
{
    return strings_only(fmt) ? format_strings(out, room, fmt, ap) : vsnprintf(out, room, fmt, ap);
}

char *arena_printf(Arena *arena, const char *fmt, ...)
{
    /* Format straight into the current chunk's free space: one pass when the
     * text fits, as it nearly always does (generators make many short
     * strings); otherwise the first pass has measured it. */
    va_list ap;
    Chunk *chunk = arena->head;
    size_t room = chunk ? chunk->size - chunk->used : 0;
    char *p = chunk ? (char *)chunk->data + chunk->used : NULL;
    va_start(ap, fmt);
    int n = format(p, room, fmt, ap);
    va_end(ap);
    if (n < 0)
        return arena_strdup(arena, "");
    if ((size_t)n < room)
        return alloc_raw(arena, (size_t)n + 1, 1);
    p = alloc_raw(arena, (size_t)n + 1, 1);
    va_start(ap, fmt);
    format(p, (size_t)n + 1, fmt, ap);
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
