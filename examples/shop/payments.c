/*
 * payments.c — the payments service: card charges with idempotency keys.
 *
 * Every charge is recorded under its idempotency key, so a client that
 * retries (say, after losing the reply) gets the charge it already made,
 * flagged replayed, and the card is never charged twice.  Cards whose
 * number ends in "0002" are declined, as test cards are at real payment
 * providers; declined attempts are not recorded, so a retry with another
 * card may succeed.
 *
 * Cards whose number ends in "0003" are slow: the provider takes
 * SLOW_CARD_MS to authorise them, as when a bank asks its customer.  A
 * handler must not sleep on its worker (the worker's other calls would
 * wait), so the handler holds the call (returns TRPC_PENDING) and sets a
 * timer on it; the timer's callback makes the charge and finishes the
 * call.  When the call ends first (its deadline, which checkout passes on
 * from its own client, or a cancellation), the runtime stops the timer,
 * nothing is charged, and the done notification releases the call.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payments.trpc.h"
#include "shop.h"

/* How long a slow card takes to be authorised. */
#define SLOW_CARD_MS 2000

typedef struct charge {
    char *key, *user_id;
    char id[24];
    int64_t amount_cents;
} charge;

struct shop_payments {
    pthread_mutex_t lock;
    charge *charges;
    size_t n, cap;
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Makes the charge, or finds the one made before under the same key (a
 * replay).  Returns TRPC_PENDING, and does nothing, for a new charge on a
 * slow card not yet authorised.  call is the generic call, for the arena
 * and the status message. */
static trpc_status make_charge(shop_payments *p, trpc_call *call, const Shop__ChargeRequest *req,
                               Shop__ChargeReply *reply, bool authorised)
{
    trpc_status st = TRPC_STATUS_OK;
    const charge *c = NULL;
    pthread_mutex_lock(&p->lock);
    for (size_t i = 0; i < p->n && !c; i++)
        if (strcmp(p->charges[i].key, req->idempotency_key) == 0)
            c = &p->charges[i];
    if (c) {
        if (c->amount_cents != req->amount_cents || strcmp(c->user_id, req->user_id) != 0) {
            st = trpc_call_error(call, TRPC_STATUS_FAILED_PRECONDITION,
                                 "idempotency key '%s' was used for a different charge",
                                 req->idempotency_key);
            goto out;
        }
        reply->replayed = true;
    } else {
        if (!req->card[0] || ends_with(req->card, "0002")) {
            st = trpc_call_error(call, TRPC_STATUS_FAILED_PRECONDITION, "card declined");
            goto out;
        }
        if (!authorised && ends_with(req->card, "0003")) {
            st = TRPC_PENDING;
            goto out;
        }
        if (p->n == p->cap) {
            size_t cap = p->cap ? 2 * p->cap : 16;
            charge *grown = realloc(p->charges, cap * sizeof *grown);
            if (!grown) {
                st = trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
                goto out;
            }
            p->charges = grown;
            p->cap = cap;
        }
        charge *nc = &p->charges[p->n];
        nc->key = strdup(req->idempotency_key);
        nc->user_id = strdup(req->user_id);
        if (!nc->key || !nc->user_id) {
            free(nc->key);
            free(nc->user_id);
            st = trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
        snprintf(nc->id, sizeof nc->id, "ch-%zu", p->n + 1);
        nc->amount_cents = req->amount_cents;
        p->n++;
        c = nc;
    }
    reply->charge_id = trpc_call_strdup(call, c->id);
    reply->amount_cents = c->amount_cents;
    if (!reply->charge_id)
        st = trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
out:
    pthread_mutex_unlock(&p->lock);
    return st;
}

/* A slow card's charge, waiting for its timer: malloc'd by the handler,
 * freed by charge_done(). */
typedef struct pending_charge {
    Shop__Payments_Charge_Call *call;
    shop_payments *p;
    const Shop__ChargeRequest *req; /* the call's own: valid while it is held */
    Shop__ChargeReply *reply;
    bool answered; /* authorised() ran and finished the call */
} pending_charge;

/* The timer fired (in the call's context, never after the call ended): the
 * provider said yes. */
static void authorised(trpc_call *call, void *arg)
{
    pending_charge *pc = arg;
    pc->answered = true;
    shop__payments__charge__finish_call(pc->call,
                                        make_charge(pc->p, call, pc->req, pc->reply, true));
}

/* rpc Charge(ChargeRequest) returns (ChargeReply) */
static trpc_status charge_card(Shop__Payments_Charge_Call *call, const Shop__ChargeRequest *req,
                               Shop__ChargeReply *reply, void *user)
{
    shop_payments *p = user;
    if (!req->idempotency_key[0] || req->amount_cents <= 0)
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT,
                               "an idempotency key and a positive amount are required");
    trpc_status st = make_charge(p, call->base, req, reply, false);
    if (st != TRPC_PENDING)
        return st;
    /* A slow card: answer when the provider does, without blocking. */
    pending_charge *pc = malloc(sizeof *pc);
    if (!pc)
        return trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    *pc = (pending_charge){ .call = call, .p = p, .req = req, .reply = reply };
    trpc_timer *timer;
    trpc_error rv = trpc_timer_new(&timer, call->base, authorised, pc);
    if (rv == TRPC_OK)
        rv = trpc_timer_start(timer, SLOW_CARD_MS);
    if (rv != TRPC_OK) {
        free(pc);
        return trpc_call_error(call->base, TRPC_STATUS_INTERNAL, "cannot set a timer: %s",
                               trpc_strerror(rv));
    }
    trpc_call_set_data(call->base, pc);
    return TRPC_PENDING; /* the call is held until authorised() or charge_done() */
}

/* The call is over (exactly once, last).  A slow card's call that ended
 * before its timer fired (deadline, cancellation, shutdown) charged
 * nothing; finishing it now only releases our hold (TRPC_ECLOSED). */
static void charge_done(Shop__Payments_Charge_Call *call, trpc_done_reason why, void *user)
{
    (void)why;
    (void)user;
    pending_charge *pc = trpc_call_data(call->base);
    if (!pc)
        return; /* answered by the handler */
    if (!pc->answered)
        shop__payments__charge__finish_call(call, TRPC_STATUS_CANCELLED);
    free(pc);
}

static const Shop__Payments_Impl payments_impl = {
    .charge = charge_card,
    .charge_done = charge_done,
};

trpc_error shop_payments_new(shop_payments **out)
{
    shop_payments *p = calloc(1, sizeof *p);
    if (!p)
        return TRPC_ENOMEM;
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return TRPC_OK;
}

trpc_error shop_payments_serve(shop_payments *p, trpc_server *srv)
{
    return shop__payments__serve(srv, &payments_impl, p);
}

void shop_payments_free(shop_payments *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->charges[i].key);
        free(p->charges[i].user_id);
    }
    free(p->charges);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
