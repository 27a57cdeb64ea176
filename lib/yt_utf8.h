/* yt_utf8.h -- UTF-8 decoding with replacement, and encoding, for lib/ and
 * magics/.  The decoding rule itself is include/ytk_utf8.h, shared with
 * kernel/.
 *
 * Text from outside (API titles, SQL values, chart labels) may be invalid
 * UTF-8; every escaper and layout routine decodes it with yt_utf8_next,
 * which never reads past n bytes and maps invalid, overlong, surrogate and
 * truncated sequences to U+FFFD (consuming one byte), so callers always make
 * progress.  No allocation; nothing to free.
 *
 * Invariants (YTK_ASSERT): yt_utf8_next is called with n >= 1 and returns
 * 1..n bytes and a code point <= U+10FFFF that is not a surrogate;
 * yt_utf8_encode is given such a code point.
 *
 * yt_utf8_clean returns a malloc'd copy; the caller frees it.
 */
#ifndef YT_UTF8_H
#define YT_UTF8_H

#include <stddef.h>

/* Decode one code point at s (n >= 1 bytes left) into *cp; returns the
 * bytes used (1..4).  Invalid input: *cp = 0xFFFD and 1 is returned. */
size_t yt_utf8_next(const unsigned char *s, size_t n, unsigned *cp);

/* Encode cp (<= 0x10FFFF) into out; returns the bytes written (1..4). */
size_t yt_utf8_encode(unsigned cp, char out[4]);

/* What yt_utf8_clean writes for code point cp: a code point (cp itself to
 * keep it), or YT_UTF8_DROP to leave it out. */
#define YT_UTF8_DROP 0xFFFFFFFFu
typedef unsigned (*yt_utf8_map_fn)(unsigned cp);

/* A copy of s (n bytes) that is valid UTF-8: each invalid byte becomes
 * U+FFFD, and every code point goes through map (NULL keeps all).
 * NUL-terminated, malloc'd (the caller frees); NULL when out of memory. */
char *yt_utf8_clean(const char *s, size_t n, yt_utf8_map_fn map);

#endif /* YT_UTF8_H */
