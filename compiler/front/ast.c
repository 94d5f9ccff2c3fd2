/*
 * ast.c — node builders for the grammar, and the scalar type name table.
 *
 * Grammar actions in grammar/proto.y do nothing but call these helpers, so the
 * grammar reads as grammar. The helpers only record what the text says: every
 * name, number and rule is checked later by the resolver. The few errors
 * reported here are the ones protoc's own parser reports and that the model
 * cannot carry to a later stage (a second `package`, an unknown `syntax`, a
 * number too large for its place, a proto2 field without a label, a field's
 * `default` or `json_name` written as { ... }, a default on a group).
 *
 * Declarations are attached top-down: opening a message, enum, oneof, extend,
 * service, rpc body or aggregate value pushes a Block on the parse state, and
 * the statements inside attach to the innermost block, so parent pointers are
 * known as each node is made.
 */
#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "internal.h"

/* ---- scalar types ---- */

static const struct {
    const char *name;
    FieldType type;
} scalar_names[] = {
    { "double", TYPE_DOUBLE },     { "float", TYPE_FLOAT },   { "int64", TYPE_INT64 },
    { "uint64", TYPE_UINT64 },     { "int32", TYPE_INT32 },   { "fixed64", TYPE_FIXED64 },
    { "fixed32", TYPE_FIXED32 },   { "bool", TYPE_BOOL },     { "string", TYPE_STRING },
    { "bytes", TYPE_BYTES },       { "uint32", TYPE_UINT32 }, { "sfixed32", TYPE_SFIXED32 },
    { "sfixed64", TYPE_SFIXED64 }, { "sint32", TYPE_SINT32 }, { "sint64", TYPE_SINT64 },
};

FieldType ast_scalar_type(const char *name)
{
    if (!name)
        return TYPE_NONE;
    for (size_t i = 0; i < sizeof scalar_names / sizeof scalar_names[0]; i++)
        if (strcmp(name, scalar_names[i].name) == 0)
            return scalar_names[i].type;
    return TYPE_NONE;
}

const char *ast_type_name(FieldType type)
{
    switch (type) {
    case TYPE_NONE: return "none";
    case TYPE_GROUP: return "group";
    case TYPE_MESSAGE: return "message";
    case TYPE_ENUM: return "enum";
    case TYPE_DOUBLE:
    case TYPE_FLOAT:
    case TYPE_INT64:
    case TYPE_UINT64:
    case TYPE_INT32:
    case TYPE_FIXED64:
    case TYPE_FIXED32:
    case TYPE_BOOL:
    case TYPE_STRING:
    case TYPE_BYTES:
    case TYPE_UINT32:
    case TYPE_SFIXED32:
    case TYPE_SFIXED64:
    case TYPE_SINT32:
    case TYPE_SINT64:
        for (size_t i = 0; i < sizeof scalar_names / sizeof scalar_names[0]; i++)
            if (scalar_names[i].type == type)
                return scalar_names[i].name;
        break;
    }
    return "?";
}

/* ---- errors ---- */

void parse_error(ParseState *ps, Loc loc, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_error(ps->diag, loc, "%s", buf);
    ps->file->parse_failed = true;
}

/* ---- strings and names ---- */

StrLit ast_strlit_join(ParseState *ps, StrLit a, StrLit b)
{
    if (a.len + b.len + 1 > a.cap) {
        size_t cap = a.cap ? a.cap : 16;
        while (cap < a.len + b.len + 1)
            cap *= 2;
        char *s = arena_alloc(ps->arena, cap);
        memcpy(s, a.s, a.len);
        a.s = s;
        a.cap = cap;
    }
    memcpy(a.s + a.len, b.s, b.len);
    a.len += b.len;
    a.s[a.len] = '\0';
    return a;
}

char *ast_name_join(ParseState *ps, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = arena_alloc(ps->arena, la + lb + 2);
    memcpy(s, a, la);
    s[la] = '.';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

char *ast_name_absolute(ParseState *ps, const char *name)
{
    return arena_printf(ps->arena, ".%s", name);
}

char *ast_type_url_join(ParseState *ps, const char *a, const char *b)
{
    return arena_printf(ps->arena, "%s/%s", a, b);
}

char *ast_keyword_name(ParseState *ps, const char *kw)
{
    return arena_strdup(ps->arena, kw);
}

/* Field numbers, range bounds and enum values are 32-bit in protoc's parser,
 * which rejects anything wider on the spot; narrower rules (1 to 2^29 - 1 for
 * field numbers, ...) are the checker's. */
int64_t ast_int_to_i32(ParseState *ps, uint64_t u, bool negative, Loc loc)
{
    /* A literal the scanner already reported as too large: don't repeat it. */
    bool reported = u == UINT64_MAX && ps->overflow_loc.line == loc.line &&
                    ps->overflow_loc.col == loc.col;
    if (negative) {
        if (u > (uint64_t)INT32_MAX + 1) {
            if (!reported)
                parse_error(ps, loc, "number -%llu is out of range (the limit is -2147483648)",
                            (unsigned long long)u);
            return INT32_MIN;
        }
        return -(int64_t)u;
    }
    if (u > (uint64_t)INT32_MAX) {
        if (!reported)
            parse_error(ps, loc, "number %llu is out of range (the limit is 2147483647)",
                        (unsigned long long)u);
        return INT32_MAX;
    }
    return (int64_t)u;
}

/* ---- blocks ---- */

Block *ast_block_push(ParseState *ps, BlockKind kind, Loc loc, const char *name)
{
    Block b;
    memset(&b, 0, sizeof b);
    b.kind = kind;
    b.loc = loc;
    b.name = name;
    VEC_PUSH(ps->arena, &ps->blocks, b);
    return &ps->blocks.items[ps->blocks.len - 1];
}

void ast_block_pop(ParseState *ps)
{
    assert(ps->blocks.len > 0);
    ps->blocks.len--;
}

Block *ast_block_top(ParseState *ps)
{
    return ps->blocks.len ? &ps->blocks.items[ps->blocks.len - 1] : NULL;
}

Message *ast_current_message(ParseState *ps)
{
    for (size_t i = ps->blocks.len; i-- > 0;) {
        Block *b = &ps->blocks.items[i];
        if (b->kind == BLOCK_MESSAGE || b->kind == BLOCK_GROUP)
            return b->u.msg;
    }
    return NULL;
}

/* ---- file ---- */

void ast_file_set_syntax(ParseState *ps, Loc loc, StrLit s, Loc str_loc)
{
    File *f = ps->file;
    f->syntax_written = true;
    f->syntax_loc = loc;
    if (s.len == 6 && memcmp(s.s, "proto2", 6) == 0)
        f->syntax = SYNTAX_PROTO2;
    else if (s.len == 6 && memcmp(s.s, "proto3", 6) == 0)
        f->syntax = SYNTAX_PROTO3;
    else
        parse_error(ps, str_loc, "unknown syntax \"%.*s\": expected \"proto2\" or \"proto3\"",
                    (int)(s.len > 64 ? 64 : s.len), s.s);
}

void ast_file_set_package(ParseState *ps, Loc loc, char *name, Loc name_loc)
{
    File *f = ps->file;
    if (f->package) {
        parse_error(ps, loc, "a file can have only one package statement");
        diag_note(ps->diag, f->package_loc, "the package was already set here");
        return;
    }
    (void)name_loc;
    f->package = name;
    f->package_loc = loc;
}

void ast_file_add_import(ParseState *ps, Loc loc, ImportKind kind, StrLit path, Loc path_loc)
{
    Import imp;
    memset(&imp, 0, sizeof imp);
    imp.loc = loc;
    imp.path = path.s;
    imp.path_loc = path_loc;
    imp.kind = kind;
    VEC_PUSH(ps->arena, &ps->file->imports, imp);
}

void ast_file_add_option(ParseState *ps, Option *opt)
{
    VEC_PUSH(ps->arena, &ps->file->options, opt);
}

/* ---- messages and groups ---- */

static Message *new_message(ParseState *ps, Loc loc, char *name, Loc name_loc)
{
    Message *m = arena_alloc(ps->arena, sizeof *m);
    m->loc = loc;
    m->name = name;
    m->name_loc = name_loc;
    m->parent = ast_current_message(ps);
    m->file = ps->file;
    return m;
}

/* Add a finished message or group body to the enclosing message or file. */
static void attach_message(ParseState *ps, Message *m)
{
    Message *parent = ast_current_message(ps);
    if (parent)
        VEC_PUSH(ps->arena, &parent->messages, m);
    else
        VEC_PUSH(ps->arena, &ps->file->messages, m);
}

/* protoc refuses messages (and groups, which are messages) nested 32 deep;
 * a file it rejects must not be one we accept. */
#define MAX_MESSAGE_NESTING 31

static void check_message_nesting(ParseState *ps, Loc loc)
{
    size_t depth = 0;
    for (size_t i = 0; i < ps->blocks.len; i++)
        if (ps->blocks.items[i].kind == BLOCK_MESSAGE || ps->blocks.items[i].kind == BLOCK_GROUP)
            depth++;
    if (depth > MAX_MESSAGE_NESTING && !ps->message_depth_reported) {
        ps->message_depth_reported = true;
        parse_error(ps, loc, "messages nested more than %d deep", MAX_MESSAGE_NESTING);
    }
}

void ast_message_open(ParseState *ps, Loc loc, char *name, Loc name_loc)
{
    Message *m = new_message(ps, loc, name, name_loc);
    Block *b = ast_block_push(ps, BLOCK_MESSAGE, loc, name);
    b->u.msg = m;
    check_message_nesting(ps, loc);
}

void ast_message_close(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_MESSAGE);
    Message *m = b->u.msg;
    ast_block_pop(ps);
    attach_message(ps, m);
}

void ast_group_open(ParseState *ps, Field *field)
{
    Message *m = new_message(ps, field->loc, field->type_name, field->type_loc);
    m->is_group = true;
    field->group = m;
    Block *b = ast_block_push(ps, BLOCK_GROUP, field->loc, field->type_name);
    b->u.msg = m;
    b->group_field = field;
    check_message_nesting(ps, field->loc);
}

/* A group declares a field and a nested message: the field goes where a field
 * written at this point would go (message, oneof or extend), and the body joins
 * the enclosing message's nested messages (or the file's, for a file-level
 * extend). */
void ast_group_close(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_GROUP);
    Message *m = b->u.msg;
    Field *f = b->group_field;
    ast_block_pop(ps);
    attach_message(ps, m);
    Block *outer = ast_block_top(ps);
    if (outer && outer->kind == BLOCK_ONEOF)
        ast_oneof_add_field(ps, f);
    else if (outer && outer->kind == BLOCK_EXTEND)
        ast_extend_add_field(ps, f);
    else
        ast_message_add_field(ps, f);
}

/* proto2 fields outside a oneof must carry a label. protoc's parser rejects
 * an unlabelled one as soon as it reaches the type, so this is a syntax error
 * here too, reported where protoc reports it. */
void ast_require_label(ParseState *ps, Loc loc)
{
    if (ps->file->syntax != SYNTAX_PROTO2)
        return;
    /* A statement starting with '.' is seen at the dot and again when its
     * type is complete: one report. */
    if (ps->label_loc.line == loc.line && ps->label_loc.col == loc.col)
        return;
    ps->label_loc = loc;
    parse_error(ps, loc, "fields need a label in proto2: 'optional', 'required' or 'repeated'");
}

void ast_message_add_field(ParseState *ps, Field *f)
{
    Message *m = ast_current_message(ps);
    assert(m);
    f->parent = m;
    VEC_PUSH(ps->arena, &m->fields, f);
}

void ast_message_add_option(ParseState *ps, Option *opt)
{
    Message *m = ast_current_message(ps);
    assert(m);
    VEC_PUSH(ps->arena, &m->options, opt);
}

void ast_message_add_ranges(ParseState *ps, RangeVec *ranges, bool extensions, OptionVec *opts)
{
    Message *m = ast_current_message(ps);
    assert(m);
    for (size_t i = 0; i < ranges->len; i++) {
        Range r = ranges->items[i];
        if (opts)
            r.options = *opts;
        if (extensions)
            VEC_PUSH(ps->arena, &m->extension_ranges, r);
        else
            VEC_PUSH(ps->arena, &m->reserved_ranges, r);
    }
}

void ast_message_add_reserved_names(ParseState *ps, ReservedNameVec *names)
{
    Message *m = ast_current_message(ps);
    assert(m);
    for (size_t i = 0; i < names->len; i++)
        VEC_PUSH(ps->arena, &m->reserved_names, names->items[i]);
}

/* ---- fields ---- */

static Field *new_field(ParseState *ps, Loc loc, char *name, Loc name_loc, int64_t number,
                        Loc number_loc, OptionVec *opts)
{
    Field *f = arena_alloc(ps->arena, sizeof *f);
    f->loc = loc;
    f->name = name;
    f->name_loc = name_loc;
    f->number = number;
    f->number_loc = number_loc;
    if (opts)
        f->options = *opts;
    f->file = ps->file;
    f->parent = ast_current_message(ps);
    return f;
}

Field *ast_make_field(ParseState *ps, Loc loc, Label label, Loc label_loc, FieldType type,
                      char *type_name, Loc type_loc, char *name, Loc name_loc, int64_t number,
                      Loc number_loc, OptionVec *opts)
{
    Field *f = new_field(ps, loc, name, name_loc, number, number_loc, opts);
    f->label = label;
    f->label_loc = label_loc;
    f->type = type;
    f->type_name = type == TYPE_NONE ? type_name : NULL;
    f->type_loc = type_loc;
    return f;
}

Field *ast_make_map_field(ParseState *ps, Loc loc, FieldType key_type, char *key_name, Loc key_loc,
                          FieldType type, char *type_name, Loc type_loc, char *name, Loc name_loc,
                          int64_t number, Loc number_loc, OptionVec *opts)
{
    Field *f = new_field(ps, loc, name, name_loc, number, number_loc, opts);
    f->label = LABEL_NONE;
    f->is_map = true;
    f->map_key_type = key_type;
    f->map_key_name = key_type == TYPE_NONE ? key_name : NULL;
    f->map_key_loc = key_loc;
    f->type = type;
    f->type_name = type == TYPE_NONE ? type_name : NULL;
    f->type_loc = type_loc;
    return f;
}

Field *ast_make_group_field(ParseState *ps, Loc loc, Label label, Loc label_loc, char *name,
                            Loc name_loc, int64_t number, Loc number_loc, OptionVec *opts)
{
    size_t n = strlen(name);
    char *lower = arena_alloc(ps->arena, n + 1);
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    /* protoc's parser knows a group's type as it reads the options, so it
     * rejects a default there and then (a { ... } value was reported as
     * such already). */
    for (size_t i = 0; opts && i < opts->len; i++) {
        const Option *o = opts->items[i];
        if (o->name.len == 1 && !o->name.items[0].is_extension &&
            strcmp(o->name.items[0].name, "default") == 0 && o->value->kind != VAL_AGGREGATE)
            parse_error(ps, o->value->loc, "a group cannot have a default value");
    }
    Field *f = new_field(ps, loc, lower, name_loc, number, number_loc, opts);
    f->label = label;
    f->label_loc = label_loc;
    f->type = TYPE_GROUP;
    f->type_name = name;
    f->type_loc = name_loc;
    return f;
}

/* ---- oneofs ---- */

void ast_oneof_open(ParseState *ps, Loc loc, char *name, Loc name_loc)
{
    Oneof *o = arena_alloc(ps->arena, sizeof *o);
    o->loc = loc;
    o->name = name;
    o->name_loc = name_loc;
    o->parent = ast_current_message(ps);
    Block *b = ast_block_push(ps, BLOCK_ONEOF, loc, name);
    b->u.oneof = o;
}

void ast_oneof_close(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_ONEOF);
    Oneof *o = b->u.oneof;
    ast_block_pop(ps);
    Message *m = ast_current_message(ps);
    assert(m);
    o->index = (int)m->oneofs.len;
    VEC_PUSH(ps->arena, &m->oneofs, o);
}

void ast_oneof_add_field(ParseState *ps, Field *f)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_ONEOF);
    f->oneof = b->u.oneof;
    VEC_PUSH(ps->arena, &b->u.oneof->fields, f);
    ast_message_add_field(ps, f);
}

void ast_oneof_add_option(ParseState *ps, Option *opt)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_ONEOF);
    VEC_PUSH(ps->arena, &b->u.oneof->options, opt);
}

/* ---- extends ---- */

void ast_extend_open(ParseState *ps, Loc loc, char *extendee, Loc extendee_loc)
{
    Extend *e = arena_alloc(ps->arena, sizeof *e);
    e->loc = loc;
    e->extendee = extendee;
    e->extendee_loc = extendee_loc;
    e->parent = ast_current_message(ps);
    e->file = ps->file;
    Block *b = ast_block_push(ps, BLOCK_EXTEND, loc, extendee);
    b->u.ext = e;
}

void ast_extend_close(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_EXTEND);
    Extend *e = b->u.ext;
    ast_block_pop(ps);
    if (e->parent)
        VEC_PUSH(ps->arena, &e->parent->extends, e);
    else
        VEC_PUSH(ps->arena, &ps->file->extends, e);
}

void ast_extend_add_field(ParseState *ps, Field *f)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_EXTEND);
    f->extend = b->u.ext;
    f->parent = b->u.ext->parent;
    VEC_PUSH(ps->arena, &b->u.ext->fields, f);
}

/* ---- enums ---- */

void ast_enum_open(ParseState *ps, Loc loc, char *name, Loc name_loc)
{
    Enum *e = arena_alloc(ps->arena, sizeof *e);
    e->loc = loc;
    e->name = name;
    e->name_loc = name_loc;
    e->parent = ast_current_message(ps);
    e->file = ps->file;
    Block *b = ast_block_push(ps, BLOCK_ENUM, loc, name);
    b->u.en = e;
}

void ast_enum_close(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_ENUM);
    Enum *e = b->u.en;
    ast_block_pop(ps);
    if (e->parent)
        VEC_PUSH(ps->arena, &e->parent->enums, e);
    else
        VEC_PUSH(ps->arena, &ps->file->enums, e);
}

static Enum *current_enum(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_ENUM);
    return b->u.en;
}

void ast_enum_add_value(ParseState *ps, Loc loc, char *name, int64_t number, Loc number_loc,
                        OptionVec *opts)
{
    Enum *e = current_enum(ps);
    EnumValue *v = arena_alloc(ps->arena, sizeof *v);
    v->loc = loc;
    v->name = name;
    v->name_loc = loc;
    v->number = number;
    v->number_loc = number_loc;
    if (opts)
        v->options = *opts;
    v->parent = e;
    VEC_PUSH(ps->arena, &e->values, v);
}

void ast_enum_add_option(ParseState *ps, Option *opt)
{
    VEC_PUSH(ps->arena, &current_enum(ps)->options, opt);
}

void ast_enum_add_ranges(ParseState *ps, RangeVec *ranges)
{
    Enum *e = current_enum(ps);
    for (size_t i = 0; i < ranges->len; i++)
        VEC_PUSH(ps->arena, &e->reserved_ranges, ranges->items[i]);
}

void ast_enum_add_reserved_names(ParseState *ps, ReservedNameVec *names)
{
    Enum *e = current_enum(ps);
    for (size_t i = 0; i < names->len; i++)
        VEC_PUSH(ps->arena, &e->reserved_names, names->items[i]);
}

/* ---- services ---- */

void ast_service_open(ParseState *ps, Loc loc, char *name, Loc name_loc)
{
    Service *s = arena_alloc(ps->arena, sizeof *s);
    s->loc = loc;
    s->name = name;
    s->name_loc = name_loc;
    s->file = ps->file;
    Block *b = ast_block_push(ps, BLOCK_SERVICE, loc, name);
    b->u.svc = s;
}

void ast_service_close(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_SERVICE);
    Service *s = b->u.svc;
    ast_block_pop(ps);
    VEC_PUSH(ps->arena, &ps->file->services, s);
}

void ast_service_add_option(ParseState *ps, Option *opt)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_SERVICE);
    VEC_PUSH(ps->arena, &b->u.svc->options, opt);
}

Method *ast_make_method(ParseState *ps, Loc loc, char *name, Loc name_loc, bool cstream,
                        char *input, Loc input_loc, bool sstream, char *output, Loc output_loc)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_SERVICE);
    Method *m = arena_alloc(ps->arena, sizeof *m);
    m->loc = loc;
    m->name = name;
    m->name_loc = name_loc;
    m->client_streaming = cstream;
    m->input_name = input;
    m->input_loc = input_loc;
    m->server_streaming = sstream;
    m->output_name = output;
    m->output_loc = output_loc;
    m->parent = b->u.svc;
    return m;
}

void ast_service_add_method(ParseState *ps, Method *m)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_SERVICE);
    VEC_PUSH(ps->arena, &b->u.svc->methods, m);
}

void ast_rpc_open(ParseState *ps, Method *m)
{
    Block *b = ast_block_push(ps, BLOCK_RPC, m->loc, m->name);
    b->u.method = m;
    m->has_body = true;
}

void ast_rpc_close(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_RPC);
    (void)b;
    ast_block_pop(ps);
}

void ast_rpc_add_option(ParseState *ps, Option *opt)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_RPC);
    VEC_PUSH(ps->arena, &b->u.method->options, opt);
}

/* ---- ranges and reserved names ---- */

RangeVec *ast_range_list(ParseState *ps, RangeVec *list, Loc loc, int64_t start, int64_t end,
                         bool end_is_max)
{
    if (!list)
        list = arena_alloc(ps->arena, sizeof *list);
    Range r;
    memset(&r, 0, sizeof r);
    r.loc = loc;
    r.start = start;
    r.end = end_is_max ? INT64_MAX : end;
    r.end_is_max = end_is_max;
    VEC_PUSH(ps->arena, list, r);
    return list;
}

ReservedNameVec *ast_name_list(ParseState *ps, ReservedNameVec *list, StrLit s, Loc loc)
{
    if (!list)
        list = arena_alloc(ps->arena, sizeof *list);
    ReservedName rn = { s.s, loc };
    VEC_PUSH(ps->arena, list, rn);
    return list;
}

/* ---- options and values ---- */

OptionNameVec *ast_option_name_append(ParseState *ps, OptionNameVec *vec, char *name,
                                      bool is_extension, Loc loc)
{
    if (!vec)
        vec = arena_alloc(ps->arena, sizeof *vec);
    OptionNamePart part = { .name = name, .is_extension = is_extension, .loc = loc };
    VEC_PUSH(ps->arena, vec, part);
    return vec;
}

Option *ast_make_option(ParseState *ps, OptionNameVec *name, Value *value)
{
    Option *o = arena_alloc(ps->arena, sizeof *o);
    o->name = *name;
    o->loc = name->len ? name->items[0].loc : value->loc;
    o->value = value;
    return o;
}

OptionVec *ast_option_list(ParseState *ps, OptionVec *list, Option *opt)
{
    if (!list)
        list = arena_alloc(ps->arena, sizeof *list);
    VEC_PUSH(ps->arena, list, opt);
    return list;
}

Value *ast_make_value(ParseState *ps, ValueKind kind, Loc loc)
{
    Value *v = arena_alloc(ps->arena, sizeof *v);
    v->kind = kind;
    v->loc = loc;
    return v;
}

Value *ast_value_ident(ParseState *ps, Loc loc, char *s, bool negative)
{
    Value *v = ast_make_value(ps, VAL_IDENT, loc);
    v->s = s;
    v->len = strlen(s);
    v->negative = negative;
    return v;
}

Value *ast_value_int(ParseState *ps, Loc loc, IntLit lit, bool negative)
{
    if (lit.overflow) {
        Value *v = ast_make_value(ps, VAL_FLOAT, loc);
        v->d = negative ? -lit.d : lit.d;
        v->negative = negative;
        v->base = lit.base;
        v->int_overflow = true;
        v->s = lit.text;
        v->len = strlen(lit.text);
        return v;
    }
    Value *v = ast_make_value(ps, VAL_INT, loc);
    v->u = lit.u;
    v->base = lit.base;
    v->negative = negative;
    return v;
}

Value *ast_value_float(ParseState *ps, Loc loc, double d, bool negative)
{
    Value *v = ast_make_value(ps, VAL_FLOAT, loc);
    v->d = negative ? -d : d;
    v->negative = negative;
    return v;
}

Value *ast_value_string(ParseState *ps, Loc loc, StrLit s)
{
    Value *v = ast_make_value(ps, VAL_STRING, loc);
    v->s = s.s;
    v->len = s.len;
    return v;
}

Value *ast_value_negate(ParseState *ps, Value *v, Loc loc)
{
    (void)ps;
    v->negative = true;
    v->loc = loc;
    return v;
}

bool ast_aggregate_is_open(const ParseState *ps)
{
    for (size_t i = 0; i < ps->blocks.len; i++)
        if (ps->blocks.items[i].kind == BLOCK_AGGREGATE)
            return true;
    return false;
}

void ast_aggregate_open(ParseState *ps, Loc loc)
{
    /* The outermost value: remember the brace count and depth outside it,
     * for the skip after an error (see ParseState). Its '{' is the last
     * token scanned: the parser reduces agg_open before it reads on. */
    if (!ast_aggregate_is_open(ps)) {
        ps->agg_braces = ps->braces - 1;
        ps->agg_depth = ps->depth - 1;
    }
    Value *v = ast_make_value(ps, VAL_AGGREGATE, loc);
    Block *b = ast_block_push(ps, BLOCK_AGGREGATE, loc, NULL);
    b->u.agg = v;
}

Value *ast_aggregate_close(ParseState *ps)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_AGGREGATE);
    Value *v = b->u.agg;
    /* Still skipping after an error: the parser's recovery took an inner
     * '}' as this value's end, so the one that balances the value's '{' is
     * dropped when the scanner reaches it (see ParseState). */
    if (ps->agg_skip)
        ps->agg_skip_close = true;
    /* The value that held a syntax error is complete (see PendingError). */
    if (ps->agg_errors.len) {
        PendingError *pe = &ps->agg_errors.items[ps->agg_errors.len - 1];
        if (pe->value_loc.line == b->loc.line && pe->value_loc.col == b->loc.col)
            pe->closed = true;
    }
    ast_block_pop(ps);
    return v;
}

bool ast_aggregate_defer_error(ParseState *ps, Loc loc, const char *msg)
{
    const Block *agg = NULL;
    for (size_t i = 0; i < ps->blocks.len; i++)
        if (ps->blocks.items[i].kind == BLOCK_AGGREGATE) {
            agg = &ps->blocks.items[i];
            break;
        }
    if (!agg)
        return false;
    ps->file->parse_failed = true;
    if (ps->agg_errors.len) {
        const PendingError *last = &ps->agg_errors.items[ps->agg_errors.len - 1];
        if (last->value_loc.line == agg->loc.line && last->value_loc.col == agg->loc.col)
            return true; /* one error per value, as protoc reports */
    }
    PendingError pe = { agg->loc, loc, arena_strdup(ps->arena, msg), false };
    VEC_PUSH(ps->arena, &ps->agg_errors, pe);
    return true;
}

void ast_field_option_named(ParseState *ps, const OptionNameVec *name)
{
    ps->scalar_option = NULL;
    if (name->len != 1 || name->items[0].is_extension)
        return;
    if (strcmp(name->items[0].name, "default") == 0)
        ps->scalar_option = "default";
    else if (strcmp(name->items[0].name, "json_name") == 0)
        ps->scalar_option = "json_name";
}

Value *ast_value_lone_brace(ParseState *ps, Loc loc, const char *option)
{
    if (strcmp(option, "json_name") == 0)
        parse_error(ps, loc, "json_name must be a string, not a { ... } value");
    else
        parse_error(ps, loc, "a field's default must be a single value, not a { ... } value");
    return ast_make_value(ps, VAL_AGGREGATE, loc);
}

void ast_aggregate_add(ParseState *ps, char *name, bool is_extension, bool colon, Loc loc,
                       Value *value)
{
    Block *b = ast_block_top(ps);
    assert(b && b->kind == BLOCK_AGGREGATE);
    AggEntry *e = arena_alloc(ps->arena, sizeof *e);
    e->name = name;
    e->is_extension = is_extension;
    e->no_colon = !colon;
    e->loc = loc;
    e->value = value;
    VEC_PUSH(ps->arena, &b->u.agg->entries, e);
}

Value *ast_value_list(ParseState *ps, Value *list, Value *item, Loc loc)
{
    if (!list)
        list = ast_make_value(ps, VAL_LIST, loc);
    if (item)
        VEC_PUSH(ps->arena, &list->list, item);
    return list;
}
