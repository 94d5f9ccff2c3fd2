/*
 * gen_buf.c — small containers for the code generators.
 *
 * A Buf holds generated text: it grows geometrically in memory, or, given a
 * sink (output.c opens one per generated file), writes itself out each time
 * its megabyte fills. The string set and pointer map are open-addressing
 * hash tables used for name collision checks and for the per-node name
 * tables. They use malloc (not the arena) because they grow and are freed
 * when generation ends.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen_buf.h"

static void out_of_memory(void)
{
    fputs("typerpc: out of memory\n", stderr);
    abort();
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return q;
}

enum { SINK_CHUNK = 1 << 20 };

void buf_flush(Buf *b)
{
    if (!b->sink || !b->len)
        return;
    if (fwrite(b->data, 1, b->len, b->sink) != b->len)
        b->failed = true;
    b->len = 0;
    b->data[0] = '\0';
}

void buf_reserve(Buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    if (b->sink && b->len) {
        buf_flush(b);
        if (extra + 1 <= b->cap)
            return;
    }
    size_t cap = b->cap ? b->cap : (b->sink ? SINK_CHUNK : 4096);
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    /* The new room will be written end to end: fault it in at once. */
    mem_prefault(b->data + b->len, cap - b->len);
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        buf_put(b, small, (size_t)n);
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_cat(Buf *b, ...)
{
    va_list ap;
    va_start(ap, b);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
        buf_put(b, s, strlen(s));
    va_end(ap);
}

void buf_uint(Buf *b, unsigned long long v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

void buf_int(Buf *b, long long v)
{
    if (v < 0) {
        buf_putc(b, '-');
        buf_uint(b, 0ull - (unsigned long long)v);
    } else {
        buf_uint(b, (unsigned long long)v);
    }
}

void buf_free(Buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Eight bytes at a time, multiply and rotate, then a final mix so the low
 * bits (the ones a power-of-two table uses) depend on every byte. */
uint64_t strset_hash_n(const char *s, size_t n)
{
    return hash_bytes(s, n);
}

uint64_t strset_hash(const char *s)
{
    return strset_hash_n(s, strlen(s));
}

/* Nodes come from an arena and are looked up roughly in the order they
 * were allocated: a hash that keeps neighbours in neighbouring slots keeps
 * the table's cache lines warm. */
static uint64_t hash_ptr(const void *p)
{
    return (uint64_t)(uintptr_t)p >> 4;
}

bool strset_has_hash(const StrSet *s, const char *key, uint64_t hash)
{
    if (!s->cap)
        return false;
    size_t mask = s->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        if (!s->slots[i].key)
            return false;
        if (s->slots[i].hash == hash && strcmp(s->slots[i].key, key) == 0)
            return true;
    }
}

bool strset_has(const StrSet *s, const char *key)
{
    return strset_has_hash(s, key, strset_hash(key));
}

static void strset_insert(StrSlot *slots, size_t cap, const char *key, uint64_t hash)
{
    size_t mask = cap - 1;
    size_t i = hash & mask;
    while (slots[i].key)
        i = (i + 1) & mask;
    slots[i].key = key;
    slots[i].hash = hash;
}

void strset_add_hash(StrSet *s, const char *key, uint64_t hash)
{
    if (!strset_has_hash(s, key, hash))
        strset_add_new(s, key, hash);
}

/* A zeroed table of cap slots, faulted in: keys hash all over it. */
static StrSlot *new_slots(size_t cap)
{
    StrSlot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        out_of_memory();
    mem_prefault(slots, cap * sizeof *slots);
    return slots;
}

void strset_add_new(StrSet *s, const char *key, uint64_t hash)
{
    if ((s->len + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        StrSlot *slots = new_slots(cap);
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].key)
                strset_insert(slots, cap, s->slots[i].key, s->slots[i].hash);
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    strset_insert(s->slots, s->cap, key, hash);
    s->len++;
}

void strset_reserve(StrSet *s, size_t n)
{
    size_t cap = s->cap ? s->cap : 64;
    while (cap < 2 * n)
        cap *= 2;
    if (cap == s->cap)
        return;
    StrSlot *slots = new_slots(cap);
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].key)
            strset_insert(slots, cap, s->slots[i].key, s->slots[i].hash);
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
}

void strset_add(StrSet *s, const char *key)
{
    strset_add_hash(s, key, strset_hash(key));
}

void strset_free(StrSet *s)
{
    free(s->slots);
    memset(s, 0, sizeof *s);
}

void *ptrmap_get(const PtrMap *m, const void *key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash_ptr(key) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i])
            return NULL;
        if (m->keys[i] == key)
            return m->vals[i];
    }
}

static void ptrmap_insert(const void **keys, void **vals, size_t cap, const void *key, void *val)
{
    size_t mask = cap - 1;
    size_t i = hash_ptr(key) & mask;
    while (keys[i] && keys[i] != key)
        i = (i + 1) & mask;
    keys[i] = key;
    vals[i] = val;
}

void ptrmap_put(PtrMap *m, const void *key, void *val)
{
    if ((m->len + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        const void **keys = calloc(cap, sizeof *keys);
        void **vals = calloc(cap, sizeof *vals);
        if (!keys || !vals)
            out_of_memory();
        mem_prefault(keys, cap * sizeof *keys);
        mem_prefault(vals, cap * sizeof *vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                ptrmap_insert(keys, vals, cap, m->keys[i], m->vals[i]);
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    if (!ptrmap_get(m, key))
        m->len++;
    ptrmap_insert(m->keys, m->vals, m->cap, key, val);
}

void ptrmap_free(PtrMap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
