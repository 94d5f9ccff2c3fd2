/*
 * desc/srcinfo.h — protoc's tokenizer (tokenizer.c), shared with the location
 * recorder (srcinfo.c) and nothing else.
 */
#ifndef TYPERPC_DESC_SRCINFO_H
#define TYPERPC_DESC_SRCINFO_H

#include "internal.h"

typedef enum TokType {
    TOK_START, /* before the first token */
    TOK_END,   /* after the last one */
    TOK_IDENTIFIER,
    TOK_INTEGER,
    TOK_FLOAT,
    TOK_STRING,
    TOK_SYMBOL,
} TokType;

/* A token: its bytes in the source, and protoc's line and columns (from 0;
 * a tab advances to the next multiple of 8; end_column is one past the
 * last byte). */
typedef struct Token {
    TokType type;
    size_t off;
    size_t len;
    int line;
    int column;
    int end_column;
} Token;

/* A comment's text (arena memory, NUL-terminated; may be empty). */
typedef struct Text {
    char *data;
    size_t len;
    size_t cap;
} Text;

typedef VEC(Text) TextVec;

typedef struct Tokenizer {
    Arena *arena;
    const char *text;
    size_t len;
    size_t pos;
    int line;
    int column;
    Token current;
    Token previous;
} Tokenizer;

void tok_init(Tokenizer *s, Arena *arena, const char *text, size_t len);
/* protoc's Tokenizer::Next: the next token, comments skipped; false at the end. */
bool tok_next(Tokenizer *s);
/* protoc's Tokenizer::NextWithComments: the next token, sorting the comments
 * before it into the previous token's trailing comment, detached comments,
 * and the next token's leading comment (any of the three may be NULL). */
bool tok_next_with_comments(Tokenizer *s, Text *prev_trailing, TextVec *detached,
                            Text *next_leading);
/* Whether the current token's text is exactly `text`. */
bool tok_is(const Tokenizer *s, const char *text);
void tok_text_append(Arena *arena, Text *dst, const Text *src);

#endif /* TYPERPC_DESC_SRCINFO_H */
