/*
 * resolve.c: a channel's name lookups (see resolve.h).
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <event2/dns.h>
#include "client/resolve.h"

struct trpc__lookup {
    trpc__resolver *r;
    trpc__resolved_fn *fn;
    void *arg;
    struct evdns_getaddrinfo_request *req; /* evdns has it */
    struct event *now_ev;                   /* or the answer is here: */
    int err;
    struct evutil_addrinfo *ai;
    bool in_call;                           /* inside evdns_getaddrinfo() */
    bool answered;                          /* ... which answered at once */
    bool cancelled;
};

/* The end of l: its answer to fn unless cancelled, then l is freed. */
static void finish(trpc__lookup *l, int err, struct evutil_addrinfo *ai)
{
    trpc__resolver *r = l->r;
    if (l->cancelled) {
        if (ai) {
            evutil_freeaddrinfo(ai);
        }
    } else {
        l->fn(err, ai, l->arg);
    }
    if (l->now_ev) {
        event_free(l->now_ev);
    }
    free(l);
    if (--r->pending == 0 && r->idle) {
        r->idle(r, r->idle_arg);
    }
}

static void now_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__lookup *l = arg;
    finish(l, l->err, l->ai);
}

static void dns_cb(int err, struct evutil_addrinfo *ai, void *arg)
{
    trpc__lookup *l = arg;
    if (l->in_call) { /* answered at once: delivered from the loop */
        l->answered = true;
        l->err = err;
        l->ai = ai;
        event_active(l->now_ev, EV_TIMEOUT, 0);
        return;
    }
    l->req = NULL;
    finish(l, err, ai);
}

trpc__lookup *trpc__resolve(trpc__resolver *r, trpc__resolved_fn *fn, void *arg)
{
    trpc__lookup *l = calloc(1, sizeof *l);
    if (!l) {
        return NULL;
    }
    l->r = r;
    l->fn = fn;
    l->arg = arg;
    l->now_ev = evtimer_new(r->ev, now_cb, l);
    if (!l->now_ev) {
        free(l);
        return NULL;
    }
    r->pending++;
    struct evutil_addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = EVUTIL_AI_NUMERICSERV;
    if (!r->dns) {
        hints.ai_flags |= EVUTIL_AI_NUMERICHOST; /* parsed, never asked */
        l->err = evutil_getaddrinfo(r->host, r->port, &hints, &l->ai);
        event_active(l->now_ev, EV_TIMEOUT, 0);
        return l;
    }
    l->in_call = true;
    struct evdns_getaddrinfo_request *req =
        evdns_getaddrinfo(r->dns, r->host, r->port, &hints, dns_cb, l);
    l->in_call = false;
    if (req) {
        l->req = req;
    } else if (!l->answered) {
        /* neither an answer nor a request (libevent out of memory): fail
         * rather than hang */
        l->err = EVUTIL_EAI_FAIL;
        event_active(l->now_ev, EV_TIMEOUT, 0);
    }
    return l;
}

void trpc__resolve_cancel(trpc__lookup *l)
{
    l->cancelled = true;
    if (l->req) {
        /* libevent answers it later, with EVUTIL_EAI_CANCEL: dns_cb frees
         * l then. */
        struct evdns_getaddrinfo_request *req = l->req;
        l->req = NULL;
        evdns_getaddrinfo_cancel(req);
    }
}

trpc_error trpc__resolver_init(trpc__resolver *r, struct event_base *ev, const trpc__addr *a)
{
    memset(r, 0, sizeof *r);
    r->ev = ev;
    strcpy(r->host, a->host[0] ? a->host : "localhost");
    strcpy(r->port, a->port);
    unsigned char buf[sizeof(struct in6_addr)];
    if (a->is_unix || evutil_inet_pton(AF_INET, r->host, buf) == 1 ||
        evutil_inet_pton(AF_INET6, r->host, buf) == 1) {
        return TRPC_OK; /* nothing to ask */
    }
    if (!a->dns_server[0]) {
        /* resolv.conf (nameservers, search list, options) and the hosts
         * file; without a nameserver there, libevent asks 127.0.0.1. */
        r->dns = evdns_base_new(ev, EVDNS_BASE_INITIALIZE_NAMESERVERS);
        return r->dns ? TRPC_OK : TRPC_ELIBEVENT;
    }
    /* "ip", "ip:port", "[v6]:port" (gRPC's c-ares resolver's form); parsed
     * here, where a bad one is an error and not a libevent warning. */
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    if (evutil_parse_sockaddr_port(a->dns_server, (struct sockaddr *)&ss, &len) != 0) {
        return TRPC_EADDR;
    }
    if (ss.ss_family == AF_INET && ((struct sockaddr_in *)&ss)->sin_port == 0) {
        ((struct sockaddr_in *)&ss)->sin_port = htons(53);
    } else if (ss.ss_family == AF_INET6 && ((struct sockaddr_in6 *)&ss)->sin6_port == 0) {
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(53);
    }
    r->dns = evdns_base_new(ev, 0);
    if (!r->dns) {
        return TRPC_ELIBEVENT;
    }
    if (evdns_base_nameserver_sockaddr_add(r->dns, (struct sockaddr *)&ss, (ev_socklen_t)len,
                                           0) != 0) {
        return TRPC_EADDR;
    }
    return TRPC_OK;
}

void trpc__resolver_fini(trpc__resolver *r)
{
    if (r->dns) {
        evdns_base_free(r->dns, 0);
        r->dns = NULL;
    }
}
