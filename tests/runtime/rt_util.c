/*
 * rt_util.c: helpers of the runtime's test programs (see rt_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "rt_util.h"

trpc_channel *rt_channel(const char *fmt, ...)
{
    char target[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(target, sizeof target, fmt, ap);
    va_end(ap);
    trpc_channel_opts o = TRPC_CHANNEL_OPTS(.backoff_initial_ms = 20, .backoff_max_ms = 100);
    trpc_channel *c = NULL;
    assert_int_equal(trpc_channel_new(&c, target, &o), TRPC_OK);
    return c;
}

int rt_connect_port(int p)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)p),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = { 10, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

int rt_read_until_closed(int fd)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) {
            return 1;
        }
        if (n < 0) {
            return errno == ECONNRESET;
        }
    }
}

/* ---- the raw client ---- */

typedef struct raw {
    int fd;
    const uint8_t *body;
    size_t body_len, body_off;
    int http_status;
    int grpc_status;
    bool closed;
} raw;

static ssize_t raw_send(nghttp2_session *s, const uint8_t *d, size_t n, int f, void *u)
{
    (void)s;
    (void)f;
    raw *r = u;
    return write(r->fd, d, n);
}

static ssize_t raw_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len,
                        uint32_t *flags, nghttp2_data_source *src, void *u)
{
    (void)s;
    (void)sid;
    (void)src;
    raw *r = u;
    size_t n = r->body_len - r->body_off;
    if (n > len) {
        n = len;
    }
    memcpy(buf, r->body + r->body_off, n);
    r->body_off += n;
    if (r->body_off == r->body_len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return (ssize_t)n;
}

static int raw_header(nghttp2_session *s, const nghttp2_frame *fr, const uint8_t *name,
                      size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *u)
{
    (void)s;
    (void)fr;
    (void)flags;
    (void)vl;
    raw *r = u;
    if (nl == 7 && memcmp(name, ":status", 7) == 0) {
        r->http_status = atoi((const char *)value);
    } else if (nl == 11 && memcmp(name, "grpc-status", 11) == 0) {
        r->grpc_status = atoi((const char *)value);
    }
    return 0;
}

static int raw_close(nghttp2_session *s, int32_t sid, uint32_t e, void *u)
{
    (void)s;
    (void)sid;
    (void)e;
    ((raw *)u)->closed = true;
    return 0;
}

void rt_raw_call(int p, const char *path, const char *ctype, const void *body, size_t len,
                 const char *xname, const char *xvalue, int *http_status, int *grpc_status)
{
    raw r = { .fd = rt_connect_port(p), .body = body, .body_len = len, .grpc_status = -1 };
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_send_callback(cb, raw_send);
    nghttp2_session_callbacks_set_on_header_callback(cb, raw_header);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, raw_close);
    nghttp2_session *s;
    nghttp2_session_client_new(&s, cb, &r);
    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0);
    nghttp2_nv nv[] = {
        { (uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0 },
        { (uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0 },
        { (uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0 },
        { (uint8_t *)":authority", (uint8_t *)"x", 10, 1, 0 },
        { (uint8_t *)"content-type", (uint8_t *)ctype, 12, strlen(ctype), 0 },
        { (uint8_t *)"te", (uint8_t *)"trailers", 2, 8, 0 },
        { (uint8_t *)xname, (uint8_t *)xvalue, xname ? strlen(xname) : 0,
          xvalue ? strlen(xvalue) : 0, 0 },
    };
    nghttp2_data_provider prd = { .read_callback = raw_read };
    assert_true(nghttp2_submit_request(s, NULL, nv, xname ? 7 : 6, &prd, NULL) > 0);
    nghttp2_session_send(s);
    uint8_t buf[16384];
    while (!r.closed) {
        ssize_t n = read(r.fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        assert_true(nghttp2_session_mem_recv(s, buf, (size_t)n) >= 0);
        nghttp2_session_send(s);
    }
    *http_status = r.http_status;
    *grpc_status = r.grpc_status;
    nghttp2_session_del(s);
    nghttp2_session_callbacks_del(cb);
    close(r.fd);
}

/* ---- the scriptable server ---- */

static _Thread_local int fake_conn; /* the connection being served (index), on its thread */

static ssize_t fake_send(nghttp2_session *s, const uint8_t *d, size_t n, int f, void *u)
{
    (void)s;
    (void)f;
    rt_fake *fk = u;
    ssize_t w = write(fk->fd, d, n);
    if (w > 0 && fake_conn < 8 && atomic_load(&fk->first_ping[fake_conn]) == 0) {
        atomic_store(&fk->last_write[fake_conn], trpc_now_ms());
    }
    return w < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : w;
}

static rt_fake_stream *fake_find(rt_fake *fk, int32_t id, bool make)
{
    for (int i = 0; i < 64; i++) {
        if (fk->st[i].id == id) {
            return &fk->st[i];
        }
    }
    for (int i = 0; make && i < 64; i++) {
        if (fk->st[i].id == 0) {
            memset(&fk->st[i], 0, sizeof fk->st[i]);
            fk->st[i].id = id;
            return &fk->st[i];
        }
    }
    return NULL;
}

static int fake_header(nghttp2_session *s, const nghttp2_frame *fr, const uint8_t *name,
                       size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *u)
{
    (void)s;
    (void)flags;
    rt_fake_stream *st = fake_find(u, fr->hd.stream_id, true);
    if (st && nl == 5 && memcmp(name, ":path", 5) == 0 && vl < sizeof st->path) {
        memcpy(st->path, value, vl);
        st->path[vl] = 0;
    }
    return 0;
}

static ssize_t fake_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len,
                         uint32_t *flags, nghttp2_data_source *src, void *u)
{
    (void)u;
    rt_fake_stream *st = src->ptr;
    size_t n = st->body_len - st->off;
    if (n > len) {
        n = len;
    }
    if (n) {
        memcpy(buf, st->body + st->off, n);
    }
    st->off += n;
    if (st->off == st->body_len) {
        if (st->keep_open) {
            return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
        }
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (st->trailers) {
            *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
            nghttp2_submit_trailer(s, sid, st->trailers, st->ntrailers);
        }
    }
    return (ssize_t)n;
}

void rt_fake_reply(nghttp2_session *s, rt_fake_stream *st, const nghttp2_nv *hdrs, size_t nh,
                   const uint8_t *body, size_t len, const nghttp2_nv *trailers, size_t nt)
{
    st->body = body;
    st->body_len = len;
    st->off = 0;
    st->trailers = trailers;
    st->ntrailers = nt;
    st->responded = true;
    nghttp2_data_provider prd = { .source.ptr = st, .read_callback = fake_read };
    nghttp2_submit_response(s, st->id, hdrs, nh,
                            (body || trailers || st->keep_open) ? &prd : NULL);
}

void rt_fake_end(nghttp2_session *s, rt_fake_stream *st, const nghttp2_nv *trailers, size_t nt)
{
    st->keep_open = false;
    st->trailers = trailers;
    st->ntrailers = nt;
    nghttp2_session_resume_data(s, st->id);
}

static int fake_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *d,
                     size_t len, void *u)
{
    (void)flags;
    (void)d;
    rt_fake *fk = u;
    rt_fake_stream *st = fake_find(fk, sid, false);
    if (!fk->manual_window) {
        return 0;
    }
    if (st) {
        st->unconsumed += len;
    } else {
        nghttp2_session_consume(s, sid, len);
    }
    return 0;
}

static void fake_open_window(rt_fake *fk)
{
    if (!fk->manual_window || !atomic_load(&fk->open_window)) {
        return;
    }
    for (int i = 0; i < 64; i++) {
        if (fk->st[i].id && fk->st[i].unconsumed) {
            nghttp2_session_consume(fk->ng, fk->st[i].id, fk->st[i].unconsumed);
            fk->st[i].unconsumed = 0;
        }
    }
}

static int fake_frame(nghttp2_session *s, const nghttp2_frame *fr, void *u)
{
    rt_fake *fk = u;
    rt_fake_stream *st = fake_find(fk, fr->hd.stream_id, false);
    if (!st) {
        return 0;
    }
    bool end = fr->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (fr->hd.type == NGHTTP2_DATA) {
        st->data_frames++;
    }
    if (fr->hd.type == NGHTTP2_HEADERS || fr->hd.type == NGHTTP2_DATA) {
        fk->respond(fk, s, st, end);
    }
    return 0;
}

static int fake_frame_sent(nghttp2_session *s, const nghttp2_frame *fr, void *u)
{
    (void)s;
    rt_fake *fk = u;
    if (fr->hd.type == NGHTTP2_RST_STREAM) {
        atomic_fetch_add(&fk->rst_frames, 1);
        rt_fake_stream *st = fake_find(fk, fr->hd.stream_id, false);
        if (st) {
            st->rst_sent = true;
        }
    }
    return 0;
}

static int fake_close(nghttp2_session *s, int32_t sid, uint32_t e, void *u)
{
    (void)s;
    (void)e;
    rt_fake *fk = u;
    rt_fake_stream *st = fake_find(fk, sid, false);
    if (st) {
        if (st->unconsumed) {
            nghttp2_session_consume_connection(s, st->unconsumed);
        }
        st->id = 0;
    }
    atomic_fetch_add(&fk->closed, 1);
    return 0;
}

static int fake_frame_any(nghttp2_session *s, const nghttp2_frame *fr, void *u)
{
    rt_fake *fk = u;
    if (fr->hd.type == NGHTTP2_PING && !(fr->hd.flags & NGHTTP2_FLAG_ACK)) {
        atomic_fetch_add(&fk->pings, 1);
        if (fake_conn < 8 && atomic_load(&fk->first_ping[fake_conn]) == 0) {
            atomic_store(&fk->first_ping[fake_conn], trpc_now_ms());
        }
        if (fk->calm_on_ping) {
            static const char dbg[] = "too_many_pings";
            nghttp2_submit_goaway(s, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(s),
                                  NGHTTP2_ENHANCE_YOUR_CALM, (const uint8_t *)dbg,
                                  sizeof dbg - 1);
        }
        return 0;
    }
    if (fr->hd.type == NGHTTP2_RST_STREAM) {
        atomic_fetch_add(&fk->closed_by_client_reset, 1);
        atomic_store(&fk->last_client_reset, fr->rst_stream.error_code);
        return 0;
    }
    return fake_frame(s, fr, u);
}

static void *fake_main(void *arg)
{
    rt_fake *fk = arg;
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_send_callback(cb, fake_send);
    nghttp2_session_callbacks_set_on_header_callback(cb, fake_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, fake_frame_any);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, fake_data);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, fake_frame_sent);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, fake_close);
    for (;;) {
        fk->fd = accept(fk->lfd, NULL, NULL);
        if (fk->fd < 0) {
            break;
        }
        fake_conn = atomic_fetch_add(&fk->conns, 1);
        nghttp2_option *opt;
        nghttp2_option_new(&opt);
        nghttp2_option_set_no_auto_window_update(opt, fk->manual_window);
        nghttp2_option_set_no_auto_ping_ack(opt, fk->no_ping_ack);
        nghttp2_session_server_new2(&fk->ng, cb, fk, opt);
        nghttp2_option_del(opt);
        nghttp2_submit_settings(fk->ng, NGHTTP2_FLAG_NONE, NULL, 0);
        nghttp2_session_send(fk->ng);
        /* Wake up now and then to open the window when asked to. */
        struct timeval tv = { 0, 20000 };
        setsockopt(fk->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        uint8_t buf[16384];
        for (;;) {
            ssize_t n = read(fk->fd, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                break;
            }
            if (n > 0 && nghttp2_session_mem_recv(fk->ng, buf, (size_t)n) < 0) {
                break;
            }
            fake_open_window(fk);
            if (nghttp2_session_send(fk->ng) != 0) {
                break;
            }
            if (fk->calm_on_ping && fake_conn < 8 && atomic_load(&fk->first_ping[fake_conn])) {
                break; /* the GOAWAY is out: close, as gRPC does */
            }
        }
        nghttp2_session_del(fk->ng);
        close(fk->fd);
    }
    nghttp2_session_callbacks_del(cb);
    return NULL;
}

void rt_fake_start(rt_fake *fk)
{
    fk->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(fk->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fk->lfd, 4), 0);
    getsockname(fk->lfd, (struct sockaddr *)&sa, &sl);
    fk->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&fk->th, NULL, fake_main, fk), 0);
}

void rt_fake_stop(rt_fake *fk)
{
    shutdown(fk->lfd, SHUT_RDWR);
    close(fk->lfd);
    pthread_join(fk->th, NULL);
}

/* ---- the step-by-step raw client ---- */

#include <malloc.h>
#include <poll.h>
#if defined(__SANITIZE_ADDRESS__)
#define RT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_ASAN 1
#endif
#endif
#ifdef RT_ASAN
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which gcc
 * does not always install). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

size_t rt_heap_in_use(void)
{
#ifdef RT_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

static rt_rawc_stream *rawc_find(rt_rawc *c, int32_t id)
{
    for (int i = 0; i < c->nst; i++) {
        if (c->st[i].id == id) {
            return &c->st[i];
        }
    }
    return NULL;
}

static ssize_t rawc_send(nghttp2_session *s, const uint8_t *d, size_t n, int f, void *u)
{
    (void)s;
    (void)f;
    rt_rawc *c = u;
    ssize_t w = write(c->fd, d, n);
    return w < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : w;
}

static ssize_t rawc_read(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len,
                         uint32_t *flags, nghttp2_data_source *src, void *u)
{
    (void)s;
    (void)sid;
    (void)u;
    rt_rawc_stream *st = src->ptr;
    size_t n = st->body_len - st->off;
    if (n > len) {
        n = len;
    }
    if (n) {
        memcpy(buf, st->body + st->off, n);
    }
    st->off += n;
    if (st->off == st->body_len) {
        if (st->end) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
        } else if (n == 0) {
            return NGHTTP2_ERR_DEFERRED; /* the request stays open */
        }
    }
    return (ssize_t)n;
}

static int rawc_header(nghttp2_session *s, const nghttp2_frame *fr, const uint8_t *name,
                       size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *u)
{
    (void)s;
    (void)flags;
    (void)vl;
    rt_rawc_stream *st = rawc_find(u, fr->hd.stream_id);
    if (!st) {
        return 0;
    }
    if (nl == 7 && memcmp(name, ":status", 7) == 0) {
        st->http_status = atoi((const char *)value);
    } else if (nl == 11 && memcmp(name, "grpc-status", 11) == 0) {
        st->grpc_status = atoi((const char *)value);
    }
    return 0;
}

static int rawc_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *d,
                     size_t len, void *u)
{
    (void)s;
    (void)flags;
    (void)d;
    rt_rawc_stream *st = rawc_find(u, sid);
    if (st) {
        st->data_bytes += len;
    }
    return 0;
}

static int rawc_frame(nghttp2_session *s, const nghttp2_frame *fr, void *u)
{
    (void)s;
    rt_rawc *c = u;
    if (fr->hd.type == NGHTTP2_PING) {
        if (fr->hd.flags & NGHTTP2_FLAG_ACK) {
            c->pings_acked++;
        } else {
            c->pings_received++;
        }
    } else if (fr->hd.type == NGHTTP2_GOAWAY) {
        c->goaway = true;
        c->goaway_err = fr->goaway.error_code;
        size_t n = fr->goaway.opaque_data_len;
        if (n >= sizeof c->goaway_debug) {
            n = sizeof c->goaway_debug - 1;
        }
        memcpy(c->goaway_debug, fr->goaway.opaque_data, n);
        c->goaway_debug[n] = 0;
    }
    return 0;
}

static int rawc_close_cb(nghttp2_session *s, int32_t sid, uint32_t e, void *u)
{
    (void)s;
    rt_rawc_stream *st = rawc_find(u, sid);
    if (st) {
        st->closed = true;
        st->close_err = e;
    }
    return 0;
}

void rt_rawc_open(rt_rawc *c, int port, uint32_t initial_window, bool manual_window)
{
    memset(c, 0, sizeof *c);
    c->fd = rt_connect_port(port);
    nghttp2_session_callbacks_new(&c->cb);
    nghttp2_session_callbacks_set_send_callback(c->cb, rawc_send);
    nghttp2_session_callbacks_set_on_header_callback(c->cb, rawc_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c->cb, rawc_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c->cb, rawc_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(c->cb, rawc_close_cb);
    nghttp2_option *opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, manual_window);
    assert_int_equal(nghttp2_session_client_new2(&c->ng, c->cb, c, opt), 0);
    nghttp2_option_del(opt);
    nghttp2_settings_entry iv[] = { { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, initial_window } };
    nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, 1);
    nghttp2_session_send(c->ng);
}

rt_rawc_stream *rt_rawc_request(rt_rawc *c, const char *path, const void *body, size_t len,
                                bool end)
{
    assert_true(c->nst < 128);
    rt_rawc_stream *st = &c->st[c->nst++];
    *st = (rt_rawc_stream){ .http_status = -1, .grpc_status = -1, .body = body,
                            .body_len = len, .end = end };
    nghttp2_nv nv[] = {
        { (uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0 },
        { (uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0 },
        { (uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0 },
        { (uint8_t *)":authority", (uint8_t *)"x", 10, 1, 0 },
        { (uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, 0 },
        { (uint8_t *)"te", (uint8_t *)"trailers", 2, 8, 0 },
    };
    nghttp2_data_provider prd = { .source.ptr = st, .read_callback = rawc_read };
    st->id = nghttp2_submit_request(c->ng, NULL, nv, 6, &prd, NULL);
    assert_true(st->id > 0);
    nghttp2_session_send(c->ng);
    return st;
}

void rt_rawc_pump(rt_rawc *c, int ms)
{
    int64_t until = trpc_now_ms() + ms;
    nghttp2_session_send(c->ng);
    while (!c->eof) {
        int left = (int)(until - trpc_now_ms());
        if (left < 0) {
            break;
        }
        struct pollfd p = { c->fd, POLLIN, 0 };
        if (poll(&p, 1, left) <= 0) {
            break;
        }
        uint8_t buf[65536];
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n <= 0) {
            c->eof = true;
            break;
        }
        if (nghttp2_session_mem_recv(c->ng, buf, (size_t)n) < 0) {
            c->eof = true;
            break;
        }
        nghttp2_session_send(c->ng);
        if (poll(&p, 1, 0) <= 0) {
            break; /* processed what came; the caller looks at it */
        }
    }
}

void rt_rawc_consume(rt_rawc *c, rt_rawc_stream *s, size_t n)
{
    nghttp2_session_consume(c->ng, s->id, n);
    nghttp2_session_send(c->ng);
}

void rt_rawc_ping(rt_rawc *c)
{
    nghttp2_submit_ping(c->ng, NGHTTP2_FLAG_NONE, NULL);
    nghttp2_session_send(c->ng);
}

void rt_rawc_end(rt_rawc *c, rt_rawc_stream *s)
{
    s->end = true;
    nghttp2_session_resume_data(c->ng, s->id);
    nghttp2_session_send(c->ng);
}

void rt_rawc_close(rt_rawc *c)
{
    close(c->fd);
    nghttp2_session_del(c->ng);
    nghttp2_session_callbacks_del(c->cb);
    c->ng = NULL;
}
