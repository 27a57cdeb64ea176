/* ch_png.h -- PNG rendering of a chart's drawing list through cairo.
 *
 * The list (CSS px) is drawn at `scale` (2 for crisp images on high-density
 * screens; the caller declares the 1x size to the frontend) on a white
 * ARGB32 image surface, text with DejaVu Sans through cairo's toy font API
 * (fontconfig picks the file; Debian's fonts-dejavu-core provides it).
 * Strings are sanitised to valid UTF-8 first, as cairo requires.
 *
 * Ownership: *png is malloc'ed and freed by the caller with free().
 */
#ifndef CH_PNG_H
#define CH_PNG_H

#include <stddef.h>
#include "ch_draw.h"
#include "yt_err.h"

/* Render to PNG bytes in memory.  Returns 0, or -1 with err. */
int ch_png_render(const struct ch_draw *d, double scale, unsigned char **png,
                  size_t *len, char err[YTK_ERR_LEN]);

/* Write bytes to `path` with yt_file_write (atomic, mode 0666 minus the
 * umask; the directory must exist).  Returns 0 or -1 with
 * err naming the path and the system error. */
int ch_png_write_file(const char *path, const unsigned char *png, size_t len,
                      char err[YTK_ERR_LEN]);

#endif /* CH_PNG_H */
