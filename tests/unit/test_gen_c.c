/*
 * test_gen_c.c — the message generator in-process: protoc-c's name
 * transformations, the collision rules, proto3 `optional`, defaults that
 * protoc-c gets wrong, the warnings for groups and extensions, and that the
 * output compiles with -std=c11 -Wall -Wextra -Werror under gcc and clang.
 * (The wire-level and protoc-c differential tests live in tests/gen.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/internal.h"
#include "testutil.h"

/* ---- name transformations ---- */

static void test_camel_to_lower_upper(void **state)
{
    (void)state;
    Arena *a = arena_new();
    assert_string_equal(c_camel_to_lower(a, "fooBar"), "foo_bar");
    assert_string_equal(c_camel_to_lower(a, "HTTPRequest"), "httprequest");
    assert_string_equal(c_camel_to_lower(a, "Field_B"), "field__b");
    assert_string_equal(c_camel_to_lower(a, "MEntry"), "mentry");
    assert_string_equal(c_camel_to_lower(a, "MmEntry"), "mm_entry");
    assert_string_equal(c_camel_to_upper(a, "fooBar"), "FOO_BAR");
    assert_string_equal(c_camel_to_upper(a, "Field_B"), "FIELD__B");
    assert_string_equal(c_camel_to_upper(a, "nested_msg"), "NESTED_MSG");
    assert_string_equal(c_to_camel(a, "foo_bar"), "FooBar");
    assert_string_equal(c_to_camel(a, "nested_msg"), "NestedMsg");
    assert_string_equal(c_to_camel(a, "_x"), "X");
    assert_string_equal(c_full_name_to_c(a, "foo.bar.Outer.inner_t"), "Foo__Bar__Outer__InnerT");
    assert_string_equal(c_full_name_to_lower(a, "foo.bar.HTTPRequest.nested_msg"),
                        "foo__bar__httprequest__nested_msg");
    assert_string_equal(c_full_name_to_upper(a, "p3.All.MmEntry"), "P3__ALL__MM_ENTRY");
    assert_string_equal(c_filename_identifier(a, "dir/t-1.proto"), "dir_2ft_2d1_2eproto");
    arena_free(a);
}

/* ---- generate, read back, compile ---- */

typedef struct Generated {
    TestCompile *tc;
    char *h;
    char *c;
    char *warnings; /* diagnostics printed by the generator */
} Generated;

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(mem);
    fclose(fp);
    return text;
}

static Generated generate(const char *text)
{
    Generated g = { 0 };
    g.tc = test_compile_text(text);
    if (g.tc->errors) {
        print_error("unexpected errors:\n%s\n", g.tc->diag_text);
        fail();
    }
    size_t len = 0;
    FILE *out = open_memstream(&g.warnings, &len);
    g.tc->diag.out = out;
    assert_true(gen_c_file(&g.tc->compiler, g.tc->file, g.tc->dir));
    diag_flush(&g.tc->diag);
    fclose(out);
    char path[256];
    snprintf(path, sizeof path, "%s/test.pb-c.h", g.tc->dir);
    g.h = slurp(path);
    snprintf(path, sizeof path, "%s/test.pb-c.c", g.tc->dir);
    g.c = slurp(path);
    assert_non_null(g.h);
    assert_non_null(g.c);
    return g;
}

static void generated_free(Generated *g)
{
    test_compile_free(g->tc);
    free(g->h);
    free(g->c);
    free(g->warnings);
}

/* Compile test.pb-c.c with gcc and (if present) clang, -Werror, with
 * <errno.h>, <stdio.h> and <stdbool.h> included first, as user code would. */
static void assert_output_compiles(const Generated *g)
{
    static const char *const compilers[] = { "gcc", "clang" };
    for (size_t i = 0; i < 2; i++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "command -v %s >/dev/null || exit 0; "
                 "cd %s && %s -std=c11 -Wall -Wextra -Werror -include errno.h "
                 "-include stdio.h -include stdbool.h -I. -c test.pb-c.c -o /dev/null && "
                 "%s -std=gnu11 -Wall -Wextra -Werror -I. -c test.pb-c.c -o /dev/null",
                 compilers[i], g->tc->dir, compilers[i], compilers[i]);
        char *out = NULL;
        int rc = run_command(cmd, 120, &out);
        if (rc != 0)
            print_error("%s failed (%d):\n%s\n--- header ---\n%s\n", compilers[i], rc, out, g->h);
        free(out);
        assert_int_equal(rc, 0);
    }
}

#define assert_contains(hay, needle)                                  \
    do {                                                              \
        if (!strstr((hay), (needle))) {                               \
            print_error("missing \"%s\" in:\n%s\n", (needle), (hay)); \
            fail();                                                   \
        }                                                             \
    } while (0)

#define assert_not_contains(hay, needle)                                 \
    do {                                                                 \
        if (strstr((hay), (needle))) {                                   \
            print_error("unexpected \"%s\" in:\n%s\n", (needle), (hay)); \
            fail();                                                      \
        }                                                                \
    } while (0)

static void test_protoc_c_names(void **state)
{
    (void)state;
    Generated g = generate("syntax = \"proto2\";\n"
                           "package foo.bar;\n"
                           "message HTTPRequest {\n"
                           "  message nested_msg { optional int32 x = 1; }\n"
                           "  enum innerEnum { lower_val = 0; Mixed = 1; }\n"
                           "  optional int32 FooBar = 1 [default = 3];\n"
                           "  oneof MyChoice { int32 fieldA = 2; string Field_B = 3; }\n"
                           "  map<string, nested_msg> mp = 4;\n"
                           "  optional string class = 5;\n"
                           "}\n");
    assert_contains(g.h, "#ifndef PROTOBUF_C_test_2eproto__INCLUDED");
    assert_contains(g.h, "typedef struct Foo__Bar__HTTPRequest Foo__Bar__HTTPRequest;");
    assert_contains(g.h, "typedef struct Foo__Bar__HTTPRequest__NestedMsg "
                         "Foo__Bar__HTTPRequest__NestedMsg;");
    assert_contains(g.h, "typedef struct Foo__Bar__HTTPRequest__MpEntry");
    assert_contains(g.h, "FOO__BAR__HTTPREQUEST__INNER_ENUM__lower_val = 0,");
    assert_contains(g.h, "} Foo__Bar__HTTPRequest__InnerEnum;");
    assert_contains(g.h, "FOO__BAR__HTTPREQUEST__MY_CHOICE__NOT_SET = 0,");
    assert_contains(g.h, "FOO__BAR__HTTPREQUEST__MY_CHOICE_FIELD__B = 3");
    assert_contains(g.h, "Foo__Bar__HTTPRequest__MyChoiceCase my_choice_case;");
    assert_contains(g.h, "  protobuf_c_boolean has_foobar;\n  int32_t foobar;\n");
    assert_contains(g.h, "  char *class_;\n");
    assert_contains(g.h, "#define FOO__BAR__HTTPREQUEST__INIT \\");
    assert_contains(g.h, "#define FOO__BAR__HTTPREQUEST__NESTED_MSG__INIT \\");
    assert_contains(g.h, "size_t foo__bar__httprequest__pack\n");
    assert_contains(g.h, "typedef void (*Foo__Bar__HTTPRequest_Closure)");
    assert_contains(g.h, "extern const ProtobufCMessageDescriptor "
                         "foo__bar__httprequest__nested_msg__descriptor;");
    /* Nested messages get init only, as in protoc-c 1.4. */
    assert_contains(g.h, "void   foo__bar__httprequest__nested_msg__init\n");
    assert_not_contains(g.h, "foo__bar__httprequest__nested_msg__pack");
    assert_contains(g.c, "static const int32_t foo__bar__httprequest__foo_bar__default_value = 3;");
    assert_contains(g.c, "  \"NestedMsg\",\n");
    assert_contains(g.c, "  \"innerEnum\",\n");
    assert_output_compiles(&g);
    generated_free(&g);
}

static void test_collisions_compile(void **state)
{
    (void)state;
    Generated g = generate(
        "syntax = \"proto2\";\n"
        "package coll;\n"
        "message Outer { message Inner { optional int32 a = 1; } optional Inner inner = 1; }\n"
        "message Outer_Inner { optional int32 b = 1; }\n"
        "message H {\n"
        "  optional int32 base = 1;\n"
        "  optional int32 init = 2;\n"
        "  optional int32 descriptor = 3;\n"
        "  repeated int32 x = 4;\n"
        "  optional int32 n_x = 5;\n"
        "  optional int32 has_y = 6;\n"
        "  optional int32 y = 7;\n"
        "  optional int32 Foo = 8 [default = 1];\n"
        "  optional int32 foo = 9 [default = 2];\n"
        "  optional int32 fooBar = 10 [default = 3];\n"
        "  optional int32 foo_bar = 11 [default = 4];\n"
        "  optional int32 errno = 12;\n"
        "  optional int32 stdin = 13;\n"
        "  optional int32 linux = 14;\n"
        "  optional int32 restrict = 15;\n"
        "  optional int32 choice_case = 16;\n"
        "  oneof choice { int32 a = 20; int32 A = 21; }\n"
        "  optional string default = 24 [default = \"?\?=?\?/\"];\n"
        "  message Init {}\n"
        "  enum Kind { INIT = 0; }\n"
        "}\n"
        "enum H_Kind { K = 0; }\n");
    /* The first declaration keeps protoc-c's name; later ones get a '_'. */
    assert_contains(g.h, "#define COLL__OUTER__INNER__INIT");
    assert_contains(g.h, "#define COLL__OUTER__INNER___INIT");
    assert_contains(g.h, "coll__outer__inner___descriptor");
    assert_contains(g.h, "typedef struct Coll__OuterInner Coll__OuterInner;");
    assert_contains(g.h, "  int32_t base_;\n");
    assert_contains(g.h, "  int32_t init;\n");
    assert_contains(g.h, "  int32_t descriptor;\n");
    assert_contains(g.h, "  size_t n_x;\n  int32_t *x;\n");
    assert_contains(g.h, "  protobuf_c_boolean has_n_x_;\n  int32_t n_x_;\n");
    assert_contains(g.h, "  protobuf_c_boolean has_has_y;\n  int32_t has_y;\n");
    assert_contains(g.h, "  protobuf_c_boolean has_y_;\n  int32_t y_;\n");
    assert_contains(g.h, "  int32_t foo;\n");
    assert_contains(g.h, "  int32_t foo_;\n");
    assert_contains(g.h, "  int32_t errno_;\n");
    assert_contains(g.h, "  int32_t stdin_;\n");
    assert_contains(g.h, "  int32_t linux_;\n");
    assert_contains(g.h, "  int32_t restrict_;\n");
    assert_contains(g.h, "  Coll__H__ChoiceCase choice_case_;\n");
    assert_contains(g.h, "    int32_t a;\n    int32_t a_;\n");
    assert_contains(g.h, "COLL__H__CHOICE_A_ = 21");
    /* H.Kind and H_Kind map to the same upper-case prefix. */
    assert_contains(g.h, "COLL__H__KIND__INIT = 0");
    assert_contains(g.h, "COLL__H__KIND___K = 0");
    assert_contains(g.c, "coll__h__foo___default_value = 2;");
    assert_contains(g.c, "coll__h__foo_bar___default_value = 4;");
    assert_contains(g.c, "\"?\\?=?\\?/\"");
    assert_output_compiles(&g);
    generated_free(&g);
}

static void test_proto3_optional(void **state)
{
    (void)state;
    Generated g = generate("syntax = \"proto3\";\n"
                           "message M {\n"
                           "  optional int32 a = 1;\n"
                           "  optional string s = 2;\n"
                           "  optional bytes b = 3;\n"
                           "  optional M m = 4;\n"
                           "  optional E e = 5;\n"
                           "  int32 plain = 6;\n"
                           "  string ps = 7;\n"
                           "}\n"
                           "enum E { E0 = 0; E1 = 1; }\n");
    /* Exactly protoc-c's proto2 optional: has_ flags, NULL strings. */
    assert_contains(g.h, "  protobuf_c_boolean has_a;\n  int32_t a;\n");
    assert_contains(g.h, "  char *s;\n");
    assert_contains(g.h, "  protobuf_c_boolean has_b;\n  ProtobufCBinaryData b;\n");
    assert_contains(g.h, "  protobuf_c_boolean has_e;\n  E e;\n");
    assert_contains(g.h, "  int32_t plain;\n");
    assert_not_contains(g.h, "_a_case");
    assert_contains(g.h, ", 0, 0, NULL, 0, {0,NULL}, NULL, 0, E__E0, 0, "
                         "(char *)protobuf_c_empty_string }");
    assert_contains(g.c, "    \"a\",\n    1,\n    PROTOBUF_C_LABEL_OPTIONAL,\n"
                         "    PROTOBUF_C_TYPE_INT32,\n    offsetof(M, has_a),\n");
    assert_contains(g.c, "    \"s\",\n    2,\n    PROTOBUF_C_LABEL_OPTIONAL,\n"
                         "    PROTOBUF_C_TYPE_STRING,\n    0,   /* quantifier_offset */\n"
                         "    offsetof(M, s),\n    NULL,\n    NULL,\n");
    assert_contains(g.c, "    \"plain\",\n    6,\n    PROTOBUF_C_LABEL_NONE,\n");
    assert_contains(g.c, "    \"ps\",\n    7,\n    PROTOBUF_C_LABEL_NONE,\n"
                         "    PROTOBUF_C_TYPE_STRING,\n    0,   /* quantifier_offset */\n"
                         "    offsetof(M, ps),\n    NULL,\n    &protobuf_c_empty_string,\n");
    assert_contains(g.h, "PROTOBUF_C_VERSION_NUMBER < 1003000");
    assert_output_compiles(&g);
    generated_free(&g);
}

static void test_defaults_exact(void **state)
{
    (void)state;
    Generated g = generate("syntax = \"proto2\";\n"
                           "message D {\n"
                           "  optional double pinf = 1 [default = inf];\n"
                           "  optional float ninf = 2 [default = -inf];\n"
                           "  optional double qnan = 3 [default = nan];\n"
                           "  optional int64 i64min = 4 [default = -9223372036854775808];\n"
                           "  optional int32 i32min = 5 [default = -2147483648];\n"
                           "  optional float big = 6 [default = 16777217];\n"
                           "  optional double third = 7 [default = 0.3333333333333333];\n"
                           "  optional float nzero = 8 [default = -0.0];\n"
                           "  optional bytes raw = 9 [default = \"a\\000\\377\\\"\"];\n"
                           "  optional string s = 10 [default = \"tab\\tnl\\n\\001\"];\n"
                           "  optional uint64 u64 = 11 [default = 18446744073709551615];\n"
                           "  optional sint64 s64 = 12 [default = -5];\n"
                           "}\n");
    assert_contains(g.h, "#include <math.h>");
    assert_contains(g.c, "d__pinf__default_value = INFINITY;");
    assert_contains(g.c, "d__ninf__default_value = -INFINITY;");
    assert_contains(g.c, "d__qnan__default_value = NAN;");
    assert_contains(g.c, "d__i64min__default_value = INT64_MIN;");
    assert_contains(g.c, "d__i32min__default_value = -2147483648;");
    assert_contains(g.c, "d__big__default_value = 16777216;");
    assert_contains(g.c, "d__third__default_value = 0.3333333333333333;");
    assert_contains(g.c, "d__nzero__default_value = -0.0;");
    assert_contains(g.c, "uint8_t d__raw__default_value_data[] = \"a\\000\\377\\\"\";");
    assert_contains(g.c, "static const ProtobufCBinaryData d__raw__default_value = "
                         "{ 4, d__raw__default_value_data };");
    assert_contains(g.c, "char d__s__default_value[] = \"tab\\tnl\\n\\001\";");
    assert_contains(g.c, "d__u64__default_value = 18446744073709551615ull;");
    assert_contains(g.c, "d__s64__default_value = -5ll;");
    assert_output_compiles(&g);
    generated_free(&g);
}

static void test_groups_and_extensions_warn(void **state)
{
    (void)state;
    Generated g = generate(
        "syntax = \"proto2\";\n"
        "import \"google/protobuf/descriptor.proto\";\n"
        "package g;\n"
        "message M {\n"
        "  optional int32 a = 1;\n"
        "  optional group Grp = 2 { optional int32 x = 3; }\n"
        "  extensions 100 to max;\n"
        "}\n"
        "extend M { optional int32 ext = 100; }\n"
        "extend google.protobuf.FieldOptions { optional int32 my_opt = 50000; }\n");
    assert_contains(g.warnings, "test.proto:6:3: warning: group field 'grp' is left out");
    assert_contains(g.warnings, "test.proto:9:1: warning: extensions of 'g.M' get no C code");
    assert_not_contains(g.warnings, "FieldOptions");
    /* The group's body is still a message type; the field is not a member. */
    assert_contains(g.h, "typedef struct G__M__Grp G__M__Grp;");
    assert_not_contains(g.h, "G__M__Grp *grp;");
    assert_contains(g.h, "#include \"google/protobuf/descriptor.pb-c.h\"");
    generated_free(&g);
}

static void test_keywords_and_proto3_maps_compile(void **state)
{
    (void)state;
    Generated g = generate(
        "syntax = \"proto3\";\n"
        "package int.struct;\n"
        "message while { int32 for = 1; repeated string if = 2; map<int64, while> do = 3;\n"
        "  oneof switch { string case = 4; bytes default = 5; while goto = 6; }\n"
        "  enum union { union_ZERO = 0; } union e = 7; }\n"
        "message Empty {}\n"
        "enum Complex { COMPLEX_ZERO = 0; }\n");
    assert_contains(g.h, "  int32_t for_;\n");
    assert_contains(g.h, "  Int__Struct__While__SwitchCase switch_case;\n");
    assert_contains(g.h, "#define INT__STRUCT__EMPTY__INIT \\\n { PROTOBUF_C_MESSAGE_INIT "
                         "(&int__struct__empty__descriptor) \\\n     }\n");
    assert_output_compiles(&g);
    generated_free(&g);
}

static void test_reserved_type_names(void **state)
{
    (void)state;
    Generated g = generate("syntax = \"proto2\";\n"
                           "enum Bool { B0 = 0; }\n"
                           "message NULL { optional Bool b = 1; }\n"
                           "message FILE { optional NULL n = 1; }\n"
                           "message ProtobufCMessage {}\n");
    assert_contains(g.h, "typedef enum _Bool_ {");
    assert_contains(g.h, "} Bool;");
    assert_contains(g.h, "typedef struct NULL_ NULL_;");
    assert_contains(g.h, "typedef struct FILE_ FILE_;");
    assert_contains(g.h, "typedef struct ProtobufCMessage_ ProtobufCMessage_;");
    assert_output_compiles(&g);
    generated_free(&g);
}

/* An output folder that cannot be written: an error with no location, false,
 * and no half-written file left behind. */
static void test_write_failure(void **state)
{
    (void)state;
    TestCompile *tc = test_compile_text("syntax = \"proto3\";\nmessage M { int32 a = 1; }\n");
    assert_int_equal(tc->errors, 0);
    char blocker[256], cmd[600];
    snprintf(blocker, sizeof blocker, "%s/out", tc->dir);
    FILE *fp = fopen(blocker, "w"); /* a file where the folder should be */
    assert_non_null(fp);
    fclose(fp);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    tc->diag.out = out;
    char sub[300];
    snprintf(sub, sizeof sub, "%s/sub", blocker);
    assert_false(gen_c_file(&tc->compiler, tc->file, sub));
    diag_flush(&tc->diag);
    fclose(out);
    assert_non_null(strstr(text, "error: cannot "));
    assert_non_null(strstr(text, "test.pb-c.h"));
    free(text);
    /* Nothing but the blocker and the input in the folder. */
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", tc->dir);
    assert_int_equal(run_command(cmd, 10, NULL), 0);
    test_compile_free(tc);
}

/* Subdirectories of the virtual name are created, and the output is the same
 * on every run. */
static void test_paths_and_determinism(void **state)
{
    (void)state;
    TestFile files[] = {
        { "a/b/c.proto", "syntax = \"proto2\";\npackage a.b;\nimport \"d/e.proto\";\n"
                         "message C { optional d.E e = 1; map<string, d.E> m = 2; }\n" },
        { "d/e.proto", "syntax = \"proto2\";\npackage d;\nmessage E { optional int32 x = 1; }\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_int_equal(tc->errors, 0);
    char out1[300], out2[300], cmd[1200];
    snprintf(out1, sizeof out1, "%s/o1", tc->dir);
    snprintf(out2, sizeof out2, "%s/o2", tc->dir);
    assert_true(gen_c_file(&tc->compiler, tc->file, out1));
    assert_true(gen_c_file(&tc->compiler, tc->file, out2));
    File *dep = tc->file->imports.items[0].file;
    assert_non_null(dep);
    assert_true(gen_c_file(&tc->compiler, dep, out1));
    snprintf(cmd, sizeof cmd,
             "cd %s && test -f o1/a/b/c.pb-c.h && test -f o1/a/b/c.pb-c.c && "
             "test -f o1/d/e.pb-c.h && cmp o1/a/b/c.pb-c.c o2/a/b/c.pb-c.c && "
             "cmp o1/a/b/c.pb-c.h o2/a/b/c.pb-c.h && "
             "grep -q '#include \"d/e.pb-c.h\"' o1/a/b/c.pb-c.h && "
             "grep -q '#include \"a/b/c.pb-c.h\"' o1/a/b/c.pb-c.c && "
             "grep -q 'PROTOBUF_C_a_2fb_2fc_2eproto__INCLUDED' o1/a/b/c.pb-c.h && "
             "gcc -std=c11 -Wall -Wextra -Werror -Io1 -c o1/a/b/c.pb-c.c -o /dev/null && "
             "gcc -std=c11 -Wall -Wextra -Werror -Io1 -c o1/d/e.pb-c.c -o /dev/null",
             tc->dir);
    char *output = NULL;
    int rc = run_command(cmd, 120, &output);
    if (rc != 0)
        print_error("%s\n", output);
    free(output);
    assert_int_equal(rc, 0);
    test_compile_free(tc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_camel_to_lower_upper),
        cmocka_unit_test(test_protoc_c_names),
        cmocka_unit_test(test_collisions_compile),
        cmocka_unit_test(test_proto3_optional),
        cmocka_unit_test(test_defaults_exact),
        cmocka_unit_test(test_groups_and_extensions_warn),
        cmocka_unit_test(test_keywords_and_proto3_maps_compile),
        cmocka_unit_test(test_reserved_type_names),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_paths_and_determinism),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
