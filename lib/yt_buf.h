/* yt_buf.h -- growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * Used for HTTP bodies, HTML/SVG/JSON output and stream capture.  The buffer
 * is always NUL-terminated.  A failing append (out of memory: YTK_E_NOMEM,
 * or the cap `toobig` would be exceeded: YTK_E_TOOBIG) frees the contents
 * and the failure is sticky: every later append fails with the same code,
 * yt_buf_str() gives "" and yt_buf_take() NULL, until yt_buf_free() or
 * yt_buf_init() starts the buffer again.  So a runaway input turns into a
 * clean error instead of exhausting memory, and a half-built text is never
 * mistaken for a whole one.  Every append is warn_unused_result: check each
 * one (or, when building a text in one go, OR the results together and
 * check once -- the failure sticks, so nothing after it is half-written).
 *
 * Invariants (YTK_ASSERT): len < cap when ptr != NULL, ptr[len] == '\0',
 * cap <= toobig; a failed buffer holds no memory (ptr == NULL, len == 0).
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
    int failed;    /* 0, or the sticky code of the first failed append */
};

#define YT_BUF_MUST_USE __attribute__((warn_unused_result))

/* Initialise an empty buffer that may hold at most toobig-1 bytes. */
void yt_buf_init(struct yt_buf *b, size_t toobig);
/* Release the contents; the buffer is empty, no longer failed, and
 * reusable afterwards. */
void yt_buf_free(struct yt_buf *b);
/* Empty the buffer but keep its allocation (a failed buffer stays failed). */
void yt_buf_reset(struct yt_buf *b);
/* Appends: 0, or YTK_E_NOMEM / YTK_E_TOOBIG (YTK_E_FORMAT for a format
 * vsnprintf rejects), sticky, see above. */
int yt_buf_add(struct yt_buf *b, const void *mem, size_t len) YT_BUF_MUST_USE;
int yt_buf_adds(struct yt_buf *b, const char *s) YT_BUF_MUST_USE;
int yt_buf_addf(struct yt_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3))) YT_BUF_MUST_USE;
int yt_buf_vaddf(struct yt_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0))) YT_BUF_MUST_USE;
/* 0, or the code of the append that failed. */
int yt_buf_failed(const struct yt_buf *b);
/* Contents as a string ("" when empty); valid until the next change. */
const char *yt_buf_str(const struct yt_buf *b);
/* Take the contents ("" is allocated when empty); NULL when an append
 * failed or "" cannot be allocated.  Caller owns the result and frees it
 * with free(); the buffer is reset (a failed one stays failed). */
char *yt_buf_take(struct yt_buf *b);

#endif /* YT_BUF_H */
