/*
 * test_json.c: the protobuf JSON codec at its edges (typerpc/json.h).
 *
 * The oracle test (oracle.py) holds the codec to Python protobuf's
 * json_format on a large corpus; these tests pin what an oracle does not
 * show: the exact text we write, the error messages (where and why), the
 * options, allocation failure at every step, and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <typerpc/json.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "jt.pb-c.h"
#include "jt2.pb-c.h"

/* Encodes m and checks the exact text. */
static void expect_json(const ProtobufCMessage *m, const trpc_json_opts *o, const char *want)
{
    char *out = NULL, err[256];
    size_t len = 0;
    trpc_error rc = trpc_json_encode(m, o, &out, &len, err, sizeof err);
    if (rc != TRPC_OK)
        fail_msg("encode failed: %s", err);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

/* Decodes text as d, expecting failure with `code` and an error holding `want`. */
static void expect_decode_error(const ProtobufCMessageDescriptor *d, const char *text,
                                const trpc_json_opts *o, trpc_error code, const char *want)
{
    ProtobufCMessage *m = (ProtobufCMessage *)0x1;
    char err[256];
    trpc_error rc = trpc_json_decode(d, text, strlen(text), o, NULL, &m, err, sizeof err);
    if (rc == TRPC_OK)
        fail_msg("'%s' decoded; expected an error with \"%s\"", text, want);
    assert_int_equal(rc, code);
    assert_ptr_equal(m, (ProtobufCMessage *)0x1); /* untouched */
    if (!strstr(err, want))
        fail_msg("error for '%.60s' is \"%s\"; expected it to contain \"%s\"", text, err, want);
}

static ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *d, const char *text,
                                   const trpc_json_opts *o)
{
    ProtobufCMessage *m = NULL;
    char err[256];
    if (trpc_json_decode(d, text, strlen(text), o, NULL, &m, err, sizeof err) != TRPC_OK)
        fail_msg("'%s' did not decode: %s", text, err);
    return m;
}

static void test_encode_scalars_exact(void **state)
{
    (void)state;
    Jt__Scalars s = JT__SCALARS__INIT;
    Jt__Inner in = JT__INNER__INIT;
    uint8_t bytes[] = { 0xfb, 0xff, 0x00 };
    s.f_int32 = -5;
    s.f_int64 = INT64_MIN;
    s.f_uint32 = 4294967295u;
    s.f_uint64 = UINT64_MAX;
    s.f_float = 0.1f;
    s.f_double = 1e300;
    s.f_bool = 1;
    s.f_string = "a\"b\\c\n\x01\xc3\xa9";
    s.f_bytes.data = bytes;
    s.f_bytes.len = sizeof bytes;
    s.f_enum = JT__COLOR__NEGATIVE;
    in.a = 1;
    s.f_msg = &in;
    s.renamed = 3;
    s.field_name_2x = "x";
    expect_json(&s.base, NULL,
                "{\"fInt32\":-5,\"fInt64\":\"-9223372036854775808\",\"fUint32\":4294967295,"
                "\"fUint64\":\"18446744073709551615\",\"fFloat\":0.1,\"fDouble\":1e+300,"
                "\"fBool\":true,\"fString\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\",\"fBytes\":\"+/8A\","
                "\"fEnum\":\"NEGATIVE\",\"fMsg\":{\"a\":1},\"RenamedField\":3,"
                "\"fieldName2x\":\"x\"}");
    /* The options: proto names, enum numbers, defaults. */
    Jt__Inner e = JT__INNER__INIT;
    e.color = JT__COLOR__BLUE;
    expect_json(&e.base, &TRPC_JSON_OPTS(.enums_as_numbers = true), "{\"color\":3}");
    expect_json(&e.base, &TRPC_JSON_OPTS(.emit_defaults = true),
                "{\"a\":0,\"s\":\"\",\"kids\":[],\"color\":\"BLUE\"}");
    Jt__Scalars pn = JT__SCALARS__INIT;
    pn.field_name_2x = "x";
    pn.renamed = 1;
    expect_json(&pn.base, &TRPC_JSON_OPTS(.proto_names = true), "{\"renamed\":1,\"field_name_2x\":\"x\"}");
}

static const char *jname(const ProtobufCMessageDescriptor *d, const char *field, char *buf)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, field);
    assert_non_null(f);
    return trpc_json_field_name(d, f, buf, 64);
}

static void test_json_names(void **state)
{
    (void)state;
    char buf[64];
    /* The compiler's table exists only where a json_name is not the default. */
    assert_non_null(jt__scalars__descriptor.reserved1);
    assert_null(jt__inner__descriptor.reserved1);
    assert_null(jt__all__descriptor.reserved1);
    assert_string_equal(jname(&jt__scalars__descriptor, "renamed", buf), "RenamedField");
    assert_string_equal(jname(&jt__scalars__descriptor, "field_name_2x", buf), "fieldName2x");
    assert_string_equal(jname(&jt__scalars__descriptor, "_leading", buf), "Leading");
    assert_string_equal(jname(&jt__scalars__descriptor, "trailing_", buf), "trailing");
    assert_string_equal(jname(&jt__repeateds__descriptor, "r_sfixed64", buf), "rSfixed64");
}

static void test_encode_special_floats(void **state)
{
    (void)state;
    Jt__Repeateds r = JT__REPEATEDS__INIT;
    double d[] = { 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 0.1, 5e-324 };
    r.n_r_double = 5;
    r.r_double = d;
    expect_json(&r.base, NULL,
                "{\"rDouble\":[\"Infinity\",\"-Infinity\",\"NaN\",0.1,"
                "4.94065645841247e-324]}");
}

static void test_decode_accepts_variants(void **state)
{
    (void)state;
    /* 64-bit as numbers or strings, integral reals, exponents, enum numbers,
     * proto names, url-safe unpadded base64, NaN, null as "not set". */
    ProtobufCMessage *m = decode_ok(&jt__scalars__descriptor,
                                    "{\"f_int32\":1e2,\"fInt64\":-12,\"fUint64\":\"18446744073709551615\","
                                    "\"fFloat\":\"NaN\",\"fDouble\":\"-1.5\",\"fEnum\":2,"
                                    "\"fBytes\":\"-_8\",\"fString\":null,\"renamed\":4,\"fSint32\":\"-3\"}",
                                    NULL);
    Jt__Scalars *s = (Jt__Scalars *)m;
    assert_int_equal(s->f_int32, 100);
    assert_int_equal(s->f_int64, -12);
    assert_true(s->f_uint64 == UINT64_MAX);
    assert_true(s->f_float != s->f_float);
    assert_true(s->f_double == -1.5);
    assert_int_equal(s->f_enum, JT__COLOR__GREEN);
    assert_int_equal(s->f_bytes.len, 2);
    assert_int_equal(s->f_bytes.data[0], 0xfb);
    assert_int_equal(s->f_bytes.data[1], 0xff);
    assert_string_equal(s->f_string, "");
    assert_int_equal(s->renamed, 4);
    assert_int_equal(s->f_sint32, -3);
    protobuf_c_message_free_unpacked(m, NULL);

    m = decode_ok(&jt__scalars__descriptor, "{\"RenamedField\":7}", NULL);
    assert_int_equal(((Jt__Scalars *)m)->renamed, 7);
    protobuf_c_message_free_unpacked(m, NULL);

    /* Timestamps with an offset; durations with a sign. */
    m = decode_ok(&google__protobuf__timestamp__descriptor, "\"1970-01-01T01:00:00.5+01:00\"", NULL);
    assert_int_equal(((Google__Protobuf__Timestamp *)m)->seconds, 0);
    assert_int_equal(((Google__Protobuf__Timestamp *)m)->nanos, 500000000);
    protobuf_c_message_free_unpacked(m, NULL);
    m = decode_ok(&google__protobuf__duration__descriptor, "\"-0.000000001s\"", NULL);
    assert_int_equal(((Google__Protobuf__Duration *)m)->seconds, 0);
    assert_int_equal(((Google__Protobuf__Duration *)m)->nanos, -1);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void test_decode_errors(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *S = &jt__scalars__descriptor;
    expect_decode_error(S, "{\"fInt32\": }", NULL, TRPC_EDECODE, "invalid JSON at line 1, column");
    expect_decode_error(S, "", NULL, TRPC_EDECODE, "invalid JSON");
    expect_decode_error(S, "[1]", NULL, TRPC_EDECODE, "expected an object (message jt.Scalars), got an array");
    expect_decode_error(S, "{\"fInt32\":\"abc\"}", NULL, TRPC_EDECODE,
                        "field 'f_int32': expected an integer, got the string \"abc\"");
    expect_decode_error(S, "{\"fInt32\":true}", NULL, TRPC_EDECODE,
                        "field 'f_int32': expected an integer, got a boolean");
    expect_decode_error(S, "{\"fInt32\":2147483648}", NULL, TRPC_EDECODE,
                        "field 'f_int32': 2147483648 is out of range");
    expect_decode_error(S, "{\"fUint32\":-1}", NULL, TRPC_EDECODE, "field 'f_uint32': -1 is out of range");
    expect_decode_error(S, "{\"fInt64\":\"9223372036854775808\"}", NULL, TRPC_EDECODE, "out of range");
    expect_decode_error(S, "{\"fInt32\":1.5}", NULL, TRPC_EDECODE, "expected an integer, got 1.5");
    expect_decode_error(S, "{\"fFloat\":1e39}", NULL, TRPC_EDECODE, "out of range for a float");
    expect_decode_error(S, "{\"fDouble\":\"1e999\"}", NULL, TRPC_EDECODE, "out of range");
    expect_decode_error(S, "{\"fDouble\":\"nan\"}", NULL, TRPC_EDECODE, "expected a number");
    expect_decode_error(S, "{\"fBool\":\"true\"}", NULL, TRPC_EDECODE,
                        "field 'f_bool': expected true or false, got a string");
    expect_decode_error(S, "{\"fString\":5}", NULL, TRPC_EDECODE, "expected a string, got a number");
    expect_decode_error(S, "{\"fBytes\":\"a\"}", NULL, TRPC_EDECODE, "field 'f_bytes': not valid base64");
    expect_decode_error(S, "{\"fBytes\":\"a=b=\"}", NULL, TRPC_EDECODE, "not valid base64");
    expect_decode_error(S, "{\"fEnum\":\"PURPLE\"}", NULL, TRPC_EDECODE,
                        "field 'f_enum': unknown value \"PURPLE\" for enum jt.Color");
    expect_decode_error(S, "{\"nope\":1}", NULL, TRPC_EDECODE, "field 'nope': no such field in message jt.Scalars");
    expect_decode_error(S, "{\"fInt32\":1,\"fInt32\":2}", NULL, TRPC_EDECODE, "duplicate object key");
    expect_decode_error(S, "{\"fInt32\":1,\"f_int32\":2}", NULL, TRPC_EDECODE, "given twice");
    expect_decode_error(S, "{\"fMsg\":{\"kids\":[{\"a\":\"x\"}]}}", NULL, TRPC_EDECODE,
                        "field 'f_msg.kids[0].a': expected an integer");
    expect_decode_error(&jt__repeateds__descriptor, "{\"rInt32\":[1,null]}", NULL, TRPC_EDECODE,
                        "field 'r_int32[1]': null is not allowed");
    expect_decode_error(&jt__repeateds__descriptor, "{\"rInt32\":1}", NULL, TRPC_EDECODE,
                        "expected an array, got a number");
    expect_decode_error(&jt__presence__descriptor, "{\"cInt32\":1,\"cString\":\"x\"}", NULL,
                        TRPC_EDECODE, "a second member of the same oneof");
    expect_decode_error(&jt__maps__descriptor, "{\"mInt32String\":{\"x\":\"y\"}}", NULL,
                        TRPC_EDECODE, "field 'm_int32_string[\"x\"]': expected an integer");
    expect_decode_error(&jt__maps__descriptor, "{\"mBoolBytes\":{\"yes\":\"\"}}", NULL,
                        TRPC_EDECODE, "is not true or false");
    expect_decode_error(&jt__wkts__descriptor, "{\"ts\":\"2020-02-30T00:00:00Z\"}", NULL,
                        TRPC_EDECODE, "field 'ts': \"2020-02-30T00:00:00Z\" is not an RFC 3339 timestamp");
    expect_decode_error(&jt__wkts__descriptor, "{\"ts\":\"2020-01-01T00:00:00\"}", NULL,
                        TRPC_EDECODE, "not an RFC 3339 timestamp");
    expect_decode_error(&jt__wkts__descriptor, "{\"dur\":\"1.5\"}", NULL, TRPC_EDECODE,
                        "is not a duration");
    expect_decode_error(&jt__wkts__descriptor, "{\"dur\":\"315576000001s\"}", NULL, TRPC_EDECODE,
                        "out of range");
    expect_decode_error(&jt__wkts__descriptor, "{\"fm\":\"a_b\"}", NULL, TRPC_EDECODE, "has a '_'");
    expect_decode_error(&jt__wkts__descriptor, "{\"any\":{\"@type\":\"type.googleapis.com/jt.Inner\"}}",
                        NULL, TRPC_EDECODE, "not in the registry");
    expect_decode_error(&jt__wkts__descriptor, "{\"any\":{\"a\":1}}", NULL, TRPC_EDECODE,
                        "needs an \"@type\"");
    expect_decode_error(&jt__wkts__descriptor, "{\"wInt32\":\"x\"}", NULL, TRPC_EDECODE,
                        "field 'w_int32': expected an integer");
    expect_decode_error(S, "{}", &(trpc_json_opts){ .size = 0 }, TRPC_EINVAL, "invalid arguments");
    /* Errors are one line: control characters from the input become '?'. */
    expect_decode_error(S, "{\"a\\nb\":1}", NULL, TRPC_EDECODE, "field 'a?b': no such field");
}

static void test_ignore_unknown(void **state)
{
    (void)state;
    trpc_json_opts o = TRPC_JSON_OPTS(.ignore_unknown_fields = true);
    ProtobufCMessage *m = decode_ok(&jt__scalars__descriptor,
                                    "{\"nope\":{\"deep\":[1]},\"fEnum\":\"PURPLE\",\"fInt32\":3}", &o);
    assert_int_equal(((Jt__Scalars *)m)->f_enum, 0);
    assert_int_equal(((Jt__Scalars *)m)->f_int32, 3);
    protobuf_c_message_free_unpacked(m, NULL);
    m = decode_ok(&jt__repeateds__descriptor, "{\"rEnum\":[\"RED\",\"PURPLE\",\"BLUE\"]}", &o);
    Jt__Repeateds *r = (Jt__Repeateds *)m;
    assert_int_equal(r->n_r_enum, 2);
    assert_int_equal(r->r_enum[1], JT__COLOR__BLUE);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void test_encode_errors(void **state)
{
    (void)state;
    char *out = NULL, err[256];
    Jt__Inner in = JT__INNER__INIT;
    in.s = "\xff";
    assert_int_equal(trpc_json_encode(&in.base, NULL, &out, NULL, err, sizeof err), TRPC_EINVAL);
    assert_string_equal(err, "field 's': the string is not valid UTF-8");
    assert_null(out);

    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    ts.seconds = INT64_C(253402300800);
    assert_int_equal(trpc_json_encode(&ts.base, NULL, &out, NULL, err, sizeof err), TRPC_EINVAL);
    assert_non_null(strstr(err, "outside 0001-01-01..9999-12-31"));

    Google__Protobuf__Duration du = GOOGLE__PROTOBUF__DURATION__INIT;
    du.seconds = 1;
    du.nanos = -1;
    assert_int_equal(trpc_json_encode(&du.base, NULL, &out, NULL, err, sizeof err), TRPC_EINVAL);
    assert_non_null(strstr(err, "mixes signs"));

    Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
    any.type_url = "type.googleapis.com/jt.Inner";
    assert_int_equal(trpc_json_encode(&any.base, NULL, &out, NULL, err, sizeof err), TRPC_EINVAL);
    assert_non_null(strstr(err, "not in the registry"));
}

static void test_any_registry(void **state)
{
    (void)state;
    trpc_json_registry *reg;
    assert_int_equal(trpc_json_registry_new(&reg), TRPC_OK);
    assert_int_equal(trpc_json_registry_add(reg, &jt__all__descriptor), TRPC_OK);
    assert_int_equal(trpc_json_registry_add(reg, &jt__all__descriptor), TRPC_OK);
    /* Types the registered one uses come with it. */
    assert_ptr_equal(trpc_json_registry_find(reg, "jt.Inner"), &jt__inner__descriptor);
    assert_ptr_equal(trpc_json_registry_find(reg, "google.protobuf.Timestamp"),
                     &google__protobuf__timestamp__descriptor);
    assert_null(trpc_json_registry_find(reg, "jt.Nope"));
    trpc_json_opts o = TRPC_JSON_OPTS(.registry = reg);
    const char *text = "{\"any\":{\"@type\":\"type.googleapis.com/jt.Inner\",\"a\":5,\"s\":\"x\"},"
                       "\"rAny\":[{\"@type\":\"type.googleapis.com/google.protobuf.Duration\","
                       "\"value\":\"1.500s\"}]}";
    ProtobufCMessage *m = decode_ok(&jt__wkts__descriptor, text, &o);
    expect_json(m, &o, text);
    protobuf_c_message_free_unpacked(m, NULL);
    trpc_json_registry_free(reg);
    trpc_json_registry_free(NULL);
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* 150 nested messages: more than the limit of 100. */
    char text[150 * 12 + 16];
    size_t o = 0;
    for (int i = 0; i < 150; i++)
        o += (size_t)sprintf(text + o, "{\"kids\":[");
    o += (size_t)sprintf(text + o, "{}");
    for (int i = 0; i < 150; i++)
        o += (size_t)sprintf(text + o, "]}");
    expect_decode_error(&jt__inner__descriptor, text, NULL, TRPC_EDECODE,
                        "messages nested deeper than 100");
}

/* An allocator that fails its Nth allocation. */
typedef struct {
    int left;
    int live;
} FailAlloc;

static void *fail_alloc(void *data, size_t n)
{
    FailAlloc *f = data;
    if (f->left-- == 0)
        return NULL;
    f->live++;
    return malloc(n);
}

static void fail_free(void *data, void *p)
{
    FailAlloc *f = data;
    if (p)
        f->live--;
    free(p);
}

static void test_allocation_failure(void **state)
{
    (void)state;
    const char *text =
        "{\"scalars\":{\"fString\":\"abc\",\"fBytes\":\"AAEC\",\"fMsg\":{\"kids\":[{\"s\":\"k\"}]}},"
        "\"repeateds\":{\"rString\":[\"a\",\"b\"],\"rMsg\":[{},{\"s\":\"x\"}]},"
        "\"presence\":{\"cString\":\"c\",\"oString\":\"o\"},"
        "\"maps\":{\"mStringInt32\":{\"a\":1,\"b\":2},\"mInt64Msg\":{\"5\":{\"s\":\"v\"}},"
        "\"mStringValue\":{\"k\":[1,\"x\",{\"n\":null}]}},"
        "\"wkts\":{\"st\":{\"a\":[true]},\"fm\":\"aB,c\",\"wString\":\"w\",\"ts\":\"2000-01-01T00:00:00Z\"}}";
    bool done = false;
    for (int n = 0; !done && n < 1000; n++) {
        FailAlloc f = { .left = n, .live = 0 };
        ProtobufCAllocator a = { fail_alloc, fail_free, &f };
        ProtobufCMessage *m = NULL;
        char err[256];
        trpc_error rc = trpc_json_decode(&jt__all__descriptor, text, strlen(text), NULL, &a, &m,
                                         err, sizeof err);
        if (rc == TRPC_OK) {
            done = true;
            protobuf_c_message_free_unpacked(m, &a);
        } else {
            assert_int_equal(rc, TRPC_ENOMEM);
            assert_string_equal(strstr(err, "out of memory"), "out of memory");
        }
        assert_int_equal(f.live, 0); /* everything allocated was freed */
    }
    assert_true(done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_scalars_exact),
        cmocka_unit_test(test_json_names),
        cmocka_unit_test(test_encode_special_floats),
        cmocka_unit_test(test_decode_accepts_variants),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_ignore_unknown),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_any_registry),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
