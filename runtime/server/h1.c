/*
 * h1.c: the HTTP/1.1 -> HTTP/2 bridge (see h1.h, docs/http1.md).
 *
 * One exchange at a time, as HTTP/1.1 has it: a request is parsed, sent as
 * a stream of the bridge's nghttp2 client session into the server
 * connection, and its response written back; only then is the next
 * (perhaps pipelined) request parsed: the parser pauses at the end of each
 * request, and the socket is not read while SOCK_IN_HIGH bytes after it
 * wait.
 *
 *   state     event                                next
 *   head      request line and header fields       head (scanned, parsed)
 *   head      the header section ends              body: the request is checked
 *                                                  and submitted as a stream
 *                                                  (nothing invalid is forwarded)
 *   body      body bytes (content-length, chunked) body (given to nghttp2 as its
 *                                                  stream window allows)
 *   body      the request ends                     wait: the parser is paused
 *   any       response HEADERS, DATA, trailers     written as HTTP/1.1 as they
 *                                                  come (alongside the body)
 *   wait      response ended and stream closed     head (keep-alive), else
 *                                                  lingering close
 *   head/body invalid input, head too big or slow  4xx, lingering close
 *
 * Smuggling.  http_parser (2.9.4, strict about Content-Length and
 * Transfer-Encoding) is not strict about line endings: it takes a bare LF
 * and obs-fold.  So the raw bytes of every request head are scanned first
 * (scan()): CR only before LF, LF only after CR, no line that begins with
 * whitespace, and at most max_head bytes; the header fields are checked
 * again after parsing (token names, no control bytes in values, one
 * Content-Length, never with Transfer-Encoding, a Transfer-Encoding of
 * exactly "chunked", one Host).  A request failing any check is answered
 * 400 (431 for size) and the connection closed; none of it reaches a
 * handler.
 *
 * Back-pressure.  A request body is buffered only up to BODY_HIGH: past it
 * the parser is not fed, the socket's input fills to SOCK_IN_HIGH and
 * the bridge stops reading it, until nghttp2 takes body bytes (as the server's
 * stream window allows: a handler that falls behind holds the client
 * back).  Responses: past OUT_HIGH bytes waiting for the socket, the
 * server connection's output is no longer drained, so it stalls as for a
 * slow HTTP/2 client.
 *
 * The bytes between the client session and the server connection go in
 * memory: the server connection's bufferevent is a socket bufferevent
 * without a socket (server/conn.c).  Not a bufferevent_pair: libevent
 * 2.1's bufferevent_pair_new() crashes the loop later when one of its
 * allocations fails (tests/failmalloc found it), and the pair's locking
 * and transfers are work this does not need.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <http_parser.h>
#include <nghttp2/nghttp2.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include "h2/timer.h"
#include "server/h1.h"

#define IN_SLICE (16u * 1024u)    /* parser input per step */
#define BODY_HIGH (64u * 1024u)   /* request body buffered, at most (about) */
#define SOCK_IN_HIGH (64u * 1024u)
#define OUT_HIGH (256u * 1024u)   /* response bytes waiting for the socket */
#define MAX_CONN_TOKENS 16

typedef struct hfield {
    size_t name, nlen, value, vlen; /* offsets into buf */
} hfield;

struct trpc__h1 {
    struct bufferevent *sock;   /* the client's connection */
    struct bufferevent *inner;  /* the server connection's (not ours) */
    struct evbuffer_cb_entry *out_cb; /* on inner's output */
    struct event *wake_ev;      /* the server wrote: process it */
    bool wake_pending;
    nghttp2_session *ng;
    trpc__h1_cfg cfg;
    struct event *head_ev;
    http_parser hp;
    /* the raw scan of the request head */
    bool in_head, cr, line_start;
    unsigned lines;
    uint32_t head_bytes;
    /* the request being parsed: its target and header fields, in buf */
    char *buf;
    size_t blen, bcap;
    hfield *f;
    size_t nf, fcap;
    size_t url, ulen;
    bool last_value;
    int err;                    /* the answer when a callback failed ... */
    const char *why;            /* ... and its reason */
    /* the exchange */
    int32_t sid;                /* its stream, 0: none */
    struct evbuffer *body;      /* request body nghttp2 has not taken */
    bool msg_done;              /* the request has ended (parser paused) */
    bool keep_alive, head_method, http10;
    /* the response */
    struct evbuffer *hdr;       /* header (or trailer) lines being collected */
    int status;
    bool resp_has_cl, resp_head_sent, resp_chunked, resp_done, stream_closed, broken;
    /* the connection */
    bool goaway;                /* the server said GOAWAY */
    bool failed;                /* answered by the bridge: the server's words
                                   are no longer written */
    bool lingering, shut, pumping, in_recv, inner_blocked;
    bool read_stopped;          /* SOCK_IN_HIGH unparsed bytes wait */
};

static void pump(trpc__h1 *h);
static void process_inner(trpc__h1 *h);

/* ---- small helpers -------------------------------------------------------------------- */

static bool append(trpc__h1 *h, const char *p, size_t n)
{
    if (h->blen + n > h->bcap) {
        size_t cap = h->bcap ? h->bcap : 1024;
        while (cap < h->blen + n) {
            cap *= 2;
        }
        char *b = realloc(h->buf, cap);
        if (!b) {
            return false;
        }
        h->buf = b;
        h->bcap = cap;
    }
    memcpy(h->buf + h->blen, p, n);
    h->blen += n;
    return true;
}

static bool ieq(const char *a, size_t alen, const char *lit)
{
    size_t n = strlen(lit);
    return alen == n && strncasecmp(a, lit, n) == 0;
}

static bool is_tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static void trim(const char *b, size_t *off, size_t *len)
{
    while (*len > 0 && (b[*off] == ' ' || b[*off] == '\t')) {
        (*off)++;
        (*len)--;
    }
    while (*len > 0 && (b[*off + *len - 1] == ' ' || b[*off + *len - 1] == '\t')) {
        (*len)--;
    }
}

/* Calls fn on each comma-separated, trimmed, non-empty element of v. */
#define FOR_EACH_TOKEN(v, vlen, tok, tlen, body)                                    \
    do {                                                                            \
        size_t i_ = 0;                                                              \
        while (i_ <= (vlen)) {                                                      \
            size_t s_ = i_;                                                         \
            while (i_ < (vlen) && (v)[i_] != ',') {                                 \
                i_++;                                                               \
            }                                                                       \
            size_t o_ = s_, l_ = i_ - s_;                                           \
            trim((v), &o_, &l_);                                                    \
            if (l_ > 0) {                                                           \
                const char *tok = (v) + o_;                                         \
                size_t tlen = l_;                                                   \
                body                                                                \
            }                                                                       \
            i_++;                                                                   \
        }                                                                           \
    } while (0)

/* Sends what the client session has queued into the server connection's
 * input, and has the server read it (on the next turn of the loop). */
static void send_now(trpc__h1 *h)
{
    if (!h->ng || h->in_recv) {
        return;
    }
    struct evbuffer *in = bufferevent_get_input(h->inner);
    size_t before = evbuffer_get_length(in);
    /* A socket bufferevent freezes its input's end (only its socket
     * adds there): we are its socket. */
    evbuffer_unfreeze(in, 0);
    int rv = nghttp2_session_send(h->ng);
    evbuffer_freeze(in, 0);
    if (evbuffer_get_length(in) > before) {
        bufferevent_trigger(h->inner, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
    }
    if (rv != 0 && !h->lingering) {
        h->failed = true;
        h->cfg.done(h->cfg.ctx, false);
    }
}

/* ---- answers of the bridge's own ------------------------------------------------------ */

static const char *reason(int status)
{
    const char *r = http_status_str((enum http_status)status);
    return r && r[0] != '<' ? r : "Status";
}

/* Ends the connection over something the client sent: answered with
 * status (when no response has begun), then a lingering close.  A stream
 * already open is reset, so its handler sees the cancellation. */
static void reject(trpc__h1 *h, int status, const char *why)
{
    if (h->lingering || h->failed) {
        return;
    }
    h->failed = true;
    if (h->sid && !h->stream_closed) {
        nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, h->sid, NGHTTP2_CANCEL);
    }
    if (!h->resp_head_sent) {
        struct evbuffer *out = bufferevent_get_output(h->sock);
        evbuffer_add_printf(out,
                            "HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\n"
                            "content-length: %zu\r\nconnection: close\r\n\r\n%s\n",
                            status, reason(status), strlen(why) + 1, why);
    }
    if (h->head_ev) {
        evtimer_del(h->head_ev);
    }
    send_now(h);
    h->cfg.done(h->cfg.ctx, false);
}

/* ---- the raw head scan ---------------------------------------------------------------- */

static void head_reset(trpc__h1 *h)
{
    h->in_head = true;
    h->cr = false;
    h->line_start = true;
    h->lines = 0;
    h->head_bytes = 0;
}

/* Scans p[0..n) while the head lasts: 0, or the status to refuse it
 * with (why set). */
static int scan(trpc__h1 *h, const char *p, size_t n)
{
    for (size_t i = 0; i < n && h->in_head; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (h->head_bytes++ == 0 && h->head_ev && h->cfg.head_timeout_ms > 0) {
            trpc__timer_in(h->head_ev, h->cfg.head_timeout_ms);
        }
        if (h->head_bytes > h->cfg.max_head) {
            h->why = "request line and header fields too large";
            return 431;
        }
        if (h->cr) {
            h->cr = false;
            if (ch != '\n') {
                h->why = "CR without LF in the request head";
                return 400;
            }
            if (h->line_start && h->lines > 0) {
                h->in_head = false; /* CRLF CRLF: the head ends */
                if (h->head_ev) {
                    evtimer_del(h->head_ev);
                }
            }
            h->line_start = true;
        } else if (ch == '\r') {
            h->cr = true;
        } else if (ch == '\n') {
            h->why = "LF without CR in the request head";
            return 400;
        } else if (h->line_start) {
            if (ch == ' ' || ch == '\t') {
                h->why = "a request head line begins with whitespace (obs-fold)";
                return 400;
            }
            h->line_start = false;
            h->lines++;
        }
    }
    return 0;
}

/* ---- the request: http_parser callbacks ----------------------------------------------- */

static int on_message_begin(http_parser *hp)
{
    trpc__h1 *h = hp->data;
    h->blen = h->nf = h->url = h->ulen = 0;
    h->last_value = false;
    h->err = 0;
    return 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
    trpc__h1 *h = hp->data;
    if (h->ulen == 0) {
        h->url = h->blen;
    }
    h->ulen += len;
    return append(h, at, len) ? 0 : -1;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    trpc__h1 *h = hp->data;
    if (h->sid) {
        return 0; /* a chunked body's trailer fields: not forwarded */
    }
    if (h->nf == 0 || h->last_value) {
        if (h->nf == h->fcap) {
            size_t cap = h->fcap ? 2 * h->fcap : 16;
            hfield *f = realloc(h->f, cap * sizeof *f);
            if (!f) {
                return -1;
            }
            h->f = f;
            h->fcap = cap;
        }
        h->f[h->nf++] = (hfield){ h->blen, 0, h->blen, 0 };
        h->last_value = false;
    }
    h->f[h->nf - 1].nlen += len;
    return append(h, at, len) ? 0 : -1;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    trpc__h1 *h = hp->data;
    if (h->sid || h->nf == 0) {
        return 0;
    }
    hfield *f = &h->f[h->nf - 1];
    if (!h->last_value) {
        f->value = h->blen;
        f->vlen = 0;
        h->last_value = true;
    }
    f->vlen += len;
    return append(h, at, len) ? 0 : -1;
}

static ssize_t body_read_cb(nghttp2_session *ng, int32_t sid, uint8_t *buf, size_t len,
                            uint32_t *flags, nghttp2_data_source *src, void *ud)
{
    (void)ng;
    (void)sid;
    (void)src;
    trpc__h1 *h = ud;
    int n = evbuffer_remove(h->body, buf, len);
    if (n > 0) {
        return n;
    }
    if (h->msg_done) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        return 0;
    }
    return NGHTTP2_ERR_DEFERRED;
}

static int fail(trpc__h1 *h, int status, const char *why)
{
    h->err = status;
    h->why = why;
    return -1;
}

static bool hop_by_hop(const char *n, size_t len)
{
    static const char *const names[] = { "connection", "keep-alive", "proxy-connection",
                                         "transfer-encoding", "upgrade", "te", "host",
                                         "expect", "http2-settings" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        if (ieq(n, len, names[i])) {
            return true;
        }
    }
    return false;
}

#define NV(n, nl, v, vl) ((nghttp2_nv){ (uint8_t *)(n), (uint8_t *)(v), (nl), (vl), 0 })

/* The header section ended: check the request, submit its stream. */
static int on_headers_complete(http_parser *hp)
{
    trpc__h1 *h = hp->data;
    char *b = h->buf;
    if (hp->http_major != 1) {
        return fail(h, 505, "only HTTP/1.0 and HTTP/1.1 are served here");
    }
    if (hp->method == HTTP_CONNECT) {
        return fail(h, 405, "CONNECT is not served");
    }
    h->http10 = hp->http_minor == 0;
    size_t ncl = 0, nte = 0, nhost = 0, host = 0, hostlen = 0;
    size_t te_trailers = 0;
    bool expect = false;
    struct { const char *p; size_t n; } conn_tok[MAX_CONN_TOKENS];
    size_t nconn = 0;
    for (size_t i = 0; i < h->nf; i++) {
        hfield *f = &h->f[i];
        if (f->nlen == 0) {
            return fail(h, 400, "an empty header field name");
        }
        for (size_t k = 0; k < f->nlen; k++) {
            unsigned char ch = (unsigned char)b[f->name + k];
            if (!is_tchar(ch)) {
                return fail(h, 400, "an invalid byte in a header field name");
            }
            b[f->name + k] = (char)tolower(ch);
        }
        trim(b, &f->value, &f->vlen);
        for (size_t k = 0; k < f->vlen; k++) {
            unsigned char ch = (unsigned char)b[f->value + k];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                return fail(h, 400, "an invalid byte in a header field value");
            }
        }
        const char *n = b + f->name, *v = b + f->value;
        if (ieq(n, f->nlen, "content-length")) {
            ncl++;
        } else if (ieq(n, f->nlen, "transfer-encoding")) {
            nte++;
            int last_chunked = 0, others = 0;
            FOR_EACH_TOKEN(v, f->vlen, t, tl, {
                last_chunked = ieq(t, tl, "chunked");
                others += !last_chunked;
            });
            if (!last_chunked) {
                return fail(h, 400, "a Transfer-Encoding that does not end in chunked");
            }
            if (others) {
                return fail(h, 501, "transfer codings other than chunked are not supported");
            }
        } else if (ieq(n, f->nlen, "host")) {
            nhost++;
            host = f->value;
            hostlen = f->vlen;
        } else if (ieq(n, f->nlen, "connection")) {
            FOR_EACH_TOKEN(v, f->vlen, t, tl, {
                if (nconn < MAX_CONN_TOKENS) {
                    conn_tok[nconn].p = t;
                    conn_tok[nconn++].n = tl;
                }
            });
        } else if (ieq(n, f->nlen, "te")) {
            FOR_EACH_TOKEN(v, f->vlen, t, tl, {
                size_t l = 0;
                while (l < tl && t[l] != ';') {
                    l++;
                }
                if (ieq(t, l, "trailers")) {
                    te_trailers = 1;
                }
            });
        } else if (ieq(n, f->nlen, "expect")) {
            if (!ieq(v, f->vlen, "100-continue")) {
                return fail(h, 417, "only Expect: 100-continue is understood");
            }
            expect = true;
        }
    }
    if (ncl > 0 && nte > 0) {
        return fail(h, 400, "both Content-Length and Transfer-Encoding");
    }
    if (ncl > 1 || nte > 1) {
        return fail(h, 400, "more than one Content-Length or Transfer-Encoding");
    }
    if (nte > 0 && h->http10) {
        return fail(h, 400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    if (nhost > 1 || (nhost == 0 && !h->http10)) {
        return fail(h, 400, "an HTTP/1.1 request needs exactly one Host");
    }
    /* The target: origin-form, or absolute-form (its authority wins). */
    const char *path = b + h->url;
    size_t pathlen = h->ulen;
    /* HTTP/1.0 may leave Host out; HTTP/2 needs an authority. */
    const char *auth = nhost ? b + host : "localhost";
    size_t authlen = nhost ? hostlen : 9;
    if (h->ulen == 0) {
        return fail(h, 400, "no request target");
    }
    if (path[0] != '/') {
        struct http_parser_url u;
        http_parser_url_init(&u);
        if (http_parser_parse_url(path, pathlen, 0, &u) != 0 ||
            !(u.field_set & (1 << UF_SCHEMA)) || !(u.field_set & (1 << UF_HOST))) {
            return fail(h, 400, "a request target neither origin-form nor absolute-form");
        }
        size_t a0 = u.field_data[UF_HOST].off, a1 = a0 + u.field_data[UF_HOST].len;
        if (u.field_set & (1 << UF_PORT)) {
            a1 = u.field_data[UF_PORT].off + u.field_data[UF_PORT].len;
        } else if (a1 < pathlen && path[a1] == ']') {
            a1++;
        }
        if (a0 > 0 && path[a0 - 1] == '[') {
            a0--;
        }
        auth = path + a0;
        authlen = a1 - a0;
        size_t p0 = pathlen, p1 = pathlen;
        if (u.field_set & (1 << UF_PATH)) {
            p0 = u.field_data[UF_PATH].off;
            p1 = p0 + u.field_data[UF_PATH].len;
        }
        if (u.field_set & (1 << UF_QUERY)) {
            if (p0 == pathlen) {
                p0 = u.field_data[UF_QUERY].off - 1;
            }
            p1 = u.field_data[UF_QUERY].off + u.field_data[UF_QUERY].len;
        }
        path = p0 < p1 ? path + p0 : "/";
        pathlen = p0 < p1 ? p1 - p0 : 1;
    }
    h->keep_alive = http_should_keep_alive(hp) != 0;
    h->head_method = hp->method == HTTP_HEAD;
    bool has_body = (hp->flags & F_CHUNKED) ||
                    (hp->content_length > 0 && hp->content_length != UINT64_MAX);

    nghttp2_nv *nv = malloc((h->nf + 5) * sizeof *nv);
    if (!nv) {
        return fail(h, 500, "out of memory");
    }
    size_t n = 0;
    const char *method = http_method_str((enum http_method)hp->method);
    const char *scheme = h->cfg.tls ? "https" : "http";
    nv[n++] = NV(":method", 7, method, strlen(method));
    nv[n++] = NV(":scheme", 7, scheme, strlen(scheme));
    if (auth && authlen > 0) {
        nv[n++] = NV(":authority", 10, auth, authlen);
    }
    nv[n++] = NV(":path", 5, path, pathlen);
    if (te_trailers) {
        nv[n++] = NV("te", 2, "trailers", 8);
    }
    for (size_t i = 0; i < h->nf; i++) {
        const char *nm = b + h->f[i].name;
        size_t nl = h->f[i].nlen;
        bool drop = hop_by_hop(nm, nl);
        for (size_t k = 0; k < nconn && !drop; k++) {
            drop = nl == conn_tok[k].n && strncasecmp(nm, conn_tok[k].p, nl) == 0;
        }
        if (!drop) {
            nv[n++] = NV(nm, nl, b + h->f[i].value, h->f[i].vlen);
        }
    }
    nghttp2_data_provider prd = { .source.ptr = NULL, .read_callback = body_read_cb };
    int32_t sid = nghttp2_submit_request(h->ng, NULL, nv, n, has_body ? &prd : NULL, NULL);
    free(nv);
    if (sid < 0) {
        return fail(h, sid == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE ? 503 : 500,
                    "the request could not be forwarded");
    }
    h->sid = sid;
    h->stream_closed = h->resp_done = h->resp_head_sent = h->resp_chunked = false;
    h->resp_has_cl = h->broken = false;
    h->status = 0;
    if (expect && has_body && !h->http10) {
        evbuffer_add(bufferevent_get_output(h->sock), "HTTP/1.1 100 Continue\r\n\r\n", 25);
    }
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    trpc__h1 *h = hp->data;
    if (evbuffer_add(h->body, at, len) != 0) {
        return -1;
    }
    nghttp2_session_resume_data(h->ng, h->sid);
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    trpc__h1 *h = hp->data;
    h->msg_done = true;
    if (h->sid) {
        nghttp2_session_resume_data(h->ng, h->sid);
    }
    http_parser_pause(hp, 1); /* the next request waits for this response */
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static int parser_status(trpc__h1 *h, enum http_errno e)
{
    switch (e) {
    case HPE_CB_headers_complete:
        return h->err ? h->err : 500;
    case HPE_HEADER_OVERFLOW:
        h->why = "request line and header fields too large";
        return 431;
    case HPE_CB_url:
    case HPE_CB_header_field:
    case HPE_CB_header_value:
    case HPE_CB_body:
        h->why = "out of memory";
        return 500;
    default:
        h->why = http_errno_description(e);
        return 400;
    }
}

/* Feeds the parser what the client has sent, while a request may be
 * parsed and its body buffer has room. */
static void pump(trpc__h1 *h)
{
    if (h->pumping) {
        return;
    }
    h->pumping = true;
    struct evbuffer *in = bufferevent_get_input(h->sock);
    for (;;) {
        bool stop = false;
        /* After the server's GOAWAY a request under way still gets its
         * body; no new one is parsed. */
        while (!stop && !h->lingering && !h->failed && !h->msg_done &&
               !(h->goaway && h->sid == 0) &&
               evbuffer_get_length(h->body) < BODY_HIGH && evbuffer_get_length(in) > 0) {
            struct evbuffer_iovec v;
            if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) {
                break;
            }
            size_t n = v.iov_len < IN_SLICE ? v.iov_len : IN_SLICE;
            const char *p = v.iov_base;
            if (h->in_head) {
                int st = scan(h, p, n);
                if (st) {
                    reject(h, st, h->why);
                    break;
                }
            }
            size_t used = http_parser_execute(&h->hp, &parser_settings, p, n);
            enum http_errno e = HTTP_PARSER_ERRNO(&h->hp);
            evbuffer_drain(in, used);
            if (e == HPE_PAUSED) {
                continue; /* a request ended: msg_done */
            }
            if (e != HPE_OK) {
                int st = parser_status(h, e);
                reject(h, st, h->why ? h->why : "bad request");
                stop = true;
            } else if (used < n || h->hp.upgrade) {
                reject(h, 400, "the request could not be parsed");
                stop = true;
            }
        }
        if (h->lingering || h->failed) {
            break;
        }
        size_t before = evbuffer_get_length(h->body);
        send_now(h);
        /* nghttp2 took body bytes: room to parse more of the body */
        if (h->lingering || h->failed || h->msg_done || h->sid == 0 || before < BODY_HIGH ||
            evbuffer_get_length(h->body) >= BODY_HIGH || evbuffer_get_length(in) == 0) {
            break;
        }
    }
    h->pumping = false;
    /* Not a read watermark: libevent 2.1's bufferevent_setwatermark()
     * crashes when its allocation fails. */
    bool full = evbuffer_get_length(in) >= SOCK_IN_HIGH;
    if (full != h->read_stopped && !h->lingering) {
        h->read_stopped = full;
        if (full) {
            bufferevent_disable(h->sock, EV_READ);
        } else {
            bufferevent_enable(h->sock, EV_READ);
        }
    }
}

/* ---- the response: nghttp2 client callbacks ------------------------------------------- */

static ssize_t send_cb(nghttp2_session *ng, const uint8_t *data, size_t len, int flags,
                       void *ud)
{
    (void)ng;
    (void)flags;
    trpc__h1 *h = ud;
    if (evbuffer_add(bufferevent_get_input(h->inner), data, len) != 0) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    return (ssize_t)len;
}

static int on_begin_headers_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    (void)ng;
    trpc__h1 *h = ud;
    if (frame->hd.stream_id == h->sid) {
        evbuffer_drain(h->hdr, evbuffer_get_length(h->hdr));
    }
    return 0;
}

static int on_header_cb(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                        size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
                        void *ud)
{
    (void)ng;
    (void)flags;
    trpc__h1 *h = ud;
    if (frame->hd.stream_id != h->sid || h->sid == 0) {
        return 0;
    }
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        h->status = atoi((const char *)value);
        return 0;
    }
    if (namelen > 0 && name[0] == ':') {
        return 0;
    }
    if (frame->headers.cat == NGHTTP2_HCAT_RESPONSE && namelen == 14 &&
        memcmp(name, "content-length", 14) == 0) {
        h->resp_has_cl = true;
    }
    evbuffer_add(h->hdr, name, namelen);
    evbuffer_add(h->hdr, ": ", 2);
    evbuffer_add(h->hdr, value, valuelen);
    evbuffer_add(h->hdr, "\r\n", 2);
    return 0;
}

static void write_head(trpc__h1 *h, bool end_stream)
{
    struct evbuffer *out = bufferevent_get_output(h->sock);
    int st = h->status ? h->status : 500;
    bool bodyless = h->head_method || st == 204 || st == 304 || (st >= 100 && st < 200);
    evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n", st, reason(st));
    if (!bodyless && !h->resp_has_cl) {
        if (end_stream) {
            evbuffer_add(out, "content-length: 0\r\n", 19);
        } else if (h->http10) {
            h->keep_alive = false; /* the body ends at the close */
        } else {
            evbuffer_add(out, "transfer-encoding: chunked\r\n", 28);
            h->resp_chunked = true;
        }
    }
    if (!h->keep_alive || h->goaway) {
        evbuffer_add(out, "connection: close\r\n", 19);
    } else if (h->http10) {
        evbuffer_add(out, "connection: keep-alive\r\n", 24);
    }
    evbuffer_add_buffer(out, h->hdr);
    evbuffer_add(out, "\r\n", 2);
    h->resp_head_sent = true;
}

static void end_response(trpc__h1 *h, bool trailers)
{
    struct evbuffer *out = bufferevent_get_output(h->sock);
    if (h->resp_chunked) {
        evbuffer_add(out, "0\r\n", 3);
        if (trailers) {
            evbuffer_add_buffer(out, h->hdr);
        }
        evbuffer_add(out, "\r\n", 2);
    }
    evbuffer_drain(h->hdr, evbuffer_get_length(h->hdr));
    h->resp_done = true;
}

static int on_frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    (void)ng;
    trpc__h1 *h = ud;
    if (frame->hd.type == NGHTTP2_GOAWAY) {
        h->goaway = true;
        return 0;
    }
    if (frame->hd.stream_id != h->sid || h->sid == 0 || h->resp_done) {
        return 0;
    }
    bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (frame->hd.type == NGHTTP2_HEADERS) {
        if (h->failed) {
            return 0;
        }
        if (!h->resp_head_sent) {
            if (h->status >= 100 && h->status < 200) {
                evbuffer_drain(h->hdr, evbuffer_get_length(h->hdr)); /* interim */
                return 0;
            }
            write_head(h, end);
            if (end) {
                end_response(h, false);
            }
        } else if (end) {
            end_response(h, true);
        }
    } else if (frame->hd.type == NGHTTP2_DATA && end && !h->failed) {
        end_response(h, false);
    }
    return 0;
}

static int on_data_chunk_recv_cb(nghttp2_session *ng, uint8_t flags, int32_t sid,
                                 const uint8_t *data, size_t len, void *ud)
{
    (void)ng;
    (void)flags;
    trpc__h1 *h = ud;
    if (sid != h->sid || h->failed || h->head_method || !h->resp_head_sent || len == 0) {
        return 0;
    }
    struct evbuffer *out = bufferevent_get_output(h->sock);
    if (h->resp_chunked) {
        evbuffer_add_printf(out, "%zx\r\n", len);
    }
    evbuffer_add(out, data, len);
    if (h->resp_chunked) {
        evbuffer_add(out, "\r\n", 2);
    }
    return 0;
}

static int on_stream_close_cb(nghttp2_session *ng, int32_t sid, uint32_t code, void *ud)
{
    (void)ng;
    trpc__h1 *h = ud;
    if (sid != h->sid || h->sid == 0) {
        return 0;
    }
    h->stream_closed = true;
    if (h->resp_done || h->failed) {
        return 0;
    }
    h->keep_alive = false;
    if (!h->resp_head_sent) {
        /* Reset before answering: refused (the server is busy or going
         * away: the client may retry), or broken. */
        int st = code == NGHTTP2_REFUSED_STREAM ? 503 : 502;
        const char *why = st == 503 ? "the server refused the request; try again"
                                    : "the server reset the request";
        evbuffer_add_printf(bufferevent_get_output(h->sock),
                            "HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\n"
                            "content-length: %zu\r\nconnection: close\r\n\r\n%s\n",
                            st, reason(st), strlen(why) + 1, why);
        h->resp_head_sent = true;
    } else {
        h->broken = true; /* cut short: the close tells the client */
    }
    h->resp_done = true;
    return 0;
}

/* The exchange is over: the next request, or the close. */
static void finish_exchange(trpc__h1 *h)
{
    h->sid = 0;
    evbuffer_drain(h->body, evbuffer_get_length(h->body));
    h->resp_head_sent = h->resp_chunked = h->resp_done = h->stream_closed = false;
    if (!h->msg_done || !h->keep_alive || h->goaway || h->broken || h->failed) {
        h->cfg.done(h->cfg.ctx, false);
        return;
    }
    h->msg_done = false;
    h->hp.upgrade = 0;
    head_reset(h);
    http_parser_pause(&h->hp, 0);
    pump(h);
}

/* Reads what the server connection has said, while the socket keeps up. */
static void process_inner(trpc__h1 *h)
{
    if (h->in_recv) {
        return;
    }
    /* The server connection's output, read in place: its bytes for us. */
    struct evbuffer *in = bufferevent_get_output(h->inner);
    struct evbuffer *out = bufferevent_get_output(h->sock);
    bool took = evbuffer_get_length(in) > 0;
    h->in_recv = true;
    evbuffer_unfreeze(in, 1); /* its start is frozen: only its socket drains it */
    while (evbuffer_get_length(in) > 0) {
        if (!h->lingering && evbuffer_get_length(out) >= OUT_HIGH) {
            /* The client reads slowly: the rest waits in the server
             * connection's output, which holds its frames back past
             * 1 MiB (h2/conn.c), until the socket drains. */
            h->inner_blocked = true;
            break;
        }
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1) {
            break;
        }
        ssize_t rv = nghttp2_session_mem_recv(h->ng, v.iov_base, v.iov_len);
        if (rv < 0) {
            evbuffer_drain(in, evbuffer_get_length(in));
            h->failed = true;
            break;
        }
        evbuffer_drain(in, v.iov_len);
    }
    evbuffer_freeze(in, 1);
    h->in_recv = false;
    if (took && evbuffer_get_length(in) == 0) {
        /* Drained, as a socket's output is: the server may write more. */
        bufferevent_trigger(h->inner, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
    }
    if (h->failed && !h->lingering) {
        h->cfg.done(h->cfg.ctx, false);
        return;
    }
    if (h->sid && h->resp_done && h->stream_closed && !h->lingering) {
        finish_exchange(h);
    } else if (h->goaway && !h->sid && !h->lingering) {
        h->cfg.done(h->cfg.ctx, false); /* between requests: close */
    }
    if (!h->lingering) {
        send_now(h);
    }
}

/* ---- events ---------------------------------------------------------------------------- */

static void maybe_shut(trpc__h1 *h)
{
    if (h->lingering && !h->shut && evbuffer_get_length(bufferevent_get_output(h->sock)) == 0) {
        h->shut = true;
        shutdown(bufferevent_getfd(h->sock), SHUT_WR);
    }
}

static void sock_read_cb(struct bufferevent *bev, void *arg)
{
    trpc__h1 *h = arg;
    if (h->lingering) {
        struct evbuffer *in = bufferevent_get_input(bev);
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    pump(h);
}

static void sock_write_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    trpc__h1 *h = arg;
    if (h->inner_blocked) {
        h->inner_blocked = false;
        process_inner(h);
    }
    maybe_shut(h);
}

static void sock_event_cb(struct bufferevent *bev, short events, void *arg)
{
    (void)bev;
    trpc__h1 *h = arg;
    if (events == (BEV_EVENT_READING | BEV_EVENT_EOF) && !h->lingering && !h->failed &&
        h->sid && h->msg_done) {
        /* The client half-closed after a whole request: answer it, then
         * close (libevent reads no more). */
        h->keep_alive = false;
        return;
    }
    if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        h->cfg.done(h->cfg.ctx, true); /* frees h */
    }
}

/* The server connection wrote (its output's callback): process it on
 * the next turn of the loop, not inside the server's nghttp2 call. */
static void inner_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)buf;
    trpc__h1 *h = arg;
    if (info->n_added > 0 && !h->wake_pending) {
        h->wake_pending = true;
        event_active(h->wake_ev, EV_TIMEOUT, 0);
    }
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__h1 *h = arg;
    h->wake_pending = false;
    process_inner(h);
    if (!h->lingering && !h->failed && h->sid && !h->msg_done &&
        evbuffer_get_length(h->body) < BODY_HIGH) {
        pump(h); /* nghttp2 took body bytes (the window opened): room again */
    }
}

static void head_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trpc__h1 *h = arg;
    if (h->in_head && h->head_bytes > 0) {
        reject(h, 408, "the request head did not arrive in time");
    }
}

/* ---- lifecycle ------------------------------------------------------------------------- */

trpc__h1 *trpc__h1_new(struct bufferevent *sock, struct bufferevent *inner,
                       const trpc__h1_cfg *cfg)
{
    trpc__h1 *h = calloc(1, sizeof *h);
    nghttp2_session_callbacks *cbs = NULL;
    if (!h) {
        goto err;
    }
    struct event_base *base = bufferevent_get_base(sock);
    h->sock = sock;
    h->inner = inner;
    h->cfg = *cfg;
    h->body = evbuffer_new();
    h->hdr = evbuffer_new();
    h->head_ev = evtimer_new(base, head_timeout_cb, h);
    h->wake_ev = event_new(base, -1, 0, wake_cb, h);
    if (!h->body || !h->hdr || !h->head_ev || !h->wake_ev ||
        nghttp2_session_callbacks_new(&cbs) != 0) {
        goto err;
    }
    nghttp2_session_callbacks_set_send_callback(cbs, send_cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers_cb);
    nghttp2_session_callbacks_set_on_header_callback(cbs, on_header_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk_recv_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close_cb);
    int rv = nghttp2_session_client_new3(&h->ng, cbs, h, NULL, cfg->mem);
    nghttp2_session_callbacks_del(cbs);
    if (rv != 0) {
        goto err;
    }
    nghttp2_settings_entry iv[] = {
        { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
        { NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20 },
    };
    if (nghttp2_submit_settings(h->ng, NGHTTP2_FLAG_NONE, iv, 2) != 0) {
        goto err;
    }
    http_parser_init(&h->hp, HTTP_REQUEST);
    h->hp.data = h;
    head_reset(h);
    bufferevent_setcb(sock, sock_read_cb, sock_write_cb, sock_event_cb, h);
    h->out_cb = evbuffer_add_cb(bufferevent_get_output(inner), inner_out_cb, h);
    if (!h->out_cb || bufferevent_enable(sock, EV_READ | EV_WRITE) != 0) {
        goto err;
    }
    return h;
err:
    if (h) {
        h->sock = NULL;
        trpc__h1_free(h);
    }
    bufferevent_free(sock);
    return NULL;
}

void trpc__h1_start(trpc__h1 *h)
{
    send_now(h); /* the preface and SETTINGS */
    pump(h);
}

void trpc__h1_linger(trpc__h1 *h)
{
    if (h->lingering) {
        return;
    }
    /* What the server connection said last (a response's end before its
     * GOAWAY) is written first. */
    h->lingering = true;
    process_inner(h);
    if (h->head_ev) {
        evtimer_del(h->head_ev);
    }
    struct evbuffer *in = bufferevent_get_input(h->sock);
    evbuffer_drain(in, evbuffer_get_length(in));
    if (h->read_stopped) {
        h->read_stopped = false;
        bufferevent_enable(h->sock, EV_READ); /* to see the client's EOF */
    }
    maybe_shut(h);
}

void trpc__h1_free(trpc__h1 *h)
{
    if (!h) {
        return;
    }
    if (h->head_ev) {
        event_free(h->head_ev);
    }
    if (h->wake_ev) {
        event_free(h->wake_ev);
    }
    if (h->out_cb) {
        evbuffer_remove_cb_entry(bufferevent_get_output(h->inner), h->out_cb);
    }
    if (h->ng) {
        nghttp2_session_del(h->ng);
    }
    if (h->sock) {
        bufferevent_free(h->sock);
    }
    if (h->body) {
        evbuffer_free(h->body);
    }
    if (h->hdr) {
        evbuffer_free(h->hdr);
    }
    free(h->buf);
    free(h->f);
    free(h);
}
