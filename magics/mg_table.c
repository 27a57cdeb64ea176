/* mg_table.c -- SQL results as pandas-style HTML tables with an aligned
 * text/plain twin, and the one HTML escaper.  See mg_table.h and
 * /work/shared/reference/display.md section 6.
 *
 * Memory: a result of M rows is stepped to the end, but only the first
 * `limit` rows and a ring of the last `limit/2` rows are copied, each cell
 * capped at CELL_KEEP bytes, so a million-row query costs a few kilobytes.
 */
#include "mg_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_err.h"
#include "yt_escape.h"
#include "yt_utf8.h"

#define CELL_KEEP 16384        /* bytes of one cell kept for display/title */
#define SCALAR_KEEP (1u << 20) /* bytes kept of a possible single value */
#define HTML_CELL_COLS 80      /* display columns of text shown in HTML */
#define TEXT_CELL_COLS 40      /* display columns per cell in the text twin */
#define OUT_MAX (64u << 20)    /* cap of one rendered table */
#define LIMIT_MAX MG_TABLE_LIMIT_MAX

static int default_limit = MG_TABLE_LIMIT;

int mg_table_default_limit(void)
{
    return default_limit;
}

void mg_table_set_default_limit(int n)
{
    default_limit = n < 1 ? 1 : n > LIMIT_MAX ? LIMIT_MAX : n;
}

/* ---------------------------------------------------------------- UTF-8 */

static int utf8_put(struct yt_buf *b, unsigned cp)
{
    char t[4];

    return yt_buf_add(b, t, yt_utf8_encode(cp, t));
}

/* Characters XML 1.0 forbids: dropped from every output. */
static int xml_illegal(unsigned cp)
{
    return (cp < 0x20 && cp != 0x09 && cp != 0x0A && cp != 0x0D) ||
           cp == 0xFFFE || cp == 0xFFFF;
}

struct range {
    unsigned lo, hi;
};

static const struct range zero_width[] = {
    {0x0300, 0x036F},   {0x0483, 0x0489},   {0x0591, 0x05BD},
    {0x05BF, 0x05BF},   {0x05C1, 0x05C2},   {0x05C4, 0x05C5},
    {0x05C7, 0x05C7},   {0x0610, 0x061A},   {0x064B, 0x065F},
    {0x0670, 0x0670},   {0x06D6, 0x06DC},   {0x06DF, 0x06E4},
    {0x06E7, 0x06E8},   {0x06EA, 0x06ED},   {0x0900, 0x0902},
    {0x093A, 0x093A},   {0x093C, 0x093C},   {0x0941, 0x0948},
    {0x094D, 0x094D},   {0x0951, 0x0957},   {0x0962, 0x0963},
    {0x0E31, 0x0E31},   {0x0E34, 0x0E3A},   {0x0E47, 0x0E4E},
    {0x1AB0, 0x1AFF},   {0x1DC0, 0x1DFF},   {0x200B, 0x200F},
    {0x202A, 0x202E},   {0x2060, 0x2064},   {0x20D0, 0x20FF},
    {0xFE00, 0xFE0F},   {0xFE20, 0xFE2F},   {0xFEFF, 0xFEFF},
    {0x1F3FB, 0x1F3FF}, {0xE0000, 0xE007F}, {0xE0100, 0xE01EF},
};

static const struct range wide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},
    {0x23E9, 0x23EC},   {0x23F0, 0x23F0},   {0x23F3, 0x23F3},
    {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},
    {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},
    {0x26F2, 0x26F3},   {0x26F5, 0x26F5},   {0x26FA, 0x26FA},
    {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},
    {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
    {0x1F200, 0x1F202}, {0x1F210, 0x1F23B}, {0x1F240, 0x1F248},
    {0x1F250, 0x1F251}, {0x1F260, 0x1F265}, {0x1F300, 0x1F64F},
    {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF},
    {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static int in_ranges(unsigned cp, const struct range *r, size_t n)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;

        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

static int cp_width(unsigned cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return 0;
    if (cp < 0x300)
        return 1;
    if (in_ranges(cp, zero_width, sizeof zero_width / sizeof zero_width[0]))
        return 0;
    if (in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
        return 2;
    return 1;
}

long mg_text_width(const char *s, long len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = len < 0 ? strlen(s) : (size_t)len, i = 0;
    long w = 0;

    while (i < n) {
        unsigned cp;

        i += (size_t)yt_utf8_next(p + i, n - i, &cp);
        w += cp_width(cp);
    }
    return w;
}

/* ------------------------------------------------------------ escaping */

int mg_html_escape(struct yt_buf *b, const char *s, long len)
{
    return yt_escape(b, s, len, YT_ESC_HTML);
}

int mg_html_escape_attr(struct yt_buf *b, const char *s, long len)
{
    return yt_escape(b, s, len, YT_ESC_HTML_ATTR);
}

/* Copy s[0..n) as valid UTF-8 without XML-illegal controls; for the text
 * twin.  flat = 1: newline becomes the two characters "\n", tab and CR a
 * space (cells); flat = 0: newline and tab stay (scalars). */
static int clean_text(struct yt_buf *b, const char *s, size_t n, int flat)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned cp;
        int k = (int)yt_utf8_next(p + i, n - i, &cp);

        if (cp == '\n' && flat) {
            if (yt_buf_adds(b, "\\n") < 0)
                return -1;
        } else if ((cp == '\t' || cp == '\r') && flat) {
            if (yt_buf_adds(b, " ") < 0)
                return -1;
        } else if (cp == '\r') {
            /* dropped: CR would garble a terminal */
        } else if (!xml_illegal(cp)) {
            if (cp == 0xFFFD && k == 1) {
                if (utf8_put(b, cp) < 0)
                    return -1;
            } else if (yt_buf_add(b, p + i, (size_t)k) < 0) {
                return -1;
            }
        }
        i += (size_t)k;
    }
    if (!b->ptr && yt_buf_add(b, "", 0) < 0)
        return -1;
    return 0;
}

/* Byte length of the longest prefix of s[0..n) that fits in `cols` display
 * columns; *fits = 1 when the whole string fits. */
static size_t prefix_cols(const char *s, size_t n, long cols, int *fits)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    long w = 0;

    while (i < n) {
        unsigned cp;
        int k = (int)yt_utf8_next(p + i, n - i, &cp);
        int cw = cp_width(cp);

        if (w + cw > cols) {
            *fits = 0;
            return i;
        }
        w += cw;
        i += (size_t)k;
    }
    *fits = 1;
    return n;
}

/* ---------------------------------------------------------- row capture */

enum cell_kind { CELL_NULL, CELL_NUM, CELL_TEXT, CELL_BLOB };

struct cell {
    enum cell_kind kind;
    char *s; /* display text (NUL-terminated); for CELL_NUM only after
                cell_format(); may hold a stale buffer for CELL_NULL */
    size_t len;
    size_t cap;  /* bytes allocated at s (buffers are reused row to row) */
    int cut;     /* s holds only the first `keep` bytes */
    int is_real; /* CELL_NUM: value in d, else in i */
    sqlite3_int64 i;
    double d;
};

static void cells_free(struct cell *c, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        free(c[i].s);
        c[i].s = NULL;
        c[i].cap = 0;
    }
}

/* Make c->s hold n bytes from p (plus a NUL), reusing its buffer. */
static int cell_set(struct cell *c, const char *p, size_t n)
{
    if (n + 1 > c->cap) {
        size_t ncap = c->cap ? c->cap : 32;
        char *q;

        while (ncap < n + 1)
            ncap *= 2;
        q = realloc(c->s, ncap);
        if (!q)
            return -1;
        c->s = q;
        c->cap = ncap;
    }
    memcpy(c->s, p, n);
    c->s[n] = '\0';
    c->len = n;
    return 0;
}

static int capture_blob(struct cell *c, const unsigned char *p, int n)
{
    char t[128];
    int i, k, show = n < 16 ? n : 16;

    k = snprintf(t, sizeof t, "X'");
    for (i = 0; i < show; i++)
        k += snprintf(t + k, sizeof t - (size_t)k, "%02X", p[i]);
    k += snprintf(t + k, sizeof t - (size_t)k, "%s", show < n ? "…'" : "'");
    if (show < n)
        k += snprintf(t + k, sizeof t - (size_t)k, " (%d bytes)", n);
    return cell_set(c, t, (size_t)k);
}

/* Copy the current row; numbers are kept as numbers (formatted only when
 * shown), text is copied up to `keep` bytes. */
static int capture(sqlite3_stmt *st, int ncol, struct cell *row, size_t keep)
{
    int i;

    for (i = 0; i < ncol; i++) {
        struct cell *c = &row[i];
        int t = sqlite3_column_type(st, i);

        c->cut = 0;
        c->len = 0;
        if (t == SQLITE_NULL) {
            c->kind = CELL_NULL;
        } else if (t == SQLITE_INTEGER) {
            c->kind = CELL_NUM;
            c->is_real = 0;
            c->i = sqlite3_column_int64(st, i);
        } else if (t == SQLITE_FLOAT) {
            c->kind = CELL_NUM;
            c->is_real = 1;
            c->d = sqlite3_column_double(st, i);
        } else if (t == SQLITE_BLOB) {
            const unsigned char *p = sqlite3_column_blob(st, i);
            int n = sqlite3_column_bytes(st, i);

            c->kind = CELL_BLOB;
            if (capture_blob(c, p ? p : (const unsigned char *)"", n) < 0)
                return -1;
        } else {
            const char *p = (const char *)sqlite3_column_text(st, i);
            size_t n = (size_t)sqlite3_column_bytes(st, i);

            if (!p)
                return -1;
            c->kind = CELL_TEXT;
            if (n > keep) {
                n = keep;
                /* back off to a code point boundary */
                while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
                    n--;
                c->cut = 1;
            }
            if (cell_set(c, p, n) < 0)
                return -1;
        }
    }
    return 0;
}

/* Give a shown number its text, formatted like SQLite's own
 * sqlite3_column_text() (so 1.5, -2.0, 1e+20). */
static int cell_format(struct cell *c)
{
    char t[64];

    if (c->kind != CELL_NUM)
        return 0;
    if (c->is_real)
        sqlite3_snprintf(sizeof t, t, "%!.15g", c->d);
    else
        sqlite3_snprintf(sizeof t, t, "%lld", (long long)c->i);
    return cell_set(c, t, strlen(t));
}

/* ------------------------------------------------------------ rendering */

static void fmt_count(long n, char out[32])
{
    char tmp[32];
    int len, i, j = 0;

    len = snprintf(tmp, sizeof tmp, "%ld", n < 0 ? 0 : n);
    for (i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = tmp[i];
    }
    out[j] = '\0';
}

static int html_cell(struct yt_buf *h, const struct cell *c)
{
    int fits;
    size_t keep;

    switch (c->kind) {
    case CELL_NULL:
        return yt_buf_adds(h, "<td><em>NULL</em></td>");
    case CELL_NUM:
        if (yt_buf_adds(h, "<td>") < 0 ||
            mg_html_escape(h, c->s, (long)c->len) < 0)
            return -1;
        return yt_buf_adds(h, "</td>");
    case CELL_BLOB:
        if (yt_buf_adds(h, "<td style=\"text-align:left\"><code>") < 0 ||
            mg_html_escape(h, c->s, (long)c->len) < 0)
            return -1;
        return yt_buf_adds(h, "</code></td>");
    case CELL_TEXT:
        break;
    }
    keep = prefix_cols(c->s, c->len, HTML_CELL_COLS, &fits);
    if (fits && !c->cut) {
        if (yt_buf_adds(h, "<td dir=\"auto\" style=\"text-align:left\">") < 0 ||
            mg_html_escape(h, c->s, (long)c->len) < 0)
            return -1;
        return yt_buf_adds(h, "</td>");
    }
    if (!fits)
        keep = prefix_cols(c->s, c->len, HTML_CELL_COLS - 1, &fits);
    {
        /* the title holds the text, at most CELL_KEEP bytes of it */
        size_t tl = c->len;
        int tcut = c->cut;

        if (tl > CELL_KEEP) {
            tl = CELL_KEEP;
            while (tl > 0 && ((unsigned char)c->s[tl] & 0xC0) == 0x80)
                tl--;
            tcut = 1;
        }
        if (yt_buf_adds(h, "<td dir=\"auto\" style=\"text-align:left\" "
                           "title=\"") < 0 ||
            mg_html_escape_attr(h, c->s, (long)tl) < 0 ||
            yt_buf_adds(h, tcut ? "…\">" : "\">") < 0)
            return -1;
    }
    if (mg_html_escape(h, c->s, (long)keep) < 0 || yt_buf_adds(h, "…</td>") < 0)
        return -1;
    return 0;
}

/* Text twin: the cleaned, flattened, truncated text of one cell. */
static char *plain_cell(const struct cell *c)
{
    struct yt_buf b, t;
    size_t keep, n = c->len;
    int fits, cut = c->cut;
    char *r = NULL;

    yt_buf_init(&b, CELL_KEEP * 4 + 16);
    yt_buf_init(&t, CELL_KEEP * 4 + 16);

    if (c->kind == CELL_NULL)
        return strdup("NULL");
    if (n > CELL_KEEP) {
        n = CELL_KEEP;
        while (n > 0 && ((unsigned char)c->s[n] & 0xC0) == 0x80)
            n--;
        cut = 1;
    }
    if (clean_text(&b, c->s, n, 1) < 0)
        goto out;
    keep = prefix_cols(b.ptr, b.len, TEXT_CELL_COLS, &fits);
    if (fits && !cut) {
        r = yt_buf_take(&b);
        goto out;
    }
    if (!fits)
        keep = prefix_cols(b.ptr, b.len, TEXT_CELL_COLS - 1, &fits);
    if (yt_buf_add(&t, b.ptr, keep) < 0 || yt_buf_adds(&t, "…") < 0)
        goto out;
    r = yt_buf_take(&t);
out:
    yt_buf_free(&b);
    yt_buf_free(&t);
    return r;
}

static int pad(struct yt_buf *b, long n)
{
    static const char sp[] = "                                        ";

    while (n > 0) {
        long k = n > 40 ? 40 : n;

        if (yt_buf_add(b, sp, (size_t)k) < 0)
            return -1;
        n -= k;
    }
    return 0;
}

/* Lay out the text twin: header, dashes, rows (NULL row pointer = "…"). */
static int text_table(struct yt_buf *t, int ncol, char **hdr,
                      struct cell **rows, int nshow)
{
    long *w = calloc((size_t)ncol, sizeof *w);
    char **cells = calloc((size_t)(nshow * ncol) + 1, sizeof *cells);
    char *left = calloc((size_t)ncol, 1);
    int r, i, rc = -1;

    if (!w || !cells || !left)
        goto out;
    /* A column is left-aligned when its first non-NULL value is text. */
    for (i = 0; i < ncol; i++)
        for (r = 0; r < nshow; r++)
            if (rows[r] && rows[r][i].kind != CELL_NULL) {
                left[i] = rows[r][i].kind == CELL_TEXT ||
                          rows[r][i].kind == CELL_BLOB;
                break;
            }
    for (i = 0; i < ncol; i++)
        w[i] = mg_text_width(hdr[i], -1);
    for (r = 0; r < nshow; r++)
        for (i = 0; i < ncol; i++) {
            char *s = rows[r] ? plain_cell(&rows[r][i]) : strdup("…");
            long cw;

            if (!s)
                goto out;
            cells[r * ncol + i] = s;
            cw = mg_text_width(s, -1);
            if (cw > w[i])
                w[i] = cw;
        }
    for (i = 0; i < ncol; i++) {
        long cw = mg_text_width(hdr[i], -1);

        if ((i && yt_buf_adds(t, "  ") < 0) ||
            (!left[i] && pad(t, w[i] - cw) < 0) || yt_buf_adds(t, hdr[i]) < 0 ||
            (left[i] && i + 1 < ncol && pad(t, w[i] - cw) < 0))
            goto out;
    }
    if (yt_buf_adds(t, "\n") < 0)
        goto out;
    for (i = 0; i < ncol; i++) {
        long k;

        if (i && yt_buf_adds(t, "  ") < 0)
            goto out;
        for (k = 0; k < w[i]; k++)
            if (yt_buf_adds(t, "-") < 0)
                goto out;
    }
    if (yt_buf_adds(t, "\n") < 0)
        goto out;
    for (r = 0; r < nshow; r++) {
        for (i = 0; i < ncol; i++) {
            const char *s = cells[r * ncol + i];
            long gap = w[i] - mg_text_width(s, -1);

            if (i && yt_buf_adds(t, "  ") < 0)
                goto out;
            if (!left[i] && pad(t, gap) < 0)
                goto out;
            if (yt_buf_adds(t, s) < 0)
                goto out;
            if (left[i] && i + 1 < ncol && pad(t, gap) < 0)
                goto out;
        }
        if (yt_buf_adds(t, "\n") < 0)
            goto out;
    }
    rc = 0;
out:
    if (cells)
        for (r = 0; r < nshow * ncol; r++)
            free(cells[r]);
    free(cells);
    free(w);
    free(left);
    return rc;
}

/* The line under a table: "Showing 10 of 1,234 rows (...)" when truncated,
 * else "3 rows × 2 columns".  html: wrapped in <p>...</p> and a newline. */
static int footer(struct yt_buf *b, int html, long m, int limit, int ncol)
{
    char cnt[32], lim[32];

    fmt_count(m, cnt);
    fmt_count(limit, lim);
    if (html && yt_buf_adds(b, "<p>") < 0)
        return -1;
    if (m > limit) {
        if (yt_buf_addf(b,
                        "Showing %s of %s rows (display limit %s; "
                        "use LIMIT and OFFSET to see the others)",
                        lim, cnt, lim) < 0)
            return -1;
    } else if (yt_buf_addf(b, "%s row%s × %d column%s", cnt, m == 1 ? "" : "s",
                           ncol, ncol == 1 ? "" : "s") < 0) {
        return -1;
    }
    return html ? yt_buf_adds(b, "</p>\n") : 0;
}

int mg_table_render(sqlite3_stmt *stmt, int limit, const char *summary,
                    struct yt_buf *html, struct yt_buf *text, long *nrows,
                    int *scalar, char err[YTK_ERR_LEN])
{
    int ncol = sqlite3_column_count(stmt);
    int tail, headshow, i, r, nshow = 0, rc = -SQLITE_NOMEM, src;
    long m = 0;
    struct cell *head = NULL, *ring = NULL, **rows = NULL;
    char **hdr = NULL;

    *nrows = 0;
    *scalar = 0;
    if (limit <= 0)
        limit = default_limit;
    if (limit > LIMIT_MAX)
        limit = LIMIT_MAX;
    tail = limit / 2;
    headshow = limit - tail;
    if (ncol <= 0) {
        while ((src = sqlite3_step(stmt)) == SQLITE_ROW)
            ;
        if (src != SQLITE_DONE) {
            yt_errf(err, "%s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
            rc = -src;
            goto out;
        }
        rc = 0;
        goto out;
    }
    head = calloc((size_t)limit * (size_t)ncol, sizeof *head);
    ring = calloc((size_t)(tail ? tail : 1) * (size_t)ncol, sizeof *ring);
    rows = calloc((size_t)limit + 1, sizeof *rows);
    hdr = calloc((size_t)ncol, sizeof *hdr);
    if (!head || !ring || !rows || !hdr)
        goto oom;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (m < limit) {
            /* the first value of a one-column result may be the whole
             * (scalar) result: keep more of it */
            if (capture(stmt, ncol, &head[m * ncol],
                        m == 0 && ncol == 1 && !summary ? SCALAR_KEEP
                                                        : CELL_KEEP) < 0)
                goto oom;
        }
        if (tail) {
            struct cell *slot = &ring[(m % tail) * ncol];

            if (capture(stmt, ncol, slot, CELL_KEEP) < 0)
                goto oom;
        }
        m++;
    }
    if (src != SQLITE_DONE) {
        yt_errf(err, "%s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
        rc = -src;
        goto out;
    }
    *nrows = m;
    for (i = 0; i < ncol; i++) {
        struct yt_buf b;
        const char *nm = sqlite3_column_name(stmt, i);

        yt_buf_init(&b, 1 << 16);
        if (clean_text(&b, nm ? nm : "?", nm ? strlen(nm) : 1, 1) < 0)
            goto oom;
        hdr[i] = yt_buf_take(&b);
        if (!hdr[i])
            goto oom;
    }

    /* One row of one column without a summary: the plain value. */
    if (m == 1 && ncol == 1 && !summary) {
        struct cell *c = &head[0];

        *scalar = 1;
        if (cell_format(c) < 0)
            goto oom;
        if (c->kind == CELL_NULL ? yt_buf_adds(text, "NULL") < 0
                                 : clean_text(text, c->s, c->len, 0) < 0)
            goto oom;
        if (c->cut && yt_buf_adds(text, "…") < 0)
            goto oom;
        rc = 0;
        goto out;
    }

    /* Which rows are shown. */
    if (m <= limit) {
        for (r = 0; r < m; r++)
            rows[nshow++] = &head[r * ncol];
    } else {
        for (r = 0; r < headshow; r++)
            rows[nshow++] = &head[r * ncol];
        rows[nshow++] = NULL; /* the … row */
        for (r = 0; r < tail; r++)
            rows[nshow++] = &ring[((m - tail + r) % tail) * ncol];
    }
    /* limit data rows at most, plus the "…" row when some were left out */
    YTK_ASSERT(nshow <= limit + (m > limit) && nshow <= m + 1);
    for (r = 0; r < nshow; r++)
        for (i = 0; rows[r] && i < ncol; i++)
            if (cell_format(&rows[r][i]) < 0)
                goto oom;

    /* HTML */
    if (yt_buf_adds(html, "<div class=\"tex2jax_ignore mathjax_ignore\">\n") <
        0)
        goto oom;
    if (summary && (yt_buf_adds(html, "<p>") < 0 ||
                    mg_html_escape(html, summary, -1) < 0 ||
                    yt_buf_adds(html, "</p>\n") < 0))
        goto oom;
    if (yt_buf_adds(html, "<table border=\"1\" class=\"dataframe\">\n<thead>\n"
                          "<tr style=\"text-align: right;\">") < 0)
        goto oom;
    for (i = 0; i < ncol; i++)
        if (yt_buf_adds(html, "<th>") < 0 ||
            mg_html_escape(html, hdr[i], -1) < 0 ||
            yt_buf_adds(html, "</th>") < 0)
            goto oom;
    if (yt_buf_adds(html, "</tr>\n</thead>\n<tbody>\n") < 0)
        goto oom;
    for (r = 0; r < nshow; r++) {
        if (yt_buf_adds(html, "<tr>") < 0)
            goto oom;
        for (i = 0; i < ncol; i++) {
            if (!rows[r]) {
                if (yt_buf_adds(html, "<td>…</td>") < 0)
                    goto oom;
            } else if (html_cell(html, &rows[r][i]) < 0) {
                goto oom;
            }
        }
        if (yt_buf_adds(html, "</tr>\n") < 0)
            goto oom;
    }
    if (yt_buf_adds(html, "</tbody>\n</table>\n") < 0 ||
        footer(html, 1, m, limit, ncol) < 0 || yt_buf_adds(html, "</div>") < 0)
        goto oom;

    /* text/plain twin */
    if (summary && (clean_text(text, summary, strlen(summary), 1) < 0 ||
                    yt_buf_adds(text, "\n") < 0))
        goto oom;
    if (text_table(text, ncol, hdr, rows, nshow) < 0 ||
        footer(text, 0, m, limit, ncol) < 0)
        goto oom;
    rc = 0;
    goto out;
oom:
    yt_errf(err, "out of memory while rendering the table (result too "
                 "large to show)");
    rc = -SQLITE_NOMEM;
out:
    if (head) {
        for (r = 0; r < limit; r++)
            cells_free(&head[r * ncol], ncol);
        free(head);
    }
    if (ring) {
        for (r = 0; r < (tail ? tail : 1); r++)
            cells_free(&ring[r * ncol], ncol);
        free(ring);
    }
    if (hdr)
        for (i = 0; i < ncol; i++)
            free(hdr[i]);
    free(hdr);
    free(rows);
    sqlite3_reset(stmt);
    return rc;
}

int mg_table_bundle(sqlite3_stmt *stmt, int limit, const char *summary,
                    cJSON **out, int *scalar, char err[YTK_ERR_LEN])
{
    struct yt_buf html, text;
    long nrows = 0;
    cJSON *data = NULL;
    int rc;

    *out = NULL;
    yt_buf_init(&html, OUT_MAX);
    yt_buf_init(&text, OUT_MAX);
    rc = mg_table_render(stmt, limit, summary, &html, &text, &nrows, scalar,
                         err);
    if (rc < 0 || sqlite3_column_count(stmt) == 0)
        goto out;
    data = cJSON_CreateObject();
    if (!data ||
        !cJSON_AddStringToObject(data, "text/plain", yt_buf_str(&text)) ||
        (!*scalar &&
         !cJSON_AddStringToObject(data, "text/html", yt_buf_str(&html)))) {
        cJSON_Delete(data);
        yt_errf(err, "out of memory while showing a table (result too large "
                     "to show)");
        rc = -SQLITE_NOMEM;
        goto out;
    }
    *out = data;
out:
    yt_buf_free(&html);
    yt_buf_free(&text);
    return rc;
}

int mg_table_show_stmt(struct kn_exec *x, sqlite3_stmt *stmt,
                       const char *summary, int limit, int as_result)
{
    char err[YTK_ERR_LEN] = "";
    int scalar = 0, rc;
    cJSON *data = NULL;

    rc = mg_table_bundle(stmt, limit, summary, &data, &scalar, err);
    if (rc < 0) {
        if (rc == -SQLITE_INTERRUPT && kn_exec_interrupted(x))
            kn_exec_fail(x, "KeyboardInterrupt", "query interrupted");
        else
            kn_exec_fail(x, "SQLError", "%s", err);
        return -1;
    }
    if (!data)
        return 0; /* no columns: nothing to show */
    if (as_result)
        kn_exec_result(x, data, NULL);
    else
        kn_exec_display(x, data, NULL, NULL);
    return 0;
}

int mg_table_show_query(struct kn_exec *x, sqlite3 *db, const char *sql,
                        const char *summary, int limit, int as_result)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
        kn_exec_fail(x, "SQLError", "%s", sqlite3_errmsg(db));
        return -1;
    }
    if (!st) {
        kn_exec_fail(x, "SQLError", "empty query");
        return -1;
    }
    rc = mg_table_show_stmt(x, st, summary, limit, as_result);
    sqlite3_finalize(st);
    return rc;
}

int mg_table_show_pre(struct kn_exec *x, const char *text)
{
    struct yt_buf h;
    cJSON *data = NULL;
    int rc = -1;

    yt_buf_init(&h, strlen(text) * 16 + 128); /* $ is 14 bytes escaped */
    if (yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\"><pre>") <
            0 ||
        mg_html_escape(&h, text, -1) < 0 || yt_buf_adds(&h, "</pre></div>") < 0)
        goto out;
    data = cJSON_CreateObject();
    if (!data || !cJSON_AddStringToObject(data, "text/plain", text) ||
        !cJSON_AddStringToObject(data, "text/html", yt_buf_str(&h)))
        goto out;
    kn_exec_display(x, data, NULL, NULL);
    data = NULL;
    rc = 0;
out:
    cJSON_Delete(data);
    yt_buf_free(&h);
    return rc;
}
