// expect: implicit declaration of function 'shop__shop__watch__call'
/* Calling a server-streaming method with the unary-only blocking __call. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Event *reply = NULL;
#ifdef TWIN
    Shop__Shop_Watch_Call *call = NULL;
    TS_CHECK(shop__shop__watch__start(ch, &req, NULL, &call) == 0);
    TS_CHECK(shop__shop__watch__recv(call, &reply) == 0);
    TS_CHECK(shop__shop__watch__finish(call) == TRPC_STATUS_UNAVAILABLE);
#else
    TS_CHECK(shop__shop__watch__call(ch, &req, &reply, NULL) == TRPC_STATUS_UNAVAILABLE);
#endif
    trpc_channel_free(ch);
    return 0;
}
