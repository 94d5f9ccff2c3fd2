// expect: 'Shop__Shop_Chat_Stream \*'.*not compatible with any
/* Finishing a Chat stream with Relay's __finish: the same kind and message
 * types, another method. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Stream *chat = NULL;
    TS_CHECK(shop__shop__chat__start(&chat, shop__shop__client(ch), NULL) == TRPC_OK);
#ifdef TWIN
    TS_CHECK(shop__shop__chat__finish(chat) == TRPC_STATUS_UNAVAILABLE);
#else
    TS_CHECK(shop__shop__relay__finish(chat) == TRPC_STATUS_UNAVAILABLE);
#endif
    trpc_channel_free(ch);
    return 0;
}
