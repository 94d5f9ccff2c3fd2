// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Reserve_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_GetItem_Call \*, +const Shop__ItemRequest \*, +Shop__Item \*, +void \*\)'
/* A handler at the slot of another method with exactly the same request
 * and reply types and the same kind (GetItem and Reserve: ItemRequest ->
 * Item, both unary).  Types built from the messages alone could not tell
 * them apart; each method's own call type does. */
#include "ts.h"

static trpc_status reserve(Shop__Shop_Reserve_Call *call, const Shop__ItemRequest *req,
                           Shop__Item *reply, void *user)
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
static const Shop__Shop_Impl impl = { .get_item = get_item, .reserve = reserve };
#else
static const Shop__Shop_Impl impl = { .get_item = get_item, .reserve = get_item };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_reserve(srv);
    return 0;
}
