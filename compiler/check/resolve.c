/*
 * resolve.c — the resolve stage's driver: full names, the nodes protoc
 * synthesizes, the symbol table, and type references.
 *
 * Files are resolved one at a time in load order, dependencies first, in the
 * phases check/internal.h lists. This file runs the phases and does the build
 * phase's naming and symbol work (the checks live in check.c, the options in
 * options.c) and the whole link phase. It reports through report.c like every
 * other file of the stage, and nothing below calls back up into it.
 * The order in which symbols are added copies protoc's DescriptorBuilder
 * (oneofs, fields, nested messages, enums, extensions, then the message
 * itself; enum values before their enum), because that order decides which
 * of two clashing definitions gets the error, and users compare our errors
 * with protoc's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------------ names */

static char *join_name(Resolver *r, const char *scope, const char *name)
{
    if (!scope || !*scope)
        return arena_strdup(r->arena, name);
    /* Hot: called for every named element, so no printf. */
    size_t a = strlen(scope);
    size_t b = strlen(name);
    char *out = arena_alloc(r->arena, a + b + 2);
    memcpy(out, scope, a);
    out[a] = '.';
    memcpy(out + a + 1, name, b + 1);
    return out;
}

static char ascii_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* protoc's MapEntryName: CamelCase of the field name, plus "Entry". */
static char *map_entry_name(Arena *arena, const char *field_name)
{
    char *out = arena_alloc(arena, strlen(field_name) + sizeof "Entry");
    size_t j = 0;
    bool cap_next = true;
    for (const char *p = field_name; *p; p++) {
        if (*p == '_') {
            cap_next = true;
        } else if (cap_next) {
            out[j++] = ascii_upper(*p);
            cap_next = false;
        } else {
            out[j++] = *p;
        }
    }
    memcpy(out + j, "Entry", sizeof "Entry");
    return out;
}

/* ------------------------------------------------------------ synthesis */

static Field *new_entry_field(Resolver *r, Message *entry, const char *name, int64_t number,
                              FieldType type, char *type_name, Loc type_loc)
{
    Field *fd = arena_alloc(r->arena, sizeof *fd);
    fd->loc = type_loc;
    fd->label = LABEL_OPTIONAL;
    fd->label_loc = type_loc;
    fd->type = type;
    fd->type_name = type_name;
    fd->type_loc = type_loc;
    fd->name = arena_strdup(r->arena, name);
    fd->name_loc = type_loc;
    fd->number = number;
    fd->number_loc = type_loc;
    fd->parent = entry;
    fd->file = entry->file;
    return fd;
}

/* The `map<K, V> name = n;` field becomes `repeated NameEntry name = n;` with
 * a nested `message NameEntry { option map_entry = true; K key = 1;
 * V value = 2; }`, placed among the nested messages where the field is
 * written, as protoc's parser places it (generators emit nested types in
 * that order). */
static void synth_map_entry(Resolver *r, Message *m, Field *fd)
{
    if (fd->label != LABEL_NONE || fd->oneof)
        return; /* reported by check_parse_file */
    Message *e = arena_alloc(r->arena, sizeof *e);
    e->loc = fd->loc;
    e->name = map_entry_name(r->arena, fd->name);
    e->name_loc = fd->name_loc;
    e->parent = m;
    e->file = m->file;
    e->is_map_entry = true;

    Loc key_loc = fd->map_key_loc.src ? fd->map_key_loc : fd->loc;
    VEC_PUSH(r->arena, &e->fields,
             new_entry_field(r, e, "key", 1, fd->map_key_type, fd->map_key_name, key_loc));
    VEC_PUSH(r->arena, &e->fields,
             new_entry_field(r, e, "value", 2, fd->type, fd->type_name, fd->type_loc));

    Option *opt = arena_alloc(r->arena, sizeof *opt);
    opt->loc = fd->loc;
    VEC_PUSH(r->arena, &opt->name,
             ((OptionNamePart){ .name = "map_entry", .is_extension = false, .loc = fd->loc }));
    opt->value = arena_alloc(r->arena, sizeof *opt->value);
    opt->value->kind = VAL_IDENT;
    opt->value->loc = fd->loc;
    opt->value->s = "true";
    opt->value->len = 4;
    VEC_PUSH(r->arena, &e->options, opt);

    /* Insert before the first nested message written after the field. */
    size_t at = m->messages.len;
    for (size_t i = 0; i < m->messages.len; i++) {
        if (loc_before(fd->loc, m->messages.items[i]->loc)) {
            at = i;
            break;
        }
    }
    VEC_PUSH(r->arena, &m->messages, e);
    memmove(&m->messages.items[at + 1], &m->messages.items[at],
            (m->messages.len - 1 - at) * sizeof *m->messages.items);
    m->messages.items[at] = e;

    fd->map_entry = e;
    fd->label = LABEL_REPEATED;
    fd->type = TYPE_MESSAGE;
    fd->type_name = e->name;
    fd->msg_type = e;
}

/* proto3 `optional` fields each get a synthetic oneof named after the
 * field with a '_' in front, after every real oneof; protoc prepends 'X'
 * until the name clashes with no field or oneof. */
static void synth_proto3_optional(Resolver *r, Message *m)
{
    bool any = false;
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *fd = m->fields.items[i];
        if (fd->label == LABEL_OPTIONAL && !fd->oneof && !fd->is_map) {
            fd->proto3_optional = true;
            any = true;
        }
    }
    if (!any)
        return;
    NameMap names;
    namemap_init(&names, m->fields.len + m->oneofs.len);
    for (size_t i = 0; i < m->fields.len; i++)
        namemap_put(&names, m->fields.items[i]->name, strlen(m->fields.items[i]->name),
                    m->fields.items[i]);
    for (size_t i = 0; i < m->oneofs.len; i++)
        namemap_put(&names, m->oneofs.items[i]->name, strlen(m->oneofs.items[i]->name),
                    m->oneofs.items[i]);
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *fd = m->fields.items[i];
        if (!fd->proto3_optional)
            continue;
        char *name = fd->name[0] == '_' ? arena_strdup(r->arena, fd->name)
                                        : arena_printf(r->arena, "_%s", fd->name);
        while (namemap_get(&names, name, strlen(name)))
            name = arena_printf(r->arena, "X%s", name);
        Oneof *o = arena_alloc(r->arena, sizeof *o);
        o->loc = fd->loc;
        o->name = name;
        o->name_loc = fd->name_loc;
        o->parent = m;
        o->index = (int)m->oneofs.len;
        o->synthetic = true;
        VEC_PUSH(r->arena, &o->fields, fd);
        VEC_PUSH(r->arena, &m->oneofs, o);
        namemap_put(&names, name, strlen(name), o);
        fd->oneof = o;
    }
    namemap_free(&names);
}

static void synth_message(Resolver *r, Message *m, Syntax syntax)
{
    for (size_t i = 0; i < m->oneofs.len; i++)
        m->oneofs.items[i]->index = (int)i;
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *fd = m->fields.items[i];
        if (fd->is_map && !fd->map_entry)
            synth_map_entry(r, m, fd);
    }
    /* A map entry's key and value are `optional` by construction, not by
     * a proto3 `optional` the user wrote. */
    if (syntax == SYNTAX_PROTO3 && !m->is_map_entry)
        synth_proto3_optional(r, m);
    for (size_t i = 0; i < m->messages.len; i++)
        synth_message(r, m->messages.items[i], syntax);
}

/* --------------------------------------------------------------- symbols */

static Symbol *new_symbol(Resolver *r, SymKind kind, const char *name, Loc loc)
{
    Symbol *s = arena_alloc(r->arena, sizeof *s);
    s->name = name;
    s->kind = kind;
    s->file = r->file;
    s->loc = loc;
    return s;
}

static void report_duplicate(Resolver *r, const Symbol *sym, const Symbol *old)
{
    const char *dot = strrchr(sym->name, '.');
    if (old->file != r->file) {
        rerror(r, sym->loc, "'%s' is already defined in file '%s'", sym->name, old->file->name);
    } else if (dot) {
        rerror(r, sym->loc, "'%s' is already defined in '%.*s'", dot + 1, (int)(dot - sym->name),
               sym->name);
    } else {
        rerror(r, sym->loc, "'%s' is already defined", sym->name);
    }
    if (old->loc.src)
        rnote(r, old->loc, "previous definition of '%s' (%s) is here", old->name,
              sym_kind_name(old->kind));
}

/* Add a symbol; report a clash at the new definition. True if added. */
static bool add_symbol(Resolver *r, Symbol *sym)
{
    Symbol *old = symtab_insert(r, sym);
    if (!old)
        return true;
    report_duplicate(r, sym, old);
    return false;
}

/* Every prefix of the package is a package symbol too. A package may be
 * declared by many files; it clashes only with a symbol of another kind. */
static void add_package(Resolver *r, File *f)
{
    if (!f->package)
        return;
    size_t len = strlen(f->package);
    for (;;) {
        Symbol *old = symtab_find(&r->syms, f->package, len);
        if (old) {
            if (old->kind != SYM_PACKAGE) {
                rerror(r, f->package_loc,
                       "'%.*s' is already defined in file '%s' as a %s, not a package", (int)len,
                       f->package, old->file->name, sym_kind_name(old->kind));
                if (old->loc.src)
                    rnote(r, old->loc, "'%s' is defined here", old->name);
            }
            return;
        }
        Symbol *s = new_symbol(r, SYM_PACKAGE, arena_strndup(r->arena, f->package, len),
                               f->package_loc);
        symtab_insert(r, s);
        while (len > 0 && f->package[len - 1] != '.')
            len--;
        if (len == 0)
            return;
        len--;
    }
}

static void name_field(Resolver *r, Field *fd, const char *scope)
{
    fd->full_name = join_name(r, scope, fd->name);
    Option *jn = options_field_pseudo(fd, "json_name");
    if (jn && jn->value && jn->value->kind == VAL_STRING)
        fd->json_name = arena_strndup(r->arena, jn->value->s, jn->value->len);
    else
        fd->json_name = options_json_name_default(r->arena, fd->name);
}

static void build_message(Resolver *r, Message *m, const char *scope);
static bool map_field_name_clash(const Message *a, const Message *b);

static void build_enum(Resolver *r, Enum *e, const char *scope)
{
    e->full_name = join_name(r, scope, e->name);
    for (size_t i = 0; i < e->values.len; i++) {
        EnumValue *v = e->values.items[i];
        v->parent = e;
        /* C++ scoping: values are siblings of their enum. */
        v->full_name = join_name(r, scope, v->name);
        Symbol *s = new_symbol(r, SYM_ENUM_VALUE, v->full_name, v->name_loc);
        s->u.value = v;
        Symbol *old = symtab_insert(r, s);
        if (!old)
            continue;
        if (old->kind == SYM_ENUM_VALUE && old->u.value->parent == e) {
            report_duplicate(r, s, old);
            continue;
        }
        /* protoc explains this one: the clash is outside the enum. */
        rerror(r, v->name_loc,
               "enum value '%s' clashes with %s '%s': enum values are scoped like C++ "
               "enumerators, as siblings of their enum, so '%s' must be unique in %s%s%s, "
               "not just in enum '%s'",
               v->name, sym_kind_name(old->kind), old->name, v->name, *scope ? "'" : "",
               *scope ? scope : "the file's top-level scope", *scope ? "'" : "", e->name);
        if (old->loc.src)
            rnote(r, old->loc, "'%s' is defined here", old->name);
    }
    Symbol *s = new_symbol(r, SYM_ENUM, e->full_name, e->name_loc);
    s->u.enm = e;
    add_symbol(r, s);
    check_build_enum(r, e);
}

static void build_extensions(Resolver *r, ExtendVec *extends, const char *scope)
{
    for (size_t i = 0; i < extends->len; i++) {
        Extend *x = extends->items[i];
        for (size_t j = 0; j < x->fields.len; j++) {
            Field *fd = x->fields.items[j];
            fd->extend = x;
            name_field(r, fd, scope);
            /* protoc marks a proto3 `optional` extension too, without a
             * synthetic oneof. */
            if (r->file->syntax == SYNTAX_PROTO3 && fd->label == LABEL_OPTIONAL)
                fd->proto3_optional = true;
            Symbol *s = new_symbol(r, SYM_FIELD, fd->full_name, fd->name_loc);
            s->u.field = fd;
            add_symbol(r, s);
            check_build_field(r, fd);
        }
    }
}

/* Group bodies are normally listed among the nested messages (or the
 * file's messages) and built with them; one listed nowhere is built here. */
static void build_stray_groups(Resolver *r, FieldVec *fields, ExtendVec *extends, const char *scope)
{
    for (size_t i = 0; fields && i < fields->len; i++) {
        Field *fd = fields->items[i];
        if (fd->group && !fd->group->full_name)
            build_message(r, fd->group, scope);
    }
    for (size_t i = 0; i < extends->len; i++) {
        for (size_t j = 0; j < extends->items[i]->fields.len; j++) {
            Field *fd = extends->items[i]->fields.items[j];
            if (fd->group && !fd->group->full_name)
                build_message(r, fd->group, scope);
        }
    }
}

static void build_message(Resolver *r, Message *m, const char *scope)
{
    /* protoc's order: oneofs, fields, enums, extensions, nested messages. */
    m->full_name = join_name(r, scope, m->name);
    for (size_t i = 0; i < m->oneofs.len; i++) {
        Oneof *o = m->oneofs.items[i];
        o->parent = m;
        Symbol *s = new_symbol(r, SYM_ONEOF, join_name(r, m->full_name, o->name), o->name_loc);
        s->u.oneof = o;
        add_symbol(r, s);
    }
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *fd = m->fields.items[i];
        fd->parent = m;
        name_field(r, fd, m->full_name);
        Symbol *s = new_symbol(r, SYM_FIELD, fd->full_name, fd->name_loc);
        s->u.field = fd;
        /* The key and value of a map entry can only clash if the entry
         * itself does, which is reported (once) below. */
        if (m->is_map_entry) {
            symtab_insert(r, s);
        } else {
            add_symbol(r, s);
            check_build_field(r, fd);
        }
    }
    for (size_t i = 0; i < m->enums.len; i++)
        build_enum(r, m->enums.items[i], m->full_name);
    check_build_extension_ranges(r, m);
    build_extensions(r, &m->extends, m->full_name);
    for (size_t i = 0; i < m->messages.len; i++) {
        Message *n = m->messages.items[i];
        n->parent = m;
        build_message(r, n, m->full_name);
    }
    check_build_reserved_ranges(r, m);
    build_stray_groups(r, &m->fields, &m->extends, m->full_name);

    Symbol *s = new_symbol(r, SYM_MESSAGE, m->full_name, m->name_loc);
    s->u.msg = m;
    Symbol *old = symtab_insert(r, s);
    if (!m->is_map_entry)
        check_build_message_post(r, m);
    if (!old)
        return;
    /* protoc's parser adds map entries itself, so a clash with one is the
     * user's nested message against the entry the map field implies. */
    if (m->is_map_entry && old->kind == SYM_MESSAGE && old->u.msg->is_map_entry &&
        map_field_name_clash(m, old->u.msg))
        return; /* two map fields of one name: the field clash was reported */
    if (m->is_map_entry || (old->kind == SYM_MESSAGE && old->u.msg->is_map_entry)) {
        Message *entry = m->is_map_entry ? m : old->u.msg;
        Message *user = m->is_map_entry ? (old->kind == SYM_MESSAGE ? old->u.msg : NULL) : m;
        if (!m->is_map_entry) {
            rerror(r, m->name_loc, "'%s' is already defined in '%s'", m->name, scope);
            rnote(r, entry->loc, "the map field here implicitly defines nested message '%s'",
                  entry->name);
        } else {
            Loc at = m->parent ? m->parent->name_loc : entry->loc;
            rerror(r, at,
                   "map entry message '%s' for map field at line %d conflicts with an "
                   "existing nested type",
                   entry->name, entry->loc.line);
            if (user)
                rnote(r, user->name_loc, "'%s' is defined here", user->name);
        }
        return;
    }
    report_duplicate(r, s, old);
}

/* The map field that an entry message was made for. */
static const Field *entry_field(const Message *entry)
{
    const Message *m = entry->parent;
    for (size_t i = 0; m && i < m->fields.len; i++)
        if (m->fields.items[i]->map_entry == entry)
            return m->fields.items[i];
    return NULL;
}

static bool map_field_name_clash(const Message *a, const Message *b)
{
    const Field *fa = entry_field(a);
    const Field *fb = entry_field(b);
    return fa && fb && strcmp(fa->name, fb->name) == 0;
}

static void build_service(Resolver *r, Service *svc, const char *scope)
{
    svc->full_name = join_name(r, scope, svc->name);
    for (size_t i = 0; i < svc->methods.len; i++) {
        Method *mt = svc->methods.items[i];
        mt->parent = svc;
        mt->full_name = join_name(r, svc->full_name, mt->name);
        Symbol *s = new_symbol(r, SYM_METHOD, mt->full_name, mt->name_loc);
        s->u.method = mt;
        add_symbol(r, s);
    }
    Symbol *s = new_symbol(r, SYM_SERVICE, svc->full_name, svc->name_loc);
    s->u.svc = svc;
    add_symbol(r, s);
}

static void build_file(Resolver *r, File *f)
{
    for (size_t i = 0; i < f->messages.len; i++)
        synth_message(r, f->messages.items[i], f->syntax);
    add_package(r, f);
    const char *pkg = f->package ? f->package : "";
    for (size_t i = 0; i < f->messages.len; i++) {
        f->messages.items[i]->parent = NULL;
        build_message(r, f->messages.items[i], pkg);
    }
    for (size_t i = 0; i < f->enums.len; i++)
        build_enum(r, f->enums.items[i], pkg);
    for (size_t i = 0; i < f->services.len; i++)
        build_service(r, f->services.items[i], pkg);
    build_extensions(r, &f->extends, pkg);
    build_stray_groups(r, NULL, &f->extends, pkg);
}

/* ------------------------------------------------------------------- link */

static void link_field_type(Resolver *r, Field *fd)
{
    if (fd->map_entry)
        return;
    if (fd->group) {
        fd->type = TYPE_GROUP;
        fd->msg_type = fd->group;
        return;
    }
    if (!fd->type_name || fd->type != TYPE_NONE)
        return;
    Symbol *sym = sym_lookup(r, fd->type_name, fd->full_name, LOOKUP_TYPES);
    if (!sym) {
        sym_report_not_found(r, fd->type_loc, fd->type_name);
        return;
    }
    switch (sym->kind) {
    case SYM_MESSAGE:
        fd->type = TYPE_MESSAGE;
        fd->msg_type = sym->u.msg;
        return;
    case SYM_ENUM:
        fd->type = TYPE_ENUM;
        fd->enum_type = sym->u.enm;
        return;
    case SYM_PACKAGE:
    case SYM_ENUM_VALUE:
    case SYM_FIELD:
    case SYM_ONEOF:
    case SYM_SERVICE:
    case SYM_METHOD: break;
    }
    rerror(r, fd->type_loc, "'%s' is not a type (it is the %s '%s')", fd->type_name,
           sym_kind_name(sym->kind), sym->name);
    if (sym->loc.src)
        rnote(r, sym->loc, "'%s' is defined here", sym->name);
}

static void report_number_clash(Resolver *r, Field *fd, Field *old, Message *owner)
{
    if (fd->extend)
        rerror(r, fd->number_loc, "extension number %lld of '%s' is already used by '%s'",
               (long long)fd->number, owner->full_name, old->full_name);
    else
        rerror(r, fd->number_loc, "field number %lld is already used by '%s' in message '%s'",
               (long long)fd->number, old->name, owner->full_name);
    rnote(r, old->number_loc, "first used here");
}

/* Field numbers are unique per message; a small per-message map checks the
 * message's own fields (the common case, kept local for speed). */
static void link_message_numbers(Resolver *r, Message *m)
{
    NameMap seen;
    namemap_init(&seen, m->fields.len);
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *fd = m->fields.items[i];
        Field *old = namemap_put(&seen, (const char *)&fd->number, sizeof fd->number, fd);
        if (old)
            report_number_clash(r, fd, old, m);
    }
    namemap_free(&seen);
}

/* Extension numbers are unique per extendee too. Within one file a clash
 * (with a field or another extension) is an error; an extension clashing
 * with one from another file only gets a warning, as in protoc (which
 * cannot see both at once when the two files are compiled apart). */
static void link_extension_number(Resolver *r, Field *fd, Message *owner)
{
    if (owner->file == r->file) {
        for (size_t i = 0; i < owner->fields.len; i++) {
            if (owner->fields.items[i]->number == fd->number) {
                report_number_clash(r, fd, owner->fields.items[i], owner);
                return;
            }
        }
    }
    Field *old = nummap_put(&r->numbers, owner, fd->number, fd);
    if (!old)
        return;
    if (old->file != r->file) {
        rwarning(r, fd->number_loc,
                 "extension number %lld of '%s' is already used by extension '%s' in "
                 "file '%s'",
                 (long long)fd->number, owner->full_name, old->full_name, old->file->name);
        return;
    }
    report_number_clash(r, fd, old, owner);
}

static bool in_extension_range(const Message *m, int64_t n)
{
    for (size_t i = 0; i < m->extension_ranges.len; i++) {
        const Range *rg = &m->extension_ranges.items[i];
        if (rg->start <= n && n <= rg->end)
            return true;
    }
    return false;
}

static void link_extend(Resolver *r, Extend *x)
{
    if (x->fields.len == 0)
        return; /* protoc never looks at an empty extend block */
    Field *first = x->fields.items[0];
    Symbol *sym = sym_lookup(r, x->extendee, first->full_name, LOOKUP_ALL);
    if (!sym) {
        sym_report_not_found(r, x->extendee_loc, x->extendee);
    } else if (sym->kind != SYM_MESSAGE) {
        rerror(r, x->extendee_loc, "'%s' is not a message type (it is the %s '%s')", x->extendee,
               sym_kind_name(sym->kind), sym->name);
    } else {
        x->extendee_msg = sym->u.msg;
    }
    for (size_t i = 0; i < x->fields.len; i++) {
        Field *fd = x->fields.items[i];
        link_field_type(r, fd);
        if (!x->extendee_msg)
            continue;
        if (!in_extension_range(x->extendee_msg, fd->number)) {
            rerror(r, fd->number_loc, "'%s' does not declare %lld as an extension number",
                   x->extendee_msg->full_name, (long long)fd->number);
            if (x->extendee_msg->loc.src)
                rnote(r, x->extendee_msg->name_loc, "'%s' is defined here",
                      x->extendee_msg->full_name);
        }
        link_extension_number(r, fd, x->extendee_msg);
        options_check_default_link(r, fd);
    }
}

static void link_message(Resolver *r, Message *m)
{
    for (size_t i = 0; i < m->messages.len; i++)
        link_message(r, m->messages.items[i]);
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *fd = m->fields.items[i];
        link_field_type(r, fd);
        options_check_default_link(r, fd);
    }
    link_message_numbers(r, m);
    for (size_t i = 0; i < m->extends.len; i++)
        link_extend(r, m->extends.items[i]);
}

static Message *link_rpc_type(Resolver *r, Method *mt, const char *name, Loc loc)
{
    Symbol *sym = sym_lookup(r, name, mt->full_name, LOOKUP_ALL);
    if (!sym) {
        sym_report_not_found(r, loc, name);
        return NULL;
    }
    if (sym->kind != SYM_MESSAGE) {
        rerror(r, loc, "'%s' is not a message type (it is the %s '%s')", name,
               sym_kind_name(sym->kind), sym->name);
        return NULL;
    }
    return sym->u.msg;
}

static void link_file(Resolver *r, File *f)
{
    for (size_t i = 0; i < f->messages.len; i++)
        link_message(r, f->messages.items[i]);
    for (size_t i = 0; i < f->extends.len; i++)
        link_extend(r, f->extends.items[i]);
    for (size_t i = 0; i < f->services.len; i++) {
        Service *svc = f->services.items[i];
        for (size_t j = 0; j < svc->methods.len; j++) {
            Method *mt = svc->methods.items[j];
            mt->input = link_rpc_type(r, mt, mt->input_name, mt->input_loc);
            mt->output = link_rpc_type(r, mt, mt->output_name, mt->output_loc);
        }
    }
}

/* ----------------------------------------------------------------- driver */

static bool file_in(const FileVec *v, const File *f)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i] == f)
            return true;
    return false;
}

/* protoc's RecordPublicDependencies: a direct import, and everything it
 * re-exports with `import public`, transitively. */
static void add_visible(Resolver *r, File *f)
{
    if (!f || file_in(&r->visible, f))
        return;
    VEC_PUSH(r->arena, &r->visible, f);
    for (size_t i = 0; i < f->imports.len; i++)
        if (f->imports.items[i].kind == IMPORT_PUBLIC)
            add_visible(r, f->imports.items[i].file);
}

static void resolve_file(Resolver *r, File *f)
{
    int before = r->diag->errors;
    r->file = f;
    r->visible.len = 0;
    VEC_PUSH(r->arena, &r->visible, f);
    for (size_t i = 0; i < f->imports.len; i++)
        add_visible(r, f->imports.items[i].file);
    /* Mark the visible files by load index: lookups test visibility often. */
    memset(r->visible_mark, 0, r->mark_len);
    for (size_t i = 0; i < r->visible.len; i++) {
        size_t idx = (size_t)r->visible.items[i]->src->index;
        if (idx < r->mark_len)
            r->visible_mark[idx] = 1;
    }

    /* protoc's parser rejects these; nothing after them would be useful. */
    check_parse_file(r, f);
    if (r->diag->errors != before) {
        VEC_PUSH(r->arena, &r->bad, f);
        return;
    }
    build_file(r, f);
    /* protoc links even after build errors, but prints the build errors
     * first; with diagnostics sorted by position a follow-on "not defined"
     * (say, for a type whose definition clashed) would come first instead.
     * Duplicates and bad numbers are fixed first, then the links. */
    if (r->diag->errors == before)
        link_file(r, f);
    if (r->diag->errors == before)
        options_file(r, f);
    if (r->diag->errors == before)
        check_validate_file(r, f);
    if (r->diag->errors != before)
        VEC_PUSH(r->arena, &r->bad, f);
}

bool resolve_all(Compiler *c)
{
    Resolver r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.arena = c->arena;
    r.diag = c->diag;
    /* About one symbol per 20 bytes of source in dense files. */
    size_t bytes = 0;
    for (size_t i = 0; i < c->files.len; i++)
        if (c->files.items[i]->src)
            bytes += c->files.items[i]->src->len;
    symtab_init(&r.syms, bytes / 20);
    for (size_t i = 0; i < c->files.len; i++) {
        int idx = c->files.items[i]->src->index;
        if (idx >= 0 && (size_t)idx + 1 > r.mark_len)
            r.mark_len = (size_t)idx + 1;
    }
    r.visible_mark = calloc(r.mark_len ? r.mark_len : 1, 1);
    if (!r.visible_mark) {
        fputs("typerpc: out of memory\n", stderr);
        abort();
    }
    int before = c->diag->errors;

    for (size_t i = 0; i < c->files.len; i++) {
        File *f = c->files.items[i];
        if (f->parse_failed) {
            VEC_PUSH(r.arena, &r.bad, f);
            continue;
        }
        /* A file whose imports are missing or broken would only report
         * follow-on errors. The import's own errors (or the loader's "not
         * found") come first in protoc's output and are the ones that
         * matter, so the dependent file is skipped without a word. */
        bool skip = false;
        for (size_t j = 0; j < f->imports.len; j++) {
            Import *imp = &f->imports.items[j];
            if (!imp->file || file_in(&r.bad, imp->file))
                skip = true;
        }
        if (skip) {
            VEC_PUSH(r.arena, &r.bad, f);
            continue;
        }
        resolve_file(&r, f);
    }

    symtab_free(&r.syms);
    free(r.numbers.slots);
    free(r.buf);
    free(r.visible_mark);
    return c->diag->errors == before;
}
