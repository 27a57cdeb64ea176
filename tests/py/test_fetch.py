"""%yt_fetch against the emulator: every resource and recipe, pagination,
replies beyond the embedded 5, batches of 50, upsert without duplicates,
quota accounting equal to the emulator's ledger, dry run, export, escaping
of hostile titles, and no secret anywhere."""
import csv
import json
import os

import ytk
from emulator.api import make_token
from fetchutil import (Store, api_requests, kernel_env_fixture, qparam,
                       secrets_of)
from ytk import run


kernel_env = kernel_env_fixture()


def assert_ledger(emulator, store):
    """What the kernel logged equals what the emulator charged."""
    assert store.logged_units() == emulator.quota_used()


def test_chart_categories_and_refetch(emulator, kc, store):
    r = run(kc, "%yt_fetch videos --chart mostPopular --region US")
    n = store.count("videos")
    assert n == 200  # the emulator's chart holds 200 videos per region
    # typed columns: counts are integers, durations parsed
    assert store.scalar("SELECT COUNT(*) FROM videos WHERE "
                        "typeof(view_count) = 'integer'") == n
    assert store.scalar("SELECT COUNT(*) FROM videos WHERE duration_s IS "
                        "NULL AND duration IS NOT NULL") == 0
    assert store.scalar("SELECT COUNT(*) FROM videos WHERE "
                        "json_valid(raw)") == n
    # summary, then the preview as execute_result
    assert any("Fetched 200 rows into videos in 4 pages, 4 quota units" in t
               for t in r.texts())
    assert len(r.of_type("execute_result")) == 1
    upd = r.of_type("update_display_data")
    assert upd and "Fetched 200 rows into videos" in \
        upd[-1]["content"]["data"]["text/plain"]
    first = r.of_type("display_data")[0]["content"]
    assert first["transient"]["display_id"] == \
        upd[-1]["content"]["transient"]["display_id"]
    assert "<progress" in first["data"]["text/html"]
    # maxResults at the method's maximum
    reqs = api_requests(emulator, "videos")
    assert [qparam(q, "maxResults") for q in reqs] == ["50"] * 4
    # refetch refreshes rather than duplicates
    before = store.scalar("SELECT MIN(fetched_at) FROM videos")
    run(kc, "%yt_fetch videos --chart mostPopular --region US")
    assert store.count("videos") == n
    assert store.scalar("SELECT MIN(fetched_at) FROM videos") > before
    # categories for the join of notebook 3
    run(kc, "%yt_fetch video_categories --region US")
    assert store.count("video_categories") > 10
    assert store.scalar(
        "SELECT COUNT(*) FROM videos v JOIN video_categories c "
        "ON c.category_id = v.category_id") == n
    assert_ledger(emulator, store)


def test_uploads_recipe_minimum_quota(emulator, kc, store):
    w = emulator.world()
    r = run(kc, "%yt_fetch uploads --mine")
    total = w["counts"]["my_uploads"]
    assert store.count("videos") == total
    assert store.count("playlist_items",
                       "playlist_id = '%s'" % w["uploads_playlist_id"]) \
        == total
    # statistics came with the batch calls
    assert store.count("videos", "view_count IS NOT NULL") == total
    # never search; 1 channels + ceil(n/50) playlist pages + ceil(n/50)
    # videos batches of at most 50 ids
    assert api_requests(emulator, "search") == []
    pages = -(-total // 50)
    assert len(api_requests(emulator, "channels")) == 1
    assert len(api_requests(emulator, "playlistItems")) == pages
    vreq = api_requests(emulator, "videos")
    assert len(vreq) == pages
    assert all(len(qparam(q, "id").split(",")) <= 50 for q in vreq)
    assert all("statistics" in qparam(q, "part") for q in vreq)
    assert emulator.quota_used() == 1 + 2 * pages
    assert_ledger(emulator, store)
    assert "%d quota units" % (1 + 2 * pages) in r.all_text()
    # "videos --mine" is the same recipe (the README's first example)
    emulator.clear_requests_log()
    r = run(kc, "%yt_fetch videos --mine --limit 60 --into mine60")
    assert "uploads recipe" in r.all_text()
    assert store.count("mine60") == 60
    assert api_requests(emulator, "search") == []
    # another channel's uploads, by id, limited
    other = w["subscribed_channel_ids"][0]
    run(kc, "%%yt_fetch uploads --channel %s --limit 20 --into theirs" % other)
    assert store.count("theirs") == min(20, store.scalar(
        "SELECT video_count FROM channels WHERE channel_id = ?", other))
    assert store.scalar("SELECT COUNT(DISTINCT channel_id) FROM theirs") == 1
    assert store.scalar("SELECT channel_id FROM theirs LIMIT 1") == other


def test_subscriptions_with_channels(emulator, kc, store):
    w = emulator.world()
    run(kc, "%yt_fetch subscriptions --mine --with-channels")
    n = w["counts"]["subscriptions"]
    assert store.count("subscriptions") == n
    assert store.scalar(
        "SELECT COUNT(*) FROM subscriptions s JOIN channels c "
        "ON c.channel_id = s.channel_id WHERE c.view_count IS NOT NULL") == n
    chreq = api_requests(emulator, "channels")
    assert len(chreq) == -(-n // 50)
    assert all("statistics" in qparam(q, "part") for q in chreq)
    assert emulator.quota_used() == 2 * -(-n // 50)
    assert_ledger(emulator, store)


def test_replies_beyond_five_completed(emulator, kc, store):
    w = emulator.world()
    vid = w["video_with_many_replies"]
    run(kc, "%%yt_fetch comment_threads --video %s" % vid)
    threads = store.rows("SELECT thread_id, total_reply_count FROM "
                         "comment_threads WHERE video_id = ?", vid)
    assert threads
    assert any(t[1] > 5 for t in threads)
    for tid, total in threads:
        got = store.count("comments", "parent_id = '%s'" % tid)
        assert got == total, (tid, got, total)
    # completions went through comments.list parentId, only for big threads
    parents = {qparam(q, "parentId")
               for q in api_requests(emulator, "comments")}
    assert parents == {t for t, n in threads if n > 5}
    # top-level comments are in comments too, with the video id
    assert store.count("comments", "parent_id IS NULL AND video_id = '%s'"
                       % vid) == len(threads)
    assert w["thread_with_many_replies"] in {t for t, _ in threads}
    assert_ledger(emulator, store)


def test_every_resource(emulator, kc, store):
    w = emulator.world()
    me = w["my_channel_id"]
    run(kc, "%yt_fetch channels --mine")
    assert store.scalar("SELECT uploads_playlist_id FROM channels WHERE "
                        "channel_id = ?", me) == w["uploads_playlist_id"]
    run(kc, "%%yt_fetch channels --handle %s --into handle_ch" %
        w["my_handle"])
    assert store.scalar("SELECT channel_id FROM handle_ch") == me
    ids = ",".join(w["subscribed_channel_ids"])
    run(kc, "%%yt_fetch channels --id %s --into some_ch" % ids)
    assert store.count("some_ch") == len(w["subscribed_channel_ids"])
    run(kc, "%yt_fetch playlists --mine")
    assert store.count("playlists") == w["counts"]["my_playlists"]
    run(kc, "%%yt_fetch playlist_items --playlist %s" %
        w["my_playlist_ids"][0])
    assert store.count("playlist_items") > 0
    run(kc, '%yt_fetch videos --ids "SELECT video_id FROM playlist_items"')
    assert store.count("videos") == store.scalar(
        "SELECT COUNT(DISTINCT video_id) FROM playlist_items")
    # hidden counts are NULL, not 0
    run(kc, "%%yt_fetch videos --id %s,%s --into special" % (
        w["hidden_likes_video"], w["comments_disabled_video"]))
    assert store.rows("SELECT like_count IS NULL, view_count IS NOT NULL "
                      "FROM special WHERE video_id = ?",
                      w["hidden_likes_video"]) == [(1, 1)]
    assert store.rows("SELECT comment_count IS NULL FROM special WHERE "
                      "video_id = ?", w["comments_disabled_video"]) == [(1,)]
    run(kc, "%yt_fetch videos --my-rating like --into liked")
    assert store.count("liked") > 0
    run(kc, "%%yt_fetch comments --parent %s" % w["thread_with_many_replies"])
    assert store.count("comments") > 5
    run(kc, "%yt_fetch activities --mine")
    assert store.count("activities") > 0
    run(kc, "%yt_fetch regions")
    assert "US" in {r[0] for r in store.rows(
        "SELECT region_code FROM i18n_regions")}
    run(kc, "%yt_fetch languages")
    assert store.count("i18n_languages") > 0
    run(kc, "%%yt_fetch playlists --channel %s --into ch_playlists" % me)
    assert store.count("ch_playlists") > 0
    run(kc, "%%yt_fetch comment_threads --channel %s --limit 30 "
        "--into ch_threads" % me)
    assert store.count("ch_threads") == 30
    assert_ledger(emulator, store)


def test_empty_listing(emulator, kc, store):
    run(kc, "%yt_fetch playlists --mine")
    empty = store.scalar("SELECT playlist_id FROM playlists WHERE "
                         "item_count = 0")
    assert empty
    r = run(kc, "%%yt_fetch playlist_items --playlist %s" % empty)
    assert "Fetched 0 rows into playlist_items in 1 page" in r.all_text()
    assert store.count("playlist_items") == 0
    r = run(kc, '%yt_fetch videos --ids "SELECT video_id FROM '
            'playlist_items"', ok=False)
    assert r.errors[0]["ename"] == "UsageError"
    assert "no ids" in r.all_text()


def test_search_warns_and_paginates(emulator, kc, store):
    r = run(kc, '%yt_fetch search --q "coffee" --type video --limit 120')
    assert "100 quota units per page" in r.all_text()
    assert store.count("search_results") == 120
    reqs = api_requests(emulator, "search")
    assert len(reqs) == 3
    assert [qparam(q, "maxResults") for q in reqs] == ["50", "50", "20"]
    assert emulator.quota_used() == 300
    assert_ledger(emulator, store)
    # without --limit: every page up to the ~500 cap, and a note saying so
    r = run(kc, "%yt_fetch search --type video --into s_all")
    assert store.count("s_all") == 500
    assert "stops near 500" in r.all_text()
    assert emulator.quota_used() == 300 + 1000
    assert_ledger(emulator, store)


def test_many_pages_and_limit(emulator, kc, store):
    w = emulator.world()
    vid = w["video_with_many_threads"]
    n = w["counts"]["threads_on_big_video"]
    run(kc, "%%yt_fetch comment_threads --video %s --limit %d" % (vid, n))
    assert store.count("comment_threads") == n
    pages = api_requests(emulator, "commentThreads")
    assert len(pages) == -(-n // 100)
    # uploads playlist page by page (6 pages of 50)
    run(kc, "%%yt_fetch playlist_items --playlist %s" %
        w["uploads_playlist_id"])
    assert store.count("playlist_items") == w["counts"]["my_uploads"]
    toks = [qparam(q, "pageToken")
            for q in api_requests(emulator, "playlistItems")]
    assert toks[0] is None and len(set(toks[1:])) == len(toks) - 1
    assert toks[1] == make_token(50)


def test_ids_from_sql_batches_and_missing(emulator, kc, store):
    w = emulator.world()
    run(kc, "%%yt_fetch playlist_items --playlist %s" %
        w["uploads_playlist_id"])
    emulator.clear_requests_log()
    r = run(kc, '%yt_fetch videos --ids "SELECT video_id FROM '
            'playlist_items UNION ALL SELECT \'zzzzzzzzzzz\'" --into vb')
    n = w["counts"]["my_uploads"]
    assert store.count("vb") == n
    reqs = api_requests(emulator, "videos")
    assert len(reqs) == -(-(n + 1) // 50)
    assert sum(len(qparam(q, "id").split(",")) for q in reqs) == n + 1
    assert "1 id returned nothing" in r.all_text()


def test_dry_run_spends_nothing(emulator, kc, store):
    r = run(kc, "%yt_fetch uploads --mine --dry-run")
    t = r.all_text()
    assert "nothing sent" in t and "playlistItems" in t
    assert "1 unit per page" in t
    r = run(kc, "%yt_fetch videos --chart mostPopular --region US --dry-run")
    assert "4 pages estimated" in r.all_text()
    r = run(kc, '%yt_fetch search --q x --dry-run')
    assert "100 units per page" in r.all_text()
    assert api_requests(emulator) == []
    assert emulator.quota_used() == 0
    assert store.scalar("SELECT COUNT(*) FROM _ytk_requests") == 0
    # once the channel is known, the estimate uses its videoCount
    run(kc, "%yt_fetch channels --mine")
    used = emulator.quota_used()
    n = emulator.world()["counts"]["my_uploads"]
    pages = -(-n // 50)
    r = run(kc, "%yt_fetch uploads --mine --dry-run")
    assert "%d pages estimated" % pages in r.all_text()
    assert "Estimated cost: %d quota units" % (1 + 2 * pages) in r.all_text()
    assert emulator.quota_used() == used


def test_hostile_titles_stored_raw_shown_escaped(emulator, kc, store):
    run(kc, "%yt_fetch videos --chart mostPopular --region US")
    for region in emulator.world()["chart_regions"][1:]:
        run(kc, "%%yt_fetch videos --chart mostPopular --region %s" % region)
    run(kc, "%yt_fetch uploads --mine")
    hostile = store.rows(
        "SELECT video_id, title FROM videos WHERE title LIKE '%<script>%' "
        "OR title LIKE '%$%' OR title LIKE '%&%' LIMIT 20")
    assert hostile, "the emulator world has hostile titles"
    # stored raw, exactly as the API sent it: no HTML entities added
    assert any("<script>" in t for _, t in hostile)
    assert store.count("videos", "title LIKE '%&lt;%' OR title LIKE "
                       "'%&amp;%'") == 0
    for vid, title in hostile:
        raw = json.loads(store.scalar("SELECT raw FROM videos WHERE "
                                      "video_id = ?", vid))
        assert raw["snippet"]["title"] == title
    ids = ",".join("'%s'" % v for v, _ in hostile)
    r = run(kc, "SELECT video_id, title FROM videos WHERE video_id IN (%s)"
            % ids)
    html = r.texts("text/html")[-1]
    assert "<script>" not in html
    for _, title in hostile:
        if "<script>" in title:
            assert "&lt;script&gt;" in html
        if "$" in title:
            assert "<span>$</span>" in html
    # unicode survives untouched
    assert store.scalar("SELECT COUNT(*) FROM videos WHERE title GLOB "
                        "'*[^ -~]*'") > 0


def test_request_log_has_no_secrets(emulator, kc, store, ytk_home):
    w = emulator.world()
    r1 = run(kc, "%yt_fetch channels --mine")
    r2 = run(kc, "%%yt_fetch comment_threads --video %s" %
             w["video_with_many_replies"])
    r3 = run(kc, "%yt_fetch log 50")
    secrets = secrets_of(emulator, ytk_home)
    logged = json.dumps(store.rows("SELECT * FROM _ytk_requests"))
    for s in secrets:
        assert s not in logged
        for r in (r1, r2, r3):
            assert s not in r.all_text()
    assert "part=snippet" in logged
    assert store.scalar("SELECT COUNT(*) FROM _ytk_requests WHERE params "
                        "LIKE '%key=%' OR params LIKE '%token=%'") == 0


def test_api_key_public_data(emulator, ytk_home):
    """Public data with an API key only: the key goes in the URL but never
    into the log or the output."""
    assert not os.path.exists(os.path.join(str(ytk_home), "token.json"))
    env = {"YTK_HOME": str(ytk_home), "YTK_GOOGLE_BASE": emulator.base_url}
    # No credentials at all: a clear error naming what to run, no request.
    km, kc2 = ytk.start_kernel(env=env)
    try:
        r = run(kc2, "%yt_fetch videos --chart mostPopular", ok=False)
        assert r.errors[0]["ename"] == "AuthError"
        assert "%yt_auth" in r.all_text()
        assert api_requests(emulator) == []
    finally:
        ytk.stop_kernel(km, kc2)
    env["YTK_API_KEY"] = emulator.api_key
    km, kc2 = ytk.start_kernel(env=env)
    try:
        r = run(kc2, "%yt_fetch videos --chart mostPopular --region GB "
                "--limit 60")
        assert emulator.api_key not in r.all_text()
        store = Store(ytk_home)
        assert store.count("videos") == 60
        assert emulator.api_key not in json.dumps(
            store.rows("SELECT * FROM _ytk_requests"))
        assert all(q.get("auth") == "key" for q in api_requests(emulator))
        # mine needs OAuth: a clear AuthError, nothing stored
        r = run(kc2, "%yt_fetch subscriptions --mine", ok=False)
        assert r.errors[0]["ename"] == "AuthError"
        assert "%yt_auth login" in r.all_text()
    finally:
        ytk.stop_kernel(km, kc2)


def test_token_file_option(emulator, kc, store, ytk_home, tmp_path):
    other = tmp_path / "elsewhere.json"
    os.rename(os.path.join(str(ytk_home), "token.json"), other)
    r = run(kc, "%yt_fetch channels --mine", ok=False)
    assert r.errors[0]["ename"] == "AuthError"
    run(kc, "%%yt_fetch channels --mine --token-file %s" % other)
    assert store.count("channels") == 1


def test_quota_magic_matches_ledger(emulator, kc, store):
    run(kc, "%yt_fetch videos --chart mostPopular --region JP --limit 100")
    run(kc, '%yt_fetch search --q guitar --limit 10')
    r = run(kc, "%yt_fetch quota")
    used = emulator.quota_used()
    assert used == 102
    assert "%d of 10000 units" % used in r.all_text()
    assert "Pacific" in r.all_text()


def test_export_formats(emulator, kc, store, tmp_path):
    run(kc, "%yt_fetch videos --chart mostPopular --region US --limit 25")
    for ext in ("csv", "json", "ndjson"):
        path = tmp_path / ("v." + ext)
        r = run(kc, "%%yt_fetch export videos %s" % path)
        assert "Exported 25 rows" in r.stdout
        if ext == "csv":
            with open(path, newline="") as f:
                rows = list(csv.DictReader(f))
            assert len(rows) == 25 and "view_count" in rows[0]
        elif ext == "json":
            rows = json.load(open(path))
            assert len(rows) == 25
            assert isinstance(rows[0]["raw"], dict)
            assert isinstance(rows[0]["view_count"], int)
        else:
            rows = [json.loads(x) for x in open(path)]
            assert len(rows) == 25
    r = run(kc, "%%yt_fetch export videos %s" % (tmp_path / "v.xlsx"),
            ok=False)
    assert r.errors[0]["ename"] == "ExportError"


def test_usage_errors_send_nothing(emulator, kc, store):
    cases = [
        ("%yt_fetch vidoes --chart mostPopular", "unknown resource"),
        ("%yt_fetch videos", "needs a filter"),
        ("%yt_fetch videos --chart mostPopular --part snippet,bogus",
         "unknown part"),
        ("%yt_fetch videos --q x", "not a filter of videos"),
        ("%yt_fetch videos --ids \"SELECT nope FROM nowhere\"", "no such"),
        ("%yt_fetch videos --chart mostPopular --into 'bad name'",
         "invalid --into"),
        ("%yt_fetch videos --chart mostPopular --limit 0", "limit"),
        ("%yt_fetch channels --mine --id UCx", "give one filter"),
        ("%yt_fetch subscriptions --with-channels", "needs a filter"),
        ("%yt_fetch videos --chart mostPopular --with-channels",
         "only applies to subscriptions"),
        # an empty part list was sent as part= (400 required, 1 unit)
        ("%yt_fetch videos --chart mostPopular --part ''", "--part needs"),
        ("%yt_fetch videos --chart mostPopular --part ,", "--part needs"),
        ("%yt_fetch uploads --mine --part ''", "--part needs"),
        # an empty channel or handle was sent as no filter (400, 1 unit)
        ("%yt_fetch uploads --handle ''", "--handle needs a value"),
        ("%yt_fetch uploads --channel ''", "--channel needs a value"),
        ("%yt_fetch videos --channel ''", "--channel needs a value"),
        # a writing statement was taken for a list of three ids
        ('%yt_fetch videos --ids "DELETE FROM videos"', "must only read"),
        ('%yt_fetch videos --ids "update videos set title = 1"',
         "must only read"),
        # each of these was a 400 from search.list, for 100 quota units
        ("%yt_fetch search --q cats --published-after yesterday",
         "--published-after takes"),
        ("%yt_fetch search --q cats --published-before 2026-13-01",
         "--published-before takes"),
        ("%yt_fetch search --q cats --order bogus", "--order takes"),
        ("%yt_fetch search --q cats --type video,bogus", "--type takes"),
        ("%yt_fetch comment_threads --video x --order date", "--order takes"),
        # the store subcommands accepted other options and ignored them
        ("%yt_fetch quota --dry-run", "quota takes no --dry-run"),
        ("%yt_fetch log --limit 5", "log takes no --limit"),
        ("%yt_fetch status --resume", "status takes no --resume"),
        ("%yt_fetch export videos /tmp/x.csv --dry-run",
         "export takes no --dry-run"),
        ("%yt_fetch status all", "unexpected word 'all'"),
        ("%yt_fetch log 5 more", "unexpected word 'more'"),
    ]
    for code, needle in cases:
        r = run(kc, code, ok=False)
        assert r.errors[0]["ename"] == "UsageError", (code, r.errors)
        assert needle in r.all_text(), (code, r.all_text())
    assert api_requests(emulator) == []


def test_help(emulator, kc):
    r = run(kc, "%yt_fetch?")
    pages = [p for p in r.reply["content"].get("payload", [])
             if p.get("source") == "page"]
    assert pages
    text = repr(pages)
    for word in ("uploads", "--with-channels", "--resume", "--dry-run",
                 "quota", "export", "YTK_FETCH_BACKOFF_MS"):
        assert word in text, word
    r = run(kc, "%yt_fetch", ok=False)
    assert r.errors[0]["ename"] == "UsageError"


def test_summary_once_and_singular(emulator, kc, store):
    """Issue 16: the summary is the progress display's final text only (the
    preview table does not repeat it), and one row reads '1 row'."""
    r = run(kc, "%yt_fetch channels --mine")
    assert store.count("channels") == 1
    # What stays on screen: the last state of the progress display, and the
    # execute_result with the preview.
    final = r.of_type("update_display_data", "display_data")
    final_text = final[-1]["content"]["data"]["text/plain"] if final else ""
    result = r.of_type("execute_result")
    assert len(result) == 1
    assert "Fetched 1 row into channels in 1 page" in final_text
    shown = [final_text, result[0]["content"]["data"]["text/plain"],
             result[0]["content"]["data"].get("text/html", "")]
    assert sum(t.count("Fetched 1 row") for t in shown) == 1
    assert "1 channels" not in r.all_text()
    assert "1 rows" not in r.all_text()


def test_open_transaction_refused_before_any_request(emulator, kc, store):
    """A BEGIN left open by an earlier SQL cell: the fetch used to send its
    request (spending quota), then fail with SQLite's "cannot start a
    transaction within a transaction", and the table it had created inside
    the user's transaction vanished at ROLLBACK.  Now it says what to do
    and sends nothing."""
    run(kc, "BEGIN")
    for code in ("%yt_fetch videos --chart mostPopular --limit 3",
                 "%yt_fetch analytics daily"):
        r = run(kc, code, ok=False)
        assert r.status == "error", code
        e = r.errors[0]
        assert e["ename"] == "StoreError", (code, e)
        assert "COMMIT" in e["evalue"] and "ROLLBACK" in e["evalue"], e
        assert "nothing was fetched" in e["evalue"], e
    assert api_requests(emulator) == []
    assert not [x for x in emulator.requests_log()
                if x.get("path", "").startswith("/v2/reports")]
    # a dry run writes nothing: still fine inside the transaction
    r = run(kc, "%yt_fetch videos --chart mostPopular --limit 3 --dry-run")
    run(kc, "ROLLBACK")
    run(kc, "%yt_fetch videos --chart mostPopular --limit 3")
    assert store.count("videos") == 3


def test_google_messages_shown_without_markup(emulator, kc, store):
    """Google writes <code> and <a href> into some error messages; they
    were shown verbatim in the error ("The <code>regionCode</code>
    parameter ...")."""
    r = run(kc, "%yt_fetch videos --chart mostPopular --region XX", ok=False)
    e = r.errors[0]
    assert e["ename"] == "YouTubeAPIError"
    assert "regionCode parameter" in e["evalue"], e
    plain = [e["evalue"]] + e["traceback"] + r.texts()
    assert not [t for t in plain if "<code>" in t or "<a " in t], plain


def test_export_creates_folders_like_save(emulator, kc, store, tmp_path):
    """`%yt_plot --save images/x.png` creates its folders, but
    `%yt_fetch export videos exports/v.csv` failed with 'No such file or
    directory' in the same notebook."""
    run(kc, "%yt_fetch videos --chart mostPopular --limit 3")
    path = tmp_path / "exports" / "2026" / "v.csv"
    r = run(kc, "%%yt_fetch export videos %s" % path)
    assert "Exported 3 rows" in r.stdout
    with open(path, newline="") as f:
        assert len(list(csv.DictReader(f))) == 3
    # a file where a folder should be is still an error that says so
    (tmp_path / "afile").write_text("x")
    r = run(kc, "%%yt_fetch export videos %s" % (tmp_path / "afile" / "v.csv"),
            ok=False)
    assert r.errors[0]["ename"] == "ExportError"
    assert "afile" in r.errors[0]["evalue"]


def test_interrupted_export_is_a_keyboard_interrupt(emulator, kernel, tmp_path):
    """Interrupting a long export said 'ExportError: cannot read the
    table: interrupted', as if the table were broken; it is the user's
    interrupt, and no file is left behind."""
    import time
    km, kc = kernel
    run(kc, "CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION "
            "ALL SELECT x + 1 FROM c) SELECT x, 'row ' || x AS t FROM c")
    out = tmp_path / "out"
    out.mkdir()
    path = out / "endless.csv"
    msg_id = kc.execute("%%yt_fetch export endless %s" % path,
                        stop_on_error=False)
    ytk.wait_busy(kc, msg_id)
    time.sleep(0.5)
    km.interrupt_kernel()
    r = ytk.collect(kc, msg_id)
    assert r.status == "error"
    assert [e["ename"] for e in r.errors] == ["KeyboardInterrupt"], r.errors
    assert "nothing was written" in r.errors[0]["evalue"]
    assert os.listdir(out) == []
    run(kc, "SELECT 1")  # the kernel goes on


def test_resume_of_another_line_names_the_stopped_fetches(emulator, kc,
                                                          store):
    """`--resume` on a line that differs from the stopped one (here an added
    --limit) said 'Nothing to resume' and fetched everything again from the
    first page, spending the quota the resume was meant to save.  It now
    stops and names the stopped fetch to resume."""
    emulator.fault("/youtube/v3/playlistItems", status=403,
                   reason="quotaExceeded", after=1, count=1)
    r = run(kc, "%yt_fetch uploads --mine", ok=False)
    assert r.errors[0]["ename"] == "QuotaExceeded", r.errors
    before = len(api_requests(emulator))
    r = run(kc, "%yt_fetch uploads --mine --limit 100 --resume", ok=False)
    e = r.errors[0]
    assert e["ename"] == "UsageError", e
    assert "uploads mine=true -> videos" in e["evalue"], e
    assert len(api_requests(emulator)) == before  # nothing sent
    # the same line resumes
    r = run(kc, "%yt_fetch uploads --mine --resume")
    assert any("Resuming the stopped fetch" in t for t in r.texts())


def test_search_dates_as_people_write_them(emulator, kc, store):
    """--published-after 2026-01-01 (a date, as people write it) was sent
    as is and refused by Google (400, 100 units for a search): a date means
    its midnight UTC; full RFC 3339 times go as they are."""
    run(kc, "%yt_fetch search --q cats --published-after 2026-01-01 "
            "--published-before 2026-06-30T12:00:00+02:00 --limit 5")
    q = api_requests(emulator, "search")[-1]
    assert qparam(q, "publishedAfter") == "2026-01-01T00:00:00Z"
    assert qparam(q, "publishedBefore") == "2026-06-30T12:00:00+02:00"
