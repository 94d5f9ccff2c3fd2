/*
 * gen_trpc.c — foo.proto -> foo.trpc.h and foo.trpc.c: typed gRPC services.
 *
 * For every `service` of a file the generator writes what
 * docs/service-api.md specifies: the method table libtyperpc serves and
 * calls through; per method a call type, notification types and an _Impl
 * table of them, __serve to register a table, typed __write and
 * __finish_call; per service a client type, and per method typed client
 * functions (blocking and async, with typed stream and result types). Every
 * handle is a struct of its own, `struct { X *const base; }`, and every
 * public function is declared with its name in parentheses and shadowed by
 * a macro of the same name that passes each typed argument through a
 * `_Generic` guard (TRPC_IN/TRPC_OUT/TRPC_OPT), so a wrong message, handle,
 * callback or options argument is a compile error.
 *
 * Files without services get no .trpc files (as protoc plugins skip files
 * that have nothing for them), and neither does a file marked
 * (pb_c_file).no_generate, which has no .pb-c.h to build on.
 *
 * Names. A service pkg.Greeter is Pkg__Greeter for types and pkg__greeter
 * for functions and objects, exactly as protoc-c names Pkg__Greeter_Service
 * and pkg__greeter__descriptor ((pb_c_file).c_package replaces the package,
 * as for messages). A method SayHello is Pkg__Greeter_SayHello in type
 * names, pkg__greeter__say_hello in function names and say_hello in the
 * _Impl table.
 *
 * Collisions are settled as gen_c_names.c settles the message code's: every
 * identifier the service code makes (types, functions, objects, and the
 * static thunks of foo.trpc.c) is claimed, in declaration order, in one set
 * per file that starts out holding the functions and types of every message
 * and enum foo.trpc.c sees (the file's and its imports'). A construct whose
 * identifiers are taken gets a trailing '_' on its own part (the service's
 * prefixes, the method's function or type part) until they are all free.
 * So a service claims __serve, __client, __trpc_methods, __trpc_service,
 * _Impl and _Client first, and a method named Serve becomes
 * pkg__greeter__serve_; of two methods Foo and foo the later is foo_; of
 * two services Foo and foo the later is Pkg__Foo_ / pkg__foo_. _Impl
 * members are settled per table the same way, and a member that is a C
 * keyword (Int -> int_) gets the '_' too.
 *
 * The gRPC path of a method is "/" + the service's full name as written
 * (package included, never c_package) + "/" + the method's name.
 */
#include <ctype.h>
#include <string.h>

#include "gen_trpc_internal.h"

bool gen_trpc_streams_input(const TMethod *t)
{
    return t->kind == TK_CLIENT_STREAMING || t->kind == TK_BIDI;
}

bool gen_trpc_streams_output(const TMethod *t)
{
    return t->kind == TK_SERVER_STREAMING || t->kind == TK_BIDI;
}

bool gen_trpc_has_reply(const TMethod *t)
{
    return !gen_trpc_streams_output(t);
}

/* ---- layout ---- */

static void spaces(Buf *b, int n)
{
    for (int i = 0; i < n; i++)
        buf_putc(b, ' ');
}

void gen_trpc_wrap(Buf *b, int indent, const char *head, const char *open, const char *const *items,
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
    size_t cont = (size_t)indent + strlen(head) + strlen(open);
    bool one_line = one <= (size_t)columns || n == 0;
    /* Not even one item fits after OPEN: they start on the next line. */
    bool below = !one_line && cont + longest > (size_t)columns && *head;
    spaces(b, indent);
    if (below) {
        /* HEAD OPEN without the spaces that would end the line. The text is
         * trimmed before it is written, never after: the Buf may already
         * have streamed it to the file. */
        size_t n_head = strlen(head), n_open = strlen(open);
        while (n_open && open[n_open - 1] == ' ')
            n_open--;
        while (!n_open && n_head && head[n_head - 1] == ' ')
            n_head--;
        buf_put(b, head, n_head);
        buf_put(b, open, n_open);
    } else {
        buf_cat(b, head, open, NULL);
    }
    if (one_line) {
        for (size_t i = 0; i < n; i++)
            buf_cat(b, i ? ", " : "", items[i], NULL);
        buf_cat(b, close, tail, "\n", NULL);
        return;
    }
    if (below) {
        cont = (size_t)indent + 4;
        buf_putc(b, '\n');
        spaces(b, (int)cont);
    }
    size_t col = cont;
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

void gen_trpc_proto(Buf *b, const char *ret, const char *name, const char *const *params, size_t n,
                const char *tail)
{
    size_t len = strlen(ret);
    const char *sep = len && ret[len - 1] == '*' ? "" : " ";
    char head[512];
    snprintf(head, sizeof head, "%s%s(%s)", ret, sep, name);
    if (strlen(head) + 2 >= sizeof head) {
        /* Absurdly long names: no alignment, same text. */
        buf_cat(b, ret, sep, "(", name, ")", NULL);
        gen_trpc_wrap(b, 0, "", "(", params, n, ")", tail, GEN_TRPC_COLUMNS);
        return;
    }
    gen_trpc_wrap(b, 0, head, "(", params, n, ")", tail, GEN_TRPC_COLUMNS);
}

void gen_trpc_stmt(Buf *b, int indent, const char *head, const char *const *items, size_t n,
               const char *tail)
{
    gen_trpc_wrap(b, indent, head, "(", items, n, ")", tail, GEN_TRPC_COLUMNS);
}

void gen_trpc_handle_type(TGen *g, const char *name, const char *base)
{
    buf_cat(&g->h, "typedef struct ", name, " {\n"
            "    ", base, " *const base;\n"
            "} ", name, ";\n", NULL);
}

void gen_trpc_macro(TGen *g, const char *name, const char *const *args, size_t n_args,
                const char *callee, const char *const *items, size_t n_items)
{
    Buf tmp = { 0 };
    buf_cat(&tmp, "#define ", name, "(", NULL);
    for (size_t i = 0; i < n_args; i++)
        buf_cat(&tmp, i ? ", " : "", args[i], NULL);
    buf_puts(&tmp, ")\n");
    gen_trpc_wrap(&tmp, 4, TFMT(g, "(%s)", callee), "(", items, n_items, ")", "", GEN_TRPC_COLUMNS - 2);

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

/* ---- public functions ---- */

void gen_trpc_fn_param(TFn *fn, const char *decl, const char *name, TGuard guard, const char *type)
{
    if (fn->n < GEN_TRPC_MAX_PARAMS)
        fn->p[fn->n++] = (TParam){ decl, name, guard, type };
}

void gen_trpc_fn_declare(TGen *g, const TFn *fn)
{
    const char *params[GEN_TRPC_MAX_PARAMS], *args[GEN_TRPC_MAX_PARAMS], *items[GEN_TRPC_MAX_PARAMS];
    for (size_t i = 0; i < fn->n; i++) {
        const TParam *p = &fn->p[i];
        params[i] = p->decl;
        args[i] = p->name;
        switch (p->guard) {
        case G_IN:
            items[i] = TFMT(g, "TRPC_IN(%s, %s)", p->type, p->name);
            break;
        case G_OUT:
            items[i] = TFMT(g, "TRPC_OUT(%s, %s)", p->type, p->name);
            break;
        case G_OPT:
            items[i] = TFMT(g, "TRPC_OPT(%s, %s)", p->type, p->name);
            break;
        case G_PLAIN:
            items[i] = TFMT(g, "(%s)", p->name);
            break;
        }
    }
    gen_trpc_proto(&g->h, fn->ret, fn->name, params, fn->n, ";");
    gen_trpc_macro(g, fn->name, args, fn->n, fn->name, items, fn->n);
}

void gen_trpc_fn_define(TGen *g, const TFn *fn)
{
    const char *params[GEN_TRPC_MAX_PARAMS];
    for (size_t i = 0; i < fn->n; i++)
        params[i] = fn->p[i].decl;
    buf_puts(&g->src, "\n");
    gen_trpc_proto(&g->src, fn->ret, fn->name, params, fn->n, "");
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

/* The identifiers of one .trpc translation unit: what the message code it
 * includes declares, then what the service code has claimed so far. */
typedef struct Claims {
    TGen *g;
    StrSet taken;
    PtrMap seen;   /* files whose messages are claimed */
} Claims;

static void claim(Claims *k, const char *id)
{
    strset_add(&k->taken, arena_strdup(k->g->arena, id));
}

static void claim_message(Claims *k, const Message *m)
{
    static const char *const fns[] = { "__init", "__get_packed_size", "__pack",
                                       "__pack_to_buffer", "__unpack", "__free_unpacked",
                                       "__descriptor" };
    TypeNames *t = names_message(k->g->names, m);
    if (!t)
        return;
    claim(k, t->c);
    claim(k, TFMT(k->g, "%s_Closure", t->c));
    for (size_t i = 0; i < NITEMS(fns); i++)
        claim(k, TFMT(k->g, "%s%s", t->lc, fns[i]));
    for (size_t i = 0; i < t->nested.len; i++)
        claim_message(k, t->nested.items[i]);
    for (size_t i = 0; i < m->enums.len; i++) {
        TypeNames *e = names_enum(k->g->names, m->enums.items[i]);
        if (e) {
            claim(k, e->c);
            claim(k, TFMT(k->g, "%s__descriptor", e->lc));
        }
    }
}

/* The message code of f and of every file it imports, directly or not. */
static void claim_file(Claims *k, const File *f)
{
    if (ptrmap_get(&k->seen, f))
        return;
    ptrmap_put(&k->seen, f, (void *)f);
    for (size_t i = 0; i < f->imports.len; i++)
        if (f->imports.items[i].file)
            claim_file(k, f->imports.items[i].file);
    for (size_t i = 0; i < f->messages.len; i++)
        claim_message(k, f->messages.items[i]);
    for (size_t i = 0; i < f->enums.len; i++) {
        TypeNames *e = names_enum(k->g->names, f->enums.items[i]);
        if (e) {
            claim(k, e->c);
            claim(k, TFMT(k->g, "%s__descriptor", e->lc));
        }
    }
}

/* Whether pre + base + each suffix (up to NULL) is free in set. */
static bool all_free(TGen *g, const StrSet *set, const char *pre, const char *base,
                     const char *const *sfx)
{
    for (; *sfx; sfx++)
        if (strset_has(set, TFMT(g, "%s%s%s", pre, base, *sfx)))
            return false;
    return true;
}

/* Append '_' to base until every pre + base + suffix is free, claim them
 * all and return base. */
static char *settle(TGen *g, StrSet *set, const char *pre, char *base, const char *const *sfx)
{
    while (!all_free(g, set, pre, base, sfx))
        base = TFMT(g, "%s_", base);
    for (; *sfx; sfx++)
        strset_add(set, TFMT(g, "%s%s%s", pre, base, *sfx));
    return base;
}

/* The identifiers a method claims: its functions (public, then the static
 * thunks of foo.trpc.c) after its function prefix, its types after its
 * type prefix, its members in the _Impl table. Each is the union over the
 * four kinds (a unary method claims __start too), so a method's names never
 * depend on its kind or on the kind of another method: changing a method
 * from unary to streaming renames nothing else. gen_trpc_server.c and
 * gen_trpc_client.c write a subset of these. */
static const char *const method_functions[] = {
    "", "__async", "__start", "__start_async", "__send", "__close_send", "__recv", "__cancel",
    "__finish", "__write", "__finish_call", "__serve_message", "__serve_start", "__serve_end",
    "__serve_done", "__on_result", "__on_message", "__on_status", NULL,
};
static const char *const method_types[] = {
    "_Call", "_Handler", "_Start", "_End", "_Done", "_Result", "_OnResult", "_Stream",
    "_OnMessage", "_OnStatus", NULL,
};
static const char *const method_members[] = { "", "_start", "_end", "_done", NULL };

static bool is_keyword(const Names *n, const char *member)
{
    return strset_has(&n->reserved, member);
}

static void name_methods(TGen *g, Claims *k, TService *s)
{
    StrSet members = { 0 };
    for (size_t i = 0; i < s->n; i++) {
        TMethod *t = &s->ms[i];
        Method *m = s->s->methods.items[i];
        t->m = m;
        t->index = i;
        t->kind = m->client_streaming ? (m->server_streaming ? TK_BIDI : TK_CLIENT_STREAMING)
                                      : (m->server_streaming ? TK_SERVER_STREAMING : TK_UNARY);
        char *lc = c_camel_to_lower(g->arena, m->name);
        lc = settle(g, &k->taken, TFMT(g, "%s__", s->lc), lc, method_functions);
        t->lc = TFMT(g, "%s__%s", s->lc, lc);
        char *c = settle(g, &k->taken, TFMT(g, "%s_", s->c), arena_strdup(g->arena, m->name),
                         method_types);
        t->c = TFMT(g, "%s_%s", s->c, c);

        char *member = c_camel_to_lower(g->arena, m->name);
        while (is_keyword(g->names, member))
            member = TFMT(g, "%s_", member);
        t->member = settle(g, &members, "", member, method_members);

        TypeNames *in = names_message(g->names, m->input);
        TypeNames *out = names_message(g->names, m->output);
        t->in = in->c;
        t->out = out->c;
        t->in_desc = TFMT(g, "%s__descriptor", in->lc);
        t->out_desc = TFMT(g, "%s__descriptor", out->lc);
    }
    strset_free(&members);
}

static void name_services(TGen *g)
{
    static const char *const svc_functions[] = { "__serve", "__client", "__trpc_methods",
                                                 "__trpc_service", NULL };
    static const char *const svc_types[] = { "_Impl", "_Client", NULL };
    File *f = g->file;
    Claims k = { .g = g };
    claim_file(&k, f);

    g->n_svcs = f->services.len;
    g->svcs = arena_alloc(g->arena, (g->n_svcs ? g->n_svcs : 1) * sizeof *g->svcs);
    for (size_t i = 0; i < g->n_svcs; i++) {
        TService *s = &g->svcs[i];
        s->s = f->services.items[i];
        const char *full = c_full_name(g, s->s->full_name);
        char *lc = c_full_name_to_lower(g->arena, full);
        char *c = c_full_name_to_c(g->arena, full);
        /* Both prefixes move together, so Pkg__Foo_ always goes with pkg__foo_. */
        while (!all_free(g, &k.taken, "", lc, svc_functions) ||
               !all_free(g, &k.taken, "", c, svc_types)) {
            lc = TFMT(g, "%s_", lc);
            c = TFMT(g, "%s_", c);
        }
        s->lc = settle(g, &k.taken, "", lc, svc_functions);
        s->c = settle(g, &k.taken, "", c, svc_types);
        s->n = s->s->methods.len;
        s->ms = arena_alloc(g->arena, (s->n ? s->n : 1) * sizeof *s->ms);
        name_methods(g, &k, s);
    }
    strset_free(&k.taken);
    ptrmap_free(&k.seen);
}

/* ---- the two files ---- */

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
            "/* Mistakes that C reports only as warnings by default are made errors in\n"
            " * every file that includes this header (docs/service-api.md): a handler or\n"
            " * callback of the wrong type (incompatible pointer), a function the\n"
            " * method's kind does not have (implicit declaration), a trpc_error used as\n"
            " * a trpc_status or the reverse (enum conversion), an integer where a\n"
            " * pointer goes (int conversion), and a handler that can end without\n"
            " * returning its status (return type). */\n"
            "#if (defined(__GNUC__) || defined(__clang__)) && !defined(__cplusplus) && \\\n"
            "    !defined(TRPC_ALLOW_INCOMPATIBLE_POINTERS)\n"
            "#pragma GCC diagnostic error \"-Wincompatible-pointer-types\"\n"
            "#if defined(__clang__) && __clang_major__ >= 16\n"
            "#pragma GCC diagnostic error \"-Wincompatible-function-pointer-types\"\n"
            "#endif\n"
            "#pragma GCC diagnostic error \"-Wimplicit-function-declaration\"\n"
            "#if defined(__clang__) || __GNUC__ >= 10\n"
            "#pragma GCC diagnostic error \"-Wenum-conversion\"\n"
            "#endif\n"
            "#pragma GCC diagnostic error \"-Wint-conversion\"\n"
            "#pragma GCC diagnostic error \"-Wreturn-type\"\n"
            "#endif\n"
            "\n"
            "#ifdef __cplusplus\n"
            "extern \"C\" {\n"
            "#endif\n", NULL);
    for (size_t i = 0; i < g->n_svcs; i++) {
        gen_trpc_server_header(g, &g->svcs[i]);
        gen_trpc_client_header(g, &g->svcs[i]);
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
        gen_trpc_server_source(g, &g->svcs[i]);
        gen_trpc_client_source(g, &g->svcs[i]);
    }
}

/* ---- writing ---- */

/* gen.c asks this too, to list the two files in the dependency file: what
 * it lists and what is written are decided here, once. */
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

    char *base = out_base_name(c->arena, f->name);
    OutFile oh = { 0 }, oc = { 0 };
    bool ok = out_open(&oh, c, out_path(c->arena, out_dir, f->name, ".trpc.h"), &g.h) &&
              out_open(&oc, c, out_path(c->arena, out_dir, f->name, ".trpc.c"), &g.src);
    if (ok) {
        gen_header(&g, base);
        gen_source(&g, base);
    }
    /* Close both, whatever the first one did. */
    bool h_ok = out_close(&oh, c, &g.h, ok);
    bool c_ok = out_close(&oc, c, &g.src, ok);
    ok = h_ok && c_ok;
    buf_free(&g.h);
    buf_free(&g.src);
    return ok;
}
