/* ch_draw.h -- the drawing primitives a chart is reduced to, shared by the
 * SVG writer (ch_svg) and the PNG renderer (ch_png).
 *
 * A `struct ch_draw` is a canvas size plus an ordered list of primitives in
 * CSS pixels (origin top left, y down).  Primitives are drawn in list order.
 * Text is positioned at its baseline; `anchor` says which end of the string
 * sits at x (start/middle/end) and `rotate` turns it (degrees, clockwise as in
 * SVG) around (x, y).
 *
 * Ownership: the list owns every primitive and the strings and point arrays
 * in them (copied on add); ch_draw_free() releases everything.  Add functions
 * return 0 or -1 when out of memory (the list stays valid).
 *
 * Also here: ch_text_width(), the layout's estimate of a string's width,
 * from per-character advance widths of DejaVu Sans (the font the PNG uses;
 * the SVG's system fonts are narrower, so an estimate that fits DejaVu fits
 * them too).
 */
#ifndef CH_DRAW_H
#define CH_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include "yt_utf8.h"

#define CH_NONE 0xFF000000u /* "no colour": no fill or no stroke */

enum ch_prim_kind {
    CH_P_RECT = 1, /* x, y, w, h */
    CH_P_LINE,     /* x, y -> x2, y2 */
    CH_P_PATH,     /* polyline through pts[0..npts) (x, y pairs) */
    CH_P_CIRCLE,   /* centre x, y, radius r */
    CH_P_TEXT      /* text at baseline x, y */
};

enum ch_anchor { CH_START = 0, CH_MIDDLE, CH_END };

struct ch_prim {
    enum ch_prim_kind kind;
    double x, y, x2, y2, w, h, r;
    uint32_t fill;   /* 0xRRGGBB or CH_NONE */
    uint32_t stroke; /* 0xRRGGBB or CH_NONE */
    double stroke_width;
    double opacity; /* fill/stroke opacity, 1 = opaque */
    int dash;       /* non-zero: dashed stroke */
    double *pts;    /* CH_P_PATH: 2*npts doubles, owned */
    size_t npts;
    char *text;  /* CH_P_TEXT: UTF-8 (sanitised by the back ends) */
    double size; /* font size in px */
    int bold;
    enum ch_anchor anchor;
    double rotate; /* degrees */
};

struct ch_draw {
    int width, height;     /* canvas size in CSS px */
    struct ch_prim *prims; /* owned */
    size_t n, cap;
};

void ch_draw_init(struct ch_draw *d, int width, int height);
void ch_draw_free(struct ch_draw *d);

int ch_draw_rect(struct ch_draw *d, double x, double y, double w, double h,
                 uint32_t fill, uint32_t stroke, double stroke_width);
int ch_draw_line(struct ch_draw *d, double x1, double y1, double x2, double y2,
                 uint32_t stroke, double stroke_width, int dash);
/* Copies `pts` (2*npts doubles: x0, y0, x1, y1, ...). */
int ch_draw_path(struct ch_draw *d, const double *pts, size_t npts,
                 uint32_t stroke, double stroke_width);
int ch_draw_circle(struct ch_draw *d, double x, double y, double r,
                   uint32_t fill, uint32_t stroke, double opacity);
/* Copies `text`. */
int ch_draw_text(struct ch_draw *d, double x, double y, const char *text,
                 double size, uint32_t color, enum ch_anchor anchor,
                 double rotate, int bold);
/* Set the opacity of the primitive added last. */
void ch_draw_set_opacity(struct ch_draw *d, double opacity);

/* Visual (left-to-right drawing) order of UTF-8 `text` for renderers
 * without bidi support (cairo's toy text API): a simplified Unicode
 * bidirectional algorithm (UAX #9: strong L/R classes, European digits,
 * neutrals resolved from their neighbours, paragraph direction from the
 * first strong character, runs reversed by level, brackets mirrored in
 * right-to-left runs).  No Arabic shaping.  Returns a malloc'ed copy (the
 * same order when there is nothing right-to-left), always valid UTF-8
 * (invalid input bytes become U+FFFD), NULL when out of memory. */
char *ch_text_visual(const char *text);

/* Estimated advance width in px of UTF-8 `text` at font size `size`. */
double ch_text_width(const char *text, double size, int bold);

/* Copy of `text` cut to at most `maxw` px (estimated) on a code point
 * boundary, ending in "…" when cut.  Caller frees; NULL when out of memory. */
char *ch_text_fit(const char *text, double size, double maxw);

#endif /* CH_DRAW_H */
