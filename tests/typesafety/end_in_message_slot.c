// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Checkout_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_Checkout_Call \*, +Shop__Receipt \*, +void \*\)'
/* A client-streaming method's end handler placed at its message slot
 * (0.1 signalled the end with a message handler call whose req was NULL). */
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

#ifdef TWIN
static const Shop__Shop_Impl impl = { .checkout = checkout, .checkout_end = checkout_end };
#else
static const Shop__Shop_Impl impl = { .checkout = checkout_end, .checkout_end = checkout_end };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    (void)checkout;
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_checkout(srv);
    return 0;
}
