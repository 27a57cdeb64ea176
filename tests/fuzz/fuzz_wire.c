/* fuzz_wire.c -- libFuzzer target: wire frame parsing and signature check.
 * The input is split into frames at each "|~|"; it is parsed once unsigned
 * (empty key, so the JSON frames are reached) and once with a key (so the
 * verify-before-parse path runs). */
#include <stdint.h>
#include <string.h>

#include "../../kernel/kn_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct kn_hmac open, keyed;
    static int ready;
    struct kn_frame f[64];
    struct kn_msg m;
    char err[KN_ERR_LEN];
    size_t n = 0, start = 0;

    if (!ready) {
        kn_hmac_init(&open, (const unsigned char *)"", 0, "sha256", err);
        kn_hmac_init(&keyed, (const unsigned char *)"fuzz", 4, "sha256", err);
        ready = 1;
    }
    for (size_t i = 0; i <= size && n < 64; i++) {
        if (i == size || (i + 3 <= size && memcmp(data + i, "|~|", 3) == 0)) {
            f[n].data = data + start;
            f[n++].len = i - start;
            start = i + 3;
            i += 2;
        }
    }
    if (kn_wire_parse(f, n, &open, &m, err) == 0)
        kn_msg_free(&m);
    if (kn_wire_parse(f, n, &keyed, &m, err) == 0)
        kn_msg_free(&m);
    return 0;
}
