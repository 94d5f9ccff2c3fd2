/*
 * test_web_units.c: the web protocols' pieces on their own (docs/web.md):
 * trpc_server_set_cors()'s checks and states, the CORS configuration the
 * server keeps, gRPC-Web text decoding across chunks that end padded or
 * mid-quantum, the idempotency levels read from the embedded descriptors
 * (echo.Echo's Unary is NO_SIDE_EFFECTS, the others are not), the framer's
 * raw mode (Connect unary bodies) and whole-body compression.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "base/compress.h"
#include "base/wire.h"
#include "server/registry.h"
#include "server/web.h"
#include "echo.trpc.h"

static void set_cors_checks(void **state)
{
    (void)state;
    trpc_server *srv;
    assert_int_equal(trpc_server_new(&srv, NULL), TRPC_OK);
    static const char *const none[] = { NULL };
    static const char *const spaced[] = { "https://a.example b", NULL };
    static const char *const comma[] = { "https://a.example,https://b.example", NULL };
    static const char *const good[] = { "https://a.example", "http://localhost:8080", NULL };
    static const char *const bad_header[] = { "x-ok", "x:bad", NULL };
    assert_int_equal(trpc_server_set_cors(NULL, &(trpc_cors_opts){ .allow_origins = good }),
                     TRPC_EINVAL);
    assert_int_equal(trpc_server_set_cors(srv, NULL), TRPC_EINVAL);
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ 0 }), TRPC_EINVAL);
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ .allow_origins = none }),
                     TRPC_EINVAL);
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ .allow_origins = spaced }),
                     TRPC_EINVAL);
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ .allow_origins = comma }),
                     TRPC_EINVAL);
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ .allow_origins = good,
                                                                   .allow_headers = bad_header }),
                     TRPC_EINVAL);
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ .allow_origins = good,
                                                                   .max_age_s = -1 }),
                     TRPC_EINVAL);
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ .allow_origins = good }),
                     TRPC_OK);
    /* again: replaces */
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ .allow_origins = good,
                                                                   .max_age_s = 60 }),
                     TRPC_OK);
    int port;
    assert_int_equal(trpc_server_listen(srv, "127.0.0.1:0", &port), TRPC_OK);
    assert_int_equal(trpc_server_start(srv), TRPC_OK);
    assert_int_equal(trpc_server_set_cors(srv, &(trpc_cors_opts){ .allow_origins = good }),
                     TRPC_ESTATE);
    trpc_server_shutdown(srv, 0);
    trpc_server_free(srv);
}

static void cors_config(void **state)
{
    (void)state;
    trpc__web_cfg w = { .off = true };
    static const char *const origins[] = { "https://a.example", "*", NULL };
    static const char *const allow[] = { "x-mine", NULL };
    static const char *const expose[] = { "x-out", NULL };
    trpc_cors_opts o = { .allow_origins = origins, .allow_headers = allow,
                         .expose_headers = expose, .allow_credentials = true };
    assert_int_equal(trpc__web_cfg_set(&w, &o), TRPC_OK);
    assert_true(w.off); /* kept */
    assert_true(w.cors && w.any_origin && w.credentials);
    assert_string_equal(w.origins[0], "https://a.example");
    assert_string_equal(w.origins[1], "*");
    assert_null(w.origins[2]);
    assert_string_equal(w.max_age, "7200");
    assert_non_null(strstr(w.allow_headers, "content-type, connect-protocol-version"));
    assert_non_null(strstr(w.allow_headers, "x-grpc-web"));
    assert_non_null(strstr(w.allow_headers, ", x-mine"));
    assert_non_null(strstr(w.expose_headers, "grpc-status, grpc-message, "
                                             "grpc-status-details-bin"));
    assert_non_null(strstr(w.expose_headers, ", x-out"));
    trpc__web_cfg_free(&w);
    assert_true(w.off);
    assert_null(w.origins);
}

/* Feeds text to a fresh call's decoder in the given chunk sizes. */
static bool unbase64(const char *text, const size_t *cuts, size_t ncuts, trpc__buf *all)
{
    trpc_call *c = calloc(1, sizeof *c);
    trpc__buf out = { 0 };
    size_t off = 0, len = strlen(text);
    bool ok = true;
    for (size_t i = 0; ok && i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : len;
        ok = trpc__web_unbase64(c, (const uint8_t *)text + off, end - off, &out);
        if (ok && out.len) {
            trpc__buf_append(all, out.data, out.len);
        }
        off = end;
    }
    ok = ok && c->nb64q == 0;
    trpc__buf_free(&out);
    free(c);
    return ok;
}

static void web_text(void **state)
{
    (void)state;
    trpc__buf all = { 0 };
    /* "AAAAAAJhYg==" is frame(0, "ab"); "AAAAAAFj" frame(0, "c") */
    const char *two = "AAAAAAJhYg==AAAAAAFj";
    for (size_t cut = 0; cut <= strlen(two); cut++) {
        all.len = 0;
        size_t cuts[] = { cut };
        assert_true(unbase64(two, cuts, 1, &all));
        assert_int_equal(all.len, 13);
        assert_memory_equal(all.data, "\0\0\0\0\2ab\0\0\0\0\1c", 13);
    }
    all.len = 0;
    size_t cuts[] = { 1, 2, 3, 5, 8 };
    assert_true(unbase64("AAAAAAJhYg==", cuts, 5, &all));
    assert_int_equal(all.len, 7);
    all.len = 0;
    assert_false(unbase64("AAAA*AAA", NULL, 0, &all));
    all.len = 0;
    assert_false(unbase64("AAAAAA", NULL, 0, &all)); /* ends mid-quantum */
    trpc__buf_free(&all);
}

static void idempotency(void **state)
{
    (void)state;
    trpc__registry r = { 0 };
    static const trpc_method_handlers none[5];
    static const int impl;
    assert_int_equal(trpc__registry_add(&r, &echo__echo__trpc_service, none, &impl, NULL),
                     TRPC_OK);
    trpc__web_mark_idempotent(&r);
    size_t seen = 0;
    for (size_t i = 0; i < r.n; i++) {
        bool want = strcmp(r.e[i].path, "/echo.Echo/Unary") == 0;
        assert_int_equal(r.e[i].no_side_effects, want);
        seen += want;
    }
    assert_int_equal(seen, 1);
    trpc__registry_free(&r);
}

static void framer_raw(void **state)
{
    (void)state;
    trpc__budget b;
    trpc__budget_init(&b, 1 << 20);
    trpc__framer f = { .budget = &b };
    /* a body of at most 9 bytes: 10 are read to tell */
    trpc__framer_raw(&f, 10, 0);
    const uint8_t *p = (const uint8_t *)"hello";
    size_t n = 5;
    assert_int_equal(trpc__framer_feed(&f, &p, &n, 4), TRPC__FRAME_NEED_MORE);
    assert_int_equal(f.body.len, 5);
    assert_true(trpc__budget_used(&b) >= 5);
    p = (const uint8_t *)"world!";
    n = 6;
    assert_int_equal(trpc__framer_feed(&f, &p, &n, 4), TRPC__FRAME_MESSAGE);
    assert_int_equal(f.body.len, 10);
    trpc__framer_release(&f, 0);
    assert_int_equal(trpc__budget_used(&b), 0);
}

static void deflate_bytes(void **state)
{
    (void)state;
    uint8_t in[4000];
    memset(in, 'q', sizeof in);
    for (trpc__enc e = TRPC__ENC_DEFLATE; e <= TRPC__ENC_GZIP; e++) {
        trpc__buf z = { 0 }, back = { 0 };
        assert_int_equal(trpc__deflate_bytes(e, in, sizeof in, &z), TRPC_OK);
        assert_true(z.len < 100);
        assert_int_equal(trpc__inflate(e, z.data, z.len, sizeof in, &back), TRPC_OK);
        assert_int_equal(back.len, sizeof in);
        assert_memory_equal(back.data, in, sizeof in);
        trpc__buf_free(&z);
        trpc__buf_free(&back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_cors_checks), cmocka_unit_test(cors_config),
        cmocka_unit_test(web_text),        cmocka_unit_test(idempotency),
        cmocka_unit_test(framer_raw),      cmocka_unit_test(deflate_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
