/* fuzz_conn.c -- libFuzzer target: connection file parsing and endpoints.
 * Asserts:
 *   - a refusal always says why; an accepted file has a known transport, a
 *     non-empty ip without line breaks, five distinct ports in range (1..65535
 *     for tcp), a key of key_len bytes, a non-empty signature scheme;
 *   - every endpoint that fits is "tcp://ip:port" / "tcp://[ip]:port" with
 *     that channel's port, or "ipc://" + the ipc path (<= 107 bytes);
 *   - the key never appears in an error message: the same JSON with a known
 *     secret put in "key" is parsed again and the message searched for it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz_count.h"
#include "kn_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL "k3y-S3cret-of-the-fuzzer-Qz"

static void check_conn(const struct kn_conn *c)
{
    char err[KN_ERR_LEN], ep[256], path[256], want[300];

    if (c->transport != KN_TCP && c->transport != KN_IPC)
        abort();
    if (!c->ip || !c->ip[0] || strpbrk(c->ip, "\n\r\t"))
        abort();
    if (!c->key || strlen((const char *)c->key) != c->key_len)
        abort();
    if (!c->scheme[0] || strlen(c->scheme) >= sizeof c->scheme)
        abort();
    for (int i = 0; i < KN_NCHAN; i++) {
        if (c->port[i] < (c->transport == KN_TCP ? 1 : 0) || c->port[i] > 65535)
            abort();
        for (int j = 0; j < i; j++)
            if (c->port[i] == c->port[j])
                abort();
    }
    for (int i = 0; i < KN_NCHAN; i++) {
        int e = kn_conn_endpoint(c, (enum kn_chan)i, ep, sizeof ep, err);
        int p = kn_conn_ipc_path(c, (enum kn_chan)i, path, sizeof path);

        if (c->transport == KN_TCP) {
            if (p == 0)
                abort(); /* no socket file for tcp */
            if (e == 0) {
                snprintf(want, sizeof want,
                         c->ipv6 ? "tcp://[%s]:%d" : "tcp://%s:%d", c->ip,
                         c->port[i]);
                if (strcmp(ep, want) != 0)
                    abort();
            }
        } else if (e == 0) {
            if (p != 0 || strlen(path) > 107)
                abort();
            snprintf(want, sizeof want, "ipc://%s", path);
            if (strcmp(ep, want) != 0)
                abort();
        }
        if (e != 0 && !err[0])
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kn_conn c;
    char err[KN_ERR_LEN];
    cJSON *root;
    char *text;

    err[0] = '\0';
    if (kn_conn_parse((const char *)data, size, &c, err) < 0) {
        if (!err[0])
            abort();
    } else {
        check_conn(&c);
        kn_conn_free(&c);
    }

    /* The same file with a known key: it must never reach the message. */
    root = cJSON_ParseWithLength((const char *)data, size);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return 0;
    }
    while (cJSON_GetObjectItemCaseSensitive(root, "key"))
        cJSON_DeleteItemFromObjectCaseSensitive(root, "key");
    cJSON_AddStringToObject(root, "key", SENTINEL);
    text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return 0;
    if (fuzz_occurrences(text, SENTINEL) == 1) {
        err[0] = '\0';
        if (kn_conn_parse(text, strlen(text), &c, err) < 0) {
            if (!err[0] || strstr(err, SENTINEL))
                abort();
        } else {
            if (strcmp((const char *)c.key, SENTINEL) != 0)
                abort();
            check_conn(&c);
            kn_conn_free(&c);
        }
    }
    cJSON_free(text);
    return 0;
}
