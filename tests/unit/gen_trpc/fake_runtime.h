/* fake_runtime.h: what fake_runtime.c records and answers (see there). */
#ifndef FAKE_RUNTIME_H
#define FAKE_RUNTIME_H

#include <typerpc/typerpc.h>

typedef struct Fake {
    /* answers */
    trpc_error rv;           /* of most functions */
    trpc_error send_rv;      /* of trpc_stream_send */
    trpc_status status;      /* of unary calls and finishes */
    ProtobufCMessage *reply; /* given by unary calls, recv, finish_unary */
    trpc_stream *stream;     /* given by the starts */
    /* records */
    int calls, sends, close_sends, cancels, finishes;
    trpc_server *srv;
    trpc_channel *ch;
    trpc_call *call;
    trpc_stream *s;
    const trpc_service *svc;
    const trpc_method *method;
    const ProtobufCMessage *msg;
    const trpc_call_opts *opts;
    trpc_status code;
    trpc_method_handlers handlers[8];
    const void *impl;
    void *user;
    trpc_unary_done unary_done;
    trpc_fn fn;
    trpc_stream_handlers stream_handlers;
} Fake;

extern Fake fake;

trpc_call *fake_call(const trpc_metadata *md);
trpc_channel *fake_channel(void);
trpc_stream *fake_stream(void);

#endif /* FAKE_RUNTIME_H */
