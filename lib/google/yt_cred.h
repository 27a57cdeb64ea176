/* yt_cred.h -- credentials for Data API calls: the boundary between
 * %yt_auth (which creates and saves them) and %yt_fetch (which uses them).
 *
 * Loads the saved token file ($YTK_HOME/token.json, Google's authorized_user
 * format, or the older requests-oauthlib shape), refreshing the access token
 * when it expires within 225 s (google-auth's threshold) and saving the
 * refreshed file atomically.  Falls back to an API key ($YTK_API_KEY or
 * $YTK_HOME/api_key, set by `%yt_auth key`) for public data.
 *
 * Ownership: strings in struct yt_cred belong to it; yt_cred_free releases.
 * Nothing here ever prints a token, secret or key.
 */
#ifndef YT_CRED_H
#define YT_CRED_H

#include "yt_http.h"

struct yt_cred {
    char *access_token; /* bearer token, or NULL when using an API key */
    char *api_key;      /* key for key=, or NULL */
    char *token_path;   /* file the token came from (for messages), or NULL */
    char *scopes;       /* space-separated granted scopes, or NULL */
    long long expiry;   /* unix time the access token expires, 0 unknown */
};

/* Result codes (yt_err.h): YTK_OK; YTK_E_NOCRED (no token file and no API
 * key), YTK_E_REFRESH (refresh failed; invalid_grant explained), YTK_E_IO
 * (unreadable or malformed token file), YTK_E_NET (the token endpoint could
 * not be reached). */

/* Load usable credentials from `home` (token_file may be NULL = default).
 * Returns YTK_OK or a negative code with an actionable message in err
 * (e.g. "no saved token: run %yt_auth login first"). */
int yt_cred_load(struct yt_http *h, const char *home, const char *token_file,
                 struct yt_cred *out, char err[YTK_ERR_LEN]);

/* Force a refresh after the API answered 401 (token expired or revoked) and
 * save the new token.  Returns YTK_OK or a negative code; on
 * invalid_grant the message explains revocation and the 7-day limit of apps
 * in "Testing" mode and says to run %yt_auth login. */
int yt_cred_refresh(struct yt_http *h, struct yt_cred *c,
                    char err[YTK_ERR_LEN]);

void yt_cred_free(struct yt_cred *c);

#endif /* YT_CRED_H */
