/*
 * test_runtime_units.c: unit tests of the runtime's internals: base64,
 * grpc-timeout, percent-encoding, message framing, the arena, metadata,
 * address parsing.  Linked against the static runtime to reach them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/metadata.h"
#include "base/wire.h"

static void test_base64(void **state)
{
    (void)state;
    trpc__buf b = { 0 };
    const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    const char *out[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy" };
    for (int i = 0; i < 7; i++) {
        b.len = 0;
        trpc__b64_encode(&b, (const uint8_t *)in[i], strlen(in[i]));
        assert_int_equal(b.len, strlen(out[i]));
        assert_memory_equal(b.data, out[i], b.len);
        uint8_t dec[16];
        assert_int_equal(trpc__b64_decode((const uint8_t *)out[i], strlen(out[i]), dec),
                         (long)strlen(in[i]));
        assert_memory_equal(dec, in[i], strlen(in[i]));
    }
    uint8_t dec[16];
    assert_int_equal(trpc__b64_decode((const uint8_t *)"Zm8=", 4, dec), 2); /* padded */
    assert_int_equal(trpc__b64_decode((const uint8_t *)"Zg==", 4, dec), 1);
    assert_int_equal(trpc__b64_decode((const uint8_t *)"Z", 1, dec), -1);
    assert_int_equal(trpc__b64_decode((const uint8_t *)"Z!9v", 4, dec), -1);
    trpc__buf_free(&b);
}

static void test_timeout(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"100m", 4, &ms), 0);
    assert_int_equal(ms, 100);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"2S", 2, &ms), 0);
    assert_int_equal(ms, 2000);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"1H", 2, &ms), 0);
    assert_int_equal(ms, 3600000);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"3M", 2, &ms), 0);
    assert_int_equal(ms, 180000);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"1500u", 5, &ms), 0);
    assert_int_equal(ms, 2);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"1n", 2, &ms), 0);
    assert_int_equal(ms, 1);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"123456789m", 10, &ms), -1);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"m", 1, &ms), -1);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"1x", 2, &ms), -1);
    assert_int_equal(trpc__timeout_parse((const uint8_t *)"-1m", 3, &ms), -1);
    char out[16];
    trpc__timeout_format(250, out);
    assert_string_equal(out, "250m");
    trpc__timeout_format(100000000, out);
    assert_string_equal(out, "100000S");
    trpc__timeout_format(0, out);
    assert_string_equal(out, "1m");
}

static void test_percent(void **state)
{
    (void)state;
    trpc__buf b = { 0 };
    trpc__pct_encode(&b, "a b%\xc3\xa9\n");
    assert_int_equal(b.len, strlen("a b%25%C3%A9%0A"));
    assert_memory_equal(b.data, "a b%25%C3%A9%0A", b.len);
    char *s = trpc__pct_decode(b.data, b.len);
    assert_string_equal(s, "a b%\xc3\xa9\n");
    free(s);
    s = trpc__pct_decode((const uint8_t *)"100%zz%4", 8);
    assert_string_equal(s, "100%zz%4");
    free(s);
    trpc__buf_free(&b);
}

static void test_framer(void **state)
{
    (void)state;
    trpc__framer f = { 0 };
    const uint8_t data[] = { 0, 0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0, 0, 1, 0, 0, 0, 9 };
    const uint8_t *p = data;
    size_t n = sizeof data;
    /* byte by byte, to cross every boundary */
    const uint8_t *q = data;
    int msgs = 0;
    for (size_t i = 0; i < 13; i++) {
        size_t one = 1;
        const uint8_t *pp = q + i;
        while (one > 0) {
            trpc__frame_ev ev = trpc__framer_feed(&f, &pp, &one, 100);
            if (ev == TRPC__FRAME_MESSAGE) {
                msgs++;
                trpc__framer_next(&f);
            }
        }
    }
    assert_int_equal(msgs, 2); /* "abc", and the empty one with its header */
    trpc__framer_next(&f);
    p = data;
    n = sizeof data;
    assert_int_equal(trpc__framer_feed(&f, &p, &n, 100), TRPC__FRAME_MESSAGE);
    assert_int_equal(f.msg_len, 3);
    assert_memory_equal(f.body.data, "abc", 3);
    trpc__framer_next(&f);
    assert_int_equal(trpc__framer_feed(&f, &p, &n, 100), TRPC__FRAME_MESSAGE);
    assert_int_equal(f.msg_len, 0);
    trpc__framer_next(&f);
    assert_int_equal(trpc__framer_feed(&f, &p, &n, 100), TRPC__FRAME_NEED_MORE);
    assert_true(trpc__framer_partial(&f));
    trpc__framer_next(&f);
    const uint8_t big[] = { 0, 0, 0, 1, 0 };
    p = big;
    n = sizeof big;
    assert_int_equal(trpc__framer_feed(&f, &p, &n, 100), TRPC__FRAME_TOO_BIG);
    trpc__buf_free(&f.body);
}

static void test_arena(void **state)
{
    (void)state;
    trpc__arena a;
    trpc__arena_init(&a);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 1000; i++) {
            uint8_t *p = trpc__arena_alloc(&a, (size_t)(i % 50) + 1);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 16, 0);
            memset(p, 0xab, (size_t)(i % 50) + 1);
        }
        void *huge = a.pa.alloc(a.pa.allocator_data, 1 << 20);
        assert_non_null(huge);
        a.pa.free(a.pa.allocator_data, huge);
        trpc__arena_reset(&a);
    }
    trpc__arena_free(&a);
}

static void test_addr(void **state)
{
    (void)state;
    trpc__addr a;
    assert_int_equal(trpc__addr_parse("127.0.0.1:50051", &a), 0);
    assert_string_equal(a.host, "127.0.0.1");
    assert_string_equal(a.port, "50051");
    assert_int_equal(trpc__addr_parse("[::1]:0", &a), 0);
    assert_string_equal(a.host, "::1");
    assert_int_equal(trpc__addr_parse(":80", &a), 0);
    assert_string_equal(a.host, "");
    assert_int_equal(trpc__addr_parse("unix:/tmp/x.sock", &a), 0);
    assert_true(a.is_unix);
    assert_string_equal(a.path, "/tmp/x.sock");
    assert_int_equal(trpc__addr_parse("::1:80", &a), TRPC_EADDR);
    assert_int_equal(trpc__addr_parse("host", &a), TRPC_EADDR);
    assert_int_equal(trpc__addr_parse("host:port", &a), TRPC_EADDR);
    assert_int_equal(trpc__addr_parse("unix:", &a), TRPC_EADDR);
}

static void test_metadata_api(void **state)
{
    (void)state;
    trpc_metadata *md = NULL;
    assert_int_equal(trpc_metadata_new(&md), 0);
    trpc_metadata_free(NULL);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(trpc_metadata_add_str(md, "k", "v"), 0);
    }
    assert_int_equal(trpc_metadata_count(md), 100);
    const char *k;
    const void *v;
    size_t n;
    assert_int_equal(trpc_metadata_at(md, 99, &k, &v, &n), 0);
    assert_string_equal(k, "k");
    assert_int_equal(n, 1);
    assert_int_equal(trpc_metadata_at(md, 100, &k, &v, &n), TRPC_EINVAL);
    trpc_metadata_clear(md);
    assert_int_equal(trpc_metadata_count(md), 0);
    assert_null(trpc_metadata_get(md, "k", NULL));
    /* wire form: -bin values arrive base64, padded or not */
    assert_int_equal(trpc__md_add_wire(md, (const uint8_t *)"a-bin", 5,
                                       (const uint8_t *)"AAE=", 4), 0);
    assert_int_equal(trpc__md_add_wire(md, (const uint8_t *)"b-bin", 5,
                                       (const uint8_t *)"AAE", 3), 0);
    assert_int_equal(trpc__md_add_wire(md, (const uint8_t *)"c-bin", 5,
                                       (const uint8_t *)"!!", 2), TRPC_EINVAL);
    const uint8_t *b = trpc_metadata_get(md, "a-bin", &n);
    assert_int_equal(n, 2);
    assert_int_equal(b[1], 1);
    b = trpc_metadata_get(md, "b-bin", &n);
    assert_int_equal(n, 2);
    trpc_metadata_free(md);
    assert_int_equal(trpc_metadata_new(NULL), TRPC_EINVAL);
}

static void test_http_mapping(void **state)
{
    (void)state;
    assert_int_equal(trpc__http_to_grpc(400), TRPC_STATUS_INTERNAL);
    assert_int_equal(trpc__http_to_grpc(401), TRPC_STATUS_UNAUTHENTICATED);
    assert_int_equal(trpc__http_to_grpc(403), TRPC_STATUS_PERMISSION_DENIED);
    assert_int_equal(trpc__http_to_grpc(404), TRPC_STATUS_UNIMPLEMENTED);
    assert_int_equal(trpc__http_to_grpc(429), TRPC_STATUS_UNAVAILABLE);
    assert_int_equal(trpc__http_to_grpc(503), TRPC_STATUS_UNAVAILABLE);
    assert_int_equal(trpc__http_to_grpc(500), TRPC_STATUS_UNKNOWN);
    assert_true(trpc__is_grpc_content_type((const uint8_t *)"application/grpc", 16));
    assert_true(trpc__is_grpc_content_type((const uint8_t *)"application/grpc+proto", 22));
    assert_true(trpc__is_grpc_content_type((const uint8_t *)"Application/GRPC;x=y", 20));
    assert_false(trpc__is_grpc_content_type((const uint8_t *)"application/grpcx", 17));
    assert_false(trpc__is_grpc_content_type((const uint8_t *)"text/plain", 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),     cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_percent),    cmocka_unit_test(test_framer),
        cmocka_unit_test(test_arena),      cmocka_unit_test(test_addr),
        cmocka_unit_test(test_metadata_api), cmocka_unit_test(test_http_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
