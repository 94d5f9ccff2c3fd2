// expect: (initialization of|incompatible pointer types initializing) 'Shop__Shop_Client \*'.*'Shop__Admin_Client \*'
/* A channel made into shop.Admin's client stored as shop.Shop's client. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
#ifdef TWIN
    Shop__Shop_Client *shop = shop__shop__client(ch);
#else
    Shop__Shop_Client *shop = shop__admin__client(ch);
#endif
    TS_CHECK(shop__shop__get_item(shop, &req, &reply, NULL) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
