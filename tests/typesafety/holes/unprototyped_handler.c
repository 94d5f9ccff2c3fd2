/* HOLE: a handler declared without a prototype (`()` in C before C23) is
 * compatible with every handler type whose parameters survive the default
 * argument promotions, so it can be stored in any slot. */
#include "ts.h"

static trpc_status any_handler();

const Shop__Shop_Impl impl = { .get_item = any_handler, .checkout = any_handler };

static trpc_status any_handler(trpc_call *call, const void *req, void *reply, void *user)
{
    (void)call;
    (void)req;
    (void)reply;
    (void)user;
    return TRPC_STATUS_OK;
}
