/* mg_lsmagic.c -- %lsmagic: list line and cell magics with their summary. */
#include "mg_interp.h"

#include <stdio.h>

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    const struct mg_magic *const *all = mg_registry_all();
    struct yt_buf b;
    int i, k, rc = -1;

    if (mg_usage_max_words(c, a, "lsmagic", 0) < 0)
        return -1;
    yt_buf_init(&b, 1u << 20);
    for (k = 0; k < 2; k++) {
        if (yt_buf_adds(&b, k == 0 ? "Line magics:\n" : "\nCell magics:\n") < 0)
            goto oom;
        for (i = 0; all[i]; i++) {
            char nm[80];

            if ((k == 0 && !all[i]->line) || (k == 1 && !all[i]->cell))
                continue;
            snprintf(nm, sizeof nm, "%s%s", k ? "%%" : "%", all[i]->name);
            if (yt_buf_addf(&b, "  %-14s %s\n", nm,
                            all[i]->summary ? all[i]->summary : "") < 0)
                goto oom;
        }
    }
    if (yt_buf_adds(&b, "\nRun %help NAME (or NAME?) for the usage of one.\n") <
        0)
        goto oom;
    kn_exec_stream(c->x, 0, yt_buf_str(&b));
    rc = 0;
    goto out;
oom:
    kn_exec_fail(c->x, "MemoryError", "out of memory");
out:
    yt_buf_free(&b);
    return rc;
}

const struct mg_magic mg_lsmagic_magic = {
    .name = "lsmagic",
    .summary = "List the line and cell magics",
    .help = "Usage: %lsmagic\n"
            "\n"
            "Lists every line magic (%name) and cell magic (%%name) with a\n"
            "one-line summary.\n",
    .line = run_line,
};
