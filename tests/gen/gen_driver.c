/*
 * gen_driver.c — `typerpc --c_out` for the generator's tests, usable before
 * (and independently of) the command-line driver: load every input on the -I
 * roots, resolve, and write the .pb-c.[ch] files of every input.
 *
 *   gen_driver [-I DIR]... --c_out=DIR FILE.proto...
 *
 * Exit status as typerpc's: 0 success, 1 an input has errors, 2 bad usage.
 */
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

int main(int argc, char **argv)
{
    Arena *arena = arena_new();
    Diag diag;
    diag_init(&diag, arena, stderr, false);
    Compiler c;
    compiler_init(&c, arena, &diag);
    const char *out = NULL;
    StrVec inputs = { 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "-I", 2) == 0) {
            const char *dir = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (!dir)
                return 2;
            VEC_PUSH(arena, &c.import_paths, (char *)dir);
        } else if (strncmp(a, "--proto_path=", 13) == 0) {
            VEC_PUSH(arena, &c.import_paths, (char *)a + 13);
        } else if (strncmp(a, "--c_out=", 8) == 0) {
            out = a + 8;
        } else if (a[0] == '-') {
            fprintf(stderr, "gen_driver: unknown option '%s'\n", a);
            return 2;
        } else {
            VEC_PUSH(arena, &inputs, (char *)a);
        }
    }
    if (!out || inputs.len == 0) {
        fputs("usage: gen_driver [-I DIR]... --c_out=DIR FILE.proto...\n", stderr);
        return 2;
    }
    if (c.import_paths.len == 0)
        VEC_PUSH(arena, &c.import_paths, ".");
    for (size_t i = 0; i < inputs.len; i++)
        load_input(&c, inputs.items[i]);
    if (diag.errors == 0)
        resolve_all(&c);
    if (diag.errors == 0)
        for (size_t i = 0; i < c.inputs.len; i++)
            if (!gen_c_file(&c, c.inputs.items[i], out))
                break;
    diag_flush(&diag);
    int status = diag.errors ? 1 : 0;
    arena_free(arena);
    return status;
}
