/*
 * addr.c: parsing of listen and target addresses ("host:port", "[v6]:port",
 * ":port", "unix:/path"), the one-time setup that lets libevent loops be
 * woken from other threads, and the creation of the library's threads.
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <event2/thread.h>
#include "internal.h"

int trpc__addr_parse(const char *s, trpc__addr *a)
{
    memset(a, 0, sizeof *a);
    if (!s || !*s) {
        return TRPC_EADDR;
    }
    if (strncmp(s, "unix:", 5) == 0) {
        const char *path = s + 5;
        if (!*path || strlen(path) >= sizeof a->path) {
            return TRPC_EADDR;
        }
        a->is_unix = true;
        strcpy(a->path, path);
        return 0;
    }
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof a->host) {
            return TRPC_EADDR;
        }
        memcpy(a->host, s + 1, (size_t)(close - s - 1));
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof a->host) {
            return TRPC_EADDR;
        }
        memcpy(a->host, s, (size_t)(colon - s));
        if (strchr(a->host, ':')) {
            return TRPC_EADDR; /* a bare IPv6 address needs brackets */
        }
    }
    const char *port = colon + 1;
    size_t plen = strlen(port);
    if (plen == 0 || plen >= sizeof a->port || strspn(port, "0123456789") != plen) {
        return TRPC_EADDR;
    }
    memcpy(a->port, port, plen);
    return 0;
}

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
