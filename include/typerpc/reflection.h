/*
 * typerpc/reflection.h: gRPC server reflection, grpc.reflection.v1 and
 * grpc.reflection.v1alpha ServerReflection.
 *
 * One call adds both to a server; then grpcurl, buf curl, Postman or
 * gRPC's own tools can list its services, describe them and call them
 * without the .proto files:
 *
 *   trpc_server_add_reflection(srv);    // before trpc_server_start()
 *
 *   buf curl --protocol grpc --http2-prior-knowledge --list-services \
 *       http://127.0.0.1:50051
 *
 * What it serves (gRPC's doc/server-reflection.md):
 *  - list_services: every service registered on the server, this one and
 *    the health service included, sorted;
 *  - file_by_filename, file_containing_symbol (a service, a method, a
 *    message at any depth, a field, an enum or enum value, an extension,
 *    all fully qualified) and file_containing_extension: the file's
 *    FileDescriptorProto (as protoc serializes it, without SourceCodeInfo),
 *    followed by those of the files it imports, transitively, that were not
 *    sent before on the same stream (as grpc-go does; the asked-for file is
 *    always sent);
 *  - all_extension_numbers_of_type: the known extensions of a message;
 *  - an unknown name: error_response NOT_FOUND (the stream goes on).
 * The descriptors are the ones typerpc's generated code embeds (at the end
 * of each foo.pb-c.c): those of every registered service's file and of
 * every file it imports whose generated code is linked into the program.
 * An import whose code is not linked in (say google/protobuf/timestamp.proto
 * when nobody compiled it) is left out: reflection clients then cannot
 * resolve the files that import it.  Services registered from hand-written
 * tables (file NULL) are listed but have no file.
 *
 * The index is built at the first request, once the server runs, so
 * services registered after this call are included.
 */
#ifndef TYPERPC_REFLECTION_H
#define TYPERPC_REFLECTION_H

#include "typerpc/common.h"
#include "typerpc/server.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Registers grpc.reflection.v1.ServerReflection and
 * grpc.reflection.v1alpha.ServerReflection on srv.  Only before
 * trpc_server_start().  Errors: TRPC_EINVAL, TRPC_ESTATE (started),
 * TRPC_EEXISTS (the server already has reflection), TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_server_add_reflection(trpc_server *srv);

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_REFLECTION_H */
