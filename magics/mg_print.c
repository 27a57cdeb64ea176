/* mg_print.c -- %print [--stderr] TEXT and %%print [--stderr] + body: write
 * text to the cell's stdout or stderr stream. */
#include "mg_interp.h"

#include <string.h>

static const struct mg_opt opts[] = {
    {"stderr", 'e', 0, "write to stderr instead of stdout"},
    {0},
};

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    struct yt_buf b;
    int i, err = mg_args_has(a, "stderr");

    yt_buf_init(&b, 64u << 20);
    for (i = 0; i < a->npos; i++)
        if ((i && yt_buf_adds(&b, " ") < 0) || yt_buf_adds(&b, a->pos[i]) < 0)
            goto oom;
    if (yt_buf_adds(&b, "\n") < 0)
        goto oom;
    kn_exec_stream(c->x, err, yt_buf_str(&b));
    yt_buf_free(&b);
    return 0;
oom:
    kn_exec_fail(c->x, "MemoryError", "text too long for %%print");
    return -1;
}

static int run_cell(struct mg_ctx *c, const struct mg_args *a, const char *body)
{
    size_t n = strlen(body);

    if (a->npos > 0) {
        kn_exec_fail(c->x, "UsageError",
                     "%%%%print prints its body; put the text below the "
                     "%%%%print line (got '%.40s' on it)",
                     a->pos[0]);
        return -1;
    }
    kn_exec_stream(c->x, mg_args_has(a, "stderr"), body);
    if (n == 0 || body[n - 1] != '\n')
        kn_exec_stream(c->x, mg_args_has(a, "stderr"), "\n");
    return 0;
}

const struct mg_magic mg_print_magic = {
    .name = "print",
    .summary = "Print text to stdout (or stderr)",
    .help = "Usage: %print [--stderr] TEXT...\n"
            "       %%print [--stderr]\n"
            "       BODY\n"
            "\n"
            "Prints TEXT (its words joined by one space; quote to keep\n"
            "spacing) followed by a newline.  The cell form prints the body\n"
            "of the cell verbatim.\n",
    .opts = opts,
    .line = run_line,
    .cell = run_cell,
};
