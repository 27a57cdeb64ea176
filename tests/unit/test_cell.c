/* test_cell.c -- cell splitting (SQL grouping, line magics, %% cell magics,
 * help forms) and the interpreter hooks that need no running kernel:
 * is_complete, complete, inspect, user expressions, language_info. */
#include "tu.h"
#include "mg_interp.h"

#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

static int split(const char *code, struct mg_part **p)
{
    char err[YTK_ERR_LEN] = "";
    int n = mg_cell_split(code, p, err);

    if (n < 0)
        fprintf(stderr, "split: %s\n", err);
    return n;
}

static void test_split_sql_and_magics(void)
{
    struct mg_part *p = NULL;
    int n = split("CREATE TABLE t(a);\nINSERT INTO t VALUES (1);\n"
                  "  %print  hi there  \n"
                  "SELECT *\n  FROM t;\n%lsmagic",
                  &p);

    TU_EQ_INT(n, 4);
    if (n == 4) {
        TU_EQ_INT(p[0].kind, MG_PART_SQL);
        TU_EQ_STR(p[0].text, "CREATE TABLE t(a);\nINSERT INTO t VALUES (1);\n");
        TU_EQ_INT(p[0].lineno, 1);
        TU_EQ_INT(p[1].kind, MG_PART_LINE);
        TU_EQ_STR(p[1].text, "print  hi there");
        TU_EQ_INT(p[1].lineno, 3);
        TU_EQ_INT(p[2].kind, MG_PART_SQL);
        TU_EQ_STR(p[2].text, "SELECT *\n  FROM t;\n");
        TU_EQ_INT(p[2].lineno, 4);
        TU_EQ_INT(p[3].kind, MG_PART_LINE);
        TU_EQ_STR(p[3].text, "lsmagic");
        TU_EQ_INT(p[3].lineno, 6);
    }
    mg_cell_free(p, n);
}

static void test_split_cell_magic(void)
{
    struct mg_part *p = NULL;
    int n = split("\n  %%print --stderr\nline 1\n%not a magic here\n", &p);

    TU_EQ_INT(n, 1);
    if (n == 1) {
        TU_EQ_INT(p[0].kind, MG_PART_CELL);
        TU_EQ_STR(p[0].text, "print --stderr");
        TU_EQ_STR(p[0].body, "line 1\n%not a magic here\n");
        TU_EQ_INT(p[0].lineno, 2);
    }
    mg_cell_free(p, n);
    n = split("%%print", &p);
    TU_EQ_INT(n, 1);
    if (n == 1)
        TU_EQ_STR(p[0].body, "");
    mg_cell_free(p, n);
}

static void test_split_cell_magic_not_first(void)
{
    struct mg_part *p = NULL;
    char err[YTK_ERR_LEN] = "";

    TU_EQ_INT(mg_cell_split("SELECT 1;\n%%print\nx", &p, err), -1);
    TU_CHECK(strstr(err, "line 2") != NULL);
    TU_CHECK(strstr(err, "first line") != NULL);
    TU_CHECK(p == NULL);
    TU_EQ_INT(mg_cell_split("%print a\n  %%print\n", &p, err), -1);
}

static void test_split_quotes_protect_percent(void)
{
    struct mg_part *p = NULL;
    /* a line starting with % inside a SQL string or comment stays SQL */
    int n = split("SELECT 'a\n%print no\n' AS s, /*\n%%x\n*/ 1\n"
                  "FROM t WHERE a LIKE '\n%x%';\n% 2\n",
                  &p);

    TU_EQ_INT(n, 1);
    if (n == 1) {
        TU_EQ_INT(p[0].kind, MG_PART_SQL);
        TU_CHECK(strstr(p[0].text, "%print no") != NULL);
        TU_CHECK(strstr(p[0].text, "% 2") != NULL);
    }
    mg_cell_free(p, n);
}

static void test_split_help_forms(void)
{
    struct mg_part *p = NULL;
    int n = split("print?\n%lsmagic??\n%%help?", &p);

    /* %%help? is not on the first line: an error */
    TU_EQ_INT(n, -1);
    n = split("print?\n%lsmagic??\nvideos?\nSELECT 1;", &p);
    TU_EQ_INT(n, 4);
    if (n == 4) {
        TU_EQ_INT(p[0].kind, MG_PART_HELP);
        TU_EQ_STR(p[0].text, "print");
        TU_EQ_INT(p[1].kind, MG_PART_HELP);
        TU_EQ_STR(p[1].text, "lsmagic");
        TU_EQ_INT(p[2].kind, MG_PART_HELP);
        TU_EQ_STR(p[2].text, "videos");
        TU_EQ_INT(p[3].kind, MG_PART_SQL);
    }
    mg_cell_free(p, n);
    n = split("%%print?\n", &p);
    TU_EQ_INT(n, 1);
    if (n == 1)
        TU_EQ_INT(p[0].kind, MG_PART_HELP);
    mg_cell_free(p, n);
    /* inside an unfinished statement `x?` is SQL, not help */
    n = split("SELECT a,\nb?\n", &p);
    TU_EQ_INT(n, 1);
    if (n == 1)
        TU_EQ_INT(p[0].kind, MG_PART_SQL);
    mg_cell_free(p, n);
}

static void test_split_blank(void)
{
    struct mg_part *p = NULL;

    TU_EQ_INT(split("", &p), 0);
    mg_cell_free(p, 0);
    TU_EQ_INT(split("  \n\n -- only a comment\n/* and this */\n", &p), 0);
    mg_cell_free(p, 0);
}

/* ------------------------------------------------------------ hooks */

static char base[256], home[300];

static struct kn_interp mk(void)
{
    struct kn_interp in;
    char err[YTK_ERR_LEN] = "";

    snprintf(base, sizeof base, "/tmp/ytk-test-cell-XXXXXX");
    TU_CHECK(mkdtemp(base) != NULL);
    /* a nested, not yet existing home is created (trailing slash too) */
    snprintf(home, sizeof home, "%s/sub/home/", base);
    TU_EQ_INT(mg_interp_create(home, &in, err), 0);
    if (err[0])
        fprintf(stderr, "create: %s\n", err);
    return in;
}

static void rmhome(void)
{
    char cmd[400];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed: %s\n", cmd);
}

static int has(cJSON *arr, const char *s)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it) &&
                                    strcmp(it->valuestring, s) == 0) return 1;
    return 0;
}

static void test_create_store(void)
{
    struct kn_interp in = mk();
    struct stat sb;
    char path[400];
    cJSON *li;

    TU_CHECK(in.self != NULL);
    snprintf(path, sizeof path, "%s/store.sqlite", home);
    TU_EQ_INT(stat(path, &sb), 0);
    snprintf(path, sizeof path, "%s", home);
    path[strlen(path) - 1] = '\0';
    TU_EQ_INT(stat(path, &sb), 0);
    TU_EQ_INT(sb.st_mode & 0777, 0700);
    li = in.language_info(in.self);
    TU_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(li, "name")), "sql");
    TU_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(li, "file_extension")),
              ".sql");
    TU_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(li, "mimetype")),
              "text/x-sql");
    TU_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(li, "codemirror_mode")),
              "sql");
    cJSON_Delete(li);
    li = in.help_links(in.self);
    TU_CHECK(cJSON_GetArraySize(li) >= 2);
    cJSON_Delete(li);
    TU_CHECK(strstr(in.banner, "SQLite") != NULL);
    mg_interp_destroy(&in);
    TU_CHECK(in.self == NULL);
    mg_interp_destroy(&in); /* twice is harmless */
    rmhome();
}

static void test_create_fails_cleanly(void)
{
    struct kn_interp in;
    char err[YTK_ERR_LEN] = "";

    TU_EQ_INT(mg_interp_create("/proc/ytk-cannot-exist/x", &in, err), -1);
    TU_CHECK(strstr(err, "cannot create") != NULL);
    TU_CHECK(in.self == NULL);
    TU_EQ_INT(mg_interp_create("", &in, err), -1);
    TU_CHECK(strstr(err, "YTK_HOME") != NULL);
}

static void test_is_complete(void)
{
    struct kn_interp in = mk();
    const char *ind = NULL;

#define ISC(code, want) TU_EQ_STR(in.is_complete(in.self, code, &ind), want)
    ISC("", "complete");
    ISC("   \n", "complete");
    ISC("-- just a comment", "complete");
    ISC("SELECT 1;", "complete");
    ISC("SELECT 1", "incomplete");
    TU_EQ_STR(ind, "");
    ISC("SELECT 'abc;", "incomplete");
    ISC("SELECT 1;\nSELECT\n  2;", "complete");
    ISC("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;", "incomplete");
    ISC("%lsmagic", "complete");
    ISC("%print 'unterminated", "incomplete");
    ISC("%print \"a\" b", "complete");
    ISC("SELECT 1;\n%print hi", "complete");
    ISC("%%print", "incomplete");
    ISC("%%print\nbody", "incomplete");
    ISC("%%print\nbody\n", "complete");
    ISC("%%print\nbody\n  ", "complete");
    ISC("%%print\nSELECT 'x\n", "complete");
    ISC("SELECT 1;\n%%print\n", "invalid");
#undef ISC
    mg_interp_destroy(&in);
    rmhome();
}

static void test_complete(void)
{
    struct kn_interp in = mk();
    int cs = -1, ce = -1;
    cJSON *m;
    const char *code;
    sqlite3 *db = NULL;
    char path[400];

    snprintf(path, sizeof path, "%s/store.sqlite", home);
    sqlite3_open(path, &db);
    TU_EQ_INT(sqlite3_exec(db,
                           "CREATE TABLE videos(video_id TEXT PRIMARY "
                           "KEY, title TEXT, view_count INTEGER);"
                           "CREATE TABLE channels(channel_id, title);",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);

    m = in.complete(in.self, "%lsm", 4, &cs, &ce);
    TU_CHECK(has(m, "%lsmagic"));
    TU_EQ_INT(cJSON_GetArraySize(m), 1);
    TU_EQ_INT(cs, 0);
    TU_EQ_INT(ce, 4);
    cJSON_Delete(m);

    m = in.complete(in.self, "  %", 3, &cs, &ce);
    TU_CHECK(has(m, "%help") && has(m, "%print") && has(m, "%version"));
    TU_EQ_INT(cs, 2);
    cJSON_Delete(m);

    m = in.complete(in.self, "%%pr", 4, &cs, &ce);
    TU_CHECK(has(m, "%%print"));
    TU_CHECK(!has(m, "%%lsmagic")); /* no cell form */
    TU_EQ_INT(cs, 0);
    cJSON_Delete(m);

    code = "%print --st";
    m = in.complete(in.self, code, 11, &cs, &ce);
    TU_CHECK(has(m, "--stderr"));
    TU_EQ_INT(cJSON_GetArraySize(m), 1);
    TU_EQ_INT(cs, 7);
    TU_EQ_INT(ce, 11);
    cJSON_Delete(m);

    /* SQL: tables, columns, keywords; cursor in code points (é = 1) */
    code = "-- é\nSELECT vi";
    m = in.complete(in.self, code, 14, &cs, &ce);
    TU_CHECK(has(m, "videos"));
    TU_CHECK(has(m, "video_id"));
    TU_CHECK(has(m, "view_count"));
    TU_CHECK(has(m, "view")); /* keyword VIEW, lower case like the prefix */
    TU_EQ_INT(cs, 12);
    TU_EQ_INT(ce, 14);
    cJSON_Delete(m);

    code = "SEL";
    m = in.complete(in.self, code, 3, &cs, &ce);
    TU_CHECK(has(m, "SELECT"));
    cJSON_Delete(m);

    code = "SELECT videos.ti FROM videos";
    m = in.complete(in.self, code, 16, &cs, &ce);
    TU_CHECK(has(m, "title"));
    TU_EQ_INT(cJSON_GetArraySize(m), 1);
    TU_EQ_INT(cs, 14);
    TU_EQ_INT(ce, 16);
    cJSON_Delete(m);

    /* cursor in the middle of the text */
    code = "SELECT * FROM ch WHERE 1";
    m = in.complete(in.self, code, 16, &cs, &ce);
    TU_CHECK(has(m, "channels"));
    TU_CHECK(!has(m, "channel_id")); /* after FROM only tables fit */
    TU_CHECK(!has(m, "check"));
    TU_EQ_INT(cs, 14);
    TU_EQ_INT(ce, 16);
    cJSON_Delete(m);

    m = in.complete(in.self, "SELECT zzzq", 11, &cs, &ce);
    TU_EQ_INT(cJSON_GetArraySize(m), 0);
    cJSON_Delete(m);

    mg_interp_destroy(&in);
    rmhome();
}

/* For every registered magic: "%name --" offers each of its options,
 * "%name " each of its subcommands, inspect finds its help. */
static void test_complete_registry(void)
{
    struct kn_interp in = mk();
    const struct mg_magic *const *all = mg_registry_all();
    int i, k, cs, ce;

    for (i = 0; all[i]; i++) {
        const struct mg_magic *mg = all[i];
        char code[160], want[160];
        cJSON *m, *d = NULL;

        snprintf(code, sizeof code, "%s%s --", mg->line ? "%" : "%%", mg->name);
        m = in.complete(in.self, code, (int)strlen(code), &cs, &ce);
        for (k = 0; mg->opts && mg->opts[k].name; k++) {
            snprintf(want, sizeof want, "--%s", mg->opts[k].name);
            if (!has(m, want))
                fprintf(stderr, "%s: missing %s\n", code, want);
            TU_CHECK(has(m, want));
        }
        TU_CHECK(has(m, "--help"));
        TU_EQ_INT(cs, (int)strlen(code) - 2);
        cJSON_Delete(m);

        snprintf(code, sizeof code, "%s%s ", mg->line ? "%" : "%%", mg->name);
        m = in.complete(in.self, code, (int)strlen(code), &cs, &ce);
        for (k = 0; mg->subcommands && mg->subcommands[k]; k++)
            TU_CHECK(has(m, mg->subcommands[k]));
        cJSON_Delete(m);

        TU_EQ_INT(in.inspect(in.self, code, 2, 0, &d), 1);
        TU_CHECK(d && strstr(cJSON_GetStringValue(
                                 cJSON_GetObjectItem(d, "text/plain")),
                             mg->name) != NULL);
        cJSON_Delete(d);
    }
    mg_interp_destroy(&in);
    rmhome();
}

static void test_inspect_and_eval(void)
{
    struct kn_interp in = mk();
    cJSON *d = NULL;
    char ename[64], evalue[KN_ERR_LEN];
    const char *txt;

    TU_EQ_INT(in.inspect(in.self, "%print hello", 3, 0, &d), 1);
    txt = cJSON_GetStringValue(cJSON_GetObjectItem(d, "text/plain"));
    TU_CHECK(txt && strstr(txt, "%print") && strstr(txt, "--stderr"));
    cJSON_Delete(d);

    TU_EQ_INT(in.eval_expression(in.self,
                                 "'CREATE TABLE t(a INTEGER NOT NULL, b "
                                 "TEXT)'",
                                 &d, ename, evalue),
              0);
    cJSON_Delete(d);
    /* user expressions must not write */
    TU_EQ_INT(
        in.eval_expression(in.self, "1; CREATE TABLE x(a)", &d, ename, evalue),
        -1);
    TU_CHECK(strstr(evalue, "one SQL expression") != NULL);
    TU_EQ_INT(in.eval_expression(in.self, "6*7", &d, ename, evalue), 0);
    TU_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "text/plain")), "42");
    cJSON_Delete(d);
    TU_EQ_INT(in.eval_expression(in.self, "NULL", &d, ename, evalue), 0);
    TU_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(d, "text/plain")),
              "NULL");
    cJSON_Delete(d);
    TU_EQ_INT(in.eval_expression(in.self, "nosuchcol", &d, ename, evalue), -1);
    TU_EQ_STR(ename, "SQLError");
    TU_CHECK(strstr(evalue, "no such column") != NULL);
    TU_CHECK(d == NULL);

    {
        sqlite3 *db = NULL;
        char path[400];

        snprintf(path, sizeof path, "%s/store.sqlite", home);
        sqlite3_open(path, &db);
        sqlite3_exec(db,
                     "CREATE TABLE videos(video_id TEXT PRIMARY KEY, "
                     "title TEXT NOT NULL); INSERT INTO videos VALUES "
                     "('a', 'x'), ('b', 'y');",
                     NULL, NULL, NULL);
        sqlite3_close(db);
    }
    TU_EQ_INT(in.inspect(in.self, "SELECT * FROM videos", 16, 0, &d), 1);
    txt = cJSON_GetStringValue(cJSON_GetObjectItem(d, "text/plain"));
    TU_CHECK(txt && strstr(txt, "table videos"));
    TU_CHECK(txt && strstr(txt, "video_id") && strstr(txt, "PRIMARY KEY"));
    TU_CHECK(txt && strstr(txt, "title") && strstr(txt, "NOT NULL"));
    TU_CHECK(txt && strstr(txt, "rows: 2"));
    cJSON_Delete(d);
    d = NULL;
    TU_EQ_INT(in.inspect(in.self, "SELECT title", 9, 0, &d), 1);
    txt = cJSON_GetStringValue(cJSON_GetObjectItem(d, "text/plain"));
    TU_CHECK(txt && strstr(txt, "videos.title TEXT"));
    cJSON_Delete(d);
    d = NULL;
    TU_EQ_INT(in.inspect(in.self, "SELECT nothing_here", 10, 0, &d), 0);
    TU_CHECK(d == NULL);
    TU_EQ_INT(in.inspect(in.self, "", 0, 0, &d), 0);
    mg_interp_destroy(&in);
    rmhome();
}

int main(void)
{
    TU_RUN(test_split_sql_and_magics);
    TU_RUN(test_split_cell_magic);
    TU_RUN(test_split_cell_magic_not_first);
    TU_RUN(test_split_quotes_protect_percent);
    TU_RUN(test_split_help_forms);
    TU_RUN(test_split_blank);
    TU_RUN(test_create_store);
    TU_RUN(test_create_fails_cleanly);
    TU_RUN(test_is_complete);
    TU_RUN(test_complete);
    TU_RUN(test_complete_registry);
    TU_RUN(test_inspect_and_eval);
    return tu_report();
}
