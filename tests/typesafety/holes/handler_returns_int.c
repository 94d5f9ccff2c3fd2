/* HOLE: a handler returning int instead of trpc_status.  An enum type is
 * compatible with its underlying integer type (int here, as trpc_status has
 * a negative value), so the function types are compatible and nothing is
 * reported; the handler may return any number. */
#include "ts.h"

static int get_item(trpc_call *call, const Shop__ItemRequest *req, Shop__Item *reply, void *user)
{
    (void)call;
    (void)req;
    (void)reply;
    (void)user;
    return 99;
}

const Shop__Shop_Impl impl = { .get_item = get_item };
