// expect: 'void \(\*\)\(trpc_status, +const char \*, Shop__Item \*, struct app \*\)'.*not compatible with any
/* An async completion callback whose user data is declared with the
 * application's type instead of void * (callbacks take void *user; cast
 * inside). */
#include "ts.h"

struct app {
    volatile int done;
};

#ifdef TWIN
static void done(trpc_status code, const char *message, Shop__Item *reply, void *user)
#else
static void done(trpc_status code, const char *message, Shop__Item *reply, struct app *user)
#endif
{
    struct app *app = user;
    (void)message;
    if (code == TRPC_STATUS_UNAVAILABLE && reply == NULL)
        app->done = 1;
}

int main(void)
{
    static struct app app;
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    TS_CHECK(shop__shop__get_item__async(ch, &req, NULL, done, &app) == 0);
    ts_wait_flag(&app.done);
    trpc_channel_free(ch);
    return 0;
}
