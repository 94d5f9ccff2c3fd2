// expect: (assignment to 'Shop__Item \*\*'.* from incompatible pointer type|incompatible pointer types assigning to 'Shop__Item \*\*')
/* A repeated shop.Item field given an array of other.Item pointers. */
#include "ts.h"

int main(void)
{
    Shop__Order order = SHOP__ORDER__INIT;
    Shop__Item item = SHOP__ITEM__INIT;
    Other__Item other = OTHER__ITEM__INIT;
    Shop__Item *items[1] = { &item };
    Other__Item *others[1] = { &other };
    uint8_t buf[64];
    (void)items;
    (void)others;
    item.name = other.name = "pen";
    order.n_items = 1;
#ifdef TWIN
    order.items = items;
#else
    order.items = others;
#endif
    size_t n = shop__order__pack(&order, buf);
    Shop__Order *copy = shop__order__unpack(NULL, n, buf);
    TS_CHECK(copy != NULL && copy->n_items == 1 && strcmp(copy->items[0]->name, "pen") == 0);
    shop__order__free_unpacked(copy, NULL);
    return 0;
}
