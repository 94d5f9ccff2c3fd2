/* A request of the wrong message type must not compile. */
#include "common.h"

int use(trpc_channel *ch);
int use(trpc_channel *ch)
{
    Helloworld__HelloRequest req = HELLOWORLD__HELLO_REQUEST__INIT;
    Echo__EchoReply *reply;
    return (int)echo__echo__unary__call(ch, &req, &reply, NULL);
}
