/* yt_buf.h -- growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * Used for HTTP bodies, HTML/SVG/JSON output and stream capture.  The buffer
 * is always NUL-terminated.  A failing append (out of memory, or the cap
 * `toobig` would be exceeded) frees the contents and returns -1, so a runaway
 * input turns into a clean error instead of exhausting memory.
 *
 * Ownership: the buffer owns `ptr`; yt_buf_take() hands it to the caller
 * (free with free()) and resets the buffer.
 */
#ifndef YT_BUF_H
#define YT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct yt_buf {
    char *ptr;     /* NUL-terminated contents, NULL when empty */
    size_t len;    /* bytes used, excluding the NUL */
    size_t cap;    /* bytes allocated */
    size_t toobig; /* maximum len allowed + 1 */
};

/* Initialise an empty buffer that may hold at most toobig-1 bytes. */
void yt_buf_init(struct yt_buf *b, size_t toobig);
/* Release the contents; the buffer is empty and reusable afterwards. */
void yt_buf_free(struct yt_buf *b);
/* Empty the buffer but keep its allocation. */
void yt_buf_reset(struct yt_buf *b);
int yt_buf_add(struct yt_buf *b, const void *mem, size_t len);
int yt_buf_adds(struct yt_buf *b, const char *s);
int yt_buf_addf(struct yt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int yt_buf_vaddf(struct yt_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Contents as a string ("" when empty); valid until the next change. */
const char *yt_buf_str(const struct yt_buf *b);
/* Take the contents (never NULL on success: "" is allocated when empty).
 * Caller owns the result and frees it with free(); the buffer is reset. */
char *yt_buf_take(struct yt_buf *b);

#endif /* YT_BUF_H */
