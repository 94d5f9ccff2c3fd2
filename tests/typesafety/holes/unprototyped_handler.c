/* HOLE: a handler declared without a prototype (`()` in C before C23) is
 * compatible with every handler type whose parameters survive the default
 * argument promotions and whose return type is trpc_status, so it can be
 * stored in any such slot, of any method: the call types in the slots'
 * signatures are never compared. */
#include "ts.h"

static trpc_status any_handler();

const Shop__Shop_Impl impl = { .get_item = any_handler, .reserve = any_handler,
                               .checkout = any_handler, .checkout_end = any_handler };

static trpc_status any_handler(void *call, const void *req, void *reply, void *user)
{
    (void)call;
    (void)req;
    (void)reply;
    (void)user;
    return TRPC_STATUS_OK;
}
