/*
 * conn.c: the server's HTTP/2 connections (see conn.h).
 *
 * Each connection is a trpc__h2conn (reading, writing, flushing) plus its
 * calls, an idle timer and a lingering-close timer.  nghttp2's server
 * callbacks become call events: a request's HEADERS begins a call, its
 * header fields, end of headers, DATA and END_STREAM feed it, the response's
 * last HEADERS going out and the stream's close end it.  Flow control: the
 * session does not send WINDOW_UPDATE by itself; calls give received bytes
 * back as they take them (call.c), so an executor handler that falls
 * behind holds its client back.
 *
 *   state       event                                  next
 *   open        idle timeout, shutdown, protocol error  goaway (GOAWAY submitted)
 *   open        more PING strikes than allowed          calm (GOAWAY
 *                                                        ENHANCE_YOUR_CALM
 *                                                        "too_many_pings")
 *   calm        that GOAWAY is written                  lingering once the socket's
 *                                                        output is out (its calls
 *                                                        end CONNECTION_LOST now)
 *   open/goaway nghttp2 has nothing to read nor write    lingering (closing: SHUT_WR,
 *                                                        input discarded)
 *   any         EOF, socket error, send failure,         freed (its calls end
 *               linger timer, keepalive PING not         CONNECTION_LOST)
 *               acknowledged
 *
 * Keepalive (A9): the server PINGs a connection it has read nothing from
 * for keepalive_time (default 2 hours), calls or not, and closes it when
 * the ACK does not come within keepalive_timeout (h2/conn.c keeps the
 * timer).  Ping enforcement (A8, as gRPC core does it): a client PING is a
 * strike when it comes sooner than min_ping_interval after the previous
 * one, or sooner than two hours after it while no call is open unless
 * permit_keepalive_without_calls; sending HEADERS or DATA forgives
 * everything (PINGs after data are how peers measure bandwidth).  More
 * than max_ping_strikes strikes: GOAWAY ENHANCE_YOUR_CALM with debug data
 * "too_many_pings", the connection's calls end and it closes (a lingering
 * close, so the GOAWAY reaches the client): gRPC clients then double their
 * keepalive time.  nghttp2 ACKs every PING itself.
 *
 * HTTP/2 or HTTP/1.1.  A connection has no session at first: its first
 * bytes decide (hook_unready).  The HTTP/2 preface makes the session
 * (start_h2) and feeds it what was read; bytes that stop matching the
 * preface make it HTTP/1.1 (start_h1): the socket goes to a bridge
 * (server/h1.c) and the session runs over a socketless bufferevent the
 * bridge fills and drains, so each HTTP/1.1 request is a stream of this same
 * session.  The connection stays one of the set (max_connections counts
 * it once), with the socket's peer address and TLS identity; the bridge
 * reports the client's end through h1_done(), and a lingering close
 * lingers in the bridge, on the client's socket.  A connection still
 * deciding when the server shuts down gets an HTTP/2 session, and so its
 * GOAWAY.
 *
 * TLS (a TLS listener's connections).  The socket's bufferevent is
 * libevent's bufferevent_openssl, accepting.  The handshake must end
 * within the handshake timeout (hs_ev), or the connection is freed; a
 * plaintext client on a TLS port fails the handshake and is closed.  ALPN
 * decides the protocol: "h2" HTTP/2, "http/1.1" or none the HTTP/1.1
 * bridge.  The verified client certificate's
 * identity (mutual TLS) is taken once, at the handshake's end, and every
 * call of the connection holds a reference to it.
 *
 * Closing.  When a connection has nothing left (GOAWAY sent and no
 * streams, or a protocol error), it shuts down its sending side, discards
 * further input and closes at the client's EOF or after LINGER_MS
 * (STOP_LINGER_MS while the server stops): closing with unread input would
 * make the kernel send RST, which can destroy the GOAWAY before the client
 * reads it, and a proxy would fail a request it could have retried.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent.h>
#include "base/addr.h"
#include "h2/timer.h"
#include "server/conn.h"
#include "server/h1.h"

#define LINGER_MS 1000
#define STOP_LINGER_MS 250
/* A8: without calls a PING is welcome once in two hours (TCP keepalive's
 * own minimum interval, RFC 1122). */
#define IDLE_PING_INTERVAL_MS (2 * 3600 * 1000)
#define NO_PING INT64_MIN

struct trpc__sconn {
    trpc__h2conn h2;            /* first: the session's user data */
    trpc__sconns *set;
    struct event *idle_ev;      /* armed while the connection has no call */
    struct event *linger_ev;
    bool goaway;                /* the final GOAWAY was submitted */
    bool calm;                  /* "too_many_pings" submitted ... */
    bool calm_sent;             /* ... and written */
    int64_t last_ping;          /* the client's last PING, or NO_PING */
    unsigned strikes;
    int64_t rst_sec;            /* rapid-reset budget: last refill (s) ... */
    unsigned rst_tokens;        /* ... and RST_STREAMs left (rst_received()) */
    trpc_call *calls;
    char peer[TRPC__PEER_MAX];
    trpc__sconn *prev, *next;
    struct event *pre_ev;       /* the handshake deadline: armed from accept
                                   until the client's SETTINGS arrive */
    /* TLS */
    struct event *hs_ev;        /* the handshake timeout, while it runs */
    trpc__tls_ident *ident;     /* the client certificate's identity */
    bool tls;
    /* HTTP/1.1: the bridge that owns the client's socket; h2 then runs
     * over a socketless bufferevent the bridge drives (server/h1.h) */
    trpc__h1 *h1;
};

/* ---- calls of a connection ---------------------------------------------------- */

static void idle_arm(trpc__sconn *c)
{
    int ms = c->set->proto->idle_timeout_ms;
    if (c->idle_ev && ms > 0 && !c->calls) {
        trpc__timer_in(c->idle_ev, ms);
    }
}

static void link_call(trpc__sconn *c, trpc_call *call)
{
    call->cprev = NULL;
    call->cnext = c->calls;
    if (c->calls) {
        c->calls->cprev = call;
    }
    c->calls = call;
    if (c->idle_ev) {
        evtimer_del(c->idle_ev);
    }
}

static void unlink_call(trpc__sconn *c, trpc_call *call)
{
    if (call->cprev) {
        call->cprev->cnext = call->cnext;
    } else {
        c->calls = call->cnext;
    }
    if (call->cnext) {
        call->cnext->cprev = call->cprev;
    }
    call->cprev = call->cnext = NULL;
    idle_arm(c);
}

/* ---- nghttp2 callbacks -------------------------------------------------------------- */

/* Memory bounds (i12-mem).  Returning NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE
 * from a header callback makes nghttp2 skip the rest of the header block
 * (it still decodes it, to keep HPACK's table in step, but neither
 * validates nor reports a field) and reset the stream; a RST_STREAM
 * submitted first decides the code (nghttp2 queues one per stream). */
static int refuse_stream(nghttp2_session *ng, int32_t sid, uint32_t code)
{
    nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, sid, code);
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

/* Headers and trailers of a request together: past max_header_list_size
 * the call keeps nothing more and ends RESOURCE_EXHAUSTED (call.c); past
 * twice that (an HPACK bomb: a small block naming one big table entry
 * thousands of times), the stream is reset at once, so the expansion
 * costs neither memory nor time. */
static bool header_flood(const trpc__sconn *c, const trpc_call *call)
{
    return call->hdr_bytes > 2 * (uint64_t)c->set->proto->max_header_list_size;
}

/* New streams wait (the client retries a refused one) while less than
 * this is left of the budget for buffered messages. */
#define BUDGET_ROOM (64u * 1024u)

static int on_begin_headers_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    trpc__sconn *c = ud;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
        return 0;
    }
    const trpc__budget *budget = c->set->env->lim->budget;
    if (budget && trpc__budget_low(budget, BUDGET_ROOM)) {
        return refuse_stream(ng, frame->hd.stream_id, NGHTTP2_REFUSED_STREAM);
    }
    trpc_call *call = trpc__call_new(c->set->env, &c->h2, frame->hd.stream_id, c->peer);
    if (!call) {
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    }
    link_call(c, call);
    call->ident = trpc__tls_ident_ref(c->ident);
    nghttp2_session_set_stream_user_data(ng, frame->hd.stream_id, call);
    return 0;
}

static int on_header_cb(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *ud)
{
    (void)flags;
    trpc__sconn *c = ud;
    trpc_call *call = frame->hd.type == NGHTTP2_HEADERS
                          ? nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id)
                          : NULL;
    if (!call) {
        return 0;
    }
    int rv = 0;
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        rv = trpc__call_on_header(call, name, namelen, value, valuelen);
    } else {
        call->hdr_bytes += namelen + valuelen + 32; /* trailers: only counted */
    }
    if (rv == 0 && header_flood(c, call)) {
        rv = refuse_stream(ng, frame->hd.stream_id, NGHTTP2_ENHANCE_YOUR_CALM);
    }
    return rv;
}

/* A8's enforcement: a client PING arrived. */
static void ping_received(trpc__sconn *c)
{
    const trpc__sconn_proto *p = c->set->proto;
    int64_t now = trpc_now_ms();
    int64_t interval = !c->calls && !p->permit_without_calls ? IDLE_PING_INTERVAL_MS
                                                             : p->min_ping_interval_ms;
    bool early = c->last_ping != NO_PING && now - c->last_ping < interval;
    c->last_ping = now;
    if (!early || ++c->strikes <= p->max_ping_strikes || c->calm || c->h2.closing) {
        return;
    }
    static const char debug[] = "too_many_pings";
    nghttp2_submit_goaway(c->h2.ng, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(c->h2.ng),
                          NGHTTP2_ENHANCE_YOUR_CALM, (const uint8_t *)debug, sizeof debug - 1);
    c->calm = c->goaway = true;
    trpc__h2_mark(&c->h2);
}

/* Rapid reset (CVE-2023-44487): nghttp2 limits the streams a client
 * resets (a burst of 1000, then 33 a second) and ends the session with
 * GOAWAY INTERNAL_ERROR.  The same kind of budget, a little smaller and
 * refilled on the same whole seconds, sends the GOAWAY here first, with
 * ENHANCE_YOUR_CALM, the code for a peer that sends too much. */
#define RST_BURST 900
#define RST_PER_SEC 33

static void rst_received(trpc__sconn *c)
{
    int64_t sec = trpc_now_ms() / 1000;
    if (c->rst_sec == 0) {
        c->rst_sec = sec;
        c->rst_tokens = RST_BURST;
    } else if (sec > c->rst_sec) {
        int64_t t = c->rst_tokens + (sec - c->rst_sec) * RST_PER_SEC;
        c->rst_tokens = t > RST_BURST ? RST_BURST : (unsigned)t;
        c->rst_sec = sec;
    }
    if (c->rst_tokens > 0) {
        c->rst_tokens--;
    } else if (!c->goaway && !c->h2.closing) {
        /* As nghttp2 would: no new streams, the ones open may finish (a
         * client that cancels a lot is not necessarily hostile); the
         * connection closes when none is left. */
        nghttp2_submit_goaway(c->h2.ng, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(c->h2.ng),
                              NGHTTP2_ENHANCE_YOUR_CALM, NULL, 0);
        c->goaway = true;
    }
}

static int on_frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    trpc__sconn *c = ud;
    if (frame->hd.type == NGHTTP2_SETTINGS && c->pre_ev) {
        /* The preface (nghttp2 checked it) and SETTINGS: the client speaks
         * HTTP/2 in time; from now on the idle timeout and keepalive
         * govern the connection. */
        event_free(c->pre_ev);
        c->pre_ev = NULL;
    }
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
        rst_received(c);
        return 0;
    }
    if (frame->hd.type == NGHTTP2_PING) {
        if (frame->hd.flags & NGHTTP2_FLAG_ACK) {
            trpc__h2_ping_acked(&c->h2);
        } else {
            ping_received(c);
        }
        return 0;
    }
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) {
        return 0;
    }
    trpc_call *call = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
    if (!call) {
        return 0;
    }
    /* Neither event can close the stream, so call outlives both. */
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
        trpc__call_on_headers_end(call);
    }
    if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
        trpc__call_on_input_end(call);
    }
    return 0;
}

static int on_data_chunk_recv_cb(nghttp2_session *ng, uint8_t flags, int32_t sid,
                                 const uint8_t *data, size_t len, void *ud)
{
    (void)flags;
    (void)ud;
    trpc_call *call = nghttp2_session_get_stream_user_data(ng, sid);
    if (!call) {
        nghttp2_session_consume(ng, sid, len);
        return 0;
    }
    trpc__call_on_data(call, data, len);
    return 0;
}

static int on_frame_send_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    trpc__sconn *c = ud;
    if (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) {
        c->last_ping = NO_PING; /* PINGs after data are fine again */
        c->strikes = 0;
    } else if (frame->hd.type == NGHTTP2_GOAWAY && c->calm) {
        c->calm_sent = true;
    }
    /* (DATA ends the response of the web protocols: server/web.h) */
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        trpc_call *call = nghttp2_session_get_stream_user_data(ng, frame->hd.stream_id);
        if (call) {
            trpc__call_on_end_sent(call);
        }
    }
    return 0;
}

static int on_stream_close_cb(nghttp2_session *ng, int32_t sid, uint32_t error_code, void *ud)
{
    (void)error_code;
    trpc__sconn *c = ud;
    trpc_call *call = nghttp2_session_get_stream_user_data(ng, sid);
    if (!call) {
        return 0;
    }
    nghttp2_session_set_stream_user_data(ng, sid, NULL);
    unlink_call(c, call);
    trpc__call_on_close(call, TRPC__CLOSE_STREAM);
    return 0;
}

trpc_error trpc__sconn_proto_init(trpc__sconn_proto *p, const trpc_server_opts *o)
{
    memset(p, 0, sizeof *p);
    if (nghttp2_session_callbacks_new(&p->cbs) != 0 || nghttp2_option_new(&p->opt) != 0) {
        trpc__sconn_proto_fini(p);
        return TRPC_ENOMEM;
    }
    trpc__h2_callbacks(p->cbs);
    nghttp2_session_callbacks_set_on_begin_headers_callback(p->cbs, on_begin_headers_cb);
    nghttp2_session_callbacks_set_on_header_callback(p->cbs, on_header_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(p->cbs, on_frame_recv_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(p->cbs, on_data_chunk_recv_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(p->cbs, on_stream_close_cb);
    nghttp2_session_callbacks_set_on_frame_send_callback(p->cbs, on_frame_send_cb);
    /* Peers (grpcio among them) send grpc-message values with leading or
     * trailing spaces; accept them rather than drop the header. */
    nghttp2_option_set_no_rfc9113_leading_and_trailing_ws_validation(p->opt, 1);
    /* Calls give received bytes back as they take them. */
    nghttp2_option_set_no_auto_window_update(p->opt, 1);
    p->max_concurrent_streams = o->max_concurrent_streams;
    p->max_header_list_size = o->max_header_list_size;
    p->idle_timeout_ms = o->idle_timeout_ms;
    p->handshake_timeout_ms = o->handshake_timeout_ms;
    p->keepalive_time_ms = o->keepalive_time_ms;
    p->keepalive_timeout_ms = o->keepalive_timeout_ms;
    p->min_ping_interval_ms = o->min_ping_interval_ms;
    p->permit_without_calls = o->permit_keepalive_without_calls;
    p->max_ping_strikes = o->max_ping_strikes;
    return TRPC_OK;
}

void trpc__sconn_proto_fini(trpc__sconn_proto *p)
{
    if (p->cbs) {
        nghttp2_session_callbacks_del(p->cbs);
    }
    if (p->opt) {
        nghttp2_option_del(p->opt);
    }
    p->cbs = NULL;
    p->opt = NULL;
}

/* ---- connection lifecycle -------------------------------------------------------------- */

/* Ends every call of c (CONNECTION_LOST); the session stays. */
static void close_calls(trpc__sconn *c)
{
    while (c->calls) {
        trpc_call *call = c->calls;
        nghttp2_session_set_stream_user_data(c->h2.ng, call->sid, NULL);
        unlink_call(c, call);
        trpc__call_on_close(call, TRPC__CLOSE_CONNECTION);
    }
}

static void conn_free(trpc__sconn *c)
{
    trpc__sconns *set = c->set;
    /* Calls first, while the session is still there to look at. */
    close_calls(c);
    trpc__h1_free(c->h1);
    c->h1 = NULL;
    trpc__h2conn_fini(&c->h2);
    if (c->idle_ev) {
        event_free(c->idle_ev);
    }
    if (c->linger_ev) {
        event_free(c->linger_ev);
    }
    if (c->hs_ev) {
        event_free(c->hs_ev);
    }
    if (c->pre_ev) {
        event_free(c->pre_ev);
    }
    trpc__tls_ident_unref(c->ident);
    if (c->prev) {
        c->prev->next = c->next;
    } else {
        set->head = c->next;
    }
    if (c->next) {
        c->next->prev = c->prev;
    }
    set->n--;
    free(c);
    set->closed(set->ctx);
}

static void linger_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_free(arg);
}

/* Nothing more to say: shut our side, wait for the peer's EOF (lingering
 * close). */
static void linger(trpc__sconn *c)
{
    if (c->h2.closing) {
        return; /* lingering already (an HTTP/1.1 bridge asks too) */
    }
    if (!c->linger_ev) {
        /* (Made at the start for HTTP/1.1: its bridge asks for a linger
         * from code that goes on using the bridge, so this must not free
         * c there.) */
        c->linger_ev = evtimer_new(c->set->loop->base, linger_cb, c);
    }
    if (!c->linger_ev) {
        conn_free(c);
        return;
    }
    c->h2.closing = true;
    trpc__timer_in(c->linger_ev, c->set->stopping ? STOP_LINGER_MS : LINGER_MS);
    if (c->h1) {
        /* The bridge writes what the server said last, then shuts the
         * client's socket; its EOF frees c (h1_done). */
        trpc__h1_linger(c->h1);
    } else {
        shutdown(bufferevent_getfd(c->h2.bev), SHUT_WR);
    }
}

/* The GOAWAY error code for an error nghttp2_session_mem_recv() returned
 * without queueing a GOAWAY of its own (it does for the protocol errors it
 * finds in frames: PROTOCOL_ERROR, FRAME_SIZE_ERROR, COMPRESSION_ERROR, ...,
 * and terminate_session below then keeps that one). */
static uint32_t goaway_code(int rv)
{
    switch (rv) {
    case NGHTTP2_ERR_FLOODED:                /* PING / SETTINGS answers piling up */
    case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS: /* a CONTINUATION flood */
        return NGHTTP2_ENHANCE_YOUR_CALM;
    case NGHTTP2_ERR_NOMEM:
    case NGHTTP2_ERR_CALLBACK_FAILURE:
        return NGHTTP2_INTERNAL_ERROR;
    default: /* NGHTTP2_ERR_BAD_CLIENT_MAGIC: not HTTP/2's preface */
        return NGHTTP2_PROTOCOL_ERROR;
    }
}

static void hook_recv_failed(trpc__h2conn *h2, int rv)
{
    /* Garbage, a protocol violation or a flood: GOAWAY with the code that
     * says which (nghttp2's own when it queued one), then close. */
    nghttp2_session_terminate_session(h2->ng, goaway_code(rv));
    trpc__h2_flush(h2);
}

/* The TLS handshake of c is done: HTTP/2 may begin. */
static void start_h2(trpc__sconn *c);
static void start_h1(trpc__sconn *c);

static void tls_established(trpc__sconn *c)
{
    SSL *ssl = bufferevent_openssl_get_ssl(c->h2.bev);
    if (c->hs_ev) {
        event_free(c->hs_ev);
        c->hs_ev = NULL;
    }
    if (!ssl) {
        conn_free(c);
        return;
    }
    c->ident = trpc__tls_ident_new(ssl);
    /* ALPN "h2": HTTP/2.  "http/1.1", or no ALPN at all (a client that
     * offered neither got the no_application_protocol alert): the
     * HTTP/1.1 bridge. */
    if (trpc__tls_alpn_h2(ssl)) {
        start_h2(c);
    } else {
        start_h1(c);
    }
}

static void hook_event(trpc__h2conn *h2, short events)
{
    trpc__sconn *c = (trpc__sconn *)h2;
    if ((events & BEV_EVENT_ERROR) && c->hs_ev && !c->h2.closing) {
        /* The handshake failed (a bad client certificate, not TLS at
         * all): OpenSSL has written its alert.  Close lingering, as for a
         * GOAWAY: with TLS 1.3 the client already sent its request, and
         * closing with it unread would reset the connection and destroy
         * the alert that tells the client why. */
        linger(c);
    } else if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        conn_free((trpc__sconn *)h2);
    } else if (events & BEV_EVENT_CONNECTED) {
        tls_established((trpc__sconn *)h2);
    }
}

static void hs_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_free(arg); /* too slow, or not TLS at all and silent */
}

/* No preface and SETTINGS within the handshake timeout: a bare TCP
 * connection, a slow-loris, a client of another protocol.  Nothing to say
 * in HTTP/2 to a peer that has not begun it: just close. */
static void preface_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    conn_free(arg);
}

static void hook_flushed(trpc__h2conn *h2, int rv, bool done)
{
    trpc__sconn *c = (trpc__sconn *)h2;
    if (rv != 0) {
        conn_free(c);
    } else if (done) {
        linger(c);
    } else if (c->calm_sent) {
        /* "too_many_pings" is out: the calls end now (A8: failing them is
         * what shows the client's author the misconfiguration), and the
         * connection closes once the GOAWAY has left the socket buffer. */
        close_calls(c);
        if (evbuffer_get_length(bufferevent_get_output(c->h2.bev)) == 0) {
            linger(c);
        }
    }
}

static void hook_ping_timeout(trpc__h2conn *h2)
{
    conn_free((trpc__sconn *)h2); /* a dead peer: its calls end CONNECTION_LOST */
}

static void hook_unready(trpc__h2conn *h2);

static const trpc__h2hooks hooks = { hook_recv_failed, hook_event, hook_flushed, NULL,
                                     hook_ping_timeout, hook_unready };

static void idle_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__sconn *c = arg;
    if (!c->calls && !c->goaway) {
        nghttp2_submit_goaway(c->h2.ng, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(c->h2.ng),
                              NGHTTP2_NO_ERROR, NULL, 0);
        c->goaway = true;
        trpc__h2_mark(&c->h2);
    }
}

static void conn_begin(trpc__sconns *set, trpc__sconn *c, struct bufferevent *bev, bool tls,
                       int hs_ms);

/* Takes fd: plaintext, or TLS with ssl (handshake within hs_ms). */
static void accept_fd(trpc__sconns *set, int fd, const struct sockaddr *sa, int salen, SSL *ssl,
                      int hs_ms)
{
    if (sa && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    trpc__sconn *c = calloc(1, sizeof *c);
    if (!c) {
        SSL_free(ssl);
        close(fd);
        return;
    }
    c->set = set;
    c->last_ping = NO_PING;
    trpc__peer_format(sa, (socklen_t)salen, c->peer);
    trpc__h2conn_init(&c->h2, set->loop, &hooks);
    struct bufferevent *bev =
        ssl ? bufferevent_openssl_socket_new(set->loop->base, fd, ssl,
                                             BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)
            : bufferevent_socket_new(set->loop->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        close(fd);
        free(c);
        return;
    }
    if (ssl) {
        /* gRPC peers may close without close_notify: that is EOF, not an
         * error, once HTTP/2 has said goodbye. */
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    }
    conn_begin(set, c, bev, ssl != NULL, hs_ms);
}

/* A new connection c over bev (taken): in the set, reading, its handshake
 * deadline armed; what it speaks is decided by its first bytes
 * (hook_unready) or its TLS handshake's ALPN (tls_established). */
static void conn_begin(trpc__sconns *set, trpc__sconn *c, struct bufferevent *bev, bool tls,
                       int hs_ms)
{
    const trpc__sconn_proto *p = set->proto;
    c->tls = tls;
    c->next = set->head;
    if (set->head) {
        set->head->prev = c;
    }
    set->head = c;
    set->n++;
    if (trpc__h2conn_attach(&c->h2, bev) != 0) {
        conn_free(c);
        return;
    }
    if (p->handshake_timeout_ms > 0) {
        c->pre_ev = evtimer_new(set->loop->base, preface_timeout_cb, c);
        if (!c->pre_ev) {
            conn_free(c);
            return;
        }
        trpc__timer_in(c->pre_ev, p->handshake_timeout_ms);
    }
    if (tls) {
        c->hs_ev = evtimer_new(set->loop->base, hs_timeout_cb, c);
        if (!c->hs_ev) {
            conn_free(c);
            return;
        }
        trpc__timer_in(c->hs_ev, hs_ms);
    }
}

/* The server session of c (over c->h2.bev), its SETTINGS, its timers.
 * Returns 0, or -1 when c was freed. */
static int conn_session(trpc__sconn *c)
{
    trpc__sconns *set = c->set;
    const trpc__sconn_proto *p = set->proto;
    if (nghttp2_session_server_new3(&c->h2.ng, p->cbs, c, p->opt, &set->loop->pool.mem) != 0) {
        conn_free(c);
        return -1;
    }
    nghttp2_settings_entry iv[] = {
        { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, p->max_concurrent_streams },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 },
        { NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, p->max_header_list_size },
    };
    if (nghttp2_submit_settings(c->h2.ng, NGHTTP2_FLAG_NONE, iv, 3) != 0 ||
        nghttp2_session_set_local_window_size(c->h2.ng, NGHTTP2_FLAG_NONE, 0, 16 << 20) != 0) {
        conn_free(c);
        return -1;
    }
    trpc__h2_keepalive_start(&c->h2, p->keepalive_time_ms, p->keepalive_timeout_ms);
    if (p->idle_timeout_ms > 0) {
        c->idle_ev = evtimer_new(set->loop->base, idle_cb, c);
        idle_arm(c);
    }
    trpc__h2_mark(&c->h2);
    return 0;
}

/* HTTP/2: the session reads the client's bytes (buffered ones first). */
static void start_h2(trpc__sconn *c)
{
    if (conn_session(c) == 0) {
        trpc__h2_read(&c->h2);
    }
}

static void h1_done(void *ctx, bool now)
{
    trpc__sconn *c = ctx;
    if (now) {
        conn_free(c);
    } else {
        linger(c);
    }
}

/* HTTP/1.1: the client's socket goes to a bridge, and the session runs
 * over a socket bufferevent without a socket (fd -1: libevent does no I/O
 * on it) whose input and output the bridge fills and drains (server/h1.h).
 * c stays one connection of the set (counted once), with the client's
 * peer address and TLS identity for its calls. */
static void start_h1(trpc__sconn *c)
{
    const trpc__sconn_proto *p = c->set->proto;
    struct event_base *base = c->set->loop->base;
    struct bufferevent *inner = bufferevent_socket_new(base, -1, BEV_OPT_DEFER_CALLBACKS);
    c->linger_ev = evtimer_new(base, linger_cb, c);
    if (!inner || !c->linger_ev) {
        if (inner) {
            bufferevent_free(inner);
        }
        conn_free(c);
        return;
    }
    struct bufferevent *sock = c->h2.bev;
    c->h2.bev = NULL;
    if (trpc__h2conn_attach(&c->h2, inner) != 0) {
        bufferevent_free(sock);
        conn_free(c);
        return;
    }
    trpc__h1_cfg cfg = { .max_head = p->max_header_list_size,
                         .head_timeout_ms = p->handshake_timeout_ms,
                         .tls = c->tls,
                         .mem = &c->set->loop->pool.mem,
                         .done = h1_done,
                         .ctx = c };
    c->h1 = trpc__h1_new(sock, inner, &cfg);
    if (!c->h1) {
        conn_free(c);
        return;
    }
    if (conn_session(c) == 0) {
        trpc__h1_start(c->h1);
    }
}

/* 24 bytes: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
#define PREFACE_LEN (sizeof NGHTTP2_CLIENT_MAGIC - 1)

/* A plaintext connection read bytes before its session exists: HTTP/2's
 * preface, or HTTP/1.1 as soon as the bytes differ from it. */
static void hook_unready(trpc__h2conn *h2)
{
    trpc__sconn *c = (trpc__sconn *)h2;
    if (c->tls || c->h1 || h2->closing) {
        return; /* TLS decides by ALPN, at the handshake's end */
    }
    struct evbuffer *in = bufferevent_get_input(h2->bev);
    size_t n = evbuffer_get_length(in);
    unsigned char head[PREFACE_LEN];
    size_t k = n < PREFACE_LEN ? n : PREFACE_LEN;
    if (evbuffer_copyout(in, head, k) != (ev_ssize_t)k) {
        return;
    }
    if (memcmp(head, NGHTTP2_CLIENT_MAGIC, k) != 0) {
        start_h1(c);
    } else if (k == PREFACE_LEN) {
        start_h2(c);
    } /* else: a prefix of the preface so far; wait for more */
}

void trpc__sconn_accept(trpc__sconns *set, int fd, const struct sockaddr *sa, int salen)
{
    accept_fd(set, fd, sa, salen, NULL, 0);
}

void trpc__sconn_accept_bev(trpc__sconns *set, struct bufferevent *bev, const char *peer)
{
    trpc__sconn *c = calloc(1, sizeof *c);
    if (!c) {
        bufferevent_free(bev);
        return;
    }
    c->set = set;
    c->last_ping = NO_PING;
    snprintf(c->peer, sizeof c->peer, "%s", peer);
    trpc__h2conn_init(&c->h2, set->loop, &hooks);
    conn_begin(set, c, bev, false, 0);
}

void trpc__sconn_accept_tls(trpc__sconns *set, int fd, const struct sockaddr *sa, int salen,
                            trpc__tls_server *ts)
{
    int hs_ms;
    SSL *ssl = trpc__tls_server_ssl(ts, &hs_ms);
    if (!ssl) {
        close(fd);
        return;
    }
    accept_fd(set, fd, sa, salen, ssl, hs_ms);
}

/* ---- shutdown steps ------------------------------------------------------------------- */

void trpc__sconns_stopping(trpc__sconns *set)
{
    set->stopping = true;
    for (trpc__sconn *c = set->head, *next; c; c = next) {
        next = c->next;
        if (c->h2.closing && c->linger_ev) {
            trpc__timer_in(c->linger_ev, STOP_LINGER_MS);
        } else if (c->hs_ev) {
            /* Still in its TLS handshake: no call can be on it, and the
             * shutdown should not wait for its handshake timeout. */
            conn_free(c);
        }
    }
}

/* A connection whose first bytes have not decided what it speaks gets
 * its HTTP/2 session now, so it hears the GOAWAY like every connection
 * (the rest of its preface comes from the client; a client of HTTP/1.1
 * that connected just now gets the GOAWAY's bytes and the close). */
static int settle(trpc__sconn *c)
{
    return c->h2.ng || c->h2.closing || c->hs_ev ? 0 : conn_session(c);
}

void trpc__sconns_notice(trpc__sconns *set)
{
    for (trpc__sconn *c = set->head, *next; c; c = next) {
        next = c->next;
        if (settle(c) != 0 || !c->h2.ng) {
            continue;
        }
        if (!c->h2.closing && !c->goaway) {
            nghttp2_submit_shutdown_notice(c->h2.ng);
            trpc__h2_mark(&c->h2);
        }
    }
}

void trpc__sconns_goaway(trpc__sconns *set)
{
    for (trpc__sconn *c = set->head, *next; c; c = next) {
        next = c->next;
        if (settle(c) != 0 || !c->h2.ng || c->h2.closing || c->goaway) {
            continue;
        }
        nghttp2_submit_goaway(c->h2.ng, NGHTTP2_FLAG_NONE,
                              nghttp2_session_get_last_proc_stream_id(c->h2.ng),
                              NGHTTP2_NO_ERROR, NULL, 0);
        c->goaway = true;
        trpc__h2_mark(&c->h2);
    }
}

void trpc__sconns_cancel_calls(trpc__sconns *set)
{
    for (trpc__sconn *c = set->head; c; c = c->next) {
        for (trpc_call *call = c->calls; call; call = call->cnext) {
            trpc__call_cancel_for_shutdown(call);
        }
    }
}

void trpc__sconns_close_all(trpc__sconns *set)
{
    while (set->head) {
        conn_free(set->head);
    }
}
