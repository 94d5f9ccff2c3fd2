/*
 * admit.c: when a worker accepts (see admit.h).
 *
 *   paused bits     event                               effect
 *   none            open connections reach max          FULL: listeners off,
 *                                                       poll every FULL_POLL_MS
 *   FULL            a connection closes, or the poll    FULL cleared if below
 *                   finds the count below max           max: listeners on
 *   any             accept() fails                      FAILING: listeners off,
 *                                                       timer at the back-off
 *                                                       (100 ms, doubling to 1 s);
 *                                                       logged if the episode
 *                                                       is new
 *   FAILING         the back-off ends                   FAILING cleared: listeners
 *                                                       on (a new failure comes
 *                                                       back here, doubled)
 *   any             an accept works during an episode   episode over (logged)
 *
 * The listeners are on exactly when no bit is set.
 */
#include <errno.h>
#include <string.h>
#include "base/log.h"
#include "h2/timer.h"
#include "server/admit.h"
#include "typerpc/common.h"

enum { ADMIT_FULL = 1, ADMIT_FAILING = 2 };

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 1000
#define FULL_POLL_MS 100

static void set_listening(trpc__admit *a, bool on)
{
    for (size_t i = 0; i < *a->nlis; i++) {
        if (on) {
            evconnlistener_enable((*a->lis)[i]);
        } else {
            evconnlistener_disable((*a->lis)[i]);
        }
    }
}

/* Arms the timer for the sooner of what is paused: the full poll, the end
 * of the back-off. */
static void rearm(trpc__admit *a)
{
    int64_t ms = INT64_MAX;
    if (a->paused & ADMIT_FULL) {
        ms = FULL_POLL_MS;
    }
    if ((a->paused & ADMIT_FAILING) && a->retry_at - trpc_now_ms() < ms) {
        ms = a->retry_at - trpc_now_ms();
    }
    if (ms != INT64_MAX) {
        trpc__timer_in(a->ev, ms);
    }
}

static void pause_for(trpc__admit *a, unsigned bit)
{
    if (a->stopped) {
        return;
    }
    if (!a->paused) {
        set_listening(a, false);
    }
    a->paused |= bit;
    rearm(a);
}

static void unpause(trpc__admit *a, unsigned bit)
{
    if (!(a->paused & bit)) {
        return;
    }
    a->paused &= ~bit;
    if (!a->paused) {
        evtimer_del(a->ev);
        set_listening(a, true);
    } else {
        rearm(a);
    }
}

static bool full(const trpc__admit *a)
{
    return a->limit && atomic_load_explicit(&a->limit->open, memory_order_relaxed) >=
                           a->limit->max;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__admit *a = arg;
    if ((a->paused & ADMIT_FAILING) && trpc_now_ms() >= a->retry_at) {
        unpause(a, ADMIT_FAILING);
    }
    if ((a->paused & ADMIT_FULL) && !full(a)) {
        unpause(a, ADMIT_FULL);
    }
    if (a->paused) {
        rearm(a);
    }
}

void trpc__admit_failed(trpc__admit *a, int err)
{
    a->failures++;
    if (a->backoff_ms == 0) {
        a->backoff_ms = BACKOFF_MIN_MS;
        a->since = trpc_now_ms();
        trpc__log("accept() failed: %s; not accepting for %d ms to %d ms at a time while "
                  "it fails (the connections open are served)",
                  strerror(err), BACKOFF_MIN_MS, BACKOFF_MAX_MS);
    } else if (a->backoff_ms < BACKOFF_MAX_MS) {
        a->backoff_ms = a->backoff_ms * 2 < BACKOFF_MAX_MS ? a->backoff_ms * 2 : BACKOFF_MAX_MS;
    }
    a->retry_at = trpc_now_ms() + a->backoff_ms;
    pause_for(a, ADMIT_FAILING);
}

int trpc__admit_init(trpc__admit *a, struct event_base *base, struct evconnlistener ***lis,
                     size_t *nlis, trpc__conn_limit *limit)
{
    memset(a, 0, sizeof *a);
    a->lis = lis;
    a->nlis = nlis;
    a->limit = limit;
    a->ev = evtimer_new(base, timer_cb, a);
    return a->ev ? 0 : -1;
}

void trpc__admit_fini(trpc__admit *a)
{
    if (a->ev) {
        event_free(a->ev);
        a->ev = NULL;
    }
}

void trpc__admit_opened(trpc__admit *a, unsigned n)
{
    if (!a->limit || n == 0) {
        return;
    }
    unsigned now = atomic_fetch_add_explicit(&a->limit->open, n, memory_order_relaxed) + n;
    if (now >= a->limit->max && !(a->paused & ADMIT_FULL) && *a->nlis > 0) {
        pause_for(a, ADMIT_FULL);
    }
}

void trpc__admit_closed(trpc__admit *a)
{
    if (!a->limit) {
        return;
    }
    atomic_fetch_sub_explicit(&a->limit->open, 1, memory_order_relaxed);
    if ((a->paused & ADMIT_FULL) && !full(a)) {
        unpause(a, ADMIT_FULL);
    }
}

void trpc__admit_accepted(trpc__admit *a)
{
    if (a->backoff_ms == 0) {
        return;
    }
    trpc__log("accepting again after %lu failed accept() calls in %lld ms", a->failures,
              (long long)(trpc_now_ms() - a->since));
    a->backoff_ms = 0;
    a->failures = 0;
}

void trpc__admit_stop(trpc__admit *a)
{
    a->paused = 0;
    a->stopped = true;
    if (a->ev) {
        evtimer_del(a->ev);
    }
}
