"""The emulator serves requests side by side, keeps its shared state exact
under concurrency, and its response cache changes nothing but speed.

- A request sleeping in its added latency does not hold up another one
  (ordering, not timing: the slow request is still in flight when the fast
  one has been answered).
- Many threads asking for pages at once get exactly the bytes a lone client
  gets; the quota ledger counts every call once; a fault with count=N fails
  exactly N of the concurrent calls; the request log has one row per call.
- With --response-cache-mb, every answer (pretty, compact, gzip, fields,
  If-None-Match 304, errors, API key vs OAuth) is byte-identical to an
  emulator without the cache, and repeated calls are served from it.
"""
import gzip
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from emulator.testing import start_emulator

YT = "https://www.googleapis.com/auth/"
SCOPES = [YT + "youtube.readonly", YT + "youtube.force-ssl"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two emulators with the same seed: one without, one with the cache."""
    base = tmp_path_factory.mktemp("conc")
    plain = start_emulator(str(base / "plain"), seed=3, quota_limit=10 ** 9,
                           quiet=True)
    cached = start_emulator(str(base / "cached"), seed=3,
                            quota_limit=10 ** 9, quiet=True,
                            response_cache_mb=64)
    yield plain, cached
    plain.stop()
    cached.stop()


def token(emu):
    return emu.obtain_tokens(SCOPES)["access_token"]


def requests_for(world):
    """(resource, params) covering pages, id batches, comments, fields."""
    up = world["uploads_playlist_id"]
    return [
        ("channels", dict(part="snippet,contentDetails,statistics",
                          mine="true")),
        ("playlistItems", dict(part="snippet,contentDetails", playlistId=up,
                               maxResults=50)),
        ("playlistItems", dict(part="snippet,contentDetails", playlistId=up,
                               maxResults=50, pageToken="CDIQAA")),
        ("playlistItems", dict(part="contentDetails", playlistId=up,
                               maxResults=7, fields="items/contentDetails,"
                               "nextPageToken")),
        ("videos", dict(part="snippet,contentDetails,statistics",
                        id=world["video_with_many_replies"] + "," +
                        world["hidden_likes_video"])),
        ("videos", dict(part="snippet,statistics", chart="mostPopular",
                        regionCode="JP", maxResults=20)),
        ("subscriptions", dict(part="snippet", mine="true", maxResults=50)),
        ("commentThreads", dict(part="snippet,replies",
                                videoId=world["video_with_many_threads"],
                                maxResults=100, textFormat="plainText")),
        ("commentThreads", dict(part="snippet,replies",
                                videoId=world["video_with_many_threads"],
                                maxResults=100, prettyPrint="false")),
        ("comments", dict(part="snippet",
                          parentId=world["thread_with_many_replies"],
                          maxResults=100)),
        ("commentThreads", dict(part="snippet",
                                videoId=world["comments_disabled_video"])),
        ("videos", dict(part="snippet", id="x", maxResults=500)),
    ]


def answer(emu, tok, resource, params, gz=False, inm=None):
    hdrs = {}
    if gz:
        hdrs["Accept-Encoding"] = "gzip"
    if inm:
        hdrs["If-None-Match"] = inm
    r = emu.api(resource, token=tok, headers=hdrs, **params)
    body = r.body
    if r.headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return r.status, r.headers.get("etag"), body


def test_latency_sleep_does_not_block_other_requests(tmp_path):
    emu = start_emulator(str(tmp_path / "emu"), quiet=True)
    try:
        tok = token(emu)
        vid = emu.world()["hidden_likes_video"]
        # the next videos request sleeps 60 s before it is answered
        emu.fault("/youtube/v3/videos", mode="latency", latency_ms=60000)
        slow_done = threading.Event()

        def slow():
            try:
                emu.request("GET", "/youtube/v3/videos", params=dict(
                    part="id", id=vid), headers={
                    "Authorization": "Bearer " + tok}, timeout=120)
            except OSError:
                pass  # the emulator stops under it at the end of the test
            finally:
                slow_done.set()

        t = threading.Thread(target=slow, daemon=True)
        t.start()
        # wait until the slow request is in the emulator (its fault is used)
        for _ in range(600):
            if not emu.faults():
                break
            threading.Event().wait(0.05)
        assert not emu.faults()
        fast = [emu.api("channels", token=tok, part="id", mine="true")
                for _ in range(3)]
        assert [r.status for r in fast] == [200, 200, 200]
        assert not slow_done.is_set()  # still asleep: nothing waited for it
    finally:
        emu.stop()


def test_concurrent_answers_equal_serial_ones_and_ledger_is_exact(pair):
    plain, _ = pair
    tok = token(plain)
    reqs = requests_for(plain.world())
    serial = [answer(plain, tok, r, p) for r, p in reqs]
    plain.clear_requests_log()
    q0 = plain.quota_used()
    jobs = [reqs[i % len(reqs)] for i in range(8 * len(reqs))]
    with ThreadPoolExecutor(max_workers=16) as ex:
        got = list(ex.map(lambda rp: answer(plain, tok, *rp, gz=True), jobs))
    for i, g in enumerate(got):
        assert g == serial[i % len(reqs)], jobs[i]
    # one unit per list call (errors included: Google charges them too)
    assert plain.quota_used() - q0 == len(jobs)
    log = [e for e in plain.requests_log()
           if e["path"].startswith("/youtube/v3/")]
    assert len(log) == len(jobs)


def test_fault_count_is_exact_under_concurrency(pair):
    plain, _ = pair
    tok = token(plain)
    up = plain.world()["uploads_playlist_id"]
    plain.fault("/youtube/v3/playlistItems", status=503, count=5)
    with ThreadPoolExecutor(max_workers=12) as ex:
        statuses = list(ex.map(lambda _: plain.api(
            "playlistItems", token=tok, part="id", playlistId=up).status,
            range(30)))
    assert sorted(statuses).count(503) == 5
    assert statuses.count(200) == 25
    assert plain.faults() == []


def test_response_cache_is_byte_identical(pair):
    plain, cached = pair
    tp, tc = token(plain), token(cached)
    wp, wc = plain.world(), cached.world()
    del wp["base_url"], wc["base_url"]
    assert wp == wc  # same seed, same world
    reqs = requests_for(plain.world())
    before = cached.cache_stats()
    for rnd in range(2):
        for resource, params in reqs:
            for gz in (False, True):
                a = answer(plain, tp, resource, params, gz=gz)
                b = answer(cached, tc, resource, params, gz=gz)
                assert a == b, (rnd, resource, params, gz)
                if a[0] == 200 and a[1]:  # revalidation: 304 either way
                    assert answer(cached, tc, resource, params,
                                  inm=b[1]) == (304, b[1], b"")
    # with an API key (a different principal: no cache entry shared)
    key_req = ("videos", dict(part="snippet,statistics",
                              id=plain.world()["hidden_likes_video"]))
    ra = plain.api(key_req[0], key=True, **key_req[1])
    rb = cached.api(key_req[0], key=True, **key_req[1])
    assert (ra.status, ra.body) == (rb.status, rb.body)
    after = cached.cache_stats()
    ok_reqs = sum(1 for r, p in reqs if answer(plain, tp, r, p)[0] == 200)
    assert after["entries"] - before["entries"] == ok_reqs + 1
    assert after["hits"] > before["hits"]
    assert 0 < after["bytes"] <= after["limit_bytes"]


def test_response_cache_still_checks_scopes_and_tokens(pair):
    _, cached = pair
    tid = cached.world()["video_with_many_threads"]
    params = dict(part="snippet", videoId=tid, maxResults=5)
    assert cached.api("commentThreads", token=token(cached),
                      **params).status == 200
    # youtube.readonly alone may not list comment threads, cached or not
    ro = cached.obtain_tokens([YT + "youtube.readonly"])["access_token"]
    r = cached.api("commentThreads", token=ro, **params)
    assert r.status == 403 and b"insufficientPermissions" in r.body
    r = cached.api("commentThreads", token="ya29.bogus", **params)
    assert r.status == 401
