/*
 * base/addr.h: listen and target addresses ("host:port", "[v6]:port",
 * ":port", "unix:/path"; a channel target may also name its DNS server the
 * way gRPC's naming spec does, "dns://1.2.3.4:53/host:port"), and how a
 * peer's address is written for trpc_call_peer() (gRPC's
 * "ipv4:1.2.3.4:5678" form).
 */
#ifndef TRPC_BASE_ADDR_H
#define TRPC_BASE_ADDR_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "typerpc/common.h"

typedef struct trpc__addr {
    bool is_unix;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char host[256];  /* without brackets; "" = any */
    char port[16];
    char dns_server[64]; /* a target's "dns://SERVER/": "ip", "ip:port",
                            "[v6]:port"; "" = the system's (resolv.conf) */
    size_t name_off;     /* where "host:port" begins in the target */
} trpc__addr;

/* Parses a listen address s into *a.  TRPC_OK or TRPC_EADDR. */
trpc_error trpc__addr_parse(const char *s, trpc__addr *a);
/* Parses a channel target: an address as above, or gRPC's DNS form
 * "dns:host:port", "dns:///host:port", "dns://SERVER/host:port".
 * TRPC_OK or TRPC_EADDR. */
trpc_error trpc__target_parse(const char *s, trpc__addr *a);

/* The longest peer string trpc__peer_format() writes, with its NUL. */
#define TRPC__PEER_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) + 8)
/* Writes sa as gRPC names peers into out (TRPC__PEER_MAX bytes):
 * "ipv4:1.2.3.4:5678", "ipv6:[::1]:5678", "unix:/path" ("unix:" when the
 * socket has no name). */
void trpc__peer_format(const struct sockaddr *sa, socklen_t len, char *out);

#endif
