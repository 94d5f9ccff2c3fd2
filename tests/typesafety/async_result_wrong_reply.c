// expect: 'void \(\*\)\(const Shop__Admin_Restock_Result \*, +void \*\)'.*not compatible with any
/* An async unary callback for another method's result, whose reply is
 * another message (shop.Admin/Restock's: a Receipt, not an Item). */
#include "ts.h"

static volatile int done_flag;

#ifdef TWIN
static void done(const Shop__Shop_GetItem_Result *result, void *user)
#else
static void done(const Shop__Admin_Restock_Result *result, void *user)
#endif
{
    (void)user;
    if (result->status == TRPC_STATUS_UNAVAILABLE && result->reply == NULL)
        done_flag = 1;
}

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
