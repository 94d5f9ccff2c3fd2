/*
 * base/buf.h: the growable byte buffer of the runtime, consumed from the
 * front: message bodies, framed output, metadata pools.  Buffers are reset,
 * not freed, between calls, so a recycled call reuses the memory of the
 * previous one; growth doubles, except that a large first write into an
 * empty buffer takes exactly what it needs (a 1 MiB reply then holds 1 MiB,
 * not 2).
 */
#ifndef TRPC_BASE_BUF_H
#define TRPC_BASE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include "typerpc/common.h"

typedef struct trpc__buf {
    uint8_t *data;
    size_t len;  /* bytes written */
    size_t off;  /* bytes consumed from the front */
    size_t cap;
} trpc__buf;

/* Makes room for extra more bytes.  TRPC_OK or TRPC_ENOMEM. */
trpc_error trpc__buf_reserve(trpc__buf *b, size_t extra);
trpc_error trpc__buf_append(trpc__buf *b, const void *p, size_t n);
static inline size_t trpc__buf_avail(const trpc__buf *b) { return b->len - b->off; }
/* Empties the buffer, keeping its memory unless it grew past keep bytes. */
void trpc__buf_reset(trpc__buf *b, size_t keep);
void trpc__buf_free(trpc__buf *b);
/* Appends a gRPC frame of msg (flag 0, big-endian length, packed message).
 * TRPC_OK, TRPC_ETOOBIG (over 4 GiB), TRPC_ENOMEM or TRPC_EINVAL (the
 * message packed to another size than it announced). */
trpc_error trpc__buf_append_message(trpc__buf *b, const ProtobufCMessage *msg);
/* The number of bytes trpc__buf_append_message() appends for msg. */
size_t trpc__frame_size(const ProtobufCMessage *msg);

#endif
