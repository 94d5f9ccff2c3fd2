/*
 * ts.h: what every type-safety program includes.
 *
 * Each program in tests/typesafety makes one mistake with the code typerpc
 * generates for shop.proto and other.proto, and must not compile; built with
 * -DTWIN it is the same program without the mistake, which must compile with
 * -Wall -Wextra -Werror and run.  The helpers below let twins make real calls
 * without a network: a server on a fresh unix socket in-process, or a
 * channel to a socket nobody listens on (calls fail fast with UNAVAILABLE).
 * Each ts_check_* starts the server (its services registered), makes one
 * call of a method, checks the outcome, and stops the server.
 */
#ifndef TS_H
#define TS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shop.trpc.h"
#include "other.trpc.h"

/* Exits 1 with the failed condition when cond is false. */
#define TS_CHECK(cond)                                                          \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                            \
        }                                                                       \
    } while (0)

/* A new server with one worker, not started.  Exits on failure. */
trpc_server *ts_server(void);
/* Listens on a fresh unix socket, starts srv and returns a channel to it. */
trpc_channel *ts_start(trpc_server *srv);
/* Frees ch (may be NULL), then shuts down and frees srv. */
void ts_stop(trpc_server *srv, trpc_channel *ch);
/* A channel to a unix socket nobody listens on. */
trpc_channel *ts_dead_channel(void);

/* shop.Shop/GetItem and /Reserve with name "pen": the reply is named "pen". */
void ts_check_get_item(trpc_server *srv);
void ts_check_reserve(trpc_server *srv);
/* shop.Shop/Watch with name "pen": n events, each "pen", then OK. */
void ts_check_watch(trpc_server *srv, int n);
/* shop.Shop/Checkout and /Refund with items priced 1, 2 and 3: the
 * receipt's total is 6. */
void ts_check_checkout(trpc_server *srv);
void ts_check_refund(trpc_server *srv);
/* shop.Shop/Chat and /Relay: events "a", "b", "c" come back in order,
 * then OK. */
void ts_check_chat(trpc_server *srv);
void ts_check_relay(trpc_server *srv);
/* shop.Admin/Restock with an item priced 5: the receipt's total is 5. */
void ts_check_restock(trpc_server *srv);
/* Waits up to 5 s for *flag to become nonzero; exits 1 if it does not. */
void ts_wait_flag(volatile int *flag);

#endif /* TS_H */
