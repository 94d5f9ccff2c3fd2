// expect: 'Shop__Event \*'.*not compatible with any
/* A request of another message type of the same package. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    Shop__Event ev = SHOP__EVENT__INIT;
    (void)ev;
#ifdef TWIN
    trpc_status st = shop__shop__get_item(shop, &req, &reply, NULL);
#else
    trpc_status st = shop__shop__get_item(shop, &ev, &reply, NULL);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
