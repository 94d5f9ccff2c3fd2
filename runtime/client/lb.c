/*
 * lb.c: which subchannel a new call goes to (see lb.h).
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
 *
 * round_robin also starts a connection on every IDLE subchannel at each
 * pick (never on one in backoff), so instances that fail rejoin once their
 * backoff is over, and a first burst of calls spreads as soon as the
 * connections are up.  Subchannels never call the balancer except through
 * the three hooks it sets (repick, restart, closed): calls go one way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "client/lb.h"

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
        return 1;
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
    size_t start = lb->policy == TRPC__LB_ROUND_ROBIN ? lb->next : 0;
    trpc__cconns *best = NULL;
    int best_rank = worst + 1;
    size_t best_i = 0;
    for (size_t k = 0; k < lb->n && best_rank > 1; k++) {
        size_t i = (start + k) % lb->n;
        trpc__cconns *sub = &lb->sub[i];
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
        if (rank(lb, &lb->sub[i]) == 3) {
            trpc__cconns_connect(&lb->sub[i]);
        }
    }
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
        if (rank(lb, sub) >= 3 && rank(lb, sub) <= 4) {
            trpc__cconns_connect(sub);
            if (rank(lb, sub) == 5 && tries < lb->n) {
                continue; /* failed at once: the next one */
            }
        }
        trpc__cconns_start(sub, s);
        return true;
    }
    return false;
}

void trpc__lb_start(trpc__lb *lb, trpc_stream *s)
{
    if (lb->n == 1) {
        trpc__cconns_start(&lb->sub[0], s); /* what it always did */
        return;
    }
    (void)place(lb, s, NULL, 5); /* rank 5 always takes it */
}

/* A stream waiting on set's attempt, which failed: elsewhere, if any
 * subchannel other than set can take it without waiting for a backoff. */
static bool repick(trpc__cconns *set, trpc_stream *s)
{
    trpc__lb *lb = lb_of(set);
    return lb->n > 1 && place(lb, s, set, 4);
}

static void restart(trpc__cconns *set, trpc_stream *s) { trpc__lb_start(lb_of(set), s); }

static void sub_closed(trpc__cconns *set)
{
    trpc__lb *lb = lb_of(set);
    if (lb->closed) {
        lb->closed(lb);
    }
}

trpc_error trpc__lb_init(trpc__lb *lb, trpc__client *cl, const trpc__targets *t,
                         trpc__lb_policy policy)
{
    memset(lb, 0, sizeof *lb);
    lb->cl = cl;
    lb->policy = policy;
    lb->sub = calloc(t->n, sizeof *lb->sub);
    if (!lb->sub) {
        return TRPC_ENOMEM;
    }
    for (size_t i = 0; i < t->n; i++) {
        trpc_error rv = trpc__cconns_init(&lb->sub[i], cl, &t->addr[i], t->name[i]);
        if (rv != TRPC_OK) {
            trpc__lb_fini(lb);
            return rv;
        }
        lb->n = i + 1;
        lb->sub[i].owner = lb;
        lb->sub[i].repick = repick;
        lb->sub[i].restart = restart;
        lb->sub[i].closed = sub_closed;
    }
    return TRPC_OK;
}

void trpc__lb_fini(trpc__lb *lb)
{
    for (size_t i = 0; i < lb->n; i++) {
        trpc__cconns_fini(&lb->sub[i]);
    }
    free(lb->sub);
    memset(lb, 0, sizeof *lb);
}

void trpc__lb_fail_all(trpc__lb *lb, trpc_status st, const char *msg)
{
    for (size_t i = 0; i < lb->n; i++) {
        trpc__cconns_fail_all(&lb->sub[i], st, msg);
    }
}

bool trpc__lb_idle(const trpc__lb *lb)
{
    for (size_t i = 0; i < lb->n; i++) {
        if (lb->sub[i].head || lb->sub[i].res.pending) {
            return false;
        }
    }
    return true;
}
