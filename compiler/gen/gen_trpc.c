/*
 * gen_trpc.c — foo.proto -> foo.trpc.h and foo.trpc.c: typed gRPC services.
 *
 * For every `service` of a file the generator writes what docs/runtime.md
 * ("What the generator emits") specifies: the method table libtyperpc
 * serves and calls through, a handler function type per method and an
 * _Impl table of them, __serve to register a table, typed writers for
 * streamed replies, and per method typed client functions (blocking and
 * async, with typed stream handles). Every public function is declared with
 * its name in parentheses and shadowed by a macro of the same name that
 * passes each typed argument through a `_Generic` guard (TRPC_IN/TRPC_OUT),
 * so a wrong message, handle or callback type is a compile error.
 *
 * Files without services get no .trpc files (as protoc plugins skip files
 * that have nothing for them), and neither does a file marked
 * (pb_c_file).no_generate, which has no .pb-c.h to build on.
 *
 * Names. A service pkg.Greeter is Pkg__Greeter for types and pkg__greeter
 * for functions and objects, exactly as protoc-c names Pkg__Greeter_Service
 * and pkg__greeter__descriptor ((pb_c_file).c_package replaces the package,
 * as for messages). A method SayHello is say_hello in function names and in
 * the _Impl table, SayHello in type names. Every function name ends in a
 * `__verb` and every type in a distinct suffix, so nothing collides with the
 * message code. Within one file, two services or two methods whose C names
 * coincide (Foo and foo, FooBar and foo_bar) keep declaration order: the
 * later one gets a trailing '_'; an _Impl member that would be a C keyword
 * gets one too. The service-level names __serve, __trpc_methods and
 * __trpc_service get a '_' if a method has that name (protoc-c would name
 * the method's function the same).
 *
 * The gRPC path of a method is "/" + the service's full name as written
 * (package included) + "/" + the method's name.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gen_trpc_internal.h"

bool trpc_has_writer(const TMethod *t)
{
    return t->kind == TK_SERVER_STREAMING || t->kind == TK_BIDI;
}

bool trpc_has_handle(const TMethod *t)
{
    return t->kind != TK_UNARY;
}

/* ---- layout ---- */

static void spaces(Buf *b, int n)
{
    for (int i = 0; i < n; i++)
        buf_putc(b, ' ');
}

void trpc_wrap(Buf *b, int indent, const char *head, const char *open, const char *const *items,
               size_t n, const char *close, const char *tail, int columns)
{
    size_t tail_len = strlen(close) + strlen(tail);
    size_t one = (size_t)indent + strlen(head) + strlen(open) + tail_len;
    size_t longest = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]) + (i + 1 < n ? 1 : tail_len);
        one += strlen(items[i]) + (i ? 2 : 0);
        if (len > longest)
            longest = len;
    }
    spaces(b, indent);
    buf_cat(b, head, open, NULL);
    if (one <= (size_t)columns || n == 0) {
        for (size_t i = 0; i < n; i++)
            buf_cat(b, i ? ", " : "", items[i], NULL);
        buf_cat(b, close, tail, "\n", NULL);
        return;
    }
    size_t cont = (size_t)indent + strlen(head) + strlen(open);
    size_t col = cont;
    if (cont + longest > (size_t)columns && *head) {
        /* Not even one item fits after OPEN: start them on the next line. */
        while (b->len && b->data[b->len - 1] == ' ')
            b->data[--b->len] = '\0';
        cont = (size_t)indent + 4;
        buf_putc(b, '\n');
        spaces(b, (int)cont);
        col = cont;
    }
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]) + (i + 1 < n ? 1 : tail_len);
        if (!first && col + 1 + len > (size_t)columns) {
            buf_putc(b, '\n');
            spaces(b, (int)cont);
            col = cont;
            first = true;
        }
        if (!first) {
            buf_putc(b, ' ');
            col++;
        }
        buf_puts(b, items[i]);
        if (i + 1 < n)
            buf_putc(b, ',');
        else
            buf_cat(b, close, tail, NULL);
        col += len;
        first = false;
    }
    buf_putc(b, '\n');
}

void trpc_proto(Buf *b, const char *ret, const char *name, const char *const *params, size_t n,
                const char *tail)
{
    char head[512];
    snprintf(head, sizeof head, "%s (%s)", ret, name);
    if (strlen(head) + 2 >= sizeof head) {
        /* Absurdly long names: no alignment, same text. */
        buf_cat(b, ret, " (", name, ")", NULL);
        trpc_wrap(b, 0, "", "(", params, n, ")", tail, TRPC_COLUMNS);
        return;
    }
    trpc_wrap(b, 0, head, "(", params, n, ")", tail, TRPC_COLUMNS);
}

void trpc_macro(TGen *g, const char *name, const char *const *args, size_t n_args,
                const char *callee, const char *const *items, size_t n_items)
{
    Buf tmp = { 0 };
    buf_cat(&tmp, "#define ", name, "(", NULL);
    for (size_t i = 0; i < n_args; i++)
        buf_cat(&tmp, i ? ", " : "", args[i], NULL);
    buf_puts(&tmp, ")\n");
    trpc_wrap(&tmp, 4, TFMT(g, "(%s)", callee), "(", items, n_items, ")", "", TRPC_COLUMNS - 2);

    /* Align the line continuations one column past the longest line. */
    size_t width = 0, start = 0;
    for (size_t i = 0; i < tmp.len; i++) {
        if (tmp.data[i] != '\n')
            continue;
        if (i - start > width && i + 1 < tmp.len)
            width = i - start;
        start = i + 1;
    }
    start = 0;
    for (size_t i = 0; i < tmp.len; i++) {
        if (tmp.data[i] != '\n')
            continue;
        buf_put(&g->h, tmp.data + start, i - start);
        if (i + 1 < tmp.len) {
            spaces(&g->h, (int)(width - (i - start)));
            buf_puts(&g->h, " \\");
        }
        buf_putc(&g->h, '\n');
        start = i + 1;
    }
    buf_free(&tmp);
}

/* ---- names ---- */

/* The name C names derive from: the full name, with the package replaced
 * by (pb_c_file).c_package when the file sets one (as gen_c_names.c). */
static const char *c_full_name(TGen *g, const char *full)
{
    const char *cpkg = gen_c_package(g->file);
    if (!cpkg)
        return full;
    const char *pkg = g->file->package;
    size_t n = pkg ? strlen(pkg) : 0;
    const char *rest = n && strncmp(full, pkg, n) == 0 && full[n] == '.' ? full + n + 1 : full;
    return TFMT(g, "%s.%s", cpkg, rest);
}

static char *service_word(TGen *g, TService *s, const char *word)
{
    char *w = arena_strdup(g->arena, word);
    for (;;) {
        bool clash = false;
        for (size_t i = 0; i < s->n && !clash; i++)
            clash = strcmp(c_camel_to_lower(g->arena, s->ms[i].m->name), w) == 0;
        if (!clash)
            return TFMT(g, "%s__%s", s->lc, w);
        w = TFMT(g, "%s_", w);
    }
}

static void name_services(TGen *g)
{
    File *f = g->file;
    g->n_svcs = f->services.len;
    g->svcs = arena_alloc(g->arena, (g->n_svcs ? g->n_svcs : 1) * sizeof *g->svcs);
    StrSet svc_names = { 0 };
    for (size_t i = 0; i < g->n_svcs; i++) {
        TService *s = &g->svcs[i];
        s->s = f->services.items[i];
        const char *full = c_full_name(g, s->s->full_name);
        char *lc = c_full_name_to_lower(g->arena, full);
        char *c = c_full_name_to_c(g->arena, full);
        while (strset_has(&svc_names, lc) || strset_has(&svc_names, c)) {
            lc = TFMT(g, "%s_", lc);
            c = TFMT(g, "%s_", c);
        }
        strset_add(&svc_names, lc);
        strset_add(&svc_names, c);
        s->lc = lc;
        s->c = c;
        s->n = s->s->methods.len;
        s->ms = arena_alloc(g->arena, (s->n ? s->n : 1) * sizeof *s->ms);

        StrSet lcs = { 0 }, members = { 0 };
        for (size_t k = 0; k < s->n; k++) {
            TMethod *t = &s->ms[k];
            Method *m = s->s->methods.items[k];
            t->m = m;
            t->index = k;
            t->kind = m->client_streaming ? (m->server_streaming ? TK_BIDI : TK_CLIENT_STREAMING)
                                          : (m->server_streaming ? TK_SERVER_STREAMING : TK_UNARY);
            char *mlc = c_camel_to_lower(g->arena, m->name);
            while (strset_has(&lcs, mlc))
                mlc = TFMT(g, "%s_", mlc);
            strset_add(&lcs, mlc);
            char *member = mlc;
            while (strset_has(&g->names->reserved, member) || strset_has(&members, member))
                member = TFMT(g, "%s_", member);
            strset_add(&members, member);
            t->lc = TFMT(g, "%s__%s", s->lc, mlc);
            t->member = member;
            t->c = TFMT(g, "%s_%s", s->c, m->name);
            TypeNames *in = names_message(g->names, m->input);
            TypeNames *out = names_message(g->names, m->output);
            t->in = in->c;
            t->out = out->c;
            t->in_desc = TFMT(g, "%s__descriptor", in->lc);
            t->out_desc = TFMT(g, "%s__descriptor", out->lc);
        }
        strset_free(&lcs);
        strset_free(&members);
        s->serve = service_word(g, s, "serve");
        s->methods = service_word(g, s, "trpc_methods");
        s->service = service_word(g, s, "trpc_service");
    }
    strset_free(&svc_names);
}

/* ---- the two files ---- */

static char *strip_proto(Arena *a, const char *name)
{
    size_t n = strlen(name);
    if (n > 11 && strcmp(name + n - 11, ".protodevel") == 0)
        return arena_strndup(a, name, n - 11);
    if (n > 6 && strcmp(name + n - 6, ".proto") == 0)
        return arena_strndup(a, name, n - 6);
    return arena_strdup(a, name);
}

/* TYPERPC_DIR_FOO_TRPC_H for dir/foo.proto. */
static char *include_guard(TGen *g, const char *base)
{
    char *id = arena_strdup(g->arena, base);
    for (char *p = id; *p; p++)
        *p = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    return TFMT(g, "TYPERPC_%s_TRPC_H", id);
}

static void gen_header(TGen *g, const char *base)
{
    const char *guard = include_guard(g, base);
    buf_cat(&g->h,
            "/* Generated by typerpc from ", g->file->name, ".  DO NOT EDIT. */\n"
            "#ifndef ", guard, "\n"
            "#define ", guard, "\n"
            "\n"
            "#include <typerpc/typerpc.h>\n"
            "#include \"", base, ".pb-c.h\"\n"
            "\n"
            "/* Mistakes that C reports only as warnings by default are made hard errors\n"
            " * in every file that uses this service: a handler of the wrong type in an\n"
            " * _Impl table (incompatible pointer), a function the method's kind does\n"
            " * not have, such as __call on a stream (implicit declaration), and a value\n"
            " * of another enum type, such as a trpc_error returned as a trpc_status. */\n"
            "#if (defined(__GNUC__) || defined(__clang__)) && !defined(__cplusplus) && \\\n"
            "    !defined(TRPC_ALLOW_INCOMPATIBLE_POINTERS)\n"
            "#pragma GCC diagnostic error \"-Wincompatible-pointer-types\"\n"
            "#pragma GCC diagnostic error \"-Wimplicit-function-declaration\"\n"
            "#if defined(__clang__) || __GNUC__ >= 10\n"
            "#pragma GCC diagnostic error \"-Wenum-conversion\"\n"
            "#endif\n"
            "#endif\n"
            "\n"
            "#ifdef __cplusplus\n"
            "extern \"C\" {\n"
            "#endif\n", NULL);
    for (size_t i = 0; i < g->n_svcs; i++) {
        trpc_header_server(g, &g->svcs[i]);
        trpc_header_client(g, &g->svcs[i]);
    }
    buf_cat(&g->h,
            "\n"
            "#ifdef __cplusplus\n"
            "}\n"
            "#endif\n"
            "#endif /* ", guard, " */\n", NULL);
}

static void gen_source(TGen *g, const char *base)
{
    buf_cat(&g->src,
            "/* Generated by typerpc from ", g->file->name, ".  DO NOT EDIT. */\n"
            "#include \"", base, ".trpc.h\"\n", NULL);
    for (size_t i = 0; i < g->n_svcs; i++) {
        trpc_source_server(g, &g->svcs[i]);
        trpc_source_client(g, &g->svcs[i]);
    }
}

/* ---- output ---- */

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

/* Write b to PATH.tmp and rename it to PATH, so a failed run never leaves
 * half a file where the build expects one. */
static bool write_file(TGen *g, const char *path, Buf *b)
{
    const char *tmp = TFMT(g, "%s.tmp", path);
    if (!make_parents(g->arena, path)) {
        diag_error(g->c->diag, (Loc){ 0 }, "cannot create the folder for '%s': %s", path,
                   strerror(errno));
        return false;
    }
    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        diag_error(g->c->diag, (Loc){ 0 }, "cannot write '%s': %s", tmp, strerror(errno));
        return false;
    }
    int err = 0;
    if (b->len && fwrite(b->data, 1, b->len, fp) != b->len)
        err = errno ? errno : EIO;
    if (fclose(fp) != 0 && !err)
        err = errno ? errno : EIO;
    if (!err)
        err = gen_replace_file(tmp, path);
    if (err) {
        diag_error(g->c->diag, (Loc){ 0 }, "cannot write '%s': %s", path, strerror(err));
        remove(tmp);
        return false;
    }
    return true;
}

bool gen_trpc_wanted(const File *f)
{
    return f->services.len > 0 && !gen_no_generate(f);
}

bool gen_trpc_file(Compiler *c, File *f, const char *out_dir)
{
    if (!gen_trpc_wanted(f))
        return true;
    TGen g = { .c = c, .arena = c->arena, .file = f };
    g.names = gen_names(c);
    names_file(g.names, f);
    name_services(&g);

    char *base = strip_proto(c->arena, f->name);
    gen_header(&g, base);
    gen_source(&g, base);
    size_t n = strlen(out_dir);
    const char *sep = n && out_dir[n - 1] == '/' ? "" : "/";
    bool ok = write_file(&g, arena_printf(c->arena, "%s%s%s.trpc.h", out_dir, sep, base), &g.h) &&
              write_file(&g, arena_printf(c->arena, "%s%s%s.trpc.c", out_dir, sep, base), &g.src);
    buf_free(&g.h);
    buf_free(&g.src);
    return ok;
}
