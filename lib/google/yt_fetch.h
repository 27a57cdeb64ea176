/* yt_fetch.h -- the fetch engine: runs many paginated Google API list calls
 * side by side, stores each page the moment it arrives, and knows nothing
 * of the kernel, of %yt_fetch's options or of any one resource.
 *
 * A fetch is a set of *queries*.  A query is one API call that may be
 * repeated with a *cursor* (the next-request part of the query string,
 * e.g. "pageToken=CDIQAA" for the Data API or "startIndex=201" for YouTube
 * Analytics): the engine sends `base/method?params[&cursor]`, and when the
 * answer is a 2xx JSON object it calls the query's page callback inside one
 * SQLite transaction that also holds the request-log row (written after the
 * callback, in the same transaction).  The callback
 * stores the items (and, for the main listing, the resume point), may add
 * new queries that the page unlocked (id batches, reply completions), and
 * decides the next request: it sets a new cursor and returns
 * YT_FETCH_PAGE_MORE, or returns YT_FETCH_PAGE_DONE.  When the callback
 * fails, the page is rolled back (log row included, then logged again
 * outside) and the fetch stops.
 *
 * Per query, the engine does the retries with full-jitter backoff and a due
 * time of its own (no global sleep: other queries keep going), honours
 * Retry-After, classifies errors (yt_api_classify), refreshes the access
 * token once on 401 for all queries (in-flight calls are drained first and
 * retried with the new token), writes one `_ytk_requests` row per call with
 * the quota units Google charges (the query's `cost`; 0 for APIs that do not
 * spend Data API quota, such as YouTube Analytics), and keeps statistics.
 *
 * Concurrency: at most `window` requests in flight, window <= parallel
 * (YTK_FETCH_PARALLEL, default 6, 1..16).  The window shrinks by half on
 * 429 / rateLimitExceeded / userRateLimitExceeded and grows back by one per
 * window of successful answers (AIMD).  Queries of higher priority go first
 * (FIFO within a priority); a query of priority >= YT_FETCH_PRIO_CHAIN (the
 * chain of dependent pages that bounds the wall time) may use one slot
 * beyond the window so it never waits behind the work it unlocked.
 *
 * Threads: everything runs on the caller's thread (SQLite writes included).
 * yt_fetch_run() returns when every query is finished, on the first fatal
 * error (answers already in flight are still handled and stored), or on
 * interruption (hooks.interrupted: nothing new is sent, answers already
 * received are stored, the calls still in flight are aborted and logged
 * "aborted"; every page committed before stays).  When several answers are
 * in at once, the highest priority is handled first and its next request
 * sent before the others are stored.
 *
 * Ownership: the engine copies every string of a query spec.  spec.arg
 * belongs to the query from yt_fetch_add() on (also when it fails) and is
 * released by ops->release exactly once.  The config's db, http, cred,
 * transport and hook arguments are borrowed and must outlive the engine.
 * yt_fetch_free() releases queries, cursors and transfers still in flight.
 */
#ifndef YT_FETCH_H
#define YT_FETCH_H

#include <sqlite3.h>
#include <cjson/cJSON.h>

#include "yt_api.h"
#include "yt_cred.h"
#include "yt_http.h"

/* yt_fetch_run() results. */
#define YT_FETCH_OK 0             /* all queries finished (skips allowed) */
#define YT_FETCH_E_FATAL -1       /* stopped on an error (hooks.failed) */
#define YT_FETCH_E_INTERRUPTED -2 /* hooks.interrupted said stop */

/* The failed hook's http_rc is a yt_http result, or YTK_E_SQL when storing
 * (a page callback, a transaction) failed; ae->message says what. */

/* Page callback results. */
#define YT_FETCH_PAGE_DONE 0 /* the query is finished */
#define YT_FETCH_PAGE_MORE 1 /* a new cursor is set: send the next request */

/* Priorities (any int works; higher goes first). */
#define YT_FETCH_PRIO_LOW 0    /* id batches, completions */
#define YT_FETCH_PRIO_CHAIN 10 /* the paginated listing others depend on */

struct yt_fetch;       /* opaque engine */
struct yt_fetch_query; /* opaque query, handed to callbacks */

struct yt_fetch_query_ops {
    /* A 2xx answer whose body is a JSON object (with `items`, when present,
     * an array).  Runs inside the page's transaction on e's db.  Return
     * YT_FETCH_PAGE_DONE, YT_FETCH_PAGE_MORE (after
     * yt_fetch_query_set_cursor), or a negative value with err to roll back
     * and stop the fetch.  root is borrowed (freed after the call). */
    int (*page)(struct yt_fetch *e, struct yt_fetch_query *q, const cJSON *root,
                void *arg, char err[YTK_ERR_LEN]);
    /* Optional: a per-item error (YT_API_SKIP: forbidden, not found,
     * commentsDisabled) ended the query; runs inside a transaction so the
     * callback can record the query as done for --resume.  Negative = stop
     * the fetch. */
    int (*skip)(struct yt_fetch *e, struct yt_fetch_query *q,
                const struct yt_api_error *ae, void *arg,
                char err[YTK_ERR_LEN]);
    /* Optional: release arg (called once, when the query is freed). */
    void (*release)(void *arg);
    /* Optional: the cursor of the request that follows this answer, decided
     * with the same rules as the page callback but before it runs (no
     * storing here).  Return 1 with *cursor (malloc'd, "" = no cursor) when
     * the page callback will return YT_FETCH_PAGE_MORE with exactly that
     * cursor, 0 when the listing ends here or it cannot tell (the engine
     * then waits for the page callback), -1 on out of memory (same as 0).
     * With it the engine sends the next request of a paginated query the
     * moment its answer is parsed, before the page is stored and committed
     * (pages are still committed in order: the next answer is handled only
     * after this one's transaction ended).  If the page callback then
     * disagrees or fails, the early answer is logged and not stored. */
    int (*next_cursor)(struct yt_fetch *e, struct yt_fetch_query *q,
                       const cJSON *root, void *arg, char **cursor);
};

struct yt_fetch_query_spec {
    const char *base;   /* URL without the trailing '/', NULL = config's */
    const char *method; /* path below base, also the log's method:
                           "playlistItems", "reports" */
    const char *params; /* encoded query string without the cursor and
                           without key/access_token */
    const char *cursor; /* first cursor, NULL = none */
    int cost;           /* quota units charged per answered call; 0 for
                           Analytics (no Data API units) */
    const char *label;  /* for messages: "the uploads playlist" */
    int priority;       /* YT_FETCH_PRIO_* */
    int single_target;  /* a per-item error of this query is fatal (the
                           user asked for exactly this thing) */
    const struct yt_fetch_query_ops *ops;
    void *arg; /* the query's own data, handed to ops */
};

/* Statistics, readable at any time (progress) and after the run. */
struct yt_fetch_stats {
    long requests; /* calls answered or failed, one log row each */
    long pages;    /* pages committed */
    long units;    /* quota units charged */
    long retries;  /* calls that were retried */
    long skipped;  /* queries ended by a per-item error */
    long queued;   /* queries waiting (not in flight, not finished) */
    int inflight;  /* requests in flight now */
    int window;    /* current concurrency window */
    int retrying;  /* non-zero while some query waits for its backoff */
};

struct yt_fetch_hooks {
    void *arg;
    /* Non-zero: stop at the next safe point. */
    int (*interrupted)(void *arg);
    /* After every answer and while waiting (the hook rate-limits itself). */
    void (*progress)(void *arg, const struct yt_fetch_stats *s);
    /* A query was skipped by a per-item error (label may be the method). */
    void (*skipped)(void *arg, const char *label,
                    const struct yt_api_error *ae);
    /* The error that stops the fetch (called once).  http_rc is the
     * transport's code (0 when Google answered with an error; then
     * ae->message holds the transport's message); retries > 0 when the
     * call gave up after that many. */
    void (*failed)(void *arg, const char *label, const char *method,
                   const struct yt_api_error *ae, int http_rc, int retries);
    /* Refresh the access token after a 401 (default: yt_cred_refresh with
     * config.http and config.cred).  Returns 0 or negative with err. */
    int (*refresh)(void *arg, char err[YTK_ERR_LEN]);
};

/* Where requests go.  The default sends them with yt_http_add/wait on
 * config.http; tests plug in a fake one. */
struct yt_fetch_transport {
    void *arg;
    /* Start req (borrowed for the call: copy what you keep); tag comes back
     * with its answer.  Returns 0, or a yt_http code with err. */
    int (*add)(void *arg, const struct yt_http_req *req, void *tag,
               char err[YTK_ERR_LEN]);
    /* Wait up to timeout_ms for one finished request; returns 1 with d
     * filled (d->resp owned by the caller), 0 when none finished. */
    int (*wait)(void *arg, long timeout_ms, struct yt_http_done *d);
    /* Drop every request in flight (their answers never come back). */
    void (*cancel)(void *arg);
};

struct yt_fetch_config {
    sqlite3 *db;          /* request log and page transactions */
    struct yt_http *http; /* default transport and token refresh */
    const struct yt_fetch_transport *transport; /* NULL = http */
    struct yt_cred *cred; /* bearer token, else API key; may be NULL */
    const char *base;     /* default URL base (the Data API endpoint) */
    const char *fetch_id; /* recorded in every log row */
    /* 0 = environment or default: YTK_FETCH_PARALLEL (6),
     * YTK_FETCH_RETRIES (5), YTK_FETCH_BACKOFF_MS (1000),
     * YTK_FETCH_BACKOFF_CAP_MS (32000), YTK_FETCH_TIMEOUT_MS (60000). */
    int parallel, max_retries;
    long backoff_base_ms, backoff_cap_ms, timeout_ms;
    struct yt_fetch_hooks hooks;
};

/* Requests in flight at most: YTK_FETCH_PARALLEL when it is a number in
 * 1..YT_FETCH_PARALLEL_MAX, else the default.  The engine's window starts
 * there and shrinks on rate limits; dry-run estimates use the same value. */
#define YT_FETCH_PARALLEL_DEFAULT 6
#define YT_FETCH_PARALLEL_MAX 16
int yt_fetch_parallel_setting(void);

/* Create an engine.  NULL with err on failure. */
struct yt_fetch *yt_fetch_new(const struct yt_fetch_config *cfg,
                              char err[YTK_ERR_LEN]);
void yt_fetch_free(struct yt_fetch *e);

/* Add a query (before or during the run, e.g. from a page callback).
 * Returns 0, or -1 with err (out of memory; spec->arg is released). */
int yt_fetch_add(struct yt_fetch *e, const struct yt_fetch_query_spec *spec,
                 char err[YTK_ERR_LEN]);

/* Run until every query is finished, a fatal error or an interrupt:
 * YT_FETCH_OK, YT_FETCH_E_FATAL or YT_FETCH_E_INTERRUPTED.  May be called
 * again after adding more queries (a later phase). */
int yt_fetch_run(struct yt_fetch *e);

const struct yt_fetch_stats *yt_fetch_get_stats(const struct yt_fetch *e);
sqlite3 *yt_fetch_db(const struct yt_fetch *e);

/* ---- For callbacks ---- */
/* Set the cursor of the next request (copied; NULL = none). */
int yt_fetch_query_set_cursor(struct yt_fetch_query *q, const char *cursor);
/* The cursor of the request being answered (NULL = first page). */
const char *yt_fetch_query_cursor(const struct yt_fetch_query *q);
const char *yt_fetch_query_label(const struct yt_fetch_query *q);
const char *yt_fetch_query_method(const struct yt_fetch_query *q);
/* The item count of this answer for the request log (default: the size of
 * its `items` array; e.g. Analytics answers carry `rows`). */
void yt_fetch_query_set_logged_items(struct yt_fetch_query *q, long n);
/* Pages of q committed so far (0 inside the first page's callback). */
long yt_fetch_query_pages(const struct yt_fetch_query *q);

#endif /* YT_FETCH_H */
