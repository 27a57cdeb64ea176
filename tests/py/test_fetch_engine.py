"""The fetch engine through %yt_fetch: the fault matrix with requests running
side by side (the uploads recipe pages its playlist while videos.list
batches are in flight), and one regression test per bug found in review:
the skipped list, the page token lost by a second resume of uploads, a
resumed --limit, replies completed across a resume."""
import re
import time

import pytest

import ytk
from emulator.api import make_token
from fetchutil import api_requests, fault_id, kernel_env_fixture, qparam
from ytk import run


kernel_env = kernel_env_fixture(timeout_ms=3000)


def min_uploads_quota(n):
    return 1 + 2 * -(-n // 50)


def assert_uploads_complete(emulator, store, n, ledger=True):
    assert store.count("playlist_items") == n
    assert store.count("videos") == n
    store.no_dupes("playlist_items", "playlist_item_id")
    store.no_dupes("videos", "video_id")
    if ledger:
        assert emulator.quota_used() == store.logged_units()


# Faults on the videos.list batches, which run beside the playlist pages.
SIDE_BY_SIDE = [
    dict(status=503),
    dict(status=429, retry_after=1),
    dict(status=403, reason="rateLimitExceeded"),
    dict(mode="drop"),
    dict(mode="truncate"),
]


@pytest.mark.parametrize("fault", SIDE_BY_SIDE, ids=fault_id)
def test_fault_on_pipelined_batches_recovers(emulator, kc, store, fault):
    n = emulator.world()["counts"]["my_uploads"]
    emulator.fault("/youtube/v3/videos?*", count=2, after=1, **fault)
    r = run(kc, "%yt_fetch uploads --mine")
    assert_uploads_complete(emulator, store, n)
    retries = store.count("_ytk_requests", "outcome = 'retry'")
    if fault.get("mode") == "drop":
        assert 1 <= retries <= 2  # libcurl may resend a dead keep-alive
    else:
        assert retries == 2
    # the minimum, plus what Google charges for a truncated answer
    extra = 2 if fault.get("mode") == "truncate" else 0
    assert emulator.quota_used() == min_uploads_quota(n) + extra


def test_401_while_batches_in_flight_refreshes_once(emulator, kc, store):
    n = emulator.world()["counts"]["my_uploads"]
    emulator.fault("/youtube/v3/videos?*", status=401, count=1, after=1)
    r = run(kc, "%yt_fetch uploads --mine")
    assert_uploads_complete(emulator, store, n)
    refreshes = [q for q in emulator.requests_log()
                 if q["path"] == "/token" and
                 (q.get("form") or {}).get("grant_type") == "refresh_token"]
    assert len(refreshes) == 1
    assert emulator.quota_used() == min_uploads_quota(n)


def test_quota_exceeded_on_a_batch_then_resume(emulator, kc, store):
    n = emulator.world()["counts"]["my_uploads"]
    emulator.fault("/youtube/v3/videos?*", status=403,
                   reason="quotaExceeded", count=1, after=2)
    r = run(kc, "%yt_fetch uploads --mine", ok=False)
    assert r.errors[0]["ename"] == "QuotaExceeded"
    assert store.count("playlist_items") >= 50
    r = run(kc, "%yt_fetch uploads --mine --resume")
    assert_uploads_complete(emulator, store, n)
    # every playlist page and every batch paid once; one more channel call
    assert emulator.quota_used() == min_uploads_quota(n) + 1


def interrupt_uploads(emulator, kernel, store, latency_ms):
    """Start `%yt_fetch uploads --mine` with latency on every call and
    interrupt it once 50 videos are stored (video batches are then in flight
    beside the playlist).  Returns the cell's result."""
    km, kc = kernel
    emulator.set_latency(latency_ms)
    msg_id = kc.execute("%yt_fetch uploads --mine")
    deadline = time.monotonic() + 30
    while store.count("videos") < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    km.interrupt_kernel()
    r = ytk.collect(kc, msg_id)
    assert r.status == "error"
    assert r.errors[0]["ename"] == "KeyboardInterrupt"
    return r


def test_interrupt_with_batches_in_flight_then_resume(emulator, kernel,
                                                      store):
    kc = kernel[1]
    n = emulator.world()["counts"]["my_uploads"]
    interrupt_uploads(emulator, kernel, store, 300)
    kept = store.count("playlist_items")
    assert 50 <= kept < n
    assert store.count("_ytk_requests", "outcome = 'aborted'") >= 1
    emulator.set_latency(0)
    r = run(kc, "%yt_fetch uploads --mine --resume")
    assert_uploads_complete(emulator, store, n, ledger=False)
    # the server may have charged calls whose answers the interrupt cut
    # off (logged "aborted" with 0 units); nothing else differs
    unseen = emulator.quota_used() - store.logged_units()
    assert 0 <= unseen <= store.count("_ytk_requests",
                                      "outcome = 'aborted'")


def test_stopped_and_resumed_counts_agree(emulator, kernel, store):
    """The saved state counted the listing's pages only (an interrupted
    uploads said 6 pages, %yt_fetch status 4 pages and 201 items); the
    resumed summary counted the stopped run's rows as its own; the
    progress bar of a resumed run measured it against the whole fetch."""
    kc = kernel[1]
    n = emulator.world()["counts"]["my_uploads"]
    r = interrupt_uploads(emulator, kernel, store, 200)
    final = [t for t in r.texts() if t.startswith("Interrupted: kept")]
    pages = int(re.search(r" in (\d+) pages?,", final[-1]).group(1))
    kept_pi, kept_v = store.count("playlist_items"), store.count("videos")
    assert 0 < kept_pi < n
    state = store.rows("SELECT pages, items FROM _ytk_fetch_state")
    # every stored page and item: the channel, the playlist, the videos
    assert state == [(pages, 1 + kept_pi + kept_v)]
    r = run(kc, "%yt_fetch status")
    assert re.search(r"\s%d\s+%d\s" % state[0], r.texts()[0])
    emulator.set_latency(50)  # long enough for progress after the lookup
    r = run(kc, "%yt_fetch uploads --mine --resume")
    texts = r.texts()
    assert ("Resuming the stopped fetch (%d pages, %d items stored before) "
            "from its saved page token." % state[0]) in texts
    done = [t for t in texts if t.startswith("Fetched ")]
    # this run's rows only; tables are listed in the order they were first
    # written, which the answers' arrival decides
    rows = dict((t, int(k)) for k, t in
                re.findall(r"(\d+) rows? into (\w+)", done[0]))
    assert rows == {"channels": 1, "playlist_items": n - kept_pi,
                    "videos": n - kept_v}, done[0]
    assert done[0].endswith("(resumed after %d earlier pages)" % pages)
    # the progress bar measures this run against what was left to do
    est = 1 + 2 * -(-n // 50)
    bars = [t for t in texts if "/~" in t]
    assert bars and all("/~%d pages" % (est - pages) in t for t in bars)
    assert_uploads_complete(emulator, store, n, ledger=False)


def test_skipped_list_keeps_first_lines_and_counts_the_rest(emulator, kc,
                                                            store):
    """The skipped list used to empty itself when its buffer overflowed and
    then start again mid-list."""
    ids = ",".join("vidnothere%02d" % i for i in range(30))
    emulator.fault("/youtube/v3/commentThreads?*", status=403,
                   reason="commentsDisabled", count=-1)
    r = run(kc, '%%yt_fetch comment_threads --ids "%s"' % ids)
    text = [t for t in r.texts() if t.startswith("Skipped ")]
    assert len(text) == 1
    lines = text[0].splitlines()
    assert lines[0] == "Skipped 30 items (per-item errors):"
    listed = [l for l in lines[1:] if "commentsDisabled" in l]
    assert len(listed) == 20
    assert lines[-1] == "... and 10 more"
    assert store.count("_ytk_requests", "outcome = 'skip'") == 30


def test_uploads_stopped_twice_resumes_from_its_token(emulator, kc, store):
    """The channel lookup of a resumed uploads overwrote the saved playlist
    token with NULL, so a second stop restarted from page 1."""
    n = emulator.world()["counts"]["my_uploads"]
    assert n > 250
    emulator.set_quota_limit(3)
    r = run(kc, "%yt_fetch uploads --mine", ok=False)
    assert r.errors[0]["ename"] == "QuotaExceeded"
    kept = store.count("playlist_items")
    assert kept % 50 == 0 and 0 < kept < n
    # the second run gets only its channel lookup, then stops again
    emulator.set_quota_limit(emulator.quota_used() + 1)
    r = run(kc, "%yt_fetch uploads --mine --resume", ok=False)
    assert r.errors[0]["ename"] == "QuotaExceeded"
    assert store.count("playlist_items") == kept
    emulator.set_quota_limit(100000)
    emulator.clear_requests_log()
    r = run(kc, "%yt_fetch uploads --mine --resume")
    toks = [qparam(q, "pageToken")
            for q in api_requests(emulator, "playlistItems")]
    assert toks[0] == make_token(kept)
    assert_uploads_complete(emulator, store, n)
    # each page and batch paid once over the three runs; 3 channel calls
    assert emulator.quota_used() == min_uploads_quota(n) + 2


def test_resumed_uploads_limit_holds(emulator, kc, store):
    """A resumed `uploads --limit N` did not restore its count and fetched
    up to N more."""
    emulator.set_quota_limit(3)
    r = run(kc, "%yt_fetch uploads --mine --limit 120", ok=False)
    emulator.set_quota_limit(100000)
    r = run(kc, "%yt_fetch uploads --mine --limit 120 --resume")
    assert store.count("playlist_items") == 120
    assert store.count("videos") == 120
    assert emulator.quota_used() == store.logged_units()


def test_replies_completed_across_a_resume(emulator, kc, store):
    """Completions run beside the thread pages, and the saved page token
    moves on as soon as a thread page is stored: a completion that fails
    must be redone by --resume although its page is behind the token."""
    w = emulator.world()
    vid = w["video_with_many_threads"]  # 2 pages, a long thread on each
    # page 2 keeps failing (never stored: the token stays on it) ...
    emulator.fault("/youtube/v3/commentThreads?*pageToken=%s*"
                   % make_token(100), status=503, count=-1)
    # ... and the completion of page 1's long thread is refused
    emulator.fault("/youtube/v3/comments?*", status=403,
                   reason="quotaExceeded", count=1)
    code = "%%yt_fetch comment_threads --video %s" % vid
    r = run(kc, code, ok=False)
    assert store.count("comment_threads") == 100
    emulator.clear_faults()
    emulator.clear_requests_log()
    r = run(kc, code + " --resume")
    threads = store.rows("SELECT thread_id, total_reply_count FROM "
                         "comment_threads WHERE video_id = ?", vid)
    assert len(threads) == 150
    assert any(total > 5 for _, total in threads)
    for tid, total in threads:
        assert store.count("comments", "parent_id = '%s'" % tid) == total
    store.no_dupes("comments", "comment_id")
    store.no_dupes("comment_threads", "thread_id")
    # page 1 was not asked for again
    toks = [qparam(q, "pageToken")
            for q in api_requests(emulator, "commentThreads")]
    assert None not in toks


def estimate(r):
    import re
    m = re.search(r"Estimated cost: (\d+) quota units?\.", r.all_text())
    assert m, r.all_text()[-800:]
    return int(m.group(1))


def test_dry_run_equals_the_pipelined_spend(emulator, kc, store):
    run(kc, "%yt_fetch channels --mine")
    for code in ("%yt_fetch uploads --mine",
                 '%yt_fetch videos --ids "SELECT video_id FROM '
                 'playlist_items"',
                 "%yt_fetch uploads --mine --limit 120"):
        r = run(kc, code + " --dry-run")
        est = estimate(r)
        before = emulator.quota_used()
        r = run(kc, code)
        assert emulator.quota_used() - before == est, code
    assert emulator.quota_used() == store.logged_units()
