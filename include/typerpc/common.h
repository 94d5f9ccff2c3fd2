/*
 * typerpc/common.h: what every part of libtyperpc shares.
 *
 * The export macro, the library's error codes (one X-macro makes the enum,
 * trpc_strerror() and trpc_err_name()), the gRPC status codes with the
 * protocol's numbers, the convention for option structs, metadata lists,
 * and the method and service descriptors that generated code hands to the
 * generic call layer.
 *
 * Two kinds of result exist and never mix, and each has its own enum type:
 *  - trpc_error: a library error.  TRPC_OK (0) or a negative TRPC_E* code;
 *    it says an API call could not do what it was asked.
 *  - trpc_status: the outcome of a remote call, a gRPC status code with the
 *    protocol's number (0..16), plus TRPC_PENDING, which only a server
 *    handler returns ("not finished yet").  No trpc_status value equals a
 *    trpc_error value other than 0 (TRPC_OK and TRPC_STATUS_OK).
 *
 * With gcc and clang both enums are 16-bit signed types (TRPC__ENUM16: packed,
 * with a sentinel at -32768 that is neither an error nor a status), for two
 * reasons.  Their underlying type is not int, so a handler declared to
 * return int or trpc_error does not fit a handler slot (an enum type is
 * compatible with its underlying type).  And both have the same width and
 * signedness, so clang reports a trpc_error converted to a trpc_status, or
 * the reverse, as -Wenum-conversion (which generated service headers make an
 * error); between types of different width or signedness clang reports the
 * conversion as -Wsign-conversion or -Wimplicit-int-conversion instead,
 * which are off by default.  Other compilers give both enums int.
 */
#ifndef TYPERPC_COMMON_H
#define TYPERPC_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <protobuf-c/protobuf-c.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define TRPC_EXPORT __attribute__((visibility("default")))
#define TRPC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define TRPC__ENUM16 __attribute__((packed))
#else
#define TRPC_EXPORT
#define TRPC_PRINTF(f, a)
#define TRPC__ENUM16
#endif

/* ---- library errors ---------------------------------------------------- */

/* X(NAME, value, description): every error the library returns. */
#define TRPC_ERRNO_MAP(X)                                                    \
    X(NOMEM, -1, "out of memory")                                            \
    X(INVAL, -2, "invalid argument")                                         \
    X(ADDR, -3, "cannot parse or resolve the address")                       \
    X(LISTEN, -4, "cannot bind or listen on the address")                    \
    X(STATE, -5, "operation not allowed in the current state")               \
    X(SYS, -6, "system call failed")                                         \
    X(CLOSED, -7, "the call has ended")                                      \
    X(TOOBIG, -8, "message larger than the allowed maximum")                 \
    X(DECODE, -9, "message cannot be decoded")                               \
    X(EXISTS, -10, "already registered")                                     \
    X(LIBEVENT, -11, "libevent reported a failure")                          \
    X(HTTP2, -12, "nghttp2 reported a failure")                              \
    X(FULL, -13, "send buffer full: wait until it drains")                   \
    X(TIMEDOUT, -14, "timed out")                                            \
    X(NOENT, -15, "no such service or method")                              \
    X(TLS, -16, "TLS configuration failed (see trpc_tls_last_error())")

typedef enum TRPC__ENUM16 trpc_error {
    TRPC_OK = 0,
#define TRPC__ERR_ENUM(name, val, desc) TRPC_E##name = (val),
    TRPC_ERRNO_MAP(TRPC__ERR_ENUM)
#undef TRPC__ERR_ENUM
    TRPC__ERROR_MIN = -32768 /* not an error: makes the type 16-bit (see above) */
} trpc_error;

/* A sentence describing a library error code; never NULL. */
TRPC_EXPORT const char *trpc_strerror(trpc_error err);
/* The code's name without prefix, e.g. "NOMEM"; "OK" for 0; never NULL. */
TRPC_EXPORT const char *trpc_err_name(trpc_error err);

/* ---- gRPC status codes ------------------------------------------------- */

/* X(NAME, number): the 17 gRPC status codes with their protocol numbers. */
#define TRPC_STATUS_MAP(X)                                                   \
    X(OK, 0) X(CANCELLED, 1) X(UNKNOWN, 2) X(INVALID_ARGUMENT, 3)            \
    X(DEADLINE_EXCEEDED, 4) X(NOT_FOUND, 5) X(ALREADY_EXISTS, 6)             \
    X(PERMISSION_DENIED, 7) X(RESOURCE_EXHAUSTED, 8)                         \
    X(FAILED_PRECONDITION, 9) X(ABORTED, 10) X(OUT_OF_RANGE, 11)             \
    X(UNIMPLEMENTED, 12) X(INTERNAL, 13) X(UNAVAILABLE, 14)                  \
    X(DATA_LOSS, 15) X(UNAUTHENTICATED, 16)

typedef enum TRPC__ENUM16 trpc_status {
#define TRPC__STATUS_ENUM(name, num) TRPC_STATUS_##name = (num),
    TRPC_STATUS_MAP(TRPC__STATUS_ENUM)
#undef TRPC__STATUS_ENUM
    /* Not a gRPC code: a server handler returns it to say "the call is not
     * finished yet"; it is finished later with the method's __finish_call (see
     * typerpc/server.h).  Never seen by a client.  A handler that returns
     * any other value outside 0..16 ends its call with INTERNAL. */
    TRPC_PENDING = 256,
    TRPC__STATUS_MIN = -32768 /* not a status: makes the type signed 16-bit */
} trpc_status;

/* The code's protocol name, e.g. "DEADLINE_EXCEEDED"; "PENDING" for
 * TRPC_PENDING; "UNKNOWN_STATUS" for numbers outside the protocol. */
TRPC_EXPORT const char *trpc_status_name(trpc_status code);
/* True for the 17 gRPC codes (0..16). */
TRPC_EXPORT bool trpc_status_valid(trpc_status code);

/* Monotonic clock in milliseconds: the time base of call deadlines. */
TRPC_EXPORT int64_t trpc_now_ms(void);

/* ---- option structs ----------------------------------------------------- */

/*
 * Every options struct (trpc_server_opts, trpc_channel_opts, trpc_call_opts)
 * begins with `size_t size`, which the caller sets to sizeof the struct it
 * was compiled with; the library reads only the fields that fit in it, so a
 * later version can add fields without breaking programs built against an
 * earlier one.  Every other field's zero value means "the default", so the
 * usual way to fill one is the matching macro, a compound literal with the
 * size set and the fields you name:
 *
 *     trpc_server_opts o = TRPC_SERVER_OPTS(.workers = 4);
 *     st = helloworld__greeter__say_hello(greeter, &req, &reply,
 *                                         &TRPC_CALL_OPTS(.timeout_ms = 500));
 *
 * A NULL options pointer means all defaults.  A struct whose size is 0 (not
 * initialised with the macro) or larger than the library knows is rejected
 * with TRPC_EINVAL (for a call: INVALID_ARGUMENT), so a forgotten size never
 * silently drops a setting.
 */
#define TRPC_OPTS_SIZED(type, ...) ((type){ .size = sizeof(type), __VA_ARGS__ })

/* ---- metadata ---------------------------------------------------------- */

/*
 * An ordered list of (key, value) pairs: custom request headers, response
 * headers and trailers.  Keys are lowercase ASCII (a-z 0-9 - _ .); keys that
 * end in "-bin" carry arbitrary bytes (base64 on the wire, which the library
 * does both ways), other values are printable ASCII (0x20-0x7E).  Keys the
 * protocol reserves (":..." pseudo-headers, "content-type", "te",
 * "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "grpc-status",
 * "grpc-message", and the HTTP/1 connection headers "host", "connection",
 * "keep-alive", "proxy-connection", "transfer-encoding", "upgrade") are
 * neither accepted nor reported.
 *
 * A trpc_metadata is not thread-safe; it owns copies of everything added.
 */
typedef struct trpc_metadata trpc_metadata;

/* Creates an empty list in *out.  Errors: TRPC_EINVAL, TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_metadata_new(trpc_metadata **out);
/* Frees the list and every entry; NULL is a no-op. */
TRPC_EXPORT void trpc_metadata_free(trpc_metadata *md);
/* Removes every entry (keeps its memory for reuse). */
TRPC_EXPORT void trpc_metadata_clear(trpc_metadata *md);
/* Appends a copy of key and the len bytes at value (duplicates allowed).
 * Errors: TRPC_EINVAL for a bad or reserved key, or a non-printable value
 * for a non-binary key; TRPC_ENOMEM. */
TRPC_EXPORT trpc_error trpc_metadata_add(trpc_metadata *md, const char *key,
                                         const void *value, size_t len);
/* Same, for a NUL-terminated value. */
TRPC_EXPORT trpc_error trpc_metadata_add_str(trpc_metadata *md, const char *key,
                                             const char *value);
/* Number of entries (0 for NULL). */
TRPC_EXPORT size_t trpc_metadata_count(const trpc_metadata *md);
/* Entry i: key and value stay valid until the list changes or is freed.
 * Values are NUL-terminated for convenience (len excludes the NUL).
 * Errors: TRPC_EINVAL if i is out of range. */
TRPC_EXPORT trpc_error trpc_metadata_at(const trpc_metadata *md, size_t i,
                                        const char **key, const void **value,
                                        size_t *len);
/* The first value stored under key (and its length in *len if len is not
 * NULL), or NULL if there is none. */
TRPC_EXPORT const void *trpc_metadata_get(const trpc_metadata *md,
                                          const char *key, size_t *len);

/* ---- method and service descriptors ------------------------------------ */

typedef enum trpc_method_kind {
    TRPC_UNARY = 0,            /* one request, one reply */
    TRPC_SERVER_STREAMING = 1, /* one request, a stream of replies */
    TRPC_CLIENT_STREAMING = 2, /* a stream of requests, one reply */
    TRPC_BIDI_STREAMING = 3    /* both sides stream */
} trpc_method_kind;

/* One RPC method, as generated code describes it (static const data). */
typedef struct trpc_method {
    const char *path;                          /* "/pkg.Service/Method" */
    const ProtobufCMessageDescriptor *input;   /* request message type */
    const ProtobufCMessageDescriptor *output;  /* reply message type */
    trpc_method_kind kind;
} trpc_method;

/* A .proto file as generated code embeds it (at the end of foo.pb-c.c):
 * its name ("dir/foo.proto"), its google.protobuf.FileDescriptorProto
 * serialized without SourceCodeInfo (data, len), and the files it imports,
 * in import order.  An import whose generated code is not linked into the
 * program is a NULL entry of deps (the links are weak references).  Server
 * reflection (typerpc/reflection.h) serves these.  foo.pb-c.c declares the
 * same type behind the same guard, so message code needs no typerpc
 * header. */
#ifndef TRPC_FILE_DESCRIPTOR_DEFINED
#define TRPC_FILE_DESCRIPTOR_DEFINED
typedef struct trpc_file_descriptor trpc_file_descriptor;
struct trpc_file_descriptor {
    const char *name;
    const uint8_t *data;
    size_t len;
    size_t n_deps;
    const trpc_file_descriptor *const *deps;
};
#endif

/* One service: its full name ("pkg.Service"), its methods and the file
 * that defines it (NULL in hand-written tables and code generated before
 * 0.3: such a service is listed by reflection but has no file). */
typedef struct trpc_service {
    const char *name;
    size_t n_methods;
    const trpc_method *methods;
    const trpc_file_descriptor *file;
} trpc_service;

/* ---- message compression ----------------------------------------------- */

/*
 * How messages are compressed on the wire (gRPC's doc/compression.md):
 * trpc_server_opts.compression and trpc_call_set_compression() for replies,
 * trpc_channel_opts.compression and trpc_call_opts.compression for
 * requests.  Receiving needs no setting: both sides always accept identity,
 * deflate and gzip (and say so in grpc-accept-encoding).  A reply is
 * compressed only if the client listed the algorithm in its
 * grpc-accept-encoding; a request is compressed as asked (a server that
 * does not support it answers UNIMPLEMENTED).  Messages under 256 bytes,
 * and messages that do not shrink, go uncompressed even then.
 */
typedef enum trpc_compression {
    TRPC_COMPRESS_DEFAULT = 0, /* what the level above says (server or
                                  channel option; there: none) */
    TRPC_COMPRESS_NONE = 1,    /* identity: uncompressed */
    TRPC_COMPRESS_DEFLATE = 2, /* "deflate": the zlib format (RFC 1950) */
    TRPC_COMPRESS_GZIP = 3     /* "gzip" (RFC 1952) */
} trpc_compression;

#ifdef __cplusplus
}
#endif
#endif /* TYPERPC_COMMON_H */
