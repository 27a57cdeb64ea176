/* fuzz_csv_cell.c -- libFuzzer target: one CSV cell of %yt_fetch export
 * (yt_store_csv_cell), the spreadsheet-formula guard included.
 *
 * The first byte chooses guarded or raw; the rest up to a NUL is the value.
 * Reading the field back as RFC 4180 must give the value exactly (raw, or
 * guarded and not risky) or "'" + value (guarded and risky); a field is
 * quoted exactly when it holds , " CR or LF; a guarded field never starts
 * (inside its quotes) with = + - @ TAB or CR. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yt_buf.h"
#include "yt_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Undo the quoting of one field; NULL when malformed. */
static char *unquote(const char *f)
{
    size_t n = strlen(f), i, o = 0;
    char *r = malloc(n + 1);

    if (!r)
        abort();
    if (n == 0 || f[0] != '"') {
        if (strpbrk(f, ",\"\r\n"))
            abort(); /* must have been quoted */
        memcpy(r, f, n + 1);
        return r;
    }
    if (n < 2 || f[n - 1] != '"')
        abort();
    for (i = 1; i < n - 1; i++) {
        if (f[i] == '"') {
            if (f[i + 1] != '"' || i + 1 >= n - 1)
                abort(); /* a lone quote inside */
            i++;
        }
        r[o++] = f[i];
    }
    r[o] = '\0';
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct yt_buf b;
    char *in, *back;
    int guard;

    if (size < 1)
        return 0;
    guard = data[0] & 1;
    in = malloc(size);
    if (!in)
        return 0;
    memcpy(in, data + 1, size - 1);
    in[size - 1] = '\0';
    yt_buf_init(&b, 4 * size + 16);
    if (yt_store_csv_cell(&b, in, guard) < 0)
        abort();
    back = unquote(yt_buf_str(&b) ? yt_buf_str(&b) : "");
    if (guard && yt_store_csv_risky(in)) {
        if (back[0] != '\'' || strcmp(back + 1, in) != 0)
            abort();
    } else if (strcmp(back, in) != 0) {
        abort();
    }
    if (guard && strchr("=+-@\t\r", back[0]) && back[0])
        abort();
    free(back);
    yt_buf_free(&b);
    free(in);
    return 0;
}
