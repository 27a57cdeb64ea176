/* fuzz_conn.c -- libFuzzer target: connection file parsing and endpoints. */
#include <stdint.h>

#include "../../kernel/kn_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kn_conn c;
    char err[KN_ERR_LEN], ep[256], path[256];

    if (kn_conn_parse((const char *)data, size, &c, err) < 0)
        return 0;
    for (int i = 0; i < KN_NCHAN; i++) {
        kn_conn_endpoint(&c, (enum kn_chan)i, ep, sizeof(ep), err);
        kn_conn_ipc_path(&c, (enum kn_chan)i, path, sizeof(path));
    }
    kn_conn_free(&c);
    return 0;
}
