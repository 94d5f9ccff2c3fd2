/*
 * unary.c: unary calls on a channel, blocking (trpc_channel_unary) and
 * asynchronous (trpc_channel_unary_async), made of a stream that sends one
 * request and half-closes at once.  Library errors become statuses for the
 * blocking form: a bad argument is INVALID_ARGUMENT, out of memory
 * RESOURCE_EXHAUSTED, each with a message.
 */
#include <stdlib.h>
#include <string.h>
#include "base/opts.h"
#include "client/stream.h"

static trpc_status fail_arg(const trpc_call_opts *opts, trpc_status st, const char *msg)
{
    /* opts may be of another size than ours: read its message field only
     * when it is there. */
    if (opts && opts->size >= offsetof(trpc_call_opts, message) + sizeof(char **) &&
        opts->message) {
        *opts->message = strdup(msg);
    }
    return st;
}

trpc_status trpc_channel_unary(trpc_channel *ch, const trpc_method *m,
                               const ProtobufCMessage *req, ProtobufCMessage **reply,
                               const trpc_call_opts *opts)
{
    if (reply) {
        *reply = NULL;
    }
    if (!ch || !reply || !req || !m || req->descriptor != m->input) {
        return fail_arg(opts, TRPC_STATUS_INVALID_ARGUMENT, "invalid argument");
    }
    trpc_stream *s;
    trpc_error rv = trpc_stream_start(&s, ch, m, opts);
    if (rv) {
        return fail_arg(opts, rv == TRPC_ENOMEM ? TRPC_STATUS_RESOURCE_EXHAUSTED
                                                : TRPC_STATUS_INVALID_ARGUMENT,
                        rv == TRPC_EINVAL ? "invalid argument (is opts made with "
                                            "TRPC_CALL_OPTS()?)"
                                          : trpc_strerror(rv));
    }
    rv = trpc_stream_send(s, req);
    if (rv != TRPC_OK && rv != TRPC_ECLOSED) {
        trpc_stream_cancel(s);
    }
    return trpc_stream_finish_unary(s, reply);
}

trpc_error trpc_channel_unary_async(trpc_channel *ch, const trpc_method *m,
                                    const ProtobufCMessage *req, const trpc_call_opts *opts,
                                    trpc_unary_done done, trpc_fn fn, void *user)
{
    if (!ch || !req || !m || !done || req->descriptor != m->input) {
        return TRPC_EINVAL;
    }
    trpc_call_opts o;
    if (TRPC__OPTS_READ(trpc_call_opts, &o, opts) != TRPC_OK) {
        return TRPC_EINVAL;
    }
    o.message = NULL; /* the result carries them */
    o.headers = o.trailers = NULL;
    trpc_stream *s;
    trpc_error rv = trpc__stream_new(&s, (trpc__client *)ch, m, &o);
    if (rv) {
        return rv;
    }
    s->unary_cb = done;
    s->unary_fn = fn;
    s->unary_user = user;
    s->refs = 1; /* the I/O thread's only */
    rv = trpc__buf_append_compressed(&s->out, req, s->send_enc);
    if (rv) {
        trpc__stream_free(s);
        return rv;
    }
    s->send_closed = true;
    trpc__stream_launch(s);
    return TRPC_OK;
}
