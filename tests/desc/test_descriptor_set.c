/*
 * test_descriptor_set.c — `typerpc --descriptor_set_out` is byte for byte
 * `protoc --descriptor_set_out` (protoc 3.21, the oracle), over the whole
 * corpus (corpus.h), with and without --include_imports and
 * --include_source_info; several inputs at once, too. Every mismatch is
 * listed before the test fails; 0 is the bar. A few checks of the command
 * line follow: protoc's spellings of the flag, /dev/null as the output, and
 * the descriptor set named in the dependency file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"

static const char *const flag_sets[][2] = {
    { NULL, NULL },
    { "--include_imports", NULL },
    { "--include_source_info", NULL },
    { "--include_imports", "--include_source_info" },
};

/* Run exe (protoc or typerpc) on the case with the flags, writing the set
 * to out; returns the exit status. */
static int describe(const char *exe, const Case *c, size_t flags, const char *out,
                    const char *log)
{
    char *argv[24];
    size_t n = 0;
    argv[n++] = (char *)exe;
    for (size_t i = 0; i < c->nargs; i++)
        argv[n++] = c->args[i];
    for (size_t i = 0; i < 2; i++)
        if (flag_sets[flags][i])
            argv[n++] = (char *)flag_sets[flags][i];
    char *o = xprintf("--descriptor_set_out=%s", out);
    argv[n++] = o;
    argv[n] = NULL;
    int status = run_in(c->cwd, argv, log);
    free(o);
    return status;
}

static bool same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *da = slurp(a, &la), *db = slurp(b, &lb);
    bool same = da && db && la == lb && memcmp(da, db, la) == 0;
    free(da);
    free(db);
    return same;
}

static void test_corpus(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *want = xprintf("%s/protoc.pb", dir), *got = xprintf("%s/typerpc.pb", dir);
    char *log = xprintf("%s/log", dir);
    CaseList cases = corpus_cases(true);
    size_t compared = 0, mismatches = 0, skipped = 0;
    for (size_t i = 0; i < cases.len; i++) {
        const Case *c = &cases.items[i];
        for (size_t f = 0; f < sizeof flag_sets / sizeof *flag_sets; f++) {
            if (describe(PROTOC_EXE, c, f, want, NULL) != 0) {
                skipped++; /* protoc rejects it: not a valid case */
                break;
            }
            remove(got);
            int status = describe(TYPERPC_EXE, c, f, got, log);
            compared++;
            if (status == 0 && same_file(want, got))
                continue;
            mismatches++;
            size_t len = 0;
            char *out = slurp(log, &len);
            print_message("MISMATCH %s %s %s (typerpc exit %d)\n%.*s", c->label,
                          flag_sets[f][0] ? flag_sets[f][0] : "",
                          flag_sets[f][1] ? flag_sets[f][1] : "", status,
                          (int)(len < 600 ? len : 600), out ? out : "");
            free(out);
        }
    }
    print_message("descriptor sets: %zu compared, %zu mismatches, %zu cases protoc rejects\n",
                  compared, mismatches, skipped);
    corpus_free(&cases);
    rm_rf(dir);
    free(want);
    free(got);
    free(log);
    free(dir);
    assert_true(compared > 500);
    assert_int_equal(mismatches, 0);
}

/* -o FILE, -oFILE and --descriptor_set_out FILE mean the same; /dev/null
 * stays the device it is (the set is written, not renamed into place). */
static void test_flag_spellings(void **state)
{
    (void)state;
    char *dir = temp_dir();
    const char *input = "helloworld.proto";
    const char *cwd = EXAMPLES_DIR "/helloworld";
    char *a = xprintf("%s/a.pb", dir), *b = xprintf("%s/b.pb", dir), *c = xprintf("%s/c.pb", dir);
    char *ob = xprintf("-o%s", b);
    char *argv_a[] = { TYPERPC_EXE, "-I.", "-o", a, (char *)input, NULL };
    char *argv_b[] = { TYPERPC_EXE, "-I.", ob, (char *)input, NULL };
    char *argv_c[] = { TYPERPC_EXE, "-I.", "--descriptor_set_out", c, (char *)input, NULL };
    char *argv_null[] = { TYPERPC_EXE, "-I.", "-o", "/dev/null", "--include_source_info",
                          (char *)input, NULL };
    assert_int_equal(run_in(cwd, argv_a, NULL), 0);
    assert_int_equal(run_in(cwd, argv_b, NULL), 0);
    assert_int_equal(run_in(cwd, argv_c, NULL), 0);
    assert_true(same_file(a, b));
    assert_true(same_file(a, c));
    assert_int_equal(run_in(cwd, argv_null, NULL), 0);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));

    /* The set's flags need the set; protoc's usage errors are ours too. */
    char *argv_bad[] = { TYPERPC_EXE, "-I.", "--include_imports", (char *)input, NULL };
    assert_int_equal(run_in(cwd, argv_bad, NULL), 2);
    rm_rf(dir);
    free(a);
    free(b);
    free(c);
    free(ob);
    free(dir);
}

/* --dependency_out names the descriptor set as a target, as protoc does,
 * and works without --c_out. */
static void test_dependency_file(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *set = xprintf("%s/set.pb", dir), *dep = xprintf("%s/set.d", dir);
    char *dep_arg = xprintf("--dependency_out=%s", dep);
    char *argv[] = { TYPERPC_EXE, "-I.", "-o", set, dep_arg, "helloworld.proto", NULL };
    assert_int_equal(run_in(EXAMPLES_DIR "/helloworld", argv, NULL), 0);
    size_t len = 0;
    char *text = slurp(dep, &len);
    assert_non_null(text);
    char *want = xprintf("%s:", set);
    assert_non_null(strstr(text, want));
    assert_non_null(strstr(text, "helloworld.proto"));
    free(text);
    free(want);
    rm_rf(dir);
    free(set);
    free(dep);
    free(dep_arg);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flag_spellings),
        cmocka_unit_test(test_dependency_file),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
