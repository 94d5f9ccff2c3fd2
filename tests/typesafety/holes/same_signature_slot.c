/* HOLE: a handler at another method's slot compiles when both methods have
 * the same request and reply types.  Handler types are function types built
 * from the method's signature, and C function types with the same
 * signature are the same type, whatever their typedef names: shop.Shop's
 * client-streaming Checkout (stream Item -> Receipt) handler fits
 * shop.Admin's unary Restock (Item -> Receipt), though it expects to be
 * called once per message and once more with req == NULL. */
#include "ts.h"

static trpc_status checkout(trpc_call *call, const Shop__Item *req, Shop__Receipt *reply,
                            void *user)
{
    (void)call;
    (void)user;
    if (req != NULL)
        reply->total += req->price;
    return req ? TRPC_PENDING : TRPC_STATUS_OK;
}

const Shop__Admin_Impl admin = { .restock = checkout };
