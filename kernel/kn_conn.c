/* kn_conn.c -- connection file parsing.  See kn_conn.h. */
#include "kn_conn.h"
#include "kn_priv.h" /* KN_ASSERT */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#define KN_CONN_MAX_FILE (1024 * 1024)
#define KN_IPC_MAX_PATH 107 /* sizeof(sun_path) - 1 on Linux */

static const char *const chan_names[KN_NCHAN] = {"shell", "control", "stdin",
                                                 "iopub", "hb"};
static const char *const port_keys[KN_NCHAN] = {
    "shell_port", "control_port", "stdin_port", "iopub_port", "hb_port"};

const char *kn_chan_name(enum kn_chan c)
{
    return (unsigned)c < KN_NCHAN ? chan_names[c] : "?";
}

static int get_port(const cJSON *root, const char *key, int tcp, int *out,
                    char err[KN_ERR_LEN])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v) {
        snprintf(err, KN_ERR_LEN, "connection file: missing \"%s\"", key);
        return -1;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        v->valuedouble < (tcp ? 1 : 0) || v->valuedouble > 65535) {
        snprintf(err, KN_ERR_LEN,
                 "connection file: \"%s\" must be an integer in %d..65535", key,
                 tcp ? 1 : 0);
        return -1;
    }
    *out = (int)v->valuedouble;
    return 0;
}

static const char *get_str(const cJSON *root, const char *key, const char *dflt,
                           int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v || cJSON_IsNull(v))
        return dflt;
    if (!cJSON_IsString(v) || !v->valuestring) {
        *bad = 1;
        return NULL;
    }
    return v->valuestring;
}

int kn_conn_parse(const char *text, size_t len, struct kn_conn *c,
                  char err[KN_ERR_LEN])
{
    int rc = -1, bad = 0;
    const char *transport, *ip, *key, *scheme;
    cJSON *root = NULL;

    memset(c, 0, sizeof(*c));
    root = cJSON_ParseWithLength(text, len);
    if (!root || !cJSON_IsObject(root)) {
        snprintf(err, KN_ERR_LEN,
                 "connection file: not a JSON object (expected the file "
                 "written by jupyter_client)");
        goto out;
    }
    transport = get_str(root, "transport", "tcp", &bad);
    if (bad || !transport) {
        snprintf(err, KN_ERR_LEN,
                 "connection file: \"transport\" must be a "
                 "string");
        goto out;
    }
    if (strcmp(transport, "tcp") == 0) {
        c->transport = KN_TCP;
    } else if (strcmp(transport, "ipc") == 0) {
        c->transport = KN_IPC;
    } else {
        snprintf(err, KN_ERR_LEN,
                 "connection file: unsupported transport \"%.40s\" (use "
                 "\"tcp\" or \"ipc\")",
                 transport);
        goto out;
    }
    ip = get_str(root, "ip",
                 c->transport == KN_TCP ? "127.0.0.1" : "kernel-ipc", &bad);
    if (bad || !ip || !*ip) {
        snprintf(err, KN_ERR_LEN,
                 "connection file: \"ip\" must be a non-empty string");
        goto out;
    }
    if (strlen(ip) > 4096 || strpbrk(ip, "\n\r\t") != NULL) {
        snprintf(err, KN_ERR_LEN,
                 "connection file: \"ip\" is not a valid "
                 "address or path");
        goto out;
    }
    if (c->transport == KN_TCP) {
        size_t n = strlen(ip);
        if (ip[0] == '[' && n > 2 && ip[n - 1] == ']') {
            c->ip = strndup(ip + 1, n - 2); /* tolerate a bracketed form */
        } else {
            c->ip = strdup(ip);
        }
        if (!c->ip)
            goto oom;
        if (strpbrk(c->ip, "[]/ ") != NULL) {
            snprintf(err, KN_ERR_LEN,
                     "connection file: \"ip\" \"%.64s\" is not an address", ip);
            goto out;
        }
        c->ipv6 = strchr(c->ip, ':') != NULL;
    } else {
        if (!(c->ip = strdup(ip)))
            goto oom;
        /* path prefix + "-" + port must fit in sun_path */
        if (strlen(c->ip) + 7 > KN_IPC_MAX_PATH) {
            snprintf(err, KN_ERR_LEN,
                     "connection file: ipc path \"%.64s...\" is too long "
                     "(at most %d bytes with the port suffix); use a "
                     "shorter absolute path",
                     ip, KN_IPC_MAX_PATH);
            goto out;
        }
    }
    for (int i = 0; i < KN_NCHAN; i++) {
        if (get_port(root, port_keys[i], c->transport == KN_TCP, &c->port[i],
                     err) < 0)
            goto out;
        for (int j = 0; j < i; j++) {
            if (c->port[j] == c->port[i]) {
                snprintf(err, KN_ERR_LEN,
                         "connection file: \"%s\" and \"%s\" are both %d",
                         port_keys[j], port_keys[i], c->port[i]);
                goto out;
            }
        }
    }
    key = get_str(root, "key", "", &bad);
    if (bad || !key) {
        snprintf(err, KN_ERR_LEN, "connection file: \"key\" must be a string");
        goto out;
    }
    c->key_len = strlen(key);
    if (!(c->key = malloc(c->key_len + 1)))
        goto oom;
    memcpy(c->key, key, c->key_len + 1);

    scheme = get_str(root, "signature_scheme", "hmac-sha256", &bad);
    if (bad || !scheme) {
        snprintf(err, KN_ERR_LEN,
                 "connection file: \"signature_scheme\" must be a string");
        goto out;
    }
    if (strncmp(scheme, "hmac-", 5) != 0 || strlen(scheme + 5) == 0 ||
        strlen(scheme + 5) >= sizeof(c->scheme)) {
        snprintf(err, KN_ERR_LEN,
                 "connection file: unsupported signature_scheme \"%.40s\" "
                 "(expected \"hmac-sha256\")",
                 scheme);
        goto out;
    }
    strcpy(c->scheme, scheme + 5);
    if (cJSON_GetObjectItemCaseSensitive(root, "curve_secretkey") ||
        cJSON_GetObjectItemCaseSensitive(root, "curve_publickey")) {
        snprintf(err, KN_ERR_LEN,
                 "connection file: CurveZMQ keys are not supported by this "
                 "kernel; start it without encryption");
        goto out;
    }
    /* what kn_conn.h promises of a parsed file */
    for (int i = 0; i < KN_NCHAN; i++)
        KN_ASSERT(c->port[i] >= (c->transport == KN_TCP) &&
                  c->port[i] <= 65535);
    KN_ASSERT(c->ip && c->key && strlen(c->scheme) < sizeof(c->scheme));
    rc = 0;
    goto out;
oom:
    snprintf(err, KN_ERR_LEN, "connection file: out of memory");
out:
    cJSON_Delete(root);
    if (rc < 0)
        kn_conn_free(c);
    return rc;
}

int kn_conn_load(const char *path, struct kn_conn *c, char err[KN_ERR_LEN])
{
    int rc = -1;
    FILE *f = NULL;
    char *buf = NULL;
    size_t n = 0;

    memset(c, 0, sizeof(*c));
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, KN_ERR_LEN, "cannot open connection file %.200s: %s",
                 path, strerror(errno));
        goto out;
    }
    if (!(buf = malloc(KN_CONN_MAX_FILE + 1))) {
        snprintf(err, KN_ERR_LEN, "connection file: out of memory");
        goto out;
    }
    n = fread(buf, 1, KN_CONN_MAX_FILE + 1, f);
    if (ferror(f)) {
        snprintf(err, KN_ERR_LEN, "cannot read connection file %.200s: %s",
                 path, strerror(errno));
        goto out;
    }
    if (n > KN_CONN_MAX_FILE) {
        snprintf(err, KN_ERR_LEN,
                 "connection file %.200s is larger than "
                 "1 MiB",
                 path);
        goto out;
    }
    rc = kn_conn_parse(buf, n, c, err);
    if (rc < 0) {
        char tmp[KN_ERR_LEN];
        snprintf(tmp, sizeof(tmp), "%s (%s)", err, path);
        memcpy(err, tmp, KN_ERR_LEN);
    }
out:
    if (buf) {
        OPENSSL_cleanse(buf, n); /* the file holds the key */
        free(buf);
    }
    if (f)
        fclose(f);
    return rc;
}

int kn_conn_ipc_path(const struct kn_conn *c, enum kn_chan ch, char *out,
                     size_t outlen)
{
    int n;
    if (c->transport != KN_IPC || (unsigned)ch >= KN_NCHAN)
        return -1;
    n = snprintf(out, outlen, "%s-%d", c->ip, c->port[ch]);
    if (n < 0 || (size_t)n >= outlen || n > KN_IPC_MAX_PATH)
        return -1;
    return 0;
}

int kn_conn_endpoint(const struct kn_conn *c, enum kn_chan ch, char *out,
                     size_t outlen, char err[KN_ERR_LEN])
{
    int n;
    if ((unsigned)ch >= KN_NCHAN) {
        snprintf(err, KN_ERR_LEN, "no such channel");
        return -1;
    }
    if (c->transport == KN_IPC) {
        char path[KN_IPC_MAX_PATH + 2];
        if (kn_conn_ipc_path(c, ch, path, sizeof(path)) < 0) {
            snprintf(err, KN_ERR_LEN,
                     "ipc path for %s is longer than %d "
                     "bytes",
                     kn_chan_name(ch), KN_IPC_MAX_PATH);
            return -1;
        }
        n = snprintf(out, outlen, "ipc://%s", path);
    } else if (c->ipv6) {
        n = snprintf(out, outlen, "tcp://[%s]:%d", c->ip, c->port[ch]);
    } else {
        n = snprintf(out, outlen, "tcp://%s:%d", c->ip, c->port[ch]);
    }
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, KN_ERR_LEN, "endpoint for %s is too long",
                 kn_chan_name(ch));
        return -1;
    }
    return 0;
}

void kn_conn_free(struct kn_conn *c)
{
    if (c->key) {
        OPENSSL_cleanse(c->key, c->key_len);
        free(c->key);
    }
    free(c->ip);
    memset(c, 0, sizeof(*c));
}
