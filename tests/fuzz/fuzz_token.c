/* fuzz_token.c -- libFuzzer target: the token file parser (both shapes),
 * then a save-format round trip of whatever it accepted, plus the client
 * secrets parser and the token endpoint answer parser on the same bytes.
 * Asserts:
 *   - what we write we read back identically (token, refresh token, expiry);
 *   - a refused file says why and leaves the struct empty;
 *   - no secret reaches an error message: when the bytes are a JSON object,
 *     its token / access_token / refresh_token / client_secret are replaced
 *     with known secrets, and the token file parser and the token endpoint
 *     parser run again on it; their messages must not contain any of them,
 *     and an accepted file or answer must carry them unchanged;
 *   - an accepted file's token_uri is judged by yt_token_origin_check as an
 *     independent prefix test says (YTK_GOOGLE_BASE set), never with a
 *     secret in the refusal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz_count.h"
#include "yt_oauth.h"
#include "yt_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const secret_keys[] = {"token", "access_token",
                                          "refresh_token", "client_secret"};
static const char *const secrets[] = {
    "ya29.Acc3ss-T0ken-of-the-fuzzer", "ya29.0ther-Acc3ss-T0ken-fuzz",
    "1//R3fresh-T0ken-of-the-fuzzer", "GOCSPX-Cl1ent-S3cret-of-the-fuzzer"};
#define NSECRETS 4

static void no_secret(const char *err)
{
    int i;

    for (i = 0; i < NSECRETS; i++)
        if (strstr(err, secrets[i]))
            abort();
}

static int is_empty(const struct yt_token *t)
{
    return !t->token && !t->refresh_token && !t->token_uri && !t->client_id &&
           !t->client_secret && !t->scopes;
}

/* The JSON object with every secret field that is present set to a known
 * secret; NULL when the bytes are not an object or a known secret appears
 * elsewhere in the text too. */
static char *with_known_secrets(const uint8_t *data, size_t size)
{
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    char *text = NULL;
    int i, present[NSECRETS];

    if (!cJSON_IsObject(root))
        goto out;
    for (i = 0; i < NSECRETS; i++) {
        present[i] =
            cJSON_GetObjectItemCaseSensitive(root, secret_keys[i]) != NULL;
        if (!present[i])
            continue;
        while (cJSON_GetObjectItemCaseSensitive(root, secret_keys[i]))
            cJSON_DeleteItemFromObjectCaseSensitive(root, secret_keys[i]);
        cJSON_AddStringToObject(root, secret_keys[i], secrets[i]);
    }
    text = cJSON_PrintUnformatted(root);
    for (i = 0; text && i < NSECRETS; i++) {
        if (fuzz_occurrences(text, secrets[i]) != (size_t)present[i]) {
            cJSON_free(text);
            text = NULL;
        }
    }
out:
    cJSON_Delete(root);
    return text;
}

static int is_secret(const char *s, int a, int b)
{
    return !s || strcmp(s, secrets[a]) == 0 || strcmp(s, secrets[b]) == 0;
}

/* yt_token_origin_check against a base chosen by size: with YTK_GOOGLE_BASE
 * set, OK exactly when token_uri is absent or starts with the base and '/';
 * a refusal says why without any secret. */
static void check_origin(const struct yt_token *t, size_t size)
{
    static const char base[] = "http://127.0.0.1:8080";
    char err[YTK_ERR_LEN];
    int rc, want;

    if (size % 3 == 0) {
        unsetenv("YTK_GOOGLE_BASE");
        rc = yt_token_origin_check(t, err);
        if (rc != YTK_OK && rc != YTK_E_ORIGIN)
            abort();
    } else {
        setenv("YTK_GOOGLE_BASE", base, 1);
        err[0] = '\0';
        rc = yt_token_origin_check(t, err);
        want = !t->token_uri ||
               (strncmp(t->token_uri, base, sizeof base - 1) == 0 &&
                t->token_uri[sizeof base - 1] == '/');
        if (rc != (want ? YTK_OK : YTK_E_ORIGIN))
            abort();
    }
    if (rc != YTK_OK) {
        if (!err[0])
            abort();
        no_secret(err);
    }
}

static void known_secrets(const uint8_t *data, size_t size)
{
    struct yt_token t;
    char err[YTK_ERR_LEN];
    char *text = with_known_secrets(data, size);

    if (!text)
        return;
    err[0] = '\0';
    if (yt_token_parse(text, strlen(text), &t, err) == YTK_OK) {
        if (!is_secret(t.token, 0, 1) || !is_secret(t.refresh_token, 2, 2) ||
            !is_secret(t.client_secret, 3, 3))
            abort();
        check_origin(&t, size);
        yt_token_free(&t);
    } else {
        no_secret(err);
    }
    memset(&t, 0, sizeof t);
    err[0] = '\0';
    if (yt_oauth_parse_token_response(size % 2 ? 200 : 400, text, 1000, &t,
                                      err) == YTK_OK) {
        if (!t.token || !is_secret(t.token, 0, 1) ||
            !is_secret(t.refresh_token, 2, 2))
            abort();
    } else {
        if (!err[0])
            abort();
        no_secret(err);
    }
    yt_token_free(&t);
    cJSON_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yt_token t, back;
    struct yt_client c;
    char err[YTK_ERR_LEN];
    char *s, *json;

    err[0] = '\0';
    if (yt_token_parse((const char *)data, size, &t, err) == YTK_OK) {
        json = yt_token_to_json(&t);
        if (json) {
            /* What we write, we read back identically. */
            if (yt_token_parse(json, strlen(json), &back, err) != YTK_OK)
                abort();
            if ((t.token == NULL) != (back.token == NULL) ||
                (t.token && strcmp(t.token, back.token) != 0) ||
                (t.refresh_token &&
                 strcmp(t.refresh_token, back.refresh_token) != 0) ||
                (t.expiry > 0 && t.expiry != back.expiry))
                abort();
            yt_token_free(&back);
            free(json);
        }
        yt_token_free(&t);
    } else if (!err[0] || !is_empty(&t)) {
        abort();
    }
    if (yt_client_parse((const char *)data, size, "fuzz", &c, err) == YTK_OK)
        yt_client_free(&c);
    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    memset(&t, 0, sizeof t);
    (void)yt_oauth_parse_token_response(size % 2 ? 200 : 400, s, 1000, &t, err);
    yt_token_free(&t);
    free(s);
    known_secrets(data, size);
    return 0;
}
