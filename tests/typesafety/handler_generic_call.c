// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_GetItem_[^']*'.*'trpc_status (\(\*\))?\(trpc_call \*, +const Shop__ItemRequest \*, +Shop__Item \*, +void \*\)'
/* A handler taking the runtime's generic trpc_call * (as in typerpc 0.1)
 * instead of its method's call type. */
#include "ts.h"

#ifdef TWIN
static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
#else
static trpc_status get_item(trpc_call *call, const Shop__ItemRequest *req, Shop__Item *reply,
                            void *user)
#endif
{
    (void)call;
    (void)user;
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
