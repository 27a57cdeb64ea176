/* fuzz_flatten.c -- libFuzzer target: API response JSON -> typed rows.
 * The first byte picks the resource kind; the rest is parsed as a response
 * (or a single item) and every item is flattened, plus the error-envelope
 * parser and the duration parser on the same bytes.  Asserts:
 *   - a flattened row has exactly the kind's columns, a non-empty text
 *     primary key, and each value has its column's type: INTEGER columns
 *     hold integers or NULL (booleans 0/1, durations >= 0), TEXT columns
 *     text or NULL, and JSON columns text that parses back as JSON;
 *   - a refused item says why and leaves an empty row;
 *   - a duration is -1 or >= 0, and the same length rewritten as "PT<n>S"
 *     or "P<w>W<d>DT<h>H<m>M<s>S" reads back as the same seconds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "yt_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_row(enum yt_api_kind k, const struct yt_api_row *r)
{
    const struct yt_api_kind_info *ki = yt_api_kind_get(k);
    int i;

    if (!ki || r->n != ki->ncols || !r->vals)
        abort();
    if (r->vals[0].type != YT_V_TEXT || !r->vals[0].s || !r->vals[0].s[0])
        abort();
    for (i = 0; i < r->n; i++) {
        const struct yt_api_col *c = &ki->cols[i];
        const struct yt_api_val *v = &r->vals[i];

        if (yt_api_col_index(k, c->name) < 0)
            abort();
        if (v->type == YT_V_NULL) {
            if (v->s)
                abort();
            continue;
        }
        switch (c->conv) {
        case YT_CONV_TEXT:
            if (v->type != YT_V_TEXT || !v->s)
                abort();
            break;
        case YT_CONV_JSON: {
            cJSON *back;

            if (v->type != YT_V_TEXT || !v->s)
                abort();
            back = cJSON_Parse(v->s);
            if (!back)
                abort(); /* JSON column is not JSON */
            cJSON_Delete(back);
            break;
        }
        case YT_CONV_INT:
            if (v->type != YT_V_INT || v->s)
                abort();
            break;
        case YT_CONV_BOOL:
            if (v->type != YT_V_INT || (v->i != 0 && v->i != 1))
                abort();
            break;
        case YT_CONV_DURATION_S:
            if (v->type != YT_V_INT || v->i < 0)
                abort();
            break;
        default:
            abort();
        }
        if (strcmp(c->sqltype, "INTEGER") == 0 && v->type != YT_V_INT)
            abort();
    }
}

static void flatten(enum yt_api_kind k, const cJSON *it)
{
    struct yt_api_row r;
    char err[YTK_ERR_LEN];

    err[0] = '\0';
    if (yt_api_flatten(k, it, &r, err) == 0) {
        check_row(k, &r);
        yt_api_row_free(&r);
    } else if (!err[0] || r.n != 0 || r.vals != NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum yt_api_kind k;
    char *s;
    cJSON *root, *items, *it;
    struct yt_api_error e;
    long long secs;

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
    secs = yt_api_duration_seconds(s);
    if (secs < -1)
        abort();
    if (secs >= 0) {
        /* The same length written another way reads back the same.  Each
         * number is capped near 1e11 by the parser, so only values whose
         * parts fit are rewritten. */
        char iso[120];
        long long w = secs / 604800, d = secs % 604800 / 86400,
                  h = secs % 86400 / 3600, m = secs % 3600 / 60,
                  sec = secs % 60;

        if (secs <= 100000000000LL) {
            snprintf(iso, sizeof iso, "PT%lldS", secs);
            if (yt_api_duration_seconds(iso) != secs)
                abort();
        }
        if (w <= 100000000000LL) {
            snprintf(iso, sizeof iso, "P%lldW%lldDT%lldH%lldM%lldS", w, d, h, m,
                     sec);
            if (yt_api_duration_seconds(iso) != secs)
                abort();
        }
    }
    root = cJSON_Parse(s);
    items = cJSON_GetObjectItem(root, "items");
    if (!cJSON_IsArray(items))
        items = NULL;
    if (items) {
        cJSON_ArrayForEach(it, items) flatten(k, it);
    } else if (root) {
        flatten(k, root);
    }
    cJSON_Delete(root);
    free(s);
    return 0;
}
