/* kn_hist.c -- execution history in SQLite.  See kn_hist.h. */
#include "kn_hist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct kn_hist {
    sqlite3 *db;
    int session;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS sessions("
    " session INTEGER PRIMARY KEY AUTOINCREMENT, start TEXT);"
    "CREATE TABLE IF NOT EXISTS history("
    " session INTEGER NOT NULL, line INTEGER NOT NULL, source TEXT NOT NULL,"
    " output TEXT, PRIMARY KEY(session, line));";

int kn_hist_open(const char *path, struct kn_hist **out, char err[KN_ERR_LEN])
{
    struct kn_hist *h = calloc(1, sizeof(*h));
    char *msg = NULL;
    int rc;

    *out = NULL;
    if (!h) {
        snprintf(err, KN_ERR_LEN, "history: out of memory");
        return -1;
    }
    rc = sqlite3_open_v2(
        path ? path : ":memory:", &h->db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        goto dberr;
    sqlite3_busy_timeout(h->db, 3000);
    /* WAL + synchronous=NORMAL: no fsync per recorded cell; a crash can
     * lose at most the last lines, never corrupt the file. */
    if (path)
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
    *out = h;
    return 0;
dberr:
    snprintf(err, KN_ERR_LEN, "history database %.200s: %s",
             path ? path : ":memory:",
             msg ? msg : (h->db ? sqlite3_errmsg(h->db) : "cannot open"));
    sqlite3_free(msg);
    kn_hist_close(h);
    return -1;
}

void kn_hist_close(struct kn_hist *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    free(h);
}

int kn_hist_session(const struct kn_hist *h)
{
    return h->session;
}

static int exec_bind(struct kn_hist *h, const char *sql, int line,
                     const char *text, char err[KN_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_int(st, 1, h->session);
    sqlite3_bind_int(st, 2, line);
    if (text)
        sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        snprintf(err, KN_ERR_LEN, "history: %s", sqlite3_errmsg(h->db));
    sqlite3_finalize(st);
    return rc;
}

int kn_hist_add(struct kn_hist *h, int line, const char *source,
                char err[KN_ERR_LEN])
{
    return exec_bind(h,
                     "INSERT OR REPLACE INTO history(session, line, source)"
                     " VALUES(?1, ?2, ?3)",
                     line, source ? source : "", err);
}

int kn_hist_set_output(struct kn_hist *h, int line, const char *output,
                       char err[KN_ERR_LEN])
{
    return exec_bind(h,
                     "UPDATE history SET output = ?3"
                     " WHERE session = ?1 AND line = ?2",
                     line, output, err);
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

    if (strcmp(type, "tail") == 0) {
        n = get_int(req, "n", 10);
        if (n <= 0)
            return cJSON_CreateArray();
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
    return res;
}
