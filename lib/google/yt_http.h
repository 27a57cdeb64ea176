/* yt_http.h -- HTTP client for Google's endpoints (libcurl), and where those
 * endpoints are.
 *
 * One `struct yt_http` per kernel session keeps a libcurl share/connection
 * cache so requests reuse keep-alive connections.  Requests ask for gzip,
 * verify TLS (never turned off), and refuse plain http:// to any host that is
 * not loopback.  Bodies are capped (YT_HTTP_MAX_BODY).
 *
 * Endpoints: with YTK_GOOGLE_BASE unset, Google's real URLs; with it set
 * (e.g. http://127.0.0.1:8080), every endpoint is that base + Google's path
 * (/o/oauth2/v2/auth, /token, /revoke, /tokeninfo, /device/code,
 * /youtube/v3/...).
 *
 * Ownership: yt_http_resp fields are owned by the response and released by
 * yt_http_resp_free().  Request fields are borrowed for the call.
 */
#ifndef YT_HTTP_H
#define YT_HTTP_H

#include <stddef.h>

#include "yt_err.h"

#define YT_HTTP_MAX_BODY (64u * 1024u * 1024u)

enum yt_endpoint {
    YT_EP_AUTH,        /* https://accounts.google.com/o/oauth2/v2/auth */
    YT_EP_TOKEN,       /* https://oauth2.googleapis.com/token */
    YT_EP_REVOKE,      /* https://oauth2.googleapis.com/revoke */
    YT_EP_TOKENINFO,   /* https://oauth2.googleapis.com/tokeninfo */
    YT_EP_DEVICE_CODE, /* https://oauth2.googleapis.com/device/code */
    YT_EP_API          /* https://www.googleapis.com/youtube/v3 (no slash) */
};

/* The URL of an endpoint, honouring YTK_GOOGLE_BASE.  Caller frees. */
char *yt_http_endpoint(enum yt_endpoint ep);

struct yt_http; /* opaque */

/* Called from libcurl's progress callback; return non-zero to abort the
 * transfer (the request then fails with YTK_E_ABORTED). */
typedef int (*yt_http_abort_fn)(void *arg);

struct yt_http *yt_http_new(void);
void yt_http_free(struct yt_http *h);
/* Install an abort check used by every transfer of h (NULL to remove). */
void yt_http_set_abort(struct yt_http *h, yt_http_abort_fn fn, void *arg);

struct yt_http_req {
    const char *method;       /* "GET" or "POST" */
    const char *url;          /* full URL with query string */
    const char *body;         /* POST body or NULL */
    const char *content_type; /* e.g. application/x-www-form-urlencoded */
    const char *bearer;       /* access token for Authorization, or NULL */
    long timeout_ms;          /* whole-request timeout; 0 = 60 s */
};

struct yt_http_resp {
    long status; /* HTTP status, 0 when no response */
    char *body;  /* NUL-terminated body, never NULL after success */
    size_t len;
    long retry_after;   /* seconds from Retry-After, -1 when absent */
    char *content_type; /* may be NULL */
};

/* Result codes (yt_err.h): YTK_OK; YTK_E_CONNECT (could not connect, DNS,
 * TLS), YTK_E_TIMEOUT, YTK_E_ABORTED (the abort check said stop),
 * YTK_E_TOOBIG (body over YT_HTTP_MAX_BODY), YTK_E_INSECURE (plain http to a
 * host that is not loopback), YTK_E_TRANSFER (connection dropped, body cut
 * short), YTK_E_NOMEM. */
/* Perform one request.  Returns YTK_OK when a response was received,
 * whatever its status; otherwise a negative code with err filled (a message
 * naming the host and the cause, never a token). */
int yt_http_perform(struct yt_http *h, const struct yt_http_req *req,
                    struct yt_http_resp *resp, char err[YTK_ERR_LEN]);

/* Perform n independent requests with at most max_parallel at once (libcurl
 * multi).  rcs[i] receives each request's result code and errs (may be NULL)
 * its message.  Returns 0, or YTK_E_ABORTED when interrupted (requests
 * that did not finish have rcs[i] == YTK_E_ABORTED). */
int yt_http_perform_many(struct yt_http *h, const struct yt_http_req *reqs,
                         struct yt_http_resp *resps, int *rcs, size_t n,
                         int max_parallel, char (*errs)[YTK_ERR_LEN]);

/* ---- Streaming: add requests, take each answer as soon as it is in ----
 * These share h's multi handle with yt_http_perform(_many): do not call
 * those while added requests are in flight. */

/* One finished request. */
struct yt_http_done {
    void *tag;                /* as given to yt_http_add */
    int rc;                   /* YTK_OK or a negative code */
    struct yt_http_resp resp; /* owned by the caller: yt_http_resp_free */
    char err[YTK_ERR_LEN];    /* message when rc != YTK_OK */
};

/* Start req (its strings are copied by libcurl; the bearer header is wiped
 * when the transfer ends).  Returns YTK_OK, or a negative code with err
 * (nothing was started). */
int yt_http_add(struct yt_http *h, const struct yt_http_req *req, void *tag,
                char err[YTK_ERR_LEN]);
/* Wait up to timeout_ms for one added request to finish.  Returns 1 with d
 * filled, 0 when none finished in time (or none is in flight).  The abort
 * check of h ends transfers with YTK_E_ABORTED. */
int yt_http_wait(struct yt_http *h, long timeout_ms, struct yt_http_done *d);
/* Requests added and not yet returned by yt_http_wait. */
int yt_http_inflight(const struct yt_http *h);
/* Drop every added request still in flight. */
void yt_http_cancel_all(struct yt_http *h);

void yt_http_resp_free(struct yt_http_resp *r);

/* Percent-encode s for a query string or form body.  Caller frees. */
char *yt_http_escape(const char *s);

struct yt_buf;
/* Append k=v to the encoded query string in b, v percent-encoded, with a
 * '&' before it unless b is empty.  0, or a negative yt_buf code. */
int yt_http_query_add(struct yt_buf *b, const char *k, const char *v);

#endif /* YT_HTTP_H */
