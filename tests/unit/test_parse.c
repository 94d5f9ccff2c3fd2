/*
 * test_parse.c — the front end's syntax stage: grammar/proto.l, grammar/proto.y,
 * compiler/front/ (parse.c, scan.c, ast.c).
 *
 * Every test calls parse_file() directly on an in-memory Source and looks at
 * the AST it built (names, numbers, labels, types, locations, parent links)
 * and at the diagnostics it reported. Error lines are the ones protoc 3.21
 * reports for the same input (checked by hand against /usr/bin/protoc).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* ---------------------------------------------------------------- helpers */

typedef struct Parsed {
    Arena *arena;
    Diag diag;
    Source *src;
    File *file;
} Parsed;

static Parsed *parse_bytes(const char *text, size_t len)
{
    Parsed *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->arena = arena_new();
    diag_init(&p->diag, p->arena, stderr, false);
    p->src = arena_alloc(p->arena, sizeof *p->src);
    p->src->name = arena_strdup(p->arena, "t.proto");
    p->src->disk_path = p->src->name;
    p->src->text = arena_alloc(p->arena, len + 2); /* two NULs after the text */
    memcpy(p->src->text, text, len);
    p->src->len = len;
    p->file = parse_file(p->src, p->arena, &p->diag);
    assert_non_null(p->file);
    return p;
}

static Parsed *parse(const char *text)
{
    return parse_bytes(text, strlen(text));
}

static void parsed_free(Parsed *p)
{
    arena_free(p->arena);
    free(p);
}

/* Everything diag_flush prints, as a malloc'd string. */
static char *flush_text(Parsed *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    p->diag.out = f;
    diag_flush(&p->diag);
    fclose(f);
    return buf;
}

/* The error that comes first in the file (what protoc reports first). */
static const DiagMsg *first_error(Parsed *p)
{
    const DiagMsg *best = NULL;
    for (size_t i = 0; i < p->diag.msgs.len; i++) {
        const DiagMsg *m = &p->diag.msgs.items[i];
        if (m->level != DIAG_ERROR)
            continue;
        if (!best || m->loc.line < best->loc.line ||
            (m->loc.line == best->loc.line && m->loc.col < best->loc.col))
            best = m;
    }
    return best;
}

static bool has_error(Parsed *p, int line, const char *needle)
{
    for (size_t i = 0; i < p->diag.msgs.len; i++) {
        const DiagMsg *m = &p->diag.msgs.items[i];
        if (m->level == DIAG_ERROR && (line == 0 || m->loc.line == line) && strstr(m->text, needle))
            return true;
    }
    return false;
}

static void dump(Parsed *p)
{
    for (size_t i = 0; i < p->diag.msgs.len; i++) {
        const DiagMsg *m = &p->diag.msgs.items[i];
        print_message("  [%d] %d:%d: %s\n", (int)m->level, m->loc.line, m->loc.col, m->text);
    }
}

/* Parsing `text` succeeds with no diagnostics at all. */
#define assert_parses(p) assert_parses_((p), __FILE__, __LINE__)
static void assert_parses_(Parsed *p, const char *file, int line)
{
    /* Warnings (a missing `syntax`) do not count against a parse. */
    if (p->diag.errors != 0 || p->file->parse_failed) {
        dump(p);
        _fail(file, line);
    }
}

/* The first error is on `line` and some error on that line contains `needle`. */
#define assert_syntax_error(text, line, needle) \
    assert_syntax_error_((text), strlen(text), (line), (needle), __FILE__, __LINE__)
static void assert_syntax_error_(const char *text, size_t len, int line, const char *needle,
                                 const char *file, int src_line)
{
    Parsed *p = parse_bytes(text, len);
    const DiagMsg *m = first_error(p);
    bool ok = m && m->loc.line == line && has_error(p, line, needle) && p->file->parse_failed &&
              m->loc.src == p->src;
    if (!ok) {
        print_message("want an error at line %d containing \"%s\" in:\n%s\ngot:\n", line, needle,
                      text);
        dump(p);
        parsed_free(p);
        _fail(file, src_line);
    }
    parsed_free(p);
}

static void assert_loc(Loc loc, const Source *src, int line, int col)
{
    assert_ptr_equal(loc.src, src);
    assert_int_equal(loc.line, line);
    assert_int_equal(loc.col, col);
}

/* ----------------------------------------------------------- file level */

/* The scanner reads the source text in place; whatever stops the parse
 * (the end, a syntax error, nesting beyond the limit, a NUL byte), the text
 * afterwards is the text as written, since diagnostics print it. */
static void test_source_text_left_as_written(void **state)
{
    (void)state;
    static const char nul_text[] = "syntax = \"proto3\";\nmessage A { int32 x\0 = 1; }\n";
    char *deep = malloc(2 * 600 * 2 + 64);
    assert_non_null(deep);
    size_t n = (size_t)sprintf(deep, "syntax = \"proto3\";\noption (x) = ");
    for (int i = 0; i < 600; i++)
        n += (size_t)sprintf(deep + n, "a{");
    for (int i = 0; i < 600; i++)
        deep[n++] = '}';
    deep[n++] = ';';
    struct {
        const char *text;
        size_t len;
    } cases[] = {
        { "syntax = \"proto3\";\nmessage A { int32 x = 1; }\n", 0 },
        { "syntax = \"proto3\";\nmessage A {\n  int32 x = 1 int32 y = 2;\n}\n", 0 },
        { nul_text, sizeof nul_text - 1 },
        { deep, n },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        Parsed *p = parse_bytes(cases[i].text, len);
        assert_memory_equal(p->src->text, cases[i].text, len);
        free(flush_text(p));
        parsed_free(p);
    }
    free(deep);
}

static void test_empty_file(void **state)
{
    (void)state;
    Parsed *p = parse("");
    assert_parses(p);
    assert_int_equal(p->file->syntax, SYNTAX_PROTO2);
    assert_false(p->file->syntax_written);
    /* ... which protoc and we warn about. */
    assert_int_equal(p->diag.warnings, 1);
    assert_null(p->file->package);
    assert_int_equal(p->file->messages.len, 0);
    assert_ptr_equal(p->file->src, p->src);
    parsed_free(p);

    p = parse("// only a comment\n/* and a block */\n;;;\n");
    assert_parses(p);
    parsed_free(p);
}

static void test_syntax_statement(void **state)
{
    (void)state;
    Parsed *p = parse("\n  syntax = 'proto3';\n");
    assert_parses(p);
    assert_int_equal(p->file->syntax, SYNTAX_PROTO3);
    assert_true(p->file->syntax_written);
    assert_loc(p->file->syntax_loc, p->src, 2, 3);
    parsed_free(p);

    /* Adjacent literals join: "pro" 'to2'. */
    p = parse("syntax = \"pro\" 'to2';");
    assert_parses(p);
    assert_int_equal(p->file->syntax, SYNTAX_PROTO2);
    assert_true(p->file->syntax_written);
    parsed_free(p);

    assert_syntax_error("syntax = \"proto4\";\n", 1, "proto4");
    assert_syntax_error("syntax = proto3;\n", 1, "expected string");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {}\nsyntax = \"proto3\";\n", 3,
                        "must come first");
    assert_syntax_error(";\nsyntax = \"proto3\";\n", 2, "must come first");
}

static void test_package_and_imports(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto3\";\n"
                      "package foo.bar.baz;\n"
                      "import \"a.proto\";\n"
                      "import public 'b/c.proto';\n"
                      "  import weak \"d\" \".proto\";\n");
    assert_parses(p);
    assert_string_equal(p->file->package, "foo.bar.baz");
    assert_loc(p->file->package_loc, p->src, 2, 1);
    assert_int_equal(p->file->imports.len, 3);
    Import *imp = p->file->imports.items;
    assert_string_equal(imp[0].path, "a.proto");
    assert_int_equal(imp[0].kind, IMPORT_PLAIN);
    assert_loc(imp[0].loc, p->src, 3, 1);
    assert_loc(imp[0].path_loc, p->src, 3, 8);
    assert_string_equal(imp[1].path, "b/c.proto");
    assert_int_equal(imp[1].kind, IMPORT_PUBLIC);
    assert_string_equal(imp[2].path, "d.proto");
    assert_int_equal(imp[2].kind, IMPORT_WEAK);
    assert_loc(imp[2].loc, p->src, 5, 3);
    assert_null(imp[2].file);
    parsed_free(p);

    assert_syntax_error("package a;\npackage b;\n", 2, "one package");
    assert_syntax_error("import foo;\n", 1, "expected string");
    assert_syntax_error("import weak public \"x\";\n", 1, "expected string");
    assert_syntax_error("package .a;\n", 1, "expected");
}

/* --------------------------------------------------------------- messages */

static void test_message_fields(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto2\";\n"
                      "message Outer {\n"
                      "  optional int32 a = 1;\n"
                      "  required string b = 2;\n"
                      "\trepeated .pkg.Type c = 3;\n"
                      "  optional Inner d = 0x10;\n"
                      "  optional a.b.C e = 017;\n"
                      "  message Inner { optional bytes x = 1; }\n"
                      "  enum E { Z = 0; }\n"
                      "}\n");
    assert_parses(p);
    assert_int_equal(p->file->messages.len, 1);
    Message *m = p->file->messages.items[0];
    assert_string_equal(m->name, "Outer");
    assert_loc(m->loc, p->src, 2, 1);
    assert_loc(m->name_loc, p->src, 2, 9);
    assert_null(m->parent);
    assert_ptr_equal(m->file, p->file);
    assert_false(m->is_group);
    assert_int_equal(m->fields.len, 5);

    Field *f = m->fields.items[0];
    assert_string_equal(f->name, "a");
    assert_int_equal(f->label, LABEL_OPTIONAL);
    assert_int_equal(f->type, TYPE_INT32);
    assert_null(f->type_name);
    assert_int_equal(f->number, 1);
    assert_loc(f->loc, p->src, 3, 3);
    assert_loc(f->label_loc, p->src, 3, 3);
    assert_loc(f->type_loc, p->src, 3, 12);
    assert_loc(f->name_loc, p->src, 3, 18);
    assert_loc(f->number_loc, p->src, 3, 22);
    assert_ptr_equal(f->parent, m);
    assert_ptr_equal(f->file, p->file);
    assert_null(f->oneof);
    assert_null(f->extend);
    assert_null(f->group);
    assert_false(f->is_map);

    f = m->fields.items[1];
    assert_int_equal(f->label, LABEL_REQUIRED);
    assert_int_equal(f->type, TYPE_STRING);

    f = m->fields.items[2];
    assert_int_equal(f->label, LABEL_REPEATED);
    assert_int_equal(f->type, TYPE_NONE);
    assert_string_equal(f->type_name, ".pkg.Type");
    assert_loc(f->loc, p->src, 5, 2); /* a tab is one column */
    assert_loc(f->type_loc, p->src, 5, 11);

    f = m->fields.items[3];
    assert_string_equal(f->type_name, "Inner");
    assert_int_equal(f->number, 16);
    f = m->fields.items[4];
    assert_string_equal(f->type_name, "a.b.C");
    assert_int_equal(f->number, 15);

    assert_int_equal(m->messages.len, 1);
    Message *inner = m->messages.items[0];
    assert_string_equal(inner->name, "Inner");
    assert_ptr_equal(inner->parent, m);
    assert_ptr_equal(inner->file, p->file);
    assert_int_equal(inner->fields.len, 1);
    assert_ptr_equal(inner->fields.items[0]->parent, inner);
    assert_int_equal(inner->fields.items[0]->type, TYPE_BYTES);

    assert_int_equal(m->enums.len, 1);
    assert_string_equal(m->enums.items[0]->name, "E");
    assert_ptr_equal(m->enums.items[0]->parent, m);
    assert_ptr_equal(m->enums.items[0]->file, p->file);
    parsed_free(p);
}

static void test_proto3_fields(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto3\";\n"
                      "message A {\n"
                      "  int32 a = 1;\n"
                      "  optional string b = 2;\n"
                      "  repeated A c = 3 [packed = true, deprecated = false];\n"
                      "  ;\n"
                      "}\n");
    assert_parses(p);
    Message *m = p->file->messages.items[0];
    assert_int_equal(m->fields.len, 3);
    assert_int_equal(m->fields.items[0]->label, LABEL_NONE);
    assert_int_equal(m->fields.items[1]->label, LABEL_OPTIONAL);
    assert_int_equal(m->fields.items[2]->label, LABEL_REPEATED);
    Field *c = m->fields.items[2];
    assert_int_equal(c->options.len, 2);
    assert_string_equal(c->options.items[0]->name.items[0].name, "packed");
    assert_int_equal(c->options.items[0]->value->kind, VAL_IDENT);
    assert_string_equal(c->options.items[0]->value->s, "true");
    assert_string_equal(c->options.items[1]->value->s, "false");
    assert_loc(c->options.items[1]->loc, p->src, 5, 36);
    parsed_free(p);

    /* proto2 needs a label (protoc's parser rejects the field). */
    assert_syntax_error("message A {\n  int32 a = 1;\n}\n", 2, "label");
    assert_syntax_error("syntax = \"proto2\";\nmessage A {\n  int32 a = 1;\n}\n", 3, "label");
    /* ... as soon as the type is read, even if the rest of the field is bad */
    assert_syntax_error("message B { extensions 1 to 5; }\nmessage A {\n"
                        "  extend B { optional A x = 1; } .\n  message C {}\n}\n",
                        3, "label");
    assert_syntax_error("message A {\n  group G = 1 {}\n}\n", 2, "label");
    assert_syntax_error("message A { extensions 1 to 5; }\nextend A {\n  int32 a = 1;\n}\n", 3,
                        "label");
}

static void test_map_fields(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto3\";\n"
                      "message A {\n"
                      "  map<string, int32> m = 1;\n"
                      "  map < int64 , .x.Y > n = 2 [deprecated = true];\n"
                      "  map<Foo, bar.Baz> o = 3;\n"
                      "}\n");
    assert_parses(p);
    Message *m = p->file->messages.items[0];
    assert_int_equal(m->fields.len, 3);
    Field *f = m->fields.items[0];
    assert_true(f->is_map);
    assert_int_equal(f->label, LABEL_NONE);
    assert_int_equal(f->map_key_type, TYPE_STRING);
    assert_null(f->map_key_name);
    assert_loc(f->map_key_loc, p->src, 3, 7);
    assert_int_equal(f->type, TYPE_INT32);
    assert_null(f->type_name);
    assert_string_equal(f->name, "m");
    assert_loc(f->loc, p->src, 3, 3);
    assert_loc(f->type_loc, p->src, 3, 15);

    f = m->fields.items[1];
    assert_int_equal(f->map_key_type, TYPE_INT64);
    assert_int_equal(f->type, TYPE_NONE);
    assert_string_equal(f->type_name, ".x.Y");
    assert_int_equal(f->options.len, 1);

    f = m->fields.items[2];
    assert_int_equal(f->map_key_type, TYPE_NONE);
    assert_string_equal(f->map_key_name, "Foo");
    assert_string_equal(f->type_name, "bar.Baz");
    parsed_free(p);

    assert_syntax_error(
        "syntax = \"proto3\";\nmessage A {\n  repeated map<string, int32> m = 1;\n}\n", 3, "label");
    assert_syntax_error(
        "syntax = \"proto3\";\nmessage A {\n  oneof o {\n    map<string, int32> m = 1;\n  }\n}\n",
        4, "oneof");
    assert_syntax_error("syntax = \"proto2\";\nextend A {\n  map<string, int32> m = 1;\n}\n", 3,
                        "extension");
    /* `map` alone is a type named map, but `map.Foo` is not a type. */
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  map.Foo m = 1;\n}\n", 3, "expected");
}

static void test_groups(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto2\";\n"
                      "message A {\n"
                      "  optional int32 before = 1;\n"
                      "  repeated group Result = 2 [deprecated = true] {\n"
                      "    required string url = 3;\n"
                      "    optional group Inner = 4 { optional int32 z = 5; }\n"
                      "  }\n"
                      "  optional int32 after = 6;\n"
                      "  message N {}\n"
                      "  oneof o { group G = 7 { optional int32 y = 8; } }\n"
                      "  extensions 100 to 200;\n"
                      "}\n"
                      "extend A { optional group Ext = 100 { optional int32 q = 1; } }\n");
    assert_parses(p);
    Message *a = p->file->messages.items[0];
    /* fields in order: before, result, after, g (the oneof's group) */
    assert_int_equal(a->fields.len, 4);
    assert_string_equal(a->fields.items[0]->name, "before");
    Field *g = a->fields.items[1];
    assert_string_equal(g->name, "result");
    assert_string_equal(g->type_name, "Result");
    assert_int_equal(g->type, TYPE_GROUP);
    assert_int_equal(g->label, LABEL_REPEATED);
    assert_int_equal(g->number, 2);
    assert_int_equal(g->options.len, 1);
    assert_loc(g->loc, p->src, 4, 3);
    assert_loc(g->name_loc, p->src, 4, 18);
    assert_non_null(g->group);
    Message *body = g->group;
    assert_true(body->is_group);
    assert_string_equal(body->name, "Result");
    assert_ptr_equal(body->parent, a);
    assert_int_equal(body->fields.len, 2);
    assert_ptr_equal(body->fields.items[0]->parent, body);
    assert_string_equal(body->fields.items[1]->name, "inner");
    assert_non_null(body->fields.items[1]->group);
    assert_ptr_equal(body->fields.items[1]->group->parent, body);
    assert_int_equal(body->messages.len, 1);
    assert_ptr_equal(body->messages.items[0], body->fields.items[1]->group);
    assert_string_equal(a->fields.items[2]->name, "after");

    /* group bodies are nested messages, in declaration order */
    assert_int_equal(a->messages.len, 3);
    assert_ptr_equal(a->messages.items[0], body);
    assert_string_equal(a->messages.items[1]->name, "N");
    assert_string_equal(a->messages.items[2]->name, "G");

    Field *og = a->fields.items[3];
    assert_string_equal(og->name, "g");
    assert_int_equal(og->label, LABEL_NONE);
    assert_non_null(og->oneof);
    assert_ptr_equal(og->oneof, a->oneofs.items[0]);
    assert_int_equal(a->oneofs.items[0]->fields.len, 1);
    assert_ptr_equal(og->parent, a);

    /* a file-level extend's group: the body is a top-level message */
    assert_int_equal(p->file->extends.len, 1);
    Extend *e = p->file->extends.items[0];
    assert_int_equal(e->fields.len, 1);
    Field *eg = e->fields.items[0];
    assert_string_equal(eg->name, "ext");
    assert_ptr_equal(eg->extend, e);
    assert_null(eg->parent);
    assert_int_equal(p->file->messages.len, 2);
    assert_ptr_equal(p->file->messages.items[1], eg->group);
    assert_null(eg->group->parent);
    parsed_free(p);

    /* `group` is the type keyword: `group.Foo` is not a type name. */
    assert_syntax_error("syntax = \"proto2\";\nmessage A {\n  optional group.Foo a = 1;\n}\n", 3,
                        "expected");
    assert_syntax_error("syntax = \"proto2\";\nmessage A {\n  optional group G = 1;\n}\n", 3,
                        "expected");
}

static void test_oneofs(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto3\";\n"
                      "message A {\n"
                      "  int32 x = 1;\n"
                      "  oneof first {\n"
                      "    option (my_opt) = 5;\n"
                      "    string a = 2;\n"
                      "    A b = 3 [deprecated = true];\n"
                      "  }\n"
                      "  oneof second { message m = 4; enum e = 5; }\n"
                      "}\n");
    assert_parses(p);
    Message *m = p->file->messages.items[0];
    assert_int_equal(m->oneofs.len, 2);
    Oneof *o = m->oneofs.items[0];
    assert_string_equal(o->name, "first");
    assert_loc(o->loc, p->src, 4, 3);
    assert_loc(o->name_loc, p->src, 4, 9);
    assert_int_equal(o->index, 0);
    assert_ptr_equal(o->parent, m);
    assert_int_equal(o->options.len, 1);
    assert_true(o->options.items[0]->name.items[0].is_extension);
    assert_string_equal(o->options.items[0]->name.items[0].name, "my_opt");
    assert_int_equal(o->fields.len, 2);
    assert_int_equal(m->fields.len, 5);
    assert_ptr_equal(m->fields.items[1], o->fields.items[0]);
    assert_ptr_equal(m->fields.items[1]->oneof, o);
    assert_int_equal(m->fields.items[1]->label, LABEL_NONE);
    assert_null(m->fields.items[0]->oneof);
    Oneof *o2 = m->oneofs.items[1];
    assert_int_equal(o2->index, 1);
    assert_string_equal(o2->fields.items[0]->type_name, "message");
    assert_string_equal(o2->fields.items[1]->type_name, "enum");
    parsed_free(p);

    assert_syntax_error(
        "syntax = \"proto3\";\nmessage A {\n  oneof o {\n    optional int32 a = 1;\n  }\n}\n", 4,
        "label");
    /* protoc requires at least one member */
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  oneof o {\n  }\n}\n", 4, "expected");
}

static void test_extends(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto2\";\n"
                      "extend .google.protobuf.FieldOptions {\n"
                      "  optional int32 a = 50000;\n"
                      "  repeated message b = 50001;\n"
                      "}\n"
                      "message M {\n"
                      "  extend Other { optional M m = 100; }\n"
                      "  optional int32 own = 1;\n"
                      "}\n");
    assert_parses(p);
    assert_int_equal(p->file->extends.len, 1);
    Extend *e = p->file->extends.items[0];
    assert_string_equal(e->extendee, ".google.protobuf.FieldOptions");
    assert_loc(e->loc, p->src, 2, 1);
    assert_loc(e->extendee_loc, p->src, 2, 8);
    assert_null(e->parent);
    assert_ptr_equal(e->file, p->file);
    assert_int_equal(e->fields.len, 2);
    assert_ptr_equal(e->fields.items[0]->extend, e);
    assert_null(e->fields.items[0]->parent);
    assert_string_equal(e->fields.items[1]->type_name, "message");

    Message *m = p->file->messages.items[0];
    assert_int_equal(m->extends.len, 1);
    Extend *me = m->extends.items[0];
    assert_ptr_equal(me->parent, m);
    assert_int_equal(me->fields.len, 1);
    assert_ptr_equal(me->fields.items[0]->parent, m);
    assert_ptr_equal(me->fields.items[0]->extend, me);
    /* extensions are not the message's own fields */
    assert_int_equal(m->fields.len, 1);
    assert_string_equal(m->fields.items[0]->name, "own");
    parsed_free(p);

    assert_syntax_error("syntax = \"proto2\";\nextend int32 {\n  optional int32 a = 1;\n}\n", 2,
                        "message type");
    assert_syntax_error("syntax = \"proto2\";\nextend A {\n}\n", 3, "expected");
}

static void test_reserved_and_extensions(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto2\";\n"
                      "message A {\n"
                      "  reserved 1, 2, 5 to 10, 100 to max;\n"
                      "  reserved \"a\", 'b' \"c\";\n"
                      "  extensions 1000 to 1999, 5000 to max [(verification) = UNVERIFIED];\n"
                      "  extensions 3;\n"
                      "}\n");
    assert_parses(p);
    Message *m = p->file->messages.items[0];
    assert_int_equal(m->reserved_ranges.len, 4);
    Range *r = m->reserved_ranges.items;
    assert_int_equal(r[0].start, 1);
    assert_int_equal(r[0].end, 1);
    assert_false(r[0].end_is_max);
    assert_loc(r[0].loc, p->src, 3, 12);
    assert_int_equal(r[2].start, 5);
    assert_int_equal(r[2].end, 10);
    assert_int_equal(r[3].start, 100);
    assert_true(r[3].end_is_max);
    assert_int_equal(m->reserved_names.len, 2);
    assert_string_equal(m->reserved_names.items[0].name, "a");
    assert_string_equal(m->reserved_names.items[1].name, "bc");
    assert_loc(m->reserved_names.items[1].loc, p->src, 4, 17);
    assert_int_equal(m->extension_ranges.len, 3);
    Range *x = m->extension_ranges.items;
    assert_int_equal(x[0].start, 1000);
    assert_int_equal(x[0].end, 1999);
    assert_true(x[1].end_is_max);
    assert_int_equal(x[0].options.len, 1);
    assert_int_equal(x[1].options.len, 1);
    assert_string_equal(x[1].options.items[0]->name.items[0].name, "verification");
    assert_string_equal(x[1].options.items[0]->value->s, "UNVERIFIED");
    assert_int_equal(x[2].options.len, 0);
    parsed_free(p);

    assert_syntax_error("message A {\n  reserved 1, \"a\";\n}\n", 2, "expected");
    assert_syntax_error("message A {\n  reserved -1;\n}\n", 2, "expected");
    assert_syntax_error("message A {\n  extensions -1;\n}\n", 2, "expected");
    assert_syntax_error("message A {\n  reserved 1 to;\n}\n", 2, "expected");
}

/* ------------------------------------------------------------------ enums */

static void test_enums(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto3\";\n"
                      "enum E {\n"
                      "  option allow_alias = true;\n"
                      "  ZERO = 0;\n"
                      "  ONE = 1 [deprecated = true, (x) = \"y\"];\n"
                      "  ALIAS = 1;\n"
                      "  NEG = -2147483648;\n"
                      "  HEX = 0x7fffffff;\n"
                      "  ;\n"
                      "  reserved 5, 7 to 9, -20 to -10, 100 to max;\n"
                      "  reserved \"X\", \"Y\";\n"
                      "}\n");
    assert_parses(p);
    assert_int_equal(p->file->enums.len, 1);
    Enum *e = p->file->enums.items[0];
    assert_string_equal(e->name, "E");
    assert_null(e->parent);
    assert_ptr_equal(e->file, p->file);
    assert_int_equal(e->options.len, 1);
    assert_string_equal(e->options.items[0]->name.items[0].name, "allow_alias");
    assert_int_equal(e->values.len, 5);
    EnumValue *v = e->values.items[1];
    assert_string_equal(v->name, "ONE");
    assert_int_equal(v->number, 1);
    assert_loc(v->loc, p->src, 5, 3);
    assert_loc(v->number_loc, p->src, 5, 9);
    assert_int_equal(v->options.len, 2);
    assert_true(v->options.items[1]->name.items[0].is_extension);
    assert_ptr_equal(v->parent, e);
    assert_int_equal(e->values.items[3]->number, INT32_MIN);
    assert_loc(e->values.items[3]->number_loc, p->src, 7, 9);
    assert_int_equal(e->values.items[4]->number, INT32_MAX);
    assert_int_equal(e->reserved_ranges.len, 4);
    assert_int_equal(e->reserved_ranges.items[2].start, -20);
    assert_int_equal(e->reserved_ranges.items[2].end, -10);
    assert_true(e->reserved_ranges.items[3].end_is_max);
    assert_int_equal(e->reserved_names.len, 2);
    parsed_free(p);

    /* Values named like keywords; `option` and `reserved` start statements. */
    p = parse("enum E { message = 0; enum = 1; max = 2; to = 3; stream = 4; group = 5;"
              " map = 6; optional = 7; int32 = 8; syntax = 9; }\n");
    assert_parses(p);
    assert_int_equal(p->file->enums.items[0]->values.len, 10);
    assert_string_equal(p->file->enums.items[0]->values.items[5]->name, "group");
    parsed_free(p);

    assert_syntax_error("enum E {\n  A = 0;\n  option = 1;\n}\n", 3, "expected");
    assert_syntax_error("enum E {\n  A = 0;\n  B 1;\n}\n", 3, "expected '='");
    assert_syntax_error("enum E {\n  A = 1.5;\n}\n", 2, "expected");
}

/* --------------------------------------------------------------- services */

static void test_services(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto3\";\n"
                      "service S {\n"
                      "  option deprecated = true;\n"
                      "  rpc Unary (A) returns (B);\n"
                      "  rpc Client(stream A) returns (.p.B) {}\n"
                      "  rpc Server(A) returns (stream B) { ; }\n"
                      "  rpc Bidi(stream a.A) returns (stream B) {\n"
                      "    option deprecated = true;\n"
                      "    option (x.y).z = 1;\n"
                      "  };\n"
                      "}\n");
    assert_parses(p);
    assert_int_equal(p->file->services.len, 1);
    Service *s = p->file->services.items[0];
    assert_string_equal(s->name, "S");
    assert_ptr_equal(s->file, p->file);
    assert_int_equal(s->options.len, 1);
    assert_int_equal(s->methods.len, 4);
    Method *m = s->methods.items[0];
    assert_string_equal(m->name, "Unary");
    assert_string_equal(m->input_name, "A");
    assert_string_equal(m->output_name, "B");
    assert_false(m->client_streaming);
    assert_false(m->server_streaming);
    assert_loc(m->loc, p->src, 4, 3);
    assert_loc(m->name_loc, p->src, 4, 7);
    assert_loc(m->input_loc, p->src, 4, 14);
    assert_loc(m->output_loc, p->src, 4, 26);
    assert_ptr_equal(m->parent, s);
    m = s->methods.items[1];
    assert_true(m->client_streaming);
    assert_false(m->server_streaming);
    assert_string_equal(m->output_name, ".p.B");
    assert_loc(m->input_loc, p->src, 5, 21); /* the type, not `stream` */
    m = s->methods.items[2];
    assert_false(m->client_streaming);
    assert_true(m->server_streaming);
    m = s->methods.items[3];
    assert_true(m->client_streaming);
    assert_true(m->server_streaming);
    assert_string_equal(m->input_name, "a.A");
    assert_int_equal(m->options.len, 2);
    Option *o = m->options.items[1];
    assert_int_equal(o->name.len, 2);
    assert_string_equal(o->name.items[0].name, "x.y");
    assert_true(o->name.items[0].is_extension);
    assert_string_equal(o->name.items[1].name, "z");
    assert_false(o->name.items[1].is_extension);
    parsed_free(p);

    /* `stream` and `returns` are names too */
    p = parse("service stream { rpc returns (stream stream) returns (stream returns); "
              "rpc rpc (.stream) returns (returns); }\n");
    assert_parses(p);
    Method *r = p->file->services.items[0]->methods.items[0];
    assert_string_equal(r->name, "returns");
    assert_true(r->client_streaming);
    assert_string_equal(r->input_name, "stream");
    assert_string_equal(r->output_name, "returns");
    r = p->file->services.items[0]->methods.items[1];
    assert_false(r->client_streaming);
    assert_string_equal(r->input_name, ".stream");
    parsed_free(p);

    assert_syntax_error("service S {\n  rpc F(int32) returns (B);\n}\n", 2, "message type");
    assert_syntax_error("service S {\n  rpc F(stream) returns (B);\n}\n", 2, "expected");
    assert_syntax_error("service S {\n  rpc F(A) (B);\n}\n", 2, "expected 'returns'");
    assert_syntax_error("service S {\n  rpc F(A) returns (B) {\n    int32 a = 1;\n  }\n}\n", 3,
                        "'option'");
    assert_syntax_error("service S {\n  int32 a = 1;\n}\n", 2, "'rpc'");
}

/* ---------------------------------------------------------------- options */

static void test_option_names(void **state)
{
    (void)state;
    Parsed *p = parse("option java_package = \"x\";\n"
                      "option (foo.bar).baz.qux = 1;\n"
                      "option (.foo.bar) = 2;\n"
                      "option a.(b).c = 3;\n");
    assert_parses(p);
    assert_int_equal(p->file->options.len, 4);
    Option *o = p->file->options.items[0];
    assert_int_equal(o->name.len, 1);
    assert_string_equal(o->name.items[0].name, "java_package");
    assert_false(o->name.items[0].is_extension);
    assert_loc(o->loc, p->src, 1, 8);
    assert_int_equal(o->value->kind, VAL_STRING);
    assert_loc(o->value->loc, p->src, 1, 23);

    o = p->file->options.items[1];
    assert_int_equal(o->name.len, 3);
    assert_string_equal(o->name.items[0].name, "foo.bar");
    assert_true(o->name.items[0].is_extension);
    assert_loc(o->name.items[0].loc, p->src, 2, 8);
    assert_string_equal(o->name.items[1].name, "baz");
    assert_string_equal(o->name.items[2].name, "qux");
    assert_loc(o->name.items[2].loc, p->src, 2, 22);

    o = p->file->options.items[2];
    assert_string_equal(o->name.items[0].name, ".foo.bar");
    assert_true(o->name.items[0].is_extension);

    o = p->file->options.items[3];
    assert_int_equal(o->name.len, 3);
    assert_true(o->name.items[1].is_extension);
    assert_string_equal(o->name.items[1].name, "b");
    parsed_free(p);

    assert_syntax_error("option (foo = 1;\n", 1, "expected");
    assert_syntax_error("option java_package \"x\";\n", 1, "expected '='");
    assert_syntax_error("option java_package = ;\n", 1, "expected a value");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  int32 a = 1 [deprecated = true;\n}\n",
                        3, "']'");
}

static void test_option_values(void **state)
{
    (void)state;
    Parsed *p = parse("option a = FOO;\n"
                      "option b = -5;\n"
                      "option c = 18446744073709551615;\n"
                      "option d = -9223372036854775808;\n"
                      "option e = 1.5;\n"
                      "option f = -.5e3;\n"
                      "option g = inf;\n"
                      "option h = -inf;\n"
                      "option i = -nan;\n"
                      "option j = 'x' \"y\";\n"
                      "option k = true;\n"
                      "option l = 0x1F;\n"
                      "option m = 0777;\n"
                      "option n = 1e10;\n"
                      "option o = 1.e5;\n"
                      "option p = 5E-3;\n"
                      "option q = 0;\n"
                      "option r = max;\n"
                      "option s = -FOO;\n");
    assert_parses(p);
    Value **v = malloc(p->file->options.len * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < p->file->options.len; i++)
        v[i] = p->file->options.items[i]->value;
    assert_int_equal(v[0]->kind, VAL_IDENT);
    assert_string_equal(v[0]->s, "FOO");
    assert_false(v[0]->negative);
    assert_int_equal(v[1]->kind, VAL_INT);
    assert_true(v[1]->negative);
    assert_int_equal(v[1]->u, 5);
    assert_loc(v[1]->loc, p->src, 2, 12);
    assert_int_equal(v[2]->u, UINT64_MAX);
    assert_true(v[3]->negative);
    assert_int_equal(v[3]->u, (uint64_t)INT64_MAX + 1);
    assert_int_equal(v[4]->kind, VAL_FLOAT);
    assert_true(v[4]->d == 1.5);
    assert_true(v[5]->d == -500.0);
    assert_true(v[5]->negative);
    assert_int_equal(v[6]->kind, VAL_IDENT);
    assert_string_equal(v[6]->s, "inf");
    assert_false(v[6]->negative);
    assert_int_equal(v[7]->kind, VAL_IDENT);
    assert_string_equal(v[7]->s, "inf");
    assert_true(v[7]->negative);
    assert_string_equal(v[8]->s, "nan");
    assert_true(v[8]->negative);
    assert_int_equal(v[9]->kind, VAL_STRING);
    assert_int_equal(v[9]->len, 2);
    assert_memory_equal(v[9]->s, "xy", 2);
    assert_string_equal(v[10]->s, "true");
    assert_int_equal(v[11]->u, 31);
    assert_int_equal(v[11]->base, 16);
    assert_int_equal(v[12]->u, 511);
    assert_int_equal(v[12]->base, 8);
    assert_int_equal(v[1]->base, 10);
    assert_int_equal(v[16]->base, 10);
    assert_int_equal(v[13]->kind, VAL_FLOAT);
    assert_true(v[13]->d == 1e10);
    assert_true(v[14]->d == 1e5);
    assert_true(v[15]->d == 5e-3);
    assert_int_equal(v[16]->kind, VAL_INT);
    assert_int_equal(v[16]->u, 0);
    assert_string_equal(v[17]->s, "max");
    /* left to the option checker, which knows the option's type */
    assert_int_equal(v[18]->kind, VAL_IDENT);
    assert_string_equal(v[18]->s, "FOO");
    assert_true(v[18]->negative);
    free(v);
    parsed_free(p);

    assert_syntax_error("option a = 18446744073709551616;\n", 1, "too large");
    assert_syntax_error("option a = 0x10000000000000000;\n", 1, "too large");
    assert_syntax_error("option a = 02000000000000000000000;\n", 1, "too large");
    assert_syntax_error("option a = -\"s\";\n", 1, "expected");
    assert_syntax_error("option a = 1.5.3;\n", 1, "expected ';'");
}

static void test_aggregates(void **state)
{
    (void)state;
    Parsed *p = parse("option (x) = {\n"
                      "  a: 1\n"
                      "  b: \"s\" 't'\n"
                      "  c { d: 2 }\n"
                      "  e: [1, -2, FOO]\n"
                      "  [ext.name]: 3;\n"
                      "  f: -inf,\n"
                      "  g: { }\n"
                      "  h < i: 4 >\n"
                      "  j: [ {k: 1}, <k: 2> ]\n"
                      "  [type.googleapis.com/pkg.Msg] { }\n"
                      "  l: []\n"
                      "  m: -1.5\n"
                      "};\n");
    assert_parses(p);
    Value *v = p->file->options.items[0]->value;
    assert_int_equal(v->kind, VAL_AGGREGATE);
    assert_loc(v->loc, p->src, 1, 14);
    AggEntryVec *e = &v->entries;
    assert_int_equal(e->len, 12);
    assert_string_equal(e->items[0]->name, "a");
    assert_false(e->items[0]->is_extension);
    assert_loc(e->items[0]->loc, p->src, 2, 3);
    assert_int_equal(e->items[0]->value->kind, VAL_INT);
    assert_int_equal(e->items[0]->value->u, 1);
    assert_int_equal(e->items[1]->value->kind, VAL_STRING);
    assert_string_equal(e->items[1]->value->s, "st");
    Value *c = e->items[2]->value;
    assert_int_equal(c->kind, VAL_AGGREGATE);
    assert_int_equal(c->entries.len, 1);
    assert_string_equal(c->entries.items[0]->name, "d");
    Value *list = e->items[3]->value;
    assert_int_equal(list->kind, VAL_LIST);
    assert_int_equal(list->list.len, 3);
    assert_true(list->list.items[1]->negative);
    assert_int_equal(list->list.items[1]->u, 2);
    assert_int_equal(list->list.items[2]->kind, VAL_IDENT);
    assert_true(e->items[4]->is_extension);
    assert_string_equal(e->items[4]->name, "ext.name");
    assert_int_equal(e->items[5]->value->kind, VAL_IDENT);
    assert_true(e->items[5]->value->negative);
    assert_int_equal(e->items[6]->value->kind, VAL_AGGREGATE);
    assert_int_equal(e->items[6]->value->entries.len, 0);
    assert_int_equal(e->items[7]->value->kind, VAL_AGGREGATE);
    assert_int_equal(e->items[7]->value->entries.items[0]->value->u, 4);
    Value *j = e->items[8]->value;
    assert_int_equal(j->kind, VAL_LIST);
    assert_int_equal(j->list.len, 2);
    assert_int_equal(j->list.items[1]->kind, VAL_AGGREGATE);
    assert_string_equal(e->items[9]->name, "type.googleapis.com/pkg.Msg");
    assert_true(e->items[9]->is_extension);
    assert_int_equal(e->items[10]->value->kind, VAL_LIST);
    assert_int_equal(e->items[10]->value->list.len, 0);
    assert_true(e->items[11]->value->d == -1.5);
    parsed_free(p);

    /* protoc reads aggregates after parsing and reports their errors at the
     * value's start; we do too (with a note at the token). */
    assert_syntax_error("option (x) = {\n  a: 1\n  b c d\n};\n", 1, "aggregate");
    /* ... but the end of the file is reported where it is. */
    assert_syntax_error("option (x) = {\n  a: 1\n", 3, "expected '}'");

    /* protoc reads the value as a brace-balanced run of tokens, and parses it
     * only when the rest of the file is fine: an extra '{' runs the value to
     * the end of the file, and other syntax errors come first. */
    Parsed *q = parse("option (x) = { { a: 2 };\nmessage A {}\n");
    assert_int_equal(q->diag.errors, 1);
    assert_true(has_error(q, 3, "expected '}' to close aggregate value opened at 1:14"));
    parsed_free(q);
    q = parse("message M {\n  option (x) = { { a: 2 };\n  optional int32 y = 1;\n}\n"
              "message N {}\n");
    assert_true(has_error(q, 5, "expected ';'"));
    assert_false(has_error(q, 2, "aggregate"));
    parsed_free(q);
    q = parse("option (x) = { a: b c d e };\nmessage A { optional int32 x = 1 }\n");
    assert_int_equal(q->diag.errors, 1);
    assert_true(has_error(q, 2, "expected ';'"));
    parsed_free(q);
    q = parse("option (x) = { a: b c d e };\noption (y) = { [a }\n;");
    assert_int_equal(q->diag.errors, 2);
    assert_true(has_error(q, 1, "invalid aggregate value"));
    assert_true(has_error(q, 2, "invalid aggregate value"));
    assert_true(q->file->parse_failed);
    parsed_free(q);
}

/* Text format takes an integer too large for 64 bits as a float or double
 * value, so inside an aggregate it is no syntax error: it becomes a float
 * marked int_overflow, for the option checker to judge by the field's type.
 * Anywhere else protoc's parser rejects it on the spot. */
static void test_aggregate_huge_integers(void **state)
{
    (void)state;
    Parsed *p = parse(
        "option (x) = { d: [18446744073709551616, 99999999999999999999999999]\n"
        "  f: -18446744073709551616 h: 0x1ffffffffffffffff o: 18446744073709551615 };\n");
    assert_parses(p);
    AggEntryVec *e = &p->file->options.items[0]->value->entries;
    Value *d = e->items[0]->value;
    assert_int_equal(d->kind, VAL_LIST);
    assert_int_equal(d->list.items[0]->kind, VAL_FLOAT);
    assert_true(d->list.items[0]->int_overflow);
    assert_true(d->list.items[0]->d == 18446744073709551616.0);
    assert_string_equal(d->list.items[0]->s, "18446744073709551616");
    assert_int_equal(d->list.items[0]->base, 10);
    assert_true(d->list.items[1]->d == 1e26);
    Value *f = e->items[1]->value;
    assert_int_equal(f->kind, VAL_FLOAT);
    assert_true(f->int_overflow && f->negative);
    assert_true(f->d == -18446744073709551616.0);
    Value *h = e->items[2]->value;
    assert_true(h->int_overflow);
    assert_int_equal(h->base, 16);
    /* the largest 64-bit value is still an ordinary integer */
    Value *o = e->items[3]->value;
    assert_int_equal(o->kind, VAL_INT);
    assert_false(o->int_overflow);
    assert_true(o->u == UINT64_MAX);
    parsed_free(p);

    /* Whether ':' was written is kept: text format lets only message
     * fields drop it, which the option checker knows. */
    p = parse("option (x) = { a [1] b: [2] c {} d: {} };\n");
    assert_parses(p);
    e = &p->file->options.items[0]->value->entries;
    assert_true(e->items[0]->no_colon);
    assert_false(e->items[1]->no_colon);
    assert_true(e->items[2]->no_colon);
    assert_false(e->items[3]->no_colon);
    parsed_free(p);

    /* A malformed number stands in as 0, never as an overflowed one. */
    p = parse("option (x) = { a: 12abc b: 0x c: 089 };\n");
    assert_true(p->file->parse_failed);
    e = &p->file->options.items[0]->value->entries;
    for (size_t i = 0; i < e->len; i++) {
        assert_int_equal(e->items[i]->value->kind, VAL_INT);
        assert_false(e->items[i]->value->int_overflow);
    }
    parsed_free(p);

    assert_syntax_error("option x = 18446744073709551616;\n", 1, "too large");
    assert_syntax_error(
        "message A {\n  optional double d = 1 [default = 18446744073709551616];\n}\n", 2,
        "too large");
}

/* protoc finds the end of an aggregate value by counting '{' and '}' alone,
 * then reads the text in between: an error inside is held back and reported
 * at the value's '{', and the value ends at the '}' that balances it, however
 * '<' and '>' fall. */
static void test_aggregate_error_ends_at_balancing_brace(void **state)
{
    (void)state;
    Parsed *p = parse("option (info) = { m< { key: \"a\" value: 1 } };\nmessage A {}\n");
    assert_int_equal(p->diag.errors, 1);
    const DiagMsg *m = first_error(p);
    assert_non_null(m);
    assert_int_equal(m->loc.line, 1);
    assert_int_equal(m->loc.col, 17);
    assert_non_null(strstr(m->text, "invalid aggregate value"));
    assert_int_equal(p->file->messages.len, 1);
    parsed_free(p);

    p = parse("option (info) = { kids <a: 3( };\nmessage A {}\n");
    assert_int_equal(p->diag.errors, 1);
    assert_true(has_error(p, 1, "invalid aggregate value"));
    assert_int_equal(p->file->messages.len, 1);
    parsed_free(p);

    /* Braces opened before the error count too, and nested ones after it. */
    p = parse("option (x) = {\n  a { b: } c { d { } } e < f\n};\noption (y) = 1;\n");
    assert_int_equal(p->diag.errors, 1);
    assert_true(has_error(p, 1, "invalid aggregate value"));
    assert_int_equal(p->file->options.len, 2);
    parsed_free(p);

    /* Any other syntax error comes first, and the held-back one is dropped. */
    p = parse("syntax = \"proto3\";\noption (x) = { m< { k: 1 } > };\nmessage A { int32 = 1; }\n");
    assert_int_equal(p->diag.errors, 1);
    assert_true(has_error(p, 3, "expected"));
    parsed_free(p);

    /* A value whose braces never balance runs to the end of the file. */
    assert_syntax_error("option (x) = { a < { b } > c <\n", 2, "expected '}'");
}

/* protoc's parser reads a field's `default` and `json_name` as one token, so
 * a '{' there is an error at the '{'; the rest of the field, and of the file,
 * still parses. Elsewhere `default` is an ordinary option name. */
static void test_default_and_json_name_braces(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto2\";\nmessage A {\n"
                      "  optional int32 a = 1 [default = {0777];\n"
                      "  optional int32 b = 2;\n}\n");
    assert_int_equal(p->diag.errors, 1);
    const DiagMsg *m = first_error(p);
    assert_non_null(m);
    assert_int_equal(m->loc.line, 3);
    assert_int_equal(m->loc.col, 35);
    assert_non_null(strstr(m->text, "default"));
    Message *a = p->file->messages.items[0];
    assert_int_equal(a->fields.len, 2);
    assert_string_equal(a->fields.items[1]->name, "b");
    parsed_free(p);

    p = parse("syntax = \"proto2\";\nmessage A {\n"
              "  optional int32 a = 1 [json_name = { \"x\"];\n}\nmessage B {}\n");
    assert_int_equal(p->diag.errors, 1);
    assert_true(has_error(p, 3, "json_name"));
    assert_int_equal(p->file->messages.len, 2);
    parsed_free(p);

    /* A closed { ... }, a '-' before it, more options after it, and the
     * other places a field's options stand. */
    p = parse("syntax = \"proto2\";\nmessage A {\n"
              "  optional int32 a = 1 [default = { x { y } }, deprecated = true];\n"
              "  optional int32 b = 2 [default = -{ 1 }];\n"
              "  map<int32, int32> c = 3 [json_name = {}];\n"
              "  oneof o { int32 d = 4 [default = {}]; }\n"
              "  optional group G = 5 [default = {}] {}\n"
              "  extensions 10 to 20;\n"
              "}\n"
              "extend A { optional int32 e = 10 [json_name = {}]; }\n");
    assert_int_equal(p->diag.errors, 6);
    assert_true(has_error(p, 3, "default"));
    assert_true(has_error(p, 4, "default"));
    assert_true(has_error(p, 5, "json_name"));
    assert_true(has_error(p, 6, "default"));
    assert_true(has_error(p, 7, "default"));
    assert_true(has_error(p, 10, "json_name"));
    a = p->file->messages.items[0];
    assert_int_equal(a->fields.items[0]->options.len, 2);
    assert_string_equal(a->fields.items[0]->options.items[1]->name.items[0].name, "deprecated");
    parsed_free(p);

    /* A group's type is known as its options are read: protoc's parser
     * rejects a default on it there and then, before later syntax errors. */
    p = parse("syntax = \"proto2\";\nmessage A {\n"
              "  optional group G = 5 [deprecated = true, default = -1] {}\n"
              "  optional int32 = 3;\n}\n");
    assert_int_equal(p->diag.errors, 2);
    m = first_error(p);
    assert_non_null(m);
    assert_int_equal(m->loc.line, 3);
    assert_int_equal(m->loc.col, 54);
    assert_non_null(strstr(m->text, "default"));
    parsed_free(p);

    /* Not a field's option: an aggregate as usual. */
    p = parse("message A {\n  option default = { a: 1 };\n  extensions 1 [default = { a: 1 }];\n}\n"
              "enum E { X = 0 [json_name = { a: 1 }]; }\n");
    assert_parses(p);
    parsed_free(p);
}

/* A proto2 field without a label is reported at the statement's first
 * token, before its type is read, as protoc does: so a stray '.' hears of
 * it even when no type name follows. Once per statement. */
static void test_missing_label_at_leading_dot(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto2\";\nmessage A {\n  optional int32 a = 1; .\n}\n");
    const DiagMsg *m = first_error(p);
    assert_non_null(m);
    assert_int_equal(m->loc.line, 3);
    assert_int_equal(m->loc.col, 25);
    assert_non_null(strstr(m->text, "label"));
    assert_true(has_error(p, 4, "expected a name"));
    parsed_free(p);

    p = parse("syntax = \"proto2\";\nmessage A {\n  .pkg.B b = 1;\n}\n"
              "extend A {\n  .pkg.B c = 2;\n}\n");
    assert_int_equal(p->diag.errors, 2);
    assert_true(has_error(p, 3, "label"));
    assert_true(has_error(p, 6, "label"));
    parsed_free(p);

    /* proto3 needs no label: only the missing name. */
    p = parse("syntax = \"proto3\";\nmessage A {\n  int32 a = 1; .\n}\n");
    assert_int_equal(p->diag.errors, 1);
    assert_true(has_error(p, 4, "expected a name"));
    parsed_free(p);
}

/* ---------------------------------------------------------------- literals */

static void test_string_escapes(void **state)
{
    (void)state;
    Parsed *p = parse("option a = \"\\a\\b\\f\\n\\r\\t\\v\\\\\\'\\\"\\?\";\n"
                      "option b = '\\0\\12\\123\\1234\\400\\777';\n"
                      "option c = \"\\x4\\x4F\\x4fg\\xFFF\";\n"
                      "option d = \"\\u00e9\\u20AC\\U0001F600\\U0010FFFF\";\n"
                      "option e = \"\\ud83d\\ude00|\\ud800x\";\n"
                      "option f = \"caf\xc3\xa9 \xff\";\n"
                      "option g = \"\";\n"
                      "option h = \"a\" 'b' \"\" \"cd\";\n");
    assert_parses(p);
    Value *v;
    v = p->file->options.items[0]->value;
    assert_int_equal(v->len, 11);
    assert_memory_equal(v->s, "\a\b\f\n\r\t\v\\'\"?", 11);
    v = p->file->options.items[1]->value;
    assert_int_equal(v->len, 7);
    assert_memory_equal(v->s,
                        "\0\n\123\123"
                        "4\0\377",
                        7);
    v = p->file->options.items[2]->value;
    assert_int_equal(v->len, 6);
    assert_memory_equal(v->s,
                        "\x04OOg\xff"
                        "F",
                        6);
    v = p->file->options.items[3]->value;
    assert_int_equal(v->len, 2 + 3 + 4 + 4);
    assert_memory_equal(v->s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", 13);
    v = p->file->options.items[4]->value;
    /* a surrogate pair joins; a lone surrogate is encoded as it stands */
    assert_int_equal(v->len, 4 + 1 + 3 + 1);
    assert_memory_equal(v->s, "\xf0\x9f\x98\x80|\xed\xa0\x80x", 9);
    v = p->file->options.items[5]->value;
    assert_int_equal(v->len, 7);
    assert_memory_equal(v->s, "caf\xc3\xa9 \xff", 7);
    v = p->file->options.items[6]->value;
    assert_int_equal(v->len, 0);
    assert_string_equal(v->s, "");
    v = p->file->options.items[7]->value;
    assert_int_equal(v->len, 4);
    assert_string_equal(v->s, "abcd");
    parsed_free(p);

    assert_syntax_error("option a = \"\\q\";\n", 1, "escape");
    assert_syntax_error("option a = \"\\xg\";\n", 1, "hex");
    assert_syntax_error("option a = \"\\X41\";\n", 1, "escape");
    assert_syntax_error("option a = \"\\u12\";\n", 1, "four hex");
    assert_syntax_error("option a = \"\\U00200000\";\n", 1, "eight hex");
    assert_syntax_error("option a = \"\\8\";\n", 1, "escape");
    assert_syntax_error("\noption a = \"abc;\nmessage A {}\n", 2, "unterminated string");
    assert_syntax_error("option a = 'abc\\\n';\n", 1, "unterminated string");
    assert_syntax_error("option a = \"abc", 1, "unterminated string");
}

static void test_integer_literals(void **state)
{
    (void)state;
    Parsed *p = parse("message A {\n"
                      "  optional int32 a = 0x1F;\n"
                      "  optional int32 b = 010;\n"
                      "  optional int32 c = 0;\n"
                      "  optional int32 d = 2147483647;\n"
                      "  reserved 0x7fffffff;\n"
                      "}\n"
                      "enum E { A = -2147483648; B = -0x80000000; C = 2147483647; }\n");
    assert_parses(p);
    FieldVec *f = &p->file->messages.items[0]->fields;
    assert_int_equal(f->items[0]->number, 31);
    assert_int_equal(f->items[1]->number, 8);
    assert_int_equal(f->items[2]->number, 0);
    assert_int_equal(f->items[3]->number, INT32_MAX);
    assert_int_equal(p->file->messages.items[0]->reserved_ranges.items[0].start, INT32_MAX);
    EnumValueVec *ev = &p->file->enums.items[0]->values;
    assert_int_equal(ev->items[0]->number, INT32_MIN);
    assert_int_equal(ev->items[1]->number, INT32_MIN);
    assert_int_equal(ev->items[2]->number, INT32_MAX);
    parsed_free(p);

    /* protoc's parser takes 32-bit numbers there, and reports wider ones once. */
    p = parse("message A {\n  optional int32 a = 2147483648;\n"
              "  optional int32 b = 99999999999999999999;\n"
              "  reserved 4294967296 to 5;\n"
              "  extensions 1 to 2147483648;\n}\n"
              "enum E {\n  A = -2147483649;\n  reserved -2147483649 to 1;\n}\n");
    assert_int_equal(p->diag.errors, 6);
    assert_true(has_error(p, 2, "out of range"));
    assert_true(has_error(p, 3, "too large"));
    assert_true(has_error(p, 4, "out of range"));
    assert_true(has_error(p, 5, "out of range"));
    assert_true(has_error(p, 8, "out of range"));
    assert_true(has_error(p, 9, "out of range"));
    parsed_free(p);

    assert_syntax_error("message A {\n  optional int32 a = 09;\n}\n", 2, "octal");
    assert_syntax_error("message A {\n  optional int32 a = 1foo;\n}\n", 2, "number");
    assert_syntax_error("message A {\n  optional int32 a = 0x;\n}\n", 2, "hex");
    assert_syntax_error("message A {\n  optional int32 a = 1.5;\n}\n", 2, "expected");
    assert_syntax_error("message A {\n  optional int32 a = -1;\n}\n", 2, "expected");
    assert_syntax_error("enum E {\n  A = -9223372036854775809;\n}\n", 2, "out of range");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  reserved 2147483648;\n}\n", 3,
                        "out of range");
}

/* ------------------------------------------------------ contextual keywords */

static void test_contextual_keywords(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto2\";\n"
                      "package syntax.import.message;\n"
                      "message optional {\n"
                      "  optional optional optional = 1;\n"
                      "  optional message message = 2;\n"
                      "  required group Group = 3 {}\n"
                      "  optional returns returns = 5;\n"
                      "  optional .syntax.import.message.optional to = 6;\n"
                      "  optional int32 int32 = 7;\n"
                      "  repeated stream max = 8;\n"
                      "  optional map map = 9;\n"
                      "  optional option option = 10;\n"
                      "  optional enum.oneof reserved = 11;\n"
                      "  map<string, stream> extensions = 12;\n"
                      "  optional stream inf = 13 [(extend).(syntax) = nan];\n"
                      "  option (group) = 1;\n"
                      "}\n"
                      "message stream { optional group group = 1 {} }\n"
                      "message service {}\n"
                      "enum enum { message = 0; }\n");
    assert_parses(p);
    assert_string_equal(p->file->package, "syntax.import.message");
    Message *m = p->file->messages.items[0];
    assert_string_equal(m->name, "optional");
    assert_int_equal(m->fields.len, 12);
    const char *names[] = { "optional", "message", "group",  "returns",  "to",         "int32",
                            "max",      "map",     "option", "reserved", "extensions", "inf" };
    const char *types[] = {
        "optional", "message", "Group", "returns", ".syntax.import.message.optional",
        NULL,       "stream",  "map",   "option",  "enum.oneof",
        "stream",   "stream"
    };
    for (size_t i = 0; i < 12; i++) {
        Field *f = m->fields.items[i];
        assert_string_equal(f->name, names[i]);
        if (types[i])
            assert_string_equal(f->type_name, types[i]);
        else
            assert_int_equal(f->type, TYPE_INT32);
    }
    assert_true(m->fields.items[10]->is_map);
    assert_int_equal(m->fields.items[11]->options.items[0]->name.len, 2);
    assert_string_equal(m->fields.items[11]->options.items[0]->name.items[1].name, "syntax");
    assert_int_equal(m->fields.items[11]->number, 13);
    assert_int_equal(m->options.len, 1);
    assert_int_equal(p->file->messages.len, 3);
    assert_string_equal(p->file->messages.items[1]->name, "stream");
    assert_string_equal(p->file->messages.items[1]->fields.items[0]->name, "group");
    assert_string_equal(p->file->messages.items[1]->messages.items[0]->name, "group");
    assert_string_equal(p->file->messages.items[2]->name, "service");
    parsed_free(p);

    /* Message names and unlabelled proto3 field types made of keywords. */
    p = parse("syntax = \"proto3\";\n"
              "message syntax {} message import {} message package {} message option {}\n"
              "message map {} message group {} message oneof {} message to {} message max {}\n"
              "message U { map m = 1; syntax s = 2; import i = 3; package p = 4; to t = 5;"
              " max x = 6; service sv = 7; rpc r = 8; inf f = 9; weak w = 10; public pu = 11;"
              " returns re = 12; nan n = 13; stream st = 14; }\n");
    assert_parses(p);
    Message *u = p->file->messages.items[9];
    assert_int_equal(u->fields.len, 14);
    assert_string_equal(u->fields.items[0]->type_name, "map");
    assert_false(u->fields.items[0]->is_map);
    assert_string_equal(u->fields.items[13]->type_name, "stream");
    parsed_free(p);

    /* At the start of a message statement these words begin their own
     * statement, so they cannot be a type there (as in protoc). */
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  message message = 1;\n}\n", 3,
                        "expected '{'");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  enum e = 1;\n}\n", 3, "expected '{'");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  oneof o = 1;\n}\n", 3,
                        "expected '{'");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  int32.Foo a = 1;\n}\n", 3,
                        "expected");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  stream stream A = 1;\n}\n", 3,
                        "expected");
}

/* -------------------------------------------------------------- errors */

static void test_syntax_error_lines(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int line;
        const char *needle;
    } cases[] = {
        { "message A {\n  optional int32 a = 1\n  optional int32 b = 2;\n}\n", 3, "expected ';'" },
        { "message A {\n  optional int32 a = 1\n}\n", 3, "expected ';'" },
        { "message A {\n  optional int32 = 1;\n}\n", 2, "expected a name" },
        { "message A {\n  optional int32 a;\n}\n", 2, "expected '='" },
        { "message {\n}\n", 1, "expected a name" },
        { "message A\nmessage B {}\n", 2, "expected '{'" },
        { "message A {}\n}\n", 2, "unmatched '}'" },
        { "}\n", 1, "unmatched '}'" },
        { "foo bar;\n", 1, "expected 'message'" },
        { "message A {\n  optional int32 a = 1; #\n}\n", 2, "stray '#'" },
        { "message A {\n  optional a..b c = 1;\n}\n", 2, "expected a name" },
        { "import \"x.proto\"\nmessage A {}\n", 2, "expected" },
        { "option java_package = ", 1, "end of file" },
        { "message", 1, "end of file" },
        { "message A { optional int32 a = 1 [", 1, "end of file" },
        { "message A {\n  optional int32 a = 1\n  optional int32 b = 2;\n}\n", 3,
          "expected ';' after field declaration" },
        { "enum E {\n  A = 0\n}\n", 3, "expected ';' after enum value" },
        { "message A {\n  / \n}\n", 2, "expected a field or a declaration" },
        { "enum E {\n  = 1;\n}\n", 2, "expected an enum value, 'option', 'reserved' or '}'" },
        { "message A {\n  oneof o {\n    ;\n  }\n}\n", 3, "in oneof 'o'" },
        { "extend A {\n  = 1;\n}\n", 2, "in extend 'A'" },
        { "service S {\n  message M {}\n}\n", 2, "expected 'option', 'rpc', ';' or '}'" },
        { "option java_package = --1;\n", 1, "expected" },
        { "syntax = \"proto3\"\nmessage A {}\n", 2, "expected" },
        { "message A { optional int32 a = 1; }\nmessage B {\n  optional A.int32 a = 1;\n}\n", 0,
          "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].line == 0) { /* a valid one among them, for contrast */
            Parsed *p = parse(cases[i].text);
            assert_parses(p);
            parsed_free(p);
            continue;
        }
        assert_syntax_error(cases[i].text, cases[i].line, cases[i].needle);
    }
}

static void test_unclosed_blocks(void **state)
{
    (void)state;
    assert_syntax_error("syntax = \"proto3\";\n\nmessage Foo {\n  int32 a = 1;\n", 5,
                        "expected '}' to close message 'Foo' opened at 3:1");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  message B {\n    int32 a = 1;\n  }\n",
                        6, "message 'A' opened at 2:1");
    assert_syntax_error("syntax = \"proto3\";\nenum E {\n  A = 0;", 3, "enum 'E' opened at 2:1");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  oneof o {\n    int32 a = 1;\n", 5,
                        "oneof 'o' opened at 3:3");
    assert_syntax_error("service S {\n  rpc F(A) returns (B) {\n", 3, "rpc 'F' opened at 2:3");
    assert_syntax_error("service S {\n", 2, "service 'S'");
    assert_syntax_error("extend A {\n  optional int32 a = 1;\n", 3, "extend 'A'");
    assert_syntax_error("message A {\n  optional group G = 1 {\n", 3, "group 'G'");
    /* Ends in the middle of a statement: the construct is still named. */
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n  int32 a = 1", 3,
                        "message 'A' opened at 2:1");
}

static void test_multiple_errors(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto3\";\n"
                      "message A {\n"
                      "  int32 a = ;\n" /* 3 */
                      "  int32 b = 2;\n"
                      "  int32 c = 3 int32 d = 4;\n" /* 5 */
                      "}\n"
                      "message B {\n"
                      "  int32 x = 1\n"
                      "}\n" /* 9 */
                      "enum E {\n"
                      "  Z 0;\n" /* 11 */
                      "}\n"
                      "service S {\n"
                      "  rpc F(A) returns B;\n" /* 14 */
                      "}\n"
                      "message C { int32 ok = 1; }\n");
    assert_int_equal(p->diag.errors, 5);
    assert_true(has_error(p, 3, "expected"));
    assert_true(has_error(p, 5, "expected ';'"));
    assert_true(has_error(p, 9, "expected ';'"));
    assert_true(has_error(p, 11, "expected '='"));
    assert_true(has_error(p, 14, "expected '('"));
    assert_true(p->file->parse_failed);
    /* Recovery kept every declaration, including the ones with errors. */
    assert_int_equal(p->file->messages.len, 3);
    assert_string_equal(p->file->messages.items[2]->name, "C");
    Message *a = p->file->messages.items[0];
    assert_int_equal(a->fields.len, 1);
    assert_string_equal(a->fields.items[0]->name, "b");
    assert_int_equal(p->file->enums.len, 1);
    assert_int_equal(p->file->services.len, 1);
    parsed_free(p);
}

static void test_recovery_does_not_cascade(void **state)
{
    (void)state;
    /* An error before a nested block skips the block whole, as protoc does,
     * and the outer message still closes at its own brace. */
    Parsed *p = parse("syntax = \"proto3\";\n"
                      "message A {\n"
                      "  int32 x = = message B { int32 y = 1; }\n"
                      "  int32 z = 2;\n"
                      "}\n"
                      "message C {}\n");
    assert_int_equal(p->diag.errors, 1);
    assert_true(has_error(p, 3, "expected"));
    assert_int_equal(p->file->messages.len, 2);
    assert_int_equal(p->file->messages.items[0]->fields.len, 1);
    assert_string_equal(p->file->messages.items[0]->fields.items[0]->name, "z");
    parsed_free(p);

    /* An error inside an aggregate is one error, not one per token. */
    p = parse("option (x) = { a: b: c: d { e f g } };\nmessage M {}\n");
    assert_int_equal(p->diag.errors, 1);
    assert_int_equal(p->file->messages.len, 1);
    parsed_free(p);

    /* A bad header skips the block it opens. */
    p = parse("message A B { int32 x = = 1; }\nmessage C {}\n");
    assert_int_equal(p->diag.errors, 1);
    assert_int_equal(p->file->messages.len, 1);
    assert_string_equal(p->file->messages.items[0]->name, "C");
    parsed_free(p);
}

static void test_comments(void **state)
{
    (void)state;
    Parsed *p = parse("/* a */ syntax /* b */ = // c\n 'proto3' /**/; /***/ /* * / */\n"
                      "message A { // x\n int32 /* \n\n */ a = 1; }");
    assert_parses(p);
    Field *f = p->file->messages.items[0]->fields.items[0];
    assert_loc(f->name_loc, p->src, 6, 5);
    parsed_free(p);

    /* protoc reports an unterminated comment at the end of the file, with a
     * note at its start. */
    p = parse("syntax = \"proto3\";\n/* open\n\nmessage A {}\n");
    assert_true(has_error(p, 5, "unterminated comment"));
    assert_true(p->file->parse_failed);
    bool note = false;
    for (size_t i = 0; i < p->diag.msgs.len; i++)
        if (p->diag.msgs.items[i].level == DIAG_NOTE && p->diag.msgs.items[i].loc.line == 2)
            note = true;
    assert_true(note);
    parsed_free(p);
}

static void test_bom_and_text_format_comments(void **state)
{
    (void)state;
    /* protoc skips a UTF-8 byte order mark at the start of the file. */
    Parsed *p = parse("\xef\xbb\xbfsyntax = \"proto3\";\nmessage A {}\n");
    assert_parses(p);
    assert_int_equal(p->file->syntax, SYNTAX_PROTO3);
    assert_loc(p->file->messages.items[0]->loc, p->src, 2, 1);
    parsed_free(p);
    assert_syntax_error("message A {}\n\xef\xbb\xbf\n", 2, "non-ASCII");

    /* Aggregates are text format: # starts a comment there, and only there. */
    p = parse("option (x) = { # zero\n  a: 1 # one\n  b < c: 2 > # two\n};\n");
    assert_parses(p);
    Value *v = p->file->options.items[0]->value;
    assert_int_equal(v->entries.len, 2);
    assert_string_equal(v->entries.items[1]->name, "b");
    parsed_free(p);
    /* A brace after # still closes the value, as it does for protoc. */
    p = parse("option (x) = {\n  a: 1 # one }\n};\n");
    assert_true(has_error(p, 3, "'}'"));
    assert_int_equal(p->diag.errors, 1);
    parsed_free(p);
    assert_syntax_error("message A {\n  optional int32 a = 1; # no\n}\n", 2, "stray '#'");
}

static void test_bad_bytes(void **state)
{
    (void)state;
    static const char nul[] = "syntax = \"proto3\";\nmessage A {\n\0 int32 a = 1;\n}\n";
    assert_syntax_error_(nul, sizeof nul - 1, 3, "control character", __FILE__, __LINE__);
    static const char nul_in_str[] = "option a = \"a\0b\";\n";
    assert_syntax_error_(nul_in_str, sizeof nul_in_str - 1, 1, "", __FILE__, __LINE__);
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n\x01 int32 a = 1;\n}\n", 3,
                        "control character");
    assert_syntax_error("syntax = \"proto3\";\nmessage A {\n \xc3\xa9 int32 a = 1;\n}\n", 3,
                        "non-ASCII");
    assert_syntax_error("message A {}\n\xff\xfe\n", 2, "non-ASCII");
    assert_syntax_error("message A { optional int32 a = 1 @ ; }\n", 1, "stray '@'");

    /* NUL bytes after a valid file: still an error, never the end of input. */
    static const char tail[] = "message A {}\0\0\0";
    Parsed *p = parse_bytes(tail, sizeof tail - 1);
    assert_true(p->file->parse_failed);
    assert_int_equal(p->file->messages.len, 1);
    parsed_free(p);

    /* Random bytes: errors, no crash. */
    uint64_t s = 88172645463325252ULL;
    for (int round = 0; round < 50; round++) {
        char buf[2048];
        size_t n = 1 + (size_t)(round * 37) % sizeof buf;
        for (size_t i = 0; i < n; i++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            buf[i] = (char)(s & 0xff);
        }
        p = parse_bytes(buf, n);
        assert_non_null(p->file);
        parsed_free(p);
    }

    /* Random streams of proto tokens: any verdict, no crash. */
    static const char *toks[] = { "message", "enum",     "{",       "}",      "A",        "=",
                                  "1",       ";",        "option",  "(",      ")",        "[",
                                  "]",       "<",        ">",       "\"s\"",  "-",        ".",
                                  ",",       ":",        "map",     "group",  "oneof",    "rpc",
                                  "service", "stream",   "returns", "extend", "reserved", "to",
                                  "max",     "optional", "int32",   "syntax", "import",   "package",
                                  "1.5",     "inf" };
    for (int round = 0; round < 200; round++) {
        char buf[4096];
        size_t len = 0;
        for (int i = 0; i < 200; i++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            const char *t = toks[s % (sizeof toks / sizeof toks[0])];
            size_t tl = strlen(t);
            if (len + tl + 2 >= sizeof buf)
                break;
            memcpy(buf + len, t, tl);
            len += tl;
            buf[len++] = (s >> 20) % 5 ? ' ' : '\n';
        }
        p = parse_bytes(buf, len);
        parsed_free(p);
    }
}

static void test_deep_nesting(void **state)
{
    (void)state;
    enum { N = 10000 };
    size_t cap = (size_t)N * 24 + 64;
    char *buf = malloc(cap);
    assert_non_null(buf);

    /* 10,000 nested messages */
    size_t len = (size_t)sprintf(buf, "syntax = \"proto3\";\n");
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(buf + len, "message A{");
    for (int i = 0; i < N; i++)
        buf[len++] = '}';
    Parsed *p = parse_bytes(buf, len);
    assert_true(has_error(p, 2, "nesting too deep (limit 512)"));
    /* protoc's own limit on message nesting is reported first, once. */
    assert_true(has_error(p, 2, "messages nested more than 31 deep"));
    assert_int_equal(p->diag.errors, 2);
    assert_true(p->file->parse_failed);
    parsed_free(p);

    /* protoc accepts 31 nested messages and refuses 32; so do we. */
    for (int depth = 31; depth <= 32; depth++) {
        len = 0;
        for (int i = 0; i < depth; i++)
            len += (size_t)sprintf(buf + len, "message A{");
        for (int i = 0; i < depth; i++)
            buf[len++] = '}';
        p = parse_bytes(buf, len);
        assert_int_equal(p->diag.errors, depth == 31 ? 0 : 1);
        parsed_free(p);
    }

    /* 10,000 nested aggregate values */
    len = (size_t)sprintf(buf, "option (x) = ");
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(buf + len, "{a");
    for (int i = 0; i < N; i++)
        buf[len++] = '}';
    buf[len++] = ';';
    p = parse_bytes(buf, len);
    assert_true(has_error(p, 1, "nesting too deep"));
    assert_int_equal(p->diag.errors, 1);
    parsed_free(p);

    /* 10,000 nested groups */
    len = (size_t)sprintf(buf, "message A {");
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(buf + len, "optional group G=1{");
    p = parse_bytes(buf, len);
    assert_true(has_error(p, 1, "nesting too deep"));
    parsed_free(p);

    /* 10,000 nested aggregates written with < > */
    len = (size_t)sprintf(buf, "option (x) = {");
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(buf + len, "a<");
    p = parse_bytes(buf, len);
    assert_true(has_error(p, 1, "nesting too deep"));
    assert_int_equal(p->diag.errors, 1);
    parsed_free(p);

    /* Unbalanced '<' and '[' outside aggregates are not nesting. */
    len = (size_t)sprintf(buf, "syntax = \"proto3\";\nmessage A {\n");
    for (int i = 0; i < 600; i++)
        len += (size_t)sprintf(buf + len, "  map<string, int32 m%d = 1 [a = 1;\n", i);
    len += (size_t)sprintf(buf + len, "}\n");
    p = parse_bytes(buf, len);
    assert_int_equal(p->diag.errors, 600);
    assert_false(has_error(p, 0, "too deep"));
    parsed_free(p);

    /* ... and 31 levels of messages (protoc's most) build the whole tree. */
    len = 0;
    for (int i = 0; i < 31; i++)
        len += (size_t)sprintf(buf + len, "message A%d {", i);
    for (int i = 0; i < 31; i++)
        buf[len++] = '}';
    p = parse_bytes(buf, len);
    assert_parses(p);
    Message *m = p->file->messages.items[0];
    int depth = 1;
    while (m->messages.len) {
        assert_ptr_equal(m->messages.items[0]->parent, m);
        m = m->messages.items[0];
        depth++;
    }
    assert_int_equal(depth, 31);
    assert_string_equal(m->name, "A30");
    parsed_free(p);
    free(buf);
}

static void test_large_file(void **state)
{
    (void)state;
    /* 2,000 messages with 10 fields each and a service: parses whole. */
    size_t cap = 4 << 20, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    len += (size_t)sprintf(buf + len, "syntax = \"proto3\";\npackage big;\n");
    for (int i = 0; i < 2000; i++) {
        len += (size_t)sprintf(buf + len, "message M%d {\n", i);
        for (int j = 1; j <= 10; j++)
            len += (size_t)sprintf(buf + len, "  repeated string f%d = %d [deprecated = true];\n",
                                   j, j);
        len += (size_t)sprintf(buf + len, "}\n");
    }
    len += (size_t)sprintf(buf + len, "service S {\n");
    for (int i = 0; i < 1000; i++)
        len += (size_t)sprintf(buf + len, "  rpc R%d(M%d) returns (stream M%d);\n", i, i, i + 1);
    len += (size_t)sprintf(buf + len, "}\n");
    Parsed *p = parse_bytes(buf, len);
    assert_parses(p);
    assert_int_equal(p->file->messages.len, 2000);
    assert_int_equal(p->file->messages.items[1999]->fields.len, 10);
    assert_int_equal(p->file->services.items[0]->methods.len, 1000);
    assert_loc(p->file->messages.items[1999]->loc, p->src, 3 + 1999 * 12, 1);
    parsed_free(p);
    free(buf);
}

static void test_diagnostics_text(void **state)
{
    (void)state;
    Parsed *p = parse("syntax = \"proto3\";\nmessage A {\n  int32 a = 1\n}\n");
    char *out = flush_text(p);
    assert_non_null(
        strstr(out, "t.proto:4:1: error: expected ';' after field declaration (found '}')"));
    free(out);
    parsed_free(p);
}

static void test_type_names(void **state)
{
    (void)state;
    assert_int_equal(ast_scalar_type("int32"), TYPE_INT32);
    assert_int_equal(ast_scalar_type("sfixed64"), TYPE_SFIXED64);
    assert_int_equal(ast_scalar_type("bytes"), TYPE_BYTES);
    assert_int_equal(ast_scalar_type("group"), TYPE_NONE);
    assert_int_equal(ast_scalar_type("Int32"), TYPE_NONE);
    assert_int_equal(ast_scalar_type(NULL), TYPE_NONE);
    assert_string_equal(ast_type_name(TYPE_DOUBLE), "double");
    assert_string_equal(ast_type_name(TYPE_SINT64), "sint64");
    assert_string_equal(ast_type_name(TYPE_GROUP), "group");
    assert_string_equal(ast_type_name(TYPE_MESSAGE), "message");
    assert_string_equal(ast_type_name(TYPE_ENUM), "enum");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_source_text_left_as_written),
        cmocka_unit_test(test_syntax_statement),
        cmocka_unit_test(test_package_and_imports),
        cmocka_unit_test(test_message_fields),
        cmocka_unit_test(test_proto3_fields),
        cmocka_unit_test(test_map_fields),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_oneofs),
        cmocka_unit_test(test_extends),
        cmocka_unit_test(test_reserved_and_extensions),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_option_names),
        cmocka_unit_test(test_option_values),
        cmocka_unit_test(test_aggregates),
        cmocka_unit_test(test_aggregate_huge_integers),
        cmocka_unit_test(test_aggregate_error_ends_at_balancing_brace),
        cmocka_unit_test(test_default_and_json_name_braces),
        cmocka_unit_test(test_missing_label_at_leading_dot),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_integer_literals),
        cmocka_unit_test(test_contextual_keywords),
        cmocka_unit_test(test_syntax_error_lines),
        cmocka_unit_test(test_unclosed_blocks),
        cmocka_unit_test(test_multiple_errors),
        cmocka_unit_test(test_recovery_does_not_cascade),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_bom_and_text_format_comments),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_large_file),
        cmocka_unit_test(test_diagnostics_text),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
