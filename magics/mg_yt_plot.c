/* mg_yt_plot.c -- %yt_plot / %%yt_plot: charts of SQL results drawn by the
 * kernel (lib/ch_*), shown as SVG + PNG + a text summary, optionally saved.
 *
 *   %yt_plot KIND --from TABLE --x COL --y COL [options]
 *   %%yt_plot KIND [options]
 *   SELECT ... (one query; aggregate in SQL)
 *
 * Rows are streamed from one prepared statement on the session store; only
 * the columns named are read.  Bars keep one value per category and series;
 * lines and scatters keep (x, y) pairs as doubles (reduced at layout time by
 * LTTB or pixel-cell thinning, so the drawing stays small); histograms bin in
 * two passes over the statement (min/max, then counts), keeping only the
 * bins; box plots keep each group's values to find the quartiles.
 *
 * Ownership: everything allocated here is released before the handler
 * returns; published cJSON bundles belong to the kernel (kn_exec.h).
 */
#include "mg_registry.h"
#include "mg_vars.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ch_chart.h"
#include "ch_png.h"
#include "ch_ticks.h"
#include "ch_vega.h"
#include "yt_buf.h"

#define MAX_POINTS 5000000 /* rows kept for a line or scatter */
#define MAX_BOX_GROUPS 60
#define INTERRUPT_EVERY 65536

static const struct mg_opt plot_opts[] = {
    {"from", 'f', 1, "table (or view) to plot, line form"},
    {"x", 'x', 1, "column for the x axis / categories"},
    {"y", 'y', 1, "column of values"},
    {"series", 's', 1, "column splitting the data into series"},
    {"color", 'c', 1, "scatter: column whose values colour the points"},
    {"size", 0, 1, "scatter: column giving bubble sizes"},
    {"title", 't', 1, "chart title"},
    {"xlabel", 0, 1, "label of the horizontal axis"},
    {"ylabel", 0, 1, "label of the vertical axis"},
    {"source", 0, 1, "source caption under the chart"},
    {"log-x", 0, 0, "logarithmic x axis"},
    {"log-y", 0, 0, "logarithmic value axis"},
    {"horizontal", 0, 0, "bar: horizontal bars"},
    {"stacked", 0, 0, "bar: stack series instead of grouping them"},
    {"top", 'n', 1, "bar: keep the N largest categories, largest first"},
    {"bins", 'b', 1, "hist: number of bins (default from the data)"},
    {"width", 'W', 1, "width in px, 200-2000 (default 640)"},
    {"height", 'H', 1, "height in px, 150-2000 (default 400)"},
    {"save", 'o', 1, "also write the chart to PATH (.svg or .png)"},
    {"format", 0, 1, "what --save writes: svg, png, vl.json, both, all"},
    {"tooltip", 0, 1,
     "columns shown on hover, comma-separated (default: the plotted ones "
     "and a title or name column)"},
    {"label", 'l', 1, "line/scatter: name the most extreme points with COL"},
    {"label-top", 0, 1, "how many points --label names (default 5, 1-50)"},
    {"static", 0, 0, "pictures only, no interactive (Vega-Lite) view"},
    {"interactive", 0, 0, "interactive view even when the default is static"},
    {NULL, 0, 0, NULL},
};

static const char *const plot_kinds[] = {"bar", "line",    "scatter", "hist",
                                         "box", "default", NULL};

#define KINDS_LIST "bar, line, scatter, hist, box"

/* The columns a plot reads, as indexes into the statement (-1 = unused). */
struct cols {
    int x, y, series, size;
    const char *xname, *yname, *sname, *zname;
    int field[CH_MAX_FIELDS]; /* text fields of each row (tooltips, label) */
    size_t nfield;
};

struct plot {
    struct mg_ctx *c;
    const struct mg_args *a;
    enum ch_kind kind;
    const char *kind_word;
    sqlite3_stmt *st;
    struct cols col;
    struct ch_chart chart;
    size_t rows;
    enum { XM_UNKNOWN, XM_NUMBER, XM_TIME } xmode;
    int colour_by; /* --color given (col.series is its column) */
    enum { CM_UNKNOWN, CM_NUMBER, CM_TEXT } cmode;
};

/* ------------------------------------------------------------ helpers */

static void fail(struct plot *p, const char *ename, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct plot *p, const char *ename, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    kn_exec_fail(p->c->x, ename, "%s", msg);
}

/* The statement's column list ("a, b, c") into b. */
static void column_list(sqlite3_stmt *st, char *out, size_t outlen)
{
    int i, n = sqlite3_column_count(st);
    size_t len = 0;

    out[0] = '\0';
    for (i = 0; i < n && len + 4 < outlen; i++) {
        int w = snprintf(out + len, outlen - len, "%s%s", i ? ", " : "",
                         sqlite3_column_name(st, i));

        if (w < 0)
            break;
        len += (size_t)w;
    }
    if (len >= outlen)
        snprintf(out + outlen - 4, 4, "...");
}

/* Index of column `name` (case-insensitive), or -1 after failing with the
 * list of available columns. */
static int find_col(struct plot *p, const char *name, const char *opt)
{
    int i, n = sqlite3_column_count(p->st);
    char list[600];

    for (i = 0; i < n; i++)
        if (strcasecmp(sqlite3_column_name(p->st, i), name) == 0)
            return i;
    column_list(p->st, list, sizeof(list));
    fail(p, "PlotError",
         "no column '%s' in the %s (given with --%s); "
         "columns: %s",
         name, mg_args_get(p->a, "from") ? "table" : "query result", opt, list);
    kn_exec_fail_line(p->c->x, "Pick one of the columns listed, e.g. "
                               "--x COLUMN --y COLUMN, or rename it in SQL "
                               "with AS.");
    return -1;
}

/* Numeric value of a column: 1 and *out set, 0 for NULL, -1 for text that
 * is not a number (or a blob). */
static int num_value(sqlite3_stmt *st, int col, double *out)
{
    const char *s;
    char *end;

    switch (sqlite3_column_type(st, col)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        *out = sqlite3_column_double(st, col);
        return 1;
    case SQLITE_NULL:
        return 0;
    case SQLITE_TEXT:
        s = (const char *)sqlite3_column_text(st, col);
        if (!s)
            return 0;
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            return 0;
        errno = 0;
        *out = strtod(s, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (*end || end == s || !isfinite(*out))
            return -1;
        return 1;
    default:
        return -1;
    }
}

/* A value as a category name.  Floats print without a trailing ".0" (an
 * hour stored as 5.0 reads "5"); `buf` holds that form (32 bytes). */
static const char *cat_name(sqlite3_stmt *st, int col, char *buf)
{
    const char *s;

    switch (sqlite3_column_type(st, col)) {
    case SQLITE_NULL:
        return "(null)";
    case SQLITE_FLOAT:
        snprintf(buf, 32, "%.15g", sqlite3_column_double(st, col));
        return buf;
    default:
        s = (const char *)sqlite3_column_text(st, col);
        return s ? s : "";
    }
}

/* Short, printable excerpt of a value for error messages. */
static void excerpt(sqlite3_stmt *st, int col, char *out, size_t outlen)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    size_t i, o = 0;

    if (sqlite3_column_type(st, col) == SQLITE_BLOB) {
        snprintf(out, outlen, "a blob");
        return;
    }
    out[o++] = '\'';
    for (i = 0; s && s[i] && o + 5 < outlen && i < 40; i++)
        out[o++] = s[i] < 0x20 ? '?' : (char)s[i];
    if (s && s[i] && o + 5 < outlen) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '\'';
    out[o] = '\0';
}

static void fail_not_numeric(struct plot *p, int col, const char *name,
                             const char *role)
{
    const char *txt = (const char *)sqlite3_column_text(p->st, col);
    double t;
    char ex[64];

    excerpt(p->st, col, ex, sizeof(ex));
    if (txt && ch_parse_time(txt, &t, NULL) == 0) {
        /* dates: counting per period is a GROUP BY and a bar chart */
        fail(p, "PlotError",
             "%s column '%s' holds dates (row %zu has %s); to count per "
             "period use %%%%yt_plot bar with SELECT strftime('%%Y-%%m', %s) "
             "AS month, COUNT(*) ... GROUP BY month",
             role, name, p->rows + 1, ex, name);
        return;
    }
    fail(p, "PlotError",
         "%s column '%s' is not numeric (row %zu has %s); "
         "plot a number column or CAST(%s AS REAL)",
         role, name, p->rows + 1, ex, name);
    kn_exec_fail_line(p->c->x, "Plot a number: aggregate in SQL (COUNT(*), "
                               "SUM(...)), or CAST(col AS REAL) if the "
                               "numbers are stored as text.");
}

/* sqlite3_step with interrupt and error reporting: returns 1 for a row, 0
 * at the end, -1 after failing. */
static int step(struct plot *p)
{
    int rc = sqlite3_step(p->st);

    if (rc == SQLITE_ROW) {
        if ((p->rows & (INTERRUPT_EVERY - 1)) == 0 && p->rows &&
            kn_exec_interrupted(p->c->x)) {
            fail(p, "KeyboardInterrupt", "plot interrupted after %zu rows",
                 p->rows);
            return -1;
        }
        return 1;
    }
    if (rc == SQLITE_DONE)
        return 0;
    if (kn_exec_interrupted(p->c->x))
        fail(p, "KeyboardInterrupt", "plot interrupted after %zu rows",
             p->rows);
    else
        fail(p, "SQLError", "%s", sqlite3_errmsg(p->c->db));
    return -1;
}

/* The current row's text fields into the chart (numbers as the axes write
 * them, NULL as ""), so the points added next carry them. */
static int add_row(struct plot *p)
{
    const char *v[CH_MAX_FIELDS];
    char bufs[CH_MAX_FIELDS][CH_LABEL_LEN];
    size_t k;

    if (!p->col.nfield)
        return 0;
    for (k = 0; k < p->col.nfield; k++) {
        int col = p->col.field[k], t = sqlite3_column_type(p->st, col);
        double d;

        if (t == SQLITE_NULL) {
            v[k] = "";
        } else if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
            d = sqlite3_column_double(p->st, col);
            if (fabs(d) < 10000 && d == floor(d))
                snprintf(bufs[k], sizeof(bufs[k]), "%.0f", d);
            else
                ch_format_compact(d, bufs[k], sizeof(bufs[k]));
            v[k] = bufs[k];
        } else {
            v[k] = (const char *)sqlite3_column_text(p->st, col);
        }
    }
    return ch_chart_add_row(&p->chart, v) < 0 ? -1 : 0;
}

/* ------------------------------------------------------------- readers */

static int read_bar(struct plot *p)
{
    char tv_buf[32];
    struct ch_chart *ch = &p->chart;
    int r, s = 0;
    double y;

    if (p->col.series < 0 && (s = ch_chart_series(ch, "")) < 0)
        goto oom;
    while ((r = step(p)) > 0) {
        int k = num_value(p->st, p->col.y, &y);

        if (k < 0) {
            fail_not_numeric(p, p->col.y, p->col.yname, "y");
            return -1;
        }
        p->rows++;
        if (k == 0) {
            ch->rows_skipped++;
            continue;
        }
        if (add_row(p) < 0)
            goto oom;
        if (p->col.series >= 0 &&
            (s = ch_chart_series(ch, cat_name(p->st, p->col.series, tv_buf))) <
                0)
            goto oom;
        if (ch_chart_bar(ch, cat_name(p->st, p->col.x, tv_buf), s, y) < 0)
            goto oom;
    }
    return r;
oom:
    fail(p, "MemoryError", "out of memory reading the rows");
    return -1;
}

/* x of a line/scatter: numeric, or ISO-8601 text (time axis).  Returns 1
 * with *x set, 0 for NULL, -1 after failing. */
static int x_value(struct plot *p, double *x)
{
    struct ch_chart *ch = &p->chart;
    int k, has_time = 0;

    if (sqlite3_column_type(p->st, p->col.x) == SQLITE_TEXT) {
        const char *s = (const char *)sqlite3_column_text(p->st, p->col.x);

        if (s && ch_parse_time(s, x, &has_time) == 0) {
            if (p->xmode == XM_NUMBER)
                goto mixed;
            p->xmode = XM_TIME;
            ch->x_time = 1;
            ch->x_has_clock |= has_time;
            return 1;
        }
    }
    k = num_value(p->st, p->col.x, x);
    if (k < 0) {
        char ex[64];

        excerpt(p->st, p->col.x, ex, sizeof(ex));
        fail(p, "PlotError",
             "x column '%s' is neither a number nor an "
             "ISO-8601 date (row %zu has %s); for categories "
             "use %%yt_plot bar",
             p->col.xname, p->rows + 1, ex);
        kn_exec_fail_line(p->c->x, "Dates are read as YYYY-MM-DD or "
                                   "YYYY-MM-DDTHH:MM:SSZ.");
        return -1;
    }
    if (k == 1) {
        if (p->xmode == XM_TIME)
            goto mixed;
        p->xmode = XM_NUMBER;
    }
    return k;
mixed:
    fail(p, "PlotError",
         "x column '%s' mixes dates and numbers (row %zu); "
         "make it all dates or all numbers in SQL",
         p->col.xname, p->rows + 1);
    return -1;
}

static int read_points(struct plot *p)
{
    char tv_buf[32];
    struct ch_chart *ch = &p->chart;
    int r, s = 0, kx, ky;
    size_t kept = 0;
    double x, y, z = 0;

    if (p->col.series < 0 && (s = ch_chart_series(ch, "")) < 0)
        goto oom;
    while ((r = step(p)) > 0) {
        if ((kx = x_value(p, &x)) < 0)
            return -1;
        ky = num_value(p->st, p->col.y, &y);
        if (ky < 0) {
            fail_not_numeric(p, p->col.y, p->col.yname, "y");
            return -1;
        }
        if (p->col.size >= 0) {
            int kz = num_value(p->st, p->col.size, &z);

            if (kz < 0) {
                fail_not_numeric(p, p->col.size, p->col.zname, "size");
                return -1;
            }
            if (kz == 0)
                z = 0;
        }
        p->rows++;
        if (kx == 0 || ky == 0) {
            ch->rows_skipped++;
            continue;
        }
        if (kept >= MAX_POINTS)
            continue;
        if (add_row(p) < 0)
            goto oom;
        if (p->colour_by && p->cmode != CM_TEXT) {
            /* --color: numbers get a colour scale, text one colour per
             * value; the first non-NULL value decides */
            int t = sqlite3_column_type(p->st, p->col.series);
            double v = NAN;

            if (p->cmode == CM_UNKNOWN && t != SQLITE_NULL)
                p->cmode = (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
                               ? CM_NUMBER
                               : CM_TEXT;
            if (p->cmode != CM_TEXT) {
                if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
                    v = sqlite3_column_double(p->st, p->col.series);
                if ((s = ch_chart_series(ch, "")) < 0 ||
                    ch_chart_point_coloured(ch, s, x, y, z, v) < 0)
                    goto oom;
                kept++;
                continue;
            }
        }
        if (p->col.series >= 0 &&
            (s = ch_chart_series(ch, cat_name(p->st, p->col.series, tv_buf))) <
                0)
            goto oom;
        if (ch_chart_point(ch, s, x, y, z) < 0)
            goto oom;
        kept++;
    }
    if (p->colour_by && p->cmode == CM_TEXT) {
        /* rows read before the first value had no colour: name them */
        size_t i;

        ch->has_colour = 0;
        for (i = 0; i < ch->nseries; i++)
            if (ch->series[i].name[0] == '\0') {
                char *n = strdup("(null)");

                if (!n)
                    goto oom;
                free(ch->series[i].name);
                ch->series[i].name = n;
            }
    }
    if (r == 0 && kept >= MAX_POINTS)
        ch_chart_add_note(ch, "first %d of %zu rows plotted", MAX_POINTS,
                          p->rows);
    return r;
oom:
    fail(p, "MemoryError",
         "out of memory reading the rows (%zu so far); "
         "aggregate in SQL or add a LIMIT",
         p->rows);
    return -1;
}

static int read_hist(struct plot *p)
{
    struct ch_chart *ch = &p->chart;
    double lo = INFINITY, hi = -INFINITY, v, step_w, first;
    double *counts = NULL;
    size_t n = 0, nb, i;
    long bins = 0;
    char err[YTK_ERR_LEN];
    int r, k;

    if (mg_args_get_long(p->a, "bins", 1, 1000, &bins, err) < 0) {
        fail(p, "UsageError", "%%yt_plot: %s", err);
        return -1;
    }
    /* pass 1: range and count */
    while ((r = step(p)) > 0) {
        k = num_value(p->st, p->col.x, &v);
        if (k < 0) {
            fail_not_numeric(p, p->col.x, p->col.xname, "hist");
            return -1;
        }
        p->rows++;
        if (k == 0) {
            ch->rows_skipped++;
            continue;
        }
        if (v < lo)
            lo = v;
        if (v > hi)
            hi = v;
        n++;
    }
    if (r < 0)
        return -1;
    if (n == 0)
        return 0;
    if (bins == 0) { /* Sturges, within reason */
        bins = (long)ceil(log2((double)n)) + 1;
        if (bins < 5)
            bins = 5;
        if (bins > 40)
            bins = 40;
    }
    /* nice bin edges (d3.bin with nice thresholds) */
    if (hi > lo) {
        step_w = ch_tick_step(lo, hi, (int)bins);
        first = floor(lo / step_w) * step_w;
        nb = (size_t)ceil((hi - first) / step_w);
        if (first + (double)nb * step_w <= hi)
            nb++; /* the maximum falls in a last bin of its own */
        if (nb == 0)
            nb = 1;
    } else {
        step_w = lo == 0 ? 1 : fabs(lo) * 0.1;
        first = lo - step_w / 2;
        nb = 1;
    }
    counts = calloc(nb, sizeof(double));
    if (!counts) {
        fail(p, "MemoryError", "out of memory");
        return -1;
    }
    /* pass 2: counts */
    sqlite3_reset(p->st);
    p->rows = 0;
    while ((r = step(p)) > 0) {
        p->rows++;
        if (num_value(p->st, p->col.x, &v) != 1)
            continue;
        i = (size_t)floor((v - first) / step_w);
        if (v < first)
            i = 0;
        if (i >= nb)
            i = nb - 1;
        counts[i]++;
    }
    if (r < 0) {
        free(counts);
        return -1;
    }
    for (i = 0; i < nb; i++) {
        if (ch_chart_hist_bin(ch, first + (double)i * step_w,
                              first + (double)(i + 1) * step_w,
                              counts[i]) < 0) {
            free(counts);
            fail(p, "MemoryError", "out of memory");
            return -1;
        }
    }
    free(counts);
    return 0;
}

struct group {
    char *name;
    double *v;
    size_t n, cap;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static int read_box(struct plot *p)
{
    char tv_buf[32];
    struct group *g = NULL;
    size_t ng = 0, i, dropped_groups = 0;
    int r, k, rc = -1;
    double v;

    while ((r = step(p)) > 0) {
        const char *name =
            p->col.x >= 0 ? cat_name(p->st, p->col.x, tv_buf) : "";
        struct group *grp = NULL;

        k = num_value(p->st, p->col.y, &v);
        if (k < 0) {
            fail_not_numeric(p, p->col.y, p->col.yname, "y");
            goto out;
        }
        p->rows++;
        if (k == 0) {
            p->chart.rows_skipped++;
            continue;
        }
        for (i = 0; i < ng; i++)
            if (strcmp(g[i].name, name) == 0) {
                grp = &g[i];
                break;
            }
        if (!grp) {
            struct group *ngp;

            if (ng >= MAX_BOX_GROUPS) {
                dropped_groups++;
                continue;
            }
            ngp = realloc(g, (ng + 1) * sizeof(*g));
            if (!ngp)
                goto oom;
            g = ngp;
            grp = &g[ng];
            memset(grp, 0, sizeof(*grp));
            if (!(grp->name = strdup(name)))
                goto oom;
            ng++;
        }
        if (grp->n == grp->cap) {
            size_t ncap = grp->cap ? grp->cap * 2 : 64;
            double *nv = realloc(grp->v, ncap * sizeof(double));

            if (!nv)
                goto oom;
            grp->v = nv;
            grp->cap = ncap;
        }
        grp->v[grp->n++] = v;
    }
    if (r < 0)
        goto out;
    for (i = 0; i < ng; i++) {
        qsort(g[i].v, g[i].n, sizeof(double), cmp_double);
        if (ch_chart_box(&p->chart, g[i].name, g[i].v, g[i].n) < 0)
            goto oom;
    }
    if (dropped_groups)
        ch_chart_add_note(&p->chart, "first %d groups shown", MAX_BOX_GROUPS);
    rc = 0;
    goto out;
oom:
    fail(p, "MemoryError", "out of memory reading the rows");
out:
    for (i = 0; i < ng; i++) {
        free(g[i].name);
        free(g[i].v);
    }
    free(g);
    return rc;
}

/* ------------------------------------------------------------- saving */

static int mkdirs_for(const char *path, char *err, size_t errlen)
{
    char *dir = strdup(path), *s;

    if (!dir) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s = strrchr(dir, '/');
    if (!s || s == dir) {
        free(dir);
        return 0;
    }
    *s = '\0';
    for (s = dir + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create directory %s: %s", dir,
                     strerror(errno));
            free(dir);
            return -1;
        }
        *s = '/';
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create directory %s: %s", dir,
                 strerror(errno));
        free(dir);
        return -1;
    }
    free(dir);
    return 0;
}

static int write_bytes(const char *path, const void *data, size_t len,
                       char *err, size_t errlen)
{
    char perr[YTK_ERR_LEN];

    if (mkdirs_for(path, err, errlen) < 0)
        return -1;
    if (ch_png_write_file(path, data, len, perr) < 0) {
        snprintf(err, errlen, "%s", perr);
        return -1;
    }
    return 0;
}

/* What --save writes: one path per format (empty when not written). */
enum { SV_SVG, SV_PNG, SV_VL, SV_N };
static const char *const save_ext[SV_N] = {".svg", ".png", ".vl.json"};
static const char *const save_fmt[SV_N] = {"svg", "png", "vl.json"};

struct save {
    char path[SV_N][4096];
};

/* Which format a file name's extension names, or -1 (none or unknown);
 * *stem = the length before the extension. */
static int save_ext_of(const char *save, size_t *stem)
{
    size_t n = strlen(save), e;
    const char *slash = strrchr(save, '/'), *dot = strrchr(save, '.');
    int k;

    *stem = n;
    for (k = SV_N - 1; k >= 0; k--) {
        e = strlen(save_ext[k]);
        if (n > e && strcasecmp(save + n - e, save_ext[k]) == 0) {
            *stem = n - e;
            return k;
        }
    }
    if (dot && (!slash || dot > slash))
        return -2; /* an extension we do not write */
    return -1;
}

/* Decide what --save writes.  Returns 0 or -1 after failing. */
static int save_paths(struct plot *p, struct save *sv)
{
    const char *save = mg_args_get(p->a, "save");
    const char *format = mg_args_get(p->a, "format");
    int want[SV_N] = {0, 0, 0}, ext, k, fk = -1;
    size_t stem;

    memset(sv, 0, sizeof(*sv));
    if (format) {
        for (k = 0; k < SV_N; k++)
            if (strcasecmp(format, save_fmt[k]) == 0)
                fk = k;
        if (fk < 0 && strcasecmp(format, "both") && strcasecmp(format, "all")) {
            fail(p, "UsageError",
                 "%%yt_plot: --format must be svg, png, vl.json, both (svg "
                 "and png) or all, not '%s'",
                 format);
            return -1;
        }
    }
    if (!save) {
        if (format) {
            fail(p, "UsageError",
                 "%%yt_plot: --format says what --save "
                 "writes; add --save PATH");
            return -1;
        }
        return 0;
    }
    if (!*save) {
        fail(p, "UsageError", "%%yt_plot: --save needs a file path");
        return -1;
    }
    ext = save_ext_of(save, &stem);
    if (ext == -2) {
        fail(p, "UsageError",
             "%%yt_plot: --save %s: the file name must end "
             "in .svg, .png or .vl.json",
             save);
        return -1;
    }
    if (format && fk < 0) {
        want[SV_SVG] = want[SV_PNG] = 1;
        want[SV_VL] = strcasecmp(format, "all") == 0;
    } else if (format) {
        want[fk] = 1;
        if (ext >= 0 && ext != fk) {
            fail(p, "UsageError",
                 "%%yt_plot: --save %s does not match "
                 "--format %s; use --format both or all to write "
                 "several files",
                 save, format);
            return -1;
        }
    } else {
        want[ext >= 0 ? ext : SV_PNG] = 1; /* no extension: PNG shows
                                              everywhere */
    }
    if (stem + 9 > sizeof(sv->path[0])) {
        fail(p, "UsageError", "%%yt_plot: --save path is too long");
        return -1;
    }
    for (k = 0; k < SV_N; k++) {
        if (!want[k])
            continue;
        if (k == ext) /* keep the user's spelling of the extension */
            snprintf(sv->path[k], sizeof(sv->path[k]), "%s", save);
        else
            snprintf(sv->path[k], sizeof(sv->path[k]), "%.*s%s", (int)stem,
                     save, save_ext[k]);
    }
    return 0;
}

static char *base64(const unsigned char *data, size_t len)
{
    size_t outlen = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(outlen);

    if (!out)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* ------------------------------------------------------------- driver */

static int is_blank_sql(const char *s)
{
    for (;;) {
        while (isspace((unsigned char)*s) || *s == ';')
            s++;
        if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            const char *e = strstr(s + 2, "*/");

            if (!e)
                return 1;
            s = e + 2;
        } else {
            return *s == '\0';
        }
    }
}

static void list_tables(sqlite3 *db, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    size_t len = 0;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_master WHERE type IN "
                           "('table','view') AND name NOT LIKE 'sqlite_%' "
                           "AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW && len + 8 < outlen) {
        int w = snprintf(out + len, outlen - len, "%s%s", len ? ", " : "",
                         (const char *)sqlite3_column_text(st, 0));

        if (w < 0)
            break;
        len += (size_t)w;
    }
    sqlite3_finalize(st);
    if (!out[0])
        snprintf(out, outlen, "(none yet: run %%yt_fetch or CREATE TABLE)");
}

static int prepare(struct plot *p, const char *body)
{
    const char *from = mg_args_get(p->a, "from");
    const char *tail = NULL;
    struct yt_buf sql;
    int rc;

    yt_buf_init(&sql, 1 << 20);
    if (body) {
        if (from) {
            fail(p, "UsageError",
                 "%%%%yt_plot takes its data from the query "
                 "in the cell body; drop --from");
            return -1;
        }
        if (is_blank_sql(body)) {
            fail(p, "UsageError",
                 "%%%%yt_plot %s needs a SQL query in the "
                 "cell body, e.g. SELECT category, "
                 "COUNT(*) AS videos FROM videos GROUP BY 1",
                 p->kind_word);
            return -1;
        }
        if (yt_buf_adds(&sql, body) < 0)
            goto oom;
    } else {
        const char *q;

        if (!from || !*from) {
            fail(p, "UsageError",
                 "%%yt_plot %s needs --from TABLE --x COL "
                 "--y COL, or use %%%%yt_plot %s with a SQL "
                 "query as the cell body",
                 p->kind_word, p->kind_word);
            return -1;
        }
        if (yt_buf_adds(&sql, "SELECT * FROM \"") < 0)
            goto oom;
        for (q = from; *q; q++)
            if (yt_buf_add(&sql, q, 1) < 0 ||
                (*q == '"' && yt_buf_add(&sql, "\"", 1) < 0))
                goto oom;
        if (yt_buf_adds(&sql, "\"") < 0)
            goto oom;
    }
    rc = sqlite3_prepare_v2(p->c->db, yt_buf_str(&sql), -1, &p->st, &tail);
    if (rc != SQLITE_OK) {
        const char *msg = sqlite3_errmsg(p->c->db);

        if (from && strncmp(msg, "no such table", 13) == 0) {
            char list[600];

            list_tables(p->c->db, list, sizeof(list));
            fail(p, "PlotError", "no table '%s'; tables: %s", from, list);
        } else {
            fail(p, "SQLError", "%s", msg);
        }
        yt_buf_free(&sql);
        return -1;
    }
    if (!p->st) {
        yt_buf_free(&sql);
        fail(p, "UsageError", "the cell body holds no SQL statement");
        return -1;
    }
    /* tail points into sql: check it before freeing the buffer. */
    if (tail && !is_blank_sql(tail)) {
        yt_buf_free(&sql);
        fail(p, "UsageError",
             "%%%%yt_plot takes one query; run the other "
             "statements in a cell of their own");
        return -1;
    }
    yt_buf_free(&sql);
    if (sqlite3_bind_parameter_count(p->st) > 0) {
        char msg[YTK_ERR_LEN]; /* :NAME / $NAME from %set (mg_vars.h) */

        if (mg_vars_bind(p->st, msg) < 0) {
            fail(p, "SQLError", "%s", msg);
            return -1;
        }
    }
    if (sqlite3_column_count(p->st) == 0) {
        fail(p, "UsageError",
             "the cell body must be a query that returns "
             "rows (SELECT ...)");
        return -1;
    }
    return 0;
oom:
    yt_buf_free(&sql);
    fail(p, "MemoryError", "out of memory");
    return -1;
}

/* Columns that name a row (tooltips show them first): a line or scatter
 * never takes one as its default x or y. */
static const char *const text_cols[] = {"title", "name", "channel_title"};

static int is_text_col(const struct plot *p, int i)
{
    size_t k;

    for (k = 0; k < sizeof(text_cols) / sizeof(text_cols[0]); k++)
        if (strcasecmp(sqlite3_column_name(p->st, i), text_cols[k]) == 0)
            return 1;
    return 0;
}

/* First column not yet used for x, y, series or size (for lines and
 * scatters, not a naming column either), or -1. */
static int first_free(const struct plot *p, int ncol)
{
    int i, xy = p->kind == CH_LINE || p->kind == CH_SCATTER;

    for (i = 0; i < ncol; i++)
        if (i != p->col.x && i != p->col.y && i != p->col.series &&
            i != p->col.size && !(xy && is_text_col(p, i)))
            return i;
    return -1;
}

/* Resolve --x/--y/--series/--color/--size against the statement. */
static int resolve_columns(struct plot *p)
{
    const struct mg_args *a = p->a;
    const char *x = mg_args_get(a, "x"), *y = mg_args_get(a, "y");
    const char *series = mg_args_get(a, "series");
    const char *color = mg_args_get(a, "color");
    const char *size = mg_args_get(a, "size");
    int ncol = sqlite3_column_count(p->st), from = mg_args_has(a, "from");

    p->col.x = p->col.y = p->col.series = p->col.size = -1;
    if (color && series) {
        fail(p, "UsageError",
             "%%yt_plot: give --color or --series, not both "
             "(they both split points into coloured "
             "groups)");
        return -1;
    }
    if (color)
        series = color;
    if (p->kind == CH_HIST) {
        if (!x)
            x = y;
        if (x && y && x != y && strcasecmp(x, y) != 0) {
            fail(p, "UsageError",
                 "%%yt_plot hist plots one column: give "
                 "--x COL (the values to bin)");
            return -1;
        }
        if (!x && from) {
            fail(p, "UsageError",
                 "%%yt_plot hist needs --x COL, the column "
                 "whose values are binned");
            return -1;
        }
        p->col.x = x ? find_col(p, x, "x") : 0;
        if (p->col.x < 0)
            return -1;
        p->col.xname = sqlite3_column_name(p->st, p->col.x);
        return 0;
    }
    if (from && (!x || !y) && p->kind != CH_BOX) {
        char list[600];

        column_list(p->st, list, sizeof(list));
        fail(p, "UsageError",
             "%%yt_plot %s --from %s needs --x COL and "
             "--y COL; columns: %s",
             p->kind_word, mg_args_get(a, "from"), list);
        return -1;
    }
    if (series &&
        (p->col.series = find_col(p, series, color ? "color" : "series")) < 0)
        return -1;
    p->colour_by = color != NULL;
    if (size && (p->col.size = find_col(p, size, "size")) < 0)
        return -1;
    if (x && (p->col.x = find_col(p, x, "x")) < 0)
        return -1;
    if (y && (p->col.y = find_col(p, y, "y")) < 0)
        return -1;
    /* Defaults: the first columns not used otherwise, x before y; a box of
     * a one-column query is one box of its values. */
    if (p->kind == CH_BOX && !x && (from || ncol == 1)) {
        if (!y && from) {
            fail(p, "UsageError",
                 "%%yt_plot box --from %s needs --y COL "
                 "(the values) and optionally --x COL (the "
                 "groups)",
                 mg_args_get(a, "from"));
            return -1;
        }
        if (!y)
            p->col.y = 0;
    } else {
        if (!x)
            p->col.x = first_free(p, ncol);
        if (!y)
            p->col.y = first_free(p, ncol);
        if (p->col.x < 0 || p->col.y < 0) {
            fail(p, "PlotError",
                 "the query returns %d column%s; a %s chart "
                 "needs x and y columns, e.g. SELECT day, "
                 "COUNT(*) AS videos ... GROUP BY day",
                 ncol, ncol == 1 ? "" : "s", p->kind_word);
            return -1;
        }
    }
    p->col.xname = p->col.x >= 0 ? sqlite3_column_name(p->st, p->col.x) : NULL;
    p->col.yname = sqlite3_column_name(p->st, p->col.y);
    p->col.sname =
        p->col.series >= 0 ? sqlite3_column_name(p->st, p->col.series) : NULL;
    p->col.zname =
        p->col.size >= 0 ? sqlite3_column_name(p->st, p->col.size) : NULL;
    return 0;
}

/* Options that only make sense for some kinds. */
static int check_kind_options(struct plot *p)
{
    static const struct {
        const char *opt;
        enum ch_kind kind;
        const char *what;
    } only[] = {
        {"horizontal", CH_BAR, "bar"},   {"stacked", CH_BAR, "bar"},
        {"top", CH_BAR, "bar"},          {"bins", CH_HIST, "hist"},
        {"size", CH_SCATTER, "scatter"}, {"color", CH_SCATTER, "scatter"},
    };
    size_t i;

    for (i = 0; i < sizeof(only) / sizeof(only[0]); i++) {
        if (mg_args_has(p->a, only[i].opt) && p->kind != only[i].kind) {
            fail(p, "UsageError",
                 "%%yt_plot: --%s applies to %s charts, not "
                 "%s",
                 only[i].opt, only[i].what, p->kind_word);
            if (strcmp(only[i].opt, "color") == 0)
                kn_exec_fail_line(p->c->x, "Use --series COL to split bars "
                                           "or lines into coloured series.");
            return -1;
        }
    }
    if (mg_args_has(p->a, "series") &&
        (p->kind == CH_HIST || p->kind == CH_BOX)) {
        fail(p, "UsageError",
             "%%yt_plot: --series applies to bar, line and "
             "scatter charts");
        return -1;
    }
    if (mg_args_has(p->a, "log-x") &&
        (p->kind == CH_BAR || p->kind == CH_BOX || p->kind == CH_HIST)) {
        fail(p, "UsageError",
             "%%yt_plot: --log-x applies to line and scatter "
             "charts (the value axis is --log-y)");
        return -1;
    }
    return 0;
}

/* The CH_TIP_* channel column i is plotted on, or 0. */
static unsigned plotted_bit(const struct plot *p, int i)
{
    if (i == p->col.x)
        return CH_TIP_X;
    if (i == p->col.y)
        return CH_TIP_Y;
    if (i == p->col.series)
        return p->colour_by ? CH_TIP_COLOUR | CH_TIP_SERIES : CH_TIP_SERIES;
    if (i == p->col.size)
        return CH_TIP_SIZE;
    return 0;
}

/* Index of column `col` among the row's text fields (added when new), or -1
 * after failing. */
static int add_field(struct plot *p, int col, const char **names)
{
    size_t k;

    for (k = 0; k < p->col.nfield; k++)
        if (p->col.field[k] == col)
            return (int)k;
    if (p->col.nfield == CH_MAX_FIELDS) {
        fail(p, "UsageError",
             "%%yt_plot: at most %d extra columns in --tooltip and --label",
             CH_MAX_FIELDS);
        return -1;
    }
    names[p->col.nfield] = sqlite3_column_name(p->st, col);
    p->col.field[p->col.nfield] = col;
    return (int)p->col.nfield++;
}

/* --tooltip COL,...: plotted columns switch their channel on, others become
 * text fields.  Without it: every channel, and a title or name column. */
static int tooltip_fields(struct plot *p, const char **names)
{
    const char *opt = mg_args_get(p->a, "tooltip");
    int i, n = sqlite3_column_count(p->st);
    char *copy, *tok, *save = NULL;
    size_t k;

    if (!opt) {
        for (k = 0; k < sizeof(text_cols) / sizeof(text_cols[0]); k++)
            for (i = 0; i < n; i++)
                if (strcasecmp(sqlite3_column_name(p->st, i), text_cols[k]) ==
                        0 &&
                    !plotted_bit(p, i))
                    return add_field(p, i, names) < 0 ? -1 : 0;
        return 0;
    }
    p->chart.tip = 0;
    if (!(copy = strdup(opt))) {
        fail(p, "MemoryError", "out of memory");
        return -1;
    }
    for (tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *e = tok + strlen(tok);

        while (isspace((unsigned char)*tok))
            tok++;
        while (e > tok && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (!*tok)
            continue;
        if ((i = find_col(p, tok, "tooltip")) < 0 ||
            (!plotted_bit(p, i) && add_field(p, i, names) < 0)) {
            free(copy);
            return -1;
        }
        p->chart.tip |= plotted_bit(p, i);
    }
    free(copy);
    return 0;
}

/* Text fields of each row: tooltip columns, then the --label column. */
static int resolve_fields(struct plot *p)
{
    struct ch_chart *ch = &p->chart;
    const char *label = mg_args_get(p->a, "label");
    const char *names[CH_MAX_FIELDS];
    char err[YTK_ERR_LEN];
    long top = 5;
    size_t ntip;
    int lab = -1;

    if (mg_args_has(p->a, "label-top") && !label) {
        fail(p, "UsageError", "%%yt_plot: --label-top N goes with --label COL");
        return -1;
    }
    if (label && p->kind != CH_LINE && p->kind != CH_SCATTER) {
        fail(p, "UsageError",
             "%%yt_plot: --label applies to line and scatter charts (bars "
             "and boxes are named by their category)");
        return -1;
    }
    if (p->kind == CH_HIST || p->kind == CH_BOX) {
        if (mg_args_has(p->a, "tooltip")) {
            fail(p, "UsageError",
                 "%%yt_plot: --tooltip applies to bar, line and scatter "
                 "charts (%s tooltips show their statistics)",
                 p->kind_word);
            return -1;
        }
        return 0;
    }
    if (ch_chart_set_text(&ch->series_label, p->col.sname) < 0 ||
        ch_chart_set_text(&ch->size_label, p->col.zname) < 0)
        goto oom;
    if (tooltip_fields(p, names) < 0)
        return -1;
    ntip = p->col.nfield;
    if (label) {
        int col = find_col(p, label, "label");

        if (col < 0 || (lab = add_field(p, col, names)) < 0)
            return -1;
        if (mg_args_get_long(p->a, "label-top", 1, 50, &top, err) < 0) {
            fail(p, "UsageError", "%%yt_plot: %s", err);
            return -1;
        }
    }
    if (p->col.nfield &&
        ch_chart_set_fields(ch, names, p->col.nfield, ntip) < 0)
        goto oom;
    ch->label_field = lab;
    ch->label_top = (size_t)top;
    return 0;
oom:
    fail(p, "MemoryError", "out of memory");
    return -1;
}

static int set_options(struct plot *p)
{
    struct ch_chart *ch = &p->chart;
    const struct mg_args *a = p->a;
    const char *xl = mg_args_get(a, "xlabel"), *yl = mg_args_get(a, "ylabel");
    const char *dxl, *dyl;
    long w = ch->width, h = ch->height;
    char err[YTK_ERR_LEN];

    if (mg_args_get_long(a, "width", 200, 2000, &w, err) < 0 ||
        mg_args_get_long(a, "height", 150, 2000, &h, err) < 0) {
        fail(p, "UsageError", "%%yt_plot: %s", err);
        return -1;
    }
    ch->width = (int)w;
    ch->height = (int)h;
    ch->log_x = mg_args_has(a, "log-x");
    ch->log_y = mg_args_has(a, "log-y");
    ch->horizontal = mg_args_has(a, "horizontal");
    ch->stacked = mg_args_has(a, "stacked");
    ch->has_size = p->col.size >= 0;
    if (p->colour_by && ch_chart_set_text(&ch->colour_label, p->col.sname) < 0)
        return -1;
    if (ch_chart_set_text(&ch->title, mg_args_get(a, "title")) < 0 ||
        ch_chart_set_text(&ch->source, mg_args_get(a, "source")) < 0)
        return -1;
    /* Each axis label defaults to the column it shows. */
    switch (p->kind) {
    case CH_HIST:
        dxl = p->col.xname;
        dyl = "Count";
        break;
    case CH_BAR:
        dxl = ch->horizontal ? p->col.yname : p->col.xname;
        dyl = ch->horizontal ? NULL : p->col.yname;
        break;
    default:
        dxl = p->col.xname;
        dyl = p->col.yname;
    }
    if (!xl)
        xl = dxl;
    if (!yl)
        yl = dyl;
    if (ch_chart_set_text(&ch->xlabel, xl) < 0 ||
        ch_chart_set_text(&ch->ylabel, yl) < 0)
        return -1;
    return 0;
}

/* Interactive view by default?  `%yt_plot default --static` or
 * --interactive sets it for the session; YTK_PLOT_STATIC=1 in the kernel's
 * environment starts static. */
static int plot_interactive = -1;

static int interactive_default(void)
{
    if (plot_interactive < 0) {
        const char *e = getenv("YTK_PLOT_STATIC");

        plot_interactive = !(e && *e && strcmp(e, "0") != 0);
    }
    return plot_interactive;
}

/* Write one file of --save and say so. */
static int save_one(struct plot *p, const char *path, const void *data,
                    size_t len)
{
    char werr[512];

    if (!path[0])
        return 0;
    if (write_bytes(path, data, len, werr, sizeof(werr)) < 0) {
        fail(p, "PlotError", "%s", werr);
        return -1;
    }
    kn_exec_printf(p->c->x, 0, "Saved %s (%zu KB)\n", path,
                   (len + 1023) / 1024);
    return 0;
}

/* The Vega-Lite spec when it is shown or saved: *vl (text, malloc'ed) or
 * NULL when it does not fit its cap (said in a line of output, the static
 * chart still shows).  Returns -1 only when a save of it fails that way. */
static int vega_text(struct plot *p, const struct save *sv, int show, char **vl,
                     size_t *vl_len)
{
    char err[YTK_ERR_LEN];

    *vl = NULL;
    if (!show && !sv->path[SV_VL][0])
        return 0;
    if (ch_vega_spec(&p->chart, vl, vl_len, err) == 0)
        return 0;
    if (sv->path[SV_VL][0]) {
        fail(p, "PlotError", "%s", err);
        return -1;
    }
    kn_exec_printf(p->c->x, 0, "Interactive view left out: %s.\n", err);
    return 0;
}

#define VL_MIME "application/vnd.vegalite.v5+json"

/* JupyterLab's vega-embed options: SVG rendering (marks stay in the DOM,
 * readable and crisp), export actions only (the editor action would send
 * the data to an online editor). */
static int vega_meta(cJSON *meta)
{
    cJSON *m = cJSON_AddObjectToObject(meta, VL_MIME);
    cJSON *eo = m ? cJSON_AddObjectToObject(m, "embed_options") : NULL;
    cJSON *act = eo ? cJSON_AddObjectToObject(eo, "actions") : NULL;

    if (!act || !cJSON_AddStringToObject(eo, "renderer", "svg") ||
        !cJSON_AddTrueToObject(act, "export") ||
        !cJSON_AddFalseToObject(act, "source") ||
        !cJSON_AddFalseToObject(act, "compiled") ||
        !cJSON_AddFalseToObject(act, "editor"))
        return -1;
    return 0;
}

static int publish(struct plot *p)
{
    struct ch_chart *ch = &p->chart;
    char *svg = NULL, *summary = NULL, *b64 = NULL, *vl = NULL;
    char err[YTK_ERR_LEN];
    struct save sv;
    unsigned char *png = NULL;
    size_t svg_len, png_len, vl_len = 0;
    cJSON *data = NULL, *meta = NULL, *pm, *spec = NULL;
    int rc = -1, show_vl;

    show_vl = mg_args_has(p->a, "static")        ? 0
              : mg_args_has(p->a, "interactive") ? 1
                                                 : interactive_default();
    if (save_paths(p, &sv) < 0)
        goto out;
    if (ch_chart_render(ch, &svg, &svg_len, &png, &png_len, &summary, err) <
        0) {
        if (strncmp(err, "nothing to plot", 15) == 0) {
            fail(p, "PlotError",
                 "nothing to plot: the query returned %zu "
                 "rows%s",
                 p->rows, ch->rows_skipped ? ", all with NULL values" : "");
            kn_exec_fail_line(p->c->x, "Check the query on its own (without "
                                       "%%yt_plot) and its WHERE clause.");
        } else {
            fail(p, "PlotError", "%s", err);
        }
        goto out;
    }
    if (vega_text(p, &sv, show_vl, &vl, &vl_len) < 0 ||
        save_one(p, sv.path[SV_SVG], svg, svg_len) < 0 ||
        save_one(p, sv.path[SV_PNG], png, png_len) < 0 ||
        (vl && save_one(p, sv.path[SV_VL], vl, vl_len) < 0))
        goto out;
    b64 = base64(png, png_len);
    data = cJSON_CreateObject();
    meta = cJSON_CreateObject();
    pm = cJSON_CreateObject();
    if (!b64 || !data || !meta || !pm) {
        cJSON_Delete(pm);
        goto oom;
    }
    cJSON_AddItemToObject(meta, "image/png", pm);
    if (show_vl && vl) {
        if (!(spec = cJSON_Parse(vl)))
            goto oom;
        cJSON_AddItemToObject(data, VL_MIME, spec);
        if (vega_meta(meta) < 0)
            goto oom;
    }
    if (!cJSON_AddStringToObject(data, "image/svg+xml", svg) ||
        !cJSON_AddStringToObject(data, "image/png", b64) ||
        !cJSON_AddStringToObject(data, "text/plain", summary) ||
        !cJSON_AddNumberToObject(pm, "width", ch->width) ||
        !cJSON_AddNumberToObject(pm, "height", ch->height))
        goto oom;
    kn_exec_display(p->c->x, data, meta, NULL);
    data = meta = NULL;
    rc = 0;
    goto out;
oom:
    fail(p, "MemoryError", "out of memory building the chart output");
out:
    cJSON_Delete(data);
    cJSON_Delete(meta);
    free(svg);
    free(png);
    free(b64);
    free(vl);
    free(summary);
    return rc;
}

/* %yt_plot default [--static | --interactive]: show or set whether charts
 * carry the interactive view for the rest of the session. */
static int run_default(struct mg_ctx *c, const struct mg_args *a)
{
    int i;

    for (i = 0; i < a->nopt; i++)
        if (strcmp(a->optname[i], "static") &&
            strcmp(a->optname[i], "interactive")) {
            kn_exec_fail(c->x, "UsageError",
                         "%%yt_plot default takes --static or --interactive, "
                         "not --%s",
                         a->optname[i]);
            return -1;
        }
    if (mg_args_pos(a, 1) ||
        (mg_args_has(a, "static") && mg_args_has(a, "interactive"))) {
        kn_exec_fail(c->x, "UsageError",
                     "usage: %%yt_plot default [--static | --interactive]");
        return -1;
    }
    interactive_default();
    if (mg_args_has(a, "static"))
        plot_interactive = 0;
    if (mg_args_has(a, "interactive"))
        plot_interactive = 1;
    kn_exec_printf(c->x, 0,
                   plot_interactive
                       ? "Charts show an interactive view (Vega-Lite) with "
                         "SVG and PNG beside it; --static leaves it out.\n"
                       : "Charts are pictures only (SVG and PNG); "
                         "--interactive adds the interactive view.\n");
    return 0;
}

static int run(struct mg_ctx *c, const struct mg_args *a, const char *body)
{
    struct plot p;
    const char *kind = mg_args_pos(a, 0);
    int rc = -1, r;

    memset(&p, 0, sizeof(p));
    p.c = c;
    p.a = a;
    if (!kind) {
        kn_exec_fail(c->x, "UsageError",
                     "%%yt_plot needs a chart kind: " KINDS_LIST);
        kn_exec_fail_line(c->x, "e.g. %yt_plot bar --from videos --x title "
                                "--y view_count --top 10");
        return -1;
    }
    if (strcasecmp(kind, "bar") == 0)
        p.kind = CH_BAR;
    else if (strcasecmp(kind, "line") == 0)
        p.kind = CH_LINE;
    else if (strcasecmp(kind, "scatter") == 0 ||
             strcasecmp(kind, "bubble") == 0)
        p.kind = CH_SCATTER;
    else if (strcasecmp(kind, "hist") == 0 ||
             strcasecmp(kind, "histogram") == 0)
        p.kind = CH_HIST;
    else if (strcasecmp(kind, "box") == 0)
        p.kind = CH_BOX;
    else if (strcasecmp(kind, "default") == 0 && !body)
        p.kind = 0;
    else {
        kn_exec_fail(c->x, "UsageError",
                     "unknown chart kind '%s'; kinds: " KINDS_LIST, kind);
        return -1;
    }
    p.kind_word = kind;
    if (p.kind == 0)
        return run_default(c, a);
    if (mg_args_pos(a, 1)) {
        kn_exec_fail(c->x, "UsageError",
                     "%%yt_plot: unexpected '%s' after "
                     "the kind; options start with --",
                     mg_args_pos(a, 1));
        return -1;
    }
    if (check_kind_options(&p) < 0)
        return -1;
    ch_chart_init(&p.chart, p.kind);
    if (prepare(&p, body) < 0 || resolve_columns(&p) < 0 ||
        set_options(&p) < 0 || resolve_fields(&p) < 0)
        goto out;
    switch (p.kind) {
    case CH_BAR:
        r = read_bar(&p);
        break;
    case CH_LINE:
    case CH_SCATTER:
        r = read_points(&p);
        break;
    case CH_HIST:
        r = read_hist(&p);
        break;
    case CH_BOX:
        r = read_box(&p);
        break;
    default:
        r = -1;
    }
    if (r < 0)
        goto out;
    sqlite3_finalize(p.st);
    p.st = NULL;
    if (p.kind == CH_BAR && mg_args_has(a, "top")) {
        long top = 0;
        char err[YTK_ERR_LEN];

        if (mg_args_get_long(a, "top", 1, 100000, &top, err) < 0) {
            fail(&p, "UsageError", "%%yt_plot: %s", err);
            goto out;
        }
        if (ch_chart_top(&p.chart, (size_t)top) < 0) {
            fail(&p, "MemoryError", "out of memory");
            goto out;
        }
    }
    if (p.chart.x_time && p.chart.x_has_clock && p.chart.xlabel &&
        !mg_args_has(a, "xlabel")) {
        struct yt_buf b;

        yt_buf_init(&b, 4096);
        if (yt_buf_addf(&b, "%s (UTC)", p.chart.xlabel) == 0)
            ch_chart_set_text(&p.chart.xlabel, yt_buf_str(&b));
        yt_buf_free(&b);
    }
    if (p.chart.rows_skipped)
        ch_chart_add_note(&p.chart, "%zu row%s with NULL values left out",
                          p.chart.rows_skipped,
                          p.chart.rows_skipped == 1 ? "" : "s");
    rc = publish(&p);
out:
    if (p.st)
        sqlite3_finalize(p.st);
    ch_chart_free(&p.chart);
    return rc;
}

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    return run(c, a, NULL);
}

static int run_cell(struct mg_ctx *c, const struct mg_args *a, const char *body)
{
    return run(c, a, body);
}

const struct mg_magic mg_yt_plot_magic = {
    .name = "yt_plot",
    .summary = "chart a table or a query: bar, line, scatter, hist, box",
    .help =
        "%yt_plot KIND --from TABLE --x COL --y COL [options]\n"
        "%%yt_plot KIND [options]   (cell body: one SQL query)\n"
        "%yt_plot default [--static | --interactive]\n"
        "\n"
        "Draws a chart of a table or of a query's rows.  JupyterLab,\n"
        "Notebook 7 and VS Code show an interactive view (Vega-Lite: hover\n"
        "for tooltips); SVG and PNG go beside it for exports, code-host\n"
        "viewers and untrusted notebooks, with a one-line text summary.\n"
        "Aggregate in SQL: the cell form takes any SELECT.\n"
        "\n"
        "Kinds:\n"
        "  bar      categories (--x) and values (--y); --series COL groups\n"
        "           or, with --stacked, stacks; --horizontal; --top N\n"
        "  line     numeric or ISO-8601 date x; --series COL for one line\n"
        "           per value; a million points are reduced with LTTB\n"
        "  scatter  --color COL colours points (text: one colour per value,\n"
        "           numbers: a colour scale; CAST(col AS TEXT) for groups),\n"
        "           --size COL makes bubbles; large inputs are thinned to\n"
        "           one point per pixel cell\n"
        "  hist     distribution of --x COL; --bins N\n"
        "  box      quartiles of --y COL per group --x COL\n"
        "In the cell form --x and --y default to the first two columns (a\n"
        "line or scatter skips a title, name or channel_title column: it\n"
        "names the points in tooltips).\n"
        "\n"
        "Options:\n"
        "  --title TEXT, --xlabel TEXT, --ylabel TEXT, --source TEXT\n"
        "  --log-x, --log-y            logarithmic axes (values > 0)\n"
        "  --width PX, --height PX     size (default 640 x 400, at most\n"
        "                              2000 x 2000)\n"
        "  --tooltip COL,...           what hovering a mark shows (default:\n"
        "                              the plotted columns and a title,\n"
        "                              name or channel_title column)\n"
        "  --label COL [--label-top N] line/scatter: write COL beside the N\n"
        "                              most extreme points (largest bubbles,\n"
        "                              or farthest from the trend; default\n"
        "                              5) in the SVG and PNG, and in the\n"
        "                              interactive view\n"
        "  --static, --interactive     leave out / add the interactive view\n"
        "                              (`%yt_plot default --static` sets it\n"
        "                              for the session; YTK_PLOT_STATIC=1\n"
        "                              starts the kernel static)\n"
        "  --save PATH                 write PATH (.svg, .png or .vl.json);\n"
        "                              folders are created\n"
        "  --format svg|png|vl.json|both|all   what --save writes (both:\n"
        "                              svg and png; all: the three)\n"
        "\n"
        "The interactive view carries at most 5,000 rows (the points the\n"
        "picture draws, thinned further if needed) and 1 MB; past that the\n"
        "picture still shows and a line says why.\n"
        "\n"
        "Examples:\n"
        "  %yt_plot bar --from videos --x title --y view_count --top 10 "
        "--horizontal\n"
        "  %yt_plot scatter --from videos --x view_count --y like_count "
        "--log-x --log-y --label title\n"
        "  %%yt_plot line --title \"Uploads per month\" --save "
        "charts/uploads.png\n"
        "  SELECT substr(published_at, 1, 7) || '-01' AS month, COUNT(*) AS "
        "uploads\n"
        "  FROM videos GROUP BY 1 ORDER BY 1\n",
    .opts = plot_opts,
    .subcommands = plot_kinds,
    .line = run_line,
    .cell = run_cell,
};
