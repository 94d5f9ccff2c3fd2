// expect: implicit conversion from (enumeration type )?'(enum )?trpc_status'.*to (different enumeration type )?'trpc_error'
/* The status of a blocking call stored as a library error (the call returns
 * a trpc_status, its stream functions a trpc_error). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    trpc_error err = TRPC_OK;
    (void)err;
#ifdef TWIN
    trpc_status st = shop__shop__get_item(shop, &req, &reply, NULL);
#else
    trpc_status st = TRPC_STATUS_OK;
    err = shop__shop__get_item(shop, &req, &reply, NULL);
    st = TRPC_STATUS_UNAVAILABLE;
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
