/* HOLE: any integer, or another enum through a cast, can be stored in an
 * enum: C enums are integers.  -Wenum-conversion (an error with shop.trpc.h)
 * only catches a value of another enum type converted implicitly; 7 is not
 * a Shop__Color, a handler may return 99 (a status outside 0..16: the
 * runtime ends the call with INTERNAL), and comparing with another enum's
 * constant is not reported at all (in C an enumeration constant has type
 * int). */
#include "ts.h"

int set(Shop__Item *item);
int set(Shop__Item *item)
{
    item->color = 7;
    item->size = (Shop__Size)OTHER__SHADE__DARK;
    return item->color == OTHER__SHADE__DARK;
}

static trpc_status get_item(Shop__Shop_GetItem_Call *call, const Shop__ItemRequest *req,
                            Shop__Item *reply, void *user)
{
    (void)call;
    (void)req;
    (void)reply;
    (void)user;
    return 99;
}

const Shop__Shop_Impl impl = { .get_item = get_item };
