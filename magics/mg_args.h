/* mg_args.h -- tokenizer and option parser for magic lines.
 *
 * Tokenizing follows POSIX shell quoting without expansion: words split on
 * blanks, 'single' and "double" quotes group (backslash escapes inside double
 * quotes and outside quotes).  The one expansion is the shell's tilde: an
 * unquoted `~` or `~/...` starting a word (or the VALUE of --name=VALUE) is
 * $HOME (left as it is when HOME is unset; `~user` is not expanded), so
 * `--save ~/charts/x.png` writes under the home folder as in a shell.  Options
 * are `--name value`, `--name=value`,
 * `-x value` for an option with a short name, and flags `--name` / `-x`.
 * `--` ends options.  Everything else is a positional argument, in order.
 *
 * Errors (unterminated quote, unknown option, missing value, repeated option)
 * are returned as -1 with a message naming the problem and listing the valid
 * options.  All memory belongs to the mg_args and is released by
 * mg_args_free().
 *
 * Invariants (YTK_ASSERT): npos and nopt are >= 0 and every pos[], optname[]
 * and optval[] entry is a string ("" for a flag's value), never NULL.
 */
#ifndef MG_ARGS_H
#define MG_ARGS_H

#include <stddef.h>

#include "yt_err.h"

struct mg_opt {
    const char *name; /* long name without dashes, e.g. "limit" */
    char shortname;   /* 0 when none */
    int takes_value;  /* 1 = needs a value, 0 = flag */
    const char *help; /* one line, shown in usage and completion */
};

struct mg_args {
    int npos;
    char **pos; /* positional words */
    int nopt;
    char **optname; /* long names of options given */
    char **optval;  /* their values ("" for flags) */
};

/* Split `line` into words.  On success returns 0 and sets *argv (NULL
 * terminated; free with mg_args_free_words) and *argc. */
int mg_args_split(const char *line, int *argc, char ***argv,
                  char err[YTK_ERR_LEN]);
void mg_args_free_words(char **argv);

/* Tokenize and parse `line` against `spec` (may be NULL: every option is then
 * an error).  Returns 0 or -1 with err filled. */
int mg_args_parse(const char *line, const struct mg_opt *spec,
                  struct mg_args *out, char err[YTK_ERR_LEN]);
void mg_args_free(struct mg_args *a);

/* Value of option `name`, or NULL when not given ("" for a given flag). */
const char *mg_args_get(const struct mg_args *a, const char *name);
/* Non-zero when option `name` was given. */
int mg_args_has(const struct mg_args *a, const char *name);
/* Positional word i, or NULL. */
const char *mg_args_pos(const struct mg_args *a, int i);
/* Parse option `name` as a long in [lo, hi]; returns 0 and sets *out (left
 * untouched when the option is absent), -1 with err when malformed. */
int mg_args_get_long(const struct mg_args *a, const char *name, long lo,
                     long hi, long *out, char err[YTK_ERR_LEN]);

/* Edit distance (Levenshtein, bytes) between a and b, capped at 100; used
 * for "did you mean" suggestions. */
int mg_args_distance(const char *a, const char *b);

#endif /* MG_ARGS_H */
