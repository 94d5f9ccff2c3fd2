/*
 * compiler.h — the typerpc compiler's pipeline, on one page.
 *
 * The compiler is a pipeline, and this header reads as one: each section
 * below is a stage, in the order data flows through them, and each stage
 * lives in a folder of its own under the drivers (main.c: typerpc;
 * breaking_cli.c: typerpc breaking):
 *
 *   base/      arena, hash, diagnostics: what every stage stands on
 *   ast        the parsed model of a .proto file (front/ast.c builds it)
 *   front/     text -> ast: load (files, imports), parse (grammar/proto.[ly])
 *   check/     names, types and every semantic check protoc makes
 *   gen/       C text: message code (protoc-c's) and service code
 *   breaking/  the differences between two checked models that break users
 *
 * Calls go one way: a stage uses only the stages listed before it here,
 * never one after it, and within a stage the files form a ladder too (each
 * <stage>/internal.h draws it) with the reporting helpers at the bottom. So
 * the parser never checks meaning, no check calls back into the driver that
 * runs it, and the generators read a checked model and never report a user
 * error. docs/compiler.md has the picture.
 */
#ifndef TYPERPC_COMPILER_H
#define TYPERPC_COMPILER_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#define TRPC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TRPC_PRINTF(fmt, args)
#endif

/* ======================================================================
 * base: memory (compiler/base/arena.c, compiler/base/hash.c)
 *
 * The compiler allocates its whole model from one arena and frees it in one
 * step at exit. Allocation failure aborts with a message (the driver is the
 * only caller; a compiler out of memory has nothing better to do).
 * ====================================================================== */

typedef struct Arena Arena;

Arena *arena_new(void);
void arena_free(Arena *arena);
void *arena_alloc(Arena *arena, size_t size); /* zeroed, 8-aligned */
char *arena_strdup(Arena *arena, const char *s);
char *arena_strndup(Arena *arena, const char *s, size_t n);
char *arena_printf(Arena *arena, const char *fmt, ...) TRPC_PRINTF(2, 3);
/* Run fn(arg) when the arena is freed (newest first): for state that lives
 * as long as the model but holds malloc'd memory of its own. */
void arena_on_free(Arena *arena, void (*fn)(void *), void *arg);

/* Fault in the pages of [p, p + n) in one call, where the kernel can
 * (Linux 5.14's MADV_POPULATE_WRITE), for a big block about to be written
 * all over (a hash table, an output buffer): one fault per page costs more,
 * notably in a virtual machine. Does nothing for small blocks or elsewhere. */
void mem_prefault(void *p, size_t n);

/* A 64-bit hash of n bytes, never 0 (base/hash.c): the one string hash of
 * the symbol table, the checks' name maps and the generators' sets. */
uint64_t hash_bytes(const char *s, size_t n);

/* Growable arrays of one element type. Declare with
 * `typedef VEC(Field *) FieldVec;` and append with VEC_PUSH. Storage comes from
 * the arena, so vectors are never freed one by one. */
#define VEC(T)      \
    struct {        \
        T *items;   \
        size_t len; \
        size_t cap; \
    }

void vec_grow_(Arena *arena, void **items, size_t *cap, size_t len, size_t elem_size);

#define VEC_PUSH(arena, vec, item)                                              \
    do {                                                                        \
        if ((vec)->len == (vec)->cap)                                           \
            vec_grow_((arena), (void **)&(vec)->items, &(vec)->cap, (vec)->len, \
                      sizeof *(vec)->items);                                    \
        (vec)->items[(vec)->len++] = (item);                                    \
    } while (0)

/* ======================================================================
 * base: diagnostics (compiler/base/diag.c)
 *
 * Every user-facing error goes through here. Messages are buffered and
 * printed by diag_flush() in source order (by file load order, then line,
 * then column), each error followed by its notes, as a C compiler prints them:
 *
 *   foo.proto:12:17: error: field number 3 has already been used in 'Foo'
 *      12 |   int32 b = 3;
 *         |             ^
 *   foo.proto:11:17: note: previous use is here
 * ====================================================================== */

typedef struct Source {
    char *name;      /* the name diagnostics show: the path as protoc shows it */
    char *disk_path; /* where it was read from */
    char *text;      /* the contents (may hold NULs), followed by two NULs: the
                         scanner reads it in place (yy_scan_buffer) */
    size_t len;      /* length of text, not counting the terminator */
    int index;       /* load order; sorts diagnostics across files */
} Source;

/* A position in a source: 1-based line and column (column counts bytes). A
 * Loc with src == NULL means "no location" (command-line errors). */
typedef struct Loc {
    const Source *src;
    int line;
    int col;
} Loc;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef struct DiagMsg {
    DiagLevel level;
    Loc loc;
    char *text;
    size_t seq;    /* order of emission; ties and notes keep it */
    size_t parent; /* for notes: seq of the error/warning they belong to */
    Loc sort_loc;  /* where it sorts: its own loc, or its parent's for a note */
} DiagMsg;

typedef struct Diag {
    Arena *arena;
    FILE *out;  /* where diag_flush prints (stderr in the driver) */
    bool color; /* ANSI colour: only on a tty without NO_COLOR */
    int errors;
    int warnings;
    VEC(DiagMsg) msgs;
} Diag;

void diag_init(Diag *diag, Arena *arena, FILE *out, bool color);
void diag_error(Diag *diag, Loc loc, const char *fmt, ...) TRPC_PRINTF(3, 4);
void diag_warning(Diag *diag, Loc loc, const char *fmt, ...) TRPC_PRINTF(3, 4);
/* A note attaches to the most recent error or warning and prints after it. */
void diag_note(Diag *diag, Loc loc, const char *fmt, ...) TRPC_PRINTF(3, 4);
/* The va_list form of the three above, for stages that wrap them. */
void diag_vreport(Diag *diag, DiagLevel level, Loc loc, const char *fmt, va_list ap)
    TRPC_PRINTF(4, 0);
/* Print every buffered message in source order and clear the buffer. */
void diag_flush(Diag *diag);

/* ======================================================================
 * ast (compiler/front/ast.c builds it)
 *
 * The parser builds these nodes and fills only what the text says. Fields
 * marked "resolved" are filled by the resolve stage. Lists keep declaration
 * order. Names are as written; full names are computed by resolve.
 * ====================================================================== */

typedef struct File File;
typedef struct Message Message;
typedef struct Enum Enum;
typedef struct EnumValue EnumValue;
typedef struct Field Field;
typedef struct Oneof Oneof;
typedef struct Extend Extend;
typedef struct Service Service;
typedef struct Method Method;
typedef struct Option Option;
typedef struct Value Value;

typedef VEC(char *) StrVec;
typedef VEC(Field *) FieldVec;
typedef VEC(Oneof *) OneofVec;
typedef VEC(Message *) MessageVec;
typedef VEC(Enum *) EnumVec;
typedef VEC(EnumValue *) EnumValueVec;
typedef VEC(Extend *) ExtendVec;
typedef VEC(Service *) ServiceVec;
typedef VEC(Method *) MethodVec;
typedef VEC(Option *) OptionVec;
typedef VEC(File *) FileVec;

/* The field types, numbered as google.protobuf.FieldDescriptorProto.Type so
 * generators can emit them directly. TYPE_NONE: a named type not yet resolved
 * to TYPE_MESSAGE or TYPE_ENUM. */
typedef enum FieldType {
    TYPE_NONE = 0,
    TYPE_DOUBLE = 1,
    TYPE_FLOAT = 2,
    TYPE_INT64 = 3,
    TYPE_UINT64 = 4,
    TYPE_INT32 = 5,
    TYPE_FIXED64 = 6,
    TYPE_FIXED32 = 7,
    TYPE_BOOL = 8,
    TYPE_STRING = 9,
    TYPE_GROUP = 10,
    TYPE_MESSAGE = 11,
    TYPE_BYTES = 12,
    TYPE_UINT32 = 13,
    TYPE_ENUM = 14,
    TYPE_SFIXED32 = 15,
    TYPE_SFIXED64 = 16,
    TYPE_SINT32 = 17,
    TYPE_SINT64 = 18,
} FieldType;

/* "int32" -> TYPE_INT32 ...; TYPE_NONE for anything that is not a scalar
 * keyword. ast_type_name(TYPE_INT32) -> "int32"; "group", "message", "enum" for
 * the others. */
FieldType ast_scalar_type(const char *name);
const char *ast_type_name(FieldType type);

typedef enum Label {
    LABEL_NONE = 0, /* no label written (proto3 singular, oneof member, map) */
    LABEL_OPTIONAL,
    LABEL_REQUIRED,
    LABEL_REPEATED,
} Label;

typedef enum Syntax { SYNTAX_PROTO2 = 2, SYNTAX_PROTO3 = 3 } Syntax;

/* An option value or an aggregate ({ ... }) entry's value. */
typedef enum ValueKind {
    VAL_IDENT,     /* true, false, inf, nan, an enum value name: in .s */
    VAL_INT,       /* magnitude in .u, sign in .negative */
    VAL_FLOAT,     /* in .d (sign already applied; inf/nan written as
                        identifiers stay VAL_IDENT) */
    VAL_STRING,    /* unescaped bytes in .s / .len (adjacent strings joined) */
    VAL_AGGREGATE, /* { name: value ... } in .entries */
    VAL_LIST,      /* [ v, v ] inside an aggregate, in .list */
} ValueKind;

typedef struct AggEntry AggEntry;
typedef VEC(AggEntry *) AggEntryVec;
typedef VEC(Value *) ValueVec;

struct Value {
    ValueKind kind;
    Loc loc;       /* first token of the value (the '-' if any) */
    bool negative; /* a '-' was written before it */
    uint64_t u;
    double d;
    char *s;
    size_t len;
    AggEntryVec entries;
    ValueVec list;
    int base;          /* VAL_INT: the literal's base as written, 10, 16 or 8
                          (text format takes only decimal for float fields) */
    bool int_overflow; /* VAL_FLOAT inside an aggregate: written as an integer
                          too large for 64 bits (text in .s, base in .base);
                          only a float or double field takes it */
};

/* One `name: value` (or `name { ... }`, or `[ext.name]: value`) inside an
 * aggregate option value. */
struct AggEntry {
    char *name;        /* for [a.b.c], the text between the brackets */
    bool is_extension; /* written in brackets */
    bool no_colon;     /* written without ':' (text format allows that only
                          before a message value or a list of them) */
    Loc loc;
    Value *value;

    /* resolved (options checker): the field or extension the entry sets, or
     * for `[type.googleapis.com/T]` in a google.protobuf.Any, the message T */
    Field *field;
    Message *any_type;
};

/* One part of an option name: `a`, or `(a.b)` for an extension. */
typedef struct OptionNamePart {
    char *name;
    bool is_extension;
    Loc loc;
    Field *field; /* resolved: the extension or field it names; NULL for
                          a field of descriptor.proto's *Options (the first
                          part of a plain option such as `java_package`) */
} OptionNamePart;

typedef VEC(OptionNamePart) OptionNameVec;

struct Option {
    Loc loc;            /* the first name part */
    OptionNameVec name; /* `(foo.bar).baz` -> [(foo.bar), baz] */
    Value *value;
};

/* A closed range of numbers; `max` is resolved by the checker (end_is_max). */
typedef struct Range {
    Loc loc;
    int64_t start;
    int64_t end;       /* inclusive; == start for a single number */
    bool end_is_max;   /* written as `to max` */
    OptionVec options; /* extension ranges only: `extensions 1 to 5 [...]` */
} Range;

typedef VEC(Range) RangeVec;

typedef struct ReservedName {
    char *name;
    Loc loc;
} ReservedName;

typedef VEC(ReservedName) ReservedNameVec;

struct Field {
    Loc loc; /* start of the declaration (label or type) */
    Label label;
    Loc label_loc;
    FieldType type;  /* a scalar as written, TYPE_GROUP, or TYPE_NONE until resolved */
    char *type_name; /* named type as written ("Foo", ".pkg.Foo"); NULL for scalars */
    Loc type_loc;
    char *name; /* for a group: the field name, i.e. the lowercased group name */
    Loc name_loc;
    int64_t number; /* as written; the checker reports out-of-range values */
    Loc number_loc;
    OptionVec options; /* [default = 1, packed = true, ...] */

    /* map<K, V>: is_map set, key in map_key_type (a scalar, or TYPE_NONE with
     * the written name in map_key_name), value in type/type_name. */
    bool is_map;
    FieldType map_key_type;
    char *map_key_name;
    Loc map_key_loc;

    Message *group;  /* proto2 `group Name = n { ... }`: its body; type is TYPE_GROUP */
    Oneof *oneof;    /* the oneof it belongs to, or NULL */
    Message *parent; /* the message it is declared in; NULL at file level */
    Extend *extend;  /* non-NULL for an extension (declared in `extend X {}`) */
    File *file;

    /* resolved */
    char *full_name;
    const char *json_name;
    Message *msg_type;    /* TYPE_MESSAGE / TYPE_GROUP: the message */
    Enum *enum_type;      /* TYPE_ENUM: the enum */
    Message *map_entry;   /* map fields: the synthesized FooEntry message (key=1, value=2) */
    bool proto3_optional; /* proto3 field written `optional` */
};

struct Oneof {
    Loc loc;
    char *name;
    Loc name_loc;
    FieldVec fields; /* members, also present in the parent's fields */
    OptionVec options;
    Message *parent;
    int index;      /* position in parent->oneofs */
    bool synthetic; /* resolved: the _name oneof protoc makes for proto3 optional */
};

struct Extend {
    Loc loc;
    char *extendee; /* as written */
    Loc extendee_loc;
    FieldVec fields;
    Message *parent; /* enclosing message, or NULL at file level */
    File *file;

    /* resolved */
    Message *extendee_msg;
};

struct Message {
    Loc loc; /* the `message` (or group label) keyword */
    char *name;
    Loc name_loc;
    Message *parent; /* enclosing message, NULL at file level */
    File *file;

    FieldVec fields; /* every field, oneof members included, in order */
    OneofVec oneofs;
    MessageVec messages; /* nested messages (and group bodies, in order) */
    EnumVec enums;
    ExtendVec extends;
    RangeVec reserved_ranges;
    ReservedNameVec reserved_names;
    RangeVec extension_ranges;
    OptionVec options;

    bool is_group; /* the body of a proto2 group */

    /* resolved */
    char *full_name;   /* "pkg.Outer.Inner" */
    bool is_map_entry; /* synthesized for a map field */
};

struct EnumValue {
    Loc loc;
    char *name;
    Loc name_loc;
    int64_t number; /* as written, sign applied */
    Loc number_loc;
    OptionVec options;
    Enum *parent;

    /* resolved */
    char *full_name; /* C++ scoping: sibling of the enum, "pkg.Outer.VALUE" */
};

struct Enum {
    Loc loc;
    char *name;
    Loc name_loc;
    Message *parent;
    File *file;
    EnumValueVec values;
    RangeVec reserved_ranges;
    ReservedNameVec reserved_names;
    OptionVec options;

    /* resolved */
    char *full_name;
};

struct Method {
    Loc loc;
    char *name;
    Loc name_loc;
    char *input_name; /* as written */
    Loc input_loc;
    bool client_streaming;
    char *output_name;
    Loc output_loc;
    bool server_streaming;
    OptionVec options;
    bool has_body; /* written with a { ... } body, even an empty one:
                           protoc then gives the method options, empty or not */
    Service *parent;

    /* resolved */
    char *full_name;
    Message *input;
    Message *output;
};

struct Service {
    Loc loc;
    char *name;
    Loc name_loc;
    MethodVec methods;
    OptionVec options;
    File *file;

    /* resolved */
    char *full_name;
};

typedef enum ImportKind { IMPORT_PLAIN, IMPORT_PUBLIC, IMPORT_WEAK } ImportKind;

typedef struct Import {
    Loc loc;    /* the `import` keyword */
    char *path; /* as written, e.g. "google/protobuf/any.proto" */
    Loc path_loc;
    ImportKind kind;
    File *file; /* load: the imported file, NULL if not found */
} Import;

typedef VEC(Import) ImportVec;

struct File {
    Source *src;
    char *name; /* virtual name, relative to its -I root */
    Syntax syntax;
    bool syntax_written;
    Loc syntax_loc;
    char *package; /* NULL when there is no package statement */
    Loc package_loc;
    ImportVec imports;
    OptionVec options;
    MessageVec messages;
    EnumVec enums;
    ServiceVec services;
    ExtendVec extends;
    bool parse_failed; /* the file had syntax errors; resolve skips it */

    /* The serialized FileDescriptorProto (without SourceCodeInfo) the
     * generated code embeds for gRPC server reflection; set by the
     * descriptor stage before generation (desc_embed_inputs, the plugin),
     * NULL in the bootstrap compiler, which has no descriptor stage: then
     * nothing is embedded. */
    const uint8_t *descriptor;
    size_t descriptor_len;
};

/* ======================================================================
 * front: parse (compiler/front/parse.c, grammar/proto.l, grammar/proto.y)
 * ====================================================================== */

/* Parse src into a File allocated from arena; src->text must be followed by
 * two NULs, as source_read leaves it. Syntax errors go to diag (the
 * parser recovers and reports every independent one); the File is returned
 * either way, with parse_failed set if any error was reported. Never NULL. */
File *parse_file(Source *src, Arena *arena, Diag *diag);

/* The deepest nesting of messages, groups and aggregate values the parser
 * accepts; deeper input is an error, never a stack overflow. */
#define PARSE_MAX_DEPTH 512

/* ======================================================================
 * front: load (compiler/front/load.c)
 *
 * Reads files and follows imports on the -I roots, in order, as protoc does.
 * ====================================================================== */

typedef struct Compiler {
    Arena *arena;
    Diag *diag;
    StrVec import_paths;     /* -I roots in command-line order; "." if none given;
                                then the default root, if load_add_default_root()
                                found one */
    size_t user_roots;       /* how many of import_paths the user gave (or ".") */
    FileVec files;           /* every file loaded, dependencies before dependents */
    FileVec inputs;          /* the files named on the command line */
    StrVec loading;          /* virtual names on the current import chain (cycles) */
    int sources_read;        /* numbers each Source read, in load order */
    VEC(Import *) following; /* following[k]: the import loading[k] is loading */
    struct Names *gen_names; /* generate: C names, computed once, shared by the generators */
} Compiler;

void compiler_init(Compiler *c, Arena *arena, Diag *diag);

/* Read a file from disk into a Source; NULL (and *err set to errno) on failure. */
Source *source_read(Arena *arena, const char *disk_path, const char *name, int *err);

/* Append protoc's default import root after the user's: the include folder
 * that holds google/protobuf/descriptor.proto beside the executable
 * (EXE_DIR/include or EXE_DIR/../include, as protoc looks beside itself),
 * else the one found when typerpc was built (TYPERPC_WKT_INCLUDE).  So the
 * well-known types import without -I, as with protoc.  Call once, after the
 * user's roots are in place. */
void load_add_default_root(Compiler *c);

/* Load a command-line input: map `path` onto a -I root as protoc does
 * (the file must lie under one), parse it and, recursively, its imports.
 * Returns NULL after reporting an error if the file cannot be found or mapped. */
File *load_input(Compiler *c, const char *path);

/* ======================================================================
 * check: resolve (compiler/check/; the driver is resolve.c)
 *
 * Runs after every file is loaded. Computes full names, builds the symbol
 * table, resolves every type reference and option, synthesizes map entries
 * and proto3-optional oneofs, and makes every check protoc makes. Errors go
 * to c->diag. Returns true when no error was found.
 * ====================================================================== */

bool resolve_all(Compiler *c);

/* ======================================================================
 * gen: generate (compiler/gen/; the top is gen.c)
 *
 * Runs only on resolved files without errors, and reports no user error:
 * the only errors are files that cannot be written (with no location).
 * Every generated file is named as protoc-c names it: the .proto file's
 * virtual name dir/foo.proto (or dir/foo.protodevel) becomes OUT/dir/foo
 * plus the generator's suffix.
 * ====================================================================== */

/* Everything a --c_out run writes: gen_c_file and gen_trpc_file for each
 * input, in order. False after the first file that cannot be written. */
bool gen_inputs(Compiler *c, const char *out_dir);

/* The paths of the files gen_inputs writes for f, in the order it writes
 * them (foo.pb-c.h, foo.pb-c.c, foo.trpc.h, foo.trpc.c, each only when its
 * generator writes it); returns how many. */
enum { GEN_MAX_OUTPUTS = 4 };
size_t gen_outputs(Arena *a, const File *f, const char *out_dir, char *paths[GEN_MAX_OUTPUTS]);

/* --dependency_out: a make rule, as protoc writes it, whose targets are
 * every file gen_inputs writes (gen_outputs; none when out_dir is NULL),
 * then descriptor_set (the --descriptor_set_out file) if not NULL, and whose
 * prerequisites are every .proto file read (the inputs and, transitively,
 * their imports), so editing an imported file reruns the build step. */
bool gen_dependency_file(Compiler *c, const char *out_dir, const char *descriptor_set,
                         const char *path);

/* Message and enum code, a drop-in for protoc-c 1.4's: OUT/dir/foo.pb-c.h
 * and OUT/dir/foo.pb-c.c (creating dir), unless the file is marked
 * (pb_c_file).no_generate. Warns (at their location) about groups and
 * extensions, which libprotobuf-c cannot encode. */
bool gen_c_file(Compiler *c, File *f, const char *out_dir);

/* Service code (compiler/gen/gen_trpc*.c), as docs/service-api.md specifies
 * it: for a file with services, writes OUT/dir/foo.trpc.h and
 * OUT/dir/foo.trpc.c (typed client stubs and server skeletons over
 * libtyperpc) beside the .pb-c files, named by gen/output.c as they are. A
 * file without services, or marked (pb_c_file).no_generate, gets nothing
 * (gen_trpc_wanted() is false, and gen_outputs() lists nothing for it), as
 * protoc plugins skip files with nothing for them. */
bool gen_trpc_wanted(const File *f);
bool gen_trpc_file(Compiler *c, File *f, const char *out_dir);

/* ======================================================================
 * breaking (compiler/breaking/: the comparison; breaking_cli.c: the driver)
 *
 * `typerpc breaking --against OLD NEW`: loads and resolves each version with
 * its own Compiler, then compares the models and reports every change that
 * breaks the wire format or the generated C API as an error at the new
 * location, with a note at the old one. docs/breaking.md lists the rules.
 * ====================================================================== */

/* Compare one file's old and new versions (both resolved without errors);
 * report each breaking change to diag, whose arena also holds the message
 * text. Returns the number of breaking changes reported. */
int breaking_compare_file(Diag *diag, const File *old_file, const File *new_file);

/* Report that the file `name` (relative to the compared directory) has no
 * new version; returns 1, the number of changes reported. */
int breaking_file_removed(Diag *diag, const File *old_file, const char *name);

/* The subcommand: argv[0] is "breaking". Prints diagnostics to stderr and
 * returns the exit status: 0 no breaking change, 1 a breaking change or an
 * input with errors, 2 bad usage. */
int breaking_main(int argc, char **argv);

#endif /* TYPERPC_COMPILER_H */
