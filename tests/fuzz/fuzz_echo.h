/*
 * fuzz_echo.h: an echo.Echo implementation for in-process drivers (the
 * network fuzz targets and the allocation-failure test).  Every handler
 * answers on the worker's thread at once (no other threads, no timers), so
 * a run is deterministic: unary and client streams echo the last request,
 * server streams write min(count, 4) replies, bidi echoes each message;
 * a nonzero code fails the call with that status and text as message;
 * mode "metadata" echoes the request metadata as headers and trailers.
 */
#ifndef TRPC_FUZZ_ECHO_H
#define TRPC_FUZZ_ECHO_H

#include "echo.trpc.h"

extern const Echo__Echo_Impl fuzz_echo_impl;

#endif
