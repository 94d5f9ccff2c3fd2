/*
 * load.c — reading .proto files and following their imports.
 *
 * Files have two names, as in protoc: the path on disk and the "virtual"
 * name relative to the -I root it was found under. Imports name virtual
 * files; each is searched on the roots in command-line order and the first
 * match wins. A command-line input must lie under one of the roots (or be a
 * virtual name found on them), so that the same file imported and named on
 * the command line is the same file. Every file is loaded once; imports are
 * loaded before the file that needs them, so c->files is in dependency order.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler.h"

void compiler_init(Compiler *c, Arena *arena, Diag *diag)
{
    memset(c, 0, sizeof *c);
    c->arena = arena;
    c->diag = diag;
}

Source *source_read(Arena *arena, const char *disk_path, const char *name, int *err)
{
    struct stat st;
    if (stat(disk_path, &st) != 0) {
        *err = errno;
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        *err = EISDIR;
        return NULL;
    }
    FILE *fp = fopen(disk_path, "rb");
    if (!fp) {
        *err = errno;
        return NULL;
    }
    /* Read in chunks rather than trusting st_size: a pipe or a file that
     * grows while we read must not be truncated or overrun. Two bytes stay
     * free for the NULs the scanner wants at the end (see Source.text), and
     * one more lets the read that finds the end need no bigger buffer. */
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 3 : 4096;
    size_t len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(fp);
            *err = ENOMEM;
            return NULL;
        }
        if (len + 2 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                continue;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 2, fp);
        len += n;
        if (n == 0)
            break;
    }
    int read_error = ferror(fp);
    fclose(fp);
    if (read_error) {
        free(buf);
        *err = EIO;
        return NULL;
    }
    /* The buffer becomes the Source's text as it is, freed with the arena:
     * a large file is held once, not copied. */
    buf[len] = buf[len + 1] = '\0';
    arena_on_free(arena, free, buf);
    Source *src = arena_alloc(arena, sizeof *src);
    src->name = arena_strdup(arena, name);
    src->disk_path = arena_strdup(arena, disk_path);
    src->text = buf;
    src->len = len;
    return src;
}

/* Canonical form of a path for prefix matching, as protoc does it: collapse
 * "//", drop "." components and fold "dir/.." pairs. Symlinks are not
 * followed, so two spellings of one file through a symlink stay distinct. */
static char *canonical_path(Arena *arena, const char *path)
{
    size_t n = strlen(path);
    char *out = arena_alloc(arena, n + 2);
    size_t len = 0;
    bool absolute = path[0] == '/';
    if (absolute)
        out[len++] = '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t part = end ? (size_t)(end - p) : strlen(p);
        if (part == 0)
            break;
        if (part == 1 && p[0] == '.') {
            /* "." adds nothing */
        } else if (part == 2 && p[0] == '.' && p[1] == '.' && len > (size_t)absolute &&
                   !(len >= 2 && out[len - 1] == '.' && out[len - 2] == '.' &&
                     (len == 2 || out[len - 3] == '/'))) {
            /* Fold "dir/.." by dropping the last component. */
            while (len > (size_t)absolute && out[len - 1] != '/')
                len--;
            if (len > (size_t)absolute)
                len--;
        } else {
            if (len > (size_t)absolute)
                out[len++] = '/';
            memcpy(out + len, p, part);
            len += part;
        }
        p += part;
    }
    out[len] = '\0';
    return out;
}

static char *join_path(Arena *arena, const char *root, const char *name)
{
    if (root[0] == '\0' || strcmp(root, ".") == 0)
        return arena_strdup(arena, name);
    size_t n = strlen(root);
    return arena_printf(arena, "%s%s%s", root, root[n - 1] == '/' ? "" : "/", name);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* The folder holding the running executable, or NULL. */
static char *exe_dir(Arena *arena)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return arena_strdup(arena, buf[0] ? buf : "/");
}

void load_add_default_root(Compiler *c)
{
    c->user_roots = c->import_paths.len;
    const char *candidates[3] = { NULL, NULL, NULL };
    char *dir = exe_dir(c->arena);
    if (dir) {
        candidates[0] = arena_printf(c->arena, "%s/include", dir);
        candidates[1] = arena_printf(c->arena, "%s/../include", dir);
    }
#ifdef TYPERPC_WKT_INCLUDE
    candidates[2] = TYPERPC_WKT_INCLUDE;
#endif
    for (size_t i = 0; i < 3; i++) {
        if (!candidates[i])
            continue;
        char *probe = join_path(c->arena, candidates[i], "google/protobuf/descriptor.proto");
        if (file_exists(probe)) {
            VEC_PUSH(c->arena, &c->import_paths, canonical_path(c->arena, candidates[i]));
            return;
        }
    }
}

/* The first root under which `name` exists, or -1. */
static long find_on_roots(Compiler *c, const char *name)
{
    for (size_t i = 0; i < c->import_paths.len; i++) {
        char *path = join_path(c->arena, c->import_paths.items[i], name);
        if (file_exists(path))
            return (long)i;
    }
    return -1;
}

static File *find_loaded(Compiler *c, const char *name)
{
    for (size_t i = 0; i < c->files.len; i++)
        if (strcmp(c->files.items[i]->name, name) == 0)
            return c->files.items[i];
    return NULL;
}

static bool is_loading(Compiler *c, const char *name)
{
    for (size_t i = 0; i < c->loading.len; i++)
        if (strcmp(c->loading.items[i], name) == 0)
            return true;
    return false;
}

static File *load_virtual(Compiler *c, const char *name, const char *disk_path);

/* A virtual name is relative and canonical: protoc refuses to guess what
 * "./a.proto", "a//b.proto", "../a.proto" or "\\a.proto" mean, and so do we, so
 * that one file never gets two names. */
static bool is_canonical_virtual(const char *name)
{
    if (name[0] == '\0' || name[0] == '/' || strchr(name, '\\'))
        return false;
    const char *p = name;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t part = end ? (size_t)(end - p) : strlen(p);
        if (part == 0 || (part == 1 && p[0] == '.') || (part == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!end)
            return true;
        p = end + 1;
    }
}

/* Load every import of f, reporting missing files and cycles at the import. */
static void load_imports(Compiler *c, File *f)
{
    for (size_t i = 0; i < f->imports.len; i++) {
        Import *imp = &f->imports.items[i];
        if (!is_canonical_virtual(imp->path)) {
            diag_error(c->diag, imp->loc,
                       "import path '%s' must be relative to an import root, without "
                       "'.' or '..' parts, '//' or backslashes",
                       imp->path);
            f->parse_failed = true;
            continue;
        }
        char *name = imp->path;
        if (is_loading(c, name)) {
            /* Spell out the chain so the user sees the whole cycle, and
             * report it where protoc does: at the import in the first file
             * of the cycle that leads into it. */
            size_t first = 0;
            while (strcmp(c->loading.items[first], name) != 0)
                first++;
            char *chain = c->loading.items[first];
            for (size_t k = first + 1; k < c->loading.len; k++)
                chain = arena_printf(c->arena, "%s -> %s", chain, c->loading.items[k]);
            chain = arena_printf(c->arena, "%s -> %s", chain, name);
            Import *start = first < c->following.len ? c->following.items[first] : imp;
            diag_error(c->diag, start->loc, "import cycle: %s", chain);
            if (start != imp)
                diag_note(c->diag, imp->loc, "the cycle closes here");
            f->parse_failed = true;
            continue;
        }
        File *done = find_loaded(c, name);
        if (done) {
            imp->file = done;
            continue;
        }
        long root = find_on_roots(c, name);
        if (root < 0) {
            diag_error(c->diag, imp->loc, "imported file '%s' not found", imp->path);
            /* Name the roots the user gave; the default root (protoc's
             * include folder) is searched too but is not theirs to fix. */
            size_t roots = c->user_roots ? c->user_roots : c->import_paths.len;
            if (roots == 1)
                diag_note(c->diag, imp->path_loc, "searched the import root '%s'",
                          c->import_paths.items[0]);
            else
                diag_note(c->diag, imp->path_loc,
                          "searched %zu import roots; add the right one with -I", roots);
            f->parse_failed = true;
            continue;
        }
        char *disk = join_path(c->arena, c->import_paths.items[root], name);
        /* following[k] is the import that file loading[k] is following. */
        c->following.len = c->loading.len - 1;
        VEC_PUSH(c->arena, &c->following, imp);
        imp->file = load_virtual(c, name, disk);
        c->following.len = c->loading.len - 1;
    }
}

static File *load_virtual(Compiler *c, const char *name, const char *disk_path)
{
    int err = 0;
    Source *src = source_read(c->arena, disk_path, disk_path, &err);
    if (!src) {
        diag_error(c->diag, (Loc){ 0 }, "%s: %s", disk_path, strerror(err));
        return NULL;
    }
    src->index = c->sources_read++;
    File *f = parse_file(src, c->arena, c->diag);
    f->name = arena_strdup(c->arena, name);
    VEC_PUSH(c->arena, &c->loading, f->name);
    load_imports(c, f);
    c->loading.len--;
    VEC_PUSH(c->arena, &c->files, f);
    return f;
}

File *load_input(Compiler *c, const char *path)
{
    if (c->import_paths.len == 0)
        VEC_PUSH(c->arena, &c->import_paths, ".");

    char *canon = canonical_path(c->arena, path);
    char *name = NULL;
    long root = -1;
    /* Map the disk path to a virtual name: the first root that is a prefix. */
    for (size_t i = 0; i < c->import_paths.len && !name; i++) {
        char *r = canonical_path(c->arena, c->import_paths.items[i]);
        size_t rn = strlen(r);
        if (rn == 0) {
            if (canon[0] != '/' && strncmp(canon, "../", 3) != 0 && strcmp(canon, "..") != 0) {
                name = canon;
                root = (long)i;
            }
        } else if (strncmp(canon, r, rn) == 0 && (canon[rn] == '/' || r[rn - 1] == '/')) {
            name = canon + rn + (canon[rn] == '/');
            root = (long)i;
        }
    }

    if (name && file_exists(path)) {
        long first = find_on_roots(c, name);
        if (first >= 0 && first < root) {
            diag_error(c->diag, (Loc){ 0 },
                       "%s: input is shadowed by '%s' on the import path, which has the "
                       "same name '%s'",
                       path, join_path(c->arena, c->import_paths.items[first], name), name);
            return NULL;
        }
    } else if (!file_exists(path) || !name) {
        /* protoc also accepts a virtual name found on the roots. */
        long found = find_on_roots(c, canon);
        if (found >= 0) {
            name = canon;
            path = join_path(c->arena, c->import_paths.items[found], canon);
        } else if (!file_exists(path)) {
            int err = 0;
            struct stat st;
            err = stat(path, &st) != 0 ? errno : EISDIR;
            diag_error(c->diag, (Loc){ 0 }, "%s: %s", path, strerror(err));
            return NULL;
        } else {
            diag_error(c->diag, (Loc){ 0 },
                       "%s: not under any import root; add its directory with "
                       "-I or --proto_path (the root must be a prefix of the path as "
                       "written)",
                       path);
            return NULL;
        }
    }

    File *f = find_loaded(c, name);
    if (!f)
        f = load_virtual(c, name, path);
    if (f)
        VEC_PUSH(c->arena, &c->inputs, f);
    return f;
}
