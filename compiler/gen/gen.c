/*
 * gen.c — what a --c_out run writes, at the top of the gen stage: for each
 * input, its message code (gen_c.c) and its service code (gen_trpc.c); and
 * the dependency file, which names exactly the files those two write.
 *
 * Both lists come from one place: gen_outputs() asks the same questions the
 * generators ask (does the file want message code, service code?) and names
 * each file with out_path(), which the message generator writes through too.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

size_t gen_outputs(Arena *a, const File *f, const char *out_dir, char *paths[GEN_MAX_OUTPUTS])
{
    size_t n = 0;
    if (!gen_no_generate(f)) {
        paths[n++] = out_path(a, out_dir, f->name, ".pb-c.h");
        paths[n++] = out_path(a, out_dir, f->name, ".pb-c.c");
    }
    if (gen_trpc_wanted(f)) {
        paths[n++] = out_path(a, out_dir, f->name, ".trpc.h");
        paths[n++] = out_path(a, out_dir, f->name, ".trpc.c");
    }
    return n;
}

bool gen_inputs(Compiler *c, const char *out_dir)
{
    for (size_t i = 0; i < c->inputs.len; i++)
        if (!gen_c_file(c, c->inputs.items[i], out_dir) ||
            !gen_trpc_file(c, c->inputs.items[i], out_dir))
            return false;
    return true;
}

/* Write `s` to a make rule, escaping what make would split or expand. */
static void put_make_name(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '#' || *s == '\\')
            fputc('\\', fp);
        else if (*s == '$')
            fputc('$', fp);
        fputc(*s, fp);
    }
}

bool gen_dependency_file(Compiler *c, const char *out_dir, const char *descriptor_set,
                         const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        diag_error(c->diag, (Loc){ 0 }, "--dependency_out: cannot write '%s': %s", path,
                   strerror(errno));
        return false;
    }
    bool first = true;
    for (size_t i = 0; i < c->inputs.len && out_dir; i++) {
        char *outputs[GEN_MAX_OUTPUTS];
        size_t n = gen_outputs(c->arena, c->inputs.items[i], out_dir, outputs);
        for (size_t k = 0; k < n; k++) {
            /* ./x is written x, as protoc writes it. */
            const char *name = strncmp(outputs[k], "./", 2) == 0 ? outputs[k] + 2 : outputs[k];
            fputs(first ? "" : " \\\n ", fp);
            put_make_name(fp, name);
            first = false;
        }
    }
    if (descriptor_set) {
        fputs(first ? "" : " \\\n ", fp);
        put_make_name(fp, descriptor_set);
        first = false;
    }
    /* No output at all (every input no_generate): an empty file, as a rule
     * without a target is not valid make. */
    if (!first) {
        fputs(":", fp);
        for (size_t i = 0; i < c->files.len; i++) {
            fputs(" \\\n  ", fp);
            put_make_name(fp, c->files.items[i]->src->disk_path);
        }
        fputs("\n", fp);
    }
    bool ok = !ferror(fp);
    if (fclose(fp) != 0)
        ok = false;
    if (!ok)
        diag_error(c->diag, (Loc){ 0 }, "--dependency_out: cannot write '%s'", path);
    return ok;
}
