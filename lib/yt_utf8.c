/* yt_utf8.c -- UTF-8 decoding and encoding.  See yt_utf8.h. */
#include "yt_utf8.h"

#include <stdlib.h>

#include "yt_err.h"
#include "ytk_utf8.h"

size_t yt_utf8_next(const unsigned char *s, size_t n, unsigned *cp)
{
    size_t len;

    YTK_ASSERT(n >= 1);
    len = ytk_utf8_decode(s, n, cp);
    if (!len) {
        *cp = 0xFFFD;
        return 1;
    }
    YTK_ASSERT(len <= n && *cp <= 0x10FFFF && (*cp < 0xD800 || *cp > 0xDFFF));
    return len;
}

size_t yt_utf8_encode(unsigned cp, char out[4])
{
    YTK_ASSERT(cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF));
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *yt_utf8_clean(const char *s, size_t n, yt_utf8_map_fn map)
{
    char *out = malloc(n * 4 + 1); /* a byte read, at most 4 written */
    size_t i = 0, o = 0;

    if (!out)
        return NULL;
    while (i < n) {
        unsigned cp;

        i += yt_utf8_next((const unsigned char *)s + i, n - i, &cp);
        if (map)
            cp = map(cp);
        if (cp != YT_UTF8_DROP)
            o += yt_utf8_encode(cp, out + o);
    }
    out[o] = '\0';
    return out;
}
