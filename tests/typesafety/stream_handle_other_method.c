// expect: 'Shop__Shop_Chat_Stream \*'.*not compatible with any
/* Chat's stream given to Relay's __send: the same kind and message types,
 * another method. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Stream *chat = NULL;
    Shop__Event ev = SHOP__EVENT__INIT;
    TS_CHECK(shop__shop__chat__start(&chat, shop__shop__client(ch), NULL) == TRPC_OK);
#ifdef TWIN
    trpc_error rv = shop__shop__chat__send(chat, &ev);
#else
    trpc_error rv = shop__shop__relay__send(chat, &ev);
#endif
    TS_CHECK(rv == TRPC_OK || rv == TRPC_ECLOSED);
    TS_CHECK(shop__shop__chat__finish(chat) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
