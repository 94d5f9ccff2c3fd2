/*
 * inventory.c — the inventory service: stock, reservations, stock watches.
 *
 * The catalogue is fixed (a few fruits with a price and a stock level).  A
 * reservation takes items out of stock for one order and is idempotent per
 * order id, so checkout can retry safely; releasing it puts them back.
 * Stock and reservations live in a store (inventory_store.h): this
 * process's memory, or a file several inventory instances share
 * (shop_server --inventory-store), so that three instances behind a
 * round-robin checkout sell each pear once and answer a retried order the
 * same whichever instance it reaches.
 *
 * Watchers hear of every change through the store's change log, which
 * this process reads after each change it makes and, for the changes
 * other instances make, every POLL_MS on a thread of its own (a version
 * counter to compare; nothing is read while nothing changed).
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
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inventory.trpc.h"
#include "inventory_store.h"
#include "shop.h"

/* How often an instance looks for changes other instances made. */
#define POLL_MS 50

typedef struct item {
    const char *sku;
    int32_t stock; /* when the store is made */
    int64_t price_cents;
} item;

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
    inv_store *store; /* its lock guards the store, seen and the watches */
    uint64_t seen;    /* the store's last change told to watchers */
    watch *watches;
    pthread_t poller;
    bool polling;
    atomic_bool stop;
    atomic_long reserved, released, reads; /* calls served, for the log */
};

static const item catalogue[STORE_ITEMS] = {
    { "apple", 10, 120 },
    { "pear", 3, 250 },
    { "plum", 0, 90 },
    { "fig", 1000000, 30 }, /* for load runs (run-shop.sh --replicas): never sold out */
};

/* The index of sku in the catalogue, or -1. */
static int find_item(const char *sku)
{
    for (size_t i = 0; i < STORE_ITEMS; i++)
        if (strcmp(catalogue[i].sku, sku) == 0)
            return (int)i;
    return -1;
}

static void fill_stock(Shop__Stock *s, size_t i, int32_t available)
{
    s->sku = (char *)catalogue[i].sku;
    s->available = available;
    s->price_cents = catalogue[i].price_cents;
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

/* Writes level, w's item's stock, to w, and finishes the watch when that
 * was its last update.  Called with the lock held, from any thread. */
static void send_level(shop_inventory *inv, watch *w, int32_t level)
{
    Shop__Stock s = SHOP__STOCK__INIT;
    fill_stock(&s, w->item, level);
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
    inv_store_lock(w->inv->store);
    w->behind = false;
    if (w->listed)
        send_level(w->inv, w, inv_store_available(w->inv->store, (unsigned)w->item));
    inv_store_unlock(w->inv->store);
}

/* Sends level, item i's stock, to its watchers.  Called with the lock
 * held. */
static void notify_watchers(shop_inventory *inv, size_t i, int32_t level)
{
    for (watch *w = inv->watches, *next; w; w = next) {
        next = w->next; /* send_level() may take w off the list */
        if (w->item == i && !w->behind)
            send_level(inv, w, level);
    }
}

/* Tells the watchers of every change since the last one told, whichever
 * instance made it, in order; changes that left the store's log are told
 * as the levels are now.  Called with the lock held. */
static void catch_up(shop_inventory *inv)
{
    uint64_t now = inv_store_version(inv->store);
    bool lost = false;
    for (uint64_t v = inv->seen + 1; v <= now; v++) {
        store_change c;
        if (inv_store_change(inv->store, v, &c))
            notify_watchers(inv, c.item, c.available);
        else
            lost = true;
    }
    if (lost)
        for (size_t i = 0; i < STORE_ITEMS; i++)
            notify_watchers(inv, i, inv_store_available(inv->store, (unsigned)i));
    inv->seen = now;
}

/* The poller: changes other instances made reach our watchers within
 * POLL_MS. */
static void *poll_store(void *arg)
{
    shop_inventory *inv = arg;
    const struct timespec tick = { 0, POLL_MS * 1000000L };
    while (!atomic_load(&inv->stop)) {
        nanosleep(&tick, NULL);
        inv_store_lock(inv->store); /* a version to compare: cheap */
        catch_up(inv);
        inv_store_unlock(inv->store);
    }
    return NULL;
}

/* rpc GetStock(GetStockRequest) returns (Stock) */
static trpc_status get_stock(Shop__Inventory_GetStock_Call *call,
                             const Shop__GetStockRequest *req, Shop__Stock *reply, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(req->sku);
    if (i < 0)
        return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    inv_store_lock(inv->store);
    fill_stock(reply, (size_t)i, inv_store_available(inv->store, (unsigned)i));
    inv_store_unlock(inv->store);
    atomic_fetch_add(&inv->reads, 1);
    return TRPC_STATUS_OK;
}

/* Reserve's and Release's reply; call is the generic call (->base).
 * Called with the lock held (r is in the store). */
static trpc_status reply_reservation(trpc_call *call, const shop_inventory *inv,
                                     const store_reservation *r, Shop__Reservation *reply)
{
    const item *it = &catalogue[r->item];
    char id[32];
    snprintf(id, sizeof id, "r-%llu", (unsigned long long)r->number);
    reply->reservation_id = trpc_call_strdup(call, id);
    reply->sku = (char *)it->sku;
    reply->quantity = r->quantity;
    reply->unit_price_cents = it->price_cents;
    reply->remaining = inv_store_available(inv->store, r->item);
    if (!reply->reservation_id)
        return trpc_call_error(call, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    return TRPC_STATUS_OK;
}

/* rpc Reserve(ReserveRequest) returns (Reservation) */
static trpc_status reserve(Shop__Inventory_Reserve_Call *call, const Shop__ReserveRequest *req,
                           Shop__Reservation *reply, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(req->sku);
    if (i < 0)
        return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    if (req->quantity <= 0 || !req->order_id[0])
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT,
                               "an order id and a positive quantity are required");
    if (strlen(req->order_id) > STORE_ORDER_ID_MAX)
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT,
                               "an order id has at most %d bytes", STORE_ORDER_ID_MAX);
    atomic_fetch_add(&inv->reserved, 1);
    trpc_status st;
    inv_store_lock(inv->store);
    /* One reservation per order, whichever instance made it. */
    const store_reservation *r = inv_store_find_order(inv->store, req->order_id);
    if (r) {
        if (r->item != (size_t)i || r->quantity != req->quantity)
            st = trpc_call_error(call->base, TRPC_STATUS_FAILED_PRECONDITION,
                                 "order '%s' already reserved something else", req->order_id);
        else
            st = reply_reservation(call->base, inv, r, reply);
        goto out;
    }
    int32_t available = inv_store_available(inv->store, (unsigned)i);
    if (available < req->quantity) {
        st = trpc_call_error(call->base, TRPC_STATUS_FAILED_PRECONDITION,
                             "out of stock: %d %s wanted, %d left", (int)req->quantity,
                             catalogue[i].sku, (int)available);
        goto out;
    }
    if (!(r = inv_store_add(inv->store, req->order_id, (unsigned)i, req->quantity))) {
        st = trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED,
                             "the inventory store is full (%d reservations)",
                             STORE_RESERVATIONS);
        goto out;
    }
    catch_up(inv);
    st = reply_reservation(call->base, inv, r, reply);
out:
    inv_store_unlock(inv->store);
    return st;
}

/* rpc Release(ReleaseRequest) returns (Reservation) */
static trpc_status release(Shop__Inventory_Release_Call *call, const Shop__ReleaseRequest *req,
                           Shop__Reservation *reply, void *user)
{
    shop_inventory *inv = user;
    trpc_status st = TRPC_STATUS_NOT_FOUND;
    atomic_fetch_add(&inv->released, 1);
    inv_store_lock(inv->store);
    const store_reservation *found = inv_store_find_id(inv->store, req->reservation_id);
    if (found) {
        store_reservation r = *found; /* the reply describes it, gone */
        inv_store_remove(inv->store, found);
        catch_up(inv);
        st = reply_reservation(call->base, inv, &r, reply);
    }
    inv_store_unlock(inv->store);
    if (st == TRPC_STATUS_NOT_FOUND)
        return trpc_call_error(call->base, st, "no reservation '%s'", req->reservation_id);
    return st;
}

/* rpc WatchStock(WatchStockRequest) returns (stream Stock) */
static trpc_status watch_stock(Shop__Inventory_WatchStock_Call *call,
                               const Shop__WatchStockRequest *req, void *user)
{
    shop_inventory *inv = user;
    int i = find_item(req->sku);
    if (i < 0)
        return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "no item '%s'", req->sku);
    if (req->max_updates < 0)
        return trpc_call_error(call->base, TRPC_STATUS_INVALID_ARGUMENT, "max_updates < 0");
    watch *w = malloc(sizeof *w);
    if (!w)
        return trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    Shop__Stock s = SHOP__STOCK__INIT;
    inv_store_lock(inv->store);
    catch_up(inv); /* the level sent now is after every change told */
    fill_stock(&s, (size_t)i, inv_store_available(inv->store, (unsigned)i));
    trpc_error rv = shop__inventory__watch_stock__write(call, &s);
    if (rv != TRPC_OK || req->max_updates == 1) {
        inv_store_unlock(inv->store);
        free(w);
        return rv != TRPC_OK ? TRPC_STATUS_CANCELLED : TRPC_STATUS_OK;
    }
    *w = (watch){ .next = inv->watches, .call = call, .inv = inv, .item = (size_t)i,
                  .left = req->max_updates ? req->max_updates - 1 : -1, .listed = true };
    inv->watches = w;
    trpc_call_set_data(call->base, w); /* for watch_done() */
    inv_store_unlock(inv->store);
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
    inv_store_lock(inv->store);
    bool ours = w->listed;
    if (ours)
        unlist(inv, w);
    inv_store_unlock(inv->store);
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

trpc_error shop_inventory_new_shared(shop_inventory **out, const char *store_path)
{
    shop_inventory *inv = calloc(1, sizeof *inv);
    if (!inv)
        return TRPC_ENOMEM;
    int32_t stock[STORE_ITEMS];
    for (size_t i = 0; i < STORE_ITEMS; i++)
        stock[i] = catalogue[i].stock;
    trpc_error rv = inv_store_open(&inv->store, store_path, stock);
    if (rv != TRPC_OK) {
        if (rv == TRPC_ESYS)
            fprintf(stderr, "inventory: store %s: %s\n", store_path,
                    errno == EINVAL ? "not an inventory store of this version" : strerror(errno));
        free(inv);
        return rv;
    }
    /* Changes made before we came are not news to our watchers. */
    inv->seen = inv_store_version(inv->store);
    if (store_path) {
        if (pthread_create(&inv->poller, NULL, poll_store, inv) != 0) {
            inv_store_close(inv->store);
            free(inv);
            return TRPC_ESYS;
        }
        inv->polling = true;
    }
    *out = inv;
    return TRPC_OK;
}

trpc_error shop_inventory_new(shop_inventory **out)
{
    return shop_inventory_new_shared(out, NULL);
}

void shop_inventory_report(shop_inventory *inv, FILE *out)
{
    fprintf(out, "inventory: served reserve=%ld release=%ld get_stock=%ld\n",
            atomic_load(&inv->reserved), atomic_load(&inv->released), atomic_load(&inv->reads));
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
    if (inv->polling) {
        atomic_store(&inv->stop, true);
        pthread_join(inv->poller, NULL);
    }
    inv_store_close(inv->store);
    free(inv);
}
