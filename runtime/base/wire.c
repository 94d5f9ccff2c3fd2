/*
 * wire.c: the small pieces of the gRPC wire protocol that HTTP/2 does not
 * cover (see wire.h).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "base/wire.h"

const char *trpc__status_text(trpc_status code)
{
    static const char *const text[17] = { "0", "1", "2",  "3",  "4",  "5",  "6",  "7", "8",
                                          "9", "10", "11", "12", "13", "14", "15", "16" };
    return (int)code >= 0 && (int)code <= 16 ? text[code] : "2";
}

trpc_status trpc__status_parse(const uint8_t *v, size_t len)
{
    int n = 0;
    if (len == 0 || len > 2) {
        return TRPC_STATUS_UNKNOWN;
    }
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return TRPC_STATUS_UNKNOWN;
        }
        n = n * 10 + (v[i] - '0');
    }
    return n <= 16 ? (trpc_status)n : TRPC_STATUS_UNKNOWN;
}

/* Makes room for need bytes of body: doubling (from 256), never past the
 * message's length, the growth taken from the budget first.  NEED_MORE
 * means done. */
static trpc__frame_ev grow(trpc__framer *f, size_t need)
{
    trpc__buf *b = &f->body;
    if (b->cap >= need) {
        return TRPC__FRAME_NEED_MORE;
    }
    size_t cap = b->cap ? b->cap * 2 : 256;
    if (cap < need) {
        cap = need;
    }
    if (cap > f->msg_len) {
        cap = f->msg_len;
    }
    size_t extra = cap > f->charged ? cap - f->charged : 0;
    /* Past 64 KiB a message is large: it may not take the budget's last
     * eighth, kept for small messages (base/budget.h). */
    if (f->budget && extra > 0 && !trpc__budget_take(f->budget, extra, cap > (64u << 10))) {
        return TRPC__FRAME_OVER_BUDGET;
    }
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        if (f->budget && extra > 0) {
            trpc__budget_give(f->budget, extra);
        }
        return TRPC__FRAME_NOMEM;
    }
    b->data = p;
    b->cap = cap;
    f->charged += extra;
    return TRPC__FRAME_NEED_MORE;
}

trpc__frame_ev trpc__framer_feed(trpc__framer *f, const uint8_t **p, size_t *n,
                                 size_t max)
{
    while (*n > 0) {
        if (f->hdr_len < 5) {
            size_t k = 5 - f->hdr_len;
            if (k > *n) {
                k = *n;
            }
            memcpy(f->hdr + f->hdr_len, *p, k);
            f->hdr_len += k;
            *p += k;
            *n -= k;
            if (f->hdr_len < 5) {
                return TRPC__FRAME_NEED_MORE;
            }
            f->msg_len = (uint32_t)f->hdr[1] << 24 | (uint32_t)f->hdr[2] << 16 |
                         (uint32_t)f->hdr[3] << 8 | f->hdr[4];
            f->body.len = f->body.off = 0;
            if (f->msg_len > max) {
                f->skipping = true;
                return TRPC__FRAME_TOO_BIG;
            }
        }
        size_t want = f->msg_len - f->body.len;
        size_t k = want < *n ? want : *n;
        if (!f->skipping && k > 0) {
            trpc__frame_ev ev = grow(f, f->body.len + k);
            if (ev != TRPC__FRAME_NEED_MORE) {
                return ev;
            }
            memcpy(f->body.data + f->body.len, *p, k);
        }
        f->body.len += k;
        *p += k;
        *n -= k;
        if (f->body.len == f->msg_len) {
            if (f->skipping) {
                trpc__framer_next(f);
                continue;
            }
            return TRPC__FRAME_MESSAGE;
        }
    }
    if (f->hdr_len == 5 && f->msg_len == 0 && !f->skipping) {
        return TRPC__FRAME_MESSAGE;
    }
    return TRPC__FRAME_NEED_MORE;
}

void trpc__framer_next(trpc__framer *f)
{
    f->hdr_len = 0;
    f->msg_len = 0;
    f->skipping = false;
    f->body.len = f->body.off = 0;
}

void trpc__framer_raw(trpc__framer *f, uint32_t len, uint8_t flags)
{
    trpc__framer_next(f);
    f->hdr[0] = flags;
    f->hdr_len = 5;
    f->msg_len = len;
}

void trpc__framer_release(trpc__framer *f, size_t keep)
{
    trpc__framer_next(f);
    trpc__buf_reset(&f->body, keep);
    if (f->budget && f->charged > 0) {
        trpc__budget_give(f->budget, f->charged);
    }
    f->charged = 0;
}

bool trpc__framer_partial(const trpc__framer *f) { return f->hdr_len > 0; }

int trpc__timeout_parse(const uint8_t *v, size_t len, int64_t *ms)
{
    /* PROTOCOL-HTTP2: TimeoutValue is a positive integer of at most 8 ASCII
     * digits, then one unit; no sign, no space, nothing else. */
    if (len < 2 || len > 9) {
        return -1;
    }
    int64_t n = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return -1;
        }
        n = n * 10 + (v[i] - '0');
    }
    /* n < 10^8, so even hours fit in int64 milliseconds (3.6 * 10^14). */
    int64_t r;
    switch (v[len - 1]) {
    case 'H': r = n * 3600000; break;
    case 'M': r = n * 60000; break;
    case 'S': r = n * 1000; break;
    case 'm': r = n; break;
    case 'u': r = (n + 999) / 1000; break;
    case 'n': r = (n + 999999) / 1000000; break;
    default: return -1;
    }
    *ms = r > TRPC__TIMEOUT_NONE_MS ? INT64_MAX : r;
    return 0;
}

size_t trpc__timeout_format(int64_t ms, char *out)
{
    if (ms < 1) {
        ms = 1;
    }
    if (ms < 100000000) {
        return (size_t)snprintf(out, 16, "%lldm", (long long)ms);
    }
    /* Rounded up without adding first: ms may be INT64_MAX ("no deadline",
     * what trpc__timeout_parse() gives for the largest values). */
    int64_t s = ms / 1000 + (ms % 1000 != 0);
    if (s < 100000000) {
        return (size_t)snprintf(out, 16, "%lldS", (long long)s);
    }
    int64_t h = s / 3600 + (s % 3600 != 0);
    if (h > 99999999) {
        h = 99999999;
    }
    return (size_t)snprintf(out, 16, "%lldH", (long long)h);
}

trpc_error trpc__pct_encode(trpc__buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    if (trpc__buf_reserve(out, n * 3 + 1)) {
        return TRPC_ENOMEM;
    }
    uint8_t *p = out->data + out->len;
    /* Spaces at either end are encoded too: HTTP/2 field values must not
     * begin or end with whitespace (RFC 9113 8.2.1), and strict peers such
     * as nghttp2 drop such a header. */
    size_t lead = 0, trail = n;
    while (lead < n && s[lead] == ' ') {
        lead++;
    }
    while (trail > lead && s[trail - 1] == ' ') {
        trail--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c <= 0x7e && c != '%' && !(c == ' ' && (i < lead || i >= trail))) {
            *p++ = c;
        } else {
            *p++ = '%';
            *p++ = (uint8_t)hex[c >> 4];
            *p++ = (uint8_t)hex[c & 15];
        }
    }
    out->len = (size_t)(p - out->data);
    return 0;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *trpc__pct_decode(const uint8_t *v, size_t len)
{
    char *s = malloc(len + 1);
    if (!s) {
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (v[i] == '%' && i + 2 < len && (hi = hexval(v[i + 1])) >= 0 &&
            (lo = hexval(v[i + 2])) >= 0) {
            s[j++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            s[j++] = (char)v[i];
        }
    }
    s[j] = 0;
    return s;
}

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

trpc_error trpc__b64_encode(trpc__buf *out, const uint8_t *p, size_t n)
{
    if (trpc__buf_reserve(out, n * 4 / 3 + 4)) {
        return TRPC_ENOMEM;
    }
    uint8_t *o = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = (uint8_t)b64chars[v >> 18];
        *o++ = (uint8_t)b64chars[(v >> 12) & 63];
        *o++ = (uint8_t)b64chars[(v >> 6) & 63];
        *o++ = (uint8_t)b64chars[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *o++ = (uint8_t)b64chars[v >> 18];
        *o++ = (uint8_t)b64chars[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *o++ = (uint8_t)b64chars[v >> 18];
        *o++ = (uint8_t)b64chars[(v >> 12) & 63];
        *o++ = (uint8_t)b64chars[(v >> 6) & 63];
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

long trpc__b64_decode(const uint8_t *v, size_t len, uint8_t *out)
{
    while (len > 0 && v[len - 1] == '=') {
        len--;
    }
    if (len % 4 == 1) {
        return -1;
    }
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < len; i++) {
        int d = b64val(v[i]);
        if (d < 0) {
            return -1;
        }
        acc = acc << 6 | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return o;
}

trpc_status trpc__http_to_grpc(int http_status)
{
    switch (http_status) {
    case 400: return TRPC_STATUS_INTERNAL;
    case 401: return TRPC_STATUS_UNAUTHENTICATED;
    case 403: return TRPC_STATUS_PERMISSION_DENIED;
    case 404: return TRPC_STATUS_UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return TRPC_STATUS_UNAVAILABLE;
    default: return TRPC_STATUS_UNKNOWN;
    }
}

bool trpc__is_grpc_content_type(const uint8_t *v, size_t len)
{
    static const char ct[] = "application/grpc";
    size_t n = sizeof ct - 1;
    if (len < n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = v[i] >= 'A' && v[i] <= 'Z' ? (uint8_t)(v[i] + 32) : v[i];
        if (c != (uint8_t)ct[i]) {
            return false;
        }
    }
    return len == n || v[n] == '+' || v[n] == ';';
}
