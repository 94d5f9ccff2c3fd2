// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Admin_Restock_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_Checkout_Call \*, +const Shop__Item \*, +Shop__Receipt \*, +void \*\)'
/* A client-streaming handler at a unary slot of another service whose
 * request and reply types are the same (shop.Shop/Checkout: stream Item ->
 * Receipt; shop.Admin/Restock: Item -> Receipt).  This compiled in 0.1,
 * where handler types were made of the messages alone (it was
 * holes/same_signature_slot.c); Checkout's handler expects to be called
 * once per message and to finish in its end notification. */
#include "ts.h"

static trpc_status checkout(Shop__Shop_Checkout_Call *call, const Shop__Item *req,
                            Shop__Receipt *reply, void *user)
{
    (void)call;
    (void)user;
    reply->total += req->price;
    return TRPC_PENDING;
}

static trpc_status restock(Shop__Admin_Restock_Call *call, const Shop__Item *req,
                           Shop__Receipt *reply, void *user)
{
    (void)call;
    (void)user;
    reply->total = req->price;
    return TRPC_STATUS_OK;
}

#ifdef TWIN
static const Shop__Admin_Impl admin = { .restock = restock };
#else
static const Shop__Admin_Impl admin = { .restock = checkout };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    (void)checkout;
    (void)restock;
    TS_CHECK(shop__admin__serve(srv, &admin, NULL) == TRPC_OK);
    ts_check_restock(srv);
    return 0;
}
