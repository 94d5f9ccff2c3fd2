/*
 * gen_buf.h — the generators' containers (gen_buf.c): a text buffer that
 * streams to a file, a set of strings, a map keyed by pointer. The bottom
 * of the gen stage: it knows nothing of protobuf.
 */
#ifndef TYPERPC_GEN_BUF_H
#define TYPERPC_GEN_BUF_H

#include <string.h>

#include "compiler.h"

typedef struct Buf {
    char *data;
    size_t len;
    size_t cap;
    FILE *sink;  /* when set, full buffers are written here (buf_flush) */
    bool failed; /* a write to sink failed */
} Buf;

/* Write what the buffer holds to its sink and empty it. */
void buf_flush(Buf *b);

/* Make room for n more bytes (and a NUL): flushes to the sink or grows. */
void buf_reserve(Buf *b, size_t n);

/* The hot path of every generator: inline, no format parsing. */
static inline void buf_put(Buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap)
        buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void buf_puts(Buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

static inline void buf_putc(Buf *b, char c)
{
    buf_put(b, &c, 1);
}

void buf_printf(Buf *b, const char *fmt, ...) TRPC_PRINTF(2, 3);
/* Append each string argument in turn, up to a NULL: no format parsing. */
void buf_cat(Buf *b, ...);
void buf_int(Buf *b, long long v);
void buf_uint(Buf *b, unsigned long long v);
void buf_free(Buf *b);

/* An open-addressing set of strings; the strings are not copied. */
typedef struct StrSlot {
    const char *key;
    uint64_t hash;
} StrSlot;

typedef struct StrSet {
    StrSlot *slots;
    size_t len;
    size_t cap;
} StrSet;

uint64_t strset_hash(const char *key);
uint64_t strset_hash_n(const char *key, size_t n);
bool strset_has(const StrSet *s, const char *key);
bool strset_has_hash(const StrSet *s, const char *key, uint64_t hash);
void strset_add(StrSet *s, const char *key); /* no-op if present */
void strset_add_hash(StrSet *s, const char *key, uint64_t hash);
/* Add a key known to be absent. */
void strset_add_new(StrSet *s, const char *key, uint64_t hash);
void strset_reserve(StrSet *s, size_t n); /* room for n keys without growing */
void strset_free(StrSet *s);

/* An open-addressing map from a pointer (an AST node) to a pointer. */
typedef struct PtrMap {
    const void **keys;
    void **vals;
    size_t len;
    size_t cap;
} PtrMap;

void *ptrmap_get(const PtrMap *m, const void *key);
void ptrmap_put(PtrMap *m, const void *key, void *val);
void ptrmap_free(PtrMap *m);

#endif /* TYPERPC_GEN_BUF_H */
