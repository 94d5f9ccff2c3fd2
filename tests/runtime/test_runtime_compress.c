/*
 * test_runtime_compress.c: message compression (gRPC's doc/compression.md).
 *
 * Units (runtime/base/compress.c): encoding names and grpc-accept-encoding
 * lists; framing a message compressed with deflate and gzip and inflating
 * it back (zlib's own uncompress() as a second reader of the deflate
 * frames); small and incompressible messages going uncompressed; corrupt,
 * truncated, mislabelled and over-long data refused, and data damaged at
 * random never taken past the limit; a "bomb" (64 MiB of
 * zeros in about 64 KiB) stopped at the limit with no more than the limit
 * allocated, and a message of exactly the limit accepted.
 *
 * End to end: a typerpc client and server compressing toward each other
 * (channel default, per-call override, server default, the handler's own
 * choice) on unary and streaming calls; trpc_call_set_compression()'s rules
 * (before the first reply only; bad values); the server answering a raw client's
 * compressed requests: an unknown encoding UNIMPLEMENTED, the flag without
 * an encoding INTERNAL, corrupt data INTERNAL, a bomb RESOURCE_EXHAUSTED,
 * and serving on afterwards; the client facing a scripted server's replies
 * in the same ways.  What is on the wire toward real peers (grpcio) is
 * checked by compress_grpcio.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/compress.h"
#include "echo_impl.h"
#include "rt_util.h"

#define MiB (1024u * 1024u)

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A payload that compresses well (a repeating text). */
static uint8_t *text_payload(size_t n)
{
    static const char words[] = "the quick brown fox jumps over the lazy dog; ";
    uint8_t *p = malloc(n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)words[i % (sizeof words - 1)];
    }
    return p;
}

/* n zero bytes compressed with e, in one zlib stream (deflated in 1 MiB
 * steps, so a large n costs no large buffer). */
static void zeros_compressed(trpc__enc e, size_t n, trpc__buf *out)
{
    static uint8_t zero[MiB];
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, e == TRPC__ENC_GZIP ? 31 : 15, 8,
                                  Z_DEFAULT_STRATEGY),
                     Z_OK);
    out->len = out->off = 0;
    assert_int_equal(trpc__buf_reserve(out, 256 * 1024), TRPC_OK);
    size_t left = n;
    int rv;
    do {
        size_t k = left < sizeof zero ? left : sizeof zero;
        left -= k;
        z.next_in = zero;
        z.avail_in = (uInt)k;
        do {
            if (out->cap - out->len < 1024) {
                assert_int_equal(trpc__buf_reserve(out, out->cap), TRPC_OK);
            }
            z.next_out = out->data + out->len;
            z.avail_out = (uInt)(out->cap - out->len);
            rv = deflate(&z, left ? Z_NO_FLUSH : Z_FINISH);
            out->len = out->cap - z.avail_out;
        } while (z.avail_out == 0 || (left == 0 && rv != Z_STREAM_END));
    } while (left > 0);
    assert_int_equal(rv, Z_STREAM_END);
    deflateEnd(&z);
}

/* ---- units ------------------------------------------------------------------------------- */

static void test_names(void **state)
{
    (void)state;
#define P(s) trpc__enc_parse((const uint8_t *)(s), strlen(s))
#define A(s) trpc__enc_accepted((const uint8_t *)(s), strlen(s))
    assert_int_equal(P("gzip"), TRPC__ENC_GZIP);
    assert_int_equal(P("deflate"), TRPC__ENC_DEFLATE);
    assert_int_equal(P("identity"), TRPC__ENC_IDENTITY);
    assert_int_equal(P(""), TRPC__ENC_IDENTITY);
    assert_int_equal(P("snappy"), TRPC__ENC_OTHER);
    assert_int_equal(P("gzip2"), TRPC__ENC_OTHER);
    unsigned id = TRPC__ENC_BIT(TRPC__ENC_IDENTITY), gz = TRPC__ENC_BIT(TRPC__ENC_GZIP),
             df = TRPC__ENC_BIT(TRPC__ENC_DEFLATE);
    assert_int_equal(A(TRPC__ACCEPT_ENCODING), id | gz | df);
    assert_int_equal(A("identity,deflate,gzip"), id | gz | df);
    assert_int_equal(A("gzip"), id | gz);
    assert_int_equal(A(" deflate , snappy,"), id | df);
    assert_int_equal(A(""), id);
    assert_string_equal(trpc__enc_name(TRPC__ENC_GZIP), "gzip");
    assert_string_equal(trpc__enc_name(TRPC__ENC_DEFLATE), "deflate");
    assert_int_equal(trpc__enc_of(TRPC_COMPRESS_DEFAULT), TRPC__ENC_IDENTITY);
    assert_int_equal(trpc__enc_of(TRPC_COMPRESS_NONE), TRPC__ENC_IDENTITY);
    assert_int_equal(trpc__enc_of(TRPC_COMPRESS_GZIP), TRPC__ENC_GZIP);
#undef P
#undef A
}

static void test_round_trip(void **state)
{
    (void)state;
    const size_t n = 100000;
    uint8_t *payload = text_payload(n);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "round trip";
    req.payload.data = payload;
    req.payload.len = n;
    trpc__buf b = { 0 }, out = { 0 };
    for (trpc__enc e = TRPC__ENC_DEFLATE; e <= TRPC__ENC_GZIP; e++) {
        b.len = b.off = 0;
        assert_int_equal(trpc__buf_append_compressed(&b, &req.base, e), TRPC_OK);
        assert_int_equal(b.data[0], 1);
        uint32_t len = be32(b.data + 1);
        assert_int_equal(len + 5, b.len);
        assert_true(len < n / 10);
        if (e == TRPC__ENC_GZIP) { /* RFC 1952 magic, method 8 */
            assert_int_equal(b.data[5], 0x1f);
            assert_int_equal(b.data[6], 0x8b);
            assert_int_equal(b.data[7], 8);
        } else { /* RFC 1950: CM 8, the header check */
            assert_int_equal(b.data[5] & 0x0f, 8);
            assert_int_equal((b.data[5] * 256 + b.data[6]) % 31, 0);
            /* zlib's one-shot reader agrees */
            uLongf dlen = 2 * n;
            uint8_t *d = malloc(dlen);
            assert_int_equal(uncompress(d, &dlen, b.data + 5, len), Z_OK);
            assert_int_equal(dlen, protobuf_c_message_get_packed_size(&req.base));
            free(d);
        }
        assert_int_equal(trpc__inflate(e, b.data + 5, len, 4 * MiB, &out), TRPC_OK);
        Echo__EchoRequest *back = echo__echo_request__unpack(NULL, out.len, out.data);
        assert_non_null(back);
        assert_string_equal(back->text, "round trip");
        assert_int_equal(back->payload.len, n);
        assert_memory_equal(back->payload.data, payload, n);
        echo__echo_request__free_unpacked(back, NULL);
    }
    /* identity, a small message, an incompressible one: the plain frame */
    trpc__buf plain = { 0 };
    Echo__EchoRequest small = ECHO__ECHO_REQUEST__INIT;
    small.text = "hi";
    for (trpc__enc e = TRPC__ENC_IDENTITY; e <= TRPC__ENC_GZIP; e++) {
        b.len = plain.len = 0;
        assert_int_equal(trpc__buf_append_compressed(&b, &small.base, e), TRPC_OK);
        assert_int_equal(trpc__buf_append_message(&plain, &small.base), TRPC_OK);
        assert_int_equal(b.len, plain.len);
        assert_memory_equal(b.data, plain.data, b.len);
    }
    srand(11);
    for (size_t i = 0; i < 4096; i++) {
        payload[i] = (uint8_t)rand();
    }
    req.payload.len = 4096;
    b.len = plain.len = 0;
    assert_int_equal(trpc__buf_append_compressed(&b, &req.base, TRPC__ENC_GZIP), TRPC_OK);
    assert_int_equal(trpc__buf_append_message(&plain, &req.base), TRPC_OK);
    assert_int_equal(b.data[0], 0);
    assert_int_equal(b.len, plain.len);
    assert_memory_equal(b.data, plain.data, b.len);
    /* two frames in one buffer: the second lands after the first */
    req.payload.len = n;
    memcpy(payload, "the", 3);
    b.len = 0;
    assert_int_equal(trpc__buf_append_compressed(&b, &small.base, TRPC__ENC_GZIP), TRPC_OK);
    size_t first = b.len;
    assert_int_equal(trpc__buf_append_compressed(&b, &req.base, TRPC__ENC_GZIP), TRPC_OK);
    assert_int_equal(b.data[first], 1);
    assert_int_equal(first + 5 + be32(b.data + first + 1), b.len);
    trpc__buf_free(&plain);
    trpc__buf_free(&b);
    trpc__buf_free(&out);
    free(payload);
}

static void test_inflate_errors(void **state)
{
    (void)state;
    uint8_t *payload = text_payload(50000);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = 50000;
    trpc__buf b = { 0 }, out = { 0 };
    for (trpc__enc e = TRPC__ENC_DEFLATE; e <= TRPC__ENC_GZIP; e++) {
        b.len = 0;
        assert_int_equal(trpc__buf_append_compressed(&b, &req.base, e), TRPC_OK);
        uint8_t *z = b.data + 5;
        size_t n = be32(b.data + 1);
        /* truncated, empty, one byte too many, the other format */
        assert_int_equal(trpc__inflate(e, z, n - 4, 4 * MiB, &out), TRPC_EDECODE);
        assert_int_equal(out.len, 0);
        assert_int_equal(trpc__inflate(e, z, 0, 4 * MiB, &out), TRPC_EDECODE);
        assert_int_equal(trpc__buf_reserve(&b, 1), TRPC_OK);
        z = b.data + 5;
        z[n] = 0;
        assert_int_equal(trpc__inflate(e, z, n + 1, 4 * MiB, &out), TRPC_EDECODE);
        trpc__enc other = e == TRPC__ENC_GZIP ? TRPC__ENC_DEFLATE : TRPC__ENC_GZIP;
        assert_int_equal(trpc__inflate(other, z, n, 4 * MiB, &out), TRPC_EDECODE);
        /* corrupt: bytes flipped in the middle (the checksum catches what
         * the decoder does not) */
        z[n / 2] ^= 0x55;
        z[n / 2 + 1] ^= 0xaa;
        assert_int_equal(trpc__inflate(e, z, n, 4 * MiB, &out), TRPC_EDECODE);
        /* garbage */
        assert_int_equal(trpc__inflate(e, (const uint8_t *)"not compressed at all", 21,
                                       4 * MiB, &out),
                         TRPC_EDECODE);
    }
    assert_int_equal(trpc__inflate(TRPC__ENC_IDENTITY, payload, 10, 4 * MiB, &out), TRPC_EINVAL);
    trpc__buf_free(&b);
    trpc__buf_free(&out);
    free(payload);
}

/* Valid data damaged at random (bytes changed, cut short, grown): inflate
 * always answers OK, EDECODE or ETOOBIG and never writes past the limit
 * (ASan watches the rest).  Deterministic: a fixed seed. */
static void test_inflate_random(void **state)
{
    (void)state;
    uint8_t *payload = text_payload(20000);
    for (size_t i = 0; i < 20000; i += 7) {
        payload[i] = (uint8_t)(i * 31); /* less regular: longer codes */
    }
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = 20000;
    trpc__buf b = { 0 }, out = { 0 };
    uint8_t *z = malloc(64 * 1024);
    assert_non_null(z);
    srand(2026);
    int seen[3] = { 0, 0, 0 };
    for (trpc__enc e = TRPC__ENC_DEFLATE; e <= TRPC__ENC_GZIP; e++) {
        b.len = 0;
        assert_int_equal(trpc__buf_append_compressed(&b, &req.base, e), TRPC_OK);
        size_t n = be32(b.data + 1);
        for (int it = 0; it < 3000; it++) {
            size_t m = n;
            memcpy(z, b.data + 5, n);
            int flips = rand() % 4;
            for (int f = 0; f < flips; f++) {
                z[(size_t)rand() % n] ^= (uint8_t)(1 + rand() % 255);
            }
            if (rand() % 4 == 0) {
                m = (size_t)rand() % n; /* cut short */
            } else if (rand() % 8 == 0) {
                size_t extra = (size_t)(1 + rand() % 64);
                for (size_t k = 0; k < extra; k++) {
                    z[m + k] = (uint8_t)rand();
                }
                m += extra;
            }
            size_t max = rand() % 2 ? 64 * 1024 : (size_t)(1 + rand() % 30000);
            size_t cap = out.cap; /* reused, as a call reuses its buffer */
            trpc_error rv = trpc__inflate(e, z, m, max, &out);
            assert_true(rv == TRPC_OK || rv == TRPC_EDECODE || rv == TRPC_ETOOBIG);
            assert_true(out.cap == cap || out.cap <= max + 1); /* grown only to the limit */
            if (rv == TRPC_OK) {
                assert_true(out.len <= max);
                seen[0]++;
            } else {
                assert_int_equal(out.len, 0);
                seen[rv == TRPC_EDECODE ? 1 : 2]++;
            }
        }
    }
    /* every outcome came up (the damage is neither always fatal nor never) */
    assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    free(z);
    free(payload);
    trpc__buf_free(&b);
    trpc__buf_free(&out);
}

static void test_bomb(void **state)
{
    (void)state;
    trpc__buf z = { 0 }, out = { 0 };
    for (trpc__enc e = TRPC__ENC_DEFLATE; e <= TRPC__ENC_GZIP; e++) {
        zeros_compressed(e, 64 * MiB, &z);
        assert_true(z.len < 128 * 1024); /* about 1000:1 */
        assert_int_equal(trpc__inflate(e, z.data, z.len, 4 * MiB, &out), TRPC_ETOOBIG);
        assert_true(out.cap <= 4 * MiB + 1); /* never more than the limit */
        trpc__buf_free(&out);
        /* exactly the limit passes; one byte less does not */
        zeros_compressed(e, 4 * MiB, &z);
        assert_int_equal(trpc__inflate(e, z.data, z.len, 4 * MiB, &out), TRPC_OK);
        assert_int_equal(out.len, 4 * MiB);
        assert_int_equal(trpc__inflate(e, z.data, z.len, 4 * MiB - 1, &out), TRPC_ETOOBIG);
        trpc__buf_free(&out);
    }
    trpc__buf_free(&z);
}

/* ---- end to end: typerpc to typerpc ------------------------------------------------------ */

/* The echo server; its Bidi method on the executor (streamed requests are
 * then queued as bytes for the handler's thread). */
static trpc_server *serve(int *port, trpc_compression z)
{
    trpc_server *srv = NULL;
    trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 2, .compression = z,
                                          .max_recv_message_size = 8 * MiB);
    assert_int_equal(trpc_server_new(&srv, &o), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_use_executor(srv, "/echo.Echo/Bidi"), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    echo_impl_reset();
    return srv;
}

static trpc_channel *channel(int port, trpc_compression z)
{
    char target[32];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    trpc_channel *ch = NULL;
    trpc_channel_opts o = TRPC_CHANNEL_OPTS(.compression = z, .backoff_initial_ms = 50,
                                            .max_recv_message_size = 8 * MiB);
    assert_int_equal(trpc_channel_new(&ch, target, &o), TRPC_OK);
    return ch;
}

/* A unary call echoing n bytes of text with mode; asserts the echo. */
static void echo_unary(trpc_channel *ch, size_t n, const char *mode, trpc_compression z)
{
    uint8_t *payload = text_payload(n);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "compressed";
    req.mode = (char *)mode;
    req.payload.data = payload;
    req.payload.len = n;
    Echo__EchoReply *reply = NULL;
    char *msg = NULL;
    trpc_status st = echo__echo__unary(echo__echo__client(ch), &req, &reply,
                                       &TRPC_CALL_OPTS(.timeout_ms = 30000, .compression = z,
                                                       .message = &msg));
    if (st != TRPC_STATUS_OK) {
        fail_msg("unary: %s: %s", trpc_status_name(st), msg ? msg : "");
    }
    assert_string_equal(reply->text, "compressed");
    assert_int_equal(reply->payload.len, n);
    assert_memory_equal(reply->payload.data, payload, n);
    echo__echo_reply__free_unpacked(reply, NULL);
    free(payload);
}

static void test_e2e(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port, TRPC_COMPRESS_GZIP);
    trpc_channel *ch = channel(port, TRPC_COMPRESS_DEFLATE);
    /* deflate requests, gzip replies; small ones go plain */
    echo_unary(ch, 3 * MiB, NULL, TRPC_COMPRESS_DEFAULT);
    echo_unary(ch, 10, NULL, TRPC_COMPRESS_DEFAULT);
    /* per call: gzip, none; the handler's choice of reply encoding */
    echo_unary(ch, 200000, NULL, TRPC_COMPRESS_GZIP);
    echo_unary(ch, 200000, NULL, TRPC_COMPRESS_NONE);
    echo_unary(ch, 200000, "deflate", TRPC_COMPRESS_DEFAULT);
    echo_unary(ch, 200000, "identity", TRPC_COMPRESS_GZIP);
    echo_unary(ch, 200000, "gzip", TRPC_COMPRESS_NONE);
    /* bidi: compressed and plain messages interleaved on one stream */
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, echo__echo__client(ch),
                                             &TRPC_CALL_OPTS(.timeout_ms = 30000)),
                     TRPC_OK);
    uint8_t *payload = text_payload(64 * 1024);
    for (int i = 0; i < 20; i++) {
        Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
        req.text = "m";
        req.payload.data = payload;
        req.payload.len = i % 2 ? 64 * 1024 : 3;
        assert_int_equal(echo__echo__bidi__send(bs, &req), TRPC_OK);
        Echo__EchoReply *r = NULL;
        assert_true(echo__echo__bidi__recv(bs, &r));
        assert_int_equal(r->payload.len, req.payload.len);
        assert_memory_equal(r->payload.data, payload, req.payload.len);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(echo__echo__bidi__close_send(bs), TRPC_OK);
    Echo__EchoReply *r = NULL;
    assert_false(echo__echo__bidi__recv(bs, &r));
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_OK);
    /* server streaming: many compressed replies */
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = 64 * 1024;
    req.count = 30;
    Echo__Echo_ServerStream_Stream *ss;
    assert_int_equal(echo__echo__server_stream__start(&ss, echo__echo__client(ch), &req,
                                                      &TRPC_CALL_OPTS(.timeout_ms = 30000)),
                     TRPC_OK);
    int got = 0;
    while (echo__echo__server_stream__recv(ss, &r)) {
        assert_int_equal(r->index, got);
        assert_memory_equal(r->payload.data, payload, 64 * 1024);
        echo__echo_reply__free_unpacked(r, NULL);
        got++;
    }
    assert_int_equal(echo__echo__server_stream__finish(ss), TRPC_STATUS_OK);
    assert_int_equal(got, 30);
    free(payload);
    /* bad option values */
    trpc_channel *bad = NULL;
    assert_int_equal(trpc_channel_new(&bad, "127.0.0.1:1",
                                      &TRPC_CHANNEL_OPTS(.compression = (trpc_compression)9)),
                     TRPC_EINVAL);
    trpc_server *sbad = NULL;
    assert_int_equal(trpc_server_new(&sbad, &TRPC_SERVER_OPTS(.compression = (trpc_compression)4)),
                     TRPC_EINVAL);
    Echo__EchoRequest one = ECHO__ECHO_REQUEST__INIT;
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__unary(echo__echo__client(ch), &one, &reply,
                                       &TRPC_CALL_OPTS(.compression = (trpc_compression)7)),
                     TRPC_STATUS_INVALID_ARGUMENT);
    trpc_channel_free(ch);
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
}

/* The README's "Compression" example, as written there. */
static void test_readme_example(void **state)
{
    (void)state;
    trpc_server *srv = NULL;
    int port = 0;
    trpc_server_opts so = TRPC_SERVER_OPTS(.compression = TRPC_COMPRESS_GZIP);
    assert_int_equal(trpc_server_new(&srv, &so), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &echo_impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", &port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    char target[32];
    snprintf(target, sizeof target, "127.0.0.1:%d", port);
    trpc_channel *ch = NULL;
    trpc_channel_opts co = TRPC_CHANNEL_OPTS(.compression = TRPC_COMPRESS_GZIP);
    assert_int_equal(trpc_channel_new(&ch, target, &co), TRPC_OK);
    Echo__Echo_Client *echo = echo__echo__client(ch);
    uint8_t *payload = text_payload(10000);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = 10000;
    Echo__EchoReply *reply = NULL;
    trpc_status st = echo__echo__unary(echo, &req, &reply, NULL); /* gzip */
    assert_int_equal(st, TRPC_STATUS_OK);
    echo__echo_reply__free_unpacked(reply, NULL);
    st = echo__echo__unary(echo, &req, &reply, &TRPC_CALL_OPTS(.compression = TRPC_COMPRESS_NONE));
    assert_int_equal(st, TRPC_STATUS_OK);
    assert_memory_equal(reply->payload.data, payload, 10000);
    echo__echo_reply__free_unpacked(reply, NULL);
    free(payload);
    trpc_channel_free(ch);
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
}

/* trpc_call_set_compression()'s rules, from a server-streaming handler:
 * any value before the first reply, then TRPC_ESTATE; bad values
 * TRPC_EINVAL.  Each step that goes wrong fails the call with a message
 * naming it. */
static trpc_status set_rules_stream(Echo__Echo_ServerStream_Call *call,
                                    const Echo__EchoRequest *req, void *user)
{
    (void)user;
    trpc_call *c = call->base;
    if (trpc_call_set_compression(c, (trpc_compression)4) != TRPC_EINVAL ||
        trpc_call_set_compression(NULL, TRPC_COMPRESS_GZIP) != TRPC_EINVAL) {
        return trpc_call_error(c, TRPC_STATUS_INTERNAL, "bad values accepted");
    }
    if (trpc_call_set_compression(c, TRPC_COMPRESS_NONE) != TRPC_OK ||
        trpc_call_set_compression(c, TRPC_COMPRESS_DEFAULT) != TRPC_OK ||
        trpc_call_set_compression(c, TRPC_COMPRESS_DEFLATE) != TRPC_OK) {
        return trpc_call_error(c, TRPC_STATUS_INTERNAL, "refused before the first reply");
    }
    Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
    r.payload = req->payload;
    /* After the first reply grpc-encoding is deflate: per message only
     * NONE and deflate (replies 0 and 2 compressed, 1 plain). */
    static const trpc_compression next[3] = { TRPC_COMPRESS_NONE, TRPC_COMPRESS_DEFLATE,
                                              TRPC_COMPRESS_DEFLATE };
    for (int i = 0; i < 3; i++) {
        r.index = i;
        if (echo__echo__server_stream__write(call, &r) != TRPC_OK) {
            return trpc_call_error(c, TRPC_STATUS_INTERNAL, "write failed");
        }
        if (trpc_call_set_compression(c, TRPC_COMPRESS_GZIP) != TRPC_ESTATE ||
            trpc_call_set_compression(c, TRPC_COMPRESS_DEFAULT) != TRPC_ESTATE) {
            return trpc_call_error(c, TRPC_STATUS_INTERNAL, "another algorithm after a reply");
        }
        if (trpc_call_set_compression(c, next[i]) != TRPC_OK) {
            return trpc_call_error(c, TRPC_STATUS_INTERNAL, "per-message choice refused");
        }
    }
    if (trpc_call_set_compression(c, TRPC_COMPRESS_NONE) != TRPC_OK) {
        return trpc_call_error(c, TRPC_STATUS_INTERNAL, "per-message choice refused");
    }
    return TRPC_STATUS_OK;
}

static void test_set_compression_rules(void **state)
{
    (void)state;
    static const Echo__Echo_Impl impl = { .server_stream = set_rules_stream };
    trpc_server *srv = NULL;
    int port = 0;
    assert_int_equal(trpc_server_new(&srv, &TRPC_SERVER_OPTS(.compression = TRPC_COMPRESS_GZIP)),
                     TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", &port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    trpc_channel *ch = channel(port, TRPC_COMPRESS_DEFAULT);
    uint8_t *payload = text_payload(50000);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = 50000;
    Echo__Echo_ServerStream_Stream *ss;
    char *msg = NULL;
    assert_int_equal(echo__echo__server_stream__start(&ss, echo__echo__client(ch), &req,
                                                      &TRPC_CALL_OPTS(.timeout_ms = 30000,
                                                                      .message = &msg)),
                     TRPC_OK);
    Echo__EchoReply *r;
    int got = 0;
    while (echo__echo__server_stream__recv(ss, &r)) {
        assert_int_equal(r->index, got);
        assert_memory_equal(r->payload.data, payload, 50000);
        /* the per-message flag as the server chose it */
        assert_int_equal(trpc_stream_message_compressed(ss->base), got != 1);
        echo__echo_reply__free_unpacked(r, NULL);
        got++;
    }
    trpc_status st = echo__echo__server_stream__finish(ss);
    if (st != TRPC_STATUS_OK) {
        fail_msg("%s: %s", trpc_status_name(st), msg ? msg : "");
    }
    assert_int_equal(got, 3);
    free(msg);
    free(payload);
    trpc_channel_free(ch);
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
}

/* ---- per-message flags: the client's choice, seen by the handler ------------------------- */

/* Answers each message with text "z" if it came compressed, "p" if not. */
static trpc_status flag_bidi(Echo__Echo_Bidi_Call *call, const Echo__EchoRequest *req,
                             void *user)
{
    (void)user;
    Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
    r.text = trpc_call_message_compressed(call->base) ? "z" : "p";
    r.index = (int32_t)req->payload.len;
    return echo__echo__bidi__write(call, &r) == TRPC_OK ? TRPC_PENDING : TRPC_STATUS_INTERNAL;
}

static trpc_status flag_bidi_end(Echo__Echo_Bidi_Call *call, void *user)
{
    (void)call, (void)user;
    return TRPC_STATUS_OK;
}

static trpc_status flag_unary(Echo__Echo_Unary_Call *call, const Echo__EchoRequest *req,
                              Echo__EchoReply *reply, void *user)
{
    (void)req, (void)user;
    reply->text = trpc_call_message_compressed(call->base) ? "z" : "p";
    return TRPC_STATUS_OK;
}

static void test_message_flags(void **state)
{
    (void)state;
    static const Echo__Echo_Impl impl = { .unary = flag_unary, .bidi = flag_bidi,
                                          .bidi_end = flag_bidi_end };
    trpc_server *srv = NULL;
    int port = 0;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    assert_int_equal(echo__echo__serve(srv, &impl, NULL), TRPC_OK);
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", &port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    trpc_channel *ch = channel(port, TRPC_COMPRESS_DEFAULT);
    uint8_t *payload = text_payload(40000);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = 40000;
    /* unary: per call */
    static const struct { trpc_compression c; const char *want; } unary[] = {
        { TRPC_COMPRESS_GZIP, "z" }, { TRPC_COMPRESS_NONE, "p" },
        { TRPC_COMPRESS_DEFLATE, "z" }, { TRPC_COMPRESS_DEFAULT, "p" } };
    for (size_t i = 0; i < 4; i++) {
        Echo__EchoReply *r = NULL;
        assert_int_equal(echo__echo__unary(echo__echo__client(ch), &req, &r,
                                           &TRPC_CALL_OPTS(.timeout_ms = 30000,
                                                           .compression = unary[i].c)),
                         TRPC_STATUS_OK);
        assert_string_equal(r->text, unary[i].want);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    /* a stream: per message, gzip in grpc-encoding */
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, echo__echo__client(ch),
                                             &TRPC_CALL_OPTS(.timeout_ms = 30000,
                                                             .compression = TRPC_COMPRESS_GZIP)),
                     TRPC_OK);
    static const struct { trpc_compression c; const char *want; } steps[] = {
        { TRPC_COMPRESS_GZIP, "z" }, { TRPC_COMPRESS_NONE, "p" }, { TRPC_COMPRESS_NONE, "p" },
        { TRPC_COMPRESS_GZIP, "z" }, { TRPC_COMPRESS_NONE, "p" } };
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(trpc_stream_set_compression(bs->base, steps[i].c), TRPC_OK);
        assert_int_equal(trpc_stream_set_compression(bs->base, TRPC_COMPRESS_DEFLATE),
                         TRPC_ESTATE); /* not the algorithm in grpc-encoding */
        assert_int_equal(echo__echo__bidi__send(bs, &req), TRPC_OK);
        Echo__EchoReply *r = NULL;
        assert_true(echo__echo__bidi__recv(bs, &r));
        assert_string_equal(r->text, steps[i].want);
        assert_int_equal(r->index, 40000);
        /* the server's replies go plain (no server compression) */
        assert_false(trpc_stream_message_compressed(bs->base));
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(trpc_stream_set_compression(bs->base, (trpc_compression)9), TRPC_EINVAL);
    assert_int_equal(trpc_stream_set_compression(NULL, TRPC_COMPRESS_NONE), TRPC_EINVAL);
    assert_int_equal(echo__echo__bidi__close_send(bs), TRPC_OK);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_OK);
    assert_false(trpc_call_message_compressed(NULL));
    assert_false(trpc_stream_message_compressed(NULL));
    free(payload);
    trpc_channel_free(ch);
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
}

/* ---- the server facing odd compressed requests (a raw client) ---------------------------- */

/* One raw call of echo.Echo/Unary with body and grpc-encoding enc (NULL:
 * none); the grpc-status. */
static int raw_unary(int port, const void *body, size_t len, const char *enc)
{
    int http = -1, grpc = -1;
    rt_raw_call(port, "/echo.Echo/Unary", "application/grpc", body, len,
                enc ? "grpc-encoding" : NULL, enc, &http, &grpc);
    assert_int_equal(http, 200);
    return grpc;
}

/* A frame with the compressed flag around the n bytes at z. */
static uint8_t *frame_of(const uint8_t *z, size_t n, uint8_t flag)
{
    uint8_t *f = malloc(n + 5);
    assert_non_null(f);
    f[0] = flag;
    f[1] = (uint8_t)(n >> 24);
    f[2] = (uint8_t)(n >> 16);
    f[3] = (uint8_t)(n >> 8);
    f[4] = (uint8_t)n;
    memcpy(f + 5, z, n);
    return f;
}

static void test_server_refuses(void **state)
{
    (void)state;
    int port;
    trpc_server *srv = serve(&port, TRPC_COMPRESS_DEFAULT);
    uint8_t *payload = text_payload(20000);
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.payload.data = payload;
    req.payload.len = 20000;
    trpc__buf b = { 0 };
    assert_int_equal(trpc__buf_append_compressed(&b, &req.base, TRPC__ENC_GZIP), TRPC_OK);
    assert_int_equal(b.data[0], 1);
    assert_int_equal(raw_unary(port, b.data, b.len, "gzip"), TRPC_STATUS_OK);
    assert_int_equal(raw_unary(port, b.data, b.len, "snappy"), TRPC_STATUS_UNIMPLEMENTED);
    assert_int_equal(raw_unary(port, b.data, b.len, NULL), TRPC_STATUS_INTERNAL);
    assert_int_equal(raw_unary(port, b.data, b.len, "identity"), TRPC_STATUS_INTERNAL);
    assert_int_equal(raw_unary(port, b.data, b.len, "deflate"), TRPC_STATUS_INTERNAL);
    b.data[b.len / 2] ^= 0xff;
    assert_int_equal(raw_unary(port, b.data, b.len, "gzip"), TRPC_STATUS_INTERNAL);
    /* 64 MiB of zeros in about 64 KiB, to a server taking 8 MiB */
    trpc__buf z = { 0 };
    zeros_compressed(TRPC__ENC_GZIP, 64 * MiB, &z);
    uint8_t *bomb = frame_of(z.data, z.len, 1);
    assert_int_equal(raw_unary(port, bomb, z.len + 5, "gzip"), TRPC_STATUS_RESOURCE_EXHAUSTED);
    free(bomb);
    /* a plain message with grpc-encoding set is fine (flag 0) */
    b.len = 0;
    assert_int_equal(trpc__buf_append_message(&b, &req.base), TRPC_OK);
    assert_int_equal(raw_unary(port, b.data, b.len, "gzip"), TRPC_STATUS_OK);
    assert_int_equal(raw_unary(port, b.data, b.len, "snappy"), TRPC_STATUS_OK);
    /* and it serves on */
    trpc_channel *ch = channel(port, TRPC_COMPRESS_GZIP);
    echo_unary(ch, 100000, NULL, TRPC_COMPRESS_DEFAULT);
    trpc_channel_free(ch);
    trpc__buf_free(&z);
    trpc__buf_free(&b);
    free(payload);
    trpc_server_shutdown(srv, 1000);
    trpc_server_free(srv);
}

/* ---- the client facing odd compressed replies (a scripted server) ------------------------ */

static trpc__buf fake_good, fake_bomb;

static void fake_respond(rt_fake *fk, nghttp2_session *s, rt_fake_stream *st, bool end)
{
    static const nghttp2_nv ok[] = { RT_NV("grpc-status", "0") };
    static uint8_t garbage[] = { 1, 0, 0, 0, 8, 'n', 'o', 't', ' ', 'g', 'z', 'i', 'p' };
    (void)fk;
    if (!end) {
        return;
    }
    const char *p = st->path + 6; /* after "/fake/" */
    nghttp2_nv gz[] = { RT_NV(":status", "200"), RT_NV("content-type", "application/grpc"),
                        RT_NV("grpc-encoding", "gzip") };
    nghttp2_nv sn[] = { RT_NV(":status", "200"), RT_NV("content-type", "application/grpc"),
                        RT_NV("grpc-encoding", "snappy") };
    if (strcmp(p, "good") == 0) {
        rt_fake_reply(s, st, gz, 3, fake_good.data, fake_good.len, ok, 1);
    } else if (strcmp(p, "unknown") == 0) {
        rt_fake_reply(s, st, sn, 3, fake_good.data, fake_good.len, ok, 1);
    } else if (strcmp(p, "noenc") == 0) {
        rt_fake_reply(s, st, gz, 2, fake_good.data, fake_good.len, ok, 1);
    } else if (strcmp(p, "corrupt") == 0) {
        rt_fake_reply(s, st, gz, 3, garbage, sizeof garbage, ok, 1);
    } else if (strcmp(p, "bomb") == 0) {
        rt_fake_reply(s, st, gz, 3, fake_bomb.data, fake_bomb.len, ok, 1);
    } else {
        nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
    }
}

static trpc_status fake_call(trpc_channel *c, const char *name, Echo__EchoReply **out)
{
    char path[64];
    snprintf(path, sizeof path, "/fake/%s", name);
    trpc_method m = { path, &echo__echo_request__descriptor, &echo__echo_reply__descriptor,
                      TRPC_UNARY };
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    ProtobufCMessage *reply = NULL;
    trpc_status st = trpc_channel_unary(c, &m, &req.base, &reply,
                                        &TRPC_CALL_OPTS(.timeout_ms = 20000));
    if (out) {
        *out = (Echo__EchoReply *)reply;
    } else if (reply) {
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    return st;
}

static void test_client_refuses(void **state)
{
    (void)state;
    uint8_t *payload = text_payload(30000);
    Echo__EchoReply rep = ECHO__ECHO_REPLY__INIT;
    rep.text = "from the fake";
    rep.payload.data = payload;
    rep.payload.len = 30000;
    assert_int_equal(trpc__buf_append_compressed(&fake_good, &rep.base, TRPC__ENC_GZIP), TRPC_OK);
    trpc__buf z = { 0 };
    zeros_compressed(TRPC__ENC_GZIP, 64 * MiB, &z);
    fake_bomb.data = frame_of(z.data, z.len, 1);
    fake_bomb.len = z.len + 5;
    static rt_fake fk;
    fk.respond = fake_respond;
    rt_fake_start(&fk);
    trpc_channel *c = channel(fk.port, TRPC_COMPRESS_DEFAULT);
    Echo__EchoReply *got = NULL;
    assert_int_equal(fake_call(c, "good", &got), TRPC_STATUS_OK);
    assert_string_equal(got->text, "from the fake");
    assert_memory_equal(got->payload.data, payload, 30000);
    echo__echo_reply__free_unpacked(got, NULL);
    assert_int_equal(fake_call(c, "unknown", NULL), TRPC_STATUS_UNIMPLEMENTED);
    assert_int_equal(fake_call(c, "noenc", NULL), TRPC_STATUS_INTERNAL);
    assert_int_equal(fake_call(c, "corrupt", NULL), TRPC_STATUS_INTERNAL);
    assert_int_equal(fake_call(c, "bomb", NULL), TRPC_STATUS_RESOURCE_EXHAUSTED);
    assert_int_equal(fake_call(c, "good", NULL), TRPC_STATUS_OK);
    trpc_channel_free(c);
    rt_fake_stop(&fk);
    trpc__buf_free(&z);
    free(fake_bomb.data);
    trpc__buf_free(&fake_good);
    free(payload);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),          cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_inflate_errors), cmocka_unit_test(test_inflate_random),
        cmocka_unit_test(test_bomb),
        cmocka_unit_test(test_e2e),            cmocka_unit_test(test_readme_example),
        cmocka_unit_test(test_set_compression_rules), cmocka_unit_test(test_message_flags),
        cmocka_unit_test(test_server_refuses),
        cmocka_unit_test(test_client_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
