/*
 * test_diag.c — diagnostics: format, source line and caret, ordering, notes,
 * colour, and hostile source lines (very long, control bytes, tabs).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct Capture {
    Arena *arena;
    Diag diag;
    FILE *out;
    char *text;
    size_t len;
} Capture;

static void capture_open(Capture *cap, bool color)
{
    memset(cap, 0, sizeof *cap);
    cap->arena = arena_new();
    cap->out = open_memstream(&cap->text, &cap->len);
    diag_init(&cap->diag, cap->arena, cap->out, color);
}

static const char *capture_flush(Capture *cap)
{
    diag_flush(&cap->diag);
    fflush(cap->out);
    return cap->text;
}

static void capture_close(Capture *cap)
{
    fclose(cap->out);
    free(cap->text);
    arena_free(cap->arena);
}

static Source *make_source(Arena *arena, const char *name, const char *text, int index)
{
    Source *src = arena_alloc(arena, sizeof *src);
    src->name = arena_strdup(arena, name);
    src->disk_path = src->name;
    src->len = strlen(text);
    src->text = arena_strndup(arena, text, src->len);
    src->index = index;
    return src;
}

static void test_format_with_caret(void **state)
{
    (void)state;
    Capture cap;
    capture_open(&cap, false);
    Source *src = make_source(cap.arena, "a.proto",
                              "syntax = \"proto3\";\nmessage M {\n  int32 x = 0;\n}\n", 0);
    diag_error(&cap.diag, (Loc){ src, 3, 13 }, "field number %d is out of range", 0);
    const char *out = capture_flush(&cap);
    assert_string_equal(out, "a.proto:3:13: error: field number 0 is out of range\n"
                             "    3 |   int32 x = 0;\n"
                             "      |             ^\n");
    assert_int_equal(cap.diag.errors, 1);
    capture_close(&cap);
}

static void test_source_order_and_notes(void **state)
{
    (void)state;
    Capture cap;
    capture_open(&cap, false);
    Source *a = make_source(cap.arena, "a.proto", "l1\nl2\nl3\nl4\n", 0);
    Source *b = make_source(cap.arena, "b.proto", "b1\n", 1);
    /* Emitted out of order; the note belongs to the line-4 error and must
     * follow it even though it points at line 1. */
    diag_error(&cap.diag, (Loc){ b, 1, 1 }, "in b");
    diag_error(&cap.diag, (Loc){ a, 4, 1 }, "second");
    diag_note(&cap.diag, (Loc){ a, 1, 2 }, "earlier here");
    diag_warning(&cap.diag, (Loc){ a, 2, 1 }, "first");
    const char *out = capture_flush(&cap);
    const char *w = strstr(out, "a.proto:2:1: warning: first");
    const char *e = strstr(out, "a.proto:4:1: error: second");
    const char *n = strstr(out, "a.proto:1:2: note: earlier here");
    const char *bb = strstr(out, "b.proto:1:1: error: in b");
    assert_non_null(w);
    assert_non_null(e);
    assert_non_null(n);
    assert_non_null(bb);
    assert_true(w < e && e < n && n < bb);
    assert_int_equal(cap.diag.errors, 2);
    assert_int_equal(cap.diag.warnings, 1);
    capture_close(&cap);
}

static void test_no_location(void **state)
{
    (void)state;
    Capture cap;
    capture_open(&cap, false);
    diag_error(&cap.diag, (Loc){ 0 }, "x.proto: No such file or directory");
    assert_string_equal(capture_flush(&cap),
                        "typerpc: error: x.proto: No such file or directory\n");
    capture_close(&cap);
}

static void test_color_only_when_asked(void **state)
{
    (void)state;
    Capture cap;
    capture_open(&cap, true);
    Source *src = make_source(cap.arena, "a.proto", "x\n", 0);
    diag_error(&cap.diag, (Loc){ src, 1, 1 }, "boom");
    assert_non_null(strstr(capture_flush(&cap), "\033[1;31merror:"));
    capture_close(&cap);

    capture_open(&cap, false);
    src = make_source(cap.arena, "a.proto", "x\n", 0);
    diag_error(&cap.diag, (Loc){ src, 1, 1 }, "boom");
    assert_null(strchr(capture_flush(&cap), '\033'));
    capture_close(&cap);
}

static void test_tabs_and_control_bytes(void **state)
{
    (void)state;
    Capture cap;
    capture_open(&cap, false);
    /* A tab before the error column is copied so the caret lines up; a
     * control byte is shown as '?'. */
    Source *src = make_source(cap.arena, "t.proto", "\tab\001c\n", 0);
    diag_error(&cap.diag, (Loc){ src, 1, 4 }, "bad byte");
    assert_string_equal(capture_flush(&cap), "t.proto:1:4: error: bad byte\n"
                                             "    1 | \tab?c\n"
                                             "      | \t  ^\n");
    capture_close(&cap);
}

static void test_long_line_is_windowed(void **state)
{
    (void)state;
    Capture cap;
    capture_open(&cap, false);
    size_t n = 100000;
    char *line = malloc(n + 2);
    memset(line, 'x', n);
    line[50000] = '@';
    line[n] = '\n';
    line[n + 1] = '\0';
    Source *src = make_source(cap.arena, "long.proto", line, 0);
    free(line);
    diag_error(&cap.diag, (Loc){ src, 1, 50001 }, "stray '@'");
    const char *out = capture_flush(&cap);
    /* The printed context stays small and the caret sits under the '@'. */
    assert_true(strlen(out) < 600);
    const char *src_line = strchr(out, '\n') + 1;
    const char *caret_line = strchr(src_line, '\n') + 1;
    const char *at = strchr(src_line, '@');
    const char *caret = strchr(caret_line, '^');
    assert_non_null(at);
    assert_non_null(caret);
    assert_int_equal(at - src_line, caret - caret_line);
    capture_close(&cap);
}

static void test_line_past_end(void **state)
{
    (void)state;
    Capture cap;
    capture_open(&cap, false);
    /* An error at end of file (line after the last newline) has an empty
     * source line, not garbage. */
    Source *src = make_source(cap.arena, "e.proto", "message M {\n", 0);
    diag_error(&cap.diag, (Loc){ src, 2, 1 }, "expected '}'");
    diag_error(&cap.diag, (Loc){ src, 9, 1 }, "beyond");
    const char *out = capture_flush(&cap);
    assert_non_null(strstr(out, "e.proto:2:1: error: expected '}'\n    2 | \n"));
    assert_non_null(strstr(out, "e.proto:9:1: error: beyond\n"));
    capture_close(&cap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_with_caret),
        cmocka_unit_test(test_source_order_and_notes),
        cmocka_unit_test(test_no_location),
        cmocka_unit_test(test_color_only_when_asked),
        cmocka_unit_test(test_tabs_and_control_bytes),
        cmocka_unit_test(test_long_line_is_windowed),
        cmocka_unit_test(test_line_past_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
