/*
 * gen_trpc_internal.h — what the service code generator's files share.
 *
 * For each foo.proto that declares services the generator writes
 * foo.trpc.h and foo.trpc.c, the typed client stubs and server skeletons
 * specified in docs/runtime.md ("What the generator emits"). It builds on
 * the message generator: message type and descriptor names come from
 * gen_c_names.c (so they are the ones foo.pb-c.h declares), and text goes
 * through the same Buf. It is split by construct:
 *
 *   gen_trpc.c         names, layout helpers, the file skeleton, writing
 *   gen_trpc_server.c  descriptors, handler types, _Impl, __serve, writers
 *   gen_trpc_client.c  call handles, callback types, the client functions
 */
#ifndef TYPERPC_GEN_TRPC_INTERNAL_H
#define TYPERPC_GEN_TRPC_INTERNAL_H

#include "gen_c_internal.h"

/* The four gRPC call kinds, in the order the client section groups them. */
typedef enum TKind { TK_UNARY, TK_SERVER_STREAMING, TK_CLIENT_STREAMING, TK_BIDI } TKind;

/* One method's names. In the comments, p_s_m is pkg__s__m and PS_M is
 * Pkg__S_M (the method's name as written). */
typedef struct TMethod {
    Method *m;
    TKind kind;
    size_t index;        /* position in the service (and in its methods[]) */
    char *lc;            /* pkg__s__say_hello: prefix of the method's functions */
    char *member;        /* say_hello: the _Impl member (a C keyword gets '_') */
    char *c;             /* Pkg__S_SayHello: prefix of the method's types */
    const char *in;      /* Pkg__HelloRequest: the request's C type */
    const char *out;     /* Pkg__HelloReply */
    char *in_desc;       /* pkg__hello_request__descriptor */
    char *out_desc;
} TMethod;

typedef struct TService {
    Service *s;
    char *lc;            /* pkg__s */
    char *c;             /* Pkg__S */
    char *serve;         /* pkg__s__serve (pkg__s__serve_ if a method is Serve) */
    char *methods;       /* pkg__s__trpc_methods */
    char *service;       /* pkg__s__trpc_service */
    TMethod *ms;
    size_t n;
} TService;

typedef struct TGen {
    Compiler *c;
    Arena *arena;
    File *file;
    Names *names;      /* shared by the generators: gen_names() */
    TService *svcs;
    size_t n_svcs;
    Buf h;               /* foo.trpc.h */
    Buf src;             /* foo.trpc.c */
} TGen;

/* Whether the method's replies are a stream (it has a typed writer), and
 * whether the call is a stream on the client (it has a call handle). */
bool trpc_has_writer(const TMethod *t);
bool trpc_has_handle(const TMethod *t);

/* ---- layout (gen_trpc.c) ----
 *
 * Generated code is meant to be read, so long declarations wrap as a C
 * programmer wraps them: HEAD OPEN a, b, c CLOSE TAIL on one line when it
 * fits in TRPC_COLUMNS, else the items are packed onto lines aligned after
 * OPEN (or, when not even one item fits there, on lines indented four
 * columns past the start). */
enum { TRPC_COLUMNS = 95 };

void trpc_wrap(Buf *b, int indent, const char *head, const char *open, const char *const *items,
               size_t n, const char *close, const char *tail, int columns);

/* A function declaration or definition head: RET (NAME)(params) TAIL. */
void trpc_proto(Buf *b, const char *ret, const char *name, const char *const *params, size_t n,
                const char *tail);

/* `#define NAME(args)` whose body is CALLEE(items), wrapped, with the line
 * continuations aligned. */
void trpc_macro(TGen *g, const char *name, const char *const *args, size_t n_args,
                const char *callee, const char *const *items, size_t n_items);

/* ---- constructs ---- */

/* gen_trpc_server.c */
void trpc_header_server(TGen *g, TService *s);
void trpc_source_server(TGen *g, TService *s);

/* gen_trpc_client.c */
void trpc_header_client(TGen *g, TService *s);
void trpc_source_client(TGen *g, TService *s);

/* Short-lived strings for building generated text. */
#define TFMT(g, ...) arena_printf((g)->arena, __VA_ARGS__)
#define NITEMS(a) (sizeof(a) / sizeof *(a))

#endif /* TYPERPC_GEN_TRPC_INTERNAL_H */
