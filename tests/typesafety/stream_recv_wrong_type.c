// expect: 'Shop__Item \*\*'.*not compatible with any
/* Receiving a server stream's replies (Events) into a pointer of another
 * message type. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Shop_Watch_Stream *stream = NULL;
    Shop__Event *ev = NULL;
    Shop__Item *item = NULL;
    (void)ev;
    (void)item;
    TS_CHECK(shop__shop__watch__start(&stream, shop__shop__client(ch), &req, NULL) == TRPC_OK);
#ifdef TWIN
    TS_CHECK(!shop__shop__watch__recv(stream, &ev));
#else
    TS_CHECK(!shop__shop__watch__recv(stream, &item));
#endif
    TS_CHECK(shop__shop__watch__finish(stream) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
