#!/usr/bin/env python3
"""gen-notebooks.py -- write notebooks/0[123]-*.ipynb (without outputs) from
the cell texts below.

The notebooks' prose and code live here so they are reviewed as text; the
committed .ipynb files are the output of a `make demo` run copied back by
scripts/refresh-notebooks.sh (they keep the outputs of that emulator run).
Workflow after editing this file:

    .venv/bin/python scripts/gen-notebooks.py && make demo && scripts/refresh-notebooks.sh

Run with the project's venv (needs nbformat).
"""
import os
import sys

import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "notebooks")

NOTE = (
    "> **About the outputs saved in this file.** They come from a run of "
    "`make demo`, which executes the three notebooks headless against the "
    "project's offline emulator of Google's OAuth and YouTube Data API "
    "(a synthetic channel, *Ytk Demo Lab*, with made-up subscriptions, "
    "uploads, a most-popular chart and YouTube Analytics reports). The notebook itself does not know which "
    "service it talks to: run it with your own Google credentials and every "
    "output below is replaced by yours. No token or secret is ever printed, "
    "so these outputs are safe to share."
)

# Parameters of notebooks 2 and 3: a cell tagged `parameters` holding %set
# lines; papermill injects its own %set lines after it
# (papermill-ytkernel/README.md).
PARAMS_MD = """### Parameters

The next cell sets the notebook's parameters as kernel variables (`%set NAME = VALUE`). The cells below use them as `:name` in SQL (bound as a value, never pasted into the query) and as `{name}` in magic lines and chart titles. Run the notebook for another region with papermill, which adds its own `%set` lines after this cell:

```sh
papermill 03-visualization.ipynb out.ipynb -p region GB -p days 365
```"""

NB2_PARAMS = """-- region of the trending chart (ISO 3166-1 alpha-2 code)
%set region = 'US'
-- the summary at the end also counts the uploads of this many days (before
-- the newest upload)
%set days = 3650
-- whose uploads: mine, or handle=@name for any public channel (it becomes
-- the option --mine or --handle=@name of %yt_fetch)
%set channel = mine"""

NB3_PARAMS = """-- region of the trending chart studied in questions 2 and 3
%set region = 'US'
-- question 6 covers the uploads of this many days (before the newest upload)
%set days = 3650"""

# ---------------------------------------------------------------- notebook 1
NB1 = [
    ("md", """# 1 · Token acquisition: signing in to YouTube with OAuth 2.0

""" + NOTE + """

This is the first of three notebooks:

1. **Token acquisition** (this one): get permission to read your YouTube data and keep it in a token file.
2. **Data acquisition**: download your channel, your uploads, your subscriptions, the most-popular chart and your channel's day-by-day YouTube Analytics reports into a local SQLite database.
3. **Visualization**: answer questions about that data with SQL and charts.

Every cell in these notebooks is either **SQL** (run against the local SQLite store in `$YTK_HOME/store.sqlite`) or a **magic** starting with `%`. Type `%help` or `%yt_auth?` in a cell for the full usage of any magic."""),
    ("md", """## What OAuth 2.0 is, in one paragraph

Your YouTube data belongs to your Google account. A program that wants to read it must not see your password; instead it asks **Google** to ask **you**. OAuth 2.0 is that conversation between three parties:

| who | here |
|---|---|
| the *resource owner* | you |
| the *client* (the program asking) | this kernel, identified by the OAuth client you registered in Google Cloud (`client_secret.json`) |
| the *authorization server* and the *APIs* | Google's sign-in pages, the YouTube Data API v3 and the YouTube Analytics API v2 |

The result of the conversation is two strings: an **access token**, which the kernel sends with every API request and which expires after about an hour, and a **refresh token**, which lets the kernel get a new access token without asking you again. Both are saved in `$YTK_HOME/token.json` (readable only by you, never shown in a notebook).

The flow used here is the *authorization code flow with PKCE* for desktop apps, the one Google recommends for programs running on your own computer:

1. The kernel makes a random secret (the *code verifier*) and sends only its SHA-256 hash (the *code challenge*) with the sign-in request, plus a random `state`.
2. Your browser opens Google's consent page; you sign in and allow access to your YouTube data.
3. Google redirects your browser to a one-shot web server the kernel runs on `127.0.0.1` (a *loopback redirect*), carrying a one-time **authorization code** and the same `state`.
4. The kernel checks the `state` and exchanges the code **plus the original verifier** for the tokens. Someone who intercepted the code could not use it without the verifier.

The older copy/paste ("out-of-band") flow that the original version of this project used is blocked by Google since 2022."""),
    ("md", """## Step 0 · Register a client (once, by hand)

With a real Google account:

1. In the [Google Cloud Console](https://console.cloud.google.com/) create a project and enable **YouTube Data API v3**.
2. Configure the **OAuth consent screen** (type *External*, add yourself as a test user).
3. Create credentials → **OAuth client ID** → application type **Desktop app**, and download its JSON.
4. Save that file as **`$YTK_HOME/client_secret.json`** (by default `~/.local/share/ytkernel/client_secret.json`), or pass `--client-secrets FILE` to the login below.

`make demo` and `make lab` put the emulator's own client file there, so nothing is needed for a trial run.

The next cell shows what the kernel knows before signing in: whether a token exists yet, and where it will be saved. Whatever `status` prints, it never prints a secret: tokens and the client secret are always redacted."""),
    ("code", "%yt_auth status"),
    ("md", """## Step 1 to 4 · Sign in

This one cell performs the whole flow above: it prepares PKCE and `state`, starts the loopback listener, shows the sign-in link (and opens it in your browser), waits for Google's redirect, exchanges the code, and saves `token.json`.

We ask for three scopes. `youtube.readonly` lets the kernel list your channel, uploads, subscriptions and public data, and nothing more. Google also requires `youtube.force-ssl` to read comment threads with OAuth (notebook 2 reads the comments of one of your videos); it is a wider permission, so drop it from the list if you do not need comments: the kernel only ever makes read (list) calls. `yt-analytics.readonly` lets the kernel read your channel's **YouTube Analytics** reports (views and watch time per day, traffic sources, audience), which notebook 2 downloads; it gives no access to revenue (that would be `yt-analytics-monetary.readonly`). With a real account, enable the *YouTube Analytics API* in the same Cloud project too. If your browser runs on another machine, use `%yt_auth login --manual` (paste the redirected URL when asked) or `%yt_auth device` (enter a short code on any device)."""),
    ("code", "%yt_auth login --scopes youtube.readonly,youtube.force-ssl,yt-analytics.readonly"),
    ("md", """## Step 5 · Check the result

`status` now shows which account is signed in, the granted scopes, whether YouTube Analytics reports are allowed, and when the access token expires; the tokens themselves stay redacted."""),
    ("code", "%yt_auth status"),
    ("md", """## Refreshing

An access token lives about one hour. When it is about to expire, or when the API answers **401 Unauthorized**, the kernel uses the refresh token to get a new one and retries the request once: you will see this happen in notebook 2 without doing anything. You can also refresh by hand: the new access token expires about an hour after the refresh (here the login was seconds ago, so the time barely moves) and the refresh token stays the same."""),
    ("code", "%yt_auth refresh"),
    ("md", """## When something goes wrong

* **`invalid_grant` on refresh**: the refresh token is no longer valid. Either you revoked access (in your Google account's security settings, or with `%yt_auth revoke`), or your OAuth app is still in *Testing* publishing status, where Google expires refresh tokens after **7 days**. The kernel says which is likely; run `%yt_auth login` again (or publish the app to stop the weekly expiry).
* **`access_denied`**: you clicked *Cancel* on the consent page; run the login again.
* **The browser never came back**: the listener waits a few minutes and can be stopped with the ⏹ (interrupt) button; then try `--manual` or `device`.

To sign out for good, `%yt_auth revoke` asks Google to invalidate the tokens and `%yt_auth logout` deletes `token.json`. We do not run them here, because notebooks 2 and 3 need the token.

➡ Next: **`02-data-acquisition.ipynb`**."""),
]

# ---------------------------------------------------------------- notebook 2
NB2 = [
    ("md", """# 2 · Data acquisition: from the YouTube Data API into SQLite

""" + NOTE + """

This notebook downloads the data that notebook 3 studies and stores it in the local SQLite database `$YTK_HOME/store.sqlite`. It needs the token saved by notebook 1.

Each `%yt_fetch` cell calls the API as cheaply as possible, follows every page of results for you, and writes each page to a table as it arrives, with one row per item, typed columns (`view_count INTEGER`, `published_at` as ISO-8601 text, durations in seconds...) and the full JSON of the item in `raw`. Fetching again refreshes the rows instead of duplicating them.

### What it costs: the quota

Google gives every project **10,000 quota units per day**, reset at midnight Pacific time. Almost every *list* call costs **1 unit** for up to 50 items; a **search costs 100**. So the order of magnitude for this notebook is a few dozen units. The kernel counts every call it makes; `%yt_fetch quota` shows today's total, and `--dry-run` shows what a fetch would cost before spending anything."""),
    ("md", PARAMS_MD),
    ("params", NB2_PARAMS),
    ("code", "%yt_fetch quota"),
    ("md", """## My channel

One call (`channels.list` with `mine=true`, **1 unit**) returns your channel: its title, statistics and the id of its *uploads playlist*, which lists every video you published. It goes into the table `channels`. (`--{channel}` is `--mine` with the default parameters; `{channel}` is replaced by the value of the variable.)"""),
    ("code", "%yt_fetch channels --{channel}"),
    ("md", """## My uploads, with their statistics

The expensive way to list a channel's videos is `search.list` (**100 units** per page of 50, and capped near 500 results). The `uploads` recipe walks the uploads playlist instead (`playlistItems.list`, **1 unit** per 50 videos) and then asks for the statistics and durations of those videos 50 at a time (`videos.list`, **1 unit** per 50). For a channel with 300 videos that is 1 (finding the playlist) + 6 + 6 = 13 units, where search would cost over 600.

Let's see the plan and its cost first: `--dry-run` calls nothing."""),
    ("code", "%yt_fetch uploads --{channel} --dry-run"),
    ("code", "%yt_fetch uploads --{channel} --into my_uploads"),
    ("md", """### When the server fails or the token expires

Look at the summary of the fetch above: it may mention retries. Long collections meet two kinds of passing trouble, which the kernel handles without stopping, and some lasting ones:

* **An expired access token** (HTTP 401): the kernel refreshes it with the refresh token from notebook 1 and retries the same request once. If the refresh itself fails (`invalid_grant`), it stops and explains what to run.
* **A server error** (HTTP 500/503, or 429 / `rateLimitExceeded`): it waits and retries with exponential backoff and random jitter, honouring `Retry-After`, a bounded number of times.
* Errors that retrying cannot fix stop the fetch with the API's own reason and a hint: `quotaExceeded` (wait for the daily reset), `insufficientPermissions` (log in with a wider scope), `keyInvalid`... Per-item problems, such as a video whose comments are disabled, are skipped and listed at the end.

Whatever was fetched before a stop stays in the table (each page is committed as it arrives), and `--resume` continues a stopped fetch from its saved page.

Every call is recorded, with its status and cost, in the request log table `_ytk_requests` (parameters are stored without any key or token), so what happened can be checked afterwards with SQL. First, every call that did not succeed at once, in order: an `authError` (401) with outcome `auth` is an expired access token, which was refreshed before the call was sent again; `backendError` (503) or `internalError` (500) with outcome `retry` is a server error that was retried after a pause. No rows means nothing went wrong."""),
    ("code", """SELECT time, method, status, reason, outcome
FROM _ytk_requests
WHERE outcome <> 'ok'
ORDER BY id;"""),
    ("md", """And all calls so far, grouped by method and result, with the quota units the kernel counted for them:"""),
    ("code", """SELECT method, status, outcome, count(*) AS calls, sum(quota_units) AS units,
       sum(item_count) AS items
FROM _ytk_requests
GROUP BY method, status, outcome
ORDER BY method, status;"""),
    ("md", """## My subscriptions and the channels behind them

`subscriptions.list(mine=true)` gives the channels you follow (**1 unit** per 50), but not their statistics. The `--with-channels` recipe then asks `channels.list` for those channels 50 ids at a time (**1 unit** per 50). Subscriptions go into `subscriptions`, the channels next to yours in `channels`. For 60 subscriptions that is 2 + 2 = 4 units; the original project made one `channels` call per subscription, which would cost 62."""),
    ("code", "%yt_fetch subscriptions --mine --with-channels"),
    ("md", """## The most-popular chart and its categories

`videos.list(chart=mostPopular, regionCode={region})` returns a region's *most popular* chart: up to 200 videos, 50 per call (**1 unit** each). What that chart holds changed in July 2025, when YouTube retired its Trending page: according to the Data API's revision history (10 July 2025), the chart used to mirror the Trending list and now draws on YouTube's **Trending Music, Movies and Gaming** charts. So it is a popularity chart of a few kinds of videos, not "what is trending" in general. The table keeps the name `trending` of the original project. Videos only carry a category *id*, so we also fetch the category names for the region (`videoCategories.list`, **1 unit**). The region is the `region` parameter (US unless papermill was given another one)."""),
    ("code", "%yt_fetch videos --chart mostPopular --region {region} --into trending"),
    ("code", "%yt_fetch video_categories --region {region}"),
    ("md", """## Comments on my most discussed video

Comment threads come 100 per call (**1 unit**), each with at most 5 replies embedded; the kernel completes longer reply chains with `comments.list` (threads go into `comment_threads`, the completed replies into `comments`). Which video to read can come from a SQL query: first, which uploads have the most comments?"""),
    ("code", """SELECT video_id, title, comment_count
FROM my_uploads
ORDER BY comment_count DESC
LIMIT 3;"""),
    ("code", '%yt_fetch comment_threads --ids "SELECT video_id FROM my_uploads ORDER BY comment_count DESC LIMIT 1"'),
    ("md", """## My channel day by day: YouTube Analytics

The Data API gives lifetime totals (a video's views *today*). How a channel does **day by day**, where its viewers come from and how long they watch lives in the **YouTube Analytics API v2** (`reports.query`), which only the channel's owner can ask, with the `yt-analytics.readonly` scope from notebook 1. It does not spend Data API quota units.

`%yt_fetch analytics PRESET --last 90d` asks one report over the last 90 days and stores it in a table whose columns come from the report itself: the dimensions as text (days as `YYYY-MM-DD`), the metrics as integers or decimals as Google types them. The newest two or three days are always missing: YouTube needs that long to count them. `%help yt_fetch` lists the presets; `--metrics`, `--dimensions`, `--filters` and `--sort` ask any other report. `daily` is one row per day: views, minutes watched, average view duration, subscribers gained and lost, likes, comments, shares."""),
    ("code", "%yt_fetch analytics daily --last 90d"),
    ("md", """`top-videos` ranks the videos of the same 90 days by views, with their watch time and the average share of each video that viewers watched (Google allows at most 200 rows for a report by video)."""),
    ("code", "%yt_fetch analytics top-videos --last 90d"),
    ("md", """`traffic` splits the views by where viewers found the videos: YouTube search, suggested videos, browse features, external sites, playlists..."""),
    ("code", "%yt_fetch analytics traffic --last 90d"),
    ("md", """## The chart again: statistics history

`videos`, `my_uploads` and `trending` keep one row per video: each fetch replaces the counts, so they always show the latest numbers. To see *change*, every fetch that brings statistics also appends one row per video (or channel) to the history tables `video_stats_history` and `channel_stats_history`, which are never overwritten. Fetching the same chart again adds a second point for every video still on it, and the view `video_stats_change` gives the views each video gained between consecutive fetches.

Run the next cell again tomorrow, or next week, to build your own time series. (In the saved demo run, the emulator's clock moved forward one day between the two fetches, so the gains below are one day's worth; fetched seconds apart from the real service, they would be almost zero.)"""),
    ("code", "%yt_fetch videos --chart mostPopular --region {region} --into trending"),
    ("md", """How many times has each video been seen? Your uploads once (notebook 2 fetched them once), the chart's videos twice:"""),
    ("code", """SELECT fetches, count(*) AS videos
FROM (SELECT video_id, count(*) AS fetches
      FROM video_stats_history
      GROUP BY video_id)
GROUP BY fetches
ORDER BY fetches;"""),
    ("code", """SELECT t.title, c.view_count, c.views_gained
FROM video_stats_change c
JOIN trending t USING (video_id)
ORDER BY c.views_gained DESC
LIMIT 5;"""),
    ("md", """## What we have now

Everything lives in ordinary SQLite tables that any tool can read (the `sqlite3` shell, Python, R, DBeaver...). `%yt_fetch export TABLE FILE.csv` writes one out as CSV, JSON or NDJSON."""),
    ("code", """SELECT 'channels' AS "table", count(*) AS "rows" FROM channels
UNION ALL SELECT 'my_uploads', count(*) FROM my_uploads
UNION ALL SELECT 'my_uploads, last ' || :days || ' days', count(*) FROM my_uploads
  WHERE published_at >= (SELECT date(max(published_at), '-' || :days || ' days')
                         FROM my_uploads)
UNION ALL SELECT 'trending (' || :region || ')', count(*) FROM trending
UNION ALL SELECT 'subscriptions', count(*) FROM subscriptions
UNION ALL SELECT 'analytics_daily', count(*) FROM analytics_daily
UNION ALL SELECT 'analytics_top_videos', count(*) FROM analytics_top_videos
UNION ALL SELECT 'analytics_traffic', count(*) FROM analytics_traffic
UNION ALL SELECT 'video_stats_history', count(*) FROM video_stats_history
UNION ALL SELECT 'video_categories', count(*) FROM video_categories
UNION ALL SELECT 'comment_threads', count(*) FROM comment_threads
UNION ALL SELECT 'comments', count(*) FROM comments;"""),
    ("md", """And the whole session cost this much quota (compare with the 10,000 units of a day):"""),
    ("code", "%yt_fetch quota"),
    ("md", """➡ Next: **`03-visualization.ipynb`**, which reads these tables in a new kernel session."""),
]

# ---------------------------------------------------------------- notebook 3
def plot(kind, name, opts, sql):
    return ("code", f"%%yt_plot {kind} {opts} --save images/{name}.png --format both\n{sql}")


NB3 = [
    ("md", """# 3 · Visualization: questions about my YouTube data

""" + NOTE + """

This notebook reads the tables that notebook 2 stored in `$YTK_HOME/store.sqlite`. Each section asks one question in plain words, answers it with a SQL query (all the counting and averaging happens in the database), draws the answer with `%yt_plot`, and saves the chart as `images/<question>.png` (and `.svg`) next to this notebook so it can be reused in a report.

The first three questions are those of the original 2017 project (which answered them with Tableau); questions 4 to 6 are about your own uploads, and questions 7 to 10 about your channel day by day (YouTube Analytics) and about how the chart changes between two fetches.

A word on the "trending" table: it is the Data API's *most popular* chart of a region. Since July 2025, when YouTube retired its Trending page, that chart draws on YouTube's Trending Music, Movies and Gaming charts (Data API revision history, 10 July 2025), so questions 2 and 3 describe those charts, not a general trending list."""),
    ("md", PARAMS_MD),
    ("params", NB3_PARAMS),
    ("md", """Questions 2 and 3 study the most-popular chart of `region`. Notebook 2 stored the chart of its own region; so that this notebook answers for the region of its parameters, it fetches that chart again (5 calls, **5 units**), replacing the rows in `trending`:"""),
    ("code", """DELETE FROM trending;
%yt_fetch videos --chart mostPopular --region {region} --into trending --show 0
%yt_fetch video_categories --region {region} --show 0"""),
    ("md", """## Question 1 · Among my subscriptions, who has the most subscribers, and do they also have the most views?

Subscriptions are joined with the `channels` table, which holds the statistics of each subscribed channel. Each bubble is a channel you subscribe to: its position shows subscribers (across) and total views (up), its size the number of videos. Both axes are logarithmic because channel sizes span several orders of magnitude. In JupyterLab, hover a bubble to see which channel it is (the `title` column becomes its tooltip); `--label title` writes the names of the six largest bubbles beside them, so the saved PNG names them too."""),
    ("code", """SELECT c.title, c.subscriber_count, c.view_count, c.video_count
FROM subscriptions s
JOIN channels c ON c.channel_id = s.channel_id
WHERE c.subscriber_count IS NOT NULL
ORDER BY c.subscriber_count DESC
LIMIT 5;"""),
    plot("scatter", "q1-subscribers-vs-views",
         '--x subscriber_count --y view_count --size video_count --log-x --log-y '
         '--label title --label-top 6 '
         '--title "My subscriptions: subscribers vs total views" '
         '--xlabel "subscribers" --ylabel "total views"',
         """SELECT c.title, c.subscriber_count, c.view_count, c.video_count
FROM subscriptions s
JOIN channels c ON c.channel_id = s.channel_id
WHERE c.subscriber_count > 0 AND c.view_count > 0;"""),
    ("md", """**What the chart shows.** The bubbles rise along a diagonal: on these log–log axes, a channel with ten times more subscribers tends to have roughly ten times more views, so the subscriber count is a good first guess of a channel's reach. In the run saved here, two giants stand apart at the top right (over 2.8 million subscribers and over 500 million views each), while most subscriptions are small channels with a few hundred to a few thousand subscribers. The spread around the diagonal is the interesting part: channels above it get more views per subscriber (their videos travel beyond their own audience), channels below it have fewer views than their audience would suggest. Large bubbles in the lower left are small channels with many videos: many uploads alone do not bring subscribers. Channels that hide their subscriber count are left out."""),
    ("md", """## Question 2 · Which categories reach the most-popular chart, month by month, and with how many views?

The most-popular (*mostPopular*) chart joined with the category names; videos are grouped by the month they were published, and their views are summed per category. To keep the chart readable, the six categories with the most views keep their own colour and the rest are summed as *Other* (the `WITH ... top` part of the query). Hover a bar segment to read its exact views and the title of its most viewed video (`--tooltip`; SQLite takes `top_video` from the row that has the `max(view_count)`)."""),
    plot("bar", "q2-trending-views-by-category-per-month-{region}",
         '--x month --y views --series category --stacked '
         '--tooltip month,category,views,videos,top_video '
         '--title "Most-popular chart ({region}): views by category and month published" '
         '--xlabel "month published" --ylabel "views"',
         """WITH v AS (
  SELECT strftime('%Y-%m', t.published_at) AS month,
         coalesce(c.title, 'category ' || t.category_id) AS category,
         t.view_count, t.title
  FROM trending t
  LEFT JOIN video_categories c ON c.category_id = t.category_id
), top AS (
  SELECT category FROM v GROUP BY category ORDER BY sum(view_count) DESC LIMIT 6
)
SELECT month,
       CASE WHEN category IN (SELECT category FROM top) THEN category ELSE 'Other' END AS category,
       sum(view_count) AS views,
       count(*) AS videos,
       max(view_count) AS top_views,
       title AS top_video
FROM v
GROUP BY month, 2
ORDER BY month, views DESC;"""),
    ("md", """**What the chart shows.** Each bar is one month, split by category. In the run saved here, the views are very unevenly spread: two months tower over the others because each holds one hit (a *People & Blogs* video with 3.2 million views in August, an *Entertainment* video with 1.1 million in July); a chart of views is easily dominated by a single video. Counting videos instead of views (next chart) shows which categories reach the chart *regularly*."""),
    plot("bar", "q2b-trending-videos-by-category-per-month-{region}",
         '--x month --y videos --series category --stacked '
         '--title "Most-popular chart ({region}): videos per category and month" '
         '--xlabel "month published" --ylabel "videos on the chart"',
         """WITH v AS (
  SELECT strftime('%Y-%m', t.published_at) AS month,
         coalesce(c.title, 'category ' || t.category_id) AS category
  FROM trending t
  LEFT JOIN video_categories c ON c.category_id = t.category_id
), top AS (
  SELECT category FROM v GROUP BY category ORDER BY count(*) DESC LIMIT 6
)
SELECT month,
       CASE WHEN category IN (SELECT category FROM top) THEN category ELSE 'Other' END AS category,
       count(*) AS videos
FROM v
GROUP BY month, 2
ORDER BY month, videos DESC;"""),
    ("md", """**What the chart shows.** Most videos on the chart were published in the last eight months: a video enters the chart while it is new. *People & Blogs* is on the chart every month from January to September 2026 and is the largest group, followed by *Film & Animation*; other categories come and go. The table gives the whole answer as numbers: for each category, in how many months it reached the chart, with how many videos and how many views in total."""),
    ("code", """SELECT coalesce(c.title, 'category ' || t.category_id) AS category,
       count(DISTINCT strftime('%Y-%m', t.published_at)) AS months_on_chart,
       count(*) AS videos,
       sum(t.view_count) AS views
FROM trending t
LEFT JOIN video_categories c ON c.category_id = t.category_id
GROUP BY category
ORDER BY views DESC;"""),
    ("md", """## Question 3 · Which categories, and which channels, contribute the most likes to the most-popular chart?

The same chart, counting likes instead of views (dislike counts are private since December 2021, so only likes are available). Some videos hide their like count; they count as zero here."""),
    plot("bar", "q3a-trending-likes-by-category-{region}",
         '--x category --y likes --horizontal '
         '--title "Likes on most-popular videos ({region}), by category" '
         '--xlabel "likes" --ylabel "category"',
         """SELECT coalesce(c.title, 'category ' || t.category_id) AS category,
       sum(coalesce(t.like_count, 0)) AS likes
FROM trending t
LEFT JOIN video_categories c ON c.category_id = t.category_id
GROUP BY category
ORDER BY likes DESC;"""),
    plot("bar", "q3b-trending-likes-top-channels-{region}",
         '--x channel --y likes --horizontal '
         '--tooltip channel,likes,videos,top_video '
         '--title "Top 10 channels by likes on most-popular videos ({region})" '
         '--xlabel "likes" --ylabel "channel"',
         """SELECT channel_title AS channel, sum(coalesce(like_count, 0)) AS likes,
       count(*) AS videos, max(view_count) AS top_views, title AS top_video
FROM trending
GROUP BY channel_id
ORDER BY likes DESC
LIMIT 10;"""),
    ("md", """**What the charts show.** Likes follow views (roughly one like for every 20 to 50 views), so the ranking of categories is close to the ranking by views: *People & Blogs* leads, then *Entertainment* and *Film & Animation*. Among channels the picture is even more concentrated: in the run saved here, the first channel owes its 172 thousand likes to a single video, and the top two channels together gather more likes than all the others combined. Being on the chart often is not the same as collecting likes: the next table lists the channels with the most videos on the chart."""),
    ("code", """SELECT channel_title AS channel,
       count(*) AS videos_on_chart,
       sum(coalesce(like_count, 0)) AS likes,
       sum(view_count) AS views
FROM trending
GROUP BY channel_id
ORDER BY videos_on_chart DESC
LIMIT 5;"""),
    ("md", """The channel with the most videos on the chart (dozens of entries) collects far fewer likes than a channel with one hit: many modest videos versus one very popular one."""),
    ("md", """## Question 4 · Do my longer videos get more views?

Each dot is one of my uploads: its length in minutes (across) against its views (up). Both axes are logarithmic, so shorts of a few seconds and streams of several hours fit on one chart; shorts (under a minute) sit at the far left. Hover a dot for the video's title; the four videos farthest from the trend are named on the chart."""),
    plot("scatter", "q4-my-uploads-length-vs-views",
         '--x minutes --y view_count --log-x --log-y --label title --label-top 4 '
         '--title "My uploads: length vs views" '
         '--xlabel "length (minutes)" --ylabel "views"',
         """SELECT title, round(duration_s / 60.0, 1) AS minutes, view_count
FROM my_uploads
WHERE duration_s IS NOT NULL AND view_count > 0;"""),
    ("md", """How long are the uploads in the first place? A histogram counts them by length (videos over an hour, a few streams, are left out to keep the scale readable):"""),
    plot("hist", "q4b-my-uploads-length-histogram",
         '--x minutes --bins 30 '
         '--title "My uploads: how long are they?" '
         '--xlabel "length (minutes)" --ylabel "uploads"',
         """SELECT duration_s / 60.0 AS minutes
FROM my_uploads
WHERE duration_s IS NOT NULL AND duration_s < 3600;"""),
    ("md", """In the run saved here, the first bar (under two minutes) holds the shorts; the other uploads spread almost evenly between 2 and 26 minutes, a handful last 30 to 55 minutes, and 29 streams of more than an hour are off this chart.

To read the first chart as numbers, group the uploads by length and compare the typical (median-like: average of the log) views per group:"""),
    ("code", """SELECT CASE WHEN duration_s < 60 THEN '1. under 1 min (shorts)'
            WHEN duration_s < 600 THEN '2. 1-10 min'
            WHEN duration_s < 1800 THEN '3. 10-30 min'
            ELSE '4. over 30 min' END AS length,
       count(*) AS videos,
       CAST(round(avg(view_count)) AS INTEGER) AS mean_views,
       CAST(round(exp(avg(ln(view_count)))) AS INTEGER) AS typical_views
FROM my_uploads
WHERE view_count > 0
GROUP BY length
ORDER BY length;"""),
    ("md", """**What the chart shows.** The dots form a wide horizontal band with no clear slope: on this channel, length alone does not predict views. Every length group holds both flops and successes (from a few hundred to over a hundred thousand views), and the typical views of the groups in the table are within about 20% of each other, which is small next to the spread inside each group. If your own channel shows a slope, check that it is not caused by something else, for example older videos being both longer and more viewed."""),
    ("md", """## Question 5 · At what time of day do my uploads get the most views?

Upload hours are in UTC, as the API reports them. For each hour, the average views of the videos published in that hour, and how many there were."""),
    plot("bar", "q5-my-uploads-views-by-hour",
         '--x hour --y avg_views '
         '--title "My uploads: average views by upload hour (UTC)" '
         '--xlabel "hour of upload (UTC)" --ylabel "average views"',
         """SELECT CAST(strftime('%H', published_at) AS INTEGER) AS hour,
       CAST(round(avg(view_count)) AS INTEGER) AS avg_views,
       count(*) AS videos
FROM my_uploads
WHERE view_count IS NOT NULL
GROUP BY hour
ORDER BY hour;"""),
    ("md", """**What the chart shows.** The bars jump from hour to hour with no pattern across neighbouring hours. Each hour holds only 6 to 20 videos, so a single hit lifts a whole bar: in the run saved here, the tallest bar (7:00 UTC) comes from ten videos, one of which has 177 thousand views. With this few uploads per hour, the differences are noise rather than a best time to publish. A real pattern would show as several neighbouring hours standing out together, and would still be there when the typical (geometric mean) views are compared instead of the average, as in the table below."""),
    ("code", """SELECT CAST(strftime('%H', published_at) AS INTEGER) AS hour,
       count(*) AS videos,
       CAST(round(avg(view_count)) AS INTEGER) AS mean_views,
       CAST(round(exp(avg(ln(view_count)))) AS INTEGER) AS typical_views,
       max(view_count) AS best
FROM my_uploads
WHERE view_count > 0
GROUP BY hour
ORDER BY mean_views DESC
LIMIT 5;"""),
    ("md", """## Question 6 · How have my uploads and their views evolved over the years?

Views per month of publication for my uploads of the last `days` days (counted back from the newest upload; the default covers them all): a line that shows both how active the channel was and how well each period's videos did."""),
    plot("line", "q6-my-uploads-views-per-month",
         '--x month --y views '
         '--title "My uploads, last {days} days: total views by month published" '
         '--xlabel "month published" --ylabel "views"',
         """SELECT strftime('%Y-%m-01', published_at) AS month,
       sum(view_count) AS views,
       count(*) AS uploads
FROM my_uploads
WHERE published_at >= (SELECT date(max(published_at), '-' || :days || ' days')
                       FROM my_uploads)
GROUP BY month
ORDER BY month;"""),
    ("md", """**What the chart shows.** The line is jagged, because a channel that publishes three or four videos a month sees one popular video make a peak (the three highest months each hold a video with 80 to 180 thousand views). Beyond the peaks, the level stays of the same order over seven years: no growth and no decline. The very last point is low because its videos are only weeks old and are still collecting views; comparing recent months with older ones is only fair after a while."""),
    ("md", """## Question 7 · Day by day, how many views and how much watch time does my channel get?

From the YouTube Analytics `daily` report of notebook 2 (the last 90 days; the newest two or three days are not counted yet). Daily numbers jump around, partly with the day of the week, so each chart also shows the **7-day rolling mean**, computed in SQL with a window function: `avg(views) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)` averages each day with the six before it. The query returns one row per day and per line (`series`)."""),
    plot("line", "q7-daily-views-rolling-mean",
         '--x day --y views --series series '
         '--title "My channel: views per day and 7-day rolling mean" '
         '--xlabel "day" --ylabel "views"',
         """WITH d AS (
  SELECT day, views,
         avg(views) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS mean7
  FROM analytics_daily
)
SELECT day, 'views per day' AS series, views FROM d
UNION ALL
SELECT day, '7-day rolling mean', round(mean7, 1) FROM d
ORDER BY series, day;"""),
    plot("line", "q7b-daily-watch-hours-rolling-mean",
         '--x day --y hours --series series '
         '--title "My channel: hours watched per day and 7-day rolling mean" '
         '--xlabel "day" --ylabel "hours watched"',
         """WITH d AS (
  SELECT day, estimated_minutes_watched / 60.0 AS hours,
         avg(estimated_minutes_watched / 60.0)
           OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS mean7
  FROM analytics_daily
)
SELECT day, 'hours per day' AS series, round(hours, 1) AS hours FROM d
UNION ALL
SELECT day, '7-day rolling mean', round(mean7, 1) FROM d
ORDER BY series, day;"""),
    ("md", """The same data as a table: the week of the day explains part of the ups and downs (`strftime('%w')` gives 0 for Sunday). Weekday averages over the 90 days:"""),
    ("code", """SELECT CASE strftime('%w', day) WHEN '0' THEN '7 Sun' WHEN '1' THEN '1 Mon'
         WHEN '2' THEN '2 Tue' WHEN '3' THEN '3 Wed' WHEN '4' THEN '4 Thu'
         WHEN '5' THEN '5 Fri' ELSE '6 Sat' END AS weekday,
       CAST(round(avg(views)) AS INTEGER) AS avg_views,
       CAST(round(avg(estimated_minutes_watched) / 60.0) AS INTEGER) AS avg_hours,
       sum(subscribers_gained) - sum(subscribers_lost) AS net_subscribers
FROM analytics_daily
GROUP BY weekday
ORDER BY weekday;"""),
    ("md", """**How to read it.** The rolling mean smooths the weekly rhythm away and shows the trend: a new upload makes a bump that fades over the following days and weeks, as its views decay after publication. The daily line swings around the mean with the week: in the table, the weekend days (Friday to Sunday here) get more views than the start of the week."""),
    ("md", """## Question 8 · Where do my views come from?

The `traffic` report splits the views of the last 90 days by *traffic source*: how viewers reached the videos. Google's codes are translated to the names YouTube Studio uses."""),
    plot("bar", "q8-traffic-sources",
         '--x source --y views --horizontal '
         '--title "My channel: views by traffic source (last 90 days)" '
         '--xlabel "views" --ylabel "traffic source"',
         """SELECT CASE insight_traffic_source_type
         WHEN 'RELATED_VIDEO' THEN 'Suggested videos'
         WHEN 'YT_SEARCH' THEN 'YouTube search'
         WHEN 'SUBSCRIBER' THEN 'Browse features'
         WHEN 'EXT_URL' THEN 'External'
         WHEN 'NO_LINK_OTHER' THEN 'Direct or unknown'
         WHEN 'YT_CHANNEL' THEN 'Channel pages'
         WHEN 'PLAYLIST' THEN 'Playlists'
         WHEN 'YT_PLAYLIST_PAGE' THEN 'Playlist pages'
         WHEN 'YT_OTHER_PAGE' THEN 'Other YouTube features'
         WHEN 'NOTIFICATION' THEN 'Notifications'
         WHEN 'SHORTS' THEN 'Shorts feed'
         WHEN 'END_SCREEN' THEN 'End screens'
         WHEN 'HASHTAGS' THEN 'Hashtag pages'
         ELSE insight_traffic_source_type END AS source,
       views
FROM analytics_traffic
ORDER BY views DESC;"""),
    ("code", """SELECT insight_traffic_source_type AS source, views,
       round(100.0 * views / (SELECT sum(views) FROM analytics_traffic), 1) AS pct_views,
       round(1.0 * estimated_minutes_watched / views, 2) AS minutes_per_view
FROM analytics_traffic
ORDER BY views DESC
LIMIT 6;"""),
    ("md", """**How to read it.** Suggested videos and YouTube search bring most viewers; browse features (the home page and the subscriptions feed) show how much the channel's own audience comes back. *Minutes per view* compares the sources: viewers who searched for a topic usually watch longer than those who scrolled past in the Shorts feed."""),
    ("md", """## Question 9 · Which videos hold their viewers longest?

From the `top-videos` report (the 200 most viewed videos of the last 90 days): the *average view percentage* is the share of a video that viewers watched on average. Short videos are easy to watch to the end, so videos of a minute or less (shorts, often looped past 100 %) are left out, and so are videos with fewer than 100 views in the period, whose averages rest on too few viewers."""),
    plot("bar", "q9-videos-holding-viewers",
         '--x title --y pct_watched --horizontal '
         '--title "My videos that hold viewers longest (last 90 days)" '
         '--xlabel "average share of the video watched (%)" --ylabel "video"',
         """SELECT substr(u.title, 1, 40) AS title,
       round(a.average_view_percentage, 1) AS pct_watched
FROM analytics_top_videos a
JOIN my_uploads u ON u.video_id = a.video
WHERE u.duration_s > 60 AND a.views >= 100
ORDER BY a.average_view_percentage DESC
LIMIT 10;"""),
    ("code", """SELECT substr(u.title, 1, 40) AS title,
       round(u.duration_s / 60.0, 1) AS minutes,
       a.views,
       a.average_view_duration AS avg_seconds_watched,
       round(a.average_view_percentage, 1) AS pct_watched
FROM analytics_top_videos a
JOIN my_uploads u ON u.video_id = a.video
WHERE u.duration_s > 60 AND a.views >= 100
ORDER BY a.average_view_percentage DESC
LIMIT 10;"""),
    ("md", """**How to read it.** A high percentage on a long video is worth more than on a short one: compare `avg_seconds_watched` too. Videos at the bottom of the full list are where viewers leave early; `%yt_fetch analytics retention --video ID` shows, along one video, where they leave."""),
    ("md", """## Question 10 · Which chart videos gained the most views between two fetches?

Notebook 2 fetched the most-popular chart of its region twice; the history table kept both fetches of every video, and the view `video_stats_change` gives the views each one gained in between (`days` is the time between the two fetches). Only videos present in both fetches have a gain. The history does not depend on the `trending` table, which this notebook re-fetched for its own region: a video no longer in that table is shown by its id."""),
    plot("bar", "q10-chart-videos-views-gained",
         '--x title --y views_gained --horizontal '
         '--title "Most-popular chart: views gained between two fetches" '
         '--xlabel "views gained" --ylabel "video"',
         """SELECT coalesce(substr(t.title, 1, 40), c.video_id) AS title, c.views_gained
FROM video_stats_change c
LEFT JOIN trending t USING (video_id)
ORDER BY c.views_gained DESC
LIMIT 10;"""),
    ("code", """SELECT coalesce(substr(t.title, 1, 40), c.video_id) AS title,
       date(t.published_at) AS published,
       c.view_count AS views_now,
       c.views_gained,
       round(100.0 * c.views_gained / (c.view_count - c.views_gained), 2) AS pct_gained
FROM video_stats_change c
LEFT JOIN trending t USING (video_id)
ORDER BY c.views_gained DESC
LIMIT 10;"""),
    ("md", """**How to read it.** The biggest gains in absolute views go to videos that are already large; `pct_gained` shows which videos are growing fastest for their size, usually the most recently published ones. The more fetches the history holds, the more this becomes a real time series: `SELECT * FROM video_stats_history WHERE video_id = '...' ORDER BY fetched_at`.

### Going further

Every chart above came from a SQL query: change a `WHERE` clause or a `GROUP BY` and run the cell again. `%help yt_plot` lists the chart kinds and options (log axes, `--top N`, `--color`, histograms with `--bins`, `--tooltip`, `--label`...); `%help yt_fetch` lists the Analytics presets and options. In JupyterLab, Notebook 7 and VS Code the charts are interactive (hover for exact values, tooltips name the video or channel); exports and code-host viewers show the same chart as a picture. `%yt_plot default --static` turns the interactive view off for the session."""),
]


def build(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "ytkernel", "display_name": "YouTube (C)",
                       "language": "sql"},
        "language_info": {"name": "sql"},
    }
    for kind, text in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(text))
        elif kind == "params":
            cell = nbformat.v4.new_code_cell(text)
            cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
        else:
            nb.cells.append(nbformat.v4.new_code_cell(text))
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i:02d}"
    nbformat.validate(nb)
    return nb


def main():
    for name, cells in (("01-token-acquisition", NB1),
                        ("02-data-acquisition", NB2),
                        ("03-visualization", NB3)):
        path = os.path.join(OUT, name + ".ipynb")
        nbformat.write(build(cells), path)
        print("wrote", os.path.relpath(path, ROOT), file=sys.stderr)


if __name__ == "__main__":
    main()
