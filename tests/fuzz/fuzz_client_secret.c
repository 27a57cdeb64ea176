/* fuzz_client_secret.c -- libFuzzer target: the client_secret.json parser
 * (yt_client_parse), the file a user downloads from Google Cloud Console.
 * Asserts:
 *   - a refused file says why and leaves the struct empty;
 *   - an accepted one has a non-empty, blank-free client id and secret; an
 *     installed client has no redirect URI, a web client has a loopback
 *     http redirect with a port (127.0.0.1, localhost or [::1]);
 *   - the secret never reaches the message: when the bytes are an object
 *     whose "installed"/"web" is an object, its client_secret is replaced by
 *     a known secret and the parser runs again; the message must not contain
 *     it and an accepted file must carry it unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "fuzz_count.h"
#include "yt_oauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "GOCSPX-Kn0wn-Cl1ent-S3cret-fuzz"

static void check_printable(const char *s)
{
    if (!s || !*s)
        abort();
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
            abort();
}

static int loopback(const char *u)
{
    static const char *const pre[] = {
        "http://127.0.0.1:", "http://localhost:", "http://[::1]:"};
    size_t i, n;

    for (i = 0; i < 3; i++) {
        n = strlen(pre[i]);
        if (strncasecmp(u, pre[i], n) == 0 && u[n] >= '0' && u[n] <= '9')
            return 1;
    }
    return 0;
}

static void check_client(const struct yt_client *c)
{
    check_printable(c->client_id);
    check_printable(c->client_secret);
    if (c->is_web) {
        check_printable(c->redirect_uri);
        if (!loopback(c->redirect_uri))
            abort();
    } else if (c->redirect_uri) {
        abort();
    }
}

static void check_refused(const struct yt_client *c, const char *err)
{
    if (!err[0] || c->client_id || c->client_secret || c->redirect_uri)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yt_client c;
    char err[YTK_ERR_LEN];
    cJSON *root, *app;
    char *text;

    err[0] = '\0';
    if (yt_client_parse((const char *)data, size, "client_secret.json", &c,
                        err) == YTK_OK) {
        check_client(&c);
        yt_client_free(&c);
    } else {
        check_refused(&c, err);
    }

    root = cJSON_ParseWithLength((const char *)data, size);
    app = cJSON_GetObjectItemCaseSensitive(root, "installed");
    if (!app)
        app = cJSON_GetObjectItemCaseSensitive(root, "web");
    if (!cJSON_IsObject(root) || !cJSON_IsObject(app)) {
        cJSON_Delete(root);
        return 0;
    }
    while (cJSON_GetObjectItemCaseSensitive(app, "client_secret"))
        cJSON_DeleteItemFromObjectCaseSensitive(app, "client_secret");
    cJSON_AddStringToObject(app, "client_secret", SECRET);
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (text && fuzz_occurrences(text, SECRET) == 1) {
        err[0] = '\0';
        if (yt_client_parse(text, strlen(text), "client_secret.json", &c,
                            err) == YTK_OK) {
            check_client(&c);
            if (strcmp(c.client_secret, SECRET) != 0)
                abort();
            yt_client_free(&c);
        } else {
            check_refused(&c, err);
            if (strstr(err, SECRET))
                abort(); /* the secret leaked into the message */
        }
    }
    cJSON_free(text);
    return 0;
}
