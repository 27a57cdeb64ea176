/* ch_svg.h -- flat SVG output of a chart's drawing list, and the SVG text
 * escaper every string bound for SVG goes through.
 *
 * The SVG is self-contained and "flat" (see shared display rules): one <svg>
 * with xmlns, width, height and viewBox, a <title> and <desc>, a white
 * background rect, real <text> elements, presentation attributes only; no
 * scripts, <style>, ids, external references or fonts.  Coordinates carry
 * one decimal.  Runs of circles with the same style share one <g>.
 *
 * Ownership: output is appended to a caller-owned yt_buf.
 */
#ifndef CH_SVG_H
#define CH_SVG_H

#include "ch_draw.h"
#include "yt_buf.h"

/* Append `s` (len bytes, or strlen(s) when len < 0) to b, escaped for SVG
 * text content and attribute values: & < > " ' become entities; invalid
 * UTF-8 becomes U+FFFD; characters XML forbids (C0 controls other than tab,
 * newline and carriage return, U+FFFE, U+FFFF) and C1 controls are dropped;
 * tab, newline and carriage return become spaces.  The result is valid UTF-8
 * and well-formed as XML character data (yt_escape with YT_ESC_SVG).
 * Returns 0, or the yt_buf code when the buffer fails. */
int ch_svg_escape(struct yt_buf *b, const char *s, long len);

/* Write the whole SVG document for `d` to `out`.  `title` and `desc` (may be
 * NULL) become <title> and <desc>.  Returns 0, -1 when out of memory or over
 * the buffer cap. */
int ch_svg_render(const struct ch_draw *d, const char *title, const char *desc,
                  struct yt_buf *out);

#endif /* CH_SVG_H */
