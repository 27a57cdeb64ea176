/* yt_schema.h -- the shape of the store: the typed columns each Data API
 * resource kind is flattened into, the pure JSON item -> row flattening and
 * ISO-8601 durations.  The store (yt_store) depends on it; yt_api.h
 * includes it, so the names keep their yt_api_ prefix.
 *
 * Everything here is pure (no I/O, no globals that change), so it is unit
 * tested and fuzzed directly.
 *
 * Ownership: column tables are static and never freed.  yt_api_flatten()
 * fills a caller-provided struct yt_api_row whose strings it allocates;
 * release them with yt_api_row_free().  Functions never keep the cJSON
 * pointers they are given.
 */
#ifndef YT_SCHEMA_H
#define YT_SCHEMA_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "yt_err.h"

/* ---- Resource kinds (one SQLite table shape each) ---- */
enum yt_api_kind {
    YT_KIND_CHANNEL = 0,
    YT_KIND_PLAYLIST,
    YT_KIND_PLAYLIST_ITEM,
    YT_KIND_VIDEO,
    YT_KIND_SEARCH,
    YT_KIND_COMMENT_THREAD,
    YT_KIND_COMMENT,
    YT_KIND_SUBSCRIPTION,
    YT_KIND_ACTIVITY,
    YT_KIND_VIDEO_CATEGORY,
    YT_KIND_REGION,
    YT_KIND_LANGUAGE,
    YT_KIND_COUNT
};

/* How a column's value is taken from an item. */
enum yt_api_conv {
    YT_CONV_TEXT = 0,  /* string (numbers/bools printed as JSON) */
    YT_CONV_INT,       /* integer, or a string holding one ("1234") */
    YT_CONV_BOOL,      /* true/false (or "true"/"false") -> 1/0 */
    YT_CONV_JSON,      /* any value serialised as compact JSON text */
    YT_CONV_DURATION_S /* ISO-8601 duration string -> seconds */
};

struct yt_api_col {
    const char *name;    /* SQLite column name */
    const char *sqltype; /* "TEXT" or "INTEGER" */
    enum yt_api_conv conv;
    /* Dotted JSON path in the item; alternatives separated by '|', the first
     * present one wins, e.g.
     * "contentDetails.videoId|snippet.resourceId.videoId". */
    const char *path;
};

struct yt_api_kind_info {
    const char *name;              /* "videos" ... (default table name) */
    const char *api_kind;          /* "youtube#video" (item kind) */
    const struct yt_api_col *cols; /* cols[0] is the primary key */
    int ncols;
};

const struct yt_api_kind_info *yt_api_kind_get(enum yt_api_kind k);

/* ---- Rows ---- */
enum yt_api_vtype { YT_V_NULL = 0, YT_V_INT, YT_V_TEXT };

struct yt_api_val {
    enum yt_api_vtype type;
    long long i;
    char *s; /* owned, YT_V_TEXT only */
};

struct yt_api_row {
    int n;                   /* == kind's ncols */
    struct yt_api_val *vals; /* owned */
};

/* Flatten one API item into a row of kind k's columns.  Values absent from
 * the item (hidden counts, parts not requested) are NULL.  Returns 0, or -1
 * with err when the item is not an object or has no usable primary key (the
 * row is then empty and needs no free, but freeing it is harmless). */
int yt_api_flatten(enum yt_api_kind k, const cJSON *item,
                   struct yt_api_row *row, char err[YTK_ERR_LEN]);
void yt_api_row_free(struct yt_api_row *row);

/* Column index of `name` in kind k, -1 when absent. */
int yt_api_col_index(enum yt_api_kind k, const char *name);

/* ---- Durations ---- */

/* ISO-8601 duration (PnW, PnDTnHnMnS; fractional seconds truncated) to
 * seconds.  Returns -1 when malformed or when it uses years/months (not
 * fixed lengths). */
long long yt_api_duration_seconds(const char *iso);

#endif /* YT_SCHEMA_H */
