/*
 * diag.c — diagnostics in the shape C programmers know.
 *
 *   foo.proto:12:17: error: field number 3 is already used by 'a'
 *      12 |   int32 b = 3;
 *         |             ^
 *   foo.proto:11:17: note: first used here
 *
 * Stages report in whatever order they discover problems; messages are
 * buffered and diag_flush prints them in source order (file load order, line,
 * column), each error or warning followed by its notes. Colour is used only
 * when the driver says the output is a terminal and NO_COLOR is unset.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

/* A source line longer than this is shown as a window around the column, so
 * a 50 MB one-line file cannot flood the terminal. */
#define DIAG_LINE_WINDOW 160

void diag_init(Diag *diag, Arena *arena, FILE *out, bool color)
{
    memset(diag, 0, sizeof *diag);
    diag->arena = arena;
    diag->out = out;
    diag->color = color;
}

static void diag_add(Diag *diag, DiagLevel level, Loc loc, const char *fmt, va_list ap)
    TRPC_PRINTF(4, 0);

static void diag_add(Diag *diag, DiagLevel level, Loc loc, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *text = arena_alloc(diag->arena, n > 0 ? (size_t)n + 1 : 1);
    if (n > 0)
        vsnprintf(text, (size_t)n + 1, fmt, ap);

    DiagMsg msg = { .level = level,
                    .loc = loc,
                    .text = text,
                    .seq = diag->msgs.len,
                    .parent = diag->msgs.len,
                    .sort_loc = loc };
    if (level == DIAG_NOTE && diag->msgs.len > 0) {
        /* A note explains the message before it (or that one's parent). */
        const DiagMsg *prev = &diag->msgs.items[diag->msgs.len - 1];
        msg.parent = prev->parent;
        msg.sort_loc = prev->sort_loc;
    }
    VEC_PUSH(diag->arena, &diag->msgs, msg);
}

void diag_vreport(Diag *diag, DiagLevel level, Loc loc, const char *fmt, va_list ap)
{
    diag_add(diag, level, loc, fmt, ap);
    if (level == DIAG_ERROR)
        diag->errors++;
    else if (level == DIAG_WARNING)
        diag->warnings++;
}

void diag_error(Diag *diag, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(diag, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
}

void diag_warning(Diag *diag, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(diag, DIAG_WARNING, loc, fmt, ap);
    va_end(ap);
}

void diag_note(Diag *diag, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(diag, DIAG_NOTE, loc, fmt, ap);
    va_end(ap);
}

/* Sort key of a message: the position of the error or warning it belongs to,
 * so notes travel with their parent. */
static int loc_compare(Loc a, Loc b)
{
    int ia = a.src ? a.src->index : -1;
    int ib = b.src ? b.src->index : -1;
    if (ia != ib)
        return ia < ib ? -1 : 1;
    if (a.line != b.line)
        return a.line < b.line ? -1 : 1;
    if (a.col != b.col)
        return a.col < b.col ? -1 : 1;
    return 0;
}

static int msg_compare(const void *pa, const void *pb)
{
    const DiagMsg *a = pa, *b = pb;
    int c = loc_compare(a->sort_loc, b->sort_loc);
    if (c)
        return c;
    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Line starts of one source, computed once per flush when first needed, so
 * printing many messages (notes point backwards, so lines are not visited in
 * order) costs one scan of each file, not one per message. */
typedef struct LineIndex {
    const Source *src;
    size_t *starts; /* starts[k]: offset of line k+1 */
    size_t count;
} LineIndex;

static void line_index_build(LineIndex *idx, const Source *src)
{
    free(idx->starts);
    idx->src = src;
    idx->count = 1;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n')
            idx->count++;
    idx->starts = malloc(idx->count * sizeof *idx->starts);
    if (!idx->starts)
        abort();
    size_t k = 0;
    idx->starts[k++] = 0;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n')
            idx->starts[k++] = i + 1;
}

/* Indexes of every source a flush touches (notes may point at other files). */
typedef struct LineIndexes {
    LineIndex *items;
    size_t len;
} LineIndexes;

/* The offset where `line` starts, or (size_t)-1 past the end of the file. */
static size_t line_start(LineIndexes *all, const Source *src, int line)
{
    LineIndex *idx = NULL;
    for (size_t i = 0; i < all->len && !idx; i++)
        if (all->items[i].src == src)
            idx = &all->items[i];
    if (!idx) {
        LineIndex *grown = realloc(all->items, (all->len + 1) * sizeof *grown);
        if (!grown)
            abort();
        all->items = grown;
        idx = &all->items[all->len++];
        idx->starts = NULL;
        line_index_build(idx, src);
    }
    if (line < 1 || (size_t)line > idx->count)
        return (size_t)-1;
    return idx->starts[line - 1];
}

static void put_source_byte(FILE *out, unsigned char ch)
{
    /* Control bytes would garble the terminal; show them as '?'. */
    if (ch == '\t' || (ch >= 0x20 && ch != 0x7f))
        fputc(ch, out);
    else
        fputc('?', out);
}

static void print_source_line(Diag *diag, LineIndexes *idx, Loc loc)
{
    const Source *src = loc.src;
    if (!src || loc.line < 1)
        return;
    size_t start = line_start(idx, src, loc.line);
    if (start == (size_t)-1)
        return;
    const char *nl = memchr(src->text + start, '\n', src->len - start);
    size_t end = nl ? (size_t)(nl - src->text) : src->len;
    if (end > start && src->text[end - 1] == '\r')
        end--;

    size_t caret = loc.col > 0 ? (size_t)loc.col - 1 : 0;
    if (caret > end - start)
        caret = end - start;
    size_t from = start, to = end;
    bool cut_left = false, cut_right = false;
    if (end - start > DIAG_LINE_WINDOW) {
        if (caret > DIAG_LINE_WINDOW / 2) {
            from = start + caret - DIAG_LINE_WINDOW / 2;
            cut_left = true;
        }
        if (to - from > DIAG_LINE_WINDOW) {
            to = from + DIAG_LINE_WINDOW;
            cut_right = true;
        }
    }

    FILE *out = diag->out;
    fprintf(out, "%5d | %s", loc.line, cut_left ? "..." : "");
    for (size_t i = from; i < to; i++)
        put_source_byte(out, (unsigned char)src->text[i]);
    fprintf(out, "%s\n      | %s", cut_right ? "..." : "", cut_left ? "   " : "");
    /* Copy tabs so the caret lines up however the terminal expands them. */
    for (size_t i = from; i < start + caret && i < to; i++)
        fputc(src->text[i] == '\t' ? '\t' : ' ', out);
    fprintf(out, "%s^%s\n", diag->color ? "\033[1;32m" : "", diag->color ? "\033[0m" : "");
}

void diag_flush(Diag *diag)
{
    size_t n = diag->msgs.len;
    if (n == 0)
        return;
    /* qsort is not stable, but the comparison ends on the unique seq. */
    DiagMsg *sorted = diag->msgs.items;
    qsort(sorted, n, sizeof *sorted, msg_compare);

    static const char *const level_name[] = { "error", "warning", "note" };
    static const char *const level_color[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m" };
    LineIndexes idx = { 0 };
    for (size_t i = 0; i < n; i++) {
        const DiagMsg *m = &sorted[i];
        FILE *out = diag->out;
        if (diag->color)
            fputs("\033[1m", out);
        if (m->loc.src)
            fprintf(out, "%s:%d:%d: ", m->loc.src->name, m->loc.line, m->loc.col);
        else
            fputs("typerpc: ", out);
        if (diag->color)
            fprintf(out, "%s%s:\033[0m\033[1m %s\033[0m\n", level_color[m->level],
                    level_name[m->level], m->text);
        else
            fprintf(out, "%s: %s\n", level_name[m->level], m->text);
        print_source_line(diag, &idx, m->loc);
    }
    for (size_t i = 0; i < idx.len; i++)
        free(idx.items[i].starts);
    free(idx.items);
    fflush(diag->out);
    diag->msgs.len = 0;
}
