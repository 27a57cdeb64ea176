/* yt_recipe.h -- what %yt_fetch asks the engine (yt_fetch.h) to do for one
 * fetch of the Data API, as data and page callbacks: the main listing
 * (paginated, resume point saved with every page), ids in batches of 50 (or
 * one listing per id, side by side), and the pipelined recipes:
 *
 *   uploads          channels.list (1 unit) finds the uploads playlist; its
 *                    pages feed videos.list batches of 50 that go out while
 *                    the playlist keeps paging;
 *   --with-channels  subscriptions pages feed channels.list batches;
 *   comment threads  threads with more replies than the 5 embedded are
 *                    completed with comments.list while thread pages keep
 *                    coming.
 *
 * Resume: the main listing's next page token and phase are saved in the
 * page's own transaction (_ytk_fetch_state); finished id batches and
 * listings go to the done set (_ytk_fetch_done).  A resumed recipe first
 * re-issues the batches for rows stored by the stopped run that were not
 * done yet, then continues the listing from its token with its item count
 * restored (so --limit holds across runs).
 *
 * Nothing here reads %yt_fetch's options: the magic fills a struct
 * yt_recipe_plan once.
 *
 * Ownership: the plan's strings and ids are borrowed for the job's life.
 * The job owns its counters and pending ids; yt_recipe_job_free releases.
 */
#ifndef YT_RECIPE_H
#define YT_RECIPE_H

#include <sqlite3.h>

#include "yt_api.h"
#include "yt_buf.h"
#include "yt_fetch.h"
#include "yt_store.h"

#define YT_RECIPE_BATCH 50

enum yt_recipe_kind {
    YT_RECIPE_NONE = 0,
    YT_RECIPE_UPLOADS,      /* channel -> uploads playlist -> videos */
    YT_RECIPE_SUBS_CHANNELS /* subscriptions + their channels */
};

struct yt_recipe_plan {
    enum yt_recipe_kind recipe;
    const struct yt_api_method *m; /* method of the main rows (videos for
                                      uploads) */
    const char *params;            /* encoded part + filters */
    const char *table;             /* table of the main rows */
    const char *comments_table;    /* comment threads: replies go here */
    char **ids;                    /* --ids resolved (may be NULL) */
    long nids;
    const char *ids_param;   /* API filter the ids go into ("id") */
    int ids_batch;           /* 50 per call, else one listing per id */
    long limit;              /* --limit, -1 none */
    const char *chan_params; /* uploads: channels.list filter */
    const char *key;         /* resume key, may be NULL */
    const char *desc;        /* its description for %yt_fetch status */
};

struct yt_recipe_job; /* opaque */

/* Counts of one table written by the job. */
struct yt_recipe_count {
    const char *table;
    long rows;
};

/* Create a job.  `started_at` is this run's start, or the stopped run's
 * when resuming (rows fetched since then belong to the fetch).  NULL on
 * out of memory. */
struct yt_recipe_job *yt_recipe_job_new(sqlite3 *db,
                                        const struct yt_recipe_plan *p,
                                        const char *started_at);
void yt_recipe_job_free(struct yt_recipe_job *j);

/* Run the whole fetch on engine e.  st is the saved state when resuming
 * (NULL otherwise).  Returns a YT_FETCH_* result; on YT_FETCH_E_FATAL
 * because of the recipe itself (no channel found, store failure) msg says
 * why (msg[0] == '\0' when the engine's failed hook already reported). */
int yt_recipe_run(struct yt_recipe_job *j, struct yt_fetch *e,
                  const struct yt_store_state *st, char msg[YTK_ERR_LEN]);

/* ---- Results ---- */
long yt_recipe_items(const struct yt_recipe_job *j);   /* main + batches */
long yt_recipe_missing(const struct yt_recipe_job *j); /* ids not returned */
long yt_recipe_total_results(const struct yt_recipe_job *j);
int yt_recipe_search_capped(const struct yt_recipe_job *j);
long yt_recipe_est_pages(const struct yt_recipe_job *j); /* -1 unknown */
const char *yt_recipe_phase(const struct yt_recipe_job *j);
/* Tables written (in first-written order); n receives the count. */
const struct yt_recipe_count *yt_recipe_counts(const struct yt_recipe_job *j,
                                               int *n);
/* The dry run: the planned calls of p (one "GET method?params" line and
 * one line saying how many calls and units each) appended to t, the
 * estimated units in *total and whether that is exact (*known = 1) or a
 * lower bound.  video_count: the uploads recipe's channel videoCount when
 * the store knows it, else -1.  It counts what yt_recipe_run spends.
 * Returns 0, or -1 when an append failed. */
int yt_recipe_estimate(const struct yt_recipe_plan *p, long video_count,
                       int parallel, struct yt_buf *t, long *total, int *known);

#endif /* YT_RECIPE_H */
