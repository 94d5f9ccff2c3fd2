// expect: 'void \*'.*not compatible with any
/* An untyped void * passed as the request (C would convert it silently to
 * any object pointer; the stub accepts only its request type). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
#ifdef TWIN
    Shop__ItemRequest *p = &req;
#else
    void *p = &req;
#endif
    trpc_status st = shop__shop__get_item__call(ch, p, &reply, NULL);
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
