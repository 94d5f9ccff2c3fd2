// expect: 'Other__Item \*\*'.*not compatible with any
/* A reply pointer of another package's same-named message. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
#ifdef TWIN
    Shop__Item *reply = NULL;
#else
    Other__Item *reply = NULL;
#endif
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, NULL);
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE && reply == NULL);
    trpc_channel_free(ch);
    return 0;
}
