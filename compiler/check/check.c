/*
 * check.c — the structural checks protoc makes on messages and enums.
 *
 * Three passes over a file. The parse pass (check_parse_file) makes the
 * checks protoc's own parser makes (labels on map and oneof fields, empty
 * oneofs, allow_alias misuse, number ranges, the syntax of defaults); a
 * file failing it goes no further. The build pass (check_build_file) runs
 * with the symbol table: field and extension numbers, reserved ranges and
 * names, extension ranges, enum values. The validate pass
 * (check_validate_file) runs last, only on a file that is otherwise clean,
 * as protoc's ValidateFileOptions does: the proto3 rules, map key and value
 * types, enum aliases, JSON-name clashes.
 *
 * Each error is placed where protoc places it (the number, the name, the
 * type, or the range), so a user comparing with protoc sees the same line.
 * Where protoc reports without any line we use the most useful location.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

/* --------------------------------------------------------------- helpers */

static void check_enum_prefix_clash(Resolver *r, Enum *e);

static bool is_message_set(const Message *m)
{
    return options_bool_set(&m->options, "message_set_wire_format");
}

/* Give `to max` its value: the largest field number, or for a MessageSet's
 * extension ranges the largest int32, as protoc does. */
static void normalize_ranges(Message *m)
{
    bool mset = is_message_set(m);
    for (size_t i = 0; i < m->extension_ranges.len; i++) {
        Range *rg = &m->extension_ranges.items[i];
        if (rg->end_is_max)
            rg->end = mset ? INT32_MAX : FIELD_NUMBER_MAX;
    }
    for (size_t i = 0; i < m->reserved_ranges.len; i++) {
        Range *rg = &m->reserved_ranges.items[i];
        if (rg->end_is_max)
            rg->end = FIELD_NUMBER_MAX;
    }
}

static bool overlap(const Range *a, const Range *b)
{
    return a->start <= b->end && b->start <= a->end;
}

/* Every pair of overlapping ranges in one list (reserved or extension
 * ranges), reported at the earlier of the two, as protoc does. */
static void check_range_overlaps(Resolver *r, const RangeVec *ranges, const char *what)
{
    for (size_t i = 0; i < ranges->len; i++) {
        const Range *a = &ranges->items[i];
        for (size_t j = i + 1; j < ranges->len; j++) {
            const Range *b = &ranges->items[j];
            if (overlap(a, b)) {
                rerror(r, a->loc,
                       "%s %" PRId64 " to %" PRId64 " overlaps %s %" PRId64 " to %" PRId64, what,
                       a->start, a->end, what, b->start, b->end);
                rnote(r, b->loc, "overlapping range is here");
            }
        }
    }
}

static bool is_identifier(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static void check_reserved_names(Resolver *r, const ReservedNameVec *names, Loc owner_loc,
                                 NameMap *set)
{
    for (size_t i = 0; i < names->len; i++) {
        const ReservedName *rn = &names->items[i];
        /* protoc only warns: such a name can never clash with anything. */
        if (!is_identifier(rn->name))
            rwarning(r, rn->loc, "reserved name '%s' is not a valid identifier", rn->name);
        const ReservedName *old = namemap_put(set, rn->name, strlen(rn->name), (void *)rn);
        if (old) {
            /* protoc points at the message or enum name for this one. */
            rerror(r, owner_loc, "name '%s' is reserved more than once", rn->name);
            rnote(r, rn->loc, "reserved again here");
            rnote(r, old->loc, "first reserved here");
        }
    }
}

/* ----------------------------------------------------------------- parse */

static Loc loc_after_block(Loc from);

static void parse_check_field(Resolver *r, File *f, Field *fd)
{
    if (fd->is_map) {
        if (fd->label != LABEL_NONE)
            rerror(r, fd->label_loc.src ? fd->label_loc : fd->loc,
                   "map fields cannot have a label");
        if (fd->oneof)
            rerror(r, fd->loc, "map fields cannot be in a oneof");
        if (fd->extend)
            rerror(r, fd->loc, "map fields cannot be extensions");
    } else if (fd->oneof && !fd->oneof->synthetic) {
        if (fd->label != LABEL_NONE)
            rerror(r, fd->label_loc, "fields in a oneof cannot have a label");
    } else if (f->syntax == SYNTAX_PROTO2 && fd->label == LABEL_NONE) {
        rerror(r, fd->type_loc.src ? fd->type_loc : fd->loc,
               "a field in a proto2 file needs a label: 'optional', 'required' or "
               "'repeated'");
    }
    if (fd->number > INT32_MAX)
        rerror(r, fd->number_loc, "field number %" PRId64 " is out of range", fd->number);
    if (f->syntax == SYNTAX_PROTO3 && fd->group)
        rerror(r, fd->type_loc.src ? fd->type_loc : fd->loc, "groups are not supported in proto3");
    options_check_pseudo_syntax(r, fd);
}

/* protoc's parser (ValidateEnum) insists that allow_alias be true and used. */
static void parse_check_enum(Resolver *r, Enum *e)
{
    for (size_t i = 0; i < e->values.len; i++) {
        EnumValue *v = e->values.items[i];
        if (v->number < INT32_MIN || v->number > INT32_MAX)
            rerror(r, v->number_loc, "enum value %" PRId64 " is out of range for int32", v->number);
    }
    const Option *alias = NULL;
    for (size_t i = 0; i < e->options.len; i++) {
        const Option *o = e->options.items[i];
        if (o->name.len == 1 && !o->name.items[0].is_extension &&
            strcmp(o->name.items[0].name, "allow_alias") == 0) {
            alias = o;
            break;
        }
    }
    if (!alias)
        return;
    const Value *v = alias->value;
    if (!(v && v->kind == VAL_IDENT && !v->negative && strcmp(v->s, "true") == 0)) {
        rerror(r, loc_after_block(e->loc),
               "enum '%s' sets allow_alias to something other than true, which has no "
               "effect",
               e->name);
        rnote(r, alias->loc, "remove this option");
        return;
    }
    NameMap numbers;
    namemap_init(&numbers, e->values.len);
    bool any_alias = false;
    for (size_t i = 0; i < e->values.len && !any_alias; i++) {
        EnumValue *ev = e->values.items[i];
        any_alias = namemap_put(&numbers, (const char *)&ev->number, sizeof ev->number, ev) != NULL;
    }
    namemap_free(&numbers);
    if (!any_alias) {
        rerror(r, loc_after_block(e->loc),
               "enum '%s' sets allow_alias but no two of its values share a number", e->name);
        rnote(r, alias->loc, "remove 'option allow_alias = true;'");
    }
}

static void parse_check_message(Resolver *r, File *f, Message *m)
{
    for (size_t i = 0; i < m->fields.len; i++)
        parse_check_field(r, f, m->fields.items[i]);
    for (size_t i = 0; i < m->oneofs.len; i++) {
        Oneof *o = m->oneofs.items[i];
        if (o->fields.len == 0)
            rerror(r, o->name_loc, "oneof '%s' must have at least one field", o->name);
    }
    for (size_t i = 0; i < m->extends.len; i++)
        for (size_t j = 0; j < m->extends.items[i]->fields.len; j++)
            parse_check_field(r, f, m->extends.items[i]->fields.items[j]);
    for (size_t i = 0; i < m->enums.len; i++)
        parse_check_enum(r, m->enums.items[i]);
    for (size_t i = 0; i < m->messages.len; i++)
        parse_check_message(r, f, m->messages.items[i]);
}

void check_parse_file(Resolver *r, File *f)
{
    for (size_t i = 0; i < f->imports.len; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(f->imports.items[i].path, f->imports.items[j].path) == 0) {
                rerror(r, f->imports.items[i].loc, "'%s' is imported twice",
                       f->imports.items[i].path);
                rnote(r, f->imports.items[j].loc, "first imported here");
                break;
            }
    for (size_t i = 0; i < f->messages.len; i++)
        parse_check_message(r, f, f->messages.items[i]);
    for (size_t i = 0; i < f->enums.len; i++)
        parse_check_enum(r, f->enums.items[i]);
    for (size_t i = 0; i < f->extends.len; i++)
        for (size_t j = 0; j < f->extends.items[i]->fields.len; j++)
            parse_check_field(r, f, f->extends.items[i]->fields.items[j]);
}

/* ----------------------------------------------------------------- build */

static void check_field_number(Resolver *r, const Field *fd)
{
    if (fd->number <= 0) {
        rerror(r, fd->number_loc, "field numbers must be positive integers");
    } else if (fd->number > FIELD_NUMBER_MAX) {
        /* An extension's bound is its extendee's extension ranges. */
        if (!fd->extend)
            rerror(r, fd->number_loc, "field number %" PRId64 " is too large; the maximum is %d",
                   fd->number, FIELD_NUMBER_MAX);
    } else if (fd->number >= FIELD_RESERVED_FIRST && fd->number <= FIELD_RESERVED_LAST) {
        rerror(r, fd->number_loc,
               "field numbers %d to %d are reserved for the protobuf implementation",
               FIELD_RESERVED_FIRST, FIELD_RESERVED_LAST);
    }
}

void check_build_field(Resolver *r, Field *fd)
{
    check_field_number(r, fd);
    if (fd->extend && fd->label == LABEL_REQUIRED)
        rerror(r, fd->type_loc, "extension '%s' cannot be required", fd->name);
}

/* protoc's BuildExtensionRange: give `to max` its value, then check the
 * range's numbers. */
void check_build_extension_ranges(Resolver *r, Message *m)
{
    normalize_ranges(m);
    for (size_t i = 0; i < m->extension_ranges.len; i++) {
        const Range *rg = &m->extension_ranges.items[i];
        if (rg->start <= 0)
            rerror(r, rg->loc, "extension numbers must be positive integers");
        else if (rg->end < rg->start)
            rerror(r, rg->loc, "extension range end %" PRId64 " is less than its start %" PRId64,
                   rg->end, rg->start);
    }
}

/* protoc's BuildReservedRange. It does not mind an inverted reserved range
 * in a message (it reserves nothing); only enums check the order. */
void check_build_reserved_ranges(Resolver *r, Message *m)
{
    for (size_t i = 0; i < m->reserved_ranges.len; i++) {
        const Range *rg = &m->reserved_ranges.items[i];
        if (rg->start <= 0)
            rerror(r, rg->loc, "reserved numbers must be positive integers");
    }
}

/* The checks protoc's BuildMessage makes once the message is built:
 * reserved names, fields against ranges and reserved names, overlaps. */
void check_build_message_post(Resolver *r, Message *m)
{
    NameMap reserved;
    namemap_init(&reserved, m->reserved_names.len);
    check_reserved_names(r, &m->reserved_names, m->name_loc, &reserved);

    for (size_t i = 0; i < m->fields.len; i++) {
        Field *fd = m->fields.items[i];
        for (size_t j = 0; j < m->extension_ranges.len; j++) {
            const Range *rg = &m->extension_ranges.items[j];
            if (rg->start <= fd->number && fd->number <= rg->end) {
                rerror(r, rg->loc,
                       "extension range %" PRId64 " to %" PRId64 " includes field '%s' (%" PRId64
                       ")",
                       rg->start, rg->end, fd->name, fd->number);
                rnote(r, fd->number_loc, "'%s' is declared here", fd->name);
            }
        }
        for (size_t j = 0; j < m->reserved_ranges.len; j++) {
            const Range *rg = &m->reserved_ranges.items[j];
            if (rg->start <= fd->number && fd->number <= rg->end) {
                rerror(r, fd->number_loc, "field '%s' uses reserved number %" PRId64, fd->name,
                       fd->number);
                rnote(r, rg->loc, "reserved here");
            }
        }
        const ReservedName *rn = namemap_get(&reserved, fd->name, strlen(fd->name));
        if (rn) {
            rerror(r, fd->name_loc, "field name '%s' is reserved", fd->name);
            rnote(r, rn->loc, "reserved here");
        }
    }
    namemap_free(&reserved);

    for (size_t i = 0; i < m->extension_ranges.len; i++) {
        const Range *a = &m->extension_ranges.items[i];
        for (size_t j = 0; j < m->reserved_ranges.len; j++) {
            const Range *b = &m->reserved_ranges.items[j];
            if (overlap(a, b)) {
                rerror(r, a->loc,
                       "extension range %" PRId64 " to %" PRId64 " overlaps reserved range %" PRId64
                       " to %" PRId64,
                       a->start, a->end, b->start, b->end);
                rnote(r, b->loc, "reserved here");
            }
        }
    }
    check_range_overlaps(r, &m->extension_ranges, "extension range");
    check_range_overlaps(r, &m->reserved_ranges, "reserved range");
}

void check_build_enum(Resolver *r, Enum *e)
{
    if (e->values.len == 0)
        rerror(r, e->name_loc, "enum '%s' must have at least one value", e->name);
    for (size_t i = 0; i < e->reserved_ranges.len; i++) {
        Range *rg = &e->reserved_ranges.items[i];
        if (rg->end_is_max)
            rg->end = INT32_MAX;
        if (rg->end < rg->start)
            rerror(r, rg->loc, "reserved range end %" PRId64 " is less than its start %" PRId64,
                   rg->end, rg->start);
        else if (rg->start < INT32_MIN || rg->end > INT32_MAX)
            rerror(r, rg->loc, "reserved enum numbers must fit in int32");
    }
    check_range_overlaps(r, &e->reserved_ranges, "reserved range");
    NameMap reserved;
    namemap_init(&reserved, e->reserved_names.len);
    check_reserved_names(r, &e->reserved_names, e->name_loc, &reserved);
    for (size_t i = 0; i < e->values.len; i++) {
        EnumValue *v = e->values.items[i];
        for (size_t j = 0; j < e->reserved_ranges.len; j++) {
            const Range *rg = &e->reserved_ranges.items[j];
            if (rg->start <= v->number && v->number <= rg->end) {
                rerror(r, v->number_loc, "enum value '%s' uses reserved number %" PRId64, v->name,
                       v->number);
                rnote(r, rg->loc, "reserved here");
            }
        }
        const ReservedName *rn = namemap_get(&reserved, v->name, strlen(v->name));
        if (rn) {
            rerror(r, v->name_loc, "enum value name '%s' is reserved", v->name);
            rnote(r, rn->loc, "reserved here");
        }
    }
    namemap_free(&reserved);
    check_enum_prefix_clash(r, e);
}

/* -------------------------------------------------------------- validate */

/* The token after the closing brace of the block that starts at `from`
 * (skipping strings and comments): where protoc reports a complaint about
 * an enum's options as a whole. */
static Loc loc_after_block(Loc from)
{
    const Source *src = from.src;
    if (!src)
        return from;
    /* Find the byte offset of `from`. */
    size_t pos = 0;
    int line = 1;
    while (pos < src->len && line < from.line) {
        if (src->text[pos++] == '\n')
            line++;
    }
    pos += (size_t)(from.col > 0 ? from.col - 1 : 0);
    int depth = 0;
    bool opened = false;
    const char *t = src->text;
    size_t n = src->len;
    while (pos < n) {
        char ch = t[pos];
        if (ch == '/' && pos + 1 < n && t[pos + 1] == '/') {
            while (pos < n && t[pos] != '\n')
                pos++;
            continue;
        }
        if (ch == '/' && pos + 1 < n && t[pos + 1] == '*') {
            pos += 2;
            while (pos + 1 < n && !(t[pos] == '*' && t[pos + 1] == '/'))
                pos++;
            pos += 2;
            continue;
        }
        if (ch == '"' || ch == '\'') {
            pos++;
            while (pos < n && t[pos] != ch && t[pos] != '\n') {
                if (t[pos] == '\\')
                    pos++;
                pos++;
            }
            pos++;
            continue;
        }
        pos++;
        if (ch == '{') {
            depth++;
            opened = true;
        } else if (ch == '}' && opened && --depth == 0) {
            break;
        }
    }
    /* Skip blanks and comments to the next token (or the end). */
    while (pos < n) {
        if (t[pos] == ' ' || t[pos] == '\t' || t[pos] == '\n' || t[pos] == '\r' || t[pos] == '\f' ||
            t[pos] == '\v') {
            pos++;
        } else if (t[pos] == '/' && pos + 1 < n && t[pos + 1] == '/') {
            while (pos < n && t[pos] != '\n')
                pos++;
        } else if (t[pos] == '/' && pos + 1 < n && t[pos + 1] == '*') {
            pos += 2;
            while (pos + 1 < n && !(t[pos] == '*' && t[pos + 1] == '/'))
                pos++;
            pos += 2;
        } else {
            break;
        }
    }
    if (pos > n)
        pos = n;
    Loc out = { src, 1, 1 };
    for (size_t i = 0; i < pos; i++) {
        if (t[i] == '\n') {
            out.line++;
            out.col = 1;
        } else {
            out.col++;
        }
    }
    return out;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* protoc's EnumValueToPascalCase-based check: value names must stay
 * distinct once the enum's name prefix is stripped and case and
 * underscores are ignored (an error in proto3, a warning in proto2). */
static char *enum_value_key(Arena *arena, const char *enum_name, const char *value)
{
    /* Strip the prefix: the enum name, compared ignoring case and '_'. */
    const char *p = value;
    const char *q = enum_name;
    while (*q) {
        while (*p == '_')
            p++;
        if (*q == '_') {
            q++;
            continue;
        }
        if (ascii_lower(*p) != ascii_lower(*q)) {
            p = value;
            break;
        }
        p++;
        q++;
    }
    if (!*q) {
        while (*p == '_')
            p++;
        if (!*p)
            p = value; /* nothing left: the prefix is the whole name */
    }
    /* Then PascalCase: capitalize after '_', lowercase the rest, drop '_'. */
    char *out = arena_alloc(arena, strlen(p) + 1);
    size_t j = 0;
    bool cap = true;
    for (; *p; p++) {
        if (*p == '_') {
            cap = true;
        } else if (cap) {
            out[j++] = (*p >= 'a' && *p <= 'z') ? (char)(*p - 'a' + 'A') : *p;
            cap = false;
        } else {
            out[j++] = ascii_lower(*p);
        }
    }
    out[j] = '\0';
    return out;
}

/* protoc's CheckEnumValueUniqueness (build phase): an error in proto3, a
 * warning in proto2. */
static void check_enum_prefix_clash(Resolver *r, Enum *e)
{
    NameMap keys;
    namemap_init(&keys, e->values.len);
    for (size_t i = 0; i < e->values.len; i++) {
        EnumValue *v = e->values.items[i];
        char *key = enum_value_key(r->arena, e->name, v->name);
        EnumValue *clash = namemap_put(&keys, key, strlen(key), v);
        if (!clash || clash->number == v->number || strcmp(clash->name, v->name) == 0)
            continue;
        if (e->file->syntax == SYNTAX_PROTO3)
            rerror(r, v->name_loc,
                   "enum value '%s' has the same name as '%s' once case and the enum name "
                   "prefix are ignored",
                   v->name, clash->name);
        else
            rwarning(r, v->name_loc,
                     "enum value '%s' has the same name as '%s' once case and the enum name "
                     "prefix are ignored",
                     v->name, clash->name);
        rnote(r, clash->name_loc, "'%s' is defined here", clash->name);
    }
    namemap_free(&keys);
}

/* protoc's ValidateEnumOptions: equal numbers need allow_alias. */
static void validate_enum(Resolver *r, Enum *e)
{
    if (options_bool_set(&e->options, "allow_alias"))
        return;
    NameMap numbers;
    namemap_init(&numbers, e->values.len);
    for (size_t i = 0; i < e->values.len; i++) {
        EnumValue *v = e->values.items[i];
        /* Key the number map by the number's bytes. */
        EnumValue *first = namemap_put(&numbers, (const char *)&v->number, sizeof v->number, v);
        if (first) {
            rerror(r, v->number_loc, "'%s' uses the same number (%" PRId64 ") as '%s'",
                   v->full_name, v->number, first->full_name);
            rnote(r, first->number_loc,
                  "set 'option allow_alias = true;' in the enum if this is meant");
        }
    }
    namemap_free(&numbers);
}

static void validate_proto3_enum(Resolver *r, Enum *e)
{
    if (e->values.len > 0 && e->values.items[0]->number != 0)
        rerror(r, e->values.items[0]->number_loc, "the first enum value must be zero in proto3");
}

static bool is_options_message(const char *full_name)
{
    static const char *const names[] = {
        "google.protobuf.FileOptions",           "google.protobuf.MessageOptions",
        "google.protobuf.FieldOptions",          "google.protobuf.EnumOptions",
        "google.protobuf.EnumValueOptions",      "google.protobuf.ServiceOptions",
        "google.protobuf.MethodOptions",         "google.protobuf.OneofOptions",
        "google.protobuf.ExtensionRangeOptions",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(full_name, names[i]) == 0)
            return true;
    return false;
}

static void validate_proto3_field(Resolver *r, Field *fd)
{
    if (fd->extend && fd->extend->extendee_msg &&
        !is_options_message(fd->extend->extendee_msg->full_name)) {
        rerror(r, fd->extend->extendee_loc,
               "proto3 files can extend only the google.protobuf.*Options messages, to "
               "define custom options");
    }
    if (fd->label == LABEL_REQUIRED)
        rerror(r, fd->type_loc, "required fields are not allowed in proto3");
    Option *def = options_field_pseudo(fd, "default");
    if (def)
        rerror(r, def->value ? def->value->loc : def->loc,
               "explicit default values are not allowed in proto3");
    if (fd->type == TYPE_ENUM && fd->enum_type && fd->enum_type->file->syntax != SYNTAX_PROTO3) {
        rerror(r, fd->type_loc,
               "enum '%s' is a proto2 (closed) enum and cannot be used in proto3 message "
               "'%s'",
               fd->enum_type->full_name,
               fd->extend ? (fd->extend->extendee_msg ? fd->extend->extendee_msg->full_name : "?")
                          : fd->parent->full_name);
        rnote(r, fd->enum_type->name_loc, "'%s' is defined here", fd->enum_type->full_name);
    }
    if (fd->type == TYPE_GROUP)
        rerror(r, fd->type_loc, "groups are not supported in proto3");
}

static bool map_key_ok(FieldType t)
{
    switch (t) {
    case TYPE_INT64:
    case TYPE_UINT64:
    case TYPE_INT32:
    case TYPE_FIXED64:
    case TYPE_FIXED32:
    case TYPE_BOOL:
    case TYPE_STRING:
    case TYPE_UINT32:
    case TYPE_SFIXED32:
    case TYPE_SFIXED64:
    case TYPE_SINT32:
    case TYPE_SINT64: return true;
    case TYPE_NONE:
    case TYPE_DOUBLE:
    case TYPE_FLOAT:
    case TYPE_GROUP:
    case TYPE_MESSAGE:
    case TYPE_BYTES:
    case TYPE_ENUM: return false;
    }
    return false;
}

/* protoc's ValidateMapEntry, for a field whose type is a map entry message
 * it did not come from: only a message shaped exactly like the one `map<>`
 * makes, used exactly like a map field, passes. */
static bool is_map_shaped(const Field *fd, const Message *e)
{
    if (fd->label != LABEL_REPEATED || fd->extend || e->messages.len || e->enums.len ||
        e->extends.len || e->extension_ranges.len || e->fields.len != 2 || e->parent != fd->parent)
        return false;
    /* The entry's name is the field's in CamelCase plus "Entry". */
    const char *p = fd->name;
    const char *q = e->name;
    bool cap = true;
    for (; *p; p++) {
        if (*p == '_') {
            cap = true;
            continue;
        }
        char want = cap && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        cap = false;
        if (*q++ != want)
            return false;
    }
    if (strcmp(q, "Entry") != 0)
        return false;
    const Field *k = e->fields.items[0];
    const Field *v = e->fields.items[1];
    return k->label == LABEL_OPTIONAL && k->number == 1 && strcmp(k->name, "key") == 0 &&
           v->label == LABEL_OPTIONAL && v->number == 2 && strcmp(v->name, "value") == 0;
}

static void validate_map_entry_use(Resolver *r, Field *fd)
{
    const Message *e = fd->msg_type;
    if (fd->map_entry || !e || fd->type != TYPE_MESSAGE)
        return;
    if (!e->is_map_entry && !options_bool_set(&e->options, "map_entry"))
        return;
    if (!is_map_shaped(fd, e))
        rerror(r, fd->type_loc,
               "'%s' is a map entry message; declare a map field with map<K, V> instead "
               "of using it (or setting map_entry) directly",
               e->full_name);
}

static void validate_map_field(Resolver *r, Field *fd)
{
    Message *e = fd->map_entry;
    Field *key = e->fields.items[0];
    Field *value = e->fields.items[1];
    if (!map_key_ok(key->type)) {
        if (key->type == TYPE_ENUM)
            rerror(r, fd->loc, "map keys cannot be enums");
        else
            rerror(r, fd->loc, "map keys must be integral or string types, not %s",
                   key->type_name ? key->type_name : ast_type_name(key->type));
    }
    if (value->type == TYPE_ENUM && value->enum_type && value->enum_type->values.len > 0 &&
        value->enum_type->values.items[0]->number != 0) {
        rerror(r, fd->loc, "enum '%s' used as a map value must define 0 as its first value",
               value->enum_type->full_name);
        rnote(r, value->enum_type->values.items[0]->number_loc, "first value is here");
    }
}

/* proto3: field names must stay distinct once lowercased without '_'
 * (protoc 3.21's stand-in for comparing JSON names). */
static void check_json_names(Resolver *r, Message *m)
{
    NameMap names;
    namemap_init(&names, m->fields.len);
    /* One buffer holds every key: they must outlive the loop. */
    size_t total = 0;
    for (size_t i = 0; i < m->fields.len; i++)
        total += strlen(m->fields.items[i]->name) + 1;
    char *keys = arena_alloc(r->arena, total ? total : 1);
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *fd = m->fields.items[i];
        size_t len = strlen(fd->name);
        char *key = keys;
        keys += len + 1;
        size_t j = 0;
        for (size_t k = 0; k < len; k++)
            if (fd->name[k] != '_')
                key[j++] = ascii_lower(fd->name[k]);
        key[j] = '\0';
        Field *old = namemap_put(&names, key, j, fd);
        if (old) {
            rerror(r, fd->name_loc,
                   "the JSON name of field '%s' clashes with that of field '%s' (proto3 "
                   "compares field names ignoring case and underscores)",
                   fd->name, old->name);
            rnote(r, old->name_loc, "'%s' is declared here", old->name);
        }
    }
    namemap_free(&names);
}

/* protoc's ValidateFieldOptions, in its order. */
static void validate_field(Resolver *r, Field *fd)
{
    options_validate_field(r, fd);
    if (fd->map_entry)
        validate_map_field(r, fd);
    validate_map_entry_use(r, fd);
}

/* protoc's ValidateMessageOptions: fields, nested messages, enums,
 * extensions, then the extension ranges' bound. */
static void validate_message(Resolver *r, Message *m)
{
    for (size_t i = 0; i < m->fields.len; i++)
        validate_field(r, m->fields.items[i]);
    for (size_t i = 0; i < m->messages.len; i++)
        validate_message(r, m->messages.items[i]);
    for (size_t i = 0; i < m->enums.len; i++)
        validate_enum(r, m->enums.items[i]);
    for (size_t i = 0; i < m->extends.len; i++)
        for (size_t j = 0; j < m->extends.items[i]->fields.len; j++)
            validate_field(r, m->extends.items[i]->fields.items[j]);
    int64_t max = is_message_set(m) ? INT32_MAX : FIELD_NUMBER_MAX;
    for (size_t i = 0; i < m->extension_ranges.len; i++) {
        const Range *rg = &m->extension_ranges.items[i];
        if (rg->end > max)
            rerror(r, rg->loc, "extension numbers cannot be greater than %" PRId64, max);
    }
}

/* protoc's ValidateProto3Message: nested messages, enums, fields,
 * extensions, then the message itself. */
static void validate_proto3_message(Resolver *r, Message *m)
{
    for (size_t i = 0; i < m->messages.len; i++)
        validate_proto3_message(r, m->messages.items[i]);
    for (size_t i = 0; i < m->enums.len; i++)
        validate_proto3_enum(r, m->enums.items[i]);
    for (size_t i = 0; i < m->fields.len; i++)
        validate_proto3_field(r, m->fields.items[i]);
    for (size_t i = 0; i < m->extends.len; i++)
        for (size_t j = 0; j < m->extends.items[i]->fields.len; j++)
            validate_proto3_field(r, m->extends.items[i]->fields.items[j]);
    if (m->extension_ranges.len > 0)
        rerror(r, m->extension_ranges.items[0].loc, "extension ranges are not allowed in proto3");
    if (is_message_set(m))
        rerror(r, m->name_loc, "message set wire format is not supported in proto3");
    check_json_names(r, m);
}

void check_validate_file(Resolver *r, File *f)
{
    int before = r->diag->errors;
    for (size_t i = 0; i < f->messages.len; i++)
        validate_message(r, f->messages.items[i]);
    for (size_t i = 0; i < f->enums.len; i++)
        validate_enum(r, f->enums.items[i]);
    for (size_t i = 0; i < f->extends.len; i++)
        for (size_t j = 0; j < f->extends.items[i]->fields.len; j++)
            validate_field(r, f->extends.items[i]->fields.items[j]);
    /* protoc checks the proto3 rules after everything else, so they wait
     * for a clean file (keeping protoc's first error first). */
    if (f->syntax != SYNTAX_PROTO3 || r->diag->errors != before)
        return;
    for (size_t i = 0; i < f->extends.len; i++)
        for (size_t j = 0; j < f->extends.items[i]->fields.len; j++)
            validate_proto3_field(r, f->extends.items[i]->fields.items[j]);
    for (size_t i = 0; i < f->messages.len; i++)
        validate_proto3_message(r, f->messages.items[i]);
    for (size_t i = 0; i < f->enums.len; i++)
        validate_proto3_enum(r, f->enums.items[i]);
}
