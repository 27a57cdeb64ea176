/* fuzz_wire.c -- libFuzzer target: wire frame parsing and signature check.
 * The input is split into frames at each "|~|"; it is parsed once unsigned
 * (empty key, so the JSON frames are reached) and once with a key (so the
 * verify-before-parse path runs).  Asserts:
 *   - a keyed parse succeeds only when the signature frame is the HMAC-SHA256
 *     (computed here with OpenSSL directly) of the four JSON frames;
 *   - the same frames re-signed with the right HMAC parse exactly when the
 *     unsigned parse does, and with one hex digit changed never parse;
 *   - a parsed message has its identities, msg_type and four JSON objects
 *     as sent, and its header bytes as sent when they were valid UTF-8
 *     (otherwise valid UTF-8: never echoed raw);
 *   - kn_wire_date_parse never reads past the NUL and round-trips UTC
 *     dates to the second through kn_wire_date_at;
 *   - kn_utf8_valid agrees with a strict validator written here, and
 *     kn_utf8_fix returns valid UTF-8 (unchanged when it already was). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kn_wire.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFRAMES 64

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
/* Lowercase hex HMAC-SHA256 of the four frames under key "fuzz". */
static void sign4(const struct kn_frame *f, char hex[KN_SIG_MAX])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    HMAC_CTX *ctx;
    unsigned int i;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    ctx = HMAC_CTX_new();
    if (!ctx || !HMAC_Init_ex(ctx, "fuzz", 4, EVP_sha256(), NULL))
        abort();
    for (i = 0; i < 4; i++)
        if (!HMAC_Update(ctx, f[i].data, f[i].len))
            abort();
    if (!HMAC_Final(ctx, md, &mdlen))
        abort();
    HMAC_CTX_free(ctx);
#pragma GCC diagnostic pop
    for (i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[2 * mdlen] = '\0';
}

static void check_msg(const struct kn_msg *m, const struct kn_frame *f,
                      size_t n, size_t d)
{
    size_t i;

    if (m->nidents != d || m->nbuffers != n - d - 6)
        abort();
    for (i = 0; i < d; i++)
        if (m->idents[i].len != f[i].len ||
            (f[i].len && memcmp(m->idents[i].data, f[i].data, f[i].len)))
            abort();
    /* Header bytes: as sent when valid UTF-8, else valid UTF-8 (the
     * invalid bytes replaced), never raw. */
    if (!m->hdr_raw || m->hdr_raw[m->hdr_len] != '\0' ||
        !utf8_ok((const unsigned char *)m->hdr_raw, m->hdr_len))
        abort();
    if (utf8_ok(f[d + 2].data, f[d + 2].len) &&
        (m->hdr_len != f[d + 2].len ||
         memcmp(m->hdr_raw, f[d + 2].data, m->hdr_len) != 0))
        abort();
    if (!cJSON_IsObject(m->header) || !cJSON_IsObject(m->parent) ||
        !cJSON_IsObject(m->metadata) || !cJSON_IsObject(m->content))
        abort();
    if (!m->msg_type || !m->msg_type[0] || !m->msg_id)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct kn_hmac open, keyed;
    static int ready;
    struct kn_frame f[NFRAMES], g[NFRAMES];
    struct kn_msg m;
    char err[KN_ERR_LEN], hex[KN_SIG_MAX];
    size_t n = 0, start = 0, d;
    int r_open, r_keyed;

    if (!ready) {
        if (kn_hmac_init(&open, (const unsigned char *)"", 0, "sha256", err) !=
                0 ||
            kn_hmac_init(&keyed, (const unsigned char *)"fuzz", 4, "sha256",
                         err) != 0)
            abort();
        ready = 1;
    }
    for (size_t i = 0; i <= size && n < NFRAMES; i++) {
        if (i == size || (i + 3 <= size && memcmp(data + i, "|~|", 3) == 0)) {
            f[n].data = data + start;
            f[n++].len = i - start;
            start = i + 3;
            i += 2;
        }
    }
    for (d = 0; d < n; d++)
        if (f[d].len == 9 && memcmp(f[d].data, KN_DELIM, 9) == 0)
            break;

    err[0] = '\0';
    r_open = kn_wire_parse(f, n, &open, &m, err);
    if (r_open == 0) {
        check_msg(&m, f, n, d);
        kn_msg_free(&m);
    } else if (!err[0]) {
        abort(); /* a refusal always says why */
    }

    r_keyed = kn_wire_parse(f, n, &keyed, &m, err);
    if (r_keyed == 0) {
        sign4(&f[d + 2], hex);
        if (f[d + 1].len != strlen(hex) ||
            memcmp(f[d + 1].data, hex, f[d + 1].len) != 0)
            abort(); /* accepted a wrong signature */
        check_msg(&m, f, n, d);
        kn_msg_free(&m);
    }

    /* Re-sign correctly: the keyed parse must then agree with the unsigned
     * one; with one digit changed it must refuse. */
    if (d < n && n - d >= 6 && d <= KN_MAX_IDENTS) {
        memcpy(g, f, n * sizeof f[0]);
        sign4(&f[d + 2], hex);
        g[d + 1].data = hex;
        g[d + 1].len = strlen(hex);
        r_keyed = kn_wire_parse(g, n, &keyed, &m, err);
        if ((r_keyed == 0) != (r_open == 0))
            abort();
        if (r_keyed == 0) {
            check_msg(&m, g, n, d);
            kn_msg_free(&m);
        }
        hex[size % g[d + 1].len] ^= 0x01; /* '0'<->'1', 'a'<->'`' ... */
        if (kn_wire_parse(g, n, &keyed, &m, err) == 0)
            abort(); /* accepted a tampered signature */
    }

    /* Header dates (stop_on_error's date rule): any NUL-terminated input
     * either fails or gives a time that formats back to the same second
     * when it was UTC with 'Z'. */
    {
        char *z = malloc(size + 1), back[32];
        long long us;

        if (!z)
            abort();
        memcpy(z, data, size);
        z[size] = '\0';
        if (kn_wire_date_parse(z, &us) == 0 && size >= 20 && size <= 27 &&
            z[size - 1] == 'Z' && z[10] == 'T' && z[17] != '6' && us >= 0) {
            struct timespec ts = {(time_t)(us / 1000000),
                                  (long)(us % 1000000) * 1000};
            kn_wire_date_at(&ts, back);
            if (memcmp(back, z, 19) != 0)
                abort();
        }
        free(z);
    }

    /* UTF-8 helpers used on every outgoing frame. */
    {
        size_t outlen = 0;
        char *fixed;
        int valid = kn_utf8_valid((const char *)data, size);

        if (!valid != !utf8_ok(data, size))
            abort();
        fixed = kn_utf8_fix((const char *)data, size, &outlen);
        if (fixed) {
            if (!utf8_ok((const unsigned char *)fixed, outlen) ||
                fixed[outlen] != '\0')
                abort();
            if (valid && (outlen != size || memcmp(fixed, data, size) != 0))
                abort();
            free(fixed);
        }
    }
    return 0;
}
