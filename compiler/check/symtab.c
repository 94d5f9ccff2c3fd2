/*
 * symtab.c — the symbol table of every loaded file, and protoc's name lookup.
 *
 * One hash table maps each full name (packages and every prefix of them,
 * messages, enums, enum values, fields, extensions, oneofs, services,
 * methods) to its Symbol. Lookup follows protoc's
 * DescriptorBuilder::LookupSymbolNoPlaceholder exactly, including its
 * quirks, because users' files are written against protoc: a name resolves
 * from the innermost scope outward, and for a dotted name only the first
 * component is searched that way; once it is found in some scope, the rest
 * must be found inside it.
 *
 * Visibility is protoc's too: a symbol counts only if its file is the file
 * being resolved, a direct import, or reached from one through `import
 * public`. An invisible symbol is treated as absent, and remembered so the
 * error can say which import is missing.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void symtab_init(SymTab *tab, size_t expected)
{
    /* Sized up front from the input's size, so the table rarely grows:
     * rehashing a large table is all cache misses. */
    tab->cap = 1024;
    while (tab->cap < expected * 2)
        tab->cap *= 2;
    tab->len = 0;
    tab->slots = calloc(tab->cap, sizeof *tab->slots);
    if (!tab->slots) {
        fputs("typerpc: out of memory\n", stderr);
        abort();
    }
    /* Names hash all over the table: fault it in at once. */
    mem_prefault(tab->slots, tab->cap * sizeof *tab->slots);
}

void symtab_free(SymTab *tab)
{
    free(tab->slots);
    tab->slots = NULL;
    tab->cap = tab->len = 0;
}

static size_t slot_of(const SymSlot *slots, size_t cap, const char *name, size_t len, uint64_t h)
{
    size_t mask = cap - 1;
    size_t i = (size_t)h & mask;
    while (slots[i].sym) {
        if (slots[i].hash == h) {
            const char *s = slots[i].sym->name;
            if (strncmp(s, name, len) == 0 && s[len] == '\0')
                return i;
        }
        i = (i + 1) & mask;
    }
    return i;
}

Symbol *symtab_find(const SymTab *tab, const char *name, size_t len)
{
    return tab->slots[slot_of(tab->slots, tab->cap, name, len, hash_bytes(name, len))].sym;
}

static void symtab_grow(SymTab *tab)
{
    size_t cap = tab->cap * 4;
    SymSlot *slots = calloc(cap, sizeof *slots);
    if (!slots) {
        fputs("typerpc: out of memory\n", stderr);
        abort();
    }
    mem_prefault(slots, cap * sizeof *slots);
    /* Names are unique in the table, so each goes to the first free slot. */
    for (size_t i = 0; i < tab->cap; i++) {
        if (!tab->slots[i].sym)
            continue;
        size_t j = (size_t)tab->slots[i].hash & (cap - 1);
        while (slots[j].sym)
            j = (j + 1) & (cap - 1);
        slots[j] = tab->slots[i];
    }
    free(tab->slots);
    tab->slots = slots;
    tab->cap = cap;
}

Symbol *symtab_insert(Resolver *r, Symbol *sym)
{
    SymTab *tab = &r->syms;
    size_t len = strlen(sym->name);
    sym->hash = hash_bytes(sym->name, len);
    size_t i = slot_of(tab->slots, tab->cap, sym->name, len, sym->hash);
    if (tab->slots[i].sym)
        return tab->slots[i].sym;
    tab->slots[i] = (SymSlot){ sym->hash, sym };
    /* Keep the load factor under one half so probes stay short. */
    if (++tab->len * 2 > tab->cap)
        symtab_grow(tab);
    return NULL;
}

const char *sym_kind_name(SymKind kind)
{
    switch (kind) {
    case SYM_PACKAGE: return "package";
    case SYM_MESSAGE: return "message";
    case SYM_ENUM: return "enum";
    case SYM_ENUM_VALUE: return "enum value";
    case SYM_FIELD: return "field";
    case SYM_ONEOF: return "oneof";
    case SYM_SERVICE: return "service";
    case SYM_METHOD: return "method";
    }
    return "symbol";
}

/* protoc's IsInPackage: file's package is `pkg` or lies under it. */
static bool in_package(const File *f, const char *pkg, size_t len)
{
    if (!f->package)
        return false;
    return strncmp(f->package, pkg, len) == 0 &&
           (f->package[len] == '\0' || f->package[len] == '.');
}

/* Whether `sym` may be used from r->file (protoc's dependency rule). */
static bool symbol_visible(Resolver *r, const Symbol *sym)
{
    size_t idx = (size_t)sym->file->src->index;
    if (idx < r->mark_len && r->visible_mark[idx])
        return true;
    if (sym->kind == SYM_PACKAGE) {
        /* A package may be spread over many files; it is visible if any
         * visible file lies in it, not only the first file that declared it. */
        size_t len = strlen(sym->name);
        for (size_t i = 0; i < r->visible.len; i++)
            if (in_package(r->visible.items[i], sym->name, len))
                return true;
    }
    return false;
}

/* protoc's FindSymbol: exact full-name lookup, enforcing visibility. */
static Symbol *find_symbol(Resolver *r, const char *name, size_t len)
{
    Symbol *sym = symtab_find(&r->syms, name, len);
    if (!sym)
        return NULL;
    if (symbol_visible(r, sym))
        return sym;
    r->undeclared_file = sym->file;
    r->undeclared_name = sym->name;
    return NULL;
}

/* Room for need bytes in r->buf, where lookups compose candidate names. */
static void scratch_reserve(Resolver *r, size_t need)
{
    if (need <= r->buf_cap)
        return;
    size_t cap = r->buf_cap ? r->buf_cap : 256;
    while (cap < need)
        cap *= 2;
    char *buf = realloc(r->buf, cap);
    if (!buf) {
        fputs("typerpc: out of memory\n", stderr);
        abort();
    }
    r->buf = buf;
    r->buf_cap = cap;
}

static bool is_aggregate(SymKind k)
{
    return k == SYM_MESSAGE || k == SYM_PACKAGE || k == SYM_ENUM || k == SYM_SERVICE;
}

static bool is_type(SymKind k)
{
    return k == SYM_MESSAGE || k == SYM_ENUM;
}

Symbol *sym_lookup(Resolver *r, const char *name, const char *relative_to, LookupMode mode)
{
    r->undeclared_file = NULL;
    r->undeclared_name = NULL;
    r->resolved_to = NULL;

    size_t name_len = strlen(name);
    if (name[0] == '.')
        return find_symbol(r, name + 1, name_len - 1);

    /* For "Foo.Bar.baz", find "Foo" scope by scope, then "Bar.baz" inside the
     * innermost "Foo" only: a nearer Foo hides a farther one even when the
     * nearer one has no Bar. */
    size_t first_len = strcspn(name, ".");
    size_t rel_len = strlen(relative_to);
    scratch_reserve(r, rel_len + name_len + 2);
    memcpy(r->buf, relative_to, rel_len);
    size_t scope_len = rel_len;

    for (;;) {
        /* Chop off the last component of the scope. */
        size_t dot = scope_len;
        while (dot > 0 && r->buf[dot - 1] != '.')
            dot--;
        if (dot == 0)
            return find_symbol(r, name, name_len);
        scope_len = dot - 1;

        char *p = r->buf + scope_len;
        *p++ = '.';
        memcpy(p, name, first_len);
        size_t try_len = scope_len + 1 + first_len;
        Symbol *sym = find_symbol(r, r->buf, try_len);
        if (sym) {
            if (first_len < name_len) {
                if (is_aggregate(sym->kind)) {
                    memcpy(r->buf + try_len, name + first_len, name_len - first_len);
                    size_t full_len = try_len + name_len - first_len;
                    sym = find_symbol(r, r->buf, full_len);
                    if (!sym)
                        r->resolved_to = arena_strndup(r->arena, r->buf, full_len);
                    return sym;
                }
                /* Not an aggregate: keep looking outward. */
            } else if (mode == LOOKUP_ALL || is_type(sym->kind)) {
                return sym;
            }
        }
    }
}

void sym_report_not_found(Resolver *r, Loc loc, const char *name)
{
    if (r->undeclared_file) {
        rerror(r, loc, "'%s' is defined in '%s', which is not imported by '%s'", r->undeclared_name,
               r->undeclared_file->name, r->file->name);
        rnote(r, loc, "add `import \"%s\";` to use it here", r->undeclared_file->name);
    } else if (r->resolved_to) {
        rerror(r, loc, "'%s' resolves to '%s', which is not defined", name, r->resolved_to);
        rnote(r, loc,
              "names are searched from the innermost scope outward; write '.%s' "
              "to start from the outermost scope",
              name);
    } else {
        rerror(r, loc, "'%s' is not defined", name);
    }
}

/* ------------------------------------------------------------ small maps */

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("typerpc: out of memory\n", stderr);
        abort();
    }
    return p;
}

void namemap_init(NameMap *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    m->cap = cap;
    m->len = 0;
    if (cap <= NAMEMAP_INLINE) {
        memset(m->ikeys, 0, cap * sizeof *m->ikeys);
        m->keys = m->ikeys;
        m->lens = m->ilens;
        m->vals = m->ivals;
        return;
    }
    m->keys = xcalloc(cap, sizeof *m->keys);
    m->lens = xcalloc(cap, sizeof *m->lens);
    m->vals = xcalloc(cap, sizeof *m->vals);
}

void namemap_free(NameMap *m)
{
    if (m->keys != m->ikeys) {
        free(m->keys);
        free(m->lens);
        free(m->vals);
    }
    m->keys = NULL;
    m->lens = NULL;
    m->vals = NULL;
    m->cap = m->len = 0;
}

static size_t namemap_slot(const NameMap *m, const char *key, size_t len)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)hash_bytes(key, len) & mask;
    while (m->keys[i]) {
        if (m->lens[i] == len && memcmp(m->keys[i], key, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

void *namemap_get(const NameMap *m, const char *key, size_t len)
{
    size_t i = namemap_slot(m, key, len);
    return m->keys[i] ? m->vals[i] : NULL;
}

void *namemap_put(NameMap *m, const char *key, size_t len, void *val)
{
    size_t i = namemap_slot(m, key, len);
    if (m->keys[i])
        return m->vals[i];
    m->keys[i] = key;
    m->lens[i] = len;
    m->vals[i] = val;
    if (++m->len * 2 > m->cap) {
        /* Rehash into heap storage (never the inline arrays, which would
         * not survive the struct copy below). */
        NameMap bigger;
        namemap_init(&bigger, m->cap > NAMEMAP_INLINE / 2 ? m->cap : NAMEMAP_INLINE);
        for (size_t j = 0; j < m->cap; j++)
            if (m->keys[j])
                namemap_put(&bigger, m->keys[j], m->lens[j], m->vals[j]);
        namemap_free(m);
        m->keys = bigger.keys;
        m->lens = bigger.lens;
        m->vals = bigger.vals;
        m->cap = bigger.cap;
        m->len = bigger.len;
    }
    return NULL;
}

static size_t nummap_slot(const NumSlot *slots, size_t cap, const Message *msg, int64_t number)
{
    uint64_t h = (uint64_t)(uintptr_t)msg * 0x9E3779B97F4A7C15ull ^
                 (uint64_t)number * 0xC2B2AE3D27D4EB4Full;
    size_t mask = cap - 1;
    size_t i = (size_t)(h ^ (h >> 29)) & mask;
    while (slots[i].msg) {
        if (slots[i].msg == msg && slots[i].number == number)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

Field *nummap_put(NumMap *m, const Message *msg, int64_t number, Field *field)
{
    if (!m->slots) {
        m->cap = 1024;
        m->slots = xcalloc(m->cap, sizeof *m->slots);
    }
    size_t i = nummap_slot(m->slots, m->cap, msg, number);
    if (m->slots[i].msg)
        return m->slots[i].field;
    m->slots[i] = (NumSlot){ msg, number, field };
    if (++m->len * 2 > m->cap) {
        size_t cap = m->cap * 2;
        NumSlot *slots = xcalloc(cap, sizeof *slots);
        mem_prefault(slots, cap * sizeof *slots);
        for (size_t j = 0; j < m->cap; j++)
            if (m->slots[j].msg)
                slots[nummap_slot(slots, cap, m->slots[j].msg, m->slots[j].number)] = m->slots[j];
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    return NULL;
}
