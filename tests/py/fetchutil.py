"""Helpers for the %yt_fetch tests: a token straight from the emulator
(authorization code + PKCE done in Python, no %yt_auth), the kernel
environment of a module that fetches (token_env, kernel_env_fixture), and
read-only access to the kernel's SQLite store.

Nothing here talks to anything but 127.0.0.1.
"""
import json
import os
import sqlite3
import time

import pytest

FORCE_SSL = "https://www.googleapis.com/auth/youtube.force-ssl"
READONLY = "https://www.googleapis.com/auth/youtube.readonly"

# Settings that make retries fast in tests (the defaults follow Google's
# clients: 1 s base, 32 s cap).
FAST_ENV = {"YTK_FETCH_BACKOFF_MS": "10", "YTK_FETCH_BACKOFF_CAP_MS": "200"}


def write_token(emu, home, scopes=(FORCE_SSL,)):
    """Obtain tokens from the emulator and save $YTK_HOME/token.json in
    Google's authorized_user format.  Returns the token response."""
    tok = emu.obtain_tokens(scopes=tuple(scopes))
    expiry = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z",
                           time.gmtime(time.time() + tok["expires_in"]))
    data = {"token": tok["access_token"],
            "refresh_token": tok["refresh_token"],
            "token_uri": emu.base_url + "/token",
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "scopes": tok["scope"].split(),
            "expiry": expiry}
    path = os.path.join(str(home), "token.json")
    with open(path, "w") as f:
        json.dump(data, f)
    os.chmod(path, 0o600)
    return tok


def token_env(env, emu, home, scopes=(FORCE_SSL,), timeout_ms=None):
    """Make env (a kernel environment dict, changed in place) ready to fetch:
    a token with `scopes` in home (write_token), fast retries (FAST_ENV) and,
    when given, the request timeout YTK_FETCH_TIMEOUT_MS.  Returns the token
    response."""
    tok = write_token(emu, home, scopes)
    env.update(FAST_ENV)
    if timeout_ms is not None:
        env["YTK_FETCH_TIMEOUT_MS"] = str(timeout_ms)
    return tok


def kernel_env_fixture(scopes=(FORCE_SSL,), timeout_ms=None):
    """A `kernel_env` fixture for a test module whose kernels fetch:
    conftest's kernel_env (with the emulator) passed through token_env.
    In the module: `kernel_env = kernel_env_fixture(timeout_ms=3000)`."""
    @pytest.fixture
    def kernel_env(kernel_env, emulator, ytk_home):
        token_env(kernel_env, emulator, ytk_home, scopes, timeout_ms)
        return kernel_env
    return kernel_env


def secrets_of(emu, home):
    """Every secret string that must never show up in outputs or logs."""
    out = [emu.api_key, emu.client_secret]
    path = os.path.join(str(home), "token.json")
    if os.path.exists(path):
        with open(path) as f:
            t = json.load(f)
        out += [t.get("token"), t.get("refresh_token")]
    return [s for s in out if s]


def write_web_client(emu, path, redirect_uris):
    """Write at path the client_secret.json of the emulator's client as a web
    application ({"web": ...}, as Google Cloud Console downloads it) with
    these registered redirect URIs.  Returns path."""
    with open(str(path), "w") as f:
        json.dump({"web": {
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "auth_uri": emu.base_url + "/o/oauth2/auth",
            "token_uri": emu.base_url + "/token",
            "redirect_uris": list(redirect_uris)}}, f)
    return path


def assert_logged_in_via(emu, home, redirect):
    """The last login sent `redirect` as its redirect_uri, its code was
    exchanged for tokens, and $YTK_HOME/token.json names the emulator's
    client."""
    log = emu.requests_log()
    auth = [e for e in log if e["path"] == "/o/oauth2/v2/auth"][-1]
    assert auth["query"]["redirect_uri"] == redirect
    tok = [e for e in log if e["path"] == "/token"][-1]
    assert tok["status"] == 200
    with open(os.path.join(str(home), "token.json")) as f:
        assert json.load(f)["client_id"] == emu.client_id


class Store:
    """Read the kernel's store (WAL: safe while the kernel runs)."""

    def __init__(self, home):
        self.path = os.path.join(str(home), "store.sqlite")

    def rows(self, sql, *args):
        con = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True,
                              timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def scalar(self, sql, *args):
        r = self.rows(sql, *args)
        return r[0][0] if r else None

    def count(self, table, where="1"):
        try:
            return self.scalar("SELECT COUNT(*) FROM %s WHERE %s" % (table,
                                                                    where))
        except sqlite3.OperationalError:
            return 0

    def no_dupes(self, table, key):
        """Assert that no two rows of table share key."""
        dupes = self.scalar("SELECT COUNT(*) - COUNT(DISTINCT %s) FROM %s"
                            % (key, table))
        assert dupes == 0, "%d duplicate %s in %s" % (dupes, key, table)

    def logged_units(self):
        return self.scalar("SELECT COALESCE(SUM(quota_units), 0) FROM "
                           "_ytk_requests")


def fault_id(fault):
    """A test id for a fault given as emulator.fault keywords (pytest
    parametrize ids=fault_id): its values joined by '-', e.g. 429-1."""
    return "-".join(str(v) for v in fault.values())


def api_requests(emu, resource=None):
    """The emulator's log of Data API requests (optionally one resource)."""
    out = []
    for r in emu.requests_log():
        p = r.get("path", "")
        if not p.startswith("/youtube/v3/"):
            continue
        if resource and p != "/youtube/v3/" + resource:
            continue
        out.append(r)
    return out


def qparam(req, name):
    v = req.get("query", {}).get(name)
    if isinstance(v, list):
        return v[0] if v else None
    return v
