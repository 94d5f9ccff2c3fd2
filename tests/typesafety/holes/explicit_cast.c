/* HOLE: an explicit cast silences every check: a handler of the wrong type
 * cast to the slot's type, a message cast to the request's type.  The cast
 * says "I know better"; the runtime still rejects a message whose
 * descriptor is not the method's (trpc_call_send(), trpc_stream_send() answer
 * TRPC_EINVAL), but a wrongly cast handler is undefined behaviour. */
#include "ts.h"

static trpc_status wrong(trpc_call *call, const Shop__Event *req, Shop__Event *reply, void *user)
{
    (void)call;
    (void)req;
    (void)reply;
    (void)user;
    return TRPC_STATUS_OK;
}

const Shop__Shop_Impl impl = { .get_item = (Shop__Shop_GetItem_Handler *)wrong };

trpc_status call(trpc_channel *ch, Shop__Event *ev, Shop__Item **reply);
trpc_status call(trpc_channel *ch, Shop__Event *ev, Shop__Item **reply)
{
    return shop__shop__get_item__call(ch, (Shop__ItemRequest *)ev, reply, NULL);
}
