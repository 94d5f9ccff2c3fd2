// expect: 'Shop__Item \*\*'.*not compatible with any
/* Receiving a server stream's messages into a pointer of the wrong type. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Shop_Watch_Call *call = NULL;
#ifdef TWIN
    Shop__Event *msg = NULL;
#else
    Shop__Item *msg = NULL;
#endif
    TS_CHECK(shop__shop__watch__start(ch, &req, NULL, &call) == 0);
    TS_CHECK(shop__shop__watch__recv(call, &msg) == 0);
    TS_CHECK(shop__shop__watch__finish(call) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
