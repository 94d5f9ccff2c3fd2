// expect: 'void \(\*\)\(trpc_status, +const char \*, Shop__Receipt \*, void \*\)'.*not compatible with any
/* An async unary completion callback whose reply type is another message. */
#include "ts.h"

static volatile int done_flag;

#ifdef TWIN
static void done(trpc_status code, const char *message, Shop__Item *reply, void *user)
#else
static void done(trpc_status code, const char *message, Shop__Receipt *reply, void *user)
#endif
{
    (void)message;
    (void)user;
    if (code == TRPC_STATUS_UNAVAILABLE && reply == NULL)
        done_flag = 1;
}

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    TS_CHECK(shop__shop__get_item__async(ch, &req, NULL, done, NULL) == 0);
    ts_wait_flag(&done_flag);
    trpc_channel_free(ch);
    return 0;
}
