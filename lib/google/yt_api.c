/* yt_api.c -- Data API method table and error envelope: errors, retry
 * classification, hints, quota units, backoff.  See yt_api.h.  (The
 * resource schema and flattening are in lib/store/yt_schema.c, the time
 * helpers in lib/yt_time.c.) */
#include "yt_api.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_http.h"

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

/* Google writes markup into some messages ("The <code>regionCode</code>
 * parameter ...", links in <a href>): drop the tags and decode the few
 * entities, in place, so people read plain text.  A '<' not starting a
 * tag ("a < b") stays. */
static void plain_text(char *s)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&lt;", '<'},   {"&gt;", '>'},   {"&amp;", '&'},
                {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}};
    char *r = s, *w = s;

    while (*r) {
        size_t i, n = sizeof ents / sizeof ents[0];

        if (*r == '<' && (isalpha((unsigned char)r[1]) || r[1] == '/')) {
            char *end = strchr(r, '>'), *next = strchr(r + 1, '<');

            if (end && (!next || end < next)) {
                r = end + 1;
                continue;
            }
        }
        if (*r == '&') {
            for (i = 0; i < n; i++)
                if (strncmp(r, ents[i].ent, strlen(ents[i].ent)) == 0)
                    break;
            if (i < n) {
                *w++ = ents[i].c;
                r += strlen(ents[i].ent);
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
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
    plain_text(e->message);
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
    if (http_rc != YTK_OK) {
        if (http_rc == YTK_E_TIMEOUT || http_rc == YTK_E_TRANSFER ||
            http_rc == YTK_E_CONNECT)
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
