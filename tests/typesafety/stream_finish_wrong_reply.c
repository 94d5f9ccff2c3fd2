// expect: 'Shop__Item \*\*'.*not compatible with any
/* Finishing a client stream into a reply pointer of another message type
 * (Checkout replies with a Receipt). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Checkout_Stream *stream = NULL;
    Shop__Receipt *receipt = NULL;
    Shop__Item *item = NULL;
    (void)item;
    TS_CHECK(shop__shop__checkout__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
#ifdef TWIN
    TS_CHECK(shop__shop__checkout__finish(stream, &receipt) == TRPC_STATUS_UNAVAILABLE);
#else
    TS_CHECK(shop__shop__checkout__finish(stream, &item) == TRPC_STATUS_UNAVAILABLE);
#endif
    TS_CHECK(receipt == NULL);
    trpc_channel_free(ch);
    return 0;
}
