/*
 * gen_trpc_server.c — a service's descriptors and its server side.
 *
 * Header: the method table and service descriptor, a distinct incomplete
 * writer type per streamed-reply method, a handler function type per
 * method, the _Impl table, __serve, and the typed __write functions.
 * Source: the tables, one thunk per method (a generic trpc_handler that
 * calls the typed handler through its own type, never through an
 * incompatible pointer), __serve, __write.
 */
#include "gen_trpc_internal.h"

static const char *const kind_names[] = {
    [TK_UNARY] = "TRPC_UNARY",
    [TK_SERVER_STREAMING] = "TRPC_SERVER_STREAMING",
    [TK_CLIENT_STREAMING] = "TRPC_CLIENT_STREAMING",
    [TK_BIDI] = "TRPC_BIDI_STREAMING",
};

static const char *out_param(TGen *g, const TMethod *t)
{
    return trpc_has_writer(t) ? TFMT(g, "%s_Writer *out", t->c) : TFMT(g, "%s *reply", t->out);
}

void trpc_header_server(TGen *g, TService *s)
{
    Buf *h = &g->h;
    buf_cat(h, "\n/* ---- descriptors (service ", s->s->full_name, ") ---- */\n\n", NULL);
    if (s->n)
        buf_printf(h, "extern const trpc_method %s[%zu];\n", s->methods, s->n);
    buf_cat(h, "extern const trpc_service ", s->service, ";\n", NULL);

    buf_puts(h, "\n/* ---- server ---- */\n");
    bool writers = false;
    for (size_t i = 0; i < s->n; i++) {
        TMethod *t = &s->ms[i];
        if (!trpc_has_writer(t))
            continue;
        if (!writers)
            buf_puts(h, "\n/* Writers: the call, typed so only the method's reply type can be "
                        "written. */\n");
        writers = true;
        buf_cat(h, "typedef struct ", t->c, "_Writer ", t->c, "_Writer;\n", NULL);
    }

    if (s->n)
        buf_puts(h, "\n");
    for (size_t i = 0; i < s->n; i++) {
        TMethod *t = &s->ms[i];
        Method *m = t->m;
        buf_cat(h, "/* rpc ", m->name, "(", m->client_streaming ? "stream " : "", m->input_name,
                ") returns (", m->server_streaming ? "stream " : "", m->output_name, ")", NULL);
        if (m->client_streaming)
            buf_puts(h, ":\n * req is NULL at the end of the request stream. */\n");
        else
            buf_puts(h, " */\n");
        const char *params[] = { "trpc_call *call", TFMT(g, "const %s *req", t->in),
                                 out_param(g, t), "void *user" };
        trpc_wrap(h, 0, TFMT(g, "typedef trpc_status %s_Handler", t->c), "(", params,
                  NITEMS(params), ")", ";", TRPC_COLUMNS);
    }

    buf_cat(h, "\n/* The implementation table; a NULL entry answers UNIMPLEMENTED. */\n"
               "typedef struct ", s->c, "_Impl {\n", NULL);
    for (size_t i = 0; i < s->n; i++)
        buf_cat(h, "    ", s->ms[i].c, "_Handler *", s->ms[i].member, ";\n", NULL);
    if (!s->n)
        buf_puts(h, "    char no_methods_; /* the service declares no methods */\n");
    buf_cat(h, "} ", s->c, "_Impl;\n", NULL);

    buf_puts(h, "\n/* Registers impl (borrowed: it must outlive the server) on srv; user is\n"
                " * passed to every handler.  Returns 0 or a trpc_server_add_service() error. */\n");
    if (strcmp(s->serve + strlen(s->lc), "__serve") != 0)
        buf_cat(h, "/* Named ", s->serve, ": protoc-c would give the function of\n"
                " * the method Serve the name ", s->lc, "__serve. */\n", NULL);
    const char *serve_params[] = { "trpc_server *srv", TFMT(g, "const %s_Impl *impl", s->c),
                                   "void *user" };
    trpc_proto(h, "int", s->serve, serve_params, NITEMS(serve_params), ";");
    const char *serve_args[] = { "srv", "impl", "user" };
    const char *serve_items[] = { "(srv)", TFMT(g, "TRPC_IN(%s_Impl, impl)", s->c), "(user)" };
    trpc_macro(g, s->serve, serve_args, NITEMS(serve_args), s->serve, serve_items,
               NITEMS(serve_items));

    if (writers)
        buf_puts(h, "\n/* Queues one reply on a server stream (see trpc_call_send()). */\n");
    for (size_t i = 0; i < s->n; i++) {
        TMethod *t = &s->ms[i];
        if (!trpc_has_writer(t))
            continue;
        const char *name = TFMT(g, "%s__write", t->lc);
        const char *params[] = { TFMT(g, "%s_Writer *out", t->c),
                                 TFMT(g, "const %s *msg", t->out) };
        trpc_proto(h, "int", name, params, NITEMS(params), ";");
        const char *args[] = { "out", "msg" };
        const char *items[] = { TFMT(g, "TRPC_OUT(%s_Writer *, out)", t->c),
                                TFMT(g, "TRPC_IN(%s, msg)", t->out) };
        trpc_macro(g, name, args, NITEMS(args), name, items, NITEMS(items));
    }
}

void trpc_source_server(TGen *g, TService *s)
{
    Buf *b = &g->src;
    if (s->n) {
        buf_printf(b, "\nconst trpc_method %s[%zu] = {\n", s->methods, s->n);
        for (size_t i = 0; i < s->n; i++) {
            TMethod *t = &s->ms[i];
            const char *items[] = { TFMT(g, "\"/%s/%s\"", s->s->full_name, t->m->name),
                                    TFMT(g, "&%s", t->in_desc), TFMT(g, "&%s", t->out_desc),
                                    kind_names[t->kind] };
            trpc_wrap(b, 4, "", "{ ", items, NITEMS(items), " },", "", TRPC_COLUMNS);
        }
        buf_puts(b, "};\n");
    }
    buf_cat(b, "\nconst trpc_service ", s->service, " = {\n", NULL);
    const char *svc_items[] = { TFMT(g, "\"%s\"", s->s->full_name), TFMT(g, "%zu", s->n),
                                s->n ? s->methods : "NULL" };
    trpc_wrap(b, 4, "", "", svc_items, NITEMS(svc_items), "", "", TRPC_COLUMNS);
    buf_puts(b, "};\n");

    if (s->n)
        buf_puts(b, "\n/* ---- server: thunks from the generic handler to the typed ones ---- */\n");
    for (size_t i = 0; i < s->n; i++) {
        TMethod *t = &s->ms[i];
        const char *params[] = { "trpc_call *call", "const ProtobufCMessage *in", "void *out",
                                 "const void *impl", "void *user" };
        buf_puts(b, "\n");
        trpc_wrap(b, 0, TFMT(g, "static trpc_status %s__thunk", t->lc), "(", params,
                  NITEMS(params), ")", "", TRPC_COLUMNS);
        buf_cat(b, "{\n    const ", s->c, "_Impl *t = impl;\n", NULL);
        const char *args[] = { "call", TFMT(g, "(const %s *)in", t->in),
                               trpc_has_writer(t) ? TFMT(g, "(%s_Writer *)out", t->c)
                                                  : TFMT(g, "(%s *)out", t->out),
                               "user" };
        trpc_wrap(b, 4, TFMT(g, "return t->%s", t->member), "(", args, NITEMS(args), ")", ";",
                  TRPC_COLUMNS);
        buf_puts(b, "}\n");
    }

    const char *serve_params[] = { "trpc_server *srv", TFMT(g, "const %s_Impl *impl", s->c),
                                   "void *user" };
    buf_puts(b, "\n");
    trpc_proto(b, "int", s->serve, serve_params, NITEMS(serve_params), "");
    buf_puts(b, "{\n"
                "    if (!impl) {\n"
                "        return TRPC_EINVAL;\n"
                "    }\n");
    if (s->n) {
        buf_printf(b, "    const trpc_handler handlers[%zu] = {\n", s->n);
        for (size_t i = 0; i < s->n; i++)
            buf_cat(b, "        impl->", s->ms[i].member, " ? ", s->ms[i].lc, "__thunk : NULL,\n",
                    NULL);
        buf_puts(b, "    };\n");
    }
    const char *add[] = { "srv", TFMT(g, "&%s", s->service), s->n ? "handlers" : "NULL", "impl",
                          "user" };
    trpc_wrap(b, 4, "return trpc_server_add_service", "(", add, NITEMS(add), ")", ";",
              TRPC_COLUMNS);
    buf_puts(b, "}\n");

    for (size_t i = 0; i < s->n; i++) {
        TMethod *t = &s->ms[i];
        if (!trpc_has_writer(t))
            continue;
        const char *params[] = { TFMT(g, "%s_Writer *out", t->c),
                                 TFMT(g, "const %s *msg", t->out) };
        buf_puts(b, "\n");
        trpc_proto(b, "int", TFMT(g, "%s__write", t->lc), params, NITEMS(params), "");
        buf_puts(b, "{\n"
                    "    return trpc_call_send((trpc_call *)out, &msg->base);\n"
                    "}\n");
    }
}
