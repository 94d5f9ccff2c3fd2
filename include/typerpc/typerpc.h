/*
 * typerpc/typerpc.h: the one header users and generated code include.
 * libtyperpc carries gRPC calls over HTTP/2 (nghttp2 + libevent) with
 * protobuf-c messages.  See docs/runtime.md for the guide.
 */
#ifndef TYPERPC_TYPERPC_H
#define TYPERPC_TYPERPC_H

#include "typerpc/common.h"
#include "typerpc/server.h"
#include "typerpc/channel.h"

/* Used by generated code: `_Generic` guards that make a wrong message,
 * stream or handler type a hard compile error rather than a warning.
 * TRPC_IN(T, x): x must be a T * or const T *; yields const T *.
 * TRPC_OUT(T, x): x must be exactly T (a pointer type). */
#define TRPC_IN(T, x) _Generic((x), T *: (const T *)(x), const T *: (x))
#define TRPC_OUT(T, x) _Generic((x), T: (x))

#endif /* TYPERPC_TYPERPC_H */
