"""Hostile and random input never breaks the emulator: every Data API method
gets seeded random parameter combinations (valid, empty, huge, unicode,
wrong types); every answer is a well-formed Google response (200 with a
list envelope, or a 4xx error envelope), never an internal 500, and the
server keeps serving.  Also malformed HTTP on the OAuth endpoints."""
import json
import random
import socket
import urllib.parse

import pytest

from emulator import api as emu_api
from emulator.testing import start_emulator

YT = "https://www.googleapis.com/auth/"


@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    e = start_emulator(str(tmp_path_factory.mktemp("robust") / "emu"),
                       quota_limit=10 ** 9, quiet=True)
    yield e
    e.stop()


def values(rng, world):
    pool = [
        "", " ", "0", "-1", "1", "50", "51", "100", "1000000", "true",
        "false", "abc", "x" * 300, "🎉", "مرحبا", "<script>", "%00", "\x00",
        "a,b,c", ",", "snippet", "id,snippet", "US", "JP", "zz", "10", "18",
        "2024-01-01T00:00:00Z", "2024-13-45T99:99:99Z", "CAUQAA", "CAUQAQ",
        "CP____8PEAA", "date", "viewCount", "relevance", "html", "plainText",
        "like", "dislike", "mostPopular", "video", "channel,playlist",
        world["my_channel_id"], world["uploads_playlist_id"],
        world["my_playlist_ids"][0], world["video_with_many_replies"],
        world["thread_with_many_replies"], world["comments_disabled_video"],
        world["my_handle"], "UU" + "x" * 22, "PL" + "y" * 32,
        world["thread_with_many_replies"] + ".AAAAAAAAAAAAAAAAAAAAAA",
    ]
    return rng.choice(pool)


def check(r, name, partial):
    assert r.status in (200, 400, 401, 403, 404), (name, r.status,
                                                    r.text()[:300])
    body = r.json()
    if r.status == 200 and partial:
        assert isinstance(body, dict)
    elif r.status == 200:
        assert body["kind"].startswith("youtube#") and "items" in body or \
            body["pageInfo"]["totalResults"] == 0, body
    else:
        e = body["error"]
        assert e["code"] == r.status
        assert e["errors"][0]["reason"] and e["message"]


def test_random_parameters_never_crash(emu):
    world = emu.world()
    tok = emu.obtain_tokens([YT + "youtube.readonly",
                             YT + "youtube.force-ssl"])["access_token"]
    rng = random.Random(20261122)
    n = 0
    for name in sorted(emu_api.PARAMS):
        params = sorted(emu_api.PARAMS[name])
        for _ in range(120):
            q = {}
            for p in rng.sample(params, rng.randint(1, min(5, len(params)))):
                q[p] = values(rng, world)
            if rng.random() < 0.7:
                q["part"] = rng.choice(["id", "snippet", ",".join(sorted(
                    emu_api.PARTS[name])), "snippet,bogus", ""])
            if rng.random() < 0.3:
                q["fields"] = rng.choice(["items(id", "items/id", "*",
                                          "kind,items(snippet/title)",
                                          "))", "a//b"])
            auth = {"token": tok} if rng.random() < 0.5 else {"key": True}
            r = emu.api(name, **auth, **q)
            check(r, name, "fields" in q)
            n += 1
    assert n == 120 * len(emu_api.PARAMS)
    # still serving, and nothing logged an internal error
    assert emu.api("i18nRegions", key=True, part="id").status == 200
    assert not [e for e in emu.requests_log() if e["status"] >= 500]


def test_random_options_on_valid_requests(emu):
    """One valid filter per request plus random optional parameters: walks
    deeper paths (orders, windows, tokens, formats) than random filters."""
    w = emu.world()
    tok = emu.obtain_tokens([YT + "youtube.readonly",
                             YT + "youtube.force-ssl"])["access_token"]
    me = w["my_channel_id"]
    filters = {
        "channels": [{"id": me}, {"mine": "true"},
                     {"forHandle": w["my_handle"]}],
        "playlists": [{"channelId": me}, {"mine": "true"},
                      {"id": w["my_playlist_ids"][2]}],
        "playlistItems": [{"playlistId": w["uploads_playlist_id"]},
                          {"playlistId": w[
                              "playlist_with_unavailable_videos"]}],
        "videos": [{"chart": "mostPopular"}, {"myRating": "like"},
                   {"id": w["video_with_many_replies"]}],
        "search": [{}, {"channelId": me}, {"q": "tips"}],
        "commentThreads": [{"videoId": w["video_with_many_replies"]},
                           {"allThreadsRelatedToChannelId": me}],
        "comments": [{"parentId": w["thread_with_many_replies"]}],
        "subscriptions": [{"mine": "true"}, {"channelId": me}],
        "activities": [{"channelId": me}, {"mine": "true"}],
        "videoCategories": [{"regionCode": "JP"}],
        "i18nRegions": [{}], "i18nLanguages": [{}],
    }
    options = {
        "order": ["date", "rating", "relevance", "title", "viewCount",
                  "videoCount", "time", "alphabetical", "unread", "bogus"],
        "regionCode": ["US", "GB", "JP", "IN", "BR", "zz"],
        "videoCategoryId": ["10", "20", "28", "18", "999"],
        "publishedAfter": ["2020-01-01T00:00:00Z", "2026-01-01T00:00:00+02:00"],
        "publishedBefore": ["2023-06-01T00:00:00Z", "1999-01-01T00:00:00Z"],
        "type": ["video", "channel", "playlist", "video,channel", "movie"],
        "textFormat": ["html", "plainText", "markdown"],
        "searchTerms": ["great", "script", "é"],
        "maxResults": ["0", "1", "7", "20", "50", "100"],
        "pageToken": ["CAUQAA", "CAUQAQ", "CJADEAA", "CNAPEAA", "x"],
        "videoDuration": ["short", "medium", "long", "any"],
        "videoDefinition": ["high", "standard"],
        "forChannelId": [w["subscribed_channel_ids"][0]],
        "hl": ["en", "ja"],
        "fields": ["items(id,snippet/title),nextPageToken", "pageInfo"],
    }
    rng = random.Random(99)
    ok = 0
    for name in sorted(filters):
        allowed = [o for o in options if o in emu_api.PARAMS[name] or
                   o == "fields"]
        for _ in range(60):
            q = dict(rng.choice(filters[name]))
            for o in rng.sample(allowed, min(len(allowed),
                                             rng.randint(0, 4))):
                q[o] = rng.choice(options[o])
            q["part"] = ",".join(sorted(emu_api.PARTS[name]))
            if name == "search":
                q["part"] = "snippet"
            r = emu.api(name, token=tok, **q)
            check(r, name, "fields" in q)
            ok += r.status == 200
    assert ok > 300  # most combinations are valid and answered
    assert not [e for e in emu.requests_log() if e["status"] >= 500]


def raw(emu, data):
    u = urllib.parse.urlsplit(emu.base_url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks)


@pytest.mark.parametrize("data", [
    b"NOT A REQUEST\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /youtube/v3/videos?part=id&id=%ff%fe HTTP/1.1\r\nHost: x\r\n"
    b"Connection: close\r\n\r\n",
    b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n"
    b"Connection: close\r\n\r\n",
    b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
    b"Connection: close\r\n\r\n",
    b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n"
    b"Content-Type: application/json\r\nConnection: close\r\n\r\n{not json!!}",
    b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
    b"Authorization: Basic %%%%\r\nConnection: close\r\n\r\na=%Z",
    b"GET /o/oauth2/v2/auth?client_id=a&client_id=b HTTP/1.1\r\nHost: x\r\n"
    b"Connection: close\r\n\r\n",
    b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"DELETE /youtube/v3/videos HTTP/1.1\r\nHost: x\r\nConnection: close"
    b"\r\n\r\n",
])
def test_malformed_http(emu, data):
    out = raw(emu, data)
    status_line = out.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1."), out[:200]
    code = int(status_line.split()[1])
    assert 400 <= code < 500 or code == 505, out[:300]
    assert emu.api("i18nRegions", key=True, part="id").status == 200


def test_oauth_endpoints_with_random_forms(emu):
    rng = random.Random(7)
    keys = ["grant_type", "code", "redirect_uri", "client_id",
            "client_secret", "refresh_token", "device_code", "code_verifier",
            "scope", "token", "access_token"]
    vals = ["", "x", "authorization_code", "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code", emu.client_id,
            emu.client_secret, emu.device_client_id, "🎉", "a" * 2000]
    for _ in range(300):
        form = {k: rng.choice(vals) for k in rng.sample(keys, 4)}
        path = rng.choice(["/token", "/revoke", "/device/code",
                           "/tokeninfo"])
        r = emu.request("POST", path, form=form)
        assert r.status in (200, 400, 401, 403, 428), (path, r.status)
        body = r.json()
        if r.status != 200:
            assert set(body) == {"error", "error_description"}
    # non-ASCII secrets with a valid client id, keys and tokens
    for form in ({"grant_type": "refresh_token", "client_id": emu.client_id,
                  "client_secret": "🎉", "refresh_token": "1//x"},
                 {"grant_type": "authorization_code",
                  "client_id": emu.client_id, "client_secret": "sécret",
                  "code": "4/0Aé", "redirect_uri": "http://127.0.0.1/",
                  "code_verifier": "é" * 50}):
        r = emu.request("POST", "/token", form=form)
        assert r.status in (400, 401), r.text()
    assert emu.api("videos", key="AIza🎉", part="id", id="x").status == 400
    assert emu.api("videos", access_token="ya29.🎉", part="id",
                   id="x").status == 401
    assert not [e for e in emu.requests_log() if e["status"] >= 500]
    json.dumps(emu.requests_log())


def test_concurrent_clients_and_exact_quota(tmp_path):
    import threading
    e = start_emulator(str(tmp_path / "emu"), quiet=True)
    try:
        w = e.world()
        tok = e.obtain_tokens([YT + "youtube.readonly"])["access_token"]
        e.reset_quota()
        results = []
        lock = threading.Lock()

        def worker(k):
            mine = []
            for i in range(40):
                if i % 2:
                    r = e.api("playlistItems", token=tok, part="snippet",
                              playlistId=w["uploads_playlist_id"],
                              maxResults=50)
                else:
                    r = e.api("videos", key=True, part="statistics",
                              chart="mostPopular",
                              regionCode=["US", "GB", "JP", "IN"][k % 4],
                              maxResults=50)
                mine.append((r.status, len(r.json()["items"])))
            with lock:
                results.extend(mine)

        threads = [threading.Thread(target=worker, args=(k,))
                   for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 320
        assert all(s == 200 and n == 50 for s, n in results), results[:5]
        assert e.quota_used() == 320
        assert len([x for x in e.requests_log()
                    if x["path"].startswith("/youtube/")]) == 320
    finally:
        e.stop()


def test_concurrent_searches_never_overshoot_the_limit(tmp_path):
    import threading
    e = start_emulator(str(tmp_path / "emu"), quota_limit=1000, quiet=True)
    try:
        statuses = []
        lock = threading.Lock()

        def worker():
            for _ in range(5):
                r = e.api("search", key=True, part="id", type="channel")
                with lock:
                    statuses.append(r.status)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses.count(200) == 10 and statuses.count(403) == 20
        assert e.quota_used() == 1000
    finally:
        e.stop()
