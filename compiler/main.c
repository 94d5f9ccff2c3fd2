/*
 * main.c — the typerpc command line.
 *
 * The flags mean what protoc's mean (-I/--proto_path, --c_out,
 * --dependency_out), so typerpc can replace protoc in an existing build.
 * This is the only place that prints to the user or chooses an exit status:
 * 0 when every file is valid, 1 when any input has an error, 2 on bad usage.
 * `typerpc breaking ...` is handed whole to breaking_main (breaking_cli.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"

enum { EXIT_OK = 0, EXIT_INPUT_ERROR = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
    "Usage: typerpc [OPTION]... FILE.proto...\n"
    "   or: typerpc breaking --against OLD [OPTION]... NEW\n"
    "Check .proto files and generate C code for their messages and services;\n"
    "or, with 'breaking', report the changes from OLD to NEW (files or\n"
    "directories) that break the wire format or the generated C API\n"
    "('typerpc breaking --help' for its options).\n"
    "\n"
    "  -I DIR, -IDIR, --proto_path=DIR\n"
    "                          search DIR for imports; may be repeated, searched\n"
    "                          in order; every input must lie under one of them\n"
    "                          (default: the current directory)\n"
    "  --c_out=DIR             write generated C code under DIR\n"
    "  --dependency_out=FILE   write a make-style dependency file (needs --c_out)\n"
    "  --version               print the version and exit\n"
    "  -h, --help              print this help and exit\n"
    "\n"
    "Diagnostics are printed as FILE:LINE:COLUMN: error: MESSAGE with the source\n"
    "line and a caret; colour is used on a terminal unless NO_COLOR is set.\n"
    "\n"
    "Exit status: 0 success, 1 an input has errors (for 'breaking': or a change\n"
    "breaks compatibility), 2 bad usage.\n";

static int usage_error(const char *fmt, ...) TRPC_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("typerpc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'typerpc --help' for more information.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* Match `--name=VALUE` or `--name VALUE`; on a match store VALUE and advance *i. */
static bool long_option(int argc, char **argv, int *i, const char *name, const char **value,
                        int *status)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0)
        return false;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    if (arg[n] != '\0')
        return false;
    if (*i + 1 >= argc) {
        *status = usage_error("option '%s' needs a value", name);
        return true;
    }
    *value = argv[++*i];
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

/* The name of a generated file: OUT/dir/foo.pb-c.SUFFIX for dir/foo.proto. */
static char *output_path(Arena *arena, const char *out_dir, const File *f, const char *suffix)
{
    size_t n = strlen(f->name);
    if (n > 6 && strcmp(f->name + n - 6, ".proto") == 0)
        n -= 6;
    return arena_printf(arena, "%s/%.*s%s", out_dir, (int)n, f->name, suffix);
}

/* A make-style dependency file, as protoc's --dependency_out writes it: every
 * generated file depends on every .proto file read to produce it (the inputs
 * and, transitively, their imports), so editing an imported file reruns the
 * build step. */
static bool write_dependency_file(Compiler *c, const char *out_dir, const char *path)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        diag_error(c->diag, (Loc){ 0 }, "--dependency_out: cannot write '%s': %s", path,
                   strerror(errno));
        return false;
    }
    static const char *const suffixes[] = { ".pb-c.h", ".pb-c.c", ".trpc.h", ".trpc.c" };
    bool first = true;
    for (size_t i = 0; i < c->inputs.len; i++) {
        /* The .trpc files exist only for files with services. */
        size_t n = gen_trpc_wanted(c->inputs.items[i]) ? 4 : 2;
        for (size_t k = 0; k < n; k++) {
            fputs(first ? "" : " \\\n ", fp);
            put_make_name(fp, output_path(c->arena, out_dir, c->inputs.items[i], suffixes[k]));
            first = false;
        }
    }
    fputs(":", fp);
    for (size_t i = 0; i < c->files.len; i++) {
        fputs(" \\\n  ", fp);
        put_make_name(fp, c->files.items[i]->src->disk_path);
    }
    fputs("\n", fp);
    bool ok = !ferror(fp);
    if (fclose(fp) != 0)
        ok = false;
    if (!ok)
        diag_error(c->diag, (Loc){ 0 }, "--dependency_out: cannot write '%s'", path);
    return ok;
}

int main(int argc, char **argv)
{
    /* A subcommand owns the rest of the command line. */
    if (argc > 1 && strcmp(argv[1], "breaking") == 0)
        return breaking_main(argc - 1, argv + 1);

    Arena *arena = arena_new();
    const char *no_color = getenv("NO_COLOR");
    bool color = isatty(fileno(stderr)) && !(no_color && no_color[0]);
    Diag diag;
    diag_init(&diag, arena, stderr, color);
    Compiler c;
    compiler_init(&c, arena, &diag);

    const char *c_out = NULL, *dependency_out = NULL;
    StrVec inputs = { 0 };
    int status = -1;
    bool options_done = false;

    for (int i = 1; i < argc && status < 0; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            VEC_PUSH(arena, &inputs, (char *)arg);
        } else if (strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage_text, stdout);
            status = EXIT_OK;
        } else if (strcmp(arg, "--version") == 0) {
            printf("typerpc %s\n", TYPERPC_VERSION);
            status = EXIT_OK;
        } else if (strncmp(arg, "-I", 2) == 0) {
            value = arg[2] ? arg + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value)
                status = usage_error("option '%s' needs a directory", "-I");
            else
                VEC_PUSH(arena, &c.import_paths, (char *)value);
        } else if (long_option(argc, argv, &i, "--proto_path", &value, &status)) {
            if (value)
                VEC_PUSH(arena, &c.import_paths, (char *)value);
        } else if (long_option(argc, argv, &i, "--c_out", &value, &status)) {
            c_out = value;
        } else if (long_option(argc, argv, &i, "--dependency_out", &value, &status)) {
            dependency_out = value;
        } else {
            status = usage_error("unknown option '%s'", arg);
        }
    }

    if (status < 0 && inputs.len == 0)
        status = usage_error("%s", "no input files");
    if (status < 0 && dependency_out && !c_out)
        status = usage_error("%s", "--dependency_out needs an output directive such as --c_out");
    if (status < 0 && c_out) {
        struct stat st;
        if (stat(c_out, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "typerpc: error: --c_out: '%s' is not a directory\n", c_out);
            status = EXIT_INPUT_ERROR;
        }
    }

    if (status < 0) {
        /* Root "." when none is given, as protoc does. */
        if (c.import_paths.len == 0)
            VEC_PUSH(arena, &c.import_paths, ".");
        for (size_t i = 0; i < inputs.len; i++)
            load_input(&c, inputs.items[i]);
        if (diag.errors == 0)
            resolve_all(&c);
        bool written = true;
        if (diag.errors == 0 && c_out) {
            for (size_t i = 0; i < c.inputs.len && written; i++)
                written = gen_c_file(&c, c.inputs.items[i], c_out) &&
                          gen_trpc_file(&c, c.inputs.items[i], c_out);
            if (written && dependency_out)
                written = write_dependency_file(&c, c_out, dependency_out);
        }
        diag_flush(&diag);
        status = diag.errors || !written ? EXIT_INPUT_ERROR : EXIT_OK;
    }

    arena_free(arena);
    return status;
}
