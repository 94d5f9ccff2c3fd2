/*
 * scan.c — what the flex scanner (grammar/proto.l) needs beyond flex: the
 * position across tokens that span lines, and the decoding of literals.
 *
 * The literal helpers turn token text into values exactly as protoc does:
 * string escapes (C escapes, octal, \x hex, \u and \U to UTF-8, with UTF-16
 * surrogate pairs joined) and integers in decimal, hex and octal, with 64-bit
 * overflow reported instead of wrapping.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- positions ---- */

void scan_lines(ParseState *ps, const char *text, size_t len)
{
    /* The position was already moved len columns on; redo it line by line. */
    const char *end = text + len;
    const char *nl = memchr(text, '\n', len);
    if (!nl)
        return;
    while (nl) {
        ps->line++;
        text = nl + 1;
        nl = memchr(text, '\n', (size_t)(end - text));
    }
    ps->col = 1 + (int)(end - text);
}

/* ---- string literals ---- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Read exactly n hex digits at p (bounded by end) into *out. */
static bool read_hex(const char *p, const char *end, int n, uint32_t *out)
{
    uint32_t v = 0;
    if (end - p < n)
        return false;
    for (int i = 0; i < n; i++) {
        int d = hex_value(p[i]);
        if (d < 0)
            return false;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return true;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    unsigned char *o = (unsigned char *)out;
    if (cp <= 0x7f) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp <= 0x7ff) {
        o[0] = (unsigned char)(0xc0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp <= 0xffff) {
        o[0] = (unsigned char)(0xe0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    if (cp <= 0x10ffff) {
        o[0] = (unsigned char)(0xf0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        o[3] = (unsigned char)(0x80 | (cp & 0x3f));
        return 4;
    }
    /* Beyond Unicode (\U0011xxxx..\U001fffff): protoc keeps the escape as
     * text, and so do we. Ten bytes, from ten bytes of input. */
    char tmp[16];
    snprintf(tmp, sizeof tmp, "\\U%08x", (unsigned)cp);
    memcpy(out, tmp, 10);
    return 10;
}

StrLit scan_string_literal(ParseState *ps, const char *text, size_t len, Loc loc)
{
    StrLit r;
    r.s = arena_alloc(ps->arena, len + 1);
    r.cap = len + 1;
    char *o = r.s;
    const char *p = text, *end = text + len;
    while (p < end) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        Loc eloc = loc;
        eloc.col += 1 + (int)(p - text);
        p++; /* the backslash; the scanner guarantees a character follows */
        if (p >= end)
            break;
        char c = *p++;
        switch (c) {
        case 'a': *o++ = '\a'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'v': *o++ = '\v'; break;
        case '\\':
        case '\'':
        case '"':
        case '?': *o++ = c; break;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
            /* One to three octal digits; like protoc, \400..\777 keep the low byte. */
            unsigned v = (unsigned)(c - '0');
            for (int i = 0; i < 2 && p < end && *p >= '0' && *p <= '7'; i++)
                v = v * 8 + (unsigned)(*p++ - '0');
            *o++ = (char)(v & 0xff);
            break;
        }
        case 'x': {
            int d = p < end ? hex_value(*p) : -1;
            if (d < 0) {
                parse_error(ps, eloc, "\\x must be followed by hex digits");
                break;
            }
            unsigned v = (unsigned)d;
            p++;
            if (p < end && hex_value(*p) >= 0)
                v = v * 16 + (unsigned)hex_value(*p++);
            *o++ = (char)v;
            break;
        }
        case 'u':
        case 'U': {
            int n = c == 'u' ? 4 : 8;
            uint32_t cp;
            if (!read_hex(p, end, n, &cp) || (c == 'U' && cp > 0x1fffff)) {
                if (c == 'u')
                    parse_error(ps, eloc, "\\u must be followed by four hex digits");
                else
                    parse_error(ps, eloc,
                                "\\U must be followed by eight hex digits (at most 0010ffff)");
                break;
            }
            p += n;
            /* A UTF-16 head surrogate followed by \u and a trail surrogate
             * is one code point; a lone surrogate is encoded as it stands. */
            uint32_t trail;
            if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                read_hex(p + 2, end, 4, &trail) && trail >= 0xdc00 && trail <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (trail - 0xdc00);
                p += 6;
            }
            o += put_utf8(o, cp);
            break;
        }
        default:
            if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
                parse_error(ps, eloc, "invalid escape sequence '\\%c' in string", c);
            else
                parse_error(ps, eloc, "invalid escape sequence (\\ followed by byte 0x%02x)",
                            (unsigned)(unsigned char)c);
            break;
        }
    }
    *o = '\0';
    r.len = (size_t)(o - r.s);
    return r;
}

/* ---- integer literals ---- */

IntLit scan_int_literal(ParseState *ps, const char *text, size_t len, Loc loc)
{
    IntLit r = { .u = 0, .base = 10 };
    const char *p = text, *end = text + len;
    if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        r.base = 16;
        p += 2;
    } else if (len > 1 && p[0] == '0') {
        r.base = 8;
        p++;
    }
    uint64_t v = 0, base = (uint64_t)r.base;
    for (; p < end; p++) {
        uint64_t d = (uint64_t)hex_value(*p);
        if (v > (UINT64_MAX - d) / base) {
            r.u = UINT64_MAX;
            /* protoc's tokenizer takes any digits. Its text format reader
             * takes a decimal one too large for 64 bits as a float or double
             * value, so inside an aggregate the option checker decides. */
            if (ast_aggregate_is_open(ps)) {
                r.overflow = true;
                r.text = arena_strndup(ps->arena, text, len);
                if (r.base == 10) {
                    r.d = strtod(r.text, NULL);
                } else {
                    /* Only the checker's "decimal only" error reads it. */
                    r.d = 0;
                    for (const char *q = text + (r.base == 16 ? 2 : 1); q < end; q++)
                        r.d = r.d * r.base + hex_value(*q);
                }
                return r;
            }
            /* Anywhere else protoc's parser finds it too large. */
            parse_error(ps, loc, "integer %.*s is too large (the limit is 2^64 - 1)",
                        (int)(len > 40 ? 40 : len), text);
            ps->overflow_loc = loc;
            return r;
        }
        v = v * base + d;
    }
    r.u = v;
    return r;
}
