/*
 * gen_c_message.c — one message: its struct, INIT macro, helper functions,
 * closure typedef and ProtobufCMessageDescriptor; nested messages and enums
 * in the order protoc-c writes them.
 *
 * Fields the runtime cannot carry are left out: proto2 groups (no
 * libprotobuf-c type exists for them) and extensions. The group's body is
 * still generated as a nested message, as protoc defines one. See gen_c.c
 * for the warnings and what such fields do on the wire.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A bool option that may be absent: *set tells whether it was written. */
static bool pbc_bool(const OptionVec *opts, const char *ext, const char *name, bool *set)
{
    Value *v = gen_pbc_option(opts, ext, name);
    *set = v != NULL;
    return v && v->kind == VAL_IDENT && strcmp(v->s, "true") == 0;
}

static MessageVec nested(Gen *g, Message *m)
{
    return names_message(g->names, m)->nested;
}

/* The oneof's members that get code. */
static size_t oneof_members(Oneof *o, Field **out)
{
    size_t n = 0;
    for (size_t i = 0; i < o->fields.len; i++)
        if (gen_field_included(o->fields.items[i]))
            out[n++] = o->fields.items[i];
    return n;
}

static bool real_oneof(Oneof *o)
{
    return !o->synthetic;
}

/* ---- header ---- */

void gen_message_typedefs(Gen *g, Message *m)
{
    TypeNames *t = names_message(g->names, m);
    buf_cat(&g->h, "typedef struct ", t->c, " ", t->c, ";\n", NULL);
    MessageVec ns = nested(g, m);
    for (size_t i = 0; i < ns.len; i++)
        gen_message_typedefs(g, ns.items[i]);
}

void gen_message_enum_definitions(Gen *g, Message *m)
{
    MessageVec ns = nested(g, m);
    for (size_t i = 0; i < ns.len; i++)
        gen_message_enum_definitions(g, ns.items[i]);
    for (size_t i = 0; i < m->enums.len; i++)
        gen_enum_definition(g, m->enums.items[i]);
}

void gen_message_struct(Gen *g, Message *m)
{
    Buf *h = &g->h;
    MessageVec ns = nested(g, m);
    for (size_t i = 0; i < ns.len; i++)
        gen_message_struct(g, ns.items[i]);

    TypeNames *t = names_message(g->names, m);
    Field **members = malloc((m->fields.len + 1) * sizeof *members);
    if (!members)
        abort();

    /* The case enum of each oneof. */
    for (size_t i = 0; i < m->oneofs.len; i++) {
        Oneof *o = m->oneofs.items[i];
        if (!real_oneof(o))
            continue;
        OneofNames *on = names_oneof(g->names, o);
        if (!on)
            continue;
        size_t n = oneof_members(o, members);
        buf_cat(h, "typedef enum {\n  ", on->uc, "__NOT_SET = 0", n ? ",\n" : "\n", NULL);
        for (size_t k = 0; k < n; k++) {
            buf_cat(h, "  ", names_field(g->names, members[k])->oneof_case, " = ", NULL);
            buf_int(h, members[k]->number);
            buf_puts(h, k + 1 < n ? ",\n" : "\n");
        }
        buf_cat(h, "    PROTOBUF_C__FORCE_ENUM_TO_BE_INT_SIZE(", on->uc, "__CASE)\n} ", on->c,
                ";\n\n", NULL);
    }

    buf_cat(h, "struct  ", t->c, "\n{\n  ProtobufCMessage ", gen_base_field(m), ";\n", NULL);
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *f = m->fields.items[i];
        if (gen_field_included(f) && !gen_field_oneof(f))
            gen_field_member(g, h, f, "  ");
    }
    for (size_t i = 0; i < m->oneofs.len; i++) {
        Oneof *o = m->oneofs.items[i];
        OneofNames *on = real_oneof(o) ? names_oneof(g->names, o) : NULL;
        if (!on)
            continue;
        buf_cat(h, "  ", on->c, " ", on->member, ";\n", NULL);
        size_t n = oneof_members(o, members);
        if (!n)
            continue;
        buf_puts(h, "  union {\n");
        for (size_t k = 0; k < n; k++)
            gen_field_member(g, h, members[k], "    ");
        buf_puts(h, "  };\n");
    }
    buf_puts(h, "};\n");

    for (size_t i = 0; i < m->fields.len; i++) {
        Field *f = m->fields.items[i];
        if (gen_field_included(f))
            gen_field_default_declaration(g, f);
    }

    buf_cat(h, "#define ", t->uc, "__INIT \\\n { PROTOBUF_C_MESSAGE_INIT (&", t->lc,
            "__descriptor) \\\n    ", NULL);
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *f = m->fields.items[i];
        if (!gen_field_included(f) || gen_field_oneof(f))
            continue;
        buf_puts(h, ", ");
        gen_field_static_init(g, h, f);
    }
    for (size_t i = 0; i < m->oneofs.len; i++) {
        Oneof *o = m->oneofs.items[i];
        OneofNames *on = real_oneof(o) ? names_oneof(g->names, o) : NULL;
        if (!on)
            continue;
        buf_cat(h, ", ", on->uc, "__NOT_SET", NULL);
        /* The union is initialized through its first member. protoc-c
         * writes {0} whatever that is, and for a bytes member (a struct)
         * gcc's -Wmissing-braces (in -Wall) rejects it under -Werror: that
         * member gets braces of its own. */
        size_t n = oneof_members(o, members);
        if (n && gen_field_type(members[0]) == TYPE_BYTES)
            buf_puts(h, ", { {0,NULL} }");
        else if (n)
            buf_puts(h, ", {0}");
    }
    buf_puts(h, " }\n\n\n");
    free(members);
}

/* Which helpers a message gets, as protoc-c decides: top-level messages get
 * them all; a nested message gets pack helpers only when (pb_c_msg) or
 * (pb_c_file).gen_pack_helpers says so, and init unless gen_init_helpers
 * says no. */
typedef struct Helpers {
    bool pack_deep, pack, init;
    bool nested_pack; /* what the nested messages inherit */
} Helpers;

static Helpers helpers_for(Message *m, bool pack_deep, bool pack, bool init)
{
    bool set;
    bool v = pbc_bool(&m->options, "pb_c_msg", "gen_pack_helpers", &set);
    if (set)
        pack = v;
    v = pbc_bool(&m->options, "pb_c_msg", "gen_init_helpers", &set);
    if (set)
        init = v;
    bool msg_pack = pbc_bool(&m->options, "pb_c_msg", "gen_pack_helpers", &set);
    return (Helpers){ pack_deep, pack, init, pack_deep ? pack : msg_pack };
}

void gen_message_helper_declarations(Gen *g, Message *m, bool pack_deep, bool pack, bool init)
{
    Helpers hp = helpers_for(m, pack_deep, pack, init);
    MessageVec ns = nested(g, m);
    for (size_t i = 0; i < ns.len; i++)
        gen_message_helper_declarations(g, ns.items[i], true, hp.nested_pack, hp.init);
    TypeNames *t = names_message(g->names, m);
    const char *c = t->c, *lc = t->lc;
    t->no_init = !hp.init; /* the descriptor, written later, needs to know */
    if (hp.init)
        buf_cat(&g->h, "/* ", c, " methods */\nvoid   ", lc, "__init\n                     (", c,
                "         *message);\n", NULL);
    if (!hp.pack)
        return;
    /* clang-format off */
    buf_cat(&g->h,
            "size_t ", lc, "__get_packed_size\n"
            "                     (const ", c, "   *message);\n"
            "size_t ", lc, "__pack\n"
            "                     (const ", c, "   *message,\n"
            "                      uint8_t             *out);\n"
            "size_t ", lc, "__pack_to_buffer\n"
            "                     (const ", c, "   *message,\n"
            "                      ProtobufCBuffer     *buffer);\n",
            c, " *\n"
            "       ", lc, "__unpack\n"
            "                     (ProtobufCAllocator  *allocator,\n"
            "                      size_t               len,\n"
            "                      const uint8_t       *data);\n"
            "void   ", lc, "__free_unpacked\n"
            "                     (", c, " *message,\n"
            "                      ProtobufCAllocator *allocator);\n", NULL);
    /* clang-format on */
}

void gen_message_closures(Gen *g, Message *m)
{
    MessageVec ns = nested(g, m);
    for (size_t i = 0; i < ns.len; i++)
        gen_message_closures(g, ns.items[i]);
    const char *c = names_message(g->names, m)->c;
    buf_cat(&g->h, "typedef void (*", c, "_Closure)\n                 (const ", c,
            " *message,\n                  void *closure_data);\n", NULL);
}

void gen_message_descriptor_declarations(Gen *g, Message *m)
{
    buf_cat(&g->h, "extern const ProtobufCMessageDescriptor ", names_message(g->names, m)->lc,
            "__descriptor;\n", NULL);
    MessageVec ns = nested(g, m);
    for (size_t i = 0; i < ns.len; i++)
        gen_message_descriptor_declarations(g, ns.items[i]);
    for (size_t i = 0; i < m->enums.len; i++)
        buf_cat(&g->h, "extern const ProtobufCEnumDescriptor    ",
                names_enum(g->names, m->enums.items[i])->lc, "__descriptor;\n", NULL);
}

/* ---- source ---- */

void gen_message_helper_definitions(Gen *g, Message *m, bool pack_deep, bool pack, bool init)
{
    Helpers hp = helpers_for(m, pack_deep, pack, init);
    MessageVec ns = nested(g, m);
    for (size_t i = 0; i < ns.len; i++)
        gen_message_helper_definitions(g, ns.items[i], true, hp.nested_pack, hp.init);
    TypeNames *t = names_message(g->names, m);
    const char *c = t->c, *lc = t->lc, *uc = t->uc, *base = gen_base_field(m);
    /* clang-format off */
    if (hp.init)
        buf_cat(&g->src,
            "void   ", lc, "__init\n"
            "                     (", c, "         *message)\n"
            "{\n"
            "  static const ", c, " init_value = ", uc, "__INIT;\n"
            "  *message = init_value;\n"
            "}\n", NULL);
    /* clang-format on */
    if (!hp.pack)
        return;
    /* clang-format off */
    buf_cat(&g->src,
            "size_t ", lc, "__get_packed_size\n"
            "                     (const ", c, " *message)\n"
            "{\n"
            "  assert(message->", base, ".descriptor == &", lc, "__descriptor);\n"
            "  return protobuf_c_message_get_packed_size ((const ProtobufCMessage*)(message));\n"
            "}\n"
            "size_t ", lc, "__pack\n"
            "                     (const ", c, " *message,\n"
            "                      uint8_t       *out)\n"
            "{\n"
            "  assert(message->", base, ".descriptor == &", lc, "__descriptor);\n"
            "  return protobuf_c_message_pack ((const ProtobufCMessage*)message, out);\n"
            "}\n"
            "size_t ", lc, "__pack_to_buffer\n"
            "                     (const ", c, " *message,\n"
            "                      ProtobufCBuffer *buffer)\n"
            "{\n"
            "  assert(message->", base, ".descriptor == &", lc, "__descriptor);\n"
            "  return protobuf_c_message_pack_to_buffer ((const ProtobufCMessage*)message, buffer);\n"
            "}\n", NULL);
    buf_cat(&g->src,
            c, " *\n"
            "       ", lc, "__unpack\n"
            "                     (ProtobufCAllocator  *allocator,\n"
            "                      size_t               len,\n"
            "                      const uint8_t       *data)\n"
            "{\n"
            "  return (", c, " *)\n"
            "     protobuf_c_message_unpack (&", lc, "__descriptor,\n"
            "                                allocator, len, data);\n"
            "}\n"
            "void   ", lc, "__free_unpacked\n"
            "                     (", c, " *message,\n"
            "                      ProtobufCAllocator *allocator)\n"
            "{\n"
            "  if(!message)\n"
            "    return;\n"
            "  assert(message->", base, ".descriptor == &", lc, "__descriptor);\n"
            "  protobuf_c_message_free_unpacked ((ProtobufCMessage*)message, allocator);\n"
            "}\n", NULL);
    /* clang-format on */
}

static int by_number(const void *pa, const void *pb)
{
    const Field *a = *(Field *const *)pa, *b = *(Field *const *)pb;
    return (a->number > b->number) - (a->number < b->number);
}

typedef struct NameIdx {
    const char *name;
    size_t index;
} NameIdx;

static int by_field_name(const void *pa, const void *pb)
{
    const NameIdx *a = pa, *b = pb;
    return strcmp(a->name, b->name);
}

/* protoc's default JSON name (ToJsonName): each '_' dropped, the letter
 * after it upper-cased. */
static bool json_name_is_default(const char *name, const char *json)
{
    bool up = false;
    for (const char *p = name; *p; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        char want = up && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        up = false;
        if (*json++ != want)
            return false;
    }
    return *json == '\0';
}

/*
 * A typerpc addition to protoc-c's output, for the JSON codec
 * (include/typerpc/json.h): when a field's json_name is not the default
 * lowerCamelCase of its name, the fields' JSON names in descriptor order,
 * after a marker, in an array the descriptor's reserved1 points at
 * (protobuf-c leaves reserved1 unused and NULL).  Messages whose names are
 * all the default get nothing, so their code stays what protoc-c writes.
 * Returns whether the table was written.
 */
static bool gen_json_names(Gen *g, const TypeNames *t, Field **sorted, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (sorted[i]->json_name && !json_name_is_default(sorted[i]->name, sorted[i]->json_name))
            break;
    if (i == n)
        return false;
    Buf *b = &g->src;
    buf_cat(b, "/* typerpc: the fields' JSON names (json_name), in descriptor order, for\n"
               " * typerpc/json.h; the descriptor's reserved1 points here. */\n"
               "static const char *", t->lc, "__json_names[", NULL);
    buf_uint(b, n + 1);
    buf_puts(b, "] =\n{\n  \"\\001typerpc-json-names\",\n");
    for (i = 0; i < n; i++) {
        buf_puts(b, "  \"");
        gen_c_escape(b, sorted[i]->json_name, strlen(sorted[i]->json_name));
        buf_puts(b, "\",\n");
    }
    buf_puts(b, "};\n");
    return true;
}

void gen_message_descriptor(Gen *g, Message *m)
{
    MessageVec ns = nested(g, m);
    for (size_t i = 0; i < ns.len; i++)
        gen_message_descriptor(g, ns.items[i]);
    for (size_t i = 0; i < m->enums.len; i++)
        gen_enum_descriptor(g, m->enums.items[i]);

    Buf *b = &g->src;
    TypeNames *t = names_message(g->names, m);
    for (size_t i = 0; i < m->fields.len; i++)
        if (gen_field_included(m->fields.items[i]))
            gen_field_default_data(g, m->fields.items[i]);
    for (size_t i = 0; i < m->fields.len; i++)
        if (gen_field_included(m->fields.items[i]))
            gen_field_default_constant(g, m->fields.items[i]);

    size_t n = 0;
    Field **sorted = malloc((m->fields.len + 1) * sizeof *sorted);
    if (!sorted)
        abort();
    for (size_t i = 0; i < m->fields.len; i++)
        if (gen_field_included(m->fields.items[i]))
            sorted[n++] = m->fields.items[i];
    /* qsort is not stable, but field numbers are unique in a message. */
    qsort(sorted, n, sizeof *sorted, by_number);

    size_t n_ranges = 0;
    if (n) {
        buf_cat(b, "static const ProtobufCFieldDescriptor ", t->lc, "__field_descriptors[", NULL);
        buf_uint(b, n);
        buf_puts(b, "] =\n{\n");
        for (size_t i = 0; i < n; i++)
            gen_field_descriptor(g, m, sorted[i]);
        buf_puts(b, "};\n");

        if (!g->code_size) {
            NameIdx *idx = malloc(n * sizeof *idx);
            if (!idx)
                abort();
            for (size_t i = 0; i < n; i++) {
                idx[i].name = sorted[i]->name;
                idx[i].index = i;
            }
            qsort(idx, n, sizeof *idx, by_field_name);
            buf_cat(b, "static const unsigned ", t->lc, "__field_indices_by_name[] = {\n", NULL);
            for (size_t i = 0; i < n; i++) {
                buf_puts(b, "  ");
                buf_uint(b, idx[i].index);
                buf_puts(b, ",   /* field[");
                buf_uint(b, idx[i].index);
                buf_cat(b, "] = ", idx[i].name, " */\n", NULL);
            }
            buf_puts(b, "};\n");
            free(idx);
        }

        /* Runs of consecutive field numbers: { first number, index }. */
        n_ranges = 1;
        for (size_t i = 1; i < n; i++)
            if (sorted[i - 1]->number + 1 != sorted[i]->number)
                n_ranges++;
        buf_cat(b, "static const ProtobufCIntRange ", t->lc, "__number_ranges[", NULL);
        buf_uint(b, n_ranges);
        buf_puts(b, " + 1] =\n{\n");
        size_t start = 0;
        for (size_t i = 1; i <= n; i++) {
            if (i == n || sorted[i - 1]->number + 1 != sorted[i]->number) {
                buf_puts(b, "  { ");
                buf_int(b, sorted[start]->number);
                buf_puts(b, ", ");
                buf_uint(b, start);
                buf_puts(b, " },\n");
                start = i;
            }
        }
        buf_puts(b, "  { 0, ");
        buf_uint(b, n);
        buf_puts(b, " }\n};\n");
    } else {
        buf_cat(b, "#define ", t->lc, "__field_descriptors NULL\n#define ", t->lc,
                "__field_indices_by_name NULL\n#define ", t->lc, "__number_ranges NULL\n", NULL);
    }
    bool json_names = gen_json_names(g, t, sorted, n);
    free(sorted);

    buf_cat(b, "const ProtobufCMessageDescriptor ", t->lc,
            "__descriptor =\n{\n"
            "  PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,\n",
            NULL);
    if (g->code_size)
        buf_puts(b, "  NULL,NULL,NULL,NULL, /* CODE_SIZE */\n");
    else
        buf_cat(b, "  \"", m->full_name, "\",\n  \"", c_to_camel(g->arena, m->name), "\",\n  \"",
                t->c, "\",\n  \"", g->file->package ? g->file->package : "", "\",\n", NULL);
    buf_cat(b, "  sizeof(", t->c, "),\n  ", NULL);
    buf_uint(b, n);
    buf_cat(b, ",\n  ", t->lc, "__field_descriptors,\n", NULL);
    if (g->code_size)
        buf_puts(b, "  NULL, /* CODE_SIZE */\n");
    else
        buf_cat(b, "  ", t->lc, "__field_indices_by_name,\n", NULL);
    buf_puts(b, "  ");
    buf_uint(b, n_ranges);
    buf_cat(b, ",  ", t->lc, "__number_ranges,\n", NULL);
    if (t->no_init)
        buf_puts(b, "  NULL, /* gen_init_helpers = false */\n");
    else
        buf_cat(b, "  (ProtobufCMessageInit) ", t->lc, "__init,\n", NULL);
    if (json_names)
        buf_cat(b, "  (void *) ", t->lc,
                "__json_names, NULL, NULL    /* reserved[123]: typerpc's JSON names */\n};\n",
                NULL);
    else
        buf_puts(b, "  NULL,NULL,NULL    /* reserved[123] */\n};\n");
}
