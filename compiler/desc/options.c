/*
 * options.c — options as protoc 3.21 interprets them into descriptors.
 *
 * protoc's OptionInterpreter writes every option, known or custom, as an
 * unknown field of the element's XxxOptions message, in the order the options
 * are written, then serializes the message and parses it back: fields that
 * descriptor.proto declares land in their struct members, and everything
 * else (custom options, which protoc's own compiled-in descriptor.proto does
 * not know) stays an unknown field, in order. Serialized again, the known
 * fields come first, by number, then the unknown ones as written. We build
 * the same message directly: known fields are set through libprotobuf-c's
 * reflection (the field descriptors of the generated descriptor.pb-c.c), the
 * rest become ProtobufCMessageUnknownFields, and libprotobuf-c packs them in
 * that same order.
 *
 * The bytes of a custom option are what protoc's SetOptionValue writes: a
 * scalar by its type (an int32 as a 10-byte varint when negative; `-0` is
 * +0.0 for a float or double option, since protoc keeps it as the integer
 * 0), an option path `(a).b.c` wrapped in one length-delimited field (or
 * group) per part, and an aggregate `{ ... }` as protoc's dynamic message
 * serializes after reading it as text format: fields by number whatever the
 * order written, repeated scalars packed where the field is packed, proto3
 * fields without presence left out at their zero value, map entries with
 * both key and value always, in the order written (text format fills the
 * map's repeated form, which serializes in insertion order).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* Each block starts with its size, 16 bytes before what the caller gets. */
enum { SIZE_HEADER = 16 };

static void *alloc_cb(void *data, size_t size)
{
    char *p = arena_alloc(data, size + SIZE_HEADER);
    memcpy(p, &size, sizeof size);
    return p + SIZE_HEADER;
}

size_t desc_string_length(const char *s)
{
    size_t size;
    memcpy(&size, s - SIZE_HEADER, sizeof size);
    return size ? size - 1 : 0;
}

static void free_cb(void *data, void *p)
{
    (void)data;
    (void)p;
}

ProtobufCAllocator desc_allocator(Arena *arena)
{
    return (ProtobufCAllocator){ alloc_cb, free_cb, arena };
}

static const ProtobufCMessageDescriptor *const options_descriptors[] = {
    [DOPT_FILE] = &google__protobuf__file_options__descriptor,
    [DOPT_MESSAGE] = &google__protobuf__message_options__descriptor,
    [DOPT_FIELD] = &google__protobuf__field_options__descriptor,
    [DOPT_ONEOF] = &google__protobuf__oneof_options__descriptor,
    [DOPT_ENUM] = &google__protobuf__enum_options__descriptor,
    [DOPT_ENUM_VALUE] = &google__protobuf__enum_value_options__descriptor,
    [DOPT_SERVICE] = &google__protobuf__service_options__descriptor,
    [DOPT_METHOD] = &google__protobuf__method_options__descriptor,
    [DOPT_RANGE] = &google__protobuf__extension_range_options__descriptor,
};

const ProtobufCMessageDescriptor *desc_options_descriptor(DescOptKind kind)
{
    return options_descriptors[kind];
}

bool desc_is_pseudo_option(const Option *o)
{
    return o->name.len == 1 && !o->name.items[0].is_extension &&
           (strcmp(o->name.items[0].name, "default") == 0 ||
            strcmp(o->name.items[0].name, "json_name") == 0);
}

static bool counts(DescOptKind kind, const Option *o)
{
    return o->name.len > 0 && !(kind == DOPT_FIELD && desc_is_pseudo_option(o));
}

/* ------------------------------------------------------------ numbers */

static int64_t value_i64(const Value *v)
{
    return v->negative ? (int64_t)(0 - v->u) : (int64_t)v->u;
}

/* IEEE round-to-nearest narrowing, without C's undefined behaviour for
 * values beyond the float range (they round to the largest float or to
 * infinity, as the hardware conversion protoc relies on does). */
static float narrow(double d)
{
    if (d > FLT_MAX)
        return d < 3.4028235677973366e+38 ? FLT_MAX : INFINITY;
    if (d < -FLT_MAX)
        return d > -3.4028235677973366e+38 ? -FLT_MAX : -INFINITY;
    return (float)d;
}

/* A number for a float or double field. At the top level protoc keeps an
 * integer as a uint64 or an int64, so `-0` is +0.0; text format negates the
 * double it read, so `-0` inside an aggregate is -0.0. */
static double value_double(const Value *v, bool text)
{
    double d;
    switch (v->kind) {
    case VAL_INT:
        if (!v->negative)
            return (double)v->u;
        if (!text)
            return (double)(int64_t)(0 - v->u);
        d = (double)v->u;
        return -d;
    case VAL_FLOAT: return v->d;
    case VAL_IDENT: d = strcasecmp(v->s, "nan") == 0 ? NAN : INFINITY; return v->negative ? -d : d;
    default: return 0;
    }
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static EnumValue *enum_value_named(const Enum *e, const char *name)
{
    for (size_t i = 0; i < e->values.len; i++)
        if (strcmp(e->values.items[i]->name, name) == 0)
            return e->values.items[i];
    return NULL;
}

static bool value_bool(const Value *v)
{
    if (v->kind == VAL_INT)
        return v->u != 0;
    return v->s &&
           (strcmp(v->s, "true") == 0 || strcmp(v->s, "True") == 0 || strcmp(v->s, "t") == 0);
}

static int64_t value_enum(const Enum *e, const Value *v)
{
    if (v->kind == VAL_INT)
        return value_i64(v);
    EnumValue *ev = e ? enum_value_named(e, v->s) : NULL;
    return ev ? ev->number : 0;
}

static bool is_packable(FieldType t)
{
    return t != TYPE_STRING && t != TYPE_BYTES && t != TYPE_MESSAGE && t != TYPE_GROUP &&
           t != TYPE_NONE;
}

static int wire_type_of(FieldType t)
{
    switch (t) {
    case TYPE_DOUBLE:
    case TYPE_FIXED64:
    case TYPE_SFIXED64: return WIRE_FIXED64;
    case TYPE_FLOAT:
    case TYPE_FIXED32:
    case TYPE_SFIXED32: return WIRE_FIXED32;
    case TYPE_STRING:
    case TYPE_BYTES:
    case TYPE_MESSAGE: return WIRE_LEN;
    case TYPE_GROUP: return WIRE_SGROUP;
    default: return WIRE_VARINT;
    }
}

/* The payload of a scalar (no tag), by the field's type. Returns whether the
 * value is its type's zero (for proto3 fields without presence). */
static bool put_scalar(WBuf *b, FieldType t, const Enum *e, const Value *v, bool text)
{
    switch (t) {
    case TYPE_INT32:
    case TYPE_INT64: {
        int64_t x = t == TYPE_INT32 ? (int32_t)value_i64(v) : value_i64(v);
        wbuf_varint(b, (uint64_t)x);
        return x == 0;
    }
    case TYPE_UINT32:
    case TYPE_UINT64: wbuf_varint(b, v->u); return v->u == 0;
    case TYPE_SINT32: {
        int32_t x = (int32_t)value_i64(v);
        wbuf_varint(b, ((uint32_t)x << 1) ^ (uint32_t)(x >> 31));
        return x == 0;
    }
    case TYPE_SINT64: {
        int64_t x = value_i64(v);
        wbuf_varint(b, ((uint64_t)x << 1) ^ (uint64_t)(x >> 63));
        return x == 0;
    }
    case TYPE_FIXED32:
    case TYPE_SFIXED32: {
        uint32_t x = t == TYPE_FIXED32 ? (uint32_t)v->u : (uint32_t)(int32_t)value_i64(v);
        wbuf_fixed32(b, x);
        return x == 0;
    }
    case TYPE_FIXED64:
    case TYPE_SFIXED64: {
        uint64_t x = t == TYPE_FIXED64 ? v->u : (uint64_t)value_i64(v);
        wbuf_fixed64(b, x);
        return x == 0;
    }
    case TYPE_FLOAT: {
        uint32_t x = float_bits(narrow(value_double(v, text)));
        wbuf_fixed32(b, x);
        return x == 0;
    }
    case TYPE_DOUBLE: {
        uint64_t x = double_bits(value_double(v, text));
        wbuf_fixed64(b, x);
        return x == 0;
    }
    case TYPE_BOOL: {
        bool x = value_bool(v);
        wbuf_varint(b, x);
        return !x;
    }
    case TYPE_ENUM: {
        int64_t x = (int32_t)value_enum(e, v);
        wbuf_varint(b, (uint64_t)x);
        return x == 0;
    }
    case TYPE_STRING:
    case TYPE_BYTES:
        wbuf_varint(b, v->len);
        wbuf_put(b, v->s, v->len);
        return v->len == 0;
    default: return false;
    }
}

/* ------------------------------------------------------- aggregates */

static void put_message(Arena *a, WBuf *b, Message *m, const Value *agg);

/* One field of an aggregate being serialized: its values in order. */
typedef struct Slot {
    Field *fd;
    VEC(const Value *) values;
} Slot;

typedef VEC(Slot) SlotVec;

static Slot *slot_for(Arena *a, SlotVec *slots, Field *fd)
{
    for (size_t i = 0; i < slots->len; i++)
        if (slots->items[i].fd == fd)
            return &slots->items[i];
    VEC_PUSH(a, slots, ((Slot){ .fd = fd }));
    return &slots->items[slots->len - 1];
}

static int by_number(const void *pa, const void *pb)
{
    const Slot *x = pa, *y = pb;
    return x->fd->number < y->fd->number ? -1 : x->fd->number > y->fd->number;
}

static Field *field_numbered(const Message *m, int64_t number)
{
    for (size_t i = 0; i < m->fields.len; i++)
        if (m->fields.items[i]->number == number)
            return m->fields.items[i];
    return NULL;
}

static Value *string_value(Arena *a, const char *s, size_t len)
{
    Value *v = arena_alloc(a, sizeof *v);
    v->kind = VAL_STRING;
    v->s = arena_strndup(a, s, len);
    v->len = len;
    return v;
}

/* Whether a field of a dynamic message tracks presence (protoc's
 * HasField): proto2 fields, proto3 `optional`, oneof members, messages and
 * extensions do; other proto3 singular fields are present when not zero. */
static bool has_presence(const Field *fd)
{
    return fd->file->syntax == SYNTAX_PROTO2 || fd->proto3_optional || fd->oneof ||
           fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP || fd->extend;
}

static bool is_packed(const Field *fd)
{
    if (fd->label != LABEL_REPEATED || fd->is_map || !is_packable(fd->type))
        return false;
    for (size_t i = 0; i < fd->options.len; i++) {
        const Option *o = fd->options.items[i];
        if (o->name.len == 1 && !o->name.items[0].is_extension &&
            strcmp(o->name.items[0].name, "packed") == 0 && o->value && o->value->kind == VAL_IDENT)
            return strcmp(o->value->s, "true") == 0;
    }
    return fd->file->syntax == SYNTAX_PROTO3;
}

/* One value of a message or group field: tag, then the nested message. */
static void put_nested(Arena *a, WBuf *b, const Field *fd, const Value *v)
{
    WBuf inner = { 0 };
    if (v && v->kind == VAL_AGGREGATE)
        put_message(a, &inner, fd->msg_type, v);
    if (fd->type == TYPE_GROUP) {
        wbuf_tag(b, (uint64_t)fd->number, WIRE_SGROUP);
        wbuf_put(b, inner.data, inner.len);
        wbuf_tag(b, (uint64_t)fd->number, WIRE_EGROUP);
    } else {
        wbuf_len_field(b, (uint64_t)fd->number, inner.data, inner.len);
    }
    wbuf_free(&inner);
}

static void put_field_value(Arena *a, WBuf *b, const Field *fd, const Value *v, bool implicit)
{
    if (fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP) {
        put_nested(a, b, fd, v);
        return;
    }
    WBuf payload = { 0 };
    bool zero = put_scalar(&payload, fd->type, fd->enum_type, v, true);
    if (!(implicit && zero)) {
        wbuf_tag(b, (uint64_t)fd->number, wire_type_of(fd->type));
        wbuf_put(b, payload.data, payload.len);
    }
    wbuf_free(&payload);
}

/* A map entry serializes key and value always, at their defaults when the
 * text left them out. */
static void put_map_entry(Arena *a, WBuf *b, const Field *map_field, const Value *v)
{
    Message *entry = map_field->msg_type;
    const Value *key = NULL, *val = NULL;
    if (v && v->kind == VAL_AGGREGATE)
        for (size_t i = 0; i < v->entries.len; i++) {
            AggEntry *e = v->entries.items[i];
            if (e->field && e->field->number == 1)
                key = e->value;
            else if (e->field && e->field->number == 2)
                val = e->value;
        }
    WBuf inner = { 0 };
    for (int n = 1; n <= 2; n++) {
        Field *fd = field_numbered(entry, n);
        const Value *x = n == 1 ? key : val;
        if (!fd)
            continue;
        if (fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP) {
            put_nested(a, &inner, fd, x);
            continue;
        }
        Value zero = { .kind = VAL_INT };
        if (!x && fd->type == TYPE_STRING)
            zero.kind = VAL_STRING, zero.s = "";
        if (!x && fd->type == TYPE_ENUM && fd->enum_type && fd->enum_type->values.len)
            zero.negative = fd->enum_type->values.items[0]->number < 0,
            zero.u = (uint64_t)(zero.negative ? -fd->enum_type->values.items[0]->number
                                              : fd->enum_type->values.items[0]->number);
        if (!x && fd->type == TYPE_BYTES)
            zero.kind = VAL_STRING, zero.s = "";
        put_field_value(a, &inner, fd, x ? x : &zero, false);
    }
    wbuf_len_field(b, (uint64_t)map_field->number, inner.data, inner.len);
    wbuf_free(&inner);
}

static void put_message(Arena *a, WBuf *b, Message *m, const Value *agg)
{
    if (!m)
        return;
    SlotVec slots = { 0 };
    for (size_t i = 0; i < agg->entries.len; i++) {
        AggEntry *e = agg->entries.items[i];
        if (!e->value)
            continue;
        if (e->any_type) {
            /* [prefix/full.Name] { ... } sets Any's type_url and value. */
            Field *url = field_numbered(m, 1), *val = field_numbered(m, 2);
            if (!url || !val)
                continue;
            WBuf packed = { 0 };
            put_message(a, &packed, e->any_type, e->value);
            Slot *s = slot_for(a, &slots, url);
            s->values.len = 0;
            VEC_PUSH(a, &s->values, string_value(a, e->name, strlen(e->name)));
            s = slot_for(a, &slots, val);
            s->values.len = 0;
            VEC_PUSH(a, &s->values, string_value(a, (char *)packed.data, packed.len));
            wbuf_free(&packed);
            continue;
        }
        if (!e->field)
            continue;
        Slot *s = slot_for(a, &slots, e->field);
        if (e->field->label != LABEL_REPEATED)
            s->values.len = 0;
        if (e->value->kind == VAL_LIST)
            for (size_t k = 0; k < e->value->list.len; k++)
                VEC_PUSH(a, &s->values, e->value->list.items[k]);
        else
            VEC_PUSH(a, &s->values, e->value);
    }
    if (slots.len > 1)
        qsort(slots.items, slots.len, sizeof *slots.items, by_number);
    for (size_t i = 0; i < slots.len; i++) {
        Slot *s = &slots.items[i];
        const Field *fd = s->fd;
        if (fd->is_map) {
            for (size_t k = 0; k < s->values.len; k++)
                put_map_entry(a, b, fd, s->values.items[k]);
        } else if (is_packed(fd)) {
            if (!s->values.len)
                continue;
            WBuf payload = { 0 };
            for (size_t k = 0; k < s->values.len; k++)
                put_scalar(&payload, fd->type, fd->enum_type, s->values.items[k], true);
            wbuf_len_field(b, (uint64_t)fd->number, payload.data, payload.len);
            wbuf_free(&payload);
        } else {
            bool implicit = fd->label != LABEL_REPEATED && !has_presence(fd);
            for (size_t k = 0; k < s->values.len; k++)
                put_field_value(a, b, fd, s->values.items[k], implicit);
        }
    }
}

/* ------------------------------------------------------- one option */

/* What one part of an option name denotes: a field of the options message
 * that libprotobuf-c knows (known), or a field of the model. */
typedef struct Part {
    const ProtobufCFieldDescriptor *known;
    Field *field;
    int64_t number;
} Part;

static bool resolve_part(DescOptKind kind, const Option *o, size_t i, Part *out)
{
    const OptionNamePart *p = &o->name.items[i];
    *out = (Part){ 0 };
    if (p->field) {
        out->field = p->field;
        out->number = p->field->number;
        return true;
    }
    if (i > 0 || p->is_extension)
        return false;
    out->known = protobuf_c_message_descriptor_get_field_by_name(options_descriptors[kind],
                                                                 p->name);
    if (!out->known)
        return false;
    out->number = out->known->id;
    return true;
}

static FieldType known_type(const ProtobufCFieldDescriptor *k)
{
    switch (k->type) {
    case PROTOBUF_C_TYPE_BOOL: return TYPE_BOOL;
    case PROTOBUF_C_TYPE_ENUM: return TYPE_ENUM;
    case PROTOBUF_C_TYPE_STRING: return TYPE_STRING;
    default: return TYPE_NONE;
    }
}

/* The payload of the option's leaf (after its tag), and its wire type. */
static int put_leaf(Arena *a, WBuf *b, const Part *leaf, const Value *v)
{
    if (leaf->known) {
        FieldType t = known_type(leaf->known);
        if (t == TYPE_ENUM) {
            const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(
                leaf->known->descriptor, v->s ? v->s : "");
            wbuf_varint(b, (uint64_t)(int64_t)(ev ? ev->value : 0));
        } else {
            put_scalar(b, t, NULL, v, false);
        }
        return wire_type_of(t);
    }
    Field *fd = leaf->field;
    if (fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP) {
        WBuf inner = { 0 };
        if (v->kind == VAL_AGGREGATE)
            put_message(a, &inner, fd->msg_type, v);
        if (fd->type == TYPE_GROUP) {
            wbuf_put(b, inner.data, inner.len);
            wbuf_tag(b, (uint64_t)fd->number, WIRE_EGROUP);
        } else {
            wbuf_varint(b, inner.len);
            wbuf_put(b, inner.data, inner.len);
        }
        wbuf_free(&inner);
        return wire_type_of(fd->type);
    }
    put_scalar(b, fd->type, fd->enum_type, v, false);
    return wire_type_of(fd->type);
}

/* The option as one top-level field: its number, wire type and payload (the
 * bytes after the tag). Parts after the first wrap the value in one
 * message (or group) per part, innermost first, as protoc's
 * InterpretSingleOption wraps its UnknownFieldSets. */
static bool encode_option(Arena *a, DescOptKind kind, const Option *o, Part *top, int *wire,
                          WBuf *payload)
{
    size_t n = o->name.len;
    Part *parts = arena_alloc(a, n * sizeof *parts);
    for (size_t i = 0; i < n; i++)
        if (!resolve_part(kind, o, i, &parts[i]))
            return false;
    WBuf cur = { 0 };
    int wt = put_leaf(a, &cur, &parts[n - 1], o->value);
    for (size_t i = n - 1; i-- > 0;) {
        WBuf outer = { 0 };
        /* The inner field, with its tag, is the content of this part. */
        wbuf_tag(&outer, (uint64_t)parts[i + 1].number, wt);
        wbuf_put(&outer, cur.data, cur.len);
        WBuf wrapped = { 0 };
        if (parts[i].field && parts[i].field->type == TYPE_GROUP) {
            wbuf_put(&wrapped, outer.data, outer.len);
            wbuf_tag(&wrapped, (uint64_t)parts[i].number, WIRE_EGROUP);
            wt = WIRE_SGROUP;
        } else {
            wbuf_varint(&wrapped, outer.len);
            wbuf_put(&wrapped, outer.data, outer.len);
            wt = WIRE_LEN;
        }
        wbuf_free(&outer);
        wbuf_free(&cur);
        cur = wrapped;
    }
    *top = parts[0];
    *wire = wt;
    *payload = cur;
    return true;
}

/* ------------------------------------------------------- the message */

static bool set_known(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *k, int wire,
                      const WBuf *payload, const Value *v)
{
    char *base = (char *)msg;
    if (k->label == PROTOBUF_C_LABEL_REPEATED)
        return false;
    switch (k->type) {
    case PROTOBUF_C_TYPE_BOOL:
        if (wire != WIRE_VARINT)
            return false;
        *(protobuf_c_boolean *)(base + k->offset) = payload->len && payload->data[0] != 0;
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        if (wire != WIRE_VARINT)
            return false;
        const ProtobufCEnumValue *ev =
            v->kind == VAL_IDENT ? protobuf_c_enum_descriptor_get_value_by_name(k->descriptor, v->s)
                                 : NULL;
        if (!ev)
            return false;
        *(int *)(base + k->offset) = ev->value;
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        if (wire != WIRE_LEN || v->kind != VAL_STRING || memchr(v->s, '\0', v->len))
            return false;
        *(const char **)(base + k->offset) = v->s;
        return true;
    default: return false;
    }
    if (k->quantifier_offset)
        *(protobuf_c_boolean *)(base + k->quantifier_offset) = 1;
    return true;
}

ProtobufCMessage *desc_options(Arena *arena, DescOptKind kind, const OptionVec *opts)
{
    size_t n = 0;
    for (size_t i = 0; i < opts->len; i++)
        n += counts(kind, opts->items[i]);
    if (n == 0)
        return NULL;
    const ProtobufCMessageDescriptor *d = options_descriptors[kind];
    ProtobufCMessage *msg = arena_alloc(arena, d->sizeof_message);
    d->message_init(msg);
    ProtobufCMessageUnknownField *unknown = arena_alloc(arena, n * sizeof *unknown);
    size_t n_unknown = 0;
    for (size_t i = 0; i < opts->len; i++) {
        const Option *o = opts->items[i];
        if (!counts(kind, o) || !o->value)
            continue;
        Part top;
        int wire;
        WBuf payload = { 0 };
        if (!encode_option(arena, kind, o, &top, &wire, &payload))
            continue;
        /* A field of descriptor.proto itself, even when named like an
         * extension ((google.protobuf.FileOptions.java_package)): protoc's
         * reparse puts it in the struct. */
        const ProtobufCFieldDescriptor *known = top.known ? top.known
                                                          : protobuf_c_message_descriptor_get_field(
                                                                d, (unsigned)top.number);
        const Value *leaf_value = o->name.len == 1 ? o->value : NULL;
        if (!(known && leaf_value && set_known(msg, known, wire, &payload, leaf_value))) {
            ProtobufCMessageUnknownField *u = &unknown[n_unknown++];
            u->tag = (uint32_t)top.number;
            u->wire_type = (ProtobufCWireType)wire;
            u->len = payload.len;
            u->data = arena_alloc(arena, payload.len ? payload.len : 1);
            if (payload.len)
                memcpy(u->data, payload.data, payload.len);
        }
        wbuf_free(&payload);
    }
    msg->n_unknown_fields = (unsigned)n_unknown;
    msg->unknown_fields = n_unknown ? unknown : NULL;
    return msg;
}

/* ------------------------------------------------------- paths */

void desc_option_paths(Arena *arena, DescOptKind kind, const OptionVec *opts, PathVec *out)
{
    PathVec seen = { 0 }; /* repeated options' paths so far, one entry per use */
    for (size_t i = 0; i < opts->len; i++) {
        const Option *o = opts->items[i];
        if (!counts(kind, o))
            continue;
        I32Vec path = { 0 };
        bool repeated = false;
        for (size_t k = 0; k < o->name.len; k++) {
            Part p;
            if (!resolve_part(kind, o, k, &p))
                break;
            VEC_PUSH(arena, &path, (int32_t)p.number);
            repeated = p.known ? p.known->label == PROTOBUF_C_LABEL_REPEATED
                               : p.field->label == LABEL_REPEATED;
        }
        if (repeated) {
            int32_t index = 0;
            for (size_t k = 0; k < seen.len; k++)
                if (seen.items[k].len == path.len &&
                    memcmp(seen.items[k].items, path.items, path.len * sizeof(int32_t)) == 0)
                    index++;
            VEC_PUSH(arena, &seen, path);
            I32Vec with_index = { 0 };
            for (size_t k = 0; k < path.len; k++)
                VEC_PUSH(arena, &with_index, path.items[k]);
            VEC_PUSH(arena, &with_index, index);
            path = with_index;
        }
        VEC_PUSH(arena, out, path);
    }
}
