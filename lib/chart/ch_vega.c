/* ch_vega.c -- Vega-Lite v5 specification of a chart.  See ch_vega.h.
 *
 * Data rows use fixed keys, so that column names (which may hold dots,
 * brackets or quotes) never become Vega field paths: x, y, g (series), s
 * (size), c (colour value), lo/hi/n (hist), f0..f7 (text fields), and the
 * same values formatted as the static axes format them in x_t, y_t, s_t,
 * c_t (tooltips show these).
 */
#include "ch_vega.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch_palette.h"
#include "yt_buf.h"
#include "yt_utf8.h"
#include "ch_ticks.h"

#define SCHEMA_URL "https://vega.github.io/schema/vega-lite/v5.json"
#define FONT "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"
/* Axis labels as the static axes write them: 12K, 3.4M, 1.2B; small
 * values with thousands separators. */
#define NUM_EXPR                                                               \
    "abs(datum.value) >= 10000 ? replace(replace(format(datum.value, "         \
    "'.3~s'), 'k', 'K'), 'G', 'B') : format(datum.value, ',~g')"

/* Building state of one attempt. */
struct vb {
    const struct ch_chart *c;
    size_t stride; /* keep every stride-th point (1 = all) */
    size_t total;  /* points available (after layout's reduction) */
    size_t shown;  /* rows written */
    int oom;
};

static cJSON *obj(struct vb *v, cJSON *parent, const char *key)
{
    cJSON *o = cJSON_CreateObject();

    if (!o || !parent || !cJSON_AddItemToObject(parent, key, o)) {
        cJSON_Delete(o);
        v->oom = 1;
        return NULL;
    }
    return o;
}

/* Vega data text: C0 controls other than tab and newline are dropped. */
static unsigned vega_char(unsigned cp)
{
    return cp >= 0x20 || cp == '\t' || cp == '\n' ? cp : YT_UTF8_DROP;
}

static cJSON *jstring(const char *val)
{
    const char *v = val ? val : "";
    char *t = yt_utf8_clean(v, strlen(v), vega_char);
    cJSON *j = t ? cJSON_CreateString(t) : NULL;

    free(t);
    return j;
}

static void str(struct vb *v, cJSON *o, const char *key, const char *val)
{
    cJSON *j;

    if (!o)
        return;
    j = jstring(val);
    if (!j || !cJSON_AddItemToObject(o, key, j)) {
        cJSON_Delete(j);
        v->oom = 1;
    }
}

static void num(struct vb *v, cJSON *o, const char *key, double val)
{
    if (o && !cJSON_AddNumberToObject(o, key, val))
        v->oom = 1;
}

static void boolean(struct vb *v, cJSON *o, const char *key, int val)
{
    if (o && !cJSON_AddBoolToObject(o, key, val))
        v->oom = 1;
}

static void push(struct vb *v, cJSON *arr, cJSON *item)
{
    if (!item || !arr || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        v->oom = 1;
    }
}

static cJSON *arr(struct vb *v, cJSON *parent, const char *key)
{
    cJSON *a = cJSON_CreateArray();

    if (!a || !parent || !cJSON_AddItemToObject(parent, key, a)) {
        cJSON_Delete(a);
        v->oom = 1;
        return NULL;
    }
    return a;
}

static void hex(uint32_t rgb, char out[8])
{
    snprintf(out, 8, "#%06X", (unsigned)(rgb & 0xFFFFFFu));
}

static void fmt_num(double x, char *out, size_t n)
{
    if (!isfinite(x))
        snprintf(out, n, "%s", "");
    else
        ch_format_compact(x, out, n);
}

/* { "field": F, "type": T, "title": TITLE } inside parent[key]. */
static cJSON *enc(struct vb *v, cJSON *parent, const char *key,
                  const char *field, const char *type, const char *title)
{
    cJSON *e = obj(v, parent, key);

    str(v, e, "field", field);
    if (type)
        str(v, e, "type", type);
    if (title && *title)
        str(v, e, "title", title);
    else if (e && !cJSON_AddNullToObject(e, "title"))
        v->oom = 1; /* no title rather than the internal field name */
    return e;
}

/* Category axis over c->cats in their order; on x, labels lie flat when
 * they fit their band (roughly, as the static chart decides), else slant. */
static void cat_axis(struct vb *v, cJSON *e, int on_x)
{
    const struct ch_chart *c = v->c;
    cJSON *sc = obj(v, e, "scale"), *dom = arr(v, sc, "domain");
    cJSON *ax = obj(v, e, "axis");
    size_t i, longest = 0;

    for (i = 0; i < c->ncat; i++) {
        push(v, dom, jstring(c->cats[i]));
        if (strlen(c->cats[i]) > longest)
            longest = strlen(c->cats[i]);
    }
    num(v, ax, "labelLimit", 110);
    if (on_x)
        num(v, ax, "labelAngle",
            (double)longest * 6.5 + 6 <=
                    (c->width - 100) / (double)(c->ncat ? c->ncat : 1)
                ? 0
                : -45);
}

/* Value axis: compact labels, log scale, optional zero; about one tick per
 * 80 px across or 40 px up, as the static axes.  A log axis labels only
 * powers of ten (and their 2 and 5 multiples over at most two decades), as
 * the static log axes do; lo/hi: the data range on it. */
static void value_axis(struct vb *v, cJSON *e, int log, int zero, int across,
                       double lo, double hi)
{
    const struct ch_chart *c = v->c;
    cJSON *ax = obj(v, e, "axis"), *sc = obj(v, e, "scale");
    double n = across ? c->width / 80.0 : c->height / 40.0;

    num(v, ax, "tickCount", floor(fmax(2, n)));
    str(v, ax, "labelOverlap", "greedy");
    num(v, ax, "labelSeparation", 6);
    if (log) {
        int few = lo > 0 && hi > 0 && log10(hi / lo) <= 2;

        str(v, ax, "labelExpr",
            few ? "indexof(['1', '2', '5'], slice(format(datum.value, '.0e'), "
                  "0, 1)) >= 0 ? (" NUM_EXPR ") : ''"
                : "slice(format(datum.value, '.0e'), 0, 1) == '1' ? "
                  "(" NUM_EXPR ") : ''");
        str(v, sc, "type", "log");
    } else {
        str(v, ax, "labelExpr", NUM_EXPR);
        boolean(v, sc, "zero", zero);
    }
}

/* A tooltip line: the value of `field`, titled `title` or, without one,
 * `fallback`. */
static void tip(struct vb *v, cJSON *tips, const char *field, const char *title,
                const char *fallback)
{
    cJSON *t = cJSON_CreateObject();

    str(v, t, "field", field);
    str(v, t, "type", "nominal");
    str(v, t, "title", title && *title ? title : fallback);
    push(v, tips, t);
}

/* Tooltip entries for the text fields, and their values in a row. */
static void tip_fields(struct vb *v, cJSON *tips)
{
    char key[24];
    size_t f;

    for (f = 0; f < v->c->ntip; f++) {
        snprintf(key, sizeof(key), "f%zu", f);
        tip(v, tips, key, v->c->fields[f], key);
    }
}

static void row_fields(struct vb *v, cJSON *row, int r)
{
    char key[24];
    size_t f;

    if (r < 0)
        return;
    for (f = 0; f < v->c->ntip; f++) {
        snprintf(key, sizeof(key), "f%zu", f);
        str(v, row, key, ch_chart_field(v->c, r, f));
    }
}

/* Series colours: the palette in series order, as the static charts. */
static void series_colour(struct vb *v, cJSON *encoding, const char *key)
{
    const struct ch_chart *c = v->c;
    cJSON *e = enc(v, encoding, key, "g", "nominal", c->series_label);
    cJSON *sc = obj(v, e, "scale"), *dom = arr(v, sc, "domain"),
          *rng = arr(v, sc, "range");
    char col[8];
    size_t s;

    for (s = 0; s < c->nseries; s++) {
        hex(ch_palette((int)s), col);
        push(v, dom, jstring(c->series[s].name));
        push(v, rng, cJSON_CreateString(col));
    }
}

static void series_offset(struct vb *v, cJSON *encoding, const char *key)
{
    const struct ch_chart *c = v->c;
    cJSON *e = enc(v, encoding, key, "g", "nominal", NULL);
    cJSON *sc = obj(v, e, "scale"), *dom = arr(v, sc, "domain");
    size_t s;

    for (s = 0; s < c->nseries; s++)
        push(v, dom, jstring(c->series[s].name));
}

/* The x value of a point as data (time: epoch milliseconds) and as text. */
static void x_of(const struct ch_chart *c, double x, double *out, char *t,
                 size_t n)
{
    if (c->x_time) {
        *out = x * 1000;
        ch_format_time(x, c->x_has_clock, t, n);
    } else {
        *out = x;
        fmt_num(x, t, n);
    }
}

/* ------------------------------------------------------------ line, scatter */

static int usable(const struct ch_chart *c, const struct ch_pt *p)
{
    return p->drawn && isfinite(p->x) && isfinite(p->y) &&
           !(c->log_x && p->x <= 0) && !(c->log_y && p->y <= 0);
}

static void xy_rows(struct vb *v, cJSON *values)
{
    const struct ch_chart *c = v->c;
    char t[CH_LABEL_LEN];
    size_t s, i, k = 0;

    for (s = 0; s < c->nseries; s++) {
        const struct ch_series *se = &c->series[s];
        size_t last = se->n;

        for (i = se->n; i > 0; i--)
            if (usable(c, &se->pts[i - 1])) {
                last = i - 1;
                break;
            }
        for (i = 0; i < se->n && !v->oom; i++) {
            const struct ch_pt *p = &se->pts[i];
            cJSON *row;
            double xv;

            if (!usable(c, p))
                continue;
            /* lines keep their last point, so they end where they end */
            if (k++ % v->stride != 0 && !(c->kind == CH_LINE && i == last))
                continue;
            row = cJSON_CreateObject();
            x_of(c, p->x, &xv, t, sizeof(t));
            num(v, row, "x", xv);
            str(v, row, "x_t", t);
            num(v, row, "y", p->y);
            fmt_num(p->y, t, sizeof(t));
            str(v, row, "y_t", t);
            if (c->nseries > 1)
                str(v, row, "g", se->name);
            if (c->has_size) {
                double sv = isfinite(p->s) && p->s > 0 ? p->s : 0;

                num(v, row, "s", sv);
                fmt_num(sv, t, sizeof(t));
                str(v, row, "s_t", t);
            }
            if (c->has_colour && isfinite(p->c)) {
                num(v, row, "c", p->c);
                fmt_num(p->c, t, sizeof(t));
                str(v, row, "c_t", t);
            }
            row_fields(v, row, p->row);
            push(v, values, row);
            v->shown++;
        }
    }
}

static void xy_tooltip(struct vb *v, cJSON *encoding)
{
    const struct ch_chart *c = v->c;
    cJSON *tips = arr(v, encoding, "tooltip");

    /* the text fields first: a video's title says which point this is */
    tip_fields(v, tips);
    if (c->nseries > 1 && (c->tip & CH_TIP_SERIES))
        tip(v, tips, "g", c->series_label, "series");
    if (c->tip & CH_TIP_X)
        tip(v, tips, "x_t", c->xlabel, "x");
    if (c->tip & CH_TIP_Y)
        tip(v, tips, "y_t", c->ylabel, "y");
    if (c->has_size && (c->tip & CH_TIP_SIZE))
        tip(v, tips, "s_t", c->size_label, "size");
    if (c->has_colour && (c->tip & CH_TIP_COLOUR))
        tip(v, tips, "c_t", c->colour_label, "colour");
}

static void xy_encoding(struct vb *v, cJSON *encoding)
{
    const struct ch_chart *c = v->c;
    cJSON *x, *y;

    if (c->x_time) {
        cJSON *sc;

        x = enc(v, encoding, "x", "x", "temporal", c->xlabel);
        sc = obj(v, x, "scale");
        str(v, sc, "type", "utc");
    } else {
        x = enc(v, encoding, "x", "x", "quantitative", c->xlabel);
        value_axis(v, x, c->log_x, 0, 1, c->info.xlo, c->info.xhi);
    }
    y = enc(v, encoding, "y", "y", "quantitative", c->ylabel);
    /* lines of counts start at zero when close to it, as the static ones */
    value_axis(v, y, c->log_y,
               c->kind == CH_LINE && c->info.ylo >= 0 &&
                   c->info.ylo < c->info.yhi * 0.3,
               0, c->info.ylo, c->info.yhi);
    if (c->has_colour) {
        cJSON *e =
            enc(v, encoding, "color", "c", "quantitative", c->colour_label);
        cJSON *sc = obj(v, e, "scale");

        str(v, sc, "scheme", "viridis");
    } else if (c->nseries > 1) {
        series_colour(v, encoding, "color");
    }
    if (c->has_size) {
        cJSON *e = enc(v, encoding, "size", "s", "quantitative", c->size_label);
        cJSON *sc = obj(v, e, "scale"), *rng = arr(v, sc, "range");
        double rmax = fmax(8, fmin(c->width, c->height) / 20.0);

        push(v, rng, cJSON_CreateNumber(12));
        push(v, rng, cJSON_CreateNumber(M_PI * rmax * rmax));
    }
}

/* Text layers naming the points the static chart labelled (--label), one
 * per side the layout put labels on, offset beyond each point's radius. */
static void label_layers(struct vb *v, cJSON *layer)
{
    const struct ch_chart *c = v->c;
    int sx, sy;
    size_t i;

    for (sy = -1; sy <= 1; sy++) {
        for (sx = -1; sx <= 1; sx++) {
            cJSON *l = NULL, *values = NULL, *m, *e;
            double r = 0;

            for (i = 0; i < c->nlabels; i++) {
                const struct ch_label *lb = &c->labels[i];
                cJSON *row;
                double xv;
                char t[CH_LABEL_LEN];

                if (lb->dx != sx || lb->dy != sy)
                    continue;
                if (!l) {
                    l = cJSON_CreateObject();
                    values = arr(v, obj(v, l, "data"), "values");
                }
                r = fmax(r, lb->r);
                row = cJSON_CreateObject();
                x_of(c, lb->x, &xv, t, sizeof(t));
                num(v, row, "x", xv);
                num(v, row, "y", lb->y);
                str(v, row, "label",
                    ch_chart_field(c, lb->row, (size_t)c->label_field));
                push(v, values, row);
            }
            if (!l)
                continue;
            m = obj(v, l, "mark");
            str(v, m, "type", "text");
            str(v, m, "align", sx > 0 ? "left" : sx < 0 ? "right" : "center");
            str(v, m, "baseline",
                sy > 0   ? "top"
                : sy < 0 ? "bottom"
                         : "middle");
            num(v, m, "dx", sx * (sx && sy ? r * 0.7 + 3 : r + 3));
            num(v, m, "dy", sy * (sx && sy ? r * 0.7 + 3 : r + 3));
            num(v, m, "limit", 170);
            e = obj(v, l, "encoding");
            enc(v, e, "text", "label", "nominal", NULL);
            str(v, obj(v, e, "color"), "value", "#222222");
            num(v, obj(v, e, "size"), "value", 11);
            push(v, layer, l);
        }
    }
}

static void xy_spec(struct vb *v, cJSON *spec)
{
    const struct ch_chart *c = v->c;
    cJSON *values = arr(v, obj(v, spec, "data"), "values");
    char col[8];

    hex(ch_palette(0), col);
    xy_rows(v, values);
    if (c->kind == CH_SCATTER) {
        cJSON *encoding = obj(v, spec, "encoding"), *mark, *layer = NULL;
        cJSON *pts = spec;

        if (c->nlabels) { /* points, then their names */
            layer = arr(v, spec, "layer");
            pts = cJSON_CreateObject();
            push(v, layer, pts);
        }
        mark = obj(v, pts, "mark");
        str(v, mark, "type", "circle");
        num(v, mark, "opacity",
            c->has_size       ? 0.55
            : v->shown > 1000 ? 0.6
                              : 0.75);
        if (!c->has_size)
            num(v, mark, "size", v->shown > 1000 ? 10 : 38);
        if (c->nseries <= 1 && !c->has_colour)
            str(v, mark, "color", col);
        xy_encoding(v, encoding);
        xy_tooltip(v, layer ? obj(v, pts, "encoding") : encoding);
        if (layer)
            label_layers(v, layer);
        return;
    }
    /* line: the line, and points on it that carry the tooltips (visible
     * when few, invisible hover targets when many) */
    {
        cJSON *encoding = obj(v, spec, "encoding"),
              *layer = arr(v, spec, "layer");
        cJSON *l1 = cJSON_CreateObject(), *l2 = cJSON_CreateObject();
        cJSON *m1 = obj(v, l1, "mark"), *m2 = obj(v, l2, "mark");
        int few = v->shown <= 40 * (c->nseries ? c->nseries : 1);

        xy_encoding(v, encoding);
        str(v, m1, "type", "line");
        num(v, m1, "strokeWidth", 2);
        str(v, m2, "type", "circle");
        num(v, m2, "size", few ? 36 : 60);
        num(v, m2, "opacity", few ? 1 : 0);
        if (c->nseries <= 1) {
            str(v, m1, "color", col);
            str(v, m2, "color", col);
        }
        xy_tooltip(v, obj(v, l2, "encoding"));
        push(v, layer, l1);
        push(v, layer, l2);
        label_layers(v, layer);
    }
}

/* -------------------------------------------------------------------- bars */

static void bar_spec(struct vb *v, cJSON *spec)
{
    const struct ch_chart *c = v->c;
    cJSON *values = arr(v, obj(v, spec, "data"), "values");
    cJSON *mark = obj(v, spec, "mark"), *encoding = obj(v, spec, "encoding");
    cJSON *ce, *ve, *tips;
    const char *ck = c->horizontal ? "y" : "x", *vk = c->horizontal ? "x" : "y";
    char t[CH_LABEL_LEN], col[8];
    size_t s, i;

    for (s = 0; s < c->nseries; s++) {
        const struct ch_series *se = &c->series[s];

        for (i = 0; i < se->n && i < c->ncat && !v->oom; i++) {
            const struct ch_pt *p = &se->pts[i];
            cJSON *row;

            if (!isfinite(p->y) || (c->log_y && p->y <= 0))
                continue;
            row = cJSON_CreateObject();
            str(v, row, "x", c->cats[i]);
            num(v, row, "y", p->y);
            fmt_num(p->y, t, sizeof(t));
            str(v, row, "y_t", t);
            if (c->nseries > 1)
                str(v, row, "g", se->name);
            row_fields(v, row, p->row);
            push(v, values, row);
            v->shown++;
        }
    }
    v->total = v->shown;
    str(v, mark, "type", "bar");
    if (c->nseries <= 1) {
        hex(ch_palette(0), col);
        str(v, mark, "color", col);
    }
    ce = enc(v, encoding, ck, "x", "nominal",
             c->horizontal ? c->ylabel : c->xlabel);
    cat_axis(v, ce, !c->horizontal);
    ve = enc(v, encoding, vk, "y", "quantitative",
             c->horizontal ? c->xlabel : c->ylabel);
    value_axis(v, ve, c->log_y, 1, c->horizontal, c->info.ylo, c->info.yhi);
    if (c->nseries > 1) {
        series_colour(v, encoding, "color");
        if (!c->stacked)
            series_offset(v, encoding, c->horizontal ? "yOffset" : "xOffset");
    }
    if (c->stacked && c->nseries > 1)
        str(v, ve, "stack", "zero");
    else if (ve && !cJSON_AddNullToObject(ve, "stack"))
        v->oom = 1;
    tips = arr(v, encoding, "tooltip");
    tip_fields(v, tips);
    if (c->tip & CH_TIP_X)
        tip(v, tips, "x", c->horizontal ? c->ylabel : c->xlabel, "category");
    if (c->nseries > 1 && (c->tip & CH_TIP_SERIES))
        tip(v, tips, "g", c->series_label, "series");
    if (c->tip & CH_TIP_Y)
        tip(v, tips, "y_t", c->horizontal ? c->xlabel : c->ylabel, "value");
}

/* -------------------------------------------------------------- histogram */

static void hist_spec(struct vb *v, cJSON *spec)
{
    const struct ch_chart *c = v->c;
    cJSON *values = arr(v, obj(v, spec, "data"), "values");
    cJSON *mark = obj(v, spec, "mark"), *encoding = obj(v, spec, "encoding");
    cJSON *x, *y, *bin, *tips;
    char t[CH_LABEL_LEN], col[8];
    size_t i;

    for (i = 0; c->nseries && i < c->series[0].n && !v->oom; i++) {
        const struct ch_pt *p = &c->series[0].pts[i];
        cJSON *row;

        if (!isfinite(p->x) || !isfinite(p->s) || !isfinite(p->y) ||
            (c->log_y && p->y <= 0))
            continue;
        row = cJSON_CreateObject();
        num(v, row, "lo", p->x);
        num(v, row, "hi", p->s);
        num(v, row, "n", p->y);
        fmt_num(p->x, t, sizeof(t));
        str(v, row, "lo_t", t);
        fmt_num(p->s, t, sizeof(t));
        str(v, row, "hi_t", t);
        fmt_num(p->y, t, sizeof(t));
        str(v, row, "n_t", t);
        push(v, values, row);
        v->shown++;
    }
    v->total = v->shown;
    hex(ch_palette(0), col);
    str(v, mark, "type", "bar");
    str(v, mark, "color", col);
    num(v, mark, "binSpacing", 1);
    x = enc(v, encoding, "x", "lo", "quantitative", c->xlabel);
    bin = obj(v, x, "bin");
    boolean(v, bin, "binned", 1);
    value_axis(v, x, 0, 0, 1, 0, 0);
    enc(v, encoding, "x2", "hi", NULL, NULL);
    y = enc(v, encoding, "y", "n", "quantitative", c->ylabel);
    value_axis(v, y, c->log_y, 1, 0, c->info.ylo, c->info.yhi);
    tips = arr(v, encoding, "tooltip");
    tip(v, tips, "lo_t", "from", NULL);
    tip(v, tips, "hi_t", "to", NULL);
    tip(v, tips, "n_t", c->ylabel, "count");
}

/* -------------------------------------------------------------------- box */

/* One layer of a box plot: mark `type` over y = field y (to y2). */
static cJSON *box_layer(struct vb *v, cJSON *layer, const char *type,
                        const char *y, const char *y2)
{
    const struct ch_chart *c = v->c;
    cJSON *l = cJSON_CreateObject(), *m = obj(v, l, "mark"),
          *e = obj(v, l, "encoding"), *ye;

    str(v, m, "type", type);
    ye = enc(v, e, "y", y, "quantitative", c->ylabel);
    value_axis(v, ye, c->log_y, 0, 0, c->info.ylo, c->info.yhi);
    if (y2)
        enc(v, e, "y2", y2, NULL, NULL);
    push(v, layer, l);
    return l;
}

static void box_row(struct vb *v, cJSON *values, const char *cat,
                    const struct ch_box *b)
{
    static const char *keys[] = {"lo", "q1", "med", "q3", "hi"};
    double vals[5] = {b->lo, b->q1, b->med, b->q3, b->hi};
    char t[CH_LABEL_LEN], k[8];
    cJSON *row = cJSON_CreateObject();
    int j;

    str(v, row, "x", cat);
    for (j = 0; j < 5; j++) {
        num(v, row, keys[j], vals[j]);
        fmt_num(vals[j], t, sizeof(t));
        snprintf(k, sizeof(k), "%s_t", keys[j]);
        str(v, row, k, t);
    }
    snprintf(t, sizeof(t), "%zu", b->n);
    str(v, row, "n_t", t);
    push(v, values, row);
    v->shown++;
}

static void box_spec(struct vb *v, cJSON *spec)
{
    const struct ch_chart *c = v->c;
    cJSON *values = arr(v, obj(v, spec, "data"), "values");
    cJSON *encoding = obj(v, spec, "encoding"), *layer = arr(v, spec, "layer");
    cJSON *x, *l, *m, *tips, *outv;
    char t[CH_LABEL_LEN];
    size_t i, k;

    for (i = 0; i < c->nbox && i < c->ncat && !v->oom; i++)
        if (c->boxes[i].n)
            box_row(v, values, c->cats[i], &c->boxes[i]);
    x = enc(v, encoding, "x", "x", "nominal", c->xlabel);
    cat_axis(v, x, 1);
    box_layer(v, layer, "rule", "lo", "hi");
    l = box_layer(v, layer, "bar", "q1", "q3");
    m = cJSON_GetObjectItem(l, "mark");
    str(v, m, "color", "#A6CEE3");
    str(v, m, "stroke", "#222222");
    num(v, m, "size", 28);
    tips = arr(v, cJSON_GetObjectItem(l, "encoding"), "tooltip");
    tip(v, tips, "x", c->xlabel, "group");
    tip(v, tips, "n_t", "values", NULL);
    tip(v, tips, "hi_t", "upper whisker", NULL);
    tip(v, tips, "q3_t", "Q3", NULL);
    tip(v, tips, "med_t", "median", NULL);
    tip(v, tips, "q1_t", "Q1", NULL);
    tip(v, tips, "lo_t", "lower whisker", NULL);
    l = box_layer(v, layer, "tick", "med", NULL);
    m = cJSON_GetObjectItem(l, "mark");
    str(v, m, "color", "#222222");
    num(v, m, "thickness", 2);
    num(v, m, "size", 28);
    /* outliers: their own data */
    l = box_layer(v, layer, "point", "v", NULL);
    m = cJSON_GetObjectItem(l, "mark");
    str(v, m, "color", "#222222");
    outv = arr(v, obj(v, l, "data"), "values");
    for (i = 0; i < c->nbox && i < c->ncat && !v->oom; i++) {
        for (k = 0; k < c->boxes[i].nout; k++) {
            cJSON *row = cJSON_CreateObject();

            str(v, row, "x", c->cats[i]);
            num(v, row, "v", c->boxes[i].out[k]);
            fmt_num(c->boxes[i].out[k], t, sizeof(t));
            str(v, row, "v_t", t);
            push(v, outv, row);
        }
    }
    tips = arr(v, cJSON_GetObjectItem(l, "encoding"), "tooltip");
    tip(v, tips, "x", c->xlabel, "group");
    tip(v, tips, "v_t", c->ylabel, "value");
    v->total = v->shown;
}

/* ----------------------------------------------------------------- frame */

static void frame(struct vb *v, cJSON *spec)
{
    const struct ch_chart *c = v->c;
    cJSON *title = obj(v, spec, "title"), *sub, *as, *cfg, *rng, *cat;
    char line[sizeof(c->note) + 64], col[8];
    int i;

    str(v, spec, "$schema", SCHEMA_URL);
    str(v, title, "text", c->title ? c->title : "");
    str(v, title, "anchor", "start");
    sub = arr(v, title, "subtitle");
    if (c->note[0]) {
        snprintf(line, sizeof(line), "Note: %s.", c->note);
        push(v, sub, jstring(line));
    }
    if (v->shown < v->total) {
        snprintf(line, sizeof(line),
                 "Interactive view: %zu of %zu points (every %zu-th).",
                 v->shown, v->total, v->stride);
        push(v, sub, jstring(line));
    }
    if (c->source && *c->source) {
        struct yt_buf b;

        yt_buf_init(&b, 4096);
        if (yt_buf_addf(&b, "Source: %s", c->source) < 0)
            v->oom = 1;
        else
            push(v, sub, jstring(yt_buf_str(&b)));
        yt_buf_free(&b);
    }
    num(v, spec, "width", c->width);
    num(v, spec, "height", c->height);
    as = obj(v, spec, "autosize");
    str(v, as, "type", "fit");
    str(v, as, "contains", "padding");
    str(v, spec, "background", "white");
    cfg = obj(v, spec, "config");
    str(v, cfg, "font", FONT);
    if (cfg && !cJSON_AddNullToObject(obj(v, cfg, "view"), "stroke"))
        v->oom = 1;
    rng = obj(v, cfg, "range");
    cat = arr(v, rng, "category");
    for (i = 0; i < CH_PALETTE_SIZE; i++) {
        hex(ch_palette(i), col);
        push(v, cat, cJSON_CreateString(col));
    }
}

/* Points a line/scatter spec would carry before thinning. */
static size_t xy_total(const struct ch_chart *c)
{
    size_t s, i, n = 0;

    for (s = 0; s < c->nseries; s++)
        for (i = 0; i < c->series[s].n; i++)
            n += usable(c, &c->series[s].pts[i]);
    return n;
}

static cJSON *build(const struct ch_chart *c, size_t budget, struct vb *v)
{
    cJSON *spec = cJSON_CreateObject();

    memset(v, 0, sizeof(*v));
    v->c = c;
    v->stride = 1;
    if (!spec) {
        v->oom = 1;
        return NULL;
    }
    if (c->kind == CH_LINE || c->kind == CH_SCATTER) {
        v->total = xy_total(c);
        if (v->total > budget)
            v->stride = (v->total + budget - 1) / (budget ? budget : 1);
    }
    switch (c->kind) {
    case CH_LINE:
    case CH_SCATTER:
        xy_spec(v, spec);
        break;
    case CH_BAR:
        bar_spec(v, spec);
        break;
    case CH_HIST:
        hist_spec(v, spec);
        break;
    case CH_BOX:
        box_spec(v, spec);
        break;
    }
    frame(v, spec);
    return spec;
}

int ch_vega_spec_capped(const struct ch_chart *c, size_t max_bytes, char **json,
                        size_t *len, char err[YTK_ERR_LEN])
{
    size_t budget = CH_VEGA_MAX_ROWS;
    struct vb v;
    int tries;

    *json = NULL;
    *len = 0;
    if (max_bytes < 1024)
        max_bytes = 1024;
    for (tries = 0; tries < 16; tries++) {
        cJSON *spec = build(c, budget, &v);
        char *text = NULL;

        if (!v.oom && spec)
            text = cJSON_PrintUnformatted(spec);
        cJSON_Delete(spec);
        if (!text) {
            snprintf(err, YTK_ERR_LEN,
                     "out of memory writing the interactive chart");
            return -1;
        }
        if (strlen(text) <= max_bytes) {
            *json = text;
            *len = strlen(text);
            return 0;
        }
        free(text);
        if (budget <= 1 || v.shown == 0)
            break;
        budget = v.shown / 2;
    }
    snprintf(err, YTK_ERR_LEN,
             "the interactive chart does not fit in %zu KB (too many "
             "categories or long names); shown as a picture only",
             max_bytes / 1024);
    return -1;
}

int ch_vega_spec(const struct ch_chart *c, char **json, size_t *len,
                 char err[YTK_ERR_LEN])
{
    return ch_vega_spec_capped(c, CH_VEGA_MAX_BYTES, json, len, err);
}
