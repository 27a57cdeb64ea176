/* test_table.c -- mg_html_escape and mg_table_render: escaping of hostile
 * text, MathJax dollars, invalid UTF-8, NULL, truncation with head/tail and
 * the "Showing N of M rows" note, width-aware text twin. */
#include "tu.h"
#include "mg_table.h"

#include <sqlite3.h>
#include <stdlib.h>

static char *esc(const char *s, long len)
{
    struct yt_buf b;

    yt_buf_init(&b, 1 << 20);
    if (mg_html_escape(&b, s, len) < 0)
        return NULL;
    return yt_buf_take(&b);
}

static void test_escape_basic(void)
{
    char *s = esc("<script>alert('x')</script> & \"q\"", -1);

    TU_EQ_STR(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                 "&quot;q&quot;");
    free(s);
    s = esc("&amp;", -1); /* never unescape: & always becomes &amp; */
    TU_EQ_STR(s, "&amp;amp;");
    free(s);
    s = esc("From $5 and $10", -1);
    TU_EQ_STR(s, "From <span>$</span>5 and <span>$</span>10");
    free(s);
    s = esc("", -1);
    TU_EQ_STR(s, "");
    free(s);
}

static void test_escape_attr(void)
{
    struct yt_buf b;

    yt_buf_init(&b, 1024);
    TU_EQ_INT(mg_html_escape_attr(&b, "$5 \"<'>\"", -1), 0);
    TU_EQ_STR(yt_buf_str(&b), "$5 &quot;&lt;&#39;&gt;&quot;");
    yt_buf_free(&b);
}

static void test_escape_utf8(void)
{
    /* emoji, RTL and CJK pass through untouched */
    char *s = esc("😀 שלום 日本", -1);

    TU_EQ_STR(s, "😀 שלום 日本");
    free(s);
    /* invalid bytes -> U+FFFD; overlong '/' and a lone surrogate too */
    s = esc("a\xff"
            "b\xc0\xaf"
            "c\xed\xa0\x80"
            "d\xe2\x82",
            -1);
    TU_EQ_STR(s, "a\xef\xbf\xbd"
                 "b\xef\xbf\xbd\xef\xbf\xbd"
                 "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                 "d\xef\xbf\xbd\xef\xbf\xbd");
    free(s);
    /* XML-illegal controls dropped; tab/newline kept; U+FFFE dropped */
    s = esc("a\x01\x08\x0b\x0c\x1f"
            "b\tc\nd\xef\xbf\xbe"
            "e",
            -1);
    TU_EQ_STR(s, "ab\tc\nde");
    free(s);
    /* explicit length with an embedded NUL: NUL dropped, rest kept */
    s = esc("x\0y", 3);
    TU_EQ_STR(s, "xy");
    free(s);
}

static void test_width(void)
{
    TU_EQ_INT(mg_text_width("abc", -1), 3);
    TU_EQ_INT(mg_text_width("日本", -1), 4);
    TU_EQ_INT(mg_text_width("😀", -1), 2);
    TU_EQ_INT(mg_text_width("e\xcc\x81", -1), 1); /* e + combining acute */
    TU_EQ_INT(mg_text_width("שלום", -1), 4);
}

struct rendered {
    char *html, *text;
    long nrows;
    int scalar, rc;
    char err[YTK_ERR_LEN];
};

static struct rendered render(sqlite3 *db, const char *sql, int limit,
                              const char *summary)
{
    struct rendered r;
    struct yt_buf h, t;
    sqlite3_stmt *st = NULL;

    memset(&r, 0, sizeof r);
    yt_buf_init(&h, 1 << 24);
    yt_buf_init(&t, 1 << 24);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "prepare %s: %s\n", sql, sqlite3_errmsg(db));
        r.rc = -99;
        return r;
    }
    r.rc =
        mg_table_render(st, limit, summary, &h, &t, &r.nrows, &r.scalar, r.err);
    sqlite3_finalize(st);
    r.html = yt_buf_take(&h);
    r.text = yt_buf_take(&t);
    return r;
}

static void rfree(struct rendered *r)
{
    free(r->html);
    free(r->text);
}

static sqlite3 *mkdb(void)
{
    sqlite3 *db = NULL;

    sqlite3_open(":memory:", &db);
    sqlite3_exec(db,
                 "CREATE TABLE v(id INTEGER, title TEXT, price REAL, b BLOB);"
                 "INSERT INTO v VALUES (1, '<script>alert(1)</script>', 1.5, "
                 "NULL),(2, 'Tom & Jerry $5 and $10', NULL, x'00ff10'),"
                 "(3, 'مرحبا 😀 日本語', -2, NULL),(4, NULL, 0, NULL);",
                 NULL, NULL, NULL);
    return db;
}

static void test_render_escapes(void)
{
    sqlite3 *db = mkdb();
    struct rendered r = render(db,
                               "SELECT id, title AS \"<t>\", price, b "
                               "FROM v ORDER BY id",
                               0, "v & <summary>");

    TU_EQ_INT(r.rc, 0);
    TU_EQ_INT(r.nrows, 4);
    TU_EQ_INT(r.scalar, 0);
    TU_CHECK(strncmp(r.html, "<div class=\"tex2jax_ignore mathjax_ignore\">",
                     43) == 0);
    TU_CHECK(strstr(r.html, "<script>") == NULL);
    TU_CHECK(strstr(r.html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    TU_CHECK(strstr(r.html, "<th>&lt;t&gt;</th>") != NULL);
    TU_CHECK(strstr(r.html, "<p>v &amp; &lt;summary&gt;</p>") != NULL);
    TU_CHECK(strstr(r.html, "Tom &amp; Jerry <span>$</span>5 and "
                            "<span>$</span>10") != NULL);
    /* text cells carry dir="auto" and left alignment; RTL/emoji untouched */
    TU_CHECK(strstr(r.html, "<td dir=\"auto\" style=\"text-align:left\">"
                            "مرحبا 😀 日本語</td>") != NULL);
    /* numbers stay right-aligned (no dir, no style) */
    TU_CHECK(strstr(r.html, "<td>1.5</td>") != NULL);
    TU_CHECK(strstr(r.html, "<td>-2.0</td>") != NULL);
    /* NULL is shown distinctly from the string 'NULL' */
    TU_CHECK(strstr(r.html, "<td><em>NULL</em></td>") != NULL);
    TU_CHECK(strstr(r.html, "X&#39;00FF10&#39;") != NULL);
    TU_CHECK(strstr(r.html, "4 rows × 4 columns") != NULL);
    TU_CHECK(strstr(r.html, "Showing") == NULL);
    /* text twin: summary line, header, values, footer */
    TU_CHECK(strncmp(r.text, "v & <summary>\n", 14) == 0);
    TU_CHECK(strstr(r.text, "<script>alert(1)</script>") != NULL);
    TU_CHECK(strstr(r.text, "NULL") != NULL);
    TU_CHECK(strstr(r.text, "4 rows × 4 columns") != NULL);
    rfree(&r);
    sqlite3_close(db);
}

static void test_render_scalar(void)
{
    sqlite3 *db = mkdb();
    struct rendered r = render(db, "SELECT 6 * 7", 0, NULL);

    TU_EQ_INT(r.rc, 0);
    TU_EQ_INT(r.scalar, 1);
    TU_EQ_STR(r.text, "42");
    rfree(&r);
    r = render(db, "SELECT NULL", 0, NULL);
    TU_EQ_INT(r.scalar, 1);
    TU_EQ_STR(r.text, "NULL");
    rfree(&r);
    /* multi-line scalar keeps its newlines; invalid UTF-8 is replaced */
    r = render(db, "SELECT 'a' || char(10) || 'b' || cast(x'ff' AS TEXT)", 0,
               NULL);
    TU_EQ_STR(r.text, "a\nb\xef\xbf\xbd");
    rfree(&r);
    /* one row of two columns, or a summary, is a table */
    r = render(db, "SELECT 1 AS a, 2 AS b", 0, NULL);
    TU_EQ_INT(r.scalar, 0);
    TU_CHECK(strstr(r.html, "<th>a</th><th>b</th>") != NULL);
    rfree(&r);
    r = render(db, "SELECT 1", 0, "one");
    TU_EQ_INT(r.scalar, 0);
    rfree(&r);
    sqlite3_close(db);
}

static void test_render_truncation(void)
{
    sqlite3 *db = mkdb();
    struct rendered r =
        render(db,
               "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
               "WHERE x < 1234) SELECT x, 'row ' || x AS label FROM c",
               0, NULL);
    const char *dots;
    int i;

    TU_EQ_INT(r.rc, 0);
    TU_EQ_INT(r.nrows, 1234);
    TU_CHECK(strstr(r.html, "Showing 10 of 1,234 rows") != NULL);
    TU_CHECK(strstr(r.text, "Showing 10 of 1,234 rows") != NULL);
    /* head rows 1..5, a … row, tail rows 1230..1234, nothing else */
    for (i = 1; i <= 5; i++) {
        char want[64];

        snprintf(want, sizeof want, "<tr><td>%d</td>", i);
        TU_CHECK(strstr(r.html, want) != NULL);
    }
    for (i = 1230; i <= 1234; i++) {
        char want[64];

        snprintf(want, sizeof want, "<tr><td>%d</td>", i);
        TU_CHECK(strstr(r.html, want) != NULL);
    }
    TU_CHECK(strstr(r.html, "<tr><td>6</td>") == NULL);
    TU_CHECK(strstr(r.html, "<tr><td>1229</td>") == NULL);
    dots = strstr(r.html, "<tr><td>…</td><td>…</td></tr>");
    TU_CHECK(dots != NULL);
    TU_CHECK(dots && strstr(r.html, "<tr><td>5</td>") < dots &&
             strstr(r.html, "<tr><td>1230</td>") > dots);
    rfree(&r);

    /* just over the limit: tail rows overlap the head buffer */
    r = render(db,
               "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
               "FROM c WHERE x < 11) SELECT x FROM c",
               0, NULL);
    TU_EQ_INT(r.nrows, 11);
    TU_CHECK(strstr(r.html, "<tr><td>5</td>") != NULL);
    TU_CHECK(strstr(r.html, "<tr><td>6</td>") == NULL);
    TU_CHECK(strstr(r.html, "<tr><td>7</td>") != NULL);
    TU_CHECK(strstr(r.html, "<tr><td>11</td>") != NULL);
    TU_CHECK(strstr(r.html, "Showing 10 of 11 rows") != NULL);
    rfree(&r);

    /* exactly the limit: all rows, no note; custom limit 3 */
    r = render(db,
               "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
               "FROM c WHERE x < 10) SELECT x FROM c",
               0, NULL);
    TU_CHECK(strstr(r.html, "Showing") == NULL);
    TU_CHECK(strstr(r.html, "<tr><td>6</td>") != NULL);
    rfree(&r);
    r = render(db,
               "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
               "FROM c WHERE x < 10) SELECT x FROM c",
               3, NULL);
    TU_CHECK(strstr(r.html, "Showing 3 of 10 rows (display limit 3") != NULL);
    TU_CHECK(strstr(r.html, "<tr><td>2</td>") != NULL);
    TU_CHECK(strstr(r.html, "<tr><td>3</td>") == NULL);
    TU_CHECK(strstr(r.html, "<tr><td>10</td>") != NULL);
    rfree(&r);

    /* no rows: header only */
    r = render(db, "SELECT id, title FROM v WHERE 0", 0, NULL);
    TU_EQ_INT(r.nrows, 0);
    TU_CHECK(strstr(r.html, "<th>id</th><th>title</th>") != NULL);
    TU_CHECK(strstr(r.html, "0 rows × 2 columns") != NULL);
    rfree(&r);
    sqlite3_close(db);
}

static void test_render_long_text(void)
{
    sqlite3 *db = mkdb();
    /* 100 CJK characters = 200 columns: cut to fit 80 columns with … and
     * the whole text in title */
    struct rendered r = render(db,
                               "SELECT 1, replace(hex(zeroblob(100)), "
                               "'00', '日')",
                               0, NULL);
    const char *td, *gt;
    char *full;
    size_t i;

    TU_EQ_INT(r.rc, 0);
    full = malloc(301);
    for (i = 0; i < 100; i++)
        memcpy(full + 3 * i, "日", 3);
    full[300] = '\0';
    td = strstr(r.html, "title=\"");
    TU_CHECK(td != NULL);
    if (td) {
        TU_CHECK(strncmp(td + 7, full, 300) == 0);
        gt = strstr(td, "\">");
        TU_CHECK(gt != NULL);
        if (gt) {
            /* 39 wide characters (78 columns) then … */
            TU_CHECK(strncmp(gt + 2, full, 39 * 3) == 0);
            TU_CHECK(strncmp(gt + 2 + 39 * 3, "…</td>", 8) == 0);
        }
    }
    /* text twin: cut at 40 columns => 19 wide chars + … */
    TU_CHECK(strstr(r.text, "…") != NULL);
    free(full);
    rfree(&r);

    /* emoji columns line up in the text twin */
    r = render(db, "SELECT '😀😀' AS e, 1 AS n UNION ALL SELECT 'ab', 22", 0,
               NULL);
    TU_EQ_INT(r.rc, 0);
    TU_CHECK(strstr(r.text, "e      n\n----  --\n😀😀   1\nab    22\n") != NULL);
    rfree(&r);
    sqlite3_close(db);
}

static void test_render_big_values(void)
{
    sqlite3 *db = mkdb();
    /* a 100 kB single value is shown whole (scalar keeps up to 1 MiB) */
    struct rendered r = render(db,
                               "SELECT replace(hex(zeroblob(50000)), "
                               "'0', 'x')",
                               0, NULL);

    TU_EQ_INT(r.rc, 0);
    TU_EQ_INT(r.scalar, 1);
    TU_EQ_INT((long)strlen(r.text), 100000);
    rfree(&r);
    /* in a one-column table the same value is cut: title <= 16 kB + … */
    r = render(db,
               "SELECT replace(hex(zeroblob(50000)), '0', 'x') AS v "
               "UNION ALL SELECT 'short'",
               0, NULL);
    TU_EQ_INT(r.rc, 0);
    TU_EQ_INT(r.scalar, 0);
    TU_CHECK(strlen(r.html) < 20000);
    TU_CHECK(strstr(r.html, "xxx…\">") != NULL);
    TU_CHECK(strstr(r.text, "short") != NULL);
    rfree(&r);
    sqlite3_close(db);
}

static void test_default_limit(void)
{
    sqlite3 *db = mkdb();
    struct rendered r;

    TU_EQ_INT(mg_table_default_limit(), 10);
    mg_table_set_default_limit(2);
    r = render(db, "SELECT id FROM v ORDER BY id", 0, NULL);
    TU_CHECK(strstr(r.html, "Showing 2 of 4 rows (display limit 2") != NULL);
    TU_CHECK(strstr(r.html, "<tr><td>1</td>") != NULL);
    TU_CHECK(strstr(r.html, "<tr><td>4</td>") != NULL);
    TU_CHECK(strstr(r.html, "<tr><td>2</td>") == NULL);
    rfree(&r);
    /* an explicit limit wins over the default */
    r = render(db, "SELECT id FROM v ORDER BY id", 10, NULL);
    TU_CHECK(strstr(r.html, "Showing") == NULL);
    rfree(&r);
    mg_table_set_default_limit(0);
    TU_EQ_INT(mg_table_default_limit(), 1);
    mg_table_set_default_limit(1 << 30);
    TU_EQ_INT(mg_table_default_limit(), MG_TABLE_LIMIT_MAX);
    mg_table_set_default_limit(MG_TABLE_LIMIT);
    sqlite3_close(db);
}

static int stop_now(void *p)
{
    return 1;
}

static void test_render_error(void)
{
    sqlite3 *db = mkdb();
    struct rendered r;

    /* runtime error while stepping */
    r = render(db, "SELECT json_extract('not json', '$.a')", 0, NULL);
    TU_CHECK(r.rc < 0);
    TU_CHECK(strstr(r.err, "malformed JSON") != NULL);
    rfree(&r);
    /* interrupted by the progress handler */
    sqlite3_progress_handler(db, 100, stop_now, NULL);
    r = render(db,
               "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 "
               "FROM c) SELECT count(*) FROM c",
               0, NULL);
    TU_EQ_INT(r.rc, -SQLITE_INTERRUPT);
    rfree(&r);
    sqlite3_close(db);
}

/* The mime bundle: text/plain only for a scalar, both for a table, none
 * for a statement without columns; errors come back as from render. */
static void test_bundle(void)
{
    sqlite3 *db = mkdb();
    sqlite3_stmt *st = NULL;
    cJSON *data = NULL;
    char err[YTK_ERR_LEN];
    int scalar = -1;

    sqlite3_prepare_v2(db, "SELECT 6 * 7", -1, &st, NULL);
    TU_EQ_INT(mg_table_bundle(st, 0, NULL, &data, &scalar, err), 0);
    TU_EQ_INT(scalar, 1);
    TU_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(data, "text/plain")),
              "42");
    TU_CHECK(cJSON_GetObjectItem(data, "text/html") == NULL);
    cJSON_Delete(data);
    sqlite3_finalize(st);

    sqlite3_prepare_v2(db, "SELECT 1 AS a, '<b>' AS b", -1, &st, NULL);
    TU_EQ_INT(mg_table_bundle(st, 0, NULL, &data, &scalar, err), 0);
    TU_EQ_INT(scalar, 0);
    TU_CHECK(
        strstr(cJSON_GetStringValue(cJSON_GetObjectItem(data, "text/html")),
               "<td dir=\"auto\" style=\"text-align:left\">&lt;b&gt;"
               "</td>") != NULL);
    TU_CHECK(
        strstr(cJSON_GetStringValue(cJSON_GetObjectItem(data, "text/plain")),
               "1 row × 2 columns") != NULL);
    cJSON_Delete(data);
    sqlite3_finalize(st);

    sqlite3_prepare_v2(db, "CREATE TABLE t(x)", -1, &st, NULL);
    TU_EQ_INT(mg_table_bundle(st, 0, NULL, &data, &scalar, err), 0);
    TU_CHECK(data == NULL);
    sqlite3_finalize(st);

    sqlite3_prepare_v2(db, "SELECT json_extract('not json', '$.a')", -1, &st,
                       NULL);
    TU_CHECK(mg_table_bundle(st, 0, NULL, &data, &scalar, err) < 0);
    TU_CHECK(data == NULL);
    TU_CHECK(strstr(err, "malformed JSON") != NULL);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    TU_RUN(test_escape_basic);
    TU_RUN(test_escape_attr);
    TU_RUN(test_escape_utf8);
    TU_RUN(test_width);
    TU_RUN(test_render_escapes);
    TU_RUN(test_render_scalar);
    TU_RUN(test_render_truncation);
    TU_RUN(test_render_long_text);
    TU_RUN(test_render_big_values);
    TU_RUN(test_default_limit);
    TU_RUN(test_render_error);
    TU_RUN(test_bundle);
    return tu_report();
}
