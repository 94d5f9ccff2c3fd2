/*
 * addr.c: parsing listen and target addresses, and writing a peer's
 * address the way gRPC reports it (see addr.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "base/addr.h"

trpc_error trpc__addr_parse(const char *s, trpc__addr *a)
{
    memset(a, 0, sizeof *a);
    if (!s || !*s) {
        return TRPC_EADDR;
    }
    if (strncmp(s, "unix:", 5) == 0) {
        const char *path = s + 5;
        if (!*path || strlen(path) >= sizeof a->path) {
            return TRPC_EADDR;
        }
        a->is_unix = true;
        strcpy(a->path, path);
        return 0;
    }
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof a->host) {
            return TRPC_EADDR;
        }
        memcpy(a->host, s + 1, (size_t)(close - s - 1));
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof a->host) {
            return TRPC_EADDR;
        }
        memcpy(a->host, s, (size_t)(colon - s));
        if (strchr(a->host, ':')) {
            return TRPC_EADDR; /* a bare IPv6 address needs brackets */
        }
    }
    const char *port = colon + 1;
    size_t plen = strlen(port);
    if (plen == 0 || plen >= sizeof a->port || strspn(port, "0123456789") != plen) {
        return TRPC_EADDR;
    }
    memcpy(a->port, port, plen);
    return 0;
}

trpc_error trpc__target_parse(const char *s, trpc__addr *a)
{
    if (!s || strncmp(s, "dns:", 4) != 0) {
        return trpc__addr_parse(s, a);
    }
    const char *name = s + 4;
    char server[sizeof a->dns_server] = "";
    if (strncmp(name, "//", 2) == 0) {
        const char *slash = strchr(name + 2, '/');
        size_t n = slash ? (size_t)(slash - name - 2) : 0;
        if (!slash || n >= sizeof server) {
            return TRPC_EADDR;
        }
        memcpy(server, name + 2, n);
        server[n] = 0;
        name = slash + 1;
    }
    trpc_error rv = trpc__addr_parse(name, a);
    if (rv != TRPC_OK || a->is_unix || !a->host[0]) {
        memset(a, 0, sizeof *a);
        return TRPC_EADDR;
    }
    strcpy(a->dns_server, server);
    a->name_off = (size_t)(name - s);
    return TRPC_OK;
}

void trpc__peer_format(const struct sockaddr *sa, socklen_t len, char *out)
{
    char ip[INET6_ADDRSTRLEN];
    if (sa && sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
        snprintf(out, TRPC__PEER_MAX, "ipv4:%s:%u", ip, (unsigned)ntohs(in->sin_port));
    } else if (sa && sa->sa_family == AF_INET6 &&
               len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
        snprintf(out, TRPC__PEER_MAX, "ipv6:[%s]:%u", ip, (unsigned)ntohs(in6->sin6_port));
    } else if (sa && sa->sa_family == AF_UNIX) {
        /* An accepted unix socket has no name of its own; the path, when
         * the kernel reports one, is the listener's. */
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t n = len > (socklen_t)off ? (size_t)len - off : 0;
        if (n > sizeof un->sun_path) {
            n = sizeof un->sun_path;
        }
        snprintf(out, TRPC__PEER_MAX, "unix:%.*s", (int)strnlen(un->sun_path, n),
                 un->sun_path);
    } else {
        snprintf(out, TRPC__PEER_MAX, "unknown:");
    }
}
