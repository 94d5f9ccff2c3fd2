/*
 * targets.c: parsing a channel target into its addresses (see targets.h).
 *
 * gRPC's naming spec: "ipv4:address[:port][,address[:port],...]" and
 * "ipv6:address[:port][,address[:port],...]", where an IPv6 address with a
 * port is bracketed ("[::1]:5001") and a bare one is not ("::1"); the port
 * defaults to 443.  Every address must be numeric and of the scheme's
 * family: a name there is an error, not a lookup.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client/targets.h"

/* One element of an ipv4:/ipv6: list (len bytes at s) into *a and its
 * name. */
static trpc_error parse_one(const char *s, size_t len, int family, trpc__addr *a, char **name)
{
    char buf[300], host[INET6_ADDRSTRLEN + 2];
    const char *port = "443";
    if (len == 0 || len >= sizeof buf) {
        return TRPC_EADDR;
    }
    memcpy(buf, s, len);
    buf[len] = 0;
    char *p = buf;
    if (family == AF_INET6 && p[0] == '[') {
        char *close = strchr(p, ']');
        if (!close || (close[1] != 0 && close[1] != ':')) {
            return TRPC_EADDR;
        }
        *close = 0;
        if (close[1] == ':') {
            port = close + 2;
        }
        p++;
    } else if (family == AF_INET) {
        char *colon = strchr(p, ':');
        if (colon) {
            *colon = 0;
            port = colon + 1;
        }
    } /* a bare IPv6 address: no port */
    unsigned char bin[sizeof(struct in6_addr)];
    size_t plen = strlen(port);
    if (strlen(p) >= sizeof host || inet_pton(family, p, bin) != 1 || plen == 0 ||
        plen > 5 || strspn(port, "0123456789") != plen || atoi(port) > 65535) {
        return TRPC_EADDR;
    }
    char out[sizeof buf + 4];
    snprintf(out, sizeof out, family == AF_INET6 ? "[%s]:%s" : "%s:%s", p, port);
    if (trpc__addr_parse(out, a) != TRPC_OK) {
        return TRPC_EADDR;
    }
    *name = strdup(out);
    return *name ? TRPC_OK : TRPC_ENOMEM;
}

static trpc_error parse_list(const char *list, int family, trpc__targets *t)
{
    size_t n = 1;
    for (const char *c = list; *c; c++) {
        n += *c == ',';
    }
    t->addr = calloc(n, sizeof *t->addr);
    t->name = calloc(n, sizeof *t->name);
    if (!t->addr || !t->name) {
        return TRPC_ENOMEM;
    }
    const char *s = list;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        trpc_error rv = parse_one(s, len, family, &t->addr[i], &t->name[i]);
        if (rv != TRPC_OK) {
            return rv;
        }
        t->n = i + 1;
        s = end ? end + 1 : s + len;
    }
    t->authority = strdup(t->name[0]);
    return t->authority ? TRPC_OK : TRPC_ENOMEM;
}

trpc_error trpc__targets_parse(const char *target, trpc__targets *t)
{
    memset(t, 0, sizeof *t);
    if (!target) {
        return TRPC_EADDR;
    }
    trpc_error rv;
    if (strncmp(target, "ipv4:", 5) == 0) {
        rv = parse_list(target + 5, AF_INET, t);
    } else if (strncmp(target, "ipv6:", 5) == 0) {
        rv = parse_list(target + 5, AF_INET6, t);
    } else {
        char unix_buf[8 + sizeof t->addr->path];
        if (strncmp(target, "unix://", 7) == 0) {
            /* the naming spec's "unix://ABSOLUTE_PATH" (three slashes) */
            if (target[7] != '/' || strlen(target) - 7 >= sizeof t->addr->path) {
                return TRPC_EADDR;
            }
            snprintf(unix_buf, sizeof unix_buf, "unix:%s", target + 7);
            target = unix_buf;
        }
        t->addr = calloc(1, sizeof *t->addr);
        t->name = calloc(1, sizeof *t->name);
        if (!t->addr || !t->name) {
            rv = TRPC_ENOMEM;
        } else if ((rv = trpc__target_parse(target, &t->addr[0])) == TRPC_OK) {
            t->n = 1;
            t->name[0] = strdup(target);
            t->authority =
                strdup(t->addr[0].is_unix ? "localhost" : target + t->addr[0].name_off);
            rv = t->name[0] && t->authority ? TRPC_OK : TRPC_ENOMEM;
        }
    }
    if (rv != TRPC_OK) {
        trpc__targets_fini(t);
    }
    return rv;
}

void trpc__targets_fini(trpc__targets *t)
{
    for (size_t i = 0; t->name && i < t->n; i++) {
        free(t->name[i]);
    }
    free(t->name);
    free(t->addr);
    free(t->authority);
    memset(t, 0, sizeof *t);
}
