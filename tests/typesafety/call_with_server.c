// expect: (get_item__call' from incompatible pointer type|incompatible pointer types passing 'trpc_server \*')
/* A server passed where a channel is expected. */
#include "ts.h"

int main(void)
{
    trpc_server *srv = ts_server();
    trpc_channel *ch = ts_dead_channel();
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
#ifdef TWIN
    trpc_status st = shop__shop__get_item__call(ch, &req, &reply, NULL);
#else
    trpc_status st = shop__shop__get_item__call(srv, &req, &reply, NULL);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    trpc_server_free(srv);
    return 0;
}
