/*
 * corpus.c — the corpus and the process helpers of the descriptor tests
 * (see corpus.h).
 */
#include "corpus.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

char *xprintf(const char *fmt, ...)
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir ending in suffix (dirs only when want_dirs). */
static char **list_dir(const char *dir, const char *prefix, const char *suffix, bool want_dirs,
                       size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t cap = 16;
    char **names = malloc(cap * sizeof *names);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(e->d_name), sl = strlen(suffix), pl = strlen(prefix);
        if (len < sl || strcmp(e->d_name + len - sl, suffix) != 0 ||
            strncmp(e->d_name, prefix, pl) != 0)
            continue;
        char *path = xprintf("%s/%s", dir, e->d_name);
        struct stat st;
        bool is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        free(path);
        if (is_dir != want_dirs)
            continue;
        if (*n == cap)
            names = realloc(names, (cap *= 2) * sizeof *names);
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

static void add(CaseList *l, Case c)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        if (!l->items)
            abort();
    }
    l->items[l->len++] = c;
}

static Case make_case(char *label, const char *cwd)
{
    Case c = { .label = label, .cwd = strdup(cwd) };
    return c;
}

static void arg(Case *c, char *a)
{
    if (c->nargs + 1 < sizeof c->args / sizeof *c->args)
        c->args[c->nargs++] = a;
}

/* Every .proto under root/rel, as root-relative paths, sorted. */
static void walk_protos(const char *root, const char *rel, char ***out, size_t *n, size_t *cap)
{
    char *dir = rel[0] ? xprintf("%s/%s", root, rel) : strdup(root);
    size_t nd, nf;
    char **dirs = list_dir(dir, "", "", true, &nd);
    char **files = list_dir(dir, "", ".proto", false, &nf);
    for (size_t i = 0; i < nf; i++) {
        if (*n == *cap)
            *out = realloc(*out, (*cap = *cap ? *cap * 2 : 64) * sizeof **out);
        (*out)[(*n)++] = rel[0] ? xprintf("%s/%s", rel, files[i]) : strdup(files[i]);
        free(files[i]);
    }
    for (size_t i = 0; i < nd; i++) {
        char *sub = rel[0] ? xprintf("%s/%s", rel, dirs[i]) : strdup(dirs[i]);
        walk_protos(root, sub, out, n, cap);
        free(sub);
        free(dirs[i]);
    }
    free(files);
    free(dirs);
    free(dir);
}

static void single_dir(CaseList *l, const char *dir, const char *label)
{
    size_t n;
    char **files = list_dir(dir, "", ".proto", false, &n);
    for (size_t i = 0; i < n; i++) {
        Case c = make_case(xprintf("%s/%s", label, files[i]), dir);
        arg(&c, strdup("-I."));
        arg(&c, strdup("--proto_path=" PROTOBUF_INCLUDE));
        arg(&c, files[i]);
        add(l, c);
    }
    free(files);
}

/* Every .proto under root/start, named from root. */
static void tree(CaseList *l, const char *root, const char *start, const char *label,
                 bool with_include)
{
    char **files = NULL;
    size_t n = 0, cap = 0;
    walk_protos(root, start, &files, &n, &cap);
    for (size_t i = 0; i < n; i++) {
        Case c = make_case(xprintf("%s/%s", label, files[i]), root);
        arg(&c, xprintf("-I%s", root));
        if (with_include)
            arg(&c, strdup("-I" PROTOBUF_INCLUDE));
        arg(&c, files[i]);
        add(l, c);
    }
    free(files);
}

CaseList corpus_cases(bool multi_inputs)
{
    CaseList l = { 0 };
    single_dir(&l, ORACLE_DIR "/valid", "valid");
    single_dir(&l, CASES_DIR, "cases");

    size_t nm;
    char **multi = list_dir(ORACLE_DIR "/multi", "ok_", "", true, &nm);
    for (size_t i = 0; i < nm; i++) {
        char *dir = xprintf("%s/multi/%s", ORACLE_DIR, multi[i]);
        char *roots_path = xprintf("%s/roots", dir);
        Case c = make_case(xprintf("multi/%s", multi[i]), dir);
        FILE *fp = fopen(roots_path, "r");
        char line[512];
        bool any_root = false;
        while (fp && fgets(line, sizeof line, fp)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0]) {
                arg(&c, xprintf("-I%s", line));
                any_root = true;
            }
        }
        if (fp)
            fclose(fp);
        if (!any_root)
            arg(&c, strdup("-I."));
        arg(&c, strdup("--proto_path=" PROTOBUF_INCLUDE));
        Case all = c;
        all.label = xprintf("multi/%s (every file)", multi[i]);
        all.cwd = strdup(dir);
        for (size_t k = 0; k < c.nargs; k++)
            all.args[k] = strdup(c.args[k]);
        arg(&c, strdup("main.proto"));
        add(&l, c);
        if (multi_inputs && !any_root) {
            /* Every file, in reverse order: inputs that import each other. */
            size_t nf;
            char **files = list_dir(dir, "", ".proto", false, &nf);
            for (size_t k = nf; k-- > 0;)
                arg(&all, files[k]);
            free(files);
            add(&l, all);
        } else {
            for (size_t k = 0; k < all.nargs; k++)
                free(all.args[k]);
            free(all.label);
            free(all.cwd);
        }
        free(roots_path);
        free(dir);
        free(multi[i]);
    }
    free(multi);

    tree(&l, PROTOBUF_INCLUDE, "google/protobuf", "include", false);
    struct stat st;
    if (stat("/usr/share/grpc-proto", &st) == 0)
        tree(&l, "/usr/share/grpc-proto", "", "grpc-proto", true);
    return l;
}

void corpus_free(CaseList *l)
{
    for (size_t i = 0; i < l->len; i++) {
        for (size_t k = 0; k < l->items[i].nargs; k++)
            free(l->items[i].args[k]);
        free(l->items[i].label);
        free(l->items[i].cwd);
    }
    free(l->items);
    *l = (CaseList){ 0 };
}

int run_in(const char *cwd, char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || chdir(cwd) != 0)
            _exit(125);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        setenv("NO_COLOR", "1", 1);
        setenv("ASAN_OPTIONS", "exitcode=86", 0);
        setenv("UBSAN_OPTIONS", "exitcode=87:print_stacktrace=1", 0);
        execv(argv[0], argv);
        _exit(126);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(fp);
    *len = n;
    return buf;
}

char *temp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = xprintf("%s/typerpc-desc-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    return dir;
}

int mkdir_p(const char *path)
{
    return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *sub = xprintf("%s/%s", path, e->d_name);
            rm_rf(sub);
            free(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void tree_files(const char *root, const char *rel, char ***out, size_t *n, size_t *cap)
{
    char *dir = rel[0] ? xprintf("%s/%s", root, rel) : strdup(root);
    size_t nd, nf;
    char **dirs = list_dir(dir, "", "", true, &nd);
    char **files = list_dir(dir, "", "", false, &nf);
    for (size_t i = 0; i < nf; i++) {
        if (*n == *cap)
            *out = realloc(*out, (*cap = *cap ? *cap * 2 : 64) * sizeof **out);
        (*out)[(*n)++] = rel[0] ? xprintf("%s/%s", rel, files[i]) : strdup(files[i]);
        free(files[i]);
    }
    for (size_t i = 0; i < nd; i++) {
        char *sub = rel[0] ? xprintf("%s/%s", rel, dirs[i]) : strdup(dirs[i]);
        tree_files(root, sub, out, n, cap);
        free(sub);
        free(dirs[i]);
    }
    free(files);
    free(dirs);
    free(dir);
}

char *tree_diff(const char *a, const char *b)
{
    char **fa = NULL, **fb = NULL;
    size_t na = 0, nb = 0, ca = 0, cb = 0;
    tree_files(a, "", &fa, &na, &ca);
    tree_files(b, "", &fb, &nb, &cb);
    char *diff = NULL;
    if (na != nb)
        diff = xprintf("%zu files against %zu", na, nb);
    for (size_t i = 0; i < na && !diff; i++) {
        if (strcmp(fa[i], fb[i]) != 0) {
            diff = xprintf("'%s' against '%s'", fa[i], fb[i]);
            break;
        }
        char *pa = xprintf("%s/%s", a, fa[i]), *pb = xprintf("%s/%s", b, fb[i]);
        size_t la = 0, lb = 0;
        char *da = slurp(pa, &la), *db = slurp(pb, &lb);
        if (!da || !db || la != lb || memcmp(da, db, la) != 0)
            diff = xprintf("%s differs", fa[i]);
        free(da);
        free(db);
        free(pa);
        free(pb);
    }
    for (size_t i = 0; i < na; i++)
        free(fa[i]);
    for (size_t i = 0; i < nb; i++)
        free(fb[i]);
    free(fa);
    free(fb);
    return diff;
}
