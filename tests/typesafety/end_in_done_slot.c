// expect: (initialization of|incompatible function pointer types initializing) '[^']*Shop__Shop_Chat_[^']*'.*'trpc_status (\(\*\))?\(Shop__Shop_Chat_Call \*, +void \*\)'
/* A bidi method's end-of-input handler placed at its done slot: end
 * returns a status that finishes the call, done only hears why it ended. */
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

static void chat_done(Shop__Shop_Chat_Call *call, trpc_done_reason why, void *user)
{
    (void)call;
    (void)user;
    TS_CHECK(why == TRPC_DONE_FINISHED);
}

#ifdef TWIN
static const Shop__Shop_Impl impl = { .chat = chat, .chat_end = chat_end,
                                      .chat_done = chat_done };
#else
static const Shop__Shop_Impl impl = { .chat = chat, .chat_end = chat_end,
                                      .chat_done = chat_end };
#endif

int main(void)
{
    trpc_server *srv = ts_server();
    (void)chat_done;
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
    ts_check_chat(srv);
    return 0;
}
