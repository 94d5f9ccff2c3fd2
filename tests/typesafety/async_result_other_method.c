// expect: 'void \(\*\)\(const Shop__Shop_GetItem_Result \*, +void \*\)'.*not compatible with any
/* GetItem's async callback given to Reserve's __async: the same reply type
 * (Item), but each unary method has its own result type. */
#include "ts.h"

static volatile int done_flag;

static void get_item_done(const Shop__Shop_GetItem_Result *result, void *user)
{
    (void)result;
    (void)user;
}

static void reserve_done(const Shop__Shop_Reserve_Result *result, void *user)
{
    (void)user;
    if (result->status == TRPC_STATUS_UNAVAILABLE && result->reply == NULL)
        done_flag = 1;
}

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    (void)get_item_done;
    (void)reserve_done;
#ifdef TWIN
    trpc_error rv = shop__shop__reserve__async(shop__shop__client(ch), &req, NULL, reserve_done,
                                               NULL);
#else
    trpc_error rv = shop__shop__reserve__async(shop__shop__client(ch), &req, NULL, get_item_done,
                                               NULL);
#endif
    TS_CHECK(rv == TRPC_OK);
    ts_wait_flag(&done_flag);
    trpc_channel_free(ch);
    return 0;
}
