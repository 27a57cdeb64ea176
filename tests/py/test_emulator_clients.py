"""The official, unmodified Google clients pointed at the emulator:
google-auth-oauthlib (InstalledAppFlow + PKCE, Flow), google-auth
(Credentials refresh) and google-api-python-client (static discovery,
client_options api_endpoint, list_next pagination, retries, HttpError).

Only OAUTHLIB_INSECURE_TRANSPORT=1 is set: oauthlib refuses http:// token
URLs otherwise, and the emulator is plain HTTP on 127.0.0.1.
"""
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse

import pytest

os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

from google.auth.exceptions import RefreshError  # noqa: E402
from google.auth.transport.requests import Request  # noqa: E402
from google.oauth2.credentials import Credentials  # noqa: E402
from google_auth_oauthlib.flow import Flow, InstalledAppFlow  # noqa: E402
from googleapiclient.discovery import build  # noqa: E402
from googleapiclient.errors import HttpError  # noqa: E402

from emulator import browser  # noqa: E402

YT = "https://www.googleapis.com/auth/"
SCOPES = [YT + "youtube.readonly", YT + "youtube.force-ssl"]
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def youtube(emu, creds=None, key=None, slash=False):
    # The discovery doc's rootUrl is https://youtube.googleapis.com/ with
    # servicePath "" and method paths "youtube/v3/…"; api_endpoint replaces
    # the root and the method path is urljoin'ed onto it, so the bare base
    # URL and the base URL with "/" both reach /youtube/v3/….
    return build("youtube", "v3", credentials=creds, developerKey=key,
                 static_discovery=True, cache_discovery=False,
                 client_options={"api_endpoint": emu.base_url +
                                 ("/" if slash else "")})


def run_installed_flow(emu, visit_url=None):
    """InstalledAppFlow.run_local_server(open_browser=False), the URL it
    prints fetched by the browser stand-in from a thread (or by
    visit_url(url) -> status)."""
    flow = InstalledAppFlow.from_client_secrets_file(
        emu.client_secret_path, scopes=SCOPES)
    out = io.StringIO()
    result = {}

    def visit():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            m = re.search(r"(http://\S+)", out.getvalue())
            if m:
                result["status"] = (visit_url or (
                    lambda u: browser.fetch(u)[0]))(m.group(1))
                return
            time.sleep(0.02)

    t = threading.Thread(target=visit)
    t.start()
    with contextlib.redirect_stdout(out):
        creds = flow.run_local_server(
            host="127.0.0.1", port=0, open_browser=False,
            authorization_prompt_message="VISIT {url}", timeout_seconds=30)
    t.join()
    assert result["status"] in (0, 200)
    return creds, out.getvalue()


def test_installed_app_flow_with_pkce_refresh_and_pagination(emulator):
    emu = emulator
    creds, printed = run_installed_flow(emu)
    assert "code_challenge_method=S256" in printed
    assert "access_type=offline" in printed
    assert creds.token.startswith("ya29.")
    assert creds.refresh_token.startswith("1//")
    assert set(creds.scopes) == set(SCOPES)
    assert creds.valid and creds.expiry is not None

    # refresh with google-auth: new access token, same refresh token
    old_token, old_rt = creds.token, creds.refresh_token
    creds.refresh(Request())
    assert creds.valid and creds.token != old_token
    assert creds.refresh_token == old_rt
    # the saved authorized_user JSON round-trips
    again = Credentials.from_authorized_user_info(json.loads(creds.to_json()))
    assert again.refresh_token == old_rt

    yt = youtube(emu, creds)
    me = yt.channels().list(part="snippet,contentDetails,statistics",
                            mine=True).execute()
    assert me["items"][0]["id"] == emu.world()["my_channel_id"]
    uploads = me["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    assert uploads.startswith("UU")

    seen, dates = [], []
    req = yt.playlistItems().list(part="snippet,contentDetails",
                                  playlistId=uploads, maxResults=50)
    pages = 0
    while req is not None:
        resp = req.execute()
        pages += 1
        for it in resp["items"]:
            seen.append(it["contentDetails"]["videoId"])
            dates.append(it["contentDetails"]["videoPublishedAt"])
        req = yt.playlistItems().list_next(req, resp)
    world = emu.world()
    assert len(seen) == world["counts"]["my_uploads"] == len(set(seen))
    assert pages == -(-len(seen) // 50)
    assert dates == sorted(dates, reverse=True)  # newest first, like Google
    assert int(me["items"][0]["statistics"]["videoCount"]) == len(seen)

    # comment threads of the big video, 100 per page
    vid = world["video_with_many_threads"]
    threads = []
    req = yt.commentThreads().list(part="snippet,replies", videoId=vid,
                                   maxResults=100)
    while req is not None:
        resp = req.execute()
        threads += resp["items"]
        req = yt.commentThreads().list_next(req, resp)
    assert len(threads) == world["counts"]["threads_on_big_video"]
    assert len({t["id"] for t in threads}) == len(threads)
    for t in threads:
        assert len(t.get("replies", {}).get("comments", [])) == min(
            5, t["snippet"]["totalReplyCount"])


def test_flow_authorization_url_and_fetch_token(emulator):
    emu = emulator
    flow = Flow.from_client_secrets_file(
        emu.client_secret_path, scopes=[YT + "youtube.readonly"],
        redirect_uri="http://127.0.0.1:8765/")
    url, state = flow.authorization_url(access_type="offline",
                                        prompt="consent")
    assert url.startswith(emu.base_url + "/o/oauth2/auth?")
    r = emu.request("GET", url[len(emu.base_url):])
    assert r.status == 302
    loc = r.headers["location"]
    assert loc.startswith("http://127.0.0.1:8765/?")
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    assert q["state"] == state
    # oauthlib checks state and scope of the redirect itself
    tok = flow.fetch_token(authorization_response=loc.replace(
        "http://", "https://", 1))
    assert tok["token_type"] == "Bearer"
    assert tok["scope"] == [YT + "youtube.readonly"]
    assert tok["refresh_token"].startswith("1//")
    # a second exchange of the same code fails like Google
    with pytest.raises(Exception) as ei:
        flow.fetch_token(code=q["code"])
    assert "invalid_grant" in str(ei.value)


def test_expired_access_token_mid_pagination_is_refreshed(emulator):
    emu = emulator
    tok = emu.obtain_tokens(SCOPES)
    creds = Credentials(tok["access_token"], refresh_token=tok[
        "refresh_token"], token_uri=emu.base_url + "/token",
        client_id=emu.client_id, client_secret=emu.client_secret,
        scopes=SCOPES)
    yt = youtube(emu, creds)
    req = yt.playlistItems().list(part="id", maxResults=50,
                                  playlistId=emu.world()[
                                      "uploads_playlist_id"])
    resp = req.execute()
    n = len(resp["items"])
    emu.clear_requests_log()
    emu.expire_access_tokens()
    req = yt.playlistItems().list_next(req, resp)
    while req is not None:
        resp = req.execute()
        n += len(resp["items"])
        req = yt.playlistItems().list_next(req, resp)
    assert n == emu.world()["counts"]["my_uploads"]
    log = emu.requests_log()
    statuses = [(e["path"], e["status"]) for e in log]
    assert ("/youtube/v3/playlistItems", 401) in statuses
    assert ("/token", 200) in statuses
    refresh = [e for e in log if e["path"] == "/token"]
    assert refresh[0]["form"]["grant_type"] == "refresh_token"
    assert refresh[0]["form"]["refresh_token"] == "[redacted]"
    assert tok["refresh_token"] not in json.dumps(log)


@pytest.mark.parametrize("how", ["revoke", "expire"])
def test_revoked_or_expired_refresh_token_gives_invalid_grant(emulator, how):
    emu = emulator
    tok = emu.obtain_tokens(SCOPES)
    creds = Credentials(None, refresh_token=tok["refresh_token"],
                        token_uri=emu.base_url + "/token",
                        client_id=emu.client_id,
                        client_secret=emu.client_secret)
    if how == "revoke":
        emu.revoke_refresh_tokens()
    else:
        emu.expire_refresh_tokens()
    with pytest.raises(RefreshError) as ei:
        creds.refresh(Request())
    assert "invalid_grant" in str(ei.value)
    assert "Token has been expired or revoked." in str(ei.value)


def test_api_key_client_retries_and_http_errors(emulator):
    emu = emulator
    world = emu.world()
    yt = youtube(emu, key=emu.api_key, slash=True)
    assert yt.i18nRegions().list(part="id").uri.startswith(
        emu.base_url + "/youtube/v3/i18nRegions?")
    # comments with an API key are fine
    resp = yt.commentThreads().list(part="snippet", maxResults=5,
                                    videoId=world["video_with_many_replies"]
                                    ).execute()
    assert resp["items"]
    # commentsDisabled surfaces as HttpError with its reason
    with pytest.raises(HttpError) as ei:
        yt.commentThreads().list(part="snippet", videoId=world[
            "comments_disabled_video"]).execute()
    assert ei.value.resp.status == 403
    assert ei.value.error_details[0]["reason"] == "commentsDisabled"
    # a 503 is retried by execute(num_retries=...)
    emu.fault("/youtube/v3/videos", status=503, count=1, retry_after=1)
    resp = yt.videos().list(part="statistics", id=world[
        "hidden_likes_video"]).execute(num_retries=2)
    assert "likeCount" not in resp["items"][0]["statistics"]
    assert "viewCount" in resp["items"][0]["statistics"]
    # quotaExceeded is not retried
    emu.fault("/youtube/v3/search", status=403, reason="quotaExceeded",
              count=1)
    with pytest.raises(HttpError) as ei:
        yt.search().list(part="snippet", q="x").execute(num_retries=3)
    assert ei.value.error_details[0]["reason"] == "quotaExceeded"


def test_browser_standin_as_BROWSER_with_run_local_server(emulator, tmp_path):
    """The documented BROWSER settings drive run_local_server(open_browser=
    True) through Python's webbrowser module in a separate process."""
    emu = emulator
    script = tmp_path / "flow.py"
    script.write_text(
        "import os, sys, json\n"
        "os.environ['OAUTHLIB_INSECURE_TRANSPORT'] = '1'\n"
        "from google_auth_oauthlib.flow import InstalledAppFlow\n"
        "f = InstalledAppFlow.from_client_secrets_file(sys.argv[1], "
        "scopes=['%s'])\n"
        "c = f.run_local_server(port=0, open_browser=True, "
        "authorization_prompt_message='', timeout_seconds=30)\n"
        "print(json.dumps({'ok': c.valid, 'rt': bool(c.refresh_token)}))\n"
        % (YT + "youtube.readonly"))
    # Python's webbrowser runs a BROWSER value with spaces only in the %s
    # form (it shlex-splits those); a bare path works as is.  It waits for
    # a plain command to exit before run_local_server serves its listener,
    # so the stand-in must not wait for that listener: background mode.
    # The second consent without prompt=consent gets no new refresh token
    # while the first is live: Google's behaviour.
    cases = ((os.path.join(ROOT, "emulator", "browser-standin"), True,
              {"YTK_BROWSER_BACKGROUND": "1"}),
             ("%s -m emulator.browser %%s &" % sys.executable, False, {}),
             ("%s -m emulator.browser --background %%s" % sys.executable,
              False, {}))
    for browser_var, rt, extra in cases:
        env = dict(os.environ, BROWSER=browser_var, PYTHONPATH=ROOT, **extra)
        p = subprocess.run([sys.executable, str(script),
                            emu.client_secret_path], env=env,
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (browser_var, p.stderr[-2000:])
        assert json.loads(p.stdout.strip().splitlines()[-1]) == {
            "ok": True, "rt": rt}


@pytest.mark.parametrize("browser_var", [
    "python3 -m emulator.browser", "{venv} -m emulator.browser",
    "{root}/emulator/browser-standin"])
def test_browser_standin_with_url_appended(emulator, browser_var):
    """BROWSER split on spaces with the URL appended as the last argument
    (the convention the kernel uses)."""
    import shlex
    cmd = shlex.split(browser_var.format(venv=sys.executable, root=ROOT))
    env = dict(os.environ, PYTHONPATH=ROOT)

    def visit(url):
        return subprocess.run(cmd + [url], env=env, timeout=60,
                              capture_output=True).returncode

    creds, _ = run_installed_flow(emulator, visit)
    assert creds.valid and creds.refresh_token


# ---------------------------------------------------------------- stand-in

def _standin(args, env_extra=None):
    env = dict(os.environ, PYTHONPATH=ROOT, **(env_extra or {}))
    return subprocess.run([os.path.join(ROOT, "emulator", "browser-standin")]
                          + args, env=env, capture_output=True, text=True,
                          timeout=60)


def test_standin_refuses_non_loopback_urls():
    for url in ("https://accounts.google.com/o/oauth2/v2/auth?x=1",
                "http://example.com/", "file:///etc/passwd",
                "http://127.0.0.1.example.com/", "ftp://127.0.0.1/"):
        p = _standin([url])
        assert p.returncode == 2, (url, p.stderr)
        assert "refusing non-loopback URL" in p.stderr


def test_standin_does_not_follow_redirects_off_loopback():
    import http.server

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "https://evil.example.com/steal")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), Redirect)
    t = threading.Thread(target=srv.handle_request)
    t.start()
    try:
        with pytest.raises(ValueError):
            browser.fetch("http://127.0.0.1:%d/" % srv.server_address[1])
    finally:
        t.join()
        srv.server_close()


def test_standin_exit_codes_and_no_secrets_printed(emulator):
    emu = emulator
    # an error page from the authorization endpoint: exit 3
    p = _standin([emu.base_url + "/o/oauth2/v2/auth?client_id=nope"])
    assert p.returncode == 3 and "401" in p.stderr
    # consent given, but nobody listens on the redirect port: exit 4
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    from emulator.testing import pkce_pair
    _, ch = pkce_pair()
    url = emu.base_url + "/o/oauth2/v2/auth?" + urllib.parse.urlencode({
        "client_id": emu.client_id, "response_type": "code",
        "redirect_uri": "http://127.0.0.1:%d/" % port, "scope":
        YT + "youtube.readonly", "state": "s3cr3tstate",
        "code_challenge": ch, "code_challenge_method": "S256"})
    p = _standin([url])
    assert p.returncode == 4
    assert "s3cr3tstate" not in p.stderr and "code=" not in p.stderr
    assert "code_challenge" not in p.stderr
    # no URL at all
    assert _standin([]).returncode == 2


# ---------------------------------------------------------------- pyyoutube

def test_python_youtube_client_parses_emulator_responses(emulator):
    """The peer client python-youtube 0.9.9 (typed response models), pointed
    at the emulator through its class-level URLs: reads our client_secret
    file, does the code exchange, parses list responses into its models and
    our error envelope into PyYouTubeException."""
    import pyyoutube
    emu = emulator
    world = emu.world()

    class EmuClient(pyyoutube.Client):
        BASE_URL = emu.base_url + "/youtube/v3/"
        AUTHORIZATION_URL = emu.base_url + "/o/oauth2/v2/auth"
        EXCHANGE_ACCESS_TOKEN_URL = emu.base_url + "/token"
        REVOKE_TOKEN_URL = emu.base_url + "/revoke"

    # OAuth with the client_secret.json the emulator wrote
    oc = EmuClient(client_secret_path=emu.client_secret_path)
    assert oc.client_id == emu.client_id
    ru = "http://127.0.0.1:8766/"
    url, state = oc.get_authorize_url(redirect_uri=ru,
                                      scope=[YT + "youtube.readonly"])
    r = emu.request("GET", url[len(emu.base_url):])
    assert r.status == 302
    tok = oc.generate_access_token(
        authorization_response=r.headers["location"].replace(
            "http://", "https://", 1), redirect_uri=ru,
        scope=[YT + "youtube.readonly"], state=state)
    assert tok.access_token.startswith("ya29.") and tok.refresh_token
    mine = oc.channels.list(parts="snippet,statistics,contentDetails",
                            mine=True)
    ch = mine.items[0]
    assert ch.id == world["my_channel_id"]
    assert ch.contentDetails.relatedPlaylists.uploads == world[
        "uploads_playlist_id"]
    assert int(ch.statistics.videoCount) == world["counts"]["my_uploads"]
    subs = oc.subscriptions.list(parts="snippet", mine=True, max_results=50)
    assert subs.pageInfo.totalResults == world["counts"]["subscriptions"]
    assert subs.items[0].snippet.resourceId.channelId.startswith("UC")

    kc = EmuClient(api_key=emu.api_key)
    pages, token, n = 0, None, 0
    while True:
        resp = kc.playlistItems.list(parts="snippet,contentDetails",
                                     playlist_id=world["uploads_playlist_id"],
                                     max_results=50, page_token=token)
        n += len(resp.items)
        pages += 1
        token = resp.nextPageToken
        if not token:
            break
    assert n == world["counts"]["my_uploads"]
    first = resp.items[-1]
    assert first.contentDetails.videoId == first.snippet.resourceId.videoId
    vids = kc.videos.list(parts="snippet,statistics,contentDetails",
                          chart="mostPopular", region_code="GB",
                          max_results=50)
    assert len(vids.items) == 50
    v = vids.items[0]
    assert int(v.statistics.viewCount) >= int(vids.items[1].statistics
                                              .viewCount)
    assert v.contentDetails.duration.startswith("PT")
    assert v.snippet.string_to_datetime(v.snippet.publishedAt).year >= 2024
    threads = kc.commentThreads.list(
        parts="snippet,replies", video_id=world["video_with_many_replies"],
        max_results=100)
    big = [t for t in threads.items if t.snippet.totalReplyCount > 5][0]
    assert len(big.replies.comments) == 5
    replies = kc.comments.list(parts="snippet", parent_id=big.id,
                               max_results=100)
    assert len(replies.items) == big.snippet.totalReplyCount
    found = kc.search.list(parts="snippet", q="tips", type="video",
                           max_results=10)
    assert found.items and found.items[0].id.kind == "youtube#video"
    cats = kc.videoCategories.list(parts="snippet", region_code="US")
    assert any(c.snippet.title == "Music" for c in cats.items)
    regions = kc.i18nRegions.list(parts="snippet")
    assert any(r.snippet.gl == "JP" for r in regions.items)

    with pytest.raises(pyyoutube.PyYouTubeException) as ei:
        kc.commentThreads.list(parts="snippet",
                               video_id=world["comments_disabled_video"])
    assert ei.value.status_code == 403
    assert "disabled comments" in ei.value.message
