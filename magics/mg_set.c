/* mg_set.c -- %set: kernel variables (see mg_vars.h).
 *
 *   %set                    list the variables, with values and types
 *   %set NAME               show one
 *   %set NAME VALUE         set one (also %set NAME = VALUE)
 *
 * The magic reads its own arguments (raw_args): a value keeps its quotes,
 * which decide its type ('42' is text, 42 an integer). */
#include "mg_interp.h"
#include "mg_vars.h"

#include <stdlib.h>

#define LIST_MAX (8u << 20)

static int show(struct mg_ctx *c, const struct mg_var *v, struct yt_buf *b)
{
    if (mg_var_describe(v, b) < 0 || yt_buf_add(b, "\n", 1) < 0) {
        kn_exec_fail(c->x, "MemoryError", "out of memory listing variables");
        return -1;
    }
    return 0;
}

static int list_all(struct mg_ctx *c)
{
    struct yt_buf b;
    int i, n = mg_vars_count(), rc = 0;

    if (n == 0) {
        kn_exec_printf(c->x, 0,
                       "No variables are set.  Set one with %%set NAME "
                       "VALUE; use it as :NAME in SQL, {NAME} in magics.\n");
        return 0;
    }
    yt_buf_init(&b, LIST_MAX);
    for (i = 0; i < n && rc == 0; i++)
        rc = show(c, mg_vars_at(i), &b);
    if (rc == 0)
        kn_exec_printf(c->x, 0, "%s", yt_buf_str(&b));
    yt_buf_free(&b);
    return rc;
}

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    const char *args = mg_args_pos(a, 0);
    char err[YTK_ERR_LEN];
    struct mg_var v;
    int rc;

    if (!args || !*args)
        return list_all(c);
    rc = mg_vars_parse_set(args, &v, err);
    if (rc < 0) {
        kn_exec_fail(c->x, "UsageError", "%%set: %s", err);
        return -1;
    }
    if (rc == 0) { /* NAME alone: show it */
        const struct mg_var *cur = mg_vars_get(v.name);
        struct yt_buf b;

        if (!cur) {
            mg_vars_unknown(v.name, "", err);
            mg_var_free(&v);
            kn_exec_fail(c->x, "UsageError", "%%set: %s", err);
            return -1;
        }
        mg_var_free(&v);
        yt_buf_init(&b, LIST_MAX);
        rc = show(c, cur, &b);
        if (rc == 0)
            kn_exec_printf(c->x, 0, "%s", yt_buf_str(&b));
        yt_buf_free(&b);
        return rc;
    }
    if (mg_vars_put(&v, err) < 0) {
        kn_exec_fail(c->x, "UsageError", "%%set: %s", err);
        return -1;
    }
    return 0;
}

/* Tab after %set: the names of the variables (a new name is typed whole). */
static int complete_vars(int n, const char *first,
                         void (*add)(void *arg, const char *word), void *arg)
{
    int i, nv = mg_vars_count();

    (void)first;
    if (n > 0)
        return 1; /* the value: nothing to offer */
    for (i = 0; i < nv; i++)
        add(arg, mg_vars_at(i)->name);
    return 1;
}

const struct mg_magic mg_set_magic = {
    .name = "set",
    .summary = "Set, show or list kernel variables (:NAME in SQL, {NAME} in "
               "magics)",
    .help = "Usage: %set [NAME [[=] VALUE]]\n"
            "\n"
            "Kernel variables live for the session.  %set NAME VALUE (or\n"
            "%set NAME = VALUE) sets one, %set NAME shows it, %set alone\n"
            "lists them all, %unset NAME removes one.  NAME is letters,\n"
            "digits and _ (not starting with a digit), case-sensitive.\n"
            "\n"
            "The type comes from how VALUE is written:\n"
            "  42, -7                 integer\n"
            "  3.5, 2.0, 1e6          real\n"
            "  2026-12-05             date (bound as the text YYYY-MM-DD)\n"
            "  true, false            integer 1, 0\n"
            "  NULL                   NULL\n"
            "  'GB', \"two words\"      text, always (quoted as in magics)\n"
            "  anything else          text: the rest of the line, trimmed\n"
            "\n"
            "Using them:\n"
            "  SQL         :NAME or $NAME is bound with sqlite3_bind_*, never\n"
            "              pasted into the SQL text, so a value with quotes\n"
            "              or ; stays data:  SELECT * FROM videos WHERE\n"
            "              region = :region LIMIT :n\n"
            "  magics      {NAME} is replaced by the value as (part of) one\n"
            "              argument, quoted safely:  %yt_fetch videos\n"
            "              --chart mostPopular --region {region}\n"
            "              Inside '...' nothing is replaced; \\{ is a\n"
            "              literal brace.\n"
            "An unknown name is an error that lists the known ones.  Tab\n"
            "completes names after : $ {, and Shift-Tab shows a value.\n"
            "papermill -p NAME VALUE injects %set lines (see\n"
            "papermill-ytkernel/README.md).\n",
    .raw_args = 1,
    .complete = complete_vars,
    .line = run_line,
};
