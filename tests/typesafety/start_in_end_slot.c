// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Chat_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_Chat_Call \*, +const trpc_metadata \*, +void \*\)'
/* A bidi method's start handler placed at its end slot: the start
 * notification takes the request metadata, the end one does not. */
#include "ts.h"

static trpc_status chat(Shop__Shop_Chat_Call *call, const Shop__Event *req, void *user)
{
    (void)user;
    return shop__shop__chat__write(call, req) == TRPC_OK ? TRPC_PENDING : TRPC_STATUS_INTERNAL;
}

static trpc_status chat_end(Shop__Shop_Chat_Call *call, void *user)
{
    (void)call;
    (void)user;
    return TRPC_STATUS_OK;
}

static trpc_status chat_start(Shop__Shop_Chat_Call *call, const trpc_metadata *md, void *user)
{
    (void)call;
    (void)md;
    (void)user;
    return TRPC_PENDING;
}

#ifdef TWIN
static const Shop__Shop_Impl impl = { .chat = chat, .chat_start = chat_start,
                                      .chat_end = chat_end };
#else
static const Shop__Shop_Impl impl = { .chat = chat, .chat_start = chat_start,
                                      .chat_end = chat_start };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    (void)chat_end;
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_chat(srv);
    return 0;
}
