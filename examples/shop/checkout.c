/*
 * checkout.c — the checkout service: places an order by calling users,
 * inventory and payments.
 *
 * PlaceOrder never blocks a worker: the handler starts the first call with
 * the async client API and returns TRPC_PENDING; each completion callback
 * (on a channel's I/O thread) starts the next step, and the last one
 * finishes the call with trpc_call_finish().  The steps:
 *   1. users.GetUser      unknown user         -> NOT_FOUND
 *   2. inventory.Reserve  unknown item          -> NOT_FOUND
 *                         not enough in stock   -> FAILED_PRECONDITION
 *   3. payments.Charge    card declined         -> ABORTED (and the
 *                         reservation is released)
 * Whatever the step, a service that is down answers UNAVAILABLE and one
 * that is too slow DEADLINE_EXCEEDED; both are passed on with the service
 * named in the message.  Every call carries what is left of the client's
 * deadline, less a small margin (five seconds when the client set none),
 * so checkout never waits longer than its own client will.
 *
 * Retries are safe end to end: the order's idempotency key is the order id
 * for inventory (one reservation per order) and the idempotency key for
 * payments (one charge per order).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkout.trpc.h"
#include "inventory.trpc.h"
#include "payments.trpc.h"
#include "shop.h"
#include "users.trpc.h"

/* Calls to a dependency wait at most this long when the client set no
 * deadline. */
#define DEFAULT_BUDGET_MS 5000

struct shop_checkout {
    trpc_channel *users, *inventory, *payments;
};

/* One order in flight: the call, its request (valid until the call ends)
 * and its reply (in the call's arena). */
typedef struct order {
    shop_checkout *c;
    trpc_call *call;
    const Shop__OrderRequest *req;
    Shop__Order *reply;
} order;

/* Finishes the order's call with code and frees the order. */
static void finish(order *o, trpc_status code)
{
    trpc_call_finish(o->call, code);
    free(o);
}

/* Options for the next dependency call: what is left of the deadline,
 * less a fifth (at most 200 ms) kept back so that when a dependency is too
 * slow our client hears which one from us rather than just its own
 * timeout.  Returns false if the deadline has already passed. */
static bool next_opts(trpc_call *call, trpc_call_opts *opts)
{
    int64_t deadline = trpc_call_deadline(call), now = trpc_now_ms();
    int64_t left = DEFAULT_BUDGET_MS;
    if (deadline != INT64_MAX) {
        left = deadline - now;
        left -= left / 5 < 200 ? left / 5 : 200;
    }
    memset(opts, 0, sizeof *opts);
    opts->timeout_ms = left;
    return left > 0;
}

static trpc_status too_late(trpc_call *call)
{
    return trpc_call_error(call, TRPC_STATUS_DEADLINE_EXCEEDED,
                           "deadline passed before checkout finished");
}

/* Finishes the order with the status of a failed dependency call: the
 * transport-level codes keep their meaning, business errors map as the
 * service contract says, anything else is INTERNAL. */
static void fail(order *o, const char *service, trpc_status code, const char *message)
{
    trpc_status out;
    switch (code) {
    case TRPC_STATUS_UNAVAILABLE:
    case TRPC_STATUS_DEADLINE_EXCEEDED:
    case TRPC_STATUS_CANCELLED:
    case TRPC_STATUS_NOT_FOUND:
    case TRPC_STATUS_INVALID_ARGUMENT:
        out = code;
        break;
    case TRPC_STATUS_FAILED_PRECONDITION:
        /* Out of stock stays FAILED_PRECONDITION; a declined payment is an
         * aborted order. */
        out = strcmp(service, "payments") == 0 ? TRPC_STATUS_ABORTED : code;
        break;
    default:
        out = TRPC_STATUS_INTERNAL;
        break;
    }
    finish(o, trpc_call_error(o->call, out, "%s: %s: %s", service, trpc_status_name(code),
                              message ? message : ""));
}

static void released(trpc_status code, const char *message, Shop__Reservation *reply, void *user)
{
    (void)code;
    (void)message;
    (void)user;
    if (reply)
        shop__reservation__free_unpacked(reply, NULL);
}

/* Step 3 done: the order is paid, or the reservation goes back. */
static void charged(trpc_status code, const char *message, Shop__ChargeReply *reply, void *user)
{
    order *o = user;
    if (code != TRPC_STATUS_OK) {
        /* Put the items back; a failure here leaves the reservation for an
         * operator (or a retry with the same key) to sort out. */
        Shop__ReleaseRequest rel = SHOP__RELEASE_REQUEST__INIT;
        rel.reservation_id = o->reply->reservation_id;
        trpc_call_opts opts = { .timeout_ms = DEFAULT_BUDGET_MS };
        if (shop__inventory__release__async(o->c->inventory, &rel, &opts, released, NULL) != 0)
            fprintf(stderr, "checkout: could not release %s\n", rel.reservation_id);
        fail(o, "payments", code, message);
        return;
    }
    o->reply->charge_id = trpc_call_strdup(o->call, reply->charge_id);
    o->reply->replayed = reply->replayed;
    shop__charge_reply__free_unpacked(reply, NULL);
    if (!o->reply->charge_id) {
        finish(o, trpc_call_error(o->call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory"));
        return;
    }
    finish(o, TRPC_STATUS_OK);
}

/* Step 2 done: the items are ours; charge for them. */
static void reserved(trpc_status code, const char *message, Shop__Reservation *reply, void *user)
{
    order *o = user;
    if (code != TRPC_STATUS_OK) {
        fail(o, "inventory", code, message);
        return;
    }
    o->reply->reservation_id = trpc_call_strdup(o->call, reply->reservation_id);
    o->reply->total_cents = reply->unit_price_cents * reply->quantity;
    shop__reservation__free_unpacked(reply, NULL);
    if (!o->reply->reservation_id) {
        finish(o, trpc_call_error(o->call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory"));
        return;
    }
    trpc_call_opts opts;
    if (!next_opts(o->call, &opts)) {
        finish(o, too_late(o->call));
        return;
    }
    Shop__ChargeRequest ch = SHOP__CHARGE_REQUEST__INIT;
    ch.idempotency_key = o->req->idempotency_key;
    ch.user_id = o->req->user_id;
    ch.amount_cents = o->reply->total_cents;
    ch.card = o->req->card;
    if (shop__payments__charge__async(o->c->payments, &ch, &opts, charged, o) != 0)
        finish(o, trpc_call_error(o->call, TRPC_STATUS_INTERNAL, "cannot call payments"));
}

/* Step 1 done: the user exists; reserve the items. */
static void got_user(trpc_status code, const char *message, Shop__User *reply, void *user)
{
    order *o = user;
    if (code != TRPC_STATUS_OK) {
        fail(o, "users", code, message);
        return;
    }
    o->reply->user_name = trpc_call_strdup(o->call, reply->name);
    shop__user__free_unpacked(reply, NULL);
    if (!o->reply->user_name) {
        finish(o, trpc_call_error(o->call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory"));
        return;
    }
    trpc_call_opts opts;
    if (!next_opts(o->call, &opts)) {
        finish(o, too_late(o->call));
        return;
    }
    Shop__ReserveRequest rr = SHOP__RESERVE_REQUEST__INIT;
    rr.order_id = o->req->idempotency_key;
    rr.sku = o->req->sku;
    rr.quantity = o->req->quantity;
    if (shop__inventory__reserve__async(o->c->inventory, &rr, &opts, reserved, o) != 0)
        finish(o, trpc_call_error(o->call, TRPC_STATUS_INTERNAL, "cannot call inventory"));
}

/* rpc PlaceOrder(OrderRequest) returns (Order) */
static trpc_status place_order(trpc_call *call, const Shop__OrderRequest *req,
                               Shop__Order *reply, void *user)
{
    if (!req->idempotency_key[0] || !req->user_id[0] || !req->sku[0] || req->quantity <= 0)
        return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT,
                               "user_id, sku, a positive quantity and an idempotency_key "
                               "are required");
    trpc_call_opts opts;
    if (!next_opts(call, &opts))
        return too_late(call);
    order *o = malloc(sizeof *o);
    if (!o)
        return trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    *o = (order){ .c = user, .call = call, .req = req, .reply = reply };
    reply->order_id = req->idempotency_key; /* the request outlives the call's reply */
    reply->sku = req->sku;
    reply->quantity = req->quantity;

    Shop__GetUserRequest gu = SHOP__GET_USER_REQUEST__INIT;
    gu.id = req->user_id;
    if (shop__users__get_user__async(o->c->users, &gu, &opts, got_user, o) != 0) {
        free(o);
        return trpc_call_error(call, TRPC_STATUS_INTERNAL, "cannot call users");
    }
    return TRPC_PENDING; /* finished by one of the callbacks above */
}

static const Shop__Checkout_Impl checkout_impl = { .place_order = place_order };

int shop_checkout_new(shop_checkout **out, const char *users_target,
                      const char *inventory_target, const char *payments_target)
{
    shop_checkout *c = calloc(1, sizeof *c);
    if (!c)
        return TRPC_ENOMEM;
    int rv;
    if ((rv = trpc_channel_new(&c->users, users_target, NULL)) != 0 ||
        (rv = trpc_channel_new(&c->inventory, inventory_target, NULL)) != 0 ||
        (rv = trpc_channel_new(&c->payments, payments_target, NULL)) != 0)
        goto err;
    *out = c;
    return 0;
err:
    shop_checkout_free(c);
    return rv;
}

int shop_checkout_serve(shop_checkout *c, trpc_server *srv)
{
    return shop__checkout__serve(srv, &checkout_impl, c);
}

void shop_checkout_free(shop_checkout *c)
{
    if (!c)
        return;
    trpc_channel_free(c->users);
    trpc_channel_free(c->inventory);
    trpc_channel_free(c->payments);
    free(c);
}
