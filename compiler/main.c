/*
 * main.c — the typerpc command line.
 *
 * The flags mean what protoc's mean (-I/--proto_path, --c_out,
 * --dependency_out, -o/--descriptor_set_out with --include_imports and
 * --include_source_info), so typerpc can replace protoc in an existing build.
 * typerpc_bootstrap, the build's first stage, is this file compiled with
 * TYPERPC_BOOTSTRAP: without the descriptor stage, which needs the code the
 * bootstrap generates (see CMakeLists.txt).
 * This is the only place that prints to the user or chooses an exit status:
 * 0 when every file is valid, 1 when any input has an error, 2 on bad usage.
 * `typerpc breaking ...` is handed whole to breaking_main (breaking_cli.c).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"
#ifndef TYPERPC_BOOTSTRAP
#include "desc.h"
#endif

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
    "  --dependency_out=FILE   write a make-style dependency file (needs --c_out\n"
    "                          or --descriptor_set_out)\n"
    "  -o FILE, -oFILE, --descriptor_set_out=FILE\n"
    "                          write the inputs' FileDescriptorSet (descriptor.proto),\n"
    "                          byte for byte as protoc 3.21 writes it\n"
    "  --include_imports       with --descriptor_set_out, also write every file\n"
    "                          the inputs import, dependencies first\n"
    "  --include_source_info   with --descriptor_set_out, keep SourceCodeInfo\n"
    "                          (locations and comments)\n"
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

    const char *c_out = NULL, *dependency_out = NULL, *descriptor_set_out = NULL;
    bool include_imports = false, include_source_info = false;
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
        } else if (strncmp(arg, "-o", 2) == 0 && strncmp(arg, "--", 2) != 0) {
            value = arg[2] ? arg + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value)
                status = usage_error("option '%s' needs a file", "-o");
            else
                descriptor_set_out = value;
        } else if (long_option(argc, argv, &i, "--descriptor_set_out", &value, &status)) {
            descriptor_set_out = value;
        } else if (strcmp(arg, "--include_imports") == 0) {
            include_imports = true;
        } else if (strcmp(arg, "--include_source_info") == 0) {
            include_source_info = true;
        } else {
            status = usage_error("unknown option '%s'", arg);
        }
    }

    if (status < 0 && inputs.len == 0)
        status = usage_error("%s", "no input files");
    if (status < 0 && dependency_out && !c_out && !descriptor_set_out)
        status = usage_error("%s", "--dependency_out needs an output directive such as --c_out");
    if (status < 0 && descriptor_set_out && !descriptor_set_out[0])
        status = usage_error("%s", "--descriptor_set_out needs a file name");
    if (status < 0 && (include_imports || include_source_info) && !descriptor_set_out)
        status = usage_error("%s needs --descriptor_set_out",
                             include_imports ? "--include_imports" : "--include_source_info");
#ifdef TYPERPC_BOOTSTRAP
    if (status < 0 && descriptor_set_out)
        status = usage_error("%s",
                             "this is the build's bootstrap compiler: it writes no descriptors");
#endif
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
        load_add_default_root(&c);
        for (size_t i = 0; i < inputs.len; i++)
            load_input(&c, inputs.items[i]);
        if (diag.errors == 0)
            resolve_all(&c);
        bool written = true;
#ifndef TYPERPC_BOOTSTRAP
        /* The bytes gen_c_file embeds for server reflection. */
        if (diag.errors == 0 && c_out)
            desc_embed_inputs(&c);
#endif
        if (diag.errors == 0 && c_out)
            written = gen_inputs(&c, c_out);
#ifndef TYPERPC_BOOTSTRAP
        if (diag.errors == 0 && written && descriptor_set_out)
            written = desc_write_set(&c, descriptor_set_out, include_imports, include_source_info);
#endif
        if (diag.errors == 0 && written && dependency_out)
            written = gen_dependency_file(&c, c_out, descriptor_set_out, dependency_out);
        diag_flush(&diag);
        status = diag.errors || !written ? EXIT_INPUT_ERROR : EXIT_OK;
    }

    arena_free(arena);
    return status;
}
