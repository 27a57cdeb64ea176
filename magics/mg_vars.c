/* mg_vars.c -- kernel variables: typing, the session table, SQL binding and
 * {NAME} substitution in magic lines.  See mg_vars.h.
 *
 * The table is a sorted array of struct mg_var (few variables; linear and
 * memmove are fine).  It lives for the process, like the kernel session.
 */
#include "mg_vars.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yt_err.h"

static struct mg_var *vars;
static int nvars, capvars;

/* ------------------------------------------------------------- typing */

static int name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int name_char(unsigned char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* Length of the variable name at s (0 when none). */
static size_t name_len(const char *s)
{
    size_t n = 0;

    if (!name_start((unsigned char)s[0]))
        return 0;
    while (name_char((unsigned char)s[n]))
        n++;
    return n;
}

int mg_var_name_ok(const char *s)
{
    size_t n = s ? name_len(s) : 0;

    return n > 0 && n <= MG_VAR_NAME_MAX && s[n] == '\0';
}

void mg_var_free(struct mg_var *v)
{
    if (!v)
        return;
    free(v->name);
    free(v->text);
    memset(v, 0, sizeof *v);
}

const char *mg_var_type_name(enum mg_var_type t)
{
    switch (t) {
    case MG_VAR_INT:
        return "integer";
    case MG_VAR_REAL:
        return "real";
    case MG_VAR_TEXT:
        return "text";
    case MG_VAR_DATE:
        return "date";
    case MG_VAR_NULL:
        break;
    }
    return "null";
}

static int is_int_syntax(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s))
        s++;
    return *s == '\0';
}

/* [sign] digits [. digits] [e [sign] digits], with at least one digit
 * before or after the point and a point or an exponent. */
static int is_real_syntax(const char *s)
{
    int digits = 0, point_or_exp = 0;

    if (*s == '-' || *s == '+')
        s++;
    while (isdigit((unsigned char)*s)) {
        s++;
        digits++;
    }
    if (*s == '.') {
        point_or_exp = 1;
        s++;
        while (isdigit((unsigned char)*s)) {
            s++;
            digits++;
        }
    }
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        point_or_exp = 1;
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return point_or_exp && *s == '\0';
}

/* YYYY-MM-DD naming a real calendar day (proleptic Gregorian). */
static int is_date(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int i, y, m, d;

    for (i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return 0;
        } else if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    if (s[10] != '\0')
        return 0;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

static int set_text(struct mg_var *out, enum mg_var_type t, const char *s,
                    size_t n, char err[YTK_ERR_LEN])
{
    if (n >= MG_VAR_VALUE_MAX) {
        yt_errf(err, "value too long (%zu bytes; the limit is %u)", n,
                MG_VAR_VALUE_MAX - 1);
        return -1;
    }
    out->text = strndup(s, n);
    if (!out->text) {
        yt_errf(err, "out of memory");
        return -1;
    }
    out->type = t;
    return 0;
}

int mg_var_parse_value(const char *text, struct mg_var *out,
                       char err[YTK_ERR_LEN])
{
    const char *s = text ? text : "";
    size_t n = strlen(s);

    out->type = MG_VAR_NULL;
    out->text = NULL;
    out->i = 0;
    out->r = 0;
    if (n == 0) {
        yt_errf(err, "missing value: write %%set NAME VALUE ('' for empty "
                     "text, NULL for no value)");
        return -1;
    }
    if (s[0] == '\'' || s[0] == '"') {
        char **w = NULL;
        int nw = 0, rc;

        if (mg_args_split(s, &nw, &w, err) < 0)
            return -1;
        if (nw != 1) {
            yt_errf(err, "a quoted value must be the whole value: quote all of "
                         "it, e.g. %%set NAME 'two words'");
            mg_args_free_words(w);
            return -1;
        }
        rc = set_text(out, MG_VAR_TEXT, w[0], strlen(w[0]), err);
        mg_args_free_words(w);
        return rc;
    }
    if (is_int_syntax(s)) {
        char *end = NULL;

        errno = 0;
        out->i = strtoll(s, &end, 10);
        if (errno == ERANGE || *end) {
            yt_errf(err,
                    "integer %.40s is out of range (-2^63 to 2^63-1); "
                    "write it as a real (%.40s.0) or quote it for text",
                    s, s);
            return -1;
        }
        out->type = MG_VAR_INT;
        return 0;
    }
    if (is_real_syntax(s)) {
        char *end = NULL;

        errno = 0;
        out->r = strtod(s, &end);
        if (*end || !isfinite(out->r)) {
            yt_errf(err, "real %.40s is out of range; quote it for text", s);
            return -1;
        }
        out->type = MG_VAR_REAL;
        return 0;
    }
    if (is_date(s))
        return set_text(out, MG_VAR_DATE, s, n, err);
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0) {
        out->type = MG_VAR_INT;
        out->i = (s[0] == 't' || s[0] == 'T');
        return 0;
    }
    if (strcasecmp(s, "null") == 0)
        return 0;
    return set_text(out, MG_VAR_TEXT, s, n, err);
}

int mg_vars_parse_set(const char *args, struct mg_var *out,
                      char err[YTK_ERR_LEN])
{
    const char *s = args ? args : "", *v;
    size_t n, vl;
    int rc = -1;

    memset(out, 0, sizeof *out);
    while (isspace((unsigned char)*s))
        s++;
    n = name_len(s);
    if (n == 0 || n > MG_VAR_NAME_MAX ||
        (s[n] && !isspace((unsigned char)s[n]) && s[n] != '=')) {
        size_t k = 0;

        while (s[k] && !isspace((unsigned char)s[k]) && s[k] != '=' && k < 40)
            k++;
        yt_errf(err,
                "'%.*s' is not a variable name: use letters, digits and _ "
                "(not starting with a digit, at most %d characters), e.g. "
                "%%set region GB",
                (int)k, s, MG_VAR_NAME_MAX);
        return -1;
    }
    out->name = strndup(s, n);
    if (!out->name) {
        yt_errf(err, "out of memory");
        return -1;
    }
    v = s + n;
    while (isspace((unsigned char)*v))
        v++;
    if (*v == '=') {
        v++;
        while (isspace((unsigned char)*v))
            v++;
        if (!*v) {
            yt_errf(err,
                    "missing value after %%set %s =: write '' for empty "
                    "text, NULL for no value",
                    out->name);
            goto out;
        }
    } else if (!*v) {
        return 0; /* NAME alone */
    }
    vl = strlen(v);
    while (vl > 0 && isspace((unsigned char)v[vl - 1]))
        vl--;
    {
        char *val = strndup(v, vl);

        if (!val) {
            yt_errf(err, "out of memory");
            goto out;
        }
        rc = mg_var_parse_value(val, out, err) < 0 ? -1 : 1;
        free(val);
    }
out:
    if (rc < 0)
        mg_var_free(out);
    return rc;
}

int mg_var_format(const struct mg_var *v, int sql_null, struct yt_buf *out)
{
    char num[400];
    int prec, exp10;

    switch (v->type) {
    case MG_VAR_INT:
        return yt_buf_addf(out, "%lld", v->i);
    case MG_VAR_REAL:
        /* the fewest digits that read back the same, then Python's repr
         * layout: fixed for exponents -4..15, else scientific */
        for (prec = 1; prec < 17; prec++) {
            snprintf(num, sizeof num, "%.*e", prec - 1, v->r);
            if (strtod(num, NULL) == v->r)
                break;
        }
        exp10 = atoi(strchr(num, 'e') + 1);
        if (exp10 >= -4 && exp10 < 16)
            snprintf(num, sizeof num, "%.*f",
                     prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0, v->r);
        else
            snprintf(num, sizeof num, "%.*e", prec - 1, v->r);
        if (yt_buf_adds(out, num) < 0)
            return -1;
        if (!strpbrk(num, ".eE") && yt_buf_adds(out, ".0") < 0)
            return -1;
        return 0;
    case MG_VAR_TEXT:
    case MG_VAR_DATE:
        return yt_buf_adds(out, v->text ? v->text : "");
    case MG_VAR_NULL:
        break;
    }
    return sql_null ? yt_buf_adds(out, "NULL") : 0;
}

/* Text quoted for %set: '...' with ' written as '\''. */
static int add_single_quoted(struct yt_buf *out, const char *s)
{
    if (yt_buf_add(out, "'", 1) < 0)
        return -1;
    for (; *s; s++) {
        if (*s == '\'') {
            if (yt_buf_adds(out, "'\\''") < 0)
                return -1;
        } else if (yt_buf_add(out, s, 1) < 0) {
            return -1;
        }
    }
    return yt_buf_add(out, "'", 1);
}

int mg_var_describe(const struct mg_var *v, struct yt_buf *out)
{
    if (yt_buf_addf(out, "%s = ", v->name ? v->name : "?") < 0)
        return -1;
    if (v->type == MG_VAR_TEXT) {
        if (add_single_quoted(out, v->text ? v->text : "") < 0)
            return -1;
    } else if (mg_var_format(v, 1, out) < 0) {
        return -1;
    }
    return yt_buf_addf(out, "  (%s)", mg_var_type_name(v->type));
}

/* ------------------------------------------------------------- table */

/* Index of name, or -(insertion point) - 1. */
static int find(const char *name)
{
    int lo = 0, hi = nvars - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(vars[mid].name, name);

        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -lo - 1;
}

int mg_vars_put(struct mg_var *v, char err[YTK_ERR_LEN])
{
    int i;

    if (!v->name || !mg_var_name_ok(v->name)) {
        yt_errf(err, "invalid variable name");
        mg_var_free(v);
        return -1;
    }
    i = find(v->name);
    if (i >= 0) {
        mg_var_free(&vars[i]);
        vars[i] = *v;
        memset(v, 0, sizeof *v);
        return 0;
    }
    if (nvars >= MG_VARS_MAX) {
        yt_errf(err, "too many variables (%d): %%unset some first",
                MG_VARS_MAX);
        mg_var_free(v);
        return -1;
    }
    if (nvars == capvars) {
        int ncap = capvars ? capvars * 2 : 16;
        struct mg_var *p = realloc(vars, (size_t)ncap * sizeof *p);

        if (!p) {
            yt_errf(err, "out of memory");
            mg_var_free(v);
            return -1;
        }
        vars = p;
        capvars = ncap;
    }
    i = -i - 1;
    memmove(&vars[i + 1], &vars[i], (size_t)(nvars - i) * sizeof *vars);
    vars[i] = *v;
    nvars++;
    memset(v, 0, sizeof *v);
    return 0;
}

const struct mg_var *mg_vars_get(const char *name)
{
    int i = name ? find(name) : -1;

    return i >= 0 ? &vars[i] : NULL;
}

int mg_vars_unset(const char *name)
{
    int i = name ? find(name) : -1;

    if (i < 0)
        return -1;
    mg_var_free(&vars[i]);
    memmove(&vars[i], &vars[i + 1], (size_t)(nvars - i - 1) * sizeof *vars);
    nvars--;
    return 0;
}

int mg_vars_count(void)
{
    return nvars;
}

const struct mg_var *mg_vars_at(int i)
{
    return i >= 0 && i < nvars ? &vars[i] : NULL;
}

void mg_vars_clear(void)
{
    int i;

    for (i = 0; i < nvars; i++)
        mg_var_free(&vars[i]);
    free(vars);
    vars = NULL;
    nvars = capvars = 0;
}

void mg_vars_unknown(const char *name, const char *sigil, char err[YTK_ERR_LEN])
{
    char known[300], near[MG_VAR_NAME_MAX + 8] = "";
    size_t used = 0;
    int i, best = 3;

    known[0] = '\0';
    for (i = 0; i < nvars && used < sizeof known; i++) {
        int d = mg_args_distance(name, vars[i].name);
        int m = snprintf(known + used, sizeof known - used, "%s%s%s",
                         i ? ", " : "", sigil, vars[i].name);

        if (m < 0)
            break;
        used += (size_t)m;
        if (d < best) {
            best = d;
            snprintf(near, sizeof near, "%s%s", sigil, vars[i].name);
        }
    }
    if (used >= sizeof known)
        snprintf(known + sizeof known - 5, 5, "...");
    if (nvars == 0)
        yt_errf(err,
                "unknown variable %s%.64s: no variables are set; set one "
                "with %%set NAME VALUE",
                sigil, name);
    else if (near[0])
        yt_errf(err,
                "unknown variable %s%.64s (did you mean %s?); known "
                "variables: %s",
                sigil, name, near, known);
    else
        yt_errf(err, "unknown variable %s%.64s; known variables: %s", sigil,
                name, known);
}

/* ------------------------------------------------------------- binding */

int mg_vars_bind(sqlite3_stmt *st, char err[YTK_ERR_LEN])
{
    int i, n = sqlite3_bind_parameter_count(st);

    for (i = 1; i <= n; i++) {
        const char *pn = sqlite3_bind_parameter_name(st, i);
        const struct mg_var *v;
        char sigil[2];
        int rc = SQLITE_OK;

        if (!pn || (pn[0] != ':' && pn[0] != '$')) {
            yt_errf(err,
                    "the statement uses the parameter %s: only :NAME and "
                    "$NAME are bound, from variables set with %%set NAME "
                    "VALUE (or write the value into the SQL, strings in "
                    "'single quotes')",
                    pn ? pn : "?");
            return -1;
        }
        v = mg_vars_get(pn + 1);
        if (!v) {
            char msg[YTK_ERR_LEN];

            sigil[0] = pn[0];
            sigil[1] = '\0';
            mg_vars_unknown(pn + 1, sigil, msg);
            yt_errf(err, "the statement uses the parameter %s: %s", pn, msg);
            return -1;
        }
        switch (v->type) {
        case MG_VAR_INT:
            rc = sqlite3_bind_int64(st, i, v->i);
            break;
        case MG_VAR_REAL:
            rc = sqlite3_bind_double(st, i, v->r);
            break;
        case MG_VAR_TEXT:
        case MG_VAR_DATE:
            rc = sqlite3_bind_text(st, i, v->text ? v->text : "", -1,
                                   SQLITE_TRANSIENT);
            break;
        case MG_VAR_NULL:
            rc = sqlite3_bind_null(st, i);
            break;
        }
        if (rc != SQLITE_OK) {
            yt_errf(err, "cannot bind %s: %s", pn, sqlite3_errstr(rc));
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------- substitution */

/* The value of v for a word of mg_args: `dq` = inside double quotes. */
static int add_quoted_value(struct yt_buf *out, const struct mg_var *v, int dq)
{
    struct yt_buf t;
    const char *s;
    int rc = -1;

    yt_buf_init(&t, MG_VAR_VALUE_MAX + 64);
    if (mg_var_format(v, 0, &t) < 0)
        goto out;
    s = yt_buf_str(&t);
    if (!dq) {
        rc = add_single_quoted(out, s);
        goto out;
    }
    for (; *s; s++) {
        if ((*s == '"' || *s == '\\') && yt_buf_add(out, "\\", 1) < 0)
            goto out;
        if (yt_buf_add(out, s, 1) < 0)
            goto out;
    }
    rc = 0;
out:
    yt_buf_free(&t);
    return rc;
}

int mg_vars_expand(const char *line, struct yt_buf *out, char err[YTK_ERR_LEN])
{
    const char *p = line ? line : "";
    enum { OUTSIDE, SINGLE, DOUBLE } st = OUTSIDE;

    while (*p) {
        char c = *p;

        if (st == SINGLE) {
            if (c == '\'')
                st = OUTSIDE;
        } else if (c == '\\' && p[1] == '{') {
            /* a literal brace: kept escaped outside quotes (the tokenizer
             * drops the backslash), bare inside "..." (where \{ would
             * stay two characters) */
            if (st == OUTSIDE && yt_buf_add(out, p, 2) < 0)
                goto full;
            if (st == DOUBLE && yt_buf_add(out, "{", 1) < 0)
                goto full;
            p += 2;
            continue;
        } else if (c == '\\' && p[1]) {
            if (yt_buf_add(out, p, 2) < 0)
                goto full;
            p += 2;
            continue;
        } else if (c == '\'' && st == OUTSIDE) {
            st = SINGLE;
        } else if (c == '"') {
            st = st == DOUBLE ? OUTSIDE : DOUBLE;
        } else if (c == '{') {
            size_t n = name_len(p + 1);

            if (n > 0 && p[1 + n] == '}') {
                char name[MG_VAR_NAME_MAX + 1];
                const struct mg_var *v = NULL;

                if (n <= MG_VAR_NAME_MAX) {
                    memcpy(name, p + 1, n);
                    name[n] = '\0';
                    v = mg_vars_get(name);
                }
                if (!v) {
                    char msg[YTK_ERR_LEN];

                    if (n > MG_VAR_NAME_MAX)
                        snprintf(name, sizeof name, "%.*s", MG_VAR_NAME_MAX,
                                 p + 1);
                    mg_vars_unknown(name, "", msg);
                    yt_errf(err,
                            "%s (in {%s}; write \\{ for a literal "
                            "brace)",
                            msg, name);
                    return -1;
                }
                if (add_quoted_value(out, v, st == DOUBLE) < 0)
                    goto full;
                p += n + 2;
                continue;
            }
        }
        if (yt_buf_add(out, p, 1) < 0)
            goto full;
        p++;
    }
    return 0;
full:
    yt_errf(err, "the magic line is too long after replacing {NAME} values");
    return -1;
}
