// expect: 'Shop__Admin_Client \*'.*not compatible with any
/* A stub of shop.Shop called with shop.Admin's client (both made from the
 * same channel). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    Shop__Admin_Client *admin = shop__admin__client(ch);
    (void)admin;
#ifdef TWIN
    trpc_status st = shop__shop__get_item(shop, &req, &reply, NULL);
#else
    trpc_status st = shop__shop__get_item(admin, &req, &reply, NULL);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
