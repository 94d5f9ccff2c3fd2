// expect: 'void \*'.*not compatible with any
/* A request passed through a void * (which C converts to any object
 * pointer). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    void *any = &req;
    (void)any;
#ifdef TWIN
    trpc_status st = shop__shop__get_item(shop, &req, &reply, NULL);
#else
    trpc_status st = shop__shop__get_item(shop, any, &reply, NULL);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
