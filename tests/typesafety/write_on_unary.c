// expect: implicit declaration of function 'shop__shop__get_item__write'
/* Writing a stream message on a unary method, which has no __write (no such
 * function: an implicit declaration, made an error by shop.trpc.h). */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)user;
    reply->name = req->name;
#ifndef TWIN
    if (shop__shop__get_item__write(call, reply) != TRPC_OK)
        return TRPC_STATUS_INTERNAL;
#endif
    return shop__shop__get_item__finish_call(call, TRPC_STATUS_OK) == TRPC_OK
               ? TRPC_PENDING
               : TRPC_STATUS_INTERNAL;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
