/* yt_history.c -- append-only statistics history and its change views.
 * See yt_history.h. */
#include <stdio.h>
#include <string.h>

#include "yt_history.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS video_stats_history ("
    " video_id TEXT NOT NULL, fetched_at TEXT NOT NULL,"
    " view_count INTEGER, like_count INTEGER, comment_count INTEGER,"
    " UNIQUE (video_id, fetched_at));"
    "CREATE TABLE IF NOT EXISTS channel_stats_history ("
    " channel_id TEXT NOT NULL, fetched_at TEXT NOT NULL,"
    " view_count INTEGER, subscriber_count INTEGER, video_count INTEGER,"
    " UNIQUE (channel_id, fetched_at));"
    "CREATE TRIGGER IF NOT EXISTS video_stats_history_append_only"
    " BEFORE UPDATE ON video_stats_history BEGIN"
    " SELECT RAISE(ABORT, 'video_stats_history is append-only');"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS channel_stats_history_append_only"
    " BEFORE UPDATE ON channel_stats_history BEGIN"
    " SELECT RAISE(ABORT, 'channel_stats_history is append-only');"
    " END;"
    "CREATE VIEW IF NOT EXISTS video_stats_change AS"
    " SELECT video_id, fetched_at, prev_fetched_at, days, view_count,"
    "  view_count - prev_views AS views_gained,"
    "  CASE WHEN days >= 1.0 / 24 THEN (view_count - prev_views) / days"
    "  END AS views_per_day,"
    "  like_count - prev_likes AS likes_gained,"
    "  comment_count - prev_comments AS comments_gained"
    " FROM (SELECT *,"
    "  LAG(fetched_at) OVER w AS prev_fetched_at,"
    "  julianday(fetched_at) - julianday(LAG(fetched_at) OVER w) AS days,"
    "  LAG(view_count) OVER w AS prev_views,"
    "  LAG(like_count) OVER w AS prev_likes,"
    "  LAG(comment_count) OVER w AS prev_comments"
    "  FROM video_stats_history"
    "  WINDOW w AS (PARTITION BY video_id ORDER BY fetched_at))"
    " WHERE prev_fetched_at IS NOT NULL;"
    "CREATE VIEW IF NOT EXISTS channel_stats_change AS"
    " SELECT channel_id, fetched_at, prev_fetched_at, days,"
    "  subscriber_count, subscriber_count - prev_subs AS subscribers_gained,"
    "  view_count, view_count - prev_views AS views_gained,"
    "  CASE WHEN days >= 1.0 / 24 THEN (view_count - prev_views) / days"
    "  END AS views_per_day,"
    "  video_count - prev_videos AS videos_added"
    " FROM (SELECT *,"
    "  LAG(fetched_at) OVER w AS prev_fetched_at,"
    "  julianday(fetched_at) - julianday(LAG(fetched_at) OVER w) AS days,"
    "  LAG(view_count) OVER w AS prev_views,"
    "  LAG(subscriber_count) OVER w AS prev_subs,"
    "  LAG(video_count) OVER w AS prev_videos"
    "  FROM channel_stats_history"
    "  WINDOW w AS (PARTITION BY channel_id ORDER BY fetched_at))"
    " WHERE prev_fetched_at IS NOT NULL;";

int yt_history_init(sqlite3 *db, char err[YT_HISTORY_ERR_LEN])
{
    char *msg = NULL;

    if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, YT_HISTORY_ERR_LEN,
                 "cannot create the statistics history: %s",
                 msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

struct hist_kind {
    enum yt_api_kind kind;
    const char *insert;
    const char *cols[4]; /* id, then three counts (yt_api column names) */
};

static const struct hist_kind kinds[] = {
    {YT_KIND_VIDEO,
     "INSERT OR IGNORE INTO video_stats_history (video_id, fetched_at,"
     " view_count, like_count, comment_count) VALUES (?, ?, ?, ?, ?)",
     {"video_id", "view_count", "like_count", "comment_count"}},
    {YT_KIND_CHANNEL,
     "INSERT OR IGNORE INTO channel_stats_history (channel_id, fetched_at,"
     " view_count, subscriber_count, video_count) VALUES (?, ?, ?, ?, ?)",
     {"channel_id", "view_count", "subscriber_count", "video_count"}},
};

/* Bind row value `col` of kind k to parameter idx (NULL when absent). */
static void bind_col(sqlite3_stmt *st, int idx, enum yt_api_kind k,
                     const struct yt_api_row *row, const char *col)
{
    int i = yt_api_col_index(k, col);
    const struct yt_api_val *v;

    if (i < 0 || i >= row->n) {
        sqlite3_bind_null(st, idx);
        return;
    }
    v = &row->vals[i];
    if (v->type == YT_V_INT)
        sqlite3_bind_int64(st, idx, v->i);
    else if (v->type == YT_V_TEXT)
        sqlite3_bind_text(st, idx, v->s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, idx);
}

/* Non-zero when the item carries a statistics object. */
static int has_stats(const cJSON *item)
{
    return cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(item, "statistics"));
}

long yt_history_append(sqlite3 *db, enum yt_api_kind k, const cJSON *items,
                       const char *fetched_at, char err[YT_HISTORY_ERR_LEN])
{
    const struct hist_kind *hk = NULL;
    sqlite3_stmt *st = NULL;
    const cJSON *item;
    long n = -1;
    size_t i;

    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == k)
            hk = &kinds[i];
    if (!hk || !cJSON_IsArray(items))
        return 0;
    if (yt_history_init(db, err) != 0)
        return -1;
    if (sqlite3_prepare_v2(db, hk->insert, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, YT_HISTORY_ERR_LEN, "statistics history: %s",
                 sqlite3_errmsg(db));
        return -1;
    }
    n = 0;
    cJSON_ArrayForEach(item, items)
    {
        struct yt_api_row row = {0, NULL};
        char ferr[YTK_ERR_LEN];
        int rc;

        if (!has_stats(item) || yt_api_flatten(k, item, &row, ferr) != 0) {
            yt_api_row_free(&row);
            continue; /* no statistics part, or no id: nothing to record */
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        bind_col(st, 1, k, &row, hk->cols[0]);
        sqlite3_bind_text(st, 2, fetched_at, -1, SQLITE_STATIC);
        bind_col(st, 3, k, &row, hk->cols[1]);
        bind_col(st, 4, k, &row, hk->cols[2]);
        bind_col(st, 5, k, &row, hk->cols[3]);
        rc = sqlite3_step(st);
        yt_api_row_free(&row);
        if (rc != SQLITE_DONE) {
            snprintf(err, YT_HISTORY_ERR_LEN,
                     "cannot append to the statistics history: %s",
                     sqlite3_errmsg(db));
            n = -1;
            goto out;
        }
        n += sqlite3_changes(db);
    }
out:
    sqlite3_finalize(st);
    return n;
}
