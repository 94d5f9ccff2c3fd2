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
    bool rst_sent;             /* this server reset the stream */
} rt_fake_stream;

typedef struct rt_fake rt_fake;
/* Called when a request's headers arrive (end: with END_STREAM) and again
 * when the request ends; answer with the rt_fake_* helpers below. */
typedef void rt_fake_fn(rt_fake *fk, nghttp2_session *s, rt_fake_stream *st, bool end);

struct rt_fake {
    int lfd, fd;
    int port;
    nghttp2_session *ng;
    rt_fake_stream st[64];
    rt_fake_fn *respond;
    void *user;
    pthread_t th;
    atomic_int rst_frames;     /* RST_STREAM frames this server sent */
};

/* Starts fk (zeroed, respond set) listening on 127.0.0.1; fk->port. */
void rt_fake_start(rt_fake *fk);
void rt_fake_stop(rt_fake *fk);
/* Responds with headers and a body (provider) and, when trailers is set,
 * trailers after it; no RST_STREAM follows, whatever the client does. */
void rt_fake_reply(nghttp2_session *s, rt_fake_stream *st, const nghttp2_nv *hdrs, size_t nh,
                   const uint8_t *body, size_t len, const nghttp2_nv *trailers, size_t nt);

#define RT_NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, 0 }

#endif
