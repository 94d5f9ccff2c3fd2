/*
 * gen_trpc_internal.h — what the service code generator's files share.
 *
 * For each foo.proto that declares services the generator writes
 * foo.trpc.h and foo.trpc.c, the typed server and client code specified in
 * docs/service-api.md: one C type per method and one per service, so that
 * nothing of one method fits another's. It builds on the message generator:
 * message type and descriptor names come from gen_c_names.c (so they are
 * the ones foo.pb-c.h declares), and text goes through the same Buf. It is
 * split by construct:
 *
 *   gen_trpc.c         names, layout helpers, the file skeleton, writing
 *   gen_trpc_server.c  descriptors, call types, notification types, _Impl,
 *                      __serve, __write, __finish, and the server thunks
 *   gen_trpc_client.c  the client type, stream and result types, callback
 *                      types, the client functions and their thunks
 */
#ifndef TYPERPC_GEN_TRPC_INTERNAL_H
#define TYPERPC_GEN_TRPC_INTERNAL_H

#include "internal.h"

/* The four gRPC call kinds, in the order the client section groups them. */
typedef enum TKind { TK_UNARY, TK_SERVER_STREAMING, TK_CLIENT_STREAMING, TK_BIDI } TKind;

/* One method's names. In the comments P_S_M is Pkg__Svc_Method (types) and
 * p_s_m is pkg__svc__method (functions). */
typedef struct TMethod {
    Method *m;
    TKind kind;
    size_t index;        /* position in the service (and in its trpc_methods[]) */
    char *lc;            /* pkg__svc__say_hello: the unary call, prefix of functions */
    char *c;             /* Pkg__Svc_SayHello: prefix of the method's types */
    char *member;        /* say_hello: the _Impl member; _start, _end, _done follow it */
    const char *in;      /* Pkg__HelloRequest: the request's C type */
    const char *out;     /* Pkg__HelloReply */
    char *in_desc;       /* pkg__hello_request__descriptor */
    char *out_desc;
} TMethod;

typedef struct TService {
    Service *s;
    char *lc;            /* pkg__svc */
    char *c;             /* Pkg__Svc */
    TMethod *ms;
    size_t n;
} TService;

typedef struct TGen {
    Compiler *c;
    Arena *arena;
    File *file;
    Names *names;        /* shared by the generators: gen_names() */
    TService *svcs;
    size_t n_svcs;
    Buf h;               /* foo.trpc.h */
    Buf src;             /* foo.trpc.c */
} TGen;

/* What a method's kind gives it: streamed input (start and end
 * notifications, __send on the client), streamed output (__write on the
 * server, __recv on the client), a reply message given to its handlers
 * (unary and client streaming). */
bool gen_trpc_streams_input(const TMethod *t);
bool gen_trpc_streams_output(const TMethod *t);
bool gen_trpc_has_reply(const TMethod *t);

/* ---- layout (gen_trpc.c) ----
 *
 * Generated code is meant to be read, so long declarations wrap as a C
 * programmer wraps them: HEAD OPEN a, b, c CLOSE TAIL on one line when it
 * fits in GEN_TRPC_COLUMNS, else the items are packed onto lines aligned after
 * OPEN (or, when not even one item fits there, on lines indented four
 * columns past the start). */
enum { GEN_TRPC_COLUMNS = 95 };

void gen_trpc_wrap(Buf *b, int indent, const char *head, const char *open, const char *const *items,
               size_t n, const char *close, const char *tail, int columns);

/* A function declaration or definition head: RET (NAME)(params) TAIL, or
 * RET *(NAME)(params) TAIL when RET ends in '*'. The parentheses keep the
 * function-like macro of the same name from expanding. */
void gen_trpc_proto(Buf *b, const char *ret, const char *name, const char *const *params, size_t n,
                const char *tail);

/* `#define NAME(args)` whose body is (CALLEE)(items), wrapped, with the line
 * continuations aligned, into the header. */
void gen_trpc_macro(TGen *g, const char *name, const char *const *args, size_t n_args,
                const char *callee, const char *const *items, size_t n_items);

/* A statement `HEAD(items...)TAIL` at the given indent, wrapped. */
void gen_trpc_stmt(Buf *b, int indent, const char *head, const char *const *items, size_t n,
               const char *tail);

/* `typedef struct NAME { BASE *const base; } NAME;`: a typed handle. */
void gen_trpc_handle_type(TGen *g, const char *name, const char *base);

/* ---- public functions (gen_trpc.c) ----
 *
 * Each is declared as `RET (NAME)(params);` followed by
 * `#define NAME(args) (NAME)(guarded args)`, where each argument passes
 * through its guard: TRPC_IN(T, x) for a `const T *` input (a T * or a
 * const T *), TRPC_OUT(T, x) for handles, out-pointers and callbacks
 * (exactly T), TRPC_OPT(T, x) for options (a T *, a const T * or NULL),
 * or plain (x). */
typedef enum TGuard { G_PLAIN, G_IN, G_OUT, G_OPT } TGuard;

typedef struct TParam {
    const char *decl;   /* "const Pkg__Req *req" */
    const char *name;   /* "req" */
    TGuard guard;
    const char *type;   /* G_IN, G_OPT: the pointed-to type; G_OUT: the exact type */
} TParam;

enum { GEN_TRPC_MAX_PARAMS = 8 };

typedef struct TFn {
    const char *ret;
    const char *name;
    TParam p[GEN_TRPC_MAX_PARAMS];
    size_t n;
} TFn;

void gen_trpc_fn_param(TFn *fn, const char *decl, const char *name, TGuard guard, const char *type);
/* The prototype and its macro, into the header. */
void gen_trpc_fn_declare(TGen *g, const TFn *fn);
/* The definition's head, into the source (the caller writes the body). */
void gen_trpc_fn_define(TGen *g, const TFn *fn);

/* ---- constructs ---- */

/* gen_trpc_server.c */
void gen_trpc_server_header(TGen *g, TService *s);
void gen_trpc_server_source(TGen *g, TService *s);

/* gen_trpc_client.c */
void gen_trpc_client_header(TGen *g, TService *s);
void gen_trpc_client_source(TGen *g, TService *s);

/* Short-lived strings for building generated text. */
#define TFMT(g, ...) arena_printf((g)->arena, __VA_ARGS__)
#define NITEMS(a) (sizeof(a) / sizeof *(a))

#endif /* TYPERPC_GEN_TRPC_INTERNAL_H */
