/* fuzz_html.c -- libFuzzer target for mg_html_escape / mg_html_escape_attr
 * and the table renderer.  The output must stay well formed whatever the
 * input: valid UTF-8, no XML-illegal characters, no raw < > " ' from the
 * input (the only markup is our <span>$</span>), every & starts one of our
 * entities; a rendered table has as many <td and </td> as expected. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fuzz_utf8.h"
#include "mg_table.h"

/* Valid UTF-8 of characters XML allows: no control characters but tab, LF
 * and CR, no U+FFFE or U+FFFF. */
static void check_utf8_xml(const unsigned char *p, size_t n)
{
    size_t i = 0, len;
    unsigned cp;

    while (i < n) {
        len = utf8_decode(p + i, n - i, &cp);
        if (!len)
            abort();
        if ((cp < 0x20 && cp != 0x09 && cp != 0x0A && cp != 0x0D) ||
            cp == 0xFFFE || cp == 0xFFFF)
            abort();
        i += len;
    }
}

static void check_escaped(const char *s, size_t n, int attr)
{
    static const char *const ents[] = {"&amp;",  "&lt;",  "&gt;",
                                       "&quot;", "&#39;", NULL};
    size_t i = 0;

    check_utf8_xml((const unsigned char *)s, n);
    while (i < n) {
        if (!attr && strncmp(s + i, "<span>$</span>", 14) == 0) {
            i += 14;
            continue;
        }
        if (s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'')
            abort();
        if (!attr && s[i] == '$')
            abort(); /* every $ must be wrapped */
        if (s[i] == '&') {
            int k, ok = 0;

            for (k = 0; ents[k]; k++)
                if (strncmp(s + i, ents[k], strlen(ents[k])) == 0)
                    ok = 1;
            if (!ok)
                abort();
        }
        i++;
    }
}

static size_t count(const char *h, const char *needle)
{
    size_t c = 0;
    const char *p = h;

    while ((p = strstr(p, needle)) != NULL) {
        c++;
        p += strlen(needle);
    }
    return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sqlite3 *db;
    struct yt_buf b, h, t;
    sqlite3_stmt *st = NULL;
    long nrows = 0;
    int scalar = 0;
    char err[YTK_ERR_LEN];

    yt_buf_init(&b, 1 << 24);
    if (mg_html_escape(&b, (const char *)data, (long)size) == 0)
        check_escaped(yt_buf_str(&b), b.len, 0);
    yt_buf_free(&b);
    yt_buf_init(&b, 1 << 24);
    if (mg_html_escape_attr(&b, (const char *)data, (long)size) == 0)
        check_escaped(yt_buf_str(&b), b.len, 1);
    yt_buf_free(&b);
    if (mg_text_width((const char *)data, (long)size) < 0)
        abort();

    /* Render the input as a column name and cells of a 12-row result (so
     * head/tail truncation and long-text titles are exercised). */
    if (!db && sqlite3_open(":memory:", &db) != SQLITE_OK)
        abort();
    if (sqlite3_prepare_v2(db,
                           "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT "
                           "x + 1 FROM c WHERE x < 12) SELECT ?1 AS t, "
                           "CAST(?1 AS BLOB) AS b, x, substr(?1, x) AS s "
                           "FROM c",
                           -1, &st, NULL) != SQLITE_OK)
        abort();
    sqlite3_bind_text(st, 1, (const char *)data, (int)size, SQLITE_STATIC);
    yt_buf_init(&h, 1 << 26);
    yt_buf_init(&t, 1 << 26);
    if (mg_table_render(st, 0, (const char *)"sum$", &h, &t, &nrows, &scalar,
                        err) == 0) {
        check_utf8_xml((const unsigned char *)yt_buf_str(&h), h.len);
        check_utf8_xml((const unsigned char *)yt_buf_str(&t), t.len);
        if (nrows != 12 || scalar)
            abort();
        /* 10 shown rows + the … row, 4 cells each */
        if (count(yt_buf_str(&h), "<td") != 44 ||
            count(yt_buf_str(&h), "</td>") != 44)
            abort();
        if (count(yt_buf_str(&h), "<tr") != 12 ||
            count(yt_buf_str(&h), "<script") != 0)
            abort();
    }
    yt_buf_free(&h);
    yt_buf_free(&t);
    sqlite3_finalize(st);
    return 0;
}
