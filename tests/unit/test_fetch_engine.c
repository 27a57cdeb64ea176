/* test_fetch_engine.c -- the fetch engine (yt_fetch) driven by the fake
 * transport of tu_fake_transport.h: answers arriving out of order, a 503 in
 * the middle, a 401 shared by the queries in flight, an interrupt, the AIMD
 * window on 429; the recipe layer (yt_recipe) paging more than 100,000 ids;
 * and yt_http's streaming add/wait against a loopback server. */
#include "tu.h"
#include "tu_fake_transport.h"
#include "tu_sql.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "yt_fetch.h"
#include "yt_recipe.h"
#include "yt_store.h"

/* ------------------------------------------------------------ queries */

/* Per query: pages seen, in order. */
struct tq {
    int id;
    int pages_seen;
    int in_order; /* every page arrived as the next one */
    int released;
    int spawn; /* add this many follow-up queries on the first page */
};

static struct yt_fetch_query_spec tq_spec(struct tq *t);

static int tq_page(struct yt_fetch *e, struct yt_fetch_query *q,
                   const cJSON *root, void *arg, char err[YTK_ERR_LEN])
{
    struct tq *t = arg;
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "next");
    char cur[32];
    const char *c = yt_fetch_query_cursor(q);
    int page = c ? tu_fake_url_int(c, "page=") : 0;

    if (page != t->pages_seen)
        t->in_order = 0;
    t->pages_seen++;
    if (t->spawn) {
        int i, n = t->spawn;
        t->spawn = 0;
        for (i = 0; i < n; i++) {
            static struct tq kids[8];
            struct yt_fetch_query_spec s;
            memset(&kids[i], 0, sizeof(kids[i]));
            kids[i].in_order = 1;
            kids[i].id = 100 + i;
            s = tq_spec(&kids[i]);
            if (yt_fetch_add(e, &s, err) < 0)
                return -1;
        }
    }
    if (!cJSON_IsNumber(next))
        return YT_FETCH_PAGE_DONE;
    snprintf(cur, sizeof(cur), "page=%d", next->valueint);
    if (yt_fetch_query_set_cursor(q, cur) < 0)
        return -1;
    return YT_FETCH_PAGE_MORE;
}

static void tq_release(void *arg)
{
    ((struct tq *)arg)->released++;
}

static const struct yt_fetch_query_ops tq_ops = {
    .page = tq_page,
    .release = tq_release,
};

static struct yt_fetch_query_spec tq_spec(struct tq *t)
{
    struct yt_fetch_query_spec s;

    memset(&s, 0, sizeof(s));
    s.method = "things";
    s.params = t->id == 0 ? "q=main" : "q=other";
    s.cost = 1;
    s.label = "test query";
    s.priority = t->id == 0 ? YT_FETCH_PRIO_CHAIN : YT_FETCH_PRIO_LOW;
    s.ops = &tq_ops;
    s.arg = t;
    return s;
}

/* ------------------------------------------------------------ harness */

struct hooks_rec {
    int refreshes;
    int failed;
    char failed_reason[64];
    int interrupt_after_pages; /* 0 = never */
    struct yt_fetch *e;
    struct yt_cred *cred;
};

static int h_interrupted(void *arg)
{
    struct hooks_rec *h = arg;
    return h->interrupt_after_pages && h->e &&
           yt_fetch_get_stats(h->e)->pages >= h->interrupt_after_pages;
}

static int h_refresh(void *arg, char err[YTK_ERR_LEN])
{
    struct hooks_rec *h = arg;

    (void)err;
    h->refreshes++;
    free(h->cred->access_token);
    h->cred->access_token = strdup("new-token");
    return 0;
}

static void h_failed(void *arg, const char *label, const char *method,
                     const struct yt_api_error *ae, int http_rc, int retries)
{
    struct hooks_rec *h = arg;

    (void)label;
    (void)method;
    (void)http_rc;
    (void)retries;
    h->failed++;
    snprintf(h->failed_reason, sizeof(h->failed_reason), "%s", ae->reason);
}

static sqlite3 *mem_db(void)
{
    sqlite3 *db = NULL;
    char err[YTK_ERR_LEN];

    sqlite3_open(":memory:", &db);
    TU_CHECK(yt_store_init(db, err) == 0);
    return db;
}

/* One engine on the fake transport with an in-memory store, recording hooks
 * and a credential.  rig_init zeroes it and opens the store; the test sets
 * what it needs in fk, h and cr, then rig_engine makes the engine (window
 * `parallel`); rig_free frees the engine (NULL once the test freed it
 * itself), the credential's token and the store. */
struct rig {
    sqlite3 *db;
    struct tu_fake fk;
    struct yt_fetch_transport tr;
    struct hooks_rec h;
    struct yt_cred cr;
    struct yt_fetch *e;
};

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    r->db = mem_db();
}

static struct yt_fetch *rig_engine(struct rig *r, int parallel)
{
    struct yt_fetch_config cfg;
    char err[YTK_ERR_LEN];

    tu_fake_transport(&r->fk, &r->tr);
    memset(&cfg, 0, sizeof(cfg));
    cfg.db = r->db;
    cfg.transport = &r->tr;
    cfg.cred = &r->cr;
    cfg.base = "http://127.0.0.1:9/api";
    cfg.fetch_id = "test";
    cfg.parallel = parallel;
    cfg.max_retries = 3;
    cfg.backoff_base_ms = 1;
    cfg.backoff_cap_ms = 2;
    cfg.timeout_ms = 1000;
    cfg.hooks.arg = &r->h;
    cfg.hooks.interrupted = h_interrupted;
    cfg.hooks.refresh = h_refresh;
    cfg.hooks.failed = h_failed;
    r->h.cred = &r->cr;
    r->e = yt_fetch_new(&cfg, err);
    r->h.e = r->e;
    TU_CHECK(r->e != NULL);
    return r->e;
}

static void rig_free(struct rig *r)
{
    yt_fetch_free(r->e);
    r->e = NULL;
    free(r->cr.access_token);
    sqlite3_close(r->db);
}

/* Add queries qs[0..n) (zeroed by the caller, who may set spawn), with ids
 * first_id, first_id + 1, ... */
static void tq_add_all(struct yt_fetch *e, struct tq *qs, int n, int first_id)
{
    char err[YTK_ERR_LEN];
    int i;

    for (i = 0; i < n; i++) {
        struct yt_fetch_query_spec s;
        qs[i].id = first_id + i;
        qs[i].in_order = 1;
        s = tq_spec(&qs[i]);
        TU_EQ_INT(yt_fetch_add(e, &s, err), 0);
    }
}

/* ------------------------------------------------------------ loopback */

/* A tiny HTTP server on 127.0.0.1: GET /n/K answers "K" (K = 30 only once
 * release_slow is posted); GET /cut answers 200 with a Content-Length it
 * does not send. */
static sem_t release_slow;

struct srv {
    int fd, port;
    pthread_t th;
};

static void *conn_main(void *arg)
{
    int c = (int)(long)arg, k = 0;
    char buf[2048], out[256];
    ssize_t n = recv(c, buf, sizeof(buf) - 1, 0);

    if (n > 0) {
        buf[n] = '\0';
        if (strncmp(buf, "GET /cut", 8) == 0) {
            snprintf(out, sizeof(out),
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     "Content-Length: 100\r\nConnection: close\r\n\r\n"
                     "{\"items\":[");
        } else {
            k = atoi(buf + 7);
            if (k == 30) { /* held until the test has the others */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_sec += 20;
                sem_timedwait(&release_slow, &ts);
            }
            snprintf(out, sizeof(out),
                     "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                     "Connection: close\r\n\r\n%d",
                     k >= 10 ? 2 : 1, k);
        }
        if (send(c, out, strlen(out), 0) < 0)
            k = -1;
    }
    close(c);
    return NULL;
}

static void *srv_main(void *arg)
{
    struct srv *s = arg;

    for (;;) {
        pthread_t t;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        if (pthread_create(&t, NULL, conn_main, (void *)(long)c) == 0)
            pthread_detach(t);
        else
            close(c);
    }
}

static int srv_start(struct srv *s)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(s->fd, 16) < 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &len) < 0)
        return -1;
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->th, NULL, srv_main, s);
}

static void srv_stop(struct srv *s)
{
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->th, NULL);
}

/* yt_http_add/wait: each answer is handed over as soon as it is complete
 * (the slowest request, added first, comes back last); a body cut short
 * keeps its HTTP status (Google charged the call); cancel drops the rest. */
static void test_http_streaming(void)
{
    struct srv s;
    struct yt_http *h = yt_http_new();
    struct yt_http_req req;
    struct yt_http_done d;
    char url[128], err[YTK_ERR_LEN];
    long order[4];
    int i, got = 0;
    long tags[4] = {30, 20, 10, 0};

    TU_CHECK(h != NULL);
    sem_init(&release_slow, 0, 0);
    if (!h || srv_start(&s) != 0)
        return;
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url;
    for (i = 0; i < 4; i++) {
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/n/%ld", s.port,
                 tags[i]);
        TU_EQ_INT(yt_http_add(h, &req, &tags[i], err), YTK_OK);
    }
    TU_EQ_INT(yt_http_inflight(h), 4);
    while (got < 4) {
        if (got == 3)
            sem_post(&release_slow);
        if (yt_http_wait(h, 30000, &d) != 1)
            break;
        TU_EQ_INT(d.rc, YTK_OK);
        TU_EQ_INT(d.resp.status, 200);
        order[got++] = *(long *)d.tag;
        TU_EQ_INT(atol(d.resp.body), *(long *)d.tag);
        yt_http_resp_free(&d.resp);
    }
    TU_EQ_INT(got, 4);
    /* the three others were handed over while the first added one was
     * still being held by the server */
    TU_EQ_INT(order[3], 30);
    TU_EQ_INT(yt_http_inflight(h), 0);
    TU_EQ_INT(yt_http_wait(h, 10, &d), 0);
    /* truncated body: a transfer error that keeps the status */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/cut", s.port);
    TU_EQ_INT(yt_http_add(h, &req, tags, err), YTK_OK);
    TU_EQ_INT(yt_http_wait(h, 5000, &d), 1);
    TU_EQ_INT(d.rc, YTK_E_TRANSFER);
    TU_EQ_INT(d.resp.status, 200);
    TU_CHECK(d.resp.body == NULL);
    yt_http_resp_free(&d.resp);
    /* cancel */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/n/5", s.port);
    TU_EQ_INT(yt_http_add(h, &req, tags, err), YTK_OK);
    TU_EQ_INT(yt_http_add(h, &req, tags, err), YTK_OK);
    yt_http_cancel_all(h);
    TU_EQ_INT(yt_http_inflight(h), 0);
    TU_EQ_INT(yt_http_wait(h, 10, &d), 0);
    yt_http_free(h);
    srv_stop(&s);
    sem_destroy(&release_slow);
}

/* A keep-alive server for one connection: it answers each GET with "ok"
 * and posts `arrived` when a request has been read in full. */
struct ka_srv {
    int fd, port;
    pthread_t th;
    sem_t arrived;
};

static void *ka_main(void *arg)
{
    struct ka_srv *s = arg;
    char buf[4096];
    size_t have = 0;
    int c = accept(s->fd, NULL, NULL);

    if (c < 0)
        return NULL;
    for (;;) {
        char *end;
        ssize_t n = recv(c, buf + have, sizeof(buf) - 1 - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        while ((end = strstr(buf, "\r\n\r\n")) != NULL) {
            static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2"
                                     "\r\n\r\nok";
            size_t used = (size_t)(end + 4 - buf);
            sem_post(&s->arrived);
            if (send(c, ok, sizeof(ok) - 1, 0) < 0)
                goto out;
            memmove(buf, buf + used, have - used + 1);
            have -= used;
        }
    }
out:
    close(c);
    return NULL;
}

/* yt_http_add puts a request on a kept-alive connection at once: the
 * server has it before yt_http_wait is called (the engine stores a page
 * between sending the next one and waiting for it). */
static void test_http_add_sends_at_once(void)
{
    struct ka_srv s;
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    struct yt_http *h = yt_http_new();
    struct yt_http_req req;
    struct yt_http_done d;
    struct timespec ts;
    char url[128], err[YTK_ERR_LEN];
    int tag = 0;

    TU_CHECK(h != NULL);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s.fd = socket(AF_INET, SOCK_STREAM, 0);
    sem_init(&s.arrived, 0, 0);
    if (!h || s.fd < 0 || bind(s.fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        listen(s.fd, 4) < 0 ||
        getsockname(s.fd, (struct sockaddr *)&a, &len) < 0 ||
        pthread_create(&s.th, NULL, ka_main, &s) != 0) {
        TU_CHECK(!"loopback server");
        return;
    }
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/a", ntohs(a.sin_port));
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url;
    /* the first request opens the connection */
    TU_EQ_INT(yt_http_add(h, &req, &tag, err), YTK_OK);
    TU_EQ_INT(yt_http_wait(h, 5000, &d), 1);
    TU_EQ_INT(d.resp.status, 200);
    yt_http_resp_free(&d.resp);
    TU_EQ_INT(sem_trywait(&s.arrived), 0);
    /* the second is on the wire when yt_http_add returns */
    TU_EQ_INT(yt_http_add(h, &req, &tag, err), YTK_OK);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 2;
    TU_EQ_INT(sem_timedwait(&s.arrived, &ts), 0);
    TU_EQ_INT(yt_http_wait(h, 5000, &d), 1);
    TU_EQ_INT(d.rc, YTK_OK);
    TU_EQ_STR(d.resp.body, "ok");
    yt_http_resp_free(&d.resp);
    yt_http_free(h); /* closes the connection: the server thread ends */
    pthread_join(s.th, NULL);
    close(s.fd);
    sem_destroy(&s.arrived);
}

/* ------------------------------------------------------------ tests */

static void test_out_of_order_and_pipelined(void)
{
    struct rig r;
    struct tq qs[3];
    struct yt_fetch *e;
    int i;

    rig_init(&r);
    r.fk.lifo = 1;
    r.fk.pages_per_query = 4;
    e = rig_engine(&r, 4);
    memset(qs, 0, sizeof(qs));
    qs[0].spawn = 2; /* the chain unlocks two more */
    tq_add_all(e, qs, 3, 0);
    TU_EQ_INT(yt_fetch_run(e), YT_FETCH_OK);
    for (i = 0; i < 3; i++) {
        TU_EQ_INT(qs[i].pages_seen, 4);
        TU_CHECK(qs[i].in_order);
        TU_EQ_INT(qs[i].released, 1);
    }
    /* 3 queries + 2 spawned, 4 pages each */
    TU_EQ_INT(yt_fetch_get_stats(e)->pages, 20);
    TU_EQ_INT(yt_fetch_get_stats(e)->requests, 20);
    TU_EQ_INT(yt_fetch_get_stats(e)->units, 20);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests"), 20);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT SUM(quota_units) FROM _ytk_requests"),
              20);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT SUM(item_count) FROM _ytk_requests"),
              40);
    TU_CHECK(r.fk.max_seen > 1);  /* side by side */
    TU_CHECK(r.fk.max_seen <= 5); /* window 4 + the chain's slot */
    TU_EQ_INT(r.h.failed, 0);
    rig_free(&r);
}

static void test_503_in_the_middle(void)
{
    struct rig r;
    struct tq q;
    struct yt_fetch *e;

    rig_init(&r);
    r.fk.pages_per_query = 4;
    r.fk.fail503_page = 2;
    e = rig_engine(&r, 4);
    memset(&q, 0, sizeof(q));
    tq_add_all(e, &q, 1, 0);
    TU_EQ_INT(yt_fetch_run(e), YT_FETCH_OK);
    TU_EQ_INT(q.pages_seen, 4);
    TU_CHECK(q.in_order);
    TU_EQ_INT(yt_fetch_get_stats(e)->retries, 1);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests"), 5);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests WHERE "
                               "outcome = 'retry' AND status = 503 AND "
                               "quota_units = 0"),
              1);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT SUM(quota_units) FROM _ytk_requests"),
              4);
    rig_free(&r);
}

static void test_401_refreshes_once_for_all(void)
{
    struct rig r;
    struct tq qs[4];
    struct yt_fetch *e;
    int i;

    rig_init(&r);
    r.cr.access_token = strdup("old-token");
    r.fk.pages_per_query = 2;
    r.fk.good_token = "new-token";
    e = rig_engine(&r, 4);
    memset(qs, 0, sizeof(qs));
    tq_add_all(e, qs, 4, 1);
    TU_EQ_INT(yt_fetch_run(e), YT_FETCH_OK);
    /* four calls in flight with the old token: one refresh for all */
    TU_EQ_INT(r.h.refreshes, 1);
    for (i = 0; i < 4; i++)
        TU_EQ_INT(qs[i].pages_seen, 2);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests WHERE "
                               "outcome = 'auth'"),
              4);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT SUM(quota_units) FROM _ytk_requests"),
              8);
    rig_free(&r);
}

static void test_interrupt_keeps_pages(void)
{
    struct rig r;
    struct tq qs[3];
    struct yt_fetch *e;
    int i, seen = 0;

    rig_init(&r);
    r.fk.pages_per_query = 50;
    r.h.interrupt_after_pages = 5;
    e = rig_engine(&r, 4);
    memset(qs, 0, sizeof(qs));
    tq_add_all(e, qs, 3, 1);
    TU_EQ_INT(yt_fetch_run(e), YT_FETCH_E_INTERRUPTED);
    for (i = 0; i < 3; i++)
        seen += qs[i].pages_seen;
    /* answers already received when the interrupt came are kept (they
     * were charged); nothing is sent after it */
    TU_CHECK(seen >= 5 && seen < 5 + 4);
    TU_EQ_INT(yt_fetch_get_stats(e)->pages, seen);
    TU_EQ_INT(r.fk.cancels, 1);
    TU_EQ_INT(r.fk.n, 0);
    /* the calls in flight are logged as aborted; one row per call */
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests WHERE "
                               "outcome = 'ok'"),
              seen);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests"),
              r.fk.sent);
    TU_CHECK(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests WHERE "
                              "outcome = 'aborted'") >= 1);
    yt_fetch_free(e);
    r.e = NULL;
    /* queries not finished are released by the free */
    for (i = 0; i < 3; i++)
        TU_EQ_INT(qs[i].released, 1);
    rig_free(&r);
}

static void test_rate_limit_shrinks_window(void)
{
    struct rig r;
    struct tq qs[6];
    struct yt_fetch *e;
    int i;

    rig_init(&r);
    r.fk.pages_per_query = 1;
    r.fk.fail429_count = 3;
    e = rig_engine(&r, 8);
    TU_EQ_INT(yt_fetch_get_stats(e)->window, 8);
    memset(qs, 0, sizeof(qs));
    tq_add_all(e, qs, 6, 1);
    TU_EQ_INT(yt_fetch_run(e), YT_FETCH_OK);
    /* three halvings: 8 -> 1, then +1/w per success stays below 8 */
    TU_CHECK(yt_fetch_get_stats(e)->window < 8);
    TU_EQ_INT(yt_fetch_get_stats(e)->retries, 3);
    for (i = 0; i < 6; i++)
        TU_EQ_INT(qs[i].pages_seen, 1);
    rig_free(&r);
}

/* An Analytics-like query: another base URL, no Data API units, the next
 * request decided by startIndex, the logged item count set by the page. */
static int rows_page(struct yt_fetch *e, struct yt_fetch_query *q,
                     const cJSON *root, void *arg, char err[YTK_ERR_LEN])
{
    int *pages = arg;

    (void)e;
    (void)root;
    (void)err;
    (*pages)++;
    yt_fetch_query_set_logged_items(q, 7);
    if (*pages == 3)
        return YT_FETCH_PAGE_DONE;
    return yt_fetch_query_set_cursor(q, *pages == 1 ? "startIndex=201"
                                                    : "startIndex=401") < 0
               ? -1
               : YT_FETCH_PAGE_MORE;
}

static const struct yt_fetch_query_ops rows_ops = {.page = rows_page};

static void test_other_base_startindex_no_units(void)
{
    struct rig r;
    struct yt_fetch_query_spec s;
    struct yt_fetch *e;
    char err[YTK_ERR_LEN];
    int pages = 0;

    rig_init(&r);
    r.fk.pages_per_query = 1;
    e = rig_engine(&r, 4);
    memset(&s, 0, sizeof(s));
    s.base = "http://127.0.0.1:9/v2";
    s.method = "reports";
    s.params = "ids=channel%3D%3DMINE&metrics=views";
    s.cursor = "startIndex=1";
    s.cost = 0;
    s.ops = &rows_ops;
    s.arg = &pages;
    TU_EQ_INT(yt_fetch_add(e, &s, err), 0);
    TU_EQ_INT(yt_fetch_run(e), YT_FETCH_OK);
    TU_EQ_INT(pages, 3);
    TU_EQ_STR(r.fk.last_url, "http://127.0.0.1:9/v2/reports?ids=channel%3D%3D"
                             "MINE&metrics=views&startIndex=401");
    TU_EQ_INT(yt_fetch_get_stats(e)->units, 0);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests WHERE "
                               "method = 'reports' AND quota_units = 0 AND "
                               "item_count = 7 AND params LIKE "
                               "'%startIndex=%'"),
              3);
    rig_free(&r);
}

/* More than 100,000 ids: every one is asked for (they used to be dropped
 * silently at a 100,000-query cap), 50 per call, never all at once. */
static void test_recipe_pages_many_ids(void)
{
    struct rig r;
    struct yt_recipe_plan p;
    struct yt_recipe_job *j;
    struct yt_fetch *e;
    char err[YTK_ERR_LEN];
    long n = 100001, i;
    char **ids = calloc((size_t)n, sizeof(char *));

    rig_init(&r);
    r.fk.empty_items = 1;
    for (i = 0; i < n; i++)
        if (asprintf(&ids[i], "vid%06ld", i) < 0)
            ids[i] = NULL;
    TU_EQ_INT(yt_store_table_ensure(r.db, "videos", YT_KIND_VIDEO, err), 0);
    memset(&p, 0, sizeof(p));
    p.m = yt_api_method_find("videos");
    p.params = "part=statistics";
    p.table = "videos";
    p.comments_table = "comments";
    p.ids = ids;
    p.nids = n;
    p.ids_param = "id";
    p.ids_batch = 1;
    p.limit = -1;
    j = yt_recipe_job_new(r.db, &p, "2000-01-01T00:00:00.000Z");
    e = rig_engine(&r, 8);
    TU_EQ_INT(yt_recipe_run(j, e, NULL, err), YT_FETCH_OK);
    TU_EQ_INT(r.fk.sent, (n + 49) / 50);
    TU_EQ_INT(yt_recipe_missing(j), n);
    TU_CHECK(r.fk.max_seen <= 9);
    yt_fetch_free(e);
    r.e = NULL;
    yt_recipe_job_free(j);
    yt_store_ids_free(ids, n);
    rig_free(&r);
}

/* ------------------------------------------------------------ early next */

/* A listing that knows its next cursor from the answer (ops->next_cursor):
 * it ends after `stop` pages even when the answer has a next page (as
 * --limit does), and its store fails on page `fail_at` (0 = never). */
struct eq {
    struct tu_fake *fk;
    int stop, fail_at;
    int pages;
    long sent_at_store[16]; /* fk->sent when page k's callback ran */
};

static int eq_wants_more(const struct eq *t, const cJSON *root)
{
    return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "next")) &&
           t->pages + 1 < t->stop;
}

static int eq_next(struct yt_fetch *e, struct yt_fetch_query *q,
                   const cJSON *root, void *arg, char **cursor)
{
    const struct eq *t = arg;
    char cur[32];

    (void)e;
    (void)q;
    *cursor = NULL;
    if (!eq_wants_more(t, root))
        return 0;
    snprintf(cur, sizeof(cur), "page=%d",
             cJSON_GetObjectItemCaseSensitive(root, "next")->valueint);
    *cursor = strdup(cur);
    return *cursor ? 1 : -1;
}

static int eq_page(struct yt_fetch *e, struct yt_fetch_query *q,
                   const cJSON *root, void *arg, char err[YTK_ERR_LEN])
{
    struct eq *t = arg;
    char cur[32];
    int more = eq_wants_more(t, root);

    (void)e;
    if (t->pages < 16)
        t->sent_at_store[t->pages] = t->fk->sent;
    if (t->fail_at && t->pages + 1 == t->fail_at) {
        snprintf(err, YTK_ERR_LEN, "disk full");
        return -1;
    }
    t->pages++;
    if (!more)
        return YT_FETCH_PAGE_DONE;
    snprintf(cur, sizeof(cur), "page=%d",
             cJSON_GetObjectItemCaseSensitive(root, "next")->valueint);
    if (yt_fetch_query_set_cursor(q, cur) < 0)
        return -1;
    return YT_FETCH_PAGE_MORE;
}

static const struct yt_fetch_query_ops eq_ops = {
    .page = eq_page,
    .next_cursor = eq_next,
};

/* Run the listing t on r's engine (window 4; r as rig_init left it) over
 * pages_per_query pages: the run ends with want_rc and every request sent
 * was answered or cancelled.  Frees the engine; returns the requests sent. */
static int run_early(struct eq *t, int pages_per_query, struct rig *r,
                     int want_rc)
{
    struct yt_fetch_query_spec s;
    struct yt_fetch *e;
    char err[YTK_ERR_LEN];

    r->fk.pages_per_query = pages_per_query;
    t->fk = &r->fk;
    e = rig_engine(r, 4);
    memset(&s, 0, sizeof(s));
    s.method = "things";
    s.params = "q=main";
    s.cost = 1;
    s.label = "early listing";
    s.priority = YT_FETCH_PRIO_CHAIN;
    s.ops = &eq_ops;
    s.arg = t;
    TU_EQ_INT(yt_fetch_add(e, &s, err), 0);
    TU_EQ_INT(yt_fetch_run(e), want_rc);
    TU_EQ_INT(r->fk.sent, yt_fetch_get_stats(e)->requests);
    TU_EQ_INT(r->fk.n, 0);
    yt_fetch_free(e);
    r->e = NULL;
    t->fk = NULL;
    return (int)r->fk.sent;
}

static void test_next_page_sent_before_store(void)
{
    struct rig r;
    struct eq t;
    int k;

    /* 6 pages exist, the listing wants 4: page k's store runs after page
     * k+1 went out, and no fifth page is asked for */
    rig_init(&r);
    memset(&t, 0, sizeof(t));
    t.stop = 4;
    TU_EQ_INT(run_early(&t, 6, &r, YT_FETCH_OK), 4);
    TU_EQ_INT(t.pages, 4);
    for (k = 0; k < 3; k++)
        TU_EQ_INT(t.sent_at_store[k], k + 2);
    TU_EQ_INT(t.sent_at_store[3], 4); /* the listing ends: nothing sent */
    TU_EQ_INT(r.h.failed, 0);
    /* one log row per call, each page once, in order */
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests"), 4);
    TU_EQ_INT(
        tu_sql_int(r.db, "SELECT COUNT(DISTINCT params) FROM _ytk_requests"),
        4);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests WHERE "
                               "params = 'q=main&page=3' AND outcome = 'ok'"),
              1);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT SUM(quota_units) FROM _ytk_requests"),
              4);
    rig_free(&r);

    /* the store of page 2 fails: page 3, already in flight, is logged and
     * dropped, and the fetch stops */
    rig_init(&r);
    memset(&t, 0, sizeof(t));
    t.stop = 10;
    t.fail_at = 3;
    TU_EQ_INT(run_early(&t, 6, &r, YT_FETCH_E_FATAL), 4);
    TU_EQ_INT(t.pages, 2);
    TU_EQ_INT(r.h.failed, 1);
    TU_CHECK(strcmp(r.h.failed_reason, "storeError") == 0);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests"), 4);
    TU_EQ_INT(tu_sql_int(r.db, "SELECT COUNT(*) FROM _ytk_requests WHERE "
                               "outcome = 'ok'"),
              2);
    TU_EQ_INT(tu_sql_int(r.db,
                         "SELECT COUNT(*) FROM _ytk_requests WHERE "
                         "params = 'q=main&page=3' AND outcome = 'aborted'"),
              1);
    rig_free(&r);
}

int main(void)
{
    TU_RUN(test_next_page_sent_before_store);
    TU_RUN(test_out_of_order_and_pipelined);
    TU_RUN(test_503_in_the_middle);
    TU_RUN(test_401_refreshes_once_for_all);
    TU_RUN(test_interrupt_keeps_pages);
    TU_RUN(test_rate_limit_shrinks_window);
    TU_RUN(test_other_base_startindex_no_units);
    TU_RUN(test_recipe_pages_many_ids);
    TU_RUN(test_http_streaming);
    TU_RUN(test_http_add_sends_at_once);
    return tu_report();
}
