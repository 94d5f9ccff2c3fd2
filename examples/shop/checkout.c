/*
 * checkout.c — the checkout service: places an order by calling users,
 * inventory and payments.
 *
 * PlaceOrder never blocks a worker: the handler starts the first call with
 * the async client API and returns TRPC_PENDING, which holds the call;
 * each completion callback (on a channel's I/O thread) gets that method's
 * own result type, starts the next step, and the last one finishes the
 * call with __finish_call.  The steps:
 *   1. users.GetUser      unknown user         -> NOT_FOUND
 *   2. inventory.Reserve  unknown item          -> NOT_FOUND
 *                         not enough in stock   -> FAILED_PRECONDITION
 *   3. payments.Charge    card declined         -> ABORTED (and the
 *                         reservation is released)
 * Whatever the step, a service that is down answers UNAVAILABLE and one
 * that is too slow DEADLINE_EXCEEDED; both are passed on with the service
 * named in the message.  Every call carries the client's deadline, less a
 * small margin (five seconds when the client set none), so checkout never
 * waits longer than its own client will.
 *
 * When checkout's own call ends early (its client cancels, or the
 * deadline passes, or the server shuts down), its done notification
 * cancels the order's cancel token, which every dependency call carries:
 * the call in flight ends at once (its service sees RST_STREAM CANCEL;
 * payments then charges nothing) and no further step starts.
 *
 * A client may name its request with x-request-id metadata: checkout
 * sends it back in its response headers and passes it on to every call it
 * makes, so one order can be followed through all the services.
 *
 * Retries are safe end to end: the order's idempotency key is the order id
 * for inventory (one reservation per order) and the idempotency key for
 * payments (one charge per order).
 *
 * Several instances of a service: a target may list them
 * ("ipv4:A:P,B:P,C:P"); every channel balances round_robin over a target's
 * addresses and checks each one's health (grpc.health.v1.Health/Watch of
 * the service's own name), so an instance that is stopping or out of
 * rotation (NOT_SERVING) gets no new calls.  Inventory's calls are retried
 * on UNAVAILABLE (gRPC's retry policy: up to 3 attempts, each to the next
 * instance): an instance killed under a Reserve costs no order, since a
 * Reserve that reached it before it died answers the same reservation to
 * the retry, whichever instance that reaches (the instances share one
 * store, inventory.c).  Payments and users calls are not retried here.
 */
#include <stdatomic.h>
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

#define REQUEST_ID "x-request-id"

/* A client per service: each one's stubs take only their own client. */
struct shop_checkout {
    Shop__Users_Client *users;
    Shop__Inventory_Client *inventory;
    Shop__Payments_Client *payments;
};

/* One order in flight: the call, its request and its reply (both the
 * call's, valid while we hold it), and the metadata its dependency calls
 * carry.  It lives in the call's arena too. */
typedef struct order {
    shop_checkout *c;
    Shop__Checkout_PlaceOrder_Call *call;
    const Shop__OrderRequest *req;
    Shop__Order *reply;
    trpc_metadata *md; /* x-request-id, or NULL */
    trpc_cancel_token *cancel; /* on every dependency call */
    atomic_int refs;   /* finish() and the done notification: the last one
                          frees the token (they may run on two threads) */
} order;

static void order_unref(order *o)
{
    if (atomic_fetch_sub(&o->refs, 1) == 1)
        trpc_cancel_token_free(o->cancel); /* calls still using it keep it */
}

/* Finishes the order's call with code: the reply goes out when code is OK.
 * The order (in the call's arena) is not to be touched after. */
static void finish(order *o, trpc_status code)
{
    trpc_metadata_free(o->md);
    order_unref(o);
    shop__checkout__place_order__finish_call(o->call, code);
}

/* Options for the next dependency call: the client's deadline, passed on,
 * less a fifth of what is left (at most 200 ms) kept back so that when a
 * dependency is too slow our client hears which one from us rather than
 * just its own timeout. */
static trpc_call_opts dependency_opts(const order *o)
{
    int64_t deadline = trpc_call_deadline(o->call->base);
    if (deadline == INT64_MAX) /* the client set none */
        return TRPC_CALL_OPTS(.timeout_ms = DEFAULT_BUDGET_MS, .metadata = o->md,
                              .cancel = o->cancel);
    int64_t left = deadline - trpc_now_ms();
    int64_t margin = left / 5 < 200 ? left / 5 : 200;
    return TRPC_CALL_OPTS(.deadline = deadline - (margin > 0 ? margin : 0), .metadata = o->md,
                          .cancel = o->cancel);
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
    finish(o, trpc_call_error(o->call->base, out, "%s: %s: %s", service, trpc_status_name(code),
                              message ? message : ""));
}

static void released(const Shop__Inventory_Release_Result *r, void *user)
{
    (void)user;
    if (r->reply)
        shop__reservation__free_unpacked(r->reply, NULL);
}

/* Step 3 done: the order is paid, or the reservation goes back. */
static void charged(const Shop__Payments_Charge_Result *r, void *user)
{
    order *o = user;
    if (r->status != TRPC_STATUS_OK) {
        /* Put the items back; a failure here leaves the reservation for an
         * operator (or a retry with the same key) to sort out. */
        Shop__ReleaseRequest rel = SHOP__RELEASE_REQUEST__INIT;
        rel.reservation_id = o->reply->reservation_id;
        if (shop__inventory__release__async(o->c->inventory, &rel,
                                            &TRPC_CALL_OPTS(.timeout_ms = DEFAULT_BUDGET_MS),
                                            released, NULL) != TRPC_OK)
            fprintf(stderr, "checkout: could not release %s\n", rel.reservation_id);
        fail(o, "payments", r->status, r->message);
        return;
    }
    o->reply->charge_id = trpc_call_strdup(o->call->base, r->reply->charge_id);
    o->reply->replayed = r->reply->replayed;
    shop__charge_reply__free_unpacked(r->reply, NULL);
    if (!o->reply->charge_id) {
        finish(o, trpc_call_error(o->call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory"));
        return;
    }
    finish(o, TRPC_STATUS_OK);
}

/* Step 2 done: the items are ours; charge for them. */
static void reserved(const Shop__Inventory_Reserve_Result *r, void *user)
{
    order *o = user;
    if (r->status != TRPC_STATUS_OK) {
        fail(o, "inventory", r->status, r->message);
        return;
    }
    o->reply->reservation_id = trpc_call_strdup(o->call->base, r->reply->reservation_id);
    o->reply->total_cents = r->reply->unit_price_cents * r->reply->quantity;
    shop__reservation__free_unpacked(r->reply, NULL);
    if (!o->reply->reservation_id) {
        finish(o, trpc_call_error(o->call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory"));
        return;
    }
    Shop__ChargeRequest ch = SHOP__CHARGE_REQUEST__INIT;
    ch.idempotency_key = o->req->idempotency_key;
    ch.user_id = o->req->user_id;
    ch.amount_cents = o->reply->total_cents;
    ch.card = o->req->card;
    trpc_call_opts opts = dependency_opts(o);
    if (shop__payments__charge__async(o->c->payments, &ch, &opts, charged, o) != TRPC_OK)
        finish(o, trpc_call_error(o->call->base, TRPC_STATUS_INTERNAL, "cannot call payments"));
}

/* Step 1 done: the user exists; reserve the items. */
static void got_user(const Shop__Users_GetUser_Result *r, void *user)
{
    order *o = user;
    if (r->status != TRPC_STATUS_OK) {
        fail(o, "users", r->status, r->message);
        return;
    }
    o->reply->user_name = trpc_call_strdup(o->call->base, r->reply->name);
    shop__user__free_unpacked(r->reply, NULL);
    if (!o->reply->user_name) {
        finish(o, trpc_call_error(o->call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory"));
        return;
    }
    Shop__ReserveRequest rr = SHOP__RESERVE_REQUEST__INIT;
    rr.order_id = o->req->idempotency_key;
    rr.sku = o->req->sku;
    rr.quantity = o->req->quantity;
    trpc_call_opts opts = dependency_opts(o);
    if (shop__inventory__reserve__async(o->c->inventory, &rr, &opts, reserved, o) != TRPC_OK)
        finish(o, trpc_call_error(o->call->base, TRPC_STATUS_INTERNAL, "cannot call inventory"));
}

/* rpc PlaceOrder(OrderRequest) returns (Order) */
static trpc_status place_order(Shop__Checkout_PlaceOrder_Call *call,
                               const Shop__OrderRequest *req, Shop__Order *reply, void *user)
{
    if (!req->idempotency_key[0] || !req->user_id[0] || !req->sku[0] || req->quantity <= 0)
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT,
                               "user_id, sku, a positive quantity and an idempotency_key "
                               "are required");
    order *o = trpc_call_alloc(call->base, sizeof *o);
    if (!o || trpc_cancel_token_new(&o->cancel) != TRPC_OK)
        return trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    o->c = user;
    o->call = call;
    o->req = req;
    o->reply = reply;
    o->md = NULL;
    atomic_init(&o->refs, 2);
    trpc_call_set_data(call->base, o); /* for place_order_done() */
    reply->order_id = req->idempotency_key; /* the request outlives the call's reply */
    reply->sku = req->sku;
    reply->quantity = req->quantity;

    /* The client's request id goes back in our headers and on to the
     * services we call. */
    const trpc_metadata *md = trpc_call_metadata(call->base);
    const char *request_id = trpc_metadata_get(md, REQUEST_ID, NULL);
    if (request_id &&
        (trpc_call_add_header(call->base, REQUEST_ID, request_id, strlen(request_id)) ||
         trpc_metadata_new(&o->md) || trpc_metadata_add_str(o->md, REQUEST_ID, request_id))) {
        trpc_metadata_free(o->md);
        order_unref(o); /* finished by this status, not by finish() */
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT, "bad %s", REQUEST_ID);
    }

    Shop__GetUserRequest gu = SHOP__GET_USER_REQUEST__INIT;
    gu.id = req->user_id;
    trpc_call_opts opts = dependency_opts(o);
    if (shop__users__get_user__async(o->c->users, &gu, &opts, got_user, o) != TRPC_OK) {
        trpc_metadata_free(o->md);
        order_unref(o);
        return trpc_call_error(call->base, TRPC_STATUS_INTERNAL, "cannot call users");
    }
    return TRPC_PENDING; /* finished by one of the callbacks above */
}

/* The call is over (exactly once, last; the order, in its arena, is still
 * there).  Ended early: the client cancelled, the deadline passed, the
 * server shuts down.  Then the dependency call in flight is cancelled
 * (its callback finishes the order, which only releases our hold now) and
 * no further step starts. */
static void place_order_done(Shop__Checkout_PlaceOrder_Call *call, trpc_done_reason why,
                             void *user)
{
    (void)user;
    order *o = trpc_call_data(call->base);
    if (!o)
        return; /* refused before an order was made */
    if (why != TRPC_DONE_FINISHED)
        trpc_cancel_token_cancel(o->cancel);
    order_unref(o);
}

static const Shop__Checkout_Impl checkout_impl = {
    .place_order = place_order,
    .place_order_done = place_order_done,
};

trpc_error shop_checkout_new(shop_checkout **out, const char *users_target,
                             const char *inventory_target, const char *payments_target)
{
    shop_checkout *c = calloc(1, sizeof *c);
    if (!c)
        return TRPC_ENOMEM;
    trpc_channel *users = NULL, *inventory = NULL, *payments = NULL;
    trpc_error rv;
    /* Each channel: round robin over the target's addresses (one address:
     * just that one), only to instances whose health says SERVING. */
    const trpc_retry_policy retry = TRPC_RETRY_POLICY(
        .service = "shop.Inventory", .max_attempts = 3, .initial_backoff_ms = 50,
        .max_backoff_ms = 500, .retryable_codes = TRPC_RETRY_ON(TRPC_STATUS_UNAVAILABLE));
    const trpc_retry_policy *retries[] = { &retry };
    trpc_channel_opts uo = TRPC_CHANNEL_OPTS(.lb_policy = "round_robin",
                                             .health_check_service = "shop.Users");
    trpc_channel_opts io = TRPC_CHANNEL_OPTS(.lb_policy = "round_robin",
                                             .health_check_service = "shop.Inventory",
                                             .retry_policies = retries, .nretry_policies = 1);
    trpc_channel_opts po = TRPC_CHANNEL_OPTS(.lb_policy = "round_robin",
                                             .health_check_service = "shop.Payments");
    if ((rv = trpc_channel_new(&users, users_target, &uo)) != TRPC_OK ||
        (rv = trpc_channel_new(&inventory, inventory_target, &io)) != TRPC_OK ||
        (rv = trpc_channel_new(&payments, payments_target, &po)) != TRPC_OK) {
        trpc_channel_free(users);
        trpc_channel_free(inventory);
        free(c);
        return rv;
    }
    c->users = shop__users__client(users);
    c->inventory = shop__inventory__client(inventory);
    c->payments = shop__payments__client(payments);
    *out = c;
    return TRPC_OK;
}

trpc_error shop_checkout_serve(shop_checkout *c, trpc_server *srv)
{
    return shop__checkout__serve(srv, &checkout_impl, c);
}

void shop_checkout_free(shop_checkout *c)
{
    if (!c)
        return;
    /* client->base is the channel the client was made from. */
    trpc_channel_free(c->users->base);
    trpc_channel_free(c->inventory->base);
    trpc_channel_free(c->payments->base);
    free(c);
}
