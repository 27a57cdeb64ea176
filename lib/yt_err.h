/* yt_err.h -- the one error vocabulary of lib/ and magics/:
 *
 *   YTK_ERR_LEN    size of every caller error buffer (`char err[YTK_ERR_LEN]`).
 *   enum ytk_err   every failure code, one meaning per value, under one name
 *                  whichever module returns it; functions return 0 (or a
 *                  positive count) on success and one of these on failure.
 *                  Each module's header lists the codes it returns.
 *   ytk_strerror() a short English description of a code (never NULL).
 *   YTK_ASSERT()   checks an invariant a module's header states; active in
 *                  Debug and sanitizer builds (YTK_ASSERTS defined by
 *                  CMake), compiled but never evaluated otherwise.  A failed
 *                  assertion is a bug: it prints file:line and aborts.
 *   yt_errf()      fills a caller's error buffer (YTK_ERR_LEN bytes; NULL is
 *                  allowed and ignored), truncating silently.  A function
 *                  rather than snprintf so that messages built from other
 *                  messages do not trip -Wformat-truncation.
 *   yt_wipe_free() zeroes a NUL-terminated string that may hold a token,
 *                  code, secret or key, then frees it (NULL is fine).
 */
#ifndef YT_ERR_H
#define YT_ERR_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YTK_ERR_LEN 512

enum ytk_err {
    YTK_OK = 0,
    YTK_E_NOMEM = -1,          /* out of memory */
    YTK_E_TOOBIG = -2,         /* over a size limit */
    YTK_E_IO = -3,             /* cannot read or write a file or socket */
    YTK_E_NOENT = -4,          /* no such file */
    YTK_E_FORMAT = -5,         /* input not in the expected format */
    YTK_E_USAGE = -6,          /* bad arguments from the user */
    YTK_E_ABORTED = -7,        /* interrupted by the user */
    YTK_E_TIMEOUT = -8,        /* gave up waiting */
    YTK_E_CONNECT = -9,        /* could not connect (DNS, TCP, TLS) */
    YTK_E_TRANSFER = -10,      /* connection dropped, truncated body */
    YTK_E_NET = -25,           /* network failure of any kind */
    YTK_E_INSECURE = -11,      /* plain http to a non-loopback host */
    YTK_E_PROTO = -12,         /* unexpected answer from a server or peer */
    YTK_E_METHOD = -13,        /* HTTP request other than GET */
    YTK_E_STATE = -14,         /* OAuth redirect with the wrong state */
    YTK_E_INVALID_GRANT = -15, /* refresh token or code rejected */
    YTK_E_DENIED = -16,        /* the user declined (access_denied) */
    YTK_E_CLIENT = -17,        /* OAuth client unknown or misconfigured */
    YTK_E_PENDING = -18,       /* device flow: not approved yet */
    YTK_E_SLOW_DOWN = -19,     /* device flow: polling too fast */
    YTK_E_EXPIRED = -20,       /* device code expired */
    YTK_E_OAUTH = -21,         /* any other OAuth error */
    YTK_E_NOCRED = -22,        /* no token file and no API key */
    YTK_E_REFRESH = -23,       /* token refresh failed */
    YTK_E_SQL = -24,           /* SQLite reported an error */
    YTK_E_ORIGIN = -26,        /* token minted by another token endpoint */
    YTK_E_LAST = -26
};

/* Description of a code ("success" for 0, "unknown error" for others). */
const char *ytk_strerror(int code);

#if defined(YTK_ASSERTS)
#define YTK_ASSERT(cond)                                                       \
    ((cond) ? (void)0 : ytk_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define YTK_ASSERT(cond) ((void)sizeof(!(cond)))
#endif
/* Print "file:line: func: assertion `expr' failed" to stderr and abort. */
void ytk_assert_fail(const char *expr, const char *file, int line,
                     const char *func) __attribute__((noreturn));

static inline void yt_errf(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void yt_errf(char *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(err, YTK_ERR_LEN, fmt, ap);
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
