/* An async completion callback of the wrong type must not compile. */
#include "common.h"

static void bad_done(trpc_status code, const char *message,
                     Helloworld__HelloReply *reply, void *user)
{
    (void)code; (void)message; (void)reply; (void)user;
}

int use(trpc_channel *ch);
int use(trpc_channel *ch)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    return echo__echo__unary__async(ch, &req, NULL, bad_done, NULL);
}
