/*
 * base/metadata.h: the inside of trpc_metadata, and what the wire code
 * needs from it: adding headers received from the wire, copying a list,
 * and turning a list into nghttp2 name/value pairs.
 */
#ifndef TRPC_BASE_METADATA_H
#define TRPC_BASE_METADATA_H

#include <nghttp2/nghttp2.h>
#include "base/buf.h"

typedef struct trpc__md_entry {
    size_t key_off, key_len, val_off, val_len;
} trpc__md_entry;

struct trpc_metadata {
    trpc__md_entry *e;
    size_t n, cap;
    trpc__buf pool;  /* keys and values, each NUL-terminated */
};

void trpc__md_init(trpc_metadata *md);
void trpc__md_fini(trpc_metadata *md);
/* True if key is one the protocol handles itself (not user metadata). */
bool trpc__md_reserved(const char *key, size_t len);
/* Adds a header received from the wire (value still base64 for -bin keys).
 * TRPC_OK, or TRPC_EINVAL for a key/value that cannot be user metadata
 * (the caller ignores the header), or TRPC_ENOMEM. */
trpc_error trpc__md_add_wire(trpc_metadata *md, const uint8_t *key, size_t klen,
                             const uint8_t *val, size_t vlen);
/* Appends the entries of from (NULL: none) to to (NULL: nowhere). */
trpc_error trpc__md_append(trpc_metadata *to, const trpc_metadata *from);
/* Adds md's entries to nv (wire form: -bin values base64-encoded into
 * scratch).  nv must have room for trpc_metadata_count(md) more entries.
 * Pointers in nv point into md and scratch; scratch must not be reset
 * until nv has been submitted. */
trpc_error trpc__md_to_nv(const trpc_metadata *md, nghttp2_nv *nv, size_t *nnv,
                          trpc__buf *scratch);

#endif
