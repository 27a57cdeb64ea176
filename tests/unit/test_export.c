/* test_export.c -- CSV export is spreadsheet-safe (issue 15, item 7) and
 * goes through yt_file (item 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tu.h"
#include "yt_buf.h"
#include "yt_store.h"

static void cell(const char *in, int neutralise, const char *want)
{
    struct yt_buf b;

    yt_buf_init(&b, 1024);
    TU_EQ_INT(yt_store_csv_cell(&b, in, neutralise), 0);
    TU_EQ_STR(yt_buf_str(&b), want);
    yt_buf_free(&b);
}

static void test_cell_rule(void)
{
    cell("=HYPERLINK(\"http://x\")", 1, "\"'=HYPERLINK(\"\"http://x\"\")\"");
    cell("=1+2", 1, "'=1+2");
    cell("+1", 1, "'+1");
    cell("-2+3", 1, "'-2+3");
    cell("@SUM(A1)", 1, "'@SUM(A1)");
    cell("\tx", 1, "'\tx");
    cell("\rx", 1, "\"'\rx\"");
    cell("a=b", 1, "a=b");
    cell(" =x", 1, " =x");
    cell("", 1, "");
    cell("=1+2", 0, "=1+2");
    cell("\rx", 0, "\"\rx\"");
    TU_CHECK(yt_store_csv_risky("=x"));
    TU_CHECK(!yt_store_csv_risky("x="));
    TU_CHECK(!yt_store_csv_risky(""));
}

static void test_export_formulas(void)
{
    sqlite3 *db;
    char err[YTK_ERR_LEN], path[256], buf[4096];

    TU_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    TU_EQ_INT(
        sqlite3_exec(db,
                     "CREATE TABLE v(video_id TEXT PRIMARY KEY, title TEXT, "
                     "delta INTEGER, ratio REAL);"
                     "INSERT INTO v VALUES "
                     "('a','=HYPERLINK(\"http://evil\",\"x\")',-5,-0.5),"
                     "('b','@cmd',3,1.5),('c','-1',NULL,NULL),"
                     "('d','plain',0,0)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    snprintf(path, sizeof path, "/tmp/ytk_test_export_%d.csv", (int)getpid());
    TU_EQ_INT(yt_store_export(db, "v", path, err), 4);
    tu_read_file(path, buf, sizeof buf);
    /* text cells guarded; numbers (-5, -0.5) stay numbers */
    TU_EQ_STR(buf,
              "video_id,title,delta,ratio\r\n"
              "a,\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-5,-0.5\r\n"
              "b,'@cmd,3,1.5\r\n"
              "c,'-1,,\r\n"
              "d,plain,0,0.0\r\n");
    TU_EQ_INT(yt_store_export_ex(db, "v", path, YT_STORE_EXPORT_RAW, err), 4);
    tu_read_file(path, buf, sizeof buf);
    TU_EQ_STR(buf, "video_id,title,delta,ratio\r\n"
                   "a,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",-5,-0.5\r\n"
                   "b,@cmd,3,1.5\r\n"
                   "c,-1,,\r\n"
                   "d,plain,0,0.0\r\n");
    unlink(path);
    /* JSON stays raw */
    snprintf(path, sizeof path, "/tmp/ytk_test_export_%d.ndjson",
             (int)getpid());
    TU_EQ_INT(yt_store_export(db, "v", path, err), 4);
    tu_read_file(path, buf, sizeof buf);
    TU_CHECK(strstr(buf, "\"title\":\"@cmd\"") != NULL);
    TU_CHECK(strstr(buf, "\"title\":\"-1\"") != NULL);
    unlink(path);
    sqlite3_close(db);
}

/* A BLOB was exported as "" (CSV and JSON: its text stops at the first
 * zero byte, and other bytes are not UTF-8), and an integer past 2^53 lost
 * its last digits in JSON (a double).  Nothing may be lost silently. */
static void test_export_blobs_and_big_integers(void)
{
    sqlite3 *db;
    char err[YTK_ERR_LEN], path[256], buf[4096];

    TU_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    TU_EQ_INT(sqlite3_exec(db,
                           "CREATE TABLE b(id INTEGER, data BLOB);"
                           "INSERT INTO b VALUES (9007199254740993, x'00ff41'),"
                           "(-9223372036854775808, x''), (2, NULL)",
                           NULL, NULL, NULL),
              SQLITE_OK);
    snprintf(path, sizeof path, "/tmp/ytk_test_export_b_%d.csv", (int)getpid());
    TU_EQ_INT(yt_store_export(db, "b", path, err), 3);
    tu_read_file(path, buf, sizeof buf);
    TU_EQ_STR(buf, "id,data\r\n"
                   "9007199254740993,X'00FF41'\r\n"
                   "-9223372036854775808,X''\r\n"
                   "2,\r\n");
    unlink(path);
    snprintf(path, sizeof path, "/tmp/ytk_test_export_b_%d.ndjson",
             (int)getpid());
    TU_EQ_INT(yt_store_export(db, "b", path, err), 3);
    tu_read_file(path, buf, sizeof buf);
    TU_EQ_STR(buf, "{\"id\":9007199254740993,\"data\":\"X'00FF41'\"}\n"
                   "{\"id\":-9223372036854775808,\"data\":\"X''\"}\n"
                   "{\"id\":2,\"data\":null}\n");
    unlink(path);
    sqlite3_close(db);
}

/* Text that is not valid UTF-8 (SQLite stores whatever bytes it is
 * given) was copied into JSON as it was, which made the file invalid
 * JSON; each invalid byte is now U+FFFD, valid text (a real U+FFFD
 * included) is kept byte for byte, and CSV keeps the bytes. */
static void test_export_json_invalid_utf8(void)
{
    sqlite3 *db;
    char err[YTK_ERR_LEN], path[256], buf[4096];

    TU_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    TU_EQ_INT(sqlite3_exec(db,
                           "CREATE TABLE t(s TEXT);"
                           "INSERT INTO t VALUES (CAST(x'61ff62efbf' AS TEXT)),"
                           "('caf\xc3\xa9 \xef\xbf\xbd ok')",
                           NULL, NULL, NULL),
              SQLITE_OK);
    snprintf(path, sizeof path, "/tmp/ytk_test_export_u_%d.ndjson",
             (int)getpid());
    TU_EQ_INT(yt_store_export(db, "t", path, err), 2);
    tu_read_file(path, buf, sizeof buf);
    TU_EQ_STR(buf, "{\"s\":\"a\xef\xbf\xbd"
                   "b\xef\xbf\xbd\xef\xbf\xbd\"}\n"
                   "{\"s\":\"caf\xc3\xa9 \xef\xbf\xbd ok\"}\n");
    unlink(path);
    snprintf(path, sizeof path, "/tmp/ytk_test_export_u_%d.csv", (int)getpid());
    TU_EQ_INT(yt_store_export(db, "t", path, err), 2);
    tu_read_file(path, buf, sizeof buf);
    TU_EQ_STR(buf, "s\r\na\xff"
                   "b\xef\xbf\r\ncaf\xc3\xa9 \xef\xbf\xbd ok\r\n");
    unlink(path);
    sqlite3_close(db);
}

int main(void)
{
    TU_RUN(test_cell_rule);
    TU_RUN(test_export_blobs_and_big_integers);
    TU_RUN(test_export_json_invalid_utf8);
    TU_RUN(test_export_formulas);
    return tu_report();
}
