// expect: implicit conversion from .*enum _Shop__Size.* to .*Shop__Color
/* A value of another enum (Size) assigned to an enum field (color).  Plain C
 * converts enums silently; shop.trpc.h makes -Wenum-conversion an error. */
#include "ts.h"

int main(void)
{
    Shop__Item item = SHOP__ITEM__INIT;
    uint8_t buf[64];
#ifdef TWIN
    item.color = SHOP__COLOR__GREEN;
#else
    item.color = SHOP__SIZE__LARGE;
#endif
    size_t n = shop__item__pack(&item, buf);
    Shop__Item *copy = shop__item__unpack(NULL, n, buf);
    TS_CHECK(copy != NULL && copy->color == SHOP__COLOR__GREEN);
    shop__item__free_unpacked(copy, NULL);
    return 0;
}
