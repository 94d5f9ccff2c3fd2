// expect: (shop__serve' from incompatible pointer type|incompatible pointer types passing 'trpc_channel \*')
/* A channel passed where a server is expected. */
#include "ts.h"

static const Shop__Shop_Impl impl = { .get_item = NULL };

int main(void)
{
    trpc_server *srv = ts_server();
    trpc_channel *ch = ts_dead_channel();
#ifdef TWIN
    TS_CHECK(shop__shop__serve(srv, &impl, NULL) == 0);
#else
    TS_CHECK(shop__shop__serve(ch, &impl, NULL) == 0);
#endif
    trpc_channel_free(ch);
    trpc_server_free(srv);
    return 0;
}
