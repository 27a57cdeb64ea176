"""HTTP server of the emulator: Google OAuth 2.0 endpoints, the YouTube Data
API v3 list methods (emulator/api.py over emulator/world.py), quota ledger,
fault injection, latency, request log, and the /__admin/ control API.

Binds 127.0.0.1 only.  Standard library only.  Secrets (client secret, API
key, tokens, codes) never reach the log: query and form values of those
names are replaced by "[redacted]".
"""
import base64
import collections
import fnmatch
import gzip
import hashlib
import html
import http.server
import json
import re
import secrets
import socket
import sys
import threading
import time
import urllib.parse

from . import api as A
from .analytics import Analytics
from .pretty import dumps as pretty_json
from .world import World

YT = "https://www.googleapis.com/auth/"
KNOWN_SCOPES = {
    YT + s for s in (
        "youtube", "youtube.readonly", "youtube.force-ssl", "youtube.upload",
        "youtubepartner", "youtubepartner-channel-audit",
        "youtube.channel-memberships.creator", "youtube.download",
        "youtube.third-party-link.creator", "yt-analytics.readonly",
        "yt-analytics-monetary.readonly", "userinfo.email",
        "userinfo.profile")} | {"openid", "email", "profile"}
SHORT_SCOPES = {"email": YT + "userinfo.email",
                "profile": YT + "userinfo.profile"}
DEVICE_SCOPES = {YT + "youtube", YT + "youtube.readonly", "openid", "email",
                 "profile", YT + "userinfo.email", YT + "userinfo.profile"}
SECRET_NAMES = {"key", "access_token", "oauth_token", "client_secret", "code",
                "code_verifier", "refresh_token", "token", "device_code",
                "code_challenge", "id_token", "assertion", "password"}
AUTH_PARAMS = {"client_id", "redirect_uri", "response_type", "scope", "state",
               "code_challenge", "code_challenge_method", "access_type",
               "prompt", "login_hint", "include_granted_scopes", "hd",
               "nonce", "enable_granular_consent", "approval_prompt",
               "authuser", "display", "response_mode"}
OOB_URIS = {"urn:ietf:wg:oauth:2.0:oob", "urn:ietf:wg:oauth:2.0:oob:auto",
            "oob"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
PKCE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
OOB_MSG = ("The out-of-band (OOB) flow has been blocked in order to keep "
           "users secure. Follow the Out-of-Band (OOB) flow migration guide "
           "linked in the developer docs below to migrate your app to an "
           "alternative method.")


def _rand(n):
    return secrets.token_urlsafe(n)[:n]


def _same(a, b):
    """Constant-time comparison that also takes non-ASCII input."""
    return secrets.compare_digest(a.encode("utf-8", "surrogatepass"),
                                  b.encode("utf-8", "surrogatepass"))


class OAuthError(Exception):
    def __init__(self, status, error, description):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class PageError(Exception):
    """An error page of the authorization endpoint (HTML, not a redirect)."""

    def __init__(self, status, error, description):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class State:
    """Everything mutable, behind one lock."""

    def __init__(self, opts):
        self.lock = threading.RLock()
        self.opts = opts
        self.project = "ytk-emulator-%d" % opts.seed
        num = "%012d" % (int(hashlib.sha256(b"%d" % opts.seed).hexdigest(),
                              16) % 10 ** 12)
        self.desktop = {"client_id": "%s-%s.apps.googleusercontent.com" % (
            num, _rand(32).lower().replace("-", "a").replace("_", "b")),
            "client_secret": "GOCSPX-" + _rand(28), "type": "installed"}
        self.device = {"client_id": "%s-%s.apps.googleusercontent.com" % (
            num, _rand(32).lower().replace("-", "c").replace("_", "d")),
            "client_secret": "GOCSPX-" + _rand(28), "type": "tv"}
        self.clients = {c["client_id"]: c for c in (self.desktop,
                                                    self.device)}
        self.api_key = "AIza" + _rand(35)
        self.user_sub = "1%020d" % (int(hashlib.sha256(
            b"sub%d" % opts.seed).hexdigest(), 16) % 10 ** 20)
        self.token_lifetime = opts.token_lifetime
        self.refresh_lifetime = opts.refresh_token_lifetime
        self.consent = opts.consent
        self.quota_limit = opts.quota_limit
        self.quota_used = {}
        self.latency_ms = opts.latency_ms
        self.device_interval = opts.device_interval
        self.device_lifetime = opts.device_code_lifetime
        self.codes = {}
        self.access = {}
        self.refresh = {}
        self.grants = {}     # client_id -> set of scopes granted so far
        self.devices = {}    # device_code -> record
        self.user_codes = {}  # user_code -> device_code
        self.faults = []
        self.log = []


class Fault:
    def __init__(self, pattern, status=500, reason=None, count=1,
                 retry_after=None, mode="status", latency_ms=0, after=0):
        if mode not in ("status", "drop", "truncate", "latency"):
            raise ValueError("fault mode must be status, drop, truncate or "
                             "latency")
        self.pattern = str(pattern)
        self.status = int(status)
        self.reason = reason
        self.count = int(count) if count is not None else -1
        self.retry_after = retry_after
        self.mode = mode
        self.latency_ms = int(latency_ms or 0)
        self.after = int(after or 0)  # matching requests let through first
        if self.after < 0:
            raise ValueError("after must not be negative")

    def matches(self, path, full):
        p = self.pattern
        if any(ch in p for ch in "*?["):
            return fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(full, p)
        return p in full

    def to_json(self):
        return dict(path_pattern=self.pattern, status=self.status,
                    reason=self.reason, count=self.count,
                    retry_after=self.retry_after, mode=self.mode,
                    latency_ms=self.latency_ms, after=self.after)


def parse_fault_spec(spec):
    """CLI form: 'PATTERN[,key=value...]' or a JSON object."""
    spec = spec.strip()
    if spec.startswith("{"):
        d = json.loads(spec)
        pat = d.pop("path_pattern", None) or d.pop("pattern")
        return Fault(pat, **d)
    fields = spec.split(",")
    kw = {}
    for f in fields[1:]:
        if "=" not in f:
            raise ValueError("fault option %r is not key=value" % f)
        k, v = f.split("=", 1)
        k = k.strip().replace("-", "_")
        if k not in ("status", "reason", "count", "retry_after", "mode",
                     "latency_ms", "after"):
            raise ValueError("unknown fault option %r" % k)
        kw[k] = v
    return Fault(fields[0], **kw)


class Gzipped(bytes):
    """An answer kept only in its gzip form (level 6, as _send makes it):
    sent as is to clients that accept gzip, decompressed for the others."""


class ResponseCache:
    """Encoded 200 answers of the Data API by request, least recently used
    first out, bounded in bytes (`--response-cache-mb`; off by default).

    The world is generated from the seed and never changes, so the same
    list call by the same kind of principal always has the same answer:
    a benchmark that warms the cache takes the emulator's own CPU (building
    resources in Python, JSON, gzip) out of the measured requests.
    Authentication, scopes, quota, faults, latency and the request log
    still run for every request; only building the body is skipped."""

    def __init__(self, limit_bytes):
        self.lock = threading.Lock()
        self.limit = limit_bytes
        self.size = 0
        self.entries = collections.OrderedDict()
        self.hits = self.misses = 0

    @staticmethod
    def key(name, q, principal, clock=0):
        """clock: the emulated clock's offset (statistics grow with it, so
        an answer cached before the clock moved is never served after)."""
        params = tuple(sorted((k, tuple(v)) for k, v in q.items()
                              if k not in ("access_token", "oauth_token",
                                           "key")))
        who = None if principal is None else frozenset(principal["scopes"])
        return name, who, params, clock

    def get(self, key):
        with self.lock:
            hit = self.entries.get(key)
            if hit is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, key, etag, text):
        body = Gzipped(gzip.compress(text, 6))
        n = len(body) + 200
        with self.lock:
            if key in self.entries or n > self.limit:
                return body
            self.entries[key] = (etag, body)
            self.size += n
            while self.size > self.limit:
                _, (_, old) = self.entries.popitem(last=False)
                self.size -= len(old) + 200
        return body

    def stats(self):
        with self.lock:
            return {"entries": len(self.entries), "bytes": self.size,
                    "limit_bytes": self.limit, "hits": self.hits,
                    "misses": self.misses}


def _loopback_ok(uri):
    try:
        u = urllib.parse.urlsplit(uri)
        port = u.port
    except ValueError:
        return False
    del port
    return u.scheme == "http" and (u.hostname or "") in LOOPBACK_HOSTS and \
        not u.fragment and not u.username


def _redirect_base(uri):
    """The part of a redirect URI Google compares: scheme://host/path
    (the loopback port may vary)."""
    u = urllib.parse.urlsplit(uri)
    return (u.scheme, u.hostname, u.path or "/", u.query)


class CacheMiss:
    """A body to encode and then keep in the response cache under key."""

    def __init__(self, key, body, etag):
        self.key, self.body, self.etag = key, body, etag


class Emu:
    def __init__(self, opts, world):
        self.opts = opts
        self.world = world
        self.api = A.Api(world)
        self.analytics = self.api.growth = Analytics(world)
        self.st = State(opts)
        mb = getattr(opts, "response_cache_mb", 0) or 0
        self.cache = ResponseCache(mb << 20) if mb > 0 else None
        for spec in opts.fault or []:
            self.st.faults.append(parse_fault_spec(spec))
        self.base_url = None

    # ------------------------------------------------------------ files
    def write_files(self, data_dir):
        import os
        os.makedirs(data_dir, exist_ok=True)
        st = self.st
        common = {"project_id": st.project,
                  "auth_uri": self.base_url + "/o/oauth2/auth",
                  "token_uri": self.base_url + "/token",
                  "auth_provider_x509_cert_url": self.base_url +
                  "/oauth2/v1/certs"}
        desk = {"installed": dict(client_id=st.desktop["client_id"],
                                  **common,
                                  client_secret=st.desktop["client_secret"],
                                  redirect_uris=["http://localhost"])}
        dev = {"installed": dict(client_id=st.device["client_id"], **common,
                                 client_secret=st.device["client_secret"])}
        for name, obj in (("client_secret.json", desk),
                          ("client_secret_device.json", dev)):
            self._write_private(os.path.join(data_dir, name),
                                json.dumps(obj, indent=2) + "\n")
        self._write_private(os.path.join(data_dir, "api_key.txt"),
                            st.api_key + "\n")
        self._write_private(os.path.join(data_dir, "emulator.json"),
                            json.dumps({"base_url": self.base_url,
                                        "world": self.world_summary()},
                                       indent=2) + "\n")

    @staticmethod
    def _write_private(path, text):
        import os
        tmp = path + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)

    def world_summary(self):
        s = self.world.summary()
        w = self.world
        s["subscribed_channel_ids"] = [w.channel_id(1 + k)
                                       for k in range(min(w.n_subs, 5))]
        s["base_url"] = self.base_url
        return s

    # ------------------------------------------------------------ tokens
    def _now(self):
        return time.time()

    def _issue_access(self, client_id, scopes, grant):
        tok = "ya29." + _rand(150)
        exp = self._now() + self.st.token_lifetime
        self.st.access[tok] = dict(client_id=client_id, scopes=set(scopes),
                                   exp=exp, grant=grant, revoked=False)
        return tok

    def _issue_tokens(self, client_id, scopes, want_refresh):
        grant = _rand(16)
        out = {"access_token": self._issue_access(client_id, scopes, grant),
               "expires_in": int(self.st.token_lifetime)}
        if want_refresh:
            rt = "1//0" + _rand(100)
            rec = dict(client_id=client_id, scopes=set(scopes), grant=grant,
                       revoked=False, exp=None)
            if self.st.refresh_lifetime:
                rec["exp"] = self._now() + self.st.refresh_lifetime
                out["refresh_token_expires_in"] = int(
                    self.st.refresh_lifetime)
            self.st.refresh[rt] = rec
            out["refresh_token"] = rt
        out["scope"] = " ".join(sorted(scopes))
        out["token_type"] = "Bearer"
        return out

    def _live_refresh(self, client_id):
        now = self._now()
        return any(r["client_id"] == client_id and not r["revoked"] and
                   (r["exp"] is None or r["exp"] > now)
                   for r in self.st.refresh.values())

    def principal_for(self, token):
        with self.st.lock:
            rec = self.st.access.get(token)
            if rec is None or rec["revoked"] or rec["exp"] <= self._now():
                return None
            return dict(client_id=rec["client_id"], scopes=rec["scopes"],
                        sub=self.st.user_sub)

    # ------------------------------------------------------------ oauth
    def authorize(self, q):
        """GET /o/oauth2/v2/auth -> (status, headers, body)."""
        for k, v in q.items():
            if len(v) > 1:
                raise PageError(400, "invalid_request",
                                "Parameter not allowed to repeat: %s" % k)
        p = {k: v[0] for k, v in q.items()}
        cid = p.get("client_id", "")
        if not cid:
            raise PageError(400, "invalid_request",
                            "Missing required parameter: client_id")
        client = self.st.clients.get(cid)
        if client is None:
            raise PageError(401, "invalid_client",
                            "The OAuth client was not found.")
        ru = p.get("redirect_uri")
        if ru is None or ru == "":
            raise PageError(400, "invalid_request",
                            "Missing required parameter: redirect_uri")
        if ru in OOB_URIS:
            raise PageError(400, "invalid_request", OOB_MSG)
        if client["type"] != "installed":
            raise PageError(400, "invalid_request",
                            "Invalid client type for this flow: a TVs and "
                            "Limited Input devices client must use the "
                            "device flow.")
        if not _loopback_ok(ru):
            raise PageError(400, "redirect_uri_mismatch",
                            "You can't sign in to this app because it doesn't"
                            " comply with Google's OAuth 2.0 policy. If you're"
                            " the app developer, register the redirect URI in"
                            " the Google Cloud Console. Request details: "
                            "redirect_uri=" + ru)
        for k in p:
            if k not in AUTH_PARAMS:
                raise PageError(400, "invalid_request",
                                "Parameter not allowed for this message "
                                "type: %s" % k)
        rt = p.get("response_type")
        if not rt:
            raise PageError(400, "invalid_request",
                            "Required parameter is missing: response_type")
        if rt != "code":
            raise PageError(400, "unsupported_response_type",
                            "Invalid response_type: %s" % rt)
        scope = p.get("scope", "").strip()
        if not scope:
            raise PageError(400, "invalid_request",
                            "Missing required parameter: scope")
        scopes = []
        bad = []
        for s in scope.split():
            s = SHORT_SCOPES.get(s, s)
            if s not in KNOWN_SCOPES:
                bad.append(s)
            elif s not in scopes:
                scopes.append(s)
        if bad:
            raise PageError(400, "invalid_scope",
                            "Some requested scopes were invalid. "
                            "{invalid=[%s]}" % ", ".join(bad))
        ch = p.get("code_challenge")
        method = p.get("code_challenge_method")
        if method is not None and ch is None:
            raise PageError(400, "invalid_request",
                            "code_challenge_method was provided without a "
                            "code_challenge.")
        if ch is not None:
            method = method or "plain"
            if method not in ("S256", "plain"):
                raise PageError(400, "invalid_request",
                                "Invalid code_challenge_method: %s" % method)
            if not PKCE_RE.match(ch):
                raise PageError(400, "invalid_request",
                                "Invalid code_challenge: it must be 43 to 128"
                                " characters of [A-Za-z0-9-._~].")
        at = p.get("access_type", "online")
        if at not in ("online", "offline"):
            raise PageError(400, "invalid_request",
                            "Invalid access_type: %s" % at)
        prompt = p.get("prompt", "").split()
        for x in prompt:
            if x not in ("none", "consent", "select_account"):
                raise PageError(400, "invalid_request",
                                "Invalid prompt: %s" % p["prompt"])
        if "none" in prompt and len(prompt) > 1:
            raise PageError(400, "invalid_request",
                            "prompt=none must not be combined with other "
                            "values.")
        state = p.get("state")
        with self.st.lock:
            prior = self.st.grants.get(cid, set())
            if "none" in prompt and not set(scopes) <= prior:
                return self._redirect(ru, [("state", state),
                                           ("error", "consent_required")])
            if self.st.consent == "deny":
                return self._redirect(ru, [("state", state),
                                           ("error", "access_denied")])
            granted = list(scopes)
            if p.get("include_granted_scopes") == "true":
                granted += sorted(prior - set(scopes))
            self.st.grants[cid] = prior | set(scopes)
            want_refresh = at == "offline" and (
                "consent" in prompt or not self._live_refresh(cid))
            code = "4/0A" + _rand(70)
            self.st.codes[code] = dict(
                client_id=cid, redirect_uri=ru, scopes=granted,
                challenge=ch, method=method, refresh=want_refresh,
                exp=self._now() + 600, used=False)
        return self._redirect(ru, [("state", state), ("code", code),
                                   ("scope", " ".join(granted))])

    @staticmethod
    def _redirect(ru, pairs):
        qs = urllib.parse.urlencode([(k, v) for k, v in pairs
                                     if v is not None])
        sep = "&" if "?" in ru else "?"
        return 302, {"Location": ru + sep + qs}, b""

    def _client_auth(self, form, headers):
        cid = form.get("client_id")
        secret = form.get("client_secret")
        auth = headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                raw = base64.b64decode(auth[6:].strip()).decode("utf-8")
                u, _, pw = raw.partition(":")
                cid = urllib.parse.unquote_plus(u)
                secret = urllib.parse.unquote_plus(pw)
            except (ValueError, UnicodeDecodeError):
                raise OAuthError(401, "invalid_client",
                                 "The OAuth client was not found.")
        if not cid:
            raise OAuthError(400, "invalid_request",
                             "Could not determine client ID from request.")
        client = self.st.clients.get(cid)
        if client is None:
            raise OAuthError(401, "invalid_client",
                             "The OAuth client was not found.")
        if not secret:
            raise OAuthError(400, "invalid_request", "client_secret is "
                             "missing.")
        if not _same(secret, client["client_secret"]):
            raise OAuthError(401, "invalid_client", "Unauthorized")
        return client

    def token(self, form, headers):
        gt = form.get("grant_type", "")
        if gt == "http://oauth.net/grant_type/device/1.0":  # legacy name
            gt = "urn:ietf:params:oauth:grant-type:device_code"
        if gt not in ("authorization_code", "refresh_token",
                      "urn:ietf:params:oauth:grant-type:device_code"):
            raise OAuthError(400, "unsupported_grant_type",
                             "Invalid grant_type: %s" % gt)
        with self.st.lock:
            client = self._client_auth(form, headers)
            cid = client["client_id"]
            if gt == "authorization_code":
                return self._grant_code(form, cid)
            if gt == "refresh_token":
                return self._grant_refresh(form, cid)
            return self._grant_device(form, cid)

    def _grant_code(self, form, cid):
        code = form.get("code")
        if not code:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: code")
        rec = self.st.codes.get(code)
        if rec is None:
            raise OAuthError(400, "invalid_grant", "Malformed auth code.")
        if rec["used"] or rec["exp"] < self._now() or \
                rec["client_id"] != cid:
            raise OAuthError(400, "invalid_grant", "Bad Request")
        ru = form.get("redirect_uri")
        if not ru:
            raise OAuthError(400, "invalid_request",
                             "Missing parameter: redirect_uri")
        if ru != rec["redirect_uri"]:
            raise OAuthError(400, "redirect_uri_mismatch", "Bad Request")
        if rec["challenge"] is not None:
            ver = form.get("code_verifier")
            if not ver:
                raise OAuthError(400, "invalid_grant",
                                 "Missing code verifier.")
            if rec["method"] == "S256":
                calc = base64.urlsafe_b64encode(hashlib.sha256(
                    ver.encode("ascii", "replace")).digest()).decode(
                        "ascii").rstrip("=")
            else:
                calc = ver
            if not PKCE_RE.match(ver) or not _same(calc, rec["challenge"]):
                raise OAuthError(400, "invalid_grant",
                                 "Invalid code verifier.")
        rec["used"] = True
        return self._issue_tokens(cid, rec["scopes"], rec["refresh"])

    def _grant_refresh(self, form, cid):
        rt = form.get("refresh_token")
        if not rt:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: refresh_token")
        rec = self.st.refresh.get(rt)
        if rec is None or rec["revoked"] or (
                rec["exp"] is not None and rec["exp"] <= self._now()):
            raise OAuthError(400, "invalid_grant",
                             "Token has been expired or revoked.")
        if rec["client_id"] != cid:
            raise OAuthError(401, "unauthorized_client", "Unauthorized")
        scopes = rec["scopes"]
        if form.get("scope"):
            want = {SHORT_SCOPES.get(s, s) for s in form["scope"].split()}
            if not want <= scopes:
                raise OAuthError(400, "invalid_scope",
                                 "The requested scope is not a subset of the "
                                 "originally granted scopes.")
            scopes = want
        out = {"access_token": self._issue_access(cid, scopes, rec["grant"]),
               "expires_in": int(self.st.token_lifetime)}
        if rec["exp"] is not None:
            out["refresh_token_expires_in"] = max(0, int(rec["exp"] -
                                                         self._now()))
        out["scope"] = " ".join(sorted(scopes))
        out["token_type"] = "Bearer"
        return out

    def _grant_device(self, form, cid):
        dc = form.get("device_code")
        if not dc:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: device_code")
        rec = self.st.devices.get(dc)
        if rec is None or rec["status"] == "consumed":
            raise OAuthError(400, "invalid_grant", "Bad Request")
        if rec["client_id"] != cid:
            raise OAuthError(401, "invalid_client", "Unauthorized")
        now = self._now()
        if now > rec["exp"]:
            raise OAuthError(400, "expired_token", "Bad Request")
        last = rec["last_poll"]
        rec["last_poll"] = now
        if rec["status"] == "denied":
            raise OAuthError(403, "access_denied", "Forbidden")
        if rec["status"] == "pending":
            if last is not None and now - last < rec["interval"]:
                raise OAuthError(403, "slow_down", "Forbidden")
            raise OAuthError(428, "authorization_pending",
                             "Precondition Required")
        rec["status"] = "consumed"
        self.st.grants[cid] = self.st.grants.get(cid, set()) | set(
            rec["scopes"])
        return self._issue_tokens(cid, rec["scopes"], True)

    def device_code(self, form):
        cid = form.get("client_id")
        if not cid:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: client_id")
        with self.st.lock:
            client = self.st.clients.get(cid)
            if client is None:
                raise OAuthError(401, "invalid_client",
                                 "The OAuth client was not found.")
            if client["type"] != "tv":
                raise OAuthError(401, "invalid_client",
                                 "Invalid client type.")
            scope = form.get("scope", "").strip()
            if not scope:
                raise OAuthError(400, "invalid_request",
                                 "Missing required parameter: scope")
            scopes = []
            for s in scope.split():
                s = SHORT_SCOPES.get(s, s)
                if s not in DEVICE_SCOPES and not self.opts.device_any_scope:
                    raise OAuthError(400, "invalid_scope",
                                     "Not authorized to request the scopes: "
                                     "[%s]" % s)
                if s not in KNOWN_SCOPES:
                    raise OAuthError(400, "invalid_scope",
                                     "Some requested scopes were invalid. "
                                     "{invalid=[%s]}" % s)
                if s not in scopes:
                    scopes.append(s)
            dc = "AH-1Ng" + _rand(90)
            alphabet = "BCDFGHJKLMNPQRSTVWXZ"
            while True:
                uc = "".join(secrets.choice(alphabet) for _ in range(8))
                uc = uc[:4] + "-" + uc[4:]
                if uc not in self.st.user_codes:
                    break
            self.st.devices[dc] = dict(
                client_id=cid, scopes=scopes, user_code=uc,
                exp=self._now() + self.st.device_lifetime,
                interval=self.st.device_interval, last_poll=None,
                status="pending")
            self.st.user_codes[uc] = dc
            return {"device_code": dc, "user_code": uc,
                    "expires_in": int(self.st.device_lifetime),
                    "interval": int(self.st.device_interval),
                    "verification_url": self.base_url + "/device"}

    def device_decide(self, user_code, approve):
        uc = (user_code or "").strip().upper()
        if len(uc) == 8:
            uc = uc[:4] + "-" + uc[4:]
        with self.st.lock:
            dc = self.st.user_codes.get(uc)
            rec = self.st.devices.get(dc) if dc else None
            if rec is None or rec["status"] != "pending" or \
                    self._now() > rec["exp"]:
                return False
            rec["status"] = "approved" if approve else "denied"
            return True

    def revoke(self, token):
        with self.st.lock:
            grant = None
            if token in self.st.access:
                rec = self.st.access[token]
                if not rec["revoked"]:
                    grant = rec["grant"]
            elif token in self.st.refresh:
                rec = self.st.refresh[token]
                if not rec["revoked"] and (rec["exp"] is None or
                                           rec["exp"] > self._now()):
                    grant = rec["grant"]
            if grant is None:
                raise OAuthError(400, "invalid_token",
                                 "Token expired or revoked")
            for d in (self.st.access, self.st.refresh):
                for r in d.values():
                    if r["grant"] == grant:
                        r["revoked"] = True

    def tokeninfo(self, q):
        tok = q.get("access_token")
        if not tok:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: access_token")
        with self.st.lock:
            rec = self.st.access.get(tok)
            now = self._now()
            if rec is None or rec["revoked"] or rec["exp"] <= now:
                raise OAuthError(400, "invalid_token", "Invalid Value")
            out = {"azp": rec["client_id"], "aud": rec["client_id"]}
            if rec["scopes"] & {"openid", YT + "userinfo.email",
                                YT + "userinfo.profile"}:
                out["sub"] = self.st.user_sub
            else:
                out["sub"] = self.st.user_sub
            out["scope"] = " ".join(sorted(rec["scopes"]))
            out["exp"] = str(int(rec["exp"]))
            out["expires_in"] = str(int(rec["exp"] - now))
            if YT + "userinfo.email" in rec["scopes"]:
                out["email"] = "ytk.demo@example.com"
                out["email_verified"] = "true"
            has_rt = any(r["grant"] == rec["grant"]
                         for r in self.st.refresh.values())
            out["access_type"] = "offline" if has_rt else "online"
            return out

    # ------------------------------------------------------------ admin
    def admin(self, method, path, body):
        st = self.st
        route = path[len("/__admin/"):].strip("/")
        with st.lock:
            if route in ("health", ""):
                return 200, {"ok": True}
            if route == "world" and method == "GET":
                return 200, self.world_summary()
            if route == "clock":
                return self.analytics.admin(method, body)
            if route == "faults":
                if method == "GET":
                    return 200, {"faults": [f.to_json() for f in st.faults]}
                if method == "DELETE":
                    st.faults.clear()
                    return 200, {"faults": []}
                if method == "POST":
                    b = dict(body)
                    pat = b.pop("path_pattern", None) or b.pop("pattern",
                                                               None)
                    if not pat:
                        return 400, {"error": "path_pattern is required"}
                    try:
                        st.faults.append(Fault(pat, **b))
                    except (TypeError, ValueError) as e:
                        return 400, {"error": str(e)}
                    return 200, {"faults": [f.to_json() for f in st.faults]}
            if method != "POST" and route not in ("quota", "requests",
                                                  "cache"):
                return 405, {"error": "use POST"}
            if route == "latency":
                st.latency_ms = int(body.get("ms", 0))
                return 200, {"latency_ms": st.latency_ms}
            if route == "token-lifetime":
                st.token_lifetime = int(body["seconds"])
                return 200, {"token_lifetime": st.token_lifetime}
            if route == "refresh-token-lifetime":
                v = body.get("seconds")
                st.refresh_lifetime = int(v) if v else None
                return 200, {"refresh_token_lifetime": st.refresh_lifetime}
            if route == "device-interval":
                st.device_interval = int(body["seconds"])
                return 200, {"device_interval": st.device_interval}
            if route == "device-code-lifetime":
                st.device_lifetime = int(body["seconds"])
                return 200, {"device_code_lifetime": st.device_lifetime}
            if route == "expire-access-tokens":
                n = 0
                for r in st.access.values():
                    if r["exp"] > self._now():
                        r["exp"] = self._now() - 1
                        n += 1
                return 200, {"expired": n}
            if route in ("revoke-refresh-tokens", "expire-refresh-tokens"):
                n = 0
                for r in st.refresh.values():
                    if route.startswith("revoke"):
                        n += not r["revoked"]
                        r["revoked"] = True
                    else:
                        n += 1
                        r["exp"] = self._now() - 1
                return 200, {"count": n}
            if route == "consent":
                c = body.get("consent")
                if c not in ("approve", "deny"):
                    return 400, {"error": "consent must be approve or deny"}
                st.consent = c
                return 200, {"consent": c}
            if route == "quota":
                if method == "POST":
                    st.quota_limit = int(body["limit"])
                return 200, {"used": sum(st.quota_used.values()),
                             "limit": st.quota_limit,
                             "by_client": dict(st.quota_used)}
            if route == "quota/reset":
                st.quota_used.clear()
                return 200, {"used": 0, "limit": st.quota_limit}
            if route == "requests":
                if method == "DELETE":
                    st.log.clear()
                return 200, {"requests": list(st.log)}
            if route == "cache":
                if self.cache is None:
                    return 200, {"entries": 0, "bytes": 0, "limit_bytes": 0,
                                 "hits": 0, "misses": 0}
                return 200, self.cache.stats()
            if route in ("device/approve", "device/deny"):
                ok = self.device_decide(body.get("user_code"),
                                        route.endswith("approve"))
                return 200, {"ok": ok}
        return 404, {"error": "unknown admin route %s" % route}

    # ------------------------------------------------------------ data api
    def data_api(self, name, q, headers):
        """-> (status, body, extra_headers, auth_kind)"""
        st = self.st
        authz = headers.get("Authorization", "")
        tok = None
        if authz:
            if not authz.lower().startswith("bearer "):
                e = self._auth_error()
                return e + ("bearer",)
            tok = authz[7:].strip()
        elif q.get("access_token") or q.get("oauth_token"):
            tok = (q.get("access_token") or q.get("oauth_token"))[-1]
        key = (q.get("key") or [None])[-1] or headers.get("X-Goog-Api-Key")
        if tok is not None:
            principal = self.principal_for(tok)
            if principal is None:
                return self._auth_error() + ("bearer",)
            who = principal["client_id"]
            kind = "bearer"
        elif key:
            if not _same(key, st.api_key):
                body = A.error_body(
                    400, "keyInvalid", "API key not valid. Please pass a "
                    "valid API key.", domain="usageLimits",
                    status="INVALID_ARGUMENT",
                    details=[{"@type": "type.googleapis.com/google.rpc."
                              "ErrorInfo", "reason": "API_KEY_INVALID",
                              "domain": "googleapis.com",
                              "metadata": {"service":
                                           "youtube.googleapis.com"}}])
                return 400, body, {}, "key"
            principal = None
            who = "api_key:" + st.desktop["client_id"]
            kind = "key"
        else:
            msg = "The request is missing a valid API key."
            return 403, A.error_body(403, "forbidden", msg,
                                     status="PERMISSION_DENIED"), {}, "none"
        cost = A.COST.get(name, 1)
        with st.lock:
            used = sum(st.quota_used.values())
            if used + cost > st.quota_limit:
                msg = ('The request cannot be completed because you have '
                       'exceeded your <a href="/youtube/v3/getting-started'
                       '#quota">quota</a>.')
                return 403, A.error_body(403, "quotaExceeded", msg,
                                         domain="youtube.quota"), {}, kind
            # reserve now, so concurrent requests cannot overshoot the limit
            reserved = cost
            st.quota_used[who] = st.quota_used.get(who, 0) + reserved
        try:
            ckey = hit = None
            if self.cache is not None:
                ckey = ResponseCache.key(name, q, principal,
                                        self.analytics.offset)
                hit = self.cache.get(ckey)
            if hit is not None:
                status, cost = 200, A.COST.get(name, 1)
                etag, body = hit[0], hit
            else:
                status, body, cost = self.api.handle(name, q, principal)
                etag = body.get("etag") if isinstance(body, dict) else None
                if ckey is not None and status == 200:
                    body = CacheMiss(ckey, body, etag)
            hdrs = {}
            inm = headers.get("If-None-Match")
            if inm and etag and \
                    etag in [t.strip().strip('"').replace("W/", "")
                             for t in inm.split(",")]:
                status, body = 304, None
        except A.ApiError as e:
            status, body, cost, hdrs = e.code, e.body(), 1, e.headers
        if cost != reserved:
            with st.lock:
                st.quota_used[who] = st.quota_used.get(who, 0) + cost - \
                    reserved
        return status, body, hdrs, kind

    @staticmethod
    def _auth_error():
        body = A.error_body(
            401, "authError", "Request had invalid authentication "
            "credentials. Expected OAuth 2 access token, login cookie or "
            "other valid authentication credential. See https://developers."
            "google.com/identity/sign-in/web/devconsole-project.",
            domain="global", location="Authorization",
            location_type="header", status="UNAUTHENTICATED")
        body["error"]["errors"][0]["message"] = "Invalid Credentials"
        return 401, body, {"WWW-Authenticate": 'Bearer realm="https://'
                           'accounts.google.com/", error="invalid_token"'}


# ---------------------------------------------------------------- HTTP layer

def page_html(status, error, description):
    e = html.escape
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Error %d: %s</title></head><body>"
            "<h1>Access blocked: Authorization Error</h1>"
            "<p id=\"errorDescription\">%s</p>"
            "<p id=\"errorCode\">Error %d: %s</p>"
            "<p>This page is served by the ytkernel offline Google emulator."
            "</p></body></html>\n" % (status, e(error), e(description),
                                      status, e(error))).encode("utf-8")


def sanitize(pairs):
    out = {}
    for k, vals in pairs.items():
        out[k] = ["[redacted]" if k in SECRET_NAMES else v for v in vals]
        if len(out[k]) == 1:
            out[k] = out[k][0]
    return out


OAUTH_FAULT_ERRORS = {500: "internal_failure", 503: "temporarily_unavailable",
                      429: "rate_limit_exceeded", 400: "invalid_request",
                      401: "invalid_client", 403: "access_denied"}
API_FAULT_REASONS = {
    500: ("internalError", "global", "Internal error encountered."),
    503: ("backendError", "global", "The service is currently unavailable."),
    429: ("rateLimitExceeded", "usageLimits",
          "Resource has been exhausted (e.g. check quota)."),
    403: ("forbidden", "global", "The request is not properly authorized."),
    400: ("badRequest", "global", "Bad Request"),
    401: ("authError", "global", "Invalid Credentials"),
    404: ("notFound", "global", "Not Found"),
}
REASON_INFO = {
    "quotaExceeded": ("youtube.quota", 'The request cannot be completed '
                      'because you have exceeded your <a href="/youtube/v3/'
                      'getting-started#quota">quota</a>.'),
    "rateLimitExceeded": ("usageLimits", "Rate Limit Exceeded"),
    "userRateLimitExceeded": ("usageLimits", "User Rate Limit Exceeded"),
    "dailyLimitExceeded": ("usageLimits", "Daily Limit Exceeded. The quota "
                           "will be reset at midnight Pacific Time (PT)."),
    "backendError": ("global", "Backend Error"),
    "internalError": ("global", "Internal error encountered."),
    "commentsDisabled": ("youtube.commentThread", "The video identified by "
                         "the videoId parameter has disabled comments."),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # http.server sends headers and body in two writes; with Nagle on, a
    # kept-alive connection then stalls ~40 ms per response on the client's
    # delayed ACK, which Google's front ends do not do.
    disable_nagle_algorithm = True
    default_request_version = "HTTP/1.0"  # status line even for garbage
    server_version = "ESF"
    sys_version = ""
    emu = None  # set on the subclass

    def log_message(self, fmt, *args):  # our own log line instead
        pass

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    # ------------------------------------------------------------
    def _read_body(self):
        n = self.headers.get("Content-Length")
        if not n:
            return b""
        n = int(n)
        if n < 0 or n > 1 << 20:
            raise ValueError("bad or too large Content-Length")
        return self.rfile.read(n)

    def _handle(self, method):
        emu = self.emu
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        try:
            raw = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(413, {"Content-Type": "text/plain"},
                       b"Request body too large or bad Content-Length\n")
            return
        if path.startswith("/__admin/"):
            try:
                body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
                status, out = emu.admin(method, path, body)
            except (ValueError, KeyError, TypeError) as e:
                status, out = 400, {"error": "bad admin request: %s" % e}
            self._json(status, out)
            return
        form = {}
        ctype = self.headers.get("Content-Type", "")
        if raw and "json" in ctype:
            try:
                obj = json.loads(raw.decode("utf-8"))
                form = {k: [str(v)] for k, v in obj.items()}
            except (ValueError, AttributeError):
                form = {}
        elif raw:
            form = urllib.parse.parse_qs(raw.decode("utf-8", "replace"),
                                         keep_blank_values=True)
        entry = {"time": round(time.time(), 3), "method": method,
                 "path": path, "query": sanitize(q)}
        if form:
            entry["form"] = sanitize(form)
        # latency and faults
        with emu.st.lock:
            lat = emu.st.latency_ms
            fault = None
            full = path + ("?" + u.query if u.query else "")
            for f in emu.st.faults:
                if f.count != 0 and f.matches(path, full):
                    if f.after > 0:  # let this one through
                        f.after -= 1
                        break
                    fault = f
                    if f.count > 0:
                        f.count -= 1
                    break
            emu.st.faults = [f for f in emu.st.faults if f.count != 0]
        if fault is not None and fault.mode == "latency":
            lat += fault.latency_ms
        if lat:
            entry["delay_ms"] = lat
            time.sleep(lat / 1000.0)
        status = None
        if fault is not None:
            entry["fault"] = fault.mode
            if fault.mode == "latency":
                pass
            elif fault.mode == "drop":
                entry["status"] = 0
                self._log(entry)
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            elif fault.mode == "status":
                st, hdrs, body = self._fault_response(path, fault)
                entry["status"] = st
                self._log(entry)
                self._send(st, hdrs, body)
                return
        try:
            status, hdrs, body, auth = self._route(method, path, q, form)
        except Exception as e:  # never leak a traceback with secrets
            sys.stderr.write("emulator: internal error on %s: %s: %s\n" % (
                path, type(e).__name__, e))
            status, hdrs, body, auth = 500, {
                "Content-Type": "application/json; charset=UTF-8"}, \
                json.dumps(A.error_body(500, "internalError",
                                        "Internal error encountered.")) \
                .encode(), None
        entry["status"] = status
        if auth:
            entry["auth"] = auth
        self._log(entry)
        truncate = fault is not None and fault.mode == "truncate"
        self._send(status, hdrs, body, truncate=truncate)

    def _log(self, entry):
        emu = self.emu
        with emu.st.lock:
            emu.st.log.append(entry)
            if len(emu.st.log) > 100000:
                del emu.st.log[:50000]
        if not emu.opts.quiet:
            qs = urllib.parse.urlencode(
                [(k, v) for k, vs in entry["query"].items()
                 for v in (vs if isinstance(vs, list) else [vs])])
            sys.stderr.write("%s %s%s %s%s\n" % (
                entry["method"], entry["path"], "?" + qs if qs else "",
                entry.get("status"),
                " [fault:%s]" % entry["fault"] if "fault" in entry else ""))

    def _fault_response(self, path, fault):
        st = fault.status
        hdrs = {}
        if fault.retry_after is not None:
            hdrs["Retry-After"] = str(fault.retry_after)
        if path.startswith(("/youtube/", "/v2/")):
            reason, domain, msg = API_FAULT_REASONS.get(
                st, ("backendError", "global", "Backend Error"))
            if fault.reason:
                reason = fault.reason
                domain, msg = REASON_INFO.get(reason, (domain, msg))
            body = A.error_body(st, reason, msg, domain=domain)
            if st == 401:
                hdrs["WWW-Authenticate"] = ('Bearer realm="https://accounts.'
                                            'google.com/", error='
                                            '"invalid_token"')
            hdrs["Content-Type"] = "application/json; charset=UTF-8"
            return st, hdrs, json.dumps(body, indent=2).encode()
        if path.startswith("/o/oauth2/") and "auth" in path:
            hdrs["Content-Type"] = "text/html; charset=utf-8"
            return st, hdrs, page_html(st, fault.reason or "server_error",
                                       "Injected fault")
        err = fault.reason or OAUTH_FAULT_ERRORS.get(st, "internal_failure")
        hdrs["Content-Type"] = "application/json; charset=utf-8"
        return st, hdrs, json.dumps({"error": err, "error_description":
                                     "Injected fault (%d)" % st}).encode()

    def _route(self, method, path, q, form):
        emu = self.emu
        J = "application/json; charset=utf-8"
        single = {k: v[-1] for k, v in q.items()}
        fsingle = {k: v[-1] for k, v in form.items()}
        try:
            if path in ("/o/oauth2/v2/auth", "/o/oauth2/auth"):
                if method != "GET":
                    return self._notfound()
                try:
                    st, hdrs, body = emu.authorize(q)
                except PageError as e:
                    return e.status, {"Content-Type": "text/html; charset="
                                      "utf-8"}, page_html(
                        e.status, e.error, e.description), None
                return st, hdrs, body, None
            if path in ("/token", "/o/oauth2/token", "/oauth2/v4/token"):
                if method != "POST":
                    return 405, {"Content-Type": J, "Allow": "POST"}, \
                        json.dumps({"error": "invalid_request",
                                    "error_description": "Use POST"}) \
                        .encode(), None
                out = emu.token(fsingle, self.headers)
                return 200, {"Content-Type": J, "Cache-Control":
                             "no-cache, no-store, max-age=0, must-"
                             "revalidate", "Pragma": "no-cache"}, \
                    json.dumps(out, indent=2).encode(), None
            if path in ("/revoke", "/o/oauth2/revoke"):
                tok = fsingle.get("token") or single.get("token")
                if not tok:
                    raise OAuthError(400, "invalid_request",
                                     "Missing required parameter: token")
                emu.revoke(tok)
                return 200, {"Content-Type": J}, b"{}", None
            if path in ("/tokeninfo", "/oauth2/v3/tokeninfo"):
                params = dict(single)
                params.update(fsingle)
                out = emu.tokeninfo(params)
                return 200, {"Content-Type": J}, json.dumps(
                    out, indent=2).encode(), None
            if path == "/device/code" or path == "/o/oauth2/device/code":
                if method != "POST":
                    return self._notfound()
                out = emu.device_code(fsingle)
                return 200, {"Content-Type": J}, json.dumps(
                    out, indent=2).encode(), None
            if path == "/device":
                return self._device_page(method, single, fsingle)
            if path in ("/oauth2/v1/userinfo", "/oauth2/v2/userinfo",
                        "/oauth2/v3/userinfo"):
                return self._userinfo(single)
            if path == "/oauth2/v1/certs" or path == "/oauth2/v3/certs":
                return 200, {"Content-Type": J}, b'{"keys": []}', None
        except OAuthError as e:
            return e.status, {"Content-Type": J}, json.dumps(
                {"error": e.error, "error_description": e.description},
                indent=2).encode(), None
        if path == "/v2/reports":
            return emu.analytics.handle(emu, method, q, self.headers)
        m = re.match(r"^/youtube/v3/([A-Za-z0-9]+)$", path)
        if m and m.group(1) in A.PARTS:
            if method != "GET":
                return self._notfound()
            st, body, hdrs, auth = emu.data_api(m.group(1), q, self.headers)
            hdrs = dict(hdrs)
            if st == 304:
                return 304, {"ETag": self.headers.get("If-None-Match")}, \
                    b"", auth
            hdrs["Content-Type"] = "application/json; charset=UTF-8"
            hdrs["Vary"] = "Origin, X-Origin, Referer"
            if isinstance(body, tuple):  # from the response cache
                etag, body = body
                if etag:
                    hdrs["ETag"] = '"%s"' % etag
                return st, hdrs, body, auth
            miss = body if isinstance(body, CacheMiss) else None
            if miss is not None:
                body = miss.body
            if st == 200 and isinstance(body, dict) and body.get("etag"):
                hdrs["ETag"] = '"%s"' % body["etag"]
            default = "false" if emu.opts.compact_json else "true"
            pretty = (q.get("prettyPrint") or [default])[-1] != "false"
            text = pretty_json(body) if pretty else json.dumps(
                body, separators=(",", ":"), ensure_ascii=False)
            text = text.encode("utf-8")
            if miss is not None:
                text = emu.cache.put(miss.key, miss.etag, text)
            return st, hdrs, text, auth
        return self._notfound()

    @staticmethod
    def _notfound():
        body = ("<!DOCTYPE html><html lang=en><meta charset=utf-8><title>"
                "Error 404 (Not Found)</title><p><b>404.</b> <ins>That's an "
                "error.</ins><p>The requested URL was not found on this "
                "server. <ins>That's all we know.</ins>\n").encode()
        return 404, {"Content-Type": "text/html; charset=UTF-8"}, body, None

    def _userinfo(self, single):
        emu = self.emu
        authz = self.headers.get("Authorization", "")
        tok = authz[7:].strip() if authz.lower().startswith("bearer ") \
            else single.get("access_token")
        pr = emu.principal_for(tok) if tok else None
        J = "application/json; charset=utf-8"
        if pr is None:
            return 401, {"Content-Type": J, "WWW-Authenticate":
                         'Bearer realm="https://accounts.google.com/", '
                         'error="invalid_token"'}, json.dumps(
                {"error": {"code": 401, "message": "Request had invalid "
                           "authentication credentials.", "status":
                           "UNAUTHENTICATED"}}).encode(), "bearer"
        out = {"id": emu.st.user_sub, "sub": emu.st.user_sub,
               "name": "Ytk Demo", "given_name": "Ytk",
               "family_name": "Demo", "locale": "en",
               "picture": "https://lh3.googleusercontent.com/a/emulated"}
        if YT + "userinfo.email" in pr["scopes"]:
            out["email"] = "ytk.demo@example.com"
            out["verified_email"] = True
        return 200, {"Content-Type": J}, json.dumps(out, indent=2).encode(), \
            "bearer"

    def _device_page(self, method, single, form):
        emu = self.emu
        msg = ""
        if method == "POST":
            uc = form.get("user_code", "")
            approve = form.get("action", "approve") != "deny"
            ok = emu.device_decide(uc, approve)
            msg = ("Done: the device was %s." % ("allowed" if approve else
                                                 "denied")) if ok else \
                "That code was not found or has expired."
        body = ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
                "<title>Connect a device</title></head><body><h1>Connect a "
                "device</h1><p>%s</p><form method=post action=/device>"
                "<input name=user_code placeholder=XXXX-XXXX>"
                "<button name=action value=approve>Allow</button>"
                "<button name=action value=deny>Deny</button></form>"
                "</body></html>\n" % html.escape(msg)).encode("utf-8")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, body, None

    def _json(self, status, obj):
        self._send(status, {"Content-Type": "application/json"},
                   json.dumps(obj).encode("utf-8"))

    def _send(self, status, headers, body, truncate=False):
        enc = self.headers.get("Accept-Encoding", "")
        if body and status != 302 and _accepts_gzip(enc):
            if not isinstance(body, Gzipped):
                body = gzip.compress(body, 6)
            headers = dict(headers)
            headers["Content-Encoding"] = "gzip"
        elif isinstance(body, Gzipped):
            body = gzip.decompress(body)
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            if truncate:
                self.send_header("Connection", "close")
            self.end_headers()
            if truncate:
                self.wfile.write(body[:max(1, len(body) // 2)])
                self.wfile.flush()
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _accepts_gzip(value):
    for part in value.split(","):
        bits = part.strip().split(";")
        if bits[0].strip().lower() in ("gzip", "*"):
            for b in bits[1:]:
                b = b.strip()
                if b.startswith("q="):
                    try:
                        return float(b[2:]) > 0
                    except ValueError:
                        return False
            return True
    return False


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def make_server(opts):
    world = World(seed=opts.seed, size=opts.size, uploads=opts.uploads,
                  subscriptions=opts.subscriptions,
                  big_threads=opts.comment_threads)
    emu = Emu(opts, world)
    handler = type("BoundHandler", (Handler,), {"emu": emu})
    srv = Server(("127.0.0.1", opts.port), handler)
    emu.base_url = "http://127.0.0.1:%d" % srv.server_address[1]
    return srv, emu
