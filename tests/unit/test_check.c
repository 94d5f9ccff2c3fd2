/*
 * test_check.c — the structural checks of the resolve stage (compiler/check/check.c):
 * field and extension numbers, reserved ranges and names, extension ranges,
 * duplicate definitions, enums, maps, and the proto3 rules.
 *
 * Each error case names the line protoc 3.21 reports the same mistake on
 * (checked by running protoc on the same text); where protoc prints no line
 * at all, the line is the one we chose, noted in the case's name.
 * Each case is its own cmocka test, named after the mistake.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define P2 "syntax = \"proto2\";\n"
#define P3 "syntax = \"proto3\";\n"

static const ErrorCase error_cases[] = {
    /* ---- field numbers */
    { "field_number_zero", 3, "field numbers must be positive",
      P3 "message M {\n"
         "  int32 a = 0;\n"
         "}\n" },
    { "field_number_too_large", 3, "too large",
      P3 "message M {\n"
         "  int32 a = 536870912;\n"
         "}\n" },
    { "field_number_implementation_reserved", 3, "reserved for the protobuf implementation",
      P3 "message M {\n"
         "  int32 a = 19000;\n"
         "}\n" },
    { "field_number_implementation_reserved_top", 3, "reserved for the protobuf implementation",
      P3 "message M {\n"
         "  int32 a = 19999;\n"
         "}\n" },
    { "extension_number_implementation_reserved", 4, "reserved for the protobuf implementation",
      P2 "message A { extensions 1 to max; }\n"
         "extend A {\n"
         "  optional int32 x = 19500;\n"
         "}\n" },
    { "field_number_duplicate", 4, "field number 1 is already used by 'a'",
      P3 "message M {\n"
         "  int32 a = 1;\n"
         "  int32 b = 1;\n"
         "}\n" },
    { "field_number_duplicate_in_oneof", 5, "field number 2 is already used",
      P3 "message M {\n"
         "  int32 a = 2;\n"
         "  oneof o {\n"
         "    int32 b = 2;\n"
         "  }\n"
         "}\n" },
    /* protoc names no line for this one; ours is the field's number. */
    { "field_uses_reserved_number_no_protoc_line", 4, "uses reserved number 4",
      P3 "message M {\n"
         "  reserved 1 to 5;\n"
         "  int32 a = 4;\n"
         "}\n" },
    { "field_uses_reserved_max_range_no_protoc_line", 4, "uses reserved number 100",
      P3 "message M {\n"
         "  reserved 10 to max;\n"
         "  int32 a = 100;\n"
         "}\n" },
    { "field_name_reserved", 4, "field name 'a' is reserved",
      P3 "message M {\n"
         "  reserved \"a\";\n"
         "  int32 a = 1;\n"
         "}\n" },
    { "reserved_name_twice", 2, "reserved more than once",
      P3 "message M {\n"
         "  reserved \"a\";\n"
         "  reserved \"a\";\n"
         "}\n" },
    { "reserved_ranges_overlap_no_protoc_line", 3, "overlaps reserved range",
      P3 "message M {\n"
         "  reserved 1 to 5;\n"
         "  reserved 3;\n"
         "}\n" },
    { "reserved_number_zero_no_protoc_line", 3, "reserved numbers must be positive",
      P2 "message M {\n"
         "  reserved 0;\n"
         "}\n" },

    /* ---- extension ranges */
    { "extension_range_includes_field", 4, "includes field 'a'",
      P2 "message M {\n"
         "  optional int32 a = 5;\n"
         "  extensions 1 to 10;\n"
         "}\n" },
    { "extension_ranges_overlap", 3, "overlaps extension range",
      P2 "message M {\n"
         "  extensions 5 to 10;\n"
         "  extensions 7;\n"
         "}\n" },
    { "extension_range_overlaps_reserved", 4, "overlaps reserved range",
      P2 "message M {\n"
         "  reserved 1 to 5;\n"
         "  extensions 5 to 10;\n"
         "}\n" },
    { "extension_range_inverted", 3, "less than its start",
      P2 "message M {\n"
         "  extensions 10 to 5;\n"
         "}\n" },
    { "extension_range_zero", 3, "extension numbers must be positive",
      P2 "message M {\n"
         "  extensions 0;\n"
         "}\n" },
    { "extension_range_too_large", 3, "cannot be greater than 536870911",
      P2 "message M {\n"
         "  extensions 1 to 536870912;\n"
         "}\n" },
    { "extension_outside_ranges", 4, "does not declare 5 as an extension number",
      P2 "message M { extensions 100 to 200; }\n"
         "extend M {\n"
         "  optional int32 e = 5;\n"
         "}\n" },
    { "extension_of_message_without_ranges", 4, "does not declare 1 as an extension number",
      P2 "message M { }\n"
         "extend M {\n"
         "  optional int32 e = 1;\n"
         "}\n" },
    { "extension_number_duplicate", 5, "extension number 100 of 'M' is already used",
      P2 "message M { extensions 100 to 200; }\n"
         "extend M {\n"
         "  optional int32 e = 100;\n"
         "  optional int32 f = 100;\n"
         "}\n" },
    { "extension_required", 4, "cannot be required",
      P2 "message M { extensions 100 to 200; }\n"
         "extend M {\n"
         "  required int32 e = 100;\n"
         "}\n" },
    { "extension_of_message_set_not_message", 4,
      "extensions of a message set must be optional messages",
      P2 "message M { option message_set_wire_format = true; extensions 4 to max; }\n"
         "extend M {\n"
         "  optional int32 e = 100;\n"
         "}\n" },
    { "message_set_with_field", 3, "message set cannot have fields",
      P2 "message M { option message_set_wire_format = true; extensions 4 to max;\n"
         "  optional int32 a = 1;\n"
         "}\n" },

    /* ---- duplicate definitions */
    { "message_defined_twice", 3, "'M' is already defined",
      P3 "message M {}\n"
         "message M {}\n" },
    { "message_defined_twice_in_package", 4, "'M' is already defined in 'a.b'",
      P3 "package a.b;\n"
         "message M {}\n"
         "message M {}\n" },
    { "enum_vs_message", 3, "'E' is already defined",
      P3 "message E {}\n"
         "enum E { A = 0; }\n" },
    { "field_defined_twice", 4, "'a' is already defined in 'M'",
      P3 "message M {\n"
         "  int32 a = 1;\n"
         "  int32 a = 2;\n"
         "}\n" },
    { "oneof_vs_field", 4, "'x' is already defined in 'M'",
      P3 "message M {\n"
         "  oneof x { int32 a = 1; }\n"
         "  int32 x = 2;\n"
         "}\n" },
    /* protoc builds oneofs before fields, so the field gets the error even
     * when it comes first. */
    { "field_vs_later_oneof", 3, "'x' is already defined in 'M'",
      P3 "message M {\n"
         "  int32 x = 2;\n"
         "  oneof x { int32 a = 1; }\n"
         "}\n" },
    /* ... and fields before nested messages. */
    { "nested_message_vs_later_field", 3, "'B' is already defined in 'A'",
      P2 "message A {\n"
         "  message B {}\n"
         "  optional int32 B = 1;\n"
         "}\n" },
    /* ... and enums before nested messages. */
    { "nested_message_vs_later_enum", 3, "'B' is already defined in 'A'",
      P3 "message A {\n"
         "  message B {}\n"
         "  enum B { Z = 0; }\n"
         "}\n" },
    { "enum_vs_extension", 5, "'C' is already defined in 'A'",
      P2 "message X { extensions 1 to 10; }\n"
         "message A {\n"
         "  enum C { Q = 0; }\n"
         "  extend X { optional int32 C = 1; }\n"
         "}\n" },
    { "enum_value_twice", 4, "'A' is already defined",
      P3 "enum E {\n"
         "  A = 0;\n"
         "  A = 1;\n"
         "}\n" },
    { "enum_value_cpp_scope", 4, "scoped like C++",
      P3 "enum E { V = 0; }\n"
         "enum F {\n"
         "  V = 0;\n"
         "}\n" },
    { "enum_value_cpp_scope_nested", 5, "must be unique in 'p.M'",
      P3 "package p;\n"
         "message M {\n"
         "  enum E { V = 0; }\n"
         "  enum F { V = 0; }\n"
         "}\n" },
    { "enum_named_like_its_value", 2, "'E' is already defined",
      P3 "enum E {\n"
         "  E = 0;\n"
         "}\n" },
    { "service_defined_twice", 4, "'S' is already defined",
      P3 "message M {}\n"
         "service S { rpc A(M) returns (M); }\n"
         "service S { rpc B(M) returns (M); }\n" },
    { "rpc_defined_twice", 5, "'A' is already defined in 'S'",
      P3 "message M {}\n"
         "service S {\n"
         "  rpc A(M) returns (M);\n"
         "  rpc A(M) returns (M);\n"
         "}\n" },
    { "service_vs_message", 3, "'M' is already defined",
      P3 "message M {}\n"
         "service M {}\n" },
    { "extension_defined_twice", 5, "'e' is already defined",
      P2 "message M { extensions 100 to 200; }\n"
         "extend M {\n"
         "  optional int32 e = 100;\n"
         "  optional int32 e = 101;\n"
         "}\n" },
    { "group_vs_nested_message", 4, "'G' is already defined in 'A'",
      P2 "message A {\n"
         "  required group G = 1 {}\n"
         "  message G {}\n"
         "}\n" },

    /* ---- maps */
    { "map_key_float", 3, "map keys must be integral or string",
      P3 "message M {\n"
         "  map<float, int32> m = 1;\n"
         "}\n" },
    { "map_key_double", 3, "map keys must be integral or string",
      P3 "message M {\n"
         "  map<double, int32> m = 1;\n"
         "}\n" },
    { "map_key_bytes", 3, "map keys must be integral or string",
      P3 "message M {\n"
         "  map<bytes, int32> m = 1;\n"
         "}\n" },
    { "map_key_enum", 4, "map keys cannot be enums",
      P3 "enum E { A = 0; }\n"
         "message M {\n"
         "  map<E, int32> m = 1;\n"
         "}\n" },
    { "map_key_message", 4, "map keys must be integral or string",
      P3 "message K {}\n"
         "message M {\n"
         "  map<K, int32> m = 1;\n"
         "}\n" },
    { "map_key_undefined_no_protoc_line", 3, "'Nope' is not defined",
      P3 "message M {\n"
         "  map<Nope, int32> m = 1;\n"
         "}\n" },
    { "map_value_undefined_no_protoc_line", 3, "'Nope' is not defined",
      P3 "message M {\n"
         "  map<string, Nope> m = 1;\n"
         "}\n" },
    { "map_value_enum_first_not_zero", 4, "must define 0 as its first value",
      P2 "enum E { A = 1; }\n"
         "message M {\n"
         "  map<string, E> m = 1;\n"
         "}\n" },
    { "map_entry_vs_later_nested_message", 4, "'FooEntry' is already defined in 'A'",
      P3 "message A {\n"
         "  map<string, int32> foo = 1;\n"
         "  message FooEntry {}\n"
         "}\n" },
    { "map_entry_vs_earlier_nested_message", 2, "conflicts with an existing nested type",
      P3 "message A {\n"
         "  message FooEntry {}\n"
         "  map<string, int32> foo = 1;\n"
         "}\n" },
    { "map_fields_same_entry_name", 2, "conflicts with an existing nested type",
      P3 "message N {\n"
         "  map<string, int32> a = 1;\n"
         "  map<string, int32> A = 2;\n"
         "}\n" },
    { "map_field_defined_twice", 4, "'foo' is already defined in 'A'",
      P3 "message A {\n"
         "  map<string, int32> foo = 1;\n"
         "  map<string, int32> foo = 2;\n"
         "}\n" },
    { "map_entry_used_directly", 4, "is a map entry message",
      P3 "message A {\n"
         "  map<string, int32> foo = 1;\n"
         "  FooEntry e = 2;\n"
         "}\n" },
    { "map_entry_option_on_misshapen_message", 4, "is a map entry message",
      P2 "message A {\n"
         "  message XEntry { option map_entry = true; optional string key = 1; }\n"
         "  repeated XEntry x = 1;\n"
         "}\n" },
    { "map_label", 3, "label",
      P2 "message M {\n"
         "  repeated map<string, int32> a = 1;\n"
         "}\n" },
    { "map_in_oneof", 4, "oneof",
      P3 "message M {\n"
         "  oneof o {\n"
         "    map<string, int32> a = 1;\n"
         "  }\n"
         "}\n" },
    { "map_extension", 4, "extensions",
      P2 "message M { extensions 1 to 10; }\n"
         "extend M {\n"
         "  map<string, int32> a = 1;\n"
         "}\n" },

    /* ---- enums */
    { "enum_empty", 2, "at least one value",
      P2 "enum E {\n"
         "}\n" },
    { "enum_same_number_without_alias", 4, "uses the same number (0) as",
      P2 "enum E {\n"
         "  A = 0;\n"
         "  B = 0;\n"
         "}\n" },
    /* protoc points just past the enum's closing brace. */
    { "enum_alias_unused", 7, "no two of its values share a number",
      P2 "enum E {\n"
         "  option allow_alias = true;\n"
         "  A = 0;\n"
         "  B = 1;\n"
         "}\n"
         "message M {}\n" },
    { "enum_alias_unused_next_token_after_comment", 9, "no two of its values share a number",
      P2 "enum E {\n"
         "  option allow_alias = true;\n"
         "  A = 0; // } not the end\n"
         "  B = 1; /* nor } this */\n"
         "}   // comment\n"
         "\n"
         "\n"
         "  /* x */ message M {}\n" },
    { "enum_alias_false", 6, "no effect",
      P3 "enum E {\n"
         "  option allow_alias = false;\n"
         "  A = 0;\n"
         "  B = 1;\n"
         "}" },
    { "enum_value_too_large", 3, "out of range",
      P2 "enum E {\n"
         "  A = 2147483648;\n"
         "}\n" },
    { "enum_value_too_small", 3, "out of range",
      P2 "enum E {\n"
         "  A = -2147483649;\n"
         "}\n" },
    { "enum_value_reserved_number_no_protoc_line", 4, "uses reserved number 1",
      P2 "enum E {\n"
         "  A = 0;\n"
         "  B = 1;\n"
         "  reserved 1 to 3;\n"
         "}\n" },
    { "enum_value_reserved_max_no_protoc_line", 5, "uses reserved number 2147483647",
      P2 "enum E {\n"
         "  X = 0;\n"
         "  reserved 1 to max;\n"
         "  Y = 2147483647;\n"
         "}\n" },
    { "enum_value_reserved_name", 4, "'X' is reserved",
      P2 "enum E {\n"
         "  reserved \"X\";\n"
         "  X = 0;\n"
         "}\n" },
    { "enum_reserved_name_twice", 2, "reserved more than once",
      P2 "enum E {\n"
         "  X = 0;\n"
         "  reserved \"Y\", \"Y\";\n"
         "}\n" },
    { "enum_reserved_ranges_overlap_no_protoc_line", 4, "overlaps reserved range",
      P2 "enum E {\n"
         "  X = 0;\n"
         "  reserved 1 to 5;\n"
         "  reserved 5;\n"
         "}\n" },
    { "enum_reserved_range_inverted_no_protoc_line", 4, "less than its start",
      P2 "enum E {\n"
         "  X = 0;\n"
         "  reserved 5 to 1;\n"
         "}\n" },
    { "enum_prefix_clash_proto3", 4, "same name as 'FOO_BAR'",
      P3 "enum Foo {\n"
         "  FOO_BAR = 0;\n"
         "  BAR = 1;\n"
         "}\n" },

    /* ---- proto3 */
    { "proto3_first_enum_value_not_zero", 3, "first enum value must be zero",
      P3 "enum E {\n"
         "  A = 1;\n"
         "}\n" },
    { "proto3_required", 3, "required fields are not allowed in proto3",
      P3 "message M {\n"
         "  required int32 a = 1;\n"
         "}\n" },
    { "proto3_default", 3, "default values are not allowed in proto3",
      P3 "message M {\n"
         "  int32 a = 1 [default = 5];\n"
         "}\n" },
    { "proto3_group", 3, "groups are not supported in proto3",
      P3 "message M {\n"
         "  optional group G = 1 {}\n"
         "}\n" },
    { "proto3_extension_range", 3, "extension ranges are not allowed in proto3",
      P3 "message M {\n"
         "  extensions 100 to 200;\n"
         "}\n" },
    { "proto3_json_name_clash", 4, "JSON name of field 'aB' clashes",
      P3 "message M {\n"
         "  int32 a_b = 1;\n"
         "  int32 aB = 2;\n"
         "}\n" },
    { "proto3_json_name_clash_leading_underscore", 4, "clashes",
      P3 "message M {\n"
         "  int32 _x = 1;\n"
         "  int32 X = 2;\n"
         "}\n" },
    { "proto3_message_set", 2, "message set wire format is not supported in proto3",
      P3 "message M {\n"
         "  option message_set_wire_format = true;\n"
         "}\n" },

    /* ---- oneofs and labels */
    { "oneof_empty", 3, "",
      P2 "message M {\n"
         "  oneof o { }\n"
         "}\n" },
    { "oneof_member_label", 3, "oneof",
      P2 "message M {\n"
         "  oneof o { optional int32 a = 1; }\n"
         "}\n" },
    { "proto2_missing_label", 3, "label",
      P2 "message M {\n"
         "  int32 a = 1;\n"
         "}\n" },
};

static const OkCase ok_cases[] = {
    { "numbers_at_the_limits", P3 "message M {\n"
                                  "  int32 a = 1;\n"
                                  "  int32 b = 18999;\n"
                                  "  int32 c = 20000;\n"
                                  "  int32 d = 536870911;\n"
                                  "}\n" },
    { "reserved_inverted_range_is_accepted_by_protoc", P3 "message A {\n"
                                                          "  reserved 10 to 5;\n"
                                                          "}\n" },
    { "reserved_and_fields_apart", P2 "message M {\n"
                                      "  reserved 2, 15, 9 to 11;\n"
                                      "  reserved \"foo\", \"bar\";\n"
                                      "  optional int32 a = 1;\n"
                                      "  optional int32 b = 12;\n"
                                      "  extensions 100 to max;\n"
                                      "}\n"
                                      "extend M { optional int32 e = 536870911; }\n" },
    { "enum_alias_used", P2 "enum E {\n"
                            "  option allow_alias = true;\n"
                            "  A = 0;\n"
                            "  B = 0;\n"
                            "}\n" },
    { "enum_negative_values", P2 "enum E {\n"
                                 "  A = -2147483648;\n"
                                 "  B = 2147483647;\n"
                                 "}\n" },
    { "enum_prefix_alias_same_number", P3 "enum Foo {\n"
                                          "  option allow_alias = true;\n"
                                          "  FOO_BAR = 0;\n"
                                          "  BAR = 0;\n"
                                          "}\n" },
    { "json_names_clash_in_proto2_is_fine", P2 "message M {\n"
                                               "  optional int32 a_b = 1;\n"
                                               "  optional int32 aB = 2;\n"
                                               "}\n" },
    { "same_value_name_in_different_messages", P3 "message A { enum E { V = 0; } }\n"
                                                  "message B { enum E { V = 0; } }\n" },
    { "map_keys_integral_and_string", P3 "message M {\n"
                                         "  map<int32, string> a = 1;\n"
                                         "  map<int64, string> b = 2;\n"
                                         "  map<uint32, string> c = 3;\n"
                                         "  map<uint64, string> d = 4;\n"
                                         "  map<sint32, string> e = 5;\n"
                                         "  map<sint64, string> f = 6;\n"
                                         "  map<fixed32, string> g = 7;\n"
                                         "  map<fixed64, string> h = 8;\n"
                                         "  map<sfixed32, string> i = 9;\n"
                                         "  map<sfixed64, string> j = 10;\n"
                                         "  map<bool, string> k = 11;\n"
                                         "  map<string, M> l = 12;\n"
                                         "}\n" },
    { "map_entry_option_on_map_shaped_message", P2
      "message A {\n"
      "  message FooEntry { option map_entry = true; optional string key = 1; optional int32 value = 2; }\n"
      "  repeated FooEntry foo = 1;\n"
      "}\n" },
    { "message_set_with_extensions", P2 "message M {\n"
                                        "  option message_set_wire_format = true;\n"
                                        "  extensions 4 to max;\n"
                                        "}\n"
                                        "message Item { }\n"
                                        "extend M { optional Item item = 2147483646; }\n" },
    { "proto3_extends_options", P3 "import \"google/protobuf/descriptor.proto\";\n"
                                   "extend google.protobuf.FieldOptions {\n"
                                   "  int32 x = 50000;\n"
                                   "  optional string y = 50001;\n"
                                   "}\n" },
    { "proto2_enum_prefix_clash_is_a_warning", P2 "enum Foo {\n"
                                                  "  FOO_BAR = 0;\n"
                                                  "  BAR = 1;\n"
                                                  "}\n" },
    { "proto3_optional_fields", P3 "message M {\n"
                                   "  optional int32 a = 1;\n"
                                   "  optional M b = 2;\n"
                                   "  optional string _c = 3;\n"
                                   "}\n" },
};

/* The proto2 prefix clash is a warning, not an error. */
static void test_enum_prefix_clash_proto2_warns(void **state)
{
    (void)state;
    TestCompile *tc = test_compile_text(P2 "enum Foo {\n"
                                           "  FOO_BAR = 0;\n"
                                           "  BAR = 1;\n"
                                           "}\n");
    assert_int_equal(tc->errors, 0);
    assert_int_equal(tc->warnings, 1);
    assert_non_null(strstr(tc->diag_text, "same name as 'FOO_BAR'"));
    test_compile_free(tc);
}

static void test_reserved_name_not_identifier_warns(void **state)
{
    (void)state;
    TestCompile *tc = test_compile_text(P2 "message M {\n"
                                           "  reserved \"a b\";\n"
                                           "}\n");
    assert_int_equal(tc->errors, 0);
    assert_int_equal(tc->warnings, 1);
    assert_non_null(strstr(tc->diag_text, "test.proto:3:12: warning: reserved name 'a b'"));
    test_compile_free(tc);
}

/* Diagnostics point back at the first definition. */
static void test_duplicate_has_note(void **state)
{
    (void)state;
    char *text = NULL;
    int errors = compile_errors(P3 "message M {\n"
                                   "  int32 a = 1;\n"
                                   "  int32 b = 1;\n"
                                   "}\n",
                                &text);
    assert_int_equal(errors, 1);
    assert_non_null(strstr(text, "test.proto:3:13: note: first used here"));
    free(text);
}

/* One mistake, one error: later phases do not pile on. */
static void test_one_mistake_one_error(void **state)
{
    (void)state;
    char *text = NULL;
    int errors = compile_errors(P3 "message M {\n"
                                   "  Nope a = 1;\n"
                                   "  int32 A = 2;\n" /* JSON clash, not reported */
                                   "}\n",
                                &text);
    assert_int_equal(errors, 1);
    free(text);
}

/* Extension numbers used by two files: a warning, as in protoc. */
static void test_extension_number_clash_across_files_warns(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P2 "import \"a.proto\";\n"
                           "extend M { optional int32 y = 100; }\n" },
        { "a.proto", P2 "message M { extensions 100 to 200; }\n"
                        "extend M { optional int32 x = 100; }\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_int_equal(tc->errors, 0);
    assert_int_equal(tc->warnings, 1);
    test_compile_free(tc);
}

static void test_import_listed_twice(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"dep.proto\";\n"
                           "import \"dep.proto\";\n" },
        { "dep.proto", P3 "message D {}\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_true(tc->errors > 0);
    assert_non_null(strstr(tc->diag_text, "main.proto:3:1: error: 'dep.proto' is imported twice"));
    test_compile_free(tc);
}

static void test_proto3_uses_proto2_enum(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"e.proto\";\n"
                           "message M {\n"
                           "  E e = 1;\n"
                           "}\n" },
        { "e.proto", P2 "enum E { A = 0; }\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_int_equal(tc->errors, 1);
    assert_non_null(strstr(tc->diag_text, "main.proto:4:3: error: enum 'E' is a proto2"));
    test_compile_free(tc);
}

static void test_proto3_extends_non_options(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"base.proto\";\n"
                           "extend Base {\n"
                           "  int32 x = 100;\n"
                           "}\n" },
        { "base.proto", P2 "message Base { extensions 100 to 200; }\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_int_equal(tc->errors, 1);
    assert_non_null(strstr(tc->diag_text, "main.proto:3:8: error: proto3 files can extend only"));
    test_compile_free(tc);
}

static void test_type_defined_in_two_files(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"a.proto\";\n"
                           "message M {}\n" },
        { "a.proto", P3 "message M {}\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_int_equal(tc->errors, 1);
    assert_non_null(
        strstr(tc->diag_text, "main.proto:3:9: error: 'M' is already defined in file 'a.proto'"));
    test_compile_free(tc);
}

static void test_package_vs_message_across_files(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"a.proto\";\n"
                           "package foo.bar;\n" },
        { "a.proto", P3 "message foo {}\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_int_equal(tc->errors, 1);
    assert_non_null(strstr(tc->diag_text, "not a package"));
    test_compile_free(tc);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_enum_prefix_clash_proto2_warns),
        cmocka_unit_test(test_reserved_name_not_identifier_warns),
        cmocka_unit_test(test_duplicate_has_note),
        cmocka_unit_test(test_one_mistake_one_error),
        cmocka_unit_test(test_extension_number_clash_across_files_warns),
        cmocka_unit_test(test_import_listed_twice),
        cmocka_unit_test(test_proto3_uses_proto2_enum),
        cmocka_unit_test(test_proto3_extends_non_options),
        cmocka_unit_test(test_type_defined_in_two_files),
        cmocka_unit_test(test_package_vs_message_across_files),
    };
    TestList tests = { 0 };
    test_list_add_error_cases(&tests, error_cases, sizeof error_cases / sizeof *error_cases);
    test_list_add_ok_cases(&tests, ok_cases, sizeof ok_cases / sizeof *ok_cases);
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        test_list_add(&tests, fixed[i]);
    return test_list_run(&tests, "check");
}
