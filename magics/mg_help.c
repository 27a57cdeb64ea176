/* mg_help.c -- %help [magic] and the help texts used by `name?`, `--help`
 * and inspect_request.  The option list of a magic is generated from its
 * `opts` table, so usage and parser never disagree. */
#include "mg_interp.h"

#include <stdio.h>
#include <string.h>

/* Append the subcommands, wrapped at ~72 columns. */
static int add_subcommands(const struct mg_magic *m, struct yt_buf *out)
{
    size_t col = 0;
    int i;

    if (yt_buf_adds(out, "\nSubcommands (first word):\n ") < 0)
        return -1;
    col = 1;
    for (i = 0; m->subcommands[i]; i++) {
        size_t w = strlen(m->subcommands[i]) + 1;

        if (col + w > 72) {
            if (yt_buf_adds(out, "\n ") < 0)
                return -1;
            col = 1;
        }
        if (yt_buf_addf(out, " %s", m->subcommands[i]) < 0)
            return -1;
        col += w;
    }
    return yt_buf_adds(out, "\n");
}

int mg_help_format(const struct mg_magic *m, struct yt_buf *out)
{
    int i, documented = 0;
    char probe[80];

    if (yt_buf_addf(out, "%s%s -- %s\n\n", m->line ? "%" : "%%", m->name,
                    m->summary ? m->summary : "") < 0)
        return -1;
    if (m->help && (yt_buf_adds(out, m->help) < 0 ||
                    (m->help[0] && m->help[strlen(m->help) - 1] != '\n' &&
                     yt_buf_adds(out, "\n") < 0)))
        return -1;
    /* The generated list is complete (it is the parser's table); when the
     * help text already explains the options it is the reference list. */
    if (m->opts && m->opts[0].name) {
        snprintf(probe, sizeof probe, "--%s", m->opts[0].name);
        documented = m->help && strstr(m->help, probe) != NULL;
    }
    if (yt_buf_adds(out, documented ? "\nAll options:\n" : "\nOptions:\n") < 0)
        return -1;
    for (i = 0; m->opts && m->opts[i].name; i++) {
        const struct mg_opt *o = &m->opts[i];
        char lhs[96];

        if (o->shortname)
            snprintf(lhs, sizeof lhs, "-%c, --%s%s", o->shortname, o->name,
                     o->takes_value ? " VALUE" : "");
        else
            snprintf(lhs, sizeof lhs, "    --%s%s", o->name,
                     o->takes_value ? " VALUE" : "");
        if (yt_buf_addf(out, "  %-28s %s\n", lhs, o->help ? o->help : "") < 0)
            return -1;
    }
    if (yt_buf_addf(out, "  %-28s %s\n", "-h, --help", "show this help") < 0)
        return -1;
    if (m->subcommands && m->subcommands[0] && add_subcommands(m, out) < 0)
        return -1;
    if (yt_buf_adds(out, "\n") < 0)
        return -1;
    if (m->line && yt_buf_addf(out,
                               "Line magic: %%%s ARGS (any line of a "
                               "cell)\n",
                               m->name) < 0)
        return -1;
    if (m->cell && yt_buf_addf(out,
                               "Cell magic: %%%%%s ARGS as the first "
                               "line; the rest of the cell is its "
                               "body\n",
                               m->name) < 0)
        return -1;
    return 0;
}

static const char overview[] =
    "A cell holds SQL (SQLite dialect) and magics:\n"
    "\n"
    "  SELECT ...;       SQL: statements run in order; the rows of the last\n"
    "                    query are the cell's result (a table, or the plain\n"
    "                    value of a single value); 10 rows are shown, the\n"
    "                    first 5 and the last 5 (see %displaylimit)\n"
    "  %name args        a line magic (any line of the cell)\n"
    "  %%name args       a cell magic (first line; the rest of the cell is\n"
    "                    its body)\n"
    "  %name? or name?   help of a magic (or %name --help)\n"
    "  table?            columns and size of a table\n"
    "\n"
    "Arguments are quoted like in a shell ('...' or \"...\"); options are\n"
    "--name VALUE, --name=VALUE or -x VALUE; -- ends the options.\n"
    "Tab completes magics, options, tables, columns and SQL keywords;\n"
    "Shift-Tab shows the help of a magic or the schema of a table.\n";

int mg_help_overview(const char *home, struct yt_buf *out)
{
    const struct mg_magic *const *all = mg_registry_all();
    int i;

    if (yt_buf_addf(out, "ytkernel %s -- the cell language\n\n", YTK_VERSION) <
            0 ||
        yt_buf_adds(out, overview) < 0)
        return -1;
    if (home && yt_buf_addf(out, "\nThe store: %s/store.sqlite\n", home) < 0)
        return -1;
    if (yt_buf_adds(out, "\nMagics:\n") < 0)
        return -1;
    for (i = 0; all[i]; i++) {
        char nm[80];

        snprintf(nm, sizeof nm, "%s%s", all[i]->line ? "%" : "%%",
                 all[i]->name);
        if (yt_buf_addf(out, "  %-16s  %s\n", nm,
                        all[i]->summary ? all[i]->summary : "") < 0)
            return -1;
    }
    return yt_buf_adds(out, "\nRun %help NAME for the usage of one magic.\n");
}

int mg_usage_max_words(struct mg_ctx *c, const struct mg_args *a,
                       const char *magic, int max)
{
    if (a->npos <= max)
        return 0;
    if (max == 0)
        kn_exec_fail(c->x, "UsageError",
                     "%%%s takes no arguments (got '%.40s'); see %%%s?", magic,
                     a->pos[0], magic);
    else
        kn_exec_fail(c->x, "UsageError",
                     "%%%s takes at most %d argument%s, got %d (extra: "
                     "'%.40s'); see %%%s?",
                     magic, max, max == 1 ? "" : "s", a->npos, a->pos[max],
                     magic);
    return -1;
}

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    struct yt_buf b;
    const char *name = mg_args_pos(a, 0);
    int rc = -1;

    yt_buf_init(&b, 1u << 20);
    if (mg_usage_max_words(c, a, "help", 1) < 0)
        goto out;
    if (name) {
        const struct mg_magic *m;

        while (*name == '%')
            name++;
        m = mg_registry_find(name);
        if (!m) {
            kn_exec_fail(c->x, "UsageError",
                         "no magic named %%%.60s; run %%lsmagic to list them",
                         name);
            goto out;
        }
        if (mg_help_format(m, &b) < 0)
            goto oom;
    } else if (mg_help_overview(c->home, &b) < 0) {
        goto oom;
    }
    kn_exec_page(c->x, yt_buf_str(&b));
    rc = 0;
    goto out;
oom:
    kn_exec_fail(c->x, "MemoryError", "out of memory while formatting help");
out:
    yt_buf_free(&b);
    return rc;
}

/* Tab after %help: the magic names. */
static int complete_help(int n, const char *first,
                         void (*add)(void *arg, const char *word), void *arg)
{
    const struct mg_magic *const *all = mg_registry_all();
    int i;

    (void)first;
    if (n > 0)
        return 1;
    for (i = 0; all[i]; i++)
        add(arg, all[i]->name);
    return 1;
}

const struct mg_magic mg_help_magic = {
    .name = "help",
    .summary = "Show how cells work, or the usage of one magic",
    .help = "Usage: %help [MAGIC]\n"
            "\n"
            "Without an argument, explains the cell language (SQL, magics,\n"
            "completion) and lists every magic.  With a magic name (with or\n"
            "without %), shows its usage.  `name?` and `%name --help` do the\n"
            "same for one magic; `table?` shows the columns of a table.\n",
    .complete = complete_help,
    .line = run_line,
};
