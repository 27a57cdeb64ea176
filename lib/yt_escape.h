/* yt_escape.h -- the one escaper for text bound for HTML or SVG (XML).
 *
 * Every string from outside (API titles, SQL values, chart labels) goes
 * through yt_escape before it is written into markup; mg_html_escape
 * (magics) and ch_svg_escape (charts) are its two presets.  Always: the five
 * characters & < > " ' become entities, invalid UTF-8 becomes U+FFFD, the
 * characters XML 1.0 forbids (C0 controls other than tab, newline and
 * carriage return; U+FFFE, U+FFFF) are dropped, so the output is valid UTF-8
 * and well-formed character data for both text and attribute values.
 * Flags add what one destination needs on top.
 *
 * Ownership: output is appended to a caller-owned yt_buf; nothing else is
 * allocated.
 */
#ifndef YT_ESCAPE_H
#define YT_ESCAPE_H

#include "yt_buf.h"

/* `$` becomes <span>$</span> so MathJax leaves HTML text alone. */
#define YT_ESC_DOLLAR 0x1u
/* Tab, newline and carriage return become a space (SVG labels). */
#define YT_ESC_WS_SPACE 0x2u
/* DEL and the C1 controls (U+0080..U+009F) are dropped too. */
#define YT_ESC_NO_C1 0x4u

#define YT_ESC_HTML YT_ESC_DOLLAR /* HTML text */
#define YT_ESC_HTML_ATTR 0u       /* HTML attribute values */
#define YT_ESC_SVG (YT_ESC_WS_SPACE | YT_ESC_NO_C1)

/* Append `s` (len bytes, or strlen(s) when len < 0; NULL appends nothing)
 * to b, escaped as above.  The buffer holds a string afterwards even when
 * nothing was appended.  Returns 0, or the yt_buf code (YTK_E_NOMEM /
 * YTK_E_TOOBIG) when the buffer fails. */
int yt_escape(struct yt_buf *b, const char *s, long len, unsigned flags);

#endif /* YT_ESCAPE_H */
