/*
 * options.c — option names and values: the known options of
 * descriptor.proto, custom options, and the `default` and `json_name`
 * pseudo-options of fields.
 *
 * Plain option names (`java_package`) are fields of the options messages of
 * the descriptor.proto that is loaded, as in protoc, so a vendored newer
 * descriptor.proto brings its new options; when none is loaded they come
 * from a table copied from protoc 3.21's descriptor.proto, so a file need not
 * import descriptor.proto to set `java_package`. Custom
 * options `(foo.bar).baz` are interpreted as protoc's OptionInterpreter does:
 * `foo.bar` is looked up (with the usual scoping, from the scope of the
 * element that carries the option) and must be an extension of the right
 * google.protobuf.XxxOptions message; each later part is a field of the
 * message type reached so far; the value must fit the last field's type, and
 * an aggregate `{ ... }` is checked field by field like protobuf text format.
 *
 * protoc reports every problem inside an aggregate at the start of the
 * option's value, so we do too, with a note pointing into the aggregate.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* ------------------------------------------------------------ the table */

typedef enum OptTarget {
    OPT_FILE,
    OPT_MESSAGE,
    OPT_FIELD,
    OPT_ONEOF,
    OPT_ENUM,
    OPT_ENUM_VALUE,
    OPT_SERVICE,
    OPT_METHOD,
    OPT_RANGE,
} OptTarget;

static const char *const options_message[] = {
    [OPT_FILE] = "google.protobuf.FileOptions",
    [OPT_MESSAGE] = "google.protobuf.MessageOptions",
    [OPT_FIELD] = "google.protobuf.FieldOptions",
    [OPT_ONEOF] = "google.protobuf.OneofOptions",
    [OPT_ENUM] = "google.protobuf.EnumOptions",
    [OPT_ENUM_VALUE] = "google.protobuf.EnumValueOptions",
    [OPT_SERVICE] = "google.protobuf.ServiceOptions",
    [OPT_METHOD] = "google.protobuf.MethodOptions",
    [OPT_RANGE] = "google.protobuf.ExtensionRangeOptions",
};

typedef struct KnownOption {
    OptTarget target;
    const char *name;
    FieldType type;
    const char *const *values; /* TYPE_ENUM: the value names, NULL-terminated */
    const char *enum_name;
} KnownOption;

static const char *const optimize_mode[] = { "SPEED", "CODE_SIZE", "LITE_RUNTIME", NULL };
static const char *const ctype_values[] = { "STRING", "CORD", "STRING_PIECE", NULL };
static const char *const jstype_values[] = { "JS_NORMAL", "JS_STRING", "JS_NUMBER", NULL };
static const char *const idempotency[] = { "IDEMPOTENCY_UNKNOWN", "NO_SIDE_EFFECTS", "IDEMPOTENT",
                                           NULL };

static const KnownOption known_options[] = {
    { OPT_FILE, "java_package", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "java_outer_classname", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "java_multiple_files", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "java_generate_equals_and_hash", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "java_string_check_utf8", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "optimize_for", TYPE_ENUM, optimize_mode,
      "google.protobuf.FileOptions.OptimizeMode" },
    { OPT_FILE, "go_package", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "cc_generic_services", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "java_generic_services", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "py_generic_services", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "php_generic_services", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "deprecated", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "cc_enable_arenas", TYPE_BOOL, NULL, NULL },
    { OPT_FILE, "objc_class_prefix", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "csharp_namespace", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "swift_prefix", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "php_class_prefix", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "php_namespace", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "php_metadata_namespace", TYPE_STRING, NULL, NULL },
    { OPT_FILE, "ruby_package", TYPE_STRING, NULL, NULL },
    { OPT_MESSAGE, "message_set_wire_format", TYPE_BOOL, NULL, NULL },
    { OPT_MESSAGE, "no_standard_descriptor_accessor", TYPE_BOOL, NULL, NULL },
    { OPT_MESSAGE, "deprecated", TYPE_BOOL, NULL, NULL },
    { OPT_MESSAGE, "map_entry", TYPE_BOOL, NULL, NULL },
    { OPT_FIELD, "ctype", TYPE_ENUM, ctype_values, "google.protobuf.FieldOptions.CType" },
    { OPT_FIELD, "packed", TYPE_BOOL, NULL, NULL },
    { OPT_FIELD, "jstype", TYPE_ENUM, jstype_values, "google.protobuf.FieldOptions.JSType" },
    { OPT_FIELD, "lazy", TYPE_BOOL, NULL, NULL },
    { OPT_FIELD, "unverified_lazy", TYPE_BOOL, NULL, NULL },
    { OPT_FIELD, "deprecated", TYPE_BOOL, NULL, NULL },
    { OPT_FIELD, "weak", TYPE_BOOL, NULL, NULL },
    { OPT_ENUM, "allow_alias", TYPE_BOOL, NULL, NULL },
    { OPT_ENUM, "deprecated", TYPE_BOOL, NULL, NULL },
    { OPT_ENUM_VALUE, "deprecated", TYPE_BOOL, NULL, NULL },
    { OPT_SERVICE, "deprecated", TYPE_BOOL, NULL, NULL },
    { OPT_METHOD, "deprecated", TYPE_BOOL, NULL, NULL },
    { OPT_METHOD, "idempotency_level", TYPE_ENUM, idempotency,
      "google.protobuf.MethodOptions.IdempotencyLevel" },
};

static const KnownOption *find_known(OptTarget target, const char *name)
{
    for (size_t i = 0; i < sizeof known_options / sizeof *known_options; i++)
        if (known_options[i].target == target && strcmp(known_options[i].name, name) == 0)
            return &known_options[i];
    return NULL;
}

/* --------------------------------------------------------- small helpers */

Option *options_field_pseudo(const Field *fd, const char *name)
{
    for (size_t i = 0; i < fd->options.len; i++) {
        Option *o = fd->options.items[i];
        if (o->name.len == 1 && !o->name.items[0].is_extension &&
            strcmp(o->name.items[0].name, name) == 0)
            return o;
    }
    return NULL;
}

static char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* protoc's ToJsonName: drop each '_' and capitalize the letter after it. */
const char *options_json_name_default(Arena *arena, const char *name)
{
    if (!strchr(name, '_'))
        return name; /* most names: the JSON name is the name itself */
    char *out = arena_alloc(arena, strlen(name) + 1);
    size_t j = 0;
    bool cap_next = false;
    for (const char *p = name; *p; p++) {
        if (*p == '_') {
            cap_next = true;
        } else if (cap_next) {
            out[j++] = ascii_upper(*p);
            cap_next = false;
        } else {
            out[j++] = *p;
        }
    }
    out[j] = '\0';
    return out;
}

static bool is_pseudo_option(const Option *o)
{
    return o->name.len == 1 && !o->name.items[0].is_extension &&
           (strcmp(o->name.items[0].name, "default") == 0 ||
            strcmp(o->name.items[0].name, "json_name") == 0);
}

static const Option *find_plain_option(const OptionVec *opts, const char *name)
{
    for (size_t i = 0; i < opts->len; i++) {
        const Option *o = opts->items[i];
        if (o->name.len == 1 && !o->name.items[0].is_extension &&
            strcmp(o->name.items[0].name, name) == 0)
            return o;
    }
    return NULL;
}

static bool value_is_ident(const Value *v, const char *s)
{
    return v && v->kind == VAL_IDENT && !v->negative && v->s && strcmp(v->s, s) == 0;
}

bool options_bool_set(const OptionVec *opts, const char *name)
{
    const Option *o = find_plain_option(opts, name);
    return o && value_is_ident(o->value, "true");
}

static const char *plain_option_ident(const OptionVec *opts, const char *name)
{
    const Option *o = find_plain_option(opts, name);
    return o && o->value && o->value->kind == VAL_IDENT ? o->value->s : NULL;
}

static bool is_integral(FieldType t)
{
    switch (t) {
    case TYPE_INT32:
    case TYPE_SINT32:
    case TYPE_SFIXED32:
    case TYPE_INT64:
    case TYPE_SINT64:
    case TYPE_SFIXED64:
    case TYPE_UINT32:
    case TYPE_FIXED32:
    case TYPE_UINT64:
    case TYPE_FIXED64: return true;
    case TYPE_NONE:
    case TYPE_DOUBLE:
    case TYPE_FLOAT:
    case TYPE_BOOL:
    case TYPE_STRING:
    case TYPE_GROUP:
    case TYPE_MESSAGE:
    case TYPE_BYTES:
    case TYPE_ENUM: return false;
    }
    return false;
}

/* Whether an integer with this sign and magnitude fits the type. */
static bool int_fits(FieldType t, bool negative, uint64_t u)
{
    switch (t) {
    case TYPE_INT32:
    case TYPE_SINT32:
    case TYPE_SFIXED32: return negative ? u <= (uint64_t)INT32_MAX + 1 : u <= INT32_MAX;
    case TYPE_INT64:
    case TYPE_SINT64:
    case TYPE_SFIXED64: return negative ? u <= (uint64_t)INT64_MAX + 1 : u <= INT64_MAX;
    case TYPE_UINT32:
    case TYPE_FIXED32: return !negative && u <= UINT32_MAX;
    case TYPE_UINT64:
    case TYPE_FIXED64: return !negative;
    default: return false;
    }
}

static bool is_unsigned(FieldType t)
{
    return t == TYPE_UINT32 || t == TYPE_FIXED32 || t == TYPE_UINT64 || t == TYPE_FIXED64;
}

/* ------------------------------------------------------- default values */

static void check_default_scalar(Resolver *r, Field *fd, const Value *v)
{
    FieldType t = fd->type;
    if (is_integral(t)) {
        if (v->kind != VAL_INT) {
            rerror(r, v->loc, "default value of %s field '%s' must be an integer", ast_type_name(t),
                   fd->name);
        } else if (v->negative && is_unsigned(t)) {
            rerror(r, v->loc, "unsigned field '%s' cannot have a negative default", fd->name);
        } else if (!int_fits(t, v->negative, v->u)) {
            rerror(r, v->loc, "default value %s%" PRIu64 " is out of range for %s",
                   v->negative ? "-" : "", v->u, ast_type_name(t));
        }
        return;
    }
    switch (t) {
    case TYPE_FLOAT:
    case TYPE_DOUBLE:
        if (v->kind == VAL_INT || v->kind == VAL_FLOAT ||
            (v->kind == VAL_IDENT && (strcmp(v->s, "inf") == 0 || strcmp(v->s, "nan") == 0)))
            return;
        rerror(r, v->loc, "default value of %s field '%s' must be a number", ast_type_name(t),
               fd->name);
        return;
    case TYPE_BOOL:
        if (value_is_ident(v, "true") || value_is_ident(v, "false"))
            return;
        rerror(r, v->loc, "default value of bool field '%s' must be true or false", fd->name);
        return;
    case TYPE_STRING:
    case TYPE_BYTES:
        if (v->kind != VAL_STRING)
            rerror(r, v->loc, "default value of %s field '%s' must be a string", ast_type_name(t),
                   fd->name);
        return;
    case TYPE_GROUP:
    case TYPE_MESSAGE: rerror(r, v->loc, "message fields cannot have default values"); return;
    case TYPE_ENUM:
        if (!fd->enum_type)
            return;
        if (v->kind == VAL_IDENT && !v->negative) {
            for (size_t i = 0; i < fd->enum_type->values.len; i++)
                if (strcmp(fd->enum_type->values.items[i]->name, v->s) == 0)
                    return;
            rerror(r, v->loc, "enum '%s' has no value named '%s'", fd->enum_type->full_name, v->s);
        } else {
            rerror(r, v->loc, "default value of enum field '%s' must name a value of '%s'",
                   fd->name, fd->enum_type->full_name);
        }
        rnote(r, fd->enum_type->name_loc, "'%s' is defined here", fd->enum_type->full_name);
        return;
    case TYPE_NONE: /* unresolved: already reported */
    default: return;
    }
}

/* The default option of a field, once pseudo-option syntax has passed. */
static Option *default_option(const Field *fd)
{
    Option *def = options_field_pseudo(fd, "default");
    return def && def->value ? def : NULL;
}

void options_check_pseudo_syntax(Resolver *r, Field *fd)
{
    Option *def = NULL;
    Option *json = NULL;
    for (size_t i = 0; i < fd->options.len; i++) {
        Option *o = fd->options.items[i];
        if (!is_pseudo_option(o))
            continue;
        bool is_default = strcmp(o->name.items[0].name, "default") == 0;
        Option **slot = is_default ? &def : &json;
        if (*slot) {
            rerror(r, o->loc, "option '%s' was already set", o->name.items[0].name);
            rnote(r, (*slot)->loc, "first set here");
            continue;
        }
        *slot = o;
    }
    if (json && json->value && json->value->kind != VAL_STRING)
        rerror(r, json->value->loc, "json_name must be a string");
    /* Scalar types are known while parsing, so protoc's parser checks their
     * defaults; named types wait for the link phase. */
    if (def && def->value && fd->type != TYPE_NONE && fd->type != TYPE_ENUM &&
        fd->type != TYPE_MESSAGE && !fd->is_map)
        check_default_scalar(r, fd, def->value);
}

void options_check_default_link(Resolver *r, Field *fd)
{
    Option *def = default_option(fd);
    if (!def)
        return;
    if (fd->label == LABEL_REPEATED) {
        rerror(r, def->value->loc, "repeated fields cannot have default values");
        return;
    }
    if (fd->type == TYPE_ENUM || (fd->type == TYPE_MESSAGE && fd->type_name))
        check_default_scalar(r, fd, def->value);
}

/* ----------------------------------------------------- option interpreting */

/* What an option name part denotes: a known option of descriptor.proto, or
 * a field (an extension, or a field of a message-typed option). */
typedef struct OptField {
    const KnownOption *known;
    Field *field;
    const char *name; /* for messages: as the user writes it */
} OptField;

static FieldType optfield_type(const OptField *of)
{
    return of->known ? of->known->type : of->field->type;
}

static bool optfield_repeated(const OptField *of)
{
    return of->field && of->field->label == LABEL_REPEATED;
}

/* Context for checking one option. */
typedef struct OptCtx {
    Resolver *r;
    const Option *opt;
    const char *display; /* the option name as written: "(foo).bar" */
    Loc value_loc;       /* where protoc reports value errors */
    bool failed;
} OptCtx;

/* An error inside an aggregate: reported at the option's value, as protoc
 * does, with a note at the offending entry. */
TRPC_PRINTF(3, 4)
static void agg_error(OptCtx *cx, Loc at, const char *fmt, ...);

static void agg_error(OptCtx *cx, Loc at, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (cx->failed)
        return; /* protoc stops at the first error in an option value */
    cx->failed = true;
    rerror(cx->r, cx->value_loc, "in the value of option '%s': %s", cx->display, buf);
    if (at.line != cx->value_loc.line || at.col != cx->value_loc.col)
        rnote(cx->r, at, "here");
}

/* Whether an integer value was written in decimal: text format takes only
 * decimal integers for float fields (protoc: "Expect a decimal number").
 * The parser records the base the literal was written in. */
static bool written_in_decimal(const Value *v)
{
    if (v->base)
        return v->base == 10;
    /* Older parsers left base 0: look at the source. */
    const Source *src = v->loc.src;
    if (!src || v->loc.line < 1 || v->loc.col < 1)
        return true;
    size_t pos = 0;
    for (int line = 1; line < v->loc.line && pos < src->len; pos++)
        if (src->text[pos] == '\n')
            line++;
    pos += (size_t)v->loc.col - 1;
    while (pos < src->len &&
           (src->text[pos] == '-' || src->text[pos] == ' ' || src->text[pos] == '\t'))
        pos++;
    if (pos + 1 >= src->len || src->text[pos] != '0')
        return true;
    char next = src->text[pos + 1];
    return !(next == 'x' || next == 'X' || (next >= '0' && next <= '9'));
}

static EnumValue *enum_value_named(const Enum *e, const char *name)
{
    for (size_t i = 0; i < e->values.len; i++)
        if (strcmp(e->values.items[i]->name, name) == 0)
            return e->values.items[i];
    return NULL;
}

static EnumValue *enum_value_numbered(const Enum *e, uint64_t u, bool negative)
{
    for (size_t i = 0; i < e->values.len; i++) {
        int64_t n = e->values.items[i]->number;
        if ((negative && n < 0 && (uint64_t)(-(n + 1)) + 1 == u) ||
            (!negative && n >= 0 && (uint64_t)n == u))
            return e->values.items[i];
    }
    return NULL;
}

static void check_aggregate(OptCtx *cx, Message *m, const Value *v);
static void check_any_expansion(OptCtx *cx, Message *m, const AggEntry *e, const char *slash);

/* A scalar or message value inside an aggregate, by text-format rules. */
static void check_text_value(OptCtx *cx, Field *fd, const Value *v)
{
    FieldType t = fd->type;
    if (t == TYPE_MESSAGE || t == TYPE_GROUP) {
        if (v->kind != VAL_AGGREGATE) {
            agg_error(cx, v->loc, "field '%s' is a message; its value must be { ... }", fd->name);
            return;
        }
        if (fd->msg_type)
            check_aggregate(cx, fd->msg_type, v);
        return;
    }
    if (v->kind == VAL_AGGREGATE) {
        agg_error(cx, v->loc, "field '%s' is a %s, not a message", fd->name, ast_type_name(t));
        return;
    }
    /* An integer too large for 64 bits (the parser keeps it as a double):
     * text format takes it for a float or double field only. */
    if (v->int_overflow && t != TYPE_FLOAT && t != TYPE_DOUBLE) {
        agg_error(cx, v->loc, "integer %s%.40s is out of range for %s field '%s'",
                  v->negative ? "-" : "", v->s, ast_type_name(t), fd->name);
        return;
    }
    if (is_integral(t)) {
        if (v->kind != VAL_INT)
            agg_error(cx, v->loc, "field '%s' needs an integer", fd->name);
        else if (!int_fits(t, v->negative, v->u))
            agg_error(cx, v->loc, "value %s%" PRIu64 " is out of range for %s field '%s'",
                      v->negative ? "-" : "", v->u, ast_type_name(t), fd->name);
        return;
    }
    switch (t) {
    case TYPE_FLOAT:
    case TYPE_DOUBLE:
        if ((v->kind == VAL_INT || v->int_overflow) && !written_in_decimal(v)) {
            agg_error(cx, v->loc, "field '%s' needs a decimal number, not hex or octal", fd->name);
            return;
        }
        if (v->kind == VAL_INT || v->kind == VAL_FLOAT)
            return;
        if (v->kind == VAL_IDENT &&
            (strcasecmp(v->s, "inf") == 0 || strcasecmp(v->s, "infinity") == 0 ||
             strcasecmp(v->s, "nan") == 0))
            return;
        agg_error(cx, v->loc, "field '%s' needs a number", fd->name);
        return;
    case TYPE_BOOL:
        if (v->kind == VAL_IDENT && !v->negative &&
            (strcmp(v->s, "true") == 0 || strcmp(v->s, "false") == 0 || strcmp(v->s, "True") == 0 ||
             strcmp(v->s, "False") == 0 || strcmp(v->s, "t") == 0 || strcmp(v->s, "f") == 0))
            return;
        if (v->kind == VAL_INT && !v->negative && v->u <= 1)
            return;
        agg_error(cx, v->loc, "field '%s' needs true or false", fd->name);
        return;
    case TYPE_STRING:
    case TYPE_BYTES:
        if (v->kind != VAL_STRING)
            agg_error(cx, v->loc, "field '%s' needs a string", fd->name);
        return;
    case TYPE_ENUM:
        if (!fd->enum_type)
            return;
        if (v->kind == VAL_IDENT && !v->negative) {
            if (!enum_value_named(fd->enum_type, v->s))
                agg_error(cx, v->loc, "enum '%s' has no value named '%s'", fd->enum_type->full_name,
                          v->s);
        } else if (v->kind == VAL_INT) {
            /* Text format accepts a number; a closed (proto2) enum needs a
             * defined one. */
            if (!int_fits(TYPE_INT32, v->negative, v->u))
                agg_error(cx, v->loc, "value is out of range for enum field '%s'", fd->name);
            else if (fd->enum_type->file->syntax == SYNTAX_PROTO2 &&
                     !enum_value_numbered(fd->enum_type, v->u, v->negative))
                agg_error(cx, v->loc, "enum '%s' has no value numbered %s%" PRIu64,
                          fd->enum_type->full_name, v->negative ? "-" : "", v->u);
        } else {
            agg_error(cx, v->loc, "field '%s' needs a value of enum '%s'", fd->name,
                      fd->enum_type->full_name);
        }
        return;
    default: return;
    }
}

/* A field named in an option name: by field name, as FindFieldByName. */
static Field *message_field_named(Message *m, const char *name)
{
    for (size_t i = 0; i < m->fields.len; i++)
        if (strcmp(m->fields.items[i]->name, name) == 0)
            return m->fields.items[i];
    return NULL;
}

/* A field named inside an aggregate, by text-format rules: a group is named
 * by its type name ("MyGroup"), not by its lowercased field name. */
static Field *text_field_named(Message *m, const char *name)
{
    Field *fd = message_field_named(m, name);
    if (!fd) {
        for (size_t i = 0; i < m->fields.len; i++) {
            Field *g = m->fields.items[i];
            if (g->type == TYPE_GROUP && g->group && strcmp(g->group->name, name) == 0)
                return g;
        }
        return NULL;
    }
    if (fd->type == TYPE_GROUP && fd->group && strcmp(fd->group->name, name) != 0)
        return NULL;
    return fd;
}

/* `[type.googleapis.com/pkg.T] { ... }` inside a google.protobuf.Any: the
 * type must be a message visible here, and the body is checked against it. */
static void check_any_expansion(OptCtx *cx, Message *m, const AggEntry *e, const char *slash)
{
    Resolver *r = cx->r;
    size_t prefix_len = (size_t)(slash - e->name);
    bool prefix_ok = (prefix_len == strlen("type.googleapis.com") &&
                      strncmp(e->name, "type.googleapis.com", prefix_len) == 0) ||
                     (prefix_len == strlen("type.googleprod.com") &&
                      strncmp(e->name, "type.googleprod.com", prefix_len) == 0);
    if (strcmp(m->full_name, "google.protobuf.Any") != 0) {
        agg_error(cx, e->loc, "'[%s]' can only be used inside a google.protobuf.Any", e->name);
        return;
    }
    Symbol *sym = prefix_ok
                      ? sym_lookup(r, arena_printf(r->arena, ".%s", slash + 1), "", LOOKUP_ALL)
                      : NULL;
    if (!sym || sym->kind != SYM_MESSAGE) {
        agg_error(cx, e->loc, "cannot find message type '%s' for google.protobuf.Any", e->name);
        return;
    }
    if (!e->value || e->value->kind != VAL_AGGREGATE) {
        agg_error(cx, e->loc, "the value of '[%s]' must be { ... }", e->name);
        return;
    }
    ((AggEntry *)e)->any_type = sym->u.msg;
    check_aggregate(cx, sym->u.msg, e->value);
}

static void check_aggregate(OptCtx *cx, Message *m, const Value *v)
{
    Resolver *r = cx->r;
    NameMap seen;
    namemap_init(&seen, v->entries.len);
    for (size_t i = 0; i < v->entries.len && !cx->failed; i++) {
        AggEntry *e = v->entries.items[i];
        Field *fd = NULL;
        if (e->is_extension) {
            const char *slash = strrchr(e->name, '/');
            if (slash) {
                check_any_expansion(cx, m, e, slash);
                continue;
            }
            Symbol *sym = sym_lookup(r, e->name, m->full_name, LOOKUP_ALL);
            if (sym && sym->kind == SYM_FIELD && sym->u.field->extend &&
                sym->u.field->extend->extendee_msg == m)
                fd = sym->u.field;
            if (!fd) {
                agg_error(cx, e->loc, "'%s' is not an extension of '%s'", e->name, m->full_name);
                break;
            }
        } else {
            fd = text_field_named(m, e->name);
            if (!fd) {
                agg_error(cx, e->loc, "message '%s' has no field named '%s'", m->full_name,
                          e->name);
                break;
            }
        }
        e->field = fd;
        const char *key = fd->full_name;
        if (fd->label != LABEL_REPEATED && namemap_put(&seen, key, strlen(key), fd)) {
            agg_error(cx, e->loc, "field '%s' is set more than once", e->name);
            break;
        }
        if (fd->oneof && !fd->oneof->synthetic) {
            char *okey = arena_printf(r->arena, "oneof:%s", fd->oneof->name);
            Field *other = namemap_put(&seen, okey, strlen(okey), fd);
            if (other && other != fd) {
                agg_error(cx, e->loc,
                          "field '%s' is set along with '%s', another member of "
                          "oneof '%s'",
                          fd->name, other->name, fd->oneof->name);
                break;
            }
        }
        if (!e->value)
            continue;
        /* Text format lets only a message field drop the ':' (before a
         * { ... } value check_text_value says the field is no message). */
        if (e->no_colon && e->value->kind == VAL_LIST && fd->type != TYPE_MESSAGE &&
            fd->type != TYPE_GROUP) {
            agg_error(cx, e->value->loc, "field '%s' (%s) needs ':' before its value", fd->name,
                      ast_type_name(fd->type));
            break;
        }
        if (e->value->kind == VAL_LIST) {
            if (fd->label != LABEL_REPEATED) {
                agg_error(cx, e->value->loc, "field '%s' is not repeated; it cannot take a list",
                          fd->name);
                break;
            }
            for (size_t j = 0; j < e->value->list.len && !cx->failed; j++)
                check_text_value(cx, fd, e->value->list.items[j]);
        } else {
            check_text_value(cx, fd, e->value);
        }
    }
    /* Text format rejects a message that lacks a required field. */
    for (size_t i = 0; i < m->fields.len && !cx->failed; i++) {
        Field *fd = m->fields.items[i];
        if (fd->label == LABEL_REQUIRED &&
            !namemap_get(&seen, fd->full_name, strlen(fd->full_name)))
            agg_error(cx, v->loc, "message '%s' is missing required field '%s'", m->full_name,
                      fd->name);
    }
    namemap_free(&seen);
}

/* A top-level option value, by protoc's SetOptionValue rules (stricter than
 * text format: `inf` is not a number there, enums need a name). */
static void check_option_value(OptCtx *cx, const OptField *of, const Value *v)
{
    Resolver *r = cx->r;
    FieldType t = optfield_type(of);
    const char *name = cx->display;
    if (v->kind == VAL_IDENT && v->negative) {
        rerror(r, v->loc, "'-' cannot come before the identifier '%s'", v->s);
        return;
    }
    if (t == TYPE_MESSAGE || t == TYPE_GROUP) {
        if (v->kind != VAL_AGGREGATE) {
            rerror(r, v->loc,
                   "option '%s' is a message: set it with '%s = { ... }' or set one of "
                   "its fields with '%s.field = value'",
                   name, name, name);
            return;
        }
        if (of->field && of->field->msg_type)
            check_aggregate(cx, of->field->msg_type, v);
        return;
    }
    if (v->kind == VAL_AGGREGATE) {
        rerror(r, v->loc, "option '%s' is a %s, not a message", name, ast_type_name(t));
        return;
    }
    if (is_integral(t)) {
        if (v->kind != VAL_INT) {
            rerror(r, v->loc, "%s option '%s' needs %s integer", ast_type_name(t), name,
                   is_unsigned(t) ? "a non-negative" : "an");
        } else if (v->negative && is_unsigned(t)) {
            rerror(r, v->loc, "%s option '%s' needs a non-negative integer", ast_type_name(t),
                   name);
        } else if (!int_fits(t, v->negative, v->u)) {
            rerror(r, v->loc, "value %s%" PRIu64 " is out of range for %s option '%s'",
                   v->negative ? "-" : "", v->u, ast_type_name(t), name);
        }
        return;
    }
    switch (t) {
    case TYPE_FLOAT:
    case TYPE_DOUBLE:
        if (v->kind != VAL_INT && v->kind != VAL_FLOAT)
            rerror(r, v->loc, "%s option '%s' needs a number", ast_type_name(t), name);
        return;
    case TYPE_BOOL:
        if (v->kind != VAL_IDENT)
            rerror(r, v->loc, "bool option '%s' needs true or false", name);
        else if (strcmp(v->s, "true") != 0 && strcmp(v->s, "false") != 0)
            rerror(r, v->loc, "bool option '%s' needs true or false, not '%s'", name, v->s);
        return;
    case TYPE_STRING:
    case TYPE_BYTES:
        if (v->kind != VAL_STRING)
            rerror(r, v->loc, "%s option '%s' needs a quoted string", ast_type_name(t), name);
        return;
    case TYPE_ENUM:
        if (v->kind != VAL_IDENT) {
            rerror(r, v->loc, "enum option '%s' needs the name of an enum value", name);
            return;
        }
        if (of->known) {
            for (const char *const *p = of->known->values; *p; p++)
                if (strcmp(*p, v->s) == 0)
                    return;
            rerror(r, v->loc, "enum '%s' has no value named '%s'", of->known->enum_name, v->s);
            return;
        }
        if (of->field->enum_type) {
            /* protoc looks the value up as a sibling of the enum, so a value of
             * another enum in the same scope gets its own explanation. */
            Enum *e = of->field->enum_type;
            size_t scope_len = strlen(e->full_name) - strlen(e->name);
            char *full = arena_printf(r->arena, "%.*s%s", (int)scope_len, e->full_name, v->s);
            Symbol *sym = symtab_find(&r->syms, full, strlen(full));
            if (sym && sym->kind == SYM_ENUM_VALUE && sym->u.value->parent == e)
                return;
            if (sym && sym->kind == SYM_ENUM_VALUE)
                rerror(r, v->loc, "enum '%s' has no value named '%s' ('%s' is a value of '%s')",
                       e->full_name, v->s, sym->name, sym->u.value->parent->full_name);
            else
                rerror(r, v->loc, "enum '%s' has no value named '%s'", e->full_name, v->s);
        }
        return;
    default: return;
    }
}

/* Record the leaf paths an option sets, to catch an option set twice:
 * `(m).a = 1` then `(m) = { a: 2 }` sets `a` twice, as in protoc. */
static void record_paths(Resolver *r, StrVec *set, const char *path, const Value *v, Message *m)
{
    VEC_PUSH(r->arena, set, (char *)path);
    if (!v || v->kind != VAL_AGGREGATE || !m)
        return;
    for (size_t i = 0; i < v->entries.len; i++) {
        AggEntry *e = v->entries.items[i];
        Field *fd = e->is_extension ? NULL : text_field_named(m, e->name);
        const char *key = e->is_extension ? arena_printf(r->arena, "(%s)", e->name)
                                          : (fd ? fd->name : e->name);
        char *sub = arena_printf(r->arena, "%s.%s", path, key);
        record_paths(r, set, sub, e->value, fd ? fd->msg_type : NULL);
    }
}

static bool path_set(const StrVec *set, const char *path)
{
    size_t len = strlen(path);
    for (size_t i = 0; i < set->len; i++) {
        const char *s = set->items[i];
        if (strncmp(s, path, len) == 0 && (s[len] == '\0' || s[len] == '.'))
            return true;
    }
    return false;
}

static void display_name(Resolver *r, const Option *o, char **out)
{
    char *s = "";
    for (size_t i = 0; i < o->name.len; i++) {
        const OptionNamePart *p = &o->name.items[i];
        s = arena_printf(r->arena, "%s%s%s%s%s", s, i ? "." : "", p->is_extension ? "(" : "",
                         p->name, p->is_extension ? ")" : "");
    }
    *out = s;
}

/* The options message that plain option names are fields of. protoc reads
 * them from the descriptor.proto it has loaded, when one is: a project may
 * vendor a newer descriptor.proto (googleapis does) whose options messages
 * have fields 3.21's lack, or an older one without some. Its
 * OptionInterpreter looks the message up in the pool by name without
 * enforcing imports (FindSymbolNotEnforcingDeps), so any descriptor.proto
 * built before this file, or this file itself, counts: our symbol table
 * holds exactly those files' symbols at this point. Only when none is loaded
 * does protoc fall back to its compiled-in copy, our table above. */
static Message *loaded_options_message(Resolver *r, OptTarget target)
{
    const char *name = options_message[target];
    Symbol *sym = symtab_find(&r->syms, name, strlen(name));
    return sym && sym->kind == SYM_MESSAGE ? sym->u.msg : NULL;
}

static void interpret_option(Resolver *r, OptTarget target, const char *scope, Option *o,
                             StrVec *set)
{
    char *display;
    display_name(r, o, &display);
    OptCtx cx = { r, o, display, o->value ? o->value->loc : o->loc, false };
    OptField of = { 0 };
    Message *msg = NULL; /* message type reached so far */
    char *path = "";

    for (size_t i = 0; i < o->name.len; i++) {
        const OptionNamePart *p = &o->name.items[i];
        if (i > 0) {
            /* Descending into the previous part: it must be a singular message. */
            if (optfield_type(&of) != TYPE_MESSAGE && optfield_type(&of) != TYPE_GROUP) {
                rerror(r, o->loc,
                       "option '%s' is a %s, not a message: it has no "
                       "field '%s'",
                       of.name, ast_type_name(optfield_type(&of)), p->name);
                return;
            }
            if (optfield_repeated(&of)) {
                rerror(r, o->loc,
                       "option '%s' is a repeated message; set it with an aggregate "
                       "value '{ ... }'",
                       of.name);
                return;
            }
            msg = of.field->msg_type;
            if (!msg)
                return;
        }
        if (p->is_extension) {
            Symbol *sym = sym_lookup(r, p->name, i == 0 ? scope : msg->full_name, LOOKUP_ALL);
            Field *ext = sym && sym->kind == SYM_FIELD ? sym->u.field : NULL;
            if (!ext) {
                rerror(r, o->loc, "option '(%s)' is unknown", p->name);
                if (r->undeclared_file)
                    rnote(r, p->loc, "'%s' is defined in '%s', which is not imported by '%s'",
                          r->undeclared_name, r->undeclared_file->name, r->file->name);
                else
                    rnote(r, p->loc,
                          "a custom option must be declared with 'extend %s' in this file "
                          "or an imported one",
                          i == 0 ? options_message[target] : msg->full_name);
                return;
            }
            const char *want = i == 0 ? options_message[target] : msg->full_name;
            /* protoc accepts any field of the right message in parentheses,
             * even a plain one: (google.protobuf.FileOptions.java_package). */
            Message *extendee = ext->extend ? ext->extend->extendee_msg : ext->parent;
            if (!extendee || strcmp(extendee->full_name, want) != 0) {
                rerror(r, o->loc, "'%s' is not an extension of '%s'%s%s%s", ext->full_name, want,
                       extendee ? " (it extends '" : "", extendee ? extendee->full_name : "",
                       extendee ? "')" : "");
                return;
            }
            of = (OptField){ NULL, ext, arena_printf(r->arena, "(%s)", p->name) };
            o->name.items[i].field = ext;
            path = arena_printf(r->arena, "%s%s(%s)", path, i ? "." : "", ext->full_name);
        } else if (i == 0) {
            if (strcmp(p->name, "uninterpreted_option") == 0) {
                rerror(r, o->loc, "option name 'uninterpreted_option' is reserved");
                return;
            }
            Message *loaded = loaded_options_message(r, target);
            if (loaded) {
                Field *fd = message_field_named(loaded, p->name);
                if (!fd) {
                    rerror(r, o->loc, "option '%s' is unknown", p->name);
                    rnote(r, p->loc,
                          "'%s' (in the loaded '%s') has no such field; custom options "
                          "are written in parentheses",
                          loaded->full_name, loaded->file->name);
                    return;
                }
                of = (OptField){ NULL, fd, fd->name };
                o->name.items[i].field = fd;
            } else {
                const KnownOption *k = find_known(target, p->name);
                if (!k) {
                    rerror(r, o->loc, "option '%s' is unknown", p->name);
                    rnote(r, p->loc,
                          "'%s' has no such field; custom options are written in "
                          "parentheses",
                          options_message[target]);
                    return;
                }
                of = (OptField){ k, NULL, p->name };
            }
            path = arena_strdup(r->arena, p->name);
        } else {
            Field *fd = message_field_named(msg, p->name);
            if (!fd) {
                rerror(r, o->loc, "message '%s' has no field named '%s'", msg->full_name, p->name);
                return;
            }
            of = (OptField){ NULL, fd, fd->name };
            o->name.items[i].field = fd;
            path = arena_printf(r->arena, "%s.%s", path, fd->name);
        }
    }

    if (!optfield_repeated(&of)) {
        if (path_set(set, path)) {
            rerror(r, o->loc, "option '%s' was already set", display);
            return;
        }
    }
    if (!o->value)
        return;
    check_option_value(&cx, &of, o->value);
    record_paths(r, set, path, o->value, of.field ? of.field->msg_type : NULL);
}

static void interpret_options(Resolver *r, OptTarget target, const char *scope, OptionVec *opts)
{
    StrVec set = { 0 };
    for (size_t i = 0; i < opts->len; i++) {
        Option *o = opts->items[i];
        if (target == OPT_FIELD && is_pseudo_option(o))
            continue;
        if (o->name.len == 0)
            continue;
        interpret_option(r, target, scope, o, &set);
    }
}

static bool file_is_lite(const File *f)
{
    const char *opt = plain_option_ident(&f->options, "optimize_for");
    return opt && strcmp(opt, "LITE_RUNTIME") == 0;
}

static void options_field(Resolver *r, Field *fd)
{
    interpret_options(r, OPT_FIELD, fd->full_name, &fd->options);
}

/* The options are interpreted in the order protoc collects them while
 * building (enum values before their enum, children before their message,
 * file options last), which is the order it reports their errors in. */
static void options_enum(Resolver *r, Enum *e)
{
    for (size_t i = 0; i < e->values.len; i++)
        interpret_options(r, OPT_ENUM_VALUE, e->values.items[i]->full_name,
                          &e->values.items[i]->options);
    interpret_options(r, OPT_ENUM, e->full_name, &e->options);
}

static void options_message_(Resolver *r, Message *m)
{
    for (size_t i = 0; i < m->oneofs.len; i++) {
        Oneof *o = m->oneofs.items[i];
        if (o->options.len)
            interpret_options(r, OPT_ONEOF, arena_printf(r->arena, "%s.%s", m->full_name, o->name),
                              &o->options);
    }
    for (size_t i = 0; i < m->fields.len; i++)
        options_field(r, m->fields.items[i]);
    for (size_t i = 0; i < m->enums.len; i++)
        options_enum(r, m->enums.items[i]);
    for (size_t i = 0; i < m->extension_ranges.len; i++)
        interpret_options(r, OPT_RANGE, m->full_name, &m->extension_ranges.items[i].options);
    for (size_t i = 0; i < m->extends.len; i++)
        for (size_t j = 0; j < m->extends.items[i]->fields.len; j++)
            options_field(r, m->extends.items[i]->fields.items[j]);
    for (size_t i = 0; i < m->messages.len; i++)
        options_message_(r, m->messages.items[i]);
    if (!m->is_map_entry)
        interpret_options(r, OPT_MESSAGE, m->full_name, &m->options);
}

void options_file(Resolver *r, File *f)
{
    for (size_t i = 0; i < f->messages.len; i++)
        options_message_(r, f->messages.items[i]);
    for (size_t i = 0; i < f->enums.len; i++)
        options_enum(r, f->enums.items[i]);
    for (size_t i = 0; i < f->services.len; i++) {
        Service *svc = f->services.items[i];
        for (size_t j = 0; j < svc->methods.len; j++)
            interpret_options(r, OPT_METHOD, svc->methods.items[j]->full_name,
                              &svc->methods.items[j]->options);
        interpret_options(r, OPT_SERVICE, svc->full_name, &svc->options);
    }
    for (size_t i = 0; i < f->extends.len; i++)
        for (size_t j = 0; j < f->extends.items[i]->fields.len; j++)
            options_field(r, f->extends.items[i]->fields.items[j]);
    /* File options are looked up from inside the package. */
    interpret_options(r, OPT_FILE, f->package ? arena_printf(r->arena, "%s.-", f->package) : "-",
                      &f->options);

    /* protoc: generic services need the full runtime. */
    if (file_is_lite(f) && (options_bool_set(&f->options, "cc_generic_services") ||
                            options_bool_set(&f->options, "java_generic_services"))) {
        for (size_t i = 0; i < f->services.len; i++)
            rerror(r, f->services.items[i]->name_loc,
                   "a file with optimize_for = LITE_RUNTIME cannot define services while "
                   "cc_generic_services or java_generic_services is true");
    }

    /* protoc: a file that is not lite may not import a lite one. */
    const char *opt = plain_option_ident(&f->options, "optimize_for");
    bool lite = opt && strcmp(opt, "LITE_RUNTIME") == 0;
    if (!lite) {
        for (size_t i = 0; i < f->imports.len; i++) {
            File *dep = f->imports.items[i].file;
            const char *dopt = dep ? plain_option_ident(&dep->options, "optimize_for") : NULL;
            if (dopt && strcmp(dopt, "LITE_RUNTIME") == 0) {
                rerror(r, f->imports.items[i].loc,
                       "'%s' uses optimize_for = LITE_RUNTIME, so '%s' must use it too to "
                       "import it",
                       dep->name, f->name);
                break;
            }
        }
    }
}

/* ------------------------------------------------------- field validation */

static bool is_packable(FieldType t)
{
    return t != TYPE_STRING && t != TYPE_BYTES && t != TYPE_MESSAGE && t != TYPE_GROUP &&
           t != TYPE_NONE;
}

void options_validate_field(Resolver *r, Field *fd)
{
    if ((options_bool_set(&fd->options, "lazy") ||
         options_bool_set(&fd->options, "unverified_lazy")) &&
        fd->type != TYPE_MESSAGE)
        rerror(r, fd->type_loc, "[lazy = true] is only allowed on message fields");
    if (options_bool_set(&fd->options, "packed") &&
        !(fd->label == LABEL_REPEATED && is_packable(fd->type)))
        rerror(r, fd->type_loc,
               "[packed = true] is only allowed on repeated fields of scalar numeric, "
               "bool or enum type");

    Message *owner = fd->extend ? fd->extend->extendee_msg : fd->parent;
    if (owner && options_bool_set(&owner->options, "message_set_wire_format")) {
        if (fd->extend) {
            if (fd->label == LABEL_REPEATED || fd->label == LABEL_REQUIRED ||
                fd->type != TYPE_MESSAGE)
                rerror(r, fd->type_loc, "extensions of a message set must be optional messages");
        } else {
            rerror(r, fd->name_loc, "a message set cannot have fields, only extensions");
        }
    }
    if (fd->extend && owner && file_is_lite(fd->file) && !file_is_lite(owner->file))
        rerror(r, fd->extend->extendee_loc,
               "a lite file (optimize_for = LITE_RUNTIME) cannot extend '%s' from a file "
               "that is not lite",
               owner->full_name);

    const char *js = plain_option_ident(&fd->options, "jstype");
    if (js && strcmp(js, "JS_NORMAL") != 0) {
        switch (fd->type) {
        case TYPE_INT64:
        case TYPE_UINT64:
        case TYPE_SINT64:
        case TYPE_FIXED64:
        case TYPE_SFIXED64: break;
        default:
            rerror(r, fd->type_loc,
                   "jstype is only allowed on int64, uint64, sint64, fixed64 and sfixed64 "
                   "fields");
            break;
        }
    }

    if (fd->extend) {
        Option *jn = options_field_pseudo(fd, "json_name");
        /* protoc only notices a json_name that differs from the default. */
        if (jn && jn->value && jn->value->kind == VAL_STRING &&
            strcmp(fd->json_name, options_json_name_default(r->arena, fd->name)) != 0)
            rerror(r, jn->loc, "extensions cannot have a json_name");
    }
}
