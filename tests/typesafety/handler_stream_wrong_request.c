// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Checkout_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_Checkout_Call \*, +const Shop__ItemRequest \*, +Shop__Receipt \*, +void \*\)'
/* A client-streaming handler reading the stream's messages as another type
 * (ItemRequest instead of Item). */
#include "ts.h"

#ifdef TWIN
static trpc_status checkout(Shop__Shop_Checkout_Call *call, const Shop__Item *req,
                            Shop__Receipt *reply, void *user)
#else
static trpc_status checkout(Shop__Shop_Checkout_Call *call, const Shop__ItemRequest *req,
                            Shop__Receipt *reply, void *user)
#endif
{
    (void)call;
    (void)user;
#ifdef TWIN
    reply->total += req->price;
#else
    reply->total += req->name ? (int32_t)strlen(req->name) : 0;
#endif
    return TRPC_PENDING;
}

static trpc_status checkout_end(Shop__Shop_Checkout_Call *call, Shop__Receipt *reply,
                                void *user)
{
    (void)call;
    (void)reply;
    (void)user;
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .checkout = checkout, .checkout_end = checkout_end };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_checkout(srv);
    return 0;
}
