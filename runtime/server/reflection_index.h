/*
 * server/reflection_index.h: what server reflection answers from, built
 * once per server from its registered services (server/registry.h) and the
 * FileDescriptorProtos their generated code embeds (trpc_file_descriptor):
 *
 *  - the files: every registered service's file and, transitively, the
 *    files it imports, each once (by name), with its imports as indices;
 *  - the symbols: every fully qualified name a file defines (services,
 *    methods, messages at any depth, fields, enums, enum values, with
 *    protobuf's C++-style scoping of enum values, extensions), hashed, each
 *    with the index of its file; the first file to define a name keeps it;
 *  - the extensions: (extended message, number) -> file;
 *  - the service names, sorted, once each.
 *
 * Immutable once built: readers need no lock.
 */
#ifndef TRPC_SERVER_REFLECTION_INDEX_H
#define TRPC_SERVER_REFLECTION_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "server/registry.h"

typedef struct trpc__refl_file {
    const trpc_file_descriptor *fd;
    size_t *deps; /* indices of the linked imports, in import order */
    size_t n_deps;
} trpc__refl_file;

typedef struct trpc__refl_sym {
    char *name;  /* NULL: a free slot */
    size_t file;
    bool message; /* a message type (extensions are asked by message) */
} trpc__refl_sym;

typedef struct trpc__refl_ext {
    char *extendee; /* full name, no leading dot */
    int32_t number;
    size_t file;
} trpc__refl_ext;

typedef struct trpc__refl_index {
    trpc__refl_file *files;
    size_t n_files, cap_files;
    trpc__refl_sym *syms; /* open addressing, a power of two */
    size_t n_syms, cap_syms;
    trpc__refl_ext *exts;
    size_t n_exts, cap_exts;
    const char **services; /* names borrowed from the registry */
    size_t n_services;
} trpc__refl_index;

/* Builds ix (zeroed by the caller) from reg.  TRPC_OK or TRPC_ENOMEM (ix
 * is then freed).  A file whose bytes do not decode is served but defines
 * no symbols. */
trpc_error trpc__refl_index_build(trpc__refl_index *ix, const trpc__registry *reg);
void trpc__refl_index_free(trpc__refl_index *ix);

/* The file called name, the file defining symbol (SIZE_MAX if none). */
size_t trpc__refl_find_file(const trpc__refl_index *ix, const char *name);
size_t trpc__refl_find_symbol(const trpc__refl_index *ix, const char *symbol,
                              bool *is_message);
/* The file defining extension number of type (no leading dot); SIZE_MAX. */
size_t trpc__refl_find_extension(const trpc__refl_index *ix, const char *type,
                                 int32_t number);

#endif /* TRPC_SERVER_REFLECTION_INDEX_H */
