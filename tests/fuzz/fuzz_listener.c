/* fuzz_listener.c -- libFuzzer target: the loopback listener's HTTP request
 * parser (yt_listener_parse_request) and the parser of pasted redirect URLs
 * (yt_redirect_parse).  Both read untrusted bytes from the local network or
 * the user. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yt_listener.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yt_redirect r;
    char err[YT_ERR_LEN];
    char *s;
    int rc;

    /* Exactly `size` bytes, no terminator: the parser must not read past. */
    s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    rc = yt_listener_parse_request(s, size, &r);
    if (rc == YT_LREQ_OK) {
        /* What it returns is always a path and NUL-terminated values. */
        if (!r.path || r.path[0] != '/')
            abort();
        if (r.code)
            (void)strlen(r.code);
        yt_redirect_free(&r);
    }
    free(s);

    s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (yt_redirect_parse(s, &r, err) == 0) {
        if (!r.code && !r.error)
            abort();
        yt_redirect_free(&r);
    }
    free(s);
    return 0;
}
