/*
 * lifecycle.c: the channel as a whole (trpc_channel_new/free of
 * typerpc/channel.h): its options, its I/O thread and the loop's op
 * dispatch.
 *
 *   state      event                          next
 *   RUNNING    trpc_channel_new               (I/O thread started; no connection
 *                                              until the first call)
 *   RUNNING    trpc_channel_free              STOPPING (every call still in flight
 *                                              ends CANCELLED, connections close)
 *   STOPPING   no stream, no connection, no   the loop ends; the thread is joined
 *              lookup out (cancelled ones
 *              answer later)
 *
 * A channel begins with its client part (client/stream.h), whose first
 * member is the channel itself: generated client handles
 * (struct { trpc_channel *const base; }) are the channel's address.
 */
#include <stdlib.h>
#include <string.h>
#include "base/opts.h"
#include "base/thread.h"
#include "client/lb.h"
#include "client/retry.h"

enum { FLAG_STOP = 1 };

struct trpc_channel {
    trpc__client cl;            /* first: see above */
    trpc__lb lb;                /* its subchannels, one per address */
    bool th_started;
};

static void check_stop(trpc_channel *ch)
{
    if (ch->cl.stopping && !ch->cl.all && trpc__lb_idle(&ch->lb)) {
        /* loopexit: let active callbacks run (see server/worker.c). */
        event_base_loopexit(ch->cl.ev, NULL);
    }
}

static void stream_released(trpc__client *cl) { check_stop((trpc_channel *)cl); }

/* A retry by policy, its backoff over: where a new call goes. */
static void stream_restart(trpc__client *cl, trpc_stream *s)
{
    trpc__lb_start(&((trpc_channel *)cl)->lb, s);
}

static void conn_closed(trpc__lb *lb)
{
    check_stop((trpc_channel *)((char *)lb - offsetof(trpc_channel, lb)));
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc_channel *ch = arg;
    trpc__opq_item *it;
    unsigned ops;
    while ((it = trpc__opq_pop(&ch->cl.opq, &ops))) {
        trpc_stream *s = (trpc_stream *)((char *)it - offsetof(trpc_stream, op));
        /* A stream cancelled before it started (its token was) ends in
         * run_ops below without reaching a connection. */
        if ((ops & TRPC__SOP_START) && trpc__stream_begin(s) && !(ops & TRPC__SOP_CANCEL)) {
            trpc__lb_start(&ch->lb, s);
        }
        trpc__stream_run_ops(s, ops & ~(unsigned)TRPC__SOP_START);
        trpc__stream_unref(s); /* the queue's reference */
    }
    if ((trpc__opq_take_flags(&ch->cl.opq) & FLAG_STOP) && !ch->cl.stopping) {
        ch->cl.stopping = true;
        for (trpc_stream *s = ch->cl.all, *next; s; s = next) {
            next = s->anext;
            trpc__stream_abort(s, TRPC_STATUS_CANCELLED, "channel closed");
        }
        trpc__lb_fail_all(&ch->lb, TRPC_STATUS_CANCELLED, "channel closed");
        check_stop(ch);
    }
}

static void *io_main(void *arg)
{
    trpc_channel *ch = arg;
    event_base_loop(ch->cl.ev, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

trpc_error trpc_channel_new(trpc_channel **out, const char *target, const trpc_channel_opts *opts)
{
    if (!out || !target) {
        return TRPC_EINVAL;
    }
    trpc_channel_opts o;
    if (TRPC__OPTS_READ(trpc_channel_opts, &o, opts) != TRPC_OK) {
        return TRPC_EINVAL;
    }
    if (trpc__libevent_threads() != 0) {
        return TRPC_ELIBEVENT;
    }
    int policy = trpc__lb_policy_parse(o.lb_policy);
    if (policy < 0) {
        return TRPC_EINVAL;
    }
    o.lb_policy = NULL; /* not kept: the caller's string */
    trpc__targets t;
    trpc_error rv = trpc__targets_parse(target, &t);
    if (rv) {
        return rv;
    }
    if (!o.max_recv_message_size) o.max_recv_message_size = TRPC__DEFAULT_MAX_MSG;
    if (o.connect_timeout_ms <= 0) o.connect_timeout_ms = 20000;
    if (o.backoff_initial_ms <= 0) o.backoff_initial_ms = 1000;
    if (o.backoff_max_ms < o.backoff_initial_ms) o.backoff_max_ms = 120000;
    if (!o.send_high_water) o.send_high_water = 1u << 20;
    if (!o.max_send_buffer) o.max_send_buffer = 4u << 20;
    if (o.max_send_buffer < o.send_high_water) o.max_send_buffer = o.send_high_water;
    if (!o.recv_buffer) o.recv_buffer = 1u << 20;
    if (!o.max_header_list_size) o.max_header_list_size = 16 * 1024; /* i12-mem */
    if (o.keepalive_time_ms < 0) o.keepalive_time_ms = 0;
    if (o.keepalive_timeout_ms <= 0) o.keepalive_timeout_ms = 20000;
    if ((unsigned)o.compression > TRPC_COMPRESS_GZIP) {
        trpc__targets_fini(&t);
        return TRPC_EINVAL;
    }
    if (o.tls_ca_file || o.tls_cert_file || o.tls_key_file || o.tls_authority) o.tls = true;
    trpc_channel *ch = calloc(1, sizeof *ch);
    if (!ch) {
        trpc__targets_fini(&t);
        return TRPC_ENOMEM;
    }
    ch->cl.base = ch;
    ch->cl.o = o;
    ch->cl.o.interceptors = NULL; /* not kept: the caller's array */
    if (o.ninterceptors) {
        if (!o.interceptors) {
            free(ch);
            trpc__targets_fini(&t);
            return TRPC_EINVAL;
        }
        ch->cl.icpt = calloc(o.ninterceptors, sizeof *ch->cl.icpt);
        if (!ch->cl.icpt) {
            free(ch);
            trpc__targets_fini(&t);
            return TRPC_ENOMEM;
        }
        for (size_t i = 0; i < o.ninterceptors; i++) {
            if (!o.interceptors[i] ||
                TRPC__OPTS_READ(trpc_client_interceptor, &ch->cl.icpt[i], o.interceptors[i]) !=
                    TRPC_OK) {
                free(ch->cl.icpt);
                free(ch);
                trpc__targets_fini(&t);
                return TRPC_EINVAL;
            }
        }
        ch->cl.nicpt = o.ninterceptors;
    }
    ch->cl.authority = strdup(o.authority ? o.authority : t.authority);
    ch->cl.o.authority = NULL; /* not kept: the caller's string */
    ch->cl.released = stream_released;
    ch->cl.restart = stream_restart;
    rv = trpc__retry_init(&ch->cl, &o);
    ch->cl.o.retry_policies = NULL; /* not kept: the caller's array */
    if (rv != TRPC_OK) {
        trpc__retry_fini(&ch->cl);
        free(ch->cl.authority);
        free(ch->cl.icpt);
        free(ch);
        trpc__targets_fini(&t);
        return rv;
    }
    struct event_base *base = event_base_new();
    if (!ch->cl.authority || !base) {
        if (base) {
            event_base_free(base);
        }
        free(ch->cl.authority);
        trpc__retry_fini(&ch->cl);
        free(ch->cl.icpt);
        free(ch);
        trpc__targets_fini(&t);
        return !base ? TRPC_ELIBEVENT : TRPC_ENOMEM;
    }
    if (trpc__client_init(&ch->cl, base, wake_cb, ch) != 0) {
        event_base_free(base);
        free(ch->cl.authority);
        trpc__retry_fini(&ch->cl);
        free(ch->cl.icpt);
        free(ch);
        trpc__targets_fini(&t);
        return TRPC_ELIBEVENT;
    }
    rv = trpc__lb_init(&ch->lb, &ch->cl, &t, (trpc__lb_policy)policy);
    ch->cl.o.health_check_service = NULL; /* copied by the balancer */
    trpc__targets_fini(&t);
    /* The TLS files were read: the caller's strings are not kept. */
    ch->cl.o.tls_ca_file = ch->cl.o.tls_cert_file = ch->cl.o.tls_key_file = NULL;
    ch->cl.o.tls_authority = NULL;
    if (rv == TRPC_OK) {
        ch->lb.closed = conn_closed;
        if (trpc__thread_create(&ch->cl.io_thread, io_main, ch) != 0) {
            rv = TRPC_ESYS;
        } else {
            ch->th_started = true;
        }
    }
    if (rv != TRPC_OK) {
        trpc_channel_free(ch);
        return rv;
    }
    *out = ch;
    return TRPC_OK;
}

void trpc_channel_free(trpc_channel *ch)
{
    if (!ch) {
        return;
    }
    if (ch->th_started) {
        trpc__opq_flag(&ch->cl.opq, FLAG_STOP);
        pthread_join(ch->cl.io_thread, NULL);
    }
    trpc__lb_fini(&ch->lb);
    struct event_base *base = ch->cl.ev;
    trpc__client_fini(&ch->cl);
    event_base_free(base);
    free(ch->cl.authority);
    trpc__retry_fini(&ch->cl);
    free(ch->cl.icpt);
    free(ch);
}
