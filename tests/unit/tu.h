/* tu.h -- the tiny unit-test vocabulary (after libuv's task.h).
 *
 * A test program defines `static void test_x(void)` functions and a main
 * that runs them with TU_RUN(test_x); each failed check prints file:line and
 * the expression; main returns tu_report(), which prints the closing line
 * "N passed, N failed" and exits non-zero on any failure.  tu_read_file
 * reads a small file into a buffer, tu_read_all a whole file.
 */
#ifndef TU_H
#define TU_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tu_failed_checks, tu_passed, tu_failed;

#define TU_CHECK(cond)                                                         \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            tu_failed_checks++;                                                \
        }                                                                      \
    } while (0)

#define TU_EQ_INT(a, b)                                                        \
    do {                                                                       \
        long long tu_a = (long long)(a), tu_b = (long long)(b);                \
        if (tu_a != tu_b) {                                                    \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n",          \
                    __FILE__, __LINE__, #a, #b, tu_a, tu_b);                   \
            tu_failed_checks++;                                                \
        }                                                                      \
    } while (0)

#define TU_EQ_STR(a, b)                                                        \
    do {                                                                       \
        const char *tu_a = (a), *tu_b = (b);                                   \
        if (!tu_a || !tu_b || strcmp(tu_a, tu_b) != 0) {                       \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n",      \
                    __FILE__, __LINE__, #a, #b, tu_a ? tu_a : "(null)",        \
                    tu_b ? tu_b : "(null)");                                   \
            tu_failed_checks++;                                                \
        }                                                                      \
    } while (0)

#define TU_RUN(fn)                                                             \
    do {                                                                       \
        int tu_before = tu_failed_checks;                                      \
        fn();                                                                  \
        if (tu_failed_checks == tu_before) {                                   \
            tu_passed++;                                                       \
            printf("ok   %s\n", #fn);                                          \
        } else {                                                               \
            tu_failed++;                                                       \
            printf("FAIL %s\n", #fn);                                          \
        }                                                                      \
    } while (0)

/* Read at most len - 1 bytes of path into buf, NUL-terminated ("" when the
 * file cannot be opened). */
static inline void tu_read_file(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;

    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* The whole file at path, malloc'd and NUL-terminated (the caller frees
 * it), its size in *len when len is not NULL; NULL when it cannot be read. */
static inline char *tu_read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            if (len)
                *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static inline int tu_report(void)
{
    printf("%d passed, %d failed\n", tu_passed, tu_failed);
    return tu_failed ? 1 : 0;
}

#endif /* TU_H */
