/*
 * web.c: the request side of the web protocols (see web.h and
 * docs/web.md): which protocol a content-type means, the headers those
 * protocols add (Connect's timeout and encodings, Origin), CORS
 * preflights, Connect GET requests (the message in the query string),
 * the method-kind rules, and base64 for gRPC-Web text bodies.  Also the
 * server's CORS configuration and the idempotency levels read from the
 * embedded descriptors.
 *
 * The protocols, as their specifications state them: gRPC-Web
 * (grpc/grpc's doc/PROTOCOL-WEB.md) and Connect
 * (connectrpc.com/docs/protocol).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "server/web.h"
#include "typerpc/reflect/filedesc.pb-c.h"

/* The content-types, by ct_kind: what a request sent is what the response
 * says. */
static const struct {
    const char *name;
    uint8_t proto;
    bool json;
} kinds[] = {
    { "application/grpc", TRPC__P_GRPC, false },
    { "application/grpc+json", TRPC__P_GRPC, true },
    { "application/grpc-web", TRPC__P_WEB, false },
    { "application/grpc-web+proto", TRPC__P_WEB, false },
    { "application/grpc-web+json", TRPC__P_WEB, true },
    { "application/grpc-web-text", TRPC__P_WEB_TEXT, false },
    { "application/grpc-web-text+proto", TRPC__P_WEB_TEXT, false },
    { "application/proto", TRPC__P_CONNECT, false },
    { "application/json", TRPC__P_CONNECT, true },
    { "application/connect+proto", TRPC__P_CONNECT_STREAM, false },
    { "application/connect+json", TRPC__P_CONNECT_STREAM, true },
};

const char *trpc__web_ct_name(const trpc_call *c) { return kinds[c->ct_kind].name; }

/* ---- configuration -------------------------------------------------------------- */

void trpc__web_cfg_free(trpc__web_cfg *w)
{
    if (w->origins) {
        for (char **o = w->origins; *o; o++) {
            free(*o);
        }
    }
    free(w->origins);
    free(w->allow_headers);
    free(w->expose_headers);
    bool off = w->off;
    *w = (trpc__web_cfg){ .off = off };
}

/* Appends ", name" (or name) to *s; false when out of memory. */
static bool join(trpc__buf *b, const char *name)
{
    if (b->len && trpc__buf_append(b, ", ", 2)) {
        return false;
    }
    return trpc__buf_append(b, name, strlen(name)) == TRPC_OK;
}

/* A header name (no_colon), or an origin: printable, no spaces or commas. */
static bool token_ok(const char *s, bool no_colon)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s <= ' ' || *s >= 127 || *s == ',' || (no_colon && *s == ':')) {
            return false;
        }
    }
    return true;
}

static char *buf_str(trpc__buf *b)
{
    if (trpc__buf_append(b, "", 1)) {
        trpc__buf_free(b);
        return NULL;
    }
    return (char *)b->data; /* the buffer's allocation is the string's */
}

trpc_error trpc__web_cfg_set(trpc__web_cfg *w, const trpc_cors_opts *o)
{
    if (!o || !o->allow_origins || !o->allow_origins[0] || o->max_age_s < 0) {
        return TRPC_EINVAL;
    }
    size_t n = 0;
    for (; o->allow_origins[n]; n++) {
        /* an Origin is a serialized origin: no spaces, no commas */
        if (!token_ok(o->allow_origins[n], false)) {
            return TRPC_EINVAL;
        }
    }
    for (const char *const *h = o->allow_headers; h && *h; h++) {
        if (!token_ok(*h, true)) {
            return TRPC_EINVAL;
        }
    }
    for (const char *const *h = o->expose_headers; h && *h; h++) {
        if (!token_ok(*h, true)) {
            return TRPC_EINVAL;
        }
    }
    trpc__web_cfg nw = { .off = w->off, .cors = true, .credentials = o->allow_credentials };
    trpc__buf ah = { 0 }, eh = { 0 };
    bool ok = (nw.origins = calloc(n + 1, sizeof *nw.origins)) != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (nw.origins[i] = strdup(o->allow_origins[i])) != NULL;
        nw.any_origin |= strcmp(o->allow_origins[i], "*") == 0;
    }
    /* What Connect and gRPC-Web clients send (connect-es, grpc-web,
     * connect-go's cors package lists the same), then the user's. */
    static const char *const proto_allow[] = {
        "content-type", "connect-protocol-version", "connect-timeout-ms",
        "connect-content-encoding", "connect-accept-encoding", "grpc-timeout",
        "grpc-encoding", "grpc-accept-encoding", "x-grpc-web", "x-user-agent", NULL
    };
    static const char *const proto_expose[] = {
        "grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding",
        "connect-content-encoding", "content-encoding", NULL
    };
    for (const char *const *h = proto_allow; ok && *h; h++) {
        ok = join(&ah, *h);
    }
    for (const char *const *h = o->allow_headers; ok && h && *h; h++) {
        ok = join(&ah, *h);
    }
    for (const char *const *h = proto_expose; ok && *h; h++) {
        ok = join(&eh, *h);
    }
    for (const char *const *h = o->expose_headers; ok && h && *h; h++) {
        ok = join(&eh, *h);
    }
    if (ok) {
        ok = (nw.allow_headers = buf_str(&ah)) != NULL;
        ah = (trpc__buf){ 0 };
    }
    if (ok) {
        ok = (nw.expose_headers = buf_str(&eh)) != NULL;
        eh = (trpc__buf){ 0 };
    }
    trpc__buf_free(&ah);
    trpc__buf_free(&eh);
    snprintf(nw.max_age, sizeof nw.max_age, "%d", o->max_age_s ? o->max_age_s : 7200);
    if (!ok) {
        trpc__web_cfg_free(&nw);
        return TRPC_ENOMEM;
    }
    trpc__web_cfg_free(w);
    *w = nw;
    return TRPC_OK;
}

/* ---- idempotency levels ------------------------------------------------------------- */

void trpc__web_mark_idempotent(trpc__registry *r)
{
    for (size_t i = 0; i < r->n; i++) {
        trpc__method_entry *e = &r->e[i];
        const trpc_file_descriptor *fd = e->svc ? e->svc->file : NULL;
        e->no_side_effects = false;
        if (!fd || !fd->data) {
            continue;
        }
        Typerpc__Reflect__FileDesc *f =
            typerpc__reflect__file_desc__unpack(NULL, fd->len, fd->data);
        if (!f) {
            continue;
        }
        const char *mname = strrchr(e->path, '/');
        mname = mname ? mname + 1 : "";
        size_t plen = f->package ? strlen(f->package) : 0;
        for (size_t s = 0; s < f->n_service; s++) {
            const Typerpc__Reflect__ServiceDesc *sd = f->service[s];
            const char *full = e->service;
            /* "pkg.Svc" (or "Svc" without a package) */
            if (!sd->name || (plen && (strncmp(full, f->package, plen) != 0 || full[plen] != '.')) ||
                strcmp(full + (plen ? plen + 1 : 0), sd->name) != 0) {
                continue;
            }
            for (size_t m = 0; m < sd->n_method; m++) {
                const Typerpc__Reflect__MethodDesc *md = sd->method[m];
                if (md->name && strcmp(md->name, mname) == 0 && md->options &&
                    md->options->has_idempotency_level) {
                    e->no_side_effects = md->options->idempotency_level == 1; /* NO_SIDE_EFFECTS */
                }
            }
        }
        typerpc__reflect__file_desc__free_unpacked(f, NULL);
    }
}

/* ---- the request headers ------------------------------------------------------------ */

bool trpc__web_content_type(trpc_call *c, const uint8_t *v, size_t len)
{
    const trpc__web_cfg *w = c->env->lim->web;
    /* the type without parameters ("; charset=utf-8") or spaces */
    size_t n = 0;
    while (n < len && v[n] != ';' && v[n] != ' ') {
        n++;
    }
    for (size_t k = 1; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (strlen(kinds[k].name) == n && strncasecmp((const char *)v, kinds[k].name, n) == 0) {
            if (kinds[k].proto != TRPC__P_GRPC && (!w || w->off)) {
                return false;
            }
            c->ct_kind = (uint8_t)k;
            c->proto = kinds[k].proto;
            c->json = kinds[k].json;
            c->raw_in = c->proto == TRPC__P_CONNECT;
            return true;
        }
    }
    c->proto = TRPC__P_GRPC;
    c->json = false;
    c->raw_in = false;
    c->ct_kind = 0;
    /* application/grpc+anything else: gRPC with the codec it always had */
    return trpc__is_grpc_content_type(v, len);
}

static void copy_enc(char *dst, size_t cap, const uint8_t *v, size_t len)
{
    if (trpc__is(v, len, "identity")) {
        dst[0] = 0;
        return;
    }
    size_t n = len < cap - 1 ? len : cap - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

bool trpc__web_header(trpc_call *c, const uint8_t *name, size_t namelen, const uint8_t *value,
                      size_t valuelen, int *err)
{
    *err = 0;
    switch (name[0]) {
    case 'o':
        if (trpc__is(name, namelen, "origin") && c->env->lim->web->cors) {
            c->origin.len = 0;
            if (trpc__buf_append(&c->origin, value, valuelen) ||
                trpc__buf_append(&c->origin, "", 1)) {
                *err = NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
                return true;
            }
            c->origin.len--; /* the NUL stays after it */
        }
        return false; /* metadata too: interceptors may look */
    case 'a':
        if (trpc__is(name, namelen, "accept-encoding")) {
            c->web_accept = trpc__enc_accepted(value, valuelen);
            return true;
        }
        return trpc__is(name, namelen, "access-control-request-method") ||
               trpc__is(name, namelen, "access-control-request-headers");
    case 'c':
        if (trpc__is(name, namelen, "content-encoding")) {
            copy_enc(c->web_enc, sizeof c->web_enc, value, valuelen);
            return true;
        }
        if (trpc__is(name, namelen, "connect-content-encoding")) {
            copy_enc(c->enc, sizeof c->enc, value, valuelen);
            return true;
        }
        if (trpc__is(name, namelen, "connect-accept-encoding")) {
            c->web_accept = trpc__enc_accepted(value, valuelen);
            return true;
        }
        if (trpc__is(name, namelen, "connect-timeout-ms")) {
            /* at most 10 digits (the protocol) */
            int64_t ms = 0;
            bool ok = valuelen > 0 && valuelen <= 10;
            for (size_t i = 0; ok && i < valuelen; i++) {
                ok = value[i] >= '0' && value[i] <= '9';
                ms = ms * 10 + (value[i] - '0');
            }
            if (!ok) {
                c->bad_timeout = true;
            } else {
                c->deadline = trpc_now_ms() + ms;
            }
            return true;
        }
        /* content-length: curl and browsers send it; it is no metadata */
        return trpc__is(name, namelen, "connect-protocol-version") ||
               trpc__is(name, namelen, "content-length");
    case 'x':
        return trpc__is(name, namelen, "x-grpc-web") || trpc__is(name, namelen, "x-user-agent");
    default:
        return false;
    }
}

/* ---- Connect GET ------------------------------------------------------------------------ */

static int hexval(uint8_t ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Percent-decodes (and '+' as space, the form encoding) p[0..n) into out. */
static bool url_decode(const uint8_t *p, size_t n, trpc__buf *out)
{
    out->len = out->off = 0;
    if (trpc__buf_reserve(out, n + 1)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '%') {
            if (i + 2 >= n || hexval(p[i + 1]) < 0 || hexval(p[i + 2]) < 0) {
                return false;
            }
            ch = (uint8_t)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else if (ch == '+') {
            ch = ' ';
        }
        out->data[out->len++] = ch;
    }
    return true;
}

/* base64url (or standard), padded or not, into out. */
static bool b64_any(trpc__buf *in, trpc__buf *out)
{
    for (size_t i = 0; i < in->len; i++) {
        if (in->data[i] == '-') in->data[i] = '+';
        else if (in->data[i] == '_') in->data[i] = '/';
    }
    out->len = out->off = 0;
    if (trpc__buf_reserve(out, in->len * 3 / 4 + 3)) {
        return false;
    }
    long k = trpc__b64_decode(in->data ? in->data : (const uint8_t *)"", in->len, out->data);
    if (k < 0) {
        return false;
    }
    out->len = (size_t)k;
    return true;
}

/* The value of query parameter key in q[0..n), or NULL. */
static const uint8_t *query_param(const uint8_t *q, size_t n, const char *key, size_t *vlen)
{
    size_t kl = strlen(key);
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && q[j] != '&') {
            j++;
        }
        if (j - i >= kl && memcmp(q + i, key, kl) == 0 && (j - i == kl || q[i + kl] == '=')) {
            size_t vs = i + kl + (j - i > kl ? 1 : 0);
            *vlen = j - vs;
            return q + vs;
        }
        i = j + 1;
    }
    return NULL;
}

/* A Connect GET: the query names the encoding and holds the message.
 * 0, or the HTTP status that refuses it. */
static int connect_get(trpc_call *c)
{
    uint8_t *path = c->path.data;
    uint8_t *qm = path ? memchr(path, '?', c->path.len) : NULL;
    if (!qm) {
        return 405; /* a plain GET of a method's path */
    }
    *qm = 0; /* the path alone routes */
    const uint8_t *q = qm + 1;
    size_t qn = (size_t)(path + c->path.len - 1 - q); /* the path keeps its NUL */
    size_t vl = 0;
    const uint8_t *v = query_param(q, qn, "encoding", &vl);
    if (!v) {
        return 415;
    }
    if (trpc__is(v, vl, "json")) {
        c->json = true;
        c->ct_kind = 8;
    } else if (trpc__is(v, vl, "proto")) {
        c->json = false;
        c->ct_kind = 7;
    } else {
        return 415;
    }
    c->proto = TRPC__P_CONNECT;
    c->raw_in = true;
    c->ct_ok = true;
    v = query_param(q, qn, "compression", &vl);
    if (v) {
        copy_enc(c->web_enc, sizeof c->web_enc, v, vl);
    }
    v = query_param(q, qn, "message", &vl);
    trpc__buf tmp = { 0 };
    bool ok = url_decode(v ? v : (const uint8_t *)"", v ? vl : 0, &tmp);
    size_t bl = 0;
    const uint8_t *b = query_param(q, qn, "base64", &bl);
    if (ok && b && trpc__is(b, bl, "1")) {
        ok = b64_any(&tmp, &c->web_get);
        trpc__buf_free(&tmp);
    } else {
        trpc__buf_free(&c->web_get);
        c->web_get = tmp;
    }
    if (!ok) {
        c->bad_input = true; /* the call fails INVALID_ARGUMENT once routed */
        c->web_get.len = 0;
    }
    return 0;
}

int trpc__web_headers_end(trpc_call *c)
{
    const trpc__web_cfg *w = c->env->lim->web;
    if (c->post) {
        return c->ct_ok ? 0 : 415;
    }
    if (!w || w->off) {
        return 405;
    }
    if (c->is_options) {
        return w->cors ? 204 : 405;
    }
    if (c->is_get) {
        return connect_get(c);
    }
    return 405;
}

int trpc__web_route_ok(trpc_call *c, const trpc__method_entry *e)
{
    bool unary = e->m->kind == TRPC_UNARY;
    switch (c->proto) {
    case TRPC__P_CONNECT:
        if (!unary) {
            return c->is_get ? 405 : 415; /* Connect's unary protocol is for unary methods */
        }
        if (c->is_get && !e->no_side_effects) {
            return 405; /* GET only for NO_SIDE_EFFECTS methods */
        }
        memcpy(c->enc, c->web_enc, sizeof c->web_enc);
        c->accept = c->web_accept;
        return 0;
    case TRPC__P_CONNECT_STREAM:
        c->accept = c->web_accept;
        return unary ? 415 : 0;
    default:
        return 0;
    }
}

/* ---- gRPC-Web text ---------------------------------------------------------------------- */

bool trpc__web_unbase64(trpc_call *c, const uint8_t *p, size_t n, trpc__buf *out)
{
    out->len = out->off = 0;
    if (trpc__buf_reserve(out, (n + 4) / 4 * 3 + 3)) {
        return false;
    }
    /* Quantum by quantum: a chunk may end padded and the next go on, so
     * the body is not one base64 string. */
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '\r' || ch == '\n') {
            continue;
        }
        c->b64q[c->nb64q++] = ch;
        if (c->nb64q == 4) {
            long k = trpc__b64_decode(c->b64q, 4, out->data + out->len);
            if (k < 0) {
                return false;
            }
            out->len += (size_t)k;
            c->nb64q = 0;
        }
    }
    return true;
}

/* ---- CORS --------------------------------------------------------------------------------- */

#define NV(n, v, vl) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE }

static bool origin_allowed(const trpc__web_cfg *w, const char *origin)
{
    if (w->any_origin) {
        return true;
    }
    for (char **o = w->origins; *o; o++) {
        if (strcmp(*o, origin) == 0) {
            return true;
        }
    }
    return false;
}

/* Access-Control-Allow-Origin (and -Credentials, Vary) into nv. */
static size_t allow_origin_nv(trpc_call *c, nghttp2_nv *nv)
{
    const trpc__web_cfg *w = c->env->lim->web;
    const char *origin = (const char *)c->origin.data;
    if (!w || !w->cors || !c->origin.len || !origin_allowed(w, origin)) {
        return 0;
    }
    size_t n = 0;
    if (w->any_origin && !w->credentials) {
        nv[n++] = (nghttp2_nv)NV("access-control-allow-origin", "*", 1);
    } else {
        nv[n++] = (nghttp2_nv)NV("access-control-allow-origin", origin, c->origin.len);
    }
    if (w->credentials) {
        nv[n++] = (nghttp2_nv)NV("access-control-allow-credentials", "true", 4);
    }
    nv[n++] = (nghttp2_nv)NV("vary", "Origin", 6);
    return n;
}

size_t trpc__web_cors_nv(trpc_call *c, nghttp2_nv *nv)
{
    size_t n = allow_origin_nv(c, nv);
    if (n > 0) {
        const char *e = c->env->lim->web->expose_headers;
        nv[n++] = (nghttp2_nv)NV("access-control-expose-headers", e, strlen(e));
    }
    return n;
}

void trpc__web_preflight(trpc_call *c)
{
    const trpc__web_cfg *w = c->env->lim->web;
    nghttp2_nv nv[8] = { NV(":status", "204", 3) };
    size_t n = 1;
    size_t k = allow_origin_nv(c, nv + n);
    if (k > 0) {
        n += k;
        nv[n++] = (nghttp2_nv)NV("access-control-allow-methods", "GET, POST", 9);
        nv[n++] = (nghttp2_nv)NV("access-control-allow-headers", w->allow_headers,
                                 strlen(w->allow_headers));
        nv[n++] = (nghttp2_nv)NV("access-control-max-age", w->max_age, strlen(w->max_age));
    }
    c->headers_sent = true;
    nghttp2_submit_response(c->h2->ng, c->sid, nv, n, NULL);
    trpc__h2_mark(c->h2);
}
