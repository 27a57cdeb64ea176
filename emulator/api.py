"""YouTube Data API v3 list methods over the synthetic world.

`Api.handle(method_name, params, principal)` returns (status, body_dict,
cost).  Authentication, quota and faults are handled by the server; this
module only knows resources, filters, parts, paging and the per-method
errors (notFound, commentsDisabled, invalid parameters...).
"""
import base64
import hashlib
import html
import re
import threading
import time

from . import world as W

YT = "https://www.googleapis.com/auth/"
READ_SCOPES = {YT + "youtube", YT + "youtube.readonly", YT + "youtube.force-ssl",
               YT + "youtubepartner"}
COMMENT_SCOPES = {YT + "youtube.force-ssl"}
# scopes that authorise each list method (as in the discovery document)
METHOD_SCOPES = {
    "channels": READ_SCOPES | {YT + "youtubepartner-channel-audit"},
    "activities": READ_SCOPES - {YT + "youtubepartner"},
    "commentThreads": COMMENT_SCOPES, "comments": COMMENT_SCOPES,
}
for _m in ("playlists", "playlistItems", "videos", "search", "subscriptions",
           "videoCategories", "i18nRegions", "i18nLanguages"):
    METHOD_SCOPES[_m] = READ_SCOPES

# part names allowed per resource (top-level properties of the resource
# schema in the discovery document, minus kind/etag)
PARTS = {
    "channels": {"auditDetails", "brandingSettings", "contentDetails",
                 "contentOwnerDetails", "id", "localizations", "snippet",
                 "statistics", "status", "topicDetails"},
    "playlists": {"contentDetails", "id", "localizations", "player",
                  "snippet", "status"},
    "playlistItems": {"contentDetails", "id", "snippet", "status"},
    "videos": {"contentDetails", "fileDetails", "id", "liveStreamingDetails",
               "localizations", "player", "processingDetails",
               "recordingDetails", "snippet", "statistics", "status",
               "suggestions", "topicDetails"},
    "search": {"id", "snippet"},
    "commentThreads": {"id", "replies", "snippet"},
    "comments": {"id", "snippet"},
    "subscriptions": {"contentDetails", "id", "snippet", "subscriberSnippet"},
    "activities": {"contentDetails", "id", "snippet"},
    "videoCategories": {"id", "snippet"},
    "i18nRegions": {"id", "snippet"},
    "i18nLanguages": {"id", "snippet"},
}
# (min, max, default) of maxResults; None = the method has no maxResults
MAX_RESULTS = {
    "channels": (0, 50, 5), "playlists": (0, 50, 5),
    "playlistItems": (0, 50, 5), "videos": (1, 50, 5), "search": (0, 50, 5),
    "commentThreads": (1, 100, 20), "comments": (1, 100, 20),
    "subscriptions": (0, 50, 5), "activities": (0, 50, 5),
    "videoCategories": None, "i18nRegions": None, "i18nLanguages": None,
}
# every query parameter each method accepts (besides system parameters)
PARAMS = {
    "channels": {"categoryId", "forHandle", "forUsername", "hl", "id",
                 "managedByMe", "maxResults", "mine", "mySubscribers",
                 "onBehalfOfContentOwner", "pageToken", "part"},
    "playlists": {"channelId", "hl", "id", "maxResults", "mine",
                  "onBehalfOfContentOwner", "onBehalfOfContentOwnerChannel",
                  "pageToken", "part"},
    "playlistItems": {"id", "maxResults", "onBehalfOfContentOwner",
                      "pageToken", "part", "playlistId", "videoId"},
    "videos": {"chart", "hl", "id", "locale", "maxHeight", "maxResults",
               "maxWidth", "myRating", "onBehalfOfContentOwner", "pageToken",
               "part", "regionCode", "videoCategoryId"},
    "search": {"channelId", "channelType", "eventType", "forContentOwner",
               "forDeveloper", "forMine", "location", "locationRadius",
               "maxResults", "onBehalfOfContentOwner", "order", "pageToken",
               "part", "publishedAfter", "publishedBefore", "q", "regionCode",
               "relevanceLanguage", "safeSearch", "topicId", "type",
               "videoCaption", "videoCategoryId", "videoDefinition",
               "videoDimension", "videoDuration", "videoEmbeddable",
               "videoLicense", "videoPaidProductPlacement",
               "videoSyndicated", "videoType"},
    "commentThreads": {"allThreadsRelatedToChannelId", "channelId", "id",
                       "maxResults", "moderationStatus", "order", "pageToken",
                       "part", "searchTerms", "textFormat", "videoId"},
    "comments": {"id", "maxResults", "pageToken", "parentId", "part",
                 "textFormat"},
    "subscriptions": {"channelId", "forChannelId", "id", "maxResults", "mine",
                      "myRecentSubscribers", "mySubscribers",
                      "onBehalfOfContentOwner",
                      "onBehalfOfContentOwnerChannel", "order", "pageToken",
                      "part"},
    "activities": {"channelId", "home", "maxResults", "mine", "pageToken",
                   "part", "publishedAfter", "publishedBefore", "regionCode"},
    "videoCategories": {"hl", "id", "part", "regionCode"},
    "i18nRegions": {"hl", "part"},
    "i18nLanguages": {"hl", "part"},
}
SYSTEM_PARAMS = {"$.xgafv", "access_token", "alt", "callback", "fields", "key",
                 "oauth_token", "prettyPrint", "quotaUser", "uploadType",
                 "upload_protocol"}
COST = {"search": 100}
SEARCH_CAP = 500
# a search over the whole world considers at most this many matching videos
# (visited in a fixed pseudo-random order); narrower searches (a channel, a
# publishedAfter/Before window with fewer matches) are exhaustive on worlds
# up to SEARCH_VISIT_CAP videos
SEARCH_SCAN_CAP = 2000
# ...and generates at most this many videos to find them
SEARCH_VISIT_CAP = 25000


class ApiError(Exception):
    def __init__(self, code, reason, message, domain="youtube.parameter",
                 location=None, location_type="parameter", status=None,
                 headers=None):
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.domain, self.location = domain, location
        self.location_type, self.status = location_type, status
        self.headers = headers or {}

    def body(self):
        return error_body(self.code, self.reason, self.message, self.domain,
                          self.location, self.location_type, self.status)


STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED",
                403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                503: "UNAVAILABLE"}


def error_body(code, reason, message, domain="global", location=None,
               location_type="parameter", status=None, details=None):
    e = {"message": message, "domain": domain, "reason": reason}
    if location:
        e["location"] = location
        e["locationType"] = location_type
    out = {"code": code, "message": message, "errors": [e]}
    if status is None:
        status = STATUS_NAMES.get(code)
    if status:
        out["status"] = status
    if details:
        out["details"] = details
    return {"error": out}


def etag_of(obj):
    text = repr(obj)
    tag = W.b64(hashlib.sha1(text.encode("utf-8")).digest())[:27]
    memo = getattr(_ETAG_MEMO, "reprs", None)
    if memo is not None and text.startswith("{'kind': '") and \
            obj.get("etag", 0) is None:
        # the item's repr once its "etag" (2nd key) is set, so the page's
        # etag (the repr of the whole page) need not repr it again
        at = text.find("'etag': None")
        if at > 0 and text.rfind("'", 0, at - 2) == text.find("'", 10):
            memo[id(obj)] = (obj, text[:at] + "'etag': " + repr(tag) +
                             text[at + 12:])
    return tag


_ETAG_MEMO = threading.local()


def _page_etag(body):
    """etag_of(body) for a list response: the same digest, with the items'
    reprs taken from the memo filled while they were built."""
    memo = getattr(_ETAG_MEMO, "reprs", None)
    items = body.get("items")
    if not memo or type(items) is not list or next(reversed(body)) != \
            "items":
        return etag_of(body)
    parts = []
    for it in items:
        m = memo.get(id(it))
        if m is None or m[0] is not it or it.get("etag") is None:
            return etag_of(body)
        parts.append(m[1])
    head = ", ".join("%r: %r" % kv for kv in body.items() if kv[0] != "items")
    text = "{%s'items': [%s]}" % (head + ", " if head else "",
                                    ", ".join(parts))
    return W.b64(hashlib.sha1(text.encode("utf-8")).digest())[:27]


def thumbs(base, sizes):
    dims = {"default": (120, 90, "default"), "medium": (320, 180, "mqdefault"),
            "high": (480, 360, "hqdefault"),
            "standard": (640, 480, "sddefault"),
            "maxres": (1280, 720, "maxresdefault")}
    return {s: {"url": "%s/%s.jpg" % (base, dims[s][2]),
                "width": dims[s][0], "height": dims[s][1]} for s in sizes}


def avatar_thumbs(url):
    return {"default": {"url": url + "=s88-c-k-c0x00ffffff-no-rj",
                        "width": 88, "height": 88},
            "medium": {"url": url + "=s240-c-k-c0x00ffffff-no-rj",
                       "width": 240, "height": 240},
            "high": {"url": url + "=s800-c-k-c0x00ffffff-no-rj",
                     "width": 800, "height": 800}}


ALL_THUMBS = ("default", "medium", "high", "standard", "maxres")

# -- page tokens: like Google's short protobuf tokens ("CAUQAA") -------------


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def make_token(offset, backwards=False):
    return W.b64(b"\x08" + _varint(offset) + b"\x10" +
                 (b"\x01" if backwards else b"\x00"))


def parse_token(tok):
    try:
        raw = W.unb64(tok)
    except (ValueError, TypeError):
        return None
    if len(raw) < 4 or raw[0] != 0x08:
        return None
    n, shift, i = 0, 0, 1
    while i < len(raw) and raw[i] & 0x80:
        n |= (raw[i] & 0x7F) << shift
        shift += 7
        i += 1
    if i >= len(raw):
        return None
    n |= raw[i] << shift
    i += 1
    if raw[i:] not in (b"\x10\x00", b"\x10\x01"):
        return None
    return n, raw[i + 1] == 1


def html_text(text):
    """Comment textDisplay as Google renders it (html textFormat)."""
    out = html.escape(text, quote=True).replace("&#x27;", "&#39;")
    out = re.sub(r"(https?://[^\s<]+)",
                 lambda m: '<a href="%s">%s</a>' % (m.group(1), m.group(1)),
                 out)
    return out.replace("\n", "<br>")


class Api:
    def __init__(self, world):
        self.w = world
        self.region_set = W.REGION_CODES
        self.growth = None  # emulator.analytics.Analytics: the clock

    # ------------------------------------------------------------------
    def handle(self, name, params, principal):
        """params: dict name -> list of values. principal: None for API key,
        else dict(scopes=set, sub=...). Returns (status, body, cost)."""
        cost = COST.get(name, 1)
        fn = getattr(self, "list_" + name, None)
        if fn is None:
            raise ApiError(404, "notFound", "Not Found", domain="global")
        single = {}
        for k, vals in params.items():
            if k in SYSTEM_PARAMS:
                continue
            if k not in PARAMS[name]:
                raise ApiError(400, "unexpectedParameter",
                               "Unexpected parameter: %s" % k,
                               location=k)
            single[k] = vals[-1]
        needed = METHOD_SCOPES[name]
        if principal is not None and not (principal["scopes"] & needed):
            raise ApiError(
                403, "insufficientPermissions",
                "Request had insufficient authentication scopes.",
                domain="global", status="PERMISSION_DENIED")
        parts = self._parts(name, single)
        mr = self._max_results(name, single)
        _ETAG_MEMO.reprs = {}
        try:
            body = fn(single, parts, mr, principal)
            body["etag"] = _page_etag(body)
        finally:
            _ETAG_MEMO.reprs = None
        ordered = {"kind": body.pop("kind"), "etag": body.pop("etag")}
        for k in ("nextPageToken", "prevPageToken", "regionCode", "pageInfo"):
            if k in body:
                ordered[k] = body.pop(k)
        ordered.update(body)
        if params.get("fields") and params["fields"][-1].strip():
            ordered = apply_fields(ordered, parse_fields(
                params["fields"][-1]))
        return 200, ordered, cost

    def _parts(self, name, p):
        if "part" not in p or p["part"].strip() == "":
            raise ApiError(400, "required", "Required parameter: part",
                           domain="global", location="part")
        parts = [x.strip() for x in p["part"].split(",") if x.strip()]
        for x in parts:
            if x not in PARTS[name]:
                raise ApiError(400, "unknownPart", "'%s'" % x,
                               domain="youtube.part", location="part")
        return set(parts)

    def _max_results(self, name, p):
        spec = MAX_RESULTS[name]
        if spec is None:
            return None
        lo, hi, default = spec
        if "maxResults" not in p:
            return default
        try:
            n = int(p["maxResults"])
        except ValueError:
            raise ApiError(400, "invalidParameter",
                           "Invalid value '%s'. Values must be within the "
                           "range: [%d, %d]" % (p["maxResults"], lo, hi),
                           domain="global", location="maxResults")
        if n < lo or n > hi:
            raise ApiError(400, "invalidParameter",
                           "Invalid value '%d'. Values must be within the "
                           "range: [%d, %d]" % (n, lo, hi), domain="global",
                           location="maxResults")
        return n

    def _filters(self, p, names, optional=()):
        got = [n for n in names if n in p and p[n] != ""]
        if not got:
            raise ApiError(400, "missingRequiredParameter",
                           "No filter selected. Expected one of: %s" %
                           ", ".join(sorted(names + tuple(optional))),
                           domain="youtube.parameter")
        if len(got) > 1:
            raise ApiError(400, "incompatibleParameters",
                           "Incompatible parameters specified in the request:"
                           " %s" % ", ".join(got), domain="youtube.parameter")
        return got[0]

    def _need_oauth(self, principal):
        if principal is None:
            raise ApiError(
                401, "required", "Login Required.", domain="global",
                location="Authorization", location_type="header",
                status="UNAUTHENTICATED",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.'
                         'google.com/"'})

    def _bool(self, p, k):
        v = p.get(k, "").lower()
        if v in ("", "false"):
            return False
        if v == "true":
            return True
        raise ApiError(400, "invalidParameter", "Invalid value '%s' for %s" %
                       (p[k], k), domain="global", location=k)

    def _page(self, total, mr, p, cap=None):
        """-> (start, end, envelope extras) for offset paging."""
        start = 0
        if p.get("pageToken"):
            t = parse_token(p["pageToken"])
            if t is None:
                raise ApiError(400, "invalidPageToken",
                               "The request specifies an invalid page token.",
                               domain="youtube.parameter",
                               location="pageToken")
            off, back = t
            start = max(0, off - mr) if back else off
        limit = total if cap is None else min(total, cap)
        end = min(limit, start + mr)
        extras = {}
        if mr > 0 and end < limit:
            extras["nextPageToken"] = make_token(end)
        if start > 0 and mr > 0:
            extras["prevPageToken"] = make_token(start, True)
        return start, end, extras

    @staticmethod
    def _ids(p, k, limit=50):
        ids = [x.strip() for x in p[k].split(",") if x.strip()]
        if len(ids) > limit:
            raise ApiError(400, "invalidParameter",
                           "The request specifies too many ids (maximum %d)."
                           % limit, domain="youtube.parameter", location=k)
        return ids

    def _resolve_channel(self, cid, reason="channelNotFound"):
        c = self.w.channel_index(cid)
        if c is None or cid.startswith("UU"):
            raise ApiError(404, reason,
                           "The channel identified with the request's "
                           "<code>channelId</code> parameter cannot be "
                           "found.", domain="youtube.channel",
                           location="channelId")
        return c

    @staticmethod
    def _envelope(kind, items, total=None, per_page=None, extras=None):
        out = {"kind": kind}
        if extras:
            out.update(extras)
        out["pageInfo"] = {"totalResults": len(items) if total is None
                           else total,
                           "resultsPerPage": len(items) if per_page is None
                           else per_page}
        out["items"] = items
        return out

    # ---------------------------------------------------------- channels
    def channel_resource(self, c, parts):
        w = self.w
        ch = w.channel(c)
        cid = w.channel_id(c)
        item = {"kind": "youtube#channel", "etag": None, "id": cid}
        if "snippet" in parts:
            sn = {"title": ch["title"], "description": ch["description"],
                  "customUrl": ch["handle"].lower(),
                  "publishedAt": W.rfc3339(ch["start"] - 86400 * 30),
                  "thumbnails": avatar_thumbs(ch["avatar"]),
                  "localized": {"title": ch["title"],
                                "description": ch["description"]}}
            if ch["country"]:
                sn["country"] = ch["country"]
            item["snippet"] = sn
        if "contentDetails" in parts:
            item["contentDetails"] = {"relatedPlaylists": {
                "likes": "" if c else "LL",
                "uploads": w.uploads_playlist_id(c)}}
        if "statistics" in parts:
            views, subs = self.growth.channel_stats(c) if self.growth \
                else (ch["views"], ch["subscribers"])
            st = {"viewCount": str(views),
                  "subscriberCount": str(W.three_sig(subs)),
                  "hiddenSubscriberCount": ch["hidden_subs"],
                  "videoCount": str(w.counts[c])}
            if ch["hidden_subs"]:  # hidden: the count is left out
                del st["subscriberCount"]
            item["statistics"] = st
        if "status" in parts:
            item["status"] = {"privacyStatus": "public", "isLinked": True,
                              "longUploadsStatus": "longUploadsUnspecified",
                              "madeForKids": False}
        if "brandingSettings" in parts:
            bs = {"channel": {"title": ch["title"],
                              "description": ch["description"],
                              "keywords": "emulated youtube"}}
            if ch["country"]:
                bs["channel"]["country"] = ch["country"]
            if c == 0 or c % 3 == 0:
                lo, hi = w.channel_video_range(c)
                bs["channel"]["unsubscribedTrailer"] = w.video_id(hi - 1)
                bs["channel"]["trackingAnalyticsAccountId"] = \
                    "UA-%d-1" % (1000000 + c)
                bs["image"] = {"bannerExternalUrl": ch["avatar"] +
                               "-banner"}
            item["brandingSettings"] = bs
        if "topicDetails" in parts:
            item["topicDetails"] = {"topicCategories": [
                "https://en.wikipedia.org/wiki/Technology"]}
        item["etag"] = etag_of(item)
        return item

    def list_channels(self, p, parts, mr, principal):
        w = self.w
        f = self._filters(p, ("categoryId", "forHandle", "forUsername", "id",
                              "managedByMe", "mine", "mySubscribers"))
        kind = "youtube#channelListResponse"
        if f == "categoryId":
            raise ApiError(400, "invalidFilters",
                           "The categoryId filter is deprecated.",
                           domain="youtube.parameter", location="categoryId")
        if f in ("mine", "managedByMe", "mySubscribers"):
            if not self._bool(p, f):
                raise ApiError(400, "missingRequiredParameter",
                               "No filter selected.",
                               domain="youtube.parameter")
            self._need_oauth(principal)
            if f == "mySubscribers":
                return self._envelope(kind, [], 0, mr)
            if f == "managedByMe":
                raise ApiError(403, "forbidden",
                               "The request is not properly authorized.",
                               domain="youtube.common")
            found = [0]
        elif f == "id":
            found = [c for c in (w.channel_index(i) for i in
                                 self._ids(p, "id")) if c is not None]
        elif f == "forHandle":
            h = p["forHandle"].strip().lower()
            if not h.startswith("@"):
                h = "@" + h
            found = self._by_handle(h)
        else:
            found = self._by_username(p["forUsername"].strip().lower())
        items = [self.channel_resource(c, parts) for c in found]
        if not items:
            out = {"kind": kind, "pageInfo": {"totalResults": 0,
                                              "resultsPerPage": mr}}
            return out
        return self._envelope(kind, items, len(items), mr if f != "id"
                              else len(items))

    def _by_handle(self, h):
        w = self.w
        if h == w.channel(0)["handle"]:
            return [0]
        m = re.match(r"@[a-z]+?(\d+)$", h)
        if m:
            c = int(m.group(1))
            if 0 < c < w.n_channels and w.channel(c)["handle"].lower() == h:
                return [c]
        return []

    def _by_username(self, u):
        w = self.w
        if u == (w.channel(0)["username"] or "").lower():
            return [0]
        m = re.match(r"[a-z]+?(\d+)$", u)
        if m:
            c = int(m.group(1))
            if 0 < c < w.n_channels and (w.channel(c)["username"] or
                                         "").lower() == u:
                return [c]
        return []

    # ---------------------------------------------------------- videos
    def video_resource(self, idx, parts, hl=None):
        w = self.w
        v = w.video(idx)
        ch = w.channel(v["channel"])
        item = {"kind": "youtube#video", "etag": None, "id": v["id"]}
        if "snippet" in parts:
            sn = {"publishedAt": W.rfc3339(v["published"]),
                  "channelId": w.channel_id(v["channel"]),
                  "title": v["title"], "description": v["description"],
                  "thumbnails": thumbs("https://i.ytimg.com/vi/" + v["id"],
                                       ALL_THUMBS),
                  "channelTitle": ch["title"]}
            if v["tags"]:
                sn["tags"] = list(v["tags"])
            sn["categoryId"] = v["category"]
            sn["liveBroadcastContent"] = "none"
            if v["lang_set"]:
                sn["defaultLanguage"] = v["lang"]
            sn["defaultAudioLanguage"] = v["lang"]
            sn["localized"] = {"title": v["title"],
                               "description": v["description"]}
            item["snippet"] = sn
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "duration": W.iso_duration(v["duration"]),
                "dimension": "2d", "definition": v["definition"],
                "caption": "true" if v["caption"] else "false",
                "licensedContent": v["licensed"], "contentRating": {},
                "projection": "rectangular"}
        if "status" in parts:
            item["status"] = {"uploadStatus": "processed",
                              "privacyStatus": "public", "license": "youtube",
                              "embeddable": True, "publicStatsViewable": True,
                              "madeForKids": False}
        if "statistics" in parts:
            views, likes = self.growth.video_stats(idx) if self.growth \
                else (v["views"], v["likes"])
            st = {"viewCount": str(views)}
            if not v["hidden_likes"]:
                st["likeCount"] = str(likes)
            st["favoriteCount"] = "0"
            if not v["comments_disabled"]:
                st["commentCount"] = str(w.comment_count(idx))
            item["statistics"] = st
        if "player" in parts:
            item["player"] = {"embedHtml": '<iframe width="480" height="270" '
                              'src="//www.youtube.com/embed/%s" frameborder='
                              '"0" allow="accelerometer; autoplay; clipboard-'
                              'write; encrypted-media; gyroscope; picture-in-'
                              'picture; web-share" referrerpolicy="strict-'
                              'origin-when-cross-origin" allowfullscreen>'
                              '</iframe>' % v["id"]}
        if "topicDetails" in parts:
            item["topicDetails"] = {"topicCategories": [
                "https://en.wikipedia.org/wiki/Lifestyle_(sociology)"]}
        item["etag"] = etag_of(item)
        return item

    def list_videos(self, p, parts, mr, principal):
        w = self.w
        f = self._filters(p, ("chart", "id", "myRating"))
        kind = "youtube#videoListResponse"
        if f == "id":
            ids = self._ids(p, "id")
            items = [self.video_resource(i, parts) for i in
                     (w.video_index(x) for x in ids) if i is not None]
            return self._envelope(kind, items, len(items), len(items))
        if f == "myRating":
            self._need_oauth(principal)
            r = p["myRating"]
            if r not in ("like", "dislike"):
                raise ApiError(400, "invalidParameter",
                               "Invalid value for myRating: %s" % r,
                               domain="global", location="myRating")
            lst = w.liked() if r == "like" else w.disliked()
        else:
            if p["chart"] != "mostPopular":
                raise ApiError(400, "invalidChart" if p["chart"] else
                               "invalidParameter",
                               "The request specifies an unsupported chart.",
                               location="chart")
            region = p.get("regionCode", "US").upper()
            if region not in self.region_set:
                raise ApiError(400, "invalidRegionCode",
                               "The <code>regionCode</code> parameter "
                               "specifies an invalid region code.",
                               location="regionCode")
            cat = p.get("videoCategoryId") or None
            if cat is not None and cat != "0":
                ok = {c[0] for c in W.CATEGORIES if c[2]} - \
                    W.REGION_MISSING_CATEGORIES.get(region, set())
                if cat not in ok:
                    raise ApiError(404, "videoChartNotFound",
                                   "The requested video chart is not "
                                   "supported or is not available.",
                                   domain="youtube.video",
                                   location="id")
            else:
                cat = None
            lst = w.chart(region, cat)
        start, end, extras = self._page(len(lst), mr, p)
        items = [self.video_resource(i, parts) for i in lst[start:end]]
        return self._envelope(kind, items, len(lst), mr, extras)

    # ---------------------------------------------------------- playlists
    def playlist_resource(self, pidx, parts):
        w = self.w
        pl = w.playlist(pidx)
        ch = w.channel(pl["channel"])
        item = {"kind": "youtube#playlist", "etag": None, "id": pl["id"]}
        if "snippet" in parts:
            first = next((i for i in pl["items"] if i >= 0), None)
            base = "https://i.ytimg.com/vi/%s" % (w.video_id(first) if first
                                                   is not None else "")
            item["snippet"] = {
                "publishedAt": W.rfc3339(pl["published"]),
                "channelId": w.channel_id(pl["channel"]),
                "title": pl["title"], "description": pl["description"],
                "thumbnails": thumbs(base, ALL_THUMBS) if first is not None
                else thumbs("https://i.ytimg.com/img/no_thumbnail",
                            ALL_THUMBS[:3]),
                "channelTitle": ch["title"],
                "localized": {"title": pl["title"],
                              "description": pl["description"]}}
        if "status" in parts:
            item["status"] = {"privacyStatus": pl["privacy"]}
        if "contentDetails" in parts:
            item["contentDetails"] = {"itemCount": len(pl["items"])}
        if "player" in parts:
            item["player"] = {"embedHtml": '<iframe width="640" height="360" '
                              'src="http://www.youtube.com/embed/videoseries?'
                              'list=%s" frameborder="0" allow="autoplay; '
                              'encrypted-media" allowfullscreen></iframe>' %
                              pl["id"]}
        item["etag"] = etag_of(item)
        return item

    def list_playlists(self, p, parts, mr, principal):
        w = self.w
        f = self._filters(p, ("channelId", "id", "mine"))
        kind = "youtube#playlistListResponse"
        if f == "id":
            found = [x for x in (w.playlist_index(i) for i in
                                 self._ids(p, "id")) if x is not None]
            found = [x for x in found if w.playlist(x)["privacy"] ==
                     "public" or (principal and w.playlist_owner(x) == 0)]
            items = [self.playlist_resource(x, parts) for x in found]
            return self._envelope(kind, items, len(items), mr)
        if f == "mine":
            if not self._bool(p, "mine"):
                raise ApiError(400, "missingRequiredParameter",
                               "No filter selected.")
            self._need_oauth(principal)
            lst = w.channel_playlists(0)
        else:
            c = self._resolve_channel(p["channelId"])
            lst = [x for x in w.channel_playlists(c)
                   if w.playlist(x)["privacy"] == "public" or
                   (principal and c == 0)]
        start, end, extras = self._page(len(lst), mr, p)
        items = [self.playlist_resource(x, parts) for x in lst[start:end]]
        return self._envelope(kind, items, len(lst), mr, extras)

    # ---------------------------------------------------------- playlistItems
    def _playlist_videos(self, pid, principal):
        """-> (owner channel, list of video indices, playlist id)"""
        w = self.w
        if pid.startswith("UU"):
            c = w.channel_index(pid)
            if c is not None:
                lo, hi = w.channel_video_range(c)
                return c, range(hi - 1, lo - 1, -1)  # newest first
        else:
            x = w.playlist_index(pid)
            if x is not None:
                pl = w.playlist(x)
                if pl["privacy"] == "public" or (principal and
                                                 pl["channel"] == 0):
                    return pl["channel"], pl["items"]
                raise ApiError(403, "playlistItemsNotAccessible",
                               "The request is not properly authorized to "
                               "retrieve the specified playlist.",
                               domain="youtube.playlistItem",
                               location="id")
        raise ApiError(404, "playlistNotFound",
                       "The playlist identified with the request's "
                       "<code>playlistId</code> parameter cannot be found.",
                       domain="youtube.playlistItem", location="playlistId")

    def playlist_item_id(self, pid, pos):
        raw = hashlib.blake2b(("%s:%d" % (pid, pos)).encode(),
                              digest_size=8).hexdigest().upper()
        return W.b64(("%s.%s%04X" % (pid, raw[:12], pos)).encode())

    def playlist_item_resource(self, owner, pid, pos, vidx, parts):
        w = self.w
        if vidx < 0:
            return self._unavailable_item(owner, pid, pos, vidx, parts)
        v = w.video(vidx)
        item = {"kind": "youtube#playlistItem", "etag": None,
                "id": self.playlist_item_id(pid, pos)}
        added = max(v["published"], w.channel(owner)["start"]) + 3600 * (
            1 + pos % 48)
        if "snippet" in parts:
            item["snippet"] = {
                "publishedAt": W.rfc3339(added),
                "channelId": w.channel_id(owner),
                "title": v["title"], "description": v["description"],
                "thumbnails": thumbs("https://i.ytimg.com/vi/" + v["id"],
                                     ALL_THUMBS),
                "channelTitle": w.channel(owner)["title"],
                "playlistId": pid, "position": pos,
                "resourceId": {"kind": "youtube#video", "videoId": v["id"]},
                "videoOwnerChannelTitle": w.channel(v["channel"])["title"],
                "videoOwnerChannelId": w.channel_id(v["channel"])}
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "videoId": v["id"],
                "videoPublishedAt": W.rfc3339(v["published"])}
        if "status" in parts:
            item["status"] = {"privacyStatus": "public"}
        item["etag"] = etag_of(item)
        return item

    def _unavailable_item(self, owner, pid, pos, marker, parts):
        """A deleted (-1) or private (-2) video in a playlist, as Google
        shows it: placeholder title, no thumbnails, no owner, and an id
        that videos.list does not know."""
        w = self.w
        vid = self.w.unavailable_video_id(pid, pos)
        deleted = marker == -1
        item = {"kind": "youtube#playlistItem", "etag": None,
                "id": self.playlist_item_id(pid, pos)}
        pl_idx = w.playlist_index(pid)
        added = w.playlist(pl_idx)["published"] + 86400 * (1 + pos) \
            if pl_idx is not None else w.channel(owner)["start"]
        if "snippet" in parts:
            item["snippet"] = {
                "publishedAt": W.rfc3339(added),
                "channelId": w.channel_id(owner),
                "title": "Deleted video" if deleted else "Private video",
                "description": "This video is unavailable." if deleted
                else "This video is private.",
                "thumbnails": {},
                "channelTitle": w.channel(owner)["title"],
                "playlistId": pid, "position": pos,
                "resourceId": {"kind": "youtube#video", "videoId": vid}}
        if "contentDetails" in parts:
            item["contentDetails"] = {"videoId": vid}
        if "status" in parts:
            item["status"] = {} if deleted else {"privacyStatus": "private"}
        item["etag"] = etag_of(item)
        return item

    def list_playlistItems(self, p, parts, mr, principal):
        w = self.w
        f = self._filters(p, ("id", "playlistId"))
        kind = "youtube#playlistItemListResponse"
        if f == "id":
            items = []
            for iid in self._ids(p, "id"):
                try:
                    pid, _, rest = W.unb64(iid).decode().partition(".")
                    pos = int(rest[12:], 16)
                except (ValueError, TypeError, UnicodeDecodeError):
                    continue
                if self.playlist_item_id(pid, pos) != iid:
                    continue
                try:
                    owner, vids = self._playlist_videos(pid, principal)
                except ApiError:
                    continue
                if pos < len(vids):
                    items.append(self.playlist_item_resource(
                        owner, pid, pos, vids[pos], parts))
            return self._envelope(kind, items, len(items), mr)
        pid = p["playlistId"]
        owner, vids = self._playlist_videos(pid, principal)
        positions = range(len(vids))  # sliced lazily: 100,000 items
        if p.get("videoId"):
            want = w.video_index(p["videoId"])
            positions = [i for i in positions if vids[i] == want]
        start, end, extras = self._page(len(positions), mr, p)
        items = [self.playlist_item_resource(owner, pid, i, vids[i], parts)
                 for i in positions[start:end]]
        return self._envelope(kind, items, len(positions), mr, extras)

    # ---------------------------------------------------------- comments
    def comment_resource(self, c, video_idx, parent_id, cid, text_format,
                         parts):
        w = self.w
        item = {"kind": "youtube#comment", "etag": None, "id": cid}
        if "snippet" in parts:
            text = c["text"]
            sn = {"channelId": w.channel_id(w.video(video_idx)["channel"]),
                  "videoId": w.video_id(video_idx),
                  "textDisplay": html_text(text) if text_format == "html"
                  else text,
                  "textOriginal": text,
                  "authorDisplayName": c["author"],
                  "authorProfileImageUrl": "https://yt3.ggpht.com/ytc/"
                  "emulated=s48-c-k-c0x00ffffff-no-rj",
                  "authorChannelUrl": "http://www.youtube.com/" + (
                      c["author"] if c["author"].startswith("@") else
                      "channel/" + c["author_channel"]),
                  "authorChannelId": {"value": c["author_channel"]},
                  "canRate": True, "viewerRating": "none",
                  "likeCount": max(0, c["likes"]),
                  "publishedAt": W.rfc3339(c["published"]),
                  "updatedAt": W.rfc3339(c["published"])}
            if parent_id:
                sn["parentId"] = parent_id
                del sn["videoId"]
            item["snippet"] = sn
        item["etag"] = etag_of(item)
        return item

    def thread_resource(self, v, t, parts, text_format):
        w = self.w
        th = w.thread(v, t)
        tid = w.thread_id(v, t)
        item = {"kind": "youtube#commentThread", "etag": None, "id": tid}
        if "snippet" in parts:
            item["snippet"] = {
                "channelId": w.channel_id(w.video(v)["channel"]),
                "videoId": w.video_id(v),
                "topLevelComment": self.comment_resource(
                    th, v, None, tid, text_format, {"snippet"}),
                "canReply": True, "totalReplyCount": th["replies"],
                "isPublic": True}
        if "replies" in parts and th["replies"] > 0:
            n = min(5, th["replies"])
            item["replies"] = {"comments": [
                self.comment_resource(w.reply(v, t, j), v, tid,
                                      w.reply_id(v, t, j), text_format,
                                      {"snippet"})
                for j in range(n)]}
        item["etag"] = etag_of(item)
        return item

    def _text_format(self, p):
        tf = p.get("textFormat", "html")
        if tf not in ("html", "plainText"):
            raise ApiError(400, "invalidParameter",
                           "Invalid value for textFormat: %s" % tf,
                           domain="global", location="textFormat")
        return tf

    def _video_for_comments(self, vid):
        w = self.w
        v = w.video_index(vid)
        if v is None:
            raise ApiError(404, "videoNotFound",
                           "The video identified by the <code><a href=\"/you"
                           "tube/v3/docs/commentThreads/list#videoId\">video"
                           "Id</a></code> parameter could not be found.",
                           domain="youtube.commentThread",
                           location="videoId")
        if w.video(v)["comments_disabled"]:
            raise ApiError(403, "commentsDisabled",
                           "The video identified by the <code><a href=\"/you"
                           "tube/v3/docs/commentThreads/list#videoId\">video"
                           "Id</a></code> parameter has disabled comments.",
                           domain="youtube.commentThread",
                           location="videoId")
        return v

    def list_commentThreads(self, p, parts, mr, principal):
        w = self.w
        f = self._filters(p, ("allThreadsRelatedToChannelId", "channelId",
                              "id", "videoId"))
        kind = "youtube#commentThreadListResponse"
        tf = self._text_format(p)
        order = p.get("order", "time")
        if order not in ("time", "relevance"):
            raise ApiError(400, "invalidParameter",
                           "Invalid value for order: %s" % order,
                           domain="global", location="order")
        if f == "id":
            found = [x for x in (w.thread_index(i) for i in
                                 self._ids(p, "id")) if x is not None]
            items = [self.thread_resource(v, t, parts, tf) for v, t in found]
            return self._envelope(kind, items, len(items), mr)
        if f == "videoId":
            v = self._video_for_comments(p["videoId"])
            n = w.video(v)["threads"]
            refs = _Seq(n, lambda i, v=v: (v, i))
            if order == "relevance":
                refs = sorted(((v, i) for i in range(n)),
                              key=lambda vt: (-w.thread(*vt)["likes"], vt[1]))
        elif f == "channelId":
            self._resolve_channel(p["channelId"])
            refs = []
        else:
            c = self._resolve_channel(p["allThreadsRelatedToChannelId"])
            refs = _ChannelThreads(w, c)
        terms = p.get("searchTerms", "").lower()
        if terms:
            refs = [vt for vt in refs if terms in w.thread(*vt)["text"]
                    .lower()]
        start, end, extras = self._page(len(refs), mr, p)
        items = [self.thread_resource(v, t, parts, tf)
                 for v, t in (refs[i] for i in range(start, end))]
        out = self._envelope(kind, items, len(items), mr, extras)
        return out

    def list_comments(self, p, parts, mr, principal):
        w = self.w
        f = self._filters(p, ("id", "parentId"))
        kind = "youtube#commentListResponse"
        tf = self._text_format(p)
        if f == "id":
            items = []
            for cid in self._ids(p, "id"):
                if "." in cid:
                    r = w.reply_index(cid)
                    if r is not None:
                        v, t, j = r
                        items.append(self.comment_resource(
                            w.reply(v, t, j), v, w.thread_id(v, t), cid, tf,
                            parts))
                else:
                    vt = w.thread_index(cid)
                    if vt is not None:
                        items.append(self.comment_resource(
                            w.thread(*vt), vt[0], None, cid, tf, parts))
            return self._envelope(kind, items, len(items), mr)
        vt = w.thread_index(p["parentId"])
        if vt is None:
            raise ApiError(404, "commentNotFound",
                           "One or more of the comments identified by the "
                           "<code>parentId</code> parameter could not be "
                           "found.", domain="youtube.comment",
                           location="parentId")
        v, t = vt
        n = w.thread(v, t)["replies"]
        start, end, extras = self._page(n, mr, p)
        tid = w.thread_id(v, t)
        items = [self.comment_resource(w.reply(v, t, j), v, tid,
                                       w.reply_id(v, t, j), tf, parts)
                 for j in range(start, end)]
        out = self._envelope(kind, items, None, mr, extras)
        del out["pageInfo"]["totalResults"]  # Google omits it here
        return out

    # ---------------------------------------------------------- subscriptions
    def subscription_resource(self, k, parts):
        w = self.w
        c = 1 + k
        ch = w.channel(c)
        item = {"kind": "youtube#subscription", "etag": None,
                "id": w.subscription_id(k)}
        if "snippet" in parts:
            item["snippet"] = {
                "publishedAt": W.rfc3339(w.subscription_dates()[k]),
                "title": ch["title"], "description": ch["description"],
                "resourceId": {"kind": "youtube#channel",
                               "channelId": w.channel_id(c)},
                "channelId": w.channel_id(0),
                "thumbnails": avatar_thumbs(ch["avatar"])}
        if "contentDetails" in parts:
            item["contentDetails"] = {"totalItemCount": w.counts[c],
                                      "newItemCount": 0,
                                      "activityType": "all"}
        if "subscriberSnippet" in parts:
            me = w.channel(0)
            item["subscriberSnippet"] = {
                "title": me["title"], "description": me["description"],
                "channelId": w.channel_id(0),
                "thumbnails": avatar_thumbs(me["avatar"])}
        item["etag"] = etag_of(item)
        return item

    def list_subscriptions(self, p, parts, mr, principal):
        w = self.w
        f = self._filters(p, ("channelId", "id", "mine",
                              "myRecentSubscribers", "mySubscribers"))
        kind = "youtube#subscriptionListResponse"
        if f == "id":
            found = [k for k in (w.subscription_index(i) for i in
                                 self._ids(p, "id")) if k is not None]
            items = [self.subscription_resource(k, parts) for k in found]
            return self._envelope(kind, items, len(items), mr)
        if f in ("mine", "myRecentSubscribers", "mySubscribers"):
            if not self._bool(p, f):
                raise ApiError(400, "missingRequiredParameter",
                               "No filter selected.")
            self._need_oauth(principal)
            if f != "mine":
                return self._envelope(kind, [], 0, mr)
            lst = list(range(w.n_subs))
        else:
            c = w.channel_index(p["channelId"])
            if c is None:
                raise ApiError(404, "subscriberNotFound",
                               "The subscriber identified with the request "
                               "cannot be found.",
                               domain="youtube.subscription",
                               location="channelId")
            if c != 0:
                raise ApiError(403, "subscriptionForbidden",
                               "The requester is not allowed to access the "
                               "requested subscriptions.",
                               domain="youtube.subscription")
            lst = list(range(w.n_subs))
        if p.get("forChannelId"):
            want = {w.channel_index(x) for x in
                    self._ids(p, "forChannelId", 500)}
            lst = [k for k in lst if 1 + k in want]
        order = p.get("order", "relevance")
        if order == "alphabetical":
            lst.sort(key=lambda k: w.channel(1 + k)["title"].lower())
        elif order == "unread":
            lst.sort(key=lambda k: -w.subscription_dates()[k])
        elif order != "relevance":
            raise ApiError(400, "invalidParameter",
                           "Invalid value for order: %s" % order,
                           domain="global", location="order")
        start, end, extras = self._page(len(lst), mr, p)
        items = [self.subscription_resource(k, parts)
                 for k in lst[start:end]]
        return self._envelope(kind, items, len(lst), mr, extras)

    # ---------------------------------------------------------- activities
    def list_activities(self, p, parts, mr, principal):
        w = self.w
        f = self._filters(p, ("channelId", "home", "mine"))
        kind = "youtube#activityListResponse"
        if f == "home":
            raise ApiError(400, "homeParameterDeprecated",
                           "This parameter is deprecated.",
                           location="home")
        if f == "mine":
            if not self._bool(p, "mine"):
                raise ApiError(400, "missingRequiredParameter",
                               "No filter selected.")
            self._need_oauth(principal)
            c = 0
        else:
            c = self._resolve_channel(p["channelId"])
        lo, hi = w.channel_video_range(c)
        after = self._time(p, "publishedAfter")
        before = self._time(p, "publishedBefore")
        vids = [i for i in range(hi - 1, lo - 1, -1)
                if (after is None or w.video(i)["published"] >= after) and
                (before is None or w.video(i)["published"] < before)]
        start, end, extras = self._page(len(vids), mr, p)
        items = []
        ch = w.channel(c)
        for i in vids[start:end]:
            v = w.video(i)
            # like Google's: base64 of a 25-digit decimal string
            digits = "%013d%012d" % (v["published"] * 1000, i * 7919 + c)
            item = {"kind": "youtube#activity", "etag": None,
                    "id": base64.b64encode(digits.encode()).decode()}
            if "snippet" in parts:
                item["snippet"] = {
                    "publishedAt": W.rfc3339(v["published"]),
                    "channelId": w.channel_id(c), "title": v["title"],
                    "description": v["description"],
                    "thumbnails": thumbs("https://i.ytimg.com/vi/" + v["id"],
                                         ALL_THUMBS),
                    "channelTitle": ch["title"], "type": "upload"}
            if "contentDetails" in parts:
                item["contentDetails"] = {"upload": {"videoId": v["id"]}}
            item["etag"] = etag_of(item)
            items.append(item)
        return self._envelope(kind, items, len(vids), mr, extras)

    @staticmethod
    def _time(p, k):
        if not p.get(k):
            return None
        s = p[k].strip()
        m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?"
                     r"(Z|[+-]\d\d:\d\d)$", s)
        if not m:
            raise ApiError(400, "invalidParameter",
                           "Invalid value '%s'. Expected an RFC 3339 "
                           "date-time (e.g. 2024-01-01T00:00:00Z)." % s,
                           domain="global", location=k)
        import calendar
        y, mo, d, hh, mi, ss = (int(m.group(i)) for i in range(1, 7))
        try:
            ts = calendar.timegm((y, mo, d, hh, mi, ss, 0, 0, 0))
            time.gmtime(ts)
        except (ValueError, OverflowError):
            raise ApiError(400, "invalidParameter", "Invalid value '%s'." % s,
                           domain="global", location=k)
        tz = m.group(8)
        if tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            ts -= sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60)
        return ts

    # ---------------------------------------------------------- search
    def list_search(self, p, parts, mr, principal):
        w = self.w
        kind = "youtube#searchListResponse"
        if p.get("forMine") or p.get("forContentOwner") or \
                p.get("forDeveloper"):
            if self._bool(p, "forMine") if "forMine" in p else False:
                self._need_oauth(principal)
        types = [t.strip() for t in p.get("type", "video,channel,playlist")
                 .split(",") if t.strip()]
        for t in types:
            if t not in ("video", "channel", "playlist"):
                raise ApiError(400, "invalidSearchFilter",
                               "The request contains an invalid search "
                               "filter and/or restriction.",
                               location="type")
        order = p.get("order", "relevance")
        if order not in ("date", "rating", "relevance", "title",
                         "videoCount", "viewCount"):
            raise ApiError(400, "invalidParameter",
                           "Invalid value for order: %s" % order,
                           domain="global", location="order")
        after = self._time(p, "publishedAfter")
        before = self._time(p, "publishedBefore")
        video_only = ("videoCategoryId", "videoDuration", "videoDefinition",
                      "eventType", "videoCaption", "videoLicense",
                      "videoEmbeddable", "videoType", "videoDimension",
                      "videoSyndicated", "videoPaidProductPlacement")
        if any(k in p for k in video_only) and types != ["video"]:
            raise ApiError(400, "invalidSearchFilter",
                           "The request contains an invalid search filter "
                           "and/or restriction. Note that you must set the "
                           "<code>type</code> parameter to <code>video</code>"
                           " if you set a value for the <code>eventType</code>"
                           ", <code>videoCaption</code>, ... parameters.",
                           location="type")
        if p.get("eventType") in ("live", "upcoming"):
            matches, estimate = [], None
        else:
            matches, estimate = self._search_matches(p, types, after,
                                                     before)
        if p.get("forMine") == "true":
            matches = [m for m in matches if m[0] == "video" and
                       w.video(m[1])["channel"] == 0]
        keyf = {
            "date": lambda m: -m[2],
            "viewCount": lambda m: -m[3],
            "rating": lambda m: -m[4],
            "title": lambda m: m[5].lower(),
            "videoCount": lambda m: -m[3],
            "relevance": lambda m: -m[6],
        }[order]
        matches.sort(key=lambda m: (keyf(m), m[0], m[1]))
        total = len(matches)
        start, end, extras = self._page(total, mr, p, cap=SEARCH_CAP)
        items = [self._search_item(m, parts) for m in matches[start:end]]
        region = p.get("regionCode", "US").upper()
        extras["regionCode"] = region if region in self.region_set else "US"
        # Google's totalResults is an estimate capped at 1,000,000: exact
        # here when the search looked at everything, else extrapolated
        reported = min(1000000, total if estimate is None else estimate)
        return self._envelope(kind, items, reported, mr, extras)

    def _search_matches(self, p, types, after, before):
        """-> (matches, estimated total or None when exhaustive)"""
        w = self.w
        q = p.get("q", "").strip().lower()
        ors = []  # list of alternatives, each a (must, mustnot) pair
        for alt in q.split("|") if q else [""]:
            must, mustnot = [], []
            for tok in alt.split():
                tok = tok.strip('"')
                if tok.startswith("-") and len(tok) > 1:
                    mustnot.append(tok[1:])
                elif tok:
                    must.append(tok)
            ors.append((must, mustnot))

        def match(text):
            text = text.lower()
            for must, mustnot in ors:
                if all(t in text for t in must) and not any(
                        t in text for t in mustnot):
                    return sum(text.count(t) for t in must) + 1
            return 0

        if p.get("channelId"):
            c = w.channel_index(p["channelId"])
            if c is None:
                return [], None
            chans = [c]
        else:
            chans = None
        estimate = None
        dur = p.get("videoDuration", "any")
        cat = p.get("videoCategoryId")
        defin = p.get("videoDefinition", "any")
        out = []
        if "video" in types:
            if chans:
                rng = range(*w.channel_video_range(chans[0]))
            else:
                rng = _Stride(w.n_videos, w.seed)
            found = generated = 0
            for scanned, i in enumerate(rng, 1):
                if not chans and (found >= SEARCH_SCAN_CAP or
                                  generated >= SEARCH_VISIT_CAP):
                    # like the real index, a broad search does not look at
                    # everything: estimate the total from the sample
                    estimate = int(found * w.n_videos / (scanned - 1))
                    break
                if after is not None or before is not None:
                    lo, hi = w.video_time_bounds(i)
                    if (after is not None and hi < after) or (
                            before is not None and lo >= before):
                        continue
                generated += 1
                v = w.video(i)
                if after is not None and v["published"] < after:
                    continue
                if before is not None and v["published"] >= before:
                    continue
                if cat and v["category"] != cat:
                    continue
                if dur == "short" and v["duration"] >= 240:
                    continue
                if dur == "medium" and not 240 <= v["duration"] <= 1200:
                    continue
                if dur == "long" and v["duration"] <= 1200:
                    continue
                if defin in ("high", "standard") and (
                        (v["definition"] == "hd") != (defin == "high")):
                    continue
                score = match(v["title"] + " " + v["description"]) if q \
                    else 1
                if not score:
                    continue
                rel = score * (1 + v["views"]) ** 0.5
                found += 1
                out.append(("video", i, v["published"], v["views"],
                            v["likes"], v["title"], rel))
        if "channel" in types:
            for c in (chans or range(w.n_channels)):
                ch = w.channel(c)
                pub = ch["start"] - 86400 * 30
                if (after is not None and pub < after) or (
                        before is not None and pub >= before):
                    continue
                score = match(ch["title"] + " " + ch["description"]) if q \
                    else 1
                if score:
                    out.append(("channel", c, pub, ch["views"], 0,
                                ch["title"], score * (1 + ch["subscribers"])
                                ** 0.5))
        if "playlist" in types:
            pls = []
            for c in (chans or range(w.n_channels)):
                pls.extend(w.channel_playlists(c))
            for x in pls:
                pl = w.playlist(x)
                if pl["privacy"] != "public":
                    continue
                if (after is not None and pl["published"] < after) or (
                        before is not None and pl["published"] >= before):
                    continue
                score = match(pl["title"]) if q else 1
                if score:
                    out.append(("playlist", x, pl["published"], 0, 0,
                                pl["title"], score))
        if estimate is not None:  # sampled videos + exact channels/playlists
            estimate += sum(1 for m in out if m[0] != "video")
        return out, estimate

    def _search_item(self, m, parts):
        w = self.w
        typ, idx = m[0], m[1]
        item = {"kind": "youtube#searchResult", "etag": None}
        esc = lambda s: html.escape(s, quote=True).replace("&#x27;", "&#39;")  # noqa: E731
        if typ == "video":
            v = w.video(idx)
            item["id"] = {"kind": "youtube#video", "videoId": v["id"]}
            sn = dict(publishedAt=W.rfc3339(v["published"]),
                      channelId=w.channel_id(v["channel"]),
                      title=esc(v["title"]),
                      description=esc(v["description"][:160]),
                      thumbnails=thumbs("https://i.ytimg.com/vi/" + v["id"],
                                        ALL_THUMBS[:3]),
                      channelTitle=esc(w.channel(v["channel"])["title"]),
                      liveBroadcastContent="none")
        elif typ == "channel":
            ch = w.channel(idx)
            item["id"] = {"kind": "youtube#channel",
                          "channelId": w.channel_id(idx)}
            sn = dict(publishedAt=W.rfc3339(ch["start"] - 86400 * 30),
                      channelId=w.channel_id(idx), title=esc(ch["title"]),
                      description=esc(ch["description"][:160]),
                      thumbnails=avatar_thumbs(ch["avatar"]),
                      channelTitle=esc(ch["title"]),
                      liveBroadcastContent="none")
        else:
            pl = w.playlist(idx)
            item["id"] = {"kind": "youtube#playlist", "playlistId": pl["id"]}
            sn = dict(publishedAt=W.rfc3339(pl["published"]),
                      channelId=w.channel_id(pl["channel"]),
                      title=esc(pl["title"]),
                      description=esc(pl["description"]),
                      thumbnails=thumbs("https://i.ytimg.com/vi/x",
                                        ALL_THUMBS[:3]),
                      channelTitle=esc(w.channel(pl["channel"])["title"]),
                      liveBroadcastContent="none")
        if "snippet" in parts:
            item["snippet"] = sn
        item["etag"] = etag_of(item)
        return item

    # ---------------------------------------------------------- categories
    def list_videoCategories(self, p, parts, mr, principal):
        kind = "youtube#videoCategoryListResponse"
        if "id" in p and "regionCode" in p:
            raise ApiError(400, "incompatibleParameters",
                           "Incompatible parameters specified in the "
                           "request: id, regionCode")
        if p.get("id"):
            ids = self._ids(p, "id")
            cats = [c for c in W.CATEGORIES if c[0] in ids]
        elif p.get("regionCode"):
            region = p["regionCode"].upper()
            if region not in self.region_set:
                raise ApiError(400, "invalidRegionCode",
                               "The <code>regionCode</code> parameter "
                               "specifies an invalid region code.",
                               location="regionCode")
            miss = W.REGION_MISSING_CATEGORIES.get(region, set())
            cats = [c for c in W.CATEGORIES if c[0] not in miss]
        else:
            raise ApiError(400, "missingRequiredParameter",
                           "No filter selected. Expected one of: id, "
                           "regionCode")
        items = []
        for cid, title, assignable in cats:
            item = {"kind": "youtube#videoCategory", "etag": None, "id": cid}
            if "snippet" in parts:
                item["snippet"] = {"title": title, "assignable": assignable,
                                   "channelId": W.CATEGORY_CHANNEL}
            item["etag"] = etag_of(item)
            items.append(item)
        return {"kind": kind, "items": items}

    def list_i18nRegions(self, p, parts, mr, principal):
        items = []
        for gl, name in W.REGIONS:
            item = {"kind": "youtube#i18nRegion", "etag": None, "id": gl}
            if "snippet" in parts:
                item["snippet"] = {"gl": gl, "name": name}
            item["etag"] = etag_of(item)
            items.append(item)
        return {"kind": "youtube#i18nRegionListResponse", "items": items}

    def list_i18nLanguages(self, p, parts, mr, principal):
        items = []
        for hl, name in W.LANGUAGES:
            item = {"kind": "youtube#i18nLanguage", "etag": None, "id": hl}
            if "snippet" in parts:
                item["snippet"] = {"hl": hl, "name": name}
            item["etag"] = etag_of(item)
            items.append(item)
        return {"kind": "youtube#i18nLanguageListResponse", "items": items}


# -- partial responses: fields=items(id,snippet(title,thumbnails/default)) ---

def parse_fields(text):
    """Google's `fields` syntax -> tree {name: subtree or None}."""
    pos = 0

    def fail():
        raise ApiError(400, "invalidParameter",
                       "Invalid field selection %s" % text, domain="global",
                       location="fields")

    def parse_list(depth):
        nonlocal pos
        tree = {}
        while True:
            start = pos
            while pos < len(text) and (text[pos].isalnum() or
                                       text[pos] in "_*/-."):
                pos += 1
            path = text[start:pos].strip()
            if not path or path.startswith("/") or path.endswith("/") or \
                    "//" in path:
                fail()
            sub = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list(depth + 1)
                if pos >= len(text) or text[pos] != ")":
                    fail()
                pos += 1
            node = tree
            names = path.split("/")
            for n in names[:-1]:
                nxt = node.get(n, {})
                if nxt is None:  # already whole
                    break
                node[n] = nxt
                node = nxt
            else:
                last = names[-1]
                if last in node and node[last] is not None and sub:
                    node[last].update(sub)
                elif last not in node or sub is None:
                    node[last] = sub
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if depth and pos < len(text) and text[pos] == ")":
                return tree
            if not depth and pos == len(text):
                return tree
            fail()

    return parse_list(0)


def apply_fields(value, tree):
    if tree is None:
        return value
    if isinstance(value, list):
        return [apply_fields(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if k in tree:
            out[k] = apply_fields(v, tree[k])
        elif "*" in tree:
            out[k] = apply_fields(v, tree["*"])
    return out


class _Stride:
    """0..n-1 in a fixed scattered order (a stride coprime with n)."""

    def __init__(self, n, seed):
        import math as _m
        self.n = n
        step = 7919 + 2 * (seed % 1000)
        while _m.gcd(step, n) != 1:
            step += 1
        self.step = step % n or 1
        self.start = (seed * 2654435761) % n if n else 0

    def __iter__(self):
        i = self.start
        for _ in range(self.n):
            yield i
            i += self.step
            if i >= self.n:
                i -= self.n


class _Seq:
    """Lazy sequence of n computed elements."""

    def __init__(self, n, fn):
        self.n, self.fn = n, fn

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.fn(i)

    def __iter__(self):
        return (self.fn(i) for i in range(self.n))


class _ChannelThreads:
    """All comment threads on a channel's videos, newest video first."""

    def __init__(self, w, c):
        lo, hi = w.channel_video_range(c)
        self.w = w
        self.vids = [i for i in range(hi - 1, lo - 1, -1)
                     if w.video(i)["threads"] > 0]
        self.cum = []
        acc = 0
        for i in self.vids:
            self.cum.append(acc)
            acc += w.video(i)["threads"]
        self.n = acc

    def __len__(self):
        return self.n

    def __getitem__(self, k):
        import bisect
        if not 0 <= k < self.n:
            raise IndexError(k)
        pos = bisect.bisect_right(self.cum, k) - 1
        return self.vids[pos], k - self.cum[pos]

    def __iter__(self):
        return (self[k] for k in range(self.n))
