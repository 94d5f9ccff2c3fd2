// expect: 'void \(\*\)\(Shop__Shop_Watch_Stream \*, +Shop__Item \*, +void \*\)'.*not compatible with any
/* An async server-stream message callback for another element type. */
#include "ts.h"

static volatile int done_flag;

#ifdef TWIN
static void on_message(Shop__Shop_Watch_Stream *stream, Shop__Event *msg, void *user)
#else
static void on_message(Shop__Shop_Watch_Stream *stream, Shop__Item *msg, void *user)
#endif
{
    (void)stream;
    (void)msg;
    (void)user;
}

static void on_status(Shop__Shop_Watch_Stream *stream, trpc_status code, const char *message,
                      void *user)
{
    (void)stream;
    (void)message;
    (void)user;
    if (code == TRPC_STATUS_UNAVAILABLE)
        done_flag = 1;
}

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Shop_Watch_Stream *stream = NULL;
    TS_CHECK(shop__shop__watch__start_async(&stream, shop__shop__client(ch), &req, NULL,
                                            on_message, on_status, NULL) == TRPC_OK);
    ts_wait_flag(&done_flag);
    TS_CHECK(shop__shop__watch__finish(stream) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
