/* fuzz_token.c -- libFuzzer target: the token file parser (both shapes),
 * then a save-format round trip of whatever it accepted, plus the client
 * secrets parser and the token endpoint answer parser on the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yt_oauth.h"
#include "yt_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yt_token t, back;
    struct yt_client c;
    char err[YT_ERR_LEN];
    char *s, *json;

    if (yt_token_parse((const char *)data, size, &t, err) == YT_TOKEN_OK) {
        json = yt_token_to_json(&t);
        if (json) {
            /* What we write, we read back identically. */
            if (yt_token_parse(json, strlen(json), &back, err) !=
                YT_TOKEN_OK)
                abort();
            if ((t.token == NULL) != (back.token == NULL) ||
                (t.token && strcmp(t.token, back.token) != 0) ||
                (t.refresh_token && strcmp(t.refresh_token,
                                           back.refresh_token) != 0) ||
                (t.expiry > 0 && t.expiry != back.expiry))
                abort();
            yt_token_free(&back);
            free(json);
        }
        yt_token_free(&t);
    }
    if (yt_client_parse((const char *)data, size, "fuzz", &c, err) ==
        YT_OAUTH_OK)
        yt_client_free(&c);
    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    memset(&t, 0, sizeof t);
    (void)yt_oauth_parse_token_response(size % 2 ? 200 : 400, s, 1000, &t,
                                        err);
    yt_token_free(&t);
    free(s);
    return 0;
}
