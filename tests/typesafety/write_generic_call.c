// expect: 'trpc_call \*'.*not compatible with any
/* Writing through the generic trpc_call (call->base) instead of the
 * method's call handle: __write takes only its method's call type. */
#include "ts.h"

static trpc_status watch(Shop__Shop_Watch_Call *call, const Shop__ItemRequest *req, void *user)
{
    Shop__Event ev = SHOP__EVENT__INIT;
    (void)user;
    ev.what = req->name;
    for (int i = 0; i < 3; i++) {
#ifdef TWIN
        if (shop__shop__watch__write(call, &ev) != TRPC_OK)
#else
        if (shop__shop__watch__write(call->base, &ev) != TRPC_OK)
#endif
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
