/*
 * shop.h — the four services of the shop example, as shop_server sees them.
 *
 * Each service lives in its own .c file with its state in memory behind a
 * mutex (handlers run on several worker threads at once); inventory's may
 * instead be a file several instances share (inventory_store.h).  A service is
 * created, registered on a server before it starts, and freed after the
 * server has shut down.  Creators return TRPC_OK or a library error and
 * leave *out untouched on failure; the _free functions accept NULL.
 */
#ifndef SHOP_H
#define SHOP_H

#include <stdio.h>
#include <typerpc/typerpc.h>

typedef struct shop_users shop_users;
typedef struct shop_inventory shop_inventory;
typedef struct shop_payments shop_payments;
typedef struct shop_checkout shop_checkout;

/* users: sign-up and lookup. */
trpc_error shop_users_new(shop_users **out);
trpc_error shop_users_serve(shop_users *u, trpc_server *srv);
void shop_users_free(shop_users *u);

/* inventory: stock, reservations and stock watches.  Free only after
 * trpc_server_shutdown() has returned: watches in flight use it until
 * their done notification. */
trpc_error shop_inventory_new(shop_inventory **out);
/* The same with its stock and reservations in the store file at path,
 * shared with every inventory instance opened on it (made when missing):
 * reservations are idempotent per order across them, and each one's stock
 * watchers hear of the others' changes (inventory_store.h).  TRPC_ESYS
 * (after saying why on stderr) when the file cannot be used. */
trpc_error shop_inventory_new_shared(shop_inventory **out, const char *store_path);
trpc_error shop_inventory_serve(shop_inventory *inv, trpc_server *srv);
/* One line: how many calls of each kind this instance served. */
void shop_inventory_report(shop_inventory *inv, FILE *out);
void shop_inventory_free(shop_inventory *inv);

/* payments: charges with idempotency keys. */
trpc_error shop_payments_new(shop_payments **out);
trpc_error shop_payments_serve(shop_payments *p, trpc_server *srv);
void shop_payments_free(shop_payments *p);

/* checkout: calls the other three at the given targets ("host:port" or
 * "unix:/path"); opens the channels (they connect lazily).  Frees must
 * come after trpc_server_shutdown(): calls in flight use the channels. */
trpc_error shop_checkout_new(shop_checkout **out, const char *users_target,
                      const char *inventory_target, const char *payments_target);
trpc_error shop_checkout_serve(shop_checkout *c, trpc_server *srv);
void shop_checkout_free(shop_checkout *c);

#endif /* SHOP_H */
