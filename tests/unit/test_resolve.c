/*
 * test_resolve.c — names, symbols and type references (compiler/check/resolve.c,
 * compiler/check/symtab.c): the model the resolver leaves behind (full names,
 * JSON names, map entries, proto3-optional oneofs, resolved types) and
 * protoc's lookup rules, including their surprising corners, and which
 * files' symbols a file may see.
 *
 * Error cases carry the line protoc 3.21 reports (checked by running protoc
 * on the same text).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define P2 "syntax = \"proto2\";\n"
#define P3 "syntax = \"proto3\";\n"

static const ErrorCase error_cases[] = {
    { "type_not_defined", 3, "'Nope' is not defined",
      P3 "message M {\n"
         "  Nope a = 1;\n"
         "}\n" },
    { "qualified_type_not_defined", 3, "'.a.Nope' is not defined",
      P3 "message M {\n"
         "  .a.Nope a = 1;\n"
         "}\n" },
    /* A nearer B hides the outer one, even though the nearer has no C. */
    { "inner_scope_hides_outer", 6, "resolves to 'M.B.C', which is not defined",
      P3 "message B { message C {} }\n"
         "message M {\n"
         "  message B {}\n"
         "  message X {\n"
         "    B.C c = 1;\n"
         "  }\n"
         "}\n" },
    { "not_a_type_field", 4, "'M.x' is not a type",
      P2 "package a.b;\n"
         "message M { optional int32 x = 1; }\n"
         "message N { optional M.x y = 1; }\n" },
    { "not_a_type_service", 4, "'S' is not a type",
      P3 "message M {}\n"
         "service S { rpc A(M) returns (M); }\n"
         "message N { S s = 1; }\n" },
    { "rpc_input_enum", 4, "'E' is not a message type",
      P3 "enum E { A = 0; }\n"
         "message M {}\n"
         "service S { rpc A(E) returns (M); }\n" },
    { "rpc_output_undefined", 3, "'Nope' is not defined",
      P3 "message M {}\n"
         "service S { rpc A(M) returns (Nope); }\n" },
    { "rpc_input_field", 4, "is not a message type",
      P3 "message M { int32 x = 1; }\n"
         "service S {\n"
         "  rpc A(M.x) returns (M);\n"
         "}\n" },
    { "extendee_undefined", 2, "'Nope' is not defined",
      P2 "extend Nope {\n"
         "  optional int32 x = 1;\n"
         "}\n" },
    { "extendee_enum", 3, "'E' is not a message type",
      P2 "enum E { A = 0; }\n"
         "extend E {\n"
         "  optional int32 x = 1;\n"
         "}\n" },
    { "enum_used_as_extendee_value", 4, "is not a type",
      P2 "enum E { A = 0; }\n"
         "message M {\n"
         "  optional A a = 1;\n"
         "}\n" },
    { "default_enum_value_unknown", 3, "enum 'E' has no value named 'C'",
      P2 "message M {\n"
         "  optional E x = 1 [default = C];\n"
         "}\n"
         "enum E { A = 0; }\n" },
    { "default_on_message", 3, "message fields cannot have default values",
      P2 "message M {\n"
         "  optional M x = 1 [default = 1];\n"
         "}\n" },
    { "default_on_repeated", 3, "repeated fields cannot have default values",
      P2 "message M {\n"
         "  repeated int32 x = 1 [default = 1];\n"
         "}\n" },
    { "default_unsigned_negative", 3, "cannot have a negative default",
      P2 "message M {\n"
         "  optional uint32 x = 1 [default = -1];\n"
         "}\n" },
    { "default_int32_overflow", 3, "out of range",
      P2 "message M {\n"
         "  optional int32 x = 1 [default = 2147483648];\n"
         "}\n" },
    { "default_string_not_string", 3, "must be a string",
      P2 "message M {\n"
         "  optional string x = 1 [default = 1];\n"
         "}\n" },
    { "default_bool_not_bool", 3, "must be true or false",
      P2 "message M {\n"
         "  optional bool x = 1 [default = 1];\n"
         "}\n" },
    { "default_float_string", 3, "must be a number",
      P2 "message M {\n"
         "  optional float x = 1 [default = \"1\"];\n"
         "}\n" },
    { "default_int_float", 3, "must be an integer",
      P2 "message M {\n"
         "  optional int64 x = 1 [default = 1.5];\n"
         "}\n" },
    { "default_set_twice", 3, "'default' was already set",
      P2 "message M {\n"
         "  optional int32 x = 1 [default = 1, default = 2];\n"
         "}\n" },
    { "json_name_not_string", 3, "json_name must be a string",
      P2 "message M {\n"
         "  optional int32 x = 1 [json_name = 1];\n"
         "}\n" },
    { "json_name_on_extension", 4, "extensions cannot have a json_name",
      P2 "message M { extensions 1 to 10; }\n"
         "extend M {\n"
         "  optional int32 y = 1 [json_name = \"b\"];\n"
         "}\n" },
};

/* Several mistakes in one file. protoc prints errors in the order it finds
 * them (children before parents, messages before services, options and
 * proto3 rules last) and `line` is where its first one is; we print every
 * error in source order, and protoc's first must be among them (it is not
 * dropped because another error printed before it). `needle` is unused. */
static const ErrorCase first_error_cases[] = {
    { "first_nested_link_before_parent_fields", 4, "",
      P3 "message A {\n"
         "  Gone1 x = 1;\n"
         "  message B { Gone2 y = 1; }\n"
         "}\n" },
    { "first_message_before_service", 7, "",
      P3 "message Req {}\n"
         "service S {\n"
         "  rpc R(Req) returns (Gone);\n"
         "}\n"
         "message Wrapper {\n"
         "  Gone g = 1;\n"
         "}\n" },
    { "first_build_before_link", 4, "",
      P3 "message M {\n"
         "  E E = 1;\n"
         "  enum E { Z = 0; }\n"
         "}\n" },
    { "first_number_check_before_later_duplicate", 2, "",
      P3 "message A { int32 x = 0; }\n"
         "message A {}\n" },
    { "first_map_value_before_proto3_rules", 6, "",
      P3 "enum E {\n"
         "  ONE = 1;\n"
         "}\n"
         "message M {\n"
         "  map<string, E> m = 1;\n"
         "}\n" },
    { "first_option_in_nested_before_file_option", 4, "",
      P3 "option bad1 = 1;\n"
         "message M {\n"
         "  int32 a = 1 [bad2 = 1];\n"
         "}\n" },
    { "first_enum_prefix_after_message_duplicate", 4, "",
      P3 "enum Foo { FOO_BAR = 0; BAR = 1; }\n"
         "message M {}\n"
         "message M {}\n" },
};

static const OkCase ok_cases[] = {
    /* Single names skip things that are not types: the field Foo does not
     * hide the message Foo. */
    { "field_does_not_hide_type", P2 "message Foo {}\n"
                                     "message M {\n"
                                     "  optional int32 Foo = 1;\n"
                                     "  optional Foo f = 2;\n"
                                     "}\n" },
    { "package_prefix_resolution", P2 "package a.b;\n"
                                      "message M { message b {} }\n"
                                      "message O { message M {} optional b.M y = 1; }\n" },
    { "leading_dot", P3 "package p;\n"
                        "message M { message M { .p.M outer = 1; M inner = 2; } }\n" },
    { "sibling_nested_types", P3 "message A { message B { C c = 1; } message C { B b = 1; } }\n" },
    { "enum_default_and_value_names", P2 "package p;\n"
                                         "enum E { A = 0; B = 1; }\n"
                                         "message M { optional E e = 1 [default = B]; }\n" },
    { "defaults_of_every_scalar", P2 "message M {\n"
                                     "  optional int32 a = 1 [default = -2147483648];\n"
                                     "  optional uint64 b = 2 [default = 18446744073709551615];\n"
                                     "  optional double c = 3 [default = inf];\n"
                                     "  optional float d = 4 [default = -nan];\n"
                                     "  optional float e = 5 [default = 1];\n"
                                     "  optional bool f = 6 [default = true];\n"
                                     "  optional string g = 7 [default = \"x\"];\n"
                                     "  optional bytes h = 8 [default = \"\\xff\"];\n"
                                     "  optional sint64 i = 9 [default = -9223372036854775808];\n"
                                     "  optional int32 j = 10 [json_name = \"jay\"];\n"
                                     "}\n" },
    { "extension_in_message_scope",
      P2 "package p;\n"
         "message Base { extensions 100 to 200; }\n"
         "message Scope {\n"
         "  extend Base {\n"
         "    optional int32 nested_ext = 150;\n"
         "    optional group ExtGroup = 151 { optional int32 x = 1; }\n"
         "  }\n"
         "}\n"
         "extend .p.Base { optional Scope.ExtGroup g = 152; }\n" },
    { "rpc_streaming_and_qualified_types", P3 "package p.q;\n"
                                              "message M { message N {} }\n"
                                              "service S {\n"
                                              "  rpc A(stream M) returns (stream M.N);\n"
                                              "  rpc B(.p.q.M) returns (q.M);\n"
                                              "}\n" },
};

static void run_first_error_case(void **state)
{
    const ErrorCase *c = *state;
    char *text = NULL;
    int errors = compile_errors(c->text, &text);
    assert_true(errors > 0);
    bool found = false, ordered = true;
    int previous = 0;
    for (const char *p = strstr(text, ": error:"); p; p = strstr(p + 1, ": error:")) {
        /* The line number is the field before ": error:" ("name:LINE:COL"). */
        const char *q = p;
        while (q > text && q[-1] != ':')
            q--;
        q--;
        while (q > text && q[-1] != ':')
            q--;
        int line = atoi(q);
        found |= line == c->line;
        ordered &= line >= previous;
        previous = line;
    }
    if (!found || !ordered)
        print_error("want an error on line %d and errors in source order:\n%s", c->line, text);
    free(text);
    assert_true(found);
    assert_true(ordered);
}

/* ------------------------------------------------------------ the model */

static Message *find_message(MessageVec *v, const char *name)
{
    for (size_t i = 0; i < v->len; i++)
        if (strcmp(v->items[i]->name, name) == 0)
            return v->items[i];
    return NULL;
}

static Field *find_field(Message *m, const char *name)
{
    for (size_t i = 0; i < m->fields.len; i++)
        if (strcmp(m->fields.items[i]->name, name) == 0)
            return m->fields.items[i];
    return NULL;
}

static TestCompile *compile_ok(const char *text)
{
    TestCompile *tc = test_compile_text(text);
    if (tc->errors) {
        print_error("%s", tc->diag_text);
        fail();
    }
    assert_true(tc->resolved);
    return tc;
}

static void test_full_names(void **state)
{
    (void)state;
    TestCompile *tc = compile_ok(P3 "package a.b;\n"
                                    "message Outer {\n"
                                    "  message Inner { int32 x = 1; }\n"
                                    "  enum Kind { KIND_UNKNOWN = 0; }\n"
                                    "  oneof choice { int32 y = 2; }\n"
                                    "}\n"
                                    "enum Top { TOP_UNKNOWN = 0; }\n"
                                    "service Svc { rpc Call(Outer) returns (Outer.Inner); }\n");
    File *f = tc->file;
    Message *outer = f->messages.items[0];
    assert_string_equal(outer->full_name, "a.b.Outer");
    assert_string_equal(outer->messages.items[0]->full_name, "a.b.Outer.Inner");
    assert_string_equal(outer->messages.items[0]->fields.items[0]->full_name, "a.b.Outer.Inner.x");
    assert_string_equal(outer->enums.items[0]->full_name, "a.b.Outer.Kind");
    /* Enum values are siblings of their enum. */
    assert_string_equal(outer->enums.items[0]->values.items[0]->full_name,
                        "a.b.Outer.KIND_UNKNOWN");
    assert_string_equal(f->enums.items[0]->values.items[0]->full_name, "a.b.TOP_UNKNOWN");
    assert_string_equal(find_field(outer, "y")->full_name, "a.b.Outer.y");
    assert_ptr_equal(find_field(outer, "y")->oneof, outer->oneofs.items[0]);
    Service *svc = f->services.items[0];
    assert_string_equal(svc->full_name, "a.b.Svc");
    assert_string_equal(svc->methods.items[0]->full_name, "a.b.Svc.Call");
    assert_ptr_equal(svc->methods.items[0]->input, outer);
    assert_ptr_equal(svc->methods.items[0]->output, outer->messages.items[0]);
    test_compile_free(tc);
}

static void test_extension_names(void **state)
{
    (void)state;
    TestCompile *tc = compile_ok(P2 "package p;\n"
                                    "message Base { extensions 100 to 200; }\n"
                                    "message Scope {\n"
                                    "  extend Base { optional int32 inner = 100; }\n"
                                    "}\n"
                                    "extend Base { optional Scope outer = 101; }\n");
    File *f = tc->file;
    Message *base = f->messages.items[0];
    Message *scope = f->messages.items[1];
    Field *inner = scope->extends.items[0]->fields.items[0];
    Field *outer = f->extends.items[0]->fields.items[0];
    /* An extension is named after where it is declared, not what it extends. */
    assert_string_equal(inner->full_name, "p.Scope.inner");
    assert_string_equal(outer->full_name, "p.outer");
    assert_ptr_equal(scope->extends.items[0]->extendee_msg, base);
    assert_ptr_equal(f->extends.items[0]->extendee_msg, base);
    assert_int_equal(outer->type, TYPE_MESSAGE);
    assert_ptr_equal(outer->msg_type, scope);
    test_compile_free(tc);
}

static void test_json_names(void **state)
{
    (void)state;
    TestCompile *tc = compile_ok(P3 "message M {\n"
                                    "  int32 foo_bar = 1;\n"
                                    "  int32 _leading = 2;\n"
                                    "  int32 trailing_ = 3;\n"
                                    "  int32 two__under = 4;\n"
                                    "  int32 x9_y = 5;\n"
                                    "  int32 custom = 6 [json_name = \"CUSTOM\"];\n"
                                    "  int32 already_Upper = 7;\n"
                                    "}\n");
    Message *m = tc->file->messages.items[0];
    assert_string_equal(find_field(m, "foo_bar")->json_name, "fooBar");
    assert_string_equal(find_field(m, "_leading")->json_name, "Leading");
    assert_string_equal(find_field(m, "trailing_")->json_name, "trailing");
    assert_string_equal(find_field(m, "two__under")->json_name, "twoUnder");
    assert_string_equal(find_field(m, "x9_y")->json_name, "x9Y");
    assert_string_equal(find_field(m, "custom")->json_name, "CUSTOM");
    assert_string_equal(find_field(m, "already_Upper")->json_name, "alreadyUpper");
    test_compile_free(tc);
}

static void test_map_entry(void **state)
{
    (void)state;
    TestCompile *tc = compile_ok(P3 "package p;\n"
                                    "enum Color { RED = 0; }\n"
                                    "message M {\n"
                                    "  message Before {}\n"
                                    "  map<string, Color> color_by_name = 1;\n"
                                    "  message After {}\n"
                                    "  map<int64, M> _by_id = 2;\n"
                                    "}\n");
    Message *m = tc->file->messages.items[0];
    /* Entries sit among the nested messages where their field is written,
     * as protoc's parser puts them. */
    assert_int_equal(m->messages.len, 4);
    assert_string_equal(m->messages.items[0]->name, "Before");
    assert_string_equal(m->messages.items[1]->name, "ColorByNameEntry");
    assert_string_equal(m->messages.items[2]->name, "After");
    assert_string_equal(m->messages.items[3]->name, "ByIdEntry");
    Message *e = m->messages.items[1];
    assert_true(e->is_map_entry);
    assert_string_equal(e->full_name, "p.M.ColorByNameEntry");
    assert_int_equal(e->fields.len, 2);
    assert_string_equal(e->fields.items[0]->name, "key");
    assert_int_equal(e->fields.items[0]->number, 1);
    assert_int_equal(e->fields.items[0]->label, LABEL_OPTIONAL);
    assert_int_equal(e->fields.items[0]->type, TYPE_STRING);
    assert_string_equal(e->fields.items[1]->name, "value");
    assert_int_equal(e->fields.items[1]->number, 2);
    assert_int_equal(e->fields.items[1]->type, TYPE_ENUM);
    assert_ptr_equal(e->fields.items[1]->enum_type, tc->file->enums.items[0]);
    assert_false(e->fields.items[0]->proto3_optional);
    assert_int_equal(e->oneofs.len, 0);
    assert_int_equal(e->options.len, 1);
    assert_string_equal(e->options.items[0]->name.items[0].name, "map_entry");

    Field *fd = find_field(m, "color_by_name");
    assert_true(fd->is_map);
    assert_ptr_equal(fd->map_entry, e);
    assert_int_equal(fd->label, LABEL_REPEATED);
    assert_int_equal(fd->type, TYPE_MESSAGE);
    assert_ptr_equal(fd->msg_type, e);

    Field *by_id = find_field(m, "_by_id");
    assert_string_equal(by_id->map_entry->name, "ByIdEntry");
    assert_int_equal(by_id->map_entry->fields.items[1]->type, TYPE_MESSAGE);
    assert_ptr_equal(by_id->map_entry->fields.items[1]->msg_type, m);
    test_compile_free(tc);
}

static void test_proto3_optional(void **state)
{
    (void)state;
    TestCompile *tc = compile_ok(P3 "message M {\n"
                                    "  oneof real { int32 r = 1; }\n"
                                    "  optional int32 a = 2;\n"
                                    "  oneof _b { int32 z = 3; }\n"
                                    "  optional int32 b = 4;\n"
                                    "  optional string _c = 5;\n"
                                    "  optional M msg = 6;\n"
                                    "}\n");
    Message *m = tc->file->messages.items[0];
    /* Synthetic oneofs come after the real ones, one per optional field;
     * a clash prefixes 'X' (protoc's rule), a leading '_' is not doubled,
     * so `_c` clashes with its own field name (protoc 3.21 says "X_c" too). */
    assert_int_equal(m->oneofs.len, 6);
    assert_string_equal(m->oneofs.items[0]->name, "real");
    assert_false(m->oneofs.items[0]->synthetic);
    assert_string_equal(m->oneofs.items[1]->name, "_b");
    assert_false(m->oneofs.items[1]->synthetic);
    const char *want[] = { "_a", "X_b", "X_c", "_msg" };
    for (int i = 0; i < 4; i++) {
        Oneof *o = m->oneofs.items[i + 2];
        assert_string_equal(o->name, want[i]);
        assert_true(o->synthetic);
        assert_int_equal(o->index, i + 2);
        assert_int_equal(o->fields.len, 1);
        assert_ptr_equal(o->fields.items[0]->oneof, o);
        assert_true(o->fields.items[0]->proto3_optional);
    }
    assert_false(find_field(m, "z")->proto3_optional);
    test_compile_free(tc);
}

static void test_proto2_optional_is_not_proto3_optional(void **state)
{
    (void)state;
    TestCompile *tc = compile_ok(P2 "message M { optional int32 a = 1; }\n");
    Message *m = tc->file->messages.items[0];
    assert_false(m->fields.items[0]->proto3_optional);
    assert_int_equal(m->oneofs.len, 0);
    test_compile_free(tc);
}

static void test_resolved_types(void **state)
{
    (void)state;
    TestCompile *tc = compile_ok(P2 "package p;\n"
                                    "enum E { A = 0; }\n"
                                    "message M {\n"
                                    "  optional E e = 1;\n"
                                    "  optional M m = 2;\n"
                                    "  optional group G = 3 { optional int32 x = 1; }\n"
                                    "  optional .p.E q = 4;\n"
                                    "  optional int32 i = 5;\n"
                                    "}\n");
    Message *m = tc->file->messages.items[0];
    assert_int_equal(find_field(m, "e")->type, TYPE_ENUM);
    assert_ptr_equal(find_field(m, "e")->enum_type, tc->file->enums.items[0]);
    assert_int_equal(find_field(m, "m")->type, TYPE_MESSAGE);
    assert_ptr_equal(find_field(m, "m")->msg_type, m);
    Field *g = find_field(m, "g");
    assert_int_equal(g->type, TYPE_GROUP);
    assert_ptr_equal(g->msg_type, find_message(&m->messages, "G"));
    assert_string_equal(g->msg_type->full_name, "p.M.G");
    assert_int_equal(find_field(m, "q")->type, TYPE_ENUM);
    assert_int_equal(find_field(m, "i")->type, TYPE_INT32);
    assert_null(find_field(m, "i")->msg_type);
    test_compile_free(tc);
}

/* ----------------------------------------------------------- visibility */

static void test_not_imported(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"b.proto\";\n"
                           "message M { p.A a = 1; }\n" },
        { "b.proto", P3 "import \"a.proto\";\n" },
        { "a.proto", P3 "package p;\n"
                        "message A {}\n" },
    };
    TestCompile *tc = test_compile(files, 3);
    assert_int_equal(tc->errors, 1);
    assert_non_null(strstr(tc->diag_text, "main.proto:3:13: error: 'p.A' is defined in "
                                          "'a.proto', which is not imported by 'main.proto'"));
    test_compile_free(tc);
}

static void test_public_import_chain(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"b.proto\";\n"
                           "message M { p.A a = 1; q.C c = 2; }\n" },
        { "b.proto", P3 "import public \"c.proto\";\n" },
        { "c.proto", P3 "import public \"a.proto\";\n"
                        "package q;\n"
                        "message C {}\n" },
        { "a.proto", P3 "package p;\n"
                        "message A {}\n" },
    };
    TestCompile *tc = test_compile(files, 4);
    if (tc->errors)
        print_error("%s", tc->diag_text);
    assert_int_equal(tc->errors, 0);
    test_compile_free(tc);
}

/* A package spread over files is visible through any file that has it. */
static void test_package_in_two_files(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "package p.q;\n"
                           "import \"a.proto\";\n"
                           "import \"b.proto\";\n"
                           "message M { p.A a = 1; p.q.B b = 2; B b2 = 3; }\n" },
        { "a.proto", P3 "package p;\n"
                        "message A {}\n" },
        { "b.proto", P3 "package p.q;\n"
                        "message B {}\n" },
    };
    TestCompile *tc = test_compile(files, 3);
    if (tc->errors)
        print_error("%s", tc->diag_text);
    assert_int_equal(tc->errors, 0);
    test_compile_free(tc);
}

/* An invisible symbol does not stop the search: an outer visible one wins,
 * as in protoc. */
static void test_invisible_symbol_is_skipped(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "package p;\n"
                           "import \"b.proto\";\n"
                           "message M { T t = 1; }\n" },
        { "b.proto", P3 "import \"a.proto\";\n"
                        "message T {}\n" },
        { "a.proto", P3 "package p;\n"
                        "message T {}\n" },
    };
    TestCompile *tc = test_compile(files, 3);
    if (tc->errors)
        print_error("%s", tc->diag_text);
    assert_int_equal(tc->errors, 0);
    Field *t = tc->file->messages.items[0]->fields.items[0];
    assert_string_equal(t->msg_type->full_name, "T");
    test_compile_free(tc);
}

static void test_error_in_import_is_reported_once(void **state)
{
    (void)state;
    TestFile files[] = {
        { "main.proto", P3 "import \"dep.proto\";\n"
                           "message M { Dep d = 1; }\n" },
        { "dep.proto", P3 "message Dep {\n"
                          "  int32 x = 1;\n"
                          "  int32 y = 1;\n"
                          "}\n" },
    };
    TestCompile *tc = test_compile(files, 2);
    assert_int_equal(tc->errors, 1);
    assert_non_null(strstr(tc->diag_text, "dep.proto:4:13: error: field number 1"));
    test_compile_free(tc);
}

/* --------------------------------------------------------- performance */

/* Not a timing test (the machine is shared): a large, wide input must
 * resolve without error; quadratic work would show up as a timeout. */
static void test_many_messages(void **state)
{
    (void)state;
    size_t cap = 4u << 20;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, cap, P3 "package big;\n");
    for (int i = 0; i < 3000 && n < cap - 512; i++)
        n += (size_t)snprintf(text + n, cap - n,
                              "message M%d { enum K { K%d_A = 0; } M%d prev = 1; K k = 2; "
                              "map<string, M%d> m = 3; optional int32 o = 4; }\n",
                              i, i, i ? i - 1 : 0, i);
    TestCompile *tc = test_compile_text(text);
    assert_int_equal(tc->errors, 0);
    assert_int_equal(tc->file->messages.len, 3000);
    test_compile_free(tc);
    free(text);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_full_names),
        cmocka_unit_test(test_extension_names),
        cmocka_unit_test(test_json_names),
        cmocka_unit_test(test_map_entry),
        cmocka_unit_test(test_proto3_optional),
        cmocka_unit_test(test_proto2_optional_is_not_proto3_optional),
        cmocka_unit_test(test_resolved_types),
        cmocka_unit_test(test_not_imported),
        cmocka_unit_test(test_public_import_chain),
        cmocka_unit_test(test_package_in_two_files),
        cmocka_unit_test(test_invisible_symbol_is_skipped),
        cmocka_unit_test(test_error_in_import_is_reported_once),
        cmocka_unit_test(test_many_messages),
    };
    TestList tests = { 0 };
    test_list_add_error_cases(&tests, error_cases, sizeof error_cases / sizeof *error_cases);
    for (size_t i = 0; i < sizeof first_error_cases / sizeof *first_error_cases; i++)
        test_list_add(&tests, (struct CMUnitTest){ first_error_cases[i].name, run_first_error_case,
                                                   NULL, NULL, (void *)&first_error_cases[i] });
    test_list_add_ok_cases(&tests, ok_cases, sizeof ok_cases / sizeof *ok_cases);
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        test_list_add(&tests, fixed[i]);
    return test_list_run(&tests, "resolve");
}
