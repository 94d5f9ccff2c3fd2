// expect: (macro "shop__shop__watch__finish" passed 2 arguments, but takes just 1|too many arguments provided to function-like macro invocation)
/* Finishing a server stream as if it had one reply (like a client stream):
 * a server stream's replies come from __recv, its __finish takes only the
 * stream. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Shop_Watch_Stream *stream = NULL;
    Shop__Event *last = NULL;
    TS_CHECK(shop__shop__watch__start(&stream, shop__shop__client(ch), &req, NULL) == TRPC_OK);
#ifdef TWIN
    TS_CHECK(!shop__shop__watch__recv(stream, &last));
    TS_CHECK(shop__shop__watch__finish(stream) == TRPC_STATUS_UNAVAILABLE);
#else
    TS_CHECK(shop__shop__watch__finish(stream, &last) == TRPC_STATUS_UNAVAILABLE);
#endif
    trpc_channel_free(ch);
    return 0;
}
