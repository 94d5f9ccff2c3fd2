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
    Shop__Shop_Watch_Stream *stream = NULL;
    (void)more;
    TS_CHECK(shop__shop__watch__start(&stream, shop__shop__client(ch), &req, NULL) == TRPC_OK);
#ifndef TWIN
    TS_CHECK(shop__shop__watch__send(stream, &more) == TRPC_OK);
#endif
    TS_CHECK(shop__shop__watch__finish(stream) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
