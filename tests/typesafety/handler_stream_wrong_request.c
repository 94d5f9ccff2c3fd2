// expect: (incompatible (function )?pointer types initializing|initialization of '[^']*' from incompatible pointer type).*const Shop__ItemRequest \*, Shop__Receipt
/* A client-streaming handler reading the stream's messages as another type
 * (ItemRequest instead of Item). */
#include "ts.h"

#ifdef TWIN
static trpc_status checkout(trpc_call *call, const Shop__Item *req, Shop__Receipt *reply,
                            void *user)
#else
static trpc_status checkout(trpc_call *call, const Shop__ItemRequest *req, Shop__Receipt *reply,
                            void *user)
#endif
{
    (void)call;
    (void)user;
    if (req == NULL)
        return TRPC_STATUS_OK; /* end of the request stream */
    reply->total += req->name ? (int32_t)strlen(req->name) : 0;
    return TRPC_PENDING;
}

static const Shop__Shop_Impl impl = { .checkout = checkout };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == 0);
    trpc_channel *ch = ts_start(srv);
    Shop__Shop_Checkout_Call *call = NULL;
    Shop__Item item = SHOP__ITEM__INIT;
    Shop__Receipt *receipt = NULL;
    item.name = "pen";
    TS_CHECK(shop__shop__checkout__start(ch, NULL, &call) == 0);
    TS_CHECK(shop__shop__checkout__send(call, &item) == 0);
    TS_CHECK(shop__shop__checkout__send(call, &item) == 0);
    TS_CHECK(shop__shop__checkout__finish(call, &receipt) == TRPC_STATUS_OK);
    TS_CHECK(receipt != NULL && receipt->total == 6);
    shop__receipt__free_unpacked(receipt, NULL);
    ts_stop(srv, ch);
    return 0;
}
