"""The emulator's YouTube Analytics API v2 (reports.query) and its clock:

- parameters and scopes against Google's discovery document
  youtubeAnalytics.v2.json (shipped in google-api-python-client), and the
  official client `build("youtubeAnalytics", "v2")` unmodified against it;
- consistency with the Data API: a video's daily views from publication
  sum to its viewCount, subscribers gained - lost sum to the channel's
  count, watch time within the duration, decay and weekly rhythm;
- distributions summing to the totals, pagination, Google's errors;
- the admin clock: Data API statistics grow, newer days appear.
"""
import datetime
import json
import os

import googleapiclient
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from emulator import analytics as an

YT = "https://www.googleapis.com/auth/"
DISCOVERY = os.path.join(os.path.dirname(googleapiclient.__file__),
                         "discovery_cache", "documents",
                         "youtubeAnalytics.v2.json")


@pytest.fixture(scope="module")
def disc():
    with open(DISCOVERY, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    from emulator.testing import start_emulator
    e = start_emulator(str(tmp_path_factory.mktemp("analytics") / "emu"),
                       quiet=True)
    e.tok = e.obtain_tokens([YT + "yt-analytics.readonly",
                             YT + "youtube.readonly"])["access_token"]
    yield e
    e.stop()


def report(emu, token=None, **params):
    params.setdefault("ids", "channel==MINE")
    r = emu.request("GET", "/v2/reports", params=params, headers={
        "Authorization": "Bearer " + (token or emu.tok)})
    return r.status, r.json()


def ok(emu, **params):
    st, body = report(emu, **params)
    assert st == 200, body
    return body


def day(text, delta=0):
    return (datetime.date.fromisoformat(text) +
            datetime.timedelta(days=delta)).isoformat()


def video(emu, vid, parts="snippet,statistics,contentDetails"):
    r = emu.api("videos", key=True, part=parts, id=vid)
    return r.json()["items"][0]


# ---------------------------------------------------------------- fidelity

def test_parameters_and_scopes_are_the_discovery_documents(disc):
    m = disc["resources"]["reports"]["methods"]["query"]
    assert m["path"] == "v2/reports" and m["httpMethod"] == "GET"
    assert set(m["parameters"]) == an.PARAMS
    assert set(m["scopes"]) == an.SCOPES
    for name, pat in an.PATTERNS.items():
        assert pat in m["parameters"][name]["description"], name
    for name in ("maxResults", "startIndex"):
        assert m["parameters"][name]["type"] == "integer"
        assert "minValue: 1" in m["parameters"][name]["description"]


def test_official_client_runs_unmodified(emu, disc):
    creds = Credentials(emu.tok)
    yta = build("youtubeAnalytics", "v2", credentials=creds,
                static_discovery=True, cache_discovery=False,
                client_options={"api_endpoint": emu.base_url})
    last = emu.clock()["last_report_day"]
    res = yta.reports().query(
        ids="channel==MINE", startDate=day(last, -27), endDate=last,
        metrics="views,estimatedMinutesWatched,averageViewPercentage",
        dimensions="day", sort="day").execute()
    props = disc["schemas"]["QueryResponse"]["properties"]
    assert set(res) <= set(props)
    assert res["kind"] == "youtubeAnalytics#resultTable"
    assert [h["name"] for h in res["columnHeaders"]] == [
        "day", "views", "estimatedMinutesWatched", "averageViewPercentage"]
    assert [h["dataType"] for h in res["columnHeaders"]] == [
        "STRING", "INTEGER", "INTEGER", "FLOAT"]
    assert len(res["rows"]) == 28
    assert all(isinstance(r[1], int) and isinstance(r[3], float)
               for r in res["rows"])
    with pytest.raises(HttpError) as ei:
        yta.reports().query(ids="channel==MINE", startDate=day(last, -27),
                            endDate=last, metrics="views",
                            dimensions="video,day").execute()
    assert ei.value.resp.status == 400
    assert "The query is not supported" in str(ei.value)


# ---------------------------------------------------------- consistency

def test_daily_views_sum_to_view_count_and_clock_grows_statistics(
        tmp_path):
    from emulator.testing import start_emulator
    e = start_emulator(str(tmp_path / "emu"), quiet=True)
    try:
        tok = e.obtain_tokens([YT + "yt-analytics.readonly"])["access_token"]
        vid = e.world()["video_with_many_replies"]
        v0 = video(e, vid)
        count0 = int(v0["statistics"]["viewCount"])
        pub = v0["snippet"]["publishedAt"][:10]
        me = e.api("channels", key=True, part="statistics,snippet",
                   id=e.world()["my_channel_id"]).json()["items"][0]
        subs0 = int(me["statistics"]["subscriberCount"])
        start = e.clock()
        today0 = start["now"][:10]
        # the newest days are missing, as at Google
        st, body = report(e, tok, startDate=day(today0, -10),
                          endDate=today0, metrics="views",
                          dimensions="day")
        assert body["rows"][-1][0] < day(today0, -1)
        e.advance_clock(days=3)
        assert e.clock()["offset_seconds"] == 3 * 86400
        # publication .. the day before the old "now": exactly the old count
        st, body = report(e, tok, startDate=pub, endDate=day(today0, -1),
                          metrics="views", dimensions="day",
                          filters="video==" + vid)
        assert st == 200
        assert sum(r[1] for r in body["rows"]) == count0
        # the Data API count grew with the clock, by the newer days' views
        count1 = int(video(e, vid)["statistics"]["viewCount"])
        st, newer = report(e, tok, startDate=today0,
                           endDate=day(today0, 2), metrics="views",
                           filters="video==" + vid)
        # ... the newest of which are not reported yet
        assert count0 < count0 + newer["rows"][0][0] < count1
        e.advance_clock(days=2)
        st, newer = report(e, tok, startDate=today0,
                           endDate=day(today0, 2), metrics="views",
                           filters="video==" + vid)
        assert count1 == count0 + newer["rows"][0][0]
        # subscribers gained - lost from the channel's start sum to its
        # count (which the Data API shows to three significant digits)
        st, body = report(e, tok, startDate=me["snippet"]["publishedAt"][:10],
                          endDate=day(today0, -1), dimensions="day",
                          metrics="subscribersGained,subscribersLost")
        net = sum(g - lo for _, g, lo in body["rows"])
        assert all(g >= 0 and lo >= 0 for _, g, lo in body["rows"])
        assert len(str(net)) == len(str(subs0))
        assert str(net)[:3] == str(subs0)[:3]
        me1 = e.api("channels", key=True, part="statistics",
                    id=e.world()["my_channel_id"]).json()["items"][0]
        assert int(me1["statistics"]["viewCount"]) > \
            int(me["statistics"]["viewCount"])
        # chart videos and other channels grow too (history needs it)
        chart = e.api("videos", key=True, part="statistics",
                      chart="mostPopular", regionCode="US", maxResults=5)
        before = {i["id"]: int(i["statistics"]["viewCount"])
                  for i in chart.json()["items"]}
        e.advance_clock(days=1)
        after = e.api("videos", key=True, part="statistics",
                      id=",".join(before)).json()["items"]
        assert all(int(i["statistics"]["viewCount"]) > before[i["id"]]
                   for i in after)
    finally:
        e.stop()


def test_decay_weekly_rhythm_and_watch_time(emu):
    last = emu.clock()["last_report_day"]
    body = ok(emu, startDate=day(last, -7 * 26 + 1), endDate=last,
              metrics="views", dimensions="day")
    byweekday = {}
    for d, v in body["rows"]:
        wd = datetime.date.fromisoformat(d).weekday()
        byweekday.setdefault(wd, []).append(v)
    mean = {k: sum(x) / len(x) for k, x in byweekday.items()}
    assert mean[5] > mean[1] and mean[6] > mean[1]   # weekend > Tuesday
    uploads = emu.api("playlistItems", key=True, part="contentDetails",
                      playlistId=emu.world()["uploads_playlist_id"],
                      maxResults=50).json()["items"]
    vid = uploads[-1]["contentDetails"]["videoId"]  # over a year old
    v = video(emu, vid)
    pub = v["snippet"]["publishedAt"][:10]
    body = ok(emu, startDate=pub, endDate=day(pub, 60), metrics="views",
              dimensions="day", filters="video==" + vid)
    first = sum(r[1] for r in body["rows"][:7])
    later = sum(r[1] for r in body["rows"][49:56])
    assert first > 2 * later > 0
    body = ok(emu, startDate=pub, endDate=last, filters="video==" + vid,
              metrics="views,estimatedMinutesWatched,averageViewDuration,"
              "averageViewPercentage")
    views, minutes, avd, pct = body["rows"][0]
    dur = datetime.timedelta(**{
        {"H": "hours", "M": "minutes", "S": "seconds"}[u]: int(n)
        for n, u in __import__("re").findall(r"(\d+)([HMS])",
                                             v["contentDetails"]["duration"])
    }).total_seconds()
    assert abs(minutes * 60 / views - avd) <= 60
    assert 0 < avd <= dur * 1.2
    assert abs(pct - 100.0 * avd / dur) < 2.0


def test_distributions_sum_to_the_totals(emu):
    last = emu.clock()["last_report_day"]
    rng = dict(startDate=day(last, -29), endDate=last)
    total = ok(emu, metrics="views", **rng)["rows"][0][0]
    for dim, expect in (("insightTrafficSourceType", "YT_SEARCH"),
                        ("country", "US"), ("deviceType", "MOBILE"),
                        ("operatingSystem", "ANDROID")):
        rows = ok(emu, metrics="views", dimensions=dim, sort="-views",
                  **rng)["rows"]
        assert sum(r[1] for r in rows) == total, dim
        assert expect in [r[0] for r in rows]
        assert rows[0][1] < 0.7 * total, dim    # no single source dominates
    # watch time differs by source but adds up to the channel's
    minutes = ok(emu, metrics="estimatedMinutesWatched", **rng)["rows"][0][0]
    rows = ok(emu, metrics="views,estimatedMinutesWatched",
              dimensions="insightTrafficSourceType", **rng)["rows"]
    assert abs(sum(r[2] for r in rows) - minutes) <= len(rows)
    per_view = {r[0]: r[2] / r[1] for r in rows}
    assert per_view["YT_SEARCH"] > per_view["EXT_URL"]
    rows = ok(emu, metrics="views", dimensions="day,insightTrafficSourceType",
              **rng)["rows"]
    assert len({r[0] for r in rows}) == 30
    demo = ok(emu, metrics="viewerPercentage", dimensions="ageGroup,gender",
              **rng)
    assert abs(sum(r[2] for r in demo["rows"]) - 100.0) < 1.0
    assert demo["columnHeaders"][2]["dataType"] == "FLOAT"
    vid = emu.world()["video_with_many_threads"]
    ret = ok(emu, metrics="audienceWatchRatio",
             dimensions="elapsedVideoTimeRatio", filters="video==" + vid,
             **rng)["rows"]
    assert len(ret) == 100 and ret[0][0] == 0.01 and ret[-1][0] == 1.0
    assert [h["dataType"] for h in ok(
        emu, metrics="audienceWatchRatio", dimensions="elapsedVideoTimeRatio",
        filters="video==" + vid, **rng)["columnHeaders"]] == ["FLOAT", "FLOAT"]
    assert ret[0][1] > ret[-1][1] > 0


def test_top_videos_and_pagination(emu):
    last = emu.clock()["last_report_day"]
    rng = dict(startDate=day(last, -89), endDate=last)
    top = ok(emu, metrics="views,estimatedMinutesWatched", dimensions="video",
             sort="-estimatedMinutesWatched", maxResults=10, **rng)["rows"]
    assert len(top) == 10
    assert [r[2] for r in top] == sorted((r[2] for r in top), reverse=True)
    uploads = emu.api("playlistItems", key=True, part="contentDetails",
                      playlistId=emu.world()["uploads_playlist_id"],
                      maxResults=50).json()
    assert uploads["items"]
    mine = video(emu, top[0][0], "snippet")["snippet"]["channelId"]
    assert mine == emu.world()["my_channel_id"]
    whole = ok(emu, metrics="views", dimensions="day", **rng)["rows"]
    pages = []
    for start in (1, 41, 81):
        pages += ok(emu, metrics="views", dimensions="day", maxResults=40,
                    startIndex=start, **rng)["rows"]
    assert pages == whole and len(whole) == 90


# ---------------------------------------------------------------- errors

def test_errors_as_google(emu):
    last = emu.clock()["last_report_day"]
    rng = dict(startDate=day(last, -29), endDate=last)

    def err(status, text, token=None, **p):
        st, body = report(emu, token, **p)
        assert st == status, body
        assert text in body["error"]["message"], body
        assert body["error"]["errors"][0]["reason"]
        return body

    unsupported = "The query is not supported"
    err(400, unsupported, metrics="views", dimensions="video,day", **rng)
    err(400, unsupported, metrics="views", dimensions="video",
        maxResults=10, **rng)                     # top videos need a sort
    err(400, unsupported, metrics="views", dimensions="video",
        sort="-views", maxResults=201, **rng)
    err(400, unsupported, metrics="views", dimensions="ageGroup", **rng)
    err(400, unsupported, metrics="audienceWatchRatio",
        dimensions="elapsedVideoTimeRatio", **rng)  # needs video==ID
    err(400, "Unknown identifier (viewz) given in field parameters.metrics",
        metrics="viewz", **rng)
    err(400, "Required", metrics="views", startDate=rng["startDate"])
    err(400, "Unknown name \"foo\"", metrics="views", foo="1", **rng)
    err(400, "Invalid value", metrics="views", startDate="2026/01/01",
        endDate=last)
    err(400, "start date", metrics="views", startDate=last,
        endDate=day(last, -3))
    err(400, "50,000", metrics="views", dimensions="insightTrafficSourceType",
        startDate=day(last, -400), endDate=last)
    other = emu.world()["subscribed_channel_ids"][0]
    err(403, "Forbidden", metrics="views", ids="channel==" + other, **rng)
    narrow = emu.obtain_tokens([YT + "youtube.force-ssl"])["access_token"]
    body = err(403, "insufficient authentication scopes", narrow,
               metrics="views", **rng)
    assert body["error"]["errors"][0]["reason"] == "insufficientPermissions"
    r = emu.request("GET", "/v2/reports", params=dict(
        ids="channel==MINE", metrics="views", key=emu.api_key, **rng))
    assert r.status == 401
    st, body = report(emu, metrics="views", startDate="2000-01-01",
                      endDate="2000-01-31", dimensions="video",
                      sort="-views", maxResults=5)
    assert st == 200 and "rows" not in body


def test_fault_on_reports_is_a_google_envelope(emu):
    last = emu.clock()["last_report_day"]
    emu.fault("/v2/reports", status=500, count=1)
    st, body = report(emu, metrics="views", startDate=last, endDate=last)
    assert st == 500 and body["error"]["code"] == 500
    assert ok(emu, metrics="views", startDate=last, endDate=last)["rows"]


def test_clock_advance_at_next_report(emu):
    before = emu.clock()["offset_seconds"]
    out = emu.advance_clock(days=1, at_next_report=True)
    assert out["offset_seconds"] == before
    assert out["pending_seconds"] == 86400
    emu.api("videos", key=True, part="id", id="x")   # not a report: no tick
    assert emu.clock()["offset_seconds"] == before
    last = emu.clock()["last_report_day"]
    ok(emu, metrics="views", startDate=last, endDate=last)
    assert emu.clock()["offset_seconds"] == before + 86400
    assert emu.clock()["pending_seconds"] == 0
