/* mg_yt_analytics.c -- `%yt_fetch analytics`: YouTube Analytics v2 reports
 * on the fetch engine.  See mg_yt_analytics.h.
 *
 * Ownership: everything a run allocates lives in `struct an_run` and is
 * released by run_free(); the libcurl handle is one per process.
 */
#include "mg_yt_analytics.h"
#include "mg_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yt_analytics.h"
#include "yt_env.h"
#include "yt_api.h"
#include "yt_buf.h"
#include "yt_cred.h"
#include "yt_fetch.h"
#include "yt_http.h"
#include "yt_store.h"
#include "yt_time.h"

struct an_run {
    struct mg_ctx *c;
    struct kn_exec *x;
    const struct yt_an_preset *preset;
    char start[11], end[11];
    char metrics[512], dimensions[256], sort[256], filters[1024], ids_buf[128];
    const char *table, *currency, *ids, *token_file;
    long max_results, show, page;
    char *params, *base;
    char fetched_at[32], fetch_id[37];
    struct yt_cred cred;
    struct yt_http *http;
    struct yt_fetch *eng;
    struct yt_an_table t;
    int have_table, fatal;
    long stored;
};

static struct yt_http *an_http(void)
{
    static struct yt_http *h;

    if (!h)
        h = yt_http_new();
    return h;
}

static int usage(struct kn_exec *x, const char *msg)
{
    kn_exec_fail(x, "UsageError", "%s", msg);
    kn_exec_fail_line(x, "See %help yt_fetch (section YouTube Analytics).");
    return -1;
}

static void run_free(struct an_run *r)
{
    if (r->http)
        yt_http_set_abort(r->http, NULL, NULL);
    yt_fetch_free(r->eng);
    yt_cred_free(&r->cred);
    yt_an_table_free(&r->t);
    free(r->params);
    free(r->base);
}

/* ------------------------------------------------------------ options */

static int copy_opt(char *dst, size_t n, const char *v, const char *dflt)
{
    const char *s = v ? v : dflt ? dflt : "";

    if (strlen(s) >= n)
        return -1;
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int read_dates(struct an_run *r, const struct mg_args *a)
{
    const char *last = mg_args_get(a, "last");
    const char *s = mg_args_get(a, "start"), *e = mg_args_get(a, "end");
    char err[YTK_ERR_LEN];
    time_t now = yt_an_now(getenv("YTK_ANALYTICS_TODAY"));

    if (last && (s || e))
        return usage(r->x, "give either --last or --start/--end");
    if (!s && !e) {
        if (yt_an_last(last ? last : "28d", now, r->start, r->end, err) != 0)
            return usage(r->x, err);
        return 0;
    }
    if (!s)
        return usage(r->x, "--end needs --start (or use --last 90d)");
    if (yt_an_date(s, now, r->start, err) != 0 ||
        yt_an_date(e ? e : "today", now, r->end, err) != 0)
        return usage(r->x, err);
    return 0;
}

/* %yt_fetch's Data API options mean nothing to a report: refuse them
 * rather than ignore them (--ids is not the report's ids: use --channel). */
static int foreign_option(struct an_run *r, const struct mg_args *a)
{
    static const char *const ours[] = {
        "metrics", "dimensions", "filters",     "sort",       "start",
        "end",     "last",       "max-results", "currency",   "video",
        "channel", "into",       "dry-run",     "token-file", "show"};
    char msg[YTK_ERR_LEN];

    for (int i = 0; i < a->nopt; i++) {
        size_t k;

        for (k = 0; k < sizeof ours / sizeof ours[0]; k++)
            if (strcmp(a->optname[i], ours[k]) == 0)
                break;
        if (k == sizeof ours / sizeof ours[0]) {
            snprintf(msg, sizeof msg,
                     "--%.40s does not apply to analytics reports (a "
                     "channel other than yours: --channel UC...)",
                     a->optname[i]);
            return usage(r->x, msg);
        }
    }
    return 0;
}

static int read_options(struct an_run *r, const struct mg_args *a)
{
    const char *name = mg_args_pos(a, 1), *video = mg_args_get(a, "video");
    const char *f = mg_args_get(a, "filters"), *chan;
    char msg[YTK_ERR_LEN];
    long mr = 0;

    if (foreign_option(r, a) != 0)
        return -1;
    if (mg_args_pos(a, 2))
        return usage(r->x, "one preset at most, e.g. %yt_fetch analytics "
                           "daily --last 90d");
    if (name) {
        r->preset = yt_an_preset_find(name);
        if (!r->preset) {
            snprintf(msg, sizeof msg,
                     "unknown report preset '%.40s': daily, top-videos, "
                     "traffic, geography, devices, demographics, retention",
                     name);
            return usage(r->x, msg);
        }
    } else if (!mg_args_get(a, "metrics")) {
        return usage(r->x, "give a preset (%yt_fetch analytics daily) or "
                           "--metrics");
    }
    if (r->preset && r->preset->needs_video && !video &&
        !(f && strstr(f, "video==")))
        return usage(r->x, "the retention preset needs --video ID (one of "
                           "your videos)");
    if (copy_opt(r->metrics, sizeof r->metrics, mg_args_get(a, "metrics"),
                 r->preset ? r->preset->metrics : NULL) ||
        copy_opt(r->dimensions, sizeof r->dimensions,
                 mg_args_get(a, "dimensions"),
                 r->preset ? r->preset->dimensions : NULL) ||
        copy_opt(r->sort, sizeof r->sort, mg_args_get(a, "sort"),
                 r->preset ? r->preset->sort : NULL) ||
        copy_opt(r->filters, sizeof r->filters, f, NULL))
        return usage(r->x, "an option value is too long");
    if (video) {
        size_t n = strlen(r->filters);

        if (snprintf(r->filters + n, sizeof r->filters - n, "%svideo==%s",
                     n ? ";" : "", video) >= (int)(sizeof r->filters - n))
            return usage(r->x, "--video is too long");
    }
    if (mg_args_get_long(a, "max-results", 1, 1000000000, &mr, msg) != 0)
        return usage(r->x, msg);
    r->max_results = mr ? mr : r->preset ? r->preset->max_results : 0;
    r->show = -1;
    if (mg_args_get_long(a, "show", 0, 100000, &r->show, msg) != 0)
        return usage(r->x, msg);
    r->table = mg_args_get(a, "into");
    if (!r->table)
        r->table = r->preset ? r->preset->table : "analytics";
    if (!yt_store_valid_table(r->table))
        return usage(r->x, "invalid --into table name: use letters, digits "
                           "and _");
    r->currency = mg_args_get(a, "currency");
    r->token_file = mg_args_get(a, "token-file");
    chan = mg_args_get(a, "channel");
    r->ids = NULL;
    if (chan) {
        snprintf(r->ids_buf, sizeof r->ids_buf, "channel==%.100s", chan);
        r->ids = r->ids_buf;
    }
    return read_dates(r, a);
}

static int build_params(struct an_run *r)
{
    struct yt_an_request q;
    char err[YTK_ERR_LEN];

    memset(&q, 0, sizeof q);
    q.ids = r->ids;
    q.metrics = r->metrics;
    q.dimensions = r->dimensions;
    q.filters = r->filters;
    q.sort = r->sort;
    q.start = r->start;
    q.end = r->end;
    q.currency = r->currency;
    q.max_results = (int)r->max_results;
    /* YTK_ANALYTICS_PAGE_ROWS: smaller pages (tests of startIndex paging) */
    q.page_rows = (int)yt_env_long("YTK_ANALYTICS_PAGE_ROWS", 0, 1, YT_AN_PAGE);
    r->page = yt_an_page_size(&q);
    r->params = yt_an_params(&q, err);
    if (!r->params)
        return usage(r->x, err);
    r->base = yt_an_base(getenv("YTK_GOOGLE_BASE"));
    if (!r->base) {
        kn_exec_fail(r->x, "MemoryError", "out of memory");
        return -1;
    }
    return 0;
}

static int dry_run(struct an_run *r)
{
    struct yt_buf t;
    int rc;

    yt_buf_init(&t, 1u << 16);
    rc = yt_buf_addf(&t,
                     "Dry run of %%yt_fetch analytics (nothing sent, no "
                     "quota spent). Planned calls:\n"
                     "GET %s?%s\n"
                     "    0 Data API units (YouTube Analytics has its own "
                     "limits) · more pages with startIndex=N when a page is "
                     "full\n"
                     "    rows -> table %s (typed columns from the answer's "
                     "columnHeaders)",
                     YT_AN_METHOD, r->params, r->table);
    if (rc != 0 || mg_table_show_pre(r->x, yt_buf_str(&t)) < 0) {
        yt_buf_free(&t);
        kn_exec_fail(r->x, "MemoryError", "out of memory");
        return -1;
    }
    yt_buf_free(&t);
    return 0;
}

/* ------------------------------------------------------------ engine */

static long cursor_start(const char *cursor)
{
    if (!cursor || strncmp(cursor, "startIndex=", 11) != 0)
        return 1;
    return strtol(cursor + 11, NULL, 10);
}

static int on_page(struct yt_fetch *e, struct yt_fetch_query *q,
                   const cJSON *root, void *arg, char err[YTK_ERR_LEN])
{
    struct an_run *r = arg;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
    long first = cursor_start(yt_fetch_query_cursor(q)), left = -1, n;
    long asked = r->page;
    long got = cJSON_IsArray(rows) ? cJSON_GetArraySize(rows) : 0;
    char cursor[32];

    (void)e;
    if (!r->have_table) {
        if (yt_an_table_parse(root, r->filters, &r->t, err) != 0 ||
            yt_an_table_ensure(yt_fetch_db(e), r->table, &r->t, err) != 0)
            return -1;
        r->have_table = 1;
    }
    if (r->max_results > 0)
        left = r->max_results - r->stored;
    n = yt_an_store_rows(yt_fetch_db(e), r->table, &r->t, rows, left, r->start,
                         r->end, r->fetched_at, err);
    if (n < 0)
        return -1;
    r->stored += n;
    yt_fetch_query_set_logged_items(q, got);
    if (yt_an_next_cursor(first, got, asked, r->max_results, r->stored,
                          cursor) &&
        yt_fetch_query_set_cursor(q, cursor) == 0)
        return YT_FETCH_PAGE_MORE;
    return YT_FETCH_PAGE_DONE;
}

static int hook_interrupted(void *arg)
{
    return kn_exec_interrupted(((struct an_run *)arg)->x);
}

static int hook_refresh(void *arg, char err[YTK_ERR_LEN])
{
    struct an_run *r = arg;

    return yt_cred_refresh(r->http, &r->cred, err) == YTK_OK ? 0 : -1;
}

/* AuthError for what signing in again fixes, else YouTubeAPIError. */
static const char *error_name(const struct yt_api_error *e)
{
    if (e->code == 401 || strcmp(e->reason, "insufficientPermissions") == 0 ||
        strcmp(e->reason, "forbidden") == 0)
        return "AuthError";
    return "YouTubeAPIError";
}

static void hook_failed(void *arg, const char *label, const char *method,
                        const struct yt_api_error *e, int http_rc, int retries)
{
    struct an_run *r = arg;
    char line[700];

    if (r->fatal)
        return;
    r->fatal = 1;
    if (http_rc == YTK_E_SQL) {
        kn_exec_fail(r->x, "StoreError", "%s", e->message);
        return;
    }
    if (!label && method && strcmp(method, "token") == 0) {
        kn_exec_fail(r->x, "AuthError",
                     "the access token expired and could not be refreshed: "
                     "%s",
                     e->message);
        kn_exec_fail_line(r->x, "Hint: run %yt_auth login.");
        return;
    }
    if (http_rc != 0) {
        kn_exec_fail(r->x, "YouTubeAPIError", "reports.query failed: %s",
                     e->message[0] ? e->message : "transfer failed");
        snprintf(line, sizeof line, "Hint: %s", yt_api_error_hint(NULL, 503));
    } else {
        kn_exec_fail(r->x, error_name(e), "reports.query: %ld %s: %s", e->code,
                     e->reason[0] ? e->reason : "(no reason)", e->message);
        snprintf(line, sizeof line, "Hint: %s", yt_an_error_hint(e));
    }
    kn_exec_fail_line(r->x, line);
    if (retries > 0) {
        snprintf(line, sizeof line,
                 "Gave up after %d retries with exponential backoff.", retries);
        kn_exec_fail_line(r->x, line);
    }
}

static int setup(struct an_run *r)
{
    struct yt_fetch_config cfg;
    char err[YTK_ERR_LEN];
    int rc;

    kn_exec_new_id(r->fetch_id);
    yt_time_iso_now(r->fetched_at);
    r->http = an_http();
    if (!r->http) {
        kn_exec_fail(r->x, "HTTPError", "could not start libcurl");
        return -1;
    }
    if (yt_store_init(r->c->db, err) < 0) {
        kn_exec_fail(r->x, "StoreError", "%s", err);
        return -1;
    }
    rc = yt_cred_load(r->http, r->c->home, r->token_file, &r->cred, err);
    if (rc != YTK_OK || !r->cred.access_token) {
        kn_exec_fail(r->x, "AuthError", "%s",
                     rc != YTK_OK ? err
                                  : "YouTube Analytics reports need "
                                    "OAuth; an API key is not enough");
        kn_exec_fail_line(r->x, "Hint: run %yt_auth login --scopes "
                                "youtube.readonly,youtube.force-ssl,"
                                "yt-analytics.readonly");
        return -1;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.db = r->c->db;
    cfg.http = r->http;
    cfg.cred = &r->cred;
    cfg.base = r->base;
    cfg.fetch_id = r->fetch_id;
    cfg.hooks.arg = r;
    cfg.hooks.interrupted = hook_interrupted;
    cfg.hooks.failed = hook_failed;
    cfg.hooks.refresh = hook_refresh;
    r->eng = yt_fetch_new(&cfg, err);
    if (!r->eng) {
        kn_exec_fail(r->x, "MemoryError", "%s", err);
        return -1;
    }
    yt_http_set_abort(r->http, hook_interrupted, r);
    return 0;
}

static int show_result(struct an_run *r)
{
    const struct yt_fetch_stats *s = yt_fetch_get_stats(r->eng);
    char summary[400];
    char *sql;
    int rc;

    snprintf(summary, sizeof summary,
             "Fetched %ld row%s into %s (%s .. %s) in %ld page%s, 0 quota "
             "units%s",
             r->stored, r->stored == 1 ? "" : "s", r->table, r->start, r->end,
             s->pages, s->pages == 1 ? "" : "s",
             s->retries ? " (with retries)" : "");
    if (!r->have_table || r->show == 0) {
        kn_exec_printf(r->x, 0, "%s\n", summary);
        return 0;
    }
    sql = sqlite3_mprintf("SELECT * FROM \"%w\" WHERE fetched_at = %Q ORDER "
                          "BY rowid",
                          r->table, r->fetched_at);
    if (!sql) {
        kn_exec_fail(r->x, "MemoryError", "out of memory");
        return -1;
    }
    rc = mg_table_show_query(r->x, r->c->db, sql, summary,
                             r->show < 0 ? 10 : (int)r->show, 1);
    sqlite3_free(sql);
    return rc;
}

int mg_yt_fetch_analytics(struct mg_ctx *c, const struct mg_args *a)
{
    struct an_run r;
    struct yt_fetch_query_spec q;
    char err[YTK_ERR_LEN], label[80];
    int rc = -1, res;

    memset(&r, 0, sizeof r);
    r.c = c;
    r.x = c->x;
    if (read_options(&r, a) != 0 || build_params(&r) != 0)
        goto out;
    if (mg_args_has(a, "dry-run")) {
        rc = dry_run(&r);
        goto out;
    }
    if (setup(&r) != 0)
        goto out;
    snprintf(label, sizeof label, "the %s report",
             r.preset ? r.preset->name : "analytics");
    memset(&q, 0, sizeof q);
    q.method = YT_AN_METHOD;
    q.params = r.params;
    q.cost = 0;
    q.label = label;
    q.priority = YT_FETCH_PRIO_CHAIN;
    q.single_target = 1;
    {
        static const struct yt_fetch_query_ops ops = {.page = on_page};

        q.ops = &ops;
    }
    q.arg = &r;
    if (yt_fetch_add(r.eng, &q, err) != 0) {
        kn_exec_fail(r.x, "MemoryError", "%s", err);
        goto out;
    }
    res = yt_fetch_run(r.eng);
    if (res == YT_FETCH_E_INTERRUPTED) {
        kn_exec_fail(r.x, "KeyboardInterrupt",
                     "report interrupted; kept %ld row%s stored", r.stored,
                     r.stored == 1 ? "" : "s");
        goto out;
    }
    if (res != YT_FETCH_OK || r.fatal) {
        if (!r.fatal)
            kn_exec_fail(r.x, "YouTubeAPIError", "the report stopped");
        goto out;
    }
    rc = show_result(&r);
out:
    run_free(&r);
    return rc;
}

void mg_yt_analytics_complete(void (*add)(void *arg, const char *word),
                              void *arg)
{
    size_t i, n = 0;
    const struct yt_an_preset *p = yt_an_presets(&n);

    for (i = 0; i < n; i++)
        add(arg, p[i].name);
}
