/*
 * gen_trpc_text.c — the service generator's layout: how its declarations,
 * function heads, statements and macros are laid out on the page.
 *
 * Generated code is meant to be read, so a long declaration wraps as a C
 * programmer wraps it (gen_trpc_wrap), and every public function comes as
 * a prototype with its name in parentheses, followed by a macro of the same
 * name that passes each argument through its _Generic guard
 * (gen_trpc_fn_declare). The server and client halves both write through
 * these, so both lay out their text alike.
 *
 * Text goes straight into a Buf that may be streaming to its file, so
 * nothing here reads back or edits what it has written there
 * (gen_trpc_macro lays its lines out in a Buf of its own first, to align
 * their continuations).
 */
#include <string.h>

#include "internal.h"

static void spaces(Buf *b, int n)
{
    for (int i = 0; i < n; i++)
        buf_putc(b, ' ');
}

void gen_trpc_wrap(Buf *b, int indent, const char *head, const char *open, const char *const *items,
                   size_t n, const char *close, const char *tail, int columns)
{
    size_t tail_len = strlen(close) + strlen(tail);
    size_t one = (size_t)indent + strlen(head) + strlen(open) + tail_len;
    size_t longest = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]) + (i + 1 < n ? 1 : tail_len);
        one += strlen(items[i]) + (i ? 2 : 0);
        if (len > longest)
            longest = len;
    }
    size_t cont = (size_t)indent + strlen(head) + strlen(open);
    bool one_line = one <= (size_t)columns || n == 0;
    /* Not even one item fits after OPEN: they start on the next line. */
    bool below = !one_line && cont + longest > (size_t)columns && *head;
    spaces(b, indent);
    if (below) {
        /* HEAD OPEN without the spaces that would end the line. The text is
         * trimmed before it is written, never after: the Buf may already
         * have streamed it to the file. */
        size_t n_head = strlen(head), n_open = strlen(open);
        while (n_open && open[n_open - 1] == ' ')
            n_open--;
        while (!n_open && n_head && head[n_head - 1] == ' ')
            n_head--;
        buf_put(b, head, n_head);
        buf_put(b, open, n_open);
    } else {
        buf_cat(b, head, open, NULL);
    }
    if (one_line) {
        for (size_t i = 0; i < n; i++)
            buf_cat(b, i ? ", " : "", items[i], NULL);
        buf_cat(b, close, tail, "\n", NULL);
        return;
    }
    if (below) {
        cont = (size_t)indent + 4;
        buf_putc(b, '\n');
        spaces(b, (int)cont);
    }
    size_t col = cont;
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(items[i]) + (i + 1 < n ? 1 : tail_len);
        if (!first && col + 1 + len > (size_t)columns) {
            buf_putc(b, '\n');
            spaces(b, (int)cont);
            col = cont;
            first = true;
        }
        if (!first) {
            buf_putc(b, ' ');
            col++;
        }
        buf_puts(b, items[i]);
        if (i + 1 < n)
            buf_putc(b, ',');
        else
            buf_cat(b, close, tail, NULL);
        col += len;
        first = false;
    }
    buf_putc(b, '\n');
}

void gen_trpc_proto(Buf *b, const char *ret, const char *name, const char *const *params, size_t n,
                    const char *tail)
{
    size_t len = strlen(ret);
    const char *sep = len && ret[len - 1] == '*' ? "" : " ";
    char head[512];
    snprintf(head, sizeof head, "%s%s(%s)", ret, sep, name);
    if (strlen(head) + 2 >= sizeof head) {
        /* Absurdly long names: no alignment, same text. */
        buf_cat(b, ret, sep, "(", name, ")", NULL);
        gen_trpc_wrap(b, 0, "", "(", params, n, ")", tail, GEN_TRPC_COLUMNS);
        return;
    }
    gen_trpc_wrap(b, 0, head, "(", params, n, ")", tail, GEN_TRPC_COLUMNS);
}

void gen_trpc_stmt(Buf *b, int indent, const char *head, const char *const *items, size_t n,
                   const char *tail)
{
    gen_trpc_wrap(b, indent, head, "(", items, n, ")", tail, GEN_TRPC_COLUMNS);
}

void gen_trpc_handle_type(TGen *g, const char *name, const char *base)
{
    /* clang-format off */
    buf_cat(&g->h, "typedef struct ", name, " {\n"
            "    ", base, " *const base;\n"
            "} ", name, ";\n", NULL);
    /* clang-format on */
}

void gen_trpc_fn_type(TGen *g, const char *ret, const char *name, const char *const *params,
                      size_t n)
{
    gen_trpc_wrap(&g->h, 0, TFMT(g, "typedef %s %s", ret, name), "(", params, n, ")", ";",
                  GEN_TRPC_COLUMNS);
}

void gen_trpc_macro(TGen *g, const char *name, const char *const *args, size_t n_args,
                    const char *callee, const char *const *items, size_t n_items)
{
    Buf tmp = { 0 };
    buf_cat(&tmp, "#define ", name, "(", NULL);
    for (size_t i = 0; i < n_args; i++)
        buf_cat(&tmp, i ? ", " : "", args[i], NULL);
    buf_puts(&tmp, ")\n");
    gen_trpc_wrap(&tmp, 4, TFMT(g, "(%s)", callee), "(", items, n_items, ")", "",
                  GEN_TRPC_COLUMNS - 2);

    /* Align the line continuations one column past the longest line. */
    size_t width = 0, start = 0;
    for (size_t i = 0; i < tmp.len; i++) {
        if (tmp.data[i] != '\n')
            continue;
        if (i - start > width && i + 1 < tmp.len)
            width = i - start;
        start = i + 1;
    }
    start = 0;
    for (size_t i = 0; i < tmp.len; i++) {
        if (tmp.data[i] != '\n')
            continue;
        buf_put(&g->h, tmp.data + start, i - start);
        if (i + 1 < tmp.len) {
            spaces(&g->h, (int)(width - (i - start)));
            buf_puts(&g->h, " \\");
        }
        buf_putc(&g->h, '\n');
        start = i + 1;
    }
    buf_free(&tmp);
}

/* ---- public functions: a prototype and its guarding macro ---- */

void gen_trpc_fn_param(TFn *fn, const char *decl, const char *name, TGuard guard, const char *type)
{
    if (fn->n < GEN_TRPC_MAX_PARAMS)
        fn->p[fn->n++] = (TParam){ decl, name, guard, type };
}

void gen_trpc_fn_declare(TGen *g, const TFn *fn)
{
    const char *params[GEN_TRPC_MAX_PARAMS];
    const char *args[GEN_TRPC_MAX_PARAMS];
    const char *items[GEN_TRPC_MAX_PARAMS];
    for (size_t i = 0; i < fn->n; i++) {
        const TParam *p = &fn->p[i];
        params[i] = p->decl;
        args[i] = p->name;
        switch (p->guard) {
        case G_IN: items[i] = TFMT(g, "TRPC_IN(%s, %s)", p->type, p->name); break;
        case G_OUT: items[i] = TFMT(g, "TRPC_OUT(%s, %s)", p->type, p->name); break;
        case G_OPT: items[i] = TFMT(g, "TRPC_OPT(%s, %s)", p->type, p->name); break;
        case G_PLAIN: items[i] = TFMT(g, "(%s)", p->name); break;
        }
    }
    gen_trpc_proto(&g->h, fn->ret, fn->name, params, fn->n, ";");
    gen_trpc_macro(g, fn->name, args, fn->n, fn->name, items, fn->n);
}

void gen_trpc_fn_define(TGen *g, const TFn *fn)
{
    const char *params[GEN_TRPC_MAX_PARAMS];
    for (size_t i = 0; i < fn->n; i++)
        params[i] = fn->p[i].decl;
    buf_puts(&g->src, "\n");
    gen_trpc_proto(&g->src, fn->ret, fn->name, params, fn->n, "");
}
