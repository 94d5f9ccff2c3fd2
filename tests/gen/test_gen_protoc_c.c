/*
 * test_gen_protoc_c.c — typerpc's message code against its oracles.
 *
 *   wire        the same values packed by typerpc's code and by protoc-c's
 *               code give the same bytes (one driver, two builds)
 *   decode      `protoc --decode` (C++) reads typerpc's bytes back to the
 *               text the driver prints for the values it set
 *   encode      bytes from `protoc --encode` unpack in typerpc's code to the
 *               same values
 *   api         the protoc-c API driver prints the same facts against both
 *   wkt         descriptor.proto and the well-known types (built -Werror)
 *               unpack and repack protoc's own bytes unchanged
 *   text        for every file of the front end's valid corpus, the
 *               generated text is protoc-c's (comments aside), except where
 *               protoc-c writes C that does not compile
 *   golden      tests/gen/golden/NAME.proto -> NAME.pb-c.[ch], byte for byte
 *               (TYPERPC_UPDATE_GOLDEN=1 rewrites them)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static char tmp[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/typerpc-gen-XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run a shell command; fail the test (printing its output) unless it exits 0. */
static char *must_run(const char *fmt, ...) TRPC_PRINTF(1, 2);

static char *must_run(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char *out = NULL;
    int rc = run_command(cmd, 300, &out);
    if (rc != 0) {
        print_error("command failed (%d): %s\n%s\n", rc, cmd, out ? out : "");
        free(out);
        fail();
    }
    return out ? out : strdup("");
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(mem);
    fclose(fp);
    return text;
}

/* The first line where a and b differ, for messages. */
static void report_diff(const char *what, const char *a, const char *b)
{
    int line = 1;
    const char *pa = a, *pb = b;
    while (*pa && *pb && *pa == *pb) {
        if (*pa == '\n')
            line++;
        pa++, pb++;
    }
    while (pa > a && pa[-1] != '\n')
        pa--, pb--;
    print_error("%s: first difference at line %d:\n  expected: %.*s\n  actual:   %.*s\n", what,
                line, (int)strcspn(pa, "\n"), pa, (int)strcspn(pb, "\n"), pb);
}

static void assert_same_text(const char *what, const char *expected, const char *actual)
{
    if (strcmp(expected, actual) != 0) {
        report_diff(what, expected, actual);
        fail();
    }
}

/* The .proto file that declares a corpus type. */
static const char *proto_of(const char *type)
{
    if (strncmp(type, "wire3opt.", 9) == 0)
        return "wire3opt.proto";
    if (strncmp(type, "wire3.", 6) == 0)
        return "wire3.proto";
    return "wire2.proto";
}

typedef struct CaseList {
    char names[64][64];
    char types[64][64];
    size_t n;
} CaseList;

static void list_cases(CaseList *cl)
{
    char *out = must_run("%s list", WIRE_OURS);
    memset(cl, 0, sizeof *cl);
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line && cl->n < 64;
         line = strtok_r(NULL, "\n", &save)) {
        if (sscanf(line, "%63s %63s", cl->names[cl->n], cl->types[cl->n]) == 2)
            cl->n++;
    }
    free(out);
    assert_true(cl->n >= 20);
}

/* ---- wire ---- */

static const char *find_line(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            return p;
    return NULL;
}

static void test_wire_bytes_equal(void **state)
{
    (void)state;
    char *ours = must_run("%s hex", WIRE_OURS);
    char *theirs = must_run("%s hex", WIRE_PROTOC_C);
    CaseList cl;
    list_cases(&cl);
    size_t compared = 0;
    for (size_t i = 0; i < cl.n; i++) {
        const char *a = find_line(theirs, cl.names[i]);
        const char *b = find_line(ours, cl.names[i]);
        assert_non_null(b);
        if (!a) {
            /* proto3 optional: protoc-c cannot build it. */
            assert_memory_equal(cl.types[i], "wire3opt.", 9);
            continue;
        }
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || memcmp(a, b, la) != 0) {
            print_error("case %s: bytes differ\n  protoc-c: %.*s\n  typerpc:  %.*s\n",
                        cl.names[i], (int)la, a, (int)lb, b);
            fail();
        }
        compared++;
    }
    assert_true(compared >= 20);
    free(ours);
    free(theirs);
}

/* ---- decode / encode through protoc (C++) ---- */

static void test_protoc_decodes_ours(void **state)
{
    (void)state;
    CaseList cl;
    list_cases(&cl);
    for (size_t i = 0; i < cl.n; i++) {
        char *decoded = must_run("%s pack %s > %s/b.bin && %s -I%s --decode=%s %s/%s < %s/b.bin",
                                 WIRE_OURS, cl.names[i], tmp, PROTOC_EXE, CORPUS_DIR,
                                 cl.types[i], CORPUS_DIR, proto_of(cl.types[i]), tmp);
        char *text = must_run("%s text %s", WIRE_OURS, cl.names[i]);
        char what[128];
        snprintf(what, sizeof what, "protoc --decode of case %s", cl.names[i]);
        assert_same_text(what, text, decoded);
        free(decoded);
        free(text);
    }
}

static void test_protoc_encode_unpacks_in_ours(void **state)
{
    (void)state;
    CaseList cl;
    list_cases(&cl);
    for (size_t i = 0; i < cl.n; i++) {
        /* Unknown fields print as numbers, which protoc cannot encode. */
        if (strcmp(cl.names[i], "unknown_fields") == 0)
            continue;
        char *text = must_run("%s text %s | tee %s/t.txt", WIRE_OURS, cl.names[i], tmp);
        char *back = must_run("%s -I%s --encode=%s %s/%s < %s/t.txt > %s/e.bin && "
                              "%s decode %s < %s/e.bin",
                              PROTOC_EXE, CORPUS_DIR, cl.types[i], CORPUS_DIR,
                              proto_of(cl.types[i]), tmp, tmp, WIRE_OURS, cl.types[i], tmp);
        char what[128];
        snprintf(what, sizeof what, "protoc --encode of case %s", cl.names[i]);
        assert_same_text(what, text, back);
        free(text);
        free(back);
    }
}

/* Unknown fields survive: what protoc-c's and typerpc's code repack from
 * the same input is identical, and protoc reads it as the superset. */
static void test_unknown_fields_repack(void **state)
{
    (void)state;
    char *a = must_run("%s pack unknown_fields | %s repack wire2.Scalars | od -An -tx1",
                       WIRE_OURS, WIRE_OURS);
    char *b = must_run("%s pack unknown_fields | %s repack wire2.Scalars | od -An -tx1",
                       WIRE_PROTOC_C, WIRE_PROTOC_C);
    assert_same_text("repacked unknown fields", b, a);
    char *text = must_run("%s pack unknown_fields | %s -I%s --decode=wire2.Superset %s/wire2.proto",
                          WIRE_OURS, PROTOC_EXE, CORPUS_DIR, CORPUS_DIR);
    assert_non_null(strstr(text, "extra: \"unknown string\""));
    assert_non_null(strstr(text, "extra_v: 18446744073709551615"));
    free(a);
    free(b);
    free(text);
}

/* ---- API ---- */

static void test_api_same_output(void **state)
{
    (void)state;
    char *ours = must_run("%s api", WIRE_OURS);
    char *theirs = must_run("%s api", WIRE_PROTOC_C);
    assert_same_text("api facts (protoc-c vs typerpc)", theirs, ours);
    assert_non_null(strstr(ours, "missing required: NULL"));
    free(ours);
    free(theirs);
}

/* protoc-c prints float defaults with 6 digits and doubles with 15; ours
 * are exact. */
static void test_lossy_defaults_exact(void **state)
{
    (void)state;
    char *ours = must_run("%s lossy", WIRE_OURS);
    char expected[128];
    snprintf(expected, sizeof expected, "%.9g %.17g\n", (double)strtof("16777217", NULL),
             strtod("0.12345678901234567", NULL));
    assert_string_equal(ours, expected);
    free(ours);
}

/* ---- well-known types ---- */

typedef struct Sample {
    const char *type;
    const char *file;
    const char *text;
} Sample;

static const Sample samples[] = {
    { "google.protobuf.Any", "any", "type_url: \"type.googleapis.com/x.Y\" value: \"\\001\\002\"" },
    { "google.protobuf.Duration", "duration", "seconds: -315576000000 nanos: -999999999" },
    { "google.protobuf.Timestamp", "timestamp", "seconds: 253402300799 nanos: 999999999" },
    { "google.protobuf.Empty", "empty", "" },
    { "google.protobuf.FieldMask", "field_mask", "paths: \"a.b\" paths: \"c\"" },
    { "google.protobuf.Struct", "struct",
      "fields { key: \"n\" value { number_value: 1.5 } } "
      "fields { key: \"l\" value { list_value { values { string_value: \"s\" } "
      "values { bool_value: true } values { null_value: NULL_VALUE } } } }" },
    { "google.protobuf.Value", "struct", "struct_value { fields { key: \"k\" value { } } }" },
    { "google.protobuf.Api", "api",
      "name: \"a\" methods { name: \"m\" request_streaming: true response_type_url: \"t\" "
      "options { name: \"o\" value { } } syntax: SYNTAX_PROTO3 } version: \"v1\" "
      "source_context { file_name: \"f\" } mixins { name: \"mx\" root: \"r\" } "
      "syntax: SYNTAX_PROTO3" },
    { "google.protobuf.Type", "type",
      "name: \"T\" fields { kind: TYPE_SINT64 cardinality: CARDINALITY_REPEATED number: 7 "
      "name: \"f\" packed: true json_name: \"F\" default_value: \"x\" } oneofs: \"o\" "
      "syntax: SYNTAX_PROTO2" },
    { "google.protobuf.Enum", "type", "name: \"E\" enumvalue { name: \"V\" number: -1 }" },
    { "google.protobuf.DoubleValue", "wrappers", "value: -0.5" },
    { "google.protobuf.FloatValue", "wrappers", "value: 3.25" },
    { "google.protobuf.Int64Value", "wrappers", "value: -9223372036854775808" },
    { "google.protobuf.UInt64Value", "wrappers", "value: 18446744073709551615" },
    { "google.protobuf.Int32Value", "wrappers", "value: -2147483648" },
    { "google.protobuf.UInt32Value", "wrappers", "value: 4294967295" },
    { "google.protobuf.BoolValue", "wrappers", "value: true" },
    { "google.protobuf.StringValue", "wrappers", "value: \"caf\\303\\251\"" },
    { "google.protobuf.BytesValue", "wrappers", "value: \"\\000\\377\"" },
};

static void test_wkt_roundtrip(void **state)
{
    (void)state;
    /* protoc's own description of these files, with source info: a large
     * real message (nested, packed repeated, strings, enums, options). */
    char *out = must_run(
        "%s -I%s --include_imports --include_source_info --descriptor_set_out=%s/fds.bin "
        "%s/google/protobuf/*.proto && %s google.protobuf.FileDescriptorSet < %s/fds.bin "
        "> %s/fds2.bin && cmp %s/fds.bin %s/fds2.bin",
        PROTOC_EXE, PROTOBUF_INCLUDE, tmp, PROTOBUF_INCLUDE, WKT_ROUNDTRIP, tmp, tmp, tmp, tmp);
    free(out);
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        FILE *fp;
        char path[128];
        snprintf(path, sizeof path, "%s/sample.txt", tmp);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(samples[i].text, fp);
        fclose(fp);
        out = must_run("%s -I%s --encode=%s %s/google/protobuf/%s.proto < %s/sample.txt "
                       "> %s/s.bin && %s %s < %s/s.bin > %s/s2.bin && cmp %s/s.bin %s/s2.bin",
                       PROTOC_EXE, PROTOBUF_INCLUDE, samples[i].type, PROTOBUF_INCLUDE,
                       samples[i].file, tmp, tmp, WKT_ROUNDTRIP, samples[i].type, tmp, tmp,
                       tmp, tmp);
        free(out);
    }
}

/* ---- generated text against protoc-c's ---- */

/* Drop what protoc-c writes and we do not: the banner line, comments copied
 * from the .proto, service code (the service generator's job). */
static char *normalize(const char *text, bool protoc_c, bool header)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    const char *p = strchr(text, '\n');
    p = p ? p + 1 : text;
    bool in_comment = false, in_services = false, services_tail = false;
    while (*p) {
        size_t n = strcspn(p, "\n");
        char line[4096];
        size_t k = n < sizeof line - 1 ? n : sizeof line - 1;
        memcpy(line, p, k);
        line[k] = '\0';
        p += n + (p[n] == '\n');
        const char *t = line + strspn(line, " ");
        if (in_comment) {
            if (strcmp(t, "*/") == 0)
                in_comment = false;
            continue;
        }
        if (strcmp(t, "/*") == 0) {
            in_comment = true;
            continue;
        }
        if (header && strcmp(line, "/* --- services --- */") == 0) {
            fputs(line, mem);
            fputc('\n', mem);
            in_services = true;
            continue;
        }
        if (in_services) {
            if (strcmp(line, "/* --- descriptors --- */") != 0)
                continue;
            in_services = false;
            fputs("\n", mem);
        }
        if (protoc_c && strstr(line, "ProtobufCServiceDescriptor") && header)
            continue;
        if (protoc_c && !header && strncmp(line, "static const ProtobufCMethodDescriptor", 38) == 0)
            services_tail = true;
        if (services_tail)
            continue;
        if (!protoc_c && strncmp(line, "#include <math.h>", 17) == 0)
            continue;
        /* A oneof whose first member is bytes: we brace the union's
         * initializer, { {0,NULL} }, where protoc-c writes {0}, which gcc's
         * -Wmissing-braces rejects under -Werror. The one intended change. */
        char *brace;
        while (!protoc_c && (brace = strstr(line, ", { {0,NULL} }")) != NULL) {
            memmove(brace + 5, brace + 14, strlen(brace + 14) + 1);
            memcpy(brace, ", {0}", 5);
        }
        fputs(line, mem);
        fputc('\n', mem);
    }
    fclose(mem);
    return out;
}

/* protoc-c's spellings that are not C (or not exact), and ours. */
static const char *const fixes[][2] = {
    { " inf", " INFINITY" },  { "-inf", "-INFINITY" },
    { " nan", " NAN" },       { "-9223372036854775808ll", "INT64_MIN" },
    { "= -0;", "= -0.0;" },   { ", -0,", ", -0.0," },
    { "??", "?\\?" },         /* trigraphs */
};

static char *fix_line(const char *line)
{
    char *s = strdup(line);
    for (size_t i = 0; i < sizeof fixes / sizeof *fixes; i++) {
        const char *from = fixes[i][0], *to = fixes[i][1];
        size_t fl = strlen(from), tl = strlen(to);
        char *out = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&out, &len);
        for (const char *p = s; *p;) {
            const char *hit = strstr(p, from);
            /* whole words only: " inf" must not match " info" */
            while (hit && (hit[fl] == '_' || (hit[fl] >= 'a' && hit[fl] <= 'z') ||
                           (hit[fl] >= '0' && hit[fl] <= '9')))
                hit = strstr(hit + 1, from);
            if (!hit) {
                fputs(p, mem);
                break;
            }
            fwrite(p, 1, (size_t)(hit - p), mem);
            fwrite(to, 1, tl, mem);
            p = hit + fl;
        }
        fclose(mem);
        free(s);
        s = out;
    }
    return s;
}

/* Apply the fixes to default values and INIT macros only. */
static char *apply_fixes(const char *text)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        p += n + (p[n] == '\n');
        if (strstr(line, "__default_value = ") || strncmp(line, "    , ", 6) == 0) {
            char *fixed = fix_line(line);
            fputs(fixed, mem);
            free(fixed);
        } else {
            fputs(line, mem);
        }
        fputc('\n', mem);
        free(line);
    }
    fclose(mem);
    return out;
}

/* typerpc's one deliberate addition to protoc-c's message code: where a
 * field's json_name is not the default, a table of the message's JSON names
 * (for typerpc/json.h) that the descriptor's reserved1 points at.  Taken out
 * of typerpc's text here, so the rest must still equal protoc-c's; counted,
 * so the test also sees the table is written where it should be. */
static int json_name_tables;

static char *strip_json_names(const char *text)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    bool in_table = false;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        p += n + (p[n] == '\n');
        if (strncmp(line, "/* typerpc: the fields' JSON names", 34) == 0) {
            in_table = true;
            json_name_tables++;
        } else if (in_table) {
            in_table = strcmp(line, "};") != 0;
        } else if (strstr(line, "__json_names, NULL, NULL    /* reserved[123]: typerpc's JSON names */")) {
            fputs("  NULL,NULL,NULL    /* reserved[123] */\n", mem);
        } else {
            fputs(line, mem);
            fputc('\n', mem);
        }
        free(line);
    }
    fclose(mem);
    return out;
}

/* protoc-c's own output for these is not valid C (a name collision). */
static const char *const protoc_c_invalid[] = { "field_named_like_its_type.proto",
                                                "collisions.proto" };

static int compare_with_protoc_c(const char *dir, const char *name, const char *extra_include)
{
    for (size_t i = 0; i < sizeof protoc_c_invalid / sizeof *protoc_c_invalid; i++)
        if (strcmp(name, protoc_c_invalid[i]) == 0)
            return 0;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "rm -rf %s/o %s/t && mkdir -p %s/o %s/t && cd %s && "
             "%s -I. -I%s --plugin=protoc-gen-c=%s --c_out=%s/t %s 2>/dev/null",
             tmp, tmp, tmp, tmp, dir, PROTOC_EXE, extra_include, PROTOC_GEN_C_EXE, tmp, name);
    if (run_command(cmd, 120, NULL) != 0)
        return 0;   /* protoc-c cannot do this file (groups, proto3 optional...) */
    snprintf(cmd, sizeof cmd, "cd %s && %s -I. -I%s --c_out=%s/o %s", dir, GEN_DRIVER,
             extra_include, tmp, name);
    char *out = NULL;
    int rc = run_command(cmd, 120, &out);
    if (rc != 0) {
        /* The front end rejects a file protoc accepts: the oracle test's
         * business, not the generator's. */
        print_message("note: typerpc does not accept %s (see test_oracle):\n%s", name, out);
        free(out);
        return 0;
    }
    free(out);
    char base[512];
    snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 6), name);
    for (int h = 0; h < 2; h++) {
        char pa[1024], pb[1024];
        snprintf(pa, sizeof pa, "%s/t/%s.pb-c.%s", tmp, base, h ? "h" : "c");
        snprintf(pb, sizeof pb, "%s/o/%s.pb-c.%s", tmp, base, h ? "h" : "c");
        char *ta = slurp(pa), *tb0 = slurp(pb);
        assert_non_null(ta);
        assert_non_null(tb0);
        char *tb = strip_json_names(tb0);
        free(tb0);
        char *na = normalize(ta, true, h), *nb = normalize(tb, false, h);
        char *fa = apply_fixes(na);
        if (strcmp(fa, nb) != 0) {
            char what[1200];
            snprintf(what, sizeof what, "%s (protoc-c vs typerpc)", pb);
            report_diff(what, fa, nb);
            fail();
        }
        free(ta), free(tb), free(na), free(nb), free(fa);
    }
    return 1;
}

static void test_text_matches_protoc_c(void **state)
{
    (void)state;
    int compared = 0;
    DIR *d = opendir(ORACLE_VALID_DIR);
    assert_non_null(d);
    struct dirent *e;
    char *names[512];
    size_t n = 0;
    while ((e = readdir(d)) && n < 512) {
        size_t len = strlen(e->d_name);
        if (len > 6 && strcmp(e->d_name + len - 6, ".proto") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        compared += compare_with_protoc_c(ORACLE_VALID_DIR, names[i], PROTOBUF_INCLUDE);
        free(names[i]);
    }
    static const char *const wkt[] = {
        "google/protobuf/any.proto", "google/protobuf/api.proto",
        "google/protobuf/descriptor.proto", "google/protobuf/duration.proto",
        "google/protobuf/empty.proto", "google/protobuf/field_mask.proto",
        "google/protobuf/source_context.proto", "google/protobuf/struct.proto",
        "google/protobuf/timestamp.proto", "google/protobuf/type.proto",
        "google/protobuf/wrappers.proto",
    };
    for (size_t i = 0; i < sizeof wkt / sizeof *wkt; i++)
        compared += compare_with_protoc_c(PROTOBUF_INCLUDE, wkt[i], PROTOBUF_INCLUDE);
    /* (wire2.proto has defaults protoc-c rounds; the wire tests cover it.) */
    d = opendir(GOLDEN_DIR);
    assert_non_null(d);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 6 && strcmp(e->d_name + len - 6, ".proto") == 0)
            compared += compare_with_protoc_c(GOLDEN_DIR, e->d_name, PROTOBUF_INCLUDE);
    }
    closedir(d);
    compared += compare_with_protoc_c(CORPUS_DIR, "wire3.proto", PROTOBUF_INCLUDE);
    print_message("compared %d files with protoc-c's output\n", compared);
    assert_true(compared >= 40);
    /* json_name_explicit_distinct.proto and field_options.proto set json_name. */
    print_message("%d json_name tables (typerpc's addition) set aside\n", json_name_tables);
    assert_true(json_name_tables >= 1);
}

/* ---- golden files ---- */

static void test_golden(void **state)
{
    (void)state;
    bool update = getenv("TYPERPC_UPDATE_GOLDEN") != NULL;
    DIR *d = opendir(GOLDEN_DIR);
    assert_non_null(d);
    struct dirent *e;
    int checked = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 6 || strcmp(e->d_name + len - 6, ".proto") != 0)
            continue;
        char *out = must_run("rm -rf %s/g && mkdir -p %s/g && cd %s && %s -I. -I%s --c_out=%s/g %s",
                             tmp, tmp, GOLDEN_DIR, GEN_DRIVER, PROTOBUF_INCLUDE, tmp, e->d_name);
        free(out);
        for (int h = 0; h < 2; h++) {
            char gen[1024], gold[1024];
            snprintf(gen, sizeof gen, "%s/g/%.*s.pb-c.%s", tmp, (int)(len - 6), e->d_name,
                     h ? "h" : "c");
            snprintf(gold, sizeof gold, "%s/%.*s.pb-c.%s", GOLDEN_DIR, (int)(len - 6),
                     e->d_name, h ? "h" : "c");
            char *a = slurp(gen);
            assert_non_null(a);
            if (update) {
                FILE *fp = fopen(gold, "wb");
                assert_non_null(fp);
                fputs(a, fp);
                fclose(fp);
            }
            char *b = slurp(gold);
            if (!b) {
                print_error("missing golden file %s (run with TYPERPC_UPDATE_GOLDEN=1)\n", gold);
                fail();
            }
            char what[1100];
            snprintf(what, sizeof what, "golden %s", gold);
            assert_same_text(what, b, a);
            free(a);
            free(b);
            checked++;
        }
    }
    closedir(d);
    assert_true(checked >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_bytes_equal),
        cmocka_unit_test(test_protoc_decodes_ours),
        cmocka_unit_test(test_protoc_encode_unpacks_in_ours),
        cmocka_unit_test(test_unknown_fields_repack),
        cmocka_unit_test(test_api_same_output),
        cmocka_unit_test(test_lossy_defaults_exact),
        cmocka_unit_test(test_wkt_roundtrip),
        cmocka_unit_test(test_text_matches_protoc_c),
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
