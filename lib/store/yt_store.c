/* yt_store.c -- SQLite tables, request log, fetch state, ids, export.
 * See yt_store.h. */
#include "yt_store.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yt_buf.h"
#include "yt_file.h"
#include "yt_history.h"
#include "yt_time.h"
#include "yt_utf8.h"

#define SQL_MAX (1u << 20)

static int db_fail(sqlite3 *db, char err[YTK_ERR_LEN], const char *what)
{
    snprintf(err, YTK_ERR_LEN, "%s: %s", what, sqlite3_errmsg(db));
    return -1;
}

int yt_store_init(sqlite3 *db, char err[YTK_ERR_LEN])
{
    static const char sql[] = "CREATE TABLE IF NOT EXISTS _ytk_requests ("
                              " id INTEGER PRIMARY KEY,"
                              " time TEXT NOT NULL,"
                              " pacific_day TEXT NOT NULL,"
                              " method TEXT NOT NULL,"
                              " params TEXT,"
                              " status INTEGER,"
                              " quota_units INTEGER NOT NULL DEFAULT 0,"
                              " item_count INTEGER,"
                              " reason TEXT,"
                              " outcome TEXT,"
                              " duration_ms INTEGER,"
                              " fetch_id TEXT);"
                              "CREATE INDEX IF NOT EXISTS _ytk_requests_day"
                              " ON _ytk_requests(pacific_day);"
                              "CREATE TABLE IF NOT EXISTS _ytk_fetch_state ("
                              " fetch_key TEXT PRIMARY KEY,"
                              " description TEXT,"
                              " phase TEXT,"
                              " page_token TEXT,"
                              " started_at TEXT,"
                              " pages INTEGER,"
                              " items INTEGER,"
                              " updated_at TEXT);"
                              "CREATE TABLE IF NOT EXISTS _ytk_fetch_done ("
                              " fetch_key TEXT NOT NULL,"
                              " item_id TEXT NOT NULL,"
                              " PRIMARY KEY (fetch_key, item_id));"
                              "CREATE TABLE IF NOT EXISTS _ytk_meta ("
                              " key TEXT PRIMARY KEY, value TEXT);";
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, YTK_ERR_LEN, "cannot create the fetch log: %s",
                 msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int yt_store_valid_table(const char *name)
{
    size_t i, n;

    if (!name || !*name)
        return 0;
    n = strlen(name);
    if (n > 64)
        return 0;
    if (!(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return 0;
    for (i = 1; i < n; i++)
        if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
            return 0;
    if (strncasecmp(name, "sqlite_", 7) == 0 ||
        strncasecmp(name, "_ytk_", 5) == 0)
        return 0;
    return 1;
}

int yt_store_table_exists(sqlite3 *db, const char *table)
{
    sqlite3_stmt *st = NULL;
    int found = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM sqlite_schema WHERE type IN "
                           "('table','view') AND name = ?1 COLLATE NOCASE",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* Column names of an existing table into a '\n'-joined buffer. */
static int table_columns(sqlite3 *db, const char *table, struct yt_buf *cols,
                         char err[YTK_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?1)", -1,
                           &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot read the table's columns");
    sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
    if (yt_buf_adds(cols, "\n") < 0) {
        sqlite3_finalize(st);
        snprintf(err, YTK_ERR_LEN, "out of memory");
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (yt_buf_addf(cols, "%s\n",
                        (const char *)sqlite3_column_text(st, 0)) < 0) {
            sqlite3_finalize(st);
            snprintf(err, YTK_ERR_LEN, "out of memory");
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot read the table's columns");
    return 0;
}

/* Non-zero when the table's (single) primary key column is `name`. */
static int pk_is(sqlite3 *db, const char *table, const char *name)
{
    sqlite3_stmt *st = NULL;
    int ok = 0, n = 0;

    if (sqlite3_prepare_v2(
            db, "SELECT name FROM pragma_table_info(?1) WHERE pk > 0", -1, &st,
            NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        n++;
        if (c && strcasecmp(c, name) == 0)
            ok = 1;
    }
    sqlite3_finalize(st);
    return ok && n == 1;
}

static int has_col(const struct yt_buf *cols, const char *name)
{
    char needle[80];

    snprintf(needle, sizeof(needle), "\n%s\n", name);
    return strcasestr(yt_buf_str(cols), needle) != NULL;
}

int yt_store_table_ensure(sqlite3 *db, const char *table, enum yt_api_kind k,
                          char err[YTK_ERR_LEN])
{
    const struct yt_api_kind_info *ki = yt_api_kind_get(k);
    struct yt_buf sql, cols;
    char *msg = NULL;
    int i, ret = -1;

    yt_buf_init(&sql, SQL_MAX);
    yt_buf_init(&cols, SQL_MAX);
    if (!ki || !yt_store_valid_table(table)) {
        snprintf(err, YTK_ERR_LEN,
                 "invalid table name '%s': use letters, digits and _ "
                 "(not starting with _ytk_ or sqlite_)",
                 table ? table : "");
        goto out;
    }
    if (!yt_store_table_exists(db, table)) {
        int bad = yt_buf_addf(&sql, "CREATE TABLE \"%s\" (", table) < 0;

        for (i = 0; i < ki->ncols; i++)
            bad |= yt_buf_addf(&sql, "%s %s%s, ", ki->cols[i].name,
                               ki->cols[i].sqltype,
                               i == 0 ? " PRIMARY KEY" : "") < 0;
        bad |= yt_buf_adds(&sql,
                           "raw TEXT NOT NULL, fetched_at TEXT NOT NULL)") < 0;
        if (bad) {
            snprintf(err, YTK_ERR_LEN, "out of memory");
            goto out;
        }
        if (sqlite3_exec(db, yt_buf_str(&sql), NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, YTK_ERR_LEN, "cannot create table %s: %s", table,
                     msg ? msg : "?");
            goto out;
        }
        ret = 0;
        goto out;
    }
    if (table_columns(db, table, &cols, err) < 0)
        goto out;
    if (!pk_is(db, table, ki->cols[0].name) || !has_col(&cols, "raw")) {
        snprintf(err, YTK_ERR_LEN,
                 "table %s exists but is not a %s table (key %s): "
                 "choose another name with --into",
                 table, ki->name, ki->cols[0].name);
        goto out;
    }
    for (i = 0; i < ki->ncols; i++) {
        if (has_col(&cols, ki->cols[i].name))
            continue;
        yt_buf_reset(&sql);
        if (yt_buf_addf(&sql, "ALTER TABLE \"%s\" ADD COLUMN %s %s", table,
                        ki->cols[i].name, ki->cols[i].sqltype) < 0) {
            snprintf(err, YTK_ERR_LEN, "out of memory");
            goto out;
        }
        if (sqlite3_exec(db, yt_buf_str(&sql), NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, YTK_ERR_LEN, "cannot add column %s to %s: %s",
                     ki->cols[i].name, table, msg ? msg : "?");
            goto out;
        }
    }
    if (!has_col(&cols, "fetched_at")) {
        yt_buf_reset(&sql);
        if (yt_buf_addf(&sql, "ALTER TABLE \"%s\" ADD COLUMN fetched_at TEXT",
                        table) < 0) {
            snprintf(err, YTK_ERR_LEN, "out of memory");
            goto out;
        }
        if (sqlite3_exec(db, yt_buf_str(&sql), NULL, NULL, &msg) != SQLITE_OK) {
            snprintf(err, YTK_ERR_LEN, "cannot add fetched_at to %s: %s", table,
                     msg ? msg : "?");
            goto out;
        }
    }
    ret = 0;
out:
    sqlite3_free(msg);
    yt_buf_free(&sql);
    yt_buf_free(&cols);
    return ret;
}

int yt_store_begin(sqlite3 *db, char err[YTK_ERR_LEN])
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot start a transaction");
    return 0;
}

int yt_store_commit(sqlite3 *db, char err[YTK_ERR_LEN])
{
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        db_fail(db, err, "cannot commit");
        yt_store_rollback(db);
        return -1;
    }
    return 0;
}

void yt_store_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int upsert_rows(sqlite3 *db, const char *table, enum yt_api_kind k,
                       const cJSON *items, const char *fetched_at,
                       const char *const *fill, int *stored, int *bad,
                       char err[YTK_ERR_LEN]);

int yt_store_upsert_items(sqlite3 *db, const char *table, enum yt_api_kind k,
                          const cJSON *items, const char *fetched_at,
                          const char *const *fill, int *stored, int *bad,
                          char err[YTK_ERR_LEN])
{
    if (k == YT_KIND_VIDEO || k == YT_KIND_CHANNEL)
        return yt_store_upsert_stats(db, table, k, items, fetched_at, stored,
                                     bad, err);
    return upsert_rows(db, table, k, items, fetched_at, fill, stored, bad, err);
}

int yt_store_upsert_stats(sqlite3 *db, const char *table, enum yt_api_kind k,
                          const cJSON *items, const char *fetched_at,
                          int *stored, int *bad, char err[YTK_ERR_LEN])
{
    if (k != YT_KIND_VIDEO && k != YT_KIND_CHANNEL) {
        snprintf(err, YTK_ERR_LEN,
                 "statistics rows are videos or channels only");
        return -1;
    }
    if (upsert_rows(db, table, k, items, fetched_at, NULL, stored, bad, err) !=
        0)
        return -1;
    /* every statistics row also goes to the append-only history */
    if (yt_history_append(db, k, items, fetched_at, err) < 0)
        return -1;
    return 0;
}

static int upsert_rows(sqlite3 *db, const char *table, enum yt_api_kind k,
                       const cJSON *items, const char *fetched_at,
                       const char *const *fill, int *stored, int *bad,
                       char err[YTK_ERR_LEN])
{
    const struct yt_api_kind_info *ki = yt_api_kind_get(k);
    struct yt_buf sql;
    sqlite3_stmt *st = NULL;
    const cJSON *item;
    int i, nomem, ret = -1;

    *stored = 0;
    *bad = 0;
    yt_buf_init(&sql, SQL_MAX);
    if (!ki || !yt_store_valid_table(table)) {
        snprintf(err, YTK_ERR_LEN, "invalid table");
        goto out;
    }
    if (!cJSON_IsArray(items)) {
        ret = 0; /* no items array: an empty page */
        goto out;
    }
    nomem = yt_buf_addf(&sql, "INSERT INTO \"%s\" (", table) < 0;
    for (i = 0; i < ki->ncols; i++)
        nomem |= yt_buf_addf(&sql, "%s, ", ki->cols[i].name) < 0;
    nomem |= yt_buf_adds(&sql, "raw, fetched_at) VALUES (") < 0;
    for (i = 0; i < ki->ncols + 2; i++)
        nomem |= yt_buf_addf(&sql, "%s?%d", i ? ", " : "", i + 1) < 0;
    nomem |= yt_buf_addf(&sql, ") ON CONFLICT(%s) DO UPDATE SET ",
                         ki->cols[0].name) < 0;
    for (i = 1; i < ki->ncols; i++)
        nomem |= yt_buf_addf(&sql, "%s = excluded.%s, ", ki->cols[i].name,
                             ki->cols[i].name) < 0;
    nomem |= yt_buf_adds(&sql, "raw = excluded.raw, "
                               "fetched_at = excluded.fetched_at") < 0;
    if (nomem) {
        snprintf(err, YTK_ERR_LEN, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(db, yt_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        db_fail(db, err, "cannot prepare the upsert");
        goto out;
    }
    cJSON_ArrayForEach(item, items)
    {
        struct yt_api_row row;
        char ferr[YTK_ERR_LEN];
        char *raw;
        int rc;

        if (yt_api_flatten(k, item, &row, ferr) < 0) {
            (*bad)++;
            continue;
        }
        raw = cJSON_PrintBuffered(item, 8192, 0);
        if (!raw) {
            yt_api_row_free(&row);
            snprintf(err, YTK_ERR_LEN, "out of memory");
            goto out;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        for (i = 0; i < row.n; i++) {
            const struct yt_api_val *v = &row.vals[i];
            if (v->type == YT_V_INT)
                sqlite3_bind_int64(st, i + 1, v->i);
            else if (v->type == YT_V_TEXT)
                sqlite3_bind_text(st, i + 1, v->s, -1, SQLITE_TRANSIENT);
            else if (fill) {
                const char *const *f;
                for (f = fill; f[0] && f[1]; f += 2)
                    if (strcmp(f[0], ki->cols[i].name) == 0) {
                        sqlite3_bind_text(st, i + 1, f[1], -1,
                                          SQLITE_TRANSIENT);
                        break;
                    }
            }
        }
        sqlite3_bind_text(st, ki->ncols + 1, raw, -1, free);
        sqlite3_bind_text(st, ki->ncols + 2, fetched_at, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        yt_api_row_free(&row);
        if (rc != SQLITE_DONE) {
            db_fail(db, err, "cannot store a row");
            goto out;
        }
        (*stored)++;
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    yt_buf_free(&sql);
    return ret;
}

/* Copy `params` into out dropping key= and access_token= pairs.  Returns 0,
 * or -1 when out cannot hold them. */
static int scrub_params(const char *params, struct yt_buf *out)
{
    const char *p = params;
    int first = 1, nomem = 0;

    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t l = amp ? (size_t)(amp - p) : strlen(p);
        if (!(l >= 4 && strncmp(p, "key=", 4) == 0) &&
            !(l >= 13 && strncmp(p, "access_token=", 13) == 0) && l) {
            if (!first)
                nomem |= yt_buf_adds(out, "&") < 0;
            nomem |= yt_buf_add(out, p, l) < 0;
            first = 0;
        }
        p = amp ? amp + 1 : NULL;
    }
    return nomem ? -1 : 0;
}

int yt_store_log(sqlite3 *db, const struct yt_store_log_entry *e,
                 char err[YTK_ERR_LEN])
{
    sqlite3_stmt *st = NULL;
    struct yt_buf params;
    const char *logged;
    int rc;

    yt_buf_init(&params, 1u << 16);
    logged = scrub_params(e->params, &params) == 0
                 ? yt_buf_str(&params)
                 : "(parameters too long to log)";
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO _ytk_requests (time, pacific_day, "
                           "method, params, status, quota_units, item_count, "
                           "reason, outcome, duration_ms, fetch_id) VALUES "
                           "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                           -1, &st, NULL) != SQLITE_OK) {
        yt_buf_free(&params);
        return db_fail(db, err, "cannot log the request");
    }
    sqlite3_bind_text(st, 1, e->time, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, e->pacific_day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, e->method, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, logged, -1, SQLITE_TRANSIENT);
    if (e->status > 0)
        sqlite3_bind_int64(st, 5, e->status);
    sqlite3_bind_int(st, 6, e->units);
    sqlite3_bind_int(st, 7, e->items);
    if (e->reason && *e->reason)
        sqlite3_bind_text(st, 8, e->reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, e->outcome, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 10, e->ms);
    sqlite3_bind_text(st, 11, e->fetch_id, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    yt_buf_free(&params);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot log the request");
    return 0;
}

long long yt_store_quota_day(sqlite3 *db, const char *pacific_day)
{
    sqlite3_stmt *st = NULL;
    long long units = -1;

    if (sqlite3_prepare_v2(db,
                           "SELECT COALESCE(SUM(quota_units), 0) FROM "
                           "_ytk_requests WHERE pacific_day = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, pacific_day, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW)
        units = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return units;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

int yt_store_state_get(sqlite3 *db, const char *key, struct yt_store_state *st,
                       char err[YTK_ERR_LEN])
{
    sqlite3_stmt *q = NULL;
    int rc;

    memset(st, 0, sizeof(*st));
    if (sqlite3_prepare_v2(db,
                           "SELECT page_token, started_at, phase, pages, "
                           "items FROM _ytk_fetch_state WHERE fetch_key = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot read the saved fetch state");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        st->fetch_key = strdup(key);
        st->page_token = col_dup(q, 0);
        st->started_at = col_dup(q, 1);
        st->phase = col_dup(q, 2);
        st->pages = (long)sqlite3_column_int64(q, 3);
        st->items = (long)sqlite3_column_int64(q, 4);
        sqlite3_finalize(q);
        return 1;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot read the saved fetch state");
    return 0;
}

int yt_store_state_put(sqlite3 *db, const struct yt_store_state *s,
                       const char *description, char err[YTK_ERR_LEN])
{
    sqlite3_stmt *q = NULL;
    char now[32];
    int rc;

    yt_time_iso_now(now);
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO _ytk_fetch_state (fetch_key,"
                           " description, phase, page_token, started_at, "
                           "pages, items, updated_at) VALUES "
                           "(?1,?2,?3,?4,?5,?6,?7,?8)",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot save the fetch state");
    sqlite3_bind_text(q, 1, s->fetch_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, description, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, s->phase, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, s->page_token, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, s->started_at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 6, s->pages);
    sqlite3_bind_int64(q, 7, s->items);
    sqlite3_bind_text(q, 8, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot save the fetch state");
    return 0;
}

int yt_store_state_counts(sqlite3 *db, const char *key, long pages, long items,
                          char err[YTK_ERR_LEN])
{
    sqlite3_stmt *q = NULL;
    char now[32];
    int rc;

    yt_time_iso_now(now);
    if (sqlite3_prepare_v2(db,
                           "UPDATE _ytk_fetch_state SET pages = ?2, items = "
                           "?3, updated_at = ?4 WHERE fetch_key = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot save the fetch state");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, pages);
    sqlite3_bind_int64(q, 3, items);
    sqlite3_bind_text(q, 4, now, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot save the fetch state");
    return 0;
}

int yt_store_state_delete(sqlite3 *db, const char *key, char err[YTK_ERR_LEN])
{
    sqlite3_stmt *q = NULL;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "DELETE FROM _ytk_fetch_state WHERE fetch_key = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot clear the fetch state");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot clear the fetch state");
    return 0;
}

int yt_store_done_mark(sqlite3 *db, const char *key, char *const *ids, int n,
                       char err[YTK_ERR_LEN])
{
    sqlite3_stmt *q = NULL;
    int i, ret = -1;

    if (!key || n <= 0)
        return 0;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO _ytk_fetch_done "
                           "(fetch_key, item_id) VALUES (?1, ?2)",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot record progress");
    for (i = 0; i < n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, ids[i], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE) {
            db_fail(db, err, "cannot record progress");
            goto out;
        }
    }
    ret = 0;
out:
    sqlite3_finalize(q);
    return ret;
}

int yt_store_done_has(sqlite3 *db, const char *key, const char *id)
{
    sqlite3_stmt *q = NULL;
    int found = 0;

    if (!key)
        return 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM _ytk_fetch_done WHERE fetch_key = ?1"
                           " AND item_id = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, id, -1, SQLITE_TRANSIENT);
    found = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    return found;
}

int yt_store_done_clear(sqlite3 *db, const char *key, char err[YTK_ERR_LEN])
{
    sqlite3_stmt *q = NULL;
    int rc;

    if (!key)
        return 0;
    if (sqlite3_prepare_v2(db,
                           "DELETE FROM _ytk_fetch_done WHERE fetch_key = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot clear the fetch progress");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot clear the fetch progress");
    return 0;
}

int yt_store_meta_set(sqlite3 *db, const char *key, const char *value,
                      char err[YTK_ERR_LEN])
{
    sqlite3_stmt *q = NULL;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO _ytk_meta (key, value) "
                           "VALUES (?1, ?2)",
                           -1, &q, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot save a setting");
    sqlite3_bind_text(q, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, value, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot save a setting");
    return 0;
}

void yt_store_state_free(struct yt_store_state *st)
{
    if (!st)
        return;
    free(st->fetch_key);
    free(st->page_token);
    free(st->started_at);
    free(st->phase);
    memset(st, 0, sizeof(*st));
}

/* ---- Ids ---- */

struct idlist {
    char **v;
    long n, cap;
    long *slots; /* open-addressing set of indices into v, -1 = empty */
    long nslots; /* power of two, > 2 * n */
};

static unsigned long fnv1a(const char *s, size_t len)
{
    unsigned long h = 1469598103934665603UL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211UL;
    }
    return h;
}

/* Index slot for (s, len): the slot holding it, or the empty one to use. */
static long idlist_slot(const struct idlist *l, const char *s, size_t len)
{
    long mask = l->nslots - 1;
    long i = (long)(fnv1a(s, len) & (unsigned long)mask);

    while (l->slots[i] >= 0) {
        const char *o = l->v[l->slots[i]];
        if (strlen(o) == len && memcmp(o, s, len) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static int idlist_grow_set(struct idlist *l)
{
    long ns = l->nslots ? l->nslots * 2 : 256, i;
    long *old = l->slots, oldn = l->nslots;

    l->slots = malloc((size_t)ns * sizeof(long));
    if (!l->slots) {
        l->slots = old;
        return -1;
    }
    l->nslots = ns;
    for (i = 0; i < ns; i++)
        l->slots[i] = -1;
    for (i = 0; i < l->n; i++)
        l->slots[idlist_slot(l, l->v[i], strlen(l->v[i]))] = i;
    (void)oldn;
    free(old);
    return 0;
}

static int idlist_add(struct idlist *l, const char *s, size_t len)
{
    long i;

    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (!len)
        return 0;
    if ((l->n + 1) * 2 >= l->nslots && idlist_grow_set(l) < 0)
        return -1;
    i = idlist_slot(l, s, len);
    if (l->slots[i] >= 0)
        return 0; /* duplicate */
    if (l->n == l->cap) {
        long nc = l->cap ? l->cap * 2 : 64;
        char **nv = realloc(l->v, (size_t)nc * sizeof(*nv));
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n] = strndup(s, len);
    if (!l->v[l->n])
        return -1;
    l->slots[i] = l->n;
    l->n++;
    return 0;
}

void yt_store_ids_free(char **ids, long n)
{
    long i;

    if (!ids)
        return;
    for (i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

static int starts_word(const char *s, const char *w)
{
    size_t l = strlen(w);

    while (isspace((unsigned char)*s) || *s == '(')
        s++;
    return strncasecmp(s, w, l) == 0 &&
           (isspace((unsigned char)s[l]) || s[l] == '(' || s[l] == '\0');
}

long yt_store_ids_resolve(sqlite3 *db, const char *spec, char ***ids,
                          char err[YTK_ERR_LEN])
{
    struct idlist l = {0};
    sqlite3_stmt *st = NULL;
    char *sql = NULL;
    const char *dot;
    int rc;

    *ids = NULL;
    if (!spec) {
        snprintf(err, YTK_ERR_LEN, "no ids given");
        return -1;
    }
    dot = strchr(spec, '.');
    {
        /* a statement that writes is no list of ids ("DELETE", "FROM",
         * ...): refuse it as the readonly check below would */
        static const char *const writes[] = {
            "INSERT", "UPDATE", "DELETE", "REPLACE", "DROP",   "CREATE",
            "ALTER",  "PRAGMA", "ATTACH", "DETACH",  "VACUUM", NULL};
        int i;

        for (i = 0; writes[i]; i++)
            if (starts_word(spec, writes[i])) {
                snprintf(err, YTK_ERR_LEN,
                         "--ids query must only read (SELECT)");
                return -1;
            }
    }
    if (starts_word(spec, "SELECT") || starts_word(spec, "WITH") ||
        starts_word(spec, "VALUES")) {
        sql = strdup(spec);
    } else if (dot && !strpbrk(spec, ", \t\n") && dot != spec) {
        /* table.column */
        char table[80], col[80];
        size_t tl = (size_t)(dot - spec);
        if (tl >= sizeof(table) || strlen(dot + 1) >= sizeof(col)) {
            snprintf(err, YTK_ERR_LEN, "table.column too long");
            return -1;
        }
        memcpy(table, spec, tl);
        table[tl] = '\0';
        snprintf(col, sizeof(col), "%s", dot + 1);
        if (!yt_store_valid_table(table) || !yt_store_valid_table(col)) {
            snprintf(err, YTK_ERR_LEN,
                     "--ids '%s': expected a SELECT query, table.column or "
                     "a comma-separated list of ids",
                     spec);
            return -1;
        }
        if (asprintf(&sql, "SELECT \"%s\" FROM \"%s\"", col, table) < 0)
            sql = NULL;
    }
    if (sql) {
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
            snprintf(err, YTK_ERR_LEN, "--ids query failed: %s",
                     sqlite3_errmsg(db));
            goto fail;
        }
        if (!sqlite3_stmt_readonly(st)) {
            snprintf(err, YTK_ERR_LEN, "--ids query must only read (SELECT)");
            goto fail;
        }
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            if (t &&
                idlist_add(&l, (const char *)t, strlen((const char *)t)) < 0) {
                snprintf(err, YTK_ERR_LEN, "out of memory");
                goto fail;
            }
        }
        if (rc != SQLITE_DONE) {
            snprintf(err, YTK_ERR_LEN, "--ids query failed: %s",
                     sqlite3_errmsg(db));
            goto fail;
        }
        sqlite3_finalize(st);
        free(sql);
    } else {
        const char *p = spec;
        while (*p) {
            size_t n = strcspn(p, ", \t\r\n");
            if (idlist_add(&l, p, n) < 0) {
                snprintf(err, YTK_ERR_LEN, "out of memory");
                goto fail;
            }
            p += n;
            if (*p)
                p++;
        }
    }
    free(l.slots);
    *ids = l.v;
    return l.n;
fail:
    free(l.slots);
    sqlite3_finalize(st);
    free(sql);
    yt_store_ids_free(l.v, l.n);
    return -1;
}

/* ---- Export ---- */

int yt_store_csv_cell(struct yt_buf *b, const char *s, int neutralise)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL;

    if (quote && yt_buf_add(b, "\"", 1) < 0)
        return -1;
    if (neutralise && yt_store_csv_risky(s) && yt_buf_add(b, "'", 1) < 0)
        return -1;
    for (; *s; s++) {
        if (*s == '"' && yt_buf_add(b, "\"", 1) < 0)
            return -1;
        if (yt_buf_add(b, s, 1) < 0)
            return -1;
    }
    if (quote && yt_buf_add(b, "\"", 1) < 0)
        return -1;
    return 0;
}

int yt_store_csv_risky(const char *s)
{
    return *s && strchr("=+-@\t\r", *s) != NULL;
}

static const char *ext_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    return (dot && (!slash || dot > slash)) ? dot + 1 : "";
}

long yt_store_export(sqlite3 *db, const char *table, const char *path,
                     char err[YTK_ERR_LEN])
{
    return yt_store_export_ex(db, table, path, 0, err);
}

/* A BLOB cell as the table display writes it, X'00FF41' (its bytes are
 * no text: column_text would stop at a zero byte). */
static int blob_hex(sqlite3_stmt *st, int i, struct yt_buf *b)
{
    const unsigned char *p = sqlite3_column_blob(st, i);
    int j, n = sqlite3_column_bytes(st, i);

    if (yt_buf_add(b, "X'", 2) < 0)
        return -1;
    for (j = 0; j < n; j++)
        if (yt_buf_addf(b, "%02X", p[j]) < 0)
            return -1;
    return yt_buf_add(b, "'", 1);
}

/* A JSON string of text t: invalid UTF-8 becomes U+FFFD (cJSON would copy
 * the bytes and write invalid JSON).  NULL when out of memory. */
static cJSON *json_text(const char *t)
{
    char *valid = yt_utf8_clean(t, strlen(t), NULL);
    cJSON *v = valid ? cJSON_CreateString(valid) : NULL;

    free(valid);
    return v;
}

/* Append one CSV record (no line end yet) of the current row, or of the
 * column names when `header`. */
static int csv_row(struct yt_buf *b, sqlite3_stmt *st, int ncol, int header,
                   int raw)
{
    int i;

    for (i = 0; i < ncol; i++) {
        const char *t;
        int text;

        if (i && yt_buf_add(b, ",", 1) < 0)
            return -1;
        if (header) {
            t = sqlite3_column_name(st, i);
            text = 1;
        } else if (sqlite3_column_type(st, i) == SQLITE_BLOB) {
            if (blob_hex(st, i, b) < 0)
                return -1;
            continue;
        } else {
            text = sqlite3_column_type(st, i) == SQLITE_TEXT;
            t = (const char *)sqlite3_column_text(st, i);
        }
        if (t && yt_store_csv_cell(b, t, text && !raw) < 0)
            return -1;
    }
    return yt_buf_add(b, "\r\n", 2);
}

long yt_store_export_ex(sqlite3 *db, const char *table, const char *path,
                        unsigned flags, char err[YTK_ERR_LEN])
{
    enum { CSV, JSON, NDJSON } fmt;
    const char *ext = ext_of(path);
    sqlite3_stmt *st = NULL;
    char *sql = NULL;
    struct yt_file w = {0};
    struct yt_buf line;
    char ferr[YTK_ERR_LEN];
    FILE *f = NULL;
    long rows = 0, ret = -1;
    int raw = (flags & YT_STORE_EXPORT_RAW) != 0;
    int ncol, i, rc;

    yt_buf_init(&line, (size_t)1 << 30);

    if (strcasecmp(ext, "csv") == 0)
        fmt = CSV;
    else if (strcasecmp(ext, "json") == 0)
        fmt = JSON;
    else if (strcasecmp(ext, "ndjson") == 0 || strcasecmp(ext, "jsonl") == 0)
        fmt = NDJSON;
    else {
        snprintf(err, YTK_ERR_LEN,
                 "cannot tell the format of '%s': name it .csv, .json or "
                 ".ndjson",
                 path);
        return -1;
    }
    if (!yt_store_valid_table(table) || !yt_store_table_exists(db, table)) {
        snprintf(err, YTK_ERR_LEN, "no table named '%s' in the store", table);
        return -1;
    }
    if (asprintf(&sql, "SELECT * FROM \"%s\"", table) < 0) {
        sql = NULL;
        snprintf(err, YTK_ERR_LEN, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_fail(db, err, "cannot read the table");
        goto out;
    }
    if (yt_file_begin(&w, path, YT_FILE_PUBLIC, ferr) < 0) {
        snprintf(err, YTK_ERR_LEN, "%s", ferr);
        goto out;
    }
    f = w.f;
    ncol = sqlite3_column_count(st);
    if (fmt == CSV) {
        if (csv_row(&line, st, ncol, 1, raw) < 0)
            goto oom;
        if (fwrite(line.ptr, 1, line.len, f) != line.len)
            goto io;
        yt_buf_reset(&line);
    } else if (fmt == JSON) {
        fputs("[", f);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fmt == CSV) {
            if (csv_row(&line, st, ncol, 0, raw) < 0)
                goto oom;
            if (fwrite(line.ptr, 1, line.len, f) != line.len)
                goto io;
            yt_buf_reset(&line);
        } else {
            cJSON *o = cJSON_CreateObject();
            char *s;
            for (i = 0; i < ncol; i++) {
                const char *name = sqlite3_column_name(st, i);
                cJSON *v = NULL;
                switch (sqlite3_column_type(st, i)) {
                case SQLITE_INTEGER: {
                    sqlite3_int64 n = sqlite3_column_int64(st, i);
                    char num[32];

                    /* past 2^53 a double would change the last digits */
                    if (n > (1LL << 53) || n < -(1LL << 53)) {
                        snprintf(num, sizeof num, "%lld", (long long)n);
                        v = cJSON_CreateRaw(num);
                    } else {
                        v = cJSON_CreateNumber((double)n);
                    }
                    break;
                }
                case SQLITE_BLOB: {
                    struct yt_buf hx;

                    yt_buf_init(&hx, (size_t)1 << 30);
                    if (blob_hex(st, i, &hx) == 0)
                        v = cJSON_CreateString(yt_buf_str(&hx));
                    yt_buf_free(&hx);
                    if (!v) {
                        cJSON_Delete(o);
                        goto oom;
                    }
                    break;
                }
                case SQLITE_FLOAT:
                    v = cJSON_CreateNumber(sqlite3_column_double(st, i));
                    break;
                case SQLITE_NULL:
                    v = cJSON_CreateNull();
                    break;
                default: {
                    const char *t = (const char *)sqlite3_column_text(st, i);
                    if (strcmp(name, "raw") == 0 || strcmp(name, "tags") == 0 ||
                        strcmp(name, "topic_categories") == 0)
                        v = cJSON_Parse(t);
                    if (!v)
                        v = json_text(t ? t : "");
                }
                }
                cJSON_AddItemToObject(o, name, v);
            }
            s = cJSON_PrintUnformatted(o);
            cJSON_Delete(o);
            if (!s)
                goto oom;
            if (fmt == JSON)
                fputs(rows ? ",\n" : "\n", f);
            fputs(s, f);
            if (fmt == NDJSON)
                fputc('\n', f);
            free(s);
        }
        rows++;
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, err, "cannot read the table");
        goto out;
    }
    if (fmt == JSON)
        fputs(rows ? "\n]\n" : "]\n", f);
    f = NULL;
    if (yt_file_commit(&w, ferr) < 0) {
        snprintf(err, YTK_ERR_LEN, "%s", ferr);
        goto out;
    }
    ret = rows;
    goto out;
io:
    snprintf(err, YTK_ERR_LEN, "cannot write %s: %s", path, strerror(errno));
    goto out;
oom:
    snprintf(err, YTK_ERR_LEN, "out of memory");
out:
    yt_file_abort(&w);
    yt_buf_free(&line);
    free(sql);
    sqlite3_finalize(st);
    return ret;
}
