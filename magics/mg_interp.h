/* mg_interp.h -- the ytkernel cell language: SQL over the session store plus
 * magics, plugged into the kernel through `struct kn_interp`.
 *
 * mg_interp_create() creates `home` (mode 0700) when needed, opens
 * `home/store.sqlite` (WAL, foreign keys on, extension loading off, busy
 * timeout) and fills `out` with the hooks (execute, complete, inspect,
 * is_complete, eval_expression, language_info, help_links, shutdown) and the
 * kernel_info strings.  `out->self` is the interpreter state; it is owned by
 * the interpreter and released by mg_interp_destroy(), which also closes the
 * store.  `home` is copied (a trailing slash is removed).
 *
 * Cell semantics (see magics/README.md): a line starting with `%name` (after
 * optional blanks) is a line magic; a first line `%%name args` makes the whole
 * cell a cell magic whose body is the rest; `name?`, `%name?` and
 * `%name --help` page the magic's help; everything else is SQL, run statement
 * by statement in order.  The last row-producing statement is the
 * execute_result, earlier ones are display_data.
 */
#ifndef MG_INTERP_H
#define MG_INTERP_H

#include <sys/types.h>

#include "kn_interp.h"
#include "mg_args.h"
#include "mg_registry.h"
#include "yt_buf.h"

/* Version string of ytkernel as shown in kernel_info and %version. */
#ifndef YTK_VERSION
#define YTK_VERSION "0.1.0"
#endif

/* mkdir -p: creates every missing component of path with mode (the one
 * copy for the executable and the interpreter).  Returns 0 when path is a
 * directory, else -1 with errno set and, when err is not NULL, a message. */
int mg_mkdirs(const char *path, mode_t mode, char err[YTK_ERR_LEN]);

/* Returns 0 and fills *out, or -1 with a message in err (nothing to free). */
int mg_interp_create(const char *home, struct kn_interp *out,
                     char err[YTK_ERR_LEN]);

/* A kernel whose store cannot be opened (YTK_HOME a file, unwritable...):
 * it starts all the same, so the notebook shows why -- a kernel exiting at
 * start is only "died, restarting" in JupyterLab -- and every cell fails
 * with a SetupError quoting `why` and how to fix it.  Completion and
 * inspection find nothing.  Returns 0, or -1 when out of memory.  Freed by
 * mg_interp_destroy. */
int mg_interp_create_unusable(const char *why, struct kn_interp *out);

/* Close the store and free the state; *in is zeroed.  Safe on a zeroed or
 * already destroyed interp. */
void mg_interp_destroy(struct kn_interp *in);

/* ---- Pure helpers, exposed for unit tests and fuzzing ---- */

enum mg_part_kind {
    MG_PART_SQL = 0, /* text: SQL (one or more statements, lines joined) */
    MG_PART_LINE,    /* text: the magic line after '%' ("name args") */
    MG_PART_CELL,    /* text: "name args" of the %% line; body: the rest */
    MG_PART_HELP     /* text: magic name whose help is asked for */
};

struct mg_part {
    enum mg_part_kind kind;
    char *text; /* owned */
    char *body; /* owned, MG_PART_CELL only (may be "") */
    int lineno; /* 1-based line where the part starts */
};

/* Split a cell into parts in order.  Returns the number of parts (>= 0) and
 * sets *parts (free with mg_cell_free), or -1 with err (e.g. `%%` on a line
 * other than the first). */
int mg_cell_split(const char *code, struct mg_part **parts,
                  char err[YTK_ERR_LEN]);
void mg_cell_free(struct mg_part *parts, int n);

/* Usage check shared by the magics (mg_help.c): fails the cell with a
 * UsageError naming the magic, the first extra word and where to read the
 * usage when more than `max` positional words were given.  Returns 0 or -1
 * after kn_exec_fail(). */
int mg_usage_max_words(struct mg_ctx *c, const struct mg_args *a,
                       const char *magic, int max);

/* Help texts (mg_help.c).  Both append to out; 0 or -1 when out is full. */
/* Full help page of one magic: usage, help text, generated option list. */
int mg_help_format(const struct mg_magic *m, struct yt_buf *out);
/* Overview: the cell language and every magic with its summary.  `home` may
 * be NULL. */
int mg_help_overview(const char *home, struct yt_buf *out);

#endif /* MG_INTERP_H */
