/*
 * tokenizer.c — protoc's tokenizer, for the source locations and comments of
 * --include_source_info.
 *
 * Source info must match protoc's to the column and to the byte of every
 * comment, and both follow rules of protoc's io::Tokenizer that our flex
 * scanner has no reason to share: lines and columns count from 0, a tab
 * moves the column to the next multiple of 8, a token ends where its last
 * byte ends; a comment belongs to the token before it when it starts on
 * that token's line, to the token after it when no blank line separates
 * them, and is "detached" otherwise; a line comment keeps its newline, a
 * block comment loses the leading whitespace and '*' of its inner lines.
 * This file implements those rules (Next, NextWithComments and the comment
 * collector) over a file the front end has already accepted, so it never
 * reports an error: it only has to tokenize what is valid.
 */
#include <string.h>

#include "srcinfo.h"

enum { TAB_WIDTH = 8 };

static char cur(const Tokenizer *s)
{
    return s->pos < s->len ? s->text[s->pos] : '\0';
}

static bool at_eof(const Tokenizer *s)
{
    return s->pos >= s->len;
}

static void next_char(Tokenizer *s)
{
    char c = cur(s);
    if (c == '\n') {
        s->line++;
        s->column = 0;
    } else if (c == '\t') {
        s->column += TAB_WIDTH - s->column % TAB_WIDTH;
    } else {
        s->column++;
    }
    if (s->pos < s->len)
        s->pos++;
}

static bool try_char(Tokenizer *s, char c)
{
    if (!at_eof(s) && cur(s) == c) {
        next_char(s);
        return true;
    }
    return false;
}

static bool is_ws_no_nl(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_letter(c) || is_digit(c);
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void skip_ws_no_nl(Tokenizer *s)
{
    while (!at_eof(s) && is_ws_no_nl(cur(s)))
        next_char(s);
}

void tok_init(Tokenizer *s, Arena *arena, const char *text, size_t len)
{
    memset(s, 0, sizeof *s);
    s->arena = arena;
    s->text = text;
    s->len = len;
    s->current.type = TOK_START;
    s->previous.type = TOK_START;
}

/* ------------------------------------------------------------ tokens */

static void consume_string(Tokenizer *s, char delim)
{
    for (;;) {
        char c = cur(s);
        if (at_eof(s) || c == '\n')
            return;
        if (c == '\\') {
            next_char(s);
            /* Every escape's first character; the digits of \x12, \123,
             * \u1234 are plain characters to the loop. */
            if (!at_eof(s))
                next_char(s);
        } else {
            next_char(s);
            if (c == delim)
                return;
        }
    }
}

static TokType consume_number(Tokenizer *s, bool started_with_zero, bool started_with_dot)
{
    bool is_float = false;
    if (started_with_zero && (try_char(s, 'x') || try_char(s, 'X'))) {
        while (!at_eof(s) && is_hex(cur(s)))
            next_char(s);
    } else if (started_with_zero && is_digit(cur(s))) {
        while (!at_eof(s) && is_digit(cur(s)))
            next_char(s);
    } else {
        if (started_with_dot) {
            is_float = true;
            while (!at_eof(s) && is_digit(cur(s)))
                next_char(s);
        } else {
            while (!at_eof(s) && is_digit(cur(s)))
                next_char(s);
            if (try_char(s, '.')) {
                is_float = true;
                while (!at_eof(s) && is_digit(cur(s)))
                    next_char(s);
            }
        }
        if (try_char(s, 'e') || try_char(s, 'E')) {
            is_float = true;
            if (!try_char(s, '-'))
                try_char(s, '+');
            while (!at_eof(s) && is_digit(cur(s)))
                next_char(s);
        }
    }
    return is_float ? TOK_FLOAT : TOK_INTEGER;
}

typedef enum { NO_COMMENT, LINE_COMMENT, BLOCK_COMMENT, SLASH_NOT_COMMENT } CommentStart;

static CommentStart try_comment_start(Tokenizer *s)
{
    if (!try_char(s, '/'))
        return NO_COMMENT;
    if (try_char(s, '/'))
        return LINE_COMMENT;
    if (try_char(s, '*'))
        return BLOCK_COMMENT;
    /* Just a slash: it is the token. */
    s->current = (Token){ TOK_SYMBOL, s->pos - 1, 1, s->line, s->column - 1, s->column };
    return SLASH_NOT_COMMENT;
}

/* A growable byte string in the arena (comments). */
static void text_append(Tokenizer *s, Text *t, size_t from, size_t to)
{
    size_t n = to - from;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *data = arena_alloc(s->arena, cap);
        if (t->len)
            memcpy(data, t->data, t->len);
        t->data = data;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s->text + from, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void consume_line_comment(Tokenizer *s, Text *content)
{
    size_t start = s->pos;
    while (!at_eof(s) && cur(s) != '\n')
        next_char(s);
    try_char(s, '\n');
    if (content)
        text_append(s, content, start, s->pos);
}

/* The comment's text without the '*' and whitespace that start its inner
 * lines and without the closing star-slash, as protoc records it. */
static void consume_block_comment(Tokenizer *s, Text *content)
{
    size_t start = s->pos;
    for (;;) {
        while (!at_eof(s) && cur(s) != '*' && cur(s) != '/' && cur(s) != '\n')
            next_char(s);
        if (try_char(s, '\n')) {
            if (content)
                text_append(s, content, start, s->pos);
            skip_ws_no_nl(s);
            if (try_char(s, '*') && try_char(s, '/'))
                return;
            start = s->pos;
        } else if (try_char(s, '*') && try_char(s, '/')) {
            if (content) {
                text_append(s, content, start, s->pos);
                content->len -= 2;
                content->data[content->len] = '\0';
            }
            return;
        } else if (try_char(s, '/') && cur(s) == '*') {
            /* "/ *" inside a comment: an error to protoc; not in valid input. */
        } else if (at_eof(s)) {
            if (content)
                text_append(s, content, start, s->pos);
            return;
        }
    }
}

bool tok_next(Tokenizer *s)
{
    s->previous = s->current;
    for (;;) {
        while (!at_eof(s) && (is_ws_no_nl(cur(s)) || cur(s) == '\n'))
            next_char(s);
        switch (try_comment_start(s)) {
        case LINE_COMMENT: consume_line_comment(s, NULL); continue;
        case BLOCK_COMMENT: consume_block_comment(s, NULL); continue;
        case SLASH_NOT_COMMENT: return true;
        case NO_COMMENT: break;
        }
        if (at_eof(s))
            break;
        char c = cur(s);
        if ((c > '\0' && c < ' ') || c == '\0') {
            /* Control characters: an error to protoc; skipped. */
            next_char(s);
            continue;
        }
        Token t = { TOK_SYMBOL, s->pos, 0, s->line, s->column, 0 };
        if (is_letter(c)) {
            next_char(s);
            while (!at_eof(s) && is_alnum(cur(s)))
                next_char(s);
            t.type = TOK_IDENTIFIER;
        } else if (c == '0') {
            next_char(s);
            t.type = consume_number(s, true, false);
        } else if (c == '.') {
            next_char(s);
            if (!at_eof(s) && is_digit(cur(s))) {
                next_char(s);
                t.type = consume_number(s, false, true);
            }
        } else if (is_digit(c)) {
            next_char(s);
            t.type = consume_number(s, false, false);
        } else if (c == '"' || c == '\'') {
            next_char(s);
            consume_string(s, c);
            t.type = TOK_STRING;
        } else {
            next_char(s);
        }
        t.len = s->pos - t.off;
        t.end_column = s->column;
        s->current = t;
        return true;
    }
    s->current = (Token){ TOK_END, s->pos, 0, s->line, s->column, s->column };
    return false;
}

/* ---------------------------------------------------------- comments */

/* protoc's CommentCollector: holds the latest comment until it is known
 * whether it trails the previous token, leads the next one, or stands
 * detached between them. */
typedef struct Collector {
    Tokenizer *s;
    Text *prev_trailing;
    TextVec *detached;
    Text buffer;
    bool has_comment;
    bool is_line_comment;
    bool can_attach_to_prev;
} Collector;

static void flush(Collector *c)
{
    if (!c->has_comment)
        return;
    if (c->can_attach_to_prev) {
        if (c->prev_trailing && c->buffer.len)
            tok_text_append(c->s->arena, c->prev_trailing, &c->buffer);
        c->can_attach_to_prev = false;
    } else if (c->detached) {
        /* Kept even when empty (a bare slash-star-star-slash), as protoc keeps it. */
        VEC_PUSH(c->s->arena, c->detached, c->buffer);
    }
    c->buffer = (Text){ 0 };
    c->has_comment = false;
}

static Text *buffer_for_line_comment(Collector *c)
{
    if (c->has_comment && !c->is_line_comment)
        flush(c);
    c->has_comment = true;
    c->is_line_comment = true;
    return &c->buffer;
}

static Text *buffer_for_block_comment(Collector *c)
{
    if (c->has_comment)
        flush(c);
    c->has_comment = true;
    c->is_line_comment = false;
    return &c->buffer;
}

static void clear_buffer(Collector *c)
{
    c->buffer = (Text){ 0 };
    c->has_comment = false;
}

static bool finish(Collector *c, Text *next_leading, bool result)
{
    if (next_leading && c->has_comment)
        *next_leading = c->buffer;
    return result;
}

bool tok_next_with_comments(Tokenizer *s, Text *prev_trailing, TextVec *detached,
                            Text *next_leading)
{
    Collector c = {
        .s = s, .prev_trailing = prev_trailing, .detached = detached, .can_attach_to_prev = true
    };
    if (prev_trailing)
        *prev_trailing = (Text){ 0 };
    if (detached)
        detached->len = 0;
    if (next_leading)
        *next_leading = (Text){ 0 };

    if (s->current.type == TOK_START) {
        /* A UTF-8 byte order mark at the start is skipped. */
        if (s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0) {
            next_char(s);
            next_char(s);
            next_char(s);
        }
        c.can_attach_to_prev = false;
    } else {
        /* A comment on the same line belongs to the previous declaration. */
        skip_ws_no_nl(s);
        switch (try_comment_start(s)) {
        case LINE_COMMENT:
            consume_line_comment(s, buffer_for_line_comment(&c));
            flush(&c);
            break;
        case BLOCK_COMMENT:
            consume_block_comment(s, buffer_for_block_comment(&c));
            skip_ws_no_nl(s);
            if (!try_char(s, '\n')) {
                /* The next token is on the same line: nobody owns it. */
                clear_buffer(&c);
                return finish(&c, next_leading, tok_next(s));
            }
            flush(&c);
            break;
        case SLASH_NOT_COMMENT: return finish(&c, next_leading, true);
        case NO_COMMENT:
            if (!try_char(s, '\n'))
                return finish(&c, next_leading, tok_next(s));
            break;
        }
    }

    /* Now on the line after the previous token. */
    for (;;) {
        skip_ws_no_nl(s);
        switch (try_comment_start(s)) {
        case LINE_COMMENT: consume_line_comment(s, buffer_for_line_comment(&c)); break;
        case BLOCK_COMMENT:
            consume_block_comment(s, buffer_for_block_comment(&c));
            /* The rest of the line, so it does not count as a blank line. */
            skip_ws_no_nl(s);
            try_char(s, '\n');
            break;
        case SLASH_NOT_COMMENT: return finish(&c, next_leading, true);
        case NO_COMMENT:
            if (try_char(s, '\n')) {
                /* A blank line: what came before is not the next token's. */
                flush(&c);
                c.can_attach_to_prev = false;
            } else {
                bool result = tok_next(s);
                if (!result || tok_is(s, "}") || tok_is(s, "]") || tok_is(s, ")"))
                    /* The end of a scope: nothing follows to lead. */
                    flush(&c);
                return finish(&c, next_leading, result);
            }
            break;
        }
    }
}

bool tok_is(const Tokenizer *s, const char *text)
{
    size_t n = strlen(text);
    return s->current.type != TOK_END && s->current.type != TOK_START && s->current.len == n &&
           memcmp(s->text + s->current.off, text, n) == 0;
}

void tok_text_append(Arena *arena, Text *dst, const Text *src)
{
    size_t n = dst->len + src->len;
    char *data = arena_alloc(arena, n + 1);
    if (dst->len)
        memcpy(data, dst->data, dst->len);
    if (src->len)
        memcpy(data + dst->len, src->data, src->len);
    data[n] = '\0';
    dst->data = data;
    dst->len = dst->cap = n;
}
