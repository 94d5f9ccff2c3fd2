// expect: (passing argument 1 of 'trpc_stream_send_buffered' from incompatible pointer type|incompatible pointer types passing 'Shop__Shop_Chat_Stream \*')
/* A method's stream handle given to a runtime function, which takes the
 * generic trpc_stream: stream->base is that. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Stream *stream = NULL;
    TS_CHECK(shop__shop__chat__start(&stream, shop__shop__client(ch), NULL) == TRPC_OK);
#ifdef TWIN
    TS_CHECK(trpc_stream_send_buffered(stream->base) == 0);
#else
    TS_CHECK(trpc_stream_send_buffered(stream) == 0);
#endif
    TS_CHECK(shop__shop__chat__finish(stream) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
