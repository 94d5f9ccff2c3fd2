/*
 * runtime/json/json_wkt.c: the well-known types' JSON forms, both ways.
 *
 * The proto3 JSON mapping gives google.protobuf's well-known types their
 * own forms instead of objects of fields:
 *   Timestamp  "1972-01-01T10:00:20.021Z" (RFC 3339; offsets accepted on
 *              input; 0, 3, 6 or 9 fractional digits on output)
 *   Duration   "1.000340012s", "-0.5s"
 *   wrappers   the wrapped value itself (Int64Value as a string, ...)
 *   Struct     a JSON object; Value any JSON value; ListValue an array
 *   FieldMask  "fooBar,baz.quxQuux" (paths in lowerCamelCase)
 *   Any        {"@type": "type.googleapis.com/pkg.Msg", ...Msg's fields}, or
 *              {"@type": ..., "value": <special form>} when Msg is itself a
 *              well-known type
 *   Empty      {} (needs nothing special)
 * The types are recognised by full name and their fields reached through
 * their descriptors, so any protobuf-c code for them works (typerpc's or
 * protoc-c's) and libtyperpc needs none of its own.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_internal.h"

static const struct {
    const char *name;
    trpc__wkt w;
} wkts[] = {
    { "google.protobuf.Any", TRPC__WKT_ANY },
    { "google.protobuf.Timestamp", TRPC__WKT_TIMESTAMP },
    { "google.protobuf.Duration", TRPC__WKT_DURATION },
    { "google.protobuf.FieldMask", TRPC__WKT_FIELDMASK },
    { "google.protobuf.Struct", TRPC__WKT_STRUCT },
    { "google.protobuf.Value", TRPC__WKT_VALUE },
    { "google.protobuf.ListValue", TRPC__WKT_LISTVALUE },
    { "google.protobuf.DoubleValue", TRPC__WKT_WRAPPER },
    { "google.protobuf.FloatValue", TRPC__WKT_WRAPPER },
    { "google.protobuf.Int64Value", TRPC__WKT_WRAPPER },
    { "google.protobuf.UInt64Value", TRPC__WKT_WRAPPER },
    { "google.protobuf.Int32Value", TRPC__WKT_WRAPPER },
    { "google.protobuf.UInt32Value", TRPC__WKT_WRAPPER },
    { "google.protobuf.BoolValue", TRPC__WKT_WRAPPER },
    { "google.protobuf.StringValue", TRPC__WKT_WRAPPER },
    { "google.protobuf.BytesValue", TRPC__WKT_WRAPPER },
};

trpc__wkt trpc__json_wkt(const ProtobufCMessageDescriptor *d)
{
    if (!d || !d->name || strncmp(d->name, "google.protobuf.", 16) != 0)
        return TRPC__WKT_NONE;
    for (size_t i = 0; i < sizeof wkts / sizeof wkts[0]; i++)
        if (strcmp(d->name, wkts[i].name) == 0)
            return wkts[i].w;
    return TRPC__WKT_NONE;
}

bool trpc__json_is_null_enum(const ProtobufCFieldDescriptor *f)
{
    const ProtobufCEnumDescriptor *ed = f->descriptor;
    return f->type == PROTOBUF_C_TYPE_ENUM && ed && strcmp(ed->name, "google.protobuf.NullValue") == 0;
}

static const ProtobufCFieldDescriptor *field(const ProtobufCMessageDescriptor *d, const char *name)
{
    for (unsigned i = 0; i < d->n_fields; i++)
        if (strcmp(d->fields[i].name, name) == 0)
            return &d->fields[i];
    return NULL;
}

#define GET(m, f, type) (*(type *)trpc__jfield((m), (f)))

/* ---- dates (proleptic Gregorian, days from 1970-01-01) ---- */

static int64_t days_from_civil(int64_t y, unsigned mo, unsigned d)
{
    y -= mo <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *mo, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *mo = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*mo <= 2);
}

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range JSON allows. */
#define TS_MIN INT64_C(-62135596800)
#define TS_MAX INT64_C(253402300799)
#define DUR_MAX INT64_C(315576000000)

/* ".123", ".123456" or ".123456789": the fewest groups of three digits. */
static void put_nanos(trpc__jbuf *b, int32_t nanos)
{
    if (nanos == 0)
        return;
    if (nanos % 1000000 == 0)
        trpc__jbuf_printf(b, ".%03" PRId32, nanos / 1000000);
    else if (nanos % 1000 == 0)
        trpc__jbuf_printf(b, ".%06" PRId32, nanos / 1000);
    else
        trpc__jbuf_printf(b, ".%09" PRId32, nanos);
}

static trpc_error enc_timestamp(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *fs = field(m->descriptor, "seconds");
    const ProtobufCFieldDescriptor *fn = field(m->descriptor, "nanos");
    if (!fs || !fn)
        return trpc__jfail(c, TRPC_EINVAL, "not a google.protobuf.Timestamp");
    int64_t s = GET(m, fs, int64_t);
    int32_t n = GET(m, fn, int32_t);
    if (s < TS_MIN || s > TS_MAX || n < 0 || n > 999999999)
        return trpc__jfail(c, TRPC_EINVAL,
                           "Timestamp %" PRId64 "s %" PRId32 "ns is outside 0001-01-01..9999-12-31", s,
                           n);
    int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
    int64_t rem = s - days * 86400;
    int64_t y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    trpc__jbuf_printf(&c->out, "\"%04" PRId64 "-%02u-%02uT%02u:%02u:%02u", y, mo, d,
                      (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    put_nanos(&c->out, n);
    trpc__jbuf_puts(&c->out, "Z\"");
    return TRPC_OK;
}

static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char ch = (*p)[i];
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* ".d{1,9}" if there, into nanoseconds. */
static bool fraction(const char **p, int32_t *nanos)
{
    *nanos = 0;
    if (**p != '.')
        return true;
    (*p)++;
    int n = 0;
    int32_t v = 0;
    while (**p >= '0' && **p <= '9') {
        if (++n > 9)
            return false;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    if (n == 0)
        return false;
    for (; n < 9; n++)
        v *= 10;
    *nanos = v;
    return true;
}

static trpc_error dec_timestamp(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    if (!json_is_string(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected an RFC 3339 timestamp string, got %s",
                           trpc__json_type_name(v));
    const char *s = json_string_value(v), *p = s;
    int y, mo, d, hh, mi, ss, oh = 0, om = 0;
    int32_t nanos;
    bool ok = digits(&p, 4, &y) && *p++ == '-' && digits(&p, 2, &mo) && *p++ == '-' &&
              digits(&p, 2, &d) && *p++ == 'T' && digits(&p, 2, &hh) && *p++ == ':' &&
              digits(&p, 2, &mi) && *p++ == ':' && digits(&p, 2, &ss) && fraction(&p, &nanos);
    int sign = 0;
    if (ok) {
        if (*p == 'Z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p++ == '+' ? 1 : -1;
            ok = digits(&p, 2, &oh) && *p++ == ':' && digits(&p, 2, &om) && oh <= 23 && om <= 59;
        } else {
            ok = false;
        }
    }
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (ok)
        ok = *p == '\0' && y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= mdays[mo - 1] &&
             (mo != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) && hh <= 23 &&
             mi <= 59 && ss <= 59;
    if (!ok)
        return trpc__jfail(c, TRPC_EDECODE, "\"%.60s\" is not an RFC 3339 timestamp", s);
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + hh * 3600 + mi * 60 + ss;
    secs -= sign * (oh * 3600 + om * 60);
    if (secs < TS_MIN || secs > TS_MAX)
        return trpc__jfail(c, TRPC_EDECODE, "\"%.60s\" is outside 0001-01-01..9999-12-31", s);
    const ProtobufCFieldDescriptor *fs = field(m->descriptor, "seconds");
    const ProtobufCFieldDescriptor *fn = field(m->descriptor, "nanos");
    if (!fs || !fn)
        return trpc__jfail(c, TRPC_EDECODE, "not a google.protobuf.Timestamp");
    GET(m, fs, int64_t) = secs;
    GET(m, fn, int32_t) = nanos;
    return TRPC_OK;
}

static trpc_error enc_duration(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *fs = field(m->descriptor, "seconds");
    const ProtobufCFieldDescriptor *fn = field(m->descriptor, "nanos");
    if (!fs || !fn)
        return trpc__jfail(c, TRPC_EINVAL, "not a google.protobuf.Duration");
    int64_t s = GET(m, fs, int64_t);
    int32_t n = GET(m, fn, int32_t);
    if (s < -DUR_MAX || s > DUR_MAX || n < -999999999 || n > 999999999 || (s > 0 && n < 0) ||
        (s < 0 && n > 0))
        return trpc__jfail(c, TRPC_EINVAL,
                           "Duration %" PRId64 "s %" PRId32 "ns is out of range or mixes signs", s, n);
    bool neg = s < 0 || n < 0;
    trpc__jbuf_printf(&c->out, "\"%s%" PRId64, neg ? "-" : "", s < 0 ? -s : s);
    put_nanos(&c->out, n < 0 ? -n : n);
    trpc__jbuf_puts(&c->out, "s\"");
    return TRPC_OK;
}

static trpc_error dec_duration(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    if (!json_is_string(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected a duration string like \"1.5s\", got %s",
                           trpc__json_type_name(v));
    const char *s = json_string_value(v), *p = s;
    bool neg = *p == '-';
    if (neg)
        p++;
    int64_t secs = 0;
    int nd = 0;
    bool ok = true;
    while (*p >= '0' && *p <= '9') {
        if (++nd > 12) {
            ok = false;
            break;
        }
        secs = secs * 10 + (*p++ - '0');
    }
    int32_t nanos = 0;
    ok = ok && nd > 0 && fraction(&p, &nanos) && p[0] == 's' && p[1] == '\0';
    if (!ok)
        return trpc__jfail(c, TRPC_EDECODE, "\"%.60s\" is not a duration like \"1.5s\"", s);
    if (secs > DUR_MAX)
        return trpc__jfail(c, TRPC_EDECODE, "\"%.60s\" is out of range", s);
    const ProtobufCFieldDescriptor *fs = field(m->descriptor, "seconds");
    const ProtobufCFieldDescriptor *fn = field(m->descriptor, "nanos");
    if (!fs || !fn)
        return trpc__jfail(c, TRPC_EDECODE, "not a google.protobuf.Duration");
    GET(m, fs, int64_t) = neg ? -secs : secs;
    GET(m, fn, int32_t) = neg ? -nanos : nanos;
    return TRPC_OK;
}

/* ---- FieldMask ---- */

static trpc_error enc_fieldmask(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *fp = field(m->descriptor, "paths");
    if (!fp || fp->label != PROTOBUF_C_LABEL_REPEATED)
        return trpc__jfail(c, TRPC_EINVAL, "not a google.protobuf.FieldMask");
    size_t n = *(const size_t *)trpc__jquant(m, fp);
    char **paths = GET(m, fp, char **);
    trpc__jbuf tmp = { 0 };
    trpc_error rc = TRPC_OK;
    for (size_t i = 0; i < n && rc == TRPC_OK; i++) {
        if (i)
            trpc__jbuf_putc(&tmp, ',');
        /* snake_case to lowerCamelCase; a path that would not come back the
         * same (upper case, "_" not before a lower-case letter) is refused. */
        const char *s = paths[i] ? paths[i] : "";
        for (const char *q = s; *q; q++) {
            if (*q >= 'A' && *q <= 'Z') {
                rc = trpc__jfail(c, TRPC_EINVAL, "FieldMask path \"%.60s\" has upper-case letters", s);
                break;
            }
            if (*q == '_') {
                if (q[1] < 'a' || q[1] > 'z') {
                    rc = trpc__jfail(c, TRPC_EINVAL,
                                     "FieldMask path \"%.60s\": '_' must come before a lower-case letter", s);
                    break;
                }
                q++;
                trpc__jbuf_putc(&tmp, (char)(*q - 'a' + 'A'));
            } else {
                trpc__jbuf_putc(&tmp, *q);
            }
        }
    }
    if (rc == TRPC_OK && !trpc__jbuf_string(&c->out, tmp.p ? tmp.p : "", tmp.len))
        rc = trpc__jfail(c, TRPC_EINVAL, "FieldMask path is not valid UTF-8");
    if (tmp.oom)
        rc = trpc__jfail(c, TRPC_ENOMEM, "out of memory");
    free(tmp.p);
    return rc;
}

static trpc_error dec_fieldmask(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    if (!json_is_string(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected a field mask string, got %s",
                           trpc__json_type_name(v));
    const ProtobufCFieldDescriptor *fp = field(m->descriptor, "paths");
    if (!fp || fp->label != PROTOBUF_C_LABEL_REPEATED)
        return trpc__jfail(c, TRPC_EDECODE, "not a google.protobuf.FieldMask");
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len == 0)
        return TRPC_OK;
    size_t n = 1;
    for (const char *q = s; *q; q++)
        n += *q == ',';
    char **arr = trpc__json_alloc(c, n * sizeof *arr);
    if (!arr)
        return c->rc;
    GET(m, fp, char **) = arr;
    size_t *count = trpc__jquant(m, fp);
    const char *start = s;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(start, ',');
        if (!end)
            end = s + len;
        size_t upper = 0;
        for (const char *q = start; q < end; q++) {
            if (*q == '_')
                return trpc__jfail(c, TRPC_EDECODE, "FieldMask path in \"%.60s\" has a '_'", s);
            upper += *q >= 'A' && *q <= 'Z';
        }
        char *p = trpc__json_alloc(c, (size_t)(end - start) + upper + 1);
        if (!p)
            return c->rc;
        size_t o = 0;
        for (const char *q = start; q < end; q++) {
            if (*q >= 'A' && *q <= 'Z') {
                p[o++] = '_';
                p[o++] = (char)(*q - 'A' + 'a');
            } else {
                p[o++] = *q;
            }
        }
        p[o] = '\0';
        arr[(*count)++] = p;
        start = end + 1;
    }
    return TRPC_OK;
}

/* ---- Struct, Value, ListValue ---- */

static trpc_error enc_struct(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *ff = field(m->descriptor, "fields");
    if (!ff || ff->label != PROTOBUF_C_LABEL_REPEATED || ff->type != PROTOBUF_C_TYPE_MESSAGE)
        return trpc__jfail(c, TRPC_EINVAL, "not a google.protobuf.Struct");
    size_t n = *(const size_t *)trpc__jquant(m, ff);
    ProtobufCMessage **es = GET(m, ff, ProtobufCMessage **);
    const ProtobufCMessageDescriptor *ed = ff->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    trpc__jbuf_putc(&c->out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            trpc__jbuf_putc(&c->out, ',');
        const char *k = GET(es[i], kf, const char *);
        if (!k)
            k = "";
        size_t mark = trpc__jpath_key(c, k);
        trpc_error rc = trpc__json_enc_value(c, kf, trpc__jfield(es[i], kf));
        trpc__jbuf_putc(&c->out, ':');
        if (rc == TRPC_OK)
            rc = trpc__json_enc_value(c, vf, trpc__jfield(es[i], vf));
        trpc__jpath_pop(c, mark);
        if (rc != TRPC_OK)
            return rc;
    }
    trpc__jbuf_putc(&c->out, '}');
    return TRPC_OK;
}

static trpc_error enc_list(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *fv = field(m->descriptor, "values");
    if (!fv || fv->label != PROTOBUF_C_LABEL_REPEATED)
        return trpc__jfail(c, TRPC_EINVAL, "not a google.protobuf.ListValue");
    size_t n = *(const size_t *)trpc__jquant(m, fv);
    ProtobufCMessage **vs = GET(m, fv, ProtobufCMessage **);
    trpc__jbuf_putc(&c->out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            trpc__jbuf_putc(&c->out, ',');
        size_t mark = trpc__jpath_index(c, i);
        trpc_error rc = trpc__json_enc_value(c, fv, &vs[i]);
        trpc__jpath_pop(c, mark);
        if (rc != TRPC_OK)
            return rc;
    }
    trpc__jbuf_putc(&c->out, ']');
    return TRPC_OK;
}

/* The member of Value's oneof `kind` that is set, or NULL. */
static const ProtobufCFieldDescriptor *value_kind(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)trpc__jquant(m, f) == f->id)
            return f;
    }
    return NULL;
}

static trpc_error enc_value(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *f = value_kind(m);
    /* No kind set: null, as protobuf's own printers write it. */
    if (!f || strcmp(f->name, "null_value") == 0) {
        trpc__jbuf_puts(&c->out, "null");
        return TRPC_OK;
    }
    if (strcmp(f->name, "number_value") == 0 && !isfinite(GET(m, f, double)))
        return trpc__jfail(c, TRPC_EINVAL,
                           "a Value's number_value cannot be NaN or infinite in JSON");
    return trpc__json_enc_value(c, f, trpc__jfield(m, f));
}

/* Sets Value m's kind to field `name`, whose slot the caller then fills. */
static void *set_kind(ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *f = field(m->descriptor, name);
    if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return NULL;
    *(uint32_t *)trpc__jquant(m, f) = f->id;
    return trpc__jfield(m, f);
}

static trpc_error dec_value_wkt(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    const char *name;
    switch (json_typeof(v)) {
    case JSON_NULL: name = "null_value"; break;
    case JSON_INTEGER:
    case JSON_REAL: name = "number_value"; break;
    case JSON_STRING: name = "string_value"; break;
    case JSON_TRUE:
    case JSON_FALSE: name = "bool_value"; break;
    case JSON_OBJECT: name = "struct_value"; break;
    case JSON_ARRAY: name = "list_value"; break;
    default: name = "";
    }
    const ProtobufCFieldDescriptor *f = field(m->descriptor, name);
    if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return trpc__jfail(c, TRPC_EDECODE, "not a google.protobuf.Value");
    union {
        double d;
        void *p;
        int i;
    } tmp;
    memset(&tmp, 0, sizeof tmp);
    trpc_error rc = json_is_null(v) ? TRPC_OK : trpc__json_dec_value(c, f, v, &tmp);
    if (rc != TRPC_OK)
        return rc;
    memcpy(set_kind(m, name), &tmp, trpc__json_elem_size(f->type));
    return TRPC_OK;
}

static trpc_error dec_struct(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    if (!json_is_object(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected an object (a Struct), got %s",
                           trpc__json_type_name(v));
    const ProtobufCFieldDescriptor *ff = field(m->descriptor, "fields");
    if (!ff || ff->label != PROTOBUF_C_LABEL_REPEATED || ff->type != PROTOBUF_C_TYPE_MESSAGE)
        return trpc__jfail(c, TRPC_EDECODE, "not a google.protobuf.Struct");
    const ProtobufCMessageDescriptor *ed = ff->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0], *vf = &ed->fields[1];
    ProtobufCMessage **arr = trpc__json_alloc(c, json_object_size(v) * sizeof *arr);
    if (!arr)
        return c->rc;
    GET(m, ff, ProtobufCMessage **) = arr;
    size_t *count = trpc__jquant(m, ff);
    const char *key;
    json_t *val;
    json_object_foreach(v, key, val) {
        size_t mark = trpc__jpath_key(c, key);
        ProtobufCMessage *e = trpc__json_new_message(c, ed);
        if (!e)
            return c->rc;
        arr[(*count)++] = e;
        char *k = trpc__json_strdup(c, key, strlen(key));
        if (!k)
            return c->rc;
        GET(e, kf, char *) = k;
        trpc_error rc = trpc__json_dec_value(c, vf, val, trpc__jfield(e, vf));
        if (rc != TRPC_OK)
            return rc;
        trpc__jpath_pop(c, mark);
    }
    return TRPC_OK;
}

static trpc_error dec_list(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    if (!json_is_array(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected an array (a ListValue), got %s",
                           trpc__json_type_name(v));
    const ProtobufCFieldDescriptor *fv = field(m->descriptor, "values");
    if (!fv || fv->label != PROTOBUF_C_LABEL_REPEATED)
        return trpc__jfail(c, TRPC_EDECODE, "not a google.protobuf.ListValue");
    size_t n = json_array_size(v);
    ProtobufCMessage **arr = trpc__json_alloc(c, n * sizeof *arr);
    if (!arr)
        return c->rc;
    GET(m, fv, ProtobufCMessage **) = arr;
    size_t *count = trpc__jquant(m, fv);
    for (size_t i = 0; i < n; i++) {
        size_t mark = trpc__jpath_index(c, i);
        trpc_error rc = trpc__json_dec_value(c, fv, json_array_get(v, i), &arr[*count]);
        if (rc != TRPC_OK)
            return rc;
        (*count)++;
        trpc__jpath_pop(c, mark);
    }
    return TRPC_OK;
}

/* ---- wrappers ---- */

static trpc_error enc_wrapper(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *f = field(m->descriptor, "value");
    if (!f)
        return trpc__jfail(c, TRPC_EINVAL, "not a wrapper type");
    return trpc__json_enc_value(c, f, trpc__jfield(m, f));
}

static trpc_error dec_wrapper(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *f = field(m->descriptor, "value");
    if (!f)
        return trpc__jfail(c, TRPC_EDECODE, "not a wrapper type");
    union {
        uint64_t u;
        double d;
        void *p;
        ProtobufCBinaryData b;
    } tmp;
    memset(&tmp, 0, sizeof tmp);
    trpc_error rc = trpc__json_dec_value(c, f, v, &tmp);
    if (rc == TRPC_OK)
        memcpy(trpc__jfield(m, f), &tmp, trpc__json_elem_size(f->type));
    return rc;
}

/* ---- Any ---- */

static const ProtobufCMessageDescriptor *any_type(trpc__jctx *c, const char *url, trpc_error code)
{
    const char *slash = strrchr(url, '/');
    const char *name = slash ? slash + 1 : url;
    const ProtobufCMessageDescriptor *d = trpc_json_registry_find(c->o.registry, name);
    if (!d)
        trpc__jfail(c, code, "Any of type \"%.100s\": the type is not in the registry", url);
    return d;
}

static trpc_error enc_any(trpc__jctx *c, const ProtobufCMessage *m)
{
    const ProtobufCFieldDescriptor *fu = field(m->descriptor, "type_url");
    const ProtobufCFieldDescriptor *fv = field(m->descriptor, "value");
    if (!fu || !fv)
        return trpc__jfail(c, TRPC_EINVAL, "not a google.protobuf.Any");
    const char *url = GET(m, fu, const char *);
    const ProtobufCBinaryData *val = trpc__jfield(m, fv);
    if ((!url || !*url) && val->len == 0) {
        trpc__jbuf_puts(&c->out, "{}");
        return TRPC_OK;
    }
    const ProtobufCMessageDescriptor *d = any_type(c, url ? url : "", TRPC_EINVAL);
    if (!d)
        return c->rc;
    ProtobufCMessage *inner = protobuf_c_message_unpack(d, NULL, val->len, val->data);
    if (!inner)
        return trpc__jfail(c, TRPC_EINVAL, "the Any's value is not a valid %s", d->name);
    trpc__jbuf_puts(&c->out, "{\"@type\":");
    trpc__jbuf_string(&c->out, url, strlen(url));
    trpc_error rc;
    if (trpc__json_wkt(d) != TRPC__WKT_NONE) {
        trpc__jbuf_puts(&c->out, ",\"value\":");
        rc = trpc__json_enc_message(c, inner);
    } else {
        bool first = false;
        rc = trpc__json_enc_fields(c, inner, &first);
    }
    trpc__jbuf_putc(&c->out, '}');
    protobuf_c_message_free_unpacked(inner, NULL);
    return rc;
}

static trpc_error dec_any(trpc__jctx *c, json_t *v, ProtobufCMessage *m)
{
    if (!json_is_object(v))
        return trpc__jfail(c, TRPC_EDECODE, "expected an object (an Any), got %s",
                           trpc__json_type_name(v));
    if (json_object_size(v) == 0)
        return TRPC_OK;
    json_t *t = json_object_get(v, "@type");
    if (!json_is_string(t))
        return trpc__jfail(c, TRPC_EDECODE, "an Any needs an \"@type\" string");
    const char *url = json_string_value(t);
    const ProtobufCMessageDescriptor *d = any_type(c, url, TRPC_EDECODE);
    if (!d)
        return c->rc;
    const ProtobufCFieldDescriptor *fu = field(m->descriptor, "type_url");
    const ProtobufCFieldDescriptor *fv = field(m->descriptor, "value");
    if (!fu || !fv)
        return trpc__jfail(c, TRPC_EDECODE, "not a google.protobuf.Any");
    ProtobufCMessage *inner = trpc__json_new_message(c, d);
    if (!inner)
        return c->rc;
    trpc_error rc;
    if (trpc__json_wkt(d) != TRPC__WKT_NONE) {
        json_t *val = json_object_get(v, "value");
        if (!val)
            rc = trpc__jfail(c, TRPC_EDECODE, "an Any of %s needs a \"value\"", d->name);
        else if (json_object_size(v) != 2 && !c->o.ignore_unknown_fields)
            rc = trpc__jfail(c, TRPC_EDECODE, "an Any of %s has members besides \"@type\" and \"value\"", d->name);
        else
            rc = trpc__json_dec_message(c, val, inner);
    } else {
        rc = trpc__json_dec_fields(c, v, inner, "@type");
    }
    if (rc == TRPC_OK) {
        size_t n = protobuf_c_message_get_packed_size(inner);
        uint8_t *buf = trpc__json_alloc(c, n);
        char *u = buf ? trpc__json_strdup(c, url, strlen(url)) : NULL;
        if (!u) {
            if (buf) {
                if (c->alloc)
                    c->alloc->free(c->alloc->allocator_data, buf);
                else
                    free(buf);
            }
            rc = c->rc;
        } else {
            protobuf_c_message_pack(inner, buf);
            GET(m, fu, char *) = u;
            ProtobufCBinaryData *bd = trpc__jfield(m, fv);
            bd->data = buf;
            bd->len = n;
            if (fv->label == PROTOBUF_C_LABEL_OPTIONAL && fv->quantifier_offset)
                *(protobuf_c_boolean *)trpc__jquant(m, fv) = 1;
        }
    }
    protobuf_c_message_free_unpacked(inner, c->alloc);
    return rc;
}

/* ---- dispatch ---- */

trpc_error trpc__json_enc_wkt(trpc__jctx *c, trpc__wkt w, const ProtobufCMessage *m)
{
    switch (w) {
    case TRPC__WKT_ANY: return enc_any(c, m);
    case TRPC__WKT_TIMESTAMP: return enc_timestamp(c, m);
    case TRPC__WKT_DURATION: return enc_duration(c, m);
    case TRPC__WKT_FIELDMASK: return enc_fieldmask(c, m);
    case TRPC__WKT_STRUCT: return enc_struct(c, m);
    case TRPC__WKT_VALUE: return enc_value(c, m);
    case TRPC__WKT_LISTVALUE: return enc_list(c, m);
    case TRPC__WKT_WRAPPER: return enc_wrapper(c, m);
    case TRPC__WKT_NONE: break;
    }
    return trpc__jfail(c, TRPC_EINVAL, "not a well-known type");
}

trpc_error trpc__json_dec_wkt(trpc__jctx *c, trpc__wkt w, json_t *v, ProtobufCMessage *m)
{
    switch (w) {
    case TRPC__WKT_ANY: return dec_any(c, v, m);
    case TRPC__WKT_TIMESTAMP: return dec_timestamp(c, v, m);
    case TRPC__WKT_DURATION: return dec_duration(c, v, m);
    case TRPC__WKT_FIELDMASK: return dec_fieldmask(c, v, m);
    case TRPC__WKT_STRUCT: return dec_struct(c, v, m);
    case TRPC__WKT_VALUE: return dec_value_wkt(c, v, m);
    case TRPC__WKT_LISTVALUE: return dec_list(c, v, m);
    case TRPC__WKT_WRAPPER: return dec_wrapper(c, v, m);
    case TRPC__WKT_NONE: break;
    }
    return trpc__jfail(c, TRPC_EDECODE, "not a well-known type");
}
