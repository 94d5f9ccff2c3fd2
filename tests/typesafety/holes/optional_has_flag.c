/* HOLE: a proto3 `optional` (or proto2 optional) scalar is a value and a
 * has_ flag, and C does not tie them: setting `count` without `has_count`
 * compiles, and the field is not sent (the peer sees it absent); setting
 * has_count alone sends a 0 nobody meant. */
#include "ts.h"

size_t pack(uint8_t *buf);
size_t pack(uint8_t *buf)
{
    Shop__Stock stock = SHOP__STOCK__INIT;
    stock.count = 5; /* but has_count stays 0: nothing is sent */
    return shop__stock__pack(&stock, buf);
}
