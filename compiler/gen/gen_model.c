/*
 * gen_model.c — the model as the generators read it: which options are set
 * (descriptor.proto's and protobuf-c's own pb_c_file, pb_c_msg and
 * pb_c_field), which fields get code and with what label and type, and the
 * order of nested messages. Every generator file asks here, so each rule is
 * written once; nothing here writes text.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- options ---- */

Value *gen_option(const OptionVec *opts, const char *name)
{
    for (size_t i = 0; i < opts->len; i++) {
        Option *o = opts->items[i];
        if (o->name.len == 1 && !o->name.items[0].is_extension &&
            strcmp(o->name.items[0].name, name) == 0)
            return o->value;
    }
    return NULL;
}

bool gen_option_true(const OptionVec *opts, const char *name)
{
    Value *v = gen_option(opts, name);
    return v && v->kind == VAL_IDENT && strcmp(v->s, "true") == 0;
}

/* An option part names the extension as written: "pb_c_file", ".pb_c_file". */
static bool is_ext(const OptionNamePart *part, const char *ext)
{
    const char *n = part->name;
    if (n[0] == '.')
        n++;
    return part->is_extension && strcmp(n, ext) == 0;
}

Value *gen_pbc_option(const OptionVec *opts, const char *ext, const char *name)
{
    Value *found = NULL;
    for (size_t i = 0; i < opts->len; i++) {
        Option *o = opts->items[i];
        if (o->name.len == 0 || !is_ext(&o->name.items[0], ext))
            continue;
        if (o->name.len == 2 && !o->name.items[1].is_extension &&
            strcmp(o->name.items[1].name, name) == 0)
            found = o->value;
        else if (o->name.len == 1 && o->value && o->value->kind == VAL_AGGREGATE)
            for (size_t k = 0; k < o->value->entries.len; k++) {
                AggEntry *e = o->value->entries.items[k];
                if (!e->is_extension && strcmp(e->name, name) == 0)
                    found = e->value;
            }
    }
    return found;
}

bool gen_pbc_true(const OptionVec *opts, const char *ext, const char *name)
{
    Value *v = gen_pbc_option(opts, ext, name);
    return v && v->kind == VAL_IDENT && strcmp(v->s, "true") == 0;
}

const char *gen_c_package(const File *f)
{
    Value *v = gen_pbc_option(&f->options, "pb_c_file", "c_package");
    return v && v->kind == VAL_STRING ? v->s : NULL;
}

bool gen_no_generate(const File *f)
{
    return gen_pbc_true(&f->options, "pb_c_file", "no_generate");
}

const char *gen_base_field(const Message *m)
{
    Value *v = gen_pbc_option(&m->options, "pb_c_msg", "base_field_name");
    return v && v->kind == VAL_STRING && v->s[0] ? v->s : "base";
}

/* ---- fields ---- */

bool gen_field_included(const Field *f)
{
    return f->type != TYPE_GROUP && !f->extend;
}

Oneof *gen_field_oneof(const Field *f)
{
    if (!f->oneof || f->oneof->synthetic || gen_field_proto3_optional(f))
        return NULL;
    return f->oneof;
}

bool gen_field_is_map(const Field *f)
{
    return f->is_map;
}

FieldType gen_field_type(const Field *f)
{
    if (gen_field_is_map(f))
        return TYPE_MESSAGE;
    /* (pb_c_field).string_as_bytes: a string carried as ProtobufCBinaryData. */
    if (f->type == TYPE_STRING && f->options.len &&
        gen_pbc_true(&f->options, "pb_c_field", "string_as_bytes"))
        return TYPE_BYTES;
    return f->type;
}

Message *gen_field_message(const Field *f)
{
    return gen_field_is_map(f) ? f->map_entry : f->msg_type;
}

Value *gen_field_default(const Field *f)
{
    if (gen_field_is_map(f) || f->label == LABEL_REPEATED)
        return NULL;
    return gen_option(&f->options, "default");
}

bool gen_field_proto3_optional(const Field *f)
{
    /* Map entry fields are never proto3 `optional`, whatever a resolver
     * marks: protoc gives them plain singular semantics. */
    return f->proto3_optional && !(f->parent && f->parent->is_map_entry);
}

CLabel gen_field_label(bool proto3, const Field *f)
{
    if (gen_field_is_map(f) || f->label == LABEL_REPEATED)
        return CLABEL_REPEATED;
    if (f->label == LABEL_REQUIRED)
        return CLABEL_REQUIRED;
    if (proto3 && !gen_field_proto3_optional(f))
        return CLABEL_NONE;
    return CLABEL_OPTIONAL;
}

bool gen_field_has_flag(bool proto3, const Field *f)
{
    if (gen_field_label(proto3, f) != CLABEL_OPTIONAL || gen_field_oneof(f))
        return false;
    FieldType t = gen_field_type(f);
    return t != TYPE_STRING && t != TYPE_MESSAGE;
}

/* ---- nested messages ---- */

typedef struct Placed {
    Message *m;
    Loc loc;
    size_t seq;
} Placed;

static int by_place(const void *pa, const void *pb)
{
    const Placed *a = pa, *b = pb;
    if (a->loc.line != b->loc.line)
        return a->loc.line < b->loc.line ? -1 : 1;
    if (a->loc.col != b->loc.col)
        return a->loc.col < b->loc.col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

MessageVec gen_nested_messages(Arena *a, const Message *m)
{
    MessageVec out = { 0 };
    bool added = false;
    for (size_t i = 0; i < m->messages.len; i++)
        VEC_PUSH(a, &out, m->messages.items[i]);
    /* Map entries the resolver did not list among the nested messages. */
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *f = m->fields.items[i];
        if (!f->is_map || !f->map_entry)
            continue;
        bool listed = false;
        for (size_t k = 0; k < m->messages.len && !listed; k++)
            listed = m->messages.items[k] == f->map_entry;
        if (!listed) {
            VEC_PUSH(a, &out, f->map_entry);
            added = true;
        }
    }
    if (!added)
        return out;
    /* protoc lists them where they are declared: order by source position
     * (a map entry sits at its field). */
    Placed *p = calloc(out.len, sizeof *p);
    if (!p)
        abort();
    for (size_t i = 0; i < out.len; i++) {
        p[i].m = out.items[i];
        p[i].loc = out.items[i]->loc;
        p[i].seq = i;
        for (size_t k = 0; k < m->fields.len; k++)
            if (m->fields.items[k]->is_map && m->fields.items[k]->map_entry == out.items[i])
                p[i].loc = m->fields.items[k]->loc;
    }
    qsort(p, out.len, sizeof *p, by_place);
    for (size_t i = 0; i < out.len; i++)
        out.items[i] = p[i].m;
    free(p);
    return out;
}
