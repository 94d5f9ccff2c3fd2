// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Chat_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_Chat_Call \*, +const Shop__Event \*, +Shop__Event \*, +void \*\)'
/* A bidi handler written like a unary one: it takes a reply message to
 * fill, where a bidi method's replies go through __write. */
#include "ts.h"

#ifdef TWIN
static trpc_status chat(Shop__Shop_Chat_Call *call, const Shop__Event *req, void *user)
#else
static trpc_status chat(Shop__Shop_Chat_Call *call, const Shop__Event *req, Shop__Event *out,
                        void *user)
#endif
{
    (void)user;
#ifndef TWIN
    out->what = req->what;
#endif
    return shop__shop__chat__write(call, req) == TRPC_OK ? TRPC_PENDING : TRPC_STATUS_INTERNAL;
}

static trpc_status chat_end(Shop__Shop_Chat_Call *call, void *user)
{
    (void)call;
    (void)user;
    return TRPC_STATUS_OK;
}

static const Shop__Shop_Impl impl = { .chat = chat, .chat_end = chat_end };

int main(void)
{
    trpc_server *srv = ts_server();
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_chat(srv);
    return 0;
}
