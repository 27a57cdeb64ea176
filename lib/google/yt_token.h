/* yt_token.h -- the saved OAuth token file.
 *
 * Written in Google's authorized_user JSON shape (what google-auth's
 * Credentials.to_json() writes and from_authorized_user_file() reads):
 *   {"token", "refresh_token", "token_uri", "client_id", "client_secret",
 *    "scopes": [...], "expiry": "2025-01-01T12:00:00Z"}
 * plus our own optional "refresh_token_expiry" (same time format; google-auth
 * ignores fields it does not know).
 * The older requests-oauthlib shape ({"access_token", "refresh_token",
 * "expires_at" (epoch), "scope" (list or string), ...}) is accepted on load.
 *
 * Saving is atomic: a temporary file in the same directory, created with
 * mode 0600 whatever the umask, written, fsync'ed, renamed over the target,
 * and the directory fsync'ed.
 *
 * Ownership: every string in struct yt_token belongs to it and is released
 * (and wiped) by yt_token_free().  Nothing here prints a token or secret;
 * error messages name the file and the problem only.
 */
#ifndef YT_TOKEN_H
#define YT_TOKEN_H

#include <stddef.h>

#include "yt_http.h"
#include "yt_file.h"

/* Refresh an access token this many seconds before it expires (google-auth's
 * REFRESH_THRESHOLD). */
#define YT_TOKEN_REFRESH_SKEW 225

/* Largest token file accepted. */
#define YT_TOKEN_MAX_FILE (256u * 1024u)

struct yt_token {
    char *token;         /* access token, or NULL */
    char *refresh_token; /* or NULL */
    char *token_uri;     /* or NULL */
    char *client_id;     /* or NULL (requests-oauthlib files have none) */
    char *client_secret; /* or NULL */
    char *scopes;        /* space-separated granted scopes, or NULL */
    long long expiry;    /* unix time the access token expires, 0 unknown */
    long long refresh_expiry; /* unix time the refresh token expires, 0
                                 unknown (Google sends refresh_token_expires_in
                                 for time-limited grants, e.g. apps in
                                 "Testing" mode: 7 days) */
};

/* Result codes (yt_err.h): YTK_OK; YTK_E_NOENT (no such file), YTK_E_IO
 * (cannot read or write), YTK_E_FORMAT (not a token file this module
 * understands), YTK_E_NOMEM, YTK_E_ORIGIN (minted by another token
 * endpoint). */

/* Parse a token file's contents (len bytes, need not be NUL-terminated).
 * On success *out is filled (free with yt_token_free); on failure *out is
 * left empty. */
int yt_token_parse(const char *data, size_t len, struct yt_token *out,
                   char err[YTK_ERR_LEN]);

/* Read and parse the file at path; a token that fails
 * yt_token_origin_check is not returned (YTK_E_ORIGIN). */
int yt_token_load(const char *path, struct yt_token *out,
                  char err[YTK_ERR_LEN]);

/* Tokens go only where they were minted.  YTK_OK when t's token_uri
 * belongs to the configured Google base: with YTK_GOOGLE_BASE set, it starts
 * with that base and a '/'; unset, it is https on one of Google's token hosts
 * (oauth2.googleapis.com, accounts.google.com, www.googleapis.com).  A token
 * without token_uri (requests-oauthlib's shape records none) is accepted; its
 * first refresh records the endpoint.  Else YTK_E_ORIGIN with a message
 * naming both (URLs only, never the token). */
int yt_token_origin_check(const struct yt_token *t, char err[YTK_ERR_LEN]);

/* The authorized_user JSON for t (caller frees; NULL when out of memory). */
char *yt_token_to_json(const struct yt_token *t);

/* Write t to path atomically with mode 0600. */
int yt_token_save(const char *path, const struct yt_token *t,
                  char err[YTK_ERR_LEN]);

/* Read the whole file at path (at most `max` bytes) into *data, NUL
 * terminated, with its length in *len; the caller wipes and frees *data.
 * Read buffers are wiped.  YTK_E_NOENT when there is no file,
 * YTK_E_FORMAT when it is larger than max, YTK_E_IO or
 * YTK_E_NOMEM otherwise, with err naming `what` ("token file") and
 * path.  Used for the token file and the client secrets. */
int yt_file_read_private(const char *path, const char *what, size_t max,
                         char **data, size_t *len, char err[YTK_ERR_LEN]);

/* yt_file_write_private() (yt_file.h) writes the token and the API key. */

/* Parse "2025-01-01T12:00:00[.ffffff][Z|+00:00]" (UTC) into unix time.
 * Returns 0 and sets *out, or -1 when malformed. */
int yt_token_parse_time(const char *s, long long *out);

/* Format unix time t as "YYYY-MM-DDTHH:MM:SSZ" into out (>= 21 bytes). */
void yt_token_format_time(long long t, char out[32]);

/* Non-zero when the access token is missing, its expiry is unknown (as
 * google-auth does), or it expires within `skew` seconds of `now`. */
int yt_token_needs_refresh(const struct yt_token *t, long long now, int skew);

/* $home/token.json (caller frees). */
char *yt_token_default_path(const char *home);

void yt_token_free(struct yt_token *t);

/* ---- the API key (public data only) --------------------------------- */

/* $home/api_key (caller frees). */
char *yt_api_key_path(const char *home);
/* The API key from $YTK_API_KEY, else $home/api_key (first line, blanks
 * trimmed).  Returns 0 with *key set (caller frees), YTK_E_NOENT when
 * there is none, or another negative code with err. */
int yt_api_key_load(const char *home, char **key, char err[YTK_ERR_LEN]);
/* Check that s looks like an API key (printable, no blanks, 10-256 chars). */
int yt_api_key_valid(const char *s);
/* A redacted fingerprint safe to show: "AIza…(39 chars)". */
void yt_api_key_fingerprint(const char *key, char out[64]);

#endif /* YT_TOKEN_H */
