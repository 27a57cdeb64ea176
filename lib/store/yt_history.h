/* yt_history.h -- statistics history: every fetch that brings statistics of
 * videos or channels also appends one row per item to an append-only table,
 * so repeated fetches of the same chart or channels build a time series
 * that upserts of `videos` / `channels` never overwrite.
 *
 * Tables (created by yt_history_init, with an index on (id, fetched_at)):
 *   video_stats_history(video_id, fetched_at, view_count, like_count,
 *                       comment_count)
 *   channel_stats_history(channel_id, fetched_at, view_count,
 *                         subscriber_count, video_count)
 * UPDATE is refused by a trigger (rows are facts about one moment); a row
 * for the same id and fetched_at is kept once (a chart page that lists a
 * video twice).  DELETE is left to the user (pruning is deliberate).
 *
 * Views of change between consecutive fetches of the same id (SQL window
 * functions, newest first per id):
 *   video_stats_change(video_id, fetched_at, prev_fetched_at, days,
 *                      view_count, views_gained, views_per_day,
 *                      likes_gained, comments_gained)
 *   channel_stats_change(channel_id, fetched_at, prev_fetched_at, days,
 *                        subscriber_count, subscribers_gained, view_count,
 *                        views_gained, views_per_day, videos_added)
 * `days` is the time between the two fetches (fetched_at, real time);
 * *_per_day is NULL when the fetches are less than an hour apart (a rate
 * over seconds says nothing).
 *
 * Ownership: the db handle and cJSON items are borrowed.  Functions return
 * 0 (or a count) and -1 with a message in err (YT_HISTORY_ERR_LEN).
 */
#ifndef YT_HISTORY_H
#define YT_HISTORY_H

#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "yt_api.h"

#define YT_HISTORY_ERR_LEN 512

/* Create the tables, trigger, indexes and views when missing. */
int yt_history_init(sqlite3 *db, char err[YT_HISTORY_ERR_LEN]);

/* Append one row per element of the JSON array `items` (videos or
 * channels, k = YT_KIND_VIDEO / YT_KIND_CHANNEL; other kinds append
 * nothing) that carries statistics.  Runs in the caller's transaction;
 * calls yt_history_init itself.  Returns the number of rows appended. */
long yt_history_append(sqlite3 *db, enum yt_api_kind k, const cJSON *items,
                       const char *fetched_at, char err[YT_HISTORY_ERR_LEN]);

#endif /* YT_HISTORY_H */
