/*
 * fuzz_frontend.c — libFuzzer target for the compiler's front end.
 *
 * The bytes become the source "fuzz.proto"; the target parses them and, when
 * they parse, resolves and checks them exactly as the driver would, then
 * prints the diagnostics (to /dev/null, so the caret printer reads the
 * source too) and frees everything. Any crash, sanitizer report, leak or
 * unbounded recursion is a bug: no .proto text may cause one.
 *
 * Imports of protobuf's own files (`import "google/protobuf/X.proto"`) are
 * loaded from TYPERPC_FUZZ_INCLUDE (default /usr/include) so custom options
 * extending google.protobuf.*Options get fuzzed as well; any other import is
 * treated as the driver treats a missing file: an error, so no resolve. Only
 * names of that one shape are looked up, so the fuzzer cannot steer the
 * target into reading /dev/zero or other odd paths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static const char *include_root(void)
{
    const char *e = getenv("TYPERPC_FUZZ_INCLUDE");
    return e && *e ? e : "/usr/include";
}

/* True for "google/protobuf/NAME.proto" with NAME of [a-z_] only. */
static bool is_protobuf_import(const char *path)
{
    static const char prefix[] = "google/protobuf/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *p = path + sizeof prefix - 1;
    const char *dot = strrchr(p, '.');
    if (!dot || dot == p || strcmp(dot, ".proto") != 0)
        return false;
    for (const char *q = p; q < dot; q++)
        if (!((*q >= 'a' && *q <= 'z') || *q == '_'))
            return false;
    return true;
}

static File *find_file(Compiler *c, const char *name)
{
    for (size_t i = 0; i < c->files.len; i++)
        if (strcmp(c->files.items[i]->name, name) == 0)
            return c->files.items[i];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        if (!devnull)
            abort();
    }

    Arena *arena = arena_new();
    Diag diag;
    diag_init(&diag, arena, devnull, false);

    Source *src = arena_alloc(arena, sizeof *src);
    src->name = arena_strdup(arena, "fuzz.proto");
    src->disk_path = src->name;
    src->text = arena_alloc(arena, size + 2); /* two NULs after the text */
    if (size)
        memcpy(src->text, data, size);
    src->len = size;
    src->index = 0;

    File *f = parse_file(src, arena, &diag);
    if (f && !f->parse_failed && diag.errors == 0) {
        f->name = src->name;
        Compiler c;
        compiler_init(&c, arena, &diag);
        VEC_PUSH(arena, &c.import_paths, arena_strdup(arena, include_root()));

        bool imports_ok = true;
        for (size_t i = 0; i < f->imports.len && imports_ok; i++) {
            Import *imp = &f->imports.items[i];
            if (!is_protobuf_import(imp->path)) {
                imports_ok = false;
                break;
            }
            imp->file = find_file(&c, imp->path);
            if (!imp->file) {
                char *path = arena_printf(arena, "%s/%s", include_root(), imp->path);
                imp->file = load_input(&c, path);
            }
            if (!imp->file || diag.errors)
                imports_ok = false;
        }
        if (imports_ok) {
            /* The imports were loaded as inputs; only the fuzz file is one. */
            c.inputs.len = 0;
            VEC_PUSH(arena, &c.files, f);
            VEC_PUSH(arena, &c.inputs, f);
            resolve_all(&c);
        }
    }
    diag_flush(&diag);
    arena_free(arena);
    return 0;
}
