/* yt_err.c -- error descriptions and the assertion handler.  See yt_err.h. */
#include "yt_err.h"

const char *ytk_strerror(int code)
{
    switch ((enum ytk_err)code) {
    case YTK_OK:
        return "success";
    case YTK_E_NOMEM:
        return "out of memory";
    case YTK_E_TOOBIG:
        return "too large";
    case YTK_E_IO:
        return "input/output error";
    case YTK_E_NOENT:
        return "no such file";
    case YTK_E_FORMAT:
        return "malformed input";
    case YTK_E_USAGE:
        return "invalid arguments";
    case YTK_E_ABORTED:
        return "interrupted";
    case YTK_E_TIMEOUT:
        return "timed out";
    case YTK_E_CONNECT:
        return "could not connect";
    case YTK_E_TRANSFER:
        return "transfer failed";
    case YTK_E_NET:
        return "network error";
    case YTK_E_INSECURE:
        return "refused: plain http to a non-loopback host";
    case YTK_E_PROTO:
        return "unexpected answer";
    case YTK_E_METHOD:
        return "method not allowed";
    case YTK_E_STATE:
        return "state mismatch";
    case YTK_E_INVALID_GRANT:
        return "grant rejected";
    case YTK_E_DENIED:
        return "access denied";
    case YTK_E_CLIENT:
        return "OAuth client rejected";
    case YTK_E_PENDING:
        return "authorization pending";
    case YTK_E_SLOW_DOWN:
        return "polling too fast";
    case YTK_E_EXPIRED:
        return "expired";
    case YTK_E_OAUTH:
        return "OAuth error";
    case YTK_E_NOCRED:
        return "no credentials";
    case YTK_E_REFRESH:
        return "token refresh failed";
    case YTK_E_SQL:
        return "SQL error";
    case YTK_E_ORIGIN:
        return "token minted by another token endpoint";
    }
    return "unknown error";
}

void ytk_assert_fail(const char *expr, const char *file, int line,
                     const char *func)
{
    fprintf(stderr, "%s:%d: %s: assertion `%s' failed\n", file, line, func,
            expr);
    fflush(stderr);
    abort();
}
