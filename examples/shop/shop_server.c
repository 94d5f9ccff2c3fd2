/*
 * shop_server.c — serves any of the shop's services, each in its own
 * process or several (all) in one.
 *
 *   shop_server --services LIST [--listen HOST:PORT | --listen unix:PATH]
 *               [--workers N] [--max-message-size BYTES] [--max-streams N] [--cors ORIGIN]...
 *               [--users-target T] [--inventory-target T] [--payments-target T]
 *               [--inventory-store FILE]
 *
 * LIST is a comma-separated subset of users,inventory,payments,checkout.
 * Checkout needs the other three: --X-target says where each one is; one
 * that is served by this same process may be left out and checkout then
 * reaches it through this server's own address (so the all-in-one shop
 * runs exactly the code the split one does).
 *
 * Several instances of inventory (issue 13): each started with the same
 * --inventory-store FILE shares its stock and reservations, and checkout
 * is given all of them, --inventory-target ipv4:A:P,B:P,C:P; checkout's
 * channels balance round_robin over a target's addresses with health
 * checking (each server here serves grpc.health.v1.Health, its services
 * SERVING until it stops) and retry UNAVAILABLE inventory calls on another
 * instance (checkout.c).  At its stop an inventory instance logs how many
 * calls of each kind it served.
 *
 * Logs one line when it starts (with the address actually bound, so port 0
 * works) and one when it stops; SIGTERM or SIGINT stop it gracefully:
 * calls in flight get up to five seconds to finish.
 *
 * --cors ORIGIN (repeatable; "*" for any origin) lets web pages from ORIGIN
 * call the services (gRPC-Web and Connect, which the library serves beside
 * gRPC on the same port): the shop's order page, examples/shop/web.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shop.h"

enum { USERS = 1, INVENTORY = 2, PAYMENTS = 4, CHECKOUT = 8 };

static const struct {
    const char *name;
    unsigned bit;
} service_names[] = {
    { "users", USERS },
    { "inventory", INVENTORY },
    { "payments", PAYMENTS },
    { "checkout", CHECKOUT },
};

static int usage(FILE *out, int status)
{
    fputs("Usage: shop_server --services users,inventory,payments,checkout\n"
          "                   [--listen HOST:PORT | --listen unix:PATH] [--workers N]\n"
          "                   [--max-message-size BYTES] [--max-streams N] [--cors ORIGIN]...\n"
          "                   [--users-target T] [--inventory-target T] [--payments-target T]\n"
          "                   [--inventory-store FILE]\n"
          "Serves the listed shop services (default address 127.0.0.1:50060; port 0\n"
          "picks a free one).  Checkout calls the other services at the --*-target\n"
          "addresses; ones served by this process default to its own address.\n"
          "--cors ORIGIN lets web pages from ORIGIN call the services (repeatable;\n"
          "\"*\" for any origin): the shop's order page, examples/shop/web.\n"
          "--max-message-size and --max-streams set the server's limits (defaults:\n"
          "4 MiB per request, 100 concurrent calls per connection).\n"
          "--inventory-store FILE keeps inventory's stock and reservations in FILE,\n"
          "shared by every instance started with it (checkout then takes them all:\n"
          "--inventory-target ipv4:A:P,B:P,C:P, balanced round robin with health checks).\n"
          "Serves grpc.health.v1.Health (its services SERVING until it stops).\n"
          "SIGUSR1: inventory logs how many calls of each kind it served.\n"
          "Stops gracefully on SIGTERM or SIGINT.\n",
          out);
    return status;
}

/* The services named in list (comma-separated), or 0 if one is unknown. */
static unsigned parse_services(const char *list)
{
    unsigned set = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        unsigned bit = 0;
        for (size_t i = 0; i < sizeof service_names / sizeof service_names[0]; i++)
            if (strlen(service_names[i].name) == n && strncmp(service_names[i].name, p, n) == 0)
                bit = service_names[i].bit;
        if (!bit) {
            fprintf(stderr, "shop_server: unknown service '%.*s'\n", (int)n, p);
            return 0;
        }
        set |= bit;
        p += n + (p[n] == ',');
    }
    return set;
}

/* The value of a numeric flag, or -1 (after saying why) if it is not a
 * whole number in [min, max]. */
static long number_arg(const char *flag, const char *text, long min, long max)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < min || v > max) {
        fprintf(stderr, "shop_server: bad %s '%s' (want %ld to %ld)\n", flag, text, min, max);
        return -1;
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:50060", *services = NULL;
    const char *users_target = NULL, *inventory_target = NULL, *payments_target = NULL;
    const char *inventory_store = NULL;
    long workers = 0, max_message_size = 0, max_streams = 0;

    const char *cors[17] = { NULL }; /* the --cors origins, NULL-terminated */
    size_t ncors = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return usage(stdout, 0);
        if (i + 1 >= argc) {
            fprintf(stderr, "shop_server: unexpected argument '%s'\n", a);
            return usage(stderr, 2);
        }
        const char *v = argv[++i];
        if (strcmp(a, "--listen") == 0) {
            listen = v;
        } else if (strcmp(a, "--services") == 0) {
            services = v;
        } else if (strcmp(a, "--cors") == 0) {
            if (ncors == sizeof cors / sizeof cors[0] - 1) {
                fprintf(stderr, "shop_server: at most %zu --cors origins\n", ncors);
                return usage(stderr, 2);
            }
            cors[ncors++] = v;
        } else if (strcmp(a, "--users-target") == 0) {
            users_target = v;
        } else if (strcmp(a, "--inventory-target") == 0) {
            inventory_target = v;
        } else if (strcmp(a, "--payments-target") == 0) {
            payments_target = v;
        } else if (strcmp(a, "--inventory-store") == 0) {
            inventory_store = v;
        } else if (strcmp(a, "--workers") == 0) {
            if ((workers = number_arg(a, v, 0, 1024)) < 0)
                return usage(stderr, 2);
        } else if (strcmp(a, "--max-message-size") == 0) {
            if ((max_message_size = number_arg(a, v, 1, INT32_MAX)) < 0)
                return usage(stderr, 2);
        } else if (strcmp(a, "--max-streams") == 0) {
            if ((max_streams = number_arg(a, v, 1, 1 << 20)) < 0)
                return usage(stderr, 2);
        } else {
            fprintf(stderr, "shop_server: unexpected argument '%s'\n", a);
            return usage(stderr, 2);
        }
    }
    unsigned set = services ? parse_services(services) : 0;
    if (!set) {
        fprintf(stderr, "shop_server: --services needs at least one service\n");
        return usage(stderr, 2);
    }
    if ((set & CHECKOUT) && ((!users_target && !(set & USERS)) ||
                             (!inventory_target && !(set & INVENTORY)) ||
                             (!payments_target && !(set & PAYMENTS)))) {
        fprintf(stderr, "shop_server: checkout needs --users-target, --inventory-target and "
                        "--payments-target for services it does not serve itself\n");
        return 2;
    }

    /* Take SIGTERM and SIGINT synchronously (sigwait below): block them
     * before any thread starts, so every thread inherits the mask. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGUSR1); /* inventory: log the calls served so far */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    /* A flag not given leaves its field 0: the library's default. */
    trpc_server_opts opts = TRPC_SERVER_OPTS(.workers = (unsigned)workers,
                                             .max_recv_message_size = (size_t)max_message_size,
                                             .max_concurrent_streams = (uint32_t)max_streams);
    trpc_server *srv = NULL;
    shop_users *users = NULL;
    shop_inventory *inventory = NULL;
    shop_payments *payments = NULL;
    shop_checkout *checkout = NULL;
    char self[512];
    int port = 0, status = 1;
    trpc_error rv = trpc_server_new(&srv, &opts);
    if (rv != TRPC_OK)
        goto err;
    if ((rv = trpc_server_listen(srv, listen, &port)) != TRPC_OK)
        goto err;
    /* CORS: the browsers' preflights answered, and the replies readable by
     * pages from these origins (the server copies the list). */
    const trpc_cors_opts cors_opts = { .allow_origins = cors };
    if (ncors > 0 && (rv = trpc_server_set_cors(srv, &cors_opts)) != TRPC_OK)
        goto err;
    if (strncmp(listen, "unix:", 5) == 0) {
        snprintf(self, sizeof self, "%s", listen);
    } else {
        /* The bound address: HOST:PORT as given, with the port picked. */
        const char *colon = strrchr(listen, ':');
        int host_len = colon ? (int)(colon - listen) : (int)strlen(listen);
        if (host_len == 0) /* ":PORT" is every interface; loopback is one */
            snprintf(self, sizeof self, "127.0.0.1:%d", port);
        else
            snprintf(self, sizeof self, "%.*s:%d", host_len, listen, port);
    }
    if ((set & USERS) && ((rv = shop_users_new(&users)) != TRPC_OK ||
                          (rv = shop_users_serve(users, srv)) != TRPC_OK))
        goto err;
    if ((set & INVENTORY) &&
        ((rv = shop_inventory_new_shared(&inventory, inventory_store)) != TRPC_OK ||
         (rv = shop_inventory_serve(inventory, srv)) != TRPC_OK))
        goto err;
    if ((set & PAYMENTS) && ((rv = shop_payments_new(&payments)) != TRPC_OK ||
                             (rv = shop_payments_serve(payments, srv)) != TRPC_OK))
        goto err;
    if ((set & CHECKOUT) &&
        ((rv = shop_checkout_new(&checkout, users_target ? users_target : self,
                                 inventory_target ? inventory_target : self,
                                 payments_target ? payments_target : self)) != TRPC_OK ||
         (rv = shop_checkout_serve(checkout, srv)) != TRPC_OK))
        goto err;
    /* Health: each service served SERVING (checkout's channels watch it
     * to balance; shutdown turns it NOT_SERVING before the GOAWAY). */
    trpc_health *health = NULL;
    if ((rv = trpc_health_new(&health, srv)) != TRPC_OK)
        goto err;
    for (size_t i = 0; i < sizeof service_names / sizeof service_names[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "shop.%c%s", service_names[i].name[0] - 'a' + 'A',
                 service_names[i].name + 1);
        if ((set & service_names[i].bit) &&
            (rv = trpc_health_set(health, name, TRPC_HEALTH_SERVING)) != TRPC_OK)
            goto err;
    }
    if ((rv = trpc_server_start(srv)) != TRPC_OK)
        goto err;

    char names[64] = "";
    for (size_t i = 0; i < sizeof service_names / sizeof service_names[0]; i++) {
        if (set & service_names[i].bit) {
            if (names[0])
                strcat(names, ",");
            strcat(names, service_names[i].name);
        }
    }
    printf("shop_server: serving %s on %s\n", names, self);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) == 0 && sig == SIGUSR1) {
        if (inventory) {
            shop_inventory_report(inventory, stdout);
            fflush(stdout);
        }
    }
    /* Finish the calls in flight first; checkout's channels and the
     * services' state are still there for them. */
    trpc_server_shutdown(srv, 5000);
    if (inventory)
        shop_inventory_report(inventory, stdout);
    printf("shop_server: %s, stopped\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = 0;
    goto out;
err:
    fprintf(stderr, "shop_server: %s: %s\n", listen, trpc_strerror(rv));
out:
    trpc_server_free(srv);
    shop_checkout_free(checkout);
    shop_payments_free(payments);
    shop_inventory_free(inventory);
    shop_users_free(users);
    return status;
}
