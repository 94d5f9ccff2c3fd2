// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Watch_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_GetItem_Call \*, +const Shop__ItemRequest \*, +Shop__Item \*, +void \*\)'
/* A unary handler placed at a server-streaming method's slot. */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)call;
    (void)user;
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

#ifdef TWIN
static const Shop__Shop_Impl impl = { .get_item = get_item };
#else
static const Shop__Shop_Impl impl = { .watch = get_item };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
