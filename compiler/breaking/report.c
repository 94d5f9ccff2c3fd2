/*
 * report.c — how the breaking-change check reports, at the bottom of the
 * stage: every finding is an error at the new location (brk_error), counted
 * in the comparison, with a note at the old one (brk_note). breaking.c and
 * breaking_field.c report through here and nothing here calls back up.
 */
#include <stdarg.h>

#include "internal.h"

/* One breaking change: an error at its new location. */
void brk_error(Cmp *c, Loc at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(c->diag, DIAG_ERROR, at, fmt, ap);
    va_end(ap);
    c->count++;
}

/* The note under the last error: where the element was in the old file. */
void brk_note(Cmp *c, Loc at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(c->diag, DIAG_NOTE, at, fmt, ap);
    va_end(ap);
}
