/*
 * base/tls.h: the OpenSSL parts both sides share (typerpc/tls.h is the
 * public side): building the server's and the client's SSL_CTX from PEM
 * files (TLS 1.2 at least, ALPN "h2"), the server's reloadable
 * configuration, checking a finished handshake (ALPN), the verified peer
 * identity of a mutual-TLS connection, and the words for what went wrong.
 *
 * The SSL objects are handed to libevent's bufferevent_openssl by the
 * connection code of each side (server/conn.c, client/conn.c); nothing
 * here does I/O.  Errors of loading are reported through the thread's
 * last-error text (trpc_tls_last_error()).
 */
#ifndef TRPC_BASE_TLS_H
#define TRPC_BASE_TLS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <openssl/ssl.h>
#include <event2/bufferevent.h>
#include "typerpc/tls.h"

/* ---- the server's configuration (shared by its workers) ---- */

typedef struct trpc__tls_server {
    pthread_mutex_t mu;          /* guards everything below */
    SSL_CTX *ctx;                /* new connections' context; NULL: none yet */
    char *cert, *key, *ca;       /* the files, for a reload without a config */
    int handshake_ms;
} trpc__tls_server;

void trpc__tls_server_init(trpc__tls_server *ts);
void trpc__tls_server_fini(trpc__tls_server *ts);
/* Loads cfg (NULL: the current files again) and makes it current.  On
 * failure the current one stays.  TRPC_OK, TRPC_EINVAL, TRPC_ESTATE (cfg
 * NULL and nothing loaded before), TRPC_ETLS (last error set),
 * TRPC_ENOMEM.  Thread-safe. */
trpc_error trpc__tls_server_load(trpc__tls_server *ts, const trpc_tls_server_config *cfg);
/* An SSL for a new connection from the current context, and the handshake
 * timeout to apply; NULL if out of memory or nothing loaded.
 * Thread-safe. */
SSL *trpc__tls_server_ssl(trpc__tls_server *ts, int *handshake_ms);

/* ---- the client ---- */

/* A client context: the server is verified against ca_file (NULL: the
 * system's store); cert_file and key_file (both or neither) are the client
 * certificate.  NULL with the last error set. */
SSL_CTX *trpc__tls_client_ctx(const char *ca_file, const char *cert_file, const char *key_file);
/* An SSL of ctx that verifies the server as host (a name: SNI and the
 * certificate's DNS names; an IP address: its IP SANs).  NULL if out of
 * memory. */
SSL *trpc__tls_client_ssl(SSL_CTX *ctx, const char *host);

/* ---- after the handshake ---- */

/* True when ALPN settled on "h2". */
bool trpc__tls_alpn_h2(const SSL *ssl);

/* The verified identity of a peer certificate (reference-counted: calls
 * keep it after their connection is gone). */
typedef struct trpc__tls_ident {
    trpc_peer_identity pub;      /* first: what trpc_call_peer_identity() gives */
    atomic_uint refs;
} trpc__tls_ident;

/* The identity of ssl's peer certificate, or NULL (none, or out of
 * memory); one reference. */
trpc__tls_ident *trpc__tls_ident_new(const SSL *ssl);
trpc__tls_ident *trpc__tls_ident_ref(trpc__tls_ident *id);  /* NULL-safe */
void trpc__tls_ident_unref(trpc__tls_ident *id);            /* NULL-safe */

/* Why the TLS connection of bev failed, in words, into out: a certificate
 * verification error, OpenSSL's reasons (pops bev's OpenSSL errors), or
 * the socket's error; "" when nothing is known. */
void trpc__tls_describe(struct bufferevent *bev, char *out, size_t n);

/* Sets the thread's last error text (trpc_tls_last_error()), followed by
 * OpenSSL's first queued reason if any (the queue is cleared). */
void trpc__tls_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
