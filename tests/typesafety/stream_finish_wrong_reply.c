// expect: 'Shop__Item \*\*'.*not compatible with any
/* Finishing a client stream with a reply pointer of the wrong type. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Checkout_Call *call = NULL;
#ifdef TWIN
    Shop__Receipt *reply = NULL;
#else
    Shop__Item *reply = NULL;
#endif
    TS_CHECK(shop__shop__checkout__start(ch, NULL, &call) == 0);
    TS_CHECK(shop__shop__checkout__finish(call, &reply) == TRPC_STATUS_UNAVAILABLE);
    TS_CHECK(reply == NULL);
    trpc_channel_free(ch);
    return 0;
}
