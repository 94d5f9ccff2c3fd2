// expect: 'const Shop__Admin_Impl \*'.*not compatible with any
/* Registering one service's implementation table as another service's. */
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
static const Shop__Admin_Impl admin = { .restock = NULL };

int main(void)
{
    trpc_server *srv = ts_server();
#ifdef TWIN
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    TS_CHECK(shop__admin__serve(srv, &admin, NULL) == TRPC_OK);
#else
    TS_CHECK(shop__shop__serve(srv, &admin, NULL) == TRPC_OK);
    TS_CHECK(shop__admin__serve(srv, &admin, NULL) == TRPC_OK);
#endif
    ts_check_get_item(srv);
    (void)impl;
    return 0;
}
