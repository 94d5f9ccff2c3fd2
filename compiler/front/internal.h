/*
 * front/internal.h — what the front end's files share, and nobody else needs.
 *
 * The front end is a ladder, each file calling only the ones below it:
 *
 *   load.c     reads files and follows imports; calls parse_file for each
 *   parse.c    parse_file: runs the scanner and the parser over one Source
 *   grammar/   proto.l (tokens), proto.y (rules), generated into the build
 *   scan.c     what the scanner needs: positions, literal decoding
 *   ast.c      the node builders the grammar's actions call, and
 *              parse_error, through which the whole front end reports
 *
 * One ParseState per file being parsed holds everything the scanner and the
 * parser know: the source, the arena, the diagnostics sink, the scanner's
 * position, and the stack of blocks that are open right now (so an error can
 * name the construct left unclosed, and so grammar actions know where a
 * declaration belongs). No globals: the state is passed to every action.
 */
#ifndef TYPERPC_FRONT_INTERNAL_H
#define TYPERPC_FRONT_INTERNAL_H

#include "compiler.h"

/* A string literal after unescaping: bytes (NUL-terminated for convenience,
 * but may contain NULs) and length. cap lets adjacent literals be joined in
 * amortised linear time. */
typedef struct StrLit {
    char *s;
    size_t len;
    size_t cap;
} StrLit;

/* An integer literal: its value and the base it was written in. Inside an
 * aggregate value a literal too large for 64 bits is not an error yet: text
 * format takes it for a float or double field, so it is kept as a double and
 * the option checker judges it against the field's type. */
typedef struct IntLit {
    uint64_t u;    /* UINT64_MAX when overflow is set */
    int base;      /* 10, 16 or 8 */
    bool overflow; /* too large for 64 bits (only ever set inside an aggregate) */
    double d;      /* overflow: the literal's value as a double */
    char *text;    /* overflow: the literal as written */
} IntLit;

/* The kinds of block the parser can have open. */
typedef enum BlockKind {
    BLOCK_MESSAGE,
    BLOCK_GROUP,
    BLOCK_ENUM,
    BLOCK_ONEOF,
    BLOCK_EXTEND,
    BLOCK_SERVICE,
    BLOCK_RPC,
    BLOCK_AGGREGATE,
} BlockKind;

/* One open block: what it is, where it started and the node being filled. */
typedef struct Block {
    BlockKind kind;
    Loc loc;          /* the keyword that opened it (or the '{' of an aggregate) */
    const char *name; /* as written (NULL for an aggregate): messages say "message 'Foo'" */
    union {
        Message *msg; /* BLOCK_MESSAGE, BLOCK_GROUP */
        Enum *en;
        Oneof *oneof;
        Extend *ext;
        Service *svc;
        Method *method;
        Value *agg;
    } u;
    Field *group_field; /* BLOCK_GROUP: the field the group declares */
} Block;

/* A syntax error inside an option's aggregate value, held back until the end
 * of the parse (see yyreport_syntax_error in grammar/proto.y). */
typedef struct PendingError {
    Loc value_loc; /* the value's opening '{' */
    Loc loc;       /* the offending token */
    char *msg;
    bool closed; /* the value's closing '}' was found */
} PendingError;

typedef struct ParseState {
    bool message_depth_reported; /* MAX_MESSAGE_NESTING was reported once */
    Arena *arena;
    Diag *diag;
    Source *src;
    File *file;

    /* Scanner position of the next byte (1-based line and column) and byte offset. */
    int line;
    int col;
    size_t offset;
    /* The token most recently returned (the parser's lookahead when it
     * reports an error): its byte range in src->text, its kind (a token
     * number, 0 at the end) and the kind of the one before it. */
    size_t tok_off;
    size_t tok_len;
    int tok_kind;
    int prev_kind;
    size_t match_off; /* byte range of the text flex matched last */
    size_t match_len;

    /* Brace nesting ('{', and '<' inside aggregates) counted by the scanner;
     * past PARSE_MAX_DEPTH the scanner reports once and ends the input. */
    int depth;
    bool too_deep;
    Loc overflow_loc; /* the last integer literal reported as too large */

    VEC(Block) blocks; /* open blocks, innermost last */
    VEC(PendingError) agg_errors;
    bool eof_error; /* a syntax error at the end of the file was reported */

    /* protoc finds the end of an option's aggregate value by counting '{'
     * and '}' alone (not '<' and '>'), then parses the text in between. The
     * scanner counts braces (every '{' minus every '}' so far); when the
     * outermost aggregate value opens, the count and the nesting depth
     * outside it are recorded. After a held-back error inside the value the
     * scanner skips (agg_skip) to the '}' that brings the count back, so
     * the parser resumes exactly where protoc's value ends. If the error's
     * own lookahead was an inner '}', the parser's recovery takes that one
     * as the value's end, and the scanner drops the balancing '}' instead. */
    int braces;
    int agg_braces;
    int agg_depth;
    bool agg_skip;
    bool agg_skip_close; /* drop the balancing '}' too (the value already closed) */

    /* A field's `default` or `json_name` takes a single token as its value
     * (protoc's parser reads them specially): while set, the name of that
     * option, and a '{' the scanner meets next is T_LONE_BRACE. */
    const char *scalar_option;

    Loc label_loc; /* where require_label last reported (once per statement) */
} ParseState;

/* ---- scan.c: scanner helpers, used by grammar/proto.l ---- */

/* Count the newlines in a token that may span lines (whitespace, comments)
 * after the scanner has moved the position past it as if it did not. */
void scan_lines(ParseState *ps, const char *text, size_t len);

/* Decode the body of a string literal (the text between the quotes) into an
 * arena buffer, reporting bad escapes at their position. loc is the location
 * of the opening quote. */
StrLit scan_string_literal(ParseState *ps, const char *text, size_t len, Loc loc);

/* Convert an integer literal (decimal, 0x hex or 0 octal). On overflow it
 * reports and returns UINT64_MAX, except inside an aggregate value, where it
 * sets overflow, d and text instead (see IntLit). */
IntLit scan_int_literal(ParseState *ps, const char *text, size_t len, Loc loc);

/* ---- ast.c: node builders, called from grammar actions ---- */

/* Report an error at loc and count it against the file. */
void parse_error(ParseState *ps, Loc loc, const char *fmt, ...) TRPC_PRINTF(3, 4);

/* A Loc in the file being parsed. */
static inline Loc make_loc(const ParseState *ps, int line, int col)
{
    Loc loc = { ps->src, line, col };
    return loc;
}

/* Strings and names. */
StrLit ast_strlit_join(ParseState *ps, StrLit a, StrLit b);
char *ast_name_join(ParseState *ps, const char *a, const char *b);          /* "a" "." "b" */
char *ast_name_absolute(ParseState *ps, const char *name);                  /* "." name */
char *ast_type_url_join(ParseState *ps, const char *a, const char *b);      /* "a" "/" "b" */
char *ast_keyword_name(ParseState *ps, const char *kw);                     /* arena copy */
int64_t ast_int_to_i32(ParseState *ps, uint64_t u, bool negative, Loc loc); /* reports */

/* Blocks: push when a block opens, pop when it closes or is discarded. */
Block *ast_block_push(ParseState *ps, BlockKind kind, Loc loc, const char *name);
void ast_block_pop(ParseState *ps);
Block *ast_block_top(ParseState *ps);
Message *ast_current_message(ParseState *ps); /* innermost open message or group, or NULL */

/* File-level statements. */
void ast_file_set_syntax(ParseState *ps, Loc loc, StrLit s, Loc str_loc);
void ast_file_set_package(ParseState *ps, Loc loc, char *name, Loc name_loc);
void ast_file_add_import(ParseState *ps, Loc loc, ImportKind kind, StrLit path, Loc path_loc);
void ast_file_add_option(ParseState *ps, Option *opt);

/* Messages and groups. */
void ast_message_open(ParseState *ps, Loc loc, char *name, Loc name_loc);
void ast_message_close(ParseState *ps);
void ast_group_open(ParseState *ps, Field *field);
void ast_group_close(ParseState *ps);
void ast_message_add_field(ParseState *ps, Field *f);
void ast_message_add_option(ParseState *ps, Option *opt);
void ast_message_add_ranges(ParseState *ps, RangeVec *ranges, bool extensions, OptionVec *opts);
void ast_message_add_reserved_names(ParseState *ps, ReservedNameVec *names);

/* Fields. */
/* A proto2 field written without a label: reported once at the statement's
 * first token, however many rules notice it. */
void ast_require_label(ParseState *ps, Loc loc);
Field *ast_make_field(ParseState *ps, Loc loc, Label label, Loc label_loc, FieldType type,
                      char *type_name, Loc type_loc, char *name, Loc name_loc, int64_t number,
                      Loc number_loc, OptionVec *opts);
Field *ast_make_map_field(ParseState *ps, Loc loc, FieldType key_type, char *key_name, Loc key_loc,
                          FieldType type, char *type_name, Loc type_loc, char *name, Loc name_loc,
                          int64_t number, Loc number_loc, OptionVec *opts);
Field *ast_make_group_field(ParseState *ps, Loc loc, Label label, Loc label_loc, char *name,
                            Loc name_loc, int64_t number, Loc number_loc, OptionVec *opts);

/* Oneofs. */
void ast_oneof_open(ParseState *ps, Loc loc, char *name, Loc name_loc);
void ast_oneof_close(ParseState *ps);
void ast_oneof_add_field(ParseState *ps, Field *f);
void ast_oneof_add_option(ParseState *ps, Option *opt);

/* Extends. */
void ast_extend_open(ParseState *ps, Loc loc, char *extendee, Loc extendee_loc);
void ast_extend_close(ParseState *ps);
void ast_extend_add_field(ParseState *ps, Field *f);

/* Enums. */
void ast_enum_open(ParseState *ps, Loc loc, char *name, Loc name_loc);
void ast_enum_close(ParseState *ps);
void ast_enum_add_value(ParseState *ps, Loc loc, char *name, int64_t number, Loc number_loc,
                        OptionVec *opts);
void ast_enum_add_option(ParseState *ps, Option *opt);
void ast_enum_add_ranges(ParseState *ps, RangeVec *ranges);
void ast_enum_add_reserved_names(ParseState *ps, ReservedNameVec *names);

/* Services. */
void ast_service_open(ParseState *ps, Loc loc, char *name, Loc name_loc);
void ast_service_close(ParseState *ps);
void ast_service_add_option(ParseState *ps, Option *opt);
Method *ast_make_method(ParseState *ps, Loc loc, char *name, Loc name_loc, bool cstream,
                        char *input, Loc input_loc, bool sstream, char *output, Loc output_loc);
void ast_service_add_method(ParseState *ps, Method *m);
void ast_rpc_open(ParseState *ps, Method *m);
void ast_rpc_close(ParseState *ps);
void ast_rpc_add_option(ParseState *ps, Option *opt);

/* Ranges and reserved names (bottom-up lists). */
RangeVec *ast_range_list(ParseState *ps, RangeVec *list, Loc loc, int64_t start, int64_t end,
                         bool end_is_max);
ReservedNameVec *ast_name_list(ParseState *ps, ReservedNameVec *list, StrLit s, Loc loc);

/* Options and values. */
OptionNameVec *ast_option_name_append(ParseState *ps, OptionNameVec *vec, char *name,
                                      bool is_extension, Loc loc);
Option *ast_make_option(ParseState *ps, OptionNameVec *name, Value *value);
OptionVec *ast_option_list(ParseState *ps, OptionVec *list, Option *opt);
Value *ast_make_value(ParseState *ps, ValueKind kind, Loc loc);
Value *ast_value_ident(ParseState *ps, Loc loc, char *s, bool negative);
/* An integer; one that overflowed (inside an aggregate) becomes a VAL_FLOAT
 * marked int_overflow. */
Value *ast_value_int(ParseState *ps, Loc loc, IntLit lit, bool negative);
Value *ast_value_float(ParseState *ps, Loc loc, double d, bool negative);
Value *ast_value_string(ParseState *ps, Loc loc, StrLit s);
Value *ast_value_negate(ParseState *ps, Value *v, Loc loc);
/* Whether an aggregate value is being read (at any depth). */
bool ast_aggregate_is_open(const ParseState *ps);
void ast_aggregate_open(ParseState *ps, Loc loc);
Value *ast_aggregate_close(ParseState *ps);
/* An error inside an aggregate value is held back, as protoc only reads the
 * value as text format once the whole file has parsed: parse_file reports it
 * at the value's start if nothing else went wrong. False if loc is not inside
 * an aggregate value (report it now). */
bool ast_aggregate_defer_error(ParseState *ps, Loc loc, const char *msg);
/* A field option's name was read: if it is `default` or `json_name`, the
 * value that follows must be a single token (sets ps->scalar_option). */
void ast_field_option_named(ParseState *ps, const OptionNameVec *name);
/* A field's `default` or `json_name` written as { ... }: reports at the '{'
 * and returns a placeholder value. */
Value *ast_value_lone_brace(ParseState *ps, Loc loc, const char *option);
void ast_aggregate_add(ParseState *ps, char *name, bool is_extension, bool colon, Loc loc,
                       Value *value);
Value *ast_value_list(ParseState *ps, Value *list, Value *item, Loc loc);

#endif /* TYPERPC_FRONT_INTERNAL_H */
