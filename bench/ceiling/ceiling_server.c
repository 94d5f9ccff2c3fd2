/*
 * ceiling_server.c — the nghttp2 ceiling: the least a gRPC server built on
 * nghttp2 and libevent (typerpc's libraries) can do per call.
 *
 *   ceiling_server [--listen HOST:PORT] [--workers N]
 *
 * Answers every request stream, once the client has ended it, with one fixed
 * valid gRPC response: HEADERS (:status 200, content-type application/grpc),
 * one DATA frame holding a length-prefixed helloworld.HelloReply{message:
 * "Hello world"} and trailers (grpc-status 0).  It reads nothing of the
 * request (no path routing, no decoding, no metadata, no deadlines), keeps
 * no per-call state and allocates nothing per call itself: whatever a real
 * server does beyond this is the cost of being a real server.  bench/server.sh
 * reports typerpc's CPU per call as a ratio to this one's.
 *
 * Built like typerpc's server so the comparison is fair: N worker threads
 * (default: one per core), each with its own libevent loop and its own
 * SO_REUSEPORT listener on the same port; a bufferevent per connection;
 * reading feeds nghttp2 the bufferevent's input chunks in place; nghttp2's
 * send callback appends to the bufferevent's output; TCP_NODELAY; SETTINGS
 * with 100 concurrent streams and a 1 MiB initial window.
 *
 * Prints "ceiling_server: listening on HOST:PORT" (the port actually bound,
 * so port 0 works) and stops on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <nghttp2/nghttp2.h>

/* gRPC message: flag 0, length 13, HelloReply{1: "Hello world"}. */
static const uint8_t REPLY[] = { 0, 0, 0, 0, 13, 0x0a, 11, 'H', 'e', 'l', 'l', 'o', ' ',
                                 'w', 'o', 'r', 'l', 'd' };

#define NV(n, v)                                                                   \
    {                                                                              \
        (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1,              \
            NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE           \
    }
static const nghttp2_nv RESPONSE[] = { NV(":status", "200"),
                                       NV("content-type", "application/grpc") };
static const nghttp2_nv TRAILERS[] = { NV("grpc-status", "0") };

/* Stop asking nghttp2 for frames while this much waits for the socket. */
#define OUTBUF_HIGH (1u << 20)

typedef struct worker {
    pthread_t thread;
    struct event_base *base;
    struct evconnlistener *lis;
    nghttp2_session_callbacks *cbs;
} worker;

typedef struct conn {
    struct bufferevent *bev;
    nghttp2_session *ng;
} conn;

static void conn_free(conn *c)
{
    nghttp2_session_del(c->ng);
    bufferevent_free(c->bev);
    free(c);
}

static ssize_t send_cb(nghttp2_session *ng, const uint8_t *data, size_t len, int flags, void *ud)
{
    (void)ng, (void)flags;
    conn *c = ud;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(out) >= OUTBUF_HIGH)
        return NGHTTP2_ERR_WOULDBLOCK;
    if (evbuffer_add(out, data, len) != 0)
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    return (ssize_t)len;
}

/* The reply's bytes, then the trailers.  How much of REPLY this stream has
 * sent is kept in its stream user data (a count, not a pointer), so a
 * window smaller than the reply still works without any allocation. */
static ssize_t read_reply(nghttp2_session *ng, int32_t sid, uint8_t *buf, size_t len,
                          uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    (void)src, (void)ud;
    size_t off = (uintptr_t)nghttp2_session_get_stream_user_data(ng, sid);
    size_t n = sizeof REPLY - off < len ? sizeof REPLY - off : len;
    memcpy(buf, REPLY + off, n);
    off += n;
    if (off == sizeof REPLY) {
        *flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
        if (nghttp2_submit_trailer(ng, sid, TRAILERS, 1) != 0)
            return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    } else {
        nghttp2_session_set_stream_user_data(ng, sid, (void *)(uintptr_t)off);
    }
    return (ssize_t)n;
}

/* The client ended its side of a stream: answer it. */
static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *f, void *ud)
{
    (void)ud;
    if ((f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS) &&
        (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
        nghttp2_data_provider dp = { .source.ptr = NULL, .read_callback = read_reply };
        if (nghttp2_submit_response(ng, f->hd.stream_id, RESPONSE, 2, &dp) != 0)
            nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, f->hd.stream_id,
                                      NGHTTP2_INTERNAL_ERROR);
    }
    return 0;
}

/* Sends what nghttp2 has; closes the connection when it is finished or
 * failed.  False if the connection was freed. */
static bool flush(conn *c)
{
    if (nghttp2_session_send(c->ng) != 0 ||
        (!nghttp2_session_want_read(c->ng) && !nghttp2_session_want_write(c->ng) &&
         evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)) {
        conn_free(c);
        return false;
    }
    return true;
}

/* Feeds nghttp2 the input chunks in place, then drains them. */
static void readcb(struct bufferevent *bev, void *arg)
{
    conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        struct evbuffer_iovec v[16];
        int n = evbuffer_peek(in, -1, NULL, v, 16);
        if (n <= 0)
            break;
        size_t used = 0;
        for (int i = 0; i < n && i < 16; i++) {
            ssize_t rv = nghttp2_session_mem_recv(c->ng, v[i].iov_base, v[i].iov_len);
            if (rv < 0) {
                conn_free(c);
                return;
            }
            used += v[i].iov_len;
        }
        evbuffer_drain(in, used);
    }
    flush(c);
}

/* The output went below the low water mark (0): nghttp2 may have more. */
static void writecb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    flush(arg);
}

static void eventcb(struct bufferevent *bev, short events, void *arg)
{
    (void)bev;
    if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        conn_free(arg);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    (void)l, (void)sa, (void)salen;
    worker *w = arg;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
        close(fd);
        free(c);
        return;
    }
    nghttp2_settings_entry iv[] = { { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100 },
                                    { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 } };
    if (nghttp2_session_server_new(&c->ng, w->cbs, c) != 0) {
        bufferevent_free(c->bev);
        free(c);
        return;
    }
    if (nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, 2) != 0) {
        conn_free(c);
        return;
    }
    bufferevent_setcb(c->bev, readcb, writecb, eventcb, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    flush(c);
}

static void *run(void *arg)
{
    worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

/* Binds a listening socket of w to host:*port (SO_REUSEPORT, so every
 * worker binds the same port); sets *port to the port bound. */
static bool listen_on(worker *w, const char *host, int *port)
{
    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    char spec[300];
    snprintf(spec, sizeof spec, "%s:%d", host, *port);
    /* The host alone (libevent refuses port 0), then the port. */
    if (evutil_parse_sockaddr_port(host, (struct sockaddr *)&ss, &sslen) != 0) {
        fprintf(stderr, "ceiling_server: bad address '%s'\n", spec);
        return false;
    }
    if (ss.ss_family == AF_INET6)
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)*port);
    else
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)*port);
    w->lis = evconnlistener_new_bind(w->base, accept_cb, w,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
                                         LEV_OPT_REUSEABLE_PORT,
                                     1024, (struct sockaddr *)&ss, sslen);
    if (!w->lis) {
        fprintf(stderr, "ceiling_server: %s: %s\n", spec, strerror(errno));
        return false;
    }
    socklen_t len = sizeof ss;
    getsockname(evconnlistener_get_fd(w->lis), (struct sockaddr *)&ss, &len);
    *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                           : ((struct sockaddr_in *)&ss)->sin_port);
    return true;
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:50051";
    long workers = sysconf(_SC_NPROCESSORS_ONLN);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen = argv[++i];
        else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
            workers = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: ceiling_server [--listen HOST:PORT] [--workers N]\n");
            return 2;
        }
    }
    if (workers < 1 || workers > 256)
        workers = 1;
    const char *colon = strrchr(listen, ':');
    if (!colon) {
        fprintf(stderr, "ceiling_server: --listen wants HOST:PORT\n");
        return 2;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    int port = atoi(colon + 1);

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (evthread_use_pthreads() != 0) /* loopbreak from the main thread */
        return 1;

    nghttp2_session_callbacks *cbs;
    if (nghttp2_session_callbacks_new(&cbs) != 0)
        return 1;
    nghttp2_session_callbacks_set_send_callback(cbs, send_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);

    worker *w = calloc((size_t)workers, sizeof *w);
    if (!w)
        return 1;
    for (long i = 0; i < workers; i++) {
        w[i].cbs = cbs;
        if (!(w[i].base = event_base_new()) || !listen_on(&w[i], host, &port))
            return 1;
    }
    for (long i = 0; i < workers; i++) {
        if (pthread_create(&w[i].thread, NULL, run, &w[i]) != 0)
            return 1;
    }
    printf("ceiling_server: listening on %s:%d\n", host, port);
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    for (long i = 0; i < workers; i++)
        event_base_loopbreak(w[i].base);
    for (long i = 0; i < workers; i++) {
        pthread_join(w[i].thread, NULL);
        evconnlistener_free(w[i].lis);
        event_base_free(w[i].base); /* connections left open go with the process */
    }
    free(w);
    nghttp2_session_callbacks_del(cbs);
    printf("ceiling_server: stopped\n");
    return 0;
}
