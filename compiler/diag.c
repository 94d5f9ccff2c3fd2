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
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *text = arena_alloc(diag->arena, n > 0 ? (size_t)n + 1 : 1);
    if (n > 0)
        vsnprintf(text, (size_t)n + 1, fmt, ap);

    DiagMsg msg = { .level = level, .loc = loc, .text = text, .seq = diag->msgs.len };
    if (level == DIAG_NOTE) {
        /* Find the error or warning this note explains. */
        msg.parent = msg.seq;
        for (size_t i = diag->msgs.len; i-- > 0;) {
            if (diag->msgs.items[i].level != DIAG_NOTE) {
                msg.parent = diag->msgs.items[i].seq;
                break;
            }
        }
    } else {
        msg.parent = msg.seq;
    }
    VEC_PUSH(diag->arena, &diag->msgs, msg);
}

void diag_error(Diag *diag, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(diag, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
    diag->errors++;
}

void diag_warning(Diag *diag, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(diag, DIAG_WARNING, loc, fmt, ap);
    va_end(ap);
    diag->warnings++;
}

void diag_note(Diag *diag, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(diag, DIAG_NOTE, loc, fmt, ap);
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

static const DiagMsg *sort_msgs;

static int msg_compare(const void *pa, const void *pb)
{
    const DiagMsg *a = pa, *b = pb;
    const DiagMsg *pa_parent = &sort_msgs[a->parent];
    const DiagMsg *pb_parent = &sort_msgs[b->parent];
    int c = loc_compare(pa_parent->loc, pb_parent->loc);
    if (c)
        return c;
    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Find the start of line `line` in src, walking forward from a cursor when
 * possible (messages come sorted, so this is linear over a whole flush). */
typedef struct LineCursor {
    const Source *src;
    int line;
    size_t offset;
} LineCursor;

static size_t line_start(LineCursor *cur, const Source *src, int line)
{
    if (cur->src != src || cur->line > line) {
        cur->src = src;
        cur->line = 1;
        cur->offset = 0;
    }
    while (cur->line < line && cur->offset < src->len) {
        const char *nl = memchr(src->text + cur->offset, '\n', src->len - cur->offset);
        if (!nl) {
            cur->offset = src->len;
            break;
        }
        cur->offset = (size_t)(nl - src->text) + 1;
        cur->line++;
    }
    return cur->offset;
}

static void put_source_byte(FILE *out, unsigned char ch)
{
    /* Control bytes would garble the terminal; show them as '?'. */
    if (ch == '\t' || (ch >= 0x20 && ch != 0x7f))
        fputc(ch, out);
    else
        fputc('?', out);
}

static void print_source_line(Diag *diag, LineCursor *cur, Loc loc)
{
    const Source *src = loc.src;
    if (!src || loc.line < 1)
        return;
    size_t start = line_start(cur, src, loc.line);
    if (cur->line != loc.line)
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
    sort_msgs = diag->msgs.items;
    /* qsort is not stable, but the comparison ends on the unique seq. A copy
     * keeps parent lookups (by seq, i.e. original index) valid. */
    DiagMsg *sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        abort();
    memcpy(sorted, diag->msgs.items, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, msg_compare);

    static const char *const level_name[] = { "error", "warning", "note" };
    static const char *const level_color[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m" };
    LineCursor cur = { 0 };
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
        print_source_line(diag, &cur, m->loc);
    }
    fflush(diag->out);
    free(sorted);
    sort_msgs = NULL;
    diag->msgs.len = 0;
}
