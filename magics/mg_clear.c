/* mg_clear.c -- %clear [--wait]: clear the output of the current cell. */
#include "mg_interp.h"

static const struct mg_opt opts[] = {
    {"wait", 'w', 0, "clear only when the next output arrives (no flicker)"},
    {0},
};

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    if (mg_usage_max_words(c, a, "clear", 0) < 0)
        return -1;
    kn_exec_clear_output(c->x, mg_args_has(a, "wait"));
    return 0;
}

const struct mg_magic mg_clear_magic = {
    .name = "clear",
    .summary = "Clear the output of this cell",
    .help = "Usage: %clear [--wait]\n"
            "\n"
            "Clears everything the cell has shown so far (clear_output).\n",
    .opts = opts,
    .line = run_line,
};
