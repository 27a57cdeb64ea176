/* fuzz_analytics.c -- libFuzzer target: a YouTube Analytics reports.query
 * answer -> typed columns -> rows in SQLite (yt_analytics).  The first
 * byte chooses whether a filter string (the bytes after the first NUL, if
 * any) is passed; the JSON is the rest.  Asserts:
 *   - a parsed table has 1..200 header columns, every SQL name is
 *     [a-z][a-z0-9_]* and unique, types are TEXT/INTEGER/REAL, filter
 *     columns are TEXT dimensions; a refused table says why and is left
 *     empty;
 *   - the table is created in an in-memory database and the rows stored:
 *     the count stored is -1 (with a message) or the number of rows, and
 *     the table then holds at most that many rows;
 *   - the same bytes as a date / --last span either fail with a message or
 *     give a real YYYY-MM-DD. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "yt_analytics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *s)
{
    if (!islower((unsigned char)s[0]))
        abort();
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
            *s != '_')
            abort();
}

static void check_day(const char *d)
{
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        abort();
}

static void check_dates(const char *text)
{
    char a[11], b[11], err[YTK_ERR_LEN];

    err[0] = '\0';
    if (yt_an_date(text, 1793361600, a, err) == 0)
        check_day(a);
    else if (!err[0])
        abort();
    err[0] = '\0';
    if (yt_an_last(text, 1793361600, a, b, err) == 0) {
        check_day(a);
        check_day(b);
        if (strcmp(a, b) > 0)
            abort();
    } else if (!err[0]) {
        abort();
    }
}

static void check_table(const struct yt_an_table *t)
{
    int i, j;

    if (t->ncols < 1 || t->ncols > 200 || t->nextra < 0 || !t->cols)
        abort();
    for (i = 0; i < t->ncols + t->nextra; i++) {
        check_name(t->cols[i].name);
        if (t->cols[i].type != YT_AN_TEXT && t->cols[i].type != YT_AN_INTEGER &&
            t->cols[i].type != YT_AN_REAL)
            abort();
        for (j = 0; j < i; j++)
            if (strcmp(t->cols[i].name, t->cols[j].name) == 0)
                abort();
    }
    for (i = 0; i < t->nextra; i++)
        if (!t->extra_values[i] || !t->cols[t->ncols + i].dimension ||
            t->cols[t->ncols + i].type != YT_AN_TEXT)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf, *json, *filters = NULL, err[YTK_ERR_LEN];
    struct yt_an_table t;
    cJSON *root;
    sqlite3 *db = NULL;

    if (size < 1 || size > 1 << 16)
        return 0;
    buf = malloc(size);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    json = buf;
    if (data[0] & 1) {
        char *nul = memchr(buf, '\0', size - 1);

        if (nul && nul < buf + size - 1) {
            filters = buf;
            json = nul + 1;
        }
    }
    check_dates(buf);
    root = cJSON_Parse(json);
    err[0] = '\0';
    if (yt_an_table_parse(root, filters, &t, err) != 0) {
        if (!err[0] || t.cols || t.ncols || t.nextra)
            abort();
        goto out;
    }
    check_table(&t);
    if (sqlite3_open(":memory:", &db) != SQLITE_OK)
        abort();
    if (yt_an_table_ensure(db, "r", &t, err) == 0) {
        const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
        long n = yt_an_store_rows(db, "r", &t, rows, -1, "2026-01-01",
                                  "2026-01-31", "now", err);
        sqlite3_stmt *st = NULL;

        if (n < -1 || (n == -1 && !err[0]))
            abort();
        if (n >= 0 && rows && cJSON_IsArray(rows) &&
            n != cJSON_GetArraySize(rows))
            abort();
        if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM r", -1, &st, NULL) !=
                SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW)
            abort();
        if (n >= 0 && sqlite3_column_int64(st, 0) > n)
            abort();
        sqlite3_finalize(st);
    } else if (!err[0]) {
        abort();
    }
    sqlite3_close(db);
    yt_an_table_free(&t);
out:
    cJSON_Delete(root);
    free(buf);
    return 0;
}
