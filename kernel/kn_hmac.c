/* kn_hmac.c -- HMAC signatures with OpenSSL 3 EVP_MAC.  See kn_hmac.h. */
#include "kn_hmac.h"
#include "kn_priv.h" /* KN_ASSERT */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

/* The keyed context every signature starts from: the key and its inner
 * and outer pads are hashed once here, and each message duplicates it
 * (EVP_MAC_init per message would fetch the digest by name and hash the
 * key again: a third of the signing cost for a short message). */
static int keyed_template(struct kn_hmac *h)
{
    OSSL_PARAM params[2];
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(h->mac);

    if (!ctx)
        return -1;
    params[0] =
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, h->digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(ctx, h->key, h->key_len, params)) {
        EVP_MAC_CTX_free(ctx);
        return -1;
    }
    h->tmpl = ctx;
    return 0;
}

int kn_hmac_init(struct kn_hmac *h, const unsigned char *key, size_t key_len,
                 const char *digest, char err[KN_ERR_LEN])
{
    EVP_MD *md = NULL;
    size_t i;

    memset(h, 0, sizeof(*h));
    if (key_len == 0)
        return 0;
    if (!digest || strlen(digest) >= sizeof(h->digest)) {
        snprintf(err, KN_ERR_LEN, "unsupported signature digest");
        return -1;
    }
    for (i = 0; digest[i]; i++)
        h->digest[i] = (char)toupper((unsigned char)digest[i]);
    md = EVP_MD_fetch(NULL, h->digest, NULL);
    if (!md || EVP_MD_get_size(md) <= 0 || EVP_MD_get_size(md) > 64) {
        snprintf(err, KN_ERR_LEN,
                 "unsupported signature_scheme \"hmac-%.20s\" (OpenSSL does "
                 "not know the digest)",
                 digest);
        EVP_MD_free(md);
        return -1;
    }
    EVP_MD_free(md);
    h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!h->mac) {
        snprintf(err, KN_ERR_LEN, "OpenSSL has no HMAC implementation");
        return -1;
    }
    if (!(h->key = malloc(key_len))) {
        EVP_MAC_free(h->mac);
        h->mac = NULL;
        snprintf(err, KN_ERR_LEN, "out of memory");
        return -1;
    }
    memcpy(h->key, key, key_len);
    h->key_len = key_len;
    if (keyed_template(h) < 0) {
        snprintf(err, KN_ERR_LEN, "cannot set up HMAC-%.20s in OpenSSL",
                 digest);
        kn_hmac_free(h);
        return -1;
    }
    return 0;
}

int kn_hmac_enabled(const struct kn_hmac *h)
{
    return h->key_len > 0;
}

/* Raw digest of the parts into md; returns its length or -1. */
static int mac_raw(const struct kn_hmac *h, const struct kn_frame *parts,
                   size_t n, unsigned char md[64])
{
    int rc = -1;
    size_t outl = 0;
    /* Duplicating only reads the template: threads may sign at once. */
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(h->tmpl);

    if (!ctx)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].len && !EVP_MAC_update(ctx, parts[i].data, parts[i].len))
            goto out;
    }
    if (!EVP_MAC_final(ctx, md, &outl, 64))
        goto out;
    rc = (int)outl;
out:
    EVP_MAC_CTX_free(ctx);
    return rc;
}

int kn_hmac_sign(const struct kn_hmac *h, const struct kn_frame *parts,
                 size_t n, char hex[KN_SIG_MAX])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[64];
    int len;

    hex[0] = '\0';
    if (!kn_hmac_enabled(h))
        return 0;
    len = mac_raw(h, parts, n, md);
    if (len < 0)
        return -1;
    KN_ASSERT(2 * len < KN_SIG_MAX);
    for (int i = 0; i < len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[2 * len] = '\0';
    return 2 * len;
}

int kn_hmac_verify(const struct kn_hmac *h, const struct kn_frame *parts,
                   size_t n, const void *sig, size_t siglen)
{
    char want[KN_SIG_MAX];
    int len;

    if (!kn_hmac_enabled(h))
        return 0;
    len = kn_hmac_sign(h, parts, n, want);
    if (len <= 0 || siglen != (size_t)len)
        return -1;
    return CRYPTO_memcmp(want, sig, siglen) == 0 ? 0 : -1;
}

void kn_hmac_free(struct kn_hmac *h)
{
    if (h->key) {
        OPENSSL_cleanse(h->key, h->key_len);
        free(h->key);
    }
    EVP_MAC_CTX_free(h->tmpl);
    EVP_MAC_free(h->mac);
    memset(h, 0, sizeof(*h));
}
