/*
 * wire_driver.c — one program, written against protoc-c's API, built twice:
 * once with typerpc's generated code and once with protoc-c's, for the same
 * .proto files (tests/gen/corpus). test_gen_protoc_c.c runs both and compares.
 *
 *   wire_driver list              every case: "NAME TYPE"
 *   wire_driver hex               every case: "NAME HEX-OF-PACKED-BYTES"
 *   wire_driver pack NAME         the packed bytes of one case, raw, on stdout
 *   wire_driver text NAME         the case's values in protoc's text format
 *   wire_driver decode TYPE       unpack stdin as TYPE, print it as text
 *   wire_driver repack TYPE       unpack stdin as TYPE, pack again, raw
 *   wire_driver api               facts a protoc-c user relies on: names,
 *                                 INIT values, descriptor lookups, helpers
 *   wire_driver lossy             the defaults protoc-c rounds (%.17g)
 *
 * The text printer walks the descriptors, so it prints what the runtime
 * sees, in the form `protoc --decode` prints (fields by number, maps sorted
 * by key, floats as SimpleDtoa/SimpleFtoa, strings C-escaped). Built with
 * TYPERPC_P3OPT defined, it also covers proto3 `optional` (wire3opt.proto),
 * which protoc-c cannot compile.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire2.pb-c.h"
#include "wire3.pb-c.h"
#ifdef TYPERPC_P3OPT
#include "wire3opt.pb-c.h"
#endif

/* ------------------------------------------------------------ text format */

static void put_escaped(const uint8_t *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        switch (c) {
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        case '"': fputs("\\\"", stdout); break;
        case '\'': fputs("\\'", stdout); break;
        case '\\': fputs("\\\\", stdout); break;
        default:
            if (c < 0x20 || c >= 0x7f)
                printf("\\%03o", c);
            else
                putchar(c);
        }
    }
    putchar('"');
}

static void put_double(double d)
{
    if (isnan(d)) { fputs("nan", stdout); return; }
    if (isinf(d)) { fputs(d < 0 ? "-inf" : "inf", stdout); return; }
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", DBL_DIG, d);
    if (strtod(buf, NULL) != d)
        snprintf(buf, sizeof buf, "%.*g", DBL_DIG + 2, d);
    fputs(buf, stdout);
}

static void put_float(float f)
{
    if (isnan(f)) { fputs("nan", stdout); return; }
    if (isinf(f)) { fputs(f < 0 ? "-inf" : "inf", stdout); return; }
    /* protobuf's SimpleFtoa uses 9 digits when 6 do not read back, and a
     * subnormal never "reads back" (strtof reports a range error). */
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", FLT_DIG, (double)f);
    if (strtof(buf, NULL) != f || fabsf(f) < FLT_MIN)
        snprintf(buf, sizeof buf, "%.*g", FLT_DIG + 3, (double)f);
    fputs(buf, stdout);
}

static void indent(int depth)
{
    for (int i = 0; i < depth; i++)
        fputs("  ", stdout);
}

static void print_message(const ProtobufCMessage *m, int depth);

static void print_value(const ProtobufCFieldDescriptor *f, const void *p, int depth)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        printf("%" PRId32, *(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        printf("%" PRId64, *(const int64_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        printf("%" PRIu32, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        printf("%" PRIu64, *(const uint64_t *)p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        put_float(*(const float *)p);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        put_double(*(const double *)p);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        fputs(*(const protobuf_c_boolean *)p ? "true" : "false", stdout);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        /* The runtime's range lookup misses INT32_MAX (an overflow in
         * libprotobuf-c 1.4, with protoc-c's descriptors too): search. */
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev = NULL;
        for (unsigned i = 0; i < ed->n_values && !ev; i++)
            if (ed->values[i].value == v)
                ev = &ed->values[i];
        if (ev)
            fputs(ev->name, stdout);
        else
            printf("%d", v);
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        put_escaped((const uint8_t *)s, strlen(s));
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        put_escaped(b->data, b->len);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        fputs("{\n", stdout);
        print_message(*(ProtobufCMessage *const *)p, depth + 1);
        indent(depth);
        putchar('}');
        break;
    }
}

static size_t type_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT: return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* Whether the value at p is its type's zero (proto3 implicit presence). */
static int is_zero(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return !s || !*s;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)p == NULL;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0 && !signbit(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0 && !signbit(*(const double *)p);
    default: {
        static const uint8_t zero[8];
        return memcmp(p, zero, type_size(f->type)) == 0;
    }
    }
}

static int is_entry_type(const ProtobufCMessageDescriptor *d);

static int is_map_entry(const ProtobufCFieldDescriptor *f)
{
    return f->type == PROTOBUF_C_TYPE_MESSAGE && f->label == PROTOBUF_C_LABEL_REPEATED &&
           is_entry_type(f->descriptor);
}

static int compare_keys(const void *pa, const void *pb)
{
    const ProtobufCMessage *a = *(ProtobufCMessage *const *)pa;
    const ProtobufCMessage *b = *(ProtobufCMessage *const *)pb;
    const ProtobufCFieldDescriptor *k = &a->descriptor->fields[0];
    const void *ka = (const char *)a + k->offset, *kb = (const char *)b + k->offset;
    switch (k->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32: {
        int32_t x = *(const int32_t *)ka, y = *(const int32_t *)kb;
        return (x > y) - (x < y);
    }
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64: {
        int64_t x = *(const int64_t *)ka, y = *(const int64_t *)kb;
        return (x > y) - (x < y);
    }
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32: {
        uint32_t x = *(const uint32_t *)ka, y = *(const uint32_t *)kb;
        return (x > y) - (x < y);
    }
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t x = *(const uint64_t *)ka, y = *(const uint64_t *)kb;
        return (x > y) - (x < y);
    }
    case PROTOBUF_C_TYPE_BOOL:
        return (*(const protobuf_c_boolean *)ka != 0) - (*(const protobuf_c_boolean *)kb != 0);
    case PROTOBUF_C_TYPE_STRING:
        return strcmp(*(char *const *)ka, *(char *const *)kb);
    default:
        return 0;
    }
}

static void print_field(const ProtobufCFieldDescriptor *f, const void *p, int depth)
{
    indent(depth);
    fputs(f->name, stdout);
    fputs(f->type == PROTOBUF_C_TYPE_MESSAGE ? " " : ": ", stdout);
    print_value(f, p, depth);
    putchar('\n');
}

static int is_entry_type(const ProtobufCMessageDescriptor *d)
{
    size_t n = strlen(d->short_name);
    return d->n_fields == 2 && strcmp(d->fields[0].name, "key") == 0 &&
           strcmp(d->fields[1].name, "value") == 0 && n > 5 &&
           strcmp(d->short_name + n - 5, "Entry") == 0;
}

/* Unknown fields as protoc prints them: a length-delimited value that
 * parses as fields is printed as a nested message. */
static int parse_varint(const uint8_t *p, size_t n, size_t *used, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < n && i < 10; i++) {
        *v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (!(p[i] & 0x80)) {
            *used = i + 1;
            return 1;
        }
    }
    return 0;
}

static int print_unknown_data(const uint8_t *p, size_t n, int depth, int dry);

static void print_unknown_one(uint32_t tag, int wire, const uint8_t *p, size_t n, int depth)
{
    printf("%*s%u", 2 * depth, "", tag);
    uint64_t v = 0;
    size_t used;
    switch (wire) {
    case 0:
        parse_varint(p, n, &used, &v);
        printf(": %" PRIu64 "\n", v);
        break;
    case 1:
        for (int i = 7; i >= 0; i--)
            v = v << 8 | p[i];
        printf(": 0x%016" PRIx64 "\n", v);
        break;
    case 5:
        for (int i = 3; i >= 0; i--)
            v = v << 8 | p[i];
        printf(": 0x%08" PRIx64 "\n", v);
        break;
    default:
        if (n > 0 && print_unknown_data(p, n, depth + 1, 1)) {
            fputs(" {\n", stdout);
            print_unknown_data(p, n, depth + 1, 0);
            printf("%*s}\n", 2 * depth, "");
        } else {
            fputs(": ", stdout);
            put_escaped(p, n);
            putchar('\n');
        }
    }
}

/* Walk (dry: only check) a buffer of fields; 1 if it parses completely. */
static int print_unknown_data(const uint8_t *p, size_t n, int depth, int dry)
{
    size_t at = 0;
    while (at < n) {
        uint64_t key, len;
        size_t used;
        if (!parse_varint(p + at, n - at, &used, &key) || (key >> 3) == 0)
            return 0;
        at += used;
        int wire = (int)(key & 7);
        const uint8_t *start = p + at;
        size_t size;
        switch (wire) {
        case 0:
            if (!parse_varint(p + at, n - at, &size, &len))
                return 0;
            break;
        case 1: size = 8; break;
        case 5: size = 4; break;
        case 2:
            if (!parse_varint(p + at, n - at, &used, &len) || len > n - at - used)
                return 0;
            at += used;
            start = p + at;
            size = (size_t)len;
            break;
        default:
            return 0;
        }
        if (size > n - at)
            return 0;
        if (!dry)
            print_unknown_one((uint32_t)(key >> 3), wire, start, size, depth);
        at += size;
    }
    return 1;
}

static void print_message(const ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    int entry = is_entry_type(d);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *base = (const char *)m;
        const void *p = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            const char *items = *(char *const *)p;
            size_t size = type_size(f->type);
            if (is_map_entry(f) && n > 1) {
                ProtobufCMessage **sorted = malloc(n * sizeof *sorted);
                memcpy(sorted, items, n * sizeof *sorted);
                qsort(sorted, n, sizeof *sorted, compare_keys);
                for (size_t k = 0; k < n; k++)
                    print_field(f, &sorted[k], depth);
                free(sorted);
                continue;
            }
            for (size_t k = 0; k < n; k++)
                print_field(f, items + k * size, depth);
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (*(const uint32_t *)(base + f->quantifier_offset) == f->id)
                print_field(f, p, depth);
            continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REQUIRED ||
            (entry && (f->type != PROTOBUF_C_TYPE_MESSAGE || *(void *const *)p))) {
            print_field(f, p, depth);
        } else if (f->label == PROTOBUF_C_LABEL_NONE) {
            if (!is_zero(f, p))
                print_field(f, p, depth);
        } else if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
            const void *ptr = *(const void *const *)p;
            if (ptr && ptr != f->default_value)
                print_field(f, p, depth);
        } else if (*(const protobuf_c_boolean *)(base + f->quantifier_offset)) {
            print_field(f, p, depth);
        }
    }
    for (unsigned i = 0; i < m->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
        const uint8_t *data = u->data;
        size_t len = u->len;
        if (u->wire_type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) {
            /* libprotobuf-c keeps the length prefix with the data. */
            uint64_t inner;
            size_t used;
            if (parse_varint(data, len, &used, &inner))
                data += used, len -= used;
        }
        print_unknown_one(u->tag, (int)u->wire_type, data, len, depth);
    }
}

/* ------------------------------------------------------------ the cases */

static uint8_t bytes_ff[] = { 0x00, 0x01, 0xff, 'x' };
static char utf8[] = "caf\xc3\xa9 \"q\" \\ \n\t end";

static ProtobufCMessage *scalars_extremes(void)
{
    static Wire2__Scalars m = WIRE2__SCALARS__INIT;
    m.has_d = 1, m.d = -DBL_MAX;
    m.has_f = 1, m.f = FLT_MIN;
    m.has_i64 = 1, m.i64 = INT64_MIN;
    m.has_u64 = 1, m.u64 = UINT64_MAX;
    m.has_i32 = 1, m.i32 = INT32_MIN;
    m.has_fx64 = 1, m.fx64 = UINT64_MAX;
    m.has_fx32 = 1, m.fx32 = UINT32_MAX;
    m.has_b = 1, m.b = 1;
    m.s = utf8;
    m.has_by = 1, m.by.len = sizeof bytes_ff, m.by.data = bytes_ff;
    m.has_u32 = 1, m.u32 = UINT32_MAX;
    m.has_e = 1, m.e = WIRE2__COLOR__LOWEST;
    m.has_sf32 = 1, m.sf32 = INT32_MIN;
    m.has_sf64 = 1, m.sf64 = INT64_MIN;
    m.has_si32 = 1, m.si32 = INT32_MIN;
    m.has_si64 = 1, m.si64 = INT64_MIN;
    return &m.base;
}

static ProtobufCMessage *scalars_max(void)
{
    static Wire2__Scalars m = WIRE2__SCALARS__INIT;
    m.has_d = 1, m.d = INFINITY;
    m.has_f = 1, m.f = -INFINITY;
    m.has_i64 = 1, m.i64 = INT64_MAX;
    m.has_i32 = 1, m.i32 = INT32_MAX;
    m.has_e = 1, m.e = WIRE2__COLOR__HIGHEST;
    m.has_sf32 = 1, m.sf32 = INT32_MAX;
    m.has_sf64 = 1, m.sf64 = INT64_MAX;
    m.has_si32 = 1, m.si32 = INT32_MAX;
    m.has_si64 = 1, m.si64 = INT64_MAX;
    return &m.base;
}

/* Present zeros: proto2 optional fields with has_ set to zero values. */
static ProtobufCMessage *scalars_zeros(void)
{
    static Wire2__Scalars m = WIRE2__SCALARS__INIT;
    m.has_d = 1, m.has_f = 1, m.has_i64 = 1, m.has_u64 = 1, m.has_i32 = 1;
    m.has_fx64 = 1, m.has_fx32 = 1, m.has_b = 1, m.has_by = 1, m.has_u32 = 1;
    m.has_e = 1, m.has_sf32 = 1, m.has_sf64 = 1, m.has_si32 = 1, m.has_si64 = 1;
    m.s = "";
    m.has_i32 = 1, m.i32 = -1;
    m.has_e = 1, m.e = WIRE2__COLOR__NEG;
    m.has_d = 1, m.d = 1e-310;
    m.has_f = 1, m.f = 0.1f;
    return &m.base;
}

static ProtobufCMessage *scalars_empty(void)
{
    static Wire2__Scalars m = WIRE2__SCALARS__INIT;
    return &m.base;
}

static double dvals[] = { 0, -0.0, 1.5, -1e300, 4.9406564584124654e-324, 0.1 };
static float fvals[] = { 0, 3.25f, -1e30f, 1e-45f, 0.1f };
static int64_t i64vals[] = { 0, -1, INT64_MIN, INT64_MAX, 300 };
static uint64_t u64vals[] = { 0, 1, UINT64_MAX, 1ull << 63 };
static int32_t i32vals[] = { 0, -1, INT32_MIN, INT32_MAX, 127, 128 };
static uint32_t u32vals[] = { 0, 1, UINT32_MAX, 1u << 31 };
static protobuf_c_boolean bvals[] = { 1, 0, 1 };
static Wire2__Color evals[] = { WIRE2__COLOR__NEG, WIRE2__COLOR__RED, WIRE2__COLOR__LOWEST,
                                WIRE2__COLOR__HIGHEST, WIRE2__COLOR__COLOR_ZERO };
static char *svals[] = { "", "a", utf8 };
static ProtobufCBinaryData byvals[] = { { 0, NULL }, { 4, bytes_ff } };

#define N(a) (sizeof(a) / sizeof *(a))
#define SET(m, field, arr) ((m).n_##field = N(arr), (m).field = (arr))

static ProtobufCMessage *repeated_all(void)
{
    static Wire2__Repeated m = WIRE2__REPEATED__INIT;
    static Wire2__Scalars s1 = WIRE2__SCALARS__INIT, s2 = WIRE2__SCALARS__INIT;
    static Wire2__Scalars *msgs[] = { &s1, &s2 };
    s2.has_i32 = 1, s2.i32 = 7;
    s2.s = "second";
    SET(m, d, dvals); SET(m, f, fvals); SET(m, i64, i64vals); SET(m, u64, u64vals);
    SET(m, i32, i32vals); SET(m, fx64, u64vals); SET(m, fx32, u32vals); SET(m, b, bvals);
    SET(m, s, svals); SET(m, by, byvals); SET(m, u32, u32vals); SET(m, e, evals);
    SET(m, sf32, i32vals); SET(m, sf64, i64vals); SET(m, si32, i32vals); SET(m, si64, i64vals);
    SET(m, msgs, msgs);
    SET(m, pd, dvals); SET(m, pf, fvals); SET(m, pi64, i64vals); SET(m, pu64, u64vals);
    SET(m, pi32, i32vals); SET(m, pfx64, u64vals); SET(m, pfx32, u32vals); SET(m, pb, bvals);
    SET(m, pu32, u32vals); SET(m, pe, evals); SET(m, psf32, i32vals); SET(m, psf64, i64vals);
    SET(m, psi32, i32vals); SET(m, psi64, i64vals);
    return &m.base;
}

static ProtobufCMessage *defaults_unset(void)
{
    static Wire2__Defaults m;
    wire2__defaults__init(&m);
    return &m.base;
}

/* Defaults made present: the default values themselves go on the wire. */
static ProtobufCMessage *defaults_present(void)
{
    static Wire2__Defaults m = WIRE2__DEFAULTS__INIT;
    m.has_d = m.has_f = m.has_fn = m.has_i64 = m.has_u64 = m.has_i32 = 1;
    m.has_fx64 = m.has_fx32 = m.has_b = m.has_by = m.has_u32 = m.has_e = 1;
    m.has_sf32 = m.has_sf64 = m.has_si32 = m.has_si64 = m.has_tiny = 1;
    /* A copy of the default string: a pointer to the default itself means
     * "not set" to the runtime. */
    static char s[64];
    strcpy(s, m.s);
    m.s = s;
    static char empty[1];
    m.empty = empty;
    return &m.base;
}

static ProtobufCMessage *required_all(void)
{
    static Wire2__Required m = WIRE2__REQUIRED__INIT;
    static Wire2__Scalars sub = WIRE2__SCALARS__INIT;
    sub.has_u64 = 1, sub.u64 = 5;
    m.a = -5;
    m.s = "req";
    m.m = &sub;
    m.e = WIRE2__COLOR__NEG;
    m.by.len = 1, m.by.data = bytes_ff + 2;
    return &m.base;
}

static ProtobufCMessage *nested_deep(void)
{
    static Wire2__Nested m = WIRE2__NESTED__INIT, self = WIRE2__NESTED__INIT;
    static Wire2__Nested__Inner inner = WIRE2__NESTED__INNER__INIT;
    static Wire2__Nested__Inner c1 = WIRE2__NESTED__INNER__INIT, c2 = WIRE2__NESTED__INNER__INIT;
    static Wire2__Nested__Inner *children[] = { &c1, &c2 };
    static Wire2__Nested__Inner__Deep deep = WIRE2__NESTED__INNER__DEEP__INIT;
    static Wire2__Nested__Inner__Deep deep2 = WIRE2__NESTED__INNER__DEEP__INIT;
    deep.has_x = 1, deep.x = 42;
    deep.tag = "deep";
    deep2.has_x = 1, deep2.x = 0;
    c2.deep = &deep2;
    inner.deep = &deep;
    inner.n_children = 2, inner.children = children;
    m.inner = &inner;
    m.n_list = 2, m.list = children;
    self.inner = &c1;
    m.self = &self;
    return &m.base;
}

static ProtobufCMessage *maps_all(void)
{
    static Wire2__Maps m = WIRE2__MAPS__INIT;
    static Wire2__Maps__I2sEntry a1 = WIRE2__MAPS__I2S_ENTRY__INIT, a2 = WIRE2__MAPS__I2S_ENTRY__INIT;
    static Wire2__Maps__I2sEntry *i2s[] = { &a1, &a2 };
    a1.has_key = 1, a1.key = -3, a1.value = "minus three";
    a2.has_key = 1, a2.key = 9, a2.value = "";
    static Wire2__Scalars sv = WIRE2__SCALARS__INIT;
    sv.has_b = 1, sv.b = 1;
    static Wire2__Maps__S2mEntry b1 = WIRE2__MAPS__S2M_ENTRY__INIT;
    static Wire2__Maps__S2mEntry *s2m[] = { &b1 };
    b1.key = "k", b1.value = &sv;
    static Wire2__Maps__I2eEntry c1 = WIRE2__MAPS__I2E_ENTRY__INIT;
    static Wire2__Maps__I2eEntry *i2e[] = { &c1 };
    c1.has_key = 1, c1.key = INT64_MIN, c1.has_value = 1, c1.value = WIRE2__COLOR__NEG;
    static Wire2__Maps__B2bEntry d1 = WIRE2__MAPS__B2B_ENTRY__INIT, d2 = WIRE2__MAPS__B2B_ENTRY__INIT;
    static Wire2__Maps__B2bEntry *b2b[] = { &d1, &d2 };
    d1.has_key = 1, d1.key = 1, d1.has_value = 1, d1.value.len = 4, d1.value.data = bytes_ff;
    d2.has_key = 1, d2.key = 0, d2.has_value = 1;
    static Wire2__Maps__U2dEntry e1 = WIRE2__MAPS__U2D_ENTRY__INIT;
    static Wire2__Maps__U2dEntry *u2d[] = { &e1 };
    e1.has_key = 1, e1.key = UINT32_MAX, e1.has_value = 1, e1.value = -0.5;
    static Wire2__Maps__S2fEntry f1 = WIRE2__MAPS__S2F_ENTRY__INIT;
    static Wire2__Maps__S2fEntry *s2f[] = { &f1 };
    f1.has_key = 1, f1.key = -2, f1.has_value = 1, f1.value = 2.5f;
    static Wire2__Maps__F2fEntry g1 = WIRE2__MAPS__F2F_ENTRY__INIT;
    static Wire2__Maps__F2fEntry *f2f[] = { &g1 };
    g1.has_key = 1, g1.key = 77, g1.has_value = 1, g1.value = -77;
    static Wire2__Maps__S2sEntry h1 = WIRE2__MAPS__S2S_ENTRY__INIT, h2 = WIRE2__MAPS__S2S_ENTRY__INIT;
    static Wire2__Maps__S2sEntry *s2s[] = { &h1, &h2 };
    h1.key = "b", h1.value = "2";
    h2.key = "a", h2.value = "1";
    SET(m, i2s, i2s); SET(m, s2m, s2m); SET(m, i2e, i2e); SET(m, b2b, b2b);
    SET(m, u2d, u2d); SET(m, s2f, s2f); SET(m, f2f, f2f); SET(m, s2s, s2s);
    return &m.base;
}

static ProtobufCMessage *oneof_string(void)
{
    static Wire2__Oneofs m = WIRE2__ONEOFS__INIT;
    m.o_case = WIRE2__ONEOFS__O_S;
    m.s = "chosen";
    m.p_case = WIRE2__ONEOFS__P_X;
    m.x = INT64_MIN;
    m.has_after = 1, m.after = 0;
    return &m.base;
}

static ProtobufCMessage *oneof_message(void)
{
    static Wire2__Oneofs m = WIRE2__ONEOFS__INIT;
    static Wire2__Scalars sub = WIRE2__SCALARS__INIT;
    m.o_case = WIRE2__ONEOFS__O_M;
    m.m = &sub;
    return &m.base;
}

static ProtobufCMessage *oneof_zero_enum(void)
{
    static Wire2__Oneofs m = WIRE2__ONEOFS__INIT;
    m.o_case = WIRE2__ONEOFS__O_E;
    m.e = WIRE2__COLOR__COLOR_ZERO;
    m.p_case = WIRE2__ONEOFS__P_Y;
    m.y = "";
    return &m.base;
}

static ProtobufCMessage *oneof_double(void)
{
    static Wire2__Oneofs m = WIRE2__ONEOFS__INIT;
    m.o_case = WIRE2__ONEOFS__O_D;
    m.d = -0.0;
    return &m.base;
}

static ProtobufCMessage *oneof_bytes(void)
{
    static Wire2__Oneofs m = WIRE2__ONEOFS__INIT;
    m.o_case = WIRE2__ONEOFS__O_BY;
    m.by.len = 4, m.by.data = bytes_ff;
    return &m.base;
}

static Wire2__Scalars *unknown_msg;

static void free_unknown(void)
{
    wire2__scalars__free_unpacked(unknown_msg, NULL);
}

/* Unknown fields: Superset bytes unpacked as Scalars keep fields 100-104. */
static ProtobufCMessage *unknown_fields(void)
{
    if (unknown_msg)
        return &unknown_msg->base;
    static Wire2__Superset sup = WIRE2__SUPERSET__INIT;
    static Wire2__Scalars inner = WIRE2__SCALARS__INIT;
    static uint32_t fs[] = { 1, 2, 0xffffffffu };
    inner.has_i32 = 1, inner.i32 = 5;
    sup.has_d = 1, sup.d = 2.0;
    sup.has_i32 = 1, sup.i32 = 3;
    sup.s = "known";
    sup.extra = "unknown string";
    sup.n_extra_f = 3, sup.extra_f = fs;
    sup.has_extra_v = 1, sup.extra_v = UINT64_MAX;
    sup.has_extra64 = 1, sup.extra64 = 0x0102030405060708ull;
    sup.extra_m = &inner;
    uint8_t buf[512];
    size_t n = wire2__superset__pack(&sup, buf);
    unknown_msg = wire2__scalars__unpack(NULL, n, buf);
    if (!unknown_msg) {
        fputs("unpack of the superset failed\n", stderr);
        exit(1);
    }
    atexit(free_unknown);
    return &unknown_msg->base;
}

static ProtobufCMessage *p3_all(void)
{
    static Wire3__Scalars3 m = WIRE3__SCALARS3__INIT, child = WIRE3__SCALARS3__INIT;
    m.d = -2.5, m.f = 1e-45f, m.i64 = INT64_MIN, m.u64 = UINT64_MAX, m.i32 = -1;
    m.fx64 = 1, m.fx32 = UINT32_MAX, m.b = 1, m.s = utf8;
    m.by.len = 4, m.by.data = bytes_ff;
    m.u32 = 300, m.e = WIRE3__MOOD__SAD, m.sf32 = INT32_MIN, m.sf64 = INT64_MAX;
    m.si32 = -64, m.si64 = INT64_MIN;
    child.i32 = 1;
    m.child = &child;
    return &m.base;
}

/* proto3 singular zeros stay off the wire. */
static ProtobufCMessage *p3_zeros(void)
{
    static Wire3__Scalars3 m = WIRE3__SCALARS3__INIT, child = WIRE3__SCALARS3__INIT;
    m.s = "";
    m.child = &child;
    return &m.base;
}

static ProtobufCMessage *p3_repeated(void)
{
    static Wire3__Repeated3 m = WIRE3__REPEATED3__INIT;
    static Wire3__Mood moods[] = { WIRE3__MOOD__SAD, WIRE3__MOOD__HAPPY, WIRE3__MOOD__MOOD_ZERO };
    static Wire3__Scalars3 s1 = WIRE3__SCALARS3__INIT;
    static Wire3__Scalars3 *msgs[] = { &s1, &s1 };
    s1.s = "x";
    SET(m, d, dvals); SET(m, f, fvals); SET(m, i64, i64vals); SET(m, u64, u64vals);
    SET(m, i32, i32vals); SET(m, fx64, u64vals); SET(m, fx32, u32vals); SET(m, b, bvals);
    SET(m, s, svals); SET(m, by, byvals); SET(m, u32, u32vals); SET(m, e, moods);
    SET(m, sf32, i32vals); SET(m, sf64, i64vals); SET(m, si32, i32vals); SET(m, si64, i64vals);
    SET(m, unpacked_i32, i32vals); SET(m, unpacked_si64, i64vals); SET(m, msgs, msgs);
    return &m.base;
}

static ProtobufCMessage *p3_maps(void)
{
    static Wire3__Maps3 m = WIRE3__MAPS3__INIT;
    static Wire3__Maps3__I32Entry a = WIRE3__MAPS3__I32_ENTRY__INIT, a0 = WIRE3__MAPS3__I32_ENTRY__INIT;
    static Wire3__Maps3__I32Entry *i32[] = { &a, &a0 };
    a.key = INT32_MIN, a.value = INT32_MAX;
    static Wire3__Maps3__I64Entry b = WIRE3__MAPS3__I64_ENTRY__INIT;
    static Wire3__Maps3__I64Entry *i64[] = { &b };
    b.key = -1, b.value = "neg";
    static Wire3__Maps3__U32Entry c = WIRE3__MAPS3__U32_ENTRY__INIT;
    static Wire3__Maps3__U32Entry *u32[] = { &c };
    c.key = 5, c.value = WIRE3__MOOD__SAD;
    static Wire3__Maps3__U64Entry d = WIRE3__MAPS3__U64_ENTRY__INIT;
    static Wire3__Maps3__U64Entry *u64[] = { &d };
    d.key = UINT64_MAX, d.value.len = 2, d.value.data = bytes_ff;
    static Wire3__Scalars3 sv = WIRE3__SCALARS3__INIT;
    sv.i32 = 9;
    static Wire3__Maps3__Si32Entry e = WIRE3__MAPS3__SI32_ENTRY__INIT;
    static Wire3__Maps3__Si32Entry *si32[] = { &e };
    e.key = -9, e.value = &sv;
    static Wire3__Maps3__Si64Entry f = WIRE3__MAPS3__SI64_ENTRY__INIT;
    static Wire3__Maps3__Si64Entry *si64[] = { &f };
    f.key = INT64_MIN, f.value = 0.25;
    static Wire3__Maps3__Fx32Entry g = WIRE3__MAPS3__FX32_ENTRY__INIT;
    static Wire3__Maps3__Fx32Entry *fx32[] = { &g };
    g.key = 3, g.value = -3.5f;
    static Wire3__Maps3__Fx64Entry h = WIRE3__MAPS3__FX64_ENTRY__INIT;
    static Wire3__Maps3__Fx64Entry *fx64[] = { &h };
    h.key = 4, h.value = 1;
    static Wire3__Maps3__Sf32Entry i = WIRE3__MAPS3__SF32_ENTRY__INIT;
    static Wire3__Maps3__Sf32Entry *sf32[] = { &i };
    i.key = -5, i.value = -6;
    static Wire3__Maps3__Sf64Entry j = WIRE3__MAPS3__SF64_ENTRY__INIT;
    static Wire3__Maps3__Sf64Entry *sf64[] = { &j };
    j.key = -7, j.value = 8;
    static Wire3__Maps3__BEntry k = WIRE3__MAPS3__BENTRY__INIT;
    static Wire3__Maps3__BEntry *bm[] = { &k };
    k.key = 1, k.value = "yes";
    static Wire3__Maps3__SEntry l = WIRE3__MAPS3__SENTRY__INIT, l2 = WIRE3__MAPS3__SENTRY__INIT;
    static Wire3__Maps3__SEntry *s[] = { &l, &l2 };
    l.key = "z", l.value = &sv;
    l2.key = "", l2.value = &sv;
    SET(m, i32, i32); SET(m, i64, i64); SET(m, u32, u32); SET(m, u64, u64);
    SET(m, si32, si32); SET(m, si64, si64); SET(m, fx32, fx32); SET(m, fx64, fx64);
    SET(m, sf32, sf32); SET(m, sf64, sf64); SET(m, b, bm); SET(m, s, s);
    return &m.base;
}

static ProtobufCMessage *p3_oneof(void)
{
    static Wire3__Oneofs3 m = WIRE3__ONEOFS3__INIT;
    m.kind_case = WIRE3__ONEOFS3__KIND_ID;
    m.id = 0; /* a present zero in a oneof goes on the wire */
    m.label = "lbl";
    return &m.base;
}

static ProtobufCMessage *p3_oneof_msg(void)
{
    static Wire3__Oneofs3 m = WIRE3__ONEOFS3__INIT;
    static Wire3__Scalars3 sub = WIRE3__SCALARS3__INIT;
    m.kind_case = WIRE3__ONEOFS3__KIND_MSG;
    m.msg = &sub;
    return &m.base;
}

#ifdef TYPERPC_P3OPT
/* proto3 optional: every field present with its zero value. */
static ProtobufCMessage *p3opt_zeros(void)
{
    static Wire3opt__Opt3 m = WIRE3OPT__OPT3__INIT;
    static Wire3opt__Sub sub = WIRE3OPT__SUB__INIT;
    m.has_d = m.has_f = m.has_i64 = m.has_u64 = m.has_i32 = m.has_fx64 = m.has_fx32 = 1;
    m.has_b = m.has_by = m.has_u32 = m.has_e = m.has_sf32 = m.has_sf64 = 1;
    m.has_si32 = m.has_si64 = 1;
    m.s = "";
    m.sub = &sub;
    return &m.base;
}

/* proto3 optional: absent fields stay off the wire, whatever their value. */
static ProtobufCMessage *p3opt_absent(void)
{
    static Wire3opt__Opt3 m = WIRE3OPT__OPT3__INIT;
    m.i32 = 5;   /* has_i32 is 0: not sent */
    m.plain = 3;
    return &m.base;
}

static ProtobufCMessage *p3opt_values(void)
{
    static Wire3opt__Opt3 m = WIRE3OPT__OPT3__INIT;
    m.has_d = 1, m.d = -1.25;
    m.has_i64 = 1, m.i64 = INT64_MIN;
    m.has_e = 1, m.e = WIRE3OPT__LEVEL__UNDER;
    m.has_si32 = 1, m.si32 = -1;
    m.s = utf8;
    m.has_by = 1, m.by.len = 4, m.by.data = bytes_ff;
    m.choice_case = WIRE3OPT__OPT3__CHOICE_C_I;
    m.c_i = 0;
    return &m.base;
}
#endif

typedef struct Case {
    const char *name;
    ProtobufCMessage *(*make)(void);
} Case;

static const Case cases[] = {
    { "scalars_extremes", scalars_extremes },
    { "scalars_max", scalars_max },
    { "scalars_zeros", scalars_zeros },
    { "scalars_empty", scalars_empty },
    { "repeated_all", repeated_all },
    { "defaults_unset", defaults_unset },
    { "defaults_present", defaults_present },
    { "required_all", required_all },
    { "nested_deep", nested_deep },
    { "maps_all", maps_all },
    { "oneof_string", oneof_string },
    { "oneof_message", oneof_message },
    { "oneof_zero_enum", oneof_zero_enum },
    { "oneof_double", oneof_double },
    { "oneof_bytes", oneof_bytes },
    { "unknown_fields", unknown_fields },
    { "p3_all", p3_all },
    { "p3_zeros", p3_zeros },
    { "p3_repeated", p3_repeated },
    { "p3_maps", p3_maps },
    { "p3_oneof", p3_oneof },
    { "p3_oneof_msg", p3_oneof_msg },
#ifdef TYPERPC_P3OPT
    { "p3opt_zeros", p3opt_zeros },
    { "p3opt_absent", p3opt_absent },
    { "p3opt_values", p3opt_values },
#endif
};

static const ProtobufCMessageDescriptor *const descriptors[] = {
    &wire2__scalars__descriptor, &wire2__repeated__descriptor, &wire2__defaults__descriptor,
    &wire2__required__descriptor, &wire2__nested__descriptor, &wire2__maps__descriptor,
    &wire2__oneofs__descriptor, &wire2__superset__descriptor, &wire2__lossy_defaults__descriptor, &wire3__scalars3__descriptor,
    &wire3__repeated3__descriptor, &wire3__maps3__descriptor, &wire3__oneofs3__descriptor,
#ifdef TYPERPC_P3OPT
    &wire3opt__opt3__descriptor,
#endif
};

static const Case *find_case(const char *name)
{
    for (size_t i = 0; i < N(cases); i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    fprintf(stderr, "no case '%s'\n", name);
    exit(2);
}

static const ProtobufCMessageDescriptor *find_type(const char *name)
{
    for (size_t i = 0; i < N(descriptors); i++)
        if (strcmp(descriptors[i]->name, name) == 0)
            return descriptors[i];
    fprintf(stderr, "no type '%s'\n", name);
    exit(2);
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(n + 1);
    *len = protobuf_c_message_pack(m, buf);
    if (*len != n) {
        fprintf(stderr, "packed %zu bytes, get_packed_size said %zu\n", *len, n);
        exit(1);
    }
    /* pack_to_buffer must agree with pack. */
    uint8_t scratch[16];
    ProtobufCBufferSimple simple = PROTOBUF_C_BUFFER_SIMPLE_INIT(scratch);
    protobuf_c_message_pack_to_buffer(m, &simple.base);
    if (simple.len != n || memcmp(simple.data, buf, n) != 0) {
        fputs("pack_to_buffer differs from pack\n", stderr);
        exit(1);
    }
    PROTOBUF_C_BUFFER_SIMPLE_CLEAR(&simple);
    return buf;
}

static uint8_t *read_stdin(size_t *len)
{
    size_t cap = 1 << 16, n = 0, k;
    uint8_t *buf = malloc(cap);
    while ((k = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += k;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    *len = n;
    return buf;
}

/* ------------------------------------------------------------ api facts */

static void api_facts(void)
{
    /* Names and shapes a protoc-c user sees. */
    printf("%s %s %s %s %u\n", wire2__scalars__descriptor.name,
           wire2__scalars__descriptor.short_name, wire2__scalars__descriptor.c_name,
           wire2__scalars__descriptor.package_name, wire2__scalars__descriptor.n_fields);
    printf("%s %s %s %u %u %u\n", wire2__color__descriptor.name, wire2__color__descriptor.c_name,
           wire2__color__descriptor.short_name, wire2__color__descriptor.n_values,
           wire2__color__descriptor.n_value_names, wire2__color__descriptor.n_value_ranges);
    printf("%s\n", wire2__maps__i2s_entry__descriptor.name);
    printf("%s\n", wire2__nested__inner__deep__descriptor.c_name);
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(
        &wire2__color__descriptor, "LOWEST");
    printf("LOWEST=%d %s\n", v ? v->value : 0, v ? v->c_name : "?");
    v = protobuf_c_enum_descriptor_get_value(&wire3__mood__descriptor, -7);
    printf("-7=%s\n", v ? v->name : "?");
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(&wire2__repeated__descriptor, "psi64");
    printf("psi64: id=%u label=%d type=%d flags=%u\n", f->id, (int)f->label, (int)f->type,
           f->flags);
    f = protobuf_c_message_descriptor_get_field(&wire3__repeated3__descriptor, 20);
    printf("20: %s flags=%u\n", f->name, f->flags);
    for (unsigned i = 0; i < wire3__oneofs3__descriptor.n_fields; i++) {
        const ProtobufCFieldDescriptor *o = &wire3__oneofs3__descriptor.fields[i];
        printf("oneofs3.%s label=%d flags=%u\n", o->name, (int)o->label, o->flags);
    }
    for (unsigned i = 0; i < wire2__defaults__descriptor.n_fields; i++) {
        const ProtobufCFieldDescriptor *d = &wire2__defaults__descriptor.fields[i];
        printf("defaults.%s label=%d type=%d has_default=%d\n", d->name, (int)d->label,
               (int)d->type, d->default_value != NULL);
    }

    /* INIT and __init agree, and the defaults are right. */
    Wire2__Defaults d1 = WIRE2__DEFAULTS__INIT, d2;
    wire2__defaults__init(&d2);
    printf("init: %g %g %g %d %" PRId64 " %" PRIu64 " %d %u %d [%s] %zu %d %d %g [%s]\n",
           d1.d, (double)d1.f, (double)d1.fn, isnan(d1.dnan) != 0, d1.i64, d1.u64, d1.i32,
           d1.fx32, d1.b, d1.s, d1.by.len, (int)d1.e, d1.si32, d2.tiny,
           d2.empty);
    printf("init equal: %d %d\n", d1.i64 == d2.i64 && d1.e == d2.e, strcmp(d1.s, d2.s) == 0);
    Wire2__Oneofs o = WIRE2__ONEOFS__INIT;
    printf("oneof: %d %d %d\n", (int)o.o_case, (int)WIRE2__ONEOFS__O__NOT_SET,
           (int)WIRE2__ONEOFS__O_BY);
    Wire3__Scalars3 s3 = WIRE3__SCALARS3__INIT;
    printf("p3 string default: [%s] %d\n", s3.s, s3.s == protobuf_c_empty_string);

    /* The typed helpers of a top-level message. */
    Wire2__Required r = WIRE2__REQUIRED__INIT;
    Wire2__Scalars sub = WIRE2__SCALARS__INIT;
    r.s = "x";
    r.m = &sub;
    uint8_t buf[128];
    size_t n = wire2__required__get_packed_size(&r);
    printf("required packed size %zu %zu\n", n, wire2__required__pack(&r, buf));
    Wire2__Required *back = wire2__required__unpack(NULL, n, buf);
    printf("unpacked: %s a=%d e=%d\n", back->s, back->a, (int)back->e);
    wire2__required__free_unpacked(back, NULL);
    /* A missing required field fails to unpack. */
    printf("missing required: %s\n", wire2__required__unpack(NULL, 0, buf) ? "ok" : "NULL");
    Wire2__Scalars_Closure closure = NULL;
    printf("closure typedef: %d\n", closure == NULL);
    printf("sizes: %zu %zu\n", sizeof(Wire2__Scalars) > sizeof(ProtobufCMessage) ? (size_t)1 : 0,
           sizeof(Wire2__Color));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "list") == 0) {
        for (size_t i = 0; i < N(cases); i++)
            printf("%s %s\n", cases[i].name, cases[i].make()->descriptor->name);
    } else if (strcmp(mode, "hex") == 0) {
        for (size_t i = 0; i < N(cases); i++) {
            size_t n;
            uint8_t *b = pack(cases[i].make(), &n);
            printf("%s ", cases[i].name);
            for (size_t k = 0; k < n; k++)
                printf("%02x", b[k]);
            putchar('\n');
            free(b);
        }
    } else if (strcmp(mode, "pack") == 0 && argc > 2) {
        size_t n;
        uint8_t *b = pack(find_case(argv[2])->make(), &n);
        fwrite(b, 1, n, stdout);
        free(b);
    } else if (strcmp(mode, "text") == 0 && argc > 2) {
        print_message(find_case(argv[2])->make(), 0);
    } else if ((strcmp(mode, "decode") == 0 || strcmp(mode, "repack") == 0) && argc > 2) {
        size_t n;
        uint8_t *in = read_stdin(&n);
        ProtobufCMessage *m = protobuf_c_message_unpack(find_type(argv[2]), NULL, n, in);
        if (!m) {
            fputs("unpack failed\n", stderr);
            return 1;
        }
        if (strcmp(mode, "decode") == 0) {
            print_message(m, 0);
        } else {
            size_t len;
            uint8_t *b = pack(m, &len);
            fwrite(b, 1, len, stdout);
            free(b);
        }
        protobuf_c_message_free_unpacked(m, NULL);
        free(in);
    } else if (strcmp(mode, "api") == 0) {
        api_facts();
    } else if (strcmp(mode, "lossy") == 0) {
        Wire2__LossyDefaults l = WIRE2__LOSSY_DEFAULTS__INIT;
        printf("%.9g %.17g\n", (double)l.fbig, l.dlong);
    } else {
        fputs("usage: wire_driver list|hex|pack NAME|text NAME|decode TYPE|repack TYPE|api\n",
              stderr);
        return 2;
    }
    return 0;
}
