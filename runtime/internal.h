/*
 * runtime/internal.h: what the runtime's modules share and nothing else sees.
 *
 * Sections: byte buffers, the per-call arena (a ProtobufCAllocator),
 * metadata internals, gRPC wire helpers (message framing, grpc-timeout,
 * grpc-message percent-encoding, base64 for -bin metadata, HTTP status
 * mapping), and address parsing.  Each lives in its own .c file.
 */
#ifndef TYPERPC_RUNTIME_INTERNAL_H
#define TYPERPC_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <nghttp2/nghttp2.h>
#include "typerpc/typerpc.h"

#define TRPC__DEFAULT_MAX_MSG (4u * 1024u * 1024u)
#define TRPC__USER_AGENT "typerpc/0.1"

/* ---- buf.c: growable byte buffer, consumed from the front ---------------- */

typedef struct trpc__buf {
    uint8_t *data;
    size_t len;  /* bytes written */
    size_t off;  /* bytes consumed from the front */
    size_t cap;
} trpc__buf;

int trpc__buf_reserve(trpc__buf *b, size_t extra);
int trpc__buf_append(trpc__buf *b, const void *p, size_t n);
static inline size_t trpc__buf_avail(const trpc__buf *b) { return b->len - b->off; }
/* Empties the buffer, keeping its memory unless it grew past keep bytes. */
void trpc__buf_reset(trpc__buf *b, size_t keep);
void trpc__buf_free(trpc__buf *b);
/* Appends a gRPC frame (flag 0, big-endian length, packed msg). */
int trpc__buf_append_message(trpc__buf *b, const ProtobufCMessage *msg);

/* ---- arena.c: bump allocator handed to protobuf-c ------------------------- */

typedef struct trpc__chunk trpc__chunk;
typedef struct trpc__arena {
    ProtobufCAllocator pa;  /* first member: &arena->pa is the allocator */
    trpc__chunk *head;      /* newest chunk first */
} trpc__arena;

void trpc__arena_init(trpc__arena *a);
void *trpc__arena_alloc(trpc__arena *a, size_t n);
/* Frees everything allocated, keeping one chunk of moderate size to reuse. */
void trpc__arena_reset(trpc__arena *a);
void trpc__arena_free(trpc__arena *a);

/* ---- metadata.c ------------------------------------------------------------- */

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
 * Returns 0, or TRPC_EINVAL for a key/value that cannot be user metadata
 * (the caller ignores the header), or TRPC_ENOMEM. */
int trpc__md_add_wire(trpc_metadata *md, const uint8_t *key, size_t klen,
                      const uint8_t *val, size_t vlen);
/* Appends md to md_to (both validated already). */
int trpc__md_append(trpc_metadata *to, const trpc_metadata *from);
/* Adds md's entries to nv (wire form: -bin values base64-encoded into
 * scratch).  nv must have room for trpc_metadata_count(md) more entries.
 * Pointers in nv point into md and scratch; scratch must not be reset
 * until nv has been submitted. */
int trpc__md_to_nv(const trpc_metadata *md, nghttp2_nv *nv, size_t *nnv,
                   trpc__buf *scratch);

/* ---- wire.c ------------------------------------------------------------------- */

/* The gRPC message framing reader: feed it DATA bytes, it yields messages.
 * The message body is collected in body (contiguous). */
typedef struct trpc__framer {
    uint8_t hdr[5];
    size_t hdr_len;   /* bytes of hdr collected */
    uint32_t msg_len; /* once hdr_len == 5 */
    bool skipping;    /* discard the body (too large) */
    trpc__buf body;
} trpc__framer;

typedef enum trpc__frame_ev {
    TRPC__FRAME_NEED_MORE = 0,
    TRPC__FRAME_MESSAGE = 1,  /* body holds msg_len bytes; flags in hdr[0] */
    TRPC__FRAME_TOO_BIG = 2,  /* msg_len > max */
    TRPC__FRAME_NOMEM = 3
} trpc__frame_ev;

/* Consumes bytes from *p (n of them) until a frame event; updates both.  After
 * TRPC__FRAME_MESSAGE the caller uses body then calls trpc__framer_next(). */
trpc__frame_ev trpc__framer_feed(trpc__framer *f, const uint8_t **p, size_t *n,
                                 size_t max);
void trpc__framer_next(trpc__framer *f);
/* True if a partial message is buffered (end of stream in mid-message). */
bool trpc__framer_partial(const trpc__framer *f);

/* grpc-timeout: "<1..8 digits><H|M|S|m|u|n>" to milliseconds (rounded up,
 * at least 1 for a nonzero value).  Returns 0 or -1 if malformed. */
int trpc__timeout_parse(const uint8_t *v, size_t len, int64_t *ms);
/* Writes the header value for ms (> 0) into out (at least 16 bytes). */
size_t trpc__timeout_format(int64_t ms, char *out);

/* grpc-message percent-encoding (encode bytes outside 0x20-0x7E and '%'). */
int trpc__pct_encode(trpc__buf *out, const char *s);
/* Decodes into a new malloc'd NUL-terminated string; bad escapes pass
 * through literally.  NULL on out of memory. */
char *trpc__pct_decode(const uint8_t *v, size_t len);

/* base64 (standard alphabet): encode unpadded; decode padded or not. */
int trpc__b64_encode(trpc__buf *out, const uint8_t *p, size_t n);
/* Returns the decoded length, or -1 if v is not base64. out needs
 * len * 3 / 4 + 3 bytes. */
long trpc__b64_decode(const uint8_t *v, size_t len, uint8_t *out);

/* gRPC's mapping of HTTP status to gRPC status when grpc-status is absent. */
trpc_status trpc__http_to_grpc(int http_status);

/* True if the content-type value is application/grpc[+...][;...]. */
bool trpc__is_grpc_content_type(const uint8_t *v, size_t len);

/* ---- addr.c ------------------------------------------------------------------- */

typedef struct trpc__addr {
    bool is_unix;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char host[256];  /* without brackets; "" = any */
    char port[16];
} trpc__addr;

/* Parses "host:port", "[v6]:port", ":port" or "unix:/path". */
int trpc__addr_parse(const char *s, trpc__addr *a);

/* Makes libevent thread-aware (once, process-wide). Returns 0 or -1. */
int trpc__libevent_threads(void);

/* pthread_create() for the library's own threads, with every signal blocked
 * in them: process signals go to the application's threads, and writing to
 * a socket the peer closed gives EPIPE instead of killing the process with
 * SIGPIPE (the signal stays pending, blocked, on our thread).  Returns 0 or
 * an errno value. */
int trpc__thread_create(pthread_t *th, void *(*fn)(void *), void *arg);

/* h2feed.c: feed everything in `in` to the session, draining what it took.
 * 0, or the nghttp2 error (negative) that stopped it; the bytes from the
 * failing chunk on stay in `in`. */
struct evbuffer;
int trpc__h2_feed(nghttp2_session *ng, struct evbuffer *in);

#endif /* TYPERPC_RUNTIME_INTERNAL_H */
