/* test_oauth.c -- PKCE, URLs, client config, token file, token endpoint
 * answers, the loopback listener and its parsers, and yt_http against a
 * tiny local HTTP server thread. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "yt_buf.h"
#include "yt_cred.h"
#include "yt_http.h"
#include "yt_listener.h"
#include "yt_oauth.h"
#include "yt_token.h"
#include "tu.h"

#define FIXTURES YTK_SOURCE_DIR "/tests/fixtures/youtube-apidata/"

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ytk-test-oauth-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        exit(1);
    }
}

static void rm_tmpdir(void)
{
    char cmd[300];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

/* Value of query parameter `key` in url, percent-decoded (static buffer). */
static const char *query_param(const char *url, const char *key)
{
    const char *q = strchr(url, '?');
    const char *p;
    char pat[64];
    static char out[4096];

    if (!q)
        return NULL;
    snprintf(pat, sizeof pat, "%s=", key);
    for (p = q + 1; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, pat, strlen(pat)) == 0) {
            const char *v = p + strlen(pat);
            size_t n = strcspn(v, "&"), o = 0, i;

            for (i = 0; i < n && o + 1 < sizeof out; i++) {
                if (v[i] == '%' && i + 2 < n) {
                    char hex[3] = {v[i + 1], v[i + 2], 0};

                    out[o++] = (char)strtol(hex, NULL, 16);
                    i += 2;
                } else {
                    out[o++] = v[i] == '+' ? ' ' : v[i];
                }
            }
            out[o] = '\0';
            return out;
        }
    }
    return NULL;
}

/* ---- PKCE and URLs ------------------------------------------------------ */

static void test_pkce_rfc7636_vector(void)
{
    char ch[YT_PKCE_CHALLENGE_LEN + 1];

    /* RFC 7636 appendix B */
    yt_oauth_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", ch);
    TU_EQ_STR(ch, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void test_pkce_verifier(void)
{
    char v1[YT_PKCE_VERIFIER_LEN + 1], v2[YT_PKCE_VERIFIER_LEN + 1];
    char err[YTK_ERR_LEN];
    size_t i;
    int seen_special = 0;

    TU_EQ_INT(yt_oauth_pkce_verifier(v1, err), YTK_OK);
    TU_EQ_INT(yt_oauth_pkce_verifier(v2, err), YTK_OK);
    TU_EQ_INT(strlen(v1), 128);
    TU_CHECK(strcmp(v1, v2) != 0);
    TU_EQ_INT(strspn(v1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789-._~"),
              128);
    /* Over a few verifiers every class of the alphabet shows up. */
    for (i = 0; i < 20 && !seen_special; i++) {
        TU_EQ_INT(yt_oauth_pkce_verifier(v1, err), YTK_OK);
        seen_special = strpbrk(v1, "-._~") != NULL;
    }
    TU_CHECK(seen_special);
}

static void test_base64url_and_state(void)
{
    char out[64], err[YTK_ERR_LEN], s1[YT_STATE_LEN + 1], s2[YT_STATE_LEN + 1];

    yt_base64url((const unsigned char *)"f", 1, out);
    TU_EQ_STR(out, "Zg");
    yt_base64url((const unsigned char *)"fo", 2, out);
    TU_EQ_STR(out, "Zm8");
    yt_base64url((const unsigned char *)"foo", 3, out);
    TU_EQ_STR(out, "Zm9v");
    yt_base64url((const unsigned char *)"\xfb\xff", 2, out);
    TU_EQ_STR(out, "-_8");
    TU_EQ_INT(yt_oauth_random_state(s1, err), YTK_OK);
    TU_EQ_INT(yt_oauth_random_state(s2, err), YTK_OK);
    TU_EQ_INT(strlen(s1), 43);
    TU_CHECK(strcmp(s1, s2) != 0);
}

static void test_escape(void)
{
    char *e = yt_http_escape("a b&c=d/é~._-");

    TU_EQ_STR(e, "a%20b%26c%3Dd%2F%C3%A9~._-");
    free(e);
}

static void test_endpoint(void)
{
    char *u;

    unsetenv("YTK_GOOGLE_BASE");
    u = yt_http_endpoint(YT_EP_TOKEN);
    TU_EQ_STR(u, "https://oauth2.googleapis.com/token");
    free(u);
    u = yt_http_endpoint(YT_EP_AUTH);
    TU_EQ_STR(u, "https://accounts.google.com/o/oauth2/v2/auth");
    free(u);
    setenv("YTK_GOOGLE_BASE", "http://127.0.0.1:8080/", 1);
    u = yt_http_endpoint(YT_EP_API);
    TU_EQ_STR(u, "http://127.0.0.1:8080/youtube/v3");
    free(u);
    u = yt_http_endpoint(YT_EP_DEVICE_CODE);
    TU_EQ_STR(u, "http://127.0.0.1:8080/device/code");
    free(u);
    unsetenv("YTK_GOOGLE_BASE");
}

static void test_auth_url(void)
{
    char *url;

    setenv("YTK_GOOGLE_BASE", "http://127.0.0.1:9", 1);
    url = yt_oauth_auth_url("id&x=1 y", "http://127.0.0.1:5555/",
                            YT_SCOPES_DEFAULT, "CHAL", "st/a+te");
    unsetenv("YTK_GOOGLE_BASE");
    TU_CHECK(url != NULL);
    if (!url)
        return;
    TU_CHECK(strncmp(url, "http://127.0.0.1:9/o/oauth2/v2/auth?", 36) == 0);
    /* Escaped on the way in, identical on the way out. */
    TU_CHECK(strstr(url, "client_id=id%26x%3D1%20y&") != NULL);
    TU_EQ_STR(query_param(url, "client_id"), "id&x=1 y");
    TU_EQ_STR(query_param(url, "redirect_uri"), "http://127.0.0.1:5555/");
    TU_EQ_STR(query_param(url, "scope"), YT_SCOPES_DEFAULT);
    TU_EQ_STR(query_param(url, "state"), "st/a+te");
    TU_EQ_STR(query_param(url, "code_challenge"), "CHAL");
    TU_EQ_STR(query_param(url, "code_challenge_method"), "S256");
    TU_EQ_STR(query_param(url, "response_type"), "code");
    TU_EQ_STR(query_param(url, "access_type"), "offline");
    free(url);
}

static void test_expand_scopes(void)
{
    char *s = yt_oauth_expand_scopes(" youtube.readonly,youtube.force-ssl  "
                                     "https://www.googleapis.com/auth/youtube"
                                     " openid");

    /* openid is Google's bare name: .../auth/openid is no scope */
    TU_EQ_STR(s, "https://www.googleapis.com/auth/youtube.readonly "
                 "https://www.googleapis.com/auth/youtube.force-ssl "
                 "https://www.googleapis.com/auth/youtube "
                 "openid");
    free(s);
    s = yt_oauth_expand_scopes("email profile userinfo.email");
    TU_EQ_STR(s,
              "email profile https://www.googleapis.com/auth/userinfo.email");
    free(s);
    TU_CHECK(yt_oauth_expand_scopes("  , ") == NULL);
}

static void test_check_scopes(void)
{
    char bad[64];

    TU_CHECK(yt_oauth_check_scopes("youtube.readonly,youtube.force-ssl "
                                   "yt-analytics.readonly openid email",
                                   bad, sizeof bad) == 0);
    TU_CHECK(yt_oauth_check_scopes("https://www.googleapis.com/auth/anything",
                                   bad, sizeof bad) == 0);
    TU_CHECK(yt_oauth_check_scopes("", bad, sizeof bad) == 0);
    /* the first unknown short name is named */
    TU_CHECK(yt_oauth_check_scopes("youtube.readonly, yt-analytics ,bogus", bad,
                                   sizeof bad) == -1);
    TU_EQ_STR(bad, "yt-analytics");
    TU_CHECK(yt_oauth_check_scopes("youtube.read", bad, sizeof bad) == -1);
    TU_EQ_STR(bad, "youtube.read");
    /* cut to the buffer, never past it */
    TU_CHECK(yt_oauth_check_scopes("abcdefghijklmnop", bad, 5) == -1);
    TU_EQ_STR(bad, "abcd");
}

/* ---- client configuration ---------------------------------------------- */

static void test_client_secrets(void)
{
    struct yt_client c;
    char err[YTK_ERR_LEN];

    TU_EQ_INT(yt_client_load(FIXTURES "client_secrets/"
                                      "client_secret_installed_good.json",
                             &c, err),
              YTK_OK);
    TU_EQ_STR(c.client_id, "client_id");
    TU_EQ_STR(c.client_secret, "client_secret");
    TU_CHECK(!c.is_web && !c.redirect_uri);
    yt_client_free(&c);

    TU_EQ_INT(yt_client_load(FIXTURES "client_secrets/client_secret_web.json",
                             &c, err),
              YTK_OK);
    TU_CHECK(c.is_web);
    TU_EQ_STR(c.redirect_uri, "http://localhost:5000/oauth2callback");
    yt_client_free(&c);

    TU_CHECK(yt_client_load(FIXTURES "client_secrets/"
                                     "client_secret_installed_bad.json",
                            &c, err) != YTK_OK);
    TU_CHECK(strstr(err, "client_secret") != NULL);
    TU_CHECK(c.client_id == NULL);

    TU_CHECK(yt_client_load(FIXTURES "client_secrets/"
                                     "client_secret_unsupported.json",
                            &c, err) != YTK_OK);
    TU_CHECK(strstr(err, "Client secrets must be for a web or installed "
                         "app.") != NULL);

    TU_CHECK(yt_client_load("/nonexistent/cs.json", &c, err) != YTK_OK);
    TU_CHECK(strstr(err, "/nonexistent/cs.json") != NULL);

    /* A web client without a loopback redirect cannot be used here. */
    {
        const char *j = "{\"web\":{\"client_id\":\"a\",\"client_secret\":\"b\","
                        "\"redirect_uris\":[\"https://example.com/cb\"]}}";

        TU_CHECK(yt_client_parse(j, strlen(j), "x.json", &c, err) != YTK_OK);
        TU_CHECK(strstr(err, "loopback") != NULL);
    }
    TU_EQ_INT(yt_client_from_values("id", "sec", &c, err), YTK_OK);
    TU_EQ_STR(c.client_secret, "sec");
    yt_client_free(&c);
    TU_CHECK(yt_client_from_values("id", "", &c, err) != YTK_OK);
    TU_CHECK(yt_client_from_values("i d", "s", &c, err) != YTK_OK);
}

/* ---- token file -------------------------------------------------------- */

static void test_time(void)
{
    long long t = 0;
    char buf[32];

    TU_EQ_INT(yt_token_parse_time("2025-01-01T12:00:00.000000Z", &t), 0);
    TU_EQ_INT(t, 1735732800LL);
    TU_EQ_INT(yt_token_parse_time("2025-01-01T12:00:00", &t), 0);
    TU_EQ_INT(t, 1735732800LL);
    TU_EQ_INT(yt_token_parse_time("2025-01-01T12:00:00+00:00", &t), 0);
    TU_EQ_INT(yt_token_parse_time("2025-13-01T12:00:00Z", &t), -1);
    TU_EQ_INT(yt_token_parse_time("2025-01-01 12:00:00Z", &t), -1);
    TU_EQ_INT(yt_token_parse_time("2025-01-01T12:00:00Zjunk", &t), -1);
    TU_EQ_INT(yt_token_parse_time("", &t), -1);
    yt_token_format_time(1735732800LL, buf);
    TU_EQ_STR(buf, "2025-01-01T12:00:00Z");
}

static void test_token_authorized_user(void)
{
    const char *j =
        "{\"token\": \"ya29.A\", \"refresh_token\": \"1//R\", \"token_uri\": "
        "\"https://oauth2.googleapis.com/token\", \"client_id\": \"cid\", "
        "\"client_secret\": \"csec\", \"scopes\": "
        "[\"https://www.googleapis.com/auth/youtube.readonly\", "
        "\"https://www.googleapis.com/auth/youtube.force-ssl\"], "
        "\"universe_domain\": \"googleapis.com\", \"account\": \"\", "
        "\"expiry\": \"2025-01-01T12:00:00.000000Z\"}";
    struct yt_token t;
    char err[YTK_ERR_LEN];

    TU_EQ_INT(yt_token_parse(j, strlen(j), &t, err), YTK_OK);
    TU_EQ_STR(t.token, "ya29.A");
    TU_EQ_STR(t.refresh_token, "1//R");
    TU_EQ_STR(t.client_id, "cid");
    TU_EQ_STR(t.client_secret, "csec");
    TU_EQ_STR(t.scopes, "https://www.googleapis.com/auth/youtube.readonly "
                        "https://www.googleapis.com/auth/youtube.force-ssl");
    TU_EQ_INT(t.expiry, 1735732800LL);
    TU_CHECK(yt_token_needs_refresh(&t, 1735732800LL - 226, 225) == 0);
    TU_CHECK(yt_token_needs_refresh(&t, 1735732800LL - 225, 225) != 0);
    yt_token_free(&t);
}

static void test_token_requests_oauthlib(void)
{
    struct yt_token t;
    char err[YTK_ERR_LEN];

    /* The seed project's token.json, as recorded. */
    TU_EQ_INT(yt_token_load(FIXTURES "access_token.json", &t, err), YTK_OK);
    TU_EQ_STR(t.token, "access_token");
    TU_EQ_STR(t.refresh_token, "refresh_token");
    TU_EQ_STR(t.scopes, "https://www.googleapis.com/auth/youtube "
                        "https://www.googleapis.com/auth/userinfo.profile");
    TU_EQ_INT(t.expiry, 1640180492LL);
    TU_CHECK(t.client_id == NULL && t.client_secret == NULL);
    yt_token_free(&t);
}

static void test_token_round_trip(void)
{
    struct yt_token t, back;
    char path[512], err[YTK_ERR_LEN];
    struct stat st;
    mode_t old;

    memset(&t, 0, sizeof t);
    t.token = strdup("ya29.tok");
    t.refresh_token = strdup("1//ref");
    t.token_uri = strdup("https://oauth2.googleapis.com/token");
    t.client_id = strdup("cid.apps.googleusercontent.com");
    t.client_secret = strdup("GOCSPX-sec\"ret\\");
    t.scopes = strdup("https://www.googleapis.com/auth/youtube.readonly");
    t.expiry = 1735732800LL;
    t.refresh_expiry = 1736337600LL;
    snprintf(path, sizeof path, "%s/token.json", tmpdir);
    old = umask(0);
    TU_EQ_INT(yt_token_save(path, &t, err), YTK_OK);
    /* overwrite: still atomic, still 0600 */
    TU_EQ_INT(yt_token_save(path, &t, err), YTK_OK);
    umask(old);
    TU_EQ_INT(stat(path, &st), 0);
    TU_EQ_INT(st.st_mode & 0777, 0600);
    TU_EQ_INT(yt_token_load(path, &back, err), YTK_OK);
    TU_EQ_STR(back.token, t.token);
    TU_EQ_STR(back.refresh_token, t.refresh_token);
    TU_EQ_STR(back.client_id, t.client_id);
    TU_EQ_STR(back.client_secret, t.client_secret);
    TU_EQ_STR(back.scopes, t.scopes);
    TU_EQ_INT(back.expiry, t.expiry);
    TU_EQ_INT(back.refresh_expiry, t.refresh_expiry);
    yt_token_free(&back);
    {
        char *json = yt_token_to_json(&t);

        /* Google's field names and expiry format. */
        TU_CHECK(strstr(json, "\"token\":") != NULL);
        TU_CHECK(strstr(json, "\"scopes\":") != NULL);
        TU_CHECK(strstr(json, "\"expiry\":\t\"2025-01-01T12:00:00Z\"") != NULL);
        free(json);
    }
    /* No temp files left behind. */
    {
        char cmd[600];

        snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", tmpdir);
        TU_CHECK(system(cmd) != 0);
    }
    yt_token_free(&t);
}

static void test_token_bad(void)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{",
        "{}",
        "{\"scopes\": []}",
        "{\"token\": 5}",
        "{\"token\": \"a\", \"expiry\": \"yesterday\"}",
        "{\"token\": \"a\", \"expires_at\": \"x\"}",
        "{\"token\": \"a\\nb\"}",
        "{\"token\": \"a\", \"scopes\": [1]}",
        "{\"token\": \"a\", \"scopes\": {}}",
        "{\"refresh_token\": \"a\", \"client_secret\": []}",
    };
    struct yt_token t;
    char err[YTK_ERR_LEN];
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = yt_token_parse(bad[i], strlen(bad[i]), &t, err);

        TU_CHECK(rc == YTK_E_FORMAT);
        if (rc == YTK_OK) {
            fprintf(stderr, "accepted: %s\n", bad[i]);
            yt_token_free(&t);
        }
        /* Messages never repeat token values. */
        TU_CHECK(strstr(err, "a\nb") == NULL);
    }
    TU_EQ_INT(yt_token_load("/nonexistent/token.json", &t, err), YTK_E_NOENT);
}

/* ---- token endpoint answers -------------------------------------------- */

static void test_token_response(void)
{
    struct yt_token t;
    char err[YTK_ERR_LEN];

    memset(&t, 0, sizeof t);
    TU_EQ_INT(yt_oauth_parse_token_response(
                  200,
                  "{\"access_token\":\"ya29.X\",\"expires_in\":3599,"
                  "\"refresh_token\":\"1//Y\",\"scope\":\"https://"
                  "www.googleapis.com/auth/youtube.readonly\","
                  "\"token_type\":\"Bearer\"}",
                  1000, &t, err),
              YTK_OK);
    TU_EQ_STR(t.token, "ya29.X");
    TU_EQ_STR(t.refresh_token, "1//Y");
    TU_EQ_INT(t.expiry, 4599);
    TU_EQ_STR(t.scopes, "https://www.googleapis.com/auth/youtube.readonly");
    TU_EQ_INT(t.refresh_expiry, 0);
    /* A time-limited grant (Testing mode) says when the refresh token dies. */
    TU_EQ_INT(yt_oauth_parse_token_response(
                  200,
                  "{\"access_token\":\"ya29.X\",\"expires_in\":3599,"
                  "\"refresh_token\":\"1//Y\",\"refresh_token_expires_in\":"
                  "604800}",
                  1000, &t, err),
              YTK_OK);
    TU_EQ_INT(t.refresh_expiry, 605800);
    /* A refresh answer without refresh_token keeps the old one. */
    TU_EQ_INT(yt_oauth_parse_token_response(
                  200, "{\"access_token\":\"ya29.Z\",\"expires_in\":\"60\"}",
                  2000, &t, err),
              YTK_OK);
    TU_EQ_STR(t.token, "ya29.Z");
    TU_EQ_STR(t.refresh_token, "1//Y");
    TU_EQ_INT(t.expiry, 2060);
    /* Errors are mapped and leave the token alone. */
    TU_EQ_INT(yt_oauth_parse_token_response(
                  400,
                  "{\"error\":\"invalid_grant\",\"error_description\":"
                  "\"Token has been expired or revoked.\"}",
                  3000, &t, err),
              YTK_E_INVALID_GRANT);
    TU_CHECK(strstr(err, "invalid_grant") != NULL);
    TU_CHECK(strstr(err, "Token has been expired or revoked.") != NULL);
    TU_EQ_STR(t.token, "ya29.Z");
    TU_EQ_INT(yt_oauth_parse_token_response(
                  428, "{\"error\":\"authorization_pending\"}", 0, &t, err),
              YTK_E_PENDING);
    TU_EQ_INT(yt_oauth_parse_token_response(403, "{\"error\":\"slow_down\"}", 0,
                                            &t, err),
              YTK_E_SLOW_DOWN);
    TU_EQ_INT(yt_oauth_parse_token_response(
                  403, "{\"error\":\"access_denied\"}", 0, &t, err),
              YTK_E_DENIED);
    TU_EQ_INT(yt_oauth_parse_token_response(
                  401, "{\"error\":\"invalid_client\"}", 0, &t, err),
              YTK_E_CLIENT);
    TU_EQ_INT(
        yt_oauth_parse_token_response(502, "<html>bad gateway", 0, &t, err),
        YTK_E_PROTO);
    TU_EQ_INT(
        yt_oauth_parse_token_response(200, "{\"expires_in\":5}", 0, &t, err),
        YTK_E_PROTO);
    TU_EQ_INT(
        yt_oauth_parse_token_response(
            200, "{\"access_token\":\"a\",\"token_type\":\"MAC\"}", 0, &t, err),
        YTK_E_PROTO);
    TU_EQ_STR(t.token, "ya29.Z");
    yt_token_free(&t);
    {
        char msg[YTK_ERR_LEN];

        yt_oauth_explain_invalid_grant(NULL, 0, 1000, msg);
        TU_CHECK(strstr(msg, "revoked, or it expired") != NULL);
        TU_CHECK(strstr(msg, "7 days") != NULL);
        TU_CHECK(strstr(msg, "Testing") != NULL);
        TU_CHECK(strstr(msg, "%yt_auth login") != NULL);
        /* known expiry, passed: the Testing-mode limit */
        yt_oauth_explain_invalid_grant("refresh", 1735732800LL,
                                       1735732800LL + 5, msg);
        TU_CHECK(strncmp(msg, "refresh: ", 9) == 0);
        TU_CHECK(strstr(msg, "expired on 2025-01-01 12:00:00 UTC") != NULL);
        TU_CHECK(strstr(msg, "revoked") == NULL);
        /* known expiry, still ahead: revoked */
        yt_oauth_explain_invalid_grant(NULL, 1735732800LL, 1000, msg);
        TU_CHECK(strstr(msg, "it was revoked") != NULL);
        TU_CHECK(strstr(msg, "%yt_auth login") != NULL);
    }
}

/* ---- listener parsing ---------------------------------------------------- */

static void test_listener_parse(void)
{
    static const struct {
        const char *req;
        int want;
    } refused[] = {
        {"POST /?code=x HTTP/1.1\r\n\r\n", YTK_E_METHOD},
        {"GET /?code=x HTTP/2.0\r\n\r\n", YTK_E_FORMAT},
        {"GET /?code=x&code=y HTTP/1.1\r\n\r\n", YTK_E_FORMAT},
        {"GET /?code=%zz HTTP/1.1\r\n\r\n", YTK_E_FORMAT},
        {"GET /?code=%0a HTTP/1.1\r\n\r\n", YTK_E_FORMAT},
        {"GET /?code=%4 HTTP/1.1\r\n\r\n", YTK_E_FORMAT},
        {"GET  HTTP/1.1\r\n\r\n", YTK_E_FORMAT},
        {"GET nopath HTTP/1.1\r\n\r\n", YTK_E_FORMAT},
    };
    struct yt_redirect r;
    size_t i;
    const char *req =
        "GET /?state=ab%2Fc&code=4%2F0Ab-x&scope=https%3A%2F%2F"
        "www.googleapis.com%2Fauth%2Fyoutube.readonly HTTP/1.1\r\n"
        "Host: 127.0.0.1:5000\r\nUser-Agent: x\r\n\r\n";

    TU_EQ_INT(yt_listener_parse_request(req, strlen(req), &r), YT_LREQ_OK);
    TU_EQ_STR(r.path, "/");
    TU_EQ_STR(r.state, "ab/c");
    TU_EQ_STR(r.code, "4/0Ab-x");
    TU_EQ_STR(r.scope, "https://www.googleapis.com/auth/youtube.readonly");
    TU_CHECK(r.error == NULL);
    yt_redirect_free(&r);

    /* Incomplete head: need more. */
    TU_EQ_INT(yt_listener_parse_request(req, 40, &r), YT_LREQ_MORE);
    /* Error redirect, other path, bare LF, absolute-form. */
    req = "GET /cb?error=access_denied&state=s HTTP/1.0\n\n";
    TU_EQ_INT(yt_listener_parse_request(req, strlen(req), &r), YT_LREQ_OK);
    TU_EQ_STR(r.path, "/cb");
    TU_EQ_STR(r.error, "access_denied");
    yt_redirect_free(&r);
    req = "GET http://127.0.0.1:9/x?code=c+d HTTP/1.1\r\n\r\n";
    TU_EQ_INT(yt_listener_parse_request(req, strlen(req), &r), YT_LREQ_OK);
    TU_EQ_STR(r.path, "/x");
    TU_EQ_STR(r.code, "c d");
    yt_redirect_free(&r);
    req = "GET /favicon.ico HTTP/1.1\r\n\r\n";
    TU_EQ_INT(yt_listener_parse_request(req, strlen(req), &r), YT_LREQ_OK);
    TU_EQ_STR(r.path, "/favicon.ico");
    TU_CHECK(!r.code && !r.state);
    yt_redirect_free(&r);

    /* Refusals. */
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        int rc = yt_listener_parse_request(refused[i].req,
                                           strlen(refused[i].req), &r);
        if (rc != refused[i].want)
            fprintf(stderr, "refused[%zu] was not refused as expected\n", i);
        TU_EQ_INT(rc, refused[i].want);
    }
    TU_EQ_INT(yt_listener_parse_request("GET /\0 HTTP/1.1\r\n\r\n", 19, &r),
              YTK_E_FORMAT);
    {
        char *big = malloc(YT_LISTENER_MAX_REQUEST + 10);

        memset(big, 'a', YT_LISTENER_MAX_REQUEST + 10);
        memcpy(big, "GET /", 5);
        TU_EQ_INT(
            yt_listener_parse_request(big, YT_LISTENER_MAX_REQUEST + 10, &r),
            YTK_E_TOOBIG);
        free(big);
    }
}

static void test_redirect_paste(void)
{
    struct yt_redirect r;
    char err[YTK_ERR_LEN];

    TU_EQ_INT(yt_redirect_parse("  http://127.0.0.1:8080/?state=S1&code="
                                "4%2F0AX&scope=x#frag \n",
                                &r, err),
              0);
    TU_EQ_STR(r.code, "4/0AX");
    TU_EQ_STR(r.state, "S1");
    yt_redirect_free(&r);
    TU_EQ_INT(yt_redirect_parse("\"?code=abc\"", &r, err), 0);
    TU_EQ_STR(r.code, "abc");
    TU_CHECK(r.state == NULL);
    yt_redirect_free(&r);
    TU_EQ_INT(yt_redirect_parse("4%2F0AX-yz", &r, err), 0);
    TU_EQ_STR(r.code, "4/0AX-yz");
    yt_redirect_free(&r);
    TU_EQ_INT(yt_redirect_parse("4/0AX-yz", &r, err), 0);
    TU_EQ_STR(r.code, "4/0AX-yz");
    yt_redirect_free(&r);
    TU_EQ_INT(
        yt_redirect_parse("http://127.0.0.1/?error=access_denied", &r, err), 0);
    TU_EQ_STR(r.error, "access_denied");
    yt_redirect_free(&r);
    TU_EQ_INT(yt_redirect_parse("", &r, err), -1);
    TU_EQ_INT(yt_redirect_parse("http://127.0.0.1:8080/?state=x", &r, err), -1);
    TU_CHECK(strstr(err, "code") != NULL);
    TU_EQ_INT(yt_redirect_parse("two words", &r, err), -1);
}

/* ---- the live listener ------------------------------------------------- */

struct client_job {
    int port;
    int idle_first; /* open a connection that never sends, keep it open */
    int split;      /* send each request in small pieces */
    const char *requests[4]; /* sent one per connection, in order */
    char answers[4][512];
};

static void *client_thread(void *arg)
{
    struct client_job *j = arg;
    int i, idle = -1;

    if (j->idle_first) {
        struct sockaddr_in sa;

        idle = socket(AF_INET, SOCK_STREAM, 0);
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((unsigned short)j->port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(idle, (struct sockaddr *)&sa, sizeof sa) != 0)
            perror("idle connect");
        usleep(100 * 1000); /* let the listener accept it first */
    }
    for (i = 0; i < 4 && j->requests[i]; i++) {
        struct sockaddr_in sa;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        ssize_t n, got = 0;

        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        sa.sin_port = htons((unsigned short)j->port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(fd);
            continue;
        }
        {
            const char *p = j->requests[i];
            size_t left = strlen(p), step = j->split ? 7 : left;
            int bad = 0;

            while (left > 0 && !bad) {
                size_t k = left < step ? left : step;

                bad = write(fd, p, k) < 0;
                p += k;
                left -= k;
                if (j->split)
                    usleep(10 * 1000);
            }
            if (bad) {
                close(fd);
                continue;
            }
        }
        while ((n = read(fd, j->answers[i] + got,
                         sizeof j->answers[i] - 1 - (size_t)got)) > 0)
            got += n;
        j->answers[i][got] = '\0';
        close(fd);
    }
    if (idle >= 0)
        close(idle);
    return NULL;
}

static int run_listener_t(struct client_job *j, const char *state,
                          long timeout_ms, struct yt_redirect *r,
                          char err[YTK_ERR_LEN])
{
    struct yt_listener *l;
    pthread_t th;
    int rc;

    if (yt_listener_open(&l, 0, err) != 0)
        return -100;
    j->port = yt_listener_port(l);
    pthread_create(&th, NULL, client_thread, j);
    rc = yt_listener_wait(l, "/", state, timeout_ms, NULL, NULL, r, err);
    pthread_join(th, NULL);
    yt_listener_close(l);
    return rc;
}

static int run_listener(struct client_job *j, const char *state,
                        struct yt_redirect *r, char err[YTK_ERR_LEN])
{
    return run_listener_t(j, state, 20000, r, err);
}

static void test_listener_live(void)
{
    struct client_job j;
    struct yt_redirect r;
    char err[YTK_ERR_LEN];

    /* A probe, a favicon and garbage are answered and ignored; then the
     * real redirect. */
    memset(&j, 0, sizeof j);
    j.requests[0] = "GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n";
    j.requests[1] = "BREW /pot HTCPCP/1.0\r\n\r\n";
    j.requests[2] = "GET /?state=S&code=C0DE HTTP/1.1\r\nHost: x\r\n\r\n";
    TU_EQ_INT(run_listener(&j, "S", &r, err), YTK_OK);
    TU_EQ_STR(r.code, "C0DE");
    TU_CHECK(strncmp(j.answers[0], "HTTP/1.1 404", 12) == 0);
    TU_CHECK(strncmp(j.answers[1], "HTTP/1.1 4", 10) == 0);
    TU_CHECK(strncmp(j.answers[2], "HTTP/1.1 200", 12) == 0);
    TU_CHECK(strstr(j.answers[2], "You may close this tab") != NULL ||
             strstr(j.answers[2], "You may close this") != NULL);
    yt_redirect_free(&r);

    /* Wrong state: refused, the wait ends with an error. */
    memset(&j, 0, sizeof j);
    j.requests[0] = "GET /?state=FORGED&code=EVIL HTTP/1.1\r\n\r\n";
    TU_EQ_INT(run_listener(&j, "S", &r, err), YTK_E_STATE);
    TU_CHECK(strstr(err, "state") != NULL);
    TU_CHECK(strstr(err, "EVIL") == NULL);
    TU_CHECK(strncmp(j.answers[0], "HTTP/1.1 400", 12) == 0);
    TU_CHECK(r.code == NULL);

    /* Consent denied: an answer carrying error. */
    memset(&j, 0, sizeof j);
    j.requests[0] = "GET /?error=access_denied&state=S HTTP/1.1\r\n\r\n";
    TU_EQ_INT(run_listener(&j, "S", &r, err), YTK_OK);
    TU_EQ_STR(r.error, "access_denied");
    TU_CHECK(strstr(j.answers[0], "access_denied") != NULL);
    yt_redirect_free(&r);

    /* A connection that never sends (a browser's pre-connect) does not
     * hold up the redirect on another connection: the listener's whole
     * timeout is shorter than the time it would wait on the idle one. */
    memset(&j, 0, sizeof j);
    j.idle_first = 1;
    j.requests[0] = "GET /?state=S&code=AFTER-IDLE HTTP/1.1\r\n\r\n";
    TU_EQ_INT(run_listener_t(&j, "S", 3000, &r, err), YTK_OK);
    TU_EQ_STR(r.code, "AFTER-IDLE");
    yt_redirect_free(&r);

    /* A request split across several packets is reassembled. */
    memset(&j, 0, sizeof j);
    j.split = 1;
    j.requests[0] = "GET /?state=S&code=ONE HTTP/1.1\r\nHost: x\r\n\r\n";
    TU_EQ_INT(run_listener(&j, "S", &r, err), YTK_OK);
    TU_EQ_STR(r.code, "ONE");
    yt_redirect_free(&r);
}

static int always_abort(void *arg)
{
    (*(int *)arg)++;
    return 1;
}

static void test_listener_timeout_abort(void)
{
    struct yt_listener *l;
    struct yt_redirect r;
    char err[YTK_ERR_LEN];
    int calls = 0;

    TU_EQ_INT(yt_listener_open(&l, 0, err), 0);
    TU_CHECK(yt_listener_port(l) > 0);
    TU_EQ_INT(yt_listener_wait(l, "/", "S", 150, NULL, NULL, &r, err),
              YTK_E_TIMEOUT);
    TU_EQ_INT(yt_listener_wait(l, "/", "S", 0, always_abort, &calls, &r, err),
              YTK_E_ABORTED);
    TU_CHECK(calls >= 1);
    {
        /* the port is taken while the listener is open */
        struct yt_listener *l2;

        TU_CHECK(yt_listener_open(&l2, yt_listener_port(l), err) != 0);
        TU_CHECK(strstr(err, "127.0.0.1") != NULL);
    }
    yt_listener_close(l);
}

/* ---- yt_http against a tiny local server ------------------------------ */

static const unsigned char gz_hello[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff,
    0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0x48, 0xaf, 0xca, 0x2c,
    0x00, 0x00, 0x19, 0x6a, 0xd2, 0xdf, 0x0a, 0x00, 0x00, 0x00};

struct server {
    int fd, port;
    _Atomic int stop; /* shared with the server thread */
    _Atomic int saw_gzip_accept, saw_bearer, saw_form;
    _Atomic int requests, connections;
    pthread_t th;
};

static int serve_one(struct server *s, int cfd)
{
    char buf[8192], hdr[512];
    size_t len = 0;
    ssize_t n;
    const char *body = "";
    size_t blen = 0;
    const char *status = "200 OK", *extra = "";
    const char *conn = "Connection: close\r\n";
    int keep = 0;

    for (;;) {
        struct pollfd pf = {.fd = cfd, .events = POLLIN};

        if (len >= sizeof buf - 1 || s->stop)
            break;
        if (poll(&pf, 1, 50) <= 0)
            continue;
        n = read(cfd, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n")) {
            char *cl = strcasestr(buf, "Content-Length:");
            char *end = strstr(buf, "\r\n\r\n") + 4;

            if (!cl || (size_t)(buf + len - end) >= (size_t)atol(cl + 15))
                break;
        }
    }
    buf[len] = '\0';
    if (len == 0)
        return 0;
    s->requests++;
    if (strcasestr(buf, "Accept-Encoding:") &&
        strstr(strcasestr(buf, "Accept-Encoding:"), "gzip"))
        s->saw_gzip_accept = 1;
    if (strstr(buf, "Authorization: Bearer tok123\r\n"))
        s->saw_bearer = 1;
    if (strstr(buf, "\r\n\r\na=1&b=%20"))
        s->saw_form = 1;
    if (strncmp(buf, "GET /gzip ", 10) == 0) {
        body = (const char *)gz_hello;
        blen = sizeof gz_hello;
        extra = "Content-Encoding: gzip\r\n";
    } else if (strncmp(buf, "GET /retry ", 11) == 0) {
        status = "429 Too Many Requests";
        extra = "Retry-After: 7\r\n";
        body = "{}";
        blen = 2;
    } else if (strncmp(buf, "GET /retrydate ", 15) == 0) {
        status = "503 Service Unavailable";
        extra = "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n";
        body = "{}";
        blen = 2;
    } else if (strncmp(buf, "GET /retrybad ", 14) == 0) {
        status = "503 Service Unavailable";
        extra = "Retry-After: soon\r\n";
        body = "{}";
        blen = 2;
    } else if (strncmp(buf, "GET /big ", 9) == 0) {
        snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 200 OK\r\nContent-Length: 70000000\r\n\r\n");
        if (write(cfd, hdr, strlen(hdr)) < 0)
            return 0;
        return 0;
    } else if (strncmp(buf, "GET /ka ", 8) == 0) {
        body = "alive";
        blen = 5;
        conn = "";
        keep = 1;
    } else if (strncmp(buf, "GET /n/", 7) == 0) {
        body = buf + 7; /* echo the number */
        blen = strcspn(body, " ");
    } else {
        body = "ok";
        blen = 2;
    }
    snprintf(hdr, sizeof hdr,
             "HTTP/1.1 %s\r\nContent-Type: application/json\r\n%s"
             "Content-Length: %zu\r\n%s\r\n",
             status, extra, blen, conn);
    if (write(cfd, hdr, strlen(hdr)) < 0 || write(cfd, body, blen) < 0)
        return 0;
    return keep;
}

static void *server_thread(void *arg)
{
    struct server *s = arg;

    while (!s->stop) {
        int cfd = accept(s->fd, NULL, NULL);

        if (cfd < 0)
            continue;
        if (s->stop) {
            close(cfd);
            break;
        }
        s->connections++;
        while (serve_one(s, cfd) && !s->stop)
            ;
        shutdown(cfd, SHUT_WR);
        close(cfd);
    }
    return NULL;
}

static void server_start(struct server *s)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;

    memset(s, 0, sizeof *s);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(s->fd, 16) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&sa, &sl) != 0) {
        perror("server");
        exit(1);
    }
    s->port = ntohs(sa.sin_port);
    pthread_create(&s->th, NULL, server_thread, s);
}

static void server_stop(struct server *s)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    s->stop = 1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)s->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        perror("wake");
    close(fd);
    pthread_join(s->th, NULL);
    close(s->fd);
}

static void test_http(void)
{
    struct server s;
    struct yt_http *h = yt_http_new();
    struct yt_http_req req;
    struct yt_http_resp resp;
    char url[128], err[YTK_ERR_LEN];
    int rc;

    TU_CHECK(h != NULL);
    server_start(&s);
    memset(&req, 0, sizeof req);

    /* gzip is asked for and decoded. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/gzip", s.port);
    req.method = "GET";
    req.url = url;
    req.bearer = "tok123";
    rc = yt_http_perform(h, &req, &resp, err);
    TU_EQ_INT(rc, YTK_OK);
    TU_EQ_INT(resp.status, 200);
    TU_EQ_STR(resp.body, "hello gzip");
    TU_EQ_STR(resp.content_type, "application/json");
    TU_EQ_INT(resp.retry_after, -1);
    TU_CHECK(s.saw_gzip_accept);
    TU_CHECK(s.saw_bearer);
    yt_http_resp_free(&resp);

    /* Retry-After is read; a non-2xx status is still a response. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/retry", s.port);
    req.bearer = NULL;
    TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_OK);
    TU_EQ_INT(resp.status, 429);
    TU_EQ_INT(resp.retry_after, 7);
    yt_http_resp_free(&resp);

    /* An HTTP date in the past means "now"; garbage means absent. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/retrydate", s.port);
    TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_OK);
    TU_EQ_INT(resp.status, 503);
    TU_EQ_INT(resp.retry_after, 0);
    yt_http_resp_free(&resp);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/retrybad", s.port);
    TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_OK);
    TU_EQ_INT(resp.retry_after, -1);
    yt_http_resp_free(&resp);

    /* POST form body. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/post", s.port);
    req.method = "POST";
    req.body = "a=1&b=%20";
    req.content_type = "application/x-www-form-urlencoded";
    TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_OK);
    TU_EQ_STR(resp.body, "ok");
    TU_CHECK(s.saw_form);
    yt_http_resp_free(&resp);
    req.body = NULL;
    req.content_type = NULL;
    req.method = "GET";

    /* Over the body cap: refused without reading it all. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big", s.port);
    rc = yt_http_perform(h, &req, &resp, err);
    TU_EQ_INT(rc, YTK_E_TOOBIG);

    /* Many at once, results in request order. */
    {
        struct yt_http_req reqs[6];
        struct yt_http_resp resps[6];
        int rcs[6], i;
        char urls[6][128];
        char(*errs)[YTK_ERR_LEN] = calloc(6, YTK_ERR_LEN);

        for (i = 0; i < 6; i++) {
            memset(&reqs[i], 0, sizeof reqs[i]);
            snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/n/%d",
                     s.port, i * 11);
            reqs[i].method = "GET";
            reqs[i].url = urls[i];
        }
        TU_EQ_INT(yt_http_perform_many(h, reqs, resps, rcs, 6, 3, errs), 0);
        for (i = 0; i < 6; i++) {
            char want[16];

            snprintf(want, sizeof want, "%d", i * 11);
            TU_EQ_INT(rcs[i], YTK_OK);
            TU_EQ_STR(resps[i].body, want);
            yt_http_resp_free(&resps[i]);
        }
        free(errs);
    }

    /* Keep-alive: sequential requests reuse one connection. */
    {
        int before = s.connections, i;

        snprintf(url, sizeof url, "http://127.0.0.1:%d/ka", s.port);
        for (i = 0; i < 4; i++) {
            TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_OK);
            TU_EQ_STR(resp.body, "alive");
            yt_http_resp_free(&resp);
        }
        TU_EQ_INT(s.connections - before, 1);
    }

    /* Abort callback. */
    {
        int calls = 0;

        yt_http_set_abort(h, always_abort, &calls);
        snprintf(url, sizeof url, "http://127.0.0.1:%d/n/1", s.port);
        TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_E_ABORTED);
        TU_CHECK(calls >= 1);
        {
            struct yt_http_req many[3] = {req, req, req};
            struct yt_http_resp mr[3];
            int mrc[3];

            TU_EQ_INT(yt_http_perform_many(h, many, mr, mrc, 3, 2, NULL),
                      YTK_E_ABORTED);
            TU_EQ_INT(mrc[0], YTK_E_ABORTED);
            TU_EQ_INT(mrc[1], YTK_E_ABORTED);
            TU_EQ_INT(mrc[2], YTK_E_ABORTED);
        }
        yt_http_set_abort(h, NULL, NULL);
    }
    server_stop(&s);

    /* Plain http to a non-loopback host is refused before any traffic. */
    req.url = "http://example.com/token?key=SECRETKEY";
    TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_E_INSECURE);
    TU_CHECK(strstr(err, "example.com") != NULL);
    TU_CHECK(strstr(err, "SECRETKEY") == NULL);
    req.url = "ftp://127.0.0.1/x";
    TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_E_INSECURE);
    req.url = "http://127.0.0.2.evil.com/x";
    TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_E_INSECURE);
    /* Loopback with nothing listening: a connect error naming the host. */
    req.url = "http://127.0.0.1:1/x?access_token=SECRETTOKEN";
    TU_EQ_INT(yt_http_perform(h, &req, &resp, err), YTK_E_CONNECT);
    TU_CHECK(strstr(err, "127.0.0.1") != NULL);
    TU_CHECK(strstr(err, "SECRETTOKEN") == NULL);
    yt_http_free(h);
}

/* ---- credentials (no network needed) ---------------------------------- */

static void test_cred_api_key_and_none(void)
{
    struct yt_cred c;
    char err[YTK_ERR_LEN], home[300], path[400];
    FILE *f;

    snprintf(home, sizeof home, "%s/credhome", tmpdir);
    mkdir(home, 0700);
    unsetenv("YTK_API_KEY");
    TU_EQ_INT(yt_cred_load(NULL, home, NULL, &c, err), YTK_E_NOCRED);
    TU_CHECK(strstr(err, "%yt_auth login") != NULL);
    snprintf(path, sizeof path, "%s/api_key", home);
    f = fopen(path, "w");
    fputs("AIzaSyTESTKEY0123456789\n", f);
    fclose(f);
    TU_EQ_INT(yt_cred_load(NULL, home, NULL, &c, err), YTK_OK);
    TU_EQ_STR(c.api_key, "AIzaSyTESTKEY0123456789");
    TU_CHECK(c.access_token == NULL);
    yt_cred_free(&c);
    setenv("YTK_API_KEY", "AIzaFROMENV0123456", 1);
    TU_EQ_INT(yt_cred_load(NULL, home, NULL, &c, err), YTK_OK);
    TU_EQ_STR(c.api_key, "AIzaFROMENV0123456");
    yt_cred_free(&c);
    unsetenv("YTK_API_KEY");
    /* A valid, unexpired token is used as is (no network). */
    snprintf(path, sizeof path, "%s/token.json", home);
    {
        struct yt_token t;

        memset(&t, 0, sizeof t);
        t.token = strdup("ya29.valid");
        t.refresh_token = strdup("1//r");
        t.client_id = strdup("id");
        t.client_secret = strdup("s");
        t.expiry = (long long)time(NULL) + 3000;
        TU_EQ_INT(yt_token_save(path, &t, err), 0);
        yt_token_free(&t);
    }
    TU_EQ_INT(yt_cred_load(NULL, home, NULL, &c, err), YTK_OK);
    TU_EQ_STR(c.access_token, "ya29.valid");
    TU_EQ_STR(c.token_path, path);
    TU_CHECK(c.api_key == NULL);
    yt_cred_free(&c);
    /* A malformed token file is an IO error naming the file. */
    f = fopen(path, "w");
    fputs("{not json", f);
    fclose(f);
    TU_EQ_INT(yt_cred_load(NULL, home, NULL, &c, err), YTK_E_IO);
    TU_CHECK(strstr(err, path) != NULL);
    {
        char fp[64];

        yt_api_key_fingerprint("AIzaSyA12345678901234567890123456789012", fp);
        TU_EQ_STR(fp, "AIza\xe2\x80\xa6(39 chars)");
    }
}

int main(void)
{
    make_tmpdir();
    TU_RUN(test_pkce_rfc7636_vector);
    TU_RUN(test_pkce_verifier);
    TU_RUN(test_base64url_and_state);
    TU_RUN(test_escape);
    TU_RUN(test_endpoint);
    TU_RUN(test_auth_url);
    TU_RUN(test_expand_scopes);
    TU_RUN(test_check_scopes);
    TU_RUN(test_client_secrets);
    TU_RUN(test_time);
    TU_RUN(test_token_authorized_user);
    TU_RUN(test_token_requests_oauthlib);
    TU_RUN(test_token_round_trip);
    TU_RUN(test_token_bad);
    TU_RUN(test_token_response);
    TU_RUN(test_listener_parse);
    TU_RUN(test_redirect_paste);
    TU_RUN(test_listener_live);
    TU_RUN(test_listener_timeout_abort);
    TU_RUN(test_http);
    TU_RUN(test_cred_api_key_and_none);
    rm_tmpdir();
    return tu_report();
}
