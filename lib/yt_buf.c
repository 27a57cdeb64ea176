/* yt_buf.c -- growable byte buffer with a hard cap.  See yt_buf.h. */
#include "yt_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_err.h"

static void check(const struct yt_buf *b)
{
    YTK_ASSERT(b->cap <= b->toobig);
    YTK_ASSERT(b->ptr ? b->len < b->cap && b->ptr[b->len] == '\0'
                      : b->len == 0 && b->cap == 0);
    YTK_ASSERT(!b->failed || !b->ptr);
}

void yt_buf_init(struct yt_buf *b, size_t toobig)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->toobig = toobig;
    b->failed = 0;
}

void yt_buf_free(struct yt_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

void yt_buf_reset(struct yt_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

/* Free the contents and remember why: every later append returns code. */
static int fail(struct yt_buf *b, int code)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = code;
    return code;
}

int yt_buf_failed(const struct yt_buf *b)
{
    return b->failed;
}

int yt_buf_add(struct yt_buf *b, const void *mem, size_t len)
{
    size_t need = b->len + len + 1;

    check(b);
    if (b->failed)
        return b->failed;
    if (need < b->len || need > b->toobig)
        return fail(b, YTK_E_TOOBIG);
    if (need > b->cap) {
        size_t ncap = b->cap ? b->cap : 64;
        char *p;

        while (ncap < need)
            ncap *= 2;
        if (ncap > b->toobig)
            ncap = b->toobig;
        p = realloc(b->ptr, ncap);
        if (!p)
            return fail(b, YTK_E_NOMEM);
        b->ptr = p;
        b->cap = ncap;
    }
    if (len)
        memcpy(b->ptr + b->len, mem, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    check(b);
    return 0;
}

int yt_buf_adds(struct yt_buf *b, const char *s)
{
    return yt_buf_add(b, s, strlen(s));
}

int yt_buf_vaddf(struct yt_buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list cp;
    int n;

    if (b->failed)
        return b->failed;
    va_copy(cp, ap);
    n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n < 0)
        return fail(b, YTK_E_FORMAT);
    if ((size_t)n < sizeof small)
        return yt_buf_add(b, small, (size_t)n);
    {
        char *big = malloc((size_t)n + 1);
        int rc;

        if (!big)
            return fail(b, YTK_E_NOMEM);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        rc = yt_buf_add(b, big, (size_t)n);
        free(big);
        return rc;
    }
}

int yt_buf_addf(struct yt_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = yt_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *yt_buf_str(const struct yt_buf *b)
{
    return b->ptr ? b->ptr : "";
}

char *yt_buf_take(struct yt_buf *b)
{
    char *p = b->ptr;

    check(b);
    if (b->failed)
        return NULL;
    if (!p)
        p = calloc(1, 1);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
