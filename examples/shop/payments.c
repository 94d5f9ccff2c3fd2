/*
 * payments.c — the payments service: card charges with idempotency keys.
 *
 * Every charge is recorded under its idempotency key, so a client that
 * retries (say, after losing the reply) gets the charge it already made,
 * flagged replayed, and the card is never charged twice.  Cards whose
 * number ends in "0002" are declined, as test cards are at real payment
 * providers; declined attempts are not recorded, so a retry with another
 * card may succeed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payments.trpc.h"
#include "shop.h"

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

/* rpc Charge(ChargeRequest) returns (ChargeReply) */
static trpc_status charge_card(trpc_call *call, const Shop__ChargeRequest *req,
                               Shop__ChargeReply *reply, void *user)
{
    shop_payments *p = user;
    if (!req->idempotency_key[0] || req->amount_cents <= 0)
        return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT,
                               "an idempotency key and a positive amount are required");
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

static const Shop__Payments_Impl payments_impl = { .charge = charge_card };

int shop_payments_new(shop_payments **out)
{
    shop_payments *p = calloc(1, sizeof *p);
    if (!p)
        return TRPC_ENOMEM;
    pthread_mutex_init(&p->lock, NULL);
    *out = p;
    return 0;
}

int shop_payments_serve(shop_payments *p, trpc_server *srv)
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
