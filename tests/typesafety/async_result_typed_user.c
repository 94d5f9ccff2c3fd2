// expect: 'void \(\*\)\(const Shop__Shop_GetItem_Result \*, +struct app \*\)'.*not compatible with any
/* An async unary callback whose user data is declared with the
 * application's type instead of void * (callbacks take void *user and
 * convert it inside). */
#include "ts.h"

struct app {
    volatile int done;
};

#ifdef TWIN
static void done(const Shop__Shop_GetItem_Result *result, void *user)
#else
static void done(const Shop__Shop_GetItem_Result *result, struct app *user)
#endif
{
    struct app *app = user;
    if (result->status == TRPC_STATUS_UNAVAILABLE && result->reply == NULL)
        app->done = 1;
}

int main(void)
{
    static struct app app;
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    TS_CHECK(shop__shop__get_item__async(shop__shop__client(ch), &req, NULL, done, &app) ==
             TRPC_OK);
    ts_wait_flag(&app.done);
    trpc_channel_free(ch);
    return 0;
}
