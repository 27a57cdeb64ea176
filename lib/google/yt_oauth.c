/* yt_oauth.c -- Google OAuth 2.0 for installed apps.  See yt_oauth.h. */
#include "yt_oauth.h"
#include "yt_err.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "yt_buf.h"

#define FORM_CT "application/x-www-form-urlencoded"
#define OAUTH_TIMEOUT_MS 30000L

static void wipe_buf(struct yt_buf *b)
{
    if (b->ptr)
        explicit_bzero(b->ptr, b->cap);
    yt_buf_free(b);
}

/* ---- client configuration -------------------------------------------- */

void yt_client_free(struct yt_client *c)
{
    if (!c)
        return;
    free(c->client_id);
    yt_wipe_free(c->client_secret);
    free(c->redirect_uri);
    memset(c, 0, sizeof *c);
}

char *yt_client_default_path(const char *home)
{
    const char *env = getenv("YTK_CLIENT_SECRETS");
    struct yt_buf b;

    if (env && *env)
        return strdup(env);
    yt_buf_init(&b, 8192);
    if (yt_buf_addf(&b, "%s/client_secret.json", home ? home : ".") != 0)
        return NULL;
    return yt_buf_take(&b);
}

static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
            return 0;
    return 1;
}

int yt_client_from_values(const char *id, const char *secret,
                          struct yt_client *out, char err[YTK_ERR_LEN])
{
    memset(out, 0, sizeof *out);
    if (!id || !*id || !printable(id)) {
        yt_errf(err, "--client-id is empty or has blanks");
        return YTK_E_CLIENT;
    }
    if (!secret || !*secret || !printable(secret)) {
        yt_errf(err, "--client-secret is empty or has blanks (give both "
                     "--client-id and --client-secret)");
        return YTK_E_CLIENT;
    }
    out->client_id = strdup(id);
    out->client_secret = strdup(secret);
    if (!out->client_id || !out->client_secret) {
        yt_client_free(out);
        yt_errf(err, "out of memory");
        return YTK_E_NOMEM;
    }
    return YTK_OK;
}

/* A loopback http redirect URI with an explicit port? */
static int loopback_redirect(const char *uri)
{
    static const char *const pre[] = {
        "http://127.0.0.1:", "http://localhost:", "http://[::1]:"};
    size_t i;

    for (i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        size_t n = strlen(pre[i]);

        if (strncasecmp(uri, pre[i], n) == 0 && isdigit((unsigned char)uri[n]))
            return 1;
    }
    return 0;
}

int yt_client_parse(const char *json, size_t len, const char *source,
                    struct yt_client *out, char err[YTK_ERR_LEN])
{
    cJSON *root;
    const cJSON *app = NULL, *id, *secret, *uris, *u;
    int rc = YTK_E_CLIENT;

    memset(out, 0, sizeof *out);
    if (!source)
        source = "client secrets";
    root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        yt_errf(err, "%s is not a JSON object", source);
        goto out;
    }
    app = cJSON_GetObjectItemCaseSensitive(root, "installed");
    if (!app) {
        app = cJSON_GetObjectItemCaseSensitive(root, "web");
        out->is_web = app != NULL;
    }
    if (!app || !cJSON_IsObject(app)) {
        yt_errf(err, "%s: Client secrets must be for a web or installed app.",
                source);
        goto out;
    }
    id = cJSON_GetObjectItemCaseSensitive(app, "client_id");
    secret = cJSON_GetObjectItemCaseSensitive(app, "client_secret");
    if (!cJSON_IsString(id) || !id->valuestring[0] ||
        !printable(id->valuestring)) {
        yt_errf(err, "%s: missing or malformed client_id", source);
        goto out;
    }
    if (!cJSON_IsString(secret) || !secret->valuestring[0] ||
        !printable(secret->valuestring)) {
        yt_errf(err,
                "%s: missing or malformed client_secret (download the "
                "JSON again from Google Cloud Console > Credentials)",
                source);
        goto out;
    }
    uris = cJSON_GetObjectItemCaseSensitive(app, "redirect_uris");
    if (out->is_web) {
        cJSON_ArrayForEach(u, uris)
        {
            if (cJSON_IsString(u) && printable(u->valuestring) &&
                loopback_redirect(u->valuestring)) {
                out->redirect_uri = strdup(u->valuestring);
                if (!out->redirect_uri)
                    goto nomem;
                break;
            }
        }
        if (!out->redirect_uri) {
            yt_errf(err,
                    "%s: this web client has no loopback redirect URI with "
                    "a port (e.g. http://127.0.0.1:8765/); add one in the "
                    "console or use a Desktop client",
                    source);
            goto out;
        }
    }
    out->client_id = strdup(id->valuestring);
    out->client_secret = strdup(secret->valuestring);
    if (!out->client_id || !out->client_secret)
        goto nomem;
    rc = YTK_OK;
    goto out;
nomem:
    yt_errf(err, "out of memory");
    rc = YTK_E_NOMEM;
out:
    if (root) {
        /* wipe the secret held in the parsed tree */
        if (app && cJSON_IsObject(app)) {
            secret = cJSON_GetObjectItemCaseSensitive(app, "client_secret");
            if (cJSON_IsString(secret))
                explicit_bzero(secret->valuestring,
                               strlen(secret->valuestring));
        }
        cJSON_Delete(root);
    }
    if (rc != YTK_OK)
        yt_client_free(out);
    return rc;
}

int yt_client_load(const char *path, struct yt_client *out,
                   char err[YTK_ERR_LEN])
{
    char *data;
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    rc = yt_file_read_private(path, "client secrets", 1024 * 1024, &data, &len,
                              err);
    if (rc == YTK_E_NOMEM)
        return YTK_E_NOMEM;
    if (rc == YTK_E_NOENT || rc == YTK_E_IO) {
        /* err says which file and why; say where to get one */
        size_t n = strlen(err);

        snprintf(err + n, YTK_ERR_LEN - n,
                 " (download it from Google Cloud Console > Credentials, or "
                 "pass --client-id and --client-secret)");
        return YTK_E_CLIENT;
    }
    if (rc != YTK_OK)
        return YTK_E_CLIENT;
    rc = yt_client_parse(data, len, path, out, err);
    explicit_bzero(data, len);
    free(data);
    return rc;
}

/* ---- PKCE ------------------------------------------------------------ */

void yt_base64url(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v =
            (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
        out[o++] = tbl[v >> 6 & 63];
        out[o++] = tbl[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;

        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;

        out[o++] = tbl[v >> 18 & 63];
        out[o++] = tbl[v >> 12 & 63];
        out[o++] = tbl[v >> 6 & 63];
    }
    out[o] = '\0';
}

int yt_oauth_pkce_verifier(char out[YT_PKCE_VERIFIER_LEN + 1],
                           char err[YTK_ERR_LEN])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz"
                                   "0123456789-._~";
    const unsigned n = sizeof alphabet - 1; /* 66 */
    const unsigned limit = 256 - 256 % n;   /* 198: no modulo bias */
    unsigned char rnd[64];
    size_t o = 0, i;

    while (o < YT_PKCE_VERIFIER_LEN) {
        if (RAND_bytes(rnd, sizeof rnd) != 1) {
            yt_errf(err, "no secure random numbers available");
            return YTK_E_PROTO;
        }
        for (i = 0; i < sizeof rnd && o < YT_PKCE_VERIFIER_LEN; i++)
            if (rnd[i] < limit)
                out[o++] = alphabet[rnd[i] % n];
    }
    out[o] = '\0';
    explicit_bzero(rnd, sizeof rnd);
    YTK_ASSERT(strspn(out, alphabet) == YT_PKCE_VERIFIER_LEN);
    return YTK_OK;
}

void yt_oauth_pkce_challenge(const char *verifier,
                             char out[YT_PKCE_CHALLENGE_LEN + 1])
{
    unsigned char md[SHA256_DIGEST_LENGTH];

    YTK_ASSERT(strlen(verifier) >= 43 && strlen(verifier) <= 128);
    SHA256((const unsigned char *)verifier, strlen(verifier), md);
    yt_base64url(md, sizeof md, out);
    YTK_ASSERT(strlen(out) == YT_PKCE_CHALLENGE_LEN);
}

int yt_oauth_random_state(char out[YT_STATE_LEN + 1], char err[YTK_ERR_LEN])
{
    unsigned char rnd[32];

    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        yt_errf(err, "no secure random numbers available");
        return YTK_E_PROTO;
    }
    yt_base64url(rnd, sizeof rnd, out);
    YTK_ASSERT(strlen(out) == YT_STATE_LEN);
    return YTK_OK;
}

/* Google's OAuth scopes a YouTube user may ask for by short name (the
 * part after YT_SCOPE_PREFIX): the YouTube Data API v3, YouTube Analytics
 * and Reporting APIs, and the identity scopes' long forms. */
static const char *const known_short[] = {
    "youtube",
    "youtube.readonly",
    "youtube.force-ssl",
    "youtube.upload",
    "youtubepartner",
    "youtubepartner-channel-audit",
    "youtube.channel-memberships.creator",
    "youtube.third-party-link.creator",
    "yt-analytics.readonly",
    "yt-analytics-monetary.readonly",
    "userinfo.email",
    "userinfo.profile",
    NULL,
};

/* Scopes Google takes bare, never under YT_SCOPE_PREFIX. */
static int identity_scope(const char *p, size_t n)
{
    static const char *const bare[] = {"openid", "email", "profile", NULL};
    int i;

    for (i = 0; bare[i]; i++)
        if (strlen(bare[i]) == n && memcmp(bare[i], p, n) == 0)
            return 1;
    return 0;
}

int yt_oauth_check_scopes(const char *in, char *bad, size_t badlen)
{
    const char *p = in ? in : "";

    while (*p) {
        size_t n;
        int i, ok = 0;

        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
            p++;
        n = strcspn(p, " ,\t\n");
        if (!n)
            break;
        if (memchr(p, ':', n) || memchr(p, '/', n) || identity_scope(p, n))
            ok = 1;
        for (i = 0; !ok && known_short[i]; i++)
            ok = strlen(known_short[i]) == n &&
                 memcmp(known_short[i], p, n) == 0;
        if (!ok) {
            if (badlen)
                snprintf(bad, badlen, "%.*s", (int)(n < 200 ? n : 200), p);
            return -1;
        }
        p += n;
    }
    return 0;
}

const char *const *yt_oauth_short_scopes(void)
{
    return known_short;
}

char *yt_oauth_expand_scopes(const char *in)
{
    struct yt_buf b;
    const char *p = in;

    if (!in)
        return NULL;
    yt_buf_init(&b, 64 * 1024);
    while (*p) {
        size_t n;

        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n')
            p++;
        n = strcspn(p, " ,\t\n");
        if (!n)
            break;
        if (b.len && yt_buf_adds(&b, " ") != 0)
            return NULL;
        /* Short names: "youtube.readonly", "youtube"; Google's identity
         * scopes openid, email and profile stay bare. */
        if (!memchr(p, ':', n) && !memchr(p, '/', n) && !identity_scope(p, n)) {
            if (yt_buf_adds(&b, YT_SCOPE_PREFIX) != 0)
                return NULL;
        }
        if (yt_buf_add(&b, p, n) != 0)
            return NULL;
        p += n;
    }
    if (b.len == 0) {
        yt_buf_free(&b);
        return NULL;
    }
    {
        const unsigned char *q = (const unsigned char *)yt_buf_str(&b);

        for (; *q; q++)
            if (*q < 0x20 || *q >= 0x7f) {
                yt_buf_free(&b);
                return NULL;
            }
    }
    return yt_buf_take(&b);
}

/* Append "&key=escaped(val)" (no '&' when first). */
static int form_add(struct yt_buf *b, const char *key, const char *val)
{
    char *e = yt_http_escape(val ? val : "");
    int rc;

    if (!e)
        return -1;
    rc = yt_buf_addf(b, "%s%s=%s", b->len ? "&" : "", key, e);
    explicit_bzero(e, strlen(e));
    free(e);
    return rc;
}

char *yt_oauth_auth_url(const char *client_id, const char *redirect_uri,
                        const char *scopes, const char *challenge,
                        const char *state)
{
    struct yt_buf q, url;
    char *ep = yt_http_endpoint(YT_EP_AUTH);
    char *out = NULL;

    yt_buf_init(&q, 64 * 1024);
    yt_buf_init(&url, 64 * 1024);
    if (!ep)
        goto out;
    if (form_add(&q, "client_id", client_id) ||
        form_add(&q, "redirect_uri", redirect_uri) ||
        form_add(&q, "response_type", "code") ||
        form_add(&q, "scope", scopes) || form_add(&q, "state", state) ||
        form_add(&q, "code_challenge", challenge) ||
        form_add(&q, "code_challenge_method", "S256") ||
        form_add(&q, "access_type", "offline") ||
        form_add(&q, "prompt", "consent"))
        goto out;
    if (yt_buf_addf(&url, "%s?%s", ep, yt_buf_str(&q)) != 0)
        goto out;
    out = yt_buf_take(&url);
out:
    free(ep);
    yt_buf_free(&q);
    yt_buf_free(&url);
    return out;
}

/* ---- token endpoint -------------------------------------------------- */

/* Copy a server-provided string into dst for a message: printable ASCII
 * only, at most max chars. */
static void clean_text(const char *in, char *dst, size_t dstsz)
{
    size_t o = 0;

    for (; in && *in && o + 1 < dstsz; in++) {
        unsigned char c = (unsigned char)*in;

        dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
    }
    dst[o] = '\0';
}

static int map_error(const char *e)
{
    if (!e)
        return YTK_E_PROTO;
    if (strcmp(e, "invalid_grant") == 0)
        return YTK_E_INVALID_GRANT;
    if (strcmp(e, "access_denied") == 0)
        return YTK_E_DENIED;
    if (strcmp(e, "authorization_pending") == 0)
        return YTK_E_PENDING;
    if (strcmp(e, "slow_down") == 0)
        return YTK_E_SLOW_DOWN;
    if (strcmp(e, "expired_token") == 0)
        return YTK_E_EXPIRED;
    if (strcmp(e, "invalid_client") == 0 ||
        strcmp(e, "unauthorized_client") == 0)
        return YTK_E_CLIENT;
    return YTK_E_OAUTH;
}

/* Fill err from an OAuth error body; returns the mapped code. */
static int oauth_error(long status, const cJSON *root, const char *what,
                       char err[YTK_ERR_LEN])
{
    const cJSON *e = NULL, *d = NULL;
    char ebuf[96], dbuf[240];

    if (cJSON_IsObject(root)) {
        e = cJSON_GetObjectItemCaseSensitive(root, "error");
        d = cJSON_GetObjectItemCaseSensitive(root, "error_description");
        /* A Data-API style envelope {"error": {"message": ...}}. */
        if (cJSON_IsObject(e)) {
            d = cJSON_GetObjectItemCaseSensitive(e, "message");
            e = cJSON_GetObjectItemCaseSensitive(e, "status");
        }
    }
    if (!cJSON_IsString(e)) {
        yt_errf(err,
                "%s answered HTTP %ld without an OAuth "
                "error",
                what, status);
        return YTK_E_PROTO;
    }
    clean_text(e->valuestring, ebuf, sizeof ebuf);
    if (cJSON_IsString(d) && d->valuestring[0]) {
        clean_text(d->valuestring, dbuf, sizeof dbuf);
        yt_errf(err, "%s answered HTTP %ld: %s (%s)", what, status, ebuf, dbuf);
    } else {
        yt_errf(err, "%s answered HTTP %ld: %s", what, status, ebuf);
    }
    return map_error(e->valuestring);
}

static int get_long(const cJSON *o, const char *name, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    if (cJSON_IsNumber(v)) {
        /* Out of long's range (or NaN): malformed, not undefined. */
        if (!(v->valuedouble >= -9.2e18 && v->valuedouble <= 9.2e18))
            return -1;
        *out = (long)v->valuedouble;
        return 0;
    }
    if (cJSON_IsString(v) && v->valuestring[0]) {
        char *end;
        long x = strtol(v->valuestring, &end, 10);

        if (*end == '\0') {
            *out = x;
            return 0;
        }
    }
    return -1;
}

static int dup_printable(const cJSON *v, char **dst)
{
    if (!cJSON_IsString(v) || !v->valuestring[0] || !printable(v->valuestring))
        return -1;
    *dst = strdup(v->valuestring);
    return *dst ? 0 : -1;
}

int yt_oauth_parse_token_response(long status, const char *body, long long now,
                                  struct yt_token *tok, char err[YTK_ERR_LEN])
{
    cJSON *root = cJSON_Parse(body ? body : "");
    const cJSON *v;
    char *access = NULL, *refresh = NULL, *scopes = NULL;
    long expires_in = 3600;
    int rc, refresh_was_new = 0;

    if (status < 200 || status >= 300) {
        rc = oauth_error(status, root, "the token endpoint", err);
        goto out;
    }
    rc = YTK_E_PROTO;
    if (!cJSON_IsObject(root)) {
        yt_errf(err, "the token endpoint answered HTTP %ld with no JSON object",
                status);
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "token_type");
    if (v && (!cJSON_IsString(v) || strcasecmp(v->valuestring, "Bearer"))) {
        yt_errf(err, "the token endpoint returned a token that is not Bearer");
        goto out;
    }
    if (dup_printable(cJSON_GetObjectItemCaseSensitive(root, "access_token"),
                      &access) != 0) {
        yt_errf(err, "the token endpoint's answer has no usable access_token");
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "refresh_token");
    if (v && dup_printable(v, &refresh) != 0) {
        yt_errf(err,
                "the token endpoint's answer has a malformed refresh_token");
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "scope");
    if (v) {
        if (cJSON_IsString(v)) {
            scopes = yt_oauth_expand_scopes(v->valuestring);
        } else if (cJSON_IsArray(v)) {
            /* tolerate a list */
            struct yt_buf b;
            const cJSON *e;

            int ok = 1;

            yt_buf_init(&b, 64 * 1024);
            cJSON_ArrayForEach(e, v)
            {
                if (cJSON_IsString(e) &&
                    ((b.len && yt_buf_adds(&b, " ") != 0) ||
                     yt_buf_adds(&b, e->valuestring) != 0))
                    ok = 0;
            }
            scopes = ok ? yt_oauth_expand_scopes(yt_buf_str(&b)) : NULL;
            yt_buf_free(&b);
        }
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "expires_in") &&
        (get_long(root, "expires_in", &expires_in) != 0 || expires_in < 0 ||
         expires_in > 100L * 365 * 86400)) {
        yt_errf(err, "the token endpoint's answer has a malformed expires_in");
        goto out;
    }
    yt_wipe_free(tok->token);
    tok->token = access;
    access = NULL;
    if (refresh) {
        yt_wipe_free(tok->refresh_token);
        tok->refresh_token = refresh;
        refresh = NULL;
        refresh_was_new = 1;
    }
    if (scopes) {
        free(tok->scopes);
        tok->scopes = scopes;
        scopes = NULL;
    }
    tok->expiry = now + expires_in;
    {
        long rexp;

        if (get_long(root, "refresh_token_expires_in", &rexp) == 0 &&
            rexp >= 0 && rexp <= 100L * 365 * 86400)
            tok->refresh_expiry = now + rexp;
        else if (refresh_was_new)
            tok->refresh_expiry = 0; /* a new refresh token, no limit */
    }
    rc = YTK_OK;
out:
    yt_wipe_free(access);
    yt_wipe_free(refresh);
    free(scopes);
    if (root) {
        /* wipe token strings held by the tree */
        const char *names[] = {"access_token", "refresh_token", "id_token"};
        size_t i;

        for (i = 0; cJSON_IsObject(root) && i < 3; i++) {
            cJSON *t = cJSON_GetObjectItemCaseSensitive(root, names[i]);

            if (cJSON_IsString(t))
                explicit_bzero(t->valuestring, strlen(t->valuestring));
        }
        cJSON_Delete(root);
    }
    return rc;
}

/* POST a form to an endpoint.  Returns YTK_OK with resp filled, or
 * a negative code with err. */
static int post_form(struct yt_http *h, enum yt_endpoint ep,
                     struct yt_buf *form, struct yt_http_resp *resp,
                     const char *what, char err[YTK_ERR_LEN])
{
    struct yt_http_req req;
    char *url = yt_http_endpoint(ep);
    char herr[YTK_ERR_LEN];
    int rc;

    memset(resp, 0, sizeof *resp);
    if (!url) {
        yt_errf(err, "out of memory");
        return YTK_E_NOMEM;
    }
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.url = url;
    req.body = yt_buf_str(form);
    req.content_type = FORM_CT;
    req.timeout_ms = OAUTH_TIMEOUT_MS;
    rc = yt_http_perform(h, &req, resp, herr);
    free(url);
    if (rc == YTK_E_ABORTED) {
        yt_errf(err, "%s interrupted", what);
        return YTK_E_ABORTED;
    }
    if (rc != YTK_OK) {
        yt_errf(err, "%s: %s", what, herr);
        return rc == YTK_E_NOMEM ? YTK_E_NOMEM : YTK_E_NET;
    }
    return YTK_OK;
}

static int token_call(struct yt_http *h, struct yt_buf *form,
                      struct yt_token *tok, const char *what,
                      char err[YTK_ERR_LEN])
{
    struct yt_http_resp resp;
    char why[YTK_ERR_LEN];
    int rc;

    rc = post_form(h, YT_EP_TOKEN, form, &resp, what, err);
    if (rc != YTK_OK)
        return rc;
    rc = yt_oauth_parse_token_response(resp.status, resp.body,
                                       (long long)time(NULL), tok, why);
    if (rc != YTK_OK)
        yt_errf(err, "%s failed: %s", what, why);
    if (resp.body)
        explicit_bzero(resp.body, resp.len);
    yt_http_resp_free(&resp);
    return rc;
}

/* A grant that creates a new token (code exchange, device poll): POST form
 * to the token endpoint and, on success, replace *tok with the answer plus
 * the client and the endpoint used.  Wipes and frees form.  On failure *tok
 * is untouched. */
static int new_token(struct yt_http *h, const struct yt_client *c,
                     struct yt_buf *form, const char *what,
                     struct yt_token *tok, char err[YTK_ERR_LEN])
{
    struct yt_token fresh;
    int rc;

    memset(&fresh, 0, sizeof fresh);
    rc = token_call(h, form, &fresh, what, err);
    wipe_buf(form);
    if (rc != YTK_OK)
        goto out;
    fresh.client_id = strdup(c->client_id);
    fresh.client_secret = strdup(c->client_secret);
    fresh.token_uri = yt_http_endpoint(YT_EP_TOKEN);
    if (!fresh.client_id || !fresh.client_secret || !fresh.token_uri) {
        yt_errf(err, "out of memory");
        rc = YTK_E_NOMEM;
        goto out;
    }
    yt_token_free(tok);
    *tok = fresh;
    memset(&fresh, 0, sizeof fresh);
out:
    yt_token_free(&fresh);
    return rc;
}

/* The form could not be built: wipe it and say so. */
static int form_nomem(struct yt_buf *form, char err[YTK_ERR_LEN])
{
    wipe_buf(form);
    yt_errf(err, "out of memory");
    return YTK_E_NOMEM;
}

int yt_oauth_exchange(struct yt_http *h, const struct yt_client *c,
                      const char *code, const char *verifier,
                      const char *redirect_uri, struct yt_token *tok,
                      char err[YTK_ERR_LEN])
{
    struct yt_buf form;

    yt_buf_init(&form, 64 * 1024);
    if (form_add(&form, "code", code) ||
        form_add(&form, "client_id", c->client_id) ||
        form_add(&form, "client_secret", c->client_secret) ||
        form_add(&form, "redirect_uri", redirect_uri) ||
        form_add(&form, "grant_type", "authorization_code") ||
        form_add(&form, "code_verifier", verifier))
        return form_nomem(&form, err);
    return new_token(h, c, &form, "exchanging the authorization code", tok,
                     err);
}

int yt_oauth_refresh(struct yt_http *h, struct yt_token *tok,
                     char err[YTK_ERR_LEN])
{
    struct yt_buf form;
    int rc;

    if (!tok->refresh_token || !tok->client_id || !tok->client_secret) {
        yt_errf(err,
                "the saved token cannot be refreshed (it lacks %s); run "
                "%%yt_auth login",
                !tok->refresh_token ? "a refresh_token"
                                    : "the client id and secret");
        return YTK_E_CLIENT;
    }
    if (yt_token_origin_check(tok, err) != YTK_OK)
        return YTK_E_CLIENT;
    yt_buf_init(&form, 64 * 1024);
    if (form_add(&form, "grant_type", "refresh_token") ||
        form_add(&form, "client_id", tok->client_id) ||
        form_add(&form, "client_secret", tok->client_secret) ||
        form_add(&form, "refresh_token", tok->refresh_token))
        return form_nomem(&form, err);
    rc = token_call(h, &form, tok, "refreshing the access token", err);
    wipe_buf(&form);
    if (rc == YTK_OK) {
        char *uri = yt_http_endpoint(YT_EP_TOKEN);

        if (uri) {
            free(tok->token_uri);
            tok->token_uri = uri;
        }
    }
    return rc;
}

int yt_oauth_revoke(struct yt_http *h, const char *token, char err[YTK_ERR_LEN])
{
    struct yt_buf form;
    struct yt_http_resp resp;
    int rc;

    yt_buf_init(&form, 64 * 1024);
    if (form_add(&form, "token", token))
        return form_nomem(&form, err);
    rc = post_form(h, YT_EP_REVOKE, &form, &resp, "revoking the token", err);
    wipe_buf(&form);
    if (rc != YTK_OK)
        return rc;
    if (resp.status >= 200 && resp.status < 300) {
        rc = YTK_OK;
    } else {
        cJSON *root = cJSON_Parse(resp.body);

        rc = oauth_error(resp.status, root, "the revoke endpoint", err);
        if (rc == YTK_E_OAUTH && cJSON_IsObject(root)) {
            const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");

            if (cJSON_IsString(e) &&
                strcmp(e->valuestring, "invalid_token") == 0)
                rc = YTK_E_INVALID_GRANT;
        }
        cJSON_Delete(root);
    }
    yt_http_resp_free(&resp);
    return rc;
}

void yt_tokeninfo_free(struct yt_tokeninfo *ti)
{
    if (!ti)
        return;
    free(ti->email);
    free(ti->sub);
    free(ti->scope);
    memset(ti, 0, sizeof *ti);
}

int yt_oauth_tokeninfo(struct yt_http *h, const char *access_token,
                       struct yt_tokeninfo *out, char err[YTK_ERR_LEN])
{
    struct yt_buf form;
    struct yt_http_resp resp;
    cJSON *root = NULL;
    const cJSON *v;
    long exp = 0;
    int rc;

    memset(out, 0, sizeof *out);
    /* POST keeps the token out of URLs and request logs. */
    yt_buf_init(&form, 64 * 1024);
    if (form_add(&form, "access_token", access_token))
        return form_nomem(&form, err);
    rc = post_form(h, YT_EP_TOKENINFO, &form, &resp, "tokeninfo", err);
    wipe_buf(&form);
    if (rc != YTK_OK)
        return rc;
    root = cJSON_Parse(resp.body);
    if (resp.status < 200 || resp.status >= 300) {
        rc = oauth_error(resp.status, root, "tokeninfo", err);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        yt_errf(err, "tokeninfo answered with no JSON object");
        rc = YTK_E_PROTO;
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "email");
    if (cJSON_IsString(v) && printable(v->valuestring))
        out->email = strdup(v->valuestring);
    v = cJSON_GetObjectItemCaseSensitive(root, "sub");
    if (cJSON_IsString(v) && printable(v->valuestring))
        out->sub = strdup(v->valuestring);
    v = cJSON_GetObjectItemCaseSensitive(root, "scope");
    if (cJSON_IsString(v))
        out->scope = yt_oauth_expand_scopes(v->valuestring);
    if (get_long(root, "exp", &exp) == 0)
        out->exp = exp;
    rc = YTK_OK;
out:
    cJSON_Delete(root);
    yt_http_resp_free(&resp);
    return rc;
}

void yt_device_free(struct yt_device *d)
{
    if (!d)
        return;
    yt_wipe_free(d->device_code);
    free(d->user_code);
    free(d->verification_url);
    memset(d, 0, sizeof *d);
}

int yt_oauth_device_start(struct yt_http *h, const struct yt_client *c,
                          const char *scopes, struct yt_device *out,
                          char err[YTK_ERR_LEN])
{
    struct yt_buf form;
    struct yt_http_resp resp;
    cJSON *root = NULL;
    const cJSON *v;
    int rc;

    memset(out, 0, sizeof *out);
    yt_buf_init(&form, 64 * 1024);
    if (form_add(&form, "client_id", c->client_id) ||
        form_add(&form, "scope", scopes))
        return form_nomem(&form, err);
    rc = post_form(h, YT_EP_DEVICE_CODE, &form, &resp,
                   "requesting a device code", err);
    wipe_buf(&form);
    if (rc != YTK_OK)
        return rc;
    root = cJSON_Parse(resp.body);
    if (resp.status < 200 || resp.status >= 300) {
        char why[YTK_ERR_LEN];

        rc = oauth_error(resp.status, root, "the device code endpoint", why);
        yt_errf(err, "%s%s", why,
                rc == YTK_E_CLIENT
                    ? " (the device flow needs a client of type \"TVs and "
                      "Limited Input devices\")"
                    : "");
        goto out;
    }
    rc = YTK_E_PROTO;
    if (!cJSON_IsObject(root) ||
        dup_printable(cJSON_GetObjectItemCaseSensitive(root, "device_code"),
                      &out->device_code) != 0 ||
        dup_printable(cJSON_GetObjectItemCaseSensitive(root, "user_code"),
                      &out->user_code) != 0) {
        yt_errf(err, "the device code endpoint's answer lacks "
                     "device_code or user_code");
        goto out;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "verification_url");
    if (!v)
        v = cJSON_GetObjectItemCaseSensitive(root, "verification_uri");
    if (dup_printable(v, &out->verification_url) != 0 ||
        (strncmp(out->verification_url, "https://", 8) != 0 &&
         strncmp(out->verification_url, "http://", 7) != 0)) {
        yt_errf(err, "the device code endpoint's answer lacks "
                     "a verification_url");
        goto out;
    }
    if (get_long(root, "interval", &out->interval) != 0 || out->interval < 1)
        out->interval = 5;
    if (out->interval > 300)
        out->interval = 300;
    if (get_long(root, "expires_in", &out->expires_in) != 0 ||
        out->expires_in < 1)
        out->expires_in = 1800;
    rc = YTK_OK;
out:
    if (rc != YTK_OK)
        yt_device_free(out);
    cJSON_Delete(root);
    yt_http_resp_free(&resp);
    return rc;
}

int yt_oauth_device_poll(struct yt_http *h, const struct yt_client *c,
                         const char *device_code, struct yt_token *tok,
                         char err[YTK_ERR_LEN])
{
    struct yt_buf form;

    yt_buf_init(&form, 64 * 1024);
    if (form_add(&form, "client_id", c->client_id) ||
        form_add(&form, "client_secret", c->client_secret) ||
        form_add(&form, "device_code", device_code) ||
        form_add(&form, "grant_type",
                 "urn:ietf:params:oauth:grant-type:device_code"))
        return form_nomem(&form, err);
    return new_token(h, c, &form, "polling for the device authorization", tok,
                     err);
}

void yt_oauth_explain_invalid_grant(const char *what, long long refresh_expiry,
                                    long long now, char err[YTK_ERR_LEN])
{
    const char *pre = what ? what : "", *sep = what ? ": " : "";
    char when[32] = "";

    if (refresh_expiry > 0) {
        yt_token_format_time(refresh_expiry, when);
        when[10] = ' ';
        when[19] = '\0';
    }
    if (refresh_expiry > 0 && now >= refresh_expiry - 60)
        yt_errf(err,
                "%s%sGoogle rejected the saved refresh token (invalid_grant): "
                "it expired on %s UTC -- Google limits refresh tokens of apps "
                "whose OAuth consent screen is in \"Testing\" mode to 7 days; "
                "run %%yt_auth login to sign in again (publishing the app "
                "ends the weekly expiry)",
                pre, sep, when);
    else if (refresh_expiry > 0)
        yt_errf(err,
                "%s%sGoogle rejected the saved refresh token (invalid_grant): "
                "it was revoked (it would have lasted until %s UTC, so it "
                "did not just hit the 7-day limit of apps in \"Testing\" "
                "mode); run %%yt_auth login to sign in again",
                pre, sep, when);
    else
        yt_errf(err,
                "%s%sGoogle rejected the saved refresh token (invalid_grant): "
                "it was revoked, or it expired (apps whose OAuth consent "
                "screen is in \"Testing\" mode get refresh tokens that stop "
                "working after 7 days); run %%yt_auth login to sign in again",
                pre, sep);
}
