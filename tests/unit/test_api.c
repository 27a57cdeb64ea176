/* test_api.c -- yt_api: ISO-8601 durations, error envelopes, retry
 * classification, backoff, Pacific quota day, method table; yt_store: ids,
 * request log scrubbing, quota per day, fetch state, export. */
#include "tu.h"
#include "tu_sql.h"

#include <stdlib.h>
#include <unistd.h>
#include <sqlite3.h>

#include "yt_api.h"
#include "yt_http.h"
#include "yt_store.h"
#include "yt_time.h"

static void test_durations(void)
{
    TU_EQ_INT(yt_api_duration_seconds("PT15S"), 15);
    TU_EQ_INT(yt_api_duration_seconds("PT1M"), 60);
    TU_EQ_INT(yt_api_duration_seconds("PT4M13S"), 253);
    TU_EQ_INT(yt_api_duration_seconds("PT1H2M3S"), 3723);
    TU_EQ_INT(yt_api_duration_seconds("PT10H"), 36000);
    TU_EQ_INT(yt_api_duration_seconds("P1DT2H"), 93600);
    TU_EQ_INT(yt_api_duration_seconds("P1W"), 604800);
    TU_EQ_INT(yt_api_duration_seconds("P0D"), 0);
    TU_EQ_INT(yt_api_duration_seconds("PT0S"), 0);
    TU_EQ_INT(yt_api_duration_seconds("PT1.5S"), 1);
    /* malformed or not fixed-length */
    TU_EQ_INT(yt_api_duration_seconds(""), -1);
    TU_EQ_INT(yt_api_duration_seconds(NULL), -1);
    TU_EQ_INT(yt_api_duration_seconds("P"), -1);
    TU_EQ_INT(yt_api_duration_seconds("PT"), -1);
    TU_EQ_INT(yt_api_duration_seconds("15S"), -1);
    TU_EQ_INT(yt_api_duration_seconds("PT5"), -1);
    TU_EQ_INT(yt_api_duration_seconds("P1M"), -1);
    TU_EQ_INT(yt_api_duration_seconds("P1Y"), -1);
    TU_EQ_INT(yt_api_duration_seconds("PT1S2M"), -1);
    TU_EQ_INT(yt_api_duration_seconds("PT1H1H"), -1);
    TU_EQ_INT(yt_api_duration_seconds("P1H"), -1);
    TU_EQ_INT(yt_api_duration_seconds("PT1HX"), -1);
    TU_EQ_INT(yt_api_duration_seconds("PT1.5M"), -1);
    TU_EQ_INT(yt_api_duration_seconds("PTT1S"), -1);
}

static void test_error_parse(void)
{
    struct yt_api_error e;
    /* Data API envelope: reason from errors[0]. */
    const char *quota =
        "{\"error\":{\"code\":403,\"message\":\"The request cannot be "
        "completed because you have exceeded your <a "
        "href=\\\"/youtube/v3/getting-started#quota\\\">quota</a>.\","
        "\"errors\":[{\"message\":\"x\",\"domain\":\"youtube.quota\","
        "\"reason\":\"quotaExceeded\"}]}}";
    /* Newer envelope: no errors[], ErrorInfo in details. */
    const char *details =
        "{\"error\":{\"code\":403,\"message\":\"m\",\"status\":"
        "\"PERMISSION_DENIED\",\"details\":[{\"@type\":\"type.googleapis.com/"
        "google.rpc.ErrorInfo\",\"reason\":\"ACCESS_TOKEN_SCOPE_INSUFFICIENT\""
        "}]}}";
    const char *status_only =
        "{\"error\":{\"code\":500,\"message\":\"boom\",\"status\":"
        "\"INTERNAL\"}}";
    char path[1024];
    FILE *f;
    char body[4096];
    size_t n;

    TU_EQ_INT(yt_api_error_parse(quota, 403, &e), 1);
    TU_EQ_INT(e.code, 403);
    TU_EQ_STR(e.reason, "quotaExceeded");
    TU_CHECK(strncmp(e.message, "The request cannot be completed", 31) == 0);
    TU_EQ_INT(yt_api_error_parse(details, 403, &e), 1);
    TU_EQ_STR(e.reason, "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
    TU_EQ_STR(e.status, "PERMISSION_DENIED");
    TU_EQ_INT(yt_api_error_parse(status_only, 500, &e), 1);
    TU_EQ_STR(e.reason, "INTERNAL");
    TU_EQ_STR(e.message, "boom");
    /* Not JSON (an HTML 502 page), empty, NULL. */
    TU_EQ_INT(yt_api_error_parse("<html>Bad Gateway</html>", 502, &e), 0);
    TU_EQ_INT(e.code, 502);
    TU_EQ_STR(e.reason, "");
    TU_EQ_STR(e.message, "HTTP 502");
    TU_EQ_INT(yt_api_error_parse(NULL, 503, &e), 0);
    TU_EQ_STR(e.message, "HTTP 503");
    TU_EQ_INT(yt_api_error_parse("{\"error\":{\"code\":\"x\"}}", 400, &e), 1);
    TU_EQ_INT(e.code, 400);
    /* OAuth flat error. */
    TU_EQ_INT(yt_api_error_parse("{\"error\":\"invalid_grant\","
                                 "\"error_description\":\"Token has been "
                                 "expired or revoked.\"}",
                                 400, &e),
              1);
    TU_EQ_STR(e.reason, "invalid_grant");
    TU_EQ_STR(e.message, "Token has been expired or revoked.");
    /* Google's messages carry markup: people read plain text */
    TU_EQ_INT(yt_api_error_parse(
                  "{\"error\":{\"code\":404,\"message\":\"The video "
                  "identified by the <code><a href=\\\"/youtube/v3/docs/"
                  "commentThreads/list#videoId\\\">videoId</a></code> "
                  "parameter could not be found.\",\"errors\":[{"
                  "\"reason\":\"videoNotFound\"}]}}",
                  404, &e),
              1);
    TU_EQ_STR(e.message, "The video identified by the videoId parameter "
                         "could not be found.");
    TU_EQ_INT(yt_api_error_parse("{\"error\":{\"code\":400,\"message\":"
                                 "\"a < b &amp; c&lt;d> <3 &bogus; <x\"}}",
                                 400, &e),
              1);
    TU_EQ_STR(e.message, "a < b & c<d> <3 &bogus; <x");

    /* The recorded real 403 body. */
    snprintf(path, sizeof(path),
             "%s/tests/fixtures/youtube-apidata/error_permission_resp.json",
             getenv("YTK_SOURCE_DIR") ? getenv("YTK_SOURCE_DIR")
                                      : YTK_SOURCE_DIR);
    f = fopen(path, "rb");
    TU_CHECK(f != NULL);
    if (f) {
        n = fread(body, 1, sizeof(body) - 1, f);
        body[n] = '\0';
        fclose(f);
        TU_EQ_INT(yt_api_error_parse(body, 403, &e), 1);
        TU_EQ_STR(e.reason, "SERVICE_UNAVAILABLE");
        TU_EQ_STR(e.status, "PERMISSION_DENIED");
        TU_EQ_STR(e.message, "The caller does not have permission");
        /* Unknown reason on a 403: stop rather than hammer. */
        TU_EQ_INT(yt_api_classify(0, 403, e.reason), YT_API_FATAL);
    }
}

static void test_classify(void)
{
    TU_EQ_INT(yt_api_classify(YTK_OK, 200, NULL), YT_API_OK);
    TU_EQ_INT(yt_api_classify(YTK_OK, 401, "authError"), YT_API_AUTH);
    TU_EQ_INT(yt_api_classify(YTK_OK, 401, NULL), YT_API_AUTH);
    TU_EQ_INT(yt_api_classify(YTK_OK, 500, "internalError"), YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_OK, 503, "backendError"), YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_OK, 502, ""), YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_OK, 429, NULL), YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_OK, 403, "rateLimitExceeded"), YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_OK, 403, "userRateLimitExceeded"),
              YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_OK, 403, "quotaExceeded"), YT_API_FATAL);
    TU_EQ_INT(yt_api_classify(YTK_OK, 403, "dailyLimitExceeded"), YT_API_FATAL);
    TU_EQ_INT(yt_api_classify(YTK_OK, 403, "insufficientPermissions"),
              YT_API_FATAL);
    TU_EQ_INT(yt_api_classify(YTK_OK, 400, "keyInvalid"), YT_API_FATAL);
    TU_EQ_INT(yt_api_classify(YTK_OK, 400, "missingRequiredParameter"),
              YT_API_FATAL);
    TU_EQ_INT(yt_api_classify(YTK_OK, 403, "forbidden"), YT_API_SKIP);
    TU_EQ_INT(yt_api_classify(YTK_OK, 403, "commentsDisabled"), YT_API_SKIP);
    TU_EQ_INT(yt_api_classify(YTK_OK, 404, "videoNotFound"), YT_API_SKIP);
    TU_EQ_INT(yt_api_classify(YTK_OK, 404, NULL), YT_API_SKIP);
    TU_EQ_INT(yt_api_classify(YTK_OK, 400, NULL), YT_API_FATAL);
    TU_EQ_INT(yt_api_classify(YTK_E_TRANSFER, 0, NULL), YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_E_TIMEOUT, 0, NULL), YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_E_CONNECT, 0, NULL), YT_API_RETRY);
    TU_EQ_INT(yt_api_classify(YTK_E_TOOBIG, 0, NULL), YT_API_FATAL);
    TU_EQ_INT(yt_api_classify(YTK_E_INSECURE, 0, NULL), YT_API_FATAL);
    TU_EQ_INT(yt_api_units_charged(100, 200, NULL), 100);
    TU_EQ_INT(yt_api_units_charged(1, 404, "videoNotFound"), 1);
    TU_EQ_INT(yt_api_units_charged(1, 403, "commentsDisabled"), 1);
    TU_EQ_INT(yt_api_units_charged(1, 400, "invalidPageToken"), 1);
    TU_EQ_INT(yt_api_units_charged(1, 403, "quotaExceeded"), 0);
    TU_EQ_INT(yt_api_units_charged(1, 401, "authError"), 0);
    TU_EQ_INT(yt_api_units_charged(1, 503, "backendError"), 0);
    TU_EQ_INT(yt_api_units_charged(1, 0, NULL), 0);
    TU_CHECK(yt_api_reason_is_quota("quotaExceeded"));
    TU_CHECK(!yt_api_reason_is_quota("rateLimitExceeded"));
    TU_CHECK(strstr(yt_api_error_hint("quotaExceeded", 403),
                    "midnight Pacific") != NULL);
    TU_CHECK(strstr(yt_api_error_hint("insufficientPermissions", 403),
                    "%yt_auth") != NULL);
    TU_CHECK(yt_api_error_hint("somethingNew", 418) != NULL);
}

static void test_backoff(void)
{
    /* Grows exponentially, jitter within [d/2, d), capped, Retry-After. */
    TU_EQ_INT(yt_api_backoff_ms(0, 1000, 32000, -1, 0.0), 500);
    TU_EQ_INT(yt_api_backoff_ms(0, 1000, 32000, -1, 0.999), 999);
    TU_EQ_INT(yt_api_backoff_ms(3, 1000, 32000, -1, 0.0), 4000);
    TU_EQ_INT(yt_api_backoff_ms(10, 1000, 32000, -1, 0.5), 32000);
    TU_EQ_INT(yt_api_backoff_ms(0, 1000, 32000, 7, 0.0), 7000);
    TU_EQ_INT(yt_api_backoff_ms(0, 1000, 32000, 3600, 0.0), 32000);
    TU_EQ_INT(yt_api_backoff_ms(0, 0, 32000, -1, 0.3), 0);
}

static void test_pacific_day(void)
{
    static const struct {
        time_t t;
        const char *want;
    } cases[] = {
        /* 2026-01-15 07:59:59 UTC = Jan 14 23:59:59 PST. */
        {1768463999, "2026-01-14"},
        /* 2026-01-15 08:00:00 UTC = Jan 15 00:00 PST. */
        {1768464000, "2026-01-15"},
        /* Summer: 2026-07-01 06:59:59 UTC = Jun 30 23:59:59 PDT. */
        {1782889199, "2026-06-30"},
        {1782889200, "2026-07-01"},
        /* DST starts 2026-03-08 10:00 UTC: 2026-03-08 07:30 UTC is still
         * PST (Mar 7 23:30); 2026-03-09 06:30 UTC is PDT (Mar 8 23:30). */
        {1772955000, "2026-03-07"},
        {1773037800, "2026-03-08"},
        /* DST ends 2026-11-01 09:00 UTC: 2026-11-01 07:30 UTC is PDT (Nov 1
         * 00:30); 2026-11-02 07:30 UTC is PST (Nov 1 23:30). */
        {1793518200, "2026-11-01"},
        {1793604600, "2026-11-01"},
    };
    char d[11];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        yt_time_pacific_day(cases[i].t, d);
        TU_EQ_STR(d, cases[i].want);
    }
}

static void test_methods(void)
{
    const struct yt_api_method *m;
    size_t n, i;

    yt_api_methods(&n);
    TU_CHECK(n >= 12);
    m = yt_api_method_find("search");
    TU_CHECK(m && m->cost == 100 && m->max_results == 50);
    m = yt_api_method_find("comment_threads");
    TU_CHECK(m && m->max_results == 100 &&
             strcmp(m->path, "commentThreads") == 0);
    TU_CHECK(yt_api_method_find("commentThreads") == m);
    m = yt_api_method_find("videos");
    TU_CHECK(m && m->cost == 1 && m->max_results == 50);
    TU_CHECK(yt_api_method_allows(m, "chart"));
    TU_CHECK(yt_api_method_allows(m, "myRating"));
    TU_CHECK(!yt_api_method_allows(m, "ch"));
    TU_CHECK(!yt_api_method_allows(m, "q"));
    TU_CHECK(yt_api_method_find("video_categories")->max_results == 0);
    TU_CHECK(yt_api_method_find("nope") == NULL);
    for (i = 0; i < n; i++) {
        const struct yt_api_method *mm = &yt_api_methods(NULL)[i];
        TU_CHECK(yt_api_kind_get(mm->kind) != NULL);
        TU_CHECK(mm->cost >= 1);
    }
}

static void test_store_log_state_ids(void)
{
    sqlite3 *db;
    char err[YTK_ERR_LEN];
    struct yt_store_log_entry e = {
        "2026-01-01T00:00:00.000Z",
        "2025-12-31",
        "videos",
        "part=snippet&key=SECRETKEY&id=a&access_token=ya29.SECRET",
        200,
        1,
        5,
        NULL,
        "ok",
        12,
        "f1"};
    struct yt_store_state st = {0}, got;
    char **ids;
    long n;

    TU_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    TU_EQ_INT(yt_store_init(db, err), 0);
    TU_EQ_INT(yt_store_init(db, err), 0); /* idempotent */
    TU_EQ_INT(yt_store_log(db, &e, err), 0);
    e.units = 100;
    e.method = "search";
    TU_EQ_INT(yt_store_log(db, &e, err), 0);
    e.pacific_day = "2026-01-01";
    TU_EQ_INT(yt_store_log(db, &e, err), 0);
    TU_EQ_INT(yt_store_quota_day(db, "2025-12-31"), 101);
    TU_EQ_INT(yt_store_quota_day(db, "2026-01-01"), 100);
    TU_EQ_INT(yt_store_quota_day(db, "2026-01-02"), 0);
    TU_EQ_INT(tu_sql_int(db,
                         "SELECT COUNT(*) FROM _ytk_requests WHERE params LIKE "
                         "'%SECRET%'"),
              0);
    TU_EQ_INT(tu_sql_int(db,
                         "SELECT COUNT(*) FROM _ytk_requests WHERE params = "
                         "'part=snippet&id=a'"),
              3);

    st.fetch_key = "k1";
    st.page_token = "TOKEN2";
    st.started_at = "2026-01-01T00:00:00.000Z";
    st.phase = "main";
    st.pages = 2;
    st.items = 100;
    TU_EQ_INT(yt_store_state_put(db, &st, "videos chart", err), 0);
    TU_EQ_INT(yt_store_state_get(db, "k1", &got, err), 1);
    TU_EQ_STR(got.page_token, "TOKEN2");
    TU_EQ_INT(got.pages, 2);
    yt_store_state_free(&got);
    TU_EQ_INT(yt_store_state_get(db, "k2", &got, err), 0);
    TU_EQ_INT(yt_store_state_delete(db, "k1", err), 0);
    TU_EQ_INT(yt_store_state_get(db, "k1", &got, err), 0);

    n = yt_store_ids_resolve(db, "a, b,,c a\nd", &ids, err);
    TU_EQ_INT(n, 4);
    if (n == 4) {
        TU_EQ_STR(ids[0], "a");
        TU_EQ_STR(ids[3], "d");
    }
    yt_store_ids_free(ids, n);
    sqlite3_exec(db,
                 "CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('x'),"
                 "('y'),('x'),(NULL)",
                 NULL, NULL, NULL);
    n = yt_store_ids_resolve(db, "SELECT v FROM t", &ids, err);
    TU_EQ_INT(n, 2);
    yt_store_ids_free(ids, n);
    n = yt_store_ids_resolve(db, "t.v", &ids, err);
    TU_EQ_INT(n, 2);
    yt_store_ids_free(ids, n);
    n = yt_store_ids_resolve(db, " with q as (select 'z') select * from q",
                             &ids, err);
    TU_EQ_INT(n, 1);
    yt_store_ids_free(ids, n);
    /* Many ids with duplicates: order of first appearance kept. */
    sqlite3_exec(db,
                 "CREATE TABLE big(v TEXT);"
                 "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 "
                 "FROM c WHERE i < 29999) INSERT INTO big SELECT 'id' || "
                 "(i % 20000) FROM c",
                 NULL, NULL, NULL);
    n = yt_store_ids_resolve(db, "big.v", &ids, err);
    TU_EQ_INT(n, 20000);
    if (n == 20000) {
        TU_EQ_STR(ids[0], "id0");
        TU_EQ_STR(ids[19999], "id19999");
    }
    yt_store_ids_free(ids, n);
    TU_CHECK(yt_store_ids_resolve(db, "SELECT nope FROM t", &ids, err) < 0);
    TU_CHECK(strstr(err, "no such column") != NULL);
    sqlite3_close(db);
}

static void test_export(void)
{
    sqlite3 *db;
    char err[YTK_ERR_LEN], path[256], buf[4096];

    TU_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    sqlite3_exec(
        db,
        "CREATE TABLE v(video_id TEXT PRIMARY KEY, title TEXT, "
        "view_count INTEGER, raw TEXT);"
        "INSERT INTO v VALUES ('a','Say \"hi\", $5',10,'{\"id\":\"a\"}'),"
        "('b',NULL,NULL,'{\"id\":\"b\"}')",
        NULL, NULL, NULL);
    snprintf(path, sizeof(path), "/tmp/ytk_test_export_%d.csv", (int)getpid());
    TU_EQ_INT(yt_store_export(db, "v", path, err), 2);
    tu_read_file(path, buf, sizeof(buf));
    TU_EQ_STR(buf, "video_id,title,view_count,raw\r\n"
                   "a,\"Say \"\"hi\"\", $5\",10,\"{\"\"id\"\":\"\"a\"\"}\"\r\n"
                   "b,,,\"{\"\"id\"\":\"\"b\"\"}\"\r\n");
    unlink(path);
    snprintf(path, sizeof(path), "/tmp/ytk_test_export_%d.ndjson",
             (int)getpid());
    TU_EQ_INT(yt_store_export(db, "v", path, err), 2);
    tu_read_file(path, buf, sizeof(buf));
    TU_EQ_STR(buf, "{\"video_id\":\"a\",\"title\":\"Say \\\"hi\\\", $5\","
                   "\"view_count\":10,\"raw\":{\"id\":\"a\"}}\n"
                   "{\"video_id\":\"b\",\"title\":null,\"view_count\":null,"
                   "\"raw\":{\"id\":\"b\"}}\n");
    unlink(path);
    TU_CHECK(yt_store_export(db, "v", "/tmp/x.xlsx", err) < 0);
    TU_CHECK(yt_store_export(db, "nope", "/tmp/x.csv", err) < 0);
    sqlite3_close(db);
}

int main(void)
{
    TU_RUN(test_durations);
    TU_RUN(test_error_parse);
    TU_RUN(test_classify);
    TU_RUN(test_backoff);
    TU_RUN(test_pacific_day);
    TU_RUN(test_methods);
    TU_RUN(test_store_log_state_ids);
    TU_RUN(test_export);
    return tu_report();
}
