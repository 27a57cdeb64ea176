/* fuzz_svg_escape.c -- libFuzzer target: the SVG text escaper.
 *
 * Any bytes (NULs included) go through ch_svg_escape; the output must be
 * well-formed XML character data: no raw '<', '>', '"' or '\'', every '&'
 * starts one of our five entities, valid UTF-8 throughout, no character XML
 * forbids.  The same bytes also go through the text-width estimate, the
 * label cutter (which must cut on code point boundaries of what it keeps) and
 * the ISO-8601 parser, which must not crash; the PNG's bidi reordering must
 * return valid UTF-8 with as many code points as it was given. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ch_draw.h"
#include "ch_svg.h"
#include "ch_ticks.h"
#include "fuzz_utf8.h"
#include "yt_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_escaped(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned cp;
        size_t len;

        if (p[i] == '<' || p[i] == '>' || p[i] == '"' || p[i] == '\'')
            abort();
        if (p[i] == '&' && strncmp(s + i, "&amp;", 5) != 0 &&
            strncmp(s + i, "&lt;", 4) != 0 && strncmp(s + i, "&gt;", 4) != 0 &&
            strncmp(s + i, "&quot;", 6) != 0 && strncmp(s + i, "&#39;", 5) != 0)
            abort();
        len = utf8_decode(p + i, n - i, &cp);
        if (!len)
            abort(); /* invalid UTF-8 survived */
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE ||
            cp == 0xFFFF)
            abort(); /* control characters (tab/newline become spaces) */
        i += len;
    }
    if (strlen(s) != n)
        abort(); /* a NUL got through */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yt_buf b;
    char *z, *cut;
    double secs;
    int has;

    yt_buf_init(&b, 1 << 24);
    if (ch_svg_escape(&b, (const char *)data, (long)size) != 0)
        abort();
    check_escaped(yt_buf_str(&b), b.len);
    yt_buf_free(&b);

    z = malloc(size + 1);
    if (!z)
        return 0;
    memcpy(z, data, size);
    z[size] = '\0';
    (void)ch_text_width(z, 11, size & 1);
    cut = ch_text_fit(z, 11, 60);
    if (cut) {
        yt_buf_init(&b, 1 << 24);
        if (ch_svg_escape(&b, cut, -1) != 0)
            abort();
        check_escaped(yt_buf_str(&b), b.len);
        yt_buf_free(&b);
        free(cut);
    }
    (void)ch_parse_time(z, &secs, &has);
    {
        char *vis = ch_text_visual(z);

        if (vis) {
            size_t nin = 0, nout = 0, i, nz = strlen(z), nv = strlen(vis);
            unsigned cp;

            for (i = 0; i < nz; nin++)
                i += yt_utf8_next((const unsigned char *)z + i, nz - i, &cp);
            for (i = 0; i < nv; nout++) {
                size_t len =
                    yt_utf8_next((const unsigned char *)vis + i, nv - i, &cp);

                if (cp == 0xFFFD && len == 1 &&
                    memcmp(vis + i, "\xEF\xBF\xBD", 3) != 0)
                    abort(); /* invalid UTF-8 produced */
                i += len;
            }
            if (nin != nout)
                abort();
            free(vis);
        }
    }
    free(z);
    return 0;
}
