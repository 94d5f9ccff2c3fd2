/*
 * test_options.c — options (compiler/check/options.c): the known options of
 * descriptor.proto and their value types, custom options `(ext).field`
 * resolved from the element's scope against the right *Options message,
 * aggregate values checked like text format, options set twice, and the
 * field options that constrain the field (packed, lazy, jstype).
 *
 * Error cases carry the line protoc 3.21 reports (checked by running protoc
 * on the same text, with -I/usr/include for descriptor.proto, as
 * test_compile does).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define P2 "syntax = \"proto2\";\n"
#define P3 "syntax = \"proto3\";\n"
#define DESC "import \"google/protobuf/descriptor.proto\";\n"

/* Custom options of every kind, on lines 3 to 5 of a proto2 file. */
/* clang-format off */
#define OPTS P2 DESC \
    "extend google.protobuf.FileOptions { optional double d = 50000; optional int32 i = 50001; optional Info info = 50002; repeated int32 r = 50003; optional uint32 u = 50004; optional Color c = 50005; optional bool b = 50006; optional string s = 50007; }\n" \
    "message Info { optional int32 a = 1; optional Info sub = 2; repeated int32 rr = 3; optional Color color = 4; optional group Grp = 5 { optional int32 x = 6; } extensions 100 to 200; oneof o { int32 o1 = 7; int32 o2 = 8; } optional float f = 9; optional string str = 10; }\n" \
    "enum Color { RED = 0; GREEN = 1; }\n"
/* clang-format on */
/* The first line after OPTS. */
#define L 6

static const ErrorCase error_cases[] = {
    /* ---- known options */
    { "unknown_file_option", 2, "option 'foo' is unknown", P3 "option foo = 1;\n" },
    { "unknown_message_option", 3, "option 'java_package' is unknown",
      P3 "message M {\n"
         "  option java_package = \"x\";\n"
         "}\n" },
    { "unknown_field_option", 3, "option 'foo' is unknown",
      P3 "message M {\n"
         "  int32 a = 1 [foo = true];\n"
         "}\n" },
    { "unknown_enum_option", 3, "option 'packed' is unknown",
      P3 "enum E {\n"
         "  option packed = true;\n"
         "  A = 0;\n"
         "}\n" },
    { "unknown_enum_value_option", 3, "option 'allow_alias' is unknown",
      P3 "enum E {\n"
         "  A = 0 [allow_alias = true];\n"
         "}\n" },
    { "unknown_service_option", 3, "option 'foo' is unknown",
      P3 "service S {\n"
         "  option foo = true;\n"
         "}\n" },
    { "unknown_method_option", 4, "option 'foo' is unknown",
      P3 "message M {}\n"
         "service S {\n"
         "  rpc A(M) returns (M) { option foo = true; }\n"
         "}\n" },
    { "unknown_oneof_option", 4, "option 'deprecated' is unknown",
      P3 "message M {\n"
         "  oneof o {\n"
         "    option deprecated = true;\n"
         "    int32 a = 1;\n"
         "  }\n"
         "}\n" },
    { "uninterpreted_option_reserved", 2, "reserved", P3 "option uninterpreted_option = 1;\n" },
    { "string_option_given_ident", 2, "needs a quoted string", P3 "option java_package = foo;\n" },
    { "string_option_given_int", 2, "needs a quoted string", P3 "option go_package = 1;\n" },
    { "bool_option_given_string", 2, "needs true or false",
      P3 "option java_multiple_files = \"true\";\n" },
    { "bool_option_given_int", 2, "needs true or false", P3 "option deprecated = 1;\n" },
    { "bool_option_given_other_ident", 2, "needs true or false",
      P3 "option cc_enable_arenas = yes;\n" },
    { "enum_option_unknown_value", 2, "has no value named 'FAST'",
      P3 "option optimize_for = FAST;\n" },
    { "enum_option_given_string", 2, "needs the name of an enum value",
      P3 "option optimize_for = \"SPEED\";\n" },
    { "enum_option_given_int", 2, "needs the name of an enum value",
      P3 "option optimize_for = 1;\n" },
    { "field_ctype_unknown", 3, "has no value named",
      P3 "message M {\n"
         "  string a = 1 [ctype = ROPE];\n"
         "}\n" },
    { "method_idempotency_unknown", 4, "has no value named",
      P3 "message M {}\n"
         "service S {\n"
         "  rpc A(M) returns (M) { option idempotency_level = SAFE; }\n"
         "}\n" },
    { "option_set_twice", 3, "option 'java_package' was already set",
      P3 "option java_package = \"x\";\n"
         "option java_package = \"y\";\n" },
    { "field_option_set_twice", 3, "was already set",
      P2 "message M {\n"
         "  repeated int32 a = 1 [packed = true, packed = false];\n"
         "}\n" },
    { "option_on_scalar_has_no_fields", 2, "not a message", P3 "option java_package.x = \"y\";\n" },
    { "negative_identifier", 2, "SPEED", P3 "option optimize_for = -SPEED;\n" },

    /* ---- field options that constrain the field */
    { "packed_on_string", 3, "[packed = true] is only allowed",
      P2 "message M {\n"
         "  repeated string a = 1 [packed = true];\n"
         "}\n" },
    { "packed_on_singular", 3, "[packed = true] is only allowed",
      P2 "message M {\n"
         "  optional int32 a = 1 [packed = true];\n"
         "}\n" },
    { "packed_on_message", 3, "[packed = true] is only allowed",
      P3 "message M {\n"
         "  repeated M a = 1 [packed = true];\n"
         "}\n" },
    { "lazy_on_scalar", 3, "[lazy = true] is only allowed on message fields",
      P3 "message M {\n"
         "  int32 a = 1 [lazy = true];\n"
         "}\n" },
    { "jstype_on_int32", 3, "jstype is only allowed",
      P3 "message M {\n"
         "  int32 a = 1 [jstype = JS_STRING];\n"
         "}\n" },

    { "lite_services_with_generic_services", 5, "LITE_RUNTIME cannot define services",
      P2 "option optimize_for = LITE_RUNTIME;\n"
         "option cc_generic_services = true;\n"
         "message M {}\n"
         "service S { rpc A(M) returns (M); }\n" },

    /* ---- custom options: names */
    { "custom_unknown", L, "option '(nope)' is unknown", OPTS "option (nope) = 1;\n" },
    { "custom_wrong_extendee", L + 1, "is not an extension of 'google.protobuf.MessageOptions'",
      OPTS "message M {\n"
           "  option (i) = 1;\n"
           "}\n" },
    { "custom_not_a_field", L, "is not an extension", OPTS "option (Info.a) = 1;\n" },
    { "custom_subfield_unknown", L, "has no field named 'nope'", OPTS "option (info).nope = 1;\n" },
    { "custom_subfield_of_scalar", L, "not a message", OPTS "option (i).a = 1;\n" },
    { "custom_repeated_message_in_path", 5, "repeated",
      P2 DESC "message Info { optional int32 a = 1; }\n"
              "extend google.protobuf.FileOptions { repeated Info infos = 50000; }\n"
              "option (infos).a = 1;\n" },
    { "custom_set_twice", L + 1, "option '(i)' was already set",
      OPTS "option (i) = 1;\n"
           "option (i) = 2;\n" },
    { "custom_field_then_whole_message", L + 1, "option '(info)' was already set",
      OPTS "option (info).a = 1;\n"
           "option (info) = { sub { a: 2 } };\n" },
    { "custom_whole_message_then_same_field", L + 1, "option '(info).a' was already set",
      OPTS "option (info) = { a: 1 };\n"
           "option (info).a = 2;\n" },
    { "custom_extension_of_option_message_needs_extension_range", L + 1, "not an extension",
      OPTS "extend Info { optional int32 ext = 100; }\n"
           "option (info).(i) = 1;\n" },

    /* ---- custom options: values */
    { "custom_double_inf_is_not_a_number_to_protoc", L, "needs a number",
      OPTS "option (d) = inf;\n" },
    { "custom_double_string", L, "needs a number", OPTS "option (d) = \"1\";\n" },
    { "custom_int32_overflow", L, "out of range for int32 option",
      OPTS "option (i) = 2147483648;\n" },
    { "custom_int32_underflow", L, "out of range for int32 option",
      OPTS "option (i) = -2147483649;\n" },
    { "custom_int32_float", L, "needs an integer", OPTS "option (i) = 1.5;\n" },
    { "custom_uint_negative", L, "needs a non-negative integer", OPTS "option (u) = -1;\n" },
    { "custom_enum_int", L, "needs the name of an enum value", OPTS "option (c) = 1;\n" },
    { "custom_enum_unknown", L, "has no value named 'BLUE'", OPTS "option (c) = BLUE;\n" },
    { "custom_enum_value_of_sibling_enum", L + 1, "is a value of",
      OPTS "enum Other { BLUE = 0; }\n"
           "option (c) = BLUE;\n" },
    { "custom_bool_int", L, "needs true or false", OPTS "option (b) = 1;\n" },
    { "custom_string_ident", L, "needs a quoted string", OPTS "option (s) = abc;\n" },
    { "custom_message_scalar", L, "is a message", OPTS "option (info) = 1;\n" },
    { "custom_scalar_aggregate", L, "not a message", OPTS "option (i) = { a: 1 };\n" },

    /* ---- aggregates: errors are reported at the start of the value */
    { "aggregate_unknown_field", L, "has no field named 'zz'",
      OPTS "option (info) = {\n"
           "  a: 1\n"
           "  zz: 3\n"
           "};\n" },
    { "aggregate_nested_unknown_field", L, "has no field named 'zz'",
      OPTS "option (info) = { sub { zz: 3 } };\n" },
    { "aggregate_wrong_type", L, "needs an integer", OPTS "option (info) = { a: \"x\" };\n" },
    { "aggregate_int_overflow", L, "out of range", OPTS "option (info) = { a: 2147483648 };\n" },
    { "aggregate_scalar_for_message", L, "is a message", OPTS "option (info) = { sub: 1 };\n" },
    { "aggregate_message_for_scalar", L, "not a message", OPTS "option (info) = { a { } };\n" },
    { "aggregate_singular_twice", L, "set more than once",
      OPTS "option (info) = { a: 1 a: 2 };\n" },
    { "aggregate_list_for_singular", L, "not repeated", OPTS "option (info) = { a: [1, 2] };\n" },
    { "aggregate_oneof_twice", L, "another member of oneof 'o'",
      OPTS "option (info) = { o1: 1 o2: 2 };\n" },
    { "aggregate_enum_unknown", L, "has no value named 'BLUE'",
      OPTS "option (info) = { color: BLUE };\n" },
    { "aggregate_enum_unknown_number_closed", L, "has no value numbered 7",
      OPTS "option (info) = { color: 7 };\n" },
    { "aggregate_group_by_field_name", L, "has no field named 'grp'",
      OPTS "option (info) = { grp { x: 1 } };\n" },
    { "aggregate_unknown_extension", L, "is not an extension of 'Info'",
      OPTS "option (info) = { [nope]: 1 };\n" },
    { "aggregate_string_for_float", L, "needs a number", OPTS "option (info) = { f: \"1\" };\n" },
    { "aggregate_int_for_string", L, "needs a string", OPTS "option (info) = { str: 1 };\n" },
    { "aggregate_required_field_missing", 5, "missing required field 'a'",
      P2 DESC "message Info { required int32 a = 1; optional Info sub = 2; }\n"
              "extend google.protobuf.FileOptions { optional Info info = 50000; }\n"
              "option (info) = { a: 1 sub { } };\n" },
    { "aggregate_any_unknown_type", 7, "cannot find message type",
      P3 DESC "import \"google/protobuf/any.proto\";\n"
              "message Info { google.protobuf.Any any = 1; }\n"
              "extend google.protobuf.MessageOptions { Info info = 50000; }\n"
              "message M {\n"
              "  option (info) = { any { [type.googleapis.com/nope.Nope] { } } };\n"
              "}\n" },
};

static const OkCase ok_cases[] = {
    { "every_known_file_option", P3 "option java_package = \"a.b\";\n"
                                    "option java_outer_classname = \"X\";\n"
                                    "option java_multiple_files = true;\n"
                                    "option java_generate_equals_and_hash = false;\n"
                                    "option java_string_check_utf8 = true;\n"
                                    "option optimize_for = CODE_SIZE;\n"
                                    "option go_package = \"x/y\";\n"
                                    "option cc_generic_services = false;\n"
                                    "option java_generic_services = false;\n"
                                    "option py_generic_services = false;\n"
                                    "option php_generic_services = false;\n"
                                    "option deprecated = false;\n"
                                    "option cc_enable_arenas = true;\n"
                                    "option objc_class_prefix = \"X\";\n"
                                    "option csharp_namespace = \"X\";\n"
                                    "option swift_prefix = \"X\";\n"
                                    "option php_class_prefix = \"X\";\n"
                                    "option php_namespace = \"X\";\n"
                                    "option php_metadata_namespace = \"X\";\n"
                                    "option ruby_package = \"X\";\n" },
    { "every_known_element_option",
      P2 "message M {\n"
         "  option deprecated = true;\n"
         "  option no_standard_descriptor_accessor = true;\n"
         "  repeated int32 a = 1 [packed = true, deprecated = true];\n"
         "  optional string b = 2 [ctype = CORD];\n"
         "  optional int64 c = 3 [jstype = JS_STRING];\n"
         "  optional M d = 4 [lazy = true];\n"
         "  optional M e = 5 [unverified_lazy = true];\n"
         "  optional int32 f = 6 [weak = false, json_name = \"eff\", default = 3];\n"
         "  optional int32 g = 7 [jstype = JS_NORMAL, packed = false];\n"
         "}\n"
         "enum E {\n"
         "  option allow_alias = true;\n"
         "  option deprecated = true;\n"
         "  A = 0 [deprecated = true];\n"
         "  B = 0;\n"
         "}\n"
         "service S {\n"
         "  option deprecated = true;\n"
         "  rpc X(M) returns (M) {\n"
         "    option deprecated = true;\n"
         "    option idempotency_level = NO_SIDE_EFFECTS;\n"
         "  }\n"
         "}\n" },
    { "custom_options_everywhere",
      P2 DESC "package p;\n"
              "extend google.protobuf.FileOptions { optional string f = 50000; }\n"
              "extend google.protobuf.MessageOptions { optional string m = 50000; }\n"
              "extend google.protobuf.FieldOptions { optional string fl = 50000; }\n"
              "extend google.protobuf.OneofOptions { optional string o = 50000; }\n"
              "extend google.protobuf.EnumOptions { optional string e = 50000; }\n"
              "extend google.protobuf.EnumValueOptions { optional string ev = 50000; }\n"
              "extend google.protobuf.ServiceOptions { optional string s = 50000; }\n"
              "extend google.protobuf.MethodOptions { optional string mt = 50000; }\n"
              "extend google.protobuf.ExtensionRangeOptions { optional string er = 50000; }\n"
              "option (f) = \"x\";\n"
              "message M {\n"
              "  option (m) = \"x\";\n"
              "  optional int32 a = 1 [(fl) = \"x\"];\n"
              "  oneof oo { option (o) = \"x\"; int32 b = 2; }\n"
              "  extensions 100 to 200 [(er) = \"x\"];\n"
              "}\n"
              "enum E { option (e) = \"x\"; A = 0 [(ev) = \"x\"]; }\n"
              "service S { option (s) = \"x\"; rpc R(M) returns (M) { option (mt) = \"x\"; } }\n" },
    { "custom_option_scopes", P2 DESC
      "package p;\n"
      "message Scope {\n"
      "  extend google.protobuf.FieldOptions {\n"
      "    optional int32 i1 = 50001; optional int32 i2 = 50002; optional int32 i3 = 50003;\n"
      "  }\n"
      "  optional int32 a = 1 [(i1) = 1, (Scope.i2) = 2, (p.Scope.i3) = 3];\n"
      "}\n"
      "extend google.protobuf.MessageOptions {\n"
      "  optional int32 o1 = 50001; optional int32 o2 = 50002;\n"
      "}\n"
      "message N { option (o1) = 1; option (.p.o2) = 1; }\n" },
    { "custom_values", OPTS "option (d) = -1.5e10;\n"
                            "option (i) = -2147483648;\n"
                            "option (u) = 4294967295;\n"
                            "option (c) = GREEN;\n"
                            "option (b) = false;\n"
                            "option (s) = \"a\" \"b\";\n"
                            "option (r) = 1;\n"
                            "option (r) = 2;\n" },
    { "custom_double_from_int", OPTS "option (d) = 5;\n" },
    { "custom_sub_fields", OPTS "option (info).a = 1;\n"
                                "option (info).sub.a = 2;\n"
                                "option (info).sub.sub.a = 3;\n"
                                "option (info).color = GREEN;\n" },
    { "custom_whole_then_other_field", OPTS "option (info) = { sub { a: 2 } };\n"
                                            "option (info).a = 1;\n"
                                            "option (info).sub.rr = 1;\n" },
    { "aggregate_text_format", OPTS "extend Info { optional int32 ext = 100; }\n"
                                    "option (info) = {\n"
                                    "  a: -1\n"
                                    "  sub { a: 2 sub { a: 3 } }\n"
                                    "  rr: 1 rr: [2, 3] rr: []\n"
                                    "  color: GREEN\n"
                                    "  Grp { x: 1 }\n"
                                    "  [ext]: 5\n"
                                    "  o2: 3\n"
                                    "  f: inf\n"
                                    "  str: \"s\"\n"
                                    "};\n" },
    { "aggregate_enum_by_number", OPTS "option (info) = { color: 1 };\n" },
    { "aggregate_any",
      P3 DESC "import \"google/protobuf/any.proto\";\n"
              "message Info { google.protobuf.Any any = 1; int32 n = 2; }\n"
              "extend google.protobuf.MessageOptions { Info info = 50000; }\n"
              "message M {\n"
              "  option (info) = { any { [type.googleapis.com/Info] { n: 1 } } };\n"
              "}\n" },
    /* protoc accepts a plain field of the options message in parentheses. */
    { "parenthesized_builtin_field",
      P3 DESC "option (google.protobuf.FileOptions.java_package) = \"x\";\n" },
    { "proto3_custom_options",
      P3 DESC "extend google.protobuf.FieldOptions { string tag = 50000; }\n"
              "message M { int32 a = 1 [(tag) = \"x\"]; }\n" },
    { "lite_services_without_generic_services", P2 "option optimize_for = LITE_RUNTIME;\n"
                                                   "message M {}\n"
                                                   "service S { rpc A(M) returns (M); }\n" },
    { "map_entry_option_may_be_set", P2 "message A { option map_entry = true; }\n" },
};

/* A custom option declared in a file this one does not import. */
static void test_custom_option_not_imported(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"b.proto\";\n"
                           "option (opt) = 1;\n" },
        { "b.proto", P3 "import \"a.proto\";\n" },
        { "a.proto", P3 DESC "extend google.protobuf.FileOptions { int32 opt = 50000; }\n" },
    };
    TestCompile *tc = test_compile(files, 3);
    assert_int_equal(tc->errors, 1);
    assert_non_null(strstr(tc->diag_text, "main.proto:3:8: error: option '(opt)' is unknown"));
    assert_non_null(strstr(tc->diag_text, "not imported"));
    test_compile_free(tc);
}

static void test_custom_option_from_import(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"a.proto\";\n"
                           "option (p.opt) = 1;\n"
                           "message M { option (p.msg) = { n: 2 }; }\n" },
        { "a.proto", P3 DESC "package p;\n"
                             "message Msg { int32 n = 1; }\n"
                             "extend google.protobuf.FileOptions { int32 opt = 50000; }\n"
                             "extend google.protobuf.MessageOptions { Msg msg = 50000; }\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    if (tc->errors)
        print_error("%s", tc->diag_text);
    assert_int_equal(tc->errors, 0);
    test_compile_free(tc);
}

/* Errors inside an aggregate point at the value's start (protoc's line)
 * and add a note at the entry itself. */
static void test_aggregate_error_note(void **state)
{
    (void)state;
    char *text = NULL;
    int errors = compile_errors(OPTS "option (info) = {\n"
                                     "  a: 1\n"
                                     "  zz: 3\n"
                                     "};\n",
                                &text);
    assert_int_equal(errors, 1);
    assert_non_null(strstr(text, "test.proto:6:17: error: in the value of option '(info)'"));
    assert_non_null(strstr(text, "test.proto:8:3: note"));
    free(text);
}

/* protoc: a file that is not lite cannot import a lite one. */
static void test_lite_imported_by_non_lite(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"lite.proto\";\n" },
        { "lite.proto", P3 "option optimize_for = LITE_RUNTIME;\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_int_equal(tc->errors, 1);
    assert_non_null(strstr(tc->diag_text, "main.proto:2:1: error: 'lite.proto' uses optimize_for"));
    test_compile_free(tc);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_custom_option_not_imported),
        cmocka_unit_test(test_custom_option_from_import),
        cmocka_unit_test(test_aggregate_error_note),
        cmocka_unit_test(test_lite_imported_by_non_lite),
    };
    TestList tests = { 0 };
    test_list_add_error_cases(&tests, error_cases, sizeof error_cases / sizeof *error_cases);
    test_list_add_ok_cases(&tests, ok_cases, sizeof ok_cases / sizeof *ok_cases);
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        test_list_add(&tests, fixed[i]);
    return test_list_run(&tests, "options");
}
