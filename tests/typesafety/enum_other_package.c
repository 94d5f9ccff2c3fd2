// expect: implicit conversion from .*Other__Shade.* to .*Shop__Color
/* A value of another package's enum assigned to an enum field, through a
 * variable of that enum type. */
#include "ts.h"

int main(void)
{
    Shop__Item item = SHOP__ITEM__INIT;
    uint8_t buf[64];
#ifdef TWIN
    Shop__Color c = SHOP__COLOR__RED;
#else
    Other__Shade c = OTHER__SHADE__DARK;
#endif
    item.color = c;
    size_t n = shop__item__pack(&item, buf);
    Shop__Item *copy = shop__item__unpack(NULL, n, buf);
    TS_CHECK(copy != NULL && copy->color == SHOP__COLOR__RED);
    shop__item__free_unpacked(copy, NULL);
    return 0;
}
