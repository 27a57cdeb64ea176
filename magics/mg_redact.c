/* mg_redact.c -- secrets out of the history text.  See mg_redact.h. */
#include "mg_redact.h"

#include <stdlib.h>
#include <string.h>

#include "yt_buf.h"

#define MIN_TOKEN_TAIL 8

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

static int is_token_char(unsigned char c)
{
    return is_word(c) || (c && strchr(".~+/=-", c) != NULL);
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static void mark(char *m, size_t from, size_t to)
{
    memset(m + from, 1, to - from);
}

/* Next word of the line [*p, end), as a shell splits it: blanks skipped,
 * a quote runs to the matching quote (or the line end), blanks inside
 * quotes do not end the word.  Returns 0 at the end of the line. */
static int next_word(const char *s, size_t *p, size_t end, size_t *ws,
                     size_t *we)
{
    size_t i = *p;

    while (i < end && is_blank((unsigned char)s[i]))
        i++;
    if (i >= end)
        return 0;
    *ws = i;
    while (i < end && !is_blank((unsigned char)s[i])) {
        if (s[i] == '"' || s[i] == '\'') {
            const char *q = memchr(s + i + 1, s[i], end - i - 1);

            i = q ? (size_t)(q - s) + 1 : end;
        } else {
            i++;
        }
    }
    *we = i;
    *p = i;
    return 1;
}

static int word_is(const char *s, size_t ws, size_t we, const char *w)
{
    size_t n = strlen(w);

    return we - ws == n && memcmp(s + ws, w, n) == 0;
}

/* The magic-argument rules on one line [ls, le). */
static void redact_line(const char *s, size_t ls, size_t le, char *m)
{
    static const char opt[] = "--client-secret";
    size_t p = ls, ws, we, olen = sizeof opt - 1;
    int auth = 0, after_key = 0, after_secret = 0;

    while (next_word(s, &p, le, &ws, &we)) {
        if (after_key || after_secret) {
            if (after_secret || s[ws] != '-')
                mark(m, ws, we);
            after_key = after_secret = 0;
            continue;
        }
        if (we - ws >= 7 && memmem(s + ws, we - ws, "yt_auth", 7))
            auth = 1;
        else if (auth &&
                 (word_is(s, ws, we, "key") || word_is(s, ws, we, "code")))
            after_key = 1;
        if (word_is(s, ws, we, opt))
            after_secret = 1;
        else if (we - ws > olen && memcmp(s + ws, opt, olen) == 0 &&
                 s[ws + olen] == '=')
            mark(m, ws + olen + 1, we);
    }
}

/* The credential shapes anywhere in s. */
static void redact_shapes(const char *s, size_t len, char *m)
{
    static const char *const prefix[] = {"ya29.", "1//", "AIza", "GOCSPX-"};
    size_t i, k;

    for (i = 0; i < len; i++) {
        if (i > 0 && is_word((unsigned char)s[i - 1]))
            continue;
        for (k = 0; k < sizeof prefix / sizeof *prefix; k++) {
            size_t pl = strlen(prefix[k]), j;

            if (len - i < pl || memcmp(s + i, prefix[k], pl) != 0)
                continue;
            for (j = i + pl; j < len && is_token_char((unsigned char)s[j]);)
                j++;
            if (j - i - pl >= MIN_TOKEN_TAIL) {
                mark(m, i, j);
                i = j - 1;
            }
            break;
        }
    }
}

char *mg_redact_history(const char *code)
{
    size_t len = strlen(code), i, ls;
    char *m = calloc(len + 1, 1), *out = NULL;
    struct yt_buf b;

    if (!m)
        return NULL;
    for (ls = 0; ls <= len; ls = i + 1) {
        const char *nl = memchr(code + ls, '\n', len - ls);

        i = nl ? (size_t)(nl - code) : len;
        redact_line(code, ls, i, m);
    }
    redact_shapes(code, len, m);
    yt_buf_init(&b, len * 6 + 64); /* a 1-byte secret becomes 10 bytes */
    for (i = 0; i < len;) {
        size_t j = i;

        if (m[i]) {
            while (j < len && m[j])
                j++;
            if (yt_buf_adds(&b, MG_REDACTED) < 0)
                goto out;
        } else {
            while (j < len && !m[j])
                j++;
            if (yt_buf_add(&b, code + i, j - i) < 0)
                goto out;
        }
        i = j;
    }
    out = yt_buf_take(&b);
    if (!out)
        out = strdup("");
out:
    yt_buf_free(&b);
    free(m);
    return out;
}
