// expect: 'void \(\*\)\(Shop__Shop_Chat_Stream \*, +trpc_status, +const char \*, +void \*\)'.*not compatible with any
/* Chat's async status callback given to Relay's __start_async: both are
 * bidi methods with the same message types, but each stream is its own
 * type. */
#include "ts.h"

static volatile int done_flag;

static void relay_message(Shop__Shop_Relay_Stream *stream, Shop__Event *msg, void *user)
{
    (void)stream;
    (void)user;
    shop__event__free_unpacked(msg, NULL);
}

static void chat_status(Shop__Shop_Chat_Stream *stream, trpc_status code, const char *message,
                        void *user)
{
    (void)stream;
    (void)code;
    (void)message;
    (void)user;
}

static void relay_status(Shop__Shop_Relay_Stream *stream, trpc_status code,
                         const char *message, void *user)
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
    Shop__Shop_Relay_Stream *stream = NULL;
    (void)chat_status;
    (void)relay_status;
#ifdef TWIN
    TS_CHECK(shop__shop__relay__start_async(&stream, shop__shop__client(ch), NULL,
                                            relay_message, relay_status, NULL) == TRPC_OK);
#else
    TS_CHECK(shop__shop__relay__start_async(&stream, shop__shop__client(ch), NULL,
                                            relay_message, chat_status, NULL) == TRPC_OK);
#endif
    ts_wait_flag(&done_flag);
    TS_CHECK(shop__shop__relay__finish(stream) == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
