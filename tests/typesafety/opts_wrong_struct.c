// expect: (pointer type mismatch in conditional expression|pointer type mismatch \('trpc_channel_opts \*')
// expect: '(const )?void \*'.*not compatible with any
/* Channel options passed where per-call options go. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    trpc_channel_opts chopts = TRPC_CHANNEL_OPTS(.connect_timeout_ms = 5000);
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = 5000);
    (void)chopts;
    (void)opts;
#ifdef TWIN
    trpc_status st = shop__shop__get_item(shop, &req, &reply, &opts);
#else
    trpc_status st = shop__shop__get_item(shop, &req, &reply, &chopts);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
