/* yt_schema.c -- the typed columns of each resource kind and the pure JSON
 * item -> row flattening, ISO-8601 durations.  See yt_schema.h. */
#include "yt_schema.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                   struct yt_api_row *row, char err[YTK_ERR_LEN])
{
    const struct yt_api_kind_info *ki = yt_api_kind_get(k);
    int i;

    row->n = 0;
    row->vals = NULL;
    if (!ki) {
        snprintf(err, YTK_ERR_LEN, "unknown resource kind %d", (int)k);
        return -1;
    }
    if (!cJSON_IsObject(item)) {
        snprintf(err, YTK_ERR_LEN, "%s item is not a JSON object", ki->name);
        return -1;
    }
    row->vals = calloc((size_t)ki->ncols, sizeof(*row->vals));
    if (!row->vals) {
        snprintf(err, YTK_ERR_LEN, "out of memory");
        return -1;
    }
    row->n = ki->ncols;
    for (i = 0; i < ki->ncols; i++) {
        const struct yt_api_col *c = &ki->cols[i];
        if (convert(c, path_first(item, c->path), &row->vals[i]) < 0) {
            snprintf(err, YTK_ERR_LEN, "out of memory");
            yt_api_row_free(row);
            return -1;
        }
    }
    /* The key must be a non-empty string. */
    if (row->vals[0].type != YT_V_TEXT || !row->vals[0].s[0] ||
        !cJSON_IsString(path_first(item, ki->cols[0].path))) {
        snprintf(err, YTK_ERR_LEN, "%s item has no id (%s)", ki->name,
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
