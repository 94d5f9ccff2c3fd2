/*
 * typerpc/tls.h: TLS 1.2/1.3 and mutual TLS for servers and channels.
 *
 * Both sides use OpenSSL (through libevent's bufferevent_openssl) and
 * negotiate HTTP/2 with ALPN "h2", as gRPC requires: a peer that does not
 * offer or accept "h2" is refused.  TLS is a per-listener choice on the
 * server (trpc_server_listen_tls() beside the plaintext
 * trpc_server_listen(), which stays for loopback and for serving behind a
 * proxy) and a per-channel one (the tls* fields of trpc_channel_opts in
 * typerpc/channel.h).
 *
 * Server.  The certificate chain (PEM, the leaf first) and its private key
 * come from files.  With client_ca_file the server requires a client
 * certificate and verifies it against that CA (mutual TLS); a handler reads
 * the verified identity with trpc_call_peer_identity().  The TLS listeners
 * of a server share one configuration: the one given last, by
 * trpc_server_listen_tls() or trpc_server_reload_tls().  Reloading reads
 * the files again (a rotated certificate) while the server runs: new
 * connections use the new ones, connections already open are unaffected.
 * A client that has not finished its handshake within the handshake
 * timeout is disconnected, and so is a plaintext client on a TLS port (its
 * bytes are not a TLS handshake).
 *
 * Channel.  The server's certificate is verified against tls_ca_file (or
 * the system's CA store) and against the target's host name, or an IP
 * address SAN when the target is an address; tls_authority replaces the
 * name that is verified and sent as SNI.  tls_cert_file and tls_key_file
 * present a client certificate (mutual TLS).  A handshake that fails (an
 * unknown CA, a name mismatch, an expired certificate, a server that does
 * not speak TLS) fails the calls waiting for the connection with
 * UNAVAILABLE and a message that says why; the connect timeout covers the
 * handshake too.
 */
#ifndef TYPERPC_TLS_H
#define TYPERPC_TLS_H

#include "typerpc/common.h"
#include "typerpc/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A server's TLS configuration.  Fill with TRPC_TLS_SERVER_CONFIG(...);
 * the strings are read during the call that takes the configuration (and
 * kept, copied, for trpc_server_reload_tls(srv, NULL)). */
typedef struct trpc_tls_server_config {
    size_t size;                  /* sizeof(trpc_tls_server_config) */
    const char *cert_file;        /* PEM certificate chain, leaf first */
    const char *key_file;         /* PEM private key of the leaf */
    const char *client_ca_file;   /* PEM CA certificates: mutual TLS, a
                                     client must present a certificate they
                                     issued; NULL: no client certificate */
    int handshake_timeout_ms;     /* a client must finish its handshake
                                     within this; 0: 10 s */
} trpc_tls_server_config;

#define TRPC_TLS_SERVER_CONFIG(...) TRPC_OPTS_SIZED(trpc_tls_server_config, __VA_ARGS__)

/* Binds and listens on addr as trpc_server_listen() does, with TLS: the
 * server's TLS configuration becomes cfg (the certificate and key are
 * loaded and checked now).  Only before trpc_server_start().  Errors: those
 * of trpc_server_listen(), TRPC_ETLS (a file cannot be read or used, or the
 * key does not match the certificate: trpc_tls_last_error() says which and
 * why). */
TRPC_EXPORT trpc_error trpc_server_listen_tls(trpc_server *srv, const char *addr,
                                              int *port, const trpc_tls_server_config *cfg);

/* Serves TLS on fd, a listening socket made by someone else, as
 * trpc_server_listen_fd() does in plaintext (the fd stays the caller's on
 * error); cfg as in trpc_server_listen_tls().  Errors: those of
 * trpc_server_listen_fd() and trpc_server_listen_tls(). */
TRPC_EXPORT trpc_error trpc_server_listen_fd_tls(trpc_server *srv, int fd,
                                                 const trpc_tls_server_config *cfg);

/* Loads cfg (NULL: the files of the current configuration, read again)
 * and makes it the configuration of new TLS connections; connections
 * already open keep theirs.  From any thread, before or after start (a
 * handler may call it: it waits for nothing but the files).  On failure
 * the current configuration stays.  Errors: TRPC_EINVAL,
 * TRPC_ESTATE (the server has no TLS listener), TRPC_ETLS (see
 * trpc_server_listen_tls()), TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_reload_tls(trpc_server *srv,
                                              const trpc_tls_server_config *cfg);

/* The verified identity of a mutual-TLS client. */
typedef struct trpc_peer_identity {
    const char *subject;          /* the certificate's subject, RFC 2253
                                     ("CN=alice,O=Example") */
    const char *common_name;      /* its CN, or NULL */
    const char *const *sans;      /* subject alternative names, each with
                                     its kind: "DNS:host", "IP:10.0.0.1",
                                     "IP:::1", "URI:spiffe://x/y",
                                     "email:a@b" */
    size_t n_sans;
} trpc_peer_identity;

/* The verified client certificate's identity of a call that came over a
 * mutual-TLS connection, or NULL (plaintext, or TLS without a client CA).
 * Valid as long as the call handle is; thread-safe. */
TRPC_EXPORT const trpc_peer_identity *trpc_call_peer_identity(const trpc_call *call);

/* The reason of the last TRPC_ETLS this thread got from the library
 * (trpc_server_listen_tls(), trpc_server_reload_tls(), trpc_channel_new()),
 * e.g. "cannot load the certificate chain /x/cert.pem: No such file or
 * directory"; "" if none.  Valid until the thread's next call that may
 * fail with TRPC_ETLS. */
TRPC_EXPORT const char *trpc_tls_last_error(void);

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_TLS_H */
