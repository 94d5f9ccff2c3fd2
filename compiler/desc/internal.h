/*
 * desc/internal.h — what the files of the descriptor stage share.
 *
 * The descriptor stage turns the resolved model into
 * google.protobuf.FileDescriptorProto messages exactly as protoc 3.21 builds
 * them (--descriptor_set_out, and what a plugin would be handed), and turns
 * FileDescriptorProto messages back into the model (protoc-gen-typerpc, the
 * plugin, which gets descriptors and not source files). The messages are
 * descriptor.proto's and plugin.proto's, in C code that typerpc itself
 * generated at build time (see CMakeLists.txt), packed and unpacked by
 * libprotobuf-c.
 *
 * The files are a ladder, each calling only the ones below it (docs/compiler.md
 * draws it: set.c | plugin.c > build.c | model.c > srcinfo.c > tokenizer.c |
 * options.c > wire.c):
 *
 *   set.c        --descriptor_set_out: which files, in protoc's order; packs
 *                and writes the FileDescriptorSet (desc.h)
 *   plugin.c     the plugin: CodeGeneratorRequest -> CodeGeneratorResponse
 *                (desc.h)
 *   embed.c      the FileDescriptorProto bytes generated code embeds for
 *                server reflection (desc.h)
 *   build.c      one File -> FileDescriptorProto, as protoc's CopyTo,
 *                CopyJsonNameTo and CopySourceCodeInfoTo make it
 *   model.c      FileDescriptorProtos -> the resolved model the generators
 *                read (descriptors in)
 *   srcinfo.c    SourceCodeInfo: re-reads the source with protoc's tokenizer
 *                rules and records the locations protoc's parser records
 *   tokenizer.c  protoc's tokenizer and comment attachment (srcinfo.h)
 *   options.c    options -> the bytes of protoc's interpreted options
 *                messages, and the paths of interpreted options
 *   wire.c       protobuf wire-format writing (varints, tags, fields)
 */
#ifndef TYPERPC_DESC_INTERNAL_H
#define TYPERPC_DESC_INTERNAL_H

#include "compiler.h"
#include "desc.h"
#include "google/protobuf/compiler/plugin.pb-c.h"
#include "google/protobuf/descriptor.pb-c.h"

typedef Google__Protobuf__FileDescriptorProto FileProto;
typedef Google__Protobuf__DescriptorProto MessageProto;
typedef Google__Protobuf__FieldDescriptorProto FieldProto;
typedef Google__Protobuf__EnumDescriptorProto EnumProto;
typedef Google__Protobuf__SourceCodeInfo__Location LocationProto;

/* The exclusive end protoc gives `to max` (FieldDescriptor::kMaxNumber + 1). */
#define FIELD_NUMBER_LIMIT 536870912

/* A libprotobuf-c allocator backed by the compilation's arena: messages the
 * stage unpacks live as long as the model and are freed with it. It
 * remembers each block's size, so desc_string_length() can tell how long an
 * unpacked string is even when it holds a NUL (libprotobuf-c gives strings
 * as char *, allocated at their exact length plus the terminator). */
ProtobufCAllocator desc_allocator(Arena *arena);
size_t desc_string_length(const char *s);

/* ---- wire.c: writing the protobuf wire format ---- */

enum {
    WIRE_VARINT = 0,
    WIRE_FIXED64 = 1,
    WIRE_LEN = 2,
    WIRE_SGROUP = 3,
    WIRE_EGROUP = 4,
    WIRE_FIXED32 = 5
};

/* A growable byte buffer (malloc'd; wbuf_free releases it). */
typedef struct WBuf {
    uint8_t *data;
    size_t len;
    size_t cap;
} WBuf;

void wbuf_put(WBuf *b, const void *p, size_t n);
void wbuf_varint(WBuf *b, uint64_t v);
void wbuf_tag(WBuf *b, uint64_t number, int wire_type);
void wbuf_fixed32(WBuf *b, uint32_t v);
void wbuf_fixed64(WBuf *b, uint64_t v);
/* A length-delimited field: tag, length, bytes. */
void wbuf_len_field(WBuf *b, uint64_t number, const void *p, size_t n);
void wbuf_free(WBuf *b);

/* ---- options.c: options as protoc interprets them ---- */

/* The options messages of descriptor.proto, one per kind of element. */
typedef enum DescOptKind {
    DOPT_FILE,
    DOPT_MESSAGE,
    DOPT_FIELD,
    DOPT_ONEOF,
    DOPT_ENUM,
    DOPT_ENUM_VALUE,
    DOPT_SERVICE,
    DOPT_METHOD,
    DOPT_RANGE,
} DescOptKind;

const ProtobufCMessageDescriptor *desc_options_descriptor(DescOptKind kind);

/* Whether the option is one of a field's pseudo-options (`default`,
 * `json_name`), which are not options in the descriptor. */
bool desc_is_pseudo_option(const Option *o);

/* The options message protoc builds for an element (a
 * Google__Protobuf__XxxOptions allocated in the arena): every option
 * interpreted, known fields of descriptor.proto in their fields, custom
 * options kept as unknown fields in the order they were written; NULL when
 * the element has no options (pseudo-options do not count). */
ProtobufCMessage *desc_options(Arena *arena, DescOptKind kind, const OptionVec *opts);

/* The path protoc's OptionInterpreter records for the i-th option of opts
 * (pseudo-options skipped, as protoc's parser never makes them options),
 * relative to the element's options field: the field number of each part
 * of its name, then, for a repeated option, its index among the options of
 * the element with that same path. Appends to *out; returns how many. */
typedef VEC(int32_t) I32Vec;
typedef VEC(I32Vec) PathVec;
void desc_option_paths(Arena *arena, DescOptKind kind, const OptionVec *opts, PathVec *out);

/* ---- tokenizer.c and srcinfo.c: SourceCodeInfo ---- */

/* The SourceCodeInfo protoc's parser records for f's source (with the paths
 * of interpreted options rewritten as protoc's OptionInterpreter rewrites
 * them), allocated in the arena; NULL if the source cannot be read as protoc
 * reads it (which a file that resolved without errors never is). */
Google__Protobuf__SourceCodeInfo *desc_source_info(Arena *arena, File *f);

/* ---- model.c: descriptors in ---- */

/* Fill c->files from protos (dependencies first, as protoc and buf send
 * them), as resolve_all would have from the sources. Returns NULL, or what
 * makes the request unusable (for the response's error field). */
const char *desc_model_from_protos(Compiler *c, FileProto *const *protos, size_t n);

/* ---- embed.c ---- */

/* The plugin's embedded descriptors: for each input, the bytes of its
 * FileDescriptorProto in the raw CodeGeneratorRequest (proto_file), as
 * protoc or buf serialized it, without SourceCodeInfo. An input not found
 * there keeps what it had (none). */
void desc_embed_from_request(Compiler *c, const uint8_t *raw, size_t len);

/* ---- build.c ---- */

/* f as protoc's FileDescriptor::CopyTo makes it, then CopyJsonNameTo (every
 * field gets json_name) and, with source_info, CopySourceCodeInfoTo. */
FileProto *desc_file_proto(Arena *arena, File *f, bool source_info);

/* protoc's SimpleDtoa and SimpleFtoa: the shortest of %.15g / %.17g (%.6g /
 * %.9g for float) that reads back as the same value; inf, -inf, nan. */
void desc_format_double(char *buf, size_t n, double d);
void desc_format_float(char *buf, size_t n, float f);

#endif /* TYPERPC_DESC_INTERNAL_H */
