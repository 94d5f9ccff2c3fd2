/*
 * call.c: the life of a server call.
 *
 * A call is born when a stream's request headers begin, is routed to a
 * method when they end, takes request DATA, hears the client half-close,
 * gets a status (from the application or the runtime), drains its response
 * and ends when the stream closes; the object then goes back to its
 * worker's pool with its arena, buffers and metadata kept for the next
 * call.  Its state (trpc__call_state) moves only on the worker thread:
 *
 *   state     event                                   next      what happens
 *   FREE      a stream's request headers begin        HEADERS   taken from the pool
 *   HEADERS   headers end: not POST, or not gRPC      FINISHED  HTTP 405 or 415
 *             (nor a web protocol: server/web.h), or
 *             a CORS preflight                                  (204, server/web.c)
 *   HEADERS   headers end: too large, no such method  FINISHED  Trailers-Only error, no
 *                                                               notification
 *   HEADERS   headers end: a method takes it          OPEN      deadline armed; start
 *   OPEN      a request message                       OPEN      message (streaming input), or
 *                                                               kept for the end (unary)
 *   OPEN      the client half-closes                  OPEN      message with the request
 *                                                               (unary), or end (streaming)
 *   OPEN      a notification returns a status, or     FINISHED  the reply (when OK) and the
 *             the application's __finish                        trailers follow what is queued
 *   OPEN      deadline, bad input, invalid status     FINISHED  the runtime's status; unsent
 *                                                               replies are dropped
 *   OPEN      the stream closes (RST, connection)     CLOSED    CANCELLED or CONNECTION_LOST
 *   FINISHED  the trailers go out                     FINISHED  RST_STREAM(NO_ERROR) if the
 *                                                               client is still sending
 *   FINISHED  the shutdown grace runs out             FINISHED  RST_STREAM(CANCEL)
 *   FINISHED  the stream closes                       CLOSED    done, with why
 *   HEADERS   the stream closes                       CLOSED    (never routed: no done)
 *   CLOSED    done returned, no task out, not held    FREE      recycled
 *
 * Beside the state, a few facts that are independent of it: input_ended
 * (the client half-closed), the application's hold (hold and app_finished
 * under mu; finish_applied once its __finish reached the worker), busy (the
 * worker is inside the call, or an executor task is out), arena_freed,
 * done_sent.  Two rules tie them together:
 *  - memory: the arena (request, reply, the handler's allocations) is
 *    released as soon as the call is FINISHED, not held, not busy and has
 *    no done notification to come that could look at it, so a finished
 *    call whose peer does not read holds its serialized output only;
 *  - recycling: a CLOSED call goes back to the pool once its done
 *    notification has run, nothing is busy and the application does not
 *    hold it (a held call waits for its owner's __finish, which then only
 *    releases it).
 *
 * Notifications.  For a method on the worker, they run inline, inside the
 * nghttp2 callback that caused them (messages), or from the loop (timers,
 * drain, done).  For a method on the executor, each becomes a notice in
 * the call's queue (streamed messages keep their bytes); the worker hands
 * the pool one notice at a time and takes the next when the task's op
 * comes back, so they run in order and one at a time.  While the queue
 * holds request messages the call does not give DATA back to flow control,
 * which throttles the client to the stream window.  After the call is
 * FINISHED, queued notices other than done are dropped.
 *
 * Protocols.  c->proto, from the request's content-type, says whether the
 * stream speaks gRPC or one of the web protocols (gRPC-Web, Connect:
 * server/web.h).  They share this whole life; what differs is asked of
 * web.c at a few points (a header gRPC does not use, the end of a non-POST
 * request, routing, base64 text bodies) and, on the way out, of
 * web_out.c through output.c.  A Connect unary body is one unframed
 * message: the framer reads it raw (trpc__framer_raw), under the same
 * limit and budget.
 *
 * Finishing.  A notification's status, or __finish, finishes the call once
 * (app_finished); a runtime failure decides the status itself (rt_status)
 * and leaves the application's hold in place, so the owner's later
 * __finish gets TRPC_ECLOSED and only releases the call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/thread.h"
#include "base/tls.h"
#include "h2/timer.h"
#include "server/call.h"
#include "server/output.h"
#include "server/web.h"
#include "typerpc/json.h"

#define POOL_MAX 1024
#define BUF_KEEP (64u * 1024u)

static _Thread_local trpc__call_env *tls_worker; /* set on worker threads */
static _Thread_local trpc_call *tls_task;        /* the call a pool thread runs */

static void deadline_cb(evutil_socket_t fd, short what, void *arg);
static void drain_cb(evutil_socket_t fd, short what, void *arg);
static void task_run(trpc__task *t);
static ProtobufCMessage *unpack(trpc_call *c, ProtobufCAllocator *a, size_t len,
                                const uint8_t *data);
static void take_data(trpc_call *c, const uint8_t *data, size_t len, bool exec);

/* ---- the pool ----------------------------------------------------------------- */

void trpc__call_env_init(trpc__call_env *env)
{
    env->pool = NULL;
    env->npool = 0;
    env->live = 0;
}

void trpc__call_enter_worker(trpc__call_env *env) { tls_worker = env; }

bool trpc__call_on_worker(const trpc_call *c) { return tls_worker == c->env; }

bool trpc__call_in_context(const trpc_call *c)
{
    if (c->ent && c->ent->exec) {
        return tls_task == c;
    }
    return tls_worker == c->env;
}

static void call_destroy(trpc_call *c)
{
    trpc__arena_free(&c->arena);
    trpc__arena_free(&c->scratch);
    trpc__buf_free(&c->fr.body);
    trpc__buf_free(&c->zbuf);
    trpc__buf_free(&c->out);
    trpc__buf_free(&c->msg);
    trpc__buf_free(&c->rtmsg);
    trpc__buf_free(&c->nvbuf);
    trpc__buf_free(&c->path);
    trpc__buf_free(&c->origin);
    trpc__buf_free(&c->web_get);
    trpc__md_fini(&c->md);
    trpc__md_fini(&c->hdrs);
    trpc__md_fini(&c->trls);
    for (trpc_timer *t = c->spare_timers, *next; t; t = next) {
        next = t->next;
        event_free(t->ev);
        free(t);
    }
    if (c->dl_ev) {
        event_free(c->dl_ev);
    }
    if (c->drain_ev) {
        event_free(c->drain_ev);
    }
    pthread_cond_destroy(&c->room);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void trpc__call_env_fini(trpc__call_env *env)
{
    while (env->pool) {
        trpc_call *c = env->pool;
        env->pool = c->pnext;
        call_destroy(c);
    }
    env->npool = 0;
}

static trpc_call *call_alloc(trpc__call_env *env)
{
    trpc_call *c = calloc(1, sizeof *c);
    if (!c) {
        return NULL;
    }
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    if (trpc__cond_init(&c->room) != 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    c->base = c;
    c->env = env;
    trpc__arena_init(&c->arena);
    trpc__arena_init(&c->scratch);
    trpc__md_init(&c->md);
    trpc__md_init(&c->hdrs);
    trpc__md_init(&c->trls);
    c->task.run = task_run;
    c->dl_ev = evtimer_new(env->loop->base, deadline_cb, c);
    c->drain_ev = event_new(env->loop->base, -1, 0, drain_cb, c);
    if (!c->dl_ev || !c->drain_ev) {
        call_destroy(c);
        return NULL;
    }
    return c;
}

trpc_call *trpc__call_new(trpc__call_env *env, trpc__h2conn *h2, int32_t sid,
                          const char *peer)
{
    trpc_call *c = env->pool;
    if (c) {
        env->pool = c->pnext;
        env->npool--;
    } else if (!(c = call_alloc(env))) {
        return NULL;
    }
    /* Everything a previous call left was reset when it was recycled; what
     * follows is what a call starts with. */
    c->state = TRPC__CALL_HEADERS;
    c->h2 = h2;
    c->sid = sid;
    c->ent = NULL;
    size_t plen = strnlen(peer, sizeof c->peer - 1);
    memcpy(c->peer, peer, plen);
    c->peer[plen] = 0;
    c->hdr_bytes = 0;
    c->fr.budget = env->lim->budget;
    c->post = c->ct_ok = c->hdr_too_big = c->input_ended = false;
    c->bad_timeout = false;
    c->proto = TRPC__P_GRPC;
    c->ct_kind = 0;
    c->json = c->web = c->is_get = c->is_options = false;
    c->raw_in = c->web_tail = c->bad_input = false;
    c->nb64q = 0;
    c->web_accept = TRPC__ENC_BIT(TRPC__ENC_IDENTITY);
    c->web_enc[0] = 0;
    c->enc[0] = 0;
    c->accept = TRPC__ENC_BIT(TRPC__ENC_IDENTITY);
    c->send_enc = TRPC__ENC_IDENTITY;
    c->send_plain = c->msg_compressed = false;
    c->deadline = INT64_MAX;
    c->dl_armed = false;
    c->req = c->reply = NULL;
    c->nreq = 0;
    c->owed = 0;
    c->arena_freed = false;
    c->drain_fn = NULL;
    c->drain_used = false;
    c->hdrs_frozen = c->headers_sent = c->trailers_sent = c->rt_status = false;
    c->status = TRPC_STATUS_OK;
    c->why = TRPC_DONE_FINISHED;
    atomic_store(&c->ended, false);
    atomic_store(&c->cancelled, false);
    atomic_store(&c->final, (int)TRPC_PENDING);
    c->hold = c->app_finished = c->finish_applied = false;
    c->busy = 0;
    c->done_sent = false;
    c->icpt_due = false;
    c->data = NULL;
    c->cprev = c->cnext = c->pnext = NULL;
    env->live++;
    return c;
}

/* Back to the pool: everything reset for the next call. */
static void recycle(trpc_call *c)
{
    trpc__call_env *env = c->env;
    c->state = TRPC__CALL_FREE;
    trpc__tls_ident_unref(c->ident);
    c->ident = NULL;
    if (c->drain_used) {
        event_del(c->drain_ev); /* one activated from a thread after the end */
    }
    /* Timers were stopped when the call ended; keep their objects. */
    while (c->timers) {
        trpc_timer *t = c->timers;
        c->timers = t->next;
        t->next = c->spare_timers;
        c->spare_timers = t;
    }
    trpc__arena_reset(&c->arena);
    trpc__arena_reset(&c->scratch);
    trpc__framer_release(&c->fr, BUF_KEEP); /* and its budget */
    trpc__buf_reset(&c->zbuf, BUF_KEEP);
    trpc__out_release(c); /* and its budget */
    trpc__buf_reset(&c->msg, BUF_KEEP);
    trpc__buf_reset(&c->rtmsg, BUF_KEEP);
    trpc__buf_reset(&c->nvbuf, BUF_KEEP);
    trpc__buf_reset(&c->path, BUF_KEEP);
    trpc__buf_reset(&c->origin, 256);
    trpc__buf_reset(&c->web_get, BUF_KEEP);
    trpc_metadata_clear(&c->md);
    trpc_metadata_clear(&c->hdrs);
    trpc_metadata_clear(&c->trls);
    env->live--;
    if (env->npool < POOL_MAX) {
        c->pnext = env->pool;
        env->pool = c;
        env->npool++;
    } else {
        call_destroy(c);
    }
    env->released(env->ctx);
}

/* ---- messages -------------------------------------------------------------------- */

static void set_message(trpc__buf *b, const char *fmt, va_list ap) TRPC_PRINTF(2, 0);
static void set_message(trpc__buf *b, const char *fmt, va_list ap)
{
    b->len = b->off = 0;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0 || trpc__buf_reserve(b, (size_t)n + 1)) {
        return;
    }
    vsnprintf((char *)b->data, (size_t)n + 1, fmt, ap);
    b->len = (size_t)n;
}

/* ---- ending ------------------------------------------------------------------------ */

static bool held(trpc_call *c)
{
    pthread_mutex_lock(&c->mu);
    bool h = c->hold && !c->finish_applied;
    pthread_mutex_unlock(&c->mu);
    return h;
}

static void free_notice_queue(trpc_call *c, bool keep_done)
{
    trpc__notice **pp = &c->nq_head;
    c->nq_tail = NULL;
    while (*pp) {
        trpc__notice *n = *pp;
        if (keep_done && n->kind == TRPC__N_DONE) {
            c->nq_tail = n;
            pp = &n->next;
            continue;
        }
        *pp = n->next;
        free(n);
    }
    c->nq_msgs = 0;
}

/* What every end does, whoever decided it: writes fail from now on,
 * waiting writers wake, timers and the deadline stop, the drain request
 * and queued input are dropped. */
static void end_effects(trpc_call *c)
{
    pthread_mutex_lock(&c->mu);
    atomic_store(&c->ended, true);
    c->drain_fn = NULL;
    bool drain_used = c->drain_used;
    pthread_cond_broadcast(&c->room);
    /* The worker's own event_del() never waits, so it may hold mu here;
     * a timer made meanwhile on an executor thread is on the list or sees
     * ended. */
    for (trpc_timer *t = c->timers; t; t = t->next) {
        t->armed = false;
        t->gen++;
        event_del(t->ev);
    }
    pthread_mutex_unlock(&c->mu);
    if (c->why != TRPC_DONE_FINISHED) {
        atomic_store(&c->cancelled, true);
    }
    /* (event_del() takes the base's lock: skipped when there is nothing
     * to delete, which is the usual case.) */
    if (c->dl_armed) {
        evtimer_del(c->dl_ev);
        c->dl_armed = false;
    }
    if (drain_used) {
        event_del(c->drain_ev);
    }
    free_notice_queue(c, true);
}

/* The status is decided: by the application (why FINISHED) or by the
 * runtime (rt_status set by fail()). */
static void decide(trpc_call *c, trpc_status st, trpc_done_reason why)
{
    if (c->state >= TRPC__CALL_FINISHED) {
        return;
    }
    c->state = TRPC__CALL_FINISHED;
    c->status = st;
    c->why = why;
    end_effects(c);
    if (!c->h2) {
        return;
    }
    if (why == TRPC_DONE_FINISHED && st == TRPC_STATUS_OK && c->reply) {
        trpc_error rv = trpc__out_write(c, c->reply, false);
        if (rv) {
            c->status = TRPC_STATUS_INTERNAL;
            c->why = TRPC_DONE_FAILED;
            c->rt_status = true;
            trpc__buf *b = &c->rtmsg;
            b->len = 0;
            trpc__buf_append(b, "cannot serialize the reply: ", 28);
            trpc__buf_append(b, trpc_strerror(rv), strlen(trpc_strerror(rv)) + 1);
            b->len--;
            atomic_store(&c->cancelled, true);
        }
    }
    if (why != TRPC_DONE_FINISHED) {
        trpc__out_discard(c); /* the status goes out now, not after them */
    }
    trpc__out_respond(c);
}

/* The runtime ends the call with an error status and message. */
static void fail(trpc_call *c, trpc_status st, trpc_done_reason why, const char *fmt, ...)
    TRPC_PRINTF(4, 5);
static void fail(trpc_call *c, trpc_status st, trpc_done_reason why, const char *fmt, ...)
{
    if (c->state >= TRPC__CALL_FINISHED) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    set_message(&c->rtmsg, fmt, ap);
    va_end(ap);
    c->rt_status = true;
    decide(c, st, why);
}

/* Releases the arena and request buffers once nobody can use them: the
 * call is finished, not held, and no notification can come that may look
 * at them (a method with a done notification keeps them for it; the call
 * is recycled right after it). */
static void free_memory(trpc_call *c)
{
    if (c->arena_freed || c->state < TRPC__CALL_FINISHED || c->busy ||
        (c->ent && c->ent->h.on_done) || held(c)) {
        return;
    }
    c->arena_freed = true;
    c->req = c->reply = NULL;
    trpc__arena_reset(&c->arena);
    trpc__arena_reset(&c->scratch);
    trpc__framer_release(&c->fr, BUF_KEEP); /* and its budget */
}

static void dispatch(trpc_call *c, trpc__notice_kind k, const ProtobufCMessage *msg);

/* Called whenever the worker leaves the call: frees what can be freed,
 * delivers done, recycles.  c may be gone when it returns. */
static void settle(trpc_call *c)
{
    if (c->busy) {
        return;
    }
    free_memory(c);
    if (c->state != TRPC__CALL_CLOSED) {
        return;
    }
    if (!c->done_sent) {
        if (c->ent && c->ent->h.on_done) {
            dispatch(c, TRPC__N_DONE, NULL);
            if (c->busy || !c->done_sent) {
                return; /* on the executor: settle again when it returns */
            }
        } else {
            c->done_sent = true;
        }
    }
    if (c->icpt_due) {
        c->icpt_due = false;
        const trpc__registry *r = c->env->reg;
        for (size_t i = 0; i < r->nicpt; i++) {
            if (r->icpt[i].on_done) {
                r->icpt[i].on_done(c, c->status, c->why, r->icpt[i].user);
            }
        }
    }
    if (!held(c)) {
        recycle(c);
    }
}

/* ---- notifications -------------------------------------------------------------------- */

/* Runs one notification on the current thread; its status, or PENDING. */
static trpc_status run_notice(trpc_call *c, trpc__notice_kind k, const ProtobufCMessage *msg,
                              trpc_call_cb *fn, void *arg)
{
    const trpc__method_entry *e = c->ent;
    switch (k) {
    case TRPC__N_START:
        return e->h.on_start(c, c->reply, e->impl, e->user);
    case TRPC__N_REQUEST:
    case TRPC__N_MESSAGE:
        return e->h.on_message(c, msg, c->reply, e->impl, e->user);
    case TRPC__N_END:
        return e->h.on_end(c, c->reply, e->impl, e->user);
    case TRPC__N_TIMER:
    case TRPC__N_DRAIN:
        fn(c, arg);
        break;
    case TRPC__N_DONE:
        e->h.on_done(c, c->why, e->impl, e->user);
        break;
    }
    return TRPC_PENDING;
}

/* Runs the interceptors' on_start in order (trpc_server_add_interceptor());
 * false when one ended the call. */
static bool intercept_start(trpc_call *c)
{
    const trpc__registry *r = c->env->reg;
    c->icpt_due = r->nicpt > 0;
    for (size_t i = 0; i < r->nicpt; i++) {
        const trpc_server_interceptor *ic = &r->icpt[i];
        if (!ic->on_start) {
            continue;
        }
        const char *msg = NULL;
        trpc_status st = ic->on_start(c, &msg, ic->user);
        if (st == TRPC_STATUS_OK) {
            continue;
        }
        if (!trpc_status_valid(st)) {
            fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
                 "an interceptor returned %d, which is not a gRPC status", (int)st);
        } else {
            fail(c, st, TRPC_DONE_FINISHED, "%s", msg ? msg : "");
        }
        return false;
    }
    return true;
}

/* The worker takes in a notification's result. */
static void after_notice(trpc_call *c, trpc__notice_kind k, trpc_status st)
{
    if (k == TRPC__N_DONE) {
        c->done_sent = true;
        return;
    }
    if (k != TRPC__N_START && k != TRPC__N_REQUEST && k != TRPC__N_MESSAGE &&
        k != TRPC__N_END) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    bool already = c->app_finished;
    if (st == TRPC_PENDING) {
        /* Not finished: a unary, server-streaming or end handler now holds
         * the call; a streaming-input handler waits for more input. */
        if (!already && (k == TRPC__N_REQUEST || k == TRPC__N_END)) {
            c->hold = true;
        }
        pthread_mutex_unlock(&c->mu);
        return;
    }
    if (!already) {
        c->app_finished = true;
        c->app_status = st;
    }
    pthread_mutex_unlock(&c->mu);
    /* A status returned is the application's finish: it releases a hold
     * taken earlier (trpc_call_hold() in a message notification). */
    c->finish_applied = true;
    if (already) {
        return; /* it called __finish itself; the status returned is moot */
    }
    if (!trpc_status_valid(st)) {
        fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
             "the handler returned %d, which is not a gRPC status", (int)st);
    } else {
        decide(c, st, TRPC_DONE_FINISHED);
    }
}

static void pump(trpc_call *c);

static void enqueue(trpc_call *c, trpc__notice *n)
{
    n->next = NULL;
    if (c->nq_tail) {
        c->nq_tail->next = n;
    } else {
        c->nq_head = n;
    }
    c->nq_tail = n;
    if (n->kind == TRPC__N_MESSAGE) {
        c->nq_msgs++;
    }
    pump(c);
}

static trpc__notice *notice_new(trpc__notice_kind k, size_t len)
{
    trpc__notice *n = calloc(1, sizeof *n + len);
    if (n) {
        n->kind = k;
        n->len = len;
    }
    return n;
}

/* Delivers notification k (not a timer's or drain's): inline for a method
 * on the worker, queued for one on the executor.  For TRPC__N_MESSAGE on
 * the executor, msg is not used: the caller queued the bytes. */
static void dispatch(trpc_call *c, trpc__notice_kind k, const ProtobufCMessage *msg)
{
    if (c->ent->exec) {
        trpc__notice *n = notice_new(k, 0);
        if (!n) {
            if (k == TRPC__N_DONE) {
                c->done_sent = true; /* cannot tell it; do not wait for it */
            } else {
                fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED, "out of memory");
            }
            return;
        }
        enqueue(c, n);
        return;
    }
    c->busy++;
    trpc_status st = run_notice(c, k, msg, NULL, NULL);
    c->busy--;
    after_notice(c, k, st);
}

/* Gives the stream-level window of DATA an executor call held back to
 * flow control (WINDOW_UPDATE); the connection's window was given back on
 * receipt, so a slow handler throttles its own stream only. */
static void give_back(trpc_call *c)
{
    if (c->owed && c->h2) {
        nghttp2_session_consume_stream(c->h2->ng, c->sid, c->owed);
        trpc__h2_mark(c->h2);
    }
    c->owed = 0;
}

/* Hands the pool the next notice of an executor call, if it is idle. */
static void pump(trpc_call *c)
{
    while (!c->task_out && c->nq_head) {
        trpc__notice *n = c->nq_head;
        c->nq_head = n->next;
        if (!c->nq_head) {
            c->nq_tail = NULL;
        }
        if (n->kind == TRPC__N_MESSAGE) {
            c->nq_msgs--;
        }
        bool live = c->state < TRPC__CALL_FINISHED;
        if (live && n->kind == TRPC__N_TIMER) {
            pthread_mutex_lock(&c->mu);
            live = n->timer->gen == n->gen;
            pthread_mutex_unlock(&c->mu);
        }
        if (!live && n->kind != TRPC__N_DONE) {
            free(n);
            continue;
        }
        const ProtobufCMessage *msg = NULL;
        if (n->kind == TRPC__N_MESSAGE) {
            msg = unpack(c, &c->scratch.pa, n->len, n->data);
            if (!msg) {
                free(n);
                continue;
            }
            c->msg_compressed = n->compressed; /* no task is out: nobody reads it */
        } else if (n->kind == TRPC__N_REQUEST) {
            msg = c->req;
        }
        c->task_notice = n;
        c->task_msg = msg;
        c->task_out = true;
        c->busy++;
        trpc__executor_submit(c->env->exec, &c->task);
    }
}

/* On a pool thread: runs the call's notice, then tells the worker. */
static void task_run(trpc__task *t)
{
    trpc_call *c = (trpc_call *)((char *)t - offsetof(trpc_call, task));
    trpc__notice *n = c->task_notice;
    tls_task = c;
    trpc_status st = run_notice(c, n->kind, c->task_msg, n->kind == TRPC__N_TIMER
                                                           ? n->timer->fn : n->fn,
                                n->kind == TRPC__N_TIMER ? n->timer->arg : n->arg);
    tls_task = NULL;
    c->task_status = st;
    trpc__opq_post(c->env->opq, &c->op, TRPC__OP_TASK);
}

static void task_done(trpc_call *c)
{
    trpc__notice *n = c->task_notice;
    c->task_notice = NULL;
    c->task_out = false;
    c->busy--;
    if (n->kind == TRPC__N_MESSAGE) {
        trpc__arena_reset(&c->scratch);
    }
    after_notice(c, n->kind, c->task_status);
    free(n);
    if (c->nq_msgs == 0) {
        give_back(c); /* the handler caught up: let the client send */
    }
    pump(c);
}

/* ---- request --------------------------------------------------------------------------- */

int trpc__call_on_header(trpc_call *c, const uint8_t *name, size_t namelen,
                         const uint8_t *value, size_t valuelen)
{
    /* Counted on past the limit: the connection resets the stream at
     * twice the limit (server/conn.c, header_flood). */
    c->hdr_bytes += namelen + valuelen + 32;
    int rv = 0;
    if (c->hdr_too_big) {
        return 0;
    }
    if (c->hdr_bytes > c->env->lim->max_header_list_size) {
        c->hdr_too_big = true;
        return 0;
    }
    if (namelen > 0 && name[0] == ':') {
        if (trpc__is(name, namelen, ":method")) {
            c->post = trpc__is(value, valuelen, "POST");
            if (!c->post) {
                c->web = true; /* GET (Connect), OPTIONS (CORS) or a 405 */
                c->is_get = trpc__is(value, valuelen, "GET");
                c->is_options = trpc__is(value, valuelen, "OPTIONS");
            }
        } else if (trpc__is(name, namelen, ":path")) {
            c->path.len = 0;
            if (trpc__buf_append(&c->path, value, valuelen) ||
                trpc__buf_append(&c->path, "", 1)) {
                return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
            }
        }
    } else if (trpc__is(name, namelen, "content-type")) {
        c->ct_ok = trpc__is_grpc_content_type(value, valuelen);
        if (!c->ct_ok || (valuelen > 16 && value[16] == '+')) {
            /* gRPC-Web, Connect, application/grpc+json (web.c) */
            c->ct_ok = trpc__web_content_type(c, value, valuelen);
        }
    } else if (trpc__is(name, namelen, "grpc-timeout")) {
        /* Malformed: the call fails INTERNAL, as grpc-go fails it
         * ("malformed grpc-timeout"), rather than run without the deadline
         * the client meant. */
        int64_t ms;
        if (trpc__timeout_parse(value, valuelen, &ms) != 0) {
            c->bad_timeout = true;
        } else {
            c->deadline = ms == INT64_MAX ? INT64_MAX : trpc_now_ms() + ms;
        }
    } else if (trpc__is(name, namelen, "grpc-encoding")) {
        size_t n = valuelen < sizeof c->enc - 1 ? valuelen : sizeof c->enc - 1;
        memcpy(c->enc, value, n);
        c->enc[n] = 0;
    } else if (trpc__is(name, namelen, "grpc-accept-encoding")) {
        c->accept = trpc__enc_accepted(value, valuelen);
    } else if (c->env->lim->web && !c->env->lim->web->off &&
               trpc__web_header(c, name, namelen, value, valuelen, &rv)) {
        return rv;
    } else if (!trpc__md_reserved((const char *)name, namelen)) {
        if (trpc__md_add_wire(&c->md, name, namelen, value, valuelen) == TRPC_ENOMEM) {
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
        }
    }
    return 0;
}

static const char *path_of(const trpc_call *c)
{
    return c->path.len ? (const char *)c->path.data : "";
}

/* Ends the call at the HTTP level: no gRPC status, no notification. */
static void answer_http(trpc_call *c, int code)
{
    c->state = TRPC__CALL_FINISHED;
    c->rt_status = true;
    end_effects(c);
    if (code == 204) {
        trpc__web_preflight(c);
    } else {
        trpc__out_http(c, code == 405 ? "405" : "415");
    }
}

void trpc__call_on_headers_end(trpc_call *c)
{
    if (c->state != TRPC__CALL_HEADERS) {
        return;
    }
    if (c->web) {
        int code = trpc__web_headers_end(c);
        if (code) {
            answer_http(c, code); /* a preflight, a refused GET, 405 or 415 */
            return;
        }
    } else if (!c->post || !c->ct_ok) {
        answer_http(c, !c->post ? 405 : 415);
        return;
    }
    c->busy++;
    int code = 0;
    const trpc__method_entry *e =
        c->path.len ? trpc__registry_find(c->env->reg, path_of(c)) : NULL;
    if (c->hdr_too_big) {
        fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED,
             "request headers larger than %u bytes",
             (unsigned)c->env->lim->max_header_list_size);
    } else if (c->bad_timeout) {
        fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
             "malformed grpc-timeout: at most 8 digits and a unit (H, M, S, m, u, n)");
    } else if (!e || !e->h.on_message) {
        fail(c, TRPC_STATUS_UNIMPLEMENTED, TRPC_DONE_FAILED, "%s: %s",
             e ? "method not implemented" : "unknown method",
             c->path.len ? path_of(c) : "(no :path)");
    } else if (c->proto && (code = trpc__web_route_ok(c, e)) != 0) {
        answer_http(c, code); /* this protocol cannot call that method */
    } else if (!intercept_start(c)) {
        /* an interceptor ended it: the handler hears nothing */
    } else {
        c->ent = e;
        c->state = TRPC__CALL_OPEN;
        trpc__enc z = trpc__enc_of(c->env->lim->compression);
        if (c->accept & TRPC__ENC_BIT(z)) {
            c->send_enc = z; /* before any reply: no lock needed yet */
        }
        if (trpc__kind_has_reply(e->m->kind)) {
            c->reply = trpc__arena_alloc(&c->arena, e->m->output->sizeof_message);
            if (c->reply) {
                e->m->output->message_init(c->reply);
            }
        }
        if (trpc__kind_has_reply(e->m->kind) && !c->reply) {
            fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED, "out of memory");
        } else {
            if (c->deadline != INT64_MAX) {
                trpc__timer_at(c->dl_ev, c->deadline);
                c->dl_armed = true;
            }
            if (c->bad_input) {
                fail(c, TRPC_STATUS_INVALID_ARGUMENT, TRPC_DONE_FAILED,
                     "the request message in the query is not valid (percent-encoding or "
                     "base64)");
            } else if (c->raw_in) {
                /* Connect unary: one message, the whole body, read to at
                 * most the limit (one byte more shows it is too large) */
                size_t max = c->env->lim->max_recv_message_size;
                trpc__framer_raw(&c->fr, max < UINT32_MAX - 1 ? (uint32_t)max + 1 : UINT32_MAX,
                                 c->enc[0] != 0);
                if (c->is_get && c->web_get.len) {
                    trpc__buf get = c->web_get; /* on_data may use web_get */
                    c->web_get = (trpc__buf){ 0 };
                    take_data(c, get.data, get.len, false);
                    trpc__buf_free(&get);
                }
            }
            if (trpc__kind_streams_input(e->m->kind) && e->h.on_start) {
                dispatch(c, TRPC__N_START, NULL);
            }
        }
    }
    c->busy--;
    settle(c);
}

/* Decodes a request message: protobuf, or protobuf JSON for a web call
 * that sent JSON.  NULL when it does not decode; the call then failed
 * with the status its protocol gives (gRPC and gRPC-Web: INTERNAL, as gRPC
 * servers do; Connect and any JSON: INVALID_ARGUMENT, with the codec's
 * sentence). */
static ProtobufCMessage *unpack(trpc_call *c, ProtobufCAllocator *a, size_t len,
                                const uint8_t *data)
{
    const ProtobufCMessageDescriptor *d = c->ent->m->input;
    ProtobufCMessage *m = NULL;
    if (!c->json) {
        m = protobuf_c_message_unpack(d, a, len, data);
        if (!m) {
            bool connect = c->proto == TRPC__P_CONNECT || c->proto == TRPC__P_CONNECT_STREAM;
            fail(c, connect ? TRPC_STATUS_INVALID_ARGUMENT : TRPC_STATUS_INTERNAL,
                 TRPC_DONE_FAILED, "cannot decode the request message");
        }
        return m;
    }
    char err[200];
    err[0] = 0;
    trpc_json_opts o = TRPC_JSON_OPTS(.registry = NULL);
    trpc_error rv = trpc_json_decode(d, (const char *)data, len, &o, a, &m, err, sizeof err);
    if (rv == TRPC_ENOMEM) {
        fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED, "out of memory");
    } else if (rv) {
        fail(c, TRPC_STATUS_INVALID_ARGUMENT, TRPC_DONE_FAILED,
             "cannot decode the request message from JSON: %s", err);
    }
    return rv ? NULL : m;
}

/* One complete request message is in c->fr.body. */
static void on_message(trpc_call *c)
{
    const uint8_t *data = c->fr.body.data ? c->fr.body.data : (const uint8_t *)"";
    size_t len = c->fr.msg_len;
    bool compressed = c->fr.hdr[0] & 1;
    if (compressed) {
        /* Compressed (gRPC's doc/compression.md): inflate per grpc-encoding,
         * never past max_recv_message_size. */
        size_t max = c->env->lim->max_recv_message_size;
        trpc__enc e = trpc__enc_parse((const uint8_t *)c->enc, strlen(c->enc));
        trpc_error zr = e == TRPC__ENC_IDENTITY ? TRPC_EINVAL
                        : e == TRPC__ENC_OTHER  ? TRPC_ENOENT
                                                : trpc__inflate(e, data, len, max, &c->zbuf);
        switch (zr) {
        case TRPC_OK: break;
        case TRPC_EINVAL:
            fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
                 "compressed message without grpc-encoding");
            return;
        case TRPC_ENOENT:
            fail(c, TRPC_STATUS_UNIMPLEMENTED, TRPC_DONE_FAILED,
                 "message compression \"%s\" is not supported (accepted: %s)", c->enc,
                 TRPC__ACCEPT_ENCODING);
            return;
        case TRPC_ETOOBIG:
            fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED,
                 "received message larger than max when decompressed (max %zu)", max);
            return;
        case TRPC_EDECODE:
            fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
                 "cannot decompress the request message (%s)", c->enc);
            return;
        default:
            fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED, "out of memory");
            return;
        }
        data = c->zbuf.data ? c->zbuf.data : (const uint8_t *)"";
        len = c->zbuf.len;
    }
    const trpc_method *m = c->ent->m;
    if (!trpc__kind_streams_input(m->kind)) {
        if (c->nreq > 0) {
            fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
                 "more than one request message for %s", path_of(c));
            return;
        }
        c->msg_compressed = compressed; /* no handler runs before this request's */
        c->req = unpack(c, &c->arena.pa, len, data);
        if (!c->req) {
            return;
        }
        c->nreq++;
        return;
    }
    if (c->ent->exec) {
        trpc__notice *n = notice_new(TRPC__N_MESSAGE, len);
        if (!n) {
            fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED, "out of memory");
            return;
        }
        memcpy(n->data, data, len);
        n->compressed = compressed; /* the pool may be running an earlier one */
        enqueue(c, n);
        return;
    }
    ProtobufCMessage *msg = unpack(c, &c->scratch.pa, len, data);
    if (!msg) {
        return;
    }
    c->msg_compressed = compressed;
    dispatch(c, TRPC__N_MESSAGE, msg);
    trpc__arena_reset(&c->scratch);
}

void trpc__call_on_data(trpc_call *c, const uint8_t *data, size_t len)
{
    bool exec = c->state == TRPC__CALL_OPEN && c->ent->exec &&
                trpc__kind_streams_input(c->ent->m->kind);
    if (!exec) {
        /* Consumed as it arrives (or dropped, past the end); the reading
         * connection flushes the WINDOW_UPDATE. */
        nghttp2_session_consume(c->h2->ng, c->sid, len);
    } else {
        nghttp2_session_consume_connection(c->h2->ng, len);
        c->owed += len;
    }
    if (c->state != TRPC__CALL_OPEN) {
        return;
    }
    take_data(c, data, len, exec);
}

/* Request body bytes for an open call (flow control was seen to). */
static void take_data(trpc_call *c, const uint8_t *data, size_t len, bool exec)
{
    c->busy++;
    if (c->proto == TRPC__P_WEB_TEXT) {
        /* gRPC-Web text: base64 chunks, decoded into web_get (free for a
         * POST) before the framing is read. */
        if (!trpc__web_unbase64(c, data, len, &c->web_get)) {
            fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
                 "the grpc-web-text request body is not base64");
        }
        data = c->web_get.data;
        len = c->web_get.len;
    }
    size_t max = c->env->lim->max_recv_message_size;
    while (c->state == TRPC__CALL_OPEN) {
        trpc__frame_ev ev = trpc__framer_feed(&c->fr, &data, &len, max);
        if (ev == TRPC__FRAME_MESSAGE && c->raw_in) {
            /* Connect unary: the body reached the limit plus one byte */
            fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED,
                 "received message larger than max (%zu)", max);
        } else if (ev == TRPC__FRAME_MESSAGE) {
            on_message(c);
            trpc__framer_next(&c->fr);
        } else if (ev == TRPC__FRAME_TOO_BIG) {
            fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED,
                 "received message larger than max (%u vs. %zu)",
                 (unsigned)c->fr.msg_len, max);
        } else if (ev == TRPC__FRAME_NOMEM) {
            fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED, "out of memory");
        } else if (ev == TRPC__FRAME_OVER_BUDGET) {
            /* The server's budget for buffered messages is spent: this
             * call gives way (its buffer goes back when it settles). */
            fail(c, TRPC_STATUS_RESOURCE_EXHAUSTED, TRPC_DONE_FAILED,
                 "server memory budget for buffered messages exhausted");
        } else {
            break; /* all consumed */
        }
    }
    /* An executor call keeps the stream window of what its handler has not
     * taken yet: the client waits for the handler. */
    if (exec && ((c->nq_msgs == 0 && !c->task_out) || c->state != TRPC__CALL_OPEN)) {
        give_back(c);
    }
    c->busy--;
    settle(c);
}

void trpc__call_on_input_end(trpc_call *c)
{
    if (c->input_ended) {
        return;
    }
    c->input_ended = true;
    if (c->state != TRPC__CALL_OPEN) {
        return;
    }
    c->busy++;
    if (c->raw_in) {
        /* Connect unary: the whole body was the message */
        c->fr.msg_len = (uint32_t)c->fr.body.len;
        on_message(c);
        trpc__framer_next(&c->fr);
    }
    if (c->state != TRPC__CALL_OPEN) {
        /* the message failed */
    } else if (c->nb64q) {
        fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
             "the grpc-web-text request body ends inside a base64 quantum");
    } else if (trpc__framer_partial(&c->fr)) {
        fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED,
             "request stream ended inside a message");
    } else if (!trpc__kind_streams_input(c->ent->m->kind)) {
        if (c->nreq != 1) {
            fail(c, TRPC_STATUS_INTERNAL, TRPC_DONE_FAILED, "missing request message for %s",
                 path_of(c));
        } else {
            dispatch(c, TRPC__N_REQUEST, c->req);
        }
    } else {
        dispatch(c, TRPC__N_END, NULL);
    }
    c->busy--;
    settle(c);
}

/* ---- the end of the stream ------------------------------------------------------------- */

void trpc__call_on_end_sent(trpc_call *c)
{
    c->trailers_sent = true;
    /* The response is complete while the client still sends: stop it
     * (RFC 9113 8.1; the client keeps the response).  Not for the web
     * protocols: HTTP clients (curl, browsers) take the reset for a failed
     * request, so the rest of the body is read and dropped instead. */
    if (!c->input_ended && c->proto == TRPC__P_GRPC) {
        trpc__out_reset(c, NGHTTP2_NO_ERROR);
    }
}

void trpc__call_on_close(trpc_call *c, trpc__close_cause cause)
{
    if (c->state == TRPC__CALL_CLOSED || c->state == TRPC__CALL_FREE) {
        return;
    }
    c->owed = 0;
    c->h2 = NULL;
    bool lost = cause == TRPC__CLOSE_CONNECTION;
    if (c->state < TRPC__CALL_FINISHED) {
        c->status = lost ? TRPC_STATUS_UNAVAILABLE : TRPC_STATUS_CANCELLED;
        c->why = lost ? TRPC_DONE_CONNECTION_LOST : TRPC_DONE_CANCELLED;
        end_effects(c);
    } else if (!c->trailers_sent && c->why == TRPC_DONE_FINISHED) {
        /* The application's status never left. */
        c->status = lost ? TRPC_STATUS_UNAVAILABLE : TRPC_STATUS_CANCELLED;
        c->why = lost ? TRPC_DONE_CONNECTION_LOST : TRPC_DONE_CANCELLED;
        atomic_store(&c->cancelled, true);
    }
    atomic_store(&c->final, (int)c->status);
    c->state = TRPC__CALL_CLOSED;
    settle(c);
}

void trpc__call_cancel_for_shutdown(trpc_call *c)
{
    if (!c->h2 || c->state == TRPC__CALL_CLOSED) {
        return;
    }
    c->busy++;
    if (c->state < TRPC__CALL_FINISHED) {
        c->state = TRPC__CALL_FINISHED;
        c->status = TRPC_STATUS_CANCELLED;
        c->why = TRPC_DONE_SHUTDOWN;
        c->rt_status = true;
        end_effects(c);
    } else if (!c->trailers_sent) {
        c->status = TRPC_STATUS_CANCELLED;
        c->why = TRPC_DONE_SHUTDOWN;
        atomic_store(&c->cancelled, true);
    }
    trpc__out_reset(c, NGHTTP2_CANCEL);
    c->busy--;
    settle(c);
}

/* ---- timers, drain, deadline ------------------------------------------------------------ */

static void deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc_call *c = arg;
    c->dl_armed = false;
    c->busy++;
    fail(c, TRPC_STATUS_DEADLINE_EXCEEDED, TRPC_DONE_DEADLINE, "Deadline Exceeded");
    c->busy--;
    settle(c);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc_timer *t = arg;
    trpc_call *c = t->call;
    pthread_mutex_lock(&c->mu);
    bool fire = t->armed && c->state < TRPC__CALL_FINISHED;
    t->armed = false;
    unsigned gen = t->gen;
    pthread_mutex_unlock(&c->mu);
    if (!fire) {
        return;
    }
    c->busy++;
    if (c->ent && c->ent->exec) {
        trpc__notice *n = notice_new(TRPC__N_TIMER, 0);
        if (n) {
            n->timer = t;
            n->gen = gen;
            enqueue(c, n);
        }
    } else {
        t->fn(c, t->arg);
    }
    c->busy--;
    settle(c);
}

trpc_error trpc__call_timer_new(trpc_call *c, trpc_call_cb *fn, void *arg, trpc_timer **out)
{
    /* The lists are changed under mu: on the executor this runs on a pool
     * thread while the worker may be ending the call. */
    pthread_mutex_lock(&c->mu);
    if (atomic_load(&c->ended)) {
        pthread_mutex_unlock(&c->mu);
        return TRPC_ECLOSED;
    }
    trpc_timer *t = c->spare_timers;
    if (t) {
        c->spare_timers = t->next;
    } else {
        t = calloc(1, sizeof *t);
        if (t && !(t->ev = evtimer_new(c->env->loop->base, timer_cb, t))) {
            free(t);
            t = NULL;
        }
    }
    if (t) {
        t->call = c;
        t->fn = fn;
        t->arg = arg;
        t->armed = false;
        t->next = c->timers;
        c->timers = t;
    }
    pthread_mutex_unlock(&c->mu);
    if (!t) {
        return TRPC_ENOMEM;
    }
    *out = t;
    return TRPC_OK;
}

void trpc__call_drain_soon(trpc_call *c) { event_active(c->drain_ev, EV_TIMEOUT, 0); }

static void drain_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc_call *c = arg;
    pthread_mutex_lock(&c->mu);
    trpc_call_cb *fn = NULL;
    void *farg = NULL;
    if (c->drain_fn && trpc__out_drained(c, trpc__buf_avail(&c->out)) &&
        c->state < TRPC__CALL_FINISHED) {
        fn = c->drain_fn;
        farg = c->drain_arg;
        c->drain_fn = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (!fn) {
        return;
    }
    c->busy++;
    if (c->ent && c->ent->exec) {
        trpc__notice *n = notice_new(TRPC__N_DRAIN, 0);
        if (n) {
            n->fn = fn;
            n->arg = farg;
            enqueue(c, n);
        }
    } else {
        fn(c, farg);
    }
    c->busy--;
    settle(c);
}

/* ---- ops from other threads, and their worker-side twins ---------------------------------- */

void trpc__call_sent(trpc_call *c)
{
    if (trpc__call_on_worker(c)) {
        trpc__out_kick(c);
    } else {
        trpc__opq_post(c->env->opq, &c->op, TRPC__OP_SEND);
    }
}

static void apply_finish(trpc_call *c)
{
    c->finish_applied = true;
    if (c->state < TRPC__CALL_FINISHED) {
        decide(c, c->app_status, TRPC_DONE_FINISHED);
    }
}

void trpc__call_finished_by_app(trpc_call *c)
{
    if (!trpc__call_on_worker(c)) {
        trpc__opq_post(c->env->opq, &c->op, TRPC__OP_FINISH);
        return;
    }
    c->busy++;
    apply_finish(c);
    c->busy--;
    settle(c);
}

void trpc__call_run_ops(trpc_call *c, unsigned ops)
{
    c->busy++;
    if ((ops & TRPC__OP_SEND) && c->state != TRPC__CALL_CLOSED) {
        trpc__out_kick(c);
    }
    if (ops & TRPC__OP_FINISH) {
        apply_finish(c);
    }
    if (ops & TRPC__OP_TASK) {
        task_done(c);
    }
    c->busy--;
    settle(c);
}
