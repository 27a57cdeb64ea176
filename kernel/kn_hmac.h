/* kn_hmac.h -- message signatures (HMAC over the four JSON frames).
 *
 * The signature is the lowercase hex HMAC of header, parent_header, metadata
 * and content, keyed with the raw bytes of the connection-file key, digest
 * from its signature_scheme (normally SHA-256).  An empty key means messages
 * are unsigned: sign produces "" and verify accepts anything.
 *
 * Ownership: `struct kn_hmac` owns a copy of the key (wiped on free), the
 * fetched EVP_MAC and a context keyed once at init that each signature
 * duplicates.  After init it is read-only, so several threads may sign and
 * verify with the same struct at once.
 */
#ifndef KN_HMAC_H
#define KN_HMAC_H

#include <stddef.h>

#include "kn_exec.h" /* KN_ERR_LEN */

#define KN_SIG_MAX 129 /* hex of a 64-byte digest + NUL */

struct kn_hmac {
    void *mac;          /* EVP_MAC *, NULL when unsigned */
    void *tmpl;         /* EVP_MAC_CTX * keyed at init, NULL when unsigned */
    unsigned char *key; /* NULL when unsigned */
    size_t key_len;
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
