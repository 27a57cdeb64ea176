"""%yt_auth against the offline emulator: login with PKCE through $BROWSER,
forged state, denied consent, --manual through stdin, --no-wait + code,
device flow (pending, slow_down), refresh (explicit, before expiry during a
fetch, after a 401), revoked / expired refresh tokens, API keys, revoke,
logout, the token file (mode 0600 under umask 000, read and refreshed by
google-auth, requests-oauthlib shape accepted) -- and no token, secret or
key in any iopub message or on the kernel's stderr.
"""
import http.client
import json
import os
import stat
import sys
import time
import urllib.parse

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import ytk  # noqa: E402
from fetchutil import assert_logged_in_via, write_web_client  # noqa: E402

STANDIN = os.path.join(ytk.SOURCE_DIR, "emulator", "browser-standin")


class Session:
    """A kernel started for one test; keeps every iopub message and the
    kernel's stderr so the test can scan them for secrets at the end."""

    def __init__(self, env, tmp_path):
        self.stderr_path = tmp_path / "kernel-stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        self.km, self.kc = ytk.start_kernel(env=env, stderr=self._stderr)
        self.results = []

    def run(self, code, **kw):
        r = ytk.execute(self.kc, code, **kw)
        self.results.append(r)
        return r

    def raw_messages(self):
        msgs = [m for r in self.results for m in r.msgs]
        msgs += ytk.drain_iopub(self.kc)
        return msgs

    def stop(self):
        try:
            ytk.stop_kernel(self.km, self.kc)
        finally:
            self._stderr.close()

    def assert_no_secrets(self, secrets, allow_in_input=()):
        """No secret in any iopub message (execute_input excepted for the
        values in allow_in_input, which the user typed), nor on stderr."""
        secrets = [s for s in secrets if s]
        assert secrets
        for m in self.raw_messages():
            blob = json.dumps(m["content"])
            for s in secrets:
                if m["msg_type"] == "execute_input" and s in allow_in_input:
                    continue
                assert s not in blob, (m["msg_type"], "leaks a secret")
        err = self.stderr_path.read_bytes().decode("utf-8", "replace")
        for s in secrets:
            assert s not in err, "kernel stderr leaks a secret"
        for r in self.results:
            for s in secrets:
                if s in allow_in_input:
                    continue
                assert s not in r.all_text()


@pytest.fixture
def base_env(ytk_home, emulator):
    return {"YTK_HOME": str(ytk_home), "YTK_GOOGLE_BASE": emulator.base_url,
            "YTK_CLIENT_SECRETS": emulator.client_secret_path,
            "BROWSER": STANDIN, "YTK_API_KEY": ""}


@pytest.fixture
def session(base_env, tmp_path):
    s = Session(base_env, tmp_path)
    try:
        yield s
    finally:
        s.stop()


def token_file(home):
    with open(os.path.join(str(home), "token.json")) as f:
        return json.load(f)


def text(r):
    return "\n".join(r.texts())


def emu_secrets(emu):
    return [emu.client_secret, emu.device_client_secret, emu.api_key]


def token_secrets(tok):
    return [tok.get("token"), tok.get("refresh_token"),
            tok.get("client_secret")]


def follow_auth_url(url):
    """Do what a browser does on the authorization URL, minus the last hop:
    returns the Location the emulator redirects to."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", u.path + "?" + u.query)
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status == 302, r.status
    return r.getheader("Location")


def auth_url_from(r):
    for t in r.texts():
        for line in t.splitlines():
            if "/o/oauth2/v2/auth?" in line:
                return line.strip()
    raise AssertionError("no sign-in URL shown: " + text(r))


# ---------------------------------------------------------------------------


def test_login_pkce_via_browser(session, emulator, ytk_home):
    r = session.run("%yt_auth login")
    assert r.status == "ok", r.all_text()
    out = text(r)
    assert "Authenticated" in out
    assert "youtube.readonly" in out and "youtube.force-ssl" in out
    assert "token.json" in out
    # Link shown at once (display_data), then the same display updated.
    first = r.of_type("display_data")[0]
    did = first["content"]["transient"]["display_id"]
    html = first["content"]["data"]["text/html"]
    assert '<a href="http://127.0.0.1:' in html and "&amp;state=" in html
    upd = r.of_type("update_display_data")
    assert upd and upd[-1]["content"]["transient"]["display_id"] == did
    assert "Authenticated" in upd[-1]["content"]["data"]["text/plain"]

    # What went over the wire: S256 PKCE, a state, the verifier on /token.
    log = emulator.requests_log()
    auth = [e for e in log if e["path"] == "/o/oauth2/v2/auth"]
    assert auth, log
    q = auth[-1]["query"]
    assert q["code_challenge_method"] == "S256"
    assert q["code_challenge"]  # (the emulator's log redacts its value)
    assert q["state"] and q["access_type"] == "offline"
    assert q["redirect_uri"].startswith("http://127.0.0.1:")
    tok_req = [e for e in log if e["path"] == "/token"]
    assert tok_req and tok_req[-1]["status"] == 200
    assert tok_req[-1]["form"]["grant_type"] == "authorization_code"
    assert "code_verifier" in tok_req[-1]["form"]

    tok = token_file(ytk_home)
    assert tok["token"].startswith("ya29.")
    assert tok["refresh_token"]
    assert tok["client_id"] == emulator.client_id
    assert set(tok["scopes"]) == {
        "https://www.googleapis.com/auth/youtube.readonly",
        "https://www.googleapis.com/auth/youtube.force-ssl"}
    assert tok["expiry"].endswith("Z")

    st = session.run("%yt_auth status")
    assert st.status == "ok"
    s = text(st)
    assert "Token file:" in s and "present (redacted)" in s
    assert "Account:" in s
    session.assert_no_secrets(token_secrets(tok) + emu_secrets(emulator))


def test_token_file_mode_and_google_auth(base_env, tmp_path, emulator,
                                         ytk_home):
    old = os.umask(0)
    try:
        s = Session(base_env, tmp_path)
    finally:
        os.umask(old)
    try:
        r = s.run("%yt_auth login")
        assert r.status == "ok", r.all_text()
        path = os.path.join(str(ytk_home), "token.json")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        # nothing else left in YTK_HOME by the atomic write
        assert not [n for n in os.listdir(str(ytk_home)) if ".tmp." in n]
        tok = token_file(ytk_home)

        from google.oauth2.credentials import Credentials
        import google.auth.transport.requests
        creds = Credentials.from_authorized_user_file(path)
        assert creds.token == tok["token"]
        assert creds.refresh_token == tok["refresh_token"]
        assert creds.client_id == emulator.client_id
        assert not creds.expired
        # google-auth always uses Google's token_uri; point it here.
        creds._token_uri = emulator.base_url + "/token"
        creds.refresh(google.auth.transport.requests.Request())
        assert creds.token and creds.token != tok["token"]
        assert creds.valid
        s.assert_no_secrets(token_secrets(tok) + [creds.token])
    finally:
        s.stop()


def test_forged_state_rejected(base_env, tmp_path, emulator, ytk_home):
    forger = tmp_path / "forge.py"
    forger.write_text(
        "#!%s\n"
        "import os, sys, urllib.parse, urllib.request, urllib.error\n"
        "q = urllib.parse.parse_qs(urllib.parse.urlsplit(sys.argv[-1]).query)\n"
        "ru = q['redirect_uri'][0]\n"
        "try:\n"
        "    urllib.request.urlopen(ru + '?state=FORGED&code=evil', timeout=20)\n"
        "except urllib.error.HTTPError as e:\n"
        # written whole, then renamed: the test reads it once it exists
        "    open(%r, 'w').write(str(e.code))\n"
        "    os.replace(%r, %r)\n" % (
            sys.executable, str(tmp_path / "forge-status.tmp"),
            str(tmp_path / "forge-status.tmp"), str(tmp_path / "forge-status")))
    forger.chmod(0o755)
    env = dict(base_env, BROWSER=str(forger))
    s = Session(env, tmp_path)
    try:
        r = s.run("%yt_auth login")
        assert r.status == "error"
        assert r.errors[0]["ename"] == "AuthError"
        assert "state" in r.errors[0]["evalue"]
        assert "evil" not in r.all_text()
        assert not os.path.exists(os.path.join(str(ytk_home), "token.json"))
        # the forged request itself was answered 400
        deadline = time.monotonic() + 20
        while not (tmp_path / "forge-status").exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert (tmp_path / "forge-status").read_text() == "400"
        # and no code was ever exchanged
        assert not [e for e in emulator.requests_log() if e["path"] == "/token"]
        # the display no longer says it is waiting
        assert "failed" in r.texts()[-1]
    finally:
        s.stop()


def test_consent_denied(session, emulator, ytk_home):
    emulator.set_consent("deny")
    r = session.run("%yt_auth login")
    assert r.status == "error"
    e = r.errors[0]
    assert e["ename"] == "AuthError"
    assert "access_denied" in e["evalue"] or "declined" in e["evalue"]
    assert any("allow access" in line for line in e["traceback"])
    assert not os.path.exists(os.path.join(str(ytk_home), "token.json"))


def test_manual_through_stdin(base_env, tmp_path, emulator, ytk_home):
    env = dict(base_env, BROWSER="")
    s = Session(env, tmp_path)
    try:
        kc = s.kc
        msg_id = kc.execute("%yt_auth login --manual", allow_stdin=True)
        urls, prompts = [], []

        def watch(m):
            # The link is published before the prompt, but iopub and stdin
            # are separate channels: the answer waits until it was read.
            if m["msg_type"] == "display_data":
                urls.extend(line.strip() for line in
                            m["content"]["data"]["text/plain"].splitlines()
                            if "/o/oauth2/v2/auth?" in line)

        def answer(content):
            if not urls:
                return None
            prompts.append(content)
            return follow_auth_url(urls[0])

        r = ytk.collect(kc, msg_id, stdin_handler=answer, on_iopub=watch,
                        what="login --manual")
        s.results.append(r)
        assert r.status == "ok", r.all_text()
        assert len(prompts) == 1 and prompts[0]["password"] is True
        assert "Authenticated" in text(r)
        tok = token_file(ytk_home)
        s.assert_no_secrets(token_secrets(tok) + emu_secrets(emulator))
    finally:
        s.stop()


def test_manual_without_stdin_points_to_code(base_env, tmp_path, emulator):
    s = Session(dict(base_env, BROWSER=""), tmp_path)
    try:
        r = s.run("%yt_auth login --manual")  # no stdin_handler: no stdin
        assert r.status == "error"
        assert r.errors[0]["ename"] == "AuthError"
        assert any("%yt_auth code" in line for line in r.errors[0]["traceback"])
        # the pending sign-in can still be finished with `code`
        loc = follow_auth_url(auth_url_from(r))
        r2 = s.run('%%yt_auth code "%s"' % loc)
        assert r2.status == "ok", r2.all_text()
        assert "Authenticated" in text(r2)
    finally:
        s.stop()


def test_no_wait_then_code(session, emulator, ytk_home):
    r0 = session.run("%yt_auth code http://127.0.0.1:1/?code=x")
    assert r0.status == "error" and r0.errors[0]["ename"] == "AuthError"
    assert "no sign-in is waiting" in r0.errors[0]["evalue"]

    r = session.run("%yt_auth login --no-wait")
    assert r.status == "ok", r.all_text()
    assert "%yt_auth code" in text(r)
    assert not os.path.exists(os.path.join(str(ytk_home), "token.json"))
    loc = follow_auth_url(auth_url_from(r))
    assert "code=" in loc and "state=" in loc

    # a URL from another sign-in (other state) is refused, pending kept
    bad = loc.replace("state=", "state=X")
    rb = session.run('%%yt_auth code "%s"' % bad)
    assert rb.status == "error" and "state" in rb.errors[0]["evalue"]

    r2 = session.run('%%yt_auth code "%s"' % loc)
    assert r2.status == "ok", r2.all_text()
    assert "Authenticated" in text(r2)
    # the original login cell's display is updated too
    assert r2.of_type("update_display_data")
    tok = token_file(ytk_home)
    assert tok["refresh_token"]
    # single use
    r3 = session.run('%%yt_auth code "%s"' % loc)
    assert r3.status == "error"
    session.assert_no_secrets(token_secrets(tok) + emu_secrets(emulator))


def test_device_flow_pending_and_slow_down(base_env, tmp_path, emulator,
                                          ytk_home):
    emulator.set_device_interval(1)
    # Google's answer when polled too fast, once.
    emulator.fault("/token", status=403, reason="slow_down", count=1)
    s = Session(dict(base_env, BROWSER=""), tmp_path)
    try:
        kc = s.kc
        msg_id = kc.execute("%%yt_auth device --client-secrets %s" %
                            emulator.device_client_secret_path)
        user_codes, approved = [], []

        def watch(m):
            if m["msg_type"] == "display_data" and not user_codes:
                t = m["content"]["data"]["text/plain"]
                assert "enter the code" in t
                assert emulator.base_url + "/device" in t
                user_codes.append(t.split("enter the code: ")[1].split()[0])

        def approve_after_pending_and_slow_down():
            if not user_codes or approved:
                return
            log = emulator.requests_log()
            pend = [e for e in log if e["path"] == "/token" and
                    e["status"] == 428]
            slow = [e for e in log if e["path"] == "/token" and
                    e["status"] == 403]
            if pend and slow:
                emulator.device_approve(user_codes[0])
                approved.append(True)

        r = ytk.collect(kc, msg_id, on_iopub=watch,
                        on_poll=approve_after_pending_and_slow_down,
                        what="device flow")
        s.results.append(r)
        assert r.status == "ok", r.all_text()
        assert approved
        assert "Authenticated" in text(r)
        log = [e for e in emulator.requests_log() if e["path"] == "/token"]
        statuses = [e["status"] for e in log]
        # kept polling through pending and slow_down, then got the token;
        # never polled too fast after slow_down (the emulator would have
        # answered slow_down again).
        assert statuses.count(403) == 1
        assert 428 in statuses and statuses[-1] == 200
        tok = token_file(ytk_home)
        assert tok["client_id"] == emulator.device_client_id
        assert tok["scopes"] == [
            "https://www.googleapis.com/auth/youtube.readonly"]
        s.assert_no_secrets(token_secrets(tok) + emu_secrets(emulator))
    finally:
        s.stop()


def test_device_flow_needs_device_client(session):
    r = session.run("%yt_auth device")  # the desktop client
    assert r.status == "error" and r.errors[0]["ename"] == "AuthError"
    assert "invalid_client" in r.errors[0]["evalue"]


def test_refresh_explicit_and_during_fetch(session, emulator, ytk_home):
    emulator.set_token_lifetime(120)  # inside the 225 s refresh window
    assert session.run("%yt_auth login").status == "ok"
    t1 = token_file(ytk_home)
    r = session.run("%yt_auth refresh")
    assert r.status == "ok", r.all_text()
    assert "refreshed" in text(r)
    t2 = token_file(ytk_home)
    assert t2["token"] != t1["token"]
    assert t2["refresh_token"] == t1["refresh_token"]  # kept

    # %yt_fetch refreshes a token that expires within 225 s before using it
    emulator.clear_requests_log()
    f = session.run("%yt_fetch channels --mine")
    assert f.status == "ok", f.all_text()
    t3 = token_file(ytk_home)
    assert t3["token"] != t2["token"]
    log = emulator.requests_log()
    grants = [e["form"].get("grant_type") for e in log if e["path"] == "/token"]
    assert grants == ["refresh_token"]
    api = [e for e in log if e["path"].startswith("/youtube/v3/")]
    assert api and all(e["status"] == 200 for e in api)

    # an access token the server no longer accepts: 401, refresh, retry once
    emulator.set_token_lifetime(3599)
    assert session.run("%yt_auth refresh").status == "ok"
    emulator.expire_access_tokens()
    emulator.clear_requests_log()
    f = session.run("%yt_fetch channels --mine")
    assert f.status == "ok", f.all_text()
    log = emulator.requests_log()
    assert [e["status"] for e in log if e["path"].startswith("/youtube")] \
        == [401, 200]
    session.assert_no_secrets(token_secrets(t1) + token_secrets(t2) +
                              token_secrets(t3) + emu_secrets(emulator) +
                              token_secrets(token_file(ytk_home)))


@pytest.mark.parametrize("how", ["revoke_refresh_tokens",
                                 "expire_refresh_tokens"])
def test_dead_refresh_token_explained(session, emulator, ytk_home, how):
    assert session.run("%yt_auth login").status == "ok"
    tok = token_file(ytk_home)
    getattr(emulator, how)()
    r = session.run("%yt_auth refresh")
    assert r.status == "error"
    e = r.errors[0]
    assert e["ename"] == "AuthError"
    assert "invalid_grant" in e["evalue"]
    assert "7 days" in e["evalue"] and "Testing" in e["evalue"]
    assert any("%yt_auth login" in line for line in e["traceback"])
    # the same explanation when a fetch needs the refresh
    emulator.expire_access_tokens()
    f = session.run("%yt_fetch channels --mine")
    assert f.status == "error"
    assert "7 days" in f.all_text()
    session.assert_no_secrets(token_secrets(tok) + emu_secrets(emulator))


def test_requests_oauthlib_token_accepted(session, emulator, ytk_home):
    assert session.run("%yt_auth login").status == "ok"
    tok = token_file(ytk_home)
    path = os.path.join(str(ytk_home), "token.json")
    # the seed project's shape: no client in the file, epoch expires_at
    with open(path, "w") as f:
        json.dump({"access_token": tok["token"], "expires_in": 3599,
                   "refresh_token": tok["refresh_token"],
                   "token_type": "Bearer", "expires_at": time.time() - 10,
                   "scope": tok["scopes"]}, f)
    os.chmod(path, 0o644)
    st = session.run("%yt_auth status")
    assert st.status == "ok" and "expired" in text(st)
    assert "readable by others (mode 644)" in text(st)
    r = session.run("%yt_auth refresh")
    assert r.status == "ok", r.all_text()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    new = token_file(ytk_home)
    assert new["client_id"] == emulator.client_id  # from client_secret.json
    assert new["refresh_token"] == tok["refresh_token"]
    assert new["token"] != tok["token"] and "access_token" not in new
    session.assert_no_secrets(token_secrets(tok) + token_secrets(new) +
                              emu_secrets(emulator))


def test_revoke_and_logout(session, emulator, ytk_home):
    path = os.path.join(str(ytk_home), "token.json")
    assert session.run("%yt_auth login").status == "ok"
    tok = token_file(ytk_home)
    r = session.run("%yt_auth revoke")
    assert r.status == "ok", r.all_text()
    assert "revoked" in text(r).lower()
    assert not os.path.exists(path)
    rev = [e for e in emulator.requests_log() if e["path"] == "/revoke"]
    assert rev and rev[-1]["status"] == 200
    # revoked at the server: the refresh token is dead
    resp = emulator.request("POST", "/token", form={
        "grant_type": "refresh_token", "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
        "refresh_token": tok["refresh_token"]})
    assert resp.status == 400

    assert session.run("%yt_auth login").status == "ok"
    r = session.run("%yt_auth logout")
    assert r.status == "ok" and not os.path.exists(path)
    r = session.run("%yt_auth logout")
    assert r.status == "ok" and "No token saved" in text(r)
    session.assert_no_secrets(token_secrets(tok) + emu_secrets(emulator))


def test_api_key_hidden(session, emulator, ytk_home):
    prompts = []

    def answer(req):
        prompts.append(req)
        return emulator.api_key
    r = session.run("%yt_auth key", stdin_handler=answer)
    assert r.status == "ok", r.all_text()
    assert prompts and prompts[0]["password"] is True
    key_path = os.path.join(str(ytk_home), "api_key")
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    assert open(key_path).read().strip() == emulator.api_key
    fp = "%s\u2026(%d chars)" % (emulator.api_key[:4], len(emulator.api_key))
    assert fp in text(r)
    st = session.run("%yt_auth status")
    assert fp in text(st)
    # public data with the key only
    f = session.run("%yt_fetch videos --chart mostPopular --region US "
                    "--limit 5")
    assert f.status == "ok", f.all_text()
    bad = session.run("%yt_auth key 'has blanks in it'")
    assert bad.status == "error" and bad.errors[0]["ename"] == "AuthError"
    session.assert_no_secrets(emu_secrets(emulator))


def test_bad_client_configuration(session, emulator, tmp_path):
    fixtures = os.path.join(ytk.SOURCE_DIR, "tests", "fixtures",
                            "youtube-apidata", "client_secrets")
    r = session.run("%%yt_auth login --client-secrets %s" %
                    os.path.join(fixtures, "client_secret_unsupported.json"))
    assert r.status == "error" and r.errors[0]["ename"] == "AuthError"
    assert "Client secrets must be for a web or installed app." in \
        r.errors[0]["evalue"]
    r = session.run("%yt_auth login --client-secrets /nonexistent.json")
    assert r.status == "error" and "/nonexistent.json" in r.errors[0]["evalue"]
    assert any("Credentials" in line for line in r.errors[0]["traceback"])
    r = session.run("%yt_auth login --client-id only")
    assert r.status == "error"
    assert "--client-secret" in r.errors[0]["evalue"]
    r = session.run("%yt_auth logni")
    assert r.status == "error" and r.errors[0]["ename"] == "UsageError"
    assert any("login" in line for line in r.errors[0]["traceback"])


def test_client_id_and_secret_options(base_env, tmp_path, emulator, ytk_home):
    env = dict(base_env, YTK_CLIENT_SECRETS="/nonexistent.json")
    s = Session(env, tmp_path)
    try:
        r = s.run("%%yt_auth login --client-id %s --client-secret %s "
                  "--scopes youtube.readonly --token-file %s" % (
                      emulator.client_id, emulator.client_secret,
                      tmp_path / "other-token.json"))
        assert r.status == "ok", r.all_text()
        tok = json.load(open(tmp_path / "other-token.json"))
        assert tok["scopes"] == [
            "https://www.googleapis.com/auth/youtube.readonly"]
        assert not os.path.exists(os.path.join(str(ytk_home), "token.json"))
        # the secret typed on the magic line is echoed only as the input
        s.assert_no_secrets(token_secrets(tok) + [emulator.client_secret],
                            allow_in_input=(emulator.client_secret,))
    finally:
        s.stop()


def test_login_timeout_without_browser(base_env, tmp_path, ytk_home):
    s = Session(dict(base_env, BROWSER=""), tmp_path)
    try:
        r = s.run("%yt_auth login --timeout 1")
        assert r.status == "error" and r.errors[0]["ename"] == "AuthError"
        assert "no redirect" in r.errors[0]["evalue"]
        assert any("--manual" in line for line in r.errors[0]["traceback"])
        assert not os.path.exists(os.path.join(str(ytk_home), "token.json"))
    finally:
        s.stop()


def interrupt_once_shown(s, code):
    """Run code in session s and interrupt the kernel as soon as the cell
    shows its first display (the sign-in link or the device code)."""
    sent = []

    def watch(m):
        if m["msg_type"] == "display_data" and not sent:
            sent.append(True)
            s.km.interrupt_kernel()

    r = ytk.collect(s.kc, s.kc.execute(code), on_iopub=watch, what=code)
    s.results.append(r)
    assert sent, "the cell ended without showing anything"
    return r


def test_login_interrupted(base_env, tmp_path):
    s = Session(dict(base_env, BROWSER=""), tmp_path)
    try:
        # wait until the link is on screen, then interrupt
        r = interrupt_once_shown(s, "%yt_auth login")
        assert r.status == "error"
        assert r.reply["content"]["ename"] == "KeyboardInterrupt"
        # the kernel is still usable
        r = s.run("%yt_auth status")
        assert r.status == "ok"
    finally:
        s.stop()


def test_web_client_uses_registered_redirect(session, emulator, tmp_path,
                                             ytk_home):
    import socket
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    redirect = "http://127.0.0.1:%d/oauth2callback" % port
    web = write_web_client(emulator, tmp_path / "client_secret_web.json",
                           ["https://example.com/cb", redirect])
    r = session.run("%%yt_auth login --client-secrets %s" % web)
    assert r.status == "ok", r.all_text()
    assert_logged_in_via(emulator, ytk_home, redirect)


def test_testing_mode_expiry_told_apart_from_revocation(tmp_path, ytk_home):
    """A grant with refresh_token_expires_in (apps in Testing mode): the
    kernel records when the refresh token dies and, on invalid_grant, says
    whether it expired (the 7-day limit) or was revoked."""
    from emulator.testing import start_emulator
    emu = start_emulator(str(tmp_path / "emu-testing"),
                         refresh_token_lifetime=2)
    env = {"YTK_HOME": str(ytk_home), "YTK_GOOGLE_BASE": emu.base_url,
           "YTK_CLIENT_SECRETS": emu.client_secret_path, "BROWSER": STANDIN,
           "YTK_API_KEY": ""}
    s = Session(env, tmp_path)
    try:
        r = s.run("%yt_auth login")
        assert r.status == "ok", r.all_text()
        assert "time-limited grant" in text(r)
        tok = token_file(ytk_home)
        assert tok["refresh_token_expiry"].endswith("Z")
        # google-auth still reads the file (it ignores our extra field)
        from google.oauth2.credentials import Credentials
        Credentials.from_authorized_user_file(
            os.path.join(str(ytk_home), "token.json"))
        # let the emulator's refresh token expire
        from datetime import datetime, timezone
        dies = datetime.strptime(tok["refresh_token_expiry"],
                                 "%Y-%m-%dT%H:%M:%SZ").replace(
                                     tzinfo=timezone.utc).timestamp()
        while time.time() < dies + 1.5:
            time.sleep(0.2)
        r = s.run("%yt_auth refresh")
        assert r.status == "error"
        ev = r.errors[0]["evalue"]
        assert "invalid_grant" in ev and "expired on" in ev
        assert "Testing" in ev and "7 days" in ev and "revoked" not in ev

        emu.set_refresh_token_lifetime(604800)
        assert s.run("%yt_auth login").status == "ok"
        tok2 = token_file(ytk_home)
        emu.revoke_refresh_tokens()
        r = s.run("%yt_auth refresh")
        assert r.status == "error"
        ev = r.errors[0]["evalue"]
        assert "it was revoked" in ev and "%yt_auth login" in ev
        s.assert_no_secrets(token_secrets(tok) + token_secrets(tok2) +
                            emu_secrets(emu))
    finally:
        s.stop()
        emu.stop()


def test_device_flow_interrupted(base_env, tmp_path, emulator, ytk_home):
    s = Session(dict(base_env, BROWSER=""), tmp_path)
    try:
        r = interrupt_once_shown(s, "%%yt_auth device --client-secrets %s" %
                                 emulator.device_client_secret_path)
        assert r.status == "error"
        assert r.reply["content"]["ename"] == "KeyboardInterrupt"
        assert not os.path.exists(os.path.join(str(ytk_home), "token.json"))
        assert s.run("%yt_auth status").status == "ok"
    finally:
        s.stop()


@pytest.fixture
def auth_process_env(emulator, monkeypatch):
    """The valgrind fixture starts the kernel with this process' env."""
    monkeypatch.setenv("YTK_GOOGLE_BASE", emulator.base_url)
    monkeypatch.setenv("YTK_CLIENT_SECRETS", emulator.client_secret_path)
    monkeypatch.setenv("BROWSER", STANDIN)
    monkeypatch.setenv("YTK_API_KEY", "")


from test_valgrind import valgrind_kernel  # noqa: E402,F401  (fixture)


@pytest.mark.skipif(ytk.ASAN, reason="valgrind and ASan don't mix; runs in "
                    "the normal build")
def test_auth_session_under_memcheck(auth_process_env, valgrind_kernel,
                                     emulator):
    """The auth subcommands under valgrind memcheck (test_valgrind's
    harness): no memory errors, no definite leaks."""
    import re
    from test_valgrind import TIMEOUT as VT, read_status
    km, kc, log, status = valgrind_kernel
    for code, want in [("%yt_auth login", "ok"), ("%yt_auth status", "ok"),
                       ("%yt_auth refresh", "ok"),
                       ("%yt_auth login --no-wait", "ok"),
                       ("%yt_auth code http://127.0.0.1:1/?code=bad", "error"),
                       ("%yt_auth key AIzaSyTESTKEY0123456789", "ok"),
                       ("%yt_auth revoke", "ok"), ("%yt_auth logout", "ok"),
                       ("%yt_auth nope", "error")]:
        r = ytk.execute(kc, code, timeout=VT)
        assert r.status == want, (code, r.all_text())
    kc.shutdown()
    code = read_status(status, timeout=VT)
    text = log.read_text() if log.exists() else ""
    assert code is not None, "the kernel did not exit after shutdown_request"
    summary = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    assert summary and summary.group(1) == "0", text[-6000:]
    lost = re.search(r"definitely lost: ([\d,]+) bytes", text)
    if lost:
        assert lost.group(1) == "0", text[-6000:]
    assert code == 0, text[-6000:]


def test_browser_variable_conventions(base_env, tmp_path, emulator, ytk_home):
    """$BROWSER as Python's webbrowser reads it: ':'-separated commands
    tried in order, "%s" replaced by the URL, a trailing "&" allowed; run
    without a shell, detached."""
    browser = "/nonexistent/browser:%s -m emulator.browser %%s &" % \
        sys.executable
    env = dict(base_env, BROWSER=browser, PYTHONPATH=ytk.SOURCE_DIR)
    s = Session(env, tmp_path)
    try:
        r = s.run("%yt_auth login")
        assert r.status == "ok", r.all_text()
        assert "Opened the page with $BROWSER" in r.texts()[0]
        assert "Authenticated" in text(r)
    finally:
        s.stop()
    # nothing startable: the link is still shown, and the note says so
    env = dict(base_env, BROWSER="/nonexistent/browser")
    s = Session(env, tmp_path)
    try:
        r = s.run("%yt_auth login --timeout 1")
        assert r.status == "error"
        assert "Could not open $BROWSER" in r.texts()[0]
        assert "/o/oauth2/v2/auth?" in r.texts()[0]
    finally:
        s.stop()


@pytest.mark.parametrize("scopes", ["bogus", "youtube.readonly,yt-analytics",
                                    "youtube.read"])
def test_unknown_short_scope_refused_before_the_browser(session, emulator,
                                                        ytk_home, scopes):
    # Google answers an unknown scope with an error page in the browser and
    # never redirects back: the login would wait for its whole timeout.
    # The kernel knows the short names, so it says so at once.
    r = session.run("%yt_auth login --scopes " + scopes, timeout=30)
    assert r.status == "error"
    e = r.errors[0]
    assert e["ename"] == "UsageError"
    bad = [s for s in scopes.split(",") if s != "youtube.readonly"][0]
    assert "unknown scope '%s'" % bad in e["evalue"]
    assert "yt-analytics.readonly" in e["evalue"]  # the names it knows
    assert not [x for x in emulator.requests_log()
                if x["path"] == "/o/oauth2/v2/auth"]
    assert not os.path.exists(os.path.join(str(ytk_home), "token.json"))


def test_identity_and_full_url_scopes_accepted(session, emulator, ytk_home):
    # openid/email/profile are Google's bare names (never under .../auth/);
    # a full URL is taken as it is.
    r = session.run("%yt_auth login --scopes youtube.readonly,openid,"
                    "https://www.googleapis.com/auth/yt-analytics.readonly",
                    timeout=60)
    assert r.status == "ok", r.all_text()
    auth = [x for x in emulator.requests_log()
            if x["path"] == "/o/oauth2/v2/auth"]
    asked = auth[-1]["query"]["scope"].split()
    assert "openid" in asked
    assert "https://www.googleapis.com/auth/youtube.readonly" in asked
    assert "https://www.googleapis.com/auth/yt-analytics.readonly" in asked


def test_status_tells_rejected_token_from_unreachable(session, emulator,
                                                      ytk_home):
    """`%yt_auth status` said "(tokeninfo not reachable)" whenever tokeninfo
    did not name an account -- also when Google answered and rejected a
    revoked access token, which sent people looking for a network
    problem."""
    assert session.run("%yt_auth login").status == "ok"
    emulator.expire_access_tokens()  # still unexpired in token.json
    r = session.run("%yt_auth status")
    assert r.status == "ok"
    out = text(r)
    assert "not reachable" not in out, out
    assert "did not accept the saved access token" in out, out
    assert "%yt_auth refresh" in out
    emulator.stop()
    r = session.run("%yt_auth status")
    assert r.status == "ok"
    out = text(r)
    assert "not reachable" in out and "did not accept" not in out, out
    session.assert_no_secrets(token_secrets(token_file(ytk_home)))


def test_logout_says_an_api_key_is_still_used(session, emulator, ytk_home):
    """After `%yt_auth logout` said "No token saved", %yt_fetch still
    called the API with the saved key: a person who logged out did not
    know it was there, nor how to remove it."""
    r = session.run("%yt_auth key " + emulator.api_key)
    assert r.status == "ok"
    r = session.run("%yt_auth logout")
    assert r.status == "ok"
    out = text(r)
    key_file = os.path.join(str(ytk_home), "api_key")
    assert "API key is still saved" in out and key_file in out, out
    os.unlink(key_file)
    r = session.run("%yt_auth logout")
    assert "API key" not in text(r), text(r)
    session.assert_no_secrets([emulator.api_key],
                              allow_in_input=[emulator.api_key])


@pytest.mark.parametrize("line", ["%yt_auth status extra",
                                  "%yt_auth logout all",
                                  "%yt_auth revoke now",
                                  "%yt_auth refresh please"])
def test_subcommands_without_arguments_refuse_extra_words(session, ytk_home,
                                                          line):
    """`%yt_auth logout all` ran a plain logout, saying nothing about
    'all': a word the subcommand does not take is a UsageError."""
    r = session.run(line)
    assert r.status == "error"
    e = r.errors[0]
    assert e["ename"] == "UsageError"
    word = line.split()[-1]
    assert "'%s'" % word in e["evalue"] and "takes no" in e["evalue"], e
