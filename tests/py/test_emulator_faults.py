"""Fault injection and latency: status faults with Google's bodies and
Retry-After, pattern matching and counts, dropped connections, truncated
bodies, added latency (checked through the request log, not the clock),
faults set on the command line, and the request log itself."""
import http.client
import json
import urllib.parse

import pytest

from emulator.testing import EmulatorError, start_emulator


@pytest.fixture
def emu(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), quiet=True)
    yield e
    e.stop()


def videos(emu, **kw):
    return emu.api("videos", key=True, part="id",
                   id=emu.world()["hidden_likes_video"], **kw)


def raw_get(emu, path):
    u = urllib.parse.urlsplit(emu.base_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r, r.read()
    finally:
        conn.close()


@pytest.mark.parametrize("status,reason,want_reason,domain", [
    (500, None, "internalError", "global"),
    (503, None, "backendError", "global"),
    (429, None, "rateLimitExceeded", "usageLimits"),
    (403, "quotaExceeded", "quotaExceeded", "youtube.quota"),
    (403, "rateLimitExceeded", "rateLimitExceeded", "usageLimits"),
    (403, "userRateLimitExceeded", "userRateLimitExceeded", "usageLimits"),
    (403, None, "forbidden", "global"),
])
def test_status_faults_use_google_bodies(emu, status, reason, want_reason,
                                         domain):
    emu.fault("/youtube/v3/videos", status=status, reason=reason, count=2)
    for _ in range(2):
        r = videos(emu)
        assert r.status == status
        e = r.json()["error"]
        assert e["code"] == status
        assert e["errors"][0]["reason"] == want_reason
        assert e["errors"][0]["domain"] == domain
    assert videos(emu).status == 200
    assert emu.faults() == []


def test_retry_after_and_unlimited_count(emu):
    emu.fault("/youtube/v3/videos", status=503, retry_after=7, count=-1)
    for _ in range(3):
        r = videos(emu)
        assert r.status == 503 and r.headers["retry-after"] == "7"
    # other paths are untouched
    assert emu.api("i18nRegions", key=True, part="id").status == 200
    emu.clear_faults()
    assert videos(emu).status == 200


def test_patterns_substring_and_fnmatch(emu):
    emu.fault("/youtube/v3/comment*", status=500, count=-1)
    w = emu.world()
    assert emu.api("commentThreads", key=True, part="id",
                   videoId=w["video_with_many_replies"]).status == 500
    assert emu.api("comments", key=True, part="id",
                   parentId=w["thread_with_many_replies"]).status == 500
    assert videos(emu).status == 200
    emu.clear_faults()
    # substring, also matched against the query string
    emu.fault("chart=mostPopular", status=500)
    assert emu.api("videos", key=True, part="id", chart="mostPopular",
                   regionCode="US").status == 500
    assert emu.api("videos", key=True, part="id", chart="mostPopular",
                   regionCode="US").status == 200


def test_fault_after_n_requests_hits_the_middle_of_a_fetch(emu):
    up = emu.world()["uploads_playlist_id"]
    emu.fault("/youtube/v3/playlistItems", status=503, after=2, count=1)
    statuses, token = [], None
    for _ in range(4):
        params = dict(key=True, part="id", playlistId=up, maxResults=50)
        if token:
            params["pageToken"] = token
        r = emu.api("playlistItems", **params)
        statuses.append(r.status)
        if r.status == 200:
            token = r.json()["nextPageToken"]
    assert statuses == [200, 200, 503, 200]
    assert emu.faults() == []


def test_faults_on_oauth_endpoints(emu):
    emu.fault("/token", status=503, count=1)
    r = emu.request("POST", "/token", form={"grant_type": "refresh_token"})
    assert r.status == 503
    assert r.json() == {"error": "temporarily_unavailable",
                        "error_description": "Injected fault (503)"}
    emu.fault("/o/oauth2/v2/auth", status=500)
    r = emu.request("GET", "/o/oauth2/v2/auth")
    assert r.status == 500 and r.headers["content-type"].startswith(
        "text/html")
    # the flow works again afterwards
    assert "access_token" in emu.obtain_tokens()


def test_drop_closes_without_response(emu):
    emu.fault("/youtube/v3/videos", mode="drop", count=1)
    with pytest.raises((http.client.RemoteDisconnected,
                        ConnectionResetError, http.client.BadStatusLine)):
        raw_get(emu, "/youtube/v3/videos?part=id&id=x&key=" + emu.api_key)
    r, body = raw_get(emu, "/youtube/v3/videos?part=id&id=x&key=" +
                      emu.api_key)
    assert r.status == 200 and json.loads(body)["items"] == []
    drops = [e for e in emu.requests_log() if e.get("fault") == "drop"]
    assert len(drops) == 1 and drops[0]["status"] == 0


def test_truncate_sends_short_body(emu):
    emu.fault("/youtube/v3/i18nRegions", mode="truncate", count=1)
    with pytest.raises(http.client.IncompleteRead) as ei:
        raw_get(emu, "/youtube/v3/i18nRegions?part=snippet&key=" +
                emu.api_key)
    assert ei.value.expected > 0 and len(ei.value.partial) > 0
    r, body = raw_get(emu, "/youtube/v3/i18nRegions?part=snippet&key=" +
                      emu.api_key)
    full = json.loads(body)
    assert len(ei.value.partial) + ei.value.expected == len(body)
    assert full["items"]


def test_latency_fault_and_global_latency(emu):
    emu.fault("/youtube/v3/videos", mode="latency", latency_ms=150)
    assert videos(emu).status == 200
    assert videos(emu).status == 200
    log = [e for e in emu.requests_log() if e["path"] ==
           "/youtube/v3/videos"]
    assert log[-2].get("delay_ms") == 150 and log[-2]["fault"] == "latency"
    assert "delay_ms" not in log[-1]
    emu.set_latency(40)
    assert videos(emu).status == 200
    assert emu.requests_log()[-1]["delay_ms"] == 40
    emu.set_latency(0)


def test_faults_from_the_command_line(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), quiet=True, faults=[
        "/youtube/v3/videos,status=503,count=1,retry_after=3",
        "/youtube/v3/i18nRegions,status=500,after=1",
        '{"path_pattern": "/youtube/v3/search", "status": 403, '
        '"reason": "quotaExceeded", "count": -1}'], latency_ms=5)
    try:
        r = videos(e)
        assert r.status == 503 and r.headers["retry-after"] == "3"
        assert videos(e).status == 200
        r = e.api("search", key=True, part="snippet")
        assert r.json()["error"]["errors"][0]["reason"] == "quotaExceeded"
        assert [e.api("i18nRegions", key=True, part="id").status
                for _ in range(3)] == [200, 500, 200]
        assert e.requests_log()[-1]["delay_ms"] == 5
    finally:
        e.stop()


@pytest.mark.parametrize("spec", ["/x,stauts=500", "/x,mode=explode",
                                  "/x,status"])
def test_bad_fault_spec_is_refused(tmp_path, spec):
    with pytest.raises(EmulatorError) as ei:
        start_emulator(str(tmp_path / "emu"), faults=[spec])
    assert "exited" in str(ei.value)
    with open(tmp_path / "emu" / "emulator.log") as f:
        assert "bad --fault" in f.read()


def test_admin_rejects_bad_fault(emu):
    with pytest.raises(EmulatorError):
        emu.fault("/x", mode="explode")
    with pytest.raises(EmulatorError):
        emu._admin("POST", "faults", {"status": 500})


def test_request_log_redacts_and_records(emu):
    tok = emu.obtain_tokens()
    emu.api("channels", token=tok["access_token"], part="id", mine="true")
    emu.api("channels", key=True, part="id", id="UCx")
    log = emu.requests_log()
    auth = [e for e in log if e["path"] == "/o/oauth2/v2/auth"][-1]
    assert auth["query"]["code_challenge"] == "[redacted]"
    assert auth["status"] == 302
    tokreq = [e for e in log if e["path"] == "/token"][-1]
    assert tokreq["form"]["client_secret"] == "[redacted]"
    assert tokreq["form"]["code"] == "[redacted]"
    assert tokreq["form"]["code_verifier"] == "[redacted]"
    assert tokreq["form"]["grant_type"] == "authorization_code"
    api = log[-2:]
    assert api[0]["auth"] == "bearer" and api[1]["auth"] == "key"
    assert api[1]["query"]["key"] == "[redacted]"
    assert api[1]["query"]["id"] == "UCx"
    text = json.dumps(log)
    assert emu.api_key not in text and tok["access_token"] not in text
    emu.clear_requests_log()
    assert emu.requests_log() == []


def test_emulator_stops_when_its_parent_dies(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                        ".."))
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from emulator.testing import start_emulator\n"
            "e = start_emulator(%r, quiet=True)\n"
            "print(e.proc.pid, flush=True)\n"
            "time.sleep(600)\n" % (root, str(tmp_path / "emu")))
    parent = subprocess.Popen([sys.executable, "-c", code],
                              stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    os.kill(child, 0)  # running
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 30
    gone = False
    while time.monotonic() < deadline and not gone:
        try:
            # reap it if it is our grandchild turned zombie elsewhere
            os.kill(child, 0)
            with open("/proc/%d/stat" % child) as f:
                gone = f.read().split()[2] == "Z"
        except (ProcessLookupError, FileNotFoundError):
            gone = True
        time.sleep(0.2)
    assert gone, "emulator outlived its parent"


def test_unwritable_data_dir_is_a_clear_error(tmp_path):
    import os
    import subprocess
    import sys
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                        ".."))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    p = subprocess.run([sys.executable, "-m", "emulator", "--data-dir",
                        str(blocker / "sub")], cwd=root, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 2
    assert p.stdout == ""
    assert "cannot write into --data-dir" in p.stderr
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("args,msg", [
    (["--uploads", "5"], "--uploads must be between"),
    (["--size", "tiny"], "--size must be small, medium, large"),
    (["--size", "5000000"], "--size is at most"),
    (["--token-lifetime", "0"], "--token-lifetime must be at least 1"),
    (["--consent", "maybe"], "invalid choice"),
])
def test_bad_command_line_is_refused(tmp_path, args, msg):
    import os
    import subprocess
    import sys
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..",
                                        ".."))
    p = subprocess.run([sys.executable, "-m", "emulator", "--data-dir",
                        str(tmp_path / "emu")] + args, cwd=root,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert msg in p.stderr


def test_smallest_world_knobs(tmp_path):
    e = start_emulator(str(tmp_path / "emu"), uploads=20, subscriptions=0,
                       comment_threads=0, quiet=True)
    try:
        w = e.world()
        assert w["counts"]["my_uploads"] == 20
        assert w["counts"]["subscriptions"] == 0
        assert w["counts"]["threads_on_big_video"] == 0
        tok = e.obtain_tokens()["access_token"]
        r = e.api("subscriptions", token=tok, part="id", mine="true")
        assert r.status == 200 and r.json()["items"] == []
        r = e.api("commentThreads", key=True, part="id",
                  videoId=w["video_with_many_threads"])
        assert r.status == 200 and r.json()["items"] == []
    finally:
        e.stop()
