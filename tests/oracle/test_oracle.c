/*
 * test_oracle.c — typerpc against protoc, file by file.
 *
 * protoc is the reference for what a .proto file means, so it is the oracle
 * for typerpc's front end. For every case in the corpus this program runs
 * both compilers the same way (same working directory, same -I roots, same
 * file name) and checks two things:
 *
 *   - the verdict: both exit 0, or both exit nonzero (typerpc must exit
 *     exactly 1 for an error in the input, never crash or time out);
 *   - for a rejected file, the location of the first error: the first
 *     `name:LINE:COL:` that each prints (warnings and notes skipped) must name
 *     the same file and the same line. When a mistake yields several errors,
 *     typerpc prints them in source order and protoc in the order it finds
 *     them, so the rule is symmetric: each compiler's first error must be on
 *     a line where the other also reports an error. For a file with one
 *     error (almost the whole corpus) that is plain equality.
 *
 * The corpus (see README.md beside this file):
 *   valid/NAME.proto      single files protoc accepts
 *   invalid/NAME.proto    single files with exactly one mistake
 *   multi/ok_CASE/        main.proto plus the files it imports; protoc accepts
 *   multi/bad_CASE/       the same, protoc rejects
 *   multi/CASE/roots      optional: the -I roots, one a line, in order
 *                         (default ".")
 *   /usr/include/google/protobuf/ (recursively): protobuf's own files, must pass
 *   /usr/share/grpc-proto/ (recursively, if installed): gRPC's own services
 *
 * Every case is compiled with its own directory as the first -I root and
 * /usr/include as the second, so `import "google/protobuf/descriptor.proto"`
 * resolves for custom options. A case whose protoc verdict is not the one its
 * folder promises is a broken case and fails the test as well.
 *
 * One cmocka test per category; each runs every case, prints every mismatch
 * by name, and fails at the end if there was any, so a single run shows the
 * whole picture rather than the first difference.
 *
 * TYPERPC_ORACLE_EXE in the environment replaces the typerpc binary (for
 * example with protoc itself, to check the harness).
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#ifndef PROTOC_EXE
#define PROTOC_EXE "/usr/bin/protoc"
#endif
#ifndef TYPERPC_EXE
#error "TYPERPC_EXE must be defined (path of the typerpc binary)"
#endif
#ifndef ORACLE_DIR
#error "ORACLE_DIR must be defined (path of tests/oracle)"
#endif
#ifndef PROTOBUF_INCLUDE
#define PROTOBUF_INCLUDE "/usr/include"
#endif
#ifndef GRPC_PROTO_DIR
#define GRPC_PROTO_DIR "/usr/share/grpc-proto"
#endif

/* Per-process limit: a hang is a failure, not a stuck ctest. */
enum { RUN_TIMEOUT_SECONDS = 30 };

/* Exit status conventions of run(): an exit code as is, 128+N for signal N,
 * 124 for a timeout (as timeout(1) does), 127 when exec failed. */
enum { STATUS_TIMEOUT = 124, STATUS_NOEXEC = 127 };

/* ---------------------------------------------------------------------- */
/* growable string list                                                   */

typedef struct StrList {
    char **items;
    size_t len, cap;
} StrList;

static void list_push(StrList *l, char *s)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        if (!l->items)
            abort();
    }
    l->items[l->len++] = s;
}

static void list_free(StrList *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static char *xprintf(const char *fmt, ...);

static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    if (!s)
        abort();
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---------------------------------------------------------------------- */
/* running a compiler                                                     */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run argv in directory cwd with stdin from /dev/null and stdout+stderr
 * captured into *out (malloc'd, NUL-terminated). Kill it after `timeout`
 * seconds. Returns the status as described above. */
static int run(const char *cwd, char *const argv[], int timeout, char **out)
{
    int fds[2];
    if (pipe(fds) != 0)
        abort();
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        if (chdir(cwd) != 0)
            _exit(STATUS_NOEXEC);
        /* Diagnostics without colour, whatever the caller's terminal. */
        setenv("NO_COLOR", "1", 1);
        /* Sanitizers exit with 1 by default, which would pass for an input
         * error: give their reports statuses of their own. */
        static const char *const san[][2] = { { "ASAN_OPTIONS", "exitcode=86" },
                                               { "UBSAN_OPTIONS", "exitcode=87" } };
        for (size_t i = 0; i < 2; i++) {
            const char *old = getenv(san[i][0]);
            char opts[2048];
            snprintf(opts, sizeof opts, "%s%s%s", old ? old : "", old && *old ? ":" : "",
                     san[i][1]);
            setenv(san[i][0], opts, 1);
        }
        execv(argv[0], argv);
        _exit(STATUS_NOEXEC);
    }
    close(fds[1]);

    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    double deadline = now_seconds() + timeout;
    bool timed_out = false;
    for (;;) {
        int left_ms = (int)((deadline - now_seconds()) * 1000);
        if (left_ms <= 0) {
            timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        int r = poll(&p, 1, left_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            continue; /* timeout is checked at the top */
        if (len + 4096 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        ssize_t n = read(fds[0], buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fds[0]);
    buf[len] = '\0';

    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    *out = buf;
    if (timed_out)
        return STATUS_TIMEOUT;
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return WEXITSTATUS(wstatus);
}

/* ---------------------------------------------------------------------- */
/* reading diagnostics                                                    */

/* A location taken from a diagnostic line. */
typedef struct ErrLoc {
    bool found;
    char file[512];
    int line;
    int col;
} ErrLoc;

/* Parse `name:LINE:COL: rest` at the start of `s` (one line). On success
 * fill loc and point *rest after the ": ". */
static bool parse_loc_line(const char *s, const char *end, ErrLoc *loc, const char **rest)
{
    const char *colon = memchr(s, ':', (size_t)(end - s));
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof loc->file)
        return false;
    for (const char *q = s; q < colon; q++)
        if (*q == ' ' || *q == '\t')
            return false;
    const char *p = colon + 1;
    int line = 0, col = 0;
    if (p >= end || *p < '0' || *p > '9')
        return false;
    while (p < end && *p >= '0' && *p <= '9')
        line = line * 10 + (*p++ - '0');
    if (p >= end || *p != ':')
        return false;
    p++;
    if (p >= end || *p < '0' || *p > '9')
        return false;
    while (p < end && *p >= '0' && *p <= '9')
        col = col * 10 + (*p++ - '0');
    if (p + 1 >= end || p[0] != ':' || p[1] != ' ')
        return false;
    memcpy(loc->file, s, (size_t)(colon - s));
    loc->file[colon - s] = '\0';
    loc->line = line;
    loc->col = col;
    loc->found = true;
    *rest = p + 2;
    return true;
}

/* The first error location in a compiler's output. protoc writes
 * `name:L:C: message` for errors and `name:L:C: warning: message` for
 * warnings; typerpc writes `name:L:C: error: message` and `note:` /
 * `warning:` lines, so for typerpc the `error:` tag is required. */
static ErrLoc first_error(const char *out, bool require_error_tag)
{
    ErrLoc loc = { 0 };
    const char *s = out;
    while (*s) {
        const char *end = strchr(s, '\n');
        if (!end)
            end = s + strlen(s);
        ErrLoc l = { 0 };
        const char *rest;
        if (parse_loc_line(s, end, &l, &rest)) {
            bool is_error = require_error_tag
                                ? strncmp(rest, "error:", 6) == 0
                                : strncmp(rest, "warning:", 8) != 0 &&
                                      strncmp(rest, "note:", 5) != 0;
            if (is_error)
                return l;
        }
        s = *end ? end + 1 : end;
    }
    return loc;
}

/* Whether a compiler's output has an error in `file` on `line`. */
static bool has_error_on(const char *out, const char *file, int line, bool require_error_tag)
{
    const char *s = out;
    while (*s) {
        const char *end = strchr(s, '\n');
        if (!end)
            end = s + strlen(s);
        ErrLoc l = { 0 };
        const char *rest;
        if (parse_loc_line(s, end, &l, &rest) && l.line == line && strcmp(l.file, file) == 0) {
            bool is_error = require_error_tag
                                ? strncmp(rest, "error:", 6) == 0
                                : strncmp(rest, "warning:", 8) != 0 &&
                                      strncmp(rest, "note:", 5) != 0;
            if (is_error)
                return true;
        }
        s = *end ? end + 1 : end;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* one case                                                               */

static const char *typerpc_exe(void)
{
    const char *e = getenv("TYPERPC_ORACLE_EXE");
    return e && *e ? e : TYPERPC_EXE;
}

/* The expected protoc verdict of a case. */
typedef enum { EXPECT_VALID, EXPECT_INVALID, EXPECT_ANY } Expect;

typedef struct Tally {
    int cases;
    int mismatches;
    StrList report;     /* one line per mismatch */
} Tally;

/* An excerpt of a compiler's output for the report: the first few lines. */
static char *excerpt(const char *out)
{
    const char *s = out;
    for (int lines = 0; *s && lines < 6; lines++) {
        const char *nl = strchr(s, '\n');
        s = nl ? nl + 1 : s + strlen(s);
    }
    size_t n = (size_t)(s - out);
    if (n > 1200)
        n = 1200;
    char *e = malloc(n + 1);
    if (!e)
        abort();
    memcpy(e, out, n);
    e[n] = '\0';
    /* Indent for the report. */
    StrList parts = { 0 };
    char *save = NULL;
    for (char *line = strtok_r(e, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        list_push(&parts, xprintf("        | %s\n", line));
    size_t total = 1;
    for (size_t i = 0; i < parts.len; i++)
        total += strlen(parts.items[i]);
    char *r = malloc(total);
    if (!r)
        abort();
    r[0] = '\0';
    for (size_t i = 0; i < parts.len; i++)
        strcat(r, parts.items[i]);
    list_free(&parts);
    free(e);
    return r;
}

/* The -I roots of a case: the lines of its `roots` file if it has one (for
 * cases about several roots and their order), else ".". */
static StrList case_roots(const char *cwd)
{
    StrList roots = { 0 };
    char *path = xprintf("%s/roots", cwd);
    FILE *fp = fopen(path, "r");
    free(path);
    if (fp) {
        char line[512];
        while (fgets(line, sizeof line, fp)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0])
                list_push(&roots, xstrdup(line));
        }
        fclose(fp);
    }
    if (roots.len == 0)
        list_push(&roots, xstrdup("."));
    return roots;
}

/* Compile `file` (relative to `cwd`) with both compilers, from `cwd`, with
 * the case's roots and /usr/include (only the former when `cwd` is
 * /usr/include), and compare. `label` names the case in the report. */
static void check_case(Tally *t, const char *label, const char *cwd, const char *file,
                       Expect expect)
{
    /* `-I DIR` for the case's own roots and `--proto_path=` for protobuf's:
     * both spellings of the contract get used on every case. */
    bool own_root_only = strcmp(cwd, PROTOBUF_INCLUDE) == 0;
    StrList roots = case_roots(cwd);
    size_t max_args = 2 * roots.len + 6;
    char **pargv = calloc(max_args, sizeof *pargv);
    char **targv = calloc(max_args, sizeof *targv);
    if (!pargv || !targv)
        abort();
    int pn = 0, tn = 0;
    pargv[pn++] = (char *)PROTOC_EXE;
    targv[tn++] = (char *)typerpc_exe();
    for (size_t i = 0; i < roots.len; i++) {
        pargv[pn++] = targv[tn++] = (char *)"-I";
        pargv[pn++] = targv[tn++] = roots.items[i];
    }
    if (!own_root_only)
        pargv[pn++] = targv[tn++] = (char *)"--proto_path=" PROTOBUF_INCLUDE;
    pargv[pn++] = (char *)"--descriptor_set_out=/dev/null";
    pargv[pn++] = targv[tn++] = (char *)file;
    pargv[pn] = targv[tn] = NULL;
    char *pout = NULL, *tout = NULL;
    int pst = run(cwd, pargv, RUN_TIMEOUT_SECONDS, &pout);
    int tst = run(cwd, targv, RUN_TIMEOUT_SECONDS, &tout);
    t->cases++;

    char *problem = NULL;
    if (pst == STATUS_NOEXEC || pst >= 124) {
        problem = xprintf("protoc did not run properly (status %d)", pst);
    } else if (expect == EXPECT_VALID && pst != 0) {
        problem = xprintf("BROKEN CASE: protoc rejects a case meant to be valid");
    } else if (expect == EXPECT_INVALID && pst == 0) {
        problem = xprintf("BROKEN CASE: protoc accepts a case meant to be invalid");
    } else if (tst == STATUS_TIMEOUT) {
        problem = xprintf("typerpc timed out after %d s", RUN_TIMEOUT_SECONDS);
    } else if (tst > 128) {
        problem = xprintf("typerpc killed by signal %d", tst - 128);
    } else if (tst != 0 && tst != 1) {
        problem = xprintf("typerpc exit status %d (want 0 or 1; 86/87: sanitizer report)", tst);
    } else if (strstr(tout, "Sanitizer") || strstr(tout, "runtime error:")) {
        problem = xprintf("sanitizer report in typerpc's output");
    } else if ((pst == 0) != (tst == 0)) {
        problem = xprintf("verdict differs: protoc %s, typerpc %s",
                          pst == 0 ? "accepts" : "rejects", tst == 0 ? "accepts" : "rejects");
    } else if (pst != 0) {
        ErrLoc pl = first_error(pout, false);
        ErrLoc tl = first_error(tout, true);
        if (!pl.found) {
            /* protoc gave no located error (e.g. only "File not found"):
             * nothing to compare the location with. */
        } else if (!tl.found) {
            problem = xprintf("protoc's first error is at %s:%d, typerpc printed no "
                              "`file:line:col: error:` line",
                              pl.file, pl.line);
        } else if (!has_error_on(tout, pl.file, pl.line, true) ||
                   !has_error_on(pout, tl.file, tl.line, false)) {
            problem = xprintf("first error: protoc %s:%d:%d, typerpc %s:%d:%d", pl.file,
                              pl.line, pl.col, tl.file, tl.line, tl.col);
        }
    }

    if (problem) {
        t->mismatches++;
        char *pe = excerpt(pout), *te = excerpt(tout);
        list_push(&t->report, xprintf("  %s: %s\n      protoc (exit %d):\n%s      typerpc (exit %d):\n%s",
                                      label, problem, pst, pe, tst, te));
        free(pe);
        free(te);
        free(problem);
    }
    free(pout);
    free(tout);
    free(pargv);
    free(targv);
    list_free(&roots);
}

static void finish(Tally *t, const char *category)
{
    fprintf(stderr, "[oracle] %s: %d cases, %d mismatches\n", category, t->cases, t->mismatches);
    for (size_t i = 0; i < t->report.len; i++)
        fputs(t->report.items[i], stderr);
    if (t->mismatches) {
        fprintf(stderr, "[oracle] %s: mismatching cases:", category);
        for (size_t i = 0; i < t->report.len; i++) {
            const char *r = t->report.items[i] + 2;
            const char *colon = strchr(r, ':');
            fprintf(stderr, " %.*s", (int)(colon ? colon - r : (long)strlen(r)), r);
        }
        fputc('\n', stderr);
    }
    int cases = t->cases, bad = t->mismatches;
    list_free(&t->report);
    assert_true(cases > 0);
    if (bad)
        fail_msg("%s: %d of %d cases differ from protoc", category, bad, cases);
}

/* ---------------------------------------------------------------------- */
/* enumerating the corpus                                                 */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Names in dir (not recursive), sorted; only .proto files or only folders. */
static StrList list_dir(const char *dir, bool want_dirs)
{
    StrList l = { 0 };
    DIR *d = opendir(dir);
    if (!d)
        return l;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = xprintf("%s/%s", dir, e->d_name);
        bool dir_entry = is_dir(path);
        free(path);
        if (want_dirs ? dir_entry : (!dir_entry && has_suffix(e->d_name, ".proto")))
            list_push(&l, xstrdup(e->d_name));
    }
    closedir(d);
    if (l.len)
        qsort(l.items, l.len, sizeof *l.items, cmp_str);
    return l;
}

/* Every .proto under root/rel, recursively, as paths relative to root. */
static void walk_protos(const char *root, const char *rel, StrList *out)
{
    char *dir = xprintf("%s/%s", root, rel);
    StrList files = list_dir(dir, false);
    for (size_t i = 0; i < files.len; i++)
        list_push(out, xprintf("%s/%s", rel, files.items[i]));
    StrList dirs = list_dir(dir, true);
    for (size_t i = 0; i < dirs.len; i++) {
        char *sub = xprintf("%s/%s", rel, dirs.items[i]);
        walk_protos(root, sub, out);
        free(sub);
    }
    list_free(&files);
    list_free(&dirs);
    free(dir);
}

static void run_single_dir(const char *category, Expect expect)
{
    char *dir = xprintf("%s/%s", ORACLE_DIR, category);
    StrList files = list_dir(dir, false);
    Tally t = { 0 };
    for (size_t i = 0; i < files.len; i++) {
        char *label = xprintf("%s/%s", category, files.items[i]);
        check_case(&t, label, dir, files.items[i], expect);
        free(label);
    }
    list_free(&files);
    free(dir);
    finish(&t, category);
}

static void test_valid(void **state)
{
    (void)state;
    run_single_dir("valid", EXPECT_VALID);
}

static void test_invalid(void **state)
{
    (void)state;
    run_single_dir("invalid", EXPECT_INVALID);
}

static void test_multi(void **state)
{
    (void)state;
    char *dir = xprintf("%s/multi", ORACLE_DIR);
    StrList cases = list_dir(dir, true);
    Tally t = { 0 };
    for (size_t i = 0; i < cases.len; i++) {
        const char *name = cases.items[i];
        Expect expect = strncmp(name, "ok_", 3) == 0    ? EXPECT_VALID
                        : strncmp(name, "bad_", 4) == 0 ? EXPECT_INVALID
                                                        : EXPECT_ANY;
        char *cdir = xprintf("%s/%s", dir, name);
        char *label = xprintf("multi/%s", name);
        check_case(&t, label, cdir, "main.proto", expect);
        free(label);
        free(cdir);
    }
    list_free(&cases);
    free(dir);
    finish(&t, "multi");
}

static void test_google_protobuf(void **state)
{
    (void)state;
    StrList files = { 0 };
    walk_protos(PROTOBUF_INCLUDE, "google/protobuf", &files);
    Tally t = { 0 };
    for (size_t i = 0; i < files.len; i++)
        check_case(&t, files.items[i], PROTOBUF_INCLUDE, files.items[i], EXPECT_VALID);
    list_free(&files);
    finish(&t, "google/protobuf");
}

/* Debian's grpc-proto package: real gRPC service definitions (health,
 * reflection, channelz, load balancing...). Two of them import files the
 * package does not ship, so the verdict is whatever protoc says. Skipped
 * when the package is not installed. */
static void test_grpc_proto(void **state)
{
    (void)state;
    if (!is_dir(GRPC_PROTO_DIR)) {
        fprintf(stderr, "[oracle] grpc-proto: %s not found (Debian package grpc-proto), "
                        "skipped\n", GRPC_PROTO_DIR);
        skip();
    }
    StrList tops = list_dir(GRPC_PROTO_DIR, true);
    StrList files = { 0 };
    for (size_t i = 0; i < tops.len; i++)
        walk_protos(GRPC_PROTO_DIR, tops.items[i], &files);
    Tally t = { 0 };
    for (size_t i = 0; i < files.len; i++)
        check_case(&t, files.items[i], GRPC_PROTO_DIR, files.items[i], EXPECT_ANY);
    list_free(&files);
    list_free(&tops);
    finish(&t, "grpc-proto");
}

int main(void)
{
    /* Without the binary every case would "differ": say so once instead. */
    if (access(typerpc_exe(), X_OK) != 0 || access(PROTOC_EXE, X_OK) != 0) {
        fprintf(stderr, "[oracle] cannot run %s or %s\n", typerpc_exe(), PROTOC_EXE);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_multi),
        cmocka_unit_test(test_google_protobuf),
        cmocka_unit_test(test_grpc_proto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
