// expect: (macro "shop__shop__checkout__start" passed 4 arguments, but takes just 3|too many arguments provided to function-like macro invocation)
/* Starting a client stream with a request, as a server stream starts: a
 * client stream's requests go through __send. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__Item item = SHOP__ITEM__INIT;
    Shop__Shop_Checkout_Stream *stream = NULL;
    Shop__Receipt *reply = NULL;
#ifdef TWIN
    TS_CHECK(shop__shop__checkout__start(&stream, shop, NULL) == TRPC_OK);
    trpc_error rv = shop__shop__checkout__send(stream, &item);
    TS_CHECK(rv == TRPC_OK || rv == TRPC_ECLOSED);
#else
    TS_CHECK(shop__shop__checkout__start(&stream, shop, &item, NULL) == TRPC_OK);
#endif
    TS_CHECK(shop__shop__checkout__finish(stream, &reply) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
