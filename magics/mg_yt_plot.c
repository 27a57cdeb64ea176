/* mg_yt_plot.c -- %yt_plot (placeholder until its issue lands: fails clearly). */
#include "mg_registry.h"

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    kn_exec_fail(c->x, "NotImplementedError", "%%yt_plot is not built yet");
    return -1;
}

const struct mg_magic mg_yt_plot_magic = {
    .name = "yt_plot",
    .summary = "(not built yet)",
    .help = "%yt_plot is not built yet.",
    .line = run_line,
};
