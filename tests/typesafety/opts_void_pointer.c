// expect: 'const void \*'.*not compatible with any
/* Per-call options passed through a void * (a literal NULL is fine; a void *
 * variable could point at anything). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 5000);
    void *any = &opts;
    (void)any;
#ifdef TWIN
    trpc_status st = shop__shop__get_item(shop, &req, &reply, &opts);
#else
    trpc_status st = shop__shop__get_item(shop, &req, &reply, any);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
