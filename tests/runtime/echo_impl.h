/*
 * echo_impl.h: the test implementation of echo.Echo shared by the cmocka
 * end-to-end tests and the standalone echo_server used by the grpcio
 * interop tests.  Behaviour is chosen per request by EchoRequest.mode.
 */
#ifndef TRPC_TEST_ECHO_IMPL_H
#define TRPC_TEST_ECHO_IMPL_H

#include <stdatomic.h>
#include "echo.trpc.h"

/* Counters the tests watch (reset by echo_impl_reset()). */
typedef struct echo_stats {
    atomic_int started;        /* calls that reached a handler */
    atomic_int saw_cancel;     /* handlers or done notifications that saw cancellation */
    atomic_int finished_late;  /* calls finished from another thread */
    atomic_int stream_msgs;    /* streamed request messages received */
    atomic_int done[6];        /* done notifications, by trpc_done_reason */
    atomic_int late_closed;    /* a late __finish_call got TRPC_ECLOSED */
} echo_stats;

extern echo_stats echo_stats_g;
extern const Echo__Echo_Impl echo_impl; /* .missing is NULL */

void echo_impl_reset(void);
/* Waits (bounded, 10 s) until *counter >= n; returns whether it got there. */
int echo_wait_counter(atomic_int *counter, int n);
void echo_sleep_ms(int ms);

#endif
