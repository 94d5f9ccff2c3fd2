// expect: (incompatible (function )?pointer types initializing|initialization of '[^']*' from incompatible pointer type).*const Shop__Event \*, Shop__Event \*, void
/* A bidi handler written like a unary one: it takes a reply message to
 * fill instead of the method's writer. */
#include "ts.h"

#ifdef TWIN
static trpc_status chat(trpc_call *call, const Shop__Event *req, Shop__Shop_Chat_Writer *out,
                        void *user)
#else
static trpc_status chat(trpc_call *call, const Shop__Event *req, Shop__Event *out, void *user)
#endif
{
    (void)call;
    (void)user;
    if (req == NULL)
        return TRPC_STATUS_OK;
#ifdef TWIN
    if (shop__shop__chat__write(out, req) != 0)
        return TRPC_STATUS_INTERNAL;
#else
    out->what = req->what;
#endif
    return TRPC_PENDING;
}

static const Shop__Shop_Impl impl = { .chat = chat };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == 0);
    trpc_channel *ch = ts_start(srv);
    Shop__Shop_Chat_Call *call = NULL;
    Shop__Event ev = SHOP__EVENT__INIT;
    Shop__Event *echo = NULL;
    ev.what = "hello";
    TS_CHECK(shop__shop__chat__start(ch, NULL, &call) == 0);
    TS_CHECK(shop__shop__chat__send(call, &ev) == 0);
    TS_CHECK(shop__shop__chat__recv(call, &echo) == 1);
    TS_CHECK(strcmp(echo->what, "hello") == 0);
    shop__event__free_unpacked(echo, NULL);
    TS_CHECK(shop__shop__chat__close_send(call) == 0);
    TS_CHECK(shop__shop__chat__recv(call, &echo) == 0);
    TS_CHECK(shop__shop__chat__finish(call) == TRPC_STATUS_OK);
    ts_stop(srv, ch);
    return 0;
}
