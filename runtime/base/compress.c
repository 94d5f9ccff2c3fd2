/*
 * compress.c: gRPC message compression with zlib (see compress.h).
 *
 * Sending packs the message once, behind the room deflate may need, in the
 * same buffer the frame goes to, and deflates it into place: no temporary
 * allocation besides zlib's own state.  Receiving inflates in steps into a
 * buffer that doubles, never past max + 1 bytes, so the size a compressed
 * message claims (gzip's trailer, or how far it would expand) is never
 * trusted: what a message takes is at most max + 1 bytes.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "base/compress.h"
#include "base/wire.h"

#define WBITS 15        /* zlib's largest window, what every peer uses */
#define GZIP_WBITS 16   /* added to WBITS: the gzip wrapper instead of zlib's */
#define INFLATE_STEP (16u * 1024u)

trpc__enc trpc__enc_parse(const uint8_t *v, size_t len)
{
    if (len == 0 || trpc__is(v, len, "identity")) {
        return TRPC__ENC_IDENTITY;
    }
    if (trpc__is(v, len, "gzip")) {
        return TRPC__ENC_GZIP;
    }
    if (trpc__is(v, len, "deflate")) {
        return TRPC__ENC_DEFLATE;
    }
    return TRPC__ENC_OTHER;
}

const char *trpc__enc_name(trpc__enc e)
{
    switch (e) {
    case TRPC__ENC_IDENTITY: return "identity";
    case TRPC__ENC_DEFLATE: return "deflate";
    case TRPC__ENC_GZIP: return "gzip";
    default: return NULL;
    }
}

unsigned trpc__enc_accepted(const uint8_t *v, size_t len)
{
    unsigned set = TRPC__ENC_BIT(TRPC__ENC_IDENTITY);
    size_t i = 0;
    while (i < len) {
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ',')) {
            i++;
        }
        size_t start = i;
        while (i < len && v[i] != ',' && v[i] != ' ' && v[i] != '\t') {
            i++;
        }
        if (i > start) {
            trpc__enc e = trpc__enc_parse(v + start, i - start);
            if (e != TRPC__ENC_OTHER) {
                set |= TRPC__ENC_BIT(e);
            }
        }
    }
    return set;
}

trpc__enc trpc__enc_of(trpc_compression c)
{
    switch (c) {
    case TRPC_COMPRESS_DEFLATE: return TRPC__ENC_DEFLATE;
    case TRPC_COMPRESS_GZIP: return TRPC__ENC_GZIP;
    default: return TRPC__ENC_IDENTITY;
    }
}

static void put_len(uint8_t *p, uint8_t flag, size_t n)
{
    p[0] = flag;
    p[1] = (uint8_t)(n >> 24);
    p[2] = (uint8_t)(n >> 16);
    p[3] = (uint8_t)(n >> 8);
    p[4] = (uint8_t)n;
}

/* Deflates the n bytes at in into out (room bytes); the compressed size, or
 * 0 if zlib failed or it did not fit. */
static size_t deflate_into(trpc__enc e, const uint8_t *in, size_t n, uint8_t *out, size_t room)
{
    /* A window no larger than the message (and a hash table to match): the
     * output is the same, and zlib's state is a few KiB for a small
     * message instead of about 256 KiB to allocate and clear each time.
     * Any reader takes any window up to 32 KiB. */
    int wbits = 9;
    while (wbits < WBITS && ((size_t)1 << wbits) < n) {
        wbits++;
    }
    int mem_level = wbits - 7 > 1 ? wbits - 7 : 1;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                     wbits + (e == TRPC__ENC_GZIP ? GZIP_WBITS : 0), mem_level,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return 0;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)room;
    int rv = deflate(&z, Z_FINISH);
    size_t w = room - z.avail_out;
    deflateEnd(&z);
    return rv == Z_STREAM_END ? w : 0;
}

trpc_error trpc__buf_append_compressed(trpc__buf *b, const ProtobufCMessage *msg, trpc__enc e)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    if (e == TRPC__ENC_IDENTITY || e == TRPC__ENC_OTHER || n < TRPC__COMPRESS_MIN ||
        n > UINT_MAX / 2) {
        return trpc__buf_append_message(b, msg);
    }
    /* deflateBound() without a stream: zlib's bound for the default
     * settings (compressBound) plus the gzip wrapper's extra 12 bytes. */
    size_t room = compressBound((uLong)n) + 18;
    trpc_error rv = trpc__buf_reserve(b, 5 + room + n);
    if (rv) {
        return rv;
    }
    uint8_t *p = b->data + b->len;
    uint8_t *packed = p + 5 + room;
    if (protobuf_c_message_pack(msg, packed) != n) {
        return TRPC_EINVAL;
    }
    size_t c = deflate_into(e, packed, n, p + 5, room);
    if (c > 0 && c < n) {
        put_len(p, 1, c);
        b->len += 5 + c;
    } else {
        memmove(p + 5, packed, n);
        put_len(p, 0, n);
        b->len += 5 + n;
    }
    return TRPC_OK;
}

trpc_error trpc__deflate_bytes(trpc__enc e, const uint8_t *in, size_t n, trpc__buf *out)
{
    if (n > UINT_MAX / 2) {
        return TRPC_EINVAL;
    }
    size_t room = compressBound((uLong)n) + 18;
    trpc_error rv = trpc__buf_reserve(out, room);
    if (rv) {
        return rv;
    }
    size_t c = deflate_into(e, in, n, out->data + out->len, room);
    if (c == 0) {
        return TRPC_EINVAL;
    }
    out->len += c;
    return TRPC_OK;
}

trpc_error trpc__inflate(trpc__enc e, const uint8_t *in, size_t n, size_t max, trpc__buf *out)
{
    out->len = out->off = 0;
    if (e != TRPC__ENC_DEFLATE && e != TRPC__ENC_GZIP) {
        return TRPC_EINVAL;
    }
    if (n > UINT_MAX) {
        return TRPC_ETOOBIG;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    int wbits = WBITS + (e == TRPC__ENC_GZIP ? GZIP_WBITS : 0);
    if (inflateInit2(&z, wbits) != Z_OK) {
        return TRPC_ENOMEM;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    /* Up to max + 1 bytes: one more than allowed shows it is too big. */
    size_t limit = max < SIZE_MAX ? max + 1 : max;
    trpc_error rv = TRPC_OK;
    for (;;) {
        if (out->len >= limit) {
            rv = TRPC_ETOOBIG;
            break;
        }
        if (out->cap == out->len) {
            /* Doubling, but never past limit (trpc__buf_reserve() would
             * double past it). */
            size_t cap = out->cap > INFLATE_STEP / 2 ? out->cap * 2 : INFLATE_STEP;
            if (cap > limit || cap < out->cap) {
                cap = limit;
            }
            uint8_t *p = realloc(out->data, cap);
            if (!p) {
                rv = TRPC_ENOMEM;
                break;
            }
            out->data = p;
            out->cap = cap;
        }
        size_t room = out->cap - out->len;
        if (room > limit - out->len) {
            room = limit - out->len;
        }
        if (room > UINT_MAX) {
            room = UINT_MAX;
        }
        z.next_out = out->data + out->len;
        z.avail_out = (uInt)room;
        int zr = inflate(&z, Z_NO_FLUSH);
        out->len += room - z.avail_out;
        if (zr == Z_STREAM_END) {
            /* A second gzip member or garbage after the stream: not one
             * message's data. */
            rv = out->len > max    ? TRPC_ETOOBIG
                 : z.avail_in == 0 ? TRPC_OK
                                   : TRPC_EDECODE;
            break;
        }
        if (zr == Z_MEM_ERROR) {
            rv = TRPC_ENOMEM;
            break;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rv = TRPC_EDECODE; /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            break;
        }
        if (z.avail_in == 0 && z.avail_out > 0) {
            rv = TRPC_EDECODE; /* all input taken, the stream not ended */
            break;
        }
    }
    inflateEnd(&z);
    if (rv != TRPC_OK) {
        out->len = 0;
    }
    return rv;
}
