/* HOLE: any integer, or another enum through a cast, can be stored in an
 * enum field: C enums are integers.  -Wenum-conversion (an error with
 * shop.trpc.h) only catches an enum of another type converted implicitly;
 * 7 is not a Shop__Color, and comparing with another enum's constant is not
 * reported at all (in C an enumeration constant has type int). */
#include "ts.h"

int set(Shop__Item *item);
int set(Shop__Item *item)
{
    item->color = 7;
    item->size = (Shop__Size)OTHER__SHADE__DARK;
    return item->color == OTHER__SHADE__DARK;
}
