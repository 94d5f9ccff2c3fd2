// expect: 'Shop__Event \*'.*not compatible with any
/* A request of another message type passed to a unary stub. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Item *reply = NULL;
#ifdef TWIN
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
#else
    Shop__Event req = SHOP__EVENT__INIT; /* GetItem takes a Shop__ItemRequest */
#endif
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, NULL);
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE && reply == NULL);
    trpc_channel_free(ch);
    return 0;
}
