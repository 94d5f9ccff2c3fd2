// expect: 'void \(\*\)\(trpc_status, +const char \*, +Shop__Item \*, +void \*\)'.*not compatible with any
/* An async unary callback written for typerpc 0.1 (status, message and
 * reply as parameters): v2 callbacks get the method's result type. */
#include "ts.h"

static volatile int done_flag;

#ifdef TWIN
static void done(const Shop__Shop_GetItem_Result *result, void *user)
{
    (void)user;
    if (result->status == TRPC_STATUS_UNAVAILABLE && result->reply == NULL)
        done_flag = 1;
}
#else
static void done(trpc_status code, const char *message, Shop__Item *reply, void *user)
{
    (void)message;
    (void)user;
    if (code == TRPC_STATUS_UNAVAILABLE && reply == NULL)
        done_flag = 1;
}
#endif

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    TS_CHECK(shop__shop__get_item__async(shop__shop__client(ch), &req, NULL, done, NULL) ==
             TRPC_OK);
    ts_wait_flag(&done_flag);
    trpc_channel_free(ch);
    return 0;
}
