/* yt_cred.c -- credentials for Data API calls.  See yt_cred.h. */
#include "yt_cred.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yt_oauth.h"
#include "yt_err.h"
#include "yt_token.h"

void yt_cred_free(struct yt_cred *c)
{
    if (!c)
        return;
    yt_wipe_free(c->access_token);
    yt_wipe_free(c->api_key);
    free(c->token_path);
    free(c->scopes);
    memset(c, 0, sizeof *c);
}

/* A requests-oauthlib token file carries no client: take it from the client
 * secrets ($YTK_CLIENT_SECRETS, $YTK_HOME/client_secret.json, or next to the
 * token file). */
static int fill_client(struct yt_token *t, const char *home,
                       const char *token_path, char err[YTK_ERR_LEN])
{
    struct yt_client c;
    char *path, *dircopy = NULL;
    int rc;

    if (t->client_id && t->client_secret)
        return 0;
    if (!home || !*home)
        home = getenv("YTK_HOME");
    if (!home || !*home) {
        dircopy = strdup(token_path);
        if (!dircopy)
            return -1;
        home = dirname(dircopy);
    }
    path = yt_client_default_path(home);
    free(dircopy);
    if (!path) {
        yt_errf(err, "out of memory");
        return -1;
    }
    rc = yt_client_load(path, &c, err);
    free(path);
    if (rc != YTK_OK)
        return -1;
    free(t->client_id);
    yt_wipe_free(t->client_secret);
    t->client_id = c.client_id;
    t->client_secret = c.client_secret;
    c.client_id = c.client_secret = NULL;
    yt_client_free(&c);
    return 0;
}

/* Refresh t (loaded from path) and save it.  Returns a YT_CRED_ code. */
static int refresh_and_save(struct yt_http *h, const char *home,
                            const char *path, struct yt_token *t,
                            char err[YTK_ERR_LEN])
{
    char why[YTK_ERR_LEN];
    int rc;

    if (!t->refresh_token) {
        yt_errf(err,
                "the access token in %s has expired and there is no "
                "refresh token; run %%yt_auth login",
                path);
        return YTK_E_REFRESH;
    }
    if (fill_client(t, home, path, why) != 0) {
        yt_errf(err,
                "cannot refresh the token in %s without the OAuth client: "
                "%s",
                path, why);
        return YTK_E_REFRESH;
    }
    rc = yt_oauth_refresh(h, t, why);
    if (rc == YTK_E_INVALID_GRANT) {
        yt_oauth_explain_invalid_grant(NULL, t->refresh_expiry,
                                       (long long)time(NULL), err);
        return YTK_E_REFRESH;
    }
    if (rc == YTK_E_NET || rc == YTK_E_ABORTED) {
        yt_errf(err, "%s", why);
        return YTK_E_NET;
    }
    if (rc != YTK_OK) {
        yt_errf(err, "%s; run %%yt_auth login if it persists", why);
        return YTK_E_REFRESH;
    }
    if (yt_token_save(path, t, why) != YTK_OK) {
        yt_errf(err,
                "refreshed the token but could not save "
                "it: %s",
                why);
        return YTK_E_IO;
    }
    return YTK_OK;
}

static int fill_out(struct yt_cred *out, const struct yt_token *t,
                    const char *path)
{
    out->access_token = strdup(t->token);
    out->token_path = strdup(path);
    out->scopes = t->scopes ? strdup(t->scopes) : NULL;
    out->expiry = t->expiry;
    if (!out->access_token || !out->token_path || (t->scopes && !out->scopes)) {
        yt_cred_free(out);
        return -1;
    }
    return 0;
}

int yt_cred_load(struct yt_http *h, const char *home, const char *token_file,
                 struct yt_cred *out, char err[YTK_ERR_LEN])
{
    struct yt_token t;
    char *path;
    char why[YTK_ERR_LEN];
    long long now = (long long)time(NULL);
    int rc;

    memset(out, 0, sizeof *out);
    memset(&t, 0, sizeof t);
    path = token_file ? strdup(token_file) : yt_token_default_path(home);
    if (!path) {
        yt_errf(err, "out of memory");
        return YTK_E_IO;
    }
    rc = yt_token_load(path, &t, why);
    if (rc == YTK_E_NOENT) {
        char *key = NULL;
        int krc;

        if (token_file) {
            yt_errf(err,
                    "no token file at %s: run %%yt_auth login "
                    "--token-file %s",
                    path, path);
            rc = YTK_E_NOCRED;
            goto out;
        }
        krc = yt_api_key_load(home, &key, why);
        if (krc == 0) {
            out->api_key = key;
            rc = YTK_OK;
            goto out;
        }
        if (krc != YTK_E_NOENT) {
            yt_errf(err, "%s", why);
            rc = YTK_E_IO;
            goto out;
        }
        yt_errf(err,
                "no saved token (%s) and no API key: run %%yt_auth login "
                "(or %%yt_auth key for public data only)",
                path);
        rc = YTK_E_NOCRED;
        goto out;
    }
    if (rc != YTK_OK) {
        yt_errf(err, "%s; run %%yt_auth login to replace the token file", why);
        rc = YTK_E_IO;
        goto out;
    }
    if (yt_token_needs_refresh(&t, now, YT_TOKEN_REFRESH_SKEW)) {
        if (!t.refresh_token && t.token && t.expiry == 0) {
            /* nothing to refresh with; try the token as it is */
        } else {
            rc = refresh_and_save(h, home, path, &t, why);
            if (rc == YTK_E_NET && t.token && t.expiry > now) {
                /* offline, but the current token is still valid */
            } else if (rc != YTK_OK) {
                yt_errf(err, "%s", why);
                goto out;
            }
        }
    }
    rc = fill_out(out, &t, path) == 0 ? YTK_OK : YTK_E_IO;
    if (rc != YTK_OK)
        yt_errf(err, "out of memory");
out:
    yt_token_free(&t);
    free(path);
    return rc;
}

int yt_cred_refresh(struct yt_http *h, struct yt_cred *c, char err[YTK_ERR_LEN])
{
    struct yt_token t;
    char why[YTK_ERR_LEN];
    int rc;

    if (!c->token_path) {
        yt_errf(err,
                "the API rejected the request as unauthorized and an API "
                "key cannot be refreshed: check it, or run %%yt_auth login");
        return YTK_E_REFRESH;
    }
    rc = yt_token_load(c->token_path, &t, why);
    if (rc != YTK_OK) {
        yt_errf(err, "%s; run %%yt_auth login", why);
        return rc == YTK_E_NOENT ? YTK_E_NOCRED : YTK_E_IO;
    }
    rc = refresh_and_save(h, NULL, c->token_path, &t, err);
    if (rc == YTK_OK) {
        char *tok = strdup(t.token), *sc = t.scopes ? strdup(t.scopes) : NULL;

        if (!tok || (t.scopes && !sc)) {
            free(tok);
            free(sc);
            yt_errf(err, "out of memory");
            rc = YTK_E_IO;
        } else {
            yt_wipe_free(c->access_token);
            c->access_token = tok;
            if (sc) {
                free(c->scopes);
                c->scopes = sc;
            }
            c->expiry = t.expiry;
        }
    }
    yt_token_free(&t);
    return rc;
}
