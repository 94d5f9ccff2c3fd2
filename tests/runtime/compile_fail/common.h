/* Shared by the compile-fail programs: correct declarations to misuse. */
#include "echo.trpc.h"
#include "helloworld.trpc.h"

trpc_status good_unary(trpc_call *call, const Echo__EchoRequest *req,
                       Echo__EchoReply *reply, void *user);
trpc_status good_bidi(trpc_call *call, const Echo__EchoRequest *req,
                      Echo__Echo_Bidi_Writer *out, void *user);
void good_done(trpc_status code, const char *message, Echo__EchoReply *reply, void *user);
