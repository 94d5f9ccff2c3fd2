/* A handler whose signature does not match its method must not compile. */
#include "common.h"

static trpc_status bad_unary(trpc_call *call, const Helloworld__HelloRequest *req,
                             Helloworld__HelloReply *reply, void *user)
{
    (void)call; (void)req; (void)reply; (void)user;
    return TRPC_STATUS_OK;
}

const Echo__Echo_Impl impl = { .unary = bad_unary };
