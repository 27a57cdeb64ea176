/* ch_draw.c -- drawing primitive list and text width estimate.  See ch_draw.h.
 */
#include "ch_draw.h"

#include <stdlib.h>
#include <string.h>

void ch_draw_init(struct ch_draw *d, int width, int height)
{
    d->width = width;
    d->height = height;
    d->prims = NULL;
    d->n = 0;
    d->cap = 0;
}

void ch_draw_free(struct ch_draw *d)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        free(d->prims[i].pts);
        free(d->prims[i].text);
    }
    free(d->prims);
    d->prims = NULL;
    d->n = 0;
    d->cap = 0;
}

static struct ch_prim *push(struct ch_draw *d, enum ch_prim_kind kind)
{
    struct ch_prim *p;

    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 64;
        struct ch_prim *np = realloc(d->prims, ncap * sizeof(*np));

        if (!np)
            return NULL;
        d->prims = np;
        d->cap = ncap;
    }
    p = &d->prims[d->n];
    memset(p, 0, sizeof(*p));
    p->kind = kind;
    p->fill = CH_NONE;
    p->stroke = CH_NONE;
    p->opacity = 1.0;
    return p;
}

int ch_draw_rect(struct ch_draw *d, double x, double y, double w, double h,
                 uint32_t fill, uint32_t stroke, double stroke_width)
{
    struct ch_prim *p = push(d, CH_P_RECT);

    if (!p)
        return -1;
    if (w < 0) {
        x += w;
        w = -w;
    }
    if (h < 0) {
        y += h;
        h = -h;
    }
    p->x = x;
    p->y = y;
    p->w = w;
    p->h = h;
    p->fill = fill;
    p->stroke = stroke;
    p->stroke_width = stroke_width;
    d->n++;
    return 0;
}

int ch_draw_line(struct ch_draw *d, double x1, double y1, double x2, double y2,
                 uint32_t stroke, double stroke_width, int dash)
{
    struct ch_prim *p = push(d, CH_P_LINE);

    if (!p)
        return -1;
    p->x = x1;
    p->y = y1;
    p->x2 = x2;
    p->y2 = y2;
    p->stroke = stroke;
    p->stroke_width = stroke_width;
    p->dash = dash;
    d->n++;
    return 0;
}

int ch_draw_path(struct ch_draw *d, const double *pts, size_t npts,
                 uint32_t stroke, double stroke_width)
{
    struct ch_prim *p;
    double *copy;

    if (npts == 0)
        return 0;
    copy = malloc(npts * 2 * sizeof(double));
    if (!copy)
        return -1;
    memcpy(copy, pts, npts * 2 * sizeof(double));
    p = push(d, CH_P_PATH);
    if (!p) {
        free(copy);
        return -1;
    }
    p->pts = copy;
    p->npts = npts;
    p->stroke = stroke;
    p->stroke_width = stroke_width;
    d->n++;
    return 0;
}

int ch_draw_circle(struct ch_draw *d, double x, double y, double r,
                   uint32_t fill, uint32_t stroke, double opacity)
{
    struct ch_prim *p = push(d, CH_P_CIRCLE);

    if (!p)
        return -1;
    p->x = x;
    p->y = y;
    p->r = r;
    p->fill = fill;
    p->stroke = stroke;
    p->stroke_width = stroke == CH_NONE ? 0 : 1;
    p->opacity = opacity;
    d->n++;
    return 0;
}

int ch_draw_text(struct ch_draw *d, double x, double y, const char *text,
                 double size, uint32_t color, enum ch_anchor anchor,
                 double rotate, int bold)
{
    struct ch_prim *p;
    char *copy = strdup(text ? text : "");

    if (!copy)
        return -1;
    p = push(d, CH_P_TEXT);
    if (!p) {
        free(copy);
        return -1;
    }
    p->x = x;
    p->y = y;
    p->text = copy;
    p->size = size;
    p->fill = color;
    p->anchor = anchor;
    p->rotate = rotate;
    p->bold = bold;
    d->n++;
    return 0;
}

void ch_draw_set_opacity(struct ch_draw *d, double opacity)
{
    if (d->n)
        d->prims[d->n - 1].opacity = opacity;
}

/* DejaVu Sans advance widths, 1/2048 em, for ASCII 32..126. */
static const unsigned short ascii_w[95] = {
    651,  821,  942,  1716, 1303, 1946, 1597, 563,  799,  799,  1024, 1716,
    651,  739,  651,  690,  1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303,
    1303, 1303, 690,  690,  1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430,
    1577, 1294, 1178, 1587, 1540, 604,  604,  1343, 1141, 1767, 1532, 1612,
    1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799,
    690,  799,  1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721,  1300,
    1298, 569,  569,  1186, 569,  1995, 1298, 1253, 1300, 1300, 842,  1067,
    803,  1298, 1212, 1675, 1212, 1212, 1075, 1303, 690,  1303, 1716};

static double cp_width(unsigned cp)
{
    if (cp >= 32 && cp < 127)
        return ascii_w[cp - 32] / 2048.0;
    if ((cp >= 0x300 && cp < 0x370) || cp == 0x200D ||
        (cp >= 0xFE00 && cp <= 0xFE0F))
        return 0; /* combining marks, joiners, variation selectors */
    if (cp >= 0x1100)
        return 1.0; /* CJK, emoji and other wide glyphs */
    return 1300 / 2048.0;
}

double ch_text_width(const char *text, double size, int bold)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0;
    double w = 0;

    while (i < n) {
        unsigned cp;

        i += yt_utf8_next(s + i, n - i, &cp);
        w += cp_width(cp);
    }
    return w * size * (bold ? 1.1 : 1.0);
}

char *ch_text_fit(const char *text, double size, double maxw)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0, cut = 0;
    double w = 0, ell = cp_width(0x2026) * size;
    char *out;

    if (ch_text_width(text, size, 0) <= maxw)
        return strdup(text);
    while (i < n) {
        unsigned cp;
        size_t len = yt_utf8_next(s + i, n - i, &cp);

        if (w + cp_width(cp) * size + ell > maxw)
            break;
        w += cp_width(cp) * size;
        i += len;
        cut = i;
    }
    out = malloc(cut + 4);
    if (!out)
        return NULL;
    memcpy(out, text, cut);
    memcpy(out + cut, "\xE2\x80\xA6", 4); /* U+2026 and the NUL */
    return out;
}

/* ---- bidi for renderers that draw code points left to right ---- */

enum bidi_class { BC_L, BC_R, BC_EN, BC_N };

static enum bidi_class bidi_class(unsigned cp)
{
    if (cp >= '0' && cp <= '9')
        return BC_EN;
    if ((cp >= 0x0590 && cp <= 0x08FF) || (cp >= 0xFB1D && cp <= 0xFDFF) ||
        (cp >= 0xFE70 && cp <= 0xFEFF) || (cp >= 0x10800 && cp <= 0x10FFF) ||
        (cp >= 0x1E800 && cp <= 0x1EFFF))
        return BC_R;
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
        (cp >= 0xC0 && cp < 0x2000 && cp != 0xD7 && cp != 0xF7) ||
        (cp >= 0x2C00 && cp < 0xFB1D && !(cp >= 0xFE00 && cp <= 0xFE0F)) ||
        cp >= 0x1F000) /* letters of other scripts, emoji */
        return BC_L;
    return BC_N;
}

static unsigned mirror(unsigned cp)
{
    switch (cp) {
    case '(':
        return ')';
    case ')':
        return '(';
    case '[':
        return ']';
    case ']':
        return '[';
    case '{':
        return '}';
    case '}':
        return '{';
    case '<':
        return '>';
    case '>':
        return '<';
    case 0xAB:
        return 0xBB;
    case 0xBB:
        return 0xAB;
    }
    return cp;
}

char *ch_text_visual(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0, m = 0, k, o = 0;
    unsigned *cp = NULL;
    unsigned char *lv = NULL;
    enum bidi_class *bc = NULL;
    int base = -1, any_r = 0, maxlv = 0, level;
    char *out = NULL;

    cp = malloc((n + 1) * sizeof(*cp));
    bc = malloc((n + 1) * sizeof(*bc));
    lv = malloc(n + 1);
    if (!cp || !bc || !lv)
        goto out;
    while (i < n) {
        i += yt_utf8_next(s + i, n - i, &cp[m]);
        bc[m] = bidi_class(cp[m]);
        if (bc[m] == BC_R)
            any_r = 1;
        if (base < 0 && (bc[m] == BC_L || bc[m] == BC_R))
            base = bc[m] == BC_R;
        m++;
    }
    if (!any_r)
        goto encode; /* nothing right-to-left: same order */
    if (base < 0)
        base = 0;
    /* Digits after right-to-left text (or at the start of a right-to-left
     * paragraph) behave as right-to-left for neutrals (rule W2/N1). */
    {
        int last_strong = base;

        for (k = 0; k < m; k++) {
            if (bc[k] == BC_L)
                last_strong = 0;
            else if (bc[k] == BC_R)
                last_strong = 1;
            lv[k] = (unsigned char)last_strong; /* context for digits */
        }
    }
    /* Neutrals: the direction of their strong neighbours when both agree
     * (digits count as R in R context), else the paragraph's. */
    for (k = 0; k < m; k++) {
        size_t a, b;
        int before, after;

        if (bc[k] != BC_N)
            continue;
        a = k;
        while (a > 0 && bc[a - 1] == BC_N)
            a--;
        b = k;
        while (b < m && bc[b] == BC_N)
            b++;
        before = a == 0               ? base
                 : bc[a - 1] == BC_EN ? (lv[a - 1] ? 1 : 0)
                                      : bc[a - 1] == BC_R;
        after = b == m           ? base
                : bc[b] == BC_EN ? (lv[b] ? 1 : 0)
                                 : bc[b] == BC_R;
        for (; a < b; a++)
            bc[a] =
                before == after ? (before ? BC_R : BC_L) : (base ? BC_R : BC_L);
        k = b - 1;
    }
    /* Levels (rules I1/I2). */
    for (k = 0; k < m; k++) {
        int ctx_r = lv[k];

        if (base == 0)
            level = bc[k] == BC_R ? 1 : bc[k] == BC_EN && ctx_r ? 2 : 0;
        else
            level = bc[k] == BC_R ? 1 : 2;
        lv[k] = (unsigned char)level;
        if (level > maxlv)
            maxlv = level;
    }
    /* Mirror brackets at odd levels, then reverse runs (rule L2). */
    for (k = 0; k < m; k++)
        if (lv[k] & 1)
            cp[k] = mirror(cp[k]);
    for (level = maxlv; level >= 1; level--) {
        for (k = 0; k < m;) {
            size_t a, b;

            if (lv[k] < level) {
                k++;
                continue;
            }
            a = k;
            while (k < m && lv[k] >= level)
                k++;
            for (b = k - 1; a < b; a++, b--) {
                unsigned t = cp[a];
                unsigned char tl = lv[a];

                cp[a] = cp[b];
                cp[b] = t;
                lv[a] = lv[b];
                lv[b] = tl;
            }
        }
    }
encode:
    out = malloc(m * 4 + 1);
    if (!out)
        goto out;
    for (k = 0; k < m; k++)
        o += yt_utf8_encode(cp[k], out + o);
    out[o] = '\0';
out:
    free(cp);
    free(bc);
    free(lv);
    return out;
}
