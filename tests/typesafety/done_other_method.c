// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Reserve_[^']*'.*'void (\(\*\))?\(Shop__Shop_GetItem_Call \*, +trpc_done_reason, +void \*\)'
/* GetItem's done notification placed at the done slot of Reserve, a method
 * of the same kind with exactly the same request and reply types. */
#include "ts.h"

static volatile int finished;

static trpc_status reserve(Shop__Shop_Reserve_Call *call, const Shop__ItemRequest *req,
                           Shop__Item *reply, void *user)
{
    (void)call;
    (void)user;
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

static void get_item_done(Shop__Shop_GetItem_Call *call, trpc_done_reason why, void *user)
{
    (void)call;
    (void)why;
    (void)user;
}

static void reserve_done(Shop__Shop_Reserve_Call *call, trpc_done_reason why, void *user)
{
    (void)call;
    (void)user;
    if (why == TRPC_DONE_FINISHED)
        finished = 1;
}

#ifdef TWIN
static const Shop__Shop_Impl impl = { .reserve = reserve, .reserve_done = reserve_done,
                                      .get_item_done = get_item_done };
#else
static const Shop__Shop_Impl impl = { .reserve = reserve, .reserve_done = get_item_done,
                                      .get_item_done = get_item_done };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    (void)reserve_done;
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_reserve(srv);
    TS_CHECK(finished);
    return 0;
}
