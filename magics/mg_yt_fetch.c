/* mg_yt_fetch.c -- %yt_fetch: YouTube Data API v3 -> the SQLite store.
 *
 * A fetch is a set of "queries" (one API list call, possibly paginated) run
 * in rounds: each round sends every unfinished query's next page at once
 * through yt_http_perform_many (bounded concurrency), then handles each
 * answer: store the page in its own transaction, retry with backoff, refresh
 * the token once on 401, skip a per-item error, or stop on a fatal one.  What
 * was stored stays; the main query's next page token is saved in
 * _ytk_fetch_state so --resume continues from there, and finished id batches
 * are remembered so a resumed id fetch does not pay for them twice.
 *
 * Recipes (`uploads`, `subscriptions --with-channels`) chain phases: the
 * cheapest calls only (uploads playlist + videos.list in batches of 50,
 * never search).
 *
 * Ownership: everything allocated for a fetch lives in `struct fetch` and its
 * queries and is released by fetch_free(); the libcurl handle is one per
 * process (keep-alive reuse across cells).
 */
#include "mg_registry.h"
#include "mg_table.h"

#include <ctype.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yt_api.h"
#include "yt_buf.h"
#include "yt_cred.h"
#include "yt_http.h"
#include "yt_store.h"

#define MAX_QUERIES 100000
#define MAX_PAGES_PER_QUERY 20000
#define PROGRESS_MIN_S 0.15
#define BATCH 50

/* ------------------------------------------------------------ options */

static const struct mg_opt fetch_opts[] = {
    {"part", 'p', 1, "API parts, comma separated (default per resource)"},
    {"limit", 'n', 1, "stop after N items of the main listing"},
    {"into", 'o', 1, "table to store into (default: the resource's table)"},
    {"ids", 0, 1, "ids: \"SELECT ...\", table.column or a comma list"},
    {"id", 0, 1, "one id or a comma list (same as --ids)"},
    {"mine", 0, 0, "the signed-in user's own channel/data"},
    {"channel", 'c', 1, "channel id"},
    {"handle", 0, 1, "channel handle (@name)"},
    {"username", 0, 1, "legacy channel username"},
    {"playlist", 0, 1, "playlist id (playlist_items)"},
    {"video", 0, 1, "video id (comment_threads)"},
    {"parent", 0, 1, "parent comment id (comments)"},
    {"chart", 0, 1, "videos chart: mostPopular"},
    {"region", 'r', 1, "region code, e.g. US"},
    {"category", 0, 1, "video category id"},
    {"my-rating", 0, 1, "videos you rated: like or dislike"},
    {"q", 'q', 1, "search terms (search costs 100 units a page)"},
    {"type", 0, 1, "search type: video, channel, playlist"},
    {"order", 0, 1, "result order (search, comment_threads, subscriptions)"},
    {"published-after", 0, 1, "RFC 3339 time, e.g. 2024-01-01T00:00:00Z"},
    {"published-before", 0, 1, "RFC 3339 time"},
    {"hl", 0, 1, "language of localized text"},
    {"search-terms", 0, 1, "comment_threads: only threads matching"},
    {"filter", 'f', 1, "extra API filter key=value[&key=value]"},
    {"with-channels", 0, 0,
     "subscriptions: also fetch the channels' "
     "statistics"},
    {"comments-into", 0, 1,
     "comment_threads: table for comments "
     "(default comments)"},
    {"dry-run", 0, 0, "show the planned calls and their cost, spend nothing"},
    {"resume", 0, 0, "continue a stopped fetch from its saved page token"},
    {"token-file", 0, 1, "token file (default $YTK_HOME/token.json)"},
    {"show", 0, 1, "rows to preview (default 10, 0 = none)"},
    {"raw", 0, 0, "export: CSV text as stored, no formula guard"},
    {NULL, 0, 0, NULL},
};

static const char *const fetch_subcommands[] = {
    "channels",       "playlists",
    "playlist_items", "videos",
    "search",         "comment_threads",
    "comments",       "subscriptions",
    "activities",     "video_categories",
    "regions",        "languages",
    "uploads",        "quota",
    "export",         "log",
    "status",         NULL};

static const char fetch_help[] =
    "%yt_fetch RESOURCE [filters] [--part P] [--limit N] [--into TABLE]\n"
    "          [--ids \"SQL or list\"] [--dry-run] [--resume] [--token-file "
    "F]\n"
    "\n"
    "Fetch YouTube Data API v3 lists into the local SQLite store: typed\n"
    "columns, the full item as JSON in `raw`, `fetched_at`; refetching\n"
    "refreshes rows (upsert by id).  Pagination, maxResults at the maximum,\n"
    "ids in batches of 50, retries with backoff, one token refresh on 401.\n"
    "\n"
    "Resources (table) and filters:\n"
    "  channels (channels)          --mine | --id/--ids | --handle @h | "
    "--username u\n"
    "  playlists (playlists)        --mine | --channel ID | --id/--ids\n"
    "  playlist_items               --playlist ID | --ids PLAYLIST_IDS\n"
    "  videos (videos)              --id/--ids | --chart mostPopular "
    "[--region US]\n"
    "                               [--category N] | --my-rating like\n"
    "                               | --mine / --channel ID (= uploads)\n"
    "  search (search_results)      --q TERMS [--channel ID] [--type video]\n"
    "                               [--order date] [--published-after T]\n"
    "                               100 units a page, ~500 results at most\n"
    "  comment_threads              --video ID | --channel ID | --ids "
    "VIDEO_IDS\n"
    "                               (with --ids, --limit applies per "
    "video)\n"
    "                               tip: --ids \"SELECT video_id FROM videos "
    "WHERE\n"
    "                               comment_count > 0\" pays only for videos "
    "with comments\n"
    "                               replies beyond the embedded 5 are "
    "completed\n"
    "                               with comments.list into `comments`\n"
    "  comments                     --parent ID | --id/--ids\n"
    "  subscriptions                --mine | --channel ID [--with-channels]\n"
    "  activities                   --mine | --channel ID\n"
    "  video_categories             --region US (default) | --id\n"
    "  regions (i18n_regions), languages (i18n_languages)  [--hl]\n"
    "Recipes (cheapest calls):\n"
    "  uploads [--channel ID | --mine | --handle @h]  a channel's videos with\n"
    "      statistics: uploads playlist + videos.list batches (never "
    "search)\n"
    "  subscriptions --mine --with-channels   + channels' statistics\n"
    "Other:\n"
    "  %yt_fetch quota              today's quota units (Pacific day)\n"
    "  %yt_fetch log [N]            the last N logged requests\n"
    "  %yt_fetch status             stopped fetches that --resume can "
    "continue\n"
    "  %yt_fetch export TABLE FILE.csv|.json|.ndjson [--raw]\n"
    "      CSV text cells starting with = + - @ TAB CR get a leading ' so\n"
    "      spreadsheets do not run them; --raw writes them as stored\n"
    "\n"
    "Environment: YTK_FETCH_BACKOFF_MS (retry base, default 1000),\n"
    "YTK_FETCH_BACKOFF_CAP_MS (default 32000), YTK_FETCH_RETRIES (default "
    "5),\n"
    "YTK_FETCH_PARALLEL (default 4), YTK_DAILY_QUOTA (default 10000).\n";

/* ------------------------------------------------------------ types */

struct query {
    const struct yt_api_method *m;
    char *params;        /* encoded, without maxResults/pageToken/key */
    char *page_token;    /* next page to fetch, NULL = first */
    char *table;         /* where items go */
    char *fill_video_id; /* video_id for comments lacking one */
    char *label;         /* what it is for messages ("video abc") */
    char **batch_ids;    /* ids of an id batch (for the done set) */
    int nbatch;
    char *listing_id; /* per-id listing: id marked done when it ends */
    long limit;       /* max items, -1 none */
    long got;
    int pages;
    int paginate; /* follow nextPageToken */
    int done, skipped;
    int attempt;
    long retry_after;
    int is_main; /* its page token is the resume point */
};

struct tcount {
    char *table;
    long rows;
};

struct fetch {
    struct mg_ctx *c;
    struct kn_exec *x;
    sqlite3 *db;
    struct yt_http *http;
    struct yt_cred cred;
    int have_cred;
    int refreshed;
    char *api_base;
    char fetch_id[37];
    char started_at[32]; /* of this run, or of the resumed one */
    char *key;           /* resume key */
    char *desc;          /* human description of the fetch */
    char *phase;         /* current phase name */
    double t0;
    /* progress */
    char disp_id[37];
    int disp_shown;
    double last_update;
    const char *label;
    long pages, items, units, requests, retries;
    long est_pages;
    struct tcount counts[8];
    int ncounts;
    /* skipped per-item errors */
    struct yt_buf skipped;
    int nskipped;
    /* comment thread completions waiting to run */
    struct query *pend;
    int npend, cappend;
    char *comments_table;
    /* settings */
    long backoff_base, backoff_cap;
    int max_retries, parallel;
    /* outcome */
    int fatal; /* kn_exec_fail was called */
    int interrupted;
    int single_target;  /* a skip of the only query is an error */
    long missing_ids;   /* ids a batch call did not return */
    long resumed_pages; /* pages stored by the run this one resumes */
    long resumed_items;
    long total_results; /* largest pageInfo.totalResults of the main query */
    int search_capped;  /* search ended with more results announced */
};

/* ------------------------------------------------------------ helpers */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long env_long(const char *name, long def, long lo, long hi)
{
    const char *v = getenv(name);
    char *end;
    long n;

    if (!v || !*v)
        return def;
    n = strtol(v, &end, 10);
    if (*end || n < lo || n > hi)
        return def;
    return n;
}

static struct yt_http *shared_http(void)
{
    static struct yt_http *h;
    if (!h)
        h = yt_http_new();
    return h;
}

static int abort_check(void *arg)
{
    return kn_exec_interrupted((struct kn_exec *)arg);
}

/* Append k=v (v percent-encoded) to an encoded query string buffer. */
static int qp_add(struct yt_buf *b, const char *k, const char *v)
{
    char *e = yt_http_escape(v);
    int rc;

    if (!e)
        return -1;
    rc = yt_buf_addf(b, "%s%s=%s", b->len ? "&" : "", k, e);
    free(e);
    return rc;
}

static cJSON *bundle(const char *text, const char *html)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "text/plain", text);
    if (html)
        cJSON_AddStringToObject(d, "text/html", html);
    return d;
}

/* A small status/warning line as display_data (text + escaped HTML). */
static void note(struct kn_exec *x, const char *text)
{
    struct yt_buf h;

    yt_buf_init(&h, 1u << 20);
    yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\">"
                    "<span style=\"color:#8a6d3b\">");
    mg_html_escape(&h, text, -1);
    yt_buf_adds(&h, "</span></div>");
    kn_exec_display(x, bundle(text, yt_buf_str(&h)), NULL, NULL);
    yt_buf_free(&h);
}

static void query_free(struct query *q)
{
    int i;

    free(q->params);
    free(q->page_token);
    free(q->table);
    free(q->fill_video_id);
    free(q->label);
    free(q->listing_id);
    for (i = 0; i < q->nbatch; i++)
        free(q->batch_ids[i]);
    free(q->batch_ids);
    memset(q, 0, sizeof(*q));
}

static void count_rows(struct fetch *f, const char *table, long n)
{
    int i;

    for (i = 0; i < f->ncounts; i++)
        if (strcmp(f->counts[i].table, table) == 0) {
            f->counts[i].rows += n;
            return;
        }
    if (f->ncounts < (int)(sizeof(f->counts) / sizeof(f->counts[0]))) {
        f->counts[f->ncounts].table = strdup(table);
        f->counts[f->ncounts].rows = n;
        if (f->counts[f->ncounts].table)
            f->ncounts++;
    }
}

static void fetch_free(struct fetch *f)
{
    int i;

    if (f->http)
        yt_http_set_abort(f->http, NULL, NULL);
    yt_cred_free(&f->cred);
    free(f->api_base);
    free(f->key);
    free(f->desc);
    free(f->phase);
    yt_buf_free(&f->skipped);
    for (i = 0; i < f->npend; i++)
        query_free(&f->pend[i]);
    free(f->pend);
    free(f->comments_table);
    for (i = 0; i < f->ncounts; i++)
        free(f->counts[i].table);
}

/* ------------------------------------------------------------ progress */

static void fmt_elapsed(char *out, size_t n, double s)
{
    if (s < 60)
        snprintf(out, n, "%.1f s", s);
    else
        snprintf(out, n, "%dm %02ds", (int)(s / 60), (int)s % 60);
}

static void progress_publish(struct fetch *f, int final, const char *final_text)
{
    struct yt_buf t, h;
    char el[32];
    cJSON *data;

    yt_buf_init(&t, 1u << 16);
    yt_buf_init(&h, 1u << 16);
    fmt_elapsed(el, sizeof(el), now_s() - f->t0);
    if (final) {
        yt_buf_adds(&t, final_text);
        yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\">"
                        "<span>");
        mg_html_escape(&h, final_text, -1);
        yt_buf_adds(&h, "</span></div>");
    } else {
        char line[256];
        if (f->est_pages > 0) {
            long done = f->pages < f->est_pages ? f->pages : f->est_pages;
            int fill = (int)(10 * done / f->est_pages), i;
            yt_buf_addf(&t, "%s: [", f->label);
            for (i = 0; i < 10; i++)
                yt_buf_adds(&t, i < fill ? "#" : " ");
            yt_buf_addf(&t, "] %ld/~%ld pages", f->pages, f->est_pages);
        } else {
            yt_buf_addf(&t, "%s: %ld pages", f->label, f->pages);
        }
        snprintf(line, sizeof(line), " · %ld item%s · %ld quota unit%s · %s%s",
                 f->items, f->items == 1 ? "" : "s", f->units,
                 f->units == 1 ? "" : "s", el, f->retries ? " · retrying" : "");
        yt_buf_adds(&t, line);
        yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\">");
        if (f->est_pages > 0)
            yt_buf_addf(&h, "<progress max=\"%ld\" value=\"%ld\"></progress> ",
                        f->est_pages,
                        f->pages < f->est_pages ? f->pages : f->est_pages);
        else
            yt_buf_adds(&h, "<progress></progress> ");
        yt_buf_adds(&h, "<span>");
        mg_html_escape(&h, yt_buf_str(&t), -1);
        yt_buf_adds(&h, "</span></div>");
    }
    data = bundle(yt_buf_str(&t), yt_buf_str(&h));
    if (!f->disp_shown) {
        kn_exec_new_id(f->disp_id);
        kn_exec_display(f->x, data, NULL, f->disp_id);
        f->disp_shown = 1;
    } else {
        kn_exec_update_display(f->x, data, NULL, f->disp_id);
    }
    f->last_update = now_s();
    yt_buf_free(&t);
    yt_buf_free(&h);
}

static void progress(struct fetch *f, int force)
{
    if (!force && f->disp_shown && now_s() - f->last_update < PROGRESS_MIN_S)
        return;
    progress_publish(f, 0, NULL);
}

/* Sleep ms milliseconds, waking early on interrupt.  Returns -1 then. */
static int nap(struct fetch *f, long ms)
{
    double end = now_s() + (double)ms / 1000.0;

    while (now_s() < end) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        if (kn_exec_interrupted(f->x))
            return -1;
        nanosleep(&ts, NULL);
        progress(f, 0);
    }
    return kn_exec_interrupted(f->x) ? -1 : 0;
}

/* ------------------------------------------------------------ failure */

static void fail_api(struct fetch *f, const struct query *q,
                     const struct yt_api_error *e, int http_rc,
                     const char *http_err)
{
    const char *ename = "YouTubeAPIError";
    char line[700];

    if (f->fatal)
        return;
    f->fatal = 1;
    if (http_rc != 0) {
        kn_exec_fail(f->x, ename, "%s.list failed: %s", q->m->path,
                     http_err && *http_err ? http_err : "transfer failed");
    } else {
        if (yt_api_reason_is_quota(e->reason))
            ename = "QuotaExceeded";
        else if (e->code == 401 ||
                 strcmp(e->reason, "insufficientPermissions") == 0)
            ename = "AuthError";
        kn_exec_fail(f->x, ename, "%s.list: %ld %s: %s", q->m->path, e->code,
                     e->reason[0] ? e->reason : "(no reason)", e->message);
        snprintf(line, sizeof(line),
                 "API error: code=%ld reason=%s%s%s message=%s", e->code,
                 e->reason[0] ? e->reason : "-", e->status[0] ? " status=" : "",
                 e->status, e->message);
        kn_exec_fail_line(f->x, line);
    }
    if (q->label) {
        snprintf(line, sizeof(line), "While fetching: %s", q->label);
        kn_exec_fail_line(f->x, line);
    }
    snprintf(
        line, sizeof(line), "Hint: %s",
        yt_api_error_hint(http_rc ? NULL : e->reason, http_rc ? 503 : e->code));
    kn_exec_fail_line(f->x, line);
}

/* ------------------------------------------------------------ storing */

static int add_pending(struct fetch *f, const char *thread_id,
                       const char *video_id)
{
    struct query *q;
    struct yt_buf p;
    const struct yt_api_method *cm = yt_api_method_find("comments");

    if (f->npend == f->cappend) {
        int nc = f->cappend ? f->cappend * 2 : 16;
        struct query *np = realloc(f->pend, (size_t)nc * sizeof(*np));
        if (!np)
            return -1;
        f->pend = np;
        f->cappend = nc;
    }
    q = &f->pend[f->npend];
    memset(q, 0, sizeof(*q));
    yt_buf_init(&p, 1u << 16);
    qp_add(&p, "part", "snippet");
    qp_add(&p, "parentId", thread_id);
    q->m = cm;
    q->params = yt_buf_take(&p);
    q->table = strdup(f->comments_table);
    q->fill_video_id = video_id ? strdup(video_id) : NULL;
    if (asprintf(&q->label, "replies of thread %s", thread_id) < 0)
        q->label = NULL;
    q->limit = -1;
    q->paginate = 1;
    f->npend++;
    return 0;
}

/* Store a commentThreads page's comments (top level + embedded replies)
 * and queue completions for threads with more replies than embedded. */
static int store_threads_extra(struct fetch *f, const cJSON *items,
                               const char *fetched_at, char *err)
{
    const cJSON *t;

    cJSON_ArrayForEach(t, items)
    {
        const cJSON *sn = cJSON_GetObjectItemCaseSensitive(t, "snippet");
        const cJSON *top =
            cJSON_GetObjectItemCaseSensitive(sn, "topLevelComment");
        const cJSON *vid = cJSON_GetObjectItemCaseSensitive(sn, "videoId");
        const cJSON *total =
            cJSON_GetObjectItemCaseSensitive(sn, "totalReplyCount");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(t, "id");
        const cJSON *reps = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(t, "replies"), "comments");
        const char *video = cJSON_IsString(vid) ? vid->valuestring : NULL;
        const char *fill[3] = {"video_id", video, NULL};
        cJSON *arr = cJSON_CreateArray();
        const cJSON *r;
        int stored = 0, bad = 0, embedded = 0;

        if (!arr)
            return -1;
        if (cJSON_IsObject(top))
            cJSON_AddItemReferenceToArray(arr, (cJSON *)top);
        cJSON_ArrayForEach(r, reps)
        {
            cJSON_AddItemReferenceToArray(arr, (cJSON *)r);
            embedded++;
        }
        if (cJSON_GetArraySize(arr) > 0 &&
            yt_store_upsert_items(f->db, f->comments_table, YT_KIND_COMMENT,
                                  arr, fetched_at, video ? fill : NULL, &stored,
                                  &bad, err) < 0) {
            cJSON_Delete(arr);
            return -1;
        }
        cJSON_Delete(arr);
        count_rows(f, f->comments_table, stored);
        if (cJSON_IsNumber(total) && total->valuedouble > embedded &&
            cJSON_IsString(id))
            if (add_pending(f, id->valuestring, video) < 0)
                return -1;
    }
    return 0;
}

static int mark_done_ids(struct fetch *f, const struct query *q, char *err);

/* Remember which channel is the signed-in user's (for dry-run estimates). */
static int remember_my_channel(struct fetch *f, const cJSON *item, char *err)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
    sqlite3_stmt *st = NULL;
    int rc;

    if (!cJSON_IsString(id))
        return 0;
    if (sqlite3_prepare_v2(f->db,
                           "INSERT OR REPLACE INTO _ytk_meta (key, value) "
                           "VALUES ('my_channel_id', ?1)",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, YT_STORE_ERR_LEN, "cannot remember the channel: %s",
                 sqlite3_errmsg(f->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, id->valuestring, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, YT_STORE_ERR_LEN, "cannot remember the channel: %s",
                 sqlite3_errmsg(f->db));
        return -1;
    }
    return 0;
}
static int mark_one_done(struct fetch *f, const char *id, char *err);

/* Store one successful page of q.  Returns 0, or -1 with err. */
static int store_page(struct fetch *f, struct query *q, cJSON *root, char *err)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(root, "items");
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "nextPageToken");
    const char *fill[3] = {"video_id", q->fill_video_id, NULL};
    char fetched_at[32];
    int stored = 0, bad = 0, n, more;
    cJSON *cut = NULL;

    yt_api_iso_now(fetched_at);
    n = cJSON_GetArraySize(items);
    if (q->is_main) {
        const cJSON *tr = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(root, "pageInfo"), "totalResults");
        /* Google caps totalResults at 1,000,000; clamp before converting
         * so a hostile value cannot overflow the long. */
        if (cJSON_IsNumber(tr) && tr->valuedouble > f->total_results)
            f->total_results = tr->valuedouble > 1e9 ? 1000000000L
                                                     : (long)tr->valuedouble;
    }
    /* --limit: keep only what is still wanted. */
    if (q->limit >= 0 && q->got + n > q->limit && cJSON_IsArray(items)) {
        long keep = q->limit - q->got, i;
        cut = cJSON_CreateArray();
        for (i = 0; i < keep && i < n; i++)
            cJSON_AddItemReferenceToArray(cut,
                                          cJSON_GetArrayItem(items, (int)i));
        items = cut;
    }
    if (yt_store_begin(f->db, err) < 0)
        goto fail;
    if (yt_store_upsert_items(f->db, q->table, q->m->kind, items, fetched_at,
                              q->fill_video_id ? fill : NULL, &stored, &bad,
                              err) < 0)
        goto fail_tx;
    if (q->m->kind == YT_KIND_COMMENT_THREAD &&
        store_threads_extra(f, items, fetched_at, err) < 0)
        goto fail_tx;
    more = q->paginate && cJSON_IsString(next) && next->valuestring[0] &&
           (q->limit < 0 || q->got + stored + bad < q->limit) &&
           q->pages + 1 < MAX_PAGES_PER_QUERY &&
           !(q->page_token && strcmp(q->page_token, next->valuestring) == 0);
    if (q->nbatch && mark_done_ids(f, q, err) < 0)
        goto fail_tx;
    if (q->m->kind == YT_KIND_CHANNEL && stored == 1 &&
        strstr(q->params, "mine=true") &&
        remember_my_channel(f, cJSON_GetArrayItem(items, 0), err) < 0)
        goto fail_tx;
    if (!more && q->listing_id && mark_one_done(f, q->listing_id, err) < 0)
        goto fail_tx;
    if (yt_store_commit(f->db, err) < 0)
        goto fail;
    cJSON_Delete(cut);
    count_rows(f, q->table, stored);
    q->got += stored + bad;
    q->pages++;
    f->pages++;
    if (q->is_main || q->m->kind != YT_KIND_COMMENT)
        f->items += stored;
    if (q->nbatch && stored < q->nbatch)
        f->missing_ids += q->nbatch - stored;
    free(q->page_token);
    q->page_token = NULL;
    if (more) {
        q->page_token = strdup(next->valuestring);
        if (!q->page_token) {
            snprintf(err, YT_STORE_ERR_LEN, "out of memory");
            return -1;
        }
    } else {
        q->done = 1;
        if (q->is_main && q->m->kind == YT_KIND_SEARCH &&
            !cJSON_IsString(next) && q->limit < 0 && f->total_results > q->got)
            f->search_capped = 1;
    }
    return 0;
fail_tx:
    yt_store_rollback(f->db);
fail:
    cJSON_Delete(cut);
    return -1;
}

/* ------------------------------------------------------------ resume */

static int mark_done_ids(struct fetch *f, const struct query *q, char *err)
{
    sqlite3_stmt *st = NULL;
    int i;

    if (!f->key)
        return 0;
    if (sqlite3_prepare_v2(f->db,
                           "INSERT OR IGNORE INTO _ytk_fetch_done "
                           "(fetch_key, item_id) VALUES (?1, ?2)",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, YT_STORE_ERR_LEN, "cannot record progress: %s",
                 sqlite3_errmsg(f->db));
        return -1;
    }
    for (i = 0; i < q->nbatch; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, f->key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, q->batch_ids[i], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            snprintf(err, YT_STORE_ERR_LEN, "cannot record progress: %s",
                     sqlite3_errmsg(f->db));
            sqlite3_finalize(st);
            return -1;
        }
    }
    sqlite3_finalize(st);
    return 0;
}

static int mark_one_done(struct fetch *f, const char *id, char *err)
{
    struct query tmp;
    char *ids[1];

    memset(&tmp, 0, sizeof(tmp));
    ids[0] = (char *)id;
    tmp.batch_ids = ids;
    tmp.nbatch = 1;
    return mark_done_ids(f, &tmp, err);
}

static int done_init(sqlite3 *db, char *err)
{
    char *msg = NULL;

    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS _ytk_fetch_done ("
                     " fetch_key TEXT NOT NULL, item_id TEXT NOT NULL,"
                     " PRIMARY KEY (fetch_key, item_id));"
                     "CREATE TABLE IF NOT EXISTS _ytk_meta ("
                     " key TEXT PRIMARY KEY, value TEXT)",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, YT_STORE_ERR_LEN, "cannot create _ytk_fetch_done: %s",
                 msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int done_has(struct fetch *f, const char *id)
{
    sqlite3_stmt *st = NULL;
    int found = 0;

    if (!f->key)
        return 0;
    if (sqlite3_prepare_v2(f->db,
                           "SELECT 1 FROM _ytk_fetch_done WHERE fetch_key = ?1"
                           " AND item_id = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, f->key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

static void done_clear(struct fetch *f)
{
    sqlite3_stmt *st = NULL;

    if (!f->key)
        return;
    if (sqlite3_prepare_v2(f->db,
                           "DELETE FROM _ytk_fetch_done WHERE fetch_key = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, f->key, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
}

/* Save where the fetch is (phase + main query's next page token). */
static void save_state(struct fetch *f, const struct query *mainq)
{
    struct yt_store_state st;
    char err[YT_STORE_ERR_LEN];

    if (!f->key)
        return;
    memset(&st, 0, sizeof(st));
    st.fetch_key = f->key;
    st.page_token = mainq ? mainq->page_token : NULL;
    st.started_at = f->started_at;
    st.phase = f->phase;
    st.pages = f->resumed_pages + f->pages;
    st.items = f->resumed_items + f->items;
    yt_store_state_put(f->db, &st, f->desc, err);
}

static void clear_state(struct fetch *f)
{
    char err[YT_STORE_ERR_LEN];

    if (!f->key)
        return;
    yt_store_state_delete(f->db, f->key, err);
    done_clear(f);
}

/* ------------------------------------------------------------ the engine */

static void log_request(struct fetch *f, const struct query *q,
                        const char *params, long status, int items,
                        const char *reason, const char *outcome, double t)
{
    struct yt_store_log_entry e;
    char now[32], day[11];
    char err[YT_STORE_ERR_LEN];

    yt_api_iso_now(now);
    yt_api_pacific_day(time(NULL), day);
    memset(&e, 0, sizeof(e));
    e.time = now;
    e.pacific_day = day;
    e.method = q->m->path;
    e.params = params;
    e.status = status;
    e.units = yt_api_units_charged(q->m->cost, status, reason);
    e.items = items;
    e.reason = reason;
    e.outcome = outcome;
    e.ms = (long)((now_s() - t) * 1000);
    e.fetch_id = f->fetch_id;
    f->units += e.units;
    f->requests++;
    yt_store_log(f->db, &e, err);
}

/* Run queries until all are done, a fatal error, or an interrupt.
 * Returns 0 when everything finished (skips allowed), -1 otherwise. */
static int run_queries(struct fetch *f, struct query *qs, int n,
                       struct query *mainq)
{
    struct yt_http_req *reqs = NULL;
    struct yt_http_resp *resps = NULL;
    int *rcs = NULL, *idx = NULL;
    char(*errs)[YT_ERR_LEN] = NULL;
    char **urls = NULL, **logp = NULL;
    int ret = -1, i;

    if (n <= 0)
        return 0;
    reqs = calloc((size_t)n, sizeof(*reqs));
    resps = calloc((size_t)n, sizeof(*resps));
    rcs = calloc((size_t)n, sizeof(*rcs));
    idx = calloc((size_t)n, sizeof(*idx));
    errs = calloc((size_t)n, sizeof(*errs));
    urls = calloc((size_t)n, sizeof(*urls));
    logp = calloc((size_t)n, sizeof(*logp));
    if (!reqs || !resps || !rcs || !idx || !errs || !urls || !logp) {
        kn_exec_fail(f->x, "MemoryError", "out of memory");
        f->fatal = 1;
        goto out;
    }
    for (;;) {
        int active = 0, need_refresh = 0, k;
        long sleep_ms = 0;
        double t;

        for (i = 0; i < n; i++)
            if (!qs[i].done)
                idx[active++] = i;
        if (!active) {
            ret = 0;
            break;
        }
        if (kn_exec_interrupted(f->x)) {
            f->interrupted = 1;
            break;
        }
        for (k = 0; k < active; k++) {
            struct query *q = &qs[idx[k]];
            struct yt_buf lp, u;
            long mr = q->m->max_results;

            yt_buf_init(&lp, 1u << 20);
            yt_buf_init(&u, 1u << 20);
            yt_buf_adds(&lp, q->params);
            if (mr > 0 && !q->nbatch) {
                if (q->limit >= 0 && q->limit - q->got < mr &&
                    q->limit - q->got > 0)
                    mr = q->limit - q->got;
                yt_buf_addf(&lp, "&maxResults=%ld", mr);
            }
            if (q->page_token)
                qp_add(&lp, "pageToken", q->page_token);
            yt_buf_addf(&u, "%s/%s?%s", f->api_base, q->m->path,
                        yt_buf_str(&lp));
            if (!f->cred.access_token && f->cred.api_key)
                qp_add(&u, "key", f->cred.api_key);
            logp[k] = yt_buf_take(&lp);
            urls[k] = yt_buf_take(&u);
            memset(&reqs[k], 0, sizeof(reqs[k]));
            reqs[k].method = "GET";
            reqs[k].url = urls[k];
            reqs[k].bearer = f->cred.access_token;
            reqs[k].timeout_ms =
                env_long("YTK_FETCH_TIMEOUT_MS", 60000, 100, 600000);
            memset(&resps[k], 0, sizeof(resps[k]));
            rcs[k] = 0;
            errs[k][0] = '\0';
        }
        progress(f, 0);
        t = now_s();
        yt_http_perform_many(f->http, reqs, resps, rcs, (size_t)active,
                             f->parallel, errs);
        for (k = 0; k < active; k++) {
            struct query *q = &qs[idx[k]];
            struct yt_api_error e;
            enum yt_api_class cls;
            cJSON *root = NULL;
            char serr[YT_STORE_ERR_LEN];
            int nitems = 0;

            memset(&e, 0, sizeof(e));
            if (rcs[k] == YT_HTTP_E_ABORTED ||
                (rcs[k] != YT_HTTP_OK && kn_exec_interrupted(f->x))) {
                f->interrupted = 1;
                log_request(f, q, logp[k], resps[k].status, 0, "interrupted",
                            "aborted", t);
                continue;
            }
            if (rcs[k] != YT_HTTP_OK) {
                cls = yt_api_classify(rcs[k], 0, NULL);
                snprintf(e.reason, sizeof(e.reason), "%s",
                         rcs[k] == YT_HTTP_E_TIMEOUT    ? "timeout"
                         : rcs[k] == YT_HTTP_E_TRANSFER ? "transferError"
                         : rcs[k] == YT_HTTP_E_CONNECT  ? "connectError"
                                                        : "httpError");
                snprintf(e.message, sizeof(e.message), "%s", errs[k]);
            } else if (resps[k].status >= 200 && resps[k].status < 300) {
                root = cJSON_Parse(resps[k].body ? resps[k].body : "");
                if (!cJSON_IsObject(root) ||
                    (cJSON_GetObjectItemCaseSensitive(root, "items") &&
                     !cJSON_IsArray(
                         cJSON_GetObjectItemCaseSensitive(root, "items")))) {
                    cls = YT_API_RETRY;
                    snprintf(e.reason, sizeof(e.reason), "invalidJSON");
                    snprintf(e.message, sizeof(e.message),
                             "the response body was not complete JSON");
                    cJSON_Delete(root);
                    root = NULL;
                } else {
                    cls = YT_API_OK;
                    nitems = cJSON_GetArraySize(
                        cJSON_GetObjectItemCaseSensitive(root, "items"));
                }
            } else {
                yt_api_error_parse(resps[k].body, resps[k].status, &e);
                cls = yt_api_classify(YT_HTTP_OK, resps[k].status, e.reason);
            }
            log_request(f, q, logp[k], resps[k].status, nitems,
                        cls == YT_API_OK ? NULL : e.reason,
                        cls == YT_API_OK      ? "ok"
                        : cls == YT_API_RETRY ? "retry"
                        : cls == YT_API_AUTH  ? "auth"
                        : cls == YT_API_SKIP  ? "skip"
                                              : "fatal",
                        t);
            switch (cls) {
            case YT_API_OK:
                q->attempt = 0;
                f->refreshed = 0; /* a later expiry may refresh again */
                if (store_page(f, q, root, serr) < 0) {
                    if (!f->fatal) {
                        f->fatal = 1;
                        kn_exec_fail(f->x, "StoreError",
                                     "could not store a page: %s", serr);
                    }
                }
                break;
            case YT_API_RETRY:
                q->attempt++;
                f->retries++;
                if (q->attempt > f->max_retries) {
                    char line[160];
                    fail_api(f, q, &e, rcs[k], e.message);
                    snprintf(line, sizeof(line),
                             "Gave up after %d retries with exponential "
                             "backoff.",
                             f->max_retries);
                    kn_exec_fail_line(f->x, line);
                    break;
                }
                {
                    double j = (double)random() / ((double)RAND_MAX + 1.0);
                    long ms = yt_api_backoff_ms(q->attempt - 1, f->backoff_base,
                                                f->backoff_cap,
                                                resps[k].retry_after, j);
                    if (ms > sleep_ms)
                        sleep_ms = ms;
                }
                break;
            case YT_API_AUTH:
                if (f->refreshed || !f->cred.access_token) {
                    fail_api(f, q, &e, 0, NULL);
                    kn_exec_fail_line(f->x,
                                      f->cred.access_token
                                          ? "The refreshed token was refused "
                                            "too: run %yt_auth login."
                                          : "This call needs OAuth: run "
                                            "%yt_auth login.");
                } else {
                    need_refresh = 1;
                }
                break;
            case YT_API_SKIP:
                if (f->single_target && n == 1 && q == mainq) {
                    fail_api(f, q, &e, 0, NULL);
                    break;
                }
                q->done = 1;
                q->skipped = 1;
                f->nskipped++;
                yt_buf_addf(&f->skipped, "%s: %ld %s: %s\n",
                            q->label ? q->label : q->m->path, e.code,
                            e.reason[0] ? e.reason : "-", e.message);
                {
                    char err2[YT_STORE_ERR_LEN];
                    if (q->nbatch)
                        mark_done_ids(f, q, err2);
                    else if (q->listing_id)
                        mark_one_done(f, q->listing_id, err2);
                }
                break;
            case YT_API_FATAL:
                fail_api(f, q, &e, rcs[k], e.message);
                break;
            }
            cJSON_Delete(root);
        }
        for (k = 0; k < active; k++) {
            yt_http_resp_free(&resps[k]);
            if (urls[k]) /* may hold the API key */
                explicit_bzero(urls[k], strlen(urls[k]));
            free(urls[k]);
            free(logp[k]);
            urls[k] = logp[k] = NULL;
        }
        /* Replies beyond the embedded ones, for the threads just stored. */
        if (f->npend && !f->fatal && !f->interrupted) {
            struct query *pend = f->pend;
            int np = f->npend, rc2;
            f->pend = NULL;
            f->npend = f->cappend = 0;
            rc2 = run_queries(f, pend, np, NULL);
            for (i = 0; i < np; i++)
                query_free(&pend[i]);
            free(pend);
            if (rc2 < 0 && (f->fatal || f->interrupted))
                break;
        }
        if (mainq && !f->fatal)
            save_state(f, mainq);
        progress(f, 0);
        if (f->fatal || f->interrupted)
            break;
        if (need_refresh) {
            char err[YT_ERR_LEN];
            f->refreshed = 1;
            if (yt_cred_refresh(f->http, &f->cred, err) != YT_CRED_OK) {
                if (kn_exec_interrupted(f->x)) {
                    f->interrupted = 1;
                    break;
                }
                f->fatal = 1;
                kn_exec_fail(f->x, "AuthError",
                             "the access token expired and could not be "
                             "refreshed: %s",
                             err);
                kn_exec_fail_line(f->x, "Hint: run %yt_auth login, then "
                                        "rerun with --resume.");
                break;
            }
        }
        if (sleep_ms > 0 && nap(f, sleep_ms) < 0) {
            f->interrupted = 1;
            break;
        }
    }
out:
    free(reqs);
    free(resps);
    free(rcs);
    free(idx);
    free(errs);
    free(urls);
    free(logp);
    return ret;
}

/* ------------------------------------------------------------ planning */

struct plan {
    const char *resource; /* user word */
    const struct yt_api_method *m;
    struct yt_buf params; /* encoded filters + part */
    char *table;
    char **ids; /* --ids resolved */
    long nids;
    const char *ids_param; /* API filter the ids go into */
    int ids_batch;         /* 50 per call, else one query per id */
    long limit;
    int recipe;                /* 0 none, 1 uploads, 2 subs+channels */
    char *uploads_playlist;    /* recipe 1 */
    struct yt_buf chan_params; /* recipe 1: channels.list filter */
};

static void plan_free(struct plan *p)
{
    yt_buf_free(&p->params);
    yt_buf_free(&p->chan_params);
    free(p->table);
    free(p->uploads_playlist);
    yt_store_ids_free(p->ids, p->nids);
}

static int usage_fail(struct kn_exec *x, const char *msg)
{
    kn_exec_fail(x, "UsageError", "%s", msg);
    kn_exec_fail_line(x, "See %yt_fetch? for resources and filters.");
    return -1;
}

/* Map option -> API filter for the chosen method, checking it is allowed. */
static int map_filter(struct kn_exec *x, const struct mg_args *a,
                      struct plan *p, const char *opt, const char *param,
                      const char *value_override)
{
    const char *v = mg_args_get(a, opt);
    char msg[300];

    if (!v)
        return 0;
    if (!yt_api_method_allows(p->m, param)) {
        snprintf(msg, sizeof(msg), "--%s is not a filter of %s", opt,
                 p->resource);
        return usage_fail(x, msg);
    }
    if (!*v && !value_override) {
        snprintf(msg, sizeof(msg), "--%s needs a value", opt);
        return usage_fail(x, msg);
    }
    qp_add(&p->params, param, value_override ? value_override : v);
    return 1;
}

/* Options that are valid only for some resources. */
static int check_parts(struct kn_exec *x, const struct yt_api_method *m,
                       const char *parts)
{
    char *dup = strdup(parts), *save = NULL, *tok;
    char msg[400];
    int ok = 1;

    if (!dup)
        return -1;
    for (tok = strtok_r(dup, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        const char *p = m->parts;
        size_t l = strlen(tok);
        int found = 0;
        while (p && *p) {
            const char *e = strchr(p, ',');
            size_t pl = e ? (size_t)(e - p) : strlen(p);
            if (pl == l && strncmp(p, tok, l) == 0)
                found = 1;
            p = e ? e + 1 : NULL;
        }
        if (!found) {
            snprintf(msg, sizeof(msg), "unknown part '%.60s' for %s; valid: %s",
                     tok, m->name, m->parts);
            ok = 0;
            break;
        }
    }
    free(dup);
    if (!ok)
        return usage_fail(x, msg);
    return 0;
}

/* --filter key=value[&key=value]: extra filters, each checked. */
static int extra_filters(struct kn_exec *x, struct plan *p, const char *spec)
{
    char *dup = strdup(spec), *save = NULL, *tok;
    char msg[300];

    if (!dup)
        return -1;
    for (tok = strtok_r(dup, "&", &save); tok;
         tok = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok) {
            free(dup);
            return usage_fail(x, "--filter expects key=value");
        }
        *eq = '\0';
        if (!yt_api_method_allows(p->m, tok)) {
            snprintf(msg, sizeof(msg),
                     "%.60s is not a filter of %s; valid: "
                     "%.200s",
                     tok, p->resource, p->m->filters);
            free(dup);
            return usage_fail(x, msg);
        }
        qp_add(&p->params, tok, eq + 1);
    }
    free(dup);
    return 0;
}

/* Build the plan from the options.  Returns 0, or -1 after kn_exec_fail. */
static int make_plan(struct mg_ctx *c, const struct mg_args *a,
                     const char *resource, struct plan *p)
{
    struct kn_exec *x = c->x;
    const char *part = mg_args_get(a, "part");
    const char *into = mg_args_get(a, "into");
    const char *ids = mg_args_get(a, "ids");
    const char *id = mg_args_get(a, "id");
    int nfilter = 0, r;
    char err[YT_STORE_ERR_LEN], msg[MG_ERR_LEN];
    long limit = -1;

    memset(p, 0, sizeof(*p));
    yt_buf_init(&p->params, 1u << 20);
    yt_buf_init(&p->chan_params, 1u << 16);
    p->resource = resource;
    p->limit = -1;
    if (mg_args_get_long(a, "limit", 1, 100000000, &limit, msg) < 0)
        return usage_fail(x, msg);
    p->limit = limit;
    if (ids && id)
        return usage_fail(x, "give --ids or --id, not both");
    if (id)
        ids = id;

    if (strcmp(resource, "uploads") == 0) {
        p->recipe = 1;
        p->m = yt_api_method_find("channels");
        if (mg_args_has(a, "mine"))
            qp_add(&p->chan_params, "mine", "true"), nfilter++;
        if (mg_args_get(a, "channel"))
            qp_add(&p->chan_params, "id", mg_args_get(a, "channel")), nfilter++;
        if (mg_args_get(a, "handle"))
            qp_add(&p->chan_params, "forHandle", mg_args_get(a, "handle")),
                nfilter++;
        if (nfilter != 1)
            return usage_fail(x, "uploads needs exactly one of --channel ID, "
                                 "--mine, --handle @name");
        p->m = yt_api_method_find("videos");
        p->table = strdup(into ? into : "videos");
        if (part && check_parts(x, p->m, part) < 0)
            return -1;
        qp_add(&p->params, "part",
               part ? part : "snippet,contentDetails,statistics");
        return 0;
    }

    p->m = yt_api_method_find(resource);
    if (!p->m || strcmp(resource, p->m->name) != 0) {
        const struct yt_api_method *all;
        size_t nm, i;
        struct yt_buf b;
        yt_buf_init(&b, 4096);
        all = yt_api_methods(&nm);
        for (i = 0; i < nm; i++)
            yt_buf_addf(&b, "%s%s", i ? ", " : "", all[i].name);
        snprintf(msg, sizeof(msg),
                 "unknown resource '%.60s'; use one of: %s, uploads, quota, "
                 "export, log",
                 resource, yt_buf_str(&b));
        yt_buf_free(&b);
        return usage_fail(x, msg);
    }
    p->table = strdup(into ? into : yt_api_kind_get(p->m->kind)->name);
    if (part && check_parts(x, p->m, part) < 0)
        return -1;
    qp_add(&p->params, "part", part ? part : p->m->default_part);

    /* Resource-specific filters. */
    if (mg_args_has(a, "mine")) {
        const char *param =
            strcmp(resource, "search") == 0 ? "forMine" : "mine";
        if ((r = map_filter(x, a, p, "mine", param, "true")) < 0)
            return -1;
        nfilter += r;
    }
    if (mg_args_get(a, "channel")) {
        const char *param = "channelId";
        if (strcmp(resource, "comment_threads") == 0)
            param = "allThreadsRelatedToChannelId";
        if ((r = map_filter(x, a, p, "channel", param, NULL)) < 0)
            return -1;
        nfilter += r;
    }
    {
        static const struct {
            const char *opt, *param;
            int is_filter;
        } simple[] = {
            {"handle", "forHandle", 1},
            {"username", "forUsername", 1},
            {"playlist", "playlistId", 1},
            {"video", "videoId", 1},
            {"parent", "parentId", 1},
            {"chart", "chart", 1},
            {"my-rating", "myRating", 1},
            {"q", "q", 1},
            {"region", "regionCode", 0},
            {"category", "videoCategoryId", 0},
            {"type", "type", 0},
            {"order", "order", 0},
            {"published-after", "publishedAfter", 0},
            {"published-before", "publishedBefore", 0},
            {"hl", "hl", 0},
            {"search-terms", "searchTerms", 0},
        };
        size_t i;
        for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
            if ((r = map_filter(x, a, p, simple[i].opt, simple[i].param,
                                NULL)) < 0)
                return -1;
            if (simple[i].is_filter)
                nfilter += r;
        }
    }
    if (mg_args_get(a, "filter") &&
        extra_filters(x, p, mg_args_get(a, "filter")) < 0)
        return -1;
    if (nfilter + (ids ? 1 : 0) > 1 && strcmp(resource, "search") != 0) {
        snprintf(msg, sizeof(msg),
                 "give one filter for %s (e.g. --mine, --id/--ids, "
                 "--channel, --chart), not %d",
                 resource, nfilter + (ids ? 1 : 0));
        return usage_fail(x, msg);
    }
    if (mg_args_has(a, "with-channels") && strcmp(resource, "subscriptions"))
        return usage_fail(x, "--with-channels only applies to subscriptions");
    if (mg_args_has(a, "with-channels"))
        p->recipe = 2;
    if (mg_args_get(a, "chart") &&
        strcmp(mg_args_get(a, "chart"), "mostPopular") != 0)
        return usage_fail(x, "--chart takes mostPopular (the only chart)");

    if (ids) {
        static const struct {
            const char *res, *param;
            int batch;
        } idmap[] = {
            {"channels", "id", 1},
            {"playlists", "id", 1},
            {"videos", "id", 1},
            {"comments", "id", 1},
            {"subscriptions", "id", 1},
            {"playlist_items", "playlistId", 0},
            {"comment_threads", "videoId", 0},
            {"activities", "channelId", 0},
            {"video_categories", "id", 1},
        };
        size_t i;
        for (i = 0; i < sizeof(idmap) / sizeof(idmap[0]); i++)
            if (strcmp(idmap[i].res, resource) == 0) {
                p->ids_param = idmap[i].param;
                p->ids_batch = idmap[i].batch;
            }
        if (!p->ids_param) {
            snprintf(msg, sizeof(msg), "--ids is not supported for %s",
                     resource);
            return usage_fail(x, msg);
        }
        p->nids = yt_store_ids_resolve(c->db, ids, &p->ids, err);
        if (p->nids < 0) {
            kn_exec_fail(x, "UsageError", "%s", err);
            return -1;
        }
        if (p->nids == 0) {
            kn_exec_fail(x, "UsageError", "--ids gave no ids");
            kn_exec_fail_line(x, "Check the query returns at least one row.");
            return -1;
        }
        nfilter++;
    }
    if (strcmp(resource, "video_categories") == 0 && !nfilter &&
        !mg_args_get(a, "region")) {
        qp_add(&p->params, "regionCode", "US");
        nfilter++;
    } else if (strcmp(resource, "video_categories") == 0 &&
               mg_args_get(a, "region"))
        nfilter++;
    if (strcmp(resource, "search") == 0)
        nfilter++; /* search works without a filter */
    if (strcmp(resource, "regions") == 0 || strcmp(resource, "languages") == 0)
        nfilter++;
    if (mg_args_get(a, "filter") && !nfilter)
        nfilter++; /* e.g. --filter myRating=like */
    if (!nfilter) {
        snprintf(msg, sizeof(msg),
                 "%s needs a filter (e.g. %s); see %%yt_fetch?", resource,
                 strcmp(resource, "videos") == 0
                     ? "--ids, --chart mostPopular or --my-rating like"
                 : strcmp(resource, "comment_threads") == 0
                     ? "--video ID or --channel ID"
                 : strcmp(resource, "playlist_items") == 0 ? "--playlist ID"
                 : strcmp(resource, "comments") == 0       ? "--parent ID"
                                                     : "--mine or --channel "
                                                       "ID");
        return usage_fail(x, msg);
    }
    return 0;
}

/* A stable description of the fetch, used as the resume key. */
static char *fetch_key(const char *resource, const struct plan *p,
                       const struct mg_args *a)
{
    char *k = NULL;
    const char *ids = mg_args_get(a, "ids");

    if (!ids)
        ids = mg_args_get(a, "id");
    if (asprintf(&k, "%s%s %s -> %s%s%s%s", resource,
                 p->recipe == 2 ? " --with-channels" : "",
                 p->recipe == 1 ? yt_buf_str(&p->chan_params)
                                : yt_buf_str(&p->params),
                 p->table, ids ? " ids=" : "", ids ? ids : "",
                 mg_args_get(a, "limit") ? " limited" : "") < 0)
        return NULL;
    return k;
}

/* ------------------------------------------------------------ dry run */

/* videoCount of the channel an uploads recipe names, from the store (a
 * previous channels fetch), or -1 when unknown. */
static long known_video_count(sqlite3 *db, const struct mg_args *a)
{
    sqlite3_stmt *st = NULL;
    const char *sql = NULL, *arg = NULL;
    char handle[200];
    long vc = -1;

    if (mg_args_get(a, "channel")) {
        sql = "SELECT video_count FROM channels WHERE channel_id = ?1";
        arg = mg_args_get(a, "channel");
    } else if (mg_args_get(a, "handle")) {
        const char *h = mg_args_get(a, "handle");
        snprintf(handle, sizeof(handle), "%s%s", h[0] == '@' ? "" : "@", h);
        sql = "SELECT video_count FROM channels WHERE custom_url = ?1 "
              "COLLATE NOCASE";
        arg = handle;
    } else if (mg_args_has(a, "mine")) {
        sql = "SELECT video_count FROM channels WHERE channel_id = "
              "(SELECT value FROM _ytk_meta WHERE key = 'my_channel_id')";
    }
    if (!sql || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return -1;
    }
    if (arg)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_type(st, 0) == SQLITE_INTEGER)
        vc = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return vc;
}

static void dry_line(struct yt_buf *t, const char *path, const char *params,
                     int cost, const char *calls)
{
    yt_buf_addf(t, "GET %s?%s\n    %d unit%s per call · %s\n", path, params,
                cost, cost == 1 ? "" : "s", calls);
}

static int dry_run(struct mg_ctx *c, const struct mg_args *a, struct plan *p)
{
    struct yt_buf t, h;
    char calls[200];
    long total = 0;
    int known = 1;
    const struct yt_api_method *m = p->m;

    yt_buf_init(&t, 1u << 20);
    yt_buf_init(&h, 1u << 20);
    yt_buf_addf(&t,
                "Dry run of %%yt_fetch %s (nothing sent, no quota "
                "spent). Planned calls:\n",
                p->recipe == 1 ? "uploads" : p->resource);
    if (p->recipe == 1) {
        struct yt_buf pp;
        yt_buf_init(&pp, 4096);
        yt_buf_addf(&pp, "part=snippet,contentDetails,statistics&%s",
                    yt_buf_str(&p->chan_params));
        dry_line(&t, "channels", yt_buf_str(&pp), 1,
                 "1 call (finds the uploads playlist)");
        yt_buf_free(&pp);
        total += 1;
        long vc = known_video_count(c->db, a);
        if (p->limit > 0 && (vc < 0 || p->limit < vc))
            vc = p->limit;
        if (vc >= 0) {
            long pages = vc ? (vc + 49) / 50 : 1;
            snprintf(calls, sizeof(calls),
                     "1 unit per page, %ld page%s estimated (%s %ld videos)",
                     pages, pages == 1 ? "" : "s",
                     p->limit > 0 && vc == p->limit ? "--limit"
                                                    : "videoCount in the "
                                                      "store:",
                     vc);
            total += 2 * pages;
        } else {
            snprintf(calls, sizeof(calls),
                     "1 unit per page of 50 videos; pages = ceil(videoCount "
                     "/ 50), known after the first call");
            known = 0;
        }
        dry_line(&t, "playlistItems",
                 "part=snippet,contentDetails&playlistId=UU…&maxResults=50", 1,
                 calls);
        dry_line(&t, "videos", yt_buf_str(&p->params), 1,
                 p->limit > 0 ? "one call per 50 videos (same count as "
                                "playlist pages)"
                              : "one call per 50 videos (as many as "
                                "playlist pages), 4 at a time");
    } else if (p->nids > 0) {
        long ncalls = p->ids_batch ? (p->nids + BATCH - 1) / BATCH : p->nids;
        struct yt_buf pp;
        yt_buf_init(&pp, 1u << 16);
        yt_buf_addf(&pp, "%s&%s=…", yt_buf_str(&p->params), p->ids_param);
        if (p->ids_batch)
            snprintf(calls, sizeof(calls),
                     "%ld call%s for %ld ids (50 per call, %d at a time)",
                     ncalls, ncalls == 1 ? "" : "s", p->nids,
                     (int)env_long("YTK_FETCH_PARALLEL", 4, 1, 16));
        else {
            snprintf(calls, sizeof(calls),
                     "at least %ld call%s (one listing per id, 1 unit per "
                     "page)",
                     ncalls, ncalls == 1 ? "" : "s");
            known = 0;
        }
        dry_line(&t, m->path, yt_buf_str(&pp), m->cost, calls);
        yt_buf_free(&pp);
        total += ncalls * m->cost;
    } else {
        long pages = -1;
        struct yt_buf pp;
        yt_buf_init(&pp, 1u << 16);
        yt_buf_adds(&pp, yt_buf_str(&p->params));
        if (m->max_results > 0)
            yt_buf_addf(&pp, "&maxResults=%d", m->max_results);
        if (m->max_results == 0)
            pages = 1;
        else if (p->limit > 0)
            pages = (p->limit + m->max_results - 1) / m->max_results;
        else if (strstr(yt_buf_str(&p->params), "chart=mostPopular"))
            pages = 4; /* the chart holds about 200 videos */
        else if (strcmp(m->name, "search") == 0)
            pages = 10; /* ~500 results cap */
        if (pages > 0) {
            snprintf(calls, sizeof(calls),
                     "%d unit%s per page, %ld page%s "
                     "estimated%s",
                     m->cost, m->cost == 1 ? "" : "s", pages,
                     pages == 1 ? "" : "s",
                     strcmp(m->name, "search") == 0 && p->limit <= 0
                         ? " (at most; search stops near 500 results)"
                     : p->limit > 0        ? " (--limit)"
                     : m->max_results == 0 ? ""
                                           : " (the chart holds ~200 videos)");
            total += pages * m->cost;
        } else {
            snprintf(calls, sizeof(calls),
                     "%d unit%s per page of %d; number of pages unknown "
                     "until the first answer",
                     m->cost, m->cost == 1 ? "" : "s", m->max_results);
            known = 0;
        }
        dry_line(&t, m->path, yt_buf_str(&pp), m->cost, calls);
        yt_buf_free(&pp);
        if (strcmp(m->name, "comment_threads") == 0)
            yt_buf_adds(&t, "  + comments.list (1 unit per page of 100) for "
                            "each thread with more than 5 replies\n");
    }
    if (p->recipe == 2)
        yt_buf_adds(&t, "  + channels.list part=snippet,statistics: 1 unit "
                        "per 50 subscriptions\n");
    if (known)
        yt_buf_addf(&t, "Estimated cost: %ld quota unit%s.\n", total,
                    total == 1 ? "" : "s");
    else
        yt_buf_addf(&t,
                    "Estimated cost: at least %ld quota unit%s (more "
                    "pages cost more).\n",
                    total ? total : 1, total == 1 ? "" : "s");
    {
        char day[11];
        long long used;
        yt_api_pacific_day(time(NULL), day);
        used = yt_store_quota_day(c->db, day);
        yt_buf_addf(&t, "Used today (Pacific day %s): %lld of %ld units.", day,
                    used < 0 ? 0 : used,
                    env_long("YTK_DAILY_QUOTA", 10000, 1, 1000000000));
    }
    yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\"><pre>");
    mg_html_escape(&h, yt_buf_str(&t), -1);
    yt_buf_adds(&h, "</pre></div>");
    kn_exec_display(c->x, bundle(yt_buf_str(&t), yt_buf_str(&h)), NULL, NULL);
    yt_buf_free(&t);
    yt_buf_free(&h);
    (void)a;
    return 0;
}

/* ------------------------------------------------------------ phases */

/* Queries for ids in batches of 50 (or one per id), skipping ids already
 * done by the resumed fetch.  Returns the count, -1 on out of memory. */
static int make_id_queries(struct fetch *f, const struct yt_api_method *m,
                           const char *params, const char *table,
                           const char *ids_param, int batch, char **ids,
                           long nids, struct query **out)
{
    struct query *qs;
    long i, nq = 0, cap;
    char **todo;
    long ntodo = 0;

    *out = NULL;
    todo = calloc((size_t)(nids ? nids : 1), sizeof(*todo));
    if (!todo)
        return -1;
    for (i = 0; i < nids; i++)
        if (!done_has(f, ids[i]))
            todo[ntodo++] = ids[i];
    cap = batch ? (ntodo + BATCH - 1) / BATCH : ntodo;
    if (cap > MAX_QUERIES)
        cap = MAX_QUERIES;
    qs = calloc((size_t)(cap ? cap : 1), sizeof(*qs));
    if (!qs) {
        free(todo);
        return -1;
    }
    for (i = 0; i < ntodo && nq < cap;) {
        struct query *q = &qs[nq++];
        struct yt_buf p, list;
        long j, n = batch ? (ntodo - i < BATCH ? ntodo - i : BATCH) : 1;

        yt_buf_init(&p, 1u << 20);
        yt_buf_init(&list, 1u << 20);
        q->batch_ids = calloc((size_t)n, sizeof(char *));
        for (j = 0; j < n; j++) {
            yt_buf_addf(&list, "%s%s", j ? "," : "", todo[i + j]);
            if (q->batch_ids)
                q->batch_ids[q->nbatch++] = strdup(todo[i + j]);
        }
        yt_buf_adds(&p, params);
        qp_add(&p, ids_param, yt_buf_str(&list));
        q->m = m;
        q->params = yt_buf_take(&p);
        q->table = strdup(table);
        q->limit = -1;
        q->paginate = !batch;
        if (batch) {
            if (asprintf(&q->label, "%s batch of %ld ids starting %s", m->path,
                         n, todo[i]) < 0)
                q->label = NULL;
        } else if (asprintf(&q->label, "%s %s=%s", m->path, ids_param,
                            todo[i]) < 0)
            q->label = NULL;
        if (!batch && q->batch_ids) {
            /* Per-id listings are done when the whole listing is. */
            q->listing_id = q->batch_ids[0];
            q->nbatch = 0;
            free(q->batch_ids);
            q->batch_ids = NULL;
        }
        yt_buf_free(&list);
        i += n;
    }
    free(todo);
    *out = qs;
    return (int)nq;
}

static void free_queries(struct query *qs, int n)
{
    int i;
    for (i = 0; i < n && qs; i++)
        query_free(&qs[i]);
    free(qs);
}

/* Ids from a column of `table` for rows fetched in this (or the resumed)
 * fetch. */
static long ids_since(struct fetch *f, const char *table, const char *col,
                      const char *where_extra, char ***ids)
{
    char *sql = NULL;
    char err[YT_STORE_ERR_LEN];
    long n;

    if (asprintf(&sql,
                 "SELECT %s FROM \"%s\" WHERE fetched_at >= '%s' AND %s IS NOT "
                 "NULL %s ORDER BY rowid",
                 col, table, f->started_at, col,
                 where_extra ? where_extra : "") < 0)
        return -1;
    n = yt_store_ids_resolve(f->db, sql, ids, err);
    free(sql);
    return n;
}

static void set_phase(struct fetch *f, const char *phase)
{
    free(f->phase);
    f->phase = strdup(phase);
}

/* ------------------------------------------------------------ the magic */

static void summary_text(struct fetch *f, struct yt_buf *s, const char *verb)
{
    char el[32];
    int i;

    fmt_elapsed(el, sizeof(el), now_s() - f->t0);
    /* Distinct rows stored by this fetch (a reply may arrive twice). */
    for (i = 0; i < f->ncounts; i++) {
        char *sql = NULL;
        sqlite3_stmt *st = NULL;
        if (asprintf(&sql, "SELECT COUNT(*) FROM \"%s\" WHERE fetched_at >= ?1",
                     f->counts[i].table) < 0)
            continue;
        if (sqlite3_prepare_v2(f->db, sql, -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, f->started_at, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) == SQLITE_ROW)
                f->counts[i].rows = (long)sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        free(sql);
    }
    yt_buf_addf(s, "%s ", verb);
    if (!f->ncounts)
        yt_buf_adds(s, "0 rows");
    for (i = 0; i < f->ncounts; i++)
        yt_buf_addf(s, "%s%ld %s",
                    i == 0                ? ""
                    : i == f->ncounts - 1 ? " and "
                                          : ", ",
                    f->counts[i].rows, f->counts[i].table);
    yt_buf_addf(s, " in %ld page%s, %ld quota unit%s, %s", f->pages,
                f->pages == 1 ? "" : "s", f->units, f->units == 1 ? "" : "s",
                el);
    if (f->retries)
        yt_buf_addf(s, " (%ld retr%s)", f->retries,
                    f->retries == 1 ? "y" : "ies");
    if (f->resumed_pages > 0)
        yt_buf_addf(s, " (resumed after %ld earlier page%s)", f->resumed_pages,
                    f->resumed_pages == 1 ? "" : "s");
}

static int finish(struct fetch *f, enum yt_api_kind kind, const char *table,
                  int ok, int show)
{
    struct yt_buf s;
    int rc = 0;

    yt_buf_init(&s, 1u << 16);
    if (f->interrupted) {
        summary_text(f, &s, "Interrupted: kept");
        yt_buf_adds(&s, ". Rerun with --resume to continue.");
        progress_publish(f, 1, yt_buf_str(&s));
        kn_exec_fail(f->x, "KeyboardInterrupt",
                     "fetch interrupted after %ld page%s; kept what was "
                     "stored (rerun with --resume to continue)",
                     f->pages, f->pages == 1 ? "" : "s");
        rc = -1;
    } else if (!ok || f->fatal) {
        summary_text(f, &s, "Stopped: kept");
        yt_buf_adds(&s, f->pages ? ". Fix the cause, then rerun with --resume."
                                 : ". Nothing was stored.");
        progress_publish(f, 1, yt_buf_str(&s));
        if (!f->fatal)
            kn_exec_fail(f->x, "YouTubeAPIError", "fetch stopped");
        if (f->pages > 0) {
            char line[300];
            snprintf(line, sizeof(line),
                     "Kept %ld item%s fetched before the error (%ld page%s); "
                     "the resume point is saved: rerun with --resume.",
                     f->items, f->items == 1 ? "" : "s", f->pages,
                     f->pages == 1 ? "" : "s");
            kn_exec_fail_line(f->x, line);
        }
        rc = -1;
    } else {
        summary_text(f, &s, "Fetched");
        progress_publish(f, 1, yt_buf_str(&s));
    }
    if (f->nskipped) {
        struct yt_buf w;
        yt_buf_init(&w, 1u << 20);
        yt_buf_addf(&w, "Skipped %d item%s (per-item errors):\n%s", f->nskipped,
                    f->nskipped == 1 ? "" : "s", yt_buf_str(&f->skipped));
        note(f->x, yt_buf_str(&w));
        yt_buf_free(&w);
    }
    if (rc == 0 && f->search_capped) {
        char line[300];
        snprintf(line, sizeof(line),
                 "search announced about %ld results but stops near 500: "
                 "slice the period with --published-after/--published-before "
                 "to get more (100 units a page each).",
                 f->total_results);
        note(f->x, line);
    }
    if (rc == 0 && f->missing_ids > 0) {
        char line[200];
        snprintf(line, sizeof(line),
                 "%ld id%s returned nothing (deleted, private or wrong ids).",
                 f->missing_ids, f->missing_ids == 1 ? "" : "s");
        note(f->x, line);
    }
    if (rc == 0) {
        clear_state(f);
        if (show != 0 && table) {
            static const char *const preview[YT_KIND_COUNT] = {
                [YT_KIND_CHANNEL] = "channel_id, title, custom_url, "
                                    "subscriber_count, view_count, "
                                    "video_count, published_at",
                [YT_KIND_PLAYLIST] = "playlist_id, title, channel_title, "
                                     "item_count, privacy_status, "
                                     "published_at",
                [YT_KIND_PLAYLIST_ITEM] = "playlist_item_id, position, "
                                          "video_id, title, "
                                          "video_published_at",
                [YT_KIND_VIDEO] = "video_id, title, channel_title, "
                                  "published_at, category_id, duration_s, "
                                  "view_count, like_count, comment_count",
                [YT_KIND_SEARCH] = "result_id, result_kind, title, "
                                   "channel_title, published_at",
                [YT_KIND_COMMENT_THREAD] = "thread_id, video_id, "
                                           "author_display_name, "
                                           "text_original, like_count, "
                                           "total_reply_count, published_at",
                [YT_KIND_COMMENT] = "comment_id, parent_id, video_id, "
                                    "author_display_name, text_original, "
                                    "like_count, published_at",
                [YT_KIND_SUBSCRIPTION] = "subscription_id, channel_id, "
                                         "title, published_at",
                [YT_KIND_ACTIVITY] = "activity_id, type, title, video_id, "
                                     "published_at",
                [YT_KIND_VIDEO_CATEGORY] = "category_id, title, assignable",
                [YT_KIND_REGION] = "region_code, name",
                [YT_KIND_LANGUAGE] = "language_code, name",
            };
            struct yt_buf sql;

            yt_buf_init(&sql, 1u << 16);
            yt_buf_addf(&sql,
                        "SELECT %s FROM \"%s\" WHERE fetched_at >= "
                        "'%s' ORDER BY rowid",
                        preview[kind], table, f->started_at);
            rc = mg_table_show_query(f->x, f->db, yt_buf_str(&sql),
                                     yt_buf_str(&s), show < 0 ? 10 : show, 1);
            yt_buf_free(&sql);
        }
    }
    yt_buf_free(&s);
    return rc;
}

static int sub_quota(struct mg_ctx *c)
{
    char day[11], sql[512], summary[400];
    long long used;
    long limit = env_long("YTK_DAILY_QUOTA", 10000, 1, 1000000000);
    time_t now = time(NULL);
    char err[YT_STORE_ERR_LEN];
    long mins;
    char next[11];

    if (yt_store_init(c->db, err) < 0) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        return -1;
    }
    yt_api_pacific_day(now, day);
    used = yt_store_quota_day(c->db, day);
    /* Minutes until the Pacific day changes. */
    for (mins = 1; mins <= 25 * 60; mins++) {
        yt_api_pacific_day(now + mins * 60, next);
        if (strcmp(next, day) != 0)
            break;
    }
    snprintf(summary, sizeof(summary),
             "Quota used today (Pacific day %s): %lld of %ld units "
             "(%lld left); resets at midnight Pacific Time, in about %ldh "
             "%02ldm.",
             day, used < 0 ? 0 : used, limit,
             limit - (used < 0 ? 0 : used) < 0 ? 0
                                               : limit - (used < 0 ? 0 : used),
             mins / 60, mins % 60);
    snprintf(sql, sizeof(sql),
             "SELECT method, COUNT(*) AS requests, SUM(quota_units) AS "
             "units, SUM(item_count) AS items FROM _ytk_requests WHERE "
             "pacific_day = '%s' GROUP BY method ORDER BY units DESC",
             day);
    return mg_table_show_query(c->x, c->db, sql, summary, 50, 1);
}

static int sub_log(struct mg_ctx *c, const struct mg_args *a)
{
    char sql[512], err[YT_STORE_ERR_LEN];
    long n = 20;
    const char *v = mg_args_pos(a, 1);

    if (v) {
        char *end;
        n = strtol(v, &end, 10);
        if (*end || n < 1 || n > 100000)
            return usage_fail(c->x, "%yt_fetch log [N]: N is a row count");
    }
    if (yt_store_init(c->db, err) < 0) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        return -1;
    }
    snprintf(sql, sizeof(sql),
             "SELECT * FROM (SELECT id, time, method, params, status, "
             "quota_units, item_count, reason, outcome, duration_ms FROM "
             "_ytk_requests ORDER BY id DESC LIMIT %ld) ORDER BY id",
             n);
    return mg_table_show_query(c->x, c->db, sql,
                               "Request log (no secrets "
                               "are recorded)",
                               (int)n, 1);
}

static int sub_status(struct mg_ctx *c)
{
    char err[YT_STORE_ERR_LEN];

    if (yt_store_init(c->db, err) < 0) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        return -1;
    }
    return mg_table_show_query(
        c->x, c->db,
        "SELECT description AS fetch, phase, pages, items, started_at, "
        "updated_at FROM _ytk_fetch_state ORDER BY updated_at",
        "Stopped fetches: rerun the same %yt_fetch line with --resume to "
        "continue one",
        50, 1);
}

static int sub_export(struct mg_ctx *c, const struct mg_args *a)
{
    const char *table = mg_args_pos(a, 1), *file = mg_args_pos(a, 2);
    char err[YT_STORE_ERR_LEN];
    long n;

    if (!table || !file || mg_args_pos(a, 3))
        return usage_fail(c->x, "usage: %yt_fetch export TABLE FILE.csv|.json|"
                                ".ndjson");
    n = yt_store_export_ex(c->db, table, file,
                           mg_args_has(a, "raw") ? YT_STORE_EXPORT_RAW : 0,
                           err);
    if (n < 0) {
        kn_exec_fail(c->x, "ExportError", "%s", err);
        return -1;
    }
    kn_exec_printf(c->x, 0, "Exported %ld row%s of %s to %s\n", n,
                   n == 1 ? "" : "s", table, file);
    return 0;
}

static int setup_fetch(struct fetch *f, struct mg_ctx *c,
                       const struct mg_args *a, const char *label)
{
    char err[YT_ERR_LEN];
    int rc;

    memset(f, 0, sizeof(*f));
    f->c = c;
    f->x = c->x;
    f->db = c->db;
    f->label = label;
    f->est_pages = -1;
    f->t0 = now_s();
    yt_buf_init(&f->skipped, 1u << 20);
    f->backoff_base = env_long("YTK_FETCH_BACKOFF_MS", 1000, 0, 600000);
    f->backoff_cap = env_long("YTK_FETCH_BACKOFF_CAP_MS", 32000, 0, 3600000);
    f->max_retries = (int)env_long("YTK_FETCH_RETRIES", 5, 0, 20);
    f->parallel = (int)env_long("YTK_FETCH_PARALLEL", 4, 1, 16);
    {
        static int seeded;
        if (!seeded) {
            srandom((unsigned)time(NULL) ^ (unsigned)getpid());
            seeded = 1;
        }
    }
    kn_exec_new_id(f->fetch_id);
    yt_api_iso_now(f->started_at);
    f->http = shared_http();
    if (!f->http) {
        kn_exec_fail(c->x, "HTTPError", "could not start libcurl");
        return -1;
    }
    f->api_base = yt_http_endpoint(YT_EP_API);
    if (!f->api_base) {
        kn_exec_fail(c->x, "MemoryError", "out of memory");
        return -1;
    }
    if (yt_store_init(c->db, err) < 0 || done_init(c->db, err) < 0) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        return -1;
    }
    rc = yt_cred_load(f->http, c->home, mg_args_get(a, "token-file"), &f->cred,
                      err);
    if (rc != YT_CRED_OK) {
        kn_exec_fail(c->x, "AuthError", "%s", err);
        kn_exec_fail_line(c->x, rc == YT_CRED_E_NONE
                                    ? "Hint: run %yt_auth login (your own "
                                      "data) or %yt_auth key (public data)."
                                    : "Hint: run %yt_auth login again.");
        return -1;
    }
    f->have_cred = 1;
    yt_http_set_abort(f->http, abort_check, c->x);
    return 0;
}

static int run_fetch(struct mg_ctx *c, const struct mg_args *a,
                     const char *resource)
{
    struct plan p;
    struct fetch f;
    struct yt_store_state st;
    struct query *qs = NULL;
    int nq = 0, ok = 0, rc = -1, resumed = 0;
    long show = -1;
    char err[YT_STORE_ERR_LEN], msg[MG_ERR_LEN];
    const char *table_for_show;

    memset(&f, 0, sizeof(f));
    memset(&st, 0, sizeof(st));
    /* "my videos" / "a channel's videos": the uploads recipe is the cheap
     * way (videos.list has no such filter; search would cost 100x). */
    if (strcmp(resource, "videos") == 0 &&
        (mg_args_has(a, "mine") || mg_args_get(a, "channel") ||
         mg_args_get(a, "handle")) &&
        !mg_args_get(a, "ids") && !mg_args_get(a, "id") &&
        !mg_args_get(a, "chart") && !mg_args_get(a, "my-rating")) {
        note(c->x, "videos of a channel: running the uploads recipe "
                   "(uploads playlist + videos.list, 1 unit per 50 videos).");
        resource = "uploads";
    }
    if (make_plan(c, a, resource, &p) < 0) {
        plan_free(&p);
        return -1;
    }
    if (mg_args_get_long(a, "show", 0, 1000, &show, msg) < 0) {
        plan_free(&p);
        return usage_fail(c->x, msg);
    }
    if (!yt_store_valid_table(p.table)) {
        snprintf(msg, sizeof(msg),
                 "invalid --into '%.80s': use letters, digits and _", p.table);
        plan_free(&p);
        return usage_fail(c->x, msg);
    }
    if (yt_store_init(c->db, err) < 0) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        plan_free(&p);
        return -1;
    }
    if (mg_args_has(a, "dry-run")) {
        rc = dry_run(c, a, &p);
        plan_free(&p);
        return rc;
    }
    if (setup_fetch(&f, c, a, p.recipe == 1 ? "uploads" : resource) < 0)
        goto out;
    f.comments_table =
        strdup(mg_args_get(a, "comments-into") ? mg_args_get(a, "comments-into")
                                               : "comments");
    if (!yt_store_valid_table(f.comments_table)) {
        usage_fail(c->x, "invalid --comments-into table name");
        goto out;
    }
    f.key = fetch_key(resource, &p, a);
    f.desc = f.key ? strdup(f.key) : NULL;
    set_phase(&f, "main");
    if (mg_args_has(a, "resume")) {
        int g = yt_store_state_get(c->db, f.key, &st, err);
        if (g == 1) {
            resumed = 1;
            f.resumed_pages = st.pages;
            f.resumed_items = st.items;
            snprintf(f.started_at, sizeof(f.started_at), "%s",
                     st.started_at ? st.started_at : f.started_at);
            set_phase(&f, st.phase ? st.phase : "main");
            snprintf(msg, sizeof(msg),
                     "Resuming the stopped fetch (%ld page%s, %ld item%s "
                     "stored before)%s.",
                     st.pages, st.pages == 1 ? "" : "s", st.items,
                     st.items == 1 ? "" : "s",
                     st.page_token ? " from its saved page token" : "");
            note(c->x, msg);
        } else {
            note(c->x, "Nothing to resume for this fetch: starting from the "
                       "first page.");
        }
    } else {
        /* A new fetch replaces any stopped one with the same key. */
        clear_state(&f);
    }
    if (strcmp(resource, "search") == 0)
        note(c->x, "search.list costs 100 quota units per page (other lists "
                   "cost 1) and stops at about 500 results. For a channel's "
                   "videos use %yt_fetch uploads (1 unit per 50 videos).");
    /* Tables. */
    if (yt_store_table_ensure(c->db, p.table,
                              p.recipe == 1 ? YT_KIND_VIDEO : p.m->kind,
                              err) < 0 ||
        (p.m->kind == YT_KIND_COMMENT_THREAD &&
         yt_store_table_ensure(c->db, f.comments_table, YT_KIND_COMMENT, err) <
             0)) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        goto out;
    }
    table_for_show = p.table;
    if (p.recipe != 1)
        count_rows(&f, p.table, 0);

    if (p.recipe == 1) {
        /* uploads: channels (1 unit) -> playlistItems pages -> videos. */
        const struct yt_api_method *cm = yt_api_method_find("channels");
        const struct yt_api_method *pm = yt_api_method_find("playlist_items");
        char **vids = NULL;
        long nv;
        char *uploads = NULL, *where = NULL;
        struct query pq;

        if (yt_store_table_ensure(c->db, "channels", YT_KIND_CHANNEL, err) <
                0 ||
            yt_store_table_ensure(c->db, "playlist_items",
                                  YT_KIND_PLAYLIST_ITEM, err) < 0) {
            kn_exec_fail(c->x, "StoreError", "%s", err);
            goto out;
        }
        {
            struct query cq;
            struct yt_buf cp;
            sqlite3_stmt *s = NULL;
            memset(&cq, 0, sizeof(cq));
            yt_buf_init(&cp, 1u << 16);
            yt_buf_addf(&cp, "part=snippet,contentDetails,statistics&%s",
                        yt_buf_str(&p.chan_params));
            cq.m = cm;
            cq.params = yt_buf_take(&cp);
            cq.table = strdup("channels");
            cq.limit = -1;
            cq.label = strdup("the channel");
            f.single_target = 1;
            f.label = "uploads";
            if (run_queries(&f, &cq, 1, &cq) < 0) {
                query_free(&cq);
                goto finish;
            }
            query_free(&cq);
            /* The channel just stored. */
            if (sqlite3_prepare_v2(
                    c->db,
                    "SELECT uploads_playlist_id, video_count FROM channels "
                    "WHERE fetched_at >= ?1 ORDER BY fetched_at DESC LIMIT 1",
                    -1, &s, NULL) == SQLITE_OK) {
                sqlite3_bind_text(s, 1, f.started_at, -1, SQLITE_TRANSIENT);
                if (sqlite3_step(s) == SQLITE_ROW) {
                    const unsigned char *u = sqlite3_column_text(s, 0);
                    if (u)
                        uploads = strdup((const char *)u);
                    if (sqlite3_column_type(s, 1) == SQLITE_INTEGER) {
                        long vc = (long)sqlite3_column_int64(s, 1);
                        if (p.limit > 0 && p.limit < vc)
                            vc = p.limit;
                        f.est_pages = 1 + (vc + 49) / 50 * 2;
                    }
                }
            }
            sqlite3_finalize(s);
            if (!uploads) {
                f.fatal = 1;
                kn_exec_fail(c->x, "YouTubeAPIError",
                             "channels.list returned no channel (or no "
                             "uploads playlist) for %s",
                             yt_buf_str(&p.chan_params));
                kn_exec_fail_line(c->x, "Hint: check the channel id or "
                                        "handle.");
                goto finish;
            }
        }
        if (!resumed || strcmp(f.phase, "videos") != 0) {
            struct yt_buf pp;
            memset(&pq, 0, sizeof(pq));
            yt_buf_init(&pp, 1u << 16);
            qp_add(&pp, "part", "snippet,contentDetails");
            qp_add(&pp, "playlistId", uploads);
            pq.m = pm;
            pq.params = yt_buf_take(&pp);
            pq.table = strdup("playlist_items");
            pq.limit = p.limit;
            pq.paginate = 1;
            pq.is_main = 1;
            pq.label = strdup("the uploads playlist");
            if (resumed && st.page_token)
                pq.page_token = strdup(st.page_token);
            set_phase(&f, "playlist");
            f.single_target = 1;
            if (run_queries(&f, &pq, 1, &pq) < 0) {
                query_free(&pq);
                free(uploads);
                goto finish;
            }
            query_free(&pq);
        }
        set_phase(&f, "videos");
        save_state(&f, NULL);
        {
            /* Quoted into SQL: playlist ids are [A-Za-z0-9_-]. */
            const char *w;
            for (w = uploads; *w; w++)
                if (!(isalnum((unsigned char)*w) || *w == '_' || *w == '-'))
                    break;
            if (asprintf(&where, "AND playlist_id = '%s'", *w ? "" : uploads) <
                0)
                where = NULL;
        }
        free(uploads);
        nv = ids_since(&f, "playlist_items", "video_id", where, &vids);
        free(where);
        if (nv < 0) {
            kn_exec_fail(c->x, "StoreError", "cannot read playlist items");
            goto out;
        }
        nq = make_id_queries(&f, p.m, yt_buf_str(&p.params), p.table, "id", 1,
                             vids, nv, &qs);
        yt_store_ids_free(vids, nv);
        if (nq < 0) {
            kn_exec_fail(c->x, "MemoryError", "out of memory");
            goto out;
        }
        f.single_target = 0;
        ok = run_queries(&f, qs, nq, NULL) == 0;
        goto finish;
    }

    if (p.nids > 0) {
        nq = make_id_queries(&f, p.m, yt_buf_str(&p.params), p.table,
                             p.ids_param, p.ids_batch, p.ids, p.nids, &qs);
        if (nq < 0) {
            kn_exec_fail(c->x, "MemoryError", "out of memory");
            goto out;
        }
        if (p.ids_batch)
            f.est_pages = nq;
        set_phase(&f, "ids");
        save_state(&f, NULL);
        f.single_target = 0;
        ok = run_queries(&f, qs, nq, NULL) == 0;
    } else if (!resumed || strcmp(f.phase, "channels") != 0) {
        qs = calloc(1, sizeof(*qs));
        if (!qs) {
            kn_exec_fail(c->x, "MemoryError", "out of memory");
            goto out;
        }
        nq = 1;
        qs[0].m = p.m;
        qs[0].params = strdup(yt_buf_str(&p.params));
        qs[0].table = strdup(p.table);
        qs[0].limit = p.limit;
        qs[0].paginate = p.m->max_results > 0;
        qs[0].is_main = 1;
        if (resumed && st.page_token) {
            qs[0].page_token = strdup(st.page_token);
            qs[0].got = st.items; /* --limit counts the earlier run too */
        }
        if (p.limit > 0 && p.m->max_results > 0)
            f.est_pages = (p.limit + p.m->max_results - 1) / p.m->max_results;
        else if (strstr(yt_buf_str(&p.params), "chart=mostPopular"))
            f.est_pages = 4;
        else if (p.m->max_results == 0)
            f.est_pages = 1;
        f.single_target = 1;
        ok = run_queries(&f, qs, 1, &qs[0]) == 0;
    } else {
        ok = 1;
    }
    if (ok && p.recipe == 2) {
        /* subscriptions --with-channels: channels' statistics, 50 a call. */
        char **cids = NULL;
        long nc;
        struct query *cq = NULL;
        int ncq;
        const struct yt_api_method *cm = yt_api_method_find("channels");

        free_queries(qs, nq);
        qs = NULL;
        nq = 0;
        set_phase(&f, "channels");
        save_state(&f, NULL);
        if (yt_store_table_ensure(c->db, "channels", YT_KIND_CHANNEL, err) <
            0) {
            kn_exec_fail(c->x, "StoreError", "%s", err);
            goto out;
        }
        nc = ids_since(&f, p.table, "channel_id", NULL, &cids);
        if (nc < 0) {
            kn_exec_fail(c->x, "StoreError", "cannot read subscriptions");
            goto out;
        }
        ncq = make_id_queries(&f, cm,
                              "part=snippet%2Cstatistics%2CcontentDetails",
                              "channels", "id", 1, cids, nc, &cq);
        yt_store_ids_free(cids, nc);
        if (ncq < 0) {
            kn_exec_fail(c->x, "MemoryError", "out of memory");
            goto out;
        }
        f.single_target = 0;
        ok = run_queries(&f, cq, ncq, NULL) == 0;
        free_queries(cq, ncq);
    }
finish:
    rc = finish(&f, p.recipe == 1 ? YT_KIND_VIDEO : p.m->kind, table_for_show,
                ok, (int)show);
out:
    free_queries(qs, nq);
    yt_store_state_free(&st);
    fetch_free(&f);
    plan_free(&p);
    return rc;
}

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    const char *sub = mg_args_pos(a, 0);

    if (!sub) {
        kn_exec_page(c->x, fetch_help);
        return usage_fail(c->x, "%yt_fetch needs a resource, e.g. "
                                "%yt_fetch videos --chart mostPopular");
    }
    if (strcmp(sub, "quota") == 0)
        return sub_quota(c);
    if (strcmp(sub, "export") == 0)
        return sub_export(c, a);
    if (strcmp(sub, "log") == 0)
        return sub_log(c, a);
    if (strcmp(sub, "status") == 0)
        return sub_status(c);
    if (mg_args_pos(a, 1)) {
        char msg[300];
        snprintf(msg, sizeof(msg),
                 "unexpected word '%.60s': filters are options, e.g. --id "
                 "ID (quote values with spaces)",
                 mg_args_pos(a, 1));
        return usage_fail(c->x, msg);
    }
    return run_fetch(c, a, sub);
}

const struct mg_magic mg_yt_fetch_magic = {
    .name = "yt_fetch",
    .summary = "fetch YouTube Data API lists into SQLite tables (quota-aware,"
               " resumable)",
    .help = fetch_help,
    .opts = fetch_opts,
    .subcommands = fetch_subcommands,
    .line = run_line,
};
