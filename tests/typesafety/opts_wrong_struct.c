// expect: (get_item__call' from incompatible pointer type|incompatible pointer types passing 'trpc_channel_opts \*')
/* Channel options passed where per-call options are expected. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    trpc_channel_opts chopts;
    trpc_call_opts opts = { .timeout_ms = 5000 };
    trpc_channel_opts_init(&chopts);
    (void)opts;
#ifdef TWIN
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, &opts);
#else
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, &chopts);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    return 0;
}
