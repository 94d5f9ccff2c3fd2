/*
 * registry.c: the server's method table (see registry.h).  Sorted after
 * each registration, searched with bsearch().
 */
#include <stdlib.h>
#include <string.h>
#include "server/registry.h"

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const trpc__method_entry *)a)->path,
                  ((const trpc__method_entry *)b)->path);
}

static bool streams_input(trpc_method_kind k)
{
    return k == TRPC_CLIENT_STREAMING || k == TRPC_BIDI_STREAMING;
}

trpc_error trpc__registry_add(trpc__registry *r, const trpc_service *svc,
                              const trpc_method_handlers *handlers, const void *impl,
                              void *user)
{
    if (!svc || !svc->name || (svc->n_methods && (!svc->methods || !handlers))) {
        return TRPC_EINVAL;
    }
    for (size_t i = 0; i < svc->n_methods; i++) {
        const trpc_method *m = &svc->methods[i];
        const trpc_method_handlers *h = &handlers[i];
        if (!m->path || !m->input || !m->output || (unsigned)m->kind > TRPC_BIDI_STREAMING) {
            return TRPC_EINVAL;
        }
        /* Start and end belong to streaming input; a streaming-input
         * method that takes messages must hear when they end. */
        if (streams_input(m->kind) ? (h->on_message && !h->on_end)
                                   : (h->on_start || h->on_end)) {
            return TRPC_EINVAL;
        }
        if (trpc__registry_find(r, m->path)) {
            return TRPC_EEXISTS;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(svc->methods[j].path, m->path) == 0) {
                return TRPC_EEXISTS;
            }
        }
    }
    if (r->n + svc->n_methods > r->cap) {
        size_t cap = (r->n + svc->n_methods) * 2;
        trpc__method_entry *e = realloc(r->e, cap * sizeof *e);
        if (!e) {
            return TRPC_ENOMEM;
        }
        r->e = e;
        r->cap = cap;
    }
    for (size_t i = 0; i < svc->n_methods; i++) {
        r->e[r->n++] = (trpc__method_entry){ .path = svc->methods[i].path,
                                             .m = &svc->methods[i],
                                             .h = handlers[i],
                                             .impl = impl,
                                             .user = user,
                                             .service = svc->name,
                                             .svc = svc };
    }
    if (r->n > 1) {
        qsort(r->e, r->n, sizeof *r->e, entry_cmp);
    }
    return TRPC_OK;
}

trpc_error trpc__registry_use_executor(trpc__registry *r, const char *name)
{
    if (!name || !*name) {
        return TRPC_EINVAL;
    }
    size_t found = 0;
    for (size_t i = 0; i < r->n; i++) {
        trpc__method_entry *e = &r->e[i];
        bool match = name[0] == '/' ? strcmp(e->path, name) == 0
                                    : strcmp(e->service, name) == 0;
        if (match) {
            if (!e->exec) {
                e->exec = true;
                r->nexec++;
            }
            found++;
        }
    }
    return found ? TRPC_OK : TRPC_ENOENT;
}

const trpc__method_entry *trpc__registry_find(const trpc__registry *r, const char *path)
{
    if (r->n == 0) {
        return NULL;
    }
    trpc__method_entry key = { .path = path };
    return bsearch(&key, r->e, r->n, sizeof key, entry_cmp);
}

trpc_error trpc__registry_add_interceptor(trpc__registry *r, const trpc_server_interceptor *ic)
{
    trpc_server_interceptor *v = realloc(r->icpt, (r->nicpt + 1) * sizeof *v);
    if (!v) {
        return TRPC_ENOMEM;
    }
    r->icpt = v;
    v[r->nicpt++] = *ic;
    return TRPC_OK;
}

void trpc__registry_free(trpc__registry *r)
{
    free(r->icpt);
    free(r->e);
    memset(r, 0, sizeof *r);
}
