/* test_analytics.c -- yt_analytics: presets, dates, parameters, paging
 * cursors, columnHeaders -> typed columns, rows -> SQLite, error hints;
 * and yt_history: append-only statistics and the change views. */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "tu.h"
#include "tu_sql.h"
#include "yt_analytics.h"
#include "yt_history.h"

/* 2026-10-30T12:00:00Z */
#define NOW ((time_t)1793361600)

/* The shape of Google's reports.query answer (the documented example of a
 * daily channel report, two days). */
static const char daily_json[] =
    "{\"kind\": \"youtubeAnalytics#resultTable\","
    " \"columnHeaders\": ["
    "  {\"name\": \"day\", \"columnType\": \"DIMENSION\","
    "   \"dataType\": \"STRING\"},"
    "  {\"name\": \"views\", \"columnType\": \"METRIC\","
    "   \"dataType\": \"INTEGER\"},"
    "  {\"name\": \"estimatedMinutesWatched\", \"columnType\": \"METRIC\","
    "   \"dataType\": \"INTEGER\"},"
    "  {\"name\": \"averageViewPercentage\", \"columnType\": \"METRIC\","
    "   \"dataType\": \"FLOAT\"}],"
    " \"rows\": [[\"2026-10-01\", 4605, 34768, 41.25],"
    "          [\"2026-10-02\", 4400, 33626, 39.5]]}";

static void test_presets(void)
{
    size_t n, i;
    const struct yt_an_preset *p = yt_an_presets(&n);

    TU_EQ_INT(n, 7);
    for (i = 0; i < n; i++) {
        TU_CHECK(yt_an_preset_find(p[i].name) == &p[i]);
        TU_CHECK(p[i].metrics[0] && p[i].table[0] && p[i].doc[0]);
    }
    TU_CHECK(strstr(yt_an_preset_find("daily")->metrics, "subscribersLost") !=
             NULL);
    TU_EQ_STR(yt_an_preset_find("traffic")->dimensions,
              "insightTrafficSourceType");
    TU_EQ_INT(yt_an_preset_find("top-videos")->max_results, 200);
    TU_EQ_INT(yt_an_preset_find("retention")->needs_video, 1);
    TU_EQ_STR(yt_an_preset_find("demographics")->metrics, "viewerPercentage");
    TU_CHECK(yt_an_preset_find("nope") == NULL);
    TU_CHECK(yt_an_preset_find(NULL) == NULL);
}

static void test_dates(void)
{
    char s[11], e[11], err[YTK_ERR_LEN];

    TU_EQ_INT(yt_an_last("90d", NOW, s, e, err), 0);
    TU_EQ_STR(e, "2026-10-30");
    TU_EQ_STR(s, "2026-08-02"); /* 90 days including both ends */
    TU_EQ_INT(yt_an_last("1w", NOW, s, e, err), 0);
    TU_EQ_STR(s, "2026-10-24");
    TU_EQ_INT(yt_an_last("28", NOW, s, e, err), 0);
    TU_EQ_STR(s, "2026-10-03");
    TU_EQ_INT(yt_an_last("1y", NOW, s, e, err), 0);
    TU_EQ_STR(s, "2025-10-31");
    TU_EQ_INT(yt_an_last("0d", NOW, s, e, err), -1);
    TU_CHECK(strstr(err, "28d") != NULL);
    TU_EQ_INT(yt_an_last("90x", NOW, s, e, err), -1);
    TU_EQ_INT(yt_an_last("9dd", NOW, s, e, err), -1);
    TU_EQ_INT(yt_an_last("-5d", NOW, s, e, err), -1);
    TU_EQ_INT(yt_an_last("99y", NOW, s, e, err), -1);
    TU_EQ_INT(yt_an_last("", NOW, s, e, err), -1);

    TU_EQ_INT(yt_an_date("2024-02-29", NOW, s, err), 0);
    TU_EQ_STR(s, "2024-02-29");
    TU_EQ_INT(yt_an_date("2026-02-29", NOW, s, err), -1);
    TU_EQ_INT(yt_an_date("2026-13-01", NOW, s, err), -1);
    TU_EQ_INT(yt_an_date("2026-1-01", NOW, s, err), -1);
    TU_EQ_INT(yt_an_date("today", NOW, s, err), 0);
    TU_EQ_STR(s, "2026-10-30");
    TU_EQ_INT(yt_an_date("yesterday", NOW, s, err), 0);
    TU_EQ_STR(s, "2026-10-29");
    TU_EQ_INT(yt_an_date("-7d", NOW, s, err), 0);
    TU_EQ_STR(s, "2026-10-23");
    TU_EQ_INT(yt_an_date("-7w", NOW, s, err), -1);
    TU_EQ_INT(yt_an_now("2026-10-30"), NOW);
    TU_CHECK(yt_an_now("2026-10-3x") > NOW); /* the real clock (later) */
    TU_CHECK(yt_an_now(NULL) > NOW);
    TU_EQ_INT(yt_an_date("", NOW, s, err), -1);
}

static void test_params(void)
{
    char err[YTK_ERR_LEN];
    struct yt_an_request r = {0};
    char *p;

    r.metrics = "views,estimatedMinutesWatched";
    r.dimensions = "day";
    r.start = "2026-08-02";
    r.end = "2026-10-30";
    p = yt_an_params(&r, err);
    TU_EQ_STR(p, "ids=channel%3D%3DMINE&startDate=2026-08-02&endDate="
                 "2026-10-30&metrics=views%2CestimatedMinutesWatched&"
                 "dimensions=day&maxResults=10000");
    free(p);
    r.filters = "video==ab_c-D;country==US";
    r.sort = "-views";
    r.max_results = 10;
    r.currency = "EUR";
    r.ids = "channel==UC_x-y";
    p = yt_an_params(&r, err);
    TU_CHECK(p && strstr(p, "ids=channel%3D%3DUC_x-y&"));
    TU_CHECK(p && strstr(p, "&filters=video%3D%3Dab_c-D%3Bcountry%3D%3DUS"));
    TU_CHECK(p && strstr(p, "&sort=-views&currency=EUR&maxResults=10"));
    free(p);
    r.max_results = 100;
    r.page_rows = 40;
    TU_EQ_INT(yt_an_page_size(&r), 40);
    r.max_results = 0;
    TU_EQ_INT(yt_an_page_size(&r), 40);
    r.page_rows = 0;
    TU_EQ_INT(yt_an_page_size(&r), YT_AN_PAGE);
    r.max_results = 7;
    TU_EQ_INT(yt_an_page_size(&r), 7);

    r = (struct yt_an_request){0};
    r.metrics = "views";
    r.start = "2026-10-30";
    r.end = "2026-10-01";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    TU_CHECK(strstr(err, "after the end date") != NULL);
    r.end = "2026-10-31";
    r.metrics = "views;drop";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    TU_CHECK(strstr(err, "--metrics") != NULL);
    r.metrics = "";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    r.metrics = "views";
    r.sort = "views desc";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    r.sort = NULL;
    r.filters = "video=abc";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    TU_CHECK(strstr(err, "--filters") != NULL);
    r.filters = "video==";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    r.filters = "video==a b";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    r.filters = NULL;
    r.currency = "eur";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    r.currency = NULL;
    r.ids = "channel=MINE";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    TU_CHECK(strstr(err, "channel==MINE") != NULL);
    r.ids = "channel==MI NE";
    TU_CHECK(yt_an_params(&r, err) == NULL);
    r.ids = NULL;
    r.start = "2026-02-30";
    TU_CHECK(yt_an_params(&r, err) == NULL);
}

static void test_cursor(void)
{
    char c[32];

    /* full page of 10000, no cap: ask from row 10001 */
    TU_EQ_INT(yt_an_next_cursor(1, 10000, 10000, 0, 10000, c), 1);
    TU_EQ_STR(c, "startIndex=10001");
    /* a short page is the last */
    TU_EQ_INT(yt_an_next_cursor(10001, 37, 10000, 0, 10037, c), 0);
    /* the cap is reached */
    TU_EQ_INT(yt_an_next_cursor(1, 10, 10, 10, 10, c), 0);
    /* pages of 40 (tests set a small page through max_results) */
    TU_EQ_INT(yt_an_next_cursor(41, 40, 40, 0, 80, c), 1);
    TU_EQ_STR(c, "startIndex=81");
    TU_EQ_INT(yt_an_next_cursor(1, 0, 40, 0, 0, c), 0);
}

static void test_snake(void)
{
    char out[72];

    TU_EQ_INT(yt_an_snake("estimatedMinutesWatched", out, sizeof out), 0);
    TU_EQ_STR(out, "estimated_minutes_watched");
    TU_EQ_INT(yt_an_snake("day", out, sizeof out), 0);
    TU_EQ_STR(out, "day");
    TU_EQ_INT(yt_an_snake("views\"; DROP", out, sizeof out), -1);
    TU_EQ_INT(yt_an_snake("9lives", out, sizeof out), -1);
    TU_EQ_INT(yt_an_snake("", out, sizeof out), -1);
    TU_EQ_INT(yt_an_snake("abcDefGhi", out, 8), -1);
}

static sqlite3 *mem_db(void)
{
    sqlite3 *db = NULL;

    TU_CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    return db;
}

static char *q_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char *v = NULL;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

static void test_table_and_rows(void)
{
    char err[YTK_ERR_LEN];
    cJSON *root = cJSON_Parse(daily_json);
    struct yt_an_table t;
    sqlite3 *db = mem_db();
    char *s;

    TU_EQ_INT(yt_an_table_parse(root, NULL, &t, err), 0);
    TU_EQ_INT(t.ncols, 4);
    TU_EQ_INT(t.nextra, 0);
    TU_EQ_STR(t.cols[2].name, "estimated_minutes_watched");
    TU_EQ_STR(t.cols[2].api_name, "estimatedMinutesWatched");
    TU_EQ_INT(t.cols[0].type, YT_AN_TEXT);
    TU_EQ_INT(t.cols[0].dimension, 1);
    TU_EQ_INT(t.cols[1].type, YT_AN_INTEGER);
    TU_EQ_INT(t.cols[3].type, YT_AN_REAL);
    {
        /* a numeric dimension keeps its type (sorts as a number) */
        struct yt_an_table r;
        cJSON *ret = cJSON_Parse(
            "{\"columnHeaders\": [{\"name\": \"elapsedVideoTimeRatio\","
            " \"columnType\": \"DIMENSION\", \"dataType\": \"FLOAT\"},"
            " {\"name\": \"audienceWatchRatio\", \"columnType\":"
            " \"METRIC\", \"dataType\": \"FLOAT\"}]}");

        TU_EQ_INT(yt_an_table_parse(ret, "video==v1", &r, err), 0);
        TU_EQ_INT(r.cols[0].type, YT_AN_REAL);
        TU_EQ_INT(r.cols[0].dimension, 1);
        TU_EQ_STR(r.cols[2].name, "video");
        TU_EQ_INT(r.cols[2].type, YT_AN_TEXT);
        yt_an_table_free(&r);
        cJSON_Delete(ret);
    }
    TU_EQ_INT(yt_an_table_ensure(db, "daily", &t, err), 0);
    TU_EQ_INT(yt_an_store_rows(db, "daily", &t,
                               cJSON_GetObjectItem(root, "rows"), -1,
                               "2026-10-01", "2026-10-02", "now1", err),
              2);
    TU_EQ_INT(tu_sql_int(db, "SELECT SUM(views) FROM daily"), 9005);
    s = q_text(db, "SELECT group_concat(name || ':' || type, ' ') FROM "
                   "pragma_table_info('daily')");
    TU_EQ_STR(s, "day:TEXT views:INTEGER estimated_minutes_watched:INTEGER "
                 "average_view_percentage:REAL start_date:TEXT "
                 "end_date:TEXT fetched_at:TEXT");
    free(s);
    TU_EQ_INT(tu_sql_int(db,
                         "SELECT typeof(average_view_percentage) = 'real' "
                         "AND typeof(views) = 'integer' FROM daily LIMIT 1"),
              1);
    /* a refetch of the same days replaces them (key: day) */
    TU_EQ_INT(yt_an_table_ensure(db, "daily", &t, err), 0);
    TU_EQ_INT(yt_an_store_rows(db, "daily", &t,
                               cJSON_GetObjectItem(root, "rows"), -1,
                               "2026-10-01", "2026-10-02", "now2", err),
              2);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM daily WHERE fetched_at = "
                             "'now2'"),
              2);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM daily"), 2);
    /* no rows (no data): nothing stored, no error */
    TU_EQ_INT(yt_an_store_rows(db, "daily", &t, NULL, -1, "a", "b", "c", err),
              0);
    yt_an_table_free(&t);
    cJSON_Delete(root);

    /* another report into the same table is refused, naming the columns */
    root = cJSON_Parse("{\"columnHeaders\": [{\"name\": \"country\","
                       " \"columnType\": \"DIMENSION\", \"dataType\":"
                       " \"STRING\"}, {\"name\": \"views\", \"columnType\":"
                       " \"METRIC\", \"dataType\": \"INTEGER\"}]}");
    TU_EQ_INT(yt_an_table_parse(root, "video==abc", &t, err), 0);
    TU_EQ_INT(t.nextra, 1);
    TU_EQ_STR(t.cols[2].name, "video");
    TU_EQ_STR(t.extra_values[0], "abc");
    TU_EQ_INT(yt_an_table_ensure(db, "daily", &t, err), -1);
    TU_CHECK(strstr(err, "another --into") != NULL);
    TU_EQ_INT(yt_an_table_ensure(db, "geo", &t, err), 0);
    {
        cJSON *rows = cJSON_Parse("[[\"US\", 10], [\"IN\", 3.5],"
                                  " [\"GB\", null]]");

        TU_EQ_INT(yt_an_store_rows(db, "geo", &t, rows, -1, "s", "e", "f", err),
                  3);
        TU_EQ_INT(
            tu_sql_int(db, "SELECT COUNT(*) FROM geo WHERE video = 'abc'"), 3);
        /* at most max_rows */
        TU_EQ_INT(yt_an_store_rows(db, "geo", &t, rows, 1, "s2", "e", "f", err),
                  1);
        TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM geo WHERE start_date = "
                                 "'s2'"),
                  1);
        TU_EQ_INT(tu_sql_int(db, "SELECT typeof(views) = 'real' FROM geo WHERE "
                                 "country = 'IN'"),
                  1);
        cJSON_Delete(rows);
        rows = cJSON_Parse("[[\"US\"]]");
        TU_EQ_INT(yt_an_store_rows(db, "geo", &t, rows, -1, "s", "e", "f", err),
                  -1);
        TU_CHECK(strstr(err, "row 1") != NULL);
        cJSON_Delete(rows);
        rows = cJSON_Parse("[[\"US\", [1]]]");
        TU_EQ_INT(yt_an_store_rows(db, "geo", &t, rows, -1, "s", "e", "f", err),
                  -1);
        cJSON_Delete(rows);
        rows = cJSON_Parse("{\"a\": 1}");
        TU_EQ_INT(yt_an_store_rows(db, "geo", &t, rows, -1, "s", "e", "f", err),
                  -1);
        cJSON_Delete(rows);
    }
    yt_an_table_free(&t);
    cJSON_Delete(root);

    /* totals (no dimensions) key on the date range */
    root = cJSON_Parse("{\"columnHeaders\": [{\"name\": \"views\","
                       " \"columnType\": \"METRIC\", \"dataType\":"
                       " \"INTEGER\"}], \"rows\": [[413334]]}");
    TU_EQ_INT(yt_an_table_parse(root, NULL, &t, err), 0);
    TU_EQ_INT(yt_an_table_ensure(db, "totals", &t, err), 0);
    TU_EQ_INT(yt_an_store_rows(db, "totals", &t,
                               cJSON_GetObjectItem(root, "rows"), -1, "a", "b",
                               "1", err),
              1);
    TU_EQ_INT(yt_an_store_rows(db, "totals", &t,
                               cJSON_GetObjectItem(root, "rows"), -1, "a", "c",
                               "1", err),
              1);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM totals"), 2);
    {
        char *b = yt_an_base("http://127.0.0.1:9//");

        TU_EQ_STR(b, "http://127.0.0.1:9/v2");
        free(b);
        b = yt_an_base(NULL);
        TU_EQ_STR(b, "https://youtubeanalytics.googleapis.com/v2");
        free(b);
    }
    yt_an_table_free(&t);
    cJSON_Delete(root);
    sqlite3_close(db);
}

static void test_bad_headers(void)
{
    static const char *bad[] = {
        "{}",
        "{\"columnHeaders\": []}",
        "{\"columnHeaders\": [{\"name\": \"x y\", \"columnType\": "
        "\"METRIC\"}]}",
        "{\"columnHeaders\": [{\"name\": \"views\", \"columnType\": "
        "\"OTHER\"}]}",
        "{\"columnHeaders\": [{\"name\": \"views\", \"columnType\": "
        "\"METRIC\"}, {\"name\": \"views\", \"columnType\": \"METRIC\"}]}",
        "{\"columnHeaders\": [{\"name\": \"fetchedAt\", \"columnType\": "
        "\"METRIC\"}]}",
        "{\"columnHeaders\": [{\"columnType\": \"METRIC\"}]}",
        "{\"columnHeaders\": [7]}",
    };
    char err[YTK_ERR_LEN];
    struct yt_an_table t;
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *root = cJSON_Parse(bad[i]);

        err[0] = '\0';
        TU_EQ_INT(yt_an_table_parse(root, NULL, &t, err), -1);
        TU_CHECK(err[0] != '\0');
        TU_CHECK(t.cols == NULL && t.ncols == 0);
        yt_an_table_free(&t);
        cJSON_Delete(root);
    }
}

static void test_hints_and_scopes(void)
{
    struct yt_api_error e;

    memset(&e, 0, sizeof e);
    e.code = 400;
    snprintf(e.reason, sizeof e.reason, "badRequest");
    snprintf(e.message, sizeof e.message,
             "The query is not supported. Check the documentation at "
             "https://developers.google.com/youtube/analytics/v2/"
             "available_reports for a list of supported queries.");
    TU_CHECK(strstr(yt_an_error_hint(&e), "presets") != NULL);
    e.code = 403;
    snprintf(e.reason, sizeof e.reason, "insufficientPermissions");
    snprintf(e.message, sizeof e.message,
             "Request had insufficient authentication scopes.");
    TU_CHECK(strstr(yt_an_error_hint(&e), "log in again with %yt_auth "
                                          "login --scopes") != NULL);
    TU_CHECK(strstr(yt_an_error_hint(&e), "yt-analytics.readonly") != NULL);
    snprintf(e.reason, sizeof e.reason, "forbidden");
    snprintf(e.message, sizeof e.message, "Forbidden");
    TU_CHECK(strstr(yt_an_error_hint(&e), "own") != NULL);
    /* a 403 rate limit is not about ownership */
    snprintf(e.reason, sizeof e.reason, "rateLimitExceeded");
    snprintf(e.message, sizeof e.message, "Rate Limit Exceeded");
    TU_CHECK(strstr(yt_an_error_hint(&e), "own") == NULL);
    TU_CHECK(strstr(yt_an_error_hint(&e), "Too many requests") != NULL);
    e.code = 400;
    snprintf(e.reason, sizeof e.reason, "badRequest");
    snprintf(e.message, sizeof e.message,
             "The query exceeds the limit of 50,000 videos x days");
    TU_CHECK(strstr(yt_an_error_hint(&e), "--last 28d") != NULL);
    snprintf(e.message, sizeof e.message,
             "The start date must be before or equal to the end date.");
    TU_CHECK(strstr(yt_an_error_hint(&e), "--start") != NULL);
    e.code = 503;
    snprintf(e.reason, sizeof e.reason, "backendError");
    snprintf(e.message, sizeof e.message, "Backend Error");
    TU_CHECK(yt_an_error_hint(&e) != NULL);

    TU_CHECK(yt_an_scopes_allow(
        "https://www.googleapis.com/auth/yt-analytics.readonly"));
    TU_CHECK(
        yt_an_scopes_allow("https://www.googleapis.com/auth/youtube.force-ssl "
                           "https://www.googleapis.com/auth/youtube.readonly"));
    TU_CHECK(!yt_an_scopes_allow(
        "https://www.googleapis.com/auth/youtube.force-ssl"));
    TU_CHECK(!yt_an_scopes_allow(
        "https://www.googleapis.com/auth/youtube.readonlyX"));
    TU_CHECK(!yt_an_scopes_allow(""));
    TU_CHECK(!yt_an_scopes_allow(NULL));
}

static void test_history(void)
{
    char err[YT_HISTORY_ERR_LEN];
    sqlite3 *db = mem_db();
    cJSON *v1 = cJSON_Parse(
        "[{\"kind\": \"youtube#video\", \"id\": \"v1\", \"statistics\": "
        "{\"viewCount\": \"1000\", \"likeCount\": \"10\", \"commentCount\": "
        "\"2\"}}, {\"kind\": \"youtube#video\", \"id\": \"v2\", "
        "\"statistics\": {\"viewCount\": \"50\"}}, {\"kind\": "
        "\"youtube#video\", \"id\": \"v3\", \"snippet\": {}}]");
    cJSON *v2 = cJSON_Parse(
        "[{\"kind\": \"youtube#video\", \"id\": \"v1\", \"statistics\": "
        "{\"viewCount\": \"1600\", \"likeCount\": \"13\", \"commentCount\": "
        "\"2\"}}, {\"kind\": \"youtube#video\", \"id\": \"v1\", "
        "\"statistics\": {\"viewCount\": \"1600\"}}]");
    cJSON *ch = cJSON_Parse(
        "[{\"kind\": \"youtube#channel\", \"id\": \"UC1\", \"statistics\": "
        "{\"viewCount\": \"5000\", \"subscriberCount\": \"120\", "
        "\"videoCount\": \"7\"}}]");
    cJSON *ch2 = cJSON_Parse(
        "[{\"kind\": \"youtube#channel\", \"id\": \"UC1\", \"statistics\": "
        "{\"viewCount\": \"5100\", \"subscriberCount\": \"125\", "
        "\"videoCount\": \"8\"}}]");

    TU_EQ_INT(yt_history_append(db, YT_KIND_VIDEO, v1,
                                "2026-10-30T00:00:00.000Z", err),
              2); /* v3 has no statistics */
    TU_EQ_INT(yt_history_append(db, YT_KIND_VIDEO, v2,
                                "2026-11-01T12:00:00.000Z", err),
              1); /* the same video twice in one fetch: once */
    TU_EQ_INT(yt_history_append(db, YT_KIND_PLAYLIST, v2, "x", err), 0);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM video_stats_history"), 3);
    TU_EQ_INT(tu_sql_int(db,
                         "SELECT views_gained FROM video_stats_change WHERE "
                         "video_id = 'v1'"),
              600);
    TU_EQ_INT(tu_sql_int(db, "SELECT CAST(views_per_day AS INTEGER) FROM "
                             "video_stats_change WHERE video_id = 'v1'"),
              240); /* 600 over 2.5 days */
    TU_EQ_INT(tu_sql_int(db, "SELECT likes_gained FROM video_stats_change"), 3);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM video_stats_change"), 1);
    /* append-only: an update is refused */
    TU_CHECK(sqlite3_exec(db,
                          "UPDATE video_stats_history SET view_count = "
                          "0",
                          NULL, NULL, NULL) != SQLITE_OK);
    TU_CHECK(strstr(sqlite3_errmsg(db), "append-only") != NULL);
    TU_EQ_INT(yt_history_append(db, YT_KIND_CHANNEL, ch,
                                "2026-10-30T00:00:00.000Z", err),
              1);
    TU_EQ_INT(yt_history_append(db, YT_KIND_CHANNEL, ch2,
                                "2026-10-30T00:00:05.000Z", err),
              1);
    TU_EQ_INT(tu_sql_int(db, "SELECT subscribers_gained * 1000 + videos_added "
                             "FROM channel_stats_change"),
              5001);
    /* seconds apart: no per-day rate */
    TU_EQ_INT(tu_sql_int(db, "SELECT views_per_day IS NULL FROM "
                             "channel_stats_change"),
              1);
    cJSON_Delete(v1);
    cJSON_Delete(v2);
    cJSON_Delete(ch);
    cJSON_Delete(ch2);
    sqlite3_close(db);
}

int main(void)
{
    TU_RUN(test_presets);
    TU_RUN(test_dates);
    TU_RUN(test_params);
    TU_RUN(test_cursor);
    TU_RUN(test_snake);
    TU_RUN(test_table_and_rows);
    TU_RUN(test_bad_headers);
    TU_RUN(test_hints_and_scopes);
    TU_RUN(test_history);
    return tu_report();
}
