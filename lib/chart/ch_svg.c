/* ch_svg.c -- flat SVG writer and SVG text escaper.  See ch_svg.h. */
#include "ch_svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "yt_escape.h"

#define FONT_STACK                                                             \
    "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Helvetica, Arial, "  \
    "sans-serif"

int ch_svg_escape(struct yt_buf *b, const char *s, long len)
{
    return yt_escape(b, s, len, YT_ESC_SVG);
}

/* Append a coordinate with one decimal ("-0.0" written as "0.0"). */
static int num(struct yt_buf *b, double v)
{
    char tmp[40];

    if (!isfinite(v))
        v = 0;
    v = round(v * 10) / 10;
    if (v == 0)
        v = 0; /* drops the sign of -0 */
    snprintf(tmp, sizeof(tmp), "%.1f", v);
    return yt_buf_adds(b, tmp);
}

static int attr_num(struct yt_buf *b, const char *name, double v)
{
    if (yt_buf_addf(b, " %s=\"", name) < 0 || num(b, v) < 0)
        return -1;
    return yt_buf_adds(b, "\"");
}

static int attr_colour(struct yt_buf *b, const char *name, uint32_t c)
{
    if (c == CH_NONE)
        return yt_buf_addf(b, " %s=\"none\"", name);
    return yt_buf_addf(b, " %s=\"#%06x\"", name, (unsigned)(c & 0xFFFFFF));
}

static int attr_opacity(struct yt_buf *b, const char *name, double o)
{
    if (o >= 1.0)
        return 0;
    return yt_buf_addf(b, " %s=\"%.2f\"", name, o);
}

static int stroke_attrs(struct yt_buf *b, const struct ch_prim *p)
{
    if (p->stroke == CH_NONE)
        return 0;
    if (attr_colour(b, "stroke", p->stroke) < 0)
        return -1;
    if (p->stroke_width != 1.0 &&
        attr_num(b, "stroke-width", p->stroke_width) < 0)
        return -1;
    if (p->dash && yt_buf_adds(b, " stroke-dasharray=\"4 3\"") < 0)
        return -1;
    return 0;
}

static int same_circle_style(const struct ch_prim *a, const struct ch_prim *b)
{
    return b->kind == CH_P_CIRCLE && a->fill == b->fill &&
           a->stroke == b->stroke && a->opacity == b->opacity;
}

static int write_circles(struct yt_buf *b, const struct ch_prim *p, size_t n)
{
    size_t i;

    if (yt_buf_adds(b, "<g") < 0 || attr_colour(b, "fill", p->fill) < 0 ||
        attr_opacity(b, "fill-opacity", p->opacity) < 0 ||
        stroke_attrs(b, p) < 0 ||
        (p->stroke != CH_NONE &&
         attr_opacity(b, "stroke-opacity", p->opacity) < 0) ||
        yt_buf_adds(b, ">") < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (yt_buf_adds(b, "<circle") < 0 || attr_num(b, "cx", p[i].x) < 0 ||
            attr_num(b, "cy", p[i].y) < 0 || attr_num(b, "r", p[i].r) < 0 ||
            yt_buf_adds(b, "/>") < 0)
            return -1;
    }
    return yt_buf_adds(b, "</g>\n");
}

static int write_text(struct yt_buf *b, const struct ch_prim *p)
{
    static const char *anchors[] = {"start", "middle", "end"};

    if (yt_buf_adds(b, "<text") < 0 || attr_num(b, "x", p->x) < 0 ||
        attr_num(b, "y", p->y) < 0 || attr_num(b, "font-size", p->size) < 0 ||
        attr_colour(b, "fill", p->fill) < 0)
        return -1;
    if (p->anchor != CH_START &&
        yt_buf_addf(b, " text-anchor=\"%s\"", anchors[p->anchor]) < 0)
        return -1;
    if (p->bold && yt_buf_adds(b, " font-weight=\"bold\"") < 0)
        return -1;
    if (p->rotate != 0) {
        if (yt_buf_adds(b, " transform=\"rotate(") < 0 ||
            num(b, p->rotate) < 0 || yt_buf_adds(b, " ") < 0 ||
            num(b, p->x) < 0 || yt_buf_adds(b, " ") < 0 || num(b, p->y) < 0 ||
            yt_buf_adds(b, ")\"") < 0)
            return -1;
    }
    if (yt_buf_adds(b, ">") < 0 || ch_svg_escape(b, p->text, -1) < 0)
        return -1;
    return yt_buf_adds(b, "</text>\n");
}

static int write_prim(struct yt_buf *b, const struct ch_prim *p)
{
    size_t i;

    switch (p->kind) {
    case CH_P_RECT:
        if (yt_buf_adds(b, "<rect") < 0 || attr_num(b, "x", p->x) < 0 ||
            attr_num(b, "y", p->y) < 0 || attr_num(b, "width", p->w) < 0 ||
            attr_num(b, "height", p->h) < 0 ||
            attr_colour(b, "fill", p->fill) < 0 ||
            attr_opacity(b, "fill-opacity", p->opacity) < 0 ||
            stroke_attrs(b, p) < 0 || yt_buf_adds(b, "/>\n") < 0)
            return -1;
        return 0;
    case CH_P_LINE:
        if (yt_buf_adds(b, "<line") < 0 || attr_num(b, "x1", p->x) < 0 ||
            attr_num(b, "y1", p->y) < 0 || attr_num(b, "x2", p->x2) < 0 ||
            attr_num(b, "y2", p->y2) < 0 || stroke_attrs(b, p) < 0 ||
            attr_opacity(b, "stroke-opacity", p->opacity) < 0 ||
            yt_buf_adds(b, "/>\n") < 0)
            return -1;
        return 0;
    case CH_P_PATH:
        if (yt_buf_adds(b, "<path fill=\"none\"") < 0 ||
            stroke_attrs(b, p) < 0 ||
            attr_opacity(b, "stroke-opacity", p->opacity) < 0 ||
            yt_buf_adds(b, " stroke-linejoin=\"round\""
                           " stroke-linecap=\"round\" d=\"") < 0)
            return -1;
        for (i = 0; i < p->npts; i++) {
            if (yt_buf_adds(b, i ? "L" : "M") < 0 ||
                num(b, p->pts[2 * i]) < 0 || yt_buf_adds(b, " ") < 0 ||
                num(b, p->pts[2 * i + 1]) < 0)
                return -1;
        }
        return yt_buf_adds(b, "\"/>\n");
    case CH_P_CIRCLE:
        return write_circles(b, p, 1);
    case CH_P_TEXT:
        return write_text(b, p);
    }
    return 0;
}

int ch_svg_render(const struct ch_draw *d, const char *title, const char *desc,
                  struct yt_buf *out)
{
    size_t i;

    if (yt_buf_addf(out,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                    "font-family=\"" FONT_STACK "\">\n",
                    d->width, d->height, d->width, d->height) < 0)
        return -1;
    if (yt_buf_adds(out, "<title>") < 0 ||
        ch_svg_escape(out, title ? title : "Chart", -1) < 0 ||
        yt_buf_adds(out, "</title>\n") < 0)
        return -1;
    if (desc && *desc &&
        (yt_buf_adds(out, "<desc>") < 0 || ch_svg_escape(out, desc, -1) < 0 ||
         yt_buf_adds(out, "</desc>\n") < 0))
        return -1;
    if (yt_buf_addf(out,
                    "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                    d->width, d->height) < 0)
        return -1;
    for (i = 0; i < d->n; i++) {
        const struct ch_prim *p = &d->prims[i];

        if (p->kind == CH_P_CIRCLE) {
            size_t j = i + 1;

            while (j < d->n && same_circle_style(p, &d->prims[j]))
                j++;
            if (write_circles(out, p, j - i) < 0)
                return -1;
            i = j - 1;
            continue;
        }
        if (write_prim(out, p) < 0)
            return -1;
    }
    return yt_buf_adds(out, "</svg>\n");
}
