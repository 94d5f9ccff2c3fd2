/* HOLE: an explicit cast silences every check: a handler of the wrong type
 * (here another method's) cast to the slot's type, a message cast to the
 * request's type, a channel cast to a client.  The cast says "I know
 * better"; the runtime still rejects a message whose descriptor is not the
 * method's (trpc_channel_unary() answers INVALID_ARGUMENT, trpc_call_send()
 * and trpc_stream_send() TRPC_EINVAL), but a wrongly cast handler is
 * undefined behaviour. */
#include "ts.h"

static trpc_status chat(Shop__Shop_Chat_Call *call, const Shop__Event *req, void *user)
{
    (void)call;
    (void)req;
    (void)user;
    return TRPC_STATUS_OK;
}

const Shop__Shop_Impl impl = { .get_item = (Shop__Shop_GetItem_Handler *)chat };

trpc_status call(trpc_channel *ch, Shop__Event *ev, Shop__Item **reply);
trpc_status call(trpc_channel *ch, Shop__Event *ev, Shop__Item **reply)
{
    return shop__shop__get_item((Shop__Shop_Client *)ch, (Shop__ItemRequest *)ev, reply, NULL);
}
