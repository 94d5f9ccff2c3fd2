/*
 * buf.c: the growable byte buffer (see buf.h).
 */
#include <stdlib.h>
#include <string.h>
#include "base/buf.h"

trpc_error trpc__buf_reserve(trpc__buf *b, size_t extra)
{
    if (b->off > 0 && b->off == b->len) {
        b->off = b->len = 0;
    }
    if (b->cap - b->len >= extra) {
        return 0;
    }
    /* Compact before growing when most of the buffer is consumed. */
    if (b->off > 0 && b->off >= b->len / 2) {
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->cap - b->len >= extra) {
            return 0;
        }
    }
    if (extra > SIZE_MAX / 2 - b->len) {
        return TRPC_ENOMEM;
    }
    /* Double, or take exactly what is wanted when that is more: a large
     * message written into an empty buffer costs its size, not twice. */
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap * 2 : 256;
    if (cap < want) {
        cap = want;
    }
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        return TRPC_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

trpc_error trpc__buf_append(trpc__buf *b, const void *p, size_t n)
{
    if (n == 0) {
        return 0;
    }
    trpc_error rv = trpc__buf_reserve(b, n);
    if (rv) {
        return rv;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void trpc__buf_reset(trpc__buf *b, size_t keep)
{
    b->len = b->off = 0;
    if (b->cap > keep) {
        free(b->data);
        b->data = NULL;
        b->cap = 0;
    }
}

void trpc__buf_free(trpc__buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

size_t trpc__frame_size(const ProtobufCMessage *msg)
{
    return protobuf_c_message_get_packed_size(msg) + 5;
}

trpc_error trpc__buf_append_message(trpc__buf *b, const ProtobufCMessage *msg)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    if (n > UINT32_MAX) {
        return TRPC_ETOOBIG;
    }
    trpc_error rv = trpc__buf_reserve(b, n + 5);
    if (rv) {
        return rv;
    }
    uint8_t *p = b->data + b->len;
    p[0] = 0;
    p[1] = (uint8_t)(n >> 24);
    p[2] = (uint8_t)(n >> 16);
    p[3] = (uint8_t)(n >> 8);
    p[4] = (uint8_t)n;
    size_t w = protobuf_c_message_pack(msg, p + 5);
    if (w != n) {
        return TRPC_EINVAL;
    }
    b->len += n + 5;
    return 0;
}
