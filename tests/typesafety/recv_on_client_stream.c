// expect: implicit declaration of function 'shop__shop__checkout__recv'
/* Receiving on a client-streaming call: its one reply comes from __finish,
 * so there is no __recv (an implicit declaration, an error with shop.trpc.h). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Checkout_Call *call = NULL;
    Shop__Receipt *reply = NULL;
    TS_CHECK(shop__shop__checkout__start(ch, NULL, &call) == 0);
#ifdef TWIN
    TS_CHECK(shop__shop__checkout__finish(call, &reply) == TRPC_STATUS_UNAVAILABLE);
#else
    TS_CHECK(shop__shop__checkout__recv(call, &reply) == 1);
    TS_CHECK(shop__shop__checkout__finish(call, &reply) == TRPC_STATUS_UNAVAILABLE);
#endif
    trpc_channel_free(ch);
    return 0;
}
