/* ch_chart.c -- chart model and layout.  See ch_chart.h.
 *
 * Layout follows Observable Plot's defaults: one x tick per ~80 px, one y
 * tick per ~40 px, margins that grow to the widest label, horizontal grid
 * lines, no y axis line, a baseline on the x axis.  Labels that would
 * overlap are thinned (numeric and time axes: fewer ticks; categories: every
 * k-th label) or rotated 45 degrees (categories). */
#include "ch_chart.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ch_lttb.h"
#include "ch_palette.h"
#include "ch_png.h"
#include "ch_svg.h"
#include "ch_ticks.h"

#define PAD 14.0 /* outer margin */
#define TITLE_SIZE 16.0
#define LABEL_SIZE 12.0 /* axis titles, legend */
#define TICK_SIZE 11.0  /* tick labels */
#define CAPTION_SIZE 10.5
#define SCATTER_THIN 5000 /* more scatter points than this get thinned */
#define SCATTER_CELLS 20000.0

/* n with thousands separators ("1,000,000") in a caller buffer. */
struct count_str {
    char s[32];
};

static struct count_str cnt(size_t n)
{
    struct count_str r;
    char tmp[32];
    size_t len, i, o = 0;

    snprintf(tmp, sizeof(tmp), "%zu", n);
    len = strlen(tmp);
    for (i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            r.s[o++] = ',';
        r.s[o++] = tmp[i];
    }
    r.s[o] = '\0';
    return r;
}

/* Viridis (van der Walt & Smith), colour-blind safe and monotone in
 * lightness; the last, yellowest tenth is left out for contrast on white. */
static uint32_t viridis(double t)
{
    static const uint32_t stops[9] = {0x440154, 0x482878, 0x3E4A89,
                                      0x31688E, 0x26828E, 0x1F9E89,
                                      0x35B779, 0x6DCD59, 0xB4DE2C};
    double pos;
    int i, k;
    uint32_t out = 0;

    if (!(t >= 0))
        t = 0;
    if (t > 1)
        t = 1;
    pos = t * 8;
    i = (int)pos;
    if (i >= 8)
        i = 7;
    pos -= i;
    for (k = 0; k < 3; k++) {
        int sh = 16 - 8 * k;
        double a = (stops[i] >> sh) & 0xFF, b = (stops[i + 1] >> sh) & 0xFF;

        out |= (uint32_t)lround(a + (b - a) * pos) << sh;
    }
    return out;
}

#define COLOUR_LEVELS 32

/* ---------------------------------------------------------------- model */

void ch_chart_init(struct ch_chart *c, enum ch_kind kind)
{
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->width = 640;
    c->height = 400;
    c->cur_row = -1;
    c->label_field = -1;
    c->label_top = 5;
    c->tip = CH_TIP_ALL;
}

static void box_free(struct ch_box *b)
{
    free(b->out);
}

void ch_chart_free(struct ch_chart *c)
{
    size_t i;

    free(c->title);
    free(c->xlabel);
    free(c->ylabel);
    free(c->source);
    free(c->colour_label);
    for (i = 0; i < c->ncat; i++)
        free(c->cats[i]);
    free(c->cats);
    free(c->cat_hash);
    for (i = 0; i < c->nseries; i++) {
        free(c->series[i].name);
        free(c->series[i].pts);
    }
    free(c->series);
    for (i = 0; i < c->nbox; i++)
        box_free(&c->boxes[i]);
    free(c->boxes);
    for (i = 0; i < c->nfields; i++)
        free(c->fields[i]);
    free(c->fields);
    free(c->rowtext);
    free(c->rowoff);
    free(c->series_label);
    free(c->size_label);
    free(c->labels);
    memset(c, 0, sizeof(*c));
}

int ch_chart_set_fields(struct ch_chart *c, const char *const *names, size_t n,
                        size_t ntip)
{
    size_t i;

    if (n > CH_MAX_FIELDS || ntip > n || c->nrows || c->nfields)
        return -1;
    if (n == 0)
        return 0;
    c->fields = calloc(n, sizeof(char *));
    if (!c->fields)
        return -1;
    for (i = 0; i < n; i++) {
        if (!(c->fields[i] = strdup(names[i] ? names[i] : "")))
            return -1; /* ch_chart_free releases those copied */
        c->nfields = i + 1;
    }
    c->ntip = ntip;
    return 0;
}

/* Bytes of s to keep: at most CH_FIELD_MAX, not cutting a UTF-8 sequence. */
static size_t field_cut(const char *s)
{
    size_t n = strlen(s);

    if (n <= CH_FIELD_MAX)
        return n;
    n = CH_FIELD_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

int ch_chart_add_row(struct ch_chart *c, const char *const *vals)
{
    size_t f, need = 0;

    if (c->nfields == 0 || c->nrows >= (size_t)0x7FFFFFFF)
        return -1;
    for (f = 0; f < c->nfields; f++)
        need += field_cut(vals[f] ? vals[f] : "") + 1;
    if (c->rowtext_len + need > c->rowtext_cap) {
        size_t ncap = c->rowtext_cap ? c->rowtext_cap : 4096;
        char *nt;

        while (ncap < c->rowtext_len + need)
            ncap *= 2;
        if (!(nt = realloc(c->rowtext, ncap)))
            return -1;
        c->rowtext = nt;
        c->rowtext_cap = ncap;
    }
    if (c->nrows == c->rowcap) {
        size_t ncap = c->rowcap ? c->rowcap * 2 : 256;
        size_t *no = realloc(c->rowoff, ncap * c->nfields * sizeof(size_t));

        if (!no)
            return -1;
        c->rowoff = no;
        c->rowcap = ncap;
    }
    for (f = 0; f < c->nfields; f++) {
        const char *v = vals[f] ? vals[f] : "";
        size_t n = field_cut(v);

        c->rowoff[c->nrows * c->nfields + f] = c->rowtext_len;
        memcpy(c->rowtext + c->rowtext_len, v, n);
        c->rowtext[c->rowtext_len + n] = '\0';
        c->rowtext_len += n + 1;
    }
    c->cur_row = (int)c->nrows;
    return (int)c->nrows++;
}

const char *ch_chart_field(const struct ch_chart *c, int row, size_t f)
{
    if (row < 0 || (size_t)row >= c->nrows || f >= c->nfields)
        return "";
    return c->rowtext + c->rowoff[(size_t)row * c->nfields + f];
}

int ch_chart_set_text(char **field, const char *v)
{
    char *copy = NULL;

    if (v && !(copy = strdup(v)))
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

void ch_chart_add_note(struct ch_chart *c, const char *fmt, ...)
{
    size_t len = strlen(c->note);
    va_list ap;

    if (len && len + 2 < sizeof(c->note)) {
        memcpy(c->note + len, "; ", 3);
        len += 2;
    }
    if (len + 1 >= sizeof(c->note))
        return;
    va_start(ap, fmt);
    vsnprintf(c->note + len, sizeof(c->note) - len, fmt, ap);
    va_end(ap);
}

int ch_chart_series(struct ch_chart *c, const char *name)
{
    size_t i;
    struct ch_series *s;

    if (!name)
        name = "";
    for (i = 0; i < c->nseries; i++)
        if (strcmp(c->series[i].name, name) == 0)
            return (int)i;
    if (c->nseries == c->scap) {
        size_t ncap = c->scap ? c->scap * 2 : 4;
        struct ch_series *ns = realloc(c->series, ncap * sizeof(*ns));

        if (!ns)
            return -1;
        c->series = ns;
        c->scap = ncap;
    }
    s = &c->series[c->nseries];
    memset(s, 0, sizeof(*s));
    if (!(s->name = strdup(name)))
        return -1;
    return (int)c->nseries++;
}

static int series_reserve(struct ch_series *s, size_t n)
{
    if (n > s->cap) {
        size_t ncap = s->cap ? s->cap : 64;
        struct ch_pt *np;

        while (ncap < n)
            ncap *= 2;
        np = realloc(s->pts, ncap * sizeof(*np));
        if (!np)
            return -1;
        s->pts = np;
        s->cap = ncap;
    }
    return 0;
}

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static int cat_rehash(struct ch_chart *c, size_t hcap)
{
    size_t *h = calloc(hcap, sizeof(size_t)), i;

    if (!h)
        return -1;
    for (i = 0; i < c->ncat; i++) {
        size_t k = hash_str(c->cats[i]) & (hcap - 1);

        while (h[k])
            k = (k + 1) & (hcap - 1);
        h[k] = i + 1;
    }
    free(c->cat_hash);
    c->cat_hash = h;
    c->cat_hcap = hcap;
    return 0;
}

long ch_chart_category(struct ch_chart *c, const char *name)
{
    size_t k;

    if (!name)
        name = "";
    if (!c->cat_hash || (c->ncat + 1) * 2 > c->cat_hcap) {
        if (cat_rehash(c, c->cat_hcap ? c->cat_hcap * 2 : 64) < 0)
            return -1;
    }
    k = hash_str(name) & (c->cat_hcap - 1);
    while (c->cat_hash[k]) {
        if (strcmp(c->cats[c->cat_hash[k] - 1], name) == 0)
            return (long)c->cat_hash[k] - 1;
        k = (k + 1) & (c->cat_hcap - 1);
    }
    if (c->ncat == c->catcap) {
        size_t ncap = c->catcap ? c->catcap * 2 : 16;
        char **nc = realloc(c->cats, ncap * sizeof(*nc));

        if (!nc)
            return -1;
        c->cats = nc;
        c->catcap = ncap;
    }
    if (!(c->cats[c->ncat] = strdup(name)))
        return -1;
    c->cat_hash[k] = c->ncat + 1;
    return (long)c->ncat++;
}

int ch_chart_point(struct ch_chart *c, int series, double x, double y, double s)
{
    struct ch_series *se;

    if (series < 0 || (size_t)series >= c->nseries)
        return -1;
    se = &c->series[series];
    if (series_reserve(se, se->n + 1) < 0)
        return -1;
    se->pts[se->n].x = x;
    se->pts[se->n].y = y;
    se->pts[se->n].s = s;
    se->pts[se->n].c = NAN;
    se->pts[se->n].row = c->cur_row;
    se->pts[se->n].drawn = 0;
    se->n++;
    return 0;
}

int ch_chart_point_coloured(struct ch_chart *c, int series, double x, double y,
                            double s, double v)
{
    if (ch_chart_point(c, series, x, y, s) < 0)
        return -1;
    c->series[series].pts[c->series[series].n - 1].c = v;
    c->has_colour = 1;
    return 0;
}

int ch_chart_bar(struct ch_chart *c, const char *cat, int series, double y)
{
    long ci = ch_chart_category(c, cat);
    struct ch_series *se;

    if (ci < 0 || series < 0 || (size_t)series >= c->nseries)
        return -1;
    se = &c->series[series];
    if ((size_t)ci >= se->n) {
        if (series_reserve(se, (size_t)ci + 1) < 0)
            return -1;
        while (se->n <= (size_t)ci) {
            se->pts[se->n].x = (double)se->n;
            se->pts[se->n].y = NAN;
            se->pts[se->n].s = 0;
            se->pts[se->n].c = NAN;
            se->pts[se->n].row = -1;
            se->pts[se->n].drawn = 0;
            se->n++;
        }
    }
    if (se->pts[ci].row < 0)
        se->pts[ci].row = c->cur_row;
    if (isnan(se->pts[ci].y))
        se->pts[ci].y = y;
    else
        se->pts[ci].y += y;
    return 0;
}

int ch_chart_hist_bin(struct ch_chart *c, double lo, double hi, double count)
{
    if (c->nseries == 0 && ch_chart_series(c, "") < 0)
        return -1;
    return ch_chart_point(c, 0, lo, count, hi);
}

static double quantile(const double *a, size_t n, double p)
{
    double pos = (double)(n - 1) * p, f = floor(pos);
    size_t i = (size_t)f;

    if (i + 1 >= n)
        return a[n - 1];
    return a[i] + (a[i + 1] - a[i]) * (pos - f);
}

int ch_chart_box(struct ch_chart *c, const char *cat, const double *v, size_t n)
{
    long ci;
    struct ch_box *b;
    double iqr, lof, hif;
    size_t i, nlo = 0, nhi = 0, keep_lo, keep_hi;

    if (n == 0)
        return 0;
    ci = ch_chart_category(c, cat);
    if (ci < 0)
        return -1;
    if ((size_t)ci >= c->nbox) {
        struct ch_box *nb = realloc(c->boxes, (size_t)(ci + 1) * sizeof(*nb));

        if (!nb)
            return -1;
        c->boxes = nb;
        memset(&c->boxes[c->nbox], 0, ((size_t)ci + 1 - c->nbox) * sizeof(*nb));
        c->nbox = (size_t)ci + 1;
    }
    b = &c->boxes[ci];
    box_free(b);
    memset(b, 0, sizeof(*b));
    b->n = n;
    b->q1 = quantile(v, n, 0.25);
    b->med = quantile(v, n, 0.5);
    b->q3 = quantile(v, n, 0.75);
    iqr = b->q3 - b->q1;
    lof = b->q1 - 1.5 * iqr;
    hif = b->q3 + 1.5 * iqr;
    while (nlo < n && v[nlo] < lof)
        nlo++;
    while (nhi < n - nlo && v[n - 1 - nhi] > hif)
        nhi++;
    b->lo = v[nlo];
    b->hi = v[n - 1 - nhi];
    b->nout_total = nlo + nhi;
    keep_lo = nlo < CH_BOX_OUTLIERS / 2 ? nlo : CH_BOX_OUTLIERS / 2;
    keep_hi = nhi < CH_BOX_OUTLIERS / 2 ? nhi : CH_BOX_OUTLIERS / 2;
    if (keep_lo + keep_hi) {
        b->out = malloc((keep_lo + keep_hi) * sizeof(double));
        if (!b->out)
            return -1;
        for (i = 0; i < keep_lo; i++)
            b->out[b->nout++] = v[i];
        for (i = 0; i < keep_hi; i++)
            b->out[b->nout++] = v[n - 1 - i];
    }
    return 0;
}

struct cat_total {
    size_t idx;
    double total;
};

static int cmp_total_desc(const void *a, const void *b)
{
    const struct cat_total *x = a, *y = b;

    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int ch_chart_top(struct ch_chart *c, size_t top)
{
    struct cat_total *t;
    char **ncats;
    size_t i, s, keep;

    if (c->kind != CH_BAR || c->ncat == 0)
        return 0;
    keep = top < c->ncat ? top : c->ncat;
    t = malloc(c->ncat * sizeof(*t));
    ncats = malloc(c->ncat * sizeof(*ncats));
    if (!t || !ncats) {
        free(t);
        free(ncats);
        return -1;
    }
    for (i = 0; i < c->ncat; i++) {
        t[i].idx = i;
        t[i].total = 0;
        for (s = 0; s < c->nseries; s++)
            if (i < c->series[s].n && !isnan(c->series[s].pts[i].y))
                t[i].total += c->series[s].pts[i].y;
    }
    qsort(t, c->ncat, sizeof(*t), cmp_total_desc);
    for (s = 0; s < c->nseries; s++) {
        struct ch_series *se = &c->series[s];
        struct ch_pt *np = malloc((keep ? keep : 1) * sizeof(*np));

        if (!np) {
            free(t);
            free(ncats);
            return -1;
        }
        for (i = 0; i < keep; i++) {
            size_t from = t[i].idx;

            np[i].x = (double)i;
            np[i].y = from < se->n ? se->pts[from].y : NAN;
            np[i].s = 0;
            np[i].c = NAN;
            np[i].row = from < se->n ? se->pts[from].row : -1;
            np[i].drawn = 0;
        }
        free(se->pts);
        se->pts = np;
        se->n = keep;
        se->cap = keep ? keep : 1;
    }
    for (i = 0; i < c->ncat; i++)
        ncats[i] = c->cats[t[i].idx];
    for (i = keep; i < c->ncat; i++)
        free(ncats[i]);
    if (keep < c->ncat)
        ch_chart_add_note(c, "top %zu of %s categories", keep, cnt(c->ncat).s);
    free(c->cats);
    c->cats = ncats;
    c->catcap = c->ncat;
    c->ncat = keep;
    free(c->cat_hash);
    c->cat_hash = NULL;
    c->cat_hcap = 0;
    free(t);
    return 0;
}

/* --------------------------------------------------------------- layout */

enum axis_type { AX_LIN, AX_LOG, AX_TIME, AX_BAND };

struct axis {
    enum axis_type type;
    double lo, hi; /* domain */
    double r0, r1; /* pixel range */
    struct ch_ticks t;
    size_t nband;
    int nice;
    size_t label_every; /* band: show every k-th label */
    int rotate;         /* band on x: labels at -45 degrees */
    int wrap;           /* band on x: labels on up to two lines */
    double maxlab;      /* band on x: longest label in px */
};

static double amap(const struct axis *a, double v)
{
    double f;

    switch (a->type) {
    case AX_LOG:
        f = (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo));
        break;
    case AX_BAND:
        f = (v + 0.5) / (double)(a->nband ? a->nband : 1);
        break;
    default:
        f = a->hi > a->lo ? (v - a->lo) / (a->hi - a->lo) : 0.5;
    }
    return a->r0 + f * (a->r1 - a->r0);
}

static double band_width(const struct axis *a)
{
    return fabs(a->r1 - a->r0) / (double)(a->nband ? a->nband : 1);
}

static void axis_ticks(struct axis *a, double lo, double hi, int count)
{
    switch (a->type) {
    case AX_LOG:
        ch_ticks_log(lo, hi, count, &a->t);
        a->lo = a->t.lo;
        a->hi = a->t.hi;
        break;
    case AX_TIME:
        ch_ticks_time(lo, hi, count, &a->t);
        a->lo = a->t.lo;
        a->hi = a->t.hi;
        break;
    case AX_LIN:
        ch_ticks_linear(lo, hi, count, a->nice, &a->t);
        a->lo = a->t.lo;
        a->hi = a->t.hi;
        break;
    case AX_BAND:
        break;
    }
}

/* A log axis over more than three decades: minor grid lines would crowd the
 * plot, so only labelled ticks get one. */
static int busy_log(const struct axis *a)
{
    return a->type == AX_LOG && log10(a->hi) - log10(a->lo) > 3.01;
}

/* Do the labels of a horizontal axis overlap (gap < 8 px)? */
static int x_labels_overlap(const struct axis *a)
{
    double prev_end = -1e9;
    int i;

    for (i = 0; i < a->t.n; i++) {
        double w, x;

        if (!a->t.label[i][0])
            continue;
        w = ch_text_width(a->t.label[i], TICK_SIZE, 0);
        x = amap(a, a->t.v[i]);
        if (x - w / 2 < prev_end + 8)
            return 1;
        prev_end = x + w / 2;
    }
    return 0;
}

/* Ticks of a numeric/time x axis over [lo, hi] that fit the width. */
static void fit_x_axis(struct axis *a, double lo, double hi)
{
    int count = (int)(fabs(a->r1 - a->r0) / 80.0);
    int i;

    if (count < 2)
        count = 2;
    for (;;) {
        axis_ticks(a, lo, hi, count);
        if (!x_labels_overlap(a) || count <= 2)
            break;
        count--;
    }
    /* Still crowded: keep every other label. */
    while (x_labels_overlap(a)) {
        int labelled = 0, cleared = 0;

        for (i = 0; i < a->t.n; i++) {
            if (!a->t.label[i][0])
                continue;
            if (labelled++ % 2 == 1) {
                a->t.label[i][0] = '\0';
                cleared++;
            }
        }
        if (!cleared)
            break;
    }
}

static double max_label_width(const struct ch_ticks *t, double size)
{
    double m = 0;
    int i;

    for (i = 0; i < t->n; i++) {
        double w = ch_text_width(t->label[i], size, 0);

        if (w > m)
            m = w;
    }
    return m;
}

/* Data ranges. */
struct ranges {
    double xlo, xhi, ylo, yhi;
    double ymin_pos, xmin_pos; /* smallest positive values (log scales) */
    double smax;               /* largest bubble size */
    double cmin, cmax;         /* colour-scale values */
    size_t points;
};

static void ranges_init(struct ranges *r)
{
    r->xlo = r->ylo = r->xmin_pos = r->ymin_pos = INFINITY;
    r->xhi = r->yhi = -INFINITY;
    r->smax = 0;
    r->cmin = INFINITY;
    r->cmax = -INFINITY;
    r->points = 0;
}

static void ranges_add(struct ranges *r, double x, double y)
{
    if (isfinite(x)) {
        if (x < r->xlo)
            r->xlo = x;
        if (x > r->xhi)
            r->xhi = x;
        if (x > 0 && x < r->xmin_pos)
            r->xmin_pos = x;
    }
    if (isfinite(y)) {
        if (y < r->ylo)
            r->ylo = y;
        if (y > r->yhi)
            r->yhi = y;
        if (y > 0 && y < r->ymin_pos)
            r->ymin_pos = y;
    }
}

static int cmp_pt_x(const void *a, const void *b)
{
    const struct ch_pt *p = a, *q = b;

    return p->x < q->x ? -1 : p->x > q->x;
}

/* Drop series beyond CH_MAX_SERIES (keeping the heaviest). */
static void limit_series(struct ch_chart *c)
{
    double *w;
    size_t i, j, keep = CH_MAX_SERIES, total = c->nseries, o = 0;
    double cut;

    if (c->nseries <= CH_MAX_SERIES)
        return;
    w = malloc(c->nseries * sizeof(double));
    if (!w)
        return;
    for (i = 0; i < c->nseries; i++) {
        w[i] = 0;
        for (j = 0; j < c->series[i].n; j++) {
            double y = c->series[i].pts[j].y;

            if (c->kind == CH_BAR)
                w[i] += isfinite(y) ? fabs(y) : 0;
            else
                w[i] += 1;
        }
    }
    /* The weight of the keep-th heaviest series. */
    {
        double *sorted = malloc(c->nseries * sizeof(double));

        if (!sorted) {
            free(w);
            return;
        }
        memcpy(sorted, w, c->nseries * sizeof(double));
        for (i = 0; i < keep; i++) {
            size_t best = i;

            for (j = i + 1; j < c->nseries; j++)
                if (sorted[j] > sorted[best])
                    best = j;
            cut = sorted[best];
            sorted[best] = sorted[i];
            sorted[i] = cut;
        }
        cut = sorted[keep - 1];
        free(sorted);
    }
    /* Every series heavier than the cut stays; ties at the cut fill the
     * slots left, in order (so a tie never displaces a heavier series). */
    for (i = 0, j = 0; i < c->nseries; i++)
        j += w[i] > cut;
    j = keep - j; /* slots for series weighing exactly `cut` */
    for (i = 0; i < c->nseries; i++) {
        if (w[i] > cut || (w[i] == cut && j > 0)) {
            if (w[i] == cut)
                j--;
            c->series[o++] = c->series[i];
        } else {
            free(c->series[i].name);
            free(c->series[i].pts);
        }
    }
    c->nseries = o;
    free(w);
    ch_chart_add_note(c, "the %zu largest of %zu series shown", o, total);
}

struct frame {
    double left, right, top, bottom; /* plot area */
};

static const char *kind_name(const struct ch_chart *c)
{
    switch (c->kind) {
    case CH_BAR:
        if (c->stacked && c->nseries > 1)
            return c->horizontal ? "Stacked horizontal bar chart"
                                 : "Stacked bar chart";
        return c->horizontal ? "Horizontal bar chart" : "Bar chart";
    case CH_LINE:
        return "Line chart";
    case CH_SCATTER:
        return c->has_size ? "Bubble chart" : "Scatter plot";
    case CH_HIST:
        return "Histogram";
    case CH_BOX:
        return "Box plot";
    }
    return "Chart";
}

/* Legend items laid out in rows from (x0, y) within width; returns rows. */
/* Longest series name the legend shows (longer ones are cut). */
static double legend_name_max(double width)
{
    return fmin(260, width - 34);
}

static int legend_rows(const struct ch_chart *c, double width, double namemax)
{
    double x = 0;
    int rows = 1;
    size_t i;

    for (i = 0; i < c->nseries; i++) {
        double w =
            18 +
            fmin(ch_text_width(c->series[i].name, LABEL_SIZE, 0), namemax) + 16;

        if (x > 0 && x + w > width) {
            rows++;
            x = 0;
        }
        x += w;
    }
    return rows;
}

static int draw_legend(const struct ch_chart *c, struct ch_draw *d, double x0,
                       double y, double width, double namemax)
{
    double x = 0;
    size_t i;

    for (i = 0; i < c->nseries; i++) {
        char *name = ch_text_fit(c->series[i].name, LABEL_SIZE, namemax);
        double w;
        uint32_t col = ch_palette((int)i);
        double cy = y - LABEL_SIZE * 0.35;
        int bad;

        if (!name)
            return -1;
        w = 18 + ch_text_width(name, LABEL_SIZE, 0) + 16;

        if (x > 0 && x + w > width) {
            y += 18;
            cy += 18;
            x = 0;
        }
        if (c->kind == CH_LINE)
            bad = ch_draw_line(d, x0 + x, cy, x0 + x + 14, cy, col, 2.5, 0);
        else if (c->kind == CH_SCATTER)
            bad = ch_draw_circle(d, x0 + x + 6, cy, 5, col, CH_NONE, 0.85);
        else
            bad = ch_draw_rect(d, x0 + x, cy - 6, 12, 12, col, CH_NONE, 0);
        if (!bad)
            bad = ch_draw_text(d, x0 + x + 18, y, name, LABEL_SIZE,
                               CH_COLOUR_TEXT, CH_START, 0, 0);
        free(name);
        if (bad < 0)
            return -1;
        x += w;
    }
    return 0;
}

/* Value labels on single-series bars: only when each fits its bar's band
 * (estimated from the canvas, as the frame is not known yet). */
static int bar_labels_fit(const struct ch_chart *c, double W, double H)
{
    double maxw = 0, bw;
    size_t i;

    if (c->ncat == 0 || c->nseries != 1)
        return 0;
    if (c->horizontal)
        return (double)c->ncat * 15 <= H - 110;
    for (i = 0; i < c->ncat && i < c->series[0].n; i++) {
        char lab[CH_LABEL_LEN];
        double w;

        if (!isfinite(c->series[0].pts[i].y))
            continue;
        ch_format_compact(c->series[0].pts[i].y, lab, sizeof(lab));
        w = ch_text_width(lab, TICK_SIZE, 0);
        if (w > maxw)
            maxw = w;
    }
    bw = (W - 2 * PAD - 70) / (double)c->ncat;
    return maxw + 8 <= bw * 0.8;
}

/* A series called "Other" (the rest, summed in SQL) goes last: legend and
 * stack end with it. */
static void other_last(struct ch_chart *c)
{
    size_t i;

    for (i = 0; i + 1 < c->nseries; i++) {
        if (strcasecmp(c->series[i].name, "other") == 0 ||
            strcasecmp(c->series[i].name, "others") == 0) {
            struct ch_series o = c->series[i];

            memmove(&c->series[i], &c->series[i + 1],
                    (c->nseries - i - 1) * sizeof(o));
            c->series[c->nseries - 1] = o;
            return;
        }
    }
}

/* Colour scale legend: "label  min [gradient] max" on one row. */
static int draw_colourbar(const struct ch_chart *c, struct ch_draw *d, double x,
                          double y, double cmin, double cmax, double avail)
{
    char lo[CH_LABEL_LEN], hi[CH_LABEL_LEN];
    double cy = y - LABEL_SIZE * 0.35, w, step = 4, ends;
    int k, with_label = c->colour_label && *c->colour_label;

    ch_format_compact(cmin, lo, sizeof(lo));
    ch_format_compact(cmax, hi, sizeof(hi));
    ends =
        ch_text_width(lo, TICK_SIZE, 0) + ch_text_width(hi, TICK_SIZE, 0) + 12;
    /* the gradient shrinks (down to 2 px a step), then the label goes */
    if (with_label &&
        ends + COLOUR_LEVELS * 2 + 10 +
                fmin(200, ch_text_width(c->colour_label, LABEL_SIZE, 0)) >
            avail)
        with_label = 0;
    if (with_label)
        ends += 10 + fmin(200, ch_text_width(c->colour_label, LABEL_SIZE, 0));
    step = fmax(2, fmin(4, (avail - ends) / COLOUR_LEVELS));
    if (with_label) {
        char *lab = ch_text_fit(c->colour_label, LABEL_SIZE, 200);

        if (!lab)
            return -1;
        w = ch_text_width(lab, LABEL_SIZE, 0);
        k = ch_draw_text(d, x, y, lab, LABEL_SIZE, CH_COLOUR_TEXT, CH_START, 0,
                         0);
        free(lab);
        if (k < 0)
            return -1;
        x += w + 10;
    }
    if (ch_draw_text(d, x, y, lo, TICK_SIZE, CH_COLOUR_MUTED, CH_START, 0, 0) <
        0)
        return -1;
    x += ch_text_width(lo, TICK_SIZE, 0) + 6;
    for (k = 0; k < COLOUR_LEVELS; k++)
        if (ch_draw_rect(d, x + k * step, cy - 5, step + 0.3, 10,
                         viridis(k / (COLOUR_LEVELS - 1.0)), CH_NONE, 0) < 0)
            return -1;
    x += COLOUR_LEVELS * step + 6;
    return ch_draw_text(d, x, y, hi, TICK_SIZE, CH_COLOUR_MUTED, CH_START, 0,
                        0);
}

/* Bar value domain (grouped or stacked) over all categories. */
static void bar_range(const struct ch_chart *c, struct ranges *r)
{
    size_t i, s;

    for (i = 0; i < c->ncat; i++) {
        double pos = 0, neg = 0;

        for (s = 0; s < c->nseries; s++) {
            double y;

            if (i >= c->series[s].n)
                continue;
            y = c->series[s].pts[i].y;
            if (!isfinite(y))
                continue;
            r->points++;
            if (c->stacked) {
                if (y >= 0)
                    pos += y;
                else
                    neg += y;
            } else {
                ranges_add(r, NAN, y);
            }
        }
        if (c->stacked) {
            ranges_add(r, NAN, pos);
            ranges_add(r, NAN, neg);
        }
    }
}

static int draw_bars(const struct ch_chart *c, struct ch_draw *d,
                     const struct axis *cat, const struct axis *val, int labels)
{
    double bw = band_width(cat), gap = bw * 0.2, group, sub;
    double base_v = val->type == AX_LOG ? val->lo
                                        : (0 < val->lo   ? val->lo
                                           : 0 > val->hi ? val->hi
                                                         : 0);
    size_t i, s;
    int grouped = !c->stacked && c->nseries > 1;

    if (gap < 1 && bw > 3)
        gap = 1;
    if (bw <= 3)
        gap = 0;
    group = bw - gap;
    sub = grouped ? group / (double)c->nseries : group;
    for (i = 0; i < c->ncat; i++) {
        double start = fmin(cat->r0, cat->r1) + (double)i * bw + gap / 2;
        double pos = 0, neg = 0;

        for (s = 0; s < c->nseries; s++) {
            double y, v0, v1, p0, p1, off;
            uint32_t col = ch_palette((int)s);

            if (i >= c->series[s].n)
                continue;
            y = c->series[s].pts[i].y;
            if (!isfinite(y) || (val->type == AX_LOG && y <= 0))
                continue;
            if (c->stacked) {
                v0 = y >= 0 ? pos : neg;
                v1 = v0 + y;
                if (y >= 0)
                    pos = v1;
                else
                    neg = v1;
                if (val->type == AX_LOG && v0 <= 0)
                    v0 = base_v;
            } else {
                v0 = base_v;
                v1 = y;
            }
            p0 = amap(val, v0);
            p1 = amap(val, v1);
            off = start + (grouped ? (double)s * sub : 0);
            if (c->horizontal) {
                if (ch_draw_rect(d, p0, off, p1 - p0, sub, col, CH_NONE, 0) < 0)
                    return -1;
            } else if (ch_draw_rect(d, off, p1, sub, p0 - p1, col, CH_NONE, 0) <
                       0) {
                return -1;
            }
            if (c->stacked && c->nseries > 1 && sub > 4 &&
                fabs(p1 - p0) > 1.5) {
                /* white hairline between stacked segments */
                d->prims[d->n - 1].stroke = 0xFFFFFF;
                d->prims[d->n - 1].stroke_width = 0.5;
            }
            if (labels) {
                char lab[CH_LABEL_LEN];

                ch_format_compact(y, lab, sizeof(lab));
                if (c->horizontal) {
                    if (ch_draw_text(d, p1 + (y >= 0 ? 4 : -4),
                                     off + sub / 2 + TICK_SIZE * 0.35, lab,
                                     TICK_SIZE, CH_COLOUR_MUTED,
                                     y >= 0 ? CH_START : CH_END, 0, 0) < 0)
                        return -1;
                } else if (ch_draw_text(d, off + sub / 2,
                                        y >= 0 ? p1 - 4
                                               : p1 + 4 + TICK_SIZE * 0.8,
                                        lab, TICK_SIZE, CH_COLOUR_MUTED,
                                        CH_MIDDLE, 0, 0) < 0) {
                    return -1;
                }
            }
        }
    }
    return 0;
}

/* Map a series to pixel points, LTTB-reduced to about 2 per pixel. */
static int draw_line_series(struct ch_chart *c, struct ch_draw *d, size_t si,
                            const struct axis *xa, const struct axis *ya,
                            double plot_w)
{
    struct ch_series *s = &c->series[si];
    size_t threshold = (size_t)(plot_w * 2), n = s->n, k, i, m = 0;
    size_t *idx = NULL;
    double *pts = NULL;
    uint32_t col = ch_palette((int)si);
    int rc = -1;

    if (n == 0)
        return 0;
    if (threshold < 3)
        threshold = 3;
    idx = malloc((n < threshold ? n : threshold) * sizeof(size_t));
    pts = malloc((n < threshold ? n : threshold) * 2 * sizeof(double));
    if (!idx || !pts)
        goto out;
    k = ch_lttb(&s->pts[0].x, sizeof(struct ch_pt) / sizeof(double), n,
                threshold, idx);
    for (i = 0; i < k; i++) {
        const struct ch_pt *p = &s->pts[idx[i]];

        if (!isfinite(p->x) || !isfinite(p->y) ||
            (xa->type == AX_LOG && p->x <= 0) ||
            (ya->type == AX_LOG && p->y <= 0))
            continue;
        pts[2 * m] = amap(xa, p->x);
        pts[2 * m + 1] = amap(ya, p->y);
        s->pts[idx[i]].drawn = 1;
        m++;
    }
    if (ch_draw_path(d, pts, m, col, 2) < 0)
        goto out;
    if (m <= 40) {
        for (i = 0; i < m; i++)
            if (ch_draw_circle(d, pts[2 * i], pts[2 * i + 1], 3, col, 0xFFFFFF,
                               1) < 0)
                goto out;
    }
    c->info.drawn += m;
    rc = 0;
out:
    free(idx);
    free(pts);
    return rc;
}

struct level_idx {
    int level;
    size_t idx;
};

static int cmp_level(const void *a, const void *b)
{
    const struct level_idx *x = a, *y = b;

    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Colour the circles d->prims[start..] by level (-1 = no value, grey) and
 * reorder them by level, so high values are on top and the SVG groups runs
 * of one colour. */
static int colour_circles(struct ch_draw *d, size_t start, const int *levels)
{
    size_t n = d->n - start, i;
    struct level_idx *li;
    struct ch_prim *copy;

    if (n == 0)
        return 0;
    li = malloc(n * sizeof(*li));
    copy = malloc(n * sizeof(*copy));
    if (!li || !copy) {
        free(li);
        free(copy);
        return -1;
    }
    for (i = 0; i < n; i++) {
        li[i].level = levels[i];
        li[i].idx = i;
    }
    qsort(li, n, sizeof(*li), cmp_level);
    memcpy(copy, d->prims + start, n * sizeof(*copy));
    for (i = 0; i < n; i++) {
        struct ch_prim *p = &d->prims[start + i];
        uint32_t col = li[i].level < 0
                           ? 0xAAAAAA
                           : viridis(li[i].level / (COLOUR_LEVELS - 1.0));

        *p = copy[li[i].idx];
        p->fill = col;
        if (p->stroke != CH_NONE)
            p->stroke = col;
    }
    free(li);
    free(copy);
    return 0;
}

static int draw_scatter(struct ch_chart *c, struct ch_draw *d,
                        const struct axis *xa, const struct axis *ya,
                        const struct frame *f, double smax, double cmin,
                        double cmax)
{
    size_t total = 0, si, i, start = d->n, nlev = 0, caplev = 0;
    int *levels = NULL, rc = -1;
    double cell = 0, pw = f->right - f->left, ph = f->bottom - f->top;
    double r = 3.5, opacity = 0.75, rmax = fmin(pw, ph) / 16;
    size_t gw = 0, gh = 0;
    unsigned char *seen = NULL;

    for (si = 0; si < c->nseries; si++)
        total += c->series[si].n;
    if (total > SCATTER_THIN && !c->has_size) {
        cell = sqrt(pw * ph * (double)c->nseries / SCATTER_CELLS);
        if (cell < 2)
            cell = 2;
        gw = (size_t)(pw / cell) + 2;
        gh = (size_t)(ph / cell) + 2;
        r = 1.6;
        opacity = 0.6;
        ch_chart_add_note(c, "%s points, one drawn per %.0f-px cell",
                          cnt(total).s, cell);
    } else if (total > 1000) {
        r = 2.2;
        opacity = 0.6;
    }
    if (rmax < 8)
        rmax = 8;
    for (si = 0; si < c->nseries; si++) {
        struct ch_series *s = &c->series[si];
        uint32_t col = ch_palette((int)si);

        if (cell > 0) {
            free(seen);
            seen = calloc(gw * gh, 1);
            if (!seen)
                goto out;
        }
        for (i = 0; i < s->n; i++) {
            struct ch_pt *p = &s->pts[i];
            double px, py, rr = r;

            if (!isfinite(p->x) || !isfinite(p->y) ||
                (xa->type == AX_LOG && p->x <= 0) ||
                (ya->type == AX_LOG && p->y <= 0))
                continue;
            px = amap(xa, p->x);
            py = amap(ya, p->y);
            if (cell > 0) {
                size_t gx = (size_t)fmax(0, (px - f->left) / cell);
                size_t gy = (size_t)fmax(0, (py - f->top) / cell);

                if (gx >= gw)
                    gx = gw - 1;
                if (gy >= gh)
                    gy = gh - 1;
                if (seen[gy * gw + gx])
                    continue;
                seen[gy * gw + gx] = 1;
            }
            if (c->has_size) {
                double sv = isfinite(p->s) && p->s > 0 ? p->s : 0;

                rr = smax > 0 ? 2 + (rmax - 2) * sqrt(sv / smax) : r;
                if (ch_draw_circle(d, px, py, rr, col, col, 0.55) < 0)
                    goto out;
            } else if (ch_draw_circle(d, px, py, rr, col, CH_NONE, opacity) <
                       0) {
                goto out;
            }
            if (c->has_colour) {
                if (nlev == caplev) {
                    size_t ncap = caplev ? caplev * 2 : 1024;
                    int *nl = realloc(levels, ncap * sizeof(int));

                    if (!nl)
                        goto out;
                    levels = nl;
                    caplev = ncap;
                }
                levels[nlev++] =
                    !isfinite(p->c) ? -1
                    : cmax > cmin
                        ? (int)fmin(COLOUR_LEVELS - 1,
                                    floor((p->c - cmin) / (cmax - cmin) *
                                          COLOUR_LEVELS))
                        : COLOUR_LEVELS / 2;
            }
            p->drawn = 1;
            c->info.drawn++;
        }
    }
    if (c->has_colour && colour_circles(d, start, levels) < 0)
        goto out;
    rc = 0;
out:
    free(seen);
    free(levels);
    return rc;
}

static int cmp_pt_s_desc(const void *a, const void *b)
{
    const struct ch_pt *p = a, *q = b;

    return p->s < q->s ? 1 : p->s > q->s ? -1 : 0;
}

static int draw_boxes(const struct ch_chart *c, struct ch_draw *d,
                      const struct axis *cat, const struct axis *val)
{
    double bw = band_width(cat), boxw = fmin(bw * 0.55, 70);
    size_t i, k;
    uint32_t col = ch_palette(0);

    for (i = 0; i < c->nbox && i < c->ncat; i++) {
        const struct ch_box *b = &c->boxes[i];
        double cx = amap(cat, (double)i);
        double yq1, yq3, ymed, ylo, yhi;

        if (b->n == 0)
            continue;
        yq1 = amap(val, b->q1);
        yq3 = amap(val, b->q3);
        ymed = amap(val, b->med);
        ylo = amap(val, b->lo);
        yhi = amap(val, b->hi);
        if (ch_draw_line(d, cx, yhi, cx, yq3, CH_COLOUR_TEXT, 1, 0) < 0 ||
            ch_draw_line(d, cx, ylo, cx, yq1, CH_COLOUR_TEXT, 1, 0) < 0 ||
            ch_draw_line(d, cx - boxw / 4, yhi, cx + boxw / 4, yhi,
                         CH_COLOUR_TEXT, 1, 0) < 0 ||
            ch_draw_line(d, cx - boxw / 4, ylo, cx + boxw / 4, ylo,
                         CH_COLOUR_TEXT, 1, 0) < 0 ||
            ch_draw_rect(d, cx - boxw / 2, yq3, boxw, yq1 - yq3, col,
                         CH_COLOUR_TEXT, 1) < 0)
            return -1;
        d->prims[d->n - 1].opacity = 1;
        d->prims[d->n - 1].fill = 0xA6CEE3; /* light blue box */
        if (ch_draw_line(d, cx - boxw / 2, ymed, cx + boxw / 2, ymed,
                         CH_COLOUR_TEXT, 2, 0) < 0)
            return -1;
        for (k = 0; k < b->nout; k++)
            if (ch_draw_circle(d, cx, amap(val, b->out[k]), 2.5, CH_NONE,
                               CH_COLOUR_TEXT, 0.8) < 0)
                return -1;
    }
    return 0;
}

/* Can `s` be shown on at most two lines of maxw px (tick font), breaking at
 * one blank?  Returns 1 and sets *cut (0 = one line; else the blank's index)
 * or 0. */
static int split2(const char *s, double maxw, size_t *cut)
{
    size_t n = strlen(s), i, best = 0;
    double best_w = 1e9;

    *cut = 0;
    if (ch_text_width(s, TICK_SIZE, 0) <= maxw)
        return 1;
    for (i = 1; i + 1 < n; i++) {
        char *head;
        double w1, w2;

        if (s[i] != ' ')
            continue;
        head = strndup(s, i);
        if (!head)
            return 0;
        w1 = ch_text_width(head, TICK_SIZE, 0);
        free(head);
        w2 = ch_text_width(s + i + 1, TICK_SIZE, 0);
        if (w1 <= maxw && w2 <= maxw && fmax(w1, w2) < best_w) {
            best_w = fmax(w1, w2);
            best = i;
        }
    }
    *cut = best;
    return best > 0;
}

/* Split a title over at most two lines of width maxw at a blank; the second
 * line is cut with an ellipsis when still too long.  *l2 stays NULL when one
 * line is enough.  Returns 0 or -1 (out of memory). */
static int wrap_title(const char *t, double maxw, char **l1, char **l2)
{
    size_t n = strlen(t), cut = 0, i;

    *l1 = *l2 = NULL;
    if (ch_text_width(t, TITLE_SIZE, 0) <= maxw)
        return (*l1 = strdup(t)) ? 0 : -1;
    for (i = 1; i < n; i++) {
        char *head;
        double w;

        if (t[i] != ' ')
            continue;
        head = strndup(t, i);
        if (!head)
            return -1;
        w = ch_text_width(head, TITLE_SIZE, 0);
        free(head);
        if (w > maxw)
            break;
        cut = i;
    }
    if (cut == 0) {
        *l1 = ch_text_fit(t, TITLE_SIZE, maxw);
        return *l1 ? 0 : -1;
    }
    *l1 = strndup(t, cut);
    while (t[cut] == ' ')
        cut++;
    *l2 = ch_text_fit(t + cut, TITLE_SIZE, maxw);
    return *l1 && *l2 ? 0 : -1;
}

/* Might some line series be downsampled (and noted)?  draw_line_series
 * keeps 2 points per pixel of plot width; the plot is narrower than the
 * canvas, so more points than the canvas has pixels may be reduced.  (A
 * false yes only costs an empty caption line.) */
static int line_needs_lttb(const struct ch_chart *c, double width)
{
    size_t s;

    for (s = 0; s < c->nseries; s++)
        if ((double)c->series[s].n > width)
            return 1;
    return 0;
}

static int has_values(const struct ch_chart *c)
{
    size_t i;

    if (c->kind == CH_BOX) {
        for (i = 0; i < c->nbox; i++)
            if (c->boxes[i].n)
                return 1;
        return 0;
    }
    for (i = 0; i < c->nseries; i++)
        if (c->series[i].n)
            return 1;
    return 0;
}

/* Everything one layout computes, passed between its sections. */
struct lay {
    struct ch_chart *c;
    struct ch_draw *d;
    struct ranges r;
    struct axis xa, ya;
    struct axis *cat, *val; /* bar/box: category and value axes */
    struct frame f;
    double W, H, top, bottom, xlab_y, ylab_x, legend_y;
    double ytick_w, xtick_h, right_extra, left_extra;
    double colourbar_y, legend_max;
    int bar_labels, legend, colourbar;
    char *title_fit, *title_2;
    size_t marks_start; /* first primitive of the marks */
};

/* Bars: cut categories beyond CH_MAX_CATEGORIES, then the value range. */
static void lay_ranges_bar(struct lay *L)
{
    struct ch_chart *c = L->c;
    size_t i, s;

    if (c->ncat > CH_MAX_CATEGORIES) {
        size_t n = c->ncat;

        for (s = 0; s < c->nseries; s++)
            if (c->series[s].n > CH_MAX_CATEGORIES)
                c->series[s].n = CH_MAX_CATEGORIES;
        for (i = CH_MAX_CATEGORIES; i < c->ncat; i++)
            free(c->cats[i]);
        c->ncat = CH_MAX_CATEGORIES;
        free(c->cat_hash);
        c->cat_hash = NULL;
        c->cat_hcap = 0;
        ch_chart_add_note(c, "first %d of %s categories (use --top N)",
                          CH_MAX_CATEGORIES, cnt(n).s);
    }
    bar_range(c, &L->r);
    L->r.xlo = 0;
    L->r.xhi = (double)c->ncat;
    L->bar_labels = c->nseries == 1 && bar_labels_fit(c, L->W, L->H);
}

/* Lines and scatters: ranges of x, y, size and colour; lines sorted by x,
 * bubbles by size. */
static void lay_ranges_xy(struct lay *L)
{
    struct ch_chart *c = L->c;
    struct ranges *r = &L->r;
    size_t i, s;

    for (s = 0; s < c->nseries; s++) {
        struct ch_series *se = &c->series[s];

        for (i = 0; i < se->n; i++) {
            se->pts[i].drawn = 0;
            ranges_add(r, se->pts[i].x, se->pts[i].y);
            if (c->has_size && isfinite(se->pts[i].s) && se->pts[i].s > r->smax)
                r->smax = se->pts[i].s;
            if (c->has_colour && isfinite(se->pts[i].c)) {
                r->cmin = fmin(r->cmin, se->pts[i].c);
                r->cmax = fmax(r->cmax, se->pts[i].c);
            }
        }
        r->points += se->n;
        if (c->kind == CH_LINE) {
            for (i = 1; i < se->n; i++)
                if (se->pts[i].x < se->pts[i - 1].x)
                    break;
            if (i < se->n)
                qsort(se->pts, se->n, sizeof(*se->pts), cmp_pt_x);
        } else if (c->has_size) { /* big bubbles first, small on top */
            qsort(se->pts, se->n, sizeof(*se->pts), cmp_pt_s_desc);
        }
    }
}

/* ---- data ranges ---- */
static int lay_ranges(struct lay *L, char err[YTK_ERR_LEN])
{
    struct ch_chart *c = L->c;
    struct ranges *r = &L->r;
    size_t i, s;

    ranges_init(r);
    switch (c->kind) {
    case CH_BAR:
        lay_ranges_bar(L);
        break;
    case CH_LINE:
    case CH_SCATTER:
        lay_ranges_xy(L);
        break;
    case CH_HIST:
        for (i = 0; i < c->series[0].n; i++) {
            const struct ch_pt *p = &c->series[0].pts[i];

            ranges_add(r, p->x, p->y);
            ranges_add(r, p->s, 0);
            if (isfinite(p->y) && p->y > 0 && p->y < 1e15)
                r->points += (size_t)p->y;
        }
        if (r->ylo > 0)
            r->ylo = 0;
        break;
    case CH_BOX:
        for (i = 0; i < c->nbox; i++) {
            const struct ch_box *b = &c->boxes[i];

            if (!b->n)
                continue;
            ranges_add(r, NAN, b->lo);
            ranges_add(r, NAN, b->hi);
            for (s = 0; s < b->nout; s++)
                ranges_add(r, NAN, b->out[s]);
            r->points += b->n;
        }
        r->xlo = 0;
        r->xhi = (double)c->ncat;
        break;
    }
    if (!isfinite(r->ylo) || !isfinite(r->yhi)) {
        snprintf(err, YTK_ERR_LEN, "nothing to plot: no finite values");
        return -1;
    }
    if ((c->log_y && !isfinite(r->ymin_pos)) ||
        (c->log_x && (c->kind == CH_LINE || c->kind == CH_SCATTER) &&
         !isfinite(r->xmin_pos))) {
        const char *ax = c->log_y && !isfinite(r->ymin_pos) ? "y" : "x";

        snprintf(err, YTK_ERR_LEN,
                 "--log-%s needs positive values, and every "
                 "%s value is 0 or negative: drop --log-%s "
                 "or filter the rows in SQL",
                 ax, ax, ax);
        return -1;
    }
    c->info.xlo = r->xlo;
    c->info.xhi = r->xhi;
    c->info.ylo = r->ylo;
    c->info.yhi = r->yhi;
    c->info.points = r->points;
    return 0;
}

/* Bars with value labels: room for them beyond the longest bars, from a
 * rough guess of the plot's length in px. */
static void lay_room_for_bar_labels(const struct lay *L, double *vlo,
                                    double *vhi)
{
    double span = *vhi - *vlo, px, need;

    if (L->c->horizontal) {
        px = L->W * 0.55;
        need = 4 + ch_text_width("\xE2\x88\x92"
                                 "8.8M",
                                 TICK_SIZE, 0);
    } else {
        px = L->H - 170;
        need = TICK_SIZE + 8;
    }
    if (px < 80)
        px = 80;
    if (*vhi > 0)
        *vhi += span * need / px;
    if (*vlo < 0)
        *vlo -= span * need / px;
}

/* ---- axes: types, and the value domain (zero, log floor, label room) ---- */
static void lay_axes(struct lay *L)
{
    struct ch_chart *c = L->c;
    double vlo = L->r.ylo, vhi = L->r.yhi;

    if (c->kind == CH_BAR || c->kind == CH_BOX) {
        L->cat = c->horizontal && c->kind == CH_BAR ? &L->ya : &L->xa;
        L->val = L->cat == &L->xa ? &L->ya : &L->xa;
        L->cat->type = AX_BAND;
        L->cat->nband = c->ncat;
        L->cat->label_every = 1;
        L->val->type = c->log_y ? AX_LOG : AX_LIN;
        L->val->nice = 1;
    } else {
        L->xa.type = c->log_x ? AX_LOG : c->x_time ? AX_TIME : AX_LIN;
        L->xa.nice = c->kind == CH_SCATTER || c->kind == CH_HIST;
        L->ya.type = c->log_y ? AX_LOG : AX_LIN;
        L->ya.nice = 1;
    }
    if (L->val || c->kind == CH_HIST) {
        struct axis *v = L->val ? L->val : &L->ya;

        if (v->type == AX_LIN) {
            if (c->kind != CH_BOX) {
                if (vlo > 0)
                    vlo = 0;
                if (vhi < 0)
                    vhi = 0;
            }
            if (L->bar_labels && c->kind == CH_BAR)
                lay_room_for_bar_labels(L, &vlo, &vhi);
        }
    } else if (L->ya.type == AX_LIN && c->kind == CH_LINE && vlo > 0 &&
               vlo < vhi * 0.3) {
        vlo = 0; /* counts over time: start at zero when close to it */
    }
    if ((L->val ? L->val->type : L->ya.type) == AX_LOG) {
        vlo = isfinite(L->r.ymin_pos) ? L->r.ymin_pos : 1;
        /* bars grow from the bottom of the axis: keep the smallest one
         * visible */
        if (c->kind == CH_BAR || c->kind == CH_HIST)
            vlo /= 2;
    }
    L->r.ylo = vlo;
    L->r.yhi = vhi;
    if (L->xa.type == AX_LOG)
        L->r.xlo = isfinite(L->r.xmin_pos) ? L->r.xmin_pos : 1;
}

/* ---- fixed parts of the frame: title, legend, captions ---- */
static int lay_frame(struct lay *L)
{
    struct ch_chart *c = L->c;
    double W = L->W, H = L->H;

    L->top = PAD;
    if (c->title && *c->title) {
        if (wrap_title(c->title, (W - 2 * PAD) / 1.1, &L->title_fit,
                       &L->title_2) < 0)
            return -1;
        if (L->title_2 && H < 300) { /* small chart: one line, cut */
            free(L->title_fit);
            free(L->title_2);
            L->title_2 = NULL;
            L->title_fit =
                ch_text_fit(c->title, TITLE_SIZE, (W - 2 * PAD) / 1.1);
            if (!L->title_fit)
                return -1;
        }
        L->top += TITLE_SIZE + 8;
        if (L->title_2)
            L->top += TITLE_SIZE + 4;
    }
    L->legend = c->nseries > 1 && c->kind != CH_HIST && c->kind != CH_BOX;
    L->colourbar =
        c->kind == CH_SCATTER && c->has_colour && isfinite(L->r.cmin);
    if (L->legend) {
        /* short canvases get fewer legend rows: names are cut instead */
        int maxrows = H < 250 ? 1 : H < 400 ? 2 : 4;

        L->legend_y = L->top + LABEL_SIZE;
        L->legend_max = legend_name_max(W - 2 * PAD);
        while (legend_rows(c, W - 2 * PAD, L->legend_max) > maxrows &&
               L->legend_max > 24)
            L->legend_max -= 8;
        L->top += legend_rows(c, W - 2 * PAD, L->legend_max) * 18 + 4;
    }
    if (L->colourbar) {
        L->colourbar_y = L->top + LABEL_SIZE;
        L->top += 22;
    }
    L->top += 8; /* room for the top tick label */
    L->bottom = H - PAD;
    if (c->source && *c->source)
        L->bottom -= CAPTION_SIZE + 5;
    /* the note line is reserved after drawing decides on it (scatter) */
    if (c->note[0] || (c->kind == CH_SCATTER && L->r.points > SCATTER_THIN) ||
        (c->kind == CH_LINE && line_needs_lttb(c, W)))
        L->bottom -= CAPTION_SIZE + 5;
    if (c->xlabel && *c->xlabel) {
        L->xlab_y = L->bottom;
        L->bottom -= LABEL_SIZE + 8;
    }
    L->ylab_x = PAD + LABEL_SIZE * 0.8;
    return 0;
}

/* Widest category label in px. */
static double widest_cat(const struct ch_chart *c)
{
    double m = 0;
    size_t i;

    for (i = 0; i < c->ncat; i++) {
        double w = ch_text_width(c->cats[i], TICK_SIZE, 0);

        if (w > m)
            m = w;
    }
    return m;
}

/* Category labels on the x axis: flat, wrapped on two lines, slanted or
 * thinned, whichever fits the band. */
static void lay_margin_band_x(struct lay *L)
{
    struct ch_chart *c = L->c;
    struct axis *xa = &L->xa;
    double bw = band_width(xa), m = widest_cat(c), m_full = m;
    size_t i;

    /* slanted labels are cut so that they take at most 35% of the
     * height below the title */
    xa->maxlab = (0.35 * (L->bottom - L->top) - 10) / 0.7071 - TICK_SIZE;
    if (xa->maxlab > 110)
        xa->maxlab = 110;
    if (m > xa->maxlab)
        m = fmax(xa->maxlab, 0);
    xa->wrap = 0;
    if (m + 6 <= bw) {
        xa->rotate = 0;
        xa->label_every = 1;
        L->xtick_h = 20;
    } else if (c->ncat <= 30 && bw >= 40) {
        size_t cut;

        xa->wrap = 1;
        for (i = 0; i < c->ncat && xa->wrap; i++)
            xa->wrap = split2(c->cats[i], bw - 6, &cut);
    }
    if (xa->wrap) {
        xa->rotate = 0;
        xa->label_every = 1;
        L->xtick_h = TICK_SIZE * 2.2 + 12;
    } else if (m + 6 > bw) {
        xa->rotate = 1;
        xa->label_every = (size_t)ceil(15 / (bw * 0.7071));
        if (xa->label_every < 1)
            xa->label_every = 1;
        L->xtick_h = (m + TICK_SIZE) * 0.7071 + 10;
        /* no room for slanted labels: thin them flat instead */
        if (xa->maxlab < 40) {
            double lw = fmin(m_full, 80) + 6;

            xa->rotate = 0;
            xa->label_every = (size_t)ceil(lw / bw);
            xa->maxlab = bw * (double)xa->label_every - 6;
            L->xtick_h = 20;
        }
        /* the first label hangs down-left of its bar */
        if (xa->rotate) {
            double w0 = ch_text_width(c->cats[0], TICK_SIZE, 0);
            double reach =
                fmin(w0, xa->maxlab) * 0.7071 - bw / 2 - TICK_SIZE * 0.3;

            if (L->f.left - reach < 4)
                L->left_extra += 4 - (L->f.left - reach);
        }
    }
    L->right_extra = 0;
}

/* One pass of the margins: frame from the current label sizes, then the
 * label sizes from the frame. */
static void lay_margins_pass(struct lay *L)
{
    struct ch_chart *c = L->c;
    struct frame *f = &L->f;
    struct axis *xa = &L->xa, *ya = &L->ya;
    double yextra = (c->ylabel && *c->ylabel) ? LABEL_SIZE + 10 : 0;

    f->top = L->top;
    f->bottom = L->bottom - L->xtick_h;
    f->left = PAD + yextra + L->ytick_w + 8 + L->left_extra;
    f->right = L->W - PAD - L->right_extra;
    if (f->right - f->left < 60)
        f->right = f->left + 60;
    if (f->bottom - f->top < 40)
        f->top = fmax(PAD, f->bottom - 40); /* keep the axes on canvas */
    xa->r0 = f->left;
    xa->r1 = f->right;
    ya->r0 = f->bottom;
    ya->r1 = f->top;
    if (ya->type == AX_BAND) { /* horizontal bars: first category on top */
        ya->r0 = f->top;
        ya->r1 = f->bottom;
    }

    /* y axis */
    if (ya->type == AX_BAND) {
        double bw = band_width(ya), maxw = L->W * 0.35, m = widest_cat(c);

        ya->label_every = bw >= 13 ? 1 : (size_t)ceil(13 / bw);
        L->ytick_w = m > maxw ? maxw : m;
    } else {
        int count = (int)((f->bottom - f->top) / 40);

        axis_ticks(ya, L->r.ylo, L->r.yhi, count < 2 ? 2 : count);
        L->ytick_w = max_label_width(&ya->t, TICK_SIZE);
    }

    /* x axis */
    if (xa->type == AX_BAND) {
        lay_margin_band_x(L);
    } else {
        double lastw, xr;

        if (L->val == xa)
            fit_x_axis(xa, L->r.ylo, L->r.yhi);
        else
            fit_x_axis(xa, L->r.xlo, L->r.xhi);
        L->xtick_h = 20;
        /* a label centred on the right edge must not leave the canvas */
        if (xa->t.n) {
            lastw = ch_text_width(xa->t.label[xa->t.n - 1], TICK_SIZE, 0);
            xr = amap(xa, xa->t.v[xa->t.n - 1]) + lastw / 2;
            if (xr > L->W - 4)
                L->right_extra += xr - (L->W - 4);
        }
    }
}

/* ---- margins from labels: iterate to a fixed point ---- */
static void lay_margins(struct lay *L)
{
    int iter;

    L->xtick_h = 18;
    for (iter = 0; iter < 3; iter++)
        lay_margins_pass(L);
}

/* ---- grid ---- */
static int lay_grid(struct lay *L)
{
    const struct ch_chart *c = L->c;
    const struct axis *xa = &L->xa, *ya = &L->ya;
    const struct frame *f = &L->f;
    size_t i;

    if (ya->type != AX_BAND) {
        for (i = 0; i < (size_t)ya->t.n; i++) {
            double y = round(amap(ya, ya->t.v[i])) + 0.5;

            if (!ya->t.label[i][0] && busy_log(ya))
                continue;

            if (ch_draw_line(L->d, f->left, y, f->right, y, CH_COLOUR_GRID,
                             ya->t.label[i][0] ? 1 : 0.5, 0) < 0)
                return -1;
        }
    }
    if (xa->type != AX_BAND &&
        (c->kind == CH_SCATTER || (c->kind == CH_BAR && c->horizontal))) {
        for (i = 0; i < (size_t)xa->t.n; i++) {
            double x = round(amap(xa, xa->t.v[i])) + 0.5;

            if (!xa->t.label[i][0] && busy_log(xa))
                continue;
            if (ch_draw_line(L->d, x, f->top, x, f->bottom, CH_COLOUR_GRID,
                             xa->t.label[i][0] ? 1 : 0.5, 0) < 0)
                return -1;
        }
    }
    return 0;
}

static int lay_marks_hist(struct lay *L)
{
    struct ch_chart *c = L->c;
    const struct axis *xa = &L->xa, *ya = &L->ya;
    size_t i;

    for (i = 0; i < c->series[0].n; i++) {
        const struct ch_pt *p = &c->series[0].pts[i];
        double x0 = amap(xa, p->x), x1 = amap(xa, p->s);
        double y0 = amap(ya, 0 < ya->lo ? ya->lo : 0), y1 = amap(ya, p->y);
        double gap = x1 - x0 > 4 ? 1 : 0;

        if (ya->type == AX_LOG) {
            if (p->y <= 0)
                continue;
            y0 = amap(ya, ya->lo);
        }
        if (ch_draw_rect(L->d, x0 + gap / 2, y1, x1 - x0 - gap, y0 - y1,
                         ch_palette(0), CH_NONE, 0) < 0)
            return -1;
        c->info.drawn++;
    }
    return 0;
}

/* ---- point labels (--label): the most extreme points named ---- */

#define LABEL_TEXT_SIZE 11.0
#define LABEL_MAX_W 170.0

struct lab_cand {
    double px, py, score;
    double x, y; /* data values */
    int row;
};

static int cmp_cand_desc(const void *a, const void *b)
{
    const struct lab_cand *p = a, *q = b;

    if (p->score != q->score)
        return p->score < q->score ? 1 : -1;
    return p->row - q->row; /* stable order for ties */
}

/* Labelled candidates (drawn points with a non-empty label), scored: the
 * bubble size, or the pixel distance from the least-squares trend line. */
static struct lab_cand *label_candidates(struct lay *L, size_t *n)
{
    struct ch_chart *c = L->c;
    struct lab_cand *v;
    double sx = 0, sy = 0, sxx = 0, sxy = 0, a = 0, b = 0;
    size_t total = 0, k = 0, s, i;

    for (s = 0; s < c->nseries; s++)
        total += c->series[s].n;
    v = malloc((total ? total : 1) * sizeof(*v));
    if (!v)
        return NULL;
    for (s = 0; s < c->nseries; s++) {
        for (i = 0; i < c->series[s].n; i++) {
            const struct ch_pt *p = &c->series[s].pts[i];

            if (!p->drawn || p->row < 0 ||
                !*ch_chart_field(c, p->row, (size_t)c->label_field))
                continue;
            v[k].px = amap(&L->xa, p->x);
            v[k].py = amap(&L->ya, p->y);
            v[k].x = p->x;
            v[k].y = p->y;
            v[k].row = p->row;
            v[k].score = c->has_size && isfinite(p->s) ? p->s : 0;
            sx += v[k].px;
            sy += v[k].py;
            sxx += v[k].px * v[k].px;
            sxy += v[k].px * v[k].py;
            k++;
        }
    }
    if (!c->has_size && k > 0) {
        double den = (double)k * sxx - sx * sx;

        b = fabs(den) > 1e-9 ? ((double)k * sxy - sx * sy) / den : 0;
        a = (sy - b * sx) / (double)k;
        for (i = 0; i < k; i++)
            v[i].score = fabs(v[i].py - (a + b * v[i].px));
    }
    *n = k;
    return v;
}

struct box {
    double x0, y0, x1, y1;
};

static int boxes_overlap(const struct box *p, const struct box *q)
{
    return p->x0 < q->x1 && q->x0 < p->x1 && p->y0 < q->y1 && q->y0 < p->y1;
}

/* Does box b touch a circle drawn in d->prims[from..]? */
static int box_hits_circle(const struct ch_draw *d, size_t from,
                           const struct box *b)
{
    size_t i;

    for (i = from; i < d->n; i++) {
        const struct ch_prim *p = &d->prims[i];
        double nx, ny;

        if (p->kind != CH_P_CIRCLE)
            continue;
        nx = fmax(b->x0, fmin(p->x, b->x1));
        ny = fmax(b->y0, fmin(p->y, b->y1));
        if ((nx - p->x) * (nx - p->x) + (ny - p->y) * (ny - p->y) <
            (p->r + 1) * (p->r + 1))
            return 1;
    }
    return 0;
}

/* Place one label beside (px, py): the first of eight spots that stays in
 * the plot and touches no point and no placed label.  Returns 1 and fills
 * *out (its box) and *lab (its direction and the point's radius), or 0 (the
 * label is left out). */
static int label_spot(struct lay *L, const struct lab_cand *cd, double w,
                      const struct box *placed, size_t nplaced, struct box *out,
                      struct ch_label *lab)
{
    static const double dirs[8][2] = {{1, 0},  {-1, 0},  {0, -1}, {0, 1},
                                      {1, -1}, {-1, -1}, {1, 1},  {-1, 1}};
    const double h = LABEL_TEXT_SIZE, gap = 3;
    double r = 0;
    size_t i, k;

    /* the point's own circle (the nearest one drawn at its centre) */
    for (i = L->marks_start; i < L->d->n; i++) {
        const struct ch_prim *p = &L->d->prims[i];

        if (p->kind == CH_P_CIRCLE && fabs(p->x - cd->px) < 0.01 &&
            fabs(p->y - cd->py) < 0.01)
            r = fmax(r, p->r);
    }
    for (k = 0; k < 8; k++) {
        double dx = dirs[k][0], dy = dirs[k][1], x0, y0;
        struct box b;

        x0 = dx > 0   ? cd->px + r + gap
             : dx < 0 ? cd->px - r - gap - w
                      : cd->px - w / 2;
        y0 = dy < 0   ? cd->py - r - gap - h
             : dy > 0 ? cd->py + r + gap
                      : cd->py - h / 2;
        if (dx != 0 && dy != 0) { /* diagonals: off the circle's corner */
            x0 += dx > 0 ? -r * 0.3 : r * 0.3;
            y0 += dy > 0 ? -r * 0.3 : r * 0.3;
        }
        b.x0 = x0;
        b.y0 = y0;
        b.x1 = x0 + w;
        b.y1 = y0 + h;
        if (b.x0 < L->f.left || b.x1 > L->f.right || b.y0 < L->f.top ||
            b.y1 > L->f.bottom)
            continue;
        for (i = 0; i < nplaced; i++)
            if (boxes_overlap(&b, &placed[i]))
                break;
        if (i < nplaced || box_hits_circle(L->d, L->marks_start, &b))
            continue;
        *out = b;
        lab->row = cd->row;
        lab->x = cd->x;
        lab->y = cd->y;
        lab->dx = (int)dx;
        lab->dy = (int)dy;
        lab->r = r;
        return 1;
    }
    return 0;
}

static int lay_labels(struct lay *L)
{
    struct ch_chart *c = L->c;
    struct lab_cand *cand;
    struct box *placed = NULL;
    size_t n = 0, i, np = 0, want = c->label_top;
    int rc = -1;

    free(c->labels);
    c->labels = NULL;
    c->nlabels = 0;
    if (c->label_field < 0 || (size_t)c->label_field >= c->nfields ||
        (c->kind != CH_SCATTER && c->kind != CH_LINE) || want == 0)
        return 0;
    if (!(cand = label_candidates(L, &n)))
        return -1;
    qsort(cand, n, sizeof(*cand), cmp_cand_desc);
    placed = malloc(want * sizeof(*placed));
    c->labels = malloc(want * sizeof(*c->labels));
    if (!placed || !c->labels)
        goto out;
    /* the most extreme first; a label with no free spot is left out and
     * the next point takes its turn, up to 4x the asked number tried */
    for (i = 0; i < n && np < want && i < want * 4; i++) {
        const char *t = ch_chart_field(c, cand[i].row, (size_t)c->label_field);
        char *lab = ch_text_fit(t, LABEL_TEXT_SIZE, LABEL_MAX_W);
        int bad = 0;

        if (!lab)
            goto out;
        if (label_spot(L, &cand[i], ch_text_width(lab, LABEL_TEXT_SIZE, 0),
                       placed, np, &placed[np], &c->labels[np])) {
            bad = ch_draw_text(L->d, placed[np].x0,
                               placed[np].y0 + LABEL_TEXT_SIZE * 0.8, lab,
                               LABEL_TEXT_SIZE, CH_COLOUR_TEXT, CH_START, 0, 0);
            np++;
        }
        free(lab);
        if (bad < 0)
            goto out;
    }
    c->info.labelled = c->nlabels = np;
    rc = 0;
out:
    free(cand);
    free(placed);
    return rc;
}

/* ---- marks ---- */
static int lay_marks(struct lay *L)
{
    struct ch_chart *c = L->c;
    size_t i, s;

    L->marks_start = L->d->n;
    switch (c->kind) {
    case CH_BAR:
        if (draw_bars(c, L->d, L->cat, L->val, L->bar_labels) < 0)
            return -1;
        for (s = 0; s < c->nseries; s++)
            for (i = 0; i < c->series[s].n && i < c->ncat; i++)
                if (isfinite(c->series[s].pts[i].y) &&
                    !(c->log_y && c->series[s].pts[i].y <= 0))
                    c->info.drawn++;
        break;
    case CH_LINE:
        for (s = 0; s < c->nseries; s++)
            if (draw_line_series(c, L->d, s, &L->xa, &L->ya,
                                 L->f.right - L->f.left) < 0)
                return -1;
        if (c->info.drawn + c->info.log_hidden < c->info.points)
            ch_chart_add_note(c, "%s points drawn of %s (LTTB downsampling)",
                              cnt(c->info.drawn).s, cnt(c->info.points).s);
        break;
    case CH_SCATTER:
        if (draw_scatter(c, L->d, &L->xa, &L->ya, &L->f, L->r.smax, L->r.cmin,
                         L->r.cmax) < 0)
            return -1;
        break;
    case CH_HIST:
        return lay_marks_hist(L);
    case CH_BOX:
        if (draw_boxes(c, L->d, L->cat, L->val) < 0)
            return -1;
        c->info.drawn = c->nbox;
        break;
    }
    return 0;
}

/* One category label under the x axis: wrapped, slanted or flat (a flat
 * label overlapping the previous one is skipped; *flat_end tracks it). */
static int lay_band_x_label(struct lay *L, size_t i, double *flat_end)
{
    struct ch_chart *c = L->c;
    struct ch_draw *d = L->d;
    const struct axis *xa = &L->xa;
    double x = amap(xa, (double)i), bottom = L->f.bottom;
    char *lab = xa->wrap ? strdup(c->cats[i])
                         : ch_text_fit(c->cats[i], TICK_SIZE, xa->maxlab);
    int bad;

    if (!lab)
        return -1;
    if (xa->wrap) {
        size_t cut = 0;
        double y1 = bottom + 6 + TICK_SIZE * 0.8;

        split2(c->cats[i], band_width(xa) - 6, &cut);
        if (cut) {
            lab[cut] = '\0'; /* lab is an uncut copy: it fits */
            bad = ch_draw_text(d, x, y1, lab, TICK_SIZE, CH_COLOUR_TEXT,
                               CH_MIDDLE, 0, 0);
            if (!bad)
                bad = ch_draw_text(d, x, y1 + TICK_SIZE * 1.2, lab + cut + 1,
                                   TICK_SIZE, CH_COLOUR_TEXT, CH_MIDDLE, 0, 0);
        } else {
            bad = ch_draw_text(d, x, y1, lab, TICK_SIZE, CH_COLOUR_TEXT,
                               CH_MIDDLE, 0, 0);
        }
    } else if (xa->rotate) {
        bad = ch_draw_text(d, x + TICK_SIZE * 0.3, bottom + 10, lab, TICK_SIZE,
                           CH_COLOUR_TEXT, CH_END, -45, 0);
    } else {
        /* a flat label wider than its band stays on the canvas */
        double hw = ch_text_width(lab, TICK_SIZE, 0) / 2;

        if (x + hw > L->W - 2)
            x = L->W - 2 - hw;
        if (x - hw < 2)
            x = 2 + hw;
        bad = 0;
        if (x - hw >= *flat_end + 4) { /* else: skip, it would overlap */
            bad = ch_draw_text(d, x, bottom + 6 + TICK_SIZE * 0.8, lab,
                               TICK_SIZE, CH_COLOUR_TEXT, CH_MIDDLE, 0, 0);
            *flat_end = x + hw;
        }
    }
    free(lab);
    return bad < 0 ? -1 : 0;
}

/* Tick labels of the y axis (categories or values). */
static int lay_y_ticks(struct lay *L)
{
    struct ch_chart *c = L->c;
    const struct axis *ya = &L->ya;
    size_t i;

    if (ya->type == AX_BAND) {
        for (i = 0; i < c->ncat; i += ya->label_every) {
            char *lab = ch_text_fit(c->cats[i], TICK_SIZE, L->ytick_w);
            int bad;

            if (!lab)
                return -1;
            bad = ch_draw_text(L->d, L->f.left - 6,
                               amap(ya, (double)i) + TICK_SIZE * 0.35, lab,
                               TICK_SIZE, CH_COLOUR_TEXT, CH_END, 0, 0);
            free(lab);
            if (bad < 0)
                return -1;
        }
        return 0;
    }
    for (i = 0; i < (size_t)ya->t.n; i++) {
        if (!ya->t.label[i][0])
            continue;
        if (ch_draw_text(
                L->d, L->f.left - 6, amap(ya, ya->t.v[i]) + TICK_SIZE * 0.35,
                ya->t.label[i], TICK_SIZE, CH_COLOUR_MUTED, CH_END, 0, 0) < 0)
            return -1;
    }
    return 0;
}

/* Ticks and tick labels of the x axis (categories or values). */
static int lay_x_ticks(struct lay *L)
{
    const struct axis *xa = &L->xa;
    const struct frame *f = &L->f;
    size_t i;

    if (xa->type == AX_BAND) {
        double flat_end = -1e9; /* right end of the last flat label */

        for (i = 0; i < L->c->ncat; i += xa->label_every)
            if (lay_band_x_label(L, i, &flat_end) < 0)
                return -1;
        return 0;
    }
    for (i = 0; i < (size_t)xa->t.n; i++) {
        double x = round(amap(xa, xa->t.v[i])) + 0.5;

        if (ch_draw_line(L->d, x, f->bottom, x,
                         f->bottom + (xa->t.label[i][0] ? 5 : 3),
                         CH_COLOUR_AXIS, 1, 0) < 0)
            return -1;
        if (!xa->t.label[i][0])
            continue;
        if (ch_draw_text(L->d, x, f->bottom + 7 + TICK_SIZE * 0.8,
                         xa->t.label[i], TICK_SIZE, CH_COLOUR_MUTED, CH_MIDDLE,
                         0, 0) < 0)
            return -1;
    }
    return 0;
}

/* Axis title text fitted into `maxw`, drawn at (x, y). */
static int lay_axis_title(struct lay *L, const char *text, double maxw,
                          double x, double y, double angle)
{
    char *lab = ch_text_fit(text, LABEL_SIZE, maxw);
    int bad;

    if (!lab)
        return -1;
    bad = ch_draw_text(L->d, x, y, lab, LABEL_SIZE, CH_COLOUR_TEXT, CH_MIDDLE,
                       angle, 0);
    free(lab);
    return bad < 0 ? -1 : 0;
}

/* ---- axes: baseline, zero line, ticks, labels ---- */
static int lay_draw_axes(struct lay *L)
{
    struct ch_chart *c = L->c;
    struct ch_draw *d = L->d;
    const struct frame *f = &L->f;
    const struct axis *val = L->val;

    if (ch_draw_line(d, f->left, round(f->bottom) + 0.5, f->right,
                     round(f->bottom) + 0.5, CH_COLOUR_AXIS, 1, 0) < 0)
        return -1;
    if (val && val->type == AX_LIN && val->lo < 0 && val->hi > 0) {
        double z = round(amap(val, 0)) + 0.5;

        if (val == &L->ya
                ? ch_draw_line(d, f->left, z, f->right, z, CH_COLOUR_AXIS, 1, 0)
                : ch_draw_line(d, z, f->top, z, f->bottom, CH_COLOUR_AXIS, 1,
                               0))
            return -1;
    }
    if (lay_y_ticks(L) < 0 || lay_x_ticks(L) < 0)
        return -1;
    if (c->xlabel && *c->xlabel &&
        lay_axis_title(L, c->xlabel, f->right - f->left,
                       (f->left + f->right) / 2, L->xlab_y, 0) < 0)
        return -1;
    if (c->ylabel && *c->ylabel &&
        lay_axis_title(L, c->ylabel, f->bottom - f->top, L->ylab_x,
                       (f->top + f->bottom) / 2, -90) < 0)
        return -1;
    return 0;
}

/* A caption line (source or note) at the bottom left, cut to the width. */
static int lay_caption(struct lay *L, const char *text, double y)
{
    char *lab = ch_text_fit(text, CAPTION_SIZE, L->W - 2 * PAD);
    int bad;

    if (!lab)
        return -1;
    bad = ch_draw_text(L->d, PAD, y, lab, CAPTION_SIZE, CH_COLOUR_MUTED,
                       CH_START, 0, 0);
    free(lab);
    return bad < 0 ? -1 : 0;
}

/* ---- title, legend, captions ---- */
static int lay_titles(struct lay *L)
{
    struct ch_chart *c = L->c;
    struct ch_draw *d = L->d;
    double y = L->H - PAD;

    if (L->title_fit &&
        ch_draw_text(d, PAD, PAD + TITLE_SIZE * 0.8, L->title_fit, TITLE_SIZE,
                     CH_COLOUR_TEXT, CH_START, 0, 1) < 0)
        return -1;
    if (L->title_2 &&
        ch_draw_text(d, PAD, PAD + TITLE_SIZE * 1.8 + 4, L->title_2, TITLE_SIZE,
                     CH_COLOUR_TEXT, CH_START, 0, 1) < 0)
        return -1;
    if (L->legend &&
        draw_legend(c, d, PAD, L->legend_y, L->W - 2 * PAD, L->legend_max) < 0)
        return -1;
    if (L->colourbar && draw_colourbar(c, d, PAD, L->colourbar_y, L->r.cmin,
                                       L->r.cmax, L->W - 2 * PAD) < 0)
        return -1;
    if (c->source && *c->source) {
        struct yt_buf b;
        int bad;

        yt_buf_init(&b, 4096);
        bad = yt_buf_addf(&b, "Source: %s", c->source) < 0 ||
              lay_caption(L, yt_buf_str(&b), y) < 0;
        yt_buf_free(&b);
        if (bad)
            return -1;
        y -= CAPTION_SIZE + 5;
    }
    if (c->note[0]) {
        char note[sizeof(c->note) + 16];

        snprintf(note, sizeof(note), "Note: %s.", c->note);
        if (lay_caption(L, note, y) < 0)
            return -1;
    }
    return 0;
}

/* Bars, lines and scatters: the values a log axis cannot show (<= 0),
 * which the marks leave out. */
static size_t log_hidden(const struct ch_chart *c)
{
    size_t s, i, n = 0;

    if (c->kind != CH_BAR && c->kind != CH_LINE && c->kind != CH_SCATTER)
        return 0;
    for (s = 0; s < c->nseries; s++)
        for (i = 0; i < c->series[s].n; i++) {
            const struct ch_pt *p = &c->series[s].pts[i];

            if (c->kind == CH_BAR && i >= c->ncat)
                break;
            if (!isfinite(p->y) || (c->kind != CH_BAR && !isfinite(p->x)))
                continue;
            if ((c->log_y && p->y <= 0) ||
                (c->log_x && c->kind != CH_BAR && p->x <= 0))
                n++;
        }
    return n;
}

int ch_chart_layout(struct ch_chart *c, struct ch_draw *d,
                    char err[YTK_ERR_LEN])
{
    struct lay L;
    int rc = -1;

    if (c->width < 200)
        c->width = 200;
    if (c->height < 150)
        c->height = 150;
    memset(&L, 0, sizeof(L));
    L.c = c;
    L.d = d;
    L.W = c->width;
    L.H = c->height;
    ch_draw_init(d, c->width, c->height);
    memset(&c->info, 0, sizeof(c->info));
    if (!has_values(c)) {
        snprintf(err, YTK_ERR_LEN,
                 "nothing to plot: the query returned no "
                 "usable values");
        return -1;
    }
    limit_series(c);
    other_last(c);
    if (lay_ranges(&L, err) < 0)
        return -1;
    c->info.log_hidden = log_hidden(c);
    if (c->info.log_hidden)
        ch_chart_add_note(
            c,
            "%zu row%s with values \xE2\x89\xA4 0 left out of the "
            "log scale",
            c->info.log_hidden, c->info.log_hidden == 1 ? "" : "s");
    lay_axes(&L);
    if (lay_frame(&L) < 0)
        goto oom;
    lay_margins(&L);
    if (lay_grid(&L) < 0 || lay_marks(&L) < 0 || lay_labels(&L) < 0 ||
        lay_draw_axes(&L) < 0 || lay_titles(&L) < 0)
        goto oom;
    rc = 0;
    goto out;
oom:
    snprintf(err, YTK_ERR_LEN, "out of memory while drawing the chart");
out:
    free(L.title_fit);
    free(L.title_2);
    return rc;
}

/* -------------------------------------------------------------- summary */

static void fmt_x(const struct ch_chart *c, double v, char *out, size_t n)
{
    if (c->x_time)
        ch_format_time(v, c->x_has_clock, out, n);
    else
        ch_format_compact(v, out, n);
}

/* "s" unless n is one ("1 bar", "2 bars"). */
static const char *plural_s(size_t n)
{
    return n == 1 ? "" : "s";
}

int ch_chart_summary(const struct ch_chart *c, struct yt_buf *b)
{
    char a[48], z[48];
    const struct ch_info *in = &c->info;

    if (yt_buf_adds(b, kind_name(c)) < 0)
        return -1;
    if (c->title && *c->title) {
        if (yt_buf_addf(b, ": '%s'", c->title) < 0)
            return -1;
    } else if (c->ylabel && c->xlabel) {
        if (yt_buf_addf(b, ": %s by %s", c->ylabel, c->xlabel) < 0)
            return -1;
    }
    if (yt_buf_adds(b, " \xE2\x80\x94 ") < 0)
        return -1;
    switch (c->kind) {
    case CH_BAR:
        if (yt_buf_addf(b, "%s bar%s", cnt(in->drawn).s, plural_s(in->drawn)) <
            0)
            return -1;
        if (c->nseries > 1 && yt_buf_addf(b, " in %zu categories, %zu series",
                                          c->ncat, c->nseries) < 0)
            return -1;
        break;
    case CH_LINE:
        if (c->nseries > 1 && yt_buf_addf(b, "%zu series, ", c->nseries) < 0)
            return -1;
        if (yt_buf_addf(b, "%s point%s", cnt(in->points).s,
                        plural_s(in->points)) < 0)
            return -1;
        break;
    case CH_SCATTER:
        if (yt_buf_addf(b, "%s point%s", cnt(in->points).s,
                        plural_s(in->points)) < 0)
            return -1;
        if (c->nseries > 1 && yt_buf_addf(b, " in %zu groups", c->nseries) < 0)
            return -1;
        break;
    case CH_HIST: {
        size_t nb = c->nseries ? c->series[0].n : 0;

        if (yt_buf_addf(b, "%s value%s in %zu bin%s", cnt(in->points).s,
                        plural_s(in->points), nb, plural_s(nb)) < 0)
            return -1;
        break;
    }
    case CH_BOX:
        if (yt_buf_addf(b, "%zu box%s, %s value%s", c->ncat,
                        c->ncat == 1 ? "" : "es", cnt(in->points).s,
                        plural_s(in->points)) < 0)
            return -1;
        break;
    }
    if (c->kind == CH_LINE || c->kind == CH_SCATTER || c->kind == CH_HIST) {
        fmt_x(c, in->xlo, a, sizeof(a));
        fmt_x(c, in->xhi, z, sizeof(z));
        if (yt_buf_addf(b, ", x %s\xE2\x80\x93%s", a, z) < 0)
            return -1;
    }
    if (c->kind != CH_HIST) {
        double lo = in->ylo, hi = in->yhi;

        if (c->kind == CH_BAR && lo > 0 && !c->log_y)
            lo = 0;
        ch_format_compact(lo, a, sizeof(a));
        ch_format_compact(hi, z, sizeof(z));
        if (yt_buf_addf(b, ", %s %s\xE2\x80\x93%s",
                        c->kind == CH_BAR && c->horizontal ? "x" : "y", a,
                        z) < 0)
            return -1;
    } else {
        ch_format_compact(in->yhi, z, sizeof(z));
        if (yt_buf_addf(b, ", highest bin %s", z) < 0)
            return -1;
    }
    if (c->note[0] && yt_buf_addf(b, " (%s)", c->note) < 0)
        return -1;
    return 0;
}

int ch_chart_render(struct ch_chart *c, char **svg, size_t *svg_len,
                    unsigned char **png, size_t *png_len, char **summary,
                    char err[YTK_ERR_LEN])
{
    struct ch_draw d;
    struct yt_buf sb, tb;
    char perr[YTK_ERR_LEN];
    int rc = -1;

    *svg = NULL;
    *png = NULL;
    *summary = NULL;
    *svg_len = *png_len = 0;
    yt_buf_init(&sb, (size_t)64 << 20);
    yt_buf_init(&tb, 64 * 1024);
    if (ch_chart_layout(c, &d, err) < 0)
        goto out;
    if (ch_chart_summary(c, &tb) < 0) {
        snprintf(err, YTK_ERR_LEN, "out of memory describing the chart");
        goto out;
    }
    if (ch_svg_render(&d, c->title && *c->title ? c->title : kind_name(c),
                      yt_buf_str(&tb), &sb) < 0) {
        snprintf(err, YTK_ERR_LEN, "out of memory writing the SVG");
        goto out;
    }
    if (ch_png_render(&d, 2.0, png, png_len, perr) < 0) {
        snprintf(err, YTK_ERR_LEN, "PNG: %.240s", perr);
        goto out;
    }
    *svg_len = sb.len;
    *svg = yt_buf_take(&sb);
    *summary = yt_buf_take(&tb);
    if (!*svg || !*summary) {
        snprintf(err, YTK_ERR_LEN, "out of memory");
        free(*svg);
        free(*summary);
        free(*png);
        *svg = NULL;
        *summary = NULL;
        *png = NULL;
        goto out;
    }
    rc = 0;
out:
    ch_draw_free(&d);
    yt_buf_free(&sb);
    yt_buf_free(&tb);
    return rc;
}
