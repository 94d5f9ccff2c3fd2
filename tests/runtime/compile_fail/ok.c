/* Positive control: correct use of the generated API compiles cleanly. */
#include "common.h"

static void on_message(Echo__Echo_Bidi_Call *call, Echo__EchoReply *msg, void *user)
{
    (void)call; (void)msg; (void)user;
}

static void on_done(Echo__Echo_Bidi_Call *call, trpc_status code, const char *message,
                    void *user)
{
    (void)call; (void)code; (void)message; (void)user;
}

int use(trpc_server *srv, trpc_channel *ch, Echo__Echo_Bidi_Writer *w,
        Echo__Echo_Bidi_Call *bc);
int use(trpc_server *srv, trpc_channel *ch, Echo__Echo_Bidi_Writer *w,
        Echo__Echo_Bidi_Call *bc)
{
    static const Echo__Echo_Impl impl = { .unary = good_unary, .bidi = good_bidi };
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    const Echo__EchoRequest *creq = &req;
    Echo__EchoReply rep = ECHO__ECHO_REPLY__INIT;
    Echo__EchoReply *reply;
    int n = echo__echo__serve(srv, &impl, NULL);
    n += (int)echo__echo__unary__call(ch, &req, &reply, NULL);
    n += (int)echo__echo__unary__call(ch, creq, &reply, NULL);
    n += echo__echo__unary__async(ch, &req, NULL, good_done, NULL);
    n += echo__echo__bidi__write(w, &rep);
    n += echo__echo__bidi__send(bc, &req);
    n += echo__echo__bidi__recv(bc, &reply);
    Echo__Echo_Bidi_Call *async_call;
    n += echo__echo__bidi__start_async(ch, NULL, on_message, on_done, NULL, &async_call);
    return n;
}
