/* HOLE: a oneof is a union and a case enum, and C does not tie them:
 * setting `shelf` without `where_case` compiles (the field is not sent), and
 * so does a case naming another member than the one set (bin, read from
 * the bytes of a string pointer, is sent). */
#include "ts.h"

size_t pack(uint8_t *buf);
size_t pack(uint8_t *buf)
{
    Shop__Stock stock = SHOP__STOCK__INIT;
    stock.shelf = "A3";                            /* where_case still NOT_SET */
    stock.where_case = SHOP__STOCK__WHERE_BIN;     /* ... or the wrong member */
    return shop__stock__pack(&stock, buf);
}
