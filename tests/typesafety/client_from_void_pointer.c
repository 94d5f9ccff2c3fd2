// expect: 'void \*'.*not compatible with any
/* A client made from a void * (it could be anything, such as a server):
 * __client takes a trpc_channel * and nothing else. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    void *any = ch;
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    (void)any;
#ifdef TWIN
    Shop__Shop_Client *shop = shop__shop__client(ch);
#else
    Shop__Shop_Client *shop = shop__shop__client(any);
#endif
    TS_CHECK(shop__shop__get_item(shop, &req, &reply, NULL) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
