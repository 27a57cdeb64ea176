/* yt_err.h -- fill a caller's error buffer (YT_ERR_LEN bytes), truncating
 * silently.  A function rather than snprintf so that messages built from
 * other messages do not trip -Wformat-truncation. */
#ifndef YT_ERR_H
#define YT_ERR_H

#include <stdarg.h>
#include <stdio.h>

#include "yt_http.h"

static inline void yt_errf(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void yt_errf(char *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, YT_ERR_LEN, fmt, ap);
    va_end(ap);
}

#endif /* YT_ERR_H */
