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
    "uploads and a trending chart). The notebook itself does not know which "
    "service it talks to: run it with your own Google credentials and every "
    "output below is replaced by yours. No token or secret is ever printed, "
    "so these outputs are safe to share."
)

# ---------------------------------------------------------------- notebook 1
NB1 = [
    ("md", """# 1 · Token acquisition: signing in to YouTube with OAuth 2.0

""" + NOTE + """

This is the first of three notebooks:

1. **Token acquisition** (this one): get permission to read your YouTube data and keep it in a token file.
2. **Data acquisition**: download your channel, your uploads, your subscriptions and the trending chart into a local SQLite database.
3. **Visualization**: answer questions about that data with SQL and charts.

Every cell in these notebooks is either **SQL** (run against the local SQLite store in `$YTK_HOME/store.sqlite`) or a **magic** starting with `%`. Type `%help` or `%yt_auth?` in a cell for the full usage of any magic."""),
    ("md", """## What OAuth 2.0 is, in one paragraph

Your YouTube data belongs to your Google account. A program that wants to read it must not see your password; instead it asks **Google** to ask **you**. OAuth 2.0 is that conversation between three parties:

| who | here |
|---|---|
| the *resource owner* | you |
| the *client* (the program asking) | this kernel, identified by the OAuth client you registered in Google Cloud (`client_secret.json`) |
| the *authorization server* and the *API* | Google's sign-in pages and the YouTube Data API v3 |

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

We ask for two scopes. `youtube.readonly` lets the kernel list your channel, uploads, subscriptions and public data, and nothing more. Google also requires `youtube.force-ssl` to read comment threads with OAuth (notebook 2 reads the comments of one of your videos); it is a wider permission, so drop it from the list if you do not need comments: the kernel only ever makes read (list) calls. If your browser runs on another machine, use `%yt_auth login --manual` (paste the redirected URL when asked) or `%yt_auth device` (enter a short code on any device)."""),
    ("code", "%yt_auth login --scopes youtube.readonly,youtube.force-ssl"),
    ("md", """## Step 5 · Check the result

`status` now shows which account is signed in, the granted scopes, and when the access token expires; the tokens themselves stay redacted."""),
    ("code", "%yt_auth status"),
    ("md", """## Refreshing

An access token lives about one hour. When it is about to expire, or when the API answers **401 Unauthorized**, the kernel uses the refresh token to get a new one and retries the request once: you will see this happen in notebook 2 without doing anything. You can also refresh by hand: the expiry time moves forward and the refresh token stays the same."""),
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
    ("code", "%yt_fetch quota"),
    ("md", """## My channel

One call (`channels.list` with `mine=true`, **1 unit**) returns your channel: its title, statistics and the id of its *uploads playlist*, which lists every video you published. It goes into the table `channels`."""),
    ("code", "%yt_fetch channels --mine"),
    ("md", """## My uploads, with their statistics

The expensive way to list a channel's videos is `search.list` (**100 units** per page of 50, and capped near 500 results). The `uploads` recipe walks the uploads playlist instead (`playlistItems.list`, **1 unit** per 50 videos) and then asks for the statistics and durations of those videos 50 at a time (`videos.list`, **1 unit** per 50). For a channel with 300 videos that is 1 (finding the playlist) + 6 + 6 = 13 units, where search would cost over 600.

Let's see the plan and its cost first: `--dry-run` calls nothing."""),
    ("code", "%yt_fetch uploads --mine --dry-run"),
    ("code", "%yt_fetch uploads --mine --into my_uploads"),
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
    ("md", """## The trending chart and its categories

The *mostPopular* chart of a region is what YouTube shows as Trending. `videos.list(chart=mostPopular, regionCode=US)` returns up to 200 videos, 50 per call (**1 unit** each); videos only carry a category *id*, so we also fetch the category names for the region (`videoCategories.list`, **1 unit**)."""),
    ("code", "%yt_fetch videos --chart mostPopular --region US --into trending"),
    ("code", "%yt_fetch video_categories --region US"),
    ("md", """## Comments on my most discussed video

Comment threads come 100 per call (**1 unit**), each with at most 5 replies embedded; the kernel completes longer reply chains with `comments.list` (threads go into `comment_threads`, the completed replies into `comments`). Which video to read can come from a SQL query: first, which uploads have the most comments?"""),
    ("code", """SELECT video_id, title, comment_count
FROM my_uploads
ORDER BY comment_count DESC
LIMIT 3;"""),
    ("code", '%yt_fetch comment_threads --ids "SELECT video_id FROM my_uploads ORDER BY comment_count DESC LIMIT 1"'),
    ("md", """## What we have now

Everything lives in ordinary SQLite tables that any tool can read (the `sqlite3` shell, Python, R, DBeaver...). `%yt_fetch export TABLE FILE.csv` writes one out as CSV, JSON or NDJSON."""),
    ("code", """SELECT 'channels' AS "table", count(*) AS "rows" FROM channels
UNION ALL SELECT 'my_uploads', count(*) FROM my_uploads
UNION ALL SELECT 'subscriptions', count(*) FROM subscriptions
UNION ALL SELECT 'trending', count(*) FROM trending
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

The first three questions are those of the original 2017 project (which answered them with Tableau); the others are about your own uploads."""),
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
    ("md", """## Question 2 · Which categories reach the trending chart, month by month, and with how many views?

The trending (*mostPopular*) chart joined with the category names; videos are grouped by the month they were published, and their views are summed per category. To keep the chart readable, the six categories with the most views keep their own colour and the rest are summed as *Other* (the `WITH ... top` part of the query). Hover a bar segment to read its exact views and the title of its most viewed video (`--tooltip`; SQLite takes `top_video` from the row that has the `max(view_count)`)."""),
    plot("bar", "q2-trending-views-by-category-per-month",
         '--x month --y views --series category --stacked '
         '--tooltip month,category,views,videos,top_video '
         '--title "Trending videos (US): views by category and month published" '
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
    plot("bar", "q2b-trending-videos-by-category-per-month",
         '--x month --y videos --series category --stacked '
         '--title "Trending videos (US): how many per category and month" '
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
    ("md", """**What the chart shows.** Most videos on the chart were published in the last eight months: a video enters Trending while it is new. *People & Blogs* is on the chart every month from January to September 2026 and is the largest group, followed by *Film & Animation*; other categories come and go. The table gives the whole answer as numbers: for each category, in how many months it reached the chart, with how many videos and how many views in total."""),
    ("code", """SELECT coalesce(c.title, 'category ' || t.category_id) AS category,
       count(DISTINCT strftime('%Y-%m', t.published_at)) AS months_on_chart,
       count(*) AS videos,
       sum(t.view_count) AS views
FROM trending t
LEFT JOIN video_categories c ON c.category_id = t.category_id
GROUP BY category
ORDER BY views DESC;"""),
    ("md", """## Question 3 · Which categories, and which channels, contribute the most likes to trending?

The same chart, counting likes instead of views (dislike counts are private since December 2021, so only likes are available). Some videos hide their like count; they count as zero here."""),
    plot("bar", "q3a-trending-likes-by-category",
         '--x category --y likes --horizontal '
         '--title "Likes on trending videos (US), by category" '
         '--xlabel "likes" --ylabel "category"',
         """SELECT coalesce(c.title, 'category ' || t.category_id) AS category,
       sum(coalesce(t.like_count, 0)) AS likes
FROM trending t
LEFT JOIN video_categories c ON c.category_id = t.category_id
GROUP BY category
ORDER BY likes DESC;"""),
    plot("bar", "q3b-trending-likes-top-channels",
         '--x channel --y likes --horizontal '
         '--tooltip channel,likes,videos,top_video '
         '--title "Top 10 channels by likes on trending videos (US)" '
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

Views per month of publication for all my uploads: a line that shows both how active the channel was and how well each period's videos did."""),
    plot("line", "q6-my-uploads-views-per-month",
         '--x month --y views '
         '--title "My uploads: total views by month published" '
         '--xlabel "month published" --ylabel "views"',
         """SELECT strftime('%Y-%m-01', published_at) AS month,
       sum(view_count) AS views,
       count(*) AS uploads
FROM my_uploads
GROUP BY month
ORDER BY month;"""),
    ("md", """**What the chart shows.** The line is jagged, because a channel that publishes three or four videos a month sees one popular video make a peak (the three highest months each hold a video with 80 to 180 thousand views). Beyond the peaks, the level stays of the same order over seven years: no growth and no decline. The very last point is low because its videos are only weeks old and are still collecting views; comparing recent months with older ones is only fair after a while.

### Going further

Every chart above came from a SQL query: change a `WHERE` clause or a `GROUP BY` and run the cell again. `%help yt_plot` lists the chart kinds and options (log axes, `--top N`, `--color`, histograms with `--bins`, `--tooltip`, `--label`...). In JupyterLab, Notebook 7 and VS Code the charts are interactive (hover for exact values, tooltips name the video or channel); exports and code-host viewers show the same chart as a picture. `%yt_plot default --static` turns the interactive view off for the session."""),
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
