/*
 * breaking.c — what changed between two versions of a .proto file that
 * breaks old readers, old writers or code written against the old generated
 * C API.
 *
 * Both versions are resolved models from their own Compiler. Elements are
 * matched the way their identity works on the wire and in generated code:
 * fields and enum values by number (then by name, to tell a rename from a
 * renumbering), extensions by full name, and messages, enums, services, rpcs
 * and oneofs by name within their parent. Type references are compared by full name with the file's
 * own package left out, so a package change is reported once, at the
 * package statement, rather than at every field that names a local type.
 *
 * Every finding is an error at the new file's location with a note at the
 * old one. A removal has no new location, so it is reported at the new
 * parent (the enclosing message, enum or service, or the new file's package
 * statement) with a note where the element was. The policy is buf's FILE
 * category plus its WIRE rules, with one deliberate difference: a field or
 * enum value removed with both its number and its name reserved is safe
 * (docs/breaking.md explains why).
 *
 * This file walks files, messages, enums, services and extensions;
 * breaking_field.c compares what one field number means.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

/* Where to report something removed from a file: its package statement,
 * else its syntax statement, else its first line. */
static Loc file_anchor(const File *f)
{
    if (f->package)
        return f->package_loc;
    if (f->syntax_written)
        return f->syntax_loc;
    return (Loc){ .src = f->src, .line = 1, .col = 1 };
}

/* --------------------------------------------------------------- enums */

static EnumValue *value_by_name(const Enum *e, const char *name)
{
    for (size_t i = 0; i < e->values.len; i++)
        if (strcmp(e->values.items[i]->name, name) == 0)
            return e->values.items[i];
    return NULL;
}

static EnumValue *value_by_number(const Enum *e, int64_t number)
{
    for (size_t i = 0; i < e->values.len; i++)
        if (e->values.items[i]->number == number)
            return e->values.items[i];
    return NULL;
}

static void compare_enum(Cmp *c, const Enum *eo, const Enum *en)
{
    for (size_t i = 0; i < eo->values.len; i++) {
        const EnumValue *vo = eo->values.items[i];
        EnumValue *vn = value_by_name(en, vo->name);
        if (vn) {
            if (vn->number != vo->number) {
                brk_error(c, vn->number_loc,
                          "enum value '%s' was renumbered from %" PRId64 " to %" PRId64, vo->name,
                          vo->number, vn->number);
                brk_note(c, vo->number_loc, "it was %" PRId64 " here", vo->number);
            }
            continue;
        }
        /* The name is gone. If its number now has a name the old enum did
         * not have, the value was renamed. */
        EnumValue *renamed = value_by_number(en, vo->number);
        if (renamed && !value_by_name(eo, renamed->name)) {
            brk_error(c, renamed->name_loc,
                      "enum value %" PRId64 " of enum '%s' was renamed from '%s' to '%s'",
                      vo->number, en->name, vo->name, renamed->name);
            brk_note(c, vo->name_loc, "it was named '%s' here", vo->name);
            continue;
        }
        bool num = renamed || brk_range_has(&en->reserved_ranges, vo->number);
        bool name = brk_name_reserved(&en->reserved_names, vo->name);
        if (num && name)
            continue;
        brk_error(c, en->name_loc,
                  "enum value '%s' (%" PRId64 ") was removed from enum '%s' without reserving %s",
                  vo->name, vo->number, en->name,
                  !num && !name ? "its number and name"
                  : !num        ? "its number"
                                : "its name");
        brk_note(c, vo->loc, "'%s' was declared here", vo->name);
    }
    brk_compare_reserved(c, &eo->reserved_ranges, &eo->reserved_names, &en->reserved_ranges,
                         &en->reserved_names, en->name_loc, "enum", en->name, NULL, en);
}

/* ------------------------------------------------------------- messages */

static void compare_message(Cmp *c, const Message *mo, const Message *mn);

static Message *message_by_name(const MessageVec *v, const char *name)
{
    for (size_t i = 0; i < v->len; i++)
        if (!v->items[i]->is_map_entry && strcmp(v->items[i]->name, name) == 0)
            return v->items[i];
    return NULL;
}

static Enum *enum_by_name(const EnumVec *v, const char *name)
{
    for (size_t i = 0; i < v->len; i++)
        if (strcmp(v->items[i]->name, name) == 0)
            return v->items[i];
    return NULL;
}

/* Nested or top-level messages and enums of one scope: each old one must
 * still exist under the same name. `where` names the scope in messages. */
static void compare_scope(Cmp *c, const MessageVec *mo, const MessageVec *mn, const EnumVec *eo,
                          const EnumVec *en, Loc anchor, const char *where)
{
    for (size_t i = 0; i < mo->len; i++) {
        const Message *m = mo->items[i];
        if (m->is_map_entry)
            continue;
        Message *match = message_by_name(mn, m->name);
        if (match) {
            compare_message(c, m, match);
            continue;
        }
        brk_error(c, anchor, "message '%s' was removed from %s, or renamed", m->name, where);
        brk_note(c, m->name_loc, "'%s' was declared here", m->full_name);
    }
    for (size_t i = 0; i < eo->len; i++) {
        const Enum *e = eo->items[i];
        Enum *match = enum_by_name(en, e->name);
        if (match) {
            compare_enum(c, e, match);
            continue;
        }
        brk_error(c, anchor, "enum '%s' was removed from %s, or renamed", e->name, where);
        brk_note(c, e->name_loc, "'%s' was declared here", e->full_name);
    }
}

static void compare_message(Cmp *c, const Message *mo, const Message *mn)
{
    const char *mset_o = brk_ident_option(&mo->options, "message_set_wire_format", "false");
    const char *mset_n = brk_ident_option(&mn->options, "message_set_wire_format", "false");
    if (strcmp(mset_o, mset_n) != 0) {
        brk_error(c, mn->name_loc, "message_set_wire_format of message '%s' changed from %s to %s",
                  mn->name, mset_o, mset_n);
        brk_note(c, mo->name_loc, "it was %s here", mset_o);
    }
    for (size_t i = 0; i < mo->fields.len; i++) {
        const Field *fo = mo->fields.items[i];
        Field *fn = brk_field_by_number(mn, fo->number);
        if (fn)
            brk_compare_field(c, fo, fn);
        else
            brk_field_gone(c, mn, fo);
    }
    /* A new required field makes every message old writers send invalid. */
    for (size_t i = 0; i < mn->fields.len; i++) {
        const Field *fn = mn->fields.items[i];
        if (fn->label == LABEL_REQUIRED && !brk_field_by_number(mo, fn->number)) {
            brk_error(c, fn->label_loc.src ? fn->label_loc : fn->loc,
                      "new required field '%s' makes messages from old writers invalid", fn->name);
            brk_note(c, mo->name_loc, "message '%s' had no field %" PRId64 " here", mo->name,
                     fn->number);
        }
    }
    for (size_t i = 0; i < mo->oneofs.len; i++) {
        const Oneof *o = mo->oneofs.items[i];
        bool found = o->synthetic;
        for (size_t k = 0; k < mn->oneofs.len && !found; k++)
            found = !mn->oneofs.items[k]->synthetic &&
                    strcmp(mn->oneofs.items[k]->name, o->name) == 0;
        if (!found) {
            brk_error(c, mn->name_loc, "oneof '%s' was removed from message '%s', or renamed",
                      o->name, mn->name);
            brk_note(c, o->name_loc, "oneof '%s' was declared here", o->name);
        }
    }
    brk_compare_reserved(c, &mo->reserved_ranges, &mo->reserved_names, &mn->reserved_ranges,
                         &mn->reserved_names, mn->name_loc, "message", mn->name, mn, NULL);
    for (size_t i = 0; i < mo->extension_ranges.len; i++) {
        const Range *rg = &mo->extension_ranges.items[i];
        int64_t at;
        if (!brk_first_uncovered(&mn->extension_ranges, rg->start, rg->end, &at))
            continue;
        brk_error(c, mn->name_loc,
                  "extension number %" PRId64 " of message '%s' is no longer in an extension "
                  "range (extensions declared against the old message stop working)",
                  at, mn->name);
        brk_note(c, rg->loc, "it was in the extension range %s here", brk_range_text(c, rg));
    }
    compare_scope(c, &mo->messages, &mn->messages, &mo->enums, &mn->enums, mn->name_loc,
                  arena_printf(c->arena, "message '%s'", mn->name));
}

/* ------------------------------------------------------------- services */

static const char *method_type(Cmp *c, const Message *m, const char *written, const File *side)
{
    return m ? brk_type_key(c, m->full_name, m->file, side) : written;
}

static void compare_method(Cmp *c, const Method *ro, const Method *rn)
{
    const char *idem_o = brk_ident_option(&ro->options, "idempotency_level", "IDEMPOTENCY_UNKNOWN");
    const char *idem_n = brk_ident_option(&rn->options, "idempotency_level", "IDEMPOTENCY_UNKNOWN");
    if (strcmp(idem_o, idem_n) != 0) {
        brk_error(c, rn->name_loc, "idempotency level of rpc '%s' changed from %s to %s", rn->name,
                  idem_o, idem_n);
        brk_note(c, ro->name_loc, "it was %s here", idem_o);
    }
    const char *in_o = method_type(c, ro->input, ro->input_name, c->old_file);
    const char *in_n = method_type(c, rn->input, rn->input_name, c->new_file);
    if (strcmp(in_o, in_n) != 0) {
        brk_error(c, rn->input_loc, "request type of rpc '%s' changed from '%s' to '%s'", rn->name,
                  in_o, in_n);
        brk_note(c, ro->input_loc, "it was '%s' here", in_o);
    }
    if (ro->client_streaming != rn->client_streaming) {
        brk_error(c, rn->input_loc, "rpc '%s' %s client streaming", rn->name,
                  rn->client_streaming ? "became" : "is no longer");
        brk_note(c, ro->input_loc, "the request was %s here",
                 ro->client_streaming ? "a stream" : "a single message");
    }
    const char *out_o = method_type(c, ro->output, ro->output_name, c->old_file);
    const char *out_n = method_type(c, rn->output, rn->output_name, c->new_file);
    if (strcmp(out_o, out_n) != 0) {
        brk_error(c, rn->output_loc, "response type of rpc '%s' changed from '%s' to '%s'",
                  rn->name, out_o, out_n);
        brk_note(c, ro->output_loc, "it was '%s' here", out_o);
    }
    if (ro->server_streaming != rn->server_streaming) {
        brk_error(c, rn->output_loc, "rpc '%s' %s server streaming", rn->name,
                  rn->server_streaming ? "became" : "is no longer");
        brk_note(c, ro->output_loc, "the response was %s here",
                 ro->server_streaming ? "a stream" : "a single message");
    }
}

static void compare_service(Cmp *c, const Service *so, const Service *sn)
{
    for (size_t i = 0; i < so->methods.len; i++) {
        const Method *ro = so->methods.items[i];
        const Method *rn = NULL;
        for (size_t k = 0; k < sn->methods.len && !rn; k++)
            if (strcmp(sn->methods.items[k]->name, ro->name) == 0)
                rn = sn->methods.items[k];
        if (rn) {
            compare_method(c, ro, rn);
            continue;
        }
        brk_error(c, sn->name_loc, "rpc '%s' was removed from service '%s', or renamed", ro->name,
                  sn->name);
        brk_note(c, ro->name_loc, "rpc '%s' was declared here", ro->name);
    }
}

/* ----------------------------------------------------------- extensions */

/* Every extension declared in a scope and the messages nested in it. */
static void collect_extensions(Arena *arena, FieldVec *out, const ExtendVec *extends,
                               const MessageVec *messages)
{
    for (size_t i = 0; i < extends->len; i++)
        for (size_t k = 0; k < extends->items[i]->fields.len; k++)
            VEC_PUSH(arena, out, extends->items[i]->fields.items[k]);
    for (size_t i = 0; i < messages->len; i++)
        collect_extensions(arena, out, &messages->items[i]->extends, &messages->items[i]->messages);
}

/* Extensions are matched by full name (less the file's package): an old
 * one must still extend the same message with the same number and type. */
static void compare_extensions(Cmp *c, Loc anchor)
{
    FieldVec olds = { 0 }, news = { 0 };
    collect_extensions(c->arena, &olds, &c->old_file->extends, &c->old_file->messages);
    collect_extensions(c->arena, &news, &c->new_file->extends, &c->new_file->messages);
    for (size_t i = 0; i < olds.len; i++) {
        const Field *fo = olds.items[i];
        const char *key = brk_type_key(c, fo->full_name, c->old_file, c->old_file);
        const Field *fn = NULL;
        for (size_t k = 0; k < news.len && !fn; k++)
            if (strcmp(brk_type_key(c, news.items[k]->full_name, c->new_file, c->new_file), key) ==
                0)
                fn = news.items[k];
        if (!fn) {
            brk_error(c, anchor, "extension '%s' was removed, or renamed", key);
            brk_note(c, fo->name_loc, "it was declared here");
            continue;
        }
        const Message *xo = fo->extend ? fo->extend->extendee_msg : NULL;
        const Message *xn = fn->extend ? fn->extend->extendee_msg : NULL;
        const char *eo = xo ? brk_type_key(c, xo->full_name, xo->file, c->old_file) : "?";
        const char *en = xn ? brk_type_key(c, xn->full_name, xn->file, c->new_file) : "?";
        if (strcmp(eo, en) != 0) {
            brk_error(c, fn->extend->extendee_loc, "extension '%s' now extends '%s', not '%s'", key,
                      en, eo);
            brk_note(c, fo->extend->extendee_loc, "it extended '%s' here", eo);
        }
        if (fo->number != fn->number) {
            brk_error(c, fn->number_loc,
                      "extension '%s' was renumbered from %" PRId64 " to %" PRId64, key, fo->number,
                      fn->number);
            brk_note(c, fo->number_loc, "it was number %" PRId64 " here", fo->number);
            continue;
        }
        brk_compare_field(c, fo, fn);
    }
}

/* ---------------------------------------------------------------- files */

static const char *syntax_text(Syntax s)
{
    return s == SYNTAX_PROTO3 ? "proto3" : "proto2";
}

int breaking_compare_file(Diag *diag, const File *old_file, const File *new_file)
{
    Cmp cmp = { .diag = diag, .arena = diag->arena, .old_file = old_file, .new_file = new_file };
    Cmp *c = &cmp;
    Loc anchor = file_anchor(new_file);

    const char *po = old_file->package, *pn = new_file->package;
    if (!po != !pn || (po && strcmp(po, pn) != 0)) {
        brk_error(c, anchor, "package changed from %s%s%s to %s%s%s", po ? "'" : "",
                  po ? po : "none", po ? "'" : "", pn ? "'" : "", pn ? pn : "none", pn ? "'" : "");
        brk_note(c, file_anchor(old_file), "the package was %s%s%s here", po ? "'" : "",
                 po ? po : "none", po ? "'" : "");
    }
    if (old_file->syntax != new_file->syntax) {
        Loc at = new_file->syntax_written ? new_file->syntax_loc : anchor;
        brk_error(c, at,
                  "syntax changed from %s to %s (field presence, enum openness and the "
                  "generated code change)",
                  syntax_text(old_file->syntax), syntax_text(new_file->syntax));
        brk_note(c, old_file->syntax_written ? old_file->syntax_loc : file_anchor(old_file),
                 "it was %s here", syntax_text(old_file->syntax));
    }

    const char *where = arena_printf(c->arena, "'%s'", new_file->name);
    compare_scope(c, &old_file->messages, &new_file->messages, &old_file->enums, &new_file->enums,
                  anchor, where);
    for (size_t i = 0; i < old_file->services.len; i++) {
        const Service *so = old_file->services.items[i];
        const Service *sn = NULL;
        for (size_t k = 0; k < new_file->services.len && !sn; k++)
            if (strcmp(new_file->services.items[k]->name, so->name) == 0)
                sn = new_file->services.items[k];
        if (sn) {
            compare_service(c, so, sn);
            continue;
        }
        brk_error(c, anchor, "service '%s' was removed from %s, or renamed", so->name, where);
        brk_note(c, so->name_loc, "service '%s' was declared here", so->name);
    }
    compare_extensions(c, anchor);
    return c->count;
}

int breaking_file_removed(Diag *diag, const File *old_file, const char *name)
{
    diag_error(diag, (Loc){ 0 }, "file '%s' was removed (or moved), with everything declared in it",
               name);
    diag_note(diag, file_anchor(old_file), "the old version of '%s' is here", name);
    return 1;
}
