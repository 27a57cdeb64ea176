"""%yt_plot end to end through the real kernel: every kind's display bundle
(Vega-Lite v5 spec valid against the official schema, SVG that parses as XML,
PNG of the declared size x2, text summary), --static and the session
default, tooltips, point labels, --save (.svg/.png/.vl.json), hostile labels,
large inputs, and the clear single errors."""
import base64
import json
import os
import struct
import time
import xml.etree.ElementTree as ET

import altair  # ships the official Vega-Lite v5 schema
import jsonschema
import pytest

import ytk

VL = "application/vnd.vegalite.v5+json"
VL_CAP = 1024 * 1024  # CH_VEGA_MAX_BYTES
with open(os.path.join(os.path.dirname(altair.__file__), "vegalite", "v5",
                       "schema", "vega-lite-schema.json"),
          encoding="utf-8") as _f:
    VL_VALIDATOR = jsonschema.Draft7Validator(json.load(_f))

SVG_NS = "{http://www.w3.org/2000/svg}"

SETUP = """
CREATE TABLE videos (id TEXT, title TEXT, category TEXT, fmt TEXT,
                     views INTEGER, likes INTEGER, comments INTEGER,
                     minutes REAL, published TEXT, note TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
INSERT INTO videos
SELECT printf('vid%02d', i),
       'Video number ' || i,
       CASE i % 4 WHEN 0 THEN 'Music' WHEN 1 THEN 'Gaming'
                  WHEN 2 THEN 'Education' ELSE 'Science & Technology' END,
       CASE WHEN i % 3 = 0 THEN 'short' ELSE 'video' END,
       1000 * i * i + 500 * (i % 7),
       40 * i + (i % 5) * 17,
       i % 9,
       2.5 + (i * 37 % 23),
       date('2024-01-01', '+' || (i * 5) || ' days'),
       CASE WHEN i % 2 THEN 'text' END
FROM n;
"""


def one_display(res):
    assert res.status == "ok", res.all_text()
    disp = res.of_type("display_data")
    assert len(disp) == 1, [m["msg_type"] for m in res.msgs]
    assert not res.errors
    return disp[0]["content"]


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def check_vega(spec):
    assert spec["$schema"].endswith("/vega-lite/v5.json")
    errors = [f"{list(e.path)}: {e.message[:200]}"
              for e in VL_VALIDATOR.iter_errors(spec)]
    assert errors == []
    assert len(json.dumps(spec, ensure_ascii=False).encode()) <= VL_CAP


def check_bundle(content, kind_words, interactive=True):
    data, meta = content["data"], content["metadata"]
    want = {"image/svg+xml", "image/png", "text/plain"}
    # no text/html: it would outrank the interactive view in JupyterLab
    assert set(data) == (want | {VL} if interactive else want)
    if interactive:
        check_vega(data[VL])
    svg = data["image/svg+xml"]
    root = ET.fromstring(svg)  # well-formed XML or this raises
    assert root.tag == SVG_NS + "svg"
    w, h = meta["image/png"]["width"], meta["image/png"]["height"]
    assert root.get("width") == str(w) and root.get("height") == str(h)
    assert root.get("viewBox") == f"0 0 {w} {h}"
    # flat: no scripts, styles, ids, references, foreign objects
    for el in root.iter():
        tag = el.tag.replace(SVG_NS, "")
        assert tag in {"svg", "title", "desc", "rect", "line", "path", "circle",
                       "text", "g"}, tag
        for attr in el.attrib:
            assert attr != "id" and "href" not in attr and not attr.startswith("on")
    assert root.find(SVG_NS + "title") is not None
    assert len(root.findall(f".//{SVG_NS}text")) >= 3
    png = base64.b64decode(data["image/png"], validate=True)
    assert png_size(png) == (2 * w, 2 * h)
    text = data["text/plain"]
    assert text.startswith(kind_words), text
    return root, text


@pytest.fixture
def kc(kernel):
    _, kc = kernel
    res = ytk.execute(kc, SETUP)
    assert res.status == "ok", res.all_text()
    return kc


def test_bar_line_form(kc):
    res = ytk.execute(kc, "%yt_plot bar --from videos --x title --y views "
                          "--top 8 --horizontal --title 'Most viewed videos'")
    root, text = check_bundle(one_display(res), "Horizontal bar chart")
    assert "'Most viewed videos'" in text and "8 bars" in text
    assert "top 8 of 60 categories" in text
    labels = [t.text for t in root.iter(SVG_NS + "text")]
    assert "Video number 60" in labels  # the largest comes first


def test_bar_grouped_and_stacked_cell_form(kc):
    for extra, words in (("", "Bar chart"), ("--stacked", "Stacked bar chart")):
        res = ytk.execute(kc, f"%%yt_plot bar --series fmt {extra} --title Uploads\n"
                              "SELECT category, fmt, COUNT(*) AS n FROM videos\n"
                              "GROUP BY 1, 2 ORDER BY 1, 2")
        root, text = check_bundle(one_display(res), words)
        assert "4 categories, 2 series" in text
        labels = {t.text for t in root.iter(SVG_NS + "text")}
        assert {"short", "video"} <= labels  # legend


def test_line_dates(kc):
    res = ytk.execute(kc, "%%yt_plot line --title 'Views over time'\n"
                          "SELECT published, views FROM videos")
    root, text = check_bundle(one_display(res), "Line chart")
    assert "60 points" in text and "x 2024-01-06\u20132024-10-27" in text
    labels = {t.text for t in root.iter(SVG_NS + "text")}
    assert {"Mar", "Jun", "Sep"} <= labels  # calendar ticks
    assert len(root.findall(f".//{SVG_NS}path")) == 1


def test_line_series(kc):
    res = ytk.execute(kc, "%yt_plot line --from videos --x published --y likes "
                          "--series category --log-y")
    root, text = check_bundle(one_display(res), "Line chart")
    assert "4 series" in text
    assert len(root.findall(f".//{SVG_NS}path")) == 4


def test_scatter_color_and_bubble(kc):
    res = ytk.execute(kc, "%yt_plot scatter --from videos --x views --y likes "
                          "--color category --log-x")
    root, text = check_bundle(one_display(res), "Scatter plot")
    assert "60 points in 4 groups" in text
    assert len(root.findall(f".//{SVG_NS}circle")) >= 60
    res = ytk.execute(kc, "%yt_plot scatter --from videos --x views --y likes "
                          "--size comments")
    check_bundle(one_display(res), "Bubble chart")
    # numbers colour on a scale (legend: column name, min, max), text by value
    res = ytk.execute(kc, "%yt_plot scatter --from videos --x views --y likes "
                          "--color minutes")
    root, text = check_bundle(one_display(res), "Scatter plot")
    labels = [t.text for t in root.iter(SVG_NS + "text")]
    assert "minutes" in labels and "2.5" in labels and "24.5" in labels
    fills = {g.get("fill") for g in root.iter(SVG_NS + "g")}
    assert len(fills) >= 10
    res = ytk.execute(kc, "%yt_plot scatter --from videos --x views --y likes "
                          "--color note")
    root, text = check_bundle(one_display(res), "Scatter plot")
    assert "in 2 groups" in text
    labels = [t.text for t in root.iter(SVG_NS + "text")]
    assert "text" in labels and "(null)" in labels


def test_hist_and_box(kc):
    res = ytk.execute(kc, "%yt_plot hist --from videos --x minutes --bins 6")
    root, text = check_bundle(one_display(res), "Histogram")
    assert "60 values" in text
    res = ytk.execute(kc, "%%yt_plot box --title 'Minutes by category'\n"
                          "SELECT category, minutes FROM videos")
    root, text = check_bundle(one_display(res), "Box plot")
    assert "4 boxes, 60 values" in text


def test_save_files(kc, tmp_path):
    target = tmp_path / "charts" / "deep" / "views.png"
    res = ytk.execute(kc, f"%yt_plot bar --from videos --x category --y views "
                          f"--save {target} --width 500 --height 300")
    content = one_display(res)
    check_bundle(content, "Bar chart")
    assert png_size(target.read_bytes()) == (1000, 600)
    assert f"Saved {target}" in res.stdout
    both = tmp_path / "out" / "chart"
    res = ytk.execute(kc, f"%yt_plot hist --from videos --x views --save "
                          f"{both}.svg --format both")
    one_display(res)
    ET.fromstring((tmp_path / "out" / "chart.svg").read_text())
    assert png_size((tmp_path / "out" / "chart.png").read_bytes()) == (1280, 800)
    # the saved SVG is the displayed one
    svg_res = ytk.execute(kc, f"%yt_plot hist --from videos --x views --save "
                              f"{tmp_path}/again.svg")
    assert (tmp_path / "again.svg").read_text() == \
        one_display(svg_res)["data"]["image/svg+xml"]


def test_hostile_labels(kc):
    res = ytk.execute(kc, """
CREATE TABLE hostile (label TEXT, v INTEGER);
INSERT INTO hostile VALUES ('<script>alert(1)</script>', 1), ('Tom & Jerry', 2),
  ('$5 and $10', 3), ('🎸🔥 emoji', 4), ('שלום עולם', 5),
  (CAST(X'626164FFFE7574663801' AS TEXT), 6);
""")
    assert res.status == "ok", res.all_text()
    res = ytk.execute(kc, "%yt_plot bar --from hostile --x label --y v "
                          "--title '</title><script>x</script> & \"q\"'")
    root, text = check_bundle(one_display(res), "Bar chart")
    svg = one_display(res)["data"]["image/svg+xml"]
    assert "<script" not in svg
    labels = [t.text for t in root.iter(SVG_NS + "text")]
    # shown as text (escaped in the SVG), cut to fit the rotated label room
    assert any(t and t.startswith("<script>alert(1)") for t in labels)
    assert "Tom & Jerry" in labels and "$5 and $10" in labels
    assert "🎸🔥 emoji" in labels and "שלום עולם" in labels
    assert any(t and "\ufffd" in t and "\x01" not in t for t in labels)
    assert root.find(SVG_NS + "title").text == '</title><script>x</script> & "q"'
    spec = one_display(res)["data"][VL]
    cats = [r["x"] for r in spec["data"]["values"]]
    assert "<script>alert(1)</script>" in cats and "שלום עולם" in cats
    assert "🎸🔥 emoji" in cats and "$5 and $10" in cats
    assert spec["title"]["text"] == '</title><script>x</script> & "q"'


def test_million_rows(kc):
    res = ytk.execute(kc, """
CREATE TABLE big AS WITH RECURSIVE n(i) AS
  (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
SELECT i AS t, (i % 1000) * 0.5 + (i / 1000) AS v FROM n;
""", timeout=300)
    assert res.status == "ok", res.all_text()
    for kind in ("line", "scatter"):
        res = ytk.execute(kc, f"%yt_plot {kind} --from big --x t --y v", timeout=300)
        root, text = check_bundle(one_display(res), "Line chart" if kind == "line"
                                  else "Scatter plot")
        assert "1,000,000 points" in text
        svg = one_display(res)["data"]["image/svg+xml"]
        assert len(svg.encode()) < 1_000_000
        spec = one_display(res)["data"][VL]
        assert 100 <= len(spec["data"]["values"]) <= 5000
        assert len(json.dumps(spec).encode()) <= VL_CAP


@pytest.mark.parametrize("code, ename, words", [
    ("%yt_plot pie --from videos --x a --y b", "UsageError",
     ["unknown chart kind 'pie'", "bar, line, scatter, hist, box"]),
    ("%yt_plot", "UsageError", ["needs a chart kind"]),
    ("%yt_plot bar --from videos --x category --y viewz", "PlotError",
     ["no column 'viewz'", "columns: id, title, category"]),
    ("%yt_plot bar --from videoz --x a --y b", "PlotError",
     ["no table 'videoz'", "videos"]),
    ("%yt_plot bar --from videos --x category --y title", "PlotError",
     ["'title' is not numeric", "'Video number 1'"]),
    ("%%yt_plot line\nSELECT published, views FROM videos WHERE views < 0",
     "PlotError", ["nothing to plot", "0 rows"]),
    ("%yt_plot line --from videos --x title --y views", "PlotError",
     ["neither a number nor an ISO-8601 date", "bar"]),
    ("%yt_plot bar --from videos --x category", "UsageError",
     ["needs --x COL and --y COL"]),
    ("%yt_plot line --from videos --x views --y likes --top 3", "UsageError",
     ["--top applies to bar"]),
    ("%yt_plot bar --from videos --x category --y views --save out.gif",
     "UsageError", [".svg, .png or .vl.json"]),
    ("%yt_plot bar --from videos --x category --y views --label title",
     "UsageError", ["--label applies to line and scatter"]),
    ("%yt_plot scatter --from videos --x views --y likes --label-top 3",
     "UsageError", ["--label-top N goes with --label"]),
    ("%yt_plot scatter --from videos --x views --y likes --tooltip titel",
     "PlotError", ["no column 'titel'"]),
    ("%yt_plot hist --from videos --x minutes --tooltip title",
     "UsageError", ["--tooltip applies to bar, line and scatter"]),
    ("%yt_plot bar --from videos --x category --y views --format gif "
     "--save x", "UsageError", ["--format must be svg, png, vl.json"]),
    ("%yt_plot default --width 3", "UsageError",
     ["takes --static or --interactive"]),
    ("%%yt_plot bar\n", "UsageError", ["needs a SQL query"]),
    ("%%yt_plot bar\nSELECT 1, 2; SELECT 3, 4", "UsageError", ["one query"]),
    ("%yt_plot bar --from videos --x category --y views --width 10",
     "UsageError", ["width"]),
    ("%%yt_plot line --log-y\nSELECT views, -likes FROM videos", "PlotError",
     ["--log-y needs positive values"]),
    ("%yt_plot hist --from videos --x published", "PlotError",
     ["holds dates", "GROUP BY month"]),
    ("%yt_plot hist --from videos --x minutes --log-x", "UsageError",
     ["--log-x applies to line and scatter"]),
])
def test_errors(kc, code, ename, words):
    res = ytk.execute(kc, code)
    assert res.status == "error"
    assert len(res.errors) == 1, res.errors
    err = res.errors[0]
    assert err["ename"] == ename, err
    for w in words:
        assert w in err["evalue"], (w, err["evalue"])
    assert not res.of_type("display_data")


def test_interrupt_endless_query(kernel):
    """An endless query streaming into a plot stops on interrupt with one
    KeyboardInterrupt error, and the kernel keeps working."""
    km, kc = kernel
    msg_id = kc.execute("%%yt_plot line\nWITH RECURSIVE c(x) AS (SELECT 1 "
                        "UNION ALL SELECT x + 1 FROM c) SELECT x, x % 97 FROM c")
    ytk.wait_busy(kc, msg_id)
    time.sleep(1.0)  # let rows stream
    km.interrupt_kernel()
    r = ytk.collect(kc, msg_id)
    reply, msgs = r.reply, r.msgs
    assert reply["content"]["status"] == "error"
    errs = [m["content"] for m in msgs if m["msg_type"] == "error"]
    assert len(errs) == 1 and errs[0]["ename"] == "KeyboardInterrupt", errs
    assert not [m for m in msgs if m["msg_type"] == "display_data"]
    res = ytk.execute(kc, "%%yt_plot bar\nSELECT 'a', 1 UNION ALL SELECT 'b', 2")
    check_bundle(one_display(res), "Bar chart")


def test_golden_svgs_are_flat_wellformed_xml():
    """Every golden SVG (the hostile one included) parses as XML and holds
    only flat, script-free elements."""
    gdir = os.path.join(ytk.SOURCE_DIR, "tests", "golden", "chart")
    names = sorted(n for n in os.listdir(gdir) if n.endswith(".svg"))
    assert {"bar.svg", "line.svg", "scatter.svg", "hist.svg", "box.svg",
            "hostile.svg"} <= set(names)
    for n in names:
        with open(os.path.join(gdir, n), encoding="utf-8") as f:
            root = ET.fromstring(f.read())
        assert root.tag == SVG_NS + "svg", n
        for el in root.iter():
            assert el.tag.replace(SVG_NS, "") in {
                "svg", "title", "desc", "rect", "line", "path", "circle",
                "text", "g"}, (n, el.tag)
            assert not any(a == "id" or "href" in a or a.startswith("on")
                           for a in el.attrib), (n, el.attrib)
    hostile = ET.parse(os.path.join(gdir, "hostile.svg")).getroot()
    texts = [t.text for t in hostile.iter(SVG_NS + "text")]
    assert hostile.find(SVG_NS + "title").text.startswith("</title><script>")
    assert "$5 and $10" in texts and "Tom & Jerry" in texts


def test_static_and_session_default(kc):
    q = "%yt_plot bar --from videos --x category --y views"
    check_bundle(one_display(ytk.execute(kc, q + " --static")), "Bar chart",
                 interactive=False)
    res = ytk.execute(kc, "%yt_plot default --static")
    assert res.status == "ok" and "pictures only" in res.stdout
    try:
        check_bundle(one_display(ytk.execute(kc, q)), "Bar chart",
                     interactive=False)
        check_bundle(one_display(ytk.execute(kc, q + " --interactive")),
                     "Bar chart")
    finally:
        res = ytk.execute(kc, "%yt_plot default --interactive")
    assert res.status == "ok" and "interactive view" in res.stdout
    check_bundle(one_display(ytk.execute(kc, q)), "Bar chart")


def test_tooltips(kc):
    # default: the title column names the point, then x and y as on the axes
    res = ytk.execute(kc, "%yt_plot scatter --from videos --x views --y likes")
    spec = one_display(res)["data"][VL]
    tips = spec["encoding"]["tooltip"]
    assert [t["title"] for t in tips] == ["title", "views", "likes"]
    rows = spec["data"]["values"]
    assert len(rows) == 60
    last = max(rows, key=lambda r: r["x"])
    assert last["f0"] == "Video number 60"
    assert last["x_t"] == "3.6M"  # 1000*60*60 + 500*(60%7), compact
    # cell form: the title column names the points instead of being x
    res = ytk.execute(kc, "%%yt_plot scatter\nSELECT title, views, likes "
                          "FROM videos")
    spec = one_display(res)["data"][VL]
    assert spec["encoding"]["x"]["title"] == "views"
    assert spec["encoding"]["y"]["title"] == "likes"
    assert spec["encoding"]["tooltip"][0]["title"] == "title"
    # --tooltip: exactly the columns named, plotted ones by their channel
    res = ytk.execute(kc, "%%yt_plot bar --tooltip 'category, id,minutes'\n"
                          "SELECT category, SUM(views) AS views, MIN(id) AS id,"
                          " MIN(minutes) AS minutes FROM videos GROUP BY 1")
    spec = one_display(res)["data"][VL]
    tips = spec["encoding"]["tooltip"]
    assert [t["title"] for t in tips] == ["id", "minutes", "category"]
    row = spec["data"]["values"][0]
    assert row["f0"].startswith("vid") and "y_t" in row


def test_labels_on_static_chart(kc):
    res = ytk.execute(kc, "%yt_plot scatter --from videos --x views --y likes "
                          "--size comments --label title --label-top 3")
    root, _ = check_bundle(one_display(res), "Bubble chart")
    labels = [t.text for t in root.iter(SVG_NS + "text")]
    named = [t for t in labels if t and t.startswith("Video number")]
    assert len(named) == 3, labels
    # label only: the title column does not become a tooltip of its own
    # beyond the default one
    spec = one_display(res)["data"][VL]
    points, *names = spec["layer"]
    tips = points["encoding"]["tooltip"]
    assert [t["field"] for t in tips].count("f0") == 1
    # the interactive view names the same points
    in_spec = sorted(r["label"] for n in names for r in n["data"]["values"])
    assert in_spec == sorted(named)


def test_save_vega(kc, tmp_path):
    target = tmp_path / "v" / "chart.vl.json"
    res = ytk.execute(kc, f"%yt_plot line --from videos --x published "
                          f"--y views --save {target}")
    shown = one_display(res)["data"][VL]
    assert f"Saved {target}" in res.stdout
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert saved == shown
    check_vega(saved)
    res = ytk.execute(kc, f"%yt_plot line --from videos --x published "
                          f"--y views --static --save {tmp_path}/all "
                          f"--format all")
    check_bundle(one_display(res), "Line chart", interactive=False)
    for ext in ("svg", "png", "vl.json"):
        assert (tmp_path / f"all.{ext}").stat().st_size > 100
    check_vega(json.loads((tmp_path / "all.vl.json").read_text()))


STORE_LIKE = """
CREATE TABLE videos (video_id TEXT, title TEXT, category_id TEXT,
                     published_at TEXT, duration_s INTEGER, view_count INTEGER,
                     like_count INTEGER, comment_count INTEGER);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO videos
SELECT printf('v%02d', i), 'Video ' || i, CAST(10 + i % 4 AS TEXT),
       printf('2024-%02d-%02dT12:00:00Z', 1 + i % 12, 1 + i % 28),
       30 + i * 97 % 3000, 1000 * i * i, 30 * i, i % 9 FROM n;
CREATE TABLE channels (channel_id TEXT, title TEXT, subscriber_count INTEGER,
                       view_count INTEGER, video_count INTEGER);
INSERT INTO channels
SELECT printf('c%02d', i), 'Channel ' || i, 500 * i * i, 90000 * i * i * i,
       3 + i * 7 % 50
FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
                              WHERE i < 25) SELECT i FROM n);
"""


def readme_plot_examples():
    with open(os.path.join(ytk.SOURCE_DIR, "magics", "README.md"),
              encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Charts: `%yt_plot`", 1)[1]
    block = section.split("```sql\n", 1)[1].split("```", 1)[0]
    examples, cur = [], []
    for line in block.splitlines():
        if line.startswith("%") and cur:
            examples.append("\n".join(cur).strip())
            cur = []
        if line.strip() or cur:
            cur.append(line)
    examples.append("\n".join(cur).strip())
    return examples


def test_readme_examples_run(kernel):
    """The examples of magics/README.md, one per kind, run as written on
    tables with the store's column names."""
    _, kc = kernel
    res = ytk.execute(kc, STORE_LIKE)
    assert res.status == "ok", res.all_text()
    examples = readme_plot_examples()
    kinds = [e.split()[1] for e in examples]
    assert sorted(kinds) == ["bar", "box", "hist", "line", "scatter"], kinds
    for code in examples:
        res = ytk.execute(kc, code)
        content = one_display(res)
        check_bundle(content, ("Bar", "Horizontal", "Line", "Bubble", "Scatter",
                               "Histogram", "Box"))
    # the help's examples too
    res = ytk.execute(kc, "%help yt_plot")
    assert "view_count" in res.all_text() and "viewCount" not in res.all_text()


@pytest.mark.parametrize("cell, words", [
    ("%%yt_plot bar --x k --y v\nSELECT 'a' AS k, 5 AS v "
     "UNION ALL SELECT 'b', NULL", ["1 bar,", "(1 row with NULL values"]),
    ("%%yt_plot line --x d --y v\nSELECT '2026-01-01' AS d, 5 AS v",
     ["1 point,"]),
    ("%%yt_plot scatter --x a --y b\nSELECT 1 AS a, 2 AS b", ["1 point,"]),
    ("%%yt_plot hist --x a\nSELECT 7 AS a", ["1 value in 1 bin,"]),
    ("%%yt_plot box --x g --y a\nSELECT 'g' AS g, 7 AS a",
     ["1 box, 1 value,"]),
])
def test_one_of_a_kind_reads_singular(kc, cell, words):
    """A chart of one row said '1 bars', '1 points', '1 values in 1 bins',
    '1 boxes' and '1 rows with NULL values left out'."""
    res = ytk.execute(kc, cell)
    text = one_display(res)["data"]["text/plain"]
    for w in words:
        assert w in text, (w, text)
    for bad in ("1 bars", "1 points", "1 values", "1 bins", "1 boxes",
                "1 rows"):
        assert bad not in text, (bad, text)


def test_huge_values_labelled_like_the_axis(kc):
    """Values past the T suffix were written '1000000T' (1e18) in labels and
    the summary, while the axis said '1.0e18'."""
    res = ytk.execute(kc, "%%yt_plot bar --x k --y v\n"
                          "SELECT 'a' AS k, 1e18 AS v UNION ALL "
                          "SELECT 'b', 2.5e15")
    content = one_display(res)
    text = content["data"]["text/plain"]
    assert "1e18" in text and "000T" not in text, text
    labels = [t.text for t in ET.fromstring(
        content["data"]["image/svg+xml"]).iter(SVG_NS + "text")]
    assert "000T" not in " ".join(labels), labels
    assert "2.5e15" in labels and "1e18" in labels, labels


@pytest.mark.parametrize("cell, n", [
    ("%%yt_plot scatter --x a --y b --log-x --log-y\n"
     "SELECT 1 AS a, 5 AS b UNION ALL SELECT 0, 3 UNION ALL SELECT 2, -1 "
     "UNION ALL SELECT 3, 7", 2),
    ("%%yt_plot line --x a --y b --log-y\n"
     "SELECT 1 AS a, 5 AS b UNION ALL SELECT 2, 0 UNION ALL SELECT 3, 7", 1),
    ("%%yt_plot bar --x k --y v --log-y\n"
     "SELECT 'a' AS k, 5 AS v UNION ALL SELECT 'b', -3 "
     "UNION ALL SELECT 'c', 70", 1),
])
def test_log_axis_says_what_it_left_out(kc, cell, n):
    """On a log axis, values <= 0 cannot be drawn; they vanished without a
    word while the summary still counted them."""
    content = one_display(ytk.execute(kc, cell))
    want = "%d row%s with values ≤ 0 left out of the log scale" % (
        n, "" if n == 1 else "s")
    assert want in content["data"]["text/plain"], content["data"]["text/plain"]
    notes = " ".join(t.text or "" for t in ET.fromstring(
        content["data"]["image/svg+xml"]).iter(SVG_NS + "text"))
    assert want in notes, notes


def test_save_under_tilde_goes_home(tmp_path):
    """`--save ~/charts/x.png` wrote a folder literally named "~" in the
    kernel's folder, and said "Saved ~/charts/x.png"; in a shell, and for
    a person, ~ is the home folder."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    ytk_home = tmp_path / "ytk"
    ytk_home.mkdir(mode=0o700)
    km, kc = ytk.start_kernel(env={"YTK_HOME": str(ytk_home),
                                   "HOME": str(home)}, cwd=str(cwd))
    try:
        assert ytk.execute(kc, "CREATE TABLE t(k TEXT, v INT);"
                               "INSERT INTO t VALUES ('a', 1)").status == "ok"
        r = ytk.execute(kc, "%yt_plot bar --from t --x k --y v "
                            "--save ~/charts/x.png")
        assert r.status == "ok", r.all_text()
        assert (home / "charts" / "x.png").is_file()
        assert str(home / "charts" / "x.png") in r.stdout, r.stdout
        r = ytk.execute(kc, "%yt_fetch export t ~/t.csv")
        assert r.status == "ok", r.all_text()
        assert (home / "t.csv").is_file()
        # quoted, it is a name like any other
        r = ytk.execute(kc, "%yt_plot bar --from t --x k --y v "
                            "--save '~/q.png'")
        assert r.status == "ok", r.all_text()
        assert os.listdir(cwd) == ["~"]
        assert os.listdir(cwd / "~") == ["q.png"]
    finally:
        ytk.stop_kernel(km, kc)
