// expect: 'trpc_channel \*'.*not compatible with any
/* A channel passed where a server is expected. */
#include "ts.h"

static const Shop__Shop_Impl impl = { .get_item = NULL };

int main(void)
{
    trpc_server *srv = ts_server();
    trpc_channel *ch = ts_dead_channel();
#ifdef TWIN
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == TRPC_OK);
#else
    TS_CHECK(shop__shop__serve(ch, &impl, NULL) == TRPC_OK);
#endif
    trpc_channel_free(ch);
    trpc_server_free(srv);
    return 0;
}
