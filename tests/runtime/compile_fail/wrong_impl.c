/* Registering one service's table as another's must not compile. */
#include "common.h"

int use(trpc_server *srv, const Echo__Echo_Impl *impl);
int use(trpc_server *srv, const Echo__Echo_Impl *impl)
{
    return helloworld__greeter__serve(srv, impl, NULL);
}
