/* kn_conn.h -- parse a Jupyter connection file and build socket endpoints.
 *
 * A connection file is a JSON object with the five ports, `ip`, `transport`
 * ("tcp" or "ipc"), `key` and `signature_scheme`.  kn_conn_parse() checks
 * every field and says clearly what is wrong; it never prints the key.
 *
 * Ownership: `struct kn_conn` owns `ip` and `key` (malloc'd); release them
 * with kn_conn_free().  The key is wiped before it is freed.
 */
#ifndef KN_CONN_H
#define KN_CONN_H

#include <stddef.h>

#include "kn_exec.h" /* KN_ERR_LEN */

enum kn_chan { KN_SHELL = 0, KN_CONTROL, KN_STDIN, KN_IOPUB, KN_HB, KN_NCHAN };

enum kn_transport { KN_TCP = 0, KN_IPC };

struct kn_conn {
    enum kn_transport transport;
    char *ip;           /* address (tcp) or path prefix (ipc) */
    int ipv6;           /* tcp address contains ':' */
    int port[KN_NCHAN]; /* indexed by enum kn_chan */
    unsigned char *key; /* raw key bytes (may be empty, never NULL) */
    size_t key_len;
    char scheme[32]; /* digest after "hmac-", e.g. "sha256" */
};

/* Name of a channel ("shell", "control", ...). */
const char *kn_chan_name(enum kn_chan c);

/* Parse connection-file text (len bytes).  Returns 0 and fills *c, or -1
 * with a message in err (nothing to free). */
int kn_conn_parse(const char *text, size_t len, struct kn_conn *c,
                  char err[KN_ERR_LEN]);

/* Read and parse the file at path (at most 1 MiB).  Same contract. */
int kn_conn_load(const char *path, struct kn_conn *c, char err[KN_ERR_LEN]);

/* Write the endpoint of channel ch ("tcp://[::1]:5555", "ipc:///tmp/k-3")
 * into out.  Returns 0, or -1 with err when it does not fit (ipc paths are
 * limited to 107 bytes by sun_path). */
int kn_conn_endpoint(const struct kn_conn *c, enum kn_chan ch, char *out,
                     size_t outlen, char err[KN_ERR_LEN]);

/* For ipc: write the socket file path of ch into out (for unlinking).
 * Returns 0, or -1 for tcp or when it does not fit. */
int kn_conn_ipc_path(const struct kn_conn *c, enum kn_chan ch, char *out,
                     size_t outlen);

void kn_conn_free(struct kn_conn *c);

#endif /* KN_CONN_H */
