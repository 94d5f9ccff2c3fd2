// expect: implicit conversion from (enumeration type )?'(enum )?trpc_error'.*to (different enumeration type )?'trpc_status'
/* A handler that returns what __write returned: a trpc_error (TRPC_OK, or
 * TRPC_EFULL, TRPC_ECLOSED...) taken as a gRPC status.  TRPC_OK happens to
 * be TRPC_STATUS_OK, but the errors are no status at all. */
#include "ts.h"

static trpc_status watch(Shop__Shop_Watch_Call *call, const Shop__ItemRequest *req, void *user)
{
    Shop__Event ev = SHOP__EVENT__INIT;
    (void)user;
    ev.what = req->name;
    for (int i = 0; i < 2; i++)
        if (shop__shop__watch__write(call, &ev) != TRPC_OK)
            return TRPC_STATUS_UNAVAILABLE;
#ifdef TWIN
    return shop__shop__watch__write(call, &ev) == TRPC_OK ? TRPC_STATUS_OK
                                                          : TRPC_STATUS_UNAVAILABLE;
#else
    return shop__shop__watch__write(call, &ev);
#endif
}

static const Shop__Shop_Impl impl = { .watch = watch };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_watch(srv, 3);
    return 0;
}
