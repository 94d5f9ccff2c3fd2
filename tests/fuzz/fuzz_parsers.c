/*
 * fuzz_parsers.c — libFuzzer target for the gRPC wire parsers the network
 * path uses on what a peer sends (runtime/base/wire.c, metadata.c,
 * compress.c).  The first input byte picks the parser, the rest is its
 * input:
 *   0  grpc-timeout      parse; a value parsed, formatted and parsed again
 *                        is no shorter (deadlines never shrink)
 *   1  grpc-message      percent-decode; encoding the result and decoding
 *                        again gives it back
 *   2  grpc-status       parse: always a status 0..16
 *   3  base64 (-bin)     decode; encode and decode again gives it back
 *   4  metadata          "key\0value" pairs added as received from the
 *                        wire, then turned back into header fields: a
 *                        -bin value goes back to the same bytes
 *   5  message framing   the rest fed to the framer in pieces whose sizes
 *                        come from the input; every message has the length
 *                        its prefix announced, no more than the limit;
 *                        larger ones are reported and skipped
 *   6  content-type, grpc-encoding, grpc-accept-encoding recognition
 *   7  inflate           deflate and gzip bodies, output within the limit
 * A violated property aborts (a finding, like a crash).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/compress.h"
#include "base/metadata.h"
#include "base/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_parsers: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                             \
        }                                                                        \
    } while (0)

static void fuzz_timeout(const uint8_t *p, size_t n)
{
    int64_t ms;
    if (trpc__timeout_parse(p, n, &ms) != 0) {
        return;
    }
    CHECK(ms >= 0);
    char out[16];
    size_t len = trpc__timeout_format(ms, out);
    CHECK(len > 0 && len < sizeof out);
    int64_t again;
    if (trpc__timeout_parse((const uint8_t *)out, len, &again) == 0) {
        /* The format caps at 99999999 hours. */
        CHECK(again >= ms || again >= INT64_C(99999999) * 3600 * 1000);
    }
}

static void fuzz_message(const uint8_t *p, size_t n)
{
    char *s = trpc__pct_decode(p, n);
    if (!s) {
        return;
    }
    trpc__buf enc = { 0 };
    if (trpc__pct_encode(&enc, s) == TRPC_OK) {
        for (size_t i = 0; i < enc.len; i++) {
            CHECK(enc.data[i] >= 0x20 && enc.data[i] <= 0x7e);
        }
        char *back = trpc__pct_decode(enc.data, enc.len);
        if (back) {
            CHECK(strcmp(back, s) == 0);
        }
        free(back);
    }
    trpc__buf_free(&enc);
    free(s);
}

static void fuzz_status(const uint8_t *p, size_t n)
{
    trpc_status st = trpc__status_parse(p, n);
    CHECK((unsigned)st <= 16);
}

static void fuzz_b64(const uint8_t *p, size_t n)
{
    uint8_t *out = malloc(n * 3 / 4 + 3);
    if (!out) {
        return;
    }
    long len = trpc__b64_decode(p, n, out);
    if (len >= 0) {
        CHECK((size_t)len <= n * 3 / 4 + 3);
        trpc__buf enc = { 0 };
        if (trpc__b64_encode(&enc, out, (size_t)len) == TRPC_OK) {
            uint8_t *back = malloc(enc.len * 3 / 4 + 3);
            if (back) {
                long blen = trpc__b64_decode(enc.data, enc.len, back);
                CHECK(blen == len && memcmp(back, out, (size_t)len) == 0);
            }
            free(back);
        }
        trpc__buf_free(&enc);
    }
    free(out);
}

static void fuzz_metadata(const uint8_t *p, size_t n)
{
    trpc_metadata md;
    trpc__md_init(&md);
    /* Pairs "key\0value\0" until the input ends. */
    while (n > 0) {
        const uint8_t *k = p;
        const uint8_t *z = memchr(p, 0, n);
        size_t klen = z ? (size_t)(z - p) : n;
        p += klen;
        n -= klen;
        const uint8_t *v = (const uint8_t *)"";
        size_t vlen = 0;
        if (n > 0) { /* skip the NUL */
            p++;
            n--;
            v = p;
            z = memchr(p, 0, n);
            vlen = z ? (size_t)(z - p) : n;
            p += vlen;
            n -= vlen;
            if (n > 0) {
                p++;
                n--;
            }
        }
        trpc__md_add_wire(&md, k, klen, v, vlen);
    }
    size_t count = trpc_metadata_count(&md);
    nghttp2_nv *nv = calloc(count + 1, sizeof *nv);
    trpc__buf scratch = { 0 };
    size_t nnv = 0;
    if (nv && trpc__md_to_nv(&md, nv, &nnv, &scratch) == TRPC_OK) {
        CHECK(nnv == count);
        for (size_t i = 0; i < count; i++) {
            const char *key;
            const void *val;
            size_t vlen;
            CHECK(trpc_metadata_at(&md, i, &key, &val, &vlen) == TRPC_OK);
            size_t klen = strlen(key);
            CHECK(nv[i].namelen == klen && memcmp(nv[i].name, key, klen) == 0);
            CHECK(!trpc__md_reserved(key, klen));
            if (klen > 4 && memcmp(key + klen - 4, "-bin", 4) == 0) {
                uint8_t *back = malloc(nv[i].valuelen * 3 / 4 + 3);
                if (back) {
                    long blen = trpc__b64_decode(nv[i].value, nv[i].valuelen, back);
                    CHECK(blen >= 0 && (size_t)blen == vlen && memcmp(back, val, vlen) == 0);
                }
                free(back);
            } else {
                CHECK(nv[i].valuelen == vlen && memcmp(nv[i].value, val, vlen) == 0);
            }
        }
    }
    trpc__buf_free(&scratch);
    free(nv);
    trpc__md_fini(&md);
}

static void fuzz_framing(const uint8_t *p, size_t n)
{
    if (n < 2) {
        return;
    }
    size_t max = (size_t)p[0] * 64; /* the limit: 0..16320 bytes */
    unsigned piece = p[1] ? p[1] : 1; /* the size of each read */
    p += 2;
    n -= 2;
    trpc__framer f = { 0 };
    while (n > 0) {
        size_t take = n < piece ? n : piece;
        const uint8_t *q = p;
        size_t left = take;
        for (;;) {
            size_t before = left;
            trpc__frame_ev ev = trpc__framer_feed(&f, &q, &left, max);
            if (ev == TRPC__FRAME_MESSAGE) {
                CHECK(f.msg_len <= max);
                CHECK(trpc__buf_avail(&f.body) == f.msg_len);
                trpc__framer_next(&f);
                continue;
            }
            if (ev == TRPC__FRAME_TOO_BIG) {
                CHECK(f.msg_len > max);
                continue; /* the framer skips the body */
            }
            CHECK(ev == TRPC__FRAME_NEED_MORE);
            CHECK(left == 0 || left < before);
            if (left == 0) {
                break;
            }
        }
        p += take;
        n -= take;
    }
    (void)trpc__framer_partial(&f);
    trpc__buf_free(&f.body);
}

static void fuzz_names(const uint8_t *p, size_t n)
{
    (void)trpc__is_grpc_content_type(p, n);
    trpc__enc e = trpc__enc_parse(p, n);
    CHECK((unsigned)e <= TRPC__ENC_OTHER);
    unsigned acc = trpc__enc_accepted(p, n);
    CHECK((acc & ~0xfu) == 0);
}

static void fuzz_inflate(const uint8_t *p, size_t n)
{
    if (n < 1) {
        return;
    }
    trpc__enc e = (p[0] & 1) ? TRPC__ENC_GZIP : TRPC__ENC_DEFLATE;
    size_t max = (p[0] >> 1) ? (size_t)(p[0] >> 1) * 1024 : 64 * 1024;
    trpc__buf out = { 0 };
    trpc_error rv = trpc__inflate(e, p + 1, n - 1, max, &out);
    if (rv == TRPC_OK) {
        CHECK(trpc__buf_avail(&out) <= max);
    }
    trpc__buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 8) {
    case 0: fuzz_timeout(p, n); break;
    case 1: fuzz_message(p, n); break;
    case 2: fuzz_status(p, n); break;
    case 3: fuzz_b64(p, n); break;
    case 4: fuzz_metadata(p, n); break;
    case 5: fuzz_framing(p, n); break;
    case 6: fuzz_names(p, n); break;
    default: fuzz_inflate(p, n); break;
    }
    return 0;
}
