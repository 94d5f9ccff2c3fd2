/*
 * malloc_count.c: an LD_PRELOAD shim that counts heap allocations.
 *
 * Wraps malloc, calloc, realloc, free and the aligned allocators, forwarding
 * to glibc's __libc_* entry points (no dlsym, which itself allocates), and
 * at process exit writes one line
 *   malloc_count: malloc=N calloc=N realloc=N memalign=N free=N
 * to the file named by $MALLOC_COUNT_FILE (appended), or to stderr.  The
 * counters are relaxed atomics: exact, at some cost under contention, so
 * measure throughput without the shim.  bench/load.sh uses it to report
 * allocations per unary call on the server.
 *
 * Build: cc -O2 -shared -fPIC -o malloc_count.so malloc_count.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static atomic_ulong n_malloc, n_calloc, n_realloc, n_memalign, n_free;

void *malloc(size_t n)
{
    atomic_fetch_add_explicit(&n_malloc, 1, memory_order_relaxed);
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    atomic_fetch_add_explicit(&n_calloc, 1, memory_order_relaxed);
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    atomic_fetch_add_explicit(&n_realloc, 1, memory_order_relaxed);
    return __libc_realloc(p, n);
}

void free(void *p)
{
    if (p) {
        atomic_fetch_add_explicit(&n_free, 1, memory_order_relaxed);
    }
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    atomic_fetch_add_explicit(&n_memalign, 1, memory_order_relaxed);
    return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p = memalign(align, n);
    if (!p) {
        return 12; /* ENOMEM */
    }
    *out = p;
    return 0;
}

__attribute__((destructor)) static void malloc_count_report(void)
{
    char line[200];
    int len = snprintf(line, sizeof line,
                       "malloc_count: malloc=%lu calloc=%lu realloc=%lu memalign=%lu free=%lu\n",
                       atomic_load(&n_malloc), atomic_load(&n_calloc),
                       atomic_load(&n_realloc), atomic_load(&n_memalign),
                       atomic_load(&n_free));
    const char *path = getenv("MALLOC_COUNT_FILE");
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0644) : 2;
    if (fd >= 0 && len > 0) {
        ssize_t w = write(fd, line, (size_t)len);
        (void)w;
        if (fd != 2) {
            close(fd);
        }
    }
}
