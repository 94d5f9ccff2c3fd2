/*
 * base/opts.h: reading a size-prefixed options struct (see "option structs"
 * in typerpc/common.h).  The caller's struct may be older (smaller) than
 * the library's: only the fields that fit in its size are copied, the rest
 * stay zero ("the default").  A size of 0, or one larger than the library
 * knows, is refused, so a struct not made with the TRPC_*_OPTS() macro
 * never silently loses a setting.
 */
#ifndef TRPC_BASE_OPTS_H
#define TRPC_BASE_OPTS_H

#include <stddef.h>
#include <string.h>
#include "typerpc/common.h"

/* Copies *in (NULL: all defaults) into the zeroed *out of type T.
 * TRPC_OK or TRPC_EINVAL. */
#define TRPC__OPTS_READ(T, out, in) trpc__opts_read((T *)(out), sizeof(T), (const T *)(in))

/* Every options struct begins with its size_t size (common.h). */
static inline trpc_error trpc__opts_read(void *out, size_t cap, const void *in)
{
    memset(out, 0, cap);
    if (!in) {
        *(size_t *)out = cap;
        return TRPC_OK;
    }
    size_t size = *(const size_t *)in;
    if (size < sizeof(size_t) || size > cap) {
        return TRPC_EINVAL;
    }
    memcpy(out, in, size);
    *(size_t *)out = cap;
    return TRPC_OK;
}

#endif
