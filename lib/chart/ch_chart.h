/* ch_chart.h -- the chart model and its layout into drawing primitives.
 *
 * A `struct ch_chart` holds what to draw: the kind, options (title, axis
 * labels, size, log scales, orientation), categories, series of points and
 * notes.  The caller fills it (ch_chart_point / ch_chart_bar / ch_chart_box /
 * ch_chart_hist_bin), then ch_chart_layout() turns it into a `struct ch_draw`
 * (ch_draw.h) that ch_svg and ch_png render; ch_chart_summary() describes it
 * in one line of text for consoles and screen readers; ch_vega (ch_vega.h)
 * writes the laid-out chart as a Vega-Lite spec, the interactive view.
 *
 * Rows may carry text fields (ch_chart_set_fields / ch_chart_add_row: a
 * title, a channel name...) that tooltips show and that label_field writes
 * beside the label_top most extreme points of a line or scatter (largest
 * bubbles, or farthest from the least-squares trend) where it overlaps no
 * point and no other label.
 *
 * Large inputs are reduced at layout time: lines with more points than about
 * two per horizontal pixel go through LTTB (ch_lttb.h); scatters keep one
 * point per small pixel cell; so the drawing list stays bounded (a few tens
 * of thousands of primitives at most) whatever the number of rows.
 * Layout also edits the model in place: line points are sorted by x, bubbles
 * by size, series beyond CH_MAX_SERIES and categories beyond
 * CH_MAX_CATEGORIES are dropped (with a note), an "Other" series moves last.
 *
 * Ownership: the chart owns every string and array in it.  String fields
 * (title, xlabel, ylabel, source, colour_label, series_label, size_label)
 * are set with ch_chart_set_text(), which copies; row fields are copied
 * into one arena.  ch_chart_free() releases everything.
 * Functions return 0 (or an index >= 0) on success and -1 when out of memory
 * (or with a message in `err` where there is one).
 */
#ifndef CH_CHART_H
#define CH_CHART_H

#include <stddef.h>
#include "ch_draw.h"
#include "yt_buf.h"
#include "yt_err.h"

#define CH_MAX_SERIES 8       /* more series are cut, with a note */
#define CH_MAX_CATEGORIES 500 /* more categories are cut, with a note */
#define CH_FIELD_MAX 200      /* bytes kept of one text field value */
#define CH_MAX_FIELDS 8       /* text fields per row */

/* Channels shown in tooltips (struct ch_chart.tip). */
#define CH_TIP_X 1u
#define CH_TIP_Y 2u
#define CH_TIP_SERIES 4u
#define CH_TIP_SIZE 8u
#define CH_TIP_COLOUR 16u
#define CH_TIP_ALL 31u

enum ch_kind { CH_BAR = 1, CH_LINE, CH_SCATTER, CH_HIST, CH_BOX };

struct ch_pt {
    double x, y, s; /* s: bubble size (scatter), right bin edge (hist) */
    double c;       /* scatter with a colour scale: the colour value */
    int row;        /* the row's text fields (ch_chart_add_row), -1: none */
    int drawn;      /* set by layout: the point survived LTTB/thinning */
};

/* A point named by layout (label_field): its row, data position, and where
 * its label went: dx/dy in {-1, 0, 1} (right/left of the point, above or
 * below it), r the point's radius in px. */
struct ch_label {
    int row;
    double x, y;
    int dx, dy;
    double r;
};

struct ch_series {
    char *name; /* "" for the single unnamed series */
    struct ch_pt *pts;
    size_t n, cap;
};

struct ch_box {
    double lo, q1, med, q3, hi; /* whiskers at the last values within
                                   1.5 IQR of the quartiles (Tukey) */
    size_t n;                   /* values */
    double *out;                /* outliers (at most CH_BOX_OUTLIERS kept) */
    size_t nout, nout_total;
};
#define CH_BOX_OUTLIERS 200

/* What layout found, for the summary and the caller. */
struct ch_info {
    double xlo, xhi, ylo, yhi; /* data ranges (value axis for bars) */
    size_t drawn;              /* points or marks drawn */
    size_t points;             /* points in the model */
    size_t labelled;           /* points named by a label (label_field) */
    size_t log_hidden;         /* values <= 0 a log axis cannot show */
};

struct ch_chart {
    enum ch_kind kind;
    char *title, *xlabel, *ylabel, *source; /* may be NULL */
    int width, height;                      /* CSS px, default 640 x 400 */
    int log_x, log_y;
    int horizontal;     /* bar: categories on the y axis */
    int stacked;        /* bar: stack series instead of grouping */
    int x_time;         /* line/scatter: x is UTC seconds since the epoch */
    int x_has_clock;    /* ... and times of day matter */
    int has_size;       /* scatter: s is a bubble size */
    int has_colour;     /* scatter: c is a value on a sequential colour scale */
    char *colour_label; /* name shown on the colour scale (may be NULL) */

    char **cats; /* categories (bar, box) in order */
    size_t ncat, catcap;
    size_t *cat_hash; /* open-addressing index into cats (private) */
    size_t cat_hcap;

    struct ch_series *series;
    size_t nseries, scap;

    struct ch_box *boxes; /* box: one per category */
    size_t nbox;

    /* Text fields of the rows (tooltips, point labels): names, then per
     * row nfields strings in one arena.  Points and bars point at their row
     * through ch_pt.row (set from cur_row when they are added). */
    char **fields;
    size_t nfields;
    size_t ntip;   /* fields[0..ntip-1] go into tooltips */
    char *rowtext; /* arena of NUL-terminated strings */
    size_t rowtext_len, rowtext_cap;
    size_t *rowoff; /* nrows * nfields offsets into rowtext */
    size_t nrows, rowcap;
    int cur_row;  /* row of the next point/bar, -1 (default): none */
    unsigned tip; /* CH_TIP_* channels shown in tooltips */
    char *series_label, *size_label; /* tooltip titles (may be NULL) */
    int label_field;  /* static charts: field labelling points, -1: none */
    size_t label_top; /* ... on the label_top most extreme points */
    struct ch_label *labels; /* set by layout: the points labelled */
    size_t nlabels;

    size_t rows_skipped; /* NULL or unusable values (caller counts) */
    char note[256];      /* shown as a caption line and in the summary */
    struct ch_info info; /* filled by ch_chart_layout */
};

void ch_chart_init(struct ch_chart *c, enum ch_kind kind);
void ch_chart_free(struct ch_chart *c);

/* Copy `v` (may be NULL) into *field (one of c->title, xlabel, ylabel,
 * source, colour_label). */
int ch_chart_set_text(char **field, const char *v);

/* Name the text fields each row carries (at most CH_MAX_FIELDS; copied);
 * the first `ntip` go into tooltips.  Call before ch_chart_add_row. */
int ch_chart_set_fields(struct ch_chart *c, const char *const *names, size_t n,
                        size_t ntip);

/* Store one row's field values (nfields strings, NULL = ""), each cut to
 * CH_FIELD_MAX bytes on a UTF-8 boundary; sets c->cur_row to it, so the
 * points and bars added next refer to it.  Returns the row or -1. */
int ch_chart_add_row(struct ch_chart *c, const char *const *vals);

/* Field f of row `row` ("" when out of range). */
const char *ch_chart_field(const struct ch_chart *c, int row, size_t f);

/* Append a note (joined with "; "). */
void ch_chart_add_note(struct ch_chart *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Index of series `name` (created when new), or -1 when out of memory. */
int ch_chart_series(struct ch_chart *c, const char *name);

/* Index of category `name` (created when new), or -1 when out of memory. */
long ch_chart_category(struct ch_chart *c, const char *name);

/* Line/scatter point (s = bubble size or 0). */
int ch_chart_point(struct ch_chart *c, int series, double x, double y,
                   double s);
/* Scatter point coloured by value v on a sequential scale (viridis); sets
 * c->has_colour.  NaN v is drawn grey. */
int ch_chart_point_coloured(struct ch_chart *c, int series, double x, double y,
                            double s, double v);

/* Bar value of category `cat` in series `series`; repeated pairs add up. */
int ch_chart_bar(struct ch_chart *c, const char *cat, int series, double y);

/* Histogram bin [lo, hi) holding `count` values (series 0). */
int ch_chart_hist_bin(struct ch_chart *c, double lo, double hi, double count);

/* Box of category `cat` from its values, sorted ascending (n >= 1). */
int ch_chart_box(struct ch_chart *c, const char *cat, const double *sorted,
                 size_t n);

/* Bar charts: keep the `top` categories with the largest totals, largest
 * first.  Notes what was cut. */
int ch_chart_top(struct ch_chart *c, size_t top);

/* Lay the chart out into `d` (initialised here; caller frees with
 * ch_draw_free even on failure).  Returns 0, or -1 with err (nothing to
 * plot, out of memory). */
int ch_chart_layout(struct ch_chart *c, struct ch_draw *d,
                    char err[YTK_ERR_LEN]);

/* One-line text description ("Bar chart: 'Title' — 12 bars, y 0–3.4M"),
 * valid after ch_chart_layout.  Appended to b.  Returns 0 or -1. */
int ch_chart_summary(const struct ch_chart *c, struct yt_buf *b);

/* Convenience: layout + SVG + PNG (2x) in one go.  *svg (NUL-terminated)
 * and *png are malloc'ed, caller frees; *summary likewise.  Returns 0 or -1
 * with err. */
int ch_chart_render(struct ch_chart *c, char **svg, size_t *svg_len,
                    unsigned char **png, size_t *png_len, char **summary,
                    char err[YTK_ERR_LEN]);

#endif /* CH_CHART_H */
