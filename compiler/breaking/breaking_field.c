/*
 * breaking_field.c — what one field number means, old and new.
 *
 * A field is identified on the wire by its number, so the old and new
 * fields with one number are compared: name (the C member and the JSON
 * name), type (the C member's type; the message says whether old readers
 * can still parse the bytes), label and presence, oneof membership, JSON
 * name and proto2 default. A number with no new field is a removal, safe
 * only when both the number and the name are reserved. Reservations
 * themselves must survive, or a later edit can reuse a number old data
 * still carries.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

/* ---------------------------------------------------------------- types */

/* A named type as the file being compared sees it: the full name without
 * that file's package when the type lives in the same package, so moving
 * the whole file to a new package is reported once, not at every field. */
const char *brk_type_key(Cmp *c, const char *full_name, const File *def, const File *side)
{
    if (!full_name)
        return "?";
    const char *pkg = def ? def->package : NULL;
    if (pkg && side->package && strcmp(pkg, side->package) == 0) {
        size_t n = strlen(pkg);
        if (strncmp(full_name, pkg, n) == 0 && full_name[n] == '.')
            return full_name + n + 1;
    }
    return arena_printf(c->arena, ".%s", full_name);
}

static const char *field_type_key(Cmp *c, const Field *fd, const File *side)
{
    if ((fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP) && fd->msg_type)
        return brk_type_key(c, fd->msg_type->full_name, fd->msg_type->file, side);
    if (fd->type == TYPE_ENUM && fd->enum_type)
        return brk_type_key(c, fd->enum_type->full_name, fd->enum_type->file, side);
    return ast_type_name(fd->type);
}

/* How a type reads in a message: "int32", "message 'Foo'", "enum 'Bar'". */
static const char *field_type_text(Cmp *c, const Field *fd, const File *side)
{
    const char *key = field_type_key(c, fd, side);
    switch (fd->type) {
    case TYPE_MESSAGE: return arena_printf(c->arena, "message '%s'", key);
    case TYPE_GROUP: return arena_printf(c->arena, "group '%s'", key);
    case TYPE_ENUM: return arena_printf(c->arena, "enum '%s'", key);
    default: return key;
    }
}

/* The wire encodings protobuf lets a field switch between: old readers
 * parse the new bytes (values may be truncated or reinterpreted, which is
 * the price protobuf documents). Strings and bytes share one encoding, and
 * so do bytes and embedded messages. */
static int wire_group(FieldType t)
{
    switch (t) {
    case TYPE_INT32:
    case TYPE_UINT32:
    case TYPE_INT64:
    case TYPE_UINT64:
    case TYPE_BOOL:
    case TYPE_ENUM: return 1;
    case TYPE_SINT32:
    case TYPE_SINT64: return 2;
    case TYPE_FIXED32:
    case TYPE_SFIXED32: return 3;
    case TYPE_FIXED64:
    case TYPE_SFIXED64: return 4;
    case TYPE_STRING:
    case TYPE_BYTES: return 5;
    case TYPE_NONE:
    case TYPE_DOUBLE:
    case TYPE_FLOAT:
    case TYPE_GROUP:
    case TYPE_MESSAGE: return 0;
    }
    return 0;
}

static bool wire_compatible(FieldType a, FieldType b)
{
    if ((a == TYPE_BYTES && b == TYPE_MESSAGE) || (a == TYPE_MESSAGE && b == TYPE_BYTES))
        return true;
    return a == b || (wire_group(a) != 0 && wire_group(a) == wire_group(b));
}

/* ------------------------------------------------------------- reserved */

bool brk_range_has(const RangeVec *ranges, int64_t n)
{
    for (size_t i = 0; i < ranges->len; i++)
        if (ranges->items[i].start <= n && n <= ranges->items[i].end)
            return true;
    return false;
}

bool brk_name_reserved(const ReservedNameVec *names, const char *name)
{
    for (size_t i = 0; i < names->len; i++)
        if (strcmp(names->items[i].name, name) == 0)
            return true;
    return false;
}

/* The first number of [start, end] that no range in `ranges` covers, or
 * false when the ranges cover all of it. Ranges may overlap and come in
 * any order; each step jumps past a whole covering range. */
bool brk_first_uncovered(const RangeVec *ranges, int64_t start, int64_t end, int64_t *out)
{
    int64_t pos = start;
    while (pos <= end) {
        const Range *cover = NULL;
        for (size_t i = 0; i < ranges->len && !cover; i++)
            if (ranges->items[i].start <= pos && pos <= ranges->items[i].end)
                cover = &ranges->items[i];
        if (!cover) {
            *out = pos;
            return true;
        }
        if (cover->end >= end)
            return false;
        pos = cover->end + 1;
    }
    return false;
}

const char *brk_range_text(Cmp *c, const Range *rg)
{
    if (rg->start == rg->end)
        return arena_printf(c->arena, "%" PRId64, rg->start);
    return arena_printf(c->arena, "%" PRId64 " to %" PRId64, rg->start, rg->end);
}

/* -------------------------------------------------------------- options */

/* The value of a plain option (`name = value`, no extension parts), or NULL. */
const Value *brk_plain_option(const OptionVec *opts, const char *name)
{
    const Value *found = NULL;
    for (size_t i = 0; i < opts->len; i++) {
        const Option *o = opts->items[i];
        if (o->name.len == 1 && !o->name.items[0].is_extension &&
            strcmp(o->name.items[0].name, name) == 0)
            found = o->value;
    }
    return found;
}

static bool same_value(const Value *a, const Value *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case VAL_IDENT: return strcmp(a->s, b->s) == 0;
    case VAL_STRING: return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case VAL_INT: return a->u == b->u && a->negative == b->negative;
    case VAL_FLOAT: return a->d == b->d;
    case VAL_AGGREGATE:
    case VAL_LIST: return false; /* never the value of the options compared here */
    }
    return false;
}

/* An identifier option (`idempotency_level = NO_SIDE_EFFECTS`) as text,
 * with `absent` when it is not set. */
const char *brk_ident_option(const OptionVec *opts, const char *name, const char *absent)
{
    const Value *v = brk_plain_option(opts, name);
    return v && v->kind == VAL_IDENT ? v->s : absent;
}

/* ---------------------------------------------------------------- fields */

Field *brk_field_by_number(const Message *m, int64_t number)
{
    for (size_t i = 0; i < m->fields.len; i++)
        if (m->fields.items[i]->number == number)
            return m->fields.items[i];
    return NULL;
}

static Field *field_by_name(const Message *m, const char *name)
{
    for (size_t i = 0; i < m->fields.len; i++)
        if (strcmp(m->fields.items[i]->name, name) == 0)
            return m->fields.items[i];
    return NULL;
}

static const char *label_text(const Field *fd)
{
    switch (fd->label) {
    case LABEL_REPEATED: return "repeated";
    case LABEL_REQUIRED: return "required";
    case LABEL_OPTIONAL: return "optional";
    case LABEL_NONE: return "singular";
    }
    return "?";
}

static const char *real_oneof(const Field *fd)
{
    return fd->oneof && !fd->oneof->synthetic ? fd->oneof->name : NULL;
}

static void compare_map_part(Cmp *c, const Field *fo, const Field *fn, size_t k, const char *what)
{
    const Field *po = fo->map_entry->fields.items[k];
    const Field *pn = fn->map_entry->fields.items[k];
    const char *to = field_type_text(c, po, c->old_file);
    const char *tn = field_type_text(c, pn, c->new_file);
    if (strcmp(to, tn) == 0)
        return;
    brk_error(c, pn->loc, "%s type of map field '%s' changed from %s to %s", what, fn->name, to,
              tn);
    brk_note(c, po->loc, "it was %s here", to);
}

/* The type of one field number: scalars, named types and maps. Every change
 * breaks the generated C API (the member's type changes); the message says
 * whether old readers can still parse the new bytes. */
static void compare_field_type(Cmp *c, const Field *fo, const Field *fn)
{
    bool map_o = fo->is_map && fo->map_entry, map_n = fn->is_map && fn->map_entry;
    if (map_o && map_n) {
        compare_map_part(c, fo, fn, 0, "key");
        compare_map_part(c, fo, fn, 1, "value");
        return;
    }
    if (map_o || map_n) {
        brk_error(c, fn->type_loc, "field '%s' changed from %s to %s", fn->name,
                  map_o ? "a map" : field_type_text(c, fo, c->old_file),
                  map_n ? "a map" : field_type_text(c, fn, c->new_file));
        brk_note(c, fo->type_loc, "it was declared here");
        return;
    }
    const char *to = field_type_text(c, fo, c->old_file);
    const char *tn = field_type_text(c, fn, c->new_file);
    if (strcmp(to, tn) == 0)
        return;
    const char *why = " (wire-incompatible)";
    if (fo->type == TYPE_ENUM && fn->type == TYPE_ENUM)
        why = " (the wire encoding is compatible, but the numbers mean other values and the "
              "generated C type changes)";
    else if (wire_compatible(fo->type, fn->type) &&
             !(fo->type == TYPE_MESSAGE && fn->type == TYPE_MESSAGE))
        why = " (the wire encoding is compatible, but the generated C type changes)";
    brk_error(c, fn->type_loc, "type of field '%s' (number %" PRId64 ") changed from %s to %s%s",
              fn->name, fn->number, to, tn, why);
    brk_note(c, fo->type_loc, "it was %s here", to);
}

/* Presence and cardinality: repeated, required, optional, singular, proto3
 * `optional` and oneof membership. */
static void compare_field_shape(Cmp *c, const Field *fo, const Field *fn)
{
    const char *oo = real_oneof(fo), *on = real_oneof(fn);
    Loc at_n = fn->label_loc.src ? fn->label_loc : fn->loc;
    Loc at_o = fo->label_loc.src ? fo->label_loc : fo->loc;
    /* A oneof member has no label; moving into or out of one is reported
     * below. Labels are compared as written, so proto2 `optional` and
     * proto3 `optional` (both explicit presence) are the same. */
    if (!oo && !on && fo->label != fn->label) {
        if (fo->proto3_optional != fn->proto3_optional) {
            brk_error(c, at_n,
                      "proto3 'optional' was %s field '%s' (presence tracking and the "
                      "generated C member 'has_%s' change)",
                      fn->proto3_optional ? "added to" : "removed from", fn->name, fn->name);
            brk_note(c, at_o, "it was %s here", fo->proto3_optional ? "optional" : "not optional");
        } else {
            brk_error(c, at_n, "label of field '%s' changed from '%s' to '%s'", fn->name,
                      label_text(fo), label_text(fn));
            brk_note(c, at_o, "it was '%s' here", label_text(fo));
        }
    }
    if (oo && on && strcmp(oo, on) != 0) {
        brk_error(c, fn->loc, "field '%s' moved from oneof '%s' to oneof '%s'", fn->name, oo, on);
        brk_note(c, fo->loc, "it was in oneof '%s' here", oo);
    } else if (!oo != !on) {
        if (on) {
            brk_error(c, fn->loc, "field '%s' moved into oneof '%s'", fn->name, on);
            brk_note(c, fo->loc, "it was outside any oneof here");
        } else {
            brk_error(c, fn->loc, "field '%s' moved out of oneof '%s'", fn->name, oo);
            brk_note(c, fo->loc, "it was in oneof '%s' here", oo);
        }
    }
}

void brk_compare_field(Cmp *c, const Field *fo, const Field *fn)
{
    if (strcmp(fo->name, fn->name) != 0) {
        brk_error(c, fn->name_loc,
                  "field %" PRId64 " was renamed from '%s' to '%s' (the generated C member and "
                  "the JSON name change)",
                  fn->number, fo->name, fn->name);
        brk_note(c, fo->name_loc, "it was named '%s' here", fo->name);
    } else if (fo->json_name && fn->json_name && strcmp(fo->json_name, fn->json_name) != 0) {
        brk_error(c, fn->loc, "JSON name of field '%s' changed from '%s' to '%s'", fn->name,
                  fo->json_name, fn->json_name);
        brk_note(c, fo->loc, "it was '%s' here", fo->json_name);
    }
    compare_field_type(c, fo, fn);
    compare_field_shape(c, fo, fn);
    /* A proto2 default is what old readers see when the field is absent. */
    const Value *dof = brk_plain_option(&fo->options, "default");
    const Value *dnf = brk_plain_option(&fn->options, "default");
    if (!same_value(dof, dnf)) {
        brk_error(c, dnf ? dnf->loc : fn->loc, "default value of field '%s' %s", fn->name,
                  !dnf  ? "was removed"
                  : dof ? "changed"
                        : "was added");
        brk_note(c, dof ? dof->loc : fo->loc, dof ? "it was set here" : "it had no default here");
    }
}

/* A field number that is gone: renumbered (its name now has another
 * number), removed with its number and name reserved (safe), or removed. */
void brk_field_gone(Cmp *c, const Message *mn, const Field *fo)
{
    Field *same_name = field_by_name(mn, fo->name);
    if (same_name) {
        brk_error(c, same_name->number_loc,
                  "field '%s' was renumbered from %" PRId64 " to %" PRId64, fo->name, fo->number,
                  same_name->number);
        brk_note(c, fo->number_loc, "it was number %" PRId64 " here", fo->number);
        return;
    }
    bool num = brk_range_has(&mn->reserved_ranges, fo->number);
    bool name = brk_name_reserved(&mn->reserved_names, fo->name);
    if (fo->label == LABEL_REQUIRED) {
        /* Reserving does not help: old readers still demand the field. */
        brk_error(c, mn->name_loc,
                  "required field '%s' (number %" PRId64 ") was removed from message '%s' (old "
                  "readers reject messages without it)",
                  fo->name, fo->number, mn->name);
        brk_note(c, fo->loc, "field '%s' was declared here", fo->name);
        return;
    }
    if (num && name)
        return;
    brk_error(c, mn->name_loc,
              "field '%s' (number %" PRId64 ") was removed from message '%s' without reserving %s",
              fo->name, fo->number, mn->name,
              !num && !name ? "its number and name"
              : !num        ? "its number"
                            : "its name");
    brk_note(c, fo->loc, "field '%s' was declared here", fo->name);
}

/* Reserved numbers and names must stay reserved: dropping a reservation
 * lets a later edit reuse a number old data still carries. */
void brk_compare_reserved(Cmp *c, const RangeVec *ro, const ReservedNameVec *no, const RangeVec *rn,
                          const ReservedNameVec *nn, Loc parent_loc, const char *kind,
                          const char *parent, const Message *user_msg, const Enum *user_enum)
{
    for (size_t i = 0; i < ro->len; i++) {
        const Range *rg = &ro->items[i];
        int64_t at;
        if (!brk_first_uncovered(rn, rg->start, rg->end, &at))
            continue;
        Loc loc = parent_loc;
        const char *user = NULL;
        if (user_msg) {
            Field *fd = brk_field_by_number(user_msg, at);
            if (fd) {
                loc = fd->number_loc;
                user = fd->name;
            }
        } else if (user_enum) {
            for (size_t k = 0; k < user_enum->values.len && !user; k++) {
                if (user_enum->values.items[k]->number == at) {
                    loc = user_enum->values.items[k]->number_loc;
                    user = user_enum->values.items[k]->name;
                }
            }
        }
        if (user)
            brk_error(c, loc, "'%s' reuses number %" PRId64 ", which %s '%s' reserved", user, at,
                      kind, parent);
        else
            brk_error(c, loc, "reserved number %" PRId64 " of %s '%s' is no longer reserved", at,
                      kind, parent);
        brk_note(c, rg->loc, "it was reserved here (reserved %s)", brk_range_text(c, rg));
    }
    for (size_t i = 0; i < no->len; i++) {
        const ReservedName *rname = &no->items[i];
        if (brk_name_reserved(nn, rname->name))
            continue;
        brk_error(c, parent_loc, "reserved name '%s' of %s '%s' is no longer reserved", rname->name,
                  kind, parent);
        brk_note(c, rname->loc, "it was reserved here");
    }
}
