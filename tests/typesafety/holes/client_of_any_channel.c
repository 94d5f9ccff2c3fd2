/* HOLE: a channel is not typed by service (one channel reaches every
 * service of its server), so any channel makes a client of any service: a
 * client of shop.Admin made from a channel to a server that serves only
 * shop.Shop compiles, and its calls end with UNIMPLEMENTED at run time. */
#include "ts.h"

trpc_status restock(trpc_channel *shop_server);
trpc_status restock(trpc_channel *shop_server)
{
    Shop__Item item = SHOP__ITEM__INIT;
    Shop__Receipt *receipt = NULL;
    return shop__admin__restock(shop__admin__client(shop_server), &item, &receipt, NULL);
}
