// expect: 'Shop__Shop_Chat_Call \*'.*not compatible with any
/* One method's stream handle (Chat's) used with another method's function
 * (Checkout's close_send). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Call *chat = NULL;
    TS_CHECK(shop__shop__chat__start(ch, NULL, &chat) == 0);
#ifdef TWIN
    int rc = shop__shop__chat__close_send(chat);
#else
    int rc = shop__shop__checkout__close_send(chat);
#endif
    TS_CHECK(rc == 0 || rc == TRPC_ECLOSED);
    TS_CHECK(shop__shop__chat__finish(chat) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
