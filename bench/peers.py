"""The three fetch tasks written the way each peer library documents them.

W1 uploads:   my channel's uploads playlist, every item, then the videos with
              statistics (ids batched by 50, the API's maximum).
W2 subs:      my subscriptions, then the subscribed channels with statistics
              (ids batched by 50).
W3 comments:  every comment thread of one video (maxResults=100, replies
              part), then, for each thread whose totalReplyCount exceeds the
              replies returned inline, comments.list(parentId) to complete it.

google-api-python-client: `build("youtube", "v3", credentials=...)`,
`request = resource.list(...)` / `resource.list_next(request, response)`, as
in its "Pagination" guide, with `client_options.api_endpoint` pointed at the
emulator.  python-youtube: `pyyoutube.Api(access_token=...)` with its
`get_*` helpers and `count=None` ("retrieve all items"), as in its README,
with `Api.BASE_URL` pointed at the emulator.

Both run calls one after another, as their documentation shows; neither
stores anything (results stay in Python lists), so they pay nothing for
storage that ytkernel pays (SQLite upserts, request log).

Each task returns a dict of counts so the benchmark can check that every
client fetched the same data.
"""


# ---------------------------------------------------------------- google

def google_client(base_url, access_token):
    from google.oauth2.credentials import Credentials
    from googleapiclient.discovery import build
    return build("youtube", "v3", credentials=Credentials(token=access_token),
                 client_options={"api_endpoint": base_url.rstrip("/") + "/"},
                 static_discovery=True, cache_discovery=False)


def google_w1(yt, **_):
    ch = yt.channels().list(part="contentDetails", mine=True).execute()
    uploads = ch["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    ids = []
    req = yt.playlistItems().list(part="contentDetails", playlistId=uploads,
                                  maxResults=50)
    while req is not None:
        resp = req.execute()
        ids += [it["contentDetails"]["videoId"] for it in resp.get("items", [])]
        req = yt.playlistItems().list_next(req, resp)
    videos = []
    for i in range(0, len(ids), 50):
        resp = yt.videos().list(part="snippet,contentDetails,statistics",
                                id=",".join(ids[i:i + 50])).execute()
        videos += resp.get("items", [])
    return {"playlist_items": len(ids), "videos": len(videos)}


def google_w2(yt, **_):
    subs = []
    req = yt.subscriptions().list(part="snippet", mine=True, maxResults=50)
    while req is not None:
        resp = req.execute()
        subs += resp.get("items", [])
        req = yt.subscriptions().list_next(req, resp)
    ids = [s["snippet"]["resourceId"]["channelId"] for s in subs]
    channels = []
    for i in range(0, len(ids), 50):
        resp = yt.channels().list(part="snippet,statistics",
                                  id=",".join(ids[i:i + 50])).execute()
        channels += resp.get("items", [])
    return {"subscriptions": len(subs), "channels": len(channels)}


def google_w3(yt, video_id, **_):
    threads = []
    req = yt.commentThreads().list(part="snippet,replies", videoId=video_id,
                                   maxResults=100, textFormat="plainText")
    while req is not None:
        resp = req.execute()
        threads += resp.get("items", [])
        req = yt.commentThreads().list_next(req, resp)
    replies = 0
    for t in threads:
        total = t["snippet"].get("totalReplyCount", 0)
        inline = t.get("replies", {}).get("comments", [])
        if total <= len(inline):
            replies += len(inline)
            continue
        req = yt.comments().list(part="snippet", parentId=t["id"],
                                 maxResults=100, textFormat="plainText")
        while req is not None:
            resp = req.execute()
            replies += len(resp.get("items", []))
            req = yt.comments().list_next(req, resp)
    return {"threads": len(threads), "replies": replies}


# ---------------------------------------------------------------- pyyoutube

def pyyoutube_client(base_url, access_token):
    import pyyoutube
    api = pyyoutube.Api(access_token=access_token, timeout=60)
    api.BASE_URL = base_url.rstrip("/") + "/youtube/v3/"
    return api


def pyyoutube_w1(api, **_):
    ch = api.get_channel_info(mine=True, parts="contentDetails")
    uploads = ch.items[0].contentDetails.relatedPlaylists.uploads
    items = api.get_playlist_items(playlist_id=uploads, parts="contentDetails",
                                   count=None, limit=50)
    ids = [it.contentDetails.videoId for it in items.items]
    videos = []
    for i in range(0, len(ids), 50):
        res = api.get_video_by_id(video_id=ids[i:i + 50],
                                  parts="snippet,contentDetails,statistics")
        videos += res.items
    return {"playlist_items": len(ids), "videos": len(videos)}


def pyyoutube_w2(api, **_):
    subs = api.get_subscription_by_me(mine=True, parts="snippet", count=None,
                                      limit=50)
    ids = [s.snippet.resourceId.channelId for s in subs.items]
    channels = []
    for i in range(0, len(ids), 50):
        res = api.get_channel_info(channel_id=ids[i:i + 50],
                                   parts="snippet,statistics")
        channels += res.items
    return {"subscriptions": len(subs.items), "channels": len(channels)}


def pyyoutube_w3(api, video_id, **_):
    threads = api.get_comment_threads(video_id=video_id, parts="snippet,replies",
                                      text_format="plainText", count=None,
                                      limit=100)
    replies = 0
    for t in threads.items:
        total = t.snippet.totalReplyCount or 0
        inline = (t.replies.comments if t.replies and t.replies.comments else [])
        if total <= len(inline):
            replies += len(inline)
            continue
        res = api.get_comments(parent_id=t.id, parts="snippet",
                               text_format="plainText", count=None, limit=100)
        replies += len(res.items)
    return {"threads": len(threads.items), "replies": replies}


PEERS = {
    "google-api-python-client": (google_client,
                                 {"W1": google_w1, "W2": google_w2, "W3": google_w3}),
    "python-youtube": (pyyoutube_client,
                       {"W1": pyyoutube_w1, "W2": pyyoutube_w2, "W3": pyyoutube_w3}),
}
