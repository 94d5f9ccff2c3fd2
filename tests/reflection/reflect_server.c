/*
 * reflect_server.c: the server the reflection tests ask (reflection_grpcio.py,
 * reflection_buf.sh): refl.catalog.Catalog (its file imports refl/common.proto
 * and two well-known types, all linked in) and refl.partial.Partial (its
 * file imports refl/unlinked.proto, whose code is not linked: a NULL weak
 * link), with health and server reflection.  Listens on 127.0.0.1:0,
 * prints "PORT n", serves until stdin closes.  With the argument
 * "catalog-only" it leaves Partial out.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "refl/catalog.trpc.h"
#include "refl/partial.trpc.h"

static trpc_status get_item(Refl__Catalog__Catalog_GetItem_Call *call,
                            const Refl__Catalog__GetItemRequest *req, Refl__Catalog__Item *reply,
                            void *user)
{
    (void)user;
    if (strcmp(req->sku, "missing") == 0) {
        return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "no item %s", req->sku);
    }
    Refl__Common__Money *price = trpc_call_alloc(call->base, sizeof *price);
    Google__Protobuf__Timestamp *added = trpc_call_alloc(call->base, sizeof *added);
    Refl__Catalog__Item__Tag *tag = trpc_call_alloc(call->base, sizeof *tag);
    Refl__Catalog__Item__Tag **tags = trpc_call_alloc(call->base, sizeof *tags);
    char *sku = trpc_call_strdup(call->base, req->sku);
    if (!price || !added || !tag || !tags || !sku) {
        return TRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    *price = (Refl__Common__Money)REFL__COMMON__MONEY__INIT;
    price->currency = "EUR";
    price->has_units = true;
    price->units = 42;
    *added = (Google__Protobuf__Timestamp)GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    added->seconds = 1700000000; /* 2023-11-14T22:13:20Z */
    *tag = (Refl__Catalog__Item__Tag)REFL__CATALOG__ITEM__TAG__INIT;
    tag->name = "new";
    tags[0] = tag;
    reply->sku = sku;
    reply->price = price;
    reply->added = added;
    reply->shelf = REFL__CATALOG__SHELF__TOP;
    reply->n_tags = 1;
    reply->tags = tags;
    return TRPC_STATUS_OK;
}

static trpc_status ping(Refl__Catalog__Catalog_Ping_Call *call, const Google__Protobuf__Empty *req,
                        Google__Protobuf__Empty *reply, void *user)
{
    (void)call;
    (void)req;
    (void)reply;
    (void)user;
    return TRPC_STATUS_OK;
}

static trpc_status echo(Refl__Partial__Partial_Echo_Call *call, const Refl__Partial__Msg *req,
                        Refl__Partial__Msg *reply, void *user)
{
    (void)user;
    reply->text = trpc_call_strdup(call->base, req->text);
    return reply->text ? TRPC_STATUS_OK : TRPC_STATUS_RESOURCE_EXHAUSTED;
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1:0";
    bool partial_too = !(argc > 1 && strcmp(argv[1], "catalog-only") == 0);
    trpc_server *srv;
    trpc_error rv = trpc_server_new(&srv, NULL);
    if (rv != TRPC_OK) {
        fprintf(stderr, "reflect_server: %s\n", trpc_strerror(rv));
        return 1;
    }
    static const Refl__Catalog__Catalog_Impl catalog = { .get_item = get_item, .ping = ping };
    static const Refl__Partial__Partial_Impl partial = { .echo = echo };
    trpc_health *health;
    int port = 0;
    if ((rv = refl__catalog__catalog__serve(srv, &catalog, NULL)) != TRPC_OK ||
        (partial_too && (rv = refl__partial__partial__serve(srv, &partial, NULL)) != TRPC_OK) ||
        (rv = trpc_health_new(&health, srv)) != TRPC_OK ||
        (rv = trpc_server_add_reflection(srv)) != TRPC_OK ||
        (rv = trpc_server_listen(srv, addr, &port)) != TRPC_OK ||
        (rv = trpc_server_start(srv)) != TRPC_OK) {
        fprintf(stderr, "reflect_server: %s: %s\n", addr, trpc_strerror(rv));
        trpc_server_free(srv);
        return 1;
    }
    /* A second registration is refused. */
    if (trpc_server_add_reflection(srv) == TRPC_OK) {
        fprintf(stderr, "reflect_server: a second trpc_server_add_reflection() succeeded\n");
        return 1;
    }
    printf("PORT %d\n", port);
    fflush(stdout);
    char buf[256];
    while (fgets(buf, sizeof buf, stdin)) {
    }
    trpc_server_shutdown(srv, 2000);
    trpc_server_free(srv);
    return 0;
}
