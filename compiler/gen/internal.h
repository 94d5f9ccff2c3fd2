/*
 * gen/internal.h — what the message/enum code generator's files share.
 *
 * The generator writes, for each foo.proto, foo.pb-c.h and foo.pb-c.c: the
 * same declarations, in the same order and layout, as protoc-c 1.4 writes,
 * so a program written against protoc-c's output compiles unchanged and the
 * libprotobuf-c runtime packs and unpacks our descriptors exactly as it
 * does protoc-c's. It is split by construct, as protoc-c is, and the files
 * are a ladder, each calling only the ones below it (this header lists them
 * bottom up):
 *
 *   gen_c.c           file skeleton: guards, includes, section order, writing
 *   gen_c_message.c   messages: structs, INIT macros, helpers, descriptors
 *   gen_c_field.c     fields: struct members, initializers, defaults, field
 *                     descriptors
 *   gen_c_enum.c      enums: typedefs and enum descriptors
 *   gen_c_names.c     every C name, with the collision rules (documented there)
 *   gen_model.c       the model as the generators read it: options, labels,
 *                     which fields get code, the order of nested messages
 *   output.c          the names of generated files, and writing them
 *   gen_buf.c         growable text buffer, string sets, pointer maps (gen_buf.h)
 *
 * The service generator (gen_trpc*.c, gen_trpc_internal.h) stands beside
 * gen_c.c and uses the same names, model and buffers.
 *
 * The generator reads a resolved model and never reports user errors; the
 * only diagnostics it makes are warnings for the constructs libprotobuf-c
 * cannot represent (groups, extensions).
 */
#ifndef TYPERPC_GEN_INTERNAL_H
#define TYPERPC_GEN_INTERNAL_H

#include "compiler.h"
#include "gen_buf.h"

/* ---- output.c: the names of generated files, and writing them ---- */

/* "dir/foo.proto" -> "dir/foo": the virtual name without its `.protodevel` or
 * `.proto` extension, as protoc-c strips it. Generated names add a suffix. */
char *out_base_name(Arena *a, const char *proto_name);
/* OUT/dir/foo.SUFFIX: where a generator writes its SUFFIX file for the
 * .proto file named dir/foo.proto (no '/' doubled after OUT). */
char *out_path(Arena *a, const char *out_dir, const char *proto_name, const char *suffix);

/* A file being written: its text streams into PATH.tmp, which out_close
 * renames to PATH if everything went well and removes otherwise. */
typedef struct OutFile {
    char *path;
    char *tmp;
    FILE *fp;
} OutFile;

/* Create PATH's folders and open PATH.tmp as b's sink; false after reporting
 * an error (with no location) to c->diag. */
bool out_open(OutFile *o, Compiler *c, const char *path, Buf *b);
/* Flush b and close; if ok, put the file in place. False (after reporting)
 * when anything failed, or when !ok; either way PATH.tmp is gone. */
bool out_close(OutFile *o, Compiler *c, Buf *b, bool ok);
/* Put a finished PATH.tmp in PATH's place; 0 or an errno value. */
int out_replace_file(const char *tmp, const char *path);

/* ---- gen_model.c: the model as the generators read it ---- */

/* The value of a plain option `name` (not an extension) in opts, or NULL. */
Value *gen_option(const OptionVec *opts, const char *name);
bool gen_option_true(const OptionVec *opts, const char *name);

/* protobuf-c's own options (protobuf-c/protobuf-c.proto), which protoc-c 1.4
 * honours: `option (pb_c_file).NAME = v;` or `option (pb_c_file) = { NAME: v }`,
 * and likewise pb_c_msg and pb_c_field. NULL when not set. */
Value *gen_pbc_option(const OptionVec *opts, const char *ext, const char *name);
bool gen_pbc_true(const OptionVec *opts, const char *ext, const char *name);
/* (pb_c_file).c_package, or NULL. */
const char *gen_c_package(const File *f);
/* (pb_c_file).no_generate: protoc-c writes nothing for the file, and files
 * that import it do not include its header. */
bool gen_no_generate(const File *f);
/* (pb_c_msg).base_field_name, "base" by default. */
const char *gen_base_field(const Message *m);

/* Whether the field gets code: not a group, not an extension. */
bool gen_field_included(const Field *f);
/* The oneof a field belongs to for code purposes: NULL for the synthetic
 * oneof of a proto3 `optional` field. */
Oneof *gen_field_oneof(const Field *f);
/* A message's nested messages in protoc's order: declared messages, group
 * bodies and map entries, in the order of their declarations. */
MessageVec gen_nested_messages(Arena *a, const Message *m);

typedef enum CLabel { CLABEL_NONE, CLABEL_OPTIONAL, CLABEL_REQUIRED, CLABEL_REPEATED } CLabel;

/* The runtime label: proto3 singular fields without `optional` are NONE;
 * proto3 `optional` fields are OPTIONAL, exactly like proto2's. */
CLabel gen_field_label(bool proto3, const Field *f);
/* Whether the field carries a has_ flag: OPTIONAL scalars, enums and bytes
 * outside a oneof. */
bool gen_field_has_flag(bool proto3, const Field *f);
bool gen_field_is_map(const Field *f);
/* A proto3 field written `optional` (never a map entry's key or value). */
bool gen_field_proto3_optional(const Field *f);
/* The field's type for code: TYPE_MESSAGE for a map. */
FieldType gen_field_type(const Field *f);
Message *gen_field_message(const Field *f);
/* The default written in the .proto ([default = ...]), or NULL. */
Value *gen_field_default(const Field *f);

/* ---- gen_c_names.c: C names ---- */

/* A message or an enum. */
typedef struct TypeNames {
    MessageVec nested; /* messages: nested messages in protoc's order */
    char *c;           /* Foo__Bar: the typedef */
    char *lc;          /* foo__bar: prefix of functions and objects */
    char *uc;          /* FOO__BAR: prefix of macros and enumerators */
    char *tag;         /* enums: _Foo__Bar, the enum tag */
    bool no_init;      /* messages: (pb_c_*).gen_init_helpers = false: no __init */
} TypeNames;

/* A field of a message (groups and extensions get none). */
typedef struct FieldNames {
    char *member;     /* struct member: "foo", "class_"; has_/n_ prefix it */
    char *def;        /* default value object: foo__bar__baz__default_value */
    char *oneof_case; /* oneof members: the case enumerator FOO__BAR__O_BAZ */
} FieldNames;

typedef struct OneofNames {
    char *member; /* the case member: "o_case" */
    char *c;      /* the case enum type: Foo__Bar__OCase */
    char *uc;     /* enumerator prefix: FOO__BAR__O */
} OneofNames;

/* Per-file naming state, built for the file being generated and for every
 * file it imports (their names must be the ones their own headers use). */
typedef struct Names {
    Arena *arena;
    PtrMap map;      /* Message, Enum, Field, Oneof, EnumValue, File -> names */
    StrSet reserved; /* struct member names that need a '_' */
} Names;

void names_init(Names *n, Arena *arena);
/* The compilation's Names (made on first use, freed with c->arena). */
Names *gen_names(Compiler *c);
void names_free(Names *n);
/* Name every construct of f, after naming its imports; idempotent. */
void names_file(Names *n, File *f);

TypeNames *names_message(Names *n, const Message *m);
TypeNames *names_enum(Names *n, const Enum *e);
FieldNames *names_field(Names *n, const Field *f);
OneofNames *names_oneof(Names *n, const Oneof *o);
char *names_enum_value(Names *n, const EnumValue *v);

/* protoc-c's transformations, exposed for the file skeleton and the tests. */
char *c_camel_to_lower(Arena *a, const char *name); /* fooBar -> foo_bar */
char *c_camel_to_upper(Arena *a, const char *name); /* fooBar -> FOO_BAR */
char *c_to_camel(Arena *a, const char *name);       /* foo_bar -> FooBar */
char *c_full_name_to_c(Arena *a, const char *full); /* a.b_c.D -> A__BC__D */
char *c_full_name_to_lower(Arena *a, const char *full);
char *c_full_name_to_upper(Arena *a, const char *full);
/* "dir/foo.proto" -> "dir_2ffoo_2eproto": protoc-c's FilenameIdentifier. */
char *c_filename_identifier(Arena *a, const char *name);

/* ---- the generator state ---- */

typedef struct Gen {
    Compiler *c;
    Arena *arena;
    File *file;
    Names *names;       /* shared by the generators: gen_names() */
    bool code_size;     /* option optimize_for = CODE_SIZE: no names in descriptors */
    bool const_strings; /* (pb_c_file).const_strings: `const char *` members */
    bool pack_deep;     /* (pb_c_file).gen_pack_helpers is set explicitly */
    bool gen_pack;      /* (pb_c_file).gen_pack_helpers, true by default */
    bool gen_init;      /* (pb_c_file).gen_init_helpers, true by default */
    bool proto3;
    Buf h;   /* the .pb-c.h text */
    Buf src; /* the .pb-c.c text */
} Gen;

/* ---- gen_c_enum.c ---- */

void gen_enum_definition(Gen *g, Enum *e);
void gen_enum_descriptor(Gen *g, Enum *e);

/* ---- gen_c_field.c ---- */

/* Whether the field's default is written with INFINITY or NAN. */
bool gen_field_default_needs_math(const Field *f);
void gen_field_member(Gen *g, Buf *b, Field *f, const char *indent);
void gen_field_static_init(Gen *g, Buf *b, Field *f);
void gen_field_default_declaration(Gen *g, Field *f); /* header externs */
void gen_field_default_data(Gen *g, Field *f);        /* char x[] = ... */
void gen_field_default_constant(Gen *g, Field *f);    /* static const ... */
void gen_field_descriptor(Gen *g, Message *m, Field *f);

/* Append s as a C string literal body (without quotes), escaped so that any
 * byte survives: octal escapes, no trigraphs. */
void gen_c_escape(Buf *b, const char *s, size_t len);

/* ---- gen_c_message.c ---- */

void gen_message_typedefs(Gen *g, Message *m);
void gen_message_enum_definitions(Gen *g, Message *m);
void gen_message_struct(Gen *g, Message *m);
void gen_message_helper_declarations(Gen *g, Message *m, bool pack_deep, bool pack, bool init);
void gen_message_closures(Gen *g, Message *m);
void gen_message_descriptor_declarations(Gen *g, Message *m);
void gen_message_helper_definitions(Gen *g, Message *m, bool pack_deep, bool pack, bool init);
void gen_message_descriptor(Gen *g, Message *m);

#endif /* TYPERPC_GEN_INTERNAL_H */
