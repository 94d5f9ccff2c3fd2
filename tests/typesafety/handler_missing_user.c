// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_GetItem_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_GetItem_Call \*, +const Shop__ItemRequest \*, +Shop__Item \*\)'
/* A handler without the trailing void *user parameter. */
#include "ts.h"

#ifdef TWIN
static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
#else
static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply)
#endif
{
    (void)call;
#ifdef TWIN
    (void)user;
#endif
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
