/* test_escape.c -- yt_escape: the one HTML/SVG escaper and its presets;
 * yt_utf8_clean, the one valid-UTF-8 copy. */
#include "tu.h"
#include "yt_buf.h"
#include "yt_err.h"
#include "yt_escape.h"
#include "yt_utf8.h"

#include <stdlib.h>

static const char *esc(struct yt_buf *b, const char *s, long len,
                       unsigned flags)
{
    yt_buf_free(b);
    if (yt_escape(b, s, len, flags) != 0)
        return "(failed)";
    return yt_buf_str(b);
}

static void test_entities_everywhere(void)
{
    struct yt_buf b;

    yt_buf_init(&b, 1 << 16);
    TU_EQ_STR(esc(&b, "a&b<c>d\"e'f", -1, YT_ESC_HTML),
              "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    TU_EQ_STR(esc(&b, "a&b<c>d\"e'f", -1, YT_ESC_SVG),
              "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    TU_EQ_STR(esc(&b, "a&b<c>d\"e'f", -1, YT_ESC_HTML_ATTR),
              "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    yt_buf_free(&b);
}

static void test_presets_differ_where_they_should(void)
{
    struct yt_buf b;

    yt_buf_init(&b, 1 << 16);
    /* $ hidden from MathJax in HTML text only */
    TU_EQ_STR(esc(&b, "$5", -1, YT_ESC_HTML), "<span>$</span>5");
    TU_EQ_STR(esc(&b, "$5", -1, YT_ESC_HTML_ATTR), "$5");
    TU_EQ_STR(esc(&b, "$5", -1, YT_ESC_SVG), "$5");
    /* tab, newline, CR: kept in HTML, spaces in SVG */
    TU_EQ_STR(esc(&b, "a\tb\nc\rd", -1, YT_ESC_HTML), "a\tb\nc\rd");
    TU_EQ_STR(esc(&b, "a\tb\nc\rd", -1, YT_ESC_SVG), "a b c d");
    /* DEL and C1 (U+0085): kept in HTML, dropped in SVG */
    TU_EQ_STR(esc(&b, "a\177b\302\205c", -1, YT_ESC_HTML), "a\177b\302\205c");
    TU_EQ_STR(esc(&b, "a\177b\302\205c", -1, YT_ESC_SVG), "abc");
    yt_buf_free(&b);
}

static void test_invalid_and_forbidden(void)
{
    struct yt_buf b;

    yt_buf_init(&b, 1 << 16);
    /* NUL and other C0 controls dropped, U+FFFE dropped, a lone
     * continuation byte becomes U+FFFD, a real U+FFFD is kept */
    TU_EQ_STR(esc(&b, "a\0b\001c", 5, YT_ESC_HTML), "abc");
    TU_EQ_STR(esc(&b, "x\xef\xbf\xbey", -1, YT_ESC_SVG), "xy");
    TU_EQ_STR(esc(&b, "x\x80y", -1, YT_ESC_HTML), "x\xef\xbf\xbdy");
    TU_EQ_STR(esc(&b, "x\xef\xbf\xbdy", -1, YT_ESC_SVG), "x\xef\xbf\xbdy");
    TU_EQ_STR(esc(&b, "caf\xc3\xa9 \xe6\x97\xa5", -1, YT_ESC_HTML),
              "caf\xc3\xa9 \xe6\x97\xa5");
    /* NULL appends nothing but leaves a string */
    TU_EQ_STR(esc(&b, NULL, -1, YT_ESC_HTML), "");
    TU_CHECK(b.ptr != NULL);
    yt_buf_free(&b);
}

static void test_cap_reported(void)
{
    struct yt_buf b;

    yt_buf_init(&b, 8);
    TU_EQ_INT(yt_escape(&b, "<<<", -1, YT_ESC_HTML), YTK_E_TOOBIG);
    TU_EQ_INT(yt_escape(&b, "a", -1, YT_ESC_HTML), YTK_E_TOOBIG);
    yt_buf_free(&b);
}

static unsigned drop_c0(unsigned cp)
{
    return cp < 0x20 ? YT_UTF8_DROP : cp == 'x' ? 'y' : cp;
}

/* Each invalid byte becomes U+FFFD, valid text (a real U+FFFD too) is
 * kept byte for byte, and the map drops or replaces code points. */
static void test_utf8_clean(void)
{
    static const char in[] = "a\xff"
                             "b\xef\xbf\xef\xbf\xbd\xc3\xa9\x01x\n";
    char *c = yt_utf8_clean(in, sizeof(in) - 1, NULL);

    TU_EQ_STR(c, "a\xef\xbf\xbd"
                 "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                 "\xc3\xa9\x01x\n");
    free(c);
    c = yt_utf8_clean(in, sizeof(in) - 1, drop_c0);
    TU_EQ_STR(c, "a\xef\xbf\xbd"
                 "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                 "\xc3\xa9y");
    free(c);
    c = yt_utf8_clean("", 0, NULL);
    TU_EQ_STR(c, "");
    free(c);
}

int main(void)
{
    TU_RUN(test_entities_everywhere);
    TU_RUN(test_presets_differ_where_they_should);
    TU_RUN(test_invalid_and_forbidden);
    TU_RUN(test_cap_reported);
    TU_RUN(test_utf8_clean);
    return tu_report();
}
