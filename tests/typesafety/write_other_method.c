// expect: 'Shop__Shop_Chat_Call \*'.*not compatible with any
/* Writing to a Chat call with Relay's __write: both are bidi methods with
 * the same message types, but each call handle fits its own method only. */
#include "ts.h"

static trpc_status chat(Shop__Shop_Chat_Call *call, const Shop__Event *req, void *user)
{
    (void)user;
#ifdef TWIN
    trpc_error rv = shop__shop__chat__write(call, req);
#else
    trpc_error rv = shop__shop__relay__write(call, req);
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
