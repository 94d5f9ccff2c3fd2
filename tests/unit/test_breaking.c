/*
 * test_breaking.c — `typerpc breaking` run as a user runs it, on the pairs
 * in tests/breaking/.
 *
 * Each directory there is one case: old.proto and new.proto (file mode) or
 * old/ and new/ (directory mode), and an `expect` file. Its first line is
 * the exit status; every further line is `FILE:LINE: TEXT`, one per
 * expected error: some error printed at FILE:LINE (FILE matched as the end
 * of the printed path; `-` for an error with no location) must contain
 * TEXT. The case fails on a missing error and on any error not listed, so
 * each pair pins down exactly what the rule reports. The command line's own
 * errors (usage, invalid inputs) are tested at the end.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define CASES_DIR TESTS_DIR "/breaking"

typedef struct Expected {
    char file[256]; /* "" for an error without a location */
    int line;
    char text[512];
    bool seen;
} Expected;

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(fp);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Parse one `FILE:LINE: TEXT` or `-: TEXT` line of an expect file. */
static bool parse_expect_line(const char *s, Expected *e)
{
    memset(e, 0, sizeof *e);
    if (strncmp(s, "-: ", 3) == 0) {
        snprintf(e->text, sizeof e->text, "%s", s + 3);
        return true;
    }
    const char *colon = strchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof e->file)
        return false;
    memcpy(e->file, s, (size_t)(colon - s));
    char *end;
    e->line = (int)strtol(colon + 1, &end, 10);
    if (end == colon + 1 || strncmp(end, ": ", 2) != 0)
        return false;
    snprintf(e->text, sizeof e->text, "%s", end + 2);
    return true;
}

/* Does one printed error line match an expectation? `msg` is the whole line
 * ("path:L:C: error: text" or "typerpc: error: text"). */
static bool error_matches(const char *msg, const Expected *e)
{
    const char *err = strstr(msg, ": error: ");
    if (!err)
        return false;
    if (!strstr(err, e->text))
        return false;
    if (e->file[0] == '\0')
        return strncmp(msg, "typerpc: error: ", 16) == 0;
    char want[300];
    snprintf(want, sizeof want, "%.255s:%d:", e->file, e->line);
    const char *at = strstr(msg, want);
    /* The file must end the printed path: at the start, or after a '/'. */
    return at && at < err && (at == msg || at[-1] == '/');
}

static void run_case(void **state)
{
    const char *name = *state;
    char path[1024], cmd[2048];
    snprintf(path, sizeof path, "%s/%s/expect", CASES_DIR, name);
    char *expect = read_text(path);
    assert_non_null(expect);

    snprintf(path, sizeof path, "%s/%s/old.proto", CASES_DIR, name);
    struct stat st;
    bool file_mode = stat(path, &st) == 0;
    snprintf(cmd, sizeof cmd, "cd %s/%s && NO_COLOR=1 %s breaking --against %s", CASES_DIR, name,
             TYPERPC_EXE, file_mode ? "old.proto new.proto" : "old new");
    char *out = NULL;
    int status = run_command(cmd, 60, &out);
    assert_non_null(out);

    int want_status = atoi(expect);
    Expected exp[64];
    size_t n_exp = 0;
    char *line = strchr(expect, '\n');
    while (line && line[1]) {
        char *next = strchr(line + 1, '\n');
        if (next)
            *next = '\0';
        assert_true(n_exp < 64);
        if (!parse_expect_line(line + 1, &exp[n_exp]))
            fail_msg("%s/expect: bad line '%s'", name, line + 1);
        n_exp++;
        line = next;
    }

    char *shown = strdup(out); /* the scan below cuts `out` into lines */
    assert_non_null(shown);
    bool ok = status == want_status;
    if (!ok)
        print_error("%s: exit status %d, expected %d\n", name, status, want_status);
    /* Every error printed must be expected, and every expectation met. */
    for (char *msg = out; msg && *msg;) {
        char *eol = strchr(msg, '\n');
        if (eol)
            *eol = '\0';
        if (strstr(msg, ": error: ") && strncmp(msg, "typerpc breaking:", 17) != 0) {
            bool matched = false;
            for (size_t k = 0; k < n_exp && !matched; k++) {
                if (!exp[k].seen && error_matches(msg, &exp[k]))
                    exp[k].seen = matched = true;
            }
            if (!matched) {
                print_error("%s: unexpected error: %s\n", name, msg);
                ok = false;
            }
        }
        msg = eol ? eol + 1 : NULL;
    }
    for (size_t k = 0; k < n_exp; k++) {
        if (!exp[k].seen) {
            print_error("%s: missing error at %s:%d containing '%s'\n", name,
                        exp[k].file[0] ? exp[k].file : "-", exp[k].line, exp[k].text);
            ok = false;
        }
    }
    if (!ok)
        print_error("--- output of: %s\n%s---\n", cmd, shown);
    free(shown);
    free(out);
    free(expect);
    assert_true(ok);
}

/* Every error comes with a note at its place in the old version. */
static void test_notes_point_at_old(void **state)
{
    (void)state;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s/field_removed && NO_COLOR=1 %s breaking --against old.proto new.proto",
             CASES_DIR, TYPERPC_EXE);
    char *out = NULL;
    assert_int_equal(run_command(cmd, 60, &out), 1);
    const char *err = strstr(out, "new.proto:5:9: error: ");
    assert_non_null(err);
    const char *note = strstr(err, "old.proto:7:3: note: field 'note' was declared here");
    assert_non_null(note);
    assert_non_null(strstr(out, "typerpc breaking: 1 breaking change\n"));
    free(out);
}

/* A file compared with itself: nothing to report, nothing printed. */
static void test_identical_is_silent(void **state)
{
    (void)state;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cd %s/safe_additions && %s breaking --against new.proto new.proto",
             CASES_DIR, TYPERPC_EXE);
    char *out = NULL;
    assert_int_equal(run_command(cmd, 60, &out), 0);
    assert_string_equal(out, "");
    free(out);
}

static int brk(const char *args, char **out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && NO_COLOR=1 %s breaking %s", CASES_DIR, TYPERPC_EXE, args);
    return run_command(cmd, 60, out);
}

static void test_usage(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(brk("--help", &out), 0);
    assert_non_null(strstr(out, "--against"));
    assert_non_null(strstr(out, "--against_proto_path"));
    free(out);
    assert_int_equal(brk("field_removed/new.proto", &out), 2);
    assert_non_null(strstr(out, "--against OLD is required"));
    free(out);
    assert_int_equal(brk("--against field_removed/old.proto", &out), 2);
    assert_non_null(strstr(out, "no NEW"));
    free(out);
    assert_int_equal(brk("--against=field_removed/old.proto a.proto b.proto", &out), 2);
    free(out);
    assert_int_equal(brk("--frobnicate --against x y", &out), 2);
    assert_non_null(strstr(out, "unknown option '--frobnicate'"));
    free(out);
    /* A file against a directory. */
    assert_int_equal(brk("--against dir_mode/old/orders.proto dir_mode/new", &out), 2);
    assert_non_null(strstr(out, "both be files or both be directories"));
    free(out);
    assert_int_equal(brk("--against nosuch.proto field_removed/new.proto", &out), 1);
    assert_non_null(strstr(out, "nosuch.proto"));
    free(out);
    /* The main command's help mentions the subcommand. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --help", TYPERPC_EXE);
    assert_int_equal(run_command(cmd, 60, &out), 0);
    assert_non_null(strstr(out, "typerpc breaking --against OLD"));
    free(out);
}

/* Explicit roots: -I for NEW, --against_proto_path for OLD. */
static void test_explicit_roots(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(brk("--against dir_mode/old/orders.proto --against_proto_path dir_mode/old "
                         "-I dir_mode/new dir_mode/new/orders.proto",
                         &out),
                     1);
    assert_non_null(strstr(out, "dir_mode/new/orders.proto:7:9: error: field 'note'"));
    free(out);
    assert_int_equal(brk("--against=dir_safe/old --against_proto_path=dir_safe/old "
                         "--proto_path=dir_safe/new dir_safe/new",
                         &out),
                     0);
    free(out);
    /* Without the roots that hold its import, a side fails to load. */
    assert_int_equal(brk("--against dir_mode/old/orders.proto --against_proto_path dir_mode "
                         "-I dir_mode/new dir_mode/new/orders.proto",
                         &out),
                     1);
    assert_non_null(strstr(out, "old version"));
    free(out);
}

/* Either side with errors: they are printed, and the side is named. */
static void test_side_with_errors(void **state)
{
    (void)state;
    char dir[] = "/tmp/typerpc-brk-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/bad.proto", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("syntax = \"proto3\";\nmessage A { int32 x = 1 }\n", fp);
    fclose(fp);
    snprintf(path, sizeof path, "%s/good.proto", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("syntax = \"proto3\";\nmessage A { int32 x = 1; }\n", fp);
    fclose(fp);

    char cmd[1024];
    char *out = NULL;
    snprintf(cmd, sizeof cmd, "cd %s && NO_COLOR=1 %s breaking --against bad.proto good.proto", dir,
             TYPERPC_EXE);
    assert_int_equal(run_command(cmd, 60, &out), 1);
    assert_non_null(strstr(out, "bad.proto:2:"));
    assert_non_null(strstr(out, "the old version (--against bad.proto) has errors"));
    free(out);
    snprintf(cmd, sizeof cmd, "cd %s && NO_COLOR=1 %s breaking --against good.proto bad.proto", dir,
             TYPERPC_EXE);
    assert_int_equal(run_command(cmd, 60, &out), 1);
    assert_non_null(strstr(out, "the new version (bad.proto) has errors"));
    free(out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static int compare_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    TestList list = { 0 };
    /* One test per case directory, in name order. */
    DIR *d = opendir(CASES_DIR);
    if (!d) {
        fprintf(stderr, "cannot open %s\n", CASES_DIR);
        return 1;
    }
    char *names[512];
    size_t n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL && n < 512) {
        if (ent->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/expect", CASES_DIR, ent->d_name);
        struct stat st;
        if (stat(path, &st) == 0)
            names[n++] = strdup(ent->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_str);
    for (size_t i = 0; i < n; i++)
        test_list_add(&list, (struct CMUnitTest){ .name = names[i],
                                                  .test_func = run_case,
                                                  .initial_state = names[i] });
    test_list_add(&list, (struct CMUnitTest)cmocka_unit_test(test_notes_point_at_old));
    test_list_add(&list, (struct CMUnitTest)cmocka_unit_test(test_identical_is_silent));
    test_list_add(&list, (struct CMUnitTest)cmocka_unit_test(test_usage));
    test_list_add(&list, (struct CMUnitTest)cmocka_unit_test(test_explicit_roots));
    test_list_add(&list, (struct CMUnitTest)cmocka_unit_test(test_side_with_errors));
    int failures = test_list_run(&list, "breaking");
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return failures;
}
