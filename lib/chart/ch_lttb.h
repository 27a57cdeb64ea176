/* ch_lttb.h -- Largest-Triangle-Three-Buckets downsampling (S. Steinarsson,
 * "Downsampling Time Series for Visual Representation", 2013; reference
 * implementation flot-downsample).
 *
 * Input: n points sorted by x, read from `xy` with a stride (in doubles):
 * point i is (xy[i*stride], xy[i*stride + 1]).  Output: the indices of the
 * kept points, ascending, written to caller-provided `out` (room for
 * `threshold` entries).  The first and last points are always kept.  O(n),
 * no allocation.
 */
#ifndef CH_LTTB_H
#define CH_LTTB_H

#include <stddef.h>

/* Returns the number of indices written: n when n <= threshold or
 * threshold < 3 (all points kept, 0..n-1), else threshold. */
size_t ch_lttb(const double *xy, size_t stride, size_t n, size_t threshold,
               size_t *out);

#endif /* CH_LTTB_H */
