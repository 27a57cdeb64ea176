/* test_args.c -- mg_args: shell-style tokenizing and option parsing. */
#include "tu.h"
#include "mg_args.h"

#include <stdlib.h>

static const struct mg_opt spec[] = {
    {"limit", 'n', 1, "rows"},
    {"stderr", 'e', 0, "to stderr"},
    {"max_results", 0, 1, "page size"},
    {"verbose", 'v', 0, "chatty"},
    {0},
};

static char **split(const char *line, int *n)
{
    char **v = NULL, err[YTK_ERR_LEN];

    if (mg_args_split(line, n, &v, err) < 0) {
        fprintf(stderr, "split(%s): %s\n", line, err);
        return NULL;
    }
    return v;
}

static void test_split_quotes_and_escapes(void)
{
    int n = -1;
    char **v =
        split("  a 'b c'  \"d \\\"e\\\" \\\\ \\n\" f\\ g h\\'i '' \"\"", &n);

    TU_CHECK(v != NULL);
    if (!v)
        return;
    TU_EQ_INT(n, 7);
    TU_EQ_STR(v[0], "a");
    TU_EQ_STR(v[1], "b c");
    /* inside double quotes only \" \\ \$ \` escape; \n stays as is */
    TU_EQ_STR(v[2], "d \"e\" \\ \\n");
    TU_EQ_STR(v[3], "f g");
    TU_EQ_STR(v[4], "h'i");
    TU_EQ_STR(v[5], "");
    TU_EQ_STR(v[6], "");
    TU_CHECK(v[7] == NULL);
    mg_args_free_words(v);
}

static void test_split_single_quotes_literal(void)
{
    int n = 0;
    char **v = split("'a\\b \"c\"' x'y'z", &n);

    TU_CHECK(v != NULL);
    if (!v)
        return;
    TU_EQ_INT(n, 2);
    TU_EQ_STR(v[0], "a\\b \"c\"");
    TU_EQ_STR(v[1], "xyz");
    mg_args_free_words(v);
}

static void test_split_empty_and_blank(void)
{
    int n = -1;
    char **v = split("", &n);

    TU_EQ_INT(n, 0);
    TU_CHECK(v && v[0] == NULL);
    mg_args_free_words(v);
    v = split(" \t \r\n ", &n);
    TU_EQ_INT(n, 0);
    mg_args_free_words(v);
    v = split("trailing\\", &n);
    TU_EQ_INT(n, 1);
    TU_EQ_STR(v ? v[0] : NULL, "trailing\\");
    mg_args_free_words(v);
}

/* `--save ~/charts/x.png` made a folder named "~" in the notebook's
 * folder: a tilde starting an unquoted word (or an option's =value) is
 * $HOME, as in a shell; quoted, escaped or inside a word it stays. */
static void test_split_tilde_is_home(void)
{
    int n = 0;
    char **v;

    TU_EQ_INT(setenv("HOME", "/home/u", 1), 0);
    v = split("~/a '~/b' ~ ~x a~/ --save=~/c \\~/d \"~\" ~/", &n);
    TU_CHECK(v != NULL);
    if (!v)
        return;
    TU_EQ_INT(n, 9);
    TU_EQ_STR(v[0], "/home/u/a");
    TU_EQ_STR(v[1], "~/b");
    TU_EQ_STR(v[2], "/home/u");
    TU_EQ_STR(v[3], "~x"); /* ~user is not expanded */
    TU_EQ_STR(v[4], "a~/");
    TU_EQ_STR(v[5], "--save=/home/u/c");
    TU_EQ_STR(v[6], "~/d");
    TU_EQ_STR(v[7], "~");
    TU_EQ_STR(v[8], "/home/u/");
    mg_args_free_words(v);
    /* no HOME: left as it is */
    TU_EQ_INT(unsetenv("HOME"), 0);
    v = split("~/a", &n);
    TU_EQ_STR(v ? v[0] : NULL, "~/a");
    mg_args_free_words(v);
}

static void test_split_unterminated(void)
{
    char **v = NULL, err[YTK_ERR_LEN] = "";
    int n = 0;

    TU_EQ_INT(mg_args_split("a 'b c", &n, &v, err), -1);
    TU_CHECK(strstr(err, "unterminated single quote") != NULL);
    TU_EQ_INT(mg_args_split("a \"b \\\"", &n, &v, err), -1);
    TU_CHECK(strstr(err, "unterminated double quote") != NULL);
}

static void test_parse_forms(void)
{
    struct mg_args a;
    char err[YTK_ERR_LEN] = "";
    long lim = 0;

    TU_EQ_INT(mg_args_parse("videos --limit 5 -e --max-results=50 mine", spec,
                            &a, err),
              0);
    TU_EQ_INT(a.npos, 2);
    TU_EQ_STR(mg_args_pos(&a, 0), "videos");
    TU_EQ_STR(mg_args_pos(&a, 1), "mine");
    TU_CHECK(mg_args_pos(&a, 2) == NULL);
    TU_EQ_STR(mg_args_get(&a, "limit"), "5");
    TU_EQ_STR(mg_args_get(&a, "stderr"), "");
    TU_CHECK(mg_args_has(&a, "stderr"));
    TU_CHECK(!mg_args_has(&a, "verbose"));
    /* the spec's spelling is what is stored; '-' and '_' alike */
    TU_EQ_STR(mg_args_get(&a, "max_results"), "50");
    TU_EQ_STR(mg_args_get(&a, "max-results"), "50");
    TU_EQ_INT(mg_args_get_long(&a, "limit", 1, 100, &lim, err), 0);
    TU_EQ_INT(lim, 5);
    mg_args_free(&a);

    TU_EQ_INT(mg_args_parse("-n7 -ve", spec, &a, err), 0);
    TU_EQ_STR(mg_args_get(&a, "limit"), "7");
    TU_CHECK(mg_args_has(&a, "verbose") && mg_args_has(&a, "stderr"));
    mg_args_free(&a);

    TU_EQ_INT(mg_args_parse("--limit=-3 -- --stderr -n x", spec, &a, err), 0);
    TU_EQ_STR(mg_args_get(&a, "limit"), "-3");
    TU_CHECK(!mg_args_has(&a, "stderr"));
    TU_EQ_INT(a.npos, 3);
    TU_EQ_STR(mg_args_pos(&a, 0), "--stderr");
    TU_EQ_STR(mg_args_pos(&a, 1), "-n");
    mg_args_free(&a);

    /* negative numbers and a lone '-' are positional */
    TU_EQ_INT(mg_args_parse("-5 - -0.5", spec, &a, err), 0);
    TU_EQ_INT(a.npos, 3);
    TU_EQ_STR(mg_args_pos(&a, 0), "-5");
    TU_EQ_STR(mg_args_pos(&a, 1), "-");
    TU_EQ_STR(mg_args_pos(&a, 2), "-0.5");
    mg_args_free(&a);

    /* a value may itself start with '-' and may be quoted */
    TU_EQ_INT(
        mg_args_parse("--limit '-2' --max_results \"1 0\"", spec, &a, err), 0);
    TU_EQ_STR(mg_args_get(&a, "limit"), "-2");
    TU_EQ_STR(mg_args_get(&a, "max_results"), "1 0");
    mg_args_free(&a);
}

static void test_parse_errors(void)
{
    struct mg_args a;
    char err[YTK_ERR_LEN] = "";
    long lim = 42;

    TU_EQ_INT(mg_args_parse("--limt 5", spec, &a, err), -1);
    TU_CHECK(strstr(err, "unknown option --limt") != NULL);
    TU_CHECK(strstr(err, "did you mean --limit?") != NULL);
    TU_CHECK(strstr(err, "-n/--limit VALUE") != NULL);
    TU_CHECK(strstr(err, "--max_results VALUE") != NULL);
    TU_EQ_INT(a.npos + a.nopt, 0);

    TU_EQ_INT(mg_args_parse("--zzzzzzzz", spec, &a, err), -1);
    TU_CHECK(strstr(err, "unknown option --zzzzzzzz;") != NULL);
    TU_CHECK(strstr(err, "did you mean") == NULL);

    TU_EQ_INT(mg_args_parse("x --limit", spec, &a, err), -1);
    TU_CHECK(strstr(err, "--limit needs a value") != NULL);

    TU_EQ_INT(mg_args_parse("-n", spec, &a, err), -1);
    TU_CHECK(strstr(err, "-n/--limit needs a value") != NULL);

    TU_EQ_INT(mg_args_parse("--stderr=yes", spec, &a, err), -1);
    TU_CHECK(strstr(err, "--stderr is a flag") != NULL);

    TU_EQ_INT(mg_args_parse("--limit 1 -n 2", spec, &a, err), -1);
    TU_CHECK(strstr(err, "--limit given more than once") != NULL);

    TU_EQ_INT(mg_args_parse("-q", spec, &a, err), -1);
    TU_CHECK(strstr(err, "unknown option -q") != NULL);

    TU_EQ_INT(mg_args_parse("--x", NULL, &a, err), -1);
    TU_CHECK(strstr(err, "takes no options") != NULL);

    TU_EQ_INT(mg_args_parse("a 'b", spec, &a, err), -1);
    TU_CHECK(strstr(err, "unterminated") != NULL);

    TU_EQ_INT(mg_args_parse("--limit abc", spec, &a, err), 0);
    TU_EQ_INT(mg_args_get_long(&a, "limit", 1, 100, &lim, err), -1);
    TU_CHECK(strstr(err, "whole number from 1 to 100") != NULL);
    TU_EQ_INT(lim, 42);
    mg_args_free(&a);
    TU_EQ_INT(mg_args_parse("--limit 101", spec, &a, err), 0);
    TU_EQ_INT(mg_args_get_long(&a, "limit", 1, 100, &lim, err), -1);
    mg_args_free(&a);
    TU_EQ_INT(mg_args_parse("", spec, &a, err), 0);
    TU_EQ_INT(mg_args_get_long(&a, "limit", 1, 100, &lim, err), 0);
    TU_EQ_INT(lim, 42); /* absent: untouched */
    mg_args_free(&a);
}

static void test_distance(void)
{
    TU_EQ_INT(mg_args_distance("limit", "limit"), 0);
    TU_EQ_INT(mg_args_distance("limt", "limit"), 1);
    TU_EQ_INT(mg_args_distance("", "abc"), 3);
    TU_EQ_INT(mg_args_distance("kitten", "sitting"), 3);
}

int main(void)
{
    TU_RUN(test_split_quotes_and_escapes);
    TU_RUN(test_split_single_quotes_literal);
    TU_RUN(test_split_empty_and_blank);
    TU_RUN(test_split_unterminated);
    TU_RUN(test_split_tilde_is_home);
    TU_RUN(test_parse_forms);
    TU_RUN(test_parse_errors);
    TU_RUN(test_distance);
    return tu_report();
}
