/* Same, assigned at run time instead of in an initializer. */
#include "common.h"

static trpc_status bad_bidi(trpc_call *call, const Echo__EchoRequest *req,
                            Echo__EchoReply *reply, void *user)
{
    (void)call; (void)req; (void)reply; (void)user;
    return TRPC_STATUS_OK;
}

void fill(Echo__Echo_Impl *impl);
void fill(Echo__Echo_Impl *impl) { impl->bidi = bad_bidi; }
