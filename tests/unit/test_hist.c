/* test_hist.c -- history store (kernel/kn_hist): sessions across opens,
 * tail, range, search with glob/unique/n, output pairs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kn_hist.h"
#include "tu.h"
#include "tu_sql.h"

static cJSON *query(struct kn_hist *h, const char *json)
{
    char err[KN_ERR_LEN];
    cJSON *req = cJSON_Parse(json), *r;
    r = kn_hist_query(h, req, err);
    if (!r)
        fprintf(stderr, "query failed: %s\n", err);
    cJSON_Delete(req);
    return r;
}

static const char *item_src(const cJSON *arr, int i)
{
    return cJSON_GetArrayItem(cJSON_GetArrayItem(arr, i), 2)->valuestring;
}

static int item_int(const cJSON *arr, int i, int j)
{
    return cJSON_GetArrayItem(cJSON_GetArrayItem(arr, i), j)->valueint;
}

static void test_history(void)
{
    char path[] = "/tmp/ytk-hist-XXXXXX", err[KN_ERR_LEN];
    struct kn_hist *h;
    cJSON *r, *pair;
    int fd = mkstemp(path), s1;

    close(fd);
    unlink(path);
    TU_EQ_INT(kn_hist_open(path, &h, err), 0);
    s1 = kn_hist_session(h);
    TU_EQ_INT(kn_hist_add(h, 1, "SELECT 1", err), 0);
    TU_EQ_INT(kn_hist_add(h, 2, "SELECT 6*7", err), 0);
    TU_EQ_INT(kn_hist_set_output(h, 2, "42", err), 0);
    TU_EQ_INT(kn_hist_add(h, 3, "%print hi", err), 0);
    kn_hist_close(h);

    /* a restart is a new session; the old lines are still there */
    TU_EQ_INT(kn_hist_open(path, &h, err), 0);
    TU_EQ_INT(kn_hist_session(h), s1 + 1);
    TU_EQ_INT(kn_hist_add(h, 1, "SELECT 6*7", err), 0);
    TU_EQ_INT(kn_hist_add(h, 2, "SELECT 2", err), 0);

    r = query(h, "{\"hist_access_type\":\"tail\",\"n\":3}");
    TU_EQ_INT(cJSON_GetArraySize(r), 3);
    TU_EQ_STR(item_src(r, 0), "%print hi"); /* oldest first */
    TU_EQ_STR(item_src(r, 2), "SELECT 2");
    TU_EQ_INT(item_int(r, 0, 0), s1);
    TU_EQ_INT(item_int(r, 2, 0), s1 + 1);
    cJSON_Delete(r);

    /* range in the previous session (negative = relative), stop exclusive */
    r = query(h, "{\"hist_access_type\":\"range\",\"session\":-1,"
                 "\"start\":2,\"stop\":3,\"output\":true}");
    TU_EQ_INT(cJSON_GetArraySize(r), 1);
    TU_EQ_INT(item_int(r, 0, 1), 2);
    pair = cJSON_GetArrayItem(cJSON_GetArrayItem(r, 0), 2);
    TU_EQ_INT(cJSON_GetArraySize(pair), 2);
    TU_EQ_STR(cJSON_GetArrayItem(pair, 0)->valuestring, "SELECT 6*7");
    TU_EQ_STR(cJSON_GetArrayItem(pair, 1)->valuestring, "42");
    cJSON_Delete(r);

    /* range session 0 = current, no stop = to the end */
    r = query(h, "{\"hist_access_type\":\"range\",\"session\":0,"
                 "\"start\":1}");
    TU_EQ_INT(cJSON_GetArraySize(r), 2);
    cJSON_Delete(r);

    r = query(h, "{\"hist_access_type\":\"search\",\"pattern\":\"SELECT*\"}");
    TU_EQ_INT(cJSON_GetArraySize(r), 4);
    cJSON_Delete(r);
    r = query(h, "{\"hist_access_type\":\"search\",\"pattern\":\"SELECT 6?7\","
                 "\"unique\":true}");
    TU_EQ_INT(cJSON_GetArraySize(r), 1);
    TU_EQ_INT(item_int(r, 0, 0), s1 + 1); /* the newest one is kept */
    cJSON_Delete(r);
    r = query(h, "{\"hist_access_type\":\"search\",\"pattern\":\"SELECT*\","
                 "\"n\":2}");
    TU_EQ_INT(cJSON_GetArraySize(r), 2);
    TU_EQ_STR(item_src(r, 1), "SELECT 2");
    cJSON_Delete(r);

    r = query(h, "{\"hist_access_type\":\"sideways\"}");
    TU_CHECK(r == NULL);
    kn_hist_close(h);
    unlink(path);
}

/* Rows reach the file without a query or a close (the writer thread), and
 * an output set after its input was written updates that row. */
static void test_writer(void)
{
    char path[] = "/tmp/ytk-hist-XXXXXX", err[KN_ERR_LEN];
    struct kn_hist *h;
    sqlite3 *other = NULL;
    cJSON *r, *pair;
    long long n = 0;
    int fd = mkstemp(path);

    close(fd);
    unlink(path);
    TU_EQ_INT(kn_hist_open(path, &h, err), 0);
    TU_EQ_INT(kn_hist_add(h, 1, "SELECT 42", err), 0);
    TU_CHECK(kn_hist_session(h) > 0); /* waits for the writer's set-up */
    TU_EQ_INT(sqlite3_open(path, &other), SQLITE_OK);
    sqlite3_busy_timeout(other, 3000);
    /* no timing asserted: wait (up to 30 s) until another connection sees
     * the row the writer wrote on its own */
    for (int i = 0; i < 3000 && n != 1; i++) {
        n = tu_sql_int(other, "SELECT count(*) FROM history WHERE line = 1"
                              " AND source = 'SELECT 42'");
        if (n != 1)
            usleep(10000);
    }
    TU_EQ_INT(n, 1);
    /* the input is written: the output is an update of that row */
    TU_EQ_INT(kn_hist_set_output(h, 1, "42", err), 0);
    r = query(h, "{\"hist_access_type\":\"range\",\"session\":0,"
                 "\"start\":1,\"output\":true}");
    TU_EQ_INT(cJSON_GetArraySize(r), 1);
    pair = cJSON_GetArrayItem(cJSON_GetArrayItem(r, 0), 2);
    TU_EQ_STR(cJSON_GetArrayItem(pair, 1)->valuestring, "42");
    cJSON_Delete(r);
    /* many rows at once, with outputs joining queued inputs */
    for (int i = 2; i <= 500; i++) {
        char src[32];
        snprintf(src, sizeof(src), "SELECT %d", i);
        TU_EQ_INT(kn_hist_add(h, i, src, err), 0);
        TU_EQ_INT(kn_hist_set_output(h, i, src + 7, err), 0);
    }
    kn_hist_close(h);
    TU_EQ_INT(tu_sql_int(other, "SELECT count(*) FROM history"), 500);
    TU_EQ_INT(tu_sql_int(other, "SELECT count(*) FROM history"
                                " WHERE output = substr(source, 8)"),
              500);
    sqlite3_close(other);
    unlink(path);
}

/* A file that is not a database opens (the set-up runs in the writer) and
 * the history is then kept in memory: cells are still recorded. */
static void test_not_a_database(void)
{
    char path[] = "/tmp/ytk-hist-XXXXXX", err[KN_ERR_LEN];
    static const char junk[] = "this is not an SQLite database, just text "
                               "long enough to fill a header page ......";
    struct kn_hist *h;
    cJSON *r;
    int fd = mkstemp(path);

    TU_CHECK(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
    close(fd);
    TU_EQ_INT(kn_hist_open(path, &h, err), 0);
    TU_EQ_INT(kn_hist_add(h, 1, "SELECT 1", err), 0);
    r = query(h, "{\"hist_access_type\":\"tail\",\"n\":5}");
    TU_EQ_INT(cJSON_GetArraySize(r), 1);
    TU_EQ_STR(item_src(r, 0), "SELECT 1");
    cJSON_Delete(r);
    kn_hist_close(h);
    unlink(path);
}

static void test_bad_path(void)
{
    char err[KN_ERR_LEN];
    struct kn_hist *h;
    TU_EQ_INT(kn_hist_open("/nonexistent-dir/h.sqlite", &h, err), -1);
    TU_CHECK(strstr(err, "/nonexistent-dir/h.sqlite") != NULL);
    TU_EQ_INT(kn_hist_open(NULL, &h, err), 0);
    kn_hist_close(h);
}

int main(void)
{
    TU_RUN(test_history);
    TU_RUN(test_writer);
    TU_RUN(test_not_a_database);
    TU_RUN(test_bad_path);
    return tu_report();
}
