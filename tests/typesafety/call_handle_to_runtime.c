// expect: (passing argument 1 of 'trpc_call_add_trailer' from incompatible pointer type|incompatible pointer types passing 'Shop__Shop_Watch_Call \*')
/* The method's call handle given to a runtime function, which takes the
 * generic trpc_call: call->base is that (the same object at run time, but
 * not the same type). */
#include "ts.h"

static trpc_status watch(Shop__Shop_Watch_Call *call, const Shop__ItemRequest *req, void *user)
{
    Shop__Event ev = SHOP__EVENT__INIT;
    (void)user;
    ev.what = req->name;
    for (int i = 0; i < 3; i++) {
#ifdef TWIN
        if (trpc_call_add_trailer(call->base, "x-n", "1", 1) != TRPC_OK ||
#else
        if (trpc_call_add_trailer(call, "x-n", "1", 1) != TRPC_OK ||
#endif
            shop__shop__watch__write(call, &ev) != TRPC_OK)
            return TRPC_STATUS_INTERNAL;
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
