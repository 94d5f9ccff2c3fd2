/*
 * base/compress.h: gRPC message compression (gRPC's doc/compression.md):
 * the names of the encodings this runtime speaks (identity, deflate, gzip),
 * parsing grpc-encoding and grpc-accept-encoding, framing a message
 * compressed, and inflating a received one without trusting its size.
 *
 * "deflate" is the zlib format (RFC 1950) and "gzip" the gzip format
 * (RFC 1952), as gRPC's implementations use them.  Every message is
 * compressed on its own (a fresh zlib stream per message): the peer may
 * interleave uncompressed messages (flag 0) on a compressed stream.
 *
 * zlib glue only: no nghttp2, no libevent, so both sides' framing can use it.
 */
#ifndef TRPC_BASE_COMPRESS_H
#define TRPC_BASE_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/buf.h"

/* An encoding on the wire.  TRPC__ENC_OTHER is a name this runtime does not
 * implement. */
typedef enum trpc__enc {
    TRPC__ENC_IDENTITY = 0,
    TRPC__ENC_DEFLATE = 1,
    TRPC__ENC_GZIP = 2,
    TRPC__ENC_OTHER = 3
} trpc__enc;

/* Bit of an encoding in an accepted set (trpc__enc_accepted()). */
#define TRPC__ENC_BIT(e) (1u << (unsigned)(e))

/* What both sides send as grpc-accept-encoding. */
#define TRPC__ACCEPT_ENCODING "identity,deflate,gzip"

/* Messages that pack to fewer bytes than this go uncompressed (flag 0)
 * even on a compressed stream: deflate's own framing (2 bytes + 4 for
 * zlib, 18 for gzip) and the cost of a zlib stream are not worth it for
 * them, and a message that does not shrink goes uncompressed anyway. */
#define TRPC__COMPRESS_MIN 256u

/* The encoding a grpc-encoding value names (exact, lowercase, as the
 * protocol writes them); an empty value is identity. */
trpc__enc trpc__enc_parse(const uint8_t *v, size_t len);
/* "identity", "deflate", "gzip" (NULL for TRPC__ENC_OTHER). */
const char *trpc__enc_name(trpc__enc e);
/* The set of encodings a grpc-accept-encoding value lists (comma-separated,
 * spaces allowed), as TRPC__ENC_BIT()s; identity is always in it. */
unsigned trpc__enc_accepted(const uint8_t *v, size_t len);

/* The wire encoding of a public choice (TRPC_COMPRESS_*): identity for
 * NONE and DEFAULT (the caller resolves DEFAULT first). */
trpc__enc trpc__enc_of(trpc_compression c);

/* Appends a gRPC frame of msg, compressed with e when e is not identity,
 * the message packs to at least TRPC__COMPRESS_MIN bytes and it shrinks;
 * otherwise the plain frame of trpc__buf_append_message().  TRPC_OK,
 * TRPC_ETOOBIG, TRPC_ENOMEM, TRPC_EINVAL (as trpc__buf_append_message()). */
trpc_error trpc__buf_append_compressed(trpc__buf *b, const ProtobufCMessage *msg, trpc__enc e);

/* Inflates the n bytes at in (compressed with e, deflate or gzip) into out
 * (emptied first), growing it step by step: a message that inflates past
 * max bytes stops there with TRPC_ETOOBIG, whatever it claims, so a small
 * "bomb" never takes more than about max bytes.  TRPC_OK, TRPC_ETOOBIG,
 * TRPC_EDECODE (not valid data of e, truncated, or bytes after its end),
 * TRPC_ENOMEM. */
/* Appends the n bytes at in compressed with e (deflate or gzip) to out.
 * TRPC_OK, TRPC_ENOMEM, TRPC_EINVAL (zlib failed). */
trpc_error trpc__deflate_bytes(trpc__enc e, const uint8_t *in, size_t n, trpc__buf *out);
trpc_error trpc__inflate(trpc__enc e, const uint8_t *in, size_t n, size_t max, trpc__buf *out);

#endif
