/* A reply pointer of the wrong message type must not compile. */
#include "common.h"

int use(trpc_channel *ch);
int use(trpc_channel *ch)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    Helloworld__HelloReply *reply;
    return (int)echo__echo__unary__call(ch, &req, &reply, NULL);
}
