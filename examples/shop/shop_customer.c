/*
 * shop_customer.c — a scripted customer of the shop example.
 *
 *   shop_customer --target HOST:PORT [--users-target T] [--inventory-target T]
 *   shop_customer --target HOST:PORT [--timeout MS] --order USER_ID SKU QUANTITY
 *   shop_customer --target HOST:PORT --watch SKU MILLISECONDS
 *   shop_customer --target HOST:PORT --load USER_ID SKU SECONDS [--threads T]
 *
 * --target is checkout; users and inventory default to the same address
 * (right for the all-in-one shop_server).  The script: sign up (and once
 * more, which must fail), look the user up, watch the apple stock in the
 * background (an async server stream printing every update), buy two
 * apples, retry that order with the same idempotency key (the same charge
 * must come back), then three orders that must fail: too many pears
 * (FAILED_PRECONDITION), an unknown user (NOT_FOUND) and a declined card
 * (ABORTED, its reservation released so the stock goes back up).  Last, a
 * slow card (payments answers after two seconds) with a one-second
 * deadline must fail with DEADLINE_EXCEEDED, and the same order retried
 * with time enough must succeed with a new charge: checkout passed the
 * deadline on, and payments charged nothing when it passed.  Then a slow
 * card's order cancelled by the customer after half a second (a cancel
 * token, cancelled from another thread) must end CANCELLED, and the same
 * order placed again after the card would have been authorised must make
 * a new charge: checkout cancelled its payments call with its own token,
 * so nothing was charged.  Prints every
 * step; exits 1 if any outcome differs from the expected one.  Every order
 * carries its key as x-request-id metadata, which checkout must send back.
 *
 * With --order it places one order and prints the outcome (exit 0 only if
 * it succeeded), with a deadline of --timeout milliseconds (default 5000):
 * a probe for what checkout answers when a service is down or too slow.
 * With --watch it prints an item's stock updates (target: inventory) until
 * the deadline MILLISECONDS from now ends the stream (exit 0 if it saw the
 * first update and ended with DEADLINE_EXCEEDED or OK).
 * With --load it places orders of one SKU for USER_ID back to back from T
 * threads (default 4) for SECONDS, each with its own idempotency key, and
 * prints "customer: load: orders=N ok=N failed=N" (and the first failures)
 * at the end, and the same as a snapshot on SIGUSR1 (exit 0 only if none
 * failed): the load run-shop.sh --replicas 3 stops inventory instances
 * under.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkout.trpc.h"
#include "inventory.trpc.h"
#include "users.trpc.h"

#define TIMEOUT_MS 5000

/* The deadline of each call, in milliseconds. */
static int64_t timeout_ms = TIMEOUT_MS;

/* Output lines come from this thread and from the channel's I/O thread
 * (the stock watch); keep them whole. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int failures;

static void say(const char *fmt, ...) TRPC_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&out_lock);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
    va_end(ap);
}

static void expect(bool ok, const char *what)
{
    if (!ok) {
        say("customer: UNEXPECTED: %s", what);
        failures++;
    }
}

/* ---- the stock watch, on the inventory channel's I/O thread ---- */

typedef struct watcher {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int updates;
    bool done;
    trpc_status code;
} watcher;

static void on_stock(Shop__Inventory_WatchStock_Stream *stream, Shop__Stock *msg, void *user)
{
    (void)stream;
    watcher *w = user;
    say("watch: %s available=%d", msg->sku, (int)msg->available);
    shop__stock__free_unpacked(msg, NULL);
    pthread_mutex_lock(&w->lock);
    w->updates++;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

static void on_watch_status(Shop__Inventory_WatchStock_Stream *stream, trpc_status code,
                            const char *message, void *user)
{
    (void)stream;
    watcher *w = user;
    if (code != TRPC_STATUS_OK)
        say("watch: ended with %s: %s", trpc_status_name(code), message ? message : "");
    pthread_mutex_lock(&w->lock);
    w->done = true;
    w->code = code;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

/* Waits until the watch has seen n updates (or ended), at most 5 s. */
static void wait_watch(watcher *w, int n, bool until_done)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += TIMEOUT_MS / 1000;
    pthread_mutex_lock(&w->lock);
    while (!w->done && (until_done || w->updates < n))
        if (pthread_cond_timedwait(&w->changed, &w->lock, &until) != 0)
            break;
    pthread_mutex_unlock(&w->lock);
}

/* ---- checkout ---- */

/* Places an order with a deadline ms from now (and the cancel token, if
 * not NULL) and prints the outcome.  The order's key goes as x-request-id
 * metadata, which checkout must send back in its response headers.
 * Returns its status; on success *charge_id (if not NULL) gets a malloc'd
 * copy of the charge id and *replayed (if not NULL) whether the charge was
 * made before. */
static trpc_status place_cancellable(Shop__Checkout_Client *checkout, const char *what,
                                     const char *user_id, const char *sku, int quantity,
                                     const char *card, const char *key, int64_t ms,
                                     trpc_cancel_token *cancel, char **charge_id,
                                     bool *replayed)
{
    Shop__OrderRequest req = SHOP__ORDER_REQUEST__INIT;
    req.user_id = (char *)user_id;
    req.sku = (char *)sku;
    req.quantity = quantity;
    req.card = (char *)card;
    req.idempotency_key = (char *)key;
    trpc_metadata *md = NULL, *headers = NULL;
    if (trpc_metadata_new(&md) != TRPC_OK || trpc_metadata_new(&headers) != TRPC_OK ||
        trpc_metadata_add_str(md, "x-request-id", key) != TRPC_OK) {
        trpc_metadata_free(md);
        trpc_metadata_free(headers);
        say("customer: %s: out of memory", what);
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    Shop__Order *order = NULL;
    char *message = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = ms, .metadata = md, .headers = headers,
                                         .message = &message, .cancel = cancel);
    trpc_status st = shop__checkout__place_order(checkout, &req, &order, &opts);
    if (st == TRPC_STATUS_OK) {
        const char *echoed = trpc_metadata_get(headers, "x-request-id", NULL);
        expect(echoed && strcmp(echoed, key) == 0, "checkout should send x-request-id back");
        say("customer: %s: order %s for %s: %d x %s = %lld cents, reservation %s, charge %s%s",
            what, order->order_id, order->user_name, (int)order->quantity, order->sku,
            (long long)order->total_cents, order->reservation_id, order->charge_id,
            order->replayed ? " (replayed)" : "");
        if (charge_id)
            *charge_id = strdup(order->charge_id);
        if (replayed)
            *replayed = order->replayed;
        shop__order__free_unpacked(order, NULL);
    } else {
        say("customer: %s: order %s -> %s: %s", what, key, trpc_status_name(st),
            message ? message : "");
    }
    free(message);
    trpc_metadata_free(md);
    trpc_metadata_free(headers);
    return st;
}

static trpc_status place(Shop__Checkout_Client *checkout, const char *what, const char *user_id,
                         const char *sku, int quantity, const char *card, const char *key,
                         int64_t ms, char **charge_id)
{
    return place_cancellable(checkout, what, user_id, sku, quantity, card, key, ms, NULL,
                             charge_id, NULL);
}

/* Cancels a token after a while, from a thread of its own. */
typedef struct canceller {
    trpc_cancel_token *token;
    int after_ms;
} canceller;

static void *cancel_later(void *arg)
{
    canceller *c = arg;
    struct timespec ts = { c->after_ms / 1000, (long)(c->after_ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
    trpc_cancel_token_cancel(c->token);
    return NULL;
}

/* ---- --load: orders back to back from several threads ---- */

static struct {
    pthread_mutex_t mu;
    long orders, ok, failed;
    const char *user, *sku;
    Shop__Checkout_Client *checkout;
    struct timespec end;
} load = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void print_load(const char *label)
{
    pthread_mutex_lock(&load.mu);
    say("customer: load%s: orders=%ld ok=%ld failed=%ld", label, load.orders, load.ok,
        load.failed);
    pthread_mutex_unlock(&load.mu);
}

static void *load_thread(void *arg)
{
    long t = (long)(intptr_t)arg;
    for (long n = 0;; n++) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > load.end.tv_sec ||
            (now.tv_sec == load.end.tv_sec && now.tv_nsec >= load.end.tv_nsec))
            return NULL;
        char key[64];
        snprintf(key, sizeof key, "load-%ld-%ld-%ld", (long)getpid(), t, n);
        Shop__OrderRequest req = SHOP__ORDER_REQUEST__INIT;
        req.user_id = (char *)load.user;
        req.sku = (char *)load.sku;
        req.quantity = 1;
        req.card = "4242-4242-4242-4242";
        req.idempotency_key = key;
        Shop__Order *order = NULL;
        char *message = NULL;
        trpc_status st = shop__checkout__place_order(
            load.checkout, &req, &order,
            &TRPC_CALL_OPTS(.timeout_ms = timeout_ms, .message = &message));
        pthread_mutex_lock(&load.mu);
        load.orders++;
        if (st == TRPC_STATUS_OK) {
            load.ok++;
        } else if (load.failed++ < 5) {
            say("customer: load: order %s -> %s: %s", key, trpc_status_name(st),
                message ? message : "");
        }
        pthread_mutex_unlock(&load.mu);
        if (order)
            shop__order__free_unpacked(order, NULL);
        free(message);
    }
}

/* Prints a snapshot on every SIGUSR1 (blocked in every other thread). */
static void *load_snapshots(void *arg)
{
    sigset_t *set = arg;
    for (int sig; sigwait(set, &sig) == 0;)
        print_load(" snapshot");
    return NULL;
}

static int run_load(Shop__Checkout_Client *checkout, const char *user, const char *sku,
                    int seconds, int threads)
{
    static sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);
    pthread_t snap, th[64];
    if (pthread_create(&snap, NULL, load_snapshots, &usr1) == 0)
        pthread_detach(snap);
    load.checkout = checkout;
    load.user = user;
    load.sku = sku;
    clock_gettime(CLOCK_MONOTONIC, &load.end);
    load.end.tv_sec += seconds;
    int started = 0;
    for (; started < threads; started++)
        if (pthread_create(&th[started], NULL, load_thread, (void *)(intptr_t)started) != 0)
            break;
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    print_load("");
    return load.failed == 0 && load.ok > 0 ? 0 : 1;
}

static int usage(FILE *out, int status)
{
    fputs("Usage: shop_customer --target HOST:PORT [--users-target T] [--inventory-target T]\n"
          "       shop_customer --target HOST:PORT [--timeout MS] --order USER_ID SKU QUANTITY\n"
          "       shop_customer --target HOST:PORT --watch SKU MILLISECONDS\n"
          "       shop_customer --target HOST:PORT --load USER_ID SKU SECONDS [--threads T]\n"
          "Runs a scripted customer through the shop's checkout at --target (users and\n"
          "inventory default to the same address), or places one order.\n",
          out);
    return status;
}

/* --watch: a blocking server stream, read until the deadline ends it. */
static int watch_for(Shop__Inventory_Client *inventory, const char *sku, int ms)
{
    Shop__WatchStockRequest ws = SHOP__WATCH_STOCK_REQUEST__INIT;
    ws.sku = (char *)sku;
    char *message = NULL;
    /* A stream's options (and what they point to) must last until __finish. */
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = ms, .message = &message);
    Shop__Inventory_WatchStock_Stream *stream;
    if (shop__inventory__watch_stock__start(&stream, inventory, &ws, &opts) != TRPC_OK)
        return 1;
    int updates = 0;
    Shop__Stock *msg;
    while (shop__inventory__watch_stock__recv(stream, &msg)) {
        say("watch: %s available=%d", msg->sku, (int)msg->available);
        shop__stock__free_unpacked(msg, NULL);
        updates++;
    }
    trpc_status st = shop__inventory__watch_stock__finish(stream);
    say("customer: watch of %s ended: %s after %d updates%s%s", sku, trpc_status_name(st),
        updates, message ? ": " : "", message ? message : "");
    free(message);
    return updates > 0 && (st == TRPC_STATUS_DEADLINE_EXCEEDED || st == TRPC_STATUS_OK) ? 0 : 1;
}

static int run_script(Shop__Users_Client *users, Shop__Inventory_Client *inventory,
                      Shop__Checkout_Client *checkout)
{
    /* Sign up, twice. */
    Shop__SignUpRequest su = SHOP__SIGN_UP_REQUEST__INIT;
    su.name = "Ada Lovelace";
    su.email = "ada@example.com";
    Shop__User *u = NULL;
    char *message = NULL;
    trpc_call_opts opts = TRPC_CALL_OPTS(.timeout_ms = TIMEOUT_MS, .message = &message);
    trpc_status st = shop__users__sign_up(users, &su, &u, &opts);
    if (st != TRPC_STATUS_OK) {
        say("customer: sign-up failed: %s: %s", trpc_status_name(st), message ? message : "");
        free(message);
        return 1;
    }
    char *user_id = strdup(u->id);
    say("customer: signed up %s %s <%s>", u->id, u->name, u->email);
    shop__user__free_unpacked(u, NULL);
    st = shop__users__sign_up(users, &su, &u, &opts);
    say("customer: signing up again -> %s: %s", trpc_status_name(st), message ? message : "");
    expect(st == TRPC_STATUS_ALREADY_EXISTS, "second sign-up should be ALREADY_EXISTS");
    if (u)
        shop__user__free_unpacked(u, NULL);
    free(message);
    message = NULL;

    /* Look up. */
    Shop__GetUserRequest gu = SHOP__GET_USER_REQUEST__INIT;
    gu.id = user_id;
    st = shop__users__get_user(users, &gu, &u, &opts);
    if (st == TRPC_STATUS_OK) {
        say("customer: looked up %s: %s <%s>", u->id, u->name, u->email);
        shop__user__free_unpacked(u, NULL);
    } else {
        say("customer: lookup -> %s: %s", trpc_status_name(st), message ? message : "");
    }
    expect(st == TRPC_STATUS_OK, "lookup should succeed");
    free(message);
    message = NULL;

    /* Watch the apples: now (10), after our order (8), after the declined
     * order reserves one (7) and after it is released (8). */
    watcher w = { .lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER };
    Shop__WatchStockRequest ws = SHOP__WATCH_STOCK_REQUEST__INIT;
    ws.sku = "apple";
    ws.max_updates = 4;
    trpc_call_opts wopts = TRPC_CALL_OPTS(.timeout_ms = 20000);
    Shop__Inventory_WatchStock_Stream *watch = NULL;
    if (shop__inventory__watch_stock__start_async(&watch, inventory, &ws, &wopts, on_stock,
                                                  on_watch_status, &w) != TRPC_OK) {
        say("customer: cannot start the stock watch");
        free(user_id);
        return 1;
    }
    wait_watch(&w, 1, false); /* the watch is in place: orders will show */

    /* Buy, then retry with the same key: the same charge comes back. */
    char *charge = NULL, *again = NULL;
    st = place(checkout, "buy", user_id, "apple", 2, "4242-4242-4242-4242", "ada-1", timeout_ms, &charge);
    expect(st == TRPC_STATUS_OK, "the apple order should succeed");
    st = place(checkout, "retry", user_id, "apple", 2, "4242-4242-4242-4242", "ada-1", timeout_ms, &again);
    expect(st == TRPC_STATUS_OK, "the retried order should succeed");
    bool same = charge && again && strcmp(charge, again) == 0;
    say("customer: retry returned the same charge: %s (%s, %s)", same ? "yes" : "no",
        charge ? charge : "-", again ? again : "-");
    expect(same, "a retry must return the same charge");
    free(charge);
    free(again);

    /* Orders that must fail, each with its own status. */
    st = place(checkout, "too many pears", user_id, "pear", 5, "4242-4242-4242-4242", "ada-2",
               timeout_ms, NULL);
    expect(st == TRPC_STATUS_FAILED_PRECONDITION, "out of stock should be FAILED_PRECONDITION");
    st = place(checkout, "unknown user", "u-999", "apple", 1, "4242-4242-4242-4242", "ada-3",
               timeout_ms, NULL);
    expect(st == TRPC_STATUS_NOT_FOUND, "an unknown user should be NOT_FOUND");
    st = place(checkout, "declined card", user_id, "apple", 1, "4000-0000-0000-0002", "ada-4",
               timeout_ms, NULL);
    expect(st == TRPC_STATUS_ABORTED, "a declined card should be ABORTED");

    wait_watch(&w, 0, true);
    trpc_status wst = shop__inventory__watch_stock__finish(watch);
    say("customer: stock watch ended: %s after %d updates", trpc_status_name(wst), w.updates);
    expect(wst == TRPC_STATUS_OK && w.updates == 4, "the watch should see 4 updates");

    /* A slow card: payments answers after two seconds, the order's deadline
     * is one.  Then the same order with time enough: a new charge, not a
     * replay, so the first attempt charged nothing. */
    st = place(checkout, "slow card", user_id, "apple", 1, "4000-0000-0000-0003", "ada-5", 1000,
               NULL);
    expect(st == TRPC_STATUS_DEADLINE_EXCEEDED, "a slow card should be DEADLINE_EXCEEDED");
    st = place(checkout, "slow card, more time", user_id, "apple", 1, "4000-0000-0000-0003",
               "ada-5", timeout_ms, NULL);
    expect(st == TRPC_STATUS_OK, "a slow card with time enough should succeed");

    /* A slow card again, and the customer gives up after half a second:
     * checkout's call is cancelled, and checkout cancels its payments call
     * with its own token.  When the card would have been authorised, the
     * same order must make a new charge, not replay one. */
    trpc_cancel_token *token = NULL;
    pthread_t th;
    canceller c = { NULL, 500 };
    if (trpc_cancel_token_new(&token) == TRPC_OK) {
        c.token = token;
        if (pthread_create(&th, NULL, cancel_later, &c) == 0) {
            st = place_cancellable(checkout, "slow card, cancelled", user_id, "apple", 1,
                                   "4000-0000-0000-0003", "ada-6", timeout_ms, token, NULL,
                                   NULL);
            pthread_join(th, NULL);
            expect(st == TRPC_STATUS_CANCELLED, "a cancelled order should be CANCELLED");
        } else {
            expect(false, "cannot start a thread");
        }
        trpc_cancel_token_free(token);
    } else {
        expect(false, "cannot make a cancel token");
    }
    struct timespec wait = { 2, 500000000L }; /* the card takes two seconds */
    nanosleep(&wait, NULL);
    bool replayed = true;
    st = place_cancellable(checkout, "slow card, after the cancel", user_id, "apple", 1,
                           "4000-0000-0000-0003", "ada-6", timeout_ms, NULL, NULL, &replayed);
    expect(st == TRPC_STATUS_OK, "the cancelled order placed again should succeed");
    expect(!replayed, "the cancelled order must not have been charged");
    free(user_id);

    if (failures)
        say("customer: %d step(s) went wrong", failures);
    else
        say("customer: all steps went as expected");
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *target = "127.0.0.1:50060", *users_target = NULL, *inventory_target = NULL;
    const char *order_user = NULL, *order_sku = NULL, *watch_sku = NULL;
    int order_qty = 0, watch_ms = 0, load_s = 0, threads = 4;
    const char *load_user = NULL, *load_sku = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return usage(stdout, 0);
        if (strcmp(a, "--target") == 0 && i + 1 < argc)
            target = argv[++i];
        else if (strcmp(a, "--users-target") == 0 && i + 1 < argc)
            users_target = argv[++i];
        else if (strcmp(a, "--inventory-target") == 0 && i + 1 < argc)
            inventory_target = argv[++i];
        else if (strcmp(a, "--timeout") == 0 && i + 1 < argc)
            timeout_ms = atoi(argv[++i]);
        else if (strcmp(a, "--order") == 0 && i + 3 < argc) {
            order_user = argv[++i];
            order_sku = argv[++i];
            order_qty = atoi(argv[++i]);
        } else if (strcmp(a, "--load") == 0 && i + 3 < argc) {
            load_user = argv[++i];
            load_sku = argv[++i];
            load_s = atoi(argv[++i]);
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            threads = atoi(argv[++i]);
            if (threads < 1 || threads > 64)
                return usage(stderr, 2);
        } else if (strcmp(a, "--watch") == 0 && i + 2 < argc) {
            watch_sku = argv[++i];
            watch_ms = atoi(argv[++i]);
        } else
            return usage(stderr, 2);
    }

    if (!users_target)
        users_target = target;
    if (!inventory_target)
        inventory_target = target;
    trpc_channel *checkout_ch = NULL, *users_ch = NULL, *inventory_ch = NULL;
    int status = 1;
    trpc_error rv;
    if ((rv = trpc_channel_new(&checkout_ch, target, NULL)) != TRPC_OK ||
        (rv = trpc_channel_new(&users_ch, users_target, NULL)) != TRPC_OK ||
        (rv = trpc_channel_new(&inventory_ch, inventory_target, NULL)) != TRPC_OK) {
        fprintf(stderr, "shop_customer: %s\n", trpc_strerror(rv));
        goto out;
    }
    /* Each service's stubs take its own client, made from the channel. */
    Shop__Checkout_Client *checkout = shop__checkout__client(checkout_ch);
    Shop__Users_Client *users = shop__users__client(users_ch);
    Shop__Inventory_Client *inventory = shop__inventory__client(inventory_ch);
    if (load_user) {
        status = run_load(checkout, load_user, load_sku, load_s, threads);
    } else if (watch_sku) {
        status = watch_for(inventory, watch_sku, watch_ms);
    } else if (order_user) {
        char key[32];
        snprintf(key, sizeof key, "probe-%ld", (long)getpid());
        status = place(checkout, "probe", order_user, order_sku, order_qty,
                       "4242-4242-4242-4242", key, timeout_ms, NULL) == TRPC_STATUS_OK ? 0 : 1;
    } else {
        status = run_script(users, inventory, checkout);
    }
out:
    trpc_channel_free(inventory_ch);
    trpc_channel_free(users_ch);
    trpc_channel_free(checkout_ch);
    return status;
}
