/* yt_fetch.c -- the fetch engine.  See yt_fetch.h.
 *
 * Queries live in one list in the order they were added; each is READY
 * (waiting for a slot or for its backoff due time), in FLIGHT, or freed as
 * soon as it is finished.  The loop: stop on interrupt; refresh the token
 * when a 401 asked for it and nothing is in flight; start ready queries by
 * priority while the window allows; wait for one answer (at most until the
 * next due time) and handle it at once.
 */
#include "yt_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "yt_buf.h"
#include "yt_env.h"
#include "yt_err.h"
#include "yt_store.h"
#include "yt_time.h"

enum q_state { Q_READY = 0, Q_FLIGHT };

struct yt_fetch_query {
    struct yt_fetch *e;
    struct yt_fetch_query *next, *prev; /* e->queries */
    char *base, *method, *params, *cursor, *label;
    char *logp; /* params of the request in flight, for the log */
    char *url;  /* of the request in flight (may hold the API key) */
    int cost, priority, single_target;
    const struct yt_fetch_query_ops *ops;
    void *arg;
    enum q_state state;
    int attempt;
    int gen; /* token generation the request in flight was sent with */
    double due, sent_at;
    long pages;
    long logged_items; /* set by the page callback, -1 = items array */
    /* The next page was sent early (ops->next_cursor) but the page it
     * follows was not stored, or its callback chose another way: the
     * answer is logged and dropped; then the query is sent again with its
     * cursor (again = 1) or freed. */
    int discard, again;
};

struct yt_fetch {
    struct yt_fetch_config cfg;
    struct yt_fetch_transport http_tr;
    const struct yt_fetch_transport *tr;
    char *base;
    struct yt_fetch_query *head, *tail;
    long nqueries;
    double window_f;
    int parallel, gen, refreshed, need_refresh;
    int fatal, interrupted;
    unsigned rnd;
    struct yt_fetch_stats st;
};

/* ------------------------------------------------------------ helpers */

static double jitter(struct yt_fetch *e)
{
    e->rnd = e->rnd * 1103515245u + 12345u;
    return (double)((e->rnd >> 8) & 0xFFFF) / 65536.0;
}

/* Copy src into dst (n bytes), truncating. */
static void copy_msg(char *dst, size_t n, const char *src)
{
    size_t l = strlen(src);

    if (l >= n)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}

static void wipe_free(char *s)
{
    yt_wipe_free(s);
}

/* ------------------------------------------------------------ transport */

static int http_add(void *arg, const struct yt_http_req *req, void *tag,
                    char err[YTK_ERR_LEN])
{
    return yt_http_add(arg, req, tag, err);
}

static int http_wait(void *arg, long timeout_ms, struct yt_http_done *d)
{
    return yt_http_wait(arg, timeout_ms, d);
}

static void http_cancel(void *arg)
{
    yt_http_cancel_all(arg);
}

static int default_refresh(struct yt_fetch *e, char err[YTK_ERR_LEN])
{
    if (!e->cfg.http || !e->cfg.cred) {
        yt_errf(err, "no credentials to refresh");
        return -1;
    }
    return yt_cred_refresh(e->cfg.http, e->cfg.cred, err) == YTK_OK ? 0 : -1;
}

/* ------------------------------------------------------------ lifecycle */

int yt_fetch_parallel_setting(void)
{
    return (int)yt_env_long("YTK_FETCH_PARALLEL", YT_FETCH_PARALLEL_DEFAULT, 1,
                            YT_FETCH_PARALLEL_MAX);
}

struct yt_fetch *yt_fetch_new(const struct yt_fetch_config *cfg,
                              char err[YTK_ERR_LEN])
{
    struct yt_fetch *e = calloc(1, sizeof *e);

    if (!e) {
        yt_errf(err, "out of memory");
        return NULL;
    }
    e->cfg = *cfg;
    if (cfg->transport) {
        e->tr = cfg->transport;
    } else if (cfg->http) {
        e->http_tr.arg = cfg->http;
        e->http_tr.add = http_add;
        e->http_tr.wait = http_wait;
        e->http_tr.cancel = http_cancel;
        e->tr = &e->http_tr;
    } else {
        yt_errf(err, "the fetch engine needs an HTTP client or a transport");
        free(e);
        return NULL;
    }
    e->base = strdup(cfg->base ? cfg->base : "");
    if (!e->base) {
        yt_errf(err, "out of memory");
        free(e);
        return NULL;
    }
    e->parallel =
        cfg->parallel > 0 ? cfg->parallel : yt_fetch_parallel_setting();
    if (e->parallel > YT_FETCH_PARALLEL_MAX)
        e->parallel = YT_FETCH_PARALLEL_MAX;
    if (!e->cfg.max_retries)
        e->cfg.max_retries = (int)yt_env_long("YTK_FETCH_RETRIES", 5, 0, 20);
    if (e->cfg.max_retries < 0)
        e->cfg.max_retries = 0;
    if (!e->cfg.backoff_base_ms)
        e->cfg.backoff_base_ms =
            yt_env_long("YTK_FETCH_BACKOFF_MS", 1000, 0, 600000);
    if (!e->cfg.backoff_cap_ms)
        e->cfg.backoff_cap_ms =
            yt_env_long("YTK_FETCH_BACKOFF_CAP_MS", 32000, 0, 3600000);
    if (!e->cfg.timeout_ms)
        e->cfg.timeout_ms =
            yt_env_long("YTK_FETCH_TIMEOUT_MS", 60000, 100, 600000);
    e->window_f = e->parallel;
    e->st.window = e->parallel;
    e->rnd = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    return e;
}

static void query_unlink_free(struct yt_fetch *e, struct yt_fetch_query *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        e->head = q->next;
    if (q->next)
        q->next->prev = q->prev;
    else
        e->tail = q->prev;
    e->nqueries--;
    if (q->ops && q->ops->release)
        q->ops->release(q->arg);
    free(q->base);
    free(q->method);
    free(q->params);
    free(q->cursor);
    free(q->label);
    free(q->logp);
    wipe_free(q->url);
    free(q);
}

void yt_fetch_free(struct yt_fetch *e)
{
    if (!e)
        return;
    if (e->st.inflight > 0 && e->tr->cancel)
        e->tr->cancel(e->tr->arg);
    while (e->head)
        query_unlink_free(e, e->head);
    free(e->base);
    free(e);
}

int yt_fetch_add(struct yt_fetch *e, const struct yt_fetch_query_spec *spec,
                 char err[YTK_ERR_LEN])
{
    struct yt_fetch_query *q = calloc(1, sizeof *q);

    if (!q)
        goto nomem;
    q->e = e;
    q->ops = spec->ops;
    q->arg = spec->arg;
    q->base = strdup(spec->base ? spec->base : e->base);
    q->method = strdup(spec->method ? spec->method : "");
    q->params = strdup(spec->params ? spec->params : "");
    q->cursor = spec->cursor ? strdup(spec->cursor) : NULL;
    q->label = strdup(spec->label ? spec->label : q->method ? q->method : "");
    q->cost = spec->cost;
    q->priority = spec->priority;
    q->single_target = spec->single_target;
    q->state = Q_READY;
    q->prev = e->tail;
    if (e->tail)
        e->tail->next = q;
    else
        e->head = q;
    e->tail = q;
    e->nqueries++;
    if (!q->base || !q->method || !q->params || !q->label ||
        (spec->cursor && !q->cursor)) {
        /* linked already: the one free path releases everything */
        query_unlink_free(e, q);
        goto nomem_noarg;
    }
    return 0;
nomem:
    if (spec->ops && spec->ops->release)
        spec->ops->release(spec->arg);
nomem_noarg:
    yt_errf(err, "out of memory adding a request");
    return -1;
}

const struct yt_fetch_stats *yt_fetch_get_stats(const struct yt_fetch *e)
{
    return &e->st;
}

sqlite3 *yt_fetch_db(const struct yt_fetch *e)
{
    return e->cfg.db;
}

int yt_fetch_query_set_cursor(struct yt_fetch_query *q, const char *cursor)
{
    char *c = NULL;

    if (cursor) {
        c = strdup(cursor);
        if (!c)
            return -1;
    }
    free(q->cursor);
    q->cursor = c;
    return 0;
}

const char *yt_fetch_query_cursor(const struct yt_fetch_query *q)
{
    return q->cursor;
}

const char *yt_fetch_query_label(const struct yt_fetch_query *q)
{
    return q->label;
}

const char *yt_fetch_query_method(const struct yt_fetch_query *q)
{
    return q->method;
}

void yt_fetch_query_set_logged_items(struct yt_fetch_query *q, long n)
{
    q->logged_items = n;
}

long yt_fetch_query_pages(const struct yt_fetch_query *q)
{
    return q->pages;
}

/* ------------------------------------------------------------ sending */

static int window_of(const struct yt_fetch *e)
{
    int w = (int)e->window_f;
    return w < 1 ? 1 : w;
}

/* The ready query to send now: highest priority, first added; NULL when
 * none may go (window full, nothing due).  *next_due gets the earliest due
 * time among queries that wait for their backoff (0 = none). */
static struct yt_fetch_query *pick(struct yt_fetch *e, double now,
                                   double *next_due)
{
    struct yt_fetch_query *q, *best = NULL;
    int w = window_of(e);

    *next_due = 0;
    for (q = e->head; q; q = q->next) {
        if (q->state != Q_READY)
            continue;
        if (q->due > now) {
            if (!*next_due || q->due < *next_due)
                *next_due = q->due;
            continue;
        }
        if (!best || q->priority > best->priority)
            best = q;
    }
    if (!best)
        return NULL;
    if (e->st.inflight < w)
        return best;
    /* the chain of dependent pages may take one slot beyond the window */
    if (best->priority >= YT_FETCH_PRIO_CHAIN && e->st.inflight < w + 1)
        return best;
    return NULL;
}

/* Start q's next request.  Returns 0, or -1 with ae filled (the request
 * could not be started: out of memory, or a URL yt_http refuses). */
static int send_query(struct yt_fetch *e, struct yt_fetch_query *q,
                      const char *cursor, struct yt_api_error *ae)
{
    struct yt_buf lp, u;
    struct yt_http_req req;
    const struct yt_cred *cr = e->cfg.cred;
    char err[YTK_ERR_LEN];
    int rc;

    yt_buf_init(&lp, 1u << 20);
    yt_buf_init(&u, 1u << 20);
    if (yt_buf_adds(&lp, q->params) < 0 ||
        (cursor && *cursor &&
         yt_buf_addf(&lp, "%s%s", lp.len ? "&" : "", cursor) < 0) ||
        yt_buf_addf(&u, "%s/%s?%s", q->base, q->method, yt_buf_str(&lp)) < 0)
        goto nomem;
    if (cr && !cr->access_token && cr->api_key) {
        char *k = yt_http_escape(cr->api_key);
        int bad = !k || yt_buf_addf(&u, "&key=%s", k) < 0;
        wipe_free(k);
        if (bad)
            goto nomem;
    }
    free(q->logp);
    wipe_free(q->url);
    q->logp = yt_buf_take(&lp);
    q->url = yt_buf_take(&u);
    if (!q->logp || !q->url)
        goto nomem;
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.url = q->url;
    req.bearer = cr ? cr->access_token : NULL;
    req.timeout_ms = e->cfg.timeout_ms;
    q->gen = e->gen;
    q->sent_at = yt_time_mono();
    err[0] = '\0';
    rc = e->tr->add(e->tr->arg, &req, q, err);
    if (rc != YTK_OK) {
        snprintf(ae->reason, sizeof ae->reason, "httpError");
        copy_msg(ae->message, sizeof ae->message, err);
        return -1;
    }
    q->state = Q_FLIGHT;
    e->st.inflight++;
    return 0;
nomem:
    yt_buf_free(&lp);
    if (u.ptr) /* the URL may hold the key */
        explicit_bzero(u.ptr, u.len);
    yt_buf_free(&u);
    snprintf(ae->reason, sizeof ae->reason, "httpError");
    snprintf(ae->message, sizeof ae->message, "out of memory");
    return -1;
}

/* ------------------------------------------------------------ answers */

/* Log a call of q whose query string was logp, sent at sent_at. */
static void log_call_as(struct yt_fetch *e, struct yt_fetch_query *q,
                        const char *logp, double sent_at, long status,
                        int units, int items, const char *reason,
                        const char *outcome)
{
    struct yt_store_log_entry le;
    char now[32], day[11], err[YTK_ERR_LEN];

    if (!e->cfg.db)
        return;
    yt_time_iso_now(now);
    yt_time_pacific_day(time(NULL), day);
    memset(&le, 0, sizeof le);
    le.time = now;
    le.pacific_day = day;
    le.method = q->method;
    le.params = logp ? logp : q->params;
    le.status = status;
    le.units = units;
    le.items = items;
    le.reason = reason;
    le.outcome = outcome;
    le.ms = (long)((yt_time_mono() - sent_at) * 1000);
    le.fetch_id = e->cfg.fetch_id;
    yt_store_log(e->cfg.db, &le, err);
}

static void log_call(struct yt_fetch *e, struct yt_fetch_query *q, long status,
                     int units, int items, const char *reason,
                     const char *outcome)
{
    log_call_as(e, q, q->logp, q->sent_at, status, units, items, reason,
                outcome);
}

static void fail(struct yt_fetch *e, struct yt_fetch_query *q,
                 const struct yt_api_error *ae, int http_rc, int retries)
{
    if (e->fatal)
        return;
    e->fatal = 1;
    if (e->cfg.hooks.failed)
        e->cfg.hooks.failed(e->cfg.hooks.arg, q->label, q->method, ae, http_rc,
                            retries);
}

static void store_fail(struct yt_fetch *e, struct yt_fetch_query *q,
                       const char *what, const char *msg)
{
    struct yt_api_error ae;

    memset(&ae, 0, sizeof ae);
    snprintf(ae.reason, sizeof ae.reason, "storeError");
    snprintf(ae.message, sizeof ae.message, "%.60s: %.300s", what, msg);
    fail(e, q, &ae, YTK_E_SQL, 0);
}

static int is_rate_limit(long status, const char *reason)
{
    return status == 429 || strcmp(reason, "rateLimitExceeded") == 0 ||
           strcmp(reason, "userRateLimitExceeded") == 0;
}

static int interrupted(struct yt_fetch *e);

/* Send q's next page before its answer is stored, when the query knows
 * its next cursor already (ops->next_cursor) and nothing stops the fetch.
 * On success the page's query string moves to *page_logp (the answer
 * being handled is logged with it) and the cursor sent is returned
 * (malloc'd); NULL = not sent (the page callback decides as usual). */
static char *send_early(struct yt_fetch *e, struct yt_fetch_query *q,
                        const cJSON *root, char **page_logp)
{
    struct yt_api_error ae;
    char *c = NULL, *logp = q->logp;
    double sent_at = q->sent_at;

    if (!q->ops || !q->ops->next_cursor || e->fatal || e->need_refresh ||
        interrupted(e) ||
        e->st.inflight >=
            window_of(e) + (q->priority >= YT_FETCH_PRIO_CHAIN ? 1 : 0))
        return NULL;
    if (q->ops->next_cursor(e, q, root, q->arg, &c) != 1 || !c) {
        free(c);
        return NULL;
    }
    memset(&ae, 0, sizeof ae);
    q->logp = NULL; /* keep the answered request's for its log row */
    if (send_query(e, q, c, &ae) < 0) {
        /* not sent: the normal path sends it (and reports a failure) */
        free(q->logp);
        wipe_free(q->url);
        q->url = NULL;
        q->logp = logp;
        q->sent_at = sent_at;
        free(c);
        return NULL;
    }
    *page_logp = logp;
    return c;
}

/* A 2xx JSON page: log it, run the page callback, commit; all in one
 * transaction.  The next page may go out first (send_early). */
static void handle_page(struct yt_fetch *e, struct yt_fetch_query *q,
                        const cJSON *root, long status)
{
    char err[YTK_ERR_LEN];
    int items =
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "items"));
    int units = yt_api_units_charged(q->cost, status, NULL);
    int r = YT_FETCH_PAGE_DONE;
    double sent_at = q->sent_at;
    char *page_logp = NULL, *early = send_early(e, q, root, &page_logp);
    const char *logp = early ? page_logp : q->logp;

    err[0] = '\0';
    e->st.units += units;
    if (e->cfg.db && yt_store_begin(e->cfg.db, err) < 0) {
        log_call_as(e, q, logp, sent_at, status, units, items, "storeError",
                    "fatal");
        store_fail(e, q, "could not store a page", err);
        goto out;
    }
    q->logged_items = -1;
    if (q->ops && q->ops->page)
        r = q->ops->page(e, q, root, q->arg, err);
    if (q->logged_items >= 0)
        items = (int)q->logged_items;
    if (r >= 0)
        log_call_as(e, q, logp, sent_at, status, units, items, NULL, "ok");
    if (r < 0 || (e->cfg.db && yt_store_commit(e->cfg.db, err) < 0)) {
        if (e->cfg.db)
            yt_store_rollback(e->cfg.db);
        log_call_as(e, q, logp, sent_at, status, units, items, "storeError",
                    "fatal");
        store_fail(e, q, "could not store a page", err[0] ? err : "?");
        goto out;
    }
    q->pages++;
    e->st.pages++;
    q->attempt = 0;
    e->refreshed = 0; /* a later expiry may refresh again */
    if (e->window_f < e->parallel) {
        e->window_f += 1.0 / e->window_f;
        if (e->window_f > e->parallel)
            e->window_f = e->parallel;
    }
    if (early) {
        /* the request in flight is the page the callback asked for, or its
         * answer is dropped and the callback's choice sent after it */
        if (r != YT_FETCH_PAGE_MORE ||
            strcmp(q->cursor ? q->cursor : "", early) != 0) {
            q->discard = 1;
            q->again = r == YT_FETCH_PAGE_MORE && q->cursor;
        }
    } else if (r == YT_FETCH_PAGE_MORE && q->cursor) {
        q->state = Q_READY, q->due = 0;
    } else {
        query_unlink_free(e, q);
    }
out:
    if (early && e->fatal)
        q->discard = 1, q->again = 0; /* page N not stored: drop N+1 */
    free(early);
    free(page_logp);
}

/* The answer to an early request that must not be stored (see discard):
 * one log row (Google charged it), then resend or free the query. */
static void handle_discarded(struct yt_fetch *e, struct yt_fetch_query *q,
                             const struct yt_http_done *d)
{
    int units = d->rc == YTK_OK
                    ? yt_api_units_charged(q->cost, d->resp.status, NULL)
                    : 0;

    e->st.units += units;
    log_call(e, q, d->resp.status, units, 0, "discarded", "aborted");
    q->discard = 0;
    if (q->again && !e->fatal)
        q->state = Q_READY, q->due = 0;
    else
        query_unlink_free(e, q);
}

static void handle_skip(struct yt_fetch *e, struct yt_fetch_query *q,
                        const struct yt_api_error *ae)
{
    char err[YTK_ERR_LEN];

    if (q->single_target) {
        fail(e, q, ae, 0, 0);
        return;
    }
    e->st.skipped++;
    if (e->cfg.hooks.skipped)
        e->cfg.hooks.skipped(e->cfg.hooks.arg, q->label, ae);
    if (q->ops && q->ops->skip) {
        err[0] = '\0';
        if (e->cfg.db && yt_store_begin(e->cfg.db, err) < 0) {
            store_fail(e, q, "could not record a skip", err);
            return;
        }
        if (q->ops->skip(e, q, ae, q->arg, err) < 0) {
            if (e->cfg.db)
                yt_store_rollback(e->cfg.db);
            store_fail(e, q, "could not record a skip", err);
            return;
        }
        if (e->cfg.db && yt_store_commit(e->cfg.db, err) < 0) {
            yt_store_rollback(e->cfg.db);
            store_fail(e, q, "could not record a skip", err);
            return;
        }
    }
    query_unlink_free(e, q);
}

static void handle(struct yt_fetch *e, struct yt_http_done *d)
{
    struct yt_fetch_query *q = d->tag;
    struct yt_api_error ae;
    enum yt_api_class cls;
    cJSON *root = NULL;
    int units;

    e->st.inflight--;
    e->st.requests++;
    q->state = Q_READY;
    memset(&ae, 0, sizeof ae);
    if (d->rc == YTK_E_ABORTED) {
        log_call(e, q, d->resp.status, 0, 0, "interrupted", "aborted");
        e->interrupted = 1;
        return;
    }
    if (q->discard) {
        handle_discarded(e, q, d);
        return;
    }
    if (d->rc != YTK_OK) {
        cls = yt_api_classify(d->rc, 0, NULL);
        snprintf(ae.reason, sizeof ae.reason, "%s",
                 d->rc == YTK_E_TIMEOUT    ? "timeout"
                 : d->rc == YTK_E_TRANSFER ? "transferError"
                 : d->rc == YTK_E_CONNECT  ? "connectError"
                                           : "httpError");
        copy_msg(ae.message, sizeof ae.message, d->err);
        ae.code = d->resp.status;
    } else if (d->resp.status >= 200 && d->resp.status < 300) {
        const cJSON *items;
        root = cJSON_Parse(d->resp.body ? d->resp.body : "");
        items = cJSON_GetObjectItemCaseSensitive(root, "items");
        /* the answer is parsed: free the text before storing */
        yt_http_resp_free(&d->resp);
        if (!cJSON_IsObject(root) || (items && !cJSON_IsArray(items))) {
            cls = YT_API_RETRY;
            snprintf(ae.reason, sizeof ae.reason, "invalidJSON");
            snprintf(ae.message, sizeof ae.message,
                     "the response body was not complete JSON");
            ae.code = 200;
        } else {
            handle_page(e, q, root, 200);
            cJSON_Delete(root);
            return;
        }
    } else {
        yt_api_error_parse(d->resp.body, d->resp.status, &ae);
        cls = yt_api_classify(YTK_OK, d->resp.status, ae.reason);
    }
    cJSON_Delete(root);
    /* Google charges an answered call even when the body was cut short. */
    units = yt_api_units_charged(q->cost, d->resp.status,
                                 d->rc == YTK_OK ? ae.reason : NULL);
    if (d->rc != YTK_OK && d->resp.status >= 300)
        units = yt_api_units_charged(q->cost, d->resp.status, NULL);
    e->st.units += units;
    log_call(e, q, d->resp.status, units, 0, ae.reason,
             cls == YT_API_RETRY  ? "retry"
             : cls == YT_API_AUTH ? "auth"
             : cls == YT_API_SKIP ? "skip"
                                  : "fatal");
    switch (cls) {
    case YT_API_OK:
        break;
    case YT_API_RETRY:
        q->attempt++;
        e->st.retries++;
        if (d->rc == YTK_OK && is_rate_limit(d->resp.status, ae.reason)) {
            e->window_f /= 2;
            if (e->window_f < 1)
                e->window_f = 1;
        }
        if (q->attempt > e->cfg.max_retries) {
            fail(e, q, &ae, d->rc, e->cfg.max_retries);
            break;
        }
        q->due = yt_time_mono() + (double)yt_api_backoff_ms(
                                      q->attempt - 1, e->cfg.backoff_base_ms,
                                      e->cfg.backoff_cap_ms,
                                      d->resp.retry_after, jitter(e)) /
                                      1000.0;
        break;
    case YT_API_AUTH:
        if (q->gen < e->gen)
            break; /* sent with the old token: send again */
        if (e->refreshed || !e->cfg.cred || !e->cfg.cred->access_token) {
            fail(e, q, &ae, 0, 0);
            break;
        }
        e->need_refresh = 1;
        break;
    case YT_API_SKIP:
        handle_skip(e, q, &ae);
        break;
    case YT_API_FATAL:
        fail(e, q, &ae, d->rc, 0);
        break;
    }
}

/* ------------------------------------------------------------ the loop */

static void progress(struct yt_fetch *e)
{
    e->st.window = window_of(e);
    if (e->cfg.hooks.progress)
        e->cfg.hooks.progress(e->cfg.hooks.arg, &e->st);
}

static int interrupted(struct yt_fetch *e)
{
    if (!e->interrupted && e->cfg.hooks.interrupted &&
        e->cfg.hooks.interrupted(e->cfg.hooks.arg))
        e->interrupted = 1;
    return e->interrupted;
}

/* Abort every request in flight: each gets an "aborted" log row. */
static void abort_inflight(struct yt_fetch *e)
{
    struct yt_fetch_query *q;

    if (e->st.inflight && e->tr->cancel)
        e->tr->cancel(e->tr->arg);
    for (q = e->head; q; q = q->next)
        if (q->state == Q_FLIGHT) {
            q->state = Q_READY;
            e->st.requests++;
            log_call(e, q, 0, 0, 0, "interrupted", "aborted");
        }
    e->st.inflight = 0;
}

static void refresh(struct yt_fetch *e)
{
    char err[YTK_ERR_LEN];
    int rc;

    e->need_refresh = 0;
    e->refreshed = 1;
    err[0] = '\0';
    rc = e->cfg.hooks.refresh ? e->cfg.hooks.refresh(e->cfg.hooks.arg, err)
                              : default_refresh(e, err);
    if (rc < 0) {
        struct yt_api_error ae;
        if (interrupted(e))
            return;
        memset(&ae, 0, sizeof ae);
        ae.code = 401;
        snprintf(ae.reason, sizeof ae.reason, "refreshFailed");
        copy_msg(ae.message, sizeof ae.message, err);
        e->fatal = 1;
        if (e->cfg.hooks.failed)
            e->cfg.hooks.failed(e->cfg.hooks.arg, NULL, "token", &ae, 0, 0);
        return;
    }
    e->gen++;
}

/* Send ready queries while the window allows; *next_due as in pick(). */
static void launch(struct yt_fetch *e, double now, double *next_due)
{
    struct yt_fetch_query *q;

    while (!e->fatal && !e->need_refresh && !interrupted(e) &&
           (q = pick(e, now, next_due)) != NULL) {
        struct yt_api_error ae;
        memset(&ae, 0, sizeof ae);
        if (send_query(e, q, q->cursor, &ae) < 0) {
            fail(e, q, &ae, YTK_E_NOMEM, 0);
            break;
        }
    }
}

#define DRAIN 16

/* Wait up to timeout_ms for answers; take every one that is already in
 * (at most DRAIN) and handle them chain first, sending the chain's next
 * request before the other answers are stored.  Answers already received
 * are stored even after an interrupt (Google charged them); nothing new is
 * sent then. */
static void take_answers(struct yt_fetch *e, long timeout_ms)
{
    struct yt_http_done d[DRAIN];
    int n = 0, i, k;
    double due;

    memset(&d[0], 0, sizeof d[0]);
    if (e->tr->wait(e->tr->arg, timeout_ms, &d[0]) != 1)
        return;
    n = 1;
    while (n < DRAIN) {
        memset(&d[n], 0, sizeof d[n]);
        if (e->tr->wait(e->tr->arg, 0, &d[n]) != 1)
            break;
        n++;
    }
    /* stable sort by priority, highest first (n is small) */
    for (i = 1; i < n; i++)
        for (k = i; k > 0; k--) {
            const struct yt_fetch_query *a = d[k - 1].tag, *b = d[k].tag;
            struct yt_http_done t;
            if (a->priority >= b->priority)
                break;
            t = d[k - 1];
            d[k - 1] = d[k];
            d[k] = t;
        }
    for (i = 0; i < n; i++) {
        handle(e, &d[i]);
        yt_http_resp_free(&d[i].resp);
        launch(e, yt_time_mono(), &due);
    }
}

int yt_fetch_run(struct yt_fetch *e)
{
    double next_due = 0;

    e->fatal = 0;
    for (;;) {
        double now;
        long timeout;

        if (interrupted(e)) {
            abort_inflight(e);
            break;
        }
        if (e->fatal && !e->st.inflight)
            break;
        if (e->need_refresh && !e->st.inflight) {
            refresh(e);
            continue;
        }
        now = yt_time_mono();
        launch(e, now, &next_due);
        if (!e->fatal && !e->need_refresh)
            (void)pick(e, now, &next_due);
        e->st.queued = e->nqueries - e->st.inflight;
        e->st.retrying = next_due > 0;
        if (!e->st.inflight) {
            if (e->fatal || !e->head)
                break;
            if (e->need_refresh)
                continue;
            /* only backoffs left: sleep until the first is due */
            timeout = next_due > now ? (long)((next_due - now) * 1000) + 1 : 1;
            if (timeout > 20)
                timeout = 20;
            {
                struct timespec ts = {0, timeout * 1000000L};
                nanosleep(&ts, NULL);
            }
            progress(e);
            continue;
        }
        timeout = 100;
        if (next_due > 0 && !e->fatal) {
            long ms = (long)((next_due - now) * 1000) + 1;
            if (ms < timeout)
                timeout = ms < 0 ? 0 : ms;
        }
        take_answers(e, timeout);
        progress(e);
    }
    e->st.queued = e->nqueries - e->st.inflight;
    progress(e);
    if (e->interrupted)
        return YT_FETCH_E_INTERRUPTED;
    if (e->fatal)
        return YT_FETCH_E_FATAL;
    return YT_FETCH_OK;
}
