/*
 * status.c: names and descriptions of library errors, gRPC status codes and
 * done reasons (the first two generated from the X-macros in
 * typerpc/common.h), and the clock.
 */
#include <time.h>
#include "typerpc/typerpc.h"

const char *trpc_strerror(trpc_error err)
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

const char *trpc_err_name(trpc_error err)
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
    case TRPC__STATUS_MIN:
        break;
#define X(name, num) case TRPC_STATUS_##name: return #name;
        TRPC_STATUS_MAP(X)
#undef X
    }
    return "UNKNOWN_STATUS";
}

bool trpc_status_valid(trpc_status code)
{
    return (int)code >= 0 && (int)code <= 16;
}

const char *trpc_done_reason_name(trpc_done_reason why)
{
    switch (why) {
    case TRPC_DONE_FINISHED: return "FINISHED";
    case TRPC_DONE_CANCELLED: return "CANCELLED";
    case TRPC_DONE_DEADLINE: return "DEADLINE";
    case TRPC_DONE_CONNECTION_LOST: return "CONNECTION_LOST";
    case TRPC_DONE_SHUTDOWN: return "SHUTDOWN";
    case TRPC_DONE_FAILED: return "FAILED";
    }
    return "UNKNOWN_REASON";
}

int64_t trpc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
