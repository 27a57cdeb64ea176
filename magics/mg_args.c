/* mg_args.c -- tokenizer and option parser for magic lines.  See mg_args.h.
 *
 * Tokenizing is POSIX shell quoting without any expansion:
 *   - blanks (space, tab, CR, LF) separate words;
 *   - 'single quotes' keep everything literally;
 *   - "double quotes" keep everything except \" \\ \$ \` (backslash escapes);
 *   - outside quotes a backslash makes the next character literal (a trailing
 *     backslash stays a backslash);
 *   - '' or "" make an empty word.
 *
 * Option names compare with '-' and '_' treated alike (`--max-results` ==
 * `--max_results`), the parsed name is always the spec's spelling.
 */
#include "mg_args.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_buf.h"
#include "yt_err.h"

_Static_assert(YTK_ERR_LEN == YTK_ERR_LEN, "yt_errf fills YTK_ERR_LEN buffers");

#define WORD_MAX (1u << 20) /* one word may not exceed 1 MiB */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void mg_args_free_words(char **argv)
{
    size_t i;

    if (!argv)
        return;
    for (i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

static int push_word(char ***argv, int *argc, size_t *cap, char *w)
{
    if ((size_t)*argc + 2 > *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        char **p = realloc(*argv, ncap * sizeof *p);

        if (!p)
            return -1;
        *argv = p;
        *cap = ncap;
    }
    (*argv)[(*argc)++] = w;
    (*argv)[*argc] = NULL;
    return 0;
}

/* Move the word collected in w to the vector. */
static int end_word(struct yt_buf *w, char ***argv, int *argc, size_t *cap,
                    char err[YTK_ERR_LEN])
{
    char *s = yt_buf_take(w);

    if (!s || push_word(argv, argc, cap, s) < 0) {
        free(s);
        yt_errf(err, "out of memory");
        return -1;
    }
    return 0;
}

int mg_args_split(const char *line, int *argc, char ***argv,
                  char err[YTK_ERR_LEN])
{
    struct yt_buf w;
    char **v = NULL;
    size_t cap = 0;
    int n = 0, in_word = 0, rc = -1;
    size_t tilde_at = 0;
    const char *p = line ? line : "", *home = getenv("HOME");

    yt_buf_init(&w, WORD_MAX);
    /* Always hand back a valid (possibly empty) vector. */
    v = calloc(1, sizeof *v);
    if (!v) {
        yt_errf(err, "out of memory");
        goto out;
    }
    cap = 1;
    while (*p) {
        char c = *p;
        /* where a shell expands ~: an unquoted word's first character, or
         * just after the '=' of --name=VALUE */
        int tilde_here =
            !in_word || (w.len > 2 && memcmp(w.ptr, "--", 2) == 0 &&
                         w.ptr[w.len - 1] == '=' && tilde_at == w.len);

        if (is_blank(c)) {
            if (in_word && end_word(&w, &v, &n, &cap, err) < 0)
                goto out;
            in_word = 0;
            tilde_at = 0;
            p++;
            continue;
        }
        in_word = 1;
        if (c == '~' && tilde_here &&
            (p[1] == '/' || p[1] == '\0' || is_blank(p[1])) && home && *home) {
            if (yt_buf_adds(&w, home) < 0)
                goto toolong;
            p++;
            continue;
        }
        if (c == '\'') {
            const char *end = strchr(p + 1, '\'');

            if (!end) {
                yt_errf(err, "unterminated single quote: add the closing '");
                goto out;
            }
            if (yt_buf_add(&w, p + 1, (size_t)(end - p - 1)) < 0)
                goto toolong;
            p = end + 1;
        } else if (c == '"') {
            p++;
            for (;;) {
                if (!*p) {
                    yt_errf(err,
                            "unterminated double quote: add the closing \"");
                    goto out;
                }
                if (*p == '"') {
                    p++;
                    break;
                }
                if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]) != NULL) {
                    if (yt_buf_add(&w, p + 1, 1) < 0)
                        goto toolong;
                    p += 2;
                    continue;
                }
                if (yt_buf_add(&w, p, 1) < 0)
                    goto toolong;
                p++;
            }
        } else if (c == '\\') {
            if (p[1]) {
                if (yt_buf_add(&w, p + 1, 1) < 0)
                    goto toolong;
                p += 2;
            } else {
                if (yt_buf_add(&w, p, 1) < 0)
                    goto toolong;
                p++;
            }
        } else {
            if (yt_buf_add(&w, p, 1) < 0)
                goto toolong;
            /* the first unquoted '=' of an option: ~ may follow */
            if (c == '=' && !memchr(w.ptr, '=', w.len - 1))
                tilde_at = w.len;
            p++;
        }
    }
    if (in_word && end_word(&w, &v, &n, &cap, err) < 0)
        goto out;
    *argv = v;
    *argc = n;
    v = NULL;
    rc = 0;
    goto out;
toolong:
    yt_errf(err, "argument too long (more than %u bytes)", WORD_MAX - 1);
out:
    yt_buf_free(&w);
    mg_args_free_words(v);
    return rc;
}

/* Compare option names with '-' and '_' alike; n = bytes of a to use. */
static int name_eq(const char *a, size_t n, const char *b)
{
    size_t i;

    for (i = 0; i < n; i++, b++) {
        char x = a[i] == '-' ? '_' : a[i];
        char y = *b == '-' ? '_' : *b;

        if (!*b || x != y)
            return 0;
    }
    return *b == '\0';
}

static void list_options(const struct mg_opt *spec, char *out, size_t outlen)
{
    size_t used = 0;
    int k;

    out[0] = '\0';
    if (!spec || !spec[0].name) {
        snprintf(out, outlen, "this magic takes no options");
        return;
    }
    used = (size_t)snprintf(out, outlen, "valid options:");
    for (k = 0; spec[k].name && used < outlen; k++) {
        int m;

        if (spec[k].shortname)
            m = snprintf(out + used, outlen - used, " -%c/--%s%s",
                         spec[k].shortname, spec[k].name,
                         spec[k].takes_value ? " VALUE" : "");
        else
            m = snprintf(out + used, outlen - used, " --%s%s", spec[k].name,
                         spec[k].takes_value ? " VALUE" : "");
        if (m < 0)
            break;
        used += (size_t)m;
        if (spec[k + 1].name && used < outlen)
            used += (size_t)snprintf(out + used, outlen - used, ",");
    }
}

int mg_args_distance(const char *a, const char *b)
{
    int row[101], i, j, la = (int)strlen(a), lb = (int)strlen(b);

    if (la > 100 || lb > 100)
        return 100;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        int diag = row[0];

        row[0] = i;
        for (j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = diag + cost;

            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 100 ? 100 : row[lb];
}

static const struct mg_opt *closest_opt(const struct mg_opt *spec,
                                        const char *word)
{
    const struct mg_opt *best = NULL;
    int bestd = 3, k; /* suggest only within distance 2 */

    for (k = 0; spec && spec[k].name; k++) {
        int d = mg_args_distance(word, spec[k].name);

        if (d < bestd) {
            bestd = d;
            best = &spec[k];
        }
    }
    return best;
}

static int add_opt(struct mg_args *a, const char *name, const char *val)
{
    char **n2, **v2;
    char *nm, *vl;

    n2 = realloc(a->optname, (size_t)(a->nopt + 1) * sizeof *n2);
    if (!n2)
        return -1;
    a->optname = n2;
    v2 = realloc(a->optval, (size_t)(a->nopt + 1) * sizeof *v2);
    if (!v2)
        return -1;
    a->optval = v2;
    nm = strdup(name);
    vl = strdup(val);
    if (!nm || !vl) {
        free(nm);
        free(vl);
        return -1;
    }
    a->optname[a->nopt] = nm;
    a->optval[a->nopt] = vl;
    a->nopt++;
    return 0;
}

static int add_pos(struct mg_args *a, const char *w)
{
    char **p2 = realloc(a->pos, (size_t)(a->npos + 2) * sizeof *p2);
    char *s;

    if (!p2)
        return -1;
    a->pos = p2;
    s = strdup(w);
    if (!s)
        return -1;
    a->pos[a->npos++] = s;
    a->pos[a->npos] = NULL;
    return 0;
}

/* A word like "-5" or "-0.5" is a negative number, not an option, unless a
 * short option with that digit exists. */
static int looks_negative_number(const char *w, const struct mg_opt *spec)
{
    int k;

    if (w[0] != '-' || !((w[1] >= '0' && w[1] <= '9') || w[1] == '.'))
        return 0;
    for (k = 0; spec && spec[k].name; k++)
        if (spec[k].shortname == w[1])
            return 0;
    return 1;
}

/* Record option o with value; checks for repetition. */
static int take_opt(struct mg_args *a, const struct mg_opt *o, const char *val,
                    char err[YTK_ERR_LEN])
{
    int k;

    for (k = 0; k < a->nopt; k++)
        if (strcmp(a->optname[k], o->name) == 0) {
            yt_errf(err, "option --%s given more than once: give it once",
                    o->name);
            return -1;
        }
    if (add_opt(a, o->name, val) < 0) {
        yt_errf(err, "out of memory");
        return -1;
    }
    return 0;
}

int mg_args_parse(const char *line, const struct mg_opt *spec,
                  struct mg_args *out, char err[YTK_ERR_LEN])
{
    char **argv = NULL;
    char valid[300];
    int argc = 0, i, only_pos = 0, rc = -1;

    memset(out, 0, sizeof *out);
    if (mg_args_split(line, &argc, &argv, err) < 0)
        return -1;
    list_options(spec, valid, sizeof valid);
    for (i = 0; i < argc; i++) {
        const char *w = argv[i];
        const struct mg_opt *o = NULL;
        int k;

        if (only_pos || w[0] != '-' || w[1] == '\0' ||
            looks_negative_number(w, spec)) {
            if (add_pos(out, w) < 0)
                goto oom;
            continue;
        }
        if (strcmp(w, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (w[1] == '-') {
            const char *name = w + 2, *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);

            for (k = 0; spec && spec[k].name; k++)
                if (name_eq(name, nlen, spec[k].name)) {
                    o = &spec[k];
                    break;
                }
            if (!o) {
                char nm[64];
                const struct mg_opt *near;

                snprintf(nm, sizeof nm, "%.*s", (int)(nlen < 60 ? nlen : 60),
                         name);
                near = closest_opt(spec, nm);
                if (near)
                    yt_errf(err,
                            "unknown option --%s (did you mean --%s?); "
                            "%s",
                            nm, near->name, valid);
                else
                    yt_errf(err, "unknown option --%s; %s", nm, valid);
                goto out;
            }
            if (eq && !o->takes_value) {
                yt_errf(err,
                        "option --%s is a flag and takes no value: "
                        "write --%s alone",
                        o->name, o->name);
                goto out;
            }
            if (o->takes_value && !eq) {
                if (i + 1 >= argc) {
                    yt_errf(err, "option --%s needs a value: --%s VALUE",
                            o->name, o->name);
                    goto out;
                }
                if (take_opt(out, o, argv[++i], err) < 0)
                    goto out;
            } else if (take_opt(out, o, eq ? eq + 1 : "", err) < 0) {
                goto out;
            }
            continue;
        }
        /* Short option(s): -x, -xVALUE, -abc (flags). */
        for (k = 1; w[k]; k++) {
            int j;

            o = NULL;
            for (j = 0; spec && spec[j].name; j++)
                if (spec[j].shortname && spec[j].shortname == w[k]) {
                    o = &spec[j];
                    break;
                }
            if (!o) {
                if ((unsigned char)w[k] >= 0x80 || (unsigned char)w[k] < 0x20)
                    yt_errf(err, "unknown option in '%.40s'; %s", w, valid);
                else
                    yt_errf(err, "unknown option -%c; %s", w[k], valid);
                goto out;
            }
            if (o->takes_value) {
                if (w[k + 1]) {
                    if (take_opt(out, o, w + k + 1, err) < 0)
                        goto out;
                } else {
                    if (i + 1 >= argc) {
                        yt_errf(err,
                                "option -%c/--%s needs a value: "
                                "-%c VALUE",
                                o->shortname, o->name, o->shortname);
                        goto out;
                    }
                    if (take_opt(out, o, argv[++i], err) < 0)
                        goto out;
                }
                break;
            }
            if (take_opt(out, o, "", err) < 0)
                goto out;
        }
    }
    rc = 0;
    goto out;
oom:
    yt_errf(err, "out of memory");
out:
    mg_args_free_words(argv);
    if (rc < 0)
        mg_args_free(out);
    return rc;
}

void mg_args_free(struct mg_args *a)
{
    int i;

    if (!a)
        return;
    for (i = 0; i < a->npos; i++)
        free(a->pos[i]);
    free(a->pos);
    for (i = 0; i < a->nopt; i++) {
        free(a->optname[i]);
        free(a->optval[i]);
    }
    free(a->optname);
    free(a->optval);
    memset(a, 0, sizeof *a);
}

const char *mg_args_get(const struct mg_args *a, const char *name)
{
    int i;

    YTK_ASSERT(a->nopt >= 0 && name != NULL);
    for (i = 0; i < a->nopt; i++) {
        YTK_ASSERT(a->optname[i] != NULL && a->optval[i] != NULL);
        if (name_eq(a->optname[i], strlen(a->optname[i]), name))
            return a->optval[i];
    }
    return NULL;
}

int mg_args_has(const struct mg_args *a, const char *name)
{
    return mg_args_get(a, name) != NULL;
}

const char *mg_args_pos(const struct mg_args *a, int i)
{
    YTK_ASSERT(a->npos >= 0);
    if (i < 0 || i >= a->npos)
        return NULL;
    YTK_ASSERT(a->pos[i] != NULL);
    return a->pos[i];
}

int mg_args_get_long(const struct mg_args *a, const char *name, long lo,
                     long hi, long *out, char err[YTK_ERR_LEN])
{
    const char *v = mg_args_get(a, name);
    char *end = NULL;
    long n;

    if (!v)
        return 0;
    errno = 0;
    n = strtol(v, &end, 10);
    if (!*v || *end || errno == ERANGE || n < lo || n > hi) {
        yt_errf(err,
                "option --%s expects a whole number from %ld to %ld, "
                "got '%.40s'",
                name, lo, hi, v);
        return -1;
    }
    *out = n;
    return 0;
}
