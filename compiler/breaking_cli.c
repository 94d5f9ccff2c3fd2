/*
 * breaking_cli.c — the `typerpc breaking` subcommand: the driver around
 * breaking.c, and like main.c a place that prints and picks exit statuses.
 *
 *   typerpc breaking --against OLD [--against_proto_path=DIR]...
 *                    [-I DIR | --proto_path=DIR]... NEW
 *
 * OLD and NEW are both .proto files or both directories. Each version gets
 * its own Compiler, Arena and Diag, because the two define the same names
 * and must never see each other. Each is loaded with load_input on its own
 * roots: -I for NEW and --against_proto_path for OLD when given, otherwise
 * the directory itself (directory mode) or the file's directory (file mode).
 * In directory mode every .proto file under the directory is an input, and
 * old and new files are paired by their path relative to the directory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"

enum { BRK_OK = 0, BRK_BREAKING = 1, BRK_USAGE = 2 };

/* Deeper than any real tree; stops a symlink loop. */
#define WALK_MAX_DEPTH 64

static const char breaking_usage[] =
    "Usage: typerpc breaking --against OLD [OPTION]... NEW\n"
    "Report every change from OLD to NEW that breaks the wire format or the\n"
    "generated C API. OLD and NEW are both .proto files, or both directories\n"
    "(every .proto file under them, paired by path relative to the directory).\n"
    "\n"
    "  --against OLD, --against=OLD\n"
    "                          the old version to compare against (required)\n"
    "  -I DIR, -IDIR, --proto_path=DIR\n"
    "                          import roots for NEW (default: NEW itself if it is\n"
    "                          a directory, else the directory NEW is in)\n"
    "  --against_proto_path=DIR\n"
    "                          import roots for OLD (default: likewise from OLD)\n"
    "  -h, --help              print this help and exit\n"
    "\n"
    "Each change is reported as an error at its place in NEW, with a note at\n"
    "its place in OLD. Safe changes (new fields, messages, enum values, rpcs,\n"
    "services; a removed field or enum value whose number and name are both\n"
    "reserved) are not reported. docs/breaking.md lists the rules.\n"
    "\n"
    "Exit status: 0 no breaking change, 1 a breaking change or an input with\n"
    "errors, 2 bad usage.\n";

static int brk_usage_error(const char *fmt, ...) TRPC_PRINTF(1, 2);

static int brk_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("typerpc breaking: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'typerpc breaking --help' for more information.\n", stderr);
    va_end(ap);
    return BRK_USAGE;
}

/* One version being compared. */
typedef struct Side {
    const char *what; /* "old" or "new", for messages */
    const char *path; /* OLD or NEW as given */
    bool is_dir;
    StrVec roots; /* explicit roots from the command line */
    Arena *arena;
    Diag diag;
    Compiler compiler;
    StrVec names;  /* directory mode: paths relative to the directory */
    FileVec files; /* files[i] is names[i] loaded, or NULL */
} Side;

/* `--name=VALUE` or `--name VALUE`; on a match store VALUE (NULL after a
 * usage error for a missing value) and advance *i. */
static bool brk_option(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0 || (arg[n] != '=' && arg[n] != '\0'))
        return false;
    if (arg[n] == '=')
        *value = arg + n + 1;
    else
        *value = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_proto_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 6 && strcmp(name + n - 6, ".proto") == 0;
}

/* Collect every .proto file under dir/rel into side->names, relative to
 * the compared directory. Unreadable directories are errors. */
static void walk(Side *s, const char *rel, int depth)
{
    const char *dir = rel[0] ? arena_printf(s->arena, "%s/%s", s->path, rel) : s->path;
    if (depth > WALK_MAX_DEPTH) {
        diag_error(&s->diag, (Loc){ 0 }, "%s: directories nested too deeply", dir);
        return;
    }
    DIR *d = opendir(dir);
    if (!d) {
        diag_error(&s->diag, (Loc){ 0 }, "%s: %s", dir, strerror(errno));
        return;
    }
    StrVec subdirs = { 0 };
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        const char *n = ent->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        char *child = rel[0] ? arena_printf(s->arena, "%s/%s", rel, n) : arena_strdup(s->arena, n);
        char *full = arena_printf(s->arena, "%s/%s", s->path, child);
        struct stat st;
        if (stat(full, &st) != 0)
            continue; /* a dangling symlink is no .proto file */
        if (S_ISDIR(st.st_mode))
            VEC_PUSH(s->arena, &subdirs, child);
        else if (has_proto_suffix(n))
            VEC_PUSH(s->arena, &s->names, child);
    }
    closedir(d);
    for (size_t i = 0; i < subdirs.len; i++)
        walk(s, subdirs.items[i], depth + 1);
}

/* The root a side uses when the command line gives none. */
static char *implicit_root(Side *s)
{
    if (s->is_dir)
        return (char *)s->path;
    const char *slash = strrchr(s->path, '/');
    if (!slash)
        return ".";
    if (slash == s->path)
        return "/";
    return arena_strndup(s->arena, s->path, (size_t)(slash - s->path));
}

/* Load and resolve one side; true when it has no error. */
static bool side_load(Side *s, bool color)
{
    s->arena = arena_new();
    diag_init(&s->diag, s->arena, stderr, color);
    compiler_init(&s->compiler, s->arena, &s->diag);
    Compiler *c = &s->compiler;
    if (s->roots.len)
        for (size_t i = 0; i < s->roots.len; i++)
            VEC_PUSH(s->arena, &c->import_paths, s->roots.items[i]);
    else
        VEC_PUSH(s->arena, &c->import_paths, implicit_root(s));
    load_add_default_root(c);

    if (s->is_dir) {
        walk(s, "", 0);
        if (s->names.len)
            qsort(s->names.items, s->names.len, sizeof *s->names.items, compare_names);
        for (size_t i = 0; i < s->names.len; i++) {
            char *disk = arena_printf(s->arena, "%s/%s", s->path, s->names.items[i]);
            VEC_PUSH(s->arena, &s->files, load_input(c, disk));
        }
    } else {
        VEC_PUSH(s->arena, &s->names, (char *)s->path);
        VEC_PUSH(s->arena, &s->files, load_input(c, s->path));
    }
    if (s->diag.errors == 0)
        resolve_all(c);
    return s->diag.errors == 0;
}

static File *side_find(const Side *s, const char *name)
{
    for (size_t i = 0; i < s->names.len; i++)
        if (strcmp(s->names.items[i], name) == 0)
            return s->files.items[i];
    return NULL;
}

/* Report the side's own errors (warnings are not this command's business
 * when the side is valid: plain `typerpc` shows them). */
static bool side_report(Side *s, const char *flag)
{
    if (s->diag.errors == 0)
        return true;
    diag_flush(&s->diag);
    fprintf(stderr,
            "typerpc breaking: error: the %s version (%s%s) has errors; fix them "
            "before comparing\n",
            s->what, flag, s->path);
    return false;
}

static int run(Side *old, Side *new_side, bool color)
{
    struct stat st_old, st_new;
    if (stat(old->path, &st_old) != 0) {
        fprintf(stderr, "typerpc breaking: error: %s: %s\n", old->path, strerror(errno));
        return BRK_BREAKING;
    }
    if (stat(new_side->path, &st_new) != 0) {
        fprintf(stderr, "typerpc breaking: error: %s: %s\n", new_side->path, strerror(errno));
        return BRK_BREAKING;
    }
    old->is_dir = S_ISDIR(st_old.st_mode);
    new_side->is_dir = S_ISDIR(st_new.st_mode);
    if (old->is_dir != new_side->is_dir)
        return brk_usage_error("OLD and NEW must both be files or both be directories ('%s' is "
                               "a %s, '%s' is a %s)",
                               old->path, old->is_dir ? "directory" : "file", new_side->path,
                               new_side->is_dir ? "directory" : "file");

    side_load(old, color);
    side_load(new_side, color);
    bool ok = side_report(old, "--against ");
    ok = side_report(new_side, "") && ok;
    if (!ok)
        return BRK_BREAKING;

    /* The findings: errors at new locations with notes at old ones, sorted
     * and printed by one Diag; both sides' arenas stay alive until then. */
    Diag report;
    diag_init(&report, new_side->arena, stderr, color);
    int changes = 0;
    if (!old->is_dir) {
        changes += breaking_compare_file(&report, old->files.items[0], new_side->files.items[0]);
    } else {
        for (size_t i = 0; i < old->names.len; i++) {
            File *of = old->files.items[i];
            File *nf = side_find(new_side, old->names.items[i]);
            if (!of)
                continue;
            changes += nf ? breaking_compare_file(&report, of, nf)
                          : breaking_file_removed(&report, of, old->names.items[i]);
        }
    }
    diag_flush(&report);
    if (changes) {
        fprintf(stderr, "typerpc breaking: %d breaking change%s\n", changes,
                changes == 1 ? "" : "s");
        return BRK_BREAKING;
    }
    return BRK_OK;
}

int breaking_main(int argc, char **argv)
{
    Side old = { .what = "old" }, new_side = { .what = "new" };
    /* Options are collected in a scratch arena: Sides make theirs later. */
    Arena *args = arena_new();
    const char *new_path = NULL;
    int status = -1;
    bool options_done = false;
    for (int i = 1; i < argc && status < 0; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            if (new_path)
                status = brk_usage_error("more than one NEW given ('%s' and '%s')", new_path, arg);
            new_path = arg;
        } else if (strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(breaking_usage, stdout);
            status = BRK_OK;
        } else if (strncmp(arg, "-I", 2) == 0) {
            value = arg[2] ? arg + 2 : (i + 1 < argc ? argv[++i] : NULL);
            if (!value)
                status = brk_usage_error("option '%s' needs a directory", "-I");
            else
                VEC_PUSH(args, &new_side.roots, (char *)value);
        } else if (brk_option(argc, argv, &i, "--proto_path", &value)) {
            if (!value)
                status = brk_usage_error("option '%s' needs a directory", "--proto_path");
            else
                VEC_PUSH(args, &new_side.roots, (char *)value);
        } else if (brk_option(argc, argv, &i, "--against_proto_path", &value)) {
            if (!value)
                status = brk_usage_error("option '%s' needs a directory", "--against_proto_path");
            else
                VEC_PUSH(args, &old.roots, (char *)value);
        } else if (brk_option(argc, argv, &i, "--against", &value)) {
            if (!value)
                status = brk_usage_error("option '%s' needs a file or directory", "--against");
            else if (old.path)
                status = brk_usage_error("%s", "--against given more than once");
            else
                old.path = value;
        } else {
            status = brk_usage_error("unknown option '%s'", arg);
        }
    }
    if (status < 0 && !old.path)
        status = brk_usage_error("%s", "--against OLD is required");
    if (status < 0 && !new_path)
        status = brk_usage_error("%s", "no NEW file or directory given");

    if (status < 0) {
        new_side.path = new_path;
        const char *no_color = getenv("NO_COLOR");
        bool color = isatty(fileno(stderr)) && !(no_color && no_color[0]);
        status = run(&old, &new_side, color);
    }
    arena_free(old.arena);
    arena_free(new_side.arena);
    arena_free(args);
    return status;
}
