/* ch_png.c -- cairo renderer for ch_draw lists.  See ch_png.h. */
#include "ch_png.h"

#include <cairo.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_buf.h"
#include "yt_file.h"
#include "yt_utf8.h"

#define FONT "DejaVu Sans"

/* cairo's toy font API keeps fontconfig's configuration and font caches for
 * the life of the process.  Release them at exit so leak checkers (ASan,
 * valgrind) see a clean process: cairo's static data first, then
 * fontconfig's (FcFini, looked up at run time: fontconfig is cairo's
 * dependency, not ours). */
static void release_font_caches(void)
{
    void (*fc_fini)(void);

    cairo_debug_reset_static_data();
    *(void **)&fc_fini = dlsym(RTLD_DEFAULT, "FcFini");
    if (fc_fini)
        fc_fini();
}

static void register_cleanup(void)
{
    atexit(release_font_caches);
}

static void set_colour(cairo_t *cr, uint32_t c, double alpha)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 0xFF) / 255.0,
                          ((c >> 8) & 0xFF) / 255.0, (c & 0xFF) / 255.0, alpha);
}

/* Text cairo can draw (it rejects invalid UTF-8 and would draw nothing):
 * tab and line ends become spaces, other controls and non-characters are
 * dropped. */
static unsigned png_char(unsigned cp)
{
    if (cp == '\t' || cp == '\n' || cp == '\r')
        return ' ';
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF)
        return YT_UTF8_DROP;
    return cp;
}

static void stroke_prim(cairo_t *cr, const struct ch_prim *p)
{
    double dash[2] = {4, 3};

    set_colour(cr, p->stroke, p->opacity);
    cairo_set_line_width(cr, p->stroke_width > 0 ? p->stroke_width : 1);
    cairo_set_dash(cr, dash, p->dash ? 2 : 0, 0);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

/* Fill the current path (rectangle, circle) with p's fill, then stroke it
 * with p's stroke, each only when set; the path is consumed. */
static void fill_and_stroke(cairo_t *cr, const struct ch_prim *p)
{
    if (p->fill != CH_NONE) {
        set_colour(cr, p->fill, p->opacity);
        if (p->stroke != CH_NONE)
            cairo_fill_preserve(cr);
        else
            cairo_fill(cr);
    }
    if (p->stroke != CH_NONE)
        stroke_prim(cr, p);
    cairo_new_path(cr);
}

static int draw_text(cairo_t *cr, const struct ch_prim *p)
{
    cairo_text_extents_t ext;
    char *clean = yt_utf8_clean(p->text, strlen(p->text), png_char), *txt;
    double dx = 0;

    if (!clean)
        return -1;
    txt = ch_text_visual(clean); /* cairo's toy API has no bidi */
    free(clean);
    if (!txt)
        return -1;
    cairo_save(cr);
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           p->bold ? CAIRO_FONT_WEIGHT_BOLD
                                   : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, p->size);
    cairo_text_extents(cr, txt, &ext);
    if (p->anchor == CH_MIDDLE)
        dx = -ext.x_advance / 2;
    else if (p->anchor == CH_END)
        dx = -ext.x_advance;
    cairo_translate(cr, p->x, p->y);
    if (p->rotate != 0)
        cairo_rotate(cr, p->rotate * M_PI / 180.0);
    cairo_move_to(cr, dx, 0);
    set_colour(cr, p->fill, p->opacity);
    cairo_show_text(cr, txt);
    cairo_restore(cr);
    free(txt);
    return 0;
}

static int draw_prim(cairo_t *cr, const struct ch_prim *p)
{
    size_t i;

    switch (p->kind) {
    case CH_P_RECT:
        cairo_rectangle(cr, p->x, p->y, p->w, p->h);
        fill_and_stroke(cr, p);
        break;
    case CH_P_LINE:
        cairo_move_to(cr, p->x, p->y);
        cairo_line_to(cr, p->x2, p->y2);
        stroke_prim(cr, p);
        break;
    case CH_P_PATH:
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        for (i = 0; i < p->npts; i++) {
            if (i == 0)
                cairo_move_to(cr, p->pts[0], p->pts[1]);
            else
                cairo_line_to(cr, p->pts[2 * i], p->pts[2 * i + 1]);
        }
        stroke_prim(cr, p);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        break;
    case CH_P_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, p->x, p->y, p->r, 0, 2 * M_PI);
        fill_and_stroke(cr, p);
        break;
    case CH_P_TEXT:
        return draw_text(cr, p);
    }
    return 0;
}

/* Small circles (scatter points) are stamped from a pre-rendered sprite:
 * filling thousands of arcs one by one costs ~50 us each, a blit a few.
 * Positions snap to whole device pixels (a quarter CSS pixel at 2x). */
#define SPRITE_MAX_R 12.0 /* device px */

struct sprite {
    cairo_surface_t *s;
    uint32_t fill, stroke;
    double opacity, r, stroke_width;
    int half; /* offset from the centre to the sprite's corner */
};

static int same_sprite(const struct sprite *sp, const struct ch_prim *p)
{
    return sp->s && sp->fill == p->fill && sp->stroke == p->stroke &&
           sp->opacity == p->opacity && sp->r == p->r &&
           sp->stroke_width == p->stroke_width;
}

static int make_sprite(struct sprite *sp, const struct ch_prim *p, double scale)
{
    cairo_t *cr;
    int size;

    if (sp->s)
        cairo_surface_destroy(sp->s);
    sp->half = (int)ceil((p->r + p->stroke_width) * scale) + 1;
    size = 2 * sp->half + 1;
    sp->s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size);
    if (cairo_surface_status(sp->s) != CAIRO_STATUS_SUCCESS)
        return -1;
    cr = cairo_create(sp->s);
    cairo_translate(cr, sp->half + 0.5, sp->half + 0.5);
    cairo_scale(cr, scale, scale);
    {
        struct ch_prim q = *p;

        q.x = 0;
        q.y = 0;
        cairo_new_sub_path(cr);
        cairo_arc(cr, 0, 0, q.r, 0, 2 * M_PI);
        if (q.fill != CH_NONE) {
            set_colour(cr, q.fill, q.opacity);
            if (q.stroke != CH_NONE)
                cairo_fill_preserve(cr);
            else
                cairo_fill(cr);
        }
        if (q.stroke != CH_NONE)
            stroke_prim(cr, &q);
    }
    cairo_destroy(cr);
    sp->fill = p->fill;
    sp->stroke = p->stroke;
    sp->opacity = p->opacity;
    sp->r = p->r;
    sp->stroke_width = p->stroke_width;
    return 0;
}

/* Stamp the circle at its device position.  The caller has set the
 * identity matrix. */
static void stamp(cairo_t *cr, const struct sprite *sp, const struct ch_prim *p,
                  double scale)
{
    double dx = floor(p->x * scale) - sp->half;
    double dy = floor(p->y * scale) - sp->half;

    cairo_set_source_surface(cr, sp->s, dx, dy);
    cairo_rectangle(cr, dx, dy, 2 * sp->half + 1, 2 * sp->half + 1);
    cairo_fill(cr);
}

static cairo_status_t write_mem(void *closure, const unsigned char *data,
                                unsigned int length)
{
    struct yt_buf *b = closure;

    return yt_buf_add(b, data, length) < 0 ? CAIRO_STATUS_WRITE_ERROR
                                           : CAIRO_STATUS_SUCCESS;
}

int ch_png_render(const struct ch_draw *d, double scale, unsigned char **png,
                  size_t *len, char err[YTK_ERR_LEN])
{
    cairo_surface_t *surf = NULL;
    cairo_t *cr = NULL;
    struct yt_buf b;
    cairo_status_t st;
    int w = (int)ceil(d->width * scale), h = (int)ceil(d->height * scale);
    int rc = -1;
    size_t i;
    struct sprite sp = {0};

    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, register_cleanup);
    yt_buf_init(&b, (size_t)256 << 20);
    *png = NULL;
    *len = 0;
    if (w <= 0 || h <= 0 || w > 16384 || h > 16384) {
        snprintf(err, YTK_ERR_LEN, "image size %dx%d px is out of range", w, h);
        goto out;
    }
    surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, YTK_ERR_LEN, "cairo: %s",
                 cairo_status_to_string(cairo_surface_status(surf)));
        goto out;
    }
    cr = cairo_create(surf);
    cairo_scale(cr, scale, scale);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    for (i = 0; i < d->n; i++) {
        const struct ch_prim *p = &d->prims[i];

        if (p->kind == CH_P_CIRCLE &&
            (p->r + p->stroke_width) * scale <= SPRITE_MAX_R) {
            /* a run of small circles: stamp them in device space */
            cairo_save(cr);
            cairo_identity_matrix(cr);
            for (; i < d->n && d->prims[i].kind == CH_P_CIRCLE &&
                   (d->prims[i].r + d->prims[i].stroke_width) * scale <=
                       SPRITE_MAX_R;
                 i++) {
                if (!same_sprite(&sp, &d->prims[i]) &&
                    make_sprite(&sp, &d->prims[i], scale) < 0) {
                    cairo_restore(cr);
                    snprintf(err, YTK_ERR_LEN, "cairo: cannot draw points");
                    goto out;
                }
                stamp(cr, &sp, &d->prims[i], scale);
            }
            cairo_restore(cr);
            i--;
            continue;
        }
        if (draw_prim(cr, p) < 0) {
            snprintf(err, YTK_ERR_LEN, "out of memory drawing text");
            goto out;
        }
    }
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, YTK_ERR_LEN, "cairo: %s",
                 cairo_status_to_string(cairo_status(cr)));
        goto out;
    }
    cairo_surface_flush(surf);
    st = cairo_surface_write_to_png_stream(surf, write_mem, &b);
    if (st != CAIRO_STATUS_SUCCESS) {
        snprintf(err, YTK_ERR_LEN, "cairo PNG encoding: %s",
                 cairo_status_to_string(st));
        goto out;
    }
    *len = b.len;
    *png = (unsigned char *)yt_buf_take(&b);
    rc = 0;
out:
    if (sp.s)
        cairo_surface_destroy(sp.s);
    if (cr)
        cairo_destroy(cr);
    if (surf)
        cairo_surface_destroy(surf);
    yt_buf_free(&b);
    return rc;
}

int ch_png_write_file(const char *path, const unsigned char *png, size_t len,
                      char err[YTK_ERR_LEN])
{
    char ferr[YTK_ERR_LEN];

    if (yt_file_write(path, png, len, YT_FILE_PUBLIC, ferr) < 0) {
        snprintf(err, YTK_ERR_LEN, "%.255s", ferr);
        return -1;
    }
    return 0;
}
