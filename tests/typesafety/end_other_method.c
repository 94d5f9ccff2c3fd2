// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Refund_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_Checkout_Call \*, +Shop__Receipt \*, +void \*\)'
/* Checkout's end handler placed at the end slot of Refund, a method of the
 * same kind with exactly the same request and reply types. */
#include "ts.h"

static trpc_status checkout(Shop__Shop_Checkout_Call *call, const Shop__Item *req,
                            Shop__Receipt *reply, void *user)
{
    (void)call;
    (void)user;
    reply->total += req->price;
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

static trpc_status refund(Shop__Shop_Refund_Call *call, const Shop__Item *req,
                          Shop__Receipt *reply, void *user)
{
    (void)call;
    (void)user;
    reply->total += req->price;
    return TRPC_PENDING;
}

static trpc_status refund_end(Shop__Shop_Refund_Call *call, Shop__Receipt *reply, void *user)
{
    (void)call;
    (void)reply;
    (void)user;
    return TRPC_STATUS_OK;
}

#ifdef TWIN
static const Shop__Shop_Impl impl = { .checkout = checkout, .checkout_end = checkout_end,
                                      .refund = refund, .refund_end = refund_end };
#else
static const Shop__Shop_Impl impl = { .checkout = checkout, .checkout_end = checkout_end,
                                      .refund = refund, .refund_end = checkout_end };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    (void)refund_end;
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_refund(srv);
    return 0;
}
