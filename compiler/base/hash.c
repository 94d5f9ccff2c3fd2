/*
 * hash.c — the one string hash of the compiler.
 *
 * The symbol table, the small name maps of the checks and the generators'
 * string sets all hash names with it. It reads a name eight bytes at a time
 * and mixes each word with a multiply and a rotate, then avalanches: names
 * are short and share long prefixes ("pkg.Message.field"), so a byte-at-a-
 * time hash spent more time than the table lookups it served.
 */
#include <string.h>

#include "compiler.h"

uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h = (h << 29) | (h >> 35);
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1;
}
