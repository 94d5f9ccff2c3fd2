/*
 * gen_trpc_names.c — the services of a file as the service generator reads
 * them: each service's and method's C names, and each method's kind.
 *
 * A service pkg.Greeter is Pkg__Greeter for types and pkg__greeter
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
 */
#include <string.h>

#include "internal.h"

/* ---- kinds ---- */

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
    PtrMap seen; /* files whose messages are claimed */
} Claims;

static void claim(Claims *k, const char *id)
{
    strset_add(&k->taken, arena_strdup(k->g->arena, id));
}

static void claim_message(Claims *k, const Message *m)
{
    /* clang-format off */
    static const char *const fns[] = { "__init", "__get_packed_size", "__pack",
                                       "__pack_to_buffer", "__unpack", "__free_unpacked",
                                       "__descriptor" };
    /* clang-format on */
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
/* clang-format off */
static const char *const method_functions[] = {
    "", "__async", "__start", "__start_async", "__send", "__close_send", "__recv", "__cancel",
    "__finish", "__write", "__finish_call", "__serve_message", "__serve_start", "__serve_end",
    "__serve_done", "__on_result", "__on_message", "__on_status", NULL,
};
static const char *const method_types[] = {
    "_Call", "_Handler", "_Start", "_End", "_Done", "_Result", "_OnResult", "_Stream",
    "_OnMessage", "_OnStatus", NULL,
};
/* clang-format on */
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

void gen_trpc_name_services(TGen *g)
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
