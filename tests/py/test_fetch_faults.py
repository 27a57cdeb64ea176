"""%yt_fetch under server errors injected mid-fetch: retries with backoff,
token refresh on expiry, fatal reasons that stop but keep every stored page,
--resume without loss or duplicates, quota exhausted, per-item skips and
interrupts."""
import json
import os
import threading
import time

import pytest

import ytk
from emulator.api import make_token
from fetchutil import (Store, api_requests, fault_id, kernel_env_fixture,
                       qparam, secrets_of, token_env)
from ytk import run

CHART = "%yt_fetch videos --chart mostPopular --region US"


kernel_env = kernel_env_fixture(timeout_ms=3000)


def page_pattern(resource, offset):
    """fnmatch pattern for the page of `resource` starting at `offset`."""
    return "/youtube/v3/%s?*pageToken=%s*" % (resource, make_token(offset))


RETRYABLE = [
    dict(status=500),
    dict(status=503),
    dict(status=429, retry_after=1),
    dict(status=403, reason="rateLimitExceeded"),
    dict(status=403, reason="userRateLimitExceeded"),
    dict(mode="drop"),
    dict(mode="truncate"),
]


@pytest.mark.parametrize("fault", RETRYABLE, ids=fault_id)
def test_retryable_errors_mid_fetch_recover(emulator, kc, store, fault):
    emulator.fault(page_pattern("videos", 100), count=2, **fault)
    r = run(kc, CHART)
    assert store.count("videos") == 200
    store.no_dupes("videos", "video_id")
    outcomes = [o for (o,) in store.rows(
        "SELECT outcome FROM _ytk_requests ORDER BY id")]
    assert outcomes.count("ok") == 4
    if fault.get("mode") == "drop":
        # libcurl itself resends once when a reused keep-alive connection
        # turns out dead, so the kernel may see only one of the two drops
        assert 1 <= outcomes.count("retry") <= 2
    else:
        assert outcomes.count("retry") == 2
        assert "2 retries" in r.all_text()
    # the ledger equals the log, a truncated answer included: the server
    # charged it and the log says so (it used to log 0 units for it)
    assert emulator.quota_used() == store.logged_units()


def test_timeout_is_retried(emulator, kc, store):
    # one answer slower than the 3 s request timeout of this module
    emulator.fault(page_pattern("videos", 50), mode="latency",
                   latency_ms=4500, count=1)
    r = run(kc, CHART)
    assert store.count("videos") == 200
    assert store.rows("SELECT reason FROM _ytk_requests WHERE outcome = "
                      "'retry'") == [("timeout",)]


def test_401_mid_fetch_refreshes_once_and_continues(emulator, kc, store,
                                                    ytk_home):
    token_path = os.path.join(str(ytk_home), "token.json")
    before = json.load(open(token_path))["token"]
    emulator.fault(page_pattern("videos", 100), status=401, count=1)
    r = run(kc, CHART)
    assert store.count("videos") == 200
    assert store.count("_ytk_requests", "outcome = 'auth'") == 1
    refreshes = [q for q in emulator.requests_log()
                 if q["path"] == "/token" and
                 (q.get("form") or {}).get("grant_type") == "refresh_token"]
    assert len(refreshes) >= 1
    # the refreshed token was saved for the next session
    assert json.load(open(token_path))["token"] != before
    assert emulator.quota_used() == store.logged_units()


def test_retries_are_bounded(emulator, kc, store):
    emulator.fault(page_pattern("videos", 50), status=500, count=-1)
    r = run(kc, CHART, ok=False)
    err = r.errors[0]
    assert err["ename"] == "YouTubeAPIError"
    assert "internalError" in err["evalue"]
    assert any("Gave up after 5 retries" in line for line in err["traceback"])
    assert store.count("videos") == 50  # the first page is kept
    assert len(api_requests(emulator, "videos")) == 1 + 6
    r = run(kc, "%yt_fetch status")
    assert "chart=mostPopular" in r.all_text()
    assert store.count("_ytk_fetch_state") == 1
    emulator.clear_faults()
    r = run(kc, CHART + " --resume")
    assert store.count("videos") == 200
    store.no_dupes("videos", "video_id")
    assert store.count("_ytk_fetch_state") == 0


FATAL = [
    (403, "quotaExceeded", "QuotaExceeded", "midnight Pacific"),
    (403, "dailyLimitExceeded", "QuotaExceeded", "midnight Pacific"),
    (403, "insufficientPermissions", "AuthError", "%yt_auth login"),
    (400, "keyInvalid", "YouTubeAPIError", "%yt_auth key"),
    (403, "forbidden", "YouTubeAPIError", "private"),
    (404, "videoNotFound", "YouTubeAPIError", "deleted"),
    (403, "commentsDisabled", "YouTubeAPIError", "turned off"),
]


@pytest.mark.parametrize("status,reason,ename,hint", FATAL,
                         ids=[f[1] for f in FATAL])
def test_fatal_error_mid_fetch_keeps_rows_and_resumes(
        emulator, kc, store, status, reason, ename, hint):
    emulator.fault(page_pattern("videos", 100), status=status, reason=reason,
                   count=1)
    r = run(kc, CHART, ok=False)
    assert len(r.errors) == 1
    err = r.errors[0]
    assert err["ename"] == ename
    assert reason in err["evalue"]
    tb = "\n".join(err["traceback"])
    assert "reason=%s" % reason in tb and "code=%d" % status in tb
    assert hint in tb
    # not retried
    assert len(api_requests(emulator, "videos")) == 3
    # what came before the error is kept
    assert store.count("videos") == 100
    # the saved page token: --resume fetches only the missing pages
    emulator.clear_requests_log()
    r = run(kc, CHART + " --resume")
    assert store.count("videos") == 200
    store.no_dupes("videos", "video_id")
    toks = [qparam(q, "pageToken") for q in api_requests(emulator, "videos")]
    assert toks == [make_token(100), make_token(150)]


def test_quota_exhausted_mid_uploads_then_resume(emulator, kc, store):
    w = emulator.world()
    n = w["counts"]["my_uploads"]
    # channels (1) + 3 more units (playlist pages, and the videos.list
    # batches they unlocked, which go out while the playlist pages on),
    # then the real quota runs out
    emulator.set_quota_limit(4)
    r = run(kc, "%yt_fetch uploads --mine", ok=False)
    err = r.errors[0]
    assert err["ename"] == "QuotaExceeded"
    assert "quotaExceeded" in err["evalue"]
    assert "exceeded your" in err["evalue"]  # the API's message verbatim
    kept = store.count("playlist_items")
    videos_before = store.count("videos")
    assert 50 <= kept <= 150 and kept % 50 == 0
    assert videos_before % 50 == 0 and videos_before < kept
    assert emulator.quota_used() == 4 == store.logged_units()
    # next day: more quota; resume continues at the saved playlist page
    emulator.set_quota_limit(10000)
    emulator.clear_requests_log()
    r = run(kc, "%yt_fetch uploads --mine --resume")
    assert store.count("playlist_items") == n
    assert store.count("videos") == n
    store.no_dupes("playlist_items", "playlist_item_id")
    toks = [qparam(q, "pageToken")
            for q in api_requests(emulator, "playlistItems")]
    assert toks[0] == make_token(kept)
    assert len(toks) == -(-n // 50) - kept // 50
    # only the videos not fetched before are asked for, each once
    sent = [v for q in api_requests(emulator, "videos")
            for v in qparam(q, "id").split(",")]
    assert len(sent) == len(set(sent)) == n - videos_before
    assert emulator.quota_used() == store.logged_units()


def test_resume_of_id_batches_skips_done_batches(emulator, kc, store):
    w = emulator.world()
    run(kc, "%%yt_fetch playlist_items --playlist %s" %
        w["uploads_playlist_id"])
    # Quota for 3 batches of 50 ids; the other 3 batches hit quotaExceeded.
    emulator.set_quota_limit(emulator.quota_used() + 3)
    code = '%yt_fetch videos --ids "SELECT video_id FROM playlist_items"'
    r = run(kc, code, ok=False)
    assert r.errors[0]["ename"] == "QuotaExceeded"
    kept = store.count("videos")
    # concurrent batches may all pass the server's check before it charges
    # them, so a few more than 3 batches can land; whole batches either way
    assert 150 <= kept < w["counts"]["my_uploads"] and kept % 50 == 0
    emulator.set_quota_limit(10000)
    emulator.clear_requests_log()
    r = run(kc, code + " --resume")
    assert store.count("videos") == w["counts"]["my_uploads"]
    # only the batches not done before were sent again
    sent = sum(len(qparam(q, "id").split(","))
               for q in api_requests(emulator, "videos"))
    assert sent == w["counts"]["my_uploads"] - kept


def test_access_token_expires_mid_fetch(emulator, ytk_home):
    """Short-lived tokens: the token expires during a paginated fetch; the
    kernel refreshes it on the 401 and goes on."""
    emulator.set_token_lifetime(2)
    env = {"YTK_HOME": str(ytk_home), "YTK_GOOGLE_BASE": emulator.base_url}
    token_env(env, emulator, ytk_home)
    emulator.set_latency(300)  # 13 requests take ~4 s > 2 s lifetime
    km, kc = ytk.start_kernel(env=env)
    try:
        r = run(kc, "%yt_fetch uploads --mine")
        store = Store(ytk_home)
        n = emulator.world()["counts"]["my_uploads"]
        assert store.count("videos") == n
        auth = store.count("_ytk_requests", "outcome = 'auth'")
        assert auth >= 1
        refreshes = [q for q in emulator.requests_log()
                     if q["path"] == "/token" and
                     (q.get("form") or {}).get("grant_type") ==
                     "refresh_token"]
        # concurrent batches refused together share one refresh
        assert len(refreshes) >= 1
        assert store.count("_ytk_requests", "outcome = 'fatal'") == 0
        for s in secrets_of(emulator, ytk_home):
            assert s not in r.all_text()
        assert emulator.quota_used() == store.logged_units()
    finally:
        ytk.stop_kernel(km, kc)


def test_revoked_refresh_token_stops_with_auth_error(emulator, kc, store):
    emulator.set_latency(300)

    def expire_later():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if store.count("playlist_items") >= 50:
                break
            time.sleep(0.05)
        emulator.revoke_refresh_tokens()
        emulator.expire_access_tokens()

    t = threading.Thread(target=expire_later)
    t.start()
    r = run(kc, "%yt_fetch uploads --mine", ok=None)
    t.join()
    assert r.status == "error"
    err = r.errors[0]
    assert err["ename"] == "AuthError"
    assert "%yt_auth login" in "\n".join([err["evalue"]] + err["traceback"])
    kept = store.count("playlist_items")
    assert kept >= 50
    store.no_dupes("playlist_items", "playlist_item_id")


def test_interrupt_mid_fetch_keeps_rows_then_resume(emulator, kernel, store):
    km, kc = kernel
    emulator.set_latency(400)
    w = emulator.world()
    n = w["counts"]["my_uploads"]
    msg_id = kc.execute("%%yt_fetch playlist_items --playlist %s" %
                        w["uploads_playlist_id"])
    deadline = time.monotonic() + 30
    while store.count("playlist_items") < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    ytk.drain_iopub(kc)
    kept = store.count("playlist_items")
    assert 100 <= kept < n
    emulator.set_latency(0)
    r = run(kc, "%%yt_fetch playlist_items --playlist %s --resume" %
            w["uploads_playlist_id"])
    assert store.count("playlist_items") == n
    store.no_dupes("playlist_items", "playlist_item_id")
    assert "Resuming" in r.all_text()


def test_per_item_errors_skipped_and_reported(emulator, kc, store):
    w = emulator.world()
    good = [w["video_with_many_replies"], w["video_with_many_threads"]]
    bad = w["comments_disabled_video"]
    ids = ",".join([good[0], bad, good[1]])
    r = run(kc, '%%yt_fetch comment_threads --ids "%s" --limit 1000' % ids)
    text = r.all_text()
    assert "Skipped 1 item" in text
    assert "commentsDisabled" in text and bad in text
    for v in good:
        assert store.count("comment_threads", "video_id = '%s'" % v) > 0
    assert store.count("comment_threads", "video_id = '%s'" % bad) == 0
    assert emulator.quota_used() == store.logged_units()


def test_single_target_error_is_clear(emulator, kc, store):
    w = emulator.world()
    r = run(kc, "%%yt_fetch comment_threads --video %s" %
            w["comments_disabled_video"], ok=False)
    err = r.errors[0]
    assert err["ename"] == "YouTubeAPIError"
    assert "commentsDisabled" in err["evalue"]
    assert any("turned off" in line for line in err["traceback"])
    # no match is an empty answer, not an error
    r = run(kc, "%yt_fetch channels --handle @nobody-here-xyz")
    assert store.count("channels") == 0


def test_error_while_completing_replies_then_resume(emulator, kc, store):
    """A fatal error in the comments.list completion of a threads page: the
    page's threads are kept, and --resume redoes that page so every thread
    ends with all its replies, none twice."""
    w = emulator.world()
    vid = w["video_with_many_replies"]
    emulator.fault("/youtube/v3/comments", status=403,
                   reason="quotaExceeded", count=1)
    code = "%%yt_fetch comment_threads --video %s" % vid
    r = run(kc, code, ok=False)
    assert r.errors[0]["ename"] == "QuotaExceeded"
    assert store.count("comment_threads") > 0
    r = run(kc, code + " --resume")
    threads = store.rows("SELECT thread_id, total_reply_count FROM "
                         "comment_threads WHERE video_id = ?", vid)
    for tid, total in threads:
        assert store.count("comments", "parent_id = '%s'" % tid) == total
    store.no_dupes("comments", "comment_id")
    store.no_dupes("comment_threads", "thread_id")
