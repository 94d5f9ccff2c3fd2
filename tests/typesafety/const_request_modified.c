// expect: (assignment of member 'name' in read-only object|cannot assign to variable 'req' with const-qualified type)
/* A handler modifying the request it was given as const. */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)call;
    (void)user;
#ifdef TWIN
    reply->name = req->name;
#else
    req->name = reply->name = "pen";
#endif
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
