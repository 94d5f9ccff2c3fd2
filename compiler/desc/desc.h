/*
 * desc/desc.h — what the drivers call in the descriptor stage.
 *
 * main.c writes descriptor sets (--descriptor_set_out); plugin_main.c runs
 * the compiler as a protoc plugin. Both are protoc's formats, described by
 * google/protobuf/descriptor.proto and google/protobuf/compiler/plugin.proto.
 */
#ifndef TYPERPC_DESC_H
#define TYPERPC_DESC_H

#include <stdio.h>

#include "compiler.h"

/* --descriptor_set_out=PATH: the google.protobuf.FileDescriptorSet of the
 * inputs (c->inputs, resolved without errors), byte for byte what protoc
 * 3.21 writes for the same command line: the inputs and, with
 * include_imports, every file they import, dependencies first; each with
 * json_name on every field and, with include_source_info, its
 * SourceCodeInfo. False after reporting (with no location) a file that
 * cannot be written. PATH is opened and truncated, not replaced, as protoc
 * does, so /dev/null works. */
bool desc_write_set(Compiler *c, const char *path, bool include_imports, bool include_source_info);

/* Sets descriptor/descriptor_len of every input (c->inputs, resolved
 * without errors) to its FileDescriptorProto packed as protoc packs it for
 * --descriptor_set_out without --include_source_info (the bytes gRPC's
 * server reflection serves), so gen_c_file embeds them. The bytes live in
 * c->arena. */
void desc_embed_inputs(Compiler *c);

/* The protoc plugin: read a serialized CodeGeneratorRequest from `in`,
 * build the model from its FileDescriptorProtos, run the generators that
 * `typerpc --c_out` runs on each file to generate, and write a serialized
 * CodeGeneratorResponse to `out`: the generated files, or the error. Warnings
 * go to `err`, which protoc shows the user. Returns the exit status: 0 when
 * a response was written (even one carrying an error, as the protocol
 * wants), 1 when the request cannot be read or the response written. */
int desc_plugin_run(FILE *in, FILE *out, FILE *err);

#endif /* TYPERPC_DESC_H */
