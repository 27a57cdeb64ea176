"""Start and drive the emulator from Python tests.

    emu = start_emulator(str(tmp_path / "emulator-data"), seed=1)
    emu.base_url, emu.api_key, emu.client_secret_path, ...
    emu.fault("/youtube/v3/videos", status=503, retry_after=2)
    emu.stop()

The emulator runs as a subprocess (`sys.executable -m emulator`); its stderr
(request log, secrets redacted) goes to DATA_DIR/emulator.log.
Knobs (keyword arguments) map to command-line flags: seed, size, uploads,
subscriptions, comment_threads, token_lifetime, refresh_token_lifetime,
quota_limit, consent, faults (list of --fault specs), latency_ms,
device_interval, device_code_lifetime, device_any_scope, compact_json,
quiet, port.
"""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

_HERE = os.path.dirname(os.path.abspath(__file__))

_FLAGS = {
    "seed": "--seed", "size": "--size", "uploads": "--uploads",
    "subscriptions": "--subscriptions",
    "comment_threads": "--comment-threads",
    "token_lifetime": "--token-lifetime",
    "refresh_token_lifetime": "--refresh-token-lifetime",
    "quota_limit": "--quota-limit", "consent": "--consent",
    "latency_ms": "--latency-ms", "device_interval": "--device-interval",
    "device_code_lifetime": "--device-code-lifetime", "port": "--port",
    "response_cache_mb": "--response-cache-mb",
}


class EmulatorError(RuntimeError):
    pass


def start_emulator(data_dir, timeout=30, **knobs):
    """Start `python -m emulator`, wait for its URL line, return Emulator."""
    data_dir = os.path.abspath(data_dir)
    os.makedirs(data_dir, exist_ok=True)
    cmd = [sys.executable, "-m", "emulator", "--data-dir", data_dir,
           "--parent-pid", str(os.getpid())]
    if "port" not in knobs:
        cmd += ["--port", "0"]
    faults = knobs.pop("faults", None) or []
    if isinstance(faults, str):
        faults = [faults]
    if knobs.pop("device_any_scope", False):
        cmd.append("--device-any-scope")
    if knobs.pop("quiet", False):
        cmd.append("--quiet")
    if knobs.pop("compact_json", False):
        cmd.append("--compact-json")
    for k, v in knobs.items():
        if k not in _FLAGS:
            raise TypeError("unknown emulator knob %r" % k)
        if v is not None:
            cmd += [_FLAGS[k], str(v)]
    for f in faults:
        cmd += ["--fault", f if isinstance(f, str) else json.dumps(f)]
    env = dict(os.environ)
    root = os.path.dirname(_HERE)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"]
                                if env.get("PYTHONPATH") else "")
    log = open(os.path.join(data_dir, "emulator.log"), "ab")
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log,
                            stdin=subprocess.DEVNULL, env=env, cwd=root)
    log.close()
    line = b""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(left):
            proc.kill()
            proc.wait()
            raise EmulatorError("emulator did not print its URL in %ss" %
                                timeout)
        ch = proc.stdout.read1(256) if hasattr(proc.stdout, "read1") else \
            os.read(proc.stdout.fileno(), 256)
        if not ch:
            proc.wait()
            raise EmulatorError("emulator exited (%s) before listening; see "
                                "%s/emulator.log" % (proc.returncode,
                                                     data_dir))
        line += ch
    sel.close()
    start_seconds = time.monotonic() - t0
    text = line.decode().strip()
    if not text.startswith("EMULATOR_URL="):
        proc.kill()
        raise EmulatorError("unexpected emulator output: %r" % text[:80])
    return Emulator(proc, text.split("=", 1)[1], data_dir, start_seconds)


class Emulator:
    """A running emulator: connection facts plus admin helpers."""

    def __init__(self, proc, base_url, data_dir, start_seconds=None):
        self.proc = proc
        self.base_url = base_url
        self.data_dir = data_dir
        self.start_seconds = start_seconds
        self.client_secret_path = os.path.join(data_dir, "client_secret.json")
        self.device_client_secret_path = os.path.join(
            data_dir, "client_secret_device.json")
        with open(self.client_secret_path) as f:
            inst = json.load(f)["installed"]
        self.client_id = inst["client_id"]
        self.client_secret = inst["client_secret"]
        with open(self.device_client_secret_path) as f:
            dev = json.load(f)["installed"]
        self.device_client_id = dev["client_id"]
        self.device_client_secret = dev["client_secret"]
        with open(os.path.join(data_dir, "api_key.txt")) as f:
            self.api_key = f.read().strip()

    def __repr__(self):  # no secrets
        return "<Emulator %s>" % self.base_url

    # -- lifecycle ---------------------------------------------------------
    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- admin API -----------------------------------------------------------
    def _admin(self, method, route, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + "/__admin/" + route,
                                     data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read().decode())
        except urllib.error.HTTPError as e:
            raise EmulatorError("admin %s %s -> %d %s" % (
                method, route, e.code, e.read()[:200].decode(
                    "utf-8", "replace")))

    def fault(self, path_pattern, status=500, reason=None, count=1,
              retry_after=None, mode="status", latency_ms=0, after=0):
        """Fail the next `count` requests whose path matches (substring, or
        fnmatch when the pattern has * ? [), after letting `after` matching
        requests through (a fault in the middle of a paginated fetch).
        count=-1: until cleared."""
        return self._admin("POST", "faults", dict(
            path_pattern=path_pattern, status=status, reason=reason,
            count=count, retry_after=retry_after, mode=mode,
            latency_ms=latency_ms, after=after))

    def faults(self):
        return self._admin("GET", "faults")["faults"]

    def clear_faults(self):
        return self._admin("DELETE", "faults")

    def set_latency(self, ms):
        return self._admin("POST", "latency", {"ms": ms})

    def set_token_lifetime(self, seconds):
        return self._admin("POST", "token-lifetime", {"seconds": seconds})

    def set_refresh_token_lifetime(self, seconds):
        return self._admin("POST", "refresh-token-lifetime",
                           {"seconds": seconds})

    def set_device_interval(self, seconds):
        return self._admin("POST", "device-interval", {"seconds": seconds})

    def set_device_code_lifetime(self, seconds):
        return self._admin("POST", "device-code-lifetime",
                           {"seconds": seconds})

    def expire_access_tokens(self):
        return self._admin("POST", "expire-access-tokens", {})

    def revoke_refresh_tokens(self):
        return self._admin("POST", "revoke-refresh-tokens", {})

    def expire_refresh_tokens(self):
        return self._admin("POST", "expire-refresh-tokens", {})

    def set_consent(self, consent):
        return self._admin("POST", "consent", {"consent": consent})

    def set_quota_limit(self, units):
        return self._admin("POST", "quota", {"limit": units})

    def quota_used(self):
        return int(self._admin("GET", "quota")["used"])

    def quota(self):
        return self._admin("GET", "quota")

    def reset_quota(self):
        return self._admin("POST", "quota/reset", {})

    def requests_log(self):
        return self._admin("GET", "requests")["requests"]

    def clear_requests_log(self):
        return self._admin("DELETE", "requests")

    def device_approve(self, user_code):
        return self._admin("POST", "device/approve", {"user_code": user_code})

    def device_deny(self, user_code):
        return self._admin("POST", "device/deny", {"user_code": user_code})

    def clock(self):
        """The emulated clock: now, offset_seconds, last_report_day."""
        return self._admin("GET", "clock")

    def advance_clock(self, days=0, seconds=0, at_next_report=False):
        """Move the emulated clock forward: statistics grow, new days of
        Analytics reports appear.  at_next_report: only when the next
        Analytics request arrives."""
        return self._admin("POST", "clock", {
            "days": days, "seconds": seconds,
            "at_next_report": bool(at_next_report)})

    def world(self):
        return self._admin("GET", "world")

    def cache_stats(self):
        """Response cache: entries, bytes, limit_bytes, hits, misses."""
        return self._admin("GET", "cache")

    # -- raw HTTP helpers for tests ------------------------------------------
    def request(self, method, path, params=None, form=None, headers=None,
                timeout=30):
        """One raw HTTP request to the emulator (no redirects followed)."""
        return _request(self.base_url, method, path, params, form, headers,
                        timeout)

    def api(self, resource, token=None, key=None, headers=None, **params):
        """GET /youtube/v3/<resource>; key=True uses the emulator's API key."""
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if key is True:
            params["key"] = self.api_key
        elif key:
            params["key"] = key
        return self.request("GET", "/youtube/v3/" + resource, params=params,
                            headers=hdrs)

    def authorize(self, scopes, redirect_uri="http://127.0.0.1:9/cb",
                  **extra):
        """Run the authorization request like a browser would, without a
        listener: returns the query of the 302 Location as a dict (code,
        state, scope or error), plus '_verifier' and '_location'."""
        import urllib.parse
        verifier, challenge = pkce_pair()
        params = {"client_id": self.client_id, "redirect_uri": redirect_uri,
                  "response_type": "code", "scope": " ".join(scopes),
                  "state": "st-123", "code_challenge": challenge,
                  "code_challenge_method": "S256", "access_type": "offline"}
        params.update(extra)
        params = {k: v for k, v in params.items() if v is not None}
        r = self.request("GET", "/o/oauth2/v2/auth", params=params)
        if r.status != 302:
            raise EmulatorError("authorization failed: %d %s" % (
                r.status, r.text()[:300]))
        loc = r.headers["location"]
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
        q["_verifier"] = verifier
        q["_location"] = loc
        return q

    def obtain_tokens(self, scopes=("https://www.googleapis.com/auth/"
                                    "youtube.readonly",), **extra):
        """Authorization code + PKCE + exchange; returns the token response."""
        ru = "http://127.0.0.1:9/cb"
        q = self.authorize(list(scopes), redirect_uri=ru, **extra)
        r = self.request("POST", "/token", form={
            "grant_type": "authorization_code", "code": q["code"],
            "redirect_uri": ru, "client_id": self.client_id,
            "client_secret": self.client_secret,
            "code_verifier": q["_verifier"]})
        if r.status != 200:
            raise EmulatorError("token exchange failed: %d %s" % (
                r.status, r.text()[:300]))
        return r.json()


# -- raw HTTP (no redirects followed, gzip only when asked) ------------------

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body        # bytes as received (maybe gzip)

    def text(self):
        body = self.body
        if self.headers.get("content-encoding") == "gzip":
            import gzip
            body = gzip.decompress(body)
        return body.decode("utf-8")

    def json(self):
        return json.loads(self.text())

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.body[:80])


def _request(base_url, method, path, params=None, form=None, headers=None,
             timeout=30):
    import http.client
    import urllib.parse
    u = urllib.parse.urlsplit(base_url)
    if params:
        path += ("&" if "?" in path else "?") + urllib.parse.urlencode(
            params, doseq=True)
    body = None
    hdrs = dict(headers or {})
    if form is not None:
        body = urllib.parse.urlencode(form, doseq=True).encode()
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()},
                        data)
    finally:
        conn.close()


def pkce_pair(length=128):
    """(verifier, S256 challenge) as google-auth-oauthlib makes them."""
    import base64
    import hashlib
    import secrets
    import string
    alphabet = string.ascii_letters + string.digits + "-._~"
    verifier = "".join(secrets.choice(alphabet) for _ in range(length))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(
        verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge
