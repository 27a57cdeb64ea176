/* mg_unset.c -- %unset NAME...: remove kernel variables (see mg_vars.h). */
#include "mg_interp.h"
#include "mg_vars.h"

static int run_line(struct mg_ctx *c, const struct mg_args *a)
{
    const char *args = mg_args_pos(a, 0);
    char err[YTK_ERR_LEN], **w = NULL;
    int i, n = 0, rc = -1;

    if (!args || mg_args_split(args, &n, &w, err) < 0 || n == 0) {
        kn_exec_fail(c->x, "UsageError",
                     "%%unset needs the NAME of a variable; %%set lists "
                     "them");
        goto out;
    }
    /* check all names first: all or nothing */
    for (i = 0; i < n; i++) {
        if (!mg_vars_get(w[i])) {
            mg_vars_unknown(w[i], "", err);
            kn_exec_fail(c->x, "UsageError", "%%unset: %s", err);
            goto out;
        }
    }
    for (i = 0; i < n; i++)
        mg_vars_unset(w[i]);
    rc = 0;
out:
    mg_args_free_words(w);
    return rc;
}

/* Tab after %unset: the names of the variables. */
static int complete_vars(int n, const char *first,
                         void (*add)(void *arg, const char *word), void *arg)
{
    int i, nv = mg_vars_count();

    (void)first;
    (void)n;
    for (i = 0; i < nv; i++)
        add(arg, mg_vars_at(i)->name);
    return 1;
}

const struct mg_magic mg_unset_magic = {
    .name = "unset",
    .summary = "Remove kernel variables set with %set",
    .help = "Usage: %unset NAME [NAME...]\n"
            "\n"
            "Removes the variables (all or none: an unknown NAME is an\n"
            "error listing the known ones).  {NAME} is not replaced on this\n"
            "line.  %set alone lists the variables.\n",
    .raw_args = 1,
    .complete = complete_vars,
    .line = run_line,
};
