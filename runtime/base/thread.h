/*
 * base/thread.h: the library's threads: the one-time setup that lets
 * libevent loops be woken from other threads, and thread creation with
 * every signal blocked.
 */
#ifndef TRPC_BASE_THREAD_H
#define TRPC_BASE_THREAD_H

#include <pthread.h>
#include <stdint.h>

/* Makes libevent thread-aware (once, process-wide).  Returns 0 or -1. */
int trpc__libevent_threads(void);

/* pthread_create() for the library's own threads, with every signal blocked
 * in them: process signals go to the application's threads, and writing to
 * a socket the peer closed gives EPIPE instead of killing the process with
 * SIGPIPE (the signal stays pending, blocked, on our thread).  Returns 0 or
 * an errno value. */
int trpc__thread_create(pthread_t *th, void *(*fn)(void *), void *arg);

/* Initialises a condition variable that waits on CLOCK_MONOTONIC (the
 * clock of trpc_now_ms()), and waits on one until an absolute time in
 * trpc_now_ms() milliseconds (INT64_MAX: no limit).  The wait returns 0,
 * or ETIMEDOUT. */
int trpc__cond_init(pthread_cond_t *cv);
int trpc__cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline_ms);

#endif
