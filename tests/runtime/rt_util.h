/*
 * rt_util.h: what the runtime's cmocka programs share: servers and
 * channels made for tests, raw sockets, a minimal raw HTTP/2 client (to
 * send what a well-behaved client never would) and a scriptable HTTP/2
 * server (to answer as odd peers do: proxies, grpc-js).
 */
#ifndef TRPC_TEST_RT_UTIL_H
#define TRPC_TEST_RT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <nghttp2/nghttp2.h>
#include <typerpc/typerpc.h>

/* A channel to the printf-formatted target with short backoff (cmocka
 * assertion on failure). */
trpc_channel *rt_channel(const char *fmt, ...) TRPC_PRINTF(1, 2);

/* A blocking TCP socket to 127.0.0.1:p with a 10 s read timeout. */
int rt_connect_port(int p);
/* Reads until the peer closes; returns whether it did (not a timeout). */
int rt_read_until_closed(int fd);

/* One gRPC call over a fresh raw HTTP/2 connection: request headers (plus
 * one extra header when xname is not NULL), body as DATA with END_STREAM;
 * returns the response's :status and grpc-status (-1 when absent). */
void rt_raw_call(int port, const char *path, const char *ctype, const void *body, size_t len,
                 const char *xname, const char *xvalue, int *http_status, int *grpc_status);

/* ---- a scriptable HTTP/2 server (one connection at a time, one thread) ---- */

typedef struct rt_fake_stream {
    int32_t id;
    char path[64];
    const uint8_t *body;       /* what the data provider sends */
    size_t body_len, off;
    const nghttp2_nv *trailers; /* sent after the body when set */
    size_t ntrailers;
    bool responded;
    int data_frames;           /* DATA frames received from the client */
    size_t unconsumed;         /* DATA bytes not given back (manual_window) */
    bool keep_open;            /* after the body, no END_STREAM: the stream
                                  waits for rt_fake_end() */
    bool rst_sent;             /* this server reset the stream */
} rt_fake_stream;

typedef struct rt_fake rt_fake;
/* Called when a request's HEADERS or DATA frame arrives (end: it carries
 * END_STREAM); answer with the rt_fake_* helpers below. */
typedef void rt_fake_fn(rt_fake *fk, nghttp2_session *s, rt_fake_stream *st, bool end);

struct rt_fake {
    int lfd, fd;
    int port;
    nghttp2_session *ng;
    rt_fake_stream st[64];
    rt_fake_fn *respond;
    void *user;
    pthread_t th;
    bool manual_window;        /* set before start: DATA is not given back to
                                  flow control until open_window is set */
    atomic_bool open_window;
    atomic_int rst_frames;     /* RST_STREAM frames this server sent */
    atomic_int closed;         /* streams closed */
    atomic_int closed_by_client_reset; /* ... by a RST_STREAM of the client */
    atomic_uint last_client_reset;     /* that RST_STREAM's error code */
    /* PINGs (keepalive tests) */
    bool no_ping_ack;          /* set before start: never answer a PING */
    bool calm_on_ping;         /* set before start: answer the first PING of
                                  a connection with GOAWAY ENHANCE_YOUR_CALM
                                  "too_many_pings", then close it */
    atomic_int pings;          /* PINGs received (not ACKs) */
    atomic_int conns;          /* connections accepted */
    /* per connection (the first 8): when this server last wrote to it
     * before its first PING arrived, and when that PING arrived
     * (trpc_now_ms()); 0 until then */
    _Atomic int64_t last_write[8], first_ping[8];
};

/* Starts fk (zeroed, respond set) listening on 127.0.0.1; fk->port. */
void rt_fake_start(rt_fake *fk);
void rt_fake_stop(rt_fake *fk);
/* Responds with headers and a body (provider) and, when trailers is set,
 * trailers after it; no RST_STREAM follows, whatever the client does. */
void rt_fake_reply(nghttp2_session *s, rt_fake_stream *st, const nghttp2_nv *hdrs, size_t nh,
                   const uint8_t *body, size_t len, const nghttp2_nv *trailers, size_t nt);

/* Ends a keep_open stream with these trailers. */
void rt_fake_end(nghttp2_session *s, rt_fake_stream *st, const nghttp2_nv *trailers, size_t nt);

#define RT_NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, 0 }

#endif

/* ---- a raw HTTP/2 client that does what it is told, step by step ---- */

typedef struct rt_rawc_stream {
    int32_t id;
    int http_status, grpc_status;   /* -1 until seen */
    bool closed;
    uint32_t close_err;             /* RST_STREAM code, or 0 */
    size_t data_bytes;              /* DATA received */
    const uint8_t *body;            /* request body (caller's) */
    size_t body_len, off;
    bool end;                       /* END_STREAM after the body */
} rt_rawc_stream;

typedef struct rt_rawc {
    int fd;
    nghttp2_session *ng;
    nghttp2_session_callbacks *cb;
    rt_rawc_stream st[128];
    int nst;
    int pings_acked;
    int pings_received;             /* PINGs from the server (not ACKs) */
    bool goaway;                    /* a GOAWAY came: */
    uint32_t goaway_err;
    char goaway_debug[64];
    bool eof;
} rt_rawc;

/* Connects to 127.0.0.1:port and sends SETTINGS with this initial stream
 * window.  With manual_window, received DATA is given back to flow
 * control only by rt_rawc_consume() (a client that does not read). */
void rt_rawc_open(rt_rawc *c, int port, uint32_t initial_window, bool manual_window);
/* Starts a gRPC request on path with body; end half-closes after it,
 * otherwise the request stays open.  Returns the stream. */
rt_rawc_stream *rt_rawc_request(rt_rawc *c, const char *path, const void *body, size_t len,
                                bool end);
/* Sends what is pending, then waits up to ms milliseconds for input and
 * processes what has come (returning once it has, or at the peer's EOF). */
void rt_rawc_pump(rt_rawc *c, int ms);
/* Gives n received bytes of stream s back to flow control. */
void rt_rawc_consume(rt_rawc *c, rt_rawc_stream *s, size_t n);
void rt_rawc_ping(rt_rawc *c);
/* Sends a request's END_STREAM (a request opened with end false). */
void rt_rawc_end(rt_rawc *c, rt_rawc_stream *s);
/* Closes the socket at once (no GOAWAY) and frees the session. */
void rt_rawc_close(rt_rawc *c);

/* Bytes of heap in use by the process (ASan's allocator when it is the
 * one, glibc's otherwise): for bounds on what the runtime holds. */
size_t rt_heap_in_use(void);
