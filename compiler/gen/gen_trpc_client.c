/*
 * gen_trpc_client.c — a service's client side.
 *
 * Header: the service's client type (`struct { trpc_channel *const base; }`)
 * and __client, which puts a channel under it; per unary method a result
 * type and its callback type; per streaming method a stream type and its
 * callback types; then the client functions grouped by call kind (unary,
 * server streaming, client streaming, bidi), each declared with its name in
 * parentheses and shadowed by a guarding macro. Every function takes the
 * service's client or the method's stream, never a trpc_channel or a
 * trpc_stream, so a stub of one service cannot be called with another's
 * client, and callbacks carry the method's own types.
 * Source: the functions, forwarding to trpc_channel_* / trpc_stream_* with
 * the method's entry in the service's table, and static thunks that call
 * the typed callbacks through their own types. Replies are received into a
 * local ProtobufCMessage * and stored through the typed pointer, never
 * written through a cast pointer-to-pointer.
 */
#include "internal.h"

/* ---- the functions of each kind ---- */

static void p_client(TGen *g, TFn *fn, const TService *s)
{
    gen_trpc_fn_param(fn, TFMT(g, "%s_Client *client", s->c), "client", G_OUT,
                      TFMT(g, "%s_Client *", s->c));
}

static void p_stream(TGen *g, TFn *fn, const TMethod *t)
{
    gen_trpc_fn_param(fn, TFMT(g, "%s_Stream *stream", t->c), "stream", G_OUT,
                      TFMT(g, "%s_Stream *", t->c));
}

static void p_req(TGen *g, TFn *fn, const TMethod *t)
{
    gen_trpc_fn_param(fn, TFMT(g, "const %s *req", t->in), "req", G_IN, t->in);
}

static void p_opts(TFn *fn)
{
    gen_trpc_fn_param(fn, "const trpc_call_opts *opts", "opts", G_OPT, "trpc_call_opts");
}

static void p_out_msg(TGen *g, TFn *fn, const TMethod *t, const char *name)
{
    gen_trpc_fn_param(fn, TFMT(g, "%s **%s", t->out, name), name, G_OUT, TFMT(g, "%s **", t->out));
}

static TFn fn_named(TGen *g, const char *ret, const TMethod *t, const char *verb)
{
    TFn fn = { ret, *verb ? TFMT(g, "%s__%s", t->lc, verb) : t->lc, { { 0 } }, 0 };
    return fn;
}

static TFn fn_client(TGen *g, const TService *s)
{
    TFn fn = { TFMT(g, "%s_Client *", s->c), TFMT(g, "%s__client", s->lc), { { 0 } }, 0 };
    gen_trpc_fn_param(&fn, "trpc_channel *ch", "ch", G_OUT, "trpc_channel *");
    return fn;
}

static TFn fn_unary(TGen *g, const TService *s, const TMethod *t)
{
    TFn fn = fn_named(g, "trpc_status", t, "");
    p_client(g, &fn, s);
    p_req(g, &fn, t);
    p_out_msg(g, &fn, t, "reply");
    p_opts(&fn);
    return fn;
}

static TFn fn_unary_async(TGen *g, const TService *s, const TMethod *t)
{
    TFn fn = fn_named(g, "trpc_error", t, "async");
    p_client(g, &fn, s);
    p_req(g, &fn, t);
    p_opts(&fn);
    gen_trpc_fn_param(&fn, TFMT(g, "%s_OnResult *done", t->c), "done", G_OUT,
                      TFMT(g, "%s_OnResult *", t->c));
    gen_trpc_fn_param(&fn, "void *user", "user", G_PLAIN, NULL);
    return fn;
}

static TFn fn_start(TGen *g, const TService *s, const TMethod *t, bool async)
{
    TFn fn = fn_named(g, "trpc_error", t, async ? "start_async" : "start");
    gen_trpc_fn_param(&fn, TFMT(g, "%s_Stream **out", t->c), "out", G_OUT,
                      TFMT(g, "%s_Stream **", t->c));
    p_client(g, &fn, s);
    if (t->kind == TK_SERVER_STREAMING)
        p_req(g, &fn, t);
    p_opts(&fn);
    if (async) {
        gen_trpc_fn_param(&fn, TFMT(g, "%s_OnMessage *on_message", t->c), "on_message", G_OUT,
                          TFMT(g, "%s_OnMessage *", t->c));
        gen_trpc_fn_param(&fn, TFMT(g, "%s_OnStatus *on_status", t->c), "on_status", G_OUT,
                          TFMT(g, "%s_OnStatus *", t->c));
        gen_trpc_fn_param(&fn, "void *user", "user", G_PLAIN, NULL);
    }
    return fn;
}

static TFn fn_on_stream(TGen *g, const TMethod *t, const char *ret, const char *verb)
{
    TFn fn = fn_named(g, ret, t, verb);
    p_stream(g, &fn, t);
    return fn;
}

static TFn fn_send(TGen *g, const TMethod *t)
{
    TFn fn = fn_on_stream(g, t, "trpc_error", "send");
    gen_trpc_fn_param(&fn, TFMT(g, "const %s *msg", t->in), "msg", G_IN, t->in);
    return fn;
}

static TFn fn_recv(TGen *g, const TMethod *t)
{
    TFn fn = fn_on_stream(g, t, "bool", "recv");
    p_out_msg(g, &fn, t, "msg");
    return fn;
}

static TFn fn_finish(TGen *g, const TMethod *t)
{
    TFn fn = fn_on_stream(g, t, "trpc_status", "finish");
    if (t->kind == TK_CLIENT_STREAMING)
        p_out_msg(g, &fn, t, "reply");
    return fn;
}

/* The client functions of a method, in the order both files list them. */
static size_t method_fns(TGen *g, const TService *s, const TMethod *t, TFn *out)
{
    size_t n = 0;
    switch (t->kind) {
    case TK_UNARY:
        out[n++] = fn_unary(g, s, t);
        out[n++] = fn_unary_async(g, s, t);
        break;
    case TK_SERVER_STREAMING:
        out[n++] = fn_start(g, s, t, false);
        out[n++] = fn_start(g, s, t, true);
        out[n++] = fn_recv(g, t);
        out[n++] = fn_on_stream(g, t, "void", "cancel");
        out[n++] = fn_finish(g, t);
        break;
    case TK_CLIENT_STREAMING:
        out[n++] = fn_start(g, s, t, false);
        out[n++] = fn_start(g, s, t, true);
        out[n++] = fn_send(g, t);
        out[n++] = fn_on_stream(g, t, "trpc_error", "close_send");
        out[n++] = fn_on_stream(g, t, "void", "cancel");
        out[n++] = fn_finish(g, t);
        break;
    case TK_BIDI:
        out[n++] = fn_start(g, s, t, false);
        out[n++] = fn_start(g, s, t, true);
        out[n++] = fn_send(g, t);
        out[n++] = fn_on_stream(g, t, "trpc_error", "close_send");
        out[n++] = fn_recv(g, t);
        out[n++] = fn_on_stream(g, t, "void", "cancel");
        out[n++] = fn_finish(g, t);
        break;
    }
    return n;
}

/* ---- header ---- */

static const char *const group_comment[] = {
    [TK_UNARY] = "/* Unary: the blocking call (trpc_channel_unary()) and the async one\n"
                 " * (trpc_channel_unary_async()). */\n",
    [TK_SERVER_STREAMING] =
        "/* Server streaming: __start with the request, __recv replies until false,\n"
        " * __finish (trpc_stream_*). */\n",
    [TK_CLIENT_STREAMING] =
        "/* Client streaming: __start, __send requests, __finish (half-closes, waits\n"
        " * for the reply and the status); an async stream's reply comes to\n"
        " * on_message, after __close_send. */\n",
    [TK_BIDI] = "/* Bidirectional: __start, __send and __recv in any order, __close_send,\n"
                " * __finish. */\n",
};

static void method_types(TGen *g, const TMethod *t)
{
    Buf *h = &g->h;
    buf_puts(h, "\n");
    if (t->kind == TK_UNARY) {
        /* clang-format off */
        buf_cat(h, "typedef struct ", t->c, "_Result {\n"
                   "    trpc_status status;\n"
                   "    const char *message;           /* status message, or NULL */\n"
                   "    ", t->out, " *reply;", NULL);
        /* clang-format on */
        size_t width = 4 + strlen(t->out) + 8;
        for (size_t i = width; i < 35; i++)
            buf_putc(h, ' ');
        /* clang-format off */
        buf_cat(h, width < 35 ? "" : " ", "/* NULL unless OK; the callback owns it */\n"
                   "    const trpc_metadata *headers;  /* never NULL */\n"
                   "    const trpc_metadata *trailers; /* never NULL */\n"
                   "} ", t->c, "_Result;\n", NULL);
        /* clang-format on */
        const char *params[] = { TFMT(g, "const %s_Result *result", t->c), "void *user" };
        gen_trpc_fn_type(g, "void", TFMT(g, "%s_OnResult", t->c), params, NITEMS(params));
        return;
    }
    gen_trpc_handle_type(g, TFMT(g, "%s_Stream", t->c), "trpc_stream");
    const char *stream = TFMT(g, "%s_Stream *stream", t->c);
    const char *on_msg[] = { stream, TFMT(g, "%s *msg", t->out), "void *user" };
    gen_trpc_fn_type(g, "void", TFMT(g, "%s_OnMessage", t->c), on_msg, NITEMS(on_msg));
    const char *on_status[] = { stream, "trpc_status code", "const char *message", "void *user" };
    gen_trpc_fn_type(g, "void", TFMT(g, "%s_OnStatus", t->c), on_status, NITEMS(on_status));
}

void gen_trpc_client_header(TGen *g, TService *s)
{
    Buf *h = &g->h;
    /* clang-format off */
    buf_cat(h, "\n/* ---- ", s->s->full_name, ": client ---- */\n\n"
               "/* The service's client: a channel under this service's type, made with\n"
               " * ", s->lc, "__client(ch) (NULL for NULL); client->base is the channel. */\n",
            NULL);
    /* clang-format on */
    gen_trpc_handle_type(g, TFMT(g, "%s_Client", s->c), "trpc_channel");
    TFn client = fn_client(g, s);
    gen_trpc_fn_declare(g, &client);

    if (s->n)
        buf_puts(h, "\n/* Per unary method, the outcome its async callback gets; per streaming\n"
                    " * method, its stream type (stream->base is the trpc_stream) and the\n"
                    " * callbacks of an async stream: on_message owns msg, on_status runs once,\n"
                    " * last. */");
    for (size_t i = 0; i < s->n; i++)
        method_types(g, &s->ms[i]);

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
            TFn fns[8];
            size_t n = method_fns(g, s, t, fns);
            for (size_t k = 0; k < n; k++)
                gen_trpc_fn_declare(g, &fns[k]);
        }
    }
}

/* ---- source ---- */

/* `if (!COND) { return VALUE; }`: the NULL checks that keep a bad argument
 * from crashing (the guards reject literal NULLs at compile time). */
static void check(TGen *g, const char *cond, const char *value)
{
    /* clang-format off */
    buf_cat(&g->src, "    if (", cond, ") {\n"
                     "        return ", value, ";\n"
                     "    }\n", NULL);
    /* clang-format on */
}

static const char *method_ref(TGen *g, const TService *s, const TMethod *t)
{
    return TFMT(g, "&%s__trpc_methods[%zu]", s->lc, t->index);
}

static void define_unary(TGen *g, const TService *s, const TMethod *t, TFn *fns)
{
    Buf *b = &g->src;
    gen_trpc_fn_define(g, &fns[0]);
    buf_puts(b, "{\n"
                "    ProtobufCMessage *msg = NULL;\n");
    const char *args[] = { "client ? client->base : NULL", method_ref(g, s, t),
                           "(const ProtobufCMessage *)req", "reply ? &msg : NULL", "opts" };
    gen_trpc_stmt(b, 4, "trpc_status st = trpc_channel_unary", args, NITEMS(args), ";");
    /* clang-format off */
    buf_cat(b, "    if (reply) {\n"
               "        *reply = (", t->out, " *)msg;\n"
               "    }\n"
               "    return st;\n"
               "}\n", NULL);
    /* clang-format on */

    /* The async completion thunk. */
    const char *params[] = { "const trpc_unary_result *r", "trpc_fn fn", "void *user" };
    buf_puts(b, "\n");
    gen_trpc_wrap(b, 0, TFMT(g, "static void %s__on_result", t->lc), "(", params, NITEMS(params),
                  ")", "", GEN_TRPC_COLUMNS);
    /* clang-format off */
    buf_cat(b, "{\n"
               "    const ", t->c, "_Result result = {\n"
               "        .status = r->status,\n"
               "        .message = r->message,\n"
               "        .reply = (", t->out, " *)r->reply,\n"
               "        .headers = r->headers,\n"
               "        .trailers = r->trailers,\n"
               "    };\n"
               "    ((", t->c, "_OnResult *)fn)(&result, user);\n"
               "}\n", NULL);
    /* clang-format on */

    gen_trpc_fn_define(g, &fns[1]);
    buf_puts(b, "{\n");
    check(g, "!client || !done", "TRPC_EINVAL");
    /* clang-format off */
    const char *async_args[] = { "client->base", method_ref(g, s, t),
                                 "(const ProtobufCMessage *)req", "opts",
                                 TFMT(g, "%s__on_result", t->lc), "(trpc_fn)done", "user" };
    /* clang-format on */
    gen_trpc_stmt(b, 4, "return trpc_channel_unary_async", async_args, NITEMS(async_args), ";");
    buf_puts(b, "}\n");
}

/* A server-streaming call's one request, sent and half-closed right after
 * the start. Blocking: a call that has already ended (TRPC_ECLOSED) tells
 * its status at __finish, any other failure ends the stream here. Async:
 * the stream has started, so its end comes to on_status whatever happens;
 * a failure cancels it. */
static void send_request(TGen *g, bool async)
{
    if (async) {
        buf_puts(&g->src,
                 "    if (trpc_stream_send(s, (const ProtobufCMessage *)req) != TRPC_OK ||\n"
                 "        trpc_stream_close_send(s) != TRPC_OK) {\n"
                 "        trpc_stream_cancel(s);\n"
                 "    }\n");
        return;
    }
    buf_puts(&g->src, "    rv = trpc_stream_send(s, (const ProtobufCMessage *)req);\n"
                      "    if (rv == TRPC_OK) {\n"
                      "        rv = trpc_stream_close_send(s);\n"
                      "    }\n"
                      "    if (rv != TRPC_OK && rv != TRPC_ECLOSED) {\n"
                      "        trpc_stream_cancel(s);\n"
                      "        (void)trpc_stream_finish(s);\n"
                      "        return rv;\n"
                      "    }\n");
}

/* The stream thunks and __start / __start_async (fns[0], fns[1]). */
static void define_start(TGen *g, const TService *s, const TMethod *t, TFn *fns)
{
    Buf *b = &g->src;
    const char *method = method_ref(g, s, t);
    bool req = t->kind == TK_SERVER_STREAMING;

    gen_trpc_fn_define(g, &fns[0]);
    buf_puts(b, "{\n");
    check(g, req ? "!out || !client || !req" : "!out || !client", "TRPC_EINVAL");
    buf_puts(b, "    trpc_stream *s;\n");
    const char *args[] = { "&s", "client->base", method, "opts" };
    gen_trpc_stmt(b, 4, "trpc_error rv = trpc_stream_start", args, NITEMS(args), ";");
    buf_puts(b, "    if (rv != TRPC_OK) {\n"
                "        return rv;\n"
                "    }\n");
    if (req)
        send_request(g, false);
    /* clang-format off */
    buf_cat(b, "    *out = (", t->c, "_Stream *)s;\n"
               "    return TRPC_OK;\n"
               "}\n", NULL);
    /* clang-format on */

    const char *on_msg[] = { "trpc_stream *s", "ProtobufCMessage *msg", "trpc_fn fn",
                             "void *user" };
    buf_puts(b, "\n");
    gen_trpc_wrap(b, 0, TFMT(g, "static void %s__on_message", t->lc), "(", on_msg, NITEMS(on_msg),
                  ")", "", GEN_TRPC_COLUMNS);
    buf_puts(b, "{\n");
    const char *msg_args[] = { TFMT(g, "(%s_Stream *)s", t->c), TFMT(g, "(%s *)msg", t->out),
                               "user" };
    gen_trpc_stmt(b, 4, TFMT(g, "((%s_OnMessage *)fn)", t->c), msg_args, NITEMS(msg_args), ";");
    buf_puts(b, "}\n\n");
    const char *on_status[] = { "trpc_stream *s", "trpc_status code", "const char *message",
                                "trpc_fn fn", "void *user" };
    gen_trpc_wrap(b, 0, TFMT(g, "static void %s__on_status", t->lc), "(", on_status,
                  NITEMS(on_status), ")", "", GEN_TRPC_COLUMNS);
    buf_puts(b, "{\n");
    const char *status_args[] = { TFMT(g, "(%s_Stream *)s", t->c), "code", "message", "user" };
    gen_trpc_stmt(b, 4, TFMT(g, "((%s_OnStatus *)fn)", t->c), status_args, NITEMS(status_args),
                  ";");
    buf_puts(b, "}\n");

    gen_trpc_fn_define(g, &fns[1]);
    buf_puts(b, "{\n");
    check(g, req ? "!out || !client || !req || !on_status" : "!out || !client || !on_status",
          "TRPC_EINVAL");
    buf_puts(b, "    const trpc_stream_handlers h = {\n");
    const char *on_message = TFMT(g, "on_message ? %s__on_message : NULL,", t->lc);
    if (8 + strlen(".on_message = ") + strlen(on_message) <= GEN_TRPC_COLUMNS)
        buf_cat(b, "        .on_message = ", on_message, "\n", NULL);
    else
        buf_cat(b, "        .on_message =\n            ", on_message, "\n", NULL);
    /* clang-format off */
    buf_cat(b, "        .on_status = ", t->lc, "__on_status,\n"
               "        .message_fn = (trpc_fn)on_message,\n"
               "        .status_fn = (trpc_fn)on_status,\n"
               "    };\n"
               "    trpc_stream *s;\n", NULL);
    /* clang-format on */
    const char *async_args[] = { "&s", "client->base", method, "opts", "&h", "user" };
    gen_trpc_stmt(b, 4, "trpc_error rv = trpc_stream_start_async", async_args, NITEMS(async_args),
                  ";");
    buf_puts(b, "    if (rv != TRPC_OK) {\n"
                "        return rv;\n"
                "    }\n");
    if (req)
        send_request(g, true);
    /* clang-format off */
    buf_cat(b, "    *out = (", t->c, "_Stream *)s;\n"
               "    return TRPC_OK;\n"
               "}\n", NULL);
    /* clang-format on */
}

static void define_stream_fn(TGen *g, const TMethod *t, const TFn *fn)
{
    Buf *b = &g->src;
    const char *v = fn->name + strlen(t->lc) + 2;
    gen_trpc_fn_define(g, fn);
    buf_puts(b, "{\n");
    if (strcmp(v, "recv") == 0) {
        check(g, "!stream || !msg", "false");
        /* clang-format off */
        buf_cat(b, "    ProtobufCMessage *m = NULL;\n"
                   "    bool got = trpc_stream_recv(stream->base, &m);\n"
                   "    *msg = (", t->out, " *)m;\n"
                   "    return got;\n", NULL);
        /* clang-format on */
    } else if (strcmp(v, "send") == 0) {
        check(g, "!stream", "TRPC_EINVAL");
        buf_puts(b, "    return trpc_stream_send(stream->base, (const ProtobufCMessage *)msg);\n");
    } else if (strcmp(v, "close_send") == 0) {
        check(g, "!stream", "TRPC_EINVAL");
        buf_puts(b, "    return trpc_stream_close_send(stream->base);\n");
    } else if (strcmp(v, "cancel") == 0) {
        buf_puts(b, "    if (stream) {\n"
                    "        trpc_stream_cancel(stream->base);\n"
                    "    }\n");
    } else if (t->kind == TK_CLIENT_STREAMING) {
        check(g, "!stream", "TRPC_STATUS_INVALID_ARGUMENT");
        /* clang-format off */
        buf_cat(b,
                "    ProtobufCMessage *m = NULL;\n"
                "    trpc_status st = trpc_stream_finish_unary(stream->base, reply ? &m : NULL);\n"
                "    if (reply) {\n"
                "        *reply = (", t->out, " *)m;\n"
                "    }\n"
                "    return st;\n", NULL);
        /* clang-format on */
    } else {
        check(g, "!stream", "TRPC_STATUS_INVALID_ARGUMENT");
        buf_puts(b, "    return trpc_stream_finish(stream->base);\n");
    }
    buf_puts(b, "}\n");
}

void gen_trpc_client_source(TGen *g, TService *s)
{
    Buf *b = &g->src;
    buf_cat(b, "\n/* ---- ", s->s->full_name, ": client ---- */\n", NULL);
    TFn client = fn_client(g, s);
    gen_trpc_fn_define(g, &client);
    /* clang-format off */
    buf_cat(b, "{\n"
               "    /* A trpc_channel starts with its own address, the base of every client. */\n"
               "    return (", s->c, "_Client *)ch;\n"
               "}\n", NULL);
    /* clang-format on */
    for (int kind = TK_UNARY; kind <= TK_BIDI; kind++) {
        for (size_t i = 0; i < s->n; i++) {
            TMethod *t = &s->ms[i];
            if ((int)t->kind != kind)
                continue;
            TFn fns[8];
            size_t n = method_fns(g, s, t, fns);
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
