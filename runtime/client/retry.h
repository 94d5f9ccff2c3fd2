/*
 * client/retry.h: gRPC's retry policy (A6) for a channel's calls: which
 * policy applies to a method, whether an attempt that failed is tried
 * again and after how long (exponential backoff with full jitter, the
 * server's pushback), and the channel's retry throttle (a token bucket,
 * so a failing service is not stormed).  The mechanics of sending again
 * (keeping the request, waiting, restarting) are client/stream.c's.
 */
#ifndef TRPC_CLIENT_RETRY_H
#define TRPC_CLIENT_RETRY_H

#include "client/stream.h"

/* Copies o->retry_policies into cl (checked: max_attempts >= 2, some
 * retryable code; defaults filled in).  TRPC_OK, TRPC_EINVAL, TRPC_ENOMEM.
 * Before the I/O thread. */
trpc_error trpc__retry_init(trpc__client *cl, const trpc_channel_opts *o);
void trpc__retry_fini(trpc__client *cl);
/* The attempt of s ended with its status from a Trailers-Only response
 * (nothing committed): the wait before the next attempt (ms, >= 0), or -1
 * for none (no policy, not retryable, attempts used up, throttled,
 * pushback says no, or the deadline would pass).  Counts the failure in
 * the throttle.  I/O thread. */
int64_t trpc__retry_delay(trpc__client *cl, trpc_stream *s);
/* A call ended OK: the throttle gets tokens back.  I/O thread. */
void trpc__retry_success(trpc__client *cl);

#endif
