/*
 * runtime/json/json_util.c: the JSON codec's small shared parts.
 *
 * The per-call context (a copy of the options, the path to the field being
 * handled, the first error), the output buffer the encoder writes into,
 * base64 both ways (standard with padding out; standard or URL-safe,
 * padded or not, in, as the proto3 JSON mapping allows), UTF-8 checking
 * (protobuf-c does not check string fields, and JSON text must be UTF-8),
 * JSON field names (the compiler's json_name table, else protoc's default
 * lowerCamelCase) and the map-entry test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_internal.h"

/* ---- output buffer ---- */

static bool jbuf_reserve(trpc__jbuf *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->cap - b->len > n)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= n) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void trpc__jbuf_putn(trpc__jbuf *b, const char *s, size_t n)
{
    if (!jbuf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void trpc__jbuf_puts(trpc__jbuf *b, const char *s)
{
    trpc__jbuf_putn(b, s, strlen(s));
}

void trpc__jbuf_putc(trpc__jbuf *b, char ch)
{
    trpc__jbuf_putn(b, &ch, 1);
}

void trpc__jbuf_printf(trpc__jbuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->oom = true; /* only short numbers are printed this way */
        return;
    }
    trpc__jbuf_putn(b, tmp, (size_t)n);
}

bool trpc__utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + j] & 0x3f);
        }
        /* Overlong forms, surrogates and values past U+10FFFF. */
        if ((k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += k + 1;
    }
    return true;
}

bool trpc__jbuf_string(trpc__jbuf *b, const char *s, size_t n)
{
    if (!trpc__utf8_valid(s, n))
        return false;
    trpc__jbuf_putc(b, '"');
    size_t run = 0; /* bytes copied as they are, written in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (ch) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (ch < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", ch);
                esc = u;
            }
        }
        if (esc) {
            trpc__jbuf_putn(b, s + i - run, run);
            run = 0;
            trpc__jbuf_puts(b, esc);
        } else {
            run++;
        }
    }
    trpc__jbuf_putn(b, s + n - run, run);
    trpc__jbuf_putc(b, '"');
    return true;
}

/* ---- base64 ---- */

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void trpc__jbuf_base64(trpc__jbuf *b, const uint8_t *p, size_t n)
{
    trpc__jbuf_putc(b, '"');
    char q[4];
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        q[0] = b64_std[v >> 18];
        q[1] = b64_std[(v >> 12) & 63];
        q[2] = b64_std[(v >> 6) & 63];
        q[3] = b64_std[v & 63];
        trpc__jbuf_putn(b, q, 4);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        q[0] = b64_std[v >> 18];
        q[1] = b64_std[(v >> 12) & 63];
        q[2] = q[3] = '=';
        trpc__jbuf_putn(b, q, 4);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        q[0] = b64_std[v >> 18];
        q[1] = b64_std[(v >> 12) & 63];
        q[2] = b64_std[(v >> 6) & 63];
        q[3] = '=';
        trpc__jbuf_putn(b, q, 4);
    }
    trpc__jbuf_putc(b, '"');
}

static int b64_val(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

long trpc__base64_decode(const char *s, size_t n, uint8_t *out)
{
    /* Padding only at the end, and only to complete a group of four. */
    size_t pad = 0;
    while (n > 0 && s[n - 1] == '=' && pad < 2) {
        n--;
        pad++;
    }
    if (pad && (n + pad) % 4 != 0)
        return -1;
    if (n % 4 == 1)
        return -1;
    long o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val(s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    return o;
}

/* ---- context and errors ---- */

bool trpc__jctx_init(trpc__jctx *c, const trpc_json_opts *o, char *err, size_t errlen)
{
    memset(c, 0, offsetof(trpc__jctx, path));
    c->path[0] = '\0';
    c->plen = 0;
    c->rc = TRPC_OK;
    c->depth = 0;
    memset(&c->out, 0, sizeof c->out);
    c->alloc = NULL;
    c->err = err;
    c->errlen = errlen;
    if (err && errlen)
        err[0] = '\0';
    c->o.size = sizeof c->o;
    if (o) {
        if (o->size == 0 || o->size > sizeof *o)
            return false;
        memcpy(&c->o, o, o->size);
    }
    return true;
}

trpc_error trpc__jfail(trpc__jctx *c, trpc_error rc, const char *fmt, ...)
{
    if (c->rc != TRPC_OK)
        return c->rc; /* the first error is the one worth reporting */
    c->rc = rc;
    if (!c->err || !c->errlen)
        return rc;
    size_t at = 0;
    if (c->plen) {
        /* A deep path keeps its innermost part, so the reason still fits. */
        const char *path = c->path;
        const char *dots = "";
        if (c->plen > 120) {
            path += c->plen - 117;
            dots = "...";
        }
        int n = snprintf(c->err, c->errlen, "field '%s%s': ", dots, path);
        at = n < 0 ? 0 : (size_t)n;
    }
    if (at < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + at, c->errlen - at, fmt, ap);
        va_end(ap);
    }
    /* One line of text: input quoted in the message (a key, a string,
     * jansson's "near '...'") may hold control characters. */
    for (char *q = c->err; *q; q++)
        if ((unsigned char)*q < 0x20 || *q == 0x7f)
            *q = '?';
    return rc;
}

/* The path is kept on every step but read only when an error is reported,
 * so the steps are plain copies (no printf on the hot path). */
static void jpath_put(trpc__jctx *c, const char *s, size_t n)
{
    size_t room = sizeof c->path - 1 - c->plen;
    if (n > room)
        n = room;
    memcpy(c->path + c->plen, s, n);
    c->plen += n;
    c->path[c->plen] = '\0';
}

size_t trpc__jpath_field(trpc__jctx *c, const char *name)
{
    size_t mark = c->plen;
    if (c->plen)
        jpath_put(c, ".", 1);
    jpath_put(c, name, strlen(name));
    return mark;
}

size_t trpc__jpath_index(trpc__jctx *c, size_t i)
{
    size_t mark = c->plen;
    char tmp[24];
    size_t n = sizeof tmp;
    tmp[--n] = ']';
    do {
        tmp[--n] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    tmp[--n] = '[';
    jpath_put(c, tmp + n, sizeof tmp - n);
    return mark;
}

size_t trpc__jpath_key(trpc__jctx *c, const char *key)
{
    size_t mark = c->plen;
    jpath_put(c, "[\"", 2);
    jpath_put(c, key, strlen(key));
    jpath_put(c, "\"]", 2);
    return mark;
}

void trpc__jpath_pop(trpc__jctx *c, size_t mark)
{
    c->plen = mark;
    c->path[mark] = '\0';
}

const char *trpc__json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* ---- names ---- */

/* The compiler's table (compiler/gen/gen_c_message.c): the descriptor's
 * reserved1 points at an array whose first entry is this marker and whose
 * next n_fields entries are the fields' JSON names in descriptor order.  A
 * descriptor from protoc-c has NULL there. */
#define TRPC__JSON_NAMES_MAGIC "\001typerpc-json-names"

const char *trpc__json_explicit_name(const ProtobufCMessageDescriptor *d, unsigned index)
{
    const char *const *t = (const char *const *)d->reserved1;
    if (!t || !t[0] || strcmp(t[0], TRPC__JSON_NAMES_MAGIC) != 0 || index >= d->n_fields)
        return NULL;
    return t[1 + index];
}

void trpc__json_default_name(const char *name, char *buf, size_t size)
{
    /* protoc's ToJsonName: drop each '_' and upper-case the letter after it. */
    size_t o = 0;
    bool up = false;
    for (const char *p = name; *p && o + 1 < size; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        buf[o++] = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        up = false;
    }
    if (size)
        buf[o < size ? o : size - 1] = '\0';
}

const char *trpc_json_field_name(const ProtobufCMessageDescriptor *d,
                                 const ProtobufCFieldDescriptor *f, char *buf, size_t bufsize)
{
    if (!buf || !bufsize)
        return buf;
    const char *ex = NULL;
    if (d && f >= d->fields && f < d->fields + d->n_fields)
        ex = trpc__json_explicit_name(d, (unsigned)(f - d->fields));
    if (ex) {
        size_t n = strlen(ex);
        if (n >= bufsize)
            n = bufsize - 1;
        memcpy(buf, ex, n);
        buf[n] = '\0';
    } else
        trpc__json_default_name(f->name, buf, bufsize);
    return buf;
}

/* ---- field helpers ---- */

size_t trpc__json_elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM: return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    }
    return 0;
}

bool trpc__json_is_map(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f)
{
    if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    const ProtobufCMessageDescriptor *e = f->descriptor;
    if (!e || e->n_fields != 2 || e->fields[0].id != 1 || e->fields[1].id != 2 ||
        strcmp(e->fields[0].name, "key") != 0 || strcmp(e->fields[1].name, "value") != 0)
        return false;
    /* protoc names the entry after the field: foo_bar -> FooBarEntry,
     * nested in the message that has the field. */
    char camel[256];
    trpc__json_default_name(f->name, camel + 1, sizeof camel - 8);
    camel[0] = f->name[0] >= 'a' && f->name[0] <= 'z' ? (char)(f->name[0] - 'a' + 'A') : f->name[0];
    trpc__json_default_name(f->name + 1, camel + 1, sizeof camel - 8);
    if (f->name[0] == '_')
        trpc__json_default_name(f->name, camel, sizeof camel - 8);
    strcat(camel, "Entry");
    size_t dl = strlen(d->name);
    return strncmp(e->name, d->name, dl) == 0 && e->name[dl] == '.' &&
           strcmp(e->name + dl + 1, camel) == 0;
}
