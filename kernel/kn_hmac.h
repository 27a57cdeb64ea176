/* kn_hmac.h -- message signatures (HMAC over the four JSON frames).
 *
 * The signature is the lowercase hex HMAC of header, parent_header, metadata
 * and content, keyed with the raw bytes of the connection-file key, digest
 * from its signature_scheme (normally SHA-256).  An empty key means messages
 * are unsigned: sign produces "" and verify accepts anything.
 *
 * HMAC is computed as RFC 2104 defines it over an EVP digest: the key's
 * inner and outer pad blocks are made once at init, and each thread signs
 * with its own digest context, reused for every message (no allocation and
 * no EVP_MAC context per message; the MAC layer's per-message dup/free was
 * a third of the cost of signing a short message).
 *
 * Ownership: `struct kn_hmac` owns the fetched EVP_MD and the two pad
 * blocks derived from the key (wiped on free; the key itself is not kept).
 * After init it is read-only, so several threads may sign and verify with
 * the same struct at once.  Each signing thread's digest context is freed
 * when that thread ends.
 */
#ifndef KN_HMAC_H
#define KN_HMAC_H

#include <stddef.h>

#include "kn_exec.h" /* KN_ERR_LEN */

#define KN_SIG_MAX 129 /* hex of a 64-byte digest + NUL */

#define KN_HMAC_BLOCK_MAX 168 /* the largest digest block (SHAKE128) */

struct kn_hmac {
    void *md;       /* EVP_MD *, NULL when unsigned */
    size_t key_len; /* 0 = unsigned */
    size_t block;   /* the digest's block size */
    unsigned char ipad[KN_HMAC_BLOCK_MAX], opad[KN_HMAC_BLOCK_MAX];
    char digest[32]; /* e.g. "SHA256" */
};

/* A borrowed view of one frame. */
struct kn_frame {
    const void *data;
    size_t len;
};

/* digest: name after "hmac-" ("sha256").  Returns 0, or -1 with err when the
 * digest is unknown to OpenSSL. */
int kn_hmac_init(struct kn_hmac *h, const unsigned char *key, size_t key_len,
                 const char *digest, char err[KN_ERR_LEN]);

/* Non-zero when messages are signed (non-empty key). */
int kn_hmac_enabled(const struct kn_hmac *h);

/* Write the hex signature of the n parts into hex (at least KN_SIG_MAX
 * bytes).  Returns its length (0 when unsigned) or -1 on an OpenSSL error. */
int kn_hmac_sign(const struct kn_hmac *h, const struct kn_frame *parts,
                 size_t n, char hex[KN_SIG_MAX]);

/* Returns 0 when sig (siglen bytes, not NUL-terminated) is the signature of
 * the parts, compared in constant time after a length check; -1 otherwise.
 * Always 0 when unsigned. */
int kn_hmac_verify(const struct kn_hmac *h, const struct kn_frame *parts,
                   size_t n, const void *sig, size_t siglen);

void kn_hmac_free(struct kn_hmac *h);

#endif /* KN_HMAC_H */
