/* mg_interp.c -- the ytkernel cell language: splitting cells into SQL and
 * magic parts, running them against the session store, and the kernel hooks
 * (complete, inspect, is_complete, user expressions, kernel_info fields).
 * See mg_interp.h.
 *
 * Ownership: the `struct interp` behind kn_interp.self owns the store handle
 * and the strings it hands to the kernel (banner); mg_interp_destroy() frees
 * them.  Tables shown by SQL cells are rendered with mg_table_bundle().
 */
#include "mg_interp.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "yt_err.h"
#include "yt_file.h"
#include "mg_redact.h"
#include "mg_table.h"
#include "mg_vars.h"

/* kernel/ cannot include lib/, so it keeps its own name for the size. */
_Static_assert(KN_ERR_LEN == YTK_ERR_LEN,
               "kernel and lib error buffers must be the same size");

#define OUT_MAX (64u << 20)
#define EVAL_BUDGET 100000 /* progress callbacks (x1000 VM ops) for eval */

struct interp {
    sqlite3 *db;
    char *home;
    char *unusable; /* why the store cannot be used (mg_interp_create_unusable),
                       else NULL */
    char banner[256];
    struct kn_exec *cur; /* the running execute, for the progress handler */
    long budget;         /* > 0: progress calls left (user expressions) */
};

/* Output held back so the last table of a cell becomes its execute_result. */
struct pending {
    cJSON *table;       /* mime bundle, or NULL */
    long long affected; /* rows changed by DML since the table */
    int dml;            /* a DML statement ran since the table */
};

static int progress_cb(void *arg)
{
    struct interp *in = arg;

    if (in->cur)
        return kn_exec_interrupted(in->cur) ? 1 : 0;
    if (in->budget > 0 && --in->budget == 0)
        return 1;
    return 0;
}

/* ------------------------------------------------------------ splitting */

static int ident_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* SQL lexer state carried across lines: which quote or comment is open. */
enum sql_state { SQ_NONE, SQ_SINGLE, SQ_DOUBLE, SQ_BACK, SQ_BRACKET, SQ_BLOCK };

static enum sql_state sql_scan(const char *s, size_t n, enum sql_state st)
{
    size_t i = 0;

    while (i < n) {
        char c = s[i];

        switch (st) {
        case SQ_NONE:
            if (c == '\'')
                st = SQ_SINGLE;
            else if (c == '"')
                st = SQ_DOUBLE;
            else if (c == '`')
                st = SQ_BACK;
            else if (c == '[')
                st = SQ_BRACKET;
            else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
                st = SQ_BLOCK;
                i++;
            } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
                while (i < n && s[i] != '\n')
                    i++;
                continue;
            }
            break;
        case SQ_SINGLE:
            if (c == '\'')
                st = SQ_NONE; /* '' re-enters at once: same effect */
            break;
        case SQ_DOUBLE:
            if (c == '"')
                st = SQ_NONE;
            break;
        case SQ_BACK:
            if (c == '`')
                st = SQ_NONE;
            break;
        case SQ_BRACKET:
            if (c == ']')
                st = SQ_NONE;
            break;
        case SQ_BLOCK:
            if (c == '*' && i + 1 < n && s[i + 1] == '/') {
                st = SQ_NONE;
                i++;
            }
            break;
        }
        i++;
    }
    return st;
}

/* Non-zero when s[0..n) holds nothing but blanks and SQL comments. */
static int sql_blank(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        if (isspace((unsigned char)s[i]) || s[i] == ';') {
            i++;
        } else if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
            while (i < n && s[i] != '\n')
                i++;
        } else if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            i += 2;
            while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
                i++;
            i += 2;
        } else {
            return 0;
        }
    }
    return 1;
}

/* If line (len n, already left-trimmed) is `ident?`, `ident??` (optionally
 * after % or %%), copy the identifier to name and return 1. */
static int help_form(const char *s, size_t n, char *name, size_t namelen)
{
    size_t i = 0, k;

    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (i < n && s[i] == '%')
        i++;
    if (i < n && s[i] == '%')
        i++;
    k = i;
    while (i < n && ident_char((unsigned char)s[i]))
        i++;
    if (i == k || i >= n || s[i] != '?')
        return 0;
    if (isdigit((unsigned char)s[k]))
        return 0;
    if (n - i > 2 || (n - i == 2 && s[i + 1] != '?'))
        return 0;
    if (i - k >= namelen)
        return 0;
    memcpy(name, s + k, i - k);
    name[i - k] = '\0';
    return 1;
}

static int add_part(struct mg_part **parts, int *n, enum mg_part_kind kind,
                    const char *text, size_t tlen, const char *body, int lineno)
{
    struct mg_part *p = *parts;

    /* The capacity doubles and is implied by n (4, 8, 16, ...), so a cell
     * of many lines costs O(n) copies, not O(n^2). */
    if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
        size_t cap = *n ? (size_t)*n * 2 : 4;

        p = realloc(*parts, cap * sizeof *p);
        if (!p)
            return -1;
        *parts = p;
    }
    p = &p[*n];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->lineno = lineno;
    p->text = strndup(text, tlen);
    if (!p->text)
        return -1;
    if (body) {
        p->body = strdup(body);
        if (!p->body) {
            free(p->text);
            return -1;
        }
    }
    (*n)++;
    return 0;
}

void mg_cell_free(struct mg_part *parts, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        free(parts[i].text);
        free(parts[i].body);
    }
    free(parts);
}

int mg_cell_split(const char *code, struct mg_part **parts,
                  char err[YTK_ERR_LEN])
{
    const char *p = code ? code : "", *sql_start = NULL;
    struct mg_part *v = NULL;
    enum sql_state st = SQ_NONE;
    int n = 0, lineno = 1, sql_line = 0, seen_content = 0;
    char name[128];

    *parts = NULL;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *t = p;
        size_t tl = len;

        while (tl > 0 && (*t == ' ' || *t == '\t')) {
            t++;
            tl--;
        }
        while (tl > 0 &&
               (t[tl - 1] == '\r' || t[tl - 1] == ' ' || t[tl - 1] == '\t'))
            tl--;
        if (st == SQ_NONE && tl >= 2 && t[0] == '%' && t[1] == '%') {
            if (seen_content) {
                size_t k = 2;

                while (k < tl && k < 42 && ident_char((unsigned char)t[k]))
                    k++;
                yt_errf(err,
                        "cell magic %.*s on line %d: a %%%% cell magic must "
                        "be the first line of the cell; move it to the top, "
                        "or write %%%.*s for the line form",
                        (int)k, t, lineno, (int)(k - 2), t + 2);
                goto fail;
            }
            if (help_form(t, tl, name, sizeof name) &&
                sql_blank(eol ? eol : "", eol ? strlen(eol) : 0)) {
                if (add_part(&v, &n, MG_PART_HELP, name, strlen(name), NULL,
                             lineno) < 0)
                    goto oom;
            } else if (add_part(&v, &n, MG_PART_CELL, t + 2, tl - 2,
                                eol ? eol + 1 : "", lineno) < 0) {
                goto oom;
            }
            *parts = v;
            return n;
        }
        if (st == SQ_NONE && tl >= 2 && t[0] == '%' &&
            (isalpha((unsigned char)t[1]) || t[1] == '_')) {
            if (sql_start &&
                add_part(&v, &n, MG_PART_SQL, sql_start,
                         (size_t)(p - sql_start), NULL, sql_line) < 0)
                goto oom;
            sql_start = NULL;
            if (help_form(t, tl, name, sizeof name)) {
                if (add_part(&v, &n, MG_PART_HELP, name, strlen(name), NULL,
                             lineno) < 0)
                    goto oom;
            } else if (add_part(&v, &n, MG_PART_LINE, t + 1, tl - 1, NULL,
                                lineno) < 0) {
                goto oom;
            }
        } else if (st == SQ_NONE && help_form(t, tl, name, sizeof name) &&
                   (!sql_start ||
                    sql_blank(sql_start, (size_t)(p - sql_start)) ||
                    sqlite3_complete(sql_start))) {
            if (sql_start &&
                add_part(&v, &n, MG_PART_SQL, sql_start,
                         (size_t)(p - sql_start), NULL, sql_line) < 0)
                goto oom;
            sql_start = NULL;
            if (add_part(&v, &n, MG_PART_HELP, name, strlen(name), NULL,
                         lineno) < 0)
                goto oom;
        } else {
            if (!sql_start) {
                sql_start = p;
                sql_line = lineno;
            }
            st = sql_scan(p, eol ? len + 1 : len, st);
        }
        if (tl > 0)
            seen_content = 1;
        if (!eol)
            break;
        p = eol + 1;
        lineno++;
    }
    if (sql_start) {
        size_t l = strlen(sql_start);

        if (!sql_blank(sql_start, l) &&
            add_part(&v, &n, MG_PART_SQL, sql_start, l, NULL, sql_line) < 0)
            goto oom;
    }
    *parts = v;
    return n;
oom:
    yt_errf(err, "out of memory while reading the cell");
fail:
    mg_cell_free(v, n);
    return -1;
}

/* --------------------------------------------------------------- output */

static void flush_pending(struct kn_exec *x, struct pending *pd, int final)
{
    if (pd->table) {
        if (final)
            kn_exec_result(x, pd->table, NULL);
        else
            kn_exec_display(x, pd->table, NULL, NULL);
        pd->table = NULL;
    }
    if (pd->dml) {
        kn_exec_printf(x, 0, "%lld row%s affected.\n", pd->affected,
                       pd->affected == 1 ? "" : "s");
        pd->affected = 0;
        pd->dml = 0;
    }
}

static void drop_pending(struct pending *pd)
{
    cJSON_Delete(pd->table);
    pd->table = NULL;
    pd->affected = 0;
    pd->dml = 0;
}

/* Known magics as "%a, %b, ..." into out. */
static void known_magics(char *out, size_t len)
{
    const struct mg_magic *const *all = mg_registry_all();
    size_t used = 0;
    int i;

    out[0] = '\0';
    for (i = 0; all[i] && used < len; i++) {
        int m = snprintf(out + used, len - used, "%s%%%s", i ? ", " : "",
                         all[i]->name);

        if (m < 0)
            break;
        used += (size_t)m;
    }
}

static const struct mg_magic *closest_magic(const char *name)
{
    const struct mg_magic *const *all = mg_registry_all();
    const struct mg_magic *best = NULL;
    int bestd = 3, i;

    for (i = 0; all[i]; i++) {
        int d = mg_args_distance(name, all[i]->name);

        if (d < bestd ||
            (d <= 3 && strncmp(all[i]->name, name, strlen(name)) == 0 &&
             strlen(name) >= 2 && !best)) {
            bestd = d < bestd ? d : bestd;
            best = all[i];
        }
    }
    return best;
}

static void fail_unknown_magic(struct kn_exec *x, const char *pct,
                               const char *name)
{
    char known[600];
    const struct mg_magic *near = closest_magic(name);

    known_magics(known, sizeof known);
    if (near)
        kn_exec_fail(x, "UsageError",
                     "unknown magic %s%.60s (did you mean %s%s?); known "
                     "magics: %s",
                     pct, name, pct, near->name, known);
    else
        kn_exec_fail(x, "UsageError", "unknown magic %s%.60s; known magics: %s",
                     pct, name, known);
    kn_exec_fail_line(x, "Run %lsmagic to list magics, %help NAME for one.");
}

/* Does a table or view `name` exist (case-insensitive)?  Copies its real
 * name into real (may be NULL). */
static int table_exists(sqlite3 *db, const char *name, char *real,
                        size_t reallen)
{
    sqlite3_stmt *st = NULL;
    int found = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_schema WHERE type IN "
                           "('table','view') AND name = ?1 COLLATE NOCASE",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        if (real)
            snprintf(real, reallen, "%s",
                     (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return found;
}

/* Schema page of a table: columns with types and constraints, row count,
 * CREATE statement. */
static int table_schema(sqlite3 *db, const char *name, struct yt_buf *out)
{
    sqlite3_stmt *st = NULL;
    char *q = NULL;
    const char *type = "table", *sql = NULL;
    int rc = -1;

    if (sqlite3_prepare_v2(db,
                           "SELECT type, sql FROM sqlite_schema WHERE name = "
                           "?1 AND type IN ('table','view')",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW)
        goto out;
    type = strcmp((const char *)sqlite3_column_text(st, 0), "view") == 0
               ? "view"
               : "table";
    if (yt_buf_addf(out, "%s %s\n", type, name) < 0)
        goto out;
    sql = (const char *)sqlite3_column_text(st, 1);
    if (sql && yt_buf_addf(out, "\n%s\n", sql) < 0)
        goto out;
    sqlite3_finalize(st);
    st = NULL;

    if (sqlite3_prepare_v2(db,
                           "SELECT name, type, \"notnull\", pk FROM "
                           "pragma_table_info(?1)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (yt_buf_adds(out, "\ncolumns:\n") < 0)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *cn = (const char *)sqlite3_column_text(st, 0);
        const char *ct = (const char *)sqlite3_column_text(st, 1);

        if (yt_buf_addf(out, "  %-24s %s%s%s\n", cn ? cn : "",
                        ct && *ct ? ct : "(any)",
                        sqlite3_column_int(st, 3) ? " PRIMARY KEY" : "",
                        sqlite3_column_int(st, 2) ? " NOT NULL" : "") < 0)
            goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (strcmp(type, "table") == 0) {
        q = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", name);
        if (q && sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW &&
            yt_buf_addf(out, "\nrows: %lld\n",
                        (long long)sqlite3_column_int64(st, 0)) < 0)
            goto out;
    }
    rc = 0;
out:
    sqlite3_free(q);
    sqlite3_finalize(st);
    return rc;
}

/* Page the help of magic m; 0, or -1 after failing the cell. */
static int page_help(struct kn_exec *x, const struct mg_magic *m)
{
    struct yt_buf b;
    int rc = 0;

    yt_buf_init(&b, OUT_MAX);
    if (mg_help_format(m, &b) < 0) {
        kn_exec_fail(x, "MemoryError", "out of memory while formatting help");
        rc = -1;
    } else {
        kn_exec_page(x, yt_buf_str(&b));
    }
    yt_buf_free(&b);
    return rc;
}

/* `name?`: the help of a magic, else the schema of a table. */
static int run_help(struct interp *in, struct kn_exec *x, const char *name)
{
    const struct mg_magic *m = mg_registry_find(name);
    struct yt_buf b;
    char real[256];
    int rc = -1;

    if (m)
        return page_help(x, m);
    yt_buf_init(&b, OUT_MAX);
    if (table_exists(in->db, name, real, sizeof real)) {
        if (table_schema(in->db, real, &b) < 0)
            goto oom;
    } else {
        char known[600];

        known_magics(known, sizeof known);
        kn_exec_fail(x, "UsageError",
                     "no magic or table named '%.60s'; known magics: %s", name,
                     known);
        goto out;
    }
    kn_exec_page(x, yt_buf_str(&b));
    rc = 0;
    goto out;
oom:
    kn_exec_fail(x, "MemoryError", "out of memory while formatting help");
out:
    yt_buf_free(&b);
    return rc;
}

/* Is `--help` among the words before `--`? */
static int wants_help(const char *rest)
{
    char **w = NULL, err[YTK_ERR_LEN];
    int n = 0, i, yes = 0;

    if (mg_args_split(rest, &n, &w, err) < 0)
        return 0;
    for (i = 0; i < n; i++) {
        if (strcmp(w[i], "--") == 0)
            break;
        if (strcmp(w[i], "--help") == 0 || strcmp(w[i], "-h") == 0) {
            yes = 1;
            break;
        }
    }
    mg_args_free_words(w);
    return yes;
}

/* Is the raw argument text just `--help` or `-h`? */
static int raw_help(const char *rest)
{
    size_t n;

    while (isspace((unsigned char)*rest))
        rest++;
    n = strlen(rest);
    while (n > 0 && isspace((unsigned char)rest[n - 1]))
        n--;
    return (n == 6 && strncmp(rest, "--help", 6) == 0) ||
           (n == 2 && strncmp(rest, "-h", 2) == 0);
}

/* Arguments of a raw_args magic: the trimmed text as one word, or none. */
static int raw_args(const char *rest, struct mg_args *a)
{
    size_t n;

    memset(a, 0, sizeof *a);
    while (isspace((unsigned char)*rest))
        rest++;
    n = strlen(rest);
    while (n > 0 && isspace((unsigned char)rest[n - 1]))
        n--;
    if (n == 0)
        return 0;
    a->pos = calloc(2, sizeof *a->pos);
    if (!a->pos || !(a->pos[0] = strndup(rest, n))) {
        free(a->pos);
        a->pos = NULL;
        return -1;
    }
    a->npos = 1;
    return 0;
}

static int run_magic(struct interp *in, struct kn_exec *x,
                     const struct mg_part *part)
{
    const char *s = part->text, *rest;
    const char *pct = part->kind == MG_PART_CELL ? "%%" : "%";
    const struct mg_magic *m;
    struct mg_args a;
    struct mg_ctx ctx = {.x = x, .db = in->db, .home = in->home};
    char name[128], err[YTK_ERR_LEN];
    size_t k = 0;
    int rc;

    while (s[k] && ident_char((unsigned char)s[k]) && k + 1 < sizeof name)
        k++;
    memcpy(name, s, k);
    name[k] = '\0';
    rest = s + k;
    if (k == 0) {
        kn_exec_fail(x, "UsageError",
                     "expected a magic name after %s (line %d); run "
                     "%%lsmagic to list them",
                     pct, part->lineno);
        return -1;
    }
    if (*rest && !isspace((unsigned char)*rest)) {
        kn_exec_fail(x, "UsageError",
                     "unexpected '%c' after %s%s (line %d): put a blank "
                     "between the magic name and its arguments",
                     *rest, pct, name, part->lineno);
        return -1;
    }
    m = mg_registry_find(name);
    if (!m) {
        fail_unknown_magic(x, pct, name);
        return -1;
    }
    if (m->raw_args ? raw_help(rest) : wants_help(rest))
        return page_help(x, m);
    if (part->kind == MG_PART_CELL && !m->cell) {
        kn_exec_fail(x, "UsageError",
                     "%%%%%s is not a cell magic: write %%%s ... on a line "
                     "of its own",
                     name, name);
        return -1;
    }
    if (part->kind == MG_PART_LINE && !m->line) {
        kn_exec_fail(x, "UsageError",
                     "%%%s is a cell magic: make %%%%%s ... the first line "
                     "of the cell",
                     name, name);
        return -1;
    }
    if (m->raw_args) {
        if (raw_args(rest, &a) < 0) {
            kn_exec_fail(x, "MemoryError", "out of memory");
            return -1;
        }
    } else if (mg_args_parse(rest, m->opts, &a, err) < 0) {
        kn_exec_fail(x, "UsageError", "%s%s: %s", pct, name, err);
        kn_exec_fail_line(x, "See the usage with %help NAME or NAME?");
        return -1;
    }
    YTK_ASSERT(m->name && (m->line || m->cell));
    if (part->kind == MG_PART_CELL)
        rc = m->cell(&ctx, &a, part->body ? part->body : "");
    else
        rc = m->line(&ctx, &a);
    YTK_ASSERT(rc <= 0);
    mg_args_free(&a);
    return rc < 0 ? -1 : 0;
}

/* Is "name args" a magic that reads its own arguments (raw_args: a quote
 * there may be text, e.g. %set title = it's fine)? */
static int raw_magic(const char *text)
{
    const struct mg_magic *m;
    char name[128];
    size_t k = 0;

    while (text[k] && ident_char((unsigned char)text[k]) && k + 1 < sizeof name)
        k++;
    memcpy(name, text, k);
    name[k] = '\0';
    m = mg_registry_find(name);
    return m && m->raw_args;
}

/* Run a magic part after replacing {NAME} with variables (mg_vars.h) in
 * its line; raw_args magics and unknown names get the line as written. */
static int run_magic_vars(struct interp *in, struct kn_exec *x,
                          const struct mg_part *part)
{
    struct mg_part q = *part;
    struct yt_buf b;
    char name[128], err[YTK_ERR_LEN];
    size_t k = 0;
    int rc;

    while (part->text[k] && ident_char((unsigned char)part->text[k]) &&
           k + 1 < sizeof name)
        k++;
    memcpy(name, part->text, k);
    name[k] = '\0';
    if (!strchr(part->text, '{') || !mg_registry_find(name) ||
        raw_magic(part->text))
        return run_magic(in, x, part);
    yt_buf_init(&b, OUT_MAX);
    if (mg_vars_expand(part->text, &b, err) < 0) {
        kn_exec_fail(x, "UsageError", "%s%s: %s",
                     part->kind == MG_PART_CELL ? "%%" : "%", name, err);
        yt_buf_free(&b);
        return -1;
    }
    q.text = (char *)yt_buf_str(&b);
    rc = run_magic(in, x, &q);
    yt_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------------ SQL */

/* First keyword of a statement, upper-cased into kw. */
static void first_keyword(const char *sql, char *kw, size_t kwlen)
{
    size_t i = 0;

    kw[0] = '\0';
    if (!sql)
        return;
    for (;;) {
        while (isspace((unsigned char)*sql))
            sql++;
        if (sql[0] == '-' && sql[1] == '-') {
            while (*sql && *sql != '\n')
                sql++;
        } else if (sql[0] == '/' && sql[1] == '*') {
            const char *e = strstr(sql + 2, "*/");

            sql = e ? e + 2 : sql + strlen(sql);
        } else {
            break;
        }
    }
    while (isalpha((unsigned char)sql[i]) && i + 1 < kwlen) {
        kw[i] = (char)toupper((unsigned char)sql[i]);
        i++;
    }
    kw[i] = '\0';
}

/* Line/column of byte offset `off` in the cell, and the text of that line. */
static void sql_error_lines(struct kn_exec *x, const struct mg_part *part,
                            const char *stmt_start, int offset)
{
    const char *base = part->text, *at, *ls, *le;
    int line = part->lineno, col = 1;
    char buf[200];
    const char *c;

    if (offset >= 0)
        at = stmt_start + offset;
    else
        at = stmt_start;
    while (offset < 0 && *at && isspace((unsigned char)*at))
        at++;
    if (at > base + strlen(base))
        at = base + strlen(base);
    for (ls = base; ls < at; ls++)
        if (*ls == '\n')
            line++;
    ls = at;
    while (ls > base && ls[-1] != '\n')
        ls--;
    le = strchr(ls, '\n');
    if (!le)
        le = ls + strlen(ls);
    for (c = ls; c < at; c++)
        if (((unsigned char)*c & 0xC0) != 0x80)
            col++;
    if (offset >= 0)
        snprintf(buf, sizeof buf, "at line %d, column %d:", line, col);
    else
        snprintf(buf, sizeof buf, "in the statement at line %d:", line);
    kn_exec_fail_line(x, buf);
    {
        int w = (int)(le - ls);
        struct yt_buf b;

        yt_buf_init(&b, 4096);
        if (w > 160)
            w = 160;
        /* keep a code point boundary */
        while (w > 0 && w < (int)(le - ls) &&
               ((unsigned char)ls[w] & 0xC0) == 0x80)
            w--;
        if (yt_buf_add(&b, "    ", 4) == 0 &&
            yt_buf_add(&b, ls, (size_t)w) == 0) {
            kn_exec_fail_line(x, yt_buf_str(&b));
            if (offset >= 0 && col - 1 <= w) {
                yt_buf_reset(&b);
                if (yt_buf_add(&b, "    ", 4) == 0) {
                    const char *q;
                    int bad = 0;

                    for (q = ls; q < at; q++)
                        if (*q == '\t')
                            bad |= yt_buf_add(&b, "\t", 1);
                        else if (((unsigned char)*q & 0xC0) != 0x80)
                            bad |= yt_buf_add(&b, " ", 1);
                    bad |= yt_buf_add(&b, "^", 1);
                    if (!bad) /* a caret line cut short would mislead */
                        kn_exec_fail_line(x, yt_buf_str(&b));
                }
            }
        }
        yt_buf_free(&b);
    }
}

/* Closest (case-insensitive edit distance <= 2) name from the first column
 * of `query` to `word`; copies it to out and returns 1 when found. */
static int closest_name(sqlite3 *db, const char *query, const char *word,
                        char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    char lw[128], lc[128];
    int best = 3;
    size_t i;

    if (strlen(word) >= sizeof lw)
        return 0;
    for (i = 0; word[i]; i++)
        lw[i] = (char)tolower((unsigned char)word[i]);
    lw[i] = '\0';
    if (sqlite3_prepare_v2(db, query, -1, &st, NULL) != SQLITE_OK)
        return 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        int d;

        if (!c || strlen(c) >= sizeof lc)
            continue;
        for (i = 0; c[i]; i++)
            lc[i] = (char)tolower((unsigned char)c[i]);
        lc[i] = '\0';
        d = mg_args_distance(lw, lc);
        if (d < best) {
            best = d;
            snprintf(out, outlen, "%s", c);
        }
    }
    sqlite3_finalize(st);
    return best <= 2;
}

#define TABLES_Q                                                               \
    "SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND "       \
    "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"

/* One hint line for common mistakes: a shell dot-command, a misspelt
 * table or column. */
static void sql_hint(struct interp *in, struct kn_exec *x, const char *stmt,
                     const char *msg)
{
    char near[128], line[600];

    if (stmt[0] == '.') {
        kn_exec_fail_line(x, "Hint: dot-commands of the sqlite3 shell are "
                             "not SQL; use TABLE? for the columns of a "
                             "table, or SELECT name FROM sqlite_schema.");
        return;
    }
    if (strncmp(msg, "no such table: ", 15) == 0) {
        const char *name = msg + 15, *dot = strrchr(name, '.');
        sqlite3_stmt *st = NULL;
        size_t used;
        int n = 0;

        if (dot)
            name = dot + 1;
        if (closest_name(in->db, TABLES_Q, name, near, sizeof near)) {
            snprintf(line, sizeof line, "Hint: did you mean %s?", near);
            kn_exec_fail_line(x, line);
            return;
        }
        used = (size_t)snprintf(line, sizeof line,
                                "Hint: tables in the "
                                "store:");
        if (sqlite3_prepare_v2(in->db, TABLES_Q, -1, &st, NULL) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW && used < sizeof line) {
                int m = snprintf(line + used, sizeof line - used, "%s %s",
                                 n ? "," : "",
                                 (const char *)sqlite3_column_text(st, 0));

                if (m < 0)
                    break;
                used += (size_t)m;
                n++;
            }
        sqlite3_finalize(st);
        if (n == 0)
            snprintf(line, sizeof line,
                     "Hint: the store has no tables yet; "
                     "fetch data with %%yt_fetch or "
                     "CREATE TABLE.");
        kn_exec_fail_line(x, line);
        return;
    }
    if (strncmp(msg, "no such column: ", 16) == 0) {
        const char *name = msg + 16, *dot = strrchr(name, '.');

        if (dot)
            name = dot + 1;
        if (closest_name(in->db,
                         "SELECT DISTINCT p.name FROM sqlite_schema s, "
                         "pragma_table_info(s.name) p WHERE s.type IN "
                         "('table','view')",
                         name, near, sizeof near)) {
            snprintf(line, sizeof line, "Hint: did you mean %s?", near);
            kn_exec_fail_line(x, line);
        }
    }
}

static int fail_sql(struct interp *in, struct kn_exec *x, int rc,
                    const struct mg_part *part, const char *stmt_start,
                    int offset, const char *msg)
{
    if ((rc & 0xFF) == SQLITE_INTERRUPT && kn_exec_interrupted(x)) {
        const char *c;
        int line = part->lineno;

        while (isspace((unsigned char)*stmt_start))
            stmt_start++;
        for (c = part->text; c < stmt_start && *c; c++)
            if (*c == '\n')
                line++;
        kn_exec_fail(x, "KeyboardInterrupt",
                     "query interrupted (the statement at line %d was "
                     "stopped; earlier statements of the cell were kept)",
                     line);
        return -1;
    }
    kn_exec_fail(x, "SQLError", "%s", msg);
    sql_error_lines(x, part, stmt_start, offset);
    while (isspace((unsigned char)*stmt_start))
        stmt_start++;
    sql_hint(in, x, stmt_start, msg);
    return -1;
}

static int run_sql(struct interp *in, struct kn_exec *x,
                   const struct mg_part *part, struct pending *pd)
{
    const char *sql = part->text;

    while (*sql) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL, *start = sql;
        int rc;

        while (isspace((unsigned char)*start))
            start++;
        if (kn_exec_interrupted(x)) {
            kn_exec_fail(x, "KeyboardInterrupt", "cell interrupted");
            return -1;
        }
        rc = sqlite3_prepare_v2(in->db, sql, -1, &st, &tail);
        if (rc != SQLITE_OK) {
            int off = sqlite3_error_offset(in->db);

            return fail_sql(in, x, rc, part, sql, off, sqlite3_errmsg(in->db));
        }
        if (!st) { /* only blanks or comments left */
            sql = tail && tail > sql ? tail : sql + strlen(sql);
            continue;
        }
        if (sqlite3_bind_parameter_count(st) > 0) {
            /* :NAME and $NAME from %set variables; anything unbound
             * would silently be NULL, so it is an error. */
            char msg[YTK_ERR_LEN];

            if (mg_vars_bind(st, msg) < 0) {
                sqlite3_finalize(st);
                return fail_sql(in, x, SQLITE_ERROR, part, start, -1, msg);
            }
        }
        if (sqlite3_column_count(st) == 0) {
            char kw[16];

            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                ;
            if (rc != SQLITE_DONE) {
                char msg[KN_ERR_LEN];

                snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(in->db));
                sqlite3_finalize(st);
                return fail_sql(in, x, rc, part, start, -1, msg);
            }
            first_keyword(start, kw, sizeof kw);
            if (strcmp(kw, "INSERT") == 0 || strcmp(kw, "UPDATE") == 0 ||
                strcmp(kw, "DELETE") == 0 || strcmp(kw, "REPLACE") == 0 ||
                strcmp(kw, "WITH") == 0) {
                pd->affected += sqlite3_changes64(in->db);
                pd->dml = 1;
            }
        } else {
            char err[YTK_ERR_LEN];
            int scalar = 0;
            cJSON *data;

            rc = mg_table_bundle(st, 0, NULL, &data, &scalar, err);
            if (rc < 0) {
                sqlite3_finalize(st);
                return fail_sql(in, x, -rc, part, start, -1, err);
            }
            flush_pending(x, pd, 0);
            pd->table = data;
        }
        sqlite3_finalize(st);
        sql = tail && tail > sql ? tail : sql + strlen(sql);
    }
    return 0;
}

/* Non-zero when the cell is only `exit` or `quit` (or `exit()`, `quit()`),
 * which ends `jupyter console` as it does with other kernels. */
static int is_exit_cell(const char *code)
{
    static const char *const words[] = {"exit", "quit", "exit()", "quit()"};
    size_t n;

    while (isspace((unsigned char)*code))
        code++;
    n = strlen(code);
    while (n && isspace((unsigned char)code[n - 1]))
        n--;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (n == strlen(words[i]) && strncmp(code, words[i], n) == 0)
            return 1;
    return 0;
}

static int interp_execute(void *self, struct kn_exec *x, const char *code)
{
    struct interp *in = self;
    struct mg_part *parts = NULL;
    struct pending pd = {NULL, 0, 0};
    char err[YTK_ERR_LEN];
    int n, i, last_sql = -1, rc = 0;

    if (is_exit_cell(code)) {
        kn_exec_ask_exit(x, 0);
        return 0;
    }
    n = mg_cell_split(code, &parts, err);
    if (n < 0) {
        kn_exec_fail(x, "UsageError", "%s", err);
        return -1;
    }
    for (i = 0; i < n; i++)
        if (parts[i].kind == MG_PART_SQL)
            last_sql = i;
    in->cur = x;
    for (i = 0; i < n && rc == 0; i++) {
        const struct mg_part *p = &parts[i];
        int sql_later = last_sql > i;
        if (kn_exec_interrupted(x)) {
            kn_exec_fail(x, "KeyboardInterrupt", "cell interrupted");
            rc = -1;
            break;
        }
        switch (p->kind) {
        case MG_PART_SQL:
            rc = run_sql(in, x, p, &pd);
            if (rc < 0 && i + 1 < n && parts[i + 1].kind != MG_PART_SQL &&
                strcmp(sqlite3_errmsg(in->db), "incomplete input") == 0)
                kn_exec_fail_line(x, "Hint: a line starting with % is a "
                                     "magic, which ends the SQL before it; "
                                     "finish the statement above that line, "
                                     "or put the magic in a cell of its "
                                     "own.");
            break;
        case MG_PART_HELP:
            flush_pending(x, &pd, !sql_later);
            rc = run_help(in, x, p->text);
            break;
        case MG_PART_LINE:
        case MG_PART_CELL:
            flush_pending(x, &pd, !sql_later);
            rc = run_magic_vars(in, x, p);
            break;
        }
    }
    /* Outputs produced before an error are still shown, as display_data. */
    flush_pending(x, &pd, rc == 0);
    drop_pending(&pd);
    in->cur = NULL;
    mg_cell_free(parts, n);
    return rc;
}

/* ------------------------------------------------------ other hooks */

/* Fill the error name and value of a user expression; returns -1. */
static int eval_fail(char ename[64], char evalue[KN_ERR_LEN], const char *name,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int eval_fail(char ename[64], char evalue[KN_ERR_LEN], const char *name,
                     const char *fmt, ...)
{
    va_list ap;

    snprintf(ename, 64, "%s", name);
    va_start(ap, fmt);
    vsnprintf(evalue, KN_ERR_LEN, fmt, ap);
    va_end(ap);
    return -1;
}

/* History keeps the cell without the secrets typed into it. */
static char *interp_history_text(void *self, const char *code)
{
    return mg_redact_history(code);
}

static int interp_eval(void *self, const char *expr, cJSON **data,
                       char ename[64], char evalue[KN_ERR_LEN])
{
    struct interp *in = self;
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    char *sql = NULL, err[YTK_ERR_LEN];
    int rc = -1, prc, src, scalar = 0;

    *data = NULL;
    sql = sqlite3_mprintf("SELECT %s", expr ? expr : "");
    if (!sql)
        return eval_fail(ename, evalue, "MemoryError", "out of memory");
    in->budget = EVAL_BUDGET;
    prc = sqlite3_prepare_v2(in->db, sql, -1, &st, &tail);
    if (prc != SQLITE_OK || !st) {
        eval_fail(ename, evalue, "SQLError", "%s",
                  prc == SQLITE_OK ? "empty expression"
                                   : sqlite3_errmsg(in->db));
        goto out;
    }
    if (tail && !sql_blank(tail, strlen(tail))) {
        eval_fail(ename, evalue, "UsageError",
                  "a user expression is one SQL expression, not several "
                  "statements");
        goto out;
    }
    if (sqlite3_bind_parameter_count(st) > 0) {
        const char *pn = sqlite3_bind_parameter_name(st, 1);

        eval_fail(ename, evalue, "UsageError",
                  "user expressions cannot use parameters (%s)", pn ? pn : "?");
        goto out;
    }
    if (!sqlite3_stmt_readonly(st)) {
        eval_fail(ename, evalue, "UsageError",
                  "user expressions must not change the store");
        goto out;
    }
    src = sqlite3_step(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE) {
        eval_fail(ename, evalue, "SQLError", "%s",
                  (src & 0xFF) == SQLITE_INTERRUPT
                      ? "expression took too long and was stopped"
                      : sqlite3_errmsg(in->db));
        goto out;
    }
    if (src == SQLITE_DONE || sqlite3_column_type(st, 0) == SQLITE_NULL) {
        *data = cJSON_CreateObject();
        if (!*data || !cJSON_AddStringToObject(*data, "text/plain", "NULL")) {
            cJSON_Delete(*data);
            *data = NULL;
            eval_fail(ename, evalue, "MemoryError", "out of memory");
            goto out;
        }
        rc = 0;
        goto out;
    }
    /* Render through the table code for the same cleaning rules. */
    sqlite3_reset(st);
    if (mg_table_bundle(st, 1, NULL, data, &scalar, err) < 0) {
        eval_fail(ename, evalue, "SQLError", "%s", err);
        goto out;
    }
    if (!scalar) {
        cJSON_Delete(*data);
        *data = NULL;
        eval_fail(ename, evalue, "UsageError",
                  "a user expression must give one value; this one gives "
                  "more than one row or column");
        goto out;
    }
    rc = 0;
out:
    in->budget = 0;
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return rc;
}

static cJSON *interp_language_info(void *self)
{
    cJSON *o = cJSON_CreateObject();

    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "name", "sql");
    cJSON_AddStringToObject(o, "version", sqlite3_libversion());
    cJSON_AddStringToObject(o, "mimetype", "text/x-sql");
    cJSON_AddStringToObject(o, "file_extension", ".sql");
    cJSON_AddStringToObject(o, "pygments_lexer", "sql");
    cJSON_AddStringToObject(o, "codemirror_mode", "sql");
    cJSON_AddStringToObject(o, "nbconvert_exporter", "script");
    return o;
}

static cJSON *interp_help_links(void *self)
{
    static const char *const links[][2] = {
        {"SQLite SQL syntax", "https://www.sqlite.org/lang.html"},
        {"SQLite functions", "https://www.sqlite.org/lang_corefunc.html"},
        {"YouTube Data API", "https://developers.google.com/youtube/v3/docs"},
    };
    cJSON *a = cJSON_CreateArray();
    size_t i;

    if (!a)
        return NULL;
    for (i = 0; i < sizeof links / sizeof links[0]; i++) {
        cJSON *o = cJSON_CreateObject();

        if (!o)
            break;
        cJSON_AddStringToObject(o, "text", links[i][0]);
        cJSON_AddStringToObject(o, "url", links[i][1]);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* ----------------------------------------------- completion & inspect */

/* Byte offset of code point `cp` in s (clamped to the end). */
static size_t cp_to_byte(const char *s, int cp)
{
    size_t i = 0;
    int n = 0;

    if (cp <= 0)
        return 0;
    while (s[i]) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == cp)
                return i;
            n++;
        }
        i++;
    }
    return i;
}

static int byte_to_cp(const char *s, size_t b)
{
    size_t i;
    int n = 0;

    for (i = 0; i < b && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

struct matches {
    cJSON *arr;
    int n;
};

static int has_match(const struct matches *m, const char *s)
{
    cJSON *it;

    cJSON_ArrayForEach(it,
                       m->arr) if (strcmp(it->valuestring, s) == 0) return 1;
    return 0;
}

static void add_match(struct matches *m, const char *s)
{
    if (m->n >= 500 || has_match(m, s))
        return;
    cJSON_AddItemToArray(m->arr, cJSON_CreateString(s));
    m->n++;
}

static int prefix_ci(const char *s, const char *pre, size_t n)
{
    return strncasecmp(s, pre, n) == 0;
}

/* Tables/views and, when `columns`, their columns matching prefix. */
static void add_schema_matches(sqlite3 *db, struct matches *m, const char *pre,
                               size_t n, int columns, const char *only_table)
{
    sqlite3_stmt *st = NULL;

    if (!only_table &&
        sqlite3_prepare_v2(db, TABLES_Q, -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(st, 0);

            if (t && prefix_ci(t, pre, n))
                add_match(m, t);
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!columns)
        return;
    if (sqlite3_prepare_v2(db,
                           "SELECT DISTINCT p.name FROM sqlite_schema s, "
                           "pragma_table_info(s.name) p WHERE s.type IN "
                           "('table','view') AND s.name NOT LIKE 'sqlite\\_%' "
                           "ESCAPE '\\' AND (?1 IS NULL OR s.name = ?1 "
                           "COLLATE NOCASE) ORDER BY p.name",
                           -1, &st, NULL) == SQLITE_OK) {
        if (only_table)
            sqlite3_bind_text(st, 1, only_table, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *c = (const char *)sqlite3_column_text(st, 0);

            if (c && prefix_ci(c, pre, n))
                add_match(m, c);
        }
    }
    sqlite3_finalize(st);
}

static const char *const sql_functions[] = {
    "abs",          "avg",     "coalesce", "count", "date",         "datetime",
    "group_concat", "ifnull",  "iif",      "instr", "json_extract", "julianday",
    "length",       "lower",   "ltrim",    "max",   "min",          "nullif",
    "printf",       "replace", "round",    "rtrim", "strftime",     "substr",
    "sum",          "time",    "total",    "trim",  "typeof",       "unixepoch",
    "upper",        NULL,
};

static void add_keyword_matches(struct matches *m, const char *pre, size_t n)
{
    int i, cnt = sqlite3_keyword_count();
    int upper = n > 0 && isupper((unsigned char)pre[0]);
    char kw[64];

    for (i = 0; i < cnt; i++) {
        const char *k;
        int len, j;

        if (sqlite3_keyword_name(i, &k, &len) != SQLITE_OK || len >= 64)
            continue;
        if ((size_t)len < n || strncasecmp(k, pre, n) != 0)
            continue;
        for (j = 0; j < len; j++)
            kw[j] = upper ? (char)toupper((unsigned char)k[j])
                          : (char)tolower((unsigned char)k[j]);
        kw[len] = '\0';
        add_match(m, kw);
    }
    for (i = 0; sql_functions[i]; i++) {
        if (!prefix_ci(sql_functions[i], pre, n))
            continue;
        if (upper) {
            size_t j, l = strlen(sql_functions[i]);

            for (j = 0; j < l && j < 63; j++)
                kw[j] = (char)toupper((unsigned char)sql_functions[i][j]);
            kw[j] = '\0';
            add_match(m, kw);
        } else {
            add_match(m, sql_functions[i]);
        }
    }
}

/* A magic's own completion words (struct mg_magic.complete), kept when
 * they start with what was typed. */
struct arg_matches {
    struct matches *m;
    const char *pre;
    size_t plen;
};

static void add_arg_match(void *arg, const char *word)
{
    struct arg_matches *am = arg;

    if (word && strncmp(word, am->pre, am->plen) == 0)
        add_match(am->m, word);
}

static cJSON *interp_complete(void *self, const char *code, int cursor_pos,
                              int *cursor_start, int *cursor_end)
{
    struct interp *in = self;
    struct matches m;
    size_t cur, ls, ws, i;
    char pre[256];
    size_t plen;

    m.arr = cJSON_CreateArray();
    m.n = 0;
    if (!m.arr)
        return NULL;
    if (!code)
        code = "";
    cur = cp_to_byte(code, cursor_pos);
    *cursor_start = *cursor_end = byte_to_cp(code, cur);
    ls = cur;
    while (ls > 0 && code[ls - 1] != '\n')
        ls--;
    ws = cur;
    while (ws > ls && ident_char((unsigned char)code[ws - 1]))
        ws--;
    plen = cur - ws;
    if (plen >= sizeof pre)
        return m.arr;
    memcpy(pre, code + ws, plen);
    pre[plen] = '\0';

    /* a variable after : $ { (mg_vars.h) */
    if (ws > ls && code[ws - 1] && strchr(":${", code[ws - 1])) {
        int k, nv = mg_vars_count();

        for (k = 0; k < nv; k++)
            if (strncmp(mg_vars_at(k)->name, pre, plen) == 0)
                add_match(&m, mg_vars_at(k)->name);
        *cursor_start = byte_to_cp(code, ws);
        if (m.n > 0 || code[ws - 1] != ':')
            return m.arr;
    }

    /* %name / %%name at the start of a line */
    {
        size_t p = ws, pct = 0, j;

        while (p > ls && code[p - 1] == '%' && pct < 2) {
            p--;
            pct++;
        }
        for (j = ls; j < p && (code[j] == ' ' || code[j] == '\t'); j++)
            ;
        if (pct > 0 && j == p) {
            const struct mg_magic *const *all = mg_registry_all();
            char buf[160];

            for (i = 0; all[i]; i++) {
                if ((pct == 1 && !all[i]->line) || (pct == 2 && !all[i]->cell))
                    continue;
                if (strncmp(all[i]->name, pre, plen) != 0)
                    continue;
                snprintf(buf, sizeof buf, "%s%s", pct == 2 ? "%%" : "%",
                         all[i]->name);
                add_match(&m, buf);
            }
            *cursor_start = byte_to_cp(code, p);
            return m.arr;
        }
    }

    /* Arguments of a magic line. */
    {
        size_t j = ls;

        while (j < cur && (code[j] == ' ' || code[j] == '\t'))
            j++;
        if (j < cur && code[j] == '%') {
            const struct mg_magic *mg;
            char name[128], first[128];
            size_t k = 0, os = cur, q, fs = 0;
            int nwords = 0, in_word = 0;

            while (j < cur && code[j] == '%')
                j++;
            while (j + k < cur && ident_char((unsigned char)code[j + k]) &&
                   k + 1 < sizeof name) {
                name[k] = code[j + k];
                k++;
            }
            name[k] = '\0';
            mg = mg_registry_find(name);
            if (!mg)
                return m.arr;
            /* the option word being typed starts with '-' */
            while (os > ls && (ident_char((unsigned char)code[os - 1]) ||
                               code[os - 1] == '-'))
                os--;
            if (os < cur && code[os] == '-') {
                char buf[160];

                for (i = 0; mg->opts && mg->opts[i].name; i++) {
                    snprintf(buf, sizeof buf, "--%s", mg->opts[i].name);
                    if (strncmp(buf, code + os, cur - os) == 0)
                        add_match(&m, buf);
                }
                if (strncmp("--help", code + os, cur - os) == 0)
                    add_match(&m, "--help");
                *cursor_start = byte_to_cp(code, os);
                return m.arr;
            }
            /* count the words before the current one (after the name),
             * keeping the first */
            for (q = j + k; q < ws; q++) {
                if (isspace((unsigned char)code[q])) {
                    in_word = 0;
                } else if (!in_word) {
                    in_word = 1;
                    if (nwords++ == 0)
                        fs = q;
                }
            }
            if (nwords > 0) {
                size_t fe = fs;

                while (fe < ws && !isspace((unsigned char)code[fe]))
                    fe++;
                if (fe - fs >= sizeof first)
                    return m.arr;
                memcpy(first, code + fs, fe - fs);
                first[fe - fs] = '\0';
            }
            *cursor_start = byte_to_cp(code, ws);
            {
                struct arg_matches am = {&m, pre, plen};

                if (mg->complete && mg->complete(nwords, nwords ? first : NULL,
                                                 add_arg_match, &am))
                    return m.arr;
            }
            if (nwords == 0 && mg->subcommands) {
                /* a subcommand goes first: no table or column fits */
                for (i = 0; mg->subcommands[i]; i++)
                    if (strncmp(mg->subcommands[i], pre, plen) == 0)
                        add_match(&m, mg->subcommands[i]);
                return m.arr;
            }
            add_schema_matches(in->db, &m, pre, plen, 1, NULL);
            return m.arr;
        }
    }

    /* SQL: table.column, else tables, columns, keywords. */
    *cursor_start = byte_to_cp(code, ws);
    if (ws > ls && code[ws - 1] == '.') {
        size_t ts = ws - 1;
        char table[256];

        while (ts > ls && ident_char((unsigned char)code[ts - 1]))
            ts--;
        if (ws - 1 - ts > 0 && ws - 1 - ts < sizeof table) {
            char real[256];

            memcpy(table, code + ts, ws - 1 - ts);
            table[ws - 1 - ts] = '\0';
            if (table_exists(in->db, table, real, sizeof real))
                add_schema_matches(in->db, &m, pre, plen, 1, real);
        }
        return m.arr;
    }
    {
        /* After FROM, JOIN, INTO, UPDATE or TABLE only a table fits. */
        static const char *const before_table[] = {"FROM",   "JOIN",  "INTO",
                                                   "UPDATE", "TABLE", NULL};
        size_t pe = ws, pb;
        int k, tables_only = 0;

        while (pe > 0 && isspace((unsigned char)code[pe - 1]))
            pe--;
        pb = pe;
        while (pb > 0 && isalpha((unsigned char)code[pb - 1]))
            pb--;
        if (pe < ws && pb < pe &&
            (pb == 0 || !ident_char((unsigned char)code[pb - 1])))
            for (k = 0; before_table[k]; k++)
                if (pe - pb == strlen(before_table[k]) &&
                    strncasecmp(code + pb, before_table[k], pe - pb) == 0)
                    tables_only = 1;
        add_schema_matches(in->db, &m, pre, plen, !tables_only, NULL);
        if (plen > 0 && !tables_only)
            add_keyword_matches(&m, pre, plen);
    }
    return m.arr;
}

/* Inspect text of variable `name` (mg_vars.h); 1 when written. */
static int describe_var(const char *name, struct yt_buf *b)
{
    const struct mg_var *v = mg_vars_get(name);

    return v && yt_buf_adds(b, "variable ") == 0 &&
           mg_var_describe(v, b) == 0 &&
           yt_buf_addf(b,
                       "\nset with %%set; used as :%s in SQL, {%s} in "
                       "magic lines\n",
                       name, name) == 0;
}

/* The magic of the line holding byte `cur` when that line is `%name ...`
 * or `%%name ...` (leading blanks allowed); NULL otherwise. */
static const struct mg_magic *line_magic(const char *code, size_t cur)
{
    char name[128];
    size_t ls = cur, k = 0;

    while (ls > 0 && code[ls - 1] != '\n')
        ls--;
    while (code[ls] == ' ' || code[ls] == '\t')
        ls++;
    if (code[ls] != '%')
        return NULL;
    while (code[ls] == '%')
        ls++;
    while (ident_char((unsigned char)code[ls + k]) && k + 1 < sizeof name) {
        name[k] = code[ls + k];
        k++;
    }
    name[k] = '\0';
    return mg_registry_find(name);
}

static int interp_inspect(void *self, const char *code, int cursor_pos,
                          int detail_level, cJSON **data)
{
    struct interp *in = self;
    size_t cur, s, e;
    char word[256], real[256];
    const struct mg_magic *mg, *lm;
    struct yt_buf b;
    int found = 0;

    *data = NULL;
    if (!code)
        return 0;
    cur = cp_to_byte(code, cursor_pos);
    s = e = cur;
    while (s > 0 && ident_char((unsigned char)code[s - 1]))
        s--;
    while (code[e] && ident_char((unsigned char)code[e]))
        e++;
    if (e - s >= sizeof word)
        return 0;
    memcpy(word, code + s, e - s);
    word[e - s] = '\0';
    /* on a magic's line, a word that names nothing else shows its help */
    lm = line_magic(code, cur);
    if (e == s && !lm)
        return 0;
    yt_buf_init(&b, OUT_MAX);
    mg = e > s ? mg_registry_find(word) : NULL;
    if (e == s) {
        /* between words: only the line's magic */
    } else if (s > 0 && strchr(":${", code[s - 1]) && mg_vars_get(word)) {
        found = describe_var(word, &b);
    } else if (mg && (s == 0 || code[s - 1] == '%' || code[e] == '?' ||
                      !table_exists(in->db, word, NULL, 0))) {
        found = mg_help_format(mg, &b) == 0;
    } else if (table_exists(in->db, word, real, sizeof real)) {
        found = table_schema(in->db, real, &b) == 0;
    } else {
        /* a column: name the tables that have it, with its type */
        sqlite3_stmt *st = NULL;

        if (sqlite3_prepare_v2(in->db,
                               "SELECT s.name, p.name, p.type FROM "
                               "sqlite_schema s, pragma_table_info(s.name) p "
                               "WHERE s.type IN ('table','view') AND p.name = "
                               "?1 COLLATE NOCASE ORDER BY s.name",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, word, -1, SQLITE_TRANSIENT);
            while (sqlite3_step(st) == SQLITE_ROW) {
                const char *t = (const char *)sqlite3_column_text(st, 0);
                const char *c = (const char *)sqlite3_column_text(st, 1);
                const char *ty = (const char *)sqlite3_column_text(st, 2);

                if (yt_buf_addf(&b, "column %s.%s %s\n", t ? t : "", c ? c : "",
                                ty && *ty ? ty : "(any)") < 0)
                    break;
                found = 1;
            }
        }
        sqlite3_finalize(st);
    }
    if (!found && e > s && mg_vars_get(word))
        found = describe_var(word, &b);
    if (!found && lm)
        found = mg_help_format(lm, &b) == 0;
    if (found) {
        *data = cJSON_CreateObject();
        if (*data)
            cJSON_AddStringToObject(*data, "text/plain", yt_buf_str(&b));
        else
            found = 0;
    }
    yt_buf_free(&b);
    return found;
}

static const char *interp_is_complete(void *self, const char *code,
                                      const char **indent)
{
    struct mg_part *parts = NULL;
    char err[YTK_ERR_LEN];
    const char *res = "complete";
    int n, i;

    *indent = "";
    if (!code || sql_blank(code, strlen(code)) || is_exit_cell(code))
        return "complete";
    n = mg_cell_split(code, &parts, err);
    if (n < 0)
        return "invalid";
    for (i = 0; i < n; i++) {
        const struct mg_part *p = &parts[i];

        if ((p->kind == MG_PART_LINE || p->kind == MG_PART_CELL) &&
            !raw_magic(p->text)) {
            char **w = NULL;
            int nw = 0;

            if (mg_args_split(p->text, &nw, &w, err) < 0) {
                res = "incomplete"; /* unterminated quote */
                break;
            }
            mg_args_free_words(w);
        }
        if (p->kind == MG_PART_CELL) {
            /* like IPython: a cell magic ends with an empty (blank) last
             * line, so a console lets the user type the body first */
            const char *last = strrchr(code, '\n');

            if (!last)
                res = "incomplete";
            else
                for (; *last; last++)
                    if (!isspace((unsigned char)*last))
                        res = "incomplete";
        }
        if (p->kind == MG_PART_SQL && i == n - 1 &&
            !sql_blank(p->text, strlen(p->text)) && !sqlite3_complete(p->text))
            res = "incomplete";
    }
    mg_cell_free(parts, n);
    return res;
}

static void interp_shutdown(void *self, int restart)
{
    struct interp *in = self;

    if (!in || !in->db)
        return;
    sqlite3_exec(in->db, "PRAGMA optimize", NULL, NULL, NULL);
    if (!restart)
        sqlite3_exec(in->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
                     NULL);
}

/* --------------------------------------------------- create / destroy */

int mg_mkdirs(const char *path, mode_t mode, char err[YTK_ERR_LEN])
{
    char *p = strdup(path), *s;
    struct stat sb;
    int rc = -1, e = 0;

    if (!p) {
        if (err)
            yt_errf(err, "out of memory");
        return -1;
    }
    for (s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;

            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST) {
                e = errno;
                if (err)
                    yt_errf(err,
                            "cannot create %s: %s (set YTK_HOME to a "
                            "writable directory)",
                            p, strerror(e));
                goto out;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    if (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        e = ENOTDIR;
        if (err)
            yt_errf(err, "%s is not a directory (set YTK_HOME to a directory)",
                    path);
        goto out;
    }
    rc = 0;
out:
    free(p);
    errno = e;
    return rc;
}

/* What kernel_info says of both interpreters (usable store or not). */
static void set_identity(struct kn_interp *out, struct interp *in)
{
    out->self = in;
    out->implementation = "ytkernel";
    out->implementation_version = YTK_VERSION;
    out->banner = in->banner;
    out->language_info = interp_language_info;
    out->help_links = interp_help_links;
}

int mg_interp_create(const char *home, struct kn_interp *out,
                     char err[YTK_ERR_LEN])
{
    struct interp *in = NULL;
    char *path = NULL;
    size_t hl;
    int rc = -1, on = 0;

    memset(out, 0, sizeof *out);
    if (!home || !*home) {
        yt_errf(err, "no home directory for the store: set "
                     "YTK_HOME");
        return -1;
    }
    in = calloc(1, sizeof *in);
    if (!in || !(in->home = strdup(home))) {
        yt_errf(err, "out of memory");
        goto out;
    }
    hl = strlen(in->home);
    while (hl > 1 && in->home[hl - 1] == '/')
        in->home[--hl] = '\0';
    if (mg_mkdirs(in->home, 0700, err) < 0)
        goto out;
    path = sqlite3_mprintf("%s/store.sqlite", in->home);
    if (!path) {
        yt_errf(err, "out of memory");
        goto out;
    }
    /* 0600 before SQLite opens it: its -wal/-shm take the file's mode. */
    if (yt_file_private_prepare(path, err) < 0)
        goto out;
    if (sqlite3_open_v2(path, &in->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        yt_errf(err, "cannot open the store %s: %s", path,
                in->db ? sqlite3_errmsg(in->db) : "out of memory");
        goto out;
    }
    sqlite3_db_config(in->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, &on);
    sqlite3_db_config(in->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on);
    sqlite3_busy_timeout(in->db, 5000);
    sqlite3_extended_result_codes(in->db, 1);
    /* WAL with synchronous=NORMAL: a commit is in the WAL file (written,
     * not fsynced) before sqlite3_step returns, so it survives the kernel
     * being killed or crashing (what --resume and the kill-safety tests
     * rely on); only an OS crash or power cut may lose the last commits,
     * never corrupt the store.  FULL would fsync every page's transaction,
     * which the fetch engine pays on its critical path. */
    if (sqlite3_exec(in->db,
                     "PRAGMA journal_mode=WAL; "
                     "PRAGMA synchronous=NORMAL; "
                     "PRAGMA foreign_keys=ON;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        yt_errf(err, "cannot set up the store %s: %s", path,
                sqlite3_errmsg(in->db));
        goto out;
    }
    sqlite3_progress_handler(in->db, 1000, progress_cb, in);
    snprintf(in->banner, sizeof in->banner,
             "ytkernel %s -- SQL (SQLite %s) over your YouTube data.\n"
             "Type %%help for the cell language and magics.",
             YTK_VERSION, sqlite3_libversion());

    set_identity(out, in);
    out->execute = interp_execute;
    out->history_text = interp_history_text;
    out->eval_expression = interp_eval;
    out->complete = interp_complete;
    out->inspect = interp_inspect;
    out->is_complete = interp_is_complete;
    out->shutdown = interp_shutdown;
    in = NULL;
    rc = 0;
out:
    sqlite3_free(path);
    if (in) {
        sqlite3_close(in->db);
        free(in->home);
        free(in);
    }
    return rc;
}

/* Every cell of a kernel without a usable store fails saying why. */
static int unusable_execute(void *self, struct kn_exec *x, const char *code)
{
    const struct interp *in = self;

    (void)code;
    kn_exec_fail(x, "SetupError", "%s", in->unusable);
    kn_exec_fail_line(x, "Hint: the kernel keeps its store, token and "
                         "history in YTK_HOME (default "
                         "~/.local/share/ytkernel): set YTK_HOME to a folder "
                         "you can write in the kernel's environment, then "
                         "restart the kernel.");
    return -1;
}

int mg_interp_create_unusable(const char *why, struct kn_interp *out)
{
    struct interp *in = calloc(1, sizeof *in);

    memset(out, 0, sizeof *out);
    if (!in || !(in->unusable = strdup(why && *why ? why : "no store"))) {
        free(in);
        return -1;
    }
    snprintf(in->banner, sizeof in->banner,
             "ytkernel %s -- cannot use its store: %.160s", YTK_VERSION,
             in->unusable);
    set_identity(out, in);
    out->execute = unusable_execute;
    return 0;
}

void mg_interp_destroy(struct kn_interp *ki)
{
    struct interp *in;

    if (!ki || !ki->self)
        return;
    in = ki->self;
    mg_vars_clear();
    sqlite3_close(in->db);
    free(in->home);
    free(in->unusable);
    free(in);
    memset(ki, 0, sizeof *ki);
}
