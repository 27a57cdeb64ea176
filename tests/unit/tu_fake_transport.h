/* tu_fake_transport.h -- a fake yt_fetch transport for the unit tests and
 * fuzz targets that drive the fetch engine without a network.
 *
 * Fill a struct tu_fake (zeroed, then the fields of the answers wanted),
 * plug it in with tu_fake_transport(&fake, &tr) and give &tr to the engine
 * as cfg.transport.  The fake keeps the requests in flight (at most
 * TU_FAKE_MAX) and answers one per wait, oldest first (newest first with
 * `lifo`).  Each answer, in this order of precedence:
 *   - first_body: the first answer has status first_status and these
 *     first_len bytes as its body (any bytes: the fuzz input), once;
 *   - good_token: a request whose bearer is another gets a 401 authError;
 *   - fail429_count: that many answers are 429 rateLimitExceeded;
 *   - fail503_page: the request for "page=N" is answered 503 once;
 *   - empty_items: 200 {"items":[]};
 *   - else 200 with two items "aN", "bN" for page N (the "page=" number in
 *     the URL, 0 without one) and "next": N+1 while N+1 < pages_per_query.
 *
 * Ownership: the fake copies the URL and bearer of each request it takes
 * (the request is only borrowed) and frees the copies when it answers or
 * cancels; the body of an answer is malloc'd and belongs to the engine
 * (yt_http_resp_free).  Nothing is left to free once n is 0 (the engine
 * cancels what is still in flight when it stops).
 *
 * Statistics for the test: sent (requests taken), max_seen (most in flight
 * at once), cancels, last_url.  add refuses (YTK_E_NOMEM) when TU_FAKE_MAX
 * are in flight or, with max_sent, after max_sent requests.
 */
#ifndef TU_FAKE_TRANSPORT_H
#define TU_FAKE_TRANSPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_fetch.h"

#define TU_FAKE_MAX 64

struct tu_fake_req {
    char *url;
    char *bearer;
    void *tag;
};

struct tu_fake {
    struct tu_fake_req fl[TU_FAKE_MAX]; /* in flight */
    int n;
    int lifo;      /* answer the newest request first */
    long max_sent; /* refuse requests after this many (0 = no cap) */
    /* statistics */
    int max_seen; /* most requests in flight at once */
    long sent;
    int cancels;
    char last_url[512];
    /* scripted answers (see the top of this file) */
    const uint8_t *first_body;
    size_t first_len;
    long first_status;
    const char *good_token;
    int fail429_count;
    int fail503_page; /* 0 = none */
    int empty_items;
    int pages_per_query;
};

/* The integer after `key` in url, 0 when url lacks key. */
static int tu_fake_url_int(const char *url, const char *key)
{
    const char *p = strstr(url, key);
    return p ? atoi(p + strlen(key)) : 0;
}

static int tu_fake_add(void *arg, const struct yt_http_req *req, void *tag,
                       char err[YTK_ERR_LEN])
{
    struct tu_fake *f = arg;
    struct tu_fake_req *r;

    (void)err;
    if (f->n >= TU_FAKE_MAX || (f->max_sent && f->sent >= f->max_sent))
        return YTK_E_NOMEM;
    r = &f->fl[f->n];
    r->url = strdup(req->url);
    r->bearer = req->bearer ? strdup(req->bearer) : NULL;
    if (!r->url || (req->bearer && !r->bearer)) {
        free(r->url);
        free(r->bearer);
        return YTK_E_NOMEM;
    }
    r->tag = tag;
    snprintf(f->last_url, sizeof(f->last_url), "%s", req->url);
    f->n++;
    f->sent++;
    if (f->n > f->max_seen)
        f->max_seen = f->n;
    return YTK_OK;
}

/* The scripted status and body of the answer to r (see the top). */
static long tu_fake_script(struct tu_fake *f, const struct tu_fake_req *r,
                           char *body, size_t cap)
{
    int page = tu_fake_url_int(r->url, "page=");

    if (f->good_token && (!r->bearer || strcmp(r->bearer, f->good_token))) {
        snprintf(body, cap,
                 "{\"error\":{\"code\":401,\"message\":\"expired\","
                 "\"errors\":[{\"reason\":\"authError\"}]}}");
        return 401;
    }
    if (f->fail429_count > 0) {
        f->fail429_count--;
        snprintf(body, cap,
                 "{\"error\":{\"code\":429,\"message\":\"slow down\","
                 "\"errors\":[{\"reason\":\"rateLimitExceeded\"}]}}");
        return 429;
    }
    if (f->fail503_page && page == f->fail503_page) {
        f->fail503_page = 0;
        snprintf(body, cap,
                 "{\"error\":{\"code\":503,\"message\":\"backend\"}}");
        return 503;
    }
    if (f->empty_items)
        snprintf(body, cap, "{\"items\":[]}");
    else if (page + 1 < f->pages_per_query)
        snprintf(body, cap,
                 "{\"items\":[{\"id\":\"a%d\"},{\"id\":\"b%d\"}],"
                 "\"next\":%d}",
                 page, page, page + 1);
    else
        snprintf(body, cap, "{\"items\":[{\"id\":\"a%d\"},{\"id\":\"b%d\"}]}",
                 page, page);
    return 200;
}

static int tu_fake_wait(void *arg, long timeout_ms, struct yt_http_done *d)
{
    struct tu_fake *f = arg;
    struct tu_fake_req r;
    char body[512];
    int i;

    (void)timeout_ms;
    if (!f->n)
        return 0;
    i = f->lifo ? f->n - 1 : 0;
    r = f->fl[i];
    memmove(&f->fl[i], &f->fl[i + 1], (size_t)(f->n - i - 1) * sizeof(r));
    f->n--;
    memset(d, 0, sizeof(*d));
    d->tag = r.tag;
    d->rc = YTK_OK;
    d->resp.retry_after = -1;
    if (f->first_body) {
        d->resp.status = f->first_status;
        d->resp.body = malloc(f->first_len + 1);
        if (d->resp.body) {
            memcpy(d->resp.body, f->first_body, f->first_len);
            d->resp.body[f->first_len] = '\0';
            d->resp.len = f->first_len;
        }
        f->first_body = NULL;
    } else {
        d->resp.status = tu_fake_script(f, &r, body, sizeof(body));
        d->resp.body = strdup(body);
        d->resp.len = d->resp.body ? strlen(body) : 0;
    }
    free(r.url);
    free(r.bearer);
    return 1;
}

static void tu_fake_cancel(void *arg)
{
    struct tu_fake *f = arg;
    int i;

    for (i = 0; i < f->n; i++) {
        free(f->fl[i].url);
        free(f->fl[i].bearer);
    }
    f->n = 0;
    f->cancels++;
}

/* Point tr at the fake f (tr is zeroed first). */
static void tu_fake_transport(struct tu_fake *f, struct yt_fetch_transport *tr)
{
    memset(tr, 0, sizeof(*tr));
    tr->arg = f;
    tr->add = tu_fake_add;
    tr->wait = tu_fake_wait;
    tr->cancel = tu_fake_cancel;
}

#endif /* TU_FAKE_TRANSPORT_H */
