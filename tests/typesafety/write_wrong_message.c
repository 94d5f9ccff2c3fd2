// expect: 'Shop__Item \*'.*not compatible with any
/* Writing a message of another type (Item) to a stream of Events. */
#include "ts.h"

static trpc_status watch(Shop__Shop_Watch_Call *call, const Shop__ItemRequest *req, void *user)
{
    Shop__Event ev = SHOP__EVENT__INIT;
    (void)user;
    ev.what = req->name;
#ifndef TWIN
    Shop__Item item = SHOP__ITEM__INIT;
    item.name = req->name;
#endif
    for (int i = 0; i < 3; i++) {
#ifdef TWIN
        if (shop__shop__watch__write(call, &ev) != TRPC_OK)
#else
        if (shop__shop__watch__write(call, &item) != TRPC_OK)
#endif
            return trpc_call_error(call->base, TRPC_STATUS_INTERNAL, "write failed");
    }
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .watch = watch };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_watch(srv, 3);
    return 0;
}
