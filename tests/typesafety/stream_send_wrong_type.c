// expect: 'Shop__Receipt \*'.*not compatible with any
/* Sending the reply type (Receipt) on a client stream that takes Items. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Checkout_Call *call = NULL;
    Shop__Item item = SHOP__ITEM__INIT;
    Shop__Receipt receipt = SHOP__RECEIPT__INIT;
    Shop__Receipt *reply = NULL;
    (void)item;
    (void)receipt;
    TS_CHECK(shop__shop__checkout__start(ch, NULL, &call) == 0);
#ifdef TWIN
    int rc = shop__shop__checkout__send(call, &item);
#else
    int rc = shop__shop__checkout__send(call, &receipt);
#endif
    TS_CHECK(rc == 0 || rc == TRPC_ECLOSED);
    TS_CHECK(shop__shop__checkout__finish(call, &reply) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
