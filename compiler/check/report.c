/*
 * report.c — how the resolve stage reports, at the bottom of the stage.
 *
 * Every check of every phase reports through rerror, rwarning and rnote.
 * The driver (resolve.c) counts the errors a phase added and runs no later
 * phase on a file that has any: their errors would only be consequences.
 * Nothing here calls back up into the stage.
 */
#include <stdarg.h>

#include "internal.h"

/* Errors are reported as found; diag_flush prints them in source order, so a
 * user sees every independent error of a phase, first to last in the file. */
void rerror(Resolver *r, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(r->diag, DIAG_ERROR, loc, fmt, ap);
    va_end(ap);
}

void rwarning(Resolver *r, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(r->diag, DIAG_WARNING, loc, fmt, ap);
    va_end(ap);
}

void rnote(Resolver *r, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vreport(r->diag, DIAG_NOTE, loc, fmt, ap);
    va_end(ap);
}
