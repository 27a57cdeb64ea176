/* yt_token.c -- the saved OAuth token file.  See yt_token.h. */
#include "yt_token.h"
#include "yt_err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "yt_buf.h"

void yt_token_free(struct yt_token *t)
{
    if (!t)
        return;
    yt_wipe_free(t->token);
    yt_wipe_free(t->refresh_token);
    free(t->token_uri);
    free(t->client_id);
    yt_wipe_free(t->client_secret);
    free(t->scopes);
    memset(t, 0, sizeof *t);
}

char *yt_token_default_path(const char *home)
{
    struct yt_buf b;

    yt_buf_init(&b, 8192);
    if (yt_buf_addf(&b, "%s/token.json", home ? home : ".") != 0)
        return NULL;
    return yt_buf_take(&b);
}

int yt_token_parse_time(const char *s, long long *out)
{
    struct tm tm;
    int y, mo, d, h, mi, sec, n = 0;
    const char *p;
    time_t t;

    if (!s ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &n) != 6 ||
        n != 19)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
        y < 1970 || h < 0 || mi < 0 || sec < 0)
        return -1;
    p = s + n;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z')
        p++;
    else if (strcmp(p, "+00:00") == 0)
        p += 6;
    if (*p != '\0')
        return -1;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (long long)t;
    return 0;
}

void yt_token_format_time(long long t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;

    if (!gmtime_r(&tt, &tm) ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}

int yt_token_needs_refresh(const struct yt_token *t, long long now, int skew)
{
    if (!t->token || !t->token[0] || t->expiry == 0)
        return 1;
    return t->expiry - now <= skew;
}

/* A string field: absent (0, *dst untouched), copied (0), or wrong type /
 * control characters (-1, err names the field). */
static int get_str(const cJSON *o, const char *name, char **dst,
                   char err[YTK_ERR_LEN])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    const unsigned char *p;

    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v) || !v->valuestring) {
        yt_errf(err, "field \"%s\" is not a string", name);
        return -1;
    }
    for (p = (const unsigned char *)v->valuestring; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            yt_errf(err, "field \"%s\" contains control characters", name);
            return -1;
        }
    }
    free(*dst);
    *dst = strdup(v->valuestring);
    if (!*dst) {
        yt_errf(err, "out of memory");
        return -1;
    }
    return 0;
}

/* Scopes as a list of strings or a space/comma-separated string, joined
 * with single spaces into *dst. */
static int get_scopes(const cJSON *o, const char *name, char **dst,
                      char err[YTK_ERR_LEN])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name), *e;
    struct yt_buf b;
    const char *p;

    if (!v || cJSON_IsNull(v))
        return 0;
    yt_buf_init(&b, 64 * 1024);
    if (cJSON_IsString(v) && v->valuestring) {
        for (p = v->valuestring; *p;) {
            size_t n;

            while (*p == ' ' || *p == ',' || *p == '\t')
                p++;
            n = strcspn(p, " ,\t");
            if (n) {
                if ((b.len && yt_buf_adds(&b, " ") != 0) ||
                    yt_buf_add(&b, p, n) != 0)
                    goto bad;
            }
            p += n;
        }
    } else if (cJSON_IsArray(v)) {
        cJSON_ArrayForEach(e, v)
        {
            if (!cJSON_IsString(e) || !e->valuestring ||
                strpbrk(e->valuestring, " \t\r\n")) {
                yt_errf(err, "field \"%s\" must list scopes as strings", name);
                yt_buf_free(&b);
                return -1;
            }
            if (!e->valuestring[0])
                continue;
            if ((b.len && yt_buf_adds(&b, " ") != 0) ||
                yt_buf_adds(&b, e->valuestring) != 0)
                goto bad;
        }
    } else {
        yt_errf(err, "field \"%s\" must be a list of scopes or a string", name);
        return -1;
    }
    {
        const unsigned char *q = (const unsigned char *)yt_buf_str(&b);

        for (; *q; q++)
            if (*q < 0x20 || *q == 0x7f) {
                yt_errf(err, "field \"%s\" contains control characters", name);
                yt_buf_free(&b);
                return -1;
            }
    }
    free(*dst);
    *dst = yt_buf_take(&b);
    if (!*dst)
        goto bad;
    return 0;
bad:
    yt_buf_free(&b);
    yt_errf(err, "field \"%s\" is too long", name);
    return -1;
}

int yt_token_parse(const char *data, size_t len, struct yt_token *out,
                   char err[YTK_ERR_LEN])
{
    cJSON *root = NULL;
    const cJSON *v;
    char why[YTK_ERR_LEN];
    int rc = YTK_E_FORMAT;

    memset(out, 0, sizeof *out);
    why[0] = '\0';
    if (len > YT_TOKEN_MAX_FILE) {
        yt_errf(err, "token file is larger than %u KiB",
                YT_TOKEN_MAX_FILE / 1024);
        return YTK_E_FORMAT;
    }
    root = cJSON_ParseWithLength(data, len);
    if (!root) {
        yt_errf(err, "token file is not valid JSON");
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        yt_errf(err, "token file is not a JSON object");
        goto out;
    }
    /* authorized_user shape first, then requests-oauthlib names. */
    if (get_str(root, "token", &out->token, why) != 0 ||
        (!out->token && get_str(root, "access_token", &out->token, why) != 0) ||
        get_str(root, "refresh_token", &out->refresh_token, why) != 0 ||
        get_str(root, "token_uri", &out->token_uri, why) != 0 ||
        get_str(root, "client_id", &out->client_id, why) != 0 ||
        get_str(root, "client_secret", &out->client_secret, why) != 0 ||
        get_scopes(root, "scopes", &out->scopes, why) != 0 ||
        (!out->scopes && get_scopes(root, "scope", &out->scopes, why) != 0))
        goto bad;
    v = cJSON_GetObjectItemCaseSensitive(root, "expiry");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v) ||
            yt_token_parse_time(v->valuestring, &out->expiry) != 0) {
            yt_errf(why, "field \"expiry\" is not a time like "
                         "2025-01-01T12:00:00Z");
            goto bad;
        }
    } else if ((v = cJSON_GetObjectItemCaseSensitive(root, "expires_at")) &&
               !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) ||
            v->valuedouble > 253402300799.0) { /* 9999-12-31 */
            yt_errf(why, "field \"expires_at\" is not a unix time");
            goto bad;
        }
        out->expiry = (long long)v->valuedouble;
    }
    v = cJSON_GetObjectItemCaseSensitive(root, "refresh_token_expiry");
    if (v && !cJSON_IsNull(v) &&
        (!cJSON_IsString(v) ||
         yt_token_parse_time(v->valuestring, &out->refresh_expiry) != 0)) {
        yt_errf(why, "field \"refresh_token_expiry\" is not a time like "
                     "2025-01-01T12:00:00Z");
        goto bad;
    }
    if (!out->token && !out->refresh_token) {
        yt_errf(why, "it has neither \"token\"/\"access_token\" nor "
                     "\"refresh_token\"");
        goto bad;
    }
    rc = YTK_OK;
    goto out;
bad:
    yt_errf(err, "not a token file we understand: %s", why);
out:
    if (cJSON_IsObject(root)) {
        /* wipe the secrets held by the parsed tree */
        static const char *const secret[] = {"token", "access_token",
                                             "refresh_token", "client_secret"};
        size_t i;

        for (i = 0; i < sizeof secret / sizeof secret[0]; i++) {
            cJSON *item = cJSON_GetObjectItemCaseSensitive(root, secret[i]);

            if (cJSON_IsString(item))
                explicit_bzero(item->valuestring, strlen(item->valuestring));
        }
    }
    cJSON_Delete(root);
    if (rc != YTK_OK)
        yt_token_free(out);
    return rc;
}

int yt_file_read_private(const char *path, const char *what, size_t max,
                         char **data, size_t *len, char err[YTK_ERR_LEN])
{
    struct yt_buf b;
    char chunk[4096];
    FILE *f;
    size_t n;
    int rc = YTK_E_IO;

    *data = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (!f) {
        int e = errno;

        yt_errf(err, "cannot read %s %s: %s", what, path, strerror(e));
        return e == ENOENT ? YTK_E_NOENT : YTK_E_IO;
    }
    yt_buf_init(&b, max + 1);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (yt_buf_add(&b, chunk, n) != 0) { /* frees b */
            yt_errf(err, "%s %s is larger than %zu KiB", what, path,
                    max / 1024);
            rc = YTK_E_FORMAT;
            goto out;
        }
    }
    if (ferror(f)) {
        yt_errf(err, "cannot read %s %s: read error", what, path);
        goto out;
    }
    *len = b.len;
    *data = yt_buf_take(&b);
    if (!*data) {
        yt_errf(err, "out of memory reading %s %s", what, path);
        rc = YTK_E_NOMEM;
        goto out;
    }
    rc = YTK_OK;
out:
    fclose(f);
    explicit_bzero(chunk, sizeof chunk);
    if (b.ptr)
        explicit_bzero(b.ptr, b.cap);
    yt_buf_free(&b);
    return rc;
}

/* Non-zero when uri is https://HOST/... with HOST one of Google's token
 * hosts (google-auth and older client files use both). */
static int google_token_uri(const char *uri)
{
    static const char *const hosts[] = {
        "oauth2.googleapis.com", "accounts.google.com", "www.googleapis.com"};
    size_t i, n;

    if (strncasecmp(uri, "https://", 8) != 0)
        return 0;
    uri += 8;
    n = strcspn(uri, "/?#");
    for (i = 0; i < sizeof hosts / sizeof *hosts; i++)
        if (n == strlen(hosts[i]) && strncasecmp(uri, hosts[i], n) == 0)
            return 1;
    return 0;
}

int yt_token_origin_check(const struct yt_token *t, char err[YTK_ERR_LEN])
{
    const char *base = getenv("YTK_GOOGLE_BASE");
    int custom = base && *base;
    size_t blen;

    if (!t->token_uri)
        return YTK_OK;
    if (!custom) {
        if (google_token_uri(t->token_uri))
            return YTK_OK;
        base = "https://oauth2.googleapis.com";
        blen = strlen(base);
    } else {
        blen = strlen(base);
        while (blen > 0 && base[blen - 1] == '/')
            blen--;
        if (strncmp(t->token_uri, base, blen) == 0 && t->token_uri[blen] == '/')
            return YTK_OK;
    }
    yt_errf(err,
            "this token was minted by %.200s, not by %s%.*s, so it is not "
            "sent there (set YTK_GOOGLE_BASE back to where it came from, or "
            "sign in again)",
            t->token_uri, custom ? "YTK_GOOGLE_BASE " : "",
            (int)(blen > 200 ? 200 : blen), base);
    return YTK_E_ORIGIN;
}

int yt_token_load(const char *path, struct yt_token *out, char err[YTK_ERR_LEN])
{
    char why[YTK_ERR_LEN], *data;
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    rc = yt_file_read_private(path, "token file", YT_TOKEN_MAX_FILE, &data,
                              &len, err);
    if (rc != YTK_OK)
        return rc;
    rc = yt_token_parse(data, len, out, why);
    if (rc == YTK_OK)
        rc = yt_token_origin_check(out, why);
    if (rc == YTK_E_ORIGIN)
        yt_token_free(out);
    if (rc != YTK_OK)
        yt_errf(err, "%s: %s", path, why);
    explicit_bzero(data, len);
    free(data);
    return rc;
}

char *yt_token_to_json(const struct yt_token *t)
{
    cJSON *o = cJSON_CreateObject(), *arr;
    char *out = NULL;

    if (!o)
        return NULL;
#define PUT(name, val)                                                         \
    do {                                                                       \
        if ((val) && !cJSON_AddStringToObject(o, name, (val)))                 \
            goto out;                                                          \
    } while (0)
    PUT("token", t->token);
    PUT("refresh_token", t->refresh_token);
    PUT("token_uri", t->token_uri);
    PUT("client_id", t->client_id);
    PUT("client_secret", t->client_secret);
#undef PUT
    arr = cJSON_AddArrayToObject(o, "scopes");
    if (!arr)
        goto out;
    if (t->scopes) {
        const char *p = t->scopes;

        while (*p) {
            size_t n;
            char *one;
            cJSON *s;

            while (*p == ' ')
                p++;
            n = strcspn(p, " ");
            if (!n)
                break;
            one = strndup(p, n);
            if (!one)
                goto out;
            s = cJSON_CreateString(one);
            free(one);
            if (!s)
                goto out;
            cJSON_AddItemToArray(arr, s);
            p += n;
        }
    }
    if (t->expiry > 0) {
        char when[32];

        yt_token_format_time(t->expiry, when);
        if (!cJSON_AddStringToObject(o, "expiry", when))
            goto out;
    }
    if (t->refresh_expiry > 0) {
        char when[32];

        yt_token_format_time(t->refresh_expiry, when);
        if (!cJSON_AddStringToObject(o, "refresh_token_expiry", when))
            goto out;
    }
    out = cJSON_Print(o);
out:
    cJSON_Delete(o);
    return out;
}

int yt_token_save(const char *path, const struct yt_token *t,
                  char err[YTK_ERR_LEN])
{
    char *json = yt_token_to_json(t);
    int rc;

    if (!json) {
        yt_errf(err, "out of memory writing the token");
        return YTK_E_NOMEM;
    }
    rc = yt_file_write_private(path, json, strlen(json), err) < 0 ? YTK_E_IO
                                                                  : YTK_OK;
    explicit_bzero(json, strlen(json));
    free(json);
    return rc;
}

/* ---- the API key -------------------------------------------------------- */

char *yt_api_key_path(const char *home)
{
    struct yt_buf b;

    yt_buf_init(&b, 8192);
    if (yt_buf_addf(&b, "%s/api_key", home ? home : ".") != 0)
        return NULL;
    return yt_buf_take(&b);
}

int yt_api_key_valid(const char *s)
{
    size_t n = 0;

    if (!s)
        return 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
            return 0;
    return n >= 10 && n <= 256;
}

void yt_api_key_fingerprint(const char *key, char out[64])
{
    size_t n = key ? strlen(key) : 0;

    if (n < 10)
        snprintf(out, 64, "(%zu chars)", n);
    else
        snprintf(out, 64, "%.4s\xe2\x80\xa6(%zu chars)", key, n);
}

int yt_api_key_load(const char *home, char **key, char err[YTK_ERR_LEN])
{
    const char *env = getenv("YTK_API_KEY");
    char *path = NULL, line[512];
    FILE *f;
    size_t n;
    int rc;

    *key = NULL;
    if (env && *env) {
        if (!yt_api_key_valid(env)) {
            yt_errf(err, "YTK_API_KEY does not look like an API key");
            return YTK_E_FORMAT;
        }
        *key = strdup(env);
        if (!*key) {
            yt_errf(err, "out of memory reading YTK_API_KEY");
            return YTK_E_NOMEM;
        }
        return 0;
    }
    path = yt_api_key_path(home);
    if (!path) {
        yt_errf(err, "out of memory");
        return YTK_E_NOMEM;
    }
    f = fopen(path, "r");
    if (!f) {
        rc = errno == ENOENT ? YTK_E_NOENT : YTK_E_IO;
        yt_errf(err, "cannot read %s: %s", path, strerror(errno));
        free(path);
        return rc;
    }
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
                     line[n - 1] == ' ' || line[n - 1] == '\t'))
        line[--n] = '\0';
    if (!yt_api_key_valid(line)) {
        yt_errf(err,
                "%s does not hold an API key; set it again with %%yt_auth "
                "key",
                path);
        explicit_bzero(line, sizeof line);
        free(path);
        return YTK_E_FORMAT;
    }
    *key = strdup(line);
    explicit_bzero(line, sizeof line);
    if (!*key)
        yt_errf(err, "out of memory reading %s", path);
    free(path);
    return *key ? 0 : YTK_E_NOMEM;
}
