/* An async stream callback for another element type must not compile. */
#include "common.h"

static void bad_on_message(Echo__Echo_Bidi_Call *call, Helloworld__HelloReply *msg, void *user)
{
    (void)call; (void)msg; (void)user;
}

static void on_done(Echo__Echo_Bidi_Call *call, trpc_status code, const char *message,
                    void *user)
{
    (void)call; (void)code; (void)message; (void)user;
}

int use(trpc_channel *ch);
int use(trpc_channel *ch)
{
    Echo__Echo_Bidi_Call *call;
    return echo__echo__bidi__start_async(ch, NULL, bad_on_message, on_done, NULL, &call);
}
