/* mg_vars.h -- kernel variables: `%set NAME VALUE` values kept for the
 * session, bound into SQL as `:NAME` / `$NAME` and substituted into magic
 * lines as `{NAME}`.
 *
 * A variable has a name (ASCII letter or '_', then letters, digits, '_'; at
 * most MG_VAR_NAME_MAX bytes; case-sensitive like SQLite's parameter names)
 * and a typed value: integer, real, text, date (ISO YYYY-MM-DD, kept as text)
 * or NULL.  The typing rules of a written value are mg_var_parse_value()'s.
 *
 * The session table is process-wide (one kernel = one session, like
 * %displaylimit): mg_vars_put() takes ownership of the variable it is given,
 * mg_vars_get()/mg_vars_at() return pointers owned by the table, valid until
 * the next put/unset/clear.  mg_var_free() releases a variable the caller
 * owns (one filled by mg_var_parse_value or mg_vars_parse_set).
 *
 * Values never become SQL text: mg_vars_bind() binds them with
 * sqlite3_bind_*(), SQLite's own tokenizer finds the parameters (so quotes,
 * comments and strings in the SQL are never scanned here).  In magic lines
 * mg_vars_expand() replaces `{NAME}` by the value quoted for mg_args'
 * tokenizer, so one value is always one (part of one) argument.
 */
#ifndef MG_VARS_H
#define MG_VARS_H

#include <sqlite3.h>

#include "mg_args.h"
#include "yt_buf.h"

#define MG_VAR_NAME_MAX 64
#define MG_VAR_VALUE_MAX (1u << 20) /* bytes of a text value */
#define MG_VARS_MAX 1000            /* variables in a session */

enum mg_var_type {
    MG_VAR_NULL = 0,
    MG_VAR_INT,
    MG_VAR_REAL,
    MG_VAR_TEXT,
    MG_VAR_DATE
};

struct mg_var {
    char *name; /* owned, may be NULL in a bare value */
    enum mg_var_type type;
    long long i; /* MG_VAR_INT */
    double r;    /* MG_VAR_REAL (finite) */
    char *text;  /* owned: MG_VAR_TEXT and MG_VAR_DATE, NULL otherwise */
};

/* ---- pure helpers (no session state) ---- */

/* Type a written value (already trimmed of surrounding blanks):
 *   'quoted' or "quoted" (mg_args quoting, one word)  -> text, always;
 *   -12, 42                                           -> integer;
 *   3.5, -1e3, 2.0                                    -> real;
 *   2026-12-05 (a valid calendar date)                -> date;
 *   true / false (any case)                           -> integer 1 / 0;
 *   NULL (any case)                                   -> NULL;
 *   anything else                                     -> text, verbatim.
 * Returns 0 and fills *out (name untouched, NULL), or -1 with err. */
int mg_var_parse_value(const char *text, struct mg_var *out,
                       char err[YTK_ERR_LEN]);

/* Parse the arguments of %set: "NAME VALUE" or "NAME = VALUE" (blanks
 * around '=' optional).  Returns 1 with a full variable in *out, 0 when only
 * a NAME was given (out->name set, type NULL), -1 with err. */
int mg_vars_parse_set(const char *args, struct mg_var *out,
                      char err[YTK_ERR_LEN]);

/* Non-zero when s is a valid variable name. */
int mg_var_name_ok(const char *s);

/* The value as text: integers in decimal, reals in the shortest form that
 * reads back the same (always with '.' or 'e'), text and dates as they are,
 * NULL as "" (or "NULL" when `sql_null`).  Appends to out; 0 or -1. */
int mg_var_format(const struct mg_var *v, int sql_null, struct yt_buf *out);

/* "integer", "real", "text", "date" or "null". */
const char *mg_var_type_name(enum mg_var_type t);

/* One line describing a variable, e.g. `region = 'GB'  (text)`, the way
 * %set would read it back.  Appends to out; 0 or -1. */
int mg_var_describe(const struct mg_var *v, struct yt_buf *out);

/* Release what v owns and zero it (safe on a zeroed variable). */
void mg_var_free(struct mg_var *v);

/* ---- the session table ---- */

/* Store v under v->name (replacing an older value); takes ownership of what
 * v holds and zeroes *v, also on failure.  0, or -1 with err (too many
 * variables). */
int mg_vars_put(struct mg_var *v, char err[YTK_ERR_LEN]);
/* The variable called name, or NULL. */
const struct mg_var *mg_vars_get(const char *name);
/* Remove name; 0, or -1 when there is no such variable. */
int mg_vars_unset(const char *name);
/* Number of variables; mg_vars_at(i) in name order (NULL past the end). */
int mg_vars_count(void);
const struct mg_var *mg_vars_at(int i);
/* Remove every variable. */
void mg_vars_clear(void);

/* Error text for an unknown variable, e.g. "unknown variable regoin (did you
 * mean region?); known variables: days, region" (names only, never values);
 * `sigil` is written before the names (":", "$", "{" ... or ""). */
void mg_vars_unknown(const char *name, const char *sigil,
                     char err[YTK_ERR_LEN]);

/* Bind every parameter of st from the session: `:NAME` and `$NAME` take
 * variable NAME; `?`, `?NNN`, `@NAME` and unknown names are errors (an
 * unbound parameter would silently be NULL).  Returns 0, or -1 with err
 * naming the parameter and the known variables. */
int mg_vars_bind(sqlite3_stmt *st, char err[YTK_ERR_LEN]);

/* Replace each `{NAME}` in a magic line by the value of variable NAME,
 * quoted for mg_args_split() so that it is exactly the characters of the
 * value inside the word it appears in: outside quotes as a '...' group,
 * inside "..." with \" and \\ escaped.  Inside '...' nothing is replaced
 * (single quotes are literal), `\{` is a literal brace, and `{` not followed
 * by NAME and `}` stays as it is.  Appends to out; 0, or -1 with err for an
 * unknown name or a full buffer. */
int mg_vars_expand(const char *line, struct yt_buf *out, char err[YTK_ERR_LEN]);

#endif /* MG_VARS_H */
