/* mg_yt_fetch.c -- %yt_fetch: YouTube Data API v3 -> the SQLite store.
 *
 * The magic reads the options once into a `struct plan`, then hands the
 * fetch to lib/: yt_recipe (what to ask: listings, id batches, the uploads
 * and --with-channels recipes, reply completion, resume) running on the
 * engine yt_fetch (how: pipelined requests, one transaction per page,
 * retries, the shared 401 refresh, the request log).  What stays here:
 * option parsing, help, the dry run, the quota/log/status/export
 * subcommands, the progress line and the rendering of errors and results.
 *
 * Ownership: everything allocated for a fetch lives in `struct fetch` and is
 * released by fetch_free(); the libcurl handle is one per process
 * (keep-alive reuse across cells).
 */
#include "mg_interp.h"
#include "mg_registry.h"
#include "mg_table.h"
#include "mg_yt_analytics.h"

#include <ctype.h>
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yt_api.h"
#include "yt_buf.h"
#include "yt_cred.h"
#include "yt_env.h"
#include "yt_fetch.h"
#include "yt_http.h"
#include "yt_recipe.h"
#include "yt_store.h"
#include "yt_time.h"

#define PROGRESS_MIN_S 0.15

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
    {"published-after", 0, 1,
     "a date 2024-01-01 (midnight UTC) or RFC 3339 time"},
    {"published-before", 0, 1,
     "a date 2024-01-01 (midnight UTC) or RFC 3339 time"},
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
    /* analytics (mg_yt_analytics.c) */
    {"metrics", 0, 1, "analytics: metrics, e.g. views,estimatedMinutesWatched"},
    {"dimensions", 0, 1, "analytics: dimensions, e.g. day or ageGroup,gender"},
    {"filters", 0, 1, "analytics: filters, e.g. video==ID;country==US"},
    {"sort", 0, 1, "analytics: sort, '-' = descending, e.g. -views"},
    {"start", 0, 1, "analytics: first day, YYYY-MM-DD (or -30d)"},
    {"end", 0, 1, "analytics: last day, YYYY-MM-DD (default today)"},
    {"last", 0, 1, "analytics: the last N days/weeks/months: 90d, 12w, 6m"},
    {"max-results", 0, 1, "analytics: at most N rows"},
    {"currency", 0, 1, "analytics: currency of revenue metrics, e.g. EUR"},
    {NULL, 0, 0, NULL},
};

static const char *const fetch_subcommands[] = {"channels",
                                                "playlists",
                                                "playlist_items",
                                                "videos",
                                                "search",
                                                "comment_threads",
                                                "comments",
                                                "subscriptions",
                                                "activities",
                                                "video_categories",
                                                "regions",
                                                "languages",
                                                "uploads",
                                                "quota",
                                                "export",
                                                "log",
                                                "status",
                                                "analytics",
                                                NULL};

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
    "  subscriptions --mine --with-channels   + channels' "
    "statistics\n" MG_YT_ANALYTICS_HELP "Other:\n"
    "  %yt_fetch quota              today's quota units (Pacific day)\n"
    "  %yt_fetch log [N]            the last N logged requests\n"
    "  %yt_fetch status             stopped fetches that --resume can "
    "continue\n"
    "  %yt_fetch export TABLE FILE.csv|.json|.ndjson [--raw]\n"
    "      CSV text cells starting with = + - @ TAB CR get a leading ' so\n"
    "      spreadsheets do not run them; --raw writes them as stored;\n"
    "      the file's folders are created\n"
    "\n"
    "Environment: YTK_FETCH_BACKOFF_MS (retry base, default 1000),\n"
    "YTK_FETCH_BACKOFF_CAP_MS (default 32000), YTK_FETCH_RETRIES (default "
    "5),\n"
    "YTK_FETCH_PARALLEL (default 6), YTK_DAILY_QUOTA (default 10000).\n";

/* ------------------------------------------------------------ types */

#define SKIP_LINES 20     /* skipped items listed; the rest are counted */
#define SKIP_BYTES 16384u /* and at most this much text */

/* The skipped per-item errors: the first lines, then a count. */
struct skiplist {
    struct yt_buf text;
    long shown, more;
};

struct fetch {
    struct mg_ctx *c;
    struct kn_exec *x;
    sqlite3 *db;
    struct yt_http *http;
    struct yt_cred cred;
    char *api_base;
    char fetch_id[37];
    char started_at[32];     /* of this run, or of the resumed one */
    char run_started_at[32]; /* of this run */
    char *key;               /* resume key */
    char *desc;              /* human description of the fetch */
    double t0;
    /* progress */
    char disp_id[37];
    int disp_shown;
    double last_update;
    const char *label;
    struct yt_fetch *eng;
    struct yt_recipe_job *job;
    struct skiplist skipped;
    /* outcome */
    int fatal; /* kn_exec_fail was called */
    int interrupted;
    long resumed_pages; /* pages stored by the run this one resumes */
};

/* ------------------------------------------------------------ helpers */

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
    if (yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\">"
                        "<span style=\"color:#8a6d3b\">") < 0 ||
        mg_html_escape(&h, text, -1) < 0 ||
        yt_buf_adds(&h, "</span></div>") < 0) {
        kn_exec_display(x, bundle(text, NULL), NULL, NULL);
    } else {
        kn_exec_display(x, bundle(text, yt_buf_str(&h)), NULL, NULL);
    }
    yt_buf_free(&h);
}

static void skip_add(struct skiplist *s, const char *line)
{
    size_t n = strlen(line);

    /* append only what fits, so a full list is never emptied */
    if (s->shown < SKIP_LINES && s->text.len + n + 2 < SKIP_BYTES &&
        yt_buf_addf(&s->text, "%s\n", line) == 0)
        s->shown++;
    else
        s->more++;
}

static void fetch_free(struct fetch *f)
{
    if (f->http)
        yt_http_set_abort(f->http, NULL, NULL);
    yt_fetch_free(f->eng);
    yt_recipe_job_free(f->job);
    yt_cred_free(&f->cred);
    free(f->api_base);
    free(f->key);
    free(f->desc);
    yt_buf_free(&f->skipped.text);
}

static long f_pages(const struct fetch *f)
{
    return f->eng ? yt_fetch_get_stats(f->eng)->pages : 0;
}

static long f_units(const struct fetch *f)
{
    return f->eng ? yt_fetch_get_stats(f->eng)->units : 0;
}

static long f_retries(const struct fetch *f)
{
    return f->eng ? yt_fetch_get_stats(f->eng)->retries : 0;
}

static long f_items(const struct fetch *f)
{
    return f->job ? yt_recipe_items(f->job) : 0;
}

/* Pages this run should take, -1 when unknown: the recipe estimates the
 * whole fetch, of which a resumed run has the rest to do. */
static long f_est_pages(const struct fetch *f)
{
    long est = f->job ? yt_recipe_est_pages(f->job) : -1;

    if (est > 0 && f->resumed_pages > 0)
        est = est > f->resumed_pages ? est - f->resumed_pages : 1;
    return est;
}

/* ------------------------------------------------------------ progress */

static void fmt_elapsed(char *out, size_t n, double s)
{
    if (s < 60)
        snprintf(out, n, "%.1f s", s);
    else
        snprintf(out, n, "%dm %02ds", (int)(s / 60), (int)s % 60);
}

/* The progress line of a running fetch into t. */
static int progress_text(struct fetch *f, struct yt_buf *t)
{
    long pages = f_pages(f), items = f_items(f), units = f_units(f);
    long est = f_est_pages(f);
    const struct yt_fetch_stats *s = f->eng ? yt_fetch_get_stats(f->eng) : NULL;
    char el[32];
    int rc = 0;

    fmt_elapsed(el, sizeof(el), yt_time_mono() - f->t0);
    if (est > 0) {
        long done = pages < est ? pages : est;
        int fill = (int)(10 * done / est), i;
        rc |= yt_buf_addf(t, "%s: [", f->label);
        for (i = 0; i < 10; i++)
            rc |= yt_buf_adds(t, i < fill ? "#" : " ");
        rc |= yt_buf_addf(t, "] %ld/~%ld pages", pages, est);
    } else {
        rc |= yt_buf_addf(t, "%s: %ld page%s", f->label, pages,
                          pages == 1 ? "" : "s");
    }
    rc |= yt_buf_addf(t, " · %ld item%s · %ld quota unit%s · %s%s", items,
                      items == 1 ? "" : "s", units, units == 1 ? "" : "s", el,
                      s && s->retrying ? " · retrying" : "");
    return rc ? -1 : 0;
}

static void progress_publish(struct fetch *f, int final, const char *final_text)
{
    struct yt_buf t, h;
    long pages = f_pages(f);
    long est = f_est_pages(f);
    int rc = 0;

    yt_buf_init(&t, 1u << 16);
    yt_buf_init(&h, 1u << 16);
    if (final) {
        rc |= yt_buf_adds(&t, final_text);
        rc |= yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\">"
                              "<span>");
        rc |= mg_html_escape(&h, final_text, -1);
        rc |= yt_buf_adds(&h, "</span></div>");
    } else {
        rc |= progress_text(f, &t);
        rc |= yt_buf_adds(&h, "<div class=\"tex2jax_ignore mathjax_ignore\">");
        if (est > 0)
            rc |= yt_buf_addf(
                &h, "<progress max=\"%ld\" value=\"%ld\"></progress> ", est,
                pages < est ? pages : est);
        else
            rc |= yt_buf_adds(&h, "<progress></progress> ");
        rc |= yt_buf_adds(&h, "<span>");
        rc |= mg_html_escape(&h, yt_buf_str(&t), -1);
        rc |= yt_buf_adds(&h, "</span></div>");
    }
    if (rc == 0) {
        cJSON *data = bundle(yt_buf_str(&t), yt_buf_str(&h));
        if (!f->disp_shown) {
            kn_exec_new_id(f->disp_id);
            kn_exec_display(f->x, data, NULL, f->disp_id);
            f->disp_shown = 1;
        } else {
            kn_exec_update_display(f->x, data, NULL, f->disp_id);
        }
    }
    f->last_update = yt_time_mono();
    yt_buf_free(&t);
    yt_buf_free(&h);
}

/* ------------------------------------------------------------ engine hooks */

static int hook_interrupted(void *arg)
{
    struct fetch *f = arg;
    return kn_exec_interrupted(f->x);
}

static void hook_progress(void *arg, const struct yt_fetch_stats *s)
{
    struct fetch *f = arg;

    (void)s;
    if (f->disp_shown && yt_time_mono() - f->last_update < PROGRESS_MIN_S)
        return;
    progress_publish(f, 0, NULL);
}

static void hook_skipped(void *arg, const char *label,
                         const struct yt_api_error *e)
{
    struct fetch *f = arg;
    char line[700];

    snprintf(line, sizeof(line), "%.120s: %ld %.60s: %.400s", label, e->code,
             e->reason[0] ? e->reason : "-", e->message);
    skip_add(&f->skipped, line);
}

static int hook_refresh(void *arg, char err[YTK_ERR_LEN])
{
    struct fetch *f = arg;
    return yt_cred_refresh(f->http, &f->cred, err) == YTK_OK ? 0 : -1;
}

/* The error that stops the fetch, as the user sees it. */
static void hook_failed(void *arg, const char *label, const char *method,
                        const struct yt_api_error *e, int http_rc, int retries)
{
    struct fetch *f = arg;
    const char *ename = "YouTubeAPIError";
    char line[700];

    if (f->fatal)
        return;
    f->fatal = 1;
    if (http_rc == YTK_E_SQL) {
        kn_exec_fail(f->x, "StoreError", "%s", e->message);
        return;
    }
    if (!label && strcmp(method, "token") == 0) {
        kn_exec_fail(f->x, "AuthError",
                     "the access token expired and could not be "
                     "refreshed: %s",
                     e->message);
        kn_exec_fail_line(f->x, "Hint: run %yt_auth login, then "
                                "rerun with --resume.");
        return;
    }
    if (http_rc != 0) {
        kn_exec_fail(f->x, ename, "%s.list failed: %s", method,
                     e->message[0] ? e->message : "transfer failed");
    } else {
        if (yt_api_reason_is_quota(e->reason))
            ename = "QuotaExceeded";
        else if (e->code == 401 ||
                 strcmp(e->reason, "insufficientPermissions") == 0)
            ename = "AuthError";
        kn_exec_fail(f->x, ename, "%s.list: %ld %s: %s", method, e->code,
                     e->reason[0] ? e->reason : "(no reason)", e->message);
        snprintf(line, sizeof(line),
                 "API error: code=%ld reason=%s%s%s message=%s", e->code,
                 e->reason[0] ? e->reason : "-", e->status[0] ? " status=" : "",
                 e->status, e->message);
        kn_exec_fail_line(f->x, line);
    }
    if (label) {
        snprintf(line, sizeof(line), "While fetching: %s", label);
        kn_exec_fail_line(f->x, line);
    }
    snprintf(
        line, sizeof(line), "Hint: %s",
        yt_api_error_hint(http_rc ? NULL : e->reason, http_rc ? 503 : e->code));
    kn_exec_fail_line(f->x, line);
    if (retries > 0) {
        snprintf(line, sizeof(line),
                 "Gave up after %d retries with exponential backoff.", retries);
        kn_exec_fail_line(f->x, line);
    }
    if (http_rc == 0 && e->code == 401)
        kn_exec_fail_line(f->x, f->cred.access_token
                                    ? "The refreshed token was refused "
                                      "too: run %yt_auth login."
                                    : "This call needs OAuth: run "
                                      "%yt_auth login.");
}

static void clear_state(struct fetch *f)
{
    char err[YTK_ERR_LEN];

    if (!f->key)
        return;
    yt_store_state_delete(f->db, f->key, err);
    yt_store_done_clear(f->db, f->key, err);
}

/* ------------------------------------------------------------ planning */

/* Everything the options say, read once; nothing below reads mg_args. */
struct plan {
    const char *resource; /* user word */
    const struct yt_api_method *m;
    struct yt_buf params; /* encoded filters + part */
    char *table;
    char *comments_table; /* --comments-into */
    char **ids;           /* --ids resolved */
    long nids;
    const char *ids_spec;  /* --ids/--id as written (resume key) */
    const char *ids_param; /* API filter the ids go into */
    int ids_batch;         /* 50 per call, else one query per id */
    long limit;
    long show;              /* --show, -1 = default */
    int dry_run, resume;    /* --dry-run, --resume */
    const char *token_file; /* --token-file or NULL */
    enum yt_recipe_kind recipe;
    struct yt_buf chan_params; /* uploads: channels.list filter */
    /* uploads: the channel named (dry-run estimate from the store) */
    const char *channel, *handle;
    int mine;
    int oom; /* an append to params failed (checked after make_plan) */
};

static void plan_free(struct plan *p)
{
    yt_buf_free(&p->params);
    yt_buf_free(&p->chan_params);
    free(p->table);
    free(p->comments_table);
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
    p->oom |= yt_http_query_add(&p->params, param,
                                value_override ? value_override : v) < 0;
    return 1;
}

/* --published-after/--published-before: a date YYYY-MM-DD (its midnight
 * UTC, written into out) or an RFC 3339 time (out = ""), else -1.  Google
 * refuses anything else with a 400 that costs a search 100 units. */
static int rfc3339_value(const char *v, char out[32])
{
    int y, mo, d, h, mi, sec, n = 0;
    size_t len = strlen(v);

    out[0] = '\0';
    if (sscanf(v, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 || mo < 1 ||
        mo > 12 || d < 1 ||
        d > (int)(yt_time_days_from_civil(y + (mo == 12), mo % 12 + 1, 1) -
                  yt_time_days_from_civil(y, (unsigned)mo, 1)))
        return -1;
    if (len == 10) {
        snprintf(out, 32, "%.10sT00:00:00Z", v);
        return 0;
    }
    if ((v[10] != 'T' && v[10] != 't') ||
        sscanf(v + 11, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 || n != 8 ||
        h > 23 || mi > 59 || sec > 60)
        return -1;
    v += 19;
    if (*v == '.') {
        v++;
        if (!isdigit((unsigned char)*v))
            return -1;
        while (isdigit((unsigned char)*v))
            v++;
    }
    if ((*v == 'Z' || *v == 'z') && !v[1])
        return 0;
    if ((*v == '+' || *v == '-') && isdigit((unsigned char)v[1]) &&
        isdigit((unsigned char)v[2]) && v[3] == ':' &&
        isdigit((unsigned char)v[4]) && isdigit((unsigned char)v[5]) && !v[6])
        return 0;
    return -1;
}

/* A comma list whose every item is one of `allowed` (NULL-terminated). */
static int in_list(const char *v, const char *const *allowed)
{
    while (*v) {
        size_t n = strcspn(v, ","), i;
        int ok = 0;

        for (i = 0; allowed[i] && !ok; i++)
            ok = strlen(allowed[i]) == n && strncmp(allowed[i], v, n) == 0;
        if (!ok)
            return 0;
        v += n;
        if (*v == ',')
            v++;
    }
    return 1;
}

/* Values Google takes from a fixed set, checked before any request (a
 * typo was a 400, 100 units for a search).  0 or -1 after failing. */
static int check_enums(struct kn_exec *x, const struct mg_args *a,
                       const char *resource)
{
    static const char *const search_order[] = {
        "date",       "rating",    "relevance", "title",
        "videoCount", "viewCount", NULL};
    static const char *const thread_order[] = {"time", "relevance", NULL};
    static const char *const subs_order[] = {"alphabetical", "relevance",
                                             "unread", NULL};
    static const char *const types[] = {"channel", "playlist", "video", NULL};
    const char *order = mg_args_get(a, "order"), *type = mg_args_get(a, "type");
    const char *const *want = NULL;
    char msg[300];

    if (strcmp(resource, "search") == 0)
        want = search_order;
    else if (strcmp(resource, "comment_threads") == 0)
        want = thread_order;
    else if (strcmp(resource, "subscriptions") == 0)
        want = subs_order;
    if (order && *order && want &&
        (strchr(order, ',') || !in_list(order, want))) {
        char names[160] = "";
        size_t i;

        for (i = 0; want[i]; i++)
            snprintf(names + strlen(names), sizeof(names) - strlen(names),
                     "%s%s", i ? ", " : "", want[i]);
        snprintf(msg, sizeof(msg),
                 "--order takes one of %s for %s, not '%.60s'", names, resource,
                 order);
        return usage_fail(x, msg);
    }
    if (type && *type && strcmp(resource, "search") == 0 &&
        !in_list(type, types)) {
        snprintf(msg, sizeof(msg),
                 "--type takes video, channel or playlist (or a comma list "
                 "of them), not '%.60s'",
                 type);
        return usage_fail(x, msg);
    }
    return 0;
}

/* Options that are valid only for some resources. */
static int check_parts(struct kn_exec *x, const struct yt_api_method *m,
                       const char *parts)
{
    char *dup = strdup(parts), *save = NULL, *tok;
    char msg[400];
    int ok = 1, n = 0;

    if (!dup)
        return -1;
    for (tok = strtok_r(dup, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save), n++) {
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
    if (ok && n == 0) {
        /* part= would be sent and refused (400 required), for a unit */
        snprintf(msg, sizeof(msg),
                 "--part needs at least one part, e.g. --part "
                 "snippet,statistics; valid for %s: %s",
                 m->name, m->parts);
        ok = 0;
    }
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
        p->oom |= yt_http_query_add(&p->params, tok, eq + 1) < 0;
    }
    free(dup);
    return 0;
}

/* The options that are not filters: what to show, how to run. */
static int plan_general(struct kn_exec *x, const struct mg_args *a,
                        struct plan *p)
{
    char msg[YTK_ERR_LEN];

    if (mg_args_get_long(a, "show", 0, 1000, &p->show, msg) < 0)
        return usage_fail(x, msg);
    p->dry_run = mg_args_has(a, "dry-run");
    p->resume = mg_args_has(a, "resume");
    p->token_file = mg_args_get(a, "token-file");
    p->channel = mg_args_get(a, "channel");
    p->handle = mg_args_get(a, "handle");
    p->mine = mg_args_has(a, "mine");
    p->comments_table =
        strdup(mg_args_get(a, "comments-into") ? mg_args_get(a, "comments-into")
                                               : "comments");
    if (!p->comments_table)
        return usage_fail(x, "out of memory");
    return 0;
}

/* The uploads recipe: one channel (its uploads playlist), then videos. */
static int plan_uploads(struct kn_exec *x, const struct mg_args *a,
                        const char *part, const char *into, struct plan *p)
{
    int nfilter = 0;

    p->recipe = YT_RECIPE_UPLOADS;
    p->m = yt_api_method_find("channels");
    if (mg_args_has(a, "mine"))
        p->oom |= yt_http_query_add(&p->chan_params, "mine", "true") < 0,
            nfilter++;
    if (mg_args_get(a, "channel"))
        p->oom |= yt_http_query_add(&p->chan_params, "id",
                                    mg_args_get(a, "channel")) < 0,
            nfilter++;
    if (mg_args_get(a, "handle"))
        p->oom |= yt_http_query_add(&p->chan_params, "forHandle",
                                    mg_args_get(a, "handle")) < 0,
            nfilter++;
    if (nfilter != 1)
        return usage_fail(x, "uploads needs exactly one of --channel ID, "
                             "--mine, --handle @name");
    /* an empty value would be sent as no filter at all (400) */
    if ((mg_args_get(a, "channel") && !*mg_args_get(a, "channel")) ||
        (mg_args_get(a, "handle") && !*mg_args_get(a, "handle")))
        return usage_fail(x, mg_args_get(a, "channel")
                                 ? "--channel needs a value"
                                 : "--handle needs a value");
    p->m = yt_api_method_find("videos");
    p->table = strdup(into ? into : "videos");
    if (part && check_parts(x, p->m, part) < 0)
        return -1;
    p->oom |= yt_http_query_add(&p->params, "part",
                                part ? part
                                     : "snippet,contentDetails,statistics") < 0;
    return 0;
}

/* --ids / --id: which parameter carries them, batched or one call each,
 * and the ids themselves (a list, or a SQL query over the store). */
static int plan_ids(struct mg_ctx *c, const char *resource, const char *ids,
                    struct plan *p)
{
    struct kn_exec *x = c->x;
    char err[YTK_ERR_LEN], msg[YTK_ERR_LEN];

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
        snprintf(msg, sizeof(msg), "--ids is not supported for %s", resource);
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
    char msg[YTK_ERR_LEN];
    long limit = -1;

    memset(p, 0, sizeof(*p));
    yt_buf_init(&p->params, 1u << 20);
    yt_buf_init(&p->chan_params, 1u << 16);
    p->resource = resource;
    p->limit = -1;
    p->show = -1;
    if (mg_args_get_long(a, "limit", 1, 100000000, &limit, msg) < 0)
        return usage_fail(x, msg);
    p->limit = limit;
    if (plan_general(x, a, p) < 0)
        return -1;
    if (ids && id)
        return usage_fail(x, "give --ids or --id, not both");
    if (id)
        ids = id;
    p->ids_spec = ids;

    if (strcmp(resource, "uploads") == 0)
        return plan_uploads(x, a, part, into, p);

    p->m = yt_api_method_find(resource);
    if (!p->m || strcmp(resource, p->m->name) != 0) {
        const struct yt_api_method *all;
        size_t nm, i;
        struct yt_buf b;
        yt_buf_init(&b, 4096);
        all = yt_api_methods(&nm);
        for (i = 0; i < nm; i++)
            if (yt_buf_addf(&b, "%s%s", i ? ", " : "", all[i].name) < 0)
                break;
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
    p->oom |= yt_http_query_add(&p->params, "part",
                                part ? part : p->m->default_part) < 0;

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
        char when[2][32];

        if (check_enums(x, a, resource) < 0)
            return -1;
        for (i = 0; i < 2; i++) {
            const char *opt = i ? "published-before" : "published-after";
            const char *v = mg_args_get(a, opt);

            when[i][0] = '\0';
            if (v && *v && rfc3339_value(v, when[i]) < 0) {
                snprintf(msg, sizeof(msg),
                         "--%s takes a date (2026-01-01, its midnight UTC) "
                         "or an RFC 3339 time (2026-01-01T00:00:00Z), not "
                         "'%.60s'",
                         opt, v);
                return usage_fail(x, msg);
            }
        }
        for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
            const char *over = NULL;

            if (strcmp(simple[i].opt, "published-after") == 0 && when[0][0])
                over = when[0];
            if (strcmp(simple[i].opt, "published-before") == 0 && when[1][0])
                over = when[1];
            if ((r = map_filter(x, a, p, simple[i].opt, simple[i].param,
                                over)) < 0)
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
        p->recipe = YT_RECIPE_SUBS_CHANNELS;
    if (mg_args_get(a, "chart") &&
        strcmp(mg_args_get(a, "chart"), "mostPopular") != 0)
        return usage_fail(x, "--chart takes mostPopular (the only chart)");

    if (ids) {
        if (plan_ids(c, resource, ids, p) < 0)
            return -1;
        nfilter++;
    }
    if (strcmp(resource, "video_categories") == 0 && !nfilter &&
        !mg_args_get(a, "region")) {
        p->oom |= yt_http_query_add(&p->params, "regionCode", "US") < 0;
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
static char *fetch_key(const char *resource, const struct plan *p)
{
    char *k = NULL;
    const char *ids = p->ids_spec;

    if (asprintf(&k, "%s%s %s -> %s%s%s%s", resource,
                 p->recipe == YT_RECIPE_SUBS_CHANNELS ? " --with-channels" : "",
                 p->recipe == YT_RECIPE_UPLOADS ? yt_buf_str(&p->chan_params)
                                                : yt_buf_str(&p->params),
                 p->table, ids ? " ids=" : "", ids ? ids : "",
                 p->limit >= 0 ? " limited" : "") < 0)
        return NULL;
    return k;
}

/* ------------------------------------------------------------ dry run */

/* videoCount of the channel an uploads recipe names, from the store (a
 * previous channels fetch), or -1 when unknown. */
static long known_video_count(sqlite3 *db, const struct plan *p)
{
    sqlite3_stmt *st = NULL;
    const char *sql = NULL, *arg = NULL;
    char handle[200];
    long vc = -1;

    if (p->channel) {
        sql = "SELECT video_count FROM channels WHERE channel_id = ?1";
        arg = p->channel;
    } else if (p->handle) {
        const char *h = p->handle;
        snprintf(handle, sizeof(handle), "%s%s", h[0] == '@' ? "" : "@", h);
        sql = "SELECT video_count FROM channels WHERE custom_url = ?1 "
              "COLLATE NOCASE";
        arg = handle;
    } else if (p->mine) {
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

static int dry_run(struct mg_ctx *c, struct plan *p,
                   const struct yt_recipe_plan *rp)
{
    struct yt_buf t;
    long total = 0;
    int known = 1, rc = 0;

    yt_buf_init(&t, 1u << 20);
    rc |= yt_buf_addf(&t,
                      "Dry run of %%yt_fetch %s (nothing sent, no quota "
                      "spent). Planned calls:\n",
                      p->recipe == YT_RECIPE_UPLOADS ? "uploads" : p->resource);
    rc |= yt_recipe_estimate(
        rp, p->recipe == YT_RECIPE_UPLOADS ? known_video_count(c->db, p) : -1,
        yt_fetch_parallel_setting(), &t, &total, &known);
    if (known)
        rc |= yt_buf_addf(&t, "Estimated cost: %ld quota unit%s.\n", total,
                          total == 1 ? "" : "s");
    else
        rc |= yt_buf_addf(&t,
                          "Estimated cost: at least %ld quota unit%s (more "
                          "pages cost more).\n",
                          total ? total : 1, total == 1 ? "" : "s");
    {
        char day[11];
        long long used;
        yt_time_pacific_day(time(NULL), day);
        used = yt_store_quota_day(c->db, day);
        rc |= yt_buf_addf(&t, "Used today (Pacific day %s): %lld of %ld units.",
                          day, used < 0 ? 0 : used,
                          yt_env_long("YTK_DAILY_QUOTA", 10000, 1, 1000000000));
    }
    if (rc || mg_table_show_pre(c->x, yt_buf_str(&t)) < 0) {
        kn_exec_fail(c->x, "MemoryError", "out of memory writing the plan");
        rc = -1;
    }
    yt_buf_free(&t);
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ the magic */

static int summary_text(struct fetch *f, struct yt_buf *s, const char *verb)
{
    const struct yt_recipe_count *counts;
    long pages = f_pages(f), units = f_units(f), retries = f_retries(f);
    char el[32];
    int i, n = 0, rc = 0;

    counts = f->job ? yt_recipe_counts(f->job, &n) : NULL;
    fmt_elapsed(el, sizeof(el), yt_time_mono() - f->t0);
    rc |= yt_buf_addf(s, "%s ", verb);
    if (!n)
        rc |= yt_buf_adds(s, "0 rows");
    /* Distinct rows stored by this run (a reply may arrive twice); the
     * preview shows the rows of a resumed fetch's earlier runs too. */
    for (i = 0; i < n; i++) {
        char *sql = NULL;
        sqlite3_stmt *st = NULL;
        long rows = counts[i].rows;
        if (asprintf(&sql, "SELECT COUNT(*) FROM \"%s\" WHERE fetched_at >= ?1",
                     counts[i].table) < 0)
            sql = NULL;
        if (sql && sqlite3_prepare_v2(f->db, sql, -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, f->run_started_at, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) == SQLITE_ROW)
                rows = (long)sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        free(sql);
        rc |= yt_buf_addf(s, "%s%ld row%s into %s",
                          i == 0       ? ""
                          : i == n - 1 ? " and "
                                       : ", ",
                          rows, rows == 1 ? "" : "s", counts[i].table);
    }
    rc |= yt_buf_addf(s, " in %ld page%s, %ld quota unit%s, %s", pages,
                      pages == 1 ? "" : "s", units, units == 1 ? "" : "s", el);
    if (retries)
        rc |= yt_buf_addf(s, " (%ld retr%s)", retries,
                          retries == 1 ? "y" : "ies");
    if (f->resumed_pages > 0)
        rc |= yt_buf_addf(s, " (resumed after %ld earlier page%s)",
                          f->resumed_pages, f->resumed_pages == 1 ? "" : "s");
    return rc ? -1 : 0;
}

/* The skipped items: the first lines, then how many more. */
static void show_skipped(struct fetch *f)
{
    struct skiplist *k = &f->skipped;
    long total = k->shown + k->more;
    struct yt_buf w;

    if (!total)
        return;
    yt_buf_init(&w, 1u << 20);
    if (yt_buf_addf(&w, "Skipped %ld item%s (per-item errors):\n%s", total,
                    total == 1 ? "" : "s", yt_buf_str(&k->text)) == 0 &&
        (!k->more || yt_buf_addf(&w, "... and %ld more\n", k->more) == 0))
        note(f->x, yt_buf_str(&w));
    else
        note(f->x, "Some items were skipped (per-item errors).");
    yt_buf_free(&w);
}

static int finish(struct fetch *f, enum yt_api_kind kind, const char *table,
                  int ok, int show)
{
    struct yt_buf s;
    long pages = f_pages(f), items = f_items(f);
    long missing = f->job ? yt_recipe_missing(f->job) : 0;
    int rc = 0;

    yt_buf_init(&s, 1u << 16);
    if (f->interrupted) {
        if (summary_text(f, &s, "Interrupted: kept") == 0 &&
            yt_buf_adds(&s, ". Rerun with --resume to continue.") == 0)
            progress_publish(f, 1, yt_buf_str(&s));
        kn_exec_fail(f->x, "KeyboardInterrupt",
                     "fetch interrupted after %ld page%s; kept what was "
                     "stored (rerun with --resume to continue)",
                     pages, pages == 1 ? "" : "s");
        rc = -1;
    } else if (!ok || f->fatal) {
        if (summary_text(f, &s, "Stopped: kept") == 0 &&
            yt_buf_adds(&s, pages ? ". Fix the cause, then rerun with "
                                    "--resume."
                                  : ". Nothing was stored.") == 0)
            progress_publish(f, 1, yt_buf_str(&s));
        if (!f->fatal)
            kn_exec_fail(f->x, "YouTubeAPIError", "fetch stopped");
        if (pages > 0) {
            char line[300];
            snprintf(line, sizeof(line),
                     "Kept %ld item%s fetched before the error (%ld page%s); "
                     "the resume point is saved: rerun with --resume.",
                     items, items == 1 ? "" : "s", pages,
                     pages == 1 ? "" : "s");
            kn_exec_fail_line(f->x, line);
        }
        rc = -1;
    } else {
        if (summary_text(f, &s, "Fetched") == 0)
            progress_publish(f, 1, yt_buf_str(&s));
    }
    show_skipped(f);
    if (rc == 0 && f->job && yt_recipe_search_capped(f->job)) {
        char line[300];
        snprintf(line, sizeof(line),
                 "search announced about %ld results but stops near 500: "
                 "slice the period with --published-after/--published-before "
                 "to get more (100 units a page each).",
                 yt_recipe_total_results(f->job));
        note(f->x, line);
    }
    if (rc == 0 && missing > 0) {
        char line[200];
        snprintf(line, sizeof(line),
                 "%ld id%s returned nothing (deleted, private or wrong ids).",
                 missing, missing == 1 ? "" : "s");
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
            if (yt_buf_addf(&sql,
                            "SELECT %s FROM \"%s\" WHERE fetched_at >= "
                            "'%s' ORDER BY rowid",
                            preview[kind], table, f->started_at) < 0)
                rc = -1;
            else
                /* The summary is already the progress display's final
                 * text: the preview carries only its own caption. */
                rc = mg_table_show_query(
                    f->x, f->db, yt_buf_str(&sql),
                    f->resumed_pages > 0
                        ? "Stored by this fetch (this run and the stopped "
                          "one it resumed):"
                        : "Stored by this fetch:",
                    show < 0 ? 10 : show, 1);
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
    long limit = yt_env_long("YTK_DAILY_QUOTA", 10000, 1, 1000000000);
    time_t now = time(NULL);
    char err[YTK_ERR_LEN];
    long mins;
    char next[11];

    if (yt_store_init(c->db, err) < 0) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        return -1;
    }
    yt_time_pacific_day(now, day);
    used = yt_store_quota_day(c->db, day);
    /* Minutes until the Pacific day changes. */
    for (mins = 1; mins <= 25 * 60; mins++) {
        yt_time_pacific_day(now + mins * 60, next);
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
    char sql[512], err[YTK_ERR_LEN];
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
    char err[YTK_ERR_LEN];

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
    char err[YTK_ERR_LEN];
    long n;

    if (!table || !file || mg_args_pos(a, 3))
        return usage_fail(c->x, "usage: %yt_fetch export TABLE FILE.csv|.json|"
                                ".ndjson");
    {
        /* its folders are created, as %yt_plot --save does */
        const char *slash = strrchr(file, '/');

        if (slash && slash > file) {
            char *dir = strndup(file, (size_t)(slash - file));

            if (!dir || mg_mkdirs(dir, 0755, NULL) < 0) {
                kn_exec_fail(
                    c->x, "ExportError", "cannot create the folder %s: %s",
                    dir ? dir : file, dir ? strerror(errno) : "out of memory");
                free(dir);
                return -1;
            }
            free(dir);
        }
    }
    n = yt_store_export_ex(c->db, table, file,
                           mg_args_has(a, "raw") ? YT_STORE_EXPORT_RAW : 0,
                           err);
    if (n < 0 && kn_exec_interrupted(c->x)) {
        /* the store's progress handler stopped the read */
        kn_exec_fail(c->x, "KeyboardInterrupt",
                     "export interrupted; nothing was written to %s", file);
        return -1;
    }
    if (n < 0) {
        kn_exec_fail(c->x, "ExportError", "%s", err);
        return -1;
    }
    kn_exec_printf(c->x, 0, "Exported %ld row%s of %s to %s\n", n,
                   n == 1 ? "" : "s", table, file);
    return 0;
}

static int setup_fetch(struct fetch *f, struct mg_ctx *c,
                       const char *token_file, const char *label)
{
    char err[YTK_ERR_LEN];
    int rc;

    memset(f, 0, sizeof(*f));
    f->c = c;
    f->x = c->x;
    f->db = c->db;
    f->label = label;
    f->t0 = yt_time_mono();
    yt_buf_init(&f->skipped.text, SKIP_BYTES);
    kn_exec_new_id(f->fetch_id);
    yt_time_iso_now(f->started_at);
    memcpy(f->run_started_at, f->started_at, sizeof f->run_started_at);
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
    if (yt_store_init(c->db, err) < 0) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        return -1;
    }
    rc = yt_cred_load(f->http, c->home, token_file, &f->cred, err);
    if (rc != YTK_OK) {
        kn_exec_fail(c->x, "AuthError", "%s", err);
        kn_exec_fail_line(c->x, rc == YTK_E_NOCRED
                                    ? "Hint: run %yt_auth login (your own "
                                      "data) or %yt_auth key (public data)."
                                    : "Hint: run %yt_auth login again.");
        return -1;
    }
    yt_http_set_abort(f->http, abort_check, c->x);
    return 0;
}

/* The engine for f, with the magic's hooks. */
static int start_engine(struct fetch *f)
{
    struct yt_fetch_config cfg;
    char err[YTK_ERR_LEN];

    memset(&cfg, 0, sizeof(cfg));
    cfg.db = f->db;
    cfg.http = f->http;
    cfg.cred = &f->cred;
    cfg.base = f->api_base;
    cfg.fetch_id = f->fetch_id;
    cfg.hooks.arg = f;
    cfg.hooks.interrupted = hook_interrupted;
    cfg.hooks.progress = hook_progress;
    cfg.hooks.skipped = hook_skipped;
    cfg.hooks.failed = hook_failed;
    cfg.hooks.refresh = hook_refresh;
    f->eng = yt_fetch_new(&cfg, err);
    if (!f->eng) {
        kn_exec_fail(f->x, "MemoryError", "%s", err);
        return -1;
    }
    return 0;
}

/* Resume or replace the saved state of this fetch.  Returns 1 when
 * resuming (st filled), 0 otherwise, -1 on a store error. */
static int resume_point(struct fetch *f, const struct plan *p,
                        struct yt_store_state *st)
{
    char err[YTK_ERR_LEN], msg[YTK_ERR_LEN];
    int g;

    if (!p->resume) {
        /* A new fetch replaces any stopped one with the same key. */
        clear_state(f);
        return 0;
    }
    g = yt_store_state_get(f->db, f->key, st, err);
    if (g < 0) {
        kn_exec_fail(f->x, "StoreError", "%s", err);
        return -1;
    }
    if (g == 0) {
        struct yt_buf others;
        sqlite3_stmt *q = NULL;
        int n = 0, bad = 0;

        /* --resume on a line that differs from a stopped one (another
         * --limit, a filter spelled otherwise): starting over would spend
         * what the resume was meant to save, so name what can resume. */
        yt_buf_init(&others, 4096);
        if (sqlite3_prepare_v2(f->db,
                               "SELECT description FROM _ytk_fetch_state "
                               "ORDER BY updated_at DESC LIMIT 5",
                               -1, &q, NULL) == SQLITE_OK)
            while (sqlite3_step(q) == SQLITE_ROW) {
                const char *d = (const char *)sqlite3_column_text(q, 0);

                if (d)
                    bad |= yt_buf_addf(&others, "%s'%s'", n++ ? ", " : "", d);
            }
        sqlite3_finalize(q);
        if (n > 0 && !bad) {
            kn_exec_fail(f->x, "UsageError",
                         "no stopped fetch matches this line (%s); stopped: "
                         "%s. Rerun the stopped line as it was with --resume "
                         "(%%yt_fetch status lists them), or leave --resume "
                         "out to start over",
                         f->key ? f->key : "?", yt_buf_str(&others));
            yt_buf_free(&others);
            return -1;
        }
        yt_buf_free(&others);
        note(f->x, "Nothing to resume for this fetch: starting from the "
                   "first page.");
        return 0;
    }
    f->resumed_pages = st->pages;
    snprintf(f->started_at, sizeof(f->started_at), "%s",
             st->started_at ? st->started_at : f->started_at);
    snprintf(msg, sizeof(msg),
             "Resuming the stopped fetch (%ld page%s, %ld item%s "
             "stored before)%s.",
             st->pages, st->pages == 1 ? "" : "s", st->items,
             st->items == 1 ? "" : "s",
             st->page_token ? " from its saved page token" : "");
    note(f->x, msg);
    return 1;
}

/* What lib/ needs of the plan (strings borrowed from p). */
static void recipe_plan(const struct plan *p, struct yt_recipe_plan *rp)
{
    memset(rp, 0, sizeof(*rp));
    rp->recipe = p->recipe;
    rp->m = p->m;
    rp->params = yt_buf_str(&p->params);
    rp->table = p->table;
    rp->comments_table = p->comments_table;
    rp->ids = p->ids;
    rp->nids = p->nids;
    rp->ids_param = p->ids_param;
    rp->ids_batch = p->ids_batch;
    rp->limit = p->limit;
    rp->chan_params = yt_buf_str(&p->chan_params);
}

static int run_fetch(struct mg_ctx *c, const struct mg_args *a,
                     const char *resource)
{
    struct plan p;
    struct fetch f;
    struct yt_store_state st;
    struct yt_recipe_plan rp;
    int rc = -1, resumed, r;
    char err[YTK_ERR_LEN], msg[YTK_ERR_LEN];

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
    if (p.oom) {
        plan_free(&p);
        kn_exec_fail(c->x, "MemoryError", "out of memory reading the options");
        return -1;
    }
    if (!yt_store_valid_table(p.table)) {
        snprintf(msg, sizeof(msg),
                 "invalid --into '%.80s': use letters, digits and _", p.table);
        plan_free(&p);
        return usage_fail(c->x, msg);
    }
    if (!yt_store_valid_table(p.comments_table)) {
        plan_free(&p);
        return usage_fail(c->x, "invalid --comments-into table name");
    }
    if (yt_store_init(c->db, err) < 0) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        plan_free(&p);
        return -1;
    }
    recipe_plan(&p, &rp);
    if (p.dry_run) {
        rc = dry_run(c, &p, &rp);
        plan_free(&p);
        return rc;
    }
    if (setup_fetch(&f, c, p.token_file,
                    p.recipe == YT_RECIPE_UPLOADS ? "uploads" : resource) < 0)
        goto out;
    f.key = fetch_key(resource, &p);
    f.desc = f.key ? strdup(f.key) : NULL;
    rp.key = f.key;
    rp.desc = f.desc;
    resumed = resume_point(&f, &p, &st);
    if (resumed < 0)
        goto out;
    if (strcmp(resource, "search") == 0)
        note(c->x, "search.list costs 100 quota units per page (other lists "
                   "cost 1) and stops at about 500 results. For a channel's "
                   "videos use %yt_fetch uploads (1 unit per 50 videos).");
    if (yt_store_table_ensure(c->db, p.table,
                              p.recipe == YT_RECIPE_UPLOADS ? YT_KIND_VIDEO
                                                            : p.m->kind,
                              err) < 0 ||
        (p.m->kind == YT_KIND_COMMENT_THREAD &&
         yt_store_table_ensure(c->db, p.comments_table, YT_KIND_COMMENT, err) <
             0)) {
        kn_exec_fail(c->x, "StoreError", "%s", err);
        goto out;
    }
    f.job = yt_recipe_job_new(c->db, &rp, f.started_at);
    if (!f.job || start_engine(&f) < 0) {
        if (!f.job)
            kn_exec_fail(c->x, "MemoryError", "out of memory");
        goto out;
    }
    r = yt_recipe_run(f.job, f.eng, resumed ? &st : NULL, msg);
    if (r == YT_FETCH_E_INTERRUPTED) {
        f.interrupted = 1;
    } else if (r != YT_FETCH_OK && !f.fatal) {
        f.fatal = 1;
        if (strncmp(msg, "channels.list returned", 22) == 0) {
            kn_exec_fail(c->x, "YouTubeAPIError", "%s", msg);
            kn_exec_fail_line(c->x, "Hint: check the channel id or handle.");
        } else {
            kn_exec_fail(c->x, "StoreError", "%s",
                         msg[0] ? msg : "the fetch stopped");
        }
    }
    rc = finish(&f, p.recipe == YT_RECIPE_UPLOADS ? YT_KIND_VIDEO : p.m->kind,
                p.table, r == YT_FETCH_OK, (int)p.show);
out:
    yt_store_state_free(&st);
    fetch_free(&f);
    plan_free(&p);
    return rc;
}

/* A BEGIN left open by an SQL cell: the engine stores every page in a
 * transaction of its own, which SQLite refuses inside the user's, and
 * what the fetch creates would vanish at their ROLLBACK.  Say so before
 * any request spends quota.  Returns -1 after failing the cell, else 0. */
static int refuse_in_transaction(struct mg_ctx *c, const struct mg_args *a)
{
    if (mg_args_has(a, "dry-run") || sqlite3_get_autocommit(c->db))
        return 0;
    kn_exec_fail(c->x, "StoreError",
                 "a transaction is open (BEGIN in an earlier cell, without "
                 "COMMIT or ROLLBACK): %%yt_fetch stores each page in a "
                 "transaction of its own. Run COMMIT (or ROLLBACK), then "
                 "fetch again; nothing was fetched and no quota was spent.");
    return -1;
}

/* The store subcommands take only their own words: a --dry-run or
 * --limit given to them was accepted and ignored.  `opt` is the one option
 * allowed (or NULL), `maxpos` the most words after the subcommand.
 * Returns -1 after failing the cell, else 0. */
static int only_own_args(struct mg_ctx *c, const struct mg_args *a,
                         const char *sub, const char *opt, int maxpos,
                         const char *usage)
{
    char msg[400];
    int i;

    for (i = 0; i < a->nopt; i++)
        if (!opt || strcmp(a->optname[i], opt) != 0) {
            snprintf(msg, sizeof(msg),
                     "%%yt_fetch %s takes no --%.60s (usage: %s)", sub,
                     a->optname[i], usage);
            return usage_fail(c->x, msg);
        }
    if (mg_args_pos(a, maxpos + 1)) {
        snprintf(msg, sizeof(msg), "unexpected word '%.60s' (usage: %s)",
                 mg_args_pos(a, maxpos + 1), usage);
        return usage_fail(c->x, msg);
    }
    return 0;
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
        return only_own_args(c, a, sub, NULL, 0, "%yt_fetch quota") < 0
                   ? -1
                   : sub_quota(c);
    if (strcmp(sub, "export") == 0)
        return only_own_args(c, a, sub, "raw", 2,
                             "%yt_fetch export TABLE FILE [--raw]") < 0
                   ? -1
                   : sub_export(c, a);
    if (strcmp(sub, "log") == 0)
        return only_own_args(c, a, sub, NULL, 1, "%yt_fetch log [N]") < 0
                   ? -1
                   : sub_log(c, a);
    if (strcmp(sub, "status") == 0)
        return only_own_args(c, a, sub, NULL, 0, "%yt_fetch status") < 0
                   ? -1
                   : sub_status(c);
    if (strcmp(sub, "analytics") == 0)
        return refuse_in_transaction(c, a) < 0 ? -1
                                               : mg_yt_fetch_analytics(c, a);
    if (mg_args_pos(a, 1)) {
        char msg[300];
        snprintf(msg, sizeof(msg),
                 "unexpected word '%.60s': filters are options, e.g. --id "
                 "ID (quote values with spaces)",
                 mg_args_pos(a, 1));
        return usage_fail(c->x, msg);
    }
    if (refuse_in_transaction(c, a) < 0)
        return -1;
    return run_fetch(c, a, sub);
}

/* Tab after `%yt_fetch analytics`: the presets (else the default). */
static int complete_fetch(int n, const char *first,
                          void (*add)(void *arg, const char *word), void *arg)
{
    if (n != 1 || strcmp(first, "analytics") != 0)
        return 0;
    mg_yt_analytics_complete(add, arg);
    return 1;
}

const struct mg_magic mg_yt_fetch_magic = {
    .name = "yt_fetch",
    .summary = "fetch YouTube Data API lists into SQLite tables (quota-aware,"
               " resumable)",
    .help = fetch_help,
    .opts = fetch_opts,
    .subcommands = fetch_subcommands,
    .complete = complete_fetch,
    .line = run_line,
};
