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
 *                message types, every call kind, methods named Serve,
 *                Client, TrpcMethods, Int, Foo/foo, Get/GetEnd/GetDone, Init
 *                beside a message of the service's name, services Names and
 *                names, a service with no methods, c_package) generate code
 *                that compiles with -std=c11 -Wall -Wextra -Werror and the
 *                project's warnings on gcc and, if installed, clang, under
 *                the names docs/service-api.md promises
 *   forwards     the generated code for echo.proto, linked against a fake
 *                runtime (gen_trpc/fake_runtime.c) that records what it is
 *                given, passes the right method, messages, handles and
 *                callbacks, stores replies, rejects NULL handles, and
 *                cleans up a server-streaming start whose request cannot
 *                be sent (gen_trpc/forward.c), with gcc and clang
 *   writing      through output.c: an unwritable folder is an error and
 *                leaves nothing; the two files are put in place together or
 *                not at all; a file many times the Buf's streaming chunk is
 *                written whole, and the same on every run
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
static const char *const awkward_common = "syntax = \"proto3\";\n"
                                          "package deep.pkg;\n"
                                          "message Msg { string s = 1; }\n";

/* Names chosen to collide: methods named after the service-level functions
 * (Serve, Client, TrpcMethods), a C keyword (Int), Foo beside foo, GetEnd
 * and GetDone beside the bidi Get's get_end and get_done members, two
 * services whose C names coincide (Names, names), a service with no
 * methods, and a message `kinds` whose functions (a_b__c__kinds__init...)
 * share the service Kinds' prefix. */
static const char *const awkward =
    "syntax = \"proto3\";\n"
    "package a_b.c;\n"
    "import \"common/types.proto\";\n"
    "message Req { int32 x = 1; }\n"
    "message Rep { int32 y = 1; }\n"
    "message kinds { int32 z = 1; }\n"
    "service Kinds {\n"
    "  rpc Unary(Req) returns (Rep);\n"
    "  rpc ServerStream(Req) returns (stream Rep);\n"
    "  rpc ClientStream(stream Req) returns (Rep);\n"
    "  rpc Bidi(stream .deep.pkg.Msg) returns (stream deep.pkg.Msg);\n"
    "  rpc Init(Req) returns (Rep);\n"
    "}\n"
    "service Names {\n"
    "  rpc Serve(Req) returns (Rep);\n"
    "  rpc Client(stream Req) returns (Rep);\n"
    "  rpc Int(Req) returns (Rep);\n"
    "  rpc Foo(Req) returns (Rep);\n"
    "  rpc foo(Req) returns (Rep);\n"
    "  rpc TrpcMethods(stream Req) returns (stream Rep);\n"
    "  rpc HTTPGet(Req) returns (Rep);\n"
    "  rpc Get(stream Req) returns (stream Rep);\n"
    "  rpc GetEnd(Req) returns (Rep);\n"
    "  rpc GetDone(Req) returns (Rep);\n"
    "}\n"
    "service Empty {}\n"
    "service names {\n"
    "  rpc Get(Req) returns (Rep);\n"
    "}\n";

static const char *const nopkg = "syntax = \"proto2\";\n"
                                 "message Req { optional int32 x = 1; }\n"
                                 "service Plain { rpc Call(Req) returns (Req); }\n";

static const char *const cpkg = "syntax = \"proto3\";\n"
                                "package orig.name;\n"
                                "import \"protobuf-c/protobuf-c.proto\";\n"
                                "option (pb_c_file).c_package = \"renamed\";\n"
                                "message Req { int32 x = 1; }\n"
                                "service Svc { rpc Call(Req) returns (Req); }\n";

/* A program that uses every kind and every renamed name: it compiles only
 * if each name is what the header comment of gen_trpc_names.c promises. */
static const char *const use_kinds =
    "#include \"a/awkward.trpc.h\"\n"
    "#include \"plain.trpc.h\"\n"
    "#include \"cpkg.trpc.h\"\n"
    "static trpc_status unary(AB__C__Kinds_Unary_Call *call, const AB__C__Req *req,\n"
    "                         AB__C__Rep *reply, void *user)\n"
    "{ (void)call; (void)req; (void)reply; (void)user; return TRPC_STATUS_OK; }\n"
    "static trpc_status bidi(AB__C__Kinds_Bidi_Call *call, const Deep__Pkg__Msg *req,\n"
    "                        void *user)\n"
    "{ (void)user; return a_b__c__kinds__bidi__write(call, req) == TRPC_OK\n"
    "      ? TRPC_PENDING : TRPC_STATUS_UNAVAILABLE; }\n"
    "static trpc_status bidi_start(AB__C__Kinds_Bidi_Call *call, const trpc_metadata *md,\n"
    "                              void *user)\n"
    "{ (void)call; (void)md; (void)user; return TRPC_PENDING; }\n"
    "static trpc_status bidi_end(AB__C__Kinds_Bidi_Call *call, void *user)\n"
    "{ (void)user; return a_b__c__kinds__bidi__finish_call(call, TRPC_STATUS_OK) == TRPC_OK\n"
    "      ? TRPC_PENDING : TRPC_STATUS_OK; }\n"
    "static trpc_status cs(AB__C__Kinds_ClientStream_Call *call, const AB__C__Req *req,\n"
    "                      AB__C__Rep *reply, void *user)\n"
    "{ (void)call; (void)user; reply->y += req->x; return TRPC_PENDING; }\n"
    "static trpc_status cs_start(AB__C__Kinds_ClientStream_Call *call,\n"
    "                            const trpc_metadata *md, AB__C__Rep *reply, void *user)\n"
    "{ (void)call; (void)md; (void)reply; (void)user; return TRPC_PENDING; }\n"
    "static trpc_status cs_end(AB__C__Kinds_ClientStream_Call *call, AB__C__Rep *reply,\n"
    "                          void *user)\n"
    "{ (void)call; (void)reply; (void)user; return TRPC_STATUS_OK; }\n"
    "static void cs_done(AB__C__Kinds_ClientStream_Call *call, trpc_done_reason why,\n"
    "                    void *user)\n"
    "{ (void)call; (void)why; (void)user; }\n"
    "static trpc_status watch(AB__C__Kinds_ServerStream_Call *call, const AB__C__Req *req,\n"
    "                         void *user)\n"
    "{ (void)req; (void)user; trpc_call_set_data(call->base, NULL); return TRPC_PENDING; }\n"
    "static void on_result(const AB__C__Kinds_Unary_Result *r, void *user)\n"
    "{ (void)user; if (r->reply) a_b__c__rep__free_unpacked(r->reply, NULL); }\n"
    "static void on_message(AB__C__Kinds_Bidi_Stream *s, Deep__Pkg__Msg *m, void *user)\n"
    "{ (void)s; (void)user; deep__pkg__msg__free_unpacked(m, NULL); }\n"
    "static void on_status(AB__C__Kinds_Bidi_Stream *s, trpc_status code, const char *msg,\n"
    "                      void *user)\n"
    "{ (void)s; (void)code; (void)msg; (void)user; }\n"
    "int use(trpc_server *srv, trpc_channel *ch);\n"
    "int use(trpc_server *srv, trpc_channel *ch)\n"
    "{\n"
    "    static const AB__C__Kinds_Impl kinds = {\n"
    "        .unary = unary, .server_stream = watch,\n"
    "        .client_stream = cs, .client_stream_start = cs_start,\n"
    "        .client_stream_end = cs_end, .client_stream_done = cs_done,\n"
    "        .bidi = bidi, .bidi_start = bidi_start, .bidi_end = bidi_end,\n"
    "        .init = 0, .init_done = 0 };\n"
    "    static const AB__C__Names_Impl names = {\n"
    "        .serve = 0, .client = 0, .client_start = 0, .client_end = 0, .int_ = 0,\n"
    "        .foo = 0, .foo_ = 0, .trpc_methods = 0, .httpget = 0,\n"
    "        .get = 0, .get_start = 0, .get_end = 0, .get_done = 0,\n"
    "        .get_end_ = 0, .get_end__done = 0, .get_done_ = 0, .get_done__done = 0 };\n"
    "    static const AB__C__Names__Impl names2 = { .get = 0 };\n"
    "    static const AB__C__Empty_Impl empty = { 0 };\n"
    "    int n = 0;\n"
    "    n += a_b__c__kinds__serve(srv, &kinds, NULL);\n"
    "    n += a_b__c__names__serve(srv, &names, NULL);\n"
    "    n += a_b__c__names___serve(srv, &names2, NULL);\n"
    "    n += a_b__c__empty__serve(srv, &empty, NULL);\n"
    "    AB__C__Kinds_Client *kc = a_b__c__kinds__client(ch);\n"
    "    AB__C__Names_Client *nc = a_b__c__names__client(ch);\n"
    "    AB__C__Names__Client *nc2 = a_b__c__names___client(ch);\n"
    "    AB__C__Empty_Client *ec = a_b__c__empty__client(ch);\n"
    "    (void)ec;\n"
    "    AB__C__Req req = A_B__C__REQ__INIT;\n"
    "    AB__C__Rep *rep = NULL;\n"
    "    n += (int)a_b__c__kinds__unary(kc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__kinds__unary(kc, &req, &rep, &TRPC_CALL_OPTS(.timeout_ms = 5));\n"
    "    n += a_b__c__kinds__unary__async(kc, &req, NULL, on_result, NULL);\n"
    "    n += (int)a_b__c__kinds__init_(kc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names__serve_(nc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names__int(nc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names__foo(nc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names__foo_(nc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names__httpget(nc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names__get_end(nc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names__get_done(nc, &req, &rep, NULL);\n"
    "    n += (int)a_b__c__names___get(nc2, &req, &rep, NULL);\n"
    "    AB__C__Names_Client_Stream *cl;\n"
    "    n += a_b__c__names__client___start(&cl, nc, NULL);\n"
    "    n += (int)a_b__c__names__client___finish(cl, &rep);\n"
    "    AB__C__Names_TrpcMethods_Stream *tm;\n"
    "    n += a_b__c__names__trpc_methods___start(&tm, nc, NULL);\n"
    "    n += (int)a_b__c__names__trpc_methods___finish(tm);\n"
    "    AB__C__Names_Get_Stream *gs;\n"
    "    n += a_b__c__names__get__start(&gs, nc, NULL);\n"
    "    n += (int)a_b__c__names__get__finish(gs);\n"
    "    AB__C__Kinds_ServerStream_Stream *ss;\n"
    "    n += a_b__c__kinds__server_stream__start(&ss, kc, &req, NULL);\n"
    "    while (a_b__c__kinds__server_stream__recv(ss, &rep))\n"
    "        a_b__c__rep__free_unpacked(rep, NULL);\n"
    "    n += (int)a_b__c__kinds__server_stream__finish(ss);\n"
    "    AB__C__Kinds_ClientStream_Stream *cs;\n"
    "    n += a_b__c__kinds__client_stream__start(&cs, kc, NULL);\n"
    "    n += a_b__c__kinds__client_stream__send(cs, &req);\n"
    "    n += a_b__c__kinds__client_stream__close_send(cs);\n"
    "    n += (int)a_b__c__kinds__client_stream__finish(cs, &rep);\n"
    "    AB__C__Kinds_Bidi_Stream *bs;\n"
    "    Deep__Pkg__Msg msg = DEEP__PKG__MSG__INIT;\n"
    "    n += a_b__c__kinds__bidi__start_async(&bs, kc, NULL, on_message, on_status, NULL);\n"
    "    n += a_b__c__kinds__bidi__send(bs, &msg);\n"
    "    a_b__c__kinds__bidi__cancel(bs);\n"
    "    n += (int)a_b__c__kinds__bidi__finish(bs);\n"
    "    AB__C__Kinds kinds_msg = A_B__C__KINDS__INIT;\n"
    "    n += (int)a_b__c__kinds__get_packed_size(&kinds_msg);\n"
    "    Req preq = REQ__INIT;\n"
    "    Req *prep;\n"
    "    n += (int)plain__call(plain__client(ch), &preq, &prep, NULL);\n"
    "    Renamed__Req rreq = RENAMED__REQ__INIT;\n"
    "    Renamed__Req *rrep;\n"
    "    n += (int)renamed__svc__call(renamed__svc__client(ch), &rreq, &rrep, NULL);\n"
    "    return n;\n"
    "}\n";

static void compile_with(const char *cc, const char *out)
{
    must_run("cd %s && %s -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes "
             "-Wmissing-prototypes -Wformat=2 -Werror -c -I%s -I%s/../include "
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

static void forward_with(const char *cc, const char *out)
{
    must_run("cd %s && %s -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes "
             "-Wmissing-prototypes -Werror -I. -I%s/../include -I%s/unit/gen_trpc "
             "$(pkg-config --cflags libprotobuf-c) %s/unit/gen_trpc/forward.c "
             "%s/unit/gen_trpc/fake_runtime.c echo.trpc.c echo.pb-c.c "
             "$(pkg-config --libs libprotobuf-c) -o forward && ./forward",
             out, cc, TESTS_DIR, TESTS_DIR, TESTS_DIR, TESTS_DIR);
}

static void test_forwards(void **state)
{
    (void)state;
    char out[256];
    snprintf(out, sizeof out, "%s/fwd", tmp);
    must_run("rm -rf %s && mkdir -p %s && %s -I%s/runtime/proto --c_out=%s "
             "%s/runtime/proto/echo.proto",
             out, out, TYPERPC_EXE, TESTS_DIR, out, TESTS_DIR);
    forward_with("gcc", out);
    if (run_command("command -v clang >/dev/null", 10, NULL) == 0)
        forward_with("clang", out);
}

/* Service code goes through output.c as message code does: an output folder
 * that cannot be made is an error with no location, false, and nothing
 * (not even PATH.tmp) left behind. */
static void test_write_failure(void **state)
{
    (void)state;
    TestCompile *tc = test_compile_text("syntax = \"proto3\";\nmessage M { int32 a = 1; }\n"
                                        "service S { rpc Get(M) returns (M); }\n");
    assert_int_equal(tc->errors, 0);
    char blocker[256], sub[300], cmd[600];
    snprintf(blocker, sizeof blocker, "%s/out", tc->dir);
    spit(blocker, ""); /* a file where the folder should be */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    tc->diag.out = out;
    snprintf(sub, sizeof sub, "%s/sub", blocker);
    assert_false(gen_trpc_file(&tc->compiler, tc->file, sub));
    diag_flush(&tc->diag);
    fclose(out);
    assert_non_null(strstr(text, "error: cannot "));
    assert_non_null(strstr(text, "test.trpc.h"));
    free(text);
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", tc->dir); /* test.proto, out */
    assert_int_equal(run_command(cmd, 10, NULL), 0);
    test_compile_free(tc);
}

/* The two files are written together or not at all: when foo.trpc.c cannot
 * be written, the finished foo.trpc.h is not put in place either. */
static void test_write_both_or_neither(void **state)
{
    (void)state;
    TestCompile *tc = test_compile_text("syntax = \"proto3\";\nmessage M { int32 a = 1; }\n"
                                        "service S { rpc Get(M) returns (M); }\n");
    assert_int_equal(tc->errors, 0);
    char dir[256], cmd[600];
    snprintf(dir, sizeof dir, "%s/out", tc->dir);
    /* A folder where test.trpc.c.tmp would be written. */
    must_run("mkdir -p '%s/test.trpc.c.tmp'", dir);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    tc->diag.out = out;
    assert_false(gen_trpc_file(&tc->compiler, tc->file, dir));
    diag_flush(&tc->diag);
    fclose(out);
    assert_non_null(strstr(text, "test.trpc.c.tmp"));
    free(text);
    snprintf(cmd, sizeof cmd, "test \"$(ls -A %s)\" = test.trpc.c.tmp", dir);
    assert_int_equal(run_command(cmd, 10, NULL), 0);
    test_compile_free(tc);
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static bool ends_with(const char *text, const char *tail)
{
    size_t n = strlen(text), k = strlen(tail);
    return n >= k && strcmp(text + n - k, tail) == 0;
}

/* A service file several times the 1 MiB chunk in which a Buf streams to
 * its file, with names so long that not even one parameter fits after the
 * '(' (the layout then breaks before the first one): every method's code
 * is there once, the files end as they should (the last chunk is flushed),
 * no line ends in a space, and two runs give the same bytes. */
static void test_streamed_large_file(void **state)
{
    (void)state;
    enum { METHODS = 400 };
    char tail[121];
    memset(tail, 'x', sizeof tail - 1);
    tail[sizeof tail - 1] = '\0';
    size_t cap = 64 * 1024 + METHODS * 600;
    char *proto = malloc(cap);
    assert_non_null(proto);
    int n = snprintf(proto, cap,
                     "syntax = \"proto3\";\npackage a_rather_long.package_name;\n"
                     "message Msg%s { int32 a = 1; }\nservice Svc%s {\n",
                     tail, tail);
    static const char *const kinds[][2] = {
        { "", "" }, { "stream ", "" }, { "", "stream " }, { "stream ", "stream " }
    };
    for (int i = 0; i < METHODS; i++)
        n += snprintf(proto + n, cap - (size_t)n, "  rpc Method%d%s(%sMsg%s) returns (%sMsg%s);\n",
                      i, tail, kinds[i % 4][0], tail, kinds[i % 4][1], tail);
    snprintf(proto + n, cap - (size_t)n, "}\n");
    TestCompile *tc = test_compile_text(proto);
    free(proto);
    assert_int_equal(tc->errors, 0);

    char o1[256], o2[256], path[300];
    snprintf(o1, sizeof o1, "%s/o1", tc->dir);
    snprintf(o2, sizeof o2, "%s/o2", tc->dir);
    assert_true(gen_trpc_file(&tc->compiler, tc->file, o1));
    assert_true(gen_trpc_file(&tc->compiler, tc->file, o2));
    must_run("cmp '%s/test.trpc.h' '%s/test.trpc.h' && cmp '%s/test.trpc.c' '%s/test.trpc.c'", o1,
             o2, o1, o2);

    snprintf(path, sizeof path, "%s/test.trpc.h", o1);
    char *h = slurp(path);
    assert_non_null(h);
    assert_true(strlen(h) > 3u << 20);
    assert_int_equal(count(h, "_Call {\n"), METHODS);
    assert_true(ends_with(h, "#endif /* TYPERPC_TEST_TRPC_H */\n"));
    assert_non_null(strstr(h, "(\n    "));
    assert_null(strstr(h, " \n"));
    free(h);

    snprintf(path, sizeof path, "%s/test.trpc.c", o1);
    char *c = slurp(path);
    assert_non_null(c);
    assert_true(strlen(c) > 3u << 20);
    assert_int_equal(count(c, "__finish_call)("), METHODS);
    /* The client code comes last, and the last method is bidirectional. */
    assert_true(ends_with(c, "    return trpc_stream_finish(stream->base);\n}\n"));
    assert_null(strstr(c, " \n"));
    free(c);
    test_compile_free(tc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_skip_without_services),
        cmocka_unit_test(test_awkward_compiles),
        cmocka_unit_test(test_forwards),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_write_both_or_neither),
        cmocka_unit_test(test_streamed_large_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
