/* Sending a message of the wrong type on a client stream must not compile. */
#include "common.h"

int use(Echo__Echo_Bidi_Call *c);
int use(Echo__Echo_Bidi_Call *c)
{
    Echo__EchoReply wrong = ECHO__ECHO_REPLY__INIT; /* the reply type */
    return echo__echo__bidi__send(c, &wrong);
}
