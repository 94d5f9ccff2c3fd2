// expect: (control reaches end of non-void function|non-void function does not return a value in all control paths)
/* A handler that can reach its end without returning a status: the value
 * the runtime reads is garbage (and, if it happens to be TRPC_PENDING, the
 * call never finishes). */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)call;
    (void)user;
    if (req->name == NULL || req->name[0] == '\0')
        return TRPC_STATUS_INVALID_ARGUMENT;
    reply->name = req->name;
#ifdef TWIN
    return TRPC_STATUS_OK;
#endif
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
