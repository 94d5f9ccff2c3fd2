/*
 * model.c — descriptors in: FileDescriptorProtos (what protoc and buf hand a
 * plugin) turned into the resolved model the generators read, as if
 * resolve_all had run on the .proto sources.
 *
 * The descriptors are already resolved and checked: type names are fully
 * qualified, map entries and proto3-optional oneofs are already there, so
 * this builds the nodes and links them by full name, and makes nothing up.
 * What the model keeps as written in the source and descriptors do not
 * carry is recovered as well as the descriptors allow:
 *   - options: known fields of the XxxOptions messages become `name = value`
 *     options; custom options (unknown fields there) are decoded by the
 *     extension that declares them into `(full.name) = value` options, an
 *     aggregate `{ ... }` for a message, several occurrences of one
 *     non-repeated message merged as protobuf merges them;
 *   - a field's default from default_value (bytes C-unescaped);
 *   - an rpc's input and output types as written (the service generator
 *     prints them in comments): the source code info's span says how long
 *     the written name is, and it is that suffix of the full name; without
 *     source info, the name relative to the file's package;
 *   - positions for warnings, from the source code info.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef Google__Protobuf__OneofDescriptorProto OneofProto;
typedef Google__Protobuf__EnumValueDescriptorProto EnumValueProto;
typedef Google__Protobuf__ServiceDescriptorProto ServiceProto;
typedef Google__Protobuf__MethodDescriptorProto MethodProto;

/* ------------------------------------------------------ full-name map */

typedef struct NameSlot {
    const char *name;
    uint64_t hash;
    Message *msg;
    Enum *enm;
} NameSlot;

typedef struct NameTable {
    NameSlot *slots;
    size_t cap;
    size_t len;
} NameTable;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h | 1;
}

static void names_put(Arena *a, NameTable *t, const char *name, Message *m, Enum *e)
{
    if ((t->len + 1) * 2 > t->cap) {
        NameTable bigger = { NULL, t->cap ? t->cap * 2 : 256, 0 };
        bigger.slots = arena_alloc(a, bigger.cap * sizeof *bigger.slots);
        memset(bigger.slots, 0, bigger.cap * sizeof *bigger.slots);
        for (size_t i = 0; i < t->cap; i++)
            if (t->slots[i].hash)
                names_put(a, &bigger, t->slots[i].name, t->slots[i].msg, t->slots[i].enm);
        *t = bigger;
    }
    uint64_t h = str_hash(name);
    size_t i = h & (t->cap - 1);
    while (t->slots[i].hash)
        i = (i + 1) & (t->cap - 1);
    t->slots[i] = (NameSlot){ name, h, m, e };
    t->len++;
}

static const NameSlot *names_get(const NameTable *t, const char *name)
{
    if (!t->cap || !name)
        return NULL;
    if (name[0] == '.')
        name++;
    uint64_t h = str_hash(name);
    for (size_t i = h & (t->cap - 1); t->slots[i].hash; i = (i + 1) & (t->cap - 1))
        if (t->slots[i].hash == h && strcmp(t->slots[i].name, name) == 0)
            return &t->slots[i];
    return NULL;
}

/* ------------------------------------------------------ the builder */

typedef struct Builder {
    Arena *a;
    Compiler *c;
    NameTable types;
    FieldVec extensions; /* every extension, for custom options */
    VEC(const FileProto *) protos;
    const char *error; /* the first problem, for the response */
    int depth;         /* of nested option values being decoded */
} Builder;

static char *scoped(Arena *a, const char *scope, const char *name)
{
    return scope && *scope ? arena_printf(a, "%s.%s", scope, name) : arena_strdup(a, name);
}

/* Paths into the FileDescriptorProto, built up as the walk descends; protoc
 * nests messages 32 deep at most, which fits; a longer path is marked and
 * finds no location (positions only serve warnings). */
typedef struct Path {
    int32_t p[96];
    size_t n;
    bool too_long;
} Path;

static Path path_add(Path base, int32_t a, int32_t b)
{
    if (base.n + 3 <= sizeof base.p / sizeof *base.p) {
        base.p[base.n++] = a;
        base.p[base.n++] = b;
    } else {
        base.too_long = true;
    }
    return base;
}

/* The source info span at `path`, if the descriptor carries one. */
static const LocationProto *location_at(const FileProto *fp, const int32_t *path, size_t n)
{
    if (!fp->source_code_info)
        return NULL;
    for (size_t i = 0; i < fp->source_code_info->n_location; i++) {
        const LocationProto *l = fp->source_code_info->location[i];
        if (l->n_path == n && memcmp(l->path, path, n * sizeof *path) == 0 && l->n_span >= 3)
            return l;
    }
    return NULL;
}

static Loc loc_at(File *f, const FileProto *fp, const Path *path)
{
    const LocationProto *l = path->too_long ? NULL : location_at(fp, path->p, path->n);
    if (!l)
        return (Loc){ f->src, 0, 0 };
    return (Loc){ f->src, l->span[0] + 1, l->span[1] + 1 };
}

/* ------------------------------------------------------ pass 1: nodes */

static Field *new_field(Builder *b, File *f, Message *parent, const FieldProto *fp)
{
    Field *fd = arena_alloc(b->a, sizeof *fd);
    fd->name = fp->name ? fp->name : "";
    fd->number = fp->number;
    fd->type = fp->has_type ? (FieldType)fp->type : TYPE_NONE;
    fd->type_name = fp->type_name;
    fd->parent = parent;
    fd->file = f;
    fd->proto3_optional = fp->has_proto3_optional && fp->proto3_optional;
    return fd;
}

static Enum *new_enum(Builder *b, File *f, Message *parent, const char *scope, const EnumProto *ep,
                      const FileProto *fproto, Path path)
{
    Enum *e = arena_alloc(b->a, sizeof *e);
    e->name = ep->name ? ep->name : "";
    e->parent = parent;
    e->file = f;
    e->full_name = scoped(b->a, scope, e->name);
    e->loc = e->name_loc = loc_at(f, fproto, &path);
    for (size_t i = 0; i < ep->n_value; i++) {
        EnumValue *v = arena_alloc(b->a, sizeof *v);
        v->name = ep->value[i]->name ? ep->value[i]->name : "";
        v->number = ep->value[i]->number;
        v->parent = e;
        v->full_name = scoped(b->a, scope, v->name);
        VEC_PUSH(b->a, &e->values, v);
    }
    for (size_t i = 0; i < ep->n_reserved_range; i++) {
        const Google__Protobuf__EnumDescriptorProto__EnumReservedRange *r = ep->reserved_range[i];
        VEC_PUSH(b->a, &e->reserved_ranges,
                 ((Range){ .start = r->start, .end = r->end, .end_is_max = r->end == INT32_MAX }));
    }
    for (size_t i = 0; i < ep->n_reserved_name; i++)
        VEC_PUSH(b->a, &e->reserved_names, ((ReservedName){ .name = ep->reserved_name[i] }));
    names_put(b->a, &b->types, e->full_name, NULL, e);
    return e;
}

/* Extension fields, in order, into Extend blocks: one per run of
 * consecutive fields with the same extendee (the descriptor does not say
 * where the source's `extend` blocks began). */
static void new_extends(Builder *b, File *f, Message *parent, FieldProto *const *fps, size_t n,
                        ExtendVec *out, const FileProto *fproto, Path base, int32_t number)
{
    Extend *cur = NULL;
    for (size_t i = 0; i < n; i++) {
        const FieldProto *fp = fps[i];
        const char *extendee = fp->extendee ? fp->extendee : "";
        if (!cur || strcmp(cur->extendee, extendee + (extendee[0] == '.')) != 0) {
            cur = arena_alloc(b->a, sizeof *cur);
            cur->extendee = arena_strdup(b->a, extendee + (extendee[0] == '.'));
            cur->parent = parent;
            cur->file = f;
            /* The extendee as the block's first field records it. */
            Path p = path_add(base, number, (int32_t)i);
            p.p[p.n++] = 2;
            cur->loc = cur->extendee_loc = loc_at(f, fproto, &p);
            VEC_PUSH(b->a, out, cur);
        }
        Field *fd = new_field(b, f, parent, fp);
        fd->extend = cur;
        Path p = path_add(base, number, (int32_t)i);
        fd->loc = fd->name_loc = fd->type_loc = loc_at(f, fproto, &p);
        VEC_PUSH(b->a, &cur->fields, fd);
        VEC_PUSH(b->a, &b->extensions, fd);
    }
}

static Message *new_message(Builder *b, File *f, Message *parent, const char *scope,
                            const MessageProto *mp, const FileProto *fproto, Path path)
{
    Message *m = arena_alloc(b->a, sizeof *m);
    m->name = mp->name ? mp->name : "";
    m->parent = parent;
    m->file = f;
    m->full_name = scoped(b->a, scope, m->name);
    m->loc = m->name_loc = loc_at(f, fproto, &path);
    m->is_map_entry = mp->options && mp->options->has_map_entry && mp->options->map_entry;
    names_put(b->a, &b->types, m->full_name, m, NULL);

    for (size_t i = 0; i < mp->n_oneof_decl; i++) {
        Oneof *o = arena_alloc(b->a, sizeof *o);
        o->name = mp->oneof_decl[i]->name ? mp->oneof_decl[i]->name : "";
        o->parent = m;
        o->index = (int)i;
        VEC_PUSH(b->a, &m->oneofs, o);
    }
    for (size_t i = 0; i < mp->n_field; i++) {
        const FieldProto *fp = mp->field[i];
        Field *fd = new_field(b, f, m, fp);
        fd->full_name = scoped(b->a, m->full_name, fd->name);
        Path p = path_add(path, 2, (int32_t)i);
        fd->loc = fd->name_loc = fd->type_loc = loc_at(f, fproto, &p);
        if (fp->has_oneof_index && fp->oneof_index >= 0 &&
            (size_t)fp->oneof_index < m->oneofs.len) {
            fd->oneof = m->oneofs.items[fp->oneof_index];
            VEC_PUSH(b->a, &fd->oneof->fields, fd);
        }
        VEC_PUSH(b->a, &m->fields, fd);
    }
    /* protoc's OneofDescriptor::is_synthetic: the one field is proto3 optional. */
    for (size_t i = 0; i < m->oneofs.len; i++) {
        Oneof *o = m->oneofs.items[i];
        o->synthetic = o->fields.len == 1 && o->fields.items[0]->proto3_optional;
    }
    for (size_t i = 0; i < mp->n_nested_type; i++)
        VEC_PUSH(b->a, &m->messages,
                 new_message(b, f, m, m->full_name, mp->nested_type[i], fproto,
                             path_add(path, 3, (int32_t)i)));
    for (size_t i = 0; i < mp->n_enum_type; i++)
        VEC_PUSH(b->a, &m->enums,
                 new_enum(b, f, m, m->full_name, mp->enum_type[i], fproto,
                          path_add(path, 4, (int32_t)i)));
    bool mset = mp->options && mp->options->has_message_set_wire_format &&
                mp->options->message_set_wire_format;
    for (size_t i = 0; i < mp->n_extension_range; i++) {
        const Google__Protobuf__DescriptorProto__ExtensionRange *r = mp->extension_range[i];
        bool max = r->end == (mset ? INT32_MAX : FIELD_NUMBER_LIMIT);
        VEC_PUSH(b->a, &m->extension_ranges,
                 ((Range){ .start = r->start,
                           .end = max ? (mset ? INT32_MAX : (FIELD_NUMBER_LIMIT - 1)) : r->end - 1,
                           .end_is_max = max }));
    }
    for (size_t i = 0; i < mp->n_reserved_range; i++) {
        const Google__Protobuf__DescriptorProto__ReservedRange *r = mp->reserved_range[i];
        bool max = r->end == (mset ? INT32_MAX : FIELD_NUMBER_LIMIT);
        VEC_PUSH(b->a, &m->reserved_ranges,
                 ((Range){ .start = r->start,
                           .end = max ? (FIELD_NUMBER_LIMIT - 1) : r->end - 1,
                           .end_is_max = max }));
    }
    for (size_t i = 0; i < mp->n_reserved_name; i++)
        VEC_PUSH(b->a, &m->reserved_names, ((ReservedName){ .name = mp->reserved_name[i] }));
    new_extends(b, f, m, mp->extension, mp->n_extension, &m->extends, fproto, path, 6);
    for (size_t i = 0; i < m->extends.len; i++)
        for (size_t k = 0; k < m->extends.items[i]->fields.len; k++) {
            Field *fd = m->extends.items[i]->fields.items[k];
            fd->full_name = scoped(b->a, m->full_name, fd->name);
        }
    return m;
}

/* The name of a type as the user wrote it in an rpc: the source span's
 * length of the full name's tail (written names are tokens without spaces,
 * so the span and the text have the same length). */
static char *written_type(Builder *b, const File *f, const FileProto *fp, Path path,
                          const char *full_dotted)
{
    const char *full = full_dotted ? full_dotted : "";
    const LocationProto *l = path.too_long ? NULL : location_at(fp, path.p, path.n);
    size_t n = strlen(full);
    if (l && l->n_span == 3 && l->span[2] > l->span[1]) {
        size_t w = (size_t)(l->span[2] - l->span[1]);
        if (w <= n && (w == n || full[n - w - 1] == '.' || full[n - w] == '.'))
            return arena_strdup(b->a, full + n - w);
    }
    /* No source info: relative to the package when inside it. */
    const char *name = full[0] == '.' ? full + 1 : full;
    size_t pl = f->package ? strlen(f->package) : 0;
    if (pl && strncmp(name, f->package, pl) == 0 && name[pl] == '.')
        return arena_strdup(b->a, name + pl + 1);
    return arena_strdup(b->a, name);
}

static File *new_file(Builder *b, const FileProto *fp, int index)
{
    File *f = arena_alloc(b->a, sizeof *f);
    f->name = fp->name ? fp->name : "";
    Source *src = arena_alloc(b->a, sizeof *src);
    src->name = f->name;
    src->disk_path = f->name;
    src->text = "";
    src->index = index;
    f->src = src;
    f->syntax = fp->syntax && strcmp(fp->syntax, "proto3") == 0 ? SYNTAX_PROTO3 : SYNTAX_PROTO2;
    f->syntax_written = fp->syntax != NULL;
    if (fp->syntax && strcmp(fp->syntax, "proto2") != 0 && strcmp(fp->syntax, "proto3") != 0 &&
        !b->error)
        b->error = arena_printf(b->a, "%s: syntax \"%s\" is not supported (proto2 and proto3 are)",
                                f->name, fp->syntax);
    f->package = fp->package && fp->package[0] ? fp->package : NULL;
    for (size_t i = 0; i < fp->n_dependency; i++) {
        Import im = { .path = fp->dependency[i], .kind = IMPORT_PLAIN };
        for (size_t k = 0; k < fp->n_public_dependency; k++)
            if (fp->public_dependency[k] == (int32_t)i)
                im.kind = IMPORT_PUBLIC;
        for (size_t k = 0; k < fp->n_weak_dependency; k++)
            if (fp->weak_dependency[k] == (int32_t)i)
                im.kind = IMPORT_WEAK;
        for (size_t k = 0; k < b->c->files.len; k++)
            if (strcmp(b->c->files.items[k]->name, im.path) == 0)
                im.file = b->c->files.items[k];
        if (!im.file && !b->error)
            b->error = arena_printf(b->a,
                                    "%s imports %s, which the request does not carry "
                                    "(or carries after it)",
                                    f->name, im.path);
        VEC_PUSH(b->a, &f->imports, im);
    }
    Path root = { .n = 0 };
    for (size_t i = 0; i < fp->n_message_type; i++)
        VEC_PUSH(b->a, &f->messages,
                 new_message(b, f, NULL, f->package, fp->message_type[i], fp,
                             path_add(root, 4, (int32_t)i)));
    for (size_t i = 0; i < fp->n_enum_type; i++)
        VEC_PUSH(
            b->a, &f->enums,
            new_enum(b, f, NULL, f->package, fp->enum_type[i], fp, path_add(root, 5, (int32_t)i)));
    new_extends(b, f, NULL, fp->extension, fp->n_extension, &f->extends, fp, root, 7);
    for (size_t i = 0; i < f->extends.len; i++)
        for (size_t k = 0; k < f->extends.items[i]->fields.len; k++) {
            Field *fd = f->extends.items[i]->fields.items[k];
            fd->full_name = scoped(b->a, f->package, fd->name);
        }
    for (size_t i = 0; i < fp->n_service; i++) {
        const ServiceProto *sp = fp->service[i];
        Service *s = arena_alloc(b->a, sizeof *s);
        s->name = sp->name ? sp->name : "";
        s->file = f;
        s->full_name = scoped(b->a, f->package, s->name);
        Path sp_path = path_add(root, 6, (int32_t)i);
        s->loc = s->name_loc = loc_at(f, fp, &sp_path);
        for (size_t k = 0; k < sp->n_method; k++) {
            const MethodProto *mp = sp->method[k];
            Method *m = arena_alloc(b->a, sizeof *m);
            m->name = mp->name ? mp->name : "";
            m->parent = s;
            m->full_name = scoped(b->a, s->full_name, m->name);
            m->client_streaming = mp->has_client_streaming && mp->client_streaming;
            m->server_streaming = mp->has_server_streaming && mp->server_streaming;
            Path mpath = path_add(sp_path, 2, (int32_t)k);
            m->loc = m->name_loc = loc_at(f, fp, &mpath);
            Path in = mpath, out = mpath;
            in.p[in.n++] = 2;
            out.p[out.n++] = 3;
            m->input_name = written_type(b, f, fp, in, mp->input_type);
            m->output_name = written_type(b, f, fp, out, mp->output_type);
            m->has_body = mp->options != NULL;
            VEC_PUSH(b->a, &s->methods, m);
        }
        VEC_PUSH(b->a, &f->services, s);
    }
    return f;
}

/* ------------------------------------------------------ pass 2: links */

static Message *message_named(Builder *b, const char *name)
{
    const NameSlot *s = names_get(&b->types, name);
    return s ? s->msg : NULL;
}

/* protoc's ToJsonName, for descriptors that leave json_name out. */
static char *json_name(Arena *a, const char *name)
{
    char *out = arena_alloc(a, strlen(name) + 1);
    size_t j = 0;
    bool upper = false;
    for (const char *p = name; *p; p++) {
        if (*p == '_') {
            upper = true;
        } else {
            out[j++] = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
            upper = false;
        }
    }
    out[j] = '\0';
    return out;
}

static void link_field(Builder *b, Field *fd, const FieldProto *fp)
{
    const NameSlot *s = names_get(&b->types, fp->type_name);
    if (fd->type == TYPE_NONE && s)
        fd->type = s->msg ? TYPE_MESSAGE : TYPE_ENUM;
    if ((fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP) && s)
        fd->msg_type = s->msg;
    if (fd->type == TYPE_ENUM && s)
        fd->enum_type = s->enm;
    if (fd->type == TYPE_GROUP && fd->msg_type) {
        fd->group = fd->msg_type;
        fd->msg_type->is_group = true;
    }
    if (!s && fp->type_name && !b->error)
        b->error = arena_printf(b->a,
                                "%s: field '%s' has type '%s', which the request does not "
                                "define",
                                fd->file->name, fd->name, fp->type_name);

    /* The label as the source model keeps it: none written for proto3
     * singular fields and oneof members; maps as the resolver leaves them. */
    bool in_oneof = fd->oneof && !fd->oneof->synthetic;
    switch (fp->label) {
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REPEATED:
        fd->label = LABEL_REPEATED;
        break;
    case GOOGLE__PROTOBUF__FIELD_DESCRIPTOR_PROTO__LABEL__LABEL_REQUIRED:
        fd->label = LABEL_REQUIRED;
        break;
    default:
        fd->label = in_oneof || (fd->file->syntax == SYNTAX_PROTO3 && !fd->proto3_optional)
                        ? LABEL_NONE
                        : LABEL_OPTIONAL;
        break;
    }
    if (fd->label == LABEL_REPEATED && fd->type == TYPE_MESSAGE && fd->msg_type &&
        fd->msg_type->is_map_entry && !fd->extend) {
        Message *e = fd->msg_type;
        fd->is_map = true;
        fd->map_entry = e;
        fd->type_name = e->name;
        for (size_t i = 0; i < e->fields.len; i++)
            if (e->fields.items[i]->number == 1)
                fd->map_key_type = e->fields.items[i]->type;
    }
    fd->json_name = fp->json_name ? fp->json_name : json_name(b->a, fd->name);
    if (fd->extend)
        fd->extend->extendee_msg = message_named(b, fp->extendee);
}

static void link_message(Builder *b, Message *m, const MessageProto *mp)
{
    for (size_t i = 0; i < mp->n_field; i++)
        link_field(b, m->fields.items[i], mp->field[i]);
    for (size_t i = 0; i < mp->n_nested_type; i++)
        link_message(b, m->messages.items[i], mp->nested_type[i]);
    size_t k = 0;
    for (size_t i = 0; i < m->extends.len; i++)
        for (size_t j = 0; j < m->extends.items[i]->fields.len; j++)
            link_field(b, m->extends.items[i]->fields.items[j], mp->extension[k++]);
}

static void link_file(Builder *b, File *f, const FileProto *fp)
{
    for (size_t i = 0; i < fp->n_message_type; i++)
        link_message(b, f->messages.items[i], fp->message_type[i]);
    size_t k = 0;
    for (size_t i = 0; i < f->extends.len; i++)
        for (size_t j = 0; j < f->extends.items[i]->fields.len; j++)
            link_field(b, f->extends.items[i]->fields.items[j], fp->extension[k++]);
    for (size_t i = 0; i < fp->n_service; i++)
        for (size_t j = 0; j < fp->service[i]->n_method; j++) {
            Method *m = f->services.items[i]->methods.items[j];
            m->input = message_named(b, fp->service[i]->method[j]->input_type);
            m->output = message_named(b, fp->service[i]->method[j]->output_type);
            if ((!m->input || !m->output) && !b->error)
                b->error = arena_printf(b->a,
                                        "%s: rpc '%s' names a type the request does not "
                                        "define",
                                        f->name, m->full_name);
        }
}

/* ------------------------------------------------------ pass 3: options */

/* Reading the wire format: a cursor over bytes. */
typedef struct Reader {
    const uint8_t *p;
    const uint8_t *end;
    bool bad;
} Reader;

static uint64_t read_varint(Reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        uint8_t byte = *r->p++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    r->bad = true;
    return v;
}

static uint64_t read_fixed(Reader *r, int n)
{
    if (r->end - r->p < n) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    return v;
}

/* One field of a message on the wire: its number, wire type and payload
 * (the varint or fixed value, or the bytes of a length-delimited field or a
 * group's contents). */
typedef struct WireField {
    uint64_t number;
    int wire;
    uint64_t value;
    const uint8_t *data;
    size_t len;
} WireField;

static bool skip_group(Reader *r, uint64_t number, int depth);

/* Groups nest; past this depth the input is refused rather than recursed. */
enum { MAX_GROUP_DEPTH = 64 };

static bool read_field_at(Reader *r, WireField *out, int depth)
{
    uint64_t tag = read_varint(r);
    if (r->bad)
        return false;
    out->number = tag >> 3;
    out->wire = (int)(tag & 7);
    out->data = NULL;
    out->len = 0;
    switch (out->wire) {
    case WIRE_VARINT: out->value = read_varint(r); break;
    case WIRE_FIXED64: out->value = read_fixed(r, 8); break;
    case WIRE_FIXED32: out->value = read_fixed(r, 4); break;
    case WIRE_LEN: {
        uint64_t n = read_varint(r);
        if (r->bad || n > (uint64_t)(r->end - r->p))
            return false;
        out->data = r->p;
        out->len = (size_t)n;
        r->p += n;
        break;
    }
    case WIRE_SGROUP: {
        const uint8_t *start = r->p;
        if (depth >= MAX_GROUP_DEPTH || !skip_group(r, out->number, depth + 1))
            return false;
        out->data = start;
        /* The contents, without the end-group tag. */
        Reader back = { start, r->p, false };
        const uint8_t *last = start;
        while (back.p < back.end) {
            last = back.p;
            WireField inner;
            if (!read_field_at(&back, &inner, depth + 1))
                break;
        }
        out->len = (size_t)(last - start);
        break;
    }
    default: return false;
    }
    return !r->bad;
}

static bool read_field(Reader *r, WireField *out)
{
    return read_field_at(r, out, 0);
}

static bool skip_group(Reader *r, uint64_t number, int depth)
{
    for (;;) {
        const uint8_t *at = r->p;
        uint64_t tag = read_varint(r);
        if (r->bad)
            return false;
        if ((tag & 7) == WIRE_EGROUP)
            return (tag >> 3) == number;
        r->p = at;
        WireField f;
        if (!read_field_at(r, &f, depth))
            return false;
    }
}

static Value *new_value(Builder *b, ValueKind kind)
{
    Value *v = arena_alloc(b->a, sizeof *v);
    v->kind = kind;
    return v;
}

static Value *int_value(Builder *b, int64_t x, bool is_signed, uint64_t u)
{
    Value *v = new_value(b, VAL_INT);
    v->base = 10;
    if (is_signed && x < 0) {
        v->negative = true;
        v->u = 0 - (uint64_t)x;
    } else {
        v->u = is_signed ? (uint64_t)x : u;
    }
    return v;
}

static Value *ident_value(Builder *b, const char *s)
{
    Value *v = new_value(b, VAL_IDENT);
    v->s = arena_strdup(b->a, s);
    v->len = strlen(s);
    return v;
}

static Value *decode_message(Builder *b, Message *m, const uint8_t *p, size_t n);

/* A scalar of the field's type from one wire value. */
static Value *decode_scalar(Builder *b, const Field *fd, const WireField *w)
{
    uint64_t u = w->value;
    switch (fd->type) {
    case TYPE_INT32:
    case TYPE_SFIXED32: return int_value(b, (int32_t)(uint32_t)u, true, 0);
    case TYPE_INT64:
    case TYPE_SFIXED64: return int_value(b, (int64_t)u, true, 0);
    case TYPE_SINT32: {
        uint32_t z = (uint32_t)u;
        return int_value(b, (int32_t)((z >> 1) ^ (0 - (z & 1))), true, 0);
    }
    case TYPE_SINT64: return int_value(b, (int64_t)((u >> 1) ^ (0 - (u & 1))), true, 0);
    case TYPE_UINT32:
    case TYPE_FIXED32: return int_value(b, 0, false, (uint32_t)u);
    case TYPE_UINT64:
    case TYPE_FIXED64: return int_value(b, 0, false, u);
    case TYPE_BOOL: return ident_value(b, u ? "true" : "false");
    case TYPE_ENUM:
        if (fd->enum_type)
            for (size_t i = 0; i < fd->enum_type->values.len; i++)
                if (fd->enum_type->values.items[i]->number == (int32_t)(uint32_t)u)
                    return ident_value(b, fd->enum_type->values.items[i]->name);
        return int_value(b, (int32_t)(uint32_t)u, true, 0);
    case TYPE_FLOAT: {
        uint32_t bits = (uint32_t)u;
        float f;
        memcpy(&f, &bits, sizeof f);
        Value *v = new_value(b, VAL_FLOAT);
        v->d = f;
        return v;
    }
    case TYPE_DOUBLE: {
        double d;
        memcpy(&d, &u, sizeof d);
        Value *v = new_value(b, VAL_FLOAT);
        v->d = d;
        return v;
    }
    case TYPE_STRING:
    case TYPE_BYTES: {
        Value *v = new_value(b, VAL_STRING);
        v->s = arena_strndup(b->a, (const char *)w->data, w->len);
        v->len = w->len;
        return v;
    }
    case TYPE_MESSAGE:
    case TYPE_GROUP: return decode_message(b, fd->msg_type, w->data, w->len);
    default: return NULL;
    }
}

static bool wire_matches(const Field *fd, int wire)
{
    switch (fd->type) {
    case TYPE_DOUBLE:
    case TYPE_FIXED64:
    case TYPE_SFIXED64: return wire == WIRE_FIXED64;
    case TYPE_FLOAT:
    case TYPE_FIXED32:
    case TYPE_SFIXED32: return wire == WIRE_FIXED32;
    case TYPE_STRING:
    case TYPE_BYTES:
    case TYPE_MESSAGE: return wire == WIRE_LEN;
    case TYPE_GROUP: return wire == WIRE_SGROUP;
    default: return wire == WIRE_VARINT;
    }
}

/* Every value a field holds in these wire fields (a packed run gives many). */
static void decode_values(Builder *b, const Field *fd, const WireField *w, ValueVec *out)
{
    if (w->wire == WIRE_LEN && fd->type != TYPE_STRING && fd->type != TYPE_BYTES &&
        fd->type != TYPE_MESSAGE) {
        Reader r = { w->data, w->data + w->len, false };
        while (r.p < r.end && !r.bad) {
            WireField one = { .number = w->number };
            one.wire = fd->type == TYPE_DOUBLE || fd->type == TYPE_FIXED64 ||
                               fd->type == TYPE_SFIXED64
                           ? WIRE_FIXED64
                       : fd->type == TYPE_FLOAT || fd->type == TYPE_FIXED32 ||
                               fd->type == TYPE_SFIXED32
                           ? WIRE_FIXED32
                           : WIRE_VARINT;
            one.value = one.wire == WIRE_VARINT ? read_varint(&r)
                                                : read_fixed(&r, one.wire == WIRE_FIXED64 ? 8 : 4);
            if (!r.bad) {
                Value *v = decode_scalar(b, fd, &one);
                if (v)
                    VEC_PUSH(b->a, out, v);
            }
        }
        return;
    }
    if (!wire_matches(fd, w->wire))
        return;
    Value *v = decode_scalar(b, fd, w);
    if (v)
        VEC_PUSH(b->a, out, v);
}

static Field *extension_of(Builder *b, const char *extendee, uint64_t number)
{
    for (size_t i = 0; i < b->extensions.len; i++) {
        Field *fd = b->extensions.items[i];
        if ((uint64_t)fd->number == number && fd->extend && fd->extend->extendee_msg &&
            strcmp(fd->extend->extendee_msg->full_name, extendee) == 0)
            return fd;
    }
    return NULL;
}

/* The values of one field, gathered over a message's wire fields:
 * singular messages merge (their bytes concatenated), singular scalars keep
 * the last, repeated fields keep all. */
typedef struct Gathered {
    Field *fd;
    WBuf merged;           /* singular message: every occurrence's bytes */
    VEC(WireField) fields; /* the others */
} Gathered;

typedef VEC(Gathered) GatheredVec;

static Gathered *gathered_for(Builder *b, GatheredVec *g, Field *fd)
{
    for (size_t i = 0; i < g->len; i++)
        if (g->items[i].fd == fd)
            return &g->items[i];
    VEC_PUSH(b->a, g, ((Gathered){ .fd = fd }));
    return &g->items[g->len - 1];
}

static void gather(Builder *b, GatheredVec *g, Field *fd, const WireField *w)
{
    Gathered *x = gathered_for(b, g, fd);
    if (fd->label != LABEL_REPEATED && (fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP)) {
        wbuf_put(&x->merged, w->data, w->len);
        x->fields.len = 1; /* marks it set */
        return;
    }
    if (fd->label != LABEL_REPEATED)
        x->fields.len = 0;
    VEC_PUSH(b->a, &x->fields, *w);
}

/* The values gathered for one field. */
static void gathered_values(Builder *b, Gathered *x, ValueVec *out)
{
    Field *fd = x->fd;
    if (fd->label != LABEL_REPEATED && (fd->type == TYPE_MESSAGE || fd->type == TYPE_GROUP)) {
        VEC_PUSH(b->a, out, decode_message(b, fd->msg_type, x->merged.data, x->merged.len));
        wbuf_free(&x->merged);
        return;
    }
    for (size_t i = 0; i < x->fields.len; i++)
        decode_values(b, fd, &x->fields.items[i], out);
}

static Value *decode_message(Builder *b, Message *m, const uint8_t *p, size_t n)
{
    Value *agg = new_value(b, VAL_AGGREGATE);
    /* Option values nest no deeper than protoc nests messages in text
     * (100); deeper input is not a request protoc or buf would send. */
    if (!m || b->depth >= 100) {
        if (m && !b->error)
            b->error = "an option value nests messages more than 100 deep";
        return agg;
    }
    b->depth++;
    GatheredVec g = { 0 };
    Reader r = { p, p + n, false };
    while (r.p < r.end) {
        WireField w;
        if (!read_field(&r, &w))
            break;
        Field *fd = NULL;
        for (size_t i = 0; i < m->fields.len && !fd; i++)
            if ((uint64_t)m->fields.items[i]->number == w.number)
                fd = m->fields.items[i];
        if (!fd)
            fd = extension_of(b, m->full_name, w.number);
        if (fd)
            gather(b, &g, fd, &w);
    }
    for (size_t i = 0; i < g.len; i++) {
        Field *fd = g.items[i].fd;
        ValueVec values = { 0 };
        gathered_values(b, &g.items[i], &values);
        for (size_t k = 0; k < values.len; k++) {
            AggEntry *e = arena_alloc(b->a, sizeof *e);
            e->is_extension = fd->extend != NULL;
            /* Text format names a group by its type, an extension by its
             * full name. */
            e->name = e->is_extension                          ? fd->full_name
                      : fd->type == TYPE_GROUP && fd->msg_type ? fd->msg_type->name
                                                               : fd->name;
            e->field = fd;
            e->value = values.items[k];
            VEC_PUSH(b->a, &agg->entries, e);
        }
    }
    b->depth--;
    return agg;
}

static Option *new_option(Builder *b, const char *name, bool is_extension, Field *field,
                          Value *value)
{
    Option *o = arena_alloc(b->a, sizeof *o);
    VEC_PUSH(
        b->a, &o->name,
        ((OptionNamePart){ .name = (char *)name, .is_extension = is_extension, .field = field }));
    o->value = value;
    return o;
}

/* The options of an element, from its XxxOptions message. */
static void decode_options(Builder *b, DescOptKind kind, const ProtobufCMessage *msg,
                           OptionVec *out)
{
    if (!msg)
        return;
    const ProtobufCMessageDescriptor *d = desc_options_descriptor(kind);
    const char *base = (const char *)msg;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *k = &d->fields[i];
        if (k->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        Value *v = NULL;
        switch (k->type) {
        case PROTOBUF_C_TYPE_BOOL:
            if (k->quantifier_offset && *(const protobuf_c_boolean *)(base + k->quantifier_offset))
                v = ident_value(b,
                                *(const protobuf_c_boolean *)(base + k->offset) ? "true" : "false");
            break;
        case PROTOBUF_C_TYPE_ENUM:
            if (k->quantifier_offset &&
                *(const protobuf_c_boolean *)(base + k->quantifier_offset)) {
                int x = *(const int *)(base + k->offset);
                const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
                    (const ProtobufCEnumDescriptor *)k->descriptor, x);
                v = ev ? ident_value(b, ev->name) : int_value(b, x, true, 0);
            }
            break;
        case PROTOBUF_C_TYPE_STRING: {
            const char *s = *(char *const *)(base + k->offset);
            if (s && s != k->default_value) {
                v = new_value(b, VAL_STRING);
                v->s = (char *)s;
                v->len = strlen(s);
            }
            break;
        }
        default: break;
        }
        if (v)
            VEC_PUSH(b->a, out, new_option(b, k->name, false, NULL, v));
    }

    /* Custom options: unknown fields, decoded by their extensions. */
    const char *options_name = d->name;
    GatheredVec g = { 0 };
    for (unsigned i = 0; i < msg->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &msg->unknown_fields[i];
        Field *ext = extension_of(b, options_name, u->tag);
        if (!ext)
            continue;
        /* libprotobuf-c keeps what follows the tag; read it back as a
         * field (from arena memory, which the values may point into). */
        WBuf one = { 0 };
        wbuf_tag(&one, u->tag, u->wire_type);
        wbuf_put(&one, u->data, u->len);
        uint8_t *bytes = arena_alloc(b->a, one.len);
        memcpy(bytes, one.data, one.len);
        Reader r = { bytes, bytes + one.len, false };
        wbuf_free(&one);
        WireField w;
        if (read_field(&r, &w))
            gather(b, &g, ext, &w);
    }
    for (size_t i = 0; i < g.len; i++) {
        Field *ext = g.items[i].fd;
        ValueVec values = { 0 };
        gathered_values(b, &g.items[i], &values);
        for (size_t k = 0; k < values.len; k++)
            VEC_PUSH(b->a, out, new_option(b, ext->full_name, true, ext, values.items[k]));
    }
}

/* C-unescape a bytes default (protoc's CEscape, undone). */
static Value *unescape_bytes(Builder *b, const char *s)
{
    size_t n = strlen(s);
    char *out = arena_alloc(b->a, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            out[j++] = s[i];
            continue;
        }
        char c = s[++i];
        if (c >= '0' && c <= '7') {
            int v = 0, k = 0;
            while (k < 3 && i < n && s[i] >= '0' && s[i] <= '7') {
                v = v * 8 + (s[i] - '0');
                i++;
                k++;
            }
            i--;
            out[j++] = (char)v;
        } else if (c == 'x' || c == 'X') {
            int v = 0;
            while (i + 1 < n && strchr("0123456789abcdefABCDEF", s[i + 1]) && s[i + 1]) {
                char h = s[++i];
                v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
            }
            out[j++] = (char)v;
        } else {
            static const char from[] = "abfnrtv\\?'\"";
            static const char to[] = "\a\b\f\n\r\t\v\\?'\"";
            const char *p = strchr(from, c);
            out[j++] = p && c ? to[p - from] : c;
        }
    }
    Value *v = new_value(b, VAL_STRING);
    v->s = out;
    v->len = j;
    return v;
}

static Value *default_value(Builder *b, const Field *fd, const char *s)
{
    switch (fd->type) {
    case TYPE_INT32:
    case TYPE_INT64:
    case TYPE_SINT32:
    case TYPE_SINT64:
    case TYPE_SFIXED32:
    case TYPE_SFIXED64: return int_value(b, strtoll(s, NULL, 10), true, 0);
    case TYPE_UINT32:
    case TYPE_UINT64:
    case TYPE_FIXED32:
    case TYPE_FIXED64: return int_value(b, 0, false, strtoull(s, NULL, 10));
    case TYPE_FLOAT:
    case TYPE_DOUBLE: {
        bool negative = s[0] == '-';
        const char *mag = negative ? s + 1 : s;
        if (strcmp(mag, "inf") == 0 || strcmp(mag, "nan") == 0) {
            Value *v = ident_value(b, mag);
            v->negative = negative;
            return v;
        }
        Value *v = new_value(b, VAL_FLOAT);
        v->d = strtod(s, NULL);
        v->negative = negative;
        return v;
    }
    case TYPE_BOOL:
    case TYPE_ENUM: return ident_value(b, s);
    case TYPE_STRING: {
        /* The length from the allocation: a default may hold a NUL. */
        Value *v = new_value(b, VAL_STRING);
        v->len = desc_string_length(s);
        v->s = (char *)s;
        return v;
    }
    case TYPE_BYTES: return unescape_bytes(b, s);
    default: return NULL;
    }
}

static void options_field(Builder *b, Field *fd, const FieldProto *fp)
{
    if (fp->default_value) {
        Value *v = default_value(b, fd, fp->default_value);
        if (v)
            VEC_PUSH(b->a, &fd->options, new_option(b, "default", false, NULL, v));
    }
    decode_options(b, DOPT_FIELD, (const ProtobufCMessage *)fp->options, &fd->options);
}

static void options_enum(Builder *b, Enum *e, const EnumProto *ep)
{
    decode_options(b, DOPT_ENUM, (const ProtobufCMessage *)ep->options, &e->options);
    for (size_t i = 0; i < ep->n_value; i++)
        decode_options(b, DOPT_ENUM_VALUE, (const ProtobufCMessage *)ep->value[i]->options,
                       &e->values.items[i]->options);
}

static void options_message(Builder *b, Message *m, const MessageProto *mp)
{
    decode_options(b, DOPT_MESSAGE, (const ProtobufCMessage *)mp->options, &m->options);
    for (size_t i = 0; i < mp->n_field; i++)
        options_field(b, m->fields.items[i], mp->field[i]);
    for (size_t i = 0; i < mp->n_oneof_decl; i++)
        decode_options(b, DOPT_ONEOF, (const ProtobufCMessage *)mp->oneof_decl[i]->options,
                       &m->oneofs.items[i]->options);
    for (size_t i = 0; i < mp->n_nested_type; i++)
        options_message(b, m->messages.items[i], mp->nested_type[i]);
    for (size_t i = 0; i < mp->n_enum_type; i++)
        options_enum(b, m->enums.items[i], mp->enum_type[i]);
    for (size_t i = 0; i < mp->n_extension_range; i++)
        decode_options(b, DOPT_RANGE, (const ProtobufCMessage *)mp->extension_range[i]->options,
                       &m->extension_ranges.items[i].options);
    size_t k = 0;
    for (size_t i = 0; i < m->extends.len; i++)
        for (size_t j = 0; j < m->extends.items[i]->fields.len; j++)
            options_field(b, m->extends.items[i]->fields.items[j], mp->extension[k++]);
}

static void options_file(Builder *b, File *f, const FileProto *fp)
{
    decode_options(b, DOPT_FILE, (const ProtobufCMessage *)fp->options, &f->options);
    for (size_t i = 0; i < fp->n_message_type; i++)
        options_message(b, f->messages.items[i], fp->message_type[i]);
    for (size_t i = 0; i < fp->n_enum_type; i++)
        options_enum(b, f->enums.items[i], fp->enum_type[i]);
    size_t k = 0;
    for (size_t i = 0; i < f->extends.len; i++)
        for (size_t j = 0; j < f->extends.items[i]->fields.len; j++)
            options_field(b, f->extends.items[i]->fields.items[j], fp->extension[k++]);
    for (size_t i = 0; i < fp->n_service; i++) {
        Service *s = f->services.items[i];
        decode_options(b, DOPT_SERVICE, (const ProtobufCMessage *)fp->service[i]->options,
                       &s->options);
        for (size_t j = 0; j < fp->service[i]->n_method; j++)
            decode_options(b, DOPT_METHOD,
                           (const ProtobufCMessage *)fp->service[i]->method[j]->options,
                           &s->methods.items[j]->options);
    }
}

/* ------------------------------------------------------ the model */

const char *desc_model_from_protos(Compiler *c, FileProto *const *protos, size_t n)
{
    Builder b = { .a = c->arena, .c = c };
    for (size_t i = 0; i < n; i++) {
        File *f = new_file(&b, protos[i], (int)i);
        VEC_PUSH(c->arena, &c->files, f);
        c->sources_read++;
    }
    for (size_t i = 0; i < n; i++)
        link_file(&b, c->files.items[i], protos[i]);
    for (size_t i = 0; i < n; i++)
        options_file(&b, c->files.items[i], protos[i]);
    return b.error;
}
