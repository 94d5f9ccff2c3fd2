// expect: 'Shop__Shop_GetItem_Call \*'.*not compatible with any
/* Finishing a held GetItem call with Reserve's __finish_call: both are unary
 * with the same message types, but a call handle fits its own method only. */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)user;
    reply->name = req->name;
    /* Returning TRPC_PENDING holds the call; it is finished here at once,
     * as another thread would finish it later. */
#ifdef TWIN
    trpc_error rv = shop__shop__get_item__finish_call(call, TRPC_STATUS_OK);
#else
    trpc_error rv = shop__shop__reserve__finish_call(call, TRPC_STATUS_OK);
#endif
    return rv == TRPC_OK ? TRPC_PENDING : TRPC_STATUS_INTERNAL;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
