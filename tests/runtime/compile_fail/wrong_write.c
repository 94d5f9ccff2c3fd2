/* Writing a message of the wrong type to a server stream must not compile. */
#include "common.h"

int use(Echo__Echo_Bidi_Writer *w);
int use(Echo__Echo_Bidi_Writer *w)
{
    Echo__EchoRequest wrong = ECHO__ECHO_REQUEST__INIT; /* the request type */
    return echo__echo__bidi__write(w, &wrong);
}
