/*
 * lb.c: which subchannel a new call goes to, and where the subchannels
 * come from (see lb.h).
 *
 * A pick ranks the subchannels and takes the best, looking from where the
 * policy starts (round_robin: after the last pick; pick_first: the first
 * address):
 *
 *   1 READY
 *   2 CONNECTING       the call waits there for the connection
 *   3 IDLE             the call starts a connection
 *   4 IDLE, but a GOAWAY came within backoff_initial_ms: the instance is
 *                      probably stopping (its listener is closed), so
 *                      others go first
 *   5 in BACKOFF       only for a call that has nowhere else to go: it
 *                      fails there with the reason of the last attempt
 *                      (or waits for ready)
 *   6 READY, but its health check says NOT_SERVING (or failed): never
 *
 * With health checking a READY subchannel still waiting for its first
 * answer ranks 2, and a call that would wait on a connecting or health
 * pending subchannel waits on the balancer's `hwait` instead (placed again
 * whenever a health state or a connection changes), so no call reaches a
 * connection before its health check said SERVING.
 *
 * round_robin also starts a connection on every IDLE subchannel at each
 * pick (never on one in backoff), so instances that fail rejoin once their
 * backoff is over, and a first burst of calls spreads as soon as the
 * connections are up.  Subchannels never call the balancer except through
 * the three hooks it sets (repick, restart, closed): calls go one way.
 *
 * A name resolved here (round_robin):
 *
 *   state       event                               next
 *   unresolved  first call                          lookup out; calls wait on
 *                                                   `pending`
 *   lookup out  answer with addresses               resolved: subchannels
 *                                                   made for new addresses,
 *                                                   those of vanished ones
 *                                                   retired; `pending` picked
 *   lookup out  no such name, failure               (unresolved: `pending`
 *                                                   fails UNAVAILABLE, or
 *                                                   waits for ready until
 *                                                   the next lookup)
 *   resolved    a connection lost, the interval     lookup out (the
 *                                                   subchannels serve on)
 *
 * A retired subchannel is freed when it holds no connection and no
 * lookup (its `closed` hook), or with the channel.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "h2/timer.h"
#include "client/health.h"
#include "client/lb.h"

enum { MIN_RELOOKUP_MS = 1000, DEFAULT_INTERVAL_MS = 30000 };

int trpc__lb_policy_parse(const char *name)
{
    if (!name || !*name || strcmp(name, "pick_first") == 0) {
        return TRPC__LB_PICK_FIRST;
    }
    if (strcmp(name, "round_robin") == 0) {
        return TRPC__LB_ROUND_ROBIN;
    }
    return -1;
}

static trpc__lb *lb_of(const trpc__cconns *set) { return set->owner; }

/* How good sub is for a new call (1 best, see above). */
static int rank(const trpc__lb *lb, const trpc__cconns *sub)
{
    switch (trpc__cconns_state(sub)) {
    case TRPC__SUB_READY:
        if (!sub->hc || trpc__hcheck_ok(sub->hc)) {
            return 1;
        }
        return sub->hc->state == TRPC__HC_WAIT ? 2 : 6;
    case TRPC__SUB_CONNECTING:
        return 2;
    case TRPC__SUB_IDLE:
        return sub->goaway_at && trpc_now_ms() - sub->goaway_at < lb->cl->o.backoff_initial_ms
                   ? 4
                   : 3;
    case TRPC__SUB_BACKOFF:
        break;
    }
    return 5;
}

/* The subchannel for a new call, other than except, of rank at most
 * worst; NULL if none. */
static trpc__cconns *pick(trpc__lb *lb, const trpc__cconns *except, int worst)
{
    if (lb->n == 0) {
        return NULL;
    }
    size_t start = lb->policy == TRPC__LB_ROUND_ROBIN ? lb->next % lb->n : 0;
    trpc__cconns *best = NULL;
    int best_rank = worst + 1;
    size_t best_i = 0;
    for (size_t k = 0; k < lb->n && best_rank > 1; k++) {
        size_t i = (start + k) % lb->n;
        trpc__cconns *sub = lb->sub[i];
        if (sub == except) {
            continue;
        }
        int r = rank(lb, sub);
        if (r < best_rank || (r == 5 && best_rank == 5 && sub->next_attempt < best->next_attempt)) {
            best = sub;
            best_rank = r;
            best_i = i;
        }
    }
    if (best && lb->policy == TRPC__LB_ROUND_ROBIN) {
        lb->next = (best_i + 1) % lb->n;
    }
    return best;
}

/* round_robin: every subchannel that may connect does. */
static void connect_all(trpc__lb *lb)
{
    for (size_t i = 0; i < lb->n; i++) {
        if (rank(lb, lb->sub[i]) == 3) {
            trpc__cconns_connect(lb->sub[i]);
        }
    }
}

/* Health checking: s goes to sub, the best there is.  Only a healthy READY
 * one gets it now; it waits (hwait) for one connecting or waiting for its
 * health; in backoff it fails with the last attempt's reason or, waiting
 * for ready, waits until the backoff ends. */
static void place_checked(trpc__lb *lb, trpc_stream *s, trpc__cconns *sub)
{
    switch (rank(lb, sub)) {
    case 1:
        trpc__cconns_start(sub, s);
        return;
    case 5:
        if (!s->opts.wait_for_ready) {
            trpc__stream_fail(s, TRPC_STATUS_UNAVAILABLE, sub->last_err);
            return;
        }
        if (!evtimer_pending(lb->hwait_ev, NULL) || sub->next_attempt < lb->hwait_at) {
            lb->hwait_at = sub->next_attempt;
            trpc__timer_at(lb->hwait_ev, sub->next_attempt);
        }
        break;
    default:
        break;
    }
    trpc__stream_wait(s, &lb->hwait);
}

/* Puts s on the best subchannel other than except, of rank at most worst.
 * An IDLE one whose attempt fails at once (in backoff then) is passed
 * over.  False if none took it. */
static bool place(trpc__lb *lb, trpc_stream *s, const trpc__cconns *except, int worst)
{
    if (lb->policy == TRPC__LB_ROUND_ROBIN) {
        connect_all(lb);
    }
    for (size_t tries = 0; tries <= lb->n; tries++) {
        trpc__cconns *sub = pick(lb, except, worst);
        if (!sub) {
            return false;
        }
        int r = rank(lb, sub);
        if (r == 3 || r == 4) {
            trpc__cconns_connect(sub);
            if (rank(lb, sub) == 5 && tries < lb->n) {
                continue; /* failed at once: the next one */
            }
        }
        if (lb->health_service) {
            place_checked(lb, s, sub);
        } else {
            trpc__cconns_start(sub, s);
        }
        return true;
    }
    return false;
}

/* No subchannel may take s (every READY one is unhealthy): it waits for
 * one that is, or fails UNAVAILABLE with the health check's reason. */
static void no_healthy(trpc__lb *lb, trpc_stream *s)
{
    if (s->opts.wait_for_ready) {
        trpc__stream_wait(s, &lb->hwait);
        return;
    }
    const char *why = "no address";
    for (size_t i = 0; i < lb->n; i++) {
        if (lb->sub[i]->hc && lb->sub[i]->hc->state == TRPC__HC_UNHEALTHY) {
            why = lb->sub[i]->hc->why;
            break;
        }
    }
    char msg[400];
    snprintf(msg, sizeof msg, "no healthy address: %s", why);
    trpc__stream_fail(s, TRPC_STATUS_UNAVAILABLE, msg);
}

/* ---- a name resolved here ------------------------------------------------------------ */

static void lookup_start(trpc__lb *lb);

/* The next lookup at when (on the trpc_now_ms() clock), unless one is
 * due sooner. */
static void lookup_at(trpc__lb *lb, int64_t when)
{
    if (lb->lookup || lb->cl->stopping ||
        (evtimer_pending(lb->resolve_ev, NULL) && lb->next_lookup <= when)) {
        return;
    }
    lb->next_lookup = when;
    trpc__timer_at(lb->resolve_ev, when);
}

/* The next periodic lookup. */
static void lookup_later(trpc__lb *lb)
{
    int iv = lb->cl->o.resolve_interval_ms;
    if (iv < 0) {
        return;
    }
    lookup_at(lb, trpc_now_ms() + (iv ? iv : DEFAULT_INTERVAL_MS));
}

/* A connection was lost: look again soon (once a second at most), the
 * instance may have moved. */
static void lookup_soon(trpc__lb *lb)
{
    if (!lb->dns || lb->lookup || lb->cl->stopping) {
        return;
    }
    int64_t at = lb->last_lookup + MIN_RELOOKUP_MS;
    if (at <= trpc_now_ms()) {
        lookup_start(lb);
    } else {
        lookup_at(lb, at);
    }
}

static void sub_free(trpc__cconns *sub)
{
    trpc__hcheck *hc = sub->hc;
    if (hc) {
        trpc__hcheck_fini(hc);
        free(hc);
    }
    trpc__cconns_fini(sub);
    free(sub);
}

/* Frees the retired subchannels nothing holds any more (from the loop,
 * never inside a subchannel's own code: see sub_closed). */
static void reap(trpc__lb *lb)
{
    for (size_t i = 0; i < lb->nretired;) {
        trpc__cconns *r = lb->retired[i];
        if (!r->head && !r->res.pending) {
            lb->retired[i] = lb->retired[--lb->nretired];
            sub_free(r);
        } else {
            i++;
        }
    }
}

static bool repick(trpc__cconns *set, trpc_stream *s);
static void restart(trpc__cconns *set, trpc_stream *s);
static void sub_closed(trpc__cconns *set);

/* Something changed that health checks or waiting calls care about: the
 * balancer looks again, from the loop. */
static void health_kick(trpc__lb *lb)
{
    if (lb->health_ev) {
        event_active(lb->health_ev, EV_TIMEOUT, 0);
    }
}

static void sub_changed(trpc__cconns *set) { health_kick(lb_of(set)); }

static void hc_changed(trpc__hcheck *hc) { health_kick(hc->owner); }

/* Makes sub one of lb's: its hooks, and its health check when the channel
 * checks health.  TRPC_OK or TRPC_ENOMEM. */
static trpc_error sub_hook(trpc__lb *lb, trpc__cconns *sub)
{
    sub->owner = lb;
    sub->repick = repick;
    sub->restart = restart;
    sub->closed = sub_closed;
    if (!lb->health_service) {
        return TRPC_OK;
    }
    trpc__hcheck *hc = calloc(1, sizeof *hc);
    if (!hc || trpc__hcheck_init(hc, sub, lb->health_service) != TRPC_OK) {
        free(hc);
        return TRPC_ENOMEM;
    }
    hc->owner = lb;
    hc->changed = hc_changed;
    sub->changed = sub_changed;
    return TRPC_OK;
}

/* A new subchannel for address a, named name.  NULL when out of memory or
 * its TLS context cannot be made (last_err says). */
static trpc__cconns *sub_new(trpc__lb *lb, const trpc__addr *a, const char *name)
{
    trpc__cconns *sub = calloc(1, sizeof *sub);
    if (!sub) {
        return NULL;
    }
    if (trpc__cconns_init(sub, lb->cl, a, name) != TRPC_OK) {
        free(sub);
        return NULL;
    }
    if (sub_hook(lb, sub) != TRPC_OK) {
        sub_free(sub);
        return NULL;
    }
    return sub;
}

/* The addresses of the answer ai: subchannels for new ones, the others
 * kept (in the answer's order), those no longer there retired. */
static void update(trpc__lb *lb, struct evutil_addrinfo *ai)
{
    size_t n = 0;
    for (struct evutil_addrinfo *x = ai; x; x = x->ai_next) {
        n++;
    }
    trpc__cconns **next = calloc(n ? n : 1, sizeof *next);
    if (!next) {
        return; /* keep what there is */
    }
    size_t m = 0;
    for (struct evutil_addrinfo *x = ai; x; x = x->ai_next) {
        char peer[TRPC__PEER_MAX], name[TRPC__PEER_MAX];
        trpc__peer_format(x->ai_addr, (socklen_t)x->ai_addrlen, peer);
        /* "ipv4:1.2.3.4:P" / "ipv6:[::1]:P" -> "1.2.3.4:P" / "[::1]:P" */
        const char *colon = strchr(peer, ':');
        snprintf(name, sizeof name, "%s", colon ? colon + 1 : peer);
        trpc__cconns *sub = NULL;
        for (size_t i = 0; i < lb->n; i++) {
            if (lb->sub[i] && strcmp(lb->sub[i]->target, name) == 0) {
                sub = lb->sub[i];
                lb->sub[i] = NULL; /* taken */
            }
        }
        for (size_t i = 0; !sub && i < m; i++) {
            if (strcmp(next[i]->target, name) == 0) {
                sub = next[i]; /* the same address twice */
                next[i] = NULL;
            }
        }
        trpc__addr a;
        if (!sub && trpc__addr_parse(name, &a) == TRPC_OK) {
            sub = sub_new(lb, &a, name);
            if (sub && sub->tls_host && !lb->cl->o.tls_authority) {
                /* verified as the name, not as the address */
                char *h = strdup(lb->addr.host);
                if (h) {
                    free(sub->tls_host);
                    sub->tls_host = h;
                }
            }
        }
        if (sub) {
            next[m++] = sub;
        }
    }
    /* compact the duplicates out */
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (next[i]) {
            next[k++] = next[i];
        }
    }
    m = k;
    /* what is left of the old ones retires */
    for (size_t i = 0; i < lb->n; i++) {
        trpc__cconns *old = lb->sub[i];
        if (!old) {
            continue;
        }
        trpc__cconns **r = realloc(lb->retired, (lb->nretired + 1) * sizeof *r);
        if (!r) {
            /* cannot keep it aside: keep serving with it */
            trpc__cconns **grown = realloc(next, (m + 1) * sizeof *grown);
            if (grown) {
                next = grown;
                next[m++] = old;
            }
            continue;
        }
        lb->retired = r;
        lb->retired[lb->nretired++] = old;
        if (old->hc) {
            trpc__hcheck_stop(old->hc); /* no more calls: no more checks */
        }
        /* its calls waiting for ready go where new calls go */
        trpc_stream *s;
        while ((s = trpc__stream_unqueue(&old->ready_wait))) {
            trpc__stream_wait(s, &lb->pending);
        }
    }
    free(lb->sub);
    lb->sub = next;
    lb->n = m;
    reap(lb);
}

static void on_lookup(int err, struct evutil_addrinfo *ai, void *arg)
{
    trpc__lb *lb = arg;
    lb->lookup = NULL;
    if (err != 0 || !ai) {
        snprintf(lb->last_err, sizeof lb->last_err, "cannot resolve %s: %s", lb->res.host,
                 err ? evutil_gai_strerror(err) : "no address");
    } else {
        update(lb, ai);
        lb->resolved = lb->n > 0;
        if (!lb->resolved) {
            snprintf(lb->last_err, sizeof lb->last_err, "%s: no usable address", lb->res.host);
        }
    }
    if (ai) {
        evutil_freeaddrinfo(ai);
    }
    trpc__stream_queue q = lb->pending;
    lb->pending.head = lb->pending.tail = NULL;
    trpc_stream *s;
    if (lb->resolved) {
        while ((s = trpc__stream_unqueue(&q))) {
            if (!place(lb, s, NULL, 5)) {
                no_healthy(lb, s);
            }
        }
        lookup_later(lb);
        return;
    }
    bool waiting = false;
    while ((s = trpc__stream_unqueue(&q))) {
        if (s->opts.wait_for_ready) {
            trpc__stream_wait(s, &lb->pending);
            waiting = true;
        } else {
            trpc__stream_fail(s, TRPC_STATUS_UNAVAILABLE, lb->last_err);
        }
    }
    if (waiting) {
        lookup_at(lb, trpc_now_ms() + lb->cl->o.backoff_initial_ms);
    }
}

static void lookup_start(trpc__lb *lb)
{
    if (lb->lookup || lb->cl->stopping) {
        return;
    }
    evtimer_del(lb->resolve_ev);
    lb->last_lookup = trpc_now_ms();
    lb->lookup = trpc__resolve(&lb->res, on_lookup, lb);
    if (!lb->lookup) {
        snprintf(lb->last_err, sizeof lb->last_err, "out of memory");
        trpc_stream *s;
        while ((s = trpc__stream_unqueue(&lb->pending))) {
            trpc__stream_fail(s, TRPC_STATUS_RESOURCE_EXHAUSTED, lb->last_err);
        }
    }
}

static void resolve_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    lookup_start(arg);
}

static void resolver_idle(trpc__resolver *r, void *arg)
{
    (void)r;
    trpc__lb *lb = arg;
    if (lb->closed) {
        lb->closed(lb);
    }
}

/* ---- health checking ------------------------------------------------------------------- */

/* Health checks follow their subchannels' connections; the calls waiting
 * for a healthy subchannel are placed again (those that still cannot go
 * anywhere wait again, or fail). */
static void health_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__lb *lb = arg;
    if (lb->cl->stopping) {
        return;
    }
    for (size_t i = 0; i < lb->n; i++) {
        trpc__hcheck_update(lb->sub[i]->hc);
    }
    trpc__stream_queue q = lb->hwait;
    lb->hwait.head = lb->hwait.tail = NULL;
    trpc_stream *s;
    while ((s = trpc__stream_unqueue(&q))) {
        if (!place(lb, s, NULL, 5)) {
            no_healthy(lb, s);
        }
    }
}

/* ---- the hooks and the rest ----------------------------------------------------------- */

void trpc__lb_start(trpc__lb *lb, trpc_stream *s)
{
    if (lb->dns && !lb->resolved) {
        trpc__stream_wait(s, &lb->pending);
        lookup_start(lb);
        return;
    }
    if (lb->n == 1 && !lb->dns && !lb->health_service) {
        trpc__cconns_start(lb->sub[0], s); /* what it always did */
        return;
    }
    if (!place(lb, s, NULL, 5)) { /* rank 5 always takes it, 6 never */
        no_healthy(lb, s);
    }
}

/* A stream waiting on set's attempt, which failed: elsewhere, if any
 * subchannel other than set can take it without waiting for a backoff. */
static bool repick(trpc__cconns *set, trpc_stream *s)
{
    trpc__lb *lb = lb_of(set);
    return lb->n > 1 && place(lb, s, set, 4);
}

static void restart(trpc__cconns *set, trpc_stream *s) { trpc__lb_start(lb_of(set), s); }

/* A connection of set was freed (or its last lookup let go).  set is
 * still running its own code: a retired one is freed later, from the
 * loop (reap_cb). */
static void sub_closed(trpc__cconns *set)
{
    trpc__lb *lb = lb_of(set);
    lookup_soon(lb);
    if (lb->health_ev) {
        event_active(lb->health_ev, EV_TIMEOUT, 0);
    }
    if (lb->nretired && lb->reap_ev) {
        event_active(lb->reap_ev, EV_TIMEOUT, 0);
    }
    if (lb->closed) {
        lb->closed(lb);
    }
}

static void reap_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__lb *lb = arg;
    reap(lb);
    if (lb->closed) {
        lb->closed(lb);
    }
}

/* Is host a numeric address (nothing to look up)? */
static bool numeric(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return evutil_inet_pton(AF_INET, host, buf) == 1 || evutil_inet_pton(AF_INET6, host, buf) == 1;
}

trpc_error trpc__lb_init(trpc__lb *lb, trpc__client *cl, const trpc__targets *t,
                         trpc__lb_policy policy)
{
    memset(lb, 0, sizeof *lb);
    lb->cl = cl;
    lb->policy = policy;
    lb->reap_ev = evtimer_new(cl->ev, reap_cb, lb);
    if (!lb->reap_ev) {
        return TRPC_ENOMEM;
    }
    if (cl->o.health_check_service) {
        lb->health_service = strdup(cl->o.health_check_service);
        lb->health_ev = evtimer_new(cl->ev, health_cb, lb);
        lb->hwait_ev = evtimer_new(cl->ev, health_cb, lb);
        if (!lb->health_service || !lb->health_ev || !lb->hwait_ev) {
            trpc__lb_fini(lb);
            return TRPC_ENOMEM;
        }
    }
    if (policy == TRPC__LB_ROUND_ROBIN && t->n == 1 && !t->addr[0].is_unix &&
        t->addr[0].host[0] && !numeric(t->addr[0].host)) {
        lb->dns = true;
        lb->addr = t->addr[0];
        lb->resolve_ev = evtimer_new(cl->ev, resolve_cb, lb);
        if (!lb->resolve_ev) {
            trpc__lb_fini(lb);
            return TRPC_ENOMEM;
        }
        trpc_error rv = trpc__resolver_init(&lb->res, cl->ev, &t->addr[0]);
        if (rv != TRPC_OK) {
            trpc__lb_fini(lb);
            return rv;
        }
        lb->res.idle = resolver_idle;
        lb->res.idle_arg = lb;
        return TRPC_OK;
    }
    lb->sub = calloc(t->n, sizeof *lb->sub);
    if (!lb->sub) {
        trpc__lb_fini(lb);
        return TRPC_ENOMEM;
    }
    for (size_t i = 0; i < t->n; i++) {
        lb->sub[i] = calloc(1, sizeof *lb->sub[i]);
        trpc_error rv = lb->sub[i] ? trpc__cconns_init(lb->sub[i], cl, &t->addr[i], t->name[i])
                                   : TRPC_ENOMEM;
        if (rv != TRPC_OK) {
            free(lb->sub[i]);
            lb->sub[i] = NULL;
            trpc__lb_fini(lb);
            return rv;
        }
        lb->n = i + 1;
        rv = sub_hook(lb, lb->sub[i]);
        if (rv != TRPC_OK) {
            trpc__lb_fini(lb);
            return rv;
        }
    }
    return TRPC_OK;
}

void trpc__lb_fini(trpc__lb *lb)
{
    for (size_t i = 0; i < lb->n; i++) {
        sub_free(lb->sub[i]);
    }
    for (size_t i = 0; i < lb->nretired; i++) {
        sub_free(lb->retired[i]);
    }
    free(lb->sub);
    free(lb->retired);
    if (lb->dns) {
        trpc__resolver_fini(&lb->res);
    }
    if (lb->resolve_ev) {
        event_free(lb->resolve_ev);
    }
    if (lb->reap_ev) {
        event_free(lb->reap_ev);
    }
    if (lb->health_ev) {
        event_free(lb->health_ev);
    }
    if (lb->hwait_ev) {
        event_free(lb->hwait_ev);
    }
    free(lb->health_service);
    memset(lb, 0, sizeof *lb);
}

void trpc__lb_fail_all(trpc__lb *lb, trpc_status st, const char *msg)
{
    if (lb->resolve_ev) {
        evtimer_del(lb->resolve_ev);
    }
    if (lb->lookup) {
        trpc__resolve_cancel(lb->lookup);
        lb->lookup = NULL;
    }
    trpc_stream *s;
    while ((s = trpc__stream_unqueue(&lb->pending))) {
        trpc__stream_fail(s, st, msg);
    }
    if (lb->health_service) {
        evtimer_del(lb->hwait_ev);
        while ((s = trpc__stream_unqueue(&lb->hwait))) {
            trpc__stream_fail(s, st, msg);
        }
        for (size_t i = 0; i < lb->n; i++) {
            trpc__hcheck_stop(lb->sub[i]->hc);
        }
    }
    for (size_t i = 0; i < lb->n; i++) {
        trpc__cconns_fail_all(lb->sub[i], st, msg);
    }
    for (size_t i = 0; i < lb->nretired; i++) {
        trpc__cconns_fail_all(lb->retired[i], st, msg);
    }
}

static bool sub_idle(const trpc__cconns *sub) { return !sub->head && !sub->res.pending; }

bool trpc__lb_idle(const trpc__lb *lb)
{
    if (lb->res.pending) {
        return false;
    }
    for (size_t i = 0; i < lb->n; i++) {
        if (!sub_idle(lb->sub[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < lb->nretired; i++) {
        if (!sub_idle(lb->retired[i])) {
            return false;
        }
    }
    return true;
}
