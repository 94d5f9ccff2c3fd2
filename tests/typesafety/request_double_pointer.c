// expect: 'Shop__ItemRequest \*\*'.*not compatible with any
/* A Foo ** passed where a Foo * is expected (the address of a pointer). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest storage = SHOP__ITEM_REQUEST__INIT;
    Shop__ItemRequest *req = &storage;
    Shop__Item *reply = NULL;
#ifdef TWIN
    trpc_status st = shop__shop__get_item__call(ch, req, &reply, NULL);
#else
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, NULL);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
