/* HOLE: a handler declared to return short.  trpc_status is a 16-bit enum
 * (typerpc/common.h), and an enum type is compatible with its underlying
 * integer type, so this one integer type fits a handler slot (int, unsigned
 * and trpc_error do not: handler_declared_int.c,
 * handler_declared_trpc_error.c). */
#include "ts.h"

static short get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                      Shop__Item *reply, void *user)
{
    (void)call;
    (void)req;
    (void)reply;
    (void)user;
    return 99;
}

const Shop__Shop_Impl impl = { .get_item = get_item };
