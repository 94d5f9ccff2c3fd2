/*
 * gen_c_field.c — one field: its struct members, its part of the INIT
 * macro, its default value objects and its ProtobufCFieldDescriptor.
 *
 * The layout is protoc-c 1.4's. Where protoc-c writes C that does not
 * compile or warns (defaults of inf, -inf, nan, the most negative int64,
 * floats printed with too few digits, "??" trigraphs in strings), we write
 * the value exactly: INFINITY/NAN from <math.h>, INT64_MIN, the shortest
 * decimal that reads back as the same float or double, and escapes.
 *
 * proto3 `optional` fields, which protoc-c refuses, are represented exactly
 * as protoc-c represents proto2 optional fields: label OPTIONAL, a has_ flag
 * for scalars, enums and bytes (its offset is the quantifier offset, so the
 * runtime packs a present zero and skips an absent one) and NULL for an
 * absent string or message (default_value NULL, so "" is packed).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static bool packable(FieldType t)
{
    return t != TYPE_STRING && t != TYPE_BYTES && t != TYPE_MESSAGE && t != TYPE_GROUP &&
           t != TYPE_NONE;
}

static bool field_packed(const Gen *g, const Field *f)
{
    if (gen_field_label(g->proto3, f) != CLABEL_REPEATED || gen_field_is_map(f) ||
        !packable(f->type))
        return false;
    Value *v = gen_option(&f->options, "packed");
    if (v)
        return v->kind == VAL_IDENT && strcmp(v->s, "true") == 0;
    return g->proto3;
}

/* ---- C types ---- */

static const char *scalar_ctype(FieldType t)
{
    switch (t) {
    case TYPE_INT32:
    case TYPE_SINT32:
    case TYPE_SFIXED32: return "int32_t";
    case TYPE_INT64:
    case TYPE_SINT64:
    case TYPE_SFIXED64: return "int64_t";
    case TYPE_UINT32:
    case TYPE_FIXED32: return "uint32_t";
    case TYPE_UINT64:
    case TYPE_FIXED64: return "uint64_t";
    case TYPE_FLOAT: return "float";
    case TYPE_DOUBLE: return "double";
    case TYPE_BOOL: return "protobuf_c_boolean";
    case TYPE_STRING: return "char";
    case TYPE_BYTES: return "ProtobufCBinaryData";
    case TYPE_NONE:
    case TYPE_GROUP:
    case TYPE_MESSAGE:
    case TYPE_ENUM: break;
    }
    return "void";
}

static const char *type_macro(FieldType t)
{
    switch (t) {
    case TYPE_DOUBLE: return "DOUBLE";
    case TYPE_FLOAT: return "FLOAT";
    case TYPE_INT64: return "INT64";
    case TYPE_UINT64: return "UINT64";
    case TYPE_INT32: return "INT32";
    case TYPE_FIXED64: return "FIXED64";
    case TYPE_FIXED32: return "FIXED32";
    case TYPE_BOOL: return "BOOL";
    case TYPE_STRING: return "STRING";
    case TYPE_MESSAGE: return "MESSAGE";
    case TYPE_BYTES: return "BYTES";
    case TYPE_UINT32: return "UINT32";
    case TYPE_ENUM: return "ENUM";
    case TYPE_SFIXED32: return "SFIXED32";
    case TYPE_SFIXED64: return "SFIXED64";
    case TYPE_SINT32: return "SINT32";
    case TYPE_SINT64: return "SINT64";
    case TYPE_NONE:
    case TYPE_GROUP: break;
    }
    return "INT32";
}

/* The member's base type and how many '*' the singular form has. */
static const char *member_type(Gen *g, const Field *f, int *stars)
{
    FieldType t = gen_field_type(f);
    *stars = 0;
    if (t == TYPE_MESSAGE) {
        *stars = 1;
        return names_message(g->names, gen_field_message(f))->c;
    }
    if (t == TYPE_ENUM)
        return names_enum(g->names, f->enum_type)->c;
    if (t == TYPE_STRING) {
        *stars = 1;
        if (g->const_strings)
            return "const char";
    }
    return scalar_ctype(t);
}

void gen_field_member(Gen *g, Buf *b, Field *f, const char *indent)
{
    FieldNames *fn = names_field(g->names, f);
    const char *dep = gen_option_true(&f->options, "deprecated") ? " PROTOBUF_C__DEPRECATED" : "";
    int stars;
    const char *type = member_type(g, f, &stars);
    CLabel label = gen_field_label(g->proto3, f);
    if (label == CLABEL_REPEATED) {
        buf_cat(b, indent, "size_t n_", fn->member, dep, ";\n", NULL);
        stars++;
    } else if (gen_field_has_flag(g->proto3, f)) {
        buf_cat(b, indent, "protobuf_c_boolean has_", fn->member, dep, ";\n", NULL);
    }
    buf_cat(b, indent, type,
            stars == 2   ? " **"
            : stars == 1 ? " *"
                         : " ",
            fn->member, dep, ";\n", NULL);
}

/* ---- default values ---- */

/* Escape like protoc-c's CEscape (octal for anything not printable), and
 * also break "??" so no trigraph can form in ISO C modes. */
void gen_c_escape(Buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '"': buf_puts(b, "\\\""); break;
        case '\'': buf_puts(b, "\\'"); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '?': buf_puts(b, i > 0 && s[i - 1] == '?' ? "\\?" : "?"); break;
        default:
            if (c < 0x20 || c > 0x7e)
                buf_printf(b, "\\%03o", c);
            else
                buf_putc(b, (char)c);
        }
    }
}

static double value_double(const Value *v)
{
    switch (v->kind) {
    case VAL_INT: return v->negative ? -(double)v->u : (double)v->u;
    case VAL_FLOAT: return v->d;
    case VAL_IDENT: {
        double d = 0;
        if (strncasecmp(v->s, "inf", 3) == 0)
            d = INFINITY;
        else if (strcasecmp(v->s, "nan") == 0)
            d = NAN;
        return v->negative ? -d : d;
    }
    case VAL_STRING:
    case VAL_AGGREGATE:
    case VAL_LIST: break;
    }
    return 0;
}

static int64_t value_int64(const Value *v)
{
    if (v->kind == VAL_FLOAT)
        return (int64_t)v->d;
    if (!v->negative)
        return (int64_t)v->u;
    if (v->u >= (uint64_t)1 << 63)
        return INT64_MIN;
    return -(int64_t)v->u;
}

bool gen_field_default_needs_math(const Field *f)
{
    Value *v = gen_field_default(f);
    FieldType t = gen_field_type(f);
    if (!v || (t != TYPE_FLOAT && t != TYPE_DOUBLE))
        return false;
    double d = value_double(v);
    if (t == TYPE_FLOAT)
        d = (double)(float)d;
    return isnan(d) || isinf(d);
}

/* A decimal that reads back as exactly d (as a float if is_float). */
static void put_real(Buf *b, double d, bool is_float)
{
    if (isnan(d)) {
        buf_puts(b, "NAN");
        return;
    }
    if (isinf(d)) {
        buf_puts(b, d < 0 ? "-INFINITY" : "INFINITY");
        return;
    }
    if (d == 0) {
        buf_puts(b, signbit(d) ? "-0.0" : "0");
        return;
    }
    /* protoc-c prints FLT_DIG / DBL_DIG digits, which loses some values;
     * keep its text when it reads back exactly, else use more digits. */
    char text[64];
    for (int prec = is_float ? 6 : 15; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, d);
        if (is_float) {
            float f = (float)d;
            if (strtof(text, NULL) == f && (float)strtod(text, NULL) == f)
                break;
        } else if (strtod(text, NULL) == d) {
            break;
        }
    }
    buf_puts(b, text);
}

/* The C text of a scalar or enum default (not strings or bytes). */
static void put_default(Gen *g, Buf *b, const Field *f, const Value *v)
{
    switch (gen_field_type(f)) {
    case TYPE_INT32:
    case TYPE_SINT32:
    case TYPE_SFIXED32: buf_printf(b, "%d", (int)(int32_t)value_int64(v)); return;
    case TYPE_INT64:
    case TYPE_SINT64:
    case TYPE_SFIXED64: {
        int64_t x = value_int64(v);
        if (x == INT64_MIN)
            buf_puts(b, "INT64_MIN");
        else
            buf_printf(b, "%lldll", (long long)x);
        return;
    }
    case TYPE_UINT32:
    case TYPE_FIXED32: buf_printf(b, "%uu", (unsigned)v->u); return;
    case TYPE_UINT64:
    case TYPE_FIXED64: buf_printf(b, "%lluull", (unsigned long long)v->u); return;
    case TYPE_FLOAT: put_real(b, (double)(float)value_double(v), true); return;
    case TYPE_DOUBLE: put_real(b, value_double(v), false); return;
    case TYPE_BOOL:
        buf_puts(b, v->kind == VAL_IDENT && strcmp(v->s, "true") == 0 ? "1" : "0");
        return;
    case TYPE_ENUM: {
        Enum *e = f->enum_type;
        for (size_t i = 0; i < e->values.len; i++) {
            if (v->kind == VAL_IDENT && strcmp(e->values.items[i]->name, v->s) == 0) {
                buf_puts(b, names_enum_value(g->names, e->values.items[i]));
                return;
            }
        }
        buf_puts(b, "0");
        return;
    }
    case TYPE_NONE:
    case TYPE_GROUP:
    case TYPE_MESSAGE:
    case TYPE_STRING:
    case TYPE_BYTES: break;
    }
    buf_puts(b, "0");
}

/* An enum field's implicit default: its first value. */
static void put_enum_first(Gen *g, Buf *b, const Field *f)
{
    Enum *e = f->enum_type;
    if (e && e->values.len)
        buf_puts(b, names_enum_value(g->names, e->values.items[0]));
    else
        buf_puts(b, "0");
}

void gen_field_static_init(Gen *g, Buf *b, Field *f)
{
    CLabel label = gen_field_label(g->proto3, f);
    Value *def = gen_field_default(f);
    bool has = gen_field_has_flag(g->proto3, f);
    if (label == CLABEL_REPEATED) {
        buf_puts(b, "0,NULL");
        return;
    }
    if (has)
        buf_puts(b, "0, ");
    switch (gen_field_type(f)) {
    case TYPE_MESSAGE: buf_puts(b, "NULL"); break;
    case TYPE_STRING:
        if (def)
            buf_puts(b, names_field(g->names, f)->def);
        else if (label == CLABEL_NONE)
            buf_puts(b, g->const_strings ? "(const char *)protobuf_c_empty_string"
                                         : "(char *)protobuf_c_empty_string");
        else
            buf_puts(b, "NULL");
        break;
    case TYPE_BYTES:
        if (def)
            buf_printf(b, "{ %zu, %s_data }", def->len, names_field(g->names, f)->def);
        else
            buf_puts(b, "{0,NULL}");
        break;
    case TYPE_ENUM:
        if (def)
            put_default(g, b, f, def);
        else
            put_enum_first(g, b, f);
        break;
    default:
        if (def)
            put_default(g, b, f, def);
        else
            buf_puts(b, "0");
        break;
    }
}

void gen_field_default_declaration(Gen *g, Field *f)
{
    if (!gen_field_default(f))
        return;
    FieldNames *fn = names_field(g->names, f);
    if (gen_field_type(f) == TYPE_STRING)
        buf_printf(&g->h, "extern char %s[];\n", fn->def);
    else if (gen_field_type(f) == TYPE_BYTES)
        buf_printf(&g->h, "extern uint8_t %s_data[];\n", fn->def);
}

void gen_field_default_data(Gen *g, Field *f)
{
    Value *def = gen_field_default(f);
    if (!def)
        return;
    FieldNames *fn = names_field(g->names, f);
    FieldType t = gen_field_type(f);
    if (t == TYPE_STRING)
        buf_printf(&g->src, "char %s[] = \"", fn->def);
    else if (t == TYPE_BYTES)
        buf_printf(&g->src, "uint8_t %s_data[] = \"", fn->def);
    else
        return;
    gen_c_escape(&g->src, def->s ? def->s : "", def->s ? def->len : 0);
    buf_puts(&g->src, "\";\n");
}

void gen_field_default_constant(Gen *g, Field *f)
{
    Value *def = gen_field_default(f);
    if (!def)
        return;
    FieldNames *fn = names_field(g->names, f);
    FieldType t = gen_field_type(f);
    if (t == TYPE_STRING)
        return;
    if (t == TYPE_BYTES) {
        buf_printf(&g->src, "static const ProtobufCBinaryData %s = { %zu, %s_data };\n", fn->def,
                   def->len, fn->def);
        return;
    }
    const char *ctype = t == TYPE_ENUM ? names_enum(g->names, f->enum_type)->c : scalar_ctype(t);
    buf_printf(&g->src, "static const %s %s = ", ctype, fn->def);
    put_default(g, &g->src, f, def);
    buf_puts(&g->src, ";\n");
}

/* ---- the field descriptor ---- */

void gen_field_descriptor(Gen *g, Message *m, Field *f)
{
    Buf *b = &g->src;
    TypeNames *mt = names_message(g->names, m);
    FieldNames *fn = names_field(g->names, f);
    CLabel label = gen_field_label(g->proto3, f);
    Oneof *o = gen_field_oneof(f);
    FieldType t = gen_field_type(f);
    static const char *const labels[] = { "NONE", "OPTIONAL", "REQUIRED", "REPEATED" };

    buf_puts(b, "  {\n");
    if (g->code_size)
        buf_puts(b, "    NULL, /* CODE_SIZE */\n");
    else
        buf_cat(b, "    \"", f->name, "\",\n", NULL);
    buf_puts(b, "    ");
    buf_int(b, f->number);
    buf_cat(b, ",\n    PROTOBUF_C_LABEL_", labels[label], ",\n    PROTOBUF_C_TYPE_", type_macro(t),
            ",\n", NULL);
    if (label == CLABEL_REPEATED)
        buf_cat(b, "    offsetof(", mt->c, ", n_", fn->member, "),\n", NULL);
    else if (o)
        buf_cat(b, "    offsetof(", mt->c, ", ", names_oneof(g->names, o)->member, "),\n", NULL);
    else if (gen_field_has_flag(g->proto3, f))
        buf_cat(b, "    offsetof(", mt->c, ", has_", fn->member, "),\n", NULL);
    else
        buf_puts(b, "    0,   /* quantifier_offset */\n");
    buf_cat(b, "    offsetof(", mt->c, ", ", fn->member, "),\n", NULL);
    if (t == TYPE_MESSAGE)
        buf_cat(b, "    &", names_message(g->names, gen_field_message(f))->lc, "__descriptor,\n",
                NULL);
    else if (t == TYPE_ENUM)
        buf_cat(b, "    &", names_enum(g->names, f->enum_type)->lc, "__descriptor,\n", NULL);
    else
        buf_puts(b, "    NULL,\n");
    if (gen_field_default(f))
        buf_cat(b, "    &", fn->def, ",\n", NULL);
    else if (t == TYPE_STRING && g->proto3 && !gen_field_proto3_optional(f))
        buf_puts(b, "    &protobuf_c_empty_string,\n");
    else
        buf_puts(b, "    NULL,\n");
    buf_puts(b, "    0");
    if (field_packed(g, f))
        buf_puts(b, " | PROTOBUF_C_FIELD_FLAG_PACKED");
    if (gen_option_true(&f->options, "deprecated"))
        buf_puts(b, " | PROTOBUF_C_FIELD_FLAG_DEPRECATED");
    if (o)
        buf_puts(b, " | PROTOBUF_C_FIELD_FLAG_ONEOF");
    buf_puts(b, ",             /* flags */\n");
    buf_puts(b, "    0,NULL,NULL    /* reserved1,reserved2, etc */\n");
    buf_puts(b, "  },\n");
}
