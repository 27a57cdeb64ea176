/* yt_store.h -- the SQLite side of %yt_fetch: one table per resource with
 * flattened typed columns (see yt_schema.h) plus `raw` (the full item as JSON)
 * and `fetched_at`; the request log `_ytk_requests`; the resumable fetch
 * state `_ytk_fetch_state` with its done set `_ytk_fetch_done` and the
 * settings `_ytk_meta`; id lists from SQL; export to CSV/JSON/NDJSON.
 *
 * Upserts replace a row with the same primary key, so refetching refreshes
 * rather than duplicates.  Callers commit each page in its own transaction
 * (yt_store_begin / yt_store_commit) together with the log row and the saved
 * page token, so a page is either entirely stored with its resume point or
 * not at all.
 *
 * The request log never holds secrets: callers pass parameters without
 * key/access_token, and yt_store_log drops any such pair defensively.
 *
 * Ownership: the db handle is borrowed.  Strings returned through out
 * parameters are owned by the caller (free(); id arrays with
 * yt_store_ids_free; states with yt_store_state_free).  All functions return
 * 0 (or a count) on success and -1 with a message in err.
 */
#ifndef YT_STORE_H
#define YT_STORE_H

#include <stddef.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>
#include "yt_err.h"
#include "yt_schema.h"

/* Create the bookkeeping tables when missing. */
int yt_store_init(sqlite3 *db, char err[YTK_ERR_LEN]);

/* Non-zero when `name` is usable as a table of ours: [A-Za-z_][A-Za-z0-9_]*,
 * at most 64 bytes, not starting with "sqlite_" or "_ytk_". */
int yt_store_valid_table(const char *name);

/* Create `table` with kind k's columns when missing; when it exists, check
 * that it has k's primary key column and add any missing column (older
 * stores).  Fails when the table exists with another shape. */
int yt_store_table_ensure(sqlite3 *db, const char *table, enum yt_api_kind k,
                          char err[YTK_ERR_LEN]);

int yt_store_begin(sqlite3 *db, char err[YTK_ERR_LEN]);
int yt_store_commit(sqlite3 *db, char err[YTK_ERR_LEN]);
void yt_store_rollback(sqlite3 *db);

/* Upsert every element of the JSON array `items` into `table` (kind k).
 * `fill` (may be NULL) is a NULL-terminated list of column/value pairs used
 * where the item itself gives NULL (e.g. video_id of a reply).  Items that
 * cannot be flattened (no id) are counted in *bad and skipped.  Runs inside
 * the caller's transaction.  Returns 0, *stored = rows written. */
int yt_store_upsert_items(sqlite3 *db, const char *table, enum yt_api_kind k,
                          const cJSON *items, const char *fetched_at,
                          const char *const *fill, int *stored, int *bad,
                          char err[YTK_ERR_LEN]);

/* The one function that writes rows carrying statistics: videos and
 * channels (view/like/comment/subscriber/video counts).  Every such row of
 * every fetch goes through here (yt_store_upsert_items forwards those
 * kinds), inside the caller's page transaction, so a statistics history
 * can be appended from this single place.  Same contract as
 * yt_store_upsert_items; k must be YT_KIND_VIDEO or YT_KIND_CHANNEL. */
int yt_store_upsert_stats(sqlite3 *db, const char *table, enum yt_api_kind k,
                          const cJSON *items, const char *fetched_at,
                          int *stored, int *bad, char err[YTK_ERR_LEN]);

/* One row of _ytk_requests. */
struct yt_store_log_entry {
    const char *time;        /* ISO-8601 UTC (yt_time_iso_now) */
    const char *pacific_day; /* quota day, "YYYY-MM-DD" */
    const char *method;      /* API path: "videos", "commentThreads" */
    const char *params;      /* query string WITHOUT key/access_token */
    long status;             /* HTTP status, 0 when no response */
    int units;               /* quota units charged */
    int items;               /* items in the response */
    const char *reason;      /* error reason or transport error, may be NULL */
    const char *outcome;     /* ok, retry, skip, fatal, auth, aborted */
    long ms;                 /* wall time of the request (of its round when
                                several were sent concurrently) */
    const char *fetch_id;    /* id of the %yt_fetch run */
};
int yt_store_log(sqlite3 *db, const struct yt_store_log_entry *e,
                 char err[YTK_ERR_LEN]);

/* Quota units logged for one Pacific day; -1 on error. */
long long yt_store_quota_day(sqlite3 *db, const char *pacific_day);

/* Saved state of a stopped fetch, keyed by a description of the fetch. */
struct yt_store_state {
    char *fetch_key;
    char *page_token; /* NULL when the stop was not inside a pagination */
    char *started_at; /* ISO time the interrupted fetch started */
    char *phase;      /* recipe phase, e.g. "playlist", "videos" */
    long pages, items;
};
/* Returns 1 and fills st when a state exists, 0 when none, -1 on error. */
int yt_store_state_get(sqlite3 *db, const char *key, struct yt_store_state *st,
                       char err[YTK_ERR_LEN]);
int yt_store_state_put(sqlite3 *db, const struct yt_store_state *st,
                       const char *description, char err[YTK_ERR_LEN]);
/* Only the counters of an existing state (a page of an id batch or a
 * completion: the saved page token and phase stay); no state, no change. */
int yt_store_state_counts(sqlite3 *db, const char *key, long pages, long items,
                          char err[YTK_ERR_LEN]);
int yt_store_state_delete(sqlite3 *db, const char *key, char err[YTK_ERR_LEN]);
void yt_store_state_free(struct yt_store_state *st);

/* The done set of a stopped fetch (_ytk_fetch_done): ids whose batch or
 * listing finished, so a resumed fetch does not pay for them twice.  Mark
 * inside the page's transaction.  done_has returns 1/0 (0 on error). */
int yt_store_done_mark(sqlite3 *db, const char *key, char *const *ids, int n,
                       char err[YTK_ERR_LEN]);
int yt_store_done_has(sqlite3 *db, const char *key, const char *id);
int yt_store_done_clear(sqlite3 *db, const char *key, char err[YTK_ERR_LEN]);

/* Small settings in _ytk_meta (e.g. "my_channel_id"). */
int yt_store_meta_set(sqlite3 *db, const char *key, const char *value,
                      char err[YTK_ERR_LEN]);

/* Resolve an id specification: a read-only SQL query (SELECT/WITH/VALUES,
 * first column), `table.column`, or a list separated by commas/blanks.
 * Ids are trimmed, empty ones dropped, duplicates removed (first order
 * kept).  Returns the count (>= 0) and sets *ids. */
long yt_store_ids_resolve(sqlite3 *db, const char *spec, char ***ids,
                          char err[YTK_ERR_LEN]);
void yt_store_ids_free(char **ids, long n);

/* Export every row of `table` to `path`, format from the extension: .csv
 * (RFC 4180, header row), .json (array of objects) or .ndjson (one object a
 * line).  The `raw` column is embedded as JSON in .json/.ndjson.  Written
 * with yt_file (a fresh O_EXCL temporary file, then renamed; mode 0666 minus
 * the umask).  Returns the row count.
 *
 * CSV is spreadsheet-safe unless flags has YT_STORE_EXPORT_RAW: a cell from
 * a TEXT value (and a header name) starting with = + - @ TAB or CR gets a
 * leading ' so that spreadsheets show it instead of running it as a formula
 * (OWASP "CSV injection").  Numbers (INTEGER/REAL values, e.g. -5) are never
 * changed; JSON and NDJSON are always raw. */
#define YT_STORE_EXPORT_RAW 1u
long yt_store_export_ex(sqlite3 *db, const char *table, const char *path,
                        unsigned flags, char err[YTK_ERR_LEN]);
/* yt_store_export_ex with flags 0. */
long yt_store_export(sqlite3 *db, const char *table, const char *path,
                     char err[YTK_ERR_LEN]);

/* One CSV field for `s` appended to b: quoted when it holds , " CR or LF;
 * prefixed with ' when `neutralise` and yt_store_csv_risky(s).  Returns 0
 * or -1 (b's append failed). */
struct yt_buf;
int yt_store_csv_cell(struct yt_buf *b, const char *s, int neutralise);
/* Non-zero when a spreadsheet would read s as a formula: it starts with
 * = + - @ TAB or CR. */
int yt_store_csv_risky(const char *s);

/* Non-zero when `table` exists. */
int yt_store_table_exists(sqlite3 *db, const char *table);

#endif /* YT_STORE_H */
