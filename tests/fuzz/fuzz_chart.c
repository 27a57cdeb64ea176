/* fuzz_chart.c -- libFuzzer target: chart model -> layout -> SVG, point
 * labels and the Vega-Lite spec.
 *
 * The bytes pick a kind, flags (log axes, horizontal, stacked, time x,
 * bubbles, colour scale), a canvas size and then records of (series,
 * label, x, y, size) with arbitrary doubles (NaN, infinities, huge and tiny
 * values included).  Layout must either fail cleanly with a message or give
 * a drawing whose SVG attributes hold no "nan"/"inf", and a Vega-Lite
 * spec (or a message) that parses as JSON, is valid UTF-8 and stays under
 * its cap; rows carry the label text as a field (tooltips, --label);
 * nothing may crash or trip the sanitizers. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch_chart.h"
#include "ch_svg.h"
#include "ch_vega.h"
#include "yt_utf8.h"

#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rd {
    const uint8_t *p;
    size_t n;
};

static int take(struct rd *r, void *out, size_t len)
{
    if (r->n < len)
        return -1;
    memcpy(out, r->p, len);
    r->p += len;
    r->n -= len;
    return 0;
}

/* Every attribute value (text content cannot hold `="`: quotes are
 * escaped) is free of "nan" and "inf". */
static void check_attributes(const char *svg)
{
    const char *p = svg;

    while ((p = strstr(p, "=\"")) != NULL) {
        const char *end = strchr(p + 2, '"');
        size_t len;

        if (!end)
            abort();
        len = (size_t)(end - (p + 2));
        if (memmem(p + 2, len, "nan", 3) || memmem(p + 2, len, "inf", 3)) {
            fprintf(stderr, "non-finite attribute: %.*s\n", (int)len, p + 2);
            abort();
        }
        p = end + 1;
    }
}

/* The spec parses, is valid UTF-8 (U+FFFD only as its own bytes). */
static void check_vega(const struct ch_chart *c)
{
    char *vl = NULL, err[YTK_ERR_LEN] = "";
    size_t len = 0, i = 0;
    cJSON *j;

    if (ch_vega_spec(c, &vl, &len, err) < 0) {
        if (!err[0] || vl)
            abort();
        return;
    }
    if (!vl || len != strlen(vl) || len > CH_VEGA_MAX_BYTES)
        abort();
    while (i < len) {
        unsigned cp;
        size_t k = yt_utf8_next((const unsigned char *)vl + i, len - i, &cp);

        if (cp == 0xFFFD && (k != 3 || memcmp(vl + i, "\xEF\xBF\xBD", 3)))
            abort();
        i += k;
    }
    j = cJSON_Parse(vl);
    if (!j)
        abort();
    cJSON_Delete(j);
    free(vl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const field[] = {"title"};
    struct rd r = {data, size};
    struct ch_chart c;
    struct ch_draw d;
    struct yt_buf b;
    char err[YTK_ERR_LEN];
    uint8_t kind, flags, wh[2];
    int rec = 0;

    if (take(&r, &kind, 1) < 0 || take(&r, &flags, 1) < 0 ||
        take(&r, wh, 2) < 0)
        return 0;
    ch_chart_init(&c, (enum ch_kind)(kind % 5 + 1));
    c.log_x = flags & 1;
    c.log_y = (flags >> 1) & 1;
    c.horizontal = (flags >> 2) & 1;
    c.stacked = (flags >> 3) & 1;
    c.x_time = (flags >> 4) & 1;
    c.has_size = (flags >> 5) & 1;
    c.width = 200 + wh[0] * 4;
    c.height = 150 + wh[1] * 4;
    if (flags & 0x40)
        ch_chart_set_text(&c.title, "A title that is long enough to wrap "
                                    "over two lines on a small canvas");
    ch_chart_set_fields(&c, field, 1, 1);
    c.label_field = 0;
    c.label_top = (size_t)(wh[0] % 8);
    while (rec++ < 2000) {
        uint8_t sidx, llen;
        double x, y, s;
        char label[64];
        int si;

        if (take(&r, &sidx, 1) < 0 || take(&r, &llen, 1) < 0)
            break;
        llen %= sizeof(label);
        if (take(&r, label, llen) < 0 || take(&r, &x, 8) < 0 ||
            take(&r, &y, 8) < 0 || take(&r, &s, 8) < 0)
            break;
        label[llen] = '\0';
        if (sidx & 0x40) {
            const char *v[1] = {label};

            ch_chart_add_row(&c, v);
        }
        si = ch_chart_series(&c, (sidx & 0x80) ? label : "");
        if (si < 0)
            break;
        switch (c.kind) {
        case CH_BAR:
            ch_chart_bar(&c, label, si, y);
            break;
        case CH_HIST:
            ch_chart_hist_bin(&c, x, x + fabs(s), fabs(y));
            break;
        case CH_BOX: {
            double v[3] = {x, y, s};

            if (isnan(x) || isnan(y) || isnan(s))
                break;
            if (v[0] > v[1]) {
                double t = v[0];
                v[0] = v[1];
                v[1] = t;
            }
            if (v[1] > v[2]) {
                double t = v[1];
                v[1] = v[2];
                v[2] = t;
            }
            if (v[0] > v[1]) {
                double t = v[0];
                v[0] = v[1];
                v[1] = t;
            }
            ch_chart_box(&c, label, v, 3);
            break;
        }
        default:
            if (flags & 0x80)
                ch_chart_point_coloured(&c, si, x, y, s, s * 0.5);
            else
                ch_chart_point(&c, si, x, y, s);
        }
    }
    if (c.kind == CH_BAR && (flags & 0x40))
        ch_chart_top(&c, 3);
    if (ch_chart_layout(&c, &d, err) == 0) {
        yt_buf_init(&b, (size_t)64 << 20);
        if (ch_svg_render(&d, c.title, "desc", &b) != 0)
            abort();
        check_attributes(yt_buf_str(&b));
        yt_buf_free(&b);
        check_vega(&c);
    } else if (!err[0]) {
        abort(); /* a failure always says why */
    }
    ch_draw_free(&d);
    ch_chart_free(&c);
    return 0;
}
