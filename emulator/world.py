"""Deterministic synthetic YouTube world, generated lazily from a seed.

Nothing is materialised up front except a small table of channels (a few
hundred to a few thousand rows), so even the 100,000-video world starts in
milliseconds.  Every video, comment thread and reply is computed on demand
from (seed, kind, index) and cached.

Layout (global indices):
  channel 0            the authorised user ("me")
  channels 1..S        channels the user subscribes to
  channels S+1..S+O    other public channels (the trending-chart pool)
  videos               per channel a contiguous index range, oldest first

Ids (video, channel, playlist, comment thread, reply) encode their index
through a keyed 64-bit Feistel permutation, so they look random, are stable
for a seed, and decode back without any lookup table.
"""
import base64
import bisect
import functools
import hashlib
import math
import random
import struct
import threading

# ---------------------------------------------------------------------------
# constants

EPOCH_END = 1793318400  # 2026-10-30T00:00:00Z: the world's "now" (fixed)
DAY = 86400

SIZES = {
    # total videos, my uploads, subscriptions, threads on the big video
    "small": dict(videos=3000, uploads=300, subscriptions=60, big_threads=150),
    "medium": dict(videos=20000, uploads=1000, subscriptions=150,
                   big_threads=1000),
    "large": dict(videos=100000, uploads=5000, subscriptions=500,
                  big_threads=10000),
}

CATEGORIES = [
    # id, title, assignable
    ("1", "Film & Animation", True), ("2", "Autos & Vehicles", True),
    ("10", "Music", True), ("15", "Pets & Animals", True),
    ("17", "Sports", True), ("18", "Short Movies", False),
    ("19", "Travel & Events", True), ("20", "Gaming", True),
    ("21", "Videoblogging", False), ("22", "People & Blogs", True),
    ("23", "Comedy", True), ("24", "Entertainment", True),
    ("25", "News & Politics", True), ("26", "Howto & Style", True),
    ("27", "Education", True), ("28", "Science & Technology", True),
    ("29", "Nonprofits & Activism", True), ("30", "Movies", False),
    ("31", "Anime/Animation", False), ("32", "Action/Adventure", False),
    ("33", "Classics", False), ("34", "Comedy", False),
    ("35", "Documentary", False), ("36", "Drama", False),
    ("37", "Family", False), ("38", "Foreign", False),
    ("39", "Horror", False), ("40", "Sci-Fi/Fantasy", False),
    ("41", "Thriller", False), ("42", "Shorts", False),
    ("43", "Shows", False), ("44", "Trailers", False),
]
ASSIGNABLE = [c[0] for c in CATEGORIES if c[2]]
# Regions whose category list lacks some entries (as the real lists differ).
REGION_MISSING_CATEGORIES = {"JP": {"29"}, "IN": {"18"}, "BR": {"21"}}
CATEGORY_CHANNEL = "UCBR8-60-B28hp2BmDPdntcQ"  # YouTube's own channel id

REGIONS = [
    ("AE", "United Arab Emirates"), ("AR", "Argentina"), ("AT", "Austria"),
    ("AU", "Australia"), ("BE", "Belgium"), ("BR", "Brazil"),
    ("CA", "Canada"), ("CH", "Switzerland"), ("CL", "Chile"),
    ("CO", "Colombia"), ("CZ", "Czechia"), ("DE", "Germany"),
    ("DK", "Denmark"), ("EG", "Egypt"), ("ES", "Spain"), ("FI", "Finland"),
    ("FR", "France"), ("GB", "United Kingdom"), ("GR", "Greece"),
    ("HK", "Hong Kong"), ("HU", "Hungary"), ("ID", "Indonesia"),
    ("IE", "Ireland"), ("IL", "Israel"), ("IN", "India"), ("IT", "Italy"),
    ("JP", "Japan"), ("KR", "South Korea"), ("MX", "Mexico"),
    ("MY", "Malaysia"), ("NG", "Nigeria"), ("NL", "Netherlands"),
    ("NO", "Norway"), ("NZ", "New Zealand"), ("PE", "Peru"),
    ("PH", "Philippines"), ("PK", "Pakistan"), ("PL", "Poland"),
    ("PT", "Portugal"), ("RO", "Romania"), ("SA", "Saudi Arabia"),
    ("SE", "Sweden"), ("SG", "Singapore"), ("TH", "Thailand"),
    ("TR", "Turkey"), ("TW", "Taiwan"), ("UA", "Ukraine"),
    ("US", "United States"), ("VN", "Vietnam"), ("ZA", "South Africa"),
]
REGION_CODES = {r[0] for r in REGIONS}

LANGUAGES = [
    ("af", "Afrikaans"), ("ar", "Arabic"), ("bg", "Bulgarian"),
    ("bn", "Bangla"), ("ca", "Catalan"), ("cs", "Czech"), ("da", "Danish"),
    ("de", "German"), ("el", "Greek"), ("en", "English"),
    ("en-GB", "English (United Kingdom)"), ("es", "Spanish"),
    ("es-419", "Spanish (Latin America)"), ("fa", "Persian"),
    ("fi", "Finnish"), ("fil", "Filipino"), ("fr", "French"),
    ("he", "Hebrew"), ("hi", "Hindi"), ("hu", "Hungarian"),
    ("id", "Indonesian"), ("it", "Italian"), ("ja", "Japanese"),
    ("ko", "Korean"), ("ms", "Malay"), ("nl", "Dutch"), ("no", "Norwegian"),
    ("pl", "Polish"), ("pt", "Portuguese (Brazil)"),
    ("pt-PT", "Portuguese (Portugal)"), ("ro", "Romanian"),
    ("ru", "Russian"), ("sv", "Swedish"), ("sw", "Swahili"), ("ta", "Tamil"),
    ("th", "Thai"), ("tr", "Turkish"), ("uk", "Ukrainian"), ("ur", "Urdu"),
    ("vi", "Vietnamese"), ("zh-CN", "Chinese"),
    ("zh-TW", "Chinese (Taiwan)"), ("zu", "Zulu"),
]

WORDS = ("quick guide review unboxing tutorial vlog live session recap "
         "deep dive explained first look behind the scenes highlights "
         "challenge travel diary recipe build test comparison setup tips "
         "tricks myths history science ocean mountain city night coffee "
         "kitchen garden bike camera synth piano guitar drums chess rocket "
         "robot data notebook python sqlite kernel weather rain storm sunset "
         "winter summer autumn spring market street festival").split()
UNICODE_BITS = ["🎉", "🚀", "🔥", "✨", "🎸", "📊", "café", "naïve", "Ωmega",
                "東京の夜", "ありがとう", "서울", "مرحبا", "שלום עולם",
                "Ünïcödé", "Zürich", "São Paulo", "Ελλάδα", "Москва", "日本語"]
NAMES = ("Ada Alan Grace Linus Margaret Guido Barbara Ken Dennis Radia "
         "Frances Edsger Donald Hedy Katherine Tim Vint Shafi Yukihiro "
         "Rasmus Anders Bjarne Brian Sophie Mira Noor Aiko Kenji Priya "
         "Ravi Lucia Mateo Chloé Zoë Oğuz Łukasz Søren Maël").split()
COMMENT_TEXTS = [
    "Great video, thanks!", "This helped me a lot.", "First!",
    "Can you do a follow-up on this?", "I disagree with the part at 3:15.",
    "Loved it 😍", "Merci beaucoup !", "素晴らしい動画です",
    "شكرا جزيلا على الفيديو", "תודה רבה!", "The audio is a bit low.",
    "Where can I find the notebook? https://example.com/notebook",
    "Cats & dogs <3", "Is this <script>alert(1)</script> safe?",
    "Price went from $5 and $10 to $50?!", "Line one\nLine two",
    "\"Quoted\" and 'single' quotes", "👍👍👍",
]
SPECIAL_TITLES = [
    "<script>alert('xss')</script> & other HTML in titles",
    "Budget picks: $5 and $10 gadgets",
    "مرحبا بالعالم — right-to-left title",
    "🎉 Emoji party 🚀🔥 2026",
    "Tom & Jerry & <b>bold</b> \"quotes\"",
    "שלום עולם: Hebrew RTL title",
    "東京の夜 — Tokyo at night 🌃",
]

B64 = base64.urlsafe_b64encode


def b64(raw):
    return B64(raw).decode("ascii").rstrip("=")


def unb64(text):
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def rfc3339(ts):
    """Seconds since the epoch -> 2019-03-21T20:37:49Z (Google's form)."""
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ts)))


def iso_duration(seconds):
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    out = "PT"
    if h:
        out += "%dH" % h
    if m:
        out += "%dM" % m
    if s or out == "PT":
        out += "%dS" % s
    return out


def three_sig(n):
    """Google rounds public subscriber counts to three significant digits."""
    if n < 1000:
        return n
    digits = int(math.log10(n)) + 1
    q = 10 ** (digits - 3)
    return (n // q) * q


M32 = 0xFFFFFFFF


def _mix32(x):
    """A 32-bit integer finaliser (murmur3 fmix32)."""
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & M32
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & M32
    return x ^ (x >> 16)


class Codec:
    """Keyed 64-bit Feistel permutation: ints <-> random-looking bytes."""

    def __init__(self, seed):
        self.keys = [struct.unpack(">I", hashlib.blake2b(
            b"%d:round:%d" % (seed, i), digest_size=4).digest())[0]
            for i in range(4)]

    def enc(self, value):
        left, right = value >> 32, value & M32
        for k in self.keys:
            left, right = right, left ^ _mix32(right ^ k)
        return struct.pack(">II", left, right)

    def dec(self, raw):
        left, right = struct.unpack(">II", raw)
        for k in reversed(self.keys):
            left, right = right ^ _mix32(left ^ k), left
        return (left << 32) | right


# tags keep the id spaces apart (a video id never decodes as a channel id)
TAG_VIDEO, TAG_CHANNEL, TAG_PLAYLIST, TAG_THREAD, TAG_REPLY = 0xA1, 0xB2, \
    0xC3, 0xD4, 0xE5


class World:
    def __init__(self, seed=1, size="small", uploads=None, subscriptions=None,
                 big_threads=None):
        self.seed = int(seed)
        self.lock = threading.Lock()
        if isinstance(size, str) and size in SIZES:
            p = dict(SIZES[size])
        else:
            total = int(size)
            if total < 200:
                raise ValueError("size must be small, medium, large or a "
                                 "number of videos >= 200")
            p = dict(videos=total,
                     uploads=max(100, min(5000, total // 20)),
                     subscriptions=60 if total < 20000 else
                     (150 if total < 100000 else 500),
                     big_threads=max(100, min(10000, total // 10)))
        if uploads is not None:
            p["uploads"] = int(uploads)
        if subscriptions is not None:
            p["subscriptions"] = int(subscriptions)
        if big_threads is not None:
            p["big_threads"] = int(big_threads)
        p["videos"] = max(p["videos"], p["uploads"] + 2 * (
            p["subscriptions"] + 40))
        self.params = p
        self.codec = Codec(self.seed)
        self._build_channels()

    # -- rng -------------------------------------------------------------
    def rng(self, *key):
        return random.Random("%d|%s" % (self.seed, "|".join(map(str, key))))

    # -- ids -------------------------------------------------------------
    def _check(self, tag, value, n):
        return hashlib.blake2b(b"%d:%d:%d" % (self.seed, tag, value),
                               digest_size=n).digest()

    def _enc(self, tag, value, extra):
        raw = self.codec.enc((value << 8) | tag)
        return raw + self._check(tag, value, extra) if extra else raw

    def _dec(self, tag, raw, extra):
        if len(raw) != 8 + extra:
            return None
        v = self.codec.dec(raw[:8])
        if v & 0xFF != tag:
            return None
        value = v >> 8
        if extra and raw[8:] != self._check(tag, value, extra):
            return None
        return value

    def video_id(self, idx):
        return b64(self._enc(TAG_VIDEO, idx, 0))

    def video_index(self, vid):
        if not isinstance(vid, str) or len(vid) != 11:
            return None
        try:
            idx = self._dec(TAG_VIDEO, unb64(vid), 0)
        except (ValueError, TypeError):
            return None
        if idx is None or idx >= self.n_videos or self.video_id(idx) != vid:
            return None
        return idx

    def channel_id(self, c):
        return "UC" + b64(self._enc(TAG_CHANNEL, c, 8))

    def channel_index(self, cid):
        if not isinstance(cid, str) or len(cid) != 24 or cid[:2] not in (
                "UC", "UU"):
            return None
        try:
            c = self._dec(TAG_CHANNEL, unb64(cid[2:]), 8)
        except (ValueError, TypeError):
            return None
        if c is None or c >= self.n_channels or self.channel_id(c)[2:] != \
                cid[2:]:
            return None
        return c

    def uploads_playlist_id(self, c):
        return "UU" + self.channel_id(c)[2:]

    def playlist_id(self, p):
        return "PL" + b64(self._enc(TAG_PLAYLIST, p, 16))

    def playlist_index(self, pid):
        if not isinstance(pid, str) or len(pid) != 34 or not \
                pid.startswith("PL"):
            return None
        try:
            p = self._dec(TAG_PLAYLIST, unb64(pid[2:]), 16)
        except (ValueError, TypeError):
            return None
        if p is None or p >= self.n_playlists or self.playlist_id(p) != pid:
            return None
        return p

    def thread_id(self, v, t):
        # like Google's: "Ug" + one of w/x/y/z + 16 chars + "4AaABAg"
        return "Ug" + "wxyz"[(v + t) % 4] + b64(self._enc(
            TAG_THREAD, (v << 24) | t, 4)) + "4AaABAg"

    def thread_index(self, tid):
        if not isinstance(tid, str) or len(tid) != 26 or not \
                tid.startswith("Ug") or not tid.endswith("4AaABAg"):
            return None
        try:
            val = self._dec(TAG_THREAD, unb64(tid[3:19]), 4)
        except (ValueError, TypeError):
            return None
        if val is None or tid[2] != "wxyz"[((val >> 24) + (val & 0xFFFFFF))
                                          % 4]:
            return None
        v, t = val >> 24, val & 0xFFFFFF
        if v >= self.n_videos or t >= self.video(v)["threads"]:
            return None
        return v, t

    def reply_id(self, v, t, j):
        return self.thread_id(v, t) + "." + b64(
            self._enc(TAG_REPLY, (v << 24 | t) << 12 | j, 8))

    def reply_index(self, rid):
        if not isinstance(rid, str) or "." not in rid:
            return None
        tid, _, rest = rid.partition(".")
        vt = self.thread_index(tid)
        if vt is None:
            return None
        try:
            val = self._dec(TAG_REPLY, unb64(rest), 8)
        except (ValueError, TypeError):
            return None
        if val is None or (val >> 12) != (vt[0] << 24 | vt[1]):
            return None
        j = val & 0xFFF
        if j >= self.thread(vt[0], vt[1])["replies"]:
            return None
        return vt[0], vt[1], j

    # -- channels ----------------------------------------------------------
    def _build_channels(self):
        p = self.params
        S = p["subscriptions"]
        remaining = p["videos"] - p["uploads"]
        O = max(40, remaining // 60 - S)
        self.n_subs = S
        self.n_channels = 1 + S + O
        r = self.rng("channels")
        weights = [r.paretovariate(1.3) for _ in range(S + O)]
        tot = sum(weights)
        counts = [max(1, int(w / tot * remaining)) for w in weights]
        # fix the total exactly: adjust the largest channel
        diff = remaining - sum(counts)
        big = max(range(len(counts)), key=counts.__getitem__)
        counts[big] = max(1, counts[big] + diff)
        self.counts = [p["uploads"]] + counts
        self.starts = []
        acc = 0
        for n in self.counts:
            self.starts.append(acc)
            acc += n
        self.n_videos = acc
        # playlists: my channel has 12, others 0..3
        self.pl_starts = []
        self.pl_counts = []
        acc = 0
        for c in range(self.n_channels):
            n = 12 if c == 0 else r.randint(0, 3)
            self.pl_starts.append(acc)
            self.pl_counts.append(n)
            acc += n
        self.n_playlists = acc
        # special videos on my channel (offsets from my newest upload)
        n = p["uploads"]
        self.me_big = n - 3          # many comment threads
        self.me_replies = n - 2      # threads with more than 5 replies
        self.me_disabled = n - 4     # comments disabled
        self.me_hidden = n - 5       # hidden like count
        self.special_titles = {n - 1 - 5 - i: t
                               for i, t in enumerate(SPECIAL_TITLES)}

    def channel_of_video(self, idx):
        return bisect.bisect_right(self.starts, idx) - 1

    @functools.lru_cache(maxsize=None)
    def channel(self, c):
        r = self.rng("ch", c)
        if c == 0:
            title = "Ytk Demo Lab 📊"
            handle = "@ytkdemolab"
            username = "ytkdemolab"
            start = EPOCH_END - int(7.5 * 365 * DAY)
            subs = 12400 + r.randint(0, 500)
            category = "28"
            country = "US"
        else:
            w1, w2 = r.choice(WORDS), r.choice(WORDS)
            title = "%s %s %s" % (r.choice(NAMES), w1.title(), w2.title())
            if r.random() < 0.15:
                title += " " + r.choice(UNICODE_BITS)
            handle = "@%s%s%d" % (w1, w2, c)
            username = ("%s%s%d" % (w1, w2, c)) if r.random() < 0.4 else None
            if c <= self.n_subs:
                start = EPOCH_END - int(r.uniform(1.5, 17) * 365 * DAY)
            else:  # chart pool: mostly recent channels
                start = EPOCH_END - int(r.uniform(0.6, 4) * 365 * DAY)
            # heavy-tailed subscriber counts (a few giants, many small)
            subs = int(min(3e8, 200 * r.paretovariate(0.55)))
            category = r.choice(ASSIGNABLE)
            country = r.choice(["US", "GB", "JP", "IN", "BR", "DE", "FR",
                                "KR", None])
        views_per_sub = r.lognormvariate(math.log(180), 0.8)
        return dict(
            index=c, title=title, handle=handle, username=username,
            start=start, end=EPOCH_END - r.randint(1, 20) * DAY,
            subscribers=subs, hidden_subs=(c > 0 and r.random() < 0.05),
            views=int(subs * views_per_sub) + r.randint(0, 999),
            category=category, country=country,
            description="Channel of %s. Videos about %s and %s." % (
                title, r.choice(WORDS), r.choice(WORDS)),
            avatar="https://yt3.ggpht.com/ytc/emulated-%d" % c,
        )

    # -- videos ------------------------------------------------------------
    @functools.lru_cache(maxsize=250000)
    def video(self, idx):
        c = self.channel_of_video(idx)
        ch = self.channel(c)
        j = idx - self.starts[c]
        n = self.counts[c]
        r = self.rng("v", idx)
        span = ch["end"] - ch["start"]
        published = ch["start"] + int(span * (j + 0.9 * r.random()) / n)
        category = ch["category"] if r.random() < 0.8 else \
            r.choice(ASSIGNABLE)
        if c == 0 and j in self.special_titles:
            title = self.special_titles[j]
        else:
            ws = [r.choice(WORDS) for _ in range(r.randint(2, 5))]
            title = " ".join(ws).capitalize()
            if r.random() < 0.3:
                title += " #%d" % (j + 1)
            if r.random() < 0.12:
                title = r.choice(UNICODE_BITS) + " " + title
            if r.random() < 0.02:
                title += " & more"
        kind = r.random()
        if kind < 0.15:
            duration = r.randint(8, 60)            # shorts
        elif kind < 0.9:
            duration = r.randint(90, 1500)
        else:
            duration = r.randint(1500, 4 * 3600)
        age_days = max(1.0, (EPOCH_END - published) / DAY)
        base = (ch["subscribers"] + 50) * r.lognormvariate(-0.5, 1.2)
        views = int(base * min(1.0, 0.05 + age_days / 90.0)) + r.randint(
            0, 40)
        likes = int(views * r.uniform(0.004, 0.06))
        hidden = r.random() < 0.05
        disabled = r.random() < 0.04
        if c == 0:
            threads = min(60, int(r.paretovariate(1.1) * 2) - 2)
        else:
            threads = min(25, int(r.paretovariate(1.3)) - 1)
        if c == 0 and j == self.me_big:
            threads = self.params["big_threads"]
            disabled = False
        elif c == 0 and j == self.me_replies:
            threads = max(threads, 12)
            disabled = False
        elif c == 0 and j == self.me_disabled:
            disabled = True
        elif c == 0 and j == self.me_hidden:
            hidden = True
        if disabled:
            threads = 0
        tags = sorted({r.choice(WORDS) for _ in range(r.randint(0, 6))})
        lang = "en" if r.random() < 0.7 else r.choice(["ja", "ar", "he",
                                                       "pt", "hi", "fr"])
        lang_set = r.random() < 0.6 or (c == 0 and j == self.me_replies)
        if c == 0 and j == self.me_replies and not tags:
            tags = ["notebook", "sqlite"]
        return dict(
            index=idx, id=self.video_id(idx), channel=c, pos=j,
            published=published, category=category, title=title,
            description="%s\n\nMore at https://example.com/v/%d — %s" % (
                title, idx, r.choice(WORDS)),
            tags=tags, duration=duration, views=views, likes=likes,
            hidden_likes=hidden, comments_disabled=disabled,
            threads=max(0, threads), lang=lang, lang_set=lang_set,
            definition="hd" if r.random() < 0.85 else "sd",
            caption=r.random() < 0.2, licensed=r.random() < 0.3,
            favorites=0,
        )

    def video_time_bounds(self, idx):
        """(earliest, latest) publish time video idx can have, without
        generating it (see video(): published is monotonic per channel)."""
        c = self.channel_of_video(idx)
        ch = self.channel(c)
        j = idx - self.starts[c]
        n = self.counts[c]
        span = ch["end"] - ch["start"]
        return (ch["start"] + int(span * j / n),
                ch["start"] + int(span * (j + 0.9) / n) + 1)

    def channel_video_range(self, c):
        return self.starts[c], self.starts[c] + self.counts[c]

    @functools.lru_cache(maxsize=250000)
    def comment_count(self, idx):
        # videos.list statistics needs this for every video: draw only the
        # reply counts, not whole threads (same random streams as thread())
        v = self.video(idx)
        total = v["threads"]
        for t in range(v["threads"]):
            total += self._thread_head(v, t)[2]
        return total

    # -- comments ------------------------------------------------------------
    def _thread_head(self, video, t):
        """(rng, first draw, replies) of thread t of video: the draws that
        come before the comment body, shared by thread() and
        comment_count()."""
        r = self.rng("t", video["index"], t)
        u = r.random()
        x = r.random()
        if x < 0.7:
            replies = 0
        elif x < 0.9:
            replies = r.randint(1, 3)
        elif x < 0.96:
            replies = r.randint(4, 5)
        else:
            replies = r.randint(6, 40)
        if video["channel"] == 0 and video["pos"] == self.me_replies:
            replies = {0: 12, 2: 7, 5: 23}.get(t, replies)
        return r, u, replies

    @functools.lru_cache(maxsize=100000)
    def thread(self, v, t):
        video = self.video(v)
        n = max(1, video["threads"])
        r, u, replies = self._thread_head(video, t)
        frac = ((t + u * 0.95) / n) ** 1.5  # 0 = newest
        published = EPOCH_END - int((EPOCH_END - video["published"] - 60) *
                                    frac) - 30
        return dict(v=v, t=t, published=published, replies=replies,
                    **self._comment_body(r))

    def _comment_body(self, r):
        author_n = r.randint(0, 10 ** 9)
        name = r.choice(NAMES)
        if r.random() < 0.3:
            name = "@" + name.lower() + str(author_n % 1000)
        raw = hashlib.blake2b(b"author%d:%d" % (self.seed, author_n),
                              digest_size=16).digest()
        return dict(text=r.choice(COMMENT_TEXTS), author=name,
                    author_channel="UC" + b64(raw),
                    likes=int(r.paretovariate(1.2)) - 1)

    @functools.lru_cache(maxsize=100000)
    def reply(self, v, t, j):
        th = self.thread(v, t)
        r = self.rng("r", v, t, j)
        gap = max(60, EPOCH_END - th["published"])
        published = th["published"] + int(gap * (j + r.random()) /
                                          (th["replies"] + 1) * 0.9) + 1
        return dict(v=v, t=t, j=j, published=published, **self._comment_body(r))

    # -- playlists -----------------------------------------------------------
    def playlist_owner(self, p):
        return bisect.bisect_right(self.pl_starts, p) - 1

    @functools.lru_cache(maxsize=None)
    def playlist(self, p):
        c = self.playlist_owner(p)
        k = p - self.pl_starts[c]
        r = self.rng("pl", p)
        lo, hi = self.channel_video_range(c)
        if c == 0 and k == 0:
            title, size = "Favourites 🎵 & more", 120  # > 2 pages of 50
        elif c == 0 and k == 1:
            title, size = "Empty playlist", 0
        elif c == 0 and k == 2:
            title, size = "Watch later-ish (mixed channels)", 37
        else:
            title = "%s %s" % (r.choice(WORDS).title(), r.choice(WORDS))
            size = r.randint(1, 40)
        items = []
        for i in range(size):
            if c == 0 and k == 2 and i in (4, 9):
                items.append(-1 if i == 4 else -2)  # deleted / private
            elif c == 0 and k == 2 and i % 3 == 1:
                items.append(r.randrange(0, self.n_videos))
            else:
                items.append(r.randrange(lo, hi))
        ch = self.channel(c)
        published = ch["start"] + int(r.random() * (ch["end"] - ch["start"]))
        return dict(index=p, id=self.playlist_id(p), channel=c, title=title,
                    description="Playlist %s" % title, items=items,
                    published=published,
                    privacy="private" if (c == 0 and k == 7) else "public")

    def unavailable_video_id(self, pid, pos):
        """Id of a deleted/private video in a playlist: it never decodes."""
        raw = hashlib.blake2b(("gone:%d:%s:%d" % (self.seed, pid, pos))
                              .encode(), digest_size=8).digest()
        vid = b64(raw)
        return vid if self.video_index(vid) is None else "0" + vid[1:]

    def channel_playlists(self, c):
        return list(range(self.pl_starts[c],
                          self.pl_starts[c] + self.pl_counts[c]))

    # -- subscriptions ---------------------------------------------------------
    @functools.lru_cache(maxsize=None)
    def subscription_dates(self):
        r = self.rng("subdates")
        me = self.channel(0)
        return [me["start"] + int(r.random() * (EPOCH_END - me["start"]))
                for _ in range(self.n_subs)]

    def subscription_id(self, k):
        raw = hashlib.blake2b(b"sub%d:%d" % (self.seed, k),
                              digest_size=28).digest()
        return b64(struct.pack(">I", k ^ 0x5A5A5A5A) + raw)  # 43 chars

    def subscription_index(self, sid):
        try:
            raw = unb64(sid)
        except (ValueError, TypeError):
            return None
        if len(raw) < 4:
            return None
        k = struct.unpack(">I", raw[:4])[0] ^ 0x5A5A5A5A
        if k >= self.n_subs or self.subscription_id(k) != sid:
            return None
        return k

    # -- charts ----------------------------------------------------------------
    @functools.lru_cache(maxsize=512)
    def chart(self, region, category=None):
        """Video indices of the mostPopular chart, most viewed first."""
        r = self.rng("chart", region)
        lo = self.starts[1]
        hi = self.n_videos
        missing = REGION_MISSING_CATEGORIES.get(region, set())
        cutoff = EPOCH_END - 400 * DAY
        seen = set()
        cands = []
        target = 1500
        attempts = 0
        while len(cands) < target and attempts < target * 12:
            attempts += 1
            idx = r.randrange(lo, hi)
            if idx in seen:
                continue
            seen.add(idx)
            v = self.video(idx)
            if v["published"] < cutoff or v["category"] in missing:
                continue
            cands.append(idx)
        if category is not None:
            cands = [i for i in cands if self.video(i)["category"] == category]
        cands.sort(key=lambda i: (-self.video(i)["views"], i))
        return tuple(cands[:200])

    # -- liked videos (myRating=like) -------------------------------------------
    @functools.lru_cache(maxsize=None)
    def liked(self):
        r = self.rng("liked")
        n = min(150, self.n_videos - self.counts[0])
        picks = r.sample(range(self.starts[1], self.n_videos), n)
        return tuple(picks)

    @functools.lru_cache(maxsize=None)
    def disliked(self):
        r = self.rng("disliked")
        picks = r.sample(range(self.starts[1], self.n_videos), 12)
        liked = set(self.liked())
        return tuple(p for p in picks if p not in liked)

    # -- summary ---------------------------------------------------------------
    def summary(self):
        me0 = self.starts[0]
        big = me0 + self.me_big
        rep = me0 + self.me_replies
        many = [t for t in range(self.video(rep)["threads"])
                if self.thread(rep, t)["replies"] > 5]
        return {
            "seed": self.seed,
            "my_channel_id": self.channel_id(0),
            "my_handle": self.channel(0)["handle"],
            "my_username": self.channel(0)["username"],
            "uploads_playlist_id": self.uploads_playlist_id(0),
            "my_playlist_ids": [self.playlist_id(p)
                                for p in self.channel_playlists(0)],
            # has a deleted (position 4) and a private (position 9) video
            "playlist_with_unavailable_videos": self.playlist_id(
                self.pl_starts[0] + 2),
            "video_with_many_replies": self.video_id(rep),
            "thread_with_many_replies": self.thread_id(rep, many[0]),
            "video_with_many_threads": self.video_id(big),
            "comments_disabled_video": self.video_id(me0 + self.me_disabled),
            "hidden_likes_video": self.video_id(me0 + self.me_hidden),
            "subscribed_channel_ids": None,  # filled by caller if wanted
            "counts": {
                "videos": self.n_videos,
                "channels": self.n_channels,
                "my_uploads": self.counts[0],
                "subscriptions": self.n_subs,
                "playlists": self.n_playlists,
                "my_playlists": self.pl_counts[0],
                "threads_on_big_video": self.video(big)["threads"],
            },
            "chart_regions": ["US", "GB", "JP", "IN", "BR"],
        }
