// expect: (trpc_stream_cancel' from incompatible pointer type|incompatible pointer types passing 'Shop__Shop_Chat_Call \*')
/* A typed call handle passed to the untyped runtime API (trpc_stream_*):
 * generated code's handles are distinct types, not trpc_stream. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Call *chat = NULL;
    TS_CHECK(shop__shop__chat__start(ch, NULL, &chat) == 0);
#ifdef TWIN
    shop__shop__chat__cancel(chat);
#else
    trpc_stream_cancel(chat);
#endif
    trpc_status st = shop__shop__chat__finish(chat);
    TS_CHECK(st == TRPC_STATUS_CANCELLED || st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
