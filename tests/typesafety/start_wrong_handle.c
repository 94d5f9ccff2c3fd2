// expect: 'Shop__Shop_Relay_Stream \*\*'.*not compatible with any
/* Starting a bidi call into the stream variable of another method with the
 * same message types (Relay's for Chat). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Stream *chat = NULL;
    Shop__Shop_Relay_Stream *relay = NULL;
    (void)relay;
#ifdef TWIN
    TS_CHECK(shop__shop__chat__start(&chat, shop__shop__client(ch), NULL) == TRPC_OK);
#else
    TS_CHECK(shop__shop__chat__start(&relay, shop__shop__client(ch), NULL) == TRPC_OK);
#endif
    TS_CHECK(shop__shop__chat__finish(chat) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
