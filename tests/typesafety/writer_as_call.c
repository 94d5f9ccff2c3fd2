// expect: (trpc_call_add_trailer' from incompatible pointer type|incompatible pointer types passing 'Shop__Shop_Watch_Writer \*')
/* The writer passed where the call context is expected (they are the same object at run time, but not the same type). */
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
        if (trpc_call_add_trailer(call, "x-n", "1", 1) != 0 || shop__shop__watch__write(out, &ev) != 0)
#else
        if (trpc_call_add_trailer(out, "x-n", "1", 1) != 0 || shop__shop__watch__write(out, &ev) != 0)
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
