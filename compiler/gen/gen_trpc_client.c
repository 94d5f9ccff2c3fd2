/*
 * gen_trpc_client.c — a service's client side.
 *
 * Header: a distinct incomplete call-handle type per streaming method, the
 * callback types of the async forms, and the client functions grouped by
 * call kind (unary, server streaming, client streaming, bidi), each
 * declared with its name in parentheses and shadowed by a guarding macro.
 * Source: the functions, forwarding to trpc_channel_* / trpc_stream_* with
 * the method's entry in the service's table, and static thunks that call
 * the user's typed callbacks through their own types.
 */
#include <stdarg.h>

#include "gen_trpc_internal.h"

/* How a macro passes an argument on: as is, or through a _Generic guard. */
typedef enum Guard { G_PLAIN, G_IN, G_OUT } Guard;

typedef struct Param {
    const char *decl;   /* "const Pkg__Req *req" */
    const char *name;   /* "req" */
    Guard guard;
    const char *type;   /* G_IN: the message type; G_OUT: the exact type */
} Param;

enum { MAX_PARAMS = 8 };

typedef struct Fn {
    const char *ret;
    const char *verb;
    Param p[MAX_PARAMS];
    size_t n;
} Fn;

static void add(Fn *fn, const char *decl, const char *name, Guard guard, const char *type)
{
    fn->p[fn->n++] = (Param){ decl, name, guard, type };
}

static void declare(TGen *g, const TMethod *t, const Fn *fn)
{
    const char *name = TFMT(g, "%s__%s", t->lc, fn->verb);
    const char *params[MAX_PARAMS], *args[MAX_PARAMS], *items[MAX_PARAMS];
    for (size_t i = 0; i < fn->n; i++) {
        const Param *p = &fn->p[i];
        params[i] = p->decl;
        args[i] = p->name;
        items[i] = p->guard == G_IN    ? TFMT(g, "TRPC_IN(%s, %s)", p->type, p->name)
                   : p->guard == G_OUT ? TFMT(g, "TRPC_OUT(%s, %s)", p->type, p->name)
                                       : TFMT(g, "(%s)", p->name);
    }
    trpc_proto(&g->h, fn->ret, name, params, fn->n, ";");
    trpc_macro(g, name, args, fn->n, name, items, fn->n);
}

static void define(TGen *g, const TMethod *t, const Fn *fn)
{
    const char *params[MAX_PARAMS];
    for (size_t i = 0; i < fn->n; i++)
        params[i] = fn->p[i].decl;
    buf_puts(&g->src, "\n");
    trpc_proto(&g->src, fn->ret, TFMT(g, "%s__%s", t->lc, fn->verb), params, fn->n, "");
}

/* One statement `HEAD(item, ...)TAIL` at indent 4; items end at NULL. */
static void stmt(TGen *g, const char *head, const char *tail, ...)
{
    const char *items[MAX_PARAMS];
    size_t n = 0;
    va_list ap;
    va_start(ap, tail);
    for (const char *s = va_arg(ap, const char *); s && n < MAX_PARAMS;
         s = va_arg(ap, const char *))
        items[n++] = s;
    va_end(ap);
    trpc_wrap(&g->src, 4, head, "(", items, n, ")", tail, TRPC_COLUMNS);
}

/* ---- the functions of each kind ---- */

static const char *handle(TGen *g, const TMethod *t, const char *stars)
{
    return TFMT(g, "%s_Call %s", t->c, stars);
}

static void p_ch(Fn *fn)
{
    add(fn, "trpc_channel *ch", "ch", G_PLAIN, NULL);
}

static void p_req(TGen *g, Fn *fn, const TMethod *t)
{
    add(fn, TFMT(g, "const %s *req", t->in), "req", G_IN, t->in);
}

static void p_opts(Fn *fn)
{
    add(fn, "const trpc_call_opts *opts", "opts", G_PLAIN, NULL);
}

static void p_call(TGen *g, Fn *fn, const TMethod *t, const char *stars)
{
    add(fn, TFMT(g, "%s_Call %scall", t->c, stars), "call", G_OUT, handle(g, t, stars));
}

static Fn fn_start(TGen *g, const TMethod *t, bool async)
{
    Fn fn = { "int", async ? "start_async" : "start", { { 0 } }, 0 };
    p_ch(&fn);
    if (t->kind == TK_SERVER_STREAMING)
        p_req(g, &fn, t);
    p_opts(&fn);
    if (async) {
        add(&fn, TFMT(g, "%s_OnMessage *on_message", t->c), "on_message", G_OUT,
            TFMT(g, "%s_OnMessage *", t->c));
        add(&fn, TFMT(g, "%s_OnDone *on_done", t->c), "on_done", G_OUT,
            TFMT(g, "%s_OnDone *", t->c));
        add(&fn, "void *user", "user", G_PLAIN, NULL);
    }
    p_call(g, &fn, t, "**");
    return fn;
}

static Fn fn_on_call(TGen *g, const TMethod *t, const char *ret, const char *verb)
{
    Fn fn = { ret, verb, { { 0 } }, 0 };
    p_call(g, &fn, t, "*");
    return fn;
}

static Fn fn_recv(TGen *g, const TMethod *t)
{
    Fn fn = fn_on_call(g, t, "int", "recv");
    add(&fn, TFMT(g, "%s **msg", t->out), "msg", G_OUT, TFMT(g, "%s **", t->out));
    return fn;
}

static Fn fn_send(TGen *g, const TMethod *t)
{
    Fn fn = fn_on_call(g, t, "int", "send");
    add(&fn, TFMT(g, "const %s *msg", t->in), "msg", G_IN, t->in);
    return fn;
}

static Fn fn_finish(TGen *g, const TMethod *t)
{
    Fn fn = fn_on_call(g, t, "trpc_status", "finish");
    if (t->kind == TK_CLIENT_STREAMING)
        add(&fn, TFMT(g, "%s **reply", t->out), "reply", G_OUT, TFMT(g, "%s **", t->out));
    return fn;
}

static Fn fn_unary_call(TGen *g, const TMethod *t)
{
    Fn fn = { "trpc_status", "call", { { 0 } }, 0 };
    p_ch(&fn);
    p_req(g, &fn, t);
    add(&fn, TFMT(g, "%s **reply", t->out), "reply", G_OUT, TFMT(g, "%s **", t->out));
    p_opts(&fn);
    return fn;
}

static Fn fn_unary_async(TGen *g, const TMethod *t)
{
    Fn fn = { "int", "async", { { 0 } }, 0 };
    p_ch(&fn);
    p_req(g, &fn, t);
    p_opts(&fn);
    add(&fn, TFMT(g, "%s_Done *done", t->c), "done", G_OUT, TFMT(g, "%s_Done *", t->c));
    add(&fn, "void *user", "user", G_PLAIN, NULL);
    return fn;
}

/* The functions of a method, in the order both files list them. */
static size_t method_fns(TGen *g, const TMethod *t, Fn *out)
{
    size_t n = 0;
    switch (t->kind) {
    case TK_UNARY:
        out[n++] = fn_unary_call(g, t);
        out[n++] = fn_unary_async(g, t);
        break;
    case TK_SERVER_STREAMING:
        out[n++] = fn_start(g, t, false);
        out[n++] = fn_start(g, t, true);
        out[n++] = fn_recv(g, t);
        out[n++] = fn_on_call(g, t, "void", "cancel");
        out[n++] = fn_finish(g, t);
        break;
    case TK_CLIENT_STREAMING:
        out[n++] = fn_start(g, t, false);
        out[n++] = fn_start(g, t, true);
        out[n++] = fn_on_call(g, t, "int", "close_send");
        out[n++] = fn_send(g, t);
        out[n++] = fn_on_call(g, t, "void", "cancel");
        out[n++] = fn_finish(g, t);
        break;
    case TK_BIDI:
        out[n++] = fn_start(g, t, false);
        out[n++] = fn_start(g, t, true);
        out[n++] = fn_send(g, t);
        out[n++] = fn_on_call(g, t, "int", "close_send");
        out[n++] = fn_recv(g, t);
        out[n++] = fn_on_call(g, t, "void", "cancel");
        out[n++] = fn_finish(g, t);
        break;
    }
    return n;
}

/* ---- header ---- */

static const char *const group_comment[] = {
    [TK_UNARY] = "/* Unary: blocking call (see trpc_channel_unary()) and async form (see\n"
                 " * trpc_channel_unary_async()). */\n",
    [TK_SERVER_STREAMING] =
        "/* Server streaming: start with the request, recv replies until 0, finish. */\n",
    [TK_CLIENT_STREAMING] =
        "/* Client streaming: start, send requests, finish (half-closes, waits for\n"
        " * the reply and the status). */\n",
    [TK_BIDI] = "/* Bidirectional: start, send/recv in any order, close_send, finish. */\n",
};

void trpc_header_client(TGen *g, TService *s)
{
    Buf *h = &g->h;
    buf_puts(h, "\n/* ---- client ---- */\n");
    bool handles = false;
    for (size_t i = 0; i < s->n; i++) {
        TMethod *t = &s->ms[i];
        if (!trpc_has_handle(t))
            continue;
        if (!handles)
            buf_puts(h, "\n");
        handles = true;
        buf_cat(h, "typedef struct ", t->c, "_Call ", t->c, "_Call;\n", NULL);
    }

    /* Callback types of the async forms. */
    if (s->n)
        buf_puts(h, "\n");
    bool stream_cb = false;
    for (size_t i = 0; i < s->n; i++) {
        TMethod *t = &s->ms[i];
        if (t->kind == TK_UNARY) {
            const char *params[] = { "trpc_status code", "const char *message",
                                     TFMT(g, "%s *reply", t->out), "void *user" };
            trpc_wrap(h, 0, TFMT(g, "typedef void %s_Done", t->c), "(", params, NITEMS(params),
                      ")", ";", TRPC_COLUMNS);
            continue;
        }
        if (!stream_cb)
            buf_cat(h, i ? "\n" : "",
                    "/* Async stream callbacks (see trpc_stream_start_async()): on_message owns\n"
                    " * msg; on_done runs once, last. */\n", NULL);
        stream_cb = true;
        const char *on_msg[] = { TFMT(g, "%s_Call *call", t->c), TFMT(g, "%s *msg", t->out),
                                 "void *user" };
        trpc_wrap(h, 0, TFMT(g, "typedef void %s_OnMessage", t->c), "(", on_msg,
                  NITEMS(on_msg), ")", ";", TRPC_COLUMNS);
        const char *on_done[] = { TFMT(g, "%s_Call *call", t->c), "trpc_status code",
                                  "const char *message", "void *user" };
        trpc_wrap(h, 0, TFMT(g, "typedef void %s_OnDone", t->c), "(", on_done,
                  NITEMS(on_done), ")", ";", TRPC_COLUMNS);
    }

    for (int kind = TK_UNARY; kind <= TK_BIDI; kind++) {
        bool first = true;
        for (size_t i = 0; i < s->n; i++) {
            TMethod *t = &s->ms[i];
            if ((int)t->kind != kind)
                continue;
            buf_puts(h, "\n");
            if (first)
                buf_puts(h, group_comment[kind]);
            first = false;
            Fn fns[8];
            size_t n = method_fns(g, t, fns);
            for (size_t k = 0; k < n; k++) {
                if (strcmp(fns[k].verb, "close_send") == 0 && kind == TK_CLIENT_STREAMING)
                    buf_puts(h, "/* Half-closes an async client stream (the reply comes to "
                                "on_message). */\n");
                declare(g, t, &fns[k]);
            }
        }
    }
}

/* ---- source ---- */

static void define_unary(TGen *g, TService *s, const TMethod *t, Fn *fns)
{
    Buf *b = &g->src;
    const char *method = TFMT(g, "&%s[%zu]", s->methods, t->index);
    define(g, t, &fns[0]);
    buf_puts(b, "{\n");
    stmt(g, "return trpc_channel_unary", ";", "ch", method, "&req->base",
         "(ProtobufCMessage **)reply", "opts", NULL);
    buf_puts(b, "}\n\n");

    const char *params[] = { "trpc_status code", "const char *message", "ProtobufCMessage *reply",
                             "trpc_fn fn", "void *user" };
    trpc_wrap(b, 0, TFMT(g, "static void %s__done", t->lc), "(", params, NITEMS(params), ")", "",
              TRPC_COLUMNS);
    buf_puts(b, "{\n");
    stmt(g, TFMT(g, "((%s_Done *)fn)", t->c), ";", "code", "message",
         TFMT(g, "(%s *)reply", t->out), "user", NULL);
    buf_puts(b, "}\n");

    define(g, t, &fns[1]);
    buf_puts(b, "{\n"
                "    if (!done) {\n"
                "        return TRPC_EINVAL;\n"
                "    }\n");
    stmt(g, "return trpc_channel_unary_async", ";", "ch", method, "&req->base", "opts",
         TFMT(g, "%s__done", t->lc), "(trpc_fn)done", "user", NULL);
    buf_puts(b, "}\n");
}

/* The stream thunks and __start / __start_async (fns[0], fns[1]). */
static void define_start(TGen *g, TService *s, const TMethod *t, Fn *fns)
{
    Buf *b = &g->src;
    const char *method = TFMT(g, "&%s[%zu]", s->methods, t->index);
    const char *cast = TFMT(g, "(%s_Call *)s", t->c);
    bool req = t->kind == TK_SERVER_STREAMING;

    define(g, t, &fns[0]);
    buf_puts(b, "{\n");
    if (req) {
        buf_puts(b, "    trpc_stream *s;\n");
        stmt(g, "int rv = trpc_stream_start", ";", "ch", method, "opts", "&s", NULL);
        buf_cat(b, "    if (rv) {\n"
                   "        return rv;\n"
                   "    }\n"
                   "    trpc_stream_send(s, &req->base);\n"
                   "    trpc_stream_close_send(s);\n"
                   "    *call = ", cast, ";\n"
                   "    return 0;\n", NULL);
    } else {
        stmt(g, "return trpc_stream_start", ";", "ch", method, "opts", "(trpc_stream **)call",
             NULL);
    }
    buf_puts(b, "}\n\n");

    const char *on_msg[] = { "trpc_stream *s", "ProtobufCMessage *msg", "trpc_fn fn",
                             "void *user" };
    trpc_wrap(b, 0, TFMT(g, "static void %s__on_message", t->lc), "(", on_msg, NITEMS(on_msg),
              ")", "", TRPC_COLUMNS);
    buf_puts(b, "{\n");
    stmt(g, TFMT(g, "((%s_OnMessage *)fn)", t->c), ";", cast, TFMT(g, "(%s *)msg", t->out),
         "user", NULL);
    buf_puts(b, "}\n\n");
    const char *on_done[] = { "trpc_stream *s", "trpc_status code", "const char *message",
                              "trpc_fn fn", "void *user" };
    trpc_wrap(b, 0, TFMT(g, "static void %s__on_done", t->lc), "(", on_done, NITEMS(on_done),
              ")", "", TRPC_COLUMNS);
    buf_puts(b, "{\n");
    stmt(g, TFMT(g, "((%s_OnDone *)fn)", t->c), ";", cast, "code", "message", "user", NULL);
    buf_puts(b, "}\n");

    define(g, t, &fns[1]);
    buf_puts(b, "{\n"
                "    if (!on_message || !on_done) {\n"
                "        return TRPC_EINVAL;\n"
                "    }\n"
                "    const trpc_stream_handlers h = {\n");
    const char *thunks[] = { TFMT(g, "%s__on_message", t->lc), TFMT(g, "%s__on_done", t->lc) };
    trpc_wrap(b, 8, "", "", thunks, NITEMS(thunks), ",", "", TRPC_COLUMNS);
    buf_puts(b, "        (trpc_fn)on_message, (trpc_fn)on_done,\n"
                "    };\n");
    if (req) {
        buf_puts(b, "    trpc_stream *s;\n");
        stmt(g, "int rv = trpc_stream_start_async", ";", "ch", method, "opts", "&h", "user", "&s",
             NULL);
        buf_cat(b, "    if (rv) {\n"
                   "        return rv;\n"
                   "    }\n"
                   "    *call = ", cast, ";\n"
                   "    trpc_stream_send(s, &req->base);\n"
                   "    trpc_stream_close_send(s);\n"
                   "    return 0;\n", NULL);
    } else {
        stmt(g, "return trpc_stream_start_async", ";", "ch", method, "opts", "&h", "user",
             "(trpc_stream **)call", NULL);
    }
    buf_puts(b, "}\n");
}

static void define_stream_fn(TGen *g, const TMethod *t, const Fn *fn)
{
    Buf *b = &g->src;
    const char *v = fn->verb;
    define(g, t, fn);
    buf_puts(b, "{\n");
    if (strcmp(v, "recv") == 0)
        stmt(g, "return trpc_stream_recv", ";", "(trpc_stream *)call", "(ProtobufCMessage **)msg",
             NULL);
    else if (strcmp(v, "send") == 0)
        stmt(g, "return trpc_stream_send", ";", "(trpc_stream *)call", "&msg->base", NULL);
    else if (strcmp(v, "close_send") == 0)
        stmt(g, "return trpc_stream_close_send", ";", "(trpc_stream *)call", NULL);
    else if (strcmp(v, "cancel") == 0)
        stmt(g, "trpc_stream_cancel", ";", "(trpc_stream *)call", NULL);
    else if (t->kind == TK_CLIENT_STREAMING)
        stmt(g, "return trpc_stream_finish_unary", ";", "(trpc_stream *)call",
             "(ProtobufCMessage **)reply", NULL);
    else
        stmt(g, "return trpc_stream_finish", ";", "(trpc_stream *)call", NULL);
    buf_puts(b, "}\n");
}

void trpc_source_client(TGen *g, TService *s)
{
    if (!s->n)
        return;
    buf_puts(&g->src, "\n/* ---- client ---- */\n");
    for (int kind = TK_UNARY; kind <= TK_BIDI; kind++) {
        for (size_t i = 0; i < s->n; i++) {
            TMethod *t = &s->ms[i];
            if ((int)t->kind != kind)
                continue;
            Fn fns[8];
            size_t n = method_fns(g, t, fns);
            if (kind == TK_UNARY) {
                define_unary(g, s, t, fns);
                continue;
            }
            define_start(g, s, t, fns);
            for (size_t k = 2; k < n; k++)
                define_stream_fn(g, t, &fns[k]);
        }
    }
}
