/*
 * health.c: grpc.health.v1.Health (typerpc/health.h), served through the
 * code typerpc generates from runtime/proto/grpc/health/v1/health.proto at
 * build time, like any application's service.
 *
 * State: a table of known services and their status, and the list of open
 * Watch calls, both under one mutex.  Statuses are set from any thread;
 * a watcher is a held server-streaming call that lives on its worker.
 *
 * Telling watchers: a setter never writes to a watch call itself (it may be
 * on any thread, and ordering writes from several setters would need a lock
 * held across trpc_call_send).  It asks for the call's drain notification
 * (trpc_call_on_drain(): it runs in the call's context, on the next turn of
 * its loop, once the call's output is below half its high-water mark), and
 * flush() there sends the *current* status if it differs from the last one
 * sent.  So every write to a watch call happens in its own context, in
 * order, a watcher gets the latest status and never the same one twice,
 * and a watcher that does not read gets nothing more queued until it does.
 *
 * Ending: at shutdown every known status becomes NOT_SERVING, and each
 * watcher's flush sends that and finishes the call OK.  A watch call that
 * ends otherwise (client cancel, lost connection, the shutdown's grace)
 * leaves the list in its done notification, which also releases the hold.
 * Whichever of flush() and done() takes the watcher off the list (under
 * the mutex) finishes the call; both run in the call's context, so they
 * never race each other, only the setters, which touch a watcher's call
 * only while it is on the list (and so held: its handle valid).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "server/ext.h"
#include "typerpc/health.h"
#include "grpc/health/v1/health.trpc.h"

typedef Grpc__Health__V1__HealthCheckRequest health_req;
typedef Grpc__Health__V1__HealthCheckResponse health_resp;

typedef struct entry {
    char *name;
    trpc_health_status status;
} entry;

/* One open Watch call; in the call's arena. */
typedef struct watcher {
    Grpc__Health__V1__Health_Watch_Call *call;
    trpc_health *h;
    const char *service;      /* in the call's arena */
    trpc_health_status sent;  /* the status last written */
    bool linked;              /* on h->watchers (under h->mu) */
    struct watcher *prev, *next;
} watcher;

struct trpc_health {
    pthread_mutex_t mu;
    entry *tab;
    size_t n, cap;
    watcher *watchers;
    bool shut;
    trpc__server_ext ext;
};

const char *trpc_health_status_name(trpc_health_status status)
{
    switch (status) {
    case TRPC_HEALTH_UNKNOWN: return "UNKNOWN";
    case TRPC_HEALTH_SERVING: return "SERVING";
    case TRPC_HEALTH_NOT_SERVING: return "NOT_SERVING";
    case TRPC_HEALTH_SERVICE_UNKNOWN: return "SERVICE_UNKNOWN";
    }
    return "?";
}

/* ---- the table (under h->mu) ---- */

static entry *find(trpc_health *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++) {
        if (strcmp(h->tab[i].name, name) == 0) {
            return &h->tab[i];
        }
    }
    return NULL;
}

static trpc_health_status lookup(trpc_health *h, const char *name)
{
    entry *e = find(h, name);
    return e ? e->status : TRPC_HEALTH_SERVICE_UNKNOWN;
}

static void unlink_watcher(trpc_health *h, watcher *w)
{
    if (w->prev) {
        w->prev->next = w->next;
    } else {
        h->watchers = w->next;
    }
    if (w->next) {
        w->next->prev = w->prev;
    }
    w->linked = false;
}

static void flush_cb(trpc_call *call, void *arg);

/* Asks the watchers of name (NULL: all) to look at their status again. */
static void wake(trpc_health *h, const char *name)
{
    for (watcher *w = h->watchers; w; w = w->next) {
        if (!name || strcmp(w->service, name) == 0) {
            /* TRPC_ECLOSED: the call is ending; its done() unlinks it. */
            (void)trpc_call_on_drain(w->call->base, flush_cb, w);
        }
    }
}

/* ---- in a watch call's context ---- */

static trpc_error send_status(watcher *w, trpc_health_status st)
{
    health_resp r = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    r.status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)st;
    trpc_error rv = grpc__health__v1__health__watch__write(w->call, &r);
    if (rv == TRPC_OK) {
        w->sent = st;
    }
    return rv;
}

/* The drain notification a setter asked for: sends the current status if
 * it changed; at shutdown, then ends the call. */
static void flush_cb(trpc_call *call, void *arg)
{
    (void)call;
    watcher *w = arg;
    trpc_health *h = w->h;
    pthread_mutex_lock(&h->mu);
    bool linked = w->linked;
    trpc_health_status st = lookup(h, w->service);
    bool end = h->shut;
    pthread_mutex_unlock(&h->mu);
    if (!linked) {
        return; /* done() or an earlier flush ended it */
    }
    trpc_error rv = st != w->sent ? send_status(w, st) : TRPC_OK;
    trpc_status code = TRPC_STATUS_OK;
    switch (rv) {
    case TRPC_OK:
        if (!end) {
            return;
        }
        break;
    case TRPC_EFULL: /* the client is not reading: again once it drained */
        (void)trpc_call_on_drain(w->call->base, flush_cb, w);
        return;
    case TRPC_ECLOSED: /* ending on the wire: done() follows */
        return;
    default:
        /* Out of memory: a watcher that silently misses a change is worse
         * than one told to come back. */
        code = trpc_call_error(w->call->base, TRPC_STATUS_UNAVAILABLE, "health: %s",
                               trpc_strerror(rv));
        break;
    }
    /* Only flush() and done() unlink, both in this call's context. */
    pthread_mutex_lock(&h->mu);
    unlink_watcher(h, w);
    pthread_mutex_unlock(&h->mu);
    (void)grpc__health__v1__health__watch__finish_call(w->call, code);
}

static trpc_status on_check(Grpc__Health__V1__Health_Check_Call *call, const health_req *req,
                            health_resp *reply, void *user)
{
    trpc_health *h = user;
    pthread_mutex_lock(&h->mu);
    trpc_health_status st = lookup(h, req->service);
    pthread_mutex_unlock(&h->mu);
    if (st == TRPC_HEALTH_SERVICE_UNKNOWN) {
        return trpc_call_error(call->base, TRPC_STATUS_NOT_FOUND, "unknown service");
    }
    reply->status = (Grpc__Health__V1__HealthCheckResponse__ServingStatus)st;
    return TRPC_STATUS_OK;
}

static trpc_status on_watch(Grpc__Health__V1__Health_Watch_Call *call, const health_req *req,
                            void *user)
{
    trpc_health *h = user;
    watcher *w = trpc_call_alloc(call->base, sizeof *w);
    char *service = trpc_call_strdup(call->base, req->service);
    if (!w || !service) {
        return trpc_call_error(call->base, TRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
    }
    *w = (watcher){ .call = call, .h = h, .service = service,
                    .sent = TRPC_HEALTH_UNKNOWN };
    pthread_mutex_lock(&h->mu);
    trpc_health_status st = lookup(h, service);
    bool shut = h->shut;
    if (!shut) {
        /* Held from here (this handler returns PENDING), so setters may
         * touch the call while it is on the list. */
        w->linked = true;
        w->next = h->watchers;
        if (w->next) {
            w->next->prev = w;
        }
        h->watchers = w;
    }
    trpc_call_set_data(call->base, w);
    pthread_mutex_unlock(&h->mu);
    /* A setter that ran since the lookup has asked for a flush, which runs
     * after this handler and sends the newer status. */
    trpc_error rv = send_status(w, st);
    if (shut) {
        return rv == TRPC_OK ? TRPC_STATUS_OK : TRPC_STATUS_UNAVAILABLE;
    }
    if (rv != TRPC_OK) {
        /* The first message of a fresh call does not fill the buffer: out
         * of memory.  The call is not held (this handler finishes it), so
         * done() must not release a hold: off the list here. */
        pthread_mutex_lock(&h->mu);
        unlink_watcher(h, w);
        pthread_mutex_unlock(&h->mu);
        return trpc_call_error(call->base, TRPC_STATUS_UNAVAILABLE, "health: %s",
                               trpc_strerror(rv));
    }
    return TRPC_PENDING;
}

static void on_watch_done(Grpc__Health__V1__Health_Watch_Call *call, trpc_done_reason why,
                          void *user)
{
    (void)why;
    trpc_health *h = user;
    watcher *w = trpc_call_data(call->base);
    if (!w) {
        return; /* ended before the handler ran */
    }
    pthread_mutex_lock(&h->mu);
    bool mine = w->linked;
    if (mine) {
        unlink_watcher(h, w);
    }
    pthread_mutex_unlock(&h->mu);
    if (mine) {
        /* The call ended on the wire first: this only releases the hold. */
        (void)grpc__health__v1__health__watch__finish_call(call, TRPC_STATUS_CANCELLED);
    }
}

static const Grpc__Health__V1__Health_Impl health_impl = {
    .check = on_check,
    .watch = on_watch,
    .watch_done = on_watch_done,
};

/* ---- the application's side ---- */

static void health_free(void *arg)
{
    trpc_health *h = arg;
    for (size_t i = 0; i < h->n; i++) {
        free(h->tab[i].name);
    }
    free(h->tab);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

static void health_on_shutdown(void *arg) { trpc_health_shutdown(arg); }

/* Under h->mu. */
static trpc_error set_locked(trpc_health *h, const char *service, trpc_health_status status)
{
    entry *e = find(h, service);
    if (!e) {
        if (h->n == h->cap) {
            size_t cap = h->cap ? 2 * h->cap : 8;
            entry *t = realloc(h->tab, cap * sizeof *t);
            if (!t) {
                return TRPC_ENOMEM;
            }
            h->tab = t;
            h->cap = cap;
        }
        char *name = strdup(service);
        if (!name) {
            return TRPC_ENOMEM;
        }
        e = &h->tab[h->n++];
        *e = (entry){ .name = name, .status = TRPC_HEALTH_SERVICE_UNKNOWN };
    }
    if (e->status != status) {
        e->status = status;
        wake(h, e->name);
    }
    return TRPC_OK;
}

trpc_error trpc_health_new(trpc_health **out, trpc_server *srv)
{
    if (!out || !srv) {
        return TRPC_EINVAL;
    }
    trpc_health *h = calloc(1, sizeof *h);
    if (!h) {
        return TRPC_ENOMEM;
    }
    pthread_mutex_init(&h->mu, NULL);
    trpc_error rv = set_locked(h, "", TRPC_HEALTH_SERVING);
    if (rv == TRPC_OK) {
        rv = grpc__health__v1__health__serve(srv, &health_impl, h);
    }
    if (rv != TRPC_OK) {
        health_free(h);
        return rv;
    }
    h->ext = (trpc__server_ext){ .on_shutdown = health_on_shutdown, .on_free = health_free,
                                 .arg = h };
    trpc__server_add_ext(srv, &h->ext);
    *out = h;
    return TRPC_OK;
}

static bool settable(trpc_health_status status)
{
    return status == TRPC_HEALTH_UNKNOWN || status == TRPC_HEALTH_SERVING ||
           status == TRPC_HEALTH_NOT_SERVING;
}

trpc_error trpc_health_set(trpc_health *h, const char *service, trpc_health_status status)
{
    if (!h || !service || !settable(status)) {
        return TRPC_EINVAL;
    }
    pthread_mutex_lock(&h->mu);
    trpc_error rv = h->shut ? TRPC_ESTATE : set_locked(h, service, status);
    pthread_mutex_unlock(&h->mu);
    return rv;
}

trpc_error trpc_health_set_all(trpc_health *h, trpc_health_status status)
{
    if (!h || !settable(status)) {
        return TRPC_EINVAL;
    }
    pthread_mutex_lock(&h->mu);
    trpc_error rv = h->shut ? TRPC_ESTATE : TRPC_OK;
    for (size_t i = 0; rv == TRPC_OK && i < h->n; i++) {
        rv = set_locked(h, h->tab[i].name, status);
    }
    pthread_mutex_unlock(&h->mu);
    return rv;
}

trpc_health_status trpc_health_get(trpc_health *h, const char *service)
{
    if (!h || !service) {
        return TRPC_HEALTH_SERVICE_UNKNOWN;
    }
    pthread_mutex_lock(&h->mu);
    trpc_health_status st = lookup(h, service);
    pthread_mutex_unlock(&h->mu);
    return st;
}

void trpc_health_shutdown(trpc_health *h)
{
    if (!h) {
        return;
    }
    pthread_mutex_lock(&h->mu);
    if (!h->shut) {
        h->shut = true;
        for (size_t i = 0; i < h->n; i++) {
            h->tab[i].status = TRPC_HEALTH_NOT_SERVING;
        }
        wake(h, NULL); /* every watcher: each flush ends its call */
    }
    pthread_mutex_unlock(&h->mu);
}
