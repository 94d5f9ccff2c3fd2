/*
 * runtime/json/json_internal.h: what the JSON codec's files share.
 *
 * The codec (include/typerpc/json.h) is its own small layer: it uses only
 * libprotobuf-c (to walk messages by their descriptors) and jansson (to
 * parse JSON text); nothing in base/, h2/, server/ or client/ and nothing
 * of theirs depends on it yet.  Files:
 *   json_util.c   the context (options, error path), the output buffer,
 *                 base64, UTF-8 checks, JSON names, field access helpers
 *   json_enc.c    messages to JSON text (written straight into a buffer)
 *   json_dec.c    JSON text to messages (parsed with jansson)
 *   json_wkt.c    the well-known types' special forms, both ways
 *   json_registry.c  the types an Any may carry
 */
#ifndef TYPERPC_JSON_INTERNAL_H
#define TYPERPC_JSON_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "typerpc/json.h"

/* How deep messages may nest (in either direction) before the codec gives
 * up with an error rather than recursing further: protobuf's own default
 * recursion limit. */
#define TRPC__JSON_MAX_DEPTH 100

/* A growable output buffer; `oom` sticks once an allocation fails. */
typedef struct trpc__jbuf {
    char *p;
    size_t len, cap;
    bool oom;
} trpc__jbuf;

/* One encode or decode: the options, where in the message we are (for
 * errors) and the first error. */
typedef struct trpc__jctx {
    trpc_json_opts o;
    char *err;
    size_t errlen;
    char path[512];
    size_t plen;
    trpc_error rc;
    int depth;
    trpc__jbuf out;              /* encoding */
    ProtobufCAllocator *alloc;   /* decoding */
} trpc__jctx;

/* ---- json_util.c ---- */
void trpc__jbuf_putn(trpc__jbuf *b, const char *s, size_t n);
void trpc__jbuf_puts(trpc__jbuf *b, const char *s);
void trpc__jbuf_putc(trpc__jbuf *b, char ch);
void trpc__jbuf_printf(trpc__jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal (quotes, escapes) of s[0..n); false (nothing
 * written) when s is not valid UTF-8. */
bool trpc__jbuf_string(trpc__jbuf *b, const char *s, size_t n);
void trpc__jbuf_base64(trpc__jbuf *b, const uint8_t *p, size_t n);
/* Decodes standard or URL-safe base64, padded or not.  Returns the number
 * of bytes written to out (which has room for n * 3 / 4 + 3), or -1. */
long trpc__base64_decode(const char *s, size_t n, uint8_t *out);
bool trpc__utf8_valid(const char *s, size_t n);

/* Records the first error: "field 'a.b': <message>" (or just the message
 * at the top level).  Returns the code, so `return trpc__jfail(...)`. */
trpc_error trpc__jfail(trpc__jctx *c, trpc_error rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Path steps for errors: push returns the length to pop back to. */
size_t trpc__jpath_field(trpc__jctx *c, const char *name);
size_t trpc__jpath_index(trpc__jctx *c, size_t i);
size_t trpc__jpath_key(trpc__jctx *c, const char *key);
void trpc__jpath_pop(trpc__jctx *c, size_t mark);
/* Copies the caller's options (NULL: defaults); false if the size is bad. */
bool trpc__jctx_init(trpc__jctx *c, const trpc_json_opts *o, char *err, size_t errlen);

/* The field's JSON name written by the compiler, or NULL (use the default). */
const char *trpc__json_explicit_name(const ProtobufCMessageDescriptor *d, unsigned index);
/* protoc's ToJsonName into buf. */
void trpc__json_default_name(const char *proto_name, char *buf, size_t size);

/* Field storage. */
static inline void *trpc__jfield(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (char *)m + f->offset;
}
static inline void *trpc__jquant(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    return (char *)m + f->quantifier_offset;
}
size_t trpc__json_elem_size(ProtobufCType t);
/* Is this repeated message field a map (protoc's FooEntry with key = 1 and
 * value = 2, nested in the message)?  protobuf-c's descriptors keep no
 * map_entry flag: see docs/json.md. */
bool trpc__json_is_map(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f);

/* ---- well-known types (json_wkt.c) ---- */
typedef enum trpc__wkt {
    TRPC__WKT_NONE,
    TRPC__WKT_ANY,
    TRPC__WKT_TIMESTAMP,
    TRPC__WKT_DURATION,
    TRPC__WKT_FIELDMASK,
    TRPC__WKT_STRUCT,
    TRPC__WKT_VALUE,
    TRPC__WKT_LISTVALUE,
    TRPC__WKT_WRAPPER,
} trpc__wkt;
trpc__wkt trpc__json_wkt(const ProtobufCMessageDescriptor *d);
bool trpc__json_is_null_enum(const ProtobufCFieldDescriptor *f);
trpc_error trpc__json_enc_wkt(trpc__jctx *c, trpc__wkt w, const ProtobufCMessage *m);
trpc_error trpc__json_dec_wkt(trpc__jctx *c, trpc__wkt w, json_t *v, ProtobufCMessage *m);

/* ---- json_enc.c / json_dec.c, used by the WKTs ---- */
trpc_error trpc__json_enc_message(trpc__jctx *c, const ProtobufCMessage *m);
/* Writes m's fields as object members (no braces); *first tracks commas. */
trpc_error trpc__json_enc_fields(trpc__jctx *c, const ProtobufCMessage *m, bool *first);
trpc_error trpc__json_enc_value(trpc__jctx *c, const ProtobufCFieldDescriptor *f, const void *elem);
/* Decodes v into the message m (allocated and initialised by the caller). */
trpc_error trpc__json_dec_message(trpc__jctx *c, json_t *v, ProtobufCMessage *m);
/* Decodes the members of object v into m, skipping the member named `skip`
 * (NULL: none). */
trpc_error trpc__json_dec_fields(trpc__jctx *c, json_t *v, ProtobufCMessage *m, const char *skip);
/* Decodes v as one value of field f's type into elem (a slot of f's type). */
trpc_error trpc__json_dec_value(trpc__jctx *c, const ProtobufCFieldDescriptor *f, json_t *v,
                                void *elem);
/* A new message of type d, initialised, from the context's allocator. */
ProtobufCMessage *trpc__json_new_message(trpc__jctx *c, const ProtobufCMessageDescriptor *d);
void *trpc__json_alloc(trpc__jctx *c, size_t n);
char *trpc__json_strdup(trpc__jctx *c, const char *s, size_t n);
const char *trpc__json_type_name(const json_t *v);

#endif
