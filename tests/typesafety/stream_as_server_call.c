// expect: 'Shop__Shop_Chat_Stream \*'.*not compatible with any
/* A client's Chat stream used as the server's Chat call handle (__write
 * instead of __send). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Stream *stream = NULL;
    Shop__Event ev = SHOP__EVENT__INIT;
    ev.what = "hello";
    TS_CHECK(shop__shop__chat__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
#ifdef TWIN
    trpc_error rv = shop__shop__chat__send(stream, &ev);
#else
    trpc_error rv = shop__shop__chat__write(stream, &ev);
#endif
    TS_CHECK(rv == TRPC_OK || rv == TRPC_ECLOSED);
    TS_CHECK(shop__shop__chat__finish(stream) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
