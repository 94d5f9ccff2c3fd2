/*
 * inventory.c — the inventory service: stock, reservations, stock watches.
 *
 * The catalogue is fixed (a few fruits with a price and a stock level).  A
 * reservation takes items out of stock for one order and is idempotent per
 * order id, so checkout can retry safely; releasing it puts them back.
 *
 * WatchStock is a server stream that outlives its handler: the handler
 * sends the current level, records the call in a list and returns
 * TRPC_PENDING.  Every change of that item's stock is then sent to its
 * watchers from whichever worker made the change (trpc_call_send() is
 * thread-safe), and a watch that has sent max_updates messages is finished
 * there.  A watch whose client cancelled or whose deadline passed sends
 * nothing that would tell us, so a small reaper thread looks for cancelled
 * watches ten times a second and finishes them; this also lets
 * trpc_server_shutdown(), which waits for pending calls, complete.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

typedef struct watch {
    struct watch *next;
    trpc_call *call;
    Shop__Inventory_WatchStock_Writer *out;
    size_t item;
    int32_t left; /* messages still to send; < 0: no limit */
} watch;

struct shop_inventory {
    pthread_mutex_t lock;
    item items[3];
    reservation *res;
    size_t n_res, cap_res, next_res;
    watch *watches;
    pthread_cond_t wake;  /* tells the reaper to stop */
    bool stopping;
    pthread_t reaper;
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

/* Sends item i's stock to its watchers and finishes the watches that are
 * done or gone.  Called with the lock held. */
static void notify_watchers(shop_inventory *inv, size_t i)
{
    Shop__Stock s = SHOP__STOCK__INIT;
    fill_stock(&s, &inv->items[i]);
    for (watch **wp = &inv->watches; *wp;) {
        watch *w = *wp;
        if (w->item != i) {
            wp = &w->next;
            continue;
        }
        trpc_status end = TRPC_STATUS_OK;
        if (shop__inventory__watch_stock__write(w->out, &s) != 0)
            end = TRPC_STATUS_CANCELLED;
        else if (w->left > 0 && --w->left == 0)
            end = TRPC_STATUS_OK;
        else {
            wp = &w->next;
            continue;
        }
        *wp = w->next;
        trpc_call_finish(w->call, end);
        free(w);
    }
}

/* rpc GetStock(GetStockRequest) returns (Stock) */
static trpc_status get_stock(trpc_call *call, const Shop__GetStockRequest *req,
                             Shop__Stock *reply, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(inv, req->sku);
    if (i < 0)
        return trpc_call_error(call, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    pthread_mutex_lock(&inv->lock);
    fill_stock(reply, &inv->items[i]);
    pthread_mutex_unlock(&inv->lock);
    return TRPC_STATUS_OK;
}

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
static trpc_status reserve(trpc_call *call, const Shop__ReserveRequest *req,
                           Shop__Reservation *reply, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(inv, req->sku);
    if (i < 0)
        return trpc_call_error(call, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    if (req->quantity <= 0 || !req->order_id[0])
        return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT,
                               "an order id and a positive quantity are required");
    trpc_status st;
    pthread_mutex_lock(&inv->lock);
    for (size_t k = 0; k < inv->n_res; k++) {
        const reservation *r = &inv->res[k];
        if (strcmp(r->order_id, req->order_id) != 0)
            continue;
        if (r->item != (size_t)i || r->quantity != req->quantity)
            st = trpc_call_error(call, TRPC_STATUS_FAILED_PRECONDITION,
                                 "order '%s' already reserved something else", req->order_id);
        else
            st = reply_reservation(call, inv, r, reply);
        goto out;
    }
    item *it = &inv->items[i];
    if (it->available < req->quantity) {
        st = trpc_call_error(call, TRPC_STATUS_FAILED_PRECONDITION,
                             "out of stock: %d %s wanted, %d left", (int)req->quantity, it->sku,
                             (int)it->available);
        goto out;
    }
    if (inv->n_res == inv->cap_res) {
        size_t cap = inv->cap_res ? 2 * inv->cap_res : 16;
        reservation *grown = realloc(inv->res, cap * sizeof *grown);
        if (!grown) {
            st = trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
            goto out;
        }
        inv->res = grown;
        inv->cap_res = cap;
    }
    reservation *r = &inv->res[inv->n_res];
    if (!(r->order_id = strdup(req->order_id))) {
        st = trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
        goto out;
    }
    snprintf(r->id, sizeof r->id, "r-%zu", ++inv->next_res);
    r->item = (size_t)i;
    r->quantity = req->quantity;
    inv->n_res++;
    it->available -= req->quantity;
    notify_watchers(inv, (size_t)i);
    st = reply_reservation(call, inv, r, reply);
out:
    pthread_mutex_unlock(&inv->lock);
    return st;
}

/* rpc Release(ReleaseRequest) returns (Reservation) */
static trpc_status release(trpc_call *call, const Shop__ReleaseRequest *req,
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
        st = reply_reservation(call, inv, &r, reply);
        free(r.order_id);
        break;
    }
    pthread_mutex_unlock(&inv->lock);
    if (st == TRPC_STATUS_NOT_FOUND)
        return trpc_call_error(call, st, "no reservation '%s'", req->reservation_id);
    return st;
}

/* rpc WatchStock(WatchStockRequest) returns (stream Stock) */
static trpc_status watch_stock(trpc_call *call, const Shop__WatchStockRequest *req,
                               Shop__Inventory_WatchStock_Writer *out, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(inv, req->sku);
    if (i < 0)
        return trpc_call_error(call, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    if (req->max_updates < 0)
        return trpc_call_error(call, TRPC_STATUS_INVALID_ARGUMENT, "max_updates < 0");
    watch *w = malloc(sizeof *w);
    if (!w)
        return trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    Shop__Stock s = SHOP__STOCK__INIT;
    pthread_mutex_lock(&inv->lock);
    fill_stock(&s, &inv->items[i]);
    int rv = shop__inventory__watch_stock__write(out, &s);
    if (rv != 0 || req->max_updates == 1) {
        pthread_mutex_unlock(&inv->lock);
        free(w);
        return rv ? TRPC_STATUS_CANCELLED : TRPC_STATUS_OK;
    }
    *w = (watch){ .next = inv->watches, .call = call, .out = out, .item = (size_t)i,
                  .left = req->max_updates ? req->max_updates - 1 : -1 };
    inv->watches = w;
    pthread_mutex_unlock(&inv->lock);
    return TRPC_PENDING; /* finished by notify_watchers() or the reaper */
}

/* Finishes the watches whose call was cancelled (client gone, deadline
 * passed, server shutting down), every 100 ms until told to stop. */
static void *reaper(void *arg)
{
    shop_inventory *inv = arg;
    pthread_mutex_lock(&inv->lock);
    while (!inv->stopping) {
        for (watch **wp = &inv->watches; *wp;) {
            watch *w = *wp;
            if (!trpc_call_is_cancelled(w->call)) {
                wp = &w->next;
                continue;
            }
            *wp = w->next;
            trpc_call_finish(w->call, TRPC_STATUS_CANCELLED);
            free(w);
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int rv = pthread_cond_timedwait(&inv->wake, &inv->lock, &until);
        (void)rv; /* ETIMEDOUT or woken: look again either way */
    }
    pthread_mutex_unlock(&inv->lock);
    return NULL;
}

static const Shop__Inventory_Impl inventory_impl = {
    .get_stock = get_stock,
    .reserve = reserve,
    .release = release,
    .watch_stock = watch_stock,
};

int shop_inventory_new(shop_inventory **out)
{
    shop_inventory *inv = calloc(1, sizeof *inv);
    if (!inv)
        return TRPC_ENOMEM;
    memcpy(inv->items, catalogue, sizeof inv->items);
    pthread_mutex_init(&inv->lock, NULL);
    pthread_cond_init(&inv->wake, NULL);
    if (pthread_create(&inv->reaper, NULL, reaper, inv) != 0) {
        pthread_cond_destroy(&inv->wake);
        pthread_mutex_destroy(&inv->lock);
        free(inv);
        return TRPC_ESYS;
    }
    *out = inv;
    return 0;
}

int shop_inventory_serve(shop_inventory *inv, trpc_server *srv)
{
    return shop__inventory__serve(srv, &inventory_impl, inv);
}

void shop_inventory_free(shop_inventory *inv)
{
    if (!inv)
        return;
    pthread_mutex_lock(&inv->lock);
    inv->stopping = true;
    pthread_cond_signal(&inv->wake);
    pthread_mutex_unlock(&inv->lock);
    pthread_join(inv->reaper, NULL);
    /* The server has shut down, so every watch has been finished. */
    for (size_t k = 0; k < inv->n_res; k++)
        free(inv->res[k].order_id);
    free(inv->res);
    pthread_cond_destroy(&inv->wake);
    pthread_mutex_destroy(&inv->lock);
    free(inv);
}
