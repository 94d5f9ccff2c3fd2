// expect: 'const Other__Shop_Impl \*'.*not compatible with any
/* Registering other.Shop's table (same-named service, another package) with
 * shop__shop__serve. */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)call;
    (void)user;
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };
static const Other__Shop_Impl other_impl = { .get_item = NULL };

int main(void)
{
    trpc_server *srv = ts_server();
#ifdef TWIN
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
#else
    TS_CHECK(shop__shop__serve(srv, &other_impl, NULL) == TRPC_OK);
#endif
    TS_CHECK(other__shop__serve(srv, &other_impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    (void)impl;
    return 0;
}
