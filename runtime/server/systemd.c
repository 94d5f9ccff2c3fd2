/*
 * systemd.c: systemd's socket activation and readiness protocols
 * (typerpc/systemd.h), spoken directly: they are environment variables and
 * one datagram, so no libsystemd.  LISTEN_FDS/LISTEN_PID hand over
 * listening sockets from fd 3 on (sd_listen_fds(3)); NOTIFY_SOCKET names
 * the unix datagram socket that takes "READY=1" and friends
 * (sd_notify(3)), '@' at its start standing for the abstract namespace's
 * leading NUL byte.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "typerpc/systemd.h"

/* A whole decimal number in [0, max], or -1. */
static long env_number(const char *s, long max)
{
    if (!s || !*s) {
        return -1;
    }
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return (*end || errno || v < 0 || v > max) ? -1 : v;
}

static trpc_error listen_systemd(trpc_server *srv, int *n, const trpc_tls_server_config *tls)
{
    if (n) {
        *n = 0;
    }
    if (!srv) {
        return TRPC_EINVAL;
    }
    const char *pid_s = getenv("LISTEN_PID");
    const char *fds_s = getenv("LISTEN_FDS");
    if (!pid_s || !fds_s) {
        return TRPC_OK; /* not socket-activated */
    }
    long pid = env_number(pid_s, LONG_MAX);
    long nfds = env_number(fds_s, INT_MAX - TRPC_LISTEN_FDS_START);
    /* The variables were meant for another process (a parent that did not
     * unset them): leave them and the fds alone. */
    if (pid != (long)getpid()) {
        return pid < 0 ? TRPC_EINVAL : TRPC_OK;
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (nfds < 0) {
        return TRPC_EINVAL;
    }
    trpc_error rv = TRPC_OK;
    int taken = 0;
    for (int i = 0; i < (int)nfds; i++) {
        int fd = TRPC_LISTEN_FDS_START + i;
        if (rv == TRPC_OK) {
            rv = tls ? trpc_server_listen_fd_tls(srv, fd, tls) : trpc_server_listen_fd(srv, fd);
            if (rv == TRPC_OK) {
                taken++;
                continue;
            }
        }
        close(fd); /* passed to us and not served: do not leak it */
    }
    if (n) {
        *n = taken;
    }
    return rv;
}

trpc_error trpc_server_listen_systemd(trpc_server *srv, int *n)
{
    return listen_systemd(srv, n, NULL);
}

trpc_error trpc_server_listen_systemd_tls(trpc_server *srv, int *n,
                                          const trpc_tls_server_config *cfg)
{
    if (n) {
        *n = 0;
    }
    if (!cfg) {
        return TRPC_EINVAL;
    }
    return listen_systemd(srv, n, cfg);
}

trpc_error trpc_sd_notify(const char *state, bool *sent)
{
    if (sent) {
        *sent = false;
    }
    if (!state || !*state) {
        return TRPC_EINVAL;
    }
    const char *path = getenv("NOTIFY_SOCKET");
    if (!path || !*path) {
        return TRPC_OK;
    }
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    size_t len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len < 2 || len > sizeof sun.sun_path) {
        return TRPC_EINVAL;
    }
    if (path[0] == '/' && len == sizeof sun.sun_path) {
        return TRPC_EINVAL; /* no room for the terminating NUL */
    }
    memcpy(sun.sun_path, path, len);
    if (path[0] == '@') {
        sun.sun_path[0] = '\0'; /* abstract: the length, not a NUL, ends it */
    }
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return TRPC_ESYS;
    }
    size_t n = strlen(state);
    ssize_t w = sendto(fd, state, n, MSG_NOSIGNAL, (struct sockaddr *)&sun, alen);
    close(fd);
    if (w < 0 || (size_t)w != n) {
        return TRPC_ESYS;
    }
    if (sent) {
        *sent = true;
    }
    return TRPC_OK;
}
