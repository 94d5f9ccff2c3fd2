/*
 * reflection_index.c: the index server reflection answers from (see
 * reflection_index.h).  Each embedded FileDescriptorProto is unpacked by
 * libprotobuf-c as a typerpc.reflect.FileDesc (runtime/proto/typerpc/
 * reflect/filedesc.proto: the names and extensions of descriptor.proto,
 * same field numbers) only while its names are copied into the index.
 */
#include <stdlib.h>
#include <string.h>
#include "server/reflection_index.h"
#include "typerpc/reflect/filedesc.pb-c.h"

typedef Typerpc__Reflect__FileDesc file_desc;
typedef Typerpc__Reflect__MessageDesc message_desc;
typedef Typerpc__Reflect__EnumDesc enum_desc;
typedef Typerpc__Reflect__FieldDesc field_desc;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    }
    return h;
}

/* ---- the symbol table ---- */

static trpc__refl_sym *slot(trpc__refl_sym *syms, size_t cap, const char *name)
{
    size_t i = (size_t)hash_str(name) & (cap - 1);
    while (syms[i].name && strcmp(syms[i].name, name) != 0) {
        i = (i + 1) & (cap - 1);
    }
    return &syms[i];
}

static bool grow_syms(trpc__refl_index *ix)
{
    size_t cap = ix->cap_syms ? 2 * ix->cap_syms : 256;
    trpc__refl_sym *syms = calloc(cap, sizeof *syms);
    if (!syms) {
        return false;
    }
    for (size_t i = 0; i < ix->cap_syms; i++) {
        if (ix->syms[i].name) {
            *slot(syms, cap, ix->syms[i].name) = ix->syms[i];
        }
    }
    free(ix->syms);
    ix->syms = syms;
    ix->cap_syms = cap;
    return true;
}

/* Adds scope + name (scope "" or ending in '.'); the first definition of a
 * name stays.  False when out of memory. */
static bool add_sym(trpc__refl_index *ix, const char *scope, const char *name, size_t file,
                    bool message)
{
    if (!name) {
        return true;
    }
    if (2 * (ix->n_syms + 1) > ix->cap_syms && !grow_syms(ix)) {
        return false;
    }
    size_t ls = strlen(scope), ln = strlen(name);
    char *full = malloc(ls + ln + 1);
    if (!full) {
        return false;
    }
    memcpy(full, scope, ls);
    memcpy(full + ls, name, ln + 1);
    trpc__refl_sym *s = slot(ix->syms, ix->cap_syms, full);
    if (s->name) {
        free(full);
        return true;
    }
    *s = (trpc__refl_sym){ .name = full, .file = file, .message = message };
    ix->n_syms++;
    return true;
}

/* scope + name + ".", for the names inside an element; NULL: no memory. */
static char *inner_scope(const char *scope, const char *name)
{
    size_t ls = strlen(scope), ln = strlen(name ? name : "");
    char *s = malloc(ls + ln + 2);
    if (s) {
        memcpy(s, scope, ls);
        memcpy(s + ls, name ? name : "", ln);
        s[ls + ln] = '.';
        s[ls + ln + 1] = '\0';
    }
    return s;
}

static bool add_ext(trpc__refl_index *ix, const field_desc *f, size_t file)
{
    if (!f->extendee || !f->has_number) {
        return true;
    }
    if (ix->n_exts == ix->cap_exts) {
        size_t cap = ix->cap_exts ? 2 * ix->cap_exts : 16;
        trpc__refl_ext *e = realloc(ix->exts, cap * sizeof *e);
        if (!e) {
            return false;
        }
        ix->exts = e;
        ix->cap_exts = cap;
    }
    const char *type = f->extendee[0] == '.' ? f->extendee + 1 : f->extendee;
    char *copy = strdup(type);
    if (!copy) {
        return false;
    }
    ix->exts[ix->n_exts++] = (trpc__refl_ext){ .extendee = copy, .number = f->number,
                                               .file = file };
    return true;
}

/* An enum and its values; values are siblings of the enum (scope). */
static bool add_enum(trpc__refl_index *ix, const char *scope, const enum_desc *e, size_t file)
{
    bool ok = add_sym(ix, scope, e->name, file, false);
    for (size_t i = 0; ok && i < e->n_value; i++) {
        ok = add_sym(ix, scope, e->value[i]->name, file, false);
    }
    return ok;
}

static bool add_extensions(trpc__refl_index *ix, const char *scope, field_desc *const *exts,
                           size_t n, size_t file)
{
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        ok = add_sym(ix, scope, exts[i]->name, file, false) && add_ext(ix, exts[i], file);
    }
    return ok;
}

static bool add_message(trpc__refl_index *ix, const char *scope, const message_desc *m,
                        size_t file, int depth)
{
    if (depth > 100) {
        return true; /* deeper than any .proto protoc accepts: stop */
    }
    if (!add_sym(ix, scope, m->name, file, true)) {
        return false;
    }
    char *in = inner_scope(scope, m->name);
    bool ok = in != NULL;
    for (size_t i = 0; ok && i < m->n_field; i++) {
        ok = add_sym(ix, in, m->field[i]->name, file, false);
    }
    for (size_t i = 0; ok && i < m->n_nested_type; i++) {
        ok = add_message(ix, in, m->nested_type[i], file, depth + 1);
    }
    for (size_t i = 0; ok && i < m->n_enum_type; i++) {
        ok = add_enum(ix, in, m->enum_type[i], file);
    }
    ok = ok && add_extensions(ix, in, m->extension, m->n_extension, file);
    free(in);
    return ok;
}

static bool add_file_symbols(trpc__refl_index *ix, size_t file)
{
    const trpc_file_descriptor *fd = ix->files[file].fd;
    file_desc *d = typerpc__reflect__file_desc__unpack(NULL, fd->len, fd->data);
    if (!d) {
        return true; /* not a FileDescriptorProto: served, but no symbols */
    }
    char *pkg = d->package && *d->package ? inner_scope("", d->package) : strdup("");
    bool ok = pkg != NULL;
    for (size_t i = 0; ok && i < d->n_message_type; i++) {
        ok = add_message(ix, pkg, d->message_type[i], file, 0);
    }
    for (size_t i = 0; ok && i < d->n_enum_type; i++) {
        ok = add_enum(ix, pkg, d->enum_type[i], file);
    }
    for (size_t i = 0; ok && i < d->n_service; i++) {
        const Typerpc__Reflect__ServiceDesc *s = d->service[i];
        ok = add_sym(ix, pkg, s->name, file, false);
        char *in = ok ? inner_scope(pkg, s->name) : NULL;
        ok = in != NULL;
        for (size_t k = 0; ok && k < s->n_method; k++) {
            ok = add_sym(ix, in, s->method[k]->name, file, false);
        }
        free(in);
    }
    ok = ok && add_extensions(ix, pkg, d->extension, d->n_extension, file);
    free(pkg);
    typerpc__reflect__file_desc__free_unpacked(d, NULL);
    return ok;
}

/* ---- the files ---- */

size_t trpc__refl_find_file(const trpc__refl_index *ix, const char *name)
{
    for (size_t i = 0; i < ix->n_files; i++) {
        if (strcmp(ix->files[i].fd->name, name) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* Adds fd and what it imports (depth first); its index in *out.  A file
 * is known by its name: the first descriptor of a name is kept. */
static bool add_file(trpc__refl_index *ix, const trpc_file_descriptor *fd, size_t *out,
                     int depth)
{
    size_t i = trpc__refl_find_file(ix, fd->name);
    if (i != SIZE_MAX || depth > 1000) { /* known, or a cycle no protoc allows */
        *out = i;
        return true;
    }
    if (ix->n_files == ix->cap_files) {
        size_t cap = ix->cap_files ? 2 * ix->cap_files : 16;
        trpc__refl_file *f = realloc(ix->files, cap * sizeof *f);
        if (!f) {
            return false;
        }
        ix->files = f;
        ix->cap_files = cap;
    }
    i = ix->n_files++;
    ix->files[i] = (trpc__refl_file){ .fd = fd };
    *out = i;
    if (fd->n_deps) {
        size_t *deps = calloc(fd->n_deps, sizeof *deps);
        if (!deps) {
            return false;
        }
        ix->files[i].deps = deps;
        for (size_t k = 0; k < fd->n_deps; k++) {
            size_t d;
            if (!fd->deps[k]) {
                continue; /* not linked in (a weak link) */
            }
            if (!add_file(ix, fd->deps[k], &d, depth + 1)) {
                return false;
            }
            if (d != SIZE_MAX) {
                ix->files[i].deps[ix->files[i].n_deps++] = d;
            }
        }
    }
    return add_file_symbols(ix, i);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

trpc_error trpc__refl_index_build(trpc__refl_index *ix, const trpc__registry *reg)
{
    ix->services = calloc(reg->n ? reg->n : 1, sizeof *ix->services);
    if (!ix->services) {
        return TRPC_ENOMEM;
    }
    for (size_t i = 0; i < reg->n; i++) {
        const trpc__method_entry *e = &reg->e[i];
        ix->services[ix->n_services++] = e->service;
        size_t ignored;
        if (e->svc && e->svc->file && !add_file(ix, e->svc->file, &ignored, 0)) {
            trpc__refl_index_free(ix);
            return TRPC_ENOMEM;
        }
    }
    qsort(ix->services, ix->n_services, sizeof *ix->services, cmp_str);
    size_t n = 0;
    for (size_t i = 0; i < ix->n_services; i++) {
        if (n == 0 || strcmp(ix->services[n - 1], ix->services[i]) != 0) {
            ix->services[n++] = ix->services[i];
        }
    }
    ix->n_services = n;
    return TRPC_OK;
}

void trpc__refl_index_free(trpc__refl_index *ix)
{
    for (size_t i = 0; i < ix->n_files; i++) {
        free(ix->files[i].deps);
    }
    free(ix->files);
    for (size_t i = 0; i < ix->cap_syms; i++) {
        free(ix->syms[i].name);
    }
    free(ix->syms);
    for (size_t i = 0; i < ix->n_exts; i++) {
        free(ix->exts[i].extendee);
    }
    free(ix->exts);
    free(ix->services);
    memset(ix, 0, sizeof *ix);
}

size_t trpc__refl_find_symbol(const trpc__refl_index *ix, const char *symbol, bool *is_message)
{
    if (!ix->cap_syms) {
        return SIZE_MAX;
    }
    const trpc__refl_sym *s = slot(ix->syms, ix->cap_syms, symbol);
    if (!s->name) {
        return SIZE_MAX;
    }
    if (is_message) {
        *is_message = s->message;
    }
    return s->file;
}

size_t trpc__refl_find_extension(const trpc__refl_index *ix, const char *type, int32_t number)
{
    for (size_t i = 0; i < ix->n_exts; i++) {
        if (ix->exts[i].number == number && strcmp(ix->exts[i].extendee, type) == 0) {
            return ix->exts[i].file;
        }
    }
    return SIZE_MAX;
}
