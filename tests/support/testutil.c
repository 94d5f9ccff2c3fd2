/*
 * testutil.c — compile .proto text in-process for the cmocka tests, and run
 * commands with a time limit for the tests that drive the typerpc binary.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    /* Make the parent directories of nested virtual names. */
    for (char *p = path + strlen(dir) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0700);
            *p = '/';
        }
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        fprintf(stderr, "testutil: cannot write %s: %s\n", path, strerror(errno));
        abort();
    }
    fwrite(text, 1, strlen(text), fp);
    fclose(fp);
}

TestCompile *test_compile(const TestFile *files, size_t n)
{
    TestCompile *tc = calloc(1, sizeof *tc);
    assert_non_null(tc);
    snprintf(tc->dir, sizeof tc->dir, "/tmp/typerpc-test-XXXXXX");
    assert_non_null(mkdtemp(tc->dir));
    for (size_t i = 0; i < n; i++)
        write_file(tc->dir, files[i].name, files[i].text);

    char *text = NULL;
    size_t text_len = 0;
    FILE *out = open_memstream(&text, &text_len);
    tc->arena = arena_new();
    diag_init(&tc->diag, tc->arena, out, false);
    compiler_init(&tc->compiler, tc->arena, &tc->diag);
    VEC_PUSH(tc->arena, &tc->compiler.import_paths, arena_strdup(tc->arena, tc->dir));
    /* Debian's libprotobuf-dev installs descriptor.proto there; custom
     * options need it, exactly as they need -I/usr/include with protoc. */
    VEC_PUSH(tc->arena, &tc->compiler.import_paths, "/usr/include");

    char *path = arena_printf(tc->arena, "%s/%s", tc->dir, files[0].name);
    tc->file = load_input(&tc->compiler, path);
    if (tc->diag.errors == 0) {
        resolve_all(&tc->compiler);
        tc->resolved = true;
    }
    tc->errors = tc->diag.errors;
    tc->warnings = tc->diag.warnings;
    diag_flush(&tc->diag);
    fclose(out);
    tc->diag_text = text;
    return tc;
}

TestCompile *test_compile_text(const char *text)
{
    TestFile f = { "test.proto", text };
    return test_compile(&f, 1);
}

void test_compile_free(TestCompile *tc)
{
    if (!tc)
        return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tc->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "testutil: could not remove %s\n", tc->dir);
    arena_free(tc->arena);
    free(tc->diag_text);
    free(tc);
}

int compile_errors(const char *text, char **diag_text)
{
    TestCompile *tc = test_compile_text(text);
    int errors = tc->errors;
    if (diag_text)
        *diag_text = strdup(tc->diag_text ? tc->diag_text : "");
    test_compile_free(tc);
    return errors;
}

/* True if the diagnostics hold an error on `line` whose text contains needle. */
static bool has_error(const char *diag, int line, const char *needle)
{
    const char *p = diag;
    while (p && *p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char buf[1024];
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        /* "name:LINE:COL: error: text" */
        char *err = strstr(buf, ": error: ");
        if (err) {
            char *colon = strchr(buf, ':');
            if (colon && atoi(colon + 1) == line && strstr(err + 9, needle))
                return true;
        }
        p = eol ? eol + 1 : NULL;
    }
    return false;
}

void assert_compile_error_(const char *text, int line, const char *needle, const char *file,
                           int src_line)
{
    TestCompile *tc = test_compile_text(text);
    bool ok = tc->errors > 0 && has_error(tc->diag_text, line, needle);
    if (!ok) {
        print_error("expected an error on line %d containing \"%s\"; got %d error(s):\n%s\n",
                    line, needle, tc->errors, tc->diag_text ? tc->diag_text : "");
    }
    test_compile_free(tc);
    if (!ok)
        _fail(file, src_line);
}

void assert_compiles_(const char *text, const char *file, int src_line)
{
    TestCompile *tc = test_compile_text(text);
    bool ok = tc->errors == 0;
    if (!ok)
        print_error("expected no error; got %d:\n%s\n", tc->errors,
                    tc->diag_text ? tc->diag_text : "");
    test_compile_free(tc);
    if (!ok)
        _fail(file, src_line);
}

void test_list_add(TestList *list, struct CMUnitTest test)
{
    if (list->len == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 64;
        list->items = realloc(list->items, list->cap * sizeof *list->items);
        if (!list->items)
            abort();
    }
    list->items[list->len++] = test;
}

static void run_error_case(void **state)
{
    const ErrorCase *c = *state;
    assert_compile_error(c->text, c->line, c->needle);
}

static void run_ok_case(void **state)
{
    const OkCase *c = *state;
    assert_compiles(c->text);
}

void test_list_add_error_cases(TestList *list, const ErrorCase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        test_list_add(list, (struct CMUnitTest){ cases[i].name, run_error_case, NULL, NULL,
                                                 (void *)&cases[i] });
}

void test_list_add_ok_cases(TestList *list, const OkCase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        test_list_add(list, (struct CMUnitTest){ cases[i].name, run_ok_case, NULL, NULL,
                                                 (void *)&cases[i] });
}

int test_list_run(TestList *list, const char *group)
{
    int failed = _cmocka_run_group_tests(group, list->items, list->len, NULL, NULL);
    free(list->items);
    memset(list, 0, sizeof *list);
    return failed;
}

static char *shell_quote(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 4 + 3);
    char *p = out;
    *p++ = '\'';
    for (; *s; s++) {
        if (*s == '\'') {
            memcpy(p, "'\\''", 4);
            p += 4;
        } else {
            *p++ = *s;
        }
    }
    *p++ = '\'';
    *p = '\0';
    return out;
}

int run_command(const char *cmd, int timeout_seconds, char **output)
{
    char *quoted = shell_quote(cmd);
    size_t len = strlen(quoted) + 128;
    char *full = malloc(len);
    /* timeout(1) answers 124 when the limit is hit; the shell reports a
     * signal death as 128+N. */
    snprintf(full, len, "timeout -k 5 %d sh -c %s 2>&1", timeout_seconds, quoted);
    free(quoted);
    FILE *fp = popen(full, "r");
    free(full);
    if (!fp)
        return -1;
    char *buf = NULL;
    size_t buf_len = 0;
    FILE *mem = open_memstream(&buf, &buf_len);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(mem);
    int status = pclose(fp);
    if (output)
        *output = buf;
    else
        free(buf);
    if (status == -1)
        return -1;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}
