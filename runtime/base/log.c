/*
 * log.c: one line to stderr (see log.h).  Formatted into a buffer first and
 * written with a single write(), so lines of several threads do not mix.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "base/log.h"

void trpc__log(const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof line, "typerpc: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) {
        return;
    }
    size_t len = (size_t)n + ((size_t)m < sizeof line - (size_t)n - 1
                                  ? (size_t)m : sizeof line - (size_t)n - 2);
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w; /* nothing to do if stderr is gone */
}
