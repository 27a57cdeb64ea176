/* yt_escape.c -- HTML/SVG escaping.  See yt_escape.h. */
#include "yt_escape.h"

#include <string.h>

#include "yt_err.h"
#include "yt_utf8.h"

/* The replacement for one code point: an entity, "" to drop it, or NULL to
 * copy its bytes unchanged. */
static const char *replacement(unsigned cp, size_t clen, unsigned flags)
{
    switch (cp) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    case '$':
        return flags & YT_ESC_DOLLAR ? "<span>$</span>" : NULL;
    case '\t':
    case '\n':
    case '\r':
        return flags & YT_ESC_WS_SPACE ? " " : NULL;
    default:
        break;
    }
    if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF)
        return ""; /* XML 1.0 forbids them */
    if ((flags & YT_ESC_NO_C1) && cp >= 0x7F && cp <= 0x9F)
        return "";
    if (cp == 0xFFFD && clen == 1)
        return "\xEF\xBF\xBD"; /* an invalid byte */
    return NULL;
}

int yt_escape(struct yt_buf *b, const char *s, long len, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n, i = 0, run = 0;
    int rc;

    if (!s)
        return yt_buf_add(b, "", 0);
    n = len < 0 ? strlen(s) : (size_t)len;
    /* `run` = start of the pending stretch of bytes copied unchanged. */
    while (i < n) {
        unsigned cp = p[i];
        size_t clen = 1;
        const char *rep;

        if (cp >= 0x80)
            clen = yt_utf8_next(p + i, n - i, &cp);
        rep = replacement(cp, clen, flags);
        if (!rep) {
            i += clen;
            continue;
        }
        if (i > run && (rc = yt_buf_add(b, p + run, i - run)) != 0)
            return rc;
        if ((rc = yt_buf_adds(b, rep)) != 0)
            return rc;
        i += clen;
        run = i;
    }
    YTK_ASSERT(run <= n);
    return yt_buf_add(b, p + run, n - run);
}
