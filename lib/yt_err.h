/* yt_err.h -- two small helpers shared by the yt_ HTTP and auth modules
 * (header only, nothing to link):
 *
 *   yt_errf()      fills a caller's error buffer (YT_ERR_LEN bytes; NULL is
 *                  allowed and ignored), truncating silently.  A function
 *                  rather than snprintf so that messages built from other
 *                  messages do not trip -Wformat-truncation.  The magics use
 *                  it too (MG_ERR_LEN is the same size).
 *   yt_wipe_free() zeroes a NUL-terminated string that may hold a token,
 *                  code, secret or key, then frees it (NULL is fine).
 */
#ifndef YT_ERR_H
#define YT_ERR_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yt_http.h"

static inline void yt_errf(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void yt_errf(char *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(err, YT_ERR_LEN, fmt, ap);
    va_end(ap);
}

static inline void yt_wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

#endif /* YT_ERR_H */
