// expect: (trpc_channel_new' from incompatible pointer type|incompatible pointer types passing 'trpc_server \*\*')
/* Creating a channel into a server variable (and later using it as one). */
#include "ts.h"

int main(void)
{
    trpc_channel *ch = NULL;
    trpc_server *srv = NULL;
    (void)srv;
#ifdef TWIN
    TS_CHECK(trpc_channel_new(&ch, "unix:/tmp/typerpc-ts-unused.sock", NULL) == 0);
#else
    TS_CHECK(trpc_channel_new(&srv, "unix:/tmp/typerpc-ts-unused.sock", NULL) == 0);
#endif
    trpc_channel_free(ch);
    return 0;
}
