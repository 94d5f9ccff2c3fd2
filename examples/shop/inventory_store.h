/*
 * inventory_store.h — the inventory's stock and reservations, in a store
 * that several inventory processes can share (examples/shop/README.md,
 * "Three inventory instances").
 *
 * The store is one small file of fixed layout (inventory_store.c), mapped
 * into every process that serves inventory with it, and changed only under
 * a lock: the process's mutex (its worker threads) and an fcntl() write
 * lock on the file (the other processes).  Without a path the same layout
 * lives in this process's memory only.
 *
 * What it holds: each item's stock when the store was made, the
 * reservations (one per order id: reserving is idempotent across every
 * instance), and a version with a short log of changes, so each instance
 * can tell its stock watchers about changes the others made (it reads the
 * log on a timer and after each change of its own).  The available level
 * of an item is never stored: it is the initial stock less the quantities
 * of the item's reservations, so every change is one record written, and
 * a process killed in the middle of a change leaves either the whole
 * reservation or none of it.
 *
 * Every function but open and close must be called between lock and
 * unlock.
 */
#ifndef SHOP_INVENTORY_STORE_H
#define SHOP_INVENTORY_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <typerpc/typerpc.h>

enum {
    STORE_ITEMS = 4,        /* the catalogue's size */
    STORE_RESERVATIONS = 16384, /* a sold order keeps its reservation */
    STORE_ORDER_ID_MAX = 63, /* bytes of an order id */
    STORE_LOG = 256          /* changes kept for watchers that fall behind */
};

typedef struct store_reservation {
    uint8_t used;            /* written last: the record is whole */
    uint8_t item;
    uint16_t pad;
    int32_t quantity;
    uint64_t number;         /* reservation id "r-NUMBER" */
    char order_id[STORE_ORDER_ID_MAX + 1];
} store_reservation;

/* One change: item's level became available at this version. */
typedef struct store_change {
    uint64_t version;
    uint32_t item;
    int32_t available;
} store_change;

typedef struct inv_store inv_store;

/* Opens the store at path (created with the initial stock when missing or
 * empty), or a private one when path is NULL.  TRPC_OK, TRPC_ENOMEM, or
 * TRPC_ESYS (errno says why; a file of another layout: EINVAL). */
trpc_error inv_store_open(inv_store **out, const char *path, const int32_t stock[STORE_ITEMS]);
void inv_store_close(inv_store *s);

void inv_store_lock(inv_store *s);
void inv_store_unlock(inv_store *s);

int32_t inv_store_available(const inv_store *s, unsigned item);
/* The reservation of order_id, or of reservation id "r-N"; NULL if none. */
const store_reservation *inv_store_find_order(const inv_store *s, const char *order_id);
const store_reservation *inv_store_find_id(const inv_store *s, const char *id);
/* Records a reservation (the caller checked the stock); NULL when the
 * store is full. */
const store_reservation *inv_store_add(inv_store *s, const char *order_id, unsigned item,
                                       int32_t quantity);
/* Removes r (its items are available again). */
void inv_store_remove(inv_store *s, const store_reservation *r);
/* The current version, and the change made at version v (false when it
 * has left the log: the caller then reads the levels as they are). */
uint64_t inv_store_version(const inv_store *s);
bool inv_store_change(const inv_store *s, uint64_t v, store_change *out);

#endif /* SHOP_INVENTORY_STORE_H */
