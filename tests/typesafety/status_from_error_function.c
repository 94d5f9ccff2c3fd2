// expect: implicit conversion from (enumeration type )?'(enum )?trpc_error'.*to (different enumeration type )?'trpc_status'
/* The library error of an async call's start stored as a gRPC status: a
 * trpc_error (TRPC_ENOMEM...) is not a trpc_status. */
#include "ts.h"

static volatile int done_flag;

static void done(const Shop__Shop_GetItem_Result *result, void *user)
{
    (void)user;
    if (result->status == TRPC_STATUS_UNAVAILABLE)
        done_flag = 1;
}

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
#ifdef TWIN
    trpc_error rv = shop__shop__get_item__async(shop__shop__client(ch), &req, NULL, done, NULL);
    TS_CHECK(rv == TRPC_OK);
#else
    trpc_status rv = shop__shop__get_item__async(shop__shop__client(ch), &req, NULL, done, NULL);
    TS_CHECK(rv == TRPC_STATUS_OK);
#endif
    ts_wait_flag(&done_flag);
    trpc_channel_free(ch);
    return 0;
}
