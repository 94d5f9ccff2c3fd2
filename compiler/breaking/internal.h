/*
 * breaking/internal.h — what the files of the breaking-change check share.
 *
 * A ladder, each file calling only the ones below it; the driver, the
 * `typerpc breaking` subcommand, is compiler/breaking_cli.c, above them all:
 *
 *   breaking.c        files, messages, enums, services, extensions: what
 *                     exists in the old version must exist in the new one
 *   breaking_field.c  one field number: name, type, label, oneof, default;
 *                     field removal; reserved numbers and names; the
 *                     helpers for types and options
 *   report.c          brk_error, brk_note: how every finding is reported
 */
#ifndef TYPERPC_BREAKING_INTERNAL_H
#define TYPERPC_BREAKING_INTERNAL_H

#include "compiler.h"

/* One comparison of an old file with its new version. */
typedef struct Cmp {
    Diag *diag;   /* findings go here */
    Arena *arena; /* message text (diag->arena) */
    const File *old_file;
    const File *new_file;
    int count; /* breaking changes reported */
} Cmp;

/* ---- report.c ---- */

/* A breaking change: an error at its place in the new file. */
void brk_error(Cmp *c, Loc at, const char *fmt, ...) TRPC_PRINTF(3, 4);
/* The note under the last error: where the element was in the old file. */
void brk_note(Cmp *c, Loc at, const char *fmt, ...) TRPC_PRINTF(3, 4);

/* ---- breaking_field.c ---- */

/* A named type's full name as `side` sees it: without side's package when
 * the type (declared in `def`) is in that package, else with a leading '.'. */
const char *brk_type_key(Cmp *c, const char *full_name, const File *def, const File *side);

/* Numbers and names: whether a range list holds n, whether a name is
 * reserved, the first number of [start, end] no range covers (false when
 * all are covered), and a range as "5" or "5 to 7". */
bool brk_range_has(const RangeVec *ranges, int64_t n);
bool brk_name_reserved(const ReservedNameVec *names, const char *name);
bool brk_first_uncovered(const RangeVec *ranges, int64_t start, int64_t end, int64_t *out);
const char *brk_range_text(Cmp *c, const Range *rg);

/* A plain option's value, or NULL; an identifier option's text, or absent. */
const Value *brk_plain_option(const OptionVec *opts, const char *name);
const char *brk_ident_option(const OptionVec *opts, const char *name, const char *absent);

Field *brk_field_by_number(const Message *m, int64_t number);
/* Everything about one field number that old code or old data relies on. */
void brk_compare_field(Cmp *c, const Field *fo, const Field *fn);
/* Old field fo has no field with its number in mn: renumbered, removed
 * with number and name reserved (safe unless required), or removed. */
void brk_field_gone(Cmp *c, const Message *mn, const Field *fo);
/* Old reservations must stay reserved in the new message or enum; a new
 * field (user_msg) or value (user_enum) on a formerly reserved number is
 * reported at that number. */
void brk_compare_reserved(Cmp *c, const RangeVec *ro, const ReservedNameVec *no, const RangeVec *rn,
                          const ReservedNameVec *nn, Loc parent_loc, const char *kind,
                          const char *parent, const Message *user_msg, const Enum *user_enum);

#endif /* TYPERPC_BREAKING_INTERNAL_H */
