/*
 * typerpc/json.h: protobuf messages as JSON, by the proto3 JSON mapping.
 *
 * One codec for every message type, driven by the protobuf-c descriptors
 * (ProtobufCMessageDescriptor) plus the JSON names the typerpc compiler
 * emits beside them when a field's `json_name` differs from the default
 * lowerCamelCase name.  It is what the HTTP/JSON protocols (Connect's
 * application/json) build on, and usable on its own:
 *
 *     char *text; size_t len; char err[256];
 *     if (trpc_json_encode(&reply.base, NULL, &text, &len, err, sizeof err) == TRPC_OK) {
 *         fwrite(text, 1, len, stdout);
 *         free(text);
 *     }
 *
 *     ProtobufCMessage *m;
 *     if (trpc_json_decode(&helloworld__hello_request__descriptor, body, body_len,
 *                          NULL, NULL, &m, err, sizeof err) != TRPC_OK)
 *         fprintf(stderr, "bad request: %s\n", err);   // "field 'name': expected a string, got a number"
 *     ...
 *     protobuf_c_message_free_unpacked(m, NULL);
 *
 * The mapping (docs/json.md has the whole of it): fields by their JSON name
 * (lowerCamelCase or `json_name`; the proto name is accepted on input too),
 * 64-bit integers as strings (numbers accepted), enums by name (numbers
 * accepted), bytes as standard base64 (URL-safe and unpadded accepted),
 * NaN and the infinities as "NaN", "Infinity", "-Infinity", fields without
 * presence left out when they hold their default, maps as objects, `null`
 * as "not set", and the well-known types in their special forms
 * (Timestamp, Duration, the wrappers, Struct/Value/ListValue, FieldMask,
 * Empty, and Any for the types given in a trpc_json_registry).
 *
 * Thread safety: the functions keep no state of their own; a registry may
 * be read by many threads at once once it is filled.
 */
#ifndef TYPERPC_JSON_H
#define TYPERPC_JSON_H

#include <typerpc/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The message types an Any may carry: the codec finds the type of an Any's
 * "type.googleapis.com/pkg.Msg" by its full name here.  An Any whose type is
 * not registered cannot be written or read (TRPC_EINVAL / TRPC_EDECODE,
 * naming the type).
 */
typedef struct trpc_json_registry trpc_json_registry;

/* A new, empty registry in *out.  TRPC_OK, or TRPC_ENOMEM (*out untouched). */
TRPC_EXPORT trpc_error trpc_json_registry_new(trpc_json_registry **out);
/* Frees the registry (not the descriptors).  NULL does nothing. */
TRPC_EXPORT void trpc_json_registry_free(trpc_json_registry *r);
/*
 * Registers a message type, and with it every message type its fields use
 * (recursively), so registering the top-level type of an Any is enough.
 * The descriptor must outlive the registry (generated descriptors are
 * static).  Registering the same type again is fine (TRPC_OK).  TRPC_EINVAL
 * for NULL arguments or a descriptor without the protobuf-c magic,
 * TRPC_ENOMEM.
 */
TRPC_EXPORT trpc_error trpc_json_registry_add(trpc_json_registry *r,
                                              const ProtobufCMessageDescriptor *d);
/* The registered type named `full_name` ("pkg.Msg"), or NULL. */
TRPC_EXPORT const ProtobufCMessageDescriptor *
trpc_json_registry_find(const trpc_json_registry *r, const char *full_name);

/* Options for both directions; see TRPC_OPTS_SIZED in typerpc/common.h. */
typedef struct trpc_json_opts {
    size_t size; /* sizeof(trpc_json_opts): set by TRPC_JSON_OPTS */
    /* The types an Any may hold.  NULL: an Any with a type cannot be
     * written or read. */
    const trpc_json_registry *registry;
    /* Decoding: skip object members that name no field of the message (and
     * enum names the enum does not know, which leave the field unset),
     * instead of failing with TRPC_EDECODE. */
    bool ignore_unknown_fields;
    /* Encoding: write fields without presence even when they hold their
     * default value (0, "", false, [], {}); protobuf's
     * "always print fields with no presence". */
    bool emit_defaults;
    /* Encoding: enums as numbers instead of names. */
    bool enums_as_numbers;
    /* Encoding: the proto field names (snake_case) instead of the JSON
     * names. */
    bool proto_names;
} trpc_json_opts;

#define TRPC_JSON_OPTS(...) TRPC_OPTS_SIZED(trpc_json_opts, __VA_ARGS__)

/*
 * Writes message `m` as compact JSON text (no spaces, no newline), UTF-8,
 * NUL-terminated, into *out (the caller frees it with free()); *len, if not
 * NULL, gets its length without the NUL.  `o` may be NULL (defaults).
 *
 * Returns TRPC_OK; TRPC_ENOMEM; TRPC_EINVAL when the message cannot be
 * written as JSON (a string field that is not UTF-8, a Timestamp or
 * Duration out of the range JSON allows, an Any of an unregistered type, a
 * Value that is NaN or holds nothing, a FieldMask path that does not map to
 * lowerCamelCase, bad options).  On failure *out and *len are untouched and
 * `err` (if errlen > 0) holds a sentence saying which field and why.
 */
TRPC_EXPORT trpc_error trpc_json_encode(const ProtobufCMessage *m, const trpc_json_opts *o,
                                        char **out, size_t *len, char *err, size_t errlen);

/*
 * Reads JSON text json[0..len) (need not be NUL-terminated) as a message of
 * type `d`.  The message is allocated with `alloc` (NULL: protobuf-c's
 * default allocator, malloc) and is the caller's, to free with
 * protobuf_c_message_free_unpacked(*out, alloc), exactly like a message
 * from protobuf_c_message_unpack().  `o` may be NULL (defaults).
 *
 * Returns TRPC_OK; TRPC_ENOMEM; TRPC_EINVAL for bad arguments; TRPC_EDECODE
 * when the text is not JSON or does not fit the message (wrong types,
 * unknown fields or enum names, numbers out of range, bad base64, bad
 * well-known-type strings, duplicate fields, two members of one oneof, a
 * missing proto2 required field).  On failure *out is untouched and `err`
 * (if errlen > 0) says where and why, e.g.
 * "field 'user.age': expected a number, got a string" or
 * "invalid JSON at line 1, column 9: ...".
 */
TRPC_EXPORT trpc_error trpc_json_decode(const ProtobufCMessageDescriptor *d, const char *json,
                                        size_t len, const trpc_json_opts *o,
                                        ProtobufCAllocator *alloc, ProtobufCMessage **out,
                                        char *err, size_t errlen);

/*
 * The JSON name of field `f` of message `d`: the `json_name` the typerpc
 * compiler recorded for it, or else the default, protoc's lowerCamelCase of
 * the proto name ("user_id" -> "userId").  Written into buf (NUL-terminated,
 * truncated to bufsize); returns buf.  For descriptors made by protoc-c,
 * which keeps no json_name, the default is always used.
 */
TRPC_EXPORT const char *trpc_json_field_name(const ProtobufCMessageDescriptor *d,
                                             const ProtobufCFieldDescriptor *f, char *buf,
                                             size_t bufsize);

#ifdef __cplusplus
}
#endif

#endif
