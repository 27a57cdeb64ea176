/* ch_vega.h -- the Vega-Lite v5 back end of the chart model.
 *
 * ch_vega_spec() writes a laid-out chart (ch_chart_layout) as a Vega-Lite v5
 * specification with its data inline: the interactive view JupyterLab 4,
 * Notebook 7 and VS Code draw from `application/vnd.vegalite.v5+json`, with
 * tooltips.  It shows what the static back ends show: the same kinds and
 * options, the Okabe-Ito palette in the same series order, compact number
 * formats (12K, 3.4M) on axes and in tooltips, titles, notes and source,
 * and the names layout wrote beside labelled points (chart.labels).
 *
 * Data are the same reduction as the drawing (the points layout kept after
 * LTTB or pixel-cell thinning, bars, bins, box statistics), further thinned
 * to at most CH_VEGA_MAX_ROWS rows, and the printed spec never exceeds
 * CH_VEGA_MAX_BYTES: past it the rows are halved until it fits, and the
 * spec says so in its subtitle.  Text from the data (titles, names) is only
 * ever a JSON string value, never markup.
 *
 * Ownership: *json is malloc'ed, the caller frees it; the chart is only
 * read.  Returns 0, or -1 with a message in err (out of memory, the chart
 * was not laid out, or no size under the cap).
 */
#ifndef CH_VEGA_H
#define CH_VEGA_H

#include <stddef.h>

#include "ch_chart.h"

#define CH_VEGA_MAX_ROWS 5000           /* data rows in one spec */
#define CH_VEGA_MAX_BYTES (1024 * 1024) /* hard cap on the printed spec */

int ch_vega_spec(const struct ch_chart *c, char **json, size_t *len,
                 char err[YTK_ERR_LEN]);

/* The same with a caller-chosen byte cap (tests); max_bytes >= 1024. */
int ch_vega_spec_capped(const struct ch_chart *c, size_t max_bytes, char **json,
                        size_t *len, char err[YTK_ERR_LEN]);

#endif /* CH_VEGA_H */
