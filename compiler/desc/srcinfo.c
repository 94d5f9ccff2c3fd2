/*
 * srcinfo.c — the SourceCodeInfo protoc 3.21 records for a file
 * (--include_source_info, and what protoc hands plugins).
 *
 * protoc's parser records a location (a path into the FileDescriptorProto,
 * a span, comments) through a LocationRecorder at fixed points of its
 * recursive descent: the location is appended when the recorder is made,
 * starting at the current token, and ends at the last token consumed when
 * the recorder goes out of scope; comments attach at the ';', '{' that ends
 * a declaration. Which points, in which order, with which quirks (a group
 * records its name twice, json_name twice, an extension range's options are
 * recorded once and copied to every range of the statement, an enum
 * reserved number written `-5` alone spans only the '-'), is the contract,
 * so this file walks the source again in the same order, one function per
 * function of protoc's parser (named after it), over protoc's own
 * tokenization (tokenizer.c). It only ever reads a file the front end has
 * accepted and the checker has passed, so it checks nothing: anything
 * unexpected makes it give up (NULL, no source info) rather than guess.
 *
 * Then, as protoc's OptionInterpreter does after interpreting options, the
 * location of each option statement, recorded under the uninterpreted
 * option's path (.., 999, i), is moved to the interpreted option's path
 * (.., field number, ...) and the locations under it are dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "srcinfo.h"

/* ------------------------------------------------------------ locations */

typedef struct LocRec {
    I32Vec path;
    int32_t span[4];
    int nspan;
    Text leading;
    Text trailing;
    TextVec detached;
} LocRec;

/* The locations, in the order they were recorded: malloc'd (it is large
 * for a large file, and dropped once converted), so growing it wastes no
 * arena memory. */
typedef struct LocList {
    LocRec *items;
    size_t len;
    size_t cap;
} LocList;

static void loclist_push(LocList *l, LocRec r)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        LocRec *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            fputs("typerpc: out of memory\n", stderr);
            abort();
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = r;
}

/* A LocationRecorder: its list and its index there (lists grow, so no
 * pointers into them are kept). */
typedef struct Rec {
    LocList *list;
    size_t i;
} Rec;

typedef enum { OPTION_STATEMENT, OPTION_ASSIGNMENT } OptionStyle;

typedef struct Walk {
    Tokenizer s;
    Arena *a;
    LocList list;
    Text upcoming_doc;
    TextVec upcoming_detached;
} Walk;

/* Counts of what a message has so far: the indexes of the next ones. */
typedef struct MsgCount {
    int fields, nested, enums, ext_ranges, extensions, oneofs, reserved_ranges, reserved_names,
        options;
} MsgCount;

static LocRec *rec_at(Rec r)
{
    return &r.list->items[r.i];
}

/* A path with room for the two components a recorder adds at most. */
static I32Vec path_copy(Walk *w, const I32Vec *from, size_t extra)
{
    size_t n = from ? from->len : 0;
    I32Vec p = { arena_alloc(w->a, (n + extra) * sizeof(int32_t)), n, n + extra };
    if (n)
        memcpy(p.items, from->items, n * sizeof(int32_t));
    return p;
}

static Rec rec_new(Walk *w, LocList *list, const I32Vec *parent_path)
{
    LocRec lr = { 0 };
    lr.path = path_copy(w, parent_path, 2);
    lr.span[0] = w->s.current.line;
    lr.span[1] = w->s.current.column;
    lr.nspan = 2;
    loclist_push(list, lr);
    return (Rec){ list, list->len - 1 };
}

static void rec_add_path(Walk *w, Rec r, int32_t component)
{
    VEC_PUSH(w->a, &rec_at(r)->path, component);
}

/* LocationRecorder(parent[, path1[, path2]]), in the parent's list or in
 * another one (ParseExtensions records range options aside). */
static Rec rec_child_in(Walk *w, Rec parent, LocList *list, int n, int32_t p1, int32_t p2)
{
    I32Vec path = rec_at(parent)->path;
    Rec r = rec_new(w, list, &path);
    if (n >= 1)
        rec_add_path(w, r, p1);
    if (n >= 2)
        rec_add_path(w, r, p2);
    return r;
}

static Rec rec_child0(Walk *w, Rec parent)
{
    return rec_child_in(w, parent, parent.list, 0, 0, 0);
}

static Rec rec_child(Walk *w, Rec parent, int32_t p1)
{
    return rec_child_in(w, parent, parent.list, 1, p1, 0);
}

static Rec rec_child2(Walk *w, Rec parent, int32_t p1, int32_t p2)
{
    return rec_child_in(w, parent, parent.list, 2, p1, p2);
}

static void rec_start_at(Rec r, const Token *t)
{
    rec_at(r)->span[0] = t->line;
    rec_at(r)->span[1] = t->column;
}

static void rec_start_at_rec(Rec r, Rec other)
{
    rec_at(r)->span[0] = rec_at(other)->span[0];
    rec_at(r)->span[1] = rec_at(other)->span[1];
}

static void rec_end_at(Rec r, const Token *t)
{
    LocRec *lr = rec_at(r);
    if (t->line != lr->span[0])
        lr->span[lr->nspan++] = t->line;
    lr->span[lr->nspan++] = t->end_column;
}

/* ~LocationRecorder: end at the last token consumed, unless ended already. */
static void rec_done(Walk *w, Rec r)
{
    if (rec_at(r)->nspan <= 2)
        rec_end_at(r, &w->s.previous);
}

static void rec_attach(Rec r, Text *leading, Text *trailing, TextVec *detached)
{
    LocRec *lr = rec_at(r);
    lr->leading = *leading;
    lr->trailing = *trailing;
    lr->detached = *detached;
}

/* ------------------------------------------------------------ tokens */

#define DO(x)             \
    do {                  \
        if (!(x))         \
            return false; \
    } while (0)

static bool looking_at(Walk *w, const char *text)
{
    return tok_is(&w->s, text);
}

static bool looking_at_type(Walk *w, TokType t)
{
    return w->s.current.type == t;
}

static bool at_end(Walk *w)
{
    return looking_at_type(w, TOK_END);
}

static bool try_consume(Walk *w, const char *text)
{
    if (!looking_at(w, text))
        return false;
    tok_next(&w->s);
    return true;
}

static bool consume(Walk *w, const char *text)
{
    return try_consume(w, text);
}

static bool consume_type(Walk *w, TokType t)
{
    if (!looking_at_type(w, t))
        return false;
    tok_next(&w->s);
    return true;
}

/* Adjacent string literals are one value. */
static bool consume_string(Walk *w)
{
    DO(consume_type(w, TOK_STRING));
    while (looking_at_type(w, TOK_STRING))
        tok_next(&w->s);
    return true;
}

static bool consume_number(Walk *w)
{
    if (looking_at_type(w, TOK_FLOAT) || looking_at_type(w, TOK_INTEGER) || looking_at(w, "inf") ||
        looking_at(w, "nan")) {
        tok_next(&w->s);
        return true;
    }
    return false;
}

/* Parser::TryConsumeEndOfDeclaration: the comments before the next token
 * sort out here; the declaration gets the leading comments saved last
 * time, the trailing comment just read and the detached ones saved. */
static bool try_consume_end_of_declaration(Walk *w, const char *text, const Rec *loc)
{
    if (!looking_at(w, text))
        return false;
    Text leading = { 0 }, trailing = { 0 };
    TextVec detached = { 0 };
    tok_next_with_comments(&w->s, &trailing, &detached, &leading);
    Text doc = w->upcoming_doc;
    w->upcoming_doc = leading;
    if (loc) {
        TextVec saved = w->upcoming_detached;
        w->upcoming_detached = detached;
        rec_attach(*loc, &doc, &trailing, &saved);
    } else if (strcmp(text, "}") == 0) {
        w->upcoming_detached = detached;
    } else {
        for (size_t i = 0; i < detached.len; i++)
            VEC_PUSH(w->a, &w->upcoming_detached, detached.items[i]);
    }
    return true;
}

static bool consume_end_of_declaration(Walk *w, const char *text, const Rec *loc)
{
    return try_consume_end_of_declaration(w, text, loc);
}

static const char *const scalar_types[] = {
    "double", "float",  "uint64",   "fixed64",  "fixed32", "bool",  "string", "group",
    "bytes",  "uint32", "sfixed32", "sfixed64", "int32",   "int64", "sint32", "sint64",
};

/* The scalar type keyword the current token is (FieldType), or TYPE_NONE. */
static FieldType current_scalar(Walk *w)
{
    static const FieldType types[] = {
        TYPE_DOUBLE, TYPE_FLOAT, TYPE_UINT64, TYPE_FIXED64, TYPE_FIXED32,  TYPE_BOOL,
        TYPE_STRING, TYPE_GROUP, TYPE_BYTES,  TYPE_UINT32,  TYPE_SFIXED32, TYPE_SFIXED64,
        TYPE_INT32,  TYPE_INT64, TYPE_SINT32, TYPE_SINT64,
    };
    if (!looking_at_type(w, TOK_IDENTIFIER))
        return TYPE_NONE;
    for (size_t i = 0; i < sizeof scalar_types / sizeof *scalar_types; i++)
        if (looking_at(w, scalar_types[i]))
            return types[i];
    return TYPE_NONE;
}

/* ------------------------------------------------------------ the parser */

static bool parse_message_block(Walk *w, MsgCount *m, Rec loc);
static bool parse_message_field(Walk *w, Rec field_loc, int *nested, Rec parent_loc,
                                int nested_number);
static bool parse_message_field_no_label(Walk *w, Rec field_loc, int *nested, Rec parent_loc,
                                         int nested_number);

/* ParseUserDefinedType: ['.'] ident ('.' ident)* */
static bool parse_user_defined_type(Walk *w)
{
    if (current_scalar(w) != TYPE_NONE) {
        tok_next(&w->s);
        return true;
    }
    try_consume(w, ".");
    DO(consume_type(w, TOK_IDENTIFIER));
    while (try_consume(w, "."))
        DO(consume_type(w, TOK_IDENTIFIER));
    return true;
}

/* ParseType: a scalar keyword, or a user-defined type. */
static bool parse_type(Walk *w, FieldType *scalar)
{
    *scalar = current_scalar(w);
    if (*scalar != TYPE_NONE) {
        tok_next(&w->s);
        return true;
    }
    return parse_user_defined_type(w);
}

/* ParseUninterpretedBlock: '{' ... '}' with nested braces counted. */
static bool parse_uninterpreted_block(Walk *w)
{
    DO(consume(w, "{"));
    int depth = 1;
    while (!at_end(w)) {
        if (looking_at(w, "{")) {
            depth++;
        } else if (looking_at(w, "}")) {
            if (--depth == 0) {
                tok_next(&w->s);
                return true;
            }
        }
        tok_next(&w->s);
    }
    return false;
}

/* ParseOptionNamePart: ident | '(' ['.'] ident ('.' ident)* ')' */
static bool parse_option_name_part(Walk *w, Rec part_loc)
{
    if (looking_at(w, "(")) {
        DO(consume(w, "("));
        Rec loc = rec_child(w, part_loc, 1);
        if (looking_at_type(w, TOK_IDENTIFIER))
            tok_next(&w->s);
        while (looking_at(w, ".")) {
            tok_next(&w->s);
            DO(consume_type(w, TOK_IDENTIFIER));
        }
        rec_done(w, loc);
        DO(consume(w, ")"));
    } else {
        Rec loc = rec_child(w, part_loc, 1);
        DO(consume_type(w, TOK_IDENTIFIER));
        rec_done(w, loc);
    }
    return true;
}

/* ParseOption: ['option'] name ('.' name)* '=' value [';'] */
static bool parse_option(Walk *w, int *count, Rec options_loc, OptionStyle style)
{
    Rec loc = rec_child2(w, options_loc, 999, (*count)++);
    if (style == OPTION_STATEMENT)
        DO(consume(w, "option"));
    {
        Rec name_loc = rec_child(w, loc, 2);
        int parts = 0;
        Rec part = rec_child(w, name_loc, parts++);
        DO(parse_option_name_part(w, part));
        rec_done(w, part);
        while (looking_at(w, ".")) {
            DO(consume(w, "."));
            part = rec_child(w, name_loc, parts++);
            DO(parse_option_name_part(w, part));
            rec_done(w, part);
        }
        rec_done(w, name_loc);
    }
    DO(consume(w, "="));
    {
        Rec value_loc = rec_child0(w, loc);
        bool negative = try_consume(w, "-");
        switch (w->s.current.type) {
        case TOK_IDENTIFIER:
            rec_add_path(w, value_loc, 3);
            if (negative)
                return false;
            tok_next(&w->s);
            break;
        case TOK_INTEGER:
            rec_add_path(w, value_loc, negative ? 5 : 4);
            tok_next(&w->s);
            break;
        case TOK_FLOAT:
            rec_add_path(w, value_loc, 6);
            tok_next(&w->s);
            break;
        case TOK_STRING:
            rec_add_path(w, value_loc, 7);
            DO(consume_string(w));
            break;
        case TOK_SYMBOL:
            if (!looking_at(w, "{"))
                return false;
            rec_add_path(w, value_loc, 8);
            DO(parse_uninterpreted_block(w));
            break;
        default: return false;
        }
        rec_done(w, value_loc);
    }
    if (style == OPTION_STATEMENT)
        DO(consume_end_of_declaration(w, ";", &loc));
    rec_done(w, loc);
    return true;
}

/* ParseDefaultAssignment: 'default' '=' value (one token, or '-' and a
 * number, or adjacent strings; for a named type, whatever token comes). */
static bool parse_default_assignment(Walk *w, Rec field_loc, FieldType type)
{
    DO(consume(w, "default"));
    DO(consume(w, "="));
    Rec loc = rec_child(w, field_loc, 7);
    switch (type) {
    case TYPE_NONE: tok_next(&w->s); break;
    case TYPE_STRING:
    case TYPE_BYTES: DO(consume_string(w)); break;
    case TYPE_BOOL: DO(try_consume(w, "true") || try_consume(w, "false")); break;
    case TYPE_FLOAT:
    case TYPE_DOUBLE:
        try_consume(w, "-");
        DO(consume_number(w));
        break;
    case TYPE_MESSAGE:
    case TYPE_GROUP: return false;
    default:
        try_consume(w, "-");
        DO(consume_type(w, TOK_INTEGER));
        break;
    }
    rec_done(w, loc);
    return true;
}

/* ParseJsonName: 'json_name' '=' string; the value is recorded twice. */
static bool parse_json_name(Walk *w, Rec field_loc)
{
    Rec loc = rec_child(w, field_loc, 10);
    DO(consume(w, "json_name"));
    DO(consume(w, "="));
    Rec value_loc = rec_child0(w, loc);
    DO(consume_string(w));
    rec_done(w, value_loc);
    rec_done(w, loc);
    return true;
}

/* ParseFieldOptions: '[' option (',' option)* ']' */
static bool parse_field_options(Walk *w, Rec field_loc, FieldType type)
{
    if (!looking_at(w, "["))
        return true;
    Rec loc = rec_child(w, field_loc, 8);
    DO(consume(w, "["));
    int options = 0;
    do {
        if (looking_at(w, "default"))
            DO(parse_default_assignment(w, field_loc, type));
        else if (looking_at(w, "json_name"))
            DO(parse_json_name(w, field_loc));
        else
            DO(parse_option(w, &options, loc, OPTION_ASSIGNMENT));
    } while (try_consume(w, ","));
    DO(consume(w, "]"));
    rec_done(w, loc);
    return true;
}

/* ParseMessageFieldNoLabel: type name '=' number [options] (';' | group body) */
static bool parse_message_field_no_label(Walk *w, Rec field_loc, int *nested, Rec parent_loc,
                                         int nested_number)
{
    bool is_map = false;
    FieldType scalar = TYPE_NONE;
    {
        Rec loc = rec_child0(w, field_loc); /* the path comes later */
        bool type_parsed = false;
        if (try_consume(w, "map")) {
            if (looking_at(w, "<")) {
                /* ParseMapType: '<' type ',' type '>' */
                FieldType ignored;
                is_map = true;
                DO(consume(w, "<"));
                DO(parse_type(w, &ignored));
                DO(consume(w, ","));
                DO(parse_type(w, &ignored));
                DO(consume(w, ">"));
                rec_add_path(w, loc, 6);
            } else {
                type_parsed = true; /* a type named "map" */
            }
        }
        if (!is_map) {
            if (!type_parsed)
                DO(parse_type(w, &scalar));
            rec_add_path(w, loc, scalar != TYPE_NONE ? 5 : 6);
        }
        rec_done(w, loc);
    }
    Token name_token = w->s.current;
    {
        Rec loc = rec_child(w, field_loc, 1);
        DO(consume_type(w, TOK_IDENTIFIER));
        rec_done(w, loc);
    }
    DO(consume(w, "="));
    {
        Rec loc = rec_child(w, field_loc, 3);
        DO(consume_type(w, TOK_INTEGER));
        rec_done(w, loc);
    }
    DO(parse_field_options(w, field_loc, is_map ? TYPE_MESSAGE : scalar));

    if (scalar == TYPE_GROUP) {
        /* A group is a field and a nested message: overlapping locations. */
        Rec group_loc = rec_child0(w, parent_loc);
        rec_start_at_rec(group_loc, field_loc);
        rec_add_path(w, group_loc, nested_number);
        rec_add_path(w, group_loc, (*nested)++);
        {
            Rec loc = rec_child(w, group_loc, 1);
            rec_start_at(loc, &name_token);
            rec_end_at(loc, &name_token);
            rec_done(w, loc);
        }
        {
            Rec loc = rec_child(w, field_loc, 6);
            rec_start_at(loc, &name_token);
            rec_end_at(loc, &name_token);
            rec_done(w, loc);
        }
        if (!looking_at(w, "{"))
            return false;
        MsgCount group = { 0 };
        DO(parse_message_block(w, &group, group_loc));
        rec_done(w, group_loc);
    } else {
        DO(consume_end_of_declaration(w, ";", &field_loc));
    }
    if (is_map)
        (*nested)++; /* the map entry, added after the field */
    return true;
}

/* ParseMessageField: [label] field */
static bool parse_message_field(Walk *w, Rec field_loc, int *nested, Rec parent_loc,
                                int nested_number)
{
    if (looking_at(w, "optional") || looking_at(w, "repeated") || looking_at(w, "required")) {
        Rec loc = rec_child(w, field_loc, 4);
        tok_next(&w->s);
        rec_done(w, loc);
    }
    return parse_message_field_no_label(w, field_loc, nested, parent_loc, nested_number);
}

/* ParseExtensions: 'extensions' range (',' range)* [options] ';' */
static bool parse_extensions(Walk *w, MsgCount *m, Rec ext_loc)
{
    DO(consume(w, "extensions"));
    int old = m->ext_ranges;
    do {
        Rec loc = rec_child(w, ext_loc, m->ext_ranges++);
        Token start_token;
        {
            Rec start = rec_child(w, loc, 1);
            start_token = w->s.current;
            DO(consume_type(w, TOK_INTEGER));
            rec_done(w, start);
        }
        if (try_consume(w, "to")) {
            Rec end = rec_child(w, loc, 2);
            if (!try_consume(w, "max"))
                DO(consume_type(w, TOK_INTEGER));
            rec_done(w, end);
        } else {
            Rec end = rec_child(w, loc, 2);
            rec_start_at(end, &start_token);
            rec_end_at(end, &start_token);
        }
        rec_done(w, loc);
    } while (try_consume(w, ","));

    if (looking_at(w, "[")) {
        /* Recorded once, aside, then copied to every range of the statement. */
        size_t index_pos = rec_at(ext_loc)->path.len;
        LocList info = { 0 };
        int options = 0;
        Rec index_loc = rec_child_in(w, ext_loc, &info, 1, 0, 0);
        Rec loc = rec_child(w, index_loc, 3);
        bool ok = consume(w, "[");
        do
            ok = ok && parse_option(w, &options, loc, OPTION_ASSIGNMENT);
        while (ok && try_consume(w, ","));
        ok = ok && consume(w, "]");
        rec_done(w, loc);
        rec_done(w, index_loc);
        for (int i = old; i < m->ext_ranges; i++)
            for (size_t j = 0; j < info.len; j++) {
                const LocRec *src = &info.items[j];
                if (src->path.len == index_pos + 1)
                    continue; /* the range itself, recorded above */
                LocRec copy = *src;
                copy.path = path_copy(w, &src->path, 0);
                copy.path.items[index_pos] = i;
                loclist_push(&w->list, copy);
            }
        free(info.items);
        DO(ok);
    }
    DO(consume_end_of_declaration(w, ";", &ext_loc));
    return true;
}

/* ParseReservedNames / ParseReservedNumbers, for messages and enums. */
static bool parse_reserved_names(Walk *w, int *count, Rec parent)
{
    do {
        Rec loc = rec_child(w, parent, (*count)++);
        DO(consume_string(w));
        rec_done(w, loc);
    } while (try_consume(w, ","));
    return consume_end_of_declaration(w, ";", &parent);
}

static bool consume_range_number(Walk *w, bool is_enum)
{
    if (is_enum)
        try_consume(w, "-");
    return consume_type(w, TOK_INTEGER);
}

static bool parse_reserved_numbers(Walk *w, int *count, Rec parent, bool is_enum)
{
    do {
        Rec loc = rec_child(w, parent, (*count)++);
        Token start_token;
        {
            Rec start = rec_child(w, loc, 1);
            start_token = w->s.current;
            DO(consume_range_number(w, is_enum));
            rec_done(w, start);
        }
        if (try_consume(w, "to")) {
            Rec end = rec_child(w, loc, 2);
            if (!try_consume(w, "max"))
                DO(consume_range_number(w, is_enum));
            rec_done(w, end);
        } else {
            /* The start token only: for `-5`, the '-'. */
            Rec end = rec_child(w, loc, 2);
            rec_start_at(end, &start_token);
            rec_end_at(end, &start_token);
        }
        rec_done(w, loc);
    } while (try_consume(w, ","));
    return consume_end_of_declaration(w, ";", &parent);
}

/* ParseReserved: 'reserved' (names | ranges) ';' — names are field 10 of a
 * message (5 of an enum), ranges 9 (4). */
static bool parse_reserved(Walk *w, Rec parent, int *names, int *ranges, bool is_enum)
{
    Token start_token = w->s.current;
    DO(consume(w, "reserved"));
    bool ok;
    if (looking_at_type(w, TOK_STRING)) {
        Rec loc = rec_child(w, parent, is_enum ? 5 : 10);
        rec_start_at(loc, &start_token);
        ok = parse_reserved_names(w, names, loc);
        rec_done(w, loc);
    } else {
        Rec loc = rec_child(w, parent, is_enum ? 4 : 9);
        rec_start_at(loc, &start_token);
        ok = parse_reserved_numbers(w, ranges, loc, is_enum);
        rec_done(w, loc);
    }
    return ok;
}

/* ParseExtend: 'extend' type '{' field+ '}' — each field also records the
 * extendee's span. */
static bool parse_extend(Walk *w, int *extensions, int *nested, Rec parent_loc, int nested_number,
                         Rec extend_loc)
{
    DO(consume(w, "extend"));
    Token extendee_start = w->s.current;
    DO(parse_user_defined_type(w));
    Token extendee_end = w->s.previous;
    DO(consume_end_of_declaration(w, "{", &extend_loc));
    do {
        if (at_end(w))
            return false;
        Rec loc = rec_child(w, extend_loc, (*extensions)++);
        {
            Rec extendee = rec_child(w, loc, 2);
            rec_start_at(extendee, &extendee_start);
            rec_end_at(extendee, &extendee_end);
            rec_done(w, extendee);
        }
        DO(parse_message_field(w, loc, nested, parent_loc, nested_number));
        rec_done(w, loc);
    } while (!try_consume_end_of_declaration(w, "}", NULL));
    return true;
}

/* ParseOneof: 'oneof' name '{' (option | field)+ '}' — the fields are the
 * message's. */
static bool parse_oneof(Walk *w, MsgCount *m, Rec oneof_loc, Rec message_loc)
{
    DO(consume(w, "oneof"));
    {
        Rec loc = rec_child(w, oneof_loc, 1);
        DO(consume_type(w, TOK_IDENTIFIER));
        rec_done(w, loc);
    }
    DO(consume_end_of_declaration(w, "{", &oneof_loc));
    int options = 0;
    do {
        if (at_end(w))
            return false;
        if (looking_at(w, "option")) {
            Rec loc = rec_child(w, oneof_loc, 2);
            DO(parse_option(w, &options, loc, OPTION_STATEMENT));
            rec_done(w, loc);
            continue;
        }
        if (looking_at(w, "required") || looking_at(w, "optional") || looking_at(w, "repeated"))
            tok_next(&w->s);
        Rec field_loc = rec_child2(w, message_loc, 2, m->fields++);
        DO(parse_message_field_no_label(w, field_loc, &m->nested, message_loc, 3));
        rec_done(w, field_loc);
    } while (!try_consume_end_of_declaration(w, "}", NULL));
    return true;
}

static bool parse_enum_definition(Walk *w, Rec enum_loc);

/* ParseMessageDefinition: 'message' name block */
static bool parse_message_definition(Walk *w, Rec loc)
{
    DO(consume(w, "message"));
    {
        Rec name = rec_child(w, loc, 1);
        DO(consume_type(w, TOK_IDENTIFIER));
        rec_done(w, name);
    }
    MsgCount m = { 0 };
    return parse_message_block(w, &m, loc);
}

/* ParseMessageStatement */
static bool parse_message_statement(Walk *w, MsgCount *m, Rec mloc)
{
    bool ok;
    if (try_consume_end_of_declaration(w, ";", NULL))
        return true;
    if (looking_at(w, "message")) {
        Rec loc = rec_child2(w, mloc, 3, m->nested++);
        ok = parse_message_definition(w, loc);
        rec_done(w, loc);
    } else if (looking_at(w, "enum")) {
        Rec loc = rec_child2(w, mloc, 4, m->enums++);
        ok = parse_enum_definition(w, loc);
        rec_done(w, loc);
    } else if (looking_at(w, "extensions")) {
        Rec loc = rec_child(w, mloc, 5);
        ok = parse_extensions(w, m, loc);
        rec_done(w, loc);
    } else if (looking_at(w, "reserved")) {
        ok = parse_reserved(w, mloc, &m->reserved_names, &m->reserved_ranges, false);
    } else if (looking_at(w, "extend")) {
        Rec loc = rec_child(w, mloc, 6);
        ok = parse_extend(w, &m->extensions, &m->nested, mloc, 3, loc);
        rec_done(w, loc);
    } else if (looking_at(w, "option")) {
        Rec loc = rec_child(w, mloc, 7);
        ok = parse_option(w, &m->options, loc, OPTION_STATEMENT);
        rec_done(w, loc);
    } else if (looking_at(w, "oneof")) {
        Rec loc = rec_child2(w, mloc, 8, m->oneofs++);
        ok = parse_oneof(w, m, loc, mloc);
        rec_done(w, loc);
    } else {
        Rec loc = rec_child2(w, mloc, 2, m->fields++);
        ok = parse_message_field(w, loc, &m->nested, mloc, 3);
        rec_done(w, loc);
    }
    return ok;
}

/* ParseMessageBlock: '{' statement* '}' */
static bool parse_message_block(Walk *w, MsgCount *m, Rec loc)
{
    DO(consume_end_of_declaration(w, "{", &loc));
    while (!try_consume_end_of_declaration(w, "}", NULL)) {
        if (at_end(w))
            return false;
        DO(parse_message_statement(w, m, loc));
    }
    return true;
}

/* ParseEnumConstant: name '=' ['-'] number [options] ';' */
static bool parse_enum_constant(Walk *w, Rec vloc)
{
    {
        Rec loc = rec_child(w, vloc, 1);
        DO(consume_type(w, TOK_IDENTIFIER));
        rec_done(w, loc);
    }
    DO(consume(w, "="));
    {
        Rec loc = rec_child(w, vloc, 2);
        try_consume(w, "-");
        DO(consume_type(w, TOK_INTEGER));
        rec_done(w, loc);
    }
    if (looking_at(w, "[")) {
        Rec loc = rec_child(w, vloc, 3);
        DO(consume(w, "["));
        int options = 0;
        do
            DO(parse_option(w, &options, loc, OPTION_ASSIGNMENT));
        while (try_consume(w, ","));
        DO(consume(w, "]"));
        rec_done(w, loc);
    }
    return consume_end_of_declaration(w, ";", &vloc);
}

/* ParseEnumDefinition: 'enum' name '{' (option | reserved | value | ';')* '}' */
static bool parse_enum_definition(Walk *w, Rec eloc)
{
    DO(consume(w, "enum"));
    {
        Rec loc = rec_child(w, eloc, 1);
        DO(consume_type(w, TOK_IDENTIFIER));
        rec_done(w, loc);
    }
    DO(consume_end_of_declaration(w, "{", &eloc));
    int values = 0, options = 0, reserved_names = 0, reserved_ranges = 0;
    while (!try_consume_end_of_declaration(w, "}", NULL)) {
        if (at_end(w))
            return false;
        if (try_consume_end_of_declaration(w, ";", NULL)) {
            continue;
        } else if (looking_at(w, "option")) {
            Rec loc = rec_child(w, eloc, 3);
            DO(parse_option(w, &options, loc, OPTION_STATEMENT));
            rec_done(w, loc);
        } else if (looking_at(w, "reserved")) {
            DO(parse_reserved(w, eloc, &reserved_names, &reserved_ranges, true));
        } else {
            Rec loc = rec_child2(w, eloc, 2, values++);
            DO(parse_enum_constant(w, loc));
            rec_done(w, loc);
        }
    }
    return true;
}

/* ParseServiceMethod: 'rpc' name '(' ['stream'] type ')' 'returns'
 * '(' ['stream'] type ')' (';' | '{' (option | ';')* '}') */
static bool parse_service_method(Walk *w, Rec mloc)
{
    DO(consume(w, "rpc"));
    {
        Rec loc = rec_child(w, mloc, 1);
        DO(consume_type(w, TOK_IDENTIFIER));
        rec_done(w, loc);
    }
    for (int side = 0; side < 2; side++) {
        if (side == 1)
            DO(consume(w, "returns"));
        DO(consume(w, "("));
        if (looking_at(w, "stream")) {
            Rec loc = rec_child(w, mloc, side == 0 ? 5 : 6);
            tok_next(&w->s);
            rec_done(w, loc);
        }
        Rec loc = rec_child(w, mloc, side == 0 ? 2 : 3);
        DO(parse_user_defined_type(w));
        rec_done(w, loc);
        DO(consume(w, ")"));
    }
    if (!looking_at(w, "{"))
        return consume_end_of_declaration(w, ";", &mloc);
    /* ParseMethodOptions */
    consume_end_of_declaration(w, "{", &mloc);
    int options = 0;
    while (!try_consume_end_of_declaration(w, "}", NULL)) {
        if (at_end(w))
            return false;
        if (try_consume_end_of_declaration(w, ";", NULL))
            continue;
        Rec loc = rec_child(w, mloc, 4);
        DO(parse_option(w, &options, loc, OPTION_STATEMENT));
        rec_done(w, loc);
    }
    return true;
}

/* ParseServiceDefinition: 'service' name '{' (option | rpc | ';')* '}' */
static bool parse_service_definition(Walk *w, Rec sloc)
{
    DO(consume(w, "service"));
    {
        Rec loc = rec_child(w, sloc, 1);
        DO(consume_type(w, TOK_IDENTIFIER));
        rec_done(w, loc);
    }
    DO(consume_end_of_declaration(w, "{", &sloc));
    int methods = 0, options = 0;
    while (!try_consume_end_of_declaration(w, "}", NULL)) {
        if (at_end(w))
            return false;
        if (try_consume_end_of_declaration(w, ";", NULL)) {
            continue;
        } else if (looking_at(w, "option")) {
            Rec loc = rec_child(w, sloc, 3);
            DO(parse_option(w, &options, loc, OPTION_STATEMENT));
            rec_done(w, loc);
        } else {
            Rec loc = rec_child2(w, sloc, 2, methods++);
            DO(parse_service_method(w, loc));
            rec_done(w, loc);
        }
    }
    return true;
}

/* What the file has so far: the indexes of the next ones. */
typedef struct FileCount {
    int messages, enums, services, extensions, dependencies, public_deps, weak_deps, options;
} FileCount;

/* ParseTopLevelStatement */
static bool parse_top_level_statement(Walk *w, FileCount *fc, Rec root)
{
    bool ok = true;
    if (try_consume_end_of_declaration(w, ";", NULL))
        return true;
    if (looking_at(w, "message")) {
        Rec loc = rec_child2(w, root, 4, fc->messages++);
        ok = parse_message_definition(w, loc);
        rec_done(w, loc);
    } else if (looking_at(w, "enum")) {
        Rec loc = rec_child2(w, root, 5, fc->enums++);
        ok = parse_enum_definition(w, loc);
        rec_done(w, loc);
    } else if (looking_at(w, "service")) {
        Rec loc = rec_child2(w, root, 6, fc->services++);
        ok = parse_service_definition(w, loc);
        rec_done(w, loc);
    } else if (looking_at(w, "extend")) {
        Rec loc = rec_child(w, root, 7);
        ok = parse_extend(w, &fc->extensions, &fc->messages, root, 4, loc);
        rec_done(w, loc);
    } else if (looking_at(w, "import")) {
        /* ParseImport: 'import' ['public' | 'weak'] string ';' */
        Rec loc = rec_child2(w, root, 3, fc->dependencies++);
        DO(consume(w, "import"));
        if (looking_at(w, "public") || looking_at(w, "weak")) {
            bool pub = looking_at(w, "public");
            Rec kind = rec_child2(w, root, pub ? 10 : 11,
                                  pub ? fc->public_deps++ : fc->weak_deps++);
            tok_next(&w->s);
            rec_done(w, kind);
        }
        DO(consume_string(w));
        ok = consume_end_of_declaration(w, ";", &loc);
        rec_done(w, loc);
    } else if (looking_at(w, "package")) {
        /* ParsePackage: 'package' ident ('.' ident)* ';' */
        Rec loc = rec_child(w, root, 2);
        DO(consume(w, "package"));
        do
            DO(consume_type(w, TOK_IDENTIFIER));
        while (try_consume(w, "."));
        ok = consume_end_of_declaration(w, ";", &loc);
        rec_done(w, loc);
    } else if (looking_at(w, "option")) {
        Rec loc = rec_child(w, root, 8);
        ok = parse_option(w, &fc->options, loc, OPTION_STATEMENT);
        rec_done(w, loc);
    } else {
        return false;
    }
    return ok;
}

/* Parser::Parse */
static bool parse_proto(Walk *w)
{
    if (w->s.current.type == TOK_START)
        tok_next_with_comments(&w->s, NULL, &w->upcoming_detached, &w->upcoming_doc);
    Rec root = rec_new(w, &w->list, NULL);
    if (looking_at(w, "syntax")) {
        /* ParseSyntaxIdentifier: 'syntax' '=' string ';' */
        Rec loc = rec_child(w, root, 12);
        DO(consume(w, "syntax"));
        DO(consume(w, "="));
        DO(consume_string(w));
        DO(consume_end_of_declaration(w, ";", &loc));
        rec_done(w, loc);
    }
    FileCount fc = { 0 };
    while (!at_end(w))
        DO(parse_top_level_statement(w, &fc, root));
    rec_done(w, root);
    return true;
}

/* ------------------------------------------------- interpreted options */

/* uninterpreted option path -> interpreted option path, by hash. */
typedef struct PathEntry {
    I32Vec from;
    I32Vec to;
    uint64_t hash;
} PathEntry;

typedef struct PathMap {
    Arena *a;
    PathEntry *slots;
    size_t cap;
    size_t len;
} PathMap;

static uint64_t path_hash(const int32_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint32_t)p[i];
        h *= 1099511628211ull;
    }
    return h | 1;
}

static void pathmap_put(PathMap *m, I32Vec from, I32Vec to)
{
    if ((m->len + 1) * 2 > m->cap) {
        PathMap bigger = { m->a, NULL, m->cap ? m->cap * 2 : 64, 0 };
        bigger.slots = arena_alloc(m->a, bigger.cap * sizeof *bigger.slots);
        memset(bigger.slots, 0, bigger.cap * sizeof *bigger.slots);
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].hash)
                pathmap_put(&bigger, m->slots[i].from, m->slots[i].to);
        *m = bigger;
    }
    uint64_t h = path_hash(from.items, from.len);
    size_t i = h & (m->cap - 1);
    while (m->slots[i].hash)
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = (PathEntry){ from, to, h };
    m->len++;
}

static const I32Vec *pathmap_get(const PathMap *m, const I32Vec *from)
{
    if (!m->cap)
        return NULL;
    uint64_t h = path_hash(from->items, from->len);
    for (size_t i = h & (m->cap - 1); m->slots[i].hash; i = (i + 1) & (m->cap - 1)) {
        const PathEntry *e = &m->slots[i];
        if (e->hash == h && e->from.len == from->len &&
            memcmp(e->from.items, from->items, from->len * sizeof(int32_t)) == 0)
            return &e->to;
    }
    return NULL;
}

typedef struct PathBuilder {
    Arena *a;
    PathMap map;
    I32Vec stack; /* the path of the element being walked */
} PathBuilder;

static void push(PathBuilder *b, int32_t x)
{
    VEC_PUSH(b->a, &b->stack, x);
}

static void pop(PathBuilder *b, size_t n)
{
    b->stack.len -= n;
}

/* The options at the current path (the element's options field included). */
static void add_options(PathBuilder *b, DescOptKind kind, const OptionVec *opts)
{
    if (!opts->len)
        return;
    PathVec rel = { 0 };
    desc_option_paths(b->a, kind, opts, &rel);
    for (size_t i = 0; i < rel.len; i++) {
        I32Vec from = { 0 }, to = { 0 };
        for (size_t k = 0; k < b->stack.len; k++) {
            VEC_PUSH(b->a, &from, b->stack.items[k]);
            VEC_PUSH(b->a, &to, b->stack.items[k]);
        }
        VEC_PUSH(b->a, &from, 999);
        VEC_PUSH(b->a, &from, (int32_t)i);
        for (size_t k = 0; k < rel.items[i].len; k++)
            VEC_PUSH(b->a, &to, rel.items[i].items[k]);
        pathmap_put(&b->map, from, to);
    }
}

static void paths_field(PathBuilder *b, const Field *fd)
{
    push(b, 8);
    add_options(b, DOPT_FIELD, &fd->options);
    pop(b, 1);
}

static void paths_extends(PathBuilder *b, const ExtendVec *extends, int32_t number)
{
    int32_t k = 0;
    for (size_t i = 0; i < extends->len; i++)
        for (size_t j = 0; j < extends->items[i]->fields.len; j++) {
            push(b, number);
            push(b, k++);
            paths_field(b, extends->items[i]->fields.items[j]);
            pop(b, 2);
        }
}

static void paths_enum(PathBuilder *b, const Enum *e)
{
    push(b, 3);
    add_options(b, DOPT_ENUM, &e->options);
    pop(b, 1);
    for (size_t i = 0; i < e->values.len; i++) {
        push(b, 2);
        push(b, (int32_t)i);
        push(b, 3);
        add_options(b, DOPT_ENUM_VALUE, &e->values.items[i]->options);
        pop(b, 3);
    }
}

static void paths_message(PathBuilder *b, const Message *m)
{
    push(b, 7);
    add_options(b, DOPT_MESSAGE, &m->options);
    pop(b, 1);
    for (size_t i = 0; i < m->fields.len; i++) {
        push(b, 2);
        push(b, (int32_t)i);
        paths_field(b, m->fields.items[i]);
        pop(b, 2);
    }
    for (size_t i = 0; i < m->messages.len; i++) {
        push(b, 3);
        push(b, (int32_t)i);
        paths_message(b, m->messages.items[i]);
        pop(b, 2);
    }
    for (size_t i = 0; i < m->enums.len; i++) {
        push(b, 4);
        push(b, (int32_t)i);
        paths_enum(b, m->enums.items[i]);
        pop(b, 2);
    }
    for (size_t i = 0; i < m->extension_ranges.len; i++) {
        push(b, 5);
        push(b, (int32_t)i);
        push(b, 3);
        add_options(b, DOPT_RANGE, &m->extension_ranges.items[i].options);
        pop(b, 3);
    }
    paths_extends(b, &m->extends, 6);
    for (size_t i = 0; i < m->oneofs.len; i++) {
        push(b, 8);
        push(b, (int32_t)i);
        push(b, 2);
        add_options(b, DOPT_ONEOF, &m->oneofs.items[i]->options);
        pop(b, 3);
    }
}

static void paths_file(PathBuilder *b, const File *f)
{
    push(b, 8);
    add_options(b, DOPT_FILE, &f->options);
    pop(b, 1);
    for (size_t i = 0; i < f->messages.len; i++) {
        push(b, 4);
        push(b, (int32_t)i);
        paths_message(b, f->messages.items[i]);
        pop(b, 2);
    }
    for (size_t i = 0; i < f->enums.len; i++) {
        push(b, 5);
        push(b, (int32_t)i);
        paths_enum(b, f->enums.items[i]);
        pop(b, 2);
    }
    for (size_t i = 0; i < f->services.len; i++) {
        const Service *s = f->services.items[i];
        push(b, 6);
        push(b, (int32_t)i);
        push(b, 3);
        add_options(b, DOPT_SERVICE, &s->options);
        pop(b, 1);
        for (size_t j = 0; j < s->methods.len; j++) {
            push(b, 2);
            push(b, (int32_t)j);
            push(b, 4);
            add_options(b, DOPT_METHOD, &s->methods.items[j]->options);
            pop(b, 3);
        }
        pop(b, 2);
    }
    paths_extends(b, &f->extends, 7);
}

static bool has_prefix(const I32Vec *path, const I32Vec *prefix)
{
    return path->len >= prefix->len &&
           memcmp(path->items, prefix->items, prefix->len * sizeof(int32_t)) == 0;
}

/* OptionInterpreter::UpdateSourceCodeInfo: each location at an
 * uninterpreted option's path moves to the interpreted path, and the
 * locations right after it under the old path (its name and value) go. */
static void update_paths(Walk *w, const PathMap *map)
{
    if (!map->len)
        return;
    size_t out = 0;
    bool matched = false;
    I32Vec pathv = { 0 };
    for (size_t i = 0; i < w->list.len; i++) {
        LocRec lr = w->list.items[i];
        if (matched) {
            if (has_prefix(&lr.path, &pathv))
                continue;
            matched = false;
        }
        pathv = lr.path;
        const I32Vec *to = pathmap_get(map, &lr.path);
        if (to) {
            matched = true;
            lr.path = *to;
        }
        w->list.items[out++] = lr; /* out <= i: kept in place */
    }
    w->list.len = out;
}

/* ------------------------------------------------------------ output */

/* Comment text lives in the arena, NUL-terminated; empty means none. */
static char *comment(const Text *t)
{
    return t->len ? t->data : NULL;
}

Google__Protobuf__SourceCodeInfo *desc_source_info(Arena *a, File *f)
{
    Walk w = { .a = a };
    tok_init(&w.s, a, f->src->text, f->src->len);
    if (!parse_proto(&w)) {
        free(w.list.items);
        return NULL;
    }

    PathBuilder b = { .a = a, .map = { .a = a } };
    paths_file(&b, f);
    update_paths(&w, &b.map);

    /* One block each for the messages, their pointers and their spans. */
    size_t n = w.list.len;
    Google__Protobuf__SourceCodeInfo *info = arena_alloc(a, sizeof *info);
    google__protobuf__source_code_info__init(info);
    LocationProto *locs = arena_alloc(a, (n ? n : 1) * sizeof *locs);
    info->location = arena_alloc(a, (n ? n : 1) * sizeof *info->location);
    info->n_location = n;
    int32_t *spans = arena_alloc(a, (n ? n : 1) * 4 * sizeof *spans);
    for (size_t i = 0; i < n; i++) {
        const LocRec *lr = &w.list.items[i];
        LocationProto *lp = &locs[i];
        google__protobuf__source_code_info__location__init(lp);
        lp->n_path = lr->path.len;
        lp->path = lr->path.items;
        lp->n_span = (size_t)lr->nspan;
        lp->span = &spans[4 * i];
        memcpy(lp->span, lr->span, sizeof lr->span);
        lp->leading_comments = comment(&lr->leading);
        lp->trailing_comments = comment(&lr->trailing);
        if (lr->detached.len) {
            lp->n_leading_detached_comments = lr->detached.len;
            lp->leading_detached_comments = arena_alloc(a, lr->detached.len * sizeof(char *));
            for (size_t k = 0; k < lr->detached.len; k++)
                lp->leading_detached_comments[k] = lr->detached.items[k].data
                                                       ? lr->detached.items[k].data
                                                       : "";
        }
        info->location[i] = lp;
    }
    free(w.list.items);
    return info;
}
