// expect: (shop__item_request__free_unpacked' from incompatible pointer type|incompatible pointer types passing 'Shop__Item \*')
/* Freeing a message with another message type's __free_unpacked. */
#include "ts.h"

int main(void)
{
    Shop__Item item = SHOP__ITEM__INIT;
    uint8_t buf[64];
    item.name = "pen";
    size_t n = shop__item__pack(&item, buf);
    Shop__Item *copy = shop__item__unpack(NULL, n, buf);
    TS_CHECK(copy != NULL && strcmp(copy->name, "pen") == 0);
#ifdef TWIN
    shop__item__free_unpacked(copy, NULL);
#else
    shop__item_request__free_unpacked(copy, NULL);
#endif
    return 0;
}
