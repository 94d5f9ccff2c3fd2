/*
 * gen_trpc_server.c — a service's descriptors and its server side.
 *
 * Header: the method table and service descriptor; per method a call type
 * of its own (`struct { trpc_call *const base; }`) and its notification
 * types, each with that call type in its signature, so no notification of
 * one method fits a slot of another, and no two slots of one method share
 * a type (start and end differ: start gets the request metadata); the
 * _Impl table; __serve; __write (streamed replies) and __finish_call.
 * Source: the tables, one static thunk per notification (from the
 * runtime's generic forms in typerpc/server.h to the typed ones, so no
 * function is ever called through a pointer of another type), __serve,
 * __write, __finish_call.
 *
 * The gRPC path of a method is "/" + the service's full name as written
 * (package included, never c_package) + "/" + the method's name.
 */
#include "internal.h"

static const char *const kind_names[] = {
    [TK_UNARY] = "TRPC_UNARY",
    [TK_SERVER_STREAMING] = "TRPC_SERVER_STREAMING",
    [TK_CLIENT_STREAMING] = "TRPC_CLIENT_STREAMING",
    [TK_BIDI] = "TRPC_BIDI_STREAMING",
};

/* ---- the functions ---- */

static TFn fn_serve(TGen *g, const TService *s)
{
    TFn fn = { "trpc_error", TFMT(g, "%s__serve", s->lc), { { 0 } }, 0 };
    gen_trpc_fn_param(&fn, "trpc_server *srv", "srv", G_OUT, "trpc_server *");
    gen_trpc_fn_param(&fn, TFMT(g, "const %s_Impl *impl", s->c), "impl", G_IN,
                      TFMT(g, "%s_Impl", s->c));
    gen_trpc_fn_param(&fn, "void *user", "user", G_PLAIN, NULL);
    return fn;
}

static TFn fn_write(TGen *g, const TMethod *t)
{
    TFn fn = { "trpc_error", TFMT(g, "%s__write", t->lc), { { 0 } }, 0 };
    gen_trpc_fn_param(&fn, TFMT(g, "%s_Call *call", t->c), "call", G_OUT,
                      TFMT(g, "%s_Call *", t->c));
    gen_trpc_fn_param(&fn, TFMT(g, "const %s *msg", t->out), "msg", G_IN, t->out);
    return fn;
}

static TFn fn_finish_call(TGen *g, const TMethod *t)
{
    TFn fn = { "trpc_error", TFMT(g, "%s__finish_call", t->lc), { { 0 } }, 0 };
    gen_trpc_fn_param(&fn, TFMT(g, "%s_Call *call", t->c), "call", G_OUT,
                      TFMT(g, "%s_Call *", t->c));
    gen_trpc_fn_param(&fn, "trpc_status code", "code", G_PLAIN, NULL);
    return fn;
}

/* ---- header ---- */

static void rpc_comment(Buf *h, const Method *m)
{
    buf_cat(h, "/* rpc ", m->name, "(", m->client_streaming ? "stream " : "", m->input_name,
            ") returns (", m->server_streaming ? "stream " : "", m->output_name, ") */\n", NULL);
}

static void method_types(TGen *g, const TMethod *t)
{
    const char *call = TFMT(g, "%s_Call *call", t->c);
    const char *req = TFMT(g, "const %s *req", t->in);
    const char *reply = TFMT(g, "%s *reply", t->out);
    buf_puts(&g->h, "\n");
    rpc_comment(&g->h, t->m);
    gen_trpc_handle_type(g, TFMT(g, "%s_Call", t->c), "trpc_call");
    if (gen_trpc_has_reply(t)) {
        const char *params[] = { call, req, reply, "void *user" };
        gen_trpc_fn_type(g, "trpc_status", TFMT(g, "%s_Handler", t->c), params, NITEMS(params));
    } else {
        const char *params[] = { call, req, "void *user" };
        gen_trpc_fn_type(g, "trpc_status", TFMT(g, "%s_Handler", t->c), params, NITEMS(params));
    }
    if (gen_trpc_streams_input(t)) {
        const char *md = "const trpc_metadata *metadata";
        if (gen_trpc_has_reply(t)) {
            const char *start[] = { call, md, reply, "void *user" };
            const char *end[] = { call, reply, "void *user" };
            gen_trpc_fn_type(g, "trpc_status", TFMT(g, "%s_Start", t->c), start, NITEMS(start));
            gen_trpc_fn_type(g, "trpc_status", TFMT(g, "%s_End", t->c), end, NITEMS(end));
        } else {
            const char *start[] = { call, md, "void *user" };
            const char *end[] = { call, "void *user" };
            gen_trpc_fn_type(g, "trpc_status", TFMT(g, "%s_Start", t->c), start, NITEMS(start));
            gen_trpc_fn_type(g, "trpc_status", TFMT(g, "%s_End", t->c), end, NITEMS(end));
        }
    }
    const char *done[] = { call, "trpc_done_reason why", "void *user" };
    gen_trpc_fn_type(g, "void", TFMT(g, "%s_Done", t->c), done, NITEMS(done));
}

void gen_trpc_server_header(TGen *g, TService *s)
{
    Buf *h = &g->h;
    const char *name = s->s->full_name;
    buf_cat(h, "\n/* ---- ", name, ": descriptors ---- */\n\n", NULL);
    if (s->n)
        buf_printf(h, "extern const trpc_method %s__trpc_methods[%zu];\n", s->lc, s->n);
    buf_cat(h, "extern const trpc_service ", s->lc, "__trpc_service;\n", NULL);

    buf_cat(h, "\n/* ---- ", name, ": server ---- */\n", NULL);
    if (s->n)
        buf_puts(h,
                 "\n/* Per method: its call type (call->base is the trpc_call the runtime's\n"
                 " * functions take) and its notification types: _Handler for a request\n"
                 " * message, for streaming input _Start when the call begins and _End when\n"
                 " * the input ends, and _Done when the call is over.  Handlers return a\n"
                 " * gRPC status that finishes the call, or TRPC_PENDING (typerpc/server.h). */\n");
    for (size_t i = 0; i < s->n; i++)
        method_types(g, &s->ms[i]);

    /* clang-format off */
    buf_cat(h, "\n/* The implementation: a NULL handler answers UNIMPLEMENTED; _start and\n"
               " * _done may be NULL; _end is required beside a streaming input's handler. */\n"
               "typedef struct ", s->c, "_Impl {\n", NULL);
    /* clang-format on */
    for (size_t i = 0; i < s->n; i++) {
        const TMethod *t = &s->ms[i];
        buf_cat(h, "    ", t->c, "_Handler *", t->member, ";\n", NULL);
        if (gen_trpc_streams_input(t)) {
            buf_cat(h, "    ", t->c, "_Start *", t->member, "_start;\n", NULL);
            buf_cat(h, "    ", t->c, "_End *", t->member, "_end;\n", NULL);
        }
        buf_cat(h, "    ", t->c, "_Done *", t->member, "_done;\n", NULL);
    }
    if (!s->n)
        buf_puts(h, "    char no_methods_; /* the service declares no methods */\n");
    buf_cat(h, "} ", s->c, "_Impl;\n", NULL);

    buf_puts(h, "\n/* Registers impl (borrowed: it must outlive the server) on srv; user is\n"
                " * passed to every notification.  Errors: TRPC_EINVAL, or those of\n"
                " * trpc_server_add_service(). */\n");
    TFn serve = fn_serve(g, s);
    gen_trpc_fn_declare(g, &serve);

    if (s->n)
        buf_puts(h,
                 "\n"
                 "/* __write queues a reply on a server stream (trpc_call_send()); __finish_call\n"
                 " * finishes a call the application holds, from any thread\n"
                 " * (trpc_call_finish()). */\n");
    for (size_t i = 0; i < s->n; i++) {
        const TMethod *t = &s->ms[i];
        if (gen_trpc_streams_output(t)) {
            TFn w = fn_write(g, t);
            gen_trpc_fn_declare(g, &w);
        }
        TFn f = fn_finish_call(g, t);
        gen_trpc_fn_declare(g, &f);
    }
}

/* ---- source ---- */

static void thunk_head(TGen *g, const char *ret, const char *name, const char *const *params,
                       size_t n, const TService *s)
{
    Buf *b = &g->src;
    buf_puts(b, "\n");
    gen_trpc_wrap(b, 0, TFMT(g, "static %s %s", ret, name), "(", params, n, ")", "",
                  GEN_TRPC_COLUMNS);
    buf_cat(b, "{\n    const ", s->c, "_Impl *t = impl;\n", NULL);
}

static void method_thunks(TGen *g, const TService *s, const TMethod *t)
{
    Buf *b = &g->src;
    const char *call = TFMT(g, "(%s_Call *)call", t->c);
    const char *reply = TFMT(g, "(%s *)reply", t->out);

    const char *msg_params[] = { "trpc_call *call", "const ProtobufCMessage *req",
                                 "ProtobufCMessage *reply", "const void *impl", "void *user" };
    thunk_head(g, "trpc_status", TFMT(g, "%s__serve_message", t->lc), msg_params,
               NITEMS(msg_params), s);
    const char *req = TFMT(g, "(const %s *)req", t->in);
    if (gen_trpc_has_reply(t)) {
        const char *args[] = { call, req, reply, "user" };
        gen_trpc_stmt(b, 4, TFMT(g, "return t->%s", t->member), args, NITEMS(args), ";");
    } else {
        const char *args[] = { call, req, "user" };
        buf_puts(b, "    (void)reply;\n");
        gen_trpc_stmt(b, 4, TFMT(g, "return t->%s", t->member), args, NITEMS(args), ";");
    }
    buf_puts(b, "}\n");

    if (gen_trpc_streams_input(t)) {
        const char *ev_params[] = { "trpc_call *call", "ProtobufCMessage *reply",
                                    "const void *impl", "void *user" };
        const char *md = "trpc_call_metadata(call)";
        thunk_head(g, "trpc_status", TFMT(g, "%s__serve_start", t->lc), ev_params,
                   NITEMS(ev_params), s);
        if (gen_trpc_has_reply(t)) {
            const char *args[] = { call, md, reply, "user" };
            gen_trpc_stmt(b, 4, TFMT(g, "return t->%s_start", t->member), args, NITEMS(args), ";");
        } else {
            const char *args[] = { call, md, "user" };
            buf_puts(b, "    (void)reply;\n");
            gen_trpc_stmt(b, 4, TFMT(g, "return t->%s_start", t->member), args, NITEMS(args), ";");
        }
        buf_puts(b, "}\n");

        thunk_head(g, "trpc_status", TFMT(g, "%s__serve_end", t->lc), ev_params, NITEMS(ev_params),
                   s);
        if (gen_trpc_has_reply(t)) {
            const char *args[] = { call, reply, "user" };
            gen_trpc_stmt(b, 4, TFMT(g, "return t->%s_end", t->member), args, NITEMS(args), ";");
        } else {
            const char *args[] = { call, "user" };
            buf_puts(b, "    (void)reply;\n");
            gen_trpc_stmt(b, 4, TFMT(g, "return t->%s_end", t->member), args, NITEMS(args), ";");
        }
        buf_puts(b, "}\n");
    }

    const char *done_params[] = { "trpc_call *call", "trpc_done_reason why", "const void *impl",
                                  "void *user" };
    thunk_head(g, "void", TFMT(g, "%s__serve_done", t->lc), done_params, NITEMS(done_params), s);
    const char *args[] = { call, "why", "user" };
    gen_trpc_stmt(b, 4, TFMT(g, "t->%s_done", t->member), args, NITEMS(args), ";");
    buf_puts(b, "}\n");
}

/* `.FIELD = impl->MEMBER ? THUNK : NULL,` at indent 12, broken after '='
 * when it does not fit. */
static void handler_field(TGen *g, const char *field, const char *member, const char *thunk)
{
    const char *value = TFMT(g, "impl->%s ? %s : NULL,", member, thunk);
    if (12 + strlen(field) + 4 + strlen(value) <= GEN_TRPC_COLUMNS)
        buf_cat(&g->src, "            .", field, " = ", value, "\n", NULL);
    else
        buf_cat(&g->src, "            .", field, " =\n                ", value, "\n", NULL);
}

static void define_serve(TGen *g, const TService *s)
{
    Buf *b = &g->src;
    TFn serve = fn_serve(g, s);
    gen_trpc_fn_define(g, &serve);
    buf_puts(b, "{\n"
                "    if (!impl) {\n"
                "        return TRPC_EINVAL;\n"
                "    }\n");
    if (s->n) {
        buf_printf(b, "    const trpc_method_handlers handlers[%zu] = {\n", s->n);
        for (size_t i = 0; i < s->n; i++) {
            const TMethod *t = &s->ms[i];
            buf_cat(b, "        {\n", NULL);
            handler_field(g, "on_message", t->member, TFMT(g, "%s__serve_message", t->lc));
            if (gen_trpc_streams_input(t)) {
                handler_field(g, "on_start", TFMT(g, "%s_start", t->member),
                              TFMT(g, "%s__serve_start", t->lc));
                handler_field(g, "on_end", TFMT(g, "%s_end", t->member),
                              TFMT(g, "%s__serve_end", t->lc));
            }
            handler_field(g, "on_done", TFMT(g, "%s_done", t->member),
                          TFMT(g, "%s__serve_done", t->lc));
            buf_puts(b, "        },\n");
        }
        buf_puts(b, "    };\n");
    } else {
        buf_puts(b, "    const trpc_method_handlers handlers[1] = { { 0 } }; /* no methods */\n");
    }
    const char *add[] = { "srv", TFMT(g, "&%s__trpc_service", s->lc), "handlers", "impl", "user" };
    gen_trpc_stmt(b, 4, "return trpc_server_add_service", add, NITEMS(add), ";");
    buf_puts(b, "}\n");
}

void gen_trpc_server_source(TGen *g, TService *s)
{
    Buf *b = &g->src;
    buf_cat(b, "\n/* ---- ", s->s->full_name, ": descriptors ---- */\n", NULL);
    if (s->n) {
        buf_printf(b, "\nconst trpc_method %s__trpc_methods[%zu] = {\n", s->lc, s->n);
        for (size_t i = 0; i < s->n; i++) {
            TMethod *t = &s->ms[i];
            const char *items[] = { TFMT(g, "\"/%s/%s\"", s->s->full_name, t->m->name),
                                    TFMT(g, "&%s", t->in_desc), TFMT(g, "&%s", t->out_desc),
                                    kind_names[t->kind] };
            gen_trpc_wrap(b, 4, "", "{ ", items, NITEMS(items), " },", "", GEN_TRPC_COLUMNS);
        }
        buf_puts(b, "};\n");
    }
    buf_cat(b, "\nconst trpc_service ", s->lc, "__trpc_service = {\n", NULL);
    const char *svc_items[] = { TFMT(g, "\"%s\"", s->s->full_name), TFMT(g, "%zu", s->n),
                                s->n ? TFMT(g, "%s__trpc_methods", s->lc) : "NULL",
                                g->file->descriptor
                                    ? TFMT(g, "&%s", gen_file_descriptor_symbol(
                                                         g->arena, g->file->name))
                                    : "NULL" };
    gen_trpc_wrap(b, 4, "", "", svc_items, NITEMS(svc_items), "", "", GEN_TRPC_COLUMNS);
    buf_puts(b, "};\n");

    buf_cat(b, "\n/* ---- ", s->s->full_name, ": server ---- */\n", NULL);
    if (s->n)
        buf_puts(b, "\n/* Thunks from the runtime's generic notifications to the typed ones.  A\n"
                    " * trpc_call starts with its own address, the base of every call type. */\n");
    for (size_t i = 0; i < s->n; i++)
        method_thunks(g, s, &s->ms[i]);

    define_serve(g, s);

    for (size_t i = 0; i < s->n; i++) {
        const TMethod *t = &s->ms[i];
        if (gen_trpc_streams_output(t)) {
            TFn w = fn_write(g, t);
            gen_trpc_fn_define(g, &w);
            buf_puts(b, "{\n"
                        "    if (!call) {\n"
                        "        return TRPC_EINVAL;\n"
                        "    }\n"
                        "    return trpc_call_send(call->base, (const ProtobufCMessage *)msg);\n"
                        "}\n");
        }
        TFn f = fn_finish_call(g, t);
        gen_trpc_fn_define(g, &f);
        buf_puts(b, "{\n"
                    "    if (!call) {\n"
                    "        return TRPC_EINVAL;\n"
                    "    }\n"
                    "    return trpc_call_finish(call->base, code);\n"
                    "}\n");
    }
}
