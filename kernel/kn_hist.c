/* kn_hist.c -- execution history in SQLite.  See kn_hist.h. */
#include "kn_hist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <sqlite3.h>

/* One recorded cell waiting for the writer: its input (or NULL when only
 * the output is new, for a line already written) and its output. */
struct row {
    int line;
    char *source; /* NULL: an output for a line already written */
    char *output; /* NULL: none (yet) */
};

struct kn_hist {
    sqlite3 *db;
    int session;
    sqlite3_stmt *ins, *upd; /* prepared once, used under dbmu */
    pthread_mutex_t dbmu;    /* db and statements; taken before mu */
    pthread_mutex_t mu;      /* the queue, ready, stop (held briefly) */
    pthread_cond_t cv;       /* rows queued, or stop */
    pthread_cond_t ready_cv; /* the writer has set the database up */
    pthread_t writer;
    int have_writer, stop, writer_waits, ready;
    char *path;    /* NULL: in memory */
    struct row *q; /* rows not written yet, in order */
    size_t nq, capq;
    long long first_ms; /* when q became non-empty */
};

static void write_pending(struct kn_hist *h);
static void row_free(struct row *r);
static void *writer_main(void *arg);

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS sessions("
    " session INTEGER PRIMARY KEY AUTOINCREMENT, start TEXT);"
    "CREATE TABLE IF NOT EXISTS history("
    " session INTEGER NOT NULL, line INTEGER NOT NULL, source TEXT NOT NULL,"
    " output TEXT, PRIMARY KEY(session, line));";

/* Pragmas, schema, this start's session row and the two statements, on
 * h->db (caller holds mu).  Returns 0, or -1 with err. */
static int setup(struct kn_hist *h, int wal, char err[KN_ERR_LEN])
{
    char *msg = NULL;

    sqlite3_busy_timeout(h->db, 3000);
    /* WAL + synchronous=NORMAL: no fsync per recorded cell; a crash can
     * lose at most the last lines, never corrupt the file. */
    if (wal)
        sqlite3_exec(h->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    /* History is written once per cell and read rarely: a small page
     * cache keeps RSS flat however long the history grows. */
    if (sqlite3_exec(h->db,
                     "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-128; "
                     "PRAGMA wal_autocheckpoint=64",
                     NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
        goto dberr;
    if (sqlite3_exec(h->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(h->db,
                     "INSERT INTO sessions(start) VALUES("
                     "strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
                     NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        goto dberr;
    }
    if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
        goto dberr;
    h->session = (int)sqlite3_last_insert_rowid(h->db);
    if (sqlite3_prepare_v3(h->db,
                           "INSERT OR REPLACE INTO history(session, line,"
                           " source, output) VALUES(?1, ?2, ?3, ?4)",
                           -1, SQLITE_PREPARE_PERSISTENT, &h->ins,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(h->db,
                           "UPDATE history SET output = ?4"
                           " WHERE session = ?1 AND line = ?2",
                           -1, SQLITE_PREPARE_PERSISTENT, &h->upd,
                           NULL) != SQLITE_OK)
        goto dberr;
    return 0;
dberr:
    snprintf(err, KN_ERR_LEN, "history database %.200s: %s",
             h->path ? h->path : ":memory:", msg ? msg : sqlite3_errmsg(h->db));
    sqlite3_free(msg);
    return -1;
}

/* setup(), falling back to a history in memory when the file cannot be
 * set up (locked, read-only, corrupt): the kernel keeps running.  Then the
 * handle is ready (caller holds dbmu, not mu). */
static void setup_or_memory(struct kn_hist *h)
{
    char err[KN_ERR_LEN];

    if (setup(h, h->path != NULL, err) < 0) {
        fprintf(stderr, "ytkernel: %s; keeping history in memory\n", err);
        sqlite3_finalize(h->ins);
        sqlite3_finalize(h->upd);
        h->ins = h->upd = NULL;
        sqlite3_close(h->db);
        h->db = NULL;
        free(h->path);
        h->path = NULL;
        if (sqlite3_open_v2(":memory:", &h->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                SQLITE_OPEN_NOMUTEX,
                            NULL) != SQLITE_OK ||
            setup(h, 0, err) < 0)
            fprintf(stderr, "ytkernel: %s; no history this session\n", err);
    }
    pthread_mutex_lock(&h->mu);
    h->ready = 1;
    pthread_cond_broadcast(&h->ready_cv);
    pthread_mutex_unlock(&h->mu);
}

/* Wait until the writer has set the database up (caller holds mu). */
static void wait_ready(struct kn_hist *h)
{
    while (!h->ready)
        pthread_cond_wait(&h->ready_cv, &h->mu);
}

int kn_hist_open(const char *path, struct kn_hist **out, char err[KN_ERR_LEN])
{
    struct kn_hist *h = calloc(1, sizeof(*h));
    sigset_t all, old;

    *out = NULL;
    if (!h || (path && !(h->path = strdup(path)))) {
        free(h);
        snprintf(err, KN_ERR_LEN, "history: out of memory");
        return -1;
    }
    pthread_mutex_init(&h->dbmu, NULL);
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    pthread_cond_init(&h->ready_cv, NULL);
    /* Opening checks the path at once; the rest (schema, session row: a
     * WAL created, a header synced) is the writer's first job, so the
     * kernel answers kernel_info meanwhile. */
    if (sqlite3_open_v2(path ? path : ":memory:", &h->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, KN_ERR_LEN, "history database %.200s: %s",
                 path ? path : ":memory:",
                 h->db ? sqlite3_errmsg(h->db) : "cannot open");
        kn_hist_close(h);
        return -1;
    }
    /* The writer takes no signals: SIGINT and SIGTERM are for the thread
     * running cells. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    h->have_writer = pthread_create(&h->writer, NULL, writer_main, h) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!h->have_writer) {
        pthread_mutex_lock(&h->dbmu);
        setup_or_memory(h);
        pthread_mutex_unlock(&h->dbmu);
    }
    *out = h;
    return 0;
}

void kn_hist_close(struct kn_hist *h)
{
    if (!h)
        return;
    if (h->have_writer) {
        pthread_mutex_lock(&h->mu);
        h->stop = 1;
        pthread_cond_signal(&h->cv);
        pthread_mutex_unlock(&h->mu);
        pthread_join(h->writer, NULL);
    }
    if (h->ready) {
        pthread_mutex_lock(&h->dbmu);
        write_pending(h); /* what the writer had not taken yet */
        pthread_mutex_unlock(&h->dbmu);
    }
    for (size_t i = 0; i < h->nq; i++)
        row_free(&h->q[i]);
    pthread_mutex_destroy(&h->dbmu);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    pthread_cond_destroy(&h->ready_cv);
    free(h->q);
    sqlite3_finalize(h->ins);
    sqlite3_finalize(h->upd);
    sqlite3_close(h->db);
    free(h->path);
    free(h);
}

int kn_hist_session(struct kn_hist *h)
{
    int s;

    pthread_mutex_lock(&h->mu);
    wait_ready(h);
    s = h->session;
    pthread_mutex_unlock(&h->mu);
    return s;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void row_free(struct row *r)
{
    free(r->source);
    free(r->output);
}

static int step_row(struct kn_hist *h, sqlite3_stmt *st, const struct row *r)
{
    int rc;

    sqlite3_bind_int(st, 1, h->session);
    sqlite3_bind_int(st, 2, r->line);
    if (st == h->ins)
        sqlite3_bind_text(st, 3, r->source, -1, SQLITE_STATIC);
    if (r->output)
        sqlite3_bind_text(st, 4, r->output, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Write rows in one transaction (caller holds dbmu).  A failure is
 * reported on stderr: the rows are dropped, the kernel goes on. */
static void write_rows(struct kn_hist *h, struct row *rows, size_t n)
{
    int bad = 0;

    if (!n)
        return;
    if (!h->ins) /* no database at all (said at set-up) */
        bad = 1;
    else if (sqlite3_exec(h->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        bad = 1;
    for (size_t i = 0; i < n && !bad; i++)
        if (step_row(h, rows[i].source ? h->ins : h->upd, &rows[i]) < 0)
            bad = 1;
    if (!bad && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        bad = 1;
    if (bad && h->ins) {
        fprintf(stderr, "ytkernel: history: %zu cell(s) not recorded: %s\n", n,
                sqlite3_errmsg(h->db));
        if (!sqlite3_get_autocommit(h->db))
            sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* Take the queue (briefly under mu) and write it (caller holds dbmu, so
 * batches are written in the order they were taken).  The shell thread
 * can queue more rows meanwhile: it never waits for a commit. */
static void write_pending(struct kn_hist *h)
{
    struct row *rows;
    size_t n;

    pthread_mutex_lock(&h->mu);
    rows = h->q;
    n = h->nq;
    h->q = NULL;
    h->nq = h->capq = 0;
    pthread_mutex_unlock(&h->mu);
    write_rows(h, rows, n);
    for (size_t i = 0; i < n; i++)
        row_free(&rows[i]);
    free(rows);
}

/* The writer: sleeps until a row is queued, lets rows gather for
 * KN_HIST_FLUSH_MS, then writes them all in one transaction. */
static void *writer_main(void *arg)
{
    struct kn_hist *h = arg;

    pthread_mutex_lock(&h->dbmu);
    setup_or_memory(h);
    pthread_mutex_unlock(&h->dbmu);
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        long long left;

        if (!h->nq) {
            h->writer_waits = 1;
            pthread_cond_wait(&h->cv, &h->mu);
            h->writer_waits = 0;
            continue;
        }
        left = h->first_ms + KN_HIST_FLUSH_MS - now_ms();
        if (left > 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += left / 1000;
            ts.tv_nsec += (left % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&h->cv, &h->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&h->mu);
        pthread_mutex_lock(&h->dbmu);
        write_pending(h);
        pthread_mutex_unlock(&h->dbmu);
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* Queue a row (caller holds mu).  Takes source and output. */
static int enqueue(struct kn_hist *h, int line, char *source, char *output)
{
    if (h->nq == h->capq) {
        size_t cap = h->capq ? 2 * h->capq : 16;
        struct row *q = realloc(h->q, cap * sizeof(*q));
        if (!q)
            return -1;
        h->q = q;
        h->capq = cap;
    }
    if (!h->nq)
        h->first_ms = now_ms();
    h->q[h->nq].line = line;
    h->q[h->nq].source = source;
    h->q[h->nq].output = output;
    h->nq++;
    if (h->writer_waits)
        pthread_cond_signal(&h->cv);
    return 0;
}

/* No writer thread could be started: rows are written at once. */
static void write_now_without_writer(struct kn_hist *h)
{
    if (h->have_writer)
        return;
    pthread_mutex_lock(&h->dbmu);
    write_pending(h);
    pthread_mutex_unlock(&h->dbmu);
}

int kn_hist_add(struct kn_hist *h, int line, const char *source,
                char err[KN_ERR_LEN])
{
    char *s = strdup(source ? source : "");
    int rc;

    if (!s) {
        snprintf(err, KN_ERR_LEN, "history: out of memory");
        return -1;
    }
    pthread_mutex_lock(&h->mu);
    rc = enqueue(h, line, s, NULL);
    pthread_mutex_unlock(&h->mu);
    if (rc < 0) {
        free(s);
        snprintf(err, KN_ERR_LEN, "history: out of memory");
    }
    write_now_without_writer(h);
    return rc;
}

int kn_hist_set_output(struct kn_hist *h, int line, const char *output,
                       char err[KN_ERR_LEN])
{
    char *o = output ? strdup(output) : NULL;
    int rc = 0;

    if (output && !o) {
        snprintf(err, KN_ERR_LEN, "history: out of memory");
        return -1;
    }
    pthread_mutex_lock(&h->mu);
    /* the input still queued: the output goes into the same row */
    for (size_t i = h->nq; i-- > 0;) {
        struct row *r = &h->q[i];
        if (r->line == line && r->source) {
            free(r->output);
            r->output = o;
            o = NULL;
            break;
        }
    }
    if (o && (rc = enqueue(h, line, NULL, o)) < 0)
        free(o);
    pthread_mutex_unlock(&h->mu);
    if (rc < 0)
        snprintf(err, KN_ERR_LEN, "history: out of memory");
    write_now_without_writer(h);
    return rc;
}

static int get_int(const cJSON *req, const char *key, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);
    if (cJSON_IsNumber(v))
        return v->valuedouble > 2e9    ? 2000000000
               : v->valuedouble < -2e9 ? -2000000000
                                       : (int)v->valuedouble;
    return dflt;
}

cJSON *kn_hist_query(struct kn_hist *h, const cJSON *req, char err[KN_ERR_LEN])
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(req, "hist_access_type");
    const cJSON *out_j = cJSON_GetObjectItemCaseSensitive(req, "output");
    const cJSON *pat_j = cJSON_GetObjectItemCaseSensitive(req, "pattern");
    const cJSON *uniq_j = cJSON_GetObjectItemCaseSensitive(req, "unique");
    int output = cJSON_IsTrue(out_j);
    const char *type = cJSON_IsString(t) ? t->valuestring : "";
    const char *sql;
    sqlite3_stmt *st = NULL;
    cJSON *arr = NULL, *res = NULL;
    int rc, n;

    /* Rows still queued are written first: a query sees every cell. */
    pthread_mutex_lock(&h->mu);
    wait_ready(h);
    pthread_mutex_unlock(&h->mu);
    pthread_mutex_lock(&h->dbmu);
    write_pending(h);
    if (strcmp(type, "tail") == 0) {
        n = get_int(req, "n", 10);
        if (n <= 0) {
            pthread_mutex_unlock(&h->dbmu);
            return cJSON_CreateArray();
        }
        sql = "SELECT session, line, source, output FROM history"
              " ORDER BY session DESC, line DESC LIMIT ?1";
        if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_int(st, 1, n);
    } else if (strcmp(type, "range") == 0) {
        int sess = get_int(req, "session", 0);
        int start = get_int(req, "start", 0);
        int stop = get_int(req, "stop", 0);
        if (sess <= 0)
            sess += h->session;
        sql = "SELECT session, line, source, output FROM history"
              " WHERE session = ?1 AND line >= ?2 AND (?3 <= 0 OR line < ?3)"
              " ORDER BY line DESC";
        if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_int(st, 1, sess);
        sqlite3_bind_int(st, 2, start);
        sqlite3_bind_int(st, 3, stop);
    } else if (strcmp(type, "search") == 0) {
        const char *pat = cJSON_IsString(pat_j) && pat_j->valuestring
                              ? pat_j->valuestring
                              : "*";
        n = get_int(req, "n", 0);
        if (cJSON_IsTrue(uniq_j))
            sql = "SELECT session, line, source, output FROM history"
                  " WHERE rowid IN (SELECT rowid FROM (SELECT rowid,"
                  "  source, max(session * 4294967296 + line) FROM history"
                  "  WHERE source GLOB ?1 GROUP BY source))"
                  " ORDER BY session DESC, line DESC LIMIT ?2";
        else
            sql = "SELECT session, line, source, output FROM history"
                  " WHERE source GLOB ?1"
                  " ORDER BY session DESC, line DESC LIMIT ?2";
        if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
            goto dberr;
        sqlite3_bind_text(st, 1, pat, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, n > 0 ? n : -1);
    } else {
        snprintf(err, KN_ERR_LEN,
                 "history: unknown hist_access_type \"%.40s\" (use tail, "
                 "range or search)",
                 type);
        pthread_mutex_unlock(&h->dbmu);
        return NULL;
    }
    /* Rows come newest first; build the array oldest first. */
    if (!(arr = cJSON_CreateArray()))
        goto oom;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *item = cJSON_CreateArray(), *in;
        const char *src = (const char *)sqlite3_column_text(st, 2);
        const char *o = (const char *)sqlite3_column_text(st, 3);
        if (!item)
            goto oom;
        cJSON_AddItemToArray(item,
                             cJSON_CreateNumber(sqlite3_column_int(st, 0)));
        cJSON_AddItemToArray(item,
                             cJSON_CreateNumber(sqlite3_column_int(st, 1)));
        in = cJSON_CreateString(src ? src : "");
        if (output) {
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, in);
            cJSON_AddItemToArray(pair, o ? cJSON_CreateString(o)
                                         : cJSON_CreateNull());
            cJSON_AddItemToArray(item, pair);
        } else {
            cJSON_AddItemToArray(item, in);
        }
        if (cJSON_GetArraySize(item) != 3) {
            cJSON_Delete(item);
            goto oom;
        }
        if (cJSON_GetArraySize(arr) == 0)
            cJSON_AddItemToArray(arr, item);
        else
            cJSON_InsertItemInArray(arr, 0, item);
    }
    if (rc != SQLITE_DONE)
        goto dberr;
    res = arr;
    arr = NULL;
    goto out;
oom:
    snprintf(err, KN_ERR_LEN, "history: out of memory");
    goto out;
dberr:
    snprintf(err, KN_ERR_LEN, "history: %s", sqlite3_errmsg(h->db));
out:
    cJSON_Delete(arr);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&h->dbmu);
    return res;
}
