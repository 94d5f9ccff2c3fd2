/*
 * server/h1.h: HTTP/1.1 on the server's port, as a bridge into the
 * server's own HTTP/2 connection code.
 *
 * A connection that does not begin with the HTTP/2 client preface (or a
 * TLS connection whose ALPN did not settle on "h2") is handed to a bridge:
 * it parses the client's HTTP/1.1 requests (http_parser) from the socket,
 * turns each into a stream of an nghttp2 client session it holds, whose
 * bytes go in memory into an ordinary server connection (server/conn.c), and writes each response back as HTTP/1.1 (status line,
 * headers, a chunked body whose trailer section carries the HTTP/2
 * trailers).  So every limit, interceptor and protocol of the HTTP/2 path
 * holds for HTTP/1.1 too.  docs/http1.md describes the behaviour.
 *
 * The bridge belongs to its server connection (conn.c), which frees it;
 * it reports through done() when the client's connection is over.
 */
#ifndef TRPC_SERVER_H1_H
#define TRPC_SERVER_H1_H

#include <stdbool.h>
#include <stdint.h>
#include <nghttp2/nghttp2.h>
#include <event2/bufferevent.h>

typedef struct trpc__h1 trpc__h1;

typedef struct trpc__h1_cfg {
    uint32_t max_head;       /* bytes of a request line and header section:
                                past it, 431 and close */
    int head_timeout_ms;     /* a request head must arrive within this from
                                its first byte (0: no limit): past it, 408 */
    bool tls;                /* :scheme https */
    nghttp2_mem *mem;        /* the client session's allocator (NULL:
                                nghttp2's default) */
    /* done(ctx, now): the client's connection is over.  now: it is gone
     * (EOF, socket error): free everything.  Otherwise the bridge wants a
     * lingering close (an error answered, Connection: close): the owner
     * arms its linger timer and calls trpc__h1_linger(). */
    void (*done)(void *ctx, bool now);
    void *ctx;
} trpc__h1_cfg;

/* A bridge between sock (the client's connection, its input perhaps
 * holding the first bytes already) and inner, the server connection's
 * bufferevent: a socket bufferevent without a socket (fd -1, deferred
 * callbacks), whose input the bridge fills (and triggers its read
 * callback) and whose output it drains (and triggers its write callback),
 * as a socket would.  Takes sock (freed with the bridge, or at once on
 * failure); inner stays the server connection's, and must outlive the
 * bridge.  cfg is copied.  Returns the bridge or NULL (out of memory). */
trpc__h1 *trpc__h1_new(struct bufferevent *sock, struct bufferevent *inner,
                       const trpc__h1_cfg *cfg);
/* Starts the bridge: the HTTP/2 preface and SETTINGS toward the server
 * connection, then whatever the client has sent already.  May call
 * done(). */
void trpc__h1_start(trpc__h1 *h);
/* Lingering close: finish writing what the server connection has said,
 * then shut the socket's sending side and discard input; done(ctx, true)
 * at the client's EOF.  Idempotent. */
void trpc__h1_linger(trpc__h1 *h);
/* NULL-safe. */
void trpc__h1_free(trpc__h1 *h);

#endif
