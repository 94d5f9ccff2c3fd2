/*
 * client/targets.h: a channel target as a list of addresses, the way
 * gRPC's naming spec (doc/naming.md) writes them: "ipv4:a[:port],b[:port]"
 * and "ipv6:[a]:port,b" (numeric addresses, port 443 when left out),
 * "unix://ABSOLUTE_PATH" (the same as "unix:ABSOLUTE_PATH"), or
 * one address that names everything else trpc__target_parse() takes
 * ("host:port", "dns:[//SERVER/]host:port", "unix:/path").  The load
 * balancer (lb.c) makes one subchannel of each address.
 */
#ifndef TRPC_CLIENT_TARGETS_H
#define TRPC_CLIENT_TARGETS_H

#include "base/addr.h"

typedef struct trpc__targets {
    size_t n;
    trpc__addr *addr;  /* n addresses */
    char **name;       /* each as messages name it ("127.0.0.1:5001", or
                          the whole target when it is one address) */
    char *authority;   /* the default :authority: the host:port of a
                          named target, else the first address */
} trpc__targets;

/* Parses target into *t.  TRPC_OK, TRPC_EADDR (cannot be parsed; an
 * empty list, or an address of the wrong family) or TRPC_ENOMEM. */
trpc_error trpc__targets_parse(const char *target, trpc__targets *t);
void trpc__targets_fini(trpc__targets *t);

#endif
