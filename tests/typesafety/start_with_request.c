// expect: (macro "shop__shop__checkout__start" passed 4 arguments, but takes just 3|too many arguments provided to function-like macro invocation)
/* Starting a client stream with a request, as a server stream starts: a
 * client stream's requests go through __send. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Item item = SHOP__ITEM__INIT;
    Shop__Shop_Checkout_Call *call = NULL;
    Shop__Receipt *reply = NULL;
#ifdef TWIN
    TS_CHECK(shop__shop__checkout__start(ch, NULL, &call) == 0);
    int rc = shop__shop__checkout__send(call, &item);
    TS_CHECK(rc == 0 || rc == TRPC_ECLOSED);
#else
    TS_CHECK(shop__shop__checkout__start(ch, &item, NULL, &call) == 0);
#endif
    TS_CHECK(shop__shop__checkout__finish(call, &reply) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
