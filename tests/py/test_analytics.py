"""%yt_fetch analytics against the emulator: every preset, custom
metrics/dimensions, pagination across startIndex, typed columns, Google's
errors with hints (unsupported combination, missing scope, not the owner,
5xx retried, expired token refreshed), the dry run, one request-log row per
call, and the statistics history growing across two fetches with the
emulated clock advanced, with its views of change."""
import pytest

import ytk
from fetchutil import FORCE_SSL, READONLY, token_env, write_token
from ytk import run

ANALYTICS = "https://www.googleapis.com/auth/yt-analytics.readonly"


@pytest.fixture
def kernel_env(kernel_env, emulator, ytk_home):
    emulator.tok = token_env(kernel_env, emulator, ytk_home,
                             (READONLY, FORCE_SSL, ANALYTICS))
    # relative dates (--last 28d) end on the emulator's day
    kernel_env["YTK_ANALYTICS_TODAY"] = emulator.clock()["now"][:10]
    return kernel_env


def emu_report(emu, **params):
    """The same report straight from the emulator (the oracle)."""
    r = emu.request("GET", "/v2/reports", params=params, headers={
        "Authorization": "Bearer " + emu.tok["access_token"]})
    assert r.status == 200, r.text()
    return r.json()


def columns(store, table):
    return {name: typ for _, name, typ, *_ in
            store.rows("PRAGMA table_info(%s)" % table)}


def reports_logged(store):
    return store.rows("SELECT status, quota_units, outcome FROM "
                      "_ytk_requests WHERE method = 'reports' ORDER BY id")


def test_every_preset(emulator, kc, store):
    last = emulator.clock()["last_report_day"]
    run(kc, "%yt_fetch analytics daily --last 90d")
    cols = columns(store, "analytics_daily")
    assert cols["day"] == "TEXT" and cols["views"] == "INTEGER"
    assert cols["estimated_minutes_watched"] == "INTEGER"
    assert cols["subscribers_lost"] == "INTEGER"
    days = store.rows("SELECT day, views, estimated_minutes_watched FROM "
                      "analytics_daily ORDER BY day")
    assert days[-1][0] == last            # the newest days are missing
    assert len(days) == 88
    start, end = store.rows("SELECT start_date, end_date FROM "
                            "analytics_daily LIMIT 1")[0]
    oracle = emu_report(emulator, ids="channel==MINE", startDate=start,
                        endDate=end, dimensions="day",
                        metrics="views,estimatedMinutesWatched")
    assert [tuple(r) for r in oracle["rows"]] == days
    assert store.scalar("SELECT COUNT(*) FROM analytics_daily WHERE "
                        "typeof(views) = 'integer'") == 88

    run(kc, "%yt_fetch analytics top-videos --last 90d")
    top = store.rows("SELECT video, views FROM analytics_top_videos "
                     "ORDER BY rowid")
    assert len(top) == 200                # Google's cap for video reports
    assert [v for _, v in top] == sorted((v for _, v in top), reverse=True)
    assert columns(store, "analytics_top_videos")[
        "average_view_percentage"] == "REAL"

    run(kc, "%yt_fetch analytics traffic --last 90d")
    total = sum(v for _, v, _ in days)
    # traffic over the same range (ending today) counts the same views
    assert store.scalar("SELECT SUM(views) FROM analytics_traffic") == total
    assert store.scalar("SELECT COUNT(*) FROM analytics_traffic WHERE "
                        "insight_traffic_source_type = 'YT_SEARCH'") == 1

    run(kc, "%yt_fetch analytics geography --last 28d")
    assert store.scalar("SELECT country FROM analytics_geography ORDER BY "
                        "views DESC LIMIT 1") == "US"
    run(kc, "%yt_fetch analytics devices")
    assert store.scalar("SELECT COUNT(*) FROM analytics_devices WHERE "
                        "device_type = 'MOBILE'") == 1
    run(kc, "%yt_fetch analytics demographics --last 1y")
    assert columns(store, "analytics_demographics")[
        "viewer_percentage"] == "REAL"
    assert abs(store.scalar("SELECT SUM(viewer_percentage) FROM "
                            "analytics_demographics") - 100) < 1

    vid = emulator.world()["video_with_many_threads"]
    r = run(kc, "%yt_fetch analytics retention", ok=False)
    assert "--video ID" in r.all_text()
    run(kc, "%%yt_fetch analytics retention --video %s --last 1y" % vid)
    assert store.scalar("SELECT COUNT(*) FROM analytics_retention WHERE "
                        "video = ?", vid) == 100
    assert columns(store, "analytics_retention")[
        "audience_watch_ratio"] == "REAL"
    assert columns(store, "analytics_retention")[
        "elapsed_video_time_ratio"] == "REAL"
    assert store.scalar("SELECT elapsed_video_time_ratio FROM "
                        "analytics_retention ORDER BY 1 DESC LIMIT 1") == 1.0
    # one request-log row per call, no Data API quota
    logged = reports_logged(store)
    assert len(logged) == 7
    assert all(s == 200 and u == 0 for s, u, _ in logged)
    # the log counts the report's rows
    assert store.scalar("SELECT item_count FROM _ytk_requests WHERE method "
                        "= 'reports' ORDER BY id LIMIT 1") == 88


def test_custom_report_pagination_and_refetch(emulator, kc, store,
                                               kernel_env):
    r = run(kc, "%yt_fetch analytics --metrics views,likes,"
                "averageViewPercentage --dimensions country --sort -views "
                "--max-results 5 --into by_country --last 28d")
    assert "Fetched 5 rows into by_country" in r.all_text()
    cols = columns(store, "by_country")
    assert (cols["views"], cols["likes"], cols["average_view_percentage"]) \
        == ("INTEGER", "INTEGER", "REAL")
    assert store.scalar("SELECT COUNT(*) FROM by_country") == 5


def test_pagination_across_start_index(emulator, kernel_env, store):
    env = dict(kernel_env, YTK_ANALYTICS_PAGE_ROWS="40")
    km, kc = ytk.start_kernel(env=env)
    try:
        run(kc, "%yt_fetch analytics daily --start 2026-07-01 --end "
                "2026-10-28")
        assert store.count("analytics_daily") == 120
        assert store.scalar("SELECT COUNT(DISTINCT day) FROM "
                            "analytics_daily") == 120
        starts = [r.get("query", {}).get("startIndex") for r in
                  emulator.requests_log() if r["path"] == "/v2/reports"]
        assert starts == [None, "41", "81", "121"]
        assert len(reports_logged(store)) == 4
        # a refetch of the same range replaces the rows (keyed by day)
        run(kc, "%yt_fetch analytics daily --start 2026-07-01 --end "
                "2026-10-28")
        assert store.count("analytics_daily") == 120
    finally:
        ytk.stop_kernel(km, kc)


def test_errors_with_hints(emulator, kc, store, ytk_home):
    assert "YouTube Analytics reports: allowed" in run(
        kc, "%yt_auth status").all_text()
    r = run(kc, "%yt_fetch analytics --metrics views --dimensions video,day",
            ok=False)
    text = r.all_text()
    assert "The query is not supported" in text
    assert "Hint:" in text and "presets" in text
    other = emulator.world()["subscribed_channel_ids"][0]
    r = run(kc, "%%yt_fetch analytics daily --channel %s" % other, ok=False)
    assert "403" in r.all_text() and "own" in r.all_text()
    r = run(kc, "%yt_fetch analytics daily --last 0d", ok=False)
    assert "28d" in r.all_text()
    r = run(kc, "%yt_fetch analytics daily --ids abc", ok=False)
    assert "--ids does not apply to analytics" in r.all_text()
    r = run(kc, "%yt_fetch analytics nope", ok=False)
    assert "unknown report preset" in r.all_text()
    r = run(kc, "%yt_fetch analytics traffic --last 1y", ok=False)
    assert "50,000" in r.all_text() and "--last 28d" in r.all_text()
    # 5xx: retried with backoff, then stored; every call logged
    emulator.fault("/v2/reports", status=503, count=2)
    run(kc, "%yt_fetch analytics devices --into dev2")
    assert store.count("dev2") == 5
    assert [s for s, _, _ in reports_logged(store)][-3:] == [503, 503, 200]
    # an expired access token is refreshed once
    emulator.expire_access_tokens()
    run(kc, "%yt_fetch analytics devices --into dev3")
    assert store.count("dev3") == 5
    # a token without an Analytics scope: Google's 403 and how to fix it
    emulator.revoke_refresh_tokens()   # so the new grant has a new one
    write_token(emulator, ytk_home, (FORCE_SSL,))
    r = run(kc, "%yt_fetch analytics daily", ok=False)
    text = r.all_text()
    assert "insufficientPermissions" in text
    assert "log in again with %yt_auth login --scopes" in text
    assert "yt-analytics.readonly" in text
    text = run(kc, "%yt_auth status").all_text()
    assert "YouTube Analytics reports: not allowed (log in again with " \
        "--scopes youtube.readonly,youtube.force-ssl,yt-analytics.readonly)" \
        in text


def test_dry_run_sends_nothing(emulator, kc, store):
    emulator.clear_requests_log()
    r = run(kc, "%yt_fetch analytics top-videos --last 90d --sort "
                "-estimatedMinutesWatched --dry-run")
    # shown like the Data API's dry runs: a display, not stdout
    assert not r.stdout
    text = r.texts()[0]
    assert "</pre>" in r.texts("text/html")[0]
    assert text.startswith("Dry run of %yt_fetch analytics (nothing sent")
    assert "\nGET reports?ids=channel%3D%3DMINE&startDate=" in text
    assert "sort=-estimatedMinutesWatched" in text
    assert "maxResults=200" in text
    assert not [q for q in emulator.requests_log()
                if q["path"] == "/v2/reports"]


def test_history_grows_across_fetches(emulator, kc, store):
    run(kc, "%yt_fetch videos --chart mostPopular --region US")
    run(kc, "%yt_fetch channels --mine")
    assert store.count("video_stats_history") == 200
    assert store.count("video_stats_change") == 0
    emulator.advance_clock(days=1)
    run(kc, "%yt_fetch videos --chart mostPopular --region US")
    run(kc, "%yt_fetch channels --mine")
    # the upsert kept one row per video; the history kept both fetches
    assert store.count("videos") == 200
    assert store.count("video_stats_history") == 400
    assert store.count("video_stats_change") == 200
    assert store.count("video_stats_change", "views_gained > 0") == 200
    first, second = store.rows(
        "SELECT view_count FROM video_stats_history WHERE video_id = "
        "(SELECT video_id FROM video_stats_change ORDER BY views_gained "
        "DESC LIMIT 1) ORDER BY fetched_at")
    top_gain = store.scalar("SELECT MAX(views_gained) FROM "
                            "video_stats_change")
    assert second[0] - first[0] == top_gain
    assert store.scalar("SELECT view_count FROM videos WHERE video_id = "
                        "(SELECT video_id FROM video_stats_change ORDER BY "
                        "views_gained DESC LIMIT 1)") == second[0]
    # seconds apart in real time: no per-day rate is made up
    assert store.count("video_stats_change", "views_per_day IS NULL") == 200
    assert store.count("channel_stats_history") == 2
    assert store.scalar("SELECT views_gained > 0 AND subscribers_gained >= 0"
                        " FROM channel_stats_change") == 1
    # append-only
    r = run(kc, "UPDATE video_stats_history SET view_count = 0", ok=False)
    assert "append-only" in r.all_text()
