// expect: 'trpc_server \*'.*not compatible with any
/* A server passed where the service's client goes. */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = ts_dead_channel();
    Shop__Shop_Client *shop = shop__shop__client(ch);
    Shop__ItemRequest req = SHOP__ITEM_REQUEST__INIT;
    Shop__Item *reply = NULL;
    trpc_server *srv = ts_server();
#ifdef TWIN
    trpc_status st = shop__shop__get_item(shop, &req, &reply, NULL);
#else
    trpc_status st = shop__shop__get_item(srv, &req, &reply, NULL);
#endif
    TS_CHECK(st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(ch);
    trpc_server_free(srv);
    return 0;
}
