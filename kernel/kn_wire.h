/* kn_wire.h -- Jupyter wire format: parse and verify incoming multipart
 * messages, build and sign outgoing ones, and the header fields (uuid4 ids,
 * UTC dates with microseconds, protocol version "5.5").
 *
 *   [ident ...] "<IDS|MSG>" signature header parent metadata content [buf..]
 *
 * The signature is checked BEFORE any JSON is parsed.  This module does no
 * socket I/O: frames are borrowed (pointer, length) views.
 *
 * Ownership: kn_wire_parse() fills a `struct kn_msg` that owns copies of the
 * identities and the raw header bytes plus the parsed cJSON trees; release
 * it with kn_msg_free().  kn_wire_build() fills a `struct kn_out` that owns
 * the four serialized frames; release it with kn_out_free().
 */
#ifndef KN_WIRE_H
#define KN_WIRE_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "kn_hmac.h"

#define KN_PROTOCOL_VERSION "5.5"
#define KN_DELIM "<IDS|MSG>"
#define KN_MAX_IDENTS 32

/* Who is talking: one per kernel process start. */
struct kn_sess {
    struct kn_hmac hmac;
    char session[37]; /* uuid4, new at every start */
    char username[64];
};

struct kn_msg {
    struct kn_frame idents[KN_MAX_IDENTS]; /* owned copies (data malloc'd) */
    size_t nidents;
    char *hdr_raw; /* header bytes as received, NUL-terminated; invalid
                    * UTF-8 replaced by U+FFFD (so safe to echo) */
    size_t hdr_len;
    cJSON *header, *parent, *metadata, *content; /* objects, owned */
    const char *msg_type;                        /* points into header */
    const char *msg_id; /* points into header ("" when absent) */
    size_t nbuffers;    /* raw buffers after content (ignored) */
};

struct kn_out {
    char *frame[4]; /* header, parent, metadata, content (owned, NUL-term) */
    size_t len[4];
    char sig[KN_SIG_MAX];
    size_t siglen;
    char msg_id[37]; /* the new message's id */
};

/* Fill s with a fresh session id, the user name and the key.  Returns 0, or
 * -1 with err (bad digest). */
int kn_sess_init(struct kn_sess *s, const unsigned char *key, size_t key_len,
                 const char *digest, char err[KN_ERR_LEN]);
void kn_sess_free(struct kn_sess *s);

/* Parse n frames.  Returns 0, or -1 with a one-line reason in err (no
 * delimiter, bad signature, malformed JSON, missing msg_type ...). */
int kn_wire_parse(const struct kn_frame *frames, size_t n,
                  const struct kn_hmac *h, struct kn_msg *m,
                  char err[KN_ERR_LEN]);
void kn_msg_free(struct kn_msg *m);

/* Build an outgoing message of msg_type.  parent: raw JSON bytes of the
 * parent header, echoed verbatim (NULL = "{}").  metadata may be NULL ({}).
 * Takes ownership of content and metadata.  Returns 0 or -1 (out of memory
 * or signing failed; err set). */
int kn_wire_build(const struct kn_sess *s, const char *msg_type,
                  const char *parent, size_t parent_len, cJSON *metadata,
                  cJSON *content, struct kn_out *o, char err[KN_ERR_LEN]);
/* The same with the content frame given as JSON text (a valid UTF-8 JSON
 * object, e.g. a literal such as {"execution_state":"idle"}), copied as
 * it is: no cJSON tree to build and print. */
int kn_wire_build_text(const struct kn_sess *s, const char *msg_type,
                       const char *parent, size_t parent_len,
                       const char *content, struct kn_out *o,
                       char err[KN_ERR_LEN]);
void kn_out_free(struct kn_out *o);

/* UTC ISO 8601 with 6-digit microseconds and Z: 2024-01-02T03:04:05.000006Z */
void kn_wire_date(char out[32]);
void kn_wire_date_at(const struct timespec *ts, char out[32]);

/* Parse a header date (ISO 8601 as Jupyter clients send it:
 * 2024-01-02T03:04:05[.ffffff][Z|+HH:MM|-HH:MM], no zone = UTC; a space may
 * stand for the T) into microseconds since the epoch.  Returns 0, or -1 when
 * s is not such a date.  Reads at most until the first byte that does not
 * fit; s must be NUL-terminated. */
int kn_wire_date_parse(const char *s, long long *us);

/* A fresh lowercase uuid4. */
void kn_wire_uuid(char out[37]);

/* Non-zero when s[0..len) is valid UTF-8. */
int kn_utf8_valid(const char *s, size_t len);
/* Copy of s[0..len) with invalid UTF-8 bytes replaced by U+FFFD (malloc'd,
 * NUL-terminated; *outlen set), or NULL when out of memory. */
char *kn_utf8_fix(const char *s, size_t len, size_t *outlen);

#endif /* KN_WIRE_H */
