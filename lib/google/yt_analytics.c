/* yt_analytics.c -- YouTube Analytics API v2 reports: presets, dates,
 * parameters, columnHeaders -> typed columns, rows -> SQLite, error hints.
 * See yt_analytics.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_analytics.h"
#include "yt_buf.h"
#include "yt_err.h"
#include "yt_oauth.h"
#include "yt_time.h"

/* ------------------------------------------------------------ presets */

#define WATCH "views,estimatedMinutesWatched,averageViewDuration"

static const struct yt_an_preset presets[] = {
    {"daily", WATCH ",subscribersGained,subscribersLost,likes,comments,shares",
     "day", "day", 0, 0, "analytics_daily",
     "views, watch time, average view duration, subscribers gained/lost, "
     "likes, comments, shares by day"},
    {"top-videos", WATCH ",averageViewPercentage,likes,subscribersGained",
     "video", "-views", YT_AN_MAX_ROWS, 0, "analytics_top_videos",
     "videos by views (--sort -estimatedMinutesWatched for watch time), "
     "at most 200 as Google requires"},
    {"traffic", "views,estimatedMinutesWatched", "insightTrafficSourceType",
     "-views", 0, 0, "analytics_traffic",
     "views and watch time by traffic source (search, suggested, "
     "external...)"},
    {"geography", WATCH ",averageViewPercentage", "country", "-views", 0, 0,
     "analytics_geography", "views and watch time by country"},
    {"devices", "views,estimatedMinutesWatched", "deviceType", "-views", 0, 0,
     "analytics_devices", "views and watch time by device type"},
    {"demographics", "viewerPercentage", "ageGroup,gender", "", 0, 0,
     "analytics_demographics",
     "share of viewers (signed-in) by age group and gender"},
    {"retention", "audienceWatchRatio,relativeRetentionPerformance",
     "elapsedVideoTimeRatio", "", 0, 1, "analytics_retention",
     "audience retention of one video (--video ID) along its length"},
};

const struct yt_an_preset *yt_an_presets(size_t *n)
{
    if (n)
        *n = sizeof presets / sizeof presets[0];
    return presets;
}

const struct yt_an_preset *yt_an_preset_find(const char *name)
{
    size_t i;

    if (!name)
        return NULL;
    for (i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}

/* ------------------------------------------------------------ dates */

static void day_text(time_t t, char out[11])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Days since 1970-01-01 of a valid YYYY-MM-DD (a real calendar day from
 * 1970 on), else -1. */
static long long parse_day(const char *s)
{
    int y, m, d, n = 0;
    long long day, next;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return -1;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return -1;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    day = yt_time_days_from_civil(y, (unsigned)m, (unsigned)d);
    next = m == 12 ? yt_time_days_from_civil(y + 1, 1, 1)
                   : yt_time_days_from_civil(y, (unsigned)m + 1, 1);
    return day < next ? day : -1; /* 2026-02-30 */
}

time_t yt_an_now(const char *today)
{
    long long d = parse_day(today);

    return d < 0 ? time(NULL) : (time_t)(d * 86400 + 43200);
}

int yt_an_date(const char *text, time_t now, char out[11],
               char err[YTK_ERR_LEN])
{
    long long n;
    char *end;

    if (!text || !*text) {
        yt_errf(err, "empty date: use YYYY-MM-DD, today, yesterday or -Nd");
        return -1;
    }
    if (strcmp(text, "today") == 0) {
        day_text(now, out);
        return 0;
    }
    if (strcmp(text, "yesterday") == 0) {
        day_text(now - 86400, out);
        return 0;
    }
    if (text[0] == '-' && isdigit((unsigned char)text[1])) {
        n = strtoll(text + 1, &end, 10);
        if (strcmp(end, "d") == 0 && n <= 20 * 366) {
            day_text(now - (time_t)n * 86400, out);
            return 0;
        }
    }
    if (parse_day(text) < 0) {
        yt_errf(err,
                "'%.40s' is not a date: use YYYY-MM-DD (a real "
                "calendar day), today, yesterday or -Nd",
                text);
        return -1;
    }
    memcpy(out, text, 10);
    out[10] = '\0';
    return 0;
}

int yt_an_last(const char *spec, time_t now, char start[11], char end[11],
               char err[YTK_ERR_LEN])
{
    long long n, mult = 1;
    char *rest;

    if (!spec || !isdigit((unsigned char)spec[0]))
        goto bad;
    n = strtoll(spec, &rest, 10);
    if (*rest && rest[1])
        goto bad;
    switch (*rest) {
    case '\0':
    case 'd':
        break;
    case 'w':
        mult = 7;
        break;
    case 'm':
        mult = 30;
        break;
    case 'y':
        mult = 365;
        break;
    default:
        goto bad;
    }
    if (n <= 0 || n > 20 * 366 || n * mult > 20 * 366)
        goto bad;
    day_text(now, end);
    day_text(now - (time_t)(n * mult - 1) * 86400, start);
    return 0;
bad:
    yt_errf(err,
            "--last '%.40s': give a span such as 28d, 90d, 12w, 6m or "
            "1y (at most 20 years)",
            spec ? spec : "");
    return -1;
}

/* ------------------------------------------------------------ request */

static int all_of(const char *s, const char *set)
{
    if (!s || !*s)
        return 0;
    return strspn(s, set) == strlen(s);
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/* name==value[;name==value...]; values may hold what ids/URLs hold. */
static int filters_ok(const char *f)
{
    const char *p = f;

    while (*p) {
        size_t n = strcspn(p, ";");
        const char *eq = memchr(p, '=', n);
        size_t k;

        if (!eq || eq == p || (size_t)(eq - p) + 2 >= n || eq[1] != '=')
            return 0;
        for (k = 0; k < (size_t)(eq - p); k++)
            if (!isalnum((unsigned char)p[k]))
                return 0;
        for (k = (size_t)(eq - p) + 2; k < n; k++)
            if ((unsigned char)p[k] <= 0x20 || (unsigned char)p[k] >= 0x7f)
                return 0;
        p += n;
        if (*p == ';')
            p++;
    }
    return 1;
}

static int add_param(struct yt_buf *b, const char *name, const char *value)
{
    char *enc;
    int rc;
    size_t i, n = strlen(value);

    enc = malloc(3 * n + 1);
    if (!enc)
        return -1;
    for (i = 0, rc = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];

        if (isalnum(c) || strchr("-._~", c))
            enc[rc++] = (char)c;
        else
            rc += sprintf(enc + rc, "%%%02X", c);
    }
    enc[rc] = '\0';
    rc = yt_buf_addf(b, "%s%s=%s", b->len ? "&" : "", name, enc);
    free(enc);
    return rc;
}

long yt_an_page_size(const struct yt_an_request *r)
{
    long page = r->page_rows > 0 ? r->page_rows : YT_AN_PAGE;

    return r->max_results > 0 && r->max_results < page ? r->max_results : page;
}

char *yt_an_params(const struct yt_an_request *r, char err[YTK_ERR_LEN])
{
    struct yt_buf b;
    const char *ids = r->ids && *r->ids ? r->ids : "channel==MINE";
    const char *eq = strstr(ids, "==");
    long long d0, d1;
    int rc = 0;
    char page[24];

    if (!eq || eq == ids || !all_of(eq + 2, ALNUM "_+-") ||
        strspn(ids, ALNUM) != (size_t)(eq - ids)) {
        yt_errf(err,
                "--ids '%.60s': use channel==MINE (your channel) or "
                "channel==UC...",
                ids);
        return NULL;
    }
    if (!all_of(r->metrics, ALNUM ",")) {
        yt_errf(err, "--metrics: give a comma list of metric names, e.g. "
                     "views,estimatedMinutesWatched");
        return NULL;
    }
    if (r->dimensions && *r->dimensions && !all_of(r->dimensions, ALNUM ",")) {
        yt_errf(err, "--dimensions: give a comma list of dimension names, "
                     "e.g. day or ageGroup,gender");
        return NULL;
    }
    if (r->sort && *r->sort && !all_of(r->sort, ALNUM ",-")) {
        yt_errf(err, "--sort: comma list of metrics or dimensions, '-' "
                     "before one sorts descending (e.g. -views)");
        return NULL;
    }
    if (r->filters && *r->filters && !filters_ok(r->filters)) {
        yt_errf(err,
                "--filters '%.60s': use name==value, several joined "
                "by ';' (video==ID;country==US)",
                r->filters);
        return NULL;
    }
    if (r->currency && *r->currency &&
        (strlen(r->currency) != 3 || !all_of(r->currency, "ABCDEFGHIJKLMN"
                                                          "OPQRSTUVWXYZ"))) {
        yt_errf(err, "--currency: three capital letters (ISO 4217), e.g. "
                     "EUR");
        return NULL;
    }
    d0 = parse_day(r->start);
    d1 = parse_day(r->end);
    if (d0 < 0 || d1 < 0) {
        yt_errf(err,
                "start and end dates must be YYYY-MM-DD (got '%.12s' "
                "and '%.12s')",
                r->start ? r->start : "", r->end ? r->end : "");
        return NULL;
    }
    if (d0 > d1) {
        yt_errf(err, "the start date %s is after the end date %s", r->start,
                r->end);
        return NULL;
    }
    if (r->max_results < 0) {
        yt_errf(err, "--max-results must be at least 1");
        return NULL;
    }
    yt_buf_init(&b, 64 * 1024);
    rc |= add_param(&b, "ids", ids);
    rc |= add_param(&b, "startDate", r->start);
    rc |= add_param(&b, "endDate", r->end);
    rc |= add_param(&b, "metrics", r->metrics);
    if (r->dimensions && *r->dimensions)
        rc |= add_param(&b, "dimensions", r->dimensions);
    if (r->filters && *r->filters)
        rc |= add_param(&b, "filters", r->filters);
    if (r->sort && *r->sort)
        rc |= add_param(&b, "sort", r->sort);
    if (r->currency && *r->currency)
        rc |= add_param(&b, "currency", r->currency);
    snprintf(page, sizeof page, "%ld", yt_an_page_size(r));
    rc |= add_param(&b, "maxResults", page);
    if (rc != 0) {
        yt_buf_free(&b);
        yt_errf(err, "out of memory building the report parameters");
        return NULL;
    }
    return yt_buf_take(&b);
}

int yt_an_next_cursor(long first, long got, long asked, long max_results,
                      long stored, char cursor[32])
{
    if (got <= 0 || got < asked)
        return 0; /* a short page is the last */
    if (max_results > 0 && stored >= max_results)
        return 0;
    snprintf(cursor, 32, "startIndex=%ld", first + got);
    return 1;
}

char *yt_an_base(const char *google_base)
{
    const char *g = "https://youtubeanalytics.googleapis.com";
    size_t n;
    char *out;

    if (google_base && *google_base)
        g = google_base;
    n = strlen(g);
    while (n > 0 && g[n - 1] == '/')
        n--;
    out = malloc(n + 4);
    if (!out)
        return NULL;
    memcpy(out, g, n);
    memcpy(out + n, "/v2", 4);
    return out;
}

/* ------------------------------------------------------------ columns */

int yt_an_snake(const char *name, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p;

    if (!name || !isalpha((unsigned char)name[0]) || outlen < 2)
        return -1;
    for (p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;

        if (!isalnum(c))
            return -1;
        if (isupper(c) && p != name) {
            if (o + 1 >= outlen)
                return -1;
            out[o++] = '_';
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
    return 0;
}

void yt_an_table_free(struct yt_an_table *t)
{
    int i;

    if (!t)
        return;
    if (t->extra_values)
        for (i = 0; i < t->nextra; i++)
            free(t->extra_values[i]);
    free(t->extra_values);
    free(t->cols);
    memset(t, 0, sizeof *t);
}

static int col_find(const struct yt_an_table *t, int n, const char *sqlname)
{
    for (int i = 0; i < n; i++)
        if (strcmp(t->cols[i].name, sqlname) == 0)
            return i;
    return -1;
}

/* Add the filter columns (dimensions filtered on but not returned). */
static int add_filter_cols(struct yt_an_table *t, const char *filters,
                           char err[YTK_ERR_LEN])
{
    const char *p = filters;

    while (p && *p) {
        size_t n = strcspn(p, ";");
        const char *eq = memchr(p, '=', n);
        char api[64], sql[72];
        size_t k;

        if (!eq || (size_t)(eq - p) >= sizeof api || eq + 2 > p + n ||
            eq[1] != '=') {
            yt_errf(err, "--filters: use name==value joined by ';'");
            return -1;
        }
        k = (size_t)(eq - p);
        memcpy(api, p, k);
        api[k] = '\0';
        if (yt_an_snake(api, sql, sizeof sql) != 0) {
            yt_errf(err, "--filters: '%s' is not a dimension name", api);
            return -1;
        }
        if (col_find(t, t->ncols + t->nextra, sql) < 0) {
            struct yt_an_col *c = &t->cols[t->ncols + t->nextra];
            char *v = strndup(eq + 2, (size_t)(p + n - (eq + 2)));

            if (!v) {
                yt_errf(err, "out of memory");
                return -1;
            }
            memset(c, 0, sizeof *c);
            snprintf(c->api_name, sizeof c->api_name, "%s", api);
            memcpy(c->name, sql, sizeof c->name);
            c->dimension = 1;
            c->type = YT_AN_TEXT;
            t->extra_values[t->nextra++] = v;
        }
        p += n;
        if (*p == ';')
            p++;
    }
    return 0;
}

static int count_filters(const char *f)
{
    int n = 0;

    for (; f && *f; f++)
        n += *f == ';';
    return f ? n + 1 : 0;
}

static const char *reserved[] = {"start_date", "end_date", "fetched_at"};

int yt_an_table_parse(const cJSON *root, const char *filters,
                      struct yt_an_table *t, char err[YTK_ERR_LEN])
{
    const cJSON *hdrs, *h;
    int n, i = 0, cap;

    memset(t, 0, sizeof *t);
    hdrs = cJSON_GetObjectItemCaseSensitive(root, "columnHeaders");
    if (!cJSON_IsArray(hdrs) || (n = cJSON_GetArraySize(hdrs)) < 1 || n > 200) {
        yt_errf(err, "the report has no usable columnHeaders (1 to 200 "
                     "columns expected)");
        return -1;
    }
    cap = n + (filters && *filters ? count_filters(filters) : 0);
    t->cols = calloc((size_t)cap, sizeof *t->cols);
    t->extra_values = calloc((size_t)cap, sizeof *t->extra_values);
    if (!t->cols || !t->extra_values) {
        yt_errf(err, "out of memory");
        goto fail;
    }
    cJSON_ArrayForEach(h, hdrs)
    {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(h, "name");
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(h, "columnType");
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(h, "dataType");
        struct yt_an_col *c = &t->cols[i];

        if (!cJSON_IsString(nm) || strlen(nm->valuestring) >= 64 ||
            yt_an_snake(nm->valuestring, c->name, sizeof c->name) != 0) {
            yt_errf(err, "column %d of the report has no usable name", i + 1);
            goto fail;
        }
        snprintf(c->api_name, sizeof c->api_name, "%s", nm->valuestring);
        if (!cJSON_IsString(ct) || (strcmp(ct->valuestring, "DIMENSION") &&
                                    strcmp(ct->valuestring, "METRIC"))) {
            yt_errf(err, "column %s: columnType is not DIMENSION or METRIC",
                    c->api_name);
            goto fail;
        }
        c->dimension = strcmp(ct->valuestring, "DIMENSION") == 0;
        /* by dataType, dimensions too: a retention report's
         * elapsedVideoTimeRatio is FLOAT and must sort as a number */
        if (!cJSON_IsString(dt) || strcmp(dt->valuestring, "STRING") == 0)
            c->type = YT_AN_TEXT;
        else if (strcmp(dt->valuestring, "INTEGER") == 0)
            c->type = YT_AN_INTEGER;
        else
            c->type = YT_AN_REAL; /* FLOAT, CURRENCY, ... */
        if (col_find(t, i, c->name) >= 0) {
            yt_errf(err, "column %s appears twice in the report", c->api_name);
            goto fail;
        }
        for (size_t r = 0; r < sizeof reserved / sizeof reserved[0]; r++)
            if (strcmp(c->name, reserved[r]) == 0) {
                yt_errf(err, "column %s clashes with the table's own %s",
                        c->api_name, reserved[r]);
                goto fail;
            }
        t->ncols = ++i;
    }
    if (filters && *filters && add_filter_cols(t, filters, err) != 0)
        goto fail;
    return 0;
fail:
    yt_an_table_free(t);
    return -1;
}

/* ------------------------------------------------------------ store */

static const char *sqltype(enum yt_an_type ty)
{
    return ty == YT_AN_INTEGER ? "INTEGER" : ty == YT_AN_REAL ? "REAL" : "TEXT";
}

static int has_key(const struct yt_an_table *t)
{
    for (int i = 0; i < t->ncols + t->nextra; i++)
        if (t->cols[i].dimension)
            return 1;
    return 0;
}

/* The table's existing columns, comma separated, into b (empty if none). */
static int existing_cols(sqlite3 *db, const char *table, struct yt_buf *b)
{
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf("PRAGMA table_info(\"%w\")", table);
    int rc = -1;

    if (!sql)
        return -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (yt_buf_addf(b, "%s%s", b->len ? "," : "",
                        (const char *)sqlite3_column_text(st, 1)) != 0)
            goto out;
    rc = 0;
out:
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return rc;
}

static int want_cols(const struct yt_an_table *t, struct yt_buf *b)
{
    int rc = 0;

    for (int i = 0; i < t->ncols + t->nextra; i++)
        rc |= yt_buf_addf(b, "%s%s", b->len ? "," : "", t->cols[i].name);
    for (size_t r = 0; r < sizeof reserved / sizeof reserved[0]; r++)
        rc |= yt_buf_addf(b, ",%s", reserved[r]);
    return rc;
}

int yt_an_table_ensure(sqlite3 *db, const char *table,
                       const struct yt_an_table *t, char err[YTK_ERR_LEN])
{
    struct yt_buf have, want, sql;
    int rc = -1, i, first = 1;
    char *msg = NULL;

    yt_buf_init(&have, 64 * 1024);
    yt_buf_init(&want, 64 * 1024);
    yt_buf_init(&sql, 64 * 1024);
    if (existing_cols(db, table, &have) != 0 || want_cols(t, &want) != 0) {
        yt_errf(err, "cannot read table %s: %s", table, sqlite3_errmsg(db));
        goto out;
    }
    if (have.len) {
        if (strcmp(yt_buf_str(&have), yt_buf_str(&want)) == 0)
            rc = 0;
        else
            yt_errf(err,
                    "table %s exists with other columns (%.150s); this "
                    "report has (%.150s): use another --into TABLE or "
                    "DROP TABLE %s",
                    table, yt_buf_str(&have), yt_buf_str(&want), table);
        goto out;
    }
    if (yt_buf_addf(&sql, "CREATE TABLE \"%s\" (", table) != 0)
        goto oom;
    for (i = 0; i < t->ncols + t->nextra; i++)
        if (yt_buf_addf(&sql, "%s\"%s\" %s", i ? ", " : "", t->cols[i].name,
                        sqltype(t->cols[i].type)) != 0)
            goto oom;
    if (yt_buf_adds(&sql, ", start_date TEXT, end_date TEXT, fetched_at "
                          "TEXT, PRIMARY KEY (") != 0)
        goto oom;
    if (!has_key(t) && yt_buf_adds(&sql, "start_date, end_date") != 0)
        goto oom;
    for (i = 0; i < t->ncols + t->nextra; i++) {
        if (!t->cols[i].dimension)
            continue;
        if (yt_buf_addf(&sql, "%s\"%s\"", first ? "" : ", ", t->cols[i].name) !=
            0)
            goto oom;
        first = 0;
    }
    if (yt_buf_adds(&sql, "))") != 0)
        goto oom;
    if (sqlite3_exec(db, yt_buf_str(&sql), NULL, NULL, &msg) != SQLITE_OK) {
        yt_errf(err, "cannot create table %s: %s", table,
                msg ? msg : sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
    goto out;
oom:
    yt_errf(err, "out of memory");
out:
    sqlite3_free(msg);
    yt_buf_free(&have);
    yt_buf_free(&want);
    yt_buf_free(&sql);
    return rc;
}

static int bind_value(sqlite3_stmt *st, int idx, const struct yt_an_col *c,
                      const cJSON *v)
{
    if (cJSON_IsNull(v))
        return sqlite3_bind_null(st, idx);
    if (cJSON_IsString(v))
        return sqlite3_bind_text(st, idx, v->valuestring, -1, SQLITE_TRANSIENT);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;

        if (c->type == YT_AN_TEXT) {
            char tmp[64];

            if (d > -1e15 && d < 1e15 && d == (double)(long long)d)
                snprintf(tmp, sizeof tmp, "%lld", (long long)d);
            else
                snprintf(tmp, sizeof tmp, "%.17g", d);
            return sqlite3_bind_text(st, idx, tmp, -1, SQLITE_TRANSIENT);
        }
        if (c->type == YT_AN_INTEGER && d >= -9e18 && d <= 9e18 &&
            d == (double)(long long)d)
            return sqlite3_bind_int64(st, idx, (sqlite3_int64)d);
        return sqlite3_bind_double(st, idx, d);
    }
    return SQLITE_MISMATCH;
}

static sqlite3_stmt *insert_stmt(sqlite3 *db, const char *table,
                                 const struct yt_an_table *t)
{
    struct yt_buf sql;
    sqlite3_stmt *st = NULL;
    int i, n = t->ncols + t->nextra + 3, rc = 0;

    yt_buf_init(&sql, 64 * 1024);
    rc |= yt_buf_addf(&sql, "INSERT OR REPLACE INTO \"%s\" VALUES (", table);
    for (i = 0; i < n; i++)
        rc |= yt_buf_addf(&sql, "%s?", i ? ", " : "");
    rc |= yt_buf_adds(&sql, ")");
    if (rc == 0 &&
        sqlite3_prepare_v2(db, yt_buf_str(&sql), -1, &st, NULL) != SQLITE_OK)
        st = NULL;
    yt_buf_free(&sql);
    return st;
}

long yt_an_store_rows(sqlite3 *db, const char *table,
                      const struct yt_an_table *t, const cJSON *rows,
                      long max_rows, const char *start, const char *end,
                      const char *fetched_at, char err[YTK_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    const cJSON *row;
    long stored = 0, rowno = 0;
    int i;

    if (!rows || cJSON_IsNull(rows))
        return 0;
    if (!cJSON_IsArray(rows)) {
        yt_errf(err, "the report's rows are not an array");
        return -1;
    }
    st = insert_stmt(db, table, t);
    if (!st) {
        yt_errf(err, "cannot insert into %s: %s", table, sqlite3_errmsg(db));
        return -1;
    }
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *v;

        if (max_rows >= 0 && stored >= max_rows)
            break;
        rowno++;
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != t->ncols) {
            yt_errf(err,
                    "row %ld of the report does not have its %d "
                    "columns",
                    rowno, t->ncols);
            goto fail;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        i = 0;
        cJSON_ArrayForEach(v, row)
        {
            if (bind_value(st, i + 1, &t->cols[i], v) != SQLITE_OK) {
                yt_errf(err,
                        "row %ld, column %s: not a string, number or "
                        "null",
                        rowno, t->cols[i].api_name);
                goto fail;
            }
            i++;
        }
        for (int k = 0; k < t->nextra; k++)
            sqlite3_bind_text(st, ++i, t->extra_values[k], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, ++i, start, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, ++i, end, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, ++i, fetched_at, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            yt_errf(err, "cannot store row %ld in %s: %s", rowno, table,
                    sqlite3_errmsg(db));
            goto fail;
        }
        stored++;
    }
    sqlite3_finalize(st);
    return stored;
fail:
    sqlite3_finalize(st);
    return -1;
}

/* ------------------------------------------------------------ errors */

int yt_an_scopes_allow(const char *scopes)
{
    static const char *ok[] = {"yt-analytics.readonly",
                               "yt-analytics-monetary.readonly", "youtube",
                               "youtube.readonly", "youtubepartner"};
    const char *p = scopes;
    size_t plen = strlen(YT_SCOPE_PREFIX);

    while (p && *p) {
        size_t n;

        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n > plen && strncmp(p, YT_SCOPE_PREFIX, plen) == 0)
            for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
                if (strlen(ok[i]) == n - plen &&
                    strncmp(p + plen, ok[i], n - plen) == 0)
                    return 1;
        p += n;
    }
    return 0;
}

const char *yt_an_error_hint(const struct yt_api_error *e)
{
    const char *m = e->message;

    if (strstr(m, "query is not supported"))
        return "This combination of metrics, dimensions, filters and sort is "
               "not one of Google's reports "
               "(developers.google.com/youtube/analytics/v2/"
               "available_reports). The presets (%yt_fetch analytics daily, "
               "top-videos, traffic, geography, devices, demographics, "
               "retention --video ID) are known to work; a report by video "
               "needs --sort -METRIC and --max-results of at most 200.";
    if (strcmp(e->reason, "insufficientPermissions") == 0 ||
        (e->code == 403 && strstr(m, "scope")))
        return "The token does not allow YouTube Analytics: log in again "
               "with %yt_auth login --scopes youtube.readonly,"
               "youtube.force-ssl,yt-analytics.readonly";
    if (e->code == 403 && strcmp(e->reason, "forbidden") == 0)
        return "Reports are only for channels you own or manage: leave "
               "--ids out (channel==MINE) and sign in as the channel's "
               "owner.";
    if (strstr(m, "50,000") || strstr(m, "videos x days") ||
        strstr(m, "videos \xc3\x97 days"))
        return "Traffic-source reports are limited to 50,000 videos x days: "
               "shorten the range (--last 28d) or filter by video "
               "(--filters video==ID).";
    if (strstr(m, "start date") || strstr(m, "end date") ||
        strstr(m, "start_date") || strstr(m, "end_date") ||
        strstr(m, "startDate") || strstr(m, "endDate"))
        return "Check --start/--end (YYYY-MM-DD, start not after end) or "
               "--last (e.g. 90d); the newest two or three days have no "
               "data yet.";
    if (strstr(m, "Unknown identifier"))
        return "A metric or dimension name is misspelt; names are Google's "
               "camelCase (estimatedMinutesWatched, "
               "insightTrafficSourceType).";
    if (e->code == 401 || strcmp(e->reason, "required") == 0)
        return e->code == 401 ? "Reports need OAuth (an API key is not "
                                "enough): run %yt_auth login."
                              : "A required parameter is missing (ids, "
                                "startDate, endDate, metrics).";
    return yt_api_error_hint(e->reason, e->code);
}
