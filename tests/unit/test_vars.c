/* test_vars.c -- mg_vars: typing of %set values, the session table, SQL
 * binding and {NAME} substitution in magic lines. */
#include "tu.h"
#include "mg_vars.h"

#include <stdlib.h>

static void put(const char *args)
{
    struct mg_var v;
    char err[YTK_ERR_LEN];

    TU_EQ_INT(mg_vars_parse_set(args, &v, err), 1);
    TU_EQ_INT(mg_vars_put(&v, err), 0);
}

/* Type and text of a written value; "ERR" on failure. */
static const char *typed(const char *text, enum mg_var_type *t)
{
    static char out[256];
    struct mg_var v = {0};
    struct yt_buf b;
    char err[YTK_ERR_LEN];

    if (mg_var_parse_value(text, &v, err) < 0) {
        TU_CHECK(err[0] != '\0');
        return "ERR";
    }
    *t = v.type;
    yt_buf_init(&b, 1024);
    TU_EQ_INT(mg_var_format(&v, 1, &b), 0);
    snprintf(out, sizeof out, "%s", yt_buf_str(&b));
    yt_buf_free(&b);
    mg_var_free(&v);
    return out;
}

static void test_value_types(void)
{
    static const struct {
        const char *in;
        enum mg_var_type type;
        const char *text;
    } cases[] = {
        {"42", MG_VAR_INT, "42"},
        {"-7", MG_VAR_INT, "-7"},
        {"+3", MG_VAR_INT, "3"},
        {"9223372036854775807", MG_VAR_INT, "9223372036854775807"},
        {"2.5", MG_VAR_REAL, "2.5"},
        {"3.0", MG_VAR_REAL, "3.0"},
        {"0.1", MG_VAR_REAL, "0.1"},
        {"-1e3", MG_VAR_REAL, "-1000.0"},
        {".5", MG_VAR_REAL, "0.5"},
        {"1e-300", MG_VAR_REAL, "1e-300"},
        {"1.5e300", MG_VAR_REAL, "1.5e+300"},
        {"123456.789", MG_VAR_REAL, "123456.789"},
        {"0.0001", MG_VAR_REAL, "0.0001"},
        {"0.00001", MG_VAR_REAL, "1e-05"},
        {"0.30000000000000004", MG_VAR_REAL, "0.30000000000000004"},
        {"2026-12-05", MG_VAR_DATE, "2026-12-05"},
        {"2024-02-29", MG_VAR_DATE, "2024-02-29"},
        {"2023-02-29", MG_VAR_TEXT, "2023-02-29"}, /* not a day */
        {"2026-13-01", MG_VAR_TEXT, "2026-13-01"},
        {"true", MG_VAR_INT, "1"},
        {"FALSE", MG_VAR_INT, "0"},
        {"null", MG_VAR_NULL, "NULL"},
        {"'42'", MG_VAR_TEXT, "42"},
        {"\"NULL\"", MG_VAR_TEXT, "NULL"},
        {"''", MG_VAR_TEXT, ""},
        {"'it'\\''s'", MG_VAR_TEXT, "it's"},
        {"\"a \\\"b\\\" \\\\ c\"", MG_VAR_TEXT, "a \"b\" \\ c"},
        {"GB", MG_VAR_TEXT, "GB"},
        {"two words; DROP", MG_VAR_TEXT, "two words; DROP"},
        {"0x10", MG_VAR_TEXT, "0x10"},
        {"1.2.3", MG_VAR_TEXT, "1.2.3"},
        {"inf", MG_VAR_TEXT, "inf"},
        {"nan", MG_VAR_TEXT, "nan"},
        {"1e", MG_VAR_TEXT, "1e"},
        {"-", MG_VAR_TEXT, "-"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum mg_var_type t = MG_VAR_NULL;
        const char *got = typed(cases[i].in, &t);

        if (strcmp(got, cases[i].text) != 0 || t != cases[i].type)
            fprintf(stderr, "value %s: got %s (%s)\n", cases[i].in, got,
                    mg_var_type_name(t));
        TU_EQ_STR(got, cases[i].text);
        TU_EQ_INT(t, cases[i].type);
    }
    {
        enum mg_var_type t;

        TU_EQ_STR(typed("9223372036854775808", &t), "ERR");
        TU_EQ_STR(typed("1e999", &t), "ERR");
        TU_EQ_STR(typed("'a' b", &t), "ERR");
        TU_EQ_STR(typed("'open", &t), "ERR");
        TU_EQ_STR(typed("", &t), "ERR");
    }
}

static void test_parse_set(void)
{
    struct mg_var v;
    char err[YTK_ERR_LEN];

    TU_EQ_INT(mg_vars_parse_set("  region = 'GB'  ", &v, err), 1);
    TU_EQ_STR(v.name, "region");
    TU_EQ_STR(v.text, "GB");
    mg_var_free(&v);
    TU_EQ_INT(mg_vars_parse_set("days=30", &v, err), 1);
    TU_EQ_STR(v.name, "days");
    TU_EQ_INT(v.type, MG_VAR_INT);
    TU_EQ_INT(v.i, 30);
    mg_var_free(&v);
    TU_EQ_INT(mg_vars_parse_set("t My  videos ", &v, err), 1);
    TU_EQ_STR(v.text, "My  videos");
    mg_var_free(&v);
    /* "= x" after a name means the value x, "==" keeps one '=' */
    TU_EQ_INT(mg_vars_parse_set("e ==", &v, err), 1);
    TU_EQ_STR(v.text, "=");
    mg_var_free(&v);
    TU_EQ_INT(mg_vars_parse_set("only", &v, err), 0);
    TU_EQ_STR(v.name, "only");
    mg_var_free(&v);
    TU_EQ_INT(mg_vars_parse_set("1x 5", &v, err), -1);
    TU_CHECK(strstr(err, "not a variable name") != NULL);
    TU_EQ_INT(mg_vars_parse_set("a-b 5", &v, err), -1);
    TU_EQ_INT(mg_vars_parse_set("x =  ", &v, err), -1);
    TU_CHECK(strstr(err, "missing value") != NULL);
    TU_EQ_INT(mg_vars_parse_set("", &v, err), -1);
    TU_CHECK(mg_var_name_ok("_a1"));
    TU_CHECK(!mg_var_name_ok("a b"));
    TU_CHECK(!mg_var_name_ok("é"));
}

static void test_table(void)
{
    char err[YTK_ERR_LEN];

    mg_vars_clear();
    put("b 1");
    put("a 2");
    put("c 3");
    put("b = 'x'");
    TU_EQ_INT(mg_vars_count(), 3);
    TU_EQ_STR(mg_vars_at(0)->name, "a");
    TU_EQ_STR(mg_vars_at(1)->name, "b");
    TU_EQ_STR(mg_vars_at(2)->name, "c");
    TU_CHECK(mg_vars_at(3) == NULL);
    TU_EQ_INT(mg_vars_get("b")->type, MG_VAR_TEXT);
    TU_EQ_INT(mg_vars_unset("b"), 0);
    TU_EQ_INT(mg_vars_unset("b"), -1);
    TU_CHECK(mg_vars_get("b") == NULL);
    TU_EQ_INT(mg_vars_count(), 2);
    mg_vars_unknown("d", ":", err);
    TU_CHECK(strstr(err, "unknown variable :d") != NULL);
    TU_CHECK(strstr(err, "did you mean :a?") != NULL);
    TU_CHECK(strstr(err, "known variables: :a, :c") != NULL);
    mg_vars_clear();
    mg_vars_unknown("d", "", err);
    TU_CHECK(strstr(err, "no variables are set") != NULL);
}

static void test_bind(void)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char err[YTK_ERR_LEN];
    const char *evil = "x'); DROP TABLE t; --";

    mg_vars_clear();
    put("n 42");
    put("r 2.5");
    put("d 2026-01-31");
    put("z NULL");
    put("evil = \"x'); DROP TABLE t; --\"");
    TU_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    TU_EQ_INT(sqlite3_prepare_v2(db,
                                 "SELECT typeof(:n), :n, typeof($r), $r, "
                                 "typeof(:d), :d, typeof(:z), :evil, "
                                 "':n', '$r' -- :nope\n /* $nope */",
                                 -1, &st, NULL),
              SQLITE_OK);
    TU_EQ_INT(sqlite3_bind_parameter_count(st), 5);
    TU_EQ_INT(mg_vars_bind(st, err), 0);
    TU_EQ_INT(sqlite3_step(st), SQLITE_ROW);
    TU_EQ_STR((const char *)sqlite3_column_text(st, 0), "integer");
    TU_EQ_INT(sqlite3_column_int64(st, 1), 42);
    TU_EQ_STR((const char *)sqlite3_column_text(st, 2), "real");
    TU_CHECK(sqlite3_column_double(st, 3) == 2.5);
    TU_EQ_STR((const char *)sqlite3_column_text(st, 4), "text");
    TU_EQ_STR((const char *)sqlite3_column_text(st, 5), "2026-01-31");
    TU_EQ_STR((const char *)sqlite3_column_text(st, 6), "null");
    TU_EQ_STR((const char *)sqlite3_column_text(st, 7), evil);
    TU_EQ_STR((const char *)sqlite3_column_text(st, 8), ":n");
    sqlite3_finalize(st);

    TU_EQ_INT(sqlite3_prepare_v2(db, "SELECT :nn", -1, &st, NULL), SQLITE_OK);
    TU_EQ_INT(mg_vars_bind(st, err), -1);
    TU_CHECK(strstr(err, "uses the parameter :nn") != NULL);
    TU_CHECK(strstr(err, "did you mean :n?") != NULL);
    sqlite3_finalize(st);
    TU_EQ_INT(sqlite3_prepare_v2(db, "SELECT @n", -1, &st, NULL), SQLITE_OK);
    TU_EQ_INT(mg_vars_bind(st, err), -1);
    TU_CHECK(strstr(err, "uses the parameter @n") != NULL);
    sqlite3_finalize(st);
    TU_EQ_INT(sqlite3_prepare_v2(db, "SELECT ?", -1, &st, NULL), SQLITE_OK);
    TU_EQ_INT(mg_vars_bind(st, err), -1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    mg_vars_clear();
}

/* Expand line, then tokenize: the words must be `want` (NULL-ended). */
static void check_expand(const char *line, const char *const *want)
{
    struct yt_buf b;
    char err[YTK_ERR_LEN], **w = NULL;
    int n = 0, i;

    yt_buf_init(&b, 1u << 20);
    TU_EQ_INT(mg_vars_expand(line, &b, err), 0);
    TU_EQ_INT(mg_args_split(yt_buf_str(&b), &n, &w, err), 0);
    for (i = 0; want[i]; i++) {
        TU_CHECK(i < n);
        if (i >= n)
            break;
        TU_EQ_STR(w[i], want[i]);
    }
    TU_EQ_INT(n, i);
    mg_args_free_words(w);
    yt_buf_free(&b);
}

static void test_expand(void)
{
    struct yt_buf b;
    char err[YTK_ERR_LEN];
    const char *nasty = "it's  \"q\" \\ $x `y` 'z' {r}";

    mg_vars_clear();
    put("r GB");
    put("n 30");
    put("e ''");
    put("s = \"it's  \\\"q\\\" \\\\ $x `y` 'z' {r}\"");
    TU_EQ_STR(mg_vars_get("s")->text, nasty);
    {
        const char *w[] = {"videos", "--region",    "GB",
                           "--into", "trending_GB", NULL};
        check_expand("videos --region {r} --into trending_{r}", w);
    }
    {
        const char *w[] = {nasty, NULL};
        check_expand("{s}", w);
    }
    {
        const char *w[] = {"<", "[it's  \"q\" \\ $x `y` 'z' {r}]", ">", NULL};
        check_expand("< [{s}] >", w);
    }
    {
        const char *w[] = {"title: it's  \"q\" \\ $x `y` 'z' {r} (30)", NULL};
        check_expand("\"title: {s} ({n})\"", w);
    }
    {
        const char *w[] = {"{s}", "{s}", "{s}", "", "ab", NULL};
        check_expand("'{s}' \\{s} \"\\{s}\" {e} a{e}b", w);
    }
    {
        const char *w[] = {"{", "{1}", "{", "r", "}", "{r", "{}", NULL};
        check_expand("{ {1} { r } {r {}", w);
    }
    yt_buf_init(&b, 1024);
    TU_EQ_INT(mg_vars_expand("--x {nope}", &b, err), -1);
    TU_CHECK(strstr(err, "unknown variable nope") != NULL);
    TU_CHECK(strstr(err, "known variables: e, n, r, s") != NULL);
    yt_buf_free(&b);
    mg_vars_clear();
}

int main(void)
{
    TU_RUN(test_value_types);
    TU_RUN(test_parse_set);
    TU_RUN(test_table);
    TU_RUN(test_bind);
    TU_RUN(test_expand);
    return tu_report();
}
