/* Using one method's stream handle with another method must not compile. */
#include "common.h"

int use(Echo__Echo_ClientStream_Call *c);
int use(Echo__Echo_ClientStream_Call *c)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    return echo__echo__bidi__send(c, &req);
}
