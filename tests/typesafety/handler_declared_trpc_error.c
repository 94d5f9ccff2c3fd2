// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_GetItem_[^']*'.*'trpc_error (\(\*\))?\(Shop__Shop_GetItem_Call \*, +const Shop__ItemRequest \*, +Shop__Item \*, +void \*\)'
/* A handler declared to return trpc_error (a library error) instead of
 * trpc_status (a gRPC status): TRPC_ENOMEM would be taken as a status. */
#include "ts.h"

#ifdef TWIN
static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
#else
static trpc_error get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                           Shop__Item *reply, void *user)
#endif
{
    (void)call;
    (void)user;
    reply->name = req->name;
#ifdef TWIN
    return TRPC_STATUS_OK;
#else
    return TRPC_OK;
#endif
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
