// expect: 'void \(\*\)\(Shop__Shop_Watch_Call \*, trpc_status, +const char \*, void \*\)'.*not compatible with any
/* An async bidi call given another method's end-of-call callback. */
#include "ts.h"

static volatile int done_flag;

static void chat_message(Shop__Shop_Chat_Call *call, Shop__Event *msg, void *user)
{
    (void)call;
    (void)user;
    shop__event__free_unpacked(msg, NULL);
}

static void chat_done(Shop__Shop_Chat_Call *call, trpc_status code, const char *message,
                      void *user)
{
    (void)call;
    (void)message;
    (void)user;
    if (code == TRPC_STATUS_UNAVAILABLE)
        done_flag = 1;
}

static void watch_done(Shop__Shop_Watch_Call *call, trpc_status code, const char *message,
                       void *user)
{
    (void)call;
    (void)code;
    (void)message;
    (void)user;
}

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Chat_Call *call = NULL;
#ifdef TWIN
    TS_CHECK(shop__shop__chat__start_async(ch, NULL, chat_message, chat_done, NULL, &call) == 0);
#else
    TS_CHECK(shop__shop__chat__start_async(ch, NULL, chat_message, watch_done, NULL, &call) == 0);
#endif
    ts_wait_flag(&done_flag);
    TS_CHECK(shop__shop__chat__finish(call) == TRPC_STATUS_UNAVAILABLE);
    (void)chat_done;
    (void)watch_done;
    trpc_channel_free(ch);
    return 0;
}
