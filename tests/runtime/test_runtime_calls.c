/*
 * test_runtime_calls.c: the life of a server call, end to end: the start,
 * message, end and done notifications and their order, every done reason
 * (finished, cancelled, deadline, connection lost, shutdown, failed),
 * holds (finishing from another thread, also after cancellation), timers
 * (order, stop, stopped when the call ends, context rules) and the
 * executor (a blocked handler does not stall its worker, which still
 * answers PINGs; a call's notifications run one at a time and in order;
 * streamed input is held back by flow control while the handler is busy).
 *
 * The server runs a test implementation of echo.Echo (calls_impl below)
 * whose behaviour each request's mode selects, and records every done
 * notification in a log the tests wait on.  Nothing asserts on timing:
 * orders come from deadlines (libevent fires due timers in deadline order)
 * or from explicit hand-offs between threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "echo_impl.h"
#include "helloworld.trpc.h"
#include "rt_util.h"

/* Checks made on server threads (cmocka's assertions work on the test's
 * thread only): the first failing line is kept and asserted on later. */
static atomic_int bad_line;
#define CHECK(c)                                           \
    do {                                                   \
        if (!(c)) {                                        \
            int zero_ = 0;                                 \
            atomic_compare_exchange_strong(&bad_line, &zero_, __LINE__); \
        }                                                  \
    } while (0)

static void assert_no_bad(void)
{
    int line = atomic_load(&bad_line);
    if (line) {
        fail_msg("a check on a server thread failed at line %d", line);
    }
}

static void on_stray_timer(trpc_call *call, void *arg);

/* ---- the done log ---------------------------------------------------------------- */

typedef struct done_entry {
    char path[64];
    char peer[64];
    char seq[160];           /* the call's notifications, in order */
    trpc_done_reason why;
    trpc_status status;      /* trpc_call_status() in done */
    bool cancelled;          /* trpc_call_is_cancelled() in done */
    trpc_error timer_rv;     /* trpc_timer_new() in done: the call has ended */
} done_entry;

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_cv = PTHREAD_COND_INITIALIZER;
static done_entry done_log[256];
static int ndone;

static void log_reset(void)
{
    pthread_mutex_lock(&log_mu);
    ndone = 0;
    pthread_mutex_unlock(&log_mu);
}

/* Waits (bounded) for the n-th done notification and returns a copy. */
static done_entry log_wait(int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&log_mu);
    while (ndone < n) {
        if (pthread_cond_timedwait(&log_cv, &log_mu, &until) != 0) {
            break;
        }
    }
    int have = ndone;
    done_entry e = have >= n ? done_log[n - 1] : (done_entry){ .why = (trpc_done_reason)-1 };
    pthread_mutex_unlock(&log_mu);
    if (have < n) {
        fail_msg("only %d done notifications, waited for %d", have, n);
    }
    return e;
}

/* Per-call state of the streaming methods: the notifications seen. */
typedef struct cstate {
    char seq[128];
    int messages;
    atomic_int inside;       /* a notification is running (executor checks) */
    atomic_int overlaps;
} cstate;

static void seq_add(trpc_call *call, const char *what)
{
    cstate *st = trpc_call_data(call);
    if (st && strlen(st->seq) + strlen(what) + 1 < sizeof st->seq) {
        strcat(st->seq, what);
    }
}

static void record_done(trpc_call *call, trpc_done_reason why, cstate *st)
{
    done_entry e = { .why = why, .status = trpc_call_status(call),
                     .cancelled = trpc_call_is_cancelled(call) };
    snprintf(e.path, sizeof e.path, "%s", trpc_call_path(call));
    snprintf(e.peer, sizeof e.peer, "%s", trpc_call_peer(call));
    if (st) {
        snprintf(e.seq, sizeof e.seq, "%sD", st->seq);
        free(st);
    }
    trpc_timer *t;
    e.timer_rv = trpc_timer_new(&t, call, on_stray_timer, NULL);
    pthread_mutex_lock(&log_mu);
    if (ndone < 256) {
        done_log[ndone++] = e;
    }
    pthread_cond_broadcast(&log_cv);
    pthread_mutex_unlock(&log_mu);
}

/* ---- the implementation ------------------------------------------------------------------ */

static atomic_int stray_timer_fires;    /* timers that must never fire */
static atomic_int late_finish_closed;   /* held calls finished after they ended */
static sem_t release_sleeper;           /* lets an executor handler go */
static atomic_int sleeper_released;
static atomic_long worker_thread;       /* pthread_self() of the worker */
static atomic_long timer_thread;        /* of an executor call's timer callback */
static atomic_long handler_thread;      /* of an executor call's handler */
static atomic_int handler_entries;      /* unary handlers entered */

static bool mode_is(const Echo__EchoRequest *req, const char *m)
{
    return req->mode && strcmp(req->mode, m) == 0;
}

/* Timers: each fires once, appends its name, the last finishes the call. */
typedef struct tstate {
    Echo__Echo_Unary_Call *call;
    Echo__EchoReply *reply;
    char order[32];
    int fired, expect;
    bool record_thread;
} tstate;

typedef struct targ {
    tstate *ts;
    char name;
} targ;

static void on_timer(trpc_call *call, void *arg)
{
    targ *a = arg;
    tstate *ts = a->ts;
    if (ts->record_thread) {
        atomic_store(&timer_thread, (long)pthread_self());
        trpc_timer *t; /* in the call's context: it may make timers */
        CHECK(trpc_timer_new(&t, call, on_stray_timer, NULL) == TRPC_OK);
    }
    size_t n = strlen(ts->order);
    ts->order[n] = a->name;
    ts->order[n + 1] = 0;
    if (++ts->fired == ts->expect) {
        ts->reply->text = trpc_call_strdup(call, ts->order);
        echo__echo__unary__finish_call(ts->call, TRPC_STATUS_OK);
    }
}

static void on_stray_timer(trpc_call *call, void *arg)
{
    (void)call;
    (void)arg;
    atomic_fetch_add(&stray_timer_fires, 1);
}

typedef struct holder {
    Echo__Echo_Unary_Call *call;
    trpc_error rv;
    trpc_error timer_rv;
} holder;

/* Waits for the call to be cancelled, then finishes it: only the hold is
 * released (TRPC_ECLOSED). */
static void *finish_after_cancel(void *arg)
{
    holder *h = arg;
    for (int i = 0; i < 4000 && !trpc_call_is_cancelled(h->call->base); i++) {
        echo_sleep_ms(5);
    }
    if (echo__echo__unary__finish_call(h->call, TRPC_STATUS_OK) == TRPC_ECLOSED) {
        atomic_fetch_add(&late_finish_closed, 1);
    }
    free(h);
    return NULL;
}

static void *finish_now(void *arg)
{
    holder *h = arg;
    trpc_timer *t;
    h->timer_rv = trpc_timer_new(&t, h->call->base, on_stray_timer, NULL);
    h->rv = echo__echo__unary__finish_call(h->call, TRPC_STATUS_OK);
    return NULL;
}

static trpc_status unary(Echo__Echo_Unary_Call *call, const Echo__EchoRequest *req,
                         Echo__EchoReply *reply, void *user)
{
    (void)user;
    trpc_call *base = call->base;
    atomic_fetch_add(&handler_entries, 1);
    if (mode_is(req, "ok")) {
        reply->text = req->text;
        return TRPC_STATUS_OK;
    }
    if (mode_is(req, "hold_until_cancel")) {
        holder *h = calloc(1, sizeof *h);
        h->call = call;
        pthread_t th;
        pthread_create(&th, NULL, finish_after_cancel, h);
        pthread_detach(th);
        return TRPC_PENDING;
    }
    if (mode_is(req, "timers")) {
        /* req->text: one letter per timer; its delay is count ms times its
         * position from the end, so they are due in reverse order. */
        tstate *ts = malloc(sizeof *ts); /* read by done: not from the arena */
        *ts = (tstate){ call, reply, "", 0, (int)strlen(req->text), false };
        trpc_call_set_data(base, ts);
        for (int i = 0; i < ts->expect; i++) {
            targ *a = trpc_call_alloc(base, sizeof *a);
            *a = (targ){ ts, req->text[i] };
            trpc_timer *t;
            CHECK(trpc_timer_new(&t, base, on_timer, a) == TRPC_OK);
            CHECK(trpc_timer_start(t, (int64_t)req->count * (ts->expect - i)) == TRPC_OK);
        }
        return TRPC_PENDING;
    }
    if (mode_is(req, "timer_stop")) {
        /* a (stopped, due first), b (restarted), c: the order is "bc" */
        tstate *ts = malloc(sizeof *ts);
        *ts = (tstate){ call, reply, "", 0, 2, false };
        trpc_call_set_data(base, ts);
        trpc_timer *t[3];
        for (int i = 0; i < 3; i++) {
            targ *a = trpc_call_alloc(base, sizeof *a);
            *a = (targ){ ts, (char)('a' + i) };
            CHECK(trpc_timer_new(&t[i], base, on_timer, a) == TRPC_OK);
        }
        trpc_timer_start(t[0], 5);
        trpc_timer_start(t[1], 1000000); /* restarted below, sooner */
        trpc_timer_start(t[2], 60);
        trpc_timer_stop(t[0]);
        trpc_timer_stop(t[0]); /* harmless twice */
        trpc_timer_start(t[1], 30);
        return TRPC_PENDING;
    }
    if (mode_is(req, "timer_outlives")) {
        /* The call ends now; its timer must never fire. */
        trpc_timer *t;
        CHECK(trpc_timer_new(&t, base, on_stray_timer, NULL) == TRPC_OK);
        CHECK(trpc_timer_start(t, req->count) == TRPC_OK);
        return TRPC_STATUS_OK;
    }
    if (mode_is(req, "api")) {
        /* The rules of holds, finishing and timers, checked from inside. */
        trpc_timer *t;
        CHECK(trpc_timer_new(&t, base, on_stray_timer, NULL) == TRPC_OK);
        CHECK(trpc_timer_start(t, -1) == TRPC_EINVAL);
        CHECK(trpc_timer_new(NULL, base, on_stray_timer, NULL) == TRPC_EINVAL);
        CHECK(trpc_timer_new(&t, base, NULL, NULL) == TRPC_EINVAL);
        CHECK(trpc_call_hold(base) == TRPC_OK);
        CHECK(trpc_call_hold(base) == TRPC_OK); /* idempotent */
        CHECK(trpc_call_finish(base, TRPC_PENDING) == TRPC_EINVAL);
        CHECK(trpc_call_finish(base, (trpc_status)17) == TRPC_EINVAL);
        CHECK(trpc_call_wait_writable(base, 0) == TRPC_ESTATE); /* on the worker */
        CHECK(trpc_call_send(base, &reply->base) == TRPC_EINVAL); /* unary */
        reply->text = "from a thread";
        holder h = { call, TRPC_EINVAL, TRPC_OK };
        pthread_t th;
        pthread_create(&th, NULL, finish_now, &h);
        pthread_join(th, NULL);
        CHECK(h.timer_rv == TRPC_ESTATE); /* not the call's context */
        CHECK(h.rv == TRPC_OK);
        CHECK(trpc_call_hold(base) == TRPC_ESTATE); /* finished */
        CHECK(trpc_call_finish(base, TRPC_STATUS_OK) == TRPC_ESTATE);
        CHECK(trpc_call_add_trailer(base, "x-late", "v", 1) == TRPC_ECLOSED);
        return TRPC_STATUS_ABORTED; /* moot: the thread finished it */
    }
    if (mode_is(req, "sleep")) {
        /* On the executor: block the thread, as a database client would,
         * until the test lets it go (or 10 s pass). */
        atomic_store(&handler_thread, (long)pthread_self());
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (sem_timedwait(&release_sleeper, &until) == 0) {
            atomic_store(&sleeper_released, 1);
        }
        return TRPC_STATUS_OK;
    }
    if (mode_is(req, "exec_timer")) {
        /* On the executor: a timer's callback runs in the call's context,
         * an executor thread; it may make timers itself and finish. */
        atomic_store(&handler_thread, (long)pthread_self());
        tstate *ts = malloc(sizeof *ts);
        *ts = (tstate){ call, reply, "", 0, 1, true };
        trpc_call_set_data(base, ts);
        targ *a = trpc_call_alloc(base, sizeof *a);
        *a = (targ){ ts, 'x' };
        trpc_timer *t;
        CHECK(trpc_timer_new(&t, base, on_timer, a) == TRPC_OK);
        CHECK(trpc_timer_start(t, 5) == TRPC_OK);
        return TRPC_PENDING;
    }
    return trpc_call_error(base, TRPC_STATUS_INVALID_ARGUMENT, "mode?");
}

static void unary_done(Echo__Echo_Unary_Call *call, trpc_done_reason why, void *user)
{
    (void)user;
    /* A call held for its timers that ended before they finished it (the
     * client cancelled): its owner still finishes it, which releases it. */
    tstate *ts = trpc_call_data(call->base);
    if (ts) {
        if (ts->fired < ts->expect) {
            CHECK(echo__echo__unary__finish_call(call, TRPC_STATUS_OK) == TRPC_ECLOSED);
        }
        free(ts);
    }
    record_done(call->base, why, NULL);
}

/* Server streaming: a thread takes the held call, writes, finishes. */
typedef struct sholder {
    Echo__Echo_ServerStream_Call *call;
    int n;
} sholder;

static void *stream_from_thread(void *arg)
{
    sholder *h = arg;
    for (int i = 0; i < h->n; i++) {
        Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
        r.index = i;
        trpc_error rv;
        while ((rv = echo__echo__server_stream__write(h->call, &r)) == TRPC_EFULL) {
            trpc_call_wait_writable(h->call->base, -1);
        }
        if (rv != TRPC_OK) {
            break;
        }
    }
    echo__echo__server_stream__finish_call(h->call, TRPC_STATUS_OK);
    free(h);
    return NULL;
}

static trpc_status server_stream(Echo__Echo_ServerStream_Call *call,
                                 const Echo__EchoRequest *req, void *user)
{
    (void)user;
    sholder *h = malloc(sizeof *h);
    *h = (sholder){ call, req->count };
    pthread_t th;
    pthread_create(&th, NULL, stream_from_thread, h);
    pthread_detach(th);
    return TRPC_PENDING; /* held: the thread finishes it */
}

static void server_stream_done(Echo__Echo_ServerStream_Call *call, trpc_done_reason why,
                               void *user)
{
    (void)user;
    record_done(call->base, why, NULL);
}

/* Client streaming and bidi record their notifications: S M.. E D. */
static trpc_status cs_start(Echo__Echo_ClientStream_Call *call, const trpc_metadata *md,
                            Echo__EchoReply *reply, void *user)
{
    (void)reply;
    (void)user;
    cstate *st = calloc(1, sizeof *st);
    trpc_call_set_data(call->base, st);
    seq_add(call->base, trpc_metadata_get(md, "x-tag", NULL) ? "S+" : "S");
    return TRPC_PENDING;
}

static trpc_status cs_message(Echo__Echo_ClientStream_Call *call, const Echo__EchoRequest *req,
                              Echo__EchoReply *reply, void *user)
{
    (void)user;
    cstate *st = trpc_call_data(call->base);
    seq_add(call->base, "M");
    st->messages++;
    if (req->code) {
        reply->index = st->messages;
        return (trpc_status)req->code; /* finishes before the client half-closes */
    }
    return TRPC_PENDING;
}

static trpc_status cs_end(Echo__Echo_ClientStream_Call *call, Echo__EchoReply *reply, void *user)
{
    (void)user;
    cstate *st = trpc_call_data(call->base);
    seq_add(call->base, "E");
    reply->index = st->messages;
    return TRPC_STATUS_OK;
}

static void cs_done(Echo__Echo_ClientStream_Call *call, trpc_done_reason why, void *user)
{
    (void)user;
    record_done(call->base, why, trpc_call_data(call->base));
}

static void enter(trpc_call *call)
{
    cstate *st = trpc_call_data(call);
    if (atomic_fetch_add(&st->inside, 1) != 0) {
        atomic_fetch_add(&st->overlaps, 1);
    }
}

static void leave(trpc_call *call)
{
    cstate *st = trpc_call_data(call);
    atomic_fetch_sub(&st->inside, 1);
}

static trpc_status bidi_start(Echo__Echo_Bidi_Call *call, const trpc_metadata *md, void *user)
{
    (void)md;
    (void)user;
    cstate *st = calloc(1, sizeof *st);
    trpc_call_set_data(call->base, st);
    enter(call->base);
    seq_add(call->base, "S");
    leave(call->base);
    return TRPC_PENDING;
}

static trpc_status bidi_message(Echo__Echo_Bidi_Call *call, const Echo__EchoRequest *req,
                                void *user)
{
    (void)user;
    enter(call->base);
    cstate *st = trpc_call_data(call->base);
    char m[16];
    snprintf(m, sizeof m, "M%d", req->count);
    seq_add(call->base, m);
    st->messages++;
    if (mode_is(req, "hold")) {
        CHECK(trpc_call_hold(call->base) == TRPC_OK); /* released by end's status */
    }
    if (mode_is(req, "block")) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 10;
        if (sem_timedwait(&release_sleeper, &until) == 0) {
            atomic_store(&sleeper_released, 1);
        }
    } else if (req->sleep_ms) {
        echo_sleep_ms(req->sleep_ms);
    }
    Echo__EchoReply r = ECHO__ECHO_REPLY__INIT;
    r.index = req->count;
    echo__echo__bidi__write(call, &r);
    leave(call->base);
    return TRPC_PENDING;
}

static trpc_status bidi_end(Echo__Echo_Bidi_Call *call, void *user)
{
    (void)user;
    enter(call->base);
    seq_add(call->base, "E");
    leave(call->base);
    return TRPC_STATUS_OK;
}

static void bidi_done(Echo__Echo_Bidi_Call *call, trpc_done_reason why, void *user)
{
    (void)user;
    cstate *st = trpc_call_data(call->base);
    if (st && atomic_load(&st->overlaps)) {
        seq_add(call->base, "!overlap!");
    }
    record_done(call->base, why, st);
}

static const Echo__Echo_Impl calls_impl = {
    .unary = unary,
    .unary_done = unary_done,
    .server_stream = server_stream,
    .server_stream_done = server_stream_done,
    .client_stream = cs_message,
    .client_stream_start = cs_start,
    .client_stream_end = cs_end,
    .client_stream_done = cs_done,
    .bidi = bidi_message,
    .bidi_start = bidi_start,
    .bidi_end = bidi_end,
    .bidi_done = bidi_done,
};

static trpc_status say_hello(Helloworld__Greeter_SayHello_Call *call,
                             const Helloworld__HelloRequest *req, Helloworld__HelloReply *reply,
                             void *user)
{
    (void)user;
    atomic_store(&worker_thread, (long)pthread_self());
    reply->message = trpc_call_strdup(call->base, req->name);
    return TRPC_STATUS_OK;
}

static const Helloworld__Greeter_Impl greeter_impl = { .say_hello = say_hello };

/* ---- servers and clients --------------------------------------------------------------- */

static trpc_server *srv;   /* one worker, everything on it */
static int port;
static trpc_channel *ch;
static Echo__Echo_Client *echo;

static trpc_server *start_server(const char *exec_name, const char *exec_name2, int *p)
{
    trpc_server *s = NULL;
    trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 1, .executor_threads = 2);
    assert_int_equal(trpc_server_new(&s, &o), TRPC_OK);
    assert_int_equal(echo__echo__serve(s, &calls_impl, NULL), TRPC_OK);
    assert_int_equal(helloworld__greeter__serve(s, &greeter_impl, NULL), TRPC_OK);
    if (exec_name) {
        assert_int_equal(trpc_server_use_executor(s, exec_name), TRPC_OK);
    }
    if (exec_name2) {
        assert_int_equal(trpc_server_use_executor(s, exec_name2), TRPC_OK);
    }
    assert_int_equal(trpc_server_listen(s, "127.0.0.1:0", p), TRPC_OK);
    assert_int_equal(trpc_server_start(s), TRPC_OK);
    return s;
}

static int setup_all(void **state)
{
    (void)state;
    sem_init(&release_sleeper, 0, 0);
    srv = start_server(NULL, NULL, &port);
    ch = rt_channel("127.0.0.1:%d", port);
    echo = echo__echo__client(ch);
    return 0;
}

static int teardown_all(void **state)
{
    (void)state;
    trpc_channel_free(ch);
    trpc_server_free(srv);
    sem_destroy(&release_sleeper);
    return 0;
}

static trpc_status unary_mode(Echo__Echo_Client *c, const char *mode, const char *text,
                              int count, const trpc_call_opts *opts, char **text_out)
{
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = (char *)mode;
    req.text = (char *)text;
    req.count = count;
    Echo__EchoReply *reply = NULL;
    trpc_status st = echo__echo__unary(c, &req, &reply, opts);
    if (text_out) {
        *text_out = reply && reply->text ? strdup(reply->text) : NULL;
    }
    echo__echo_reply__free_unpacked(reply, NULL);
    return st;
}

/* ---- notifications and done reasons ------------------------------------------------------ */

static void test_done_finished(void **state)
{
    (void)state;
    log_reset();
    char *text = NULL;
    assert_int_equal(unary_mode(echo, "ok", "hi", 0, NULL, &text), TRPC_STATUS_OK);
    assert_string_equal(text, "hi");
    free(text);
    done_entry e = log_wait(1);
    assert_int_equal(e.why, TRPC_DONE_FINISHED);
    assert_int_equal(e.status, TRPC_STATUS_OK);
    assert_false(e.cancelled);
    assert_string_equal(e.path, "/echo.Echo/Unary");
    assert_int_equal(strncmp(e.peer, "ipv4:127.0.0.1:", 15), 0);
    assert_true(atoi(e.peer + 15) > 0); /* the client's port */
    assert_int_equal(e.timer_rv, TRPC_ECLOSED); /* no timers once ended */
    /* an error status is the application's too */
    assert_int_equal(unary_mode(echo, "nonsense", "", 0, NULL, NULL),
                     TRPC_STATUS_INVALID_ARGUMENT);
    e = log_wait(2);
    assert_int_equal(e.why, TRPC_DONE_FINISHED);
    assert_int_equal(e.status, TRPC_STATUS_INVALID_ARGUMENT);
    assert_string_equal(trpc_done_reason_name(TRPC_DONE_CONNECTION_LOST), "CONNECTION_LOST");
}

static void test_start_end_order(void **state)
{
    (void)state;
    log_reset();
    /* client streaming: S, a message each, E, then D; start sees metadata */
    trpc_metadata *md;
    trpc_metadata_new(&md);
    trpc_metadata_add_str(md, "x-tag", "t");
    Echo__Echo_ClientStream_Stream *cs;
    assert_int_equal(echo__echo__client_stream__start(&cs, echo, &TRPC_CALL_OPTS(.metadata = md)),
                     TRPC_OK);
    Echo__EchoRequest m = ECHO__ECHO_REQUEST__INIT;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(echo__echo__client_stream__send(cs, &m), TRPC_OK);
    }
    Echo__EchoReply *reply = NULL;
    assert_int_equal(echo__echo__client_stream__finish(cs, &reply), TRPC_STATUS_OK);
    assert_int_equal(reply->index, 3);
    echo__echo_reply__free_unpacked(reply, NULL);
    done_entry e = log_wait(1);
    assert_string_equal(e.seq, "S+MMMED");
    assert_int_equal(e.why, TRPC_DONE_FINISHED);
    trpc_metadata_free(md);
    /* no message at all: S E D */
    assert_int_equal(echo__echo__client_stream__start(&cs, echo, NULL), TRPC_OK);
    assert_int_equal(echo__echo__client_stream__finish(cs, &reply), TRPC_STATUS_OK);
    echo__echo_reply__free_unpacked(reply, NULL);
    assert_string_equal(log_wait(2).seq, "SED");
    /* a message handler that finishes early: no end notification */
    assert_int_equal(echo__echo__client_stream__start(&cs, echo, NULL), TRPC_OK);
    echo__echo__client_stream__send(cs, &m);
    m.code = TRPC_STATUS_OK;
    m.text = "";
    Echo__EchoRequest early = ECHO__ECHO_REQUEST__INIT;
    early.code = TRPC_STATUS_ALREADY_EXISTS;
    echo__echo__client_stream__send(cs, &early);
    assert_int_equal(echo__echo__client_stream__finish(cs, &reply), TRPC_STATUS_ALREADY_EXISTS);
    e = log_wait(3);
    assert_string_equal(e.seq, "SMMD");
    assert_int_equal(e.why, TRPC_DONE_FINISHED);
    /* bidi: S M0 M1 E D */
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, echo, NULL), TRPC_OK);
    for (int i = 0; i < 2; i++) {
        Echo__EchoRequest b = ECHO__ECHO_REQUEST__INIT;
        b.count = i;
        assert_int_equal(echo__echo__bidi__send(bs, &b), TRPC_OK);
    }
    echo__echo__bidi__close_send(bs);
    int got = 0;
    Echo__EchoReply *r;
    while (echo__echo__bidi__recv(bs, &r)) {
        assert_int_equal(r->index, got++);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(got, 2);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_OK);
    assert_string_equal(log_wait(4).seq, "SM0M1ED");
}

static void test_done_cancelled(void **state)
{
    (void)state;
    log_reset();
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, echo, NULL), TRPC_OK);
    Echo__EchoRequest b = ECHO__ECHO_REQUEST__INIT;
    assert_int_equal(echo__echo__bidi__send(bs, &b), TRPC_OK);
    Echo__EchoReply *r;
    assert_true(echo__echo__bidi__recv(bs, &r)); /* the server has the call */
    echo__echo_reply__free_unpacked(r, NULL);
    echo__echo__bidi__cancel(bs);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_CANCELLED);
    done_entry e = log_wait(1);
    assert_int_equal(e.why, TRPC_DONE_CANCELLED);
    assert_int_equal(e.status, TRPC_STATUS_CANCELLED);
    assert_true(e.cancelled);
    assert_string_equal(e.seq, "SM0D"); /* no end notification */
}

static void test_done_deadline_and_late_finish(void **state)
{
    (void)state;
    log_reset();
    atomic_store(&late_finish_closed, 0);
    /* A held call whose deadline passes on the server: done says DEADLINE;
     * its owner finishes it later from another thread and gets
     * TRPC_ECLOSED.  (A typerpc client would reset the stream at its own
     * deadline, a little earlier: CANCELLED.  This raw one does not.) */
    Echo__EchoRequest hreq = ECHO__ECHO_REQUEST__INIT;
    hreq.mode = "hold_until_cancel";
    uint8_t body[64];
    size_t n = echo__echo_request__pack(&hreq, body + 5);
    body[0] = body[1] = body[2] = body[3] = 0;
    body[4] = (uint8_t)n;
    int hs, gs;
    rt_raw_call(port, "/echo.Echo/Unary", "application/grpc", body, n + 5, "grpc-timeout",
                "100m", &hs, &gs);
    assert_int_equal(gs, TRPC_STATUS_DEADLINE_EXCEEDED);
    done_entry e = log_wait(1);
    assert_int_equal(e.why, TRPC_DONE_DEADLINE);
    assert_int_equal(e.status, TRPC_STATUS_DEADLINE_EXCEEDED);
    assert_true(e.cancelled);
    assert_true(echo_wait_counter(&late_finish_closed, 1));
    /* the client cancels a held call: CANCELLED, the late finish too */
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "hold_until_cancel";
    trpc_stream *s;
    int entries = atomic_load(&handler_entries);
    assert_int_equal(trpc_stream_start(&s, ch, &echo__echo__trpc_methods[0], NULL), TRPC_OK);
    assert_int_equal(trpc_stream_send(s, &req.base), TRPC_OK);
    assert_int_equal(trpc_stream_close_send(s), TRPC_OK);
    assert_true(echo_wait_counter(&handler_entries, entries + 1)); /* it holds the call */
    trpc_stream_cancel(s);
    assert_int_equal(trpc_stream_finish(s), TRPC_STATUS_CANCELLED);
    e = log_wait(2);
    assert_int_equal(e.why, TRPC_DONE_CANCELLED);
    assert_true(echo_wait_counter(&late_finish_closed, 2));
}

static void test_done_connection_lost(void **state)
{
    (void)state;
    log_reset();
    rt_rawc c;
    rt_rawc_open(&c, port, 65535, false);
    static const uint8_t msg[] = { 0, 0, 0, 0, 2, 0x18, 0x07 }; /* count = 7 */
    rt_rawc_stream *st = rt_rawc_request(&c, "/echo.Echo/Bidi", msg, sizeof msg, false);
    /* wait for the echo of the message: the call is under way */
    for (int i = 0; i < 200 && st->data_bytes == 0; i++) {
        rt_rawc_pump(&c, 50);
    }
    assert_true(st->data_bytes > 0);
    rt_rawc_close(&c);
    done_entry e = log_wait(1);
    assert_int_equal(e.why, TRPC_DONE_CONNECTION_LOST);
    assert_int_equal(e.status, TRPC_STATUS_UNAVAILABLE);
    assert_true(e.cancelled);
    assert_string_equal(e.seq, "SM7D");
}

static void test_done_failed(void **state)
{
    (void)state;
    log_reset();
    /* a request the server cannot decode: field 5 (string) as a varint */
    static const uint8_t bad[] = { 0, 0, 0, 0, 2, 0x28, 0x01 };
    rt_rawc c;
    rt_rawc_open(&c, port, 65535, false);
    rt_rawc_stream *st = rt_rawc_request(&c, "/echo.Echo/ClientStream", bad, sizeof bad, false);
    for (int i = 0; i < 200 && !st->closed; i++) {
        rt_rawc_pump(&c, 50);
    }
    assert_int_equal(st->grpc_status, TRPC_STATUS_INTERNAL);
    rt_rawc_close(&c);
    done_entry e = log_wait(1);
    assert_int_equal(e.why, TRPC_DONE_FAILED);
    assert_int_equal(e.status, TRPC_STATUS_INTERNAL);
    assert_string_equal(e.seq, "SD");
    /* a unary call whose request never comes: FAILED after no message */
    rt_rawc_open(&c, port, 65535, false);
    st = rt_rawc_request(&c, "/echo.Echo/Unary", "", 0, true);
    for (int i = 0; i < 200 && !st->closed; i++) {
        rt_rawc_pump(&c, 50);
    }
    assert_int_equal(st->grpc_status, TRPC_STATUS_INTERNAL);
    rt_rawc_close(&c);
    e = log_wait(2);
    assert_int_equal(e.why, TRPC_DONE_FAILED);
}

static void test_done_shutdown(void **state)
{
    (void)state;
    log_reset();
    int p;
    trpc_server *s = start_server(NULL, NULL, &p);
    trpc_channel *c = rt_channel("127.0.0.1:%d", p);
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, echo__echo__client(c), NULL), TRPC_OK);
    Echo__EchoRequest b = ECHO__ECHO_REQUEST__INIT;
    echo__echo__bidi__send(bs, &b);
    Echo__EchoReply *r;
    assert_true(echo__echo__bidi__recv(bs, &r));
    echo__echo_reply__free_unpacked(r, NULL);
    /* the bidi call outlives the grace period: reset, done says SHUTDOWN */
    assert_int_equal(trpc_server_shutdown(s, 50), TRPC_OK);
    done_entry e = log_wait(1);
    assert_int_equal(e.why, TRPC_DONE_SHUTDOWN);
    assert_true(e.cancelled);
    trpc_status st = echo__echo__bidi__finish(bs);
    assert_true(st == TRPC_STATUS_CANCELLED || st == TRPC_STATUS_UNAVAILABLE);
    trpc_channel_free(c);
    trpc_server_free(s);
}

/* ---- holds ----------------------------------------------------------------------------- */

static void test_holds(void **state)
{
    (void)state;
    log_reset();
    char *text = NULL;
    /* the checks run inside the handler (cmocka assertions there fail the
     * test too); the call is finished from a thread with the reply set */
    assert_int_equal(unary_mode(echo, "api", "", 0, NULL, &text), TRPC_STATUS_OK);
    assert_string_equal(text, "from a thread");
    free(text);
    assert_no_bad();
    assert_int_equal(log_wait(1).why, TRPC_DONE_FINISHED);
    /* a held server stream written and finished by its own thread */
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.count = 50;
    Echo__Echo_ServerStream_Stream *ss;
    assert_int_equal(echo__echo__server_stream__start(&ss, echo, &req, NULL), TRPC_OK);
    int n = 0;
    Echo__EchoReply *r;
    while (echo__echo__server_stream__recv(ss, &r)) {
        assert_int_equal(r->index, n++);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(n, 50);
    assert_int_equal(echo__echo__server_stream__finish(ss), TRPC_STATUS_OK);
    assert_int_equal(log_wait(2).why, TRPC_DONE_FINISHED);
}

typedef struct stopper {
    trpc_server *s;
    atomic_int done;
} stopper;

static void *stop_server(void *arg)
{
    stopper *st = arg;
    trpc_server_shutdown(st->s, 1000);
    atomic_store(&st->done, 1);
    return NULL;
}

/* A hold taken in a message notification is released by the status the
 * end notification returns: the call is recycled and shutdown completes. */
static void test_hold_released_by_status(void **state)
{
    (void)state;
    log_reset();
    int p;
    trpc_server *s = start_server(NULL, NULL, &p);
    trpc_channel *c = rt_channel("127.0.0.1:%d", p);
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, echo__echo__client(c), NULL), TRPC_OK);
    Echo__EchoRequest b = ECHO__ECHO_REQUEST__INIT;
    b.mode = "hold";
    assert_int_equal(echo__echo__bidi__send(bs, &b), TRPC_OK);
    echo__echo__bidi__close_send(bs);
    Echo__EchoReply *r;
    while (echo__echo__bidi__recv(bs, &r)) {
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_OK);
    assert_int_equal(log_wait(1).why, TRPC_DONE_FINISHED);
    trpc_channel_free(c);
    stopper st = { s, 0 };
    pthread_t th;
    pthread_create(&th, NULL, stop_server, &st);
    for (int i = 0; i < 2000 && !atomic_load(&st.done); i++) {
        echo_sleep_ms(5);
    }
    if (!atomic_load(&st.done)) {
        fail_msg("shutdown waits for a call nobody holds any more");
    }
    pthread_join(th, NULL);
    trpc_server_free(s);
    assert_no_bad();
}

/* ---- timers ------------------------------------------------------------------------------ */

static void test_timers(void **state)
{
    (void)state;
    log_reset();
    atomic_store(&stray_timer_fires, 0);
    char *text = NULL;
    /* due in reverse order of creation: they fire in deadline order */
    assert_int_equal(unary_mode(echo, "timers", "abcd", 15, NULL, &text), TRPC_STATUS_OK);
    assert_string_equal(text, "dcba");
    free(text);
    /* stopped and restarted */
    assert_int_equal(unary_mode(echo, "timer_stop", "", 0, NULL, &text), TRPC_STATUS_OK);
    assert_string_equal(text, "bc");
    free(text);
    /* A timer of a call that ended: never fires.  The next call's timer is
     * due later than it, and fires, so the first would have by then. */
    assert_int_equal(unary_mode(echo, "timer_outlives", "", 20, NULL, NULL), TRPC_STATUS_OK);
    assert_int_equal(unary_mode(echo, "timers", "z", 60, NULL, &text), TRPC_STATUS_OK);
    assert_string_equal(text, "z");
    free(text);
    /* cancelled by the client before its timer: never fires either */
    trpc_stream *s;
    Echo__EchoRequest req = ECHO__ECHO_REQUEST__INIT;
    req.mode = "timers";
    req.text = "q";
    req.count = 40;
    int entries = atomic_load(&handler_entries);
    assert_int_equal(trpc_stream_start(&s, ch, &echo__echo__trpc_methods[0], NULL), TRPC_OK);
    trpc_stream_send(s, &req.base);
    trpc_stream_close_send(s);
    assert_true(echo_wait_counter(&handler_entries, entries + 1)); /* its timer runs */
    trpc_stream_cancel(s);
    assert_int_equal(trpc_stream_finish(s), TRPC_STATUS_CANCELLED);
    assert_int_equal(unary_mode(echo, "timers", "y", 100, NULL, &text), TRPC_STATUS_OK);
    free(text);
    assert_int_equal(atomic_load(&stray_timer_fires), 0);
    assert_no_bad();
}

/* ---- the executor --------------------------------------------------------------------------- */

typedef struct bg {
    Echo__Echo_Client *c;
    const char *mode;
    trpc_status st;
} bg;

static void *bg_unary(void *arg)
{
    bg *b = arg;
    b->st = unary_mode(b->c, b->mode, "", 0, NULL, NULL);
    return NULL;
}

static void test_executor_blocking_handler(void **state)
{
    (void)state;
    int p;
    trpc_server *s = start_server("/echo.Echo/Unary", NULL, &p);
    trpc_channel *c = rt_channel("127.0.0.1:%d", p);
    Echo__Echo_Client *e = echo__echo__client(c);
    atomic_store(&sleeper_released, 0);
    atomic_store(&handler_thread, 0);
    bg b = { e, "sleep", TRPC_STATUS_UNKNOWN };
    pthread_t th;
    pthread_create(&th, NULL, bg_unary, &b);
    for (int i = 0; i < 2000 && !atomic_load(&handler_thread); i++) {
        echo_sleep_ms(5);
    }
    assert_true(atomic_load(&handler_thread) != 0); /* it is blocked now */
    /* The one worker serves other calls meanwhile, on this connection and on
     * a new one, and answers PINGs. */
    Helloworld__Greeter_Client *g = helloworld__greeter__client(c);
    for (int i = 0; i < 20; i++) {
        Helloworld__HelloRequest hreq = HELLOWORLD__HELLO_REQUEST__INIT;
        hreq.name = "quick";
        Helloworld__HelloReply *hrep = NULL;
        assert_int_equal(helloworld__greeter__say_hello(g, &hreq, &hrep, NULL), TRPC_STATUS_OK);
        helloworld__hello_reply__free_unpacked(hrep, NULL);
    }
    rt_rawc rc;
    rt_rawc_open(&rc, p, 65535, false);
    rt_rawc_ping(&rc);
    for (int i = 0; i < 200 && rc.pings_acked == 0; i++) {
        rt_rawc_pump(&rc, 50);
    }
    assert_int_equal(rc.pings_acked, 1);
    rt_rawc_close(&rc);
    /* all that while the handler was still blocked */
    assert_int_equal(atomic_load(&sleeper_released), 0);
    sem_post(&release_sleeper);
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&sleeper_released), 1);
    assert_int_equal(b.st, TRPC_STATUS_OK);
    /* the handler ran on an executor thread, not the worker (SayHello,
     * on the worker, recorded the worker's thread above) */
    assert_true(atomic_load(&worker_thread) != 0);
    assert_true(atomic_load(&handler_thread) != atomic_load(&worker_thread));
    trpc_channel_free(c);
    trpc_server_free(s);
}

static void test_executor_order_and_context(void **state)
{
    (void)state;
    log_reset();
    int p;
    trpc_server *s = start_server("echo.Echo", NULL, &p); /* the whole service */
    trpc_channel *c = rt_channel("127.0.0.1:%d", p);
    Echo__Echo_Client *e = echo__echo__client(c);
    /* Messages arrive faster than the handler takes them: still one at a
     * time and in order. */
    atomic_store(&timer_thread, 0);
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, e, NULL), TRPC_OK);
    char expect[128] = "S";
    for (int i = 0; i < 12; i++) {
        Echo__EchoRequest b = ECHO__ECHO_REQUEST__INIT;
        b.count = i;
        b.sleep_ms = i % 3 == 0 ? 5 : 0;
        assert_int_equal(echo__echo__bidi__send(bs, &b), TRPC_OK);
        char m[8];
        snprintf(m, sizeof m, "M%d", i);
        strcat(expect, m);
    }
    strcat(expect, "ED");
    echo__echo__bidi__close_send(bs);
    Echo__EchoReply *r;
    int got = 0;
    while (echo__echo__bidi__recv(bs, &r)) {
        assert_int_equal(r->index, got++);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    assert_int_equal(got, 12);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_OK);
    done_entry d = log_wait(1);
    assert_string_equal(d.seq, expect); /* in order, never two at once */
    /* A timer on an executor call: made in the handler, fired and run in
     * the call's context (an executor thread, not the worker), where it
     * makes a timer and finishes the call. */
    atomic_store(&timer_thread, 0);
    atomic_store(&worker_thread, 0);
    char *text = NULL;
    assert_int_equal(unary_mode(e, "exec_timer", "", 0, NULL, &text), TRPC_STATUS_OK);
    assert_string_equal(text, "x");
    free(text);
    Helloworld__HelloRequest hreq = HELLOWORLD__HELLO_REQUEST__INIT;
    hreq.name = "w";
    Helloworld__HelloReply *hrep = NULL;
    assert_int_equal(helloworld__greeter__say_hello(helloworld__greeter__client(c), &hreq, &hrep,
                                                    NULL),
                     TRPC_STATUS_OK);
    helloworld__hello_reply__free_unpacked(hrep, NULL);
    assert_true(atomic_load(&timer_thread) != 0);
    assert_true(atomic_load(&timer_thread) != atomic_load(&worker_thread));
    trpc_channel_free(c);
    trpc_server_free(s);
    assert_no_bad();
}

typedef struct sender {
    Echo__Echo_Bidi_Stream *bs;
    atomic_int sent;
    size_t size;
    int n;
} sender;

static void *send_many(void *arg)
{
    sender *sd = arg;
    uint8_t *payload = calloc(1, sd->size);
    for (int i = 0; i < sd->n; i++) {
        Echo__EchoRequest b = ECHO__ECHO_REQUEST__INIT;
        b.count = i + 1;
        b.mode = i == 0 ? "block" : "";
        b.payload.data = payload;
        b.payload.len = sd->size;
        if (echo__echo__bidi__send(sd->bs, &b) != TRPC_OK) {
            break;
        }
        atomic_fetch_add(&sd->sent, 1);
    }
    echo__echo__bidi__close_send(sd->bs);
    free(payload);
    return NULL;
}

static void test_executor_input_throttled(void **state)
{
    (void)state;
    log_reset();
    int p;
    trpc_server *s = start_server("/echo.Echo/Bidi", NULL, &p);
    trpc_channel_opts co = TRPC_CHANNEL_OPTS(.send_high_water = 64 * 1024);
    trpc_channel *c = NULL;
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", p);
    assert_int_equal(trpc_channel_new(&c, target, &co), TRPC_OK);
    Echo__Echo_Bidi_Stream *bs;
    assert_int_equal(echo__echo__bidi__start(&bs, echo__echo__client(c), NULL), TRPC_OK);
    /* 100 x 64 KiB while the handler sits on the first message: the
     * server's stream window (1 MiB) and the client's high water (64 KiB)
     * let about 17 through; without flow control all 100 would go. */
    atomic_store(&sleeper_released, 0);
    sender sd = { bs, 0, 64 * 1024, 100 };
    pthread_t th;
    pthread_create(&th, NULL, send_many, &sd);
    echo_sleep_ms(300);
    int sent = atomic_load(&sd.sent);
    assert_true(sent < 40);
    assert_int_equal(atomic_load(&sleeper_released), 0);
    sem_post(&release_sleeper);
    Echo__EchoReply *r;
    int got = 0;
    while (echo__echo__bidi__recv(bs, &r)) {
        assert_int_equal(r->index, ++got);
        echo__echo_reply__free_unpacked(r, NULL);
    }
    pthread_join(th, NULL);
    assert_int_equal(got, 100);
    assert_int_equal(atomic_load(&sd.sent), 100);
    assert_int_equal(echo__echo__bidi__finish(bs), TRPC_STATUS_OK);
    trpc_channel_free(c);
    trpc_server_free(s);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_done_finished),
        cmocka_unit_test(test_start_end_order),
        cmocka_unit_test(test_done_cancelled),
        cmocka_unit_test(test_done_deadline_and_late_finish),
        cmocka_unit_test(test_done_connection_lost),
        cmocka_unit_test(test_done_failed),
        cmocka_unit_test(test_done_shutdown),
        cmocka_unit_test(test_holds),
        cmocka_unit_test(test_hold_released_by_status),
        cmocka_unit_test(test_timers),
        cmocka_unit_test(test_executor_blocking_handler),
        cmocka_unit_test(test_executor_order_and_context),
        cmocka_unit_test(test_executor_input_throttled),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
