// expect: 'Other__ItemRequest \*'.*not compatible with any
/* A request of another package's same-named message (other.ItemRequest for
 * shop.ItemRequest): same name, same fields, another type. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Item *reply = NULL;
#ifdef TWIN
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
#else
    Other__ItemRequest req = OTHER__ITEM_REQUEST__INIT;
#endif
    req.name = "pen";
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, NULL);
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
