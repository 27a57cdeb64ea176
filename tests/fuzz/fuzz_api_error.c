/* fuzz_api_error.c -- libFuzzer target: the API error envelope parser
 * (yt_api_error_parse) and what %yt_fetch decides from it (classification,
 * hint, quota charge).  The first two bytes pick the HTTP status, the rest is
 * the body the server (or the emulator, or a proxy) sent.  Asserts:
 *   - it returns 1 exactly when the body is an object whose "error" is an
 *     object (Google) or a string (OAuth style);
 *   - reason, status and message are NUL-terminated in their buffers, one
 *     line (no control characters), and valid UTF-8 whenever the body was
 *     (long texts are cut on code point boundaries);
 *   - code is the HTTP status or error.code in 1..999; an HTTP error always
 *     gets a message; a short one-line errors[0].reason is kept as is;
 *   - classification is a known class with a name, the hint is a non-empty
 *     line, and the quota charge is between 0 and the call's cost. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "yt_api.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *f, size_t cap, int want_utf8)
{
    const char *nul = memchr(f, '\0', cap);
    size_t i;

    if (!nul)
        abort(); /* not terminated inside its buffer */
    for (i = 0; f + i < nul; i++)
        if ((unsigned char)f[i] < 0x20)
            abort(); /* a line break or control got through */
    if (want_utf8 && !utf8_ok((const unsigned char *)f, (size_t)(nul - f)))
        abort(); /* cut inside a code point */
}

static int one_line(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yt_api_error e;
    long status;
    char *body;
    cJSON *root, *err;
    int found, expect, utf8, cls, costs[] = {0, 1, 100};
    size_t i;
    const char *hint, *want_reason = NULL;

    if (size < 2)
        return 0;
    status = 100 + (long)((data[0] << 8 | data[1]) % 500);
    body = malloc(size - 1);
    if (!body)
        return 0;
    memcpy(body, data + 2, size - 2);
    body[size - 2] = '\0';
    utf8 = utf8_ok((const unsigned char *)body, strlen(body));

    memset(&e, 0xA5, sizeof e); /* must be fully overwritten */
    found = yt_api_error_parse(body, status, &e);

    root = cJSON_Parse(body);
    err = cJSON_GetObjectItemCaseSensitive(root, "error");
    expect = cJSON_IsObject(err) || cJSON_IsString(err);
    if (cJSON_IsObject(err)) {
        const cJSON *first = cJSON_GetArrayItem(
            cJSON_GetObjectItemCaseSensitive(err, "errors"), 0);
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(first, "reason");

        if (cJSON_IsObject(first) && cJSON_IsString(r) && r->valuestring[0] &&
            strlen(r->valuestring) < sizeof e.reason &&
            one_line(r->valuestring))
            want_reason = r->valuestring;
    }
    if (found != expect)
        abort();
    check_field(e.reason, sizeof e.reason, utf8);
    check_field(e.status, sizeof e.status, utf8);
    check_field(e.message, sizeof e.message, utf8);
    if (e.code != status && (e.code < 1 || e.code > 999))
        abort();
    if (status >= 400 && !e.message[0])
        abort();
    if (want_reason && strcmp(e.reason, want_reason) != 0)
        abort();
    cJSON_Delete(root);

    cls = (int)yt_api_classify(0, e.code, e.reason);
    if (cls < YT_API_OK || cls > YT_API_SKIP || !yt_api_class_name(cls))
        abort();
    cls = (int)yt_api_classify(0, status, NULL);
    if (cls < YT_API_OK || cls > YT_API_SKIP)
        abort();
    hint = yt_api_error_hint(e.reason, e.code);
    if (!hint || !hint[0] || !one_line(hint))
        abort();
    for (i = 0; i < sizeof costs / sizeof costs[0]; i++) {
        int u = yt_api_units_charged(costs[i], e.code, e.reason);

        if (u < 0 || u > costs[i])
            abort();
    }
    (void)yt_api_reason_is_quota(e.reason);

    /* No body at all (dropped connection): still a filled, sane error. */
    found = yt_api_error_parse(NULL, status, &e);
    if (found != 0 || (status >= 400 && !e.message[0]) || e.code != status)
        abort();
    free(body);
    return 0;
}
