/* mg_yt_analytics.h -- `%yt_fetch analytics [PRESET] ...`: YouTube
 * Analytics API v2 reports into a typed table, on the fetch engine
 * (yt_fetch: same retries, token refresh and request log as the Data API).
 * The report model (presets, parameters, columns) is lib/google/
 * yt_analytics; this file reads %yt_fetch's options and renders results.
 *
 * %yt_fetch's option table (mg_yt_fetch.c) holds the options used here:
 * metrics, dimensions, filters, sort, start, end, last, max-results,
 * currency, video, channel, into, dry-run, token-file, show.
 */
#ifndef MG_YT_ANALYTICS_H
#define MG_YT_ANALYTICS_H

#include "mg_registry.h"

/* The help block listed in %help yt_fetch (a string literal). */
#define MG_YT_ANALYTICS_HELP                                                   \
    "YouTube Analytics (your own channel; needs OAuth, see %yt_auth):\n"       \
    "  analytics PRESET [--last 90d | --start D [--end D]] [--into T]\n"       \
    "  analytics --metrics M[,M] [--dimensions D[,D]] [--filters "             \
    "video==ID;country==US]\n"                                                 \
    "            [--sort -views] [--max-results N] [--currency EUR] "          \
    "[--channel UC..]\n"                                                       \
    "    presets: daily, top-videos, traffic, geography, devices, "            \
    "demographics,\n"                                                          \
    "    retention --video ID; dates YYYY-MM-DD, today, yesterday, -Nd; "      \
    "default\n"                                                                \
    "    --last 28d.  Columns are typed (INTEGER/REAL by Google's "            \
    "dataType), snake_case;\n"                                                 \
    "    rows are keyed by their dimensions, so refetching replaces them.\n"   \
    "    No Data API quota is spent.  Statistics of every videos/channels "    \
    "fetch are\n"                                                              \
    "    also appended to video_stats_history / channel_stats_history "        \
    "(views\n"                                                                 \
    "    video_stats_change / channel_stats_change: gains between "            \
    "fetches).\n"

/* Tab after `%yt_fetch analytics`: add(arg, name) for every preset. */
void mg_yt_analytics_complete(void (*add)(void *arg, const char *word),
                              void *arg);

/* Run `%yt_fetch analytics ...` (positional 0 is "analytics", 1 the
 * optional preset).  Returns 0, or -1 after kn_exec_fail. */
int mg_yt_fetch_analytics(struct mg_ctx *c, const struct mg_args *a);

#endif /* MG_YT_ANALYTICS_H */
