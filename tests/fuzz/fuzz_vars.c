/* fuzz_vars.c -- libFuzzer target for kernel variables (mg_vars): the %set
 * value parser and the {NAME} substitution scanner of magic lines.
 *
 * Input: VALUE '\n' LINE ('\n' inside LINE is kept).  VALUE becomes the text
 * of variable `v` (and, parsed as written after %set, of `w`); LINE is
 * expanded.  Checks:
 *   - a refused %set value says why; an integer, real or date value written
 *     back by mg_var_format() parses again to the same type and value;
 *   - when LINE tokenizes, its expansion tokenizes too, into exactly as many
 *     words (a value never splits, merges or opens a word);
 *   - the word `{v}` alone expands to exactly one word equal to the value;
 *   - a line without '{' is copied unchanged;
 *   - an unknown {NAME} is refused with a message that lists the names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_args.h"
#include "mg_vars.h"

static int words(const char *s, char ***w)
{
    char err[YTK_ERR_LEN];
    int n = 0;

    *w = NULL;
    if (mg_args_split(s, &n, w, err) < 0)
        return -1;
    return n;
}

static void check_roundtrip(const struct mg_var *v)
{
    struct yt_buf b;
    struct mg_var back = {0};
    char err[YTK_ERR_LEN];

    if (v->type != MG_VAR_INT && v->type != MG_VAR_REAL &&
        v->type != MG_VAR_DATE)
        return;
    yt_buf_init(&b, 1024);
    if (mg_var_format(v, 1, &b) < 0)
        abort();
    if (mg_var_parse_value(yt_buf_str(&b), &back, err) < 0)
        abort();
    if (back.type != v->type)
        abort();
    if (v->type == MG_VAR_INT && back.i != v->i)
        abort();
    if (v->type == MG_VAR_REAL && back.r != v->r)
        abort();
    if (v->type == MG_VAR_DATE && strcmp(back.text, v->text) != 0)
        abort();
    mg_var_free(&back);
    yt_buf_free(&b);
}

static void check_expand(const char *line, const char *value)
{
    struct yt_buf b;
    char err[YTK_ERR_LEN], **w1 = NULL, **w2 = NULL;
    int n1, n2;

    yt_buf_init(&b, 8u << 20);
    if (mg_vars_expand(line, &b, err) < 0) {
        if (!err[0])
            abort();
        yt_buf_free(&b);
        return;
    }
    if (!strchr(line, '{') && strcmp(yt_buf_str(&b), line) != 0)
        abort();
    n1 = words(line, &w1);
    n2 = words(yt_buf_str(&b), &w2);
    if (n1 >= 0 && n2 != n1)
        abort();
    mg_args_free_words(w1);
    mg_args_free_words(w2);
    yt_buf_free(&b);

    yt_buf_init(&b, 8u << 20);
    if (mg_vars_expand("{v}", &b, err) < 0)
        abort();
    n2 = words(yt_buf_str(&b), &w2);
    if (n2 != 1 || strcmp(w2[0], value) != 0)
        abort();
    mg_args_free_words(w2);
    yt_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), *nl, err[YTK_ERR_LEN];
    const char *line;
    struct mg_var v = {0}, w = {0};
    struct yt_buf b;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    nl = strchr(s, '\n');
    line = nl ? nl + 1 : "";
    if (nl)
        *nl = '\0';

    mg_vars_clear();
    v.name = strdup("v");
    v.type = MG_VAR_TEXT;
    v.text = strdup(s);
    if (!v.name || !v.text || mg_vars_put(&v, err) < 0)
        abort();
    if (mg_var_parse_value(s, &w, err) == 0) {
        check_roundtrip(&w);
        w.name = strdup("w");
        if (!w.name || mg_vars_put(&w, err) < 0)
            abort();
    } else if (!err[0]) {
        abort();
    }
    check_expand(line, s);

    yt_buf_init(&b, 1024);
    if (mg_vars_expand("{unknown_name}", &b, err) == 0 ||
        !strstr(err, "known variables: v"))
        abort();
    yt_buf_free(&b);
    mg_vars_clear();
    free(s);
    return 0;
}
