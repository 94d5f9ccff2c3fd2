/* HOLE: const is shallow.  A handler cannot assign req's members (see
 * const_request_modified.c), but the strings, bytes, repeated arrays and
 * sub-messages they point to are reachable through `char *const`, and can be
 * written. */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)call;
    (void)user;
    if (req->name && req->name[0])
        req->name[0] = 'X'; /* writes into the request */
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

const Shop__Shop_Impl impl = { .get_item = get_item };
