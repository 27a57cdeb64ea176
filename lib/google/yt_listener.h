/* yt_listener.h -- the one-shot loopback HTTP listener that receives the
 * OAuth redirect (RFC 8252 §7.3), and the parsers for what it receives.
 *
 * yt_listener_open() binds 127.0.0.1 on a free port (or a given one),
 * yt_listener_open_uri() also [::1] when the redirect URI asks for it;
 * yt_listener_wait() accepts connections one at a time, reads one bounded
 * GET request from each, and answers it:
 *   - a request carrying `code`, `error` or `state`: the redirect.  Its
 *     state must equal the expected one; the browser gets a friendly page
 *     ("you may close this tab", or what went wrong) and the wait ends;
 *   - anything else (favicon, probes, garbage): 404 / 400, keep waiting.
 * The wait ends early on timeout or when the abort callback says so.
 *
 * yt_listener_parse_request() is the pure request parser (fuzzed);
 * yt_redirect_parse() reads what a user pastes: a redirected URL, its query
 * string, or a bare code.
 *
 * Invariants (YTK_ASSERT): a parsed request has a path; a redirect that
 * ends the wait carries the expected state.
 *
 * Ownership: strings in struct yt_redirect belong to it; yt_redirect_free()
 * releases them.  The listener is released by yt_listener_close().
 */
#ifndef YT_LISTENER_H
#define YT_LISTENER_H

#include <stddef.h>

#include "yt_http.h"

/* Bounds on what the listener reads. */
#define YT_LISTENER_MAX_REQUEST 16384
#define YT_LISTENER_MAX_VALUE 4096

struct yt_redirect {
    char *path;              /* request path without query, or NULL */
    char *code;              /* authorization code, or NULL */
    char *state;             /* or NULL */
    char *error;             /* e.g. "access_denied", or NULL */
    char *error_description; /* or NULL */
    char *scope;             /* granted scopes Google echoes, or NULL */
};

void yt_redirect_free(struct yt_redirect *r);

/* Result of yt_listener_parse_request(). */
#define YT_LREQ_OK 0   /* a complete GET request was parsed */
#define YT_LREQ_MORE 1 /* headers incomplete: read more */
/* or YTK_E_FORMAT (malformed request), YTK_E_METHOD (not GET), YTK_E_TOOBIG
 * (over YT_LISTENER_MAX_REQUEST), YTK_E_NOMEM */

/* Parse an HTTP/1.x request head in data[0..len).  On YT_LREQ_OK fills *out
 * (path, and code/state/error/... from the query string, percent-decoded).
 * Never reads past len; data need not be NUL-terminated. */
int yt_listener_parse_request(const char *data, size_t len,
                              struct yt_redirect *out);

/* Parse an application/x-www-form-urlencoded query (without '?') into the
 * fields of *out it knows; unknown keys are ignored, repeated known keys
 * are an error.  Returns 0, or -1 when malformed. */
int yt_redirect_parse_query(const char *q, size_t len, struct yt_redirect *out);

/* What the user pasted: "http://127.0.0.1:PORT/?state=..&code=..", "?code=
 * ..", "code=..&state=..", or a bare code.  Returns 0 (code or error set;
 * state set when the input carried one) or -1 with err. */
int yt_redirect_parse(const char *input, struct yt_redirect *out,
                      char err[YTK_ERR_LEN]);

struct yt_listener;

/* Bind 127.0.0.1:port (0 = a free port).  Returns 0 or -1 with err. */
int yt_listener_open(struct yt_listener **out, int port, char err[YTK_ERR_LEN]);
/* Bind where the client's redirect URI points: [::1] for http://[::1]:..,
 * both 127.0.0.1 and [::1] (IPV6_V6ONLY, same port; [::1] skipped when the
 * host has no IPv6) for http://localhost:.., else 127.0.0.1 only (also when
 * redirect_uri is NULL).  Never a non-loopback address. */
int yt_listener_open_uri(struct yt_listener **out, int port,
                         const char *redirect_uri, char err[YTK_ERR_LEN]);
/* The bound port. */
int yt_listener_port(const struct yt_listener *l);

typedef int (*yt_listener_abort_fn)(void *arg);

/* yt_listener_wait results (yt_err.h): YTK_OK; YTK_E_TIMEOUT; YTK_E_ABORTED;
 * YTK_E_STATE (a redirect arrived with the wrong state); YTK_E_IO. */

/* Wait for the redirect to `path` ("/" usually).  On YTK_OK *out holds
 * the redirect; it may carry `error` (e.g. access_denied) instead of `code`:
 * the caller decides.  abort may be NULL.  timeout_ms <= 0 waits forever. */
int yt_listener_wait(struct yt_listener *l, const char *path,
                     const char *expected_state, long timeout_ms,
                     yt_listener_abort_fn abort, void *arg,
                     struct yt_redirect *out, char err[YTK_ERR_LEN]);

void yt_listener_close(struct yt_listener *l);

#endif /* YT_LISTENER_H */
