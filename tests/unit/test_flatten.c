/* test_flatten.c -- the recorded real API responses in
 * tests/fixtures/youtube-apidata/ flattened into typed rows and stored. */
#include "tu.h"
#include "tu_sql.h"

#include <stdlib.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "yt_api.h"
#include "yt_store.h"

static const char *src_dir(void)
{
    const char *e = getenv("YTK_SOURCE_DIR");
    return e && *e ? e : YTK_SOURCE_DIR;
}

static cJSON *load(const char *rel)
{
    char path[1024];
    char *buf;
    cJSON *j;

    snprintf(path, sizeof(path), "%s/tests/fixtures/youtube-apidata/%s",
             src_dir(), rel);
    buf = tu_read_all(path, NULL);
    if (!buf) {
        fprintf(stderr, "cannot read %s\n", path);
        return NULL;
    }
    j = cJSON_Parse(buf);
    free(buf);
    return j;
}

static const cJSON *item_at(const cJSON *resp, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(resp, "items"), i);
}

/* Value of column `name` in a flattened row. */
static const struct yt_api_val *
col(enum yt_api_kind k, const struct yt_api_row *r, const char *name)
{
    int i = yt_api_col_index(k, name);
    static const struct yt_api_val missing = {YT_V_NULL, 0, NULL};
    if (i < 0) {
        fprintf(stderr, "no column %s\n", name);
        tu_failed_checks++;
        return &missing;
    }
    return &r->vals[i];
}

#define COL_TEXT(k, r, name, want)                                             \
    do {                                                                       \
        const struct yt_api_val *v_ = col(k, r, name);                         \
        TU_EQ_INT(v_->type, YT_V_TEXT);                                        \
        if (v_->type == YT_V_TEXT)                                             \
            TU_EQ_STR(v_->s, want);                                            \
    } while (0)
#define COL_INT(k, r, name, want)                                              \
    do {                                                                       \
        const struct yt_api_val *v_ = col(k, r, name);                         \
        TU_EQ_INT(v_->type, YT_V_INT);                                         \
        TU_EQ_INT(v_->i, want);                                                \
    } while (0)
#define COL_NULL(k, r, name) TU_EQ_INT(col(k, r, name)->type, YT_V_NULL)

/* Every item of every list fixture flattens, and its key is the item's id. */
static void test_every_fixture_flattens(void)
{
    static const struct {
        const char *file;
        enum yt_api_kind kind;
    } files[] = {
        {"activities/activities_by_channel_p1.json", YT_KIND_ACTIVITY},
        {"activities/activities_by_channel_p2.json", YT_KIND_ACTIVITY},
        {"activities/activities_by_mine_p1.json", YT_KIND_ACTIVITY},
        {"categories/video_category_by_region.json", YT_KIND_VIDEO_CATEGORY},
        {"categories/video_category_multi.json", YT_KIND_VIDEO_CATEGORY},
        {"channel_info_multi.json", YT_KIND_CHANNEL},
        {"channel_info_single.json", YT_KIND_CHANNEL},
        {"channels/info.json", YT_KIND_CHANNEL},
        {"channels/info_multiple.json", YT_KIND_CHANNEL},
        {"comment_threads/comment_thread_single.json", YT_KIND_COMMENT_THREAD},
        {"comment_threads/comment_threads_all_to_me.json",
         YT_KIND_COMMENT_THREAD},
        {"comment_threads/comment_threads_by_channel.json",
         YT_KIND_COMMENT_THREAD},
        {"comment_threads/comment_threads_by_video_paged_1.json",
         YT_KIND_COMMENT_THREAD},
        {"comment_threads/comment_threads_by_video_paged_2.json",
         YT_KIND_COMMENT_THREAD},
        {"comments/comments_by_parent_paged_1.json", YT_KIND_COMMENT},
        {"comments/comments_by_parent_paged_2.json", YT_KIND_COMMENT},
        {"comments/comments_multi.json", YT_KIND_COMMENT},
        {"i18ns/language_res.json", YT_KIND_LANGUAGE},
        {"i18ns/regions_res.json", YT_KIND_REGION},
        {"playlist_items/playlist_items_paged_1.json", YT_KIND_PLAYLIST_ITEM},
        {"playlist_items/playlist_items_paged_2.json", YT_KIND_PLAYLIST_ITEM},
        {"playlists/playlists_paged_1.json", YT_KIND_PLAYLIST},
        {"playlists/playlists_mine.json", YT_KIND_PLAYLIST},
        {"search/search_by_keywords_p1.json", YT_KIND_SEARCH},
        {"search/search_channels.json", YT_KIND_SEARCH},
        {"search/search_by_mine.json", YT_KIND_SEARCH},
        {"subscriptions/subscriptions_by_mine_p1.json", YT_KIND_SUBSCRIPTION},
        {"subscriptions/subscriptions_by_channel_p1.json",
         YT_KIND_SUBSCRIPTION},
        {"videos/videos_chart_paged_1.json", YT_KIND_VIDEO},
        {"videos/videos_info_multi.json", YT_KIND_VIDEO},
        {"videos/videos_myrating_paged_1.json", YT_KIND_VIDEO},
    };
    size_t f;

    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        cJSON *resp = load(files[f].file);
        const cJSON *it;
        int n = 0;

        TU_CHECK(resp != NULL);
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(resp, "items"))
        {
            struct yt_api_row r;
            char err[YTK_ERR_LEN];
            const cJSON *id = cJSON_GetObjectItem(it, "id");
            const char *want = NULL;

            if (cJSON_IsString(id))
                want = id->valuestring;
            else if (cJSON_IsObject(id)) { /* search results */
                const cJSON *v = cJSON_GetObjectItem(id, "videoId");
                if (!v)
                    v = cJSON_GetObjectItem(id, "channelId");
                if (!v)
                    v = cJSON_GetObjectItem(id, "playlistId");
                want = cJSON_IsString(v) ? v->valuestring : NULL;
            }
            if (yt_api_flatten(files[f].kind, it, &r, err) != 0) {
                fprintf(stderr, "%s: %s\n", files[f].file, err);
                tu_failed_checks++;
                continue;
            }
            TU_EQ_INT(r.n, yt_api_kind_get(files[f].kind)->ncols);
            TU_EQ_INT(r.vals[0].type, YT_V_TEXT);
            TU_EQ_STR(r.vals[0].s, want);
            yt_api_row_free(&r);
            n++;
        }
        TU_CHECK(n > 0);
        cJSON_Delete(resp);
    }
}

static void test_channels(void)
{
    cJSON *resp = load("channels/info_multiple.json");
    struct yt_api_row r;
    char err[YTK_ERR_LEN];
    const enum yt_api_kind K = YT_KIND_CHANNEL;

    TU_EQ_INT(yt_api_flatten(K, item_at(resp, 0), &r, err), 0);
    COL_TEXT(K, &r, "channel_id", "UCK8sQmJBp8GCxrOtXWBpyEA");
    COL_INT(K, &r, "view_count", 3331930783LL);
    COL_INT(K, &r, "subscriber_count", 10700000);
    COL_INT(K, &r, "hidden_subscriber_count", 0);
    COL_INT(K, &r, "video_count", 2678);
    COL_TEXT(K, &r, "uploads_playlist_id", "UUK8sQmJBp8GCxrOtXWBpyEA");
    COL_TEXT(K, &r, "custom_url", "@google");
    COL_TEXT(K, &r, "published_at", "2005-09-18T22:37:10Z");
    COL_NULL(K, &r, "country");
    yt_api_row_free(&r);
    TU_EQ_INT(yt_api_flatten(K, item_at(resp, 1), &r, err), 0);
    COL_TEXT(K, &r, "country", "US");
    COL_INT(K, &r, "view_count", 208790084);
    yt_api_row_free(&r);
    cJSON_Delete(resp);

    /* Only snippet requested: counts are NULL, not 0. */
    resp = load("channels/info.json");
    TU_EQ_INT(yt_api_flatten(K, item_at(resp, 0), &r, err), 0);
    COL_NULL(K, &r, "view_count");
    COL_NULL(K, &r, "subscriber_count");
    yt_api_row_free(&r);
    cJSON_Delete(resp);
}

static void test_videos(void)
{
    cJSON *resp = load("videos/videos_info_multi.json");
    struct yt_api_row r;
    char err[YTK_ERR_LEN];
    const enum yt_api_kind K = YT_KIND_VIDEO;
    const struct yt_api_val *tags;
    cJSON *tj;

    TU_EQ_INT(yt_api_flatten(K, item_at(resp, 0), &r, err), 0);
    COL_TEXT(K, &r, "video_id", "D-lhorsDlUQ");
    COL_TEXT(K, &r, "channel_id", "UC_x5XG1OV2P6uZZ5FSM9Ttw");
    COL_TEXT(K, &r, "channel_title", "Google Developers");
    COL_TEXT(K, &r, "title", "What are Actions on Google (Assistant on Air)");
    COL_TEXT(K, &r, "published_at", "2019-03-21T20:37:49.000Z");
    COL_TEXT(K, &r, "category_id", "28");
    COL_NULL(K, &r, "view_count");
    COL_NULL(K, &r, "duration_s");
    tags = col(K, &r, "tags");
    TU_EQ_INT(tags->type, YT_V_TEXT);
    tj = cJSON_Parse(tags->s ? tags->s : "");
    TU_CHECK(cJSON_IsArray(tj));
    TU_EQ_INT(cJSON_GetArraySize(tj), 20);
    TU_EQ_STR(cJSON_GetArrayItem(tj, 0)->valuestring, "Google");
    cJSON_Delete(tj);
    yt_api_row_free(&r);
    cJSON_Delete(resp);
}

static void test_search_and_threads(void)
{
    cJSON *resp = load("search/search_by_keywords_p1.json");
    struct yt_api_row r;
    char err[YTK_ERR_LEN];

    TU_EQ_INT(yt_api_flatten(YT_KIND_SEARCH, item_at(resp, 0), &r, err), 0);
    COL_TEXT(YT_KIND_SEARCH, &r, "result_id", "gQ_1zX-F_No");
    COL_TEXT(YT_KIND_SEARCH, &r, "video_id", "gQ_1zX-F_No");
    COL_TEXT(YT_KIND_SEARCH, &r, "result_kind", "youtube#video");
    COL_TEXT(YT_KIND_SEARCH, &r, "channel_title", "Jamie O'Brien");
    yt_api_row_free(&r);
    cJSON_Delete(resp);

    resp = load("search/search_channels.json");
    TU_EQ_INT(yt_api_flatten(YT_KIND_SEARCH, item_at(resp, 0), &r, err), 0);
    COL_TEXT(YT_KIND_SEARCH, &r, "result_id", "UCxRULEz6kS0PMxCzOY25GhQ");
    COL_NULL(YT_KIND_SEARCH, &r, "video_id");
    yt_api_row_free(&r);
    cJSON_Delete(resp);

    resp = load("comment_threads/comment_threads_by_video_paged_1.json");
    TU_EQ_INT(yt_api_flatten(YT_KIND_COMMENT_THREAD, item_at(resp, 0), &r, err),
              0);
    COL_TEXT(YT_KIND_COMMENT_THREAD, &r, "video_id", "F1UP7wRCPH8");
    COL_TEXT(YT_KIND_COMMENT_THREAD, &r, "author_channel_id",
             "UCzj-CjKYmGlZ7vTL-vOe57A");
    COL_TEXT(YT_KIND_COMMENT_THREAD, &r, "text_display",
             "<a href=\"http://google.com/\">Google.com</a>");
    COL_INT(YT_KIND_COMMENT_THREAD, &r, "is_public", 1);
    yt_api_row_free(&r);
    TU_EQ_INT(yt_api_flatten(YT_KIND_COMMENT_THREAD, item_at(resp, 2), &r, err),
              0);
    COL_INT(YT_KIND_COMMENT_THREAD, &r, "like_count", 4);
    yt_api_row_free(&r);
    TU_EQ_INT(yt_api_flatten(YT_KIND_COMMENT_THREAD, item_at(resp, 4), &r, err),
              0);
    COL_INT(YT_KIND_COMMENT_THREAD, &r, "total_reply_count", 2);
    yt_api_row_free(&r);
    cJSON_Delete(resp);

    resp = load("comments/comments_by_parent_paged_1.json");
    TU_EQ_INT(yt_api_flatten(YT_KIND_COMMENT, item_at(resp, 0), &r, err), 0);
    COL_TEXT(YT_KIND_COMMENT, &r, "parent_id", "Ugw5zYU6n9pmIgAZWvN4AaABAg");
    COL_TEXT(YT_KIND_COMMENT, &r, "text_original", "this is the third reply!");
    yt_api_row_free(&r);
    cJSON_Delete(resp);

    resp = load("subscriptions/subscriptions_by_mine_p1.json");
    TU_EQ_INT(yt_api_flatten(YT_KIND_SUBSCRIPTION, item_at(resp, 0), &r, err),
              0);
    COL_TEXT(YT_KIND_SUBSCRIPTION, &r, "channel_id",
             "UC_x5XG1OV2P6uZZ5FSM9Ttw");
    COL_TEXT(YT_KIND_SUBSCRIPTION, &r, "subscriber_channel_id",
             "UCNvMBmCASzTNNX8lW3JRMbw");
    yt_api_row_free(&r);
    cJSON_Delete(resp);

    resp = load("playlist_items/playlist_items_paged_1.json");
    TU_EQ_INT(yt_api_flatten(YT_KIND_PLAYLIST_ITEM, item_at(resp, 0), &r, err),
              0);
    COL_TEXT(YT_KIND_PLAYLIST_ITEM, &r, "video_id", "CvTApw9X8aA");
    COL_INT(YT_KIND_PLAYLIST_ITEM, &r, "position", 0);
    COL_TEXT(YT_KIND_PLAYLIST_ITEM, &r, "playlist_id",
             "PLOU2XLYxmsIKpaV8h0AGE05so0fAwwfTw");
    yt_api_row_free(&r);
    cJSON_Delete(resp);

    resp = load("i18ns/regions_res.json");
    TU_EQ_INT(yt_api_flatten(YT_KIND_REGION, item_at(resp, 0), &r, err), 0);
    COL_TEXT(YT_KIND_REGION, &r, "region_code", "VE");
    COL_TEXT(YT_KIND_REGION, &r, "name", "Venezuela");
    yt_api_row_free(&r);
    cJSON_Delete(resp);
}

/* Two pages stored, the first twice: upsert refreshes, never duplicates. */
static void test_store_pages(void)
{
    sqlite3 *db;
    char err[YTK_ERR_LEN];
    cJSON *p1 = load("playlist_items/playlist_items_paged_1.json");
    cJSON *p2 = load("playlist_items/playlist_items_paged_2.json");
    int stored, bad;

    TU_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    TU_EQ_INT(yt_store_init(db, err), 0);
    TU_EQ_INT(yt_store_table_ensure(db, "pl", YT_KIND_PLAYLIST_ITEM, err), 0);
    TU_EQ_INT(yt_store_begin(db, err), 0);
    TU_EQ_INT(yt_store_upsert_items(db, "pl", YT_KIND_PLAYLIST_ITEM,
                                    cJSON_GetObjectItem(p1, "items"),
                                    "2026-01-01T00:00:00.000Z", NULL, &stored,
                                    &bad, err),
              0);
    TU_EQ_INT(stored, 10);
    TU_EQ_INT(bad, 0);
    TU_EQ_INT(yt_store_commit(db, err), 0);
    TU_EQ_INT(yt_store_upsert_items(db, "pl", YT_KIND_PLAYLIST_ITEM,
                                    cJSON_GetObjectItem(p2, "items"),
                                    "2026-01-01T00:00:01.000Z", NULL, &stored,
                                    &bad, err),
              0);
    TU_EQ_INT(stored, 3);
    TU_EQ_INT(yt_store_upsert_items(db, "pl", YT_KIND_PLAYLIST_ITEM,
                                    cJSON_GetObjectItem(p1, "items"),
                                    "2026-01-01T00:00:02.000Z", NULL, &stored,
                                    &bad, err),
              0);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM pl"), 13);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM pl WHERE fetched_at = "
                             "'2026-01-01T00:00:02.000Z'"),
              10);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM pl WHERE "
                             "typeof(position) = 'integer'"),
              13);
    TU_EQ_INT(tu_sql_int(db, "SELECT COUNT(*) FROM pl WHERE json_valid(raw)"),
              13);
    /* The same table cannot be reused for another resource. */
    TU_CHECK(yt_store_table_ensure(db, "pl", YT_KIND_VIDEO, err) < 0);
    TU_CHECK(strstr(err, "not a videos table") != NULL);
    TU_CHECK(yt_store_table_ensure(db, "_ytk_x", YT_KIND_VIDEO, err) < 0);
    TU_CHECK(yt_store_table_ensure(db, "a b", YT_KIND_VIDEO, err) < 0);
    sqlite3_close(db);
    cJSON_Delete(p1);
    cJSON_Delete(p2);
}

int main(void)
{
    TU_RUN(test_every_fixture_flattens);
    TU_RUN(test_channels);
    TU_RUN(test_videos);
    TU_RUN(test_search_and_threads);
    TU_RUN(test_store_pages);
    return tu_report();
}
