/*
 * test_runtime_units.c: unit tests of the runtime's internals: base64,
 * grpc-timeout, percent-encoding, message framing, the arena, metadata,
 * address parsing, peer names, status texts, options structs, the byte
 * buffer's growth, the method registry, the cross-thread op queue and the
 * executor.  Linked against the static runtime to reach them.
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
#include "base/opts.h"
#include "typerpc/typerpc.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <event2/event.h>
#include "h2/opq.h"
#include "server/executor.h"
#include "server/registry.h"
#include "echo.pb-c.h"

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

/* grpc-timeout at the edges (issue 12 item 6): 1 to 8 digits and one of the
 * six units, nothing else; past 99,999,999 s "no deadline" (INT64_MAX),
 * never an overflow. */
static int tparse(const char *v, int64_t *ms)
{
    return trpc__timeout_parse((const uint8_t *)v, strlen(v), ms);
}

static void test_timeout_edges(void **state)
{
    (void)state;
    int64_t ms = -7;
    static const char *const bad[] = {
        "", "S", "1000000000000H", "123456789S", "-5S", "+5S", "abc", "5", "5s", "5 S",
        " 5S", "5S ", "0x5S", "5.0S", "99999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ms = -7;
        assert_int_equal(tparse(bad[i], &ms), -1);
        assert_int_equal(ms, -7); /* untouched */
    }
    assert_int_equal(tparse("0m", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(tparse("00000001S", &ms), 0);
    assert_int_equal(ms, 1000);
    assert_int_equal(tparse("99999999m", &ms), 0);
    assert_int_equal(ms, 99999999);
    assert_int_equal(tparse("99999999S", &ms), 0);
    assert_int_equal(ms, INT64_C(99999999000)); /* the longest real deadline */
    assert_int_equal(tparse("99999999n", &ms), 0);
    assert_int_equal(ms, 100);
    assert_int_equal(tparse("99999999u", &ms), 0);
    assert_int_equal(ms, 100000);
    assert_int_equal(tparse("1666667M", &ms), 0); /* 100,000,020 s */
    assert_int_equal(ms, INT64_MAX);
    assert_int_equal(tparse("99999999M", &ms), 0);
    assert_int_equal(ms, INT64_MAX);
    assert_int_equal(tparse("99999999H", &ms), 0);
    assert_int_equal(ms, INT64_MAX);
    /* What our client writes for the longest deadlines reads back as none. */
    char out[16];
    trpc__timeout_format(INT64_MAX / 2, out);
    assert_string_equal(out, "99999999H");
    assert_int_equal(tparse(out, &ms), 0);
    assert_int_equal(ms, INT64_MAX);
    /* ... and "none" itself formats without overflow (found by fuzz_parsers:
     * 99999999H parsed to INT64_MAX, formatted back). */
    trpc__timeout_format(INT64_MAX, out);
    assert_string_equal(out, "99999999H");
    trpc__timeout_format(INT64_MAX - 1, out);
    assert_string_equal(out, "99999999H");
    trpc__timeout_format(99999999999, out); /* 99,999,999.999 s */
    assert_string_equal(out, "27778H");
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
    /* channel targets: addresses, and gRPC's dns:[//server/]host:port */
    assert_int_equal(trpc__target_parse("localhost:80", &a), 0);
    assert_string_equal(a.host, "localhost");
    assert_string_equal(a.dns_server, "");
    assert_int_equal(a.name_off, 0);
    assert_int_equal(trpc__target_parse("dns:svc.test:443", &a), 0);
    assert_string_equal(a.host, "svc.test");
    assert_string_equal(a.port, "443");
    assert_string_equal(a.dns_server, "");
    assert_int_equal(a.name_off, 4);
    assert_int_equal(trpc__target_parse("dns:///svc.test:443", &a), 0);
    assert_string_equal(a.host, "svc.test");
    assert_string_equal(a.dns_server, "");
    assert_int_equal(a.name_off, 7);
    const char *t = "dns://[::1]:5353/[::2]:1";
    assert_int_equal(trpc__target_parse(t, &a), 0);
    assert_string_equal(a.dns_server, "[::1]:5353");
    assert_string_equal(a.host, "::2");
    assert_string_equal(a.port, "1");
    assert_string_equal(&t[a.name_off], "[::2]:1");
    assert_int_equal(trpc__target_parse("dns://8.8.8.8/unix:/x", &a), TRPC_EADDR);
    assert_int_equal(trpc__target_parse("dns://8.8.8.8:53", &a), TRPC_EADDR);
    assert_int_equal(trpc__target_parse("dns:///:80", &a), TRPC_EADDR);
    assert_int_equal(trpc__target_parse("dns:", &a), TRPC_EADDR);
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

static void test_peer_and_status_text(void **state)
{
    (void)state;
    char out[TRPC__PEER_MAX];
    struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(5678) };
    inet_pton(AF_INET, "1.2.3.4", &in.sin_addr);
    trpc__peer_format((struct sockaddr *)&in, sizeof in, out);
    assert_string_equal(out, "ipv4:1.2.3.4:5678");
    struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
    inet_pton(AF_INET6, "::1", &in6.sin6_addr);
    trpc__peer_format((struct sockaddr *)&in6, sizeof in6, out);
    assert_string_equal(out, "ipv6:[::1]:80");
    struct sockaddr_un un = { .sun_family = AF_UNIX };
    trpc__peer_format((struct sockaddr *)&un, sizeof(sa_family_t), out);
    assert_string_equal(out, "unix:");
    strcpy(un.sun_path, "/run/x.sock");
    trpc__peer_format((struct sockaddr *)&un, sizeof un, out);
    assert_string_equal(out, "unix:/run/x.sock");
    for (int c = 0; c <= 16; c++) {
        char want[4];
        snprintf(want, sizeof want, "%d", c);
        assert_string_equal(trpc__status_text((trpc_status)c), want);
        assert_int_equal(trpc__status_parse((const uint8_t *)want, strlen(want)), c);
        assert_true(trpc_status_valid((trpc_status)c));
    }
    assert_false(trpc_status_valid(TRPC_PENDING));
    assert_false(trpc_status_valid((trpc_status)-1));
    assert_int_equal(trpc__status_parse((const uint8_t *)"17", 2), TRPC_STATUS_UNKNOWN);
    assert_int_equal(trpc__status_parse((const uint8_t *)"x", 1), TRPC_STATUS_UNKNOWN);
    assert_int_equal(trpc__status_parse((const uint8_t *)"", 0), TRPC_STATUS_UNKNOWN);
    assert_string_equal(trpc_done_reason_name(TRPC_DONE_SHUTDOWN), "SHUTDOWN");
    assert_string_equal(trpc_status_name(TRPC_PENDING), "PENDING");
}

static void test_opts(void **state)
{
    (void)state;
    /* NULL: every default, with the size set */
    trpc_server_opts o;
    assert_int_equal(TRPC__OPTS_READ(trpc_server_opts, &o, (const trpc_server_opts *)NULL),
                     TRPC_OK);
    assert_int_equal(o.size, sizeof o);
    assert_int_equal(o.workers, 0);
    /* the macro: the fields named, the rest zero */
    trpc_server_opts in = TRPC_SERVER_OPTS(.workers = 3);
    assert_int_equal(TRPC__OPTS_READ(trpc_server_opts, &o, &in), TRPC_OK);
    assert_int_equal(o.workers, 3);
    /* an older, shorter struct: only what fits is read */
    in.max_send_buffer = 12345;
    in.size = offsetof(trpc_server_opts, max_send_buffer);
    assert_int_equal(TRPC__OPTS_READ(trpc_server_opts, &o, &in), TRPC_OK);
    assert_int_equal(o.workers, 3);
    assert_int_equal(o.max_send_buffer, 0);
    /* no size (not made with the macro), or larger than known: refused */
    trpc_server_opts bad = { .workers = 2 };
    assert_int_equal(TRPC__OPTS_READ(trpc_server_opts, &o, &bad), TRPC_EINVAL);
    bad.size = sizeof bad + 8;
    assert_int_equal(TRPC__OPTS_READ(trpc_server_opts, &o, &bad), TRPC_EINVAL);
    /* and the public constructors say so */
    trpc_server *srv = NULL;
    bad.size = 0;
    assert_int_equal(trpc_server_new(&srv, &bad), TRPC_EINVAL);
    assert_null(srv);
    trpc_channel *ch = NULL;
    trpc_channel_opts cbad = { .connect_timeout_ms = 5 };
    assert_int_equal(trpc_channel_new(&ch, "127.0.0.1:1", &cbad), TRPC_EINVAL);
    assert_null(ch);
}

static void test_buf_growth(void **state)
{
    (void)state;
    trpc__buf b = { 0 };
    static uint8_t big[1 << 20];
    assert_int_equal(trpc__buf_append(&b, big, sizeof big), TRPC_OK);
    assert_int_equal(b.cap, sizeof big); /* a large first write: exactly its size */
    assert_int_equal(trpc__buf_append(&b, big, 10), TRPC_OK);
    assert_int_equal(b.cap, 2 * sizeof big); /* then doubling */
    trpc__buf_reset(&b, 64 * 1024);
    assert_null(b.data); /* past keep: freed */
    assert_int_equal(trpc__buf_append(&b, "ab", 2), TRPC_OK);
    assert_int_equal(b.cap, 256);
    trpc__buf_reset(&b, 64 * 1024);
    assert_non_null(b.data); /* small: kept for reuse */
    assert_int_equal(b.len, 0);
    trpc__buf_free(&b);
    /* the frame size of a message is what append_message adds */
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.text = "hello";
    assert_int_equal(trpc__buf_append_message(&b, &req.base), TRPC_OK);
    assert_int_equal(b.len, trpc__frame_size(&req.base));
    assert_int_equal(b.len, 5 + 7);
    trpc__buf_free(&b);
}

static trpc_status dummy_msg(trpc_call *c, const ProtobufCMessage *r, ProtobufCMessage *o,
                             const void *impl, void *user)
{
    (void)c, (void)r, (void)o, (void)impl, (void)user;
    return TRPC_STATUS_OK;
}

static trpc_status dummy_event(trpc_call *c, ProtobufCMessage *o, const void *impl, void *user)
{
    (void)c, (void)o, (void)impl, (void)user;
    return TRPC_STATUS_OK;
}

static void test_registry(void **state)
{
    (void)state;
    static const trpc_method ms[] = {
        { "/p.S/U", &echo__echo_request__descriptor, &echo__echo_reply__descriptor, TRPC_UNARY },
        { "/p.S/B", &echo__echo_request__descriptor, &echo__echo_reply__descriptor,
          TRPC_BIDI_STREAMING },
    };
    static const trpc_service svc = { "p.S", 2, ms, NULL };
    static const trpc_method other[] = {
        { "/q.T/U", &echo__echo_request__descriptor, &echo__echo_reply__descriptor, TRPC_UNARY },
    };
    static const trpc_service svc2 = { "q.T", 1, other, NULL };
    trpc__registry r = { 0 };
    trpc_method_handlers h[2] = { { dummy_msg, NULL, NULL, NULL },
                                  { dummy_msg, NULL, dummy_event, NULL } };
    /* start or end on a method without streaming input */
    h[0].on_end = dummy_event;
    assert_int_equal(trpc__registry_add(&r, &svc, h, NULL, NULL), TRPC_EINVAL);
    h[0].on_end = NULL;
    h[0].on_start = dummy_event;
    assert_int_equal(trpc__registry_add(&r, &svc, h, NULL, NULL), TRPC_EINVAL);
    h[0].on_start = NULL;
    /* a streaming-input handler without end */
    h[1].on_end = NULL;
    assert_int_equal(trpc__registry_add(&r, &svc, h, NULL, NULL), TRPC_EINVAL);
    h[1].on_end = dummy_event;
    assert_int_equal(r.n, 0); /* nothing added on error */
    assert_int_equal(trpc__registry_add(&r, &svc, h, NULL, NULL), TRPC_OK);
    assert_int_equal(trpc__registry_add(&r, &svc, h, NULL, NULL), TRPC_EEXISTS);
    assert_int_equal(trpc__registry_add(&r, &svc2, h, NULL, NULL), TRPC_OK);
    assert_non_null(trpc__registry_find(&r, "/p.S/B"));
    assert_null(trpc__registry_find(&r, "/p.S/X"));
    /* the executor, by service or by method */
    assert_int_equal(trpc__registry_use_executor(&r, "p.S"), TRPC_OK);
    assert_true(trpc__registry_find(&r, "/p.S/U")->exec);
    assert_true(trpc__registry_find(&r, "/p.S/B")->exec);
    assert_false(trpc__registry_find(&r, "/q.T/U")->exec);
    assert_int_equal(trpc__registry_use_executor(&r, "/q.T/U"), TRPC_OK);
    assert_true(trpc__registry_find(&r, "/q.T/U")->exec);
    assert_int_equal(r.nexec, 3);
    assert_int_equal(trpc__registry_use_executor(&r, "x.Y"), TRPC_ENOENT);
    assert_int_equal(trpc__registry_use_executor(&r, "/p.S/Nope"), TRPC_ENOENT);
    assert_int_equal(trpc__registry_use_executor(&r, ""), TRPC_EINVAL);
    trpc__registry_free(&r);
}

static void wake_nothing(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg;
}

static void test_opq(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    trpc__opq q;
    assert_int_equal(trpc__opq_init(&q, base, wake_nothing, NULL), 0);
    trpc__opq_item a = { 0 }, b = { 0 };
    assert_true(trpc__opq_post(&q, &a, 1));
    assert_true(trpc__opq_post(&q, &b, 4));
    assert_false(trpc__opq_post(&q, &a, 2)); /* merged: queued once */
    unsigned ops;
    assert_ptr_equal(trpc__opq_pop(&q, &ops), &a);
    assert_int_equal(ops, 3);
    assert_ptr_equal(trpc__opq_pop(&q, &ops), &b);
    assert_int_equal(ops, 4);
    assert_null(trpc__opq_pop(&q, &ops));
    assert_true(trpc__opq_post(&q, &a, 8)); /* queued again after its pop */
    trpc__opq_flag(&q, 2);
    trpc__opq_flag(&q, 1);
    assert_int_equal(trpc__opq_take_flags(&q), 3);
    assert_int_equal(trpc__opq_take_flags(&q), 0);
    trpc__opq_fini(&q);
    event_base_free(base);
}

typedef struct counted {
    trpc__task t;
    atomic_int *n;
} counted;

static void count_run(trpc__task *t)
{
    atomic_fetch_add(((counted *)t)->n, 1);
}

static void test_executor(void **state)
{
    (void)state;
    trpc__executor *ex = NULL;
    assert_int_equal(trpc__executor_new(&ex, 3), TRPC_OK);
    atomic_int n = 0;
    counted tasks[200];
    for (int i = 0; i < 200; i++) {
        tasks[i] = (counted){ { NULL, count_run }, &n };
        trpc__executor_submit(ex, &tasks[i].t);
    }
    trpc__executor_free(ex); /* runs what is queued, then stops */
    assert_int_equal(atomic_load(&n), 200);
    trpc__executor_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),     cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_timeout_edges),
        cmocka_unit_test(test_percent),    cmocka_unit_test(test_framer),
        cmocka_unit_test(test_arena),      cmocka_unit_test(test_addr),
        cmocka_unit_test(test_metadata_api), cmocka_unit_test(test_http_mapping),
        cmocka_unit_test(test_peer_and_status_text), cmocka_unit_test(test_opts),
        cmocka_unit_test(test_buf_growth), cmocka_unit_test(test_registry),
        cmocka_unit_test(test_opq),        cmocka_unit_test(test_executor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
