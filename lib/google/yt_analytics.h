/* yt_analytics.h -- what the YouTube Analytics API v2 (reports.query,
 * GET /v2/reports) looks like to `%yt_fetch analytics`: the presets owners
 * ask for (documented metrics/dimensions sets), relative dates, the request
 * parameters, the response's columnHeaders as typed SQLite columns, row
 * insertion into a table, and Google's errors with a hint.
 *
 * Engine independent: nothing here sends a request.  The caller sends
 * `v2/reports?<params>[&startIndex=N]` (yt_an_params() builds <params>;
 * yt_an_next_cursor() the startIndex of the next page) and hands each
 * answer's parsed JSON to yt_an_table_parse() / yt_an_store_rows().
 *
 * Tables: one row per combination of dimension values; the columns are the
 * dimensions, then the metrics, typed by Google's dataType (STRING -> TEXT,
 * days as YYYY-MM-DD; INTEGER -> INTEGER; FLOAT and others -> REAL), then
 * the values of filters on dimensions that are not columns (a retention
 * report's `video`), then `start_date`, `end_date`, `fetched_at` (TEXT).
 * Names are snake_case of Google's (estimatedMinutesWatched ->
 * estimated_minutes_watched).  The primary key is the dimensions plus the
 * filter columns, so a refetch of an overlapping range replaces those rows;
 * a report without dimensions keys on (start_date, end_date).
 *
 * Ownership: presets are static.  yt_an_params() returns a malloc'd string
 * (caller frees).  struct yt_an_table is filled by yt_an_table_parse() and
 * released by yt_an_table_free().  cJSON arguments are borrowed, never kept.
 * Errors: negative return, message in a caller buffer of YTK_ERR_LEN.
 */
#ifndef YT_ANALYTICS_H
#define YT_ANALYTICS_H

#include <stddef.h>
#include <time.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "yt_api.h"
#include "yt_http.h" /* YTK_ERR_LEN */

#define YT_AN_METHOD "reports" /* the log's method and the path's last word */
#define YT_AN_PATH "v2/reports"
#define YT_AN_SCOPE "https://www.googleapis.com/auth/yt-analytics.readonly"
#define YT_AN_MAX_ROWS 200 /* maxResults cap of top-videos reports */
#define YT_AN_PAGE 10000   /* rows asked per page when not capped */

/* ---- Presets ---- */
struct yt_an_preset {
    const char *name;       /* "daily", "top-videos", ... */
    const char *metrics;    /* comma list */
    const char *dimensions; /* comma list, "" = none */
    const char *sort;       /* "" = none */
    int max_results;        /* 0 = not capped */
    int needs_video;        /* --video ID is required (retention) */
    const char *table;      /* default --into table */
    const char *doc;        /* one line for %help */
};

/* The presets, in %help order; *n set to their count. */
const struct yt_an_preset *yt_an_presets(size_t *n);
/* By name; NULL when unknown. */
const struct yt_an_preset *yt_an_preset_find(const char *name);

/* ---- Dates ---- */

/* A relative span ending today ("90d", "12w", "6m" (30-day months), "1y"
 * (365 days), or a bare number of days): end = the UTC day of `now` (Google
 * leaves out the newest days it has no data for yet), start = end - (span -
 * 1).  Fills start/end "YYYY-MM-DD".  -1 with err when malformed, zero, or
 * longer than 20 years. */
int yt_an_last(const char *spec, time_t now, char start[11], char end[11],
               char err[YTK_ERR_LEN]);

/* "Now" for relative dates: noon UTC of `today` ("YYYY-MM-DD", e.g.
 * $YTK_ANALYTICS_TODAY: the emulator's day in the demo and the tests) when
 * it is a valid date, else time(NULL). */
time_t yt_an_now(const char *today);

/* A date argument: "YYYY-MM-DD" (a real calendar date), "today",
 * "yesterday", or "-Nd" (N days before today, UTC).  -1 with err. */
int yt_an_date(const char *text, time_t now, char out[11],
               char err[YTK_ERR_LEN]);

/* ---- Request ---- */
struct yt_an_request {
    const char *ids;        /* NULL = "channel==MINE" */
    const char *metrics;    /* required */
    const char *dimensions; /* may be NULL/"" */
    const char *filters;    /* "video==ID;country==US", may be NULL */
    const char *sort;       /* may be NULL */
    const char *start;      /* YYYY-MM-DD, required */
    const char *end;        /* YYYY-MM-DD, required */
    const char *currency;   /* three upper-case letters, may be NULL */
    int max_results;        /* total rows wanted, 0 = all */
    int page_rows;          /* rows asked per call, 0 = YT_AN_PAGE */
};

/* Check r against the discovery document's patterns (metrics/dimensions
 * [0-9a-zA-Z,]+, sort [-0-9a-zA-Z,]+, ids name==value, dates, currency
 * [A-Z]{3}; filters name==value[;...]; start <= end) and build the
 * URL-encoded query string without startIndex.  maxResults is the page size:
 * yt_an_page_size(r).
 * NULL with err. */
char *yt_an_params(const struct yt_an_request *r, char err[YTK_ERR_LEN]);

/* Rows asked per call: min(max_results, page_rows or YT_AN_PAGE). */
long yt_an_page_size(const struct yt_an_request *r);

/* The cursor ("startIndex=N") of the page after one that started at row
 * `first` (1-based) and returned `got` rows when `asked` were asked for
 * (page size), given the total wanted (`max_results`, 0 = all) and the rows
 * stored so far (`stored`).  Returns 1 with cursor filled when another page
 * is due, 0 when done. */
int yt_an_next_cursor(long first, long got, long asked, long max_results,
                      long stored, char cursor[32]);

/* The base URL of reports.query without the method: "$YTK_GOOGLE_BASE/v2"
 * when google_base is set (the emulator; trailing slashes dropped), else
 * "https://youtubeanalytics.googleapis.com/v2".  Caller frees; NULL on out
 * of memory. */
char *yt_an_base(const char *google_base);

/* ---- Response -> table ---- */
enum yt_an_type { YT_AN_TEXT = 0, YT_AN_INTEGER, YT_AN_REAL };

struct yt_an_col {
    char name[72];     /* SQL column name (snake_case) */
    char api_name[64]; /* Google's name */
    int dimension;     /* 1 = DIMENSION (or a filter column), 0 = METRIC */
    enum yt_an_type type;
};

struct yt_an_table {
    int ncols;              /* header columns (rows have this many values) */
    int nextra;             /* filter columns after them */
    struct yt_an_col *cols; /* ncols + nextra, owned */
    char **extra_values;    /* nextra filter values, owned */
};

/* columnHeaders of a response -> typed columns.  Names must be
 * [A-Za-z][A-Za-z0-9]* (at most 63 bytes), columnType DIMENSION or METRIC,
 * at least one column, no duplicates.  dataType INTEGER -> INTEGER, FLOAT /
 * CURRENCY / other -> REAL, STRING (or none) -> TEXT, dimensions as well
 * as metrics.  `filters` (may be NULL)
 * adds one TEXT column per filter on a dimension that is not a header.
 * -1 with err (t is then empty; freeing it is harmless). */
int yt_an_table_parse(const cJSON *root, const char *filters,
                      struct yt_an_table *t, char err[YTK_ERR_LEN]);
void yt_an_table_free(struct yt_an_table *t);

/* "estimatedMinutesWatched" -> "estimated_minutes_watched" into out
 * (at most outlen-1 bytes).  -1 when it does not fit or is not a name. */
int yt_an_snake(const char *name, char *out, size_t outlen);

/* CREATE TABLE IF NOT EXISTS for t; when `table` exists with other columns,
 * fail and say which (a different report wants another --into).  The
 * caller's transaction is used. */
int yt_an_table_ensure(sqlite3 *db, const char *table,
                       const struct yt_an_table *t, char err[YTK_ERR_LEN]);

/* Insert (or replace, by the key) the rows of the JSON array `rows` (may
 * be NULL: no data), at most `max_rows` of them (< 0 = all).  A row must have
 * exactly t->ncols values, each a string, number or null; integer columns take
 * integral numbers (a non-integral one is stored as REAL, as SQLite would).
 * Returns the number of rows stored (>= 0) or -1 with err (nothing is rolled
 * back here: the caller's transaction is). */
long yt_an_store_rows(sqlite3 *db, const char *table,
                      const struct yt_an_table *t, const cJSON *rows,
                      long max_rows, const char *start, const char *end,
                      const char *fetched_at, char err[YTK_ERR_LEN]);

/* ---- Errors ---- */

/* A line the user can act on after Google's own message, for an Analytics
 * error (never NULL): unsupported combinations, a missing scope ("log in
 * again with --scopes ..."), not the owner, dates, the traffic-source
 * videos x days limit; else yt_api_error_hint(). */
const char *yt_an_error_hint(const struct yt_api_error *e);

/* Non-zero when a token's scope list (space separated) authorises
 * reports.query (yt-analytics(-monetary).readonly, youtube,
 * youtube.readonly or youtubepartner, per the discovery document). */
int yt_an_scopes_allow(const char *scopes);

#endif /* YT_ANALYTICS_H */
