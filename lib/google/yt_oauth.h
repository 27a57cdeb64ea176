/* yt_oauth.h -- Google OAuth 2.0 for installed apps: client configuration,
 * PKCE, the authorization URL, and the token endpoint calls (code exchange,
 * refresh, device flow), revoke and tokeninfo.
 *
 * Endpoints come from yt_http_endpoint() (YTK_GOOGLE_BASE honoured); the
 * token_uri in a client or token file is never used to decide where a
 * secret is sent.
 *
 * Errors: functions return YTK_OK or a negative YT_OAUTH_E_* code with
 * a message in err that quotes Google's `error` / `error_description` and
 * never contains a token, code, verifier or secret.
 *
 * Invariants (YTK_ASSERT): a verifier we make is YT_PKCE_VERIFIER_LEN
 * characters of the RFC 7636 unreserved set; a challenge is made from a
 * verifier of 43 to 128 characters (RFC 7636 4.1) and is
 * YT_PKCE_CHALLENGE_LEN base64url characters; a state is YT_STATE_LEN.
 *
 * Ownership: strings in struct yt_client / yt_device / yt_tokeninfo belong
 * to them and are released by the matching _free().  Token results are
 * written into a caller's struct yt_token (see yt_token.h).
 */
#ifndef YT_OAUTH_H
#define YT_OAUTH_H

#include "yt_http.h"
#include "yt_token.h"

#define YT_SCOPE_PREFIX "https://www.googleapis.com/auth/"
#define YT_SCOPES_DEFAULT                                                      \
    "https://www.googleapis.com/auth/youtube.readonly "                        \
    "https://www.googleapis.com/auth/youtube.force-ssl"
#define YT_SCOPES_DEVICE "https://www.googleapis.com/auth/youtube.readonly"

/* Result codes (yt_err.h): YTK_OK; YTK_E_NET (the endpoint could not be
 * reached), YTK_E_INVALID_GRANT (refresh token or code rejected),
 * YTK_E_DENIED (access_denied), YTK_E_PROTO (unexpected answer),
 * YTK_E_CLIENT (invalid_client, bad configuration), YTK_E_PENDING and
 * YTK_E_SLOW_DOWN and YTK_E_EXPIRED (device flow: authorization_pending,
 * slow_down, expired_token), YTK_E_ABORTED (interrupted), YTK_E_OAUTH (any
 * other OAuth error), YTK_E_NOMEM. */

/* ---- client configuration -------------------------------------------- */

struct yt_client {
    char *client_id;
    char *client_secret;
    char *redirect_uri; /* a registered loopback redirect of a `web` client,
                           or NULL (installed: any loopback port works) */
    int is_web;
};

/* Parse a Google client_secret.json (`installed` or `web`).  Anything else
 * is refused with Google's message "Client secrets must be for a web or
 * installed app."  `source` names the file in messages. */
int yt_client_parse(const char *json, size_t len, const char *source,
                    struct yt_client *out, char err[YTK_ERR_LEN]);
int yt_client_load(const char *path, struct yt_client *out,
                   char err[YTK_ERR_LEN]);
/* From --client-id/--client-secret. */
int yt_client_from_values(const char *id, const char *secret,
                          struct yt_client *out, char err[YTK_ERR_LEN]);
/* The default client secrets path: $YTK_CLIENT_SECRETS, else
 * home/client_secret.json.  Caller frees. */
char *yt_client_default_path(const char *home);
void yt_client_free(struct yt_client *c);

/* ---- PKCE and the authorization URL ---------------------------------- */

#define YT_PKCE_VERIFIER_LEN 128
#define YT_PKCE_CHALLENGE_LEN 43
#define YT_STATE_LEN 43

/* 128 random characters from [A-Za-z0-9-._~] (RAND_bytes, unbiased). */
int yt_oauth_pkce_verifier(char out[YT_PKCE_VERIFIER_LEN + 1],
                           char err[YTK_ERR_LEN]);
/* base64url(SHA-256(verifier)) without padding. */
void yt_oauth_pkce_challenge(const char *verifier,
                             char out[YT_PKCE_CHALLENGE_LEN + 1]);
/* 32 random bytes as base64url (43 chars). */
int yt_oauth_random_state(char out[YT_STATE_LEN + 1], char err[YTK_ERR_LEN]);
/* Base64url without padding of n bytes into out (4*ceil(n/3)+1 bytes). */
void yt_base64url(const unsigned char *in, size_t n, char *out);

/* Expand short scope names ("youtube.readonly") to full URLs; accepts
 * spaces or commas between scopes; openid, email and profile stay bare (as
 * Google names them).  Caller frees; NULL when empty/bad. */
char *yt_oauth_expand_scopes(const char *in);

/* Check a scope list as yt_oauth_expand_scopes reads it: every short name
 * must be one of yt_oauth_short_scopes() or openid/email/profile (full
 * URLs are taken as they are).  0, or -1 with the first unknown short
 * name copied into bad (cut at badlen).  Google answers an unknown scope
 * with an error page in the browser and never redirects back, so a
 * login asking for one would wait until its timeout. */
int yt_oauth_check_scopes(const char *in, char *bad, size_t badlen);

/* The known short scope names, NULL-terminated (static storage). */
const char *const *yt_oauth_short_scopes(void);

/* The authorization URL (access_type=offline, prompt=consent,
 * code_challenge_method=S256).  Caller frees; NULL when out of memory. */
char *yt_oauth_auth_url(const char *client_id, const char *redirect_uri,
                        const char *scopes, const char *challenge,
                        const char *state);

/* ---- token endpoint -------------------------------------------------- */

/* Read a token endpoint answer (status + body) into tok: on success sets
 * token, expiry (now + expires_in), scopes (when given), refresh_token
 * (when given; an existing one is kept otherwise), refresh_expiry (from
 * refresh_token_expires_in, when given).  Maps Google's errors
 * to YT_OAUTH_E_* with the error and description in err. */
int yt_oauth_parse_token_response(long status, const char *body, long long now,
                                  struct yt_token *tok, char err[YTK_ERR_LEN]);

/* Exchange an authorization code (PKCE).  On success tok is filled,
 * including client_id/secret and token_uri (the endpoint used). */
int yt_oauth_exchange(struct yt_http *h, const struct yt_client *c,
                      const char *code, const char *verifier,
                      const char *redirect_uri, struct yt_token *tok,
                      char err[YTK_ERR_LEN]);

/* Refresh tok in place with its refresh_token, client_id and
 * client_secret (which must be set).  Keeps the refresh token when Google
 * sends none.  YTK_E_INVALID_GRANT when it was rejected. */
int yt_oauth_refresh(struct yt_http *h, struct yt_token *tok,
                     char err[YTK_ERR_LEN]);

/* Revoke a token (access or refresh).  YTK_OK on 2xx; a token Google
 * no longer knows gives YTK_E_INVALID_GRANT. */
int yt_oauth_revoke(struct yt_http *h, const char *token,
                    char err[YTK_ERR_LEN]);

struct yt_tokeninfo {
    char *email; /* or NULL */
    char *sub;   /* or NULL */
    char *scope; /* or NULL */
    long long exp;
};
int yt_oauth_tokeninfo(struct yt_http *h, const char *access_token,
                       struct yt_tokeninfo *out, char err[YTK_ERR_LEN]);
void yt_tokeninfo_free(struct yt_tokeninfo *ti);

/* ---- device flow ----------------------------------------------------- */

struct yt_device {
    char *device_code;
    char *user_code;
    char *verification_url; /* Google's name; RFC 8628's _uri accepted */
    long expires_in;
    long interval; /* seconds, >= 1 (default 5) */
};
int yt_oauth_device_start(struct yt_http *h, const struct yt_client *c,
                          const char *scopes, struct yt_device *out,
                          char err[YTK_ERR_LEN]);
/* One poll.  YTK_OK (tok filled), YTK_E_PENDING,
 * YTK_E_SLOW_DOWN, or an error (denied, expired, ...). */
int yt_oauth_device_poll(struct yt_http *h, const struct yt_client *c,
                         const char *device_code, struct yt_token *tok,
                         char err[YTK_ERR_LEN]);
void yt_device_free(struct yt_device *d);

/* The message for an invalid_grant on refresh: why it happens and what to
 * run.  When the refresh token's expiry is known (refresh_expiry > 0) it
 * says which cause is likely: expired (Testing mode's 7 days) or revoked;
 * otherwise both.  Fills err (prefixed with `what` when not NULL). */
void yt_oauth_explain_invalid_grant(const char *what, long long refresh_expiry,
                                    long long now, char err[YTK_ERR_LEN]);

#endif /* YT_OAUTH_H */
