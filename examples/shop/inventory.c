/*
 * inventory.c — the inventory service: stock, reservations, stock watches.
 *
 * The catalogue is fixed (a few fruits with a price and a stock level).  A
 * reservation takes items out of stock for one order and is idempotent per
 * order id, so checkout can retry safely; releasing it puts them back.
 *
 * WatchStock is a server stream that outlives its handler: the handler
 * sends the current level, records the call in a list and returns
 * TRPC_PENDING, which holds the call.  Every change of that item's stock
 * is then written to its watchers from whichever worker made the change
 * (__write never waits and works from any thread), and a watch that has
 * sent max_updates messages is finished there with __finish_call.  A
 * watch whose client cancelled, whose deadline passed or whose server is
 * shutting down ends without us: its done notification takes it off the
 * list and releases the hold, so nothing polls and shutdown completes.
 *
 * Back-pressure: a watcher that reads slower than the stock changes fills
 * its call's send buffer, and __write answers TRPC_EFULL.  The level is
 * then skipped and the call asks for the drain callback, which sends the
 * level as it is by then: a watcher wants the current level, not every
 * step in between, and memory stays bounded whatever its pace.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.trpc.h"
#include "shop.h"

typedef struct item {
    const char *sku;
    int32_t available;
    int64_t price_cents;
} item;

typedef struct reservation {
    char id[24];
    char *order_id;
    size_t item;
    int32_t quantity;
} reservation;

/* One WatchStock call: malloc'd by the handler, shared with the threads
 * that change the stock (under the inventory's lock), freed by its done
 * notification. */
typedef struct watch {
    struct watch *next;
    Shop__Inventory_WatchStock_Call *call;
    shop_inventory *inv;
    size_t item;
    int32_t left; /* messages still to send; < 0: no limit */
    bool listed;  /* on inv->watches: stock changes still go to it */
    bool behind;  /* a level was skipped (TRPC_EFULL); the drain sends it */
} watch;

struct shop_inventory {
    pthread_mutex_t lock; /* everything below, and the watches' fields */
    item items[3];
    reservation *res;
    size_t n_res, cap_res, next_res;
    watch *watches;
};

static const item catalogue[] = {
    { "apple", 10, 120 },
    { "pear", 3, 250 },
    { "plum", 0, 90 },
};

/* The index of sku in the catalogue, or -1. */
static int find_item(const shop_inventory *inv, const char *sku)
{
    for (size_t i = 0; i < sizeof inv->items / sizeof inv->items[0]; i++)
        if (strcmp(inv->items[i].sku, sku) == 0)
            return (int)i;
    return -1;
}

static void fill_stock(Shop__Stock *s, const item *it)
{
    s->sku = (char *)it->sku;
    s->available = it->available;
    s->price_cents = it->price_cents;
}

/* Takes w off the list of watches.  Called with the lock held. */
static void unlist(shop_inventory *inv, watch *w)
{
    for (watch **wp = &inv->watches; *wp; wp = &(*wp)->next) {
        if (*wp == w) {
            *wp = w->next;
            break;
        }
    }
    w->listed = false;
}

static void drained(trpc_call *call, void *arg);

/* Writes w's item's level to w, and finishes the watch when that was its
 * last update.  Called with the lock held, from any thread. */
static void send_level(shop_inventory *inv, watch *w)
{
    Shop__Stock s = SHOP__STOCK__INIT;
    fill_stock(&s, &inv->items[w->item]);
    trpc_error rv = shop__inventory__watch_stock__write(w->call, &s);
    if (rv == TRPC_EFULL) {
        /* Too slow a reader: skip this level, send the latest on drain. */
        if (!w->behind && trpc_call_on_drain(w->call->base, drained, w) == TRPC_OK)
            w->behind = true;
        return;
    }
    if (rv == TRPC_ECLOSED)
        return; /* the call has ended: its done notification is coming */
    trpc_status end;
    if (rv != TRPC_OK)
        end = trpc_call_error(w->call->base, TRPC_STATUS_RESOURCE_EXHAUSTED,
                              "cannot send the stock: %s", trpc_strerror(rv));
    else if (w->left > 0 && --w->left == 0)
        end = TRPC_STATUS_OK;
    else
        return;
    unlist(inv, w);
    shop__inventory__watch_stock__finish_call(w->call, end);
}

/* The drain callback: w's call has room again (in its own context, and
 * never after it ended). */
static void drained(trpc_call *call, void *arg)
{
    (void)call;
    watch *w = arg;
    pthread_mutex_lock(&w->inv->lock);
    w->behind = false;
    if (w->listed)
        send_level(w->inv, w);
    pthread_mutex_unlock(&w->inv->lock);
}

/* Sends item i's stock to its watchers.  Called with the lock held. */
static void notify_watchers(shop_inventory *inv, size_t i)
{
    for (watch *w = inv->watches, *next; w; w = next) {
        next = w->next; /* send_level() may take w off the list */
        if (w->item == i && !w->behind)
            send_level(inv, w);
    }
}

/* rpc GetStock(GetStockRequest) returns (Stock) */
static trpc_status get_stock(Shop__Inventory_GetStock_Call *call,
                             const Shop__GetStockRequest *req, Shop__Stock *reply, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(inv, req->sku);
    if (i < 0)
        return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    pthread_mutex_lock(&inv->lock);
    fill_stock(reply, &inv->items[i]);
    pthread_mutex_unlock(&inv->lock);
    return TRPC_STATUS_OK;
}

/* Reserve's and Release's reply; call is the generic call (->base). */
static trpc_status reply_reservation(trpc_call *call, const shop_inventory *inv,
                                     const reservation *r, Shop__Reservation *reply)
{
    const item *it = &inv->items[r->item];
    reply->reservation_id = trpc_call_strdup(call, r->id);
    reply->sku = (char *)it->sku;
    reply->quantity = r->quantity;
    reply->unit_price_cents = it->price_cents;
    reply->remaining = it->available;
    if (!reply->reservation_id)
        return trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    return TRPC_STATUS_OK;
}

/* rpc Reserve(ReserveRequest) returns (Reservation) */
static trpc_status reserve(Shop__Inventory_Reserve_Call *call, const Shop__ReserveRequest *req,
                           Shop__Reservation *reply, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(inv, req->sku);
    if (i < 0)
        return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    if (req->quantity <= 0 || !req->order_id[0])
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT,
                               "an order id and a positive quantity are required");
    trpc_status st;
    pthread_mutex_lock(&inv->lock);
    for (size_t k = 0; k < inv->n_res; k++) {
        const reservation *r = &inv->res[k];
        if (strcmp(r->order_id, req->order_id) != 0)
            continue;
        if (r->item != (size_t)i || r->quantity != req->quantity)
            st = trpc_call_error(call->base, TRPC_STATUS_FAILED_PRECONDITION,
                                 "order '%s' already reserved something else", req->order_id);
        else
            st = reply_reservation(call->base, inv, r, reply);
        goto out;
    }
    item *it = &inv->items[i];
    if (it->available < req->quantity) {
        st = trpc_call_error(call->base, TRPC_STATUS_FAILED_PRECONDITION,
                             "out of stock: %d %s wanted, %d left", (int)req->quantity, it->sku,
                             (int)it->available);
        goto out;
    }
    if (inv->n_res == inv->cap_res) {
        size_t cap = inv->cap_res ? 2 * inv->cap_res : 16;
        reservation *grown = realloc(inv->res, cap * sizeof *grown);
        if (!grown) {
            st = trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
        inv->res = grown;
        inv->cap_res = cap;
    }
    reservation *r = &inv->res[inv->n_res];
    if (!(r->order_id = strdup(req->order_id))) {
        st = trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    snprintf(r->id, sizeof r->id, "r-%zu", ++inv->next_res);
    r->item = (size_t)i;
    r->quantity = req->quantity;
    inv->n_res++;
    it->available -= req->quantity;
    notify_watchers(inv, (size_t)i);
    st = reply_reservation(call->base, inv, r, reply);
out:
    pthread_mutex_unlock(&inv->lock);
    return st;
}

/* rpc Release(ReleaseRequest) returns (Reservation) */
static trpc_status release(Shop__Inventory_Release_Call *call, const Shop__ReleaseRequest *req,
                           Shop__Reservation *reply, void *user)
{
    shop_inventory *inv = user;
    trpc_status st = TRPC_STATUS_NOT_FOUND;
    pthread_mutex_lock(&inv->lock);
    for (size_t k = 0; k < inv->n_res; k++) {
        reservation r = inv->res[k];
        if (strcmp(r.id, req->reservation_id) != 0)
            continue;
        inv->res[k] = inv->res[--inv->n_res];
        inv->items[r.item].available += r.quantity;
        notify_watchers(inv, r.item);
        st = reply_reservation(call->base, inv, &r, reply);
        free(r.order_id);
        break;
    }
    pthread_mutex_unlock(&inv->lock);
    if (st == TRPC_STATUS_NOT_FOUND)
        return trpc_call_error(call->base, st, "no reservation '%s'", req->reservation_id);
    return st;
}

/* rpc WatchStock(WatchStockRequest) returns (stream Stock) */
static trpc_status watch_stock(Shop__Inventory_WatchStock_Call *call,
                               const Shop__WatchStockRequest *req, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(inv, req->sku);
    if (i < 0)
        return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    if (req->max_updates < 0)
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT, "max_updates < 0");
    watch *w = malloc(sizeof *w);
    if (!w)
        return trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    Shop__Stock s = SHOP__STOCK__INIT;
    pthread_mutex_lock(&inv->lock);
    fill_stock(&s, &inv->items[i]);
    trpc_error rv = shop__inventory__watch_stock__write(call, &s);
    if (rv != TRPC_OK || req->max_updates == 1) {
        pthread_mutex_unlock(&inv->lock);
        free(w);
        return rv != TRPC_OK ? TRPC_STATUS_CANCELLED : TRPC_STATUS_OK;
    }
    *w = (watch){ .next = inv->watches, .call = call, .inv = inv, .item = (size_t)i,
                  .left = req->max_updates ? req->max_updates - 1 : -1, .listed = true };
    inv->watches = w;
    trpc_call_set_data(call->base, w); /* for watch_done() */
    pthread_mutex_unlock(&inv->lock);
    return TRPC_PENDING; /* finished by send_level(), or ended without us */
}

/* The watch is over (exactly once, last, in the call's context).  Still
 * listed means it ended without us (the client cancelled, the deadline
 * passed, the connection was lost or the server shut down): take it off
 * the list and finish it, which then only releases our hold. */
static void watch_done(Shop__Inventory_WatchStock_Call *call, trpc_done_reason why, void *user)
{
    (void)why;
    shop_inventory *inv = user;
    watch *w = trpc_call_data(call->base);
    if (!w)
        return; /* the handler answered without keeping the call */
    pthread_mutex_lock(&inv->lock);
    bool ours = w->listed;
    if (ours)
        unlist(inv, w);
    pthread_mutex_unlock(&inv->lock);
    if (ours)
        shop__inventory__watch_stock__finish_call(call, TRPC_STATUS_CANCELLED);
    free(w);
}

static const Shop__Inventory_Impl inventory_impl = {
    .get_stock = get_stock,
    .reserve = reserve,
    .release = release,
    .watch_stock = watch_stock,
    .watch_stock_done = watch_done,
};

trpc_error shop_inventory_new(shop_inventory **out)
{
    shop_inventory *inv = calloc(1, sizeof *inv);
    if (!inv)
        return TRPC_ENOMEM;
    memcpy(inv->items, catalogue, sizeof inv->items);
    pthread_mutex_init(&inv->lock, NULL);
    *out = inv;
    return TRPC_OK;
}

trpc_error shop_inventory_serve(shop_inventory *inv, trpc_server *srv)
{
    return shop__inventory__serve(srv, &inventory_impl, inv);
}

void shop_inventory_free(shop_inventory *inv)
{
    if (!inv)
        return;
    /* The server has shut down, so every watch is done and freed. */
    for (size_t k = 0; k < inv->n_res; k++)
        free(inv->res[k].order_id);
    free(inv->res);
    pthread_mutex_destroy(&inv->lock);
    free(inv);
}
