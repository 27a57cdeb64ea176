"""YouTube Analytics API v2 (`GET /v2/reports`, reports.query) over the
emulator's world, and the emulated clock that makes statistics grow.

The model (all closed form, so any date range costs O(videos x days)):

- A video's cumulative views follow C(t) = V * F(t) / F(now0), where V is
  the world's viewCount at the world's fixed "now" (2026-10-30T00:00:00Z),
  F(t) = tau * (1 - exp(-x / tau)) + beta * x and x is the time since
  publication in "weekday-weighted days" (weekends weigh more), so daily
  views decay after publication with a weekly rhythm and a long tail.
  Daily views are differences of round(C) at midnight UTC, so the days
  from publication to day D sum exactly to round(C(end of D)); the Data API
  viewCount is round(C(clock now)).
- Likes, comments and shares are the same curve scaled; watch time is
  views x a per-video average view duration (a share of the duration).
- My channel's subscribers follow S(t) = subs * (age(t) / age(now0))^1.25;
  subscribersGained - subscribersLost per day = round(S) differences, so
  they sum to the subscriber count.  Other channels grow linearly.
- Traffic sources, countries, devices, operating systems, age groups and
  genders are fixed distributions with a small per-(video, day) jitter,
  apportioned with largest remainders so the parts sum to the total.
- Data lags: days after clock_today - LAG_DAYS are not reported.

`Analytics(world)` owns the clock (`advance(seconds)`); `Api` (Data API)
asks it for statistics via `video_stats` / `channel_stats`, which return
the world's own numbers while the clock has not moved.
"""
import datetime
import json
import math
import re
import threading
import zlib

from . import api as A
from . import world as W

DAY = W.DAY
LAG_DAYS = 2           # the newest full day reported is today - 2
YT = "https://www.googleapis.com/auth/"
# reports.query scopes, from the discovery document youtubeAnalytics.v2.json
SCOPES = {YT + "youtube", YT + "youtube.readonly", YT + "youtubepartner",
          YT + "yt-analytics-monetary.readonly", YT + "yt-analytics.readonly"}
# query parameters of reports.query (discovery document), besides the
# system parameters shared with every Google API
PARAMS = {"currency", "dimensions", "endDate", "filters", "ids",
          "includeHistoricalChannelData", "maxResults", "metrics", "sort",
          "startDate", "startIndex"}
PATTERNS = {
    "ids": r"[a-zA-Z]+==[a-zA-Z0-9_+-]+",
    "startDate": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "endDate": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "metrics": r"[0-9a-zA-Z,]+",
    "dimensions": r"[0-9a-zA-Z,]+",
    "sort": r"[-0-9a-zA-Z,]+",
    "currency": r"[A-Z]{3}",
}
UNSUPPORTED = ("The query is not supported. Check the documentation at "
               "https://developers.google.com/youtube/analytics/v2/"
               "available_reports for a list of supported queries.")
TRAFFIC_LIMIT = 50000  # videos x days of a traffic-source report

INT, FLOAT, STRING = "INTEGER", "FLOAT", "STRING"
METRIC_TYPES = {
    "views": INT, "engagedViews": INT, "estimatedMinutesWatched": INT,
    "averageViewDuration": INT, "averageViewPercentage": FLOAT,
    "likes": INT, "dislikes": INT, "comments": INT, "shares": INT,
    "subscribersGained": INT, "subscribersLost": INT,
    "viewerPercentage": FLOAT, "audienceWatchRatio": FLOAT,
    "relativeRetentionPerformance": FLOAT,
}
DIM_TYPES = {"elapsedVideoTimeRatio": FLOAT}  # others are STRING
CORE = {"views", "engagedViews", "estimatedMinutesWatched",
        "averageViewDuration", "averageViewPercentage", "likes", "dislikes",
        "comments", "shares", "subscribersGained", "subscribersLost"}
WATCH = {"views", "engagedViews", "estimatedMinutesWatched",
         "averageViewDuration", "averageViewPercentage"}
DIMENSIONS = {"day", "month", "video", "country", "insightTrafficSourceType",
              "deviceType", "operatingSystem", "ageGroup", "gender",
              "elapsedVideoTimeRatio", "channel", "subscribedStatus",
              "youtubeProduct", "liveOrOnDemand", "playlist", "continent",
              "subContinent", "province", "city", "creatorContentType",
              "sharingService", "insightTrafficSourceDetail",
              "insightPlaybackLocationType", "audienceType"}

# distributions (share of views); jittered per (entity, day)
TRAFFIC = [("RELATED_VIDEO", .27), ("YT_SEARCH", .21), ("SUBSCRIBER", .12),
           ("NO_LINK_OTHER", .07), ("EXT_URL", .06), ("YT_CHANNEL", .06),
           ("PLAYLIST", .05), ("YT_OTHER_PAGE", .05), ("NOTIFICATION", .04),
           ("SHORTS", .03), ("END_SCREEN", .02), ("HASHTAGS", .01),
           ("YT_PLAYLIST_PAGE", .01)]
COUNTRIES = [("US", .31), ("IN", .11), ("GB", .07), ("DE", .05),
             ("CA", .05), ("BR", .04), ("FR", .035), ("JP", .03),
             ("AU", .03), ("NL", .02), ("ES", .02), ("IT", .02), ("MX", .02),
             ("PL", .015), ("SE", .015), ("KR", .015), ("ID", .015),
             ("PH", .015), ("TR", .01), ("ZA", .01), ("NG", .01),
             ("AR", .01), ("CH", .01), ("IL", .01), ("EG", .01), ("PK", .01),
             ("VN", .01), ("TW", .01)]
DEVICES = [("MOBILE", .57), ("DESKTOP", .29), ("TV", .09), ("TABLET", .045),
           ("GAME_CONSOLE", .005)]
SYSTEMS = [("ANDROID", .37), ("IOS", .22), ("WINDOWS", .21),
           ("MACINTOSH", .07), ("SMART_TV", .07), ("LINUX", .02),
           ("CHROMECAST", .02), ("PLAYSTATION", .01), ("XBOX", .01)]
AGES = [("age13-17", .04), ("age18-24", .17), ("age25-34", .34),
        ("age35-44", .22), ("age45-54", .12), ("age55-64", .07),
        ("age65-", .04)]
GENDERS = [("male", .69), ("female", .30), ("user_specified", .01)]
# watch time per view by traffic source, relative (searchers watch longer
# than Shorts-feed scrollers); renormalised so the total is unchanged
WATCH_FACTOR = {"YT_SEARCH": 1.25, "SUBSCRIBER": 1.15, "PLAYLIST": 1.2,
                "YT_PLAYLIST_PAGE": 1.2, "NOTIFICATION": 1.1,
                "RELATED_VIDEO": 1.0, "EXT_URL": 0.8, "NO_LINK_OTHER": 0.9,
                "YT_CHANNEL": 1.05, "YT_OTHER_PAGE": 0.9, "SHORTS": 0.35,
                "END_SCREEN": 1.1, "HASHTAGS": 0.6}
SPLITS = {"insightTrafficSourceType": TRAFFIC, "country": COUNTRIES,
          "deviceType": DEVICES, "operatingSystem": SYSTEMS}
# weekday weights, Monday first; mean 1
WEEK = [0.92, 0.90, 0.93, 0.97, 1.05, 1.13, 1.10]
_CUM = [sum(WEEK[:k]) - k for k in range(8)]


def _warp(t):
    """Seconds -> weekday-weighted days (continuous, increasing)."""
    d = t / DAY
    n = math.floor(d)
    k = (n + 3) % 7  # 1970-01-01 was a Thursday
    return n + _CUM[k] + (d - n) * WEEK[k]


def _apportion(total, weights):
    """Split integer total by weights; the parts sum to total."""
    s = sum(weights)
    if total <= 0 or s <= 0:
        return [0] * len(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: out[i] - raw[i])
    for i in order[:rest]:
        out[i] += 1
    return out


def _date(text):
    return datetime.date.fromisoformat(text)


def _day_number(d):
    return (d - datetime.date(1970, 1, 1)).days


def _day_text(n):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=n)) \
        .isoformat()


class Err(Exception):
    def __init__(self, code, reason, message, status=None):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.status = status

    def body(self):
        return A.error_body(self.code, self.reason, self.message,
                            domain="global", status=self.status)


class Analytics:
    def __init__(self, world):
        self.w = world
        self.lock = threading.Lock()
        self.offset = 0  # seconds the clock was advanced
        self.pending = 0  # seconds to advance at the next reports.query
        self._vcache = {}
        self._dcache = {}   # (video, first day, last day) -> daily counts

    # ------------------------------------------------------------ clock
    def now(self):
        return W.EPOCH_END + self.offset

    def advance(self, seconds):
        with self.lock:
            if seconds < 0:
                raise ValueError("the clock only moves forward")
            self.offset += int(seconds)
            return self.now()

    def admin(self, method, body):
        """/__admin/clock: GET -> now; POST {seconds|days} advances now, or
        at the next reports.query when "at_next_report" is true (so a
        script can move time in the middle of a notebook's run)."""
        if method == "POST":
            sec = float(body.get("seconds", 0)) + \
                float(body.get("days", 0)) * DAY
            if sec < 0:
                return 400, {"error": "the clock only moves forward"}
            if body.get("at_next_report"):
                with self.lock:
                    self.pending += int(sec)
            else:
                self.advance(sec)
        return 200, {"now": W.rfc3339(self.now()), "offset_seconds":
                     self.offset, "pending_seconds": self.pending,
                     "last_report_day": _day_text(self.last_day())}

    def last_day(self):
        return math.floor(self.now() / DAY) - LAG_DAYS

    # ------------------------------------------------------------ model
    def _shape(self, idx):
        r = self.w.rng("an", idx)
        v = self.w.video(idx)
        dur = v["duration"]
        if dur <= 60:
            keep = r.uniform(0.7, 1.15)      # shorts loop
        else:
            keep = r.uniform(0.22, 0.6) * (1.0 if dur < 1200 else 0.6)
        return dict(tau=r.uniform(2.0, 20.0), beta=r.uniform(0.005, 0.06),
                    avd=max(1.0, dur * keep), share=r.uniform(0.001, 0.01),
                    engaged=r.uniform(0.55, 0.9), w0=_warp(v["published"]))

    def _video(self, idx):
        cache = self._vcache
        with self.lock:
            s = cache.get(idx)
        if s is None:
            s = self._shape(idx)
            v = self.w.video(idx)
            s["F0"] = self._f(s, W.EPOCH_END)
            s["V"] = v["views"]
            s["published"] = v["published"]
            with self.lock:
                if len(cache) > 200000:
                    cache.clear()
                cache[idx] = s
        return s

    @staticmethod
    def _f(s, t):
        x = max(0.0, _warp(t) - s["w0"])
        return s["tau"] * (1.0 - math.exp(-x / s["tau"])) + s["beta"] * x

    def cum_views(self, idx, t):
        s = self._video(idx)
        if t <= s["published"]:
            return 0
        if s["F0"] <= 0:
            return s["V"]
        return int(round(s["V"] * self._f(s, t) / s["F0"]))

    def _scaled(self, idx, total, t):
        """Another count (likes...) that followed the views curve."""
        s = self._video(idx)
        if s["V"] <= 0:
            return total
        return int(round(total * self.cum_views(idx, t) / s["V"]))

    def video_stats(self, idx):
        """(viewCount, likeCount) at the clock's now, for the Data API."""
        v = self.w.video(idx)
        if self.offset == 0:
            return v["views"], v["likes"]
        t = self.now()
        return self.cum_views(idx, t), self._scaled(idx, v["likes"], t)

    def subs_at(self, t):
        """My channel's exact subscriber count at time t."""
        ch = self.w.channel(0)
        age0 = (W.EPOCH_END - ch["start"]) / DAY
        age = max(0.0, (t - ch["start"]) / DAY)
        return int(round(ch["subscribers"] * (age / age0) ** 1.25))

    def channel_stats(self, c):
        """(viewCount, subscriberCount) at the clock's now."""
        ch = self.w.channel(c)
        if self.offset == 0:
            return ch["views"], ch["subscribers"]
        t = self.now()
        if c == 0:
            lo, hi = self.w.channel_video_range(0)
            grown = sum(self.cum_views(i, t) - self.w.video(i)["views"]
                        for i in range(lo, hi))
            return ch["views"] + grown, self.subs_at(t)
        r = self.w.rng("chgrowth", c)
        days = self.offset / DAY
        return (int(ch["views"] * (1 + r.uniform(0.0005, 0.004) * days)),
                int(ch["subscribers"] * (1 + r.uniform(0.0, 0.002) * days)))

    # ------------------------------------------------------------ http
    def handle(self, emu, method, q, headers):
        """GET /v2/reports -> (status, headers, body bytes, auth kind)."""
        kind = None
        with self.lock:
            step, self.pending = self.pending, 0
        if step:
            self.advance(step)
        try:
            if method != "GET":
                raise Err(405, "badRequest", "Method not allowed.")
            principal, kind = self._auth(emu, q, headers)
            body = self.query(q, principal)
            status = 200
        except Err as e:
            status, body = e.code, e.body()
        hdrs = {"Content-Type": "application/json; charset=UTF-8",
                "Vary": "Origin, X-Origin, Referer"}
        if status == 401:
            hdrs["WWW-Authenticate"] = ('Bearer realm="https://accounts.'
                                        'google.com/", error="invalid_token"')
        pretty = (q.get("prettyPrint") or ["true"])[-1] != "false"
        return status, hdrs, json.dumps(
            body, indent=2 if pretty else None,
            separators=None if pretty else (",", ":"),
            ensure_ascii=False).encode("utf-8"), kind

    @staticmethod
    def _auth(emu, q, headers):
        authz = headers.get("Authorization", "")
        tok = None
        if authz.lower().startswith("bearer "):
            tok = authz[7:].strip()
        elif q.get("access_token") or q.get("oauth_token"):
            tok = (q.get("access_token") or q.get("oauth_token"))[-1]
        if tok is None:
            # an API key is not enough: reports are private data
            raise Err(401, "required", "Login Required.", "UNAUTHENTICATED")
        principal = emu.principal_for(tok)
        if principal is None:
            raise Err(401, "authError", "Request had invalid authentication "
                      "credentials. Expected OAuth 2 access token, login "
                      "cookie or other valid authentication credential.",
                      "UNAUTHENTICATED")
        if not principal["scopes"] & SCOPES:
            raise Err(403, "insufficientPermissions", "Request had "
                      "insufficient authentication scopes.",
                      "PERMISSION_DENIED")
        return principal, "bearer"

    # ------------------------------------------------------------ query
    def _params(self, q):
        p = {}
        for k, vals in q.items():
            if k in A.SYSTEM_PARAMS:
                continue
            if k not in PARAMS:
                raise Err(400, "badRequest", "Invalid JSON payload received. "
                          "Unknown name \"%s\": Cannot bind query parameter. "
                          "Field '%s' could not be found in request message."
                          % (k, k))
            p[k] = vals[-1]
        for k in ("ids", "startDate", "endDate", "metrics"):
            if not p.get(k):
                raise Err(400, "required", "Required")
        for k, pat in PATTERNS.items():
            if k in p and p[k] != "" and not re.fullmatch(pat, p[k]):
                raise Err(400, "badRequest", "Invalid value at '%s' (%s), "
                          "\"%s\"" % (k, "TYPE_STRING", p[k]))
        for k in ("maxResults", "startIndex"):
            if k in p:
                try:
                    n = int(p[k])
                except ValueError:
                    raise Err(400, "badRequest", "Invalid value at '%s' "
                              "(TYPE_INT32), \"%s\"" % (k, p[k]))
                if n < 1:
                    raise Err(400, "badRequest", UNSUPPORTED)
                p[k] = n
        if "includeHistoricalChannelData" in p and \
                p["includeHistoricalChannelData"] not in ("true", "false"):
            raise Err(400, "badRequest", "Invalid value at "
                      "'include_historical_channel_data' (TYPE_BOOL), \"%s\""
                      % p["includeHistoricalChannelData"])
        return p

    def query(self, q, principal):
        p = self._params(q)
        ids = p["ids"]
        me = self.w.channel_id(0)
        if ids not in ("channel==MINE", "channel==" + me):
            raise Err(403, "forbidden", "Forbidden")
        try:
            d0, d1 = _date(p["startDate"]), _date(p["endDate"])
        except ValueError:
            raise Err(400, "badRequest", "Invalid date.")
        if d1 < d0:
            raise Err(400, "badRequest", "The start date must be before "
                      "or equal to the end date.")
        metrics = p["metrics"].split(",")
        dims = [d for d in p.get("dimensions", "").split(",") if d]
        for m in metrics:
            if m not in METRIC_TYPES:
                raise Err(400, "badRequest", "Unknown identifier (%s) given "
                          "in field parameters.metrics." % m)
        for d in dims:
            if d not in DIMENSIONS:
                raise Err(400, "badRequest", "Unknown identifier (%s) given "
                          "in field parameters.dimensions." % d)
        if len(set(metrics)) != len(metrics) or len(set(dims)) != len(dims):
            raise Err(400, "badRequest", UNSUPPORTED)
        filters = self._filters(p.get("filters", ""))
        sort = [s for s in p.get("sort", "").split(",") if s]
        for s in sort:
            if s.lstrip("-") not in dims + metrics:
                raise Err(400, "badRequest", UNSUPPORTED)
        kind = self._supported(dims, metrics, filters, sort, p)
        n0, n1 = _day_number(d0), min(_day_number(d1), self.last_day())
        videos = self._videos(filters)
        if kind == "traffic" and len(videos) * max(0, n1 - n0 + 1) > \
                TRAFFIC_LIMIT:
            raise Err(400, "badRequest", "The query exceeds the limit of "
                      "50,000 videos x days for traffic source reports. "
                      "Shorten the date range or filter by video.")
        rows = self._rows(kind, dims, metrics, filters, videos, n0, n1)
        rows = self._sort(rows, dims, metrics, sort)
        start = p.get("startIndex", 1) - 1
        mr = p.get("maxResults")
        rows = rows[start:start + mr if mr else None]
        out = {"kind": "youtubeAnalytics#resultTable", "columnHeaders":
               [{"name": d, "columnType": "DIMENSION",
                 "dataType": DIM_TYPES.get(d, STRING)} for d in dims] +
               [{"name": m, "columnType": "METRIC",
                 "dataType": METRIC_TYPES[m]} for m in metrics]}
        if rows:
            out["rows"] = rows
        return out

    def _filters(self, text):
        out = {}
        for part in [x for x in text.split(";") if x]:
            name, sep, value = part.partition("==")
            if not sep or not value:
                raise Err(400, "badRequest", UNSUPPORTED)
            if name not in DIMENSIONS:
                raise Err(400, "badRequest", "Unknown identifier (%s) given "
                          "in field parameters.filters." % name)
            if name not in ("video", "country") or name in out:
                raise Err(400, "badRequest", UNSUPPORTED)
            out[name] = value.split(",")
        return out

    def _supported(self, dims, metrics, filters, sort, p):
        """The report family of a query, or 400 'not supported'."""
        ds, ms = set(dims), set(metrics)
        time = ds & {"day", "month"}
        rest = ds - time
        if len(time) > 1:
            raise Err(400, "badRequest", UNSUPPORTED)
        if not rest and ms <= CORE:
            return "basic"
        if rest == {"video"} and not time and ms <= CORE:
            # top videos: a descending sort by a metric and maxResults <= 200
            if "country" in filters or not sort or \
                    not sort[0].startswith("-") or \
                    sort[0][1:] not in ms or not p.get("maxResults") or \
                    p["maxResults"] > 200:
                raise Err(400, "badRequest", UNSUPPORTED)
            return "top"
        if rest == {"country"} and not time and ms <= CORE and \
                "country" not in filters:
            return "geo"
        if rest in ({"insightTrafficSourceType"}, {"deviceType"},
                    {"operatingSystem"}, {"deviceType", "operatingSystem"}) \
                and ms <= WATCH:
            return "traffic" if "insightTrafficSourceType" in rest else \
                "device"
        if rest and rest <= {"ageGroup", "gender"} and not time and \
                ms == {"viewerPercentage"}:
            return "demo"
        if rest == {"elapsedVideoTimeRatio"} and not time and \
                ms <= {"audienceWatchRatio", "relativeRetentionPerformance"} \
                and len(filters.get("video", [])) == 1 and \
                "country" not in filters:
            return "retention"
        raise Err(400, "badRequest", UNSUPPORTED)

    def _videos(self, filters):
        lo, hi = self.w.channel_video_range(0)
        if "video" not in filters:
            return list(range(lo, hi))
        out = []
        for vid in filters["video"]:
            idx = self.w.video_index(vid)
            if idx is None or not lo <= idx < hi:
                # not one of my videos: Google answers with no data
                continue
            out.append(idx)
        return out

    # ------------------------------------------------------------ rows
    def _daily(self, idx, n0, n1):
        """Per-day dicts of counts of video idx over days n0..n1 (cached:
        a notebook asks several reports over the same range)."""
        key = (idx, n0, n1)
        with self.lock:
            hit = self._dcache.get(key)
        if hit is None:
            hit = self._daily_uncached(idx, n0, n1)
            with self.lock:
                if len(self._dcache) > 20000:
                    self._dcache.clear()
                self._dcache[key] = hit
        return {n: dict(c) for n, c in hit.items()}

    def _daily_uncached(self, idx, n0, n1):
        s = self._video(idx)
        v = self.w.video(idx)
        first = math.floor(s["published"] / DAY)
        out = {}
        lo = max(n0, first)
        if lo > n1:
            return out
        prev = self.cum_views(idx, lo * DAY)
        likes = v["likes"]
        comments = self.w.comment_count(idx) if not \
            v["comments_disabled"] else 0
        V = max(1, s["V"])
        for n in range(lo, n1 + 1):
            cur = self.cum_views(idx, (n + 1) * DAY)
            views = cur - prev
            out[n] = dict(
                views=views,
                likes=int(round(likes * cur / V)) -
                int(round(likes * prev / V)),
                comments=int(round(comments * cur / V)) -
                int(round(comments * prev / V)),
                shares=int(round(s["share"] * cur)) -
                int(round(s["share"] * prev)),
                seconds=views * s["avd"], engaged=int(views * s["engaged"]))
            prev = cur
        return out

    def _subs_daily(self, n0, n1):
        out = {}
        for n in range(n0, n1 + 1):
            net = self.subs_at((n + 1) * DAY) - self.subs_at(n * DAY)
            lost = int(abs(net) * 0.12 + (n * 2654435761 % 97) / 40.0) \
                if net > 0 else 0
            out[n] = (net + lost, lost)
        return out

    @staticmethod
    def _jitter(dist, key):
        h = zlib.crc32(repr(key).encode()) & 0xFFFFFF
        out = []
        for i, (_, share) in enumerate(dist):
            x = ((h * (i + 7) * 2654435761) >> 7) % 1000 / 1000.0
            out.append(share * (0.8 + 0.4 * x))
        return out

    @staticmethod
    def _metric(m, agg, duration=None):
        views = agg.get("views", 0)
        if m == "views":
            return views
        if m == "engagedViews":
            return agg.get("engaged", 0)
        if m == "estimatedMinutesWatched":
            return int(round(agg.get("seconds", 0) / 60.0))
        if m == "averageViewDuration":
            return int(round(agg.get("seconds", 0) / views)) if views else 0
        if m == "averageViewPercentage":
            if not views or not agg.get("dur_views"):
                return 0.0
            return round(100.0 * agg["seconds"] / agg["dur_views"], 2)
        if m == "dislikes":
            return agg.get("likes", 0) // 30
        return agg.get(m, 0)

    def _rows(self, kind, dims, metrics, filters, videos, n0, n1):
        if kind == "demo":
            return self._demo_rows(dims, metrics)
        if kind == "retention":
            return self._retention_rows(videos[0] if videos else None,
                                        metrics)
        split = [d for d in dims if d in SPLITS or d == "video"]
        time = "day" if "day" in dims else ("month" if "month" in dims
                                            else None)
        country = filters.get("country")
        groups = {}
        want_subs = {"subscribersGained", "subscribersLost"} & set(metrics)
        # first per (day, video) or per day, then split by distributions
        base = {}
        for idx in videos:
            v = self.w.video(idx)
            for n, c in self._daily(idx, n0, n1).items():
                if country:
                    share = dict(COUNTRIES).get(country[0], 0.002)
                    c = {k: int(x * share) if k != "seconds" else x * share
                         for k, x in c.items()}
                c["dur_views"] = c["views"] * v["duration"]
                key = (n, v["id"]) if split == ["video"] else (n,)
                b = base.setdefault(key, {})
                for k, x in c.items():
                    b[k] = b.get(k, 0) + x
        for key, c in base.items():
            n = key[0]
            for skey, counts in self._split(split, key, c):
                g = groups.setdefault((self._tkey(time, n),) + skey, {})
                for k, x in counts.items():
                    g[k] = g.get(k, 0) + x
        if time and not split:  # every day of the range, even empty ones
            for n in range(n0, n1 + 1):
                groups.setdefault((self._tkey(time, n),), {})
        if not time and not split and n0 <= n1:
            groups.setdefault((None,), {})
        if want_subs and n0 <= n1:
            self._add_subs(groups, time, split, n0, n1, bool(filters))
        rows = []
        for gkey, agg in groups.items():
            row = []
            vals = dict(zip(["_t"] + split, gkey))
            for d in dims:
                row.append(vals["_t"] if d in ("day", "month") else vals[d])
            for m in metrics:
                row.append(self._metric(m, agg))
            rows.append(row)
        return rows

    def _split(self, split, key, c):
        """[(key tuple, counts)] of one day's counts split by dimensions."""
        if split == ["video"]:
            return [((key[1],), c)]
        parts = [((), c)]
        for d in split:
            nxt = []
            for skey, counts in parts:
                dist = SPLITS[d]
                wts = self._jitter(dist, (d, key[0]) + skey)
                views = _apportion(counts["views"], wts)
                watch = [WATCH_FACTOR.get(name, 1.0) if
                         d == "insightTrafficSourceType" else 1.0
                         for name, _ in dist]
                norm = sum(k * w for k, w in zip(views, watch)) or 1.0
                for (name, _), k, w in zip(dist, views, watch):
                    if not k:
                        continue
                    f = k / counts["views"]
                    part = {kk: (int(round(x * f)) if kk != "seconds"
                                 else x * f) for kk, x in counts.items()}
                    part["views"] = k
                    # the same total watch time, shared by watch factor
                    part["seconds"] = counts["seconds"] * k * w / norm
                    nxt.append((skey + (name,), part))
            parts = nxt
        return parts

    def _add_subs(self, groups, time, split, n0, n1, filtered):
        """subscribersGained/Lost: the channel's per day; a video's or a
        country's share of them in proportion to its views."""
        daily = self._subs_daily(n0, n1)
        buckets = {}  # time key -> [gained, lost, channel views]
        for n, (gain, lost) in daily.items():
            b = buckets.setdefault(self._tkey(time, n), [0, 0, 0])
            b[0] += gain
            b[1] += lost
            if filtered:
                b[2] += self._channel_views(n)
        for tk, (gain, lost, views) in buckets.items():
            keys = [k for k in groups if k[0] == tk]
            wts = [groups[k].get("views", 0) for k in keys]
            if not split and not filtered:
                gs, ls = [gain] * len(keys), [lost] * len(keys)
            elif filtered:
                share = [w / views if views else 0 for w in wts]
                gs = [int(gain * x) for x in share]
                ls = [int(lost * x) for x in share]
            else:
                gs, ls = _apportion(gain, wts), _apportion(lost, wts)
            for k, g, l in zip(keys, gs, ls):
                groups[k]["subscribersGained"] = g
                groups[k]["subscribersLost"] = l

    @staticmethod
    def _tkey(time, n):
        if time == "day":
            return _day_text(n)
        if time == "month":
            return _day_text(n)[:7]
        return None

    def _channel_views(self, n):
        lo, hi = self.w.channel_video_range(0)
        return sum(self.cum_views(i, (n + 1) * DAY) -
                   self.cum_views(i, n * DAY) for i in range(lo, hi))

    def _demo_rows(self, dims, metrics):
        rows = []
        ages = AGES if "ageGroup" in dims else [(None, 1.0)]
        gens = GENDERS if "gender" in dims else [(None, 1.0)]
        for a, pa in ages:
            for g, pg in gens:
                row = [x for d, x in (("ageGroup", a), ("gender", g))
                       if d in dims]
                if dims and dims[0] == "gender" and len(row) == 2:
                    row.reverse()
                rows.append(row + [round(100.0 * pa * pg, 1)])
        return rows

    def _retention_rows(self, idx, metrics):
        if idx is None:
            return []
        s = self._video(idx)
        v = self.w.video(idx)
        keep = min(1.0, s["avd"] / max(1, v["duration"]))
        k = max(0.05, -math.log(max(0.05, keep)) * 1.6)
        rows = []
        for i in range(1, 101):
            x = i / 100.0
            ratio = (0.35 * math.exp(-x * 25) + 0.75) * math.exp(-k * x)
            if v["duration"] <= 60:
                ratio = keep * (1.05 - 0.2 * x)
            row = [round(x, 2)]
            for m in metrics:
                row.append(round(ratio, 4) if m == "audienceWatchRatio"
                           else round(min(1.0, 0.5 + (keep - 0.4)), 4))
            rows.append(row)
        return rows

    @staticmethod
    def _sort(rows, dims, metrics, sort):
        cols = dims + metrics
        if not sort:
            return sorted(rows, key=lambda r: tuple(
                "" if x is None else x for x in r[:len(dims)]))
        for s in reversed(sort):
            i = cols.index(s.lstrip("-"))
            rows.sort(key=lambda r: r[i], reverse=s.startswith("-"))
        return rows
