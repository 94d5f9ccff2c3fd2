/*
 * test_gen_trpc.c — the service generator (compiler/gen/gen_trpc*.c).
 *
 *   golden       tests/runtime/proto/{echo,helloworld}.proto through the
 *                typerpc binary give tests/runtime/gen/NAME.trpc.[ch] byte for
 *                byte (TYPERPC_UPDATE_GOLDEN=1 rewrites them). The golden
 *                files began as the hand-written reference of
 *                docs/runtime.md; the generator's first output had the same
 *                C tokens, comments and whitespace aside.
 *   skip         a file without services gets no .trpc files, and the
 *                dependency file names .trpc outputs only where they exist
 *   deterministic  two runs write the same bytes
 *   compiles     awkward inputs (no package, a nested folder, imported
 *                message types, every call kind, methods named Serve, Int,
 *                Foo/foo, a service with no methods, c_package) generate
 *                code that compiles with -std=c11 -Wall -Wextra -Werror on
 *                gcc and, if installed, clang
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#ifndef PROTOBUF_INCLUDE
#define PROTOBUF_INCLUDE "/usr/include" /* google/protobuf/ and protobuf-c/ .proto files */
#endif

static char tmp[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/typerpc-trpc-XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    size_t got = fread(s, 1, (size_t)n, fp);
    s[got] = '\0';
    fclose(fp);
    return s;
}

static void spit(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Run a shell command; fail the test (printing its output) unless it exits 0. */
static void must_run(const char *fmt, ...) TRPC_PRINTF(1, 2);

static void must_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char *out = NULL;
    int rc = run_command(cmd, 120, &out);
    if (rc != 0) {
        print_error("command failed (%d): %s\n%s\n", rc, cmd, out ? out : "");
        free(out);
        fail();
    }
    free(out);
}

/* Whether two texts are the same; if not, print the first differing line. */
static bool same_text(const char *what, const char *want, const char *got)
{
    if (strcmp(want, got) == 0)
        return true;
    int line = 1;
    const char *a = want, *b = got;
    while (*a && *a == *b) {
        if (*a == '\n')
            line++;
        a++;
        b++;
    }
    const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
    print_error("%s differs at line %d:\n  want: %.*s\n  got:  %.*s\n"
                "(run with TYPERPC_UPDATE_GOLDEN=1 to accept the new output)\n",
                what, line, ea ? (int)(ea - a) : (int)strlen(a), a,
                eb ? (int)(eb - b) : (int)strlen(b), b);
    return false;
}

static void test_golden(void **state)
{
    (void)state;
    bool update = getenv("TYPERPC_UPDATE_GOLDEN") != NULL;
    must_run("rm -rf %s/g && mkdir -p %s/g && %s -I%s/runtime/proto --c_out=%s/g "
             "%s/runtime/proto/echo.proto %s/runtime/proto/helloworld.proto",
             tmp, tmp, TYPERPC_EXE, TESTS_DIR, tmp, TESTS_DIR, TESTS_DIR);
    static const char *const names[] = { "echo.trpc.h", "echo.trpc.c", "helloworld.trpc.h",
                                         "helloworld.trpc.c" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char gen[512], gold[512];
        snprintf(gen, sizeof gen, "%s/g/%s", tmp, names[i]);
        snprintf(gold, sizeof gold, "%s/runtime/gen/%s", TESTS_DIR, names[i]);
        char *a = slurp(gen);
        assert_non_null(a);
        if (update)
            spit(gold, a);
        char *b = slurp(gold);
        if (!b) {
            free(a);
            print_error("missing golden file %s (run with TYPERPC_UPDATE_GOLDEN=1)\n", gold);
            fail();
        }
        bool same = same_text(gold, b, a);
        free(a);
        free(b);
        if (!same)
            fail();
    }
}

static void test_deterministic(void **state)
{
    (void)state;
    must_run("rm -rf %s/d1 %s/d2 && mkdir -p %s/d1 %s/d2 && "
             "%s -I%s/runtime/proto --c_out=%s/d1 %s/runtime/proto/echo.proto && "
             "%s -I%s/runtime/proto --c_out=%s/d2 %s/runtime/proto/echo.proto && "
             "cmp %s/d1/echo.trpc.h %s/d2/echo.trpc.h && cmp %s/d1/echo.trpc.c %s/d2/echo.trpc.c",
             tmp, tmp, tmp, tmp, TYPERPC_EXE, TESTS_DIR, tmp, TESTS_DIR, TYPERPC_EXE, TESTS_DIR,
             tmp, TESTS_DIR, tmp, tmp, tmp, tmp);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    must_run("mkdir -p '%s'", path);
    *slash = '/';
    spit(path, text);
}

static void test_skip_without_services(void **state)
{
    (void)state;
    char dir[256], out[256], path[512];
    snprintf(dir, sizeof dir, "%s/skip", tmp);
    snprintf(out, sizeof out, "%s/skip-out", tmp);
    must_run("rm -rf %s %s && mkdir -p %s %s", dir, out, dir, out);
    write_file(dir, "plain.proto", "syntax = \"proto3\";\nmessage M { int32 a = 1; }\n");
    write_file(dir, "svc.proto",
               "syntax = \"proto3\";\nimport \"plain.proto\";\n"
               "service S { rpc Get(M) returns (M); }\n");
    must_run("cd %s && %s --c_out=%s --dependency_out=%s/deps plain.proto svc.proto", dir,
             TYPERPC_EXE, out, out);
    snprintf(path, sizeof path, "%s/plain.pb-c.h", out);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/plain.trpc.h", out);
    assert_false(exists(path));
    snprintf(path, sizeof path, "%s/plain.trpc.c", out);
    assert_false(exists(path));
    snprintf(path, sizeof path, "%s/svc.trpc.h", out);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/deps", out);
    char *deps = slurp(path);
    assert_non_null(deps);
    assert_non_null(strstr(deps, "/svc.trpc.h"));
    assert_non_null(strstr(deps, "/svc.trpc.c"));
    assert_non_null(strstr(deps, "/plain.pb-c.h"));
    assert_null(strstr(deps, "/plain.trpc"));
    free(deps);
}

/* Awkward but valid services: the generated code must compile cleanly. */
static const char *const awkward_common =
    "syntax = \"proto3\";\n"
    "package deep.pkg;\n"
    "message Msg { string s = 1; }\n";

static const char *const awkward =
    "syntax = \"proto3\";\n"
    "package a_b.c;\n"
    "import \"common/types.proto\";\n"
    "message Req { int32 x = 1; }\n"
    "message Rep { int32 y = 1; }\n"
    "service Kinds {\n"
    "  rpc Unary(Req) returns (Rep);\n"
    "  rpc ServerStream(Req) returns (stream Rep);\n"
    "  rpc ClientStream(stream Req) returns (Rep);\n"
    "  rpc Bidi(stream .deep.pkg.Msg) returns (stream deep.pkg.Msg);\n"
    "}\n"
    "service Names {\n"
    "  rpc Serve(Req) returns (Rep);\n"
    "  rpc Int(Req) returns (Rep);\n"
    "  rpc Foo(Req) returns (Rep);\n"
    "  rpc foo(Req) returns (Rep);\n"
    "  rpc TrpcMethods(stream Req) returns (stream Rep);\n"
    "  rpc HTTPGet(Req) returns (Rep);\n"
    "}\n"
    "service Empty {}\n"
    "service names {\n"
    "  rpc Get(Req) returns (Rep);\n"
    "}\n";

static const char *const nopkg =
    "syntax = \"proto2\";\n"
    "message Req { optional int32 x = 1; }\n"
    "service Plain { rpc Call(Req) returns (Req); }\n";

static const char *const cpkg =
    "syntax = \"proto3\";\n"
    "package orig.name;\n"
    "import \"protobuf-c/protobuf-c.proto\";\n"
    "option (pb_c_file).c_package = \"renamed\";\n"
    "message Req { int32 x = 1; }\n"
    "service Svc { rpc Call(Req) returns (Req); }\n";

/* A program that uses one method of each kind of the Kinds service. */
static const char *const use_kinds =
    "#include \"a/awkward.trpc.h\"\n"
    "#include \"plain.trpc.h\"\n"
    "#include \"cpkg.trpc.h\"\n"
    "static trpc_status unary(trpc_call *call, const AB__C__Req *req, AB__C__Rep *reply,\n"
    "                         void *user)\n"
    "{ (void)call; (void)req; (void)reply; (void)user; return TRPC_STATUS_OK; }\n"
    "static trpc_status bidi(trpc_call *call, const Deep__Pkg__Msg *req,\n"
    "                        AB__C__Kinds_Bidi_Writer *out, void *user)\n"
    "{ (void)call; (void)user; return req ? a_b__c__kinds__bidi__write(out, req) : 0; }\n"
    "int use(trpc_server *srv, trpc_channel *ch);\n"
    "int use(trpc_server *srv, trpc_channel *ch)\n"
    "{\n"
    "    static const AB__C__Kinds_Impl kinds = { .unary = unary, .bidi = bidi };\n"
    "    static const AB__C__Names_Impl names = { .serve = 0, .int_ = 0, .foo = 0,\n"
    "                                               .foo_ = 0, .trpc_methods = 0,\n"
    "                                               .httpget = 0 };\n"
    "    static const AB__C__Names__Impl names2 = { .get = 0 };\n"
    "    static const AB__C__Empty_Impl empty = { 0 };\n"
    "    int n = a_b__c__kinds__serve(srv, &kinds, NULL);\n"
    "    n += a_b__c__names__serve_(srv, &names, NULL);\n"
    "    n += a_b__c__names___serve(srv, &names2, NULL);\n"
    "    n += a_b__c__empty__serve(srv, &empty, NULL);\n"
    "    AB__C__Req req = A_B__C__REQ__INIT;\n"
    "    AB__C__Rep *rep;\n"
    "    n += (int)a_b__c__names__foo__call(ch, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names__foo___call(ch, &req, &rep, NULL);\n"
    "    AB__C__Names_TrpcMethods_Call *tm;\n"
    "    n += a_b__c__names__trpc_methods__start(ch, NULL, &tm);\n"
    "    AB__C__Kinds_ClientStream_Call *cs;\n"
    "    n += a_b__c__kinds__client_stream__start(ch, NULL, &cs);\n"
    "    n += a_b__c__kinds__client_stream__send(cs, &req);\n"
    "    n += (int)a_b__c__kinds__client_stream__finish(cs, &rep);\n"
    "    Req preq = REQ__INIT;\n"
    "    Req *prep;\n"
    "    n += (int)plain__call__call(ch, &preq, &prep, NULL);\n"
    "    Renamed__Req rreq = RENAMED__REQ__INIT;\n"
    "    Renamed__Req *rrep;\n"
    "    n += (int)renamed__svc__call__call(ch, &rreq, &rrep, NULL);\n"
    "    return n;\n"
    "}\n";

static void compile_with(const char *cc, const char *out)
{
    must_run("cd %s && %s -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes "
             "-Wmissing-prototypes -Werror -c -I%s -I%s/../include "
             "$(pkg-config --cflags libprotobuf-c) a/awkward.trpc.c plain.trpc.c cpkg.trpc.c "
             "use.c a/awkward.pb-c.c common/types.pb-c.c plain.pb-c.c cpkg.pb-c.c",
             out, cc, out, TESTS_DIR);
}

static void test_awkward_compiles(void **state)
{
    (void)state;
    char dir[256], out[256], path[512];
    snprintf(dir, sizeof dir, "%s/awk", tmp);
    snprintf(out, sizeof out, "%s/awk-out", tmp);
    must_run("rm -rf %s %s && mkdir -p %s %s", dir, out, dir, out);
    write_file(dir, "common/types.proto", awkward_common);
    write_file(dir, "a/awkward.proto", awkward);
    write_file(dir, "plain.proto", nopkg);
    write_file(dir, "cpkg.proto", cpkg);
    write_file(out, "use.c", use_kinds);
    must_run("cd %s && %s -I. -I%s --c_out=%s a/awkward.proto plain.proto cpkg.proto "
             "common/types.proto",
             dir, TYPERPC_EXE, PROTOBUF_INCLUDE, out);
    snprintf(path, sizeof path, "%s/cpkg.trpc.c", out);
    char *src = slurp(path);
    assert_non_null(src);
    /* The path keeps the package as written; C names use c_package. */
    assert_non_null(strstr(src, "\"/orig.name.Svc/Call\""));
    assert_non_null(strstr(src, "renamed__svc__trpc_methods"));
    free(src);
    snprintf(path, sizeof path, "%s/plain.trpc.c", out);
    src = slurp(path);
    assert_non_null(src);
    assert_non_null(strstr(src, "\"/Plain/Call\""));
    assert_non_null(strstr(src, "\"Plain\", 1, plain__trpc_methods"));
    free(src);
    snprintf(path, sizeof path, "%s/a/awkward.trpc.h", out);
    src = slurp(path);
    assert_non_null(src);
    assert_non_null(strstr(src, "#include \"a/awkward.pb-c.h\""));
    assert_non_null(strstr(src, "TYPERPC_A_AWKWARD_TRPC_H"));
    free(src);

    compile_with("gcc", out);
    if (run_command("command -v clang >/dev/null", 10, NULL) == 0)
        compile_with("clang", out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_skip_without_services),
        cmocka_unit_test(test_awkward_compiles),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
