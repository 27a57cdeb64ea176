"""The three notebooks run headless against the emulator, as `make demo` does,
plus nbconvert on a small notebook and `jupyter console` on the kernel.

- notebooks 1-3 run in order with nbclient in a temp YTK_HOME; while
  notebook 2 runs the emulator has expired the token and fails two videos
  requests (injected from here, the notebooks never know): every code cell
  ran without error, every `--save`d chart is a non-blank PNG (with its SVG),
  the store holds what notebook 3 needs, and no secret of the run (token.json
  values, client secret) is anywhere in the executed notebooks or their
  HTML exports;
- the committed notebooks carry kernelspec ytkernel, the "outputs from an
  emulator run" note, and no secret-looking strings;
- `jupyter nbconvert --execute --allow-errors` on a small notebook with SQL,
  a magic and an error cell produces the expected outputs;
- `jupyter console --kernel ytkernel` in a pty (pexpect): a SQL statement
  typed over two lines is held back until complete (is_complete), then runs.
"""
import html
import json
import os
import re
import sqlite3
import subprocess
import sys

import nbformat
import pytest

import nbrun
import ytk

pytestmark = pytest.mark.timeout(1500)

JUPYTER = os.path.join(ytk.SOURCE_DIR, ".venv", "bin", "jupyter")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    w = nbrun.DemoWorld(tmp_path_factory.mktemp("demo"))
    try:
        w.executed = {}
        w.executed["01-token-acquisition"] = w.run("01-token-acquisition")
        w.make_server_misbehave()
        w.executed["02-data-acquisition"] = w.run("02-data-acquisition")
        w.executed["03-visualization"] = w.run("03-visualization")
        yield w
    finally:
        w.stop()


@pytest.mark.parametrize("name", nbrun.NOTEBOOKS)
def test_every_cell_ran_without_error(demo, name):
    nb = demo.executed[name]
    cells = nbrun.code_cells(nb)
    assert len(cells) >= 3
    for c in cells:
        assert c.execution_count is not None, c.source
    assert nbrun.error_outputs(nb) == []
    # Nothing was written to stderr either (a warning would show in red).
    stderr = [o for c in cells for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert stderr == [], stderr


def test_notebook1_saved_a_token(demo):
    token = os.path.join(demo.home, "token.json")
    assert os.path.exists(token)
    assert os.stat(token).st_mode & 0o777 == 0o600
    data = json.load(open(token))
    assert data.get("refresh_token") and data.get("token")


def test_notebook2_survived_expired_token_and_server_errors(demo):
    """The injected 401 (expired token) and the two 503s were handled: the
    request log shows them, followed by successful retries, and the tables
    notebook 3 reads are filled."""
    db = sqlite3.connect(os.path.join(demo.home, "store.sqlite"))
    try:
        log_table = request_log_table(db)
        statuses = [r[0] for r in db.execute(f"SELECT status FROM {log_table}")]
        assert 401 in statuses, statuses
        assert statuses.count(503) >= 2, statuses
        assert 200 in statuses
        tables = {r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        for sql in nbrun.code_cells(demo.executed["03-visualization"]):
            for t in re.findall(r"\bFROM\s+([a-z_][a-z0-9_]*)", sql.source, re.I):
                if t.lower() not in ("json_each",) and not is_cte(sql.source, t):
                    assert t in tables, f"notebook 3 reads {t}, not in store"
                    assert db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] > 0, t
    finally:
        db.close()


def request_log_table(db):
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%request%'")]
    assert names, "no request log table in the store"
    return names[0]


def is_cte(sql, name):
    return re.search(rf"\b{name}\s*(\([^)]*\))?\s+AS\s*\(", sql, re.I) is not None


def test_notebook2_shows_the_recovery(demo):
    """The reader sees the expired token and the server errors being dealt
    with, in the notebook itself: the fetch summary mentions the retries and
    the request-log cells list the 401 and the 503s with their outcome."""
    text = "\n".join(output_text(o) for c in nbrun.code_cells(
        demo.executed["02-data-acquisition"]) for o in c.outputs)
    assert re.search(r"\d+ retr(y|ies)", text), "no visible retry in a fetch summary"
    assert re.search(r"401\s+authError\s+auth", text), "expired token not shown"
    assert len(re.findall(r"503\s+backendError\s+retry", text)) >= 2, \
        "server errors not shown"


def output_text(o):
    if o.output_type == "stream":
        return o.text
    if o.output_type == "error":
        return o.ename + " " + o.evalue
    return str(o.get("data", {}).get("text/plain", "")) + str(
        o.get("data", {}).get("text/html", ""))


def test_charts_saved_and_not_blank(demo):
    nb = demo.executed["03-visualization"]
    saved = nbrun.saved_images(nb)
    assert len(saved) >= 5, saved
    assert len(set(saved)) == len(saved), "each question has its own file"
    pngs = [p for p in saved if p.endswith(".png")]
    assert pngs == saved, "charts are saved as PNG (plus SVG via --format both)"
    for rel in saved:
        assert rel.startswith("images/"), rel
        png = os.path.join(demo.nb_dir, rel)
        assert os.path.exists(png), rel
        w, h, colours = nbrun.png_info(png)
        assert w >= 300 and h >= 200, (rel, w, h)
        assert colours >= 4, f"{rel} looks blank ({colours} colours)"
        svg = png[:-4] + ".svg"
        assert os.path.exists(svg), svg
        text = open(svg, encoding="utf-8").read()
        assert "<svg" in text and "<script" not in text.lower()
    # Every chart is also displayed inline (PNG for code hosts, SVG for Lab).
    shown = [o for c in nbrun.code_cells(nb) if "%yt_plot" in c.source
             for o in c.outputs if o.output_type in ("display_data", "execute_result")
             and "image/png" in o.data]
    assert len(shown) == len(saved)


VL = "application/vnd.vegalite.v5+json"


def test_notebook3_charts_are_interactive_and_export_as_images(demo, tmp_path):
    """Every chart of notebook 3 carries the interactive view (Vega-Lite v5)
    with SVG, PNG and text beside it and no text/html (which would outrank
    Vega in JupyterLab); nbconvert's HTML, which does not run Vega, still
    shows every chart as an image and never dumps the spec as text."""
    nb = demo.executed["03-visualization"]
    plots = [c for c in nbrun.code_cells(nb) if "%yt_plot" in c.source]
    assert len(plots) >= 5
    for c in plots:
        shown = [o for o in c.outputs if o.output_type == "display_data"]
        assert len(shown) == 1, c.source
        data = shown[0].data
        assert {VL, "image/svg+xml", "image/png", "text/plain"} <= set(data)
        assert "text/html" not in data
        assert data[VL]["$schema"].endswith("/vega-lite/v5.json")
    out = tmp_path / "03.html"
    subprocess.run([JUPYTER, "nbconvert", "--to", "html", "--output", str(out),
                    demo.path("03-visualization")], check=True,
                   capture_output=True)
    text = out.read_text(encoding="utf-8")
    imgs = re.findall(r'<img [^>]*src="data:image/(?:svg\+xml|png);base64,', text)
    assert len(imgs) == len(plots), (len(imgs), len(plots))
    assert "vega-lite/v5.json" not in text


def test_notebook3_names_outliers_and_titles_on_hover(demo):
    """The subscriptions bubble chart writes channel names beside its
    largest bubbles in the saved SVG/PNG; its tooltips and the trending
    bars' tooltips carry titles."""
    nb = demo.executed["03-visualization"]
    db = sqlite3.connect(os.path.join(demo.home, "store.sqlite"))
    try:
        channels = {r[0] for r in db.execute(
            "SELECT c.title FROM subscriptions s JOIN channels c "
            "ON c.channel_id = s.channel_id WHERE c.title IS NOT NULL")}
        trending = {r[0] for r in db.execute("SELECT title FROM trending")}
    finally:
        db.close()
    svg = open(os.path.join(demo.nb_dir, "images",
                            "q1-subscribers-vs-views.svg"), encoding="utf-8").read()
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    named = [t for t in map(html.unescape, texts) if t in channels]
    assert len(named) >= 3, texts
    specs = {}
    for c in nbrun.code_cells(nb):
        m = re.search(r"--save images/([\w{}-]+)\.png", c.source)
        for o in c.outputs:
            if m and o.output_type == "display_data" and VL in o.data:
                specs[m.group(1)] = o.data[VL]
    bubbles = specs["q1-subscribers-vs-views"]
    points, *names = bubbles["layer"]
    assert points["encoding"]["tooltip"][0]["title"] == "title"
    assert {r["label"] for n in names for r in n["data"]["values"]} == \
        set(named)
    assert {r["f0"] for r in bubbles["data"]["values"]} <= channels
    bars = specs["q2-trending-views-by-category-per-month-{region}"]
    titles = [t["title"] for t in bars["encoding"]["tooltip"]]
    assert "top_video" in titles
    field = bars["encoding"]["tooltip"][titles.index("top_video")]["field"]
    tops = {r.get(field) for r in bars["data"]["values"]}
    assert tops and tops <= trending


def test_papermill_runs_notebook3(demo, tmp_path):
    """papermill runs the same notebook with another region (-p region GB,
    through papermill-ytkernel's translator); its charts go next to the
    output notebook (--cwd), and their file names and titles follow the
    parameter."""
    out = tmp_path / "pm"
    out.mkdir()
    env = dict(demo.env)
    subprocess.run([os.path.join(ytk.SOURCE_DIR, ".venv", "bin", "papermill"),
                    "--cwd", str(out), "--kernel", "ytkernel", "--no-progress-bar",
                    "-p", "region", "GB",
                    os.path.join(nbrun.NB_DIR, "03-visualization.ipynb"),
                    str(out / "03.ipynb")],
                   check=True, env=env, capture_output=True, timeout=900)
    nb = nbformat.read(str(out / "03.ipynb"), as_version=4)
    assert nbrun.error_outputs(nb) == []
    assert all(c.execution_count for c in nbrun.code_cells(nb))
    assert nbrun.notebook_vars(nb)["region"] == "GB"
    saved = nbrun.saved_images(nb)
    for rel in saved:
        assert nbrun.png_info(str(out / rel))[2] >= 4, rel
    trending = [rel for rel in saved if "trending" in rel]
    assert trending and all(rel.endswith("-GB.png") for rel in trending)
    assert not [f for f in os.listdir(out / "images") if "-US." in f]
    titles = " ".join(o.data["image/svg+xml"] for c in nbrun.code_cells(nb)
                      for o in c.outputs if "image/svg+xml" in o.get("data", {}))
    assert "Most-popular chart (GB)" in titles and "(US)" not in titles


def test_no_secret_in_executed_notebooks_or_html(demo, tmp_path):
    secrets = nbrun.secret_strings(os.path.join(demo.home, "token.json"),
                                   os.path.join(demo.home, "client_secret.json"))
    assert len(secrets) >= 3, "expected access token, refresh token, client secret"
    secrets.add(demo.emu.api_key)
    for name in nbrun.NOTEBOOKS:
        path = demo.path(name)
        html = tmp_path / (name + ".html")
        subprocess.run([JUPYTER, "nbconvert", "--to", "html", "--output",
                        str(html), path], check=True, capture_output=True)
        for f in (path, str(html)):
            text = open(f, encoding="utf-8").read()
            for s in secrets:
                assert s not in text, f"a secret leaked into {os.path.basename(f)}"
        # Tokens issued earlier in the run (refreshed since) are not in
        # token.json any more: look for their shapes too.
        assert_no_token_patterns(nbformat.read(path, as_version=4), name)


def test_committed_notebooks_are_clean():
    """What is in git: right kernelspec, the note about the emulator run, no
    secret-looking values, and outputs kept (they read well on a code host)."""
    for name in nbrun.NOTEBOOKS:
        path = os.path.join(nbrun.NB_DIR, name + ".ipynb")
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        ks = nb.metadata.kernelspec
        assert ks.name == "ytkernel" and ks.display_name == "YouTube (C)"
        assert ks.language == "sql"
        first = nb.cells[0]
        assert first.cell_type == "markdown"
        assert re.search(r"emulator", first.source, re.I), "note about outputs"
        assert_no_token_patterns(nb, name)
        assert not re.search(r"__admin|\bfault\(|set_token_lifetime|expire_access", "\n".join(
            c.source for c in nb.cells)), "notebooks never touch the emulator's admin API"


def test_parameters_are_not_hard_coded_after_the_parameters_cell():
    """Notebook 2 fetched the chart a second time with `--region US` written
    out, so `papermill -p region GB` mixed GB and US videos in `trending`.
    Once a notebook sets `region` in its parameters cell, every magic line
    after it takes the region from `{region}`."""
    for name in nbrun.NOTEBOOKS:
        nb = nbformat.read(os.path.join(nbrun.NB_DIR, name + ".ipynb"),
                           as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        params = [i for i, c in enumerate(code)
                  if "parameters" in c.metadata.get("tags", [])]
        if not params or "%set region" not in code[params[0]].source:
            continue
        for c in code[params[0] + 1:]:
            for line in c.source.splitlines():
                if line.lstrip().startswith("%"):
                    assert not re.search(r"--region\s+[A-Za-z]{2}\b", line), \
                        (name, line)


def text_without_images(nb):
    """Everything in a notebook but base64 images (whose alphabet matches
    anything)."""
    parts = [json.dumps(nb.metadata)]
    for c in nb.cells:
        parts.append(c.source)
        for o in c.get("outputs", []):
            parts.append(json.dumps({k: v for k, v in o.items() if k != "data"}))
            parts += [v if isinstance(v, str) else json.dumps(v)
                      for m, v in o.get("data", {}).items() if m != "image/png"]
    return "\n".join(parts)


def assert_no_token_patterns(nb, name):
    """Google's token shapes (the emulator issues the same): access tokens
    ya29.*, refresh tokens 1//*, client secrets GOCSPX-*, API keys AIza*."""
    text = text_without_images(nb)
    for pat in (r"ya29\.[\w-]{10,}", r"1//[\w-]{20,}", r"GOCSPX-[\w-]{10,}",
                r"AIza[\w-]{30,}", r'"(access_token|refresh_token|client_secret)"\s*:'):
        assert not re.search(pat, text), (name, pat)


SMALL_NB_CELLS = [
    ("code", "CREATE TABLE pets(name TEXT, legs INTEGER);\n"
             "INSERT INTO pets VALUES ('cat', 4), ('bird', 2), ('snake', 0);"),
    ("code", "SELECT name, legs FROM pets\nWHERE legs > 0\nORDER BY legs DESC;"),
    ("code", "SELECT * FROM no_such_table;"),
    ("code", "%lsmagic"),
    ("code", "SELECT sum(legs) AS total_legs FROM pets;"),
]


def test_nbconvert_allow_errors_small_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "ytkernel", "display_name": "YouTube (C)",
                                 "language": "sql"}
    nb.cells = [nbformat.v4.new_code_cell(src) for _, src in SMALL_NB_CELLS]
    path = tmp_path / "small.ipynb"
    nbformat.write(nb, str(path))
    env = nbrun.kernel_base_env()
    env["YTK_HOME"] = str(tmp_path / "home")
    os.makedirs(env["YTK_HOME"])
    subprocess.run([JUPYTER, "nbconvert", "--to", "notebook", "--execute",
                    "--allow-errors", "--output", "small-out.ipynb", str(path)],
                   check=True, env=env, cwd=tmp_path, capture_output=True, timeout=300)
    out = nbformat.read(str(tmp_path / "small-out.ipynb"), as_version=4)
    c = out.cells
    assert [x.execution_count for x in c] == [1, 2, 3, 4, 5]
    select = c[1].outputs
    data = [o for o in select if o.output_type in ("execute_result", "display_data")]
    assert data, select
    plain = data[0].data["text/plain"]
    assert plain.index("cat") < plain.index("bird") and "snake" not in plain
    assert "<table" in data[0].data.get("text/html", "")
    errors = [o for o in c[2].outputs if o.output_type == "error"]
    assert len(errors) == 1 and "no_such_table" in (errors[0].evalue + "".join(errors[0].traceback))
    magics = "".join(output_text(o) for o in c[3].outputs)
    for name in ("yt_auth", "yt_fetch", "yt_plot"):
        assert name in magics, magics
    total = "".join(output_text(o) for o in c[4].outputs)
    assert "6" in total


ANSI = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"


def prompt_re(n):
    return rf"In \[{ANSI}{n}{ANSI}\]"


def test_jupyter_console_multiline_sql(tmp_path):
    """`jupyter console` (prompt_toolkit mode, which asks the kernel's
    is_complete on Enter): `SELECT 40 +` is held back and a continuation
    line is offered; completing it runs the whole statement."""
    import pexpect
    env = nbrun.kernel_base_env()
    env.update({"YTK_HOME": str(tmp_path), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1",
                "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
                "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"),
                "JUPYTER_DATA_DIR": str(tmp_path / "data")})
    env.pop("JUPYTER_CONSOLE_TEST", None)  # that mode disables multi-line input
    child = pexpect.spawn(JUPYTER, ["console", "--kernel", "ytkernel",
                                    "--ZMQTerminalInteractiveShell.kernel_is_complete_timeout=30"],
                          env=env, encoding="utf-8", timeout=120, dimensions=(40, 200))
    log = open(tmp_path / "console.log", "w")
    child.logfile_read = log
    try:
        child.expect(prompt_re(1))
        child.send("SELECT 40 +\r")
        # Incomplete: a continuation prompt, and nothing ran.
        child.expect(r"\.\.\.:")
        assert not re.search(r"Out\[|Error", child.before)
        child.send("2 AS answer;\r")
        child.expect(r"Out\[" + ANSI + "1")
        child.expect(prompt_re(2))
        first = child.before
        assert "42" in first and "Error" not in first, first
        child.send("SELECT 'one line' AS s;\r")
        child.expect(prompt_re(3))
        assert "one line" in child.before
        child.sendeof()  # Ctrl-D quits (SQL has no `exit` statement)
        child.expect(r"exit \(\[y\]/n\)\?")
        child.send("y\r")
        child.expect(pexpect.EOF, timeout=60)
    finally:
        log.close()
        child.close(force=True)
