/*
 * typerpc/health.h: gRPC's standard health service, grpc.health.v1.Health.
 *
 * One call adds it to a server: Check answers a service's current status,
 * Watch streams it (the current status at once, then every change).  It is
 * what Kubernetes' gRPC probes, grpc_health_probe, Envoy and gRPC's own
 * client-side health checking ask.  The application sets statuses from any
 * thread; watchers are told on their workers.
 *
 *   trpc_health *health;
 *   trpc_health_new(&health, srv);              // before trpc_server_start()
 *   trpc_health_set(health, "pkg.Svc", TRPC_HEALTH_SERVING);
 *
 * Semantics (gRPC's doc/health-checking.md):
 *  - The empty name "" is the server as a whole; trpc_health_new() sets it
 *    SERVING.  Other names ("pkg.Service") are known once set.
 *  - Check on a name never set fails with NOT_FOUND.
 *  - Watch on a name never set sends SERVICE_UNKNOWN (not an error) and
 *    keeps watching: a later trpc_health_set() is sent.  A watcher gets a
 *    message only when the status it last got changes; if statuses change
 *    faster than a watcher reads, it gets the latest (changes in between
 *    are skipped, as gRPC's own servers do).
 *  - When the server shuts down (trpc_server_shutdown(), or
 *    trpc_health_shutdown() earlier), every known status becomes
 *    NOT_SERVING for good (trpc_health_set() then fails with TRPC_ESTATE),
 *    each watcher is sent that change and its call ends with status OK.
 *    A watcher that does not read is left to the shutdown's grace.
 */
#ifndef TYPERPC_HEALTH_H
#define TYPERPC_HEALTH_H

#include "typerpc/common.h"
#include "typerpc/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A health service, owned by the server it was added to. */
typedef struct trpc_health trpc_health;

/* grpc.health.v1.HealthCheckResponse.ServingStatus, same values. */
typedef enum trpc_health_status {
    TRPC_HEALTH_UNKNOWN = 0,
    TRPC_HEALTH_SERVING = 1,
    TRPC_HEALTH_NOT_SERVING = 2,
    TRPC_HEALTH_SERVICE_UNKNOWN = 3 /* Watch only: no status was ever set */
} trpc_health_status;

/* Registers grpc.health.v1.Health on srv, with "" SERVING, and gives its
 * handle in *out.  The server owns it: it is valid until trpc_server_free().
 * Only before trpc_server_start().  Errors: TRPC_EINVAL, TRPC_ESTATE
 * (started), TRPC_EEXISTS (the server already has a health service, or
 * another grpc.health.v1.Health), TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_health_new(trpc_health **out, trpc_server *srv);

/* Sets the status of service ("" for the whole server) to SERVING,
 * NOT_SERVING or UNKNOWN and tells its watchers if it changed.  From any
 * thread, a notification included.  Errors: TRPC_EINVAL (NULL, or status
 * SERVICE_UNKNOWN or out of range), TRPC_ESTATE (shut down), TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_health_set(trpc_health *h, const char *service,
                                       trpc_health_status status);

/* Sets every known status (the "" one included) at once, as above. */
TRPC_EXPORT trpc_error trpc_health_set_all(trpc_health *h, trpc_health_status status);

/* The status of service, TRPC_HEALTH_SERVICE_UNKNOWN if none was ever set
 * (or h or service is NULL).  From any thread. */
TRPC_EXPORT trpc_health_status trpc_health_get(trpc_health *h, const char *service);

/* Enters the shut-down state now (every known status NOT_SERVING for good,
 * watchers told and their calls ended), for a program that wants its
 * clients to move away before it stops serving.  trpc_server_shutdown()
 * does it first thing; calling it again is harmless.  From any thread. */
TRPC_EXPORT void trpc_health_shutdown(trpc_health *h);

/* "SERVING", "NOT_SERVING", ...; never NULL. */
TRPC_EXPORT const char *trpc_health_status_name(trpc_health_status status);

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_HEALTH_H */
