/*
 * thread.c: the library's threads and the clock they wait on (see
 * thread.h).
 */
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <time.h>
#include <event2/thread.h>
#include "base/thread.h"

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;
static int threads_rv;

static void threads_init(void) { threads_rv = evthread_use_pthreads(); }

int trpc__libevent_threads(void)
{
    pthread_once(&threads_once, threads_init);
    return threads_rv;
}

int trpc__thread_create(pthread_t *th, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rv = pthread_create(th, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rv;
}

int trpc__cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    if (pthread_condattr_init(&a) != 0) {
        return -1;
    }
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    int rv = pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
    return rv == 0 ? 0 : -1;
}

int trpc__cond_wait_until(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t deadline_ms)
{
    if (deadline_ms == INT64_MAX) {
        return pthread_cond_wait(cv, mu);
    }
    struct timespec ts = { (time_t)(deadline_ms / 1000), (long)(deadline_ms % 1000) * 1000000L };
    return pthread_cond_timedwait(cv, mu, &ts);
}
