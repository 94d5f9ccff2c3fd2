// expect: implicit declaration of function 'shop__shop__watch'
/* Calling a server-streaming method like a unary one (the blocking call
 * with a reply exists for unary methods only: an implicit declaration,
 * which shop.trpc.h makes an error). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Event *reply = NULL;
#ifdef TWIN
    Shop__Shop_Watch_Stream *stream = NULL;
    TS_CHECK(shop__shop__watch__start(&stream, shop, &req, NULL) == TRPC_OK);
    TS_CHECK(!shop__shop__watch__recv(stream, &reply));
    TS_CHECK(shop__shop__watch__finish(stream) == TRPC_STATUS_UNAVAILABLE);
#else
    TS_CHECK(shop__shop__watch(shop, &req, &reply, NULL) == TRPC_STATUS_UNAVAILABLE);
#endif
    trpc_channel_free(ch);
    return 0;
}
