/*
 * runtime/json/json_registry.c: the message types an Any may carry.
 *
 * An Any holds "type.googleapis.com/pkg.Msg" and the message's bytes; to
 * write it as JSON (or read it) the codec needs Msg's descriptor, which the
 * application registers here.  Registering a type registers every message
 * type its fields use, so an Any's payload and everything inside it are
 * known.  A plain array searched linearly: registries hold tens of types.
 */
#include <stdlib.h>
#include <string.h>

#include "json/json_internal.h"

struct trpc_json_registry {
    const ProtobufCMessageDescriptor **types;
    size_t n, cap;
};

trpc_error trpc_json_registry_new(trpc_json_registry **out)
{
    if (!out)
        return TRPC_EINVAL;
    trpc_json_registry *r = calloc(1, sizeof *r);
    if (!r)
        return TRPC_ENOMEM;
    *out = r;
    return TRPC_OK;
}

void trpc_json_registry_free(trpc_json_registry *r)
{
    if (!r)
        return;
    free(r->types);
    free(r);
}

const ProtobufCMessageDescriptor *trpc_json_registry_find(const trpc_json_registry *r,
                                                          const char *full_name)
{
    if (!r || !full_name)
        return NULL;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->types[i]->name, full_name) == 0)
            return r->types[i];
    return NULL;
}

trpc_error trpc_json_registry_add(trpc_json_registry *r, const ProtobufCMessageDescriptor *d)
{
    if (!r || !d || d->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
        return TRPC_EINVAL;
    if (trpc_json_registry_find(r, d->name))
        return TRPC_OK;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        const ProtobufCMessageDescriptor **t = realloc(r->types, cap * sizeof *t);
        if (!t)
            return TRPC_ENOMEM;
        r->types = t;
        r->cap = cap;
    }
    r->types[r->n++] = d;
    for (unsigned i = 0; i < d->n_fields; i++) {
        if (d->fields[i].type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        trpc_error rc = trpc_json_registry_add(r, d->fields[i].descriptor);
        if (rc != TRPC_OK)
            return rc;
    }
    return TRPC_OK;
}
