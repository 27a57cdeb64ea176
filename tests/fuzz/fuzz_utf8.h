/* fuzz_utf8.h -- the fuzz targets' own UTF-8 validator.
 *
 * Written independently of lib/yt_utf8.c on purpose: an oracle must not share
 * code with what it checks.  Header-only (static inline), included by the
 * targets that need it.
 */
#ifndef FUZZ_UTF8_H
#define FUZZ_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the well-formed UTF-8 sequence that p[0..n)
 * starts with (n > 0), its code point in *cp; 0 when that sequence is
 * malformed (a stray byte, cut short, an overlong, a surrogate or a code
 * point above U+10FFFF). */
static inline size_t utf8_decode(const unsigned char *p, size_t n, unsigned *cp)
{
    unsigned c = p[0];
    size_t len, k;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        *cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        *cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        *cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[k] & 0x3F);
    }
    if ((len == 3 && *cp < 0x800) || (len == 4 && *cp < 0x10000) ||
        *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

/* 1 when p[0..n) is well-formed UTF-8 (utf8_decode accepts every
 * sequence), else 0. */
static inline int utf8_ok(const unsigned char *p, size_t n)
{
    size_t i = 0, len;
    unsigned cp;

    while (i < n) {
        len = utf8_decode(p + i, n - i, &cp);
        if (!len)
            return 0;
        i += len;
    }
    return 1;
}

#endif /* FUZZ_UTF8_H */
