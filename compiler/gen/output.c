/*
 * output.c — the names of generated files, and writing them.
 *
 * Every name a generator gives a file it writes, or a file it #includes,
 * comes from out_base_name() and out_path(), and so does every name the
 * dependency file lists: one rule, so the build system is told exactly what
 * was written. The rule is protoc-c's: the .proto file's virtual name
 * (dir/foo.proto, relative to its -I root) without its `.protodevel` or
 * `.proto` extension, plus the generator's suffix, under the --c_out
 * directory (dir/foo.pb-c.h, dir/foo.trpc.c).
 *
 * A file is written as PATH.tmp, its text streamed from a Buf, and renamed
 * to PATH only when complete, so a failed run never leaves half a file
 * where the build expects one.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "internal.h"

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && memcmp(s + n - k, suffix, k) == 0;
}

char *out_base_name(Arena *a, const char *proto_name)
{
    size_t n = strlen(proto_name);
    if (ends_with(proto_name, n, ".protodevel"))
        n -= strlen(".protodevel");
    else if (ends_with(proto_name, n, ".proto"))
        n -= strlen(".proto");
    return arena_strndup(a, proto_name, n);
}

char *out_path(Arena *a, const char *out_dir, const char *proto_name, const char *suffix)
{
    size_t n = strlen(out_dir);
    const char *sep = n && out_dir[n - 1] == '/' ? "" : "/";
    return arena_printf(a, "%s%s%s%s", out_dir, sep, out_base_name(a, proto_name), suffix);
}

/* Create every directory on the way to path (not path itself). */
static bool make_parents(Arena *a, const char *path)
{
    char *p = arena_strdup(a, path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            *s = '/';
            return false;
        }
        *s = '/';
    }
    return true;
}

/* The old file is unlinked first: renaming over an existing file makes ext4
 * (and other file systems with delayed allocation) write the new data out
 * before the rename returns, which cost more than the whole generation of a
 * large file. A crash between the two steps leaves PATH missing, never half
 * written, so a build still regenerates it. */
int out_replace_file(const char *tmp, const char *path)
{
    if (unlink(path) != 0 && errno != ENOENT)
        return errno;
    return rename(tmp, path) == 0 ? 0 : errno;
}

bool out_open(OutFile *o, Compiler *c, const char *path, Buf *b)
{
    o->path = arena_strdup(c->arena, path);
    o->tmp = arena_printf(c->arena, "%s.tmp", path);
    o->fp = NULL;
    if (!make_parents(c->arena, path)) {
        diag_error(c->diag, (Loc){ 0 }, "cannot create the folder for '%s': %s", path,
                   strerror(errno));
        return false;
    }
    o->fp = fopen(o->tmp, "wb");
    if (!o->fp) {
        diag_error(c->diag, (Loc){ 0 }, "cannot write '%s': %s", o->tmp, strerror(errno));
        return false;
    }
    b->sink = o->fp;
    return true;
}

bool out_close(OutFile *o, Compiler *c, Buf *b, bool ok)
{
    if (!o->fp)
        return false;
    buf_flush(b);
    b->sink = NULL;
    int err = b->failed ? (errno ? errno : EIO) : 0;
    if (fclose(o->fp) != 0 && !err)
        err = errno ? errno : EIO;
    o->fp = NULL;
    if (ok && !err)
        err = out_replace_file(o->tmp, o->path);
    if (ok && err)
        diag_error(c->diag, (Loc){ 0 }, "cannot write '%s': %s", o->path, strerror(err));
    if (!ok || err) {
        remove(o->tmp);
        return false;
    }
    return true;
}
