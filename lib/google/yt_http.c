/* yt_http.c -- HTTP client for Google's endpoints (libcurl).  See yt_http.h.
 *
 * Every transfer, single or parallel, runs through one libcurl multi handle
 * owned by the struct yt_http; a share handle holds the connection cache,
 * DNS cache and TLS sessions so keep-alive connections are reused across
 * calls.  The kernel runs magics on one thread, so the share handle needs no
 * locks.
 */
#include "yt_http.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "yt_buf.h"
#include "yt_err.h"

#define YT_HTTP_DEFAULT_TIMEOUT_MS 60000L
#define YT_HTTP_CONNECT_TIMEOUT_MS 15000L
#define YT_HTTP_UA "ytkernel/" YTK_VERSION

struct yt_http {
    CURLSH *share;
    CURLM *multi;
    yt_http_abort_fn abort_fn;
    void *abort_arg;
    struct xfer *live; /* added by yt_http_add, not yet returned */
    int nlive;
};

/* One transfer in flight. */
struct xfer {
    struct yt_http *h;
    CURL *easy;
    struct curl_slist *headers;
    struct yt_buf body;
    long retry_after;
    int too_large;
    int aborted;
    int done;
    CURLcode result;
    char curl_err[CURL_ERROR_SIZE];
    char host[256];
    void *tag;                /* yt_http_add's tag */
    struct xfer *next, *prev; /* h->live list (streamed transfers only) */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *ep_path(enum yt_endpoint ep)
{
    switch (ep) {
    case YT_EP_AUTH:
        return "/o/oauth2/v2/auth";
    case YT_EP_TOKEN:
        return "/token";
    case YT_EP_REVOKE:
        return "/revoke";
    case YT_EP_TOKENINFO:
        return "/tokeninfo";
    case YT_EP_DEVICE_CODE:
        return "/device/code";
    case YT_EP_API:
        return "/youtube/v3";
    }
    return "/";
}

static const char *ep_google(enum yt_endpoint ep)
{
    switch (ep) {
    case YT_EP_AUTH:
        return "https://accounts.google.com/o/oauth2/v2/auth";
    case YT_EP_TOKEN:
        return "https://oauth2.googleapis.com/token";
    case YT_EP_REVOKE:
        return "https://oauth2.googleapis.com/revoke";
    case YT_EP_TOKENINFO:
        return "https://oauth2.googleapis.com/tokeninfo";
    case YT_EP_DEVICE_CODE:
        return "https://oauth2.googleapis.com/device/code";
    case YT_EP_API:
        return "https://www.googleapis.com/youtube/v3";
    }
    return "https://www.googleapis.com";
}

char *yt_http_endpoint(enum yt_endpoint ep)
{
    const char *base = getenv("YTK_GOOGLE_BASE");
    size_t blen;
    char *out;

    if (!base || !*base)
        return strdup(ep_google(ep));
    blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    out = malloc(blen + strlen(ep_path(ep)) + 1);
    if (!out)
        return NULL;
    memcpy(out, base, blen);
    strcpy(out + blen, ep_path(ep));
    return out;
}

struct yt_http *yt_http_new(void)
{
    struct yt_http *h;

    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return NULL;
    h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->share = curl_share_init();
    h->multi = curl_multi_init();
    if (!h->share || !h->multi) {
        yt_http_free(h);
        return NULL;
    }
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return h;
}

void yt_http_free(struct yt_http *h)
{
    if (!h)
        return;
    yt_http_cancel_all(h);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    if (h->share)
        curl_share_cleanup(h->share);
    free(h);
}

void yt_http_set_abort(struct yt_http *h, yt_http_abort_fn fn, void *arg)
{
    h->abort_fn = fn;
    h->abort_arg = arg;
}

static int want_abort(struct yt_http *h)
{
    return h->abort_fn && h->abort_fn(h->abort_arg);
}

void yt_http_resp_free(struct yt_http_resp *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->content_type);
    r->body = NULL;
    r->content_type = NULL;
    r->len = 0;
}

char *yt_http_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), i, o = 0;
    char *out = malloc(n * 3 + 1);

    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
    return out;
}

int yt_http_query_add(struct yt_buf *b, const char *k, const char *v)
{
    char *e = yt_http_escape(v);
    int rc;

    if (!e)
        return YTK_E_NOMEM;
    rc = yt_buf_addf(b, "%s%s=%s", b->len ? "&" : "", k, e);
    free(e);
    return rc;
}

/* Non-zero when host (as given in the URL, brackets stripped) is loopback. */
static int host_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
        strcmp(host, "[::1]") == 0)
        return 1;
    if (strncmp(host, "127.", 4) == 0) {
        const char *p = host + 4;
        int dots = 0;

        for (; *p; p++) {
            if (*p == '.')
                dots++;
            else if (!isdigit((unsigned char)*p))
                return 0;
        }
        return dots == 2;
    }
    return 0;
}

/* Check the URL's scheme and host.  Fills host for messages. */
static int check_url(const char *url, char *host, size_t hostsz,
                     char err[YTK_ERR_LEN])
{
    CURLU *u = curl_url();
    char *scheme = NULL, *hst = NULL;
    int rc = YTK_OK;

    host[0] = '\0';
    if (!u)
        return YTK_E_NOMEM;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &hst, 0) != CURLUE_OK) {
        yt_errf(err, "malformed URL for an HTTP request");
        rc = YTK_E_CONNECT;
        goto out;
    }
    snprintf(host, hostsz, "%s", hst);
    if (strcasecmp(scheme, "https") == 0)
        goto out;
    if (strcasecmp(scheme, "http") == 0 && host_is_loopback(hst))
        goto out;
    if (strcasecmp(scheme, "http") == 0)
        yt_errf(err,
                "refusing plain http:// to %s: only https is allowed for "
                "hosts that are not loopback (check YTK_GOOGLE_BASE)",
                host);
    else
        yt_errf(err, "unsupported URL scheme '%s' for %s", scheme, host);
    rc = YTK_E_INSECURE;
out:
    curl_free(scheme);
    curl_free(hst);
    curl_url_cleanup(u);
    return rc;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct xfer *t = userdata;
    size_t n = size * nmemb;

    if (t->body.len + n >= YT_HTTP_MAX_BODY ||
        yt_buf_add(&t->body, ptr, n) != 0) {
        t->too_large = 1;
        return 0;
    }
    return n;
}

/* Parse the value of a Retry-After header: delta-seconds or an HTTP date. */
static long parse_retry_after(const char *v, size_t len)
{
    char tmp[128];
    size_t i;
    time_t when;

    while (len > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
                       v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof tmp)
        return -1;
    memcpy(tmp, v, len);
    tmp[len] = '\0';
    for (i = 0; i < len && isdigit((unsigned char)tmp[i]); i++)
        ;
    if (i == len) {
        long s = len > 9 ? 999999999L : strtol(tmp, NULL, 10);
        return s;
    }
    when = curl_getdate(tmp, NULL);
    if (when == (time_t)-1)
        return -1;
    {
        time_t now = time(NULL);
        return when > now ? (long)(when - now) : 0;
    }
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
    struct xfer *t = userdata;
    size_t n = size * nitems;
    static const char name[] = "retry-after:";

    if (n > sizeof name - 1 && strncasecmp(buf, name, sizeof name - 1) == 0)
        t->retry_after =
            parse_retry_after(buf + sizeof name - 1, n - (sizeof name - 1));
    else if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0)
        t->retry_after = -1; /* new response (e.g. after 100-continue) */
    return n;
}

static int on_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    struct xfer *t = clientp;

    if (want_abort(t->h)) {
        t->aborted = 1;
        return 1;
    }
    return 0;
}

static void xfer_cleanup(struct xfer *t)
{
    struct curl_slist *l;

    if (t->easy) {
        if (t->h && t->h->multi)
            curl_multi_remove_handle(t->h->multi, t->easy);
        curl_easy_cleanup(t->easy);
        t->easy = NULL;
    }
    /* the headers hold the bearer token */
    for (l = t->headers; l; l = l->next)
        explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    yt_buf_free(&t->body);
}

/* Set up an easy handle for req.  Returns YTK_OK or a negative code. */
static int xfer_setup(struct yt_http *h, struct xfer *t,
                      const struct yt_http_req *req, char err[YTK_ERR_LEN])
{
    struct curl_slist *l;
    char line[4096];
    int rc;

    memset(t, 0, sizeof *t);
    t->h = h;
    t->retry_after = -1;
    yt_buf_init(&t->body, (size_t)YT_HTTP_MAX_BODY + 1);
    if (!req->url) {
        yt_errf(err, "HTTP request without a URL");
        return YTK_E_CONNECT;
    }
    rc = check_url(req->url, t->host, sizeof t->host, err);
    if (rc != YTK_OK)
        return rc;
    t->easy = curl_easy_init();
    if (!t->easy)
        goto nomem;
    curl_easy_setopt(t->easy, CURLOPT_URL, req->url);
    curl_easy_setopt(t->easy, CURLOPT_SHARE, h->share);
    curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
#if CURL_AT_LEAST_VERSION(7, 85, 0)
    curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(t->easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(t->easy, CURLOPT_USERAGENT, YT_HTTP_UA);
    curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS,
                     req->timeout_ms > 0 ? req->timeout_ms
                                         : YT_HTTP_DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
                     YT_HTTP_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(t->easy, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)YT_HTTP_MAX_BODY);
    curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(t->easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(t->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(t->easy, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->curl_err);
    curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);

    l = curl_slist_append(NULL, "Accept: application/json");
    if (!l)
        goto nomem;
    t->headers = l;
    if (req->bearer) {
        if (strlen(req->bearer) > sizeof line - 32 ||
            strpbrk(req->bearer, "\r\n")) {
            yt_errf(err, "malformed access token");
            return YTK_E_CONNECT;
        }
        snprintf(line, sizeof line, "Authorization: Bearer %s", req->bearer);
        l = curl_slist_append(t->headers, line);
        explicit_bzero(line, sizeof line);
        if (!l)
            goto nomem;
        t->headers = l;
    }
    if (req->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", req->content_type);
        l = curl_slist_append(t->headers, line);
        if (!l)
            goto nomem;
        t->headers = l;
    }
    curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
    if (req->method && strcmp(req->method, "POST") == 0) {
        const char *b = req->body ? req->body : "";

        curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
        curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)strlen(b));
        curl_easy_setopt(t->easy, CURLOPT_COPYPOSTFIELDS, b);
    } else if (req->method && strcmp(req->method, "GET") != 0) {
        curl_easy_setopt(t->easy, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->body)
            curl_easy_setopt(t->easy, CURLOPT_COPYPOSTFIELDS, req->body);
    } else {
        curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
    }
    return YTK_OK;
nomem:
    yt_errf(err, "out of memory preparing a request to %s", t->host);
    return YTK_E_NOMEM;
}

/* Turn a finished transfer into a response and result code. */
static int xfer_finish(struct xfer *t, struct yt_http_resp *resp,
                       char err[YTK_ERR_LEN])
{
    const char *why;
    char *ct = NULL;

    memset(resp, 0, sizeof *resp);
    resp->retry_after = -1;
    if (t->easy && t->result != CURLE_OK && !t->aborted)
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &resp->status);
    if (t->aborted || t->result == CURLE_ABORTED_BY_CALLBACK) {
        yt_errf(err, "request to %s interrupted", t->host);
        return YTK_E_ABORTED;
    }
    if (t->too_large || t->result == CURLE_FILESIZE_EXCEEDED) {
        yt_errf(err, "response from %s is larger than %u MiB; refused", t->host,
                (unsigned)(YT_HTTP_MAX_BODY >> 20));
        return YTK_E_TOOBIG;
    }
    if (t->result != CURLE_OK) {
        int rc;

        switch (t->result) {
        case CURLE_OPERATION_TIMEDOUT:
            rc = YTK_E_TIMEOUT;
            break;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_UNSUPPORTED_PROTOCOL:
            rc = YTK_E_CONNECT;
            break;
        case CURLE_OUT_OF_MEMORY:
            rc = YTK_E_NOMEM;
            break;
        default:
            rc = YTK_E_TRANSFER;
        }
        why = t->curl_err[0] ? t->curl_err : curl_easy_strerror(t->result);
        yt_errf(err, "request to %s failed: %s", t->host, why);
        return rc;
    }
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &ct);
    if (ct) {
        resp->content_type = strdup(ct);
        if (!resp->content_type)
            goto nomem;
    }
    resp->retry_after = t->retry_after;
    resp->len = t->body.len;
    resp->body = yt_buf_take(&t->body);
    if (!resp->body)
        goto nomem;
    return YTK_OK;
nomem:
    yt_http_resp_free(resp);
    yt_errf(err, "out of memory reading a response from %s", t->host);
    return YTK_E_NOMEM;
}

int yt_http_perform_many(struct yt_http *h, const struct yt_http_req *reqs,
                         struct yt_http_resp *resps, int *rcs, size_t n,
                         int max_parallel, char (*errs)[YTK_ERR_LEN])
{
    struct xfer *t = NULL;
    size_t next = 0, running = 0, i;
    int interrupted = 0;
    char scratch[YTK_ERR_LEN];

#define ERRBUF(i) (errs ? errs[i] : scratch)
    for (i = 0; i < n; i++) {
        memset(&resps[i], 0, sizeof resps[i]);
        resps[i].retry_after = -1;
        rcs[i] = YTK_E_ABORTED;
        if (errs)
            errs[i][0] = '\0';
    }
    if (n == 0)
        return 0;
    if (max_parallel < 1)
        max_parallel = 1;
    t = calloc(n, sizeof *t);
    if (!t) {
        for (i = 0; i < n; i++) {
            rcs[i] = YTK_E_NOMEM;
            yt_errf(ERRBUF(i), "out of memory");
        }
        return 0;
    }
    for (;;) {
        int still = 0, numfds = 0, left;
        CURLMsg *m;

        if (!interrupted && want_abort(h))
            interrupted = 1;
        /* Start more transfers up to max_parallel. */
        while (!interrupted && next < n && running < (size_t)max_parallel) {
            i = next++;
            rcs[i] = xfer_setup(h, &t[i], &reqs[i], ERRBUF(i));
            if (rcs[i] != YTK_OK) {
                t[i].done = 1;
                xfer_cleanup(&t[i]);
                continue;
            }
            if (curl_multi_add_handle(h->multi, t[i].easy) != CURLM_OK) {
                rcs[i] = YTK_E_NOMEM;
                yt_errf(ERRBUF(i),
                        "could not start a request to %s (libcurl refused "
                        "it; retry, or restart the kernel)",
                        t[i].host);
                t[i].done = 1;
                xfer_cleanup(&t[i]);
                continue;
            }
            rcs[i] = YTK_E_ABORTED; /* until it finishes */
            running++;
        }
        if (running == 0)
            break;
        if (curl_multi_perform(h->multi, &still) != CURLM_OK)
            interrupted = 1;
        while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
            struct xfer *d = NULL;

            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&d);
            if (!d)
                continue;
            d->result = m->data.result;
            d->done = 1;
            i = (size_t)(d - t);
            rcs[i] = xfer_finish(d, &resps[i], ERRBUF(i));
            xfer_cleanup(d);
            running--;
        }
        if (interrupted) {
            for (i = 0; i < n; i++) {
                if (t[i].easy && !t[i].done) {
                    rcs[i] = YTK_E_ABORTED;
                    yt_errf(ERRBUF(i), "request to %s interrupted", t[i].host);
                    xfer_cleanup(&t[i]);
                }
            }
            break;
        }
        if (running == 0 && next >= n)
            break;
        if (running > 0)
            curl_multi_poll(h->multi, NULL, 0, 100, &numfds);
    }
    for (i = next; i < n; i++) {
        rcs[i] = YTK_E_ABORTED;
        yt_errf(ERRBUF(i), "request not started: interrupted");
    }
    free(t);
#undef ERRBUF
    if (interrupted)
        for (i = 0; i < n; i++)
            if (rcs[i] == YTK_E_ABORTED)
                return YTK_E_ABORTED;
    return 0;
}

int yt_http_perform(struct yt_http *h, const struct yt_http_req *req,
                    struct yt_http_resp *resp, char err[YTK_ERR_LEN])
{
    char errs[1][YTK_ERR_LEN];
    int rc = YTK_OK;

    yt_http_perform_many(h, req, resp, &rc, 1, 1, errs);
    if (rc != YTK_OK)
        yt_errf(err, "%s", errs[0]);
    return rc;
}

/* ---- Streaming ---- */

static void live_unlink(struct yt_http *h, struct xfer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        h->live = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
    h->nlive--;
}

int yt_http_add(struct yt_http *h, const struct yt_http_req *req, void *tag,
                char err[YTK_ERR_LEN])
{
    struct xfer *t = calloc(1, sizeof *t);
    int rc;

    if (!t) {
        yt_errf(err, "out of memory starting a request");
        return YTK_E_NOMEM;
    }
    rc = xfer_setup(h, t, req, err);
    if (rc != YTK_OK)
        goto out;
    t->tag = tag;
    if (curl_multi_add_handle(h->multi, t->easy) != CURLM_OK) {
        yt_errf(err,
                "could not start a request to %s (libcurl refused it; "
                "retry, or restart the kernel)",
                t->host);
        rc = YTK_E_NOMEM;
        goto out;
    }
    t->next = h->live;
    if (h->live)
        h->live->prev = t;
    h->live = t;
    h->nlive++;
    /* Put the request on the wire now (a kept-alive connection sends it at
     * once), not at the next yt_http_wait: the caller may have a page to
     * store first.  Transfers this finishes wait in the multi's queue. */
    {
        int still = 0;
        (void)curl_multi_perform(h->multi, &still);
    }
    return YTK_OK;
out:
    xfer_cleanup(t);
    free(t);
    return rc;
}

/* Hand one finished transfer from the multi's message queue, if any. */
static int take_done(struct yt_http *h, struct yt_http_done *d)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
        struct xfer *t = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (!t)
            continue;
        t->result = m->data.result;
        t->done = 1;
        d->tag = t->tag;
        d->err[0] = '\0';
        d->rc = xfer_finish(t, &d->resp, d->err);
        live_unlink(h, t);
        xfer_cleanup(t);
        free(t);
        return 1;
    }
    return 0;
}

int yt_http_wait(struct yt_http *h, long timeout_ms, struct yt_http_done *d)
{
    struct timespec t0, now;
    long elapsed = 0;

    memset(d, 0, sizeof *d);
    d->resp.retry_after = -1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int still = 0, numfds = 0;
        long slice;

        if (curl_multi_perform(h->multi, &still) != CURLM_OK)
            return 0;
        if (take_done(h, d))
            return 1;
        if (h->nlive == 0 || elapsed >= timeout_ms)
            return 0;
        slice = timeout_ms - elapsed;
        if (slice > 100)
            slice = 100; /* the abort check runs at least this often */
        curl_multi_poll(h->multi, NULL, 0, (int)slice, &numfds);
        clock_gettime(CLOCK_MONOTONIC, &now);
        elapsed = (now.tv_sec - t0.tv_sec) * 1000L +
                  (now.tv_nsec - t0.tv_nsec) / 1000000L;
    }
}

int yt_http_inflight(const struct yt_http *h)
{
    return h ? h->nlive : 0;
}

void yt_http_cancel_all(struct yt_http *h)
{
    while (h->live) {
        struct xfer *t = h->live;

        live_unlink(h, t);
        xfer_cleanup(t);
        free(t);
    }
}
