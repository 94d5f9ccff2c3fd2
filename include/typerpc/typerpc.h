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
#include "typerpc/health.h"
#include "typerpc/reflection.h"
#include "typerpc/systemd.h"
#include "typerpc/tls.h"

/* Used by generated code: `_Generic` guards that make a wrong message,
 * handle, callback or options argument a hard compile error rather than a
 * warning (none has a default branch).
 * TRPC_IN(T, x): x must be a T * or const T *; yields const T *.
 * TRPC_OUT(T, x): x must be exactly T (a pointer type).
 * TRPC_OPT(T, x): x must be a T *, a const T * or a null pointer constant
 *   (NULL, 0); yields const T *.  A void * variable does not fit; an int
 *   is an -Wint-conversion diagnostic, which generated headers make an
 *   error. */
#define TRPC_IN(T, x) _Generic((x), T *: (const T *)(x), const T *: (x))
#define TRPC_OUT(T, x) _Generic((x), T: (x))
#define TRPC_OPT(T, x) _Generic((1 ? (x) : (const T *)0), const T *: (x))

#endif /* TYPERPC_TYPERPC_H */
