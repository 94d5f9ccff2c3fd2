/*
 * lifecycle.c: the server as a whole (the trpc_server_* functions of
 * typerpc/server.h): options, registration, the executor, listening
 * sockets, starting the workers and shutting them down.
 *
 *   state     event                       next
 *   NEW       add_service, use_executor,  NEW
 *             listen
 *   NEW       start                       RUNNING   (workers, executor)
 *   RUNNING   shutdown                    STOPPED   (workers joined, executor
 *                                                    drained, sockets closed)
 *   any       free                        -         (shutdown with grace 0
 *                                                    first if RUNNING)
 *
 * Listening: for TCP every worker gets its own socket bound with
 * SO_REUSEPORT to the same port, so the kernel spreads connections and
 * accept shares no lock; port 0 is resolved by the first socket and the
 * others bind the port it got.  A unix socket is one listening socket every
 * worker watches (whichever wakes first accepts), and so is a socket given
 * by fd (trpc_server_listen_fd(): socket activation).
 *
 * Extensions (server/ext.h: the health service) hear of the shutdown
 * first thing, while the workers still serve, and are freed last.
 *
 * TLS: a listener made by trpc_server_listen_tls() hands its connections
 * the server's one TLS configuration (srv->tls, base/tls.h), which
 * trpc_server_reload_tls() replaces at any time.
 */
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>
#include "base/addr.h"
#include "base/opts.h"
#include "base/thread.h"
#include "base/tls.h"
#include "server/ext.h"
#include "server/inproc.h"
#include "server/web.h"
#include "server/worker.h"

/* Connection limits' defaults (docs/runtime.md, "Limits and deadlines"). */
#define TRPC__DEFAULT_IDLE_MS (5 * 60 * 1000)
#define TRPC__DEFAULT_HANDSHAKE_MS 10000 /* as the TLS handshake's (base/tls.c) */
#define TRPC__DEFAULT_MAX_CONNS 10000

typedef struct lsock {
    int *fds;     /* TCP: one per worker; unix: fds[0] shared */
    int nfds;
    bool is_unix;
    bool shared;  /* one socket every worker watches (unix, or given by fd) */
    bool borrowed;/* given by fd: not shut down at shutdown (server/worker.h) */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    bool tls;     /* its connections use srv->tls */
} lsock;

enum { SRV_NEW, SRV_RUNNING, SRV_STOPPED };

struct trpc_server {
    trpc_server_opts o;
    int state;
    trpc__registry reg;
    trpc__call_limits lim;
    trpc__budget budget;   /* buffered request messages (lim.budget) */
    trpc__budget out_budget; /* queued replies (lim.out_budget) */
    trpc__web_cfg web;       /* web protocols and CORS (lim.web) */
    trpc__sconn_proto proto;
    trpc__executor *exec;
    lsock *ls;
    size_t nls;
    trpc__worker *w;
    unsigned nw;
    trpc__server_ext *ext; /* health service and the like (server/ext.h) */
    trpc__conn_limit climit; /* open connections, all workers (server/admit.h) */
    /* TLS (trpc_server_listen_tls) */
    trpc__tls_server tls;
    bool tls_init;   /* tls was initialised (a TLS listener was asked for) */
};

/* Default of max_connections: three quarters of the file descriptors the
 * process may open (the rest for its files, its channels, its listeners),
 * at most TRPC__DEFAULT_MAX_CONNS (each connection costs memory too: its
 * nghttp2 session and buffers, tens of KiB when idle). */
static unsigned default_max_connections(void)
{
    struct rlimit rl;
    rlim_t n = TRPC__DEFAULT_MAX_CONNS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur / 4 * 3 < n) {
        n = rl.rlim_cur / 4 * 3;
    }
    return n > 0 ? (unsigned)n : 1;
}

trpc_error trpc_server_new(trpc_server **out, const trpc_server_opts *opts)
{
    if (!out) {
        return TRPC_EINVAL;
    }
    trpc_server_opts o;
    if (TRPC__OPTS_READ(trpc_server_opts, &o, opts) != TRPC_OK) {
        return TRPC_EINVAL;
    }
    if (trpc__libevent_threads() != 0) {
        return TRPC_ELIBEVENT;
    }
    if (!o.max_recv_message_size) o.max_recv_message_size = TRPC__DEFAULT_MAX_MSG;
    if (!o.max_concurrent_streams) o.max_concurrent_streams = 100;
    if (!o.max_header_list_size) o.max_header_list_size = 16 * 1024;
    if (!o.send_high_water) o.send_high_water = 1u << 20;
    if (!o.max_send_buffer) o.max_send_buffer = 4u << 20;
    if (o.max_send_buffer < o.send_high_water) o.max_send_buffer = o.send_high_water;
    if (!o.executor_threads) o.executor_threads = 4;
    /* Connection limits (docs/runtime.md, "Limits and deadlines"). */
    if (o.idle_timeout_ms == 0) o.idle_timeout_ms = TRPC__DEFAULT_IDLE_MS;
    if (o.idle_timeout_ms < 0) o.idle_timeout_ms = 0; /* never */
    if (o.handshake_timeout_ms == 0) o.handshake_timeout_ms = TRPC__DEFAULT_HANDSHAKE_MS;
    if (o.handshake_timeout_ms < 0) o.handshake_timeout_ms = 0; /* never */
    if (o.max_connections == 0) o.max_connections = default_max_connections();
    /* Keepalive and ping enforcement: gRPC's defaults (doc/keepalive.md). */
    if (o.keepalive_time_ms == 0) o.keepalive_time_ms = 2 * 3600 * 1000;
    if (o.keepalive_time_ms < 0) o.keepalive_time_ms = 0; /* never */
    if (o.keepalive_timeout_ms <= 0) o.keepalive_timeout_ms = 20000;
    if (o.min_ping_interval_ms == 0) o.min_ping_interval_ms = 5 * 60 * 1000;
    if (o.min_ping_interval_ms < 0) o.min_ping_interval_ms = 0; /* no minimum */
    if (o.max_ping_strikes == 0) o.max_ping_strikes = 2;
    if ((unsigned)o.compression > TRPC_COMPRESS_GZIP) {
        return TRPC_EINVAL;
    }
    /* Memory bounds (i12-mem): 256 MiB of buffered request messages,
     * docs/runtime.md "Memory bounds" says why. */
    if (!o.max_buffered_bytes) o.max_buffered_bytes = 256u << 20;
    trpc_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        return TRPC_ENOMEM;
    }
    srv->o = o;
    srv->climit.max = o.max_connections;
    trpc__budget_init(&srv->budget, o.max_buffered_bytes);
    trpc__budget_init(&srv->out_budget, o.max_buffered_bytes);
    srv->lim = (trpc__call_limits){ o.max_recv_message_size, o.max_header_list_size,
                                    o.send_high_water, o.max_send_buffer, o.compression,
                                    &srv->budget, &srv->out_budget, &srv->web };
    srv->web.off = o.grpc_only;
    srv->nw = o.workers;
    if (srv->nw == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        srv->nw = n > 0 ? (unsigned)n : 1;
    }
    trpc_error rv = trpc__sconn_proto_init(&srv->proto, &o);
    if (rv == TRPC_OK) {
        srv->w = calloc(srv->nw, sizeof *srv->w);
        rv = srv->w ? TRPC_OK : TRPC_ENOMEM;
    }
    for (unsigned i = 0; rv == TRPC_OK && i < srv->nw; i++) {
        rv = trpc__worker_init(&srv->w[i], &srv->reg, NULL, &srv->lim, &srv->proto,
                               &srv->climit);
    }
    if (rv != TRPC_OK) {
        trpc_server_free(srv);
        return rv;
    }
    *out = srv;
    return TRPC_OK;
}

trpc_error trpc_server_set_cors(trpc_server *srv, const trpc_cors_opts *o)
{
    if (!srv || !o) {
        return TRPC_EINVAL;
    }
    if (srv->state != SRV_NEW) {
        return TRPC_ESTATE;
    }
    return trpc__web_cfg_set(&srv->web, o);
}

trpc__worker *trpc__server_inproc_worker(trpc_server *srv)
{
    return srv && srv->state == SRV_NEW && srv->nw > 0 ? &srv->w[0] : NULL;
}

trpc_error trpc_server_add_service(trpc_server *srv, const trpc_service *svc,
                                   const trpc_method_handlers *handlers, const void *impl,
                                   void *user)
{
    if (!srv || !svc) {
        return TRPC_EINVAL;
    }
    if (srv->state != SRV_NEW) {
        return TRPC_ESTATE;
    }
    trpc_error rv = trpc__registry_add(&srv->reg, svc, handlers, impl, user);
    if (rv == TRPC_OK) {
        /* which methods Connect may call with GET (server/web.c) */
        trpc__web_mark_idempotent(&srv->reg);
    }
    return rv;
}

trpc_error trpc_server_use_executor(trpc_server *srv, const char *name)
{
    if (!srv || !name) {
        return TRPC_EINVAL;
    }
    if (srv->state != SRV_NEW) {
        return TRPC_ESTATE;
    }
    return trpc__registry_use_executor(&srv->reg, name);
}

trpc_error trpc_server_add_interceptor(trpc_server *srv, const trpc_server_interceptor *ic)
{
    trpc_server_interceptor copy;
    if (!srv || !ic || TRPC__OPTS_READ(trpc_server_interceptor, &copy, ic) != TRPC_OK) {
        return TRPC_EINVAL;
    }
    if (srv->state != SRV_NEW) {
        return TRPC_ESTATE;
    }
    return trpc__registry_add_interceptor(&srv->reg, &copy);
}

static trpc_error bind_tcp(const trpc__addr *a, int port, struct addrinfo *ai, int *fdout)
{
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return TRPC_ELISTEN;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (ai->ai_family == AF_INET6 && !a->host[0]) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    struct sockaddr_storage ss;
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (ss.ss_family == AF_INET) {
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    } else {
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
    }
    if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return TRPC_ELISTEN;
    }
    *fdout = fd;
    return TRPC_OK;
}

static trpc_error listen_unix(lsock *l, const trpc__addr *a, int *port)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    strcpy(sun.sun_path, a->path);
    unlink(a->path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 || listen(fd, 1024) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return TRPC_ELISTEN;
    }
    l->is_unix = true;
    l->shared = true;
    strcpy(l->path, a->path);
    l->fds[0] = fd;
    l->nfds = 1;
    if (port) {
        *port = 0;
    }
    return TRPC_OK;
}

static trpc_error listen_tcp(lsock *l, const trpc__addr *a, unsigned nw, int *port)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
    struct addrinfo *res = NULL;
    const char *host = a->host[0] ? a->host : "::";
    if (getaddrinfo(host, a->port, &hints, &res) != 0) {
        if (a->host[0] || getaddrinfo("0.0.0.0", a->port, &hints, &res) != 0) {
            return TRPC_EADDR;
        }
    }
    int p = atoi(a->port);
    trpc_error rv = TRPC_ELISTEN;
    for (struct addrinfo *ai = res; ai && l->nfds == 0; ai = ai->ai_next) {
        if (bind_tcp(a, p, ai, &l->fds[0]) != TRPC_OK) {
            continue;
        }
        l->nfds = 1;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getsockname(l->fds[0], (struct sockaddr *)&ss, &sl);
        int bound = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                                   : ((struct sockaddr_in6 *)&ss)->sin6_port);
        rv = TRPC_OK;
        for (unsigned i = 1; i < nw && rv == TRPC_OK; i++) {
            rv = bind_tcp(a, bound, ai, &l->fds[i]);
            if (rv == TRPC_OK) {
                l->nfds++;
            }
        }
        if (rv == TRPC_OK && port) {
            *port = bound;
        }
    }
    freeaddrinfo(res);
    if (rv != TRPC_OK) {
        for (int i = 0; i < l->nfds; i++) {
            close(l->fds[i]);
        }
        l->nfds = 0;
    }
    return rv;
}

static trpc_error listen_any(trpc_server *srv, const char *addr, int *port, bool tls)
{
    if (!srv || !addr) {
        return TRPC_EINVAL;
    }
    if (srv->state != SRV_NEW) {
        return TRPC_ESTATE;
    }
    trpc__addr a;
    trpc_error rv = trpc__addr_parse(addr, &a);
    if (rv) {
        return rv;
    }
    lsock *ls = realloc(srv->ls, (srv->nls + 1) * sizeof *ls);
    if (!ls) {
        return TRPC_ENOMEM;
    }
    srv->ls = ls;
    lsock *l = &ls[srv->nls];
    memset(l, 0, sizeof *l);
    l->fds = calloc(srv->nw, sizeof *l->fds);
    if (!l->fds) {
        return TRPC_ENOMEM;
    }
    rv = a.is_unix ? listen_unix(l, &a, port) : listen_tcp(l, &a, srv->nw, port);
    if (rv != TRPC_OK) {
        free(l->fds);
        return rv;
    }
    l->tls = tls;
    srv->nls++;
    return TRPC_OK;
}

trpc_error trpc_server_listen(trpc_server *srv, const char *addr, int *port)
{
    return listen_any(srv, addr, port, false);
}

trpc_error trpc_server_start(trpc_server *srv)
{
    if (!srv) {
        return TRPC_EINVAL;
    }
    if (srv->state != SRV_NEW || srv->nls == 0) {
        return TRPC_ESTATE;
    }
    if (srv->reg.nexec > 0) {
        trpc_error rv = trpc__executor_new(&srv->exec, srv->o.executor_threads);
        if (rv) {
            return rv;
        }
    }
    for (unsigned i = 0; i < srv->nw; i++) {
        trpc__worker *w = &srv->w[i];
        w->env.exec = srv->exec;
        for (size_t j = 0; j < srv->nls; j++) {
            lsock *l = &srv->ls[j];
            trpc_error rv = trpc__worker_listen(w, l->shared ? l->fds[0] : l->fds[i],
                                                  l->borrowed, l->tls ? &srv->tls : NULL);
            if (rv) {
                return rv;
            }
        }
    }
    srv->state = SRV_RUNNING;
    for (unsigned i = 0; i < srv->nw; i++) {
        if (trpc__worker_start(&srv->w[i]) != TRPC_OK) {
            trpc_server_shutdown(srv, 0);
            return TRPC_ESYS;
        }
    }
    return TRPC_OK;
}

static void close_listeners(trpc_server *srv)
{
    for (size_t i = 0; i < srv->nls; i++) {
        for (int j = 0; j < srv->ls[i].nfds; j++) {
            close(srv->ls[i].fds[j]);
        }
        srv->ls[i].nfds = 0;
        if (srv->ls[i].is_unix) {
            unlink(srv->ls[i].path);
            srv->ls[i].is_unix = false;
        }
    }
}

trpc_error trpc_server_shutdown(trpc_server *srv, int grace_ms)
{
    if (!srv || srv->state != SRV_RUNNING) {
        return TRPC_OK;
    }
    /* Before the GOAWAYs: the health service turns NOT_SERVING and ends its
     * watches while the workers still serve them. */
    for (trpc__server_ext *x = srv->ext; x; x = x->next) {
        if (x->on_shutdown) {
            x->on_shutdown(x->arg);
        }
    }
    for (unsigned i = 0; i < srv->nw; i++) {
        trpc__worker_stop(&srv->w[i], grace_ms);
    }
    for (unsigned i = 0; i < srv->nw; i++) {
        trpc__worker_join(&srv->w[i]);
    }
    /* Every call is gone, so no task is left for the executor to run. */
    trpc__executor_free(srv->exec);
    srv->exec = NULL;
    /* Stop the kernel from completing connections nobody will accept:
     * clients get "connection refused" (UNAVAILABLE) instead of a hang. */
    close_listeners(srv);
    srv->state = SRV_STOPPED;
    return TRPC_OK;
}

void trpc_server_free(trpc_server *srv)
{
    if (!srv) {
        return;
    }
    trpc_server_shutdown(srv, 0);
    for (unsigned i = 0; srv->w && i < srv->nw; i++) {
        trpc__worker_fini(&srv->w[i]);
    }
    trpc__web_cfg_free(&srv->web);
    free(srv->w);
    trpc__executor_free(srv->exec);
    close_listeners(srv);
    for (size_t i = 0; i < srv->nls; i++) {
        free(srv->ls[i].fds);
    }
    free(srv->ls);
    /* Every call is gone: nothing reaches an extension any more. */
    while (srv->ext) {
        trpc__server_ext *x = srv->ext;
        srv->ext = x->next;
        if (x->on_free) {
            x->on_free(x->arg);
        }
    }
    trpc__registry_free(&srv->reg);
    trpc__sconn_proto_fini(&srv->proto);
    if (srv->tls_init) {
        trpc__tls_server_fini(&srv->tls);
    }
    free(srv);
}

/* ---- listening sockets given by fd (socket activation) ---- */

static trpc_error listen_fd_any(trpc_server *srv, int fd, bool tls)
{
    if (!srv || fd < 0) {
        return TRPC_EINVAL;
    }
    if (srv->state != SRV_NEW) {
        return TRPC_ESTATE;
    }
    /* A listening stream socket of a family the workers accept on. */
    int type = 0, acc = 0;
    socklen_t len = sizeof type;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM ||
        (len = sizeof acc, getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len)) != 0 ||
        !acc || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0 ||
        (ss.ss_family != AF_INET && ss.ss_family != AF_INET6 && ss.ss_family != AF_UNIX)) {
        return TRPC_EINVAL;
    }
    int fl = fcntl(fd, F_GETFL);
    int fdfl = fcntl(fd, F_GETFD);
    if (fl < 0 || fdfl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
        fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) != 0) {
        return TRPC_ESYS;
    }
    lsock *ls = realloc(srv->ls, (srv->nls + 1) * sizeof *ls);
    if (!ls) {
        return TRPC_ENOMEM;
    }
    srv->ls = ls;
    lsock *l = &ls[srv->nls];
    memset(l, 0, sizeof *l);
    l->fds = calloc(1, sizeof *l->fds);
    if (!l->fds) {
        return TRPC_ENOMEM;
    }
    /* Shared by the workers, like a unix socket; not is_unix: the file (if
     * any) belongs to whoever made the socket, and is not removed. */
    l->shared = true;
    l->borrowed = true;
    l->fds[0] = fd;
    l->nfds = 1;
    l->tls = tls;
    srv->nls++;
    return TRPC_OK;
}

trpc_error trpc_server_listen_fd(trpc_server *srv, int fd)
{
    return listen_fd_any(srv, fd, false);
}

/* ---- extensions ---- */

void trpc__server_add_ext(trpc_server *srv, trpc__server_ext *ext)
{
    ext->next = srv->ext;
    srv->ext = ext;
}

const trpc__registry *trpc__server_registry(const trpc_server *srv)
{
    return &srv->reg;
}

/* ---- TLS --------------------------------------------------------------------------- */

/* What every TLS listener needs first: a server not started yet and the
 * server's one TLS configuration loaded (set up on first use). */
static trpc_error tls_listener_prepare(trpc_server *srv, const trpc_tls_server_config *cfg)
{
    if (srv->state != SRV_NEW) {
        return TRPC_ESTATE;
    }
    if (!srv->tls_init) {
        trpc__tls_server_init(&srv->tls);
        srv->tls_init = true;
    }
    return trpc__tls_server_load(&srv->tls, cfg);
}

trpc_error trpc_server_listen_tls(trpc_server *srv, const char *addr, int *port,
                                  const trpc_tls_server_config *cfg)
{
    if (!srv || !addr || !cfg) {
        return TRPC_EINVAL;
    }
    trpc_error rv = tls_listener_prepare(srv, cfg);
    return rv != TRPC_OK ? rv : listen_any(srv, addr, port, true);
}

trpc_error trpc_server_listen_fd_tls(trpc_server *srv, int fd, const trpc_tls_server_config *cfg)
{
    if (!srv || fd < 0 || !cfg) {
        return TRPC_EINVAL;
    }
    trpc_error rv = tls_listener_prepare(srv, cfg);
    return rv != TRPC_OK ? rv : listen_fd_any(srv, fd, true);
}

trpc_error trpc_server_reload_tls(trpc_server *srv, const trpc_tls_server_config *cfg)
{
    if (!srv) {
        return TRPC_EINVAL;
    }
    /* tls_init is only written before start, by listen_tls. */
    if (!srv->tls_init) {
        return TRPC_ESTATE;
    }
    return trpc__tls_server_load(&srv->tls, cfg);
}

size_t trpc_server_buffered_bytes(const trpc_server *srv)
{
    return srv ? trpc__budget_used(&srv->budget) + trpc__budget_used(&srv->out_budget) : 0;
}
