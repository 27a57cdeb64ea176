/* yt_api.h -- what the YouTube Data API v3 looks like to %yt_fetch: the table
 * of list methods (path, quota cost, maxResults ceiling, filters, default
 * parts), error-envelope parsing, retry classification, hints, quota units
 * and backoff.  The resource kinds, columns and flattening are in
 * yt_schema.h (included here); time helpers are in yt_time.h.
 *
 * Everything here is pure (no I/O, no globals that change), so it is unit
 * tested and fuzzed directly.
 *
 * Ownership: method and column tables are static and never freed.
 * yt_api_flatten() fills a caller-provided struct yt_api_row whose strings it
 * allocates; release them with yt_api_row_free().  yt_api_error_parse() fills
 * fixed-size buffers (nothing to free).  Functions never keep the cJSON
 * pointers they are given.
 */
#ifndef YT_API_H
#define YT_API_H

#include <stddef.h>
#include <time.h>
#include <cjson/cJSON.h>

#include "yt_err.h"
#include "yt_schema.h"

/* ---- Methods ---- */
struct yt_api_method {
    const char *name;         /* resource word of %yt_fetch: "videos" */
    const char *path;         /* API path below /youtube/v3/: "videos" */
    int cost;                 /* quota units per call (Google's table) */
    int max_results;          /* maxResults ceiling, 0 = no maxResults */
    const char *default_part; /* part= when --part is not given */
    const char *parts;        /* every part we allow, comma separated */
    const char *filters;      /* API filter parameters allowed, comma sep. */
    enum yt_api_kind kind;    /* table shape of its items */
};

/* NULL-terminated-by-name table of every method. */
const struct yt_api_method *yt_api_methods(size_t *n);
/* Look up by %yt_fetch name ("videos", "comment_threads", "regions", ...)
 * or by API path ("commentThreads").  NULL when unknown. */
const struct yt_api_method *yt_api_method_find(const char *name);
/* Non-zero when `param` is an allowed filter of m. */
int yt_api_method_allows(const struct yt_api_method *m, const char *param);

/* ---- Errors ---- */
struct yt_api_error {
    long code;         /* error.code, else the HTTP status */
    char reason[64];   /* errors[0].reason, ErrorInfo reason, or status */
    char status[64];   /* error.status ("PERMISSION_DENIED"), may be "" */
    char message[400]; /* error.message, else errors[0].message; markup
                          dropped (Google's <code>, <a href>), one line */
};

/* Parse an error body (may be NULL / not JSON / not an error envelope).
 * Always fills e (empty strings when unknown).  Returns 1 when the body was
 * a Google error envelope, 0 otherwise. */
int yt_api_error_parse(const char *body, long http_status,
                       struct yt_api_error *e);

enum yt_api_class {
    YT_API_OK = 0, /* 2xx */
    YT_API_RETRY,  /* 5xx, 429, rate limits, dropped, truncated, timeout */
    YT_API_AUTH,   /* 401: refresh the token once, then retry */
    YT_API_FATAL,  /* quota, permissions, bad key, bad request: stop */
    YT_API_SKIP    /* per-item: forbidden, commentsDisabled, not found */
};

/* Classify a response.  http_rc is the yt_http result code (0 = a response
 * was received; YTK_E_TIMEOUT/TRANSFER/CONNECT are retryable, others
 * fatal), status the HTTP status, reason the parsed reason (may be NULL).
 * An aborted transfer is reported as YT_API_FATAL: callers check for
 * interrupts before classifying. */
enum yt_api_class yt_api_classify(int http_rc, long status, const char *reason);
const char *yt_api_class_name(enum yt_api_class c);

/* One line the user can act on for this reason/status (never NULL). */
const char *yt_api_error_hint(const char *reason, long status);

/* Non-zero for quota reasons (quotaExceeded, dailyLimitExceeded, ...). */
int yt_api_reason_is_quota(const char *reason);

/* Quota units a call of cost `cost` is charged given its answer: Google
 * charges every answered request, invalid ones included, except those
 * rejected before any work (401 bad credentials, quotaExceeded and other
 * quota/rate rejections, keyInvalid, 5xx/429 server failures) -- the
 * emulator's ledger follows the same rule.  status 0 (no answer) costs 0. */
int yt_api_units_charged(int cost, long status, const char *reason);

/* Delay before retry number `attempt` (0-based) in milliseconds: full-jitter
 * exponential backoff base * 2^attempt scaled by jitter01 in [0,1), at least
 * base/2, capped at cap_ms; a Retry-After (seconds, -1 when absent) raises
 * the delay to it, still capped. */
long yt_api_backoff_ms(int attempt, long base_ms, long cap_ms,
                       long retry_after_s, double jitter01);

#endif /* YT_API_H */
