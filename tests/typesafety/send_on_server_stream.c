// expect: implicit declaration of function 'shop__shop__watch__send'
/* Sending on a server-streaming call from the client: its one request goes
 * with __start, so there is no __send (an implicit declaration, which
 * shop.trpc.h makes an error). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__ItemRequest more = SHOP__ITEM_REQUEST__INIT;
    Shop__Shop_Watch_Call *call = NULL;
    (void)more;
    TS_CHECK(shop__shop__watch__start(ch, &req, NULL, &call) == 0);
#ifndef TWIN
    TS_CHECK(shop__shop__watch__send(call, &more) == 0);
#endif
    TS_CHECK(shop__shop__watch__finish(call) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
