/* fuzz_flatten.c -- libFuzzer target: API response JSON -> typed rows.
 * The first byte picks the resource kind; the rest is parsed as a response
 * (or a single item) and every item is flattened, plus the error-envelope
 * parser and the duration parser on the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "yt_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum yt_api_kind k;
    char *s;
    cJSON *root, *items, *it;
    struct yt_api_error e;

    if (size < 1)
        return 0;
    k = (enum yt_api_kind)(data[0] % YT_KIND_COUNT);
    s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    yt_api_error_parse(s, 400, &e);
    (void)yt_api_classify(0, e.code, e.reason);
    (void)yt_api_duration_seconds(s);
    root = cJSON_Parse(s);
    items = cJSON_GetObjectItem(root, "items");
    if (!cJSON_IsArray(items))
        items = NULL;
    if (items) {
        cJSON_ArrayForEach(it, items)
        {
            struct yt_api_row r;
            char err[YT_API_ERR_LEN];
            if (yt_api_flatten(k, it, &r, err) == 0)
                yt_api_row_free(&r);
        }
    } else if (root) {
        struct yt_api_row r;
        char err[YT_API_ERR_LEN];
        if (yt_api_flatten(k, root, &r, err) == 0)
            yt_api_row_free(&r);
    }
    cJSON_Delete(root);
    free(s);
    return 0;
}
