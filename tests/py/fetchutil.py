"""Helpers for the %yt_fetch tests: a token straight from the emulator
(authorization code + PKCE done in Python, no %yt_auth), and read-only
access to the kernel's SQLite store.

Nothing here talks to anything but 127.0.0.1.
"""
import json
import os
import sqlite3
import time

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


def secrets_of(emu, home):
    """Every secret string that must never show up in outputs or logs."""
    out = [emu.api_key, emu.client_secret]
    path = os.path.join(str(home), "token.json")
    if os.path.exists(path):
        with open(path) as f:
            t = json.load(f)
        out += [t.get("token"), t.get("refresh_token")]
    return [s for s in out if s]


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

    def logged_units(self):
        return self.scalar("SELECT COALESCE(SUM(quota_units), 0) FROM "
                           "_ytk_requests")


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
