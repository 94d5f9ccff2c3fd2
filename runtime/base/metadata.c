/*
 * metadata.c: ordered (key, value) lists for custom gRPC metadata.
 *
 * Entries live in one byte pool so that clearing a list and filling it again
 * (what a recycled server call does) allocates nothing.  Binary ("-bin")
 * values are stored decoded; the wire form is base64, unpadded on send, and
 * both padded and unpadded are accepted on receive.
 */
#include <stdlib.h>
#include <string.h>
#include "base/metadata.h"
#include "base/wire.h"

void trpc__md_init(trpc_metadata *md) { memset(md, 0, sizeof *md); }

void trpc__md_fini(trpc_metadata *md)
{
    free(md->e);
    trpc__buf_free(&md->pool);
    memset(md, 0, sizeof *md);
}

trpc_error trpc_metadata_new(trpc_metadata **out)
{
    if (!out) {
        return TRPC_EINVAL;
    }
    trpc_metadata *md = malloc(sizeof *md);
    if (!md) {
        return TRPC_ENOMEM;
    }
    trpc__md_init(md);
    *out = md;
    return 0;
}

void trpc_metadata_free(trpc_metadata *md)
{
    if (md) {
        trpc__md_fini(md);
        free(md);
    }
}

void trpc_metadata_clear(trpc_metadata *md)
{
    if (md) {
        md->n = 0;
        md->pool.len = md->pool.off = 0;
    }
}

bool trpc__md_reserved(const char *key, size_t len)
{
    static const char *const reserved[] = {
        "content-type", "te", "grpc-timeout", "grpc-encoding",
        "grpc-accept-encoding", "grpc-status", "grpc-message", "host",
        "connection", "keep-alive", "proxy-connection", "transfer-encoding",
        "upgrade",
    };
    if (len == 0 || key[0] == ':') {
        return true;
    }
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        if (trpc__is((const uint8_t *)key, len, reserved[i])) {
            return true;
        }
    }
    return false;
}

static bool key_ok(const char *k, size_t len)
{
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.')) {
            return false;
        }
    }
    return !trpc__md_reserved(k, len);
}

static bool is_bin(const char *k, size_t len)
{
    return len > 4 && memcmp(k + len - 4, "-bin", 4) == 0;
}

static trpc_error md_push(trpc_metadata *md, const char *key, size_t klen,
                   const void *val, size_t vlen, bool b64)
{
    if (md->n == md->cap) {
        size_t cap = md->cap ? md->cap * 2 : 8;
        trpc__md_entry *e = realloc(md->e, cap * sizeof *e);
        if (!e) {
            return TRPC_ENOMEM;
        }
        md->e = e;
        md->cap = cap;
    }
    size_t need = klen + 1 + (b64 ? vlen * 3 / 4 + 3 : vlen) + 1;
    if (trpc__buf_reserve(&md->pool, need)) {
        return TRPC_ENOMEM;
    }
    trpc__md_entry *e = &md->e[md->n];
    uint8_t *p = md->pool.data;
    e->key_off = md->pool.len;
    e->key_len = klen;
    memcpy(p + md->pool.len, key, klen);
    p[md->pool.len + klen] = 0;
    md->pool.len += klen + 1;
    e->val_off = md->pool.len;
    if (b64) {
        long d = trpc__b64_decode(val, vlen, p + md->pool.len);
        if (d < 0) {
            md->pool.len = e->key_off;
            return TRPC_EINVAL;
        }
        e->val_len = (size_t)d;
    } else {
        if (vlen) {
            memcpy(p + md->pool.len, val, vlen);
        }
        e->val_len = vlen;
    }
    p[md->pool.len + e->val_len] = 0;
    md->pool.len += e->val_len + 1;
    md->n++;
    return 0;
}

trpc_error trpc_metadata_add(trpc_metadata *md, const char *key, const void *value,
                      size_t len)
{
    if (!md || !key || (!value && len)) {
        return TRPC_EINVAL;
    }
    size_t klen = strlen(key);
    if (!key_ok(key, klen)) {
        return TRPC_EINVAL;
    }
    if (!is_bin(key, klen)) {
        const unsigned char *v = value;
        for (size_t i = 0; i < len; i++) {
            if (v[i] < 0x20 || v[i] > 0x7e) {
                return TRPC_EINVAL;
            }
        }
    }
    return md_push(md, key, klen, value ? value : "", len, false);
}

trpc_error trpc_metadata_add_str(trpc_metadata *md, const char *key, const char *value)
{
    if (!value) {
        return TRPC_EINVAL;
    }
    return trpc_metadata_add(md, key, value, strlen(value));
}

size_t trpc_metadata_count(const trpc_metadata *md) { return md ? md->n : 0; }

trpc_error trpc_metadata_at(const trpc_metadata *md, size_t i, const char **key,
                     const void **value, size_t *len)
{
    if (!md || i >= md->n) {
        return TRPC_EINVAL;
    }
    const trpc__md_entry *e = &md->e[i];
    if (key) {
        *key = (const char *)md->pool.data + e->key_off;
    }
    if (value) {
        *value = md->pool.data + e->val_off;
    }
    if (len) {
        *len = e->val_len;
    }
    return 0;
}

const void *trpc_metadata_get(const trpc_metadata *md, const char *key, size_t *len)
{
    if (!md || !key) {
        return NULL;
    }
    size_t klen = strlen(key);
    for (size_t i = 0; i < md->n; i++) {
        const trpc__md_entry *e = &md->e[i];
        if (e->key_len == klen &&
            memcmp(md->pool.data + e->key_off, key, klen) == 0) {
            if (len) {
                *len = e->val_len;
            }
            return md->pool.data + e->val_off;
        }
    }
    return NULL;
}

trpc_error trpc__md_add_wire(trpc_metadata *md, const uint8_t *key, size_t klen,
                      const uint8_t *val, size_t vlen)
{
    const char *k = (const char *)key;
    if (!key_ok(k, klen)) {
        return TRPC_EINVAL;
    }
    return md_push(md, k, klen, val, vlen, is_bin(k, klen));
}

trpc_error trpc__md_append(trpc_metadata *to, const trpc_metadata *from)
{
    if (!to) {
        return TRPC_OK;
    }
    for (size_t i = 0; from && i < from->n; i++) {
        const trpc__md_entry *e = &from->e[i];
        trpc_error rv = md_push(to, (const char *)from->pool.data + e->key_off,
                         e->key_len, from->pool.data + e->val_off, e->val_len,
                         false);
        if (rv) {
            return rv;
        }
    }
    return 0;
}

trpc_error trpc__md_to_nv(const trpc_metadata *md, nghttp2_nv *nv, size_t *nnv,
                   trpc__buf *scratch)
{
    if (!md) {
        return 0;
    }
    /* Reserve the worst case up front so pointers into scratch stay valid. */
    size_t need = 0;
    for (size_t i = 0; i < md->n; i++) {
        need += md->e[i].val_len * 4 / 3 + 4;
    }
    if (trpc__buf_reserve(scratch, need)) {
        return TRPC_ENOMEM;
    }
    for (size_t i = 0; i < md->n; i++) {
        const trpc__md_entry *e = &md->e[i];
        nghttp2_nv *v = &nv[(*nnv)++];
        v->name = md->pool.data + e->key_off;
        v->namelen = e->key_len;
        v->flags = NGHTTP2_NV_FLAG_NONE;
        if (is_bin((const char *)v->name, e->key_len)) {
            size_t start = scratch->len;
            trpc__b64_encode(scratch, md->pool.data + e->val_off, e->val_len);
            v->value = scratch->data + start;
            v->valuelen = scratch->len - start;
        } else {
            v->value = md->pool.data + e->val_off;
            v->valuelen = e->val_len;
        }
    }
    return 0;
}
