/*
 * gen_c_enum.c — one enum: its C typedef and its ProtobufCEnumDescriptor.
 *
 * The descriptor holds the values sorted by number with aliases dropped
 * (the first declared name of a number wins), the ranges of consecutive
 * numbers the runtime bisects, and every name, aliases included, sorted
 * with strcmp and pointing into the by-number table: what protoc-c emits.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void gen_enum_definition(Gen *g, Enum *e)
{
    TypeNames *t = names_enum(g->names, e);
    buf_cat(&g->h, "typedef enum ", t->tag, " {\n", NULL);
    for (size_t i = 0; i < e->values.len; i++) {
        EnumValue *v = e->values.items[i];
        buf_cat(&g->h, "  ", names_enum_value(g->names, v), " = ", NULL);
        buf_int(&g->h, v->number);
        buf_puts(&g->h, i + 1 == e->values.len ? "\n" : ",\n");
    }
    buf_cat(&g->h, "    PROTOBUF_C__FORCE_ENUM_TO_BE_INT_SIZE(", t->uc, ")\n} ", t->c, ";\n", NULL);
}

typedef struct ValueIndex {
    int64_t number;
    size_t index;       /* declaration order */
    size_t final_index; /* position in the by-number table */
    const char *name;
} ValueIndex;

static int by_number_then_index(const void *pa, const void *pb)
{
    const ValueIndex *a = pa, *b = pb;
    if (a->number != b->number)
        return a->number < b->number ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int by_name(const void *pa, const void *pb)
{
    const ValueIndex *a = pa, *b = pb;
    return strcmp(a->name, b->name);
}

static void put_range(Buf *b, int64_t start_value, size_t index)
{
    buf_putc(b, '{');
    buf_int(b, start_value);
    buf_puts(b, ", ");
    buf_uint(b, index);
    buf_puts(b, "},");
}

/* "  N,\n  NAME,\n" */
static void put_count_name(Buf *b, size_t count, const char *lc, const char *suffix)
{
    buf_puts(b, "  ");
    buf_uint(b, count);
    buf_cat(b, ",\n  ", lc, suffix, ",\n", NULL);
}

void gen_enum_descriptor(Gen *g, Enum *e)
{
    Buf *b = &g->src;
    TypeNames *t = names_enum(g->names, e);
    size_t n = e->values.len;
    ValueIndex *vi = calloc(n ? n : 1, sizeof *vi);
    if (!vi)
        abort();
    for (size_t i = 0; i < n; i++) {
        vi[i].number = e->values.items[i]->number;
        vi[i].index = i;
        vi[i].name = e->values.items[i]->name;
    }
    qsort(vi, n, sizeof *vi, by_number_then_index);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && vi[i - 1].number == vi[i].number)
            vi[i].final_index = unique - 1;
        else
            vi[i].final_index = unique++;
    }

    buf_cat(b, "static const ProtobufCEnumValue ", t->lc, "__enum_values_by_number[", NULL);
    buf_uint(b, unique);
    buf_puts(b, "] =\n{\n");
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && vi[i - 1].number == vi[i].number)
            continue;
        EnumValue *v = e->values.items[vi[i].index];
        if (g->code_size)
            buf_puts(b, "  { NULL, NULL, ");
        else
            buf_cat(b, "  { \"", v->name, "\", \"", names_enum_value(g->names, v), "\", ", NULL);
        buf_int(b, v->number);
        buf_puts(b, g->code_size ? " }, /* CODE_SIZE */\n" : " },\n");
    }
    buf_puts(b, "};\n");

    /* Ranges of consecutive numbers: {first number, index of it}, then a
     * terminator {0, count}. */
    buf_cat(b, "static const ProtobufCIntRange ", t->lc, "__value_ranges[] = {\n", NULL);
    size_t n_ranges = 0;
    if (n > 0) {
        size_t range_start = 0, range_len = 1;
        int64_t start_value = vi[0].number, last = start_value;
        for (size_t i = 1; i < n; i++) {
            if (vi[i - 1].number == vi[i].number)
                continue;
            if (last + 1 == vi[i].number) {
                range_len++;
            } else {
                put_range(b, start_value, range_start);
                start_value = vi[i].number;
                range_start += range_len;
                range_len = 1;
                n_ranges++;
            }
            last = vi[i].number;
        }
        put_range(b, start_value, range_start);
        range_start += range_len;
        n_ranges++;
        buf_puts(b, "{0, ");
        buf_uint(b, range_start);
        buf_puts(b, "}\n};\n");
    } else {
        buf_puts(b, "{0, 0}\n};\n");
    }

    if (!g->code_size) {
        qsort(vi, n, sizeof *vi, by_name);
        buf_cat(b, "static const ProtobufCEnumValueIndex ", t->lc, "__enum_values_by_name[", NULL);
        buf_uint(b, n);
        buf_puts(b, "] =\n{\n");
        for (size_t i = 0; i < n; i++) {
            buf_cat(b, "  { \"", vi[i].name, "\", ", NULL);
            buf_uint(b, vi[i].final_index);
            buf_puts(b, " },\n");
        }
        buf_puts(b, "};\n");
    }

    buf_cat(b, "const ProtobufCEnumDescriptor ", t->lc, "__descriptor =\n{\n", NULL);
    buf_puts(b, "  PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC,\n");
    if (g->code_size) {
        buf_puts(b, "  NULL,NULL,NULL,NULL, /* CODE_SIZE */\n");
        put_count_name(b, unique, t->lc, "__enum_values_by_number");
        buf_puts(b, "  0, NULL, /* CODE_SIZE */\n");
    } else {
        buf_cat(b, "  \"", e->full_name, "\",\n  \"", e->name, "\",\n  \"", t->c, "\",\n  \"",
                g->file->package ? g->file->package : "", "\",\n", NULL);
        put_count_name(b, unique, t->lc, "__enum_values_by_number");
        put_count_name(b, n, t->lc, "__enum_values_by_name");
    }
    put_count_name(b, n_ranges, t->lc, "__value_ranges");
    buf_puts(b, "  NULL,NULL,NULL,NULL   /* reserved[1234] */\n};\n");
    free(vi);
}
