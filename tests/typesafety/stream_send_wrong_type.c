// expect: 'Shop__Receipt \*'.*not compatible with any
/* Sending a message of another type (the method's reply type) on a client
 * stream of Items. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Checkout_Stream *stream = NULL;
    Shop__Item item = SHOP__ITEM__INIT;
    Shop__Receipt wrong = SHOP__RECEIPT__INIT;
    Shop__Receipt *reply = NULL;
    (void)item;
    (void)wrong;
    TS_CHECK(shop__shop__checkout__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
#ifdef TWIN
    trpc_error rv = shop__shop__checkout__send(stream, &item);
#else
    trpc_error rv = shop__shop__checkout__send(stream, &wrong);
#endif
    TS_CHECK(rv == TRPC_OK || rv == TRPC_ECLOSED);
    TS_CHECK(shop__shop__checkout__finish(stream, &reply) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
