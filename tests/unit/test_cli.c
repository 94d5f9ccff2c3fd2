/*
 * test_cli.c — the typerpc command line as a build system sees it: flags,
 * exit statuses (0 ok, 1 input error, 2 usage), protoc's -I rules for
 * inputs and imports, that a check-only run writes nothing, and that the
 * dependency file names exactly the files a run writes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char dir[64];

static void put(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (char *p = path + strlen(dir) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0700);
            *p = '/';
        }
    }
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Run typerpc with `args` inside the scratch directory. */
static int typerpc(const char *args, char **out)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && NO_COLOR=1 %s %s", dir, TYPERPC_EXE, args);
    return run_command(cmd, 60, out);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/typerpc-cli-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    put("ok.proto", "syntax = \"proto3\";\npackage p;\nmessage A { int32 x = 1; }\n");
    put("lib/dep.proto", "syntax = \"proto3\";\npackage lib;\nmessage D { string s = 1; }\n");
    put("src/use.proto", "syntax = \"proto3\";\nimport \"dep.proto\";\n"
                         "message U { lib.D d = 1; }\n");
    put("bad.proto", "syntax = \"proto3\";\nmessage A { int32 x = 1 }\n");
    put("cycle_a.proto", "syntax = \"proto3\";\nimport \"cycle_b.proto\";\n");
    put("cycle_b.proto", "syntax = \"proto3\";\nimport \"cycle_a.proto\";\n");
    put("missing_import.proto", "syntax = \"proto3\";\n\nimport \"nowhere.proto\";\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_version_and_help(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(typerpc("--version", &out), 0);
    assert_non_null(strstr(out, "typerpc " TYPERPC_VERSION));
    free(out);
    assert_int_equal(typerpc("--help", &out), 0);
    assert_non_null(strstr(out, "--proto_path"));
    assert_non_null(strstr(out, "--c_out"));
    assert_non_null(strstr(out, "--dependency_out"));
    free(out);
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(typerpc("", &out), 2);
    assert_non_null(strstr(out, "no input files"));
    free(out);
    assert_int_equal(typerpc("--frobnicate ok.proto", &out), 2);
    assert_non_null(strstr(out, "unknown option '--frobnicate'"));
    free(out);
    assert_int_equal(typerpc("ok.proto -I", &out), 2);
    free(out);
    assert_int_equal(typerpc("--dependency_out=deps ok.proto", &out), 2);
    free(out);
}

static void test_valid_file_exit_0_and_silent(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(typerpc("ok.proto", &out), 0);
    assert_string_equal(out, "");
    free(out);
    /* All spellings of the import root flag. */
    assert_int_equal(typerpc("-I lib -I src src/use.proto", &out), 0);
    free(out);
    assert_int_equal(typerpc("-Ilib -Isrc src/use.proto", &out), 0);
    free(out);
    assert_int_equal(typerpc("--proto_path=lib --proto_path src src/use.proto", &out), 0);
    free(out);
    /* A virtual name found on the roots is accepted as an input, as protoc does. */
    assert_int_equal(typerpc("-I lib -I src use.proto", &out), 0);
    free(out);
}

/* protoc finds the well-known types without -I (it adds the include folder
 * beside its executable); so does typerpc, after the user's roots, and the
 * user's own copy on an earlier root still wins. */
static void test_well_known_types_without_include_flag(void **state)
{
    (void)state;
    if (access("/usr/include/google/protobuf/timestamp.proto", R_OK) != 0) {
        skip(); /* libprotobuf-dev is not installed */
    }
    put("wkt.proto", "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\n"
                     "message W { google.protobuf.Timestamp t = 1; }\n");
    char *out = NULL;
    assert_int_equal(typerpc("wkt.proto", &out), 0);
    assert_string_equal(out, "");
    free(out);
    /* A copy on the user's root is the one read: this one is broken. */
    put("mine/google/protobuf/timestamp.proto", "syntax = \"proto3\";\nmessage {\n");
    assert_int_equal(typerpc("-I . -I mine wkt.proto", &out), 1);
    assert_non_null(strstr(out, "mine/google/protobuf/timestamp.proto:2:"));
    free(out);
    /* A missing import still names only the user's roots. */
    assert_int_equal(typerpc("missing_import.proto", &out), 1);
    assert_non_null(strstr(out, "searched the import root '.'"));
    free(out);
}

static void test_input_errors_exit_1(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(typerpc("bad.proto", &out), 1);
    assert_non_null(strstr(out, "bad.proto:2:"));
    assert_non_null(strstr(out, ": error: "));
    free(out);
    assert_int_equal(typerpc("nosuch.proto", &out), 1);
    assert_non_null(strstr(out, "nosuch.proto"));
    free(out);
    /* The import cannot be found without -I lib. */
    assert_int_equal(typerpc("-I src src/use.proto", &out), 1);
    assert_non_null(strstr(out, "use.proto:2:"));
    free(out);
    /* An input outside every root. */
    assert_int_equal(typerpc("-I lib ok.proto", &out), 1);
    assert_non_null(strstr(out, "not under any import root"));
    free(out);
    assert_int_equal(typerpc("missing_import.proto", &out), 1);
    assert_non_null(strstr(out, "missing_import.proto:3:"));
    assert_non_null(strstr(out, "'nowhere.proto' not found"));
    free(out);
    assert_int_equal(typerpc("cycle_a.proto", &out), 1);
    assert_non_null(strstr(out, "cycle_a.proto -> cycle_b.proto -> cycle_a.proto"));
    free(out);
    assert_int_equal(typerpc("--c_out=nodir ok.proto", &out), 1);
    free(out);
}

static void test_shadowed_input(void **state)
{
    (void)state;
    char *out = NULL;
    put("r1/x.proto", "syntax = \"proto3\";\n");
    put("r2/x.proto", "syntax = \"proto3\";\n");
    assert_int_equal(typerpc("-I r1 -I r2 r2/x.proto", &out), 1);
    assert_non_null(strstr(out, "shadowed"));
    free(out);
    assert_int_equal(typerpc("-I r1 -I r2 r1/x.proto", &out), 0);
    free(out);
}

static void test_check_only_writes_nothing(void **state)
{
    (void)state;
    char *out = NULL;
    put("quiet/.keep", "");
    assert_int_equal(typerpc("ok.proto", &out), 0);
    free(out);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls -A %s/quiet", dir);
    assert_int_equal(run_command(cmd, 10, &out), 0);
    assert_string_equal(out, ".keep\n");
    free(out);
}

static void test_c_out_and_dependency_file(void **state)
{
    (void)state;
    char *out = NULL;
    put("gen/.keep", "");
    assert_int_equal(
        typerpc("--c_out=gen --dependency_out=gen/use.d -I lib -I src src/use.proto", &out), 0);
    free(out);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cd %s && ls gen && cat gen/use.d", dir);
    assert_int_equal(run_command(cmd, 10, &out), 0);
    /* Only the input is generated; the rule names it and every file read. */
    assert_non_null(strstr(out, "use.pb-c.h\n"));
    assert_non_null(strstr(out, "use.pb-c.c\n"));
    assert_null(strstr(out, "dep.pb-c"));
    assert_non_null(strstr(out, "gen/use.pb-c.h \\\n gen/use.pb-c.c:"));
    assert_non_null(strstr(out, "src/use.proto"));
    assert_non_null(strstr(out, "lib/dep.proto"));
    free(out);
    /* An error in the input writes nothing. */
    put("gen2/.keep", "");
    assert_int_equal(typerpc("--c_out=gen2 bad.proto", &out), 1);
    free(out);
    snprintf(cmd, sizeof cmd, "ls -A %s/gen2", dir);
    assert_int_equal(run_command(cmd, 10, &out), 0);
    assert_string_equal(out, ".keep\n");
    free(out);
}

/* The targets of the make rule in `text` (up to its first ':'), unescaped
 * as make reads them, each a malloc'd string; returns how many. */
static size_t depfile_targets(const char *text, char **out, size_t max)
{
    size_t n = 0;
    char name[512];
    size_t len = 0;
    for (const char *p = text;; p++) {
        bool end = *p == '\0' || *p == ':';
        if (end || *p == ' ' || *p == '\n' || (*p == '\\' && p[1] == '\n')) {
            if (len) {
                assert_true(n < max);
                name[len] = '\0';
                out[n++] = strdup(name);
                len = 0;
            }
            if (end)
                return n;
            if (*p == '\\')
                p++;
            continue;
        }
        if ((*p == '\\' && (p[1] == ' ' || p[1] == '#' || p[1] == '\\')) ||
            (*p == '$' && p[1] == '$'))
            p++;
        assert_true(len + 1 < sizeof name);
        name[len++] = *p;
    }
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run typerpc with --c_out=OUT_FLAG and check that the dependency file names
 * exactly the files written under OUT_DIR (OUT_FLAG without a leading "./"):
 * names from .proto and .protodevel files in nested folders, a file with
 * services (four outputs), one without (two), and one marked
 * (pb_c_file).no_generate (none). */
static void check_depfile_matches_output(const char *out_flag, const char *out_dir)
{
    char *out = NULL;
    char args[1024];
    snprintf(args, sizeof args,
             "--c_out=%s --dependency_out=%s.d -I deps -I /usr/include deps/a/b/svc.proto "
             "deps/a/b/devel.protodevel deps/c/plain.proto deps/c/nogen.proto",
             out_flag, out_dir);
    assert_int_equal(typerpc(args, &out), 0);
    free(out);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd %s && cat %s.d", dir, out_dir);
    assert_int_equal(run_command(cmd, 10, &out), 0);
    char *named[16];
    size_t n_named = depfile_targets(out, named, 16);
    /* The prerequisites: every .proto file read, the .protodevel one too. */
    assert_non_null(strstr(out, "deps/a/b/devel.protodevel"));
    assert_non_null(strstr(out, "/usr/include/protobuf-c/protobuf-c.proto"));
    free(out);

    snprintf(cmd, sizeof cmd, "cd %s && find %s -type f", dir, out_dir);
    assert_int_equal(run_command(cmd, 10, &out), 0);
    char *written[16];
    size_t n_written = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        assert_true(n_written < 16);
        written[n_written++] = strdup(line);
    }
    free(out);

    qsort(named, n_named, sizeof *named, by_string);
    qsort(written, n_written, sizeof *written, by_string);
    assert_int_equal(n_named, 10);
    assert_int_equal(n_written, n_named);
    for (size_t i = 0; i < n_named; i++)
        assert_string_equal(named[i], written[i]);
    /* The extension goes whole, .protodevel as .proto (protoc-c's rule). */
    char want[128];
    snprintf(want, sizeof want, "%s/a/b/devel.trpc.c", out_dir);
    assert_non_null(bsearch(&(const char *){ want }, named, n_named, sizeof *named, by_string));
    for (size_t i = 0; i < n_named; i++) {
        free(named[i]);
        free(written[i]);
    }

    /* The generated files include each other by the same names. */
    snprintf(cmd, sizeof cmd,
             "cd %s/%s/a/b && grep -q '^#include \"a/b/devel.pb-c.h\"' devel.pb-c.c && "
             "grep -q '^#include \"a/b/svc.pb-c.h\"' devel.pb-c.h && "
             "grep -q '^#include \"a/b/devel.pb-c.h\"' devel.trpc.h && "
             "grep -q '^#include \"a/b/devel.trpc.h\"' devel.trpc.c",
             dir, out_dir);
    assert_int_equal(run_command(cmd, 10, &out), 0);
    free(out);
}

static void test_dependency_file_names_what_is_written(void **state)
{
    (void)state;
    put("deps/a/b/svc.proto", "syntax = \"proto3\";\npackage a.b;\n"
                              "message Req { string s = 1; }\n"
                              "service Svc { rpc Call(Req) returns (Req); }\n");
    put("deps/a/b/devel.protodevel", "syntax = \"proto3\";\npackage a.b;\n"
                                     "import \"a/b/svc.proto\";\n"
                                     "message Dev { Req r = 1; }\n"
                                     "service DevSvc { rpc Go(Dev) returns (Req); }\n");
    put("deps/c/plain.proto", "syntax = \"proto2\";\nmessage Plain { optional int32 x = 1; }\n");
    put("deps/c/nogen.proto", "syntax = \"proto2\";\n"
                              "import \"protobuf-c/protobuf-c.proto\";\n"
                              "option (pb_c_file).no_generate = true;\n"
                              "message NoGen { optional int32 x = 1; }\n");
    char cmd[256];
    char *out = NULL;
    snprintf(cmd, sizeof cmd, "cd %s && mkdir out1 out2 out3", dir);
    assert_int_equal(run_command(cmd, 10, &out), 0);
    free(out);
    check_depfile_matches_output("out1", "out1");
    check_depfile_matches_output("out2/", "out2");
    /* protoc writes ./x as x in the rule; the files are the same. */
    check_depfile_matches_output("./out3", "out3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_and_help),
        cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_valid_file_exit_0_and_silent),
        cmocka_unit_test(test_well_known_types_without_include_flag),
        cmocka_unit_test(test_input_errors_exit_1),
        cmocka_unit_test(test_shadowed_input),
        cmocka_unit_test(test_check_only_writes_nothing),
        cmocka_unit_test(test_c_out_and_dependency_file),
        cmocka_unit_test(test_dependency_file_names_what_is_written),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
