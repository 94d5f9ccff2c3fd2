// expect: 'trpc_call \*'.*not compatible with any
/* Writing to the call context instead of the typed writer. */
#include "ts.h"

static trpc_status watch(trpc_call *call, const Shop__ItemRequest *req,
                         Shop__Shop_Watch_Writer *out, void *user)
{
    Shop__Event ev = SHOP__EVENT__INIT;
    Shop__Item item = SHOP__ITEM__INIT;
    (void)user;
    (void)item;
    ev.what = req->name;
    for (int i = 0; i < 3; i++) {
#ifdef TWIN
        if (shop__shop__watch__write(out, &ev) != 0)
#else
        if (shop__shop__watch__write(call, &ev) != 0)
#endif
            return trpc_call_error(call, TRPC_STATUS_INTERNAL, "write failed");
    }
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .watch = watch };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == 0);
    ts_check_watch(srv, 3);
    return 0;
}
