/* fuzz_listener.c -- libFuzzer target: the loopback listener's HTTP request
 * parser (yt_listener_parse_request), its query parser, and the parser of
 * pasted redirect URLs (yt_redirect_parse).  They read untrusted bytes from
 * the local network or the user.  Asserts:
 *   - the request parser never reads past len (the input is an exact-size
 *     heap copy, so ASan sees any overread) and answers MORE only when no
 *     blank line ended the head, TOOBIG only past the size bound;
 *   - an accepted request has a path starting with '/', without '?', '#',
 *     blanks or non-ASCII bytes, and every decoded value is at most
 *     YT_LISTENER_MAX_VALUE bytes with no control characters (so nothing
 *     can split a header or a log line);
 *   - a refused request or paste leaves every field NULL; a refused paste
 *     says why; an accepted paste has a code or an error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yt_listener.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_value(const char *v)
{
    size_t i, n;

    if (!v)
        return;
    n = strlen(v);
    if (n > YT_LISTENER_MAX_VALUE)
        abort();
    for (i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] == 0x7f)
            abort();
}

static void check_values(const struct yt_redirect *r)
{
    check_value(r->code);
    check_value(r->state);
    check_value(r->error);
    check_value(r->error_description);
    check_value(r->scope);
}

static void check_empty(const struct yt_redirect *r)
{
    if (r->path || r->code || r->state || r->error || r->error_description ||
        r->scope)
        abort();
}

static int has_blank_line(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i + 1 < n; i++)
        if (s[i] == '\n' &&
            (s[i + 1] == '\n' ||
             (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n')))
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yt_redirect r;
    char err[YTK_ERR_LEN];
    char *s;
    int rc;

    /* Exactly `size` bytes, no terminator: the parser must not read past. */
    s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    rc = yt_listener_parse_request(s, size, &r);
    if (rc == YT_LREQ_OK) {
        size_t i;

        if (!r.path || r.path[0] != '/')
            abort();
        for (i = 0; r.path[i]; i++)
            if ((unsigned char)r.path[i] <= 0x20 ||
                (unsigned char)r.path[i] >= 0x7f || r.path[i] == '?' ||
                r.path[i] == '#')
                abort();
        check_values(&r);
        yt_redirect_free(&r);
    } else {
        check_empty(&r);
        if (rc == YT_LREQ_MORE &&
            (size >= YT_LISTENER_MAX_REQUEST ||
             (!memchr(s, '\0', size) && has_blank_line(s, size))))
            abort();
        if (rc == YTK_E_TOOBIG && size < YT_LISTENER_MAX_REQUEST)
            abort();
    }

    /* The query parser alone on the same exact-size bytes. */
    memset(&r, 0, sizeof r);
    if (yt_redirect_parse_query(s, size, &r) == 0)
        check_values(&r);
    yt_redirect_free(&r);
    free(s);

    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    err[0] = '\0';
    if (yt_redirect_parse(s, &r, err) == 0) {
        if (!r.code && !r.error)
            abort();
        check_values(&r);
        yt_redirect_free(&r);
    } else {
        if (!err[0])
            abort();
        check_empty(&r);
    }
    free(s);
    return 0;
}
