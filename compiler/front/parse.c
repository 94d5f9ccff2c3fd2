/*
 * parse.c — the front end's entry point: one Source in, one File out.
 *
 * parse_file() runs the flex scanner (grammar/proto.l) and the bison parser
 * (grammar/proto.y) over the source and returns the File their actions
 * built (ast.c). The source may hold NUL bytes, so the scanner reads it as a
 * byte buffer of known length, never as a C string. Errors inside aggregate
 * option values are held back by the grammar and reported here, once the
 * whole file has been read, as protoc reports them.
 */
#include <string.h>

#include "internal.h"
#include "proto.lex.h"
#include "proto.tab.h"

File *parse_file(Source *src, Arena *arena, Diag *diag)
{
    File *file = arena_alloc(arena, sizeof *file);
    file->src = src;
    file->name = src->name;
    file->syntax = SYNTAX_PROTO2;

    ParseState ps;
    memset(&ps, 0, sizeof ps);
    ps.arena = arena;
    ps.diag = diag;
    ps.src = src;
    ps.file = file;
    ps.line = 1;
    ps.col = 1;

    yyscan_t scanner;
    if (yylex_init_extra(&ps, &scanner) != 0) {
        diag_error(diag, make_loc(&ps, 0, 0), "cannot start the scanner (out of memory)");
        file->parse_failed = true;
        return file;
    }
    if (src->len > (size_t)INT32_MAX - 2) {
        diag_error(diag, make_loc(&ps, 1, 1), "file is too large to parse (2 GB limit)");
        file->parse_failed = true;
        yylex_destroy(scanner);
        return file;
    }
    /* protoc skips a UTF-8 byte order mark at the start of a file. */
    size_t skip = 0;
    if (src->len >= 3 && memcmp(src->text, "\xef\xbb\xbf", 3) == 0)
        skip = 3;
    ps.offset = skip;
    /* The scanner reads the text where it lies (it ends in the two NULs
     * flex wants), rather than a copy. */
    YY_BUFFER_STATE buf = yy_scan_buffer(src->text + skip, src->len - skip + 2, scanner);
    int errors_before = diag->errors;
    int rc = yyparse(scanner, &ps);
    scan_restore(scanner);
    yy_delete_buffer(buf, scanner);
    yylex_destroy(scanner);
    if (rc != 0)
        file->parse_failed = true;

    /* Errors inside aggregate option values: protoc only gets to them when
     * the rest of the file parsed, so they are reported only then. */
    if (ps.agg_errors.len) {
        file->parse_failed = true;
        /* A value still open at the end: the brace-balanced run protoc reads
         * never ended, which protoc reports at the end of the file. */
        PendingError *last = &ps.agg_errors.items[ps.agg_errors.len - 1];
        if (!last->closed && !ps.too_deep && !ps.eof_error)
            diag_error(diag, make_loc(&ps, ps.line, ps.col),
                       "expected '}' to close aggregate value opened at %d:%d",
                       last->value_loc.line, last->value_loc.col);
        if (diag->errors == errors_before) {
            for (size_t i = 0; i < ps.agg_errors.len; i++) {
                PendingError *pe = &ps.agg_errors.items[i];
                diag_error(diag, pe->value_loc, "invalid aggregate value: %s", pe->msg);
                diag_note(diag, pe->loc, "the error is here");
            }
        }
    }
    /* protoc warns too: a file without `syntax` is proto2, which surprises
     * anyone who wrote proto3 and forgot the line. */
    if (!file->syntax_written && !file->parse_failed)
        diag_warning(diag, make_loc(&ps, 1, 1),
                     "no 'syntax' statement; the file is read as proto2 (add "
                     "'syntax = \"proto2\";' or 'syntax = \"proto3\";' to say which)");
    return file;
}
