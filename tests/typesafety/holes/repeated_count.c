/* HOLE: a repeated field (and a map, a repeated entry message) is a
 * pointer and a count, and C does not tie them: a count larger than the
 * array compiles, and packing reads past its end. */
#include "ts.h"

size_t pack(uint8_t *buf);
size_t pack(uint8_t *buf)
{
    static char *tags[] = { "new" };
    static Shop__Stock__LevelsEntry level = SHOP__STOCK__LEVELS_ENTRY__INIT;
    static Shop__Stock__LevelsEntry *levels[] = { &level };
    Shop__Stock stock = SHOP__STOCK__INIT;
    stock.tags = tags;
    stock.n_tags = 3;     /* one element */
    stock.levels = levels;
    stock.n_levels = 2;   /* one entry */
    return shop__stock__pack(&stock, buf);
}
