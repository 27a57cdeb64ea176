/* kn_hmac.c -- HMAC signatures (RFC 2104 over OpenSSL 3 EVP digests).
 * See kn_hmac.h. */
#include "kn_hmac.h"
#include "kn_priv.h" /* KN_ASSERT */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* One digest context per thread, reused for every signature it makes
 * (EVP_DigestInit_ex2 with the same digest reuses it: no allocation per
 * message); freed when the thread ends. */
static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static int ctx_key_ok;

static void ctx_free(void *c)
{
    EVP_MD_CTX_free(c);
}

static void ctx_key_init(void)
{
    ctx_key_ok = pthread_key_create(&ctx_key, ctx_free) == 0;
}

static EVP_MD_CTX *thread_ctx(void)
{
    EVP_MD_CTX *c;

    pthread_once(&ctx_once, ctx_key_init);
    if (!ctx_key_ok)
        return NULL;
    if ((c = pthread_getspecific(ctx_key)))
        return c;
    if ((c = EVP_MD_CTX_new()) && pthread_setspecific(ctx_key, c) != 0) {
        EVP_MD_CTX_free(c);
        c = NULL;
    }
    return c;
}

int kn_hmac_init(struct kn_hmac *h, const unsigned char *key, size_t key_len,
                 const char *digest, char err[KN_ERR_LEN])
{
    unsigned char k0[KN_HMAC_BLOCK_MAX];
    EVP_MD *md = NULL;
    int bs;
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
    bs = md ? EVP_MD_get_block_size(md) : 0;
    if (!md || EVP_MD_get_size(md) <= 0 || EVP_MD_get_size(md) > 64 ||
        bs < 32 || bs > KN_HMAC_BLOCK_MAX) {
        snprintf(err, KN_ERR_LEN,
                 "unsupported signature_scheme \"hmac-%.20s\" (OpenSSL does "
                 "not know the digest)",
                 digest);
        EVP_MD_free(md);
        return -1;
    }
    /* RFC 2104: a key longer than a block is hashed first; then padded
     * with zeros to a block and XORed with 0x36 / 0x5c. */
    memset(k0, 0, sizeof(k0));
    if (key_len > (size_t)bs) {
        unsigned int n = 0;
        if (!EVP_Digest(key, key_len, k0, &n, md, NULL)) {
            snprintf(err, KN_ERR_LEN, "cannot hash the signature key");
            EVP_MD_free(md);
            return -1;
        }
    } else {
        memcpy(k0, key, key_len);
    }
    for (i = 0; i < (size_t)bs; i++) {
        h->ipad[i] = k0[i] ^ 0x36;
        h->opad[i] = k0[i] ^ 0x5c;
    }
    OPENSSL_cleanse(k0, sizeof(k0));
    h->md = md;
    h->block = (size_t)bs;
    h->key_len = key_len;
    return 0;
}

int kn_hmac_enabled(const struct kn_hmac *h)
{
    return h->key_len > 0;
}

/* Raw HMAC of the parts into out: H(opad || H(ipad || parts)).  Returns
 * its length or -1. */
static int mac_raw(const struct kn_hmac *h, const struct kn_frame *parts,
                   size_t n, unsigned char out[64])
{
    EVP_MD_CTX *c = thread_ctx();
    unsigned char inner[EVP_MAX_MD_SIZE];
    unsigned int ilen = 0, olen = 0;

    if (!c || !EVP_DigestInit_ex2(c, h->md, NULL) ||
        !EVP_DigestUpdate(c, h->ipad, h->block))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (parts[i].len && !EVP_DigestUpdate(c, parts[i].data, parts[i].len))
            return -1;
    if (!EVP_DigestFinal_ex(c, inner, &ilen) ||
        !EVP_DigestInit_ex2(c, h->md, NULL) ||
        !EVP_DigestUpdate(c, h->opad, h->block) ||
        !EVP_DigestUpdate(c, inner, ilen) ||
        !EVP_DigestFinal_ex(c, out, &olen) || olen > 64)
        return -1;
    return (int)olen;
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
    EVP_MD_free(h->md);
    OPENSSL_cleanse(h->ipad, sizeof(h->ipad));
    OPENSSL_cleanse(h->opad, sizeof(h->opad));
    memset(h, 0, sizeof(*h));
}
