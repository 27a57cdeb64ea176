/* yt_api.c -- Data API method table, item flattening, errors, durations.
 * See yt_api.h. */
#include "yt_api.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "yt_http.h"

#define T "TEXT"
#define I "INTEGER"

/* ---- Column tables (cols[0] is the primary key) ---- */

static const struct yt_api_col channel_cols[] = {
    {"channel_id", T, YT_CONV_TEXT, "id"},
    {"title", T, YT_CONV_TEXT, "snippet.title"},
    {"description", T, YT_CONV_TEXT, "snippet.description"},
    {"custom_url", T, YT_CONV_TEXT, "snippet.customUrl"},
    {"published_at", T, YT_CONV_TEXT, "snippet.publishedAt"},
    {"country", T, YT_CONV_TEXT, "snippet.country"},
    {"default_language", T, YT_CONV_TEXT, "snippet.defaultLanguage"},
    {"uploads_playlist_id", T, YT_CONV_TEXT,
     "contentDetails.relatedPlaylists.uploads"},
    {"view_count", I, YT_CONV_INT, "statistics.viewCount"},
    {"subscriber_count", I, YT_CONV_INT, "statistics.subscriberCount"},
    {"hidden_subscriber_count", I, YT_CONV_BOOL,
     "statistics.hiddenSubscriberCount"},
    {"video_count", I, YT_CONV_INT, "statistics.videoCount"},
    {"privacy_status", T, YT_CONV_TEXT, "status.privacyStatus"},
    {"made_for_kids", I, YT_CONV_BOOL, "status.madeForKids"},
    {"keywords", T, YT_CONV_TEXT, "brandingSettings.channel.keywords"},
    {"topic_categories", T, YT_CONV_JSON, "topicDetails.topicCategories"},
};

static const struct yt_api_col playlist_cols[] = {
    {"playlist_id", T, YT_CONV_TEXT, "id"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
    {"channel_title", T, YT_CONV_TEXT, "snippet.channelTitle"},
    {"title", T, YT_CONV_TEXT, "snippet.title"},
    {"description", T, YT_CONV_TEXT, "snippet.description"},
    {"published_at", T, YT_CONV_TEXT, "snippet.publishedAt"},
    {"item_count", I, YT_CONV_INT, "contentDetails.itemCount"},
    {"privacy_status", T, YT_CONV_TEXT, "status.privacyStatus"},
    {"default_language", T, YT_CONV_TEXT, "snippet.defaultLanguage"},
};

static const struct yt_api_col playlist_item_cols[] = {
    {"playlist_item_id", T, YT_CONV_TEXT, "id"},
    {"playlist_id", T, YT_CONV_TEXT, "snippet.playlistId"},
    {"position", I, YT_CONV_INT, "snippet.position"},
    {"video_id", T, YT_CONV_TEXT,
     "contentDetails.videoId|snippet.resourceId.videoId"},
    {"video_published_at", T, YT_CONV_TEXT, "contentDetails.videoPublishedAt"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
    {"channel_title", T, YT_CONV_TEXT, "snippet.channelTitle"},
    {"video_owner_channel_id", T, YT_CONV_TEXT, "snippet.videoOwnerChannelId"},
    {"video_owner_channel_title", T, YT_CONV_TEXT,
     "snippet.videoOwnerChannelTitle"},
    {"title", T, YT_CONV_TEXT, "snippet.title"},
    {"description", T, YT_CONV_TEXT, "snippet.description"},
    {"published_at", T, YT_CONV_TEXT, "snippet.publishedAt"},
    {"privacy_status", T, YT_CONV_TEXT, "status.privacyStatus"},
};

static const struct yt_api_col video_cols[] = {
    {"video_id", T, YT_CONV_TEXT, "id"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
    {"channel_title", T, YT_CONV_TEXT, "snippet.channelTitle"},
    {"title", T, YT_CONV_TEXT, "snippet.title"},
    {"description", T, YT_CONV_TEXT, "snippet.description"},
    {"published_at", T, YT_CONV_TEXT, "snippet.publishedAt"},
    {"category_id", T, YT_CONV_TEXT, "snippet.categoryId"},
    {"tags", T, YT_CONV_JSON, "snippet.tags"},
    {"default_language", T, YT_CONV_TEXT, "snippet.defaultLanguage"},
    {"default_audio_language", T, YT_CONV_TEXT, "snippet.defaultAudioLanguage"},
    {"live_broadcast_content", T, YT_CONV_TEXT, "snippet.liveBroadcastContent"},
    {"duration", T, YT_CONV_TEXT, "contentDetails.duration"},
    {"duration_s", I, YT_CONV_DURATION_S, "contentDetails.duration"},
    {"definition", T, YT_CONV_TEXT, "contentDetails.definition"},
    {"caption", I, YT_CONV_BOOL, "contentDetails.caption"},
    {"licensed_content", I, YT_CONV_BOOL, "contentDetails.licensedContent"},
    {"view_count", I, YT_CONV_INT, "statistics.viewCount"},
    {"like_count", I, YT_CONV_INT, "statistics.likeCount"},
    {"favorite_count", I, YT_CONV_INT, "statistics.favoriteCount"},
    {"comment_count", I, YT_CONV_INT, "statistics.commentCount"},
    {"privacy_status", T, YT_CONV_TEXT, "status.privacyStatus"},
    {"upload_status", T, YT_CONV_TEXT, "status.uploadStatus"},
    {"license", T, YT_CONV_TEXT, "status.license"},
    {"embeddable", I, YT_CONV_BOOL, "status.embeddable"},
    {"made_for_kids", I, YT_CONV_BOOL, "status.madeForKids"},
    {"topic_categories", T, YT_CONV_JSON, "topicDetails.topicCategories"},
};

static const struct yt_api_col search_cols[] = {
    {"result_id", T, YT_CONV_TEXT, "id.videoId|id.channelId|id.playlistId"},
    {"result_kind", T, YT_CONV_TEXT, "id.kind"},
    {"video_id", T, YT_CONV_TEXT, "id.videoId"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
    {"playlist_id", T, YT_CONV_TEXT, "id.playlistId"},
    {"channel_title", T, YT_CONV_TEXT, "snippet.channelTitle"},
    {"title", T, YT_CONV_TEXT, "snippet.title"},
    {"description", T, YT_CONV_TEXT, "snippet.description"},
    {"published_at", T, YT_CONV_TEXT, "snippet.publishedAt"},
    {"live_broadcast_content", T, YT_CONV_TEXT, "snippet.liveBroadcastContent"},
};

static const struct yt_api_col comment_thread_cols[] = {
    {"thread_id", T, YT_CONV_TEXT, "id"},
    {"video_id", T, YT_CONV_TEXT,
     "snippet.videoId|snippet.topLevelComment.snippet.videoId"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
    {"top_comment_id", T, YT_CONV_TEXT, "snippet.topLevelComment.id"},
    {"author_display_name", T, YT_CONV_TEXT,
     "snippet.topLevelComment.snippet.authorDisplayName"},
    {"author_channel_id", T, YT_CONV_TEXT,
     "snippet.topLevelComment.snippet.authorChannelId.value"},
    {"text_display", T, YT_CONV_TEXT,
     "snippet.topLevelComment.snippet.textDisplay"},
    {"text_original", T, YT_CONV_TEXT,
     "snippet.topLevelComment.snippet.textOriginal"},
    {"like_count", I, YT_CONV_INT, "snippet.topLevelComment.snippet.likeCount"},
    {"published_at", T, YT_CONV_TEXT,
     "snippet.topLevelComment.snippet.publishedAt"},
    {"updated_at", T, YT_CONV_TEXT,
     "snippet.topLevelComment.snippet.updatedAt"},
    {"total_reply_count", I, YT_CONV_INT, "snippet.totalReplyCount"},
    {"can_reply", I, YT_CONV_BOOL, "snippet.canReply"},
    {"is_public", I, YT_CONV_BOOL, "snippet.isPublic"},
};

static const struct yt_api_col comment_cols[] = {
    {"comment_id", T, YT_CONV_TEXT, "id"},
    {"parent_id", T, YT_CONV_TEXT, "snippet.parentId"},
    {"video_id", T, YT_CONV_TEXT, "snippet.videoId"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
    {"author_display_name", T, YT_CONV_TEXT, "snippet.authorDisplayName"},
    {"author_channel_id", T, YT_CONV_TEXT, "snippet.authorChannelId.value"},
    {"text_display", T, YT_CONV_TEXT, "snippet.textDisplay"},
    {"text_original", T, YT_CONV_TEXT, "snippet.textOriginal"},
    {"like_count", I, YT_CONV_INT, "snippet.likeCount"},
    {"published_at", T, YT_CONV_TEXT, "snippet.publishedAt"},
    {"updated_at", T, YT_CONV_TEXT, "snippet.updatedAt"},
};

static const struct yt_api_col subscription_cols[] = {
    {"subscription_id", T, YT_CONV_TEXT, "id"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.resourceId.channelId"},
    {"title", T, YT_CONV_TEXT, "snippet.title"},
    {"description", T, YT_CONV_TEXT, "snippet.description"},
    {"published_at", T, YT_CONV_TEXT, "snippet.publishedAt"},
    {"subscriber_channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
    {"total_item_count", I, YT_CONV_INT, "contentDetails.totalItemCount"},
    {"new_item_count", I, YT_CONV_INT, "contentDetails.newItemCount"},
    {"activity_type", T, YT_CONV_TEXT, "contentDetails.activityType"},
};

static const struct yt_api_col activity_cols[] = {
    {"activity_id", T, YT_CONV_TEXT, "id"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
    {"channel_title", T, YT_CONV_TEXT, "snippet.channelTitle"},
    {"type", T, YT_CONV_TEXT, "snippet.type"},
    {"title", T, YT_CONV_TEXT, "snippet.title"},
    {"description", T, YT_CONV_TEXT, "snippet.description"},
    {"published_at", T, YT_CONV_TEXT, "snippet.publishedAt"},
    {"video_id", T, YT_CONV_TEXT,
     "contentDetails.upload.videoId|"
     "contentDetails.like.resourceId.videoId|"
     "contentDetails.favorite.resourceId.videoId|"
     "contentDetails.playlistItem.resourceId.videoId|"
     "contentDetails.recommendation.resourceId.videoId|"
     "contentDetails.bulletin.resourceId.videoId|"
     "contentDetails.social.resourceId.videoId"},
    {"group_id", T, YT_CONV_TEXT, "snippet.groupId"},
};

static const struct yt_api_col video_category_cols[] = {
    {"category_id", T, YT_CONV_TEXT, "id"},
    {"title", T, YT_CONV_TEXT, "snippet.title"},
    {"assignable", I, YT_CONV_BOOL, "snippet.assignable"},
    {"channel_id", T, YT_CONV_TEXT, "snippet.channelId"},
};

static const struct yt_api_col region_cols[] = {
    {"region_code", T, YT_CONV_TEXT, "id|snippet.gl"},
    {"name", T, YT_CONV_TEXT, "snippet.name"},
};

static const struct yt_api_col language_cols[] = {
    {"language_code", T, YT_CONV_TEXT, "id|snippet.hl"},
    {"name", T, YT_CONV_TEXT, "snippet.name"},
};

#undef T
#undef I

#define KIND(n, k, c)                                                          \
    {                                                                          \
        n, k, c, (int)(sizeof(c) / sizeof(c[0]))                               \
    }
static const struct yt_api_kind_info kinds[YT_KIND_COUNT] = {
    [YT_KIND_CHANNEL] = KIND("channels", "youtube#channel", channel_cols),
    [YT_KIND_PLAYLIST] = KIND("playlists", "youtube#playlist", playlist_cols),
    [YT_KIND_PLAYLIST_ITEM] =
        KIND("playlist_items", "youtube#playlistItem", playlist_item_cols),
    [YT_KIND_VIDEO] = KIND("videos", "youtube#video", video_cols),
    [YT_KIND_SEARCH] =
        KIND("search_results", "youtube#searchResult", search_cols),
    [YT_KIND_COMMENT_THREAD] =
        KIND("comment_threads", "youtube#commentThread", comment_thread_cols),
    [YT_KIND_COMMENT] = KIND("comments", "youtube#comment", comment_cols),
    [YT_KIND_SUBSCRIPTION] =
        KIND("subscriptions", "youtube#subscription", subscription_cols),
    [YT_KIND_ACTIVITY] = KIND("activities", "youtube#activity", activity_cols),
    [YT_KIND_VIDEO_CATEGORY] =
        KIND("video_categories", "youtube#videoCategory", video_category_cols),
    [YT_KIND_REGION] = KIND("i18n_regions", "youtube#i18nRegion", region_cols),
    [YT_KIND_LANGUAGE] =
        KIND("i18n_languages", "youtube#i18nLanguage", language_cols),
};
#undef KIND

const struct yt_api_kind_info *yt_api_kind_get(enum yt_api_kind k)
{
    if ((int)k < 0 || k >= YT_KIND_COUNT)
        return NULL;
    return &kinds[k];
}

int yt_api_col_index(enum yt_api_kind k, const char *name)
{
    const struct yt_api_kind_info *ki = yt_api_kind_get(k);
    int i;

    if (!ki || !name)
        return -1;
    for (i = 0; i < ki->ncols; i++)
        if (strcmp(ki->cols[i].name, name) == 0)
            return i;
    return -1;
}

/* ---- Methods ---- */

static const struct yt_api_method methods[] = {
    {"activities", "activities", 1, 50, "snippet,contentDetails",
     "id,snippet,contentDetails",
     "channelId,mine,publishedAfter,publishedBefore,regionCode",
     YT_KIND_ACTIVITY},
    {"channels", "channels", 1, 50, "snippet,statistics,contentDetails",
     "id,snippet,statistics,contentDetails,brandingSettings,status,"
     "topicDetails,localizations",
     "id,forHandle,forUsername,mine,managedByMe,mySubscribers,hl",
     YT_KIND_CHANNEL},
    {"comment_threads", "commentThreads", 1, 100, "snippet,replies",
     "id,snippet,replies",
     "videoId,allThreadsRelatedToChannelId,channelId,id,order,searchTerms,"
     "moderationStatus,textFormat",
     YT_KIND_COMMENT_THREAD},
    {"comments", "comments", 1, 100, "snippet", "id,snippet",
     "parentId,id,textFormat", YT_KIND_COMMENT},
    {"languages", "i18nLanguages", 1, 0, "snippet", "snippet", "hl",
     YT_KIND_LANGUAGE},
    {"playlist_items", "playlistItems", 1, 50, "snippet,contentDetails",
     "id,snippet,contentDetails,status", "playlistId,id,videoId",
     YT_KIND_PLAYLIST_ITEM},
    {"playlists", "playlists", 1, 50, "snippet,contentDetails,status",
     "id,snippet,contentDetails,status,player,localizations",
     "id,channelId,mine,hl", YT_KIND_PLAYLIST},
    {"regions", "i18nRegions", 1, 0, "snippet", "snippet", "hl",
     YT_KIND_REGION},
    {"search", "search", 100, 50, "snippet", "snippet",
     "q,channelId,type,order,publishedAfter,publishedBefore,regionCode,"
     "relevanceLanguage,location,locationRadius,eventType,videoDuration,"
     "videoCategoryId,forMine,channelType,safeSearch,videoDefinition,"
     "videoType,videoEmbeddable,videoLicense,videoCaption,videoDimension,"
     "videoSyndicated,topicId",
     YT_KIND_SEARCH},
    {"subscriptions", "subscriptions", 1, 50, "snippet,contentDetails",
     "id,snippet,contentDetails,subscriberSnippet",
     "mine,channelId,id,myRecentSubscribers,mySubscribers,forChannelId,order",
     YT_KIND_SUBSCRIPTION},
    {"video_categories", "videoCategories", 1, 0, "snippet", "snippet",
     "regionCode,id,hl", YT_KIND_VIDEO_CATEGORY},
    {"videos", "videos", 1, 50, "snippet,contentDetails,statistics",
     "id,snippet,contentDetails,statistics,status,topicDetails,player,"
     "recordingDetails,liveStreamingDetails,localizations",
     "id,chart,regionCode,videoCategoryId,myRating,hl", YT_KIND_VIDEO},
};

const struct yt_api_method *yt_api_methods(size_t *n)
{
    if (n)
        *n = sizeof(methods) / sizeof(methods[0]);
    return methods;
}

const struct yt_api_method *yt_api_method_find(const char *name)
{
    size_t i, n = sizeof(methods) / sizeof(methods[0]);

    if (!name)
        return NULL;
    for (i = 0; i < n; i++)
        if (strcmp(methods[i].name, name) == 0 ||
            strcmp(methods[i].path, name) == 0)
            return &methods[i];
    return NULL;
}

/* Non-zero when `word` appears as an element of comma list `list`. */
static int list_has(const char *list, const char *word)
{
    size_t wl = strlen(word);
    const char *p = list;

    if (!wl)
        return 0;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == wl && strncmp(p, word, l) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

int yt_api_method_allows(const struct yt_api_method *m, const char *param)
{
    return m && param && list_has(m->filters, param);
}

/* ---- Flattening ---- */

/* Follow a dotted path (no alternatives) from obj; NULL when absent. */
static const cJSON *path_get(const cJSON *obj, const char *path, size_t plen)
{
    const cJSON *cur = obj;
    const char *p = path, *end = path + plen;
    char key[96];

    while (p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t l = dot ? (size_t)(dot - p) : (size_t)(end - p);
        if (l == 0 || l >= sizeof(key) || !cJSON_IsObject(cur))
            return NULL;
        memcpy(key, p, l);
        key[l] = '\0';
        cur = cJSON_GetObjectItemCaseSensitive(cur, key);
        if (!cur)
            return NULL;
        p = dot ? dot + 1 : end;
    }
    return cur;
}

/* First alternative of `paths` present (and not JSON null). */
static const cJSON *path_first(const cJSON *obj, const char *paths)
{
    const char *p = paths;

    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        const cJSON *v = path_get(obj, p, l);
        if (v && !cJSON_IsNull(v))
            return v;
        p = bar ? bar + 1 : NULL;
    }
    return NULL;
}

/* Parse a whole decimal integer (optional sign); 0 on success. */
static int parse_ll(const char *s, long long *out)
{
    char *end;
    long long v;

    if (!s || !*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int set_text(struct yt_api_val *v, const char *s)
{
    v->s = strdup(s);
    if (!v->s)
        return -1;
    v->type = YT_V_TEXT;
    return 0;
}

static int convert(const struct yt_api_col *c, const cJSON *j,
                   struct yt_api_val *v)
{
    long long n;

    v->type = YT_V_NULL;
    if (!j || cJSON_IsNull(j))
        return 0;
    switch (c->conv) {
    case YT_CONV_TEXT:
        if (cJSON_IsString(j) && j->valuestring)
            return set_text(v, j->valuestring);
        if (cJSON_IsBool(j))
            return set_text(v, cJSON_IsTrue(j) ? "true" : "false");
        /* numbers, objects, arrays as JSON text */
        __attribute__((fallthrough));
    case YT_CONV_JSON: {
        char *s = cJSON_PrintUnformatted(j);
        if (!s)
            return -1;
        v->s = s;
        v->type = YT_V_TEXT;
        return 0;
    }
    case YT_CONV_INT:
        if (cJSON_IsNumber(j)) {
            double d = j->valuedouble;
            if (d >= -9.2e18 && d <= 9.2e18) {
                v->i = (long long)d;
                v->type = YT_V_INT;
            }
        } else if (cJSON_IsString(j) && parse_ll(j->valuestring, &n) == 0) {
            v->i = n;
            v->type = YT_V_INT;
        }
        return 0;
    case YT_CONV_BOOL:
        if (cJSON_IsBool(j)) {
            v->i = cJSON_IsTrue(j) ? 1 : 0;
            v->type = YT_V_INT;
        } else if (cJSON_IsString(j) && j->valuestring) {
            if (strcmp(j->valuestring, "true") == 0) {
                v->i = 1;
                v->type = YT_V_INT;
            } else if (strcmp(j->valuestring, "false") == 0) {
                v->i = 0;
                v->type = YT_V_INT;
            }
        }
        return 0;
    case YT_CONV_DURATION_S:
        if (cJSON_IsString(j)) {
            n = yt_api_duration_seconds(j->valuestring);
            if (n >= 0) {
                v->i = n;
                v->type = YT_V_INT;
            }
        }
        return 0;
    }
    return 0;
}

void yt_api_row_free(struct yt_api_row *row)
{
    int i;

    if (!row)
        return;
    for (i = 0; i < row->n && row->vals; i++)
        free(row->vals[i].s);
    free(row->vals);
    row->vals = NULL;
    row->n = 0;
}

int yt_api_flatten(enum yt_api_kind k, const cJSON *item,
                   struct yt_api_row *row, char err[YT_API_ERR_LEN])
{
    const struct yt_api_kind_info *ki = yt_api_kind_get(k);
    int i;

    row->n = 0;
    row->vals = NULL;
    if (!ki) {
        snprintf(err, YT_API_ERR_LEN, "unknown resource kind %d", (int)k);
        return -1;
    }
    if (!cJSON_IsObject(item)) {
        snprintf(err, YT_API_ERR_LEN, "%s item is not a JSON object", ki->name);
        return -1;
    }
    row->vals = calloc((size_t)ki->ncols, sizeof(*row->vals));
    if (!row->vals) {
        snprintf(err, YT_API_ERR_LEN, "out of memory");
        return -1;
    }
    row->n = ki->ncols;
    for (i = 0; i < ki->ncols; i++) {
        const struct yt_api_col *c = &ki->cols[i];
        if (convert(c, path_first(item, c->path), &row->vals[i]) < 0) {
            snprintf(err, YT_API_ERR_LEN, "out of memory");
            yt_api_row_free(row);
            return -1;
        }
    }
    /* The key must be a non-empty string. */
    if (row->vals[0].type != YT_V_TEXT || !row->vals[0].s[0] ||
        !cJSON_IsString(path_first(item, ki->cols[0].path))) {
        snprintf(err, YT_API_ERR_LEN, "%s item has no id (%s)", ki->name,
                 ki->cols[0].path);
        yt_api_row_free(row);
        return -1;
    }
    return 0;
}

/* ---- Durations ---- */

long long yt_api_duration_seconds(const char *iso)
{
    const char *p = iso;
    long long total = 0;
    int in_time = 0, any = 0;
    /* Order enforced: W D (date part), then after T: H M S. */
    int last = 0; /* rank of the last designator */

    if (!p || *p != 'P')
        return -1;
    p++;
    if (!*p)
        return -1;
    while (*p) {
        long long n = 0;
        int digits = 0, rank;
        long long mult;

        if (*p == 'T') {
            if (in_time)
                return -1;
            in_time = 1;
            p++;
            if (!*p)
                return -1;
            continue;
        }
        while (isdigit((unsigned char)*p)) {
            if (n > 100000000000LL)
                return -1;
            n = n * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (*p == '.' || *p == ',') { /* fraction: only allowed on seconds */
            p++;
            while (isdigit((unsigned char)*p))
                p++;
            if (*p != 'S' || !in_time)
                return -1;
        }
        if (!digits)
            return -1;
        switch (*p) {
        case 'W':
            if (in_time)
                return -1;
            rank = 1;
            mult = 7LL * 86400;
            break;
        case 'D':
            if (in_time)
                return -1;
            rank = 2;
            mult = 86400;
            break;
        case 'H':
            if (!in_time)
                return -1;
            rank = 3;
            mult = 3600;
            break;
        case 'M':
            if (!in_time)
                return -1; /* months: no fixed length */
            rank = 4;
            mult = 60;
            break;
        case 'S':
            if (!in_time)
                return -1;
            rank = 5;
            mult = 1;
            break;
        default:
            return -1; /* Y, unknown letters, end of string */
        }
        if (rank <= last)
            return -1;
        last = rank;
        total += n * mult;
        any = 1;
        p++;
    }
    return any ? total : -1;
}

/* ---- Time ---- */

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* Weekday of a day number: 0 = Sunday. */
static int weekday(long long days)
{
    return (int)(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

/* Day number of the n-th (1-based) Sunday of month m of year y. */
static long long nth_sunday(long long y, unsigned m, int n)
{
    long long first = days_from_civil(y, m, 1);
    int wd = weekday(first);
    long long sunday = first + (7 - wd) % 7;

    return sunday + 7LL * (n - 1);
}

void yt_api_pacific_day(time_t t, char out[11])
{
    struct tm tm_utc;
    long long y, start, end;
    time_t local;

    gmtime_r(&t, &tm_utc);
    y = (long long)tm_utc.tm_year + 1900;
    /* DST starts 2:00 PST (10:00 UTC) on the 2nd Sunday of March and ends
     * 2:00 PDT (09:00 UTC) on the 1st Sunday of November. */
    start = nth_sunday(y, 3, 2) * 86400 + 10 * 3600;
    end = nth_sunday(y, 11, 1) * 86400 + 9 * 3600;
    if ((long long)t >= start && (long long)t < end)
        local = t - 7 * 3600;
    else
        local = t - 8 * 3600;
    gmtime_r(&local, &tm_utc);
    strftime(out, 11, "%Y-%m-%d", &tm_utc);
}

void yt_api_iso_now(char out[32])
{
    struct timeval tv;
    struct tm tm_utc;
    time_t s;

    gettimeofday(&tv, NULL);
    s = tv.tv_sec;
    gmtime_r(&s, &tm_utc);
    {
        char base[24];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm_utc);
        snprintf(out, 32, "%.19s.%03dZ", base, (int)(tv.tv_usec / 1000) % 1000);
    }
}

/* ---- Errors ---- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t l;

    if (!src) {
        dst[0] = '\0';
        return;
    }
    l = strlen(src);
    if (l >= cap) {
        /* Cut on a UTF-8 boundary. */
        l = cap - 1;
        while (l > 0 && ((unsigned char)src[l] & 0xC0) == 0x80)
            l--;
    }
    memcpy(dst, src, l);
    dst[l] = '\0';
    /* One line: newlines and other controls become spaces. */
    for (size_t i = 0; i < l; i++)
        if ((unsigned char)dst[i] < 0x20)
            dst[i] = ' ';
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int yt_api_error_parse(const char *body, long http_status,
                       struct yt_api_error *e)
{
    cJSON *root = NULL;
    const cJSON *err, *errors, *details;
    const char *reason = NULL;
    int found = 0;

    memset(e, 0, sizeof(*e));
    e->code = http_status;
    if (body)
        root = cJSON_Parse(body);
    err = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (cJSON_IsObject(err)) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
        const cJSON *first = NULL;
        found = 1;
        /* Only a whole HTTP status replaces the transport's status. */
        if (cJSON_IsNumber(code) && code->valuedouble >= 100 &&
            code->valuedouble < 600 &&
            code->valuedouble == (double)(long)code->valuedouble)
            e->code = (long)code->valuedouble;
        errors = cJSON_GetObjectItemCaseSensitive(err, "errors");
        if (cJSON_IsArray(errors))
            first = cJSON_GetArrayItem(errors, 0);
        if (cJSON_IsObject(first))
            reason = str_of(first, "reason");
        details = cJSON_GetObjectItemCaseSensitive(err, "details");
        if ((!reason || !*reason) && cJSON_IsArray(details)) {
            const cJSON *d;
            cJSON_ArrayForEach(d, details)
            {
                const char *r = str_of(d, "reason");
                if (r && *r) {
                    reason = r;
                    break;
                }
            }
        }
        copy_str(e->status, sizeof(e->status), str_of(err, "status"));
        if (!reason || !*reason)
            reason = str_of(err, "status");
        copy_str(e->reason, sizeof(e->reason), reason);
        copy_str(e->message, sizeof(e->message), str_of(err, "message"));
        if (!e->message[0] && cJSON_IsObject(first))
            copy_str(e->message, sizeof(e->message), str_of(first, "message"));
    } else if (cJSON_IsString(err)) {
        /* OAuth-style flat error {"error": "...", "error_description"}. */
        found = 1;
        copy_str(e->reason, sizeof(e->reason), err->valuestring);
        copy_str(e->message, sizeof(e->message),
                 str_of(root, "error_description"));
    }
    if (!e->message[0] && http_status >= 400)
        snprintf(e->message, sizeof(e->message), "HTTP %ld", http_status);
    cJSON_Delete(root);
    return found;
}

static const char *const fatal_reasons[] = {"quotaExceeded",
                                            "dailyLimitExceeded",
                                            "dailyLimitExceededUnreg",
                                            "insufficientPermissions",
                                            "keyInvalid",
                                            "keyExpired",
                                            "accessNotConfigured",
                                            "ipRefererBlocked",
                                            "missingRequiredParameter",
                                            "invalidPageToken",
                                            "incompatibleParameters",
                                            "invalidFilters",
                                            "unexpectedParameter",
                                            "invalidParameter",
                                            "badRequest",
                                            "invalidChannelId",
                                            "invalidRegionCode",
                                            "invalidVideoId",
                                            "unsupportedLanguageCode",
                                            "invalidCriteria",
                                            "invalidValue",
                                            "required",
                                            "authError",
                                            NULL};

static const char *const retry_reasons[] = {
    "rateLimitExceeded", "userRateLimitExceeded", "backendError",
    "internalError",     "serviceUnavailable",    NULL};

static const char *const skip_reasons[] = {"forbidden",
                                           "commentsDisabled",
                                           "channelClosed",
                                           "channelSuspended",
                                           "subscriptionForbidden",
                                           "playlistItemsNotAccessible",
                                           "processingFailure",
                                           "videoNotFound",
                                           "channelNotFound",
                                           "playlistNotFound",
                                           "notFound",
                                           "commentNotFound",
                                           "commentThreadNotFound",
                                           "playlistForbidden",
                                           "accountClosed",
                                           "accountSuspended",
                                           "subscriberNotFound",
                                           "videoChartNotFound",
                                           NULL};

static int in_list(const char *const *list, const char *s)
{
    size_t i;

    if (!s || !*s)
        return 0;
    for (i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

int yt_api_reason_is_quota(const char *reason)
{
    return reason && (strcmp(reason, "quotaExceeded") == 0 ||
                      strcmp(reason, "dailyLimitExceeded") == 0 ||
                      strcmp(reason, "dailyLimitExceededUnreg") == 0);
}

enum yt_api_class yt_api_classify(int http_rc, long status, const char *reason)
{
    if (http_rc != YT_HTTP_OK) {
        if (http_rc == YT_HTTP_E_TIMEOUT || http_rc == YT_HTTP_E_TRANSFER ||
            http_rc == YT_HTTP_E_CONNECT)
            return YT_API_RETRY;
        return YT_API_FATAL;
    }
    if (status >= 200 && status < 300)
        return YT_API_OK;
    if (status == 401)
        return YT_API_AUTH;
    if (in_list(retry_reasons, reason))
        return YT_API_RETRY;
    if (in_list(fatal_reasons, reason))
        return YT_API_FATAL;
    if (in_list(skip_reasons, reason))
        return YT_API_SKIP;
    if (status >= 500 || status == 429 || status == 408)
        return YT_API_RETRY;
    if (status == 404)
        return YT_API_SKIP;
    return YT_API_FATAL;
}

const char *yt_api_class_name(enum yt_api_class c)
{
    switch (c) {
    case YT_API_OK:
        return "ok";
    case YT_API_RETRY:
        return "retryable";
    case YT_API_AUTH:
        return "auth";
    case YT_API_FATAL:
        return "fatal";
    case YT_API_SKIP:
        return "skippable";
    }
    return "?";
}

const char *yt_api_error_hint(const char *reason, long status)
{
    static const struct {
        const char *reason, *hint;
    } hints[] = {
        {"quotaExceeded", "The project's daily quota is spent; it resets at "
                          "midnight Pacific Time. Run %yt_fetch quota to see "
                          "today's use, then rerun with --resume."},
        {"dailyLimitExceeded", "The daily limit is reached; it resets at "
                               "midnight Pacific Time. Rerun with --resume "
                               "tomorrow."},
        {"rateLimitExceeded", "Too many requests per second; retried with "
                              "backoff. Try again in a minute with --resume."},
        {"userRateLimitExceeded", "Too many requests per second; retried with "
                                  "backoff. Try again in a minute with "
                                  "--resume."},
        {"insufficientPermissions",
         "The token lacks a scope this call needs: run %yt_auth login with "
         "the needed scope (comments need youtube.force-ssl), or use an API "
         "key for public data."},
        {"keyInvalid", "The API key is not valid: set a correct one with "
                       "%yt_auth key."},
        {"keyExpired", "The API key expired: create a new one and set it with "
                       "%yt_auth key."},
        {"accessNotConfigured", "Enable the YouTube Data API v3 for this "
                                "project in the Google Cloud console."},
        {"forbidden", "The resource is private or the account may not read "
                      "it."},
        {"commentsDisabled", "Comments are turned off for this video."},
        {"videoNotFound", "Check the video id; the video may be deleted or "
                          "private."},
        {"channelNotFound", "Check the channel id or handle."},
        {"playlistNotFound", "Check the playlist id; it may be private or "
                             "deleted."},
        {"commentNotFound", "Check the comment id."},
        {"missingRequiredParameter", "Give a filter, e.g. --id, --mine or "
                                     "--channel (see %yt_fetch?)."},
        {"invalidPageToken", "The saved page token is no longer valid: rerun "
                             "without --resume."},
        {"authError", "Run %yt_auth login to sign in again."},
        {NULL, NULL},
    };
    size_t i;

    if (reason)
        for (i = 0; hints[i].reason; i++)
            if (strcmp(hints[i].reason, reason) == 0)
                return hints[i].hint;
    if (status == 401)
        return "The access token was refused: run %yt_auth login.";
    if (status >= 500 || status == 429)
        return "The server kept failing after retries; rerun later with "
               "--resume to continue where it stopped.";
    if (status == 404)
        return "The resource was not found: check the id.";
    if (status == 400)
        return "The request was rejected: check the filters and --part "
               "(see %yt_fetch?).";
    return "See the API's reason above; rerun with --resume to continue.";
}

int yt_api_units_charged(int cost, long status, const char *reason)
{
    if (status <= 0 || status == 401 || status == 429 || status >= 500)
        return 0;
    if (reason && (yt_api_reason_is_quota(reason) ||
                   strcmp(reason, "rateLimitExceeded") == 0 ||
                   strcmp(reason, "userRateLimitExceeded") == 0 ||
                   strcmp(reason, "keyInvalid") == 0 ||
                   strcmp(reason, "keyExpired") == 0))
        return 0;
    return cost;
}

long yt_api_backoff_ms(int attempt, long base_ms, long cap_ms,
                       long retry_after_s, double jitter01)
{
    double d;
    long ms;

    if (attempt < 0)
        attempt = 0;
    if (attempt > 20)
        attempt = 20;
    if (base_ms < 0)
        base_ms = 0;
    if (jitter01 < 0 || jitter01 >= 1)
        jitter01 = 0.5;
    d = (double)base_ms * (double)(1L << attempt);
    /* Full jitter in [d/2, d). */
    d = d / 2 + d / 2 * jitter01;
    if (retry_after_s > 0 && (double)retry_after_s * 1000.0 > d)
        d = (double)retry_after_s * 1000.0;
    if (cap_ms > 0 && d > (double)cap_ms)
        d = (double)cap_ms;
    ms = (long)d;
    return ms < 0 ? 0 : ms;
}
