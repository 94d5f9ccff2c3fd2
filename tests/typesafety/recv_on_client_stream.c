// expect: implicit declaration of function 'shop__shop__checkout__recv'
/* Receiving on a client-streaming call: its one reply comes from __finish,
 * so there is no __recv (an implicit declaration, an error with shop.trpc.h). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Checkout_Stream *stream = NULL;
    Shop__Receipt *reply = NULL;
    TS_CHECK(shop__shop__checkout__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
#ifndef TWIN
    TS_CHECK(!shop__shop__checkout__recv(stream, &reply));
#endif
    TS_CHECK(shop__shop__checkout__finish(stream, &reply) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
