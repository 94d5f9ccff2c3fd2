/*
 * test_plugin.c — protoc-gen-typerpc under protoc writes exactly what
 * `typerpc --c_out` writes: for every case of the corpus (corpus.h) and the
 * examples, `protoc --plugin=protoc-gen-typerpc=... --typerpc_out=B` and
 * `typerpc --c_out=A` on the same command line give the same files, byte
 * for byte. Then the plugin's manners: a parameter is an error reported
 * through protoc, and input that is not a CodeGeneratorRequest fails
 * cleanly.
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
#include <sys/wait.h>
#include <unistd.h>

#include "corpus.h"

/* Run typerpc (plugin == false) or protoc with the plugin into out. */
static int generate(const Case *c, bool plugin, const char *out, const char *log,
                    const char *param)
{
    char *argv[24];
    size_t n = 0;
    char *plugin_arg = xprintf("--plugin=protoc-gen-typerpc=%s", PLUGIN_EXE);
    char *out_arg = plugin ? xprintf("--typerpc_out=%s%s%s", param ? param : "",
                                     param ? ":" : "", out)
                           : xprintf("--c_out=%s", out);
    argv[n++] = plugin ? PROTOC_EXE : TYPERPC_EXE;
    if (plugin)
        argv[n++] = plugin_arg;
    for (size_t i = 0; i < c->nargs; i++)
        argv[n++] = c->args[i];
    argv[n++] = out_arg;
    argv[n] = NULL;
    int status = run_in(c->cwd, argv, log);
    free(plugin_arg);
    free(out_arg);
    return status;
}

static void add_examples(CaseList *l)
{
    static const char *const examples[][2] = {
        { "helloworld", "helloworld.proto" }, { "shop", "checkout.proto" },
        { "shop", "inventory.proto" },        { "shop", "payments.proto" },
        { "shop", "users.proto" },
    };
    for (size_t i = 0; i < sizeof examples / sizeof *examples; i++) {
        if (l->len == l->cap) {
            l->cap = l->cap * 2 + 8;
            l->items = realloc(l->items, l->cap * sizeof *l->items);
        }
        Case c = { .label = xprintf("examples/%s/%s", examples[i][0], examples[i][1]),
                   .cwd = xprintf("%s/%s", EXAMPLES_DIR, examples[i][0]) };
        c.args[c.nargs++] = strdup("-I.");
        c.args[c.nargs++] = strdup(examples[i][1]);
        l->items[l->len++] = c;
    }
}

static void test_corpus(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *log = xprintf("%s/log", dir);
    CaseList cases = corpus_cases(false);
    add_examples(&cases);
    size_t compared = 0, mismatches = 0, rejected = 0;
    for (size_t i = 0; i < cases.len; i++) {
        const Case *c = &cases.items[i];
        char *a = xprintf("%s/c_out", dir), *b = xprintf("%s/plugin_out", dir);
        rm_rf(a);
        rm_rf(b);
        if (mkdir_p(a) != 0 || mkdir_p(b) != 0)
            fail_msg("cannot make %s", a);
        int direct = generate(c, false, a, log, NULL);
        int plugged = generate(c, true, b, log, NULL);
        if (direct != 0 && plugged != 0) {
            rejected++; /* an invalid case (an import Debian does not ship) */
        } else {
            compared++;
            char *diff = direct == 0 && plugged == 0
                             ? tree_diff(a, b)
                             : xprintf("typerpc exit %d, protoc with the plugin exit %d", direct,
                                       plugged);
            if (diff) {
                mismatches++;
                size_t len = 0;
                char *out = slurp(log, &len);
                print_message("MISMATCH %s: %s\n%.*s", c->label, diff,
                              (int)(len < 600 ? len : 600), out ? out : "");
                free(out);
                free(diff);
            }
        }
        free(a);
        free(b);
    }
    print_message("plugin: %zu cases compared, %zu mismatches, %zu rejected by both\n",
                  compared, mismatches, rejected);
    corpus_free(&cases);
    rm_rf(dir);
    free(log);
    free(dir);
    assert_true(compared > 150);
    assert_int_equal(mismatches, 0);
}

/* The plugin takes no parameter: protoc fails with the plugin's message. */
static void test_parameter_is_an_error(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *log = xprintf("%s/log", dir);
    Case c = { .label = "helloworld", .cwd = EXAMPLES_DIR "/helloworld" };
    c.args[c.nargs++] = "-I.";
    c.args[c.nargs++] = "helloworld.proto";
    assert_int_not_equal(generate(&c, true, dir, log, "lite"), 0);
    size_t len = 0;
    char *out = slurp(log, &len);
    assert_non_null(out);
    out = realloc(out, len + 1);
    out[len] = '\0';
    assert_non_null(strstr(out, "takes no parameter"));
    free(out);
    rm_rf(dir);
    free(log);
    free(dir);
}

/* Not a CodeGeneratorRequest on stdin: a message and exit status 1, no crash. */
static void test_bad_request(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *junk = xprintf("%s/junk", dir), *log = xprintf("%s/log", dir);
    FILE *fp = fopen(junk, "wb");
    assert_non_null(fp);
    fputs("\xff\xff\xff\xff not a request", fp);
    fclose(fp);
    char *cmd = xprintf("'%s' < '%s' > '%s' 2>&1", PLUGIN_EXE, junk, log);
    int status = system(cmd);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    size_t len = 0;
    char *out = slurp(log, &len);
    assert_non_null(out);
    assert_true(len > 0);
    free(out);
    free(cmd);
    rm_rf(dir);
    free(junk);
    free(log);
    free(dir);
}

/* A real request (dumped by a stand-in plugin) with random bytes changed
 * or cut: the plugin answers or refuses, never crashes (under the test
 * build's sanitizers a report counts as a crash). */
static void test_mutated_requests(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char *dump = xprintf("%s/protoc-gen-dump", dir), *req = xprintf("%s/request", dir);
    FILE *fp = fopen(dump, "w");
    assert_non_null(fp);
    fprintf(fp, "#!/bin/sh\ncat > '%s'\n", req);
    fclose(fp);
    assert_int_equal(chmod(dump, 0755), 0);
    char *plugin_arg = xprintf("--plugin=protoc-gen-dump=%s", dump);
    char *out_arg = xprintf("--dump_out=%s", dir);
    char *argv[] = { PROTOC_EXE, plugin_arg, "-I.", "-I" PROTOBUF_INCLUDE, out_arg,
                     "comments_bom_crlf_everything.proto", "proto3_options_any_maps.proto",
                     NULL };
    /* protoc then fails (the stand-in declares no proto3 optional support),
     * but the request has been dumped. */
    run_in(CASES_DIR, argv, NULL);
    size_t len = 0;
    char *orig = slurp(req, &len);
    assert_non_null(orig);
    assert_true(len > 100);

    setenv("ASAN_OPTIONS", "exitcode=86", 0);
    setenv("UBSAN_OPTIONS", "exitcode=87:print_stacktrace=1", 0);
    char *mutant = xprintf("%s/mutant", dir), *log = xprintf("%s/log", dir);
    char *cmd = xprintf("'%s' < '%s' > /dev/null 2> '%s'", PLUGIN_EXE, mutant, log);
    unsigned seed = 12345;
    int crashes = 0;
    for (int i = 0; i < 300; i++) {
        char *copy = malloc(len);
        memcpy(copy, orig, len);
        size_t n = len;
        seed = seed * 1103515245u + 12345u;
        if (i % 5 == 4) {
            n = (seed >> 8) % len; /* cut short */
        } else {
            for (int k = 0; k < 1 + i % 4; k++) {
                seed = seed * 1103515245u + 12345u;
                copy[(seed >> 8) % len] = (char)(seed >> 20);
            }
        }
        fp = fopen(mutant, "wb");
        assert_non_null(fp);
        fwrite(copy, 1, n, fp);
        fclose(fp);
        free(copy);
        int status = system(cmd);
        if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
            crashes++;
            size_t ll = 0;
            char *out = slurp(log, &ll);
            print_message("mutant %d: status %d\n%.*s", i, status, (int)(ll < 800 ? ll : 800),
                          out ? out : "");
            free(out);
        }
    }
    assert_int_equal(crashes, 0);
    free(orig);
    free(cmd);
    free(mutant);
    free(log);
    free(plugin_arg);
    free(out_arg);
    free(dump);
    free(req);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameter_is_an_error),
        cmocka_unit_test(test_bad_request),
        cmocka_unit_test(test_mutated_requests),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
