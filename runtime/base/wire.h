/*
 * base/wire.h: the small pieces of the gRPC wire protocol that HTTP/2 does
 * not cover (gRPC's PROTOCOL-HTTP2.md): the 5-byte message framing,
 * grpc-timeout values, grpc-message percent-encoding, base64 for binary
 * metadata, the HTTP-to-gRPC status mapping, content-type recognition, and
 * the one byte-string comparison every header parser uses.
 */
#ifndef TRPC_BASE_WIRE_H
#define TRPC_BASE_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "base/buf.h"
#include "base/budget.h"

#define TRPC__DEFAULT_MAX_MSG (4u * 1024u * 1024u)
#define TRPC__USER_AGENT "typerpc/" TYPERPC_VERSION

/* True if the n bytes at p are exactly the NUL-terminated string lit
 * (inline: with a literal, strlen() folds away on the hot path). */
static inline bool trpc__is(const uint8_t *p, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

/* The gRPC message framing reader: feed it DATA bytes, it yields messages.
 * The message body is collected in body (contiguous).  The body grows as
 * its bytes arrive (doubling, never past the announced length): a length
 * prefix alone reserves nothing, so a peer pays for the memory it makes us
 * hold by sending the bytes.  With a budget, every byte of body capacity
 * is taken from it first (charged: how many); trpc__framer_release()
 * gives them back. */
typedef struct trpc__framer {
    uint8_t hdr[5];
    size_t hdr_len;   /* bytes of hdr collected */
    uint32_t msg_len; /* once hdr_len == 5 */
    bool skipping;    /* discard the body (too large) */
    trpc__buf body;
    trpc__budget *budget; /* NULL: none */
    size_t charged;       /* bytes of body's capacity taken from budget */
} trpc__framer;

typedef enum trpc__frame_ev {
    TRPC__FRAME_NEED_MORE = 0,
    TRPC__FRAME_MESSAGE = 1,  /* body holds msg_len bytes; flags in hdr[0] */
    TRPC__FRAME_TOO_BIG = 2,  /* msg_len > max */
    TRPC__FRAME_NOMEM = 3,
    TRPC__FRAME_OVER_BUDGET = 4 /* the body cannot grow: budget spent */
} trpc__frame_ev;

/* Consumes bytes from *p (n of them) until a frame event; updates both.  After
 * TRPC__FRAME_MESSAGE the caller uses body then calls trpc__framer_next().
 * A zero-length message is reported without consuming a byte. */
trpc__frame_ev trpc__framer_feed(trpc__framer *f, const uint8_t **p, size_t *n,
                                 size_t max);
void trpc__framer_next(trpc__framer *f);
/* Reads the next bytes as one unframed message of at most len bytes (its
 * flags byte: flags): for bodies that are a message without the prefix
 * (the Connect protocol's unary requests).  The body grows and is charged
 * as a framed one; TRPC__FRAME_MESSAGE comes only once len bytes are in. */
void trpc__framer_raw(trpc__framer *f, uint32_t len, uint8_t flags);
/* Ends the message being collected, frees the body when its capacity is
 * above keep, and gives every charged byte back to the budget (a kept
 * small buffer is not counted until it must grow again). */
void trpc__framer_release(trpc__framer *f, size_t keep);
/* True if a partial message is buffered (end of stream in mid-message). */
bool trpc__framer_partial(const trpc__framer *f);

/* A grpc-timeout longer than this (99,999,999 s, over three years: more
 * than the S unit can carry) means "no deadline": INT64_MAX. */
#define TRPC__TIMEOUT_NONE_MS INT64_C(99999999000)
/* grpc-timeout: "<1..8 digits><H|M|S|m|u|n>" to milliseconds (rounded up,
 * at least 1 for a nonzero value; INT64_MAX past TRPC__TIMEOUT_NONE_MS).
 * Returns 0, or -1 if malformed (too long, a sign or any other non-digit,
 * no digits, a missing or unknown unit). */
int trpc__timeout_parse(const uint8_t *v, size_t len, int64_t *ms);
/* Writes the header value for ms (> 0) into out (at least 16 bytes). */
size_t trpc__timeout_format(int64_t ms, char *out);

/* grpc-message percent-encoding (encode bytes outside 0x20-0x7E and '%'). */
trpc_error trpc__pct_encode(trpc__buf *out, const char *s);
/* Decodes into a new malloc'd NUL-terminated string; bad escapes pass
 * through literally.  NULL on out of memory. */
char *trpc__pct_decode(const uint8_t *v, size_t len);

/* base64 (standard alphabet): encode unpadded; decode padded or not. */
trpc_error trpc__b64_encode(trpc__buf *out, const uint8_t *p, size_t n);
/* Returns the decoded length, or -1 if v is not base64. out needs
 * len * 3 / 4 + 3 bytes. */
long trpc__b64_decode(const uint8_t *v, size_t len, uint8_t *out);

/* gRPC's mapping of HTTP status to gRPC status when grpc-status is absent. */
trpc_status trpc__http_to_grpc(int http_status);

/* True if the content-type value is application/grpc[+...][;...]. */
bool trpc__is_grpc_content_type(const uint8_t *v, size_t len);

/* The decimal text of a gRPC status code (0..16; others: "2", UNKNOWN). */
const char *trpc__status_text(trpc_status code);
/* Parses a grpc-status value: 0..16, anything else is UNKNOWN. */
trpc_status trpc__status_parse(const uint8_t *v, size_t len);

#endif
