/*
 * tls.c: OpenSSL contexts, the server's reloadable TLS configuration, peer
 * identities and failure messages (see tls.h).
 *
 * Both contexts refuse anything older than TLS 1.2 (gRPC's floor, and
 * HTTP/2's: RFC 9113 9.2) and renegotiation (forbidden on HTTP/2).  ALPN:
 * the client offers only "h2"; the server's selection callback prefers
 * "h2", takes "http/1.1" (served by the HTTP/1.1 bridge, server/h1.c), and
 * answers anything else with the fatal no_application_protocol alert
 * (RFC 7301), so a peer of another protocol is told why at once.  A
 * client that sends no ALPN at all finishes the handshake; the connection
 * code then checks trpc__tls_alpn_h2() and serves it HTTP/1.1.
 *
 * Reloading builds a whole new SSL_CTX and swaps the pointer under a
 * mutex; each SSL holds a reference to its context, so connections made
 * with the old one keep it until they close.  A worker takes the mutex
 * only to create a connection's SSL, never on the data path.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <event2/bufferevent_ssl.h>
#include "base/opts.h"
#include "base/tls.h"

#define DEFAULT_HANDSHAKE_MS 10000

static _Thread_local char last_err[512];

const char *trpc_tls_last_error(void) { return last_err; }

void trpc__tls_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_err, sizeof last_err, fmt, ap);
    va_end(ap);
    unsigned long e = ERR_get_error();
    if (e) {
        size_t n = strlen(last_err);
        char reason[256];
        ERR_error_string_n(e, reason, sizeof reason);
        const char *r = ERR_reason_error_string(e);
        snprintf(last_err + n, sizeof last_err - n, ": %s", r ? r : reason);
    }
    ERR_clear_error();
}

/* ---- contexts ---------------------------------------------------------------------- */

static const unsigned char alpn_h2[] = { 2, 'h', '2' };
/* What the server accepts, in its order of preference: HTTP/2, then
 * HTTP/1.1 (server/h1.c bridges it to the same handlers). */
static const unsigned char alpn_server[] = { 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };

static int alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                          const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    (void)arg;
    unsigned char *sel;
    if (SSL_select_next_proto(&sel, outlen, alpn_server, sizeof alpn_server, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL; /* neither "h2" nor "http/1.1": refuse */
    }
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *ctx_new(const SSL_METHOD *method)
{
    SSL_CTX *ctx = SSL_CTX_new(method);
    if (!ctx) {
        trpc__tls_fail("cannot create an OpenSSL context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    /* bufferevent_openssl may retry a write with a moved buffer. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
    return ctx;
}

/* Loads the certificate chain and its key into ctx; 0 or -1 (last error
 * set). */
static int use_cert(SSL_CTX *ctx, const char *cert, const char *key)
{
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        trpc__tls_fail("cannot load the certificate chain %s", cert);
        return -1;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
            ERR_clear_error();
            trpc__tls_fail("the private key %s does not match the certificate %s", key, cert);
        } else {
            trpc__tls_fail("cannot load the private key %s", key);
        }
        return -1;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        trpc__tls_fail("the private key %s does not match the certificate %s", key, cert);
        return -1;
    }
    return 0;
}

static SSL_CTX *server_ctx(const char *cert, const char *key, const char *ca)
{
    SSL_CTX *ctx = ctx_new(TLS_server_method());
    if (!ctx) {
        return NULL;
    }
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select_cb, NULL);
    if (use_cert(ctx, cert, key) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (ca) {
        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
        if (!names || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
            if (names) {
                sk_X509_NAME_pop_free(names, X509_NAME_free);
            }
            trpc__tls_fail("cannot load the client CA file %s", ca);
            SSL_CTX_free(ctx);
            return NULL;
        }
        SSL_CTX_set_client_CA_list(ctx, names); /* the CAs clients may choose from */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    /* Resumed sessions skip the client certificate check's cost; the
     * session id context ties them to this server's configuration. */
    static const unsigned char sid_ctx[] = "typerpc";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
    return ctx;
}

SSL_CTX *trpc__tls_client_ctx(const char *ca_file, const char *cert_file, const char *key_file)
{
    if (!cert_file != !key_file) {
        trpc__tls_fail("a client certificate needs both tls_cert_file and tls_key_file");
        return NULL;
    }
    SSL_CTX *ctx = ctx_new(TLS_client_method());
    if (!ctx) {
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_set_alpn_protos(ctx, alpn_h2, sizeof alpn_h2) != 0) {
        trpc__tls_fail("cannot set ALPN");
        SSL_CTX_free(ctx);
        return NULL;
    }
    int ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
                     : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        trpc__tls_fail("cannot load the CA file %s", ca_file ? ca_file : "(system default)");
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (cert_file && use_cert(ctx, cert_file, key_file) != 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

SSL *trpc__tls_client_ssl(SSL_CTX *ctx, const char *host)
{
    SSL *ssl = SSL_new(ctx);
    if (!ssl) {
        return NULL;
    }
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host)
                   /* SNI carries names only (RFC 6066 3) */
                   : X509_VERIFY_PARAM_set1_host(param, host, 0) &&
                         SSL_set_tlsext_host_name(ssl, host);
    if (!ok) {
        SSL_free(ssl);
        return NULL;
    }
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return ssl;
}

/* ---- the server's configuration ------------------------------------------------------- */

void trpc__tls_server_init(trpc__tls_server *ts)
{
    memset(ts, 0, sizeof *ts);
    pthread_mutex_init(&ts->mu, NULL);
}

void trpc__tls_server_fini(trpc__tls_server *ts)
{
    SSL_CTX_free(ts->ctx);
    free(ts->cert);
    free(ts->key);
    free(ts->ca);
    pthread_mutex_destroy(&ts->mu);
    memset(ts, 0, sizeof *ts);
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s) {
        return NULL;
    }
    char *d = strdup(s);
    if (!d) {
        *oom = true;
    }
    return d;
}

trpc_error trpc__tls_server_load(trpc__tls_server *ts, const trpc_tls_server_config *cfg)
{
    trpc_tls_server_config c;
    char *cert, *key, *ca;
    bool oom = false;
    if (cfg) {
        if (trpc__opts_read(&c, sizeof c, cfg) != TRPC_OK || !c.cert_file || !c.key_file) {
            trpc__tls_fail("a TLS server configuration needs cert_file and key_file (and "
                           "its size: make it with TRPC_TLS_SERVER_CONFIG)");
            return TRPC_EINVAL;
        }
        cert = dup_or_null(c.cert_file, &oom);
        key = dup_or_null(c.key_file, &oom);
        ca = dup_or_null(c.client_ca_file, &oom);
    } else {
        pthread_mutex_lock(&ts->mu);
        bool have = ts->cert != NULL;
        c.handshake_timeout_ms = ts->handshake_ms;
        cert = dup_or_null(ts->cert, &oom);
        key = dup_or_null(ts->key, &oom);
        ca = dup_or_null(ts->ca, &oom);
        pthread_mutex_unlock(&ts->mu);
        if (!have) {
            return TRPC_ESTATE;
        }
    }
    if (oom) {
        free(cert);
        free(key);
        free(ca);
        return TRPC_ENOMEM;
    }
    SSL_CTX *ctx = server_ctx(cert, key, ca); /* slow (files, keys): unlocked */
    if (!ctx) {
        free(cert);
        free(key);
        free(ca);
        return TRPC_ETLS;
    }
    pthread_mutex_lock(&ts->mu);
    SSL_CTX *old = ts->ctx;
    char *ocert = ts->cert, *okey = ts->key, *oca = ts->ca;
    ts->ctx = ctx;
    ts->cert = cert;
    ts->key = key;
    ts->ca = ca;
    ts->handshake_ms =
        c.handshake_timeout_ms > 0 ? c.handshake_timeout_ms : DEFAULT_HANDSHAKE_MS;
    pthread_mutex_unlock(&ts->mu);
    SSL_CTX_free(old); /* open connections hold their own references */
    free(ocert);
    free(okey);
    free(oca);
    last_err[0] = 0;
    return TRPC_OK;
}

SSL *trpc__tls_server_ssl(trpc__tls_server *ts, int *handshake_ms)
{
    pthread_mutex_lock(&ts->mu);
    SSL *ssl = ts->ctx ? SSL_new(ts->ctx) : NULL;
    *handshake_ms = ts->handshake_ms;
    pthread_mutex_unlock(&ts->mu);
    return ssl;
}

/* ---- after the handshake ------------------------------------------------------------ */

bool trpc__tls_alpn_h2(const SSL *ssl)
{
    const unsigned char *p;
    unsigned int n;
    SSL_get0_alpn_selected(ssl, &p, &n);
    return n == 2 && memcmp(p, "h2", 2) == 0;
}

/* A growing string table for an identity: the strings are collected
 * first, then packed with the identity into one allocation. */
typedef struct strs {
    char *s[64];
    size_t n;
    bool oom;
} strs;

static void strs_add(strs *t, const char *prefix, const char *v, size_t vlen)
{
    if (t->n == sizeof t->s / sizeof t->s[0]) {
        return; /* more SANs than anyone uses: the rest are left out */
    }
    size_t pl = strlen(prefix);
    char *x = malloc(pl + vlen + 1);
    if (!x) {
        t->oom = true;
        return;
    }
    memcpy(x, prefix, pl);
    memcpy(x + pl, v, vlen);
    x[pl + vlen] = 0;
    t->s[t->n++] = x;
}

static void add_san(strs *t, const GENERAL_NAME *g)
{
    int type;
    const ASN1_STRING *v = GENERAL_NAME_get0_value(g, &type);
    const char *prefix = type == GEN_DNS ? "DNS:" : type == GEN_URI ? "URI:"
                         : type == GEN_EMAIL ? "email:" : type == GEN_IPADD ? "IP:" : NULL;
    if (!prefix || !v) {
        return;
    }
    const unsigned char *d = ASN1_STRING_get0_data(v);
    int len = ASN1_STRING_length(v);
    if (type != GEN_IPADD) {
        strs_add(t, prefix, (const char *)d, (size_t)len);
        return;
    }
    char ip[INET6_ADDRSTRLEN];
    if ((len == 4 && inet_ntop(AF_INET, d, ip, sizeof ip)) ||
        (len == 16 && inet_ntop(AF_INET6, d, ip, sizeof ip))) {
        strs_add(t, prefix, ip, strlen(ip));
    }
}

trpc__tls_ident *trpc__tls_ident_new(const SSL *ssl)
{
    X509 *x = SSL_get0_peer_certificate(ssl);
    if (!x) {
        return NULL;
    }
    strs t = { .n = 0 };
    /* [0] subject, [1] common name (maybe absent), then the SANs */
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio && X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        strs_add(&t, "", p, n > 0 ? (size_t)n : 0);
    } else {
        t.oom = true;
    }
    BIO_free(bio);
    char *cn = NULL;
    X509_NAME *subj = X509_get_subject_name(x);
    int idx = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    unsigned char *utf8 = NULL;
    int ulen = idx >= 0 ? ASN1_STRING_to_UTF8(
                              &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, idx)))
                        : -1;
    if (ulen >= 0) {
        strs_add(&t, "", (const char *)utf8, (size_t)ulen);
        cn = t.n == 2 ? t.s[1] : NULL;
    }
    OPENSSL_free(utf8);
    size_t first_san = t.n;
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
        add_san(&t, sk_GENERAL_NAME_value(sans, i));
    }
    GENERAL_NAMES_free(sans);
    trpc__tls_ident *id = NULL;
    if (!t.oom && t.n > 0) {
        size_t nsans = t.n - first_san;
        size_t bytes = sizeof *id + nsans * sizeof(char *);
        for (size_t i = 0; i < t.n; i++) {
            bytes += strlen(t.s[i]) + 1;
        }
        id = malloc(bytes);
    }
    if (id) {
        const char **arr = (const char **)(id + 1);
        char *pool = (char *)(arr + (t.n - first_san));
        const char *packed[64];
        for (size_t i = 0; i < t.n; i++) {
            size_t l = strlen(t.s[i]) + 1;
            memcpy(pool, t.s[i], l);
            packed[i] = pool;
            pool += l;
        }
        for (size_t i = first_san; i < t.n; i++) {
            arr[i - first_san] = packed[i];
        }
        id->pub.subject = packed[0];
        id->pub.common_name = cn ? packed[1] : NULL;
        id->pub.sans = arr;
        id->pub.n_sans = t.n - first_san;
        atomic_init(&id->refs, 1);
    }
    for (size_t i = 0; i < t.n; i++) {
        free(t.s[i]);
    }
    return id;
}

trpc__tls_ident *trpc__tls_ident_ref(trpc__tls_ident *id)
{
    if (id) {
        atomic_fetch_add_explicit(&id->refs, 1, memory_order_relaxed);
    }
    return id;
}

void trpc__tls_ident_unref(trpc__tls_ident *id)
{
    if (id && atomic_fetch_sub_explicit(&id->refs, 1, memory_order_acq_rel) == 1) {
        free(id);
    }
}

/* ---- failures ---------------------------------------------------------------------- */

void trpc__tls_describe(struct bufferevent *bev, char *out, size_t n)
{
    out[0] = 0;
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    size_t used = 0;
    if (vr != X509_V_OK) {
        used = (size_t)snprintf(out, n, "certificate verify failed: %s",
                                X509_verify_cert_error_string(vr));
    }
    unsigned long e;
    while ((e = bufferevent_get_openssl_error(bev)) != 0) {
        /* Library 0: libevent's own record of SSL_get_error()'s code
         * (SSL_ERROR_SYSCALL...), which says nothing a person can use. */
        if (vr != X509_V_OK || used >= n || ERR_GET_LIB(e) == 0) {
            continue; /* the verify result says it better; drain the rest */
        }
        const char *r = ERR_reason_error_string(e);
        char buf[128];
        if (!r) {
            ERR_error_string_n(e, buf, sizeof buf);
            r = buf;
        }
        used += (size_t)snprintf(out + used, n - used, "%s%s", used ? "; " : "", r);
    }
}
