/*
 * base/log.h: the runtime's few log lines.  The library reports through
 * return values and call statuses; it writes to stderr only about the
 * process as a whole when nobody else can be told (the server ran out of
 * file descriptors and stops accepting for a while), and then once per
 * episode, never per event.
 */
#ifndef TRPC_BASE_LOG_H
#define TRPC_BASE_LOG_H

#if defined(__GNUC__)
#define TRPC__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TRPC__PRINTF(a, b)
#endif

/* One line "typerpc: <message>\n" on stderr, written with one write(). */
void trpc__log(const char *fmt, ...) TRPC__PRINTF(1, 2);

#endif
