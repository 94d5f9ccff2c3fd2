// expect: (passing argument 4 of 'shop__shop__get_item' makes pointer from integer without a cast|incompatible integer to pointer conversion passing 'int' to parameter of type 'const trpc_call_opts \*')
/* An integer (here a timeout meant for the options) where the options
 * pointer goes. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    int timeout_ms = 5000;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = timeout_ms);
    (void)opts;
#ifdef TWIN
    trpc_status st = shop__shop__get_item(shop, &req, &reply, &opts);
#else
    trpc_status st = shop__shop__get_item(shop, &req, &reply, timeout_ms);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
