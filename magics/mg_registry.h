/* mg_registry.h -- the table of magics and the context a magic runs in.
 *
 * Every magic is one `const struct mg_magic` defined in its own file
 * (mg_help.c, mg_yt_fetch.c, ...) and listed once in mg_registry.c.  The
 * kernel never sees this table: the interpreter (mg_interp.c) parses a magic
 * line, looks the name up here, parses its options with mg_args against
 * `opts`, and calls `line` or `cell`.
 *
 * A handler returns 0 on success or -1 after kn_exec_fail(c->x, ...).
 * Invariants (YTK_ASSERT): every magic has a name and a line or a cell
 * handler; a handler never returns a positive value.
 */
#ifndef MG_REGISTRY_H
#define MG_REGISTRY_H

#include <sqlite3.h>
#include "kn_exec.h"
#include "mg_args.h"

/* What a magic may use while it runs.  Owned by the interpreter. */
struct mg_ctx {
    struct kn_exec *x; /* publish output, fail, ask input, check interrupt */
    sqlite3 *db;       /* the session store ($YTK_HOME/store.sqlite) */
    const char *home;  /* $YTK_HOME, created, no trailing slash */
};

struct mg_magic {
    const char *name;    /* without '%', e.g. "yt_fetch" */
    const char *summary; /* one line for %lsmagic */
    const char *help;    /* full usage text for %help NAME, NAME? and inspect */
    const struct mg_opt *opts; /* option spec, ends with {0}; may be NULL */
    const char *const *subcommands; /* first positional words, NULL-terminated;
                                       used for completion; may be NULL */
    /* 1: the handler reads its arguments itself: no {NAME} substitution,
     * no tokenizing; `a` holds one positional word, the text after the
     * name (blanks trimmed), or none.  Only `--help` alone pages the help.
     * 0 (the default): mg_args parses `opts` after {NAME} substitution. */
    int raw_args;
    /* Tab completion of positional word `n` (0 = the first after the
     * name; `first` is that first word when n > 0, else NULL): calls
     * add(arg, word) for every word that may stand there (the caller keeps
     * those starting with what was typed) and returns 1; returns 0 for the
     * default (the subcommands at n == 0 when there are any, else tables
     * and columns).  May be NULL. */
    int (*complete)(int n, const char *first,
                    void (*add)(void *arg, const char *word), void *arg);
    /* Line form `%name args`.  NULL if the magic has no line form. */
    int (*line)(struct mg_ctx *c, const struct mg_args *a);
    /* Cell form `%%name args` + body.  NULL if the magic has no cell form. */
    int (*cell)(struct mg_ctx *c, const struct mg_args *a, const char *body);
};

/* Look a magic up by name (without % signs); NULL when unknown. */
const struct mg_magic *mg_registry_find(const char *name);

/* The NULL-terminated list of all magics, sorted by name. */
const struct mg_magic *const *mg_registry_all(void);

#endif /* MG_REGISTRY_H */
