/* mg_displaylimit.c -- %displaylimit [N]: how many rows a result table
 * shows (first half + last half when truncated). */
#include "mg_interp.h"
#include "mg_table.h"

#include <stdlib.h>

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    const char *v = mg_args_pos(a, 0);
    int n;

    if (mg_usage_max_words(c, a, "displaylimit", 1) < 0)
        return -1;
    if (v) {
        char *end = NULL;
        long l = strtol(v, &end, 10);

        if (!*v || *end || l < 1 || l > MG_TABLE_LIMIT_MAX) {
            kn_exec_fail(c->x, "UsageError",
                         "%%displaylimit expects a whole number of rows from "
                         "1 to %d, got '%.40s'",
                         MG_TABLE_LIMIT_MAX, v);
            return -1;
        }
        mg_table_set_default_limit((int)l);
    }
    n = mg_table_default_limit();
    kn_exec_printf(c->x, 0, "Tables show up to %d row%s", n, n == 1 ? "" : "s");
    if (n > 1)
        kn_exec_printf(c->x, 0,
                       " (the first %d and the last %d when there "
                       "are more)",
                       n - n / 2, n / 2);
    kn_exec_printf(c->x, 0, ".\n");
    return 0;
}

const struct mg_magic mg_displaylimit_magic = {
    .name = "displaylimit",
    .summary = "Show or set how many rows a result table shows",
    .help = "Usage: %displaylimit [N]\n"
            "\n"
            "Without N, says how many rows result tables show (default 10:\n"
            "the first 5 and the last 5, with a note \"Showing 10 of M\n"
            "rows\").  With N (1 to 10000), sets it for this session.  All\n"
            "rows are always counted; only the shown ones are kept in\n"
            "memory.  Use LIMIT and OFFSET in SQL to page through a result.\n",
    .line = run_line,
};
