/*
 * fake_runtime.c: the runtime functions generated service code calls,
 * replaced by fakes that record their arguments and answer what the test
 * sets, so test_gen_trpc can check what the generated functions do with
 * them (forwarding, NULL handles, the server-streaming start's failure
 * paths, storing replies, the thunks) without a network. Objects are laid
 * out as the runtime lays them out: each starts with its own address, the
 * `base` of the typed handles.
 */
#include <stdlib.h>
#include <string.h>

#include "fake_runtime.h"

struct trpc_call {
    trpc_call *self;
    const trpc_metadata *metadata;
};
struct trpc_channel {
    trpc_channel *self;
};
struct trpc_stream {
    trpc_stream *self;
};

Fake fake;

trpc_call *fake_call(const trpc_metadata *md)
{
    trpc_call *c = calloc(1, sizeof *c);
    c->self = c;
    c->metadata = md;
    return c;
}

trpc_channel *fake_channel(void)
{
    trpc_channel *ch = calloc(1, sizeof *ch);
    ch->self = ch;
    return ch;
}

trpc_stream *fake_stream(void)
{
    trpc_stream *s = calloc(1, sizeof *s);
    s->self = s;
    return s;
}

const trpc_metadata *trpc_call_metadata(const trpc_call *call)
{
    return call->metadata;
}

trpc_error trpc_call_send(trpc_call *call, const ProtobufCMessage *msg)
{
    fake.calls++;
    fake.call = call;
    fake.msg = msg;
    return fake.rv;
}

trpc_error trpc_call_finish(trpc_call *call, trpc_status code)
{
    fake.calls++;
    fake.call = call;
    fake.code = code;
    return fake.rv;
}

trpc_error trpc_server_add_service(trpc_server *srv, const trpc_service *svc,
                                   const trpc_method_handlers *handlers, const void *impl,
                                   void *user)
{
    fake.calls++;
    fake.srv = srv;
    fake.svc = svc;
    memcpy(fake.handlers, handlers, svc->n_methods * sizeof *handlers);
    fake.impl = impl;
    fake.user = user;
    return fake.rv;
}

trpc_status trpc_channel_unary(trpc_channel *ch, const trpc_method *m, const ProtobufCMessage *req,
                               ProtobufCMessage **reply, const trpc_call_opts *opts)
{
    fake.calls++;
    fake.ch = ch;
    fake.method = m;
    fake.msg = req;
    fake.opts = opts;
    if (reply)
        *reply = fake.reply;
    return fake.status;
}

trpc_error trpc_channel_unary_async(trpc_channel *ch, const trpc_method *m,
                                    const ProtobufCMessage *req, const trpc_call_opts *opts,
                                    trpc_unary_done done, trpc_fn fn, void *user)
{
    fake.calls++;
    fake.ch = ch;
    fake.method = m;
    fake.msg = req;
    fake.opts = opts;
    fake.unary_done = done;
    fake.fn = fn;
    fake.user = user;
    return fake.rv;
}

trpc_error trpc_stream_start(trpc_stream **out, trpc_channel *ch, const trpc_method *m,
                             const trpc_call_opts *opts)
{
    fake.calls++;
    fake.ch = ch;
    fake.method = m;
    fake.opts = opts;
    if (fake.rv != TRPC_OK)
        return fake.rv;
    *out = fake.stream;
    return TRPC_OK;
}

trpc_error trpc_stream_start_async(trpc_stream **out, trpc_channel *ch, const trpc_method *m,
                                   const trpc_call_opts *opts, const trpc_stream_handlers *h,
                                   void *user)
{
    fake.calls++;
    fake.ch = ch;
    fake.method = m;
    fake.opts = opts;
    fake.stream_handlers = *h;
    fake.user = user;
    if (fake.rv != TRPC_OK)
        return fake.rv;
    *out = fake.stream;
    return TRPC_OK;
}

trpc_error trpc_stream_send(trpc_stream *s, const ProtobufCMessage *msg)
{
    fake.calls++;
    fake.sends++;
    fake.s = s;
    fake.msg = msg;
    return fake.send_rv;
}

trpc_error trpc_stream_close_send(trpc_stream *s)
{
    fake.calls++;
    fake.close_sends++;
    fake.s = s;
    return TRPC_OK;
}

bool trpc_stream_recv(trpc_stream *s, ProtobufCMessage **msg)
{
    fake.calls++;
    fake.s = s;
    *msg = fake.reply;
    return fake.reply != NULL;
}

void trpc_stream_cancel(trpc_stream *s)
{
    fake.calls++;
    fake.cancels++;
    fake.s = s;
}

trpc_status trpc_stream_finish(trpc_stream *s)
{
    fake.calls++;
    fake.finishes++;
    fake.s = s;
    return fake.status;
}

trpc_status trpc_stream_finish_unary(trpc_stream *s, ProtobufCMessage **reply)
{
    fake.calls++;
    fake.finishes++;
    fake.s = s;
    if (reply)
        *reply = fake.reply;
    return fake.status;
}
