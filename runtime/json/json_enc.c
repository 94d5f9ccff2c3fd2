/*
 * runtime/json/json_enc.c: protobuf-c messages to JSON text.
 *
 * Walks a message by its descriptor and writes compact JSON straight into a
 * growable buffer (no JSON library on this side: writing is simple, and
 * doing it ourselves decides the exact text, e.g. the shortest number that
 * reads back as the same float).  Fields go out in the descriptor's order
 * (field numbers), under their JSON names.  Presence follows protobuf: a
 * field without presence (proto3, no `optional`) is written only when it is
 * not its default; a field with presence (proto2, proto3 `optional`, oneof
 * members, messages) when it is set; repeated fields and maps when not empty.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_internal.h"

/* The shortest "%.Ng" that reads back as the same double (15 to 17 digits)
 * or the same float (6 to 9 digits, as protobuf's Python does). */
static void put_double(trpc__jbuf *b, double v)
{
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    trpc__jbuf_puts(b, tmp);
}

static void put_float(trpc__jbuf *b, float v)
{
    char tmp[40];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, (double)v);
        if (strtof(tmp, NULL) == v)
            break;
    }
    trpc__jbuf_puts(b, tmp);
}

static bool put_special(trpc__jbuf *b, double v)
{
    if (isnan(v))
        trpc__jbuf_puts(b, "\"NaN\"");
    else if (isinf(v))
        trpc__jbuf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
        return false;
    return true;
}

trpc_error trpc__json_enc_value(trpc__jctx *c, const ProtobufCFieldDescriptor *f, const void *elem)
{
    trpc__jbuf *b = &c->out;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        trpc__jbuf_printf(b, "%" PRId32, *(const int32_t *)elem);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        trpc__jbuf_printf(b, "%" PRIu32, *(const uint32_t *)elem);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        trpc__jbuf_printf(b, "\"%" PRId64 "\"", *(const int64_t *)elem);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        trpc__jbuf_printf(b, "\"%" PRIu64 "\"", *(const uint64_t *)elem);
        break;
    case PROTOBUF_C_TYPE_FLOAT: {
        float v = *(const float *)elem;
        if (!put_special(b, v))
            put_float(b, v);
        break;
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = *(const double *)elem;
        if (!put_special(b, v))
            put_double(b, v);
        break;
    }
    case PROTOBUF_C_TYPE_BOOL:
        trpc__jbuf_puts(b, *(const protobuf_c_boolean *)elem ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)elem;
        if (trpc__json_is_null_enum(f)) {
            trpc__jbuf_puts(b, "null");
            break;
        }
        const ProtobufCEnumValue *ev =
            c->o.enums_as_numbers ? NULL : protobuf_c_enum_descriptor_get_value(f->descriptor, v);
        if (ev && ev->name) /* no names with optimize_for = CODE_SIZE */
            trpc__jbuf_string(b, ev->name, strlen(ev->name));
        else
            trpc__jbuf_printf(b, "%d", v); /* a number no name belongs to */
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)elem;
        if (!s)
            s = "";
        if (!trpc__jbuf_string(b, s, strlen(s)))
            return trpc__jfail(c, TRPC_EINVAL, "the string is not valid UTF-8");
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = elem;
        trpc__jbuf_base64(b, bd->data, bd->data ? bd->len : 0);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)elem;
        if (sub)
            return trpc__json_enc_message(c, sub);
        /* A map entry or repeated slot left NULL: the default message. */
        const ProtobufCMessageDescriptor *sd = f->descriptor;
        ProtobufCMessage *tmp = calloc(1, sd->sizeof_message);
        if (!tmp)
            return trpc__jfail(c, TRPC_ENOMEM, "out of memory");
        protobuf_c_message_init(sd, tmp);
        trpc_error rc = trpc__json_enc_message(c, tmp);
        free(tmp);
        return rc;
    }
    }
    return b->oom ? trpc__jfail(c, TRPC_ENOMEM, "out of memory") : TRPC_OK;
}

/* A map key: always a JSON string. */
static trpc_error enc_map_key(trpc__jctx *c, const ProtobufCFieldDescriptor *kf, const void *elem)
{
    trpc__jbuf *b = &c->out;
    switch (kf->type) {
    case PROTOBUF_C_TYPE_STRING:
        return trpc__json_enc_value(c, kf, elem);
    case PROTOBUF_C_TYPE_BOOL:
        trpc__jbuf_puts(b, *(const protobuf_c_boolean *)elem ? "\"true\"" : "\"false\"");
        return TRPC_OK;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return trpc__json_enc_value(c, kf, elem); /* already quoted */
    default:
        trpc__jbuf_putc(b, '"');
        trpc_error rc = trpc__json_enc_value(c, kf, elem);
        trpc__jbuf_putc(b, '"');
        return rc;
    }
}

/* Is a field without presence at its default? */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT: return *(const float *)p == 0 && !signbit(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)p == 0 && !signbit(*(const double *)p);
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES: return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE: return *(ProtobufCMessage *const *)p == NULL;
    default: {
        size_t n = trpc__json_elem_size(f->type);
        static const uint8_t zero[8];
        return memcmp(p, zero, n) == 0;
    }
    }
}

/* Should field f of m be written? */
static bool field_written(const trpc__jctx *c, const ProtobufCMessage *m,
                          const ProtobufCFieldDescriptor *f)
{
    const void *p = trpc__jfield(m, f);
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return c->o.emit_defaults || *(const size_t *)trpc__jquant(m, f) > 0;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)trpc__jquant(m, f) == f->id;
    switch (f->label) {
    case PROTOBUF_C_LABEL_REQUIRED:
        return true;
    case PROTOBUF_C_LABEL_OPTIONAL:
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            return *(ProtobufCMessage *const *)p != NULL;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            const char *s = *(char *const *)p;
            return s && s != (const char *)f->default_value;
        }
        return *(const protobuf_c_boolean *)trpc__jquant(m, f);
    case PROTOBUF_C_LABEL_NONE:
    default:
        if (f->type == PROTOBUF_C_TYPE_MESSAGE)
            return *(ProtobufCMessage *const *)p != NULL;
        return c->o.emit_defaults || !is_default(f, p);
    }
}

static void put_key(trpc__jctx *c, const ProtobufCMessageDescriptor *d,
                    const ProtobufCFieldDescriptor *f, bool *first)
{
    if (!*first)
        trpc__jbuf_putc(&c->out, ',');
    *first = false;
    char name[256];
    const char *n = f->name;
    if (!c->o.proto_names)
        n = trpc_json_field_name(d, f, name, sizeof name);
    trpc__jbuf_string(&c->out, n, strlen(n));
    trpc__jbuf_putc(&c->out, ':');
}

static trpc_error enc_map(trpc__jctx *c, const ProtobufCFieldDescriptor *f, size_t n,
                          ProtobufCMessage *const *entries)
{
    const ProtobufCMessageDescriptor *ed = f->descriptor;
    const ProtobufCFieldDescriptor *kf = &ed->fields[0];
    const ProtobufCFieldDescriptor *vf = &ed->fields[1];
    trpc__jbuf_putc(&c->out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            trpc__jbuf_putc(&c->out, ',');
        const ProtobufCMessage *e = entries[i];
        size_t mark = trpc__jpath_index(c, i);
        trpc_error rc = enc_map_key(c, kf, trpc__jfield(e, kf));
        trpc__jbuf_putc(&c->out, ':');
        if (rc == TRPC_OK)
            rc = trpc__json_enc_value(c, vf, trpc__jfield(e, vf));
        trpc__jpath_pop(c, mark);
        if (rc != TRPC_OK)
            return rc;
    }
    trpc__jbuf_putc(&c->out, '}');
    return TRPC_OK;
}

trpc_error trpc__json_enc_fields(trpc__jctx *c, const ProtobufCMessage *m, bool *first)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!field_written(c, m, f))
            continue;
        put_key(c, d, f, first);
        size_t mark = trpc__jpath_field(c, f->name);
        trpc_error rc = TRPC_OK;
        const void *p = trpc__jfield(m, f);
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)trpc__jquant(m, f);
            const char *arr = *(char *const *)p;
            if (trpc__json_is_map(d, f)) {
                rc = enc_map(c, f, n, (ProtobufCMessage *const *)arr);
            } else {
                size_t es = trpc__json_elem_size(f->type);
                trpc__jbuf_putc(&c->out, '[');
                for (size_t k = 0; k < n && rc == TRPC_OK; k++) {
                    if (k)
                        trpc__jbuf_putc(&c->out, ',');
                    size_t m2 = trpc__jpath_index(c, k);
                    rc = trpc__json_enc_value(c, f, arr + k * es);
                    trpc__jpath_pop(c, m2);
                }
                trpc__jbuf_putc(&c->out, ']');
            }
        } else {
            rc = trpc__json_enc_value(c, f, p);
        }
        trpc__jpath_pop(c, mark);
        if (rc != TRPC_OK)
            return rc;
    }
    return c->out.oom ? trpc__jfail(c, TRPC_ENOMEM, "out of memory") : TRPC_OK;
}

trpc_error trpc__json_enc_message(trpc__jctx *c, const ProtobufCMessage *m)
{
    if (!m || !m->descriptor || m->descriptor->magic != PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC)
        return trpc__jfail(c, TRPC_EINVAL, "not a protobuf-c message");
    if (!m->descriptor->name)
        return trpc__jfail(c, TRPC_EINVAL,
                           "the message's descriptor has no names (optimize_for = CODE_SIZE)");
    if (++c->depth > TRPC__JSON_MAX_DEPTH) {
        c->depth--;
        return trpc__jfail(c, TRPC_EINVAL, "messages nested deeper than %d", TRPC__JSON_MAX_DEPTH);
    }
    trpc_error rc;
    trpc__wkt w = trpc__json_wkt(m->descriptor);
    if (w != TRPC__WKT_NONE) {
        rc = trpc__json_enc_wkt(c, w, m);
    } else {
        bool first = true;
        trpc__jbuf_putc(&c->out, '{');
        rc = trpc__json_enc_fields(c, m, &first);
        trpc__jbuf_putc(&c->out, '}');
    }
    c->depth--;
    if (rc == TRPC_OK && c->out.oom)
        rc = trpc__jfail(c, TRPC_ENOMEM, "out of memory");
    return rc;
}

trpc_error trpc_json_encode(const ProtobufCMessage *m, const trpc_json_opts *o, char **out,
                            size_t *len, char *err, size_t errlen)
{
    trpc__jctx c;
    if (!trpc__jctx_init(&c, o, err, errlen) || !m || !out)
        return trpc__jfail(&c, TRPC_EINVAL, "invalid arguments (NULL, or options without size)");
    trpc_error rc = trpc__json_enc_message(&c, m);
    if (rc != TRPC_OK) {
        free(c.out.p);
        return rc;
    }
    *out = c.out.p;
    if (len)
        *len = c.out.len;
    return TRPC_OK;
}
