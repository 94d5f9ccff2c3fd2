// expect: 'Shop__Shop_Watch_Call \*\*'.*not compatible with any
/* Starting a bidi call into another method's handle variable. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Call *chat = NULL;
    Shop__Shop_Watch_Call *watch = NULL;
    (void)watch;
#ifdef TWIN
    TS_CHECK(shop__shop__chat__start(ch, NULL, &chat) == 0);
#else
    TS_CHECK(shop__shop__chat__start(ch, NULL, &watch) == 0);
#endif
    TS_CHECK(shop__shop__chat__finish(chat) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
