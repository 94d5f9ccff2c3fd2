// expect: (assignment to|incompatible function pointer types assigning to) '[^']*Shop__Shop_Checkout_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_GetItem_Call \*, +const Shop__ItemRequest \*, +Shop__Item \*, +void \*\)'
/* A unary handler assigned at run time to a client-streaming method's
 * slot (the table filled in code rather than by an initializer). */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)call;
    (void)user;
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

static Shop__Shop_Impl impl;

int main(void)
{
#ifdef TWIN
    impl.get_item = get_item;
#else
    impl.checkout = get_item;
#endif
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
