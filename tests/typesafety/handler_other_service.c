// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_GetItem_[^']*'.*'trpc_status (\(\*\))?\(Other__Shop_GetItem_Call \*, +const Other__ItemRequest \*, +Other__Item \*, +void \*\)'
/* The handler of other.Shop/GetItem (same service and method names, in
 * another package) placed at shop.Shop/GetItem's slot. */
#include "ts.h"

static trpc_status other_get_item(Other__Shop_GetItem_Call *call,
                                  const Other__ItemRequest *req, Other__Item *reply,
                                  void *user)
{
    (void)call;
    (void)user;
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

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
static const Shop__Shop_Impl impl = { .get_item = other_get_item };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    (void)other_get_item;
    (void)get_item;
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
