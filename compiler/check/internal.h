/*
 * check/internal.h — what the files of the resolve stage share.
 *
 * The stage follows protoc's DescriptorBuilder, one file at a time in load
 * order (dependencies first), in five phases:
 *
 *   parse       what protoc's parser itself rejects but ours leaves to us
 *               (labels on map fields, allow_alias misuse, the syntax of
 *               defaults); a file failing these goes no further, as in protoc
 *                                                                  check.c
 *   build       full names, synthesized map entries and proto3-optional
 *               oneofs, the symbol table, structural checks (numbers,
 *               reserved ranges and names, enum values)       resolve.c, check.c
 *   link        type names, extendees, rpc types, field-number uniqueness,
 *               extension numbers, enum defaults                  resolve.c
 *   options     known and custom options, typed values            options.c
 *   validate    proto3 rules, map keys, aliases, packed, json names  check.c
 *
 * As in protoc, the options and validate phases run for a file only if the
 * earlier phases found no error in it, so one mistake does not cascade into
 * a page of follow-on errors (and the first error is the one protoc reports).
 * A file whose import failed is skipped without a word: the import's own
 * errors are the ones to read.
 *
 * The files are a ladder, each calling only the ones below it, and this
 * header lists them bottom up:
 *
 *   resolve.c   the driver: resolve_all (compiler.h), the phases, naming,
 *               synthesis and the link phase
 *   check.c     the parse-, build- and validate-phase checks
 *   options.c   options and the `default` / `json_name` pseudo-options
 *   symtab.c    the symbol table, protoc's name lookup, small maps
 *   report.c    rerror, rwarning, rnote: how every check reports
 */
#ifndef TYPERPC_CHECK_INTERNAL_H
#define TYPERPC_CHECK_INTERNAL_H

#include "compiler.h"

/* ---------------------------------------------------------------- symbols */

typedef enum SymKind {
    SYM_PACKAGE,
    SYM_MESSAGE,
    SYM_ENUM,
    SYM_ENUM_VALUE,
    SYM_FIELD, /* a message field or an extension */
    SYM_ONEOF,
    SYM_SERVICE,
    SYM_METHOD,
} SymKind;

typedef struct Symbol {
    const char *name; /* full name, no leading dot */
    SymKind kind;
    File *file;    /* defining file (for a package: the first file seen) */
    Loc loc;       /* the name as written */
    uint64_t hash; /* of name; set by symtab_insert */
    union {
        Message *msg;
        Enum *enm;
        EnumValue *value;
        Field *field;
        Oneof *oneof;
        Service *svc;
        Method *method;
    } u;
} Symbol;

/* Open-addressing hash table keyed by full name. Each slot keeps the hash
 * beside the pointer so a probe rarely touches the Symbol itself. */
typedef struct SymSlot {
    uint64_t hash;
    Symbol *sym;
} SymSlot;

typedef struct SymTab {
    SymSlot *slots;
    size_t cap; /* a power of two */
    size_t len;
} SymTab;

/* A small string -> pointer map for per-message checks (duplicate reserved
 * names, JSON names, oneof names). Keys are not copied. malloc'd: free it. */
#define NAMEMAP_INLINE 64
typedef struct NameMap {
    const char **keys;
    size_t *lens;
    void **vals;
    size_t cap;
    size_t len;
    /* Small maps (up to 32 keys: nearly every message and enum) live here,
     * without malloc. */
    const char *ikeys[NAMEMAP_INLINE];
    size_t ilens[NAMEMAP_INLINE];
    void *ivals[NAMEMAP_INLINE];
} NameMap;

void namemap_init(NameMap *m, size_t expected);
void namemap_free(NameMap *m);
/* The value stored under key, or NULL. */
void *namemap_get(const NameMap *m, const char *key, size_t len);
/* Store val under key unless present; returns the previous value or NULL. */
void *namemap_put(NameMap *m, const char *key, size_t len, void *val);

/* (message, field number) -> field, across all files: field numbers must be
 * unique within a message, extensions included. */
typedef struct NumSlot {
    const Message *msg;
    int64_t number;
    Field *field;
} NumSlot;

typedef struct NumMap {
    NumSlot *slots;
    size_t cap;
    size_t len;
} NumMap;

/* Insert; returns the field already holding (msg, number), or NULL. */
Field *nummap_put(NumMap *m, const Message *msg, int64_t number, Field *field);

/* protoc's two lookup modes: field types skip symbols that are not types
 * when the name has one component, extendees and rpc types do not. */
typedef enum LookupMode { LOOKUP_ALL, LOOKUP_TYPES } LookupMode;

/* ------------------------------------------------------------ the resolver */

typedef struct Resolver {
    Compiler *c;
    Arena *arena;
    Diag *diag;
    SymTab syms;
    NumMap numbers;

    File *file;                  /* the file being resolved */
    FileVec visible;             /* files whose symbols `file` may use, itself included */
    unsigned char *visible_mark; /* by Source.index: 1 if in `visible` */
    size_t mark_len;
    FileVec bad; /* files that failed to parse or resolve */

    /* Set by sym_lookup() when it returns NULL, to explain why (protoc's
     * possible_undeclared_dependency_ and undefine_resolved_name_). */
    File *undeclared_file;
    const char *undeclared_name;
    const char *resolved_to;

    /* Scratch buffer for composing names during lookups (malloc'd). */
    char *buf;
    size_t buf_cap;
} Resolver;

/* ---------------------------------------------------------- shared by all */

static inline bool loc_before(Loc a, Loc b)
{
    return a.line < b.line || (a.line == b.line && a.col < b.col);
}

#define FIELD_NUMBER_MAX 536870911
#define FIELD_RESERVED_FIRST 19000
#define FIELD_RESERVED_LAST 19999

/* ----------------------------------------------------------------- report.c */

/* Every error, warning and note of the stage goes through these; diag_flush
 * prints them in source order. */
void rerror(Resolver *r, Loc loc, const char *fmt, ...) TRPC_PRINTF(3, 4);
void rwarning(Resolver *r, Loc loc, const char *fmt, ...) TRPC_PRINTF(3, 4);
void rnote(Resolver *r, Loc loc, const char *fmt, ...) TRPC_PRINTF(3, 4);

/* ----------------------------------------------------------------- symtab.c */

void symtab_init(SymTab *tab, size_t expected);
void symtab_free(SymTab *tab);
Symbol *symtab_find(const SymTab *tab, const char *name, size_t len);
/* Insert sym; returns the existing symbol (and inserts nothing) on a clash. */
Symbol *symtab_insert(Resolver *r, Symbol *sym);
/* protoc's DescriptorBuilder::LookupSymbolNoPlaceholder: resolve `name` as
 * written, searching outward from the scope `relative_to` (the full name of
 * the element making the reference). NULL if not found; then
 * r->undeclared_file / r->resolved_to say why. */
Symbol *sym_lookup(Resolver *r, const char *name, const char *relative_to, LookupMode mode);
/* Report a failed lookup of `name` at `loc`, in protoc's three flavours. */
void sym_report_not_found(Resolver *r, Loc loc, const char *name);
const char *sym_kind_name(SymKind kind);

/* ---------------------------------------------------------------- options.c */

void options_file(Resolver *r, File *f);
/* Parse-phase checks of the `default` and `json_name` pseudo-options: set
 * once, a string json_name, a default of the right syntax for a scalar. */
void options_check_pseudo_syntax(Resolver *r, Field *fd);
/* Link-phase checks of `default`: for enum fields the value must name one of
 * the enum's values; message fields can have none. */
void options_check_default_link(Resolver *r, Field *fd);
/* The `default` / `json_name` pseudo-options of a field, or NULL. */
Option *options_field_pseudo(const Field *fd, const char *name);
/* Validate-phase checks of field options (packed, lazy, jstype, json_name). */
void options_validate_field(Resolver *r, Field *fd);
/* Value of a bool option written plainly (`option allow_alias = true;`). */
bool options_bool_set(const OptionVec *opts, const char *name);

/* protoc's ToJsonName: drop each '_' and capitalize the letter after it. */
/* The result may be name itself (when it has no '_'). */
const char *options_json_name_default(Arena *arena, const char *name);

/* ------------------------------------------------------------------ check.c */

/* The parse-, build- and validate-phase checks of one file. */
void check_parse_file(Resolver *r, File *f);
/* Build-phase checks, called by the build walk at the points where protoc's
 * DescriptorBuilder makes them, so errors are found in protoc's order. */
void check_build_field(Resolver *r, Field *fd);
void check_build_enum(Resolver *r, Enum *e);
void check_build_extension_ranges(Resolver *r, Message *m);
void check_build_reserved_ranges(Resolver *r, Message *m);
void check_build_message_post(Resolver *r, Message *m);
void check_validate_file(Resolver *r, File *f);

#endif /* TYPERPC_CHECK_INTERNAL_H */
