/*
 * forward.c: what the generated code for tests/runtime/proto/echo.proto
 * hands to the runtime, run against fake_runtime.c. Each check names the
 * rule of docs/service-api.md it holds the generated code to.
 */
#include <stdio.h>
#include <stdlib.h>

#include "echo.trpc.h"
#include "fake_runtime.h"

static int failures;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

static void reset(void)
{
    fake = (Fake){ 0 };
}

/* ---- server ---- */

static struct {
    void *call;
    const void *req;
    void *reply;
    const trpc_metadata *md;
    void *user;
    trpc_done_reason why;
    int n;
} seen;

static trpc_status unary(Echo__Echo_Unary_Call *call, const Echo__EchoRequest *req,
                         Echo__EchoReply *reply, void *user)
{
    seen.call = call, seen.req = req, seen.reply = reply, seen.user = user, seen.n++;
    return TRPC_STATUS_NOT_FOUND;
}

static void unary_done(Echo__Echo_Unary_Call *call, trpc_done_reason why, void *user)
{
    seen.call = call, seen.why = why, seen.user = user, seen.n++;
}

static trpc_status cs_start(Echo__Echo_ClientStream_Call *call, const trpc_metadata *md,
                            Echo__EchoReply *reply, void *user)
{
    seen.call = call, seen.md = md, seen.reply = reply, seen.user = user, seen.n++;
    return TRPC_PENDING;
}

static trpc_status cs(Echo__Echo_ClientStream_Call *call, const Echo__EchoRequest *req,
                      Echo__EchoReply *reply, void *user)
{
    seen.call = call, seen.req = req, seen.reply = reply, seen.user = user, seen.n++;
    return TRPC_PENDING;
}

static trpc_status cs_end(Echo__Echo_ClientStream_Call *call, Echo__EchoReply *reply, void *user)
{
    seen.call = call, seen.reply = reply, seen.user = user, seen.n++;
    return TRPC_STATUS_OK;
}

static trpc_status bidi(Echo__Echo_Bidi_Call *call, const Echo__EchoRequest *req, void *user)
{
    seen.call = call, seen.req = req, seen.user = user, seen.n++;
    return TRPC_PENDING;
}

static trpc_status bidi_end(Echo__Echo_Bidi_Call *call, void *user)
{
    seen.call = call, seen.user = user, seen.n++;
    return TRPC_STATUS_ABORTED;
}

static void test_server(void)
{
    static const Echo__Echo_Impl impl = {
        .unary = unary,
        .unary_done = unary_done,
        .client_stream = cs,
        .client_stream_start = cs_start,
        .client_stream_end = cs_end,
        .bidi = bidi,
        .bidi_end = bidi_end,
    };
    trpc_server *srv = (trpc_server *)&impl; /* any non-NULL pointer: the fake keeps it */
    int user;

    /* __serve: TRPC_EINVAL for a NULL table, without registering. */
    reset();
    CHECK(echo__echo__serve(srv, (const Echo__Echo_Impl *)NULL, &user) == TRPC_EINVAL);
    CHECK(fake.calls == 0);

    /* __serve registers the service with one thunk per non-NULL member. */
    reset();
    fake.rv = TRPC_EEXISTS;
    CHECK(echo__echo__serve(srv, &impl, &user) == TRPC_EEXISTS);
    CHECK(fake.srv == srv && fake.svc == &echo__echo__trpc_service && fake.impl == &impl &&
          fake.user == &user);
    const trpc_method_handlers *h = fake.handlers;
    /* clang-format off */
    CHECK(h[0].on_message && !h[0].on_start && !h[0].on_end && h[0].on_done);
    CHECK(!h[1].on_message && !h[1].on_done);                   /* server_stream: unset */
    CHECK(h[2].on_message && h[2].on_start && h[2].on_end && !h[2].on_done);
    CHECK(h[3].on_message && !h[3].on_start && h[3].on_end && !h[3].on_done);
    CHECK(!h[4].on_message);                                    /* missing */
    /* clang-format on */

    /* The thunks call the typed members with the same objects. */
    trpc_metadata *md = (trpc_metadata *)&seen; /* never dereferenced */
    trpc_call *call = fake_call(md);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply reply = ECHO__ECHO_REPLY__INIT;
    seen.n = 0;
    CHECK(h[0].on_message(call, &req.base, &reply.base, &impl, &user) == TRPC_STATUS_NOT_FOUND);
    CHECK(seen.n == 1 && seen.call == call && seen.req == &req && seen.reply == &reply &&
          seen.user == &user);
    h[0].on_done(call, TRPC_DONE_DEADLINE, &impl, &user);
    CHECK(seen.n == 2 && seen.why == TRPC_DONE_DEADLINE);
    CHECK(h[2].on_start(call, &reply.base, &impl, &user) == TRPC_PENDING);
    CHECK(seen.n == 3 && seen.md == md && seen.reply == &reply); /* start gets the metadata */
    CHECK(h[2].on_message(call, &req.base, &reply.base, &impl, &user) == TRPC_PENDING);
    CHECK(h[2].on_end(call, &reply.base, &impl, &user) == TRPC_STATUS_OK);
    CHECK(seen.n == 5 && seen.reply == &reply);
    CHECK(h[3].on_message(call, &req.base, NULL, &impl, &user) == TRPC_PENDING);
    CHECK(h[3].on_end(call, NULL, &impl, &user) == TRPC_STATUS_ABORTED);
    CHECK(seen.n == 7 && seen.call == call);

    /* __write and __finish_call: call->base to the runtime; NULL: EINVAL. */
    Echo__Echo_Bidi_Call *bc = (Echo__Echo_Bidi_Call *)call;
    reset();
    CHECK(echo__echo__bidi__write(bc, &reply) == TRPC_OK);
    CHECK(fake.call == call && fake.msg == &reply.base);
    reset();
    fake.rv = TRPC_ECLOSED;
    CHECK(echo__echo__bidi__finish_call(bc, TRPC_STATUS_UNAVAILABLE) == TRPC_ECLOSED);
    CHECK(fake.call == call && fake.code == TRPC_STATUS_UNAVAILABLE);
    reset();
    Echo__Echo_Bidi_Call *none = NULL;
    CHECK(echo__echo__bidi__write(none, &reply) == TRPC_EINVAL);
    CHECK(echo__echo__bidi__finish_call(none, TRPC_STATUS_OK) == TRPC_EINVAL);
    CHECK(fake.calls == 0);
    free(call);
}

/* ---- client ---- */

static struct {
    const Echo__Echo_Unary_Result *result;
    trpc_status status;
    const char *message;
    Echo__EchoReply *reply;
    void *stream;
    void *user;
    int n;
} got;

static void on_result(const Echo__Echo_Unary_Result *r, void *user)
{
    got.status = r->status, got.message = r->message, got.reply = r->reply, got.user = user;
    got.n++;
}

static void on_message(Echo__Echo_ServerStream_Stream *s, Echo__EchoReply *msg, void *user)
{
    got.stream = s, got.reply = msg, got.user = user, got.n++;
}

static void on_status(Echo__Echo_ServerStream_Stream *s, trpc_status code, const char *message,
                      void *user)
{
    got.stream = s, got.status = code, got.message = message, got.user = user, got.n++;
}

static void test_client(void)
{
    trpc_channel *ch = fake_channel();
    Echo__Echo_Client *client = echo__echo__client(ch);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply answer = ECHO__ECHO_REPLY__INIT;
    Echo__EchoReply *reply = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 5);
    int user;

    /* __client: the channel under the service's type; NULL for NULL. */
    CHECK((void *)client == (void *)ch && client->base == ch);
    trpc_channel *no_channel = NULL;
    CHECK(echo__echo__client(no_channel) == NULL);

    /* Unary: method [0], the request, the reply stored through a local. */
    reset();
    fake.reply = &answer.base;
    fake.status = TRPC_STATUS_OK;
    CHECK(echo__echo__unary(client, &req, &reply, &opts) == TRPC_STATUS_OK);
    CHECK(fake.ch == ch && fake.method == &echo__echo__trpc_methods[0] && fake.msg == &req.base &&
          fake.opts == &opts && reply == &answer);
    reset();
    fake.status = TRPC_STATUS_INVALID_ARGUMENT;
    Echo__Echo_Client *no_client = NULL;
    CHECK(echo__echo__missing(no_client, &req, &reply, NULL) == TRPC_STATUS_INVALID_ARGUMENT);
    CHECK(fake.ch == NULL && fake.method == &echo__echo__trpc_methods[4] && reply == NULL);

    /* Async unary: the typed callback gets the result through the thunk. */
    reset();
    Echo__Echo_Unary_OnResult *no_callback = NULL;
    CHECK(echo__echo__unary__async(client, &req, NULL, no_callback, &user) == TRPC_EINVAL);
    CHECK(echo__echo__unary__async(no_client, &req, NULL, on_result, &user) == TRPC_EINVAL);
    CHECK(fake.calls == 0);
    CHECK(echo__echo__unary__async(client, &req, &opts, on_result, &user) == TRPC_OK);
    CHECK(fake.ch == ch && fake.method == &echo__echo__trpc_methods[0] && fake.user == &user);
    trpc_unary_result r = { TRPC_STATUS_OK, "fine", &answer.base, NULL, NULL };
    fake.unary_done(&r, fake.fn, fake.user);
    CHECK(got.n == 1 && got.status == TRPC_STATUS_OK && got.reply == &answer && got.user == &user &&
          got.message == r.message);

    /* Server-streaming __start: start, send the request, half-close. */
    trpc_stream *s = fake_stream();
    Echo__Echo_ServerStream_Stream *ss = NULL;
    reset();
    fake.stream = s;
    CHECK(echo__echo__server_stream__start(&ss, client, &req, &opts) == TRPC_OK);
    CHECK(ss != NULL && ss->base == s && fake.method == &echo__echo__trpc_methods[1] &&
          fake.sends == 1 && fake.close_sends == 1 && fake.msg == &req.base && !fake.cancels);
    /* The call already ended: the status comes at __finish. */
    reset();
    fake.stream = s;
    fake.send_rv = TRPC_ECLOSED;
    ss = NULL;
    CHECK(echo__echo__server_stream__start(&ss, client, &req, NULL) == TRPC_OK && ss);
    CHECK(!fake.cancels && !fake.finishes);
    /* Any other failure: cancelled, finished, the error, *out untouched. */
    reset();
    fake.stream = s;
    fake.send_rv = TRPC_ENOMEM;
    ss = NULL;
    CHECK(echo__echo__server_stream__start(&ss, client, &req, NULL) == TRPC_ENOMEM);
    CHECK(ss == NULL && fake.cancels == 1 && fake.finishes == 1 && fake.s == s);
    reset();
    fake.rv = TRPC_ENOMEM;
    CHECK(echo__echo__server_stream__start(&ss, client, &req, NULL) == TRPC_ENOMEM && !ss);
    reset();
    const Echo__EchoRequest *no_req = NULL;
    CHECK(echo__echo__server_stream__start(&ss, client, no_req, NULL) == TRPC_EINVAL);
    CHECK(fake.calls == 0);

    /* Async: a failed request send cancels; the end comes to on_status. */
    reset();
    fake.stream = s;
    fake.send_rv = TRPC_ENOMEM;
    CHECK(echo__echo__server_stream__start_async(&ss, client, &req, NULL, on_message, on_status,
                                                 &user) == TRPC_OK);
    CHECK(ss && ss->base == s && fake.cancels == 1 && !fake.finishes && fake.user == &user);
    got.n = 0;
    fake.stream_handlers.on_message(s, &answer.base, fake.stream_handlers.message_fn, &user);
    CHECK(got.n == 1 && got.stream == (void *)s && got.reply == &answer);
    fake.stream_handlers.on_status(s, TRPC_STATUS_CANCELLED, "x", fake.stream_handlers.status_fn,
                                   &user);
    CHECK(got.n == 2 && got.status == TRPC_STATUS_CANCELLED && got.user == &user);
    reset();
    Echo__Echo_ServerStream_OnStatus *no_status = NULL;
    CHECK(echo__echo__server_stream__start_async(&ss, client, &req, NULL, on_message, no_status,
                                                 NULL) == TRPC_EINVAL);
    CHECK(fake.calls == 0);

    /* __recv stores the reply through the typed pointer; NULL: false. */
    reset();
    fake.reply = &answer.base;
    reply = NULL;
    CHECK(echo__echo__server_stream__recv(ss, &reply) && reply == &answer && fake.s == s);
    Echo__Echo_ServerStream_Stream *no_stream = NULL;
    CHECK(!echo__echo__server_stream__recv(no_stream, &reply));
    echo__echo__server_stream__cancel(no_stream);
    CHECK(echo__echo__server_stream__finish(no_stream) == TRPC_STATUS_INVALID_ARGUMENT);

    /* Client streaming: send, close_send, finish with the one reply. */
    Echo__Echo_ClientStream_Stream *cs = NULL;
    reset();
    fake.stream = s;
    CHECK(echo__echo__client_stream__start(&cs, client, NULL) == TRPC_OK && cs->base == s);
    CHECK(fake.method == &echo__echo__trpc_methods[2] && !fake.sends);
    CHECK(echo__echo__client_stream__send(cs, &req) == TRPC_OK && fake.msg == &req.base);
    CHECK(echo__echo__client_stream__close_send(cs) == TRPC_OK && fake.close_sends == 1);
    fake.reply = &answer.base;
    fake.status = TRPC_STATUS_OK;
    reply = NULL;
    CHECK(echo__echo__client_stream__finish(cs, &reply) == TRPC_STATUS_OK && reply == &answer);
    Echo__Echo_ClientStream_Stream *no_cs = NULL;
    CHECK(echo__echo__client_stream__send(no_cs, &req) == TRPC_EINVAL);
    CHECK(echo__echo__client_stream__close_send(no_cs) == TRPC_EINVAL);
    CHECK(echo__echo__client_stream__finish(no_cs, &reply) == TRPC_STATUS_INVALID_ARGUMENT);
    free(s);
    free(ch);
}

int main(void)
{
    test_server();
    test_client();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
