/* HOLE: user data of the wrong type.  `void *user` accepts any object
 * pointer, and the handler converts it back to what it expects; C has no
 * generics that could carry the type from __serve (or __async,
 * __start_async) to the notification.  (A handler *declaring* its user
 * data with another type is caught: handler_typed_user.c,
 * async_result_typed_user.c.) */
#include "ts.h"

struct app {
    int hits;
};

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    struct app *app = user; /* but __serve was given a double */
    (void)call;
    (void)req;
    (void)reply;
    app->hits++;
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .get_item = get_item };

trpc_error serve(trpc_server *srv);
trpc_error serve(trpc_server *srv)
{
    static double not_an_app;
    return shop__shop__serve(srv, &impl, &not_an_app);
}
