// expect: (assignment to 'Other__Item \*'.* from incompatible pointer type|incompatible pointer types assigning to 'Other__Item \*')
/* A sub-message field of type other.Item set to a shop.Item (same name,
 * another package). */
#include "ts.h"

int main(void)
{
    Shop__Order order = SHOP__ORDER__INIT;
    Shop__Item item = SHOP__ITEM__INIT;
    Other__Item gift = OTHER__ITEM__INIT;
    uint8_t buf[64];
    (void)item;
    gift.name = item.name = "pen";
#ifdef TWIN
    order.gift = &gift;
#else
    order.gift = &item;
#endif
    size_t n = shop__order__pack(&order, buf);
    Shop__Order *copy = shop__order__unpack(NULL, n, buf);
    TS_CHECK(copy != NULL && copy->gift != NULL && strcmp(copy->gift->name, "pen") == 0);
    shop__order__free_unpacked(copy, NULL);
    return 0;
}
