/* ytk_utf8.h -- the one UTF-8 decoding rule of the project.
 *
 * Header-only so that kernel/ (which includes nothing from lib/) and lib/
 * share it: kn_wire's validator and fixer and lib's yt_utf8_next (which
 * every escaper and chart routine uses) are both built on
 * ytk_utf8_decode.  Strict UTF-8: no overlong forms, no surrogates, nothing
 * past U+10FFFF, no truncated sequences.  No allocation, no state.
 */
#ifndef YTK_UTF8_H
#define YTK_UTF8_H

#include <stddef.h>

/* Decode the sequence at s (n >= 1 bytes left, never read past): returns
 * its length (1..4) and sets *cp, or returns 0 when it is not valid UTF-8
 * (*cp is then left alone). */
static inline size_t ytk_utf8_decode(const unsigned char *s, size_t n,
                                     unsigned *cp)
{
    unsigned c = s[0], v;
    size_t len, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) ||
        (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

#endif /* YTK_UTF8_H */
