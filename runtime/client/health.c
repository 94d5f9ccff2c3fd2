/*
 * health.c: one subchannel's health check (see health.h): a
 * grpc.health.v1.Health/Watch call on its READY connection, made by the
 * channel itself (an internal async stream: no interceptors, no retry
 * policy, placed on this subchannel only), and what its answers mean for
 * the balancer.  The messages are the runtime's own generated code for
 * health.proto (the server side's, server/health.c).
 *
 * Nothing here runs inside a connection's code: the balancer calls
 * trpc__hcheck_update() from an event (update_ev), and changes reach the
 * balancer through hc->changed, which only activates an event of its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/event.h>
#include "base/log.h"
#include "h2/timer.h"
#include "client/health.h"
#include "grpc/health/v1/health.pb-c.h"

typedef Grpc__Health__V1__HealthCheckRequest health_req;
typedef Grpc__Health__V1__HealthCheckResponse health_resp;

static const trpc_method watch_method = {
    "/grpc.health.v1.Health/Watch",
    &grpc__health__v1__health_check_request__descriptor,
    &grpc__health__v1__health_check_response__descriptor,
    TRPC_SERVER_STREAMING,
};

static void set_state(trpc__hcheck *hc, trpc__hc_state st)
{
    if (hc->state != st) {
        hc->state = st;
        if (hc->changed) {
            hc->changed(hc);
        }
    }
}

static const char *status_name(int st)
{
    switch (st) {
    case GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING:
        return "SERVING";
    case GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING:
        return "NOT_SERVING";
    case GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN:
        return "SERVICE_UNKNOWN";
    default:
        return "UNKNOWN";
    }
}

static void on_message(trpc_stream *s, ProtobufCMessage *msg, trpc_fn fn, void *user)
{
    (void)fn;
    trpc__hcheck *hc = user;
    const health_resp *r = (const health_resp *)msg;
    if (hc->watch == s) {
        if (r->status == GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING) {
            hc->backoff_ms = 0; /* it answered: a lost watch is tried again at once */
            set_state(hc, TRPC__HC_SERVING);
        } else {
            snprintf(hc->why, sizeof hc->why, "%s: health check of \"%s\": %s",
                     hc->sub->target, hc->service, status_name(r->status));
            hc->backoff_ms = 0;
            set_state(hc, TRPC__HC_UNHEALTHY);
        }
    }
    protobuf_c_message_free_unpacked(msg, NULL);
}

/* The next Watch, after the backoff (none after an answer). */
static void retry_later(trpc__hcheck *hc)
{
    const trpc_channel_opts *o = &hc->sub->cl->o;
    int64_t delay = 0;
    if (hc->backoff_ms > 0) {
        hc->rng = hc->rng * 1103515245u + 12345u;
        double jitter = 0.8 + 0.4 * ((hc->rng >> 8) % 1000) / 1000.0;
        delay = (int64_t)(hc->backoff_ms * jitter);
        hc->backoff_ms = (int)(hc->backoff_ms * 1.6);
        if (hc->backoff_ms > o->backoff_max_ms) {
            hc->backoff_ms = o->backoff_max_ms;
        }
    } else {
        hc->backoff_ms = o->backoff_initial_ms;
    }
    trpc__timer_in(hc->retry_ev, delay);
}

static void on_status(trpc_stream *s, trpc_status code, const char *message, trpc_fn fn,
                      void *user)
{
    (void)fn;
    trpc__hcheck *hc = user;
    if (hc->watch != s) {
        return; /* cancelled here */
    }
    hc->watch = NULL;
    if (s->cl->stopping || hc->stopped) {
        return;
    }
    if (code == TRPC_STATUS_UNIMPLEMENTED) {
        /* A17: a server without the health service is used as healthy */
        if (!hc->logged) {
            hc->logged = true;
            trpc__log("%s does not implement grpc.health.v1.Health: health checking "
                      "disabled for it",
                      hc->sub->target);
        }
        set_state(hc, TRPC__HC_DISABLED);
        return;
    }
    if (code == TRPC_STATUS_OK) {
        snprintf(hc->why, sizeof hc->why, "%s: the server ended its health check",
                 hc->sub->target);
    } else {
        snprintf(hc->why, sizeof hc->why, "%s: health check failed: %s (%s)", hc->sub->target,
                 trpc_status_name(code), message ? message : "no message");
    }
    set_state(hc, TRPC__HC_UNHEALTHY);
    retry_later(hc); /* retry_cb checks the connection is still there */
}

/* A Watch call on the subchannel's READY connection. */
static void start_watch(trpc__hcheck *hc)
{
    trpc__client *cl = hc->sub->cl;
    if (hc->watch || hc->stopped || cl->stopping) {
        return;
    }
    trpc_call_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    trpc_stream *s;
    if (trpc__stream_new_internal(&s, cl, &watch_method, &o) != TRPC_OK) {
        snprintf(hc->why, sizeof hc->why, "%s: health check: out of memory", hc->sub->target);
        set_state(hc, TRPC__HC_UNHEALTHY);
        retry_later(hc);
        return;
    }
    s->async = true;
    s->h.on_message = on_message;
    s->h.on_status = on_status;
    s->h_user = hc;
    health_req req = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    req.service = (char *)hc->service;
    pthread_mutex_lock(&cl->mu);
    trpc_error rv = trpc__buf_append_message(&s->out, &req.base);
    s->send_closed = true;
    pthread_mutex_unlock(&cl->mu);
    if (rv != TRPC_OK) {
        trpc__stream_free(s);
        snprintf(hc->why, sizeof hc->why, "%s: health check: out of memory", hc->sub->target);
        set_state(hc, TRPC__HC_UNHEALTHY);
        retry_later(hc);
        return;
    }
    hc->watch = s;
    if (trpc__stream_begin(s)) {
        trpc__cconns_start(hc->sub, s); /* READY: submitted at once */
    }
}

/* Cancels the Watch out, if any (its on_status is ignored). */
static void cancel_watch(trpc__hcheck *hc)
{
    trpc_stream *s = hc->watch;
    if (s) {
        hc->watch = NULL;
        trpc__stream_abort(s, TRPC_STATUS_CANCELLED, "health check no longer needed");
    }
}

void trpc__hcheck_update(trpc__hcheck *hc)
{
    const void *c = hc->stopped ? NULL : trpc__cconns_ready_conn(hc->sub);
    if (c == hc->conn && (c == NULL || hc->watch || evtimer_pending(hc->retry_ev, NULL) ||
                          hc->state == TRPC__HC_DISABLED)) {
        return;
    }
    if (c != hc->conn) {
        /* A new connection is checked from the start (gRPC: per transport) */
        cancel_watch(hc);
        evtimer_del(hc->retry_ev);
        hc->conn = c;
        hc->backoff_ms = 0;
        set_state(hc, TRPC__HC_WAIT);
    }
    if (c) {
        start_watch(hc);
    }
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__hcheck *hc = arg;
    if (hc->conn && hc->conn == trpc__cconns_ready_conn(hc->sub)) {
        start_watch(hc);
    } else {
        trpc__hcheck_update(hc);
    }
}

void trpc__hcheck_stop(trpc__hcheck *hc)
{
    hc->stopped = true;
    evtimer_del(hc->retry_ev);
    cancel_watch(hc);
}

trpc_error trpc__hcheck_init(trpc__hcheck *hc, trpc__cconns *sub, const char *service)
{
    memset(hc, 0, sizeof *hc);
    hc->sub = sub;
    hc->service = service;
    hc->rng = (unsigned)trpc_now_ms() ^ (unsigned)(uintptr_t)hc;
    hc->retry_ev = evtimer_new(sub->cl->ev, retry_cb, hc);
    if (!hc->retry_ev) {
        return TRPC_ENOMEM;
    }
    sub->hc = hc;
    return TRPC_OK;
}

void trpc__hcheck_fini(trpc__hcheck *hc)
{
    if (hc->retry_ev) {
        event_free(hc->retry_ev);
    }
    if (hc->sub && hc->sub->hc == hc) {
        hc->sub->hc = NULL;
    }
    memset(hc, 0, sizeof *hc);
}
