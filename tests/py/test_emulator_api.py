"""Data API v3 behaviour of the emulator: authentication and scopes, parts,
filters, paging, per-method errors, quota, gzip, and the synthetic world's
properties (determinism, heavy tails, unicode and HTML-hostile titles,
charts, comments)."""
import collections
import gzip
import html
import json
import math

import pytest

from emulator.testing import start_emulator

YT = "https://www.googleapis.com/auth/"
RO = YT + "youtube.readonly"
FSSL = YT + "youtube.force-ssl"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    e = start_emulator(str(tmp_path_factory.mktemp("api") / "emu"),
                       quota_limit=10 ** 9, quiet=True)
    print("emulator start (small): %.3f s" % e.start_seconds)
    yield e
    e.stop()


@pytest.fixture(scope="module")
def world(emu):
    return emu.world()


@pytest.fixture(scope="module")
def ro(emu):
    return emu.obtain_tokens([RO])["access_token"]


@pytest.fixture(scope="module")
def full(emu):
    return emu.obtain_tokens([RO, FSSL], prompt="consent")["access_token"]


def err(r, code, reason):
    assert r.status == code, (r.status, r.text()[:400])
    e = r.json()["error"]
    assert e["code"] == code
    assert e["errors"][0]["reason"] == reason, e
    return e


def all_pages(emu, resource, limit=1000, **params):
    items, token, pages = [], None, 0
    while True:
        if token:
            params["pageToken"] = token
        r = emu.api(resource, **params)
        assert r.status == 200, r.text()[:300]
        body = r.json()
        items += body["items"]
        pages += 1
        token = body.get("nextPageToken")
        if not token or pages >= limit:
            return items, body, pages


# ------------------------------------------------------------ auth, scopes

def test_credentials(emu, ro, world):
    e = err(emu.api("videos", part="id", id="x"), 403, "forbidden")
    assert e["message"] == "The request is missing a valid API key."
    e = err(emu.api("videos", key="AIzaWrong", part="id", id="x"), 400,
            "keyInvalid")
    assert e["status"] == "INVALID_ARGUMENT"
    r = emu.api("videos", token="ya29.bogus", part="id", id="x")
    e = err(r, 401, "authError")
    assert e["errors"][0]["location"] == "Authorization"
    assert e["status"] == "UNAUTHENTICATED"
    assert r.headers["www-authenticate"].startswith("Bearer ")
    # every way of presenting credentials works
    assert emu.api("videos", key=True, part="id", id="x").status == 200
    assert emu.api("videos", part="id", id="x",
                   headers={"X-Goog-Api-Key": emu.api_key}).status == 200
    assert emu.api("videos", part="id", id="x",
                   access_token=ro).status == 200
    assert emu.api("videos", token=ro, part="id", id="x").status == 200


def test_mine_needs_oauth(emu):
    for res, extra in (("channels", {}), ("playlists", {}),
                       ("subscriptions", {}), ("activities", {})):
        e = err(emu.api(res, key=True, part="id", mine="true", **extra),
                401, "required")
        assert e["message"] == "Login Required."
    err(emu.api("videos", key=True, part="id", myRating="like"), 401,
        "required")


def test_comment_scopes(emu, ro, full, world):
    vid = world["video_with_many_replies"]
    e = err(emu.api("commentThreads", token=ro, part="snippet", videoId=vid),
            403, "insufficientPermissions")
    assert e["message"] == "Request had insufficient authentication scopes."
    err(emu.api("comments", token=ro, part="snippet",
                parentId=world["thread_with_many_replies"]),
        403, "insufficientPermissions")
    assert emu.api("commentThreads", token=full, part="snippet",
                   videoId=vid).status == 200
    assert emu.api("commentThreads", key=True, part="snippet",
                   videoId=vid).status == 200
    # a token without any YouTube scope
    t = emu.obtain_tokens(["email"])["access_token"]
    err(emu.api("channels", token=t, part="id", mine="true"), 403,
        "insufficientPermissions")


# ------------------------------------------------------------ parameters

def test_parts_and_filters(emu, world):
    me = world["my_channel_id"]
    e = err(emu.api("channels", key=True, id=me), 400, "required")
    assert e["errors"][0]["location"] == "part"
    err(emu.api("channels", key=True, part="snippet,bogus", id=me), 400,
        "unknownPart")
    r = emu.api("channels", key=True, part="statistics", id=me).json()
    assert set(r["items"][0]) == {"kind", "etag", "id", "statistics"}
    r = emu.api("channels", key=True, part="id", id=me).json()
    assert set(r["items"][0]) == {"kind", "etag", "id"}
    e = err(emu.api("channels", key=True, part="id"), 400,
            "missingRequiredParameter")
    assert e["message"].startswith("No filter selected. Expected one of:")
    err(emu.api("channels", key=True, part="id", id=me,
                forHandle="@x"), 400, "incompatibleParameters")
    err(emu.api("channels", key=True, part="id", id=me, colour="red"), 400,
        "unexpectedParameter")
    # system parameters are accepted
    assert emu.api("channels", key=True, part="id", id=me, prettyPrint=
                   "false", alt="json", quotaUser="u").status == 200


def test_paging_tokens(emu, world):
    up = world["uploads_playlist_id"]
    p1 = emu.api("playlistItems", key=True, part="id", playlistId=up,
                 maxResults=7).json()
    assert "prevPageToken" not in p1
    assert p1["pageInfo"] == {"totalResults": world["counts"]["my_uploads"],
                              "resultsPerPage": 7}
    p2 = emu.api("playlistItems", key=True, part="id", playlistId=up,
                 maxResults=7, pageToken=p1["nextPageToken"]).json()
    back = emu.api("playlistItems", key=True, part="id", playlistId=up,
                   maxResults=7, pageToken=p2["prevPageToken"]).json()
    assert [i["id"] for i in back["items"]] == [i["id"] for i in p1["items"]]
    assert not {i["id"] for i in p1["items"]} & {i["id"] for i in
                                                  p2["items"]}
    err(emu.api("playlistItems", key=True, part="id", playlistId=up,
                pageToken="garbage!"), 400, "invalidPageToken")
    # default page size per method
    assert len(emu.api("playlistItems", key=True, part="id",
                       playlistId=up).json()["items"]) == 5
    assert len(emu.api("commentThreads", key=True, part="id",
                       videoId=world["video_with_many_threads"]).json()[
        "items"]) == 20


def test_not_found_errors(emu, world):
    err(emu.api("playlistItems", key=True, part="id",
                playlistId="PLdoesnotexist"), 404, "playlistNotFound")
    err(emu.api("playlists", key=True, part="id",
                channelId="UCdoesnotexistdoesnotexis"), 404,
        "channelNotFound")
    err(emu.api("commentThreads", key=True, part="id", videoId="zzzzzzzzzzz"),
        404, "videoNotFound")
    err(emu.api("commentThreads", key=True, part="id",
                videoId=world["comments_disabled_video"]), 403,
        "commentsDisabled")
    err(emu.api("comments", key=True, part="id", parentId="Ugnope"), 404,
        "commentNotFound")
    err(emu.api("subscriptions", key=True, part="id",
                channelId=world["subscribed_channel_ids"][0]), 403,
        "subscriptionForbidden")
    # unknown ids in an id list are just absent, as at Google
    r = emu.api("videos", key=True, part="id",
                id="zzzzzzzzzzz," + world["hidden_likes_video"]).json()
    assert [i["id"] for i in r["items"]] == [world["hidden_likes_video"]]
    err(emu.api("videos", key=True, part="id", id=",".join(["x"] * 51)),
        400, "invalidParameter")


# ------------------------------------------------------------ resources

def test_channel_lookups(emu, world, ro):
    me = world["my_channel_id"]
    for kw in ({"forHandle": world["my_handle"]},
               {"forHandle": world["my_handle"][1:]},
               {"forUsername": world["my_username"]}, {"id": me}):
        r = emu.api("channels", key=True, part="id", **kw).json()
        assert [i["id"] for i in r["items"]] == [me], kw
    r = emu.api("channels", key=True, part="id", forHandle="@nobody").json()
    assert "items" not in r and r["pageInfo"]["totalResults"] == 0
    mine = emu.api("channels", token=ro, part="contentDetails",
                   mine="true").json()["items"][0]
    assert mine["contentDetails"]["relatedPlaylists"]["uploads"] == \
        world["uploads_playlist_id"] == "UU" + me[2:]


def test_video_resource_formats(emu, world):
    ids = [world["hidden_likes_video"], world["comments_disabled_video"],
           world["video_with_many_replies"]]
    r = emu.api("videos", key=True, part="snippet,contentDetails,statistics,"
                "status", id=",".join(ids)).json()
    by = {i["id"]: i for i in r["items"]}
    assert "likeCount" not in by[ids[0]]["statistics"]
    assert "commentCount" not in by[ids[1]]["statistics"]
    st = by[ids[2]]["statistics"]
    assert all(isinstance(v, str) and v.isdigit() for v in st.values())
    assert "dislikeCount" not in st
    for it in r["items"]:
        assert it["contentDetails"]["duration"].startswith("PT")
        assert it["snippet"]["publishedAt"].endswith("Z")
    # commentCount = threads + replies, as counted through the API
    threads, _, _ = all_pages(emu, "commentThreads", key=True,
                              part="snippet", videoId=ids[2], maxResults=100)
    total = len(threads) + sum(t["snippet"]["totalReplyCount"]
                               for t in threads)
    assert int(st["commentCount"]) == total


def test_comment_threads_embed_at_most_five_replies(emu, world):
    vid = world["video_with_many_replies"]
    threads, _, _ = all_pages(emu, "commentThreads", key=True,
                              part="snippet,replies", videoId=vid,
                              maxResults=100)
    big = [t for t in threads if t["snippet"]["totalReplyCount"] > 5]
    assert big
    for t in threads:
        n = t["snippet"]["totalReplyCount"]
        emb = t.get("replies", {}).get("comments", [])
        assert len(emb) == min(5, n)
        if n == 0:
            assert "replies" not in t
    t = big[0]
    replies, last, pages = all_pages(emu, "comments", key=True,
                                     part="snippet", parentId=t["id"],
                                     maxResults=3)
    assert len(replies) == t["snippet"]["totalReplyCount"] and pages > 1
    assert all(c["snippet"]["parentId"] == t["id"] for c in replies)
    assert "totalResults" not in last["pageInfo"]
    emb_ids = [c["id"] for c in t["replies"]["comments"]]
    assert set(emb_ids) <= {c["id"] for c in replies}
    # comments.list id= finds a reply and a top-level comment
    r = emu.api("comments", key=True, part="snippet",
                id=emb_ids[0] + "," + t["id"]).json()
    assert [c["id"] for c in r["items"]] == [emb_ids[0], t["id"]]


def test_comment_text_formats(emu, world):
    threads, _, _ = all_pages(emu, "commentThreads", key=True,
                              part="snippet", maxResults=100,
                              allThreadsRelatedToChannelId=world[
                                  "my_channel_id"], limit=20)
    tops = [t["snippet"]["topLevelComment"]["snippet"] for t in threads]
    hostile = [s for s in tops if "<script>" in s["textOriginal"]]
    assert hostile
    assert "<script>" not in hostile[0]["textDisplay"]
    assert "&lt;script&gt;" in hostile[0]["textDisplay"]
    tid = threads[0]["id"]
    r = emu.api("commentThreads", key=True, part="snippet", id=tid,
                textFormat="plainText").json()
    s = r["items"][0]["snippet"]["topLevelComment"]["snippet"]
    assert s["textDisplay"] == s["textOriginal"]


def test_all_threads_related_to_channel_pages_across_videos(emu, world):
    threads, body, pages = all_pages(
        emu, "commentThreads", key=True, part="snippet", maxResults=100,
        allThreadsRelatedToChannelId=world["my_channel_id"], limit=5)
    assert pages == 5 and "nextPageToken" in body
    assert len({t["snippet"]["videoId"] for t in threads}) > 3
    assert len({t["id"] for t in threads}) == len(threads)


def test_subscriptions_heavy_tailed(emu, world, ro):
    subs, last, _ = all_pages(emu, "subscriptions", token=ro,
                              part="snippet", mine="true", maxResults=50)
    assert len(subs) == world["counts"]["subscriptions"] == \
        last["pageInfo"]["totalResults"]
    ids = [s["snippet"]["resourceId"]["channelId"] for s in subs]
    stats = []
    for i in range(0, len(ids), 50):
        r = emu.api("channels", key=True, part="statistics",
                    id=",".join(ids[i:i + 50]), maxResults=50).json()
        stats += [c["statistics"] for c in r["items"]]
    assert len(stats) == len(ids)
    hidden = [s for s in stats if s["hiddenSubscriberCount"]]
    assert all("subscriberCount" not in s for s in hidden)
    subsc = sorted(int(s["subscriberCount"]) for s in stats
                   if not s["hiddenSubscriberCount"])
    views = [int(s["viewCount"]) for s in stats]
    # heavy tail: orders of magnitude between median and max
    assert subsc[-1] > 100 * subsc[len(subsc) // 2] > 0
    assert max(views) > 1000 * min(views)
    # alphabetical order option
    r = emu.api("subscriptions", token=ro, part="snippet", mine="true",
                order="alphabetical", maxResults=50).json()
    titles = [s["snippet"]["title"].lower() for s in r["items"]]
    assert titles == sorted(titles)


REGIONS = ["US", "GB", "JP", "IN", "BR"]


@pytest.mark.parametrize("region", REGIONS)
def test_most_popular_chart(emu, region):
    vids, last, pages = all_pages(emu, "videos", key=True,
                                  part="snippet,statistics",
                                  chart="mostPopular", regionCode=region,
                                  maxResults=50)
    assert 150 <= len(vids) <= 200 and pages == math.ceil(len(vids) / 50)
    assert last["pageInfo"]["totalResults"] == len(vids)
    views = [int(v["statistics"]["viewCount"]) for v in vids]
    assert views == sorted(views, reverse=True)
    months = collections.Counter(v["snippet"]["publishedAt"][:7]
                                 for v in vids)
    cats = collections.Counter(v["snippet"]["categoryId"] for v in vids)
    assert len(months) >= 6, months
    assert len(cats) >= 5, cats
    # per-category chart
    cat = cats.most_common(1)[0][0]
    sub, _, _ = all_pages(emu, "videos", key=True, part="snippet",
                          chart="mostPopular", regionCode=region,
                          videoCategoryId=cat, maxResults=50)
    assert sub and all(v["snippet"]["categoryId"] == cat for v in sub)


def test_chart_errors_and_categories(emu):
    err(emu.api("videos", key=True, part="id", chart="mostPopular",
                regionCode="US", videoCategoryId="18"), 404,
        "videoChartNotFound")
    err(emu.api("videos", key=True, part="id", chart="mostPopular",
                regionCode="XX"), 400, "invalidRegionCode")
    us = emu.api("videoCategories", key=True, part="snippet",
                 regionCode="US").json()
    jp = emu.api("videoCategories", key=True, part="snippet",
                 regionCode="JP").json()
    assert "pageInfo" not in us
    assert {c["id"] for c in us["items"]} > {c["id"] for c in jp["items"]}
    music = [c for c in us["items"] if c["id"] == "10"][0]
    assert music["snippet"] == {"title": "Music", "assignable": True,
                                "channelId": "UCBR8-60-B28hp2BmDPdntcQ"}
    regions = emu.api("i18nRegions", key=True, part="snippet").json()
    assert set(REGIONS) <= {r["id"] for r in regions["items"]}
    langs = emu.api("i18nLanguages", key=True, part="snippet").json()
    assert {"en", "ja", "ar", "he"} <= {r["id"] for r in langs["items"]}


def test_search_cap_order_filters_and_escaping(emu, world):
    quota0 = emu.quota_used()
    vids, last, pages = all_pages(emu, "search", key=True, part="snippet",
                                  type="video", maxResults=50)
    assert len(vids) == 500 and pages == 10  # capped near 500
    assert last["pageInfo"]["totalResults"] > 500
    assert emu.quota_used() - quota0 == 100 * pages
    # by channel, newest first, within a window
    me = world["my_channel_id"]
    r = emu.api("search", key=True, part="snippet", channelId=me,
                type="video", order="date", maxResults=50,
                publishedAfter="2022-01-01T00:00:00Z",
                publishedBefore="2023-01-01T00:00:00Z").json()
    dates = [i["snippet"]["publishedAt"] for i in r["items"]]
    assert dates and dates == sorted(dates, reverse=True)
    assert all("2022-01-01" <= d < "2023-01-01" for d in dates)
    assert all(i["snippet"]["channelId"] == me for i in r["items"])
    assert r["regionCode"] == "US"
    # a window below the cap is exhaustive: same count as the uploads
    ups, _, _ = all_pages(emu, "playlistItems", key=True,
                          part="contentDetails",
                          playlistId=world["uploads_playlist_id"],
                          maxResults=50)
    in_2022 = [u for u in ups if "2022-01-01" <= u["contentDetails"][
        "videoPublishedAt"] < "2023-01-01"]
    found, last, _ = all_pages(emu, "search", key=True, part="id",
                               channelId=me, type="video", maxResults=50,
                               publishedAfter="2022-01-01T00:00:00Z",
                               publishedBefore="2023-01-01T00:00:00Z")
    assert len(found) == len(in_2022) == last["pageInfo"]["totalResults"]
    assert {f["id"]["videoId"] for f in found} == {
        u["contentDetails"]["videoId"] for u in in_2022}
    err(emu.api("search", key=True, part="snippet",
                publishedAfter="yesterday"), 400, "invalidParameter")
    err(emu.api("search", key=True, part="snippet", videoDuration="short"),
        400, "invalidSearchFilter")
    # snippet titles are HTML-escaped like the real search.list
    r = emu.api("search", key=True, part="snippet", q="script",
                channelId=me, type="video").json()
    t = r["items"][0]["snippet"]["title"]
    assert "&lt;script&gt;" in t and "<script>" not in t
    assert "<script>" in html.unescape(t)
    # q with OR and NOT
    both = emu.api("search", key=True, part="snippet", channelId=me,
                   type="video", q="emoji|budget", maxResults=50).json()
    titles = [html.unescape(i["snippet"]["title"]) for i in both["items"]]
    assert any("$5 and $10" in x for x in titles)
    assert any("🎉" in x for x in titles)
    neg = emu.api("search", key=True, part="snippet", channelId=me,
                  type="video", q="emoji|budget -budget",
                  maxResults=50).json()
    assert not any("$5 and $10" in html.unescape(i["snippet"]["title"])
                   for i in neg["items"])


def test_world_titles_and_determinism(emu, world, tmp_path):
    up = world["uploads_playlist_id"]
    items, _, _ = all_pages(emu, "playlistItems", key=True, part="snippet",
                            playlistId=up, maxResults=50)
    titles = [i["snippet"]["title"] for i in items]
    joined = "\n".join(titles)
    for needle in ("<script>", "&", "$5 and $10", "🎉", "مرحبا", "שלום"):
        assert needle in joined, needle
    # same seed -> same world; other seed -> other ids
    again = start_emulator(str(tmp_path / "same"), quiet=True)
    other = start_emulator(str(tmp_path / "other"), seed=2, quiet=True)
    try:
        w2 = again.world()
        assert w2["my_channel_id"] == world["my_channel_id"]
        a = emu.api("playlistItems", key=True, part="snippet",
                    playlistId=up, maxResults=50).json()
        b = again.api("playlistItems", key=True, part="snippet",
                      playlistId=up, maxResults=50).json()
        assert a["items"] == b["items"]
        assert other.world()["my_channel_id"] != world["my_channel_id"]
    finally:
        again.stop()
        other.stop()


def test_playlists(emu, world, ro):
    me = world["my_channel_id"]
    public, _, _ = all_pages(emu, "playlists", key=True,
                             part="snippet,contentDetails,status",
                             channelId=me, maxResults=50)
    mine, _, _ = all_pages(emu, "playlists", token=ro,
                           part="snippet,contentDetails,status", mine="true",
                           maxResults=50)
    assert len(mine) == world["counts"]["my_playlists"] == len(public) + 1
    assert any(p["status"]["privacyStatus"] == "private" for p in mine)
    big = [p for p in mine if p["contentDetails"]["itemCount"] > 100][0]
    items, _, pages = all_pages(emu, "playlistItems", token=ro,
                                part="snippet", playlistId=big["id"],
                                maxResults=50)
    assert len(items) == big["contentDetails"]["itemCount"] and pages == 3
    assert [i["snippet"]["position"] for i in items] == list(
        range(len(items)))
    empty = [p for p in mine if p["contentDetails"]["itemCount"] == 0][0]
    r = emu.api("playlistItems", token=ro, part="id",
                playlistId=empty["id"]).json()
    assert r["items"] == [] and "nextPageToken" not in r
    private = [p for p in mine if p["status"]["privacyStatus"] ==
               "private"][0]
    err(emu.api("playlistItems", key=True, part="id",
                playlistId=private["id"]), 403, "playlistItemsNotAccessible")


def test_deleted_and_private_videos_in_a_playlist(emu, world):
    pid = world["playlist_with_unavailable_videos"]
    items, _, _ = all_pages(emu, "playlistItems", key=True,
                            part="snippet,contentDetails,status",
                            playlistId=pid, maxResults=50)
    gone = {i["snippet"]["position"]: i for i in items
            if i["snippet"]["title"] in ("Deleted video", "Private video")}
    assert sorted(gone) == [4, 9]
    assert gone[4]["snippet"]["title"] == "Deleted video"
    assert gone[9]["status"] == {"privacyStatus": "private"}
    for it in gone.values():
        assert it["snippet"]["thumbnails"] == {}
        assert "videoOwnerChannelId" not in it["snippet"]
        assert "videoPublishedAt" not in it["contentDetails"]
    ids = [i["contentDetails"]["videoId"] for i in items]
    found = emu.api("videos", key=True, part="id", id=",".join(ids)).json()
    known = {v["id"] for v in found["items"]}
    assert known == set(ids) - {it["contentDetails"]["videoId"]
                                for it in gone.values()}


def test_activities_and_my_rating(emu, world, ro):
    acts, _, _ = all_pages(emu, "activities", token=ro,
                           part="snippet,contentDetails", mine="true",
                           maxResults=50, limit=2)
    assert all(a["snippet"]["type"] == "upload" for a in acts)
    assert all("videoId" in a["contentDetails"]["upload"] for a in acts)
    liked, last, _ = all_pages(emu, "videos", token=ro, part="id",
                               myRating="like", maxResults=50)
    assert len(liked) == last["pageInfo"]["totalResults"] > 50


def test_fields_partial_response_and_pretty_print(emu, world):
    up = world["uploads_playlist_id"]
    r = emu.api("playlistItems", key=True, part="snippet,contentDetails",
                playlistId=up, maxResults=3,
                fields="nextPageToken,items(snippet(title,thumbnails/default"
                       "),contentDetails/videoId)")
    body = r.json()
    assert set(body) == {"nextPageToken", "items"}
    it = body["items"][0]
    assert set(it) == {"snippet", "contentDetails"}
    assert set(it["snippet"]) == {"title", "thumbnails"}
    assert set(it["snippet"]["thumbnails"]) == {"default"}
    assert set(it["contentDetails"]) == {"videoId"}
    err(emu.api("playlistItems", key=True, part="id", playlistId=up,
                fields="items(id"), 400, "invalidParameter")
    compact = emu.api("playlistItems", key=True, part="id", playlistId=up,
                      prettyPrint="false")
    pretty = emu.api("playlistItems", key=True, part="id", playlistId=up)
    assert b"\n" not in compact.body and b"\n  " in pretty.body
    assert compact.json() == pretty.json()


def test_compact_json_knob(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), compact_json=True, quiet=True)
    try:
        r = e.api("i18nRegions", key=True, part="snippet")
        assert b"\n" not in r.body and r.json()["items"]
        r = e.api("i18nRegions", key=True, part="snippet", prettyPrint="true")
        assert b"\n  " in r.body
    finally:
        e.stop()


# ------------------------------------------------------------ quota, gzip

def test_quota_ledger(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), quota_limit=250, quiet=True)
    try:
        me = e.world()["my_channel_id"]
        assert e.api("channels", key=True, part="id", id=me).status == 200
        assert e.quota_used() == 1
        # invalid requests cost too
        assert e.api("channels", key=True, part="bogus", id=me).status == 400
        assert e.quota_used() == 2
        assert e.api("search", key=True, part="snippet").status == 200
        assert e.quota_used() == 102
        assert e.api("search", key=True, part="snippet").status == 200
        assert e.quota_used() == 202
        # a third search would exceed 250
        r = e.api("search", key=True, part="snippet")
        ex = err(r, 403, "quotaExceeded")
        assert ex["errors"][0]["domain"] == "youtube.quota"
        assert e.quota_used() == 202
        # list calls still fit
        assert e.api("channels", key=True, part="id", id=me).status == 200
        # bearer and key share the project's ledger
        tok = e.obtain_tokens([RO])["access_token"]
        assert e.api("channels", token=tok, part="id",
                     mine="true").status == 200
        q = e.quota()
        assert q["used"] == 204 and len(q["by_client"]) == 2
        # bad credentials are not charged
        e.api("channels", key="AIzaBad", part="id", id=me)
        assert e.quota_used() == 204
        e.set_quota_limit(204)
        err(e.api("channels", key=True, part="id", id=me), 403,
            "quotaExceeded")
        e.reset_quota()
        assert e.quota_used() == 0
        assert e.api("channels", key=True, part="id", id=me).status == 200
    finally:
        e.stop()


def test_gzip_when_asked(emu, world):
    params = dict(key=True, part="snippet", id=world["my_channel_id"])
    plain = emu.api("channels", **params)
    zipped = emu.api("channels", headers={"Accept-Encoding": "gzip"},
                     **params)
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) == len(zipped.body)
    assert json.loads(gzip.decompress(zipped.body)) == json.loads(plain.body)
    off = emu.api("channels", headers={"Accept-Encoding": "gzip;q=0"},
                  **params)
    assert "content-encoding" not in off.headers
    # errors are gzipped too
    e = emu.api("channels", headers={"Accept-Encoding": "gzip, deflate"},
                key=True, part="bogus", id="x")
    assert e.headers["content-encoding"] == "gzip"
    assert e.json()["error"]["code"] == 400


def test_etag_and_if_none_match(emu, world):
    params = dict(key=True, part="snippet", id=world["my_channel_id"])
    r = emu.api("channels", **params)
    etag = r.json()["etag"]
    assert r.headers["etag"] == '"%s"' % etag
    used = emu.quota_used()
    r304 = emu.api("channels", headers={"If-None-Match": '"%s"' % etag},
                   **params)
    assert r304.status == 304 and r304.body == b""
    assert emu.quota_used() == used + 1
    r = emu.api("channels", headers={"If-None-Match": '"stale"'}, **params)
    assert r.status == 200 and r.json()["etag"] == etag
    # a different page is a different list
    other = emu.api("channels", part="statistics", key=True,
                    id=world["my_channel_id"]).json()["etag"]
    assert other != etag


def test_large_world_starts_and_serves(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), size="large", quiet=True)
    try:
        print("emulator start (large, 100,000 videos): %.3f s" %
              e.start_seconds)
        w = e.world()
        assert w["counts"]["videos"] == 100000
        assert w["counts"]["my_uploads"] == 5000
        assert w["counts"]["subscriptions"] == 500
        assert w["counts"]["threads_on_big_video"] == 10000
        r = e.api("playlistItems", key=True, part="contentDetails",
                  playlistId=w["uploads_playlist_id"], maxResults=50).json()
        assert r["pageInfo"]["totalResults"] == 5000
        r = e.api("commentThreads", key=True, part="id", maxResults=100,
                  videoId=w["video_with_many_threads"]).json()
        assert len(r["items"]) == 100 and "nextPageToken" in r
        r = e.api("videos", key=True, part="snippet", chart="mostPopular",
                  regionCode="BR", maxResults=50).json()
        ids = [v["id"] for v in r["items"]]
        again = e.api("videos", key=True, part="id", id=",".join(ids)).json()
        assert [v["id"] for v in again["items"]] == ids
    finally:
        e.stop()
