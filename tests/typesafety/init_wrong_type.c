// expect: (shop__item__init' from incompatible pointer type|incompatible pointer types passing 'Other__Item \*')
/* Initialising a message with another (same-named) type's __init. */
#include "ts.h"

int main(void)
{
    Other__Item item;
#ifdef TWIN
    other__item__init(&item);
#else
    shop__item__init(&item);
#endif
    TS_CHECK(item.base.descriptor == &other__item__descriptor);
    return 0;
}
