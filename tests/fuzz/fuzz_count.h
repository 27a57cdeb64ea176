/* fuzz_count.h -- how many times a string stands in a text, for the fuzz
 * targets that check a planted secret is not copied into what they print
 * (fuzz_client_secret, fuzz_conn, fuzz_token).  Header-only (static inline).
 */
#ifndef FUZZ_COUNT_H
#define FUZZ_COUNT_H

#include <stddef.h>
#include <string.h>

/* Occurrences of needle (not empty) in the NUL-terminated text h,
 * overlapping ones included. */
static inline size_t fuzz_occurrences(const char *h, const char *needle)
{
    size_t c = 0;

    while ((h = strstr(h, needle)) != NULL) {
        c++;
        h++;
    }
    return c;
}

#endif /* FUZZ_COUNT_H */
