// expect: implicit conversion from (enumeration type )?'(enum )?trpc_error'.*to (different enumeration type )?'trpc_status'
/* Finishing a held call with a library error (TRPC_ENOMEM) where a gRPC
 * status goes. */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)user;
    reply->name = req->name;
    if (reply->name == NULL)
#ifdef TWIN
        (void)shop__shop__get_item__finish_call(call, TRPC_STATUS_RESOURCE_EXHAUSTED);
#else
        (void)shop__shop__get_item__finish_call(call, TRPC_ENOMEM);
#endif
    else
        (void)shop__shop__get_item__finish_call(call, TRPC_STATUS_OK);
    return TRPC_PENDING;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
