/*
 * gen/internal.h — what the gen stage's files share.
 *
 * The stage writes two pairs of files for each foo.proto. The message code,
 * foo.pb-c.h and foo.pb-c.c, holds the same declarations, in the same order
 * and layout, as protoc-c 1.4 writes, so a program written against
 * protoc-c's output compiles unchanged and the libprotobuf-c runtime packs
 * and unpacks our descriptors exactly as it does protoc-c's. The service
 * code, foo.trpc.h and foo.trpc.c (for a file with services), is the typed
 * server and client code docs/service-api.md specifies: one C type per
 * method and one per service, so that nothing of one method fits another's;
 * it takes every message name from gen_c_names.c, so they are the ones
 * foo.pb-c.h declares. Both generators are split by construct, as protoc-c
 * is, and the files are a ladder, each calling only the ones below it (this
 * list goes top down; the header's sections go bottom up):
 *
 *   gen.c             what a --c_out run writes; the dependency file
 *   gen_c.c           message code: the file skeleton (guards, includes,
 *                     section order), writing
 *   gen_trpc.c        service code: the file skeleton, writing
 *   gen_c_message.c   messages: structs, INIT macros, helpers, descriptors
 *   gen_trpc_server.c a service's descriptors and server side: call and
 *                     notification types, _Impl, __serve, __write,
 *                     __finish_call, the server thunks
 *   gen_trpc_client.c a service's client side: the client, stream and
 *                     result types, callback types, the client functions
 *                     and their thunks
 *   gen_c_filedesc.c  the embedded FileDescriptorProto (server reflection)
 *                     and its symbol
 *   gen_c_field.c     fields: struct members, initializers, defaults, field
 *                     descriptors
 *   gen_c_enum.c      enums: typedefs and enum descriptors
 *   gen_trpc_text.c   the service code's layout: wrapped declarations,
 *                     function heads, guarded public functions
 *   gen_trpc_names.c  each service's and method's C names (with the
 *                     collision rules) and each method's kind
 *   gen_c_names.c     every C name of the message code, with the collision
 *                     rules (documented there)
 *   gen_model.c       the model as the generators read it: options, labels,
 *                     which fields get code, the order of nested messages
 *   output.c          the names of generated files, and writing them
 *   gen_buf.c         growable text buffer, string sets, pointer maps (gen_buf.h)
 *
 * The generators read a resolved model and never report user errors; the
 * only diagnostics they make are warnings for the constructs libprotobuf-c
 * cannot represent (groups, extensions), and errors for files that cannot
 * be written.
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

/* ---- the message generator's state (gen_c*.c) ---- */

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

/* ---- gen_c_filedesc.c ---- */

/* The symbol of the trpc_file_descriptor the .pb-c.c of proto_name
 * ("dir/foo.proto") defines: trpc_file__dir_2ffoo_2eproto. */
char *gen_file_descriptor_symbol(Arena *a, const char *proto_name);
/* Appends g->file's trpc_file_descriptor to the .pb-c.c (nothing when the
 * file has no descriptor bytes: the bootstrap compiler). */
void gen_file_descriptor(Gen *g);

/* ---- gen_c_message.c ---- */

void gen_message_typedefs(Gen *g, Message *m);
void gen_message_enum_definitions(Gen *g, Message *m);
void gen_message_struct(Gen *g, Message *m);
void gen_message_helper_declarations(Gen *g, Message *m, bool pack_deep, bool pack, bool init);
void gen_message_closures(Gen *g, Message *m);
void gen_message_descriptor_declarations(Gen *g, Message *m);
void gen_message_helper_definitions(Gen *g, Message *m, bool pack_deep, bool pack, bool init);
void gen_message_descriptor(Gen *g, Message *m);

/* ---- the service generator's state (gen_trpc*.c) ----
 *
 * Its own functions are named gen_trpc_*, never trpc_*: trpc_* is the
 * runtime's, and its templates are full of the real ones. */

/* The four gRPC call kinds, in the order the client section groups them. */
typedef enum TKind { TK_UNARY, TK_SERVER_STREAMING, TK_CLIENT_STREAMING, TK_BIDI } TKind;

/* One method's names. In the comments P_S_M is Pkg__Svc_Method (types) and
 * p_s_m is pkg__svc__method (functions). */
typedef struct TMethod {
    Method *m;
    TKind kind;
    size_t index;    /* position in the service (and in its trpc_methods[]) */
    char *lc;        /* pkg__svc__say_hello: the unary call, prefix of functions */
    char *c;         /* Pkg__Svc_SayHello: prefix of the method's types */
    char *member;    /* say_hello: the _Impl member; _start, _end, _done follow it */
    const char *in;  /* Pkg__HelloRequest: the request's C type */
    const char *out; /* Pkg__HelloReply */
    char *in_desc;   /* pkg__hello_request__descriptor */
    char *out_desc;
} TMethod;

typedef struct TService {
    Service *s;
    char *lc; /* pkg__svc */
    char *c;  /* Pkg__Svc */
    TMethod *ms;
    size_t n;
} TService;

typedef struct TGen {
    Compiler *c;
    Arena *arena;
    File *file;
    Names *names; /* shared by the generators: gen_names() */
    TService *svcs;
    size_t n_svcs;
    Buf h;   /* foo.trpc.h */
    Buf src; /* foo.trpc.c */
} TGen;

/* Short-lived strings for building generated text. */
#define TFMT(g, ...) arena_printf((g)->arena, __VA_ARGS__)
#define NITEMS(a) (sizeof(a) / sizeof *(a))

/* ---- gen_trpc_names.c ---- */

/* Fill g->svcs from g->file: every service's and method's C names, settled
 * against the message code's names and each other (the rules are in
 * gen_trpc_names.c), and each method's kind. */
void gen_trpc_name_services(TGen *g);

/* What a method's kind gives it: streamed input (start and end
 * notifications, __send on the client), streamed output (__write on the
 * server, __recv on the client), a reply message given to its handlers
 * (unary and client streaming). */
bool gen_trpc_streams_input(const TMethod *t);
bool gen_trpc_streams_output(const TMethod *t);
bool gen_trpc_has_reply(const TMethod *t);

/* ---- gen_trpc_text.c: layout ----
 *
 * Generated code is meant to be read, so long declarations wrap as a C
 * programmer wraps them: HEAD OPEN a, b, c CLOSE TAIL on one line when it
 * fits in GEN_TRPC_COLUMNS, else the items are packed onto lines aligned
 * after OPEN (or, when not even one item fits there, on lines indented four
 * columns past the start). Nothing here reads back what it has written, so
 * the text may stream to its file as it grows (output.c). */
enum { GEN_TRPC_COLUMNS = 95 };

void gen_trpc_wrap(Buf *b, int indent, const char *head, const char *open, const char *const *items,
                   size_t n, const char *close, const char *tail, int columns);

/* A function declaration or definition head: RET (NAME)(params) TAIL, or
 * RET *(NAME)(params) TAIL when RET ends in '*'. The parentheses keep the
 * function-like macro of the same name from expanding. */
void gen_trpc_proto(Buf *b, const char *ret, const char *name, const char *const *params, size_t n,
                    const char *tail);

/* `typedef RET NAME(params);`, wrapped, into the header. */
void gen_trpc_fn_type(TGen *g, const char *ret, const char *name, const char *const *params,
                      size_t n);

/* `#define NAME(args)` whose body is (CALLEE)(items), wrapped, with the line
 * continuations aligned, into the header. */
void gen_trpc_macro(TGen *g, const char *name, const char *const *args, size_t n_args,
                    const char *callee, const char *const *items, size_t n_items);

/* A statement `HEAD(items...)TAIL` at the given indent, wrapped. */
void gen_trpc_stmt(Buf *b, int indent, const char *head, const char *const *items, size_t n,
                   const char *tail);

/* `typedef struct NAME { BASE *const base; } NAME;`: a typed handle. */
void gen_trpc_handle_type(TGen *g, const char *name, const char *base);

/* Public functions. Each is declared as `RET (NAME)(params);` followed by
 * `#define NAME(args) (NAME)(guarded args)`, where each argument passes
 * through its guard: TRPC_IN(T, x) for a `const T *` input (a T * or a
 * const T *), TRPC_OUT(T, x) for handles, out-pointers and callbacks
 * (exactly T), TRPC_OPT(T, x) for options (a T *, a const T * or NULL),
 * or plain (x). */
typedef enum TGuard { G_PLAIN, G_IN, G_OUT, G_OPT } TGuard;

typedef struct TParam {
    const char *decl; /* "const Pkg__Req *req" */
    const char *name; /* "req" */
    TGuard guard;
    const char *type; /* G_IN, G_OPT: the pointed-to type; G_OUT: the exact type */
} TParam;

enum { GEN_TRPC_MAX_PARAMS = 8 };

typedef struct TFn {
    const char *ret;
    const char *name;
    TParam p[GEN_TRPC_MAX_PARAMS];
    size_t n;
} TFn;

void gen_trpc_fn_param(TFn *fn, const char *decl, const char *name, TGuard guard, const char *type);
/* The prototype and its macro, into the header. */
void gen_trpc_fn_declare(TGen *g, const TFn *fn);
/* The definition's head, into the source (the caller writes the body). */
void gen_trpc_fn_define(TGen *g, const TFn *fn);

/* ---- gen_trpc_server.c ---- */

void gen_trpc_server_header(TGen *g, TService *s);
void gen_trpc_server_source(TGen *g, TService *s);

/* ---- gen_trpc_client.c ---- */

void gen_trpc_client_header(TGen *g, TService *s);
void gen_trpc_client_source(TGen *g, TService *s);

#endif /* TYPERPC_GEN_INTERNAL_H */
