// expect: 'Shop__Item \*'.*not compatible with any
/* A Foo * passed where the out-parameter Foo ** is expected (the address of
 * a message struct instead of the address of a pointer to the reply). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
#ifdef TWIN
    Shop__Item *reply = NULL;
#else
    Shop__Item reply = SHOP__ITEM__INIT;
#endif
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, NULL);
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
