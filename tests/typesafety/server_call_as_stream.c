// expect: 'Shop__Shop_Chat_Call \*'.*not compatible with any
/* A server's Chat call handle used as the client's Chat stream (__send
 * instead of __write): the call being served and a call being made are
 * distinct types, though the method is the same. */
#include "ts.h"

static trpc_status chat(Shop__Shop_Chat_Call *call, const Shop__Event *req, void *user)
{
    (void)user;
#ifdef TWIN
    trpc_error rv = shop__shop__chat__write(call, req);
#else
    trpc_error rv = shop__shop__chat__send(call, req);
#endif
    return rv == TRPC_OK ? TRPC_PENDING : TRPC_STATUS_INTERNAL;
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
