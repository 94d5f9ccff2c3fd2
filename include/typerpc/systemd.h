/*
 * typerpc/systemd.h: running under systemd (or anything speaking its
 * protocols), without libsystemd: both are a few environment variables.
 *
 * Socket activation: systemd (a .socket unit, or systemd-socket-activate)
 * binds the listening sockets, starts the service when the first client
 * connects and passes them as fds 3, 4, ... with LISTEN_FDS=n and
 * LISTEN_PID=<the service's pid>.  No connection is lost while the service
 * starts or restarts: the kernel queues them on the socket.
 *
 * Readiness: a service of Type=notify tells systemd it is ready, and that
 * it is stopping, with datagrams ("READY=1", "STOPPING=1") to the unix
 * socket named by NOTIFY_SOCKET.  The library does not send them on its
 * own: readiness is the whole program's (it may run several servers, or
 * have more to set up after trpc_server_start()), so the program calls
 * trpc_sd_notify() when it is ready and when it begins to stop.
 *
 *   int n;
 *   trpc_server_listen_systemd(srv, &n);       // n == 0: not activated
 *   if (n == 0) trpc_server_listen(srv, "127.0.0.1:50051", NULL);
 *   trpc_server_start(srv);
 *   trpc_sd_notify("READY=1", NULL);
 *   ...
 *   trpc_sd_notify("STOPPING=1", NULL);
 *   trpc_server_shutdown(srv, 5000);
 */
#ifndef TYPERPC_SYSTEMD_H
#define TYPERPC_SYSTEMD_H

#include "typerpc/common.h"
#include "typerpc/server.h"
#include "typerpc/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The first fd passed by socket activation (SD_LISTEN_FDS_START). */
#define TRPC_LISTEN_FDS_START 3

/* Serves on every socket passed by socket activation: when LISTEN_PID is
 * this process and LISTEN_FDS is n > 0, fds 3 .. 3+n-1 go to
 * trpc_server_listen_fd(), and *n (if not NULL) says how many; otherwise
 * nothing happens and *n is 0.  Like sd_listen_fds(1) it then unsets
 * LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES, so programs this one starts do
 * not take the sockets for theirs: call it before starting threads that
 * read the environment.  Only before trpc_server_start().  Errors:
 * TRPC_EINVAL (srv NULL, or LISTEN_FDS is not a number, or an fd is not a
 * listening stream socket: the ones before it are kept, the rest closed),
 * TRPC_ESTATE, TRPC_ESYS, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_listen_systemd(trpc_server *srv, int *n);

/* The same, serving TLS with cfg on every passed socket
 * (trpc_server_listen_fd_tls()).  Errors: those above, and TRPC_ETLS
 * (trpc_tls_last_error() says why; the sockets are then closed). */
TRPC_EXPORT trpc_error trpc_server_listen_systemd_tls(trpc_server *srv, int *n,
                                                      const trpc_tls_server_config *cfg);

/* Sends state (newline-separated assignments: "READY=1", "STOPPING=1",
 * "STATUS=...", "RELOADING=1", ...) in one datagram to the supervisor's
 * NOTIFY_SOCKET, a unix datagram socket: a path, or an abstract name
 * written "@name".  When NOTIFY_SOCKET is not set (not supervised) it does
 * nothing and returns TRPC_OK, as sd_notify() does; *sent (if not NULL)
 * tells the two apart.  Thread-safe; the environment is read, not changed.
 * Errors: TRPC_EINVAL (state NULL or empty, NOTIFY_SOCKET not a usable
 * address), TRPC_ESYS (the send failed). */
TRPC_EXPORT trpc_error trpc_sd_notify(const char *state, bool *sent);

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_SYSTEMD_H */
