/*
 * gen_c_names.c — every C name the message generator writes.
 *
 * The names are protoc-c 1.4's, so code written against protoc-c compiles
 * against ours:
 *
 *   message pkg.Outer.Inner  type Pkg__Outer__Inner, functions
 *                            pkg__outer__inner__init/__pack/..., macro
 *                            PKG__OUTER__INNER__INIT, closure
 *                            Pkg__Outer__Inner_Closure, descriptor
 *                            pkg__outer__inner__descriptor
 *   enum pkg.Color { RED }   type Pkg__Color (tag _Pkg__Color), enumerator
 *                            PKG__COLOR__RED (value name kept as written)
 *   field fooBar             member foobar (lower-cased), has_foobar,
 *                            n_foobar; a C/C++ keyword gets a trailing '_'
 *                            (class -> class_); default value object
 *                            pkg__msg__foo_bar__default_value
 *   oneof myChoice           member my_choice_case, type Pkg__Msg__MyChoiceCase,
 *                            enumerators PKG__MSG__MY_CHOICE__NOT_SET and
 *                            PKG__MSG__MY_CHOICE_FIELD
 *
 * where a package or message name maps piecewise: type names CamelCase each
 * dotted piece (foo_bar -> FooBar), lower and upper names split CamelCase
 * with '_' (fooBar -> foo_bar, FOO_BAR), and pieces join with "__". As in
 * protoc-c, (pb_c_file).c_package replaces the package in every C name and
 * (pb_c_msg).base_field_name renames the `base` member.
 *
 * Collision rule. protoc accepts names that collide once mapped this way
 * (fields `Foo` and `foo`, `x` beside `n_x`, a field `base`, messages
 * `Outer.Inner` beside `Outer_Inner`, C keywords, macros such as `errno`).
 * protoc-c's code then fails to compile; ours keeps protoc-c's name wherever
 * it is valid C and renames the rest, deterministically:
 *
 *   - Each construct claims every identifier it makes (type, tag, functions,
 *     macros, descriptor objects, enumerators, default-value objects; for a
 *     field, its struct members: x, has_x, n_x; for a oneof, x_case). The
 *     static tables of a descriptor (PREFIX__field_descriptors, ...) are not
 *     claimed one by one: they can only clash where PREFIX__descriptor does.
 *   - Constructs claim in declaration order: first everything the file's
 *     imports declare in their headers, then the file's messages (each one,
 *     then its fields and oneofs in declaration order, then its nested
 *     messages and enums), then its top-level enums. Struct members are
 *     claimed per struct, after `base`.
 *   - A construct whose identifiers are already claimed gets a trailing '_'
 *     on the colliding part (the type name, the lower-case prefix, the
 *     upper-case prefix, the member name, or the enumerator), repeated until
 *     it is free. So the first of two colliding declarations keeps protoc-c's
 *     name and the later one is renamed.
 *   - Struct members that are C keywords (C89-C11 and the C++ words protoc-c
 *     already avoids) or object-like macros of the standard headers and of
 *     GNU C (errno, stdin, stdout, stderr, linux, unix, ...) get the '_'.
 *     Type names start out claimed by the runtime's (ProtobufCMessage, ...)
 *     and a few standard ones (FILE, NULL, EOF, ...); an enum tag that would
 *     be a keyword (_Bool for enum Bool) gets the '_' too.
 *
 * Because a file's names depend only on the file and its imports, every
 * file that includes a header sees the names that header declares. Two
 * unrelated imports that collide with each other cannot be fixed this way
 * (the headers are generated independently); that is the one case left.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- protoc-c's name transformations ---- */

typedef enum Case { CASE_LOWER, CASE_UPPER, CASE_CAMEL } Case;

/* Transform n bytes of one name piece into dst (room for 2n); returns the
 * length written. LOWER/UPPER are protoc-c's CamelToLower/CamelToUpper
 * (a '_' before each capital that follows a non-capital), CAMEL is ToCamel
 * (drop '_' and capitalize what follows it). */
static size_t transform(char *dst, const char *s, size_t n, Case mode)
{
    char *p = dst;
    if (mode == CASE_CAMEL) {
        bool next_upper = true;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '_') {
                next_upper = true;
            } else if (next_upper) {
                *p++ = (char)toupper((unsigned char)s[i]);
                next_upper = false;
            } else {
                *p++ = s[i];
            }
        }
        return (size_t)(p - dst);
    }
    bool was_upper = true; /* no '_' before a leading capital */
    for (size_t i = 0; i < n; i++) {
        bool is_upper = isupper((unsigned char)s[i]) != 0;
        if (is_upper && !was_upper)
            *p++ = '_';
        *p++ = mode == CASE_UPPER ? (char)toupper((unsigned char)s[i])
               : is_upper         ? (char)tolower((unsigned char)s[i])
                                  : s[i];
        was_upper = is_upper;
    }
    return (size_t)(p - dst);
}

static char *transform_name(Arena *a, const char *name, Case mode)
{
    size_t n = strlen(name);
    char *out = arena_alloc(a, 2 * n + 1);
    out[transform(out, name, n, mode)] = '\0';
    return out;
}

char *c_camel_to_lower(Arena *a, const char *name)
{
    return transform_name(a, name, CASE_LOWER);
}

char *c_camel_to_upper(Arena *a, const char *name)
{
    return transform_name(a, name, CASE_UPPER);
}

char *c_to_camel(Arena *a, const char *name)
{
    return transform_name(a, name, CASE_CAMEL);
}

/* Split a dotted name, map each piece, join with "__" (empty pieces skipped). */
static char *map_full_name(Arena *a, const char *full, Case mode)
{
    size_t len = strlen(full);
    char *out = arena_alloc(a, 2 * len + 3), *p = out;
    const char *s = full;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t n = dot ? (size_t)(dot - s) : strlen(s);
        if (n) {
            if (p != out) {
                *p++ = '_';
                *p++ = '_';
            }
            p += transform(p, s, n, mode);
        }
        s += n;
        if (*s == '.')
            s++;
    }
    *p = '\0';
    return out;
}

char *c_full_name_to_c(Arena *a, const char *full)
{
    return map_full_name(a, full, CASE_CAMEL);
}

char *c_full_name_to_lower(Arena *a, const char *full)
{
    return map_full_name(a, full, CASE_LOWER);
}

char *c_full_name_to_upper(Arena *a, const char *full)
{
    return map_full_name(a, full, CASE_UPPER);
}

char *c_filename_identifier(Arena *a, const char *name)
{
    Buf b = { 0 };
    for (const char *s = name; *s; s++) {
        if (isalnum((unsigned char)*s))
            buf_putc(&b, *s);
        else
            buf_printf(&b, "_%x", (unsigned char)*s);
    }
    char *out = arena_strdup(a, b.data ? b.data : "");
    buf_free(&b);
    return out;
}

/* ---- reserved words ---- */

/* Lower-case names a struct member may not have: protoc-c's list (C and C++
 * keywords), the C99/C11 keywords it misses, and object-like macros that
 * standard headers or GNU C predefine. */
/* clang-format off */
static const char *const member_reserved[] = {
    "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
    "catch", "char", "class", "compl", "const", "const_cast", "continue",
    "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
    "explicit", "extern", "false", "float", "for", "friend", "goto", "if",
    "inline", "int", "long", "mutable", "namespace", "new", "not", "not_eq",
    "operator", "or", "or_eq", "private", "protected", "public", "register",
    "reinterpret_cast", "return", "short", "signed", "sizeof", "static",
    "static_cast", "struct", "switch", "template", "this", "throw", "true", "try",
    "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual",
    "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    /* C99 and C11 */
    "restrict", "alignas", "alignof", "noreturn", "static_assert", "thread_local",
    "complex", "imaginary",
    /* object-like macros */
    "errno", "stdin", "stdout", "stderr", "linux", "unix", "i386",
};
/* clang-format on */

/* clang-format off */
static const char *const tag_keywords[] = {
    "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic",
    "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local",
};
/* clang-format on */

/* Identifiers the runtime header (and common system headers) already use. */
/* clang-format off */
static const char *const preclaimed[] = {
    "ProtobufCAllocator", "ProtobufCBinaryData", "ProtobufCBuffer",
    "ProtobufCBufferSimple", "ProtobufCClosure", "ProtobufCEnumDescriptor",
    "ProtobufCEnumValue", "ProtobufCEnumValueIndex", "ProtobufCFieldDescriptor",
    "ProtobufCFieldFlag", "ProtobufCIntRange", "ProtobufCLabel", "ProtobufCMessage",
    "ProtobufCMessageDescriptor", "ProtobufCMessageInit", "ProtobufCMessageUnknownField",
    "ProtobufCMethodDescriptor", "ProtobufCService", "ProtobufCServiceDescriptor",
    "ProtobufCServiceDestroy", "ProtobufCType", "ProtobufCWireType",
    "tag:ProtobufCAllocator", "tag:ProtobufCBinaryData", "tag:ProtobufCBuffer",
    "tag:ProtobufCBufferSimple", "tag:ProtobufCEnumDescriptor", "tag:ProtobufCEnumValue",
    "tag:ProtobufCEnumValueIndex", "tag:ProtobufCFieldDescriptor", "tag:ProtobufCIntRange",
    "tag:ProtobufCMessage", "tag:ProtobufCMessageDescriptor",
    "tag:ProtobufCMessageUnknownField", "tag:ProtobufCMethodDescriptor",
    "tag:ProtobufCService", "tag:ProtobufCServiceDescriptor",
    "PROTOBUF_C__BEGIN_DECLS", "PROTOBUF_C__END_DECLS", "PROTOBUF_C__DEPRECATED",
    "PROTOBUF_C__FORCE_ENUM_TO_BE_INT_SIZE", "PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC",
    "PROTOBUF_C__ENUM_DESCRIPTOR_MAGIC", "PROTOBUF_C__SERVICE_DESCRIPTOR_MAGIC",
    "PROTOBUF_C__API", "PROTOBUF_C__NO_DEPRECATED",
    "FILE", "DIR", "NULL", "EOF", "BUFSIZ", "NAN", "INFINITY", "I", "TRUE", "FALSE",
    "EDOM", "ERANGE", "EILSEQ",
};
/* clang-format on */

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

#define IN_LIST(s, list) in_list((s), (list), sizeof(list) / sizeof *(list))

/* ---- claiming ---- */

/* What a file exports to the files that include its header. */
typedef struct FileNames {
    StrVec exported;
} FileNames;

typedef struct Ctx {
    Names *n;
    Arena *a;
    StrSet taken; /* every identifier claimed in this file's translation units */
    FileNames *fn;
    bool proto3;
    Buf scratch;           /* identifiers are built here; only claimed ones are copied */
    uint64_t hashes[16];   /* of the identifiers all_free last checked */
    StrSet members;        /* struct members of the message being named */
    const char *package;   /* the file's package */
    const char *c_package; /* (pb_c_file).c_package, or NULL */
    char *pool;            /* claimed identifiers are copied here */
    size_t pool_left;
} Ctx;

static char *pool_copy(Ctx *x, const char *s, size_t n)
{
    if (x->pool_left < n + 1) {
        size_t size = n + 1 > 65536 ? n + 1 : 65536;
        x->pool = arena_alloc(x->a, size);
        x->pool_left = size;
    }
    char *p = x->pool;
    memcpy(p, s, n);
    p[n] = '\0';
    x->pool += n + 1;
    x->pool_left -= n + 1;
    return p;
}

static const char *idcat(Buf *b, const char *pre, const char *base, const char *sfx)
{
    size_t a = strlen(pre), m = strlen(base), z = strlen(sfx);
    b->len = 0;
    buf_reserve(b, a + m + z);
    memcpy(b->data, pre, a);
    memcpy(b->data + a, base, m);
    memcpy(b->data + a + m, sfx, z);
    b->len = a + m + z;
    b->data[b->len] = '\0';
    return b->data;
}

static bool taken(Ctx *x, const char *id)
{
    return strset_has(&x->taken, id);
}

/* Claim the identifier in x->scratch (copied), known to be free. */
static void claim_hashed(Ctx *x, bool exported, uint64_t hash)
{
    char *id = pool_copy(x, x->scratch.data, x->scratch.len);
    strset_add_new(&x->taken, id, hash);
    if (exported)
        VEC_PUSH(x->a, &x->fn->exported, id);
}

static void claim_scratch(Ctx *x, bool exported)
{
    uint64_t h = strset_hash_n(x->scratch.data, x->scratch.len);
    if (!strset_has_hash(&x->taken, x->scratch.data, h))
        claim_hashed(x, exported, h);
}

/* A name and the identifiers it makes: prefix + each suffix. */
typedef struct Suffix {
    const char *text;
    bool exported;
} Suffix;

static bool all_free(Ctx *x, const char *pre, const char *base, const Suffix *sfx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *id = idcat(&x->scratch, pre, base, sfx[i].text);
        uint64_t h = strset_hash_n(id, x->scratch.len);
        if (i < 16)
            x->hashes[i] = h;
        if (strset_has_hash(&x->taken, id, h))
            return false;
    }
    return true;
}

/* Append '_' to base until every pre+base+suffix is free, then claim them. */
static char *settle(Ctx *x, const char *pre, char *base, const Suffix *sfx, size_t n)
{
    while (!all_free(x, pre, base, sfx, n))
        base = arena_printf(x->a, "%s_", base);
    for (size_t i = 0; i < n; i++) {
        idcat(&x->scratch, pre, base, sfx[i].text);
        if (i < 16)
            claim_hashed(x, sfx[i].exported, x->hashes[i]);
        else
            claim_scratch(x, sfx[i].exported);
    }
    return base;
}

#define SETTLE(x, pre, base, sfx) settle((x), (pre), (base), (sfx), sizeof(sfx) / sizeof *(sfx))

/* Members of one struct: a plain set; `base` is taken first. */
static bool members_free(Ctx *x, StrSet *members, const char *base, const char *const *pre,
                         size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strset_has(members, idcat(&x->scratch, pre[i], base, "")))
            return false;
    return true;
}

static char *settle_member(Ctx *x, StrSet *members, char *base, const char *const *pre, size_t n)
{
    while (!members_free(x, members, base, pre, n))
        base = arena_printf(x->a, "%s_", base);
    for (size_t i = 0; i < n; i++) {
        idcat(&x->scratch, pre[i], base, "");
        strset_add(members, pool_copy(x, x->scratch.data, x->scratch.len));
    }
    return base;
}

/* The name C names derive from: the full name, with the package replaced by
 * (pb_c_file).c_package when the file sets one. */
static const char *c_full_name(Ctx *x, const char *full)
{
    if (!x->c_package)
        return full;
    size_t n = x->package ? strlen(x->package) : 0;
    const char *rest = n && strncmp(full, x->package, n) == 0 && full[n] == '.' ? full + n + 1
                                                                                : full;
    return arena_printf(x->a, "%s.%s", x->c_package, rest);
}

static void name_enum(Ctx *x, Enum *e)
{
    TypeNames *t = arena_alloc(x->a, sizeof *t);
    static const Suffix c_sfx[] = { { "", true } };
    static const Suffix lc_sfx[] = {
        { "__descriptor", true },
    };
    static const Suffix uc_sfx[] = { { "_IS_INT_SIZE", true } };
    static const Suffix tag_sfx[] = { { "", true } };

    const char *full = c_full_name(x, e->full_name);
    t->c = SETTLE(x, "", c_full_name_to_c(x->a, full), c_sfx);
    char *tag = arena_printf(x->a, "_%s", t->c);
    while (IN_LIST(tag, tag_keywords))
        tag = arena_printf(x->a, "%s_", tag);
    t->tag = SETTLE(x, "tag:", tag, tag_sfx);
    t->lc = SETTLE(x, "", c_full_name_to_lower(x->a, full), lc_sfx);
    /* The enumerator PROTOBUF_C__FORCE_ENUM_TO_BE_INT_SIZE makes: _UC_IS_INT_SIZE. */
    char *uc = c_full_name_to_upper(x->a, full);
    char *u = SETTLE(x, "_", uc, uc_sfx);
    t->uc = u;
    ptrmap_put(&x->n->map, e, t);

    /* Enumerators: UC__NAME; a taken one gets a '_'. */
    char *pre = arena_printf(x->a, "%s__", t->uc);
    for (size_t i = 0; i < e->values.len; i++) {
        EnumValue *v = e->values.items[i];
        const char *id = idcat(&x->scratch, pre, v->name, "");
        uint64_t h = strset_hash_n(id, x->scratch.len);
        if (strset_has_hash(&x->taken, id, h)) {
            static const Suffix v_sfx[] = { { "", true } };
            char *name = SETTLE(x, pre, arena_strdup(x->a, v->name), v_sfx);
            ptrmap_put(&x->n->map, v, arena_printf(x->a, "%s%s", pre, name));
            continue;
        }
        claim_hashed(x, true, h);
        ptrmap_put(&x->n->map, v, x->fn->exported.items[x->fn->exported.len - 1]);
    }
}

static void name_oneof(Ctx *x, StrSet *members, TypeNames *mt, Oneof *o)
{
    OneofNames *on = arena_alloc(x->a, sizeof *on);
    static const char *const case_pre[] = { "" };
    char *lc = c_camel_to_lower(x->a, o->name);
    on->member = settle_member(x, members, arena_printf(x->a, "%s_case", lc), case_pre, 1);

    static const Suffix c_sfx[] = { { "Case", true } };
    char *c = SETTLE(x, "", arena_printf(x->a, "%s__%s", mt->c, c_to_camel(x->a, o->name)), c_sfx);
    on->c = arena_printf(x->a, "%sCase", c);

    char *uc = arena_printf(x->a, "%s__%s", mt->uc, c_camel_to_upper(x->a, o->name));
    /* "_" + uc + "__CASE_IS_INT_SIZE" is what FORCE_ENUM makes; claim it
     * with the leading underscore so it matches what the compiler sees. */
    while (taken(x, idcat(&x->scratch, "", uc, "__NOT_SET")) ||
           taken(x, idcat(&x->scratch, "_", uc, "__CASE_IS_INT_SIZE")))
        uc = arena_printf(x->a, "%s_", uc);
    idcat(&x->scratch, "", uc, "__NOT_SET");
    claim_scratch(x, true);
    idcat(&x->scratch, "_", uc, "__CASE_IS_INT_SIZE");
    claim_scratch(x, true);
    on->uc = uc;
    ptrmap_put(&x->n->map, o, on);
}

static void name_message(Ctx *x, Message *m);

static void name_fields(Ctx *x, Message *m, TypeNames *t)
{
    /* One member set, emptied per struct (cheaper than a new one each time). */
    StrSet *mset = &x->members;
    if (mset->len) {
        memset(mset->slots, 0, mset->cap * sizeof *mset->slots);
        mset->len = 0;
    }
    strset_add(mset, gen_base_field(m));
    for (size_t i = 0; i < m->fields.len; i++) {
        Field *f = m->fields.items[i];
        if (!gen_field_included(f))
            continue;
        FieldNames *fn = arena_alloc(x->a, sizeof *fn);
        Oneof *o = gen_field_oneof(f);
        if (o && !ptrmap_get(&x->n->map, o))
            name_oneof(x, mset, t, o);

        /* protoc-c lower-cases the field name for the member. */
        char *base = arena_strdup(x->a, f->name);
        for (char *p = base; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (strset_has(&x->n->reserved, base))
            base = arena_printf(x->a, "%s_", base);
        static const char *const plain[] = { "" };
        static const char *const with_has[] = { "has_", "" };
        static const char *const with_n[] = { "n_", "" };
        if (o)
            fn->member = settle_member(x, mset, base, plain, 1);
        else if (f->label == LABEL_REPEATED || gen_field_is_map(f))
            fn->member = settle_member(x, mset, base, with_n, 2);
        else if (gen_field_has_flag(x->proto3, f))
            fn->member = settle_member(x, mset, base, with_has, 2);
        else
            fn->member = settle_member(x, mset, base, plain, 1);

        if (gen_field_default(f)) {
            char *pre = arena_printf(x->a, "%s__", t->lc);
            char *lc = c_camel_to_lower(x->a, f->name);
            FieldType type = gen_field_type(f);
            if (type == TYPE_BYTES) {
                static const Suffix sfx[] = { { "__default_value", false },
                                              { "__default_value_data", true } };
                lc = SETTLE(x, pre, lc, sfx);
            } else {
                static const Suffix str_sfx[] = { { "__default_value", true } };
                static const Suffix sfx[] = { { "__default_value", false } };
                if (type == TYPE_STRING)
                    lc = SETTLE(x, pre, lc, str_sfx);
                else
                    lc = SETTLE(x, pre, lc, sfx);
            }
            fn->def = arena_printf(x->a, "%s%s__default_value", pre, lc);
        }
        if (o) {
            OneofNames *on = ptrmap_get(&x->n->map, o);
            static const Suffix sfx[] = { { "", true } };
            char *pre = arena_printf(x->a, "%s_", on->uc);
            char *uc = SETTLE(x, pre, c_camel_to_upper(x->a, f->name), sfx);
            fn->oneof_case = arena_printf(x->a, "%s%s", pre, uc);
        }
        ptrmap_put(&x->n->map, f, fn);
    }
}

static void name_message(Ctx *x, Message *m)
{
    TypeNames *t = arena_alloc(x->a, sizeof *t);
    static const Suffix c_sfx[] = { { "", true }, { "_Closure", true } };
    static const Suffix tag_sfx[] = { { "", true } };
    static const Suffix lc_sfx[] = {
        { "__init", true },           { "__get_packed_size", true }, { "__pack", true },
        { "__pack_to_buffer", true }, { "__unpack", true },          { "__free_unpacked", true },
        { "__descriptor", true },
    };
    static const Suffix uc_sfx[] = { { "__INIT", true } };

    const char *full = c_full_name(x, m->full_name);
    char *c = c_full_name_to_c(x->a, full);
    if (!*c)
        c = "_";
    /* The struct tag is the type name: both must be free. */
    while (!all_free(x, "", c, c_sfx, 2) || taken(x, idcat(&x->scratch, "tag:", c, "")))
        c = arena_printf(x->a, "%s_", c);
    t->c = SETTLE(x, "", c, c_sfx);
    SETTLE(x, "tag:", t->c, tag_sfx);
    t->lc = SETTLE(x, "", c_full_name_to_lower(x->a, full), lc_sfx);
    t->uc = SETTLE(x, "", c_full_name_to_upper(x->a, full), uc_sfx);
    ptrmap_put(&x->n->map, m, t);

    name_fields(x, m, t);
    t->nested = gen_nested_messages(x->a, m);
    for (size_t i = 0; i < t->nested.len; i++)
        name_message(x, t->nested.items[i]);
    for (size_t i = 0; i < m->enums.len; i++)
        name_enum(x, m->enums.items[i]);
}

/* Add what every file f imports (transitively) exports to x->taken. */
static void take_imports(Ctx *x, File *f, PtrMap *seen)
{
    for (size_t i = 0; i < f->imports.len; i++) {
        File *d = f->imports.items[i].file;
        if (!d || ptrmap_get(seen, d))
            continue;
        ptrmap_put(seen, d, d);
        FileNames *dn = ptrmap_get(&x->n->map, d);
        if (dn)
            for (size_t k = 0; k < dn->exported.len; k++)
                strset_add(&x->taken, dn->exported.items[k]);
        take_imports(x, d, seen);
    }
}

void names_init(Names *n, Arena *arena)
{
    memset(n, 0, sizeof *n);
    n->arena = arena;
    for (size_t i = 0; i < sizeof member_reserved / sizeof *member_reserved; i++)
        strset_add(&n->reserved, member_reserved[i]);
}

void names_free(Names *n)
{
    ptrmap_free(&n->map);
    strset_free(&n->reserved);
}

static void names_free_cb(void *n)
{
    names_free(n);
}

/* Naming a file depends only on the file and its imports (each file gets its
 * own set of taken identifiers, seeded from its imports), so one Names can
 * serve the whole compilation: the message and the service generator, and
 * every input, share it instead of naming everything again. */
Names *gen_names(Compiler *c)
{
    if (!c->gen_names) {
        c->gen_names = arena_alloc(c->arena, sizeof *c->gen_names);
        names_init(c->gen_names, c->arena);
        arena_on_free(c->arena, names_free_cb, c->gen_names);
    }
    return c->gen_names;
}

void names_file(Names *n, File *f)
{
    if (ptrmap_get(&n->map, f))
        return;
    FileNames *fn = arena_alloc(n->arena, sizeof *fn);
    ptrmap_put(&n->map, f, fn);
    for (size_t i = 0; i < f->imports.len; i++)
        if (f->imports.items[i].file)
            names_file(n, f->imports.items[i].file);

    Ctx x = { .n = n,
              .a = n->arena,
              .fn = fn,
              .proto3 = f->syntax == SYNTAX_PROTO3,
              .package = f->package,
              .c_package = gen_c_package(f) };
    /* Roughly one identifier per 6 bytes of .proto text: size the set once
     * instead of rehashing it as it grows. */
    strset_reserve(&x.taken, (f->src ? f->src->len : 0) / 6 + 256);
    for (size_t i = 0; i < sizeof preclaimed / sizeof *preclaimed; i++)
        strset_add(&x.taken, preclaimed[i]);
    PtrMap seen = { 0 };
    take_imports(&x, f, &seen);
    ptrmap_free(&seen);

    for (size_t i = 0; i < f->messages.len; i++)
        name_message(&x, f->messages.items[i]);
    for (size_t i = 0; i < f->enums.len; i++)
        name_enum(&x, f->enums.items[i]);
    strset_free(&x.taken);
    strset_free(&x.members);
    buf_free(&x.scratch);
}

TypeNames *names_message(Names *n, const Message *m)
{
    return ptrmap_get(&n->map, m);
}

TypeNames *names_enum(Names *n, const Enum *e)
{
    return ptrmap_get(&n->map, e);
}

FieldNames *names_field(Names *n, const Field *f)
{
    return ptrmap_get(&n->map, f);
}

OneofNames *names_oneof(Names *n, const Oneof *o)
{
    return ptrmap_get(&n->map, o);
}

char *names_enum_value(Names *n, const EnumValue *v)
{
    return ptrmap_get(&n->map, v);
}
