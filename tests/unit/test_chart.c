/* test_chart.c -- charts: ticks, date ticks, log ticks, number labels, LTTB,
 * SVG escaping, golden SVGs per kind, PNG decoding, a million-point plot,
 * Vega-Lite specs (golden per kind, size cap, hostile text as data), point
 * labels.
 *
 * Golden files live in tests/golden/chart/NAME.svg and NAME.vl.json (the
 * Vega-Lite spec; tests/py/test_vega.py validates those against the official
 * schema and renders them) and are compared byte for byte;
 * YTK_UPDATE_GOLDEN=1 rewrites them (inspect the PNGs written next to
 * them in $YTK_CHART_OUT, default build dir or /tmp, before committing).
 */
#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ch_chart.h"
#include "ch_draw.h"
#include "ch_lttb.h"
#include "ch_png.h"
#include "ch_svg.h"
#include "ch_ticks.h"
#include "ch_vega.h"
#include "tu.h"

#include <cjson/cJSON.h>

#ifndef YTK_SOURCE_DIR
#define YTK_SOURCE_DIR "."
#endif

/* ------------------------------------------------------------ ticks */

static int ticks_are(const struct ch_ticks *t, const char *expect)
{
    char got[1024] = "";
    int i;

    for (i = 0; i < t->n; i++) {
        if (i)
            strcat(got, " ");
        strcat(got, t->label[i][0] ? t->label[i] : "_");
    }
    if (strcmp(got, expect) != 0) {
        fprintf(stderr, "  ticks: got \"%s\", want \"%s\"\n", got, expect);
        return 0;
    }
    return 1;
}

static void test_linear_ticks(void)
{
    struct ch_ticks t;
    int i;

    ch_ticks_linear(0, 1, 5, 1, &t);
    TU_CHECK(ticks_are(&t, "0 0.2 0.4 0.6 0.8 1.0"));
    TU_CHECK(t.lo == 0 && t.hi == 1);

    /* exact decimals: 0.3 is 3/10, not 0.1+0.2 */
    ch_ticks_linear(0, 0.3, 3, 1, &t);
    TU_CHECK(ticks_are(&t, "0 0.1 0.2 0.3"));
    TU_CHECK(t.v[3] == 0.3);
    ch_ticks_linear(0, 0.3, 6, 1, &t);
    TU_CHECK(ticks_are(&t, "0 0.05 0.10 0.15 0.20 0.25 0.30"));
    TU_CHECK(t.v[1] == 0.05 && t.v[6] == 0.3);

    /* nice extends the domain outward to the step */
    ch_ticks_linear(3, 97, 5, 1, &t);
    TU_CHECK(t.lo == 0 && t.hi == 100);
    TU_CHECK(ticks_are(&t, "0 20 40 60 80 100"));
    /* without nice: ticks stay inside */
    ch_ticks_linear(3, 97, 5, 0, &t);
    TU_CHECK(t.lo == 3 && t.hi == 97);
    TU_CHECK(ticks_are(&t, "20 40 60 80"));

    /* negative ranges and the real minus sign */
    ch_ticks_linear(-7.5, 2, 5, 1, &t);
    TU_CHECK(ticks_are(&t, "\xE2\x88\x92"
                           "8 \xE2\x88\x92"
                           "6 \xE2\x88\x92"
                           "4 \xE2\x88\x92"
                           "2 0 2"));
    ch_ticks_linear(-0.03, -0.01, 4, 1, &t);
    TU_CHECK(t.n >= 3 && t.v[0] == -0.03);

    /* huge counts: compact labels with consistent decimals */
    ch_ticks_linear(0, 3400000, 5, 1, &t);
    TU_CHECK(ticks_are(&t, "0 0.5M 1.0M 1.5M 2.0M 2.5M 3.0M 3.5M"));
    ch_ticks_linear(0, 12345, 5, 1, &t);
    TU_CHECK(ticks_are(&t, "0 2K 4K 6K 8K 10K 12K 14K"));
    ch_ticks_linear(0, 1200, 6, 1, &t);
    TU_CHECK(ticks_are(&t, "0 200 400 600 800 1000 1200"));
    ch_ticks_linear(0, 8.2e9, 4, 1, &t);
    TU_CHECK(ticks_are(&t, "0 2B 4B 6B 8B 10B"));
    ch_ticks_linear(1e6, 1.1e6, 5, 1, &t);
    /* step 20K at M scale: two decimals, all labels alike */
    TU_CHECK(ticks_are(&t, "1.00M 1.02M 1.04M 1.06M 1.08M 1.10M"));
    ch_ticks_linear(10000, 10600, 6, 1, &t);
    /* step 100 at K scale: one decimal on every label */
    TU_CHECK(ticks_are(&t, "10.0K 10.1K 10.2K 10.3K 10.4K 10.5K 10.6K"));

    /* every tick is a multiple of the step, ascending */
    for (i = 1; i < 200; i++) {
        double lo = -i * 3.7, hi = i * i * 1.3;
        int k;

        ch_ticks_linear(lo, hi, 7, 1, &t);
        TU_CHECK(t.n >= 2 && t.lo <= lo && t.hi >= hi);
        for (k = 1; k < t.n; k++)
            TU_CHECK(t.v[k] > t.v[k - 1]);
        TU_CHECK(fabs(t.v[0] / t.step - round(t.v[0] / t.step)) < 1e-9);
    }

    /* tiny and enormous values: scientific, one exponent per axis */
    ch_ticks_linear(1e-9, 2e-9, 5, 1, &t);
    TU_CHECK(ticks_are(&t, "1.0e\xE2\x88\x92"
                           "9 1.2e\xE2\x88\x92"
                           "9 "
                           "1.4e\xE2\x88\x92"
                           "9 1.6e\xE2\x88\x92"
                           "9 "
                           "1.8e\xE2\x88\x92"
                           "9 2.0e\xE2\x88\x92"
                           "9"));
    ch_ticks_linear(0, 3e15, 3, 1, &t);
    TU_CHECK(ticks_are(&t, "0 1e15 2e15 3e15"));

    /* years on a numeric axis read as years */
    ch_ticks_linear(2015, 2024, 5, 0, &t);
    TU_CHECK(ticks_are(&t, "2016 2018 2020 2022 2024"));

    /* degenerate domains still give a usable axis */
    ch_ticks_linear(5, 5, 5, 1, &t);
    TU_CHECK(t.n >= 2 && t.lo < 5 && t.hi > 5);
    ch_ticks_linear(0, 0, 5, 1, &t);
    TU_CHECK(t.n >= 2 && t.lo == 0 && t.hi == 1);
}

static void test_number_format(void)
{
    char b[64];

    ch_format_compact(3400000, b, sizeof(b));
    TU_EQ_STR(b, "3.4M");
    ch_format_compact(12345, b, sizeof(b));
    TU_EQ_STR(b, "12K");
    ch_format_compact(999, b, sizeof(b));
    TU_EQ_STR(b, "999");
    ch_format_compact(999999, b, sizeof(b));
    TU_EQ_STR(b, "1M");
    ch_format_compact(1000, b, sizeof(b));
    TU_EQ_STR(b, "1K");
    ch_format_compact(0.25, b, sizeof(b));
    TU_EQ_STR(b, "0.25");
    ch_format_compact(-2500, b, sizeof(b));
    TU_EQ_STR(b, "\xE2\x88\x92"
                 "2.5K");
    ch_format_compact(7.2e9, b, sizeof(b));
    TU_EQ_STR(b, "7.2B");
    /* past T: e-notation as on the axis, never "1000000T" */
    ch_format_compact(999e12, b, sizeof(b));
    TU_EQ_STR(b, "999T");
    ch_format_compact(1e15, b, sizeof(b));
    TU_EQ_STR(b, "1e15");
    ch_format_compact(-2.5e18, b, sizeof(b));
    TU_EQ_STR(b, "\xE2\x88\x92"
                 "2.5e18");
    ch_format_compact(9.97e20, b, sizeof(b));
    TU_EQ_STR(b, "1e21");
    ch_format_tick(1500, 500, 3000, b, sizeof(b));
    TU_EQ_STR(b, "1500");
    ch_format_tick(12500, 100, 12600, b, sizeof(b));
    TU_EQ_STR(b, "12.5K");
    ch_format_tick(10010, 10, 10060, b, sizeof(b));
    TU_EQ_STR(b, "10,010");
    ch_format_tick(0, 0.1, 1, b, sizeof(b));
    TU_EQ_STR(b, "0");
}

static void test_log_ticks(void)
{
    struct ch_ticks t;

    /* few decades: 1..9 multiples, labelled subset */
    ch_ticks_log(1, 1000, 10, &t);
    TU_EQ_INT(t.n, 28);
    TU_CHECK(t.lo == 1 && t.hi == 1000);
    TU_EQ_STR(t.label[0], "1");
    TU_EQ_STR(t.label[9], "10");
    TU_EQ_STR(t.label[18], "100");
    TU_EQ_STR(t.label[27], "1K");
    TU_EQ_STR(t.label[1], "2");

    /* domain extends to powers of ten */
    ch_ticks_log(3, 420, 10, &t);
    TU_CHECK(t.lo == 1 && t.hi == 1000);

    /* many decades: exponents only */
    ch_ticks_log(1, 1e9, 5, &t);
    TU_CHECK(t.n >= 4 && t.n <= 10);
    TU_EQ_STR(t.label[t.n - 1], "100M"); /* exponents 0, 2, 4, 6, 8 */
    TU_EQ_STR(t.label[0], "1");

    ch_ticks_log(0.01, 10, 10, &t);
    TU_EQ_STR(t.label[0], "0.01");
    TU_EQ_STR(t.label[t.n - 1], "10");
}

static double iso(const char *s)
{
    double v = NAN;
    int has;

    TU_CHECK(ch_parse_time(s, &v, &has) == 0);
    return v;
}

static void test_dates(void)
{
    struct ch_ticks t;
    double v;
    int has = -1;
    char b[64];

    TU_CHECK(ch_parse_time("1970-01-01", &v, &has) == 0 && v == 0 && !has);
    TU_CHECK(ch_parse_time("2024-02-29T12:30:00Z", &v, &has) == 0 && has);
    TU_CHECK(v == 1709209800);
    TU_CHECK(ch_parse_time("2024-02-29T14:30:00+02:00", &v, NULL) == 0 &&
             v == 1709209800);
    TU_CHECK(ch_parse_time("2024-02-29 12:30:00.250", &v, NULL) == 0 &&
             v == 1709209800.25);
    TU_CHECK(ch_parse_time("2024-03", &v, NULL) == 0);
    TU_CHECK(ch_parse_time("2023-02-29", &v, NULL) < 0);
    TU_CHECK(ch_parse_time("2024-13-01", &v, NULL) < 0);
    TU_CHECK(ch_parse_time("12345", &v, NULL) < 0);
    TU_CHECK(ch_parse_time("2024-01-01x", &v, NULL) < 0);
    TU_CHECK(ch_parse_time("", &v, NULL) < 0);
    ch_format_time(1709209800, 1, b, sizeof(b));
    TU_EQ_STR(b, "2024-02-29 12:30");

    /* hours within a day */
    ch_ticks_time(iso("2024-03-05T00:00:00Z"), iso("2024-03-05T23:59:00Z"), 8,
                  &t);
    TU_CHECK(ticks_are(&t, "Mar 5 03:00 06:00 09:00 12:00 15:00 18:00 21:00"));
    /* days within a week and a bit */
    ch_ticks_time(iso("2024-03-01"), iso("2024-03-08"), 7, &t);
    TU_CHECK(ticks_are(&t, "Mar 2024 Mar 2 Mar 3 Mar 4 Mar 5 Mar 6 Mar 7 "
                           "Mar 8"));
    /* weeks (Mondays) */
    ch_ticks_time(iso("2024-03-01"), iso("2024-04-10"), 6, &t);
    TU_CHECK(ticks_are(&t, "Mar 4 2024 Mar 11 Mar 18 Mar 25 Apr Apr 8"));
    /* months across a year boundary: January names the year */
    ch_ticks_time(iso("2023-09-15"), iso("2024-04-20"), 8, &t);
    TU_CHECK(ticks_are(&t, "Oct Nov Dec 2024 Feb Mar Apr"));
    /* quarters */
    ch_ticks_time(iso("2022-01-01"), iso("2024-01-01"), 8, &t);
    TU_CHECK(ticks_are(&t, "2022 Apr Jul Oct 2023 Apr Jul Oct 2024"));
    /* years */
    ch_ticks_time(iso("2005-06-01"), iso("2024-06-01"), 5, &t);
    TU_CHECK(ticks_are(&t, "2010 2015 2020"));
    ch_ticks_time(iso("2019-06-01"), iso("2024-06-01"), 6, &t);
    TU_CHECK(ticks_are(&t, "2020 2021 2022 2023 2024"));
    /* minutes */
    ch_ticks_time(iso("2024-03-05T10:00:00Z"), iso("2024-03-05T11:00:00Z"), 4,
                  &t);
    TU_CHECK(ticks_are(&t, "Mar 5 10:00 10:15 10:30 10:45 11:00"));
    /* seconds */
    ch_ticks_time(iso("2024-03-05T10:00:00Z"), iso("2024-03-05T10:01:00Z"), 4,
                  &t);
    TU_CHECK(ticks_are(&t, "Mar 5 10:00 10:00:15 10:00:30 10:00:45 10:01"));
}

/* ------------------------------------------------------------- LTTB */

static void test_lttb(void)
{
    enum { N = 10000 };
    double *xy = malloc(N * 2 * sizeof(double));
    size_t idx[500], k, i;
    int found_peak = 0, found_dip = 0;

    for (i = 0; i < N; i++) {
        xy[2 * i] = (double)i;
        xy[2 * i + 1] = sin((double)i / 300.0);
    }
    xy[2 * 4321 + 1] = 50;  /* a spike */
    xy[2 * 7777 + 1] = -40; /* a dip */
    k = ch_lttb(xy, 2, N, 500, idx);
    TU_EQ_INT(k, 500);
    TU_EQ_INT(idx[0], 0);
    TU_EQ_INT(idx[k - 1], N - 1);
    for (i = 1; i < k; i++)
        TU_CHECK(idx[i] > idx[i - 1]);
    for (i = 0; i < k; i++) {
        found_peak |= idx[i] == 4321;
        found_dip |= idx[i] == 7777;
    }
    TU_CHECK(found_peak);
    TU_CHECK(found_dip);

    /* fewer points than the threshold: all kept */
    k = ch_lttb(xy, 2, 100, 500, idx);
    TU_EQ_INT(k, 100);
    TU_EQ_INT(idx[99], 99);
    /* threshold 3: first, one middle point, last */
    k = ch_lttb(xy, 2, N, 3, idx);
    TU_EQ_INT(k, 3);
    TU_EQ_INT(idx[0], 0);
    TU_EQ_INT(idx[2], N - 1);
    free(xy);
}

/* --------------------------------------------------------- escaping */

/* Well-formedness checks on escaped text: no raw < or &, & only as one of
 * our entities, valid UTF-8, no XML-illegal characters. */
static int escaped_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;

    while (i < n) {
        unsigned cp;
        size_t len;

        if (p[i] == '<' || p[i] == '>' || p[i] == '"' || p[i] == '\'')
            return 0;
        if (p[i] == '&') {
            if (strncmp(s + i, "&amp;", 5) && strncmp(s + i, "&lt;", 4) &&
                strncmp(s + i, "&gt;", 4) && strncmp(s + i, "&quot;", 6) &&
                strncmp(s + i, "&#39;", 5))
                return 0;
        }
        len = yt_utf8_next(p + i, n - i, &cp);
        if (cp == 0xFFFD && len == 1)
            return 0; /* invalid UTF-8 left in */
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
            cp == 0xFFFE || cp == 0xFFFF)
            return 0;
        i += len;
    }
    return 1;
}

static char *esc(const char *s, long len)
{
    struct yt_buf b;

    yt_buf_init(&b, 1 << 20);
    TU_CHECK(ch_svg_escape(&b, s, len) == 0);
    return yt_buf_take(&b);
}

static void test_svg_escape(void)
{
    char *e;

    e = esc("<script>alert('x')</script>", -1);
    TU_EQ_STR(e, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    free(e);
    e = esc("Tom & Jerry \"live\"", -1);
    TU_EQ_STR(e, "Tom &amp; Jerry &quot;live&quot;");
    free(e);
    e = esc("$5 and $10", -1); /* SVG is an image: dollars stay as they are */
    TU_EQ_STR(e, "$5 and $10");
    free(e);
    e = esc("\xF0\x9F\x8E\xB8 guitar \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D", -1);
    TU_EQ_STR(e, "\xF0\x9F\x8E\xB8 guitar \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D");
    free(e);
    /* invalid UTF-8: lone continuation, truncated sequence, overlong, CESU
     * surrogate, byte 0xFF */
    e = esc("a\x80"
            "b\xE2\x82"
            "c\xC0\xAF"
            "d\xED\xA0\x80"
            "e\xFF",
            -1);
    TU_CHECK(escaped_ok(e));
    TU_CHECK(strncmp(e,
                     "a\xEF\xBF\xBD"
                     "b",
                     5) == 0);
    free(e);
    /* control characters dropped, whitespace to spaces, NUL inside */
    e = esc("a\x01\x02\x1b[31mb\tc\nd\x7f"
            "e\xC2\x85"
            "f\xEF\xBF\xBEg",
            -1);
    TU_EQ_STR(e, "a[31mb c de"
                 "fg");
    free(e);
    e = esc("x\0y", 3);
    TU_EQ_STR(e, "xy");
    free(e);
}

/* ------------------------------------------------------- chart data */

static uint32_t lcg_state;

static double rnd(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (double)(lcg_state >> 8) / 16777216.0;
}

static void set_texts(struct ch_chart *c, const char *title, const char *xl,
                      const char *yl)
{
    ch_chart_set_text(&c->title, title);
    ch_chart_set_text(&c->xlabel, xl);
    ch_chart_set_text(&c->ylabel, yl);
}

static const char *const categories[] = {"Music",
                                         "Gaming",
                                         "Education",
                                         "Comedy",
                                         "Science & Technology",
                                         "Travel & Events",
                                         "Howto & Style",
                                         "Film & Animation"};
static const double views[] = {3400000, 2150000, 1720000, 990000,
                               870000,  412000,  268000,  151000};

static void build_bar(struct ch_chart *c)
{
    int s, i;

    ch_chart_init(c, CH_BAR);
    set_texts(c, "Views by category", "Category", "Views");
    ch_chart_set_text(&c->source, "YouTube Data API v3, channel uploads");
    s = ch_chart_series(c, "");
    for (i = 0; i < 8; i++)
        ch_chart_bar(c, categories[i], s, views[i]);
}

static void build_bar_grouped(struct ch_chart *c, int stacked)
{
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char *fmt[] = {"Shorts", "Videos", "Live"};
    int i, k;

    ch_chart_init(c, CH_BAR);
    c->stacked = stacked;
    set_texts(c,
              stacked ? "Uploads per month by format"
                      : "Uploads per month, shorts vs videos vs live",
              "Month (2024)", "Uploads");
    for (i = 0; i < 12; i++)
        for (k = 0; k < 3; k++)
            ch_chart_bar(c, months[i], ch_chart_series(c, fmt[k]),
                         (double)((i * 7 + k * 13) % 17 + (k == 2 ? 1 : 6)));
}

static void build_bar_horizontal(struct ch_chart *c)
{
    static const char *chans[] = {
        "Kurzgesagt \xE2\x80\x93 In a Nutshell",
        "Veritasium",
        "3Blue1Brown",
        "Tom Scott",
        "Numberphile",
        "SmarterEveryDay with a very long channel name that needs cutting",
        "Computerphile",
        "Stand-up Maths",
        "Physics Girl",
        "Vsauce"};
    static const double subs[] = {21.9e6, 16.2e6, 6.4e6, 6.3e6, 4.6e6,
                                  11.4e6, 2.4e6,  1.1e6, 2.9e6, 22.1e6};
    int s, i;

    ch_chart_init(c, CH_BAR);
    c->horizontal = 1;
    set_texts(c, "Top channels by subscribers", "Subscribers", NULL);
    s = ch_chart_series(c, "");
    for (i = 0; i < 10; i++)
        ch_chart_bar(c, chans[i], s, subs[i]);
    ch_chart_top(c, 8);
}

static void build_line(struct ch_chart *c)
{
    static const char *names[] = {"Views", "Watch hours x10"};
    double t0 = iso("2024-01-01");
    int d, k;

    ch_chart_init(c, CH_LINE);
    c->x_time = 1;
    set_texts(c, "Daily views, first half of 2024", "Date", "Per day");
    lcg_state = 42;
    for (k = 0; k < 2; k++) {
        int s = ch_chart_series(c, names[k]);
        double level = k ? 900 : 2400;

        for (d = 0; d < 182; d++) {
            level += (rnd() - 0.48) * 120;
            ch_chart_point(c, s, t0 + d * 86400.0,
                           level + (d % 7 >= 5 ? 500 : 0) * (k ? 0.3 : 1), 0);
        }
    }
}

static void build_line_numeric(struct ch_chart *c)
{
    int s, i;

    ch_chart_init(c, CH_LINE);
    set_texts(c, "Audience retention", "Seconds into the video",
              "Viewers still watching (%)");
    s = ch_chart_series(c, "");
    for (i = 0; i <= 30; i++)
        ch_chart_point(c, s, i * 20.0,
                       100.0 * exp(-i / 18.0) + (i == 12 ? 6 : 0), 0);
}

static void build_scatter(struct ch_chart *c, int bubble)
{
    static const char *groups[] = {"Music", "Gaming", "Education"};
    int i;

    ch_chart_init(c, CH_SCATTER);
    c->has_size = bubble;
    set_texts(c,
              bubble ? "Channels: subscribers, views and uploads"
                     : "Likes against views, per video",
              bubble ? "Subscribers" : "Views", bubble ? "Views" : "Likes");
    lcg_state = 7;
    for (i = 0; i < (bubble ? 24 : 150); i++) {
        int g = i % 3, s = ch_chart_series(c, groups[g]);
        double x = bubble ? 1e4 + rnd() * 2e6 : 500 + rnd() * rnd() * 4e5;
        double y = bubble ? x * (20 + rnd() * 80)
                          : x * (0.01 + 0.03 * rnd()) * (1 + g * 0.4);

        ch_chart_point(c, s, x, y, bubble ? 10 + rnd() * 900 : 0);
    }
}

static void build_scatter_colour(struct ch_chart *c)
{
    int s, i;

    ch_chart_init(c, CH_SCATTER);
    set_texts(c, "Views and likes, coloured by video length", "Views", "Likes");
    ch_chart_set_text(&c->colour_label, "Minutes");
    lcg_state = 11;
    s = ch_chart_series(c, "");
    for (i = 0; i < 120; i++) {
        double minutes = 1 + rnd() * 40, x = 2e3 + rnd() * 3e5;

        ch_chart_point_coloured(c, s, x, x * (0.01 + minutes / 1500), 0,
                                i == 5 ? NAN : minutes);
    }
}

static void build_scatter_log(struct ch_chart *c)
{
    int s, i;

    ch_chart_init(c, CH_SCATTER);
    c->log_x = c->log_y = 1;
    set_texts(c, "Views against comments (log scales)", "Views", "Comments");
    lcg_state = 99;
    s = ch_chart_series(c, "");
    for (i = 0; i < 200; i++) {
        double x = pow(10, 2 + rnd() * 5);

        ch_chart_point(c, s, x, x * pow(10, -2.5 + rnd()), 0);
    }
}

static void build_hist(struct ch_chart *c)
{
    static const double counts[] = {3, 11, 28, 52, 61, 47, 30, 18, 9, 4, 2, 1};
    int i;

    ch_chart_init(c, CH_HIST);
    set_texts(c, "Video length", "Duration (minutes)", "Videos");
    for (i = 0; i < 12; i++)
        ch_chart_hist_bin(c, i * 2.5, (i + 1) * 2.5, counts[i]);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void build_box(struct ch_chart *c)
{
    double v[60];
    int g, i;

    ch_chart_init(c, CH_BOX);
    set_texts(c, "Like rate by category", "Category", "Likes per 100 views");
    lcg_state = 5;
    for (g = 0; g < 5; g++) {
        for (i = 0; i < 60; i++)
            v[i] = 1 + g * 0.6 + rnd() * 3 + (i == 7 ? 6 + g : 0);
        qsort(v, 60, sizeof(double), cmp_d);
        ch_chart_box(c, categories[g], v, 60);
    }
}

static void build_hostile(struct ch_chart *c)
{
    static const char *cats[] = {"<script>alert(1)</script>",
                                 "Tom & Jerry",
                                 "$5 and $10",
                                 "\xF0\x9F\x8E\xB8\xF0\x9F\x94\xA5 emoji",
                                 "\xD7\xA9\xD7\x9C\xD7\x95"
                                 "\xD7\x9D \xD7\xA2\xD7\x95\xD7\x9C\xD7\x9D",
                                 "bad\xFF\xFEutf8\x01\x02"};
    int s, i;

    ch_chart_init(c, CH_BAR);
    set_texts(c, "</title><script>x</script> & \"quotes\" 'here'", "<b>x</b>",
              "y & \x1b[31mred");
    ch_chart_set_text(&c->source, "]]> <!-- --> &amp;");
    s = ch_chart_series(c, "");
    for (i = 0; i < 6; i++)
        ch_chart_bar(c, cats[i], s, i + 1);
}

struct golden {
    const char *name;
    void (*build)(struct ch_chart *c);
};

static void b_grouped(struct ch_chart *c)
{
    build_bar_grouped(c, 0);
}
static void b_stacked(struct ch_chart *c)
{
    build_bar_grouped(c, 1);
}
static void b_scatter(struct ch_chart *c)
{
    build_scatter(c, 0);
}
static void b_bubble(struct ch_chart *c)
{
    build_scatter(c, 1);
}

/* Bubbles whose rows carry a title (tooltips), hostile ones included, and
 * the five largest labelled on the static chart. */
static void b_bubble_labels(struct ch_chart *c)
{
    static const char *names[] = {
        "<script>alert(1)</script>",
        "Tom & \"Jerry\" 'here'",
        "\xF0\x9F\x8E\xB8\xF0\x9F\x94\xA5 emoji",
        "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD7\xA2\xD7\x95\xD7\x9C\xD7\x9D",
        "Veritasium",
        "3Blue1Brown",
        "Numberphile",
        "Computerphile"};
    static const char *const field[] = {"title"};
    const char *val[1];
    char buf[32];
    int i;

    ch_chart_init(c, CH_SCATTER);
    c->has_size = 1;
    set_texts(c, "Channels: subscribers, views and uploads", "Subscribers",
              "Views");
    ch_chart_set_text(&c->size_label, "Uploads");
    ch_chart_set_fields(c, field, 1, 1);
    c->label_field = 0;
    c->label_top = 5;
    lcg_state = 7;
    for (i = 0; i < 24; i++) {
        double x = 1e4 + rnd() * 2e6, y = x * (20 + rnd() * 80);

        snprintf(buf, sizeof(buf), "Channel %d", i);
        val[0] = i < 8 ? names[i] : buf;
        ch_chart_add_row(c, val);
        ch_chart_point(c, ch_chart_series(c, ""), x, y, 10 + rnd() * 900);
    }
}

static const struct golden goldens[] = {
    {"bar", build_bar},
    {"bar_grouped", b_grouped},
    {"bar_stacked", b_stacked},
    {"bar_horizontal", build_bar_horizontal},
    {"line", build_line},
    {"line_numeric", build_line_numeric},
    {"scatter", b_scatter},
    {"bubble", b_bubble},
    {"scatter_log", build_scatter_log},
    {"scatter_colour", build_scatter_colour},
    {"hist", build_hist},
    {"box", build_box},
    {"hostile", build_hostile},
    {"bubble_labels", b_bubble_labels},
};

static int write_file(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (!f)
        return -1;
    ok = fwrite(p, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static const char *out_dir(void)
{
    const char *d = getenv("YTK_CHART_OUT");

    if (!d || !*d)
        d = getenv("YTK_BUILD_DIR");
    return d && *d ? d : "/tmp";
}

struct png_read {
    const unsigned char *p;
    size_t len, off;
};

static cairo_status_t read_mem(void *closure, unsigned char *data,
                               unsigned int length)
{
    struct png_read *r = closure;

    if (r->off + length > r->len)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p + r->off, length);
    r->off += length;
    return CAIRO_STATUS_SUCCESS;
}

/* Decode PNG bytes with cairo; check size and that it is not blank: at
 * least `min_coloured` coloured pixels (marks) and some dark ones (text). */
static int png_check_n(const unsigned char *png, size_t len, int w, int h,
                       int min_coloured)
{
    struct png_read r = {png, len, 0};
    cairo_surface_t *s =
        cairo_image_surface_create_from_png_stream(read_mem, &r);
    int ok = 0, x, y, stride, dark = 0, coloured = 0;
    unsigned char *data;

    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "  PNG does not decode\n");
        cairo_surface_destroy(s);
        return 0;
    }
    if (cairo_image_surface_get_width(s) != w ||
        cairo_image_surface_get_height(s) != h) {
        fprintf(stderr, "  PNG is %dx%d, want %dx%d\n",
                cairo_image_surface_get_width(s),
                cairo_image_surface_get_height(s), w, h);
        goto out;
    }
    data = cairo_image_surface_get_data(s);
    stride = cairo_image_surface_get_stride(s);
    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            uint32_t px = *(uint32_t *)(data + y * stride + x * 4);
            int rr = (px >> 16) & 0xFF, g = (px >> 8) & 0xFF, b = px & 0xFF;

            if (rr < 100 && g < 100 && b < 100)
                dark++;
            if (abs(rr - g) > 60 || abs(g - b) > 60 || abs(rr - b) > 60)
                coloured++;
        }
    }
    /* text is dark, marks are coloured: a blank or white image has neither */
    ok = dark > 200 && coloured >= min_coloured;
    if (!ok)
        fprintf(stderr, "  PNG looks blank (dark %d, coloured %d)\n", dark,
                coloured);
    /* the corners are the white background */
    data = cairo_image_surface_get_data(s);
    if ((*(uint32_t *)data & 0xFFFFFF) != 0xFFFFFF)
        ok = 0;
out:
    cairo_surface_destroy(s);
    return ok;
}

static int png_check(const unsigned char *png, size_t len, int w, int h)
{
    return png_check_n(png, len, w, h, 200);
}

/* Compare `data` with the golden tests/golden/chart/NAME.EXT (or write it
 * with YTK_UPDATE_GOLDEN=1). */
static void golden_compare(const char *name, const char *ext, const char *data,
                           size_t len)
{
    const char *update = getenv("YTK_UPDATE_GOLDEN");
    char path[1024], *want;
    size_t want_len = 0;

    snprintf(path, sizeof(path), "%s/tests/golden/chart/%s.%s", YTK_SOURCE_DIR,
             name, ext);
    if (update && strcmp(update, "1") == 0) {
        TU_CHECK(write_file(path, data, len) == 0);
        printf("  wrote %s\n", path);
        return;
    }
    want = tu_read_all(path, &want_len);
    if (!want) {
        fprintf(stderr, "  missing golden %s (YTK_UPDATE_GOLDEN=1)\n", path);
        TU_CHECK(0);
    } else if (want_len != len || memcmp(want, data, len)) {
        snprintf(path, sizeof(path), "%s/chart-%s.%s", out_dir(), name, ext);
        write_file(path, data, len);
        fprintf(stderr, "  %s.%s differs from its golden; new output in %s\n",
                name, ext, path);
        TU_CHECK(0);
    }
    free(want);
}

static void test_goldens(void)
{
    size_t g;

    for (g = 0; g < sizeof(goldens) / sizeof(goldens[0]); g++) {
        struct ch_chart c;
        char *svg = NULL, *summary = NULL, *vl = NULL, path[1024];
        char err[YTK_ERR_LEN];
        unsigned char *png = NULL;
        size_t svg_len, png_len, vl_len;

        goldens[g].build(&c);
        if (ch_chart_render(&c, &svg, &svg_len, &png, &png_len, &summary, err) <
            0) {
            fprintf(stderr, "  %s: %s\n", goldens[g].name, err);
            TU_CHECK(0);
            ch_chart_free(&c);
            continue;
        }
        TU_CHECK(png_check(png, png_len, c.width * 2, c.height * 2));
        TU_CHECK(strstr(svg, "<script") == NULL);
        TU_CHECK(strstr(svg, "<style") == NULL);
        TU_CHECK(strstr(svg, " id=") == NULL);
        TU_CHECK(strstr(svg, "href") == NULL);
        TU_CHECK(
            strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
        snprintf(path, sizeof(path), "%s/chart-%s.png", out_dir(),
                 goldens[g].name);
        TU_CHECK(write_file(path, png, png_len) == 0);
        golden_compare(goldens[g].name, "svg", svg, svg_len);
        /* the interactive view of the same laid-out chart */
        TU_CHECK(ch_vega_spec(&c, &vl, &vl_len, err) == 0);
        if (vl) {
            TU_CHECK(vl_len <= CH_VEGA_MAX_BYTES);
            golden_compare(goldens[g].name, "vl.json", vl, vl_len);
        }
        free(vl);
        free(svg);
        free(png);
        free(summary);
        ch_chart_free(&c);
    }
}

static void test_summary(void)
{
    struct ch_chart c;
    struct ch_draw d;
    struct yt_buf b;
    char err[YTK_ERR_LEN];

    build_bar(&c);
    TU_CHECK(ch_chart_layout(&c, &d, err) == 0);
    yt_buf_init(&b, 4096);
    TU_CHECK(ch_chart_summary(&c, &b) == 0);
    TU_EQ_STR(yt_buf_str(&b),
              "Bar chart: 'Views by category' \xE2\x80\x94 8 bars, "
              "y 0\xE2\x80\x93"
              "3.4M");
    yt_buf_free(&b);
    ch_draw_free(&d);
    ch_chart_free(&c);

    build_line(&c);
    TU_CHECK(ch_chart_layout(&c, &d, err) == 0);
    yt_buf_init(&b, 4096);
    TU_CHECK(ch_chart_summary(&c, &b) == 0);
    TU_CHECK(strstr(yt_buf_str(&b), "Line chart: 'Daily views, first half of "
                                    "2024' \xE2\x80\x94 2 series, 364 points, "
                                    "x 2024-01-01\xE2\x80\x93"
                                    "2024-06-30") != NULL);
    yt_buf_free(&b);
    ch_draw_free(&d);
    ch_chart_free(&c);

    /* nothing to plot is an error, not an empty picture */
    ch_chart_init(&c, CH_LINE);
    ch_chart_series(&c, "");
    TU_CHECK(ch_chart_layout(&c, &d, err) < 0);
    TU_CHECK(strstr(err, "nothing to plot") != NULL);
    ch_draw_free(&d);
    ch_chart_free(&c);
}

/* Labels of the x axis never overlap, whatever the number of categories and
 * the size: slanted ones keep ~13 px apart, flat ones (same baseline) keep
 * a gap. */
static void test_no_overlap(void)
{
    static const int sizes[][2] = {{640, 400}, {300, 200}, {1000, 300}};
    int ncat;
    size_t z;

    for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
        for (ncat = 2; ncat <= 200; ncat = ncat * 3 / 2 + 1) {
            struct ch_chart c;
            struct ch_draw d;
            char err[YTK_ERR_LEN], name[64];
            double prev_x = -1e9;
            int s, i, bad = 0;
            size_t k, j;

            ch_chart_init(&c, CH_BAR);
            c.width = sizes[z][0];
            c.height = sizes[z][1];
            s = ch_chart_series(&c, "");
            for (i = 0; i < ncat; i++) {
                snprintf(name, sizeof(name), "Category number %d", i);
                ch_chart_bar(&c, name, s, i + 1);
            }
            TU_CHECK(ch_chart_layout(&c, &d, err) == 0);
            for (k = 0; k < d.n; k++) {
                const struct ch_prim *p = &d.prims[k];

                if (p->kind != CH_P_TEXT)
                    continue;
                if (p->rotate != 0) {
                    if (p->x - prev_x < 13 * 1.414 - 0.01)
                        bad++;
                    prev_x = p->x;
                    TU_CHECK(p->y < d.height);
                    continue;
                }
                /* flat: against every later text on the same baseline */
                for (j = k + 1; j < d.n; j++) {
                    const struct ch_prim *q = &d.prims[j];
                    double wp, wq;

                    if (q->kind != CH_P_TEXT || q->rotate != 0 ||
                        q->y != p->y || q->anchor != CH_MIDDLE ||
                        p->anchor != CH_MIDDLE)
                        continue;
                    wp = ch_text_width(p->text, p->size, 0);
                    wq = ch_text_width(q->text, q->size, 0);
                    if (fabs(p->x - q->x) < (wp + wq) / 2 + 2) {
                        fprintf(stderr,
                                "  %dx%d, %d bars: \"%s\" and \"%s\" "
                                "overlap\n",
                                sizes[z][0], sizes[z][1], ncat, p->text,
                                q->text);
                        bad++;
                    }
                }
            }
            TU_EQ_INT(bad, 0);
            ch_draw_free(&d);
            ch_chart_free(&c);
        }
    }
}

static void build_long_names(struct ch_chart *c)
{
    static const char *names[] = {
        "A channel with a remarkably long name that would never fit in a "
        "legend row of any sensible chart at all, not even a wide one",
        "Short", "Another quite long series name, but less so"};
    int k, i;

    ch_chart_init(c, CH_LINE);
    set_texts(c, "Series with long names", "x", "y");
    for (k = 0; k < 3; k++)
        for (i = 0; i < 10; i++)
            ch_chart_point(c, ch_chart_series(c, names[k]), i, i * (k + 1), 0);
}

/* Every label of every golden chart (and of a few extra ones) stays on the
 * canvas, at the default size and at small ones. */
static void test_inside_canvas(void)
{
    static const int sizes[][2] = {
        {640, 400}, {400, 300}, {300, 200}, {200, 150}, {1200, 500}};
    static const struct golden extra[] = {{"long_names", build_long_names}};
    size_t g, k, z, ng = sizeof(goldens) / sizeof(goldens[0]);

    for (g = 0; g < ng + 1; g++) {
        const struct golden *gd = g < ng ? &goldens[g] : &extra[g - ng];

        for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
            struct ch_chart c;
            struct ch_draw d;
            char err[YTK_ERR_LEN];
            double W = sizes[z][0], H = sizes[z][1];

            gd->build(&c);
            c.width = sizes[z][0];
            c.height = sizes[z][1];
            TU_CHECK(ch_chart_layout(&c, &d, err) == 0);
            for (k = 0; k < d.n; k++) {
                const struct ch_prim *p = &d.prims[k];
                double w, l, r, t, b;

                if (p->kind != CH_P_TEXT)
                    continue;
                w = ch_text_width(p->text, p->size, p->bold);
                if (p->rotate == 0) {
                    l = p->x - (p->anchor == CH_MIDDLE ? w / 2
                                : p->anchor == CH_END  ? w
                                                       : 0);
                    r = l + w;
                    t = p->y - p->size * 0.8;
                    b = p->y + p->size * 0.25;
                } else if (p->rotate == -90) {
                    l = p->x - p->size * 0.8;
                    r = p->x;
                    t = p->y - w / 2;
                    b = p->y + w / 2;
                } else { /* -45, anchored at its end */
                    l = p->x - w * 0.7071;
                    r = p->x;
                    t = p->y - p->size;
                    b = p->y + w * 0.7071;
                }
                if (l < -1 || r > W + 1 || t < -1 || b > H + 1) {
                    fprintf(stderr,
                            "  %s %gx%g: \"%s\" at %.0f,%.0f leaves "
                            "the canvas\n",
                            gd->name, W, H, p->text, p->x, p->y);
                    TU_CHECK(0);
                }
            }
            ch_draw_free(&d);
            ch_chart_free(&c);
        }
    }
}

/* Degenerate inputs still give a finite, sensible chart. */
static void test_degenerate(void)
{
    int k;

    for (k = 0; k < 12; k++) {
        struct ch_chart c;
        char *svg = NULL, *summary = NULL, err[YTK_ERR_LEN];
        unsigned char *png = NULL;
        size_t svg_len, png_len;
        int s;
        double v[1] = {7};

        switch (k) {
        case 0: /* one point on a line */
            ch_chart_init(&c, CH_LINE);
            ch_chart_point(&c, ch_chart_series(&c, ""), 3, 4, 0);
            break;
        case 1: /* one point on a time line */
            ch_chart_init(&c, CH_LINE);
            c.x_time = 1;
            ch_chart_point(&c, ch_chart_series(&c, ""), 1.7e9, 4, 0);
            break;
        case 2: /* one bar of zero */
            ch_chart_init(&c, CH_BAR);
            ch_chart_bar(&c, "only", ch_chart_series(&c, ""), 0);
            break;
        case 3: /* all negative bars */
            ch_chart_init(&c, CH_BAR);
            s = ch_chart_series(&c, "");
            ch_chart_bar(&c, "a", s, -5);
            ch_chart_bar(&c, "b", s, -0.5);
            break;
        case 4: /* log scale with zeros and negatives among the values */
            ch_chart_init(&c, CH_BAR);
            c.log_y = 1;
            s = ch_chart_series(&c, "");
            ch_chart_bar(&c, "a", s, 0);
            ch_chart_bar(&c, "b", s, -3);
            ch_chart_bar(&c, "c", s, 30);
            break;
        case 5: /* the same point many times */
            ch_chart_init(&c, CH_SCATTER);
            s = ch_chart_series(&c, "");
            for (int i = 0; i < 50; i++)
                ch_chart_point(&c, s, 1, 1, 0);
            break;
        case 6: /* a one-value box */
            ch_chart_init(&c, CH_BOX);
            ch_chart_box(&c, "x", v, 1);
            break;
        case 7: /* one histogram bin */
            ch_chart_init(&c, CH_HIST);
            ch_chart_hist_bin(&c, 6.5, 7.5, 12);
            break;
        case 8: /* infinite and NaN values are skipped */
            ch_chart_init(&c, CH_LINE);
            s = ch_chart_series(&c, "");
            ch_chart_point(&c, s, 0, NAN, 0);
            ch_chart_point(&c, s, 1, INFINITY, 0);
            ch_chart_point(&c, s, 2, 5, 0);
            ch_chart_point(&c, s, 3, 6, 0);
            break;
        case 9: /* huge and tiny magnitudes */
            ch_chart_init(&c, CH_SCATTER);
            s = ch_chart_series(&c, "");
            ch_chart_point(&c, s, 1e-9, 1e15, 0);
            ch_chart_point(&c, s, 2e-9, 3e15, 0);
            break;
        case 10: /* log x with only non-positive values: an error */
            ch_chart_init(&c, CH_SCATTER);
            c.log_x = 1;
            s = ch_chart_series(&c, "");
            ch_chart_point(&c, s, 0, 1, 0);
            ch_chart_point(&c, s, -1, 2, 0);
            TU_CHECK(ch_chart_render(&c, &svg, &svg_len, &png, &png_len,
                                     &summary, err) < 0);
            TU_CHECK(strstr(err, "--log-x") && strstr(err, "positive"));
            ch_chart_free(&c);
            continue;
        default: /* many series: the 8 largest are kept */
            ch_chart_init(&c, CH_LINE);
            for (int i = 0; i < 12; i++) {
                char name[16];

                snprintf(name, sizeof(name), "s%d", i);
                s = ch_chart_series(&c, name);
                for (int j = 0; j <= i; j++)
                    ch_chart_point(&c, s, j, i * j, 0);
            }
        }
        if (ch_chart_render(&c, &svg, &svg_len, &png, &png_len, &summary, err) <
            0) {
            fprintf(stderr, "  case %d: %s\n", k, err);
            TU_CHECK(0);
        } else {
            TU_CHECK(strstr(svg, "nan") == NULL && strstr(svg, "inf") == NULL);
            char path[1024];

            /* few marks (a zero bar has none), but axes and labels */
            TU_CHECK(png_check_n(png, png_len, c.width * 2, c.height * 2, 0));
            snprintf(path, sizeof(path), "%s/chart-degenerate-%d.png",
                     out_dir(), k);
            TU_CHECK(write_file(path, png, png_len) == 0);
            if (k == 11) {
                TU_EQ_INT(c.nseries, 8);
                TU_CHECK(strstr(summary, "8 largest of 12 series") != NULL);
            }
        }
        free(svg);
        free(png);
        free(summary);
        ch_chart_free(&c);
    }
}

/* A million-point line and scatter stay small and bounded. */
static void test_million(void)
{
    int kind;

    for (kind = 0; kind < 2; kind++) {
        struct ch_chart c;
        char *svg, *summary, err[YTK_ERR_LEN];
        unsigned char *png;
        size_t svg_len, png_len, i;
        int s;

        ch_chart_init(&c, kind ? CH_SCATTER : CH_LINE);
        s = ch_chart_series(&c, "");
        lcg_state = 1;
        for (i = 0; i < 1000000; i++)
            ch_chart_point(&c, s, (double)i,
                           kind ? rnd() * 1000 + i * 0.001
                                : sin(i / 5000.0) * 100 + rnd() * 10,
                           0);
        TU_CHECK(ch_chart_render(&c, &svg, &svg_len, &png, &png_len, &summary,
                                 err) == 0);
        TU_CHECK(svg_len < 1000000);
        TU_CHECK(c.info.drawn < 25000);
        TU_CHECK(c.info.points == 1000000);
        TU_CHECK(png_check(png, png_len, 1280, 800));
        printf("  %s: 1,000,000 points -> %zu drawn, SVG %zu bytes, PNG %zu "
               "bytes\n",
               kind ? "scatter" : "line", c.info.drawn, svg_len, png_len);
        free(svg);
        free(png);
        free(summary);
        ch_chart_free(&c);
    }
}

/* The Vega-Lite spec of a million-point line and scatter stays under its
 * cap with at most CH_VEGA_MAX_ROWS rows, titles carried; a tight cap
 * halves the rows until the spec fits, and says so. */
static void test_vega_million(void)
{
    static const char *const field[] = {"title"};
    int kind;

    for (kind = 0; kind < 2; kind++) {
        struct ch_chart c;
        struct ch_draw d;
        char *vl = NULL, err[YTK_ERR_LEN], title[64];
        const char *val[1] = {title};
        size_t vl_len, i;
        cJSON *spec, *values;
        int s;

        ch_chart_init(&c, kind ? CH_SCATTER : CH_LINE);
        ch_chart_set_fields(&c, field, 1, 1);
        s = ch_chart_series(&c, "");
        lcg_state = 3;
        for (i = 0; i < 1000000; i++) {
            snprintf(title, sizeof(title), "Video \xE2\x80\x9C%zu\xE2\x80\x9D",
                     i);
            TU_CHECK(ch_chart_add_row(&c, val) == (int)i);
            ch_chart_point(&c, s, (double)i,
                           kind ? rnd() * 1000 + i * 0.001
                                : sin(i / 5000.0) * 100 + rnd() * 10,
                           0);
        }
        TU_CHECK(ch_chart_layout(&c, &d, err) == 0);
        TU_CHECK(ch_vega_spec(&c, &vl, &vl_len, err) == 0);
        TU_CHECK(vl && vl_len <= CH_VEGA_MAX_BYTES);
        spec = vl ? cJSON_Parse(vl) : NULL;
        values =
            cJSON_GetObjectItem(cJSON_GetObjectItem(spec, "data"), "values");
        TU_CHECK(cJSON_GetArraySize(values) > 500);
        TU_CHECK(cJSON_GetArraySize(values) <= CH_VEGA_MAX_ROWS + 1);
        TU_CHECK(cJSON_GetArraySize(values) <= (int)c.info.drawn);
        TU_CHECK(
            strncmp(cJSON_GetObjectItem(cJSON_GetArrayItem(values, 0), "f0")
                        ->valuestring,
                    "Video \xE2\x80\x9C", 9) == 0);
        printf("  %s: 1,000,000 points -> %d rows, spec %zu bytes\n",
               kind ? "scatter" : "line", cJSON_GetArraySize(values), vl_len);
        cJSON_Delete(spec);
        free(vl);
        /* a tight cap: fewer rows, still valid JSON, and the subtitle says
         * how many points the view shows */
        TU_CHECK(ch_vega_spec_capped(&c, 64 * 1024, &vl, &vl_len, err) == 0);
        TU_CHECK(vl && vl_len <= 64 * 1024);
        spec = vl ? cJSON_Parse(vl) : NULL;
        TU_CHECK(spec != NULL);
        TU_CHECK(vl && strstr(vl, "Interactive view: ") != NULL);
        cJSON_Delete(spec);
        free(vl);
        ch_draw_free(&d);
        ch_chart_free(&c);
    }
}

/* A spec that cannot fit (500 long category names under a 16 KB cap)
 * fails with a message instead of exceeding the cap. */
static void test_vega_cap_fails_cleanly(void)
{
    struct ch_chart c;
    struct ch_draw d;
    char *vl = (char *)1, err[YTK_ERR_LEN] = "", name[128];
    size_t len = 1;
    int s, i;

    ch_chart_init(&c, CH_BAR);
    s = ch_chart_series(&c, "");
    for (i = 0; i < 500; i++) {
        snprintf(name, sizeof(name),
                 "A rather long category name number %d, to fill the spec", i);
        ch_chart_bar(&c, name, s, i + 1);
    }
    TU_CHECK(ch_chart_layout(&c, &d, err) == 0);
    TU_CHECK(ch_vega_spec_capped(&c, 16 * 1024, &vl, &len, err) == -1);
    TU_CHECK(vl == NULL && len == 0);
    TU_CHECK(strstr(err, "does not fit") != NULL);
    ch_draw_free(&d);
    ch_chart_free(&c);
}

/* --label: the labels drawn name points among the largest bubbles, and no
 * label touches another label or any bubble. */
static void test_point_labels(void)
{
    struct ch_chart c;
    struct ch_draw d;
    char err[YTK_ERR_LEN];
    size_t i, j, nlab = 0;
    double boxes[16][4];

    b_bubble_labels(&c);
    TU_CHECK(ch_chart_layout(&c, &d, err) == 0);
    TU_CHECK(c.info.labelled >= 3 && c.info.labelled <= c.label_top);
    /* labels are flat 11-px texts that name a row */
    for (i = 0; i < d.n && nlab < 16; i++) {
        const struct ch_prim *p = &d.prims[i];
        double w;
        size_t s, k, rank = 0;
        int found = 0;

        if (p->kind != CH_P_TEXT || p->size != 11.0 || p->rotate != 0)
            continue;
        /* a label names a point of the model: find it, and its size rank */
        for (s = 0; s < c.nseries; s++)
            for (k = 0; k < c.series[s].n; k++) {
                const struct ch_pt *q = &c.series[s].pts[k];

                if (strcmp(ch_chart_field(&c, q->row, 0), p->text) == 0) {
                    size_t m;

                    found = 1;
                    for (m = 0; m < c.series[s].n; m++)
                        rank += c.series[s].pts[m].s > q->s;
                }
            }
        if (!found)
            continue; /* a tick label */
        TU_CHECK(rank < 4 * c.label_top);
        w = ch_text_width(p->text, 11.0, 0);
        boxes[nlab][0] = p->x;
        boxes[nlab][1] = p->y - 11.0 * 0.8;
        boxes[nlab][2] = p->x + w;
        boxes[nlab][3] = p->y + 11.0 * 0.2;
        for (j = 0; j < d.n; j++) {
            const struct ch_prim *q = &d.prims[j];
            double nx, ny;

            if (q->kind != CH_P_CIRCLE)
                continue;
            nx = fmax(boxes[nlab][0], fmin(q->x, boxes[nlab][2]));
            ny = fmax(boxes[nlab][1], fmin(q->y, boxes[nlab][3]));
            TU_CHECK((nx - q->x) * (nx - q->x) + (ny - q->y) * (ny - q->y) >=
                     q->r * q->r);
        }
        for (j = 0; j < nlab; j++)
            TU_CHECK(boxes[j][2] <= boxes[nlab][0] ||
                     boxes[nlab][2] <= boxes[j][0] ||
                     boxes[j][3] <= boxes[nlab][1] ||
                     boxes[nlab][3] <= boxes[j][1]);
        nlab++;
    }
    TU_CHECK(nlab == c.info.labelled);
    ch_draw_free(&d);
    ch_chart_free(&c);
}

static void test_text_fit(void)
{
    char *s =
        ch_text_fit("SmarterEveryDay with a very long channel name", 11, 80);

    TU_CHECK(ch_text_width(s, 11, 0) <= 80);
    TU_CHECK(strstr(s, "\xE2\x80\xA6") != NULL);
    free(s);
    s = ch_text_fit("short", 11, 80);
    TU_EQ_STR(s, "short");
    free(s);
    /* never cuts inside a UTF-8 sequence */
    s = ch_text_fit("\xF0\x9F\x8E\xB8\xF0\x9F\x8E\xB8\xF0\x9F\x8E\xB8\xF0\x9F"
                    "\x8E\xB8",
                    10, 25);
    TU_CHECK(escaped_ok(s));
    free(s);
}

static void check_visual(const char *in, const char *want)
{
    char *v = ch_text_visual(in);

    TU_EQ_STR(v, want);
    free(v);
}

/* PNG text goes through a small bidi pass (cairo's toy API has none). */
static void test_bidi(void)
{
    check_visual("plain text (1)", "plain text (1)");
    check_visual("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D", /* shalom */
                 "\xD7\x9D\xD7\x95\xD7\x9C\xD7\xA9");
    /* two Hebrew words: word order and letters reversed */
    check_visual("\xD7\x90\xD7\x91 \xD7\x92\xD7\x93",
                 "\xD7\x93\xD7\x92 \xD7\x91\xD7\x90");
    /* Hebrew inside English keeps the English order */
    check_visual("Hi \xD7\x90\xD7\x91!", "Hi \xD7\x91\xD7\x90!");
    /* numbers inside Hebrew keep their digit order */
    check_visual("\xD7\x90\xD7\x91 2024", "2024 \xD7\x91\xD7\x90");
    /* brackets mirror in right-to-left runs */
    check_visual("(\xD7\x90\xD7\x91)", "(\xD7\x91\xD7\x90)");
}

/* More than CH_MAX_SERIES series, several tied at the cut: the heaviest
 * series must survive even when it comes after the ties. */
static void test_series_limit_keeps_heaviest(void)
{
    struct ch_chart c;
    struct ch_draw d;
    char err[YTK_ERR_LEN], name[16];
    int i, s, found = 0;

    ch_chart_init(&c, CH_BAR);
    for (i = 0; i < 10; i++) { /* ten series of weight 1 ... */
        snprintf(name, sizeof(name), "tie%d", i);
        s = ch_chart_series(&c, name);
        TU_CHECK(ch_chart_bar(&c, "a", s, 1) == 0);
    }
    s = ch_chart_series(&c, "big"); /* ... then the heaviest, last */
    TU_CHECK(ch_chart_bar(&c, "a", s, 74) == 0);
    TU_CHECK(ch_chart_layout(&c, &d, err) == 0);
    TU_EQ_INT(c.nseries, CH_MAX_SERIES);
    for (i = 0; i < (int)c.nseries; i++)
        found += strcmp(c.series[i].name, "big") == 0;
    TU_EQ_INT(found, 1);
    ch_draw_free(&d);
    ch_chart_free(&c);
}

int main(void)
{
    TU_RUN(test_linear_ticks);
    TU_RUN(test_series_limit_keeps_heaviest);
    TU_RUN(test_number_format);
    TU_RUN(test_log_ticks);
    TU_RUN(test_dates);
    TU_RUN(test_lttb);
    TU_RUN(test_svg_escape);
    TU_RUN(test_text_fit);
    TU_RUN(test_bidi);
    TU_RUN(test_summary);
    TU_RUN(test_no_overlap);
    TU_RUN(test_inside_canvas);
    TU_RUN(test_degenerate);
    TU_RUN(test_goldens);
    TU_RUN(test_million);
    TU_RUN(test_vega_million);
    TU_RUN(test_vega_cap_fails_cleanly);
    TU_RUN(test_point_labels);
    return tu_report();
}
