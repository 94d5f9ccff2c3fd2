/*
 * runtime/json/json_dec.c: JSON text to protobuf-c messages.
 *
 * jansson parses the text (rejecting duplicate keys, checking UTF-8, and
 * reporting line and column of a syntax error); this file walks the parsed
 * value beside the message descriptor and fills a message allocated with
 * the caller's ProtobufCAllocator, so protobuf_c_message_free_unpacked()
 * frees it.  The message is kept in a state free_unpacked can free at
 * every step (a repeated field's count grows only as its slots are filled),
 * so any error just frees what was built so far.
 *
 * jansson holds integers as json_int_t (long long): a number outside the
 * int64 range is a parse error ("too big integer") even for a uint64 field;
 * such values must come as strings, which is how every proto3 JSON encoder
 * writes 64-bit integers (docs/json.md).
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_internal.h"

void *trpc__json_alloc(trpc__jctx *c, size_t n)
{
    ProtobufCAllocator *a = c->alloc;
    void *p = a ? a->alloc(a->allocator_data, n ? n : 1) : malloc(n ? n : 1);
    if (!p)
        trpc__jfail(c, TRPC_ENOMEM, "out of memory");
    return p;
}

char *trpc__json_strdup(trpc__jctx *c, const char *s, size_t n)
{
    char *p = trpc__json_alloc(c, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

ProtobufCMessage *trpc__json_new_message(trpc__jctx *c, const ProtobufCMessageDescriptor *d)
{
    ProtobufCMessage *m = trpc__json_alloc(c, d->sizeof_message);
    if (m)
        protobuf_c_message_init(d, m);
    return m;
}

static void free_message(trpc__jctx *c, ProtobufCMessage *m)
{
    protobuf_c_message_free_unpacked(m, c->alloc);
}

/* ---- numbers ---- */

/* A JSON value as an integer in [lo, hi] (signed) or [0, uhi] (unsigned):
 * a JSON integer, a number with no fraction, or a string of decimal
 * digits.  Exactly one of *s / *u is written. */
static trpc_error get_integer(trpc__jctx *c, json_t *v, bool is_unsigned, int64_t lo, int64_t hi,
                              uint64_t uhi, int64_t *s, uint64_t *u)
{
    const char *what = is_unsigned ? "an unsigned integer" : "an integer";
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if (is_unsigned) {
            if (x < 0 || (uint64_t)x > uhi)
                return trpc__jfail(c, TRPC_EDECODE, "%lld is out of range", (long long)x);
            *u = (uint64_t)x;
        } else {
            if (x < lo || x > hi)
                return trpc__jfail(c, TRPC_EDECODE, "%lld is out of range", (long long)x);
            *s = x;
        }
        return TRPC_OK;
    }
    if (json_is_real(v)) {
        double x = json_real_value(v);
        if (x != floor(x))
            return trpc__jfail(c, TRPC_EDECODE, "expected %s, got %.17g", what, x);
        /* 2^64 and 2^63 are exact doubles: compare against them. */
        if (is_unsigned) {
            if (x < 0 || x >= 18446744073709551616.0 || (uint64_t)x > uhi)
                return trpc__jfail(c, TRPC_EDECODE, "%.17g is out of range", x);
            *u = (uint64_t)x;
        } else {
            if (x < -9223372036854775808.0 || x >= 9223372036854775808.0 || (int64_t)x < lo ||
                (int64_t)x > hi)
                return trpc__jfail(c, TRPC_EDECODE, "%.17g is out of range", x);
            *s = (int64_t)x;
        }
        return TRPC_OK;
    }
    if (json_is_string(v)) {
        const char *str = json_string_value(v);
        size_t n = json_string_length(v);
        const char *p = str;
        bool neg = *p == '-';
        if (neg)
            p++;
        if (*p < '0' || *p > '9' || strlen(str) != n)
            return trpc__jfail(c, TRPC_EDECODE, "expected %s, got the string \"%.40s\"", what, str);
        for (const char *q = p; *q; q++)
            if (*q < '0' || *q > '9')
                return trpc__jfail(c, TRPC_EDECODE, "expected %s, got the string \"%.40s\"", what,
                                   str);
        errno = 0;
        if (is_unsigned) {
            if (neg)
                return trpc__jfail(c, TRPC_EDECODE, "%.40s is out of range", str);
            unsigned long long x = strtoull(p, NULL, 10);
            if (errno == ERANGE || x > uhi)
                return trpc__jfail(c, TRPC_EDECODE, "%.40s is out of range", str);
            *u = x;
        } else {
            long long x = strtoll(str, NULL, 10);
            if (errno == ERANGE || x < lo || x > hi)
                return trpc__jfail(c, TRPC_EDECODE, "%.40s is out of range", str);
            *s = x;
        }
        return TRPC_OK;
    }
    return trpc__jfail(c, TRPC_EDECODE, "expected %s, got %s", what, trpc__json_type_name(v));
}

static trpc_error get_double(trpc__jctx *c, json_t *v, bool is_float, double *out)
{
    double x;
    if (json_is_integer(v)) {
        x = (double)json_integer_value(v);
    } else if (json_is_real(v)) {
        x = json_real_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strcmp(s, "NaN") == 0) {
            *out = NAN;
            return TRPC_OK;
        } else if (strcmp(s, "Infinity") == 0) {
            *out = INFINITY;
            return TRPC_OK;
        } else if (strcmp(s, "-Infinity") == 0) {
            *out = -INFINITY;
            return TRPC_OK;
        }
        char *end;
        errno = 0;
        x = strtod(s, &end);
        /* Only plain JSON-style numbers: no spaces, hex, "inf" or "nan". */
        bool ok = *s && end == s + json_string_length(v) && s[0] != ' ' && !strpbrk(s, "xXiInN");
        if (!ok)
            return trpc__jfail(c, TRPC_EDECODE, "expected a number, got the string \"%.40s\"", s);
        if (errno == ERANGE && isinf(x))
            return trpc__jfail(c, TRPC_EDECODE, "%.40s is out of range", s);
    } else {
        return trpc__jfail(c, TRPC_EDECODE, "expected a number, got %s", trpc__json_type_name(v));
    }
    /* Out of range for a float: what would round to infinity (the
     * shortest spelling of FLT_MAX, 3.4028235e+38, is above it, and fine). */
    if (is_float && isfinite(x) && isinf((float)x))
        return trpc__jfail(c, TRPC_EDECODE, "%.17g is out of range for a float", x);
    *out = x;
    return TRPC_OK;
}

static trpc_error get_enum(trpc__jctx *c, const ProtobufCFieldDescriptor *f, json_t *v, int *out,
                           bool *skip)
{
    const ProtobufCEnumDescriptor *ed = f->descriptor;
    if (trpc__json_is_null_enum(f) && json_is_null(v)) {
        *out = 0;
        return TRPC_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        const ProtobufCEnumValue *ev =
            ed->n_value_names && ed->values_by_name ? protobuf_c_enum_descriptor_get_value_by_name(ed, s)
                                                    : NULL;
        if (ev) {
            *out = ev->value;
            return TRPC_OK;
        }
        if (c->o.ignore_unknown_fields) {
            *skip = true;
            return TRPC_OK;
        }
        /* A number written as a string is a number. */
        char *end;
        errno = 0;
        long x = strtol(s, &end, 10);
        if (*s && *end == '\0' && errno == 0 && x >= INT32_MIN && x <= INT32_MAX &&
            ((*s >= '0' && *s <= '9') || *s == '-')) {
            *out = (int)x;
            return TRPC_OK;
        }
        return trpc__jfail(c, TRPC_EDECODE, "unknown value \"%.60s\" for enum %s", s, ed->name);
    }
    if (json_is_number(v)) {
        int64_t x;
        uint64_t ux;
        trpc_error rc = get_integer(c, v, false, INT32_MIN, INT32_MAX, 0, &x, &ux);
        if (rc == TRPC_OK)
            *out = (int)x;
        return rc;
    }
    return trpc__jfail(c, TRPC_EDECODE, "expected an enum name or number for %s, got %s",
                       ed->name, trpc__json_type_name(v));
}

/* Decodes v into the slot elem of field f's type; for an enum name unknown
 * under ignore_unknown_fields, *skip is set and elem is left alone. */
static trpc_error dec_value(trpc__jctx *c, const ProtobufCFieldDescriptor *f, json_t *v,
                            void *elem, bool *skip)
{
    int64_t s = 0;
    uint64_t u = 0;
    trpc_error rc;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if ((rc = get_integer(c, v, false, INT32_MIN, INT32_MAX, 0, &s, &u)) == TRPC_OK)
            *(int32_t *)elem = (int32_t)s;
        return rc;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if ((rc = get_integer(c, v, true, 0, 0, UINT32_MAX, &s, &u)) == TRPC_OK)
            *(uint32_t *)elem = (uint32_t)u;
        return rc;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if ((rc = get_integer(c, v, false, INT64_MIN, INT64_MAX, 0, &s, &u)) == TRPC_OK)
            *(int64_t *)elem = s;
        return rc;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if ((rc = get_integer(c, v, true, 0, 0, UINT64_MAX, &s, &u)) == TRPC_OK)
            *(uint64_t *)elem = u;
        return rc;
    case PROTOBUF_C_TYPE_FLOAT: {
        double x;
        if ((rc = get_double(c, v, true, &x)) == TRPC_OK)
            *(float *)elem = (float)x;
        return rc;
    }
    case PROTOBUF_C_TYPE_DOUBLE:
        return get_double(c, v, false, (double *)elem);
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return trpc__jfail(c, TRPC_EDECODE, "expected true or false, got %s",
                               trpc__json_type_name(v));
        *(protobuf_c_boolean *)elem = json_is_true(v);
        return TRPC_OK;
    case PROTOBUF_C_TYPE_ENUM:
        return get_enum(c, f, v, (int *)elem, skip);
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(v))
            return trpc__jfail(c, TRPC_EDECODE, "expected a string, got %s",
                               trpc__json_type_name(v));
        char *p = trpc__json_strdup(c, json_string_value(v), json_string_length(v));
        if (!p)
            return c->rc;
        *(char **)elem = p;
        return TRPC_OK;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(v))
            return trpc__jfail(c, TRPC_EDECODE, "expected a base64 string, got %s",
                               trpc__json_type_name(v));
        size_t n = json_string_length(v);
        uint8_t *p = trpc__json_alloc(c, n / 4 * 3 + 3);
        if (!p)
            return c->rc;
        long k = trpc__base64_decode(json_string_value(v), n, p);
        if (k < 0) {
            if (c->alloc)
                c->alloc->free(c->alloc->allocator_data, p);
            else
                free(p);
            return trpc__jfail(c, TRPC_EDECODE, "not valid base64");
        }
        ProtobufCBinaryData *bd = elem;
        bd->data = p;
        bd->len = (size_t)k;
        return TRPC_OK;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage *m = trpc__json_new_message(c, f->descriptor);
        if (!m)
            return c->rc;
        rc = trpc__json_dec_message(c, v, m);
        if (rc != TRPC_OK) {
            free_message(c, m);
            return rc;
        }
        *(ProtobufCMessage **)elem = m;
        return TRPC_OK;
    }
    }
    return trpc__jfail(c, TRPC_EDECODE, "unsupported field type");
}

trpc_error trpc__json_dec_value(trpc__jctx *c, const ProtobufCFieldDescriptor *f, json_t *v,
                                void *elem)
{
    bool skip = false;
    return dec_value(c, f, v, elem, &skip);
}

/* Is this JSON null "the field is not set"?  Not for google.protobuf.Value,
 * whose null is a value (null_value). */
static bool null_is_value(const ProtobufCFieldDescriptor *f)
{
    return (f->type == PROTOBUF_C_TYPE_MESSAGE &&
            trpc__json_wkt(f->descriptor) == TRPC__WKT_VALUE) ||
           trpc__json_is_null_enum(f);
}

/* A map key string as the key field's type, into elem. */
static trpc_error dec_map_key(trpc__jctx *c, const ProtobufCFieldDescriptor *kf, const char *key,
                              void *elem)
{
    if (kf->type == PROTOBUF_C_TYPE_BOOL) {
        if (strcmp(key, "true") == 0)
            *(protobuf_c_boolean *)elem = 1;
        else if (strcmp(key, "false") == 0)
            *(protobuf_c_boolean *)elem = 0;
        else
            return trpc__jfail(c, TRPC_EDECODE, "map key \"%.40s\" is not true or false", key);
        return TRPC_OK;
    }
    json_t *s = json_string(key);
    if (!s)
        return trpc__jfail(c, TRPC_ENOMEM, "out of memory");
    bool skip = false;
    trpc_error rc = dec_value(c, kf, s, elem, &skip);
    json_decref(s);
    return rc;
}

static trpc_error dec_map(trpc__jctx *c, const ProtobufCFieldDescriptor *f, json_t *v,
                          ProtobufCMessage *m)
{
    if (!json_is_object(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected an object (a map), got %s",
                           trpc__json_type_name(v));
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    size_t n = json_object_size(v);
    ProtobufCMessage **arr = trpc__json_alloc(c, n * sizeof *arr);
    if (!arr)
        return c->rc;
    size_t *count = trpc__jquant(m, f);
    *(ProtobufCMessage ***)trpc__jfield(m, f) = arr;
    *count = 0;
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        size_t mark = trpc__jpath_key(c, key);
        ProtobufCMessage *e = trpc__json_new_message(c, ed);
        if (!e)
            return c->rc;
        arr[(*count)++] = e;
        trpc_error rc = dec_map_key(c, kf, key, trpc__jfield(e, kf));
        if (rc == TRPC_OK && json_is_null(val) && !null_is_value(vf))
            rc = trpc__jfail(c, TRPC_EDECODE, "a map value cannot be null");
        bool skip = false;
        if (rc == TRPC_OK)
            rc = dec_value(c, vf, val, trpc__jfield(e, vf), &skip);
        if (rc != TRPC_OK)
            return rc;
        if (skip) { /* an unknown enum name, ignored: drop the entry */
            free_message(c, e);
            (*count)--;
        }
        /* Entry fields with presence say so; proto3 maps have none. */
        if (!skip && vf->label == PROTOBUF_C_LABEL_OPTIONAL && vf->quantifier_offset &&
            vf->type != PROTOBUF_C_TYPE_MESSAGE && vf->type != PROTOBUF_C_TYPE_STRING)
            *(protobuf_c_boolean *)trpc__jquant(e, vf) = 1;
        trpc__jpath_pop(c, mark);
    }
    return TRPC_OK;
}

static trpc_error dec_repeated(trpc__jctx *c, const ProtobufCFieldDescriptor *f, json_t *v,
                               ProtobufCMessage *m)
{
    if (!json_is_array(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected an array, got %s", trpc__json_type_name(v));
    size_t n = json_array_size(v), es = trpc__json_elem_size(f->type);
    char *arr = trpc__json_alloc(c, n * es);
    if (!arr)
        return c->rc;
    memset(arr, 0, n * es);
    size_t *count = trpc__jquant(m, f);
    *(char **)trpc__jfield(m, f) = arr;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(v, i);
        size_t mark = trpc__jpath_index(c, i);
        if (json_is_null(el) && !null_is_value(f))
            return trpc__jfail(c, TRPC_EDECODE, "null is not allowed in a repeated field");
        bool skip = false;
        trpc_error rc = dec_value(c, f, el, arr + *count * es, &skip);
        if (rc != TRPC_OK)
            return rc;
        if (!skip)
            (*count)++;
        trpc__jpath_pop(c, mark);
    }
    return TRPC_OK;
}

/* Is `key` the default JSON name (protoc's lowerCamelCase) of proto name
 * `name`?  Compared in place, without building the name. */
static bool default_name_is(const char *name, const char *key)
{
    bool up = false;
    for (const char *p = name; *p; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        char want = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        up = false;
        if (*key++ != want)
            return false;
    }
    return *key == '\0';
}

/* The field object member `key` names: its JSON name or its proto name. */
static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d,
                                                  const char *key)
{
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *ex = trpc__json_explicit_name(d, i);
        if ((ex ? strcmp(ex, key) == 0 : default_name_is(f->name, key)) ||
            strcmp(f->name, key) == 0)
            return f;
    }
    return NULL;
}

trpc_error trpc__json_dec_fields(trpc__jctx *c, json_t *v, ProtobufCMessage *m, const char *skip)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (!json_is_object(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected an object (message %s), got %s", d->name,
                           trpc__json_type_name(v));
    /* Which fields were seen: a field given under both of its names, or two
     * members of one oneof, is an error. */
    unsigned char seen_small[64];
    unsigned char *seen = d->n_fields <= sizeof seen_small ? seen_small : calloc(d->n_fields, 1);
    if (!seen)
        return trpc__jfail(c, TRPC_ENOMEM, "out of memory");
    memset(seen, 0, d->n_fields <= sizeof seen_small ? sizeof seen_small : 0);
    trpc_error rc = TRPC_OK;
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        if (skip && strcmp(key, skip) == 0)
            continue;
        const ProtobufCFieldDescriptor *f = find_field(d, key);
        if (!f) {
            if (c->o.ignore_unknown_fields)
                continue;
            size_t mark = trpc__jpath_field(c, key);
            rc = trpc__jfail(c, TRPC_EDECODE, "no such field in message %s", d->name);
            trpc__jpath_pop(c, mark);
            break;
        }
        unsigned idx = (unsigned)(f - d->fields);
        size_t mark = trpc__jpath_field(c, f->name);
        if (seen[idx]) {
            rc = trpc__jfail(c, TRPC_EDECODE, "given twice (by its JSON and its proto name)");
            break;
        }
        seen[idx] = 1;
        if (json_is_null(val) && !null_is_value(f)) {
            trpc__jpath_pop(c, mark);
            continue; /* null: the field's default, i.e. not set */
        }
        bool oneof = (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
        if (oneof) {
            uint32_t *cs = trpc__jquant(m, f);
            if (*cs != 0) {
                rc = trpc__jfail(c, TRPC_EDECODE, "a second member of the same oneof");
                break;
            }
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            rc = trpc__json_is_map(d, f) ? dec_map(c, f, val, m) : dec_repeated(c, f, val, m);
        } else {
            bool skipped = false;
            void *slot = trpc__jfield(m, f);
            /* Decode into a scratch slot first so a failure leaves the
             * message's field as init set it (free_unpacked-safe). */
            union {
                uint64_t u;
                double d;
                void *p;
                ProtobufCBinaryData b;
            } tmp;
            memset(&tmp, 0, sizeof tmp);
            rc = dec_value(c, f, val, &tmp, &skipped);
            if (rc == TRPC_OK && !skipped) {
                memcpy(slot, &tmp, trpc__json_elem_size(f->type));
                if (oneof)
                    *(uint32_t *)trpc__jquant(m, f) = f->id;
                else if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
                         f->type != PROTOBUF_C_TYPE_MESSAGE && f->type != PROTOBUF_C_TYPE_STRING)
                    *(protobuf_c_boolean *)trpc__jquant(m, f) = 1;
            }
        }
        if (rc != TRPC_OK)
            break;
        trpc__jpath_pop(c, mark);
    }
    if (seen != seen_small)
        free(seen);
    return rc;
}

/* Proto2 required fields must be there: protobuf-c's packer would follow a
 * NULL required message. */
static trpc_error check_required(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REQUIRED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
            *(ProtobufCMessage **)trpc__jfield(m, f) == NULL)
            return trpc__jfail(c, TRPC_EDECODE, "required field '%s' of %s is missing", f->name,
                               d->name);
    }
    return TRPC_OK;
}

trpc_error trpc__json_dec_message(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    if (!m->descriptor->name)
        return trpc__jfail(c, TRPC_EINVAL,
                           "the message's descriptor has no names (optimize_for = CODE_SIZE)");
    if (++c->depth > TRPC__JSON_MAX_DEPTH) {
        c->depth--;
        return trpc__jfail(c, TRPC_EDECODE, "messages nested deeper than %d",
                           TRPC__JSON_MAX_DEPTH);
    }
    trpc_error rc;
    trpc__wkt w = trpc__json_wkt(m->descriptor);
    if (w != TRPC__WKT_NONE)
        rc = trpc__json_dec_wkt(c, w, v, m);
    else if ((rc = trpc__json_dec_fields(c, v, m, NULL)) == TRPC_OK)
        rc = check_required(c, m);
    c->depth--;
    return rc;
}

trpc_error trpc_json_decode(const ProtobufCMessageDescriptor *d, const char *json, size_t len,
                            const trpc_json_opts *o, ProtobufCAllocator *alloc,
                            ProtobufCMessage **out, char *err, size_t errlen)
{
    trpc__jctx c;
    if (!trpc__jctx_init(&c, o, err, errlen) || !d || !out || (!json && len) ||
        d->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
        return trpc__jfail(&c, TRPC_EINVAL, "invalid arguments (NULL, or options without size)");
    c.alloc = alloc;
    json_error_t jerr;
    json_t *root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root)
        return trpc__jfail(&c, TRPC_EDECODE, "invalid JSON at line %d, column %d: %s", jerr.line,
                           jerr.column, jerr.text);
    ProtobufCMessage *m = trpc__json_new_message(&c, d);
    trpc_error rc = m ? trpc__json_dec_message(&c, root, m) : c.rc;
    json_decref(root);
    if (rc != TRPC_OK) {
        if (m)
            free_message(&c, m);
        return rc;
    }
    *out = m;
    return TRPC_OK;
}
