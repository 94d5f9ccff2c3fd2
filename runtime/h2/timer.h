/*
 * h2/timer.h: arming libevent timers from the trpc_now_ms() clock: call
 * deadlines on both sides, backoff, shutdown steps, application timers.
 */
#ifndef TRPC_H2_TIMER_H
#define TRPC_H2_TIMER_H

#include <stdint.h>
#include <sys/time.h>
#include <event2/event.h>
#include "typerpc/common.h"

/* Arms ev to fire after ms milliseconds (at once, on the next turn of the
 * loop, when ms <= 0). */
static inline void trpc__timer_in(struct event *ev, int64_t ms)
{
    if (ms < 0) {
        ms = 0;
    }
    struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
    evtimer_add(ev, &tv);
}

/* Arms ev for the absolute time deadline (trpc_now_ms() milliseconds). */
static inline void trpc__timer_at(struct event *ev, int64_t deadline)
{
    trpc__timer_in(ev, deadline - trpc_now_ms());
}

#endif
