// expect: (incompatible (function )?pointer types initializing|initialization of '[^']*' from incompatible pointer type).*Shop__ItemRequest \*, Shop__Item \*, void
/* shop.Shop's GetItem handler placed in other.Shop's table: same service
 * and method names in another package, so the same member name, but the
 * method takes other.ItemRequest and returns other.Item. */
#include "ts.h"

static trpc_status get_item(trpc_call *call, const Shop__ItemRequest *req, Shop__Item *reply,
                            void *user)
{
    (void)call;
    (void)user;
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

static trpc_status other_get_item(trpc_call *call, const Other__ItemRequest *req,
                                  Other__Item *reply, void *user)
{
    (void)call;
    (void)user;
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };
#ifdef TWIN
static const Other__Shop_Impl other_impl = { .get_item = other_get_item };
#else
static const Other__Shop_Impl other_impl = { .get_item = get_item };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == 0);
    TS_CHECK(other__shop__serve(srv, &other_impl, NULL) == 0);
    ts_check_get_item(srv);
    (void)other_get_item;
    return 0;
}
