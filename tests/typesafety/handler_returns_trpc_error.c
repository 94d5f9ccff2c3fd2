// expect: implicit conversion from (enumeration type )?'(enum )?trpc_error'.*to (different enumeration type )?'trpc_status'
/* A handler returning a library error code (trpc_error, such as TRPC_EINVAL)
 * where a gRPC status is expected.  Both are enums: C converts one to the
 * other silently unless -Wenum-conversion is an error, which shop.trpc.h
 * makes it. */
#include "ts.h"

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)call;
    (void)user;
    if (req->name == NULL || req->name[0] == '\0')
#ifdef TWIN
        return TRPC_STATUS_INVALID_ARGUMENT;
#else
        return TRPC_EINVAL;
#endif
    reply->name = req->name;
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_get_item(srv);
    return 0;
}
