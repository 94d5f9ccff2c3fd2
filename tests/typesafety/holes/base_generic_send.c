/* HOLE: ->base reaches the generic runtime, whose functions take any
 * message: through call->base a handler can send an Item on a stream of
 * Events.  It compiles; the runtime rejects it (trpc_call_send() answers
 * TRPC_EINVAL, the message's descriptor not being the method's).  The
 * typed __write (write_wrong_message.c) is the way that is checked. */
#include "ts.h"

static trpc_status watch(Shop__Shop_Watch_Call *call, const Shop__ItemRequest *req, void *user)
{
    Shop__Item item = SHOP__ITEM__INIT;
    (void)user;
    item.name = req->name;
    return trpc_call_send(call->base, &item.base) == TRPC_OK ? TRPC_STATUS_OK
                                                             : TRPC_STATUS_INTERNAL;
}

const Shop__Shop_Impl impl = { .watch = watch };
