/*
 * set.c — --descriptor_set_out: the FileDescriptorSet protoc 3.21 writes.
 *
 * Which files, in which order, as protoc's CommandLineInterface picks them
 * (WriteDescriptorSet, GetTransitiveDependencies): each input after its
 * dependencies, depth first in import order, each file once. Without
 * --include_imports the direct imports that are not inputs themselves are
 * marked as seen before the walk, so neither they nor anything reached only
 * through them is written.
 *
 * The set is packed by libprotobuf-c into one buffer and written with a
 * plain open-and-truncate, as protoc writes it (a rename into place would
 * replace /dev/null, which builds and benchmarks use as the output).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct SetWalk {
    Arena *arena;
    bool source_info;
    unsigned char *seen; /* by Source.index */
    VEC(FileProto *) out;
} SetWalk;

static bool mark(SetWalk *w, const File *f)
{
    int i = f->src->index;
    if (w->seen[i])
        return false;
    w->seen[i] = 1;
    return true;
}

static void walk(SetWalk *w, File *f)
{
    if (!mark(w, f))
        return;
    for (size_t i = 0; i < f->imports.len; i++)
        if (f->imports.items[i].file)
            walk(w, f->imports.items[i].file);
    VEC_PUSH(w->arena, &w->out, desc_file_proto(w->arena, f, w->source_info));
}

bool desc_write_set(Compiler *c, const char *path, bool include_imports, bool include_source_info)
{
    SetWalk w = { .arena = c->arena, .source_info = include_source_info };
    int max_index = 0;
    for (size_t i = 0; i < c->files.len; i++)
        if (c->files.items[i]->src->index > max_index)
            max_index = c->files.items[i]->src->index;
    w.seen = arena_alloc(c->arena, (size_t)max_index + 1);
    memset(w.seen, 0, (size_t)max_index + 1);

    if (!include_imports) {
        unsigned char *input = arena_alloc(c->arena, (size_t)max_index + 1);
        memset(input, 0, (size_t)max_index + 1);
        for (size_t i = 0; i < c->inputs.len; i++)
            input[c->inputs.items[i]->src->index] = 1;
        for (size_t i = 0; i < c->inputs.len; i++) {
            const File *f = c->inputs.items[i];
            for (size_t k = 0; k < f->imports.len; k++) {
                const File *dep = f->imports.items[k].file;
                if (dep && !input[dep->src->index])
                    w.seen[dep->src->index] = 1;
            }
        }
    }
    for (size_t i = 0; i < c->inputs.len; i++)
        walk(&w, c->inputs.items[i]);

    Google__Protobuf__FileDescriptorSet set = GOOGLE__PROTOBUF__FILE_DESCRIPTOR_SET__INIT;
    set.n_file = w.out.len;
    set.file = w.out.items;
    size_t len = google__protobuf__file_descriptor_set__get_packed_size(&set);
    uint8_t *data = malloc(len ? len : 1);
    if (!data) {
        diag_error(c->diag, (Loc){ 0 }, "--descriptor_set_out: out of memory");
        return false;
    }
    google__protobuf__file_descriptor_set__pack(&set, data);

    FILE *fp = fopen(path, "wb");
    if (!fp) {
        diag_error(c->diag, (Loc){ 0 }, "--descriptor_set_out: cannot write '%s': %s", path,
                   strerror(errno));
        free(data);
        return false;
    }
    bool ok = fwrite(data, 1, len, fp) == len;
    int err = ok ? 0 : errno;
    if (fclose(fp) != 0 && ok) {
        ok = false;
        err = errno;
    }
    free(data);
    if (!ok)
        diag_error(c->diag, (Loc){ 0 }, "--descriptor_set_out: cannot write '%s': %s", path,
                   strerror(err ? err : EIO));
    return ok;
}
