// expect: (initialization of|incompatible function pointer types initializing) '[^']*(Shop__Shop_Checkout_Start|const trpc_metadata)[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_Checkout_Call \*, +Shop__Receipt \*, +void \*\)'
/* A client-streaming method's end handler placed at its own start slot
 * (an easy slip: both take the call and the reply).  Start gets the
 * request metadata as well, so the two slots have different types. */
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

static trpc_status checkout_start(Shop__Shop_Checkout_Call *call, const trpc_metadata *md,
                                  Shop__Receipt *reply, void *user)
{
    (void)call;
    (void)md;
    (void)user;
    reply->total = 0;
    return TRPC_PENDING;
}

#ifdef TWIN
static const Shop__Shop_Impl impl = { .checkout = checkout, .checkout_start = checkout_start,
                                      .checkout_end = checkout_end };
#else
static const Shop__Shop_Impl impl = { .checkout = checkout, .checkout_start = checkout_end,
                                      .checkout_end = checkout_end };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    (void)checkout_start;
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_checkout(srv);
    return 0;
}
