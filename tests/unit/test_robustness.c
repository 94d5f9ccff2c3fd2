/*
 * test_robustness.c — hostile input to the typerpc binary.
 *
 * Nothing a .proto file holds may crash, hang or leak the compiler. Each test
 * writes a generated input into a scratch directory, runs the built binary on
 * it with a hard time limit, and checks only the contract every input must
 * meet: exit status 0 (accepted) or 1 (rejected), never a signal, a usage
 * error, a sanitizer report or a timeout; and a rejection prints diagnostics:
 * its first line `file:line:col: error:` (or `warning:`), and at least one
 * error line.
 *
 * The inputs: random bytes (several seeds), random streams of proto tokens,
 * NUL bytes inside and between tokens, invalid UTF-8, a string and a block
 * comment left open at end of file, 10,000-deep nested messages and
 * aggregate option values (the parser must refuse the depth, not overflow
 * its stack), a 50 MB valid file (must succeed within the time limit), huge
 * tokens, a 10,000-file import chain, an empty file and a file of comments
 * only.
 *
 * Sanitizers report through exit statuses 1 by default, which would look
 * like an ordinary rejection; the command sets distinct ones (86, 87) so a
 * sanitizer finding can never pass for an input error.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* Per-run limit against hangs, not a timing check: the 50 MB input takes
 * ~20 s of CPU in the sanitizer builds and far longer in wall time on a
 * loaded 2-core machine, so the stop is set well above that. */
enum { TIMEOUT_SECONDS = 300 };

static char dir[64];
static int failures; /* inputs that broke the contract in the current test */

/* A growable byte buffer for building inputs. */
typedef struct Buf {
    char *data;
    size_t len, cap;
} Buf;

static void buf_add(Buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->data = realloc(b->data, cap);
        assert_non_null(b->data);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_str(Buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_printf(Buf *b, const char *fmt, ...) TRPC_PRINTF(2, 3);

static void buf_printf(Buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof tmp);
    buf_add(b, tmp, (size_t)n);
}

static void buf_free(Buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* xorshift64*: deterministic across platforms, so a failing seed reproduces. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void put_bytes(const char *name, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Run typerpc on dir/name. Returns the exit status; *out gets the output. */
static int run_typerpc(const char *name, char **out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && NO_COLOR=1 "
             "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86\" "
             "UBSAN_OPTIONS=\"${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87\" "
             "%s -I . %s",
             dir, TYPERPC_EXE, name);
    return run_command(cmd, TIMEOUT_SECONDS, out);
}

/* True when some line of `out` reads `NAME:LINE:COL: error: ...` and the
 * first line is a diagnostic (an error, or a warning sorted before it). */
static bool has_error_shape(const char *out)
{
    regex_t first, error;
    assert_int_equal(
        regcomp(&first, "^[^ :]+:[0-9]+:[0-9]+: (error|warning): ", REG_EXTENDED | REG_NOSUB), 0);
    assert_int_equal(
        regcomp(&error, "^[^ :]+:[0-9]+:[0-9]+: error: ", REG_EXTENDED | REG_NOSUB | REG_NEWLINE),
        0);
    const char *nl = strchr(out, '\n');
    size_t n = nl ? (size_t)(nl - out) : strlen(out);
    char *line = strndup(out, n);
    assert_non_null(line);
    bool ok = regexec(&first, line, 0, NULL, 0) == 0 && regexec(&error, out, 0, NULL, 0) == 0;
    free(line);
    regfree(&first);
    regfree(&error);
    return ok;
}

static void print_head(const char *what, const char *out)
{
    size_t n = strlen(out);
    fprintf(stderr, "%s: output (%zu bytes) begins:\n%.*s\n", what, n, (int)(n > 2000 ? 2000 : n),
            out);
}

typedef enum { WANT_ANY, WANT_OK, WANT_ERROR } Want;

/* Run typerpc on dir/name, which exists, and check the contract. */
static void check_file(const char *name, Want want)
{
    char *out = NULL;
    int st = run_typerpc(name, &out);
    if (!out)
        out = strdup("");
    bool bad = false;
    if (st == 124) {
        fprintf(stderr, "%s: timed out after %d s\n", name, TIMEOUT_SECONDS);
        bad = true;
    } else if (st != 0 && st != 1) {
        fprintf(stderr,
                "%s: exit status %d (want 0 or 1; 86/87 are sanitizer reports, "
                "128+N signal N)\n",
                name, st);
        bad = true;
    } else if (strstr(out, "Sanitizer") || strstr(out, "runtime error:")) {
        fprintf(stderr, "%s: sanitizer report in the output\n", name);
        bad = true;
    } else if (st == 1 && !has_error_shape(out)) {
        fprintf(stderr,
                "%s: rejected, but the output is not diagnostics with a "
                "`file:line:col: error:` line\n",
                name);
        bad = true;
    } else if (want == WANT_OK && st != 0) {
        fprintf(stderr, "%s: a valid input was rejected\n", name);
        bad = true;
    } else if (want == WANT_ERROR && st != 1) {
        fprintf(stderr, "%s: an invalid input was accepted\n", name);
        bad = true;
    }
    if (bad) {
        print_head(name, out);
        failures++;
    }
    free(out);
}

/* Write the input, run typerpc on it, check the contract, remove it. */
static void check_input(const char *name, const void *data, size_t len, Want want)
{
    put_bytes(name, data, len);
    check_file(name, want);
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

/* End a test: fail if any input in it broke the contract. Inputs are all
 * checked first (and their buffers freed), so one run names every one. */
static void end_test(const char *test)
{
    int n = failures;
    failures = 0;
    if (n)
        fail_msg("%s: typerpc broke its contract on %d hostile input(s)", test, n);
}

static void check_text(const char *name, const char *text, Want want)
{
    check_input(name, text, strlen(text), want);
}

/* ---------------------------------------------------------------------- */

static void test_random_bytes(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        uint64_t s = seed * 0x9E3779B97F4A7C15ULL;
        size_t len = 1 + (size_t)(rng_next(&s) % 65536);
        unsigned char *data = malloc(len);
        assert_non_null(data);
        for (size_t i = 0; i < len; i++)
            data[i] = (unsigned char)rng_next(&s);
        char name[64];
        snprintf(name, sizeof name, "random_%d.proto", (int)seed);
        check_input(name, data, len, WANT_ANY);
        free(data);
    }
    end_test("random_bytes");
}

/* Random bytes behind a valid header: the scanner gets past `syntax`. */
static void test_random_bytes_after_header(void **state)
{
    (void)state;
    for (uint64_t seed = 11; seed <= 14; seed++) {
        uint64_t s = seed * 0x9E3779B97F4A7C15ULL;
        Buf b = { 0 };
        buf_str(&b, "syntax = \"proto3\";\nmessage A {\n");
        for (int i = 0; i < 4096; i++) {
            char c = (char)(rng_next(&s) & 0x7f);
            buf_add(&b, &c, 1);
        }
        char name[64];
        snprintf(name, sizeof name, "header_random_%d.proto", (int)seed);
        check_input(name, b.data, b.len, WANT_ANY);
        buf_free(&b);
    }
    end_test("random_bytes_after_header");
}

/* Streams of real tokens in random order reach deep into the grammar and the
 * checker where raw bytes stop at the scanner. */
static void test_token_soup(void **state)
{
    (void)state;
    /* clang-format off */
    static const char *const tokens[] = {
        "syntax", "=", "\"proto3\"", "\"proto2\"", ";", "package", "a.b", "import",
        "\"google/protobuf/descriptor.proto\"", "\"x.proto\"", "public", "weak", "option",
        "(", ")", "(foo).bar", "message", "M", "N", "{", "}", "{", "}", "enum", "E", "V",
        "service", "S", "rpc", "R", "returns", "stream", "oneof", "o", "map", "<", ">", ",",
        "int32", "string", "bytes", "double", "repeated", "optional", "required", "group",
        "G", "extend", "extensions", "reserved", "to", "max", "1", "0", "-1", "536870912",
        "0x1F", "07", "1.5e3", "inf", "nan", "true", "false", "[", "]", "default",
        "json_name", "packed", "deprecated", "allow_alias", ":", ".", "\"\\x41\\n\"",
        "'s'", "/* c */", "// c\n", "\n", "99999999999999999999999", "-", "+", "M.N",
        ".M", "x", "_y", "FileOptions",
    };
    /* clang-format on */
    size_t ntok = sizeof tokens / sizeof tokens[0];
    for (uint64_t seed = 21; seed <= 36; seed++) {
        uint64_t s = seed * 0x9E3779B97F4A7C15ULL;
        Buf b = { 0 };
        if (seed % 2)
            buf_str(&b, "syntax = \"proto3\";\n");
        int n = 200 + (int)(rng_next(&s) % 3000);
        for (int i = 0; i < n; i++) {
            buf_str(&b, tokens[rng_next(&s) % ntok]);
            buf_str(&b, " ");
        }
        char name[64];
        snprintf(name, sizeof name, "soup_%d.proto", (int)seed);
        check_input(name, b.data, b.len, WANT_ANY);
        buf_free(&b);
    }
    end_test("token_soup");
}

static void test_nul_bytes(void **state)
{
    (void)state;
    /* Between tokens: protoc rejects control characters, so must we. */
    static const char between[] = "syntax = \"proto3\";\nmessage A\0 { int32 a = 1; }\n";
    check_input("nul_between.proto", between, sizeof between - 1, WANT_ERROR);
    /* Inside a token (an identifier cut in two). */
    static const char inside_ident[] = "syntax = \"proto3\";\nmessage Ab\0cd { int32 a = 1; }\n";
    check_input("nul_ident.proto", inside_ident, sizeof inside_ident - 1, WANT_ERROR);
    /* Inside a string literal, a comment, and as the last byte. */
    static const char in_string[] = "syntax = \"proto3\";\noption java_package = \"a\0b\";\n";
    check_input("nul_string.proto", in_string, sizeof in_string - 1, WANT_ANY);
    static const char in_comment[] = "syntax = \"proto3\";\n// a\0b\n/* c\0d */\nmessage A {}\n";
    check_input("nul_comment.proto", in_comment, sizeof in_comment - 1, WANT_ANY);
    static const char at_end[] = "syntax = \"proto3\";\nmessage A {}\n\0";
    check_input("nul_end.proto", at_end, sizeof at_end - 1, WANT_ANY);
    static const char only_nul[] = "\0\0\0\0";
    check_input("nul_only.proto", only_nul, sizeof only_nul - 1, WANT_ERROR);
    /* In the syntax string itself. */
    static const char in_syntax[] = "syntax = \"pro\0to3\";\n";
    check_input("nul_syntax.proto", in_syntax, sizeof in_syntax - 1, WANT_ERROR);
    end_test("nul_bytes");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    check_text("utf8_string.proto",
               "syntax = \"proto3\";\noption java_package = \"\xff\xfe\xc3\x28\";\n", WANT_ANY);
    check_text(
        "utf8_comment.proto",
        "syntax = \"proto3\";\n// \xc0\xaf \xed\xa0\x80 \xf8\x88\x80\x80\x80\nmessage A {}\n",
        WANT_ANY);
    check_text("utf8_ident.proto", "syntax = \"proto3\";\nmessage A\xe9t\xe9 {}\n", WANT_ERROR);
    check_text("utf8_truncated_at_eof.proto", "syntax = \"proto3\";\nmessage A {}\n\xe2\x82",
               WANT_ERROR);
    check_text("utf8_bom.proto", "\xef\xbb\xbfsyntax = \"proto3\";\nmessage A {}\n", WANT_ANY);
    check_text(
        "utf8_default.proto",
        "syntax = \"proto2\";\nmessage A { optional string s = 1 [default = \"\x80\x81\"]; }\n",
        WANT_ANY);
    end_test("invalid_utf8");
}

static void test_unterminated_at_eof(void **state)
{
    (void)state;
    check_text("open_string.proto", "syntax = \"proto3\";\noption java_package = \"abc",
               WANT_ERROR);
    check_text("open_string_escape.proto", "syntax = \"proto3\";\noption java_package = \"abc\\",
               WANT_ERROR);
    check_text("open_comment.proto", "syntax = \"proto3\";\nmessage A {}\n/* never closed",
               WANT_ERROR);
    check_text("open_comment_star.proto", "syntax = \"proto3\";\n/*", WANT_ERROR);
    check_text("open_message.proto", "syntax = \"proto3\";\nmessage A {", WANT_ERROR);
    check_text("open_syntax.proto", "syntax = \"proto3", WANT_ERROR);
    /* Found by the fuzzer: a negative number glued to an identifier as the
     * last token of an option value. */
    check_text("glued_number_at_eof.proto",
               "extend google.protobuf.FileOptions {\n}\noption (sfixed64) = -2147483true",
               WANT_ERROR);
    check_text("glued_number_at_eof_proto3.proto",
               "syntax = \"proto3\";\noption (x) = -2147483true", WANT_ERROR);
    check_text("open_hex.proto", "syntax = \"proto3\";\nmessage A { int32 a = 0x", WANT_ERROR);
    check_text("open_aggregate.proto",
               "syntax = \"proto3\";\nimport \"google/protobuf/descriptor.proto\";\n"
               "extend google.protobuf.FileOptions { string s = 50000; }\noption (s) = {",
               WANT_ERROR);
    end_test("unterminated_at_eof");
}

enum { DEEP = 10000 };

static void test_deep_messages(void **state)
{
    (void)state;
    Buf b = { 0 };
    buf_str(&b, "syntax = \"proto3\";\n");
    for (int i = 0; i < DEEP; i++)
        buf_printf(&b, "message M%d {\n", i);
    buf_str(&b, "int32 leaf = 1;\n");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, "}\n");
    check_input("deep_messages.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);

    /* The same depth left open: the error is at end of file. */
    buf_str(&b, "syntax = \"proto3\";\n");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, "message M {\n");
    check_input("deep_messages_open.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);

    /* proto2 groups nest through another rule. */
    buf_str(&b, "syntax = \"proto2\";\nmessage A {\n");
    for (int i = 0; i < DEEP; i++)
        buf_printf(&b, "optional group G%d = 1 {\n", i);
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, "}\n");
    buf_str(&b, "}\n");
    check_input("deep_groups.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);
    end_test("deep_messages");
}

static void test_deep_aggregates(void **state)
{
    (void)state;
    static const char head[] = "syntax = \"proto2\";\n"
                               "import \"google/protobuf/descriptor.proto\";\n"
                               "message Node { optional Node a = 1; repeated Node l = 2; }\n"
                               "extend google.protobuf.FileOptions { optional Node n = 50000; }\n";
    Buf b = { 0 };
    buf_str(&b, head);
    buf_str(&b, "option (n) = ");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, "{ a ");
    buf_str(&b, "{ }");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, " }");
    buf_str(&b, ";\n");
    check_input("deep_aggregate.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);

    /* Angle brackets are the text format's other message delimiters. */
    buf_str(&b, head);
    buf_str(&b, "option (n) = { a ");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, "< a ");
    buf_str(&b, "< >");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, " >");
    buf_str(&b, " };\n");
    check_input("deep_aggregate_angle.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);

    /* Lists of lists are never valid, but must not recurse without bound. */
    buf_str(&b, head);
    buf_str(&b, "option (n) = { l: ");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, "[");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, "]");
    buf_str(&b, " };\n");
    check_input("deep_list.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);

    /* Unclosed, to end of file. */
    buf_str(&b, head);
    buf_str(&b, "option (n) = ");
    for (int i = 0; i < DEEP; i++)
        buf_str(&b, "{ a ");
    check_input("deep_aggregate_open.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);
    end_test("deep_aggregates");
}

/* About 50 MB of valid proto3: many messages, each with a nested enum, a
 * reference to the one before, and a documentation comment. */
static void test_huge_valid_file(void **state)
{
    (void)state;
    Buf b = { 0 };
    buf_str(&b, "syntax = \"proto3\";\npackage huge;\n\n");
    const size_t target = 50u * 1024 * 1024;
    for (int i = 0; b.len < target; i++) {
        buf_printf(&b,
                   "// M%d carries a comment like real documentation, so the file is as\n"
                   "// heavy on the scanner as on the resolver.\n"
                   "message M%d {\n"
                   "  enum Kind { M%d_UNKNOWN = 0; M%d_A = 1; }\n"
                   "  string name = 1;\n"
                   "  int64 id = 2 [deprecated = true];\n"
                   "  repeated string tags = 3;\n"
                   "  Kind kind = 4;\n",
                   i, i, i, i);
        if (i > 0)
            buf_printf(&b, "  M%d prev = 5;\n", i - 1);
        buf_str(&b, "}\n");
    }
    buf_str(&b, "service Huge { rpc Get(M0) returns (M1); }\n");
    check_input("huge.proto", b.data, b.len, WANT_OK);
    buf_free(&b);
    end_test("huge_valid_file");
}

static void test_huge_tokens(void **state)
{
    (void)state;
    Buf b = { 0 };
    /* A 1 MB identifier: valid. */
    buf_str(&b, "syntax = \"proto3\";\nmessage ");
    for (int i = 0; i < 1 << 20; i++)
        buf_add(&b, "a", 1);
    buf_str(&b, " {}\n");
    check_input("long_ident.proto", b.data, b.len, WANT_OK);
    buf_free(&b);

    /* A 4 MB string literal: valid. */
    buf_str(&b, "syntax = \"proto3\";\noption java_package = \"");
    for (int i = 0; i < 4 << 20; i++)
        buf_add(&b, "x", 1);
    buf_str(&b, "\";\n");
    check_input("long_string.proto", b.data, b.len, WANT_OK);
    buf_free(&b);

    /* A 100,000-digit number: out of range. */
    buf_str(&b, "syntax = \"proto3\";\nmessage A { int32 a = ");
    for (int i = 0; i < 100000; i++)
        buf_add(&b, "9", 1);
    buf_str(&b, "; }\n");
    check_input("long_number.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);
    end_test("huge_tokens");
}

/* Many errors in one file must be reported in bounded (near-linear) time:
 * each error's notes point back at one early line, which a diagnostics
 * printer that rescans the source per message turns quadratic. */
static void test_many_errors(void **state)
{
    (void)state;
    Buf b = { 0 };

    /* 100,000 syntax errors. */
    buf_str(&b, "syntax = \"proto3\";\nmessage A {\n");
    for (int i = 0; i < 100000; i++)
        buf_str(&b, "  int32 = ;\n");
    buf_str(&b, "}\n");
    check_input("many_errors.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);

    /* 100,000 duplicate fields, each with a note at the first one. */
    buf_str(&b, "syntax = \"proto3\";\nmessage A {\n");
    for (int i = 0; i < 100000; i++)
        buf_str(&b, "  int32 a = 1;\n");
    buf_str(&b, "}\n");
    check_input("many_duplicates.proto", b.data, b.len, WANT_ERROR);
    buf_free(&b);
    end_test("many_errors");
}

/* A 10,000-file import chain: loading must not recurse without bound
 * (protoc 3.21 overflows its stack here). Valid, or one error; never a
 * crash. A 1,000-file cycle must be reported as a cycle. */
static void test_import_chain(void **state)
{
    (void)state;
    enum { CHAIN = 10000, CYCLE = 1000 };
    for (int i = 0; i < CHAIN; i++) {
        char name[64], text[256];
        snprintf(name, sizeof name, "chain_%d.proto", i);
        if (i + 1 < CHAIN)
            snprintf(text, sizeof text,
                     "syntax = \"proto3\";\nimport \"chain_%d.proto\";\nmessage M%d {}\n", i + 1,
                     i);
        else
            snprintf(text, sizeof text, "syntax = \"proto3\";\nmessage M%d {}\n", i);
        put_bytes(name, text, strlen(text));
    }
    check_file("chain_0.proto", WANT_ANY);

    for (int i = 0; i < CYCLE; i++) {
        char name[64], text[256];
        snprintf(name, sizeof name, "cycle_%d.proto", i);
        snprintf(text, sizeof text, "syntax = \"proto3\";\nimport \"cycle_%d.proto\";\n",
                 (i + 1) % CYCLE);
        put_bytes(name, text, strlen(text));
    }
    check_file("cycle_0.proto", WANT_ERROR);

    /* One file importing the same 1,000 files, each also importing all the
     * files after it: many paths to the same file, each loaded once. */
    for (int i = 0; i < 1000; i++) {
        char name[64];
        snprintf(name, sizeof name, "fan_%d.proto", i);
        Buf b = { 0 };
        buf_str(&b, "syntax = \"proto3\";\n");
        for (int j = i + 1; j < 1000 && j < i + 50; j++)
            buf_printf(&b, "import \"fan_%d.proto\";\n", j);
        buf_printf(&b, "message F%d {}\n", i);
        put_bytes(name, b.data, b.len);
        buf_free(&b);
    }
    check_file("fan_0.proto", WANT_OK);
    end_test("import_chain");
}

static void test_empty_and_comments(void **state)
{
    (void)state;
    check_text("empty.proto", "", WANT_OK);
    check_text("only_newlines.proto", "\n\n\n", WANT_OK);
    check_text("only_comments.proto",
               "// line comment\n/* block\n * comment */\n// another\n/**/ /***/ //\n", WANT_OK);
    check_text("only_comment_no_newline.proto", "// no newline at the end", WANT_OK);
    check_text("only_semicolons.proto", ";;;;\n", WANT_OK);
    check_text("only_cr.proto", "\r\r\r", WANT_OK);
    end_test("empty_and_comments");
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/typerpc-robust-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_random_bytes_after_header),
        cmocka_unit_test(test_token_soup),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_unterminated_at_eof),
        cmocka_unit_test(test_deep_messages),
        cmocka_unit_test(test_deep_aggregates),
        cmocka_unit_test(test_huge_tokens),
        cmocka_unit_test(test_many_errors),
        cmocka_unit_test(test_huge_valid_file),
        cmocka_unit_test(test_import_chain),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
