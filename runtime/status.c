/*
 * status.c: names and descriptions of library errors and gRPC status codes,
 * generated from the X-macros in typerpc/common.h, and the clock.
 */
#include <time.h>
#include "internal.h"

const char *trpc_strerror(int err)
{
    switch (err) {
    case TRPC_OK:
        return "success";
#define X(name, val, desc) case TRPC_E##name: return desc;
        TRPC_ERRNO_MAP(X)
#undef X
    default:
        return "unknown error";
    }
}

const char *trpc_err_name(int err)
{
    switch (err) {
    case TRPC_OK:
        return "OK";
#define X(name, val, desc) case TRPC_E##name: return #name;
        TRPC_ERRNO_MAP(X)
#undef X
    default:
        return "UNKNOWN_ERROR";
    }
}

const char *trpc_status_name(trpc_status code)
{
    switch (code) {
    case TRPC_PENDING:
        return "PENDING";
#define X(name, num) case TRPC_STATUS_##name: return #name;
        TRPC_STATUS_MAP(X)
#undef X
    }
    return "UNKNOWN_STATUS";
}

int64_t trpc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
