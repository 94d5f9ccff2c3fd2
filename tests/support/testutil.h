/*
 * testutil.h — helpers shared by the cmocka test programs.
 *
 * Tests compile .proto text in-process, the way the driver does (load every
 * file from a fresh temporary -I root, then resolve), and look at the model
 * and at the diagnostics text a user would see.
 */
#ifndef TYPERPC_TESTUTIL_H
#define TYPERPC_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compiler.h"

typedef struct TestFile {
    const char *name;   /* virtual name, e.g. "a.proto" or "dir/b.proto" */
    const char *text;
} TestFile;

typedef struct TestCompile {
    Arena *arena;
    Diag diag;
    Compiler compiler;
    File *file;         /* the first file (the input), or NULL if it failed to load */
    int errors;         /* diag.errors after parse and resolve */
    int warnings;
    bool resolved;      /* resolve_all ran (no parse or load error before it) */
    char *diag_text;    /* everything diag_flush printed, without colour */
    char dir[64];       /* the temporary -I root */
} TestCompile;

/* Write files into a fresh temporary directory, load files[0] (and whatever
 * it imports) with that directory as the only -I root, and resolve if loading
 * found no error. Never NULL. Free with test_compile_free. */
TestCompile *test_compile(const TestFile *files, size_t n);

/* The same for one file named "test.proto". */
TestCompile *test_compile_text(const char *text);

/* Remove the temporary directory and free everything. NULL is a no-op. */
void test_compile_free(TestCompile *tc);

/* Shorthand: compile `text` as test.proto and return the number of errors;
 * if diag_text is not NULL it receives a malloc'd copy of the diagnostics. */
int compile_errors(const char *text, char **diag_text);

/* Assert that compiling `text` gives at least one error whose line is `line`
 * and whose message contains `needle`; prints the diagnostics on failure. */
#define assert_compile_error(text, line, needle) \
    assert_compile_error_((text), (line), (needle), __FILE__, __LINE__)
void assert_compile_error_(const char *text, int line, const char *needle,
                           const char *file, int src_line);

/* Assert that compiling `text` gives no error (warnings are allowed). */
#define assert_compiles(text) assert_compiles_((text), __FILE__, __LINE__)
void assert_compiles_(const char *text, const char *file, int src_line);

/* Table-driven tests: one cmocka test per row, named after the row. */
typedef struct ErrorCase {
    const char *name;
    int line;           /* the line the (first) error must be on */
    const char *needle; /* text the error message must contain */
    const char *text;   /* the whole test.proto */
} ErrorCase;

typedef struct OkCase {
    const char *name;
    const char *text;   /* a test.proto that must compile without error */
} OkCase;

typedef struct TestList {
    struct CMUnitTest *items;
    size_t len;
    size_t cap;
} TestList;

void test_list_add(TestList *list, struct CMUnitTest test);
/* One test per row: assert_compile_error(text, line, needle). */
void test_list_add_error_cases(TestList *list, const ErrorCase *cases, size_t n);
/* One test per row: assert_compiles(text). */
void test_list_add_ok_cases(TestList *list, const OkCase *cases, size_t n);
/* Run every test in the list as one cmocka group, free the list, and return
 * the number of failures (main's exit status). */
int test_list_run(TestList *list, const char *group);

/* Run a shell command with a time limit in seconds; capture stdout and
 * stderr together into *output (malloc'd, may be NULL if not wanted).
 * Returns the exit status, 128+signal if killed, or 124 on timeout. */
int run_command(const char *cmd, int timeout_seconds, char **output);

#endif
