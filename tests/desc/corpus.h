/*
 * corpus.h — what the descriptor tests (test_descriptor_set, test_plugin)
 * share: the corpus of valid .proto files they run protoc and typerpc over,
 * and running a program and comparing what it wrote.
 *
 * The corpus: every .proto of tests/oracle/valid/ and tests/oracle/multi/ok_*
 * (main.proto, on the case's roots) and of this folder's cases/, protobuf's
 * own /usr/include/google/protobuf/ files and gRPC's /usr/share/grpc-proto
 * (when installed). A case protoc itself rejects (two gRPC files import
 * googleapis, which Debian does not ship) is skipped, and counted.
 */
#ifndef TYPERPC_TESTS_DESC_CORPUS_H
#define TYPERPC_TESTS_DESC_CORPUS_H

#include <stdbool.h>
#include <stddef.h>

/* One compilation: run in `cwd` with `args` (roots and inputs). */
typedef struct Case {
    char *label;
    char *cwd;
    char *args[16];
    size_t nargs;
} Case;

typedef struct CaseList {
    Case *items;
    size_t len;
    size_t cap;
} CaseList;

/* Every case of the corpus; `multi_inputs` adds, for each multi case, one
 * compilation of all its files at once (inputs that import each other). */
CaseList corpus_cases(bool multi_inputs);
void corpus_free(CaseList *l);

/* Run argv[0] (a path) in cwd, stdin from /dev/null, output to `log` (a
 * file, or NULL for /dev/null); returns the exit status, 128+signal when
 * killed. Sanitizer reports get exit statuses of their own (86, 87). */
int run_in(const char *cwd, char *const argv[], const char *log);

/* The whole file, malloc'd (NULL if unreadable); *len its size. */
char *slurp(const char *path, size_t *len);

/* A fresh empty temporary folder (malloc'd path); rm_rf removes one. */
char *temp_dir(void);
void rm_rf(const char *path);
int mkdir_p(const char *path);   /* mkdir; 0 or -1 */

/* Compare two folder trees: same files, same bytes. On the first
 * difference, a malloc'd description; NULL when identical. */
char *tree_diff(const char *a, const char *b);

/* printf into a malloc'd string. */
char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
