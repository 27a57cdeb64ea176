/* ch_palette.h -- colours of a chart: a colour-blind-safe categorical
 * palette (Okabe & Ito, "Color Universal Design", 2008, ordered for contrast
 * on white, yellow darkened to stay readable) and the neutral greys of axes,
 * grid and text.  Constant data; nothing to free.
 */
#ifndef CH_PALETTE_H
#define CH_PALETTE_H

#include <stdint.h>

#define CH_PALETTE_SIZE 8

#define CH_COLOUR_TEXT 0x222222u  /* titles, labels */
#define CH_COLOUR_MUTED 0x555555u /* tick labels, captions */
#define CH_COLOUR_AXIS 0x888888u  /* axis line and tick marks */
#define CH_COLOUR_GRID 0xe5e5e5u  /* grid lines */

/* Colour of series i (0xRRGGBB); wraps after CH_PALETTE_SIZE. */
uint32_t ch_palette(int i);

#endif /* CH_PALETTE_H */
