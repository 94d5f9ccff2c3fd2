/*
 * build.c — a File of the resolved model as the FileDescriptorProto protoc
 * 3.21 makes of it (FileDescriptor::CopyTo, then CopyJsonNameTo, then
 * CopySourceCodeInfoTo), filled into descriptor.proto's libprotobuf-c
 * structs. Everything lives in the compilation's arena.
 *
 * What protoc writes, and so what we write:
 *   - `package` only when there is one; `syntax` only for proto3 (protoc
 *     leaves "proto2" out even when the file says it);
 *   - every field gets its label (proto3 singular fields are
 *     LABEL_OPTIONAL), its resolved type and a fully qualified type name
 *     with a leading dot, and json_name (the written one, or the default);
 *   - `default_value` as protoc prints the parsed value: integers in
 *     decimal, floats and doubles by SimpleFtoa/SimpleDtoa ("1e+10", "inf",
 *     "nan"), bytes C-escaped, strings raw, enums and bools by name;
 *   - nested types in declaration order with groups and map entries where
 *     they are written, the oneofs protoc synthesizes for proto3 `optional`
 *     after the real ones;
 *   - ranges with exclusive ends (`max` is 536870912, or 2147483647 in a
 *     message set), except enum reserved ranges, which stay inclusive.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef Google__Protobuf__OneofDescriptorProto OneofProto;
typedef Google__Protobuf__EnumValueDescriptorProto EnumValueProto;
typedef Google__Protobuf__ServiceDescriptorProto ServiceProto;
typedef Google__Protobuf__MethodDescriptorProto MethodProto;
typedef Google__Protobuf__DescriptorProto__ExtensionRange ExtRangeProto;
typedef Google__Protobuf__DescriptorProto__ReservedRange ReservedRangeProto;
typedef Google__Protobuf__EnumDescriptorProto__EnumReservedRange EnumRangeProto;

#define NEW(a, T, init) ((T *)new_message((a), sizeof(T), (void (*)(void *))(init)))

static void *new_message(Arena *a, size_t size, void (*init)(void *))
{
    void *p = arena_alloc(a, size);
    init(p);
    return p;
}

/* An array of n pointers, for a repeated message or string field. */
static void *new_array(Arena *a, size_t n)
{
    return n ? arena_alloc(a, n * sizeof(void *)) : NULL;
}

static char *dotted(Arena *a, const char *full_name)
{
    size_t n = strlen(full_name);
    char *s = arena_alloc(a, n + 2);
    s[0] = '.';
    memcpy(s + 1, full_name, n + 1);
    return s;
}

/* ------------------------------------------------------ number formats */

void desc_format_double(char *buf, size_t n, double d)
{
    if (isinf(d)) {
        snprintf(buf, n, "%s", d > 0 ? "inf" : "-inf");
        return;
    }
    if (isnan(d)) {
        snprintf(buf, n, "nan");
        return;
    }
    snprintf(buf, n, "%.*g", DBL_DIG, d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, n, "%.*g", DBL_DIG + 2, d);
}

void desc_format_float(char *buf, size_t n, float f)
{
    if (isinf(f)) {
        snprintf(buf, n, "%s", f > 0 ? "inf" : "-inf");
        return;
    }
    if (isnan(f)) {
        snprintf(buf, n, "nan");
        return;
    }
    snprintf(buf, n, "%.*g", FLT_DIG, (double)f);
    if (strtof(buf, NULL) != f)
        snprintf(buf, n, "%.*g", FLT_DIG + 3, (double)f);
}

/* protoc's io::SafeDoubleToFloat. */
static float safe_float(double d)
{
    if (d > FLT_MAX)
        return d <= 3.4028235677973366e+38 ? FLT_MAX : INFINITY;
    if (d < -FLT_MAX)
        return d >= -3.4028235677973366e+38 ? -FLT_MAX : -INFINITY;
    return (float)d;
}

/* protoc's CEscape: \n \r \t \" \' \\ by name, other bytes outside the
 * printable ASCII range as three octal digits. */
static char *c_escape(Arena *a, const char *s, size_t len)
{
    char *out = arena_alloc(a, len * 4 + 1);
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *named = NULL;
        switch (c) {
        case '\n': named = "\\n"; break;
        case '\r': named = "\\r"; break;
        case '\t': named = "\\t"; break;
        case '"': named = "\\\""; break;
        case '\'': named = "\\'"; break;
        case '\\': named = "\\\\"; break;
        default: break;
        }
        if (named) {
            out[j++] = named[0];
            out[j++] = named[1];
        } else if (c < 0x20 || c >= 0x7f) {
            out[j++] = '\\';
            out[j++] = (char)('0' + (c >> 6));
            out[j++] = (char)('0' + ((c >> 3) & 7));
            out[j++] = (char)('0' + (c & 7));
        } else {
            out[j++] = (char)c;
        }
    }
    out[j] = '\0';
    return out;
}

/* The default as protoc's FieldDescriptor::DefaultValueAsString prints the
 * value its parser read. */
static char *default_string(Arena *a, const Field *fd, const Value *v)
{
    char buf[64];
    switch (fd->type) {
    case TYPE_INT32:
    case TYPE_INT64:
    case TYPE_SINT32:
    case TYPE_SINT64:
    case TYPE_SFIXED32:
    case TYPE_SFIXED64:
        snprintf(buf, sizeof buf, "%" PRId64, v->negative ? (int64_t)(0 - v->u) : (int64_t)v->u);
        return arena_strdup(a, buf);
    case TYPE_UINT32:
    case TYPE_UINT64:
    case TYPE_FIXED32:
    case TYPE_FIXED64: snprintf(buf, sizeof buf, "%" PRIu64, v->u); return arena_strdup(a, buf);
    case TYPE_FLOAT:
    case TYPE_DOUBLE: {
        /* The parser keeps "-" plus the magnitude printed by SimpleDtoa; the
         * builder reads that back (exactly) and prints it again. */
        double d;
        if (v->kind == VAL_INT)
            d = (double)v->u;
        else if (v->kind == VAL_FLOAT)
            d = fabs(v->d);
        else
            d = strcmp(v->s, "nan") == 0 ? NAN : INFINITY;
        if (v->negative)
            d = -d;
        if (fd->type == TYPE_FLOAT)
            desc_format_float(buf, sizeof buf, safe_float(d));
        else
            desc_format_double(buf, sizeof buf, d);
        return arena_strdup(a, buf);
    }
    case TYPE_BOOL:
    case TYPE_ENUM: return arena_strdup(a, v->s);
    case TYPE_STRING: return arena_strndup(a, v->s, v->len);
    case TYPE_BYTES: return c_escape(a, v->s, v->len);
    default: return NULL;
    }
}

/* ------------------------------------------------------------ elements */

static void add_unknown(Arena *a, ProtobufCMessage *m, uint32_t number, int wire,
                        const WBuf *payload)
{
    ProtobufCMessageUnknownField *u = arena_alloc(a, (m->n_unknown_fields + 1) * sizeof *u);
    if (m->n_unknown_fields)
        memcpy(u, m->unknown_fields, m->n_unknown_fields * sizeof *u);
    ProtobufCMessageUnknownField *last = &u[m->n_unknown_fields];
    last->tag = number;
    last->wire_type = (ProtobufCWireType)wire;
    last->len = payload->len;
    last->data = arena_alloc(a, payload->len ? payload->len : 1);
    if (payload->len)
        memcpy(last->data, payload->data, payload->len);
    m->unknown_fields = u;
    m->n_unknown_fields++;
}

static void add_unknown_bytes(Arena *a, ProtobufCMessage *m, uint32_t number, const void *p,
                              size_t n)
{
    WBuf b = { 0 };
    wbuf_varint(&b, n);
    wbuf_put(&b, p, n);
    add_unknown(a, m, number, WIRE_LEN, &b);
    wbuf_free(&b);
}

/* A string default holding a NUL byte ("\0" in the .proto): libprotobuf-c's
 * string members end at the NUL, so default_value and the fields numbered
 * after it (options, oneof_index, json_name, proto3_optional) go out as
 * unknown fields instead, which libprotobuf-c packs after the known ones,
 * in this order: the bytes are the same. */
static void spill_binary_default(Arena *a, FieldProto *p, const char *def, size_t len)
{
    ProtobufCMessage *m = &p->base;
    add_unknown_bytes(a, m, 7, def, len);
    if (p->options) {
        size_t n = protobuf_c_message_get_packed_size(&p->options->base);
        uint8_t *buf = arena_alloc(a, n ? n : 1);
        protobuf_c_message_pack(&p->options->base, buf);
        add_unknown_bytes(a, m, 8, buf, n);
    }
    if (p->has_oneof_index) {
        WBuf b = { 0 };
        wbuf_varint(&b, (uint64_t)(int64_t)p->oneof_index);
        add_unknown(a, m, 9, WIRE_VARINT, &b);
        wbuf_free(&b);
    }
    if (p->json_name)
        add_unknown_bytes(a, m, 10, p->json_name, strlen(p->json_name));
    if (p->has_proto3_optional) {
        WBuf b = { 0 };
        wbuf_varint(&b, 1);
        add_unknown(a, m, 17, WIRE_VARINT, &b);
        wbuf_free(&b);
    }
    p->default_value = NULL;
    p->options = NULL;
    p->has_oneof_index = false;
    p->json_name = NULL;
    p->has_proto3_optional = false;
}

static Option *options_field_default(const Field *fd)
{
    for (size_t i = 0; i < fd->options.len; i++) {
        Option *o = fd->options.items[i];
        if (desc_is_pseudo_option(o) && strcmp(o->name.items[0].name, "default") == 0 && o->value)
            return o;
    }
    return NULL;
}

static FieldProto *field_proto(Arena *a, Field *fd)
{
    FieldProto *p = NEW(a, FieldProto, google__protobuf__field_descriptor_proto__init);
    p->name = fd->name;
    p->has_number = true;
    p->number = (int32_t)fd->number;
    p->has_label = true;
    p->label = fd->label == LABEL_REPEATED
                   ? GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED
               : fd->label == LABEL_REQUIRED
                   ? GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REQUIRED
                   : GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_OPTIONAL;
    p->has_type = true;
    p->type = (Google__Protobuf__FieldDescriptorProto__Type)fd->type;
    if ((fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP) && fd->msg_type)
        p->type_name = dotted(a, fd->msg_type->full_name);
    else if (fd->type == TYPE_ENUM && fd->enum_type)
        p->type_name = dotted(a, fd->enum_type->full_name);
    if (fd->extend && fd->extend->extendee_msg)
        p->extendee = dotted(a, fd->extend->extendee_msg->full_name);
    Option *def = options_field_default(fd);
    if (def)
        p->default_value = default_string(a, fd, def->value);
    if (fd->oneof && !fd->extend) {
        p->has_oneof_index = true;
        p->oneof_index = fd->oneof->index;
    }
    p->json_name = (char *)fd->json_name; /* packed, never written */
    p->options = (Google__Protobuf__FieldOptions *)desc_options(a, DOPT_FIELD, &fd->options);
    if (fd->proto3_optional) {
        p->has_proto3_optional = true;
        p->proto3_optional = true;
    }
    if (fd->type == TYPE_STRING && def && memchr(def->value->s, '\0', def->value->len))
        spill_binary_default(a, p, def->value->s, def->value->len);
    return p;
}

static void extensions_of(Arena *a, const ExtendVec *extends, size_t *n, FieldProto ***out)
{
    size_t count = 0;
    for (size_t i = 0; i < extends->len; i++)
        count += extends->items[i]->fields.len;
    *out = new_array(a, count);
    *n = count;
    size_t k = 0;
    for (size_t i = 0; i < extends->len; i++)
        for (size_t j = 0; j < extends->items[i]->fields.len; j++)
            (*out)[k++] = field_proto(a, extends->items[i]->fields.items[j]);
}

static char **reserved_names(Arena *a, const ReservedNameVec *names)
{
    char **out = new_array(a, names->len);
    for (size_t i = 0; i < names->len; i++)
        out[i] = names->items[i].name;
    return out;
}

static EnumProto *enum_proto(Arena *a, Enum *e)
{
    EnumProto *p = NEW(a, EnumProto, google__protobuf__enum_descriptor_proto__init);
    p->name = e->name;
    p->n_value = e->values.len;
    p->value = new_array(a, e->values.len);
    for (size_t i = 0; i < e->values.len; i++) {
        EnumValue *ev = e->values.items[i];
        EnumValueProto *vp = NEW(a, EnumValueProto,
                                 google__protobuf__enum_value_descriptor_proto__init);
        vp->name = ev->name;
        vp->has_number = true;
        vp->number = (int32_t)ev->number;
        vp->options = (Google__Protobuf__EnumValueOptions *)desc_options(a, DOPT_ENUM_VALUE,
                                                                         &ev->options);
        p->value[i] = vp;
    }
    p->options = (Google__Protobuf__EnumOptions *)desc_options(a, DOPT_ENUM, &e->options);
    p->n_reserved_range = e->reserved_ranges.len;
    p->reserved_range = new_array(a, e->reserved_ranges.len);
    for (size_t i = 0; i < e->reserved_ranges.len; i++) {
        const Range *rg = &e->reserved_ranges.items[i];
        EnumRangeProto *rp = NEW(
            a, EnumRangeProto, google__protobuf__enum_descriptor_proto__enum_reserved_range__init);
        rp->has_start = rp->has_end = true;
        rp->start = (int32_t)rg->start;
        rp->end = rg->end_is_max ? INT32_MAX : (int32_t)rg->end;
        p->reserved_range[i] = rp;
    }
    p->n_reserved_name = e->reserved_names.len;
    p->reserved_name = reserved_names(a, &e->reserved_names);
    return p;
}

/* protoc's parser decides what `max` means before options are interpreted,
 * from the option as written: `option message_set_wire_format = true;`. */
static bool is_message_set(const Message *m)
{
    for (size_t i = 0; i < m->options.len; i++) {
        const Option *o = m->options.items[i];
        if (o->name.len == 1 && strcmp(o->name.items[0].name, "message_set_wire_format") == 0 &&
            o->value && o->value->kind == VAL_IDENT && !o->value->negative &&
            strcmp(o->value->s, "true") == 0)
            return true;
    }
    return false;
}

static int32_t range_end(const Range *rg, bool mset)
{
    if (rg->end_is_max)
        return mset ? INT32_MAX : FIELD_NUMBER_LIMIT;
    return (int32_t)(rg->end + 1);
}

static MessageProto *message_proto(Arena *a, Message *m)
{
    MessageProto *p = NEW(a, MessageProto, google__protobuf__descriptor_proto__init);
    p->name = m->name;
    p->n_field = m->fields.len;
    p->field = new_array(a, m->fields.len);
    for (size_t i = 0; i < m->fields.len; i++)
        p->field[i] = field_proto(a, m->fields.items[i]);
    p->n_nested_type = m->messages.len;
    p->nested_type = new_array(a, m->messages.len);
    for (size_t i = 0; i < m->messages.len; i++)
        p->nested_type[i] = message_proto(a, m->messages.items[i]);
    p->n_enum_type = m->enums.len;
    p->enum_type = new_array(a, m->enums.len);
    for (size_t i = 0; i < m->enums.len; i++)
        p->enum_type[i] = enum_proto(a, m->enums.items[i]);
    bool mset = is_message_set(m);
    p->n_extension_range = m->extension_ranges.len;
    p->extension_range = new_array(a, m->extension_ranges.len);
    for (size_t i = 0; i < m->extension_ranges.len; i++) {
        const Range *rg = &m->extension_ranges.items[i];
        ExtRangeProto *rp = NEW(a, ExtRangeProto,
                                google__protobuf__descriptor_proto__extension_range__init);
        rp->has_start = rp->has_end = true;
        rp->start = (int32_t)rg->start;
        rp->end = range_end(rg, mset);
        rp->options = (Google__Protobuf__ExtensionRangeOptions *)desc_options(a, DOPT_RANGE,
                                                                              &rg->options);
        p->extension_range[i] = rp;
    }
    extensions_of(a, &m->extends, &p->n_extension, &p->extension);
    p->options = (Google__Protobuf__MessageOptions *)desc_options(a, DOPT_MESSAGE, &m->options);
    p->n_oneof_decl = m->oneofs.len;
    p->oneof_decl = new_array(a, m->oneofs.len);
    for (size_t i = 0; i < m->oneofs.len; i++) {
        Oneof *o = m->oneofs.items[i];
        OneofProto *op = NEW(a, OneofProto, google__protobuf__oneof_descriptor_proto__init);
        op->name = o->name;
        op->options = (Google__Protobuf__OneofOptions *)desc_options(a, DOPT_ONEOF, &o->options);
        p->oneof_decl[i] = op;
    }
    p->n_reserved_range = m->reserved_ranges.len;
    p->reserved_range = new_array(a, m->reserved_ranges.len);
    for (size_t i = 0; i < m->reserved_ranges.len; i++) {
        const Range *rg = &m->reserved_ranges.items[i];
        ReservedRangeProto *rp = NEW(a, ReservedRangeProto,
                                     google__protobuf__descriptor_proto__reserved_range__init);
        rp->has_start = rp->has_end = true;
        rp->start = (int32_t)rg->start;
        rp->end = range_end(rg, mset);
        p->reserved_range[i] = rp;
    }
    p->n_reserved_name = m->reserved_names.len;
    p->reserved_name = reserved_names(a, &m->reserved_names);
    return p;
}

static ServiceProto *service_proto(Arena *a, Service *s)
{
    ServiceProto *p = NEW(a, ServiceProto, google__protobuf__service_descriptor_proto__init);
    p->name = s->name;
    p->n_method = s->methods.len;
    p->method = new_array(a, s->methods.len);
    for (size_t i = 0; i < s->methods.len; i++) {
        Method *m = s->methods.items[i];
        MethodProto *mp = NEW(a, MethodProto, google__protobuf__method_descriptor_proto__init);
        mp->name = m->name;
        mp->input_type = m->input ? dotted(a, m->input->full_name) : NULL;
        mp->output_type = m->output ? dotted(a, m->output->full_name) : NULL;
        mp->options = (Google__Protobuf__MethodOptions *)desc_options(a, DOPT_METHOD, &m->options);
        /* protoc's parser makes the options message as soon as it sees the
         * body's '{', so `rpc F(A) returns (B) {}` has empty options. */
        if (!mp->options && m->has_body)
            mp->options = NEW(a, Google__Protobuf__MethodOptions,
                              google__protobuf__method_options__init);
        if (m->client_streaming)
            mp->has_client_streaming = mp->client_streaming = true;
        if (m->server_streaming)
            mp->has_server_streaming = mp->server_streaming = true;
        p->method[i] = mp;
    }
    p->options = (Google__Protobuf__ServiceOptions *)desc_options(a, DOPT_SERVICE, &s->options);
    return p;
}

FileProto *desc_file_proto(Arena *a, File *f, bool source_info)
{
    FileProto *p = NEW(a, FileProto, google__protobuf__file_descriptor_proto__init);
    p->name = f->name;
    if (f->package && f->package[0])
        p->package = f->package;
    p->n_dependency = f->imports.len;
    p->dependency = new_array(a, f->imports.len);
    size_t n_public = 0, n_weak = 0;
    for (size_t i = 0; i < f->imports.len; i++) {
        const Import *im = &f->imports.items[i];
        p->dependency[i] = im->file ? im->file->name : im->path;
        n_public += im->kind == IMPORT_PUBLIC;
        n_weak += im->kind == IMPORT_WEAK;
    }
    p->public_dependency = n_public ? arena_alloc(a, n_public * sizeof(int32_t)) : NULL;
    p->weak_dependency = n_weak ? arena_alloc(a, n_weak * sizeof(int32_t)) : NULL;
    for (size_t i = 0; i < f->imports.len; i++) {
        if (f->imports.items[i].kind == IMPORT_PUBLIC)
            p->public_dependency[p->n_public_dependency++] = (int32_t)i;
        else if (f->imports.items[i].kind == IMPORT_WEAK)
            p->weak_dependency[p->n_weak_dependency++] = (int32_t)i;
    }
    p->n_message_type = f->messages.len;
    p->message_type = new_array(a, f->messages.len);
    for (size_t i = 0; i < f->messages.len; i++)
        p->message_type[i] = message_proto(a, f->messages.items[i]);
    p->n_enum_type = f->enums.len;
    p->enum_type = new_array(a, f->enums.len);
    for (size_t i = 0; i < f->enums.len; i++)
        p->enum_type[i] = enum_proto(a, f->enums.items[i]);
    p->n_service = f->services.len;
    p->service = new_array(a, f->services.len);
    for (size_t i = 0; i < f->services.len; i++)
        p->service[i] = service_proto(a, f->services.items[i]);
    extensions_of(a, &f->extends, &p->n_extension, &p->extension);
    p->options = (Google__Protobuf__FileOptions *)desc_options(a, DOPT_FILE, &f->options);
    if (source_info)
        p->source_code_info = desc_source_info(a, f);
    if (f->syntax == SYNTAX_PROTO3)
        p->syntax = "proto3";
    return p;
}
