// expect: (macro "shop__shop__watch__finish" passed 2 arguments, but takes just 1|too many arguments provided to function-like macro invocation)
/* Finishing a server stream as if it had one reply (like a client stream):
 * a server stream's replies come from __recv, its __finish takes only the
 * call. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Shop_Watch_Call *call = NULL;
    Shop__Event *last = NULL;
    TS_CHECK(shop__shop__watch__start(ch, &req, NULL, &call) == 0);
#ifdef TWIN
    TS_CHECK(shop__shop__watch__recv(call, &last) == 0);
    TS_CHECK(shop__shop__watch__finish(call) == TRPC_STATUS_UNAVAILABLE);
#else
    TS_CHECK(shop__shop__watch__finish(call, &last) == TRPC_STATUS_UNAVAILABLE);
#endif
    trpc_channel_free(ch);
    return 0;
}
